/*
 * test_cluster_autoscale.c - the autoscalers added to the cluster model,
 * each in a small cluster with constant timings so that every expected value
 * is computed by hand below: a queue workload (workloads/queue.h) whose
 * length an HPA reads as an External metric; an HPA on the Pods metric
 * requests_per_second from the serving model; the VPA recommender in Off
 * mode (its recorded recommendations) and in Recreate mode (evictions within
 * the tolerance and PDB, new pods with the target requests, which the
 * scheduler accounts).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/cluster.h"
#include "models/cluster/controllers.h"
#include "models/scheduler/sched.h"
#include "models/vpa/vpa.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"
#include "workloads/queue.h"
#include "workloads/traffic.h"

struct row {
	double	 t;
	char	*a, *b, *c;		/* text columns */
	double	 v[8];
	bool	 null[8];
};
struct rows {
	struct row	*r;
	size_t		 n, cap;
};
struct recorder {
	struct rows	events, hpa, queue, vpa;
};

static void
add_row(struct rows *rs, const struct probe_val *v, size_t n)
{
	KS_GROW(rs->r, rs->cap, rs->n + 1);
	struct row *r = &rs->r[rs->n++];
	memset(r, 0, sizeof *r);
	r->t = v[0].u.r;
	size_t k = 0, nt = 0;
	for (size_t i = 1; i < n; i++) {
		if (v[i].type == PROBE_TEXT) {
			char **dst = nt == 0 ? &r->a : nt == 1 ? &r->b : &r->c;
			if (nt < 3)
				*dst = xstrdup(v[i].u.s);
			nt++;
		} else if (k < 8) {
			r->null[k] = v[i].type == PROBE_NULL;
			r->v[k++] = v[i].type == PROBE_INT ? (double)v[i].u.i :
			    v[i].type == PROBE_REAL ? v[i].u.r : NAN;
		}
	}
}

static void
rec_emit(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	struct recorder *r = ctx;
	if (strcmp(table, "events") == 0)
		add_row(&r->events, v, n);
	else if (strcmp(table, "hpa_decisions") == 0)
		add_row(&r->hpa, v, n);
	else if (strcmp(table, "queue_intervals") == 0)
		add_row(&r->queue, v, n);
	else if (strcmp(table, "vpa_recommendations") == 0)
		add_row(&r->vpa, v, n);
}

static void
rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].a);
		free(rs->r[i].b);
		free(rs->r[i].c);
	}
	free(rs->r);
}

static void
rec_free(struct recorder *r)
{
	rows_free(&r->events);
	rows_free(&r->hpa);
	rows_free(&r->queue);
	rows_free(&r->vpa);
}

static const struct row *
row_at(const struct rows *rs, double t, const char *a)
{
	for (size_t i = 0; i < rs->n; i++)
		if (fabs(rs->r[i].t - t) < 1e-9 && (a == NULL || strcmp(rs->r[i].a, a) == 0))
			return &rs->r[i];
	return NULL;
}

static int
count_events(const struct recorder *r, const char *kind)
{
	int n = 0;
	for (size_t i = 0; i < r->events.n; i++)
		n += strcmp(r->events.r[i].a, kind) == 0;
	return n;
}

/* A Deployment `name` of one container without a readiness probe (Ready as
 * soon as it starts). */
static void
make_deploy(struct k8s_deployment *d, struct k8s_container *ctr, const char *name,
    int32_t replicas, int64_t cpu_milli, int64_t memory)
{
	tf_deployment(d, ctr, name, "app:1", replicas, cpu_milli, memory);
}

static struct cluster *
new_cluster(struct sim *sim, struct cl_timings *t, struct recorder *rec, int32_t nodes)
{
	static struct probe_sink sink;
	sink.emit = rec_emit;
	sink.ctx = rec;
	struct cluster *c = cl_new(sim, 3, t, &sink);
	static const char *const zones[] = { "a" };
	struct cl_pool_params pool = {
		.name = "pool", .cpu_milli = 8000, .memory = 32LL << 30, .max_pods = 110,
		.price_hour = 0.1, .zones = zones, .nzones = 1, .count = nodes,
		.provision = sim_dist_const(60),
	};
	cl_add_pool(c, &pool);
	return c;
}

static double
offered_const(void *ctx, sim_ns from, sim_ns to)
{
	return *(double *)ctx * sim_ns_to_s(to - from);
}

/* ---- the fluid queue on its own ------------------------------------------------ */

static void
test_wl_queue(void)
{
	struct wl_traffic *t = wl_step(10, 30, 10 * SIM_SEC);
	struct wl_queue *q = wl_queue_new(t, 5);
	wl_free(t);	/* the queue keeps its own reference */
	double a, c;
	/* [0, 10): 100 arrive, capacity 60: 5 + 100 - 60 = 45 wait. */
	CHECK_NEAR(wl_queue_step(q, 0, 10 * SIM_SEC, 60, &a, &c), 45, 1e-9);
	CHECK_NEAR(a, 100, 1e-9);
	CHECK_NEAR(c, 60, 1e-9);
	/* [10, 12): 60 arrive; capacity 500 takes all 105. */
	CHECK_NEAR(wl_queue_step(q, 10 * SIM_SEC, 12 * SIM_SEC, 500, &a, &c), 0, 0);
	CHECK_NEAR(c, 105, 1e-9);
	/* No capacity: everything waits. */
	CHECK_NEAR(wl_queue_step(q, 12 * SIM_SEC, 13 * SIM_SEC, 0, &a, &c), 30, 1e-9);
	CHECK(c == 0);
	CHECK_NEAR(wl_queue_arrived(q), 190, 1e-9);
	CHECK_NEAR(wl_queue_consumed(q), 165, 1e-9);
	CHECK_NEAR(wl_queue_length(q), 5 + 190 - 165, 1e-9);
	wl_queue_free(q);
	/* Without arrivals nothing comes. */
	q = wl_queue_new(NULL, 0);
	CHECK(wl_queue_step(q, 0, SIM_SEC, 10, &a, &c) == 0 && a == 0 && c == 0);
	wl_queue_free(q);
}

/* ---- queue length as an External metric ------------------------------------------- */

static double
queue_step(void *ctx, sim_ns from, sim_ns to, double capacity, double *arrived,
    double *consumed)
{
	return wl_queue_step(ctx, from, to, capacity, arrived, consumed);
}

static void
queue_free(void *ctx)
{
	wl_queue_free(ctx);
}

/*
 * 50 messages/s into queue "jobs"; each Ready consumer takes 10/s. One
 * consumer to start, ready at 3.051 s (0.01 sync + 0.02 create + 0.001
 * cycle + 0.01 bind + 0.01 kubelet + 2 s pull + 1 s start), so ticks 1-3
 * take nothing and ticks 4-15 take 10 each: at 15 s the queue holds
 * 750 - 120 = 630. The HPA (External "jobs", AverageValue 30 per pod,
 * legacy behavior, max 10): ceil(630 / 30) = 21, limited to max(2 x 1, 4) =
 * 4. Three new pods (created 15.01) land on the three empty nodes, pull and
 * are Ready at 18.05x: ticks 16-18 add 40 each (870 - 30 x 4... see below):
 *   t=18: 630 + 3 x 40 = 750; ticks 19-30: 4 pods, +10 each: 870 at 30 s.
 * At 30 s: ceil(870 / 30) = 29, limit max(2 x 4, 4) = 8: four more pods,
 * on nodes with the image, Ready at 31.07x: tick 31 +10 (880), then 8 pods
 * take 80 a tick, -30: at 45 s 880 - 14 x 30 = 460: ceil(460 / 30) = 16,
 * capped at 10 (TooManyReplicas); per pod 460 / 8 = 57.5. Two more Ready at
 * 46.07x: tick 46 -30 (430), then -50 a tick: ticks 47-54 take 400 (30
 * left) and tick 55 empties it. At 60 s: 3000 arrived, all consumed.
 */
static void
test_queue_external_metric(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 2 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct cluster *c = new_cluster(sim, &t, &rec, 4);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make_deploy(&d, &ctr, "consumer", 1, 500, 512LL << 20);
	cl_add_deployment(c, &d);
	struct wl_traffic *arr = wl_constant(50);
	struct wl_queue *wq = wl_queue_new(arr, 0);
	wl_free(arr);
	char *cause = NULL;
	struct cl_queue_params qp = {
		.name = "jobs", .consumer = "nobody", .rate_per_pod = 10,
		.cpu_per_message = 0.02, .step = queue_step, .ctx = wq, .free_ctx = queue_free,
	};
	CHECK(cl_add_queue(c, &qp, &cause) == -1);
	CHECK_STR(cause, "queue jobs: no Deployment nobody");
	free(cause);
	qp.consumer = "consumer";
	CHECK(cl_add_queue(c, &qp, &cause) == 0);
	struct hpa_metric_spec m;
	memset(&m, 0, sizeof m);
	m.type = HPA_EXTERNAL;
	m.metric_name = "jobs";
	m.target = HPA_AVERAGE_VALUE;
	m.average_value_milli = 30000;
	struct hpa_spec h;
	tf_hpa(&h, "consumer", 1, 10, &m, 1);
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);

	const struct row *r = row_at(&rec.hpa, 15, NULL);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->v[0], 1);		/* current */
		CHECK_INT(r->v[2], 4);		/* desired */
		CHECK_STR(r->b, "[{\"metric\":\"external metric jobs\",\"valid\":true,"
		    "\"proposal\":21,\"average\":630.000}]");
		CHECK_STR(r->c, "ScaleUpLimit");
	}
	r = row_at(&rec.hpa, 30, NULL);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->v[0], 4);
		CHECK_INT(r->v[2], 8);
		CHECK(strstr(r->b, "\"proposal\":29,\"average\":217.500") != NULL);
	}
	r = row_at(&rec.hpa, 45, NULL);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->v[0], 8);
		CHECK_INT(r->v[2], 10);
		CHECK(strstr(r->b, "\"proposal\":16,\"average\":57.500") != NULL);
		CHECK_STR(r->c, "TooManyReplicas");
	}
	/* queue_intervals: arrived, consumed, length, consumers_ready. */
	r = row_at(&rec.queue, 60, "jobs");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_NEAR(r->v[0], 3000, 1e-6);
		CHECK_NEAR(r->v[1], 3000, 1e-6);
		CHECK(r->v[2] == 0);
		CHECK_INT(r->v[3], 10);
	}
	/* The second minute: 10 consumers take the 3000 that arrive. */
	r = row_at(&rec.queue, 120, "jobs");
	CHECK(r != NULL && fabs(r->v[0] - 3000) < 1e-6 && fabs(r->v[1] - 3000) < 1e-6);
	CHECK_INT(rec.queue.n, 2);
	/* The consumers' cpu: 10 pods share 50 msg/s at 20 ms each = 100m
	 * each, which metrics-server reports (over [90, 105]). */
	const struct cl_deploy *dp = &c->deploys[0];
	for (uint32_t p = dp->first_pod; p != NONE; p = c->pods[p].dep_next)
		CHECK_INT(metrics_of(c, p)->cpu_milli, 100);
	/* A selector-named External metric finds the queue too; others none. */
	int64_t v = -1;
	struct k8s_selector sel = { 0 };
	struct k8s_sel_req req = { .key = "queue", .op = K8S_SEL_IN };
	char *vals[1] = { "jobs" };
	req.values = vals;
	req.nvalues = 1;
	sel.reqs = &req;
	sel.nreqs = 1;
	sel.set = true;
	CHECK(queue_external_metric(c, "queue_length", &sel, &v) && v == 0);
	vals[0] = "other";
	CHECK(!queue_external_metric(c, "queue_length", &sel, &v));
	CHECK(!queue_external_metric(c, "jobs_total", &sel, &v));
	cl_free(c);
	sim_free(sim);
	k8s_labels_free(&d.template.labels);
	rec_free(&rec);
}

/* ---- requests_per_second as a Pods metric ------------------------------------------ */

/*
 * 100 requests/s over 2 pods of a Service: 50/s each (service time 10 ms,
 * 8 slots, no queueing). Pods start at 3.051 s and serve from their
 * endpoints (3.551 s): the scrape at 15 s only starts each pod's window,
 * the one at 30 s measures [15, 30]: 50.000 requests/s. The HPA (Pods
 * metric requests_per_second, AverageValue 20) sees it first at 45 s:
 * 50 / 20 x 2 pods = 5, limited to 4.
 */
static void
test_requests_per_second(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 50 * SIM_SEC);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct cluster *c = new_cluster(sim, &t, &rec, 2);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make_deploy(&d, &ctr, "web", 2, 500, 512LL << 20);
	cl_add_deployment(c, &d);
	struct k8s_service svc;
	memset(&svc, 0, sizeof svc);
	svc.name = "web";
	svc.namespace = "default";
	k8s_labels_set(&svc.selector, "app", "web");
	cl_add_service(c, &svc);
	double rate = 100;
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_const(0.01), .concurrency = 8,
		.cpu_per_request = 0.001, .offered = offered_const, .offered_ctx = &rate,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	struct hpa_metric_spec m[2];
	memset(m, 0, sizeof m);
	m[0].type = HPA_PODS;
	m[0].metric_name = "requests_per_second";
	m[0].target = HPA_AVERAGE_VALUE;
	m[0].average_value_milli = 20000;
	/* A Pods metric nobody serves: invalid, reported, not fatal. */
	m[1].type = HPA_PODS;
	m[1].metric_name = "queue_depth";
	m[1].target = HPA_AVERAGE_VALUE;
	m[1].average_value_milli = 1000;
	struct hpa_spec h;
	tf_hpa(&h, "web", 2, 10, m, 2);
	CHECK(cl_add_hpa(c, &h, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	const struct row *r = row_at(&rec.hpa, 30, NULL);
	CHECK(r != NULL && r->v[2] == 2);	/* no metrics yet */
	r = row_at(&rec.hpa, 45, NULL);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->v[0], 2);
		CHECK_INT(r->v[2], 4);
		CHECK(strstr(r->b, "{\"metric\":\"pods metric requests_per_second\","
		    "\"valid\":true,\"proposal\":5,\"average\":50.000}") != NULL);
		/* as upstream, a failed fetch leaves the metric's name empty */
		CHECK(strstr(r->b, "{\"metric\":\"\",\"valid\":false,\"reason\":"
		    "\"FailedGetPodsMetric\"}") != NULL);
	}
	for (uint32_t p = c->deploys[0].first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->created < 1.0 * SIM_SEC)
			CHECK_INT(metrics_of(c, p)->rps_milli, 50000);
	}
	cl_free(c);
	sim_free(sim);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	rec_free(&rec);
}

/* ---- the VPA ------------------------------------------------------------------------ */

static struct cluster *
vpa_cluster(struct sim *sim, struct cl_timings *t, struct recorder *rec,
    struct k8s_deployment *d, struct k8s_container *ctr, struct k8s_service *svc,
    double *rate, int32_t replicas, int64_t cpu_milli)
{
	struct cluster *c = new_cluster(sim, t, rec, 3);
	make_deploy(d, ctr, "web", replicas, cpu_milli, 512LL << 20);
	cl_add_deployment(c, d);
	memset(svc, 0, sizeof *svc);
	svc->name = "web";
	svc->namespace = "default";
	k8s_labels_set(&svc->selector, "app", "web");
	cl_add_service(c, svc);
	char *cause = NULL;
	/* 15 requests/s per pod x 20 ms of cpu: 300m each. */
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_const(0.02), .concurrency = 8,
		.cpu_per_request = 0.02, .offered = offered_const, .offered_ctx = rate,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	return c;
}

/*
 * Off: two pods using 300m of 500m and 256Mi (half of 512Mi). Every minute
 * the recommender takes each pod's latest sample (weight 0.5 core): cpu
 * bucket 18, target 305m + 15% = 350m; memory bucket 17, 281323846 + 15% =
 * 323522422. At 60 s the history spans nothing (confidence 0): lower 0 ->
 * the minimums 25m / 250Mi, upper unbounded (1e14). At 7200 s: confidence
 * min(7140 / 86400, 240 / 1440) = 0.0826389: lower 350 x (1 +
 * 0.001/0.0826389)^-2 = 341.7 -> 341m and 315832497 bytes; upper 350 x
 * (1 + 1/0.0826389) = 4585.3 -> 4585m and 4238415595 bytes. Nothing is
 * evicted and new pods keep the Deployment's template.
 */
static void
test_vpa_off(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 2 * SIM_HOUR);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	double rate = 30;
	struct cluster *c = vpa_cluster(sim, &t, &rec, &d, &ctr, &svc, &rate, 2, 500);
	struct vpa_spec v;
	memset(&v, 0, sizeof v);
	v.name = "web";
	v.target_kind = "Deployment";
	v.target_name = "nope";
	v.mode = VPA_MODE_OFF;
	char *cause = NULL;
	CHECK(cl_add_vpa(c, &v, &cause) == -1);
	CHECK_STR(cause, "VerticalPodAutoscaler web: no Deployment nope");
	free(cause);
	v.target_name = "web";
	CHECK(cl_add_vpa(c, &v, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	CHECK_INT(rec.vpa.n, 120);
	const struct row *r = row_at(&rec.vpa, 60, "web");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->b, "app");
		CHECK_INT(r->v[0], 350);
		CHECK_INT(r->v[1], 323522422);
		CHECK_INT(r->v[2], 25);
		CHECK_INT(r->v[3], 262144000);
		CHECK_INT(r->v[4], VPA_MAX_RESOURCE_AMOUNT);
		CHECK_INT(r->v[5], VPA_MAX_RESOURCE_AMOUNT);
	}
	r = row_at(&rec.vpa, 7200, "web");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->v[0], 350);
		CHECK_INT(r->v[1], 323522422);
		CHECK_INT(r->v[2], 341);
		CHECK_INT(r->v[3], 315832497);
		CHECK_INT(r->v[4], 4585);
		CHECK_INT(r->v[5], 4238415595LL);
	}
	CHECK_INT(count_events(&rec, "EvictedByVPA"), 0);
	CHECK(c->deploys[0].cur == NULL);
	cl_free(c);
	sim_free(sim);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	rec_free(&rec);
}

/*
 * Recreate: three pods requesting 100m use 300m each. The admission
 * controller gives new pods the target (350m, 323522422 bytes) from the
 * first recommendation (60 s). The updater (every minute, before the
 * recommender at equal times) acts on the previous minute's lower bound:
 *   120 s: lower from 60 s is 25m: 100m is inside;
 *   180 s: (60 s of history, confidence 60/86400) 350 x (1 + 1.44)^-2 = 58m;
 *   240 s: confidence 120/86400: 350 x (1 + 0.72)^-2 = 118m > 100m: outside.
 * Tolerance int(3 x 0.5) = 1 and the PDB (maxUnavailable 1) allow one
 * eviction per loop: at 240, 300 and 360 s, the pod with the lowest id
 * first; each replacement has 350m, so the scheduler ends with 3 x 350m.
 */
static void
test_vpa_recreate(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 10 * SIM_MIN);
	struct recorder rec;
	memset(&rec, 0, sizeof rec);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	double rate = 45;
	struct cluster *c = vpa_cluster(sim, &t, &rec, &d, &ctr, &svc, &rate, 3, 100);
	struct k8s_pdb pdb;
	memset(&pdb, 0, sizeof pdb);
	pdb.name = "web";
	pdb.namespace = "default";
	pdb.has_max_unavailable = true;
	pdb.max_unavailable = 1;
	struct k8s_sel_req req = { .key = "app", .op = K8S_SEL_IN };
	char *vals[1] = { "web" };
	req.values = vals;
	req.nvalues = 1;
	pdb.selector.reqs = &req;
	pdb.selector.nreqs = 1;
	pdb.selector.set = true;
	cl_add_pdb(c, &pdb);
	struct vpa_spec v;
	memset(&v, 0, sizeof v);
	v.name = "web";
	v.target_kind = "Deployment";
	v.target_name = "web";
	v.mode = VPA_MODE_RECREATE;
	char *cause = NULL;
	CHECK(cl_add_vpa(c, &v, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);
	const struct row *r = row_at(&rec.vpa, 180, "web");
	CHECK(r != NULL && r->v[0] == 350 && r->v[2] == 118);
	r = row_at(&rec.vpa, 120, "web");
	CHECK(r != NULL && r->v[2] == 58);
	double ev[4] = { -1, -1, -1, -1 };
	int n = 0;
	for (size_t i = 0; i < rec.events.n && n < 4; i++)
		if (strcmp(rec.events.r[i].a, "EvictedByVPA") == 0)
			ev[n++] = rec.events.r[i].t;
	CHECK_INT(n, 3);
	CHECK_NEAR(ev[0], 240, 1e-9);
	CHECK_NEAR(ev[1], 300, 1e-9);
	CHECK_NEAR(ev[2], 360, 1e-9);
	/* The first evicted is web-00000 (lowest id), then 00001, 00002. */
	int k = 0;
	for (size_t i = 0; i < rec.events.n; i++) {
		if (strcmp(rec.events.r[i].a, "EvictedByVPA") != 0)
			continue;
		char want[32];
		snprintf(want, sizeof want, "web-%05d", k++);
		CHECK_STR(rec.events.r[i].b, want);
	}
	/* All pods now run the VPA's template, and the scheduler counts it. */
	const struct cl_deploy *dp = &c->deploys[0];
	CHECK(dp->cur != NULL && dp->cur != &dp->spec);
	CHECK_INT(dp->cur->containers[0].requests.cpu_milli, 350);
	CHECK_INT(dp->cur->containers[0].requests.memory, 323522422);
	CHECK_INT(dp->spec.containers[0].requests.cpu_milli, 100);
	int live = 0;
	for (uint32_t p = dp->first_pod; p != NONE; p = c->pods[p].dep_next) {
		live++;
		CHECK(c->pods[p].spec == dp->cur);
		CHECK_INT(c->pods[p].req_cpu_milli, 350);
	}
	CHECK_INT(live, 3);
	int64_t sched_cpu = 0;
	for (size_t i = 0; i < sched_nnodes(scheduler_cache(c)); i++)
		sched_cpu += sched_node_get(scheduler_cache(c), (int)i)->req_cpu;
	CHECK_INT(sched_cpu, 3 * 350);
	cl_free(c);
	sim_free(sim);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
	rec_free(&rec);
}

int
main(void)
{
	test_wl_queue();
	test_queue_external_metric();
	test_requests_per_second();
	test_vpa_off();
	test_vpa_recreate();
	return tl_finish();
}
