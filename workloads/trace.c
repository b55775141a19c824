/*
 * trace.c - CSV traffic traces read with libcsv into a compact piecewise
 * series (step or linear) with a cumulative count at every breakpoint, so a
 * rate lookup or an interval count is one binary search: O(log n). Reads
 * times as seconds or strptime-like timestamps, values as rates, counts per
 * bucket or per-request arrivals, and replays with offset, scaling and loop.
 */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util.h"
#include "workloads/traffic.h"
#include "workloads/traffic_int.h"

#define NS_PER_S	1e9
#define DEFAULT_TIME_FORMAT "%Y-%m-%d %H:%M:%S"

/*
 * A trace as breakpoints: t[k] (ns from the first row, strictly increasing,
 * t[0] = 0), the rate r[k] there (req/s) and the cumulative count c[k] of
 * [0, t[k]). Step: r[k] holds on [t[k], t[k+1]); linear: the rate goes
 * straight from r[k] to r[k+1]; both: r[n-1] holds until dur. Three arrays
 * rather than an array of structs: 24 bytes a point either way, and the
 * binary search touches only t. A sorted array beats a tree here because
 * the series never changes after loading.
 */
struct wl_series {
	size_t		 n;
	int64_t		*t;
	double		*r;
	double		*c;
	sim_ns		 dur;
	double		 total;		/* count of [0, dur) */
	bool		 linear;
	enum wl_trace_end end;
	sim_ns		 start;
	double		 tscale, rscale;
	size_t		 rows;
	sim_ns		 bucket;
	double		 peak;
	/* value arrivals: each recorded arrival, ns from the first one
	 * (non-decreasing), for per-request replay */
	int64_t		*arr;
	size_t		 narr;
};

void
wl_series_free(struct wl_series *s)
{
	if (s == NULL)
		return;
	free(s->t);
	free(s->r);
	free(s->c);
	free(s->arr);
	free(s);
}

void
wl_series_info(const struct wl_series *s, struct wl_trace_info *info)
{
	info->points = s->n;
	info->rows = s->rows;
	info->duration = s->dur;
	info->bucket = s->bucket;
	info->total = s->total;
	info->peak = s->peak;
}

/* ---- lookups -------------------------------------------------------------- */

/* The largest k with t[k] <= tau, for 0 <= tau. */
static size_t
series_find(const struct wl_series *s, double tau)
{
	size_t lo = 0, hi = s->n;	/* t[lo] <= tau < t[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if ((double)s->t[mid] <= tau)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Rate within one pass, 0 <= tau < dur. */
static double
pass_rate(const struct wl_series *s, double tau)
{
	size_t k = series_find(s, tau);
	if (!s->linear || k + 1 == s->n)
		return s->r[k];
	double x0 = (double)s->t[k], x1 = (double)s->t[k + 1];
	return s->r[k] + (s->r[k + 1] - s->r[k]) * (tau - x0) / (x1 - x0);
}

/* Count of [0, tau) within one pass, 0 <= tau <= dur. */
static double
pass_count(const struct wl_series *s, double tau)
{
	if (tau >= (double)s->dur)
		return s->total;
	size_t k = series_find(s, tau);
	double dt = tau - (double)s->t[k];
	if (dt <= 0)
		return s->c[k];
	double rk = s->r[k];
	if (s->linear && k + 1 < s->n)
		rk = (rk + pass_rate(s, tau)) / 2;
	return s->c[k] + rk * dt / NS_PER_S;
}

static double
series_tau(const struct wl_series *s, double v)
{
	return (double)s->start + v * s->tscale;
}

double
wl_series_rate(const struct wl_series *s, double v)
{
	double tau = series_tau(s, v), dur = (double)s->dur;
	if (s->end == WL_END_LOOP)
		tau -= floor(tau / dur) * dur;
	else if (tau < 0 || (tau >= dur && s->end == WL_END_ZERO))
		return 0;
	else if (tau >= dur)
		return s->rscale * s->r[s->n - 1];
	if (tau >= dur)		/* rounding in the loop remainder */
		tau = 0;
	return s->rscale * pass_rate(s, tau);
}

/* Count of trace time [0, tau) under the end rule (negative before 0). */
static double
full_count(const struct wl_series *s, double tau)
{
	double dur = (double)s->dur;
	if (s->end == WL_END_LOOP) {
		double q = floor(tau / dur);
		double rem = tau - q * dur;
		if (rem >= dur)
			rem = dur;
		return q * s->total + pass_count(s, rem > 0 ? rem : 0);
	}
	if (tau <= 0)
		return 0;
	if (tau < dur)
		return pass_count(s, tau);
	if (s->end == WL_END_HOLD)
		return s->total + s->r[s->n - 1] * (tau - dur) / NS_PER_S;
	return s->total;
}

double
wl_series_count(const struct wl_series *s, sim_ns from, sim_ns to)
{
	double a = full_count(s, series_tau(s, (double)from));
	double b = full_count(s, series_tau(s, (double)to));
	return s->rscale / s->tscale * (b - a);
}

/* The first breakpoint of one pass (including dur) after tau, 0 <= tau. */
static double
pass_next_break(const struct wl_series *s, double tau)
{
	size_t k = series_find(s, tau);
	if (k + 1 < s->n)
		return (double)s->t[k + 1];
	return (double)s->dur;
}

sim_ns
wl_series_next_break(const struct wl_series *s, sim_ns after)
{
	double tau = series_tau(s, (double)after), dur = (double)s->dur, tb;
	if (s->end == WL_END_LOOP) {
		double q = floor(tau / dur);
		double rem = tau - q * dur;
		tb = q * dur + pass_next_break(s, rem < dur ? rem : 0);
	} else if (tau < 0) {
		tb = 0;
	} else if (tau < dur) {
		tb = pass_next_break(s, tau);
	} else {
		return SIM_NEVER;
	}
	double v = ceil((tb - (double)s->start) / s->tscale);
	if (!(v < 9e18))
		return SIM_NEVER;
	if (v <= (double)after)
		return after + 1;
	return (sim_ns)v;
}

static int
parse_number(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return end == s || *end != '\0' || errno != 0 || !isfinite(*v) ? -1 : 0;
}

/* ---- reading the CSV -------------------------------------------------------- */

enum time_kind { TIME_UNDECIDED, TIME_SECONDS, TIME_FORMAT };

/* Parser state shared by the libcsv callbacks. */
struct load {
	const struct wl_trace_opts *o;
	const char	*path;
	const char	*fmt;		/* expanded time format */
	enum time_kind	 tkind;
	int		 line;		/* line being fed to libcsv */
	int		 row_line;	/* line where the current row began */
	bool		 in_row;
	size_t		 field;		/* index of the next field in the row */
	char		*err;		/* the first error; stops everything */
	/* header */
	bool		 header_done;
	char		**hdr;
	size_t		 nhdr, hdr_cap;
	size_t		 tcol, vcol;	/* 0-based; vcol SIZE_MAX: none */
	/* the current row */
	bool		 have_t, have_v;
	int64_t		 row_t;
	double		 row_v;
	/* rows read: (time ns, value); arrivals arrive as bucket counts */
	size_t		 rows;
	bool		 have_prev;
	int64_t		 prev_t;
	int64_t		*ts;
	double		*vs;
	size_t		 n, cap;
	int64_t		 t0;		/* arrivals: first arrival */
	sim_ns		 bucket;	/* arrivals, or counts with a given bucket */
	int64_t		*arr;		/* arrivals: each one, from t0 */
	size_t		 narr, caparr;
};

static void
load_error(struct load *L, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
load_error(struct load *L, size_t col, const char *fmt, ...)
{
	if (L->err != NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	L->err = xasprintf("%s:%d:%zu: %s", L->path, L->row_line, col + 1, what);
	free(what);
}

static void
push_point(struct load *L, int64_t t, double v)
{
	if (L->n == L->cap) {
		size_t cap = L->cap;
		KS_GROW(L->ts, cap, L->n + 1);
		KS_GROW(L->vs, L->cap, L->n + 1);
	}
	L->ts[L->n] = t;
	L->vs[L->n] = v;
	L->n++;
}

static const char *
value_word(const struct load *L)
{
	return L->o->value == WL_VALUE_RATE ? "rate" : "count";
}

static void
time_field(struct load *L, const char *s)
{
	int64_t t = 0;
	if (L->tkind == TIME_UNDECIDED)
		L->tkind = L->o->time_format == NULL &&
		    wl_time_seconds(s, &t) == 0 ? TIME_SECONDS : TIME_FORMAT;
	if (L->tkind == TIME_SECONDS && wl_time_seconds(s, &t) < 0) {
		load_error(L, L->field, "expected a time in seconds, found '%s'", s);
		return;
	}
	if (L->tkind == TIME_FORMAT && wl_time_parse(L->fmt, s, &t) < 0) {
		load_error(L, L->field, "expected a timestamp like '%s', found '%s'",
		    L->o->time_format != NULL ? L->o->time_format :
		    DEFAULT_TIME_FORMAT, s);
		return;
	}
	if (L->have_prev) {
		if (L->o->value == WL_VALUE_ARRIVALS && t < L->prev_t) {
			load_error(L, L->field, "expected a time not earlier than "
			    "the previous row's, found '%s'", s);
			return;
		}
		if (L->o->value != WL_VALUE_ARRIVALS && t <= L->prev_t) {
			load_error(L, L->field, "expected a time later than "
			    "the previous row's, found '%s'", s);
			return;
		}
		if (L->o->value == WL_VALUE_COUNT && L->bucket > 0 &&
		    t - L->prev_t < L->bucket) {
			load_error(L, L->field, "expected a time at least one "
			    "bucket (%g s) after the previous row's, found '%s'",
			    (double)L->bucket / NS_PER_S, s);
			return;
		}
	}
	L->row_t = t;
	L->have_t = true;
}

static void
value_field(struct load *L, const char *s)
{
	double v;
	if (parse_number(s, &v) < 0) {
		load_error(L, L->field, "expected a number (a %s), found '%s'",
		    value_word(L), s);
		return;
	}
	if (v < 0) {
		load_error(L, L->field, "expected a non-negative %s, found '%s'",
		    value_word(L), s);
		return;
	}
	if (L->o->value == WL_VALUE_RATE && v > WL_RATE_MAX) {
		load_error(L, L->field, "expected a rate of at most 1e9 requests "
		    "per second, found '%s'", s);
		return;
	}
	L->row_v = v;
	L->have_v = true;
}

static void
on_field(void *data, size_t len, void *ctx)
{
	struct load *L = ctx;
	const char *s = data != NULL ? data : "";
	(void)len;
	if (L->err != NULL)
		return;
	if (!L->in_row) {
		L->in_row = true;
		L->row_line = L->line;
		L->field = 0;
		L->have_t = L->have_v = false;
	}
	if (!L->header_done) {
		KS_GROW(L->hdr, L->hdr_cap, L->nhdr + 1);
		L->hdr[L->nhdr++] = xstrdup(s);
	} else if (L->field == L->tcol) {
		time_field(L, s);
	} else if (L->field == L->vcol) {
		value_field(L, s);
	}
	L->field++;
}

static char *
header_list(const struct load *L)
{
	struct ks_buf b;
	ks_buf_init(&b);
	for (size_t i = 0; i < L->nhdr; i++)
		ks_buf_printf(&b, "%s%s", i ? ", " : "", L->hdr[i]);
	if (b.data == NULL)
		ks_buf_puts(&b, "(none)");
	return ks_buf_take(&b);
}

/* Index of the header column `name`, or SIZE_MAX (with an error). */
static size_t
find_column(struct load *L, const char *name)
{
	for (size_t i = 0; i < L->nhdr; i++)
		if (strcmp(L->hdr[i], name) == 0)
			return i;
	char *cols = header_list(L);
	load_error(L, 0, "no column '%s' in header; columns are %s", name, cols);
	free(cols);
	return SIZE_MAX;
}

static void
on_header(struct load *L)
{
	const struct wl_trace_opts *o = L->o;
	L->header_done = true;
	L->tcol = o->time_column != NULL ? find_column(L, o->time_column) : 0;
	L->vcol = SIZE_MAX;
	if (L->err != NULL || o->value == WL_VALUE_ARRIVALS)
		return;
	if (o->value_column != NULL) {
		L->vcol = find_column(L, o->value_column);
		if (L->err == NULL && L->vcol == L->tcol)
			load_error(L, L->vcol, "expected different time and "
			    "value columns, found '%s' for both", o->value_column);
		return;
	}
	L->vcol = L->tcol == 0 ? 1 : 0;
	if (L->nhdr < 2) {
		char *cols = header_list(L);
		load_error(L, 1, "expected a second column holding the %ss; "
		    "columns are %s", value_word(L), cols);
		free(cols);
	}
}

/* Adds one arrival at time t to the bucket counts. */
static void
add_arrival(struct load *L, int64_t t)
{
	if (L->n == 0)
		L->t0 = t;
	KS_GROW(L->arr, L->caparr, L->narr + 1);
	L->arr[L->narr++] = t - L->t0;
	int64_t k = (t - L->t0) / L->bucket;
	int64_t bt = L->t0 + k * L->bucket;
	if (L->n > 0 && L->ts[L->n - 1] == bt)
		L->vs[L->n - 1] += 1;
	else
		push_point(L, bt, 1);
}

static void
on_row(int term, void *ctx)
{
	struct load *L = ctx;
	(void)term;
	if (L->err != NULL)
		return;
	if (!L->in_row) {		/* an empty row */
		L->row_line = L->line;
		L->field = 0;
		L->have_t = L->have_v = false;
	}
	L->in_row = false;
	if (!L->header_done) {
		on_header(L);
		return;
	}
	if (!L->have_t) {
		load_error(L, L->tcol, "expected a time in column '%s', found "
		    "the end of the row", L->hdr[L->tcol]);
		return;
	}
	if (L->vcol != SIZE_MAX && !L->have_v) {
		load_error(L, L->vcol, "expected a %s in column '%s', found "
		    "the end of the row", value_word(L), L->hdr[L->vcol]);
		return;
	}
	L->rows++;
	L->have_prev = true;
	L->prev_t = L->row_t;
	if (L->o->value == WL_VALUE_ARRIVALS)
		add_arrival(L, L->row_t);
	else
		push_point(L, L->row_t, L->row_v);
}

static int
read_file(const char *path, char **data, size_t *len, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct ks_buf b;
	ks_buf_init(&b);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		ks_buf_add(&b, chunk, got);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		ks_buf_fini(&b);
		*cause = xasprintf("%s: read error", path);
		return -1;
	}
	*len = b.len;
	if (b.data == NULL)
		ks_buf_add(&b, "", 0);
	*data = ks_buf_take(&b);
	return 0;
}

/* Feeds the file to libcsv one line at a time, so errors know their line. */
static void
parse_csv(struct load *L, const char *data, size_t len)
{
	struct csv_parser p;
	KS_ASSERT(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0);
	size_t off = 0;
	L->line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		off = 3;	/* a UTF-8 byte order mark */
	while (off < len && L->err == NULL) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (data + off)) + 1 : len - off;
		if (csv_parse(&p, data + off, n, on_field, on_row, L) != n) {
			if (!L->in_row)
				L->row_line = L->line;
			load_error(L, L->in_row ? L->field : 0,
			    "expected well-formed CSV (%s)",
			    csv_strerror(csv_error(&p)));
		}
		off += n;
		if (nl != NULL && off < len)
			L->line++;
	}
	if (L->err == NULL && csv_fini(&p, on_field, on_row, L) != 0) {
		if (!L->in_row)
			L->row_line = L->line;
		load_error(L, L->in_row ? L->field : 0,
		    "expected well-formed CSV (%s)", csv_strerror(csv_error(&p)));
	}
	csv_free(&p);
}

/* ---- building the series -------------------------------------------------- */

/* Appends a breakpoint; c[k] holds piece k's count until load_finish. A
 * point at the time of the last one replaces its rate. */
static void
series_add(struct wl_series *s, size_t *cap, int64_t t, double r, double count)
{
	if (s->n > 0 && s->t[s->n - 1] >= t) {
		s->r[s->n - 1] = r;
		s->c[s->n - 1] = count;
		return;
	}
	if (s->n == *cap) {
		size_t c1 = *cap, c2 = *cap;
		KS_GROW(s->t, c1, s->n + 1);
		KS_GROW(s->r, c2, s->n + 1);
		KS_GROW(s->c, *cap, s->n + 1);
	}
	s->t[s->n] = t;
	s->r[s->n] = r;
	s->c[s->n] = count;
	s->n++;
}

/* Counts of the pieces between breakpoints, for the shapes whose rows are
 * not counts already (rates, and count buckets read linearly). */
static void
piece_counts(struct wl_series *s)
{
	for (size_t k = 0; k < s->n; k++) {
		int64_t next = k + 1 < s->n ? s->t[k + 1] : s->dur;
		double dt = (double)(next - s->t[k]) / NS_PER_S;
		if (s->linear && k + 1 < s->n)
			s->c[k] = (s->r[k] + s->r[k + 1]) / 2 * dt;
		else
			s->c[k] = s->r[k] * dt;
	}
}

/* Turns the rows of L into breakpoints (see struct wl_series). */
static struct wl_series *
build_series(const struct load *L, sim_ns w, bool linear)
{
	struct wl_series *s = xcalloc(1, sizeof *s);
	size_t cap = 0;
	int64_t t0 = L->ts[0];
	double ws = (double)w / NS_PER_S;
	bool counts = L->o->value != WL_VALUE_RATE;
	s->linear = linear;
	s->bucket = w;
	s->rows = L->rows;
	s->dur = L->ts[L->n - 1] - t0 + w;
	for (size_t i = 0; i < L->n; i++) {
		int64_t t = L->ts[i] - t0;
		int64_t next = i + 1 < L->n ? L->ts[i + 1] - t0 : s->dur;
		double v = L->vs[i];
		if (!counts) {
			series_add(s, &cap, t, v, 0);
		} else if (!linear) {
			/* The bucket holds v requests exactly; a gap holds none. */
			series_add(s, &cap, t, v / ws, v);
			if (next > t + w)
				series_add(s, &cap, t + w, 0, 0);
		} else {
			/* Rates at bucket midpoints; the first half bucket flat;
			 * whole missing buckets are zeros. */
			if (i == 0)
				series_add(s, &cap, 0, v / ws, 0);
			series_add(s, &cap, t + w / 2, v / ws, 0);
			if (next - (t + w) >= w) {
				series_add(s, &cap, t + w + w / 2, 0, 0);
				series_add(s, &cap, next - w + w / 2, 0, 0);
			}
		}
	}
	if (!counts || linear)
		piece_counts(s);
	/* Piece counts -> cumulative counts. */
	double sum = 0;
	for (size_t k = 0; k < s->n; k++) {
		double piece = s->c[k];
		s->c[k] = sum;
		sum += piece;
		if (s->r[k] > s->peak)
			s->peak = s->r[k];
	}
	s->total = sum;
	s->t = xreallocarray(s->t, s->n, sizeof *s->t);
	s->r = xreallocarray(s->r, s->n, sizeof *s->r);
	s->c = xreallocarray(s->c, s->n, sizeof *s->c);
	return s;
}

/* The smallest spacing between consecutive rows (they are increasing). */
static sim_ns
min_spacing(const struct load *L)
{
	sim_ns w = SIM_NEVER;
	for (size_t i = 1; i < L->n; i++)
		if (L->ts[i] - L->ts[i - 1] < w)
			w = L->ts[i] - L->ts[i - 1];
	return w;
}

static void
load_fini(struct load *L)
{
	for (size_t i = 0; i < L->nhdr; i++)
		free(L->hdr[i]);
	free(L->hdr);
	free(L->ts);
	free(L->vs);
	free(L->arr);
	free(L->err);
}

static int
check_scale(const char *path, const char *what, double x, char **cause)
{
	if (isfinite(x) && x >= 0)
		return 0;
	*cause = xasprintf("%s: expected a positive %s, found %g", path, what, x);
	return -1;
}

int
wl_trace_load(const struct wl_trace_opts *o, struct wl_traffic **out,
    char **cause)
{
	KS_ASSERT(o != NULL && o->path != NULL);
	KS_ASSERT(o->value <= WL_VALUE_ARRIVALS && o->end <= WL_END_LOOP &&
	    o->interp <= WL_INTERP_LINEAR);
	*out = NULL;
	if (check_scale(o->path, "time_scale", o->time_scale, cause) < 0 ||
	    check_scale(o->path, "rate_scale", o->rate_scale, cause) < 0)
		return -1;
	if (o->bucket < 0 || o->bucket > WL_TIME_MAX) {
		*cause = xasprintf("%s: expected a bucket width between 0 and "
		    "%g s", o->path, (double)WL_TIME_MAX / NS_PER_S);
		return -1;
	}

	char *data;
	size_t len;
	if (read_file(o->path, &data, &len, cause) < 0)
		return -1;
	struct load L = { .o = o, .path = o->path, .bucket = o->bucket,
	    .tcol = SIZE_MAX, .vcol = SIZE_MAX };
	if (o->value == WL_VALUE_ARRIVALS && L.bucket == 0)
		L.bucket = SIM_SEC;
	char *fmt = wl_time_expand(o->time_format != NULL ? o->time_format :
	    DEFAULT_TIME_FORMAT);
	L.fmt = fmt;
	parse_csv(&L, data, len);
	free(data);

	if (L.err == NULL && !L.header_done) {
		L.row_line = 1;
		load_error(&L, 0, "expected a header line, found an empty file");
	}
	if (L.err == NULL && L.rows == 0) {
		L.row_line = 2;
		load_error(&L, 0, "expected a data row after the header, "
		    "found the end of the file");
	}
	sim_ns w = L.bucket;
	if (L.err == NULL && w == 0) {
		if (L.n < 2) {
			L.row_line = 2;
			load_error(&L, L.tcol, "expected two rows or more to "
			    "infer the bucket width (or set the bucket)");
		} else {
			w = min_spacing(&L);
		}
	}
	int64_t start = o->start;
	if (L.err == NULL && o->start_at != NULL) {
		int64_t at = 0;
		int bad = L.tkind == TIME_SECONDS ?
		    wl_time_seconds(o->start_at, &at) : wl_time_parse(fmt, o->start_at, &at);
		if (bad)
			L.err = xasprintf("%s: expected start_at like the time "
			    "column ('%s'), found '%s'", o->path,
			    L.tkind == TIME_SECONDS ? "seconds" :
			    o->time_format != NULL ? o->time_format :
			    DEFAULT_TIME_FORMAT, o->start_at);
		start = at - L.ts[0];
	}
	free(fmt);
	if (L.err != NULL) {
		*cause = L.err;
		L.err = NULL;
		load_fini(&L);
		return -1;
	}

	struct wl_series *s = build_series(&L, w, o->interp == WL_INTERP_LINEAR);
	if (L.narr > 0) {
		s->arr = xreallocarray(L.arr, L.narr, sizeof *L.arr);
		s->narr = L.narr;
		L.arr = NULL;
	}
	s->end = o->end;
	s->start = start;
	s->tscale = o->time_scale > 0 ? o->time_scale : 1;
	s->rscale = o->rate_scale > 0 ? o->rate_scale : 1;
	load_fini(&L);
	*out = wl_traffic_series(s);
	return 0;
}

/* ---- per-request replay ------------------------------------------------------ */

/*
 * A cursor over the recorded arrivals: pass q of the loop (0 without loop)
 * and index i. Arrival (q, i) is at trace time q dur + arr[i], virtual time
 * (q dur + arr[i] - start) / time_scale rounded to the nanosecond (a
 * monotone map, so the replayed times never go back).
 */
struct wl_replay {
	const struct wl_series	*s;
	int64_t			 q;
	size_t			 i;
};

static double
replay_v(const struct wl_series *s, int64_t q, size_t i)
{
	double tau = (double)q * (double)s->dur + (double)s->arr[i];
	if (s->tscale == 1)
		return tau - (double)s->start;
	return nearbyint((tau - (double)s->start) / s->tscale);
}

struct wl_replay *
wl_replay_new(const struct wl_traffic *t, sim_ns from)
{
	const struct wl_series *s = wl_traffic_get_series(t);
	if (s == NULL || s->narr == 0 || s->rscale != 1 || s->end == WL_END_HOLD)
		return NULL;
	struct wl_replay *r = xcalloc(1, sizeof *r);
	r->s = s;
	/* The first arrival at or after from: its pass, then its index. */
	double tau = (double)s->start + (double)from * s->tscale;
	if (s->end == WL_END_LOOP)
		r->q = (int64_t)floor(tau / (double)s->dur);
	size_t lo = 0, hi = s->narr;
	double rem = tau - (double)r->q * (double)s->dur;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((double)s->arr[mid] < rem - 2)
			lo = mid + 1;
		else
			hi = mid;
	}
	r->i = lo;	/* within 2 ns of the first; rounding settled below */
	for (;;) {
		if (r->i == s->narr) {
			if (s->end != WL_END_LOOP)
				break;
			r->q++;
			r->i = 0;
		}
		if (replay_v(s, r->q, r->i) >= (double)from)
			break;
		r->i++;
	}
	return r;
}

sim_ns
wl_replay_next(struct wl_replay *r)
{
	const struct wl_series *s = r->s;
	if (r->i == s->narr) {
		if (s->end != WL_END_LOOP)
			return SIM_NEVER;
		r->q++;
		r->i = 0;
	}
	double v = replay_v(s, r->q, r->i);
	r->i++;
	if (!(v < 9e18))
		return SIM_NEVER;
	return (sim_ns)v;
}

void
wl_replay_free(struct wl_replay *r)
{
	free(r);
}
