/*
 * ca_scaledown.c - the Cluster Autoscaler's scale-down passes: removal
 * simulations in the planner's order up to the unneeded-nodes limit, the
 * verdicts of models/autoscaler (ca_scale_down_pass), records of changed
 * states, and removals (taint, drain, delete). A pass looks at the nodes
 * that changed since the last and at the candidates (cas_scale_down); the
 * reference pass (cl_ca_set_reference) at every node, as written upstream.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/ca_int.h"

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
void
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
