/*
 * test_validation.c - the two traffic fidelities validated (issue #5):
 * (a) request mode against closed-form M/M/c (Erlang C) by batch means over
 *     several seeds: the 99% confidence intervals of the mean response time
 *     and of P(W > t) contain the theoretical values;
 * (b) fluid mode against request mode on whole-cluster scenarios
 *     (tests/data/validation/): mean and p99 latency within 10%, error
 *     ratio within 0.5 percentage points;
 * (c) Little's law L = lambda W in both modes on every scenario of (b).
 * Prints the tables of measured values (docs/validation.md quotes them).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>

#include "models/cluster/cluster.h"
#include "models/serving/request.h"
#include "models/serving/serving.h"
#include "scenarios/scenario.h"
#include "sim/build.h"
#include "sim/engine/engine.h"
#include "tests/testlib.h"
#include "workloads/burst.h"
#include "workloads/traffic.h"

/* ---- (a) request mode against Erlang C -------------------------------------- */

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

struct mmc_case {
	int	c;
	double	rho;
	long	requests;	/* per seed, after the warm-up */
	int	seeds;
};

/* Batch means: each seed's run after a warm-up is cut into NBATCH batches
 * of equal simulated time; the batch means of all seeds are taken as
 * independent (batches last >= 50 relaxation times of the queue, see the
 * table), and the 99% interval is mean +- t(.995, n-1) sd / sqrt(n). */
#define NBATCH	10

struct ci {
	double	mean, half;
	double	lag1;		/* lag-1 autocorrelation of the batch means */
};

static struct ci
ci_of(const double *x, int n)
{
	struct ci r = { 0, 0, 0 };
	for (int i = 0; i < n; i++)
		r.mean += x[i];
	r.mean /= n;
	double v = 0, a = 0;
	for (int i = 0; i < n; i++)
		v += (x[i] - r.mean) * (x[i] - r.mean);
	for (int i = 1; i < n; i++)
		a += (x[i] - r.mean) * (x[i - 1] - r.mean);
	r.lag1 = v > 0 ? a / v : 0;
	v /= n - 1;
	r.half = gsl_cdf_tdist_Pinv(0.995, n - 1) * sqrt(v / n);
	return r;
}

static void
mmc_run(const struct mmc_case *k, double *rmeans, double *pws, long *nreq)
{
	const double s = 0.01;			/* mean service time, s */
	double lambda = k->rho * k->c / s;
	double theta = k->c / s - lambda;	/* wait decay rate */
	sim_ns tw = sim_s_to_ns(1.0 / theta);	/* P(W > t) at t = 1/theta */
	double dur = (double)k->requests / lambda;
	/* Warm-up: 20 relaxation times s / (c (1 - sqrt(rho))^2), at least
	 * 1000 mean service times. */
	double relax = s / (k->c * (1 - sqrt(k->rho)) * (1 - sqrt(k->rho)));
	double warm = 20 * relax > 1000 * s ? 20 * relax : 1000 * s;
	*nreq = 0;
	for (int seed = 0; seed < k->seeds; seed++) {
		struct sim *sim = sim_new();
		uint32_t pod = 0;
		uint32_t *ids = &pod;
		size_t n = 1;
		struct rq_params p = {
			.name = "mmc", .seed = (uint64_t)seed + 1,
			.service_time = sim_dist_exp(s), .concurrency = k->c,
			.lb = RQ_LB_ROUND_ROBIN, .rate = const_rate,
			.rate_max = const_rate_max, .rate_ctx = &lambda,
			.wait_threshold = tw,
		};
		struct rq_service *r = rq_new(sim, &p, NULL);
		rq_set_endpoints(r, &ids, &n, NULL);
		sim_ns t0 = sim_s_to_ns(warm), len = sim_s_to_ns(dur / NBATCH);
		rq_start(r, 0, t0 + NBATCH * len);
		sim_run(sim, t0);
		struct rq_stats a, b;
		rq_get_stats(r, &a);
		for (int bi = 0; bi < NBATCH; bi++) {
			sim_run(sim, t0 + (bi + 1) * len);
			rq_get_stats(r, &b);
			double nok = (double)(b.ok - a.ok);
			double nst = (double)(b.started - a.started);
			rmeans[seed * NBATCH + bi] = (b.latency_sum - a.latency_sum) / nok;
			pws[seed * NBATCH + bi] = (double)(b.waited_over - a.waited_over) / nst;
			*nreq += (long)(b.arrivals - a.arrivals);
			a = b;
		}
		rq_free(r);
		sim_free(sim);
	}
}

static void
test_erlang_c(void)
{
	/* Runs long enough for 99% intervals of about 1-3% at rho .95 (the
	 * asymptotic variance of the mean wait grows as (1 - rho)^-4); c = 64
	 * waits little (P_W 0.006-0.6), so fewer requests reach the same
	 * relative precision of the response time, which service dominates. */
	static const struct mmc_case cases[] = {
		{ 1, 0.50, 1000000, 4 }, { 1, 0.80, 1500000, 4 }, { 1, 0.95, 3000000, 4 },
		{ 4, 0.50, 1000000, 4 }, { 4, 0.80, 1500000, 4 }, { 4, 0.95, 3000000, 4 },
		{ 16, 0.50, 1000000, 4 }, { 16, 0.80, 1500000, 4 }, { 16, 0.95, 3000000, 4 },
		{ 64, 0.50, 600000, 3 }, { 64, 0.80, 800000, 3 }, { 64, 0.95, 2000000, 3 },
	};
	printf("(a) request mode vs M/M/c (Erlang C): mean service 10 ms, batch means "
	    "(%d batches per seed), 99%% CI\n", NBATCH);
	printf("| c | rho | requests | E[R] theory ms | E[R] sim ms (99%% CI) | "
	    "P(W>t) theory | P(W>t) sim (99%% CI) | lag-1 | in CI |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct mmc_case *k = &cases[i];
		double rm[NBATCH * 4], pw[NBATCH * 4];
		long nreq;
		mmc_run(k, rm, pw, &nreq);
		int nb = NBATCH * k->seeds;
		const double s = 0.01;
		double a = k->rho * k->c;
		double C = serving_erlang_c(k->c, a);
		double er = s + C * s / (k->c * (1 - k->rho));
		double pt = C * exp(-1.0);	/* t = 1 / (c mu - lambda) */
		struct ci cr = ci_of(rm, nb), cp = ci_of(pw, nb);
		bool ok_r = fabs(cr.mean - er) <= cr.half;
		bool ok_p = fabs(cp.mean - pt) <= cp.half;
		if (cp.half == 0) {
			/* M/M/64 at rho .5 waits with probability 1e-7: no batch
			 * sees a wait, so the interval degenerates; check the
			 * count against Poisson(expected) at 99% instead. */
			double m = pt * (double)nreq;
			unsigned cnt = (unsigned)llround(cp.mean * (double)nreq);
			ok_p = gsl_cdf_poisson_P(cnt, m) > 0.005 &&
			    (cnt == 0 || gsl_cdf_poisson_Q(cnt - 1, m) > 0.005);
		}
		printf("| %d | %.2f | %ld | %.4f | %.4f +- %.4f | %.3g | %.3g +- %.2g | %.2f | %s |\n",
		    k->c, k->rho, nreq, er * 1e3, cr.mean * 1e3, cr.half * 1e3, pt, cp.mean,
		    cp.half, cr.lag1, ok_r && ok_p ? "yes" : "NO");
		if (ok_r)
			PASS();
		else
			FAILF("M/M/%d rho %.2f: mean response %.6f s, 99%% CI +-%.6f, theory %.6f",
			    k->c, k->rho, cr.mean, cr.half, er);
		if (ok_p)
			PASS();
		else
			FAILF("M/M/%d rho %.2f: P(W>t) %.6f, 99%% CI +-%.6f, theory %.6f",
			    k->c, k->rho, cp.mean, cp.half, pt);
	}
}

/* ---- (b) fluid against request mode, (c) Little's law ------------------------ */

static int
run_mode(const char *path, const char *mode, struct cl_serve_stats *st, double *wall,
    double *idc)
{
	struct scn_override ov = { "trafficMode", mode };
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(path, &ov, 1, &s, &cause) < 0) {
		FAILF("%s: %s", path, cause);
		free(cause);
		return -1;
	}
	/* The arrivals' index of dispersion at the final rate (an MMPP's
	 * counts vary more than Poisson's; 1 otherwise). */
	const struct scn_profile *pf = &s->profiles[0];
	*idc = pf->traffic != NULL ? wl_burst_idc(&pf->burst,
	    wl_rate(pf->traffic, s->duration - 1), INFINITY) : 1;
	struct sim *sim = sim_new();
	struct cluster *c = build_cluster(sim, s, NULL, &cause);
	if (c == NULL) {
		FAILF("%s: %s", path, cause);
		free(cause);
		sim_free(sim);
		scn_free(s);
		return -1;
	}
	clock_t t0 = clock();
	cl_start(c);
	sim_run(sim, s->duration);
	cl_finish(c);
	*wall = (double)(clock() - t0) / CLOCKS_PER_SEC;
	cl_serve_stats(c, 0, st);
	cl_free(c);
	sim_free(sim);
	scn_free(s);
	return 0;
}

static double
err_ratio(const struct cl_serve_stats *st)
{
	double n = st->ok + st->errors + st->timeouts;
	return n > 0 ? (st->errors + st->timeouts) / n : 0;
}

static void
test_fluid_vs_request(void)
{
	static const char *const names[] = { "steady50", "steady80", "steady95", "step",
		"spike", "overload", "trace", "mmpp", NULL };
	printf("\n(b) fluid vs request mode (tests/data/validation/): latency of ok "
	    "requests, error ratio = (errors + timeouts) / requests\n");
	printf("| scenario | requests | mean ms request | mean ms fluid | diff | "
	    "p99 ms request | p99 ms fluid | diff | errors %% request | errors %% fluid "
	    "| diff pp |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	double lt[16][2][3];
	for (int i = 0; names[i] != NULL; i++) {
		char rel[256];
		snprintf(rel, sizeof rel, "tests/data/validation/%s.yaml", names[i]);
		struct cl_serve_stats rq, fl;
		double wr, wf, idc;
		if (run_mode(tl_src(rel), "request", &rq, &wr, &idc) < 0 ||
		    run_mode(tl_src(rel), "fluid", &fl, &wf, &idc) < 0)
			continue;
		CHECK(rq.mode == CL_TRAFFIC_REQUEST && fl.mode == CL_TRAFFIC_FLUID);
		double dm = fl.latency_mean / rq.latency_mean - 1;
		double dp = fl.latency_p99 / rq.latency_p99 - 1;
		double de = (err_ratio(&fl) - err_ratio(&rq)) * 100;
		printf("| %s | %.0f | %.2f | %.2f | %+.1f%% | %.1f | %.1f | %+.1f%% | "
		    "%.3f | %.3f | %+.3f |\n", names[i], rq.offered, rq.latency_mean * 1e3,
		    fl.latency_mean * 1e3, dm * 100, rq.latency_p99 * 1e3,
		    fl.latency_p99 * 1e3, dp * 100, err_ratio(&rq) * 100,
		    err_ratio(&fl) * 100, de);
		if (fabs(dm) <= 0.10)
			PASS();
		else
			FAILF("%s: mean latency fluid %.4f s vs request %.4f s (%+.1f%%)",
			    names[i], fl.latency_mean, rq.latency_mean, dm * 100);
		if (fabs(dp) <= 0.10)
			PASS();
		else
			FAILF("%s: p99 latency fluid %.4f s vs request %.4f s (%+.1f%%)",
			    names[i], fl.latency_p99, rq.latency_p99, dp * 100);
		if (fabs(de) <= 0.5)
			PASS();
		else
			FAILF("%s: error ratio fluid %.3f%% vs request %.3f%%", names[i],
			    err_ratio(&fl) * 100, err_ratio(&rq) * 100);
		/* Offered load: request mode's arrivals are a Poisson draw of
		 * fluid's expected count (4 sd; an MMPP's variance is its index
		 * of dispersion times the mean). */
		if (fabs(rq.offered - fl.offered) <= 4 * sqrt(idc * fl.offered))
			PASS();
		else
			FAILF("%s: %.0f arrivals, %.0f expected", names[i], rq.offered,
			    fl.offered);
		const struct cl_serve_stats *m[2] = { &rq, &fl };
		for (int k = 0; k < 2; k++) {
			lt[i][k][0] = m[k]->l_avg;
			lt[i][k][1] = m[k]->admitted_rate;
			lt[i][k][2] = m[k]->w_mean;
		}
	}
	printf("\n(c) Little's law, L = time-average requests in the pods, lambda = "
	    "admitted requests / s, W = mean time in the pod\n");
	printf("| scenario | mode | L | lambda | W ms | lambda W | |L - lambda W| / L |\n");
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (int i = 0; names[i] != NULL; i++) {
		for (int k = 0; k < 2; k++) {
			double L = lt[i][k][0], lw = lt[i][k][1] * lt[i][k][2];
			double rel = L > 0 ? fabs(L - lw) / L : 1;
			printf("| %s | %s | %.3f | %.2f | %.2f | %.3f | %.4f%% |\n", names[i],
			    k == 0 ? "request" : "fluid", L, lt[i][k][1], lt[i][k][2] * 1e3,
			    lw, rel * 100);
			/* Requests still in the pods at the end (a few of a million)
			 * are in L but not yet in W: 1%. */
			if (rel <= 0.01)
				PASS();
			else
				FAILF("%s %s: L %.4f, lambda W %.4f", names[i],
				    k == 0 ? "request" : "fluid", L, lw);
		}
	}
}

int
main(int argc, char **argv)
{
	bool only_b = argc > 1 && strcmp(argv[1], "b") == 0;
	if (!only_b)
		test_erlang_c();
	test_fluid_vs_request();
	return tl_finish();
}
