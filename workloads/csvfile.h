/*
 * csvfile.h - a CSV file read with libcsv (strict), line by line, for the
 * workload readers (workloads/samples.c, workloads/table.c): a UTF-8 byte
 * order mark skipped, the line and column of every row kept, and the first
 * error as "path:line:column: what".
 */
#ifndef KS_WL_CSVFILE_H
#define KS_WL_CSVFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Where the reader is; the callbacks keep in_row, row_line, field and
 * header_done up to date (a row starts when in_row is false). */
struct wl_csv_pos {
	const char	*path;
	int		 line;		/* the file's line being parsed (from 1) */
	int		 row_line;	/* the line the current row started on */
	bool		 in_row, header_done;
	size_t		 field;		/* field index in the current row */
	char		*err;		/* the first error (owned), NULL: none */
};

/* Sets pos->err to "path:row_line:field+1: what" unless an error is set. */
void wl_csv_error(struct wl_csv_pos *pos, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Feeds pos->path to libcsv with on_field and on_row (ctx their context,
 * which holds pos) until the end or the first error; malformed CSV, a read
 * error and a file without a header line (unless header_done was set
 * before) are errors in pos->err. Returns -1 with *cause when the file
 * cannot be opened, else 0.
 */
int wl_csv_read(struct wl_csv_pos *pos, void (*on_field)(void *, size_t, void *),
    void (*on_row)(int, void *), void *ctx, char **cause);

#endif
