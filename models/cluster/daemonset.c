/*
 * daemonset.c - the DaemonSet controller in the simulated cluster: after the
 * watch latency it runs one syncDaemonSet (models/controller/daemonset.c:
 * node eligibility with the tolerations the controller adds, one pod per
 * eligible node, failed-pod back-off) and creates each node's pod pinned to
 * it by a required node affinity on metadata.name, as upstream does, so the
 * scheduler places it (and counts it against the node's capacity). Nodes
 * joining, changing, failing and leaving trigger a sync.
 * Upstream: pkg/controller/daemon.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/controller/daemonset.h"

/* The tolerations NewPod adds (pkg/controller/daemon/util), without limit. */
static const struct { const char *key; enum k8s_effect effect; } added[] = {
	{ "node.kubernetes.io/not-ready", K8S_NO_EXECUTE },
	{ "node.kubernetes.io/unreachable", K8S_NO_EXECUTE },
	{ "node.kubernetes.io/disk-pressure", K8S_NO_SCHEDULE },
	{ "node.kubernetes.io/memory-pressure", K8S_NO_SCHEDULE },
	{ "node.kubernetes.io/pid-pressure", K8S_NO_SCHEDULE },
	{ "node.kubernetes.io/unschedulable", K8S_NO_SCHEDULE },
};
#define NADDED (sizeof added / sizeof added[0])

struct ds_set {
	uint32_t		  deploy;
	sim_timer		  sync;
	struct k8s_pod_spec	  base;		/* template + added tolerations */
	struct k8s_pod_spec	**pinned;	/* per node id */
	struct ds_backoff	 *backoff;	/* per node id */
	size_t			  nnodes;
};

struct daemonset {
	struct cluster	*c;
	gsl_rng		*rng;
	struct ds_set	*sets;
	size_t		 nsets;
	uint32_t	*set_of;	/* per deployment, NONE: not a DaemonSet */
};

static void sync_soon(struct daemonset *ds, uint32_t set);

static void
set_grow(struct ds_set *set, size_t n)
{
	if (n <= set->nnodes)
		return;
	set->pinned = xreallocarray(set->pinned, n, sizeof *set->pinned);
	set->backoff = xreallocarray(set->backoff, n, sizeof *set->backoff);
	memset(set->pinned + set->nnodes, 0, (n - set->nnodes) * sizeof *set->pinned);
	memset(set->backoff + set->nnodes, 0, (n - set->nnodes) * sizeof *set->backoff);
	set->nnodes = n;
}

static enum ds_phase
phase_of(const struct cl_pod *pd)
{
	if (pd->failed)
		return DS_POD_FAILED;
	if (pd->lost)
		return DS_POD_UNKNOWN;
	return pd->phase == POD_RUNNING || pd->phase == POD_READY ? DS_POD_RUNNING :
	    DS_POD_PENDING;
}

static void
on_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct daemonset *ds = ctx;
	struct cluster *c = ds->c;
	struct ds_set *set = &ds->sets[arg];
	struct cl_deploy *d = &c->deploys[set->deploy];
	set->sync = 0;
	set_grow(set, c->nnodes);
	/* the nodes that exist, and their ids */
	struct ds_node *nodes = xcalloc(c->nnodes + 1, sizeof *nodes);
	uint32_t *node_id = xcalloc(c->nnodes + 1, sizeof *node_id);
	size_t nn = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		if (c->nodes[i].state == NODE_DELETED)
			continue;
		nodes[nn].spec = c->nodes[i].spec;
		nodes[nn].backoff = &set->backoff[i];
		node_id[nn++] = (uint32_t)i;
	}
	size_t np = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		np++;
	struct ds_pod *pods = xcalloc(np + 1, sizeof *pods);
	uint32_t *ids = xcalloc(np + 1, sizeof *ids);
	size_t k = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next, k++) {
		const struct cl_pod *pd = &c->pods[p];
		ids[k] = p;
		pods[k].name = pd->name;
		pods[k].node = pd->node != NONE ? c->nodes[pd->node].spec->name : NULL;
		pods[k].affinity_node = c->nodes[pd->slot].spec->name;
		pods[k].labels = &d->d->template.labels;
		pods[k].owner = DS_OWNED;
		pods[k].revision = "1";
		pods[k].phase = phase_of(pd);
		pods[k].ready = pd->ready_cond;
		pods[k].ready_since = pd->ready_changed;
		pods[k].created = pd->created;
		pods[k].terminating = pd->deleting;
	}
	struct ds_spec spec = {
		.selector = &d->d->selector, .template = &d->d->template,
		.min_ready_s = d->d->min_ready_s, .revision = "1",
	};
	struct ds_sync_in in = {
		.spec = &spec, .nodes = nodes, .nnodes = nn, .pods = pods, .npods = np,
		.now = sim_now(sim),
	};
	struct ds_sync_out out;
	ds_sync(&in, &out);
	for (size_t i = 0; i < out.ndel; i++)
		pod_delete(c, ids[out.del[i]], "DaemonSet: not wanted on the node");
	for (size_t i = 0; i < out.ncreate; i++) {
		uint32_t node = node_id[out.create[i]];
		if (set->pinned[node] == NULL)
			set->pinned[node] = pin_to_node(&set->base, c->nodes[node].spec->name);
		pod_create_as(c, set->deploy, NULL, set->pinned[node], node);
	}
	d->replicas = out.status.desired;
	deploy_rev_sync(c, set->deploy);
	if (out.requeue_after >= 0)
		set->sync = sim_after(sim, out.requeue_after, PRIO_CONTROLLER, on_sync, ds, arg);
	ds_sync_out_fini(&out);
	free(pods);
	free(ids);
	free(nodes);
	free(node_id);
}

static void
sync_soon(struct daemonset *ds, uint32_t set)
{
	struct cluster *c = ds->c;
	if (ds->sets[set].sync != 0)
		return;
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, ds->rng);
	ds->sets[set].sync = sim_after(c->sim, lat, PRIO_CONTROLLER, on_sync, ds, set);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct daemonset *ds = ctx;
	struct cluster *c = ds->c;
	if (ds->set_of == NULL)
		return;
	if (what == CL_NODE_ADDED || what == CL_NODE_UPDATED || what == CL_NODE_REMOVED) {
		for (size_t k = 0; k < ds->nsets; k++)
			sync_soon(ds, (uint32_t)k);
		return;
	}
	uint32_t set = ds->set_of[c->pods[id].deploy];
	if (set != NONE)
		sync_soon(ds, set);
}

static void *
daemonset_create(struct cluster *c)
{
	struct daemonset *ds = xcalloc(1, sizeof *ds);
	ds->c = c;
	ds->rng = sim_rng_new(c->seed, "daemonset");
	cl_watch(c, CL_ON(CL_POD_STARTED) | CL_ON(CL_POD_READY) | CL_ON(CL_POD_DELETING) |
	    CL_ON(CL_POD_REMOVED) | CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_UPDATED) |
	    CL_ON(CL_NODE_REMOVED), on_change, ds);
	return ds;
}

/* The template the controller's pods get: the workload's (with the
 * priority resolved) with the added tolerations instead of the 300 s
 * not-ready/unreachable ones the admission plugin would add. */
static void
base_template(struct cluster *c, struct ds_set *set)
{
	const struct cl_deploy *d = &c->deploys[set->deploy];
	const struct k8s_pod_spec *t = &d->d->template;
	set->base = d->spec;
	struct k8s_toleration *tol = xcalloc(t->ntolerations + NADDED, sizeof *tol);
	size_t n = t->ntolerations;
	if (n > 0)
		memcpy(tol, t->tolerations, n * sizeof *tol);
	for (size_t i = 0; i < NADDED; i++) {
		tol[n].key = (char *)added[i].key;
		tol[n].op = K8S_TOL_EXISTS;
		tol[n].effect = added[i].effect;
		n++;
	}
	set->base.tolerations = tol;
	set->base.ntolerations = n;
}

static void
daemonset_start(struct cluster *c)
{
	struct daemonset *ds = c->ctl[CTL_DAEMONSET];
	ds->set_of = xcalloc(c->ndeploys + 1, sizeof *ds->set_of);
	for (size_t i = 0; i < c->ndeploys; i++) {
		ds->set_of[i] = NONE;
		if (c->deploys[i].d->kind != K8S_KIND_DAEMONSET)
			continue;
		ds->sets = xreallocarray(ds->sets, ds->nsets + 1, sizeof *ds->sets);
		struct ds_set *set = &ds->sets[ds->nsets];
		memset(set, 0, sizeof *set);
		set->deploy = (uint32_t)i;
		base_template(c, set);
		c->deploys[i].replicas = 0;
		deploy_rev_sync(c, (uint32_t)i);
		ds->set_of[i] = (uint32_t)ds->nsets++;
	}
	for (size_t k = 0; k < ds->nsets; k++)
		sync_soon(ds, (uint32_t)k);
}

static void
daemonset_destroy(struct cluster *c)
{
	struct daemonset *ds = c->ctl[CTL_DAEMONSET];
	for (size_t k = 0; k < ds->nsets; k++) {
		for (size_t i = 0; i < ds->sets[k].nnodes; i++)
			pin_free(ds->sets[k].pinned[i]);
		free(ds->sets[k].pinned);
		free(ds->sets[k].backoff);
		free(ds->sets[k].base.tolerations);
	}
	free(ds->sets);
	free(ds->set_of);
	gsl_rng_free(ds->rng);
	free(ds);
}

void
daemonset_sync_now(struct cluster *c)
{
	struct daemonset *ds = c->ctl[CTL_DAEMONSET];
	for (size_t k = 0; k < ds->nsets; k++) {
		sim_cancel(c->sim, ds->sets[k].sync);
		ds->sets[k].sync = 0;
		on_sync(c->sim, ds, k);
	}
}

void
daemonset_pods_for_node(struct cluster *c, const struct k8s_node_spec *node,
    void (*fn)(void *ctx, const struct k8s_pod_spec *pod), void *ctx)
{
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_deployment *w = c->deploys[i].d;
		if (w->kind != K8S_KIND_DAEMONSET)
			continue;
		struct ds_spec spec = { .selector = &w->selector, .template = &w->template };
		bool run = false, cont = false;
		ds_node_should_run(&spec, node, &run, &cont);
		if (run)
			fn(ctx, &c->deploys[i].spec);
	}
}

const struct cl_controller daemonset_controller = {
	.name = "daemonset", .create = daemonset_create, .start = daemonset_start,
	.destroy = daemonset_destroy,
};
