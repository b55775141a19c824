/*
 * serving.h - the fluid serving model: one pod's request queue advanced
 * analytically over a tick (M/G/c steady state when stable, a deterministic
 * fluid queue in overload), with a cost per tick independent of the request
 * rate. See serving.c for the model, its assumptions and references.
 */
#ifndef KS_SERVING_H
#define KS_SERVING_H

#include "sim/util/hist.h"
#include "sim/util/hist_plan.h"

/* Probability levels of the quantile tables (see serving.c, "Latency
 * distribution"), and the grid of normalized wait rates beta = theta * s:
 * 10^-3 .. 10^3, 8 per decade. */
#define SERVING_NLEV		36
#define SERVING_NBETA		49
/* Waiting-time points per fluid phase. */
#define SERVING_FLUID_PTS	4
/* At most this many fluid phases in one tick (3 are ever used). */
#define SERVING_MAX_PHASES	4

/*
 * A service-time distribution, prepared once per service (read-only after
 * serving_dist_init, shareable by all pods; about 14 KB). Gamma with the
 * given mean and squared coefficient of variation: scv = 1 exponential,
 * 0 deterministic. Quantiles are in units of the mean.
 */
struct serving_dist {
	double	mean;				/* s, seconds */
	double	scv;
	double	wait_factor;			/* Allen-Cunneen (ca^2 + scv) / 2,
						   serving_wait_factor; init:
						   Poisson, ca^2 = 1 */
	double	sq[SERVING_NLEV];		/* quantiles of S / s */
	/* z = Y_q * beta / (1 + beta) for Y = S/s + Exp(beta), per beta */
	double	zq[SERVING_NBETA][SERVING_NLEV];
	/* The means of those piecewise-linear distributions (of sq, of each
	 * zq row): a part that no timeout cuts has its latency sum in closed
	 * form. */
	double	sq_mean;
	double	zq_mean[SERVING_NBETA];
	/* Where the model reads the tables above: NULL, this dist's own; else
	 * those of a dist of the same scv that outlives this one (set by
	 * serving_dist_share; this one's are then not filled). */
	const struct serving_dist *tables;
};

/* The largest scv serving_dist_init accepts. */
#define SERVING_SCV_MAX	100.0

/* Returns 0, or -1 with *cause (caller frees) when mean <= 0, scv < 0 or
 * either is not finite. */
int serving_dist_init(struct serving_dist *d, double mean, double scv,
    char **cause);

/* The tables are in units of the mean, so distributions with the same scv
 * differ only in it: *d = *src with mean replaced (d may equal src). Cheap,
 * unlike serving_dist_init (about 4 ms); mean > 0. */
void serving_dist_rescale(struct serving_dist *d, const struct serving_dist *src,
    double mean);
/* serving_dist_rescale without the copy of the tables: d reads src's
 * (src must outlive d and stay where it is), so that many services of the
 * same scv read one set of tables (14 KB) instead of a copy each. d's own
 * tables are left as they are (unread). */
void serving_dist_share(struct serving_dist *d, const struct serving_dist *src,
    double mean);

/*
 * Allen-Cunneen's factor on the M/M/c waiting time, (ca2 + scv) / 2, for
 * arrivals whose variability is ca2 (the squared coefficient of variation
 * of a renewal stream's interarrival times; for a non-renewal stream such
 * as an MMPP, its asymptotic index of dispersion of counts, as in Whitt's
 * QNA asymptotic method) and service times of squared coefficient of
 * variation scv. Set it in serving_dist.wait_factor before serving_step.
 */
double serving_wait_factor(double ca2, double scv);

enum serving_state {
	SERVING_OK = 0,		/* serving normally */
	SERVING_DEAD		/* every request (and the backlog) fails */
};

/* Per-pod state carried from tick to tick. */
struct serving_pod {
	double	backlog;	/* requests waiting at the end of the last tick */
	double	busy;		/* busy slots at the end of the last tick */
	/* Erlang C cache: the last (c, a) and its P_W. */
	int	ec_c;
	double	ec_a;
	double	ec_pw;
	/* Power-of-d cache: the last (c, a, d) and its P_W, mean wait. */
	int	mf_c, mf_d;
	double	mf_a, mf_pw, mf_wq;
};

void serving_pod_init(struct serving_pod *p);

/* One tick's inputs for one pod. */
struct serving_tick {
	double			 dt;		/* tick length, seconds, > 0 */
	double			 offered;	/* A: requests offered in the tick, >= 0 */
	int			 concurrency;	/* c: slots, >= 0 */
	double			 timeout;	/* T seconds; 0 = none */
	double			 queue_limit;	/* max waiting requests; 0 = unbounded */
	enum serving_state	 state;
	const struct serving_dist *dist;
	double			 net_latency;	/* s, added to every response; 0 none */
	int			 choices;	/* d >= 2: the balancer sends each request
						   to the least loaded of d pods
						   (serving_pod_of_d); else
						   independent Poisson arrivals */
	double			 stretch;	/* service times times this (a CPU
						   limit's throttling, node contention,
						   a slow release); 0 or 1: as dist */
};

/* One fluid phase: n requests served, their waits linear from w0 to w1;
 * or, when xr > 0 (a pod held at its queue cap), w1 minus an exponential
 * gap of rate xr truncated to [0, w1]. */
struct serving_phase {
	double	n;
	double	w0;
	double	w1;
	double	xr;
};

/*
 * One tick's outcome. Conservation:
 *   offered + backlog_before = ok + timed_out + rejected + failed + backlog.
 * timed_out includes abandoned (left the queue after waiting T, no work
 * done) and requests whose wait + service exceeded T (work done).
 */
struct serving_result {
	double	ok;		/* completed within the timeout */
	double	timed_out;
	double	abandoned;	/* part of timed_out that never started service */
	double	rejected;	/* queue full */
	double	failed;		/* pod dead */
	double	started;	/* requests that entered service (ok + timed out in service) */
	double	backlog;	/* waiting at the end of the tick */
	double	busy_frac;	/* served work / (c dt), in [0, 1] */
	double	latency_sum;	/* sum of response times of the ok requests, s */
	double	smean;		/* the mean service time used: dist mean x stretch */
	/* Little's law terms: the integral over the tick of the requests in
	 * the pod (queued + in service), request-seconds, from the backlog
	 * trajectory and busy slots; and the total time in the pod of the
	 * requests that left in the tick (served: wait + service; abandoned
	 * from the carried backlog: the timeout; turned away at the cap: 0). */
	double	occupancy;
	double	sojourn;
	/* The latency mixture, for serving_add_latency: */
	double	st_n;		/* requests in the stable (M/G/c) part */
	double	st_pw;		/* its probability of waiting */
	double	st_rate;	/* its waiting-time decay rate, 1/s */
	/* exp(-st_rate T), the share of its waits past the timeout T, as
	 * serving_step computed it for (st_decay_rate, st_decay_T); T 0:
	 * none */
	double	st_decay, st_decay_rate, st_decay_T;
	int	nphase;
	struct serving_phase phase[SERVING_MAX_PHASES];
	/* Where st_rate falls in dist's Y table (row y_j, fraction y_f, and
	 * the factor from z to seconds), for serving_add_latency*: set by
	 * serving_step for (y_dist, y_rate, y_mean), else y_dist is NULL. */
	const struct serving_dist *y_dist;
	double	y_rate, y_mean, y_f, y_unscale;
	int	y_j;
};

/*
 * Advances one pod by one tick and fills *res. When h is not NULL the
 * response times of the ok requests are added to it (weight = requests).
 * Cost: a few hundred histogram bucket steps at most, independent of the
 * request rate, plus O(c) for Erlang C when (c, a) changed since the pod's
 * last tick. Without a timeout and with h == NULL it is O(1).
 */
void serving_step(struct serving_pod *pod, const struct serving_tick *in,
    struct serving_result *res, struct hist *h);

/*
 * The last step taken through serving_step_memo: its inputs (with the
 * distribution's mean, scv and wait factor as they were), the pod's backlog
 * before it, and the result and pod state it gave. serving_step depends on
 * nothing else (the pod's busy slots and caches are outputs), so the same
 * backlog and inputs give the same result: a pod or cohort whose inputs did
 * not change in a tick (steady traffic) costs a comparison. valid false:
 * empty (zero it to start).
 */
struct serving_memo {
	bool			valid;
	struct serving_tick	in;
	double			mean, scv, wait_factor;
	double			backlog;
	struct serving_pod	after;
	struct serving_result	res;
};

/* serving_step without a histogram, through the memo m: the memo's result
 * when pod's backlog and *in match it, else a step that becomes the memo. */
void serving_step_memo(struct serving_memo *m, struct serving_pod *pod,
    const struct serving_tick *in, struct serving_result *res);

/*
 * Adds the response times of res's ok requests, times scale, to h: for
 * callers that step one representative pod and account for n identical ones
 * (scale = n). dist and timeout must be those of the step.
 */
void serving_add_latency(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double scale,
    struct hist *h);
/* The same with every response time shifted by net_latency seconds (as
 * serving_tick.net_latency). */
void serving_add_latency_net(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency,
    double scale, struct hist *h);

/*
 * Latency composed per interval instead of per tick: the stable part of a
 * tick's latency mixture is two piecewise-linear CDFs (requests that did
 * not wait: S; those that waited: Y for the tick's wait rate) whose knots
 * depend only on the distribution, the wait rate, the network latency
 * and the timeout. serving_add_latency_deferred keeps each part's weight
 * while its knots stay the same tick after tick and adds it to the
 * histogram once, when they change or at serving_deferred_flush (before
 * the histogram is read); fluid phases are added at once. The histogram
 * is linear in the weights, so the result is serving_add_latency_net's up
 * to the rounding of the sums. Zero-initialise; no allocation.
 */
/* Where a Y part's knots are in its distribution's tables (the row, the
 * fraction towards the next, the factor to seconds): the knots are
 * computed from them when the part is added to the histogram, the same
 * bits as when keyed (the tables do not change), and a change of wait
 * rate at each minute's turn writes four words instead of 36 knots. */
struct serving_ycoords {
	const struct serving_dist *d;
	int	 j;
	double	 f, unscale;
};
struct serving_pending {
	bool	 set;
	bool	 known;			/* the knots are the key's, set or not
					   (a flushed part's, keyed again) */
	double	 w;			/* requests x scale so far */
	double	 rate, mean, scv, net, timeout;	/* the key */
	const struct serving_dist *d;
	struct serving_ycoords y;	/* part 1's knots */
	double	 x[SERVING_NLEV];	/* part 0's knots, seconds */
};
#define SERVING_HELD	6
struct serving_held {			/* a Y part's addition held back */
	double	 w, net, timeout;
	struct serving_ycoords y;
};
struct serving_deferred {
	struct serving_pending	part[2];	/* 0: no wait (S), 1: waited (Y) */
	/* Y's knots move with the wait rate, which changes tick after tick
	 * under a varying load: its parts go through an accumulator whose
	 * cost follows the knots, not the buckets (hist_add_pwl_acc). */
	struct hist_acc		acc;
	/* The Y parts whose knots changed, their additions to the histogram
	 * and the accumulator held back and made in order at the next write
	 * to the histogram that is not one of them (serving_deferred_drain):
	 * the same additions in the same order, made together while the
	 * histogram is in the cache instead of one at each change. A ring:
	 * held[first] is the oldest of nheld. */
	int			first, nheld;
	struct serving_held	held[SERVING_HELD];
	/* each part's knots found known (serving_pending.known) computed
	 * again and compared, aborting on a difference (KS_INTERVAL_VERIFY) */
	bool			verify_knots;
};
void serving_add_latency_deferred(const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency,
    double scale, struct hist *h, struct serving_deferred *df);
/* Whether serving_add_latency_deferred(res, dist, timeout, net_latency,
 * scale, h, df) would only add to the weights df holds (the same knots, no
 * fluid phase): then w[k] is what it adds to df->part[k].w (-1: nothing). */
bool serving_deferred_hits(const struct serving_deferred *df, const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency, double scale,
    const struct hist *h, double w[2]);
/* After serving_deferred_flush: the parts serving_add_latency_deferred(res,
 * dist, timeout, net_latency, scale, h, df) would key, keyed with no
 * weight yet, so that what it adds next only adds weights. */
void serving_deferred_prime(struct serving_deferred *df, const struct serving_result *res,
    const struct serving_dist *dist, double timeout, double net_latency, double scale,
    const struct hist *h);
/* Asks the cache for what serving_deferred_flush(df, h) reads and writes:
 * a hint, nothing changes. */
void serving_deferred_prefetch(const struct serving_deferred *df, const struct hist *h);
/* Adds what df holds to h and empties df. */
void serving_deferred_flush(struct serving_deferred *df, struct hist *h);
/* The same, to the bit, the no-wait part's walk over the buckets replayed
 * from plans (hist_add_pwl_planned), which the caller owns: that part's
 * knots are the same flush after flush, and Service after Service when
 * their distributions are. */
void serving_deferred_flush_planned(struct serving_deferred *df, struct hist *h,
    struct hist_plans *plans);
/* Makes the additions df held back (to h, the histogram they were held for
 * or a copy of it as it is): before anything else writes to h. */
void serving_deferred_drain(struct serving_deferred *df, struct hist *h);

/* The number of piecewise-linear segments serving_add_latency adds for
 * res: a measure of the cost, the same at any request rate. */
int serving_latency_atoms(const struct serving_result *res);

/*
 * Erlang C: the probability that an arrival waits in an M/M/c queue with c
 * servers and offered load a = lambda * s (erlangs). Computed by the Erlang
 * B recursion B(k) = a B(k-1) / (k + a B(k-1)), then
 * C = B / (1 - (a/c)(1 - B)); stable for any c. Returns 1 when a >= c or
 * c < 1, 0 when a <= 0.
 */
double serving_erlang_b(int c, double a);
double serving_erlang_c(int c, double a);

/*
 * Power of d choices over many pods of c slots each, a = lambda s erlangs
 * offered per pod (< c): the mean-field fixed point [Mitzenmacher, "The
 * power of two choices in randomized load balancing", IEEE TPDS 12(10),
 * 2001; Vvedenskaya, Dobrushin & Karpelevich 1996] of s_k, the fraction of
 * pods with at least k requests:
 *   a s_{k-1}^d = k s_k + sum_{j=k+1..c} s_j   (k <= c),
 *   s_k = (a / c) s_{k-1}^d                    (k > c),   s_0 = 1,
 * solved by bisection on s_c. Sets *pw = s_c^d (both sampled pods full:
 * the request waits) and *wq = sum_{k>c} s_k / lambda, in units of s
 * (multiply by the mean service time). d = 1 gives Erlang C exactly.
 */
void serving_pod_of_d(int c, double a, int d, double *pw, double *wq);

#endif
