/*
 * chaos.c - the chaos controller: the scenario's scheduled faults beyond
 * node failures (machines.c). A zone's network partition (the control
 * plane loses the nodes' Leases while their pods keep running), an API
 * server outage (controllers put their writes off, cl_api_defer), spot
 * reclaims with their notice, pod kills, `kubectl drain` through the
 * eviction API respecting PodDisruptionBudgets, and a node-by-node upgrade.
 * Each fault's start and end are `faults` rows; evictions are events rows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/chaos.h"
#include "models/cluster/controllers.h"

/* kubectl drain retries an eviction the PodDisruptionBudget refused (429)
 * every 5 s (k8s.io/kubectl/pkg/drain, evictPods) and waits for the
 * evicted pods to be gone, polling every second (waitForDelete). */
#define DRAIN_RETRY	(5 * SIM_SEC)
#define DRAIN_POLL	(1 * SIM_SEC)
/* A kubelet renews its Lease every 10 s (leaseDuration 40 s x
 * renewIntervalFraction 0.25, pkg/kubelet/nodelease). */
#define LEASE_RENEW	(10 * SIM_SEC)

struct ch_row {			/* an open `faults` row */
	const char	*kind;
	char		*target;
	sim_ns		 start;
	char		*detail;
};

struct ch_node {
	bool		 partitioned;
	int32_t		 part_fault;	/* the partition it is in */
	sim_timer	 detect, evict;	/* the partition's NotReady and eviction */
	int32_t		 drain;		/* draining for fault i, -1 none */
	int32_t		 row;		/* its open row (spot, drain), -1 none */
	int32_t		 down_row;	/* a replayed NodeNotReady's row */
	sim_timer	 drain_tick;
	sim_ns		 next_try;	/* the next eviction attempt */
};

struct ch_upgrade {
	uint32_t	*todo;		/* the pool's nodes at the start, in id order */
	size_t		 ntodo, next;
	uint32_t	 old_node, new_node;
	uint32_t	 done;
};

struct chaos {
	struct cluster		*c;
	gsl_rng			*rng;		/* the "chaos" stream */
	struct cl_fault_params	*f;
	size_t			 nf, capf;
	struct ch_upgrade	*up;		/* per fault */
	int32_t			*frow;		/* per fault: its open row, -1 none */
	struct ch_node		*nodes;
	size_t			 capnodes;
	struct ch_row		*rows;
	size_t			 nrows, caprows;
	/* slowApi: the latencies without it, and the scaled samples of
	 * empirical ones (owned) */
	struct sim_dist		 orig[3];
	double			*scaled[3];
	bool			*active;	/* per fault: its window is on */
	struct ch_map {			/* replayed pods: real name -> simulated pod */
		const char	*real;
		uint64_t	 pod;	/* CL_POD_ARG */
	}			*map;
	size_t			 nmap, capmap;
};

static struct chaos *
chaos_of(struct cluster *c)
{
	return c->ctl[CTL_CHAOS];
}

/* ---- rows -------------------------------------------------------------------- */

static int32_t
row_open(struct chaos *ch, const char *kind, const char *target, const char *detail)
{
	KS_GROW(ch->rows, ch->caprows, ch->nrows + 1);
	struct ch_row *r = &ch->rows[ch->nrows];
	r->kind = kind;
	r->target = xstrdup(target ? target : "");
	r->detail = xstrdup(detail ? detail : "");
	r->start = sim_now(ch->c->sim);
	return (int32_t)ch->nrows++;
}

static void
row_emit(struct chaos *ch, struct ch_row *r, bool ended)
{
	struct probe_val v[5] = {
		PV_TEXT(r->kind), PV_TEXT(r->target), PV_REAL(sim_ns_to_s(r->start)),
		ended ? PV_REAL(sim_ns_to_s(sim_now(ch->c->sim))) : PV_NULL,
		PV_TEXT(r->detail),
	};
	probe_emit(&ch->c->probes, "faults", v, 5);
	free(r->target);
	free(r->detail);
	r->target = r->detail = NULL;
}

static void
row_close(struct chaos *ch, int32_t *row)
{
	if (*row < 0)
		return;
	row_emit(ch, &ch->rows[*row], true);
	*row = -1;
}

/* ---- the API server ------------------------------------------------------------ */

bool
cl_api_defer(struct cluster *c, sim_handler *fn, void *ctx, uint64_t arg, sim_timer *timer)
{
	if (!cl_api_down(c))
		return false;
	sim_timer t = sim_at(c->sim, c->api_back, PRIO_CONTROLLER, fn, ctx, arg);
	if (timer != NULL)
		*timer = t;
	return true;
}

static void
on_lease_renewed(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	for (size_t i = 0; i < c->nnodes; i++) {
		struct cl_node *n = &c->nodes[i];
		if (n->state == NODE_NOT_READY && n->up && !ch->nodes[i].partitioned) {
			node_set_state(c, (uint32_t)i, NODE_READY);
			cl_event(c, "NodeReady", n->spec->name, "lease renewed after the "
			    "API server outage");
		}
	}
}

/*
 * The API server is back. The node lifecycle controller's first monitor
 * pass finds every Lease unobserved for the whole outage: past
 * node-monitor-grace-period it marks every node NotReady (tainted
 * unreachable). With every zone fully disrupted it is in "master
 * disruption mode" and evicts nothing (handleDisruption,
 * pkg/controller/nodelifecycle); the kubelets, retrying all along, renew
 * within one renew interval and the next pass finds the nodes Ready.
 */
static void
on_api_back(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	sim_ns down = ch->f[arg].duration;
	cl_event(c, "APIServerUp", "kube-apiserver", "after %.0fs", sim_ns_to_s(down));
	row_close(ch, &ch->frow[arg]);
	if (down < c->t.node_monitor_grace)
		return;
	size_t marked = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		struct cl_node *n = &c->nodes[i];
		if (n->state != NODE_READY || !n->up)
			continue;
		node_set_state(c, (uint32_t)i, NODE_NOT_READY);
		marked++;
	}
	cl_event(c, "MasterDisruption", "kube-controller-manager", "%zu nodes NotReady "
	    "(leases unobserved for %.0fs); no evictions", marked, sim_ns_to_s(down));
	sim_after(sim, LEASE_RENEW, PRIO_NODE, on_lease_renewed, ch, 0);
}

static void
api_outage_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	sim_ns back = sim_now(c->sim) + ch->f[fi].duration;
	if (back > c->api_back)
		c->api_back = back;
	cl_event(c, "APIServerDown", "kube-apiserver", "for %.0fs",
	    sim_ns_to_s(ch->f[fi].duration));
	ch->frow[fi] = row_open(ch, "apiOutage", "kube-apiserver", NULL);
	sim_at(c->sim, back, PRIO_NODE, on_api_back, ch, fi);
}

/* ---- zone partition -------------------------------------------------------------- */

static bool
node_matches(const struct cluster *c, uint32_t id, const struct cl_fault_params *f)
{
	const struct cl_node *n = &c->nodes[id];
	if (n->state == NODE_DELETED || n->state == NODE_PROVISIONING)
		return false;
	if (f->pool != NULL && strcmp(c->pools[n->pool].p.name, f->pool) != 0)
		return false;
	if (f->node != NULL && strcmp(n->spec->name, f->node) != 0)
		return false;
	const char *zone = k8s_labels_get(&n->spec->labels, "topology.kubernetes.io/zone");
	return f->zone == NULL || (zone != NULL && strcmp(zone, f->zone) == 0);
}

/* The taint manager evicts the pods whose toleration of the unreachable
 * NoExecute taint ran out. The kubelet cannot hear it: the pods stay
 * Terminating until the partition heals, and the ReplicaSets replace them. */
static void
on_partition_evict(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	uint32_t id = (uint32_t)arg;
	ch->nodes[id].evict = 0;
	if (cl_api_defer(c, on_partition_evict, ch, arg, &ch->nodes[id].evict))
		return;
	struct cl_node *n = &c->nodes[id];
	if (!ch->nodes[id].partitioned || !n->up)
		return;
	uint32_t p = n->first_pod, evicted = 0;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		/* (a DaemonSet's pods tolerate unreachable without a limit) */
		if (!c->pods[p].deleting && !c->pods[p].daemon) {
			cl_event(c, "Evicted", c->pods[p].name, "TaintManagerEviction: node %s "
			    "unreachable", n->spec->name);
			pod_node_lost(c, p);
			pod_delete(c, p, "TaintManagerEviction");
			evicted++;
		}
		p = next;
	}
	cl_event(c, "NodeEviction", n->spec->name, "%u pods evicted", evicted);
}

/* node-monitor-grace-period after the last Lease renewal, at the node
 * lifecycle controller's next monitor tick, the node is NotReady and its
 * pods not ready (MarkPodsNotReady), as for a failed node (nodelifecycle.c). */
static void
on_partition_detect(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	uint32_t id = (uint32_t)arg;
	ch->nodes[id].detect = 0;
	if (cl_api_defer(c, on_partition_detect, ch, arg, &ch->nodes[id].detect))
		return;
	struct cl_node *n = &c->nodes[id];
	if (!ch->nodes[id].partitioned || !n->up || n->state != NODE_READY)
		return;
	node_set_state(c, id, NODE_NOT_READY);
	cl_event(c, "NodeNotReady", n->spec->name, "partitioned: no lease renewal; "
	    "tainted unreachable");
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
		pod_set_ready(c, p, false);
	ch->nodes[id].evict = sim_after(c->sim, c->t.eviction_toleration, PRIO_NODE,
	    on_partition_evict, ch, id);
}

static void
on_partition_heal(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	/* The kubelets reconnect through the API server. */
	if (cl_api_defer(c, on_partition_heal, ch, arg, NULL))
		return;
	for (size_t i = 0; i < c->nnodes; i++) {
		struct ch_node *cn = &ch->nodes[i];
		struct cl_node *n = &c->nodes[i];
		if (!cn->partitioned || cn->part_fault != (int32_t)arg ||
		    n->state == NODE_DELETED)
			continue;
		cn->partitioned = false;
		sim_cancel(sim, cn->detect);
		sim_cancel(sim, cn->evict);
		cn->detect = cn->evict = 0;
		if (!n->up)
			continue;	/* failed meanwhile: machines.c brings it back */
		bool evicted = false;
		for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
			evicted |= c->pods[p].lost;
		cl_event(c, "PartitionHealed", n->spec->name, "kubelet reconnected");
		if (evicted) {
			/* The kubelet learns of the deletions and kills those
			 * pods; the node is Ready again (kubelet.c,
			 * nodelifecycle.c on CL_NODE_UP). */
			node_set_up(c, (uint32_t)i);
		} else if (n->state == NODE_NOT_READY) {
			node_set_state(c, (uint32_t)i, NODE_READY);
			/* The kubelet's status manager restores the Ready
			 * condition MarkPodsNotReady cleared. */
			for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
				if (c->pods[p].phase == POD_RUNNING && !c->pods[p].deleting)
					pod_set_ready(c, p, true);
		}
	}
	row_close(ch, &ch->frow[arg]);
}

static void
partition_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	const struct cl_fault_params *f = &ch->f[fi];
	sim_ns now = sim_now(c->sim);
	sim_ns period = c->t.node_monitor_period > 0 ? c->t.node_monitor_period : SIM_SEC;
	sim_ns detect = now + c->t.node_monitor_grace;
	detect = ((detect + period - 1) / period) * period;
	size_t k = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		if (!node_matches(c, (uint32_t)i, f) || !c->nodes[i].up ||
		    ch->nodes[i].partitioned)
			continue;
		ch->nodes[i].partitioned = true;
		ch->nodes[i].part_fault = (int32_t)fi;
		ch->nodes[i].detect = sim_at(c->sim, detect, PRIO_NODE, on_partition_detect,
		    ch, i);
		k++;
	}
	char detail[64];
	snprintf(detail, sizeof detail, "%zu nodes", k);
	cl_event(c, "ZonePartitioned", f->zone, "%zu nodes cut off from the control "
	    "plane for %.0fs", k, sim_ns_to_s(f->duration));
	ch->frow[fi] = row_open(ch, "partitionZone", f->zone, detail);
	sim_at(c->sim, now + f->duration, PRIO_NODE, on_partition_heal, ch, fi);
}

/* ---- drains: kubectl drain through the eviction API --------------------------------- */

static void upgrade_drained(struct chaos *ch, size_t fi, uint32_t node);

/* Whether the eviction API lets the pod go: every PodDisruptionBudget that
 * selects it must allow a disruption (else 429 TooManyRequests). */
static bool
eviction_allowed(struct cluster *c, uint32_t p, const char **pdb_name)
{
	for (size_t i = 0; i < c->npdbs; i++) {
		if (!cl_pdb_matches(c->pdbs[i], c->pods[p].spec))
			continue;
		if (cl_pdb_allowed(c, c->pdbs[i]) <= 0) {
			*pdb_name = c->pdbs[i]->name;
			return false;
		}
	}
	return true;
}

static void
on_drain_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	uint32_t id = (uint32_t)arg;
	struct ch_node *cn = &ch->nodes[id];
	struct cl_node *n = &c->nodes[id];
	cn->drain_tick = 0;
	if (cn->drain < 0 || n->state == NODE_DELETED)
		return;
	if (cl_api_defer(c, on_drain_tick, ch, arg, &cn->drain_tick))
		return;
	sim_ns now = sim_now(sim);
	if (now >= cn->next_try) {
		uint32_t refused = 0;
		const char *pdb = NULL;
		uint32_t p = n->first_pod;
		while (p != NONE) {
			uint32_t next = c->pods[p].node_next;
			/* kubectl drain --ignore-daemonsets */
			if (!c->pods[p].deleting && !c->pods[p].daemon) {
				if (eviction_allowed(c, p, &pdb)) {
					cl_event(c, "Evicted", c->pods[p].name, "drain of node %s",
					    n->spec->name);
					pod_delete(c, p, "Evicted");
				} else {
					refused++;
				}
			}
			p = next;
		}
		if (refused > 0) {
			cl_event(c, "EvictionRefused", n->spec->name, "%u pods: would "
			    "violate PodDisruptionBudget %s; retrying in 5s", refused, pdb);
			cn->next_try = now + DRAIN_RETRY;
		}
	}
	uint32_t left = 0;	/* pods other than DaemonSet pods */
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
		left += !c->pods[p].daemon;
	if (left == 0) {
		size_t fi = (size_t)cn->drain;
		cl_event(c, "NodeDrained", n->spec->name, "%s", ch->f[fi].action);
		cn->drain = -1;
		if (ch->f[fi].kind != CL_FAULT_SPOT_RECLAIM)
			row_close(ch, &cn->row);
		if (ch->f[fi].kind == CL_FAULT_UPGRADE)
			upgrade_drained(ch, fi, id);
		return;
	}
	cn->drain_tick = sim_after(sim, DRAIN_POLL, PRIO_CONTROLLER, on_drain_tick, ch, id);
}

/* Cordons the node (spec.unschedulable) and starts evicting its pods. */
static void
drain_begin(struct chaos *ch, uint32_t id, size_t fi)
{
	struct cluster *c = ch->c;
	struct ch_node *cn = &ch->nodes[id];
	struct cl_node *n = &c->nodes[id];
	n->spec->unschedulable = true;
	node_set_state(c, id, n->state);	/* tells the scheduler */
	cl_event(c, "NodeCordoned", n->spec->name, "%s", ch->f[fi].action);
	cn->drain = (int32_t)fi;
	cn->next_try = sim_now(c->sim);
	row_close(ch, &cn->row);
	cn->row = row_open(ch, ch->f[fi].action, n->spec->name, NULL);
	sim_cancel(c->sim, cn->drain_tick);
	cn->drain_tick = sim_after(c->sim, 0, PRIO_CONTROLLER, on_drain_tick, ch, id);
}

/* The nodes a fault picks: count of them (0: all) at random among those
 * that match, are up and Ready and are not being drained already. */
static size_t
pick_nodes(struct chaos *ch, const struct cl_fault_params *f, bool random, uint32_t **out)
{
	struct cluster *c = ch->c;
	uint32_t *v = xcalloc(c->nnodes + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < c->nnodes; i++)
		if (node_matches(c, (uint32_t)i, f) && c->nodes[i].up &&
		    c->nodes[i].state == NODE_READY && ch->nodes[i].drain < 0 &&
		    !c->nodes[i].spec->unschedulable)
			v[n++] = (uint32_t)i;
	size_t want = f->count > 0 && (size_t)f->count < n ? (size_t)f->count : n;
	for (size_t i = 0; random && i < want; i++) {
		size_t j = i + gsl_rng_uniform_int(ch->rng, n - i);
		uint32_t t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	*out = v;
	return want;
}

static void
drain_start(struct chaos *ch, size_t fi)
{
	uint32_t *v;
	size_t n = pick_nodes(ch, &ch->f[fi], false, &v);
	for (size_t i = 0; i < n; i++)
		drain_begin(ch, v[i], fi);
	free(v);
}

/* ---- spot reclaims ------------------------------------------------------------------- */

static void
on_spot_terminated(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	uint32_t id = (uint32_t)arg;
	struct ch_node *cn = &ch->nodes[id];
	if (c->nodes[id].state == NODE_DELETED)
		return;
	row_close(ch, &cn->row);
	cn->drain = -1;
	sim_cancel(sim, cn->drain_tick);
	cn->drain_tick = 0;
	node_delete(c, id, "SpotReclaimed");
}

/* The cloud's interruption notice: the node is cordoned and drained (as
 * the AWS Node Termination Handler or GKE do) and gone when it runs out. */
static void
spot_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	uint32_t *v;
	size_t n = pick_nodes(ch, &ch->f[fi], true, &v);
	for (size_t i = 0; i < n; i++) {
		cl_event(c, "SpotInterruptionNotice", c->nodes[v[i]].spec->name,
		    "reclaimed in %.0fs", sim_ns_to_s(ch->f[fi].notice));
		drain_begin(ch, v[i], fi);
		sim_after(c->sim, ch->f[fi].notice, PRIO_NODE, on_spot_terminated, ch, v[i]);
	}
	free(v);
}

/* ---- pod kills --------------------------------------------------------------------- */

static void
kill_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	const struct cl_fault_params *f = &ch->f[fi];
	uint32_t *v = xcalloc(c->npods + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < c->npods; i++) {
		const struct cl_pod *pd = &c->pods[i];
		if (pd->phase == POD_FREE || pd->deleting || pd->node == NONE)
			continue;
		if (k8s_selector_matches(f->selector, &pd->spec->labels))
			v[n++] = (uint32_t)i;
	}
	size_t want = f->count > 0 && (size_t)f->count < n ? (size_t)f->count : n;
	for (size_t i = 0; i < want; i++) {
		size_t j = i + gsl_rng_uniform_int(ch->rng, n - i);
		uint32_t t = v[i];
		v[i] = v[j];
		v[j] = t;
		cl_event(c, "Killing", c->pods[v[i]].name, "killPods");
		int32_t row = row_open(ch, "killPods", c->pods[v[i]].name, NULL);
		row_close(ch, &row);
		pod_delete(c, v[i], "Killing");
	}
	if (want == 0)
		cl_event(c, "KillPods", "", "no running pod matches the selector");
	free(v);
}

/* ---- upgrades ------------------------------------------------------------------------ */

/* A surge upgrade as GKE's default (maxSurge 1, maxUnavailable 0): a new
 * node of the pool first; once it is Ready the old one is drained and
 * deleted; then the next. */
static void on_upgrade_tick(struct sim *sim, void *ctx, uint64_t arg);

static void
upgrade_next(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	struct ch_upgrade *u = &ch->up[fi];
	while (u->next < u->ntodo && c->nodes[u->todo[u->next]].state == NODE_DELETED)
		u->next++;
	if (u->next == u->ntodo) {
		cl_event(c, "UpgradeDone", ch->f[fi].pool, "%u nodes replaced", u->done);
		row_close(ch, &ch->frow[fi]);
		return;
	}
	u->old_node = u->todo[u->next++];
	u->new_node = node_create(c, c->nodes[u->old_node].pool, false);
	cl_event(c, "UpgradeNode", c->nodes[u->old_node].spec->name, "surge node %s",
	    c->nodes[u->new_node].spec->name);
	sim_after(c->sim, DRAIN_POLL, PRIO_CONTROLLER, on_upgrade_tick, ch, fi);
}

static void
on_upgrade_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	struct ch_upgrade *u = &ch->up[arg];
	if (c->nodes[u->old_node].state == NODE_DELETED) {
		upgrade_next(ch, arg);
		return;
	}
	if (c->nodes[u->new_node].state != NODE_READY) {
		sim_after(sim, DRAIN_POLL, PRIO_CONTROLLER, on_upgrade_tick, ch, arg);
		return;
	}
	drain_begin(ch, u->old_node, arg);
}

static void
upgrade_drained(struct chaos *ch, size_t fi, uint32_t node)
{
	struct ch_upgrade *u = &ch->up[fi];
	if (node != u->old_node)
		return;
	node_delete(ch->c, node, "Upgraded");
	u->done++;
	upgrade_next(ch, fi);
}

static void
upgrade_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	struct ch_upgrade *u = &ch->up[fi];
	u->todo = xcalloc(c->nnodes + 1, sizeof *u->todo);
	for (size_t i = 0; i < c->nnodes; i++)
		if (node_matches(c, (uint32_t)i, &ch->f[fi]))
			u->todo[u->ntodo++] = (uint32_t)i;
	ch->frow[fi] = row_open(ch, "upgradeNodes", ch->f[fi].pool, NULL);
	upgrade_next(ch, fi);
}

/* ---- windows: slow API, failing and slow image pulls ------------------------------ */

/* d with every sample multiplied by k (the parameters that scale). */
static struct sim_dist
dist_scaled(const struct sim_dist *d, double k, double **own)
{
	struct sim_dist r = *d;
	free(*own);
	*own = NULL;
	switch (r.kind) {
	case SIM_DIST_CONST: case SIM_DIST_EXPONENTIAL: case SIM_DIST_LOGNORMAL:
		r.a *= k;
		break;
	case SIM_DIST_UNIFORM: case SIM_DIST_NORMAL:
		r.a *= k;
		r.b *= k;
		break;
	case SIM_DIST_GAMMA: case SIM_DIST_WEIBULL: case SIM_DIST_PARETO:
		r.b *= k;	/* the scale */
		break;
	case SIM_DIST_EMPIRICAL:
		*own = xcalloc(r.nsamples + 1, sizeof **own);
		for (size_t i = 0; i < r.nsamples; i++)
			(*own)[i] = d->samples[i] * k;
		r.samples = *own;
		r.a *= k;	/* its mean */
		break;
	}
	r.min *= k;
	r.max *= k;
	return r;
}

/* The API server and etcd answer factor times slower: API writes, watch
 * deliveries and endpoint propagation (overlapping windows multiply). */
static void
api_latency_sync(struct chaos *ch)
{
	struct cluster *c = ch->c;
	double k = 1;
	for (size_t i = 0; i < ch->nf; i++)
		if (ch->active[i] && ch->f[i].kind == CL_FAULT_SLOW_API)
			k *= ch->f[i].factor;
	c->t.api_latency = dist_scaled(&ch->orig[0], k, &ch->scaled[0]);
	c->t.watch_latency = dist_scaled(&ch->orig[1], k, &ch->scaled[1]);
	c->t.endpoints_latency = dist_scaled(&ch->orig[2], k, &ch->scaled[2]);
}

static void
on_window_end(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	ch->active[arg] = false;
	if (ch->f[arg].kind == CL_FAULT_SLOW_API)
		api_latency_sync(ch);
	cl_event(ch->c, "FaultEnded", ch->f[arg].image ? ch->f[arg].image : "",
	    "%s", ch->f[arg].action);
	row_close(ch, &ch->frow[arg]);
}

static void
window_start(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	const struct cl_fault_params *f = &ch->f[fi];
	ch->active[fi] = true;
	if (f->kind == CL_FAULT_SLOW_API)
		api_latency_sync(ch);
	const char *target = f->kind == CL_FAULT_SLOW_API ? "kube-apiserver" :
	    f->image ? f->image : "*";
	char detail[64] = "";
	if (f->kind != CL_FAULT_FAIL_PULLS)
		snprintf(detail, sizeof detail, "x%g", f->factor);
	cl_event(c, "FaultStarted", target, "%s%s%s for %.0fs", f->action,
	    detail[0] ? " " : "", detail, sim_ns_to_s(f->duration));
	ch->frow[fi] = row_open(ch, f->action, target, detail);
	sim_after(c->sim, f->duration, PRIO_NODE, on_window_end, ch, fi);
}

static bool
image_matches(const char *want, const char *img)
{
	if (want == NULL)
		return true;
	size_t n = strlen(want);
	return strncmp(want, img, n) == 0 &&
	    (img[n] == '\0' || img[n] == ':' || img[n] == '@');
}

/* The kubelet's image pull back-off: 10 s doubling to 300 s
 * (backOffPeriod, MaxContainerBackOff in pkg/kubelet). */
#define PULL_BACKOFF_INITIAL	(10 * SIM_SEC)
#define PULL_BACKOFF_MAX	(300 * SIM_SEC)

/* Whether fault f, a window of kind k, covers time t for image. */
static bool
window_covers(const struct cl_fault_params *f, enum cl_fault_kind k, const char *image,
    sim_ns t)
{
	return f->kind == k && f->at <= t && t < f->at + f->duration &&
	    image_matches(f->image, image);
}

sim_ns
cl_image_pull(struct cluster *c, uint32_t p, const char *image, sim_ns d)
{
	struct chaos *ch = chaos_of(c);
	sim_ns now = sim_now(c->sim), t = now, back = PULL_BACKOFF_INITIAL;
	uint32_t failures = 0;
	for (;;) {
		bool fails = false;
		for (size_t i = 0; i < ch->nf && !fails; i++)
			fails = window_covers(&ch->f[i], CL_FAULT_FAIL_PULLS, image, t);
		if (!fails)
			break;
		/* ErrImagePull; the next attempt after the back-off */
		failures++;
		t += back;
		back = back * 2 > PULL_BACKOFF_MAX ? PULL_BACKOFF_MAX : back * 2;
	}
	double k = 1;
	for (size_t i = 0; i < ch->nf; i++)
		if (window_covers(&ch->f[i], CL_FAULT_SLOW_PULLS, image, t))
			k *= ch->f[i].factor;
	sim_ns pull = (sim_ns)((double)d * k);
	if (failures > 0)
		cl_event(c, "ImagePullBackOff", c->pods[p].name, "%s: %u failed pulls "
		    "(ErrImagePull), the next one at %.0fs succeeds", image, failures,
		    sim_ns_to_s(t));
	else if (k != 1)
		cl_event(c, "SlowImagePull", c->pods[p].name, "%s: x%g", image, k);
	return (t - now) + pull;
}

/* ---- replayed events ----------------------------------------------------------------- */

static uint32_t
node_named(const struct cluster *c, const char *name)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].state != NODE_DELETED && strcmp(c->nodes[i].spec->name, name) == 0)
			return (uint32_t)i;
	return NONE;
}

static void
replay_node(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	const struct cl_fault_params *f = &ch->f[fi];
	uint32_t id = node_named(c, f->node);
	if (id == NONE) {
		cl_event(c, "ReplayUnmapped", f->node, "no such node now: %s", f->reason);
		return;
	}
	struct cl_node *n = &c->nodes[id];
	if (f->kind == CL_FAULT_NODE_DOWN && n->up) {
		cl_event(c, "NodeFailed", n->spec->name, "replayed %s", f->reason);
		ch->nodes[id].down_row = row_open(ch, "replay", n->spec->name, f->reason);
		node_set_down(c, id);
	} else if (f->kind == CL_FAULT_NODE_UP && !n->up) {
		cl_event(c, "NodeRecovered", n->spec->name, "replayed %s", f->reason);
		row_close(ch, &ch->nodes[id].down_row);
		node_set_up(c, id);
	}
}

/* The simulated pod a real one maps to: the one it mapped to before while
 * that runs, else the first running pod of its Deployment (or node) that
 * no other real pod maps to. */
static uint32_t
replay_pod_of(struct chaos *ch, const struct cl_fault_params *f)
{
	struct cluster *c = ch->c;
	size_t slot = ch->nmap;
	for (size_t i = 0; i < ch->nmap; i++) {
		if (strcmp(ch->map[i].real, f->object) != 0)
			continue;
		uint32_t p = cl_pod_of(c, ch->map[i].pod);
		if (p != NONE && !c->pods[p].deleting)
			return p;
		slot = i;
	}
	uint32_t first;
	bool by_node = strncmp(f->object, "node:", 5) == 0;
	if (by_node) {
		uint32_t id = node_named(c, f->node);
		if (id == NONE)
			return NONE;
		first = c->nodes[id].first_pod;
	} else {
		uint32_t d = deploy_named(c, f->ns, f->deployment);
		if (d == NONE)
			return NONE;
		first = c->deploys[d].first_pod;
	}
	for (uint32_t p = first; p != NONE;
	    p = by_node ? c->pods[p].node_next : c->pods[p].dep_next) {
		if (c->pods[p].deleting || c->pods[p].node == NONE)
			continue;
		bool taken = false;
		for (size_t i = 0; i < ch->nmap && !taken; i++)
			taken = cl_pod_of(c, ch->map[i].pod) == p;
		if (taken)
			continue;
		if (slot == ch->nmap) {
			KS_GROW(ch->map, ch->capmap, ch->nmap + 1);
			ch->nmap++;
		}
		ch->map[slot].real = f->object;
		ch->map[slot].pod = CL_POD_ARG(c, p);
		return p;
	}
	return NONE;
}

static void
on_replay_ready(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	uint32_t p = cl_pod_of(c, arg);
	if (p != NONE && !c->pods[p].deleting && !c->pods[p].lost &&
	    c->pods[p].phase == POD_RUNNING)
		pod_set_ready(c, p, true);
}

static void
replay_pod(struct chaos *ch, size_t fi)
{
	struct cluster *c = ch->c;
	const struct cl_fault_params *f = &ch->f[fi];
	char reason[64];
	size_t len = strcspn(f->reason, ":");
	snprintf(reason, sizeof reason, "%.*s", (int)(len < 63 ? len : 63), f->reason);
	if (f->kind == CL_FAULT_NOTE) {
		cl_event(c, reason, f->object, "replayed: %s", f->reason);
		int32_t row = row_open(ch, "replay", f->object, f->reason);
		row_close(ch, &row);
		return;
	}
	uint32_t p = replay_pod_of(ch, f);
	if (p == NONE) {
		cl_event(c, "ReplayUnmapped", f->object, "no running pod to map it to: %s",
		    f->reason);
		return;
	}
	cl_event(c, reason, c->pods[p].name, "replayed %s: %s", f->object, f->reason);
	if (f->kind == CL_FAULT_POD_UNREADY) {
		sim_ns now = sim_now(c->sim);
		struct probe_val v[5] = {
			PV_TEXT("replay"), PV_TEXT(c->pods[p].name), PV_REAL(sim_ns_to_s(now)),
			PV_REAL(sim_ns_to_s(now + f->duration)), PV_TEXT(f->reason),
		};
		probe_emit(&c->probes, "faults", v, 5);
		pod_set_ready(c, p, false);
		sim_after(c->sim, f->duration, PRIO_POD, on_replay_ready, ch, CL_POD_ARG(c, p));
		return;
	}
	int32_t row = row_open(ch, "replay", c->pods[p].name, f->reason);
	row_close(ch, &row);
	pod_delete(c, p, reason);
}

/* ---- the timeline ---------------------------------------------------------------------- */

static void
fault_run(struct chaos *ch, size_t fi)
{
	switch (ch->f[fi].kind) {
	case CL_FAULT_PARTITION:	partition_start(ch, fi); break;
	case CL_FAULT_API_OUTAGE:	api_outage_start(ch, fi); break;
	case CL_FAULT_SPOT_RECLAIM:	spot_start(ch, fi); break;
	case CL_FAULT_KILL_PODS:	kill_start(ch, fi); break;
	case CL_FAULT_DRAIN:		drain_start(ch, fi); break;
	case CL_FAULT_UPGRADE:		upgrade_start(ch, fi); break;
	case CL_FAULT_SLOW_API:
	case CL_FAULT_FAIL_PULLS:
	case CL_FAULT_SLOW_PULLS:	window_start(ch, fi); break;
	case CL_FAULT_NODE_DOWN:
	case CL_FAULT_NODE_UP:		replay_node(ch, fi); break;
	case CL_FAULT_POD_KILL:
	case CL_FAULT_POD_UNREADY:
	case CL_FAULT_NOTE:		replay_pod(ch, fi); break;
	}
}

static void on_fault(struct sim *sim, void *ctx, uint64_t arg);

/* A random fault's next time: a gap drawn from its distribution, within
 * its window. */
static void
fault_arm(struct chaos *ch, size_t fi, sim_ns from)
{
	const struct cl_fault_params *f = &ch->f[fi];
	sim_ns gap = sim_dist_sample_ns(&f->every, ch->rng);
	if (gap <= 0)
		gap = SIM_SEC;
	sim_ns at = from + gap;
	if (f->duration > 0 && at > f->at + f->duration)
		return;
	sim_at(ch->c->sim, at, PRIO_NODE, on_fault, ch, fi);
}

static void
on_fault(struct sim *sim, void *ctx, uint64_t arg)
{
	struct chaos *ch = ctx;
	const struct cl_fault_params *f = &ch->f[arg];
	/* Kills and evictions go through the API server. */
	if ((f->kind == CL_FAULT_KILL_PODS || f->kind == CL_FAULT_DRAIN ||
	    f->kind == CL_FAULT_UPGRADE) && cl_api_defer(ch->c, on_fault, ch, arg, NULL))
		return;
	fault_run(ch, arg);
	if (f->random)
		fault_arm(ch, arg, sim_now(sim));
}

int
cl_add_fault(struct cluster *c, const struct cl_fault_params *f, char **cause)
{
	struct chaos *ch = chaos_of(c);
	if (f->pool != NULL) {
		bool found = false;
		for (size_t i = 0; i < c->npools; i++)
			found |= strcmp(c->pools[i].p.name, f->pool) == 0;
		if (!found) {
			*cause = xasprintf("%s at %.0fs: no node pool %s", f->action,
			    sim_ns_to_s(f->at), f->pool);
			return -1;
		}
	}
	KS_GROW(ch->f, ch->capf, ch->nf + 1);
	ch->f[ch->nf] = *f;
	return (int)ch->nf++;
}

/* ---- the controller ------------------------------------------------------------------- */

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct chaos *ch = ctx;
	struct cluster *c = ch->c;
	if (what == CL_NODE_ADDED) {
		KS_GROW(ch->nodes, ch->capnodes, c->nnodes);
		memset(&ch->nodes[id], 0, sizeof ch->nodes[id]);
		ch->nodes[id].drain = ch->nodes[id].row = ch->nodes[id].down_row = -1;
		return;
	}
	/* CL_NODE_REMOVED */
	struct ch_node *cn = &ch->nodes[id];
	sim_cancel(c->sim, cn->detect);
	sim_cancel(c->sim, cn->evict);
	sim_cancel(c->sim, cn->drain_tick);
	cn->detect = cn->evict = cn->drain_tick = 0;
	cn->partitioned = false;
	cn->drain = -1;
	row_close(ch, &cn->row);
	row_close(ch, &cn->down_row);
}

static void *
chaos_create(struct cluster *c)
{
	struct chaos *ch = xcalloc(1, sizeof *ch);
	ch->c = c;
	ch->rng = sim_rng_new(c->seed, "chaos");
	ch->orig[0] = c->t.api_latency;
	ch->orig[1] = c->t.watch_latency;
	ch->orig[2] = c->t.endpoints_latency;
	cl_watch(c, CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_REMOVED), on_change, ch);
	return ch;
}

static void
chaos_start(struct cluster *c)
{
	struct chaos *ch = chaos_of(c);
	ch->up = xcalloc(ch->nf + 1, sizeof *ch->up);
	ch->frow = xcalloc(ch->nf + 1, sizeof *ch->frow);
	ch->active = xcalloc(ch->nf + 1, sizeof *ch->active);
	for (size_t i = 0; i < ch->nf; i++) {
		ch->frow[i] = -1;
		if (ch->f[i].random)
			fault_arm(ch, i, ch->f[i].at);
		else
			sim_at(c->sim, ch->f[i].at, PRIO_NODE, on_fault, ch, i);
	}
}

/* Faults still going at the end: rows without an end. */
static void
chaos_finish(struct cluster *c)
{
	struct chaos *ch = chaos_of(c);
	for (size_t i = 0; i < ch->nrows; i++)
		if (ch->rows[i].target != NULL)
			row_emit(ch, &ch->rows[i], false);
}

static void
chaos_destroy(struct cluster *c)
{
	struct chaos *ch = chaos_of(c);
	for (size_t i = 0; i < ch->nrows; i++) {
		free(ch->rows[i].target);
		free(ch->rows[i].detail);
	}
	for (size_t i = 0; ch->up != NULL && i < ch->nf; i++)
		free(ch->up[i].todo);
	free(ch->up);
	free(ch->frow);
	free(ch->rows);
	free(ch->map);
	free(ch->active);
	for (int i = 0; i < 3; i++)
		free(ch->scaled[i]);
	free(ch->nodes);
	free(ch->f);
	gsl_rng_free(ch->rng);
	free(ch);
}

const struct cl_controller chaos_controller = {
	.name = "chaos", .create = chaos_create, .start = chaos_start,
	.finish = chaos_finish, .destroy = chaos_destroy,
};
