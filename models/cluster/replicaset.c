/*
 * replicaset.c - the ReplicaSet controller under each Deployment: after the
 * watch latency it creates the missing pods (at most burstReplicas = 500
 * per sync) and deletes the surplus in upstream's ranking order
 * (ActivePodsWithRanks). Upstream: pkg/controller/replicaset.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"

struct replicaset {
	struct cluster	*c;
	sim_timer	*sync;		/* per deployment: the pending sync */
};

static void sync_soon(struct replicaset *rs, uint32_t deploy);

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

/* Deletes k of the Deployment's pods not yet deleting, first in
 * delete_before's order: a heap of them, popped k times (O(pods + k log
 * pods); deleting a pod changes no other pod's rank, and the order is
 * total, so these are the victims a scan per victim finds). */
static void
delete_surplus(struct cluster *c, const struct cl_deploy *d, int32_t k)
{
	size_t n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		n += !c->pods[p].deleting;
	uint32_t *h = xmalloc((n ? n : 1) * sizeof *h);
	n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		if (!c->pods[p].deleting)
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

static void
on_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct replicaset *rs = ctx;
	struct cluster *c = rs->c;
	struct cl_deploy *d = &c->deploys[arg];
	rs->sync[arg] = 0;
	int32_t diff = d->replicas - (int32_t)d->npods;
	if (diff > 0) {
		/* burstReplicas: at most 500 creations per sync. */
		int32_t n = diff > 500 ? 500 : diff;
		for (int32_t i = 0; i < n; i++)
			pod_create(c, (uint32_t)arg);
		if (diff > n)
			sync_soon(rs, (uint32_t)arg);
	} else if (diff < 0) {
		delete_surplus(c, d, -diff);
	}
}

static void
sync_soon(struct replicaset *rs, uint32_t deploy)
{
	struct cluster *c = rs->c;
	if (rs->sync[deploy] != 0)
		return;
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
	rs->sync[deploy] = sim_after(c->sim, lat, PRIO_CONTROLLER, on_sync, rs, deploy);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct replicaset *rs = ctx;
	if (what == CL_POD_DELETING)
		sync_soon(rs, rs->c->pods[id].deploy);
	else
		sync_soon(rs, id);	/* CL_DEPLOY_SCALED */
}

static void *
replicaset_create(struct cluster *c)
{
	struct replicaset *rs = xcalloc(1, sizeof *rs);
	rs->c = c;
	cl_watch(c, CL_ON(CL_POD_DELETING) | CL_ON(CL_DEPLOY_SCALED), on_change, rs);
	return rs;
}

static void
replicaset_start(struct cluster *c)
{
	struct replicaset *rs = c->ctl[CTL_REPLICASET];
	rs->sync = xcalloc(c->ndeploys + 1, sizeof *rs->sync);
	for (size_t i = 0; i < c->ndeploys; i++)
		sync_soon(rs, (uint32_t)i);
}

static void
replicaset_destroy(struct cluster *c)
{
	struct replicaset *rs = c->ctl[CTL_REPLICASET];
	free(rs->sync);
	free(rs);
}

const struct cl_controller replicaset_controller = {
	.name = "replicaset", .create = replicaset_create, .start = replicaset_start,
	.destroy = replicaset_destroy,
};
