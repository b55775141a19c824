/*
 * vertical.c - the Vertical Pod Autoscaler in virtual time: the
 * recommender loop (every --recommender-interval it feeds each target pod's
 * latest metrics-server sample into per-container aggregates, estimates and
 * caps the recommendation, and records a vpa_recommendations row per
 * container), the admission controller (in Initial and Recreate modes new
 * pods get the target requests: a new template copy per change, so the
 * scheduler sees them), and the updater (every --updater-interval it evicts,
 * within the eviction tolerance and the PDBs, Recreate-mode pods whose
 * requests left the recommended range). Algorithms in models/vpa/.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/memory.h"
#include "models/vpa/vpa.h"

struct cl_vpa {
	const struct vpa_spec	*spec;
	uint32_t		 deploy;
	size_t			 ncontainers;	/* of the Deployment's template */
	struct vpa_aggregate	*agg;		/* per container */
	struct vpa_recommendation *rec;		/* per container */
	bool			*has_rec;	/* per container */
	struct k8s_pod_spec	**specs;	/* templates made for new pods (owned) */
	size_t			 nspecs;
};

/* The recommender's ContainerState of one pod's containers. */
struct vpa_pod_state {
	uint32_t		 gen;	/* the pod slot's incarnation; 0: unused */
	struct vpa_container	*cs;
	size_t			 ncs;
};

struct cl_vpas {
	struct vpa_config	 cfg;
	struct cl_vpa		*v;
	size_t			 n, cap;
	struct vpa_pod_state	*pods;	/* by pod id */
	size_t			 npods;
};

static struct cl_vpas *
vpas_of(const struct cluster *c)
{
	return c->ctl[CTL_VERTICAL];
}

size_t
vertical_count(const struct cluster *c)
{
	return vpas_of(c)->n;
}

uint32_t
vertical_target(const struct cluster *c, size_t i)
{
	return vpas_of(c)->v[i].deploy;
}

int
cl_add_vpa(struct cluster *c, const struct vpa_spec *v, char **cause)
{
	uint32_t dep = deploy_named(c, v->namespace ? v->namespace : "default", v->target_name);
	if (dep == NONE) {
		*cause = xasprintf("VerticalPodAutoscaler %s: no Deployment %s", v->name,
		    v->target_name);
		return -1;
	}
	struct cl_vpas *vs = vpas_of(c);
	KS_GROW(vs->v, vs->cap, vs->n + 1);
	struct cl_vpa *cv = &vs->v[vs->n];
	memset(cv, 0, sizeof *cv);
	cv->spec = v;
	cv->deploy = dep;
	cv->ncontainers = c->deploys[dep].d->template.ncontainers;
	size_t nc = cv->ncontainers ? cv->ncontainers : 1;
	cv->agg = xcalloc(nc, sizeof *cv->agg);
	cv->rec = xcalloc(nc, sizeof *cv->rec);
	cv->has_rec = xcalloc(nc, sizeof *cv->has_rec);
	for (size_t i = 0; i < cv->ncontainers; i++)
		vpa_agg_init(&cv->agg[i], &vs->cfg);
	return (int)vs->n++;
}

static void
vpas_destroy(struct cluster *c)
{
	struct cl_vpas *vs = vpas_of(c);
	for (size_t i = 0; i < vs->n; i++) {
		struct cl_vpa *cv = &vs->v[i];
		for (size_t k = 0; k < cv->ncontainers; k++)
			vpa_agg_fini(&cv->agg[k]);
		free(cv->agg);
		free(cv->rec);
		free(cv->has_rec);
		for (size_t k = 0; k < cv->nspecs; k++) {
			struct k8s_pod_spec *s = cv->specs[k];
			for (size_t j = 0; j < s->ncontainers; j++) {
				k8s_res_free(&s->containers[j].requests);
				k8s_res_free(&s->containers[j].limits);
			}
			free(s->containers);
			free(s);
		}
		free(cv->specs);
	}
	free(vs->v);
	for (size_t i = 0; i < vs->npods; i++)
		free(vs->pods[i].cs);
	free(vs->pods);
	free(vs);
}

/* ---- the recommender ---------------------------------------------------------- */

static struct vpa_pod_state *
pod_state(struct cl_vpas *vs, const struct cl_pod *pd, size_t ncontainers)
{
	if (pd->id >= vs->npods) {
		size_t n = vs->npods ? vs->npods : 64;
		while (n <= pd->id)
			n *= 2;
		vs->pods = xreallocarray(vs->pods, n, sizeof *vs->pods);
		memset(&vs->pods[vs->npods], 0, (n - vs->npods) * sizeof *vs->pods);
		vs->npods = n;
	}
	struct vpa_pod_state *ps = &vs->pods[pd->id];
	if (ps->gen != pd->gen || ps->ncs != ncontainers) {
		free(ps->cs);
		ps->gen = pd->gen;
		ps->ncs = ncontainers;
		ps->cs = xcalloc(ncontainers ? ncontainers : 1, sizeof *ps->cs);
	}
	return ps;
}

/*
 * Feeds one pod's latest sample. metrics-server reports the pod's cpu
 * usage; it is split over the containers in proportion to their cpu
 * requests (evenly without requests). Memory is the model's fixed share of
 * each container's request in the Deployment's own template.
 */
static void
feed_pod(struct cl_vpas *vs, struct cluster *c, struct cl_vpa *cv, const struct cl_pod *pd)
{
	const struct cl_pod_metrics *pm = metrics_of(c, pd->id);
	const struct k8s_pod_spec *spec = pd->spec;
	const struct k8s_pod_spec *tmpl = &c->deploys[cv->deploy].spec;
	size_t nc = cv->ncontainers;
	if (spec->ncontainers != nc)
		return;
	struct vpa_pod_state *ps = pod_state(vs, pd, nc);
	int64_t sum = 0;
	for (size_t i = 0; i < nc; i++)
		sum += spec->containers[i].requests.cpu_milli;
	bool modelled = cl_pod_memory_modelled(c, pd->id);
	int64_t ws = modelled ? cl_pod_working_set(c, pd->id) : 0, msum = 0;
	for (size_t i = 0; i < nc; i++)
		msum += spec->containers[i].requests.memory;
	for (size_t i = 0; i < nc; i++) {
		int64_t req = spec->containers[i].requests.cpu_milli;
		int64_t usage = sum > 0 ? pm->cpu_milli * req / sum :
		    pm->cpu_milli / (int64_t)nc;
		vpa_container_add_cpu(&ps->cs[i], &cv->agg[i], usage, req, pm->at);
		int64_t mem = (int64_t)((double)tmpl->containers[i].requests.memory *
		    CL_MEMORY_USE_OF_REQUEST);
		if (modelled)	/* memory.c: the working set, shared as the requests */
			mem = msum > 0 ? (int64_t)((double)ws * (double)
			    spec->containers[i].requests.memory / (double)msum) :
			    ws / (int64_t)nc;
		vpa_container_add_memory(&ps->cs[i], &cv->agg[i], mem, pm->at,
		    vs->cfg.memory_aggregation_interval);
	}
}

static int64_t
scale_limit(int64_t limit, int64_t old_req, int64_t new_req)
{
	/* The limit keeps its proportion to the request (controlledValues
	 * RequestsAndLimits). */
	if (old_req <= 0)
		return limit;
	return (int64_t)((double)limit * (double)new_req / (double)old_req);
}

/*
 * The admission controller: new pods of the target get the capped target
 * of every controlled resource. A change makes a new template copy (the
 * scheduler keeps per-template counts and the pods already placed keep
 * theirs); strings and lists stay shared with the Deployment's template.
 */
static void
admit(struct cluster *c, struct cl_vpa *cv)
{
	struct cl_deploy *d = &c->deploys[cv->deploy];
	const struct k8s_pod_spec *cur = deploy_template(c, cv->deploy);
	bool change = false;
	for (size_t i = 0; i < cv->ncontainers; i++) {
		if (!cv->has_rec[i])
			continue;
		const struct k8s_resources *r = &cur->containers[i].requests;
		const struct vpa_recommendation *rec = &cv->rec[i];
		if ((rec->has_cpu && (!r->has_cpu || r->cpu_milli != rec->target.cpu_milli)) ||
		    (rec->has_memory && (!r->has_memory || r->memory != rec->target.memory)))
			change = true;
	}
	if (!change)
		return;
	struct k8s_pod_spec *s = xmalloc(sizeof *s);
	*s = *cur;
	s->containers = xcalloc(cur->ncontainers, sizeof *s->containers);
	for (size_t i = 0; i < cur->ncontainers; i++) {
		const struct k8s_container *oc = &cur->containers[i];
		struct k8s_container *nc = &s->containers[i];
		*nc = *oc;
		k8s_res_copy(&nc->requests, &oc->requests);
		k8s_res_copy(&nc->limits, &oc->limits);
		if (i >= cv->ncontainers || !cv->has_rec[i])
			continue;
		const struct vpa_recommendation *rec = &cv->rec[i];
		if (rec->has_cpu) {
			if (oc->limits.has_cpu)
				k8s_res_set(&nc->limits, "cpu", scale_limit(oc->limits.cpu_milli,
				    oc->requests.cpu_milli, rec->target.cpu_milli));
			k8s_res_set(&nc->requests, "cpu", rec->target.cpu_milli);
		}
		if (rec->has_memory) {
			if (oc->limits.has_memory)
				k8s_res_set(&nc->limits, "memory", scale_limit(oc->limits.memory,
				    oc->requests.memory, rec->target.memory));
			k8s_res_set(&nc->requests, "memory", rec->target.memory);
		}
	}
	cv->specs = xreallocarray(cv->specs, cv->nspecs + 1, sizeof *cv->specs);
	cv->specs[cv->nspecs++] = s;
	d->cur = s;
}

static void
recommend(struct cluster *c, struct cl_vpas *vs, struct cl_vpa *cv)
{
	struct cl_deploy *d = &c->deploys[cv->deploy];
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		if (metrics_of(c, p)->has)
			feed_pod(vs, c, cv, &c->pods[p]);
	double t_s = sim_ns_to_s(sim_now(c->sim));
	for (size_t i = 0; i < cv->ncontainers; i++) {
		const char *name = d->spec.containers[i].name;
		const struct vpa_container_policy *pol = vpa_policy_for(cv->spec, name);
		cv->has_rec[i] = false;
		/* No recommendation before a sample, nor for a container whose
		 * policy is Off. */
		if (cv->agg[i].total_samples == 0 || (pol != NULL && pol->off))
			continue;
		struct vpa_recommendation *r = &cv->rec[i];
		vpa_estimate(&vs->cfg, &cv->agg[i], (int)cv->ncontainers, r);
		vpa_apply_policy(pol, r);
		cv->has_rec[i] = r->has_cpu || r->has_memory;
		if (!cv->has_rec[i])
			continue;
		struct probe_val v[9] = {
			PV_REAL(t_s), PV_TEXT(cv->spec->name), PV_TEXT(name),
			r->has_cpu ? PV_INT(r->target.cpu_milli) : PV_NULL,
			r->has_memory ? PV_INT(r->target.memory) : PV_NULL,
			r->has_cpu ? PV_INT(r->lower.cpu_milli) : PV_NULL,
			r->has_memory ? PV_INT(r->lower.memory) : PV_NULL,
			r->has_cpu ? PV_INT(r->upper.cpu_milli) : PV_NULL,
			r->has_memory ? PV_INT(r->upper.memory) : PV_NULL,
		};
		probe_emit(&c->probes, "vpa_recommendations", v, 9);
	}
	if (cv->spec->mode != VPA_MODE_OFF)
		admit(c, cv);
}

static void
on_recommend(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct cl_vpas *vs = vpas_of(c);
	for (size_t i = 0; i < vs->n; i++)
		recommend(c, vs, &vs->v[i]);
	sim_after(sim, vs->cfg.recommender_interval, PRIO_METRICS + 1, on_recommend, c, 0);
}

/* ---- the updater ---------------------------------------------------------------- */

struct candidate {
	uint32_t		pod;
	struct vpa_priority	prio;
};

static bool
pod_pending(const struct cl_pod *pd)
{
	return pd->phase == POD_PENDING || pd->phase == POD_BOUND || pd->phase == POD_CREATING;
}

/* The Eviction API: refused while a PDB selecting the pod has no
 * disruption left. */
static bool
pdbs_allow(struct cluster *c, const struct cl_pod *pd)
{
	for (size_t k = 0; k < c->npdbs; k++)
		if (cl_pdb_matches(c->pdbs[k], pd->spec) && cl_pdb_allowed(c, c->pdbs[k]) < 1)
			return false;
	return true;
}

static void
update(struct cluster *c, struct cl_vpas *vs, struct cl_vpa *cv)
{
	const struct vpa_config *cfg = &vs->cfg;
	struct cl_deploy *d = &c->deploys[cv->deploy];
	bool any = false;
	for (size_t i = 0; i < cv->ncontainers; i++)
		any |= cv->has_rec[i];
	if (!any)
		return;
	int32_t live = 0, pending = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting)
			continue;
		live++;
		pending += pod_pending(pd);
	}
	int32_t min_replicas = cv->spec->min_replicas > 0 ? cv->spec->min_replicas :
	    cfg->min_replicas;
	if (live < min_replicas)
		return;	/* "Too few replicas" */
	struct candidate *cand = xcalloc((size_t)live, sizeof *cand);
	size_t n = 0;
	sim_ns now = sim_now(c->sim);
	size_t nc = cv->ncontainers;
	struct vpa_resources *req = xcalloc(nc ? nc : 1, sizeof *req);
	const struct vpa_recommendation **rp = xcalloc(nc ? nc : 1, sizeof *rp);
	for (size_t i = 0; i < nc; i++)
		rp[i] = cv->has_rec[i] ? &cv->rec[i] : NULL;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting || pd->spec->ncontainers != nc)
			continue;
		for (size_t i = 0; i < nc; i++) {
			const struct k8s_resources *r = &pd->spec->containers[i].requests;
			req[i].cpu_milli = r->has_cpu ? r->cpu_milli : -1;
			req[i].memory = r->has_memory ? r->memory : -1;
		}
		struct vpa_priority pr;
		vpa_pod_priority(req, rp, nc, &pr);
		bool started = pd->phase >= POD_CREATING && pd->phase != POD_FREE;
		if (!vpa_pod_needs_update(cfg, &pr, started, pd->probe_origin, now))
			continue;
		/* Insertion sort by priority, then pod id: a handful of pods. */
		size_t j = n++;
		while (j > 0 && (vpa_priority_before(&pr, &cand[j - 1].prio) ||
		    (!vpa_priority_before(&cand[j - 1].prio, &pr) && p < cand[j - 1].pod))) {
			cand[j] = cand[j - 1];
			j--;
		}
		cand[j].pod = p;
		cand[j].prio = pr;
	}
	struct vpa_group g;
	vpa_group_init(&g, cfg, d->replicas, pending, live - pending);
	for (size_t i = 0; i < n; i++) {
		struct cl_pod *pd = &c->pods[cand[i].pod];
		bool pend = pod_pending(pd);
		if (!vpa_group_can_evict(&g, pend) || !pdbs_allow(c, pd))
			continue;
		cl_event(c, "EvictedByVPA", pd->name, "VerticalPodAutoscaler %s: requests "
		    "%s the recommended range", cv->spec->name,
		    cand[i].prio.outside_range ? "outside" : "far from the target within");
		pod_delete(c, cand[i].pod, "EvictedByVPA");
		if (!pend)
			g.evicted++;
	}
	free(rp);
	free(req);
	free(cand);
}

static void
on_update(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct cl_vpas *vs = vpas_of(c);
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].spec->mode == VPA_MODE_RECREATE)
			update(c, vs, &vs->v[i]);
	sim_after(sim, vs->cfg.updater_interval, PRIO_CONTROLLER, on_update, c, 0);
}

static void
vpas_start(struct cluster *c)
{
	struct cl_vpas *vs = vpas_of(c);
	if (vs->n == 0)
		return;
	sim_after(c->sim, vs->cfg.recommender_interval, PRIO_METRICS + 1, on_recommend, c, 0);
	bool recreate = false;
	for (size_t i = 0; i < vs->n; i++)
		recreate |= vs->v[i].spec->mode == VPA_MODE_RECREATE;
	if (recreate)
		sim_after(c->sim, vs->cfg.updater_interval, PRIO_CONTROLLER, on_update, c, 0);
}

static void *
vpas_create(struct cluster *c)
{
	struct cl_vpas *vs = xcalloc(1, sizeof *vs);
	vpa_config_default(&vs->cfg);
	return vs;
}

const struct cl_controller vertical_controller = {
	.name = "vertical-pod-autoscaler", .create = vpas_create, .start = vpas_start,
	.destroy = vpas_destroy,
};
