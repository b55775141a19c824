/*
 * hist.c - the log-bucketed weighted histogram of hist.h: bucket index by one
 * log(), quantiles by a linear walk over the buckets in use (quantiles are
 * read once per reporting interval, adds happen every tick), merge by
 * addition. Every write widens the range of buckets in use [lo, hi], so that
 * reads, merges and clears skip the buckets that are 0 for certain. The
 * accumulator (hist_acc) of many piecewise-linear additions is here too.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sim/util/hist.h"
#include "sim/util/hist_int.h"
#include "sim/util/util.h"

/* log(HIST_MIN), log(HIST_RATIO) and its inverse. */
static const double hist_ln_min = -13.815510557964274;
static const double hist_ln_ratio = 0.01980262729617973;
static const double hist_inv_ln_ratio = 50.4983497918439;

static void hist_bounds_init(void);

void
hist_reset(struct hist *h)
{
	hist_bounds_init();
	memset(h, 0, sizeof *h);
	h->min = INFINITY;
	h->max = -INFINITY;
	h->lo = HIST_NBUCKETS;
	h->hi = -1;
}

struct hist *
hist_new(void)
{
	struct hist *h = xmalloc(sizeof *h);
	hist_reset(h);
	return h;
}

void
hist_clear(struct hist *h)
{
	if (h->lo <= h->hi)
		memset(&h->bucket[h->lo], 0, (size_t)(h->hi - h->lo + 1) * sizeof h->bucket[0]);
	h->count = h->sum = h->under = h->over = 0;
	h->min = INFINITY;
	h->max = -INFINITY;
	h->lo = HIST_NBUCKETS;
	h->hi = -1;
}

double
hist_lower(int i)
{
	return exp(hist_ln_min + (double)i * hist_ln_ratio);
}

double
hist_upper(int i)
{
	return exp(hist_ln_min + (double)(i + 1) * hist_ln_ratio);
}

int
hist_index(double v)
{
	if (!(v >= HIST_MIN))
		return -1;
	double x = (log(v) - hist_ln_min) * hist_inv_ln_ratio;
	if (x >= (double)HIST_NBUCKETS)
		return HIST_NBUCKETS;
	return (int)x;
}

void
hist_add(struct hist *h, double value, double weight)
{
	if (!(weight > 0))
		return;
	if (!(value > 0))
		value = 0;
	hist_note(h, value, value, weight, value);
	hist_put(h, hist_index(value), weight);
}

/*
 * Spreads weight uniformly over [lo, hi] (0 <= lo < hi), walking the
 * buckets with multiplied bounds (one log and one exp per call). The part
 * below hi / 64 (under 1.6% of the weight) is placed at its midpoint, which
 * bounds the walk to about 210 buckets.
 */
static void
hist_spread(struct hist *h, double lo, double hi, double weight)
{
	double per = weight / (hi - lo);
	double floor_ = hi / 64;
	if (lo < floor_) {
		hist_put(h, hist_index(0.5 * (lo + floor_)), per * (floor_ - lo));
		lo = floor_;
	}
	int i = hist_index(lo);
	double x = lo, up;
	if (i < 0) {
		up = HIST_MIN;
	} else if (i >= HIST_NBUCKETS) {
		h->over += per * (hi - lo);
		return;
	} else {
		up = hist_upper(i);
	}
	for (;;) {
		double end = up < hi ? up : hi;
		if (end > x)
			hist_put(h, i, per * (end - x));
		x = end;
		if (x >= hi)
			break;
		if (++i >= HIST_NBUCKETS) {
			h->over += per * (hi - x);
			break;
		}
		up = i == 0 ? hist_upper(0) : up * HIST_RATIO;
	}
}

void
hist_add_uniform(struct hist *h, double lo, double hi, double weight)
{
	if (!(weight > 0))
		return;
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (!(lo > 0))
		lo = 0;
	if (!(hi > lo) || hi - lo <= 1e-9 * hi) {
		hist_add(h, hi > lo ? 0.5 * (lo + hi) : lo, weight);
		return;
	}
	hist_note(h, lo, hi, weight, 0.5 * (lo + hi));
	hist_spread(h, lo, hi, weight);
}

double
hist_pwl_cdf(const double *x, const double *p, int n, double v)
{
	if (n < 2 || v < x[0])
		return 0;
	if (v >= x[n - 1])
		return 1;
	int lo = 0, hi = n - 1;		/* x[lo] <= v < x[hi] */
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (x[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	double f = x[hi] > x[lo] ? (v - x[lo]) / (x[hi] - x[lo]) : 1;
	return p[lo] + f * (p[hi] - p[lo]);
}

/*
 * A bound below which a walk over the buckets by multiplied bounds (each
 * bound the last times HIST_RATIO, from an exp()) cannot reach the last
 * bucket: a chain of at most HIST_NBUCKETS products is within 1e-12 of the
 * exact bounds, and the last bucket starts at 3587 s. A walk that stops at
 * a value below it needs no check against the end of the array.
 */
#define HIST_CHAIN_SAFE	3000.0

/* Spreads density `dens` over [x, b], x at or above the cursor's bucket. */
static void
hist_cursor_spread(struct hist *h, struct hist_cursor *c, double x, double b,
    double dens)
{
	hist_cursor_seek(c, x);
	if (c->i >= 0 && c->i < HIST_NBUCKETS) {
		double *bk = h->bucket;
		int i = c->i;
		double up = c->up;
		int i0 = i;
		if (b < HIST_CHAIN_SAFE) {
			/* the same walk: it stops before the last bucket; two
			 * buckets a step while the second's bound is below b
			 * (then so is the first's) */
			double u2;
			while ((u2 = up * HIST_RATIO) < b) {
				bk[i] += dens * (up - x);
				bk[i + 1] += dens * (u2 - up);
				x = u2;
				i += 2;
				up = u2 * HIST_RATIO;
			}
			if (up < b) {
				bk[i] += dens * (up - x);
				x = up;
				i++;
				up = u2;
			}
		} else {
			while (up < b) {
				bk[i] += dens * (up - x);
				x = up;
				if (++i >= HIST_NBUCKETS)
					break;
				up *= HIST_RATIO;
			}
		}
		c->i = i;
		c->up = i >= HIST_NBUCKETS ? INFINITY : up;
		hist_used(h, i0, i < HIST_NBUCKETS ? i : HIST_NBUCKETS - 1);
		if (i < HIST_NBUCKETS) {
			bk[i] += dens * (b - x);
			return;
		}
	} else if (c->i < 0) {
		double end = b < HIST_MIN ? b : HIST_MIN;
		h->under += dens * (end - x);
		x = end;
		if (x >= b)
			return;
		hist_cursor_at(c, x);
		hist_cursor_spread(h, c, x, b, dens);
		return;
	}
	h->over += dens * (b - x);
}

/*
 * The bounds of the accumulator's slots (a knot's bucket j, -1 underflow,
 * HIST_NBUCKETS overflow), one table for all: bucket j is [hist_bnd[j + 2],
 * hist_bnd[j + 3]), the values hist_lower and hist_upper give (upper(j) is
 * lower(j + 1), the same expression); below bucket 0 from -inf, above the
 * last to +inf; j = HIST_SLOT_UNSET reads [NaN, -inf), which holds nothing.
 * Filled once (hist_reset, hist_slot_set), the same values every time.
 */
#define HIST_SLOT_UNSET	(-2)
static double hist_bnd[HIST_NBUCKETS + 4];
static bool hist_bnd_ready;

static void
hist_bounds_init(void)
{
	if (hist_bnd_ready)
		return;
	hist_bnd[0] = NAN;
	hist_bnd[1] = -INFINITY;
	for (int i = 0; i <= HIST_NBUCKETS; i++)
		hist_bnd[i + 2] = hist_lower(i);
	hist_bnd[HIST_NBUCKETS + 3] = INFINITY;
	hist_bnd_ready = true;
}

static inline double
slot_lo(int j)
{
	return hist_bnd[j + 2];
}

static inline double
slot_up(int j)
{
	return hist_bnd[j + 3];
}

/* The slot of v, consistent with its bounds (v in [lo, up)). */
static int
hist_slot_of(double v)
{
	hist_bounds_init();
	int j = hist_index(v);
	for (;;) {
		if (v < slot_lo(j) && j >= 0)
			j--;
		else if (v >= slot_up(j) && j < HIST_NBUCKETS)
			j++;
		else
			return j;
	}
}

/* Adds c times the width of each bucket in [i0, i1], bucket i0 starting
 * at lo (0 <= i0, i1 < HIST_NBUCKETS). */
static void
hist_add_widths(struct hist *h, int i0, int i1, double lo, double c)
{
	if (i0 <= i1)
		hist_used(h, i0, i1);
	for (int i = i0; i <= i1; i++) {
		double up = lo * HIST_RATIO;
		h->bucket[i] += c * (up - lo);
		lo = up;
	}
}

/* Knot k of acc to the bucket nj (in range), its summed density change
 * (in range too when not 0) moved along: it applies to the buckets above
 * the knot's. */
static void
hist_knot_move(struct hist *h, struct hist_acc *acc, int k, int nj)
{
	int oj = acc->knot[k];
	acc->knot[k] = nj;
	double c = acc->d[k];
	if (c == 0)
		return;
	if (nj > oj)
		hist_add_widths(h, oj + 1, nj, slot_up(oj), c);
	else if (nj < oj)
		hist_add_widths(h, nj + 1, oj, slot_up(nj), -c);
}

static inline bool
hist_in_slot(int j, double v)
{
	return v >= slot_lo(j) && v < slot_up(j);
}

/*
 * hist_pwl through acc when nothing is cut: returns -1 (nothing done) when
 * the call is not one for it (see hist.h), else what hist_pwl returns.
 */
static double
hist_pwl_knots(struct hist *h, struct hist_acc *acc, const double *x,
    const double *p, int n, double weight, double shift, double limit,
    double *sum)
{
	if (n < 2 || n > HIST_ACC_MAXKNOT || !(weight * (p[1] - p[0]) > 0) ||
	    !(weight * (p[n - 1] - p[n - 2]) > 0))
		return -1;
	double t0 = x[0] + shift, t1 = x[1] + shift, tn = x[n - 1] + shift;
	if (!(t0 >= 0) || (limit > 0 && tn > limit) || !(t1 - t0 > 1e-9 * t1))
		return -1;
	/* the first segment's bottom lumped at its midpoint (hist_pwl) */
	double start = t0 < t1 / 8 ? t1 / 8 : t0;
	int *ks = acc->knot;
	if (acc->n != n) {
		hist_acc_flush(h, acc);
		acc->n = n;
		for (int k = 0; k < n; k++)
			ks[k] = HIST_SLOT_UNSET;
	}
	/* Both ends in range, so all knots are. */
	int s0 = ks[0], sn = ks[n - 1];
	if (!hist_in_slot(s0, start))
		s0 = hist_slot_of(start);
	if (!hist_in_slot(sn, tn))
		sn = hist_slot_of(tn);
	if (s0 < 0 || sn >= HIST_NBUCKETS) {
		hist_acc_flush(h, acc);
		return -1;
	}
	double added = 0, s = 0, dprev = 0, a = t0;
	double *bk = h->bucket, *ad = acc->d, *adens = acc->dens;
	for (int k = 0; k + 1 < n; k++) {
		/* The segments whose knot stays in its slot, with weight and
		 * wide enough to spread, are the loop below's other case
		 * without its calls, which the sums then need not outlive
		 * (no register survives a call): they stay in registers. */
		if (k > 0) {
			for (; k + 1 < n; k++) {
				double b = x[k + 1] + shift;
				double m = weight * (p[k + 1] - p[k]);
				int j = ks[k];
				if (!(m > 0) || !(b - a > 1e-9 * b) || !hist_in_slot(j, a))
					break;
				added += m;
				s += m * 0.5 * (a + b);
				double dens = m / (b - a);
				double c = dens - dprev;
				bk[j] += c * (slot_up(j) - a);
				ad[k] += c;
				adens[k] += dens;
				dprev = dens;
				a = b;
			}
			if (k + 1 >= n)
				break;
		}
		double b = x[k + 1] + shift;
		double m = weight * (p[k + 1] - p[k]);
		if (!(m > 0))
			m = 0;		/* hist_pwl skips it: no density */
		added += m;
		s += m * 0.5 * (a + b);
		double dens = 0;
		if (b - a > 1e-9 * b)
			dens = m / (b - a);
		else if (m > 0)
			hist_put(h, hist_index(0.5 * (a + b)), m);
		double t = a;
		if (k == 0 && t0 < t1 / 8) {
			hist_put(h, hist_index(0.5 * (t0 + t1 / 8)), dens * (t1 / 8 - t0));
			t = start;
		}
		if (!hist_in_slot(ks[k], t))
			hist_knot_move(h, acc, k, hist_slot_of(t));
		double c = dens - dprev;
		h->bucket[ks[k]] += c * (slot_up(ks[k]) - t);
		acc->d[k] += c;
		acc->dens[k] += dens;
		dprev = dens;
		a = b;
	}
	if (!hist_in_slot(ks[n - 1], tn))
		hist_knot_move(h, acc, n - 1, sn);
	/* the knots' buckets ascend with them: the loop wrote in these */
	hist_used(h, ks[0], ks[n - 1]);
	h->bucket[ks[n - 1]] -= dprev * (slot_up(ks[n - 1]) - tn);
	acc->d[n - 1] -= dprev;
	if (sum != NULL)
		*sum += s;
	if (added > 0)
		hist_note(h, t0, tn, added, s / added);
	return added;
}

double
hist_add_pwl(struct hist *h, const double *x, const double *p, int n,
    double weight, double shift, double limit, double *sum)
{
	double added = 0, s = 0, lo = INFINITY, hi = -INFINITY;
	struct hist_cursor cur = { .i = 0, .up = -1 };
	bool first = true;
	if (!(weight > 0))
		return 0;
	for (int k = 0; k + 1 < n; k++) {
		double a = x[k] + shift, b = x[k + 1] + shift;
		double m = weight * (p[k + 1] - p[k]);
		if (!(m > 0))
			continue;
		if (limit > 0 && a > limit)
			break;
		if (a < 0)
			a = 0;
		if (limit > 0 && b > limit) {
			m *= b > a ? (limit - a) / (b - a) : 1;
			b = limit;
		}
		added += m;
		s += m * 0.5 * (a + b);
		if (a < lo)
			lo = a;
		if (b > hi)
			hi = b;
		if (h == NULL)
			continue;
		if (!(b - a > 1e-9 * b)) {
			hist_put(h, hist_index(0.5 * (a + b)), m);
			continue;
		}
		double dens = m / (b - a);
		if (first && a < b / 8) {
			/* Lump the bottom of the first segment at its midpoint. */
			hist_put(h, hist_index(0.5 * (a + b / 8)), dens * (b / 8 - a));
			a = b / 8;
		}
		if (first || cur.up < 0)
			hist_cursor_at(&cur, a);
		first = false;
		hist_cursor_spread(h, &cur, a, b, dens);
	}
	if (sum != NULL)
		*sum += s;
	if (h != NULL && added > 0)
		hist_note(h, lo, hi, added, s / added);
	return added;
}

double
hist_add_pwl_acc(struct hist *h, struct hist_acc *acc, const double *x,
    const double *p, int n, double weight, double shift, double limit,
    double *sum)
{
	if (h != NULL && acc != NULL) {
		double added = hist_pwl_knots(h, acc, x, p, n, weight, shift,
		    limit, sum);
		if (added >= 0)
			return added;
	}
	return hist_add_pwl(h, x, p, n, weight, shift, limit, sum);
}

/*
 * The walk's bounds above bucket s (0 <= s < HIST_NBUCKETS - 1), each the
 * last times HIST_RATIO from slot_up(s), as hist_acc_flush_walk multiplies
 * them: up[j] is the bound after j products (the lower bound of bucket
 * s + 1 + j as the walk has it), width[j] = up[j + 1] - up[j]. The chain's
 * products follow one another (a multiply's latency per bucket); kept per
 * starting bucket, a flush reads them instead (a Service's lowest knot
 * stays in a few buckets). Filled on first use, the same values every
 * time; at most HIST_NBUCKETS rows of 2 x 8.9 KB, never freed.
 */
struct hist_chain {
	double	*up;		/* up[0 .. HIST_NBUCKETS - 1 - s] */
	double	*width;		/* width[0 .. HIST_NBUCKETS - 2 - s] */
};
static struct hist_chain hist_chains[HIST_NBUCKETS];

static const struct hist_chain *
hist_chain_of(int s)
{
	struct hist_chain *ch = &hist_chains[s];
	if (ch->up == NULL) {
		int len = HIST_NBUCKETS - s;	/* bounds up[0 .. len - 1] */
		double *up = xmalloc((size_t)(2 * len) * sizeof *up);
		up[0] = slot_up(s);
		for (int j = 1; j < len; j++)
			up[j] = up[j - 1] * HIST_RATIO;
		ch->width = up + len;
		for (int j = 0; j + 1 < len; j++)
			ch->width[j] = up[j + 1] - up[j];
		ch->up = up;
	}
	return ch;
}

/*
 * Bucket i gets its width times the density changes of the knots below it
 * (the knots' buckets ascend with them: the last call's knots), which add
 * up to the summed density after the highest of them; the last knot's
 * bucket ends the density. The widths are the walk's (hist_chain_of),
 * each bucket the same one product and addition as in
 * hist_acc_flush_walk.
 */
void
hist_acc_flush(struct hist *h, struct hist_acc *acc)
{
	int n = acc->n;
	if (n < 2)
		return;
	const int *ks = acc->knot;
	int last = ks[n - 1];
	if (ks[0] >= 0 && last < HIST_NBUCKETS && ks[0] < last) {
		const struct hist_chain *ch = hist_chain_of(ks[0]);
		int base = ks[0] + 1;		/* the bucket of up[0], width[0] */
		double *bk = h->bucket;
		hist_used(h, base, last);
		/* Knot k's density over the buckets up to knot k + 1's, the
		 * last bucket apart: it ends at the last knot. */
		int i = base;
		for (int k = 0; k + 1 < n && i < last; k++) {
			int end = ks[k + 1] < last ? ks[k + 1] : last - 1;
			if (end >= i) {
				hist_madd(&bk[i], &ch->width[i - base], acc->dens[k], end - i + 1);
				i = end + 1;
			}
		}
		int k = n - 2;
		while (k > 0 && ks[k] >= last)
			k--;
		bk[last] += acc->dens[k] * (slot_up(ks[n - 1]) - ch->up[i - base]);
	}
	for (int k = 0; k < n; k++)
		acc->d[k] = acc->dens[k] = 0;
}

/*
 * Bucket i gets its width times the density changes of the knots below it
 * (the knots' buckets ascend with them: the last call's knots), which add
 * up to the summed density after the highest of them; the last knot's
 * bucket ends the density. Each bound is the last times HIST_RATIO, one
 * product after the other.
 */
void
hist_acc_flush_walk(struct hist *h, struct hist_acc *acc)
{
	int n = acc->n;
	if (n < 2)
		return;
	const int *ks = acc->knot;
	int last = ks[n - 1];
	if (ks[0] >= 0 && last < HIST_NBUCKETS && ks[0] < last) {
		double lo = slot_up(ks[0]), *bk = h->bucket;
		hist_used(h, ks[0] + 1, last);
		/* Knot k's density over the buckets up to knot k + 1's (ks[k] <
		 * i <= ks[k + 1]: k is the highest knot below i), the last
		 * bucket apart: it ends at the last knot. */
		int i = ks[0] + 1;
		for (int k = 0; k + 1 < n && i < last; k++) {
			int end = ks[k + 1] < last ? ks[k + 1] : last - 1;
			double d = acc->dens[k];
			for (; i < end; i += 2) {	/* two at a time */
				double u1 = lo * HIST_RATIO, u2 = u1 * HIST_RATIO;
				bk[i] += d * (u1 - lo);
				bk[i + 1] += d * (u2 - u1);
				lo = u2;
			}
			if (i == end) {
				double up = lo * HIST_RATIO;
				bk[i++] += d * (up - lo);
				lo = up;
			}
		}
		int k = n - 2;
		while (k > 0 && ks[k] >= last)
			k--;
		bk[last] += acc->dens[k] * (slot_up(ks[n - 1]) - lo);
	}
	for (int k = 0; k < n; k++)
		acc->d[k] = acc->dens[k] = 0;
}

/* src's count, sum, extremes and out-of-range weights added to dst's. */
static void
merge_totals(struct hist *dst, const struct hist *src)
{
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->under += src->under;
	dst->over += src->over;
}

void
hist_prefetch(const struct hist *h, int lo, int hi)
{
	__builtin_prefetch(h);
	if (lo < 0)
		lo = 0;
	if (hi >= HIST_NBUCKETS)
		hi = HIST_NBUCKETS - 1;
	for (int i = lo; i <= hi; i += 8)
		__builtin_prefetch(&h->bucket[i]);
	if (lo <= hi)
		__builtin_prefetch(&h->bucket[hi]);
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (!(src->count > 0))
		return;
	merge_totals(dst, src);
	if (src->lo > src->hi)
		return;
	hist_used(dst, src->lo, src->hi);
	for (int i = src->lo; i <= src->hi; i++)
		dst->bucket[i] += src->bucket[i];
}

/* d[i] += s[i], s[i] = 0 for i in [i0, i1) (d and s distinct): each
 * bucket its own addition, four at a time. */
static void
hist_move_buckets(double *restrict d, double *restrict s, int i0, int i1)
{
	hist_v2 zero = { 0, 0 };
	int i = i0;
	for (; i + 4 <= i1; i += 4) {
		hist_v2 a0, a1, b0, b1;
		memcpy(&a0, &s[i], sizeof a0);
		memcpy(&a1, &s[i + 2], sizeof a1);
		memcpy(&b0, &d[i], sizeof b0);
		memcpy(&b1, &d[i + 2], sizeof b1);
		b0 += a0;
		b1 += a1;
		memcpy(&d[i], &b0, sizeof b0);
		memcpy(&d[i + 2], &b1, sizeof b1);
		memcpy(&s[i], &zero, sizeof zero);
		memcpy(&s[i + 2], &zero, sizeof zero);
	}
	for (; i < i1; i++) {
		d[i] += s[i];
		s[i] = 0;
	}
}

void
hist_merge_clear(struct hist *dst, struct hist *src)
{
	if (!(src->count > 0)) {
		hist_clear(src);
		return;
	}
	merge_totals(dst, src);
	if (src->lo <= src->hi) {
		hist_used(dst, src->lo, src->hi);
		hist_move_buckets(dst->bucket, src->bucket, src->lo, src->hi + 1);
	}
	src->count = src->sum = src->under = src->over = 0;
	src->min = INFINITY;
	src->max = -INFINITY;
	src->lo = HIST_NBUCKETS;
	src->hi = -1;
}

/* bit for bit: a -0 total is not an empty histogram's */
static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

bool
hist_is_empty(const struct hist *h)
{
	return h->lo > h->hi && same_bits(h->count, 0) && same_bits(h->sum, 0) &&
	    same_bits(h->under, 0) && same_bits(h->over, 0) && same_bits(h->min, INFINITY) &&
	    same_bits(h->max, -INFINITY) && h->lo == HIST_NBUCKETS && h->hi == -1;
}

bool
hist_same(const struct hist *a, const struct hist *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

double
hist_count(const struct hist *h)
{
	return h->count;
}

double
hist_mean(const struct hist *h)
{
	return h->count > 0 ? h->sum / h->count : 0;
}

double
hist_min(const struct hist *h)
{
	return h->count > 0 ? h->min : 0;
}

double
hist_max(const struct hist *h)
{
	return h->count > 0 ? h->max : 0;
}

static double
hist_clamp(const struct hist *h, double v)
{
	if (v < h->min)
		return h->min;
	if (v > h->max)
		return h->max;
	return v;
}

double
hist_quantile(const struct hist *h, double q)
{
	if (!(h->count > 0))
		return 0;
	if (!(q > 0))
		return h->min;
	if (q >= 1)
		return h->max;
	double target = q * h->count;
	double cum = h->under;
	if (cum >= target)
		return h->min;
	for (int i = h->lo; i <= h->hi; i++) {
		if (h->bucket[i] <= 0)
			continue;
		cum += h->bucket[i];
		if (cum >= target) {
			double mid = exp(hist_ln_min + ((double)i + 0.5) * hist_ln_ratio);
			return hist_clamp(h, mid);
		}
	}
	/* The rest is overflow (or rounding left a sliver): the largest value. */
	return h->max;
}

/*
 * hist_quantile's walk for each q in turn, resumed where the last one
 * stopped: the cumulative weight takes the same values in the same order,
 * so each answer is hist_quantile's to the bit. A q below the one before
 * is answered by hist_quantile.
 */
void
hist_quantiles(const struct hist *h, const double *q, int n, double *out)
{
	double cum = h->under, prev = -INFINITY;
	int i = h->lo, found = -1;	/* the bucket where the last walk stopped */
	for (int k = 0; k < n; k++) {
		if (!(h->count > 0) || !(q[k] > 0) || q[k] >= 1) {
			out[k] = hist_quantile(h, q[k]);
			continue;
		}
		double target = q[k] * h->count;
		if (target < prev) {
			out[k] = hist_quantile(h, q[k]);
			continue;
		}
		prev = target;
		if (h->under >= target) {
			out[k] = h->min;
			continue;
		}
		if (found < 0 || cum < target) {
			for (; i <= h->hi; i++) {
				if (h->bucket[i] <= 0)
					continue;
				cum += h->bucket[i];
				if (cum >= target)
					break;
			}
			if (i > h->hi) {
				/* overflow, or rounding left a sliver */
				out[k] = h->max;
				continue;
			}
			found = i++;
		}
		out[k] = hist_clamp(h, exp(hist_ln_min + ((double)found + 0.5) * hist_ln_ratio));
	}
}

/*
 * hist_quantiles's walk finds, for each level, the first bucket where its
 * running sum of the positive buckets (from the underflow up, one addition
 * after the other) reaches the level's target: a chain of additions, one
 * per bucket, each waiting for the last. Sums of the same non-negative
 * terms in another order differ from that running sum by less than
 * HIST_SUM_SLACK of themselves (twice gamma(1113) = 2.5e-13, with room),
 * so a sum taken a block of HIST_QBLOCK buckets at a time decides every
 * comparison that is not that close: a bucket is the walk's when the sum
 * before it is surely below the target and the one with it surely not.
 */
#define HIST_SUM_SLACK	1e-12
#define HIST_QBLOCK	8
#define HIST_NBLOCK	(HIST_NBUCKETS / HIST_QBLOCK + 1)

/* v if v > 0, else +0 (the terms hist_quantiles adds), two at a time. */
static inline hist_v2
hist_positive(hist_v2 v)
{
	hist_v2 zero = { 0, 0 };
	hist_v2l bits, keep = v > zero;
	memcpy(&bits, &v, sizeof bits);
	bits &= keep;
	memcpy(&v, &bits, sizeof v);
	return v;
}

/* block[b] = the positive weight of s's buckets lo + HIST_QBLOCK b
 * onwards (the last block's up to hi), two at a time; returns the number
 * of blocks. */
static int
hist_block_sums(const double *s, int lo, int hi, double *block)
{
	int nblock = 0, i = lo;
	for (; i + HIST_QBLOCK <= hi + 1; i += HIST_QBLOCK) {
		hist_v2 v0, v1, v2, v3;
		memcpy(&v0, &s[i], sizeof v0);
		memcpy(&v1, &s[i + 2], sizeof v1);
		memcpy(&v2, &s[i + 4], sizeof v2);
		memcpy(&v3, &s[i + 6], sizeof v3);
		hist_v2 t = (hist_positive(v0) + hist_positive(v1)) +
		    (hist_positive(v2) + hist_positive(v3));
		block[nblock++] = t[0] + t[1];
	}
	if (i <= hi) {
		double t = 0;
		for (; i <= hi; i++)
			t += s[i] > 0 ? s[i] : 0;
		block[nblock++] = t;
	}
	return nblock;
}

/*
 * The bucket at[k] where hist_quantiles's walk over h reaches target[k],
 * for the ascending targets k0 .. n - 1 (hi + 1: not reached; the
 * underflow is below target[k0]), from the blocks' weights
 * (hist_block_sums). False when a sum comes too close to a target to tell.
 */
static bool
hist_crossings(const struct hist *h, const double *block, int nblock,
    const double *target, int k0, int n, int *at)
{
	const double *bk = h->bucket;
	int lo = h->lo, hi = h->hi;
	double below = h->under;	/* the sum before bucket i: surely below
					   the current target */
	int b = 0, i = lo;		/* bucket i, in block b */
	for (int k = k0; k < n; k++) {
		double tk = target[k];
		for (;;) {
			if (i == lo + HIST_QBLOCK * b) {
				/* whole blocks surely below */
				double end;
				while (b < nblock && (end = below + block[b]) *
				    (1 + HIST_SUM_SLACK) < tk) {
					below = end;
					b++;
				}
				i = lo + HIST_QBLOCK * b;
			}
			if (i > hi) {
				at[k] = hi + 1;
				break;
			}
			double with = below + (bk[i] > 0 ? bk[i] : 0);
			if (with * (1 + HIST_SUM_SLACK) < tk) {
				below = with;
				if (++i == lo + HIST_QBLOCK * (b + 1))
					b++;
				continue;
			}
			if (!(with * (1 - HIST_SUM_SLACK) >= tk) || !(with < INFINITY))
				return false;
			at[k] = i;	/* the next level starts from it again */
			break;
		}
	}
	return true;
}

/*
 * hist_quantiles(src, ...) and hist_merge_clear(dst, src), to the bit:
 * hist_crossings finds the quantiles' buckets from src's sums by blocks
 * when it can tell, else hist_quantiles walks src; then its buckets are
 * moved, two at a time (each bucket of dst gets the same one addition).
 * Levels other than ascending ones in (0, 1) take the two calls.
 */
void
hist_quantiles_merge_clear(struct hist *dst, struct hist *src, const double *q, int n,
    double *out)
{
	bool plain = src->count > 0 && src->lo <= src->hi && n <= 8;
	for (int k = 0; k < n && plain; k++)
		plain = q[k] > 0 && q[k] < 1 && (k == 0 || q[k] >= q[k - 1]);
	if (!plain) {
		hist_quantiles(src, q, n, out);
		hist_merge_clear(dst, src);
		return;
	}
	double target[8] = { 0 }, block[HIST_NBLOCK];
	for (int k = 0; k < n; k++)
		target[k] = q[k] * src->count;
	int lo = src->lo, hi = src->hi, k = 0, at[8];
	/* hist_quantiles: a level the underflow reaches answers min */
	while (k < n && src->under >= target[k])
		out[k++] = src->min;
	int nblock = hist_block_sums(src->bucket, lo, hi, block);
	if (hist_crossings(src, block, nblock, target, k, n, at)) {
		/* hist_quantiles's answers: the bucket's midpoint, or the
		 * largest value (overflow, or rounding left a sliver) */
		for (; k < n; k++)
			out[k] = at[k] > hi ? src->max : hist_clamp(src, exp(hist_ln_min +
			    ((double)at[k] + 0.5) * hist_ln_ratio));
	} else {
		hist_quantiles(src, q, n, out);
	}
	hist_used(dst, lo, hi);
	hist_move_buckets(dst->bucket, src->bucket, lo, hi + 1);
	merge_totals(dst, src);
	src->count = src->sum = src->under = src->over = 0;
	src->min = INFINITY;
	src->max = -INFINITY;
	src->lo = HIST_NBUCKETS;
	src->hi = -1;
}

double
hist_frac_le(const struct hist *h, double x)
{
	if (!(h->count > 0))
		return 0;
	if (x >= h->max)
		return 1;
	if (x < h->min)
		return 0;
	double cum = h->under;
	int ix = hist_index(x);
	if (ix >= HIST_NBUCKETS)
		ix = HIST_NBUCKETS;
	for (int i = h->lo; i < ix && i <= h->hi; i++)
		cum += h->bucket[i];
	if (ix >= 0 && ix < HIST_NBUCKETS &&
	    exp(hist_ln_min + ((double)ix + 0.5) * hist_ln_ratio) <= x)
		cum += h->bucket[ix];
	double f = cum / h->count;
	return f > 1 ? 1 : f;
}
