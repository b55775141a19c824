/*
 * ca_state.c - the Cluster Autoscaler's loop state and decisions: the
 * scale-down planner (pre-filter, candidate order, the unneeded-nodes limit,
 * eligibility, recheck timeouts, unneeded timers, RemovableAt, parallelism budgets, cooldown), the binpacking
 * estimator and the scale-up orchestrator's caps. The unneeded and recheck
 * lists are kept sorted by node id and searched by bisection: a pass looks
 * every node up in them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "sim/util/util.h"

#define GIB_BYTES	(1024LL * 1024LL * 1024LL)

void
ca_state_init(struct ca_state *s)
{
	memset(s, 0, sizeof *s);
	s->last_scale_up = CA_LONG_AGO;
	s->last_scale_down_delete = CA_LONG_AGO;
	s->last_scale_down_fail = CA_LONG_AGO;
	s->last_update = CA_LONG_AGO;
	s->min_update_interval = SIM_NEVER;
}

void
ca_state_fini(struct ca_state *s)
{
	free(s->unneeded);
	free(s->recheck);
	memset(s, 0, sizeof *s);
}

/* Both lists are kept sorted by node id: lookups are binary searches. */
static const struct ca_unneeded *
unneeded_find(const struct ca_unneeded *u, size_t n, int64_t node)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && u[lo].node == node ? &u[lo] : NULL;
}

sim_ns
ca_state_unneeded_since(const struct ca_state *s, int64_t node)
{
	const struct ca_unneeded *u = unneeded_find(s->unneeded, s->nunneeded, node);
	return u != NULL ? u->since : SIM_NEVER;
}

bool
ca_scale_down_in_cooldown(const struct ca_config *cfg, const struct ca_state *s, sim_ns now)
{
	return s->last_scale_up + cfg->scale_down_delay_after_add > now ||
	    s->last_scale_down_fail + cfg->scale_down_delay_after_failure > now ||
	    s->last_scale_down_delete + cfg->scale_down_delay_after_delete > now;
}

void
ca_state_note_scale_up(struct ca_state *s, sim_ns now)
{
	s->last_scale_up = now;
}

void
ca_state_note_deletions_started(struct ca_state *s, int nempty, int ndrain, sim_ns now)
{
	s->empty_in_progress += nempty;
	s->drain_in_progress += ndrain;
	if (nempty + ndrain > 0)
		s->last_scale_down_delete = now;
}

void
ca_state_note_deletion_done(struct ca_state *s, bool drained)
{
	if (drained) {
		if (s->drain_in_progress > 0)
			s->drain_in_progress--;
	} else if (s->empty_in_progress > 0) {
		s->empty_in_progress--;
	}
}

void
ca_state_note_scale_down_failure(struct ca_state *s, sim_ns now)
{
	s->last_scale_down_fail = now;
}

/* ---- scale-down ---------------------------------------------------------- */

/* The first recheck entry whose node is not below node. */
static size_t
recheck_lower(const struct ca_state *s, int64_t node)
{
	size_t lo = 0, hi = s->nrecheck;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->recheck[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct ca_recheck *
recheck_find(const struct ca_state *s, int64_t node)
{
	size_t i = recheck_lower(s, node);
	return i < s->nrecheck && s->recheck[i].node == node ? &s->recheck[i] : NULL;
}

bool
ca_state_rechecked(const struct ca_state *s, int64_t node, sim_ns now)
{
	const struct ca_recheck *r = recheck_find(s, node);
	return r != NULL && r->until > now;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* unremovable.Nodes.Update: forget expired entries and vanished nodes. */
static void
recheck_prune(struct ca_state *s, const struct ca_sd_cluster *all, sim_ns now)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nrecheck; i++)
		if (s->recheck[i].until > now && all->present(all->ctx, s->recheck[i].node))
			s->recheck[k++] = s->recheck[i];
	s->nrecheck = k;
}

/* The nodes of a pass given all of them: their ids, sorted. */
struct pass_ids {
	int64_t	*ids;
	size_t	 n;
};

static bool
pass_has(void *ctx, int64_t node)
{
	const struct pass_ids *p = ctx;
	return bsearch(&node, p->ids, p->n, sizeof *p->ids, cmp_id) != NULL;
}

/* Adds a node not in the list yet, keeping the order. */
static void
recheck_add(struct ca_state *s, int64_t node, sim_ns until)
{
	KS_GROW(s->recheck, s->caprecheck, s->nrecheck + 1);
	size_t at = recheck_lower(s, node);
	memmove(&s->recheck[at + 1], &s->recheck[at], (s->nrecheck - at) * sizeof *s->recheck);
	s->recheck[at].node = node;
	s->recheck[at].until = until;
	s->nrecheck++;
}

static int
cmp_unneeded(const void *a, const void *b)
{
	const struct ca_unneeded *x = a, *y = b;
	return (x->node > y->node) - (x->node < y->node);
}

/* ---- the planner's loop: candidates, their order, the limit ------------- */

void
ca_planner_update(const struct ca_config *cfg, struct ca_state *s, sim_ns now)
{
	if (s->min_update_interval == SIM_NEVER)
		s->min_update_interval = cfg->scale_down_unneeded_time > 0 ?
		    cfg->scale_down_unneeded_time : 1;
	if (now - s->last_update < s->min_update_interval)
		s->min_update_interval = now - s->last_update;
	s->last_update = now;
}

int
ca_unneeded_nodes_limit(const struct ca_config *cfg, const struct ca_state *s)
{
	int64_t n = cfg->max_scale_down_parallelism;
	int64_t limit = (int64_t)s->nunneeded + 2 * n;
	int64_t loop = s->min_update_interval;
	if (loop == SIM_NEVER)	/* no pass yet */
		loop = cfg->scale_down_unneeded_time > 0 ? cfg->scale_down_unneeded_time : 1;
	if (loop < 1)
		loop = 1;
	int64_t u = cfg->scale_down_unneeded_time;
	if (u < loop)
		u = loop;
	int64_t loops = u / loop;
	int64_t upper = n > 0 && loops > (INT32_MAX - n) / n ? INT32_MAX : n * loops + n;
	if (upper < limit)
		limit = upper;
	return limit > INT32_MAX ? INT32_MAX : limit < INT32_MIN ? INT32_MIN : (int)limit;
}

size_t
ca_scale_down_order(const struct ca_state *s, const struct ca_group *groups,
    size_t ngroups, const struct ca_sd_node *nodes, size_t n, size_t *order)
{
	size_t k = 0;
	/* three stable passes: empty; previously unneeded; the rest */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct ca_sd_node *nd = &nodes[i];
			if (nd->elig.group < 0 || (size_t)nd->elig.group >= ngroups ||
			    groups[nd->elig.group].target_size <= groups[nd->elig.group].min_size)
				continue;
			int cls = nd->empty ? 0 :
			    unneeded_find(s->unneeded, s->nunneeded, nd->id) != NULL ? 1 : 2;
			if (cls == pass)
				order[k++] = i;
		}
	}
	return k;
}

/* The checks of unneeded.Nodes.unremovableReason after the annotation. */
static enum ca_reason
removable_reason(const struct ca_config *cfg, const struct ca_sd_node *nd, sim_ns since,
    const struct ca_group *groups, int *group_size, int64_t *cores_left,
    int64_t *mem_left, sim_ns now)
{
	const struct ca_group *g = &groups[nd->elig.group];

	if (nd->elig.ready) {
		if (!(since + cfg->scale_down_unneeded_time < now))
			return CA_NOT_UNNEEDED_LONG_ENOUGH;
	} else {
		if (!(since + cfg->scale_down_unready_time < now))
			return CA_NOT_UNREADY_LONG_ENOUGH;
	}
	if (group_size[nd->elig.group] - g->deleting <= g->min_size)
		return CA_NODE_GROUP_MIN_SIZE_REACHED;
	int64_t dcores = ca_node_cores(nd->cpu_milli);
	int64_t dmem = nd->memory > 0 ? nd->memory : 0;
	if ((dcores > 0 && dcores > *cores_left) || (dmem > 0 && dmem > *mem_left))
		return CA_MINIMAL_RESOURCE_LIMIT_EXCEEDED;
	*cores_left -= dcores;
	*mem_left -= dmem;
	group_size[nd->elig.group]--;
	return CA_NO_REASON;
}

/*
 * budgets.CropNodes for individually scaled groups: the chosen nodes (cand,
 * in order) are bucketed by node group in order of first appearance and
 * taken bucket by bucket while budget lasts. Marks the verdicts; returns the
 * count taken.
 */
static int
crop(const struct ca_sd_node *nodes, const size_t *cand, size_t ncand, int budget,
    enum ca_sd_action action, struct ca_sd_verdict *v)
{
	int taken = 0;
	bool *done = xcalloc(ncand > 0 ? ncand : 1, sizeof *done);

	for (size_t i = 0; i < ncand && budget - taken > 0; i++) {
		if (done[i])
			continue;
		int grp = nodes[cand[i]].elig.group;
		for (size_t j = i; j < ncand && budget - taken > 0; j++) {
			if (done[j] || nodes[cand[j]].elig.group != grp)
				continue;
			done[j] = true;
			v[cand[j]].action = action;
			taken++;
		}
	}
	free(done);
	return taken;
}

void
ca_scale_down_candidates(const struct ca_config *cfg, struct ca_state *s,
    const struct ca_group *groups, size_t ngroups, const struct ca_sd_node *nodes,
    size_t n, sim_ns now, struct ca_sd_verdict *v, struct ca_sd_summary *sum)
{
	struct pass_ids p = { xcalloc(n > 0 ? n : 1, sizeof *p.ids), n };
	bool sorted = true;	/* (the simulation gives them by id) */
	struct ca_sd_cluster all = { 0, 0, pass_has, &p };
	for (size_t j = 0; j < n; j++) {
		p.ids[j] = nodes[j].id;
		sorted &= j == 0 || p.ids[j - 1] <= p.ids[j];
		all.cores += ca_node_cores(nodes[j].cpu_milli);
		all.memory += nodes[j].memory > 0 ? nodes[j].memory : 0;
	}
	if (!sorted)
		qsort(p.ids, n, sizeof *p.ids, cmp_id);
	ca_scale_down_pass(cfg, s, groups, ngroups, nodes, n, &all, now, v, sum);
	free(p.ids);
}

void
ca_scale_down_pass(const struct ca_config *cfg, struct ca_state *s,
    const struct ca_group *groups, size_t ngroups, const struct ca_sd_node *nodes,
    size_t n, const struct ca_sd_cluster *all, sim_ns now, struct ca_sd_verdict *v,
    struct ca_sd_summary *sum)
{
	memset(sum, 0, sizeof *sum);
	recheck_prune(s, all, now);

	struct ca_unneeded *next = xcalloc(n > 0 ? n : 1, sizeof *next);
	size_t nnext = 0;
	sim_ns recheck_until = now + cfg->unremovable_node_recheck_timeout;

	for (size_t i = 0; i < n; i++) {
		const struct ca_sd_node *nd = &nodes[i];
		v[i].reason = CA_NO_REASON;
		v[i].unneeded = false;
		v[i].unneeded_since = SIM_NEVER;
		v[i].action = CA_SD_KEEP;

		/* PreFilteringScaleDownNodeProcessor: only autoscaled nodes of
		 * groups above their min size are candidates. */
		if (nd->elig.group < 0 || (size_t)nd->elig.group >= ngroups) {
			v[i].reason = CA_NOT_AUTOSCALED;
			continue;
		}
		const struct ca_group *g = &groups[nd->elig.group];
		if (g->target_size <= g->min_size) {
			v[i].reason = CA_NODE_GROUP_MIN_SIZE_REACHED;
			continue;
		}
		if (recheck_find(s, nd->id) != NULL) {
			v[i].reason = CA_RECENTLY_UNREMOVABLE;
			continue;
		}
		enum ca_reason r = ca_eligibility(cfg, &nd->elig, now);
		if (r != CA_NO_REASON) {
			v[i].reason = r;
			continue;
		}
		/* Not simulated (the limit was reached): neither unneeded
		 * nor unremovable this loop. */
		if (nd->not_simulated)
			continue;
		/* The removal simulation (caller's verdicts). */
		if (!nd->empty && !nd->pods_fit_elsewhere)
			r = CA_NO_PLACE_TO_MOVE_PODS;
		else if (!nd->empty && !nd->pdb_ok)
			r = CA_BLOCKED_BY_POD;
		if (r != CA_NO_REASON) {
			v[i].reason = r;
			recheck_add(s, nd->id, recheck_until);
			continue;
		}
		sim_ns since = ca_state_unneeded_since(s, nd->id);
		if (since == SIM_NEVER)
			since = now;
		next[nnext].node = nd->id;
		next[nnext].since = since;
		nnext++;
		v[i].unneeded = true;
		v[i].unneeded_since = since;
		sum->nunneeded++;
	}
	bool sorted = true;	/* (nodes given by id make it so) */
	for (size_t i = 1; i < nnext && sorted; i++)
		sorted = next[i - 1].node <= next[i].node;
	if (!sorted)
		qsort(next, nnext, sizeof *next, cmp_unneeded);
	free(s->unneeded);
	s->unneeded = next;
	s->nunneeded = nnext;
	s->capunneeded = n > 0 ? n : 1;

	if (ca_scale_down_in_cooldown(cfg, s, now)) {
		sum->in_cooldown = true;
		return;
	}

	/* RemovableAt: empty nodes first, then the ones to drain. */
	int *group_size = xcalloc(ngroups > 0 ? ngroups : 1, sizeof *group_size);
	for (size_t gi = 0; gi < ngroups; gi++)
		group_size[gi] = groups[gi].target_size;
	int64_t cores_left = all->cores - cfg->cores_total_min;
	int64_t mem_left = all->memory - cfg->memory_total_min_gib * GIB_BYTES;
	size_t *empty = xcalloc(n > 0 ? n : 1, sizeof *empty);
	size_t *drain = xcalloc(n > 0 ? n : 1, sizeof *drain);
	size_t nempty = 0, ndrain = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (!v[i].unneeded || nodes[i].empty != (pass == 0))
				continue;
			enum ca_reason r = removable_reason(cfg, &nodes[i], v[i].unneeded_since,
			    groups, group_size, &cores_left, &mem_left, now);
			if (r != CA_NO_REASON) {
				v[i].reason = r;
				continue;
			}
			if (pass == 0)
				empty[nempty++] = i;
			else
				drain[ndrain++] = i;
		}
	}

	/* budgets.CropNodes */
	int parallelism = cfg->max_scale_down_parallelism - s->empty_in_progress -
	    s->drain_in_progress;
	int drain_budget = cfg->max_drain_parallelism - s->drain_in_progress;
	int taken = crop(nodes, empty, nempty, parallelism, CA_SD_DELETE_EMPTY, v);
	sum->ndelete_empty = taken;
	parallelism -= taken;
	if (drain_budget > parallelism)
		drain_budget = parallelism;
	sum->ndelete_drain = crop(nodes, drain, ndrain, drain_budget, CA_SD_DELETE_DRAIN, v);

	free(drain);
	free(empty);
	free(group_size);
}

/* ---- binpacking estimator ------------------------------------------------ */

struct est_node {
	int64_t	cpu, mem, gpu;
	int64_t	pods;
	bool	has_pods;
};

static bool
est_fits(const struct ca_group *g, const struct est_node *nd, const struct ca_pod_group *p)
{
	if (g->pods > 0 && nd->pods + 1 > g->pods)
		return false;
	if (p->cpu_milli > 0 && p->cpu_milli > g->cpu_milli - nd->cpu)
		return false;
	if (p->memory > 0 && p->memory > g->memory - nd->mem)
		return false;
	if (p->gpu > 0 && p->gpu > g->gpu - nd->gpu)
		return false;
	return true;
}

static void
est_place(struct est_node *nd, const struct ca_pod_group *p)
{
	nd->cpu += p->cpu_milli;
	nd->mem += p->memory;
	nd->gpu += p->gpu;
	nd->pods++;
	nd->has_pods = true;
}

/* DecreasingPodOrderer's score. */
static double
pod_score(const struct ca_group *g, const struct ca_pod_group *p)
{
	double s = 0;
	if (g->cpu_milli > 0)
		s += (double)p->cpu_milli / (double)g->cpu_milli;
	if (g->memory > 0)
		s += (double)p->memory / (double)g->memory;
	return s;
}

int
ca_estimate(const struct ca_group *g, const struct ca_pod_group *pg, const bool *fits,
    size_t npg, int max_nodes, int *scheduled, int *sched_per_group)
{
	size_t *order = xcalloc(npg > 0 ? npg : 1, sizeof *order);
	double *score = xcalloc(npg > 0 ? npg : 1, sizeof *score);
	size_t nord = 0;

	*scheduled = 0;
	for (size_t i = 0; i < npg; i++) {
		if (sched_per_group != NULL)
			sched_per_group[i] = 0;
		if (fits != NULL && !fits[i])
			continue;
		score[i] = pod_score(g, &pg[i]);
		/* Insertion keeps equal scores in input order (stable). */
		size_t j = nord++;
		while (j > 0 && score[order[j - 1]] < score[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}

	struct est_node *nodes = NULL;
	size_t nnodes = 0, capnodes = 0;
	int added = 0;		/* the limiter's count */
	int with_pods = 0;

	for (size_t oi = 0; oi < nord; oi++) {
		const struct ca_pod_group *p = &pg[order[oi]];
		int placed = 0;
		int k = 0;

		/* tryToScheduleOnExistingNodes: any node added so far. */
		for (; k < p->count; k++) {
			size_t j;
			for (j = 0; j < nnodes; j++)
				if (est_fits(g, &nodes[j], p))
					break;
			if (j == nnodes)
				break;
			if (!nodes[j].has_pods)
				with_pods++;
			est_place(&nodes[j], p);
			placed++;
		}
		/* tryToScheduleOnNewNodes: the last node, else a new one. */
		for (; k < p->count; k++) {
			if (nnodes > 0 && est_fits(g, &nodes[nnodes - 1], p)) {
				if (!nodes[nnodes - 1].has_pods)
					with_pods++;
				est_place(&nodes[nnodes - 1], p);
				placed++;
				continue;
			}
			if (nnodes > 0 && !nodes[nnodes - 1].has_pods)
				break;
			if (max_nodes < 0 || (max_nodes > 0 && added >= max_nodes))
				break;
			added++;
			KS_GROW(nodes, capnodes, nnodes + 1);
			memset(&nodes[nnodes], 0, sizeof nodes[nnodes]);
			nodes[nnodes].cpu = g->tmpl_cpu_milli;
			nodes[nnodes].mem = g->tmpl_memory;
			nodes[nnodes].gpu = g->tmpl_gpu;
			nodes[nnodes].pods = g->tmpl_pods;
			nnodes++;
			if (!est_fits(g, &nodes[nnodes - 1], p))
				break;
			with_pods++;
			est_place(&nodes[nnodes - 1], p);
			placed++;
		}
		*scheduled += placed;
		if (sched_per_group != NULL)
			sched_per_group[order[oi]] = placed;
	}
	free(nodes);
	free(score);
	free(order);
	return with_pods;
}

/* ---- scale-up ------------------------------------------------------------ */

/* getMinLimit over the thresholds: -1 (no node) wins, 0 means no limit. */
static int
min_limit(int a, int b)
{
	if (a < 0 || b < 0)
		return -1;
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
ca_scale_up_plan(const struct ca_config *cfg, const struct ca_group *groups,
    size_t ngroups, const struct ca_pod_group *pg, size_t npg, const bool *fits,
    int cluster_nodes, int64_t cluster_cores, int64_t cluster_memory, sim_ns now,
    gsl_rng *rng, struct ca_su_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	plan->group = -1;

	int pending = 0;
	for (size_t i = 0; i < npg; i++)
		pending += pg[i].count;
	if (pending == 0) {
		plan->status = CA_SU_NOT_NEEDED;
		return;
	}

	int64_t cores_left = cfg->cores_total_max - cluster_cores;
	int64_t mem_left = cfg->memory_total_max_gib * GIB_BYTES - cluster_memory;
	struct ca_option *opts = xcalloc(ngroups > 0 ? ngroups : 1, sizeof *opts);
	int *per = xcalloc(npg > 0 ? npg : 1, sizeof *per);
	size_t nopts = 0;
	bool limited = false;

	for (size_t gi = 0; gi < ngroups; gi++) {
		const struct ca_group *g = &groups[gi];
		/* filterValidScaleUpNodeGroups */
		if (g->backoff_until > now)
			continue;
		if (g->target_size >= g->max_size)
			continue;
		int64_t dcores = ca_node_cores(g->cpu_milli);
		if ((dcores > 0 && dcores > cores_left) || (g->memory > 0 && g->memory > mem_left)) {
			limited = true;
			continue;
		}
		/* The estimator's thresholds: max-nodes-per-scaleup, the group's
		 * room, the cluster's room. */
		int lim = cfg->max_nodes_per_scaleup > 0 ? cfg->max_nodes_per_scaleup : 0;
		int room = g->max_size - g->target_size;
		lim = min_limit(lim, room > 0 ? room : -1);
		if (cfg->max_nodes_total != 0) {
			int left = cfg->max_nodes_total - cluster_nodes;
			lim = min_limit(lim, left > 0 ? left : -1);
		}
		int sched = 0;
		int nodes = ca_estimate(g, pg, fits != NULL ? fits + gi * npg : NULL, npg, lim,
		    &sched, per);
		if (nodes == 0 || sched == 0)
			continue;
		struct ca_option *o = &opts[nopts++];
		o->group = (int)gi;
		o->name = g->name;
		o->node_count = nodes;
		o->npods = sched;
		for (size_t i = 0; i < npg; i++) {
			o->pods_cpu_milli += per[i] * pg[i].cpu_milli;
			o->pods_memory += per[i] * pg[i].memory;
			o->pods_gpu += per[i] * pg[i].gpu;
		}
		o->cap_cpu_milli = g->cpu_milli;
		o->cap_memory = g->memory;
		o->cap_gpu = g->gpu;
		o->node_price = ca_price_group_node(cfg, g);
	}
	free(per);
	plan->noptions = (int)nopts;
	if (nopts == 0) {
		if (cfg->max_nodes_total > 0 && cluster_nodes >= cfg->max_nodes_total)
			plan->status = CA_SU_MAX_NODES_TOTAL;
		else if (limited)
			plan->status = CA_SU_RESOURCE_LIMIT;
		else
			plan->status = CA_SU_NO_OPTIONS;
		free(opts);
		return;
	}

	struct ca_expander_ctx ctx = { .cfg = cfg, .cluster_nodes = cluster_nodes };
	int best = ca_expander_choose(&ctx, opts, nopts, rng);
	if (best < 0 || opts[best].node_count <= 0) {
		plan->status = CA_SU_NO_OPTIONS;
		free(opts);
		return;
	}
	const struct ca_option *o = &opts[best];
	const struct ca_group *g = &groups[o->group];
	int new_nodes = o->node_count;
	plan->estimated = o->node_count;
	plan->pods_helped = o->npods;

	/* GetCappedNewNodeCount */
	if (cfg->max_nodes_total > 0 && new_nodes + cluster_nodes > cfg->max_nodes_total) {
		new_nodes = cfg->max_nodes_total - cluster_nodes;
		if (new_nodes < 1) {
			plan->status = CA_SU_MAX_NODES_TOTAL;
			free(opts);
			return;
		}
	}
	/* resource.Manager.ApplyLimits */
	int64_t dcores = ca_node_cores(g->cpu_milli);
	if (dcores > 0 && cores_left / dcores < new_nodes)
		new_nodes = (int)(cores_left / dcores);
	if (g->memory > 0 && mem_left / g->memory < new_nodes)
		new_nodes = (int)(mem_left / g->memory);
	if (new_nodes < 1) {
		plan->status = CA_SU_RESOURCE_LIMIT;
		free(opts);
		return;
	}
	/* BalanceScaleUpBetweenGroups with one group: up to its max size. */
	if (g->target_size + new_nodes > g->max_size)
		new_nodes = g->max_size - g->target_size;

	plan->status = CA_SU_OK;
	plan->group = o->group;
	plan->node_count = new_nodes;
	free(opts);
}
