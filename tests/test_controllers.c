/*
 * test_controllers.c - behaviour of the controller and kubelet algorithm
 * libraries that the upstream vectors do not reach: a whole rolling update
 * driven through reconcileNew/reconcileOld (never more than replicas +
 * maxSurge pods, never fewer than replicas - maxUnavailable available),
 * Recreate, condition timestamps, disruptedPods timing, eviction refusals,
 * quantity and duration parsing, default thresholds and back-off queries.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/deployment.h"
#include "models/controller/disruption.h"
#include "models/kubelet/backoff.h"
#include "models/kubelet/eviction.h"
#include "models/kubelet/qos.h"
#include "tests/testlib.h"

#define SEC	1000000000LL

/* ---- Deployment --------------------------------------------------------- */

static struct deploy_spec
rolling(int32_t replicas, int32_t surge_pct, int32_t unavail_pct)
{
	return (struct deploy_spec){ .replicas = replicas, .strategy = DEPLOY_ROLLING_UPDATE,
		.max_surge = intstr_pct(surge_pct), .max_unavailable = intstr_pct(unavail_pct),
		.has_progress_deadline = true, .progress_deadline_s = 600,
		.has_revision_history = true, .revision_history_limit = 10 };
}

/* A rollout of 10 replicas at 25%/25%: new pods become available one sync
 * after they are created; removed old pods go at once. */
static void
test_rolling_update(void)
{
	struct deploy_spec d = rolling(10, 25, 25);
	CHECK_INT(deploy_max_surge(&d), 3);		/* ceil(2.5) */
	CHECK_INT(deploy_max_unavailable(&d), 2);	/* floor(2.5) */
	struct deploy_rs old = { .name = "v1", .created_ns = 0, .spec_replicas = 10,
		.status_replicas = 10, .available_replicas = 10, .revision = 1 };
	struct deploy_rs nw = { .name = "v2", .created_ns = SEC, .revision = 2 };
	int steps = 0;
	bool ok_surge = true, ok_avail = true;
	while (steps < 50 && !(nw.available_replicas == 10 && old.spec_replicas == 0)) {
		struct deploy_rs *all[2] = { &old, &nw }, *olds[1] = { &old };
		bool scaled;
		CHECK_INT(deploy_reconcile_new(&d, all, 2, &nw, &scaled), 0);
		deploy_reconcile_old(&d, olds, 1, &nw);
		if (old.available_replicas > old.spec_replicas)
			old.available_replicas = old.status_replicas = old.spec_replicas;
		if (old.spec_replicas + nw.spec_replicas > 13)
			ok_surge = false;
		if (old.available_replicas + nw.available_replicas < 8)
			ok_avail = false;
		nw.status_replicas = nw.available_replicas = nw.spec_replicas;
		steps++;
	}
	CHECK(ok_surge);
	CHECK(ok_avail);
	CHECK_INT(nw.spec_replicas, 10);
	CHECK_INT(old.spec_replicas, 0);
	CHECK(steps > 2 && steps < 10);
	/* The first sync: new RS to 3 (13 - 10), old RS to 8 (13 - 8 - 3). */
	struct deploy_rs o2 = { .name = "v1", .spec_replicas = 10, .status_replicas = 10,
		.available_replicas = 10 }, n2 = { .name = "v2", .created_ns = 1 };
	struct deploy_rs *all2[2] = { &o2, &n2 }, *old2[1] = { &o2 };
	bool scaled;
	deploy_reconcile_new(&d, all2, 2, &n2, &scaled);
	CHECK(scaled);
	CHECK_INT(n2.spec_replicas, 3);
	CHECK(n2.has_desired && n2.desired_replicas == 10 && n2.has_max && n2.max_replicas == 13);
	CHECK(deploy_reconcile_old(&d, old2, 1, &n2));
	CHECK_INT(o2.spec_replicas, 8);
	/* Unchanged size: reconcile leaves annotations alone, scaleReplicaSet not. */
	struct deploy_rs r = { .name = "x", .spec_replicas = 10 };
	struct deploy_rs *ra[1] = { &r };
	deploy_reconcile_new(&d, ra, 1, &r, &scaled);
	CHECK(!scaled && !r.has_desired);
	CHECK(!deploy_scale_rs(&d, &r, 10));
	CHECK(r.has_desired && r.max_replicas == 13);
}

/* Upstream's sync loop: one action per sync (scale up, else down). A
 * scaling event in the middle is proportional scaling, not a rollout. */
static void
test_rolling_steps(void)
{
	struct deploy_spec d = rolling(10, 25, 25);
	struct deploy_rs old = { .name = "v1", .created_ns = 0, .spec_replicas = 10,
		.status_replicas = 10, .available_replicas = 10, .has_desired = true,
		.desired_replicas = 10, .has_max = true, .max_replicas = 13 };
	struct deploy_rs nw = { .name = "v2", .created_ns = SEC };
	struct deploy_rs *olds[1] = { &old }, *scratch[3];
	int ups = 0, downs = 0, syncs = 0;
	bool ok = true;
	enum deploy_step step = DEPLOY_STEP_SCALED_UP;
	while (syncs < 60 && !(nw.available_replicas == 10 && old.spec_replicas == 0)) {
		CHECK_INT(deploy_rolling_step(&d, &nw, olds, 1, scratch, &step), 0);
		ups += step == DEPLOY_STEP_SCALED_UP;
		downs += step == DEPLOY_STEP_SCALED_DOWN;
		if (old.available_replicas > old.spec_replicas)
			old.available_replicas = old.status_replicas = old.spec_replicas;
		if (old.spec_replicas + nw.spec_replicas > 13 ||
		    old.available_replicas + nw.available_replicas < 8)
			ok = false;
		nw.status_replicas = nw.available_replicas = nw.spec_replicas;
		syncs++;
	}
	CHECK(ok);
	CHECK(ups > 0 && downs > 0);
	CHECK_INT(nw.spec_replicas, 10);
	CHECK_INT(old.spec_replicas, 0);
	/* Then an HPA scales 10 -> 20 with both ReplicaSets active. */
	old.spec_replicas = old.available_replicas = 5;
	nw.spec_replicas = nw.available_replicas = 5;
	d.replicas = 20;
	struct deploy_rs *all[2] = { &old, &nw };
	CHECK(deploy_is_scaling_event(&d, all, 2));
	deploy_scale_proportionally(&d, 10, &nw, olds, 1, scratch);
	CHECK_INT(old.spec_replicas + nw.spec_replicas, 25);	/* 20 + surge 5 */
	CHECK(!deploy_is_scaling_event(&d, all, 2));
}

/* Recreate: down to zero, wait for old pods to go, then up. */
static void
test_recreate_steps(void)
{
	struct deploy_spec d = { .replicas = 4, .strategy = DEPLOY_RECREATE };
	struct deploy_rs old = { .name = "v1", .spec_replicas = 4, .status_replicas = 4 };
	struct deploy_rs nw = { .name = "v2", .created_ns = SEC };
	struct deploy_rs *olds[1] = { &old };
	enum deploy_step step;
	deploy_recreate_step(&d, &nw, olds, 1, false, &step);
	CHECK_INT(step, DEPLOY_STEP_SCALED_DOWN);
	CHECK_INT(old.spec_replicas, 0);
	deploy_recreate_step(&d, &nw, olds, 1, false, &step);
	CHECK_INT(step, DEPLOY_STEP_WAITING);		/* status.replicas still 4 */
	old.status_replicas = 0;
	deploy_recreate_step(&d, &nw, olds, 1, true, &step);
	CHECK_INT(step, DEPLOY_STEP_WAITING);		/* a pod still terminating */
	deploy_recreate_step(&d, &nw, olds, 1, false, &step);
	CHECK_INT(step, DEPLOY_STEP_SCALED_UP);
	CHECK_INT(nw.spec_replicas, 4);
	deploy_recreate_step(&d, &nw, olds, 1, false, &step);
	CHECK_INT(step, DEPLOY_STEP_NONE);
}

static void
test_recreate_and_cleanup(void)
{
	struct deploy_spec d = { .replicas = 3, .strategy = DEPLOY_RECREATE,
		.has_revision_history = true, .revision_history_limit = 1 };
	struct deploy_rs a = { .name = "a", .spec_replicas = 2 }, b = { .name = "b" };
	struct deploy_rs *old[2] = { &a, &b };
	CHECK(deploy_recreate_scale_down(&d, old, 2));
	CHECK_INT(a.spec_replicas, 0);
	CHECK(!deploy_recreate_scale_down(&d, old, 2));
	CHECK_INT(deploy_max_surge(&d), 0);
	CHECK_INT(deploy_min_available(&d), 0);
	/* A ReplicaSet being deleted neither counts nor is deleted again. */
	struct deploy_rs c = { .name = "c", .deleting = true, .revision = 1 };
	struct deploy_rs e = { .name = "e", .revision = 2 }, f = { .name = "f", .revision = 3 };
	struct deploy_rs *l[3] = { &c, &e, &f }, *del[3];
	size_t k = deploy_cleanup(&d, l, 3, del);
	CHECK_INT(k, 1);
	CHECK(k == 1 && del[0] == &e);
	d.revision_history_limit = INT32_MAX;
	CHECK_INT(deploy_cleanup(&d, l, 3, del), 0);
}

static void
test_progress(void)
{
	struct deploy_spec d = rolling(3, 25, 25);
	struct deploy_status cur = { .replicas = 3, .updated_replicas = 1,
		.available_replicas = 2 };
	cur.progressing = (struct deploy_condition){ DEPLOY_COND_TRUE, DEPLOY_REASON_RS_UPDATED,
		100 * SEC, 50 * SEC };
	struct deploy_rs o = { .name = "o", .spec_replicas = 1, .status_replicas = 1,
		.available_replicas = 1 };
	struct deploy_rs n = { .name = "n", .spec_replicas = 2, .status_replicas = 2,
		.available_replicas = 2 };
	struct deploy_rs *all[2] = { &o, &n };
	struct deploy_status out;
	/* More updated pods: progress, lastUpdate now, lastTransition kept. */
	deploy_sync_rollout_status(&d, &cur, all, 2, &n, 200 * SEC, &out);
	CHECK_INT(out.progressing.status, DEPLOY_COND_TRUE);
	CHECK_INT(out.progressing.last_update_ns, 200 * SEC);
	CHECK_INT(out.progressing.last_transition_ns, 50 * SEC);
	CHECK_INT(out.available.status, DEPLOY_COND_TRUE);
	CHECK_STR(deploy_reason_name(out.available.reason), "MinimumReplicasAvailable");
	CHECK_INT(out.updated_replicas, 2);
	CHECK_INT(out.replicas, 3);
	/* requeueStuckDeployment: lastUpdate + 600 s - now. */
	struct deploy_status nothing = cur;
	CHECK_INT(deploy_requeue_after(&d, &cur, &nothing, 280 * SEC), 420 * SEC);
	CHECK(!deploy_timed_out(&d, &cur, 700 * SEC));
	CHECK(deploy_timed_out(&d, &cur, 700 * SEC + 1));
	d.has_progress_deadline = false;
	CHECK_INT(deploy_requeue_after(&d, &cur, &nothing, 280 * SEC), DEPLOY_NO_REQUEUE);
	deploy_sync_rollout_status(&d, &cur, all, 2, &n, 200 * SEC, &out);
	CHECK_INT(out.progressing.status, DEPLOY_COND_ABSENT);
	struct intstr bad;
	CHECK(intstr_parse_string("25", &bad) < 0);
	CHECK(intstr_parse_string("2.5%", &bad) < 0);
	CHECK(intstr_parse_string("-5%", &bad) == 0 && bad.value == -5);
}

/* ---- PodDisruptionBudget -------------------------------------------------- */

static const struct disr_object *
lookup(void *ctx, const char *kind, const char *name)
{
	static const struct disr_ref dep = { "apps/v1", "Deployment", "web", "dep-uid" };
	static const struct disr_object rs1 = { "rs1-uid", 3, &dep };
	static const struct disr_object rs2 = { "rs2-uid", 3, &dep };
	static const struct disr_object d = { "dep-uid", 4, NULL };
	(void)ctx;
	if (strcmp(kind, "ReplicaSet") == 0 && strcmp(name, "web-1") == 0)
		return &rs1;
	if (strcmp(kind, "ReplicaSet") == 0 && strcmp(name, "web-2") == 0)
		return &rs2;
	if (strcmp(kind, "Deployment") == 0 && strcmp(name, "web") == 0)
		return &d;
	return NULL;
}

static void
test_pdb_status(void)
{
	const int64_t now = 1000 * SEC;
	struct disr_ref r1 = { "apps/v1", "ReplicaSet", "web-1", "rs1-uid" };
	struct disr_ref r2 = { "apps/v1", "ReplicaSet", "web-2", "rs2-uid" };
	struct disr_pod p[3] = {
		{ .name = "a", .ready = true, .controller = &r1 },
		{ .name = "b", .ready = true, .controller = &r2 },
		{ .name = "c", .ready = true, .controller = &r2 },
	};
	struct disr_pod *v[3] = { &p[0], &p[1], &p[2] };
	struct disr_spec spec = { .max_unavailable = intstr_int(1), .generation = 2 };
	struct disr_scale scratch[3];
	struct disr_status st;
	struct disr_disrupted kept[2];
	/* Two ReplicaSets of one Deployment count its scale once. */
	CHECK_INT(disr_sync(&spec, v, 3, NULL, 0, lookup, NULL, now, scratch, &st, kept, NULL), 0);
	CHECK_INT(st.expected_pods, 4);
	CHECK_INT(st.desired_healthy, 3);
	CHECK_INT(st.disruptions_allowed, 0);
	CHECK_INT(st.observed_generation, 2);
	/* A pod disrupted a minute ago is not healthy; after 2 minutes it is
	 * forgotten; at exactly 2 minutes it is kept but counted healthy. */
	struct disr_disrupted dis[2] = { { "a", now - 60 * SEC }, { "gone", now } };
	spec = (struct disr_spec){ .min_available = intstr_int(1) };
	disr_sync(&spec, v, 3, dis, 2, lookup, NULL, now, scratch, &st, kept, NULL);
	CHECK_INT(st.current_healthy, 2);
	CHECK_INT(st.ndisrupted, 1);
	CHECK_INT(st.recheck_ns, now + 60 * SEC);
	CHECK_INT(st.disruptions_allowed, 1);
	CHECK(st.disruption_allowed);
	dis[0].time_ns = now - 121 * SEC;
	disr_sync(&spec, v, 3, dis, 2, lookup, NULL, now, scratch, &st, kept, NULL);
	CHECK_INT(st.current_healthy, 3);
	CHECK_INT(st.ndisrupted, 0);
	dis[0].time_ns = now - 120 * SEC;
	disr_sync(&spec, v, 3, dis, 2, lookup, NULL, now, scratch, &st, kept, NULL);
	CHECK_INT(st.current_healthy, 3);
	CHECK_INT(st.ndisrupted, 1);
	/* Being deleted is never healthy. */
	p[1].deleting = true;
	disr_sync(&spec, v, 3, NULL, 0, lookup, NULL, now, scratch, &st, kept, NULL);
	CHECK_INT(st.current_healthy, 2);
	/* A percentage needs every owner found. */
	struct disr_ref lost = { "apps/v1", "ReplicaSet", "nope", "x" };
	p[2].controller = &lost;
	spec = (struct disr_spec){ .min_available = intstr_pct(50) };
	char *cause = NULL;
	CHECK_INT(disr_sync(&spec, v, 3, NULL, 0, lookup, NULL, now, scratch, &st, kept, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "found no controllers for pod \"c\"") != NULL);
	free(cause);
	disr_fail_safe(&spec, &st);
	CHECK_INT(st.disruptions_allowed, 0);
}

static void
test_pdb_eviction(void)
{
	struct disr_pod pod = { .name = "p", .ready = true };
	struct disr_budget b = { .name = "pdb", .generation = 2 };
	b.status = (struct disr_status){ .disruptions_allowed = 1, .observed_generation = 1,
		.current_healthy = 3, .desired_healthy = 2, .disruption_allowed = true };
	struct disr_budget *one[1] = { &b }, *two[2] = { &b, &b };
	struct disr_eviction e;
	disr_evict(&pod, one, 1, &e);
	CHECK_INT(e.code, 429);
	CHECK_STR(e.cause, "The disruption budget pdb is still being processed by the server.");
	b.status.observed_generation = 2;
	disr_evict(&pod, two, 2, &e);
	CHECK_INT(e.code, 500);
	b.status.ndisrupted = DISR_MAX_DISRUPTED_PODS + 1;
	disr_evict(&pod, one, 1, &e);
	CHECK_INT(e.code, 403);
	b.status.ndisrupted = 0;
	b.status.disruptions_allowed = -1;
	disr_evict(&pod, one, 1, &e);
	CHECK_INT(e.code, 403);
	b.status.disruptions_allowed = 1;
	disr_evict(&pod, one, 1, &e);
	CHECK_INT(e.result, DISR_EVICT_DELETE);
	CHECK(e.decremented);
	CHECK_INT(b.status.disruptions_allowed, 0);
	CHECK(!b.status.disruption_allowed);
	CHECK_INT(b.status.ndisrupted, 1);
	disr_evict(&pod, one, 1, &e);
	CHECK_INT(e.code, 429);
	CHECK_STR(e.reason, "TooManyRequests");
	/* Not ready with the budget met: deleted without using it. */
	pod.ready = false;
	disr_evict(&pod, one, 1, &e);
	CHECK(e.result == DISR_EVICT_DELETE && !e.decremented);
	struct disr_label sl[1] = { { "app", "web" } }, pl[2] = { { "x", "y" }, { "app", "web" } };
	struct disr_selector s = { sl, 1, true }, empty = { NULL, 0, true }, nil = { NULL, 0, false };
	CHECK(disr_selector_matches(&s, pl, 2));
	CHECK(!disr_selector_matches(&s, pl, 1));
	CHECK(disr_selector_matches(&empty, pl, 0));
	CHECK(!disr_selector_matches(&nil, pl, 2));
}

/* ---- kubelet ------------------------------------------------------------------- */

static void
test_kubelet(void)
{
	int64_t v;
	CHECK(evict_parse_quantity("1.5Gi", false, &v) == 0 && v == 1610612736LL);
	CHECK(evict_parse_quantity("100m", true, &v) == 0 && v == 100);
	CHECK(evict_parse_quantity("100m", false, &v) == 0 && v == 1);	/* rounds up */
	CHECK(evict_parse_quantity("2", true, &v) == 0 && v == 2000);
	CHECK(evict_parse_quantity("1e3", false, &v) == 0 && v == 1000);
	CHECK(evict_parse_quantity("2k", false, &v) == 0 && v == 2000);
	CHECK(evict_parse_quantity("-150Mi", false, &v) == 0 && v == -157286400LL);
	CHECK(evict_parse_quantity("1Xi", false, &v) < 0);
	CHECK(evict_parse_quantity("", false, &v) < 0);
	CHECK(evict_parse_duration("1m30s", &v) == 0 && v == 90 * SEC);
	CHECK(evict_parse_duration("1.5h", &v) == 0 && v == 5400 * SEC);
	CHECK(evict_parse_duration("250ms", &v) == 0 && v == 250000000LL);
	CHECK(evict_parse_duration("30", &v) < 0);
	CHECK(evict_parse_duration("abc", &v) < 0);

	size_t nh, n;
	const struct evict_kv *hard = evict_default_hard(&nh);
	struct evict_threshold t[EVICT_MAX_THRESHOLDS];
	const char *alloc[1] = { "pods" };
	char *cause = NULL;
	CHECK_INT(evict_parse_thresholds(alloc, 1, hard, nh, NULL, 0, NULL, 0, NULL, 0, t,
	    EVICT_MAX_THRESHOLDS, &n, &cause), 0);
	CHECK_INT(n, 6);	/* five defaults and allocatableMemory.available */
	CHECK(t[0].signal == EVICT_SIG_MEMORY_AVAILABLE && t[0].value.quantity == 104857600LL);
	CHECK(t[1].value.is_percentage && t[1].value.percentage > 0.0999f &&
	    t[1].value.percentage < 0.1001f);
	evict_sort_thresholds(t, n);
	CHECK(t[0].signal == EVICT_SIG_ALLOCATABLE_MEMORY || t[0].signal ==
	    EVICT_SIG_MEMORY_AVAILABLE);
	CHECK(t[2].signal != EVICT_SIG_MEMORY_AVAILABLE &&
	    t[2].signal != EVICT_SIG_ALLOCATABLE_MEMORY);
	/* A negative grace period and a grace period for an unknown signal. */
	struct evict_kv soft[1] = { { "memory.available", "200Mi" } };
	struct evict_kv grace[1] = { { "memory.available", "-1s" } };
	CHECK(evict_parse_thresholds(NULL, 0, NULL, 0, soft, 1, grace, 1, NULL, 0, t,
	    EVICT_MAX_THRESHOLDS, &n, &cause) < 0 && cause != NULL);
	free(cause);
	cause = NULL;
	struct evict_kv hard0[1] = { { "memory.available", "0" } };
	CHECK(evict_parse_thresholds(NULL, 0, hard0, 1, NULL, 0, NULL, 0, NULL, 0, t,
	    EVICT_MAX_THRESHOLDS, &n, &cause) < 0);
	free(cause);

	/* Memory pressure: no stats first, then over request, then priority. */
	struct evict_pod a = { .name = "a", .has_stats = true, .memory_request = 100,
		.memory_working_set = 200, .priority = 10 };
	struct evict_pod b = { .name = "b", .has_stats = true, .memory_request = 100,
		.memory_working_set = 50, .priority = -5 };
	struct evict_pod c = { .name = "c", .has_stats = false };
	struct evict_pod *pods[3] = { &a, &b, &c };
	evict_rank_memory(pods, 3);
	CHECK(pods[0] == &c && pods[1] == &a && pods[2] == &b);
	a.processes = 5;
	b.processes = 50;
	c.has_stats = true;
	evict_rank_pids(pods, 3);
	CHECK(pods[0] == &b);

	/* Inodes: upstream's disk() subtracts the ephemeral-storage request. */
	struct evict_pod i1 = { .name = "i1", .has_stats = true, .inodes_rootfs = 100 };
	struct evict_pod i2 = { .name = "i2", .has_stats = true, .inodes_rootfs = 150,
		.ephemeral_request = 100 };
	struct evict_pod *ip[2] = { &i2, &i1 };
	enum evict_cmp ic[1] = { EVICT_CMP_INODES };
	evict_order(ip, 2, ic, 1);
	CHECK(ip[0] == &i1);

	/* QoS: limits only (requests default to them upstream in the API, not
	 * here) is Burstable; pod level wins when given. */
	struct qos_container ctr = { .limits = { 100, 1 << 20 } };
	CHECK_INT(qos_compute(&ctr, 1, NULL), QOS_BURSTABLE);
	ctr.requests = ctr.limits;
	CHECK_INT(qos_compute(&ctr, 1, NULL), QOS_GUARANTEED);
	struct qos_container pl = { .requests = { 100, 0 } };
	CHECK_INT(qos_compute(&ctr, 1, &pl), QOS_BURSTABLE);
	CHECK_INT(qos_compute(NULL, 0, NULL), QOS_BEST_EFFORT);

	/* Back-off: since-update, reset. */
	struct backoff_policy pol = BACKOFF_IMAGE_PULL;
	struct backoff_entry e = { 0 };
	CHECK(!backoff_since_update(&pol, &e, 0));
	backoff_next(&pol, &e, 0, 0);
	CHECK(backoff_since_update(&pol, &e, 9 * SEC));
	CHECK(!backoff_since_update(&pol, &e, 10 * SEC));
	CHECK(!backoff_since_update(&pol, &e, 601 * SEC));	/* expired: 2 * 300 s */
	backoff_reset(&e);
	CHECK_INT(backoff_get(&e), 0);
}

int
main(void)
{
	test_rolling_update();
	test_rolling_steps();
	test_recreate_steps();
	test_recreate_and_cleanup();
	test_progress();
	test_pdb_status();
	test_pdb_eviction();
	test_kubelet();
	return tl_finish();
}
