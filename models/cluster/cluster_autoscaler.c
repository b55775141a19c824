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
 * ca_decisions record.
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
	bool			 groups_ok;	/* the group counts hold for groups_gen */
	uint64_t		 groups_gen;	/* cas_usage_node_gen when counted */
	size_t			 cursor;	/* round-robin start of placement */
	bool			 any_anti;	/* some pod has required pod anti-affinity */
	int			 last_su_status;	/* last no_scale_up recorded, -1 */
};

/* The controller: its flags, and its state while it runs. */
struct cas_ctl {
	struct ca_config	 cfg;
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
 * removed. */
static bool
cas_destination(const struct cluster *c, uint32_t n)
{
	return c->nodes[n].state == NODE_READY &&
	    cas_ctl(c)->ca->nodes[n].removing_since == SIM_NEVER && !cas_ctl(c)->ca->nodes[n].removable;
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
	for (size_t k = 0; k < n; k++) {
		uint32_t id = (uint32_t)((ca->cursor + k) % n);
		if (id == skip || !cas_destination(c, id))
			continue;
		struct cas_node *cn = &ca->nodes[id];
		if (!cas_fits(ca, scheduler_cache(c), spec, cl_sched_idx(id), req,
		    light ? cn : NULL, &cycle))
			continue;
		ca->cursor = (ca->cursor + k + 1) % n;
		if (light) {
			if (!cn->ov_on) {
				cn->ov_on = true;
				cn->ov_pods = 0;
				cn->ov_cpu = cn->ov_mem = cn->ov_eph = 0;
				if (ca->novnodes == ca->capovnodes)
					KS_GROW(ca->ovnodes, ca->capovnodes, ca->novnodes + 1);
				ca->ovnodes[ca->novnodes++] = id;
			}
			cn->ov_pods++;
			cn->ov_cpu += req->cpu;
			cn->ov_mem += req->mem;
			cn->ov_eph += req->eph;
			return id;
		}
		KS_GROW(ca->placed, ca->capplaced, ca->nplaced + 1);
		ca->placed[ca->nplaced++] = sched_node_add_pod(scheduler_cache(c),
		    cl_sched_idx(id), spec);
		return id;
	}
	return NONE;
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
		ca->nodes[i].removing_since = SIM_NEVER;
		ca->nodes[i].drain = false;
		ca->nodes[i].removable = false;
		ca->nodes[i].last_code = CAS_CODE_NONE;
		ca->nodes[i].ov_on = false;
	}
}

/* Target sizes (nodes not deleted), deletions under way, upcoming nodes;
 * counted again only after a node changed (state, added, removed) or a
 * removal started. */
static void
cas_refresh_groups(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (ca->groups_ok && ca->groups_gen == cas_usage_node_gen(ca->use))
		return;
	ca->groups_ok = true;
	ca->groups_gen = cas_usage_node_gen(ca->use);
	for (size_t g = 0; g < ca->ngroups; g++) {
		ca->groups[g].target_size = 0;
		ca->groups[g].deleting = 0;
		ca->gx[g].upcoming = 0;
	}
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct cl_node *n = &c->nodes[i];
		int32_t g = ca->pool_group[n->pool];
		if (g < 0 || n->state == NODE_DELETED)
			continue;
		ca->groups[g].target_size++;
		if (ca->nodes[i].removing_since != SIM_NEVER)
			ca->groups[g].deleting++;
		if (n->state == NODE_PROVISIONING)
			ca->gx[g].upcoming++;
	}
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
	int upcoming = 0;	/* (counted by cas_refresh_groups just before) */
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
 * to move is light and no pod has required anti-affinity.
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
	for (uint32_t p = n->first_pod; p != NONE && light && sd->pdb_ok;
	    p = c->pods[p].node_next)
		if (cas_movable(&c->pods[p]))
			light = cas_usage_req(ca->use, p)->light;
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
	for (size_t k = 0; k < c->npdbs; k++)
		allowed[k] -= count[k];
	return true;
}

static void on_removal_check(struct sim *sim, void *ctx, uint64_t arg);

/* Taints the node ToBeDeletedByClusterAutoscaler:NoSchedule and evicts its
 * pods; it is deleted once they are gone. */
static void
cas_start_removal(struct cluster *c, uint32_t id, bool drain, sim_ns now)
{
	struct cl_node *n = &c->nodes[id];
	struct cas_node *cn = &cas_ctl(c)->ca->nodes[id];
	cn->removing_since = now;
	cas_ctl(c)->ca->groups_ok = false;
	cn->drain = drain;
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
		cn->last_code = CAS_CODE_NONE;
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
	cn->last_code = code;
}

/*
 * The planner's simulations (planner.categorizeNodes): the candidates in
 * ca_scale_down_order, eligible and not recently unremovable, until
 * ca_unneeded_nodes_limit of them were found removable. An empty node
 * needs no placement; a removable node is no destination for the next
 * ones. Returns the limit.
 */
static int
cas_simulate_candidates(struct cluster *c, struct ca_sd_node *sd, size_t n, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	int32_t *allowed = xcalloc(c->npdbs + 1, sizeof *allowed);
	int32_t *count = xcalloc(c->npdbs + 1, sizeof *count);
	for (size_t k = 0; k < c->npdbs; k++)
		allowed[k] = cl_pdb_allowed(c, c->pdbs[k]);
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

static void
cas_scale_down(struct cluster *c, sim_ns now)
{
	struct cas *ca = cas_ctl(c)->ca;
	const struct ca_config *cfg = &cas_ctl(c)->cfg;
	size_t n = 0;
	uint32_t *ids = xcalloc(c->nnodes + 1, sizeof *ids);
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].state == NODE_READY || c->nodes[i].state == NODE_NOT_READY)
			ids[n++] = (uint32_t)i;
	struct ca_sd_node *sd = xcalloc(n + 1, sizeof *sd);
	struct ca_sd_verdict *v = xcalloc(n + 1, sizeof *v);

	ca_planner_update(cfg, &ca->st, now);
	for (size_t i = 0; i < c->nnodes; i++)
		ca->nodes[i].removable = false;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		const struct cl_node *nd = &c->nodes[id];
		struct ca_sd_node *s = &sd[i];
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
		if (s->elig.group < 0)
			continue;	/* NotAutoscaled comes before utilization */
		/* podutils.PodRequests: each pod's, computed when it was created */
		const struct cas_use *u = cas_usage_node(ca->use, id, cfg, now);
		s->empty = u->empty;
		s->elig.util_error = u->util_error;
		s->elig.utilization = u->utilization;
	}
	int limit = cas_simulate_candidates(c, sd, n, now);

	struct ca_sd_summary sum;
	ca_scale_down_candidates(cfg, &ca->st, ca->groups, ca->ngroups, sd, n, now, v, &sum);
	for (size_t i = 0; i < n; i++) {
		if (ca->nodes[ids[i]].removing_since != SIM_NEVER)
			continue;
		if (v[i].action == CA_SD_KEEP) {
			cas_note_verdict(c, ids[i], &sd[i], &v[i],
			    cfg->scale_down_utilization_threshold, limit);
			continue;
		}
		bool drain = v[i].action == CA_SD_DELETE_DRAIN;
		const char *group = ca->groups[sd[i].elig.group].name;
		cas_record(c, "scale_down", group, c->nodes[ids[i]].spec->name,
		    "%s: utilization %.3f, unneeded for %.0fs", drain ? "drain" : "empty",
		    sd[i].elig.utilization, sim_ns_to_s(now - v[i].unneeded_since));
		ca->nodes[ids[i]].last_code = CAS_CODE_NONE;
		cas_start_removal(c, ids[i], drain, now);
	}
	ca_state_note_deletions_started(&ca->st, sum.ndelete_empty, sum.ndelete_drain, now);
	free(v);
	free(sd);
	free(ids);
}

/* ---- the loop ------------------------------------------------------------------ */

static void
on_scan(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	(void)arg;
	cas_grow_nodes(c);
	cas_refresh_anti(c);
	cas_refresh_groups(c);
	cas_provision_timeouts(c, now);
	cas_refresh_groups(c);
	bool scaled = cas_scale_up(c, now);
	if (!scaled && cas_ctl(c)->cfg.scale_down_enabled) {
		cas_refresh_groups(c);
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
	cas_grow_nodes(c);
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

size_t
cl_ca_usage_stale(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	if (ca == NULL)
		return 0;
	size_t bad = cas_usage_stale(ca->use, &cas_ctl(c)->cfg, sim_now(c->sim));
	/* the group counts, when kept, against a count now */
	if (ca->groups_ok && ca->groups_gen == cas_usage_node_gen(ca->use)) {
		size_t ng = ca->ngroups;
		int *kept = xcalloc(3 * ng + 1, sizeof *kept);
		for (size_t g = 0; g < ng; g++) {
			kept[3 * g] = ca->groups[g].target_size;
			kept[3 * g + 1] = ca->groups[g].deleting;
			kept[3 * g + 2] = ca->gx[g].upcoming;
		}
		ca->groups_ok = false;
		cas_grow_nodes(c);
		cas_refresh_groups(c);
		for (size_t g = 0; g < ng; g++)
			bad += kept[3 * g] != ca->groups[g].target_size ||
			    kept[3 * g + 1] != ca->groups[g].deleting ||
			    kept[3 * g + 2] != ca->gx[g].upcoming;
		free(kept);
	}
	return bad;
}

const struct cl_controller cluster_autoscaler_controller = {
	.name = "cluster-autoscaler", .create = cas_create, .start = cas_start,
	.destroy = cas_destroy,
};
