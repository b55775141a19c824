/*
 * serving.c - the fluid serving model of one pod, advanced per tick.
 *
 * Model. A pod has c slots (concurrency) and a FIFO queue. Within a tick of
 * length dt, requests arrive at the constant rate lambda = A / dt (Poisson
 * arrivals assumed for the stochastic part), service times are i.i.d. with
 * mean s and squared coefficient of variation scv (a gamma distribution;
 * scv = 1 exponential, 0 deterministic). Capacity is C = c / s requests/s.
 *
 * Two regimes.
 *  1. Stable (no backlog and rho = lambda s / c < 1): the queue is taken to
 *     be in its M/G/c steady state. The probability of waiting is Erlang C,
 *     P_W = C(c, a = lambda s) [Erlang 1917; Kleinrock, Queueing Systems I,
 *     1975, sec. 3.5], and the wait of those who wait is exponential with
 *     rate (C - lambda), so P(W > t) = P_W exp(-(c/s - lambda) t), exact for
 *     M/M/c. For non-exponential service the Allen-Cunneen approximation
 *     [Allen, Probability, Statistics and Queueing Theory, 1978, after Allen
 *     & Cunneen 1976; Whitt, "Approximations for the GI/G/m queue", Prod.
 *     Oper. Mgmt 2(2), 1993] scales the waiting time by (1 + scv) / 2
 *     (Poisson arrivals: ca^2 = 1), keeping P_W and the exponential shape.
 *     With a queue limit L, a fraction P(Nq >= L) = P_W rho^L (M/M/c queue
 *     length given waiting is geometric) is rejected; the wait distribution
 *     is not truncated (an approximation for small L).
 *  2. Fluid (a backlog is carried over, or rho >= 1): a deterministic fluid
 *     queue [Newell, Applications of Queueing Theory, 1982, ch. 2; Kleinrock,
 *     Queueing Systems II, 1976, ch. 2]. All slots are busy, the backlog B
 *     drains at C and grows by (lambda - C) dt. A request served while the
 *     backlog is B waited B / C (its virtual waiting time). The backlog is
 *     capped by the queue limit (excess arrivals are rejected) and by C T
 *     (requests that would wait beyond the timeout T abandon: they count as
 *     timed out, leave the backlog, and consume no service). When the backlog
 *     drains to zero inside the tick and rho < 1, the rest of the tick is
 *     regime 1. The piecewise-linear backlog gives at most 3 fluid phases.
 *     Held at the cap, served requests wait the cap minus an exponential gap
 *     (M/M/c+D, M/M/c/K; see serving_fluid), not the cap exactly.
 * Load balancing (serving_tick.choices, wait_factor): a balancer that sends
 * each request to the less loaded of d pods shortens the queues; regime 1
 * then takes P_W and the mean wait from the power-of-d mean field
 * (serving_pod_of_d) instead of Erlang C. The caller sets wait_factor to
 * (ca^2 + scv) / 2 for the per-pod arrival variability ca^2 of its policy
 * (serving_wait_factor). Bursty arrivals (an MMPP, workloads/burst.h) enter
 * the same term: ca^2 is then the asymptotic index of dispersion of the
 * counts a pod sees, 1 + (I - 1) / n for 1/n of a stream of index I [Whitt,
 * "The queueing network analyzer", Bell Sys. Tech. J. 62(9), 1983, the
 * asymptotic method]. The rate itself stays the expected one: a heavy-
 * traffic approximation, good when bursts are short against the time the
 * queue takes to drain, pessimistic when bursts are long (the queue then
 * sees each level's own steady state); see docs/validation.md.
 * A request whose wait + service exceeds T is timed out (the client gave up)
 * but its service work was done. A dead pod fails its arrivals and backlog;
 * requests in service at the moment of death were already counted in an
 * earlier tick (the fluid model completes a request in the tick it starts).
 * A pod with c = 0 serves nothing: with a timeout everything times out,
 * without one the backlog grows up to the queue limit.
 *
 * Latency distribution. Response time R = W + S. For each service
 * distribution serving_dist_init tabulates, once, the quantiles of S and of
 * Y = S + Exp(beta) (the response time of those who wait, in units of s,
 * beta = theta s) at 36 probability levels refined in the tail (.01 ... .9,
 * .925, ..., .99, .995, .999, .9999, .99999), for 49 values of beta from
 * 10^-3 to 10^3. Y's CDF is computed on a fine grid by convolving 1120
 * quantile atoms of S with the exponential (exact up to the atoms'
 * resolution); the top knot is set so the tail keeps its conditional mean.
 * A tick interpolates Y's quantiles in log beta (of z = Y beta/(1+beta),
 * which tends to S for large beta and to Exp/beta for small beta) and adds
 * (1 - P_W) S + P_W Y to the histogram as piecewise-linear CDFs (uniform
 * segments between knots), truncated at T. A fluid phase adds 4 wait points
 * x S. Timeouts are decided on the same representation (abandonment in
 * regime 1 is P_W exp(-theta T) exactly), so ok counts equal histogram
 * weights. Quantiles carry the linear-interpolation error between knots
 * plus the bucket error: against M/M/c closed forms (c = 1, 4, 16; rho = .5,
 * .8, .95) p50, p90 and p99 are within 1.5% and the mean within 0.3%
 * (tests/test_serving.c). Cost per tick, independent of the request rate:
 * O(1) without a histogram or timeout (about 0.07 us); with a timeout, a
 * pass over 2 x 35 (regime 1) or 4 x 35 per fluid phase segments (0.3 us);
 * with a histogram also one step per bucket spanned, a few hundred (about
 * 1 us). Erlang C is O(c) and cached per pod on (c, a).
 *
 * Regime boundary: at rho -> 1 regime 1 predicts the steady-state wait
 * P_W s / (c (1 - rho)), which a real queue only reaches after a long
 * transient, while regime 2 starts from the current backlog; the model is
 * therefore pessimistic just below rho = 1 and optimistic just above it.
 *
 * CPU (serving_tick.stretch): a pod held back by its CPU limit (the CFS
 * quota) or by its share of a busy node serves as fewer, slower slots; the
 * caller (models/cluster/cpu.c) passes those slots as the concurrency and
 * the slowdown as stretch, and every service time of the tick, its
 * quantiles (the tables are in units of the mean) included, is stretched.
 *
 * Utilization: busy_frac = served work / (c dt); the caller derives CPU as
 * idle + started_rate x cpu_per_request.
 *
 * Not modelled: transient build-up of the stochastic queue (regime 1 jumps to
 * steady state each tick), abandonment's relief of the stable queue
 * (Erlang A), retries (the caller adds them to the offered load).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/util/util.h"
#include "models/serving/serving.h"

/* Probability levels of the quantile tables. */
static const double serving_lev[SERVING_NLEV] = {
	0, .01, .02, .05, .1, .15, .2, .25, .3, .35, .4, .45, .5, .55, .6, .65,
	.7, .75, .8, .85, .9, .925, .95, .96, .97, .98, .985, .99, .9925, .995,
	.9975, .999, .9995, .9999, .99999, 1
};
/* Below every difference of two levels in a row (the least: 1e-5). */
#define SERVING_LEV_DMIN	1e-6

/* Fine atoms of S per level interval, and points of the Y grid. */
#define SERVING_SUB	32
#define SERVING_NFINE	((SERVING_NLEV - 1) * SERVING_SUB)
#define SERVING_NGRID	4000

/* Backlogs below this many requests are empty (rounding). */
#define SERVING_EPS	1e-9

double
serving_erlang_b(int c, double a)
{
	if (!(a > 0))
		return c >= 0 ? 0 : 1;
	if (c < 1)
		return 1;
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / ((double)k + a * b);
	return b;
}

double
serving_erlang_c(int c, double a)
{
	if (!(a > 0))
		return 0;
	if (c < 1 || a >= (double)c)
		return 1;
	double b = serving_erlang_b(c, a);
	double rho = a / (double)c;
	double pw = b / (1 - rho * (1 - b));
	return pw > 1 ? 1 : pw;
}

/* s_0 of the backward recursion from s_c = x (see serving.h); fills s. */
static double
serving_mf_back(int c, double a, int d, double x, double *s)
{
	s[c] = x;
	double tail = 0;		/* sum_{j=k+1..c} s_j */
	for (int k = c; k >= 1; k--) {
		double v = ((double)k * s[k] + tail) / a;
		s[k - 1] = d == 1 ? v : pow(v, 1.0 / d);
		tail += s[k];
		if (s[k - 1] > 2)
			return s[k - 1];	/* already too large */
	}
	return s[0];
}

void
serving_pod_of_d(int c, double a, int d, double *pw, double *wq)
{
	*pw = *wq = 0;
	if (!(a > 0) || c < 1)
		return;
	if (a >= c) {
		*pw = 1;
		*wq = INFINITY;
		return;
	}
	if (d < 1)
		d = 1;
	double *s = xcalloc((size_t)c + 1, sizeof *s);
	double lo = 0, hi = 1;
	for (int it = 0; it < 100 && hi - lo > 1e-15 * hi; it++) {
		double mid = 0.5 * (lo + hi);
		if (serving_mf_back(c, a, d, mid, s) > 1)
			hi = mid;
		else
			lo = mid;
	}
	double sc = 0.5 * (lo + hi), rho = a / c, sk = sc, lq = 0;
	for (int k = c + 1; k < c + 100000; k++) {
		sk = rho * pow(sk, (double)d);
		lq += sk;
		if (sk < 1e-15 * (lq > 0 ? lq : 1))
			break;
	}
	free(s);
	*pw = pow(sc, (double)d);
	*wq = lq / a;		/* Little: Lq / lambda, lambda = a / s */
}

/* The quantile of S / s at p (gamma with shape 1/scv, mean 1). */
static double
serving_sinv(double scv, double p)
{
	if (scv < 1e-9)
		return 1;
	if (p <= 0)
		return 0;
	if (scv == 1)
		return -log1p(-p);
	return gsl_cdf_gamma_Pinv(p, 1 / scv, scv);
}

/* The top knot of S: q + 2 (E[S | S > q] - q), keeping the tail mean. */
static double
serving_stop(double scv, double q, double p)
{
	if (scv < 1e-9)
		return 1;
	if (scv == 1)
		return q + 2;
	double tail = gsl_cdf_gamma_Q(q, 1 / scv + 1, scv) / (1 - p);
	return 2 * tail - q;
}

/*
 * Tabulates z = Y_q beta / (1 + beta) for Y = S + Exp(beta): Y's CDF on a
 * geometric grid, F(y) = sum_{s_i <= y} w_i (1 - exp(-beta (y - s_i))),
 * accumulated in one pass over the sorted atoms.
 */
static void
serving_ytable(struct serving_dist *d, int jb, const double *atom,
    const double *aw, int natom, double *yg, double *fg)
{
	double beta = pow(10, -3 + jb / 8.0);
	double ylo = d->sq[1] < 0.01005 / beta ? d->sq[1] : 0.01005 / beta;
	ylo *= 1e-3;
	if (ylo < 1e-12)
		ylo = 1e-12;
	double yhi = serving_sinv(d->scv, 1 - 1e-9) + 21 / beta;
	double ratio = pow(yhi / ylo, 1.0 / (SERVING_NGRID - 1));
	double wsum = 0, g = 0, yprev = 0;
	int ia = 0;
	double ygeo = ylo;
	for (int i = 0; i < SERVING_NGRID; i++, ygeo *= ratio) {
		double y = i == SERVING_NGRID - 1 ? yhi : ygeo;
		g *= exp(-beta * (y - yprev));
		while (ia < natom && atom[ia] <= y) {
			wsum += aw[ia];
			g += aw[ia] * exp(-beta * (y - atom[ia]));
			ia++;
		}
		yg[i] = y;
		fg[i] = wsum - g;
		if (i > 0 && fg[i] < fg[i - 1])
			fg[i] = fg[i - 1];
		yprev = y;
	}
	double *z = d->zq[jb], scale = beta / (1 + beta);
	int j = 0;
	z[0] = d->sq[0] * scale;
	double q = 0;
	for (int k = 1; k < SERVING_NLEV - 1; k++) {
		double p = serving_lev[k];
		while (j < SERVING_NGRID - 1 && fg[j] < p)
			j++;
		if (j == 0 || fg[j] < p) {
			q = yg[j];
		} else {
			double f = (p - fg[j - 1]) / (fg[j] - fg[j - 1]);
			q = yg[j - 1] + f * (yg[j] - yg[j - 1]);
		}
		z[k] = q * scale;
		if (z[k] < z[k - 1])
			z[k] = z[k - 1];
	}
	/* Top knot: q + 2 E[Y - q | Y > q] = q + 2 int_q^inf (1 - F) / (1 - p). */
	double p = serving_lev[SERVING_NLEV - 2], integ = 0, x = q, sx = 1 - p;
	for (int i = 0; i < SERVING_NGRID; i++) {
		if (yg[i] <= q)
			continue;
		double si = 1 - fg[i];
		integ += 0.5 * (sx + si) * (yg[i] - x);
		x = yg[i];
		sx = si;
	}
	integ += sx / beta;		/* the exponential tail beyond the grid */
	z[SERVING_NLEV - 1] = (q + 2 * integ / (1 - p)) * scale;
	if (z[SERVING_NLEV - 1] < z[SERVING_NLEV - 2])
		z[SERVING_NLEV - 1] = z[SERVING_NLEV - 2];
}

/* The mean of the piecewise-linear distribution of knots x at the levels. */
static double
serving_knots_mean(const double *x)
{
	double m = 0;
	for (int k = 0; k + 1 < SERVING_NLEV; k++)
		m += (serving_lev[k + 1] - serving_lev[k]) * 0.5 * (x[k] + x[k + 1]);
	return m;
}

double
serving_wait_factor(double ca2, double scv)
{
	return (ca2 + scv) / 2;
}

int
serving_dist_init(struct serving_dist *d, double mean, double scv,
    char **cause)
{
	if (!isfinite(mean) || !(mean > 0)) {
		*cause = xasprintf("service time mean must be a positive number of seconds, got %g", mean);
		return -1;
	}
	if (!isfinite(scv) || !(scv >= 0) || scv > SERVING_SCV_MAX) {
		*cause = xasprintf("service time scv must be in [0, %g], got %g",
		    SERVING_SCV_MAX, scv);
		return -1;
	}
	memset(d, 0, sizeof *d);
	d->mean = mean;
	d->scv = scv;
	d->wait_factor = serving_wait_factor(1, scv);
	for (int k = 0; k < SERVING_NLEV - 1; k++)
		d->sq[k] = serving_sinv(scv, serving_lev[k]);
	d->sq[SERVING_NLEV - 1] = serving_stop(scv, d->sq[SERVING_NLEV - 2],
	    serving_lev[SERVING_NLEV - 2]);

	double *atom = xcalloc(SERVING_NFINE, sizeof *atom);
	double *aw = xcalloc(SERVING_NFINE, sizeof *aw);
	double *yg = xcalloc(SERVING_NGRID, sizeof *yg);
	double *fg = xcalloc(SERVING_NGRID, sizeof *fg);
	int natom = 0;
	if (scv < 1e-9) {
		atom[0] = 1;
		aw[0] = 1;
		natom = 1;
	} else {
		for (int k = 0; k < SERVING_NLEV - 1; k++) {
			double pa = serving_lev[k], pb = serving_lev[k + 1];
			for (int i = 0; i < SERVING_SUB; i++) {
				double w = (pb - pa) / SERVING_SUB;
				atom[natom] = serving_sinv(scv, pa + (i + 0.5) * w);
				aw[natom++] = w;
			}
		}
	}
	for (int jb = 0; jb < SERVING_NBETA; jb++) {
		serving_ytable(d, jb, atom, aw, natom, yg, fg);
		d->zq_mean[jb] = serving_knots_mean(d->zq[jb]);
	}
	d->sq_mean = serving_knots_mean(d->sq);
	free(atom);
	free(aw);
	free(yg);
	free(fg);
	return 0;
}

void
serving_dist_rescale(struct serving_dist *d, const struct serving_dist *src,
    double mean)
{
	KS_ASSERT(mean > 0 && isfinite(mean));
	if (d != src)
		*d = *src;
	d->mean = mean;
}

void
serving_dist_share(struct serving_dist *d, const struct serving_dist *src,
    double mean)
{
	KS_ASSERT(mean > 0 && isfinite(mean) && d != src);
	/* the scalars only: d's tables are never read (nor written, so that
	 * zeroed memory for them stays untouched) */
	d->mean = mean;
	d->scv = src->scv;
	d->wait_factor = src->wait_factor;
	d->tables = src->tables != NULL ? src->tables : src;
}

/* The dist whose tables d reads. */
static inline const struct serving_dist *
serving_tab(const struct serving_dist *d)
{
	return d->tables != NULL ? d->tables : d;
}

void
serving_pod_init(struct serving_pod *p)
{
	memset(p, 0, sizeof *p);
	p->ec_c = -1;
}

static double
serving_pw(struct serving_pod *pod, int c, double a)
{
	if (pod->ec_c != c || pod->ec_a != a) {
		pod->ec_c = c;
		pod->ec_a = a;
		pod->ec_pw = serving_erlang_c(c, a);
	}
	return pod->ec_pw;
}

/* The wait at probability level u of a phase's requests. */
static double
serving_phase_wait(const struct serving_phase *ph, double u)
{
	if (ph->xr > 0) {
		double g = -log1p(u * expm1(-ph->xr * ph->w1)) / ph->xr;
		return ph->w1 - g > 0 ? ph->w1 - g : 0;
	}
	return ph->w0 + (ph->w1 - ph->w0) * u;
}

/* The mean wait of a phase's requests. */
static double
serving_phase_mean(const struct serving_phase *ph)
{
	if (ph->xr > 0) {
		double x = ph->xr * ph->w1;
		/* E[gap] = 1/xr - w1 / (e^x - 1), w1 / 2 as x -> 0 */
		double g = x < 1e-6 ? ph->w1 / 2 : 1 / ph->xr - ph->w1 / expm1(x);
		return ph->w1 - g;
	}
	return 0.5 * (ph->w0 + ph->w1);
}

/* Sums produced by one walk over the latency representation. */
struct serving_walk {
	double	ok;
	double	late;		/* wait + service > T, served */
	double	abandoned;	/* wait > T in the stable part, not served */
	double	lat_sum;
};

/* Where wait rate theta falls in the Y tables (interpolated in log beta):
 * row j, fraction f towards row j + 1, and the factor from z to seconds. */
static void
serving_ycoord(double mean, double theta, int *jp, double *fp, double *unscale)
{
	double beta = theta * mean;
	double u = (log10(beta) + 3) * 8;
	int j;
	double f;
	if (!(u > 0)) {
		j = 0;
		f = 0;
	} else if (u >= SERVING_NBETA - 1) {
		j = SERVING_NBETA - 2;
		f = 1;
	} else {
		j = (int)u;
		f = u - j;
	}
	*jp = j;
	*fp = f;
	*unscale = (1 + beta) / beta * mean;
}

/* serving_ycoord for res's wait rate: the coordinates serving_step kept,
 * or computed. Always inlined, its results stored field by field: loaded
 * 16 bytes at a time across its two 8-byte stores, as a struct on the
 * stack copied whole was, they wait for every store before them
 * (pending_key's, to lines that may still be coming) to reach the cache. */
static inline __attribute__((always_inline)) void
serving_ycoord_of(const struct serving_result *res, double mean, int *j,
    double *f, double *unscale)
{
	if (res->y_dist != NULL && res->y_rate == res->st_rate && res->y_mean == mean) {
		*j = res->y_j;
		*f = res->y_f;
		*unscale = res->y_unscale;
		return;
	}
	serving_ycoord(mean, res->st_rate, j, f, unscale);
}

/* Knot k of Y in seconds at those coordinates. */
static inline double
serving_yknot(const struct serving_dist *d, int j, double f, double unscale, int k)
{
	const struct serving_dist *t = serving_tab(d);
	return ((1 - f) * t->zq[j][k] + f * t->zq[j + 1][k]) * unscale;
}

/* Y's knots in seconds at those coordinates. */
static void
serving_yknots(const struct serving_dist *d, int j, double f, double unscale,
    double *restrict y)
{
	/* serving_yknot's expression, the rows looked up once; y is apart
	 * from the tables (restrict), so the knots are computed two at a
	 * time (SSE2: each lane the scalar operations, the same bits) */
	const struct serving_dist *t = serving_tab(d);
	const double *restrict z0 = t->zq[j], *restrict z1 = t->zq[j + 1];
	for (int k = 0; k < SERVING_NLEV; k++)
		y[k] = ((1 - f) * z0[k] + f * z1[k]) * unscale;
}

/*
 * hist_add_pwl(NULL, x, serving_lev, SERVING_NLEV, w, shift, T, sum) for
 * knots x of mean xm when x's top knot + shift is within T (or T <= 0):
 * nothing is cut, so the weight kept is summed as there (the same rounding:
 * ok counts, and the timeouts derived from them, do not move) and the sum
 * of the latencies is w (xm + shift), in closed form.
 */
static double
serving_count_uncut(double w, double xm, double shift, double *sum)
{
	double added = 0;
	/* unrolled, the level differences are constants (each above
	 * SERVING_LEV_DMIN); when w times the least of them is positive so
	 * is every m (rounding is monotonic), and the tests go */
	if (w * SERVING_LEV_DMIN > 0) {
#pragma GCC unroll 40
		for (int k = 0; k + 1 < SERVING_NLEV; k++)
			added += w * (serving_lev[k + 1] - serving_lev[k]);
	} else {
#pragma GCC unroll 40
		for (int k = 0; k + 1 < SERVING_NLEV; k++) {
			double m = w * (serving_lev[k + 1] - serving_lev[k]);
			if (m > 0)
				added += m;
		}
	}
	*sum += w * (xm + shift);
	return added;
}

/*
 * Walks the latency representation of res: counts ok / late / abandoned
 * and, when h is not NULL, adds the ok response times with weight
 * n * scale (scale > 0).
 */
static void
serving_walk(const struct serving_result *res, const struct serving_dist *d,
    double timeout, double net, double scale, struct hist *h,
    struct serving_walk *wk)
{
	double xs[SERVING_NLEV], xy[SERVING_NLEV];
	double T = timeout > 0 ? timeout : 0;
	double mean = res->smean > 0 ? res->smean : d->mean;
	/* Without a histogram, a part that T does not cut is counted in
	 * closed form (serving_count_uncut): only its top knot is needed. */
	const struct serving_dist *t = serving_tab(d);
	double stop = t->sq[SERVING_NLEV - 1] * mean, sxm = t->sq_mean * mean;
	bool xs_set = false;
	memset(wk, 0, sizeof *wk);
	if (res->st_n > 0) {
		double n0 = res->st_n * (1 - res->st_pw);
		double n1 = res->st_n * res->st_pw, sum = 0, ok;
		if (h == NULL && (!(T > 0) || stop + net <= T)) {
			ok = serving_count_uncut(n0 * scale, sxm, net, &sum);
		} else {
			for (int k = 0; k < SERVING_NLEV; k++)
				xs[k] = t->sq[k] * mean;
			xs_set = true;
			ok = hist_add_pwl(h, xs, serving_lev, SERVING_NLEV, n0 * scale,
			    net, T, &sum);
		}
		if (n1 > 0) {
			int j;
			double f, us;
			serving_ycoord_of(res, mean, &j, &f, &us);
			double ytop = serving_yknot(d, j, f, us, SERVING_NLEV - 1);
			if (h == NULL && (!(T > 0) || ytop + net <= T)) {
				double yxm = ((1 - f) * t->zq_mean[j] + f * t->zq_mean[j + 1]) * us;
				ok += serving_count_uncut(n1 * scale, yxm, net, &sum);
			} else {
				serving_yknots(d, j, f, us, xy);
				ok += hist_add_pwl(h, xy, serving_lev, SERVING_NLEV,
				    n1 * scale, net, T, &sum);
			}
		}
		ok /= scale;
		double ab = 0;
		if (T > 0)	/* the step's exp when it was for this T */
			ab = n1 * (res->st_decay_T == T && res->st_decay_rate == res->st_rate ?
			    res->st_decay : exp(-res->st_rate * T));
		if (ab > res->st_n - ok)
			ab = res->st_n - ok;
		if (ab < 0)
			ab = 0;
		wk->ok = ok;
		wk->abandoned = ab;
		wk->late = res->st_n - ok - ab > 0 ? res->st_n - ok - ab : 0;
		wk->lat_sum = sum / scale;
	}
	for (int p = 0; p < res->nphase; p++) {
		const struct serving_phase *ph = &res->phase[p];
		int npts = ph->w0 == ph->w1 && ph->xr == 0 ? 1 : SERVING_FLUID_PTS;
		double np = ph->n / npts;
		for (int k = 0; k < npts; k++) {
			double w = serving_phase_wait(ph, ((double)k + 0.5) / npts);
			double sum = 0, ok;
			if (h == NULL && (!(T > 0) || stop + (w + net) <= T)) {
				ok = serving_count_uncut(np * scale, sxm, w + net, &sum);
			} else {
				if (!xs_set)
					for (int i = 0; i < SERVING_NLEV; i++)
						xs[i] = t->sq[i] * mean;
				xs_set = true;
				ok = hist_add_pwl(h, xs, serving_lev, SERVING_NLEV,
				    np * scale, w + net, T, &sum);
			}
			ok /= scale;
			wk->ok += ok;
			wk->late += np - ok > 0 ? np - ok : 0;
			wk->lat_sum += sum / scale;
		}
	}
}

void
serving_add_latency(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double scale,
    struct hist *h)
{
	struct serving_walk wk;
	if (h != NULL && scale > 0)
		serving_walk(res, dist, timeout, 0, scale, h, &wk);
}

void
serving_add_latency_net(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency,
    double scale, struct hist *h)
{
	struct serving_walk wk;
	if (h != NULL && scale > 0)
		serving_walk(res, dist, timeout, net_latency > 0 ? net_latency : 0,
		    scale, h, &wk);
}

/* The slot of df->held after the newest held addition. */
static struct serving_held *
serving_held_next(struct serving_deferred *df)
{
	return &df->held[(df->first + df->nheld) % SERVING_HELD];
}

/* Y's knots at coordinates y into x. */
static const double *
serving_yknots_at(const struct serving_ycoords *y, double *x)
{
	serving_yknots(y->d, y->j, y->f, y->unscale, x);
	return x;
}

/* The knots of part k of df: part 0's own, part 1's computed into buf. */
static const double *
serving_pending_x(const struct serving_deferred *df, int k, double *buf)
{
	return k == 0 ? df->part[0].x : serving_yknots_at(&df->part[1].y, buf);
}

/* Adds what part k of df holds to h (through acc when not NULL, else
 * through a recorded walk of plans when not NULL) and empties it. */
static void
serving_pending_flush(struct serving_deferred *df, int k, struct hist *h,
    struct hist_acc *acc, struct hist_plans *plans)
{
	struct serving_pending *pp = &df->part[k];
	double buf[SERVING_NLEV];
	if (pp->set && pp->w > 0) {
		if (acc == NULL && plans != NULL)
			hist_add_pwl_planned(h, plans, serving_pending_x(df, k, buf), serving_lev,
			    SERVING_NLEV, pp->w, pp->net, pp->timeout, NULL);
		else
			hist_add_pwl_acc(h, acc, serving_pending_x(df, k, buf), serving_lev,
			    SERVING_NLEV, pp->w, pp->net, pp->timeout, NULL);
	}
	pp->set = false;
	pp->w = 0;
}

/* Adds weight w of part k (rate: the wait rate of Y, res->st_rate, 0 for
 * S) to df, flushing what it held when the knots differ. */
/* Whether part pp's key is (d, mean, rate, net, T), set or not. */
static bool
pending_key_is(const struct serving_pending *pp, const struct serving_dist *d, double mean,
    double rate, double net, double T)
{
	return pp->d == d && pp->mean == mean && pp->scv == d->scv && pp->rate == rate &&
	    pp->net == net && pp->timeout == T;
}

/* Whether part pp holds the knots of (d, mean, rate, net, T). */
static bool
pending_same(const struct serving_pending *pp, const struct serving_dist *d, double mean,
    double rate, double net, double T)
{
	return pp->set && pending_key_is(pp, d, mean, rate, net, T);
}

static void pending_key(struct serving_deferred *df, int k, const struct serving_dist *d,
    double mean, double rate, double net, double T, const struct serving_result *res);

/* The ring's slots in use from the oldest; part 1's knots stay in the
 * slot after them. */
void
serving_deferred_drain(struct serving_deferred *df, struct hist *h)
{
	for (int e = 0; e < df->nheld; e++) {
		const struct serving_held *hd = &df->held[(df->first + e) % SERVING_HELD];
		double x[SERVING_NLEV];
		hist_add_pwl_acc(h, &df->acc, serving_yknots_at(&hd->y, x), serving_lev,
		    SERVING_NLEV, hd->w, hd->net, hd->timeout, NULL);
	}
	df->first = (df->first + df->nheld) % SERVING_HELD;
	df->nheld = 0;
}

/* serving_pending_flush of the Y part into the accumulator, held back
 * (serving_deferred.held) with its knots' coordinates. */
static void
serving_hold(struct serving_deferred *df, struct hist *h)
{
	struct serving_pending *pp = &df->part[1];
	if (pp->set && pp->w > 0) {
		if (df->nheld == SERVING_HELD)
			serving_deferred_drain(df, h);
		struct serving_held *hd = serving_held_next(df);
		hd->w = pp->w;
		hd->net = pp->net;
		hd->timeout = pp->timeout;
		hd->y = pp->y;
		df->nheld++;
		/* (serving_defer keys it at once with another key) */
		pp->known = false;
	}
	pp->set = false;
	pp->w = 0;
}

static void
serving_defer(struct serving_deferred *df, int k, struct hist *h,
    const struct serving_dist *d, double mean, double rate, double net, double T,
    double w, const struct serving_result *res)
{
	struct serving_pending *pp = &df->part[k];
	if (pending_same(pp, d, mean, rate, net, T)) {
		pp->w += w;
		return;
	}
	if (k == 1) {
		serving_hold(df, h);
	} else {
		if (pp->set && pp->w > 0)
			serving_deferred_drain(df, h);	/* it writes to h */
		serving_pending_flush(df, 0, h, NULL, NULL);
	}
	pending_key(df, k, d, mean, rate, net, T, res);
	pp->w = w;
}

/* Part k of df holds the knots of (d, mean, rate, net, T) and no weight. */
static void
pending_key(struct serving_deferred *df, int k, const struct serving_dist *d, double mean,
    double rate, double net, double T, const struct serving_result *res)
{
	struct serving_pending *pp = &df->part[k];
	/* the knots of the same key again (a part flushed at the interval
	 * and keyed by its next tick): they are a function of the key */
	bool known = pp->known && pending_key_is(pp, d, mean, rate, net, T);
	pp->set = true;
	pp->known = true;
	pp->d = d;
	pp->mean = mean;
	pp->scv = d->scv;
	pp->rate = rate;
	pp->net = net;
	pp->timeout = T;
	pp->w = 0;
	if (known && !df->verify_knots)
		return;
	bool same = true;
	if (k == 0) {
		double fresh[SERVING_NLEV];
		double *to = known ? fresh : pp->x;
		for (int i = 0; i < SERVING_NLEV; i++)
			to[i] = serving_tab(d)->sq[i] * mean;
		same = !known || memcmp(fresh, pp->x, sizeof fresh) == 0;
	} else {
		int j;
		double f, unscale;
		serving_ycoord_of(res, mean, &j, &f, &unscale);
		if (!known) {	/* field by field (serving_ycoord_of) */
			pp->y.d = d;
			pp->y.j = j;
			pp->y.f = f;
			pp->y.unscale = unscale;
		} else {
			same = pp->y.d == d && pp->y.j == j &&
			    memcmp(&pp->y.f, &f, sizeof f) == 0 &&
			    memcmp(&pp->y.unscale, &unscale, sizeof unscale) == 0;
		}
	}
	if (!same) {
		fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: part %d's knots kept for its key "
		    "(mean %.17g, rate %.17g) are not the key's\n", k, mean, rate);
		abort();
	}
}

void
serving_add_latency_deferred(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency,
    double scale, struct hist *h, struct serving_deferred *df)
{
	if (h == NULL || !(scale > 0))
		return;
	double T = timeout > 0 ? timeout : 0, net = net_latency > 0 ? net_latency : 0;
	if (res->st_n > 0) {
		/* serving_walk's stable part, its weights kept */
		double n0 = res->st_n * (1 - res->st_pw), n1 = res->st_n * res->st_pw;
		double mean = res->smean > 0 ? res->smean : dist->mean;	/* stretched */
		serving_defer(df, 0, h, dist, mean, 0, net, T, n0 * scale, res);
		if (n1 > 0)
			serving_defer(df, 1, h, dist, mean, res->st_rate, net, T,
			    n1 * scale, res);
	}
	if (res->nphase > 0) {
		struct serving_result ph = *res;
		struct serving_walk wk;
		ph.st_n = 0;
		serving_deferred_drain(df, h);		/* it writes to h */
		serving_walk(&ph, dist, timeout, net, scale, h, &wk);
	}
}

bool
serving_deferred_hits(const struct serving_deferred *df, const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency, double scale,
    const struct hist *h, double w[2])
{
	w[0] = w[1] = -1;
	if (h == NULL || !(scale > 0))
		return true;
	if (res->nphase > 0)
		return false;
	if (!(res->st_n > 0))
		return true;
	/* serving_add_latency_deferred's arguments to serving_defer */
	double T = timeout > 0 ? timeout : 0, net = net_latency > 0 ? net_latency : 0;
	double n0 = res->st_n * (1 - res->st_pw), n1 = res->st_n * res->st_pw;
	double mean = res->smean > 0 ? res->smean : dist->mean;
	if (!pending_same(&df->part[0], dist, mean, 0, net, T))
		return false;
	w[0] = n0 * scale;
	if (n1 > 0) {
		if (!pending_same(&df->part[1], dist, mean, res->st_rate, net, T))
			return false;
		w[1] = n1 * scale;
	}
	return true;
}

void
serving_deferred_prime(struct serving_deferred *df, const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency, double scale,
    const struct hist *h)
{
	if (h == NULL || !(scale > 0) || res->nphase > 0 || !(res->st_n > 0))
		return;
	/* serving_add_latency_deferred's keys, as serving_defer sets them */
	double T = timeout > 0 ? timeout : 0, net = net_latency > 0 ? net_latency : 0;
	double n1 = res->st_n * res->st_pw;
	double mean = res->smean > 0 ? res->smean : dist->mean;
	for (int k = 0; k < 2; k++) {
		double rate = k == 0 ? 0 : res->st_rate;
		struct serving_pending *pp = &df->part[k];
		if ((k == 1 && !(n1 > 0)) || pending_same(pp, dist, mean, rate, net, T))
			continue;
		KS_ASSERT(!pp->set);
		pending_key(df, k, dist, mean, rate, net, T, res);
	}
}

void
serving_deferred_prefetch(const struct serving_deferred *df, const struct hist *h)
{
	for (const char *b = (const char *)df; b < (const char *)(df + 1); b += 64)
		__builtin_prefetch(b);
	hist_prefetch(h, h->lo, h->hi);
}

void
serving_deferred_flush_planned(struct serving_deferred *df, struct hist *h,
    struct hist_plans *plans)
{
	serving_deferred_drain(df, h);
	for (int k = 0; k < 2; k++)
		serving_pending_flush(df, k, h, k == 1 ? &df->acc : NULL, plans);
	hist_acc_flush(h, &df->acc);
}

/* The plain flush: no recorded walk, the accumulator's bounds multiplied
 * as it spreads them (hist_acc_flush_walk). */
void
serving_deferred_flush(struct serving_deferred *df, struct hist *h)
{
	serving_deferred_drain(df, h);
	for (int k = 0; k < 2; k++)
		serving_pending_flush(df, k, h, k == 1 ? &df->acc : NULL, NULL);
	hist_acc_flush_walk(h, &df->acc);
}

int
serving_latency_atoms(const struct serving_result *res)
{
	int n = 0;
	if (res->st_n > 0)
		n += (SERVING_NLEV - 1) * (res->st_pw > 0 ? 2 : 1);
	for (int p = 0; p < res->nphase; p++)
		n += (SERVING_NLEV - 1) * (res->phase[p].w0 == res->phase[p].w1 &&
		    res->phase[p].xr == 0 ? 1 : SERVING_FLUID_PTS);
	return n;
}

/* Adds a phase (xr: see struct serving_phase); returns its mean wait. */
static double
serving_phase_add(struct serving_result *res, double n, double w0, double w1,
    double xr)
{
	if (!(n > 0))
		return 0;
	KS_ASSERT(res->nphase < SERVING_MAX_PHASES);
	struct serving_phase *ph = &res->phase[res->nphase++];
	ph->n = n;
	ph->w0 = w0 > 0 ? w0 : 0;
	ph->w1 = w1 > 0 ? w1 : 0;
	ph->xr = xr > 0 ? xr : 0;
	double m = serving_phase_mean(ph);
	res->sojourn += n * m;
	return m;
}

/* Regime 1 for the last `span` seconds of the tick. */
static void
serving_stable(struct serving_pod *pod, const struct serving_tick *in,
    double lambda, double span, double qlimit, struct serving_result *res)
{
	const double s = res->smean;
	int c = in->concurrency;
	double n = lambda * span;
	if (!(n > 0))
		return;
	double a = lambda * s;
	double pw, th0;
	if (in->choices >= 2 && a < c) {
		if (pod->mf_c != c || pod->mf_a != a || pod->mf_d != in->choices) {
			pod->mf_c = c;
			pod->mf_a = a;
			pod->mf_d = in->choices;
			serving_pod_of_d(c, a, in->choices, &pod->mf_pw, &pod->mf_wq);
		}
		pw = pod->mf_pw;
		/* Exponential waits of those who wait, with the mean-field mean. */
		th0 = pod->mf_wq > 0 ? pw / (pod->mf_wq * s) : INFINITY;
	} else {
		pw = serving_pw(pod, c, a);
		th0 = (double)c / s - lambda;
	}
	if (isfinite(qlimit)) {
		double rej = n * pw * pow(a / c, qlimit);
		res->rejected += rej;
		n -= rej;
	}
	res->st_n = n;
	res->st_pw = pw;
	res->st_rate = th0 / in->dist->wait_factor;
	pod->busy = a < c ? a : c;
	/* Steady state over span: busy slots lambda' s for those served, and
	 * Lq = lambda' E[min(W, T)], W ~ P_W Exp(theta). */
	double th = res->st_rate, T = in->timeout;
	double ab = 0;
	if (T > 0) {
		res->st_decay = exp(-th * T);
		res->st_decay_rate = th;
		res->st_decay_T = T;
		ab = n * pw * res->st_decay;
	}
	double wait = pw * (T > 0 ? -expm1(-th * T) : 1) / th;
	double lam = n / span;
	res->occupancy += span * (lam * wait + (lam - ab / span) * s);
	res->sojourn += n * wait + (n - ab) * s;
}

/* Regime 2 (and the hand-over to regime 1); returns the busy seconds. */
static double
serving_fluid(struct serving_pod *pod, const struct serving_tick *in,
    double B, struct serving_result *res)
{
	double dt = in->dt, s = res->smean;
	double cap = (double)in->concurrency / s;
	double lambda = in->offered / dt;
	double kq = in->queue_limit > 0 ? in->queue_limit : INFINITY;
	double kt = in->timeout > 0 ? cap * in->timeout : INFINITY;
	double k = kq < kt ? kq : kt;
	double t = 0, busy = 0;

	if (B > kt) {
		res->abandoned += B - kt;
		res->sojourn += (B - kt) * in->timeout;
		B = kt;
	}
	for (int guard = 0; t < dt && guard < 8; guard++) {
		double rem = dt - t, h;
		if (B <= SERVING_EPS && lambda < cap) {
			B = 0;
			serving_stable(pod, in, lambda, rem, kq, res);
			t = dt;
			break;
		}
		if (B > kq + SERVING_EPS) {
			/* Over the queue limit: nothing admitted, drain. */
			double lim = (B - kq) / cap;
			h = rem < lim ? rem : lim;
			res->rejected += lambda * h;
			serving_phase_add(res, cap * h, B / cap, (B - cap * h) / cap, 0);
			double b1 = h == lim ? kq : B - cap * h;
			res->occupancy += h * (in->concurrency + 0.5 * (B + b1));
			B = b1;
		} else if (B >= k - SERVING_EPS && lambda >= cap) {
			/* At the cap: the excess is rejected or abandons. */
			h = rem;
			double excess = (lambda - cap) * h;
			if (kq <= kt)
				res->rejected += excess;
			else
				res->abandoned += excess;
			/*
			 * Held at the cap, the stochastic queue's virtual wait
			 * V is not k / C but spread below it: in M/M/c+D
			 * (patience T) with lambda > C its density grows as
			 * e^{(lambda - C) v} on [0, T], and in M/M/c/K the queue
			 * length as rho^j up to K [Gross & Harris, Fundamentals
			 * of Queueing Theory, 2.3 and 2.5]. Served requests
			 * waited k / C minus an exponential gap of that rate
			 * (requests/s -> C ln rho per second of wait), truncated
			 * to [0, k / C]: about half of them still finish within
			 * T, where a deterministic wait of T would time out all.
			 */
			double xr = kq <= kt ? cap * log(lambda / cap) : lambda - cap;
			double w1 = k / cap;
			if (!(xr * w1 > 1e-9))
				xr = 1e-9 / (w1 > 0 ? w1 : 1);
			double mw = serving_phase_add(res, cap * h, w1, w1, xr);
			res->occupancy += h * (in->concurrency + cap * mw);
			B = k;
		} else {
			double r = lambda - cap, lim;
			if (r > 0)
				lim = (k - B) / r;
			else if (r < 0)
				lim = B / -r;
			else
				lim = INFINITY;
			h = rem < lim ? rem : lim;
			double b1 = h == lim ? (r > 0 ? k : 0) : B + r * h;
			serving_phase_add(res, cap * h, B / cap, b1 / cap, 0);
			res->occupancy += h * (in->concurrency + 0.5 * (B + b1));
			B = b1;
		}
		t += h;
		busy += h;
		pod->busy = in->concurrency;
	}
	res->backlog = B > SERVING_EPS ? B : 0;
	return busy;
}

void
serving_step(struct serving_pod *pod, const struct serving_tick *in,
    struct serving_result *res, struct hist *h)
{
	KS_ASSERT(in->dt > 0 && in->dist != NULL);
	KS_ASSERT(in->offered >= 0 && in->concurrency >= 0);
	memset(res, 0, sizeof *res);
	res->smean = in->stretch > 0 ? in->dist->mean * in->stretch : in->dist->mean;
	double B = pod->backlog > SERVING_EPS ? pod->backlog : 0;
	double A = in->offered;
	int c = in->concurrency;

	if (in->state == SERVING_DEAD) {
		res->failed = A + B;
		pod->backlog = pod->busy = 0;
		return;
	}
	if (c == 0) {
		if (in->timeout > 0) {
			res->abandoned = A + B;
			B = 0;
		} else {
			B += A;
			if (in->queue_limit > 0 && B > in->queue_limit) {
				double keep = pod->backlog > in->queue_limit ?
				    pod->backlog : in->queue_limit;
				if (B > keep) {
					res->rejected = B - keep;
					B = keep;
				}
			}
		}
		res->timed_out = res->abandoned;
		res->backlog = pod->backlog = B;
		pod->busy = 0;
		return;
	}

	double busy = serving_fluid(pod, in, B, res);
	if (res->st_n > 0 && res->st_pw > 0) {
		res->y_dist = in->dist;
		res->y_rate = res->st_rate;
		res->y_mean = res->smean;
		serving_ycoord(res->smean, res->st_rate, &res->y_j, &res->y_f,
		    &res->y_unscale);
	}
	for (int p = 0; p < res->nphase; p++)
		res->sojourn += res->phase[p].n * res->smean;
	struct serving_walk wk;
	double net = in->net_latency > 0 ? in->net_latency : 0;
	if (in->timeout > 0 || h != NULL) {
		serving_walk(res, in->dist, in->timeout, net, 1, h, &wk);
	} else {
		/* No timeout, no histogram: the sums in closed form. */
		double s = res->smean;
		memset(&wk, 0, sizeof wk);
		wk.ok = res->st_n;
		if (res->st_n > 0)
			wk.lat_sum = res->st_n * (s + net + res->st_pw / res->st_rate);
		for (int p = 0; p < res->nphase; p++) {
			const struct serving_phase *ph = &res->phase[p];
			wk.ok += ph->n;
			wk.lat_sum += ph->n * (s + net + serving_phase_mean(ph));
		}
	}
	res->ok = wk.ok;
	res->abandoned += wk.abandoned;
	res->timed_out = res->abandoned + wk.late;
	res->started = wk.ok + wk.late;
	res->latency_sum = wk.lat_sum;
	double st_started = res->st_n - wk.abandoned;
	double frac = (busy + st_started * res->smean / c) / in->dt;
	res->busy_frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	pod->backlog = res->backlog;
	if (res->backlog > 0)
		pod->busy = c;
}

static bool
memo_hit(const struct serving_memo *m, const struct serving_pod *pod,
    const struct serving_tick *in)
{
	const struct serving_tick *a = &m->in;
	return m->valid && m->backlog == pod->backlog && a->offered == in->offered &&
	    a->dt == in->dt && a->concurrency == in->concurrency &&
	    a->timeout == in->timeout && a->queue_limit == in->queue_limit &&
	    a->state == in->state && a->dist == in->dist &&
	    a->net_latency == in->net_latency && a->choices == in->choices &&
	    a->stretch == in->stretch && m->mean == in->dist->mean &&
	    m->scv == in->dist->scv && m->wait_factor == in->dist->wait_factor;
}

void
serving_step_memo(struct serving_memo *m, struct serving_pod *pod,
    const struct serving_tick *in, struct serving_result *res)
{
	if (memo_hit(m, pod, in)) {
		*pod = m->after;
		*res = m->res;
		return;
	}
	m->valid = true;
	m->in = *in;
	m->mean = in->dist->mean;
	m->scv = in->dist->scv;
	m->wait_factor = in->dist->wait_factor;
	m->backlog = pod->backlog;
	serving_step(pod, in, res, NULL);
	m->after = *pod;
	m->res = *res;
}
