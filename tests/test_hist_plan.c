/*
 * test_hist_plan.c - the recorded walks of sim/util/hist_plan against
 * hist_add_pwl, to the bit: the same histogram (every bucket, the totals,
 * the range in use), weight kept and sum, for knots that come back with
 * other weights, knots that are cut by a limit, shifted, start below
 * HIST_MIN, reach the overflow, repeat (narrow segments) or hold no weight;
 * more distinct knots than the plans keep; and the calls it leaves to
 * hist_add_pwl (too many knots, a weight that rounds a segment's to 0).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/hist.h"
#include "sim/util/hist_plan.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

static double
urand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/* One addition both ways onto histograms that are the same so far. */
static void
both(struct hist *plain, struct hist *planned, struct hist_plans *ps, const double *x,
    const double *p, int n, double w, double shift, double limit, const char *what)
{
	double s1 = 0.25, s2 = 0.25;
	double a1 = hist_add_pwl(plain, x, p, n, w, shift, limit, &s1);
	double a2 = hist_add_pwl_planned(planned, ps, x, p, n, w, shift, limit, &s2);
	if (memcmp(&a1, &a2, sizeof a1) != 0 || memcmp(&s1, &s2, sizeof s1) != 0)
		FAILF("%s: kept %.17g/%.17g, sum %.17g/%.17g", what, a1, a2, s1, s2);
	else if (memcmp(plain, planned, sizeof *plain) != 0)
		FAILF("%s: the histograms differ (count %.17g/%.17g, range [%d, %d]/[%d, %d])",
		    what, plain->count, planned->count, plain->lo, plain->hi, planned->lo,
		    planned->hi);
	else
		PASS();
}

/* Knots of a Service-like distribution (an exponential's quantiles, its
 * top at p = 1 a little further) times scale. */
enum { N = 12 };
static const double lev[N] = { 0, .01, .05, .2, .4, .5, .7, .9, .99, .999, .99999, 1 };

static void
knots(double scale, double *x)
{
	for (int k = 0; k < N; k++)
		x[k] = scale * (0.02 * -log1p(-lev[k] * 0.999999) + (k == N - 1 ? 0.05 : 0));
}

/* Knots that come back with other weights, among others that replace
 * them in the plans' slots, in every corner of the walk. */
static void
test_plan_random(void)
{
	struct hist *h1 = hist_new(), *h2 = hist_new();
	struct hist_plans *ps = hist_plans_new();
	uint64_t st = 11;
	double scales[9] = { 1, 0.5, 3, 1e-6, 3e-7, 4e4, 120, 1e-3, 7 };
	char what[96];
	for (int t = 0; t < 3000; t++) {
		double x[N];
		int which = urand(&st) < 0.6 ? 0 : (int)(urand(&st) * 9);
		knots(scales[which], x);
		double shift = which % 3 == 0 ? 0 : 0.003 * which;
		double limit = which == 2 ? x[N - 3] : which == 7 ? 0.5 * x[3] : 0;
		double w = t % 7 == 0 ? 1e-3 * urand(&st) : 1e4 * urand(&st);
		snprintf(what, sizeof what, "call %d (knots %d)", t, which);
		both(h1, h2, ps, x, lev, N, w, shift, limit, what);
		if (t % 500 == 499) {
			/* read and emptied as an interval would be */
			hist_clear(h1);
			hist_clear(h2);
		}
	}
	unsigned long rec, rep;
	hist_plans_stats(ps, &rec, &rep);
	/* the common knots are replayed, the others replace slots */
	CHECK(rep > 2000 && rec > 9 && rec < 1000);
	hist_plans_free(ps);
	free(h1);
	free(h2);
}

/* Repeated knots (narrow segments, lumped at once), levels that do not
 * rise (segments with no weight), knots in the underflow and the
 * overflow, one segment cut to nothing. */
static void
test_plan_odd(void)
{
	struct hist *h1 = hist_new(), *h2 = hist_new();
	struct hist_plans *ps = hist_plans_new();
	static const double p[7] = { 0, 0.1, 0.1, 0.4, 0.7, 0.7, 1 };
	static const double x[7] = { 1e-8, 5e-7, 0.002, 0.002, 0.03, 2000, 9000 };
	for (int t = 0; t < 20; t++) {
		both(h1, h2, ps, x, p, 7, 3.5 + t, 0, 0, "odd knots");
		both(h1, h2, ps, x, p, 7, 2 + t, 1e-4, 0.0021, "odd knots cut");
		both(h1, h2, ps, x, p, 7, 1 + t, 0, 1e-9, "cut below the first");
	}
	/* a weight whose smallest segment rounds to 0: left to hist_add_pwl */
	static const double pt[3] = { 0, 1e-300, 1 };
	static const double xt[3] = { 0.001, 0.002, 0.004 };
	both(h1, h2, ps, xt, pt, 3, 1, 0, 0, "tiny level step");
	both(h1, h2, ps, xt, pt, 3, 1e-30, 0, 0, "tiny weight");
	/* nothing to add */
	both(h1, h2, ps, xt, pt, 3, 0, 0, 0, "no weight");
	hist_plans_free(ps);
	free(h1);
	free(h2);
}

/* More knots than a plan holds, and no plans or no histogram: the plain
 * calls. */
static void
test_plan_plain(void)
{
	enum { M = 60 };
	double x[M], p[M];
	for (int k = 0; k < M; k++) {
		x[k] = 0.001 * (k + 1);
		p[k] = (double)k / (M - 1);
	}
	struct hist *h1 = hist_new(), *h2 = hist_new();
	struct hist_plans *ps = hist_plans_new();
	both(h1, h2, ps, x, p, M, 10, 0, 0, "many knots");
	both(h1, h2, NULL, x, p, 30, 10, 0, 0, "no plans");
	double s1 = 0, s2 = 0;
	CHECK(hist_add_pwl(NULL, x, p, 30, 10, 0, 0.01, &s1) ==
	    hist_add_pwl_planned(NULL, ps, x, p, 30, 10, 0, 0.01, &s2) && s1 == s2);
	unsigned long rec, rep;
	hist_plans_stats(ps, &rec, &rep);
	CHECK(rec == 0 && rep == 0);
	hist_plans_free(ps);
	free(h1);
	free(h2);
}

int
main(void)
{
	test_plan_random();
	test_plan_odd();
	test_plan_plain();
	return tl_finish();
}
