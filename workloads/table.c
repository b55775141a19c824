/*
 * table.c - CSV tables with a header, read with libcsv one line at a time
 * (so that every error knows its line), keeping the asked columns' cells in
 * one text buffer. See table.h.
 */
#include "config.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util.h"
#include "workloads/csvfile.h"
#include "workloads/table.h"

struct tload {
	struct wl_csv_pos	 pos;
	struct wl_table		*t;
	const char *const	*names;
	const bool		*required;
	size_t			 max_field;	/* highest header index asked + 1 */
	char			**hdr;
	size_t			 nhdr, caphdr;
	size_t			 capoff, caprows;
	struct ks_buf		 text;
};

static void
on_header(struct tload *L)
{
	struct wl_table *t = L->t;
	L->pos.header_done = true;
	for (size_t c = 0; c < t->ncols && L->pos.err == NULL; c++) {
		t->field[c] = SIZE_MAX;
		if (L->names[c] == NULL)
			continue;
		for (size_t i = 0; i < L->nhdr; i++)
			if (strcmp(L->hdr[i], L->names[c]) == 0) {
				t->field[c] = i;
				break;
			}
		if (t->field[c] != SIZE_MAX) {
			if (t->field[c] + 1 > L->max_field)
				L->max_field = t->field[c] + 1;
			continue;
		}
		if (!L->required[c])
			continue;
		struct ks_buf b;
		ks_buf_init(&b);
		for (size_t i = 0; i < L->nhdr; i++)
			ks_buf_printf(&b, "%s%s", i ? ", " : "", L->hdr[i]);
		char *cols = b.data != NULL ? ks_buf_take(&b) : xstrdup("(none)");
		ks_buf_fini(&b);
		wl_csv_error(&L->pos, 0, "no column '%s' in header; columns are %s", L->names[c],
		    cols);
		free(cols);
	}
}

static void
on_field(void *data, size_t len, void *ctx)
{
	struct tload *L = ctx;
	struct wl_table *t = L->t;
	const char *s = data != NULL ? data : "";
	(void)len;
	if (L->pos.err != NULL)
		return;
	if (!L->pos.in_row) {
		L->pos.in_row = true;
		L->pos.row_line = L->pos.line;
		L->pos.field = 0;
		if (L->pos.header_done) {
			KS_GROW(t->line, L->caprows, t->nrows + 1);
			t->line[t->nrows] = L->pos.line;
			KS_GROW(t->off, L->capoff, (t->nrows + 1) * t->ncols);
			for (size_t c = 0; c < t->ncols; c++)
				t->off[t->nrows * t->ncols + c] = SIZE_MAX;
			t->nrows++;
		}
	}
	if (!L->pos.header_done) {
		KS_GROW(L->hdr, L->caphdr, L->nhdr + 1);
		L->hdr[L->nhdr++] = xstrdup(s);
	} else {
		size_t r = t->nrows - 1;
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->field[c] != L->pos.field)
				continue;
			t->off[r * t->ncols + c] = L->text.len;
			ks_buf_add(&L->text, s, strlen(s) + 1);
		}
	}
	L->pos.field++;
}

static void
on_row(int term, void *ctx)
{
	struct tload *L = ctx;
	(void)term;
	if (L->pos.err != NULL || !L->pos.in_row)	/* an empty line: skipped */
		return;
	L->pos.in_row = false;
	if (!L->pos.header_done) {
		on_header(L);
		return;
	}
	if (L->pos.field < L->max_field) {
		/* the first asked column the row does not reach */
		size_t missing = SIZE_MAX;
		const char *name = "?";
		for (size_t c = 0; c < L->t->ncols; c++) {
			size_t f = L->t->field[c];
			if (f != SIZE_MAX && f >= L->pos.field && f < missing) {
				missing = f;
				name = L->names[c];
			}
		}
		wl_csv_error(&L->pos, missing, "expected a value in column %s%s%s, found the end "
		    "of the row", isdigit((unsigned char)name[0]) ? "" : "'", name,
		    isdigit((unsigned char)name[0]) ? "" : "'");
	}
}

/* Without a header: the asked columns by number (checked by the caller). */
static void
numbered_columns(struct tload *L)
{
	struct wl_table *t = L->t;
	L->pos.header_done = true;
	for (size_t c = 0; c < t->ncols; c++) {
		t->field[c] = SIZE_MAX;
		if (L->names[c] == NULL)
			continue;
		long k = strtol(L->names[c], NULL, 10);
		if (k < 1)
			continue;
		t->field[c] = (size_t)k - 1;
		if ((size_t)k > L->max_field)
			L->max_field = (size_t)k;
	}
}

int
wl_table_load(const char *path, bool header, const char *const *names,
    const bool *required, size_t n, struct wl_table *t, char **cause)
{
	memset(t, 0, sizeof *t);
	t->path = xstrdup(path);
	t->ncols = n;
	t->field = xcalloc(n + 1, sizeof *t->field);
	struct tload L = { .pos.path = t->path, .t = t, .names = names,
		.required = required };
	ks_buf_init(&L.text);
	if (!header)
		numbered_columns(&L);
	int rc = wl_csv_read(&L.pos, on_field, on_row, &L, cause);
	for (size_t i = 0; i < L.nhdr; i++)
		free(L.hdr[i]);
	free(L.hdr);
	if (L.text.data == NULL)
		ks_buf_add(&L.text, "", 0);
	t->text = ks_buf_take(&L.text);
	ks_buf_fini(&L.text);
	if (rc < 0 || L.pos.err != NULL) {
		if (rc == 0)
			*cause = L.pos.err;
		wl_table_free(t);
		return -1;
	}
	return 0;
}

const char *
wl_table_cell(const struct wl_table *t, size_t r, size_t c)
{
	size_t o = t->off[r * t->ncols + c];
	return o == SIZE_MAX ? NULL : t->text + o;
}

char *
wl_table_errorf(const struct wl_table *t, size_t r, size_t c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	char *s = xasprintf("%s:%d:%zu: %s", t->path, t->line[r],
	    t->field[c] == SIZE_MAX ? (size_t)1 : t->field[c] + 1, what);
	free(what);
	return s;
}

void
wl_table_free(struct wl_table *t)
{
	free(t->path);
	free(t->field);
	free(t->off);
	free(t->text);
	free(t->line);
	memset(t, 0, sizeof *t);
}
