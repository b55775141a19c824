/*
 * test_fidelity_job.c - replays every case of tests/fidelity/job.json (pod
 * failure back-off, finish times, indexed-job bookkeeping, finished-pod
 * counting, single syncJob calls, activeDeadlineSeconds), taken from
 * upstream's unit tests, through models/controller/job.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/job.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define BASE	(1000 * SIM_HOUR)	/* the tests' reference time */
#define LONG_AGO SIM_SEC		/* "year 1": before everything else */

static sim_ns
at_s(const struct yt_node *m, const char *key)
{
	return BASE + tv_i64(m, key, 0) * SIM_SEC;
}

static void
expect(const char *cname, const char *what, long long got, long long want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cname, what, got, want);
}

static void
expect_s(const char *cname, const char *what, const char *got, const char *want)
{
	if (strcmp(got ? got : "", want ? want : "") == 0)
		PASS();
	else
		FAILF("%s: %s = \"%s\", want \"%s\"", cname, what, got ? got : "",
		    want ? want : "");
}

static enum job_pod_phase
phase_of(const char *s)
{
	if (s == NULL || strcmp(s, "Pending") == 0 || *s == '\0')
		return JOB_POD_PENDING;
	if (strcmp(s, "Running") == 0)
		return JOB_POD_RUNNING;
	if (strcmp(s, "Succeeded") == 0)
		return JOB_POD_SUCCEEDED;
	if (strcmp(s, "Failed") == 0)
		return JOB_POD_FAILED;
	return JOB_POD_UNKNOWN;
}

/* A pod of the indexed-utility and sync tables. */
static void
read_pod(const struct yt_node *n, struct job_pod *p)
{
	memset(p, 0, sizeof *p);
	p->phase = phase_of(tv_str_or(n, "phase", NULL));
	p->ready = tv_bool(n, "ready", false);
	p->terminating = tv_bool(n, "terminating", false) || tv_bool(n, "deleting", false);
	p->index = job_parse_index(tv_str_or(n, "index", NULL));
	p->index_failures = job_parse_failure_count(tv_str_or(n, "failure_count",
	    tv_str_or(n, "index_failure_count", NULL)));
	p->counted = !tv_bool(n, "finalizer", true);
	p->finished_at = LONG_AGO;
}

static struct job_pod *
read_pods(const struct yt_node *l, size_t *n)
{
	*n = tv_seq_n(l);
	struct job_pod *pods = xcalloc(*n + 1, sizeof *pods);
	for (size_t i = 0; i < *n; i++)
		read_pod(l->items[i], &pods[i]);
	return pods;
}

static void
read_intervals(const struct yt_node *l, struct job_intervals *iv)
{
	iv->n = 0;
	for (size_t i = 0; i < tv_seq_n(l); i++) {
		const struct yt_node *x = l->items[i];
		int64_t a = 0, b = 0;
		char *cause = NULL;
		if (tv_seq_n(x) != 2 || yt_int64(x->items[0], &a, &cause) < 0 ||
		    yt_int64(x->items[1], &b, &cause) < 0) {
			FAILF("bad interval %s", cause ? cause : "");
			free(cause);
			continue;
		}
		KS_GROW(iv->v, iv->cap, iv->n + 1);
		iv->v[iv->n].first = (int32_t)a;
		iv->v[iv->n++].last = (int32_t)b;
	}
}

static void
expect_intervals(const char *cname, const char *what, const struct job_intervals *got,
    const struct yt_node *want)
{
	struct job_intervals w = { 0 };
	read_intervals(want, &w);
	char *g = job_intervals_format(got), *ws = job_intervals_format(&w);
	bool same = got->n == w.n;
	for (size_t i = 0; same && i < w.n; i++)
		same = got->v[i].first == w.v[i].first && got->v[i].last == w.v[i].last;
	if (same)
		PASS();
	else
		FAILF("%s: %s = [%s], want [%s]", cname, what, g, ws);
	free(g);
	free(ws);
	job_intervals_free(&w);
}

static struct job_gates
gates_of(const struct yt_node *c)
{
	const struct yt_node *fg = yt_get(c, "feature_gates");
	struct job_gates g = {
		.pod_replacement_policy = tv_bool(fg, "JobPodReplacementPolicy", false),
		.managed_by = tv_bool(fg, "JobManagedBy", false),
		.success_policy = tv_bool(fg, "JobSuccessPolicy", false),
	};
	return g;
}

/* ---- back-off and finish time ------------------------------------------- */

static void
run_backoff_remaining(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct job_backoff b = { (int32_t)tv_i64(in, "failures_after_last_success", 0),
		!tv_null(in, "last_failure_time"), at_s(in, "last_failure_time") };
	sim_ns got = job_backoff_remaining(&b, at_s(in, "now"),
	    tv_i64(in, "default_backoff_seconds", 10) * SIM_SEC,
	    tv_i64(in, "max_backoff_seconds", 360) * SIM_SEC);
	expect(tv_case_name(c), "remaining_ns", got,
	    tv_i64(yt_get(c, "expected"), "remaining_seconds", -1) * SIM_SEC);
}

static void
run_backoff_per_index(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *p = yt_get(in, "last_failed_pod");
	sim_ns got = 0;
	if (!tv_null(in, "last_failed_pod"))
		got = job_backoff_remaining_index((int32_t)tv_i64(p, "index_failure_count", 0),
		    (int32_t)tv_i64(p, "index_ignored_failure_count", 0), at_s(p, "finished_at"),
		    at_s(in, "now"), tv_i64(in, "default_backoff_seconds", 10) * SIM_SEC,
		    tv_i64(in, "max_backoff_seconds", 360) * SIM_SEC);
	expect(tv_case_name(c), "remaining_ns", got,
	    tv_i64(yt_get(c, "expected"), "remaining_seconds", -1) * SIM_SEC);
}

static size_t
read_ms(const struct yt_node *l, sim_ns *out)
{
	size_t n = tv_seq_n(l);
	for (size_t i = 0; i < n; i++) {
		int64_t v = 0;
		char *cause = NULL;
		if (yt_int64(l->items[i], &v, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
		}
		out[i] = BASE + v * SIM_MS;
	}
	return n;
}

static void
run_backoff_record(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *st = yt_get(in, "stored");
	const struct yt_node *ex = yt_get(c, "expected");
	struct job_backoff b = { 0 };
	if (!tv_null(in, "stored")) {
		b.failures = (int32_t)tv_i64(st, "failures_after_last_success", 0);
		b.has_last = !tv_null(st, "last_failure_time_ms");
		b.last_failure = BASE + tv_i64(st, "last_failure_time_ms", 0) * SIM_MS;
	}
	sim_ns s[64], f[64];
	size_t ns = read_ms(yt_get(in, "new_succeeded_finished_ms"), s);
	size_t nf = read_ms(yt_get(in, "new_failed_finished_ms"), f);
	job_backoff_update(&b, s, ns, f, nf);
	const char *cn = tv_case_name(c);
	expect(cn, "failures", b.failures, tv_i64(ex, "failures_after_last_success", -1));
	expect(cn, "has_last", b.has_last, !tv_null(ex, "last_failure_time_ms"));
	if (b.has_last && !tv_null(ex, "last_failure_time_ms"))
		expect(cn, "last_failure", b.last_failure,
		    BASE + tv_i64(ex, "last_failure_time_ms", 0) * SIM_MS);
}

static size_t
read_ctrs(const struct yt_node *l, struct job_ctr_status *out)
{
	size_t n = tv_seq_n(l);
	for (size_t i = 0; i < n; i++) {
		const struct yt_node *x = l->items[i];
		out[i].terminated = yt_get(x, "terminated_at") != NULL;
		out[i].finished_at = tv_null(x, "terminated_at") ? 0 : at_s(x, "terminated_at");
	}
	return n;
}

static void
run_finished_time(const struct yt_node *c)
{
	const struct yt_node *p = yt_get(yt_get(c, "inputs"), "pod");
	struct job_ctr_status ctrs[16], init[16];
	struct job_pod_times t = { 0 };
	t.containers = ctrs;
	t.ncontainers = read_ctrs(yt_get(p, "containers"), ctrs);
	t.sidecars = init;
	t.nsidecars = read_ctrs(yt_get(p, "init_containers"), init);
	const struct yt_node *rc = yt_get(p, "ready_condition");
	if (rc != NULL && strcmp(tv_str_or(rc, "status", ""), "False") == 0) {
		t.ready_false = true;
		t.ready_false_at = at_s(rc, "last_transition");
	}
	t.deleting = !tv_null(p, "deletion_timestamp");
	t.deletion_ts = at_s(p, "deletion_timestamp");
	t.grace_s = tv_i64(p, "deletion_grace_period_seconds", -1);
	t.created = tv_null(p, "creation_timestamp") ? 0 : at_s(p, "creation_timestamp");
	expect(tv_case_name(c), "finished_at", job_pod_finished_time(&t),
	    at_s(yt_get(c, "expected"), "finished_at"));
}

/* ---- indexed bookkeeping -------------------------------------------------- */

static void
run_succeeded_indexes(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	size_t n;
	struct job_pod *pods = read_pods(yt_get(in, "pods"), &n);
	struct job_intervals prev = { 0 }, all = { 0 };
	job_succeeded_indexes(tv_str_or(in, "prev_completed_indexes", ""),
	    (int32_t)tv_i64(in, "completions", 0), pods, n, &prev, &all);
	expect_intervals(tv_case_name(c), "status_intervals", &prev, yt_get(ex, "status_intervals"));
	expect_intervals(tv_case_name(c), "intervals", &all, yt_get(ex, "intervals"));
	job_intervals_free(&prev);
	job_intervals_free(&all);
	free(pods);
}

static void
run_intervals_has(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct job_intervals iv = { 0 };
	read_intervals(yt_get(in, "intervals"), &iv);
	expect(tv_case_name(c), "has", job_intervals_has(&iv, (int32_t)tv_i64(in, "index", 0)),
	    tv_bool(yt_get(c, "expected"), "has", false));
	job_intervals_free(&iv);
}

static void
run_first_pending(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *want = yt_get(yt_get(c, "expected"), "indexes");
	size_t n;
	struct job_pod *pods = read_pods(yt_get(in, "active_pods"), &n);
	struct job_intervals np = { 0 }, failed = { 0 };
	read_intervals(yt_get(in, "succeeded_intervals"), &np);
	read_intervals(yt_get(in, "failed_intervals"), &failed);
	job_intervals_merge(&np, &failed);
	int32_t ix[64];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (pods[i].index != JOB_INDEX_UNKNOWN)
			ix[k++] = pods[i].index;
	for (size_t i = 1; i < k; i++)		/* sort */
		for (size_t j = i; j > 0 && ix[j] < ix[j - 1]; j--) {
			int32_t t = ix[j]; ix[j] = ix[j - 1]; ix[j - 1] = t;
		}
	job_intervals_add(&np, ix, k);
	int32_t out[64];
	int32_t count = (int32_t)tv_i64(in, "count", 0);
	size_t got = job_first_pending(&np, count < 64 ? count : 64,
	    (int32_t)tv_i64(in, "completions", 0), out);
	bool same = got == tv_seq_n(want);
	for (size_t i = 0; same && i < got; i++) {
		int64_t w = -1;
		char *cause = NULL;
		if (yt_int64(want->items[i], &w, &cause) < 0)
			free(cause);
		same = out[i] == w;
	}
	if (same)
		PASS();
	else
		FAILF("%s: %zu pending indexes differ from the %zu expected", tv_case_name(c),
		    got, tv_seq_n(want));
	job_intervals_free(&np);
	job_intervals_free(&failed);
	free(pods);
}

/* Compares pods by their (index text, phase) against a list of them. */
static void
expect_pod_list(const char *cname, const char *what, const struct yt_node *in_pods,
    const size_t *got, size_t ngot, const struct yt_node *want)
{
	bool same = ngot == tv_seq_n(want);
	for (size_t i = 0; same && i < ngot; i++) {
		const struct yt_node *g = in_pods->items[got[i]], *w = want->items[i];
		same = strcmp(tv_str_or(g, "index", "(none)"), tv_str_or(w, "index", "(none)")) == 0 &&
		    strcmp(tv_str_or(g, "phase", ""), tv_str_or(w, "phase", "")) == 0;
	}
	if (same)
		PASS();
	else
		FAILF("%s: %s differs (%zu pods, want %zu)", cname, what, ngot, tv_seq_n(want));
}

static void
run_duplicated(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	size_t n;
	struct job_pod *pods = read_pods(yt_get(in, "pods"), &n);
	size_t idx[64], rm[64], keep[64], nrm, nkeep;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	job_duplicated_for_removal(pods, idx, n, (int32_t)tv_i64(in, "completions", 0),
	    rm, &nrm, keep, &nkeep);
	expect_pod_list(tv_case_name(c), "remove", yt_get(in, "pods"), rm, nrm, yt_get(ex, "remove"));
	expect_pod_list(tv_case_name(c), "keep", yt_get(in, "pods"), keep, nkeep, yt_get(ex, "keep"));
	free(pods);
}

static void
run_generate_name(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	char buf[128];
	job_generate_name(tv_str_or(in, "job_name", ""), (int32_t)tv_i64(in, "index", 0),
	    buf, sizeof buf);
	expect_s(tv_case_name(c), "generate_name", buf,
	    tv_str_or(yt_get(c, "expected"), "generate_name", ""));
}

static void
run_index_failure_count(const struct yt_node *c)
{
	expect(tv_case_name(c), "failure_count",
	    job_parse_failure_count(tv_str_or(yt_get(c, "inputs"), "annotation", NULL)),
	    tv_i64(yt_get(c, "expected"), "failure_count", -1));
}

static void
run_new_index_failure_count(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *p = yt_get(in, "previous_failed_pod");
	int32_t f, ig;
	job_new_index_failure_counts(!tv_null(in, "previous_failed_pod"),
	    job_parse_failure_count(tv_str_or(p, "index_failure_count", NULL)), 0, true,
	    !tv_bool(p, "matches_ignore_rule", false), &f, &ig);
	expect(tv_case_name(c), "index_failure_count", f, tv_i64(ex, "index_failure_count", -1));
	expect(tv_case_name(c), "index_ignored_failure_count", ig,
	    tv_i64(ex, "index_ignored_failure_count", -1));
}

static void
run_index_failed(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *p = yt_get(in, "pod");
	struct job_gates g = gates_of(c);
	struct job_spec s = { .completions = (int32_t)tv_i64(in, "completions", 0),
		.backoff_limit_per_index = (int32_t)tv_i64(in, "backoff_limit_per_index", -1),
		.indexed = true, .failure_policy = true };
	struct job_pod pod;
	read_pod(p, &pod);
	expect(tv_case_name(c), "index_failed",
	    job_index_failed(&s, &g, &pod, tv_bool(p, "matches_fail_index_rule", false), true),
	    tv_bool(yt_get(c, "expected"), "index_failed", false));
}

static void
run_failed_indexes(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct job_gates g = gates_of(c);
	struct job_spec s = { .completions = (int32_t)tv_i64(in, "completions", 0),
		.backoff_limit_per_index = (int32_t)tv_i64(in, "backoff_limit_per_index", -1),
		.indexed = true };
	size_t n;
	struct job_pod *pods = read_pods(yt_get(in, "pods"), &n);
	struct job_intervals out = { 0 };
	job_failed_indexes(&s, &g, tv_str_or(in, "prev_failed_indexes", NULL), pods, n, NULL, &out);
	expect_intervals(tv_case_name(c), "failed_intervals", &out,
	    yt_get(yt_get(c, "expected"), "failed_intervals"));
	job_intervals_free(&out);
	free(pods);
}

static bool
in_list(const struct yt_node *l, const char *uid)
{
	for (size_t i = 0; i < tv_seq_n(l); i++)
		if (l->items[i]->kind == YT_SCALAR && strcmp(l->items[i]->str, uid) == 0)
			return true;
	return false;
}

static void
run_new_finished(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *unc = yt_get(in, "uncounted"), *st = yt_get(in, "status");
	const struct yt_node *l = yt_get(in, "pods");
	struct job_gates g = gates_of(c);
	struct job_spec s = { .parallelism = -1, .completions = -1, .backoff_limit = -1,
		.backoff_limit_per_index = -1, .active_deadline_s = -1 };
	size_t n;
	struct job_pod *pods = read_pods(l, &n);
	for (size_t i = 0; i < n; i++) {
		const char *uid = tv_str_or(l->items[i], "uid", "");
		if (in_list(yt_get(unc, "succeeded"), uid) || in_list(yt_get(unc, "failed"), uid) ||
		    in_list(yt_get(in, "expected_removed_finalizers"), uid))
			pods[i].counted = true;
	}
	int32_t ns, nf;
	job_new_finished(&s, &g, pods, n, &ns, &nf);
	expect(tv_case_name(c), "succeeded", tv_i64(st, "succeeded", 0) +
	    (long long)tv_seq_n(yt_get(unc, "succeeded")) + ns, tv_i64(ex, "succeeded", -1));
	expect(tv_case_name(c), "failed", tv_i64(st, "failed", 0) +
	    (long long)tv_seq_n(yt_get(unc, "failed")) + nf, tv_i64(ex, "failed", -1));
	free(pods);
}

/* ---- syncJob ----------------------------------------------------------------- */

static bool
cond_type(const char *s, enum job_cond_type *t)
{
	for (int i = JOB_COND_COMPLETE; i <= JOB_COND_SUCCESS_CRITERIA_MET; i++)
		if (strcmp(job_cond_name((enum job_cond_type)i), s) == 0) {
			*t = (enum job_cond_type)i;
			return true;
		}
	return false;
}

static void
read_conds(const char *cname, const struct yt_node *l, struct job_status *st)
{
	for (size_t i = 0; i < tv_seq_n(l) && st->nconds < JOB_MAX_CONDS; i++) {
		const struct yt_node *x = l->items[i];
		struct job_cond *cd = &st->conds[st->nconds];
		if (!cond_type(tv_str_or(x, "type", ""), &cd->type)) {
			FAILF("%s: unknown condition type", cname);
			continue;
		}
		cd->status = strcmp(tv_str_or(x, "status", ""), "True") == 0;
		cd->reason = tv_str_or(x, "reason", "");
		cd->message = tv_str_or(x, "message", "");
		st->nconds++;
	}
}

static void
expect_conds(const char *cname, const struct job_status *st, const struct yt_node *want)
{
	bool same = st->nconds == tv_seq_n(want);
	for (size_t i = 0; same && i < st->nconds; i++) {
		const struct job_cond *g = &st->conds[i];
		const struct yt_node *w = want->items[i];
		same = strcmp(job_cond_name(g->type), tv_str_or(w, "type", "")) == 0 &&
		    g->status == (strcmp(tv_str_or(w, "status", ""), "True") == 0) &&
		    strcmp(g->reason ? g->reason : "", tv_str_or(w, "reason", "")) == 0 &&
		    strcmp(g->message ? g->message : "", tv_str_or(w, "message", "")) == 0;
	}
	if (same) {
		PASS();
		return;
	}
	FAILF("%s: conditions differ (%zu, want %zu)", cname, st->nconds, tv_seq_n(want));
	for (size_t i = 0; i < st->nconds; i++)
		fprintf(stderr, "    got %s=%d %s\n", job_cond_name(st->conds[i].type),
		    st->conds[i].status, st->conds[i].reason ? st->conds[i].reason : "");
}

static void
run_sync(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *j = yt_get(in, "job"), *ist = yt_get(j, "initial_status");
	struct job_gates g = gates_of(c);
	const char *rp = tv_str_or(j, "pod_replacement_policy", NULL);
	struct job_spec s = {
		.parallelism = (int32_t)tv_i64(j, "parallelism", -1),
		.completions = (int32_t)tv_i64(j, "completions", -1),
		.backoff_limit = (int32_t)tv_i64(j, "backoff_limit", 0),
		.backoff_limit_per_index = -1,
		.indexed = strcmp(tv_str_or(j, "completion_mode", "NonIndexed"), "Indexed") == 0,
		.suspend = tv_bool(j, "suspend", false),
		.deleting = tv_bool(j, "deleting", false),
		.replacement = rp == NULL ? JOB_REPLACE_UNSET : strcmp(rp, "Failed") == 0 ?
		    JOB_REPLACE_FAILED : JOB_REPLACE_TERMINATING_OR_FAILED,
		.failure_policy = tv_bool(j, "pod_failure_policy", false),
		.active_deadline_s = tv_i64(j, "active_deadline_seconds", -1),
	};
	job_spec_default(&s);
	sim_ns now = at_s(in, "now");
	struct job_status st = {
		.active = (int32_t)tv_i64(ist, "active", 0),
		.succeeded = (int32_t)tv_i64(ist, "succeeded", 0),
		.failed = (int32_t)tv_i64(ist, "failed", 0),
		.terminating = -1,
		.has_start = !tv_null(j, "start_time_ago_seconds"),
		.start_time = now - tv_i64(j, "start_time_ago_seconds", 0) * SIM_SEC,
	};
	read_conds(cn, yt_get(j, "conditions"), &st);
	size_t n;
	struct job_pod *pods = read_pods(yt_get(in, "pods"), &n);
	struct job_sync_in si = { .spec = &s, .gates = &g, .status = &st, .pods = pods,
		.npods = n, .expectations_ok = tv_bool(in, "expectations_satisfied", true),
		.now = now };
	const struct yt_node *br = yt_get(in, "backoff_record");
	if (!tv_null(in, "backoff_record")) {
		si.backoff.failures = (int32_t)tv_i64(br, "failures_after_last_success", 0);
		si.backoff.has_last = !tv_null(br, "last_failure_ago_seconds");
		si.backoff.last_failure = now - tv_i64(br, "last_failure_ago_seconds", 0) * SIM_SEC;
	}
	struct job_sync_out o;
	job_sync(&si, &o);
	expect(cn, "creations", o.ncreate, tv_i64(ex, "creations", -1));
	expect(cn, "deletions", (long long)o.ndel, tv_i64(ex, "deletions", -1));
	expect(cn, "active", o.status.active, tv_i64(ex, "active", -1));
	if (yt_get(ex, "ready") != NULL)
		expect(cn, "ready", o.status.ready, tv_i64(ex, "ready", -1));
	expect(cn, "succeeded", o.status.succeeded, tv_i64(ex, "succeeded", -1));
	expect(cn, "failed", o.status.failed, tv_i64(ex, "failed", -1));
	if (yt_get(ex, "terminating") != NULL)
		expect(cn, "terminating", o.status.terminating, tv_i64(ex, "terminating", -1));
	if (yt_get(ex, "completed_indexes") != NULL)
		expect_s(cn, "completed_indexes", o.status.completed_indexes,
		    tv_str_or(ex, "completed_indexes", ""));
	expect_conds(cn, &o.status, yt_get(ex, "conditions"));
	const struct yt_node *ci = yt_get(ex, "created_indexes");
	if (ci != NULL) {
		bool same = s.indexed && (size_t)o.ncreate == tv_seq_n(ci);
		for (size_t i = 0; same && i < tv_seq_n(ci); i++) {
			int64_t w = -1;
			char *cause = NULL;
			if (yt_int64(ci->items[i], &w, &cause) < 0)
				free(cause);
			same = o.create_index[i] == w;
		}
		if (same)
			PASS();
		else
			FAILF("%s: created indexes differ", cn);
	}
	job_sync_out_fini(&o);
	free(pods);
}

/* ---- not vectors: upstream rules the tables do not exercise ------------------- */

/* controller.ActivePods: which pod is deleted first. */
static void
check_active_order(void)
{
	struct job_pod a, b;
	memset(&a, 0, sizeof a);
	b = a;
	b.assigned = true;
	CHECK(job_pod_less_active(&a, &b) && !job_pod_less_active(&b, &a));
	a = b;
	a.phase = JOB_POD_PENDING;
	b.phase = JOB_POD_RUNNING;
	CHECK(job_pod_less_active(&a, &b));
	a.phase = JOB_POD_UNKNOWN;
	CHECK(job_pod_less_active(&a, &b));
	a = b;
	b.ready = true;
	CHECK(job_pod_less_active(&a, &b));
	a.ready = true;
	a.ready_since = 20 * SIM_SEC;
	b.ready_since = 10 * SIM_SEC;
	CHECK(job_pod_less_active(&a, &b));	/* ready more recently first */
	a.ready_since = b.ready_since;
	a.restarts_max = 3;
	CHECK(job_pod_less_active(&a, &b));	/* more restarts first */
	a.restarts_max = 0;
	a.created = 5 * SIM_SEC;
	CHECK(job_pod_less_active(&a, &b));	/* newer first */
	CHECK(!job_pod_less_active(&b, &b));
}

static struct job_spec
plain_job(int32_t parallelism, int32_t completions, int32_t backoff_limit)
{
	struct job_spec s = { .parallelism = parallelism, .completions = completions,
		.backoff_limit = backoff_limit, .backoff_limit_per_index = -1,
		.active_deadline_s = -1 };
	job_spec_default(&s);
	return s;
}

/* The pod failure back-off holds creations; upstream then reports active 0. */
static void
check_backoff_wait(void)
{
	struct job_spec s = plain_job(2, 4, 6);
	struct job_gates g;
	job_gates_default(&g);
	struct job_status st = { .terminating = -1, .has_start = true, .start_time = BASE };
	struct job_pod pods[1];
	memset(pods, 0, sizeof pods);
	pods[0].phase = JOB_POD_RUNNING;
	struct job_sync_in in = { &s, &g, &st, pods, 1, { 2, true, BASE - 5 * SIM_SEC }, true,
		BASE };
	struct job_sync_out o;
	job_sync(&in, &o);
	CHECK_INT(o.ncreate, 0);
	CHECK_INT(o.requeue_after, 15 * SIM_SEC);	/* 20 s after 2 failures, 5 s gone */
	CHECK_INT(o.status.active, 0);
	job_sync_out_fini(&o);
	in.now = BASE + 15 * SIM_SEC;
	job_sync(&in, &o);
	CHECK_INT(o.ncreate, 1);
	CHECK_INT(o.status.active, 2);
	job_sync_out_fini(&o);
}

/* restartPolicy OnFailure: container restarts count against backoffLimit. */
static void
check_on_failure(void)
{
	struct job_spec s = plain_job(1, 1, 2);
	s.restart_on_failure = true;
	struct job_gates g = { false, false, false };
	struct job_status st = { .terminating = -1 };
	struct job_pod pod;
	memset(&pod, 0, sizeof pod);
	pod.phase = JOB_POD_RUNNING;
	pod.restarts_sum = 1;
	struct job_sync_in in = { &s, &g, &st, &pod, 1, { 0 }, true, BASE };
	struct job_sync_out o;
	job_sync(&in, &o);
	CHECK_INT(o.status.nconds, 0);
	job_sync_out_fini(&o);
	pod.restarts_sum = 2;
	job_sync(&in, &o);
	CHECK_INT(o.status.nconds, 1);
	CHECK(o.status.nconds == 1 && o.status.conds[0].type == JOB_COND_FAILED &&
	    strcmp(o.status.conds[0].reason, "BackoffLimitExceeded") == 0);
	CHECK_INT(o.ndel, 1);
	CHECK_INT(o.status.failed, 1);
	job_sync_out_fini(&o);
}

int
main(void)
{
	check_active_order();
	check_backoff_wait();
	check_on_failure();
	const char *path = tl_fidelity("job.json");
	struct yt_docs d;
	const struct yt_node *root = tv_load(path, &d);
	if (root == NULL)
		return tl_finish();
	size_t n = 0;
	n += tv_each(root, "backoff_remaining_cases", run_backoff_remaining);
	n += tv_each(root, "backoff_per_index_cases", run_backoff_per_index);
	n += tv_each(root, "backoff_record_cases", run_backoff_record);
	n += tv_each(root, "finished_time_cases", run_finished_time);
	n += tv_each(root, "succeeded_indexes_cases", run_succeeded_indexes);
	n += tv_each(root, "intervals_has_cases", run_intervals_has);
	n += tv_each(root, "first_pending_indexes_cases", run_first_pending);
	n += tv_each(root, "duplicated_index_removal_cases", run_duplicated);
	n += tv_each(root, "generate_name_cases", run_generate_name);
	n += tv_each(root, "index_failure_count_cases", run_index_failure_count);
	n += tv_each(root, "new_index_failure_count_cases", run_new_index_failure_count);
	n += tv_each(root, "index_failed_cases", run_index_failed);
	n += tv_each(root, "failed_indexes_cases", run_failed_indexes);
	n += tv_each(root, "new_finished_pods_cases", run_new_finished);
	n += tv_each(root, "sync_job_cases", run_sync);
	n += tv_each(root, "past_deadline_cases", run_sync);
	/* Every list of the file is replayed: none may be left unread. */
	size_t lists = tv_case_lists(root);
	expect("job.json", "case lists replayed", (long long)lists, 16);
	printf("job.json: %zu cases replayed\n", n);
	yt_docs_free(&d);
	return tl_finish();
}
