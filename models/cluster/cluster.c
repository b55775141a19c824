/*
 * cluster.c - the wiring of the simulated cluster: the store's building
 * (pools, PriorityClasses, Deployments, Services, PDBs, traffic profiles),
 * the controller table (models/cluster/controllers.h) created, started,
 * finished and freed in its order, and the interval and summary records.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

const struct cl_controller *const cl_controllers[CTL_N] = {
	[CTL_ENDPOINTS] = &endpoints_controller,
	[CTL_KUBELET] = &kubelet_controller,
	[CTL_NODE_LIFECYCLE] = &nodelifecycle_controller,
	[CTL_SCHEDULER] = &scheduler_controller,
	[CTL_MACHINES] = &machines_controller,
	[CTL_REPLICASET] = &replicaset_controller,
	[CTL_STATEFULSET] = &statefulset_controller,
	[CTL_DAEMONSET] = &daemonset_controller,
	[CTL_JOB] = &job_controller,
	[CTL_BAREPOD] = &barepod_controller,
	[CTL_PODTRACE] = &podtrace_controller,
	[CTL_METRICS] = &metrics_controller,
	[CTL_HORIZONTAL] = &horizontal_controller,
	[CTL_VERTICAL] = &vertical_controller,
	[CTL_QUEUES] = &queues_controller,
	[CTL_CLUSTER_AUTOSCALER] = &cluster_autoscaler_controller,
	[CTL_TRAFFIC] = &traffic_controller,
	[CTL_CHAOS] = &chaos_controller,
	[CTL_MEMORY] = &memory_controller,
};

struct cluster *
cl_new(struct sim *sim, uint64_t seed, const struct cl_timings *t,
    const struct probe_sink *probes)
{
	struct cluster *c = xcalloc(1, sizeof *c);
	c->sim = sim;
	c->seed = seed;
	c->t = *t;
	if (probes != NULL)
		c->probes = *probes;
	c->rng_cp = sim_rng_new(seed, "control-plane");
	c->rng_kubelet = sim_rng_new(seed, "kubelet");
	c->free_pods = NONE;
	c->interval_verify = getenv("KS_INTERVAL_VERIFY") != NULL;
	ks_strmap_init(&c->deploy_qnames);
	ks_strmap_init(&c->deploy_names);
	ks_strmap_init(&c->service_qnames);
	for (int i = 0; i < CTL_N; i++)
		c->ctl[i] = cl_controllers[i]->create(c);
	return c;
}

void
cl_free(struct cluster *c)
{
	if (c == NULL)
		return;
	for (int i = CTL_N - 1; i >= 0; i--)
		if (cl_controllers[i]->destroy != NULL)
			cl_controllers[i]->destroy(c);
	for (size_t i = 0; i < c->npods; i++) {
		free(c->pods[i].name);
		free(c->pods[i].why_pending);
	}
	free(c->pods);
	free(c->use);
	free(c->run);
	free(c->deploy_rev);
	for (size_t i = 0; i < c->nnodes; i++) {
		k8s_node_spec_free(c->nodes[i].spec);
		free(c->nodes[i].spec);
		for (size_t j = 0; j < c->nodes[i].nimages; j++)
			free(c->nodes[i].images[j]);
		free(c->nodes[i].images);
	}
	free(c->nodes);
	for (size_t i = 0; i < c->npools; i++)
		k8s_node_spec_free(&c->pools[i].tmpl);
	free(c->pools);
	for (size_t i = 0; i < c->ndeploys; i++) {
		/* The template copy shares strings with the deployment: only the
		 * arrays this file allocated are ours. */
		free(c->deploys[i].spec.tolerations);
	}
	free(c->deploys);
	ks_strmap_fini(&c->deploy_qnames);
	ks_strmap_fini(&c->deploy_names);
	ks_strmap_fini(&c->service_qnames);
	for (size_t i = 0; i < c->nservices; i++)
		free(c->services[i].endpoints);
	free(c->services);
	for (size_t i = 0; i < c->nprofiles; i++) {
		free(c->profiles[i].hist);
		free(c->profiles[i].run_hist);
		if (c->profiles[i].p.free_ctx != NULL)
			c->profiles[i].p.free_ctx(c->profiles[i].p.offered_ctx);
	}
	free(c->profiles);
	free(c->pdbs);
	free(c->pcs);
	for (size_t i = 0; i < c->nrss; i++)
		free(c->rss[i].name);
	free(c->rss);
	for (int k = 0; k < CL_NCHANGES; k++)
		free(c->watch[k]);
	gsl_rng_free(c->rng_cp);
	gsl_rng_free(c->rng_kubelet);
	free(c);
}

int
cl_add_pool(struct cluster *c, const struct cl_pool_params *p)
{
	KS_GROW(c->pools, c->cappools, c->npools + 1);
	struct cl_pool *pl = &c->pools[c->npools];
	memset(pl, 0, sizeof *pl);
	pl->p = *p;
	if (p->labels != NULL)
		k8s_labels_copy(&pl->tmpl.labels, p->labels);
	k8s_labels_set(&pl->tmpl.labels, "node.kubernetes.io/instance-type",
	    p->instance_type ? p->instance_type : p->name);
	k8s_labels_set(&pl->tmpl.labels, "kubesim.io/pool", p->name);
	if (p->ntaints > 0) {
		pl->tmpl.taints = xcalloc(p->ntaints, sizeof *pl->tmpl.taints);
		for (size_t i = 0; i < p->ntaints; i++) {
			pl->tmpl.taints[i].key = xstrdup(p->taints[i].key);
			pl->tmpl.taints[i].value = p->taints[i].value ? xstrdup(p->taints[i].value) : NULL;
			pl->tmpl.taints[i].effect = p->taints[i].effect;
		}
		pl->tmpl.ntaints = p->ntaints;
	}
	struct k8s_resources *a = &pl->tmpl.allocatable;
	if (p->allocatable != NULL) {
		k8s_res_copy(a, p->allocatable);
	} else {
		k8s_res_set(a, "cpu", p->cpu_milli - p->reserved_cpu_milli);
		k8s_res_set(a, "memory", p->memory - p->reserved_memory);
		k8s_res_set(a, "pods", p->max_pods);
	}
	return (int)c->npools++;
}

int
cl_add_priority_class(struct cluster *c, const struct k8s_priority_class *pc)
{
	KS_GROW(c->pcs, c->cappcs, c->npcs + 1);
	c->pcs[c->npcs] = pc;
	return (int)c->npcs++;
}

int
cl_add_deployment(struct cluster *c, const struct k8s_deployment *d)
{
	size_t cap = c->capdeploys;
	KS_GROW(c->deploys, c->capdeploys, c->ndeploys + 1);
	KS_GROW(c->deploy_rev, cap, c->ndeploys + 1);
	struct cl_deploy *dp = &c->deploys[c->ndeploys];
	memset(dp, 0, sizeof *dp);
	dp->d = d;
	dp->replicas = d->replicas;
	deploy_rev_sync(c, (uint32_t)c->ndeploys);
	dp->first_pod = NONE;
	dp->service = NONE;
	/* A shallow copy of the template; the DefaultTolerationSeconds
	 * admission plugin adds not-ready and unreachable NoExecute
	 * tolerations for the eviction toleration (300 s) unless present. */
	dp->spec = d->template;
	if (dp->spec.namespace == NULL)
		dp->spec.namespace = d->namespace;
	size_t n = d->template.ntolerations;
	dp->spec.tolerations = xcalloc(n + 2, sizeof *dp->spec.tolerations);
	if (n > 0)
		memcpy(dp->spec.tolerations, d->template.tolerations, n * sizeof *dp->spec.tolerations);
	static const char *const keys[2] = { "node.kubernetes.io/not-ready",
		"node.kubernetes.io/unreachable" };
	for (int k = 0; k < 2; k++) {
		bool have = false;
		for (size_t i = 0; i < d->template.ntolerations; i++) {
			const struct k8s_toleration *tl = &d->template.tolerations[i];
			if (tl->key != NULL && strcmp(tl->key, keys[k]) == 0 &&
			    (tl->effect == K8S_NO_EXECUTE || tl->effect == K8S_EFFECT_ALL))
				have = true;
		}
		if (have)
			continue;
		struct k8s_toleration *tl = &dp->spec.tolerations[dp->spec.ntolerations++];
		memset(tl, 0, sizeof *tl);
		tl->key = (char *)keys[k];
		tl->op = K8S_TOL_EXISTS;
		tl->effect = K8S_NO_EXECUTE;
		tl->has_seconds = true;
		tl->seconds = c->t.eviction_toleration / SIM_SEC;
	}
	/* Resolve the PriorityClass (or the global default). */
	dp->spec.priority = 0;
	for (size_t i = 0; i < c->npcs; i++) {
		const struct k8s_priority_class *pc = c->pcs[i];
		if ((d->template.priority_class != NULL &&
		    strcmp(pc->name, d->template.priority_class) == 0) ||
		    (d->template.priority_class == NULL && pc->global_default))
			dp->spec.priority = pc->value;
	}
	char *key = xasprintf("%s\x1f%s", dp->spec.namespace ? dp->spec.namespace :
	    "default", d->name);
	ks_strmap_put(&c->deploy_qnames, key, (int64_t)c->ndeploys);
	free(key);
	ks_strmap_put(&c->deploy_names, d->name, (int64_t)c->ndeploys);
	return (int)c->ndeploys++;
}

/* The Deployment a Service selects: the first of its namespace whose
 * template labels match. */
static uint32_t
service_deploy(struct cluster *c, const struct k8s_service *s)
{
	if (s->selector.n == 0)
		return NONE;
	if (s->has_deploy && (s->deploy < 0 || (size_t)s->deploy < c->ndeploys))
		return s->deploy < 0 ? NONE : (uint32_t)s->deploy;	/* indexed */
	const char *ns = s->namespace ? s->namespace : "default";
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_pod_spec *t = &c->deploys[i].d->template;
		const char *dns = c->deploys[i].spec.namespace;
		bool all = strcmp(dns ? dns : "default", ns) == 0;
		for (size_t j = 0; j < s->selector.n && all; j++) {
			const char *v = k8s_labels_get(&t->labels, s->selector.v[j].key);
			all = v != NULL && strcmp(v, s->selector.v[j].value) == 0;
		}
		if (all)
			return (uint32_t)i;
	}
	return NONE;
}

int
cl_add_service(struct cluster *c, const struct k8s_service *s)
{
	KS_GROW(c->services, c->capservices, c->nservices + 1);
	struct cl_service *sv = &c->services[c->nservices];
	memset(sv, 0, sizeof *sv);
	sv->s = s;
	sv->profile = -1;
	sv->deploy = service_deploy(c, s);
	scheduler_add_service(c, s);
	if (sv->deploy != NONE && c->deploys[sv->deploy].service == NONE)
		c->deploys[sv->deploy].service = (uint32_t)c->nservices;
	char *key = xasprintf("%s/%s", s->namespace ? s->namespace : "default", s->name);
	ks_strmap_put(&c->service_qnames, key, (int64_t)c->nservices);
	free(key);
	return (int)c->nservices++;
}

int
cl_add_pdb(struct cluster *c, const struct k8s_pdb *p)
{
	KS_GROW(c->pdbs, c->cappdbs, c->npdbs + 1);
	c->pdbs[c->npdbs] = p;
	return (int)c->npdbs++;
}

int
cl_add_profile(struct cluster *c, const struct cl_profile_params *p, char **cause)
{
	/* the last Service k8s_ref_matches: "namespace/name", or a plain name
	 * in the default namespace */
	char *key = strchr(p->service, '/') != NULL ? xstrdup(p->service) :
	    xasprintf("default/%s", p->service);
	int64_t si;
	uint32_t svc = ks_strmap_get(&c->service_qnames, key, &si) ? (uint32_t)si : NONE;
	free(key);
	if (svc == NONE) {
		*cause = xasprintf("service profile %s: no Service of that name", p->service);
		return -1;
	}
	KS_GROW(c->profiles, c->capprofiles, c->nprofiles + 1);
	struct cl_profile *pr = &c->profiles[c->nprofiles];
	memset(pr, 0, sizeof *pr);
	pr->p = *p;
	pr->service = svc;
	pr->hist = hist_new();
	pr->run_hist = hist_new();
	c->services[svc].profile = (int32_t)c->nprofiles;
	/* Pods are endpoints of one Service: of several that select them (a
	 * StatefulSet's headless Service and its client Service), the one
	 * that serves traffic. */
	uint32_t dep = c->services[svc].deploy;
	if (dep != NONE && c->deploys[dep].service != svc &&
	    c->services[c->deploys[dep].service].profile < 0)
		c->deploys[dep].service = svc;
	return (int)c->nprofiles++;
}

/* ---- intervals ------------------------------------------------------------ */

static void emit_interval(struct cluster *c);

/* The latency percentiles of the rows: p50, p95, p99. */
static const double cl_quantiles[3] = { 0.50, 0.95, 0.99 };

static void
on_interval(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	emit_interval(c);
	sim_after(sim, c->t.interval, PRIO_INTERVAL, on_interval, c, 0);
}

/* hist_quantiles_merge_clear of the interval's latency h into the run's;
 * KS_INTERVAL_VERIFY: the quantiles are hist_quantiles's walk's, to the
 * bit. */
static void
quantiles_merge_clear(struct cluster *c, struct cl_profile *pr, struct hist *h, double *qv)
{
	double walked[3];
	if (c->interval_verify)
		hist_quantiles(h, cl_quantiles, 3, walked);
	hist_quantiles_merge_clear(pr->run_hist, h, cl_quantiles, 3, qv);
	if (c->interval_verify && memcmp(walked, qv, sizeof walked) != 0) {
		fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: service %s's latency quantiles "
		    "(%.17g %.17g %.17g) are not the walk's (%.17g %.17g %.17g)\n",
		    pr->p.service, qv[0], qv[1], qv[2], walked[0], walked[1], walked[2]);
		abort();
	}
}

static void
emit_interval(struct cluster *c)
{
	sim_ns now = sim_now(c->sim);
	if (now == c->last_interval && now != 0)
		return;
	double t_s = sim_ns_to_s(now);
	double span = sim_ns_to_s(now - c->last_interval);
	c->last_interval = now;
	cl_cost_update(c);
	bool flush_per_row = traffic_sync(c);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		struct cl_service *sv = &c->services[pr->service];
		/* the next profile's histograms (and latency held) asked for
		 * while this one is read, the one after's bounds for that; so
		 * too the one after's Service record and the line that points
		 * to its name, for the next row's Deployment fields
		 * (spec.replicas to the cpu request's memo: the record's last
		 * lines) and name (the writer compares and copies it) */
		if (i + 2 < c->nprofiles) {
			__builtin_prefetch(c->profiles[i + 2].hist);
			__builtin_prefetch(c->profiles[i + 2].run_hist);
			__builtin_prefetch(&c->services[c->profiles[i + 2].service]);
			__builtin_prefetch(&c->profiles[i + 2].p.service);
		}
		if (i + 1 < c->nprofiles) {
			__builtin_prefetch(c->profiles[i + 1].p.service);
			uint32_t nd = c->services[c->profiles[i + 1].service].deploy;
			if (nd != NONE) {
				__builtin_prefetch(&c->deploys[nd].replicas);
				__builtin_prefetch(&c->deploys[nd].req_cpu_milli);
			}
		}
		if (i + 1 < c->nprofiles && flush_per_row) {
			traffic_prefetch_profile(c, i + 1);
		} else if (i + 1 < c->nprofiles) {
			const struct hist *nh = c->profiles[i + 1].hist;
			hist_prefetch(nh, nh->lo, nh->hi);
			hist_prefetch(c->profiles[i + 1].run_hist, nh->lo, nh->hi);
		}
		/* the interval's latency: pr->hist or a stand-in for it */
		struct hist *h = flush_per_row ? traffic_flush_profile(c, i) : pr->hist;
		int32_t desired = 0, ready = 0;
		double req_cpu = 0;
		if (sv->deploy != NONE) {
			struct cl_deploy *d = &c->deploys[sv->deploy];
			desired = d->replicas;
			ready = (int32_t)deploy_ready(c, sv->deploy);
			req_cpu = (double)deploy_cpu_request(c, sv->deploy) / 1000.0;
		}
		double cpu_util = 0;
		if (ready > 0 && req_cpu > 0 && span > 0)
			cpu_util = pr->cpu_used_interval / span / (req_cpu * ready);
		bool any = hist_count(h) > 0, keep = now > c->t.warmup;
		double qv[3];
		/* read, then kept for the run's percentiles or dropped */
		if (any && keep)
			quantiles_merge_clear(c, pr, h, qv);
		else if (any)
			hist_quantiles(h, cl_quantiles, 3, qv);
		if (!keep)
			hist_clear(h);
		else if (!any)
			hist_merge_clear(pr->run_hist, h);
		struct probe_val v[12] = {
			PV_REAL(t_s), PV_TEXT(pr->p.service), PV_REAL(pr->offered), PV_REAL(pr->ok),
			PV_REAL(pr->errors), PV_REAL(pr->timeouts),
			any ? PV_REAL(qv[0] * 1e3) : PV_NULL,
			any ? PV_REAL(qv[1] * 1e3) : PV_NULL,
			any ? PV_REAL(qv[2] * 1e3) : PV_NULL,
			PV_INT(desired), PV_INT(ready), PV_REAL(cpu_util),
		};
		probe_emit(&c->probes, "service_intervals", v, 12);
		pr->offered = pr->ok = pr->errors = pr->timeouts = 0;
		pr->cpu_used_interval = 0;
	}
	/* the nodes not deleted: counted as they come and go (a pass over
	 * all nodes' records missed the cache once per node) */
	size_t total = c->nodes_live;
	if (c->interval_verify) {
		size_t seen = 0;
		for (size_t i = 0; i < c->nnodes; i++)
			seen += c->nodes[i].state != NODE_DELETED;
		if (seen != total) {
			fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: %zu nodes not deleted, "
			    "the count kept says %zu\n", seen, total);
			abort();
		}
	}
	struct probe_val cv[6] = {
		PV_REAL(t_s), PV_INT(c->nodes_ready), PV_INT(total), PV_INT(c->pods_pending),
		PV_INT(c->pods_running), PV_REAL(c->cost_usd - c->cost_reported),
	};
	c->cost_reported = c->cost_usd;
	probe_emit(&c->probes, "cluster_intervals", cv, 6);
}

void
cl_start(struct cluster *c)
{
	for (int i = 0; i < CTL_N; i++)
		if (cl_controllers[i]->start != NULL)
			cl_controllers[i]->start(c);
	if (c->warm)
		warm_start(c);
	c->last_interval = 0;
	sim_after(c->sim, c->t.interval, PRIO_INTERVAL, on_interval, c, 0);
}

void
cl_finish(struct cluster *c)
{
	emit_interval(c);
	for (int i = 0; i < CTL_N; i++)
		if (cl_controllers[i]->finish != NULL)
			cl_controllers[i]->finish(c);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		double req = pr->total_ok + pr->total_errors;
		bool any = hist_count(pr->run_hist) > 0;
		double qv[3];
		if (any)
			hist_quantiles(pr->run_hist, cl_quantiles, 3, qv);
		struct probe_val v[9] = {
			PV_TEXT(pr->p.service), PV_REAL(pr->total_offered),
			PV_REAL(pr->total_ok), PV_REAL(pr->total_errors),
			req > 0 ? PV_REAL(pr->total_ok / req) : PV_NULL,
			any ? PV_REAL(qv[0] * 1e3) : PV_NULL,
			any ? PV_REAL(qv[1] * 1e3) : PV_NULL,
			any ? PV_REAL(qv[2] * 1e3) : PV_NULL,
			/* offered, not finished: requests = ok + errors + in_flight
			 * (fluid mode's float sums leave ~1e-10 for none) */
			PV_REAL(fabs(pr->total_offered - req) < 1e-6 ? 0 :
			    pr->total_offered - req),
		};
		probe_emit(&c->probes, "summary", v, 9);
	}
	cl_problems_emit(c);
}

double
cl_cost_usd(const struct cluster *c)
{
	return c->cost_usd + c->price_rate * sim_ns_to_s(sim_now(c->sim) - c->cost_at);
}

size_t
cl_pods_running(const struct cluster *c)
{
	return c->pods_running;
}

size_t
cl_nodes_ready(const struct cluster *c)
{
	return c->nodes_ready;
}
