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
#include "workloads/csvfile.h"
#include "workloads/samples.h"

struct sload {
	struct wl_csv_pos pos;
	const char	*column;
	double		 scale;
	bool		 have_v;
	size_t		 col;
	char		**hdr;
	size_t		 nhdr, caphdr;
	double		*v;
	size_t		 n, cap;
};

static void
on_field(void *data, size_t len, void *ctx)
{
	struct sload *L = ctx;
	const char *s = data != NULL ? data : "";
	(void)len;
	if (L->pos.err != NULL)
		return;
	if (!L->pos.in_row) {
		L->pos.in_row = true;
		L->pos.row_line = L->pos.line;
		L->pos.field = 0;
		L->have_v = false;
	}
	if (!L->pos.header_done) {
		KS_GROW(L->hdr, L->caphdr, L->nhdr + 1);
		L->hdr[L->nhdr++] = xstrdup(s);
	} else if (L->pos.field == L->col) {
		char *end;
		errno = 0;
		double x = strtod(s, &end);
		if (end == s || *end != '\0' || errno != 0 || !isfinite(x))
			wl_csv_error(&L->pos, L->pos.field, "expected a number in column '%s', "
			    "found '%s'", L->hdr[L->col], s);
		else if (x < 0)
			wl_csv_error(&L->pos, L->pos.field, "expected a non-negative number in "
			    "column '%s', found '%s'", L->hdr[L->col], s);
		else {
			KS_GROW(L->v, L->cap, L->n + 1);
			L->v[L->n++] = x * L->scale;
			L->have_v = true;
		}
	}
	L->pos.field++;
}

static void
on_header(struct sload *L)
{
	L->pos.header_done = true;
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
	wl_csv_error(&L->pos, 0, "no column '%s' in header; columns are %s", L->column,
	    cols);
	free(cols);
}

static void
on_row(int term, void *ctx)
{
	struct sload *L = ctx;
	(void)term;
	if (L->pos.err != NULL)
		return;
	if (!L->pos.in_row)		/* an empty line: skipped */
		return;
	L->pos.in_row = false;
	if (!L->pos.header_done) {
		on_header(L);
		return;
	}
	if (!L->have_v)
		wl_csv_error(&L->pos, L->pos.field, "expected a number in column '%s', found "
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
	struct sload L = { .pos.path = path, .column = column, .scale = scale };
	if (wl_csv_read(&L.pos, on_field, on_row, &L, cause) < 0)
		return -1;
	if (L.pos.err == NULL && L.n == 0) {
		L.pos.row_line = 2;
		wl_csv_error(&L.pos, L.col, "expected a data row after the header, found the "
		    "end of the file");
	}
	for (size_t i = 0; i < L.nhdr; i++)
		free(L.hdr[i]);
	free(L.hdr);
	if (L.pos.err != NULL) {
		free(L.v);
		*cause = L.pos.err;
		return -1;
	}
	*out = xreallocarray(L.v, L.n, sizeof *L.v);
	*n = L.n;
	return 0;
}
