/*
 * csvfile.c - a CSV file read with libcsv line by line (see csvfile.h).
 */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util.h"
#include "workloads/csvfile.h"

void
wl_csv_error(struct wl_csv_pos *pos, size_t field, const char *fmt, ...)
{
	if (pos->err != NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	pos->err = xasprintf("%s:%d:%zu: %s", pos->path, pos->row_line, field + 1, what);
	free(what);
}

/* libcsv refused the input: the error at the row's field (or line). */
static void
malformed(struct wl_csv_pos *pos, struct csv_parser *p)
{
	if (!pos->in_row)
		pos->row_line = pos->line;
	wl_csv_error(pos, pos->in_row ? pos->field : 0, "expected well-formed CSV (%s)",
	    csv_strerror(csv_error(p)));
}

int
wl_csv_read(struct wl_csv_pos *pos, void (*on_field)(void *, size_t, void *),
    void (*on_row)(int, void *), void *ctx, char **cause)
{
	FILE *f = fopen(pos->path, "rb");
	if (f == NULL) {
		*cause = xasprintf("%s: cannot open: %s", pos->path, strerror(errno));
		return -1;
	}
	pos->line = 1;
	struct csv_parser p;
	KS_ASSERT(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	bool first = true;
	while (pos->err == NULL && (got = getline(&buf, &cap, f)) > 0) {
		const char *s = buf;
		size_t len = (size_t)got;
		if (first && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;		/* a UTF-8 byte order mark */
			len -= 3;
		}
		first = false;
		if (csv_parse(&p, s, len, on_field, on_row, ctx) != len)
			malformed(pos, &p);
		if (buf[got - 1] == '\n')
			pos->line++;
	}
	free(buf);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (pos->err == NULL && bad)
		pos->err = xasprintf("%s: read error", pos->path);
	if (pos->err == NULL && csv_fini(&p, on_field, on_row, ctx) != 0)
		malformed(pos, &p);
	csv_free(&p);
	if (pos->err == NULL && !pos->header_done) {
		pos->row_line = 1;
		wl_csv_error(pos, 0, "expected a header line, found an empty file");
	}
	return 0;
}
