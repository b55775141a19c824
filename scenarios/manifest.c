/*
 * manifest.c - Kubernetes objects from YAML documents into a struct scenario:
 * dispatch on apiVersion and kind, ObjectMeta, apps/v1 Deployment (with the
 * rolling-update fenceposts resolved), v1 Service, autoscaling/v2
 * HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget, scheduling.k8s.io/v1
 * PriorityClass, v1 Node and Pod, v1 List; kinds not simulated become notes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "sim/util/util.h"

/* Built-in priority classes (scheduling/types.go). */
#define SYSTEM_CLUSTER_CRITICAL	2000000000
#define SYSTEM_NODE_CRITICAL	2000001000
/* HighestUserDefinablePriority. */
#define MAX_USER_PRIORITY	1000000000

void
scn_mf_init(struct scn_mf *m, struct scenario *s)
{
	memset(m, 0, sizeof *m);
	m->s = s;
	ks_strmap_init(&m->names);
}

static void
where_free(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void
scn_mf_fini(struct scn_mf *m)
{
	struct scenario *s = m->s;
	where_free(m->dep_where, s->ndeployments);
	where_free(m->svc_where, s->nservices);
	where_free(m->hpa_where, s->nhpas);
	where_free(m->pdb_where, s->npdbs);
	where_free(m->pc_where, s->npriority_classes);
	where_free(m->node_where, s->nnodes);
	where_free(m->pod_where, s->npods);
	for (size_t i = 0; i < m->nskipped; i++) {
		free(m->skipped[i].what);
		free(m->skipped[i].namespace);
		k8s_labels_free(&m->skipped[i].labels);
	}
	free(m->skipped);
	ks_strmap_fini(&m->names);
	memset(m, 0, sizeof *m);
}

void
scn_deployment_free(struct k8s_deployment *d)
{
	free(d->name);
	free(d->namespace);
	k8s_selector_free(&d->selector);
	k8s_pod_spec_free(&d->template);
	scn_workload_free(d);
}

void
scn_service_free(struct k8s_service *v)
{
	free(v->name);
	free(v->namespace);
	k8s_labels_free(&v->selector);
	for (size_t i = 0; i < v->nports; i++) {
		free(v->ports[i].name);
		free(v->ports[i].protocol);
	}
	free(v->ports);
	free(v->type);
}

void
scn_pdb_free(struct k8s_pdb *p)
{
	free(p->name);
	free(p->namespace);
	k8s_selector_free(&p->selector);
}

/* Appends a zeroed element to a scenario array and its where-array. */
#define GROW_OBJ(arr, n, where) do { \
	(arr) = xreallocarray((arr), (n) + 1, sizeof *(arr)); \
	memset(&(arr)[(n)], 0, sizeof *(arr)); \
	(where) = xreallocarray((where), (n) + 1, sizeof *(where)); \
	(where)[(n)] = NULL; \
	(n)++; \
} while (0)

static char *
where_of(const struct yt_node *n)
{
	char buf[1024];
	return xstrdup(yt_where(n, buf, sizeof buf));
}

/* ObjectMeta: name (required), namespace ("default" when ns is wanted),
 * labels; *deleting (when wanted) is set when deletionTimestamp is. */
int
scn_metadata(const struct yt_node *obj, const char *kind, char **name, char **ns,
    struct k8s_labels *labels, bool *deleting, const struct yt_node **name_node,
    char **cause)
{
	const struct yt_node *meta = yt_get(obj, "metadata");
	if (meta == NULL || yt_is_null(meta)) {
		*cause = yt_errorf(obj, "%s needs metadata with a name", kind);
		return -1;
	}
	if (scn_check_map(meta, "metadata", scn_f_object_meta, cause) < 0)
		return -1;
	const struct yt_node *nn = yt_get(meta, "name");
	if (nn == NULL || nn->kind != YT_SCALAR || nn->str[0] == '\0') {
		*cause = yt_errorf(nn ? nn : meta, "%s needs metadata.name", kind);
		return -1;
	}
	*name_node = nn;
	*name = xstrdup(nn->str);
	if (ns != NULL) {
		if (scn_get_strdup(meta, "namespace", ns, cause) < 0)
			return -1;
		if (*ns == NULL)
			*ns = xstrdup("default");
	}
	if (deleting != NULL) {
		const struct yt_node *dt = yt_get(meta, "deletionTimestamp");
		*deleting = dt != NULL && !yt_is_null(dt);
	}
	if (labels != NULL && scn_labels(yt_get(meta, "labels"), "labels", labels, cause) < 0)
		return -1;
	return 0;
}

static const struct yt_node *
spec_of(const struct yt_node *obj, const char *kind, const char *const *fields,
    bool required, char **cause)
{
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec)) {
		if (required)
			*cause = yt_errorf(obj, "%s needs a spec", kind);
		return NULL;
	}
	char what[64];
	snprintf(what, sizeof what, "%s spec", kind);
	if (scn_check_map(spec, what, fields, cause) < 0)
		return NULL;
	return spec;
}

/* An earlier object of the same kind, namespace and name: each object's key
 * goes into a hash map with the index of its position in where[], so 10^5
 * objects are checked in linear time. */
static int
check_dup(struct scn_mf *m, const char *kind, const char *ns, const char *name,
    char *const *where, size_t idx, const struct yt_node *at, char **cause)
{
	char *key = xasprintf("%s\x1f%s\x1f%s", kind, ns ? ns : "", name);
	int64_t first;
	int rc = 0;
	if (ks_strmap_get(&m->names, key, &first)) {
		*cause = yt_errorf(at, "duplicate %s '%s' (first defined at %s)", kind, name,
		    where[first]);
		rc = -1;
	} else {
		ks_strmap_put(&m->names, key, (int64_t)idx);
	}
	free(key);
	return rc;
}

/* GetScaledValueFromIntOrPercent. */
static int32_t
scaled(int32_t v, bool pct, int32_t total, bool round_up)
{
	if (!pct)
		return v;
	int64_t x = (int64_t)v * total;
	return (int32_t)(round_up ? (x + 99) / 100 : x / 100);
}

static int
deployment(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->deployments, s->ndeployments, m->dep_where);
	struct k8s_deployment *d = &s->deployments[s->ndeployments - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "Deployment", &d->name, &d->namespace, NULL, NULL, &nn, cause) < 0)
		return -1;
	m->dep_where[s->ndeployments - 1] = where_of(nn);
	if (check_dup(m, "Deployment", d->namespace, d->name,
	    m->dep_where, s->ndeployments - 1, nn, cause) < 0)
		return -1;
	const struct yt_node *spec = spec_of(obj, "Deployment", scn_f_deployment_spec,
	    true, cause);
	if (spec == NULL)
		return -1;
	if (scn_get_i32(spec, "replicas", 1, 0, INT32_MAX, &d->replicas, cause) < 0 ||
	    scn_get_i32(spec, "minReadySeconds", 0, 0, INT32_MAX, &d->min_ready_s, cause) < 0 ||
	    scn_get_i32(spec, "progressDeadlineSeconds", 600, 1, INT32_MAX,
	    &d->progress_deadline_s, cause) < 0 ||
	    scn_get_i32(spec, "revisionHistoryLimit", 10, 0, INT32_MAX,
	    &d->revision_history, cause) < 0 ||
	    yt_get_bool(spec, "paused", false, &d->paused, cause) < 0)
		return -1;
	const struct yt_node *sel = yt_get(spec, "selector");
	if (sel == NULL || yt_is_null(sel)) {
		*cause = yt_errorf(spec, "Deployment '%s' needs a selector", d->name);
		return -1;
	}
	if (scn_selector(sel, "selector", &d->selector, cause) < 0)
		return -1;
	if (d->selector.nreqs == 0) {
		*cause = yt_errorf(sel, "empty selector is invalid for a Deployment");
		return -1;
	}
	const struct yt_node *tmpl = yt_get(spec, "template");
	if (tmpl == NULL) {
		*cause = yt_errorf(spec, "Deployment '%s' needs a template", d->name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "Deployment '%s'", d->name);
	if (scn_pod_template(tmpl, what, &d->template, cause) < 0)
		return -1;
	if (d->template.restart_policy != K8S_RESTART_ALWAYS) {
		/* apps/v1 validation: a Deployment's pods always restart. */
		*cause = yt_errorf(yt_get(yt_get(tmpl, "spec"), "restartPolicy"),
		    "a Deployment's restartPolicy must be Always");
		return -1;
	}
	d->template.name = xstrdup(d->name);
	d->template.namespace = xstrdup(d->namespace);
	if (!k8s_selector_matches(&d->selector, &d->template.labels)) {
		*cause = yt_errorf(sel, "selector does not match template labels");
		return -1;
	}
	/* Strategy: RollingUpdate 25%/25% unless given; Recreate is surge 0
	 * with every pod unavailable. */
	int32_t surge = 25, unavail = 25;
	bool surge_pct = true, unavail_pct = true;
	const struct yt_node *st = yt_get(spec, "strategy");
	const char *type = "RollingUpdate";
	const struct yt_node *ru = NULL;
	if (st != NULL && !yt_is_null(st)) {
		if (scn_check_map(st, "DeploymentStrategy", scn_f_strategy, cause) < 0)
			return -1;
		const char *t;
		if (scn_get_str(st, "type", &t, cause) < 0)
			return -1;
		if (t != NULL)
			type = t;
		ru = yt_get(st, "rollingUpdate");
		if (ru != NULL && yt_is_null(ru))
			ru = NULL;
	}
	if (strcmp(type, "Recreate") == 0) {
		if (ru != NULL) {
			*cause = yt_errorf(ru, "rollingUpdate may not be given when strategy "
			    "type is Recreate");
			return -1;
		}
		d->max_surge = 0;
		d->max_unavailable = d->replicas;
		d->recreate = true;
		return 0;
	}
	if (strcmp(type, "RollingUpdate") != 0) {
		*cause = yt_errorf(yt_get(st, "type"), "strategy type must be RollingUpdate "
		    "or Recreate, found '%s'", type);
		return -1;
	}
	if (ru != NULL) {
		if (scn_check_map(ru, "rollingUpdate", scn_f_rolling_update, cause) < 0)
			return -1;
		const struct yt_node *ms = yt_get(ru, "maxSurge");
		const struct yt_node *mu = yt_get(ru, "maxUnavailable");
		if (ms != NULL && scn_int_or_percent(ms, &surge, &surge_pct, cause) < 0)
			return -1;
		if (mu != NULL && scn_int_or_percent(mu, &unavail, &unavail_pct, cause) < 0)
			return -1;
		if (unavail_pct && unavail > 100) {
			*cause = yt_errorf(mu, "maxUnavailable must not be greater than 100%%");
			return -1;
		}
		if (surge == 0 && unavail == 0) {
			*cause = yt_errorf(mu ? mu : ru, "maxUnavailable may not be 0 when "
			    "maxSurge is 0");
			return -1;
		}
	}
	d->surge_value = surge;
	d->surge_pct = surge_pct;
	d->unavail_value = unavail;
	d->unavail_pct = unavail_pct;
	/* ResolveFenceposts: surge rounds up, unavailable down; never both 0. */
	d->max_surge = scaled(surge, surge_pct, d->replicas, true);
	d->max_unavailable = scaled(unavail, unavail_pct, d->replicas, false);
	if (d->max_surge == 0 && d->max_unavailable == 0)
		d->max_unavailable = 1;
	return 0;
}

static int
service(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->services, s->nservices, m->svc_where);
	struct k8s_service *v = &s->services[s->nservices - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "Service", &v->name, &v->namespace, NULL, NULL, &nn, cause) < 0)
		return -1;
	m->svc_where[s->nservices - 1] = where_of(nn);
	if (check_dup(m, "Service", v->namespace, v->name,
	    m->svc_where, s->nservices - 1, nn, cause) < 0)
		return -1;
	*cause = NULL;
	const struct yt_node *spec = spec_of(obj, "Service", scn_f_service_spec, false, cause);
	if (*cause != NULL)
		return -1;
	if (scn_labels(yt_get(spec, "selector"), "selector", &v->selector, cause) < 0 ||
	    scn_get_strdup(spec, "type", &v->type, cause) < 0)
		return -1;
	if (v->type == NULL)
		v->type = xstrdup("ClusterIP");
	const struct yt_node *ports = yt_get(spec, "ports");
	if (ports != NULL && !yt_is_null(ports)) {
		if (ports->kind != YT_SEQ) {
			*cause = yt_errorf(ports, "expected a list of service ports");
			return -1;
		}
		v->ports = xcalloc(ports->n + 1, sizeof *v->ports);
		for (size_t i = 0; i < ports->n; i++) {
			const struct yt_node *p = ports->items[i];
			struct k8s_service_port *sp = &v->ports[v->nports++];
			if (scn_check_map(p, "service port", scn_f_service_port, cause) < 0 ||
			    scn_get_strdup(p, "name", &sp->name, cause) < 0 ||
			    scn_get_strdup(p, "protocol", &sp->protocol, cause) < 0 ||
			    scn_get_i32(p, "port", 0, 1, 65535, &sp->port, cause) < 0)
				return -1;
			if (yt_get(p, "port") == NULL) {
				*cause = yt_errorf(p, "a service port needs a port");
				return -1;
			}
			if (sp->protocol == NULL)
				sp->protocol = xstrdup("TCP");
			/* targetPort: a number, a named container port (0 here), or
			 * absent (the same as port). */
			const struct yt_node *tp = yt_get(p, "targetPort");
			sp->target_port = sp->port;
			if (tp != NULL && tp->kind == YT_SCALAR && !tp->quoted) {
				char *end;
				long long x = strtoll(tp->str, &end, 10);
				if (tp->str[0] != '\0' && *end == '\0') {
					if (x < 1 || x > 65535) {
						*cause = yt_errorf(tp, "targetPort must be between "
						    "1 and 65535");
						return -1;
					}
					sp->target_port = (int32_t)x;
				} else
					sp->target_port = 0;
			} else if (tp != NULL)
				sp->target_port = 0;
		}
	}
	return 0;
}

/* ---- HorizontalPodAutoscaler ---------------------------------------------- */

static int
metric_target(const struct yt_node *n, const char *mtype, bool allow_util,
    bool allow_value, bool allow_avg, struct hpa_metric_spec *ms, char **cause)
{
	if (n == NULL || yt_is_null(n)) {
		*cause = NULL;
		return -2;
	}
	if (scn_check_map(n, "MetricTarget", scn_f_metric_target, cause) < 0)
		return -1;
	const char *t;
	if (scn_get_str(n, "type", &t, cause) < 0)
		return -1;
	if (t == NULL) {
		*cause = yt_errorf(n, "a metric target needs a type (Utilization, "
		    "AverageValue or Value)");
		return -1;
	}
	const struct yt_node *tn = yt_get(n, "type");
	if (strcmp(t, "Utilization") == 0 && allow_util) {
		ms->target = HPA_UTILIZATION;
		const struct yt_node *u = yt_get(n, "averageUtilization");
		if (u == NULL) {
			*cause = yt_errorf(n, "a Utilization target needs averageUtilization");
			return -1;
		}
		int64_t v;
		if (scn_get_int(n, "averageUtilization", 0, 1, INT32_MAX, &v, cause) < 0)
			return -1;
		ms->average_utilization = (int32_t)v;
	} else if (strcmp(t, "AverageValue") == 0 && allow_avg) {
		ms->target = HPA_AVERAGE_VALUE;
		const struct yt_node *a = yt_get(n, "averageValue");
		if (a == NULL) {
			*cause = yt_errorf(n, "an AverageValue target needs averageValue");
			return -1;
		}
		if (scn_quantity_node(a, -3, &ms->average_value_milli, cause) < 0)
			return -1;
		if (ms->average_value_milli <= 0) {
			*cause = yt_errorf(a, "averageValue must be positive");
			return -1;
		}
	} else if (strcmp(t, "Value") == 0 && allow_value) {
		ms->target = HPA_VALUE;
		const struct yt_node *a = yt_get(n, "value");
		if (a == NULL) {
			*cause = yt_errorf(n, "a Value target needs value");
			return -1;
		}
		if (scn_quantity_node(a, -3, &ms->value_milli, cause) < 0)
			return -1;
		if (ms->value_milli <= 0) {
			*cause = yt_errorf(a, "value must be positive");
			return -1;
		}
	} else {
		*cause = yt_errorf(tn, "target type '%s' is not valid for a %s metric "
		    "(expected %s)", t, mtype, allow_util ? "Utilization or AverageValue" :
		    allow_value && allow_avg ? "Value or AverageValue" : "AverageValue");
		return -1;
	}
	return 0;
}

static int
metric_id(const struct yt_node *src, struct hpa_metric_spec *ms, char **cause)
{
	const struct yt_node *m = yt_get(src, "metric");
	if (m == NULL || yt_is_null(m)) {
		*cause = yt_errorf(src, "the metric source needs a metric (name, selector)");
		return -1;
	}
	if (scn_check_map(m, "MetricIdentifier", scn_f_metric_id, cause) < 0 ||
	    scn_get_strdup(m, "name", &ms->metric_name, cause) < 0 ||
	    scn_selector(yt_get(m, "selector"), "selector", &ms->metric_selector, cause) < 0)
		return -1;
	if (ms->metric_name == NULL) {
		*cause = yt_errorf(m, "the metric needs a name");
		return -1;
	}
	return 0;
}

static int
hpa_metric(const struct yt_node *n, struct hpa_metric_spec *ms, char **cause)
{
	static const char *const types[] = { "Resource", "ContainerResource", "Pods",
		"Object", "External", NULL };
	static const char *const keys[] = { "resource", "containerResource", "pods",
		"object", "external" };
	if (scn_check_map(n, "MetricSpec", scn_f_metric_spec, cause) < 0)
		return -1;
	const char *t;
	if (scn_get_str(n, "type", &t, cause) < 0)
		return -1;
	if (t == NULL) {
		*cause = yt_errorf(n, "a metric needs a type (Resource, ContainerResource, "
		    "Pods, Object or External)");
		return -1;
	}
	int k;
	for (k = 0; types[k] != NULL; k++)
		if (strcmp(types[k], t) == 0)
			break;
	if (types[k] == NULL) {
		const char *near = ks_nearest(t, types);
		*cause = near ? yt_errorf(yt_get(n, "type"), "unknown metric type '%s' "
		    "(did you mean '%s'?)", t, near) :
		    yt_errorf(yt_get(n, "type"), "unknown metric type '%s' (expected "
		    "Resource, ContainerResource, Pods, Object or External)", t);
		return -1;
	}
	ms->type = (enum hpa_metric_type)k;
	const struct yt_node *src = yt_get(n, keys[k]);
	if (src == NULL || yt_is_null(src)) {
		*cause = yt_errorf(n, "a %s metric needs '%s'", t, keys[k]);
		return -1;
	}
	int rc = 0;
	switch (ms->type) {
	case HPA_RESOURCE:
	case HPA_CONTAINER_RESOURCE:
		if (scn_check_map(src, ms->type == HPA_RESOURCE ? "ResourceMetricSource" :
		    "ContainerResourceMetricSource", ms->type == HPA_RESOURCE ?
		    scn_f_resource_metric : scn_f_container_resource_metric, cause) < 0 ||
		    scn_get_strdup(src, "name", &ms->resource, cause) < 0 ||
		    scn_get_strdup(src, "container", &ms->container, cause) < 0)
			return -1;
		if (ms->resource == NULL) {
			*cause = yt_errorf(src, "a %s metric needs a resource name", t);
			return -1;
		}
		if (ms->type == HPA_CONTAINER_RESOURCE && ms->container == NULL) {
			*cause = yt_errorf(src, "a ContainerResource metric needs a container");
			return -1;
		}
		rc = metric_target(yt_get(src, "target"), t, true, false, true, ms, cause);
		break;
	case HPA_PODS:
		if (scn_check_map(src, "PodsMetricSource", scn_f_pods_metric, cause) < 0 ||
		    metric_id(src, ms, cause) < 0)
			return -1;
		rc = metric_target(yt_get(src, "target"), t, false, false, true, ms, cause);
		break;
	case HPA_OBJECT: {
		if (scn_check_map(src, "ObjectMetricSource", scn_f_object_metric, cause) < 0 ||
		    metric_id(src, ms, cause) < 0)
			return -1;
		const struct yt_node *d = yt_get(src, "describedObject");
		if (d == NULL || yt_is_null(d)) {
			*cause = yt_errorf(src, "an Object metric needs describedObject");
			return -1;
		}
		if (scn_check_map(d, "describedObject", scn_f_cross_ref, cause) < 0 ||
		    scn_get_strdup(d, "kind", &ms->object_kind, cause) < 0 ||
		    scn_get_strdup(d, "name", &ms->object_name, cause) < 0 ||
		    scn_get_strdup(d, "apiVersion", &ms->object_api_version, cause) < 0)
			return -1;
		if (ms->object_kind == NULL || ms->object_name == NULL) {
			*cause = yt_errorf(d, "describedObject needs kind and name");
			return -1;
		}
		rc = metric_target(yt_get(src, "target"), t, false, true, true, ms, cause);
		break;
	}
	case HPA_EXTERNAL:
		if (scn_check_map(src, "ExternalMetricSource", scn_f_external_metric,
		    cause) < 0 || metric_id(src, ms, cause) < 0)
			return -1;
		rc = metric_target(yt_get(src, "target"), t, false, true, true, ms, cause);
		break;
	}
	if (rc == -2) {
		*cause = yt_errorf(src, "a %s metric needs a target", t);
		return -1;
	}
	return rc;
}

static int
scaling_rules(const struct yt_node *n, const char *path, struct hpa_rules *r,
    char **cause)
{
	if (scn_check_map(n, "HPAScalingRules", scn_f_scaling_rules, cause) < 0)
		return -1;
	const struct yt_node *sw = yt_get(n, "stabilizationWindowSeconds");
	if (sw != NULL && !yt_is_null(sw)) {
		int64_t v;
		if (scn_get_int(n, "stabilizationWindowSeconds", 0, 0, 3600, &v, cause) < 0)
			return -1;
		r->has_stabilization = true;
		r->stabilization_s = (int32_t)v;
	}
	const char *sp;
	if (scn_get_str(n, "selectPolicy", &sp, cause) < 0)
		return -1;
	if (sp == NULL || strcmp(sp, "Max") == 0)
		r->select = HPA_SELECT_MAX;
	else if (strcmp(sp, "Min") == 0)
		r->select = HPA_SELECT_MIN;
	else if (strcmp(sp, "Disabled") == 0)
		r->select = HPA_SELECT_DISABLED;
	else {
		*cause = yt_errorf(yt_get(n, "selectPolicy"), "selectPolicy must be Max, "
		    "Min or Disabled, found '%s'", sp);
		return -1;
	}
	const struct yt_node *ps = yt_get(n, "policies");
	if (ps != NULL && !yt_is_null(ps)) {
		if (ps->kind != YT_SEQ) {
			*cause = yt_errorf(ps, "expected a list of scaling policies");
			return -1;
		}
		/* [] is not nil: defaulting keeps it, validation refuses it
		 * (validateScalingRules). */
		if (ps->n == 0) {
			*cause = yt_errorf(ps, "%s.policies: Required value: must specify at "
			    "least one Policy", path);
			return -1;
		}
		r->policies = xcalloc(ps->n + 1, sizeof *r->policies);
		for (size_t i = 0; i < ps->n; i++) {
			const struct yt_node *p = ps->items[i];
			struct hpa_policy *hp = &r->policies[r->npolicies++];
			if (scn_check_map(p, "HPAScalingPolicy", scn_f_scaling_policy, cause) < 0)
				return -1;
			const char *t;
			if (scn_get_str(p, "type", &t, cause) < 0)
				return -1;
			if (t != NULL && strcmp(t, "Pods") == 0)
				hp->type = HPA_POLICY_PODS;
			else if (t != NULL && strcmp(t, "Percent") == 0)
				hp->type = HPA_POLICY_PERCENT;
			else {
				*cause = yt_errorf(t ? yt_get(p, "type") : p, "a scaling policy "
				    "type must be Pods or Percent");
				return -1;
			}
			if (yt_get(p, "value") == NULL || yt_get(p, "periodSeconds") == NULL) {
				*cause = yt_errorf(p, "a scaling policy needs value and periodSeconds");
				return -1;
			}
			if (scn_get_i32(p, "value", 0, 1, INT32_MAX, &hp->value, cause) < 0 ||
			    scn_get_i32(p, "periodSeconds", 0, 1, 1800, &hp->period_s, cause) < 0)
				return -1;
		}
	}
	const struct yt_node *tol = yt_get(n, "tolerance");
	if (tol != NULL && !yt_is_null(tol)) {
		int64_t nano;
		if (scn_quantity_node(tol, -9, &nano, cause) < 0)
			return -1;
		if (nano < 0) {
			*cause = yt_errorf(tol, "tolerance must not be negative");
			return -1;
		}
		r->has_tolerance = true;
		r->tolerance = (double)nano / 1e9;
	}
	return 0;
}

/*
 * The rest of an autoscaling/v1 HorizontalPodAutoscaler, converted as the API
 * server converts it (pkg/apis/autoscaling/v1/conversion.go):
 * targetCPUUtilizationPercentage becomes a Resource cpu Utilization metric;
 * with none, the metric is cpu at DefaultCPUUtilization (80 %), the default
 * v1 always had. Metrics kept in the autoscaling.alpha.kubernetes.io/metrics
 * annotation (how v2 metrics round-trip through v1) are not read: refused.
 */
static int
hpa_v1(const struct yt_node *obj, const struct yt_node *spec, struct hpa_spec *h,
    char **cause)
{
	const struct yt_node *ann = yt_get(yt_get(obj, "metadata"), "annotations");
	static const char *const round_trip[] = { "autoscaling.alpha.kubernetes.io/metrics",
		"autoscaling.alpha.kubernetes.io/behavior", NULL };
	for (size_t i = 0; ann != NULL && ann->kind == YT_MAP && round_trip[i] != NULL; i++) {
		if (yt_get(ann, round_trip[i]) != NULL) {
			*cause = yt_errorf(yt_get(ann, round_trip[i]), "the annotation %s of "
			    "an autoscaling/v1 HorizontalPodAutoscaler is not read: write "
			    "the HPA as autoscaling/v2", round_trip[i]);
			return -1;
		}
	}
	int64_t pct = 80;
	if (scn_get_int(spec, "targetCPUUtilizationPercentage", 80, 1, INT32_MAX, &pct,
	    cause) < 0)
		return -1;
	h->metrics = xcalloc(1, sizeof *h->metrics);
	h->nmetrics = 1;
	h->metrics[0].type = HPA_RESOURCE;
	h->metrics[0].resource = xstrdup("cpu");
	h->metrics[0].target = HPA_UTILIZATION;
	h->metrics[0].average_utilization = (int32_t)pct;
	hpa_spec_set_defaults(h);
	return 0;
}

static int
hpa(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->hpas, s->nhpas, m->hpa_where);
	struct hpa_spec *h = &s->hpas[s->nhpas - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "HorizontalPodAutoscaler", &h->name, &h->namespace, NULL,
	    NULL, &nn, cause) < 0)
		return -1;
	m->hpa_where[s->nhpas - 1] = where_of(nn);
	if (check_dup(m, "HorizontalPodAutoscaler", h->namespace, h->name,
	    m->hpa_where, s->nhpas - 1, nn, cause) < 0)
		return -1;
	const char *api;
	if (scn_get_str(obj, "apiVersion", &api, cause) < 0)
		return -1;
	bool v1 = strcmp(api, "autoscaling/v1") == 0;
	const struct yt_node *spec = spec_of(obj, "HorizontalPodAutoscaler",
	    v1 ? scn_f_hpa_v1_spec : scn_f_hpa_spec, true, cause);
	if (spec == NULL)
		return -1;
	const struct yt_node *ref = yt_get(spec, "scaleTargetRef");
	if (ref == NULL || yt_is_null(ref)) {
		*cause = yt_errorf(spec, "HorizontalPodAutoscaler '%s' needs a scaleTargetRef",
		    h->name);
		return -1;
	}
	if (scn_check_map(ref, "scaleTargetRef", scn_f_cross_ref, cause) < 0 ||
	    scn_get_strdup(ref, "kind", &h->target_kind, cause) < 0 ||
	    scn_get_strdup(ref, "name", &h->target_name, cause) < 0 ||
	    scn_get_strdup(ref, "apiVersion", &h->target_api_version, cause) < 0)
		return -1;
	if (h->target_kind == NULL || h->target_name == NULL) {
		*cause = yt_errorf(ref, "scaleTargetRef needs kind and name");
		return -1;
	}
	free(m->hpa_where[s->nhpas - 1]);
	m->hpa_where[s->nhpas - 1] = where_of(yt_get(ref, "name"));
	const struct yt_node *maxn = yt_get(spec, "maxReplicas");
	if (maxn == NULL) {
		*cause = yt_errorf(spec, "HorizontalPodAutoscaler '%s' needs maxReplicas",
		    h->name);
		return -1;
	}
	h->has_min_replicas = yt_get(spec, "minReplicas") != NULL &&
	    !yt_is_null(yt_get(spec, "minReplicas"));
	/* MinReplicasLowerBound: 0 with the HPAScaleToZero gate, else 1. */
	const struct yt_node *minn = yt_get(spec, "minReplicas");
	int64_t min_bound = s->gates.hpa_scale_to_zero ? 0 : 1;
	if (scn_get_i32(spec, "minReplicas", 1, INT32_MIN, INT32_MAX, &h->min_replicas,
	    cause) < 0)
		return -1;
	if (h->has_min_replicas && h->min_replicas < min_bound) {
		*cause = yt_errorf(minn, "spec.minReplicas: Invalid value: %d: must be greater "
		    "than or equal to %lld%s", (int)h->min_replicas, (long long)min_bound,
		    min_bound == 1 && h->min_replicas == 0 ? " (0 needs the HPAScaleToZero "
		    "feature gate: featureGates: {HPAScaleToZero: true})" : "");
		return -1;
	}
	if (scn_get_i32(spec, "maxReplicas", 0, 1, INT32_MAX, &h->max_replicas, cause) < 0)
		return -1;
	if (h->max_replicas < h->min_replicas) {
		*cause = yt_errorf(maxn, "maxReplicas (%d) must be greater than or equal to "
		    "minReplicas (%d)", (int)h->max_replicas, (int)h->min_replicas);
		return -1;
	}
	if (v1)
		return hpa_v1(obj, spec, h, cause);
	const struct yt_node *ms = yt_get(spec, "metrics");
	if (ms != NULL && !yt_is_null(ms)) {
		if (ms->kind != YT_SEQ) {
			*cause = yt_errorf(ms, "expected a list of metrics");
			return -1;
		}
		h->metrics = xcalloc(ms->n + 1, sizeof *h->metrics);
		for (size_t i = 0; i < ms->n; i++) {
			h->nmetrics++;
			if (hpa_metric(ms->items[i], &h->metrics[i], cause) < 0)
				return -1;
		}
	}
	if (h->has_min_replicas && h->min_replicas == 0) {
		bool obj_or_ext = false;
		for (size_t i = 0; i < h->nmetrics; i++)
			if (h->metrics[i].type == HPA_OBJECT || h->metrics[i].type == HPA_EXTERNAL)
				obj_or_ext = true;
		if (!obj_or_ext) {
			*cause = yt_errorf(ms != NULL && !yt_is_null(ms) ? ms : minn,
			    "spec.metrics: Forbidden: must specify at least one Object or "
			    "External metric to support scaling to zero replicas");
			return -1;
		}
	}
	const struct yt_node *b = yt_get(spec, "behavior");
	if (b != NULL && !yt_is_null(b)) {
		if (scn_check_map(b, "behavior", scn_f_behavior, cause) < 0)
			return -1;
		h->has_behavior = true;
		const struct yt_node *up = yt_get(b, "scaleUp");
		const struct yt_node *down = yt_get(b, "scaleDown");
		if (up != NULL && !yt_is_null(up)) {
			h->has_scale_up = true;
			if (scaling_rules(up, "spec.behavior.scaleUp", &h->scale_up, cause) < 0)
				return -1;
		}
		if (down != NULL && !yt_is_null(down)) {
			h->has_scale_down = true;
			if (scaling_rules(down, "spec.behavior.scaleDown", &h->scale_down,
			    cause) < 0)
				return -1;
		}
	}
	hpa_spec_set_defaults(h);
	return 0;
}

static int
pdb(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->pdbs, s->npdbs, m->pdb_where);
	struct k8s_pdb *p = &s->pdbs[s->npdbs - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "PodDisruptionBudget", &p->name, &p->namespace, NULL, NULL,
	    &nn, cause) < 0)
		return -1;
	m->pdb_where[s->npdbs - 1] = where_of(nn);
	if (check_dup(m, "PodDisruptionBudget", p->namespace, p->name,
	    m->pdb_where, s->npdbs - 1, nn, cause) < 0)
		return -1;
	const struct yt_node *spec = spec_of(obj, "PodDisruptionBudget", scn_f_pdb_spec,
	    true, cause);
	if (spec == NULL)
		return -1;
	if (scn_selector(yt_get(spec, "selector"), "selector", &p->selector, cause) < 0)
		return -1;
	const struct yt_node *mina = yt_get(spec, "minAvailable");
	const struct yt_node *maxu = yt_get(spec, "maxUnavailable");
	if (mina != NULL && maxu != NULL) {
		*cause = yt_errorf(maxu, "minAvailable and maxUnavailable cannot both be set");
		return -1;
	}
	if (mina != NULL) {
		p->has_min_available = true;
		if (scn_int_or_percent(mina, &p->min_available, &p->min_available_pct, cause) < 0)
			return -1;
	}
	if (maxu != NULL) {
		p->has_max_unavailable = true;
		if (scn_int_or_percent(maxu, &p->max_unavailable, &p->max_unavailable_pct,
		    cause) < 0)
			return -1;
	}
	if ((p->min_available_pct && p->min_available > 100) ||
	    (p->max_unavailable_pct && p->max_unavailable > 100)) {
		*cause = yt_errorf(mina ? mina : maxu, "a percentage must not be greater "
		    "than 100%%");
		return -1;
	}
	return 0;
}

static int
priority_class(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	if (scn_check_map(obj, "PriorityClass", scn_f_priority_class, cause) < 0)
		return -1;
	GROW_OBJ(s->priority_classes, s->npriority_classes, m->pc_where);
	struct k8s_priority_class *pc = &s->priority_classes[s->npriority_classes - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "PriorityClass", &pc->name, NULL, NULL, NULL, &nn, cause) < 0)
		return -1;
	m->pc_where[s->npriority_classes - 1] = where_of(nn);
	if (check_dup(m, "PriorityClass", NULL, pc->name,
	    m->pc_where, s->npriority_classes - 1, nn, cause) < 0)
		return -1;
	const struct yt_node *v = yt_get(obj, "value");
	if (v == NULL) {
		*cause = yt_errorf(obj, "PriorityClass '%s' needs a value", pc->name);
		return -1;
	}
	bool system = strncmp(pc->name, "system-", 7) == 0;
	int64_t x;
	if (scn_get_int(obj, "value", 0, INT32_MIN, system ? INT32_MAX :
	    MAX_USER_PRIORITY, &x, cause) < 0)
		return -1;
	pc->value = (int32_t)x;
	if (yt_get_bool(obj, "globalDefault", false, &pc->global_default, cause) < 0)
		return -1;
	if (pc->global_default) {
		for (size_t i = 0; i + 1 < s->npriority_classes; i++) {
			if (s->priority_classes[i].global_default) {
				*cause = yt_errorf(yt_get(obj, "globalDefault"), "PriorityClass "
				    "'%s' is already the global default", s->priority_classes[i].name);
				return -1;
			}
		}
	}
	const char *pp;
	if (scn_get_str(obj, "preemptionPolicy", &pp, cause) < 0)
		return -1;
	if (pp != NULL) {
		if (strcmp(pp, "Never") == 0)
			pc->preempt_never = true;
		else if (strcmp(pp, "PreemptLowerPriority") != 0) {
			*cause = yt_errorf(yt_get(obj, "preemptionPolicy"), "preemptionPolicy "
			    "must be Never or PreemptLowerPriority, found '%s'", pp);
			return -1;
		}
	}
	return 0;
}

static int
node(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->nodes, s->nnodes, m->node_where);
	struct k8s_node_spec *n = &s->nodes[s->nnodes - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "Node", &n->name, NULL, &n->labels, NULL, &nn, cause) < 0)
		return -1;
	m->node_where[s->nnodes - 1] = where_of(nn);
	if (check_dup(m, "Node", NULL, n->name,
	    m->node_where, s->nnodes - 1, nn, cause) < 0)
		return -1;
	/* The kubelet always sets the hostname label. */
	if (k8s_labels_get(&n->labels, "kubernetes.io/hostname") == NULL)
		k8s_labels_set(&n->labels, "kubernetes.io/hostname", n->name);
	*cause = NULL;
	const struct yt_node *spec = spec_of(obj, "Node", scn_f_node_spec, false, cause);
	if (*cause != NULL)
		return -1;
	if (scn_taints(yt_get(spec, "taints"), &n->taints, &n->ntaints, cause) < 0 ||
	    yt_get_bool(spec, "unschedulable", false, &n->unschedulable, cause) < 0)
		return -1;
	const struct yt_node *st = yt_get(obj, "status");
	if (st == NULL || yt_is_null(st)) {
		*cause = yt_errorf(obj, "Node '%s' needs status.allocatable or "
		    "status.capacity", n->name);
		return -1;
	}
	if (scn_check_map(st, "Node status", scn_f_node_status, cause) < 0)
		return -1;
	const struct yt_node *al = yt_get(st, "allocatable");
	if (al == NULL || yt_is_null(al))
		al = yt_get(st, "capacity");
	if (al == NULL || yt_is_null(al)) {
		*cause = yt_errorf(st, "Node '%s' needs status.allocatable or "
		    "status.capacity", n->name);
		return -1;
	}
	if (scn_resource_list(al, "allocatable", &n->allocatable, cause) < 0)
		return -1;
	/* No "pods" in allocatable: 0 pods fit, as the scheduler's NodeInfo
	 * reads it (a kubelet always reports pods). */
	const struct yt_node *im = yt_get(st, "images");
	if (im != NULL && im->kind == YT_SEQ) {
		n->images = xcalloc(im->n + 1, sizeof *n->images);
		n->image_sizes = xcalloc(im->n + 1, sizeof *n->image_sizes);
		for (size_t i = 0; i < im->n; i++) {
			const struct yt_node *ci = im->items[i];
			if (scn_check_map(ci, "container image", scn_f_container_image, cause) < 0)
				return -1;
			const struct yt_node *names = yt_get(ci, "names");
			if (names == NULL || names->kind != YT_SEQ || names->n == 0 ||
			    names->items[0]->kind != YT_SCALAR)
				continue;
			int64_t size;
			if (yt_get_int64(ci, "sizeBytes", 0, &size, cause) < 0)
				return -1;
			n->images[n->nimages] = xstrdup(names->items[0]->str);
			n->image_sizes[n->nimages++] = size;
		}
	}
	return 0;
}

static int
pod(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct scenario *s = m->s;
	GROW_OBJ(s->pods, s->npods, m->pod_where);
	struct k8s_pod_spec *p = &s->pods[s->npods - 1];
	const struct yt_node *nn;
	if (scn_metadata(obj, "Pod", &p->name, &p->namespace, &p->labels, NULL, &nn, cause) < 0)
		return -1;
	m->pod_where[s->npods - 1] = where_of(nn);
	if (check_dup(m, "Pod", p->namespace, p->name,
	    m->pod_where, s->npods - 1, nn, cause) < 0)
		return -1;
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL) {
		*cause = yt_errorf(obj, "Pod '%s' needs a spec", p->name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "Pod '%s'", p->name);
	scn_pod_meta_note(s, obj);	/* workloads_k8s.c */
	return scn_pod_spec(spec, what, p, cause);
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct {
	const char	*kind;
	int		(*fn)(struct scn_mf *, const struct yt_node *, char **);
} kinds[] = {
	{ "Deployment", deployment },
	{ "Service", service },
	{ "HorizontalPodAutoscaler", hpa },
	{ "VerticalPodAutoscaler", scn_mf_vpa },
	{ "PodDisruptionBudget", pdb },
	{ "PriorityClass", priority_class },
	{ "Node", node },
	{ "Pod", pod },
	{ "StatefulSet", scn_mf_statefulset },	/* workloads_k8s.c */
	{ "DaemonSet", scn_mf_daemonset },
	{ "Job", scn_mf_job },
	{ "CronJob", scn_mf_cronjob },
};

/* A workload of a kind not simulated yet: its pod template's labels (a
 * CronJob's under jobTemplate), kept for the warnings. Malformed parts are
 * left for the day the kind is read. */
static void
keep_skipped(struct scn_mf *m, const struct yt_node *obj, const char *kind)
{
	const struct yt_node *spec = yt_get(obj, "spec");
	if (strcmp(kind, "CronJob") == 0)
		spec = yt_get(yt_get(spec, "jobTemplate"), "spec");
	const struct yt_node *labels = yt_get(yt_get(yt_get(spec, "template"),
	    "metadata"), "labels");
	const struct yt_node *meta = yt_get(obj, "metadata");
	const struct yt_node *nm = yt_get(meta, "name"), *ns = yt_get(meta, "namespace");
	if (labels == NULL || labels->kind != YT_MAP || nm == NULL || nm->kind != YT_SCALAR)
		return;
	struct scn_skipped k = { 0 };
	char *err = NULL;
	if (scn_labels(labels, "labels", &k.labels, &err) < 0) {
		free(err);
		k8s_labels_free(&k.labels);
		return;
	}
	k.what = xasprintf("%s/%s", kind, nm->str);
	k.namespace = xstrdup(ns != NULL && ns->kind == YT_SCALAR ? ns->str : "default");
	m->skipped = xreallocarray(m->skipped, m->nskipped + 1, sizeof *m->skipped);
	m->skipped[m->nskipped++] = k;
}

/* An object run will not simulate: a warning naming it. */
static void
add_skipped(struct scenario *s, const struct yt_node *obj, const char *kind,
    const char *why)
{
	const struct yt_node *nm = yt_get(yt_get(obj, "metadata"), "name");
	char buf[1024];
	scn_warn(s, xasprintf("%s: ignored %s/%s: %s", yt_where(obj, buf, sizeof buf),
	    kind, nm && nm->kind == YT_SCALAR ? nm->str : "?", why));
}

void
scn_warn(struct scenario *s, char *msg)
{
	s->warnings = xreallocarray(s->warnings, s->nwarnings + 1, sizeof *s->warnings);
	s->warnings[s->nwarnings++] = msg;
}

int
scn_object_head(const struct yt_node *obj, const char **kind, const char **api,
    const struct yt_node **items, char **cause)
{
	*items = NULL;
	if (obj->kind != YT_MAP) {
		*cause = yt_errorf(obj, "expected a Kubernetes object (a mapping with "
		    "apiVersion and kind)");
		return -1;
	}
	if (scn_get_str(obj, "kind", kind, cause) < 0 ||
	    scn_get_str(obj, "apiVersion", api, cause) < 0)
		return -1;
	if (*kind == NULL || *api == NULL) {
		*cause = yt_errorf(obj, "a Kubernetes object needs apiVersion and kind");
		return -1;
	}
	size_t n = strlen(*kind);
	if (!(strcmp(*kind, "List") == 0 || (n > 4 && strcmp(*kind + n - 4, "List") == 0 &&
	    yt_get(obj, "items") != NULL)))
		return 0;
	if (scn_check_map(obj, "List", scn_f_list, cause) < 0)
		return -1;
	const struct yt_node *it = yt_get(obj, "items");
	if (it != NULL && !yt_is_null(it)) {
		if (it->kind != YT_SEQ) {
			*cause = yt_errorf(it, "expected a list of items");
			return -1;
		}
		*items = it;
	}
	return 1;
}

int
scn_mf_add(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	const char *kind, *api;
	const struct yt_node *items;
	int rc = scn_object_head(obj, &kind, &api, &items, cause);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		for (size_t i = 0; items != NULL && i < items->n; i++)
			if (scn_mf_add(m, items->items[i], cause) < 0)
				return -1;
		return 0;
	}
	enum scn_kind_status st;
	if (scn_api_check(obj, api, kind, &st, cause) < 0)
		return -1;
	switch (st) {
	case SCN_KIND_SIMULATED:
		break;
	case SCN_KIND_NOT_YET:
		keep_skipped(m, obj, kind);
		add_skipped(m->s, obj, kind, "kind not simulated yet");
		return 0;
	case SCN_KIND_NOT_SIMULATED:
		add_skipped(m->s, obj, kind, "kind not simulated");
		return 0;
	case SCN_KIND_CUSTOM:
		add_skipped(m->s, obj, kind, "custom resource not simulated");
		return 0;
	case SCN_KIND_REMOVED: {
		/* the API server refuses it; kubectl apply creates the rest */
		const struct yt_node *nm = yt_get(yt_get(obj, "metadata"), "name");
		scn_warn(m->s, xasprintf("%s: ignored %s/%s: the API server refuses it",
		    *cause, kind, nm && nm->kind == YT_SCALAR ? nm->str : "?"));
		free(*cause);
		*cause = NULL;
		return 0;
	}
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		if (kinds[i].fn != priority_class &&
		    scn_check_map(obj, kind, scn_f_object, cause) < 0)
			return -1;
		return kinds[i].fn(m, obj, cause);
	}
	KS_ASSERT(!"a simulated kind without a reader");
	return -1;
}

/* ---- cross-object checks ---------------------------------------------- */

/*
 * For each Service, the first Deployment whose template labels its selector
 * matches (k8s_service.deploy). An inverted index maps each template label
 * "key=value" to the ascending Deployments carrying it; a Service checks only
 * the Deployments of its rarest selector pair. Linear in the labels when
 * pairs are selective, where scanning every Deployment per Service was
 * O(services x deployments).
 */
static void
index_service_deploys(struct scenario *s)
{
	struct ks_strmap ix;		/* "key\x1fvalue" -> index into post */
	ks_strmap_init(&ix);
	struct posting {
		size_t	*d;		/* Deployment indices, ascending */
		size_t	 n, cap;
	} *post = NULL;
	size_t nlists = 0, caplists = 0;
	for (size_t d = 0; d < s->ndeployments; d++) {
		const struct k8s_labels *l = &s->deployments[d].template.labels;
		for (size_t j = 0; j < l->n; j++) {
			char *key = xasprintf("%s\x1f%s", l->v[j].key, l->v[j].value);
			int64_t li;
			if (!ks_strmap_get(&ix, key, &li)) {
				li = (int64_t)nlists;
				KS_GROW(post, caplists, nlists + 1);
				memset(&post[nlists++], 0, sizeof *post);
				ks_strmap_put(&ix, key, li);
			}
			free(key);
			KS_GROW(post[li].d, post[li].cap, post[li].n + 1);
			post[li].d[post[li].n++] = d;
		}
	}
	for (size_t i = 0; i < s->nservices; i++) {
		struct k8s_service *v = &s->services[i];
		v->has_deploy = true;
		v->deploy = -1;
		if (v->selector.n == 0)
			continue;
		ptrdiff_t best = -1;
		for (size_t j = 0; j < v->selector.n; j++) {
			char *key = xasprintf("%s\x1f%s", v->selector.v[j].key,
			    v->selector.v[j].value);
			int64_t li;
			bool have = ks_strmap_get(&ix, key, &li);
			free(key);
			if (!have) {
				best = -1;	/* a pair no Deployment has */
				break;
			}
			if (best < 0 || post[li].n < post[best].n)
				best = (ptrdiff_t)li;
		}
		for (size_t k = 0; best >= 0 && k < post[best].n; k++) {
			const struct k8s_deployment *dp = &s->deployments[post[best].d[k]];
			const struct k8s_labels *l = &dp->template.labels;
			/* a Service selects pods of its own namespace only */
			bool all = strcmp(dp->namespace ? dp->namespace : "default",
			    v->namespace ? v->namespace : "default") == 0;
			for (size_t j = 0; j < v->selector.n && all; j++) {
				const char *val = k8s_labels_get(l, v->selector.v[j].key);
				all = val != NULL && strcmp(val, v->selector.v[j].value) == 0;
			}
			if (all) {
				v->deploy = (int32_t)post[best].d[k];
				break;
			}
		}
	}
	for (size_t i = 0; i < nlists; i++)
		free(post[i].d);
	free(post);
	ks_strmap_fini(&ix);
}

/* Each HPA's scaleTargetRef is a Deployment or StatefulSet of the manifests
 * (targets: "kind\x1fnamespace\x1fname" of each workload, hashed) and the
 * only HPA of its target. */
static int
finish_hpas(struct scn_mf *m, const struct ks_strmap *targets, char **cause)
{
	struct scenario *s = m->s;
	for (size_t i = 0; i < s->nhpas; i++) {
		struct hpa_spec *h = &s->hpas[i];
		if (strcmp(h->target_kind, "Deployment") != 0 &&
		    strcmp(h->target_kind, "StatefulSet") != 0) {
			*cause = xasprintf("%s: HorizontalPodAutoscaler '%s' targets a %s; "
			    "kubesim scales only Deployments and StatefulSets", m->hpa_where[i],
			    h->name, h->target_kind);
			return -1;
		}
		if (!scn_workload_indexed(targets, h->target_kind, h->namespace,
		    h->target_name, strlen(h->target_name))) {
			*cause = xasprintf("%s: HorizontalPodAutoscaler '%s' targets "
			    "%s '%s', which is not in the manifests", m->hpa_where[i],
			    h->name, h->target_kind, h->target_name);
			return -1;
		}
		char *key = xasprintf("scaled\x1f%s\x1f%s\x1f%s", h->target_kind, h->namespace,
		    h->target_name);
		int64_t k;
		bool found = ks_strmap_get(&m->names, key, &k);
		if (!found)
			ks_strmap_put(&m->names, key, (int64_t)i);
		free(key);
		if (found) {
			*cause = xasprintf("%s: %s '%s' already has "
			    "HorizontalPodAutoscaler '%s'", m->hpa_where[i], h->target_kind,
			    h->target_name, s->hpas[k].name);
			return -1;
		}
	}
	return 0;
}

/* A workload's key in scn_workload_index: "kind\x1fnamespace\x1fname". */
static char *
workload_key(const char *kind, const char *ns, const char *name, size_t name_len)
{
	return xasprintf("%s\x1f%s\x1f%.*s", kind, ns, (int)name_len, name);
}

void
scn_workload_index(const struct scenario *s, struct ks_strmap *ix)
{
	ks_strmap_init(ix);
	for (size_t j = 0; j < s->ndeployments; j++) {
		const struct k8s_deployment *w = &s->deployments[j];
		char *key = workload_key(k8s_kind_name(w->kind), w->namespace, w->name,
		    strlen(w->name));
		ks_strmap_put(ix, key, (int64_t)j);
		free(key);
	}
}

bool
scn_workload_indexed(const struct ks_strmap *ix, const char *kind, const char *ns,
    const char *name, size_t name_len)
{
	char *key = workload_key(kind, ns, name, name_len);
	bool hit = ks_strmap_get(ix, key, NULL);
	free(key);
	return hit;
}

int
scn_mf_finish(struct scn_mf *m, char **cause)
{
	struct scenario *s = m->s;
	index_service_deploys(s);
	struct ks_strmap targets;	/* each workload by kind, namespace and name */
	scn_workload_index(s, &targets);
	int rc = finish_hpas(m, &targets, cause);
	ks_strmap_fini(&targets);
	if (rc < 0)
		return -1;

	/* Pod priority from the PriorityClass (the Priority admission plugin). */
	const struct k8s_priority_class *dflt = NULL;
	for (size_t i = 0; i < s->npriority_classes; i++)
		if (s->priority_classes[i].global_default)
			dflt = &s->priority_classes[i];
	for (size_t i = 0; i < s->ndeployments + s->npods; i++) {
		struct k8s_pod_spec *p = i < s->ndeployments ? &s->deployments[i].template :
		    &s->pods[i - s->ndeployments];
		const char *where = i < s->ndeployments ? m->dep_where[i] :
		    m->pod_where[i - s->ndeployments];
		if (p->priority_class == NULL) {
			if (dflt != NULL) {
				p->priority = dflt->value;
				p->preempt_never = dflt->preempt_never;
			}
			continue;
		}
		if (strcmp(p->priority_class, "system-cluster-critical") == 0) {
			p->priority = SYSTEM_CLUSTER_CRITICAL;
			continue;
		}
		if (strcmp(p->priority_class, "system-node-critical") == 0) {
			p->priority = SYSTEM_NODE_CRITICAL;
			continue;
		}
		size_t j;
		for (j = 0; j < s->npriority_classes; j++)
			if (strcmp(s->priority_classes[j].name, p->priority_class) == 0)
				break;
		if (j == s->npriority_classes) {
			*cause = xasprintf("%s: priorityClassName '%s' of '%s' is not a "
			    "PriorityClass in the manifests", where, p->priority_class, p->name);
			return -1;
		}
		p->priority = s->priority_classes[j].value;
		if (s->priority_classes[j].preempt_never)
			p->preempt_never = true;
	}
	return 0;
}

/* ---- feature gates -------------------------------------------------------- */

int
scn_feature_gates(const struct yt_node *n, const char *const *extra,
    struct scn_feature_gates *g, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "featureGates: expected a mapping of gate names to "
		    "true or false");
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *name = n->keys[i]->str;
		bool v;
		if (yt_bool(n->items[i], &v, cause) < 0)
			return -1;
		if (strcmp(name, "HPAScaleToZero") == 0) {
			g->hpa_scale_to_zero = v;
			continue;
		}
		bool known = false;
		for (size_t j = 0; extra != NULL && extra[j] != NULL; j++)
			if (strcmp(extra[j], name) == 0)
				known = true;
		if (!known) {
			const char *all[8] = { "HPAScaleToZero" };
			char list[256];
			size_t k = 1;
			int len = snprintf(list, sizeof list, "HPAScaleToZero");
			for (size_t j = 0; extra != NULL && extra[j] != NULL && k < 7; j++) {
				all[k++] = extra[j];
				if (len > 0 && (size_t)len < sizeof list)
					len += snprintf(list + len, sizeof list - (size_t)len, ", %s",
					    extra[j]);
			}
			all[k] = NULL;
			const char *near = ks_nearest(name, all);
			*cause = near != NULL ? yt_errorf(n->keys[i], "unrecognized feature gate: "
			    "%s (did you mean '%s'?)", name, near) : yt_errorf(n->keys[i],
			    "unrecognized feature gate: %s (kubesim reads %s)", name, list);
			return -1;
		}
	}
	return 0;
}
