/*
 * traffic.h - offered request rate as a function of virtual time: shape
 * generators (constant, diurnal, step, ramp, spike), their sum, product and
 * scaling, and CSV traces replayed through libcsv. A model is an immutable,
 * reference-counted tree that any number of services may share. No
 * Kubernetes words here: this layer sits above the engine, below scenarios.
 */
#ifndef KS_WL_TRAFFIC_H
#define KS_WL_TRAFFIC_H

#include <stddef.h>

#include "sim/engine/engine.h"

/* The highest rate any input may give: one request per nanosecond of the
 * clock. Past it (1e308 req/s) counts would overflow and results read Inf. */
#define WL_RATE_MAX	1e9

/* An immutable traffic model (opaque). Rates are in requests per second. */
struct wl_traffic;

/*
 * Constructors. Each returns a new model with one reference, owned by the
 * caller. Preconditions (the scenario parser checks them and reports bad
 * input; here they are asserted): rates and factors finite and >= 0,
 * durations and period >= 0, ramp end >= start, knot times far from the
 * ends of sim_ns.
 */
/* rate at all times. */
struct wl_traffic *wl_constant(double rate);
/* A cosine between trough and peak with the given period (24 h when 0),
 * reaching peak at peak_at (and every period before and after it):
 * rate(t) = trough + (peak - trough) * (1 + cos(2 pi (t - peak_at) / P)) / 2. */
struct wl_traffic *wl_diurnal(double trough, double peak, sim_ns period,
    sim_ns peak_at);
/* `from` before `at`, `to` from `at` on. */
struct wl_traffic *wl_step(double from, double to, sim_ns at);
/* `from` until start, linear to `to` at end, `to` after (a step when
 * end == start). */
struct wl_traffic *wl_ramp(double from, double to, sim_ns start, sim_ns end);
/* A trapezoid flash crowd of extra rate (add a base with wl_sum): 0 before
 * at, rising linearly to height over rise, holding height for hold, decaying
 * linearly to 0 over decay, 0 after. */
struct wl_traffic *wl_spike(double height, sim_ns at, sim_ns rise,
    sim_ns hold, sim_ns decay);
/* Sum and product of n >= 1 children. These take over the caller's
 * references to the children (call wl_ref first to keep one). */
struct wl_traffic *wl_sum(struct wl_traffic *const *kids, size_t n);
struct wl_traffic *wl_product(struct wl_traffic *const *kids, size_t n);
/* factor (>= 0) times kid; takes over the reference to kid. */
struct wl_traffic *wl_scale(double factor, struct wl_traffic *kid);
/* kid held piecewise constant: over each window [k w, (k + 1) w) (w > 0,
 * aligned to time 0) the rate is kid's mean over that window, as a trace of
 * per-window counts replays it. Counts over whole windows are kid's; equal
 * parts of one window count exactly the same. Takes over the reference. */
struct wl_traffic *wl_hold(sim_ns window, struct wl_traffic *kid);

/* Adds a reference (returns t); wl_free drops one and frees the tree at
 * zero. wl_free(NULL) does nothing. Not thread-safe (a run is one thread). */
struct wl_traffic *wl_ref(struct wl_traffic *t);
void wl_free(struct wl_traffic *t);

/* The offered rate (req/s) at virtual time `at`. Right-continuous: a step at
 * `at` already has its new value at `at`. */
double wl_rate(const struct wl_traffic *t, sim_ns at);
/*
 * The expected number of requests in [from, to): the exact integral of the
 * rate (0 when to <= from). Cost: O(1) for the shapes, O(log n) for a trace
 * of n points, the sum over children for sums and scales. A product is
 * integrated piece by piece between its children's breakpoints with 8-point
 * Gauss-Legendre (exact for the piecewise-linear shapes, to rounding for
 * cosines, whose pieces are cut at 1/16 period), so it costs O(pieces in the
 * interval), which is O(1) for a per-tick interval.
 */
double wl_count(const struct wl_traffic *t, sim_ns from, sim_ns to);

/*
 * The end of the steady stretch from `at`: the rate is constant on [at, u)
 * and any two spans of equal length inside it count exactly the same
 * requests (wl_count, to the last bit), as constant, held, step and the
 * flat parts of ramp and spike shapes and their sums, products and scalings
 * do; SIM_NEVER when it stays so, `at` when the rate changes at `at`
 * (cosines, slopes, traces). A fluid tick inside a steady stretch offers what
 * the tick before it offered.
 */
sim_ns wl_steady_until(const struct wl_traffic *t, sim_ns at);

/*
 * An upper bound of the rate over the times [from, to] (both included;
 * to < from means to = from), for drawing arrivals by thinning. Exact (the
 * maximum) for constant, step, ramp, spike, diurnal and traces; sums and
 * products add and multiply their children's bounds. Cost: O(1) for the
 * shapes, O(log n + breakpoints inside) for a trace.
 */
double wl_rate_max(const struct wl_traffic *t, sim_ns from, sim_ns to);

/*
 * The first time t' > after at which wl_count(t, after, t') reaches e, to
 * the nanosecond, or SIM_NEVER when that is not reached by horizon. With e
 * drawn from Exp(1) by the caller's RNG stream this is the next arrival of
 * a non-homogeneous Poisson process (request mode). Cost: O(log(gap/1 ns))
 * calls of wl_count.
 */
sim_ns wl_next_arrival(const struct wl_traffic *t, sim_ns after, double e,
    sim_ns horizon);

/* ---- CSV traces (trace.c) ------------------------------------------------ */

/* What the value column holds. */
enum wl_trace_value {
	WL_VALUE_COUNT,		/* requests per bucket (bucket = time spacing) */
	WL_VALUE_RATE,		/* requests per second */
	WL_VALUE_ARRIVALS,	/* no value column: one row per request */
};
/* What follows the end of the trace. */
enum wl_trace_end {
	WL_END_ZERO,		/* rate 0 */
	WL_END_HOLD,		/* the last rate forever */
	WL_END_LOOP,		/* wrap to the trace's first row */
};
enum wl_trace_interp {
	WL_INTERP_STEP,		/* each row's rate holds until the next row */
	WL_INTERP_LINEAR,	/* linear between rows (count buckets: between
				   bucket midpoints, so bucket totals are kept) */
};

/*
 * Trace options; a zeroed struct (plus path) gives the defaults.
 *
 * Time column: seconds (a plain number, e.g. 0, 60.5) or a timestamp in
 * time_format, a strptime-like format with %Y %m %d %H %M %S %y %b %B %j
 * %T %F %z %s %% (%S and %s accept a fraction: "03.9799600"); whitespace in
 * the format matches any run of spaces. Timestamps are read as UTC (no time zone
 * unless %z), between 1875 and 2065. time_format NULL: seconds when the
 * first data row's time is a number, else "%Y-%m-%d %H:%M:%S". start_at is
 * read like the time column.
 *
 * Buckets: for COUNT rows, row i holds the requests of [t_i, t_i + bucket);
 * bucket 0 means the smallest spacing between consecutive rows (60 s for
 * per-minute data), and a longer spacing is a gap of zero requests, so the
 * integral over the trace equals the sum of the counts. RATE rows: bucket
 * is only how long the last row lasts. ARRIVALS: arrivals are counted per
 * bucket (default 1 s) from the first arrival, then read as COUNT rows.
 * The trace lasts from its first row to last row + bucket.
 *
 * Replay: virtual time v reads trace time
 *	first row + start + v * time_scale,
 * and rate(v) = rate_scale * trace rate there. time_scale compresses time
 * and keeps rate levels (30 replays a month in a day with the same req/s,
 * so a day sees 1/30 of the month's requests; use rate_scale for more).
 * end says what follows the last row (LOOP wraps to the first row, not to
 * start). Times before the first row have rate 0 (LOOP: wrap backwards).
 */
struct wl_trace_opts {
	const char		*path;
	const char		*time_column;	/* NULL: the first column */
	const char		*time_format;	/* NULL: see above */
	const char		*value_column;	/* NULL: the first column
						   other than the time's */
	enum wl_trace_value	 value;		/* default COUNT */
	sim_ns			 bucket;	/* 0: see above */
	sim_ns			 start;		/* trace time skipped (< 0:
						   the trace begins later) */
	const char		*start_at;	/* or a time in time_format */
	double			 time_scale;	/* 0 means 1 */
	double			 rate_scale;	/* 0 means 1 */
	enum wl_trace_end	 end;		/* default ZERO */
	enum wl_trace_interp	 interp;	/* default STEP */
};

/*
 * Loads a trace into a new model (*out, one reference). On bad input returns
 * -1 and sets *cause (caller frees) to "path:ROW:COL: what was expected"
 * (ROW is the file line where the row starts, 1 = the header; COL is the
 * 1-based field) or "path: why" for a file-level problem (cannot open, bad
 * option). Points are stored in 24 bytes each.
 */
int wl_trace_load(const struct wl_trace_opts *o, struct wl_traffic **out,
    char **cause);

/* Facts about a trace model, for reports and validation: returns 0, or -1
 * when t is not a trace. Durations are in trace time, before time_scale. */
struct wl_trace_info {
	size_t	points;		/* stored breakpoints */
	size_t	rows;		/* data rows read */
	sim_ns	duration;	/* first row to last row + bucket */
	sim_ns	bucket;		/* inferred or given bucket width */
	double	total;		/* requests in one pass, before rate_scale */
	double	peak;		/* highest rate (req/s), before rate_scale */
};
int wl_trace_info(const struct wl_traffic *t, struct wl_trace_info *info);

/*
 * Per-request replay of a trace read with WL_VALUE_ARRIVALS (request mode):
 * a cursor over its recorded arrivals at their exact times, mapped to
 * virtual time as the rate is (start, time_scale; LOOP repeats the trace
 * every `duration`, ZERO ends after the last arrival). Returns NULL when t
 * is not such a trace, or when it cannot be replayed exactly (rate_scale
 * != 1, or end HOLD): the caller then draws arrivals from wl_rate. The
 * cursor starts at the first arrival at or after `from`; it borrows t,
 * which must outlive it.
 */
struct wl_replay;
struct wl_replay *wl_replay_new(const struct wl_traffic *t, sim_ns from);
/* The next arrival's virtual time (non-decreasing; equal times are
 * separate requests), or SIM_NEVER when there are no more. O(1). */
sim_ns wl_replay_next(struct wl_replay *r);
void wl_replay_free(struct wl_replay *r);

#endif
