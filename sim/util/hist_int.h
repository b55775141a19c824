/*
 * hist_int.h - the histogram's private helpers, shared by hist.c and
 * hist_plan.c (which replays hist_add_pwl's walk and so must make the
 * same writes): the range in use, the totals of an addition, one weight
 * put in its bucket, and the cursor of the walk over the buckets.
 */
#ifndef KS_HIST_INT_H
#define KS_HIST_INT_H

#include <math.h>
#include <string.h>

#include "sim/util/hist.h"

/* Buckets [i0, i1] (in range, i0 <= i1) are about to be written. */
static inline void
hist_used(struct hist *h, int i0, int i1)
{
	if (i0 < h->lo)
		h->lo = i0;
	if (i1 > h->hi)
		h->hi = i1;
}

/* The totals of an addition of weight over [lo, hi] of that mean. */
static inline void
hist_note(struct hist *h, double lo, double hi, double weight, double mean)
{
	h->count += weight;
	h->sum += weight * mean;
	if (lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
}

/* Adds weight to bucket i (-1: underflow, HIST_NBUCKETS or above:
 * overflow). */
static inline void
hist_put(struct hist *h, int i, double weight)
{
	if (i < 0)
		h->under += weight;
	else if (i >= HIST_NBUCKETS)
		h->over += weight;
	else {
		hist_used(h, i, i);
		h->bucket[i] += weight;
	}
}

/* A cursor over the buckets: index i and its upper bound. */
struct hist_cursor {
	int	i;
	double	up;
};

static inline void
hist_cursor_at(struct hist_cursor *c, double x)
{
	c->i = hist_index(x);
	if (c->i < 0)
		c->up = HIST_MIN;
	else if (c->i >= HIST_NBUCKETS)
		c->up = INFINITY;
	else
		c->up = hist_upper(c->i);
}

/* The cursor moved up to the bucket of x (x at or above its bucket's
 * lower bound): looked up across a gap of two buckets or more, else
 * stepped, each bound the last times HIST_RATIO (the walks' writes rest
 * on these same bounds). */
static inline void
hist_cursor_seek(struct hist_cursor *c, double x)
{
	if (x >= c->up * HIST_RATIO * HIST_RATIO)
		hist_cursor_at(c, x);
	while (x >= c->up && c->i < HIST_NBUCKETS) {
		if (++c->i >= HIST_NBUCKETS)
			c->up = INFINITY;
		else
			c->up = c->i == 0 ? hist_upper(0) : c->up * HIST_RATIO;
	}
}

/* Two doubles in one register (GCC's vector extension): each lane's
 * product and sum are the scalar operations' (IEEE, no contraction under
 * -std=c11), two buckets an instruction. */
typedef double hist_v2 __attribute__((vector_size(2 * sizeof(double))));
/* What comparing two hist_v2 gives: all bits set in a lane where true. */
typedef long long hist_v2l __attribute__((vector_size(2 * sizeof(long long))));

/* bk[j] += dens * w[j] for j < n, each bucket its one addition. */
static inline void
hist_madd(double *restrict bk, const double *restrict w, double dens, int n)
{
	hist_v2 d2 = { dens, dens };
	int j = 0;
	for (; j + 2 <= n; j += 2) {
		hist_v2 b, x;
		memcpy(&b, &bk[j], sizeof b);
		memcpy(&x, &w[j], sizeof x);
		b += d2 * x;
		memcpy(&bk[j], &b, sizeof b);
	}
	if (j < n)
		bk[j] += dens * w[j];
}

#endif
