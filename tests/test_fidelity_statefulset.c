/*
 * test_fidelity_statefulset.c - replays every case of
 * tests/fidelity/statefulset.json (maxUnavailable, names, claims and owner
 * references, readiness, availability, revisions, start ordinals, control
 * scenarios and the maxUnavailable invariant) through
 * models/controller/statefulset.h, with a pod store that behaves like
 * upstream's fake: created pods have no phase until the test gives one.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/statefulset.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define NOW	(1000 * SIM_HOUR)

static void
expect(const char *cname, const char *what, long long got, long long want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cname, what, got, want);
}

static struct intstr
intpct_of(const char *cname, const struct yt_node *m, const char *key)
{
	struct intstr v = { 0 };
	const char *s = tv_str_or(m, key, NULL);
	if (s != NULL && intstr_parse(s, &v) < 0)
		FAILF("%s: bad int-or-percent '%s'", cname, s);
	return v;
}

static enum sts_phase
phase_of(const char *s)
{
	if (s == NULL || *s == '\0')
		return STS_POD_NONE;
	if (strcmp(s, "Pending") == 0)
		return STS_POD_PENDING;
	if (strcmp(s, "Running") == 0)
		return STS_POD_RUNNING;
	if (strcmp(s, "Succeeded") == 0)
		return STS_POD_SUCCEEDED;
	if (strcmp(s, "Failed") == 0)
		return STS_POD_FAILED;
	return STS_POD_UNKNOWN;
}

/* ---- small functions ------------------------------------------------------- */

static void
run_max_unavailable(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct intstr mu = intpct_of(tv_case_name(c), in, "max_unavailable");
	expect(tv_case_name(c), "max_unavailable",
	    sts_max_unavailable(&mu, (int32_t)tv_i64(in, "replicas", 0)),
	    tv_i64(yt_get(c, "expected"), "max_unavailable", -1));
}

static void
run_parent_ordinal(const struct yt_node *c)
{
	const struct yt_node *ex = yt_get(c, "expected");
	const char *name = tv_str_or(yt_get(c, "inputs"), "pod_name", "");
	char parent[256];
	int32_t o = sts_parent_ordinal(name, parent, sizeof parent);
	expect(tv_case_name(c), "ordinal", o, tv_i64(ex, "ordinal", -2));
	if (strcmp(parent, tv_str_or(ex, "parent", "")) == 0)
		PASS();
	else
		FAILF("%s: parent \"%s\"", tv_case_name(c), parent);
}

static void
read_labels(const struct yt_node *m, struct k8s_labels *l)
{
	memset(l, 0, sizeof *l);
	if (m == NULL || m->kind != YT_MAP)
		return;
	for (size_t i = 0; i < m->n; i++)
		k8s_labels_set(l, m->keys[i]->str, m->items[i]->kind == YT_SCALAR ?
		    m->items[i]->str : "");
}

static void
run_claim_name(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const char *tmpl = tv_str_or(in, "claim_template_name", "");
	const struct yt_node *want = yt_get(yt_get(yt_get(c, "expected"), "claims"), tmpl);
	char *name = sts_claim_name(tmpl, tv_str_or(in, "set_name", ""),
	    (int32_t)tv_i64(in, "ordinal", 0));
	if (want != NULL && strcmp(name, tv_str_or(want, "name", "")) == 0)
		PASS();
	else
		FAILF("%s: claim name %s", cn, name);
	free(name);
	struct k8s_labels tl, sl, got, wl;
	read_labels(yt_get(in, "claim_template_labels"), &tl);
	read_labels(yt_get(in, "selector_match_labels"), &sl);
	read_labels(yt_get(want, "labels"), &wl);
	sts_claim_labels(&tl, &sl, &got);
	bool same = got.n == wl.n;
	for (size_t i = 0; same && i < wl.n; i++) {
		const char *v = k8s_labels_get(&got, wl.v[i].key);
		same = v != NULL && strcmp(v, wl.v[i].value) == 0;
	}
	if (same)
		PASS();
	else
		FAILF("%s: claim labels differ (%zu, want %zu)", cn, got.n, wl.n);
	k8s_labels_free(&tl);
	k8s_labels_free(&sl);
	k8s_labels_free(&got);
	k8s_labels_free(&wl);
}

static enum sts_retention
retention_of(const struct yt_node *m, const char *key)
{
	return strcmp(tv_str_or(m, key, "Retain"), "Delete") == 0 ? STS_DELETE_CLAIM : STS_KEEP_CLAIM;
}

static void
run_claim_owner(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	bool set_owns, pod_owns;
	sts_claim_owners(retention_of(in, "when_deleted"), retention_of(in, "when_scaled"), 0,
	    (int32_t)tv_i64(in, "replicas", 0), (int32_t)tv_i64(in, "pod_ordinal", 0),
	    tv_bool(in, "unexpected_controller", false), &set_owns, &pod_owns);
	expect(tv_case_name(c), "set_controller_ref", set_owns,
	    tv_bool(ex, "set_controller_ref", false));
	expect(tv_case_name(c), "pod_controller_ref", pod_owns,
	    tv_bool(ex, "pod_controller_ref", false));
}

static void
run_running_and_ready(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	struct sts_pod p = { .phase = phase_of(tv_str_or(in, "phase", "")),
		.ready = tv_bool(in, "ready", false) };
	expect(tv_case_name(c), "running_and_ready", sts_running_and_ready(&p),
	    tv_bool(yt_get(c, "expected"), "running_and_ready", false));
}

static void
run_availability(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	int32_t n = (int32_t)tv_i64(in, "replicas", 0);
	struct sts_pod *pods = xcalloc((size_t)n + 1, sizeof *pods);
	for (int32_t i = 0; i < n; i++) {
		pods[i].ordinal = i;
		pods[i].revision = "A";
		pods[i].phase = STS_POD_RUNNING;
		pods[i].ready = true;
		pods[i].ready_since = NOW - tv_i64(in, "ready_for_seconds", 0) * SIM_SEC;
	}
	struct sts_spec s = { .replicas = n,
		.min_ready_s = (int32_t)tv_i64(in, "min_ready_seconds", 0) };
	struct sts_status st = { 0 };
	struct sts_sync_in si = { &s, &st, pods, (size_t)n, "A", "A", false, NOW };
	struct sts_sync_out o;
	sts_sync(&si, &o);
	expect(tv_case_name(c), "available_replicas", o.status.available,
	    tv_i64(yt_get(c, "expected"), "available_replicas", -1));
	sts_sync_out_fini(&o);
	free(pods);
}

static void
run_revisions(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *l = yt_get(in, "existing");
	struct sts_history h = { 0 };
	for (size_t i = 0; i < tv_seq_n(l); i++) {
		KS_GROW(h.v, h.cap, h.n + 1);
		h.v[h.n].name = xstrdup(tv_str_or(l->items[i], "template", ""));
		h.v[h.n++].number = tv_i64(l->items[i], "revision", 0);
	}
	size_t cur, upd;
	sts_revisions(&h, tv_str_or(in, "set_template", ""),
	    tv_str_or(in, "status_current_revision", NULL), &cur, &upd);
	expect(cn, "count", (long long)h.n, tv_i64(ex, "count", -1));
	const struct yt_node *wc = yt_get(ex, "current"), *wu = yt_get(ex, "update");
	expect(cn, "current.revision", h.v[cur].number, tv_i64(wc, "revision", -1));
	expect(cn, "update.revision", h.v[upd].number, tv_i64(wu, "revision", -1));
	expect(cn, "current.template", strcmp(h.v[cur].name, tv_str_or(wc, "template", "")), 0);
	expect(cn, "update.template", strcmp(h.v[upd].name, tv_str_or(wu, "template", "")), 0);
	sts_history_free(&h);
}

/* ---- the fake store and the scenario runner -------------------------------- */

struct store_pod {
	int32_t		ordinal;
	char		*revision;
	enum sts_phase	phase;
	bool		ready;
	bool		terminating;
};

struct world {
	const char		*cname;
	char			*set_name;
	struct sts_spec		 spec;
	struct sts_status	 status;
	char			*template;
	struct sts_history	 hist;
	struct store_pod	*pods;
	size_t			 npods, cap;
	bool			 gate;
};

static void
world_fini(struct world *w)
{
	for (size_t i = 0; i < w->npods; i++)
		free(w->pods[i].revision);
	free(w->pods);
	free(w->template);
	free(w->set_name);
	sts_history_free(&w->hist);
}

static struct store_pod *
find_pod(struct world *w, int32_t ordinal)
{
	for (size_t i = 0; i < w->npods; i++)
		if (w->pods[i].ordinal == ordinal)
			return &w->pods[i];
	return NULL;
}

static void
remove_pod(struct world *w, size_t i)
{
	free(w->pods[i].revision);
	w->pods[i] = w->pods[--w->npods];
}

/* One UpdateStatefulSet; returns whether it created or deleted anything. */
static bool
world_sync(struct world *w)
{
	size_t cur, upd;
	sts_revisions(&w->hist, w->template, w->status.current_revision, &cur, &upd);
	struct sts_pod *view = xcalloc(w->npods + 1, sizeof *view);
	for (size_t i = 0; i < w->npods; i++) {
		view[i].ordinal = w->pods[i].ordinal;
		view[i].revision = w->pods[i].revision;
		view[i].phase = w->pods[i].phase;
		view[i].ready = w->pods[i].ready;
		view[i].ready_since = NOW;
		view[i].terminating = w->pods[i].terminating;
	}
	struct sts_sync_in in = { &w->spec, &w->status, view, w->npods, w->hist.v[cur].name,
		w->hist.v[upd].name, w->gate, NOW };
	struct sts_sync_out o;
	sts_sync(&in, &o);
	/* Deletions refer to the store as read: mark first, then apply. */
	int32_t *gone = xcalloc(o.n + 1, sizeof *gone);
	size_t ngone = 0;
	for (size_t k = 0; k < o.n; k++)
		if (o.v[k].kind == STS_DELETE)
			gone[ngone++] = w->pods[o.v[k].pod].ordinal;
	for (size_t k = 0; k < ngone; k++)
		for (size_t i = 0; i < w->npods; i++)
			if (w->pods[i].ordinal == gone[k]) {
				remove_pod(w, i);
				break;
			}
	for (size_t k = 0; k < o.n; k++) {
		if (o.v[k].kind != STS_CREATE)
			continue;
		struct store_pod *p = find_pod(w, o.v[k].ordinal);
		if (p == NULL) {
			KS_GROW(w->pods, w->cap, w->npods + 1);
			p = &w->pods[w->npods++];
			p->revision = NULL;
		}
		free(p->revision);
		p->ordinal = o.v[k].ordinal;
		p->revision = xstrdup(o.v[k].revision ? o.v[k].revision : "");
		p->phase = STS_POD_NONE;
		p->ready = false;
		p->terminating = false;
	}
	w->status = o.status;
	bool changed = o.n > 0;
	free(gone);
	free(view);
	sts_sync_out_fini(&o);
	return changed;
}

static void
world_converge(struct world *w)
{
	for (int round = 0; round < 10000; round++) {
		for (size_t i = 0; i < w->npods; i++)
			if (w->pods[i].phase == STS_POD_NONE) {
				w->pods[i].phase = STS_POD_RUNNING;
				w->pods[i].ready = true;
			}
		if (!world_sync(w))
			return;
	}
	FAILF("%s: no convergence", w->cname);
}

static int
cmp_pod(const void *a, const void *b)
{
	const struct store_pod *x = a, *y = b;
	return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

static void
world_init(struct world *w, const char *cname, const struct yt_node *set)
{
	memset(w, 0, sizeof *w);
	w->cname = cname;
	w->set_name = xstrdup(tv_str_or(set, "name", "foo"));
	const struct yt_node *us = yt_get(set, "update_strategy");
	w->spec.replicas = (int32_t)tv_i64(set, "replicas", 1);
	w->spec.start = (int32_t)tv_i64(set, "start_ordinal", 0);
	w->spec.policy = strcmp(tv_str_or(set, "pod_management_policy", "OrderedReady"),
	    "Parallel") == 0 ? STS_PARALLEL : STS_ORDERED_READY;
	w->spec.strategy = strcmp(tv_str_or(us, "type", "RollingUpdate"), "OnDelete") == 0 ?
	    STS_ON_DELETE : STS_ROLLING_UPDATE;
	w->spec.rolling_update = !tv_null(us, "partition");
	w->spec.partition = (int32_t)tv_i64(us, "partition", 0);
	w->spec.max_unavailable = intpct_of(cname, us, "max_unavailable");
	w->spec.min_ready_s = (int32_t)tv_i64(set, "min_ready_seconds", 0);
	w->template = xstrdup(tv_str_or(set, "template", "T"));
}

/* Checks one observation against the next expected check. */
static void
observe(struct world *w, const struct yt_node *op, const struct yt_node *check)
{
	const char *what = tv_str_or(op, "what", "");
	qsort(w->pods, w->npods, sizeof *w->pods, cmp_pod);
	if (check == NULL) {
		FAILF("%s: more observations than checks", w->cname);
		return;
	}
	if (strcmp(what, "pod_count") == 0) {
		expect(w->cname, "pod_count", (long long)w->npods, tv_i64(check, "pod_count", -1));
	} else if (strcmp(what, "pods") == 0) {
		const struct yt_node *l = yt_get(check, "pods");
		bool same = tv_seq_n(l) == w->npods;
		for (size_t i = 0; same && i < w->npods; i++) {
			const struct yt_node *x = l->items[i];
			int64_t o = -1;
			char *cause = NULL;
			if (tv_seq_n(x) != 2 || yt_int64(x->items[0], &o, &cause) < 0) {
				free(cause);
				same = false;
				break;
			}
			same = o == w->pods[i].ordinal &&
			    strcmp(x->items[1]->str, w->pods[i].revision) == 0;
		}
		if (same)
			PASS();
		else {
			FAILF("%s: pods differ", w->cname);
			for (size_t i = 0; i < w->npods; i++)
				fprintf(stderr, "    %d %s\n", w->pods[i].ordinal, w->pods[i].revision);
		}
	} else if (strcmp(what, "status") == 0) {
		const struct yt_node *st = yt_get(check, "status");
		if (yt_get(st, "replicas") != NULL)
			expect(w->cname, "status.replicas", w->status.replicas,
			    tv_i64(st, "replicas", -1));
		if (yt_get(st, "ready_replicas") != NULL)
			expect(w->cname, "status.ready_replicas", w->status.ready,
			    tv_i64(st, "ready_replicas", -1));
		if (yt_get(st, "updated_replicas") != NULL)
			expect(w->cname, "status.updated_replicas", w->status.updated,
			    tv_i64(st, "updated_replicas", -1));
	} else
		FAILF("%s: unknown observation '%s'", w->cname, what);
}

static void
run_scenario(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *checks = yt_get(yt_get(c, "expected"), "checks");
	struct world w;
	world_init(&w, cn, yt_get(in, "set"));
	w.gate = tv_bool(yt_get(c, "feature_gates"), "MaxUnavailableStatefulSet", false);
	const struct yt_node *steps = yt_get(in, "steps");
	size_t nchecks = 0;
	for (size_t i = 0; i < tv_seq_n(steps); i++) {
		const struct yt_node *op = steps->items[i];
		const char *name = tv_str_or(op, "op", "");
		struct store_pod *p;
		if (strcmp(name, "converge") == 0)
			world_converge(&w);
		else if (strcmp(name, "sync") == 0)
			world_sync(&w);
		else if (strcmp(name, "set_running") == 0 || strcmp(name, "set_ready") == 0) {
			p = find_pod(&w, (int32_t)tv_i64(op, "ordinal", -1));
			if (p == NULL)
				FAILF("%s: step %zu: no such pod", cn, i);
			else if (name[4] == 'r' && name[5] == 'u')
				p->phase = STS_POD_RUNNING;
			else
				p->ready = true;
		} else if (strcmp(name, "delete_pods") == 0) {
			const struct yt_node *l = yt_get(op, "ordinals");
			for (size_t k = 0; k < tv_seq_n(l); k++) {
				int64_t o = -1;
				char *cause = NULL;
				if (yt_int64(l->items[k], &o, &cause) < 0)
					free(cause);
				for (size_t j = 0; j < w.npods; j++)
					if (w.pods[j].ordinal == o) {
						remove_pod(&w, j);
						break;
					}
			}
		} else if (strcmp(name, "update_template") == 0) {
			free(w.template);
			w.template = xstrdup(tv_str_or(op, "template", ""));
		} else if (strcmp(name, "set_replicas") == 0)
			w.spec.replicas = (int32_t)tv_i64(op, "replicas", 0);
		else if (strcmp(name, "observe") == 0) {
			observe(&w, op, nchecks < tv_seq_n(checks) ? checks->items[nchecks] : NULL);
			nchecks++;
		} else
			FAILF("%s: unknown op '%s'", cn, name);
	}
	expect(cn, "observations", (long long)nchecks, (long long)tv_seq_n(checks));
	world_fini(&w);
}

static void
expect_names(struct world *w, const char *what, const struct yt_node *want)
{
	qsort(w->pods, w->npods, sizeof *w->pods, cmp_pod);
	bool same = tv_seq_n(want) == w->npods;
	for (size_t i = 0; same && i < w->npods; i++) {
		char *name = sts_pod_name(w->set_name, w->pods[i].ordinal);
		same = strcmp(name, want->items[i]->str) == 0;
		free(name);
	}
	if (same)
		PASS();
	else
		FAILF("%s: %s differ (%zu pods)", w->cname, what, w->npods);
}

static void
run_start_ordinal(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct world w;
	world_init(&w, tv_case_name(c), in);
	free(w.set_name);
	w.set_name = xstrdup(tv_str_or(in, "set_name", "sts"));
	w.spec.start = (int32_t)tv_i64(in, "ordinals_start", 0);
	world_converge(&w);
	expect_names(&w, "pod_names", yt_get(ex, "pod_names"));
	w.spec.replicas = 1;
	world_converge(&w);
	expect_names(&w, "after_scale_to_1", yt_get(ex, "after_scale_to_1"));
	world_fini(&w);
}

static void
run_invariant(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *l = yt_get(in, "pods");
	struct sts_spec s = {
		.replicas = (int32_t)tv_i64(in, "replicas", 0),
		.policy = strcmp(tv_str_or(in, "pod_management_policy", "OrderedReady"),
		    "Parallel") == 0 ? STS_PARALLEL : STS_ORDERED_READY,
		.rolling_update = true,
		.partition = (int32_t)tv_i64(in, "partition", 0),
		.max_unavailable = intpct_of(cn, in, "max_unavailable"),
	};
	size_t n = tv_seq_n(l);
	struct sts_pod *pods = xcalloc(n + 1, sizeof *pods);
	size_t *rep = xcalloc((size_t)s.replicas + 1, sizeof *rep);
	for (int32_t i = 0; i < s.replicas; i++)
		rep[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct yt_node *x = l->items[i];
		pods[i].ordinal = (int32_t)tv_i64(x, "ordinal", -1);
		pods[i].revision = tv_str_or(x, "revision", "");
		pods[i].phase = phase_of(tv_str_or(x, "phase", ""));
		pods[i].ready = tv_bool(x, "ready", false);
		pods[i].terminating = tv_bool(x, "terminating", false);
		if (pods[i].ordinal >= 0 && pods[i].ordinal < s.replicas)
			rep[pods[i].ordinal] = i;
	}
	struct sts_status st = { 0 };
	const char *upd = tv_str_or(in, "update_revision", "");
	struct sts_sync_in si = { &s, &st, pods, n, upd, upd, true, NOW };
	struct sts_sync_out o;
	memset(&o, 0, sizeof o);
	sts_rolling_update_max_unavailable(&si, rep, &o);
	expect(cn, "pod_count_after", (long long)(n - o.n),
	    tv_i64(yt_get(c, "expected"), "pod_count_after", -1));
	sts_sync_out_fini(&o);
	free(rep);
	free(pods);
}

/*
 * Not a vector: upstream's newVersionedStatefulSetPod rule. With rollingUpdate
 * unset, a pod deleted behind the controller's back during a rollout comes
 * back at the current revision when its ordinal is below status.currentReplicas.
 */
static void
check_recreate_at_current(void)
{
	struct world w;
	memset(&w, 0, sizeof w);
	w.cname = "recreate below currentReplicas";
	w.set_name = xstrdup("web");
	w.spec.replicas = 3;
	w.template = xstrdup("A");
	world_converge(&w);
	free(w.template);
	w.template = xstrdup("B");
	world_sync(&w);			/* deletes pod 2 for the update */
	CHECK_INT(w.status.current, 2);
	CHECK(find_pod(&w, 2) == NULL);
	for (size_t j = 0; j < w.npods; j++)
		if (w.pods[j].ordinal == 0)
			remove_pod(&w, j);
	world_sync(&w);			/* OrderedReady: recreates pod 0 only */
	struct store_pod *p0 = find_pod(&w, 0);
	CHECK(p0 != NULL && strcmp(p0->revision, "A") == 0);
	CHECK(find_pod(&w, 2) == NULL);
	world_converge(&w);		/* then the rollout finishes at B */
	for (int32_t o = 0; o < 3; o++) {
		struct store_pod *p = find_pod(&w, o);
		CHECK(p != NULL && strcmp(p->revision, "B") == 0);
	}
	world_fini(&w);
}

/* Not a vector: truncateHistory keeps live revisions and the newest others. */
static void
check_history_truncate(void)
{
	struct sts_history h = { 0 };
	const char *names[] = { "r1", "r2", "r3", "r4", "r5" };
	for (int i = 0; i < 5; i++) {
		KS_GROW(h.v, h.cap, h.n + 1);
		h.v[h.n].name = xstrdup(names[i]);
		h.v[h.n++].number = i + 1;
	}
	const char *live[] = { "r1", "r5" };	/* a pod's and the update revision */
	CHECK_INT(sts_history_truncate(&h, 1, live, 2), 2);
	CHECK_INT(h.n, 3);
	bool seen[6] = { false };
	for (size_t i = 0; i < h.n; i++)
		seen[h.v[i].number] = true;
	CHECK(seen[1] && seen[4] && seen[5] && !seen[2] && !seen[3]);
	CHECK_INT(sts_history_truncate(&h, -1, live, 2), 0);
	sts_history_free(&h);
}

int
main(void)
{
	check_recreate_at_current();
	check_history_truncate();
	const char *path = tl_fidelity("statefulset.json");
	struct yt_docs d;
	const struct yt_node *root = tv_load(path, &d);
	if (root == NULL)
		return tl_finish();
	size_t n = 0;
	n += tv_each(root, "max_unavailable_cases", run_max_unavailable);
	n += tv_each(root, "parent_ordinal_cases", run_parent_ordinal);
	n += tv_each(root, "claim_name_cases", run_claim_name);
	n += tv_each(root, "claim_owner_cases", run_claim_owner);
	n += tv_each(root, "running_and_ready_cases", run_running_and_ready);
	n += tv_each(root, "availability_cases", run_availability);
	n += tv_each(root, "revision_cases", run_revisions);
	n += tv_each(root, "start_ordinal_cases", run_start_ordinal);
	n += tv_each(root, "control_scenario_cases", run_scenario);
	n += tv_each(root, "max_unavailable_invariant_cases", run_invariant);
	size_t lists = tv_case_lists(root);
	expect("statefulset.json", "case lists replayed", (long long)lists, 10);
	printf("statefulset.json: %zu cases replayed\n", n);
	yt_docs_free(&d);
	return tl_finish();
}
