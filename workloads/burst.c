/*
 * burst.c - the two-state MMPP of burst.h: mean-preserving levels, the
 * closed-form index of dispersion of its counts, and its state path drawn
 * lazily, one holding time at a time, from its own RNG stream.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "sim/util/util.h"
#include "workloads/burst.h"

void
wl_burst_levels(const struct wl_burst *b, double *lo, double *hi)
{
	if (b->kind != WL_BURST_MMPP) {
		*lo = *hi = 1;
		return;
	}
	double p = wl_burst_fraction(b);
	*lo = 1 / (1 - p + p * b->ratio);
	*hi = b->ratio * *lo;
}

double
wl_burst_fraction(const struct wl_burst *b)
{
	if (b->kind != WL_BURST_MMPP)
		return 0;
	KS_ASSERT(b->length > 0 && b->every > 0 && b->ratio > 0);
	return (double)b->length / ((double)b->length + (double)b->every);
}

double
wl_burst_idc(const struct wl_burst *b, double rate, double t)
{
	if (b->kind != WL_BURST_MMPP || !(rate > 0))
		return 1;
	double lo, hi;
	wl_burst_levels(b, &lo, &hi);
	double a = 1 / sim_ns_to_s(b->every), d = 1 / sim_ns_to_s(b->length);
	double s = a + d, dl = (hi - lo) * rate;
	double excess = 2 * a * d * dl * dl / (s * s * s * rate);
	if (isinf(t))
		return 1 + excess;
	if (!(t > 0))
		return 1;
	double st = s * t;
	/* 1 - (1 - e^-x) / x, accurate for small x too. */
	double shape = st < 1e-4 ? st / 2 - st * st / 6 : 1 + expm1(-st) / st;
	return 1 + excess * shape;
}

/* The path: the current holding interval [seg_start, seg_end) and whether
 * it is a burst. */
struct wl_mmpp {
	struct wl_burst	 b;
	double		 lo, hi;
	gsl_rng		*rng;
	int		 burst;
	sim_ns		 seg_start, seg_end;
	sim_ns		 last;		/* the latest time asked about */
};

/* An exponential holding time of mean `mean` ns, at least 1 ns. */
static sim_ns
holding(gsl_rng *rng, sim_ns mean)
{
	double x = -log(gsl_rng_uniform_pos(rng)) * (double)mean;
	if (x > 9e18)
		return SIM_NEVER / 2;
	sim_ns d = (sim_ns)x;
	return d > 0 ? d : 1;
}

static void
next_segment(struct wl_mmpp *m)
{
	m->burst = !m->burst;
	m->seg_start = m->seg_end;
	sim_ns d = holding(m->rng, m->burst ? m->b.length : m->b.every);
	m->seg_end = m->seg_start > SIM_NEVER - d ? SIM_NEVER : m->seg_start + d;
}

struct wl_mmpp *
wl_mmpp_new(const struct wl_burst *b, uint64_t seed, const char *name,
    sim_ns start)
{
	KS_ASSERT(b->kind == WL_BURST_MMPP);
	struct wl_mmpp *m = xcalloc(1, sizeof *m);
	m->b = *b;
	wl_burst_levels(b, &m->lo, &m->hi);
	char *stream = xasprintf("burst:%s", name != NULL ? name : "service");
	m->rng = sim_rng_new(seed, stream);
	free(stream);
	/* Stationary start: a burst with probability p; by memorylessness the
	 * remaining holding time is a full exponential. */
	m->burst = gsl_rng_uniform(m->rng) < wl_burst_fraction(b);
	m->seg_start = start;
	sim_ns d = holding(m->rng, m->burst ? b->length : b->every);
	m->seg_end = start > SIM_NEVER - d ? SIM_NEVER : start + d;
	m->last = start;
	return m;
}

void
wl_mmpp_free(struct wl_mmpp *m)
{
	if (m == NULL)
		return;
	gsl_rng_free(m->rng);
	free(m);
}

/* Moves the path to the interval holding `at`. */
static void
advance(struct wl_mmpp *m, sim_ns at)
{
	KS_ASSERT(at >= m->last);
	m->last = at;
	while (at >= m->seg_end && m->seg_end != SIM_NEVER)
		next_segment(m);
}

double
wl_mmpp_level(struct wl_mmpp *m, sim_ns at)
{
	advance(m, at);
	return m->burst ? m->hi : m->lo;
}

int
wl_mmpp_in_burst(struct wl_mmpp *m, sim_ns at)
{
	advance(m, at);
	return m->burst;
}

double
wl_mmpp_level_max(struct wl_mmpp *m, sim_ns from, sim_ns to)
{
	advance(m, from);
	double now = m->burst ? m->hi : m->lo;
	if (to < m->seg_end)
		return now;
	/* The other state begins inside [from, to]. */
	return m->hi > m->lo ? m->hi : m->lo;
}
