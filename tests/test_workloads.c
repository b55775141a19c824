/*
 * test_workloads.c - tests of workloads/: each traffic shape's rate and
 * exact counts against hand-computed values, sums, products and scaling,
 * the shipped traces (World Cup totals, Azure per-request arrivals, NASA),
 * replay options, and bad CSV inputs with their exact path:row:col message.
 */
#include "config.h"

#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/util/util.h"
#include "workloads/traffic.h"
#include "workloads/traffic_int.h"
#include "tests/testlib.h"

#define S(x)	((sim_ns)((x) * 1e9))

static void
test_constant(void)
{
	struct wl_traffic *t = wl_constant(100);
	CHECK_NEAR(wl_rate(t, 0), 100, 0);
	CHECK_NEAR(wl_rate(t, S(12345)), 100, 0);
	CHECK_NEAR(wl_count(t, 0, S(10)), 1000, 1e-9);
	CHECK_NEAR(wl_count(t, S(3), S(3.5)), 50, 1e-9);
	CHECK_NEAR(wl_count(t, S(10), S(3)), 0, 0);
	wl_free(t);
}

static void
test_diurnal(void)
{
	/* trough 10, peak 110 at noon, default period 24 h. */
	struct wl_traffic *t = wl_diurnal(10, 110, 0, 12 * SIM_HOUR);
	CHECK_NEAR(wl_rate(t, 12 * SIM_HOUR), 110, 1e-9);
	CHECK_NEAR(wl_rate(t, 36 * SIM_HOUR), 110, 1e-9);
	CHECK_NEAR(wl_rate(t, 0), 10, 1e-9);
	CHECK_NEAR(wl_rate(t, 6 * SIM_HOUR), 60, 1e-9);
	CHECK_NEAR(wl_rate(t, 18 * SIM_HOUR), 60, 1e-9);
	/* A whole period: the mean 60 req/s for 86400 s. */
	CHECK_NEAR(wl_count(t, 0, 24 * SIM_HOUR), 5184000, 1e-6);
	CHECK_NEAR(wl_count(t, 5 * SIM_HOUR, 29 * SIM_HOUR), 5184000, 1e-6);
	/* [0, 6 h): 10 * 21600 + 50 * (21600 - 86400 / (2 pi)). */
	CHECK_NEAR(wl_count(t, 0, 6 * SIM_HOUR), 608450.645843, 1e-6);
	CHECK_NEAR(wl_count(t, 0, 6 * SIM_HOUR),
	    10 * 21600 + 50 * (21600 - 43200 / M_PI), 1e-6);
	/* Symmetric about the peak. */
	CHECK_NEAR(wl_count(t, 11 * SIM_HOUR, 12 * SIM_HOUR),
	    wl_count(t, 12 * SIM_HOUR, 13 * SIM_HOUR), 1e-6);
	wl_free(t);

	/* A 1 h period, peak at 0. */
	t = wl_diurnal(0, 2, SIM_HOUR, 0);
	CHECK_NEAR(wl_rate(t, 30 * SIM_MIN), 0, 1e-12);
	CHECK_NEAR(wl_rate(t, 15 * SIM_MIN), 1, 1e-12);
	CHECK_NEAR(wl_count(t, 0, 30 * SIM_MIN), 1800, 1e-6);
	wl_free(t);
}

static void
test_step_ramp_spike(void)
{
	struct wl_traffic *t = wl_step(5, 20, S(10));
	CHECK_NEAR(wl_rate(t, S(10) - 1), 5, 0);
	CHECK_NEAR(wl_rate(t, S(10)), 20, 0);
	CHECK_NEAR(wl_count(t, 0, S(20)), 250, 1e-9);
	CHECK_NEAR(wl_count(t, S(12), S(13)), 20, 1e-9);
	CHECK_NEAR(wl_count(t, S(9.5), S(10.5)), 12.5, 1e-9);
	wl_free(t);

	t = wl_ramp(0, 100, S(10), S(20));
	CHECK_NEAR(wl_rate(t, S(5)), 0, 0);
	CHECK_NEAR(wl_rate(t, S(15)), 50, 1e-9);
	CHECK_NEAR(wl_rate(t, S(25)), 100, 0);
	CHECK_NEAR(wl_count(t, 0, S(30)), 1500, 1e-9);
	CHECK_NEAR(wl_count(t, S(10), S(15)), 125, 1e-9);
	CHECK_NEAR(wl_count(t, S(18), S(22)), 2 * 90 + 200, 1e-9);
	wl_free(t);
	/* end == start is a step. */
	t = wl_ramp(1, 3, S(5), S(5));
	CHECK_NEAR(wl_rate(t, S(5)), 3, 0);
	CHECK_NEAR(wl_count(t, 0, S(10)), 20, 1e-9);
	wl_free(t);

	/* height 100 at 10 s, rise 2 s, hold 3 s, decay 5 s. */
	t = wl_spike(100, S(10), S(2), S(3), S(5));
	CHECK_NEAR(wl_rate(t, S(9)), 0, 0);
	CHECK_NEAR(wl_rate(t, S(11)), 50, 1e-9);
	CHECK_NEAR(wl_rate(t, S(13)), 100, 0);
	CHECK_NEAR(wl_rate(t, S(17.5)), 50, 1e-9);
	CHECK_NEAR(wl_rate(t, S(20)), 0, 0);
	CHECK_NEAR(wl_count(t, 0, S(100)), 100 + 300 + 250, 1e-9);
	CHECK_NEAR(wl_count(t, S(11), S(16)), 75 + 300 + 90, 1e-9);
	wl_free(t);
	/* No rise and no decay: a rectangle. */
	t = wl_spike(10, S(1), 0, S(2), 0);
	CHECK_NEAR(wl_rate(t, S(1)), 10, 0);
	CHECK_NEAR(wl_rate(t, S(3)), 0, 0);
	CHECK_NEAR(wl_count(t, 0, S(5)), 20, 1e-9);
	wl_free(t);
}

static void
test_combinators(void)
{
	struct wl_traffic *spike = wl_spike(100, S(10), S(2), S(3), S(5));
	struct wl_traffic *kids[2] = { wl_constant(100), wl_ref(spike) };
	struct wl_traffic *sum = wl_sum(kids, 2);
	CHECK_NEAR(wl_rate(sum, S(13)), 200, 0);
	CHECK_NEAR(wl_count(sum, 0, S(30)), 3000 + 650, 1e-9);

	/* The shared spike twice, scaled: 2 * (s + s). */
	struct wl_traffic *twice[2] = { wl_ref(spike), spike };
	struct wl_traffic *sc = wl_scale(2, wl_sum(twice, 2));
	CHECK_NEAR(wl_rate(sc, S(11)), 200, 1e-9);
	CHECK_NEAR(wl_count(sc, 0, S(30)), 2600, 1e-9);
	wl_free(sc);
	CHECK_NEAR(wl_count(sum, 0, S(30)), 3650, 1e-9);	/* still alive */
	wl_free(sum);

	/* Products: 2 * ramp; ramp * ramp = t^2 on [0, 10 s]. */
	struct wl_traffic *p1[2] = { wl_constant(2), wl_ramp(0, 100, S(10), S(20)) };
	struct wl_traffic *p = wl_product(p1, 2);
	CHECK_NEAR(wl_rate(p, S(15)), 100, 1e-9);
	CHECK_NEAR(wl_count(p, 0, S(30)), 3000, 1e-9);
	wl_free(p);
	struct wl_traffic *p2[2] = { wl_ramp(0, 10, 0, S(10)), wl_ramp(0, 10, 0, S(10)) };
	p = wl_product(p2, 2);
	CHECK_NEAR(wl_rate(p, S(5)), 25, 1e-9);
	CHECK_NEAR(wl_count(p, 0, S(10)), 1000.0 / 3, 1e-9);
	CHECK_NEAR(wl_count(p, 0, S(20)), 1000.0 / 3 + 1000, 1e-9);
	CHECK_NEAR(wl_count(p, S(5), S(15)), (1000.0 - 125) / 3 + 500, 1e-9);
	wl_free(p);

	/* diurnal * step(0 -> 1 at 6 h): the diurnal count of [6 h, 24 h). */
	struct wl_traffic *p3[2] = {
		wl_diurnal(10, 110, 0, 12 * SIM_HOUR), wl_step(0, 1, 6 * SIM_HOUR),
	};
	p = wl_product(p3, 2);
	CHECK_NEAR(wl_count(p, 0, 24 * SIM_HOUR),
	    5184000 - (10 * 21600 + 50 * (21600 - 43200 / M_PI)), 1e-5);
	CHECK_NEAR(wl_count(p, 0, 6 * SIM_HOUR), 0, 0);
	CHECK_NEAR(wl_rate(p, 12 * SIM_HOUR), 110, 1e-9);
	/* A per-second tick sum agrees with one call. */
	double ticks = 0;
	for (sim_ns x = 0; x < 2 * SIM_HOUR; x += SIM_SEC)
		ticks += wl_count(p, 5 * SIM_HOUR + x, 5 * SIM_HOUR + x + SIM_SEC);
	CHECK_NEAR(ticks, wl_count(p, 5 * SIM_HOUR, 7 * SIM_HOUR), 1e-6);
	wl_free(p);

	/* Diurnal base times (1 + flash crowd). */
	struct wl_traffic *f[2] = { wl_constant(1), wl_spike(1, S(100), 0, S(50), 0) };
	struct wl_traffic *m[2] = { wl_diurnal(100, 100, 0, 0), wl_sum(f, 2) };
	p = wl_product(m, 2);
	CHECK_NEAR(wl_count(p, 0, S(1000)), 100 * 1000 + 100 * 50, 1e-6);
	wl_free(p);
}

static void
test_next_arrival(void)
{
	struct wl_traffic *t = wl_constant(10);
	CHECK_INT(wl_next_arrival(t, 0, 1.0, SIM_HOUR), 100 * SIM_MS);
	CHECK_INT(wl_next_arrival(t, S(5), 25.0, SIM_HOUR), S(7.5));
	CHECK_INT(wl_next_arrival(t, 0, 1e6, SIM_HOUR), SIM_NEVER);
	wl_free(t);
	t = wl_step(0, 100, S(10));
	CHECK_INT(wl_next_arrival(t, 0, 1.0, SIM_HOUR), S(10.01));
	CHECK_INT(wl_next_arrival(t, 0, 1.0, S(10)), SIM_NEVER);
	wl_free(t);
	/* ramp 0 -> 2 over [0, 10 s]: count(0, x) = x^2 / 10 = 2.5 at 5 s. */
	t = wl_ramp(0, 2, 0, S(10));
	CHECK_INT(wl_next_arrival(t, 0, 2.5, SIM_HOUR), S(5));
	wl_free(t);
}

static struct wl_trace_opts
opts(const char *rel)
{
	struct wl_trace_opts o;
	memset(&o, 0, sizeof o);
	o.path = tl_src(rel);
	return o;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_worldcup(void)
{
	struct wl_trace_opts o = opts("workloads/traces/worldcup98_per_minute.csv");
	struct wl_traffic *t = NULL;
	char *cause = NULL;
	double t0 = now_s();
	int rc = wl_trace_load(&o, &t, &cause);
	double took = now_s() - t0;
	CHECK_INT(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return;
	}
	/* speed is bench/'s business; the time is printed, not asserted */
	printf("worldcup98: loaded 125,300 rows in %.3f s\n", took);
	struct wl_trace_info info;
	CHECK_INT(wl_trace_info(t, &info), 0);
	CHECK_INT(info.rows, 125300);
	CHECK_INT(info.bucket, SIM_MIN);
	/* 30 Apr 21:30 to 26 Jul 21:59 plus one minute. */
	CHECK_INT(info.duration, S(7518600));
	CHECK_NEAR(info.total, 1352804107, 0);
	CHECK_NEAR(info.peak * 60, 229426, 1e-6);
	CHECK_INT(info.points, 125300 + 7);	/* 7 gaps */

	sim_ns dur = info.duration;
	CHECK_NEAR(wl_count(t, 0, dur), 1352804107, 0);
	CHECK_NEAR(wl_count(t, 0, dur + SIM_HOUR), 1352804107, 0);
	/* Integrated per hour, as a serving model's ticks would. */
	double sum = 0;
	for (sim_ns x = 0; x < dur; x += SIM_HOUR)
		sum += wl_count(t, x, x + SIM_HOUR);
	CHECK_NEAR(sum, 1352804107, 1e-3);
	CHECK_NEAR(wl_rate(t, 0), 2.0 / 60, 1e-12);
	CHECK_NEAR(wl_count(t, 0, SIM_MIN), 2, 1e-9);
	CHECK_NEAR(wl_count(t, 0, 2 * SIM_MIN), 13, 1e-9);
	/* The peak minute: 7 Jul 21:41, 5,875,860 s after the first row. */
	CHECK_NEAR(wl_rate(t, S(5875860)), 229426.0 / 60, 1e-9);
	CHECK_NEAR(wl_count(t, S(5875860), S(5875920)), 229426, 1e-6);
	CHECK_NEAR(wl_rate(t, dur), 0, 0);
	CHECK_NEAR(wl_rate(t, -1), 0, 0);
	wl_free(t);

	/* Time scale 30: a month in a day, same rate levels. */
	o.time_scale = 30;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(5875860 / 30)), 229426.0 / 60, 1e-9);
	CHECK_NEAR(wl_count(t, 0, S(7518600 / 30)), 1352804107.0 / 30, 1e-3);
	/* 2 s of replay read the peak minute at the peak rate. */
	CHECK_NEAR(wl_count(t, S(5875860 / 30), S(5875860 / 30) + 2 * SIM_SEC),
	    2 * 229426.0 / 60, 1e-6);
	wl_free(t);

	/* Loop, with rate scale 2: the second pass repeats the first. */
	o.time_scale = 0;
	o.rate_scale = 2;
	o.end = WL_END_LOOP;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_count(t, 0, 2 * dur), 4 * 1352804107.0, 1e-2);
	CHECK_NEAR(wl_rate(t, dur + S(5875860)), 2 * 229426.0 / 60, 1e-9);
	CHECK_NEAR(wl_rate(t, dur), 2 * 2.0 / 60, 1e-12);
	CHECK_NEAR(wl_count(t, dur - SIM_MIN, dur + SIM_MIN), 2 * (679 + 2), 1e-6);
	wl_free(t);

	/* Hold after the end; start at the peak, by offset and by time. */
	o.rate_scale = 0;
	o.end = WL_END_HOLD;
	o.start = S(5875860);
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, 0), 229426.0 / 60, 1e-9);
	CHECK_NEAR(wl_rate(t, dur), 679.0 / 60, 1e-12);
	CHECK_NEAR(wl_count(t, dur - o.start, dur - o.start + SIM_HOUR), 679 * 60, 1e-6);
	wl_free(t);
	o.start = 0;
	o.start_at = "1998-07-07 21:41:00";
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, 0), 229426.0 / 60, 1e-9);
	CHECK_NEAR(wl_count(t, 0, SIM_MIN), 229426, 1e-6);
	wl_free(t);
	o.start_at = "July 7th";
	CHECK(wl_trace_load(&o, &t, &cause) < 0);
	char *want = xasprintf("%s: expected start_at like the time column "
	    "('%%Y-%%m-%%d %%H:%%M:%%S'), found 'July 7th'", o.path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
}

static void
test_azure_nasa(void)
{
	struct wl_trace_opts o = opts("workloads/traces/azure_llm_2023_code_requests.csv");
	o.value = WL_VALUE_ARRIVALS;
	struct wl_traffic *t = NULL;
	char *cause = NULL;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	struct wl_trace_info info;
	CHECK_INT(wl_trace_info(t, &info), 0);
	CHECK_INT(info.rows, 8819);
	CHECK_NEAR(info.total, 8819, 0);
	CHECK_INT(info.bucket, SIM_SEC);
	CHECK_NEAR(wl_count(t, 0, info.duration), 8819, 0);
	CHECK_NEAR(wl_count(t, 0, SIM_HOUR), 8819, 0);
	/* Poisson arrivals drawn through wl_next_arrival: 8,819 expected,
	 * standard deviation 94; this seed gives a fixed count within 4 sd. */
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 1);
	long n = 0;
	for (sim_ns x = 0; (x = wl_next_arrival(t, x, gsl_ran_exponential(rng, 1),
	    info.duration)) != SIM_NEVER; )
		n++;
	gsl_rng_free(rng);
	CHECK(labs(n - 8819) < 4 * 94);
	printf("azure: %ld Poisson arrivals (8,819 expected)\n", n);
	/* Arrivals in the first two seconds after the first one. */
	CHECK_NEAR(wl_rate(t, 0), 7, 0);
	CHECK_NEAR(wl_rate(t, SIM_SEC), 5, 0);
	CHECK_INT(info.duration, S(3436));
	wl_free(t);
	/* Per-minute buckets keep the total. */
	o.bucket = SIM_MIN;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_count(t, 0, SIM_HOUR), 8819, 0);
	wl_free(t);

	o = opts("workloads/traces/nasa_http_1995_per_minute.csv");
	o.time_format = "%Y-%m-%d %H:%M";
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_INT(wl_trace_info(t, &info), 0);
	CHECK_INT(info.rows, 84333);
	CHECK_NEAR(info.total, 3461610, 0);
	CHECK_NEAR(info.peak * 60, 405, 1e-9);
	CHECK_NEAR(wl_rate(t, 0), 42.0 / 60, 1e-12);
	/* 29 Jul 1995 00:00 is in the hole of the July log. */
	CHECK_NEAR(wl_rate(t, 28 * 24 * SIM_HOUR), 0, 0);
	wl_free(t);
	CHECK(wl_trace_info(NULL, &info) < 0);
}

static void
test_small(void)
{
	/* Rates at 0, 10, 30 s: bucket 10 s, so the trace lasts 40 s. */
	struct wl_trace_opts o = opts("tests/data/trace_rates.csv");
	o.value = WL_VALUE_RATE;
	o.value_column = "rps";
	o.time_column = "time";
	struct wl_traffic *t = NULL;
	char *cause = NULL;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(5)), 10, 0);
	CHECK_NEAR(wl_rate(t, S(15)), 20, 0);
	CHECK_NEAR(wl_count(t, 0, S(40)), 500, 1e-9);
	CHECK_NEAR(wl_count(t, S(5), S(12)), 50 + 40, 1e-9);
	wl_free(t);
	o.interp = WL_INTERP_LINEAR;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(5)), 15, 1e-12);
	CHECK_NEAR(wl_rate(t, S(20)), 10, 1e-12);
	CHECK_NEAR(wl_count(t, 0, S(40)), 150 + 200, 1e-9);
	CHECK_NEAR(wl_count(t, S(10), S(20)), 150, 1e-9);
	/* A linear trace in a product is integrated exactly too. */
	struct wl_traffic *k[2] = { wl_ref(t), wl_constant(3) };
	struct wl_traffic *p = wl_product(k, 2);
	CHECK_NEAR(wl_count(p, S(3), S(37)), 3 * wl_count(t, S(3), S(37)), 1e-9);
	wl_free(p);
	wl_free(t);

	/* Counts per 60 s with one missing minute (120-180 s). */
	o = opts("tests/data/trace_counts.csv");
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(30)), 1, 1e-12);
	CHECK_NEAR(wl_rate(t, S(90)), 2, 1e-12);
	CHECK_NEAR(wl_rate(t, S(150)), 0, 0);
	CHECK_NEAR(wl_rate(t, S(200)), 1, 1e-12);
	CHECK_NEAR(wl_count(t, 0, S(240)), 240, 0);
	wl_free(t);
	o.interp = WL_INTERP_LINEAR;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(15)), 1, 1e-12);
	CHECK_NEAR(wl_rate(t, S(60)), 1.5, 1e-12);
	CHECK_NEAR(wl_rate(t, S(120)), 1, 1e-12);
	CHECK_NEAR(wl_rate(t, S(150)), 0, 1e-12);
	CHECK_NEAR(wl_rate(t, S(225)), 1, 1e-12);
	CHECK_NEAR(wl_count(t, 0, S(240)), 240, 1e-9);
	CHECK_NEAR(wl_count(t, 0, S(90)), 30 + 90, 1e-9);
	wl_free(t);
	/* Loop over the counts file: breakpoints repeat each pass. */
	o.interp = WL_INTERP_STEP;
	o.end = WL_END_LOOP;
	CHECK_INT(wl_trace_load(&o, &t, &cause), 0);
	CHECK_NEAR(wl_rate(t, S(240 + 90)), 2, 1e-12);
	CHECK_NEAR(wl_count(t, S(200), S(200 + 3 * 240)), 3 * 240, 1e-9);
	CHECK_NEAR(wl_rate(t, -S(150)), 2, 1e-12);
	wl_free(t);
}

static int64_t
ptime(const char *fmt, const char *str)
{
	int64_t ns = -42;
	char *f = wl_time_expand(fmt);
	if (wl_time_parse(f, str, &ns) < 0)
		ns = -1;
	free(f);
	return ns;
}

static void
test_timefmt(void)
{
	const int64_t G = 1000000000;
	CHECK_INT(ptime("%Y-%m-%d %H:%M:%S", "1970-01-01 00:00:00"), 0);
	CHECK_INT(ptime("%Y-%m-%d %H:%M:%S", "2023-11-16 18:17:03.9799600"),
	    1700158623 * G + 979960000);
	CHECK_INT(ptime("%F %T", "2023-11-16 18:17:03"), 1700158623 * G);
	CHECK_INT(ptime("%Y-%m-%d  %H:%M:%S", "2023-11-16 18:17:03"), 1700158623 * G);
	/* The NASA and Apache log style. */
	CHECK_INT(ptime("%d/%b/%Y:%H:%M:%S %z", "01/Jul/1995:00:00:01 -0400"),
	    804571201 * G);
	CHECK_INT(ptime("%d %B %Y", "29 february 2024"), 1709164800 * G);
	CHECK_INT(ptime("%Y %j", "2024 060"), 1709164800 * G);
	CHECK_INT(ptime("%y-%m-%d", "24-02-29"), 1709164800 * G);
	CHECK_INT(ptime("%Y-%m-%d", "1900-01-01"), -2208988800LL * G);
	CHECK_INT(ptime("%s", "1700158623.5"), 1700158623 * G + G / 2);
	CHECK_INT(ptime("%H%%", "12%"), 12 * 3600 * G);
	/* Refused: no 29 Feb 2023, trailing text, month 13, beyond 2065, an
	 * unknown conversion, a short year. */
	CHECK_INT(ptime("%Y-%m-%d", "2023-02-29"), -1);
	CHECK_INT(ptime("%Y-%m-%d", "2023-02-28x"), -1);
	CHECK_INT(ptime("%Y-%m-%d", "2023-13-01"), -1);
	CHECK_INT(ptime("%Y-%m-%d", "2100-01-01"), -1);
	CHECK_INT(ptime("%Q", "1"), -1);
	CHECK_INT(ptime("%Y", "98"), -1);

	int64_t ns = 0;
	CHECK(wl_time_seconds("12.5", &ns) == 0 && ns == 12500000000LL);
	CHECK(wl_time_seconds("-0.000000001", &ns) == 0 && ns == -1);
	CHECK(wl_time_seconds("1e3", &ns) == 0 && ns == 1000 * G);
	CHECK(wl_time_seconds("abc", &ns) < 0);
	CHECK(wl_time_seconds("", &ns) < 0);
	CHECK(wl_time_seconds("99999999999", &ns) < 0);
}

struct bad_case {
	const char	*file;
	enum wl_trace_value value;
	const char	*value_column;
	const char	*want;		/* after "path:" */
};

static void
test_bad(void)
{
	static const struct bad_case cases[] = {
		{ "trace_bad_number.csv", WL_VALUE_COUNT, NULL,
		  "3:2: expected a number (a count), found '12x'" },
		{ "trace_bad_timestamp.csv", WL_VALUE_COUNT, NULL,
		  "2:1: expected a timestamp like '%Y-%m-%d %H:%M:%S', found '1998-13-01 00:00:00'" },
		{ "trace_bad_order.csv", WL_VALUE_COUNT, NULL,
		  "5:1: expected a time later than the previous row's, found '90'" },
		{ "trace_bad_negative.csv", WL_VALUE_RATE, NULL,
		  "3:2: expected a non-negative rate, found '-5'" },
		{ "trace_bad_negative.csv", WL_VALUE_COUNT, NULL,
		  "3:2: expected a non-negative count, found '-5'" },
		{ "trace_bad_column.csv", WL_VALUE_COUNT, "count",
		  "1:1: no column 'count' in header; columns are time, requests" },
		{ "trace_bad_short.csv", WL_VALUE_COUNT, NULL,
		  "3:2: expected a count in column 'count', found the end of the row" },
		{ "trace_bad_quote.csv", WL_VALUE_COUNT, NULL,
		  "3:2: expected well-formed CSV (error parsing data while strict checking enabled)" },
		{ "trace_bad_empty.csv", WL_VALUE_COUNT, NULL,
		  "2:1: expected a data row after the header, found the end of the file" },
		{ "trace_bad_seconds.csv", WL_VALUE_COUNT, NULL,
		  "3:1: expected a time in seconds, found '12.5.3'" },
		{ "trace_bad_arrivals.csv", WL_VALUE_ARRIVALS, NULL,
		  "4:1: expected a time not earlier than the previous row's, found '2023-11-16 18:17:04.1'" },
		{ "trace_bad_missing.csv", WL_VALUE_COUNT, NULL,
		  " cannot open: No such file or directory" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bad_case *c = &cases[i];
		char rel[256];
		snprintf(rel, sizeof rel, "tests/data/%s", c->file);
		struct wl_trace_opts o = opts(rel);
		o.value = c->value;
		o.value_column = c->value_column;
		struct wl_traffic *t = NULL;
		char *cause = NULL;
		int rc = wl_trace_load(&o, &t, &cause);
		char *want = xasprintf("%s:%s", o.path, c->want);
		if (rc < 0 && t == NULL && cause != NULL && strcmp(cause, want) == 0)
			PASS();
		else
			FAILF("%s: rc %d, cause \"%s\", want \"%s\"", c->file, rc,
			    cause ? cause : "(null)", want);
		free(want);
		free(cause);
		wl_free(t);
	}

	/* Bad options. */
	struct wl_trace_opts o = opts("tests/data/trace_counts.csv");
	struct wl_traffic *t = NULL;
	char *cause = NULL;
	o.time_scale = -2;
	CHECK(wl_trace_load(&o, &t, &cause) < 0 && t == NULL);
	char *want = xasprintf("%s: expected a positive time_scale, found -2", o.path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
	/* A bucket wider than the row spacing. */
	o.time_scale = 0;
	o.bucket = 2 * SIM_MIN;
	CHECK(wl_trace_load(&o, &t, &cause) < 0);
	want = xasprintf("%s:3:1: expected a time at least one bucket (120 s) "
	    "after the previous row's, found '60'", o.path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
}

/* A diurnal held per minute: each minute's rate is the cosine's mean over
 * it, counts over whole minutes are the cosine's, every second of a minute
 * counts exactly the same, the breakpoints are the minutes, and the rate
 * bound covers the held rates. */
static void
test_hold(void)
{
	struct wl_traffic *smooth = wl_diurnal(10, 110, 0, 12 * SIM_HOUR);
	struct wl_traffic *t = wl_hold(SIM_MIN, wl_ref(smooth));
	sim_ns m = 7 * SIM_HOUR + 13 * SIM_MIN;
	double mean = wl_count(smooth, m, m + SIM_MIN) / 60;
	CHECK_NEAR(wl_rate(t, m), mean, 1e-12);
	CHECK_NEAR(wl_rate(t, m + 59 * SIM_SEC), mean, 1e-12);
	CHECK(wl_rate(t, m + SIM_MIN) > mean);	/* rising towards noon */
	double first = wl_count(t, m, m + SIM_SEC);
	for (int k = 1; k < 60; k++)
		CHECK(wl_count(t, m + k * SIM_SEC, m + (k + 1) * SIM_SEC) == first);
	CHECK_NEAR(first, mean, 1e-12);
	/* the window's rate kept from the last one asked for is the rate
	 * computed afresh: another window asked for between, the same bits */
	double again = wl_count(t, m + 3 * SIM_HOUR, m + 3 * SIM_HOUR + SIM_SEC);
	struct wl_traffic *fresh = wl_hold(SIM_MIN, wl_ref(smooth));
	CHECK(wl_count(t, m + 5 * SIM_SEC, m + 6 * SIM_SEC) == first);
	CHECK(wl_count(fresh, m + 5 * SIM_SEC, m + 6 * SIM_SEC) == first);
	CHECK(wl_count(t, m + 3 * SIM_HOUR, m + 3 * SIM_HOUR + SIM_SEC) == again);
	CHECK(again != first);
	wl_free(fresh);
	CHECK_NEAR(wl_count(t, 0, 24 * SIM_HOUR), wl_count(smooth, 0, 24 * SIM_HOUR), 1e-6);
	CHECK_NEAR(wl_count(t, m + 30 * SIM_SEC, m + 90 * SIM_SEC),
	    30 * mean + 30 * wl_rate(t, m + SIM_MIN), 1e-9);
	CHECK(wl_rate_max(t, m, m + 30 * SIM_SEC) >= mean);
	CHECK(wl_rate_max(t, m, m + 30 * SIM_SEC) <= wl_rate(smooth, m + SIM_MIN) + 1e-12);
	/* Negative times: windows stay aligned to 0. */
	CHECK_NEAR(wl_rate(t, -30 * SIM_SEC), wl_count(smooth, -SIM_MIN, 0) / 60, 1e-12);
	/* A product with a held shape is integrated between its breakpoints. */
	struct wl_traffic *kids[2] = { wl_ref(t), wl_constant(2) };
	struct wl_traffic *p = wl_product(kids, 2);
	CHECK_NEAR(wl_count(p, m, m + 2 * SIM_MIN), 2 * wl_count(t, m, m + 2 * SIM_MIN), 1e-9);
	wl_free(p);
	wl_free(t);
	wl_free(smooth);
}

/* Steady stretches: where each shape's rate stays constant, and equal
 * spans inside one counting exactly the same. */
static void
test_steady(void)
{
	struct wl_traffic *c = wl_constant(5);
	CHECK(wl_steady_until(c, S(7)) == SIM_NEVER);
	struct wl_traffic *d = wl_diurnal(10, 110, 0, 0);
	CHECK(wl_steady_until(d, S(7)) == S(7));
	struct wl_traffic *flat = wl_diurnal(10, 10, 0, 0);
	CHECK(wl_steady_until(flat, S(7)) == SIM_NEVER);
	struct wl_traffic *st = wl_step(1, 2, S(100));
	CHECK(wl_steady_until(st, S(7)) == S(100));
	CHECK(wl_steady_until(st, S(100)) == SIM_NEVER);
	struct wl_traffic *r = wl_ramp(1, 2, S(100), S(200));
	CHECK(wl_steady_until(r, S(7)) == S(100));
	CHECK(wl_steady_until(r, S(150)) == S(150));
	CHECK(wl_steady_until(r, S(200)) == SIM_NEVER);
	struct wl_traffic *sp = wl_spike(50, S(100), S(10), S(60), S(10));
	CHECK(wl_steady_until(sp, S(7)) == S(100));
	CHECK(wl_steady_until(sp, S(105)) == S(105));
	CHECK(wl_steady_until(sp, S(110)) == S(170));
	CHECK(wl_steady_until(sp, S(175)) == S(175));
	CHECK(wl_steady_until(sp, S(180)) == SIM_NEVER);
	struct wl_traffic *h = wl_hold(SIM_MIN, wl_ref(d));
	CHECK(wl_steady_until(h, S(61.5)) == S(120));
	CHECK(wl_steady_until(h, S(-1)) == 0);
	/* a sum steady until its first child changes; equal spans count the same */
	struct wl_traffic *kids[3] = { wl_ref(h), wl_ref(c), wl_ref(sp) };
	struct wl_traffic *sum = wl_sum(kids, 3);
	CHECK(wl_steady_until(sum, S(110)) == S(120));
	double first = wl_count(sum, S(110), S(111));
	for (int k = 111; k < 120; k++)
		CHECK(wl_count(sum, S(k), S(k + 1)) == first);
	struct wl_traffic *pk[2] = { wl_ref(sum), wl_constant(3) };
	struct wl_traffic *prod = wl_product(pk, 2);
	CHECK(wl_steady_until(prod, S(110)) == S(120));
	double pfirst = wl_count(prod, S(110), S(111));
	for (int k = 111; k < 120; k++)
		CHECK(wl_count(prod, S(k), S(k + 1)) == pfirst);
	CHECK(wl_steady_until(sum, S(125)) == S(170));
	wl_free(prod);
	wl_free(sum);
	wl_free(h);
	wl_free(sp);
	wl_free(r);
	wl_free(st);
	wl_free(flat);
	wl_free(d);
	wl_free(c);
}

int
main(void)
{
	test_constant();
	test_diurnal();
	test_hold();
	test_steady();
	test_step_ramp_spike();
	test_combinators();
	test_next_arrival();
	test_worldcup();
	test_azure_nasa();
	test_small();
	test_timefmt();
	test_bad();
	return tl_finish();
}
