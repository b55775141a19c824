/*
 * view.c - `kubesim events` and `kubesim describe` from a run's rows: the
 * event log with kubectl's TYPE and OBJECT columns, and an object's state at
 * a time (a pod's phase and node, a node's condition and pods, a
 * Deployment's replicas, an HPA's last evaluation) replayed from the events,
 * scheduling_decisions, service_intervals and hpa_decisions tables.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "reports/view.h"
#include "sim/util/util.h"

/* Each event reason the simulator writes: kubectl's TYPE, the kind of the
 * object it names, and the component that reports it (kubectl's FROM). */
static const struct {
	const char	*reason, *type, *kind, *from;
} view_reasons[] = {
	{ "EndpointAdded", "Normal", "pod", "endpoint-controller" },
	{ "EndpointRemoved", "Normal", "pod", "endpoint-controller" },
	{ "EvictedByVPA", "Warning", "pod", "vpa-updater" },
	{ "FailedScheduling", "Warning", "pod", "default-scheduler" },
	{ "HPARescale", "Normal", "hpa", "horizontal-pod-autoscaler" },
	{ "NoScaleDown", "Normal", NULL, "cluster-autoscaler" },
	{ "NodeDeleted", "Normal", "node", "node-controller" },
	{ "NodeEviction", "Warning", "node", "node-controller" },
	{ "NodeFailed", "Warning", "node", "kubesim-chaos" },
	{ "NodeNotReady", "Warning", "node", "node-controller" },
	{ "NodeProvisioning", "Normal", "node", "cloud-provider" },
	{ "NodeReady", "Normal", "node", "kubelet" },
	{ "NodeRecovered", "Normal", "node", "kubesim-chaos" },
	{ "NominatedNode", "Normal", "pod", "default-scheduler" },
	{ "NotScheduled", "Warning", "pod", "default-scheduler" },
	{ "NotTriggerScaleUp", "Normal", "pod", "cluster-autoscaler" },
	{ "PodCreated", "Normal", "pod", "replicaset-controller" },
	{ "PodCreating", "Normal", "pod", "kubelet" },
	{ "PodDeleted", "Normal", "pod", "kubelet" },
	{ "PodDeleting", "Normal", "pod", "kubelet" },
	{ "PodNotReady", "Warning", "pod", "kubelet" },
	{ "PodReady", "Normal", "pod", "kubelet" },
	{ "PodRunning", "Normal", "pod", "kubelet" },
	{ "Preempted", "Warning", "pod", "default-scheduler" },
	{ "ScaleDown", "Normal", "node", "cluster-autoscaler" },
	{ "ScaleDownDone", "Normal", "node", "cluster-autoscaler" },
	{ "ScaleDownUnneeded", "Normal", "node", "cluster-autoscaler" },
	{ "ScaleUpTimedOut", "Warning", NULL, "cluster-autoscaler" },
	{ "Scaled", "Normal", "deployment", "kubesim-chaos" },
	{ "Scheduled", "Normal", "pod", "default-scheduler" },
	{ "TriggeredScaleUp", "Normal", NULL, "cluster-autoscaler" },
};

static int
view_reason_find(const char *reason)
{
	for (size_t i = 0; i < sizeof view_reasons / sizeof view_reasons[0]; i++)
		if (strcmp(view_reasons[i].reason, reason) == 0)
			return (int)i;
	return -1;
}

const char *
view_event_type(const char *reason)
{
	int i = view_reason_find(reason);
	if (i >= 0)
		return view_reasons[i].type;
	return strstr(reason, "Fail") != NULL ? "Warning" : "Normal";
}

const char *
view_event_object_kind(const char *reason)
{
	int i = view_reason_find(reason);
	return i >= 0 ? view_reasons[i].kind : NULL;
}

static const char *
view_event_from(const char *reason)
{
	int i = view_reason_find(reason);
	return i >= 0 ? view_reasons[i].from : "kubesim";
}

static const char *
view_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s != NULL ? s : "";
}

static int
view_dberr(struct rpt *r, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", rpt_path(r), what, sqlite3_errmsg(rpt_db(r)));
	return -1;
}

/* "pod/web-1" -> kind "pod", name "web-1"; "web-1" -> NULL, "web-1". */
static void
view_split_object(const char *obj, char **kind, const char **name)
{
	const char *sl = strchr(obj, '/');
	if (sl == NULL) {
		*kind = NULL;
		*name = obj;
		return;
	}
	*kind = xstrndup(obj, (size_t)(sl - obj));
	*name = sl + 1;
}

/* kubectl's short names: po, no, deploy, hpa, and the plural forms. */
static const char *
view_canon_kind(const char *k)
{
	static const char *const alias[][2] = {
		{ "po", "pod" }, { "pods", "pod" }, { "no", "node" }, { "nodes", "node" },
		{ "deploy", "deployment" }, { "deployments", "deployment" },
		{ "horizontalpodautoscaler", "hpa" }, { "horizontalpodautoscalers", "hpa" },
	};
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strcasecmp(k, alias[i][0]) == 0)
			return alias[i][1];
	return k;
}

struct view_row {
	double	 t;
	char	*type, *reason, *object, *message;
};

int64_t
view_events_print(struct rpt *r, const struct rpt_event_filter *f, FILE *out,
    char **cause)
{
	sqlite3_stmt *st;
	char *okind = NULL;
	const char *oname = NULL;
	const char *fkind = f->kind != NULL ? view_canon_kind(f->kind) : NULL;

	if (f->object != NULL)
		view_split_object(f->object, &okind, &oname);
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT t_s, kind, coalesce(object, ''), "
	    "coalesce(detail, '') FROM events WHERE run_id = ?1 AND t_s >= ?2 AND "
	    "(?3 < 0 OR t_s <= ?3) AND (?4 IS NULL OR object = ?4) ORDER BY t_s, rowid",
	    -1, &st, NULL) != SQLITE_OK) {
		free(okind);
		return view_dberr(r, "reading events", cause);
	}
	sqlite3_bind_int64(st, 1, f->run_id);
	sqlite3_bind_double(st, 2, f->since);
	sqlite3_bind_double(st, 3, f->until);
	if (oname != NULL)
		sqlite3_bind_text(st, 4, oname, -1, SQLITE_STATIC);
	struct view_row *rows = NULL;
	size_t n = 0, cap = 0;
	int w[4] = { 9, 4, 6, 6 };
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *reason = view_text(st, 1);
		const char *k = view_event_object_kind(reason);
		if (okind != NULL && (k == NULL || strcmp(k, view_canon_kind(okind)) != 0))
			continue;
		if (fkind != NULL && strcasecmp(fkind, reason) != 0 &&
		    (k == NULL || strcasecmp(fkind, k) != 0))
			continue;
		KS_GROW(rows, cap, n + 1);
		struct view_row *v = &rows[n++];
		v->t = sqlite3_column_double(st, 0);
		v->type = xstrdup(view_event_type(reason));
		v->reason = xstrdup(reason);
		v->object = k != NULL ? xasprintf("%s/%s", k, view_text(st, 2)) :
		    xstrdup(view_text(st, 2));
		v->message = xstrdup(view_text(st, 3));
		char b[32];
		int l[3] = { (int)strlen(rpt_fmt_clock(v->t, b, sizeof b)),
		    (int)strlen(v->type), (int)strlen(v->reason) };
		for (int i = 0; i < 3; i++)
			if (l[i] > w[i])
				w[i] = l[i];
		if ((int)strlen(v->object) > w[3])
			w[3] = (int)strlen(v->object);
	}
	sqlite3_finalize(st);
	free(okind);
	if (n == 0) {
		fprintf(out, "No events found.\n");
		free(rows);
		return 0;
	}
	fprintf(out, "%-*s   %-*s   %-*s   %-*s   %s\n", w[0], "LAST SEEN", w[1], "TYPE",
	    w[2], "REASON", w[3], "OBJECT", "MESSAGE");
	for (size_t i = 0; i < n; i++) {
		char b[32];
		fprintf(out, "%-*s   %-*s   %-*s   %-*s   %s\n", w[0],
		    rpt_fmt_clock(rows[i].t, b, sizeof b), w[1], rows[i].type, w[2],
		    rows[i].reason, w[3], rows[i].object, rows[i].message);
		free(rows[i].type);
		free(rows[i].reason);
		free(rows[i].object);
		free(rows[i].message);
	}
	free(rows);
	return (int64_t)n;
}

/* ---- describe ------------------------------------------------------------ */

/* Prints the object's events up to `at` in kubectl describe's Events block
 * (the last 30; earlier ones counted). */
static int
view_object_events(struct rpt *r, int64_t run_id, const char *name, const char *kind,
    double at, FILE *out, char **cause)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT t_s, kind, coalesce(detail, '') FROM "
	    "events WHERE run_id = ?1 AND object = ?2 AND t_s <= ?3 ORDER BY t_s, rowid",
	    -1, &st, NULL) != SQLITE_OK)
		return view_dberr(r, "reading events", cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	struct view_row *rows = NULL;
	size_t n = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *reason = view_text(st, 1);
		const char *k = view_event_object_kind(reason);
		/* A Deployment's block also shows its HPA's rescales. */
		if (k != NULL && strcmp(k, kind) != 0 && !(strcmp(kind, "deployment") == 0 &&
		    strcmp(k, "hpa") == 0))
			continue;
		KS_GROW(rows, cap, n + 1);
		rows[n].t = sqlite3_column_double(st, 0);
		rows[n].reason = xstrdup(reason);
		rows[n].message = xstrdup(view_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0) {
		fprintf(out, "Events:  <none>\n");
		return 0;
	}
	size_t first = n > 30 ? n - 30 : 0;
	fprintf(out, "Events:\n");
	if (first > 0)
		fprintf(out, "  (%zu earlier events not shown; see kubesim events --object %s/%s)\n",
		    first, kind, name);
	fprintf(out, "  %-7s  %-20s  %-12s  %-25s  %s\n", "Type", "Reason", "At", "From",
	    "Message");
	fprintf(out, "  %-7s  %-20s  %-12s  %-25s  %s\n", "----", "------", "--", "----",
	    "-------");
	for (size_t i = 0; i < n; i++) {
		char b[32];
		if (i >= first)
			fprintf(out, "  %-7s  %-20s  %-12s  %-25s  %s\n",
			    view_event_type(rows[i].reason), rows[i].reason,
			    rpt_fmt_clock(rows[i].t, b, sizeof b), view_event_from(rows[i].reason),
			    rows[i].message);
		free(rows[i].reason);
		free(rows[i].message);
	}
	free(rows);
	return 0;
}

/*
 * Checks that the run knows `name` as an object of the kind (sql selects the
 * candidate names with ?1 = run id); else *cause with the nearest name.
 */
static int
view_known(struct rpt *r, int64_t run_id, const char *kind, const char *name,
    const char *sql, char **cause)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), sql, -1, &st, NULL) != SQLITE_OK)
		return view_dberr(r, "reading names", cause);
	sqlite3_bind_int64(st, 1, run_id);
	char **names = NULL;
	size_t n = 0, cap = 0;
	bool found = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = view_text(st, 0);
		if (strcmp(s, name) == 0)
			found = true;
		KS_GROW(names, cap, n + 2);
		names[n++] = xstrdup(s);
	}
	sqlite3_finalize(st);
	int rc = 0;
	if (!found) {
		const char *near = NULL;
		if (n > 0) {
			names[n] = NULL;
			near = ks_nearest(name, (const char *const *)names);
		}
		*cause = xasprintf("%s: run %" PRId64 " has no %s '%s'%s%s%s", rpt_path(r),
		    run_id, kind, name, near ? " (did you mean '" : "", near ? near : "",
		    near ? "'?)" : n == 0 ? " (it has none)" : "");
		rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* The reason of the object's last event of the given reasons up to at, and
 * its time and message; NULL when none. Caller frees. */
static char *
view_last_event(struct rpt *r, int64_t run_id, const char *name, const char *in_list,
    double at, double *t, char **msg)
{
	char *sql = sqlite3_mprintf("SELECT kind, t_s, coalesce(detail, '') FROM events "
	    "WHERE run_id = ?1 AND object = ?2 AND t_s <= ?3 AND kind IN (%s) "
	    "ORDER BY t_s DESC, rowid DESC LIMIT 1", in_list);
	sqlite3_stmt *st;
	char *res = NULL;
	if (sqlite3_prepare_v2(rpt_db(r), sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, at);
		if (sqlite3_step(st) == SQLITE_ROW) {
			res = xstrdup(view_text(st, 0));
			if (t != NULL)
				*t = sqlite3_column_double(st, 1);
			if (msg != NULL)
				*msg = xstrdup(view_text(st, 2));
		}
		sqlite3_finalize(st);
	}
	sqlite3_free(sql);
	return res;
}

static int
view_describe_pod(struct rpt *r, int64_t run_id, const char *name, double at, FILE *out,
    char **cause)
{
	if (view_known(r, run_id, "pod", name, "SELECT DISTINCT object FROM events WHERE "
	    "run_id = ?1 AND kind = 'PodCreated' UNION SELECT DISTINCT pod FROM "
	    "scheduling_decisions WHERE run_id = ?1", cause) < 0)
		return -1;
	char b[32];
	double t0 = 0;
	char *owner = NULL;
	char *created = view_last_event(r, run_id, name, "'PodCreated'", at, &t0, &owner);
	fprintf(out, "Name:           %s\n", name);
	fprintf(out, "Namespace:      default\n");
	if (created == NULL) {
		fprintf(out, "Status:         (not created yet at %s)\n",
		    rpt_fmt_clock(at, b, sizeof b));
		free(owner);
		return view_object_events(r, run_id, name, "pod", at, out, cause);
	}
	/* The node: the last successful scheduling attempt up to at. */
	sqlite3_stmt *st;
	char *node = NULL, *sched_note = NULL;
	double ts = 0;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT node, t_s, coalesce(reason, '') FROM "
	    "scheduling_decisions WHERE run_id = ?1 AND pod = ?2 AND t_s <= ?3 ORDER BY "
	    "t_s DESC, rowid DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		free(created);
		free(owner);
		return view_dberr(r, "reading scheduling_decisions", cause);
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ts = sqlite3_column_double(st, 1);
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			node = xstrdup(view_text(st, 0));
		sched_note = xstrdup(view_text(st, 2));
	}
	sqlite3_finalize(st);
	double tl = 0;
	char *life = view_last_event(r, run_id, name, "'PodCreated', 'Scheduled', "
	    "'FailedScheduling', 'NotScheduled', 'PodCreating', 'PodRunning', 'PodReady', "
	    "'PodNotReady', 'PodDeleting', 'PodDeleted', 'Preempted', 'EvictedByVPA'", at,
	    &tl, NULL);
	char *ready = view_last_event(r, run_id, name, "'PodReady', 'PodNotReady'", at,
	    NULL, NULL);
	const char *status = "Pending";
	if (strcmp(life, "PodCreating") == 0)
		status = "ContainerCreating";
	else if (strcmp(life, "PodRunning") == 0 || strcmp(life, "PodReady") == 0 ||
	    strcmp(life, "PodNotReady") == 0)
		status = "Running";
	else if (strcmp(life, "PodDeleting") == 0 || strcmp(life, "Preempted") == 0 ||
	    strcmp(life, "EvictedByVPA") == 0)
		status = "Terminating";
	else if (strcmp(life, "PodDeleted") == 0)
		status = "Deleted";
	else if (strcmp(life, "FailedScheduling") == 0 || strcmp(life, "NotScheduled") == 0)
		status = "Pending (Unschedulable)";
	fprintf(out, "Node:           %s\n", node != NULL ? node : "<none>");
	fprintf(out, "Start Time:     %s\n", rpt_fmt_clock(t0, b, sizeof b));
	fprintf(out, "Status:         %s (since %s)\n", status, rpt_fmt_clock(tl, b, sizeof b));
	bool is_ready = ready != NULL && strcmp(ready, "PodReady") == 0 &&
	    strcmp(status, "Running") == 0;
	fprintf(out, "Ready:          %s\n", is_ready ? "True" : "False");
	if (strncmp(owner, "deployment ", 11) == 0)
		fprintf(out, "Controlled By:  Deployment/%s\n", owner + 11);
	else if (owner[0] != '\0')
		fprintf(out, "Controlled By:  %s\n", owner);
	if (sched_note != NULL)
		fprintf(out, "Scheduling:     at %s: %s%s%s\n", rpt_fmt_clock(ts, b, sizeof b),
		    node != NULL ? "bound to " : "", node != NULL ? node : "", node != NULL ?
		    "" : sched_note);
	free(created);
	free(owner);
	free(node);
	free(sched_note);
	free(life);
	free(ready);
	return view_object_events(r, run_id, name, "pod", at, out, cause);
}

static int
view_describe_node(struct rpt *r, int64_t run_id, const char *name, double at, FILE *out,
    char **cause)
{
	if (view_known(r, run_id, "node", name, "SELECT DISTINCT node FROM "
	    "scheduling_decisions WHERE run_id = ?1 AND node IS NOT NULL UNION SELECT "
	    "DISTINCT object FROM events WHERE run_id = ?1 AND kind LIKE 'Node%'", cause) < 0)
		return -1;
	char b[32];
	double t = 0;
	char *last = view_last_event(r, run_id, name, "'NodeProvisioning', 'NodeReady', "
	    "'NodeFailed', 'NodeNotReady', 'NodeRecovered', 'NodeDeleted', 'ScaleDown'", at,
	    &t, NULL);
	const char *cond = "Ready=True";
	if (last != NULL) {
		if (strcmp(last, "NodeProvisioning") == 0)
			cond = "Provisioning (not registered yet)";
		else if (strcmp(last, "NodeFailed") == 0)
			cond = "Ready=True (failed; heartbeats stopped, not yet noticed)";
		else if (strcmp(last, "NodeNotReady") == 0)
			cond = "Ready=Unknown (NodeStatusUnknown), tainted unreachable";
		else if (strcmp(last, "NodeDeleted") == 0)
			cond = "Deleted";
		else if (strcmp(last, "ScaleDown") == 0)
			cond = "Ready=True, being drained by the cluster autoscaler";
	}
	fprintf(out, "Name:           %s\n", name);
	fprintf(out, "Conditions:     %s", cond);
	if (last != NULL)
		fprintf(out, " (since %s)", rpt_fmt_clock(t, b, sizeof b));
	fputc('\n', out);
	free(last);
	/* Pods bound to it at `at`: last successful binding here, not being
	 * deleted (a pod evicted from a dead node stays Terminating). */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT d.pod, max(d.t_s) FROM "
	    "scheduling_decisions d WHERE d.run_id = ?1 AND d.t_s <= ?3 AND d.node IS NOT "
	    "NULL GROUP BY d.pod HAVING d.node = ?2 AND d.pod NOT IN (SELECT object FROM "
	    "events WHERE run_id = ?1 AND kind IN ('PodDeleting', 'PodDeleted') AND t_s <= "
	    "?3) ORDER BY d.pod",
	    -1, &st, NULL) != SQLITE_OK)
		return view_dberr(r, "reading scheduling_decisions", cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	size_t n = 0;
	fprintf(out, "Pods at %s:\n", rpt_fmt_clock(at, b, sizeof b));
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "  %-40s bound at %s\n", view_text(st, 0),
		    rpt_fmt_clock(sqlite3_column_double(st, 1), b, sizeof b));
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		fprintf(out, "  <none>\n");
	fprintf(out, "Non-terminated Pods: (%zu in total)\n", n);
	return view_object_events(r, run_id, name, "node", at, out, cause);
}

static int
view_describe_deployment(struct rpt *r, int64_t run_id, const char *name, double at,
    FILE *out, char **cause)
{
	if (view_known(r, run_id, "deployment", name, "SELECT DISTINCT substr(detail, 12) "
	    "FROM events WHERE run_id = ?1 AND kind = 'PodCreated' AND detail LIKE "
	    "'deployment %'", cause) < 0)
		return -1;
	char b[32];
	sqlite3_stmt *st;
	fprintf(out, "Name:           %s\n", name);
	fprintf(out, "Namespace:      default\n");
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT t_s, replicas_desired, replicas_ready, "
	    "cpu_util FROM service_intervals WHERE run_id = ?1 AND service = ?2 AND t_s <= "
	    "?3 ORDER BY t_s DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return view_dberr(r, "reading service_intervals", cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	if (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "Replicas:       %lld desired | %lld available (sampled at %s; "
		    "cpu %.0f%% of requests)\n", sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2),
		    rpt_fmt_clock(sqlite3_column_double(st, 0), b, sizeof b),
		    100 * sqlite3_column_double(st, 3));
	sqlite3_finalize(st);
	char *detail = xasprintf("deployment %s", name);
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT c.object, c.t_s FROM events c WHERE "
	    "c.run_id = ?1 AND c.kind = 'PodCreated' AND c.detail = ?2 AND c.t_s <= ?3 AND "
	    "c.object NOT IN (SELECT object FROM events WHERE run_id = ?1 AND kind = "
	    "'PodDeleted' AND t_s <= ?3) ORDER BY c.t_s, c.object", -1, &st, NULL)
	    != SQLITE_OK) {
		free(detail);
		return view_dberr(r, "reading events", cause);
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	size_t n = 0;
	fprintf(out, "Pods at %s:\n", rpt_fmt_clock(at, b, sizeof b));
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "  %-40s created at %s\n", view_text(st, 0),
		    rpt_fmt_clock(sqlite3_column_double(st, 1), b, sizeof b));
		n++;
	}
	sqlite3_finalize(st);
	free(detail);
	if (n == 0)
		fprintf(out, "  <none>\n");
	fprintf(out, "Pods:           %zu existing\n", n);
	/* Scaling events: the Deployment's own and its HPA's (same name). */
	return view_object_events(r, run_id, name, "deployment", at, out, cause);
}

static int
view_describe_hpa(struct rpt *r, int64_t run_id, const char *name, double at, FILE *out,
    char **cause)
{
	if (view_known(r, run_id, "hpa", name, "SELECT DISTINCT hpa FROM hpa_decisions "
	    "WHERE run_id = ?1", cause) < 0)
		return -1;
	char b[32];
	sqlite3_stmt *st;
	fprintf(out, "Name:           %s\n", name);
	fprintf(out, "Namespace:      default\n");
	if (sqlite3_prepare_v2(rpt_db(r), "SELECT t_s, current, stabilized, desired, "
	    "coalesce(limited_by, ''), coalesce(reason, ''), coalesce(proposals, '[]') FROM "
	    "hpa_decisions WHERE run_id = ?1 AND hpa = ?2 AND t_s <= ?3 ORDER BY t_s DESC, "
	    "rowid DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return view_dberr(r, "reading hpa_decisions", cause);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, at);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char *props = xstrdup(view_text(st, 6));
		/* the latest row: the last evaluation with hpaDecisions:
		 * everySync, the last change of decision with onChange */
		fprintf(out, "Last decision:  %s\n",
		    rpt_fmt_clock(sqlite3_column_double(st, 0), b, sizeof b));
		fprintf(out, "Current replicas: %lld\n", sqlite3_column_int64(st, 1));
		fprintf(out, "Desired replicas: %lld (recommendation after stabilization %lld)\n",
		    sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 2));
		fprintf(out, "Conditions:\n");
		fprintf(out, "  ScalingLimited: %s\n", view_text(st, 4)[0] != '\0' ?
		    view_text(st, 4) : "False");
		fprintf(out, "  Reason:         %s\n", view_text(st, 5));
		sqlite3_finalize(st);
		/* One line per metric of the evaluation. */
		if (sqlite3_prepare_v2(rpt_db(r), "SELECT coalesce(json_extract(value, "
		    "'$.metric'), ''), json_extract(value, '$.utilization'), json_extract(value, "
		    "'$.average'), json_extract(value, '$.proposal'), coalesce(json_extract(value, "
		    "'$.reason'), '') FROM json_each(?1)", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, props, -1, SQLITE_STATIC);
			fprintf(out, "Metrics:\n");
			while (sqlite3_step(st) == SQLITE_ROW) {
				fprintf(out, "  %s:", view_text(st, 0)[0] ? view_text(st, 0) :
				    "(metric)");
				if (sqlite3_column_type(st, 1) != SQLITE_NULL)
					fprintf(out, " utilization %lld%%", sqlite3_column_int64(st, 1));
				if (sqlite3_column_type(st, 2) != SQLITE_NULL)
					fprintf(out, " average %g", sqlite3_column_double(st, 2));
				if (sqlite3_column_type(st, 3) != SQLITE_NULL)
					fprintf(out, " -> %lld replicas", sqlite3_column_int64(st, 3));
				if (view_text(st, 4)[0] != '\0')
					fprintf(out, " (%s)", view_text(st, 4));
				fputc('\n', out);
			}
			sqlite3_finalize(st);
		}
		free(props);
	} else {
		sqlite3_finalize(st);
		fprintf(out, "Last evaluation: none up to %s\n", rpt_fmt_clock(at, b, sizeof b));
	}
	return view_object_events(r, run_id, name, "hpa", at, out, cause);
}

int
view_describe(struct rpt *r, int64_t run_id, const char *kind, const char *name,
    double at, FILE *out, char **cause)
{
	const char *k = view_canon_kind(kind);
	if (at < 0) {
		/* The end of the run (or of its rows, if it never finished). */
		sqlite3_stmt *st;
		at = 0;
		if (sqlite3_prepare_v2(rpt_db(r), "SELECT coalesce((SELECT sim_seconds FROM "
		    "runs WHERE run_id = ?1), (SELECT max(t_s) FROM events WHERE run_id = "
		    "?1), 0)", -1, &st, NULL) != SQLITE_OK)
			return view_dberr(r, "reading runs", cause);
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			at = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	if (strcmp(k, "pod") == 0)
		return view_describe_pod(r, run_id, name, at, out, cause);
	if (strcmp(k, "node") == 0)
		return view_describe_node(r, run_id, name, at, out, cause);
	if (strcmp(k, "deployment") == 0)
		return view_describe_deployment(r, run_id, name, at, out, cause);
	if (strcmp(k, "hpa") == 0)
		return view_describe_hpa(r, run_id, name, at, out, cause);
	*cause = xasprintf("describe: unknown kind '%s' (expected pod, node, deployment "
	    "or hpa)", kind);
	return -1;
}
