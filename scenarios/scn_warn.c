/*
 * scn_warn.c - what a scenario asks that run will not do, found before it
 * runs: objects that are read but not simulated, a
 * Service that gets traffic but selects no simulated pod, a pod template that
 * passes kube-scheduler's filters on no node pool (resources, node selector
 * and affinity against the pool nodes' labels, taints). Each is a warning
 * "file:line:col: ..." in scenario->warnings; none is an error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/scheduler/sched.h"
#include "scenarios/manifest.h"
#include "scenarios/sched_config.h"
#include "sim/util/util.h"

/* Whether a Service's selector (a label map) selects pods labelled so in
 * namespace ns. */
static bool
selects(const struct k8s_service *v, const char *ns, const struct k8s_labels *l)
{
	if (v->selector.n == 0 || strcmp(v->namespace, ns) != 0)
		return false;
	for (size_t j = 0; j < v->selector.n; j++) {
		const char *have = k8s_labels_get(l, v->selector.v[j].key);
		if (have == NULL || strcmp(have, v->selector.v[j].value) != 0)
			return false;
	}
	return true;
}

/* A profile gets requests when it has traffic or another profile calls it
 * (called: every call's Service name, hashed). */
static bool
gets_traffic(const struct scenario *s, size_t i, const struct ks_strmap *called)
{
	return s->profiles[i].traffic != NULL ||
	    ks_strmap_get(called, s->profiles[i].service, NULL);
}

static void
warn_no_pods(struct scenario *s, const struct scn_mf *m, const struct yt_node *svcs)
{
	struct ks_strmap called;
	ks_strmap_init_borrowed(&called);
	for (size_t k = 0; k < s->nprofiles; k++)
		for (size_t j = 0; j < s->profiles[k].mesh.ncalls; j++)
			ks_strmap_put(&called, s->profiles[k].mesh.calls[j].service, 0);
	for (size_t i = 0; svcs != NULL && i < s->nprofiles && i < svcs->n; i++) {
		if (!gets_traffic(s, i, &called))
			continue;
		ptrdiff_t si = scn_find_ref(s, true, s->profiles[i].service);
		if (si < 0)
			continue;
		const struct k8s_service *v = &s->services[si];
		/* the Deployment its selector matches, found by
		 * index_service_deploys (manifest.c) */
		bool any = false;
		if (v->has_deploy)
			any = v->deploy >= 0;
		for (size_t d = 0; !v->has_deploy && d < s->ndeployments && !any; d++)
			any = selects(v, s->deployments[d].namespace,
			    &s->deployments[d].template.labels);
		if (any)
			continue;
		struct ks_buf b;
		ks_buf_init(&b);
		for (size_t k = 0; k < m->nskipped; k++)
			if (selects(v, m->skipped[k].namespace, &m->skipped[k].labels))
				ks_buf_printf(&b, "%s%s", b.len ? ", " : "", m->skipped[k].what);
		char *skipped = ks_buf_take(&b);
		char where[1024];
		const struct yt_node *at = yt_get(svcs->items[i], "name");
		yt_where(at ? at : svcs->items[i], where, sizeof where);
		char *why = v->selector.n == 0 ? xstrdup("it has no selector") :
		    skipped[0] != '\0' ? xasprintf("it selects the pods of %s, not "
		    "simulated yet", skipped) :
		    xstrdup("no Deployment of its namespace matches its selector");
		scn_warn(s, xasprintf("%s: Service '%s' gets traffic but selects no simulated "
		    "pods (%s): every request to it will fail", where, s->profiles[i].service,
		    why));
		free(why);
		free(skipped);
	}
	ks_strmap_fini(&called);
}

/* One node per pool and zone, labelled as the cluster labels pool nodes. */
static struct k8s_node_spec *
template_nodes(const struct scenario *s, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < s->npools; i++)
		total += s->pools[i].nzones;
	struct k8s_node_spec *v = xcalloc(total + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < s->npools; i++) {
		const struct scn_pool *p = &s->pools[i];
		for (size_t z = 0; z < p->nzones; z++, k++) {
			struct k8s_node_spec *t = &v[k];
			t->name = xasprintf("%s-%zu", p->name, z);
			k8s_labels_copy(&t->labels, &p->labels);
			k8s_labels_set(&t->labels, "kubesim.io/pool", p->name);
			k8s_labels_set(&t->labels, "kubernetes.io/hostname", t->name);
			k8s_labels_set(&t->labels, "topology.kubernetes.io/zone", p->zones[z]);
			k8s_labels_set(&t->labels, "failure-domain.beta.kubernetes.io/zone",
			    p->zones[z]);
			t->taints = xcalloc(p->ntaints + 1, sizeof *t->taints);
			for (size_t j = 0; j < p->ntaints; j++) {
				t->taints[j].key = xstrdup(p->taints[j].key);
				t->taints[j].value = p->taints[j].value ?
				    xstrdup(p->taints[j].value) : NULL;
				t->taints[j].effect = p->taints[j].effect;
			}
			t->ntaints = p->ntaints;
			k8s_res_copy(&t->allocatable, &p->allocatable);
		}
	}
	*n = total;
	return v;
}

/* The reasons the first filter that rejects the pod on node gives, or NULL
 * when every filter passes. */
static char *
rejected(struct sched *sc, const struct sched_config *cfg,
    const struct k8s_pod_spec *pod, int node)
{
	for (int p = 0; p < SCHED_NPLUGINS; p++) {
		if (!cfg->enabled[p] || !sched_plugin_filters((enum sched_plugin)p))
			continue;
		struct sched_node_status st;
		if (sched_run_filter(sc, pod, (enum sched_plugin)p, node, &st, NULL, NULL) ==
		    SCHED_SUCCESS)
			continue;
		struct ks_buf b;
		ks_buf_init(&b);
		for (int r = 0; r < st.nreasons; r++)
			ks_buf_printf(&b, "%s%s", r ? ", " : "", st.reasons[r]);
		if (st.nreasons == 0)
			ks_buf_puts(&b, sched_plugin_name((enum sched_plugin)p));
		return ks_buf_take(&b);
	}
	return NULL;
}

static void
warn_no_fit(struct scenario *s, const struct scn_mf *m)
{
	if (s->npools == 0 || s->ndeployments == 0)
		return;
	size_t nn;
	struct k8s_node_spec *nodes = template_nodes(s, &nn);
	struct sched_config dflt;
	sched_config_default(&dflt);
	for (size_t i = 0; i < s->ndeployments; i++) {
		const struct k8s_pod_spec *pod = &s->deployments[i].template;
		if (s->deployments[i].kind == K8S_KIND_DAEMONSET)
			continue;	/* no eligible node: no pod, nothing Pending */
		const struct sched_config *cfg = &dflt;
		const struct scn_sched_profile *prof = s->sched_config ?
		    scn_sched_config_profile(s->sched_config, pod->scheduler_name) : NULL;
		if (prof != NULL)
			cfg = &prof->cfg;
		char *err = NULL;
		struct sched *sc = sched_new(cfg, &err);
		if (sc == NULL) {
			free(err);
			continue;
		}
		for (size_t k = 0; k < nn; k++)
			sched_add_node(sc, &nodes[k]);
		struct ks_buf b;
		ks_buf_init(&b);
		bool fits = false;
		size_t k = 0;
		for (size_t p = 0; p < s->npools && !fits; p++) {
			char *first = NULL;
			for (size_t z = 0; z < s->pools[p].nzones; z++, k++) {
				char *why = fits ? NULL : rejected(sc, cfg, pod, (int)k);
				if (why == NULL)
					fits = true;
				if (first == NULL)
					first = why;
				else
					free(why);
			}
			if (first != NULL)
				ks_buf_printf(&b, "%spool '%s': %s", p ? "; " : "",
				    s->pools[p].name, first);
			free(first);
		}
		char *reasons = ks_buf_take(&b);
		if (!fits) {
			char *q = scn_qname(s->deployments[i].namespace, s->deployments[i].name);
			scn_warn(s, xasprintf("%s: %s '%s': its pods fit no node pool "
			    "and will stay Pending (%s)", m->dep_where[i],
			    k8s_kind_name(s->deployments[i].kind), q, reasons));
			free(q);
		}
		free(reasons);
		sched_free(sc);
	}
	for (size_t k = 0; k < nn; k++)
		k8s_node_spec_free(&nodes[k]);
	free(nodes);
}

void
scn_warnings(struct scenario *s, const struct scn_mf *m, const struct yt_node *svcs)
{
	warn_no_pods(s, m, svcs);
	warn_no_fit(s, m);
}
