/*
 * html.c - `kubesim report`: per run, the data files (tab-separated, one per
 * service plus the cluster and the event marks), one gnuplot script drawing
 * five plots (offered vs served, latency percentiles, replicas, nodes and
 * pending pods, cumulative cost) with failures and scaling marked on the time
 * axis, gnuplot run on it when installed, and an HTML page that inlines the
 * plots as data: URIs so it is one self-contained file; then an index page.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/html.h"
#include "sim/util/util.h"

/* The five plots: file stem and title. */
static const char *const html_plots[][2] = {
	{ "traffic", "Offered vs served requests per second" },
	{ "latency", "Latency percentiles (ms)" },
	{ "replicas", "Replicas desired and ready" },
	{ "cluster", "Nodes and pending pods" },
	{ "cost", "Cumulative cost (USD)" },
};
#define HTML_NPLOTS	(sizeof html_plots / sizeof html_plots[0])
/* At most this many event marks per plot (failures first, then scaling). */
#define HTML_MAX_MARKS	300

char *
html_find_gnuplot(void)
{
	const char *env = getenv("KUBESIM_GNUPLOT");
	if (env != NULL)
		return env[0] == '\0' || strcmp(env, "none") == 0 ? NULL : xstrdup(env);
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	char *copy = xstrdup(path), *save = NULL;
	char *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL;
	    d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/gnuplot", d[0] ? d : ".");
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

static void
html_esc(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *
html_col(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);
	return s != NULL ? s : "";
}

/* A REAL column with prec decimals, or "-" for NULL. */
static const char *
html_num(sqlite3_stmt *st, int c, int prec, char *buf, size_t len)
{
	if (sqlite3_column_type(st, c) == SQLITE_NULL)
		return "-";
	snprintf(buf, len, "%.*f", prec, sqlite3_column_double(st, c));
	return buf;
}

static int
html_mkdir(const char *d, char **cause)
{
	if (mkdir(d, 0777) < 0 && errno != EEXIST) {
		*cause = xasprintf("%s: cannot create the directory: %s", d, strerror(errno));
		return -1;
	}
	return 0;
}

static FILE *
html_open(const char *path, char **cause)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		*cause = xasprintf("%s: cannot write: %s", path, strerror(errno));
	return f;
}

/* ---- data files and the gnuplot script -------------------------------------- */

struct html_run {
	int64_t	 id;
	char	*dir;		/* DIR/run-ID */
	char	**svcs;		/* services, sorted */
	size_t	 nsvcs;
	double	 warmup;
	int	 nmarks;
	bool	 has_rows, has_latency, has_cluster;	/* which plots have data */
};

static int
html_dberr(struct rpt *r, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", rpt_path(r), what, sqlite3_errmsg(rpt_db(r)));
	return -1;
}

static int
html_write_data(struct rpt *r, struct html_run *h, char **cause)
{
	sqlite3 *db = rpt_db(r);
	sqlite3_stmt *st;
	size_t cap = 0;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT service FROM service_intervals WHERE "
	    "run_id = ?1 ORDER BY service", -1, &st, NULL) != SQLITE_OK)
		return html_dberr(r, "reading services", cause);
	sqlite3_bind_int64(st, 1, h->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		KS_GROW(h->svcs, cap, h->nsvcs + 1);
		h->svcs[h->nsvcs++] = xstrdup(html_col(st, 0));
	}
	sqlite3_finalize(st);

	/* One file per service: hours, offered/s, served/s, p50, p95, p99,
	 * desired, ready. Rates divide by the span since the previous row. */
	if (sqlite3_prepare_v2(db, "SELECT t_s, offered, ok, p50_ms, p95_ms, p99_ms, "
	    "replicas_desired, replicas_ready FROM service_intervals WHERE run_id = ?1 AND "
	    "service = ?2 ORDER BY t_s", -1, &st, NULL) != SQLITE_OK)
		return html_dberr(r, "reading service_intervals", cause);
	for (size_t i = 0; i < h->nsvcs; i++) {
		char *p = xasprintf("%s/svc-%zu.tsv", h->dir, i);
		FILE *f = html_open(p, cause);
		free(p);
		if (f == NULL) {
			sqlite3_finalize(st);
			return -1;
		}
		fprintf(f, "# hours\toffered_per_s\tok_per_s\tp50_ms\tp95_ms\tp99_ms\tdesired\tready\n");
		sqlite3_bind_int64(st, 1, h->id);
		sqlite3_bind_text(st, 2, h->svcs[i], -1, SQLITE_STATIC);
		double prev = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			double t = sqlite3_column_double(st, 0), span = t - prev;
			char b[3][32];
			prev = t;
			if (span <= 0)
				continue;
			h->has_rows = true;
			if (sqlite3_column_type(st, 3) != SQLITE_NULL)
				h->has_latency = true;
			fprintf(f, "%.6f\t%.6g\t%.6g\t%s\t%s\t%s\t%lld\t%lld\n", t / 3600,
			    sqlite3_column_double(st, 1) / span, sqlite3_column_double(st, 2) / span,
			    html_num(st, 3, 4, b[0], sizeof b[0]),
			    html_num(st, 4, 4, b[1], sizeof b[1]),
			    html_num(st, 5, 4, b[2], sizeof b[2]),
			    sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7));
		}
		sqlite3_reset(st);
		fclose(f);
	}
	sqlite3_finalize(st);

	char *p = xasprintf("%s/cluster.tsv", h->dir);
	FILE *f = html_open(p, cause);
	free(p);
	if (f == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT t_s, nodes_ready, nodes_total, pods_pending, "
	    "pods_running, sum(cost_usd) OVER (ORDER BY t_s) FROM cluster_intervals WHERE "
	    "run_id = ?1 ORDER BY t_s", -1, &st, NULL) != SQLITE_OK) {
		fclose(f);
		return html_dberr(r, "reading cluster_intervals", cause);
	}
	sqlite3_bind_int64(st, 1, h->id);
	fprintf(f, "# hours\tnodes_ready\tnodes_total\tpods_pending\tpods_running\tcost_usd\n");
	while (sqlite3_step(st) == SQLITE_ROW && (h->has_cluster = true))
		fprintf(f, "%.6f\t%lld\t%lld\t%lld\t%lld\t%.6g\n",
		    sqlite3_column_double(st, 0) / 3600, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
		    sqlite3_column_int64(st, 4), sqlite3_column_double(st, 5));
	sqlite3_finalize(st);
	fclose(f);
	return 0;
}

/* Failures and faults (red), rollouts (blue) and scaling (green), failures
 * first, as gnuplot arrows. */
#define HTML_FAIL_KINDS "'NodeFailed', 'NodeNotReady', 'NodeEviction', 'NodeRecovered', " \
	"'Preempted', 'EvictedByVPA', 'ScaleUpTimedOut', 'ZonePartitioned', 'APIServerDown', " \
	"'SpotInterruptionNotice', 'KillPods', 'ImagePullBackOff', 'NodeCordoned', " \
	"'UpgradeNode', 'ContainerDied', 'BackOff'"
#define HTML_ROLLOUT_KINDS "'Rollout', 'DeploymentRollback'"
#define HTML_SCALE_KINDS "'HPARescale', 'Scaled', 'TriggeredScaleUp', 'ScaleDown', " \
	"'ScaleDownDone'"
static int
html_write_marks(struct rpt *r, struct html_run *h, FILE *gp, char **cause)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT t_s, CASE WHEN kind IN (" HTML_FAIL_KINDS
	    ") THEN 1 WHEN kind IN (" HTML_ROLLOUT_KINDS ") THEN 2 ELSE 3 END AS cls "
	    "FROM events WHERE run_id = ?1 AND kind IN (" HTML_FAIL_KINDS ", "
	    HTML_ROLLOUT_KINDS ", " HTML_SCALE_KINDS ") ORDER BY cls, t_s LIMIT ?2", -1, &st,
	    NULL) != SQLITE_OK)
		return html_dberr(r, "reading events", cause);
	sqlite3_bind_int64(st, 1, h->id);
	sqlite3_bind_int(st, 2, HTML_MAX_MARKS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int cls = sqlite3_column_int(st, 1);
		static const char *const color[] = { "", "#d62728", "#1f77b4", "#2ca02c" };
		fprintf(gp, "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead front "
		    "lc rgb '%s' lw 1 dt %d\n", sqlite3_column_double(st, 0) / 3600,
		    sqlite3_column_double(st, 0) / 3600, color[cls], cls == 1 ? 2 : 3);
		h->nmarks++;
	}
	sqlite3_finalize(st);
	return 0;
}

static void
html_gp_name(FILE *gp, const char *s)
{
	/* A service name inside a gnuplot single-quoted string. */
	for (; *s; s++)
		if (*s != '\'' && *s != '\\')
			fputc(*s, gp);
}

static int
html_write_gp(struct rpt *r, struct html_run *h, bool png, char **cause)
{
	char *p = xasprintf("%s/plots.gp", h->dir);
	FILE *gp = html_open(p, cause);
	free(p);
	if (gp == NULL)
		return -1;
	const char *ext = png ? "png" : "svg";
	fprintf(gp, "# plots.gp - written by kubesim report for run %" PRId64 ".\n"
	    "# Run it in this directory: gnuplot plots.gp\n", h->id);
	if (png)
		fprintf(gp, "set terminal pngcairo size 1000,340 font 'sans,11'\n");
	else
		fprintf(gp, "set terminal svg size 1000,340 fixed font 'sans,11' background '#ffffff'\n");
	fprintf(gp, "set datafile separator '\\t'\nset datafile missing '-'\n"
	    "set xlabel 'simulated time (hours)'\nset grid\nset key outside right top\n"
	    "set lmargin 10\nset rmargin 30\nset autoscale xfix\n");
	if (html_write_marks(r, h, gp, cause) < 0) {
		fclose(gp);
		return -1;
	}
	for (size_t k = 0; k < HTML_NPLOTS; k++) {
		const char *stem = html_plots[k][0];
		fprintf(gp, "\nset output '%s.%s'\nset title '%s'\n", stem, ext, html_plots[k][1]);
		fprintf(gp, "set yrange [0:*]\n");
		bool cl = strcmp(stem, "cluster") == 0 || strcmp(stem, "cost") == 0;
		if (cl ? !h->has_cluster : strcmp(stem, "latency") == 0 ? !h->has_latency :
		    !h->has_rows) {
			/* gnuplot refuses a plot without a valid point. */
			fprintf(gp, "set xrange [0:1]\nset yrange [0:1]\nset label 1 'no data' at "
			    "graph 0.5, graph 0.5 center\nplot NaN notitle\nunset label 1\n"
			    "set xrange [*:*]\n");
			continue;
		}
		if (strcmp(stem, "cluster") == 0) {
			fprintf(gp, "plot 'cluster.tsv' using 1:3 with steps lw 2 title 'nodes total', "
			    "'' using 1:2 with steps lw 2 title 'nodes ready', "
			    "'' using 1:4 with steps lw 2 title 'pods pending'\n");
			continue;
		}
		if (strcmp(stem, "cost") == 0) {
			fprintf(gp, "plot 'cluster.tsv' using 1:6 with lines lw 2 title 'cost (USD)'\n");
			continue;
		}
		fprintf(gp, "plot ");
		for (size_t i = 0; i < h->nsvcs; i++) {
			static const int cols[][2] = { { 2, 3 }, { 4, 6 }, { 7, 8 } };
			int w = strcmp(stem, "traffic") == 0 ? 0 : strcmp(stem, "latency") == 0 ? 1 : 2;
			if (i > 0)
				fprintf(gp, ", ");
			if (w == 1) {
				fprintf(gp, "'svc-%zu.tsv' using 1:4 with lines lw 1 title '", i);
				html_gp_name(gp, h->svcs[i]);
				fprintf(gp, " p50', '' using 1:5 with lines lw 1 title '");
				html_gp_name(gp, h->svcs[i]);
				fprintf(gp, " p95', '' using 1:6 with lines lw 2 title '");
				html_gp_name(gp, h->svcs[i]);
				fprintf(gp, " p99'");
				continue;
			}
			fprintf(gp, "'svc-%zu.tsv' using 1:%d with %s lw 2 title '", i, cols[w][0],
			    w == 2 ? "steps" : "lines");
			html_gp_name(gp, h->svcs[i]);
			fprintf(gp, " %s', '' using 1:%d with %s lw 1 dt 2 title '",
			    w == 0 ? "offered" : "desired", cols[w][1], w == 2 ? "steps" : "lines");
			html_gp_name(gp, h->svcs[i]);
			fprintf(gp, " %s'", w == 0 ? "served (ok)" : "ready");
		}
		fputc('\n', gp);
	}
	fclose(gp);
	return 0;
}

static int
html_run_gnuplot(const char *gnuplot, const char *dir, char **cause)
{
	char *log = xasprintf("%s/gnuplot.log", dir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		FILE *l = freopen(log, "w", stderr);
		(void)l;
		if (chdir(dir) < 0)
			_exit(126);
		execlp(gnuplot, gnuplot, "plots.gp", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		*cause = xasprintf("%s: gnuplot failed (see %s)", dir, log);
		free(log);
		return -1;
	}
	free(log);
	return 0;
}

/* ---- pages ------------------------------------------------------------------- */

static void
html_base64(FILE *out, const unsigned char *d, size_t n)
{
	static const char tb[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		fputc(tb[v >> 18 & 63], out);
		fputc(tb[v >> 12 & 63], out);
		fputc(i + 1 < n ? tb[v >> 6 & 63] : '=', out);
		fputc(i + 2 < n ? tb[v & 63] : '=', out);
	}
}

/* Inlines an image file as a data: URI <img>; false when it is missing. */
static bool
html_inline_img(FILE *out, const char *path, bool png, const char *alt)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	struct ks_buf b;
	ks_buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ks_buf_add(&b, chunk, n);
	fclose(f);
	fprintf(out, "<img class=\"plot\" alt=\"");
	html_esc(out, alt);
	fprintf(out, "\" src=\"data:image/%s;base64,", png ? "png" : "svg+xml");
	html_base64(out, (const unsigned char *)b.data, b.len);
	fprintf(out, "\">\n");
	ks_buf_fini(&b);
	return true;
}

static const char html_style[] =
    "<style>body{font-family:sans-serif;margin:1.5em;max-width:1100px;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
    "padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
    "img.plot{display:block;width:100%;max-width:1000px;margin:0.8em 0;border:1px solid #eee}"
    ".note{color:#555;font-size:90%}</style>\n";

static int
html_summary(struct rpt *r, const struct html_opts *o, struct html_run *h, FILE *out,
    char **cause)
{
	sqlite3 *db = rpt_db(r);
	sqlite3_stmt *st;
	char b[8][48];
	if (sqlite3_prepare_v2(db, "SELECT s.service, s.requests, s.ok, s.errors, "
	    "s.availability, s.p50_ms, s.p95_ms, s.p99_ms, (SELECT sum(CASE WHEN i.p99_ms > ?2 "
	    "OR (i.ok + i.errors + i.timeouts > 0 AND 1.0 * i.ok / (i.ok + i.errors + "
	    "i.timeouts) < ?3) THEN 1 ELSE 0 END) * ?5 / 60.0 FROM service_intervals i WHERE "
	    "i.run_id = s.run_id AND i.service = s.service AND i.t_s > ?4) FROM summary s "
	    "WHERE s.run_id = ?1 ORDER BY s.service", -1, &st, NULL) != SQLITE_OK)
		return html_dberr(r, "reading summary", cause);
	double interval = 60;
	sqlite3_stmt *iv;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(json_extract(params, '$.interval_s'), "
	    "60) FROM runs WHERE run_id = ?1", -1, &iv, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(iv, 1, h->id);
		if (sqlite3_step(iv) == SQLITE_ROW)
			interval = sqlite3_column_double(iv, 0);
		sqlite3_finalize(iv);
	}
	sqlite3_bind_int64(st, 1, h->id);
	sqlite3_bind_double(st, 2, o->slo_p99_ms);
	sqlite3_bind_double(st, 3, o->slo_availability);
	sqlite3_bind_double(st, 4, h->warmup + 1e-9);
	sqlite3_bind_double(st, 5, interval);
	fprintf(out, "<table id=\"summary\"><tr><th class=\"l\">service</th><th>requests</th>"
	    "<th>ok</th><th>errors</th><th>availability</th><th>p50 ms</th><th>p95 ms</th>"
	    "<th>p99 ms</th><th>minutes out of SLO</th></tr>\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "<tr><td class=\"l\">");
		html_esc(out, html_col(st, 0));
		double av = sqlite3_column_double(st, 4) * 100;
		snprintf(b[0], sizeof b[0], "%.4f %%", av);
		fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>%s</td><td>%s</td></tr>\n", sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
		    sqlite3_column_type(st, 4) == SQLITE_NULL ? "-" : b[0],
		    html_num(st, 5, 2, b[1], sizeof b[1]),
		    html_num(st, 6, 2, b[2], sizeof b[2]),
		    html_num(st, 7, 2, b[3], sizeof b[3]),
		    html_num(st, 8, 0, b[4], sizeof b[4]));
	}
	sqlite3_finalize(st);
	fprintf(out, "</table>\n<p class=\"note\">Counts and percentiles after the warm-up "
	    "(%.0f s). An interval is out of SLO when its p99 exceeds %.0f ms or its ok / "
	    "completed is below %.4g.</p>\n", h->warmup, o->slo_p99_ms, o->slo_availability);
	return 0;
}

static int
html_run_page(struct rpt *r, const struct html_opts *o, struct html_run *h,
    bool plotted, char **cause)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT scenario, seed, status, sim_seconds, "
	    "wall_seconds, events, cost_usd, coalesce(params, ''), coalesce(error, ''), "
	    "coalesce(version, '') FROM runs WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return html_dberr(r, "reading runs", cause);
	sqlite3_bind_int64(st, 1, h->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		*cause = xasprintf("%s: no run %" PRId64, rpt_path(r), h->id);
		return -1;
	}
	char *p = xasprintf("%s/run-%" PRId64 ".html", o->dir, h->id);
	FILE *out = html_open(p, cause);
	free(p);
	if (out == NULL) {
		sqlite3_finalize(st);
		return -1;
	}
	char b[4][48];
	fprintf(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kubesim run %"
	    PRId64 ": ", h->id);
	html_esc(out, html_col(st, 0));
	fprintf(out, "</title>\n%s</head><body>\n<p><a href=\"index.html\">all runs</a></p>\n"
	    "<h1>Run %" PRId64 ": ", html_style, h->id);
	html_esc(out, html_col(st, 0));
	fprintf(out, "</h1>\n<p>seed %lld, status <b>", sqlite3_column_int64(st, 1));
	html_esc(out, html_col(st, 2));
	fprintf(out, "</b>, %s s simulated in %s s, %lld events, cost $%s, kubesim ",
	    html_num(st, 3, 0, b[0], sizeof b[0]), html_num(st, 4, 2, b[1], sizeof b[1]),
	    sqlite3_column_int64(st, 5), html_num(st, 6, 2, b[2], sizeof b[2]));
	html_esc(out, html_col(st, 9));
	fprintf(out, "</p>\n<p class=\"note\">params: <code>");
	html_esc(out, html_col(st, 7));
	fprintf(out, "</code></p>\n");
	if (html_col(st, 8)[0] != '\0') {
		fprintf(out, "<p>error: ");
		html_esc(out, html_col(st, 8));
		fprintf(out, "</p>\n");
	}
	sqlite3_finalize(st);
	if (html_summary(r, o, h, out, cause) < 0) {
		fclose(out);
		return -1;
	}
	fprintf(out, "<h2>Timeline</h2>\n<p class=\"note\">Marks on the time axis: red dashed "
	    "= failures (node failed / not ready / evictions / recovered), green dotted = scaling (HPA, "
	    "kubectl scale, cluster autoscaler); %d marks. Events: <code>kubesim events DB "
	    "--run %" PRId64 "</code>.</p>\n", h->nmarks, h->id);
	if (plotted) {
		for (size_t k = 0; k < HTML_NPLOTS; k++) {
			char *img = xasprintf("%s/%s.%s", h->dir, html_plots[k][0], o->png ? "png" :
			    "svg");
			if (!html_inline_img(out, img, o->png, html_plots[k][1]))
				fprintf(out, "<p>missing plot %s</p>\n", img);
			free(img);
		}
	} else {
		fprintf(out, "<p id=\"noplots\">No plots: gnuplot is not installed. Install it "
		    "(Debian: <code>apt-get install gnuplot-nox</code>) and rerun <code>kubesim "
		    "report</code>, or run <code>gnuplot plots.gp</code> in <code>run-%" PRId64
		    "/</code>, which holds the data files and the script.</p>\n", h->id);
	}
	fprintf(out, "</body></html>\n");
	if (fclose(out) != 0) {
		*cause = xasprintf("%s: writing run-%" PRId64 ".html failed", o->dir, h->id);
		return -1;
	}
	return 0;
}

static int
html_index(struct rpt *r, const struct html_opts *o, const int64_t *ids, size_t n,
    char **cause)
{
	char *p = xasprintf("%s/index.html", o->dir);
	FILE *out = html_open(p, cause);
	free(p);
	if (out == NULL)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT scenario, seed, status, cost_usd, "
	    "(SELECT min(availability) FROM summary s WHERE s.run_id = r.run_id), "
	    "(SELECT max(p99_ms) FROM summary s WHERE s.run_id = r.run_id), "
	    "coalesce(json_extract(params, '$.set'), '') FROM runs r WHERE run_id = ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		fclose(out);
		return html_dberr(r, "reading runs", cause);
	}
	fprintf(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kubesim "
	    "report</title>\n%s</head><body>\n<h1>kubesim report: %zu runs</h1>\n<table>"
	    "<tr><th>run</th><th class=\"l\">scenario</th><th>seed</th><th>status</th>"
	    "<th>cost USD</th><th>lowest availability</th><th>highest p99 ms</th>"
	    "<th class=\"l\">overrides</th></tr>\n", html_style, n);
	for (size_t i = 0; i < n; i++) {
		char b[3][48];
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(out, "<tr><td><a href=\"run-%" PRId64 ".html\">%" PRId64 "</a></td>"
			    "<td class=\"l\">", ids[i], ids[i]);
			html_esc(out, html_col(st, 0));
			fprintf(out, "</td><td>%lld</td><td>", sqlite3_column_int64(st, 1));
			html_esc(out, html_col(st, 2));
			snprintf(b[1], sizeof b[1], "%.4f %%", 100 * sqlite3_column_double(st, 4));
			fprintf(out, "</td><td>%s</td><td>%s</td><td>%s</td><td class=\"l\"><code>",
			    html_num(st, 3, 2, b[0], sizeof b[0]),
			    sqlite3_column_type(st, 4) == SQLITE_NULL ? "-" : b[1],
			    html_num(st, 5, 2, b[2], sizeof b[2]));
			html_esc(out, html_col(st, 6));
			fprintf(out, "</code></td></tr>\n");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	fprintf(out, "</table>\n</body></html>\n");
	fclose(out);
	return 0;
}

int
html_report(struct rpt *r, const struct html_opts *o, char **cause)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	if (o->nruns > 0) {
		for (size_t i = 0; i < o->nruns; i++) {
			int64_t id;
			if (rpt_pick_run(r, o->runs[i], &id, cause) < 0)
				goto out;
			KS_GROW(ids, cap, n + 1);
			ids[n++] = id;
		}
	} else {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(rpt_db(r), "SELECT run_id FROM runs ORDER BY run_id", -1,
		    &st, NULL) != SQLITE_OK)
			return html_dberr(r, "reading runs", cause);
		while (sqlite3_step(st) == SQLITE_ROW) {
			KS_GROW(ids, cap, n + 1);
			ids[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (n == 0) {
			*cause = xasprintf("%s: no runs in this file", rpt_path(r));
			goto out;
		}
	}
	if (html_mkdir(o->dir, cause) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct html_run h = { .id = ids[i] };
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(rpt_db(r), "SELECT coalesce(json_extract(params, "
		    "'$.warmup_s'), 0) FROM runs WHERE run_id = ?1", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, h.id);
			if (sqlite3_step(st) == SQLITE_ROW)
				h.warmup = sqlite3_column_double(st, 0);
			sqlite3_finalize(st);
		}
		h.dir = xasprintf("%s/run-%" PRId64, o->dir, h.id);
		int step = html_mkdir(h.dir, cause);
		if (step == 0)
			step = html_write_data(r, &h, cause);
		if (step == 0)
			step = html_write_gp(r, &h, o->png, cause);
		if (step == 0 && o->gnuplot != NULL)
			step = html_run_gnuplot(o->gnuplot, h.dir, cause);
		if (step == 0)
			step = html_run_page(r, o, &h, o->gnuplot != NULL, cause);
		for (size_t s = 0; s < h.nsvcs; s++)
			free(h.svcs[s]);
		free(h.svcs);
		free(h.dir);
		if (step < 0)
			goto out;
	}
	if (html_index(r, o, ids, n, cause) < 0)
		goto out;
	rc = (int)n;
out:
	free(ids);
	return rc;
}
