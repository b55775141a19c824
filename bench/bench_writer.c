/*
 * bench_writer.c - the results writer alone: reads every probe table of a
 * results file (a run of kubesim), holds its rows in memory, and writes them
 * again through rpt_sink into a new file, in simulated-time order across the
 * tables, timing only the writing (user and system CPU, wall): opening the
 * new file, the run, its commits and checkpoints, and closing it. It measures
 * the writer's settings apart from the simulation (reports/report.c).
 *   bench_writer IN.db OUT.db     (OUT.db is replaced)
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#include "reports/report.h"
#include "sim/util/util.h"

struct bw_table {
	char		 name[64];
	size_t		 ncols, nrows, next;
	int		 tcol;		/* column of t_s after run_id, or -1 */
	struct probe_val *vals;
};

static void
bw_load(sqlite3 *db, struct bw_table *t)
{
	char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", t->name);
	sqlite3_stmt *st;
	size_t cap = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		ks_fatal("%s", sqlite3_errmsg(db));
	sqlite3_free(sql);
	t->ncols = (size_t)sqlite3_column_count(st) - 1;
	t->tcol = -1;
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(sqlite3_column_name(st, (int)c + 1), "t_s") == 0)
			t->tcol = (int)c;
	while (sqlite3_step(st) == SQLITE_ROW) {
		KS_GROW(t->vals, cap, (t->nrows + 1) * t->ncols);
		struct probe_val *v = &t->vals[t->nrows++ * t->ncols];
		for (size_t c = 0; c < t->ncols; c++) {
			int col = (int)c + 1;
			switch (sqlite3_column_type(st, col)) {
			case SQLITE_INTEGER: v[c] = PV_INT(sqlite3_column_int64(st, col)); break;
			case SQLITE_FLOAT: v[c] = PV_REAL(sqlite3_column_double(st, col)); break;
			case SQLITE_NULL: v[c] = PV_NULL; break;
			default: v[c] = PV_TEXT(xstrdup((const char *)sqlite3_column_text(st, col)));
			}
		}
	}
	sqlite3_finalize(st);
}

static double
bw_secs(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	if (argc != 3)
		ks_fatal("usage: bench_writer IN.db OUT.db");
	sqlite3 *in;
	if (sqlite3_open_v2(argv[1], &in, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		ks_fatal("%s: cannot open", argv[1]);
	struct bw_table tabs[32];
	size_t nt = 0, total = 0;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(in, "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "AND name NOT IN ('runs', 'sqlite_sequence') ORDER BY name", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW && nt < 32) {
		memset(&tabs[nt], 0, sizeof tabs[nt]);
		snprintf(tabs[nt].name, sizeof tabs[nt].name, "%s", sqlite3_column_text(st, 0));
		nt++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < nt; i++) {
		bw_load(in, &tabs[i]);
		total += tabs[i].nrows;
	}
	sqlite3_close(in);

	/* Rows by simulated time, tables with t_s first; the others after:
	 * the order decided before the clock starts. */
	unsigned char *order = xcalloc(total, 1);
	for (size_t k = 0; k < total; k++) {
		struct bw_table *b = NULL;
		for (size_t i = 0; i < nt; i++) {
			struct bw_table *t = &tabs[i];
			if (t->next >= t->nrows)
				continue;
			double ts = t->tcol < 0 ? 1e300 : t->vals[t->next * t->ncols + (size_t)t->tcol].u.r;
			double bs = b == NULL ? 0 : b->tcol < 0 ? 1e300 :
			    b->vals[b->next * b->ncols + (size_t)b->tcol].u.r;
			if (b == NULL || ts < bs)
				b = t;
		}
		order[k] = (unsigned char)(b - tabs);
		b->next++;
	}
	for (size_t i = 0; i < nt; i++)
		tabs[i].next = 0;
	struct rpt *r;
	char *cause = NULL;
	int64_t id;
	remove(argv[2]);
	struct rusage ru0, ru1;
	struct timespec w0, w1;
	getrusage(RUSAGE_SELF, &ru0);
	clock_gettime(CLOCK_MONOTONIC, &w0);
	if (rpt_open(argv[2], &r, &cause) != 0 ||
	    rpt_run_begin(r, "bench", 1, "bench", NULL, &id, &cause) != 0)
		ks_fatal("%s", cause);
	struct probe_sink s = rpt_sink(r);
	for (size_t k = 0; k < total; k++) {
		struct bw_table *b = &tabs[order[k]];
		probe_emit(&s, b->name, &b->vals[b->next++ * b->ncols], b->ncols);
	}
	if (rpt_run_finish(r, "ok", 1, 1, 1, 0, NULL, &cause) != 0)
		ks_fatal("%s", cause);
	rpt_close(r);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	getrusage(RUSAGE_SELF, &ru1);
	printf("%zu rows: wall %.3f user %.3f sys %.3f\n", total,
	    (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9,
	    bw_secs(ru1.ru_utime) - bw_secs(ru0.ru_utime),
	    bw_secs(ru1.ru_stime) - bw_secs(ru0.ru_stime));
	return 0;
}
