/*
 * test_ca.c - tests of the Cluster Autoscaler state model (models/autoscaler/ca.h):
 * unneeded timers, scale-down delays and budgets, min sizes, recheck
 * timeouts, the planner's simulation order and unneeded-nodes limit, the
 * binpacking estimator, scale-up caps, and the price, priority, random and
 * chained expanders, with hand-computed expectations; a pass over a subset
 * of the nodes against a pass over all of them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/autoscaler/ca.h"
#include "models/api/k8s.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

#define GIB	(1024LL * 1024 * 1024)
#define T0	(1000 * SIM_SEC)

static struct ca_group
group(const char *name, int min, int max, int target, int64_t cpu, int64_t mem)
{
	struct ca_group g;
	memset(&g, 0, sizeof g);
	g.name = name;
	g.min_size = min;
	g.max_size = max;
	g.target_size = target;
	g.cpu_milli = cpu;
	g.memory = mem;
	g.pods = 110;
	return g;
}

/* A ready node of group grp with utilization u; empty unless pods must move. */
static struct ca_sd_node
sdnode(int64_t id, int grp, double u, bool empty)
{
	struct ca_sd_node n;
	memset(&n, 0, sizeof n);
	n.id = id;
	n.elig.group = grp;
	n.elig.ready = true;
	n.elig.to_be_deleted_at = SIM_NEVER;
	n.elig.utilization = u;
	n.empty = empty;
	n.pods_fit_elsewhere = true;
	n.pdb_ok = true;
	n.cpu_milli = 4000;
	n.memory = 16 * GIB;
	return n;
}

static void
test_unneeded_timer(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_state s;
	struct ca_group g = group("pool", 1, 10, 3, 4000, 16 * GIB);
	struct ca_sd_node nodes[3] = { sdnode(1, 0, 0.1, true), sdnode(2, 0, 0.6, true),
		sdnode(3, 0, 0.5, true) };
	struct ca_sd_verdict v[3];
	struct ca_sd_summary sum;

	ca_state_init(&s);
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0, v, &sum);
	CHECK(!sum.in_cooldown);
	CHECK_INT(sum.nunneeded, 2);
	CHECK(v[0].unneeded);
	CHECK_INT(v[0].unneeded_since, T0);
	CHECK_STR(ca_reason_name(v[0].reason), "NotUnneededLongEnough");
	CHECK_STR(ca_reason_name(v[1].reason), "NotUnderutilized");
	CHECK(!v[1].unneeded);
	CHECK(v[2].unneeded);	/* 0.5 == threshold passes */
	CHECK_INT(v[0].action, CA_SD_KEEP);

	/* Exactly 10m later: not yet (since + 10m must be before now). */
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 10 * SIM_MIN, v, &sum);
	CHECK_INT(v[0].unneeded_since, T0);
	CHECK_STR(ca_reason_name(v[0].reason), "NotUnneededLongEnough");
	CHECK_INT(sum.ndelete_empty, 0);

	/* One scan later both unneeded nodes go; the group keeps min size 1. */
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 10 * SIM_MIN + 10 * SIM_SEC,
	    v, &sum);
	CHECK_INT(v[0].action, CA_SD_DELETE_EMPTY);
	CHECK_INT(v[2].action, CA_SD_DELETE_EMPTY);
	CHECK_INT(sum.ndelete_empty, 2);

	/* Target 3, min 2: only the first removable node fits above min. */
	g.min_size = 2;
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 11 * SIM_MIN, v, &sum);
	CHECK_INT(v[0].action, CA_SD_DELETE_EMPTY);
	CHECK_INT(v[2].action, CA_SD_KEEP);
	CHECK_STR(ca_reason_name(v[2].reason), "NodeGroupMinSizeReached");
	CHECK_INT(sum.ndelete_empty, 1);

	/* A node that becomes busy loses its timer. */
	g.min_size = 1;
	nodes[0].elig.utilization = 0.9;
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 12 * SIM_MIN, v, &sum);
	CHECK(!v[0].unneeded);
	CHECK_INT(ca_state_unneeded_since(&s, 1), SIM_NEVER);
	nodes[0].elig.utilization = 0.1;
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 13 * SIM_MIN, v, &sum);
	CHECK_INT(v[0].unneeded_since, T0 + 13 * SIM_MIN);
	CHECK_INT(v[2].unneeded_since, T0);	/* kept throughout */

	/* A group at its min size offers no candidates at all. */
	g.target_size = 1;
	ca_scale_down_candidates(&cfg, &s, &g, 1, nodes, 3, T0 + 14 * SIM_MIN, v, &sum);
	CHECK_STR(ca_reason_name(v[0].reason), "NodeGroupMinSizeReached");
	CHECK_INT(sum.nunneeded, 0);
	ca_state_fini(&s);
}

static void
test_delays(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_state s;
	struct ca_group g = group("pool", 0, 10, 5, 4000, 16 * GIB);
	struct ca_sd_node n = sdnode(7, 0, 0.0, true);
	struct ca_sd_verdict v;
	struct ca_sd_summary sum;

	ca_state_init(&s);
	CHECK(!ca_scale_down_in_cooldown(&cfg, &s, 0));
	ca_scale_down_candidates(&cfg, &s, &g, 1, &n, 1, T0, &v, &sum);
	/* A scale-up at T0+15m blocks scale-down for delay-after-add (10m). */
	ca_state_note_scale_up(&s, T0 + 15 * SIM_MIN);
	ca_scale_down_candidates(&cfg, &s, &g, 1, &n, 1, T0 + 20 * SIM_MIN, &v, &sum);
	CHECK(sum.in_cooldown);
	CHECK(v.unneeded);	/* the timer keeps running in cooldown */
	CHECK_INT(v.unneeded_since, T0);
	CHECK_INT(v.action, CA_SD_KEEP);
	ca_scale_down_candidates(&cfg, &s, &g, 1, &n, 1, T0 + 25 * SIM_MIN - 1, &v, &sum);
	CHECK(sum.in_cooldown);
	ca_scale_down_candidates(&cfg, &s, &g, 1, &n, 1, T0 + 25 * SIM_MIN, &v, &sum);
	CHECK(!sum.in_cooldown);
	CHECK_INT(v.action, CA_SD_DELETE_EMPTY);
	ca_state_note_deletions_started(&s, 1, 0, T0 + 25 * SIM_MIN);
	CHECK_INT(s.empty_in_progress, 1);
	/* delay-after-delete is 0: no cooldown after a deletion. */
	CHECK(!ca_scale_down_in_cooldown(&cfg, &s, T0 + 25 * SIM_MIN));
	cfg.scale_down_delay_after_delete = 30 * SIM_SEC;
	CHECK(ca_scale_down_in_cooldown(&cfg, &s, T0 + 25 * SIM_MIN + 29 * SIM_SEC));
	CHECK(!ca_scale_down_in_cooldown(&cfg, &s, T0 + 25 * SIM_MIN + 30 * SIM_SEC));
	/* A failed deletion: 3m of cooldown. */
	ca_state_note_scale_down_failure(&s, T0 + 30 * SIM_MIN);
	CHECK(ca_scale_down_in_cooldown(&cfg, &s, T0 + 33 * SIM_MIN - 1));
	CHECK(!ca_scale_down_in_cooldown(&cfg, &s, T0 + 33 * SIM_MIN));
	ca_state_note_deletion_done(&s, false);
	CHECK_INT(s.empty_in_progress, 0);
	ca_state_fini(&s);
}

static void
test_budgets_and_recheck(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_state s;
	struct ca_group g[2] = { group("a", 0, 50, 20, 4000, 16 * GIB),
		group("b", 0, 50, 20, 4000, 16 * GIB) };
	struct ca_sd_node nodes[16];
	struct ca_sd_verdict v[16];
	struct ca_sd_summary sum;

	/* 8 empty nodes in a, 4 empty in b, 4 to drain in a. */
	for (int i = 0; i < 16; i++)
		nodes[i] = sdnode(100 + i, i >= 8 && i < 12 ? 1 : 0, 0.2, i < 12);
	ca_state_init(&s);
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, T0, v, &sum);
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, T0 + 11 * SIM_MIN, v, &sum);
	/* Parallelism 10: the 8 of a, then 2 of b; no room left to drain. */
	CHECK_INT(sum.ndelete_empty, 10);
	CHECK_INT(sum.ndelete_drain, 0);
	CHECK_INT(v[7].action, CA_SD_DELETE_EMPTY);
	CHECK_INT(v[9].action, CA_SD_DELETE_EMPTY);
	CHECK_INT(v[10].action, CA_SD_KEEP);
	CHECK_INT(v[12].action, CA_SD_KEEP);

	/* With 5 empty deletions in progress: 5 empty, then 1 drain (max 1). */
	s.empty_in_progress = 5;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, T0 + 12 * SIM_MIN, v, &sum);
	CHECK_INT(sum.ndelete_empty, 5);
	CHECK_INT(sum.ndelete_drain, 0);
	s.empty_in_progress = 0;
	for (int i = 0; i < 12; i++)
		nodes[i].elig.utilization = 0.9;	/* only the drain nodes remain */
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, T0 + 13 * SIM_MIN, v, &sum);
	CHECK_INT(sum.ndelete_drain, 1);
	CHECK_INT(v[12].action, CA_SD_DELETE_DRAIN);
	CHECK_INT(v[13].action, CA_SD_KEEP);
	s.drain_in_progress = 1;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, T0 + 14 * SIM_MIN, v, &sum);
	CHECK_INT(sum.ndelete_drain, 0);
	s.drain_in_progress = 0;

	/* Pods that cannot move: rechecked only after 5 minutes. */
	nodes[13].pods_fit_elsewhere = false;
	nodes[14].pdb_ok = false;
	sim_ns t = T0 + 20 * SIM_MIN;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, t, v, &sum);
	CHECK_STR(ca_reason_name(v[13].reason), "NoPlaceToMovePods");
	CHECK_STR(ca_reason_name(v[14].reason), "BlockedByPod");
	nodes[13].pods_fit_elsewhere = true;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, t + 5 * SIM_MIN - 1, v, &sum);
	CHECK_STR(ca_reason_name(v[13].reason), "RecentlyUnremovable");
	CHECK(!v[13].unneeded);
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 16, t + 5 * SIM_MIN, v, &sum);
	CHECK(v[13].unneeded);
	CHECK_INT(v[13].unneeded_since, t + 5 * SIM_MIN);	/* the timer restarted */
	CHECK_STR(ca_reason_name(v[14].reason), "BlockedByPod");
	ca_state_fini(&s);
}

/*
 * The planner's simulation order and limit. Order: nodes of groups above
 * their min size only; empty ones first, then the previous pass's unneeded
 * ones, then the rest, each in the given order. Limit (N = 10): before any
 * pass the loop interval is taken as scale-down-unneeded-time (10 min), so
 * min(0 + 2N, N x 1 + N) = 20; after passes 10 s apart min(unneeded + 20,
 * N x 60 + N = 610). A node not simulated is neither unneeded nor
 * rechecked, and loses its unneeded timer.
 */
static void
test_planner_order_and_limit(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_state s;
	struct ca_group g[2] = { group("a", 0, 50, 20, 4000, 16 * GIB),
		group("b", 5, 50, 5, 4000, 16 * GIB) };	/* b is at its min */
	struct ca_sd_node nodes[8];
	struct ca_sd_verdict v[8];
	struct ca_sd_summary sum;
	size_t order[8];

	for (int i = 0; i < 8; i++)
		nodes[i] = sdnode(10 + i, 0, 0.2, i == 3 || i == 6);
	nodes[5].elig.group = 1;
	nodes[7].elig.group = -1;
	ca_state_init(&s);
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 20);
	ca_planner_update(&cfg, &s, T0);
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 20);
	size_t no = ca_scale_down_order(&s, g, 2, nodes, 8, order);
	CHECK_INT(no, 6);	/* not 5 (b at min) nor 7 (no group) */
	static const size_t want0[] = { 3, 6, 0, 1, 2, 4 };
	for (size_t i = 0; i < no && i < 6; i++)
		CHECK_INT(order[i], want0[i]);

	/* Nodes 2 and 4 unneeded (1 does not fit elsewhere, 0 is busy; the
	 * rest not simulated): they come right after the empty ones. */
	nodes[0].elig.utilization = 0.9;
	nodes[1].pods_fit_elsewhere = false;
	nodes[3].not_simulated = true;
	nodes[6].not_simulated = true;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 8, T0, v, &sum);
	CHECK_INT(sum.nunneeded, 2);
	CHECK(v[2].unneeded && v[4].unneeded);
	CHECK(!v[3].unneeded && v[3].reason == CA_NO_REASON);
	CHECK_STR(ca_reason_name(v[1].reason), "NoPlaceToMovePods");
	CHECK(!ca_state_rechecked(&s, 13, T0 + 1));
	CHECK(ca_state_rechecked(&s, 11, T0 + 1));
	CHECK(!ca_state_rechecked(&s, 11, T0 + 5 * SIM_MIN));
	no = ca_scale_down_order(&s, g, 2, nodes, 8, order);
	static const size_t want1[] = { 3, 6, 2, 4, 0, 1 };
	for (size_t i = 0; i < no && i < 6; i++)
		CHECK_INT(order[i], want1[i]);

	/* 10 s later: the shortest interval is 10 s. */
	ca_planner_update(&cfg, &s, T0 + 10 * SIM_SEC);
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 2 + 20);
	/* Node 4 is skipped this time: it is no longer unneeded. */
	nodes[3].not_simulated = false;
	nodes[6].not_simulated = false;
	nodes[4].not_simulated = true;
	ca_scale_down_candidates(&cfg, &s, g, 2, nodes, 8, T0 + 10 * SIM_SEC, v, &sum);
	CHECK(!v[4].unneeded);
	CHECK_INT(ca_state_unneeded_since(&s, 14), SIM_NEVER);
	CHECK_INT(ca_state_unneeded_since(&s, 12), T0);
	CHECK_INT(ca_state_unneeded_since(&s, 13), T0 + 10 * SIM_SEC);
	CHECK(!ca_state_rechecked(&s, 14, T0 + 11 * SIM_SEC));

	/* The upper bound: N x (unneeded time / shortest interval) + N. */
	s.nunneeded = 1000;
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 610);
	cfg.max_scale_down_parallelism = 3;
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 3 * 60 + 3);
	s.nunneeded = 2;
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 2 + 6);
	/* A longer gap does not raise the shortest interval. */
	ca_planner_update(&cfg, &s, T0 + 40 * SIM_SEC);
	CHECK_INT(s.min_update_interval, 10 * SIM_SEC);
	/* An unneeded time shorter than the interval counts as one loop. */
	cfg.scale_down_unneeded_time = 5 * SIM_SEC;
	s.nunneeded = 1000;
	CHECK_INT(ca_unneeded_nodes_limit(&cfg, &s), 3 + 3);
	s.nunneeded = 2;
	ca_state_fini(&s);
}

static void
test_unready_and_limits(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_state s;
	struct ca_group g = group("pool", 0, 10, 3, 4000, 16 * GIB);
	struct ca_sd_node n[2] = { sdnode(1, 0, 0.0, true), sdnode(2, 0, 0.0, true) };
	struct ca_sd_verdict v[2];
	struct ca_sd_summary sum;

	n[0].elig.ready = false;
	ca_state_init(&s);
	ca_scale_down_candidates(&cfg, &s, &g, 1, n, 2, T0, v, &sum);
	ca_scale_down_candidates(&cfg, &s, &g, 1, n, 2, T0 + 15 * SIM_MIN, v, &sum);
	CHECK_STR(ca_reason_name(v[0].reason), "NotUnreadyLongEnough");
	CHECK_INT(v[1].action, CA_SD_DELETE_EMPTY);
	ca_scale_down_candidates(&cfg, &s, &g, 1, n, 2, T0 + 20 * SIM_MIN + 1, v, &sum);
	CHECK_INT(v[0].action, CA_SD_DELETE_EMPTY);

	/* cores-total min 5: 8 cores in the cluster, one node of 4 may go. */
	cfg.cores_total_min = 5;
	n[0].elig.ready = true;
	ca_scale_down_candidates(&cfg, &s, &g, 1, n, 2, T0 + 21 * SIM_MIN, v, &sum);
	CHECK_INT(sum.ndelete_empty, 0);
	CHECK_STR(ca_reason_name(v[0].reason), "MinimalResourceLimitExceeded");
	cfg.cores_total_min = 4;
	ca_scale_down_candidates(&cfg, &s, &g, 1, n, 2, T0 + 22 * SIM_MIN, v, &sum);
	CHECK_INT(sum.ndelete_empty, 1);
	CHECK_STR(ca_reason_name(v[1].reason), "MinimalResourceLimitExceeded");

	/* Unready nodes are kept when scale-down of unready is disabled. */
	cfg = ca_config_defaults();
	cfg.scale_down_unready_enabled = false;
	struct ca_elig_node e = { .group = 0, .ready = false, .to_be_deleted_at = SIM_NEVER };
	CHECK_INT(ca_eligibility(&cfg, &e, T0), CA_SCALE_DOWN_UNREADY_DISABLED);
	/* The ToBeDeleted taint counts for max-cloud-provider-node-deletion-time. */
	e.ready = true;
	e.to_be_deleted_at = T0 - 5 * SIM_MIN + 1;
	CHECK_INT(ca_eligibility(&cfg, &e, T0), CA_CURRENTLY_BEING_DELETED);
	e.to_be_deleted_at = T0 - 5 * SIM_MIN;
	CHECK_INT(ca_eligibility(&cfg, &e, T0), CA_NO_REASON);
	e.group = -1;
	CHECK_INT(ca_eligibility(&cfg, &e, T0), CA_NOT_AUTOSCALED);
	e.group = 0;
	e.gpu_node = true;
	e.utilization = 0.4;
	cfg.scale_down_gpu_utilization_threshold = 0.3;
	CHECK_INT(ca_eligibility(&cfg, &e, T0), CA_NOT_UNDERUTILIZED);
	ca_state_fini(&s);
}

static void
test_utilization_extra(void)
{
	struct ca_node_alloc a = { .cpu_milli = 1000, .memory = 1000, .has_cpu = true,
		.has_memory = true };
	struct ca_pod_usage p[2] = {
		{ .cpu_milli = 300, .memory = 100, .deletion_time = SIM_NEVER, .grace_s = 30 },
		{ .cpu_milli = 500, .memory = 800, .deletion_time = T0 - 61 * SIM_SEC,
		  .grace_s = 30 },
	};
	struct ca_util u;
	char *cause = NULL;

	/* Deleted 61s ago with 30s grace: long-terminating, ignored. */
	CHECK_INT(ca_utilization(&a, p, 2, false, false, T0, &u, NULL), 0);
	CHECK_NEAR(u.utilization, 0.3, 1e-15);
	CHECK_INT(u.resource, CA_RES_CPU);
	/* 60s ago: still counted (strictly before now). */
	p[1].deletion_time = T0 - 60 * SIM_SEC;
	CHECK_INT(ca_utilization(&a, p, 2, false, false, T0, &u, NULL), 0);
	CHECK_NEAR(u.cpu, 0.8, 1e-15);
	CHECK_NEAR(u.mem, 0.9, 1e-15);
	CHECK_INT(u.resource, CA_RES_MEMORY);
	a.cpu_milli = 0;
	CHECK_INT(ca_utilization(&a, p, 2, false, false, T0, &u, &cause), -1);
	CHECK_STR(cause, "cpu is 0 at node");
	free(cause);
}

/* A pod's usage as podutils.PodRequests counts it (the KEP-753 formula):
 * max(containers + sidecars, max over regular init containers of the init
 * container plus the sidecars started before it). */
static struct ca_pod_usage
usage_of(int64_t main_cpu, int64_t main_mem, const int64_t (*init)[3], size_t ninit)
{
	struct k8s_pod_spec spec;
	struct k8s_container c[4];
	memset(&spec, 0, sizeof spec);
	memset(c, 0, sizeof c);
	k8s_res_set(&c[0].requests, "cpu", main_cpu);
	k8s_res_set(&c[0].requests, "memory", main_mem);
	spec.containers = &c[0];
	spec.ncontainers = 1;
	for (size_t i = 0; i < ninit; i++) {
		k8s_res_set(&c[1 + i].requests, "cpu", init[i][0]);
		k8s_res_set(&c[1 + i].requests, "memory", init[i][1]);
		c[1 + i].restartable = init[i][2] != 0;
	}
	spec.init_containers = &c[1];
	spec.ninit = ninit;
	struct k8s_resources r;
	k8s_pod_request(&spec, false, &r);
	struct ca_pod_usage u = { .cpu_milli = r.cpu_milli, .memory = r.memory,
		.deletion_time = SIM_NEVER, .grace_s = 30 };
	k8s_res_free(&r);
	for (size_t i = 0; i < 1 + ninit; i++)
		k8s_res_free(&c[i].requests);
	return u;
}

static void
test_utilization_init_containers(void)
{
	struct ca_node_alloc a = { .cpu_milli = 2000, .memory = 2000000, .has_cpu = true,
		.has_memory = true };
	/* a sidecar (restartPolicy Always) adds to the pod; a small regular
	 * init container after it does not (5 + 50 < 100 + 50) */
	const int64_t with_sidecar[2][3] = { { 50, 100000, 1 }, { 5, 100, 0 } };
	/* a large regular init container dominates the pod's request */
	const int64_t large_init[1][3] = { { 50000, 100000000, 0 } };
	struct ca_pod_usage p[3] = {
		usage_of(100, 200000, NULL, 0),
		usage_of(100, 200000, with_sidecar, 2),
		usage_of(100, 200000, large_init, 1),
	};
	CHECK_INT(p[1].cpu_milli, 150);
	CHECK_INT(p[1].memory, 300000);
	CHECK_INT(p[2].cpu_milli, 50000);
	CHECK_INT(p[2].memory, 100000000);
	struct ca_util u;
	CHECK_INT(ca_utilization(&a, p, 3, false, false, T0, &u, NULL), 0);
	CHECK_NEAR(u.cpu, (100.0 + 150 + 50000) / 2000, 1e-12);
	CHECK_NEAR(u.mem, (200000.0 + 300000 + 100000000) / 2000000, 1e-12);
	CHECK_INT(u.resource, CA_RES_MEMORY);
	/* a regular init container before the sidecar does not see it */
	const int64_t init_first[2][3] = { { 120, 10, 0 }, { 50, 10, 1 } };
	struct ca_pod_usage q = usage_of(100, 10, init_first, 2);
	CHECK_INT(q.cpu_milli, 150);	/* max(100 + 50, 120) */
	/* a pod deleted 10 minutes ago (deletionTimestamp = request + grace)
	 * is past grace + 30 s: ignored */
	p[0].deletion_time = T0 - 600 * SIM_SEC;
	CHECK_INT(ca_utilization(&a, p, 3, false, false, T0, &u, NULL), 0);
	CHECK_NEAR(u.cpu, (150.0 + 50000) / 2000, 1e-12);
}

static void
test_estimator(void)
{
	struct ca_group g = group("pool", 0, 100, 0, 4000, 16 * GIB);
	struct ca_pod_group one = { .count = 10, .cpu_milli = 1000, .memory = GIB };
	int sched = 0, per[2];

	/* cpu-bound: 4 per node -> 4 + 4 + 2. */
	CHECK_INT(ca_estimate(&g, &one, NULL, 1, 0, &sched, per), 3);
	CHECK_INT(sched, 10);
	CHECK_INT(ca_estimate(&g, &one, NULL, 1, 2, &sched, per), 2);
	CHECK_INT(sched, 8);
	CHECK_INT(ca_estimate(&g, &one, NULL, 1, -1, &sched, per), 0);
	CHECK_INT(sched, 0);

	/* Decreasing order: the 3000m pods open two nodes, the 500m ones
	 * then fill node 1 (two) and node 2 (one). */
	struct ca_pod_group mix[2] = {
		{ .count = 3, .cpu_milli = 500, .memory = GIB },
		{ .count = 2, .cpu_milli = 3000, .memory = GIB },
	};
	CHECK_INT(ca_estimate(&g, mix, NULL, 2, 0, &sched, per), 2);
	CHECK_INT(sched, 5);
	CHECK_INT(per[0], 3);
	CHECK_INT(per[1], 2);
	/* A pod larger than the template never opens a node. */
	struct ca_pod_group huge = { .count = 2, .cpu_milli = 5000 };
	CHECK_INT(ca_estimate(&g, &huge, NULL, 1, 0, &sched, NULL), 0);
	/* The pod-count limit: 3 pods of nothing, 2 pods per node. */
	g.pods = 2;
	struct ca_pod_group tiny = { .count = 3 };
	CHECK_INT(ca_estimate(&g, &tiny, NULL, 1, 0, &sched, NULL), 2);
	bool no = false;
	CHECK_INT(ca_estimate(&g, &tiny, &no, 1, 0, &sched, NULL), 0);
}

static void
test_scale_up(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_group g[2] = { group("small", 0, 10, 2, 4000, 16 * GIB),
		group("big", 0, 10, 2, 8000, 32 * GIB) };
	struct ca_pod_group pg = { .count = 10, .cpu_milli = 1000, .memory = GIB };
	struct ca_su_plan p;

	/* least-waste: small needs 3 nodes, waste 2000/12000 + 38/48 = 0.958;
	 * big needs 2, waste 6000/16000 + 54/64 = 1.219. */
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, NULL, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_OK);
	CHECK_INT(p.group, 0);
	CHECK_INT(p.node_count, 3);
	CHECK_INT(p.pods_helped, 10);
	CHECK_INT(p.noptions, 2);

	/* least-nodes prefers big. */
	cfg.expanders[0] = CA_EXPANDER_LEAST_NODES;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, NULL, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.group, 1);
	CHECK_INT(p.node_count, 2);
	cfg.expanders[0] = CA_EXPANDER_LEAST_WASTE;

	/* Group max: small has room for 1 node (9 of 10): 4 pods. */
	g[0].target_size = 9;
	bool fits[2] = { true, false };
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 11, 44, 176 * GIB, T0, NULL, &p);
	CHECK_INT(p.group, 0);
	CHECK_INT(p.node_count, 1);
	CHECK_INT(p.pods_helped, 4);
	/* At max size: no option. */
	g[0].target_size = 10;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 12, 48, 192 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_NO_OPTIONS);
	CHECK_INT(p.group, -1);
	g[0].target_size = 2;

	/* max-nodes-total 6 with 4 nodes: 2 more at most. */
	cfg.max_nodes_total = 6;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_OK);
	CHECK_INT(p.node_count, 2);
	CHECK_INT(p.estimated, 2);
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 6, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_MAX_NODES_TOTAL);
	cfg.max_nodes_total = 0;

	/* cores-total max 30 with 24 used: one 4-core node fits. */
	cfg.cores_total_max = 30;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.node_count, 1);
	cfg.cores_total_max = 27;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_RESOURCE_LIMIT);
	cfg.cores_total_max = 320000;

	/* A group in backoff is skipped. */
	g[0].backoff_until = T0 + 1;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, fits, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_NO_OPTIONS);
	g[0].backoff_until = 0;

	pg.count = 0;
	ca_scale_up_plan(&cfg, g, 2, &pg, 1, NULL, 4, 24, 96 * GIB, T0, NULL, &p);
	CHECK_INT(p.status, CA_SU_NOT_NEEDED);
}

static struct ca_option
opt(const char *name, int nodes, int npods, int64_t cap_cpu, double price)
{
	struct ca_option o;
	memset(&o, 0, sizeof o);
	o.name = name;
	o.node_count = nodes;
	o.npods = npods;
	o.cap_cpu_milli = cap_cpu;
	o.cap_memory = 4 * cap_cpu / 1000 * GIB;
	o.node_price = price;
	return o;
}

static void
test_price(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_expander_ctx ctx = { .cfg = &cfg, .cluster_nodes = 10 };

	CHECK_INT(ca_price_preferred_cpu(2), 1000);
	CHECK_INT(ca_price_preferred_cpu(3), 2000);
	CHECK_INT(ca_price_preferred_cpu(6), 2000);
	CHECK_INT(ca_price_preferred_cpu(20), 4000);
	CHECK_INT(ca_price_preferred_cpu(21), 8000);
	CHECK_INT(ca_price_preferred_cpu(200), 16000);
	CHECK_INT(ca_price_preferred_cpu(201), 32000);
	/* stabilization pod: 0.5 x 0.033174 + (500/1024) x 0.004446 */
	CHECK_NEAR(ca_price_pod(&cfg, 500, 500LL * 1024 * 1024, 0), 0.0187578984375, 1e-15);

	/* Pods of 6 cores and 12 GiB: price 0.252396. A: two 4-core nodes at
	 * 0.19 (the preferred size for 10 nodes: unfitness 1); B: one 8-core
	 * node at 0.38 (unfitness 2, not suppressed for 1 node); C: four
	 * 2-core nodes at 0.095 (unfitness 2 suppressed by tanh(3/15)). */
	struct ca_option o[3] = { opt("A", 2, 6, 4000, 0.19), opt("B", 1, 6, 8000, 0.38),
		opt("C", 4, 6, 2000, 0.095) };
	for (int i = 0; i < 3; i++) {
		o[i].pods_cpu_milli = 6000;
		o[i].pods_memory = 12 * GIB;
	}
	CHECK_NEAR(ca_price_score(&ctx, &o[0], 0.252396), 1.4705962213167747, 1e-12);
	CHECK_NEAR(ca_price_score(&ctx, &o[1], 0.252396), 2.9411924426335494, 1e-12);
	CHECK_NEAR(ca_price_score(&ctx, &o[2], 0.252396), 2.6509330425296174, 1e-12);
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRICE, &ctx, o, 3, NULL), 1);
	CHECK_STR(o[0].name, "A");
	/* A GPU template gets unfitness 1000. */
	o[0].cap_gpu = 1;
	CHECK_NEAR(ca_price_score(&ctx, &o[0], 0.252396), 1000 * 1.4705962213167747, 1e-9);
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRICE, &ctx, o, 3, NULL), 1);
	CHECK_STR(o[0].name, "C");
	/* Equal scores: the first one stays. */
	struct ca_option t[2] = { opt("X", 1, 1, 4000, 0.2), opt("Y", 1, 1, 4000, 0.2) };
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRICE, &ctx, t, 2, NULL), 1);
	CHECK_STR(t[0].name, "X");
	/* A group without a price is priced from its capacity. */
	struct ca_group g = group("g", 0, 1, 0, 2000, 8 * GIB);
	CHECK_NEAR(ca_price_group_node(&cfg, &g), 2 * 0.033174 + 8 * 0.004446, 1e-15);
}

static void
test_priority(void)
{
	char *hi[] = { "spot" };
	char *mid[] = { "^big-.*" };
	char *all[] = { ".*" };
	char *neg[] = { "other" };
	struct ca_priority_level levels[] = {
		{ 10, mid, 1 }, { 50, hi, 1 }, { 1, all, 1 }, { -5, neg, 1 },
	};
	struct ca_config cfg = ca_config_defaults();
	struct ca_expander_ctx ctx = { .cfg = &cfg };
	cfg.priorities = levels;
	cfg.npriorities = 4;
	char *cause = NULL;
	CHECK_INT(ca_config_check_priorities(&cfg, &cause), 0);

	struct ca_option o[4] = { opt("big-a", 1, 1, 1000, 1), opt("small-spot", 1, 1, 1000, 1),
		opt("big-spot", 1, 1, 1000, 1), opt("other", 1, 1, 1000, 1) };
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRIORITY, &ctx, o, 4, NULL), 2);
	CHECK_STR(o[0].name, "small-spot");
	CHECK_STR(o[1].name, "big-spot");
	/* Without the spot level big-a wins at 10. */
	cfg.npriorities = 1;
	struct ca_option p[3] = { opt("small", 1, 1, 1000, 1), opt("big-a", 1, 1, 1000, 1),
		opt("big-b", 1, 1, 1000, 1) };
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRIORITY, &ctx, p, 3, NULL), 2);
	CHECK_STR(p[0].name, "big-a");
	/* Only a negative priority matches: nothing is filtered. */
	cfg.priorities = &levels[3];
	struct ca_option q[2] = { opt("other", 1, 1, 1000, 1), opt("x", 1, 1, 1000, 1) };
	CHECK_INT(ca_expander_filter(CA_EXPANDER_PRIORITY, &ctx, q, 2, NULL), 2);

	char *bad[] = { "(" };
	struct ca_priority_level badl = { 3, bad, 1 };
	cfg.priorities = &badl;
	CHECK_INT(ca_config_check_priorities(&cfg, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "priority 3") != NULL);
	free(cause);
}

static void
test_chain_and_random(void)
{
	struct ca_config cfg = ca_config_defaults();
	struct ca_expander_ctx ctx = { .cfg = &cfg };
	char *cause = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 42);

	CHECK_INT(ca_config_set_expanders(&cfg, "most-pods,least-nodes", &cause), 0);
	CHECK_INT(cfg.nexpanders, 2);
	struct ca_option o[4] = { opt("a", 3, 5, 1000, 1), opt("b", 2, 5, 1000, 1),
		opt("c", 1, 4, 1000, 1), opt("d", 2, 5, 1000, 1) };
	/* most-pods keeps a, b, d; least-nodes then b and d; random picks. */
	int seen[4] = { 0, 0, 0, 0 };
	for (int i = 0; i < 200; i++) {
		int k = ca_expander_choose(&ctx, o, 4, rng);
		CHECK(k == 1 || k == 3);
		if (k >= 0)
			seen[k]++;
	}
	CHECK(seen[1] > 50 && seen[3] > 50);
	CHECK_INT(ca_expander_choose(&ctx, o, 4, NULL), 1);
	CHECK_INT(ca_expander_choose(&ctx, o, 0, rng), -1);
	/* One left after a filter: chosen without a draw. */
	CHECK_INT(ca_config_set_expanders(&cfg, "least-nodes", &cause), 0);
	CHECK_INT(ca_expander_choose(&ctx, o, 4, NULL), 2);

	CHECK_INT(ca_config_set_expanders(&cfg, "grpc", &cause), -1);
	CHECK(cause != NULL && strstr(cause, "grpc") != NULL);
	free(cause);
	cause = NULL;
	CHECK_INT(ca_config_set_expanders(&cfg, "least-waste,cheapest", &cause), -1);
	CHECK(cause != NULL && strstr(cause, "'cheapest'") != NULL);
	free(cause);
	CHECK_INT(cfg.nexpanders, 1);	/* unchanged by the failed parse */
	CHECK_STR(ca_expander_name(CA_EXPANDER_LEAST_WASTE), "least-waste");

	/* random as a filter keeps exactly one option. */
	struct ca_option r[3] = { opt("x", 1, 1, 1000, 1), opt("y", 1, 1, 1000, 1),
		opt("z", 1, 1, 1000, 1) };
	CHECK_INT(ca_expander_filter(CA_EXPANDER_RANDOM, &ctx, r, 3, rng), 1);
	gsl_rng_free(rng);
}

/* The pair of lists a pass carries, compared entry by entry. */
static bool
same_state(const struct ca_state *a, const struct ca_state *b)
{
	if (a->nunneeded != b->nunneeded || a->nrecheck != b->nrecheck)
		return false;
	for (size_t i = 0; i < a->nunneeded; i++)
		if (a->unneeded[i].node != b->unneeded[i].node ||
		    a->unneeded[i].since != b->unneeded[i].since)
			return false;
	for (size_t i = 0; i < a->nrecheck; i++)
		if (a->recheck[i].node != b->recheck[i].node ||
		    a->recheck[i].until != b->recheck[i].until)
			return false;
	return a->empty_in_progress == b->empty_in_progress &&
	    a->drain_in_progress == b->drain_in_progress;
}

struct ids {
	int64_t	*v;
	size_t	 n;
};

static bool
ids_has(void *ctx, int64_t node)
{
	const struct ids *x = ctx;
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i] == node)
			return true;
	return false;
}

/*
 * ca_scale_down_pass over a subset against ca_scale_down_candidates over
 * every node, pass after pass with random nodes: the subset holds the
 * nodes simulated (eligible candidates of groups above min size, not
 * recently unremovable, not cut by the limit) and a random part of the
 * others; the states and the subset's verdicts must be the same, and the
 * nodes left out must keep their nodes with nothing to do.
 */
static void
test_pass_subset(void)
{
	struct ca_config cfg = ca_config_defaults();
	cfg.scale_down_unneeded_time = 30 * SIM_SEC;
	cfg.unremovable_node_recheck_timeout = 40 * SIM_SEC;
	cfg.cores_total_min = 136;	/* (about 36 nodes of 4 cores each pass) */
	struct ca_state a, b;
	ca_state_init(&a);
	ca_state_init(&b);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5);
	enum { N = 40 };
	struct ca_sd_node nodes[N], sub[N];
	struct ca_sd_verdict va[N], vb[N];
	size_t where[N];
	int64_t idv[N];
	sim_ns now = T0;
	int bad_state = 0, bad_verdict = 0, bad_left = 0, unneeded = 0, deleted = 0, rechecked = 0;
	for (int round = 0; round < 400; round++) {
		now += (sim_ns)(1 + gsl_rng_uniform_int(r, 20)) * SIM_SEC;
		struct ca_group g[2] = {
			group("a", 2, 30, 2 + (int)gsl_rng_uniform_int(r, 12), 4000, 16 * GIB),
			group("b", 1, 30, 1 + (int)gsl_rng_uniform_int(r, 3), 4000, 16 * GIB),
		};
		size_t n = 0;
		for (int id = 0; id < N; id++) {
			if (gsl_rng_uniform(r) < 0.1)	/* not Ready nor NotReady now */
				continue;
			struct ca_sd_node *x = &nodes[n++];
			int grp = (int)gsl_rng_uniform_int(r, 5) - 1;	/* mostly group 0 */
			*x = sdnode(id, grp > 1 ? 0 : grp, 0.8 * gsl_rng_uniform(r),
			    gsl_rng_uniform(r) < 0.2);
			x->elig.ready = gsl_rng_uniform(r) < 0.9;
			x->elig.util_error = gsl_rng_uniform(r) < 0.03;
			x->pods_fit_elsewhere = gsl_rng_uniform(r) < 0.85;
			x->pdb_ok = gsl_rng_uniform(r) < 0.95;
			x->not_simulated = gsl_rng_uniform(r) < 0.1;
		}
		size_t m = 0;
		struct ids all_ids = { idv, n };
		struct ca_sd_cluster all = { 0, 0, ids_has, &all_ids };
		for (size_t i = 0; i < n; i++) {
			const struct ca_sd_node *x = &nodes[i];
			idv[i] = x->id;
			all.cores += ca_node_cores(x->cpu_milli);
			all.memory += x->memory;
			bool simulated = x->elig.group >= 0 &&
			    g[x->elig.group].target_size > g[x->elig.group].min_size &&
			    !ca_state_rechecked(&b, x->id, now) &&
			    ca_eligibility(&cfg, &x->elig, now) == CA_NO_REASON && !x->not_simulated;
			if (simulated || gsl_rng_uniform(r) < 0.3) {
				where[m] = i;
				sub[m++] = *x;
			}
		}
		struct ca_sd_summary sa, sb;
		ca_scale_down_candidates(&cfg, &a, g, 2, nodes, n, now, va, &sa);
		ca_scale_down_pass(&cfg, &b, g, 2, sub, m, &all, now, vb, &sb);
		bad_state += !same_state(&a, &b) || sa.in_cooldown != sb.in_cooldown ||
		    sa.nunneeded != sb.nunneeded || sa.ndelete_empty != sb.ndelete_empty ||
		    sa.ndelete_drain != sb.ndelete_drain;
		for (size_t j = 0; j < m; j++) {
			const struct ca_sd_verdict *x = &va[where[j]], *y = &vb[j];
			bad_verdict += x->reason != y->reason || x->unneeded != y->unneeded ||
			    x->unneeded_since != y->unneeded_since || x->action != y->action;
		}
		for (size_t i = 0, j = 0; i < n; i++) {
			if (j < m && where[j] == i) {
				j++;
				continue;
			}
			bad_left += va[i].unneeded || va[i].action != CA_SD_KEEP;
		}
		unneeded += sa.nunneeded;
		rechecked += (int)a.nrecheck;
		deleted += sa.ndelete_empty + sa.ndelete_drain;
		ca_state_note_deletions_started(&a, sa.ndelete_empty, sa.ndelete_drain, now);
		ca_state_note_deletions_started(&b, sb.ndelete_empty, sb.ndelete_drain, now);
		if (gsl_rng_uniform(r) < 0.3) {
			ca_state_note_deletion_done(&a, gsl_rng_uniform(r) < 0.5);
			b.empty_in_progress = a.empty_in_progress;
			b.drain_in_progress = a.drain_in_progress;
		}
	}
	CHECK_INT(bad_state, 0);
	CHECK_INT(bad_verdict, 0);
	CHECK_INT(bad_left, 0);
	CHECK(unneeded > 100);
	CHECK(rechecked > 100);
	CHECK(deleted > 10);
	gsl_rng_free(r);
	ca_state_fini(&a);
	ca_state_fini(&b);
}

int
main(void)
{
	test_unneeded_timer();
	test_delays();
	test_budgets_and_recheck();
	test_planner_order_and_limit();
	test_unready_and_limits();
	test_utilization_extra();
	test_utilization_init_containers();
	test_estimator();
	test_scale_up();
	test_price();
	test_priority();
	test_chain_and_random();
	test_pass_subset();
	return tl_finish();
}
