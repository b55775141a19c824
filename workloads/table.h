/*
 * table.h - a CSV table with a header line read with libcsv (strict
 * quoting), keeping only the columns asked for by name, each cell with the
 * line and column it came from, so that whoever converts a cell can report
 * bad input as file:line:column. Used for cluster traces (pod and node
 * lists, scenarios/pod_trace.c).
 */
#ifndef KS_WL_TABLE_H
#define KS_WL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct wl_table {
	char	*path;
	size_t	 ncols;		/* columns asked for */
	size_t	*field;		/* per column asked: its index in the header, SIZE_MAX: absent */
	size_t	 nrows;
	size_t	*off;		/* nrows x ncols offsets into text; SIZE_MAX: absent */
	char	*text;		/* the kept cells, NUL-terminated */
	int	*line;		/* per row: the line it began on */
};

/*
 * Reads path: the header names the columns; names[i] (NULL: not asked) is
 * looked up in it, and a missing one is an error naming the header's columns
 * when required[i]. Without a header (header false, as Google's cluster
 * traces publish their tables), names[i] is a column number from 1 and every
 * line is a row. Every data row must reach the asked columns. Empty lines
 * are skipped. -1 with *cause "path:line:column: ..." on error.
 */
int wl_table_load(const char *path, bool header, const char *const *names,
    const bool *required, size_t n, struct wl_table *t, char **cause);
/* The cell of row r, column c, or NULL when the column is absent. */
const char *wl_table_cell(const struct wl_table *t, size_t r, size_t c);
/* "path:line:column: <fmt>" for the cell of row r, column c. */
char *wl_table_errorf(const struct wl_table *t, size_t r, size_t c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void wl_table_free(struct wl_table *t);

#endif
