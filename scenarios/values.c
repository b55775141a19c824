/*
 * values.c - the value types of the scenario file: durations, distributions
 * of physical processes (into struct sim_dist, seconds), traffic generators
 * and CSV traces (built through workloads/traffic.h), and the control-plane
 * timings with Kubernetes' defaults, each cited where it is set.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"
#include "workloads/burst.h"
#include "workloads/samples.h"
#include "workloads/traffic.h"

char *
scn_path_join(const char *dir, const char *path)
{
	if (path[0] == '/' || dir == NULL || dir[0] == '\0' || strcmp(dir, ".") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

/* ---- durations -------------------------------------------------------- */

int
scn_dur_node(const struct yt_node *n, bool seconds_ok, sim_ns *out, char **cause)
{
	if (n->kind != YT_SCALAR) {
		*cause = yt_errorf(n, "expected a duration such as 30s or 1h30m");
		return -1;
	}
	if (seconds_ok) {
		char *end;
		errno = 0;
		double v = strtod(n->str, &end);
		if (n->str[0] != '\0' && *end == '\0' && errno == 0 && isfinite(v)) {
			if (v < 0) {
				*cause = yt_errorf(n, "a duration must not be negative, found '%s'",
				    n->str);
				return -1;
			}
			if (v > sim_ns_to_s(SIM_SPAN_MAX))
				goto too_long;
			*out = sim_s_to_ns(v);
			return 0;
		}
	}
	if (scn_duration(n->str, out) < 0) {
		*cause = yt_errorf(n, "invalid duration '%s' (expected a number with a "
		    "unit, e.g. 300ms, 30s, 5m, 1h30m%s)", n->str,
		    seconds_ok ? ", or a number of seconds" : "");
		return -1;
	}
	if (*out < 0) {
		*cause = yt_errorf(n, "a duration must not be negative, found '%s'", n->str);
		return -1;
	}
	if (*out > SIM_SPAN_MAX)
		goto too_long;
	return 0;
too_long:
	*cause = yt_errorf(n, "duration '%s' is longer than 87600h (10 years), the "
	    "longest a simulation can honour", n->str);
	return -1;
}

int
scn_get_dur(const struct yt_node *map, const char *key, bool seconds_ok,
    sim_ns dflt, sim_ns *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = dflt;
		return 0;
	}
	return scn_dur_node(v, seconds_ok, out, cause);
}

/* ---- distributions ------------------------------------------------------- */

/* Parameters by kind: a and b, whether each is a duration (else a plain
 * positive number). Kinds are in enum sim_dist_kind order. */
static const struct {
	const char	*name;
	const char	*a, *b;
	bool		 a_dur, b_dur;
	const char	*keys[6];
} dists[] = {
	{ "const", "value", NULL, true, false,
	  { "dist", "value", "clampMin", "clampMax", NULL } },
	{ "uniform", "min", "max", true, true,
	  { "dist", "min", "max", "clampMin", "clampMax", NULL } },
	{ "exponential", "mean", NULL, true, false,
	  { "dist", "mean", "clampMin", "clampMax", NULL } },
	{ "normal", "mean", "stddev", true, true,
	  { "dist", "mean", "stddev", "clampMin", "clampMax", NULL } },
	{ "lognormal", "median", "sigma", true, false,
	  { "dist", "median", "sigma", "clampMin", "clampMax", NULL } },
	{ "gamma", "shape", "scale", false, true,
	  { "dist", "shape", "scale", "clampMin", "clampMax", NULL } },
	{ "weibull", "shape", "scale", false, true,
	  { "dist", "shape", "scale", "clampMin", "clampMax", NULL } },
	{ "pareto", "shape", "scale", false, true,
	  { "dist", "shape", "scale", "clampMin", "clampMax", NULL } },
};
#define NDISTS (sizeof dists / sizeof dists[0])

static int
dist_param(const struct yt_node *map, const char *key, bool dur, bool zero_ok,
    const char *kind, double *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*cause = yt_errorf(map, "a %s distribution needs '%s'", kind, key);
		return -1;
	}
	if (dur) {
		sim_ns ns;
		if (scn_dur_node(v, true, &ns, cause) < 0)
			return -1;
		*out = sim_ns_to_s(ns);
	} else {
		if (yt_double(v, out, cause) < 0)
			return -1;
		if (*out < 0) {
			*cause = yt_errorf(v, "%s must not be negative, found '%s'", key, v->str);
			return -1;
		}
	}
	if (*out == 0 && !zero_ok) {
		*cause = yt_errorf(v, "%s of a %s distribution must be positive", key, kind);
		return -1;
	}
	return 0;
}

int
scn_dist_node(const struct yt_node *n, struct sim_dist *out, char **cause)
{
	memset(out, 0, sizeof *out);
	if (n->kind == YT_SCALAR) {
		sim_ns ns;
		if (scn_dur_node(n, true, &ns, cause) < 0)
			return -1;
		*out = sim_dist_const(sim_ns_to_s(ns));
		return 0;
	}
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected a distribution such as {dist: lognormal, "
		    "median: 2s, sigma: 0.5} or a duration");
		return -1;
	}
	const struct yt_node *dn = yt_get(n, "dist");
	if (dn == NULL || dn->kind != YT_SCALAR) {
		*cause = yt_errorf(dn ? dn : n, "a distribution needs 'dist' (const, "
		    "uniform, exponential, normal, lognormal, gamma, weibull or pareto)");
		return -1;
	}
	size_t k;
	const char *names[NDISTS + 1];
	for (k = 0; k < NDISTS; k++)
		names[k] = dists[k].name;
	names[NDISTS] = NULL;
	for (k = 0; k < NDISTS; k++)
		if (strcmp(dists[k].name, dn->str) == 0)
			break;
	if (k == NDISTS) {
		const char *near = ks_nearest(dn->str, names);
		if (near != NULL)
			*cause = yt_errorf(dn, "unknown distribution '%s' (did you mean '%s'?)",
			    dn->str, near);
		else
			*cause = yt_errorf(dn, "unknown distribution '%s' (expected const, "
			    "uniform, exponential, normal, lognormal, gamma, weibull or "
			    "pareto)", dn->str);
		return -1;
	}
	char what[64];
	snprintf(what, sizeof what, "%s distribution", dists[k].name);
	if (yt_check_keys(n, what, dists[k].keys, cause) < 0)
		return -1;
	out->kind = (enum sim_dist_kind)k;
	bool a_zero = k == SIM_DIST_CONST || k == SIM_DIST_UNIFORM || k == SIM_DIST_NORMAL;
	bool b_zero = k == SIM_DIST_UNIFORM || k == SIM_DIST_NORMAL || k == SIM_DIST_LOGNORMAL;
	if (dist_param(n, dists[k].a, dists[k].a_dur, a_zero, dists[k].name, &out->a,
	    cause) < 0)
		return -1;
	if (dists[k].b != NULL && dist_param(n, dists[k].b, dists[k].b_dur, b_zero,
	    dists[k].name, &out->b, cause) < 0)
		return -1;
	if (k == SIM_DIST_UNIFORM && out->b < out->a) {
		*cause = yt_errorf(yt_get(n, "max"), "max of a uniform distribution must "
		    "not be less than min");
		return -1;
	}
	sim_ns lo = 0, hi = 0;
	if (scn_get_dur(n, "clampMin", true, 0, &lo, cause) < 0 ||
	    scn_get_dur(n, "clampMax", true, 0, &hi, cause) < 0)
		return -1;
	if (hi > 0 && lo > hi) {
		*cause = yt_errorf(yt_get(n, "clampMax"), "clampMax must not be less than "
		    "clampMin");
		return -1;
	}
	out->min = sim_ns_to_s(lo);
	out->max = sim_ns_to_s(hi);
	/* A mean past SIM_SPAN_MAX (a lognormal sigma of 1e308, a gamma shape of
	 * 1e300) is no duration a run can honour, and fluid mode needs the mean;
	 * a Pareto shape <= 1 has no mean on purpose. */
	double mean = sim_dist_mean(out);
	if (!(k == SIM_DIST_PARETO && out->a <= 1) &&
	    !(mean <= sim_ns_to_s(SIM_SPAN_MAX))) {
		*cause = yt_errorf(n, "the mean of this %s distribution (%g s) is longer "
		    "than 87600h (10 years), the longest a simulation can honour",
		    dists[k].name, mean);
		return -1;
	}
	return 0;
}

int
scn_get_dist(const struct yt_node *map, const char *key, const struct sim_dist *dflt,
    struct sim_dist *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = *dflt;
		return 0;
	}
	return scn_dist_node(v, out, cause);
}

/* map[key], a required positive duration. */
static int
req_dur_pos(const struct yt_node *map, const char *key, sim_ns *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*cause = yt_errorf(map, "needs '%s' (a duration)", key);
		return -1;
	}
	if (scn_dur_node(v, true, out, cause) < 0)
		return -1;
	if (*out <= 0) {
		*cause = yt_errorf(v, "%s must be positive", key);
		return -1;
	}
	return 0;
}

/* An empirical distribution: {dist: empirical, path: CSV, column: name,
 * scale: 1, clampMin, clampMax}; the samples are kept by the scenario. */
static int
empirical(const struct yt_node *n, const char *dir, struct scenario *s,
    struct sim_dist *out, char **cause)
{
	static const char *const keys[] = { "dist", "path", "column", "scale",
		"clampMin", "clampMax", NULL };
	if (yt_check_keys(n, "empirical distribution", keys, cause) < 0)
		return -1;
	const struct yt_node *pn = yt_get(n, "path");
	if (pn == NULL || pn->kind != YT_SCALAR || pn->str[0] == '\0') {
		*cause = yt_errorf(pn ? pn : n, "an empirical distribution needs a path "
		    "(a CSV file with a column of seconds)");
		return -1;
	}
	const char *column;
	double scale;
	sim_ns lo = 0, hi = 0;
	if (scn_get_str(n, "column", &column, cause) < 0 ||
	    yt_get_double(n, "scale", 1, &scale, cause) < 0 ||
	    scn_get_dur(n, "clampMin", true, 0, &lo, cause) < 0 ||
	    scn_get_dur(n, "clampMax", true, 0, &hi, cause) < 0)
		return -1;
	if (!(scale > 0)) {
		*cause = yt_errorf(yt_get(n, "scale"), "scale must be positive (seconds "
		    "per unit of the column)");
		return -1;
	}
	if (hi > 0 && lo > hi) {
		*cause = yt_errorf(yt_get(n, "clampMax"), "clampMax must not be less than "
		    "clampMin");
		return -1;
	}
	char *path = scn_path_join(dir, pn->str);
	if (access(path, R_OK) != 0) {
		*cause = yt_errorf(pn, "samples file '%s' cannot be read: %s", pn->str,
		    strerror(errno));
		free(path);
		return -1;
	}
	double *x;
	size_t nx;
	int rc = wl_samples_load(path, column, scale, &x, &nx, cause);
	free(path);
	if (rc < 0)
		return -1;
	KS_GROW(s->samples, s->capsamples, s->nsamples + 1);
	s->samples[s->nsamples++] = x;
	*out = sim_dist_empirical(x, nx);
	out->min = sim_ns_to_s(lo);
	out->max = sim_ns_to_s(hi);
	if (!(out->a <= sim_ns_to_s(SIM_SPAN_MAX)) || !isfinite(out->b)) {
		*cause = yt_errorf(n, "the mean of these samples (%g s) is longer than "
		    "87600h (10 years), the longest a simulation can honour", out->a);
		return -1;
	}
	return 0;
}

int
scn_service_dist(const struct yt_node *n, const char *dir, struct scenario *s,
    struct sim_dist *out, char **cause)
{
	const struct yt_node *dn = n->kind == YT_MAP ? yt_get(n, "dist") : NULL;
	if (dn != NULL && dn->kind == YT_SCALAR && strcmp(dn->str, "empirical") == 0)
		return empirical(n, dir, s, out, cause);
	if (scn_dist_node(n, out, cause) < 0)
		return -1;
	/* Fluid mode needs the mean. */
	if (out->kind == SIM_DIST_PARETO && out->a <= 1) {
		*cause = yt_errorf(yt_get(n, "shape"), "the shape of a Pareto service "
		    "time must be greater than 1 (a finite mean), found '%s'",
		    yt_get(n, "shape")->str);
		return -1;
	}
	return 0;
}

/* ---- burstiness ----------------------------------------------------------- */

int
scn_burstiness(const struct yt_node *n, struct wl_burst *out, char **cause)
{
	static const char *const kinds[] = { "poisson", "mmpp", NULL };
	static const char *const poisson_keys[] = { "kind", NULL };
	static const char *const mmpp_keys[] = { "kind", "burstRate", "burstLength",
		"burstEvery", NULL };
	memset(out, 0, sizeof *out);
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected burstiness as {kind: poisson} or {kind: "
		    "mmpp, burstRate: 5x, burstLength: 30s, burstEvery: 10m}");
		return -1;
	}
	const struct yt_node *kn = yt_get(n, "kind");
	if (kn == NULL || kn->kind != YT_SCALAR) {
		*cause = yt_errorf(kn ? kn : n, "burstiness needs a kind (poisson or mmpp)");
		return -1;
	}
	if (strcmp(kn->str, "poisson") == 0)
		return yt_check_keys(n, "poisson burstiness", poisson_keys, cause);
	if (strcmp(kn->str, "mmpp") != 0) {
		const char *near = ks_nearest(kn->str, kinds);
		*cause = near ? yt_errorf(kn, "unknown burstiness kind '%s' (did you mean "
		    "'%s'?)", kn->str, near) : yt_errorf(kn, "unknown burstiness kind "
		    "'%s' (expected poisson or mmpp)", kn->str);
		return -1;
	}
	if (yt_check_keys(n, "mmpp burstiness", mmpp_keys, cause) < 0)
		return -1;
	out->kind = WL_BURST_MMPP;
	/* burstRate: a multiplier, "5x" or 5. */
	const struct yt_node *rn = yt_get(n, "burstRate");
	if (rn == NULL || yt_is_null(rn) || rn->kind != YT_SCALAR) {
		*cause = yt_errorf(rn ? rn : n, "mmpp burstiness needs burstRate (the "
		    "rate in a burst over the rate between bursts, e.g. 5x)");
		return -1;
	}
	char *end;
	errno = 0;
	double ratio = strtod(rn->str, &end);
	if (end != rn->str && (*end == 'x' || *end == 'X'))
		end++;
	if (end == rn->str || *end != '\0' || errno != 0 || !isfinite(ratio)) {
		*cause = yt_errorf(rn, "expected burstRate as a multiplier such as 5x, "
		    "found '%s'", rn->str);
		return -1;
	}
	if (!(ratio > 0)) {
		*cause = yt_errorf(rn, "burstRate must be positive, found '%s'", rn->str);
		return -1;
	}
	out->ratio = ratio;
	if (req_dur_pos(n, "burstLength", &out->length, cause) < 0 ||
	    req_dur_pos(n, "burstEvery", &out->every, cause) < 0)
		return -1;
	return 0;
}

/* ---- traffic ------------------------------------------------------------- */

static int
rate(const struct yt_node *map, const char *key, bool required, double dflt,
    double *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		if (required) {
			*cause = yt_errorf(map, "needs '%s' (requests per second)", key);
			return -1;
		}
		*out = dflt;
		return 0;
	}
	if (yt_double(v, out, cause) < 0)
		return -1;
	if (*out < 0) {
		*cause = yt_errorf(v, "%s must not be negative, found '%s'", key, v->str);
		return -1;
	}
	if (*out > WL_RATE_MAX) {
		*cause = yt_errorf(v, "%s must be at most 1e9 requests per second (one "
		    "per nanosecond of the clock), found '%s'", key, v->str);
		return -1;
	}
	return 0;
}

static int
req_dur(const struct yt_node *map, const char *key, sim_ns *out, char **cause)
{
	if (yt_get(map, key) == NULL) {
		*cause = yt_errorf(map, "needs '%s' (a duration)", key);
		return -1;
	}
	return scn_get_dur(map, key, true, 0, out, cause);
}

static int
trace(const struct yt_node *g, const char *dir, struct wl_traffic **out, char **cause)
{
	static const char *const keys[] = { "path", "timeColumn", "valueColumn",
		"value", "timeFormat", "bucket", "start", "startAt", "timeScale",
		"rateScale", "loop", "end", "interpolation", NULL };
	if (yt_check_keys(g, "trace", keys, cause) < 0)
		return -1;
	struct wl_trace_opts o;
	memset(&o, 0, sizeof o);
	const struct yt_node *pn = yt_get(g, "path");
	if (pn == NULL || pn->kind != YT_SCALAR || pn->str[0] == '\0') {
		*cause = yt_errorf(pn ? pn : g, "a trace needs a path (a CSV file)");
		return -1;
	}
	const char *value, *end, *interp;
	bool loop;
	if (scn_get_str(g, "timeColumn", &o.time_column, cause) < 0 ||
	    scn_get_str(g, "valueColumn", &o.value_column, cause) < 0 ||
	    scn_get_str(g, "timeFormat", &o.time_format, cause) < 0 ||
	    scn_get_str(g, "startAt", &o.start_at, cause) < 0 ||
	    scn_get_str(g, "value", &value, cause) < 0 ||
	    scn_get_str(g, "end", &end, cause) < 0 ||
	    scn_get_str(g, "interpolation", &interp, cause) < 0 ||
	    scn_get_dur(g, "bucket", true, 0, &o.bucket, cause) < 0 ||
	    scn_get_dur(g, "start", true, 0, &o.start, cause) < 0 ||
	    yt_get_double(g, "timeScale", 1, &o.time_scale, cause) < 0 ||
	    yt_get_double(g, "rateScale", 1, &o.rate_scale, cause) < 0 ||
	    yt_get_bool(g, "loop", false, &loop, cause) < 0)
		return -1;
	if (!(o.time_scale > 0 && o.time_scale <= 1e9) || o.rate_scale < 0) {
		*cause = yt_errorf(g, "timeScale must be in (0, 1e9] and rateScale not "
		    "negative");
		return -1;
	}
	if (value == NULL || strcmp(value, "count") == 0)
		o.value = WL_VALUE_COUNT;
	else if (strcmp(value, "rate") == 0)
		o.value = WL_VALUE_RATE;
	else if (strcmp(value, "arrivals") == 0)
		o.value = WL_VALUE_ARRIVALS;
	else {
		*cause = yt_errorf(yt_get(g, "value"), "trace value must be count, rate or "
		    "arrivals, found '%s'", value);
		return -1;
	}
	o.end = loop ? WL_END_LOOP : WL_END_ZERO;
	if (end != NULL) {
		if (strcmp(end, "zero") == 0)
			o.end = WL_END_ZERO;
		else if (strcmp(end, "hold") == 0)
			o.end = WL_END_HOLD;
		else if (strcmp(end, "loop") == 0)
			o.end = WL_END_LOOP;
		else {
			*cause = yt_errorf(yt_get(g, "end"), "trace end must be zero, hold or "
			    "loop, found '%s'", end);
			return -1;
		}
	}
	if (interp == NULL || strcmp(interp, "step") == 0)
		o.interp = WL_INTERP_STEP;
	else if (strcmp(interp, "linear") == 0)
		o.interp = WL_INTERP_LINEAR;
	else {
		*cause = yt_errorf(yt_get(g, "interpolation"), "interpolation must be step "
		    "or linear, found '%s'", interp);
		return -1;
	}
	char *path = scn_path_join(dir, pn->str);
	if (access(path, R_OK) != 0) {
		*cause = yt_errorf(pn, "trace file '%s' cannot be read: %s", pn->str,
		    strerror(errno));
		free(path);
		return -1;
	}
	o.path = path;
	int rc = wl_trace_load(&o, out, cause);
	free(path);
	return rc;
}

static int
generator(const struct yt_node *g, const char *dir, struct wl_traffic **out,
    char **cause)
{
	static const char *const kinds[] = { "constant", "diurnal", "step", "ramp",
		"spike", "trace", NULL };
	if (g->kind != YT_MAP || g->n != 1) {
		*cause = yt_errorf(g, "expected one traffic generator such as "
		    "{constant: {rate: 100}} (constant, diurnal, step, ramp, spike or trace)");
		return -1;
	}
	if (yt_check_keys(g, "traffic", kinds, cause) < 0)
		return -1;
	const char *kind = g->keys[0]->str;
	const struct yt_node *a = g->items[0];
	if (a->kind != YT_MAP) {
		*cause = yt_errorf(a, "expected the parameters of the %s generator as a "
		    "mapping", kind);
		return -1;
	}
	if (strcmp(kind, "constant") == 0) {
		static const char *const k[] = { "rate", NULL };
		double r;
		if (yt_check_keys(a, "constant traffic", k, cause) < 0 ||
		    rate(a, "rate", true, 0, &r, cause) < 0)
			return -1;
		*out = wl_constant(r);
	} else if (strcmp(kind, "diurnal") == 0) {
		static const char *const k[] = { "peak", "trough", "period", "peakAt",
			"resolution", NULL };
		double peak, trough;
		sim_ns period, peak_at, resolution;
		if (yt_check_keys(a, "diurnal traffic", k, cause) < 0 ||
		    rate(a, "peak", true, 0, &peak, cause) < 0 ||
		    rate(a, "trough", true, 0, &trough, cause) < 0 ||
		    scn_get_dur(a, "period", true, 24 * SIM_HOUR, &period, cause) < 0 ||
		    scn_get_dur(a, "peakAt", true, 0, &peak_at, cause) < 0 ||
		    scn_get_dur(a, "resolution", true, 0, &resolution, cause) < 0)
			return -1;
		if (period <= 0) {
			*cause = yt_errorf(yt_get(a, "period"), "period must be positive");
			return -1;
		}
		if (trough > peak) {
			*cause = yt_errorf(yt_get(a, "trough"), "trough (%g) must not exceed "
			    "peak (%g)", trough, peak);
			return -1;
		}
		*out = wl_diurnal(trough, peak, period, peak_at);
		if (resolution > 0)
			*out = wl_hold(resolution, *out);
	} else if (strcmp(kind, "step") == 0) {
		static const char *const k[] = { "from", "to", "at", NULL };
		double from, to;
		sim_ns at;
		if (yt_check_keys(a, "step traffic", k, cause) < 0 ||
		    rate(a, "from", false, 0, &from, cause) < 0 ||
		    rate(a, "to", true, 0, &to, cause) < 0 ||
		    req_dur(a, "at", &at, cause) < 0)
			return -1;
		*out = wl_step(from, to, at);
	} else if (strcmp(kind, "ramp") == 0) {
		static const char *const k[] = { "from", "to", "start", "end", NULL };
		double from, to;
		sim_ns start, end;
		if (yt_check_keys(a, "ramp traffic", k, cause) < 0 ||
		    rate(a, "from", false, 0, &from, cause) < 0 ||
		    rate(a, "to", true, 0, &to, cause) < 0 ||
		    req_dur(a, "start", &start, cause) < 0 ||
		    req_dur(a, "end", &end, cause) < 0)
			return -1;
		if (end < start) {
			*cause = yt_errorf(yt_get(a, "end"), "a ramp's end must not be before "
			    "its start");
			return -1;
		}
		*out = wl_ramp(from, to, start, end);
	} else if (strcmp(kind, "spike") == 0) {
		static const char *const k[] = { "at", "height", "rise", "hold", "decay", NULL };
		double height;
		sim_ns at, rise, hold, decay;
		if (yt_check_keys(a, "spike traffic", k, cause) < 0 ||
		    rate(a, "height", true, 0, &height, cause) < 0 ||
		    req_dur(a, "at", &at, cause) < 0 ||
		    scn_get_dur(a, "rise", true, 0, &rise, cause) < 0 ||
		    scn_get_dur(a, "hold", true, 0, &hold, cause) < 0 ||
		    scn_get_dur(a, "decay", true, 0, &decay, cause) < 0)
			return -1;
		*out = wl_spike(height, at, rise, hold, decay);
	} else {
		return trace(a, dir, out, cause);
	}
	return 0;
}

int
scn_traffic(const struct yt_node *n, const char *dir, struct wl_traffic **out,
    char **cause)
{
	*out = NULL;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind == YT_MAP)
		return generator(n, dir, out, cause);
	if (n->kind != YT_SEQ || n->n == 0) {
		*cause = yt_errorf(n, "expected a list of traffic generators");
		return -1;
	}
	struct wl_traffic **kids = xcalloc(n->n, sizeof *kids);
	for (size_t i = 0; i < n->n; i++) {
		if (generator(n->items[i], dir, &kids[i], cause) < 0) {
			for (size_t j = 0; j < i; j++)
				wl_free(kids[j]);
			free(kids);
			return -1;
		}
	}
	*out = n->n == 1 ? kids[0] : wl_sum(kids, n->n);
	free(kids);
	return 0;
}

int
scn_traffic_check_peak(const struct yt_node *at, const struct wl_traffic *t, double mult,
    sim_ns duration, char **cause)
{
	if (t == NULL)
		return 0;
	double peak = wl_rate_max(t, 0, duration) * mult;
	if (peak <= WL_RATE_MAX)
		return 0;
	*cause = yt_errorf(at, "the traffic's peak rate over the run (%g per second, "
	    "scales and bursts included) is past 1e9 per second (one per nanosecond "
	    "of the clock)", peak);
	return -1;
}

/* ---- control plane ------------------------------------------------------- */

void
scn_control_plane_defaults(struct scn_control_plane *cp)
{
	memset(cp, 0, sizeof *cp);
	/*
	 * API write latency. SIG Scalability's SLO (kubernetes/community,
	 * sig-scalability/slos/api_call_latency.md): p99 <= 1s for
	 * single-object mutating calls. Measured medians in scalability runs
	 * are tens of milliseconds; a lognormal with median 25ms and sigma 1.0
	 * has p99 = 25ms * e^(2.33 * 1.0) = 0.26s, inside the SLO.
	 */
	cp->api_latency = sim_dist_lognormal(0.025, 1.0);
	/* Watch event delivery: no SLO yet (the watch latency SLI is WIP in
	 * sig-scalability/slos); assumed median 15ms, p99 ~ 75ms. */
	cp->watch_latency = sim_dist_lognormal(0.015, 0.7);
	/* One scheduling cycle per pod: the scheduler sustains on the order of
	 * 100+ pods/s in the 5,000-node density tests, i.e. a few ms per pod;
	 * assumed median 5ms. */
	cp->scheduler_latency = sim_dist_lognormal(0.005, 0.5);
	/*
	 * Image pull (not cached on the node). Harter et al., "Slacker: Fast
	 * Distribution with Lazy Docker Containers", FAST 2016: pulling is 76%
	 * of container start time; Straesser et al., "An Empirical Study of
	 * Container Image Configurations and Their Impact on Start Times",
	 * CCGrid 2023: start times from hundreds of ms to tens of seconds.
	 * Median 4s with a heavy tail (sigma 1.0: p99 ~ 41s).
	 */
	cp->image_pull = sim_dist_lognormal(4.0, 1.0);
	/* Container create + start with the image present: about 0.57s on
	 * cloud SSD (arXiv:2602.15214, Docker startup decomposition); the pod
	 * startup SLO (sig-scalability/slos/pod_startup_latency.md) is
	 * p99 <= 5s excluding image pulls. Median 0.6s, sigma 0.5. */
	cp->container_start = sim_dist_lognormal(0.6, 0.5);
	/* Pod Ready -> endpoint programmed in the load balancer: EndpointSlice
	 * controller plus kube-proxy, whose iptables minSyncPeriod defaults to
	 * 1s (v1.28+); SLO (sig-scalability/slos/network_programming_latency.md)
	 * p99 <= 30s. Median 1s, sigma 0.7 (p99 ~ 5s). */
	cp->endpoints_latency = sim_dist_lognormal(1.0, 0.7);
	/* kube-controller-manager --node-monitor-period, default 5s. */
	cp->node_monitor_period = 5 * SIM_SEC;
	/* kube-controller-manager --node-monitor-grace-period: 40s until
	 * Kubernetes 1.31, 50s since 1.32 (kubernetes/kubernetes#121793: longer
	 * than the kubelet's HTTP/2 ping and read-idle timeouts together). */
	cp->node_monitor_grace = 50 * SIM_SEC;
	/* kube-apiserver --default-not-ready-toleration-seconds and
	 * --default-unreachable-toleration-seconds, default 300 (the
	 * DefaultTolerationSeconds admission plugin). */
	cp->eviction_toleration = 300 * SIM_SEC;
	/* kube-controller-manager --horizontal-pod-autoscaler-sync-period, 15s. */
	cp->hpa_sync_period = 15 * SIM_SEC;
	/* metrics-server --metric-resolution=15s as set in its released
	 * components.yaml (the binary's own default is 60s). */
	cp->metrics_resolution = 15 * SIM_SEC;
	/* KubeSchedulerConfiguration podInitialBackoffSeconds 1,
	 * podMaxBackoffSeconds 10; the scheduler's
	 * podMaxInUnschedulablePodsDuration is 5 minutes. */
	cp->scheduler_backoff_initial = 1 * SIM_SEC;
	cp->scheduler_backoff_max = 10 * SIM_SEC;
	cp->unschedulable_flush = 5 * SIM_MIN;
}

int
scn_control_plane(const struct yt_node *n, struct scn_control_plane *cp,
    char **cause)
{
	static const char *const keys[] = { "apiLatency", "watchLatency",
		"schedulerLatency", "imagePull", "containerStart", "endpointsLatency",
		"nodeMonitorPeriod", "nodeMonitorGracePeriod",
		"evictionTolerationSeconds", "hpaSyncPeriod", "metricsResolution",
		"podInitialBackoffSeconds", "podMaxBackoffSeconds",
		"podMaxInUnschedulablePodsDuration", NULL };
	if (n == NULL || yt_is_null(n))
		return 0;
	if (yt_check_keys(n, "controlPlane", keys, cause) < 0)
		return -1;
	struct scn_control_plane d = *cp;
	if (scn_get_dist(n, "apiLatency", &d.api_latency, &cp->api_latency, cause) < 0 ||
	    scn_get_dist(n, "watchLatency", &d.watch_latency, &cp->watch_latency, cause) < 0 ||
	    scn_get_dist(n, "schedulerLatency", &d.scheduler_latency,
	    &cp->scheduler_latency, cause) < 0 ||
	    scn_get_dist(n, "imagePull", &d.image_pull, &cp->image_pull, cause) < 0 ||
	    scn_get_dist(n, "containerStart", &d.container_start, &cp->container_start,
	    cause) < 0 ||
	    scn_get_dist(n, "endpointsLatency", &d.endpoints_latency,
	    &cp->endpoints_latency, cause) < 0 ||
	    scn_get_dur(n, "nodeMonitorPeriod", false, d.node_monitor_period,
	    &cp->node_monitor_period, cause) < 0 ||
	    scn_get_dur(n, "nodeMonitorGracePeriod", false, d.node_monitor_grace,
	    &cp->node_monitor_grace, cause) < 0 ||
	    scn_get_dur(n, "evictionTolerationSeconds", true, d.eviction_toleration,
	    &cp->eviction_toleration, cause) < 0 ||
	    scn_get_dur(n, "hpaSyncPeriod", false, d.hpa_sync_period,
	    &cp->hpa_sync_period, cause) < 0 ||
	    scn_get_dur(n, "metricsResolution", false, d.metrics_resolution,
	    &cp->metrics_resolution, cause) < 0 ||
	    scn_get_dur(n, "podInitialBackoffSeconds", true, d.scheduler_backoff_initial,
	    &cp->scheduler_backoff_initial, cause) < 0 ||
	    scn_get_dur(n, "podMaxBackoffSeconds", true, d.scheduler_backoff_max,
	    &cp->scheduler_backoff_max, cause) < 0 ||
	    scn_get_dur(n, "podMaxInUnschedulablePodsDuration", false,
	    d.unschedulable_flush, &cp->unschedulable_flush, cause) < 0)
		return -1;
	static const char *const positive[] = { "nodeMonitorPeriod",
		"nodeMonitorGracePeriod", "hpaSyncPeriod", "metricsResolution",
		"podInitialBackoffSeconds", "podMaxBackoffSeconds", NULL };
	const sim_ns vals[] = { cp->node_monitor_period, cp->node_monitor_grace,
		cp->hpa_sync_period, cp->metrics_resolution,
		cp->scheduler_backoff_initial, cp->scheduler_backoff_max };
	for (size_t i = 0; positive[i] != NULL; i++) {
		if (vals[i] <= 0) {
			*cause = yt_errorf(yt_get(n, positive[i]), "%s must be positive",
			    positive[i]);
			return -1;
		}
	}
	if (cp->scheduler_backoff_max < cp->scheduler_backoff_initial) {
		*cause = yt_errorf(yt_get(n, yt_get(n, "podMaxBackoffSeconds") ?
		    "podMaxBackoffSeconds" : "podInitialBackoffSeconds"),
		    "podMaxBackoffSeconds must not be less than podInitialBackoffSeconds");
		return -1;
	}
	return 0;
}
