/*
 * report.c - the results writer: opening and checking a kubesim SQLite file,
 * the runs row of each run, and the probe sink that turns records into rows
 * through cached prepared INSERTs per table, batched into transactions of
 * RPT_BATCH_ROWS rows. A table's records are held (values copied) until
 * RPT_MULTI_ROWS of them make one multi-row INSERT OR FAIL: a statement's
 * cursors are opened, sought and freed once for all of them instead of once
 * a row, and it needs no statement journal; the held rows go in, in their
 * order, before any commit or read of the file. The file uses WAL
 * journaling with synchronous=NORMAL:
 * commits need no fsync (a power cut may lose the last batches, never corrupt
 * the file) and readers can query while a run writes; it is checkpointed
 * every RPT_WAL_CHECKPOINT_PAGES frames.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "reports/ckpt.h"
#include "reports/report.h"
#include "sim/util/util.h"

/* Rows per multi-row INSERT. */
#define RPT_MULTI_ROWS	32

/* The page size of a new file (an existing one keeps its own). Against
 * 4096: half the WAL frames, so half the write and read calls of commits and
 * checkpoints, for 1.5% more bytes (the pages a commit leaves part-filled
 * are written again by the next); 16384 and up write 6% more and more. */
static const char rpt_new_page_size[] = "PRAGMA page_size = 8192";

/*
 * Why the WAL is checkpointed after more frames than SQLite's default 1000: a
 * checkpoint copies the newest frame of every page in the WAL into the
 * file, so a page written again by every commit is copied once per
 * checkpoint: the partly filled pages at each B-tree's end, and the leaves
 * of rollout_intervals_run_deploy, which every interval's rows touch all
 * over (at the limits' full size 710 pages, 48 % of the WAL's frames). Eight
 * times fewer checkpoints copy 0.85 GB instead of 1.35 GB in a day at the
 * limits and sync 81 times instead of 528. The WAL grows to 64 MiB at 8 KiB
 * pages before it is reused (deleted when the file is closed); a power cut,
 * which may lose the commits since the last checkpoint under
 * synchronous=NORMAL, may lose up to that much instead of 8 MiB. Readers and
 * a process that dies are as before: commits are unchanged.
 * RPT_WAL_CHECKPOINT_PAGES (report.h) is that number of frames.
 */

/* A results table fed by probes: its name, the number of its columns after
 * run_id, the INSERTs of one and of RPT_MULTI_ROWS rows whose parameter 1 is
 * the run id, and the rows held for the latter: nheld rows of ncols values,
 * a text value as its offset in `text` (u.i) and its length in tlen. */
struct rpt_table {
	char		*name;
	char		**cols;
	size_t		 ncols;
	sqlite3_stmt	*ins, *ins_multi;
	struct probe_val *held;
	int		*tlen;
	uint64_t	*hseq;		/* each held row's place in the run */
	size_t		 nheld;
	char		*text;
	size_t		 ntext, captext;
};

/*
 * A service's running totals in the current run, for honest integer counts:
 * raw[] holds the cumulative model values (expected counts in fluid mode,
 * fractional) of offered, ok, errors and timeouts; out[] the cumulative
 * integers written so far. Each row gets the difference of the rounded
 * totals, so rows are non-negative integers and no count drifts from the
 * model by more than one half. When offered and ok + errors + timeouts agree
 * up to float dust (fluid mode), offered is written as their rounded sum, so
 * ok + errors + timeouts = offered holds exactly in every row. after[] sums
 * the written columns of the rows that end after the warm-up: the summary
 * row is made of them.
 */
/* A name up to RPT_SVC_INLINE - 1 bytes is kept in the record (the
 * record is read for each row anyway; a string of its own would be
 * another cache miss per row), a longer one in a string of its own. */
#define RPT_SVC_INLINE	24
struct rpt_svc {
	union {
		char	 inl[RPT_SVC_INLINE];
		char	*heap;
	}		 nm;
	bool		 long_name;	/* nm.heap, else nm.inl */
	double		 raw[4];
	int64_t		 out[4];
	int64_t		 after[4];
};

struct rpt {
	sqlite3		*db;
	char		*path;
	bool		 readonly;
	/* Probe tables, sorted by name. Seven of them, so a linear search
	 * behind a one-entry cache of the previous table is all it needs. */
	struct rpt_table *tables;
	size_t		 ntables;
	struct rpt_table *last;
	int64_t		 run_id;	/* 0: no run in progress */
	size_t		 pending;	/* rows in the open batch */
	uint64_t	 seq;		/* rows emitted in the run */
	char		*werr;		/* first write error of the run */
	double		 warmup_s;	/* rows ending at or before it: not in the summary */
	/* Services of the current run in first-seen order; rows come in the
	 * same order every interval, so `cursor` finds the next one in O(1);
	 * svc_ix (name -> index) finds the others. */
	struct rpt_svc	*svcs;
	size_t		 nsvcs, capsvcs, cursor;
	struct ks_strmap svc_ix;
	struct rpt_table *t_intervals, *t_summary;	/* the two tables rounded above */
	struct rpt_ckpt	*ckpt;		/* checkpoints on a thread (ckpt.c), or NULL */
};

/* The statuses a run can end with (the schema also allows 'running'). */
static bool
rpt_final_status(const char *s)
{
	return s != NULL && (strcmp(s, "ok") == 0 || strcmp(s, "failed") == 0 ||
	    strcmp(s, "interrupted") == 0);
}

static char *
rpt_dberr(sqlite3 *db, const char *path, const char *what)
{
	return xasprintf("%s: %s: %s", path, what, sqlite3_errmsg(db));
}

static int
rpt_exec(struct rpt *r, const char *sql, char **cause)
{
	if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		if (cause != NULL)
			*cause = rpt_dberr(r->db, r->path, sql);
		return -1;
	}
	return 0;
}

/* Runs a query returning one integer; returns the SQLite result code. */
static int
rpt_query_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*v = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Decides what the file at path is, reading only: a kubesim database of this
 * schema version (*fresh = false), an empty file or empty SQLite database that
 * may become one (*fresh = true), or something else (-1 and *cause).
 */
static int
rpt_check_file(sqlite3 *db, const char *path, bool *fresh, char **cause)
{
	int64_t appid, version, nobj;
	int rc = rpt_query_int(db, "PRAGMA application_id", &appid);
	if (rc == SQLITE_OK)
		rc = rpt_query_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = rpt_query_int(db, "SELECT count(*) FROM sqlite_master", &nobj);
	if (rc != SQLITE_OK) {
		switch (rc & 0xff) {
		case SQLITE_NOTADB:
			*cause = xasprintf("%s: not a SQLite database, so not a kubesim "
			    "results file; left unchanged", path);
			return RPT_ERR_INPUT;
		case SQLITE_CORRUPT:
			*cause = xasprintf("%s: corrupt SQLite database (%s); left "
			    "unchanged", path, sqlite3_errmsg(db));
			return RPT_ERR_INPUT;
		default:	/* locked, unreadable, I/O error: the environment */
			*cause = rpt_dberr(db, path, "cannot read");
			return RPT_ERR_ENV;
		}
	}
	if (appid == 0 && nobj == 0 && version == 0) {
		*fresh = true;
		return 0;
	}
	if ((uint32_t)appid != RPT_APPLICATION_ID) {
		*cause = xasprintf("%s: a SQLite database of another application "
		    "(application_id 0x%08" PRIx32 ", %" PRId64 " schema objects), not a "
		    "kubesim results file; left unchanged", path, (uint32_t)appid, nobj);
		return RPT_ERR_INPUT;
	}
	if (version > RPT_SCHEMA_VERSION) {
		*cause = xasprintf("%s: kubesim results schema version %" PRId64 " is "
		    "newer than this kubesim's (%d); use a newer kubesim or another "
		    "file", path, version, RPT_SCHEMA_VERSION);
		return RPT_ERR_INPUT;
	}
	if (version < RPT_SCHEMA_VERSION) {
		*cause = xasprintf("%s: kubesim results schema version %" PRId64 " is "
		    "not supported (this kubesim writes version %d)", path, version,
		    RPT_SCHEMA_VERSION);
		return RPT_ERR_INPUT;
	}
	*fresh = false;
	return 0;
}

/*
 * Reads the probe tables and their columns from the schema itself, built in
 * a private in-memory database, so that schema.sql is the one definition
 * (tables users add to their file are no probe tables).
 */
static void
rpt_load_tables(struct rpt *r)
{
	sqlite3 *mem;
	sqlite3_stmt *tl, *cl;
	size_t cap = 0;

	if (sqlite3_open(":memory:", &mem) != SQLITE_OK ||
	    sqlite3_exec(mem, rpt_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		ks_fatal("reports/schema.sql does not load: %s", sqlite3_errmsg(mem));
	if (sqlite3_prepare_v2(mem, "SELECT name FROM sqlite_master WHERE "
	    "type = 'table' AND name <> 'runs' AND name NOT LIKE 'sqlite%' "
	    "ORDER BY name", -1, &tl, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(mem, "SELECT name FROM pragma_table_info(?1) "
	    "ORDER BY cid", -1, &cl, NULL) != SQLITE_OK)
		ks_fatal("rpt: schema query: %s", sqlite3_errmsg(mem));
	while (sqlite3_step(tl) == SQLITE_ROW) {
		struct rpt_table t = { 0 };
		size_t ccap = 0;
		t.name = xstrdup((const char *)sqlite3_column_text(tl, 0));
		sqlite3_bind_text(cl, 1, t.name, -1, SQLITE_STATIC);
		bool first = true;
		while (sqlite3_step(cl) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(cl, 0);
			if (first) {
				if (strcmp(c, "run_id") != 0)
					ks_fatal("reports/schema.sql: table %s does "
					    "not start with run_id", t.name);
				first = false;
				continue;
			}
			KS_GROW(t.cols, ccap, t.ncols + 1);
			t.cols[t.ncols++] = xstrdup(c);
		}
		sqlite3_reset(cl);
		KS_GROW(r->tables, cap, r->ntables + 1);
		r->tables[r->ntables++] = t;
	}
	sqlite3_finalize(tl);
	sqlite3_finalize(cl);
	sqlite3_close(mem);
	for (size_t i = 0; i < r->ntables; i++) {
		if (strcmp(r->tables[i].name, "service_intervals") == 0)
			r->t_intervals = &r->tables[i];
		else if (strcmp(r->tables[i].name, "summary") == 0)
			r->t_summary = &r->tables[i];
	}
	if (r->t_intervals == NULL || r->t_summary == NULL ||
	    r->t_intervals->ncols < 6 || r->t_summary->ncols < 5)
		ks_fatal("reports/schema.sql lacks service_intervals or summary");
}

/*
 * The INSERT of nrows rows into t: row k's column c is parameter
 * 2 + k * ncols + c. Several rows are an INSERT OR FAIL: a row that breaks a
 * constraint stops the statement and leaves the rows before it in, so
 * SQLite opens no statement journal to undo them (a plain INSERT of several
 * rows copies each page it changes into one: 4% of the writer's
 * instructions).
 */
static int
rpt_prepare_insert(struct rpt *r, struct rpt_table *t, size_t nrows,
    sqlite3_stmt **st)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "INSERT %sINTO \"%s\" (run_id", nrows > 1 ? "OR FAIL " : "",
	    t->name);
	for (size_t c = 0; c < t->ncols; c++)
		ks_buf_printf(&b, ", \"%s\"", t->cols[c]);
	ks_buf_puts(&b, ") VALUES ");
	for (size_t k = 0; k < nrows; k++) {
		ks_buf_puts(&b, k > 0 ? ", (?1" : "(?1");
		for (size_t c = 0; c < t->ncols; c++)
			ks_buf_printf(&b, ", ?%zu", k * t->ncols + c + 2);
		ks_buf_puts(&b, ")");
	}
	int rc = sqlite3_prepare_v3(r->db, b.data, -1, SQLITE_PREPARE_PERSISTENT,
	    st, NULL);
	ks_buf_fini(&b);
	return rc;
}

/* Prepares each probe table's INSERTs against the file. */
static int
rpt_prepare_inserts(struct rpt *r, char **cause)
{
	for (size_t i = 0; i < r->ntables; i++) {
		struct rpt_table *t = &r->tables[i];
		int rc = rpt_prepare_insert(r, t, 1, &t->ins);
		if (rc == SQLITE_OK)
			rc = rpt_prepare_insert(r, t, RPT_MULTI_ROWS, &t->ins_multi);
		if (rc != SQLITE_OK) {
			*cause = xasprintf("%s: table %s does not match the kubesim "
			    "results schema version %d: %s", r->path, t->name,
			    RPT_SCHEMA_VERSION, sqlite3_errmsg(r->db));
			return RPT_ERR_INPUT;
		}
	}
	return 0;
}

/* Columns added to schema version 1 after files were written with it: a
 * file without them gets them (NULL in earlier runs), inside the schema's
 * transaction. */
static int
rpt_migrate(struct rpt *r, char **cause)
{
	int64_t have;
	int rc = rpt_query_int(r->db, "SELECT count(*) FROM pragma_table_info('summary') "
	    "WHERE name = 'in_flight'", &have);
	if (rc == SQLITE_OK && have == 0 &&
	    sqlite3_exec(r->db, "ALTER TABLE summary ADD COLUMN in_flight REAL", NULL,
	    NULL, NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_OK) {
		*cause = rpt_dberr(r->db, r->path, "adding summary.in_flight");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* How long a write waits for another writer's lock: KUBESIM_BUSY_TIMEOUT
 * seconds (0 to 3600), 30 by default. */
static int
rpt_busy_ms(void)
{
	const char *e = getenv("KUBESIM_BUSY_TIMEOUT");
	if (e != NULL && *e != '\0') {
		char *end;
		errno = 0;
		long v = strtol(e, &end, 10);
		if (*end == '\0' && errno == 0 && v >= 0 && v <= 3600)
			return (int)v * 1000;
	}
	return 30000;
}

static int
rpt_open_mode(const char *path, bool readonly, struct rpt **out, char **cause)
{
	bool fresh = false;
	/* One thread uses a connection: no mutex around each call. */
	int flags = (readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
	int ret = RPT_ERR_ENV;

	*out = NULL;
	/* A device or a directory (--out /dev/null) is no results file, and
	 * SQLite would leave its journal next to it. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: not a regular file (results need a file "
		    "that SQLite can write)", path);
		return RPT_ERR_ENV;
	}
	struct rpt *r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->readonly = readonly;
	if (sqlite3_open_v2(path, &r->db, flags, NULL) != SQLITE_OK) {
		*cause = r->db != NULL ? rpt_dberr(r->db, path, "cannot open") :
		    xasprintf("%s: cannot open", path);
		if (readonly)	/* a file to read that is not there: the input */
			ret = RPT_ERR_INPUT;
		goto fail;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, rpt_busy_ms());
	if ((ret = rpt_check_file(r->db, path, &fresh, cause)) != 0)
		goto fail;
	ret = RPT_ERR_ENV;
	if (readonly && fresh) {
		*cause = xasprintf("%s: empty file, not a kubesim results database",
		    path);
		ret = RPT_ERR_INPUT;
		goto fail;
	}
	rpt_load_tables(r);
	if (readonly) {
		*out = r;
		return 0;
	}
	/* The page size and WAL before the schema, so the new file is
	 * created with them. */
	if (fresh && rpt_exec(r, rpt_new_page_size, cause) != 0)
		goto fail;
	if (rpt_exec(r, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    rpt_exec(r, "PRAGMA synchronous = NORMAL", cause) != 0 ||
	    rpt_exec(r, "PRAGMA cache_size = -16384", cause) != 0)
		goto fail;
	sqlite3_wal_autocheckpoint(r->db, RPT_WAL_CHECKPOINT_PAGES);
	/* The schema is idempotent: run it on existing files too, so a table a
	 * user dropped comes back instead of failing mid-run. */
	if (rpt_exec(r, "BEGIN IMMEDIATE", cause) != 0)
		goto fail;
	if (sqlite3_exec(r->db, rpt_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = rpt_dberr(r->db, path, "creating the results schema");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (rpt_migrate(r, cause) != 0 || rpt_exec(r, "COMMIT", cause) != 0)
		goto fail;
	if (rpt_prepare_inserts(r, cause) != 0) {
		ret = RPT_ERR_INPUT;
		goto fail;
	}
	r->ckpt = rpt_ckpt_start(r->db, path, RPT_WAL_CHECKPOINT_PAGES);
	*out = r;
	return 0;
fail:
	rpt_close(r);
	return ret;
}

int
rpt_open(const char *path, struct rpt **out, char **cause)
{
	return rpt_open_mode(path, false, out, cause);
}

int
rpt_open_readonly(const char *path, struct rpt **out, char **cause)
{
	return rpt_open_mode(path, true, out, cause);
}

static const char *
rpt_svc_name(const struct rpt_svc *sv)
{
	return sv->long_name ? sv->nm.heap : sv->nm.inl;
}

static void
rpt_svcs_clear(struct rpt *r)
{
	for (size_t i = 0; i < r->nsvcs; i++)
		if (r->svcs[i].long_name)
			free(r->svcs[i].nm.heap);
	r->nsvcs = 0;
	r->cursor = 0;
	ks_strmap_fini(&r->svc_ix);	/* and empty again */
}

int
rpt_run_begin(struct rpt *r, const char *scenario, uint64_t seed,
    const char *version, const char *params_json, int64_t *run_id,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;

	KS_ASSERT(!r->readonly);
	KS_ASSERT(r->run_id == 0);
	KS_ASSERT(scenario != NULL);
	rc = sqlite3_prepare_v2(r->db, "INSERT INTO runs (scenario, seed, status, "
	    "started_at, version, params) VALUES (?1, ?2, 'running', "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?3, ?4)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)seed);
		sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, params_json, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		*cause = rpt_dberr(r->db, r->path, "recording the run");
		return -1;
	}
	int64_t id = sqlite3_last_insert_rowid(r->db);
	if (rpt_exec(r, "BEGIN IMMEDIATE", cause) != 0) {
		char *sql = sqlite3_mprintf("UPDATE runs SET status = 'failed', "
		    "error = %Q WHERE run_id = %lld", *cause, (long long)id);
		sqlite3_exec(r->db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
		return -1;
	}
	for (size_t i = 0; i < r->ntables; i++) {
		sqlite3_bind_int64(r->tables[i].ins, 1, id);
		sqlite3_bind_int64(r->tables[i].ins_multi, 1, id);
		r->tables[i].nheld = 0;
		r->tables[i].ntext = 0;
	}
	r->run_id = id;
	r->pending = 0;
	r->warmup_s = 0;
	rpt_svcs_clear(r);
	free(r->werr);
	r->werr = NULL;
	*run_id = id;
	return 0;
}

static struct rpt_table *
rpt_table_find(struct rpt *r, const char *table)
{
	const char **names;

	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i].name, table) == 0)
			return &r->tables[i];
	names = xcalloc(r->ntables + 1, sizeof *names);
	for (size_t i = 0; i < r->ntables; i++)
		names[i] = r->tables[i].name;
	const char *near = ks_nearest(table, names);
	ks_fatal("rpt: probe record for unknown table '%s'%s%s%s", table,
	    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

static void
rpt_write_failed(struct rpt *r, const char *what)
{
	if (r->werr == NULL)
		r->werr = rpt_dberr(r->db, r->path, what);
}

/* Binds held row k of t to st from parameter first on. */
static void
rpt_bind_row(struct rpt_table *t, sqlite3_stmt *st, size_t k, int first)
{
	const struct probe_val *v = &t->held[k * t->ncols];
	const int *len = &t->tlen[k * t->ncols];
	for (size_t i = 0; i < t->ncols; i++) {
		int col = first + (int)i;
		switch (v[i].type) {
		case PROBE_INT:
			sqlite3_bind_int64(st, col, v[i].u.i);
			break;
		case PROBE_REAL:
			sqlite3_bind_double(st, col, v[i].u.r);
			break;
		case PROBE_TEXT:
			sqlite3_bind_text(st, col, t->text + v[i].u.i, len[i], SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(st, col);
			break;
		}
	}
}

/*
 * Writes every held row one by one in the order they came (their seq), up to
 * the first that fails: the rows before it stay written, the error is the
 * run's, the rows after it are dropped (as if written as they came).
 */
static void
rpt_flush(struct rpt *r)
{
	if (r->run_id == 0)
		return;
	size_t next[64] = { 0 };
	KS_ASSERT(r->ntables <= sizeof next / sizeof next[0]);
	for (;;) {
		struct rpt_table *t = NULL;
		size_t ti = 0;
		for (size_t i = 0; i < r->ntables; i++) {
			struct rpt_table *u = &r->tables[i];
			if (next[i] < u->nheld && (t == NULL ||
			    u->hseq[next[i]] < t->hseq[next[ti]])) {
				t = u;
				ti = i;
			}
		}
		if (t == NULL || r->werr != NULL)
			break;
		rpt_bind_row(t, t->ins, next[ti]++, 2);
		int rc = sqlite3_step(t->ins);
		sqlite3_reset(t->ins);
		if (rc != SQLITE_DONE)
			rpt_write_failed(r, t->name);
	}
	for (size_t i = 0; i < r->ntables; i++)
		r->tables[i].nheld = r->tables[i].ntext = 0;
}

/*
 * Writes the RPT_MULTI_ROWS rows t holds in one statement. A statement that
 * fails has written the rows before the one at fault (its sqlite3_changes,
 * counted when it ended: the total moved; none when an I/O error, a full
 * disk or no memory made SQLite roll the batch back): they leave the held
 * rows, and the others are written one by one, which finds the row at fault.
 */
static void
rpt_table_flush(struct rpt *r, struct rpt_table *t)
{
	for (size_t k = 0; k < t->nheld; k++)
		rpt_bind_row(t, t->ins_multi, k, (int)(k * t->ncols) + 2);
	int total = sqlite3_total_changes(r->db);
	int rc = sqlite3_step(t->ins_multi);
	sqlite3_reset(t->ins_multi);
	if (rc != SQLITE_DONE) {
		size_t done = sqlite3_total_changes(r->db) != total ?
		    (size_t)sqlite3_changes(r->db) : 0;
		KS_ASSERT(done <= t->nheld);
		t->nheld -= done;	/* text offsets stay valid */
		memmove(t->held, t->held + done * t->ncols,
		    t->nheld * t->ncols * sizeof *t->held);
		memmove(t->tlen, t->tlen + done * t->ncols,
		    t->nheld * t->ncols * sizeof *t->tlen);
		memmove(t->hseq, t->hseq + done, t->nheld * sizeof *t->hseq);
		rpt_flush(r);
		return;
	}
	t->nheld = t->ntext = 0;
}

/* Commits the open batch and opens the next one. */
static void
rpt_commit_batch(struct rpt *r)
{
	rpt_flush(r);
	if (r->werr != NULL)
		return;
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rpt_write_failed(r, "committing results");
		return;
	}
	r->pending = 0;
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rpt_write_failed(r, "starting a results batch");
}

/* The running totals of service `name`, created on first sight. */
static struct rpt_svc *
rpt_svc_get(struct rpt *r, const char *name)
{
	if (r->cursor < r->nsvcs && strcmp(rpt_svc_name(&r->svcs[r->cursor]), name) == 0)
		return &r->svcs[r->cursor++];
	int64_t i;
	if (ks_strmap_get(&r->svc_ix, name, &i)) {
		r->cursor = (size_t)i + 1;
		return &r->svcs[i];
	}
	ks_strmap_put(&r->svc_ix, name, (int64_t)r->nsvcs);
	KS_GROW(r->svcs, r->capsvcs, r->nsvcs + 1);
	struct rpt_svc *sv = &r->svcs[r->nsvcs++];
	memset(sv, 0, sizeof *sv);
	size_t len = strlen(name);
	sv->long_name = len >= RPT_SVC_INLINE;
	if (sv->long_name)
		sv->nm.heap = xstrdup(name);
	else
		memcpy(sv->nm.inl, name, len + 1);
	r->cursor = r->nsvcs;
	return sv;
}

/* A count value as a non-negative double (NULL and negative dust are 0). */
static double
rpt_count(const struct probe_val *v)
{
	double x = v->type == PROBE_INT ? (double)v->u.i :
	    v->type == PROBE_REAL ? v->u.r : 0;
	return x > 0 && isfinite(x) ? x : 0;
}

/*
 * service_intervals: columns offered, ok, errors, timeouts (2..5 of the
 * record) become integers that are differences of rounded running totals.
 */
static void
rpt_round_interval(struct rpt *r, struct probe_val *v)
{
	if (v[1].type != PROBE_TEXT)
		ks_fatal("rpt: service_intervals record without a service name");
	struct rpt_svc *sv = rpt_svc_get(r, v[1].u.s);
	double done = 0;
	for (int k = 0; k < 4; k++) {
		double x = rpt_count(&v[2 + k]);
		sv->raw[k] += x;
		if (k > 0)
			done += x;
	}
	int64_t cum[4], row[4];
	for (int k = 0; k < 4; k++)
		cum[k] = (int64_t)llround(sv->raw[k]);
	/* Fluid mode: every offered request completes in its interval, the
	 * totals differ by float dust only; offered is their rounded sum. */
	if (fabs(sv->raw[1] + sv->raw[2] + sv->raw[3] - sv->raw[0]) <=
	    1e-9 * fmax(1.0, sv->raw[0]) && fabs(done - rpt_count(&v[2])) <=
	    1e-9 * fmax(1.0, done))
		cum[0] = cum[1] + cum[2] + cum[3];
	for (int k = 0; k < 4; k++)
		row[k] = cum[k] - sv->out[k];
	memcpy(sv->out, cum, sizeof cum);
	bool counted = v[0].type != PROBE_REAL || v[0].u.r > r->warmup_s + 1e-9;
	for (int k = 0; k < 4; k++) {
		v[2 + k] = PV_INT(row[k]);
		if (counted)
			sv->after[k] += row[k];
	}
}

/*
 * summary: requests, ok and errors (timeouts included) become the sums of
 * the service's interval rows after the warm-up, and availability
 * ok / (ok + errors) of those; the percentiles are the model's.
 */
static void
rpt_fill_summary(struct rpt *r, struct probe_val *v)
{
	if (v[0].type != PROBE_TEXT)
		ks_fatal("rpt: summary record without a service name");
	struct rpt_svc *sv = rpt_svc_get(r, v[0].u.s);
	int64_t ok = sv->after[1], err = sv->after[2] + sv->after[3];
	v[1] = PV_INT(sv->after[0]);
	v[2] = PV_INT(ok);
	v[3] = PV_INT(err);
	v[4] = ok + err > 0 ? PV_REAL((double)ok / (double)(ok + err)) : PV_NULL;
}

static void
rpt_emit(void *ctx, const char *table, const struct probe_val *vals, size_t n)
{
	struct rpt *r = ctx;
	struct rpt_table *t = r->last;
	struct probe_val fixed[16];

	if (t == NULL || strcmp(t->name, table) != 0)
		r->last = t = rpt_table_find(r, table);
	if (r->run_id == 0)
		ks_fatal("rpt: probe record for %s outside a run", table);
	if (n != t->ncols)
		ks_fatal("rpt: probe record for %s has %zu values; the table has "
		    "%zu columns after run_id", table, n, t->ncols);
	if (r->werr != NULL)
		return;
	if (t == r->t_intervals || t == r->t_summary) {
		KS_ASSERT(n <= sizeof fixed / sizeof fixed[0]);
		memcpy(fixed, vals, n * sizeof *vals);
		if (t == r->t_intervals)
			rpt_round_interval(r, fixed);
		else
			rpt_fill_summary(r, fixed);
		vals = fixed;
	}
	/* Held: the values copied, text into the table's text buffer (the
	 * record's strings live only during emit). */
	if (t->held == NULL) {
		t->held = xcalloc(RPT_MULTI_ROWS * t->ncols, sizeof *t->held);
		t->tlen = xcalloc(RPT_MULTI_ROWS * t->ncols, sizeof *t->tlen);
		t->hseq = xcalloc(RPT_MULTI_ROWS, sizeof *t->hseq);
	}
	t->hseq[t->nheld] = r->seq++;
	struct probe_val *h = &t->held[t->nheld * n];
	int *len = &t->tlen[t->nheld * n];
	for (size_t i = 0; i < n; i++) {
		h[i] = vals[i];
		switch (vals[i].type) {
		case PROBE_INT:
		case PROBE_REAL:
		case PROBE_NULL:
			break;
		case PROBE_TEXT: {
			size_t l = strlen(vals[i].u.s);
			if (l > INT_MAX)
				ks_fatal("rpt: probe record for %s: text of %zu bytes",
				    table, l);
			KS_GROW(t->text, t->captext, t->ntext + l + 1);
			memcpy(t->text + t->ntext, vals[i].u.s, l);
			h[i].u.i = (int64_t)t->ntext;
			len[i] = (int)l;
			t->ntext += l;
			break;
		}
		default:
			ks_fatal("rpt: probe record for %s: bad value type %d in "
			    "column %zu", table, (int)vals[i].type, i + 1);
		}
	}
	if (++t->nheld == RPT_MULTI_ROWS)
		rpt_table_flush(r, t);
	if (++r->pending >= RPT_BATCH_ROWS)
		rpt_commit_batch(r);
}

struct probe_sink
rpt_sink(struct rpt *r)
{
	KS_ASSERT(!r->readonly);
	return (struct probe_sink){ .emit = rpt_emit, .ctx = r };
}

void
rpt_checkpoints(struct rpt *r, size_t *on_thread, size_t *by_writer)
{
	rpt_ckpt_counts(r->ckpt, on_thread, by_writer);
}

const char *
rpt_write_error(struct rpt *r)
{
	rpt_flush(r);	/* the held rows' error too */
	return r->werr;
}

void
rpt_run_warmup(struct rpt *r, double warmup_s)
{
	KS_ASSERT(r->run_id != 0);
	KS_ASSERT(warmup_s >= 0);
	r->warmup_s = warmup_s;
}

static int
rpt_update_run(struct rpt *r, const char *status, double sim_s, double wall_s,
    uint64_t events, double cost_usd, const char *error)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(r->db, "UPDATE runs SET status = ?1, "
	    "sim_seconds = ?2, wall_seconds = ?3, events = ?4, cost_usd = ?5, "
	    "error = ?6 WHERE run_id = ?7", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, sim_s);
	sqlite3_bind_double(st, 3, wall_s);
	sqlite3_bind_int64(st, 4, (int64_t)events);
	sqlite3_bind_double(st, 5, cost_usd);
	sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
rpt_run_finish(struct rpt *r, const char *status, double sim_s,
    double wall_s, uint64_t events, double cost_usd, const char *error,
    char **cause)
{
	char *err = error != NULL ? xstrdup(error) : NULL;
	int ret = 0;

	KS_ASSERT(r->run_id != 0);
	if (!rpt_final_status(status))
		ks_fatal("rpt: bad final run status '%s'", status ? status : "(null)");
	rpt_flush(r);
	if (r->werr != NULL) {
		/* A write failed during the run: keep what was written and say
		 * so in the runs row. */
		status = "failed";
		free(err);
		err = error != NULL && strcmp(error, r->werr) != 0 ?
		    xasprintf("%s; %s", error, r->werr) : xstrdup(r->werr);
	}
	/* The last batch and the final runs row commit together: a run that
	 * reads 'ok' has all of its rows. */
	int rc = SQLITE_OK;
	if (sqlite3_get_autocommit(r->db))
		rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = rpt_update_run(r, status, sim_s, wall_s, events, cost_usd, err);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		char *msg = rpt_dberr(r->db, r->path, "committing the end of the run");
		if (!sqlite3_get_autocommit(r->db))
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		/* Best effort: at least mark the run failed. */
		rpt_update_run(r, "failed", sim_s, wall_s, events, cost_usd, msg);
		*cause = msg;
		ret = -1;
	} else if (r->werr != NULL) {
		*cause = xstrdup(r->werr);
		ret = -1;
	}
	free(err);
	free(r->werr);
	r->werr = NULL;
	r->run_id = 0;
	r->pending = 0;
	return ret;
}

void
rpt_close(struct rpt *r)
{
	if (r == NULL)
		return;
	if (r->run_id != 0) {
		/* Keep the rows; the measures of the run stay NULL. */
		rpt_flush(r);
		char *sql = sqlite3_mprintf("UPDATE runs SET status = 'failed', "
		    "error = %Q WHERE run_id = %lld", r->werr != NULL ? r->werr :
		    "results writer closed before the run finished",
		    (long long)r->run_id);
		sqlite3_exec(r->db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
		if (!sqlite3_get_autocommit(r->db))
			sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	}
	for (size_t i = 0; i < r->ntables; i++) {
		struct rpt_table *t = &r->tables[i];
		sqlite3_finalize(t->ins);
		sqlite3_finalize(t->ins_multi);
		free(t->held);
		free(t->tlen);
		free(t->hseq);
		free(t->text);
		for (size_t c = 0; c < t->ncols; c++)
			free(t->cols[c]);
		free(t->cols);
		free(t->name);
	}
	free(r->tables);
	rpt_svcs_clear(r);
	free(r->svcs);
	rpt_ckpt_stop(r->ckpt, r->db);
	if (r->db != NULL && sqlite3_close(r->db) != SQLITE_OK)
		ks_fatal("rpt: closing %s: %s", r->path, sqlite3_errmsg(r->db));
	free(r->werr);
	free(r->path);
	free(r);
}

/* A column as int64_t (sqlite3_int64 is long long, which PRId64 may not be). */
static int64_t
rpt_col_i64(sqlite3_stmt *st, int col)
{
	return (int64_t)sqlite3_column_int64(st, col);
}

/* Formats an optional REAL column into buf ("-" when NULL). */
static const char *
rpt_fmt_real(sqlite3_stmt *st, int col, int prec, char *buf, size_t len)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return "-";
	snprintf(buf, len, "%.*f", prec, sqlite3_column_double(st, col));
	return buf;
}

static void
rpt_print_services(sqlite3_stmt *st, FILE *out, bool *any)
{
	char a[32], p50[32], p95[32], p99[32];
	/* The first column as wide as the longest name ("namespace/name"). */
	int w = 24;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 0);
		if (n > w)
			w = n;
	}
	sqlite3_reset(st);

	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *svc = (const char *)sqlite3_column_text(st, 0);
		int64_t req = rpt_col_i64(st, 1);
		int64_t ok = rpt_col_i64(st, 2);
		int64_t err = rpt_col_i64(st, 3);
		const char *av = "-";
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			snprintf(a, sizeof a, "%.4f %%",
			    100.0 * sqlite3_column_double(st, 4));
			av = a;
		} else if (req > 0) {
			snprintf(a, sizeof a, "%.4f %%", 100.0 * (double)ok / (double)req);
			av = a;
		}
		if (!*any)
			fprintf(out, "%-*s %12s %12s %12s %13s %9s %9s %9s\n",
			    w, "service", "requests", "ok", "errors", "availability",
			    "p50 ms", "p95 ms", "p99 ms");
		*any = true;
		fprintf(out, "%-*s %12" PRId64 " %12" PRId64 " %12" PRId64
		    " %13s %9s %9s %9s\n", w, svc ? svc : "?", req, ok, err, av,
		    rpt_fmt_real(st, 5, 2, p50, sizeof p50),
		    rpt_fmt_real(st, 6, 2, p95, sizeof p95),
		    rpt_fmt_real(st, 7, 2, p99, sizeof p99));
	}
}

/* The `problems` rows: pods never Ready, Services never with endpoints. */
static int
rpt_print_problems(struct rpt *r, int64_t run_id, FILE *out, char **cause)
{
	static const char *const q = "SELECT kind, object, owner, state, reason "
	    "FROM problems WHERE run_id = ?1 ORDER BY kind, object";
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(r->db, q, -1, &st, NULL) != SQLITE_OK) {
		*cause = rpt_dberr(r->db, r->path, "reading the problems");
		return -1;
	}
	sqlite3_bind_int64(st, 1, run_id);
	const char *last = "";
	char kind[16] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(k, last) != 0) {
			snprintf(kind, sizeof kind, "%s", k);
			last = kind;
			fprintf(out, "\n%s\n", strcmp(k, "Pod") == 0 ? "pods that never became Ready:" :
			    "Services that never had endpoints:");
		}
		const char *o = (const char *)sqlite3_column_text(st, 1);
		const char *ow = (const char *)sqlite3_column_text(st, 2);
		const char *sta = (const char *)sqlite3_column_text(st, 3);
		const char *why = (const char *)sqlite3_column_text(st, 4);
		if (strcmp(k, "Pod") == 0)
			fprintf(out, "  %s (%s) %s: %s\n", o, ow ? ow : "-", sta ? sta : "-",
			    why ? why : "");
		else
			fprintf(out, "  %s%s%s%s: %s\n", o, ow ? " (selects " : "", ow ? ow : "",
			    ow ? ")" : "", why ? why : "");
	}
	sqlite3_finalize(st);
	return 0;
}

int
rpt_print_summary(struct rpt *r, int64_t run_id, FILE *out, char **cause)
{
	rpt_flush(r);
	static const char *const q_run = "SELECT scenario, seed, status, "
	    "sim_seconds, wall_seconds, events, cost_usd, error, version "
	    "FROM runs WHERE run_id = ?1";
	static const char *const q_sum = "SELECT service, requests, ok, errors, "
	    "availability, p50_ms, p95_ms, p99_ms FROM summary WHERE run_id = ?1 "
	    "ORDER BY service";
	static const char *const q_svc = "SELECT service, SUM(offered), SUM(ok), "
	    "SUM(errors) + SUM(timeouts), NULL, NULL, NULL, NULL "
	    "FROM service_intervals WHERE run_id = ?1 GROUP BY service ORDER BY service";
	static const char *const q_cl = "SELECT count(*), MIN(nodes_ready), "
	    "AVG(nodes_ready), MAX(nodes_ready), MAX(nodes_total), "
	    "MAX(pods_pending), SUM(cost_usd) FROM cluster_intervals WHERE run_id = ?1";
	sqlite3_stmt *st = NULL;
	char b1[32], b2[32];
	bool any = false;

	if (sqlite3_prepare_v2(r->db, q_run, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		*cause = xasprintf("%s: no run %" PRId64, r->path, run_id);
		return -1;
	}
	const char *status = (const char *)sqlite3_column_text(st, 2);
	fprintf(out, "run %" PRId64 ": scenario %s, seed %" PRId64 ", status %s",
	    run_id, (const char *)sqlite3_column_text(st, 0),
	    rpt_col_i64(st, 1), status);
	if (strcmp(status, "running") == 0)
		fprintf(out, " (incomplete, unless a process is still writing it)");
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		fprintf(out, ", kubesim %s", (const char *)sqlite3_column_text(st, 8));
	fputc('\n', out);
	if (sqlite3_column_type(st, 3) != SQLITE_NULL)
		fprintf(out, "simulated %s s in %s s wall, %" PRId64 " events\n",
		    rpt_fmt_real(st, 3, 3, b1, sizeof b1),
		    rpt_fmt_real(st, 4, 3, b2, sizeof b2),
		    rpt_col_i64(st, 5));
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		fprintf(out, "error: %s\n", (const char *)sqlite3_column_text(st, 7));
	bool have_cost = sqlite3_column_type(st, 6) != SQLITE_NULL;
	double cost = sqlite3_column_double(st, 6);
	sqlite3_finalize(st);
	fputc('\n', out);

	if (sqlite3_prepare_v2(r->db, q_sum, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run_id);
	rpt_print_services(st, out, &any);
	sqlite3_finalize(st);
	if (!any) {
		if (sqlite3_prepare_v2(r->db, q_svc, -1, &st, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_int64(st, 1, run_id);
		rpt_print_services(st, out, &any);
		sqlite3_finalize(st);
		if (any)
			fprintf(out, "(no summary rows: totals of service_intervals, "
			    "errors include timeouts; whole-run percentiles unknown)\n");
		else
			fprintf(out, "no service results\n");
	}
	fputc('\n', out);

	if (sqlite3_prepare_v2(r->db, q_cl, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		goto dberr;
	}
	int64_t samples = rpt_col_i64(st, 0);
	if (have_cost)
		fprintf(out, "cost: $%.2f\n", cost);
	else if (samples > 0)
		fprintf(out, "cost: $%.2f (sum of cluster_intervals)\n",
		    sqlite3_column_double(st, 6));
	else
		fprintf(out, "cost: -\n");
	if (samples > 0)
		fprintf(out, "nodes ready: min %" PRId64 ", mean %.2f, max %" PRId64
		    "; nodes total max %" PRId64 "; pods pending max %" PRId64
		    " (%" PRId64 " samples)\n", rpt_col_i64(st, 1),
		    sqlite3_column_double(st, 2), rpt_col_i64(st, 3),
		    rpt_col_i64(st, 4), rpt_col_i64(st, 5), samples);
	else
		fprintf(out, "nodes: no cluster samples\n");
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(r->db, "SELECT json_extract(params, '$.start') FROM runs "
	    "WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run_id);
	bool warm = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "warm") == 0;
	sqlite3_finalize(st);
	fprintf(out, "start: %s\n", warm ? "warm (workloads Running and Ready at t = 0)" :
	    "cold (from an empty cluster)");
	return rpt_print_problems(r, run_id, out, cause);
dberr:
	*cause = rpt_dberr(r->db, r->path, "reading the run summary");
	return -1;
}

struct sqlite3 *
rpt_db(struct rpt *r)
{
	rpt_flush(r);	/* the caller reads every row written */
	return r->db;
}

const char *
rpt_path(const struct rpt *r)
{
	return r->path;
}

int
rpt_pick_run(struct rpt *r, int64_t want, int64_t *run_id, char **cause)
{
	rpt_flush(r);
	int64_t id = 0;
	int rc;
	if (want > 0) {
		char sql[96];
		snprintf(sql, sizeof sql, "SELECT run_id FROM runs WHERE run_id = %" PRId64,
		    want);
		rc = rpt_query_int(r->db, sql, &id);
		if (rc == SQLITE_OK && id == 0) {
			*cause = xasprintf("%s: no run %" PRId64, r->path, want);
			return -1;
		}
	} else {
		rc = rpt_query_int(r->db, "SELECT max(run_id) FROM runs", &id);
		if (rc == SQLITE_OK && id == 0) {
			*cause = xasprintf("%s: no runs in this file", r->path);
			return -1;
		}
	}
	if (rc != SQLITE_OK) {
		*cause = rpt_dberr(r->db, r->path, "reading runs");
		return -1;
	}
	*run_id = id;
	return 0;
}

const char *
rpt_fmt_clock(double t_s, char *buf, size_t len)
{
	if (t_s < 0)
		t_s = 0;
	int64_t ms = (int64_t)llround(t_s * 1000);
	int64_t s = ms / 1000;
	if (ms % 1000 != 0)
		snprintf(buf, len, "%" PRId64 ":%02d:%02d.%03d", s / 3600,
		    (int)(s / 60 % 60), (int)(s % 60), (int)(ms % 1000));
	else
		snprintf(buf, len, "%" PRId64 ":%02d:%02d", s / 3600,
		    (int)(s / 60 % 60), (int)(s % 60));
	return buf;
}

/* ---- result-row invariants ------------------------------------------------ */

static bool
same(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return fabs(a - b) <= 1e-9 * (m > 1 ? m : 1);
}

static void
check_line(struct ks_buf *out, int *failed, bool ok, const char *name, const char *detail)
{
	ks_buf_printf(out, "%s %s: %s\n", ok ? "ok  " : "FAIL", name, detail);
	if (!ok)
		(*failed)++;
}

/* Tables whose t_s must increase strictly within a partition, and those
 * whose rows (in insertion order) must not go back in time. */
static const struct {
	const char	*table;
	const char	*partition;	/* NULL: the whole run */
	bool		 strict;
} time_tables[] = {
	{ "service_intervals", "service", true },
	{ "cluster_intervals", NULL, true },
	{ "queue_intervals", "queue", true },
	{ "events", NULL, false },
	{ "hpa_decisions", NULL, false },
	{ "ca_decisions", NULL, false },
	{ "scheduling_decisions", NULL, false },
	{ "vpa_recommendations", NULL, false },
};

int
rpt_check_run(struct rpt *r, double sim_s, double cost_usd, struct ks_buf *out,
    char **cause)
{
	KS_ASSERT(r->run_id != 0);
	rpt_flush(r);
	int failed = 0;
	sqlite3_stmt *st = NULL;
	static const char *const q_sum = "SELECT s.service, s.requests, s.ok, s.errors, "
	    "(SELECT TOTAL(offered) FROM service_intervals i WHERE i.run_id = s.run_id "
	    "AND i.service = s.service), "
	    "(SELECT TOTAL(ok) FROM service_intervals i WHERE i.run_id = s.run_id "
	    "AND i.service = s.service), "
	    "(SELECT TOTAL(errors) + TOTAL(timeouts) FROM service_intervals i "
	    "WHERE i.run_id = s.run_id AND i.service = s.service), "
	    "(SELECT COUNT(*) FROM service_intervals i WHERE i.run_id = s.run_id "
	    "AND i.service = s.service) "
	    "FROM summary s WHERE s.run_id = ?1 ORDER BY s.service";
	if (sqlite3_prepare_v2(r->db, q_sum, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, r->run_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *svc = (const char *)sqlite3_column_text(st, 0);
		double v[7];
		for (int i = 0; i < 7; i++)
			v[i] = sqlite3_column_double(st, i + 1);
		bool ok = same(v[0], v[3]) && same(v[1], v[4]) && same(v[2], v[5]) && v[6] > 0;
		char *d = xasprintf("%s: summary requests %.17g ok %.17g errors %.17g; "
		    "%.0f intervals: offered %.17g ok %.17g errors + timeouts %.17g",
		    svc ? svc : "?", v[0], v[1], v[2], v[6], v[3], v[4], v[5]);
		check_line(out, &failed, ok, "summary = sum of intervals", d);
		free(d);
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	static const char *const q_orphans = "SELECT COUNT(DISTINCT service) FROM "
	    "service_intervals WHERE run_id = ?1 AND service NOT IN "
	    "(SELECT service FROM summary WHERE run_id = ?1)";
	static const char *const q_cost = "SELECT TOTAL(cost_usd) FROM cluster_intervals "
	    "WHERE run_id = ?1";
	double orphans, icost;
	if (sqlite3_prepare_v2(r->db, q_orphans, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, r->run_id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	orphans = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(r->db, q_cost, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, r->run_id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	icost = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	char *d = xasprintf("%.0f services with intervals but no summary row; intervals' "
	    "cost %.17g USD, the run's %.17g USD", orphans, icost, cost_usd);
	check_line(out, &failed, orphans == 0 && same(icost, cost_usd),
	    "summary = sum of intervals", d);
	free(d);
	/* time */
	for (size_t t = 0; t < sizeof time_tables / sizeof time_tables[0]; t++) {
		const char *part = time_tables[t].partition;
		char *q = sqlite3_mprintf("SELECT COUNT(*), TOTAL(bad), MIN(t_s), MAX(t_s) FROM "
		    "(SELECT t_s, CASE WHEN LAG(t_s) OVER w IS NOT NULL AND t_s %s LAG(t_s) "
		    "OVER w THEN 1 ELSE 0 END AS bad FROM %s WHERE run_id = ?1 "
		    "WINDOW w AS (%s%s ORDER BY rowid))",
		    time_tables[t].strict ? "<=" : "<", time_tables[t].table,
		    part ? "PARTITION BY " : "", part ? part : "");
		int prc = sqlite3_prepare_v2(r->db, q, -1, &st, NULL);
		sqlite3_free(q);
		if (prc != SQLITE_OK)
			goto dberr;
		sqlite3_bind_int64(st, 1, r->run_id);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto dberr;
		double n = sqlite3_column_double(st, 0), bad = sqlite3_column_double(st, 1);
		bool any = sqlite3_column_type(st, 2) != SQLITE_NULL;
		double lo = sqlite3_column_double(st, 2), hi = sqlite3_column_double(st, 3);
		sqlite3_finalize(st);
		st = NULL;
		bool ok = bad == 0 && (!any || (lo >= 0 && hi <= sim_s * (1 + 1e-12) + 1e-9));
		d = any ? xasprintf("%s: %.0f rows, %.0f out of order, t_s in [%.9g, %.9g] of "
		    "%.9g s", time_tables[t].table, n, bad, lo, hi, sim_s) :
		    xasprintf("%s: no rows", time_tables[t].table);
		check_line(out, &failed, ok, "time monotonic", d);
		free(d);
	}
	return failed;
dberr:
	*cause = rpt_dberr(r->db, r->path, "checking the run's rows");
	sqlite3_finalize(st);
	return -1;
}
