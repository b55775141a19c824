/*
 * test_hpa_case.c - the hpa-eval case files (scenarios/hpa_case.h): RFC 3339
 * times, how pods, PodMetrics, custom metrics and history are read, bad
 * input, and a replay of tests/fidelity/hpa_replica_calc.json's controller
 * cases written out as case files and evaluated through hpa_reconcile, so
 * the case format itself is checked against upstream's numbers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/hpa/hpa.h"
#include "scenarios/hpa_case.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"

#define NOW_TEXT	"2024-05-01T12:00:00Z"
#define NOW_UNIX	1714564800LL

/* ---- RFC 3339 ------------------------------------------------------------ */

static void
check_time(const char *s, int64_t want_s, int32_t want_ns)
{
	int64_t sec = -1;
	int32_t ns = -1;
	const char *why = NULL;
	if (hpa_case_rfc3339(s, &sec, &ns, &why) != 0) {
		FAILF("%s: %s", s, why);
		return;
	}
	CHECK_INT(sec, want_s);
	CHECK_INT(ns, want_ns);
}

static void
check_bad_time(const char *s, const char *want_why)
{
	int64_t sec;
	int32_t ns;
	const char *why = NULL;
	if (hpa_case_rfc3339(s, &sec, &ns, &why) == 0)
		FAILF("%s: accepted", s);
	else
		CHECK_STR(why, want_why);
}

static void
test_rfc3339(void)
{
	check_time("1970-01-01T00:00:00Z", 0, 0);
	check_time(NOW_TEXT, NOW_UNIX, 0);
	check_time("2024-05-01T14:00:00.5+02:00", NOW_UNIX, 500000000);
	check_time("2024-05-01T11:30:00.123456789123-00:30", NOW_UNIX, 123456789);
	check_time("2024-02-29T00:00:00Z", 1709164800, 0);
	check_time("0001-01-01T00:00:00Z", -62135596800LL, 0);
	check_bad_time("2023-02-29T00:00:00Z", "day out of range");
	check_bad_time("2024-05-01T24:00:00Z", "hour out of range");
	check_bad_time("2024-05-01T12:00:60Z", "second out of range");
	check_bad_time("2024-05-01T12:00:00", "expected YYYY-MM-DDTHH:MM:SS with Z or "
	    "an offset, such as 2024-05-01T12:00:00Z");
	check_bad_time("2024-05-01T12:00:00+0200", "expected a time zone offset "
	    "such as +02:00");
	check_bad_time("2024-05-01T12:00:00.Z", "expected digits after the decimal point");
	check_bad_time("2024-05-01T12:00:00Zjunk", "unexpected text after the time");
	check_bad_time("2024-05-01t12:00:00Z", "expected YYYY-MM-DDTHH:MM:SS with Z or "
	    "an offset, such as 2024-05-01T12:00:00Z");
}

/* ---- reading a case --------------------------------------------------------- */

static const char hpa_doc[] =
    "hpa:\n"
    "  apiVersion: autoscaling/v2\n"
    "  kind: HorizontalPodAutoscaler\n"
    "  metadata: {name: web, namespace: shop}\n"
    "  spec:\n"
    "    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    "    maxReplicas: 10\n"
    "    metrics:\n"
    "      - type: Pods\n"
    "        pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: \"10\"}}\n"
    "      - type: Object\n"
    "        object:\n"
    "          metric: {name: hits}\n"
    "          describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}\n"
    "          target: {type: Value, value: 2k}\n"
    "      - type: External\n"
    "        external: {metric: {name: queue}, target: {type: AverageValue, averageValue: 500m}}\n";

static struct hpa_case *
parse_ok(const char *text)
{
	struct hpa_case *c = NULL;
	char *cause = NULL;
	if (hpa_case_parse("case.yaml", text, strlen(text), &c, &cause) != 0) {
		FAILF("unexpected error: %s", cause);
		free(cause);
		return NULL;
	}
	PASS();
	return c;
}

static void
test_read(void)
{
	char *text = xasprintf("now: " NOW_TEXT "\n"
	    "controller: {tolerance: 0.2, downscaleStabilization: 1m}\n%s"
	    "scale:\n"
	    "  name: web\n"
	    "  specReplicas: 3\n"
	    "  selector: {matchLabels: {app: web}}\n"
	    "pods:\n"
	    "  - metadata: {name: web-0, namespace: shop, labels: {app: web},\n"
	    "      deletionTimestamp: 2024-05-01T11:59:59Z}\n"
	    "    spec:\n"
	    "      initContainers:\n"
	    "        - {name: mesh, restartPolicy: Always, resources: {requests: {cpu: 100m}}}\n"
	    "      containers: [{name: app, resources: {requests: {cpu: 400m}}}]\n"
	    "    status:\n"
	    "      phase: Running\n"
	    "      startTime: 2024-05-01T11:59:00.25Z\n"
	    "      conditions:\n"
	    "        - {type: Initialized, status: \"True\"}\n"
	    "        - {type: Ready, status: Unknown, lastTransitionTime: \"0001-01-01T00:00:00Z\"}\n"
	    "  - metadata: {name: web-1, namespace: shop, labels: {app: web}}\n"
	    "    spec:\n"
	    "      resources: {requests: {cpu: \"2\"}}\n"
	    "      containers: [{name: app}]\n"
	    "  - metadata: {name: web-0, namespace: other, labels: {app: web}}\n"
	    "    spec: {containers: [{name: app}]}\n"
	    "  - metadata: {name: db-0, namespace: shop, labels: {app: db}}\n"
	    "    spec: {containers: [{name: app}]}\n"
	    "podMetrics:\n"
	    "  - metadata: {name: web-0}\n"
	    "    timestamp: 2024-05-01T11:59:30Z\n"
	    "    window: 15.5s\n"
	    "    containers: [{name: app, usage: {cpu: 250m, memory: 1Ki}}]\n"
	    "  - metadata: {name: web-1, namespace: other}\n"
	    "customMetrics:\n"
	    "  pods: {rps: {web-0: \"12\", web-1: 1500m}}\n"
	    "  object: {hits: 1.5k}\n"
	    "  external: {queue: [\"1\", 250m]}\n"
	    "history:\n"
	    "  recommendations: []\n"
	    "  scaleDownEvents: [{replicaChange: 2, timestamp: 2024-05-01T11:59:00Z, outdated: true}]\n",
	    hpa_doc);
	struct hpa_case *c = parse_ok(text);
	free(text);
	if (c == NULL)
		return;
	CHECK_NEAR(c->cfg.tolerance, 0.2, 1e-12);
	CHECK_INT(c->cfg.downscale_stabilization, SIM_MIN);
	CHECK_INT(c->cfg.cpu_init_period, 5 * SIM_MIN);		/* default */
	CHECK_INT(c->cfg.initial_readiness_delay, 30 * SIM_SEC);
	CHECK_NEAR(c->cfg.scale_up_limit_factor, 2.0, 1e-12);
	CHECK_INT(c->in.now, 0);
	CHECK_INT(c->in.spec_replicas, 3);
	CHECK_INT(c->in.status_replicas, 3);		/* defaults to specReplicas */
	CHECK_STR(c->scale_kind, "Deployment");
	/* Namespace "other" and label app=db are not the target's pods. */
	CHECK_INT(c->in.npods, 2);
	const struct hpa_pod *p = &c->pods[0];
	CHECK_STR(p->name, "web-0");
	CHECK(p->deleting);
	CHECK_INT(p->phase, HPA_POD_RUNNING);
	CHECK(p->has_start);
	CHECK_INT(p->start, -60 * SIM_SEC + 250000000);
	CHECK_INT(p->ready, HPA_READY_UNKNOWN);
	CHECK_INT(p->ready_since, HPA_TIME_ZERO);
	int64_t req = 0;
	char *err = NULL;
	CHECK_INT(hpa_pod_request(p, NULL, "cpu", true, &req, &err), 0);
	CHECK_INT(req, 500);		/* the sidecar counts */
	p = &c->pods[1];
	CHECK_INT(p->phase, HPA_POD_PENDING);
	CHECK(!p->has_start && !p->deleting);
	CHECK_INT(p->ready, HPA_READY_NONE);
	CHECK_INT(hpa_pod_request(p, NULL, "cpu", true, &req, &err), 0);
	CHECK_INT(req, 2000);		/* pod-level request */
	free(err);
	CHECK_INT(c->in.nsamples, 1);
	CHECK_STR(c->samples[0].pod, "web-0");
	CHECK_INT(c->samples[0].timestamp, -30 * SIM_SEC);
	CHECK_INT(c->samples[0].window, 15500 * (SIM_SEC / 1000));
	CHECK_INT(c->samples[0].ncontainers, 1);
	CHECK_INT(c->samples[0].containers[0].usage.cpu_milli, 250);
	CHECK_INT(c->samples[0].containers[0].usage.memory, 1024);
	const struct hpa_metric_input *mi = c->metric_inputs;
	CHECK_INT(mi[0].npod_values, 2);
	CHECK_INT(mi[0].pod_values[0].value, 12000);
	CHECK_INT(mi[0].pod_values[1].value, 1500);
	CHECK(mi[1].has_value);
	CHECK_INT(mi[1].value_milli, 1500000);
	CHECK_INT(mi[2].nseries, 2);
	CHECK_INT(mi[2].series_milli[1], 250);
	CHECK(c->state.has_recs);
	CHECK_INT(c->state.nrecs, 0);
	CHECK_INT(c->state.ndown, 1);
	CHECK_INT(c->state.down[0].change, 2);
	CHECK(c->state.down[0].outdated);
	CHECK_INT(c->state.down[0].at, -60 * SIM_SEC);
	hpa_case_free(c);

	/* The least a case needs; no history at all. */
	text = xasprintf("now: " NOW_TEXT "\n%sscale: {name: web, specReplicas: 0, "
	    "statusReplicas: 2}\n", hpa_doc);
	c = parse_ok(text);
	free(text);
	if (c != NULL) {
		CHECK_INT(c->in.npods, 0);
		CHECK_INT(c->in.nsamples, 0);
		CHECK_INT(c->in.status_replicas, 2);
		CHECK(!c->state.has_recs);
		CHECK_INT(c->metric_inputs[0].npod_values, 0);
		CHECK(!c->metric_inputs[1].has_value);
		hpa_case_free(c);
	}
}

static void
bad(const char *body, const char *want)
{
	char *text = xasprintf("now: " NOW_TEXT "\n%s", body);
	struct hpa_case *c = NULL;
	char *cause = NULL;
	if (hpa_case_parse("case.yaml", text, strlen(text), &c, &cause) == 0) {
		FAILF("accepted: %s", body);
		hpa_case_free(c);
	} else
		CHECK_STR(cause, want);
	free(cause);
	free(text);
}

static void
test_bad(void)
{
	static const char hpa_min[] =
	    "hpa:\n"
	    "  apiVersion: autoscaling/v2\n"
	    "  kind: HorizontalPodAutoscaler\n"
	    "  metadata: {name: web}\n"
	    "  spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: 4}\n"
	    "scale: {name: web, specReplicas: 1}\n";
	char *b;
	bad("scales: 3\n", "case.yaml:2:1: unknown field 'scales' in hpa-eval case "
	    "(did you mean 'scale'?)");
	bad("scale: {name: web, specReplicas: 1}\n", "case.yaml:1:1: a case needs hpa: "
	    "an autoscaling/v2 HorizontalPodAutoscaler");
	bad("hpa: {apiVersion: apps/v1, kind: Deployment}\n", "case.yaml:2:34: hpa "
	    "must be a HorizontalPodAutoscaler, found kind 'Deployment'");
	b = xasprintf("%s---\nnow: x\n", hpa_min);
	bad(b, "case.yaml:9:1: a case file holds one YAML document; this is a second one");
	free(b);
	b = xasprintf("%spods:\n  - metadata: {name: a}\n    spec: {containers: [{name: c}]}\n"
	    "    status: {phase: Runing}\n", hpa_min);
	bad(b, "case.yaml:11:21: unknown pod phase 'Runing' (did you mean 'Running'?)");
	free(b);
	b = xasprintf("%spods:\n  - metadata: {name: a}\n    spec: {containers: [{name: c}]}\n"
	    "    status: {conditions: [{type: Ready, status: yes}]}\n", hpa_min);
	bad(b, "case.yaml:11:49: a condition status must be True, False or Unknown, "
	    "found 'yes'");
	free(b);
	b = xasprintf("%spods:\n  - metadata: {name: a}\n    spec: {containers: [{name: c}]}\n"
	    "  - metadata: {name: a}\n    spec: {containers: [{name: c}]}\n", hpa_min);
	bad(b, "case.yaml:11:22: duplicate Pod 'a'");
	free(b);
	b = xasprintf("%spodMetrics: [{metadata: {name: a}, window: 30}]\n", hpa_min);
	bad(b, "case.yaml:8:44: invalid duration '30' for window (expected a Go "
	    "duration such as 30s, 5m or 1h30m)");
	free(b);
	b = xasprintf("%spodMetrics: [{kind: PodMetric, metadata: {name: a}}]\n", hpa_min);
	bad(b, "case.yaml:8:21: expected kind PodMetrics, found 'PodMetric'");
	free(b);
	b = xasprintf("%scustomMetrics: {external: {queue: [\"1\"]}}\n", hpa_min);
	bad(b, "case.yaml:8:28: the HPA has no External metric 'queue'");
	free(b);
	b = xasprintf("%shistory: {recommendations: [{replicas: 3}]}\n", hpa_min);
	bad(b, "case.yaml:8:29: a recommendation needs replicas and timestamp");
	free(b);
	b = xasprintf("%shistory: {recommendations: [{replicas: 3, timestamp: "
	    "2099-01-01T00:00:00Z}]}\n", hpa_min);
	bad(b, "case.yaml:8:54: time '2099-01-01T00:00:00Z' is more than 50 years after now");
	free(b);
	b = xasprintf("%scontroller: {tolerance: -1}\n", hpa_min);
	bad(b, "case.yaml:8:25: tolerance must be a number greater than or equal to 0");
	free(b);
	bad("hpa:\n  apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n"
	    "  metadata: {name: web}\n  spec: {scaleTargetRef: {kind: StatefulSet, "
	    "name: web}, maxReplicas: 4}\nscale: {name: web, specReplicas: 1}\n",
	    "case.yaml:6:33: HorizontalPodAutoscaler 'web' targets StatefulSet 'web', "
	    "which is not in this case (scale at case.yaml:7:8 is Deployment 'web')");
	bad("", "case.yaml:1:1: a case needs hpa: an autoscaling/v2 "
	    "HorizontalPodAutoscaler");
}

/* ---- upstream controller cases through case files -------------------------- */

static const char *
str_of(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n != NULL && n->kind == YT_SCALAR && !yt_is_null(n) ? n->str : NULL;
}

/* For printing: "null" when absent. */
static const char *
txt(const struct yt_node *m, const char *key)
{
	const char *s = str_of(m, key);
	return s != NULL ? s : "null";
}

static int64_t
int_of(const struct yt_node *m, const char *key, int64_t dflt)
{
	const struct yt_node *n = yt_get(m, key);
	int64_t v = dflt;
	char *cause = NULL;
	if (n != NULL && !yt_is_null(n) && yt_int64(n, &v, &cause) < 0) {
		FAILF("%s", cause);
		free(cause);
	}
	return v;
}

static size_t
len_of(const struct yt_node *n)
{
	return n != NULL && n->kind == YT_SEQ ? n->n : 0;
}

/* now - age_s as RFC 3339. */
static const char *
ago(int64_t age_s, char *buf, size_t size)
{
	time_t t = (time_t)(NOW_UNIX - age_s);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* The harness's start times: hot = now, cool = now - 3m, unset = zero time. */
static const char *
start_of(const char *s, char *buf, size_t size)
{
	if (s == NULL || strcmp(s, "unset") == 0)
		return "0001-01-01T00:00:00Z";
	return ago(strcmp(s, "hot") == 0 ? 0 : 180, buf, size);
}

static void
emit_target(struct ks_buf *b, const struct yt_node *t)
{
	const char *tt = str_of(t, "type");
	if (tt == NULL || strcmp(tt, "Utilization") == 0)
		ks_buf_printf(b, "{type: Utilization, averageUtilization: %lld}",
		    (long long)int_of(t, "averageUtilization", 80));
	else if (strcmp(tt, "AverageValue") == 0)
		ks_buf_printf(b, "{type: AverageValue, averageValue: %lldm}",
		    (long long)int_of(t, "averageValue_milli", 0));
	else
		ks_buf_printf(b, "{type: Value, value: %lldm}",
		    (long long)int_of(t, "value_milli", 0));
}

static bool
listed(const struct yt_node *ml, size_t upto, const char *type, const char *name)
{
	for (size_t i = 0; i < upto; i++) {
		const char *t = str_of(ml->items[i], "type"), *n = str_of(ml->items[i], "metric");
		if (t != NULL && n != NULL && strcmp(t, type) == 0 && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static void
emit_rules(struct ks_buf *b, const char *key, const struct yt_node *r)
{
	if (r == NULL || yt_is_null(r))
		return;
	ks_buf_printf(b, "      %s:\n", key);
	if (str_of(r, "stabilizationWindowSeconds") != NULL)
		ks_buf_printf(b, "        stabilizationWindowSeconds: %s\n",
		    txt(r, "stabilizationWindowSeconds"));
	if (str_of(r, "selectPolicy") != NULL)
		ks_buf_printf(b, "        selectPolicy: %s\n", txt(r, "selectPolicy"));
	const struct yt_node *ps = yt_get(r, "policies");
	ks_buf_puts(b, "        policies:\n");
	for (size_t i = 0; i < len_of(ps); i++)
		ks_buf_printf(b, "          - {type: %s, value: %s, periodSeconds: %s}\n",
		    txt(ps->items[i], "type"), txt(ps->items[i], "value"),
		    txt(ps->items[i], "periodSeconds"));
	if (len_of(ps) == 0)
		ks_buf_puts(b, "          []\n");
}

/* One controller case as a case file; NULL (and *why) when the format cannot
 * say it: a failing metrics API, a metric type the API rejects, or
 * minReplicas 0 (the HPAScaleToZero gate, off by default). */
static char *
case_text(const struct yt_node *in, const struct yt_node *cp, const char **why)
{
	const struct yt_node *ml = yt_get(in, "metrics");
	static const char *const types[] = { "Resource", "ContainerResource", "Pods",
		"Object", "External", NULL };
	for (size_t i = 0; i < len_of(ml); i++) {
		const char *t = txt(ml->items[i], "type");
		bool known = false;
		for (int k = 0; types[k] != NULL; k++)
			known = known || strcmp(t, types[k]) == 0;
		const struct yt_node *fe = yt_get(ml->items[i], "fetch_error");
		if (!known) {
			*why = "a metric type the API server rejects";
			return NULL;
		}
		if (fe != NULL && !yt_is_null(fe) && strcmp(fe->str, "false") != 0) {
			*why = "a failing metrics API";
			return NULL;
		}
	}
	if (str_of(in, "min_replicas") != NULL && int_of(in, "min_replicas", 1) == 0) {
		*why = "minReplicas 0 (HPAScaleToZero)";
		return NULL;
	}
	const char *kind = str_of(in, "scale_target_kind");
	if (kind == NULL)
		kind = "ReplicationController";
	char t1[32], t2[32];
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "now: %s\n", NOW_TEXT);
	ks_buf_printf(&b, "controller: {tolerance: %s, cpuInitializationPeriod: %llds, "
	    "initialReadinessDelay: %llds, downscaleStabilization: %llds, "
	    "scaleUpLimitFactor: %s, scaleUpLimitMinimum: %s}\n",
	    txt(cp, "tolerance"), (long long)int_of(cp, "cpu_initialization_period_s", 0),
	    (long long)int_of(cp, "delay_of_initial_readiness_status_s", 0),
	    (long long)int_of(cp, "downscale_stabilization_window_s", 0),
	    txt(cp, "scaleUpLimitFactor"), txt(cp, "scaleUpLimitMinimum"));
	ks_buf_printf(&b, "hpa:\n  apiVersion: autoscaling/v2\n"
	    "  kind: HorizontalPodAutoscaler\n"
	    "  metadata: {name: test-hpa, namespace: test-namespace}\n  spec:\n"
	    "    scaleTargetRef: {kind: %s, name: test-rc}\n", kind);
	if (str_of(in, "min_replicas") != NULL)
		ks_buf_printf(&b, "    minReplicas: %s\n", txt(in, "min_replicas"));
	ks_buf_printf(&b, "    maxReplicas: %s\n    metrics:\n", txt(in, "max_replicas"));
	for (size_t i = 0; i < len_of(ml); i++) {
		const struct yt_node *m = ml->items[i], *t = yt_get(m, "target");
		const char *ty = txt(m, "type");
		ks_buf_printf(&b, "      - type: %s\n", ty);
		if (strcmp(ty, "Resource") == 0 || strcmp(ty, "ContainerResource") == 0) {
			ks_buf_printf(&b, "        %s:\n          name: %s\n",
			    ty[0] == 'R' ? "resource" : "containerResource",
			    txt(m, "resource"));
			if (str_of(m, "container") != NULL)
				ks_buf_printf(&b, "          container: %s\n",
				    txt(m, "container"));
		} else {
			ks_buf_printf(&b, "        %s:\n          metric: {name: %s%s}\n",
			    strcmp(ty, "Pods") == 0 ? "pods" : strcmp(ty, "Object") == 0 ?
			    "object" : "external", txt(m, "metric"),
			    yt_get(m, "selector") != NULL && !yt_is_null(yt_get(m, "selector")) ?
			    ", selector: {}" : "");
			const struct yt_node *d = yt_get(m, "describedObject");
			if (d != NULL)
				ks_buf_printf(&b, "          describedObject: {apiVersion: %s, "
				    "kind: %s, name: %s}\n", txt(d, "apiVersion"),
				    txt(d, "kind"), txt(d, "name"));
		}
		ks_buf_puts(&b, "          target: ");
		emit_target(&b, t);
		ks_buf_puts(&b, "\n");
	}
	const struct yt_node *bh = yt_get(in, "behavior");
	if (bh != NULL && !yt_is_null(bh)) {
		ks_buf_puts(&b, "    behavior:\n");
		emit_rules(&b, "scaleUp", yt_get(bh, "scale_up"));
		emit_rules(&b, "scaleDown", yt_get(bh, "scale_down"));
		if (yt_is_null(yt_get(bh, "scale_up")) && yt_is_null(yt_get(bh, "scale_down")))
			ks_buf_puts(&b, "      {}\n");
	}
	ks_buf_printf(&b, "scale: {kind: %s, name: test-rc, specReplicas: %s, "
	    "statusReplicas: %s}\n", kind, txt(in, "spec_replicas"),
	    txt(in, "status_replicas"));

	/* Pods: two containers requesting half each; Ready LTT = start. */
	const struct yt_node *pl = yt_get(in, "pods");
	ks_buf_puts(&b, len_of(pl) ? "pods:\n" : "pods: []\n");
	for (size_t i = 0; i < len_of(pl); i++) {
		const struct yt_node *p = pl->items[i];
		const char *del = str_of(p, "deletion_timestamp_set");
		const char *ready = str_of(p, "ready");
		int64_t half = int_of(p, "cpu_request_milli", 0) / 2;
		const char *st = start_of(txt(p, "start"), t1, sizeof t1);
		ks_buf_printf(&b, "  - metadata: {name: %s, namespace: test-namespace%s%s}\n"
		    "    spec: {containers: [{name: container1, resources: {requests: "
		    "{cpu: %lldm}}}, {name: container2, resources: {requests: {cpu: "
		    "%lldm}}}]}\n"
		    "    status: {phase: %s, startTime: \"%s\", conditions: [{type: Ready, "
		    "status: \"%s\", lastTransitionTime: \"%s\"}]}\n",
		    txt(p, "name"), del != NULL && strcmp(del, "true") == 0 ?
		    ", deletionTimestamp: " : "", del != NULL && strcmp(del, "true") == 0 ?
		    ago(0, t2, sizeof t2) : "", (long long)half, (long long)half,
		    str_of(p, "phase") != NULL ? str_of(p, "phase") : "Running", st,
		    ready == NULL || strcmp(ready, "true") == 0 ? "True" : "False", st);
	}

	/* Reported levels: cpu samples, Pods values, the Object value, the
	 * External series. */
	const struct yt_node *ll = yt_get(in, "reported_levels_milli");
	size_t nl = len_of(ll);
	if (nl > 0)
		ks_buf_puts(&b, "podMetrics:\n");
	for (size_t i = 0; i < nl; i++) {
		int64_t lv = 0;
		char *cause = NULL;
		if (yt_int64(ll->items[i], &lv, &cause) < 0)
			free(cause);
		ks_buf_printf(&b, "  - metadata: {name: test-pod-%zu, namespace: "
		    "test-namespace}\n    timestamp: %s\n    window: 1m\n"
		    "    containers: [{name: container1, usage: {cpu: %lldm}}, "
		    "{name: container2, usage: {cpu: %lldm}}]\n", i, NOW_TEXT,
		    (long long)(lv / 2), (long long)(lv / 2));
	}
	if (nl > 0) {
		const char *const sect[] = { "Pods", "Object", "External" };
		const char *const keys[] = { "pods", "object", "external" };
		ks_buf_puts(&b, "customMetrics:\n");
		for (int k = 0; k < 3; k++) {
			ks_buf_printf(&b, "  %s:\n", keys[k]);
			for (size_t i = 0; i < len_of(ml); i++) {
				const char *ty = txt(ml->items[i], "type");
				const char *nm = txt(ml->items[i], "metric");
				if (strcmp(ty, sect[k]) != 0 || listed(ml, i, ty, nm))
					continue;
				ks_buf_printf(&b, "    %s: ", nm);
				if (k == 1)
					ks_buf_printf(&b, "%sm\n", ll->items[0]->str);
				else {
					ks_buf_puts(&b, k == 0 ? "{" : "[");
					for (size_t j = 0; j < nl; j++) {
						if (k == 0)
							ks_buf_printf(&b, "%stest-pod-%zu: %sm",
							    j ? ", " : "", j, ll->items[j]->str);
						else
							ks_buf_printf(&b, "%s%sm", j ? ", " : "",
							    ll->items[j]->str);
					}
					ks_buf_puts(&b, k == 0 ? "}\n" : "]\n");
				}
			}
		}
	}
	const struct yt_node *recs = yt_get(in, "recommendations");
	if (recs != NULL && !yt_is_null(recs)) {
		ks_buf_puts(&b, "history:\n  recommendations: [");
		for (size_t i = 0; i < len_of(recs); i++)
			ks_buf_printf(&b, "%s{replicas: %s, timestamp: %s}", i ? ", " : "",
			    txt(recs->items[i], "replicas"),
			    ago(int_of(recs->items[i], "age_s", 0), t1, sizeof t1));
		ks_buf_puts(&b, "]\n");
	}
	return ks_buf_take(&b);
}

static void
replay_case(const struct yt_node *c, const struct yt_node *cp, size_t *nskip)
{
	const char *cname = str_of(c, "name");
	const struct yt_node *ex = yt_get(c, "expected");
	const char *why = NULL;
	char *text = case_text(yt_get(c, "inputs"), cp, &why);
	if (text == NULL) {
		printf("not expressible as a case file: %s (%s)\n", cname, why);
		(*nskip)++;
		return;
	}
	struct hpa_case *hc = NULL;
	char *cause = NULL;
	if (hpa_case_parse(cname, text, strlen(text), &hc, &cause) != 0) {
		FAILF("%s: %s\n%s", cname, cause, text);
		free(cause);
		free(text);
		return;
	}
	struct hpa_result r;
	hpa_reconcile(&hc->cfg, &hc->in, &hc->state, &r);
	int64_t want = int_of(ex, "desired_replicas", -1);
	if (r.desired_replicas == want)
		PASS();
	else
		FAILF("%s: desired %d, want %lld\n%s", cname, (int)r.desired_replicas,
		    (long long)want, text);
	if (str_of(ex, "cpu_current_utilization_percent") != NULL) {
		int64_t wu = int_of(ex, "cpu_current_utilization_percent", -1);
		bool ok = false;
		for (size_t i = 0; i < r.nmetrics; i++)
			if (r.metrics[i].has_utilization) {
				ok = r.metrics[i].utilization == wu;
				break;
			}
		if (ok)
			PASS();
		else
			FAILF("%s: utilization, want %lld", cname, (long long)wu);
	}
	const struct yt_node *conds = yt_get(ex, "conditions");
	for (int t = 0; t < HPA_NCOND; t++) {
		const char *w = str_of(conds, hpa_cond_name((enum hpa_cond_type)t));
		if (w == NULL)
			continue;
		char got[80];
		snprintf(got, sizeof got, "%s/%s", r.cond[t].set ? (r.cond[t].status ?
		    "True" : "False") : "(unset)", r.cond[t].reason);
		if (strcmp(got, w) == 0)
			PASS();
		else
			FAILF("%s: %s = %s, want %s", cname,
			    hpa_cond_name((enum hpa_cond_type)t), got, w);
	}
	hpa_result_fini(&r);
	hpa_case_free(hc);
	free(text);
}

static void
test_replay(void)
{
	const char *path = tl_fidelity("hpa_replica_calc.json");
	struct yt_docs d;
	char *cause = NULL;
	if (yt_parse_file(path, &d, &cause) != 0) {
		FAILF("%s", cause);
		free(cause);
		return;
	}
	const struct yt_node *root = d.docs[0];
	const struct yt_node *cp = yt_get(yt_get(root, "controller_harness"),
	    "controller_parameters");
	const struct yt_node *cc = yt_get(root, "controller_reconcile_cases");
	size_t nskip = 0;
	for (size_t i = 0; i < len_of(cc); i++)
		replay_case(cc->items[i], cp, &nskip);
	printf("controller cases as case files: %zu replayed, %zu not expressible\n",
	    len_of(cc) - nskip, nskip);
	CHECK(len_of(cc) > 0 && nskip * 4 < len_of(cc));
	yt_docs_free(&d);
}

int
main(void)
{
	test_rfc3339();
	test_read();
	test_bad();
	test_replay();
	return tl_finish();
}
