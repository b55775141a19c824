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
 * A request whose wait + service exceeds T is timed out (the client gave up)
 * but its service work was done. A dead pod fails its arrivals and backlog;
 * requests in service at the moment of death were already counted in an
 * earlier tick (the fluid model completes a request in the tick it starts).
 * A pod with c = 0 serves nothing: with a timeout everything times out,
 * without one the backlog grows up to the queue limit.
 *
 * Latency distribution. Response time R = W + S. S is represented by 16
 * atoms: the conditional means of S over the probability intervals with
 * breakpoints 0, .1, ..., .9, .95, .975, .99, .995, .999, .9999, 1 (refined in
 * the tail so p99 and p99.9 are resolved; conditional means keep the mean
 * exact). The exponential wait is represented the same way by 16 Exp(1)
 * atoms scaled by 1/rate. Regime 1 adds (1 - P_W) x 16 zero-wait atoms plus
 * P_W x 16 x 16 product atoms; each fluid phase adds 4 wait points x 16
 * service atoms. The histogram's quantiles therefore carry a discretisation
 * error of a few percent in the tail on top of the bucket error, and the mean
 * is exact. Timeouts are decided on the same atoms, so ok counts and
 * histogram weights agree exactly. Cost per tick: at most 16 + 256 + 3 x 64
 * atoms, independent of the request rate.
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
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/util/util.h"
#include "models/serving.h"

/* Probability breakpoints of the 16 atoms. */
static const double serving_breaks[SERVING_NATOMS + 1] = {
	0, .1, .2, .3, .4, .5, .6, .7, .8, .9, .95, .975, .99, .995, .999,
	.9999, 1
};

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

/* Exp(1): E[X; q(pa) < X < q(pb)] with q(p) = -ln(1 - p). */
static double
serving_exp_partial(double pa, double pb)
{
	double xa = -log1p(-pa), ta = (1 - pa) * (xa + 1);
	double tb = 0;
	if (pb < 1) {
		double xb = -log1p(-pb);
		tb = (1 - pb) * (xb + 1);
	}
	return ta - tb;
}

/* Gamma(k, theta) with k theta = 1: E[X; q(pa) < X < q(pb)] = P_{k+1}. */
static double
serving_gamma_partial(double k, double theta, double pa, double pb)
{
	double fa = 0, fb = 1;
	if (pa > 0)
		fa = gsl_cdf_gamma_P(gsl_cdf_gamma_Pinv(pa, k, theta), k + 1, theta);
	if (pb < 1)
		fb = gsl_cdf_gamma_P(gsl_cdf_gamma_Pinv(pb, k, theta), k + 1, theta);
	return fb - fa;
}

int
serving_dist_init(struct serving_dist *d, double mean, double scv,
    char **cause)
{
	if (!isfinite(mean) || !(mean > 0)) {
		*cause = xasprintf("service time mean must be a positive number of seconds, got %g", mean);
		return -1;
	}
	if (!isfinite(scv) || !(scv >= 0) || scv > 1e4) {
		*cause = xasprintf("service time scv must be in [0, 10000], got %g", scv);
		return -1;
	}
	memset(d, 0, sizeof *d);
	d->mean = mean;
	d->scv = scv;
	d->wait_factor = (1 + scv) / 2;
	for (int i = 0; i < SERVING_NATOMS; i++) {
		double pa = serving_breaks[i], pb = serving_breaks[i + 1];
		double w = pb - pa, e = serving_exp_partial(pa, pb) / w, sv;
		if (scv < 1e-9)
			sv = 1;
		else if (scv == 1)
			sv = e;
		else
			sv = serving_gamma_partial(1 / scv, scv, pa, pb) / w;
		d->exp1[i] = e;
		d->exp1_w[i] = w;
		d->svc[i] = sv * mean;
		d->svc_w[i] = w;
	}
	return 0;
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

/* Sums produced by one walk over the latency atoms. */
struct serving_walk {
	double	ok;
	double	late;		/* wait + service > T, served */
	double	abandoned;	/* wait > T in the stable part, not served */
	double	lat_sum;
};

/* One atom of response time r with weight n. */
static void
serving_atom(struct serving_walk *wk, double r, double n, double timeout,
    double scale, struct hist *h)
{
	if (timeout > 0 && r > timeout) {
		wk->late += n;
		return;
	}
	wk->ok += n;
	wk->lat_sum += n * r;
	if (h != NULL)
		hist_add(h, r, n * scale);
}

/*
 * Walks the latency atoms of res: counts ok / late / abandoned and, when h
 * is not NULL, adds the ok response times with weight n * scale.
 */
static void
serving_walk(const struct serving_result *res, const struct serving_dist *d,
    double timeout, double scale, struct hist *h, struct serving_walk *wk)
{
	memset(wk, 0, sizeof *wk);
	if (res->st_n > 0) {
		double n0 = res->st_n * (1 - res->st_pw);
		double n1 = res->st_n * res->st_pw;
		for (int i = 0; i < SERVING_NATOMS; i++)
			serving_atom(wk, d->svc[i], n0 * d->svc_w[i], timeout,
			    scale, h);
		if (n1 > 0) {
			double inv = 1 / res->st_rate;
			for (int j = 0; j < SERVING_NATOMS; j++) {
				double w = d->exp1[j] * inv, nj = n1 * d->exp1_w[j];
				if (timeout > 0 && w > timeout) {
					wk->abandoned += nj;
					continue;
				}
				for (int i = 0; i < SERVING_NATOMS; i++)
					serving_atom(wk, w + d->svc[i],
					    nj * d->svc_w[i], timeout, scale, h);
			}
		}
	}
	for (int p = 0; p < res->nphase; p++) {
		const struct serving_phase *ph = &res->phase[p];
		int npts = ph->w0 == ph->w1 ? 1 : SERVING_FLUID_PTS;
		double np = ph->n / npts;
		for (int k = 0; k < npts; k++) {
			double w = ph->w0 + (ph->w1 - ph->w0) * ((double)k + 0.5) / npts;
			for (int i = 0; i < SERVING_NATOMS; i++)
				serving_atom(wk, w + d->svc[i], np * d->svc_w[i],
				    timeout, scale, h);
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
		serving_walk(res, dist, timeout, scale, h, &wk);
}

int
serving_latency_atoms(const struct serving_result *res)
{
	int n = 0;
	if (res->st_n > 0)
		n += SERVING_NATOMS * (res->st_pw > 0 ? 1 + SERVING_NATOMS : 1);
	for (int p = 0; p < res->nphase; p++)
		n += SERVING_NATOMS * (res->phase[p].w0 == res->phase[p].w1 ?
		    1 : SERVING_FLUID_PTS);
	return n;
}

static void
serving_phase_add(struct serving_result *res, double n, double w0, double w1)
{
	if (!(n > 0))
		return;
	KS_ASSERT(res->nphase < SERVING_MAX_PHASES);
	res->phase[res->nphase].n = n;
	res->phase[res->nphase].w0 = w0 > 0 ? w0 : 0;
	res->phase[res->nphase].w1 = w1 > 0 ? w1 : 0;
	res->nphase++;
}

/* Regime 1 for the last `span` seconds of the tick. */
static void
serving_stable(struct serving_pod *pod, const struct serving_tick *in,
    double lambda, double span, double qlimit, struct serving_result *res)
{
	const struct serving_dist *d = in->dist;
	int c = in->concurrency;
	double n = lambda * span;
	if (!(n > 0))
		return;
	double a = lambda * d->mean;
	double pw = serving_pw(pod, c, a);
	if (isfinite(qlimit)) {
		double rej = n * pw * pow(a / c, qlimit);
		res->rejected += rej;
		n -= rej;
	}
	res->st_n = n;
	res->st_pw = pw;
	res->st_rate = ((double)c / d->mean - lambda) / d->wait_factor;
	pod->busy = a < c ? a : c;
}

/* Regime 2 (and the hand-over to regime 1); returns the busy seconds. */
static double
serving_fluid(struct serving_pod *pod, const struct serving_tick *in,
    double B, struct serving_result *res)
{
	double dt = in->dt, s = in->dist->mean;
	double cap = (double)in->concurrency / s;
	double lambda = in->offered / dt;
	double kq = in->queue_limit > 0 ? in->queue_limit : INFINITY;
	double kt = in->timeout > 0 ? cap * in->timeout : INFINITY;
	double k = kq < kt ? kq : kt;
	double t = 0, busy = 0;

	if (B > kt) {
		res->abandoned += B - kt;
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
			serving_phase_add(res, cap * h, B / cap, (B - cap * h) / cap);
			B = h == lim ? kq : B - cap * h;
		} else if (B >= k - SERVING_EPS && lambda >= cap) {
			/* At the cap: the excess is rejected or abandons. */
			h = rem;
			double excess = (lambda - cap) * h;
			if (kq <= kt)
				res->rejected += excess;
			else
				res->abandoned += excess;
			serving_phase_add(res, cap * h, k / cap, k / cap);
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
			serving_phase_add(res, cap * h, B / cap, b1 / cap);
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
	struct serving_walk wk;
	if (in->timeout > 0 || h != NULL) {
		serving_walk(res, in->dist, in->timeout, 1, h, &wk);
	} else {
		/* No timeout, no histogram: the sums in closed form. */
		double s = in->dist->mean;
		memset(&wk, 0, sizeof wk);
		wk.ok = res->st_n;
		if (res->st_n > 0)
			wk.lat_sum = res->st_n * (s + res->st_pw / res->st_rate);
		for (int p = 0; p < res->nphase; p++) {
			const struct serving_phase *ph = &res->phase[p];
			wk.ok += ph->n;
			wk.lat_sum += ph->n * (s + 0.5 * (ph->w0 + ph->w1));
		}
	}
	res->ok = wk.ok;
	res->abandoned += wk.abandoned;
	res->timed_out = res->abandoned + wk.late;
	res->started = wk.ok + wk.late;
	res->latency_sum = wk.lat_sum;
	double st_started = res->st_n - wk.abandoned;
	double frac = (busy + st_started * in->dist->mean / c) / in->dt;
	res->busy_frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	pod->backlog = res->backlog;
	if (res->backlog > 0)
		pod->busy = c;
}
