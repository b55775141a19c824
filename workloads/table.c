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
#include "workloads/table.h"

struct tload {
	struct wl_table		*t;
	const char *const	*names;
	const bool		*required;
	int			 line, row_line;
	bool			 in_row, header_done;
	size_t			 field;		/* field index in the current row */
	size_t			 max_field;	/* highest header index asked + 1 */
	char			**hdr;
	size_t			 nhdr, caphdr;
	size_t			 capoff, caprows;
	struct ks_buf		 text;
	char			*err;
};

static void
tload_error(struct tload *L, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tload_error(struct tload *L, size_t field, const char *fmt, ...)
{
	if (L->err != NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	L->err = xasprintf("%s:%d:%zu: %s", L->t->path, L->row_line, field + 1, what);
	free(what);
}

static void
on_header(struct tload *L)
{
	struct wl_table *t = L->t;
	L->header_done = true;
	for (size_t c = 0; c < t->ncols && L->err == NULL; c++) {
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
		tload_error(L, 0, "no column '%s' in header; columns are %s", L->names[c],
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
	if (L->err != NULL)
		return;
	if (!L->in_row) {
		L->in_row = true;
		L->row_line = L->line;
		L->field = 0;
		if (L->header_done) {
			KS_GROW(t->line, L->caprows, t->nrows + 1);
			t->line[t->nrows] = L->line;
			KS_GROW(t->off, L->capoff, (t->nrows + 1) * t->ncols);
			for (size_t c = 0; c < t->ncols; c++)
				t->off[t->nrows * t->ncols + c] = SIZE_MAX;
			t->nrows++;
		}
	}
	if (!L->header_done) {
		KS_GROW(L->hdr, L->caphdr, L->nhdr + 1);
		L->hdr[L->nhdr++] = xstrdup(s);
	} else {
		size_t r = t->nrows - 1;
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->field[c] != L->field)
				continue;
			t->off[r * t->ncols + c] = L->text.len;
			ks_buf_add(&L->text, s, strlen(s) + 1);
		}
	}
	L->field++;
}

static void
on_row(int term, void *ctx)
{
	struct tload *L = ctx;
	(void)term;
	if (L->err != NULL || !L->in_row)	/* an empty line: skipped */
		return;
	L->in_row = false;
	if (!L->header_done) {
		on_header(L);
		return;
	}
	if (L->field < L->max_field) {
		/* the first asked column the row does not reach */
		size_t missing = SIZE_MAX;
		const char *name = "?";
		for (size_t c = 0; c < L->t->ncols; c++) {
			size_t f = L->t->field[c];
			if (f != SIZE_MAX && f >= L->field && f < missing) {
				missing = f;
				name = L->names[c];
			}
		}
		tload_error(L, missing, "expected a value in column %s%s%s, found the end "
		    "of the row", isdigit((unsigned char)name[0]) ? "" : "'", name,
		    isdigit((unsigned char)name[0]) ? "" : "'");
	}
}

/* Without a header: the asked columns by number (checked by the caller). */
static void
numbered_columns(struct tload *L)
{
	struct wl_table *t = L->t;
	L->header_done = true;
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
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		wl_table_free(t);
		return -1;
	}
	struct tload L = { .t = t, .names = names, .required = required, .line = 1 };
	ks_buf_init(&L.text);
	if (!header)
		numbered_columns(&L);
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
			tload_error(&L, L.in_row ? L.field : 0, "expected well-formed "
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
		tload_error(&L, L.in_row ? L.field : 0, "expected well-formed CSV (%s)",
		    csv_strerror(csv_error(&p)));
	}
	csv_free(&p);
	if (L.err == NULL && !L.header_done) {
		L.row_line = 1;
		tload_error(&L, 0, "expected a header line, found an empty file");
	}
	for (size_t i = 0; i < L.nhdr; i++)
		free(L.hdr[i]);
	free(L.hdr);
	if (L.text.data == NULL)
		ks_buf_add(&L.text, "", 0);
	t->text = ks_buf_take(&L.text);
	ks_buf_fini(&L.text);
	if (L.err != NULL) {
		*cause = L.err;
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
