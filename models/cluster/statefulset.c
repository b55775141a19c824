/*
 * statefulset.c - the StatefulSet controller in the simulated cluster: after
 * the watch latency it runs one UpdateStatefulSet pass (models/controller/
 * statefulset.c: OrderedReady or Parallel) over the set's pods and issues
 * its creations and deletions. Pods are named <set>-<ordinal>; a pod that
 * goes is replaced under the same name once the old one is gone. With
 * volumeClaimTemplates, the pod's volume is provisioned in the zone of the
 * node it first binds to, and its later incarnations stay in that zone.
 * Upstream: pkg/controller/statefulset.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/controller/statefulset.h"

struct sts_set {
	uint32_t		  deploy;
	sim_timer		  sync;
	struct sts_status	  status;
	/* per ordinal: the zone its volume lives in, and the pinned template */
	char			**zone;
	struct k8s_pod_spec	**pinned;
	size_t			  nord;
};

struct statefulset {
	struct cluster	*c;
	gsl_rng		*rng;
	struct sts_set	*sets;
	size_t		 nsets;
	uint32_t	*set_of;	/* per deployment: index into sets, or NONE */
};

static void sync_soon(struct statefulset *st, uint32_t set);

static enum sts_phase
phase_of(const struct cl_pod *pd)
{
	if (pd->failed)
		return STS_POD_FAILED;
	if (pd->succeeded)
		return STS_POD_SUCCEEDED;
	if (pd->lost)
		return STS_POD_UNKNOWN;
	return pd->phase == POD_RUNNING || pd->phase == POD_READY ? STS_POD_RUNNING :
	    STS_POD_PENDING;
}

static void
set_grow(struct sts_set *set, size_t n)
{
	if (n <= set->nord)
		return;
	set->zone = xreallocarray(set->zone, n, sizeof *set->zone);
	set->pinned = xreallocarray(set->pinned, n, sizeof *set->pinned);
	memset(set->zone + set->nord, 0, (n - set->nord) * sizeof *set->zone);
	memset(set->pinned + set->nord, 0, (n - set->nord) * sizeof *set->pinned);
	set->nord = n;
}

static void
on_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct statefulset *st = ctx;
	struct cluster *c = st->c;
	struct sts_set *set = &st->sets[arg];
	struct cl_deploy *d = &c->deploys[set->deploy];
	set->sync = 0;
	size_t n = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		n++;
	struct sts_pod *pods = xcalloc(n + 1, sizeof *pods);
	uint32_t *ids = xcalloc(n + 1, sizeof *ids);
	size_t i = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next, i++) {
		const struct cl_pod *pd = &c->pods[p];
		ids[i] = p;
		pods[i].ordinal = (int32_t)pd->slot;
		pods[i].revision = "1";
		pods[i].phase = phase_of(pd);
		pods[i].ready = pd->ready_cond;
		pods[i].ready_since = pd->ready_changed;
		pods[i].terminating = pd->deleting;
	}
	struct sts_spec spec = {
		.replicas = d->replicas,
		.policy = d->d->parallel ? STS_PARALLEL : STS_ORDERED_READY,
		.strategy = STS_ROLLING_UPDATE,
		.min_ready_s = d->d->min_ready_s,
	};
	struct sts_sync_in in = {
		.spec = &spec, .status = &set->status, .pods = pods, .npods = n,
		.current_revision = "1", .update_revision = "1", .now = sim_now(sim),
	};
	struct sts_sync_out out;
	sts_sync(&in, &out);
	set->status = out.status;
	set->status.current_revision = set->status.update_revision = NULL;
	for (size_t k = 0; k < out.n; k++) {
		const struct sts_action *a = &out.v[k];
		if (a->kind == STS_DELETE) {
			pod_delete(c, ids[a->pod], "StatefulSet scale-down");
			continue;
		}
		char *name = sts_pod_name(d->d->name, a->ordinal);
		set_grow(set, (size_t)a->ordinal + 1);
		pod_create_as(c, set->deploy, name, set->pinned[a->ordinal],
		    (uint32_t)a->ordinal);
		free(name);
	}
	sts_sync_out_fini(&out);
	free(pods);
	free(ids);
}

static void
sync_soon(struct statefulset *st, uint32_t set)
{
	struct cluster *c = st->c;
	if (st->sets[set].sync != 0)
		return;
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, st->rng);
	st->sets[set].sync = sim_after(c->sim, lat, PRIO_CONTROLLER, on_sync, st, set);
}

/* The volume of a pod with claims is provisioned where it first binds
 * (WaitForFirstConsumer): its ordinal stays in that zone from then on. */
static void
pin_zone(struct statefulset *st, struct sts_set *set, uint32_t p)
{
	struct cluster *c = st->c;
	const struct cl_pod *pd = &c->pods[p];
	if (c->deploys[set->deploy].d->nclaims == 0)
		return;
	set_grow(set, (size_t)pd->slot + 1);
	if (set->zone[pd->slot] != NULL)
		return;
	const char *z = k8s_labels_get(&c->nodes[pd->node].spec->labels,
	    "topology.kubernetes.io/zone");
	if (z == NULL)
		return;
	set->zone[pd->slot] = xstrdup(z);
	set->pinned[pd->slot] = pin_to_zone(&c->deploys[set->deploy].spec, z);
	cl_event(c, "VolumeProvisioned", pd->name, "zone %s", z);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct statefulset *st = ctx;
	struct cluster *c = st->c;
	if (st->set_of == NULL)
		return;
	uint32_t deploy = what == CL_DEPLOY_SCALED ? id : c->pods[id].deploy;
	uint32_t set = st->set_of[deploy];
	if (set == NONE)
		return;
	if (what == CL_POD_BOUND)
		pin_zone(st, &st->sets[set], id);
	else
		sync_soon(st, set);
}

static void *
statefulset_create(struct cluster *c)
{
	struct statefulset *st = xcalloc(1, sizeof *st);
	st->c = c;
	st->rng = sim_rng_new(c->seed, "statefulset");
	cl_watch(c, CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_STARTED) | CL_ON(CL_POD_READY) |
	    CL_ON(CL_POD_DELETING) | CL_ON(CL_POD_LOST) | CL_ON(CL_DEPLOY_SCALED),
	    on_change, st);
	cl_watch(c, CL_ON(CL_POD_REMOVED), on_change, st);
	return st;
}

static void
statefulset_start(struct cluster *c)
{
	struct statefulset *st = c->ctl[CTL_STATEFULSET];
	st->set_of = xcalloc(c->ndeploys + 1, sizeof *st->set_of);
	for (size_t i = 0; i < c->ndeploys; i++) {
		st->set_of[i] = NONE;
		if (c->deploys[i].d->kind != K8S_KIND_STATEFULSET)
			continue;
		st->sets = xreallocarray(st->sets, st->nsets + 1, sizeof *st->sets);
		memset(&st->sets[st->nsets], 0, sizeof *st->sets);
		st->sets[st->nsets].deploy = (uint32_t)i;
		st->set_of[i] = (uint32_t)st->nsets++;
	}
	for (size_t k = 0; k < st->nsets; k++)
		sync_soon(st, (uint32_t)k);
}

static void
statefulset_destroy(struct cluster *c)
{
	struct statefulset *st = c->ctl[CTL_STATEFULSET];
	for (size_t k = 0; k < st->nsets; k++) {
		for (size_t o = 0; o < st->sets[k].nord; o++) {
			free(st->sets[k].zone[o]);
			pin_free(st->sets[k].pinned[o]);
		}
		free(st->sets[k].zone);
		free(st->sets[k].pinned);
	}
	free(st->sets);
	free(st->set_of);
	gsl_rng_free(st->rng);
	free(st);
}

const struct cl_controller statefulset_controller = {
	.name = "statefulset", .create = statefulset_create, .start = statefulset_start,
	.destroy = statefulset_destroy,
};
