/*
 * autoscaling.c - the scenario's autoscaling parts beyond the HPA:
 * autoscaling.k8s.io/v1 VerticalPodAutoscaler manifests, the `queues:`
 * section (queue workloads whose length an HPA can scale consumers on), and
 * the `clusterAutoscaler:` section (Cluster Autoscaler flags over the
 * upstream defaults). Errors name file:line:col and suggest near misses.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "models/vpa/vpa.h"
#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"
#include "workloads/traffic.h"

/* ---- VerticalPodAutoscaler ------------------------------------------------- */

static const char *const f_vpa_spec[] = { "targetRef", "updatePolicy",
	"resourcePolicy", "recommenders", NULL };
static const char *const f_update_policy[] = { "updateMode", "minReplicas",
	"evictionRequirements", NULL };
static const char *const f_resource_policy[] = { "containerPolicies", NULL };
static const char *const f_container_policy[] = { "containerName", "mode",
	"minAllowed", "maxAllowed", "controlledResources", "controlledValues", NULL };
static const char *const f_allowed[] = { "cpu", "memory", NULL };

/* One of names (NULL-terminated) or an error suggesting the nearest. */
static int
one_of(const struct yt_node *n, const char *what, const char *const *names, int *out,
    char **cause)
{
	const char *s;
	if (yt_string(n, &s, cause) < 0)
		return -1;
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	struct ks_buf b;
	ks_buf_init(&b);
	for (int i = 0; names[i] != NULL; i++)
		ks_buf_printf(&b, "%s%s", i == 0 ? "" : names[i + 1] == NULL ? " or " : ", ",
		    names[i]);
	const char *near = ks_nearest(s, names);
	*cause = near ? yt_errorf(n, "%s must be %s, found '%s' (did you mean '%s'?)", what,
	    b.data, s, near) : yt_errorf(n, "%s must be %s, found '%s'", what, b.data, s);
	ks_buf_fini(&b);
	return -1;
}

static int
allowed(const struct yt_node *n, const char *what, bool *has_cpu, int64_t *cpu,
    bool *has_mem, int64_t *mem, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, what, f_allowed, cause) < 0)
		return -1;
	struct k8s_resources r;
	memset(&r, 0, sizeof r);
	if (scn_resource_list(n, what, &r, cause) < 0) {
		k8s_res_free(&r);
		return -1;
	}
	*has_cpu = r.has_cpu;
	*cpu = r.cpu_milli;
	*has_mem = r.has_memory;
	*mem = r.memory;
	k8s_res_free(&r);
	return 0;
}

static int
container_policy(const struct yt_node *n, struct vpa_container_policy *p, char **cause)
{
	if (scn_check_map(n, "containerPolicies item", f_container_policy, cause) < 0 ||
	    scn_get_strdup(n, "containerName", &p->container, cause) < 0)
		return -1;
	if (p->container == NULL || p->container[0] == '\0') {
		*cause = yt_errorf(n, "a container policy needs containerName (a container "
		    "name or \"*\")");
		return -1;
	}
	p->control_cpu = p->control_memory = true;
	const struct yt_node *m = yt_get(n, "mode");
	if (m != NULL && !yt_is_null(m)) {
		static const char *const modes[] = { "Auto", "Off", NULL };
		int k;
		if (one_of(m, "mode", modes, &k, cause) < 0)
			return -1;
		p->off = k == 1;
	}
	if (allowed(yt_get(n, "minAllowed"), "minAllowed", &p->has_min_cpu, &p->min_cpu_milli,
	    &p->has_min_memory, &p->min_memory, cause) < 0 ||
	    allowed(yt_get(n, "maxAllowed"), "maxAllowed", &p->has_max_cpu, &p->max_cpu_milli,
	    &p->has_max_memory, &p->max_memory, cause) < 0)
		return -1;
	if ((p->has_min_cpu && p->has_max_cpu && p->min_cpu_milli > p->max_cpu_milli) ||
	    (p->has_min_memory && p->has_max_memory && p->min_memory > p->max_memory)) {
		*cause = yt_errorf(yt_get(n, "maxAllowed"), "maxAllowed must not be less than "
		    "minAllowed");
		return -1;
	}
	const struct yt_node *cr = yt_get(n, "controlledResources");
	if (cr != NULL && !yt_is_null(cr)) {
		if (cr->kind != YT_SEQ) {
			*cause = yt_errorf(cr, "expected a list for controlledResources");
			return -1;
		}
		p->control_cpu = p->control_memory = false;
		static const char *const res[] = { "cpu", "memory", NULL };
		for (size_t i = 0; i < cr->n; i++) {
			int k;
			if (one_of(cr->items[i], "a controlled resource", res, &k, cause) < 0)
				return -1;
			if (k == 0)
				p->control_cpu = true;
			else
				p->control_memory = true;
		}
	}
	const struct yt_node *cv = yt_get(n, "controlledValues");
	if (cv != NULL && !yt_is_null(cv)) {
		static const char *const vals[] = { "RequestsAndLimits", "RequestsOnly", NULL };
		int k;
		if (one_of(cv, "controlledValues", vals, &k, cause) < 0)
			return -1;
	}
	return 0;
}

int
scn_mf_vpa(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	s->vpas = xreallocarray(s->vpas, s->nvpas + 1, sizeof *s->vpas);
	s->vpa_where = xreallocarray(s->vpa_where, s->nvpas + 1, sizeof *s->vpa_where);
	struct vpa_spec *v = &s->vpas[s->nvpas];
	memset(v, 0, sizeof *v);
	s->vpa_where[s->nvpas] = NULL;
	s->nvpas++;
	const struct yt_node *meta = yt_get(obj, "metadata");
	if (meta == NULL || yt_is_null(meta)) {
		*cause = yt_errorf(obj, "VerticalPodAutoscaler needs metadata with a name");
		return -1;
	}
	if (scn_check_map(meta, "metadata", scn_f_object_meta, cause) < 0)
		return -1;
	const struct yt_node *nn = yt_get(meta, "name");
	if (nn == NULL || nn->kind != YT_SCALAR || nn->str[0] == '\0') {
		*cause = yt_errorf(nn ? nn : meta, "VerticalPodAutoscaler needs metadata.name");
		return -1;
	}
	v->name = xstrdup(nn->str);
	if (scn_get_strdup(meta, "namespace", &v->namespace, cause) < 0)
		return -1;
	if (v->namespace == NULL)
		v->namespace = xstrdup("default");
	char buf[1024];
	s->vpa_where[s->nvpas - 1] = xstrdup(yt_where(nn, buf, sizeof buf));
	for (size_t i = 0; i + 1 < s->nvpas; i++) {
		if (strcmp(s->vpas[i].name, v->name) == 0 &&
		    strcmp(s->vpas[i].namespace, v->namespace) == 0) {
			*cause = yt_errorf(nn, "duplicate VerticalPodAutoscaler '%s' (first "
			    "defined at %s)", v->name, s->vpa_where[i]);
			return -1;
		}
	}
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec)) {
		*cause = yt_errorf(obj, "VerticalPodAutoscaler '%s' needs a spec", v->name);
		return -1;
	}
	if (scn_check_map(spec, "VerticalPodAutoscaler spec", f_vpa_spec, cause) < 0)
		return -1;
	if (yt_get(spec, "recommenders") != NULL) {
		*cause = yt_errorf(yt_get(spec, "recommenders"), "kubesim runs only the "
		    "default recommender (remove 'recommenders')");
		return -1;
	}
	const struct yt_node *ref = yt_get(spec, "targetRef");
	if (ref == NULL || yt_is_null(ref)) {
		*cause = yt_errorf(spec, "VerticalPodAutoscaler '%s' needs a targetRef", v->name);
		return -1;
	}
	if (scn_check_map(ref, "targetRef", scn_f_cross_ref, cause) < 0 ||
	    scn_get_strdup(ref, "kind", &v->target_kind, cause) < 0 ||
	    scn_get_strdup(ref, "name", &v->target_name, cause) < 0)
		return -1;
	if (v->target_kind == NULL || v->target_name == NULL) {
		*cause = yt_errorf(ref, "targetRef needs kind and name");
		return -1;
	}
	free(s->vpa_where[s->nvpas - 1]);
	s->vpa_where[s->nvpas - 1] = xstrdup(yt_where(yt_get(ref, "name"), buf, sizeof buf));
	/* updateMode: the API's default is Auto, which is Recreate today. */
	v->mode = VPA_MODE_RECREATE;
	const struct yt_node *up = yt_get(spec, "updatePolicy");
	if (up != NULL && !yt_is_null(up)) {
		if (scn_check_map(up, "updatePolicy", f_update_policy, cause) < 0)
			return -1;
		const struct yt_node *um = yt_get(up, "updateMode");
		if (um != NULL && !yt_is_null(um)) {
			static const char *const modes[] = { "Off", "Initial", "Recreate", "Auto",
				NULL };
			int k;
			if (one_of(um, "updateMode", modes, &k, cause) < 0)
				return -1;
			v->mode = k == 0 ? VPA_MODE_OFF : k == 1 ? VPA_MODE_INITIAL :
			    VPA_MODE_RECREATE;
		}
		if (yt_get(up, "evictionRequirements") != NULL) {
			*cause = yt_errorf(yt_get(up, "evictionRequirements"), "evictionRequirements "
			    "is not simulated");
			return -1;
		}
		if (scn_get_i32(up, "minReplicas", 0, 1, INT32_MAX, &v->min_replicas, cause) < 0)
			return -1;
	}
	const struct yt_node *rp = yt_get(spec, "resourcePolicy");
	if (rp != NULL && !yt_is_null(rp)) {
		if (scn_check_map(rp, "resourcePolicy", f_resource_policy, cause) < 0)
			return -1;
		const struct yt_node *cps = yt_get(rp, "containerPolicies");
		if (cps != NULL && !yt_is_null(cps)) {
			if (cps->kind != YT_SEQ) {
				*cause = yt_errorf(cps, "expected a list for containerPolicies");
				return -1;
			}
			v->policies = xcalloc(cps->n + 1, sizeof *v->policies);
			for (size_t i = 0; i < cps->n; i++) {
				v->npolicies++;
				if (container_policy(cps->items[i], &v->policies[i], cause) < 0)
					return -1;
				for (size_t j = 0; j < i; j++) {
					if (strcmp(v->policies[j].container,
					    v->policies[i].container) == 0) {
						*cause = yt_errorf(yt_get(cps->items[i], "containerName"),
						    "duplicate container policy for '%s'",
						    v->policies[i].container);
						return -1;
					}
				}
			}
		}
	}
	return 0;
}

/* ---- queues ------------------------------------------------------------------ */

static const char *const f_queue[] = { "name", "arrivals", "consumer", "ratePerPod",
	"cpuPerMessage", "initialLength", NULL };

/* The Deployment of that name in namespace ns. */
static const struct k8s_deployment *
find_deployment(const struct scenario *s, const char *ns, const char *name)
{
	for (size_t i = 0; i < s->ndeployments; i++)
		if (strcmp(s->deployments[i].name, name) == 0 &&
		    strcmp(s->deployments[i].namespace, ns) == 0)
			return &s->deployments[i];
	return NULL;
}

static int
positive(const struct yt_node *map, const char *key, bool required, double dflt,
    double *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		if (required) {
			*cause = yt_errorf(map, "a queue needs '%s'", key);
			return -1;
		}
		*out = dflt;
		return 0;
	}
	if (yt_double(v, out, cause) < 0)
		return -1;
	if (*out < 0 || (required && *out == 0)) {
		*cause = yt_errorf(v, "%s must be %s, found '%s'", key,
		    required ? "positive" : "at least 0", v->str);
		return -1;
	}
	return 0;
}

static int
queue(const struct yt_node *n, const char *dir, struct scenario *s, struct scn_queue *q,
    char **cause)
{
	if (scn_check_map(n, "queue", f_queue, cause) < 0 ||
	    scn_get_strdup(n, "name", &q->name, cause) < 0 ||
	    scn_get_strdup(n, "consumer", &q->consumer, cause) < 0)
		return -1;
	if (q->name == NULL || q->name[0] == '\0') {
		*cause = yt_errorf(n, "a queue needs a name");
		return -1;
	}
	for (size_t i = 0; i + 1 < s->nqueues; i++) {
		if (strcmp(s->queues[i].name, q->name) == 0) {
			*cause = yt_errorf(yt_get(n, "name"), "duplicate queue '%s'", q->name);
			return -1;
		}
	}
	if (strcmp(q->name, "queue_length") == 0) {
		*cause = yt_errorf(yt_get(n, "name"), "'queue_length' is the generic External "
		    "metric name; give the queue another name");
		return -1;
	}
	if (q->consumer == NULL) {
		*cause = yt_errorf(n, "queue '%s' needs a consumer (a Deployment name)", q->name);
		return -1;
	}
	char *plain;
	if (scn_resolve_plain(s, yt_get(n, "consumer"), q->consumer, &plain, cause) < 0)
		return -1;
	free(q->consumer);
	q->consumer = plain;
	if (positive(n, "ratePerPod", true, 0, &q->rate_per_pod, cause) < 0 ||
	    positive(n, "initialLength", false, 0, &q->initial_length, cause) < 0)
		return -1;
	sim_ns cpu;
	if (scn_get_dur(n, "cpuPerMessage", true, 0, &cpu, cause) < 0)
		return -1;
	q->cpu_per_message = sim_ns_to_s(cpu);
	const struct yt_node *a = yt_get(n, "arrivals");
	if (a == NULL || yt_is_null(a)) {
		*cause = yt_errorf(n, "queue '%s' needs arrivals (a traffic list: generators "
		    "or a trace, in messages per second)", q->name);
		return -1;
	}
	return scn_traffic(a, dir, &q->arrivals, cause);
}

int
scn_queues(const struct yt_node *n, const char *dir, struct scenario *s, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list for queues");
		return -1;
	}
	s->queues = xcalloc(n->n + 1, sizeof *s->queues);
	for (size_t i = 0; i < n->n; i++) {
		s->nqueues++;
		if (queue(n->items[i], dir, s, &s->queues[i], cause) < 0)
			return -1;
	}
	return 0;
}

/* ---- clusterAutoscaler ----------------------------------------------------------- */

static const char *const f_ca[] = { "expander", "scaleDownUtilizationThreshold",
	"scaleDownUnneededTime", "scaleDownDelayAfterAdd", "scaleDownDelayAfterDelete",
	"scaleDownDelayAfterFailure", "maxNodeProvisionTime", "maxNodesTotal",
	"scanInterval", "priorities", NULL };

/* priorities: {10: [regexp, ...], 50: [...]} as the priority expander's
 * ConfigMap holds them. */
static int
priorities(const struct yt_node *n, struct scenario *s, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected priorities as a mapping of priority to a list "
		    "of node group name patterns, e.g. {10: [\".*spot.*\"], 50: [\"on-demand\"]}");
		return -1;
	}
	s->ca_priorities = xcalloc(n->n + 1, sizeof *s->ca_priorities);
	for (size_t i = 0; i < n->n; i++) {
		struct ca_priority_level *lv = &s->ca_priorities[i];
		s->nca_priorities++;
		int64_t pr;
		if (scn_int(n->keys[i], INT32_MIN, INT32_MAX, &pr, cause) < 0)
			return -1;
		lv->priority = (int)pr;
		const struct yt_node *pats = n->items[i];
		if (scn_strlist(pats, "priority patterns", &lv->patterns, &lv->npatterns,
		    cause) < 0)
			return -1;
		if (lv->npatterns == 0) {
			*cause = yt_errorf(pats, "priority %d needs at least one node group "
			    "name pattern", lv->priority);
			return -1;
		}
	}
	s->ca.priorities = s->ca_priorities;
	s->ca.npriorities = s->nca_priorities;
	for (size_t i = 0; i < n->n; i++) {
		struct ca_config one = s->ca;
		one.priorities = &s->ca_priorities[i];
		one.npriorities = 1;
		char *err = NULL;
		if (ca_config_check_priorities(&one, &err) < 0) {
			*cause = yt_errorf(n->items[i], "%s", err);
			free(err);
			return -1;
		}
	}
	return 0;
}

static int
ca_duration(const struct yt_node *map, const char *key, bool positive_only, sim_ns *v,
    char **cause)
{
	if (scn_get_dur(map, key, false, *v, v, cause) < 0)
		return -1;
	if (positive_only && *v <= 0) {
		*cause = yt_errorf(yt_get(map, key), "%s must be positive", key);
		return -1;
	}
	return 0;
}

int
scn_cluster_autoscaler(const struct yt_node *n, struct scenario *s, char **cause)
{
	s->ca = ca_config_defaults();
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, "clusterAutoscaler", f_ca, cause) < 0)
		return -1;
	s->has_ca_config = true;
	struct ca_config *c = &s->ca;
	const struct yt_node *e = yt_get(n, "expander");
	if (e != NULL && !yt_is_null(e)) {
		const char *flag;
		char *err = NULL;
		if (yt_string(e, &flag, cause) < 0)
			return -1;
		static const char *const names[] = { "random", "most-pods", "least-waste",
			"price", "priority", "least-nodes", NULL };
		for (const char *p = flag;;) {
			const char *comma = strchr(p, ',');
			char *name = xstrndup(p, comma ? (size_t)(comma - p) : strlen(p));
			const char *near = ca_expander_parse(name) < 0 ?
			    ks_nearest(name, names) : NULL;
			if (near != NULL) {
				*cause = yt_errorf(e, "unknown expander '%s' (did you mean '%s'?)",
				    name, near);
				free(name);
				return -1;
			}
			free(name);
			if (comma == NULL)
				break;
			p = comma + 1;
		}
		if (ca_config_set_expanders(c, flag, &err) < 0) {
			*cause = yt_errorf(e, "expander: %s", err);
			free(err);
			return -1;
		}
	}
	const struct yt_node *th = yt_get(n, "scaleDownUtilizationThreshold");
	if (th != NULL && !yt_is_null(th)) {
		if (yt_double(th, &c->scale_down_utilization_threshold, cause) < 0)
			return -1;
		if (c->scale_down_utilization_threshold < 0 ||
		    c->scale_down_utilization_threshold > 1) {
			*cause = yt_errorf(th, "scaleDownUtilizationThreshold must be between 0 "
			    "and 1, found '%s'", th->str);
			return -1;
		}
	}
	if (ca_duration(n, "scaleDownUnneededTime", false, &c->scale_down_unneeded_time,
	    cause) < 0 ||
	    ca_duration(n, "scaleDownDelayAfterAdd", false, &c->scale_down_delay_after_add,
	    cause) < 0 ||
	    ca_duration(n, "scaleDownDelayAfterDelete", false,
	    &c->scale_down_delay_after_delete, cause) < 0 ||
	    ca_duration(n, "scaleDownDelayAfterFailure", false,
	    &c->scale_down_delay_after_failure, cause) < 0 ||
	    ca_duration(n, "maxNodeProvisionTime", true, &c->max_node_provision_time,
	    cause) < 0 ||
	    ca_duration(n, "scanInterval", true, &c->scan_interval, cause) < 0)
		return -1;
	int64_t v;
	if (scn_get_int(n, "maxNodesTotal", c->max_nodes_total, 0, INT32_MAX, &v, cause) < 0)
		return -1;
	c->max_nodes_total = (int)v;
	const struct yt_node *pr = yt_get(n, "priorities");
	if (pr != NULL && !yt_is_null(pr) && priorities(pr, s, cause) < 0)
		return -1;
	bool uses_priority = false;
	for (int i = 0; i < c->nexpanders; i++)
		uses_priority |= c->expanders[i] == CA_EXPANDER_PRIORITY;
	if (uses_priority && s->nca_priorities == 0) {
		*cause = yt_errorf(e, "the priority expander needs 'priorities' (priority: "
		    "[node group name patterns])");
		return -1;
	}
	return 0;
}

/* ---- cross-checks and freeing ------------------------------------------------------ */

int
scn_autoscaling_finish(struct scenario *s, char **cause)
{
	for (size_t i = 0; i < s->nvpas; i++) {
		const struct vpa_spec *v = &s->vpas[i];
		if (strcmp(v->target_kind, "Deployment") != 0) {
			*cause = xasprintf("%s: VerticalPodAutoscaler '%s' targets a %s; kubesim "
			    "scales only Deployments", s->vpa_where[i], v->name, v->target_kind);
			return -1;
		}
		const struct k8s_deployment *d = find_deployment(s, v->namespace,
		    v->target_name);
		if (d == NULL) {
			*cause = xasprintf("%s: VerticalPodAutoscaler '%s' targets Deployment "
			    "'%s', which is not in the manifests", s->vpa_where[i], v->name,
			    v->target_name);
			return -1;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(s->vpas[k].target_name, v->target_name) == 0 &&
			    strcmp(s->vpas[k].namespace, v->namespace) == 0) {
				*cause = xasprintf("%s: Deployment '%s' already has "
				    "VerticalPodAutoscaler '%s'", s->vpa_where[i], v->target_name,
				    s->vpas[k].name);
				return -1;
			}
		}
	}
	return 0;
}

void
scn_autoscaling_free(struct scenario *s)
{
	for (size_t i = 0; i < s->nvpas; i++) {
		vpa_spec_free(&s->vpas[i]);
		free(s->vpa_where[i]);
	}
	free(s->vpas);
	free(s->vpa_where);
	for (size_t i = 0; i < s->nqueues; i++) {
		free(s->queues[i].name);
		free(s->queues[i].consumer);
		wl_free(s->queues[i].arrivals);
	}
	free(s->queues);
	for (size_t i = 0; i < s->nca_priorities; i++)
		scn_strlist_free(s->ca_priorities[i].patterns, s->ca_priorities[i].npatterns);
	free(s->ca_priorities);
}
