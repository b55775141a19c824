/*
 * engine.h - the discrete-event kernel: an integer-nanosecond clock, an event
 * queue ordered by (time, priority, insertion sequence), cancellable timers,
 * named RNG streams, probability distributions for physical processes and the
 * probe interface through which results leave a run. It knows nothing of
 * Kubernetes: models register handlers and emit probe records.
 */
#ifndef KS_ENGINE_H
#define KS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Virtual time: a signed count of nanoseconds since the start of the run. */
typedef int64_t sim_ns;
#define SIM_NS		((sim_ns)1)
#define SIM_US		((sim_ns)1000)
#define SIM_MS		((sim_ns)1000000)
#define SIM_SEC		((sim_ns)1000000000)
#define SIM_MIN		(60 * SIM_SEC)
#define SIM_HOUR	(3600 * SIM_SEC)
#define SIM_NEVER	INT64_MAX
/*
 * The longest span a run may cover or any input duration may ask for: 10
 * years (87,600 h). Keeping every span this far below INT64_MAX lets models
 * add a few of them to the clock without overflow; distribution samples in
 * nanoseconds are clamped to it.
 */
#define SIM_SPAN_MAX	(87600 * SIM_HOUR)

static inline double sim_ns_to_s(sim_ns t) { return (double)t / 1e9; }
/* Rounds to the nearest nanosecond; clamps to [0, SIM_NEVER). */
sim_ns sim_s_to_ns(double seconds);

struct sim;

/* An event handler. ctx and arg are what was given when scheduling. */
typedef void sim_handler(struct sim *sim, void *ctx, uint64_t arg);

/* Timer handles are never 0, so 0 can mean "no timer". */
typedef uint64_t sim_timer;

struct sim *sim_new(void);
void sim_free(struct sim *sim);

sim_ns sim_now(const struct sim *sim);

/*
 * Schedules fn(ctx, arg) at absolute time `at`. Events at equal time run by
 * ascending prio, then in the order they were scheduled. Scheduling into the
 * past is a fatal error (it aborts). Returns a handle for sim_cancel.
 * prio must lie in [SIM_PRIO_MIN, SIM_PRIO_MAX]; fn must not be NULL.
 */
#define SIM_PRIO_MIN	(-128)
#define SIM_PRIO_MAX	127
sim_timer sim_at(struct sim *sim, sim_ns at, int prio, sim_handler *fn,
    void *ctx, uint64_t arg);
/* The same, `delay` (>= 0) after now. */
sim_timer sim_after(struct sim *sim, sim_ns delay, int prio, sim_handler *fn,
    void *ctx, uint64_t arg);
/* Cancels a pending timer; returns false when it already ran, was cancelled,
 * or is 0. Safe to call with a stale handle. */
bool sim_cancel(struct sim *sim, sim_timer t);

/* Runs events in order until the queue is empty, an event's time exceeds
 * `until` (the clock is then set to `until`), or sim_stop is called.
 * Returns true when stopped by sim_stop. When the queue runs empty the clock
 * is also set to `until` (unless it is SIM_NEVER): the run covered it. */
bool sim_run(struct sim *sim, sim_ns until);
/* Makes sim_run return after the current event. */
void sim_stop(struct sim *sim);
/*
 * A poll that sim_run calls every `every` events (every > 0); when it returns
 * true, sim_run stops as sim_stop does. For a program's stop flag (a signal),
 * which must be seen however many events one stretch of virtual time holds.
 * fn NULL removes it.
 */
typedef bool sim_poll_fn(void *ctx);
void sim_set_poll(struct sim *sim, uint64_t every, sim_poll_fn *fn, void *ctx);

uint64_t sim_events_executed(const struct sim *sim);
size_t sim_events_pending(const struct sim *sim);

/*
 * RNG streams. Each component draws from its own generator, seeded from
 * (run seed, component name) so that changing one component's draws never
 * shifts another's (common random numbers). Caller frees with gsl_rng_free.
 */
gsl_rng *sim_rng_new(uint64_t seed, const char *component);

/*
 * Distributions of durations and sizes, in the unit of the caller (seconds
 * for durations). Parameters by kind:
 *   SIM_DIST_CONST        a = value
 *   SIM_DIST_UNIFORM      a = low, b = high
 *   SIM_DIST_EXPONENTIAL  a = mean
 *   SIM_DIST_NORMAL       a = mean, b = stddev (negative draws clamp to 0)
 *   SIM_DIST_LOGNORMAL    a = median, b = sigma of the underlying normal
 *   SIM_DIST_GAMMA        a = shape k, b = scale theta
 *   SIM_DIST_WEIBULL      a = shape k, b = scale lambda
 *   SIM_DIST_PARETO       a = shape alpha, b = scale x_m (minimum)
 *   SIM_DIST_EMPIRICAL    samples[0 .. nsamples) drawn uniformly (borrowed:
 *                         the owner keeps them alive); a = their mean,
 *                         b = their squared coefficient of variation (set
 *                         by sim_dist_empirical)
 * Every kind also has `min`, `max` clamps (max 0 = no upper clamp).
 */
enum sim_dist_kind {
	SIM_DIST_CONST, SIM_DIST_UNIFORM, SIM_DIST_EXPONENTIAL, SIM_DIST_NORMAL,
	SIM_DIST_LOGNORMAL, SIM_DIST_GAMMA, SIM_DIST_WEIBULL, SIM_DIST_PARETO,
	SIM_DIST_EMPIRICAL,
};
struct sim_dist {
	enum sim_dist_kind kind;
	double		   a, b;
	double		   min, max;
	const double	  *samples;	/* SIM_DIST_EMPIRICAL only */
	size_t		   nsamples;
};
double sim_dist_sample(const struct sim_dist *d, gsl_rng *rng);
/* A sample in seconds, returned as nanoseconds, clamped to SIM_SPAN_MAX. */
sim_ns sim_dist_sample_ns(const struct sim_dist *d, gsl_rng *rng);
/* The distribution's mean before clamping (infinite for Pareto alpha <= 1). */
double sim_dist_mean(const struct sim_dist *d);
/* Convenience constructors. */
struct sim_dist sim_dist_const(double v);
struct sim_dist sim_dist_exp(double mean);
struct sim_dist sim_dist_lognormal(double median, double sigma);
/* Uniform over x[0 .. n), n >= 1, x borrowed (values >= 0, finite). */
struct sim_dist sim_dist_empirical(const double *x, size_t n);
/* Squared coefficient of variation (variance / mean^2) before clamping:
 * exact for every kind (Weibull by its gamma functions; Pareto
 * 1 / (alpha (alpha - 2)), infinite for alpha <= 2); 0 for a zero mean. */
double sim_dist_scv(const struct sim_dist *d);
/* Parses a kind name ("exponential", "lognormal", ...); -1 if unknown. */
int sim_dist_kind_parse(const char *name);
/* The kind's name, or NULL for a value outside the enum. */
const char *sim_dist_kind_name(enum sim_dist_kind k);
/* The parametric kinds' names (all but empirical), NULL-terminated (for
 * ks_nearest suggestions). */
const char *const *sim_dist_kind_names(void);
/* Checks the parameters (positive means and scales, min <= max, ...): 0, or
 * -1 with *cause (caller frees) saying what is wrong, without position. */
int sim_dist_check(const struct sim_dist *d, char **cause);

/*
 * Probes: the only way results leave a run. A model emits a record to a
 * named table with its values in the table's column order (the run id is
 * added by the sink). Text values are copied by the sink before emit returns.
 */
enum probe_type { PROBE_NULL, PROBE_INT, PROBE_REAL, PROBE_TEXT };
struct probe_val {
	enum probe_type	type;
	union {
		int64_t		 i;
		double		 r;
		const char	*s;
	} u;
};
#define PV_INT(x)	((struct probe_val){ .type = PROBE_INT, .u.i = (int64_t)(x) })
#define PV_REAL(x)	((struct probe_val){ .type = PROBE_REAL, .u.r = (double)(x) })
#define PV_TEXT(x)	((struct probe_val){ .type = PROBE_TEXT, .u.s = (x) })
#define PV_NULL		((struct probe_val){ .type = PROBE_NULL })

struct probe_sink {
	void	(*emit)(void *ctx, const char *table, const struct probe_val *vals,
		    size_t n);
	void	 *ctx;
};
static inline void
probe_emit(const struct probe_sink *p, const char *table,
    const struct probe_val *vals, size_t n)
{
	if (p != NULL && p->emit != NULL)
		p->emit(p->ctx, table, vals, n);
}

#endif
