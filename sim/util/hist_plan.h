/*
 * hist_plan.h - hist_add_pwl for knots that come back: a Service's latency
 * of the requests that did not wait is the same distribution interval after
 * interval (and, for Services alike, Service after Service), added with
 * another weight each time. What hist_add_pwl's walk over the buckets
 * computes from the knots alone (each segment's buckets and the widths of
 * its parts of them) is recorded once; adding the distribution again costs
 * a multiply-add per bucket, computing from the weight what hist_add_pwl
 * computes, in the same order: the same bits.
 */
#ifndef KS_HIST_PLAN_H
#define KS_HIST_PLAN_H

#include "sim/util/hist.h"

/* A few recorded walks, looked up by their knots (x, p, n), shift and
 * limit, bit for bit; the oldest is replaced. Owned by the caller. */
struct hist_plans;
struct hist_plans *hist_plans_new(void);
void hist_plans_free(struct hist_plans *ps);

/*
 * hist_add_pwl(h, x, p, n, weight, shift, limit, sum), to the bit, through
 * a recorded walk (recorded now when none has these knots). Calls it does
 * not record (h or ps NULL, more knots than it holds, a weight so small
 * that a segment's weight rounds to 0) are hist_add_pwl's.
 */
double hist_add_pwl_planned(struct hist *h, struct hist_plans *ps, const double *x,
    const double *p, int n, double weight, double shift, double limit, double *sum);

/* Walks recorded and additions made through one (for the tests). */
void hist_plans_stats(const struct hist_plans *ps, unsigned long *recorded,
    unsigned long *replayed);

#endif
