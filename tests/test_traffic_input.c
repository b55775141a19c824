/*
 * test_traffic_input.c - the traffic inputs of issue #5: the MMPP's levels,
 * long-run rate, burst fraction and index of dispersion against its closed
 * form (workloads/burst.c); empirical distributions from CSV
 * (workloads/samples.c, sim_dist_empirical); the moments of a mixture of
 * request classes and per-request class draws in request mode; and the
 * per-request replay of the Azure LLM trace (8,819 arrivals).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/serving/request.h"
#include "sim/engine/engine.h"
#include "tests/testlib.h"
#include "workloads/burst.h"
#include "workloads/samples.h"
#include "workloads/traffic.h"

#define AZURE	"workloads/traces/azure_llm_2023_code_requests.csv"

/* ---- MMPP ---------------------------------------------------------------- */

static void
test_levels_and_closed_form(void)
{
	/* burstRate 5x, bursts of 30 s every 10 min: p = 30 / 630, lo =
	 * 1 / (1 - p + 5 p) = 630 / 750 = 0.84, hi = 4.2. */
	struct wl_burst b = { WL_BURST_MMPP, 5, 30 * SIM_SEC, 600 * SIM_SEC };
	double lo, hi;
	wl_burst_levels(&b, &lo, &hi);
	CHECK_NEAR(lo, 0.84, 1e-12);
	CHECK_NEAR(hi, 4.2, 1e-12);
	CHECK_NEAR(wl_burst_fraction(&b), 30.0 / 630.0, 1e-15);
	/* The mean level is 1: the mean rate is preserved. */
	double p = wl_burst_fraction(&b);
	CHECK_NEAR((1 - p) * lo + p * hi, 1, 1e-12);
	/* I(inf) - 1 = 2 a d (l1 - l0)^2 / (s^3 rate) at 100 req/s, with
	 * a = 1/600, d = 1/30, s = 0.035, l1 - l0 = 336: 12.544 / 0.0042875. */
	CHECK_NEAR(wl_burst_idc(&b, 100, INFINITY), 1 + 12.544 / 0.0042875, 1e-8);
	/* Linear in the rate. */
	CHECK_NEAR(wl_burst_idc(&b, 50, INFINITY) - 1, (12.544 / 0.0042875) / 2, 1e-8);
	/* A 60 s window: times 1 - (1 - e^-2.1) / 2.1. */
	CHECK_NEAR(wl_burst_idc(&b, 100, 60),
	    1 + 12.544 / 0.0042875 * (1 - (1 - exp(-2.1)) / 2.1), 1e-8);
	CHECK_NEAR(wl_burst_idc(&b, 100, 0), 1, 0);
	/* Poisson: levels 1, index 1. */
	struct wl_burst none = { WL_BURST_POISSON, 0, 0, 0 };
	wl_burst_levels(&none, &lo, &hi);
	CHECK(lo == 1 && hi == 1);
	CHECK_NEAR(wl_burst_idc(&none, 100, INFINITY), 1, 0);
	CHECK_NEAR(wl_burst_fraction(&none), 0, 0);
}

/*
 * The simulated path against the closed forms: Poisson arrivals at
 * rate x level(t) drawn by thinning over 2e5 s (about 4M arrivals); counts
 * in 10 s windows. Bursts of 1 s every 3 s at 4x: p = 0.25,
 * lo = 1 / 1.75, hi = 4 / 1.75; base rate 20 req/s.
 */
static void
test_mmpp_path(void)
{
	struct wl_burst b = { WL_BURST_MMPP, 4, SIM_SEC, 3 * SIM_SEC };
	const double rate = 20, horizon = 2e5, win = 10;
	struct wl_mmpp *m = wl_mmpp_new(&b, 42, "web", 0);
	gsl_rng *rng = sim_rng_new(42, "test:thinning");
	double lo, hi;
	wl_burst_levels(&b, &lo, &hi);
	double bound = rate * hi, t = 0;
	size_t nwin = (size_t)(horizon / win);
	double *cnt = calloc(nwin, sizeof *cnt);
	double candidates = 0, in_burst = 0, total = 0;
	for (;;) {
		t += -log(gsl_rng_uniform_pos(rng)) / bound;
		if (t >= horizon)
			break;
		sim_ns at = sim_s_to_ns(t);
		double level = wl_mmpp_level(m, at);
		/* Candidates are uniform in time: PASTA gives the fraction of
		 * time in bursts. */
		candidates++;
		in_burst += wl_mmpp_in_burst(m, at);
		if (gsl_rng_uniform(rng) * hi < level) {
			cnt[(size_t)(t / win)]++;
			total++;
		}
	}
	/* Long-run mean rate: 20 req/s within 4 sd of the count, whose
	 * variance is I(T) times its mean. */
	double want = rate * horizon;
	double sd = sqrt(wl_burst_idc(&b, rate, horizon) * want);
	if (fabs(total - want) <= 4 * sd)
		PASS();
	else
		FAILF("MMPP arrivals %.0f, want %.0f +- %.0f", total, want, 4 * sd);
	/* Burst fraction: 0.25; the sd of the estimate over 5e4 cycles is
	 * about 0.0012 (delta method on the alternating renewal process). */
	CHECK_NEAR(in_burst / candidates, 0.25, 0.005);
	/* Index of dispersion of the 10 s counts against the closed form
	 * (the windows are nearly independent: the level's correlation time
	 * is 0.75 s); the estimate's sd is about 1%. */
	double mean = 0, var = 0;
	for (size_t i = 0; i < nwin; i++)
		mean += cnt[i];
	mean /= (double)nwin;
	for (size_t i = 0; i < nwin; i++)
		var += (cnt[i] - mean) * (cnt[i] - mean);
	var /= (double)(nwin - 1);
	double idc = var / mean, theory = wl_burst_idc(&b, rate, win);
	if (fabs(idc / theory - 1) <= 0.05)
		PASS();
	else
		FAILF("MMPP index of dispersion over %g s: %.4f, closed form %.4f", win,
		    idc, theory);
	/* Poisson would be 1: the burstiness is real. */
	CHECK(idc > 5);
	free(cnt);
	gsl_rng_free(rng);
	wl_mmpp_free(m);

	/* The path depends on the seed and name only, not on when it is
	 * asked: one walker at every 1 ms and one at every 7 ms agree. */
	struct wl_mmpp *a = wl_mmpp_new(&b, 5, "x", 0), *c = wl_mmpp_new(&b, 5, "x", 0);
	int same = 1;
	for (sim_ns at = 0; at < 1000 * SIM_SEC; at += SIM_MS) {
		int ba = wl_mmpp_in_burst(a, at);
		if (at % (7 * SIM_MS) == 0 && wl_mmpp_in_burst(c, at) != ba)
			same = 0;
	}
	CHECK(same);
	/* level_max: hi when a burst touches the window, else lo. */
	double mx = wl_mmpp_level_max(a, 1000 * SIM_SEC, 1100 * SIM_SEC);
	CHECK_NEAR(mx, hi, 0);
	wl_mmpp_free(a);
	wl_mmpp_free(c);
	/* Another name, another path. */
	struct wl_mmpp *d = wl_mmpp_new(&b, 5, "y", 0), *e = wl_mmpp_new(&b, 5, "x", 0);
	int differ = 0;
	for (sim_ns at = 0; at < 100 * SIM_SEC; at += 10 * SIM_MS)
		differ |= wl_mmpp_in_burst(d, at) != wl_mmpp_in_burst(e, at);
	CHECK(differ);
	wl_mmpp_free(d);
	wl_mmpp_free(e);
}

/* ---- empirical distributions --------------------------------------------- */

static void
test_empirical(void)
{
	double *x;
	size_t n;
	char *cause = NULL;
	const char *path = tl_src("tests/data/service_times.csv");
	CHECK_INT(wl_samples_load(path, "seconds", 1, &x, &n, &cause), 0);
	CHECK_INT(n, 5);
	if (n != 5) {
		free(cause);
		return;
	}
	CHECK_NEAR(x[0], 0.1, 0);
	CHECK_NEAR(x[4], 1.0, 0);
	/* 0.1 .. 0.4, 1.0: mean 0.4, variance 0.5 / 5 = 0.1, scv 0.625. */
	struct sim_dist d = sim_dist_empirical(x, n);
	CHECK_INT(d.kind, SIM_DIST_EMPIRICAL);
	CHECK_NEAR(sim_dist_mean(&d), 0.4, 1e-15);
	CHECK_NEAR(sim_dist_scv(&d), 0.625, 1e-12);
	CHECK_INT(sim_dist_check(&d, NULL), 0);
	/* Sampled uniformly: the mean of 1e5 draws within 4 sd (sd of one
	 * draw sqrt(0.1)); only the recorded values come out. */
	gsl_rng *rng = sim_rng_new(3, "test:empirical");
	double sum = 0;
	int only = 1, draws = 100000;
	for (int i = 0; i < draws; i++) {
		double v = sim_dist_sample(&d, rng);
		sum += v;
		only &= v == 0.1 || v == 0.2 || v == 0.3 || v == 0.4 || v == 1.0;
	}
	CHECK(only);
	CHECK_NEAR(sum / draws, 0.4, 4 * sqrt(0.1 / draws));
	gsl_rng_free(rng);
	free(x);
	/* Another column with a scale (tokens x 10 ms): the same values. */
	CHECK_INT(wl_samples_load(path, "tokens", 0.01, &x, &n, &cause), 0);
	CHECK_INT(n, 5);
	if (n == 5)
		CHECK_NEAR(x[4], 1.0, 1e-15);
	free(x);
	/* The first column by default. */
	CHECK_INT(wl_samples_load(path, NULL, 1, &x, &n, &cause), 0);
	CHECK_NEAR(n == 5 ? x[2] : -1, 3, 0);
	free(x);

	/* Bad input: path:row:col and what was expected. */
	static const struct {
		const char	*file, *column;
		const char	*want;
	} bad[] = {
		{ "tests/data/service_times.csv", "latency",
		  "tests/data/service_times.csv:1:1: no column 'latency' in header; "
		  "columns are request, seconds, tokens" },
		{ "tests/data/service_times_bad.csv", "seconds",
		  "tests/data/service_times_bad.csv:4:2: expected a number in column "
		  "'seconds', found 'fast'" },
		{ "tests/data/trace_bad_negative.csv", NULL, NULL },
		{ "tests/data/no_such.csv", NULL,
		  "tests/data/no_such.csv: cannot open: No such file or directory" },
		/* workloads/csvfile.c, shared with workloads/table.c */
		{ "tests/data/service_times_malformed.csv", "seconds",
		  "tests/data/service_times_malformed.csv:3:2: expected well-formed CSV "
		  "(error parsing data while strict checking enabled)" },
		{ "tests/data/service_times_empty.csv", "seconds",
		  "tests/data/service_times_empty.csv:1:1: expected a header line, found an "
		  "empty file" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		x = NULL;
		int rc = wl_samples_load(tl_src(bad[i].file), bad[i].column, 1, &x, &n,
		    &cause);
		if (bad[i].want == NULL) {	/* a file that may be fine */
			free(x);
			free(cause);
			continue;
		}
		CHECK_INT(rc, -1);
		CHECK(x == NULL);
		const char *top = getenv("KS_SRCDIR");
		const char *got = cause;
		if (got != NULL && top != NULL && strncmp(got, top, strlen(top)) == 0)
			got += strlen(top) + 1;
		if (got == NULL || strncmp(got, "./", 2) == 0)
			got = got != NULL ? got + 2 : got;
		CHECK_STR(got, bad[i].want);
		free(cause);
	}
}

/* ---- request classes ------------------------------------------------------ */

static void
test_class_moments(void)
{
	/* 3 : 1 of exponential 100 ms and constant 500 ms:
	 * mean .75 x .1 + .25 x .5 = 0.2;
	 * E[S^2] = .75 x .01 x 2 + .25 x .25 = 0.0775, scv 0.0775 / 0.04 - 1
	 * = 0.9375; cpu .75 x .02 + .25 x .1 = 0.04; timeouts 1 s and 3 s:
	 * 1.5 s. */
	struct rq_class c[2] = {
		{ .name = "short", .weight = 3, .service_time = sim_dist_exp(0.1),
		  .cpu_per_request = 0.02, .timeout = SIM_SEC },
		{ .name = "long", .weight = 1, .service_time = sim_dist_const(0.5),
		  .cpu_per_request = 0.1, .timeout = 3 * SIM_SEC },
	};
	double mean, scv, cpu, tmo;
	rq_class_moments(c, 2, &mean, &scv, &cpu, &tmo);
	CHECK_NEAR(mean, 0.2, 1e-15);
	CHECK_NEAR(scv, 0.9375, 1e-12);
	CHECK_NEAR(cpu, 0.04, 1e-15);
	CHECK_NEAR(tmo, 1.5, 1e-15);
	/* A class without a timeout: none for the mixture. */
	c[1].timeout = 0;
	rq_class_moments(c, 2, NULL, NULL, NULL, &tmo);
	CHECK_NEAR(tmo, 0, 0);
	/* One class: its own moments (lognormal median 1, sigma 0.5: scv
	 * e^0.25 - 1). */
	struct rq_class one = { .name = "x", .weight = 2,
		.service_time = sim_dist_lognormal(1, 0.5), .cpu_per_request = 0.3 };
	rq_class_moments(&one, 1, &mean, &scv, &cpu, NULL);
	CHECK_NEAR(mean, exp(0.125), 1e-12);
	CHECK_NEAR(scv, expm1(0.25), 1e-12);
	CHECK_NEAR(cpu, 0.3, 0);
	/* Pareto's scv (shape 3: 1 / (3 x 1)) and Weibull's (shape 1:
	 * exponential). */
	struct sim_dist pa = { .kind = SIM_DIST_PARETO, .a = 3, .b = 2 };
	CHECK_NEAR(sim_dist_scv(&pa), 1.0 / 3, 1e-15);
	pa.a = 2;
	CHECK(isinf(sim_dist_scv(&pa)));
	struct sim_dist wb = { .kind = SIM_DIST_WEIBULL, .a = 1, .b = 2 };
	CHECK_NEAR(sim_dist_scv(&wb), 1, 1e-12);
}

static double
const_rate(void *ctx, sim_ns at)
{
	(void)at;
	return *(const double *)ctx;
}

static double
const_rate_max(void *ctx, sim_ns from, sim_ns to)
{
	(void)from;
	(void)to;
	return *(const double *)ctx;
}

/*
 * Classes in request mode: 3 : 1 of "fast" (1 ms, no timeout, 1 cpu-second
 * each) and "slow" (1 s against a 0.5 s timeout, no cpu): every fast
 * request is ok, every slow one late, and the cpu taken counts the fast
 * ones exactly. The fast share is a binomial draw around 0.75.
 */
static void
test_class_draws(void)
{
	struct sim *sim = sim_new();
	double rate = 1000;
	struct rq_class c[2] = {
		{ .name = "fast", .weight = 3, .service_time = sim_dist_const(0.001),
		  .cpu_per_request = 1 },
		{ .name = "slow", .weight = 1, .service_time = sim_dist_const(1),
		  .cpu_per_request = 0, .timeout = SIM_SEC / 2 },
	};
	struct rq_params p = { .name = "cls", .seed = 9, .concurrency = 1 << 20,
		.rate = const_rate, .rate_max = const_rate_max, .rate_ctx = &rate,
		.classes = c, .nclasses = 2 };
	struct rq_service *r = rq_new(sim, &p, NULL);
	uint32_t ids[1] = { 0 }, *idp = ids;
	size_t n = 1;
	rq_set_endpoints(r, &idp, &n, NULL);
	rq_start(r, 0, 100 * SIM_SEC);
	sim_run(sim, 102 * SIM_SEC);
	struct rq_stats st;
	rq_get_stats(r, &st);
	CHECK_INT(st.ok + st.timeouts, st.arrivals);
	CHECK_INT(st.abandoned, 0);
	CHECK_NEAR(rq_take_cpu(r, 0), (double)st.ok, 0);
	double share = (double)st.ok / (double)st.arrivals;
	CHECK_NEAR(share, 0.75, 4 * sqrt(0.75 * 0.25 / (double)st.arrivals));
	rq_free(r);
	sim_free(sim);
}

/* ---- per-request replay ----------------------------------------------------- */

static struct wl_traffic *
azure(double time_scale, double rate_scale, enum wl_trace_end end, const char *start_at)
{
	struct wl_trace_opts o = { .path = tl_src(AZURE), .time_column = "TIMESTAMP",
		.value = WL_VALUE_ARRIVALS, .time_scale = time_scale,
		.rate_scale = rate_scale, .end = end, .start_at = start_at };
	struct wl_traffic *t = NULL;
	char *cause = NULL;
	if (wl_trace_load(&o, &t, &cause) < 0) {
		FAILF("%s", cause);
		free(cause);
	}
	return t;
}

/* Counts the cursor's arrivals before `until`; first and last times. */
static size_t
replay_count(struct wl_traffic *t, sim_ns from, sim_ns until, sim_ns *first,
    sim_ns *last, int *monotone)
{
	struct wl_replay *r = wl_replay_new(t, from);
	size_t n = 0;
	sim_ns prev = from;
	*monotone = 1;
	*first = *last = -1;
	for (sim_ns v; r != NULL && (v = wl_replay_next(r)) != SIM_NEVER && v < until;) {
		if (v < prev)
			*monotone = 0;
		if (n == 0)
			*first = v;
		*last = prev = v;
		n++;
	}
	wl_replay_free(r);
	return n;
}

/* The last arrival is 57 min 15.9480560 s after the first
 * (18:17:03.9799600 to 19:14:19.9280160). */
#define AZ_SPAN		((sim_ns)3435948056000)
#define AZ_DUR		(3436 * SIM_SEC)	/* to the end of the last 1 s bucket */

static sim_ns
next_of(void *ctx)
{
	return wl_replay_next(ctx);
}

static void
test_replay(void)
{
	struct wl_traffic *t = azure(1, 1, WL_END_ZERO, NULL);
	if (t == NULL)
		return;
	sim_ns first, last;
	int mono;
	/* Exactly the 8,819 recorded requests over the span, at their times. */
	CHECK_INT(replay_count(t, 0, SIM_NEVER, &first, &last, &mono), 8819);
	CHECK_INT(first, 0);
	CHECK_INT(last, AZ_SPAN);
	CHECK(mono);
	/* The same total as the bucketed rate (fluid mode). */
	CHECK_NEAR(wl_count(t, 0, AZ_DUR), 8819, 1e-6);
	/* From the middle: the rest, none counted twice. */
	size_t head = replay_count(t, 0, 1800 * SIM_SEC, &first, &last, &mono);
	size_t tail = replay_count(t, 1800 * SIM_SEC, SIM_NEVER, &first, &last, &mono);
	CHECK_INT(head + tail, 8819);
	CHECK(first >= 1800 * SIM_SEC);

	/* Request mode sees exactly those arrivals. */
	struct sim *sim = sim_new();
	struct wl_replay *cur = wl_replay_new(t, 0);
	struct rq_params p = { .name = "llm", .seed = 1, .concurrency = 8,
		.service_time = sim_dist_exp(0.5), .next = next_of, .next_ctx = cur };
	struct rq_service *r = rq_new(sim, &p, NULL);
	uint32_t ids[3] = { 0, 1, 2 }, *idp = ids;
	size_t n = 3;
	rq_set_endpoints(r, &idp, &n, NULL);
	rq_start(r, 0, 3600 * SIM_SEC);
	sim_run(sim, 3700 * SIM_SEC);
	struct rq_stats st;
	rq_get_stats(r, &st);
	CHECK_INT(st.arrivals, 8819);
	CHECK_INT(st.ok + st.failed + st.rejected + st.timeouts, 8819);
	rq_free(r);
	wl_replay_free(cur);
	sim_free(sim);
	/* ... and stop at the horizon. */
	sim = sim_new();
	cur = wl_replay_new(t, 0);
	p.next_ctx = cur;
	r = rq_new(sim, &p, NULL);
	rq_set_endpoints(r, &idp, &n, NULL);
	rq_start(r, 0, 1800 * SIM_SEC);
	sim_run(sim, 1900 * SIM_SEC);
	rq_get_stats(r, &st);
	CHECK_INT(st.arrivals, head);
	rq_free(r);
	wl_replay_free(cur);
	sim_free(sim);
	wl_free(t);

	/* timeScale 2: the same requests in half the time. */
	t = azure(2, 1, WL_END_ZERO, NULL);
	CHECK_INT(replay_count(t, 0, SIM_NEVER, &first, &last, &mono), 8819);
	CHECK_INT(last, AZ_SPAN / 2);
	wl_free(t);
	/* Looped: two passes in twice the trace's duration. */
	t = azure(1, 1, WL_END_LOOP, NULL);
	CHECK_INT(replay_count(t, 0, 2 * AZ_DUR, &first, &last, &mono), 2 * 8819);
	CHECK_INT(last, AZ_DUR + AZ_SPAN);
	CHECK(mono);
	wl_free(t);
	/* Starting two minutes before the first request. */
	t = azure(1, 1, WL_END_ZERO, "2023-11-16 18:15:03.97996");
	CHECK_INT(replay_count(t, 0, SIM_NEVER, &first, &last, &mono), 8819);
	CHECK_INT(first, 120 * SIM_SEC);
	wl_free(t);
	/* Not exactly replayable: a rate scale, or holding the last rate. */
	t = azure(1, 2, WL_END_ZERO, NULL);
	CHECK(wl_replay_new(t, 0) == NULL);
	wl_free(t);
	t = azure(1, 1, WL_END_HOLD, NULL);
	CHECK(wl_replay_new(t, 0) == NULL);
	wl_free(t);
	/* Not a trace of arrivals. */
	t = wl_constant(5);
	CHECK(wl_replay_new(t, 0) == NULL);
	wl_free(t);
}

int
main(void)
{
	test_levels_and_closed_form();
	test_mmpp_path();
	test_empirical();
	test_class_moments();
	test_class_draws();
	test_replay();
	return tl_finish();
}
