/*
 * test_request.c - request mode (models/serving/request.c) on its own: policy names,
 * the conservation of requests, each load-balancing policy's split and its
 * fluid weights, queue limits, timeouts, dead endpoints and pods that go,
 * arrivals by thinning against a non-homogeneous rate, and common random
 * numbers across policies.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/serving/request.h"
#include "models/serving/serving.h"
#include "sim/engine/engine.h"
#include "sim/util/hist.h"
#include "tests/testlib.h"

/* A rate: constant `a` before `at`, `b` from then on. */
struct step_rate {
	double	a, b;
	sim_ns	at;
};

static double
step_rate(void *ctx, sim_ns t)
{
	const struct step_rate *s = ctx;
	return t < s->at ? s->a : s->b;
}

static double
step_rate_max(void *ctx, sim_ns from, sim_ns to)
{
	const struct step_rate *s = ctx;
	double m = from < s->at ? s->a : s->b;
	if (to >= s->at && s->b > m)
		m = s->b;
	return m;
}

/* A ramp 0 -> peak over [0, len], for thinning with a loose bound. */
struct ramp_rate {
	double	peak;
	sim_ns	len;
};

static double
ramp_rate(void *ctx, sim_ns t)
{
	const struct ramp_rate *r = ctx;
	return t >= r->len ? r->peak : r->peak * (double)t / (double)r->len;
}

static double
ramp_rate_max(void *ctx, sim_ns from, sim_ns to)
{
	(void)from;
	(void)to;
	return ((const struct ramp_rate *)ctx)->peak;	/* loose on purpose */
}

struct dead_set {
	uint32_t	dead;		/* this pod id is dead */
};

static bool
is_dead(void *ctx, uint32_t pod)
{
	return pod == ((const struct dead_set *)ctx)->dead;
}

struct rig {
	struct sim		*sim;
	struct rq_service	*r;
	uint32_t		 ids[16];
	uint32_t		*idp;
	size_t			 n;
	uint32_t		 version;
	struct step_rate	 rate;
	struct hist		*h;
};

static void
rig_init(struct rig *g, size_t n, double rate, struct rq_params *p)
{
	memset(g, 0, sizeof *g);
	g->sim = sim_new();
	g->n = n;
	for (size_t i = 0; i < n; i++)
		g->ids[i] = (uint32_t)(3 * i + 1);	/* ids need not be dense */
	g->idp = g->ids;
	g->rate.a = g->rate.b = rate;
	g->rate.at = SIM_NEVER;
	g->h = malloc(sizeof *g->h);
	hist_reset(g->h);
	if (p->rate == NULL) {
		p->rate = step_rate;
		p->rate_max = step_rate_max;
		p->rate_ctx = &g->rate;
	}
	if (p->name == NULL)
		p->name = "svc";
	if (p->concurrency == 0)
		p->concurrency = 1;
	g->r = rq_new(g->sim, p, g->h);
	rq_set_endpoints(g->r, &g->idp, &g->n, &g->version);
}

static void
rig_free(struct rig *g)
{
	rq_free(g->r);
	sim_free(g->sim);
	free(g->h);
}

static void
check_conserved(const char *what, const struct rq_stats *st)
{
	uint64_t sum = st->ok + st->timeouts + st->rejected + st->failed + st->in_system;
	if (sum == st->arrivals)
		PASS();
	else
		FAILF("%s: arrivals %llu != ok %llu + timeouts %llu + rejected %llu + failed "
		    "%llu + in system %llu", what, (unsigned long long)st->arrivals,
		    (unsigned long long)st->ok, (unsigned long long)st->timeouts,
		    (unsigned long long)st->rejected, (unsigned long long)st->failed,
		    (unsigned long long)st->in_system);
}

static void
test_names(void)
{
	CHECK_INT(rq_lb_parse("roundRobin"), RQ_LB_ROUND_ROBIN);
	CHECK_INT(rq_lb_parse("random"), RQ_LB_RANDOM);
	CHECK_INT(rq_lb_parse("leastRequest"), RQ_LB_LEAST_REQUEST);
	CHECK_INT(rq_lb_parse("ringHash"), RQ_LB_RING_HASH);
	CHECK_INT(rq_lb_parse("roundrobin"), -1);
	CHECK_INT(rq_lb_parse(""), -1);
	CHECK_STR(rq_lb_name(RQ_LB_RING_HASH), "ringHash");
	CHECK(rq_lb_name((enum rq_lb)9) == NULL);
	CHECK_STR(rq_lb_names()[2], "leastRequest");
	CHECK(rq_lb_names()[4] == NULL);
}

/* Starts per endpoint, from the cpu taken (1 cpu-second per start). */
static void
starts(struct rig *g, double *out)
{
	for (size_t i = 0; i < g->n; i++)
		out[i] = rq_take_cpu(g->r, g->ids[i]);
}

static void
test_split(void)
{
	double got[16], w[16];
	/* Round-robin: exactly even. 4 endpoints, no queueing (many slots). */
	struct rig g;
	struct rq_params p = { .service_time = sim_dist_const(0.001), .concurrency = 1000,
		.cpu_per_request = 1, .lb = RQ_LB_ROUND_ROBIN };
	rig_init(&g, 4, 1000, &p);
	rq_start(g.r, 0, 20 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	struct rq_stats st;
	rq_get_stats(g.r, &st);
	starts(&g, got);
	for (int i = 0; i < 4; i++)
		CHECK(fabs(got[i] - (double)st.arrivals / 4) <= 1);
	CHECK_INT(st.ok, st.arrivals);
	check_conserved("rr", &st);
	rig_free(&g);

	/* Random, ring hash: each endpoint's count against its weight (4 sd). */
	enum rq_lb pols[2] = { RQ_LB_RANDOM, RQ_LB_RING_HASH };
	for (int k = 0; k < 2; k++) {
		p.lb = pols[k];
		rig_init(&g, 8, 5000, &p);
		rq_start(g.r, 0, 20 * SIM_SEC);
		sim_run(g.sim, SIM_NEVER);
		rq_get_stats(g.r, &st);
		starts(&g, got);
		rq_lb_weights(pols[k], g.ids, 8, NULL, w);
		double sum = 0;
		for (int i = 0; i < 8; i++) {
			double n = (double)st.arrivals, e = n * w[i];
			sum += w[i];
			if (fabs(got[i] - e) <= 4 * sqrt(e * (1 - w[i])))
				PASS();
			else
				FAILF("%s endpoint %d: %.0f requests, expected %.1f",
				    rq_lb_name(pols[k]), i, got[i], e);
		}
		CHECK_NEAR(sum, 1, 1e-12);
		rig_free(&g);
	}
	/* Ring arcs are not all equal (1024 points over 8 endpoints). */
	rq_lb_weights(RQ_LB_RING_HASH, g.ids, 8, NULL, w);
	double lo = 1, hi = 0;
	for (int i = 0; i < 8; i++) {
		lo = w[i] < lo ? w[i] : lo;
		hi = w[i] > hi ? w[i] : hi;
	}
	CHECK(hi > lo && lo > 0.08 && hi < 0.17);
	/* The ring depends only on the set of ids: the same arcs again. */
	double w2[16];
	rq_lb_weights(RQ_LB_RING_HASH, g.ids, 8, NULL, w2);
	CHECK(memcmp(w, w2, sizeof(double) * 8) == 0);

	/* Least request's fluid weights: rank r of n gets 2 (n-1-r) / (n (n-1)),
	 * ties share. */
	uint32_t ids[3] = { 5, 6, 7 };
	double occ[3] = { 2, 0, 1 };
	rq_lb_weights(RQ_LB_LEAST_REQUEST, ids, 3, occ, w);
	CHECK_NEAR(w[1], 4.0 / 6, 1e-12);
	CHECK_NEAR(w[2], 2.0 / 6, 1e-12);
	CHECK_NEAR(w[0], 0, 1e-12);
	double occ2[3] = { 0, 0, 1 };
	rq_lb_weights(RQ_LB_LEAST_REQUEST, ids, 3, occ2, w);
	CHECK_NEAR(w[0], 0.5, 1e-12);
	CHECK_NEAR(w[1], 0.5, 1e-12);
	CHECK_NEAR(w[2], 0, 1e-12);
	rq_lb_weights(RQ_LB_LEAST_REQUEST, ids, 3, NULL, w);
	CHECK_NEAR(w[0], 1.0 / 3, 1e-12);
	rq_lb_weights(RQ_LB_ROUND_ROBIN, ids, 1, NULL, w);
	CHECK_NEAR(w[0], 1, 0);
	CHECK_NEAR(rq_lb_arrival_scv(RQ_LB_ROUND_ROBIN, 4), 0.25, 0);
	CHECK_NEAR(rq_lb_arrival_scv(RQ_LB_RANDOM, 4), 1, 0);
}

/* Least request with two choices waits far less than random at 90%. */
static void
test_p2c(void)
{
	double mean[2];
	enum rq_lb pols[2] = { RQ_LB_RANDOM, RQ_LB_LEAST_REQUEST };
	for (int k = 0; k < 2; k++) {
		struct rig g;
		struct rq_params p = { .service_time = sim_dist_exp(0.01), .concurrency = 1,
			.lb = pols[k] };
		rig_init(&g, 8, 0.9 * 8 / 0.01, &p);
		rq_start(g.r, 0, 600 * SIM_SEC);
		sim_run(g.sim, SIM_NEVER);
		struct rq_stats st;
		rq_get_stats(g.r, &st);
		mean[k] = st.latency_sum / (double)st.ok;
		check_conserved(rq_lb_name(pols[k]), &st);
		rig_free(&g);
	}
	/* M/M/1 at .9: 100 ms; power of two choices (mean field): about 26 ms. */
	CHECK(fabs(mean[0] - 0.1) < 0.015);
	CHECK(mean[1] < 0.4 * mean[0]);
}

static void
test_limits(void)
{
	/* One slot, queue limit 3, service 1 s, 3 req/s: never more than 4 in
	 * the pod; the excess is rejected. */
	struct rig g;
	struct rq_params p = { .service_time = sim_dist_const(1), .concurrency = 1,
		.queue_limit = 3 };
	rig_init(&g, 1, 3, &p);
	rq_start(g.r, 0, 100 * SIM_SEC);
	struct rq_stats st;
	for (int t = 1; t <= 120; t++) {
		sim_run(g.sim, t * SIM_SEC);
		rq_get_stats(g.r, &st);
		if (st.in_system > 4) {
			FAILF("queue limit: %llu in system at %d s",
			    (unsigned long long)st.in_system, t);
			break;
		}
	}
	CHECK(st.rejected > 150);
	CHECK_INT(st.in_system, 0);
	CHECK_INT(st.ok, st.started);
	check_conserved("qlimit", &st);
	/* Latencies: 1 s of service plus whole seconds of waiting, up to 3. */
	CHECK(hist_max(g.h) <= 4.0 + 1e-6);
	CHECK(hist_min(g.h) >= 1.0 - 1e-6);
	rig_free(&g);

	/* Timeout 1.5 s on the same overload, no queue limit: served requests
	 * that waited over 0.5 s are late, those that waited 1.5 s abandon. */
	struct rq_params q = { .service_time = sim_dist_const(1), .concurrency = 1,
		.timeout = 1500 * SIM_MS };
	rig_init(&g, 1, 3, &q);
	rq_start(g.r, 0, 100 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &st);
	CHECK(st.abandoned > 100);
	CHECK(st.timeouts > st.abandoned);
	CHECK(st.ok > 0);
	CHECK(hist_max(g.h) <= 1.5);
	CHECK_INT(st.in_system, 0);
	check_conserved("timeout", &st);
	/* Little: sojourns of abandoned requests are exactly the timeout, and
	 * the area is corrected to their leaving times. */
	CHECK_NEAR(st.area, st.sojourn_sum, 1e-6 * st.area);
	rig_free(&g);

	/* Network latency is added to every response and counts toward the
	 * timeout. */
	struct rq_params nl = { .service_time = sim_dist_const(0.01), .concurrency = 100,
		.has_net_latency = true, .net_latency = sim_dist_const(0.02),
		.timeout = 25 * SIM_MS };
	rig_init(&g, 1, 10, &nl);
	rq_start(g.r, 0, 10 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &st);
	CHECK_INT(st.ok, 0);
	CHECK_INT(st.timeouts, st.arrivals);
	rig_free(&g);
	nl.timeout = 0;
	rig_init(&g, 1, 10, &nl);
	rq_start(g.r, 0, 10 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &st);
	CHECK_INT(st.ok, st.arrivals);
	CHECK_NEAR(hist_mean(g.h), 0.03, 1e-9);
	rig_free(&g);
}

static void
test_failures(void)
{
	/* Round-robin over 2 endpoints, one dead: exactly every other fails. */
	struct rig g;
	struct dead_set ds;
	struct rq_params p = { .service_time = sim_dist_const(0.001), .concurrency = 100,
		.dead = is_dead, .dead_ctx = &ds };
	rig_init(&g, 2, 100, &p);
	ds.dead = g.ids[1];
	rq_start(g.r, 0, 10 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	struct rq_stats st;
	rq_get_stats(g.r, &st);
	CHECK(st.failed == st.arrivals / 2 || st.failed == (st.arrivals + 1) / 2);
	CHECK_INT(st.ok + st.failed, st.arrivals);
	rig_free(&g);

	/* No endpoints: everything fails. */
	struct rq_params q = { .service_time = sim_dist_const(0.001) };
	rig_init(&g, 0, 100, &q);
	rq_start(g.r, 0, 10 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &st);
	CHECK(st.arrivals > 800);
	CHECK_INT(st.failed, st.arrivals);
	rig_free(&g);

	/* A pod that goes: its queued and in-service requests fail at once,
	 * its stale completions are ignored, the rest goes on. */
	struct rq_params r = { .service_time = sim_dist_const(1), .concurrency = 2 };
	rig_init(&g, 1, 10, &r);
	rq_start(g.r, 0, 20 * SIM_SEC);
	sim_run(g.sim, 5 * SIM_SEC);
	struct rq_stats before;
	rq_get_stats(g.r, &before);
	CHECK(before.in_system > 10);
	rq_pod_gone(g.r, g.ids[0]);
	rq_get_stats(g.r, &st);
	CHECK_INT(st.in_system, 0);
	CHECK_INT(st.failed, before.failed + before.in_system);
	check_conserved("gone", &st);
	rq_pod_gone(g.r, g.ids[0]);		/* twice: nothing more */
	rq_pod_gone(g.r, 12345);		/* never seen: nothing */
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &st);
	check_conserved("gone, end", &st);
	CHECK(st.ok > before.ok);
	CHECK_INT(st.in_system, 0);
	rig_free(&g);
}

static void
test_arrivals(void)
{
	/* A step 100 -> 300 req/s at 10 s: counts per half within 4 sd. */
	struct rig g;
	struct rq_params p = { .service_time = sim_dist_const(0.0001), .concurrency = 1000 };
	rig_init(&g, 1, 100, &p);
	g.rate.b = 300;
	g.rate.at = 10 * SIM_SEC + 500 * SIM_MS;	/* inside a 1 s window */
	rq_start(g.r, 0, 21 * SIM_SEC);
	sim_run(g.sim, g.rate.at);
	struct rq_stats a, b;
	rq_get_stats(g.r, &a);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &b);
	CHECK(fabs((double)a.arrivals - 1050) <= 4 * sqrt(1050));
	CHECK(fabs((double)(b.arrivals - a.arrivals) - 3150) <= 4 * sqrt(3150));
	rig_free(&g);

	/* A ramp with a loose bound: thinning keeps rate(t) / bound, so the
	 * count over [0, 100 s] is Poisson(peak * 50) (4 sd) and the first
	 * half holds a quarter of it. */
	struct ramp_rate rr = { 200, 100 * SIM_SEC };
	struct rq_params q = { .service_time = sim_dist_const(0.0001), .concurrency = 1000,
		.rate = ramp_rate, .rate_max = ramp_rate_max, .rate_ctx = &rr };
	rig_init(&g, 1, 0, &q);
	rq_start(g.r, 0, 100 * SIM_SEC);
	sim_run(g.sim, 50 * SIM_SEC);
	rq_get_stats(g.r, &a);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &b);
	CHECK(fabs((double)b.arrivals - 10000) <= 4 * 100);
	CHECK(fabs((double)a.arrivals - 2500) <= 4 * 50);
	rig_free(&g);

	/* Zero rate: no arrivals, and the run ends. */
	struct rq_params z = { .service_time = sim_dist_const(0.1) };
	rig_init(&g, 1, 0, &z);
	rq_start(g.r, 0, 3600 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	rq_get_stats(g.r, &a);
	CHECK_INT(a.arrivals, 0);
	rig_free(&g);
}

/* Same seed, same counts; the arrivals do not move when the policy or the
 * service times change (separate streams). */
static void
test_streams(void)
{
	uint64_t arr[3], ok[2];
	for (int k = 0; k < 3; k++) {
		struct rig g;
		struct rq_params p = { .service_time = sim_dist_exp(k == 2 ? 0.05 : 0.02),
			.concurrency = 2, .queue_limit = 5, .seed = 42,
			.lb = k == 1 ? RQ_LB_RANDOM : RQ_LB_ROUND_ROBIN };
		rig_init(&g, 4, 300, &p);
		rq_start(g.r, 0, 60 * SIM_SEC);
		sim_run(g.sim, SIM_NEVER);
		struct rq_stats st;
		rq_get_stats(g.r, &st);
		arr[k] = st.arrivals;
		if (k < 2)
			ok[k] = st.ok;
		rig_free(&g);
	}
	CHECK_INT(arr[1], arr[0]);
	CHECK_INT(arr[2], arr[0]);
	CHECK(ok[0] != ok[1]);
	struct rig g;
	struct rq_params p = { .service_time = sim_dist_exp(0.02), .concurrency = 2,
		.queue_limit = 5, .seed = 42 };
	rig_init(&g, 4, 300, &p);
	rq_start(g.r, 0, 60 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	struct rq_stats st;
	rq_get_stats(g.r, &st);
	CHECK_INT(st.ok, ok[0]);
	rig_free(&g);
}

/* The power-of-d mean field: d = 1 is Erlang C; c = 1, d = 2 has the closed
 * form s_k = rho^(2^k - 1) [Mitzenmacher 2001]. */
static void
test_pod_of_d(void)
{
	static const int cs[] = { 1, 4, 16 };
	static const double rhos[] = { 0.5, 0.8, 0.95 };
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++) {
			int c = cs[i];
			double a = rhos[j] * c, pw, wq;
			serving_pod_of_d(c, a, 1, &pw, &wq);
			double C = serving_erlang_c(c, a);
			if (fabs(pw - C) <= 1e-9 && fabs(wq - C / (c - a)) <= 1e-9 * (1 + wq))
				PASS();
			else
				FAILF("d=1 c=%d rho=%.2f: P_W %.12g (Erlang C %.12g), Wq %.12g (%.12g)",
				    c, rhos[j], pw, C, wq, C / (c - a));
		}
	}
	for (int j = 0; j < 3; j++) {
		double rho = rhos[j], pw, wq, lq = 0;
		for (int k = 2; k < 64; k++)
			lq += pow(rho, pow(2, k) - 1);
		serving_pod_of_d(1, rho, 2, &pw, &wq);
		CHECK_NEAR(pw, rho * rho, 1e-9);
		CHECK_NEAR(wq, lq / rho, 1e-9);
	}
	/* Two choices wait less than one, and not at all at zero load. */
	double pw1, wq1, pw2, wq2;
	serving_pod_of_d(4, 3.6, 1, &pw1, &wq1);
	serving_pod_of_d(4, 3.6, 2, &pw2, &wq2);
	CHECK(pw2 < pw1 && wq2 < wq1);
	serving_pod_of_d(4, 0, 2, &pw2, &wq2);
	CHECK_NEAR(pw2, 0, 0);
	serving_pod_of_d(4, 4, 2, &pw2, &wq2);
	CHECK_NEAR(pw2, 1, 0);
	CHECK(isinf(wq2));
}

/*
 * Request size over the network: two classes of constant 10 ms service,
 * 1,250,000 and 2,500,000 bytes at 1.25e9 bytes/s add exactly 1 ms and 2 ms;
 * with no queueing (many slots) every response is 11 ms or 12 ms and the
 * mean follows the weights 3:1 (11.25 ms).
 */
static void
test_size(void)
{
	struct rq_class cls[2] = {
		{ .name = "small", .weight = 3, .service_time = sim_dist_const(0.010),
		  .size = 1250000 },
		{ .name = "large", .weight = 1, .service_time = sim_dist_const(0.010),
		  .size = 2500000 },
	};
	struct rig g;
	struct rq_params p = { .service_time = sim_dist_const(0.010), .concurrency = 1000,
		.bandwidth = 1.25e9, .classes = cls, .nclasses = 2 };
	rig_init(&g, 2, 500, &p);
	rq_start(g.r, 0, 100 * SIM_SEC);
	sim_run(g.sim, SIM_NEVER);
	struct rq_stats st;
	rq_get_stats(g.r, &st);
	CHECK_INT(st.ok, st.arrivals);
	CHECK_NEAR(hist_min(g.h), 0.011, 1e-9);
	CHECK_NEAR(hist_max(g.h), 0.012, 1e-9);
	/* The share of large requests is binomial: 4 sd of 1/4 over n. */
	double n = (double)st.ok;
	CHECK_NEAR(st.latency_sum / n, 0.01125, 4 * 0.001 * sqrt(0.25 * 0.75 / n));
	rig_free(&g);
}

int
main(void)
{
	test_size();
	test_pod_of_d();
	test_names();
	test_split();
	test_p2c();
	test_limits();
	test_failures();
	test_arrivals();
	test_streams();
	return tl_finish();
}
