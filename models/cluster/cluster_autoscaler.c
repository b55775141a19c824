/*
 * cluster_autoscaler.c - the Cluster Autoscaler in virtual time. Every scan
 * interval it removes nodes that failed to come up within
 * max-node-provision-time (backing their group off), scales up for pods the
 * scheduler could not place (tested against each pool's template node with
 * the scheduler's own filters, binpacked and chosen by the expanders of
 * models/autoscaler/), and otherwise scales down: nodes at or below the
 * utilization threshold whose pods fit elsewhere and whose eviction respects
 * every PodDisruptionBudget are tainted, drained and deleted once unneeded
 * long enough. Removal simulations follow the planner: empty nodes first,
 * then the previous loop's unneeded nodes, and no more once enough unneeded
 * nodes were found (ca_unneeded_nodes_limit). Every decision is a
 * ca_decisions record. A loop costs what changed since the last: counts
 * and node sets are kept up to date from the store's watch, a scale-down
 * pass looks at the nodes that changed and the candidates (cas_scale_down),
 * and a removal whose pods can only land on the next destinations is
 * simulated at once (cas_place_all_at_once); the reference mode
 * (cl_ca_set_reference) runs the algorithm as written, for tests to compare.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "models/cluster/ca_usage.h"
#include "models/cluster/controllers.h"
#include "models/scheduler/sched.h"
#include "sim/util/bitset.h"

#define CAS_TAINT		"ToBeDeletedByClusterAutoscaler"
#define CAS_DRAIN_POLL		(5 * SIM_SEC)
/* utils/backoff: exponential node-group backoff after a failed scale-up. */
#define CAS_BACKOFF_INITIAL	(5 * SIM_MIN)
#define CAS_BACKOFF_MAX		(30 * SIM_MIN)
#define CAS_BACKOFF_RESET	(3 * SIM_HOUR)
/* The last recorded scale-down state of a node (ca_decisions rows are
 * written on changes only): a ca_reason, or one of these. */
#define CAS_CODE_NONE		(-1)
#define CAS_CODE_UNNEEDED	(-2)

struct cas_node {
	sim_ns	removing_since;	/* tainted for deletion; SIM_NEVER: not */
	bool	drain;		/* had pods to evict */
	bool	removable;	/* this scan: found removable, no destination */
	int	last_code;
	/* A light simulation's placements on the node (see cas_place): pods
	 * and the requests they add to the scheduler's sums. */
	bool	ov_on;
	int32_t	ov_pods;
	int64_t	ov_cpu, ov_mem, ov_eph;
	/* What the node adds to the counts kept between loops (cas_account):
	 * its group's target size, deletions and upcoming nodes, the totals
	 * of the nodes of a pass. */
	int32_t	acc_group;	/* -1: none */
	bool	acc_deleting, acc_upcoming, acc_present;
	int64_t	acc_cores, acc_mem;
	/* Its scale-down inputs at its last evaluation (cas_evaluate) and
	 * this pass's removal simulation. */
	struct cas_use use;
	bool	sim_fit, sim_pdb;
};

struct cas_group {
	uint32_t	pool;
	sim_ns		backoff_for;	/* the last backoff's length */
	sim_ns		last_failure;
	int		upcoming;	/* nodes provisioning */
};

struct cas {
	gsl_rng			*rng;
	struct ca_state		 st;
	struct ca_group		*groups;
	struct cas_group	*gx;
	size_t			 ngroups;
	int32_t			*pool_group;	/* per pool: group index or -1 */
	struct sched		*tmpl;		/* one template node per group */
	struct k8s_node_spec	*tmpl_nodes;
	struct cas_node		*nodes;		/* per cluster node */
	size_t			 capnodes;
	int32_t			*placed;	/* temporary placements in the scheduler's cache */
	size_t			 nplaced, capplaced;
	uint32_t		*ovnodes;	/* nodes with light placements */
	size_t			 novnodes, capovnodes;
	struct cas_usage	*use;		/* nodes' and pods' inputs between loops */
	size_t			 cursor;	/* round-robin start of placement */
	bool			 any_anti;	/* some pod has required pod anti-affinity */
	int			 last_su_status;	/* last no_scale_up recorded, -1 */
	/*
	 * Kept between loops so that a scale-down pass looks at the nodes
	 * that changed and the candidates only (see cas_scale_down):
	 *   dest      destinations of placements (cas_destination)
	 *   cand      Ready or NotReady nodes of autoscaled groups above min
	 *             size, not being removed, eligible at their last evaluation
	 *   empty     of those, the ones with no pod to move
	 *   unneeded  the nodes of st.unneeded
	 *   coded     last_code is not CAS_CODE_NONE
	 *   dirty     nodes to evaluate again at the next pass: touched since,
	 *             holding pods being deleted, of a group whose min-size
	 *             state changed, or whose recheck time ran out
	 *   head      this pass's simulated nodes
	 */
	struct ks_bits		 dest, cand, empty, unneeded, coded, dirty, head;
	uint32_t		*removables;	/* nodes with removable set */
	size_t			 nremovables, capremovables;
	int64_t			 tot_cores, tot_mem;	/* the Ready and NotReady nodes' */
	int8_t			*grp_above;	/* per group at the last pass: above its
						 * min size (1), not (0), no pass yet (-1) */
	bool			 reference;	/* every node at every pass, placements
						 * pod by pod (cl_ca_set_reference) */
};

/* The controller: its flags, and its state while it runs. */
struct cas_ctl {
	struct ca_config	 cfg;
	bool			 reference;	/* cl_ca_set_reference */
	struct cas		*ca;	/* NULL when no pool autoscales */
};

static struct cas_ctl *
cas_ctl(const struct cluster *c)
{
	return c->ctl[CTL_CLUSTER_AUTOSCALER];
}

void
cl_set_ca_config(struct cluster *c, const struct ca_config *cfg)
{
	cas_ctl(c)->cfg = *cfg;
}

void
cl_ca_set_reference(struct cluster *c, bool on)
{
	cas_ctl(c)->reference = on;
}

/* ---- records ---------------------------------------------------------------- */

static void
cas_record(struct cluster *c, const char *action, const char *group, const char *node,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
cas_record(struct cluster *c, const char *action, const char *group, const char *node,
    const char *fmt, ...)
{
	/* The events row's kind: upstream's event reasons where it has one. */
	static const char *const kinds[][2] = {
		{ "scale_up", "TriggeredScaleUp" }, { "no_scale_up", "NotTriggerScaleUp" },
		{ "scale_up_failed", "ScaleUpTimedOut" }, { "unneeded", "ScaleDownUnneeded" },
		{ "no_scale_down", "NoScaleDown" }, { "scale_down", "ScaleDown" },
		{ "node_deleted", "ScaleDownDone" },
	};
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	struct probe_val v[5] = {
		PV_REAL(sim_ns_to_s(sim_now(c->sim))), PV_TEXT(action),
		group ? PV_TEXT(group) : PV_NULL, node ? PV_TEXT(node) : PV_NULL,
		PV_TEXT(reason),
	};
	probe_emit(&c->probes, "ca_decisions", v, 5);
	const char *kind = action;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i][0], action) == 0)
			kind = kinds[i][1];
	cl_event(c, kind, node ? node : group ? group : "cluster-autoscaler", "%s%s%s",
	    node && group ? group : "", node && group ? ": " : "", reason);
}

static const char *
su_status_name(enum ca_su_status s)
{
	switch (s) {
	case CA_SU_OK: return "ScaleUpSuccessful";
	case CA_SU_NOT_NEEDED: return "ScaleUpNotNeeded";
	case CA_SU_NO_OPTIONS: return "NoExpansionOptions";
	case CA_SU_MAX_NODES_TOTAL: return "MaxNodesTotalReached";
	case CA_SU_RESOURCE_LIMIT: return "MaxResourceLimitReached";
	}
	return "?";
}

/* ---- simulated scheduling ----------------------------------------------------- */

/* Every enabled filter for pod on node in the pod's filter cycle, begun
 * when *cycle is false. */
static bool
cas_filters(struct sched *s, const struct k8s_pod_spec *pod, int node, bool *cycle)
{
	struct sched_node_status st;
	if (!*cycle) {
		sched_filter_begin(s, pod, NULL);
		*cycle = true;
	}
	return sched_filter_node(s, node, &st) == SCHED_SUCCESS;
}

/*
 * Runs every filter plugin the scheduler has enabled; true when all pass.
 * The answer does not depend on their order, so the resource fit (the one
 * that fails most often) runs first. Each sched_run_filter call starts a
 * scheduling cycle, which costs more than most filters, so a filter whose
 * answer the specs and sums already give is not run through one:
 * NodeUnschedulable on a schedulable node, NodeName for a pod without
 * spec.nodeName, NodeAffinity for a pod without nodeSelector or required
 * terms, NodePorts for a pod without host ports, PodTopologySpread for a
 * pod without constraints (the system defaults are ScheduleAnyway only)
 * and InterPodAffinity for a pod without required pod (anti-)affinity while
 * no pod has required anti-affinity (ca->any_anti) pass at once;
 * TaintToleration is its predicate (sched_untolerated_taint), and
 * NodeResourcesFit, given req with no extended resource, is fitsRequest:
 * the pod count, then cpu, memory and ephemeral storage requested against
 * allocatable less the node's requests. req NULL: the plugin decides.
 * ov, when not NULL, is the node's light placements (cas_place): pods and
 * requests the scheduler's sums would hold had they been placed there;
 * only a light pod (cas_req) is tested with them.
 * cycle, when not NULL, answers the filters the specs and sums do not with
 * one filter cycle for the pod (sched_filter_begin, begun at the first node
 * that needs it; *cycle false until then) instead of one per filter and
 * node: the caller keeps it while the scheduler's cache does not change.
 */
static bool
cas_fits(struct cas *ca, struct sched *s, const struct k8s_pod_spec *pod, int node,
    const struct cas_req *req, const struct cas_node *ov, bool *cycle)
{
	const struct sched_config *cfg = sched_config(s);
	const struct sched_node *sn = sched_node_get(s, node);
	const struct k8s_node_spec *ns = sn->spec;
	struct sched_node_status st;
	if (cfg->enabled[SCHED_NODE_RESOURCES_FIT]) {
		if (req != NULL && req->plain) {
			/* (no placement overflows the sums: each one fitted) */
			int64_t npods = sn->npods, rcpu = sn->req_cpu, rmem = sn->req_mem;
			int64_t reph = sn->req_eph;
			if (ov != NULL && ov->ov_on) {
				npods += ov->ov_pods;
				rcpu += ov->ov_cpu;
				rmem += ov->ov_mem;
				reph += ov->ov_eph;
			}
			if (npods + 1 > sn->alloc_pods ||
			    (req->cpu > 0 && req->cpu > sn->alloc_cpu - rcpu) ||
			    (req->mem > 0 && req->mem > sn->alloc_mem - rmem) ||
			    (req->eph > 0 && req->eph > sn->alloc_eph - reph))
				return false;
		} else if (cycle != NULL) {
			return cas_filters(s, pod, node, cycle);
		} else if (sched_run_filter(s, pod, SCHED_NODE_RESOURCES_FIT, node, &st, NULL,
		    NULL) != SCHED_SUCCESS) {
			return false;
		}
	}
	/* A simple pod on a schedulable node without taints while no pod has
	 * required pod anti-affinity: each filter below passes at once. */
	if (req != NULL && req->simple && ca != NULL && !ca->reference && !ca->any_anti &&
	    !ns->unschedulable && ns->ntaints == 0)
		return true;
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++) {	/* the filter plugins */
		if (p == SCHED_NODE_RESOURCES_FIT || !cfg->enabled[p])
			continue;
		switch (p) {
		case SCHED_NODE_UNSCHEDULABLE:
			if (!ns->unschedulable)
				continue;
			break;
		case SCHED_NODE_NAME:
			if (pod->node_name == NULL || *pod->node_name == '\0')
				continue;
			break;
		case SCHED_TAINT_TOLERATION:
			if (ns->ntaints > 0 && sched_untolerated_taint(pod, ns) != NULL)
				return false;
			continue;
		case SCHED_NODE_AFFINITY:
			if (pod->node_selector.n == 0 && pod->affinity.nnode_required == 0)
				continue;
			break;
		case SCHED_NODE_PORTS:
			if (req != NULL ? !req->host_ports : !sched_pod_has_host_ports(pod))
				continue;
			break;
		case SCHED_POD_TOPOLOGY_SPREAD:
			if (pod->nspread == 0)
				continue;
			break;
		case SCHED_INTER_POD_AFFINITY:
			if (ca != NULL && !ca->any_anti && pod->affinity.npod_required == 0 &&
			    pod->affinity.nanti_required == 0)
				continue;
			break;
		default:
			break;
		}
		if (cycle != NULL)	/* every filter, those above again */
			return cas_filters(s, pod, node, cycle);
		if (sched_run_filter(s, pod, (enum sched_plugin)p, node, &st, NULL, NULL) !=
		    SCHED_SUCCESS)
			return false;
	}
	return true;
}

/* Whether some pod of the cluster, and so possibly of the scheduler's
 * cache, has required pod anti-affinity; read at the start of each loop
 * (a count kept as pods are created: cas_usage_any_anti). */
static void
cas_refresh_anti(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	ca->any_anti = cas_usage_any_anti(ca->use);
}

/* A node that can receive pods in a simulation: Ready and not being
 * removed (nor found removable in this pass); ca->dest keeps the answer. */
static bool
cas_destination(const struct cluster *c, uint32_t n)
{
	return c->nodes[n].state == NODE_READY &&
	    cas_ctl(c)->ca->nodes[n].removing_since == SIM_NEVER && !cas_ctl(c)->ca->nodes[n].removable;
}

/* The next destination from `from` below `end` (the whole cluster's walk
 * in reference mode, ca->dest's otherwise), or KS_BITS_NONE. */
static size_t
cas_next_destination(const struct cluster *c, size_t from, size_t end)
{
	const struct cas *ca = cas_ctl(c)->ca;
	if (!ca->reference)
		return ks_bits_next(&ca->dest, from, end);
	for (size_t id = from; id < end; id++)
		if (cas_destination(c, (uint32_t)id))
			return id;
	return KS_BITS_NONE;
}

/*
 * The hinting simulator's TrySchedulePods for one pod: the first node,
 * round-robin from where the last search ended, that is a destination, is
 * not `skip` and passes every filter. The pod is then placed there in the
 * scheduler's state until cas_revert. Returns the node or NONE.
 * light: every pod placed until cas_revert is light (cas_req) and no pod
 * has required anti-affinity (ca->any_anti false), so no filter reads more
 * of the placements than the requested sums and pod counts they add; those
 * are kept beside the scheduler's (struct cas_node's ov_*) instead of
 * placing the pod in its cache, with the same answers.
 */
static uint32_t
cas_place(struct cluster *c, const struct k8s_pod_spec *spec, const struct cas_req *req,
    uint32_t skip, bool light)
{
	struct cas *ca = cas_ctl(c)->ca;
	size_t n = c->nnodes;
	bool cycle = false;	/* the pod's filter cycle (cas_fits) */
	for (int lap = 0; lap < 2; lap++) {	/* from the cursor to the end, then the rest */
		size_t end = lap == 0 ? n : ca->cursor;
		for (size_t id = cas_next_destination(c, lap == 0 ? ca->cursor : 0, end);
		    id != KS_BITS_NONE; id = cas_next_destination(c, id + 1, end)) {
			struct cas_node *cn = &ca->nodes[id];
			if (id == skip || !cas_fits(ca, scheduler_cache(c), spec, cl_sched_idx(id),
			    req, light ? cn : NULL, &cycle))
				continue;
			ca->cursor = (id + 1) % n;
			if (light) {
				if (!cn->ov_on) {
					cn->ov_on = true;
					cn->ov_pods = 0;
					cn->ov_cpu = cn->ov_mem = cn->ov_eph = 0;
					if (ca->novnodes == ca->capovnodes)
						KS_GROW(ca->ovnodes, ca->capovnodes, ca->novnodes + 1);
					ca->ovnodes[ca->novnodes++] = (uint32_t)id;
				}
				cn->ov_pods++;
				cn->ov_cpu += req->cpu;
				cn->ov_mem += req->mem;
				cn->ov_eph += req->eph;
				return (uint32_t)id;
			}
			KS_GROW(ca->placed, ca->capplaced, ca->nplaced + 1);
			ca->placed[ca->nplaced++] = sched_node_add_pod(scheduler_cache(c),
			    cl_sched_idx(id), spec);
			return (uint32_t)id;
		}
	}
	return NONE;
}

/*
 * cas_place for each of the pods a removal of node `skip` would move
 * (their summary mv: simple, so on a schedulable node without taints only
 * NodeResourcesFit can refuse one), when that needs no search: the pods
 * go one by one to the next mv->n destinations from the cursor, so when
 * each of those has no taint, is schedulable and has room for a pod with
 * the largest requests, every pod fits on the first node it tries; the
 * cursor then moves past the last. Returns false, with nothing changed,
 * when that is not known (cas_place pod by pod tells then).
 */
static bool
cas_place_all_at_once(struct cluster *c, uint32_t skip, const struct cas_moves *mv)
{
	struct cas *ca = cas_ctl(c)->ca;
	struct sched *s = scheduler_cache(c);
	bool fit = sched_config(s)->enabled[SCHED_NODE_RESOURCES_FIT];
	size_t n = c->nnodes, last = KS_BITS_NONE;
	uint32_t left = mv->n;
	for (int lap = 0; lap < 2 && left > 0; lap++) {
		size_t end = lap == 0 ? n : ca->cursor;
		for (size_t id = ks_bits_next(&ca->dest, lap == 0 ? ca->cursor : 0, end);
		    id != KS_BITS_NONE && left > 0; id = ks_bits_next(&ca->dest, id + 1, end)) {
			if (id == skip)
				continue;
			const struct sched_node *sn = sched_node_get(s, cl_sched_idx(id));
			if (sn->spec->unschedulable || sn->spec->ntaints > 0)
				return false;
			if (fit && (sn->npods + 1 > sn->alloc_pods ||
			    (mv->cpu > 0 && mv->cpu > sn->alloc_cpu - sn->req_cpu) ||
			    (mv->mem > 0 && mv->mem > sn->alloc_mem - sn->req_mem) ||
			    (mv->eph > 0 && mv->eph > sn->alloc_eph - sn->req_eph)))
				return false;
			last = id;
			left--;
		}
	}
	if (left > 0)	/* fewer destinations than pods: some node would get two */
		return false;
	if (last != KS_BITS_NONE)
		ca->cursor = (last + 1) % n;
	return true;
}

/* Undoes the simulation's placements (the snapshot's Revert). */
static void
cas_revert(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	while (ca->nplaced > 0)
		sched_node_remove_pod(scheduler_cache(c), ca->placed[--ca->nplaced]);
	while (ca->novnodes > 0)
		ca->nodes[ca->ovnodes[--ca->novnodes]].ov_on = false;
}

/* ---- groups --------------------------------------------------------------------- */

static void
cas_grow_nodes(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	size_t old = ca->capnodes;
	if (c->nnodes <= old)
		return;
	KS_GROW(ca->nodes, ca->capnodes, c->nnodes);
	for (size_t i = old; i < ca->capnodes; i++) {
		memset(&ca->nodes[i], 0, sizeof ca->nodes[i]);
		ca->nodes[i].removing_since = SIM_NEVER;
		ca->nodes[i].last_code = CAS_CODE_NONE;
		ca->nodes[i].acc_group = -1;
	}
	struct ks_bits *sets[] = { &ca->dest, &ca->cand, &ca->empty, &ca->unneeded, &ca->coded,
	    &ca->dirty, &ca->head };
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
		ks_bits_grow(sets[k], ca->capnodes);
}

/* A node of a scale-down pass: Ready or NotReady. */
static bool
cas_present(const struct cl_node *n)
{
	return n->state == NODE_READY || n->state == NODE_NOT_READY;
}

/* Brings what node id adds to the kept counts up to date: its group's
 * target size (nodes not deleted), deletions under way and upcoming nodes,
 * the cores and memory of the pass's nodes, whether it is a destination. */
static void
cas_account(struct cluster *c, uint32_t id)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct cl_node *n = &c->nodes[id];
	struct cas_node *cn = &ca->nodes[id];
	if (cn->acc_group >= 0) {
		ca->groups[cn->acc_group].target_size--;
		ca->groups[cn->acc_group].deleting -= cn->acc_deleting;
		ca->gx[cn->acc_group].upcoming -= cn->acc_upcoming;
	}
	int32_t g = ca->pool_group[n->pool];
	cn->acc_group = n->state == NODE_DELETED ? -1 : g;
	cn->acc_deleting = cn->removing_since != SIM_NEVER;
	cn->acc_upcoming = n->state == NODE_PROVISIONING;
	if (cn->acc_group >= 0) {
		ca->groups[g].target_size++;
		ca->groups[g].deleting += cn->acc_deleting;
		ca->gx[g].upcoming += cn->acc_upcoming;
	}
	ca->tot_cores -= cn->acc_cores;
	ca->tot_mem -= cn->acc_mem;
	cn->acc_present = cas_present(n);
	cn->acc_cores = cn->acc_present ? ca_node_cores(n->spec->allocatable.cpu_milli) : 0;
	cn->acc_mem = cn->acc_present && n->spec->allocatable.memory > 0 ?
	    n->spec->allocatable.memory : 0;
	ca->tot_cores += cn->acc_cores;
	ca->tot_mem += cn->acc_mem;
	ks_bits_put(&ca->dest, id, cas_destination(c, id));
}

/* Takes in the nodes the store told changed (cas_usage_touched): their
 * counts, and they are evaluated again at the next pass. */
static void
cas_refresh(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	cas_grow_nodes(c);
	size_t n;
	const uint32_t *t = cas_usage_touched(ca->use, &n);
	for (size_t i = 0; i < n; i++) {
		cas_account(c, t[i]);
		ks_bits_put(&ca->dirty, t[i], true);
	}
	cas_usage_touched_clear(ca->use);
}

/* A scale-up that did not produce a node: the group backs off, 5 min
 * doubling to 30 min, reset after 3 h without failures. */
static void
cas_backoff(struct cluster *c, int32_t g, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	struct cas_group *x = &ca->gx[g];
	if (x->backoff_for == 0 || now - x->last_failure > CAS_BACKOFF_RESET)
		x->backoff_for = CAS_BACKOFF_INITIAL;
	else if (x->backoff_for * 2 <= CAS_BACKOFF_MAX)
		x->backoff_for *= 2;
	else
		x->backoff_for = CAS_BACKOFF_MAX;
	x->last_failure = now;
	ca->groups[g].backoff_until = now + x->backoff_for;
}

/* Nodes requested but not Ready within max-node-provision-time are given
 * up: deleted, and their group backs off. */
static void
cas_provision_timeouts(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	int upcoming = 0;	/* (counted by cas_refresh just before) */
	for (size_t g = 0; g < ca->ngroups; g++)
		upcoming += ca->gx[g].upcoming;
	for (size_t i = 0; i < c->nnodes && upcoming > 0; i++) {
		struct cl_node *n = &c->nodes[i];
		int32_t g = ca->pool_group[n->pool];
		if (g < 0 || n->state != NODE_PROVISIONING ||
		    !(n->billed_from + cas_ctl(c)->cfg.max_node_provision_time < now))
			continue;
		cas_backoff(c, g, now);
		cas_record(c, "scale_up_failed", ca->groups[g].name, n->spec->name,
		    "not ready %.0fs after the request (max-node-provision-time %.0fs); "
		    "node group backed off for %.0fs", sim_ns_to_s(now - n->billed_from),
		    sim_ns_to_s(cas_ctl(c)->cfg.max_node_provision_time),
		    sim_ns_to_s(ca->gx[g].backoff_for));
		node_delete(c, (uint32_t)i, "ClusterAutoscaler: max-node-provision-time exceeded");
	}
}

/* ---- scale-up ----------------------------------------------------------------- */

/*
 * Pods the scheduler found unschedulable, grouped by Deployment (their
 * equivalence group), less those that fit on existing nodes
 * (filterOutSchedulable) or on nodes already coming up. Returns the pods
 * left; pg[d] gets Deployment d's count and request.
 */
static int
cas_pending(struct cluster *c, struct ca_pod_group *pg, bool *fits)
{
	struct cas *ca = cas_ctl(c)->ca;
	size_t nd = c->ndeploys;
	int total = 0;
	for (size_t i = 0; i < c->npods; i++) {
		const struct cl_pod *pd = &c->pods[i];
		/* (FilterOutDaemonSetPodListProcessor: not DaemonSet pods) */
		if (pd->phase == POD_PENDING && !pd->deleting && pd->assumed == NONE &&
		    pd->unschedulable && !pd->daemon)
			pg[pd->deploy].count++;
	}
	for (size_t d = 0; d < nd; d++) {
		if (pg[d].count == 0)
			continue;
		struct k8s_resources r;
		k8s_pod_request(deploy_template(c, (uint32_t)d), false, &r);
		pg[d].cpu_milli = r.cpu_milli;
		pg[d].memory = r.memory;
		k8s_res_get(&r, "nvidia.com/gpu", &pg[d].gpu);
		k8s_res_free(&r);
		struct cas_req req;
		cas_req_of(deploy_template(c, (uint32_t)d), &req);
		/* Equivalent pods: once one does not fit, the rest do not either. */
		while (pg[d].count > 0 &&
		    cas_place(c, deploy_template(c, (uint32_t)d), &req, NONE, false) != NONE)
			pg[d].count--;
		total += pg[d].count;
	}
	cas_revert(c);
	if (total == 0)
		return 0;
	for (size_t g = 0; g < ca->ngroups; g++)
		for (size_t d = 0; d < nd; d++)
			fits[g * nd + d] = pg[d].count > 0 &&
			    cas_fits(NULL, ca->tmpl, deploy_template(c, (uint32_t)d), (int)g, NULL,
			    NULL, NULL);
	int *per = xcalloc(nd, sizeof *per);
	for (size_t g = 0; g < ca->ngroups && total > 0; g++) {
		if (ca->gx[g].upcoming == 0)
			continue;
		int sched = 0;
		ca_estimate(&ca->groups[g], pg, fits + g * nd, nd, ca->gx[g].upcoming, &sched, per);
		for (size_t d = 0; d < nd; d++)
			pg[d].count -= per[d];
		total -= sched;
	}
	free(per);
	return total;
}

/* Returns true when nodes were added (no scale-down in this loop then). */
static bool
cas_scale_up(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (c->pods_pending == 0) {
		ca->last_su_status = -1;
		return false;
	}
	size_t nd = c->ndeploys;
	struct ca_pod_group *pg = xcalloc(nd ? nd : 1, sizeof *pg);
	bool *fits = xcalloc(ca->ngroups * nd + 1, sizeof *fits);
	int pending = cas_pending(c, pg, fits);
	bool scaled = false;
	if (pending == 0) {
		ca->last_su_status = -1;
		goto out;
	}
	int cluster_nodes = 0;
	int64_t cores = 0, memory = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct cl_node *n = &c->nodes[i];
		if (n->state == NODE_DELETED)
			continue;
		cluster_nodes++;
		if (ca->pool_group[n->pool] < 0) {
			cores += ca_node_cores(n->spec->allocatable.cpu_milli);
			memory += n->spec->allocatable.memory;
		}
	}
	for (size_t g = 0; g < ca->ngroups; g++) {
		cores += ca->groups[g].target_size * ca_node_cores(ca->groups[g].cpu_milli);
		memory += ca->groups[g].target_size * ca->groups[g].memory;
	}
	struct ca_su_plan plan;
	ca_scale_up_plan(&cas_ctl(c)->cfg, ca->groups, ca->ngroups, pg, nd, fits, cluster_nodes,
	    cores, memory, now, ca->rng, &plan);
	if (plan.status != CA_SU_OK) {
		if ((int)plan.status != ca->last_su_status)
			cas_record(c, "no_scale_up", NULL, NULL, "%s: %d unschedulable pods, "
			    "%d expansion options", su_status_name(plan.status), pending,
			    plan.noptions);
		ca->last_su_status = (int)plan.status;
		goto out;
	}
	ca->last_su_status = -1;
	struct ca_group *g = &ca->groups[plan.group];
	uint32_t pool = ca->gx[plan.group].pool;
	char exp[64] = "";
	for (int i = 0; i < cas_ctl(c)->cfg.nexpanders; i++)
		snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%s", i ? "," : "",
		    ca_expander_name(cas_ctl(c)->cfg.expanders[i]));
	for (int k = 0; k < plan.node_count; k++) {
		uint32_t id = node_create(c, pool, false);
		cas_record(c, "scale_up", g->name, c->nodes[id].spec->name,
		    "%d unschedulable pods, %d helped; expander %s chose %s of %d options; "
		    "node %d of %d (estimated %d); %d -> %d nodes", pending, plan.pods_helped,
		    exp, g->name, plan.noptions, k + 1, plan.node_count, plan.estimated,
		    g->target_size, g->target_size + plan.node_count);
	}
	cas_grow_nodes(c);
	ca_state_note_scale_up(&ca->st, now);
	scaled = true;
out:
	free(fits);
	free(pg);
	return scaled;
}

/* ---- scale-down -------------------------------------------------------------- */

/* Pods a removal would move: bound and not already being deleted. */
static bool
cas_movable(const struct cl_pod *pd)
{
	return !pd->deleting && !pd->daemon;	/* drains leave DaemonSet pods */
}

/*
 * The removal simulation of one node with pods to move
 * (SimulateNodeRemoval): the remaining PDB budget
 * (RemainingPdbTracker.CanRemovePods) must allow evicting its pods, checked
 * first (BlockedByPod), then every pod must fit on another destination
 * node, placed one after another (NoPlaceToMovePods). A removable node's
 * budget is consumed. count has room for every PDB. Returns whether the
 * node is removable. The placements are light (cas_place) when every pod
 * to move is light and no pod has required anti-affinity, and made at once
 * (cas_place_all_at_once) when that is known to give the same.
 */
static bool
cas_simulate_removal(struct cluster *c, uint32_t id, int32_t *allowed, int32_t *count,
    struct ca_sd_node *sd)
{
	const struct cl_node *n = &c->nodes[id];
	sd->pods_fit_elsewhere = true;
	sd->pdb_ok = true;
	if (c->npdbs > 0)
		memset(count, 0, c->npdbs * sizeof *count);
	for (uint32_t p = n->first_pod; p != NONE && c->npdbs > 0; p = c->pods[p].node_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (!cas_movable(pd))
			continue;
		const struct k8s_pod_spec *spec = pd->spec;
		for (size_t k = 0; k < c->npdbs; k++) {
			if (!cl_pdb_matches(c->pdbs[k], spec))
				continue;
			count[k]++;
			if (allowed[k] < 1)
				sd->pdb_ok = false;
		}
	}
	struct cas *ca = cas_ctl(c)->ca;
	bool light = !ca->any_anti;
	if (!ca->reference && sd->pdb_ok) {
		const struct cas_moves *mv = cas_usage_moves(ca->use, id);
		light = light && mv->light;
		if (light && mv->simple && cas_place_all_at_once(c, id, mv))
			goto fit;
	} else {
		for (uint32_t p = n->first_pod; p != NONE && light && sd->pdb_ok;
		    p = c->pods[p].node_next)
			if (cas_movable(&c->pods[p]))
				light = cas_usage_req(ca->use, p)->light;
	}
	for (uint32_t p = n->first_pod; p != NONE && sd->pdb_ok; p = c->pods[p].node_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (cas_movable(pd) &&
		    cas_place(c, pd->spec, cas_usage_req(ca->use, p), id, light) == NONE) {
			sd->pods_fit_elsewhere = false;
			break;
		}
	}
	cas_revert(c);
	if (!sd->pods_fit_elsewhere || !sd->pdb_ok)
		return false;
fit:
	for (size_t k = 0; k < c->npdbs; k++)
		allowed[k] -= count[k];
	return true;
}

/* Sets the node's last recorded state. */
static void
cas_set_code(struct cas *ca, uint32_t id, int code)
{
	ca->nodes[id].last_code = code;
	ks_bits_put(&ca->coded, id, code != CAS_CODE_NONE);
}

static void on_removal_check(struct sim *sim, void *ctx, uint64_t arg);

/* Taints the node ToBeDeletedByClusterAutoscaler:NoSchedule and evicts its
 * pods; it is deleted once they are gone. */
static void
cas_start_removal(struct cluster *c, uint32_t id, bool drain, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	struct cl_node *n = &c->nodes[id];
	struct cas_node *cn = &ca->nodes[id];
	cn->removing_since = now;
	cn->drain = drain;
	cas_account(c, id);	/* a deletion under way, no destination */
	ks_bits_put(&ca->cand, id, false);
	ks_bits_put(&ca->empty, id, false);
	n->spec->taints = xreallocarray(n->spec->taints, n->spec->ntaints + 1,
	    sizeof *n->spec->taints);
	struct k8s_taint *t = &n->spec->taints[n->spec->ntaints++];
	memset(t, 0, sizeof *t);
	t->key = xstrdup(CAS_TAINT);
	t->effect = K8S_NO_SCHEDULE;
	sched_node_update(scheduler_cache(c), cl_sched_idx(n->id));
	if (drain) {
		uint32_t p = n->first_pod;
		while (p != NONE) {
			uint32_t next = c->pods[p].node_next;
			if (cas_movable(&c->pods[p]))
				pod_delete(c, p, "ClusterAutoscalerDrain");
			p = next;
		}
	}
	sim_ns wait = drain ? CAS_DRAIN_POLL : cas_ctl(c)->cfg.node_delete_delay_after_taint;
	sim_after(c->sim, wait, PRIO_CONTROLLER, on_removal_check, c, id);
}

static void
on_removal_check(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct cas *ca = cas_ctl(c)->ca;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	struct cas_node *cn = &ca->nodes[id];
	if (n->state == NODE_DELETED)
		return;
	sim_ns now = sim_now(sim);
	const struct sched_node *sn = sched_node_get(scheduler_cache(c), cl_sched_idx(n->id));
	/* Pods get max-graceful-termination plus the eviction headroom (30 s). */
	bool late = now - cn->removing_since >= cas_ctl(c)->cfg.max_graceful_termination + 30 * SIM_SEC;
	if (sn->npods > 0 && !late) {
		sim_after(sim, CAS_DRAIN_POLL, PRIO_CONTROLLER, on_removal_check, c, id);
		return;
	}
	const char *group = ca->groups[ca->pool_group[n->pool]].name;
	cas_record(c, "node_deleted", group, n->spec->name, "%s node removed %.0fs after the "
	    "decision%s", cn->drain ? "drained" : "empty", sim_ns_to_s(now - cn->removing_since),
	    sn->npods > 0 ? "; pods left after the drain timeout" : "");
	node_delete(c, id, "ClusterAutoscaler scale-down");
	ca_state_note_deletion_done(&ca->st, cn->drain);
}

/* Records a node's scale-down state when it changes. */
static void
cas_note_verdict(struct cluster *c, uint32_t id, const struct ca_sd_node *sd,
    const struct ca_sd_verdict *v, double threshold, int limit)
{
	struct cas *ca = cas_ctl(c)->ca;
	struct cas_node *cn = &ca->nodes[id];
	const char *group = sd->elig.group >= 0 ? ca->groups[sd->elig.group].name : NULL;
	const char *name = c->nodes[id].spec->name;
	int code;
	if (sd->not_simulated) {
		if (cn->last_code != CAS_CODE_NONE)
			cas_record(c, "no_scale_down", group, name, "not simulated: %d unneeded "
			    "nodes found (the unneeded-nodes limit); utilization %.3f", limit,
			    sd->elig.utilization);
		cas_set_code(ca, id, CAS_CODE_NONE);
		return;
	}
	if (v->unneeded)
		code = CAS_CODE_UNNEEDED;
	else if (v->reason == CA_RECENTLY_UNREMOVABLE)
		return;
	else if (sd->elig.util_error || sd->elig.utilization > threshold ||
	    v->reason == CA_NOT_AUTOSCALED || v->reason == CA_NO_REASON)
		code = CAS_CODE_NONE;
	else
		code = (int)v->reason;
	if (code == cn->last_code)
		return;
	if (code == CAS_CODE_UNNEEDED)
		cas_record(c, "unneeded", group, name, "utilization %.3f <= %.2f; %s",
		    sd->elig.utilization, threshold, sd->empty ? "empty" : "pods fit elsewhere");
	else if (code == CAS_CODE_NONE && cn->last_code != CAS_CODE_NONE)
		cas_record(c, "no_scale_down", group, name, "%s: utilization %.3f",
		    ca_reason_name(v->reason == CA_NO_REASON ? CA_NOT_UNDERUTILIZED : v->reason),
		    sd->elig.utilization);
	else if (code != CAS_CODE_NONE)
		cas_record(c, "no_scale_down", group, name, "%s: utilization %.3f",
		    ca_reason_name(v->reason), sd->elig.utilization);
	cas_set_code(ca, id, code);
}

/* A pass's node as far as the node tells, without its pods (group -1 when
 * not autoscaled or being removed). */
static void
cas_sd_init(struct cluster *c, uint32_t id, struct ca_sd_node *s)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct cl_node *nd = &c->nodes[id];
	memset(s, 0, sizeof *s);
	s->id = id;
	s->elig.group = ca->pool_group[nd->pool];
	s->elig.ready = nd->state == NODE_READY;
	s->elig.to_be_deleted_at = ca->nodes[id].removing_since;
	if (ca->nodes[id].removing_since != SIM_NEVER)
		s->elig.group = -1;	/* being removed: no candidate again */
	const struct k8s_resources *a = &nd->spec->allocatable;
	s->cpu_milli = a->cpu_milli;
	s->memory = a->memory;
	s->empty = true;
	s->pods_fit_elsewhere = true;
	s->pdb_ok = true;
}

/* Records the pass's verdicts of nodes[0..n) and starts the removals. */
static void
cas_apply(struct cluster *c, const struct ca_sd_node *sd, const struct ca_sd_verdict *v,
    size_t n, const struct ca_sd_summary *sum, int limit, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)sd[i].id;
		if (ca->nodes[id].removing_since != SIM_NEVER)
			continue;
		if (v[i].action == CA_SD_KEEP) {
			cas_note_verdict(c, id, &sd[i], &v[i],
			    cfg->scale_down_utilization_threshold, limit);
			continue;
		}
		bool drain = v[i].action == CA_SD_DELETE_DRAIN;
		const char *group = ca->groups[sd[i].elig.group].name;
		cas_record(c, "scale_down", group, c->nodes[id].spec->name,
		    "%s: utilization %.3f, unneeded for %.0fs", drain ? "drain" : "empty",
		    sd[i].elig.utilization, sim_ns_to_s(now - v[i].unneeded_since));
		cas_set_code(ca, id, CAS_CODE_NONE);
		cas_start_removal(c, id, drain, now);
	}
	ca_state_note_deletions_started(&ca->st, sum->ndelete_empty, sum->ndelete_drain, now);
}

/* The PDBs' remaining disruptions (allowed) and a count per PDB, for
 * cas_simulate_removal. */
static void
cas_pdb_budget(struct cluster *c, int32_t **allowed, int32_t **count)
{
	*allowed = xcalloc(c->npdbs + 1, sizeof **allowed);
	*count = xcalloc(c->npdbs + 1, sizeof **count);
	for (size_t k = 0; k < c->npdbs; k++)
		(*allowed)[k] = cl_pdb_allowed(c, c->pdbs[k]);
}

/*
 * The planner's simulations (planner.categorizeNodes): the candidates in
 * ca_scale_down_order, eligible and not recently unremovable, until
 * ca_unneeded_nodes_limit of them were found removable. An empty node
 * needs no placement; a removable node is no destination for the next
 * ones. Returns the limit. (The reference pass's; cas_simulate_head is the
 * same over the kept candidates.)
 */
static int
cas_simulate_candidates(struct cluster *c, struct ca_sd_node *sd, size_t n, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	int32_t *allowed, *count;
	cas_pdb_budget(c, &allowed, &count);
	size_t *order = xcalloc(n + 1, sizeof *order);
	size_t norder = ca_scale_down_order(&ca->st, ca->groups, ca->ngroups, sd, n, order);
	int limit = ca_unneeded_nodes_limit(cfg, &ca->st);
	int found = 0;
	for (size_t k = 0; k < norder; k++) {
		struct ca_sd_node *s = &sd[order[k]];
		uint32_t id = (uint32_t)s->id;
		if (ca_state_rechecked(&ca->st, s->id, now) ||
		    ca_eligibility(cfg, &s->elig, now) != CA_NO_REASON)
			continue;
		if (found >= limit) {
			s->not_simulated = true;
			continue;
		}
		if (s->empty || cas_simulate_removal(c, id, allowed, count, s)) {
			ca->nodes[id].removable = true;
			found++;
		}
	}
	free(order);
	free(count);
	free(allowed);
	return limit;
}

/* The reference pass: every Ready and NotReady node looked at. */
static void
cas_scale_down_all(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	size_t n = 0;
	uint32_t *ids = xcalloc(c->nnodes + 1, sizeof *ids);
	for (size_t i = 0; i < c->nnodes; i++)
		if (cas_present(&c->nodes[i]))
			ids[n++] = (uint32_t)i;
	struct ca_sd_node *sd = xcalloc(n + 1, sizeof *sd);
	struct ca_sd_verdict *v = xcalloc(n + 1, sizeof *v);

	ca_planner_update(cfg, &ca->st, now);
	for (size_t i = 0; i < c->nnodes; i++)
		ca->nodes[i].removable = false;
	for (size_t i = 0; i < n; i++) {
		struct ca_sd_node *s = &sd[i];
		cas_sd_init(c, ids[i], s);
		if (s->elig.group < 0)
			continue;	/* NotAutoscaled comes before utilization */
		/* podutils.PodRequests: each pod's, computed when it was created */
		const struct cas_use *u = cas_usage_node(ca->use, ids[i], cfg, now);
		s->empty = u->empty;
		s->elig.util_error = u->util_error;
		s->elig.utilization = u->utilization;
	}
	int limit = cas_simulate_candidates(c, sd, n, now);
	struct ca_sd_summary sum;
	ca_scale_down_candidates(cfg, &ca->st, ca->groups, ca->ngroups, sd, n, now, v, &sum);
	cas_apply(c, sd, v, n, &sum, limit, now);
	free(v);
	free(sd);
	free(ids);
}

/* Evaluates node id again: its scale-down inputs (cas_node.use) and
 * whether it is a candidate (ca->cand, ca->empty). Returns whether its
 * inputs depend on the time (cas_usage_volatile). */
static bool
cas_evaluate(struct cluster *c, uint32_t id, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	const struct cl_node *n = &c->nodes[id];
	struct cas_node *cn = &ca->nodes[id];
	int32_t g = ca->pool_group[n->pool];
	bool cand = false, vol = false;
	if (cas_present(n) && cn->removing_since == SIM_NEVER && g >= 0) {
		cn->use = *cas_usage_node(ca->use, id, cfg, now);
		vol = cas_usage_volatile(ca->use, id);
		struct ca_elig_node e = {
			.group = g, .ready = n->state == NODE_READY, .to_be_deleted_at = SIM_NEVER,
			.util_error = cn->use.util_error, .utilization = cn->use.utilization,
		};
		cand = ca->grp_above[g] == 1 && ca_eligibility(cfg, &e, now) == CA_NO_REASON;
	}
	ks_bits_put(&ca->cand, id, cand);
	ks_bits_put(&ca->empty, id, cand && cn->use.empty);
	return vol;
}

/* Marks for evaluation what changed in ways the store does not tell: every
 * node of a group that went above or down to its min size, nodes whose
 * recheck time ran out. */
static void
cas_mark_changes(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	for (size_t g = 0; g < ca->ngroups; g++) {
		int8_t above = ca->groups[g].target_size > ca->groups[g].min_size;
		if (above == ca->grp_above[g])
			continue;
		ca->grp_above[g] = above;
		for (size_t i = 0; i < c->nnodes; i++)
			if (ca->pool_group[c->nodes[i].pool] == (int32_t)g)
				ks_bits_put(&ca->dirty, i, true);
	}
	for (size_t i = 0; i < ca->st.nrecheck; i++)
		if (ca->st.recheck[i].until <= now && (size_t)ca->st.recheck[i].node < c->nnodes)
			ks_bits_put(&ca->dirty, (size_t)ca->st.recheck[i].node, true);
}

/*
 * cas_simulate_candidates over the kept candidates: ca_scale_down_order's
 * classes (empty, previously unneeded, the rest; by id within each) as
 * walks of ca->cand, skipping the recently unremovable, until the limit;
 * the nodes simulated go to ca->head, their results to cas_node.sim_*.
 * Returns the limit.
 */
static int
cas_simulate_head(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	int32_t *allowed, *count;
	cas_pdb_budget(c, &allowed, &count);
	int limit = ca_unneeded_nodes_limit(&cas_ctl(c)->cfg, &ca->st);
	int found = 0;
	size_t nw = (c->nnodes + 63) / 64;
	for (int cls = 0; cls < 3 && found < limit; cls++) {
		for (size_t k = 0; k < nw && found < limit; k++) {
			uint64_t e = ks_bits_word(&ca->empty, k), u = ks_bits_word(&ca->unneeded, k);
			uint64_t w = ks_bits_word(&ca->cand, k) &
			    (cls == 0 ? e : cls == 1 ? u & ~e : ~u & ~e);
			for (; w != 0 && found < limit; w &= w - 1) {
				uint32_t id = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(w));
				if (ca_state_rechecked(&ca->st, id, now))
					continue;
				struct cas_node *cn = &ca->nodes[id];
				struct ca_sd_node sim = { .pods_fit_elsewhere = true, .pdb_ok = true };
				ks_bits_put(&ca->head, id, true);
				bool removable = cn->use.empty ||
				    cas_simulate_removal(c, id, allowed, count, &sim);
				cn->sim_fit = sim.pods_fit_elsewhere;
				cn->sim_pdb = sim.pdb_ok;
				if (!removable)
					continue;
				cn->removable = true;
				ks_bits_put(&ca->dest, id, false);
				KS_GROW(ca->removables, ca->capremovables, ca->nremovables + 1);
				ca->removables[ca->nremovables++] = id;
				found++;
			}
		}
	}
	free(count);
	free(allowed);
	return limit;
}

static bool
cas_pass_present(void *ctx, int64_t node)
{
	const struct cluster *c = ctx;
	return node >= 0 && (size_t)node < c->nnodes && cas_present(&c->nodes[node]);
}

/*
 * One scale-down pass, looking at what changed only: a node's verdict is a
 * function of its own inputs unless it is a candidate (eligible in an
 * autoscaled group above its min size), so the pass evaluates the nodes
 * marked dirty since the last one (cas_refresh, cas_mark_changes),
 * simulates candidates in the planner's order until the limit
 * (cas_simulate_head), and gives ca_scale_down_pass the nodes whose verdict
 * may differ from their last: the dirty ones, the simulated ones, and the
 * candidates not simulated whose last recorded state was not none (the
 * previously unneeded among them). The others' verdicts, records and
 * state are what they were. Same decisions as cas_scale_down_all.
 */
static void
cas_scale_down(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	if (ca->reference) {
		cas_scale_down_all(c, now);
		return;
	}
	ca_planner_update(cfg, &ca->st, now);
	for (size_t i = 0; i < ca->nremovables; i++) {
		uint32_t id = ca->removables[i];
		ca->nodes[id].removable = false;
		ks_bits_put(&ca->dest, id, cas_destination(c, id));
	}
	ca->nremovables = 0;
	cas_mark_changes(c, now);
	size_t nw = (c->nnodes + 63) / 64;
	uint32_t *again = NULL;	/* dirty again at the next pass */
	size_t nagain = 0, capagain = 0;
	for (size_t k = 0; k < nw; k++)
		for (uint64_t w = ks_bits_word(&ca->dirty, k); w != 0; w &= w - 1) {
			uint32_t id = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(w));
			if (id < c->nnodes && cas_evaluate(c, id, now)) {
				KS_GROW(again, capagain, nagain + 1);
				again[nagain++] = id;
			}
		}
	int limit = cas_simulate_head(c, now);

	size_t n = 0, cap = 0;
	struct ca_sd_node *sd = NULL;
	for (size_t k = 0; k < nw; k++) {
		uint64_t w = ks_bits_word(&ca->dirty, k) | ks_bits_word(&ca->head, k) |
		    (ks_bits_word(&ca->cand, k) & ks_bits_word(&ca->coded, k));
		for (; w != 0; w &= w - 1) {
			uint32_t id = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(w));
			if (id >= c->nnodes || !cas_present(&c->nodes[id]))
				continue;
			KS_GROW(sd, cap, n + 1);
			struct ca_sd_node *s = &sd[n++];
			cas_sd_init(c, id, s);
			if (s->elig.group < 0)
				continue;
			const struct cas_node *cn = &ca->nodes[id];
			s->empty = cn->use.empty;
			s->elig.util_error = cn->use.util_error;
			s->elig.utilization = cn->use.utilization;
			if (ks_bits_has(&ca->head, id)) {
				s->pods_fit_elsewhere = cn->sim_fit;
				s->pdb_ok = cn->sim_pdb;
			} else if (ks_bits_has(&ca->cand, id) && !ca_state_rechecked(&ca->st, id, now)) {
				s->not_simulated = true;
			}
		}
	}
	ks_bits_clear(&ca->dirty);
	ks_bits_clear(&ca->head);
	for (size_t i = 0; i < nagain; i++)
		ks_bits_put(&ca->dirty, again[i], true);
	free(again);

	size_t nold = ca->st.nunneeded;
	int64_t *old = xcalloc(nold + 1, sizeof *old);
	for (size_t i = 0; i < nold; i++)
		old[i] = ca->st.unneeded[i].node;
	struct ca_sd_verdict *v = xcalloc(n + 1, sizeof *v);
	struct ca_sd_cluster all = { ca->tot_cores, ca->tot_mem, cas_pass_present, c };
	struct ca_sd_summary sum;
	ca_scale_down_pass(cfg, &ca->st, ca->groups, ca->ngroups, sd, n, &all, now, v, &sum);
	for (size_t i = 0; i < nold; i++)
		ks_bits_put(&ca->unneeded, (size_t)old[i], false);
	for (size_t i = 0; i < ca->st.nunneeded; i++)
		ks_bits_put(&ca->unneeded, (size_t)ca->st.unneeded[i].node, true);
	cas_apply(c, sd, v, n, &sum, limit, now);
	free(old);
	free(v);
	free(sd);
}

/* ---- the loop ------------------------------------------------------------------ */

static void
on_scan(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	(void)arg;
	cas_refresh(c);
	cas_refresh_anti(c);
	cas_provision_timeouts(c, now);
	cas_refresh(c);
	bool scaled = cas_scale_up(c, now);
	if (!scaled && cas_ctl(c)->cfg.scale_down_enabled) {
		cas_refresh(c);
		cas_scale_down(c, now);
	}
	sim_after(sim, cas_ctl(c)->cfg.scan_interval, PRIO_CONTROLLER, on_scan, c, 0);
}

/* A DaemonSet pod on template node g: on the template scheduler's node,
 * and among the requests a new node of the group starts with. */
struct cas_ds_ctx {
	struct cas	*ca;
	size_t		 g;
};
static void
cas_template_daemon(void *ctx, const struct k8s_pod_spec *pod)
{
	struct cas_ds_ctx *dc = ctx;
	struct ca_group *grp = &dc->ca->groups[dc->g];
	sched_node_add_pod(dc->ca->tmpl, (int)dc->g, pod);
	struct k8s_resources r;
	k8s_pod_request(pod, false, &r);
	int64_t gpu = 0;
	k8s_res_get(&r, "nvidia.com/gpu", &gpu);
	grp->tmpl_cpu_milli += r.cpu_milli;
	grp->tmpl_memory += r.memory;
	grp->tmpl_gpu += gpu;
	grp->tmpl_pods += 1;
	k8s_res_free(&r);
}

static void
cas_start(struct cluster *c)
{
	size_t nauto = 0;
	for (size_t i = 0; i < c->npools; i++)
		nauto += c->pools[i].p.max > c->pools[i].p.min;
	if (nauto == 0 || cas_ctl(c)->ca != NULL)
		return;
	struct cas *ca = xcalloc(1, sizeof *ca);
	cas_ctl(c)->ca = ca;
	ca->rng = sim_rng_new(c->seed, "cluster-autoscaler");
	ca->use = cas_usage_new(c);
	ca_state_init(&ca->st);
	ca->last_su_status = -1;
	ca->pool_group = xcalloc(c->npools, sizeof *ca->pool_group);
	ca->groups = xcalloc(nauto, sizeof *ca->groups);
	ca->gx = xcalloc(nauto, sizeof *ca->gx);
	ca->tmpl_nodes = xcalloc(nauto, sizeof *ca->tmpl_nodes);
	char *cause = NULL;
	ca->tmpl = sched_new(sched_config(scheduler_cache(c)), &cause);
	KS_ASSERT(ca->tmpl != NULL);
	for (size_t i = 0; i < c->npools; i++) {
		const struct cl_pool *pl = &c->pools[i];
		if (pl->p.max <= pl->p.min) {
			ca->pool_group[i] = -1;
			continue;
		}
		size_t g = ca->ngroups++;
		ca->pool_group[i] = (int32_t)g;
		ca->gx[g].pool = (uint32_t)i;
		struct ca_group *grp = &ca->groups[g];
		grp->name = pl->p.name;
		grp->min_size = pl->p.min;
		grp->max_size = pl->p.max;
		grp->cpu_milli = pl->tmpl.allocatable.cpu_milli;
		grp->memory = pl->tmpl.allocatable.memory;
		grp->pods = pl->tmpl.allocatable.pods;
		k8s_res_get(&pl->tmpl.allocatable, "nvidia.com/gpu", &grp->gpu);
		grp->price_per_hour = pl->p.price_hour;
		/* sim_s_to_ns clamps an infinite mean (Pareto shape <= 1). */
		grp->provision_delay = sim_s_to_ns(sim_dist_mean(&pl->p.provision));
		/* The template node (TemplateNodeInfo): the pool's labels, taints
		 * and allocatable, in the pool's first zone. */
		struct k8s_node_spec *t = &ca->tmpl_nodes[g];
		t->name = xasprintf("template-node-for-%s", pl->p.name);
		k8s_labels_copy(&t->labels, &pl->tmpl.labels);
		k8s_labels_set(&t->labels, "kubernetes.io/hostname", t->name);
		if (pl->p.nzones > 0)
			k8s_labels_set(&t->labels, "topology.kubernetes.io/zone", pl->p.zones[0]);
		if (pl->tmpl.ntaints > 0) {
			t->taints = xcalloc(pl->tmpl.ntaints, sizeof *t->taints);
			for (size_t k = 0; k < pl->tmpl.ntaints; k++) {
				t->taints[k].key = xstrdup(pl->tmpl.taints[k].key);
				t->taints[k].value = pl->tmpl.taints[k].value ?
				    xstrdup(pl->tmpl.taints[k].value) : NULL;
				t->taints[k].effect = pl->tmpl.taints[k].effect;
			}
			t->ntaints = pl->tmpl.ntaints;
		}
		k8s_res_copy(&t->allocatable, &pl->tmpl.allocatable);
	}
	for (size_t g = 0; g < ca->ngroups; g++) {
		sched_add_node(ca->tmpl, &ca->tmpl_nodes[g]);
		/* the DaemonSet pods a new node would run take their share */
		struct cas_ds_ctx dc = { ca, g };
		daemonset_pods_for_node(c, &ca->tmpl_nodes[g], cas_template_daemon, &dc);
	}
	ca->reference = cas_ctl(c)->reference;
	ca->grp_above = xcalloc(ca->ngroups + 1, sizeof *ca->grp_above);
	memset(ca->grp_above, -1, ca->ngroups + 1);
	cas_grow_nodes(c);
	for (size_t i = 0; i < c->nnodes; i++) {	/* (the watch tells what follows) */
		cas_account(c, (uint32_t)i);
		ks_bits_put(&ca->dirty, i, true);
	}
	sim_after(c->sim, cas_ctl(c)->cfg.scan_interval, PRIO_CONTROLLER, on_scan, c, 0);
}

static void
cas_free(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (ca == NULL)
		return;
	sched_free(ca->tmpl);
	for (size_t g = 0; g < ca->ngroups; g++)
		k8s_node_spec_free(&ca->tmpl_nodes[g]);
	free(ca->tmpl_nodes);
	free(ca->groups);
	free(ca->gx);
	free(ca->pool_group);
	free(ca->nodes);
	free(ca->placed);
	free(ca->ovnodes);
	free(ca->removables);
	free(ca->grp_above);
	struct ks_bits *sets[] = { &ca->dest, &ca->cand, &ca->empty, &ca->unneeded, &ca->coded,
	    &ca->dirty, &ca->head };
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
		ks_bits_free(sets[k]);
	cas_usage_free(ca->use);
	ca_state_fini(&ca->st);
	gsl_rng_free(ca->rng);
	free(ca);
	cas_ctl(c)->ca = NULL;
}

static void *
cas_create(struct cluster *c)
{
	struct cas_ctl *ctl = xcalloc(1, sizeof *ctl);
	ctl->cfg = ca_config_defaults();
	return ctl;
}

static void
cas_destroy(struct cluster *c)
{
	cas_free(c);
	free(cas_ctl(c));
}

/* What the kept node sets say of node i against a recomputation now (for
 * a node not dirty: its inputs did not change since its evaluation). */
static size_t
cas_node_stale(struct cluster *c, uint32_t i)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	const struct cl_node *n = &c->nodes[i];
	const struct cas_node *cn = &ca->nodes[i];
	size_t bad = 0;
	bad += ks_bits_has(&ca->dest, i) != (n->state != NODE_DELETED && cas_destination(c, i));
	bad += ks_bits_has(&ca->coded, i) != (cn->last_code != CAS_CODE_NONE);
	bad += ks_bits_has(&ca->unneeded, i) !=
	    (ca_state_unneeded_since(&ca->st, i) != SIM_NEVER);
	bad += ks_bits_has(&ca->head, i);
	if (ks_bits_has(&ca->dirty, i))
		return bad;
	int32_t g = ca->pool_group[n->pool];
	bool cand = false;
	struct cas_use fresh = { 0 };
	if (cas_present(n) && cn->removing_since == SIM_NEVER && g >= 0) {
		sim_ns now = sim_now(c->sim);
		cas_usage_compute(ca->use, i, cfg, now, &fresh);
		bad += fresh.empty != cn->use.empty || fresh.util_error != cn->use.util_error ||
		    fresh.utilization != cn->use.utilization;
		struct ca_elig_node e = {
			.group = g, .ready = n->state == NODE_READY, .to_be_deleted_at = SIM_NEVER,
			.util_error = fresh.util_error, .utilization = fresh.utilization,
		};
		cand = ca->grp_above[g] == 1 && ca_eligibility(cfg, &e, now) == CA_NO_REASON;
	}
	bad += ks_bits_has(&ca->cand, i) != cand;
	bad += ks_bits_has(&ca->empty, i) != (cand && fresh.empty);
	return bad;
}

size_t
cl_ca_usage_stale(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (ca == NULL)
		return 0;
	size_t bad = cas_usage_stale(ca->use, &cas_ctl(c)->cfg, sim_now(c->sim));
	cas_refresh(c);	/* (as a loop would, first thing) */
	/* the group counts and totals against a count now */
	size_t ng = ca->ngroups;
	int *count = xcalloc(3 * ng + 1, sizeof *count);
	int64_t cores = 0, mem = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct cl_node *n = &c->nodes[i];
		if (cas_present(n)) {
			cores += ca_node_cores(n->spec->allocatable.cpu_milli);
			mem += n->spec->allocatable.memory > 0 ? n->spec->allocatable.memory : 0;
		}
		int32_t g = ca->pool_group[n->pool];
		if (g < 0 || n->state == NODE_DELETED)
			continue;
		count[3 * g]++;
		count[3 * g + 1] += ca->nodes[i].removing_since != SIM_NEVER;
		count[3 * g + 2] += n->state == NODE_PROVISIONING;
	}
	for (size_t g = 0; g < ng; g++)
		bad += count[3 * g] != ca->groups[g].target_size ||
		    count[3 * g + 1] != ca->groups[g].deleting ||
		    count[3 * g + 2] != ca->gx[g].upcoming;
	bad += cores != ca->tot_cores || mem != ca->tot_mem;
	free(count);
	if (ca->reference)
		return bad;
	size_t nrem = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		bad += cas_node_stale(c, (uint32_t)i);
		nrem += ca->nodes[i].removable;
	}
	bad += nrem != ca->nremovables;
	for (size_t i = 0; i < ca->nremovables; i++)
		bad += !ca->nodes[ca->removables[i]].removable;
	return bad;
}

static uint64_t
fnv(uint64_t h, int64_t x)
{
	for (int i = 0; i < 8; i++, x >>= 8) {
		h ^= (uint64_t)(x & 0xff);
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t
cl_ca_digest(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (ca == NULL)
		return 0;
	uint64_t h = fnv(14695981039346656037ULL, (int64_t)ca->cursor);
	for (size_t i = 0; i < ca->st.nunneeded; i++)
		h = fnv(fnv(h, ca->st.unneeded[i].node), ca->st.unneeded[i].since);
	for (size_t i = 0; i < ca->st.nrecheck; i++)
		h = fnv(fnv(h, ca->st.recheck[i].node), ca->st.recheck[i].until);
	for (size_t i = 0; i < c->nnodes && i < ca->capnodes; i++)
		h = fnv(fnv(fnv(h, ca->nodes[i].last_code), ca->nodes[i].removable),
		    ca->nodes[i].removing_since);
	return h;
}

const struct cl_controller cluster_autoscaler_controller = {
	.name = "cluster-autoscaler", .create = cas_create, .start = cas_start,
	.destroy = cas_destroy,
};
