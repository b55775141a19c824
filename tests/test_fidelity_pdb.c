/*
 * test_fidelity_pdb.c - replays every case of $KS_FIDELITY_DIR/pdb.json
 * (upstream disruption_test.go and eviction_test.go) through
 * models/controller/disruption.h: PDB status snapshots, the controller
 * finders and eviction decisions, asserting the recorded values exactly.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/disruption.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define SEC	1000000000LL
#define NOW	(1000000LL * SEC)
#define MAX_N	64
#define MAX_L	8

static void
expect_i(const char *cn, const char *what, int64_t got, int64_t want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cn, what, (long long)got, (long long)want);
}

/* A {key: value} map into labels (at most MAX_L). */
static size_t
read_labels(const struct yt_node *m, struct disr_label *l)
{
	size_t n = 0;
	for (size_t i = 0; m != NULL && m->kind == YT_MAP && i < m->n && n < MAX_L; i++)
		l[n++] = (struct disr_label){ m->keys[i]->str, m->items[i]->str };
	return n;
}

/* {match_labels: {...}} is a set selector; null is nil. */
static void
read_selector(const struct yt_node *m, struct disr_selector *s, struct disr_label *l)
{
	s->set = m != NULL && !yt_is_null(m);
	s->n = read_labels(yt_get(m, "match_labels"), l);
	s->match_labels = l;
}

static int
read_intstr(const struct yt_node *m, const char *key, struct intstr *out)
{
	const struct yt_node *n = yt_get(m, key);
	*out = (struct intstr){ INTSTR_UNSET, 0 };
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind == YT_SCALAR && !n->quoted) {
		*out = intstr_int((int32_t)tv_i64(m, key, 0));
		return 0;
	}
	return n->kind == YT_SCALAR ? intstr_parse_string(n->str, out) : -1;
}

static void
read_ref(const struct yt_node *m, struct disr_ref *r)
{
	r->api_version = tv_str(m, "api_version");
	r->kind = tv_str(m, "kind");
	r->name = tv_str(m, "name");
	r->uid = tv_str(m, "uid");
}

static enum disr_phase
phase_of(const char *s)
{
	if (s == NULL || *s == '\0')
		return DISR_PHASE_EMPTY;
	if (strcmp(s, "Running") == 0)
		return DISR_PHASE_RUNNING;
	if (strcmp(s, "Pending") == 0)
		return DISR_PHASE_PENDING;
	if (strcmp(s, "Succeeded") == 0)
		return DISR_PHASE_SUCCEEDED;
	if (strcmp(s, "Failed") == 0)
		return DISR_PHASE_FAILED;
	return DISR_PHASE_UNKNOWN;
}

/* ---- the object store the finders look into ------------------------------------ */

struct store {
	size_t			n;
	const char		*kind[MAX_N], *name[MAX_N];
	struct disr_object	obj[MAX_N];
	struct disr_ref		owner[MAX_N];
};

static bool
builtin(const char *kind)
{
	return strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "Deployment") == 0 ||
	    strcmp(kind, "ReplicationController") == 0 || strcmp(kind, "StatefulSet") == 0;
}

/* Built-in kinds are found by name; other kinds through the fake scale client
 * of the upstream test, which answers for any name. */
static const struct disr_object *
store_lookup(void *ctx, const char *kind, const char *name)
{
	const struct store *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (kind != NULL && strcmp(s->kind[i], kind) == 0 &&
		    (!builtin(kind) || (name != NULL && strcmp(s->name[i], name) == 0)))
			return &s->obj[i];
	return NULL;
}

/* ---- controller status snapshots --------------------------------------------------- */

static void
run_status(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *pm = yt_get(in, "pdb");
	struct disr_spec spec = { .generation = 0 };
	if (read_intstr(pm, "min_available", &spec.min_available) < 0 ||
	    read_intstr(pm, "max_unavailable", &spec.max_unavailable) < 0)
		FAILF("%s: bad minAvailable/maxUnavailable", cn);
	struct disr_label sl[MAX_L];
	struct disr_selector sel;
	read_selector(yt_get(pm, "selector"), &sel, sl);

	static struct store st;
	memset(&st, 0, sizeof st);
	const struct yt_node *cl = yt_get(in, "controllers");
	for (size_t i = 0; i < tv_len(cl) && st.n < MAX_N; i++) {
		const struct yt_node *m = cl->items[i];
		size_t k = st.n++;
		st.kind[k] = tv_str(m, "kind");
		st.name[k] = tv_str(m, "name");
		st.obj[k].uid = tv_str(m, "uid");
		st.obj[k].replicas = (int32_t)tv_i64(m, "replicas", 0);
		if (!tv_null(m, "owner")) {
			read_ref(yt_get(m, "owner"), &st.owner[k]);
			st.obj[k].controller = &st.owner[k];
		}
	}
	/* The pods the PDB's selector picks. */
	static struct disr_pod pods[MAX_N];
	static struct disr_ref refs[MAX_N];
	struct disr_pod *sel_pods[MAX_N];
	size_t n = 0;
	const struct yt_node *pl = yt_get(in, "pods");
	for (size_t i = 0; i < tv_len(pl) && i < MAX_N; i++) {
		const struct yt_node *m = pl->items[i];
		struct disr_label ll[MAX_L];
		size_t nl = read_labels(yt_get(m, "labels"), ll);
		if (!disr_selector_matches(&sel, ll, nl))
			continue;
		struct disr_pod *p = &pods[n];
		memset(p, 0, sizeof *p);
		p->name = tv_str(m, "name");
		p->ready = tv_bool(m, "ready", false);
		p->deleting = tv_bool(m, "deleting", false);
		p->phase = phase_of(tv_str(m, "phase"));
		if (!tv_null(m, "owner")) {
			read_ref(yt_get(m, "owner"), &refs[n]);
			p->controller = &refs[n];
		}
		sel_pods[n++] = p;
	}
	struct disr_disrupted dis[MAX_N], kept[MAX_N];
	const struct yt_node *dm = yt_get(pm, "disrupted_pods");
	size_t nd = 0;
	for (size_t i = 0; dm != NULL && dm->kind == YT_MAP && i < dm->n && nd < MAX_N; i++)
		dis[nd++] = (struct disr_disrupted){ dm->keys[i]->str,
			NOW + tv_i64(dm, dm->keys[i]->str, 0) * SEC };
	struct disr_scale scratch[MAX_N];
	struct disr_status s;
	char *cause = NULL;
	if (disr_sync(&spec, sel_pods, n, dis, nd, store_lookup, &st, NOW, scratch, &s, kept,
	    &cause) < 0) {
		FAILF("%s: %s", cn, cause ? cause : "error");
		free(cause);
		return;
	}
	expect_i(cn, "disruptions_allowed", s.disruptions_allowed,
	    tv_i64(ex, "disruptions_allowed", -1));
	if (!tv_null(ex, "current_healthy"))
		expect_i(cn, "current_healthy", s.current_healthy, tv_i64(ex, "current_healthy", -1));
	if (!tv_null(ex, "desired_healthy"))
		expect_i(cn, "desired_healthy", s.desired_healthy, tv_i64(ex, "desired_healthy", -1));
	if (!tv_null(ex, "expected_pods"))
		expect_i(cn, "expected_pods", s.expected_pods, tv_i64(ex, "expected_pods", -1));
	const struct yt_node *wd = yt_get(ex, "disrupted_pods");
	if (wd != NULL && wd->kind == YT_SEQ) {
		/* status.disruptedPods is a map: compare as a set. */
		expect_i(cn, "disrupted_pods", s.ndisrupted, wd->n);
		for (size_t i = 0; i < wd->n; i++) {
			bool found = false;
			for (size_t j = 0; j < s.ndisrupted && !found; j++)
				found = strcmp(kept[j].pod, wd->items[i]->str) == 0;
			if (found)
				PASS();
			else
				FAILF("%s: %s not kept in disruptedPods", cn, wd->items[i]->str);
		}
	}
	const char *wc = tv_str(ex, "condition_disruption_allowed");
	if (wc != NULL)
		expect_i(cn, "DisruptionAllowed", s.disruption_allowed, strcmp(wc, "True") == 0);
}

/* ---- finders ------------------------------------------------------------------------- */

static void
run_finder(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	static const struct { const char *name; enum disr_finder f; } finders[] = {
		{ "ReplicationController", DISR_FIND_REPLICATION_CONTROLLER },
		{ "Deployment", DISR_FIND_DEPLOYMENT },
		{ "ReplicaSet", DISR_FIND_REPLICA_SET },
		{ "StatefulSet", DISR_FIND_STATEFUL_SET },
	};
	const char *fname = tv_str(in, "finder");
	int f = -1;
	for (size_t i = 0; fname != NULL && i < sizeof finders / sizeof finders[0]; i++)
		if (strcmp(finders[i].name, fname) == 0)
			f = (int)finders[i].f;
	if (f < 0) {
		FAILF("%s: unknown finder %s", cn, fname ? fname : "(none)");
		return;
	}
	/* Every object is named "foo" with uid "uid-foo"; a ReplicaSet is owned
	 * by the Deployment "foo" through rs_owner_ref. */
	static struct store st;
	memset(&st, 0, sizeof st);
	static struct disr_ref rs_owner;
	const struct yt_node *om = yt_get(in, "objects");
	for (size_t i = 0; om != NULL && om->kind == YT_MAP && i < om->n; i++) {
		size_t k = st.n++;
		st.kind[k] = om->keys[i]->str;
		st.name[k] = "foo";
		st.obj[k].uid = "uid-foo";
		st.obj[k].replicas = (int32_t)tv_i64(om, om->keys[i]->str, 0);
		if (strcmp(st.kind[k], "ReplicaSet") == 0 && !tv_null(in, "rs_owner_ref")) {
			read_ref(yt_get(in, "rs_owner_ref"), &rs_owner);
			rs_owner.name = "foo";
			rs_owner.uid = "uid-foo";
			st.obj[k].controller = &rs_owner;
		}
	}
	struct disr_ref ref;
	read_ref(yt_get(in, "controller_ref"), &ref);
	ref.name = "foo";
	ref.uid = "uid-foo";
	const char *uid;
	int32_t scale;
	int rc = disr_find((enum disr_finder)f, &ref, store_lookup, &st, &uid, &scale);
	bool want = tv_bool(ex, "found", false);
	expect_i(cn, "found", rc == 1, want);
	if (want)
		expect_i(cn, "scale", scale, tv_i64(ex, "scale", -1));
}

/* ---- eviction -------------------------------------------------------------------------- */

static void
run_eviction(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	const struct yt_node *pm = yt_get(in, "pod");
	struct disr_label pl[MAX_L];
	size_t npl = read_labels(yt_get(pm, "labels"), pl);
	struct disr_pod pod = { .name = tv_str(pm, "name"), .ready = tv_bool(pm, "ready", false),
		.deleting = tv_bool(pm, "terminating", false),
		.phase = phase_of(tv_str(pm, "phase")) };
	struct disr_budget b[MAX_L], *match[MAX_L];
	size_t nm = 0;
	const struct yt_node *bl = yt_get(in, "pdbs");
	for (size_t i = 0; i < tv_len(bl) && i < MAX_L; i++) {
		const struct yt_node *m = bl->items[i], *s = yt_get(m, "status");
		struct disr_label sl[MAX_L];
		struct disr_selector sel;
		read_selector(yt_get(m, "selector"), &sel, sl);
		if (!disr_selector_matches(&sel, pl, npl))
			continue;
		const char *pol = tv_str(m, "unhealthy_pod_eviction_policy");
		b[nm] = (struct disr_budget){ .name = tv_str(m, "name"),
			.generation = tv_i64(m, "generation", 0),
			.unhealthy_policy = pol != NULL && strcmp(pol, "AlwaysAllow") == 0 ?
			    DISR_ALWAYS_ALLOW : DISR_IF_HEALTHY_BUDGET };
		b[nm].status.disruptions_allowed = (int32_t)tv_i64(s, "disruptions_allowed", 0);
		b[nm].status.current_healthy = (int32_t)tv_i64(s, "current_healthy", 0);
		b[nm].status.desired_healthy = (int32_t)tv_i64(s, "desired_healthy", 0);
		b[nm].status.observed_generation = tv_i64(s, "observed_generation", 0);
		b[nm].status.ndisrupted = (size_t)tv_i64(s, "disrupted_pods", 0);
		match[nm] = &b[nm];
		nm++;
	}
	struct disr_eviction e;
	disr_evict(&pod, match, nm, &e);
	const char *outcome = tv_str(ex, "outcome");
	bool want_del = outcome != NULL && strcmp(outcome, "deleted") == 0;
	expect_i(cn, "deleted", e.result == DISR_EVICT_DELETE, want_del);
	if (want_del)
		return;
	expect_i(cn, "code", e.code, tv_i64(ex, "code", -1));
	const char *wr = tv_str(ex, "reason"), *wc = tv_str(ex, "cause");
	if (wr != NULL)
		CHECK_STR(e.reason, wr);
	if (wc != NULL)
		CHECK_STR(e.cause, wc);
}

int
main(void)
{
	struct yt_docs docs;
	char *cause = NULL;
	if (yt_parse_file(tl_fidelity("pdb.json"), &docs, &cause) < 0 || docs.ndocs == 0) {
		FAILF("%s", cause != NULL ? cause : "pdb.json is empty");
		free(cause);
		return tl_finish();
	}
	static const struct tv_family fams[] = {
		{ "controller_status_cases", run_status },
		{ "finder_cases", run_finder },
		{ "eviction_cases", run_eviction },
		{ NULL, NULL },
	};
	int n = tv_replay(docs.docs[0], "pdb.json", fams);
	printf("pdb.json: %d cases replayed, none skipped\n", n);
	CHECK(n > 0);
	yt_docs_free(&docs);
	return tl_finish();
}
