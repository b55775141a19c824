/*
 * replicaset.c - the Deployment and ReplicaSet controllers as one table
 * entry: after the watch latency a sync runs the Deployment controller
 * (deployment.c sizes the ReplicaSets), then for each ReplicaSet creates the
 * missing pods (at most burstReplicas = 500 per sync) and deletes the
 * surplus in upstream's ranking order (ActivePodsWithRanks). Upstream:
 * pkg/controller/replicaset.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/rollout.h"

static void sync_soon(struct rsctl *rs, uint32_t deploy);

/* Upstream's ActivePodsWithRanks order for scale-down: unassigned before
 * assigned, then Pending < Unknown < Running, not ready before ready, then
 * the most recently ready, then the newest. Returns true when a should go
 * before b. */
static bool
delete_before(const struct cluster *c, uint32_t a, uint32_t b)
{
	const struct cl_pod *x = &c->pods[a], *y = &c->pods[b];
	if ((x->node == NONE) != (y->node == NONE))
		return x->node == NONE;
	int rx = x->phase <= POD_CREATING ? 0 : x->lost ? 1 : 2;
	int ry = y->phase <= POD_CREATING ? 0 : y->lost ? 1 : 2;
	if (rx != ry)
		return rx < ry;
	if (x->ready_cond != y->ready_cond)
		return !x->ready_cond;
	if (x->ready_cond && x->ready_changed != y->ready_changed)
		return x->ready_changed > y->ready_changed;
	if (x->created != y->created)
		return x->created > y->created;
	return a > b;
}

/* Restores the heap property (first to delete at the root) below i. */
static void
victims_sift(const struct cluster *c, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && delete_before(c, h[l], h[m]))
			m = l;
		if (r < n && delete_before(c, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		uint32_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Deletes k of ReplicaSet id's pods not yet deleting, first in
 * delete_before's order: a heap of them, popped k times (O(pods + k log
 * pods); deleting a pod changes no other pod's rank, and the order is
 * total, so these are the victims a scan per victim finds). */
static void
delete_surplus(struct cluster *c, const struct cl_deploy *d, uint32_t id, int32_t k)
{
	size_t n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		n += !c->pods[p].deleting && c->pods[p].rs == id;
	uint32_t *h = xmalloc((n ? n : 1) * sizeof *h);
	n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		if (!c->pods[p].deleting && c->pods[p].rs == id)
			h[n++] = p;
	for (size_t i = n / 2; i-- > 0;)
		victims_sift(c, h, n, i);
	for (int32_t j = 0; j < k && n > 0; j++) {
		uint32_t victim = h[0];
		h[0] = h[--n];
		victims_sift(c, h, n, 0);
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
		delete_surplus(c, d, id, -diff);
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
	free(rs->sync);
	free(rs);
}

const struct cl_controller replicaset_controller = {
	.name = "replicaset", .create = replicaset_create, .start = replicaset_start,
	.finish = replicaset_finish, .destroy = replicaset_destroy,
};
