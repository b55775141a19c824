/*
 * hist.h - a mergeable, fixed-size, log-bucketed histogram of non-negative
 * values (latencies in seconds) with weighted adds, so that a fluid model can
 * add 1234.5 observations at once. Quantiles are exact to within 1% relative
 * error for values in [HIST_MIN, HIST_MAX]; the count, sum and mean are exact.
 */
#ifndef KS_HIST_H
#define KS_HIST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Bucket i holds [HIST_MIN * HIST_RATIO^i, HIST_MIN * HIST_RATIO^(i+1)).
 * With ratio 1.02 the geometric midpoint of a bucket is within
 * sqrt(1.02) - 1 = 0.995% of every value in it. 1112 buckets span 1 us to
 * about 3662 s (8.9 KB per histogram); values below HIST_MIN (including 0)
 * go to an underflow bucket, values above the last bucket to an overflow one.
 * A log-bucketed array was chosen over HdrHistogram's log-linear layout
 * because it needs half the memory for the same worst-case error; adds cost
 * one log().
 */
#define HIST_MIN	1e-6
#define HIST_RATIO	1.02
#define HIST_NBUCKETS	1112

struct hist {
	double	count;		/* total weight */
	double	sum;		/* sum of weight * value */
	double	min;		/* smallest value added (valid when count > 0) */
	double	max;		/* largest value added */
	double	under;		/* weight of values < HIST_MIN */
	double	over;		/* weight of values >= hist_upper(HIST_NBUCKETS-1) */
	int	lo, hi;		/* the buckets written since the reset: every
				   bucket outside [lo, hi] is 0 (none: lo > hi) */
	double	bucket[HIST_NBUCKETS];
};

/* Empties h (also its initializer; a zeroed struct is not valid). */
void hist_reset(struct hist *h);
/* A new empty histogram (as hist_reset leaves it), freed with free(). */
struct hist *hist_new(void);
/* Empties h, which hist_reset initialised, zeroing only the buckets written
 * since (the same histogram as hist_reset's, at the cost of the range in
 * use). */
void hist_clear(struct hist *h);

/* Adds value with a weight (>= 0; 0 adds nothing). Negative or NaN values
 * count as 0. Never allocates. */
void hist_add(struct hist *h, double value, double weight);
/* Adds weight spread uniformly in value over [lo, hi] (lo <= hi). Costs one
 * step per bucket spanned; the part below hi / 64 (at most 1.6% of the
 * weight) is placed at its midpoint, so a call costs at most ~210 steps. */
void hist_add_uniform(struct hist *h, double lo, double hi, double weight);
/*
 * A distribution with a piecewise-linear CDF: knots x[0..n-1] (ascending)
 * with cumulative probabilities p[0..n-1] (ascending, p[0] = 0,
 * p[n-1] = 1). hist_add_pwl adds weight times that distribution shifted by
 * `shift`, keeping only values <= limit (limit <= 0: no limit), as uniform
 * segments; it returns the weight kept, adds weight * value kept to *sum
 * (when sum is not NULL) and accepts h == NULL to only count. It walks the
 * buckets once (one log and one exp per call, then one step per bucket
 * spanned); the bottom of the first segment below 1/8 of its upper end is
 * placed at its midpoint (that segment should be a low quantile).
 * hist_pwl_cdf is its CDF at v (unshifted).
 */
double hist_add_pwl(struct hist *h, const double *x, const double *p, int n,
    double weight, double shift, double limit, double *sum);
double hist_pwl_cdf(const double *x, const double *p, int n, double v);
/*
 * Many hist_add_pwl calls whose knots move little from call to call (a
 * queue's waiting-time distribution, tick after tick), composed at a cost
 * per call that follows the number of knots, not of buckets spanned. The
 * density of a piecewise-linear CDF is a step function: a knot t changes it
 * by D (the next segment's density minus the last's). Its bucket j gets
 * D (upper(j) - t) at once, and every bucket above j gets D times its
 * width: that part is summed per knot (moved along when the knot changes
 * bucket) and spread over the buckets between the knots at hist_acc_flush,
 * bucket i getting its width times the summed density of the segment after
 * the highest knot below it. The histogram is linear in the adds, so h
 * after the flush is hist_add_pwl's up to the rounding of the sums; its
 * buckets are not complete before the flush (count, sum, min and max are).
 * Calls that a limit cuts, with knots below HIST_MIN or in the overflow, or
 * with a number of knots other than the held one's (after a flush) are
 * added at once by hist_add_pwl. Zero-initialise; no allocation; a copy
 * flushed into another histogram leaves the original's pending part for
 * its own. Up to HIST_ACC_MAXKNOT knots (n), else hist_add_pwl.
 */
#define HIST_ACC_MAXKNOT	41
struct hist_acc {
	int		 n;			/* knots held, 0: none */
	int		 knot[HIST_ACC_MAXKNOT];	/* each knot's bucket (-1:
						   underflow, HIST_NBUCKETS:
						   overflow, -2: none yet) */
	double		 d[HIST_ACC_MAXKNOT];	/* its density changes so far */
	double		 dens[HIST_ACC_MAXKNOT];	/* the densities after it so
						   far: the sums of d up to it,
						   without their cancellation */
};
double hist_add_pwl_acc(struct hist *h, struct hist_acc *acc, const double *x,
    const double *p, int n, double weight, double shift, double limit,
    double *sum);
/* Spreads what acc holds into h and empties it. */
void hist_acc_flush(struct hist *h, struct hist_acc *acc);
/* The same, to the bit, each bucket's bounds multiplied as it walks (no
 * table of them): the plain flush KS_INTERVAL_VERIFY compares with. */
void hist_acc_flush_walk(struct hist *h, struct hist_acc *acc);

/* Asks the cache for h's totals and its buckets [lo, hi] (clamped to the
 * array), which are about to be read or written: a hint, nothing changes. */
void hist_prefetch(const struct hist *h, int lo, int hi);

/* dst += src. */
void hist_merge(struct hist *dst, const struct hist *src);
/* hist_merge(dst, src) then hist_clear(src), in one pass over src's
 * buckets in use. */
void hist_merge_clear(struct hist *dst, struct hist *src);

/* Whether h is as hist_reset and hist_clear leave it: no weight, no
 * bucket in use (then every bucket is +0). */
bool hist_is_empty(const struct hist *h);
/* Whether a and b hold the same bits: totals, range in use, buckets. */
bool hist_same(const struct hist *a, const struct hist *b);

double hist_count(const struct hist *h);
/* Exact weighted mean; 0 when empty. */
double hist_mean(const struct hist *h);
double hist_min(const struct hist *h);
double hist_max(const struct hist *h);
/*
 * The q-quantile (0 <= q <= 1): the geometric midpoint of the bucket where the
 * cumulative weight first reaches q * count, clamped to [min, max]; q = 0 and
 * q = 1 give min and max. Underflow answers min, overflow answers max.
 * Returns 0 on an empty histogram.
 */
double hist_quantile(const struct hist *h, double q);
/* out[k] = hist_quantile(h, q[k]) for n quantiles in ascending order, in
 * one walk over the buckets in use. */
void hist_quantiles(const struct hist *h, const double *q, int n, double *out);
/* hist_quantiles(src, q, n, out) then hist_merge_clear(dst, src), to the
 * bit (dst and src distinct): the quantiles found from sums of src's
 * buckets by blocks when those tell, then the buckets moved in one pass. */
void hist_quantiles_merge_clear(struct hist *dst, struct hist *src, const double *q, int n,
    double *out);
/* The fraction of the weight at values <= x (bucket resolution: a bucket
 * counts when its midpoint is <= x). 0 on an empty histogram. */
double hist_frac_le(const struct hist *h, double x);

/* Bounds of bucket i (0 <= i < HIST_NBUCKETS). */
double hist_lower(int i);
double hist_upper(int i);
/* The bucket of value v: -1 for underflow, HIST_NBUCKETS for overflow. */
int hist_index(double v);

#endif
