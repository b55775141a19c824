/*
 * test_fidelity_deployment.c - replays every case of
 * $KS_FIDELITY_DIR/deployment.json (upstream deployment_util_test.go,
 * rolling_test.go, sync_test.go, progress_test.go) through
 * models/controller/deployment.h and asserts the recorded values exactly.
 * Cases run under each feature-gate setting the upstream test uses.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/deployment.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define SEC	1000000000LL
#define T0	(1000000LL * SEC)	/* the tests' reference time */
#define MAX_RS	16
/* A "now" the upstream test does not set: the wall clock, years later. */
#define NOT_SET_NOW	(T0 + 1000000000LL * SEC)

/* ---- readers -------------------------------------------------------------- */

/* An int-or-percent field: null is unset; -1 for a string that is no
 * percentage (ResolveFenceposts' error). */
static int
read_intstr(const struct yt_node *m, const char *key, struct intstr *out)
{
	const struct yt_node *n = yt_get(m, key);
	out->kind = INTSTR_UNSET;
	out->value = 0;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind == YT_SCALAR && !n->quoted) {
		*out = intstr_int((int32_t)tv_i64(m, key, 0));
		return 0;
	}
	return n->kind == YT_SCALAR ? intstr_parse_string(n->str, out) : -1;
}

static enum deploy_strategy
strategy_of(const char *s)
{
	return s != NULL && strcmp(s, "Recreate") == 0 ? DEPLOY_RECREATE :
	    DEPLOY_ROLLING_UPDATE;
}

/* A deployment's spec from a case's inputs; the replicas key differs. */
static void
read_spec(const struct yt_node *in, const char *replicas_key, struct deploy_spec *d)
{
	memset(d, 0, sizeof *d);
	d->replicas = (int32_t)tv_i64(in, replicas_key, DEPLOY_DEFAULT_REPLICAS);
	d->strategy = strategy_of(tv_str(in, "strategy"));
	if (read_intstr(in, "max_surge", &d->max_surge) < 0 ||
	    read_intstr(in, "max_unavailable", &d->max_unavailable) < 0)
		FAILF("%s: bad max_surge/max_unavailable", tv_case_name(in));
	d->generation = tv_i64(in, "generation", 0);
	if (!tv_null(in, "progress_deadline_seconds")) {
		d->has_progress_deadline = true;
		d->progress_deadline_s = (int32_t)tv_i64(in, "progress_deadline_seconds", 0);
	}
}

static void
read_annotations(const struct yt_node *ann, struct deploy_rs *rs)
{
	rs->has_desired = deploy_annotation_int(
	    tv_str(ann, "deployment.kubernetes.io/desired-replicas"), &rs->desired_replicas);
	rs->has_max = deploy_annotation_int(
	    tv_str(ann, "deployment.kubernetes.io/max-replicas"), &rs->max_replicas);
	const char *rev = tv_str(ann, "deployment.kubernetes.io/revision");
	if (rev != NULL) {
		char *end;
		rs->revision = strtoll(rev, &end, 10);
		rs->revision_bad = *rev == '\0' || *end != '\0';
	}
}

static void
read_rs(const struct yt_node *m, struct deploy_rs *rs)
{
	memset(rs, 0, sizeof *rs);
	rs->name = tv_str(m, "name");
	rs->spec_replicas = (int32_t)tv_i64(m, "spec_replicas", 0);
	rs->status_replicas = (int32_t)tv_i64(m, "status_replicas", 0);
	rs->available_replicas = (int32_t)tv_i64(m, "available_replicas", 0);
	rs->ready_replicas = (int32_t)tv_i64(m, "ready_replicas", 0);
	rs->has_terminating = !tv_null(m, "terminating_replicas");
	rs->terminating_replicas = (int32_t)tv_i64(m, "terminating_replicas", 0);
	rs->observed_generation = tv_i64(m, "observed_generation", 0);
	rs->generation = tv_i64(m, "generation", 0);
	rs->created_ns = T0 + tv_i64(m, "created_s", 0) * SEC;
	rs->deleting = tv_bool(m, "deleting", false);
	if (!tv_null(m, "revision")) {
		const char *rev = tv_str(m, "revision");
		char *end;
		rs->revision = strtoll(rev, &end, 10);
		rs->revision_bad = *rev == '\0' || *end != '\0';
	}
	read_annotations(yt_get(m, "annotations"), rs);
}

/* A list of ReplicaSets into v (at most MAX_RS) and pointers to them. */
static size_t
read_rs_list(const struct yt_node *l, struct deploy_rs *v, struct deploy_rs **p)
{
	size_t n = tv_len(l);
	if (n > MAX_RS) {
		FAILF("more than %d ReplicaSets", MAX_RS);
		n = MAX_RS;
	}
	for (size_t i = 0; i < n; i++) {
		read_rs(l->items[i], &v[i]);
		p[i] = &v[i];
	}
	return n;
}

static void
read_status(const struct yt_node *m, struct deploy_status *s)
{
	memset(s, 0, sizeof *s);
	s->replicas = (int32_t)tv_i64(m, "replicas", 0);
	s->updated_replicas = (int32_t)tv_i64(m, "updated_replicas", 0);
	s->ready_replicas = (int32_t)tv_i64(m, "ready_replicas", 0);
	s->available_replicas = (int32_t)tv_i64(m, "available_replicas", 0);
	s->observed_generation = tv_i64(m, "observed_generation", 0);
}

static enum deploy_cond_status
cond_status_of(const char *s)
{
	if (s == NULL)
		return DEPLOY_COND_ABSENT;
	if (strcmp(s, "True") == 0)
		return DEPLOY_COND_TRUE;
	if (strcmp(s, "False") == 0)
		return DEPLOY_COND_FALSE;
	return DEPLOY_COND_UNKNOWN;
}

static const char *
cond_status_name(enum deploy_cond_status s)
{
	static const char *const n[] = { "(absent)", "True", "False", "Unknown" };
	return n[s];
}

/* The Progressing condition from a case's condition(s); other types ignored. */
static void
read_progressing(const struct yt_node *c, const char *time_key, int64_t unit,
    struct deploy_condition *out)
{
	memset(out, 0, sizeof *out);
	if (c == NULL || c->kind != YT_MAP)
		return;
	const char *type = tv_str(c, "type");
	if (type == NULL || strcmp(type, "Progressing") != 0)
		return;
	out->status = cond_status_of(tv_str(c, "status"));
	out->reason = deploy_reason_parse(tv_str(c, "reason"));
	/* null: Go's zero time, long before the tests' reference time. */
	out->last_update_ns = tv_null(c, time_key) ? 0 : T0 + tv_i64(c, time_key, 0) * unit;
	out->last_transition_ns = out->last_update_ns;
}

static void
read_conditions(const struct yt_node *l, const char *time_key, int64_t unit,
    struct deploy_condition *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < tv_len(l); i++)
		if (l->kind == YT_SEQ)
			read_progressing(l->items[i], time_key, unit, out);
}

static void
expect_i(const char *cname, const char *what, int64_t got, int64_t want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cname, what, (long long)got, (long long)want);
}

static void
expect_b(const char *cname, const char *what, bool got, bool want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %s, want %s", cname, what, got ? "true" : "false",
		    want ? "true" : "false");
}

/* The gate settings a case runs under: one run when none are listed. */
static size_t
gate_runs(const struct yt_node *c)
{
	const struct yt_node *g = yt_get(c, "feature_gates");
	return g != NULL && g->kind == YT_SEQ && g->n > 0 ? g->n : 1;
}

static bool
gate(const struct yt_node *c, size_t run, const char *name)
{
	const struct yt_node *g = yt_get(c, "feature_gates");
	if (g == NULL || g->kind != YT_SEQ || run >= g->n)
		return false;
	return tv_bool(g->items[run], name, false);
}

/* ---- util cases ---------------------------------------------------------------- */

static void
run_fenceposts(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct intstr s, u;
	int32_t surge = 0, unavail = 0;
	int rc = -1;
	if (read_intstr(in, "max_surge", &s) == 0 && read_intstr(in, "max_unavailable", &u) == 0)
		rc = deploy_resolve_fenceposts(&s, &u, (int32_t)tv_i64(in, "desired", 0),
		    &surge, &unavail);
	expect_b(cn, "error", rc < 0, tv_bool(ex, "error", false));
	expect_i(cn, "surge", surge, tv_i64(ex, "surge", 0));
	expect_i(cn, "unavailable", unavail, tv_i64(ex, "unavailable", 0));
}

static void
run_new_rs_replicas(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	read_spec(in, "deployment_replicas", &d);
	struct deploy_rs newrs = { .name = "new",
		.spec_replicas = (int32_t)tv_i64(in, "new_rs_replicas", 0) };
	struct deploy_rs all[MAX_RS], *p[MAX_RS];
	const struct yt_node *l = yt_get(in, "all_rs_spec_replicas");
	size_t n = tv_len(l) < MAX_RS ? tv_len(l) : MAX_RS;
	for (size_t i = 0; i < n; i++) {
		char *cause = NULL;
		int64_t v = 0;
		if (yt_int64(l->items[i], &v, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
		}
		all[i] = (struct deploy_rs){ .name = "rs", .spec_replicas = (int32_t)v };
		p[i] = &all[i];
	}
	int32_t got;
	int rc = deploy_new_rs_replicas(&d, p, n, &newrs, &got);
	expect_i(cn, "rc", rc, 0);
	expect_i(cn, "new_replicas", got, tv_i64(ex, "new_replicas", -1));
}

static void
run_max_unavailable(const struct yt_node *c)
{
	struct deploy_spec d;
	read_spec(yt_get(c, "inputs"), "replicas", &d);
	expect_i(tv_case_name(c), "max_unavailable", deploy_max_unavailable(&d),
	    tv_i64(yt_get(c, "expected"), "max_unavailable", -1));
}

static void
run_min_available(const struct yt_node *c)
{
	struct deploy_spec d;
	read_spec(yt_get(c, "inputs"), "replicas", &d);
	expect_i(tv_case_name(c), "min_available", deploy_min_available(&d),
	    tv_i64(yt_get(c, "expected"), "min_available", -1));
}

static void
run_fraction(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_spec d;
	read_spec(in, "deployment_replicas", &d);
	struct deploy_rs rs = { .name = "rs",
		.spec_replicas = (int32_t)tv_i64(in, "rs_replicas", 0) };
	rs.has_max = deploy_annotation_int(tv_str(in, "rs_max_replicas_annotation"),
	    &rs.max_replicas);
	int32_t st = (int32_t)tv_i64(in, "deployment_status_replicas", 0);
	expect_i(tv_case_name(c), "fraction", deploy_rs_fraction(&d, st, &rs),
	    tv_i64(yt_get(c, "expected"), "fraction", -99999));
}

static void
run_counts(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *ex = yt_get(c, "expected");
	struct deploy_rs v[MAX_RS], *p[MAX_RS];
	size_t n = read_rs_list(yt_get(yt_get(c, "inputs"), "replica_sets"), v, p);
	expect_i(cn, "spec_sum", deploy_sum_spec(p, n), tv_i64(ex, "spec_sum", -1));
	expect_i(cn, "status_sum", deploy_sum_status(p, n), tv_i64(ex, "status_sum", -1));
	int32_t term;
	bool known = deploy_sum_terminating(p, n, &term);
	expect_b(cn, "terminating known", known, !tv_null(ex, "terminating_sum"));
	if (known && !tv_null(ex, "terminating_sum"))
		expect_i(cn, "terminating_sum", term, tv_i64(ex, "terminating_sum", -1));
}

static void
run_complete(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_spec d;
	struct deploy_status s;
	read_spec(in, "replicas", &d);
	read_status(yt_get(in, "new_status"), &s);
	expect_b(tv_case_name(c), "complete", deploy_complete(&d, &s),
	    tv_bool(yt_get(c, "expected"), "complete", false));
}

static void
run_progressing(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_status o, s;
	read_status(yt_get(in, "old_status"), &o);
	read_status(yt_get(in, "new_status"), &s);
	expect_b(tv_case_name(c), "progressing", deploy_progressing(&o, &s),
	    tv_bool(yt_get(c, "expected"), "progressing", false));
}

static void
run_timed_out(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_spec d;
	struct deploy_status s;
	read_spec(in, "replicas", &d);
	memset(&s, 0, sizeof s);
	read_progressing(yt_get(in, "condition"), "last_update_s", SEC, &s.progressing);
	int64_t now = tv_null(in, "now_s") ? NOT_SET_NOW : T0 + tv_i64(in, "now_s", 0) * SEC;
	expect_b(tv_case_name(c), "timed_out", deploy_timed_out(&d, &s, now),
	    tv_bool(yt_get(c, "expected"), "timed_out", false));
}

static void
run_annotations(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_rs rs = { .name = "rs" };
	read_annotations(yt_get(in, "annotations"), &rs);
	expect_b(tv_case_name(c), "need_update", deploy_annotations_need_update(&rs,
	    (int32_t)tv_i64(in, "desired_replicas", 0), (int32_t)tv_i64(in, "max_replicas", 0)),
	    tv_bool(yt_get(c, "expected"), "need_update", false));
}

/* ---- controller cases (rolling.go, sync.go, progress.go) ------------------------- */

static enum deploy_replacement
replacement_of(const char *s)
{
	if (s == NULL)
		return DEPLOY_REPLACE_UNSET;
	if (strcmp(s, "TerminationStarted") == 0)
		return DEPLOY_REPLACE_TERMINATION_STARTED;
	if (strcmp(s, "TerminationComplete") == 0)
		return DEPLOY_REPLACE_TERMINATION_COMPLETE;
	return DEPLOY_REPLACE_UNSET;
}

static void
run_reconcile_new(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	for (size_t run = 0; run < gate_runs(c); run++) {
		struct deploy_spec d;
		read_spec(in, "deployment_replicas", &d);
		d.gate_terminating = gate(c, run, "DeploymentReplicaSetTerminatingReplicas");
		if (gate(c, run, "DeploymentPodReplacementPolicy"))
			d.replacement = replacement_of(tv_str(in, "pod_replacement_policy"));
		struct deploy_rs nrs, ors;
		read_rs(yt_get(in, "new_rs"), &nrs);
		read_rs(yt_get(in, "old_rs"), &ors);
		nrs.name = "foo-v2";
		ors.name = "foo-v1";
		struct deploy_rs *all[2] = { &nrs, &ors };
		bool scaled = false;
		int rc = deploy_reconcile_new(&d, all, 2, &nrs, &scaled);
		expect_b(cn, "error", rc < 0, tv_bool(ex, "error", false));
		if (tv_bool(ex, "error", false))
			continue;
		expect_b(cn, "scaled", scaled, tv_bool(ex, "scaled", false));
		if (!tv_null(ex, "new_replicas"))
			expect_i(cn, "new_replicas", nrs.spec_replicas, tv_i64(ex, "new_replicas", -1));
	}
}

static void
run_reconcile_old(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	read_spec(in, "deployment_replicas", &d);
	struct deploy_rs nrs, ors;
	read_rs(yt_get(in, "new_rs"), &nrs);
	read_rs(yt_get(in, "old_rs"), &ors);
	nrs.name = "foo-v2";
	ors.name = "foo-v1";
	struct deploy_rs *old[1] = { &ors };
	bool scaled = deploy_reconcile_old(&d, old, 1, &nrs);
	expect_b(cn, "scaled", scaled, tv_bool(ex, "scaled", false));
	/* The table's expectedOldReplicas, which upstream does not assert. */
	const struct yt_node *un = yt_get(c, "unasserted");
	if (!tv_null(un, "old_replicas_after"))
		expect_i(cn, "old_replicas_after (unasserted upstream)", ors.spec_replicas,
		    tv_i64(un, "old_replicas_after", -1));
}

static void
run_cleanup_unhealthy(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct deploy_spec d;
	read_spec(in, "deployment_replicas", &d);
	struct deploy_rs v[MAX_RS], *p[MAX_RS];
	size_t n = read_rs_list(yt_get(in, "old_rss"), v, p);
	int32_t got = deploy_cleanup_unhealthy(&d, p, n,
	    (int32_t)tv_i64(in, "max_cleanup_count", 0));
	expect_i(tv_case_name(c), "cleaned_up", got,
	    tv_i64(yt_get(c, "expected"), "cleaned_up", -1));
}

static void
run_scale_down_old(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	read_spec(in, "deployment_replicas", &d);
	struct deploy_rs v[MAX_RS], *p[MAX_RS], *all[MAX_RS];
	size_t n = read_rs_list(yt_get(in, "old_rss"), v, p);
	const struct yt_node *names = yt_get(in, "all_rss");
	size_t nall = 0;
	for (size_t i = 0; i < tv_len(names) && nall < MAX_RS; i++)
		for (size_t j = 0; j < n; j++)
			if (v[j].name != NULL && strcmp(v[j].name, names->items[i]->str) == 0)
				all[nall++] = &v[j];
	int32_t got = deploy_scale_down_old(&d, all, nall, p, n);
	expect_b(cn, "scaled", got > 0, tv_bool(ex, "scaled", false));
	if (!tv_null(ex, "old_replicas"))
		expect_i(cn, "old_replicas", v[0].spec_replicas, tv_i64(ex, "old_replicas", -1));
}

static void
run_scale(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	read_spec(yt_get(in, "deployment"), "replicas", &d);
	struct deploy_rs nrs, v[MAX_RS], *p[MAX_RS], *scratch[MAX_RS + 1];
	bool has_new = !tv_null(in, "new_rs");
	if (has_new)
		read_rs(yt_get(in, "new_rs"), &nrs);
	size_t n = read_rs_list(yt_get(in, "old_rss"), v, p);
	deploy_scale_proportionally(&d, (int32_t)tv_i64(yt_get(in, "deployment"), "status_replicas", 0),
	    has_new ? &nrs : NULL, p, n, scratch);
	if (has_new)
		expect_i(cn, "new_rs_replicas", nrs.spec_replicas,
		    tv_i64(ex, "new_rs_replicas", -1));
	const struct yt_node *want = yt_get(ex, "old_rs_replicas");
	expect_i(cn, "old ReplicaSets in expected", tv_len(want), n);
	for (size_t i = 0; want != NULL && want->kind == YT_MAP && i < want->n; i++) {
		const char *name = want->keys[i]->str;
		bool found = false;
		for (size_t j = 0; j < n; j++)
			if (v[j].name != NULL && strcmp(v[j].name, name) == 0) {
				char what[128];
				snprintf(what, sizeof what, "%s replicas", name);
				expect_i(cn, what, v[j].spec_replicas, tv_i64(want, name, -1));
				found = true;
			}
		if (!found)
			FAILF("%s: no old ReplicaSet %s", cn, name);
	}
}

static void
run_cleanup(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	for (size_t run = 0; run < gate_runs(c); run++) {
		struct deploy_spec d;
		memset(&d, 0, sizeof d);
		d.replicas = 1;
		if (!tv_null(in, "revision_history_limit")) {
			d.has_revision_history = true;
			d.revision_history_limit = (int32_t)tv_i64(in, "revision_history_limit", 0);
		}
		d.gate_terminating = gate(c, run, "DeploymentReplicaSetTerminatingReplicas");
		struct deploy_rs v[MAX_RS], *p[MAX_RS], *del[MAX_RS];
		size_t n = read_rs_list(yt_get(in, "old_rss"), v, p);
		size_t k = deploy_cleanup(&d, p, n, del);
		if (!tv_null(ex, "deleted_count"))
			expect_i(cn, "deleted_count", k, tv_i64(ex, "deleted_count", -1));
		const struct yt_node *names = yt_get(ex, "deleted");
		if (names != NULL && names->kind == YT_SEQ) {
			expect_i(cn, "deleted", k, names->n);
			for (size_t i = 0; i < k && i < names->n; i++)
				if (del[i]->name != NULL && strcmp(del[i]->name, names->items[i]->str) == 0)
					PASS();
				else
					FAILF("%s: deleted[%zu] = %s, want %s", cn, i, del[i]->name,
					    names->items[i]->str);
		}
	}
}

static void
run_requeue(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	struct deploy_status s;
	read_spec(in, "replicas", &d);
	read_status(yt_get(in, "new_status"), &s);
	read_conditions(yt_get(in, "conditions"), "last_update_offset_ns", 1, &s.progressing);
	int64_t now = tv_null(in, "now_offset_ns") ? NOT_SET_NOW :
	    T0 + tv_i64(in, "now_offset_ns", 0);
	int64_t got = deploy_requeue_after(&d, &s, &s, now);
	int64_t want_s = tv_i64(ex, "requeue_after_s", -2);
	expect_i(cn, "requeue_after_ns", got, want_s < 0 ? DEPLOY_NO_REQUEUE : want_s * SEC);
}

static void
run_sync_rollout(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct deploy_spec d;
	struct deploy_status cur, out;
	read_spec(in, "replicas", &d);
	read_status(yt_get(in, "status"), &cur);
	read_conditions(yt_get(in, "conditions"), "last_update_s", SEC, &cur.progressing);
	struct deploy_rs v[MAX_RS + 1], *p[MAX_RS + 1];
	size_t n = read_rs_list(yt_get(in, "other_rss"), v, p);
	struct deploy_rs *nrs = NULL;
	if (!tv_null(in, "new_rs")) {
		read_rs(yt_get(in, "new_rs"), &v[n]);
		nrs = p[n] = &v[n];
		n++;
	}
	int64_t now = T0 + tv_i64(in, "now_s", 0) * SEC;
	deploy_sync_rollout_status(&d, &cur, p, n, nrs, now, &out);
	const struct yt_node *w = yt_get(ex, "progressing");
	enum deploy_cond_status ws = cond_status_of(tv_str(w, "status"));
	if (out.progressing.status == ws)
		PASS();
	else
		FAILF("%s: Progressing status %s, want %s", cn,
		    cond_status_name(out.progressing.status), cond_status_name(ws));
	const char *wr = tv_str(w, "reason");
	if (ws == DEPLOY_COND_ABSENT)
		return;		/* no condition, no reason to compare */
	if (strcmp(deploy_reason_name(out.progressing.reason), wr ? wr : "") == 0)
		PASS();
	else
		FAILF("%s: Progressing reason %s, want %s", cn,
		    deploy_reason_name(out.progressing.reason), wr ? wr : "");
}

int
main(void)
{
	struct yt_docs docs;
	char *cause = NULL;
	const char *path = tl_fidelity("deployment.json");
	if (yt_parse_file(path, &docs, &cause) < 0 || docs.ndocs == 0) {
		FAILF("%s", cause != NULL ? cause : "deployment.json is empty");
		free(cause);
		return tl_finish();
	}
	static const struct tv_family fams[] = {
		{ "resolve_fenceposts_cases", run_fenceposts },
		{ "new_rs_new_replicas_cases", run_new_rs_replicas },
		{ "max_unavailable_cases", run_max_unavailable },
		{ "min_available_cases", run_min_available },
		{ "replica_set_fraction_cases", run_fraction },
		{ "replica_counts_cases", run_counts },
		{ "deployment_complete_cases", run_complete },
		{ "deployment_progressing_cases", run_progressing },
		{ "deployment_timed_out_cases", run_timed_out },
		{ "replicas_annotations_need_update_cases", run_annotations },
		{ "reconcile_new_replica_set_cases", run_reconcile_new },
		{ "reconcile_old_replica_sets_cases", run_reconcile_old },
		{ "cleanup_unhealthy_replicas_cases", run_cleanup_unhealthy },
		{ "scale_down_old_replica_sets_cases", run_scale_down_old },
		{ "scale_cases", run_scale },
		{ "cleanup_deployment_cases", run_cleanup },
		{ "requeue_stuck_deployment_cases", run_requeue },
		{ "sync_rollout_status_cases", run_sync_rollout },
		{ NULL, NULL },
	};
	int n = tv_replay(docs.docs[0], "deployment.json", fams);
	printf("deployment.json: %d cases replayed, none skipped\n", n);
	CHECK(n > 0);
	yt_docs_free(&docs);
	return tl_finish();
}
