/*
 * test_serving.c - tests of the latency histogram (sim/util/hist) and the
 * fluid serving model (models/serving): quantile accuracy, merge, Erlang C
 * against closed-form and table values, M/M/c steady state, overload,
 * timeouts, queue limits, dead pods and rate-independent cost.
 */
#include "config.h"

#include "sim/util/util.h"
#include "sim/util/hist.h"
#include "models/serving/serving.h"
#include "tests/testlib.h"

/* |got / want - 1| <= tol, printing the case on failure. */
static void
check_rel(const char *what, double got, double want, double tol)
{
	if (fabs(got / want - 1) <= tol)
		PASS();
	else
		FAILF("%s = %.9g, want %.9g (rel tol %g, rel err %.4g)", what, got,
		    want, tol, got / want - 1);
}

static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 };
#define NQS (sizeof qs / sizeof qs[0])

static void
test_hist_uniform(void)
{
	struct hist *h = hist_new();
	int n = 1000000;
	double lo = 0.001, hi = 2.0;
	for (int i = 0; i < n; i++)
		hist_add(h, lo + (hi - lo) * (i + 0.5) / n, 1);
	CHECK_NEAR(hist_count(h), n, 0);
	CHECK_NEAR(hist_mean(h), (lo + hi) / 2, 1e-9);
	for (size_t k = 0; k < NQS; k++) {
		char what[64];
		snprintf(what, sizeof what, "uniform q%g", qs[k]);
		check_rel(what, hist_quantile(h, qs[k]), lo + (hi - lo) * qs[k], 0.01);
	}
	CHECK_NEAR(hist_quantile(h, 0), lo + (hi - lo) * 0.5 / n, 1e-15);
	CHECK_NEAR(hist_quantile(h, 1), lo + (hi - lo) * (n - 0.5) / n, 1e-12);
	CHECK_NEAR(hist_frac_le(h, 1.0), (1.0 - lo) / (hi - lo), 0.01);
	free(h);
}

static void
test_hist_exponential(void)
{
	/* 10^6 points on a geometric grid, weighted by the Exp(mean) mass of
	 * each cell. */
	struct hist *h = hist_new();
	int n = 1000000;
	double mean = 0.05, lo = 1e-7, top = 30 * mean;
	double r = pow(top / lo, 1.0 / n);
	for (int i = 0; i < n; i++) {
		double a = lo * pow(r, i), b = a * r;
		hist_add(h, sqrt(a * b), 1e3 * (exp(-a / mean) - exp(-b / mean)));
	}
	CHECK_NEAR(hist_count(h), 1e3, 1e-2);
	check_rel("exp mean", hist_mean(h), mean, 1e-5);
	/* The weight is integral, the grid fine: still exact to the bucket. */
	for (size_t k = 0; k < NQS; k++) {
		char what[64];
		snprintf(what, sizeof what, "exponential q%g", qs[k]);
		check_rel(what, hist_quantile(h, qs[k]), -mean * log1p(-qs[k]), 0.01);
	}
	/* The same from 10^6 equal-weight quantile points. */
	hist_reset(h);
	for (int i = 0; i < n; i++)
		hist_add(h, -mean * log1p(-(i + 0.5) / n), 2.5);
	CHECK_NEAR(hist_count(h), 2.5e6, 1e-3);
	for (size_t k = 0; k < NQS; k++) {
		char what[64];
		snprintf(what, sizeof what, "exponential pts q%g", qs[k]);
		check_rel(what, hist_quantile(h, qs[k]), -mean * log1p(-qs[k]), 0.01);
	}
	free(h);
}

static void
test_hist_merge(void)
{
	struct hist *all = hist_new(), *a = hist_new(), *b = hist_new();
	for (int i = 0; i < 20000; i++) {
		double v = 1e-5 * pow(1.0007, i);	/* 10 us .. ~12 s */
		double w = (double)(1 + i % 7);
		hist_add(all, v, w);
		hist_add(i % 3 ? a : b, v, w);
	}
	hist_add(all, 0, 4);
	hist_add(b, 0, 4);
	hist_add(all, 1e5, 2);
	hist_add(a, 1e5, 2);
	hist_merge(a, b);
	CHECK(memcmp(a->bucket, all->bucket, sizeof a->bucket) == 0);
	CHECK_NEAR(a->under, 4, 0);
	CHECK_NEAR(a->over, 2, 0);
	CHECK_NEAR(hist_count(a), hist_count(all), 0);
	CHECK_NEAR(hist_min(a), 0, 0);
	CHECK_NEAR(hist_max(a), 1e5, 0);
	CHECK_NEAR(hist_mean(a), hist_mean(all), 1e-12 * hist_mean(all));
	for (size_t k = 0; k < NQS; k++)
		CHECK_NEAR(hist_quantile(a, qs[k]), hist_quantile(all, qs[k]), 0);
	/* Merging an empty histogram changes nothing. */
	hist_reset(b);
	hist_merge(a, b);
	CHECK_NEAR(hist_count(a), hist_count(all), 0);
	free(all);
	free(a);
	free(b);
}

static void
test_hist_edges(void)
{
	struct hist *h = hist_new();
	CHECK_NEAR(hist_quantile(h, 0.5), 0, 0);
	CHECK_NEAR(hist_mean(h), 0, 0);
	CHECK_NEAR(hist_frac_le(h, 1), 0, 0);
	CHECK_INT(hist_index(1e-6), 0);
	CHECK_INT(hist_index(0.9e-6), -1);
	CHECK_INT(hist_index(0), -1);
	CHECK_INT(hist_index(-1), -1);
	CHECK_INT(hist_index(1e4), HIST_NBUCKETS);
	CHECK_INT(hist_index(hist_lower(500) * 1.0001), 500);
	CHECK(hist_upper(HIST_NBUCKETS - 1) > 3600);
	check_rel("bucket ratio", hist_upper(10) / hist_lower(10), 1.02, 1e-12);
	hist_add(h, 0.25, 0);		/* weight 0: nothing */
	hist_add(h, 0.25, -3);		/* negative weight: nothing */
	CHECK_NEAR(hist_count(h), 0, 0);
	hist_add(h, 0.25, 1234.5);
	CHECK_NEAR(hist_count(h), 1234.5, 0);
	check_rel("single q50", hist_quantile(h, 0.5), 0.25, 0);
	hist_add(h, -2, 1);		/* negative value counts as 0 */
	CHECK_NEAR(hist_min(h), 0, 0);
	CHECK_NEAR(hist_quantile(h, 0.0001), 0, 0);
	/* Uniform spread: [1, 2] with weight 1000. */
	hist_reset(h);
	hist_add_uniform(h, 1, 2, 1000);
	CHECK_NEAR(hist_count(h), 1000, 1e-9);
	double tot = 0;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		tot += h->bucket[i];
	CHECK_NEAR(tot, 1000, 1e-9);
	CHECK_NEAR(hist_mean(h), 1.5, 1e-12);
	check_rel("uniform spread q50", hist_quantile(h, 0.5), 1.5, 0.01);
	check_rel("uniform spread q90", hist_quantile(h, 0.9), 1.9, 0.01);
	/* Spread across the underflow boundary and into overflow. */
	hist_reset(h);
	hist_add_uniform(h, 0, 2e-6, 10);
	CHECK_NEAR(h->under, 5, 1e-9);
	hist_add_uniform(h, 3000, 5000, 10);
	CHECK_NEAR(h->over, 10 * (5000 - hist_upper(HIST_NBUCKETS - 1)) / 2000, 1e-6);
	CHECK_NEAR(hist_count(h), 20, 1e-12);
	CHECK_NEAR(hist_quantile(h, 1), 5000, 0);

	/* Piecewise-linear CDFs. */
	static const double ux[] = { 1, 1.5, 2 }, up[] = { 0, 0.5, 1 };
	double sum = 0;
	hist_reset(h);
	CHECK_NEAR(hist_add_pwl(h, ux, up, 3, 100, 0, 0, &sum), 100, 1e-12);
	CHECK_NEAR(sum, 150, 1e-9);
	CHECK_NEAR(hist_mean(h), 1.5, 1e-12);
	check_rel("pwl q25", hist_quantile(h, 0.25), 1.25, 0.01);
	check_rel("pwl q75", hist_quantile(h, 0.75), 1.75, 0.01);
	CHECK_NEAR(hist_pwl_cdf(ux, up, 3, 1.25), 0.25, 1e-12);
	CHECK_NEAR(hist_pwl_cdf(ux, up, 3, 0.5), 0, 0);
	CHECK_NEAR(hist_pwl_cdf(ux, up, 3, 3), 1, 0);
	/* Truncated at 1.75, shifted by 1. */
	hist_reset(h);
	CHECK_NEAR(hist_add_pwl(h, ux, up, 3, 100, 1, 2.75, NULL), 75, 1e-9);
	CHECK_NEAR(hist_count(h), 75, 1e-9);
	CHECK_NEAR(hist_max(h), 2.75, 0);
	CHECK_NEAR(hist_add_pwl(NULL, ux, up, 3, 100, 1, 2.5, NULL), 50, 1e-9);
	/* Exponential through 400 knots: quantiles within the bucket error. */
	double ex[401], ep[401];
	for (int i = 0; i <= 400; i++) {
		ep[i] = i < 400 ? 1 - pow(0.97, i) : 1;
		ex[i] = i < 400 ? -0.2 * log1p(-ep[i]) : ex[399] + 0.4;
	}
	hist_reset(h);
	hist_add_pwl(h, ex, ep, 401, 1e6, 0, 0, NULL);
	CHECK_NEAR(hist_count(h), 1e6, 1e-6);
	tot = h->under + h->over;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		tot += h->bucket[i];
	CHECK_NEAR(tot, 1e6, 1e-6);
	for (size_t k = 2; k < NQS; k++) {
		char what[64];
		snprintf(what, sizeof what, "pwl exponential q%g", qs[k]);
		check_rel(what, hist_quantile(h, qs[k]), -0.2 * log1p(-qs[k]), 0.012);
	}
	/* Across the underflow and overflow boundaries. */
	static const double bx[] = { 5e-7, 2e-6, 3000, 5000 }, bp[] = { 0, 0.5, 0.5, 1 };
	hist_reset(h);
	hist_add_pwl(h, bx, bp, 4, 10, 0, 0, NULL);
	CHECK_NEAR(h->under, 5 * 0.5 / 1.5, 1e-9);
	CHECK_NEAR(h->over, 5 * (5000 - hist_upper(HIST_NBUCKETS - 1)) / 2000, 1e-6);
	tot = h->under + h->over;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		tot += h->bucket[i];
	CHECK_NEAR(tot, 10, 1e-9);
	free(h);
}

static void
test_erlang(void)
{
	CHECK_NEAR(serving_erlang_b(1, 1), 0.5, 1e-15);
	CHECK_NEAR(serving_erlang_b(2, 1), 0.2, 1e-15);
	CHECK_NEAR(serving_erlang_c(1, 0.7), 0.7, 1e-15);
	CHECK_NEAR(serving_erlang_c(1, 0.25), 0.25, 1e-15);
	CHECK_NEAR(serving_erlang_c(2, 1), 1.0 / 3, 1e-15);
	/* Table values (and the closed-form sum a^c/c! c/(c-a) / (...)). */
	CHECK_NEAR(serving_erlang_c(10, 8), 0.4091801507964435, 1e-12);
	CHECK_NEAR(serving_erlang_c(10, 9), 0.668731524107697, 1e-12);
	CHECK_NEAR(serving_erlang_c(16, 15.2), 0.7801924622483711, 1e-12);
	CHECK_NEAR(serving_erlang_c(100, 95), 0.5064568539130208, 1e-11);
	CHECK_NEAR(serving_erlang_c(4, 4), 1, 0);
	CHECK_NEAR(serving_erlang_c(4, 7), 1, 0);
	CHECK_NEAR(serving_erlang_c(4, 0), 0, 0);
	CHECK_NEAR(serving_erlang_c(0, 1), 1, 0);
	/* Large c stays finite and in (0, 1). */
	double big = serving_erlang_c(100000, 99000);
	CHECK(big > 0 && big < 1);
}

/* M/M/c response-time survival P(R > t), mu = 1/s. */
static double
mmc_survival(int c, double s, double lambda, double t)
{
	double mu = 1 / s, theta = c * mu - lambda;
	double pw = serving_erlang_c(c, lambda * s);
	double h;
	if (fabs(mu - theta) < 1e-12 * mu)
		h = (1 + mu * t) * exp(-mu * t);
	else
		h = (mu * exp(-theta * t) - theta * exp(-mu * t)) / (mu - theta);
	return (1 - pw) * exp(-mu * t) + pw * h;
}

static double
mmc_quantile(int c, double s, double lambda, double q)
{
	double lo = 0, hi = 1;
	while (mmc_survival(c, s, lambda, hi) > 1 - q)
		hi *= 2;
	for (int i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);
		if (mmc_survival(c, s, lambda, mid) > 1 - q)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static void
test_steady_state(void)
{
	static const int cs[] = { 1, 4, 16 };
	static const double rhos[] = { 0.5, 0.8, 0.95 };
	struct serving_dist d;
	char *cause = NULL;
	double s = 0.1;
	CHECK_INT(serving_dist_init(&d, s, 1, &cause), 0);
	struct hist *h = hist_new();
	for (int ci = 0; ci < 3; ci++) {
		for (int ri = 0; ri < 3; ri++) {
			int c = cs[ci];
			double rho = rhos[ri], lambda = rho * c / s;
			struct serving_pod pod;
			struct serving_tick in = { .dt = 1, .offered = lambda,
			    .concurrency = c, .dist = &d };
			struct serving_result r;
			double ok = 0, lat = 0, busy = 0;
			serving_pod_init(&pod);
			hist_reset(h);
			for (int t = 0; t < 10; t++) {
				serving_step(&pod, &in, &r, h);
				ok += r.ok;
				lat += r.latency_sum;
				busy += r.busy_frac;
				if (fabs(r.ok - lambda) > 1e-9 * lambda || r.backlog != 0)
					FAILF("c=%d rho=%g: ok %g backlog %g", c, rho, r.ok, r.backlog);
			}
			char what[96];
			double pw = serving_erlang_c(c, rho * c);
			double w = s + pw * s / (c * (1 - rho));
			snprintf(what, sizeof what, "c=%d rho=%g mean", c, rho);
			check_rel(what, hist_mean(h), w, 0.02);
			snprintf(what, sizeof what, "c=%d rho=%g latency_sum/ok", c, rho);
			check_rel(what, lat / ok, w, 0.02);
			snprintf(what, sizeof what, "c=%d rho=%g hist mean = latency_sum", c, rho);
			check_rel(what, hist_mean(h), lat / ok, 1e-9);
			snprintf(what, sizeof what, "c=%d rho=%g hist count", c, rho);
			check_rel(what, hist_count(h), ok, 1e-12);
			snprintf(what, sizeof what, "c=%d rho=%g busy", c, rho);
			check_rel(what, busy / 10, rho, 1e-9);
			static const double pq[] = { 0.5, 0.9, 0.99 };
			for (int k = 0; k < 3; k++) {
				double want = mmc_quantile(c, s, lambda, pq[k]);
				double got = hist_quantile(h, pq[k]);
				snprintf(what, sizeof what, "c=%d rho=%g p%g", c, rho, 100 * pq[k]);
				check_rel(what, got, want, 0.02);
				if (getenv("KS_VERBOSE"))
					printf("%s got %.5g want %.5g err %+.3f%%\n", what, got,
					    want, 100 * (got / want - 1));
			}
		}
	}
	free(h);
}

static void
test_general_service(void)
{
	char *cause = NULL;
	struct serving_dist d;
	/* The piecewise-linear S keeps the mean for any scv; Y's knots grow. */
	static const double scvs[] = { 0, 0.25, 0.5, 1, 2, 4 };
	static const double lev[] = {
		0, .01, .02, .05, .1, .15, .2, .25, .3, .35, .4, .45, .5, .55, .6,
		.65, .7, .75, .8, .85, .9, .925, .95, .96, .97, .98, .985, .99,
		.9925, .995, .9975, .999, .9995, .9999, .99999, 1 };
	CHECK_INT(sizeof lev / sizeof lev[0], SERVING_NLEV);
	for (int k = 0; k < 6; k++) {
		CHECK_INT(serving_dist_init(&d, 0.02, scvs[k], &cause), 0);
		double m = 0;
		for (int i = 0; i + 1 < SERVING_NLEV; i++)
			m += 0.5 * (d.sq[i] + d.sq[i + 1]) * (lev[i + 1] - lev[i]);
		char what[64];
		snprintf(what, sizeof what, "scv %g pwl mean", scvs[k]);
		check_rel(what, m, 1, 0.01);
		for (int j = 0; j < SERVING_NBETA; j++)
			for (int i = 1; i < SERVING_NLEV; i++)
				if (d.zq[j][i] < d.zq[j][i - 1])
					FAILF("scv %g beta %d: knots decrease at %d", scvs[k], j, i);
		/* Large beta: Y -> S; small beta: Y beta -> Exp(1) quantile. */
		for (int i = 1; i + 1 < SERVING_NLEV; i++) {
			double y = d.zq[SERVING_NBETA - 1][i] * 1001 / 1000;
			if (fabs(y - d.sq[i]) > 0.002 + (lev[i] < 0.9999 ? 0.01 : 0.02) * d.sq[i])
				FAILF("scv %g: Y(beta=1000) q%g = %g, S %g", scvs[k], lev[i], y, d.sq[i]);
			double e = -log1p(-lev[i]);
			double ys = d.zq[0][i] * 1.001;
			if (fabs(ys - e) > 0.002 * (1 + scvs[k]) + 0.01 * e)
				FAILF("scv %g: Y(beta=0.001) q%g = %g, Exp %g", scvs[k], lev[i], ys, e);
		}
	}
	/* M/D/1: Allen-Cunneen is exact, Wq = rho s / (2 (1 - rho)). */
	CHECK_INT(serving_dist_init(&d, 0.1, 0, &cause), 0);
	struct serving_pod pod;
	serving_pod_init(&pod);
	struct serving_tick in = { .dt = 1, .offered = 8, .concurrency = 1, .dist = &d };
	struct serving_result r;
	struct hist *h = hist_new();
	serving_step(&pod, &in, &r, h);
	check_rel("M/D/1 mean", hist_mean(h), 0.1 + 0.8 * 0.1 / (2 * 0.2), 0.005);
	CHECK_NEAR(r.ok, 8, 1e-12);
	check_rel("M/D/1 latency_sum", r.latency_sum / r.ok, 0.1 + 0.8 * 0.1 / (2 * 0.2), 0.005);
	/* M/D/1 p99: the wait tail is P_W exp(-2(1-rho)/s t) under Allen-Cunneen. */
	double p99 = hist_quantile(h, 0.99);
	CHECK(p99 > 0.1 + log(0.8 / 0.01) * 0.1 / (2 * 0.2) * 0.97 &&
	    p99 < 0.1 + log(0.8 / 0.01) * 0.1 / (2 * 0.2) * 1.03);
	/* M/G/1, scv 0.5: Pollaczek-Khinchine Wq = rho s (1 + scv) / (2 (1 - rho)). */
	CHECK_INT(serving_dist_init(&d, 0.1, 0.5, &cause), 0);
	serving_pod_init(&pod);
	hist_reset(h);
	serving_step(&pod, &in, &r, h);
	check_rel("M/G/1 mean", hist_mean(h), 0.1 + 0.8 * 0.1 * 1.5 / 0.4, 0.01);
	CHECK_NEAR(r.busy_frac, 0.8, 1e-12);
	free(h);
	/* Rescaling equals a fresh init with the other mean. */
	struct serving_dist *d2 = xmalloc(sizeof *d2), *d3 = xmalloc(sizeof *d3);
	CHECK_INT(serving_dist_init(d2, 0.3, 0.5, &cause), 0);
	serving_dist_rescale(d3, &d, 0.3);
	CHECK(memcmp(d2, d3, sizeof *d2) == 0);
	free(d2);
	free(d3);
	/* Bad input. */
	CHECK_INT(serving_dist_init(&d, 0, 1, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "mean") != NULL);
	free(cause);
	cause = NULL;
	CHECK_INT(serving_dist_init(&d, 0.1, -1, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "scv") != NULL);
	free(cause);
	cause = NULL;
	CHECK_INT(serving_dist_init(&d, NAN, 1, &cause), -1);
	free(cause);
}

static void
check_conservation(const char *what, double offered, double b0,
    const struct serving_result *r)
{
	double out = r->ok + r->timed_out + r->rejected + r->failed + r->backlog;
	if (fabs(offered + b0 - out) <= 1e-9 * (offered + b0 + 1))
		PASS();
	else
		FAILF("%s: offered %g + backlog %g != ok %g + timed_out %g + rejected %g"
		    " + failed %g + backlog %g", what, offered, b0, r->ok, r->timed_out,
		    r->rejected, r->failed, r->backlog);
}

static void
test_overload(void)
{
	char *cause = NULL;
	struct serving_dist d;
	CHECK_INT(serving_dist_init(&d, 0.1, 1, &cause), 0);
	struct serving_pod pod;
	struct serving_result r;
	struct hist *h = hist_new();
	/* c = 4, s = 0.1: capacity 40/s; 60/s offered grows the backlog 20/s. */
	struct serving_tick in = { .dt = 1, .offered = 60, .concurrency = 4, .dist = &d };
	serving_pod_init(&pod);
	for (int t = 1; t <= 5; t++) {
		double b0 = pod.backlog;
		serving_step(&pod, &in, &r, t == 1 ? h : NULL);
		CHECK_NEAR(r.backlog, 20.0 * t, 1e-9);
		CHECK_NEAR(r.ok, 40, 1e-9);
		CHECK_NEAR(r.busy_frac, 1, 1e-12);
		check_conservation("overload", 60, b0, &r);
	}
	/* Tick 1: waits grow linearly 0 -> 0.5 s, mean response 0.1 + 0.25. */
	check_rel("overload mean", hist_mean(h), 0.35, 0.002);
	/* Tick 5: waits 2 -> 2.5 s. */
	check_rel("overload tick 5", r.latency_sum / r.ok, 0.1 + 2.25, 1e-9);
	/* Drain at 20/s with 20/s offered (rho 0.5): 100 -> 80. */
	in.offered = 20;
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 80, 1e-9);
	/* Drains to 0 mid-tick, then stable for the rest. */
	pod.backlog = 10;
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 0, 0);
	CHECK_NEAR(r.ok, 30, 1e-9);
	check_conservation("drain", 20, 10, &r);
	/* busy: 0.5 s all busy + 0.5 s at rho 0.5. */
	CHECK_NEAR(r.busy_frac, 0.75, 1e-9);

	/* Timeout 1 s: the backlog caps at C T = 40 and the excess abandons. */
	in.offered = 60;
	in.timeout = 1;
	serving_pod_init(&pod);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 20, 1e-9);
	CHECK_NEAR(r.abandoned, 0, 0);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 40, 1e-9);
	CHECK_NEAR(r.abandoned, 0, 1e-9);
	CHECK(r.timed_out > 0);		/* waits near 1 s + service > 1 s */
	check_conservation("timeout 2", 60, 20, &r);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 40, 1e-9);
	CHECK_NEAR(r.abandoned, 20, 1e-9);
	CHECK_NEAR(r.started, 40, 1e-9);
	/* Held at the cap, served requests waited T minus a gap ~ Exp(lambda
	 * - C = 20/s) (M/M/c+D): with S ~ Exp(10/s) a third finish within T,
	 * P(S < gap) = 10 / (10 + 20); 4 wait points and the tabulated S give
	 * it to 2%. */
	CHECK_NEAR(r.ok, 40.0 / 3, 40.0 / 3 * 0.02);
	CHECK_NEAR(r.timed_out, 60 - r.ok, 1e-9);
	check_conservation("timeout 3", 60, 40, &r);
	/* A shorter timeout drops the carried-over excess at once. */
	in.timeout = 0.5;
	in.offered = 0;
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.abandoned, 20, 1e-9);
	CHECK_NEAR(r.backlog, 0, 1e-9);
	check_conservation("timeout shrink", 0, 40, &r);

	/* Queue limit 10: the backlog caps at 10, the excess is rejected. */
	in.timeout = 0;
	in.queue_limit = 10;
	in.offered = 60;
	serving_pod_init(&pod);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.backlog, 10, 1e-9);
	CHECK_NEAR(r.rejected, 10, 1e-9);	/* reached 10 after 0.5 s */
	check_conservation("qlimit", 60, 0, &r);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.rejected, 20, 1e-9);
	/* At the queue limit the wait is 10 / C minus a gap ~ Exp(C ln rho)
	 * truncated to [0, 10 / C] (M/M/c/K's geometric queue length). */
	double xr = 40 * log(1.5), w1 = 10.0 / 40;
	check_rel("qlimit wait", r.latency_sum / r.ok,
	    0.1 + w1 - (1 / xr - w1 / expm1(xr * w1)), 1e-9);
	/* Stable with a queue limit: P_W rho^L rejected. */
	in.offered = 20;
	in.queue_limit = 2;
	serving_pod_init(&pod);
	serving_step(&pod, &in, &r, NULL);
	CHECK_NEAR(r.rejected, 20 * serving_erlang_c(4, 2) * 0.25, 1e-9);
	check_conservation("qlimit stable", 20, 0, &r);

	/* Stable with a timeout: P(W + S > T) of the atoms. */
	in.queue_limit = 0;
	in.offered = 36;	/* rho 0.9 */
	in.timeout = 0.3;
	serving_pod_init(&pod);
	serving_step(&pod, &in, &r, NULL);
	CHECK(r.timed_out > 0 && r.timed_out < 36);
	double want = 36 * mmc_survival(4, 0.1, 36, 0.3);
	check_rel("stable timeouts", r.timed_out, want, 0.03);
	CHECK_NEAR(r.abandoned, 36 * serving_erlang_c(4, 3.6) * exp(-(40 - 36) * 0.3), 1e-9);
	CHECK_NEAR(r.started, 36 - r.abandoned, 1e-9);
	check_conservation("stable timeout", 36, 0, &r);
	free(h);
}

static void
test_dead_and_empty(void)
{
	char *cause = NULL;
	struct serving_dist d;
	CHECK_INT(serving_dist_init(&d, 0.1, 1, &cause), 0);
	struct serving_pod pod;
	struct serving_result r;
	struct hist *h = hist_new();
	serving_pod_init(&pod);
	pod.backlog = 7;
	struct serving_tick in = { .dt = 1, .offered = 50, .concurrency = 4,
	    .state = SERVING_DEAD, .dist = &d };
	serving_step(&pod, &in, &r, h);
	CHECK_NEAR(r.failed, 57, 0);
	CHECK_NEAR(r.ok, 0, 0);
	CHECK_NEAR(pod.backlog, 0, 0);
	CHECK_NEAR(hist_count(h), 0, 0);
	CHECK_NEAR(r.busy_frac, 0, 0);
	check_conservation("dead", 50, 7, &r);
	/* No traffic: nothing happens, idle. */
	in.state = SERVING_OK;
	in.offered = 0;
	serving_step(&pod, &in, &r, h);
	CHECK_NEAR(r.ok, 0, 0);
	CHECK_NEAR(r.busy_frac, 0, 0);
	CHECK_NEAR(hist_count(h), 0, 0);
	/* No slots: with a timeout everything times out. */
	in.offered = 10;
	in.concurrency = 0;
	in.timeout = 1;
	serving_step(&pod, &in, &r, h);
	CHECK_NEAR(r.timed_out, 10, 0);
	check_conservation("c=0 timeout", 10, 0, &r);
	in.timeout = 0;
	in.queue_limit = 4;
	serving_step(&pod, &in, &r, h);
	CHECK_NEAR(r.backlog, 4, 0);
	CHECK_NEAR(r.rejected, 6, 0);
	check_conservation("c=0 queue", 10, 0, &r);
	free(h);
}

static void
test_rate_independent_cost(void)
{
	/* The same number of atoms (histogram adds) at 10 and 10^6 req/s. */
	char *cause = NULL;
	struct serving_dist slow, fast;
	CHECK_INT(serving_dist_init(&slow, 0.8 * 16 / 10.0, 1, &cause), 0);
	CHECK_INT(serving_dist_init(&fast, 0.8 * 16 / 1e6, 1, &cause), 0);
	struct serving_pod p1, p2;
	struct serving_result r1, r2;
	struct hist *h1 = hist_new(), *h2 = hist_new();
	serving_pod_init(&p1);
	serving_pod_init(&p2);
	struct serving_tick in1 = { .dt = 1, .offered = 10, .concurrency = 16, .dist = &slow };
	struct serving_tick in2 = { .dt = 1, .offered = 1e6, .concurrency = 16, .dist = &fast };
	serving_step(&p1, &in1, &r1, h1);
	serving_step(&p2, &in2, &r2, h2);
	CHECK_INT(serving_latency_atoms(&r1), serving_latency_atoms(&r2));
	CHECK_INT(serving_latency_atoms(&r1), 2 * (SERVING_NLEV - 1));
	/* Same shape scaled by the service time: identical bucket occupancy
	 * count (quantiles scale with s). */
	check_rel("scaled p99", hist_quantile(h2, 0.99) / fast.mean,
	    hist_quantile(h1, 0.99) / slow.mean, 0.021);
	/* Overload at both rates: the same number of phases and atoms. */
	in1.offered = 20;
	in2.offered = 2e6;
	serving_step(&p1, &in1, &r1, NULL);
	serving_step(&p2, &in2, &r2, NULL);
	CHECK_INT(r1.nphase, r2.nphase);
	CHECK_INT(serving_latency_atoms(&r1), serving_latency_atoms(&r2));
	CHECK(serving_latency_atoms(&r1) <= SERVING_MAX_PHASES * SERVING_FLUID_PTS * (SERVING_NLEV - 1));
	/* serving_add_latency with a scale: n identical pods. */
	struct serving_tick in3 = in1;
	in3.offered = 8;
	serving_pod_init(&p1);
	hist_reset(h1);
	hist_reset(h2);
	serving_step(&p1, &in3, &r1, h1);
	serving_add_latency(&r1, &slow, 0, 5, h2);
	check_rel("scaled count", hist_count(h2), 5 * hist_count(h1), 1e-12);
	check_rel("scaled mean", hist_mean(h2), hist_mean(h1), 1e-12);
	free(h1);
	free(h2);
}

/*
 * Latency composed per interval (serving_add_latency_deferred): ticks at a
 * constant load (the knots repeat: one addition at the flush), a change of
 * load (new wait rate), an overload with fluid phases, a timeout and a
 * network latency, against serving_add_latency_net per tick: the same
 * histogram up to the rounding of the sums, and nothing added before the
 * flush while the knots repeat.
 */
static void
test_deferred_latency(void)
{
	struct serving_dist d;
	char *cause = NULL;
	CHECK_INT(serving_dist_init(&d, 0.05, 1.5, &cause), 0);
	struct hist *h1 = hist_new(), *h2 = hist_new();
	struct serving_deferred df;
	memset(&df, 0, sizeof df);
	struct serving_pod p1;
	serving_pod_init(&p1);
	static const double load[] = { 40, 40, 40, 40, 60, 60, 75, 120, 120, 40, 40, 40 };
	for (int t = 0; t < 12; t++) {
		struct serving_tick in = { .dt = 1, .offered = load[t], .concurrency = 4,
		    .dist = &d, .timeout = 0.5, .net_latency = 0.003 };
		struct serving_result r;
		serving_step(&p1, &in, &r, NULL);
		serving_add_latency_net(&r, &d, in.timeout, in.net_latency, 3, h1);
		serving_add_latency_deferred(&r, &d, in.timeout, in.net_latency, 3, h2, &df);
		if (t == 2)
			CHECK(hist_count(h2) == 0);	/* held: same knots */
	}
	serving_deferred_flush(&df, h2);
	CHECK(hist_count(h1) > 1000);
	CHECK_NEAR(hist_count(h2), hist_count(h1), 1e-9 * hist_count(h1));
	CHECK_NEAR(hist_mean(h2), hist_mean(h1), 1e-9 * hist_mean(h1));
	CHECK(h2->min == h1->min && h2->max == h1->max);
	for (int b = 0; b < HIST_NBUCKETS; b++)
		if (fabs(h2->bucket[b] - h1->bucket[b]) > 1e-9 * (h1->bucket[b] + 1e-300))
			FAILF("bucket %d: %.17g vs %.17g", b, h2->bucket[b], h1->bucket[b]);
	static const double lv[] = { 0.5, 0.9, 0.99, 0.999 };
	for (int k = 0; k < 4; k++)
		CHECK_NEAR(hist_quantile(h2, lv[k]), hist_quantile(h1, lv[k]),
		    1e-9 * hist_quantile(h1, lv[k]));
	/* An empty flush adds nothing. */
	double n = hist_count(h2);
	serving_deferred_flush(&df, h2);
	CHECK(hist_count(h2) == n);
	free(h1);
	free(h2);
}

/* A small deterministic generator for the randomized cases: [0, 1). */
static double
urand(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1.0p-53;
}

/*
 * The counts of a tick without a histogram (serving_step, h == NULL) take
 * a part that the timeout does not cut in closed form: against the same
 * tick walked through the histogram's loop (h != NULL), random
 * distributions, loads (stable, near saturation, overload with fluid
 * phases), timeouts that cut or not and network latencies give the same
 * ok, timed-out and started counts to the bit and the same latency sum
 * within 1e-12.
 */
static void
test_uncut_closed_form(void)
{
	static const double scvs[] = { 0, 0.3, 1, 2.5, 4 };
	struct serving_dist *d = xmalloc(sizeof *d);
	struct hist *h = hist_new();
	uint64_t st = 42;
	int fast = 0, cut = 0, bad = 0;
	for (int c = 0; c < 5; c++) {
		char *cause = NULL;
		CHECK_INT(serving_dist_init(d, 0.01 + 0.2 * urand(&st), scvs[c], &cause), 0);
		for (int t = 0; t < 400; t++) {
			int conc = 1 + (int)(urand(&st) * 16);
			double rho = 1.4 * urand(&st);
			struct serving_tick in = { .dt = 1, .concurrency = conc, .dist = d,
				.offered = rho * conc / d->mean,
				.timeout = d->mean * 30 * urand(&st),
				.net_latency = urand(&st) < 0.5 ? 0.01 * urand(&st) : 0,
				.stretch = urand(&st) < 0.3 ? 1 + urand(&st) : 0,
				.queue_limit = urand(&st) < 0.2 ? 50 : 0 };
			struct serving_pod p1, p2;
			serving_pod_init(&p1);
			serving_pod_init(&p2);
			p1.backlog = p2.backlog = urand(&st) < 0.3 ? 40 * urand(&st) : 0;
			struct serving_result r1, r2;
			serving_step(&p1, &in, &r1, NULL);
			serving_step(&p2, &in, &r2, h);
			double top = r1.smean * d->sq[SERVING_NLEV - 1] + in.net_latency;
			if (in.timeout > 0 && top > in.timeout)
				cut++;
			else
				fast++;
			if (r1.ok != r2.ok || r1.timed_out != r2.timed_out ||
			    r1.started != r2.started ||
			    !(fabs(r1.latency_sum - r2.latency_sum) <=
			    1e-12 * fabs(r2.latency_sum))) {
				if (bad++ < 5)
					FAILF("scv %g tick %d: ok %.17g/%.17g timed out %.17g/%.17g "
					    "latency sum %.17g/%.17g", scvs[c], t, r1.ok, r2.ok,
					    r1.timed_out, r2.timed_out, r1.latency_sum,
					    r2.latency_sum);
			} else {
				PASS();
			}
		}
	}
	CHECK(fast > 500 && cut > 200);		/* both paths taken */
	free(d);
	free(h);
}

/*
 * hist_add_pwl_acc against hist_add_pwl: knots that drift a little from
 * call to call (the same end buckets, densities held), jump (new end
 * buckets, held density spread), are cut by a limit, shifted, start below
 * HIST_MIN or reach the overflow; after the flush the same histogram within
 * 1e-9 per bucket, count, sum, min and max. A copy flushed into another
 * histogram adds what the original would, and leaves the original's.
 */
static void
test_hist_acc(void)
{
	enum { N = 12 };
	static const double lev[N] = { 0, .01, .05, .2, .4, .5, .7, .9, .99, .999, .99999, 1 };
	struct hist *h1 = hist_new(), *h2 = hist_new(), *h3 = hist_new();
	struct hist_acc *acc = xcalloc(1, sizeof *acc);
	uint64_t st = 7;
	double base[N], x[N];
	for (int k = 0; k < N; k++)
		base[k] = 0.02 * -log1p(-lev[k] * 0.999999) + (k == N - 1 ? 0.05 : 0);
	double scale = 1;
	for (int t = 0; t < 600; t++) {
		double r = urand(&st);
		if (r < 0.05)
			scale = 0.1 + 3 * urand(&st);		/* a jump */
		else if (r < 0.07)
			scale = 1e-6 * urand(&st);		/* below HIST_MIN */
		else if (r < 0.08)
			scale = 4e4 * (1 + urand(&st));		/* into the overflow */
		else
			scale *= 1 + 0.002 * (urand(&st) - 0.5);	/* a drift */
		for (int k = 0; k < N; k++)
			x[k] = base[k] * scale;
		double w = 1e3 * urand(&st), shift = urand(&st) < 0.5 ? 0.003 : 0;
		double limit = urand(&st) < 0.3 ? x[N - 2] * urand(&st) : 0;
		double s1 = 0, s2 = 0;
		double a1 = hist_add_pwl(h1, x, lev, N, w, shift, limit, &s1);
		double a2 = hist_add_pwl_acc(h2, acc, x, lev, N, w, shift, limit, &s2);
		if (a1 != a2 || s1 != s2)
			FAILF("call %d: kept %.17g/%.17g, sum %.17g/%.17g", t, a1, a2, s1, s2);
		if (t == 300) {
			/* A copy flushed elsewhere: the original keeps its own. */
			struct hist_acc *cp = xmalloc(sizeof *cp);
			*cp = *acc;
			hist_merge(h3, h2);
			hist_acc_flush(h3, cp);
			free(cp);
			double tot = h3->under + h3->over;
			for (int i = 0; i < HIST_NBUCKETS; i++)
				tot += h3->bucket[i];
			check_rel("flushed copy's total", tot, hist_count(h1), 1e-9);
		}
	}
	hist_acc_flush(h2, acc);
	check_rel("acc count", hist_count(h2), hist_count(h1), 1e-12);
	check_rel("acc mean", hist_mean(h2), hist_mean(h1), 1e-12);
	CHECK(h1->min == h2->min && h1->max == h2->max);
	check_rel("acc under", h2->under, h1->under, 1e-9);
	check_rel("acc over", h2->over, h1->over, 1e-9);
	CHECK(h1->under > 0 && h1->over > 0);
	int bad = 0;
	double top = 0;
	for (int b = 0; b < HIST_NBUCKETS; b++)
		top = h1->bucket[b] > top ? h1->bucket[b] : top;
	for (int b = 0; b < HIST_NBUCKETS; b++)
		if (!(fabs(h2->bucket[b] - h1->bucket[b]) <= 1e-9 * h1->bucket[b] + 1e-13 * top) &&
		    bad++ < 5)
			FAILF("acc bucket %d: %.17g vs %.17g", b, h2->bucket[b], h1->bucket[b]);
	CHECK_INT(bad, 0);
	/* Flushed: a second flush adds nothing. */
	memcpy(h3, h2, sizeof *h3);
	hist_acc_flush(h2, acc);
	CHECK(memcmp(h3, h2, sizeof *h3) == 0);
	free(acc);
	free(h1);
	free(h2);
	free(h3);
}

/*
 * The deferred latency under a slowly varying load (a diurnal ramp, the
 * wait rate changing every tick, as the cohorts of a Service see it) and
 * a change of replicas midway: the waited part goes through the
 * accumulator (hist_add_pwl_acc); after the flush the histogram is the
 * per-tick one within 1e-9 per bucket.
 */
static void
test_deferred_drift(void)
{
	struct serving_dist d;
	char *cause = NULL;
	CHECK_INT(serving_dist_init(&d, 0.02, 1, &cause), 0);
	struct hist *h1 = hist_new(), *h2 = hist_new();
	struct serving_deferred df;
	memset(&df, 0, sizeof df);
	struct serving_pod p1;
	serving_pod_init(&p1);
	for (int t = 0; t < 900; t++) {
		double load = 100 + 60 * sin(t / 150.0) + (t >= 450 ? 40 : 0);
		struct serving_tick in = { .dt = 1, .offered = load, .concurrency = 4,
		    .dist = &d, .timeout = 2, .net_latency = 0.001 };
		struct serving_result r;
		serving_step(&p1, &in, &r, NULL);
		serving_add_latency_net(&r, &d, in.timeout, in.net_latency, 5, h1);
		serving_add_latency_deferred(&r, &d, in.timeout, in.net_latency, 5, h2, &df);
	}
	serving_deferred_flush(&df, h2);
	check_rel("drift count", hist_count(h2), hist_count(h1), 1e-12);
	check_rel("drift mean", hist_mean(h2), hist_mean(h1), 1e-12);
	CHECK(h2->min == h1->min && h2->max == h1->max);
	int bad = 0;
	for (int b = 0; b < HIST_NBUCKETS; b++)
		if (!(fabs(h2->bucket[b] - h1->bucket[b]) <= 1e-9 * h1->bucket[b]) && bad++ < 5)
			FAILF("drift bucket %d: %.17g vs %.17g", b, h2->bucket[b], h1->bucket[b]);
	CHECK_INT(bad, 0);
	free(h1);
	free(h2);
}

/*
 * serving_tick.stretch (a CPU limit, a busy node, a slow release): a tick
 * with service times stretched by k is the tick of a distribution of k
 * times the mean, in every figure, latencies included; with a timeout and
 * in overload too. M/M/1 at half speed: mean response 1 / (mu/2 - lambda).
 */
static void
test_stretch(void)
{
	char *cause = NULL;
	struct serving_dist *d = xmalloc(sizeof *d), *d2 = xmalloc(sizeof *d2);
	CHECK_INT(serving_dist_init(d, 0.05, 1, &cause), 0);
	serving_dist_rescale(d2, d, 0.1);
	struct hist *h1 = hist_new(), *h2 = hist_new();
	const double loads[] = { 5, 12, 30 };	/* rho .5, 1.2 and 3 at half speed */
	for (int i = 0; i < 3; i++) {
		struct serving_pod p1, p2;
		serving_pod_init(&p1);
		serving_pod_init(&p2);
		hist_reset(h1);
		hist_reset(h2);
		struct serving_tick a = { .dt = 1, .offered = loads[i], .concurrency = 1,
			.timeout = 2, .dist = d, .stretch = 2 };
		struct serving_tick b = a;
		b.dist = d2;
		b.stretch = 0;
		struct serving_result r1, r2;
		for (int t = 0; t < 5; t++) {
			serving_step(&p1, &a, &r1, h1);
			serving_step(&p2, &b, &r2, h2);
		}
		CHECK_NEAR(r1.ok, r2.ok, 1e-9);
		CHECK_NEAR(r1.timed_out, r2.timed_out, 1e-9);
		CHECK_NEAR(r1.backlog, r2.backlog, 1e-9);
		CHECK_NEAR(r1.busy_frac, r2.busy_frac, 1e-12);
		CHECK_NEAR(r1.smean, 0.1, 1e-15);
		check_rel("stretched mean latency", hist_mean(h1), hist_mean(h2), 1e-12);
	}
	/* M/M/1, mu = 10/s after the stretch, lambda = 5/s: 1 / (10 - 5). */
	struct serving_pod p;
	serving_pod_init(&p);
	hist_reset(h1);
	struct serving_tick in = { .dt = 1, .offered = 5, .concurrency = 1, .dist = d,
		.stretch = 2 };
	struct serving_result r;
	serving_step(&p, &in, &r, h1);
	check_rel("M/M/1 at half speed", r.latency_sum / r.ok, 0.2, 0.005);
	check_rel("M/M/1 at half speed, histogram", hist_mean(h1), 0.2, 0.01);
	free(h1);
	free(h2);
	free(d);
	free(d2);
}

/* serving_step_memo gives serving_step's result and pod state bit for bit,
 * through a sequence that repeats inputs (hits), changes the offered load,
 * the backlog (overload), the wait factor and the mean (misses). */
static void
test_memo(void)
{
	char *cause = NULL;
	struct serving_dist *d = xmalloc(sizeof *d);
	CHECK_INT(serving_dist_init(d, 0.02, 1, &cause), 0);
	struct serving_memo memo = { 0 };
	struct serving_pod direct, memoized;
	serving_pod_init(&direct);
	serving_pod_init(&memoized);
	const double offered[] = { 100, 100, 100, 500, 500, 500, 500, 100, 100, 0, 0, 250 };
	int n = (int)(sizeof offered / sizeof offered[0]);
	for (int t = 0; t < 3 * n; t++) {
		if (t == n)
			d->wait_factor = 0.7;
		if (t == 2 * n)
			serving_dist_rescale(d, d, 0.03);
		struct serving_tick in = { .dt = 1, .offered = offered[t % n], .concurrency = 8,
			.timeout = 2, .dist = d };
		struct serving_result r1, r2;
		serving_step(&direct, &in, &r1, NULL);
		serving_step_memo(&memo, &memoized, &in, &r2);
		CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
		CHECK(direct.backlog == memoized.backlog && direct.busy == memoized.busy);
	}
	/* a repeated input with the backlog of an overload still pending
	 * is a miss: the result differs from the memo's */
	struct serving_tick in = { .dt = 1, .offered = 600, .concurrency = 8, .timeout = 2,
		.dist = d };
	struct serving_result r1, r2;
	serving_step_memo(&memo, &memoized, &in, &r1);
	serving_step_memo(&memo, &memoized, &in, &r2);
	CHECK(memoized.backlog > 0);
	CHECK(r2.backlog != r1.backlog);
	free(d);
}

/* Every bucket outside the range in use [lo, hi] is 0. */
static bool
hist_range_ok(const struct hist *h)
{
	for (int i = 0; i < HIST_NBUCKETS; i++)
		if ((i < h->lo || i > h->hi) && h->bucket[i] != 0)
			return false;
	return true;
}

/* hist_quantile as it was before the range in use: a walk over every
 * bucket (hist.c's constants: log(HIST_MIN), log(HIST_RATIO)). */
static double
ref_quantile(const struct hist *h, double q)
{
	if (!(h->count > 0))
		return 0;
	if (!(q > 0))
		return h->min;
	if (q >= 1)
		return h->max;
	double target = q * h->count, cum = h->under;
	if (cum >= target)
		return h->min;
	for (int i = 0; i < HIST_NBUCKETS; i++) {
		if (h->bucket[i] <= 0)
			continue;
		cum += h->bucket[i];
		if (cum >= target) {
			double v = exp(-13.815510557964274 + ((double)i + 0.5) *
			    0.01980262729617973);
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* hist_acc_flush's spreading as it was first written: the highest knot
 * below each bucket found by a walk beside it. */
static void
ref_acc_flush(struct hist *h, const struct hist_acc *acc)
{
	int n = acc->n;
	const int *ks = acc->knot;
	if (n < 2 || ks[0] < 0 || ks[n - 1] >= HIST_NBUCKETS)
		return;
	double lo = hist_upper(ks[0]);
	int k = 0;
	for (int i = ks[0] + 1; i <= ks[n - 1]; i++) {
		while (k + 1 < n && ks[k + 1] < i)
			k++;
		double up = i == ks[n - 1] ? hist_upper(ks[n - 1]) : lo * HIST_RATIO;
		h->bucket[i] += acc->dens[k] * (up - lo);
		lo = up;
	}
}

/*
 * The range of buckets in use (hist.h: lo, hi) through every kind of add,
 * merge and clear: no bucket outside it is ever non-zero; quantiles read
 * over it (one at a time or several in one walk) are those of a walk over
 * every bucket, to the bit; hist_acc_flush spreads to the bit what a walk
 * beside the buckets does; hist_clear leaves the histogram hist_reset
 * makes, and a cleared histogram filled again equals a fresh one filled
 * the same way.
 */
static void
test_hist_range(void)
{
	enum { N = 12 };
	static const double lev[N] = { 0, .01, .05, .2, .4, .5, .7, .9, .99, .999, .99999, 1 };
	static const double qv[] = { 0, 1e-6, 0.001, 0.1, 0.5, 0.5, 0.95, 0.99, 0.999, 0.9999999, 1 };
	enum { NQ = sizeof qv / sizeof qv[0] };
	struct hist *h = hist_new(), *fresh = hist_new(), *run = hist_new(), *ref = hist_new();
	struct hist_acc *acc = xcalloc(1, sizeof *acc);
	uint64_t st = 11;
	CHECK(h->lo > h->hi);
	double out[NQ];
	hist_quantiles(h, qv, NQ, out);
	for (int k = 0; k < NQ; k++)
		CHECK(out[k] == 0);
	int bad = 0;
	for (int round = 0; round < 40; round++) {
		/* a few adds of each kind, at a scale that moves round to round */
		double scale = round % 9 == 4 ? 1e-7 : round % 11 == 7 ? 5e3 :
		    0.001 + 2 * urand(&st);
		struct hist *tgt = round % 2 ? h : fresh;
		hist_clear(tgt);
		if (memcmp(tgt, ref, sizeof *ref) != 0 && bad++ < 5)
			FAILF("round %d: a cleared histogram differs from a reset one", round);
		for (int a = 0; a < 6; a++) {
			double x[N];
			for (int k = 0; k < N; k++)
				x[k] = scale * 0.02 * -log1p(-lev[k] * 0.999999) *
				    (1 + 0.01 * a);
			if (a % 2)	/* the last two knots in one bucket */
				x[N - 1] = x[N - 2] * 1.005;
			double w = 1 + 100 * urand(&st);
			/* every fourth round through the accumulator alone */
			switch (round % 4 == 3 ? 4 : (round + a) % 5) {
			case 0:
				hist_add(tgt, scale * urand(&st), w);
				break;
			case 1:
				hist_add_uniform(tgt, scale * 0.1 * urand(&st), scale * (0.2 + urand(&st)), w);
				break;
			case 2:
				hist_add_pwl(tgt, x, lev, N, w, 0.001 * urand(&st), 0, NULL);
				break;
			default:
				hist_add_pwl_acc(tgt, acc, x, lev, N, w, 0, 0, NULL);
				break;
			}
		}
		struct hist *was = xmalloc(sizeof *was);
		*was = *tgt;
		ref_acc_flush(was, acc);
		hist_acc_flush(tgt, acc);
		if (memcmp(was->bucket, tgt->bucket, sizeof was->bucket) != 0 && bad++ < 5)
			FAILF("round %d: the flush differs from the walk beside it", round);
		free(was);
		if (!hist_range_ok(tgt) && bad++ < 5)
			FAILF("round %d: a bucket outside [%d, %d] is not 0", round, tgt->lo, tgt->hi);
		hist_quantiles(tgt, qv, NQ, out);
		for (int k = 0; k < NQ; k++) {
			double one = hist_quantile(tgt, qv[k]), all = ref_quantile(tgt, qv[k]);
			if (!(out[k] == one && one == all) && bad++ < 5)
				FAILF("round %d q%g: %.17g in one walk, %.17g alone, %.17g over "
				    "every bucket", round, qv[k], out[k], one, all);
		}
		hist_merge(run, tgt);
		if (!hist_range_ok(run) && bad++ < 5)
			FAILF("round %d: the merged histogram's range misses a bucket", round);
		/* merged and cleared in one pass: as merged, then cleared */
		struct hist *src = xmalloc(sizeof *src), *dst = xmalloc(sizeof *dst);
		*src = *tgt;
		*dst = *run;
		hist_merge(dst, tgt);
		hist_merge_clear(run, src);
		if ((memcmp(dst, run, sizeof *dst) != 0 || memcmp(src, ref, sizeof *ref) != 0) &&
		    bad++ < 5)
			FAILF("round %d: hist_merge_clear is not merge then clear", round);
		*run = *dst;
		free(src);
		free(dst);
	}
	CHECK_INT(bad, 0);
	/* Quantiles not in ascending order: each as hist_quantile's. */
	static const double down[] = { 0.99, 0.5, 0.95, 0.01 };
	double o4[4];
	hist_quantiles(run, down, 4, o4);
	for (int k = 0; k < 4; k++)
		CHECK(o4[k] == hist_quantile(run, down[k]));
	/* A cleared histogram filled again: the same bytes as a fresh one. */
	hist_clear(h);
	hist_reset(fresh);
	for (int i = 0; i < 100; i++) {
		double v = 1e-4 * pow(1.05, i);
		hist_add(h, v, 1 + i % 3);
		hist_add(fresh, v, 1 + i % 3);
	}
	CHECK(memcmp(h, fresh, sizeof *h) == 0);
	free(h);
	free(fresh);
	free(run);
	free(ref);
	free(acc);
}

/*
 * A dist that reads another's tables (serving_dist_share) against a copy
 * of them (serving_dist_rescale), both at a new mean: the same steps, the
 * same latency histograms through every composition (per tick, net,
 * deferred and flushed), to the bit; and a share of a share reads the
 * first tables.
 */
static void
test_dist_share(void)
{
	static const double scvs[] = { 0, 0.5, 1, 3 };
	struct serving_dist *d = xmalloc(sizeof *d), *cp = xmalloc(sizeof *cp),
	    *sh = xmalloc(sizeof *sh), *sh2 = xmalloc(sizeof *sh2);
	struct hist *h[2] = { hist_new(), hist_new() };
	struct serving_deferred *df = xcalloc(2, sizeof *df);
	uint64_t st = 7;
	int bad = 0;
	for (int c = 0; c < 4; c++) {
		char *cause = NULL;
		CHECK_INT(serving_dist_init(d, 0.02, scvs[c], &cause), 0);
		double mean = 0.005 + 0.1 * urand(&st);
		serving_dist_rescale(cp, d, mean);
		serving_dist_share(sh, d, mean);
		serving_dist_share(sh2, sh, mean);
		CHECK(sh->tables == d && sh2->tables == d && cp->tables == NULL);
		struct serving_dist *ds[2] = { cp, c % 2 ? sh2 : sh };
		struct serving_pod pod[2];
		serving_pod_init(&pod[0]);
		serving_pod_init(&pod[1]);
		for (int t = 0; t < 300; t++) {
			int conc = 1 + (int)(urand(&st) * 8);
			double rho = 1.3 * urand(&st), wf = 0.5 + urand(&st);
			double timeout = urand(&st) < 0.5 ? mean * 20 * urand(&st) : 0;
			double net = urand(&st) < 0.5 ? 0.01 * urand(&st) : 0, scale = 1 + t % 5;
			struct serving_result r[2];
			for (int k = 0; k < 2; k++) {
				ds[k]->wait_factor = wf;
				struct serving_tick in = { .dt = 1, .concurrency = conc, .dist = ds[k],
					.offered = rho * conc / mean, .timeout = timeout,
					.net_latency = net };
				serving_step(&pod[k], &in, &r[k], h[k]);
				serving_add_latency_net(&r[k], ds[k], timeout, net, scale, h[k]);
				serving_add_latency_deferred(&r[k], ds[k], timeout, net, scale, h[k],
				    &df[k]);
				if (t % 37 == 36)
					serving_deferred_flush(&df[k], h[k]);
			}
			r[0].y_dist = r[1].y_dist = NULL;
			if ((memcmp(&r[0], &r[1], sizeof r[0]) != 0 ||
			    memcmp(h[0], h[1], sizeof *h[0]) != 0) && bad++ < 5)
				FAILF("scv %g tick %d: the shared tables step or compose "
				    "differently", scvs[c], t);
		}
		for (int k = 0; k < 2; k++) {
			serving_deferred_flush(&df[k], h[k]);
			hist_clear(h[k]);
		}
	}
	CHECK_INT(bad, 0);
	free(d);
	free(cp);
	free(sh);
	free(sh2);
	free(h[0]);
	free(h[1]);
	free(df);
}

/*
 * The Y additions serving_add_latency_deferred holds back (serving_deferred
 * .held) against the same calls with every held one made at once
 * (serving_deferred_drain after each call: each where it was made before
 * they were held): wait rates that change call after call, service-time
 * changes (the S part's key), fluid phases (written at once), more changes
 * than the held ones fit, flushes at random: after each call, a copy of
 * the held additions made into a copy of the histogram (as a reader of it
 * does) must give the histogram and accumulator made at once, to the bit.
 */
static void
test_deferred_hold(void)
{
	struct serving_dist *d = xmalloc(sizeof *d);
	char *cause = NULL;
	CHECK_INT(serving_dist_init(d, 0.02, 1, &cause), 0);
	struct hist *h[2] = { hist_new(), hist_new() }, *cp = hist_new();
	struct serving_deferred *df = xcalloc(3, sizeof *df);
	struct serving_pod pod;
	serving_pod_init(&pod);
	uint64_t st = 13;
	int bad = 0, held = 0, phases = 0;
	for (int t = 0; t < 3000; t++) {
		/* a rate held for a few calls, now and then an overload */
		int conc = 8;
		double rho = (t / 3) % 11 == 7 ? 1.2 : 0.3 + 0.6 * urand(&st);
		if (t % 3 != 0)
			rho = 0.3 + 0.01 * (double)((t / 3) % 50);
		struct serving_tick in = { .dt = 1, .concurrency = conc, .dist = d,
			.offered = rho * conc / d->mean, .timeout = t % 200 < 100 ? 2 : 0,
			.stretch = (t / 97) % 3 == 2 ? 1.5 : 0 };
		struct serving_result r;
		serving_step(&pod, &in, &r, NULL);
		phases += r.nphase > 0;
		double scale = 1 + t % 4;
		for (int k = 0; k < 2; k++) {
			serving_add_latency_deferred(&r, d, in.timeout, 0, scale, h[k], &df[k]);
			if (k == 1)
				serving_deferred_drain(&df[k], h[k]);
		}
		held += df[0].nheld > 0;
		if (t % 173 == 100 || t == 2999)
			for (int k = 0; k < 2; k++) {
				serving_deferred_flush(&df[k], h[k]);
				if (t % 2)
					hist_clear(h[k]);
			}
		/* what is held, made in a copy of the histogram (as a reader
		 * does): the histogram and accumulator made at once */
		df[2] = df[0];
		*cp = *h[0];
		serving_deferred_drain(&df[2], cp);
		if ((memcmp(cp, h[1], sizeof *cp) != 0 ||
		    memcmp(&df[2].acc, &df[1].acc, sizeof df[2].acc) != 0) && bad++ < 5)
			FAILF("tick %d: held back and made at once differ", t);
	}
	CHECK_INT(bad, 0);
	CHECK(held > 500 && phases > 50);	/* both kinds of call */
	free(d);
	free(h[0]);
	free(h[1]);
	free(cp);
	free(df);
}

/*
 * A part flushed at the interval and keyed by the next tick with the same
 * key keeps its knots (serving_pending.known): the histogram is the one
 * made with the knots computed afresh at every keying, when the wait rate
 * comes back to earlier values, holds move part 1's knots along the ring
 * and a stretch changes part 0's; KS_INTERVAL_VERIFY's check passes.
 */
static void
test_deferred_known(void)
{
	struct serving_dist *d = xmalloc(sizeof *d);
	char *cause = NULL;
	CHECK_INT(serving_dist_init(d, 0.02, 1, &cause), 0);
	struct hist *h[2] = { hist_new(), hist_new() };
	struct serving_deferred *df = xcalloc(2, sizeof *df);
	df[0].verify_knots = true;
	struct serving_pod pod;
	serving_pod_init(&pod);
	int bad = 0, reused = 0;
	for (int t = 0; t < 2000; t++) {
		/* rates from a few, held for a few ticks; a stretch now and then */
		static const double rhos[4] = { 0.35, 0.5, 0.62, 0.5 };
		struct serving_tick in = { .dt = 1, .concurrency = 8, .dist = d,
			.offered = rhos[(t / 3) % 4] * 8 / d->mean, .timeout = 2,
			.stretch = (t / 50) % 4 == 3 ? 1.25 : 0 };
		struct serving_result r;
		serving_step(&pod, &in, &r, NULL);
		for (int k = 0; k < 2; k++)
			reused += df[0].part[k].known && !df[0].part[k].set;
		/* the plain way: no knots kept */
		df[1].part[0].known = df[1].part[1].known = false;
		for (int k = 0; k < 2; k++)
			serving_add_latency_deferred(&r, d, in.timeout, 0.001, 2, h[k], &df[k]);
		if (t % 5 == 4 || t % 7 == 0) {
			for (int k = 0; k < 2; k++)
				serving_deferred_flush(&df[k], h[k]);
			if (memcmp(h[0], h[1], sizeof *h[0]) != 0 && bad++ < 5)
				FAILF("tick %d: knots kept and computed afresh differ", t);
		}
	}
	CHECK_INT(bad, 0);
	CHECK(reused > 300);
	free(d);
	free(h[0]);
	free(h[1]);
	free(df);
}

/*
 * hist_quantiles_merge_clear against hist_quantiles then hist_merge_clear:
 * histograms with weight below and above the buckets, negative slivers
 * from the accumulator's rounding, empty ones, and level sets it walks
 * itself (ascending in (0, 1), repeated levels) or hands to the two calls;
 * levels that a running sum meets exactly or all but.
 */
static void
test_hist_quantiles_merge_clear(void)
{
	static const double sets[][4] = {
		{ 0.5, 0.95, 0.99, 0 }, { 0.001, 0.5, 0.5, 0.9999999 }, { 1e-9, 0.3, 0.6, 0.9 },
		{ 0.99, 0.5, 0.95, 0.01 }, { 0, 0.5, 0.9, 1 }, { 0.2, 0.4, 0.6, 0.8 },
	};
	struct hist *src = hist_new(), *dst = hist_new(), *s2 = hist_new(), *d2 = hist_new();
	uint64_t st = 29;
	int bad = 0;
	for (int round = 0; round < 300; round++) {
		hist_clear(src);
		int nadd = round % 13 == 5 ? 0 : 1 + (int)(urand(&st) * 40);
		double scale = pow(10, -6 + 9 * urand(&st));
		for (int a = 0; a < nadd; a++) {
			double v = scale * urand(&st);
			hist_add(src, round % 7 == 3 && a == 0 ? 1e-8 : v, 0.5 + urand(&st));
			if (round % 5 == 2)
				hist_add(src, 5000 + urand(&st), urand(&st));
		}
		if (src->lo <= src->hi && round % 3 == 1)
			src->bucket[src->lo + (src->hi - src->lo) / 2] = -1e-17;
		const double *q = sets[round % 6];
		int n = round % 6 == 0 ? 3 : 4;
		if (round % 17 == 8)
			n = 0;
		double o1[4] = { 0 }, o2[4] = { 0 };
		*s2 = *src;
		*d2 = *dst;
		hist_quantiles(s2, q, n, o2);
		hist_merge_clear(d2, s2);
		hist_quantiles_merge_clear(dst, src, q, n, o1);
		if ((memcmp(o1, o2, sizeof o1) != 0 || memcmp(src, s2, sizeof *src) != 0 ||
		    memcmp(dst, d2, sizeof *dst) != 0) && bad++ < 5)
			FAILF("round %d: not hist_quantiles then hist_merge_clear (%.17g %.17g)",
			    round, o1[0], o2[0]);
	}
	/* levels the running sum meets exactly (whole weights: the sums are
	 * exact), and levels a hair above and below such a sum: the sums by
	 * blocks cannot tell these, the walk does */
	for (int round = 0; round < 200; round++) {
		hist_clear(src);
		int nb = 1 + (int)(urand(&st) * 300);
		for (int a = 0; a < nb; a++)
			hist_add(src, 1e-5 * pow(HIST_RATIO, a * (1 + round % 3)), 1 + round % 2);
		double nudge = round % 4 == 1 ? 1 + 1e-15 : round % 4 == 2 ? 1 - 1e-15 : 1;
		double q[3] = { 0.5 * nudge, 0.95 * nudge, 0.99 };
		double o1[3], o2[3];
		*s2 = *src;
		*d2 = *dst;
		hist_quantiles(s2, q, 3, o2);
		hist_merge_clear(d2, s2);
		hist_quantiles_merge_clear(dst, src, q, 3, o1);
		if ((memcmp(o1, o2, sizeof o1) != 0 || memcmp(src, s2, sizeof *src) != 0 ||
		    memcmp(dst, d2, sizeof *dst) != 0) && bad++ < 5)
			FAILF("tie round %d: not hist_quantiles then hist_merge_clear (%.17g %.17g)",
			    round, o1[0], o2[0]);
	}
	CHECK_INT(bad, 0);
	free(src);
	free(dst);
	free(s2);
	free(d2);
}

/*
 * hist_add_pwl's walk over the buckets by multiplied bounds, which skips
 * the check against the end of the array below HIST_CHAIN_SAFE: one
 * segment at every scale up to and past the last bucket against the walk
 * with the check at every step.
 */
static void
test_hist_pwl_walk(void)
{
	static const double lev[2] = { 0, 1 };
	struct hist *h = hist_new(), *ref = hist_new();
	uint64_t st = 31;
	int bad = 0;
	for (int round = 0; round < 400; round++) {
		double b = pow(10, -5 + 9.6 * urand(&st)), a = b * (0.2 + 0.79 * urand(&st));
		double w = 0.1 + 10 * urand(&st), x[2] = { a, b };
		hist_clear(h);
		hist_clear(ref);
		hist_add_pwl(h, x, lev, 2, w, 0, 0, NULL);
		/* the reference: hist_add_pwl's one segment, checked steps */
		double m = w * (lev[1] - lev[0]), dens = m / (b - a);
		ref->count += m;
		ref->sum += m * (m * 0.5 * (a + b) / m);
		ref->min = a;
		ref->max = b;
		int i = hist_index(a);
		double xx = a, up = i >= HIST_NBUCKETS ? INFINITY : hist_upper(i);
		if (i < HIST_NBUCKETS) {
			int i0 = i;
			while (up < b) {
				ref->bucket[i] += dens * (up - xx);
				xx = up;
				if (++i >= HIST_NBUCKETS)
					break;
				up *= HIST_RATIO;
			}
			ref->lo = i0;
			ref->hi = i < HIST_NBUCKETS ? i : HIST_NBUCKETS - 1;
			if (i < HIST_NBUCKETS)
				ref->bucket[i] += dens * (b - xx);
			else
				ref->over += dens * (b - xx);
		} else {
			ref->over += dens * (b - xx);
		}
		if ((memcmp(h->bucket, ref->bucket, sizeof h->bucket) != 0 || h->over != ref->over ||
		    h->lo != ref->lo || h->hi != ref->hi) && bad++ < 5)
			FAILF("round %d: [%.9g, %.9g] walked differently", round, a, b);
	}
	CHECK_INT(bad, 0);
	free(h);
	free(ref);
}

int
main(void)
{
	test_memo();
	test_deferred_latency();
	test_deferred_drift();
	test_uncut_closed_form();
	test_hist_acc();
	test_hist_uniform();
	test_hist_exponential();
	test_hist_merge();
	test_hist_edges();
	test_hist_range();
	test_dist_share();
	test_deferred_hold();
	test_hist_quantiles_merge_clear();
	test_hist_pwl_walk();
	test_deferred_known();
	test_erlang();
	test_steady_state();
	test_general_service();
	test_overload();
	test_dead_and_empty();
	test_rate_independent_cost();
	test_stretch();
	return tl_finish();
}
