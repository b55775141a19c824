/*
 * traffic.c - traffic models as an immutable, reference-counted tree of
 * shapes: constant, diurnal cosine, step, ramp, trapezoid spike, sum,
 * product, scale, hold (a shape held at its mean over fixed windows, as a
 * trace sampled per window gives it) and trace (a piecewise series from
 * trace.c). Every node
 * gives its rate, the exact integral of its rate over an interval and its
 * next breakpoint, so a product can be integrated piece by piece.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "sim/util/util.h"
#include "workloads/traffic.h"
#include "workloads/traffic_int.h"

enum wl_kind {
	WL_CONSTANT, WL_DIURNAL, WL_STEP, WL_RAMP, WL_SPIKE,
	WL_SUM, WL_PRODUCT, WL_SCALE, WL_HOLD, WL_TRACE,
};

/* One node. Times are virtual ns; rates are req/s. Which fields are used
 * depends on kind (see the constructors). */
struct wl_traffic {
	enum wl_kind		  kind;
	int			  refs;
	double			  a, b;		/* rates (from/to, trough/peak) */
	sim_ns			  t[4];		/* knot times */
	sim_ns			  period;	/* diurnal; hold: the window */
	double			  factor;	/* scale */
	size_t			  nkids;
	struct wl_traffic	**kids;		/* &kid1 when there is one */
	struct wl_traffic	 *kid1;
	struct wl_series	 *series;	/* trace, owned */
	/* hold: the last window's rate (a pure function of the window,
	 * asked for at every tick of it by each Service that reads it) */
	bool			  held_ok;
	sim_ns			  held_w;
	double			  held_rate;
	/* diurnal: the sines of the phases of the last span counted, its
	 * start and end (a pure function of the time: the next window
	 * starts where the last ended, or another Service counts the same) */
	bool			  sin_ok;
	sim_ns			  sin_x[2];
	double			  sin_v[2];
};

#define NS_PER_S	1e9
/* Diurnal pieces are cut at 1/16 period for product quadrature. */
#define COS_PIECES	16

static int
rate_ok(double r)
{
	return isfinite(r) && r >= 0;
}

static struct wl_traffic *
node_new(enum wl_kind kind)
{
	struct wl_traffic *t = xcalloc(1, sizeof *t);
	t->kind = kind;
	t->refs = 1;
	return t;
}

struct wl_traffic *
wl_constant(double rate)
{
	KS_ASSERT(rate_ok(rate));
	struct wl_traffic *t = node_new(WL_CONSTANT);
	t->a = rate;
	return t;
}

struct wl_traffic *
wl_diurnal(double trough, double peak, sim_ns period, sim_ns peak_at)
{
	KS_ASSERT(rate_ok(trough) && rate_ok(peak) && period >= 0);
	struct wl_traffic *t = node_new(WL_DIURNAL);
	t->a = trough;
	t->b = peak;
	t->period = period > 0 ? period : 24 * SIM_HOUR;
	t->t[0] = peak_at;
	return t;
}

struct wl_traffic *
wl_step(double from, double to, sim_ns at)
{
	KS_ASSERT(rate_ok(from) && rate_ok(to));
	struct wl_traffic *t = node_new(WL_STEP);
	t->a = from;
	t->b = to;
	t->t[0] = at;
	return t;
}

struct wl_traffic *
wl_ramp(double from, double to, sim_ns start, sim_ns end)
{
	KS_ASSERT(rate_ok(from) && rate_ok(to) && end >= start);
	struct wl_traffic *t = node_new(WL_RAMP);
	t->a = from;
	t->b = to;
	t->t[0] = start;
	t->t[1] = end;
	return t;
}

struct wl_traffic *
wl_spike(double height, sim_ns at, sim_ns rise, sim_ns hold, sim_ns decay)
{
	KS_ASSERT(rate_ok(height) && rise >= 0 && hold >= 0 && decay >= 0);
	struct wl_traffic *t = node_new(WL_SPIKE);
	t->b = height;
	t->t[0] = at;
	t->t[1] = at + rise;
	t->t[2] = t->t[1] + hold;
	t->t[3] = t->t[2] + decay;
	return t;
}

static struct wl_traffic *
node_kids(enum wl_kind kind, struct wl_traffic *const *kids, size_t n)
{
	KS_ASSERT(n >= 1);
	struct wl_traffic *t = node_new(kind);
	/* one kid in the node itself: a count waits on no array apart */
	t->kids = n == 1 ? &t->kid1 : xcalloc(n, sizeof *t->kids);
	for (size_t i = 0; i < n; i++) {
		KS_ASSERT(kids[i] != NULL);
		t->kids[i] = kids[i];
	}
	t->nkids = n;
	return t;
}

struct wl_traffic *
wl_sum(struct wl_traffic *const *kids, size_t n)
{
	return node_kids(WL_SUM, kids, n);
}

struct wl_traffic *
wl_product(struct wl_traffic *const *kids, size_t n)
{
	return node_kids(WL_PRODUCT, kids, n);
}

struct wl_traffic *
wl_scale(double factor, struct wl_traffic *kid)
{
	KS_ASSERT(rate_ok(factor));
	struct wl_traffic *t = node_kids(WL_SCALE, &kid, 1);
	t->factor = factor;
	return t;
}

struct wl_traffic *
wl_hold(sim_ns window, struct wl_traffic *kid)
{
	KS_ASSERT(window > 0);
	struct wl_traffic *t = node_kids(WL_HOLD, &kid, 1);
	t->period = window;
	return t;
}

struct wl_traffic *
wl_traffic_series(struct wl_series *s)
{
	struct wl_traffic *t = node_new(WL_TRACE);
	t->series = s;
	return t;
}

const struct wl_series *
wl_traffic_get_series(const struct wl_traffic *t)
{
	return t != NULL && t->kind == WL_TRACE ? t->series : NULL;
}

struct wl_traffic *
wl_ref(struct wl_traffic *t)
{
	KS_ASSERT(t != NULL && t->refs > 0);
	t->refs++;
	return t;
}

void
wl_free(struct wl_traffic *t)
{
	if (t == NULL)
		return;
	KS_ASSERT(t->refs > 0);
	if (--t->refs > 0)
		return;
	for (size_t i = 0; i < t->nkids; i++)
		wl_free(t->kids[i]);
	if (t->kids != &t->kid1)
		free(t->kids);
	if (t->series != NULL)
		wl_series_free(t->series);
	free(t);
}

/* ---- rates ---------------------------------------------------------------- */

/* The diurnal phase of x in [0, 2 pi), computed from an exact remainder. */
static double
diurnal_theta(const struct wl_traffic *t, double x)
{
	double d = fmod(x - (double)t->t[0], (double)t->period);
	if (d < 0)
		d += (double)t->period;
	return 2 * M_PI * d / (double)t->period;
}

static double
diurnal_theta_ns(const struct wl_traffic *t, sim_ns x)
{
	/* x - peak_at may overflow only for times centuries apart. */
	sim_ns d = (x - t->t[0]) % t->period;
	if (d < 0)
		d += t->period;
	return 2 * M_PI * (double)d / (double)t->period;
}

/* Linear interpolation from (x0, y0) to (x1, y1) at x in [x0, x1]. */
static double
lerp(double x0, double y0, double x1, double y1, double x)
{
	if (x1 <= x0)
		return y1;
	return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

static double node_count(const struct wl_traffic *t, sim_ns a, sim_ns b);

/* sin(diurnal_theta_ns(t, x)), from the last span's when x was one of its
 * ends. */
static double
diurnal_sin(const struct wl_traffic *t, sim_ns x)
{
	if (t->sin_ok) {
		if (t->sin_x[1] == x)
			return t->sin_v[1];
		if (t->sin_x[0] == x)
			return t->sin_v[0];
	}
	return sin(diurnal_theta_ns(t, x));
}

/* The integral of the diurnal cosine's oscillation over [a, b): the
 * difference of the sines at the ends, kept for the next span. */
static double
diurnal_sin_diff(const struct wl_traffic *t, sim_ns a, sim_ns b)
{
	struct wl_traffic *m = (struct wl_traffic *)t;	/* the memo only */
	double sb = diurnal_sin(t, b), sa = diurnal_sin(t, a);
	m->sin_x[0] = a;
	m->sin_v[0] = sa;
	m->sin_x[1] = b;
	m->sin_v[1] = sb;
	m->sin_ok = true;
	return sb - sa;
}

/* A hold node's window holding x: its start (windows are aligned to 0). */
static sim_ns
hold_start(const struct wl_traffic *t, sim_ns x)
{
	sim_ns d = x % t->period;
	return d < 0 ? x - d - t->period : x - d;
}

/* The held rate of the window starting at w: the child's mean over it
 * (kept for the last window asked for: the same bits). */
static double
hold_rate(const struct wl_traffic *t, sim_ns w)
{
	if (t->held_ok && t->held_w == w)
		return t->held_rate;
	struct wl_traffic *m = (struct wl_traffic *)t;	/* the memo only */
	m->held_rate = node_count(t->kids[0], w, w + t->period) / ((double)t->period / NS_PER_S);
	m->held_w = w;
	m->held_ok = true;
	return m->held_rate;
}

static double
node_rate(const struct wl_traffic *t, double at)
{
	double r;
	switch (t->kind) {
	case WL_CONSTANT:
		return t->a;
	case WL_DIURNAL:
		return t->a + (t->b - t->a) * (1 + cos(diurnal_theta(t, at))) / 2;
	case WL_STEP:
		return at < (double)t->t[0] ? t->a : t->b;
	case WL_RAMP:
		if (at < (double)t->t[0])
			return t->a;
		if (at >= (double)t->t[1])
			return t->b;
		return lerp((double)t->t[0], t->a, (double)t->t[1], t->b, at);
	case WL_SPIKE:
		if (at < (double)t->t[0] || at >= (double)t->t[3])
			return 0;
		if (at < (double)t->t[1])
			return lerp((double)t->t[0], 0, (double)t->t[1], t->b, at);
		if (at < (double)t->t[2])
			return t->b;
		return lerp((double)t->t[2], t->b, (double)t->t[3], 0, at);
	case WL_SUM:
		r = 0;
		for (size_t i = 0; i < t->nkids; i++)
			r += node_rate(t->kids[i], at);
		return r;
	case WL_PRODUCT:
		r = 1;
		for (size_t i = 0; i < t->nkids; i++)
			r *= node_rate(t->kids[i], at);
		return r;
	case WL_SCALE:
		return t->factor * node_rate(t->kids[0], at);
	case WL_HOLD:
		return hold_rate(t, hold_start(t, (sim_ns)floor(at)));
	case WL_TRACE:
		return wl_series_rate(t->series, at);
	}
	ks_fatal("wl: bad traffic kind %d", (int)t->kind);
}

double
wl_rate(const struct wl_traffic *t, sim_ns at)
{
	return node_rate(t, (double)at);
}

/* ---- breakpoints ---------------------------------------------------------- */

/* The first time > after where t's rate has a jump or a kink; SIM_NEVER
 * when there is none (a cosine is smooth; see node_smooth). */
static sim_ns
node_next_break(const struct wl_traffic *t, sim_ns after)
{
	sim_ns best = SIM_NEVER, k;
	int nknots = 0;
	switch (t->kind) {
	case WL_CONSTANT:
	case WL_DIURNAL:
		return SIM_NEVER;
	case WL_STEP:
		nknots = 1;
		break;
	case WL_RAMP:
		nknots = 2;
		break;
	case WL_SPIKE:
		nknots = 4;
		break;
	case WL_SUM:
	case WL_PRODUCT:
	case WL_SCALE:
		for (size_t i = 0; i < t->nkids; i++) {
			k = node_next_break(t->kids[i], after);
			if (k < best)
				best = k;
		}
		return best;
	case WL_HOLD:
		return hold_start(t, after) + t->period;
	case WL_TRACE:
		return wl_series_next_break(t->series, after);
	}
	for (int i = 0; i < nknots; i++)
		if (t->t[i] > after && t->t[i] < best)
			best = t->t[i];
	return best;
}

/* The longest piece (ns) over which t is integrated by one quadrature:
 * SIM_NEVER for piecewise-linear shapes, a fraction of a period for a
 * cosine. */
static sim_ns
node_smooth(const struct wl_traffic *t)
{
	sim_ns best = SIM_NEVER, k;
	switch (t->kind) {
	case WL_DIURNAL:
		k = t->period / COS_PIECES;
		return k > 0 ? k : 1;
	case WL_SUM:
	case WL_PRODUCT:
	case WL_SCALE:
		for (size_t i = 0; i < t->nkids; i++) {
			k = node_smooth(t->kids[i]);
			if (k < best)
				best = k;
		}
		return best;
	default:
		return SIM_NEVER;
	}
}

/* ---- integrals ------------------------------------------------------------ */

/* Integral over [a, b) of the constant r on [lo, hi), 0 elsewhere. */
static double
const_int(sim_ns lo, sim_ns hi, double r, sim_ns a, sim_ns b)
{
	sim_ns x = a > lo ? a : lo, y = b < hi ? b : hi;
	return y > x ? r * (double)(y - x) / NS_PER_S : 0;
}

/* Integral over [a, b) of the line from (x0, y0) to (x1, y1) on [x0, x1). */
static double
line_int(sim_ns x0, double y0, sim_ns x1, double y1, sim_ns a, sim_ns b)
{
	sim_ns x = a > x0 ? a : x0, y = b < x1 ? b : x1;
	if (y <= x)
		return 0;
	double vx = lerp((double)x0, y0, (double)x1, y1, (double)x);
	double vy = lerp((double)x0, y0, (double)x1, y1, (double)y);
	return (vx + vy) / 2 * (double)(y - x) / NS_PER_S;
}

/* 8-point Gauss-Legendre on [-1, 1]: exact for polynomials of degree 15. */
static const double gl_x[4] = {
	0.18343464249564981, 0.52553240991632899,
	0.79666647741362673, 0.96028985649753629,
};
static const double gl_w[4] = {
	0.36268378337836199, 0.31370664587788727,
	0.22238103445337448, 0.10122853629037626,
};

static double
product_int(const struct wl_traffic *t, sim_ns a, sim_ns b)
{
	sim_ns smooth = node_smooth(t);
	double sum = 0;
	for (sim_ns x = a; x < b; ) {
		sim_ns y = node_next_break(t, x);
		if (y > b)
			y = b;
		if (smooth != SIM_NEVER && y - x > smooth)
			y = x + smooth;
		double mid = ((double)x + (double)y) / 2, half = ((double)y - (double)x) / 2;
		double piece = 0;
		for (int i = 0; i < 4; i++)
			piece += gl_w[i] * (node_rate(t, mid - half * gl_x[i]) +
			    node_rate(t, mid + half * gl_x[i]));
		sum += piece * half / NS_PER_S;
		x = y;
	}
	return sum;
}

static double
node_count(const struct wl_traffic *t, sim_ns a, sim_ns b)
{
	double s;
	switch (t->kind) {
	case WL_CONSTANT:
		return t->a * (double)(b - a) / NS_PER_S;
	case WL_DIURNAL: {
		double len = (double)(b - a) / NS_PER_S;
		double per = (double)t->period / NS_PER_S;
		double osc = len + per / (2 * M_PI) * diurnal_sin_diff(t, a, b);
		return t->a * len + (t->b - t->a) / 2 * osc;
	}
	case WL_STEP:
		return const_int(INT64_MIN, t->t[0], t->a, a, b) +
		    const_int(t->t[0], INT64_MAX, t->b, a, b);
	case WL_RAMP:
		return const_int(INT64_MIN, t->t[0], t->a, a, b) +
		    line_int(t->t[0], t->a, t->t[1], t->b, a, b) +
		    const_int(t->t[1], INT64_MAX, t->b, a, b);
	case WL_SPIKE:
		return line_int(t->t[0], 0, t->t[1], t->b, a, b) +
		    const_int(t->t[1], t->t[2], t->b, a, b) +
		    line_int(t->t[2], t->b, t->t[3], 0, a, b);
	case WL_SUM:
		s = 0;
		for (size_t i = 0; i < t->nkids; i++)
			s += node_count(t->kids[i], a, b);
		return s;
	case WL_PRODUCT:
		return product_int(t, a, b);
	case WL_SCALE:
		return t->factor * node_count(t->kids[0], a, b);
	case WL_HOLD:
		/* window by window, so that equal pieces of one window count
		 * exactly the same */
		s = 0;
		for (sim_ns w = hold_start(t, a); w < b; w += t->period) {
			sim_ns x = a > w ? a : w, y = b < w + t->period ? b : w + t->period;
			s += hold_rate(t, w) * ((double)(y - x) / NS_PER_S);
		}
		return s;
	case WL_TRACE:
		return wl_series_count(t->series, a, b);
	}
	ks_fatal("wl: bad traffic kind %d", (int)t->kind);
}

double
wl_count(const struct wl_traffic *t, sim_ns from, sim_ns to)
{
	if (to <= from)
		return 0;
	return node_count(t, from, to);
}

/* ---- steady stretches ------------------------------------------------------ */

/* The end of the stretch from `at` over which t's rate is constant and
 * equal spans count exactly the same (see wl_steady_until); `at` when the
 * rate changes there. */
static sim_ns
node_steady(const struct wl_traffic *t, sim_ns at)
{
	sim_ns best = SIM_NEVER, k;
	switch (t->kind) {
	case WL_CONSTANT:
		return SIM_NEVER;
	case WL_DIURNAL:
		return t->a == t->b ? SIM_NEVER : at;
	case WL_STEP:
		return at < t->t[0] ? t->t[0] : SIM_NEVER;
	case WL_RAMP:
		if (at < t->t[0])
			return t->t[0];
		return at >= t->t[1] || t->a == t->b ? SIM_NEVER : at;
	case WL_SPIKE:
		if (at < t->t[0])
			return t->t[0];
		if (at >= t->t[3])
			return SIM_NEVER;
		return at >= t->t[1] && at < t->t[2] ? t->t[2] : at;
	case WL_SUM:
	case WL_PRODUCT:
	case WL_SCALE:
		for (size_t i = 0; i < t->nkids; i++) {
			k = node_steady(t->kids[i], at);
			if (k < best)
				best = k;
		}
		return best;
	case WL_HOLD:
		return hold_start(t, at) + t->period;
	case WL_TRACE:
		/* counts are differences of running sums: not the same
		 * for equal spans to the last bit */
		return at;
	}
	ks_fatal("wl: bad traffic kind %d", (int)t->kind);
}

sim_ns
wl_steady_until(const struct wl_traffic *t, sim_ns at)
{
	sim_ns u = node_steady(t, at);
	return u < at ? at : u;
}

/* ---- rate bounds (for thinning) ------------------------------------------- */

/* The largest rate of a piecewise-linear node over the integer times of
 * [a, b]: at the ends, at each breakpoint and just before it (left limit). */
static double
pwl_max(const struct wl_traffic *t, sim_ns a, sim_ns b)
{
	double m = node_rate(t, (double)a), r;
	if ((r = node_rate(t, (double)b)) > m)
		m = r;
	for (sim_ns k = node_next_break(t, a); k <= b && k != SIM_NEVER;
	    k = node_next_break(t, k)) {
		if ((r = node_rate(t, (double)k)) > m)
			m = r;
		if ((r = node_rate(t, (double)(k - 1))) > m)
			m = r;
	}
	return m;
}

static double
node_rate_max(const struct wl_traffic *t, sim_ns a, sim_ns b)
{
	double m;
	switch (t->kind) {
	case WL_CONSTANT:
		return t->a;
	case WL_DIURNAL: {
		/* Between a peak and the next trough the cosine is monotone. */
		if (b - a >= t->period)
			return t->b;
		sim_ns d = (a - t->t[0]) % t->period;
		if (d < 0)
			d += t->period;
		sim_ns next_peak = d == 0 ? a : a + (t->period - d);
		if (next_peak <= b)
			return t->b;
		double ra = node_rate(t, (double)a), rb = node_rate(t, (double)b);
		return ra > rb ? ra : rb;
	}
	case WL_STEP:
	case WL_RAMP:
	case WL_SPIKE:
	case WL_TRACE:
		return pwl_max(t, a, b);
	case WL_SUM:
		m = 0;
		for (size_t i = 0; i < t->nkids; i++)
			m += node_rate_max(t->kids[i], a, b);
		return m;
	case WL_PRODUCT:
		m = 1;
		for (size_t i = 0; i < t->nkids; i++)
			m *= node_rate_max(t->kids[i], a, b);
		return m;
	case WL_SCALE:
		return t->factor * node_rate_max(t->kids[0], a, b);
	case WL_HOLD:
		/* a window's mean is at most the child's largest rate in it */
		return node_rate_max(t->kids[0], hold_start(t, a),
		    hold_start(t, b) + t->period);
	}
	ks_fatal("wl: bad traffic kind %d", (int)t->kind);
}

double
wl_rate_max(const struct wl_traffic *t, sim_ns from, sim_ns to)
{
	if (to < from)
		to = from;
	return node_rate_max(t, from, to);
}

int
wl_trace_info(const struct wl_traffic *t, struct wl_trace_info *info)
{
	const struct wl_series *s = wl_traffic_get_series(t);
	if (s == NULL)
		return -1;
	wl_series_info(s, info);
	return 0;
}

sim_ns
wl_next_arrival(const struct wl_traffic *t, sim_ns after, double e,
    sim_ns horizon)
{
	KS_ASSERT(e >= 0);
	if (horizon <= after || wl_count(t, after, horizon) < e)
		return SIM_NEVER;
	/* Gallop to a bracket (lo, hi] with count(after, hi) >= e, then
	 * bisect to 1 ns. The count is monotone in hi, rates being >= 0. */
	sim_ns lo = after, step = SIM_MS, hi;
	for (;;) {
		hi = horizon - lo > step ? lo + step : horizon;
		if (hi == horizon || wl_count(t, after, hi) >= e)
			break;
		lo = hi;
		if (step < SIM_NEVER / 4)
			step *= 2;
	}
	while (hi - lo > 1) {
		sim_ns mid = lo + (hi - lo) / 2;
		if (wl_count(t, after, mid) >= e)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}
