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

#include "models/cluster/ca_int.h"

/* utils/backoff: exponential node-group backoff after a failed scale-up. */
#define CAS_BACKOFF_INITIAL	(5 * SIM_MIN)
#define CAS_BACKOFF_MAX		(30 * SIM_MIN)
#define CAS_BACKOFF_RESET	(3 * SIM_HOUR)

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

void
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

/* Whether some pod of the cluster, and so possibly of the scheduler's
 * cache, has required pod anti-affinity; read at the start of each loop
 * (a count kept as pods are created: cas_usage_any_anti). */
static void
cas_refresh_anti(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	ca->any_anti = cas_usage_any_anti(ca->use);
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

/* Brings what node id adds to the kept counts up to date: its group's
 * target size (nodes not deleted), deletions under way and upcoming nodes,
 * the cores and memory of the pass's nodes, whether it is a destination. */
void
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
