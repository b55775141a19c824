/*
 * burst.h - burstiness on top of a traffic model: plain Poisson arrivals,
 * or a two-state Markov-modulated Poisson process (MMPP) whose rate is the
 * model's rate times a level that switches between "normal" and "burst"
 * after exponential holding times. Gives the levels, the closed-form index
 * of dispersion (fluid mode) and the simulated state process (request mode).
 */
#ifndef KS_WL_BURST_H
#define KS_WL_BURST_H

#include <stdint.h>

#include "sim/engine/engine.h"

enum wl_burst_kind {
	WL_BURST_POISSON = 0,	/* no modulation (the default) */
	WL_BURST_MMPP,		/* two-state Markov-modulated Poisson */
};

/*
 * MMPP parameters. The level is lo between bursts and hi = ratio * lo in a
 * burst; bursts last Exp(mean length), the gaps between them (end of one
 * burst to the start of the next) Exp(mean every). The levels are scaled so
 * that their long-run mean is exactly 1: the mean rate of the traffic model
 * is preserved, and only its variability changes. With p = length /
 * (length + every), the fraction of time in bursts:
 *	lo = 1 / (1 - p + p ratio),	hi = ratio lo.
 */
struct wl_burst {
	enum wl_burst_kind	 kind;
	double			 ratio;		/* burstRate: hi / lo, > 0 */
	sim_ns			 length;	/* burstLength: mean, > 0 */
	sim_ns			 every;		/* burstEvery: mean gap, > 0 */
};

/* The levels lo and hi (both 1 for Poisson). */
void wl_burst_levels(const struct wl_burst *b, double *lo, double *hi);
/* The long-run fraction of time in bursts, length / (length + every)
 * (0 for Poisson). */
double wl_burst_fraction(const struct wl_burst *b);

/*
 * The index of dispersion Var N(t) / E N(t) of the arrival counts N(t) in a
 * window of t seconds (t = INFINITY: the limit), for a traffic model of
 * constant rate `rate` (req/s) modulated by b, in the stationary regime.
 * With rates l0 = lo rate, l1 = hi rate, switching rates a = 1 / every
 * (into a burst), d = 1 / length (out of it), s = a + d [Heffes & Lucantoni,
 * IEEE JSAC 4(6), 1986; Fischer & Meier-Hellstern, Perf. Eval. 18, 1993]:
 *	I(t) = 1 + 2 a d (l1 - l0)^2 / (s^3 rate) (1 - (1 - e^-st) / (st)),
 *	I(inf) = 1 + 2 a d (l1 - l0)^2 / (s^3 rate).
 * 1 for Poisson. Note I - 1 grows linearly with the rate.
 */
double wl_burst_idc(const struct wl_burst *b, double rate, double t);

/*
 * The simulated state process of an MMPP (request mode): a random path of
 * the level, drawn from its own RNG stream "burst:<name>" seeded from seed,
 * starting at `start` in the stationary distribution (in a burst with
 * probability wl_burst_fraction). The path depends only on (seed, name, b),
 * not on the times it is asked about. Owned by the caller (wl_mmpp_free).
 */
struct wl_mmpp;
struct wl_mmpp *wl_mmpp_new(const struct wl_burst *b, uint64_t seed,
    const char *name, sim_ns start);
void wl_mmpp_free(struct wl_mmpp *m);
/* The level at `at`. Queries must not go back in time: `at` is >= the
 * `from` or `at` of every earlier call (asserted). O(1) amortized. */
double wl_mmpp_level(struct wl_mmpp *m, sim_ns at);
/* The largest level on [from, to] (exact: hi when a burst covers any part
 * of it). Same rule for from. */
double wl_mmpp_level_max(struct wl_mmpp *m, sim_ns from, sim_ns to);
/* Whether the process is in a burst at `at` (same rule). */
int wl_mmpp_in_burst(struct wl_mmpp *m, sim_ns at);

#endif
