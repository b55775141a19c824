/*
 * samples.c - one numeric column of a CSV file read with libcsv (strict
 * quoting), fed a line at a time so that every error knows its row and
 * column. Used for empirical service-time distributions.
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
#include "workloads/samples.h"

struct sload {
	const char	*path;
	const char	*column;
	double		 scale;
	int		 line, row_line;
	bool		 in_row, header_done, have_v;
	size_t		 field, col;
	char		**hdr;
	size_t		 nhdr, caphdr;
	double		*v;
	size_t		 n, cap;
	char		*err;
};

static void
sload_error(struct sload *L, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sload_error(struct sload *L, size_t col, const char *fmt, ...)
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
on_field(void *data, size_t len, void *ctx)
{
	struct sload *L = ctx;
	const char *s = data != NULL ? data : "";
	(void)len;
	if (L->err != NULL)
		return;
	if (!L->in_row) {
		L->in_row = true;
		L->row_line = L->line;
		L->field = 0;
		L->have_v = false;
	}
	if (!L->header_done) {
		KS_GROW(L->hdr, L->caphdr, L->nhdr + 1);
		L->hdr[L->nhdr++] = xstrdup(s);
	} else if (L->field == L->col) {
		char *end;
		errno = 0;
		double x = strtod(s, &end);
		if (end == s || *end != '\0' || errno != 0 || !isfinite(x))
			sload_error(L, L->field, "expected a number in column '%s', "
			    "found '%s'", L->hdr[L->col], s);
		else if (x < 0)
			sload_error(L, L->field, "expected a non-negative number in "
			    "column '%s', found '%s'", L->hdr[L->col], s);
		else {
			KS_GROW(L->v, L->cap, L->n + 1);
			L->v[L->n++] = x * L->scale;
			L->have_v = true;
		}
	}
	L->field++;
}

static void
on_header(struct sload *L)
{
	L->header_done = true;
	if (L->column == NULL) {
		L->col = 0;
		return;
	}
	for (size_t i = 0; i < L->nhdr; i++)
		if (strcmp(L->hdr[i], L->column) == 0) {
			L->col = i;
			return;
		}
	struct ks_buf b;
	ks_buf_init(&b);
	for (size_t i = 0; i < L->nhdr; i++)
		ks_buf_printf(&b, "%s%s", i ? ", " : "", L->hdr[i]);
	char *cols = b.data != NULL ? ks_buf_take(&b) : xstrdup("(none)");
	ks_buf_fini(&b);
	sload_error(L, 0, "no column '%s' in header; columns are %s", L->column,
	    cols);
	free(cols);
}

static void
on_row(int term, void *ctx)
{
	struct sload *L = ctx;
	(void)term;
	if (L->err != NULL)
		return;
	if (!L->in_row)		/* an empty line: skipped */
		return;
	L->in_row = false;
	if (!L->header_done) {
		on_header(L);
		return;
	}
	if (!L->have_v)
		sload_error(L, L->field, "expected a number in column '%s', found "
		    "the end of the row", L->hdr[L->col]);
}

int
wl_samples_load(const char *path, const char *column, double scale,
    double **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (!(scale > 0) || !isfinite(scale)) {
		*cause = xasprintf("%s: expected a positive scale, found %g", path, scale);
		return -1;
	}
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct sload L = { .path = path, .column = column, .scale = scale, .line = 1 };
	struct csv_parser p;
	KS_ASSERT(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	bool first = true;
	while (L.err == NULL && (got = getline(&buf, &cap, f)) > 0) {
		const char *s = buf;
		size_t len = (size_t)got;
		if (first && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;		/* a UTF-8 byte order mark */
			len -= 3;
		}
		first = false;
		if (csv_parse(&p, s, len, on_field, on_row, &L) != len) {
			if (!L.in_row)
				L.row_line = L.line;
			sload_error(&L, L.in_row ? L.field : 0, "expected well-formed "
			    "CSV (%s)", csv_strerror(csv_error(&p)));
		}
		if (buf[got - 1] == '\n')
			L.line++;
	}
	free(buf);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (L.err == NULL && bad)
		L.err = xasprintf("%s: read error", path);
	if (L.err == NULL && csv_fini(&p, on_field, on_row, &L) != 0) {
		if (!L.in_row)
			L.row_line = L.line;
		sload_error(&L, L.in_row ? L.field : 0, "expected well-formed CSV (%s)",
		    csv_strerror(csv_error(&p)));
	}
	csv_free(&p);
	if (L.err == NULL && !L.header_done) {
		L.row_line = 1;
		sload_error(&L, 0, "expected a header line, found an empty file");
	}
	if (L.err == NULL && L.n == 0) {
		L.row_line = 2;
		sload_error(&L, L.col, "expected a data row after the header, found the "
		    "end of the file");
	}
	for (size_t i = 0; i < L.nhdr; i++)
		free(L.hdr[i]);
	free(L.hdr);
	if (L.err != NULL) {
		free(L.v);
		*cause = L.err;
		return -1;
	}
	*out = xreallocarray(L.v, L.n, sizeof *L.v);
	*n = L.n;
	return 0;
}
