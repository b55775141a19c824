/*
 * merge.c - joins kubesim results databases: every run of an input file is
 * copied into the open output with a new run id (the output's AUTOINCREMENT)
 * together with its rows in every probe table, in one transaction per input
 * file. A run whose scenario, seed and params equal those of a finished run
 * already in the output is a duplicate: the whole input is refused.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "reports/report.h"
#include "sim/util/util.h"

static int
mrg_err(struct rpt *out, const char *in, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", in, what, sqlite3_errmsg(rpt_db(out)));
	return -1;
}

/* The INSERT ... SELECT copying one run's rows of a probe table. */
static char *
mrg_copy_sql(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	struct ks_buf cols;
	ks_buf_init(&cols);
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1) WHERE name <> "
	    "'run_id' ORDER BY cid", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		ks_buf_printf(&cols, ", \"%s\"", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	char *sql = xasprintf("INSERT INTO main.\"%s\" (run_id%s) SELECT ?1%s FROM "
	    "src.\"%s\" WHERE run_id = ?2 ORDER BY rowid", table, cols.data ? cols.data : "",
	    cols.data ? cols.data : "", table);
	ks_buf_fini(&cols);
	return sql;
}

static int
mrg_copy_runs(struct rpt *out, const char *in, const char *patch, int64_t *nruns,
    char **cause)
{
	sqlite3 *db = rpt_db(out);
	sqlite3_stmt *runs = NULL, *dup = NULL, *ins = NULL, *tables = NULL;
	sqlite3_stmt **copy = NULL;
	size_t ncopy = 0, cap = 0;
	int rc = -1;

	/* The probe tables both files have (the output's schema is complete). */
	if (sqlite3_prepare_v2(db, "SELECT name FROM src.sqlite_master WHERE type = 'table' "
	    "AND name <> 'runs' AND name NOT LIKE 'sqlite%' AND name IN (SELECT name FROM "
	    "main.sqlite_master WHERE type = 'table') ORDER BY name", -1, &tables, NULL)
	    != SQLITE_OK)
		return mrg_err(out, in, "listing tables", cause);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		char *sql = mrg_copy_sql(db, (const char *)sqlite3_column_text(tables, 0));
		KS_GROW(copy, cap, ncopy + 1);
		if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &copy[ncopy], NULL)
		    != SQLITE_OK) {
			free(sql);
			sqlite3_finalize(tables);
			mrg_err(out, in, "copying a table", cause);
			goto done;
		}
		ncopy++;
		free(sql);
	}
	sqlite3_finalize(tables);
	if (sqlite3_prepare_v2(db, "SELECT run_id, scenario, seed, status, started_at, "
	    "sim_seconds, wall_seconds, events, cost_usd, version, CASE WHEN ?1 IS NULL THEN "
	    "params ELSE json_patch(coalesce(params, '{}'), ?1) END, error FROM src.runs "
	    "ORDER BY run_id", -1, &runs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT run_id FROM main.runs WHERE status = 'ok' AND "
	    "scenario = ?1 AND seed = ?2 AND params IS ?3 LIMIT 1", -1, &dup, NULL)
	    != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO main.runs (scenario, seed, status, "
	    "started_at, sim_seconds, wall_seconds, events, cost_usd, version, params, "
	    "error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", -1, &ins, NULL)
	    != SQLITE_OK) {
		mrg_err(out, in, "reading runs", cause);
		goto done;
	}
	if (patch != NULL)
		sqlite3_bind_text(runs, 1, patch, -1, SQLITE_STATIC);
	int step;
	while ((step = sqlite3_step(runs)) == SQLITE_ROW) {
		int64_t old = sqlite3_column_int64(runs, 0);
		sqlite3_bind_value(dup, 1, sqlite3_column_value(runs, 1));
		sqlite3_bind_value(dup, 2, sqlite3_column_value(runs, 2));
		sqlite3_bind_value(dup, 3, sqlite3_column_value(runs, 10));
		if (sqlite3_step(dup) == SQLITE_ROW) {
			*cause = xasprintf("%s: run %" PRId64 " (scenario %s, seed %lld) is already "
			    "in the output as run %lld with the same params; nothing merged from "
			    "this file", in, old, (const char *)sqlite3_column_text(runs, 1),
			    sqlite3_column_int64(runs, 2), sqlite3_column_int64(dup, 0));
			goto done;
		}
		sqlite3_reset(dup);
		for (int c = 1; c <= 11; c++)
			sqlite3_bind_value(ins, c, sqlite3_column_value(runs, c));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			mrg_err(out, in, "inserting a run", cause);
			goto done;
		}
		sqlite3_reset(ins);
		int64_t id = sqlite3_last_insert_rowid(db);
		for (size_t t = 0; t < ncopy; t++) {
			sqlite3_bind_int64(copy[t], 1, id);
			sqlite3_bind_int64(copy[t], 2, old);
			int s = sqlite3_step(copy[t]);
			sqlite3_reset(copy[t]);
			if (s != SQLITE_DONE) {
				mrg_err(out, in, "copying rows", cause);
				goto done;
			}
		}
		(*nruns)++;
	}
	if (step != SQLITE_DONE) {
		mrg_err(out, in, "reading runs", cause);
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(runs);
	sqlite3_finalize(dup);
	sqlite3_finalize(ins);
	for (size_t t = 0; t < ncopy; t++)
		sqlite3_finalize(copy[t]);
	free(copy);
	return rc;
}

int
rpt_merge_file(struct rpt *out, const char *in, const char *patch, int64_t *nruns,
    char **cause)
{
	sqlite3 *db = rpt_db(out);
	struct rpt *chk = NULL;
	*nruns = 0;
	/* The input must be a kubesim database of this schema: open it once
	 * read-only with the same checks as every reader. */
	if (rpt_open_readonly(in, &chk, cause) < 0)
		return -1;
	rpt_close(chk);
	char *sql = sqlite3_mprintf("ATTACH DATABASE %Q AS src", in);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return mrg_err(out, in, "attaching", cause);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		mrg_err(out, in, "starting the merge", cause);
		sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
		return -1;
	}
	if (mrg_copy_runs(out, in, patch, nruns, cause) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
		*nruns = 0;
		return -1;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		mrg_err(out, in, "committing the merge", cause);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
		*nruns = 0;
		return -1;
	}
	sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
	return 0;
}

int
rpt_run_done(struct rpt *r, const char *key, bool *done, char **cause)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT 1 FROM runs WHERE status = 'ok' AND "
	    "json_extract(params, '$.sweep') = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: reading runs: %s", rpt_path(r),
		    sqlite3_errmsg(rpt_db(r)));
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	*done = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return 0;
}
