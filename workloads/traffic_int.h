/*
 * traffic_int.h - private interface between traffic.c (the model tree) and
 * trace.c (piecewise series loaded from CSV). Not for use outside workloads/.
 * A series knows its replay mapping (start, time scale, rate scale, end).
 */
#ifndef KS_WL_TRAFFIC_INT_H
#define KS_WL_TRAFFIC_INT_H

#include "workloads/traffic.h"

struct wl_series;

/* Rate at virtual time v (ns, fractional for quadrature nodes). */
double wl_series_rate(const struct wl_series *s, double v);
/* Requests in [from, to) of virtual time, from <= to. O(log n). */
double wl_series_count(const struct wl_series *s, sim_ns from, sim_ns to);
/* The first virtual time > after where the rate has a kink or jump, or
 * SIM_NEVER. */
sim_ns wl_series_next_break(const struct wl_series *s, sim_ns after);
void wl_series_info(const struct wl_series *s, struct wl_trace_info *info);
void wl_series_free(struct wl_series *s);

/*
 * Times (timefmt.c). Timestamps and seconds are read as int64 ns since the
 * epoch (UTC); values beyond WL_TIME_MAX ns from the epoch (about 1875 to
 * 2065) are refused, so differences of two times never overflow.
 */
#define WL_TIME_MAX	((int64_t)3000000000 * 1000000000)
/* Parses s against fmt (after wl_time_expand) in full; 0 or -1. */
int wl_time_parse(const char *fmt, const char *s, int64_t *ns);
/* Parses a plain number of seconds ("12", "-0.5", "1e3"); 0 or -1. */
int wl_time_seconds(const char *s, int64_t *ns);
/* fmt with %T and %F spelled out; the caller frees. */
char *wl_time_expand(const char *fmt);

/* Wraps a series in a model (traffic.c); the model owns the series. */
struct wl_traffic *wl_traffic_series(struct wl_series *s);
/* The series of a trace model, or NULL. */
const struct wl_series *wl_traffic_get_series(const struct wl_traffic *t);

#endif
