/*
 * hist_plan.c - hist_add_pwl's walk recorded and replayed (hist_plan.h).
 * The recording mirrors hist_add_pwl and hist_cursor_spread (hist.c) step
 * for step, keeping each write's bucket and the width that multiplies the
 * segment's density; the replay makes the writes in the recorded order,
 * each bucket's addition the same product of the same two doubles. A
 * change to that walk must be made here too: tests/test_hist_plan.c and
 * KS_INTERVAL_VERIFY compare the two to the bit.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/hist_int.h"
#include "sim/util/hist_plan.h"
#include "sim/util/util.h"

/* Knots a plan holds (a Service's 36 and room to spare), writes of each
 * segment (a lump, underflow, buckets, overflow; a split walk may add a
 * few), and widths (every bucket at most once per segment, plus the
 * segments' shared ends and the out-of-range ones). */
#define PLAN_MAXKNOT	48
#define PLAN_MAXRUN	(8 * PLAN_MAXKNOT)
#define PLAN_MAXW	(HIST_NBUCKETS + 8 * PLAN_MAXKNOT)
/* Distinct walks kept: the Services' no-wait parts share a few. */
#define PLAN_SLOTS	4

/* Writes of density times width to consecutive buckets. */
struct plan_run {
	int	target;		/* the first bucket; -1: underflow, HIST_NBUCKETS: overflow */
	int	n;		/* buckets (1 for the underflow and the overflow) */
	int	w;		/* the first of its widths in hist_plan.w */
};

/* One segment hist_add_pwl takes, what it computes apart from the weight. */
struct plan_seg {
	double	dp;		/* p[k + 1] - p[k]: the weight's factor */
	double	cutf;		/* the limit cuts it: the weight's further factor */
	double	ab;		/* a + b: the sum at its midpoint */
	double	ba;		/* b - a: the density's divisor */
	bool	cut;
	bool	narrow;		/* too narrow to spread: its weight put in `put` */
	int	put;
	int	run0, nrun;	/* its writes, in order */
};

struct hist_plan {
	bool		 used;		/* holds a key */
	bool		 plain;		/* not recordable: hist_add_pwl's */
	int		 n;		/* the key: knots, levels, shift and limit */
	double		 shift, limit;
	double		 x[PLAN_MAXKNOT], p[PLAN_MAXKNOT];
	double		 min_dp;	/* the least weight factor of the segments */
	double		 lo, hi;	/* the range of the values added */
	int		 ulo, uhi;	/* the buckets marked in use */
	int		 nseg, nrun, nw;
	struct plan_seg	 seg[PLAN_MAXKNOT];
	struct plan_run	 run[PLAN_MAXRUN];
	double		 w[PLAN_MAXW];
};

struct hist_plans {
	struct hist_plan slot[PLAN_SLOTS];
	int		 last;		/* the slot used last, looked at first */
	int		 next;		/* the slot recorded over next */
	unsigned long	 recorded, replayed;
};

struct hist_plans *
hist_plans_new(void)
{
	struct hist_plans *ps = xcalloc(1, sizeof *ps);
	return ps;
}

void
hist_plans_free(struct hist_plans *ps)
{
	free(ps);
}

void
hist_plans_stats(const struct hist_plans *ps, unsigned long *recorded,
    unsigned long *replayed)
{
	*recorded = ps->recorded;
	*replayed = ps->replayed;
}

/* hist_put's target for bucket index i. */
static int
plan_target(int i)
{
	return i < 0 ? -1 : i >= HIST_NBUCKETS ? HIST_NBUCKETS : i;
}

static void
plan_used(struct hist_plan *pl, int i0, int i1)
{
	if (i0 < pl->ulo)
		pl->ulo = i0;
	if (i1 > pl->uhi)
		pl->uhi = i1;
}

/* Segment sg's next write: width to target (plan_target's). False when
 * the plan is full. */
static bool
plan_write(struct hist_plan *pl, struct plan_seg *sg, int target, double width)
{
	if (pl->nw >= PLAN_MAXW)
		return false;
	struct plan_run *r = sg->nrun > 0 ? &pl->run[sg->run0 + sg->nrun - 1] : NULL;
	bool bucket = target >= 0 && target < HIST_NBUCKETS;
	if (bucket && r != NULL && r->target >= 0 && r->target < HIST_NBUCKETS &&
	    r->target + r->n == target) {
		r->n++;
	} else {
		if (pl->nrun >= PLAN_MAXRUN)
			return false;
		pl->run[pl->nrun++] = (struct plan_run){ target, 1, pl->nw };
		sg->nrun++;
	}
	if (bucket)
		plan_used(pl, target, target);
	pl->w[pl->nw++] = width;
	return true;
}

/* hist_cursor_spread's walk over [x, b], its writes recorded. */
static bool
plan_spread(struct hist_plan *pl, struct plan_seg *sg, struct hist_cursor *c, double x,
    double b)
{
	hist_cursor_seek(c, x);
	if (c->i >= 0 && c->i < HIST_NBUCKETS) {
		int i = c->i;
		double up = c->up;
		/* hist_cursor_spread's two walks take these steps: bounds
		 * multiplied one after the other */
		while (up < b) {
			if (!plan_write(pl, sg, i, up - x))
				return false;
			x = up;
			if (++i >= HIST_NBUCKETS)
				break;
			up *= HIST_RATIO;
		}
		c->i = i;
		c->up = i >= HIST_NBUCKETS ? INFINITY : up;
		if (i < HIST_NBUCKETS)
			return plan_write(pl, sg, i, b - x);
	} else if (c->i < 0) {
		double end = b < HIST_MIN ? b : HIST_MIN;
		if (!plan_write(pl, sg, -1, end - x))
			return false;
		x = end;
		if (x >= b)
			return true;
		hist_cursor_at(c, x);
		return plan_spread(pl, sg, c, x, b);
	}
	return plan_write(pl, sg, HIST_NBUCKETS, b - x);
}

/* hist_add_pwl's loop for a weight whose every segment's weight is > 0
 * (hist_add_pwl_planned checks it), recorded. False when it does not fit. */
static bool
plan_record(struct hist_plan *pl, const double *x, const double *p, int n, double shift,
    double limit)
{
	struct hist_cursor cur = { .i = 0, .up = -1 };
	bool first = true;
	pl->nseg = pl->nrun = pl->nw = 0;
	pl->ulo = HIST_NBUCKETS;
	pl->uhi = -1;
	pl->lo = INFINITY;
	pl->hi = -INFINITY;
	pl->min_dp = INFINITY;
	for (int k = 0; k + 1 < n; k++) {
		double a = x[k] + shift, b = x[k + 1] + shift;
		double dp = p[k + 1] - p[k];
		if (!(dp > 0))
			continue;	/* then weight * dp is not > 0 either */
		if (limit > 0 && a > limit)
			break;
		if (a < 0)
			a = 0;
		struct plan_seg *sg = &pl->seg[pl->nseg++];
		memset(sg, 0, sizeof *sg);
		sg->dp = dp;
		sg->run0 = pl->nrun;
		if (dp < pl->min_dp)
			pl->min_dp = dp;
		if (limit > 0 && b > limit) {
			sg->cut = true;
			sg->cutf = b > a ? (limit - a) / (b - a) : 1;
			b = limit;
		}
		sg->ab = a + b;
		if (a < pl->lo)
			pl->lo = a;
		if (b > pl->hi)
			pl->hi = b;
		if (!(b - a > 1e-9 * b)) {
			sg->narrow = true;
			sg->put = plan_target(hist_index(0.5 * (a + b)));
			if (sg->put >= 0 && sg->put < HIST_NBUCKETS)
				plan_used(pl, sg->put, sg->put);
			continue;
		}
		sg->ba = b - a;
		if (first && a < b / 8) {
			if (!plan_write(pl, sg, plan_target(hist_index(0.5 * (a + b / 8))),
			    b / 8 - a))
				return false;
			a = b / 8;
		}
		if (first || cur.up < 0)
			hist_cursor_at(&cur, a);
		first = false;
		if (!plan_spread(pl, sg, &cur, a, b))
			return false;
	}
	return true;
}

/* hist_add_pwl's additions for weight, from the plan. */
static double
plan_replay(struct hist *h, const struct hist_plan *pl, double weight, double *sum)
{
	double added = 0, s = 0;
	for (int k = 0; k < pl->nseg; k++) {
		const struct plan_seg *sg = &pl->seg[k];
		double m = weight * sg->dp;
		if (sg->cut)
			m *= sg->cutf;
		added += m;
		s += m * 0.5 * sg->ab;
		if (sg->narrow) {
			hist_put(h, sg->put, m);
			continue;
		}
		double dens = m / sg->ba;
		for (int r = sg->run0; r < sg->run0 + sg->nrun; r++) {
			const struct plan_run *rn = &pl->run[r];
			const double *restrict w = &pl->w[rn->w];
			if (rn->target < 0) {
				h->under += dens * w[0];
			} else if (rn->target >= HIST_NBUCKETS) {
				h->over += dens * w[0];
			} else {
				hist_madd(&h->bucket[rn->target], w, dens, rn->n);
			}
		}
	}
	if (pl->ulo <= pl->uhi)
		hist_used(h, pl->ulo, pl->uhi);
	if (sum != NULL)
		*sum += s;
	if (added > 0)
		hist_note(h, pl->lo, pl->hi, added, s / added);
	return added;
}

static bool
same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Whether pl was recorded for these arguments, bit for bit. */
static bool
plan_is(const struct hist_plan *pl, const double *x, const double *p, int n, double shift,
    double limit)
{
	return pl->used && pl->n == n && same_double(pl->shift, shift) &&
	    same_double(pl->limit, limit) && memcmp(pl->x, x, (size_t)n * sizeof *x) == 0 &&
	    memcmp(pl->p, p, (size_t)n * sizeof *p) == 0;
}

/* The plan of these arguments, recorded now if no slot holds it. */
static const struct hist_plan *
plan_find(struct hist_plans *ps, const double *x, const double *p, int n, double shift,
    double limit)
{
	if (plan_is(&ps->slot[ps->last], x, p, n, shift, limit))
		return &ps->slot[ps->last];
	for (int i = 0; i < PLAN_SLOTS; i++)
		if (plan_is(&ps->slot[i], x, p, n, shift, limit)) {
			ps->last = i;
			return &ps->slot[i];
		}
	ps->last = ps->next;
	ps->next = (ps->next + 1) % PLAN_SLOTS;
	struct hist_plan *pl = &ps->slot[ps->last];
	pl->used = true;
	pl->n = n;
	pl->shift = shift;
	pl->limit = limit;
	memcpy(pl->x, x, (size_t)n * sizeof *x);
	memcpy(pl->p, p, (size_t)n * sizeof *p);
	pl->plain = !plan_record(pl, x, p, n, shift, limit);
	ps->recorded++;
	return pl;
}

double
hist_add_pwl_planned(struct hist *h, struct hist_plans *ps, const double *x,
    const double *p, int n, double weight, double shift, double limit, double *sum)
{
	if (h == NULL || ps == NULL || n > PLAN_MAXKNOT || !(weight > 0))
		return hist_add_pwl(h, x, p, n, weight, shift, limit, sum);
	const struct hist_plan *pl = plan_find(ps, x, p, n, shift, limit);
	/* the segments' weights are > 0 as the plan takes them (rounding is
	 * monotonic: the least of them decides) */
	if (pl->plain || !(weight * pl->min_dp > 0))
		return hist_add_pwl(h, x, p, n, weight, shift, limit, sum);
	ps->replayed++;
	return plan_replay(h, pl, weight, sum);
}
