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

/* Wraps a series in a model (traffic.c); the model owns the series. */
struct wl_traffic *wl_traffic_series(struct wl_series *s);
/* The series of a trace model, or NULL. */
const struct wl_series *wl_traffic_get_series(const struct wl_traffic *t);

#endif
