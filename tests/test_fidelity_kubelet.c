/*
 * test_fidelity_kubelet.c - replays every case of $KS_FIDELITY_DIR/kubelet.json
 * (upstream qos_test.go, kubelet/eviction/helpers_test.go and the flowcontrol
 * back-off tests) through models/kubelet/qos.h, eviction.h and backoff.h,
 * asserting the recorded classes, orders, thresholds and delays exactly.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/kubelet/backoff.h"
#include "models/kubelet/eviction.h"
#include "models/kubelet/qos.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define SEC	1000000000LL
#define MAX_N	32

/* A quantity field (a string or a plain number); 0 when absent. */
static int64_t
qty(const struct yt_node *m, const char *key, bool milli)
{
	const struct yt_node *n = yt_get(m, key);
	int64_t v = 0;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SCALAR || evict_parse_quantity(n->str, milli, &v) < 0)
		FAILF("%s: bad quantity", key);
	return v;
}

static void
read_res(const struct yt_node *m, struct qos_res *r)
{
	r->cpu_milli = qty(m, "cpu", true);
	r->memory = qty(m, "memory", false);
}

static void
read_container(const struct yt_node *c, struct qos_container *q)
{
	read_res(yt_get(c, "requests"), &q->requests);
	read_res(yt_get(c, "limits"), &q->limits);
}

/* containers then init containers (ephemeral containers are not read). */
static size_t
read_containers(const struct yt_node *in, struct qos_container *v)
{
	size_t n = 0;
	const char *keys[] = { "containers", "init_containers" };
	for (int k = 0; k < 2; k++) {
		const struct yt_node *l = yt_get(in, keys[k]);
		for (size_t i = 0; i < tv_len(l) && n < MAX_N; i++)
			read_container(l->items[i], &v[n++]);
	}
	return n;
}

static void
expect_i(const char *cn, const char *what, int64_t got, int64_t want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cn, what, (long long)got, (long long)want);
}

/* ---- QoS ------------------------------------------------------------------------ */

static void
run_qos(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	struct qos_container v[MAX_N], pod;
	size_t n = read_containers(in, v);
	bool gate = tv_bool(yt_get(c, "feature_gates"), "PodLevelResources", false);
	const struct qos_container *pl = NULL;
	if (gate && !tv_null(in, "pod_resources")) {
		read_container(yt_get(in, "pod_resources"), &pod);
		pl = &pod;
	}
	const char *got = qos_class_name(qos_compute(v, n, pl));
	const char *want = tv_str(yt_get(c, "expected"), "qos_class");
	if (want != NULL && strcmp(got, want) == 0)
		PASS();
	else
		FAILF("%s: qos %s, want %s", cn, got, want ? want : "?");
}

static void
check_sum(const char *cn, const struct qos_sum *s, const struct yt_node *ex)
{
	struct qos_res rq, lm;
	read_res(yt_get(ex, "requests"), &rq);
	read_res(yt_get(ex, "limits"), &lm);
	expect_i(cn, "requests cpu", s->requests.cpu_milli, rq.cpu_milli);
	expect_i(cn, "requests memory", s->requests.memory, rq.memory);
	expect_i(cn, "limits cpu", s->limits.cpu_milli, lm.cpu_milli);
	expect_i(cn, "limits memory", s->limits.memory, lm.memory);
	expect_i(cn, "has_cpu_and_memory_limits", s->has_cpu_and_memory_limits,
	    tv_bool(ex, "has_cpu_and_memory_limits", false));
}

static void
run_collect_pod(const struct yt_node *c)
{
	struct qos_container pod;
	struct qos_sum s;
	read_container(yt_get(yt_get(c, "inputs"), "pod_resources"), &pod);
	qos_collect_pod_level(&pod, &s);
	check_sum(tv_case_name(c), &s, yt_get(c, "expected"));
}

static void
run_collect_containers(const struct yt_node *c)
{
	struct qos_container v[MAX_N];
	struct qos_sum s;
	size_t n = read_containers(yt_get(c, "inputs"), v);
	qos_collect_containers(v, n, &s);
	check_sum(tv_case_name(c), &s, yt_get(c, "expected"));
}

/* ---- eviction ranking ------------------------------------------------------------- */

static int
cmp_of(const char *s)
{
	static const struct { const char *name; enum evict_cmp c; } t[] = {
		{ "exceedMemoryRequests", EVICT_CMP_EXCEED_MEMORY },
		{ "priority", EVICT_CMP_PRIORITY },
		{ "memory", EVICT_CMP_MEMORY },
		{ "exceedDiskRequests(ephemeral-storage)", EVICT_CMP_EXCEED_DISK },
		{ "disk(ephemeral-storage)", EVICT_CMP_DISK },
		{ "exceedDiskRequests(inodes)", EVICT_CMP_EXCEED_INODES },
		{ "disk(inodes)", EVICT_CMP_INODES },
		{ "process", EVICT_CMP_PROCESS },
	};
	for (size_t i = 0; s != NULL && i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].name, s) == 0)
			return (int)t[i].c;
	return -1;
}

static void
read_evict_pod(const struct yt_node *m, struct evict_pod *p)
{
	memset(p, 0, sizeof *p);
	p->name = tv_str(m, "name");
	p->priority = (int32_t)tv_i64(m, "priority", 0);
	const struct yt_node *rq = yt_get(m, "requests");
	p->memory_request = qty(rq, "memory", false);
	p->ephemeral_request = qty(rq, "ephemeral-storage", false);
	const struct yt_node *st = yt_get(m, "stats");
	p->has_stats = st != NULL && !yt_is_null(st);
	int64_t vols = tv_i64(m, "empty_dir_volumes", 0);
	p->memory_working_set = qty(st, "memory_working_set", false);
	const struct yt_node *d = yt_get(st, "disk"), *in = yt_get(st, "inodes");
	p->disk_rootfs = qty(d, "rootfs", false);
	p->disk_logs = qty(d, "logs", false);
	p->disk_volumes = qty(d, "per_local_volume", false) * vols;
	p->inodes_rootfs = qty(in, "rootfs", false);
	p->inodes_logs = qty(in, "logs", false);
	p->inodes_volumes = qty(in, "per_local_volume", false) * vols;
	p->processes = tv_i64(st, "processes", 0);
}

static void
run_rank(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *pl = yt_get(in, "pods"), *cl = yt_get(in, "comparators");
	const struct yt_node *init = yt_get(in, "initial_order");
	const struct yt_node *want = yt_get(yt_get(c, "expected"), "order");
	struct evict_pod v[MAX_N], *p[MAX_N];
	enum evict_cmp cmps[8];
	size_t n = 0, nc = 0;
	for (size_t i = 0; i < tv_len(cl) && nc < 8; i++) {
		int k = cmp_of(cl->items[i]->str);
		if (k < 0)
			FAILF("%s: unknown comparator %s", cn, cl->items[i]->str);
		else
			cmps[nc++] = (enum evict_cmp)k;
	}
	for (size_t i = 0; i < tv_len(pl) && i < MAX_N; i++)
		read_evict_pod(pl->items[i], &v[i]);
	/* The slice upstream sorts, in its initial order. */
	for (size_t i = 0; i < tv_len(init) && n < MAX_N; i++)
		for (size_t j = 0; j < tv_len(pl) && j < MAX_N; j++)
			if (v[j].name != NULL && strcmp(v[j].name, init->items[i]->str) == 0)
				p[n++] = &v[j];
	evict_order(p, n, cmps, nc);
	expect_i(cn, "pods ranked", n, tv_len(want));
	for (size_t i = 0; i < n && i < tv_len(want); i++)
		if (strcmp(p[i]->name, want->items[i]->str) == 0)
			PASS();
		else
			FAILF("%s: rank %zu = %s, want %s", cn, i, p[i]->name, want->items[i]->str);
}

/* ---- thresholds ---------------------------------------------------------------------- */

static size_t
read_kv(const struct yt_node *m, struct evict_kv *kv)
{
	size_t n = 0;
	for (size_t i = 0; m != NULL && m->kind == YT_MAP && i < m->n && n < MAX_N; i++)
		kv[n++] = (struct evict_kv){ m->keys[i]->str, m->items[i]->str };
	return n;
}

static bool
value_eq(const struct evict_value *v, const struct yt_node *want)
{
	if (want == NULL || yt_is_null(want))
		return !v->is_percentage && v->quantity == 0;
	if (!tv_null(want, "percentage"))
		return v->is_percentage &&
		    fabs(v->percentage - tv_dbl(want, "percentage", -1)) < 1e-6;
	return !v->is_percentage && v->quantity == qty(want, "quantity", false);
}

static bool
threshold_eq(const struct evict_threshold *t, const struct yt_node *w)
{
	const char *sig = tv_str(w, "signal"), *op = tv_str(w, "operator");
	const struct evict_value zero = { 0 };
	return sig != NULL && strcmp(evict_signal_name(t->signal), sig) == 0 &&
	    op != NULL && strcmp(op, "LessThan") == 0 &&
	    value_eq(&t->value, yt_get(w, "value")) &&
	    t->grace_ns == tv_i64(w, "grace_period_seconds", 0) * SEC &&
	    value_eq(t->has_min_reclaim ? &t->min_reclaim : &zero, yt_get(w, "min_reclaim"));
}

/* Compares as an unordered set, as upstream's thresholdsEqual does. */
static void
check_thresholds(const char *cn, const struct evict_threshold *t, size_t n,
    const struct yt_node *want)
{
	bool used[EVICT_MAX_THRESHOLDS] = { false };
	expect_i(cn, "thresholds", n, tv_len(want));
	for (size_t i = 0; i < tv_len(want); i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			if (!used[j] && threshold_eq(&t[j], want->items[i]))
				found = used[j] = true;
		if (found)
			PASS();
		else
			FAILF("%s: threshold %zu (%s) not produced", cn, i,
			    tv_str(want->items[i], "signal"));
	}
}

static void
run_parse(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct evict_kv hard[MAX_N], soft[MAX_N], grace[MAX_N], rec[MAX_N];
	const char *alloc[MAX_N];
	const struct yt_node *al = yt_get(in, "allocatable_config");
	size_t na = 0;
	for (size_t i = 0; i < tv_len(al) && na < MAX_N; i++)
		alloc[na++] = al->items[i]->str;
	size_t nh = read_kv(yt_get(in, "eviction_hard"), hard);
	size_t ns = read_kv(yt_get(in, "eviction_soft"), soft);
	size_t ng = read_kv(yt_get(in, "eviction_soft_grace_period"), grace);
	size_t nr = read_kv(yt_get(in, "eviction_min_reclaim"), rec);
	struct evict_threshold t[EVICT_MAX_THRESHOLDS];
	size_t n = 0;
	char *cause = NULL;
	int rc = evict_parse_thresholds(alloc, na, hard, nh, soft, ns, grace, ng, rec, nr,
	    t, EVICT_MAX_THRESHOLDS, &n, &cause);
	bool want_err = tv_bool(ex, "error", false);
	if ((rc < 0) == want_err)
		PASS();
	else
		FAILF("%s: error %s, want %s (%s)", cn, rc < 0 ? "yes" : "no",
		    want_err ? "yes" : "no", cause ? cause : "");
	if (rc < 0 && cause == NULL)
		FAILF("%s: an error without a message", cn);
	free(cause);
	if (rc == 0)
		check_thresholds(cn, t, n, yt_get(ex, "thresholds"));
}

static size_t
read_thresholds(const struct yt_node *l, struct evict_threshold *t)
{
	size_t n = 0;
	for (size_t i = 0; i < tv_len(l) && n < EVICT_MAX_THRESHOLDS; i++) {
		const struct yt_node *w = l->items[i];
		struct evict_threshold *x = &t[n++];
		memset(x, 0, sizeof *x);
		int s = evict_signal_parse(tv_str(w, "signal"));
		if (s < 0)
			FAILF("unknown signal %s", tv_str(w, "signal"));
		x->signal = s < 0 ? EVICT_SIG_MEMORY_AVAILABLE : (enum evict_signal)s;
		const struct yt_node *v = yt_get(w, "value"), *m = yt_get(w, "min_reclaim");
		x->value.is_percentage = !tv_null(v, "percentage");
		x->value.percentage = (float)tv_dbl(v, "percentage", 0);
		x->value.quantity = qty(v, "quantity", false);
		x->grace_ns = tv_i64(w, "grace_period_seconds", 0) * SEC;
		x->has_min_reclaim = m != NULL && !yt_is_null(m);
		x->min_reclaim.is_percentage = !tv_null(m, "percentage");
		x->min_reclaim.percentage = (float)tv_dbl(m, "percentage", 0);
		x->min_reclaim.quantity = qty(m, "quantity", false);
	}
	return n;
}

static void
run_allocatable(const struct yt_node *c)
{
	struct evict_threshold t[EVICT_MAX_THRESHOLDS];
	size_t n = read_thresholds(yt_get(yt_get(c, "inputs"), "thresholds"), t);
	n = evict_add_allocatable(t, n, EVICT_MAX_THRESHOLDS);
	check_thresholds(tv_case_name(c), t, n, yt_get(yt_get(c, "expected"), "thresholds"));
}

static void
run_sort(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *l = yt_get(yt_get(c, "inputs"), "signals");
	const struct yt_node *w = yt_get(yt_get(c, "expected"), "signals");
	struct evict_threshold t[EVICT_MAX_THRESHOLDS];
	size_t n = 0;
	for (size_t i = 0; i < tv_len(l) && n < EVICT_MAX_THRESHOLDS; i++) {
		int s = evict_signal_parse(l->items[i]->str);
		memset(&t[n], 0, sizeof t[n]);
		if (s < 0)
			FAILF("%s: unknown signal %s", cn, l->items[i]->str);
		else
			t[n++].signal = (enum evict_signal)s;
	}
	evict_sort_thresholds(t, n);
	expect_i(cn, "signals", n, tv_len(w));
	for (size_t i = 0; i < n && i < tv_len(w); i++)
		if (strcmp(evict_signal_name(t[i].signal), w->items[i]->str) == 0)
			PASS();
		else
			FAILF("%s: [%zu] = %s, want %s", cn, i, evict_signal_name(t[i].signal),
			    w->items[i]->str);
}

/* ---- back-off ------------------------------------------------------------------------------ */

static void
run_backoff(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct backoff_policy p = { tv_i64(in, "initial_seconds", 0) * SEC,
		tv_i64(in, "max_seconds", 0) * SEC, 0 };
	struct backoff_entry e = { 0 };
	int64_t now = 1000 * SEC;
	const struct yt_node *steps = yt_get(in, "steps"), *ops = yt_get(in, "ops");
	if (steps != NULL) {
		/* Each step: the clock advances, Get, then Next(id, now). */
		const struct yt_node *gets = yt_get(ex, "gets");
		expect_i(cn, "steps", tv_len(steps), tv_len(gets));
		for (size_t i = 0; i < tv_len(steps); i++) {
			const struct yt_node *s = steps->items[i];
			now += tv_i64(s, "advance", 0) * SEC;
			if (tv_bool(s, "get", false) && i < tv_len(gets)) {
				int64_t w = 0;
				char *cause = NULL;
				if (yt_int64(gets->items[i], &w, &cause) < 0) {
					FAILF("%s", cause);
					free(cause);
				}
				expect_i(cn, "Get", backoff_get(&e), w * SEC);
			}
			if (tv_bool(s, "next", false))
				backoff_next(&p, &e, now, now);
		}
		return;
	}
	const struct yt_node *res = yt_get(ex, "results");
	size_t k = 0;
	for (size_t i = 0; i < tv_len(ops); i++) {
		const struct yt_node *op = ops->items[i];
		const char *name = tv_len(op) > 0 ? op->items[0]->str : "";
		int64_t arg = 0;
		if (tv_len(op) > 1 && strcmp(op->items[1]->str, "now") != 0)
			arg = strtoll(op->items[1]->str, NULL, 10);
		if (strcmp(name, "next_every_second") == 0) {
			for (int64_t j = 0; j < arg; j++) {
				now += SEC;
				backoff_next(&p, &e, now, now);
			}
		} else if (strcmp(name, "advance") == 0) {
			now += arg * SEC;
		} else if (strcmp(name, "next") == 0) {
			backoff_next(&p, &e, now, now);
		} else if (strcmp(name, "reset") == 0) {
			backoff_reset(&e);
		} else if (strcmp(name, "gc") == 0) {
			backoff_gc(&p, &e, now);
		} else if (strcmp(name, "get") == 0 || strcmp(name, "has_entry") == 0) {
			if (k >= tv_len(res)) {
				FAILF("%s: more results than expected", cn);
				continue;
			}
			const struct yt_node *w = res->items[k++];
			if (strcmp(name, "get") == 0)
				expect_i(cn, "Get", backoff_get(&e), strtoll(w->str, NULL, 10) * SEC);
			else
				expect_i(cn, "has entry", e.set, strcmp(w->str, "true") == 0);
		} else {
			FAILF("%s: unknown op %s", cn, name);
		}
	}
	expect_i(cn, "results", k, tv_len(res));
}

int
main(void)
{
	struct yt_docs docs;
	char *cause = NULL;
	if (yt_parse_file(tl_fidelity("kubelet.json"), &docs, &cause) < 0 || docs.ndocs == 0) {
		FAILF("%s", cause != NULL ? cause : "kubelet.json is empty");
		free(cause);
		return tl_finish();
	}
	static const struct tv_family fams[] = {
		{ "qos_cases", run_qos },
		{ "collect_pod_level_resources_cases", run_collect_pod },
		{ "collect_container_level_resources_cases", run_collect_containers },
		{ "eviction_rank_cases", run_rank },
		{ "threshold_parse_cases", run_parse },
		{ "allocatable_threshold_cases", run_allocatable },
		{ "threshold_sort_cases", run_sort },
		{ "backoff_cases", run_backoff },
		{ NULL, NULL },
	};
	int n = tv_replay(docs.docs[0], "kubelet.json", fams);
	printf("kubelet.json: %d cases replayed, none skipped\n", n);
	CHECK(n > 0);

	/* The crash-loop schedule of the JSON's formulas: 10, 20, 40, ..., 300 s,
	 * reset after 600 s without a new back-off. */
	struct backoff_policy cl = BACKOFF_CRASHLOOP;
	struct backoff_entry e = { 0 };
	static const int64_t sched[] = { 10, 20, 40, 80, 160, 300, 300 };
	int64_t t = 0;
	for (size_t i = 0; i < sizeof sched / sizeof sched[0]; i++) {
		backoff_next(&cl, &e, t, t);
		CHECK_INT(backoff_get(&e), sched[i] * SEC);
		CHECK(backoff_since(&cl, &e, t, t + sched[i] * SEC - 1));
		CHECK(!backoff_since(&cl, &e, t, t + sched[i] * SEC));
		t += sched[i] * SEC;
	}
	backoff_next(&cl, &e, t + 601 * SEC, t + 601 * SEC);
	CHECK_INT(backoff_get(&e), 10 * SEC);
	yt_docs_free(&docs);
	return tl_finish();
}
