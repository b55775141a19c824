/*
 * replicaset.c - the Deployment and ReplicaSet controllers as one table
 * entry: after the watch latency a sync runs the Deployment controller
 * (deployment.c sizes the ReplicaSets), then for each ReplicaSet creates the
 * missing pods (at most burstReplicas = 500 per sync) and deletes the
 * surplus in upstream's ranking order (ActivePodsWithRanks, with the rank
 * of pods doubled up on a node, the pod-deletion-cost annotation and the
 * logarithmic time comparison: models/controller/replicaset_rank.c).
 * Upstream: pkg/controller/replicaset.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "models/cluster/rollout.h"
#include "models/controller/replicaset_rank.h"

static void sync_soon(struct rsctl *rs, uint32_t deploy);

/* A candidate victim: the pod and how ActivePodsWithRanks.Less sees it. */
struct victim {
	uint32_t		 pod;
	struct rs_rank_pod	 r;
};

/* Less, made a total order for the heap: pods Less cannot tell apart go
 * by slot, the later first (upstream leaves them in its sort's order). */
static bool
delete_before(const struct rs_rank_opts *o, const struct victim *a, const struct victim *b)
{
	if (rs_rank_less(o, &a->r, &b->r))
		return true;
	if (rs_rank_less(o, &b->r, &a->r))
		return false;
	return a->pod > b->pod;
}

/* Restores the heap property (first to delete at the root) below i. */
static void
victims_sift(const struct rs_rank_opts *o, struct victim *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && delete_before(o, &h[l], &h[m]))
			m = l;
		if (r < n && delete_before(o, &h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		struct victim t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* metadata.uid for Less's log-scale tie: upstream's is a random UUID; here
 * a hash of the pod's name (FNV-1a, then splitmix64's finalizer), the same
 * for the same run and spread like a random one. */
static uint64_t
pod_uid(const char *name)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)name; p != NULL && *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* A pod as ActivePodsWithRanks sees it: phase Pending until its containers
 * first run (a restarting container keeps the pod Running), Unknown once
 * its node is lost; the times the API keeps (whole
 * seconds); rank = the related pods on its node. */
static struct rs_rank_pod
rank_pod(const struct cluster *c, uint32_t p, int rank)
{
	const struct cl_pod *x = &c->pods[p];
	return (struct rs_rank_pod){
		.assigned = x->node != NONE,
		.phase = x->phase <= POD_CREATING && x->restarts == 0 ? RS_RANK_PENDING :
		    x->lost ? RS_RANK_UNKNOWN : RS_RANK_RUNNING,
		.ready = x->ready_cond,
		.deletion_cost = x->spec != NULL ? x->spec->deletion_cost : 0,
		.rank = rank,
		.has_ready_time = x->ready_cond,
		.ready_time = x->ready_cond ? rs_rank_api_time(x->ready_changed) : 0,
		.restarts = x->restarts > INT32_MAX ? INT32_MAX : (int32_t)x->restarts,
		.has_created = true,
		.created = rs_rank_api_time(x->created),
		.uid = pod_uid(x->name),
	};
}

/* Whether the pod counts in getPodsRankedByRelatedPodsOnSameNode
 * (controller.IsPodActive: not Succeeded or Failed, not deleting). */
static bool
pod_active(const struct cl_pod *x)
{
	return !x->deleting && !x->succeeded && !x->failed;
}

/*
 * Deletes k of ReplicaSet id's pods not yet deleting, first in upstream's
 * getPodsToDelete order: each ranked by the active pods of the
 * Deployment's ReplicaSets (getIndirectlyRelatedPods) on its node, then a
 * heap in ActivePodsWithRanks.Less's order (Now = this sync, both gates at
 * their default, on), popped k times: O(pods + k log pods).
 */
static void
delete_surplus(struct rsctl *rs, const struct cl_deploy *d, uint32_t id, int32_t k)
{
	struct cluster *c = rs->c;
	if (rs->non_node < c->nnodes + 1) {
		free(rs->on_node);
		rs->non_node = c->nnodes + 1;
		rs->on_node = xcalloc(rs->non_node, sizeof *rs->on_node);
	}
	/* on_node[nnodes]: the unassigned pods (nodeName ""). */
	size_t n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *x = &c->pods[p];
		if (pod_active(x))
			rs->on_node[x->node == NONE ? c->nnodes : x->node]++;
		n += !x->deleting && x->rs == id;
	}
	struct victim *h = xmalloc((n ? n : 1) * sizeof *h);
	n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *x = &c->pods[p];
		size_t at = x->node == NONE ? c->nnodes : x->node;
		if (!x->deleting && x->rs == id)
			h[n++] = (struct victim){ p, rank_pod(c, p, (int)rs->on_node[at]) };
	}
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		rs->on_node[c->pods[p].node == NONE ? c->nnodes : c->pods[p].node] = 0;
	struct rs_rank_opts o = rs_rank_defaults(sim_now(c->sim));
	for (size_t i = n / 2; i-- > 0;)
		victims_sift(&o, h, n, i);
	for (int32_t j = 0; j < k && n > 0; j++) {
		uint32_t victim = h[0].pod;
		h[0] = h[--n];
		victims_sift(&o, h, n, 0);
		pod_delete(c, victim, "ScaleDown");
	}
	free(h);
}

/* The pods of ReplicaSet `id` follow its spec.replicas. */
static void
rs_reconcile(struct rsctl *rs, uint32_t deploy, uint32_t id)
{
	struct cluster *c = rs->c;
	struct cl_deploy *d = &c->deploys[deploy];
	int32_t diff = c->rss[id].replicas - (int32_t)c->rss[id].npods;
	if (diff > 0) {
		/* burstReplicas: at most 500 creations per sync. */
		int32_t n = diff > 500 ? 500 : diff;
		for (int32_t i = 0; i < n; i++)
			pod_create_rs(c, deploy, id);
		if (diff > n)
			sync_soon(rs, deploy);
	} else if (diff < 0) {
		delete_surplus(rs, d, id, -diff);
	}
}

static void
on_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rsctl *rs = ctx;
	struct dep_state *ds = &rs->dep[arg];
	rs->sync[arg] = 0;
	if (cl_api_defer(rs->c, on_sync, rs, arg, &rs->sync[arg]))
		return;	/* an API server outage (chaos.c) */
	dep_sync(rs, (uint32_t)arg);
	for (size_t i = 0; i < ds->nrs; i++)
		rs_reconcile(rs, (uint32_t)arg, ds->rs[i]);
}

void
rs_sync_soon(struct rsctl *rs, uint32_t deploy)
{
	sync_soon(rs, deploy);
}

static void
sync_soon(struct rsctl *rs, uint32_t deploy)
{
	struct cluster *c = rs->c;
	if (rs->sync[deploy] != 0 || c->deploys[deploy].d->kind != K8S_KIND_DEPLOYMENT)
		return;
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
	rs->sync[deploy] = sim_after(c->sim, lat, PRIO_CONTROLLER, on_sync, rs, deploy);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct rsctl *rs = ctx;
	struct cluster *c = rs->c;
	switch (what) {
	case CL_POD_DELETING:
		sync_soon(rs, c->pods[id].deploy);
		break;
	case CL_DEPLOY_SCALED:
		sync_soon(rs, id);
		break;
	case CL_POD_READY:
	case CL_POD_REMOVED:
		/* Rollouts wait on readiness (and Recreate on old pods going);
		 * Deployments without one are not woken. */
		if (rs->dep != NULL && rs->dep[c->pods[id].deploy].tracked)
			sync_soon(rs, c->pods[id].deploy);
		break;
	default:
		break;
	}
}

static void
on_interval(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rsctl *rs = ctx;
	dep_emit_intervals(rs);
	sim_after(sim, rs->c->t.interval, PRIO_INTERVAL, on_interval, rs, 0);
}

static void *
replicaset_create(struct cluster *c)
{
	struct rsctl *rs = xcalloc(1, sizeof *rs);
	rs->c = c;
	cl_watch(c, CL_ON(CL_POD_DELETING) | CL_ON(CL_DEPLOY_SCALED) | CL_ON(CL_POD_READY) |
	    CL_ON(CL_POD_REMOVED), on_change, rs);
	return rs;
}

static void
replicaset_start(struct cluster *c)
{
	struct rsctl *rs = c->ctl[CTL_REPLICASET];
	rs->sync = xcalloc(c->ndeploys + 1, sizeof *rs->sync);
	dep_init(rs);
	for (size_t i = 0; i < c->ndeploys; i++)
		sync_soon(rs, (uint32_t)i);
	/* Rows only for Deployments that roll out or whose containers fail:
	 * the others' runs have no more events than before. */
	if (rs->any_tracked)
		sim_after(c->sim, c->t.interval, PRIO_INTERVAL, on_interval, rs, 0);
}

static void
replicaset_finish(struct cluster *c)
{
	struct rsctl *rs = c->ctl[CTL_REPLICASET];
	if (rs->any_tracked && sim_now(c->sim) != rs->rows_at)
		dep_emit_intervals(rs);
}

static void
replicaset_destroy(struct cluster *c)
{
	struct rsctl *rs = c->ctl[CTL_REPLICASET];
	dep_free(rs);
	free(rs->on_node);
	free(rs->sync);
	free(rs);
}

const struct cl_controller replicaset_controller = {
	.name = "replicaset", .create = replicaset_create, .start = replicaset_start,
	.finish = replicaset_finish, .destroy = replicaset_destroy,
};
