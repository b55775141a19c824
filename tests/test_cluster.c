/*
 * test_cluster.c - the cluster model on its own (no scenario file): pod
 * start-up timing through scheduling, binding, image pull and the readiness
 * probe worker; a node failure detected after the grace period, pods evicted
 * after the toleration and replaced elsewhere; requests to a dead endpoint
 * failing; cost accrual; HPA scale-up under load; fluid cohorts of
 * identical pods against stepping every pod. Timings are constants so
 * that every expected time is computed by hand below.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/cluster.h"
#include "models/cluster/controllers.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"

struct rec {
	double	 t;
	char	*kind;
	char	*object;
	double	 vals[12];
};

struct recorder {
	struct rec	*events;
	size_t		 nevents, capevents;
	struct rec	*svc;		/* service_intervals */
	size_t		 nsvc, capsvc;
	struct rec	*cl;		/* cluster_intervals */
	size_t		 ncl, capcl;
	size_t		 nhpa;
	int32_t		 max_desired;
	uint64_t	 hpa_hash;	/* of every hpa_decisions row but the time */
};

static double
num(const struct probe_val *v)
{
	return v->type == PROBE_INT ? (double)v->u.i : v->type == PROBE_REAL ? v->u.r : NAN;
}

static void
rec_emit(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	struct recorder *r = ctx;
	if (strcmp(table, "events") == 0) {
		KS_GROW(r->events, r->capevents, r->nevents + 1);
		struct rec *e = &r->events[r->nevents++];
		memset(e, 0, sizeof *e);
		e->t = v[0].u.r;
		e->kind = xstrdup(v[1].u.s);
		e->object = xstrdup(v[2].u.s);
	} else if (strcmp(table, "service_intervals") == 0) {
		KS_GROW(r->svc, r->capsvc, r->nsvc + 1);
		struct rec *e = &r->svc[r->nsvc++];
		memset(e, 0, sizeof *e);
		e->t = v[0].u.r;
		for (size_t i = 2; i < n && i < 12; i++)
			e->vals[i] = num(&v[i]);
	} else if (strcmp(table, "cluster_intervals") == 0) {
		KS_GROW(r->cl, r->capcl, r->ncl + 1);
		struct rec *e = &r->cl[r->ncl++];
		memset(e, 0, sizeof *e);
		e->t = v[0].u.r;
		for (size_t i = 1; i < n; i++)
			e->vals[i] = num(&v[i]);
	} else if (strcmp(table, "hpa_decisions") == 0) {
		r->nhpa++;
		for (size_t i = 2; i < n; i++) {
			const char *str = v[i].type == PROBE_TEXT ? v[i].u.s : NULL;
			uint64_t x = v[i].type == PROBE_INT ? (uint64_t)v[i].u.i : 0;
			for (; str != NULL && *str != '\0'; str++)
				x = x * 131 + (unsigned char)*str;
			r->hpa_hash = (r->hpa_hash ^ x) * 1099511628211ULL;
		}
		if (getenv("KS_DEBUG_HPA"))
			fprintf(stderr, "hpa t=%g current=%lld %s stabilized=%lld desired=%lld %s\n",
			    v[0].u.r, (long long)v[2].u.i, v[3].u.s, (long long)v[4].u.i,
			    (long long)v[5].u.i, v[7].u.s);
		if (v[5].u.i > r->max_desired)
			r->max_desired = (int32_t)v[5].u.i;
	}
}

static void
rec_free(struct recorder *r)
{
	for (size_t i = 0; i < r->nevents; i++) {
		free(r->events[i].kind);
		free(r->events[i].object);
	}
	free(r->events);
	free(r->svc);
	free(r->cl);
}

/* The time of the n-th (0-based) event of a kind at or after t0, or -1. */
static double
event_time(const struct recorder *r, const char *kind, double t0, int nth)
{
	for (size_t i = 0; i < r->nevents; i++)
		if (r->events[i].t >= t0 && strcmp(r->events[i].kind, kind) == 0 && nth-- == 0)
			return r->events[i].t;
	return -1;
}

static int
count_events(const struct recorder *r, const char *kind, double t0, double t1)
{
	int n = 0;
	for (size_t i = 0; i < r->nevents; i++)
		n += r->events[i].t >= t0 && r->events[i].t < t1 && strcmp(r->events[i].kind, kind) == 0;
	return n;
}

static double
offered_const(void *ctx, sim_ns from, sim_ns to)
{
	return *(double *)ctx * sim_ns_to_s(to - from);
}

/* A Deployment "web" with 500m/512Mi pods and a readiness probe. */
static void
make_deploy(struct k8s_deployment *d, struct k8s_container *ctr, struct k8s_service *svc,
    int32_t replicas)
{
	tf_deployment(d, ctr, "web", "web:1", replicas, 500, 512LL << 20);
	tf_readiness(ctr);
	memset(svc, 0, sizeof *svc);
	svc->name = "web";
	svc->namespace = "default";
	k8s_labels_set(&svc->selector, "app", "web");
}

/* A pool "pool" of count nodes of 8 cores and 32 GiB in one zone. */
static void
add_pool(struct cluster *c, int count)
{
	static const char *const zones[] = { "a" };
	struct cl_pool_params pool = {
		.name = "pool", .cpu_milli = 8000, .memory = 32LL << 30, .max_pods = 110,
		.price_hour = 0.1, .zones = zones, .nzones = 1, .count = count,
		.provision = sim_dist_const(60),
	};
	cl_add_pool(c, &pool);
}

/* make_deploy's Deployment and Service twice, of 3 pods each, named and
 * labelled names[0] and names[1]. */
static void
make_web_api(struct k8s_deployment d[2], struct k8s_container ctr[2], struct k8s_service svc[2],
    char *const names[2])
{
	for (int i = 0; i < 2; i++) {
		make_deploy(&d[i], &ctr[i], &svc[i], 3);
		d[i].name = svc[i].name = names[i];
		k8s_labels_set(&d[i].template.labels, "app", names[i]);
		k8s_labels_set(&svc[i].selector, "app", names[i]);
	}
}

static void
test_lifecycle_and_failure(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 30 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 1, &t, &sink);
	static const char *const zones[] = { "a", "b", "c" };
	struct cl_pool_params pool = {
		.name = "pool", .instance_type = "m5.xlarge", .cpu_milli = 4000,
		.memory = 8LL << 30, .max_pods = 110, .price_hour = 0.36, .zones = zones,
		.nzones = 3, .count = 3, .provision = sim_dist_const(60),
	};
	cl_add_pool(c, &pool);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 3);
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	double rate = 30;
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.05), .concurrency = 4,
		.cpu_per_request = 0.05, .idle_cpu_milli = 10, .timeout = 2 * SIM_SEC,
		.offered = offered_const, .offered_ctx = &rate,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct cl_chaos_params ch = { .at = 600 * SIM_SEC, .kind = CL_FAIL_NODES, .count = 1,
		.duration = 3600 * SIM_SEC };
	CHECK(cl_add_chaos(c, &ch, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);

	/* The ReplicaSet controller sees the Deployment after a watch (0.01),
	 * the create reaches the scheduler after API + watch (0.03), a cycle
	 * (0.031), binding (0.041), the kubelet's watch (0.051): the probe
	 * worker starts; pull 2 s + start 1 s: running at 3.051; probes at
	 * 5.051 (2 s since start < 5 s delay) and 10.051: Ready. */
	CHECK_NEAR(event_time(&rec, "PodRunning", 0, 0), 3.051, 1e-9);
	CHECK_NEAR(event_time(&rec, "PodReady", 0, 0), 10.051, 1e-9);
	/* The second pod was scheduled 1 ms later. */
	CHECK_NEAR(event_time(&rec, "PodReady", 0, 1), 10.052, 1e-9);
	CHECK_NEAR(event_time(&rec, "EndpointAdded", 0, 0), 10.551, 1e-9);
	CHECK_INT(count_events(&rec, "PodReady", 0, 600), 3);
	/* Failure at 600 s: NotReady at the first monitor tick at least 40 s
	 * later (640), eviction after the 300 s toleration (940). */
	CHECK_NEAR(event_time(&rec, "NodeFailed", 0, 0), 600, 1e-9);
	CHECK_NEAR(event_time(&rec, "NodeNotReady", 0, 0), 640, 1e-9);
	CHECK_NEAR(event_time(&rec, "NodeEviction", 0, 0), 940, 1e-9);
	CHECK_INT(count_events(&rec, "PodCreated", 600, 940), 0);
	double replaced = event_time(&rec, "PodCreated", 940, 0);
	CHECK(replaced > 940 && replaced < 941);
	/* The replacement becomes Ready on a surviving node (image cached
	 * there: start 1 s, probe at worker start + 5 s multiples). */
	double ready = event_time(&rec, "PodReady", 940, 0);
	CHECK(ready > 945 && ready < 952);
	/* Requests failed while the dead pod was still an endpoint, and only then. */
	double err_during = 0, err_after = 0, err_before = 0, ok = 0;
	for (size_t i = 0; i < rec.nsvc; i++) {
		double tt = rec.svc[i].t;
		double e = rec.svc[i].vals[4];
		if (tt <= 600)
			err_before += tt > 60 ? e : 0;
		else if (tt <= 660)
			err_during += e;
		else
			err_after += e;
		ok += rec.svc[i].vals[3];
		if (getenv("KS_DEBUG"))
			fprintf(stderr, "t=%g offered=%g ok=%g err=%g tmo=%g p99=%g ready=%g\n", tt,
			    rec.svc[i].vals[2], rec.svc[i].vals[3], e, rec.svc[i].vals[5],
			    rec.svc[i].vals[8], rec.svc[i].vals[10]);
	}
	CHECK_INT((long long)err_before, 0);
	/* One endpoint of three for 40.5 s at 30 req/s: ~405 failed requests. */
	CHECK_NEAR(err_during, 30.0 * 40.5 / 3.0, 12);
	CHECK_INT((long long)err_after, 0);
	CHECK(ok > 30 * 1700);
	/* Cost: 3 nodes x 0.36 USD/h x 0.5 h. */
	CHECK_NEAR(cl_cost_usd(c), 3 * 0.36 * 0.5, 1e-9);
	double cost_rows = 0;
	for (size_t i = 0; i < rec.ncl; i++)
		cost_rows += rec.cl[i].vals[5];
	CHECK_NEAR(cost_rows, 3 * 0.36 * 0.5, 1e-9);
	CHECK_INT(cl_nodes_ready(c), 2);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
}

/* A node deleted while bindings to it are in flight: the pods the
 * scheduler assumed onto it go too (node_delete finds them through the
 * count of bindings in flight, which must come back to 0). */
static void
test_node_deleted_during_binding(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 60 * SIM_SEC);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 1, &t, &sink);
	add_pool(c, 1);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 3);
	cl_add_deployment(c, &d);
	cl_start(c);
	/* cycles at 0.031, 0.032, 0.033; bindings land 10 ms after each */
	sim_run(sim, (sim_ns)(0.0335 * SIM_SEC));
	CHECK_INT(c->npods_assumed, 3);
	node_delete(c, 0, "test");
	CHECK_INT(c->npods_assumed, 0);
	size_t assumed = 0;
	for (size_t p = 0; p < c->npods; p++)
		assumed += c->pods[p].phase != POD_FREE && c->pods[p].assumed != NONE;
	CHECK_INT(assumed, 0);
	CHECK_INT(count_events(&rec, "PodDeleting", 0, 1), 3);
	sim_run(sim, t.duration);
	CHECK_INT(count_events(&rec, "PodRunning", 0, 60), 0);
	CHECK_INT(c->npods_assumed, 0);
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
}

static void
test_hpa_scales_up(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 20 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 2, &t, &sink);
	add_pool(c, 4);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 2);
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	/* 100 req/s x 0.02 cpu-s = 2 cores over 2 pods of 500m: 200% of request,
	 * so the HPA (target 50%) wants 8 pods: 2 -> 8 in one step allowed by
	 * the default scale-up policy (max(+4 pods, +100%) per 15 s): 2 -> 6 -> 8. */
	double rate = 100;
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.02), .concurrency = 8,
		.cpu_per_request = 0.02, .idle_cpu_milli = 0, .timeout = 0,
		.offered = offered_const, .offered_ctx = &rate,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct hpa_metric_spec m;
	tf_cpu_utilization(&m, 50);
	struct hpa_spec h;
	tf_hpa(&h, "web", 2, 10, &m, 1);
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	CHECK(rec.nhpa >= 70);
	CHECK_INT(rec.max_desired, 8);
	double first = event_time(&rec, "HPARescale", 0, 0);
	CHECK(first > 0 && first < 120);
	/* At the end the 8 replicas are ready and the load is served. */
	const struct rec *last = &rec.svc[rec.nsvc - 1];
	CHECK_INT((long long)last->vals[10], 8);
	CHECK_INT((long long)last->vals[9], 8);
	CHECK_NEAR(last->vals[11], 0.5, 0.05);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
}

/*
 * Random failures: 10 nodes, time to failure exponential with mean 1 h,
 * repair a constant 10 min, over 48 h. A node alternates up (mean 3600 s)
 * and down (600 s): about 10 x 172800 / 4200 = 411 failures, each repaired
 * exactly 600 s later (or still down at the end).
 */
static void
test_random_failures(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 48 * SIM_HOUR);
	t.interval = 3600 * SIM_SEC;
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 3, &t, &sink);
	static const char *const zones[] = { "a" };
	struct cl_pool_params pool = {
		.name = "pool", .cpu_milli = 4000, .memory = 8LL << 30, .max_pods = 110,
		.price_hour = 0.1, .zones = zones, .nzones = 1, .count = 10,
		.provision = sim_dist_const(60), .has_failures = true,
		.time_to_failure = sim_dist_exp(3600), .repair = sim_dist_const(600),
	};
	cl_add_pool(c, &pool);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	int failed = count_events(&rec, "NodeFailed", 0, 1e9);
	int recovered = count_events(&rec, "NodeRecovered", 0, 1e9);
	/* Poisson-like count: 411 expected, sd about 20; allow 5 sd. */
	CHECK(failed >= 311 && failed <= 511);
	CHECK(recovered >= failed - 10 && recovered <= failed);
	/* Each recovery is exactly 600 s after a failure of the same node. */
	int exact = 0;
	for (size_t i = 0; i < rec.nevents; i++) {
		if (strcmp(rec.events[i].kind, "NodeRecovered") != 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rec.events[j].kind, "NodeFailed") == 0 &&
			    strcmp(rec.events[j].object, rec.events[i].object) == 0 &&
			    fabs(rec.events[i].t - rec.events[j].t - 600) < 1e-6)
				exact++;
	}
	CHECK_INT(exact, recovered);
	/* Failures come from their own stream: the same seed, the same times. */
	double first = event_time(&rec, "NodeFailed", 0, 0);
	CHECK(first > 0 && first < 3600);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
}

/* 10 req/s, 100 req/s from 300 s, 10 req/s again from 1200 s. */
static double
offered_steps(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	double n = 0;
	for (sim_ns t = from; t < to; t += SIM_SEC)
		n += (t >= 300 * SIM_SEC && t < 1200 * SIM_SEC) ? 100 : 10;
	return n;
}

/*
 * A step up and a step down, timeline computed by hand. 2 pods of 500m, HPA
 * 2..10 at 50% cpu, no spec.behavior (the legacy path), 20 ms of cpu per
 * request. HPA syncs every 15 s before the metrics-server scrape of the same
 * instant, so a sync sees the rate of the 15 s before the previous scrape.
 *  - 10 req/s over 2 pods: 100m each, 20%: ceil(2 x 20/50) = 1, held at min 2.
 *  - Step at 300: the scrape at 315 sees [300, 315]: 1000m = 200%. The sync at
 *    330 wants ceil(2 x 200/50) = 8, the legacy limit max(2 x 2, 4) = 4: 4.
 *  - The sync at 345 sees the 2 old pods at 200% and 2 new ones without a
 *    metric (counted as 0 when scaling up): ratio (400/4)/50 = 2, 8 pods;
 *    limit max(2 x 4, 4) = 8: 8. Then 100 req/s over 8 pods is 50%: steady.
 *  - Step down at 1200: the scrape at 1215 sees 5%; the sync at 1230 wants
 *    ceil(8 x 5/50) = 1 -> 2. The legacy 5 min stabilization keeps the
 *    largest recommendation not Before(now - 5 min); the last 8 was made at
 *    1215, still counts at 1515 (age exactly 300 s) and not at 1530: 8 -> 2
 *    at 1530.
 */
static void
test_hpa_step_timeline(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 30 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 4, &t, &sink);
	add_pool(c, 4);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 2);
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.02), .concurrency = 16,
		.cpu_per_request = 0.02, .offered = offered_steps,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct hpa_metric_spec m;
	tf_cpu_utilization(&m, 50);
	struct hpa_spec h;
	tf_hpa(&h, "web", 2, 10, &m, 1);
	h.has_min_replicas = true;
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	CHECK_INT(count_events(&rec, "HPARescale", 0, 1e9), 3);
	CHECK_NEAR(event_time(&rec, "HPARescale", 0, 0), 330, 1e-9);
	CHECK_NEAR(event_time(&rec, "HPARescale", 0, 1), 345, 1e-9);
	CHECK_NEAR(event_time(&rec, "HPARescale", 0, 2), 1530, 1e-9);
	CHECK_INT(rec.max_desired, 8);
	/* Replicas in the interval rows: 2 before, 8 in the plateau, 2 at the end. */
	for (size_t i = 0; i < rec.nsvc; i++) {
		double tt = rec.svc[i].t;
		if (tt == 240)
			CHECK_INT((long long)rec.svc[i].vals[9], 2);
		if (tt == 1200)
			CHECK_INT((long long)rec.svc[i].vals[10], 8);
		if (tt == 1800)
			CHECK_INT((long long)rec.svc[i].vals[9], 2);
	}
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
}

/* 100 req/s, 1,500 req/s from 600 s to 660 s (an overload: backlogs). */
static double
offered_burst(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	double t = sim_ns_to_s(from);
	return (t >= 600 && t < 660 ? 1500 : 100) * sim_ns_to_s(to - from);
}

/* offered_burst's steady stretches (cl_steady_fn). */
static sim_ns
burst_steady(void *ctx, sim_ns from)
{
	(void)ctx;
	return from < 600 * SIM_SEC ? 600 * SIM_SEC : from < 660 * SIM_SEC ? 660 * SIM_SEC :
	    SIM_NEVER;
}

static bool run_parked = true;	/* cohort_run_steady: traffic_use_parking */

struct cohort_run {
	struct recorder	 rec;
	double		*cpu, *served;
	size_t		 npods, ncohorts;
	uint64_t	 replayed, parked;
	double		 offered, ok, occupancy;	/* occupancy: l_avg + p99 */
	double		 totals[3];	/* the profile's offered, ok, errors */
	uint64_t	 memo_hits;	/* horizontal_memo_hits */
	uint64_t	 memo_skips, memo_stale;
	uint64_t	 repeats, repeat_stale;	/* horizontal_repeats, _repeat_stale */
	uint64_t	 rev_stale;		/* horizontal_rev_stale */
	uint64_t	 uniform_walks;		/* horizontal_uniform_walks */
	uint64_t	 derived;		/* horizontal_derived */
};

/* The HPA's syncs compute every metric result again (horizontal_use_memo
 * off) in the runs made while this is set. */
static bool hpa_memo_off;
/* ... and run every reconcile (horizontal_use_repeat off). */
static bool hpa_repeat_off;
/* The HPA of the runs made while this is set has a behavior (default
 * policies, a scale-down window of 60 s). */
static bool hpa_behavior;
/* The offered load of the runs made while this is set (NULL: offered_burst). */
static double (*run_offered)(void *ctx, sim_ns from, sim_ns to);

/* The HPA scale-up cluster with an overload and a node failure, its fluid
 * Service stepped in cohorts or pod by pod. */
static void
cohort_run_steady(bool cohorts, bool counts, int32_t lb, bool steady, struct cohort_run *out)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 30 * SIM_MIN);
	memset(out, 0, sizeof *out);
	struct probe_sink sink = { rec_emit, &out->rec };
	struct cluster *c = cl_new(sim, 3, &t, &sink);
	traffic_use_cohorts(c, cohorts);
	traffic_use_parking(c, run_parked);
	horizontal_use_counts(c, counts);
	horizontal_use_memo(c, !hpa_memo_off);
	horizontal_use_repeat(c, !hpa_repeat_off);
	horizontal_verify_memo(c, true);
	add_pool(c, 4);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 2);
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.02), .concurrency = 2,
		.cpu_per_request = 0.02, .idle_cpu_milli = 5, .timeout = 2 * SIM_SEC,
		.queue_limit = 200, .offered = run_offered ? run_offered : offered_burst, .lb = lb,
		.offered_steady = steady ? burst_steady : NULL,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct hpa_metric_spec m;
	tf_cpu_utilization(&m, 50);
	struct hpa_spec h;
	tf_hpa(&h, "web", 2, 10, &m, 1);
	if (hpa_behavior) {
		h.has_behavior = h.has_scale_down = true;
		h.scale_down.has_stabilization = true;
		h.scale_down.stabilization_s = 60;
		hpa_spec_set_defaults(&h);
	}
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	struct cl_chaos_params ch = { .at = 900 * SIM_SEC, .kind = CL_FAIL_NODES, .count = 1,
		.duration = 600 * SIM_SEC };
	CHECK(cl_add_chaos(c, &ch, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	out->npods = c->npods;
	out->cpu = xcalloc(c->npods + 1, sizeof *out->cpu);
	out->served = xcalloc(c->npods + 1, sizeof *out->served);
	for (uint32_t p = 0; p < c->npods; p++) {
		out->cpu[p] = cl_pod_cpu_seconds(c, p);
		out->served[p] = cl_pod_served(c, p);
	}
	out->ncohorts = traffic_cohorts(c, 0);
	out->replayed = traffic_replayed(c, 0);
	out->parked = traffic_parked_ticks(c, 0);
	out->memo_hits = horizontal_memo_hits(c);
	out->memo_skips = horizontal_memo_skips(c);
	out->memo_stale = horizontal_memo_stale(c);
	out->repeats = horizontal_repeats(c);
	out->repeat_stale = horizontal_repeat_stale(c);
	out->rev_stale = horizontal_rev_stale(c);
	out->uniform_walks = horizontal_uniform_walks(c);
	out->derived = horizontal_derived(c);
	struct cl_serve_stats st;
	cl_serve_stats(c, 0, &st);
	out->offered = st.offered;
	out->ok = st.ok;
	out->occupancy = st.l_avg + st.latency_p99;
	cl_finish(c);
	out->totals[0] = c->profiles[0].total_offered;
	out->totals[1] = c->profiles[0].total_ok;
	out->totals[2] = c->profiles[0].total_errors;
	cl_free(c);
	sim_free(sim);
	free(h.scale_up.policies);
	free(h.scale_down.policies);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
}

static void
cohort_run(bool cohorts, bool counts, int32_t lb, struct cohort_run *out)
{
	cohort_run_steady(cohorts, counts, lb, false, out);
}

/* What cohort_run_steady allocated in *r. */
static void
cohort_run_free(struct cohort_run *r)
{
	free(r->cpu);
	free(r->served);
	rec_free(&r->rec);
}

/* a and b to the last bit (then freed) */
static void
cohort_runs_same_free(struct cohort_run *a, struct cohort_run *b);

/*
 * Steady ticks replayed (struct serve_replay in traffic.c) give what
 * stepping them gives, to the last bit: the same cluster with and without
 * its traffic's steady stretches (the overload, the HPA's scale-ups and the
 * node failure change the cohorts and their backlogs in between).
 */
static void
test_replay_exact(void)
{
	struct cohort_run a, b;
	run_parked = false;
	cohort_run_steady(true, true, 0, false, &a);
	cohort_run_steady(true, true, 0, true, &b);
	run_parked = true;
	CHECK(a.replayed == 0);
	CHECK(b.replayed > 1000);
	CHECK(a.parked == 0 && b.parked == 0);
	cohort_runs_same_free(&a, &b);
}

/*
 * Parked Services (traffic_park.c) give what replaying each tick gives,
 * to the last bit, with the HPA's scrapes, the CPU model's checks and the
 * intervals reading their sums between ticks, and the overload, the
 * scale-ups and the node failure releasing them.
 */
static void
test_park_exact(void)
{
	struct cohort_run a, b;
	run_parked = false;
	cohort_run_steady(true, true, 0, true, &a);
	run_parked = true;
	cohort_run_steady(true, true, 0, true, &b);
	CHECK(a.parked == 0);
	CHECK(b.parked > 1000);
	CHECK(a.replayed == b.replayed);
	cohort_runs_same_free(&a, &b);
}

static void
cohort_runs_same_free(struct cohort_run *a, struct cohort_run *b)
{
	CHECK_INT(b->rec.nevents, a->rec.nevents);
	for (size_t i = 0; i < a->rec.nevents && i < b->rec.nevents; i++)
		CHECK(a->rec.events[i].t == b->rec.events[i].t);
	CHECK(b->rec.hpa_hash == a->rec.hpa_hash);
	CHECK_INT(b->npods, a->npods);
	for (size_t p = 0; p < a->npods && p < b->npods; p++)
		CHECK(a->cpu[p] == b->cpu[p] && a->served[p] == b->served[p]);
	CHECK(a->offered == b->offered && a->ok == b->ok && a->occupancy == b->occupancy);
	CHECK(memcmp(a->totals, b->totals, sizeof a->totals) == 0);
	CHECK_INT(b->rec.nsvc, a->rec.nsvc);
	for (size_t i = 0; i < a->rec.nsvc && i < b->rec.nsvc; i++)
		for (size_t k = 0; k < 12; k++)
			CHECK(memcmp(&a->rec.svc[i].vals[k], &b->rec.svc[i].vals[k],
			    sizeof(double)) == 0);
	cohort_run_free(a);
	cohort_run_free(b);
}

/* 50 req/s. */
static double
offered_steady(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	return 50 * sim_ns_to_s(to - from);
}

/* offered_steady's stretch: all of it. */
static sim_ns
steady_forever(void *ctx, sim_ns from)
{
	(void)ctx;
	(void)from;
	return SIM_NEVER;
}

struct probe_run {
	struct recorder	 rec;
	double		 cpu[64], served[64], totals[2][3];
	size_t		 npods;
	uint64_t	 parked;
	size_t		 unhealthy;
	uint64_t	 scratch_rows;
};

/*
 * Two Services: "web", whose pods answer an HTTP readiness probe and are
 * overloaded from 600 s to 660 s (probes time out, pods leave and rejoin
 * the endpoints, pl_any holds), and "api", steady all along (parked when
 * parking is on). Results to the last bit in *out.
 */
/* probe_run's latency flushed per row (traffic_use_flush_per_row) */
static bool probe_per_row = true;

static void
probe_run(bool parked, struct probe_run *out)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 20 * SIM_MIN);
	memset(out, 0, sizeof *out);
	struct probe_sink sink = { rec_emit, &out->rec };
	struct cluster *c = cl_new(sim, 7, &t, &sink);
	traffic_use_parking(c, parked);
	traffic_use_flush_per_row(c, probe_per_row);
	add_pool(c, 4);
	struct k8s_deployment d[2];
	struct k8s_container ctr[2];
	struct k8s_service svc[2];
	static char web[] = "web", api[] = "api";
	char *const names[] = { web, api };
	make_web_api(d, ctr, svc, names);
	ctr[0].readiness.http = true;
	ctr[0].readiness.timeout_s = 1;
	char *cause = NULL;
	for (int i = 0; i < 2; i++) {
		cl_add_deployment(c, &d[i]);
		cl_add_service(c, &svc[i]);
		struct cl_profile_params prof = {
			.service = names[i], .service_time = sim_dist_exp(0.02),
			.concurrency = 2, .cpu_per_request = 0.002,
			.timeout = 2 * SIM_SEC, .queue_limit = 2000,
			.offered = i == 0 ? offered_burst : offered_steady,
			.offered_steady = i == 0 ? burst_steady : steady_forever,
		};
		if (cl_add_profile(c, &prof, &cause) < 0)
			FAILF("profile %s: %s", names[i], cause);
	}
	cl_start(c);
	sim_run(sim, t.duration);
	out->npods = c->npods < 64 ? c->npods : 64;
	for (uint32_t p = 0; p < out->npods; p++) {
		out->cpu[p] = cl_pod_cpu_seconds(c, p);
		out->served[p] = cl_pod_served(c, p);
	}
	out->parked = traffic_parked_ticks(c, 1);
	cl_finish(c);
	out->scratch_rows = traffic_scratch_rows(c);
	for (int i = 0; i < 2; i++) {
		out->totals[i][0] = c->profiles[i].total_offered;
		out->totals[i][1] = c->profiles[i].total_ok;
		out->totals[i][2] = c->profiles[i].total_errors;
	}
	for (size_t i = 0; i < out->rec.nevents; i++)
		out->unhealthy += strcmp(out->rec.events[i].kind, "Unhealthy") == 0;
	cl_free(c);
	sim_free(sim);
	for (int i = 0; i < 2; i++) {
		k8s_labels_free(&d[i].template.labels);
		k8s_labels_free(&svc[i].selector);
		k8s_res_free(&ctr[i].requests);
	}
}

/* A parked Service beside one whose probes fail under an overload: the
 * same bits with and without parking. */
static void
test_park_probes(void)
{
	struct probe_run a, b;
	probe_run(false, &a);
	probe_run(true, &b);
	CHECK(a.unhealthy > 0);
	CHECK(a.parked == 0 && b.parked > 500);
	CHECK_INT(b.unhealthy, a.unhealthy);
	CHECK_INT(b.rec.nevents, a.rec.nevents);
	for (size_t i = 0; i < a.rec.nevents && i < b.rec.nevents; i++)
		CHECK(a.rec.events[i].t == b.rec.events[i].t &&
		    strcmp(a.rec.events[i].kind, b.rec.events[i].kind) == 0);
	CHECK_INT(b.npods, a.npods);
	CHECK(memcmp(a.cpu, b.cpu, sizeof a.cpu) == 0);
	CHECK(memcmp(a.served, b.served, sizeof a.served) == 0);
	CHECK(memcmp(a.totals, b.totals, sizeof a.totals) == 0);
	CHECK_INT(b.rec.nsvc, a.rec.nsvc);
	for (size_t i = 0; i < a.rec.nsvc && i < b.rec.nsvc; i++)
		CHECK(memcmp(a.rec.svc[i].vals, b.rec.svc[i].vals, sizeof a.rec.svc[i].vals) == 0);
	rec_free(&a.rec);
	rec_free(&b.rec);
}

/* The interval flush made per row, into the scratch histogram when the
 * Service's own is empty, against all flushed first into their own: the
 * same rows to the bit (with parking, whose primes follow each flush). */
static void
test_flush_per_row(void)
{
	struct probe_run a, b;
	probe_per_row = false;
	probe_run(true, &a);
	probe_per_row = true;
	probe_run(true, &b);
	CHECK(a.scratch_rows == 0 && b.scratch_rows > 10);
	CHECK(b.parked > 500);
	CHECK(memcmp(a.totals, b.totals, sizeof a.totals) == 0);
	CHECK_INT(b.rec.nsvc, a.rec.nsvc);
	CHECK(a.rec.nsvc > 0);
	for (size_t i = 0; i < a.rec.nsvc && i < b.rec.nsvc; i++)
		CHECK(a.rec.svc[i].t == b.rec.svc[i].t &&
		    memcmp(a.rec.svc[i].vals, b.rec.svc[i].vals, sizeof a.rec.svc[i].vals) == 0);
	rec_free(&a.rec);
	rec_free(&b.rec);
}

/*
 * Cohorts and the CPU model (models/cluster/cpu.c): a Service whose pods
 * have a CPU limit below their demand steps its pods one by one (each its
 * own capacity), while another Service of the same cluster, whose pods
 * nothing throttles, keeps stepping cohorts.
 */
static void
test_cohorts_own_caps(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 10 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 5, &t, &sink);
	add_pool(c, 4);
	struct k8s_deployment d[2];
	struct k8s_container ctr[2];
	struct k8s_service svc[2];
	static char web[] = "web", api[] = "api";
	char *const names[] = { web, api };
	make_web_api(d, ctr, svc, names);
	/* web: 2 slots x 20 ms of cpu per 20 ms request = 2 cores > 100m */
	k8s_res_set(&ctr[0].limits, "cpu", 100);
	char *cause = NULL;
	for (int i = 0; i < 2; i++) {
		cl_add_deployment(c, &d[i]);
		cl_add_service(c, &svc[i]);
		struct cl_profile_params prof = {
			.service = names[i], .service_time = sim_dist_exp(0.02),
			.concurrency = 2, .cpu_per_request = i == 0 ? 0.02 : 0.002,
			.timeout = 2 * SIM_SEC, .queue_limit = 200, .offered = offered_steady,
		};
		if (cl_add_profile(c, &prof, &cause) < 0)
			FAILF("profile %s: %s", names[i], cause);
	}
	cl_start(c);
	sim_run(sim, t.duration);
	CHECK_INT(traffic_cohorts(c, 0), 0);	/* web: pods one by one */
	CHECK(traffic_cohorts(c, 1) >= 1);	/* api: still cohorts */
	CHECK(c->profiles[0].total_ok > 1000 && c->profiles[1].total_ok > 1000);
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	for (int i = 0; i < 2; i++) {
		k8s_labels_free(&d[i].template.labels);
		k8s_labels_free(&svc[i].selector);
		k8s_res_free(&ctr[i].requests);
		k8s_res_free(&ctr[i].limits);
	}
}

static bool
close_rel(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-12;
}

/*
 * Cohorts (issue 13): the same cluster stepped in cohorts of identical
 * pods and pod by pod gives the same events (HPA scalings, the failure,
 * evictions: same times, same objects), and every pod's cpu time and
 * served count and every service interval agree to 1e-9 (the sums are
 * added in another order); at the end the Service is one or two cohorts.
 * The HPA given identical pods as one entry with a count and one by one
 * writes the same hpa_decisions rows (but the times, the same anyway).
 */
static void
test_cohorts_match_pods(void)
{
	struct cohort_run a, b;
	cohort_run(false, false, 0, &a);
	cohort_run(true, true, 0, &b);
	/* The HPA's pods one by one: the same decisions, to the event; with
	 * ring hash (3) each pod has its own share, so its own cpu usage. */
	for (int32_t lb = 0; lb <= 3; lb += 3) {
		struct cohort_run f, g;
		cohort_run(true, true, lb, &f);
		cohort_run(true, false, lb, &g);
		CHECK_INT(g.rec.nevents, f.rec.nevents);
		for (size_t i = 0; i < g.rec.nevents && i < f.rec.nevents; i++) {
			CHECK(g.rec.events[i].t == f.rec.events[i].t);
			CHECK(strcmp(g.rec.events[i].kind, f.rec.events[i].kind) == 0);
			CHECK(strcmp(g.rec.events[i].object, f.rec.events[i].object) == 0);
		}
		CHECK_INT(g.rec.nhpa, f.rec.nhpa);
		CHECK(g.rec.hpa_hash == f.rec.hpa_hash);
		CHECK_INT(g.rec.max_desired, f.rec.max_desired);
		cohort_run_free(&f);
		cohort_run_free(&g);
	}
	CHECK_INT(a.ncohorts, 0);
	CHECK(b.ncohorts >= 1 && b.ncohorts <= 2);
	CHECK(a.rec.nevents > 50);
	CHECK(count_events(&a.rec, "HPARescale", 0, 1800) >= 2);
	CHECK(count_events(&a.rec, "NodeFailed", 0, 1800) == 1);
	CHECK_INT(b.rec.nevents, a.rec.nevents);
	for (size_t i = 0; i < a.rec.nevents && i < b.rec.nevents; i++) {
		CHECK(a.rec.events[i].t == b.rec.events[i].t);
		CHECK(strcmp(a.rec.events[i].kind, b.rec.events[i].kind) == 0);
		CHECK(strcmp(a.rec.events[i].object, b.rec.events[i].object) == 0);
	}
	CHECK_INT(b.rec.nhpa, a.rec.nhpa);
	CHECK_INT(b.rec.max_desired, a.rec.max_desired);
	CHECK_INT(b.npods, a.npods);
	double served = 0;
	for (size_t p = 0; p < a.npods && p < b.npods; p++) {
		CHECK(close_rel(a.cpu[p], b.cpu[p]));
		CHECK(close_rel(a.served[p], b.served[p]));
		served += a.served[p];
	}
	CHECK(served > 100000);
	CHECK_INT(b.rec.nsvc, a.rec.nsvc);
	for (size_t i = 0; i < a.rec.nsvc && i < b.rec.nsvc; i++)
		for (size_t k = 0; k < 12; k++)
			if (!isnan(a.rec.svc[i].vals[k]))
				CHECK(close_rel(a.rec.svc[i].vals[k], b.rec.svc[i].vals[k]));
	cohort_run_free(&a);
	cohort_run_free(&b);
}

/*
 * An HPA sync that reads what the last one did takes its metric results
 * (struct hz_memo in horizontal.c), and one whose replicas and results
 * are those of its last reconcile, when that was repeatable, skips it
 * (hz_repeat, hz_quick): the same hpa_decisions rows (one per sync here:
 * the proposals, utilization and averages of every sync), to the event,
 * as computing them and reconciling at every sync, through the overload's
 * scale-ups (new pods in their cpu initialization period), the node
 * failure and the scale-downs, with pods as entries with counts and one
 * by one, evenly balanced and ring hash (each pod its own usage), legacy
 * and with a behavior. The memo and the skip are taken at most syncs of
 * the steady stretches, and never when off; a sync that takes the memo
 * without looking at the pods (their Deployment's pods_rev unchanged)
 * finds them, when it looks all the same (horizontal_verify_memo), what
 * the memo says, as does a walk that read only the samples of pods whose
 * state had not changed (hz_pods) or not even those, every pod of the
 * Deployment having the same (metrics_uniform), or a sync that derived its
 * entries and its metric from the last such walk's (hz_derive), and a
 * state reconciled at every sync alongside gives every sync's result and
 * conditions.
 */
/* 20 to 100 req/s, a new rate every minute (a wave of 10 minutes). */
static double
offered_wave(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	double minute = floor(sim_ns_to_s(from) / 60);
	return (60 + 40 * sin(minute * 2 * M_PI / 10)) * sim_ns_to_s(to - from);
}

/* 80 to 80.02 req/s, a new rate every minute: samples whose served
 * requests change, their cpu mostly not. */
static double
offered_flat(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	double minute = floor(sim_ns_to_s(from) / 60);
	return (80 + 0.01 * fmod(minute, 3)) * sim_ns_to_s(to - from);
}

static void
test_hpa_memo_matches(void)
{
	for (int i = 0; i < 14; i++) {
		/* the last two: a steady load, pods as entries with counts,
		 * evenly balanced, legacy and with a behavior */
		bool flat = i >= 12;
		bool counts = i % 2 == 0 || flat;
		int32_t lb = i % 4 < 2 || flat ? 0 : 3;
		struct cohort_run f, g;
		run_offered = flat ? offered_flat : i % 8 < 4 ? NULL : offered_wave;
		hpa_behavior = i >= 8 && i != 12;
		hpa_memo_off = hpa_repeat_off = false;
		cohort_run(true, counts, lb, &f);
		hpa_memo_off = hpa_repeat_off = true;
		cohort_run(true, counts, lb, &g);
		hpa_memo_off = hpa_repeat_off = hpa_behavior = false;
		run_offered = NULL;
		CHECK_INT(g.memo_hits, 0);
		CHECK_INT(g.repeats, 0);
		/* 120 syncs in the 30 minutes; most hits skip the pods, and
		 * the pods are then what the memo says; most skip the
		 * reconcile, and it would have given the same */
		CHECK(f.memo_hits >= 20);
		CHECK(f.memo_skips >= f.memo_hits / 2);
		CHECK_INT(f.memo_stale, 0);
		/* evenly balanced, one cohort: every pod the same sample,
		 * walks that read none (checked against reading them) */
		if (counts && lb == 0)
			CHECK(f.uniform_walks >= 10);
		if (!counts)
			CHECK_INT(f.uniform_walks, 0);
		/* of which, with a new sample, some took the entries of
		 * the last and worked the metric out from the pods' totals
		 * (checked against computing it) */
		if (flat)
			CHECK(f.derived >= 5);
		CHECK(f.derived <= f.uniform_walks);
		CHECK_INT(g.derived, 0);
		CHECK(f.repeats >= 20);
		CHECK_INT(f.repeat_stale, 0);
		CHECK_INT(g.repeat_stale, 0);
		CHECK_INT(f.rev_stale, 0);
		CHECK_INT(g.rev_stale, 0);
		CHECK(f.rec.nhpa >= 110);
		CHECK_INT(g.rec.nevents, f.rec.nevents);
		for (size_t k = 0; k < g.rec.nevents && k < f.rec.nevents; k++) {
			CHECK(g.rec.events[k].t == f.rec.events[k].t);
			CHECK(strcmp(g.rec.events[k].kind, f.rec.events[k].kind) == 0);
			CHECK(strcmp(g.rec.events[k].object, f.rec.events[k].object) == 0);
		}
		CHECK(count_events(&f.rec, "HPARescale", 0, 1800) >= (flat ? 1 : 2));
		CHECK_INT(g.rec.nhpa, f.rec.nhpa);
		CHECK(g.rec.hpa_hash == f.rec.hpa_hash);
		CHECK_INT(g.rec.max_desired, f.rec.max_desired);
		cohort_run_free(&f);
		cohort_run_free(&g);
	}
}

/*
 * The HPA of an idle Deployment (every sample its idle cpu, 40% of the
 * request: a ratio of 0.8 to the target, so the proposal follows the
 * pods counted ready) scaled from 4 to 8 pods by hand: the new pods'
 * samples do not change, but while they initialise the calculator counts
 * one unready until its sample's window starts after it became Ready, so
 * the results depend on the time and are not taken from the last sync
 * (the rows are those of computing them at every sync); once every pod
 * is out of its initialization period they are. Returns the memo's hits.
 */
static uint64_t
hpa_idle_run(bool memo, uint64_t *hash, size_t *nhpa, uint64_t *stale)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 20 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 5, &t, &sink);
	horizontal_use_memo(c, memo);
	horizontal_verify_memo(c, true);
	add_pool(c, 2);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	make_deploy(&d, &ctr, &svc, 4);
	/* Ready after a scrape or two: a sample before its window starts */
	ctr.readiness.initial_delay_s = 30;
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	double rate = 0;
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.02), .concurrency = 8,
		.cpu_per_request = 0.02, .idle_cpu_milli = 200, .timeout = 0,
		.offered = offered_const, .offered_ctx = &rate,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct hpa_metric_spec m;
	tf_cpu_utilization(&m, 50);
	struct hpa_spec h;
	tf_hpa(&h, "web", 1, 10, &m, 1);
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	cl_start(c);
	sim_run(sim, 7 * SIM_MIN);
	deploy_scale(c, 0, 8);
	sim_run(sim, t.duration);
	uint64_t hits = horizontal_memo_hits(c);
	*hash = rec.hpa_hash;
	*nhpa = rec.nhpa;
	*stale = horizontal_memo_stale(c);
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	k8s_res_free(&ctr.requests);
	return hits;
}

static void
test_hpa_memo_init_period(void)
{
	uint64_t hf, hg, sf, sg;
	size_t nf, ng;
	uint64_t hits = hpa_idle_run(true, &hf, &nf, &sf);
	CHECK_INT(hpa_idle_run(false, &hg, &ng, &sg), 0);
	CHECK_INT(sf, 0);
	CHECK(hits >= 30);
	CHECK_INT(nf, 80);
	CHECK_INT(ng, nf);
	CHECK(hg == hf);
}

/*
 * The metrics-server's idle cpu is each pod's own Service's: two
 * Deployments with idle 10m and 30m and no traffic, each with an HPA,
 * both scaled up while running so their pods' ids alternate; every
 * running pod's sample is its Service's idle (the scrape looks the idle
 * up once per run of a Deployment's pods). A third Deployment between
 * them, which no autoscaler reads, is not scraped: its pods have no
 * sample.
 */
static void
test_scrape_idle_per_deploy(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 5 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct probe_sink sink = { rec_emit, &rec };
	struct cluster *c = cl_new(sim, 3, &t, &sink);
	add_pool(c, 4);
	struct k8s_deployment d[3];
	struct k8s_container ctr[3];
	struct k8s_service svc[3];
	static const char *const names[3] = { "web", "api", "off" };
	double rate = 0;
	char *cause = NULL;
	for (int i = 0; i < 3; i++) {
		make_deploy(&d[i], &ctr[i], &svc[i], 1);
		d[i].name = (char *)names[i];
		svc[i].name = (char *)names[i];
		k8s_labels_set(&d[i].template.labels, "app", names[i]);
		k8s_labels_set(&svc[i].selector, "app", names[i]);
		cl_add_deployment(c, &d[i]);
		cl_add_service(c, &svc[i]);
		struct cl_profile_params prof = {
			.service = names[i], .service_time = sim_dist_exp(0.02),
			.concurrency = 8, .cpu_per_request = 0.02,
			.idle_cpu_milli = i == 0 ? 10 : 30, .timeout = 0,
			.offered = offered_const, .offered_ctx = &rate,
		};
		CHECK(cl_add_profile(c, &prof, &cause) == i);
	}
	/* a metric no adapter serves: the HPAs (which start the
	 * metrics-server) never scale */
	struct hpa_metric_spec m;
	memset(&m, 0, sizeof m);
	m.type = HPA_PODS;
	m.metric_name = "unserved";
	m.target = HPA_AVERAGE_VALUE;
	m.average_value_milli = 1000;
	struct hpa_spec h[2];
	for (int i = 0; i < 2; i++) {
		tf_hpa(&h[i], (char *)names[i], 1, 10, &m, 1);
		CHECK(cl_add_hpa(c, &h[i], &cause) == i);
	}
	cl_start(c);
	sim_run(sim, 30 * SIM_SEC);
	/* one at a time, alternating: web, api, web, api, ... */
	for (int32_t r = 2; r <= 4; r++)
		for (int i = 0; i < 3; i++) {
			deploy_scale(c, (uint32_t)i, r);
			sim_run(sim, sim_now(sim) + SIM_SEC);
		}
	sim_run(sim, t.duration);
	size_t seen[3] = { 0, 0, 0 }, alternations = 0;
	uint32_t prev = NONE;
	for (uint32_t p = 0; p < c->npods; p++) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->phase == POD_FREE)
			continue;
		if (prev != NONE && pd->deploy != prev)
			alternations++;
		prev = pd->deploy;
		const struct cl_pod_metrics *pm = metrics_of(c, p);
		CHECK(pm->has == (pd->deploy != 2));
		if (pd->deploy != 2)
			CHECK_INT(pm->cpu_milli, pd->deploy == 0 ? 10 : 30);
		seen[pd->deploy]++;
	}
	CHECK_INT(seen[0], 4);
	CHECK_INT(seen[1], 4);
	CHECK_INT(seen[2], 4);
	CHECK(alternations >= 3);
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	rec_free(&rec);
	for (int i = 0; i < 3; i++) {
		k8s_labels_free(&d[i].template.labels);
		k8s_labels_free(&svc[i].selector);
		k8s_res_free(&ctr[i].requests);
	}
}

int
main(void)
{
	test_scrape_idle_per_deploy();
	test_cohorts_match_pods();
	test_hpa_memo_matches();
	test_hpa_memo_init_period();
	test_replay_exact();
	test_park_exact();
	test_park_probes();
	test_flush_per_row();
	test_cohorts_own_caps();
	test_hpa_step_timeline();
	test_random_failures();
	test_lifecycle_and_failure();
	test_node_deleted_during_binding();
	test_hpa_scales_up();
	return tl_finish();
}
