/*
 * test_fidelity_hpa.c - replays every case of tests/fidelity/hpa_replica_calc.json
 * (replica calculator, groupPods, calculateRequests, controller reconciles)
 * and hpa_behavior.json (normalization, limits, scale events, defaulting),
 * taken from upstream's unit tests, through models/hpa/hpa.h, asserting the
 * recorded values exactly. Each JSON's harness block sets the parameters.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "models/api/k8s.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define NOW	(1000 * SIM_HOUR)	/* "now" of every case */

static int skipped;

/* ---- JSON helpers ------------------------------------------------------ */

static bool
is_null(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n == NULL || yt_is_null(n);
}

static const char *
get_str(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n != NULL && n->kind == YT_SCALAR && !yt_is_null(n) ? n->str : NULL;
}

static size_t
seq_len(const struct yt_node *n)
{
	return n != NULL && n->kind == YT_SEQ ? n->n : 0;
}

/* Compares and reports with the case name. */
static bool
expect_i64(const char *cname, const char *what, int64_t got, int64_t want)
{
	if (got == want) {
		PASS();
		return true;
	}
	FAILF("%s: %s = %lld, want %lld", cname, what, (long long)got,
	    (long long)want);
	return false;
}

static void
expect_str(const char *cname, const char *what, const char *got, const char *want)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		PASS();
	else
		FAILF("%s: %s = \"%s\", want \"%s\"", cname, what, got ? got : "(null)",
		    want ? want : "(null)");
}

static sim_ns
ago(int64_t age_s)
{
	return NOW - age_s * SIM_SEC;
}

static enum hpa_pod_phase
phase_of(const char *s)
{
	if (s == NULL || strcmp(s, "Running") == 0)
		return HPA_POD_RUNNING;
	if (strcmp(s, "Pending") == 0)
		return HPA_POD_PENDING;
	if (strcmp(s, "Succeeded") == 0)
		return HPA_POD_SUCCEEDED;
	if (strcmp(s, "Failed") == 0)
		return HPA_POD_FAILED;
	return HPA_POD_UNKNOWN;
}

static enum hpa_ready
ready_of_status(const char *s)
{
	if (s == NULL)
		return HPA_READY_NONE;
	if (strcmp(s, "True") == 0)
		return HPA_READY_TRUE;
	if (strcmp(s, "False") == 0)
		return HPA_READY_FALSE;
	return HPA_READY_UNKNOWN;
}

/* Harness start times: hot = now, cool = now - 3m, unset = the zero time. */
static void
set_start(struct hpa_pod *p, const char *start)
{
	p->has_start = true;
	if (start == NULL)
		p->has_start = false;
	else if (strcmp(start, "hot") == 0)
		p->start = NOW;
	else if (strcmp(start, "cool") == 0)
		p->start = NOW - 3 * SIM_MIN;
	else
		p->start = HPA_TIME_ZERO;
}

static void
set_cpu(struct k8s_resources *r, const struct yt_node *m, const char *key)
{
	memset(r, 0, sizeof *r);
	if (!is_null(m, key)) {
		r->has_cpu = true;
		r->cpu_milli = tv_i64(m, key, 0);
	}
}

/* Containers of a fixture pod: containers, then init containers. */
static struct hpa_container *
fixture_containers(const struct yt_node *pod, size_t *n)
{
	const struct yt_node *cs = yt_get(pod, "containers");
	const struct yt_node *is = yt_get(pod, "init_containers");
	size_t nc = seq_len(cs), ni = seq_len(is);
	struct hpa_container *v = xcalloc(nc + ni + 1, sizeof *v);
	for (size_t i = 0; i < nc; i++) {
		v[i].name = get_str(cs->items[i], "name");
		set_cpu(&v[i].requests, cs->items[i], "cpu_request_milli");
	}
	for (size_t i = 0; i < ni; i++) {
		const struct yt_node *c = is->items[i];
		const char *rp = get_str(c, "restart_policy");
		if (rp == NULL)
			rp = get_str(c, "restartPolicy");
		v[nc + i].name = get_str(c, "name");
		set_cpu(&v[nc + i].requests, c, "cpu_request_milli");
		v[nc + i].init = true;
		v[nc + i].restartable = tv_bool(c, "restartable", false) ||
		    (rp != NULL && strcmp(rp, "Always") == 0);
	}
	*n = nc + ni;
	return v;
}

static void
free_pods(struct hpa_pod *pods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)pods[i].containers);
		free((void *)pods[i].pod_requests);
	}
	free(pods);
}

/* ---- replica calculator cases ------------------------------------------ */

/* The replica-calculator harness: Ready LTT is the zero time. */
static struct hpa_pod *
calc_pods(const struct yt_node *list, size_t *n)
{
	*n = seq_len(list);
	struct hpa_pod *pods = xcalloc(*n + 1, sizeof *pods);
	for (size_t i = 0; i < *n; i++) {
		const struct yt_node *p = list->items[i];
		struct hpa_pod *q = &pods[i];
		q->name = get_str(p, "name");
		q->phase = phase_of(get_str(p, "phase"));
		q->deleting = tv_bool(p, "deletion_timestamp_set", false);
		const struct yt_node *rc = yt_get(p, "ready_condition");
		if (rc == NULL || yt_is_null(rc))
			q->ready = HPA_READY_NONE;
		else if (rc->kind == YT_MAP)
			q->ready = ready_of_status(get_str(rc, "status"));
		else
			q->ready = tv_bool(p, "ready_condition", true) ?
			    HPA_READY_TRUE : HPA_READY_FALSE;
		q->ready_since = HPA_TIME_ZERO;
		set_start(q, get_str(p, "start"));
		q->containers = fixture_containers(p, &q->ncontainers);
	}
	return pods;
}

/* PodMetrics: zero timestamp, 1m window; a null usage is a missing one. */
static struct hpa_pod_sample *
calc_samples(const struct yt_node *list, size_t *n)
{
	*n = seq_len(list);
	struct hpa_pod_sample *s = xcalloc(*n + 1, sizeof *s);
	for (size_t i = 0; i < *n; i++) {
		const struct yt_node *m = list->items[i];
		const struct yt_node *cs = yt_get(m, "containers");
		size_t nc = seq_len(cs);
		struct hpa_container_usage *u = xcalloc(nc + 1, sizeof *u);
		for (size_t j = 0; j < nc; j++) {
			u[j].name = get_str(cs->items[j], "name");
			set_cpu(&u[j].usage, cs->items[j], "cpu_usage_milli");
		}
		s[i].pod = get_str(m, "pod");
		s[i].timestamp = HPA_TIME_ZERO;
		s[i].window = 60 * SIM_SEC;
		s[i].containers = u;
		s[i].ncontainers = nc;
	}
	return s;
}

static void
free_samples(struct hpa_pod_sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)s[i].containers);
	free(s);
}

static int64_t *
levels(const struct yt_node *in, size_t *n)
{
	const struct yt_node *l = yt_get(in, "metric_levels_milli");
	*n = seq_len(l);
	int64_t *v = xcalloc(*n + 1, sizeof *v);
	for (size_t i = 0; i < *n; i++) {
		char *cause = NULL;
		if (yt_int64(l->items[i], &v[i], &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
		}
	}
	return v;
}

static void
run_calc_case(const struct yt_node *c, const struct hpa_config *cfg)
{
	const char *cname = tv_case_name(c);
	const char *fn = get_str(c, "function");
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	const struct yt_node *tn = yt_get(in, "tolerance");
	struct hpa_tolerances tol = { tv_dbl(tn, "scale_down", 0.1),
	    tv_dbl(tn, "scale_up", 0.1) };
	int32_t current = (int32_t)tv_i64(in, "current_replicas", 0);
	size_t npods, nsamples, nlev;
	struct hpa_pod *pods = calc_pods(yt_get(in, "pods"), &npods);
	struct hpa_pod_sample *samples = calc_samples(yt_get(in, "pod_metrics"),
	    &nsamples);
	int64_t *lev = levels(in, &nlev);
	struct hpa_calc calc = { .cfg = cfg, .now = NOW, .namespace = "test-namespace",
	    .pods = pods, .npods = npods };
	const char *container = get_str(in, "container");
	int64_t tv = tv_i64(in, "target_value_milli",
	    tv_i64(in, "target_average_value_milli", 0));
	int64_t tav = tv_i64(in, "target_average_value_milli", tv);
	struct hpa_calc_out o;
	char *err = NULL;
	int rc = -1;
	memset(&o, 0, sizeof o);

	if (fn == NULL)
		FAILF("%s: no function", cname);
	else if (strcmp(fn, "GetResourceReplicas") == 0 &&
	    is_null(in, "target_utilization_percent"))
		rc = hpa_raw_resource_replicas(&calc, current, tav, "cpu", container,
		    tol, samples, nsamples, &o, &err);
	else if (strcmp(fn, "GetResourceReplicas") == 0)
		rc = hpa_resource_replicas(&calc, current,
		    (int32_t)tv_i64(in, "target_utilization_percent", 0), "cpu",
		    container, tol, samples, nsamples, &o, &err);
	else if (strcmp(fn, "GetRawResourceReplicas") == 0)
		rc = hpa_raw_resource_replicas(&calc, current, tav, "cpu", container,
		    tol, samples, nsamples, &o, &err);
	else if (strcmp(fn, "GetMetricReplicas") == 0) {
		struct hpa_pod_metric *pv = xcalloc(nlev + 1, sizeof *pv);
		char (*names)[32] = xcalloc(nlev + 1, sizeof *names);
		for (size_t i = 0; i < nlev; i++) {
			snprintf(names[i], sizeof names[i], "test-pod-%zu", i);
			pv[i] = (struct hpa_pod_metric){ .pod = names[i], .value = lev[i],
			    .timestamp = HPA_TIME_ZERO, .window = 60 * SIM_SEC };
		}
		rc = hpa_pods_metric_replicas(&calc, current, tv, "qps", tol, pv,
		    nlev, &o, &err);
		free(pv);
		free(names);
	} else if (strcmp(fn, "GetObjectMetricReplicas") == 0)
		rc = hpa_object_replicas(&calc, current, tv, nlev ? lev[0] : 0, tol,
		    &o, &err);
	else if (strcmp(fn, "GetObjectPerPodMetricReplicas") == 0)
		rc = hpa_object_per_pod_replicas(current, tav, nlev ? lev[0] : 0, tol,
		    &o);
	else if (strcmp(fn, "GetExternalMetricReplicas") == 0)
		rc = hpa_external_replicas(&calc, current, tv, lev, nlev, tol, &o, &err);
	else if (strcmp(fn, "GetExternalPerPodMetricReplicas") == 0)
		rc = hpa_external_per_pod_replicas(current, tav, lev, nlev, tol, &o);
	else
		FAILF("%s: unknown function %s", cname, fn);

	const char *want_err = get_str(ex, "error_contains");
	if (want_err != NULL) {
		if (rc != 0 && err != NULL && strstr(err, want_err) != NULL)
			PASS();
		else
			FAILF("%s: error \"%s\", want one containing \"%s\"", cname,
			    err ? err : "(none)", want_err);
	} else if (rc != 0) {
		FAILF("%s: unexpected error: %s", cname, err ? err : "?");
	} else {
		if (!is_null(ex, "replicas"))
			expect_i64(cname, "replicas", o.replicas,
			    tv_i64(ex, "replicas", 0));
		if (!is_null(ex, "utilization_percent"))
			expect_i64(cname, "utilization", o.utilization,
			    tv_i64(ex, "utilization_percent", 0));
		if (!is_null(ex, "raw_value_milli"))
			expect_i64(cname, "raw value", o.usage,
			    tv_i64(ex, "raw_value_milli", 0));
		if (!is_null(ex, "usage_milli"))
			expect_i64(cname, "usage", o.usage, tv_i64(ex, "usage_milli", 0));
	}
	free(err);
	free(lev);
	free_samples(samples, nsamples);
	free_pods(pods, npods);
}

/* ---- groupPods ----------------------------------------------------------- */

static bool
names_match(const char *cname, const char *what, const struct hpa_pod *pods,
    const size_t *idx, size_t n, const struct yt_node *want)
{
	bool ok = n == seq_len(want);
	for (size_t i = 0; ok && i < seq_len(want); i++) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(pods[idx[j]].name, want->items[i]->str) == 0)
				found = true;
		ok = found;
	}
	if (ok)
		PASS();
	else
		FAILF("%s: %s pods differ (%zu, want %zu)", cname, what, n,
		    seq_len(want));
	return ok;
}

static void
run_group_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	const struct yt_node *pl = yt_get(in, "pods");
	const struct yt_node *ml = yt_get(in, "metrics");
	size_t np = seq_len(pl), nm = seq_len(ml);
	struct hpa_pod *pods = xcalloc(np + 1, sizeof *pods);
	struct hpa_pod_metric *ms = xcalloc(nm + 1, sizeof *ms);
	for (size_t i = 0; i < np; i++) {
		const struct yt_node *p = pl->items[i];
		const struct yt_node *rc = yt_get(p, "ready_condition");
		pods[i].name = get_str(p, "name");
		pods[i].phase = phase_of(get_str(p, "phase"));
		pods[i].deleting = tv_bool(p, "deletion_timestamp_set", false);
		pods[i].has_start = !is_null(p, "start_time_s");
		pods[i].start = NOW + tv_i64(p, "start_time_s", 0) * SIM_SEC;
		if (rc == NULL || yt_is_null(rc))
			pods[i].ready = HPA_READY_NONE;
		else {
			pods[i].ready = ready_of_status(get_str(rc, "status"));
			pods[i].ready_since = is_null(rc, "last_transition_time_s") ?
			    HPA_TIME_ZERO :
			    NOW + tv_i64(rc, "last_transition_time_s", 0) * SIM_SEC;
		}
	}
	for (size_t i = 0; i < nm; i++) {
		const struct yt_node *m = ml->items[i];
		ms[i].pod = get_str(m, "pod");
		ms[i].value = tv_i64(m, "value", 0);
		ms[i].timestamp = is_null(m, "timestamp_s") ? HPA_TIME_ZERO :
		    NOW + tv_i64(m, "timestamp_s", 0) * SIM_SEC;
		ms[i].window = tv_i64(m, "window_s", 0) * SIM_SEC;
	}
	struct hpa_groups g;
	hpa_group_pods(pods, np, ms, nm, get_str(in, "resource"),
	    tv_i64(in, "cpu_initialization_period_s", 120) * SIM_SEC,
	    tv_i64(in, "delay_of_initial_readiness_status_s", 10) * SIM_SEC, NOW, &g);
	expect_i64(cname, "ready count", g.ready_count,
	    tv_i64(ex, "ready_pod_count", 0));
	names_match(cname, "unready", pods, g.unready, g.nunready,
	    yt_get(ex, "unready_pods"));
	names_match(cname, "missing", pods, g.missing, g.nmissing,
	    yt_get(ex, "missing_pods"));
	names_match(cname, "ignored", pods, g.ignored, g.nignored,
	    yt_get(ex, "ignored_pods"));
	hpa_groups_fini(&g);
	free(ms);
	free(pods);
}

/* ---- calculateRequests --------------------------------------------------- */

static void
run_requests_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	const struct yt_node *one = yt_get(in, "pod");
	const struct yt_node *many = yt_get(in, "pods");
	size_t np = one != NULL && one->kind == YT_MAP ? 1 : seq_len(many);
	struct hpa_pod *pods = xcalloc(np + 1, sizeof *pods);
	for (size_t i = 0; i < np; i++) {
		const struct yt_node *p = one != NULL && one->kind == YT_MAP ? one :
		    many->items[i];
		pods[i].name = get_str(p, "name");
		pods[i].phase = HPA_POD_RUNNING;
		pods[i].containers = fixture_containers(p, &pods[i].ncontainers);
		if (!is_null(p, "pod_level_cpu_request_milli")) {
			struct k8s_resources *r = xcalloc(1, sizeof *r);
			set_cpu(r, p, "pod_level_cpu_request_milli");
			pods[i].pod_requests = r;
		}
	}
	bool gate = tv_bool(in, "pod_level_resources_feature_gate", false);
	const char *res = get_str(in, "resource");
	const char *container = get_str(in, "container");
	const char *want_err = get_str(ex, "error");
	const struct yt_node *want = yt_get(ex, "requests_milli");
	size_t matched = 0;
	for (size_t i = 0; i < np; i++) {
		int64_t v = 0;
		char *err = NULL;
		int rc = hpa_pod_request(&pods[i], container, res ? res : "cpu", gate,
		    &v, &err);
		if (want_err != NULL) {
			if (rc != 0)
				expect_str(cname, "error", err, want_err);
			else
				FAILF("%s: no error, want \"%s\"", cname, want_err);
			if (!is_null(ex, "request_milli"))
				expect_i64(cname, "request", rc != 0 ? 0 : v,
				    tv_i64(ex, "request_milli", 0));
		} else if (rc != 0)
			FAILF("%s: unexpected error %s", cname, err);
		else if (want != NULL && !is_null(want, pods[i].name)) {
			expect_i64(cname, pods[i].name, v, tv_i64(want, pods[i].name, 0));
			matched++;
		}
		free(err);
	}
	if (want_err == NULL && want != NULL && want->kind == YT_MAP)
		expect_i64(cname, "pods with requests", matched, want->n);
	free_pods(pods, np);
}

/* ---- behavior helpers ---------------------------------------------------- */

/* An HPAScalingRules object; returns false for null. policies owned by r. */
static bool
parse_rules(const struct yt_node *n, struct hpa_rules *r)
{
	memset(r, 0, sizeof *r);
	if (n == NULL || yt_is_null(n))
		return false;
	if (!is_null(n, "stabilizationWindowSeconds")) {
		r->has_stabilization = true;
		r->stabilization_s = (int32_t)tv_i64(n, "stabilizationWindowSeconds", 0);
	}
	const char *sel = get_str(n, "selectPolicy");
	r->select = sel == NULL || strcmp(sel, "Max") == 0 ? HPA_SELECT_MAX :
	    strcmp(sel, "Min") == 0 ? HPA_SELECT_MIN : HPA_SELECT_DISABLED;
	const struct yt_node *ps = yt_get(n, "policies");
	r->npolicies = seq_len(ps);
	r->policies = xcalloc(r->npolicies + 1, sizeof *r->policies);
	for (size_t i = 0; i < r->npolicies; i++) {
		const char *t = get_str(ps->items[i], "type");
		r->policies[i].type = t != NULL && strcmp(t, "Pods") == 0 ?
		    HPA_POLICY_PODS : HPA_POLICY_PERCENT;
		r->policies[i].value = (int32_t)tv_i64(ps->items[i], "value", 0);
		r->policies[i].period_s = (int32_t)tv_i64(ps->items[i],
		    "periodSeconds", 0);
	}
	if (!is_null(n, "tolerance")) {
		r->has_tolerance = true;
		r->tolerance = tv_dbl(n, "tolerance", 0);
	}
	return true;
}

static void
add_events(struct hpa_state *s, bool up, const struct yt_node *list)
{
	for (size_t i = 0; i < seq_len(list); i++) {
		const struct yt_node *e = list->items[i];
		hpa_state_add_event(s, up, (int32_t)tv_i64(e, "replica_change", 0),
		    ago(tv_i64(e, "age_s", 0)), tv_bool(e, "outdated", false));
	}
}

static void
add_recs(struct hpa_state *s, const struct yt_node *list)
{
	for (size_t i = 0; i < seq_len(list); i++)
		hpa_state_add_rec(s, (int32_t)tv_i64(list->items[i], "replicas", 0),
		    ago(tv_i64(list->items[i], "age_s", 0)));
}

static const char *
select_name(enum hpa_select s)
{
	return s == HPA_SELECT_MAX ? "Max" : s == HPA_SELECT_MIN ? "Min" : "Disabled";
}

/* The effective rules must equal the JSON's (policies, select, window). */
static void
check_rules(const char *cname, const struct hpa_rules *got,
    const struct yt_node *want)
{
	struct hpa_rules w;
	parse_rules(want, &w);
	bool ok = got->npolicies == w.npolicies && got->select == w.select &&
	    got->has_stabilization == w.has_stabilization &&
	    (!w.has_stabilization || got->stabilization_s == w.stabilization_s);
	for (size_t i = 0; ok && i < w.npolicies; i++)
		ok = got->policies[i].type == w.policies[i].type &&
		    got->policies[i].value == w.policies[i].value &&
		    got->policies[i].period_s == w.policies[i].period_s;
	if (ok)
		PASS();
	else
		FAILF("%s: effective rules differ (%zu policies, select %s)", cname,
		    got->npolicies, select_name(got->select));
	free(w.policies);
}

static void
check_recs(const char *cname, const struct hpa_state *s, const struct yt_node *want)
{
	if (want == NULL)
		return;
	bool ok = s->nrecs == seq_len(want);
	for (size_t i = 0; ok && i < s->nrecs; i++) {
		int64_t v = 0;
		char *cause = NULL;
		if (yt_int64(want->items[i], &v, &cause) < 0)
			free(cause);
		ok = s->recs[i].replicas == v;
	}
	if (ok)
		PASS();
	else
		FAILF("%s: recommendations after differ (%zu, want %zu)", cname,
		    s->nrecs, seq_len(want));
}

/* ---- hpa_behavior.json ----------------------------------------------- */

static void
run_rules_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	struct hpa_rules rup, rdown, up, down;
	struct hpa_policy bu[2], bd[2];
	bool hu = parse_rules(yt_get(in, "scale_up_rules"), &rup);
	bool hd = parse_rules(yt_get(in, "scale_down_rules"), &rdown);
	hpa_rules_effective(hu ? &rup : NULL, true, bu, &up);
	hpa_rules_effective(hd ? &rdown : NULL, false, bd, &down);
	if (!is_null(in, "effective_scale_up_rules"))
		check_rules(cname, &up, yt_get(in, "effective_scale_up_rules"));
	if (!is_null(in, "effective_scale_down_rules"))
		check_rules(cname, &down, yt_get(in, "effective_scale_down_rules"));
	struct hpa_state s;
	hpa_state_init(&s);
	add_events(&s, true, yt_get(in, "scale_up_events"));
	add_events(&s, false, yt_get(in, "scale_down_events"));
	const char *reason, *msg;
	int32_t got = hpa_convert_with_behavior_rate(&s, NOW, &up, &down,
	    (int32_t)tv_i64(in, "current_replicas", 0),
	    (int32_t)tv_i64(in, "prenormalized_desired_replicas", 0),
	    (int32_t)tv_i64(in, "min_replicas", 1),
	    (int32_t)tv_i64(in, "max_replicas", 0), &reason, &msg);
	int64_t want = tv_i64(ex, "replicas", -1);
	const char *wreason = get_str(ex, "condition_reason");
	if (tv_bool(c, "upstream_skipped", false)) {
		skipped++;
		printf("SKIP (upstream skips it): %s (got %d %s, recorded %lld %s)\n",
		    cname, (int)got, reason, (long long)want, wreason ? wreason : "");
	} else {
		expect_i64(cname, "replicas", got, want);
		if (wreason != NULL)
			expect_str(cname, "reason", reason, wreason);
	}
	hpa_state_fini(&s);
	free(rup.policies);
	free(rdown.policies);
}

static void
run_legacy_stabilize_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	struct hpa_state s;
	hpa_state_init(&s);
	add_recs(&s, yt_get(in, "recommendations"));
	int32_t got = hpa_stabilize_legacy(&s, NOW,
	    tv_i64(in, "downscale_stabilization_window_s", 300) * SIM_SEC,
	    (int32_t)tv_i64(in, "prenormalized_desired_replicas", 0));
	expect_i64(cname, "stabilized", got, tv_i64(ex, "stabilized_replicas", -1));
	if (!is_null(ex, "recommendation_log_length"))
		expect_i64(cname, "log length", s.nrecs,
		    tv_i64(ex, "recommendation_log_length", -1));
	check_recs(cname, &s, yt_get(ex, "recommendations_after"));
	hpa_state_fini(&s);
}

static void
run_stabilize_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	struct hpa_state s;
	hpa_state_init(&s);
	add_recs(&s, yt_get(in, "recommendations"));
	const char *reason, *msg;
	int32_t got = hpa_stabilize_with_behaviors(&s, NOW,
	    (int32_t)tv_i64(in, "current_replicas", 0),
	    (int32_t)tv_i64(in, "prenormalized_desired_replicas", 0),
	    tv_i64(in, "scale_up_stabilization_window_s", 0),
	    tv_i64(in, "scale_down_stabilization_window_s", 0), &reason, &msg);
	expect_i64(cname, "stabilized", got, tv_i64(ex, "stabilized_replicas", -1));
	check_recs(cname, &s, yt_get(ex, "recommendations_after"));
	hpa_state_fini(&s);
}

static void
run_legacy_convert_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	const char *reason, *msg;
	int32_t got = hpa_convert_with_rules((int32_t)tv_i64(in, "current_replicas", 0),
	    (int32_t)tv_i64(in, "desired_replicas", 0),
	    (int32_t)tv_i64(in, "min_replicas", 0),
	    (int32_t)tv_i64(in, "max_replicas", 0),
	    tv_dbl(in, "scaleUpLimitFactor", 2.0),
	    tv_dbl(in, "scaleUpLimitMinimum", 4.0), &reason, &msg);
	expect_i64(cname, "replicas", got, tv_i64(ex, "replicas", -1));
	expect_str(cname, "reason", reason, get_str(ex, "condition_reason"));
}

static void
run_limit_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const char *fn = get_str(c, "function");
	const struct yt_node *in = yt_get(c, "inputs");
	struct hpa_rules r;
	parse_rules(yt_get(in, "rules"), &r);
	struct hpa_state s;
	hpa_state_init(&s);
	add_events(&s, true, yt_get(in, "scale_up_events"));
	add_events(&s, false, yt_get(in, "scale_down_events"));
	int32_t cur = (int32_t)tv_i64(in, "current_replicas", 0);
	int32_t got = fn != NULL && strstr(fn, "Down") != NULL ?
	    hpa_scale_down_limit(cur, &s, &r, NOW) : hpa_scale_up_limit(cur, &s, &r, NOW);
	expect_i64(cname, "limit", got, tv_i64(yt_get(c, "expected"), "limit", -1));
	hpa_state_fini(&s);
	free(r.policies);
}

static void
run_store_events_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	struct hpa_rules r;
	bool has = parse_rules(yt_get(in, "behavior_rules"), &r);
	int32_t change = (int32_t)tv_i64(in, "replica_change", 0);
	int32_t prev = (int32_t)tv_i64(in, "prev_replicas", 0);
	for (int dir = 0; dir < 2; dir++) {
		bool up = dir == 0;
		struct hpa_state s;
		hpa_state_init(&s);
		add_events(&s, up, yt_get(in, "prev_scale_events"));
		const struct hpa_scale_event *ev = up ? s.up : s.down;
		size_t n = up ? s.nup : s.ndown;
		expect_i64(cname, "change in last 60s",
		    hpa_replicas_change_per_period(60, ev, n, NOW),
		    tv_i64(ex, "replicas_change_in_last_60s_before_store", -1));
		hpa_store_scale_event(&s, has ? &r : NULL, prev,
		    up ? prev + change : prev - change, NOW);
		ev = up ? s.up : s.down;
		n = up ? s.nup : s.ndown;
		const struct yt_node *want = yt_get(ex, "events_after_store");
		bool ok = n == seq_len(want) && (up ? s.ndown : s.nup) == 0;
		for (size_t i = 0; ok && i < n; i++) {
			const struct yt_node *w = want->items[i];
			ok = ev[i].change == tv_i64(w, "replica_change", -1) &&
			    ev[i].at == ago(tv_i64(w, "age_s", -1)) &&
			    ev[i].outdated == tv_bool(w, "outdated", false);
		}
		if (ok)
			PASS();
		else
			FAILF("%s (%s): events after store differ (%zu, want %zu)",
			    cname, up ? "up" : "down", n, seq_len(want));
		hpa_state_fini(&s);
	}
	free(r.policies);
}

static void
run_defaulting_case(const struct yt_node *c)
{
	const char *cname = tv_case_name(c);
	const char *fn = get_str(c, "function");
	struct hpa_rules in, out;
	struct hpa_policy buf[2];
	parse_rules(yt_get(c, "inputs"), &in);
	bool up = fn != NULL && strstr(fn, "ScaleUp") != NULL;
	hpa_rules_effective(&in, up, buf, &out);
	check_rules(cname, &out, yt_get(c, "expected"));
	free(in.policies);
}

/* ---- controller reconciles --------------------------------------------- */

static enum hpa_metric_type
metric_type_of(const char *t)
{
	static const char *const names[] = { "Resource", "ContainerResource", "Pods",
	    "Object", "External" };
	for (int i = 0; i < 5; i++)
		if (t != NULL && strcmp(t, names[i]) == 0)
			return (enum hpa_metric_type)i;
	return (enum hpa_metric_type)99;	/* not a metric source type */
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
parse_metric(const struct yt_node *m, struct hpa_metric_spec *ms)
{
	memset(ms, 0, sizeof *ms);
	ms->type = metric_type_of(get_str(m, "type"));
	ms->resource = dup_or_null(get_str(m, "resource"));
	ms->container = dup_or_null(get_str(m, "container"));
	ms->metric_name = dup_or_null(get_str(m, "metric"));
	const struct yt_node *obj = yt_get(m, "describedObject");
	if (obj != NULL && obj->kind == YT_MAP) {
		ms->object_kind = dup_or_null(get_str(obj, "kind"));
		ms->object_name = dup_or_null(get_str(obj, "name"));
		ms->object_api_version = dup_or_null(get_str(obj, "apiVersion"));
	}
	ms->metric_selector.set = !is_null(m, "selector");
	const struct yt_node *t = yt_get(m, "target");
	const char *tt = t != NULL ? get_str(t, "type") : NULL;
	if (tt == NULL || strcmp(tt, "Utilization") == 0) {
		ms->target = HPA_UTILIZATION;
		ms->average_utilization = (int32_t)tv_i64(t, "averageUtilization", 80);
	} else if (strcmp(tt, "AverageValue") == 0) {
		ms->target = HPA_AVERAGE_VALUE;
		ms->average_value_milli = tv_i64(t, "averageValue_milli", 0);
	} else {
		ms->target = HPA_VALUE;
		ms->value_milli = tv_i64(t, "value_milli", 0);
	}
}

static bool
expect_cond(const char *cname, const struct hpa_result *r, enum hpa_cond_type t,
    const char *want)
{
	const struct hpa_condition *c = &r->cond[t];
	char got[80];
	snprintf(got, sizeof got, "%s/%s", c->set ? (c->status ? "True" : "False") :
	    "(unset)", c->reason);
	if (strcmp(got, want) == 0) {
		PASS();
		return true;
	}
	FAILF("%s: condition %s = %s, want %s", cname, hpa_cond_name(t), got, want);
	return false;
}

static void
run_controller_case(const struct yt_node *c, const struct hpa_config *cfg)
{
	const char *cname = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *ex = yt_get(c, "expected");
	struct hpa_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.name = xstrdup("test-hpa");
	spec.namespace = xstrdup("test-namespace");
	spec.target_kind = xstrdup("ReplicationController");
	spec.target_name = xstrdup("test-rc");
	spec.min_replicas = (int32_t)tv_i64(in, "min_replicas", 1);
	spec.has_min_replicas = !is_null(in, "min_replicas");
	spec.max_replicas = (int32_t)tv_i64(in, "max_replicas", 0);
	const struct yt_node *ml = yt_get(in, "metrics");
	spec.nmetrics = seq_len(ml);
	spec.metrics = xcalloc(spec.nmetrics + 1, sizeof *spec.metrics);
	for (size_t i = 0; i < spec.nmetrics; i++)
		parse_metric(ml->items[i], &spec.metrics[i]);
	const struct yt_node *bh = yt_get(in, "behavior");
	if (bh != NULL && !yt_is_null(bh)) {
		spec.has_behavior = true;
		spec.has_scale_up = parse_rules(yt_get(bh, "scale_up"), &spec.scale_up);
		spec.has_scale_down = parse_rules(yt_get(bh, "scale_down"),
		    &spec.scale_down);
	}
	hpa_spec_set_defaults(&spec);

	/* Pods: two containers each requesting half; LTT == start. */
	const struct yt_node *pl = yt_get(in, "pods");
	size_t np = seq_len(pl);
	struct hpa_pod *pods = xcalloc(np + 1, sizeof *pods);
	for (size_t i = 0; i < np; i++) {
		const struct yt_node *p = pl->items[i];
		struct hpa_container *ct = xcalloc(2, sizeof *ct);
		int64_t req = tv_i64(p, "cpu_request_milli", 0);
		ct[0].name = "container1";
		ct[1].name = "container2";
		for (int k = 0; k < 2; k++) {
			ct[k].requests.has_cpu = true;
			ct[k].requests.cpu_milli = req / 2;
		}
		pods[i].name = get_str(p, "name");
		pods[i].phase = phase_of(get_str(p, "phase"));
		pods[i].deleting = tv_bool(p, "deletion_timestamp_set", false);
		pods[i].ready = tv_bool(p, "ready", true) ? HPA_READY_TRUE :
		    HPA_READY_FALSE;
		set_start(&pods[i], get_str(p, "start"));
		pods[i].ready_since = pods[i].start;
		pods[i].containers = ct;
		pods[i].ncontainers = 2;
	}

	/* Reported levels: per-pod cpu (level/2 per container, now, 1m), per-pod
	 * Pods values, the Object's value, or the External series. */
	const struct yt_node *ll = yt_get(in, "reported_levels_milli");
	size_t nl = seq_len(ll);
	int64_t *lev = xcalloc(nl + 1, sizeof *lev);
	char (*names)[32] = xcalloc(nl + 1, sizeof *names);
	struct hpa_pod_sample *samples = xcalloc(nl + 1, sizeof *samples);
	struct hpa_container_usage *usage = xcalloc(2 * nl + 1, sizeof *usage);
	struct hpa_pod_metric *pv = xcalloc(nl + 1, sizeof *pv);
	for (size_t i = 0; i < nl; i++) {
		char *cause = NULL;
		if (yt_int64(ll->items[i], &lev[i], &cause) < 0) {
			FAILF("%s: %s", cname, cause);
			free(cause);
		}
		snprintf(names[i], sizeof names[i], "test-pod-%zu", i);
		for (int k = 0; k < 2; k++) {
			usage[2 * i + k].name = k == 0 ? "container1" : "container2";
			usage[2 * i + k].usage.has_cpu = true;
			usage[2 * i + k].usage.cpu_milli = lev[i] / 2;
		}
		samples[i] = (struct hpa_pod_sample){ .pod = names[i], .timestamp = NOW,
		    .window = 60 * SIM_SEC, .containers = &usage[2 * i], .ncontainers = 2 };
		pv[i] = (struct hpa_pod_metric){ .pod = names[i], .value = lev[i],
		    .timestamp = NOW, .window = 60 * SIM_SEC };
	}
	struct hpa_metric_input *mi = xcalloc(spec.nmetrics + 1, sizeof *mi);
	for (size_t i = 0; i < spec.nmetrics; i++) {
		mi[i].pod_values = pv;
		mi[i].npod_values = nl;
		mi[i].has_value = nl > 0;
		mi[i].value_milli = nl > 0 ? lev[0] : 0;
		mi[i].series_milli = lev;
		mi[i].nseries = nl;
		if (tv_bool(ml->items[i], "fetch_error", false))
			mi[i].fetch_error = "fake metrics API failure";
	}

	struct hpa_state st;
	hpa_state_init(&st);
	const struct yt_node *recs = yt_get(in, "recommendations");
	if (recs != NULL && !yt_is_null(recs)) {
		st.has_recs = true;
		add_recs(&st, recs);
	}
	add_events(&st, true, yt_get(in, "scale_up_events"));
	add_events(&st, false, yt_get(in, "scale_down_events"));

	struct hpa_input hin = { .spec = &spec,
	    .spec_replicas = (int32_t)tv_i64(in, "spec_replicas", 0),
	    .status_replicas = (int32_t)tv_i64(in, "status_replicas", 0),
	    .pods = pods, .npods = np, .samples = samples, .nsamples = nl,
	    .metric_inputs = mi, .now = NOW };
	struct hpa_result res;
	hpa_reconcile(cfg, &hin, &st, &res);

	expect_i64(cname, "desired replicas", res.desired_replicas,
	    tv_i64(ex, "desired_replicas", -1));
	if (!is_null(ex, "cpu_current_utilization_percent")) {
		bool found = false;
		for (size_t i = 0; i < res.nmetrics; i++)
			if (res.metrics[i].has_utilization && !found) {
				found = true;
				expect_i64(cname, "cpu utilization",
				    res.metrics[i].utilization,
				    tv_i64(ex, "cpu_current_utilization_percent", -1));
			}
		if (!found)
			FAILF("%s: no cpu utilization reported", cname);
	}
	const struct yt_node *conds = yt_get(ex, "conditions");
	for (int t = 0; t < HPA_NCOND; t++) {
		const char *w = conds != NULL ? get_str(conds, hpa_cond_name(t)) : NULL;
		if (w != NULL)
			expect_cond(cname, &res, (enum hpa_cond_type)t, w);
	}

	hpa_result_fini(&res);
	hpa_state_fini(&st);
	free(mi);
	free(pv);
	free(usage);
	free(samples);
	free(names);
	free(lev);
	free_pods(pods, np);
	hpa_spec_free(&spec);
}

/* ---- drivers ------------------------------------------------------------- */

static const struct yt_node *
section(const struct yt_node *root, const char *key, const char *file)
{
	const struct yt_node *s = yt_get(root, key);
	if (s == NULL || s->kind != YT_SEQ) {
		FAILF("%s: no section %s", file, key);
		return NULL;
	}
	return s;
}

static size_t
run_section(const struct yt_node *root, const char *key, const char *file,
    void (*fn)(const struct yt_node *))
{
	const struct yt_node *s = section(root, key, file);
	for (size_t i = 0; s != NULL && i < s->n; i++)
		fn(s->items[i]);
	return s != NULL ? s->n : 0;
}

static void
replay_replica_calc(void)
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

	struct hpa_config cfg;
	hpa_config_default(&cfg);
	const struct yt_node *h = yt_get(root, "replica_calc_harness");
	cfg.cpu_init_period = tv_i64(h, "cpu_initialization_period_s", 120) * SIM_SEC;
	cfg.initial_readiness_delay =
	    tv_i64(h, "delay_of_initial_readiness_status_s", 10) * SIM_SEC;
	cfg.pod_level_resources = false;
	const struct yt_node *cs = section(root, "cases", path);
	for (size_t i = 0; cs != NULL && i < cs->n; i++)
		run_calc_case(cs->items[i], &cfg);
	size_t ng = run_section(root, "group_pods_cases", path, run_group_case);
	size_t nr = run_section(root, "calculate_requests_cases", path,
	    run_requests_case);

	const struct yt_node *cp = yt_get(yt_get(root, "controller_harness"),
	    "controller_parameters");
	struct hpa_config ccfg;
	hpa_config_default(&ccfg);
	ccfg.tolerance = tv_dbl(cp, "tolerance", 0.1);
	ccfg.cpu_init_period = tv_i64(cp, "cpu_initialization_period_s", 120) * SIM_SEC;
	ccfg.initial_readiness_delay =
	    tv_i64(cp, "delay_of_initial_readiness_status_s", 10) * SIM_SEC;
	ccfg.downscale_stabilization =
	    tv_i64(cp, "downscale_stabilization_window_s", 300) * SIM_SEC;
	ccfg.scale_up_limit_factor = tv_dbl(cp, "scaleUpLimitFactor", 8.0);
	ccfg.scale_up_limit_minimum = tv_dbl(cp, "scaleUpLimitMinimum", 4.0);
	const struct yt_node *cc = section(root, "controller_reconcile_cases", path);
	for (size_t i = 0; cc != NULL && i < cc->n; i++)
		run_controller_case(cc->items[i], &ccfg);
	printf("hpa_replica_calc.json: %zu calculator, %zu groupPods, %zu requests, "
	    "%zu controller cases\n", cs ? cs->n : 0, ng, nr, cc ? cc->n : 0);
	yt_docs_free(&d);
}

static void
replay_behavior(void)
{
	const char *path = tl_fidelity("hpa_behavior.json");
	struct yt_docs d;
	char *cause = NULL;
	if (yt_parse_file(path, &d, &cause) != 0) {
		FAILF("%s", cause);
		free(cause);
		return;
	}
	const struct yt_node *root = d.docs[0];
	size_t n = 0;
	n += run_section(root, "scaling_with_rules_cases", path, run_rules_case);
	n += run_section(root, "legacy_stabilize_cases", path,
	    run_legacy_stabilize_case);
	n += run_section(root, "stabilize_with_behaviors_cases", path,
	    run_stabilize_case);
	n += run_section(root, "legacy_convert_cases", path, run_legacy_convert_case);
	n += run_section(root, "limit_function_cases", path, run_limit_case);
	n += run_section(root, "store_scale_events_cases", path,
	    run_store_events_case);
	n += run_section(root, "defaulting_cases", path, run_defaulting_case);
	printf("hpa_behavior.json: %zu cases (%d skipped upstream)\n", n, skipped);
	yt_docs_free(&d);
}

int
main(void)
{
	replay_replica_calc();
	replay_behavior();
	return tl_finish();
}
