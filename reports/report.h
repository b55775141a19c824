/*
 * report.h - the results writer: opens (or creates) a kubesim SQLite results
 * database, records runs, and turns probe records (sim/engine/engine.h) into
 * rows of the tables in reports/schema.sql. It never sees model structs: a
 * probe record's table name and values, in the table's column order without
 * run_id, are all it gets.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/engine.h"
#include "sim/util/util.h"

/* The schema version in PRAGMA user_version, and the file's application_id
 * ('KSIM'). Both are set by reports/schema.sql. */
#define RPT_SCHEMA_VERSION	1
#define RPT_APPLICATION_ID	0x4B53494D

/* Rows per transaction while a run writes (the batch is also committed by
 * rpt_run_finish). A process that dies loses at most this many rows. */
#define RPT_BATCH_ROWS		10000

/* WAL frames (pages) after which a commit checkpoints the WAL into the file
 * and lets the WAL be reused: it stays under this plus one batch's pages
 * (why not SQLite's default of 1000: reports/report.c). */
#define RPT_WAL_CHECKPOINT_PAGES	8192

/* The text of reports/schema.sql (generated into reports/schema_sql.c). */
extern const char rpt_schema_sql[];

struct rpt;

/*
 * Opens the results database at path, creating the file and the schema when
 * it does not exist (or is empty). An existing kubesim database is appended
 * to. A file that is not SQLite, is corrupt, belongs to another application
 * or has a newer schema version is an error and is left untouched.
 * Returns 0 and sets *out (free with rpt_close), or a negative code and
 * sets *cause (caller frees): RPT_ERR_INPUT when the file is not a kubesim
 * results file (the user's input), RPT_ERR_ENV when the environment fails
 * (cannot create, read-only, locked past KUBESIM_BUSY_TIMEOUT seconds, disk
 * full, not a regular file such as /dev/null); *cause carries SQLite's reason.
 */
#define RPT_ERR_INPUT	(-1)
#define RPT_ERR_ENV	(-2)
int rpt_open(const char *path, struct rpt **out, char **cause);
/* The same for reading only (report, compare): the file must exist and be a
 * kubesim database; nothing is created or written. Runs cannot be begun. */
int rpt_open_readonly(const char *path, struct rpt **out, char **cause);
/* Closes the database. A run still in progress is first committed and marked
 * 'failed' with error "results writer closed before the run finished". */
void rpt_close(struct rpt *r);

/*
 * Inserts a runs row with status 'running' (committed at once, so a crash
 * leaves it visible as 'running') and starts the run's first batch.
 * params_json (may be NULL) is stored as given: a JSON object of --set
 * overrides and options. Only one run at a time per struct rpt.
 * Returns 0 and sets *run_id, or -1 and sets *cause.
 */
int rpt_run_begin(struct rpt *r, const char *scenario, uint64_t seed,
    const char *version, const char *params_json, int64_t *run_id,
    char **cause);

/*
 * The probe sink of the current run: emit(table, vals, n) inserts one row
 * into `table` with the run's id followed by the n values (ints, reals, text
 * and NULL bind as such). Rows are held (copied) and written several at a
 * time, in their order, before every commit, every read through this
 * writer (rpt_db, rpt_check_run, ...) and rpt_write_error. An unknown table, a wrong column count or a record
 * outside a run is an internal error (ks_fatal). A database error while
 * writing (disk full, ...) does not stop the run: it is remembered, later
 * records are dropped and rpt_run_finish reports it (see rpt_write_error).
 * The sink stays valid until rpt_close.
 */
struct probe_sink rpt_sink(struct rpt *r);
/*
 * Sets the current run's warm-up (default 0): service_intervals rows whose
 * t_s is at or before it are written but left out of the summary row.
 * Whatever the warm-up, the writer turns the count columns of
 * service_intervals (offered, ok, errors, timeouts) into integers that are
 * differences of rounded running totals (so fluid mode's expected counts
 * lose nothing and ok + errors + timeouts = offered stays exact), and
 * replaces a summary record's requests, ok, errors and availability by the
 * sums of the service's rows after the warm-up.
 */
void rpt_run_warmup(struct rpt *r, double warmup_s);
/* The first write error of the current run, or NULL (the rows the sink
 * holds are written first). */
const char *rpt_write_error(struct rpt *r);

/*
 * Ends the current run: writes the final batch and updates the runs row
 * (status 'ok', 'failed' or 'interrupted'; error may be NULL) in one
 * transaction, so a run marked 'ok' has all of its rows. When a write error
 * happened during the run, the run is marked 'failed' with that error and
 * -1 is returned with *cause set. Not async-signal-safe: a signal handler
 * only sets a flag; the program stops the simulation and then calls this
 * with 'interrupted'.
 */
int rpt_run_finish(struct rpt *r, const char *status, double sim_s,
    double wall_s, uint64_t events, double cost_usd, const char *error,
    char **cause);

/*
 * Prints a readable summary of run_id from the database: the run line, per
 * service requests, availability %, p50/p95/p99 ms (from the summary table,
 * or counts from service_intervals when the run has no summary rows), then
 * cost and nodes. Returns 0, or -1 with *cause when there is no such run or
 * the database cannot be read.
 */
int rpt_print_summary(struct rpt *r, int64_t run_id, FILE *out, char **cause);

/* ---- reading (reports/view.c, compare.c, merge.c, html.c) ------------- */

struct sqlite3;
/* The open database and its path, for the readers in reports/. */
struct sqlite3 *rpt_db(struct rpt *r);
const char *rpt_path(const struct rpt *r);
/*
 * The run a reading command looks at: `want` when > 0 (it must exist), else
 * the newest run. Returns 0 and *run_id, or -1 with *cause.
 */
int rpt_pick_run(struct rpt *r, int64_t want, int64_t *run_id, char **cause);
/*
 * Copies every run of the kubesim database at `in` into r (opened for
 * writing, no run in progress), with new run ids and all its rows, in one
 * transaction (reports/merge.c). patch (may be NULL) is a JSON object merged
 * into each copied run's params (json_patch). A run equal in scenario, seed
 * and params to an 'ok' run already in r is a duplicate: nothing of `in` is
 * merged, -1 and *cause. Returns 0 and *nruns copied, or -1 with *cause.
 */
int rpt_merge_file(struct rpt *r, const char *in, const char *patch, int64_t *nruns,
    char **cause);
/* Whether r holds an 'ok' run whose params.sweep equals key (a sweep job
 * already done). Returns 0, or -1 with *cause. */
int rpt_run_done(struct rpt *r, const char *key, bool *done, char **cause);
/* Simulated seconds as kubectl-like H:MM:SS ("26:03:09" after a day); buf
 * of at least 32 bytes. */
const char *rpt_fmt_clock(double t_s, char *buf, size_t len);
/*
 * The result-row invariants of the run in progress (before rpt_run_finish,
 * over its rows written so far, committed or not): per service the summary
 * equals the sum of its intervals (requests = SUM(offered), ok = SUM(ok),
 * errors = SUM(errors) + SUM(timeouts)), every summarized service has
 * intervals and the reverse, the intervals' cost sums to cost_usd; and time
 * is monotonic in every table (interval rows strictly increasing per
 * service, queue and for the cluster; event and decision rows
 * non-decreasing in insertion order; all within [0, sim_s]). Appends "ok  "
 * or "FAIL" lines to out; returns the number violated, or -1 with *cause
 * when the database cannot be read.
 */
int rpt_check_run(struct rpt *r, double sim_s, double cost_usd, struct ks_buf *out,
    char **cause);

/* The WAL checkpoints of the file so far (reports/ckpt.c): run on the
 * checkpoint thread, and the writer's copies of what came since (both 0
 * when the writer checkpoints inline). */
void rpt_checkpoints(struct rpt *r, size_t *on_thread, size_t *by_writer);

#endif
