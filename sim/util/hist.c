/*
 * hist.c - the log-bucketed weighted histogram of hist.h: bucket index by one
 * log(), quantiles by a linear walk over the 1112 buckets (quantiles are read
 * once per reporting interval, adds happen every tick), merge by addition.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sim/util/hist.h"

/* log(HIST_MIN), log(HIST_RATIO) and its inverse. */
static const double hist_ln_min = -13.815510557964274;
static const double hist_ln_ratio = 0.01980262729617973;
static const double hist_inv_ln_ratio = 50.4983497918439;

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = INFINITY;
	h->max = -INFINITY;
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

static void
hist_note(struct hist *h, double lo, double hi, double weight, double mean)
{
	h->count += weight;
	h->sum += weight * mean;
	if (lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
}

static void
hist_put(struct hist *h, int i, double weight)
{
	if (i < 0)
		h->under += weight;
	else if (i >= HIST_NBUCKETS)
		h->over += weight;
	else
		h->bucket[i] += weight;
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
	double per = weight / (hi - lo);
	int ilo = hist_index(lo), ihi = hist_index(hi);
	double x = lo;
	for (int i = ilo; i <= ihi; i++) {
		double end;
		if (i < 0)
			end = HIST_MIN;
		else if (i >= HIST_NBUCKETS)
			end = hi;
		else
			end = hist_upper(i);
		if (end > hi || i == ihi)
			end = hi;
		if (end > x)
			hist_put(h, i, per * (end - x));
		x = end;
	}
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (!(src->count > 0))
		return;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->under += src->under;
	dst->over += src->over;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
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
	for (int i = 0; i < HIST_NBUCKETS; i++) {
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
	for (int i = 0; i < ix && i < HIST_NBUCKETS; i++)
		cum += h->bucket[i];
	if (ix >= 0 && ix < HIST_NBUCKETS &&
	    exp(hist_ln_min + ((double)ix + 0.5) * hist_ln_ratio) <= x)
		cum += h->bucket[ix];
	double f = cum / h->count;
	return f > 1 ? 1 : f;
}
