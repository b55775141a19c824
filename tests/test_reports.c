/*
 * test_reports.c - tests of reports/: schema creation, run ids and statuses,
 * probe records arriving intact in every table, rows held for multi-row
 * inserts arriving in order, batched commits (also when
 * the writing process dies), WAL checkpoints (on the checkpoint thread and
 * inline), refusal to touch foreign or corrupt files, the
 * printed summary, and the insert rate (printed, not asserted).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/ckpt.h"
#include "reports/report.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

static char tl_dir[4096];

/* A fresh path in the test's temporary directory. */
static const char *
tmp_path(const char *name)
{
	static char buf[4][4200];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tl_dir, name);
	return buf[k];
}

static void
rm_db(const char *path)
{
	char b[4300];
	unlink(path);
	snprintf(b, sizeof b, "%s-wal", path);
	unlink(b);
	snprintf(b, sizeof b, "%s-shm", path);
	unlink(b);
	snprintf(b, sizeof b, "%s-journal", path);
	unlink(b);
}

static bool
exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* An independent connection for checking what is in the file. */
static sqlite3 *
peek_open(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot open %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	return db;
}

static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		FAILF("%s: %s", sql, sqlite3_errmsg(db));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of the first row as text ("NULL" for NULL); caller frees. */
static char *
q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = xstrdup("(no row)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		FAILF("%s: %s", sql, sqlite3_errmsg(db));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		free(v);
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? xstrdup("NULL") :
		    xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

#define CHECK_Q_STR(db, sql, want) do { \
	char *s_ = q_text((db), (sql)); CHECK_STR(s_, (want)); free(s_); \
} while (0)

static struct rpt *
open_ok(const char *path)
{
	struct rpt *r = NULL;
	char *cause = NULL;
	if (rpt_open(path, &r, &cause) != 0) {
		FAILF("rpt_open %s: %s", path, cause);
		free(cause);
		exit(1);
	}
	return r;
}

static int64_t
begin_ok(struct rpt *r, const char *scenario, uint64_t seed)
{
	int64_t id = 0;
	char *cause = NULL;
	if (rpt_run_begin(r, scenario, seed, "0.1.0-test", "{\"hpa.target\":0.6}",
	    &id, &cause) != 0) {
		FAILF("rpt_run_begin: %s", cause);
		free(cause);
	}
	return id;
}

static void
finish_ok(struct rpt *r, const char *status, const char *error)
{
	char *cause = NULL;
	if (rpt_run_finish(r, status, 3600, 1.5, 123456, 3.25, error, &cause) != 0) {
		FAILF("rpt_run_finish: %s", cause);
		free(cause);
	}
}

/* A service_intervals record with the given (maybe fractional) counts. */
static void
emit_counts(const struct probe_sink *s, double t, const char *svc, double off,
    double ok, double err, double to)
{
	struct probe_val v[] = {
		PV_REAL(t), PV_TEXT(svc), PV_REAL(off), PV_REAL(ok), PV_REAL(err),
		PV_REAL(to), PV_REAL(12.5), PV_REAL(40), PV_REAL(80.25), PV_INT(4),
		PV_INT(3), PV_REAL(0.625),
	};
	probe_emit(s, "service_intervals", v, sizeof v / sizeof v[0]);
}

static void
emit_service(const struct probe_sink *s, double t, const char *svc, int64_t n)
{
	struct probe_val v[] = {
		PV_REAL(t), PV_TEXT(svc), PV_INT(n), PV_INT(n - 2), PV_INT(1),
		PV_INT(1), PV_REAL(12.5), PV_REAL(40), PV_REAL(80.25), PV_INT(4),
		PV_INT(3), PV_REAL(0.625),
	};
	probe_emit(s, "service_intervals", v, sizeof v / sizeof v[0]);
}

static void
test_schema(void)
{
	const char *p = tmp_path("schema.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	sqlite3 *db = peek_open(p);
	CHECK_INT(q_int(db, "PRAGMA application_id"), RPT_APPLICATION_ID);
	CHECK_INT(q_int(db, "PRAGMA user_version"), RPT_SCHEMA_VERSION);
	CHECK_Q_STR(db, "PRAGMA journal_mode", "wal");
	CHECK_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	    "AND name IN ('runs', 'service_intervals', 'cluster_intervals', 'events', "
	    "'hpa_decisions', 'ca_decisions', 'scheduling_decisions', 'summary', "
	    "'vpa_recommendations', 'queue_intervals')"), 10);
	CHECK_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
	    "AND sql LIKE '%(run_id, t_s)'"), 10);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('trace_pods')"), 13);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('trace_intervals')"), 13);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('trace_nodes')"), 11);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('vpa_recommendations')"), 10);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('queue_intervals')"), 7);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('service_intervals')"), 13);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_table_info('runs')"), 12);
	/* The column comments survive in the stored schema. */
	CHECK_INT(q_int(db, "SELECT sql LIKE '%milliseconds%' FROM sqlite_master "
	    "WHERE name = 'service_intervals'"), 1);
	sqlite3_close(db);
	rpt_close(r);
	/* Reopening an existing kubesim file works and keeps it. */
	r = open_ok(p);
	rpt_close(r);
	CHECK(strstr(rpt_schema_sql, "CREATE TABLE IF NOT EXISTS summary") != NULL);
	rm_db(p);
}

static void
test_runs(void)
{
	const char *p = tmp_path("runs.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	int64_t a = begin_ok(r, "web", 42);
	sqlite3 *db = peek_open(p);
	CHECK_Q_STR(db, "SELECT status FROM runs", "running");
	CHECK_Q_STR(db, "SELECT params FROM runs", "{\"hpa.target\":0.6}");
	CHECK_INT(q_int(db, "SELECT length(started_at) = 20 AND started_at LIKE "
	    "'____-__-__T__:__:__Z' FROM runs"), 1);
	CHECK_INT(q_int(db, "SELECT sim_seconds IS NULL FROM runs"), 1);
	finish_ok(r, "ok", NULL);
	CHECK_Q_STR(db, "SELECT status FROM runs", "ok");
	CHECK_Q_STR(db, "SELECT error FROM runs", "NULL");
	CHECK_Q_STR(db, "SELECT sim_seconds || ' ' || wall_seconds || ' ' || events "
	    "|| ' ' || cost_usd || ' ' || seed || ' ' || version FROM runs",
	    "3600.0 1.5 123456 3.25 42 0.1.0-test");
	int64_t b = begin_ok(r, "web", 43);
	CHECK(a > 0);
	CHECK(b != a);
	finish_ok(r, "interrupted", "interrupted by SIGINT");
	rpt_close(r);
	/* A second process (here: handle) appends with a new id. */
	r = open_ok(p);
	int64_t c = begin_ok(r, "chaos", UINT64_MAX);
	finish_ok(r, "failed", "scenario.yaml:3:1: boom");
	int64_t d = begin_ok(r, "left", 1);
	rpt_close(r);
	CHECK(c > b && d > c);
	CHECK_INT(q_int(db, "SELECT count(DISTINCT run_id) FROM runs"), 4);
	CHECK_Q_STR(db, "SELECT group_concat(status, ',') FROM "
	    "(SELECT status FROM runs ORDER BY run_id)",
	    "ok,interrupted,failed,failed");
	CHECK_Q_STR(db, "SELECT error FROM runs WHERE seed = 43", "interrupted by SIGINT");
	CHECK_INT(q_int(db, "SELECT seed FROM runs WHERE scenario = 'chaos'"), -1);
	CHECK_Q_STR(db, "SELECT error FROM runs WHERE scenario = 'left'",
	    "results writer closed before the run finished");
	sqlite3_close(db);
	rm_db(p);
}

static void
test_rows(void)
{
	const char *p = tmp_path("rows.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	int64_t id = begin_ok(r, "rows", 7);
	struct probe_sink s = rpt_sink(r);
	char name[16];
	snprintf(name, sizeof name, "svc-%d", 1);
	emit_service(&s, 1.5, name, 100);
	strcpy(name, "clobbered");	/* the sink copied the text */
	struct probe_val cl[] = { PV_REAL(2), PV_INT(3), PV_INT(4), PV_INT(5),
	    PV_INT(60), PV_REAL(0.125) };
	probe_emit(&s, "cluster_intervals", cl, 6);
	struct probe_val ev[] = { PV_REAL(3.000000001), PV_TEXT("NodeNotReady"),
	    PV_TEXT("Node/n-1"), PV_TEXT("it's \"down\"") };
	probe_emit(&s, "events", ev, 4);
	struct probe_val hpa[] = { PV_REAL(15), PV_TEXT("default/web"), PV_INT(3),
	    PV_TEXT("[{\"metric\":\"cpu\",\"replicas\":5}]"), PV_INT(5), PV_INT(5),
	    PV_NULL, PV_TEXT("ScaleUp") };
	probe_emit(&s, "hpa_decisions", hpa, 8);
	struct probe_val ca[] = { PV_REAL(20), PV_TEXT("scale_up"), PV_TEXT("pool-a"),
	    PV_NULL, PV_TEXT("least-waste") };
	probe_emit(&s, "ca_decisions", ca, 5);
	struct probe_val sc[] = { PV_REAL(21), PV_TEXT("default/web-1"), PV_NULL,
	    PV_INT(0), PV_TEXT("0/3 nodes are available: 3 Insufficient cpu.") };
	probe_emit(&s, "scheduling_decisions", sc, 5);
	struct probe_val sm[] = { PV_TEXT("svc-1"), PV_INT(1000000),
	    PV_INT(999000), PV_INT(1000), PV_REAL(0.999), PV_REAL(10), PV_REAL(20),
	    PV_REAL(30.5), PV_INT(0) };
	probe_emit(&s, "summary", sm, 9);
	finish_ok(r, "ok", NULL);
	rpt_close(r);

	sqlite3 *db = peek_open(p);
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM service_intervals WHERE run_id = %lld",
	    (long long)id);
	CHECK_INT(q_int(db, sql), 1);
	CHECK_Q_STR(db, "SELECT t_s || '|' || service || '|' || offered || '|' || ok || "
	    "'|' || errors || '|' || timeouts || '|' || p50_ms || '|' || p95_ms || '|' "
	    "|| p99_ms || '|' || replicas_desired || '|' || replicas_ready || '|' || "
	    "cpu_util FROM service_intervals",
	    "1.5|svc-1|100|98|1|1|12.5|40.0|80.25|4|3|0.625");
	CHECK_INT(q_int(db, "SELECT typeof(offered) = 'integer' AND typeof(p95_ms) = "
	    "'real' FROM service_intervals"), 1);
	CHECK_Q_STR(db, "SELECT t_s || '|' || nodes_ready || '|' || nodes_total || '|' "
	    "|| pods_pending || '|' || pods_running || '|' || cost_usd FROM cluster_intervals",
	    "2.0|3|4|5|60|0.125");
	CHECK_Q_STR(db, "SELECT printf('%.9f', t_s) || '|' || kind || '|' || object "
	    "|| '|' || detail FROM events",
	    "3.000000001|NodeNotReady|Node/n-1|it's \"down\"");
	CHECK_Q_STR(db, "SELECT hpa || '|' || current || '|' || proposals || '|' || "
	    "stabilized || '|' || desired || '|' || coalesce(limited_by, 'NULL') || "
	    "'|' || reason FROM hpa_decisions",
	    "default/web|3|[{\"metric\":\"cpu\",\"replicas\":5}]|5|5|NULL|ScaleUp");
	CHECK_Q_STR(db, "SELECT action || '|' || node_group || '|' || coalesce(node, "
	    "'NULL') || '|' || reason FROM ca_decisions", "scale_up|pool-a|NULL|least-waste");
	CHECK_Q_STR(db, "SELECT pod || '|' || coalesce(node, 'NULL') || '|' || feasible "
	    "|| '|' || reason FROM scheduling_decisions",
	    "default/web-1|NULL|0|0/3 nodes are available: 3 Insufficient cpu.");
	/* The summary's counts are the sums of the service's interval rows
	 * (errors with timeouts), not the record's; the percentiles are its. */
	CHECK_Q_STR(db, "SELECT service || '|' || requests || '|' || ok || '|' || "
	    "errors || '|' || availability || '|' || p99_ms FROM summary",
	    "svc-1|100|98|2|0.98|30.5");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT run_id FROM events "
	    "UNION ALL SELECT run_id FROM summary UNION ALL SELECT run_id FROM "
	    "ca_decisions) WHERE run_id = %lld", (long long)id);
	CHECK_INT(q_int(db, sql), 3);
	sqlite3_close(db);
	rm_db(p);
}

/* An events record whose detail is i's text (lengths 0 to ~2000). */
static void
emit_event(const struct probe_sink *s, int i)
{
	char detail[2100];
	int len = (i * 37) % 2000;
	for (int k = 0; k < len; k++)
		detail[k] = (char)('a' + (i + k) % 26);
	detail[len] = '\0';
	char obj[32];
	snprintf(obj, sizeof obj, "Pod/ns/p-%d", i);
	struct probe_val ev[] = { PV_REAL(i * 0.5), PV_TEXT(i % 3 ? "Scheduled" : "Evicted"),
	    i % 5 ? PV_TEXT(obj) : PV_NULL, PV_TEXT(detail) };
	probe_emit(s, "events", ev, 4);
}

/* Row i of emit_event as the file should give it back (caller frees). */
static char *
want_event(int i)
{
	char detail[2100];
	int len = (i * 37) % 2000;
	for (int k = 0; k < len; k++)
		detail[k] = (char)('a' + (i + k) % 26);
	detail[len] = '\0';
	char obj[32];
	snprintf(obj, sizeof obj, "Pod/ns/p-%d", i);
	return xasprintf("%.1f|%s|%s|%s", i * 0.5, i % 3 ? "Scheduled" : "Evicted",
	    i % 5 ? obj : "NULL", detail);
}

/* The events rows of the file in rowid order match emit_event(0..n-1). */
static void
check_events(sqlite3 *db, int n)
{
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(db, "SELECT printf('%.1f', t_s) || '|' || kind || '|' || "
	    "coalesce(object, 'NULL') || '|' || detail FROM events ORDER BY rowid", -1,
	    &st, NULL) == SQLITE_OK);
	int i = 0, bad = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *w = want_event(i);
		if (strcmp((const char *)sqlite3_column_text(st, 0), w) != 0 && bad++ < 3)
			FAILF("events row %d differs", i);
		free(w);
		i++;
	}
	sqlite3_finalize(st);
	CHECK_INT(i, n);
	CHECK_INT(bad, 0);
}

/*
 * Rows held for multi-row INSERTs (report.c): every row reaches the file,
 * in its order, with its values (text of every length, NULL), whether its
 * table's count is a multiple of the rows per statement or not; a read
 * through the writer's connection mid-run (rpt_db) sees every row emitted;
 * a row the database rejects in the middle of held rows leaves exactly the
 * rows emitted before it, in every table, as when each row was written as
 * it came.
 */
static void
test_held_rows(void)
{
	const char *p = tmp_path("held.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	begin_ok(r, "held", 1);
	struct probe_sink s = rpt_sink(r);
	for (int i = 0; i < 100; i++) {
		emit_event(&s, i);
		if (i % 3 == 0)
			emit_service(&s, i, "a", i);
	}
	/* mid-run, through the writer's own connection */
	CHECK_INT(q_int(rpt_db(r), "SELECT count(*) FROM events"), 100);
	CHECK_INT(q_int(rpt_db(r), "SELECT count(*) FROM service_intervals"), 34);
	for (int i = 100; i < 237; i++)
		emit_event(&s, i);
	finish_ok(r, "ok", NULL);
	rpt_close(r);
	sqlite3 *db = peek_open(p);
	check_events(db, 237);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), 34);
	CHECK_INT(q_int(db, "SELECT sum(t_s = offered) FROM service_intervals"), 34);
	CHECK_INT(q_int(db, "SELECT max(rowid) FROM events"), 237);
	sqlite3_close(db);
	rm_db(p);

	/* A bad row (NULL t_s) among held rows of two tables. */
	for (int where = 0; where < 3; where++) {
		rm_db(p);
		r = open_ok(p);
		begin_ok(r, "held-bad", 1);
		s = rpt_sink(r);
		int nbad = where == 0 ? 5 : where == 1 ? 31 : 70;
		int nsvc = 0;
		for (int i = 0; i < nbad; i++) {
			emit_event(&s, i);
			if (i % 2 == 0) {
				emit_service(&s, i, "a", i);
				nsvc++;
			}
		}
		struct probe_val bad[] = { PV_NULL, PV_TEXT("Bad"), PV_NULL, PV_NULL };
		probe_emit(&s, "events", bad, 4);
		for (int i = nbad; i < nbad + 40; i++) {	/* dropped */
			emit_event(&s, i);
			emit_service(&s, i, "a", i);
		}
		CHECK(rpt_write_error(r) != NULL);
		char *cause = NULL;
		CHECK_INT(rpt_run_finish(r, "ok", 10, 1, 5, 0, NULL, &cause), -1);
		free(cause);
		rpt_close(r);
		db = peek_open(p);
		check_events(db, nbad);
		CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), nsvc);
		CHECK_Q_STR(db, "SELECT status FROM runs", "failed");
		sqlite3_close(db);
		rm_db(p);
	}
}

/* Batches commit every RPT_BATCH_ROWS rows and at the end of the run. */
static void
test_batching(void)
{
	const char *p = tmp_path("batch.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	begin_ok(r, "batch", 1);
	struct probe_sink s = rpt_sink(r);
	sqlite3 *db = peek_open(p);
	for (int i = 0; i < 2 * RPT_BATCH_ROWS + 5; i++)
		emit_service(&s, i, "a", i);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), 2 * RPT_BATCH_ROWS);
	finish_ok(r, "interrupted", "interrupted by SIGINT");
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), 2 * RPT_BATCH_ROWS + 5);
	CHECK_INT(q_int(db, "SELECT max(offered) FROM service_intervals"), 2 * RPT_BATCH_ROWS + 4);
	CHECK_Q_STR(db, "SELECT status FROM runs", "interrupted");
	rpt_close(r);
	sqlite3_close(db);
	rm_db(p);

	/* A process that dies mid-run leaves 'running' and its committed batches. */
	rm_db(p);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct rpt *cr = open_ok(p);
		begin_ok(cr, "dies", 2);
		struct probe_sink cs = rpt_sink(cr);
		for (int i = 0; i < RPT_BATCH_ROWS + 3; i++)
			emit_service(&cs, i, "a", i);
		_exit(0);
	}
	int wst;
	waitpid(pid, &wst, 0);
	CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	db = peek_open(p);
	CHECK_Q_STR(db, "SELECT status FROM runs", "running");
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), RPT_BATCH_ROWS);
	sqlite3_close(db);
	/* The file is still usable afterwards. */
	r = open_ok(p);
	int64_t id = begin_ok(r, "after", 3);
	CHECK_INT(id, 2);
	rpt_close(r);
	rm_db(p);
}

/* The size of file path in bytes (0 when there is none). */
static long long
file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/*
 * The WAL is checkpointed once it holds RPT_WAL_CHECKPOINT_PAGES frames, on
 * the checkpoint thread (reports/ckpt.c: the writer's WAL hook replaces
 * SQLite's auto-checkpoint) or, with KS_RESULTS_CHECKPOINT=inline, by the
 * writer's commits as SQLite does. Either way it is not checkpointed before
 * (SQLite's default would at 1,000 frames), every row is in the file, and
 * the WAL is gone when the file is closed. The inline WAL is reused from
 * its start, never past the limit and a batch.
 */
static void
wal_run(bool inline_ckpt)
{
	const char *p = tmp_path("wal.db");
	char wal[4200];
	snprintf(wal, sizeof wal, "%s-wal", p);
	rm_db(p);
	if (inline_ckpt)
		setenv("KS_RESULTS_CHECKPOINT", "inline", 1);
	struct rpt *r = open_ok(p);
	unsetenv("KS_RESULTS_CHECKPOINT");
	CHECK_INT(q_int(rpt_db(r), "PRAGMA wal_autocheckpoint"),
	    inline_ckpt ? RPT_WAL_CHECKPOINT_PAGES : 0);
	int64_t page = q_int(rpt_db(r), "PRAGMA page_size");
	long long frame = page + 24;	/* a WAL frame: its header and the page */
	begin_ok(r, "wal", 1);
	struct probe_sink s = rpt_sink(r);
	sqlite3 *db = peek_open(p);
	int n = 0;
	for (; n < 2 * RPT_BATCH_ROWS; n++)
		emit_event(&s, n);
	/* two batches, over 2,000 frames, no checkpoint yet */
	CHECK(file_bytes(wal) > 2000 * frame);
	CHECK_INT(q_int(db, "SELECT count(*) FROM events"), n);
	for (; n < 8 * RPT_BATCH_ROWS; n++)
		emit_event(&s, n);
	/* eight batches, about 10,000 frames: the WAL reached the limit */
	CHECK(file_bytes(wal) >= (long long)RPT_WAL_CHECKPOINT_PAGES * frame);
	if (inline_ckpt) {	/* checkpointed and reused from its start */
		CHECK(file_bytes(wal) <= (RPT_WAL_CHECKPOINT_PAGES + 2000) * frame);
		CHECK(file_bytes(p) > 4 * RPT_BATCH_ROWS * 1000LL);
	}
	CHECK_INT(q_int(db, "SELECT count(*) FROM events"), n);
	finish_ok(r, "ok", NULL);
	sqlite3_close(db);
	size_t on_thread, by_writer;
	rpt_checkpoints(r, &on_thread, &by_writer);
	if (inline_ckpt)
		CHECK(on_thread == 0 && by_writer == 0);
	rpt_close(r);
	CHECK(!exists(wal));
	db = peek_open(p);
	check_events(db, n);
	CHECK_Q_STR(db, "PRAGMA journal_mode", "wal");
	CHECK_Q_STR(db, "PRAGMA integrity_check", "ok");
	sqlite3_close(db);
	rm_db(p);
}

static void
test_wal_checkpoint(void)
{
	wal_run(false);
	wal_run(true);
}

/*
 * The checkpoint thread on a WAL limit of 64 frames, under 400 commits of
 * a few frames each (about 2,000 frames): the thread checkpoints while the
 * writer goes on, the writer copies what came since and the WAL starts
 * over, so the WAL never holds more than four times the limit and two
 * commits (when the thread falls behind that far the writer waits for it).
 * Without the writer's copies the WAL would never be reused (a thread that
 * lags the writer never leaves it wholly copied): it would grow to every
 * frame written. Every row is in the file after, which checks whole.
 */
static void
test_ckpt_thread(void)
{
	const char *p = tmp_path("ckpt.db");
	char wal[4200];
	snprintf(wal, sizeof wal, "%s-wal", p);
	rm_db(p);
	sqlite3 *w = NULL;
	CHECK(sqlite3_open(p, &w) == SQLITE_OK);
	CHECK(sqlite3_exec(w, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; CREATE TABLE t (i INTEGER, v BLOB); "
	    "CREATE INDEX t_i ON t (i)", NULL, NULL, NULL) == SQLITE_OK);
	struct rpt_ckpt *k = rpt_ckpt_start(w, p, 64);
	CHECK(k != NULL);
	CHECK_INT(q_int(w, "PRAGMA wal_autocheckpoint"), 0);
	sqlite3_stmt *ins = NULL;
	CHECK(sqlite3_prepare_v2(w, "INSERT INTO t VALUES (?1, zeroblob(300))", -1,
	    &ins, NULL) == SQLITE_OK);
	long long frame = 4096 + 24, most = 0;
	int n = 0, bad = 0;
	for (int b = 0; b < 400; b++) {
		sqlite3_exec(w, "BEGIN", NULL, NULL, NULL);
		for (int j = 0; j < 30; j++, n++) {
			sqlite3_bind_int(ins, 1, n);
			bad += sqlite3_step(ins) != SQLITE_DONE;
			sqlite3_reset(ins);
		}
		bad += sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
		long long sz = file_bytes(wal);
		most = sz > most ? sz : most;
	}
	CHECK_INT(bad, 0);
	sqlite3_finalize(ins);
	CHECK(most > 64 * frame);
	CHECK(most <= (4 * 64 + 2 * 8) * frame + 32);	/* a commit: < 8 frames */
	size_t on_thread, by_writer;
	rpt_ckpt_counts(k, &on_thread, &by_writer);
	CHECK(on_thread >= 1 && by_writer >= 1);
	rpt_ckpt_stop(k, w);
	CHECK(sqlite3_close(w) == SQLITE_OK);
	CHECK(!exists(wal));
	sqlite3 *db = peek_open(p);
	CHECK_INT(q_int(db, "SELECT count(*) FROM t"), n);
	CHECK_INT(q_int(db, "SELECT sum(i) FROM t"), (int64_t)n * (n - 1) / 2);
	CHECK_Q_STR(db, "PRAGMA integrity_check", "ok");
	sqlite3_close(db);
	rm_db(p);
}

/* A row the database rejects (NULL t_s) makes the run 'failed' but keeps the
 * rows written before it. */
static void
test_write_error(void)
{
	const char *p = tmp_path("werr.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	begin_ok(r, "werr", 1);
	struct probe_sink s = rpt_sink(r);
	emit_service(&s, 1, "a", 10);
	CHECK(rpt_write_error(r) == NULL);
	struct probe_val ev[] = { PV_NULL, PV_TEXT("Bad"), PV_NULL, PV_NULL };
	probe_emit(&s, "events", ev, 4);
	CHECK(rpt_write_error(r) != NULL);
	emit_service(&s, 2, "a", 20);	/* dropped */
	char *cause = NULL;
	CHECK_INT(rpt_run_finish(r, "ok", 10, 1, 5, 0, NULL, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "NOT NULL constraint failed: events.t_s") != NULL);
	free(cause);
	/* The write error handed back as the run's error (what kubesim run
	 * once did) is stored once, not as "X; X". */
	begin_ok(r, "werr-again", 3);
	probe_emit(&s, "events", ev, 4);
	CHECK(rpt_write_error(r) != NULL);
	cause = NULL;
	CHECK_INT(rpt_run_finish(r, "failed", 10, 1, 5, 0, rpt_write_error(r), &cause), -1);
	free(cause);
	/* The next run starts clean. */
	begin_ok(r, "next", 2);
	CHECK(rpt_write_error(r) == NULL);
	finish_ok(r, "ok", NULL);
	rpt_close(r);
	sqlite3 *db = peek_open(p);
	CHECK_Q_STR(db, "SELECT status FROM runs WHERE run_id = 1", "failed");
	CHECK_INT(q_int(db, "SELECT error LIKE '%events.t_s%' FROM runs WHERE run_id = 1"), 1);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), 1);
	CHECK_Q_STR(db, "SELECT status FROM runs WHERE run_id = 3", "ok");
	CHECK_INT(q_int(db, "SELECT error LIKE '%events.t_s%' AND error NOT LIKE '%; %' "
	    "FROM runs WHERE run_id = 2"), 1);
	sqlite3_close(db);
	rm_db(p);
}

/* A file written before summary.in_flight existed gets the column when it
 * is opened for writing; its earlier rows stay. */
static void
test_migrate(void)
{
	const char *p = tmp_path("old.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	begin_ok(r, "old", 1);
	finish_ok(r, "ok", NULL);
	rpt_close(r);
	sqlite3 *db;
	KS_ASSERT(sqlite3_open(p, &db) == SQLITE_OK);
	/* The summary table as schema version 1 first had it. */
	KS_ASSERT(sqlite3_exec(db, "DROP TABLE summary; CREATE TABLE summary (run_id "
	    "INTEGER NOT NULL REFERENCES runs(run_id), service TEXT NOT NULL, requests "
	    "INTEGER, ok INTEGER, errors INTEGER, availability REAL, p50_ms REAL, "
	    "p95_ms REAL, p99_ms REAL)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	r = open_ok(p);
	begin_ok(r, "new", 2);
	struct probe_sink s = rpt_sink(r);
	struct probe_val sm[] = { PV_TEXT("web"), PV_INT(10), PV_INT(7), PV_INT(1),
	    PV_REAL(0.875), PV_NULL, PV_NULL, PV_NULL, PV_INT(2) };
	probe_emit(&s, "summary", sm, 9);
	finish_ok(r, "ok", NULL);
	rpt_close(r);
	db = peek_open(p);
	CHECK_INT(q_int(db, "SELECT in_flight FROM summary WHERE run_id = 2"), 2);
	CHECK_INT(q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 2);
	sqlite3_close(db);
	rm_db(p);
}

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	KS_ASSERT(f != NULL);
	fwrite(data, 1, n, f);
	fclose(f);
}

static char *
read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	KS_ASSERT(f != NULL);
	char *buf = xmalloc(1 << 20);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Opening path must fail with a message containing want, and leave the file
 * byte-identical with no journal next to it. */
static void
check_refused(const char *path, const char *want)
{
	size_t n0, n1;
	char *before = read_file(path, &n0);
	struct rpt *r = NULL;
	char *cause = NULL;
	char side[4300];

	CHECK_INT(rpt_open(path, &r, &cause), -1);
	CHECK(r == NULL);
	if (cause == NULL || strstr(cause, want) == NULL || strstr(cause, path) == NULL)
		FAILF("%s: cause \"%s\", want it to name the file and say \"%s\"", path,
		    cause ? cause : "(null)", want);
	else
		PASS();
	free(cause);
	char *after = read_file(path, &n1);
	CHECK(n0 == n1 && memcmp(before, after, n0) == 0);
	snprintf(side, sizeof side, "%s-wal", path);
	CHECK(!exists(side));
	snprintf(side, sizeof side, "%s-journal", path);
	CHECK(!exists(side));
	free(before);
	free(after);
}

static void
make_foreign_db(const char *path, const char *sql)
{
	sqlite3 *db;
	rm_db(path);
	KS_ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
	KS_ASSERT(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void
test_refuse(void)
{
	const char *p = tmp_path("foreign.db");
	static const char text[] = "name,score\nalice,3\nbob,4\n";
	rm_db(p);
	write_file(p, text, sizeof text - 1);
	check_refused(p, "not a SQLite database");

	/* A big enough non-SQLite file too (SQLite treats tiny ones differently). */
	char junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)('a' + i % 26);
	write_file(p, junk, sizeof junk);
	check_refused(p, "not a SQLite database");

	make_foreign_db(p, "PRAGMA application_id = 305419896; "
	    "CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB); "
	    "INSERT INTO photos (data) VALUES (x'00ff');");
	check_refused(p, "another application (application_id 0x12345678");

	make_foreign_db(p, "CREATE TABLE runs (id INTEGER); INSERT INTO runs VALUES (1);");
	check_refused(p, "another application");

	make_foreign_db(p, "PRAGMA application_id = 1263749453; PRAGMA user_version = 99; "
	    "CREATE TABLE runs (run_id INTEGER PRIMARY KEY);");
	check_refused(p, "schema version 99 is newer");

	/* A SQLite header followed by garbage: corrupt. */
	memset(junk, 0x5a, sizeof junk);
	memcpy(junk, "SQLite format 3", 16);
	write_file(p, junk, sizeof junk);
	size_t n;
	char *before = read_file(p, &n);
	struct rpt *r = NULL;
	char *cause = NULL;
	CHECK_INT(rpt_open(p, &r, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "left unchanged") != NULL);
	free(cause);
	size_t n2;
	char *after = read_file(p, &n2);
	CHECK(n == n2 && memcmp(before, after, n) == 0);
	free(before);
	free(after);
	rm_db(p);

	/* Read-only opening creates nothing. */
	cause = NULL;
	CHECK_INT(rpt_open_readonly(p, &r, &cause), -1);
	CHECK(cause != NULL && strstr(cause, p) != NULL);
	free(cause);
	CHECK(!exists(p));
	/* A directory that does not exist. */
	cause = NULL;
	CHECK_INT(rpt_open(tmp_path("no/such/dir.db"), &r, &cause), RPT_ERR_ENV);
	CHECK(cause != NULL && strstr(cause, "cannot open") != NULL);
	free(cause);
}

static void
test_summary(void)
{
	const char *p = tmp_path("summary.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	int64_t id = begin_ok(r, "web-peak", 42);
	struct probe_sink s = rpt_sink(r);
	struct probe_val sm1[] = { PV_TEXT("frontend"), PV_INT(200000),
	    PV_INT(199900), PV_INT(100), PV_REAL(0.9995), PV_REAL(12.5),
	    PV_REAL(45.25), PV_REAL(81.75), PV_INT(0) };
	struct probe_val sm2[] = { PV_TEXT("backend"), PV_INT(0), PV_INT(0),
	    PV_INT(0), PV_NULL, PV_NULL, PV_NULL, PV_NULL, PV_INT(0) };
	emit_counts(&s, 60, "frontend", 120000, 119960, 30, 10);
	emit_counts(&s, 120, "frontend", 80000, 79940, 50, 10);
	probe_emit(&s, "summary", sm1, 9);
	probe_emit(&s, "summary", sm2, 9);
	for (int i = 1; i <= 4; i++) {
		struct probe_val cl[] = { PV_REAL(i * 60), PV_INT(i < 3 ? 2 : 5),
		    PV_INT(6), PV_INT(i == 2 ? 9 : 0), PV_INT(10), PV_REAL(0.5) };
		probe_emit(&s, "cluster_intervals", cl, 6);
	}
	finish_ok(r, "ok", NULL);

	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK_INT(rpt_print_summary(r, id, f, &cause), 0);
	fclose(f);
	static const char *const want[] = {
		"run 1: scenario web-peak, seed 42, status ok, kubesim 0.1.0-test",
		"simulated 3600.000 s in 1.500 s wall, 123456 events",
		"99.9500 %", "12.50", "45.25", "81.75", "200000", "199900",
		"cost: $3.25",
		"nodes ready: min 2, mean 3.50, max 5; nodes total max 6; pods pending max 9 (4 samples)",
		NULL,
	};
	for (size_t i = 0; want[i] != NULL; i++)
		if (buf == NULL || strstr(buf, want[i]) == NULL)
			FAILF("summary lacks \"%s\":\n%s", want[i], buf ? buf : "");
		else
			PASS();
	/* backend: no requests, availability "-"; frontend sorted after it. */
	CHECK(buf != NULL && strstr(buf, "backend") != NULL &&
	    strstr(buf, "backend") < strstr(buf, "frontend"));
	free(buf);

	/* No summary rows: totals from service_intervals. */
	id = begin_ok(r, "intervals-only", 5);
	emit_service(&s, 60, "api", 100);
	emit_service(&s, 120, "api", 300);
	finish_ok(r, "ok", NULL);
	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK_INT(rpt_print_summary(r, id, f, &cause), 0);
	fclose(f);
	/* offered 400, ok 396, errors 2 + timeouts 2 = 4, 99.0000 % */
	CHECK(buf != NULL && strstr(buf, "400") && strstr(buf, "396") &&
	    strstr(buf, "99.0000 %") && strstr(buf, "no summary rows"));
	free(buf);

	f = fopen("/dev/null", "w");
	CHECK_INT(rpt_print_summary(r, 999, f, &cause), -1);
	fclose(f);
	CHECK(cause != NULL && strstr(cause, "no run 999") != NULL);
	free(cause);
	rpt_close(r);

	/* Read-only: summary works, nothing written. */
	cause = NULL;
	CHECK_INT(rpt_open_readonly(p, &r, &cause), 0);
	if (r != NULL) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		CHECK_INT(rpt_print_summary(r, 1, f, &cause), 0);
		fclose(f);
		CHECK(buf != NULL && strstr(buf, "99.9500 %") != NULL);
		free(buf);
		rpt_close(r);
	}
	free(cause);
	rm_db(p);
}

/*
 * Honest counts: fluid-mode records with fractional expected counts (and
 * float dust between offered and ok + errors + timeouts) become integer rows
 * with ok + errors + timeouts = offered in each, whose totals stay within
 * one half of the model's; request-mode integer rows (requests still in
 * flight) pass unchanged; the summary is the sum of the rows after the
 * warm-up, with availability ok / (ok + errors).
 */
static void
test_honest_counts(void)
{
	const char *p = tmp_path("honest.db");
	rm_db(p);
	struct rpt *r = open_ok(p);
	int64_t id = begin_ok(r, "honest", 3);
	rpt_run_warmup(r, 300);
	struct probe_sink s = rpt_sink(r);
	double raw_off = 0, raw_ok = 0, raw_after = 0;
	uint64_t x = 88172645463325252ULL;
	for (int i = 1; i <= 1440; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		double ok = 2000 + (double)(x % 100000) / 37.0;
		double err = i % 7 == 0 ? (double)(x % 1000) / 3.0 : 1e-183;
		double to = i % 11 == 0 ? 0.4 : 3e-13;
		double off = (ok + err + to) * (1 + (i % 2 ? 1e-15 : -1e-15));
		emit_counts(&s, 60.0 * i, "fluid", off, ok, err, to);
		emit_counts(&s, 60.0 * i, "request", i, i - 1, i % 3 == 0, 0);
		raw_off += off;
		raw_ok += ok;
		if (60.0 * i > 300)
			raw_after += off;
	}
	struct probe_val sm[] = { PV_TEXT("fluid"), PV_REAL(raw_off), PV_REAL(raw_ok),
	    PV_REAL(raw_off - raw_ok), PV_REAL(0.5), PV_REAL(10), PV_REAL(20), PV_REAL(30),
	    PV_REAL(0) };
	probe_emit(&s, "summary", sm, 9);
	sm[0] = PV_TEXT("request");
	probe_emit(&s, "summary", sm, 9);
	finish_ok(r, "ok", NULL);
	rpt_close(r);

	sqlite3 *db = peek_open(p);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals WHERE "
	    "typeof(offered) <> 'integer' OR typeof(ok) <> 'integer' OR typeof(errors) "
	    "<> 'integer' OR typeof(timeouts) <> 'integer'"), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals WHERE offered < 0 "
	    "OR ok < 0 OR errors < 0 OR timeouts < 0"), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals WHERE service = "
	    "'fluid' AND ok + errors + timeouts <> offered"), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals WHERE service = "
	    "'fluid'"), 1440);
	int64_t tot = q_int(db, "SELECT sum(offered) FROM service_intervals WHERE "
	    "service = 'fluid'");
	CHECK((double)tot >= raw_off - 1.5 && (double)tot <= raw_off + 1.5);
	int64_t after = q_int(db, "SELECT sum(offered) FROM service_intervals WHERE "
	    "service = 'fluid' AND t_s > 300");
	CHECK((double)after >= raw_after - 3 && (double)after <= raw_after + 3);
	/* Request mode: 1+2+...+1440 offered, one less ok each, unchanged. */
	CHECK_INT(q_int(db, "SELECT sum(offered) FROM service_intervals WHERE "
	    "service = 'request'"), 1440 * 1441 / 2);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals WHERE service = "
	    "'request' AND (ok <> offered - 1 OR errors <> (CAST(t_s / 60 AS INTEGER) "
	    "% 3 = 0))"), 0);
	/* The summary of each service is the sum of its rows after 300 s. */
	CHECK_INT(q_int(db, "SELECT count(*) FROM summary s JOIN (SELECT service, "
	    "sum(offered) o, sum(ok) k, sum(errors) + sum(timeouts) e FROM "
	    "service_intervals WHERE t_s > 300 GROUP BY service) i USING (service) "
	    "WHERE s.requests = i.o AND s.ok = i.k AND s.errors = i.e AND "
	    "typeof(s.requests) = 'integer' AND abs(s.availability - 1.0 * i.k / "
	    "(i.k + i.e)) < 1e-12"), 2);
	CHECK_INT(q_int(db, "SELECT requests FROM summary WHERE service = 'request'"),
	    1440 * 1441 / 2 - 15);
	CHECK_Q_STR(db, "SELECT p99_ms FROM summary WHERE service = 'fluid'", "30.0");
	(void)id;
	sqlite3_close(db);
	rm_db(p);
}

/* Misuse of the sink is an internal error: the child must abort. */
static void
test_fatal(void)
{
	static const char *const tables[] = { "service_interval", "events" };
	static const size_t counts[] = { 12, 3 };
	const char *p = tmp_path("fatal.db");
	for (size_t k = 0; k < 2; k++) {
		rm_db(p);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			freopen("/dev/null", "w", stderr);
			struct rpt *r = open_ok(p);
			begin_ok(r, "fatal", 1);
			struct probe_sink s = rpt_sink(r);
			struct probe_val v[12];
			for (size_t i = 0; i < 12; i++)
				v[i] = PV_INT(1);
			probe_emit(&s, tables[k], v, counts[k]);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	}
	rm_db(p);
}

static void
test_speed(void)
{
	const char *p = tmp_path("speed.db");
	const int n = 300000;
	struct timespec t0, t1;
	rm_db(p);
	struct rpt *r = open_ok(p);
	begin_ok(r, "speed", 1);
	struct probe_sink s = rpt_sink(r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		emit_service(&s, i, "frontend", i);
	finish_ok(r, "ok", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rpt_close(r);
	double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	printf("insert rate: %.0f service_intervals rows/s (%d rows, %.3f s)\n",
	    n / dt, n, dt);
	sqlite3 *db = peek_open(p);
	CHECK_INT(q_int(db, "SELECT count(*) FROM service_intervals"), n);
	sqlite3_close(db);
	rm_db(p);
}

int
main(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tl_dir, sizeof tl_dir, "%s/ks_test_reports_XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(tl_dir) == NULL) {
		perror(tl_dir);
		return 1;
	}
	test_schema();
	test_runs();
	test_rows();
	test_batching();
	test_wal_checkpoint();
	test_ckpt_thread();
	test_held_rows();
	test_write_error();
	test_migrate();
	test_refuse();
	test_summary();
	test_honest_counts();
	test_fatal();
	test_speed();
	rmdir(tl_dir);
	return tl_finish();
}
