/*
 * test_fidelity_daemonset.c - replays every case of
 * tests/fidelity/daemonset.json (nodeShouldRunDaemonPod, single syncs under
 * each listed update strategy, desired node counts, rolling-update scenarios)
 * through models/controller/daemonset.h, with a pod store that, like
 * upstream's fake, sees created pods at once and drops deleted ones.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/daemonset.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define BASE	(1000 * SIM_HOUR)

static void
expect(const char *cname, const char *what, long long got, long long want)
{
	if (got == want)
		PASS();
	else
		FAILF("%s: %s = %lld, want %lld", cname, what, got, want);
}

/* ---- reading objects ---------------------------------------------------------- */

static void
read_labels(const struct yt_node *m, struct k8s_labels *l)
{
	memset(l, 0, sizeof *l);
	for (size_t i = 0; m != NULL && m->kind == YT_MAP && i < m->n; i++)
		k8s_labels_set(l, m->keys[i]->str, m->items[i]->kind == YT_SCALAR ?
		    m->items[i]->str : "");
}

static enum k8s_effect
effect_of(const char *s)
{
	if (s == NULL || *s == '\0')
		return K8S_EFFECT_ALL;
	if (strcmp(s, "NoSchedule") == 0)
		return K8S_NO_SCHEDULE;
	if (strcmp(s, "PreferNoSchedule") == 0)
		return K8S_PREFER_NO_SCHEDULE;
	return K8S_NO_EXECUTE;
}

static void
read_node(const struct yt_node *n, struct k8s_node_spec *node)
{
	memset(node, 0, sizeof *node);
	node->name = xstrdup(tv_str_or(n, "name", ""));
	read_labels(yt_get(n, "labels"), &node->labels);
	const struct yt_node *t = yt_get(n, "taints");
	node->ntaints = tv_seq_n(t);
	node->taints = xcalloc(node->ntaints + 1, sizeof *node->taints);
	for (size_t i = 0; i < node->ntaints; i++) {
		node->taints[i].key = xstrdup(tv_str_or(t->items[i], "key", ""));
		node->taints[i].value = xstrdup(tv_str_or(t->items[i], "value", ""));
		node->taints[i].effect = effect_of(tv_str_or(t->items[i], "effect", ""));
	}
	node->unschedulable = tv_bool(n, "unschedulable", false);
}

static enum k8s_sel_op
op_of(const char *s)
{
	static const char *const names[] = { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt" };
	for (int i = 0; i < 6; i++)
		if (s != NULL && strcmp(s, names[i]) == 0)
			return (enum k8s_sel_op)i;
	FAILF("unknown operator %s", s ? s : "(null)");
	return K8S_SEL_IN;
}

static struct k8s_sel_req *
read_reqs(const struct yt_node *l, size_t *n)
{
	*n = tv_seq_n(l);
	struct k8s_sel_req *r = xcalloc(*n + 1, sizeof *r);
	for (size_t i = 0; i < *n; i++) {
		const struct yt_node *x = l->items[i], *v = yt_get(x, "values");
		r[i].key = xstrdup(tv_str_or(x, "key", ""));
		r[i].op = op_of(tv_str_or(x, "operator", NULL));
		r[i].nvalues = tv_seq_n(v);
		r[i].values = xcalloc(r[i].nvalues + 1, sizeof *r[i].values);
		for (size_t k = 0; k < r[i].nvalues; k++)
			r[i].values[k] = xstrdup(v->items[k]->str);
	}
	return r;
}

static void
read_tolerations(const struct yt_node *l, struct k8s_pod_spec *p)
{
	p->ntolerations = tv_seq_n(l);
	p->tolerations = xcalloc(p->ntolerations + 1, sizeof *p->tolerations);
	for (size_t i = 0; i < p->ntolerations; i++) {
		const struct yt_node *x = l->items[i];
		struct k8s_toleration *t = &p->tolerations[i];
		const char *key = tv_str_or(x, "key", NULL);
		t->key = key ? xstrdup(key) : NULL;
		t->op = strcmp(tv_str_or(x, "operator", "Equal"), "Exists") == 0 ?
		    K8S_TOL_EXISTS : K8S_TOL_EQUAL;
		const char *v = tv_str_or(x, "value", NULL);
		t->value = v ? xstrdup(v) : NULL;
		t->effect = effect_of(tv_str_or(x, "effect", NULL));
	}
}

/* A DaemonSet with its owned selector and template. */
struct dset {
	struct k8s_selector	sel;
	struct k8s_pod_spec	tmpl;
	struct ds_spec		spec;
	int64_t			revision;
	char			rev[24];
};

static void
read_strategy(const char *cname, const struct yt_node *st, struct ds_spec *s)
{
	const char *type = tv_str_or(st, "type", "RollingUpdate");
	s->on_delete = strcmp(type, "OnDelete") == 0;
	s->rolling_update = !s->on_delete;
	memset(&s->max_unavailable, 0, sizeof s->max_unavailable);
	memset(&s->max_surge, 0, sizeof s->max_surge);
	const char *mu = tv_str_or(st, "max_unavailable", NULL);
	const char *ms = tv_str_or(st, "max_surge", NULL);
	if ((mu && intstr_parse(mu, &s->max_unavailable) < 0) ||
	    (ms && intstr_parse(ms, &s->max_surge) < 0))
		FAILF("%s: bad strategy values", cname);
}

static void
read_ds(const char *cname, const struct yt_node *d, struct dset *x)
{
	memset(x, 0, sizeof *x);
	const struct yt_node *ml = yt_get(yt_get(d, "selector"), "match_labels");
	x->sel.set = true;
	for (size_t i = 0; ml != NULL && ml->kind == YT_MAP && i < ml->n; i++) {
		x->sel.reqs = xreallocarray(x->sel.reqs, x->sel.nreqs + 1, sizeof *x->sel.reqs);
		struct k8s_sel_req *r = &x->sel.reqs[x->sel.nreqs++];
		memset(r, 0, sizeof *r);
		r->key = xstrdup(ml->keys[i]->str);
		r->op = K8S_SEL_IN;
		r->values = xcalloc(1, sizeof *r->values);
		r->values[0] = xstrdup(ml->items[i]->str);
		r->nvalues = 1;
	}
	const struct yt_node *t = yt_get(d, "template");
	read_labels(yt_get(t, "labels"), &x->tmpl.labels);
	const char *nn = tv_str_or(t, "node_name", "");
	x->tmpl.node_name = *nn ? xstrdup(nn) : NULL;
	read_labels(yt_get(t, "node_selector"), &x->tmpl.node_selector);
	const struct yt_node *aff = yt_get(t, "required_node_affinity");
	x->tmpl.affinity.nnode_required = tv_seq_n(aff);
	x->tmpl.affinity.node_required = xcalloc(x->tmpl.affinity.nnode_required + 1,
	    sizeof *x->tmpl.affinity.node_required);
	for (size_t i = 0; i < x->tmpl.affinity.nnode_required; i++) {
		struct k8s_node_term *term = &x->tmpl.affinity.node_required[i];
		term->match_expressions = read_reqs(yt_get(aff->items[i], "match_expressions"),
		    &term->nexpr);
		term->match_fields = read_reqs(yt_get(aff->items[i], "match_fields"),
		    &term->nfields);
	}
	read_tolerations(yt_get(t, "tolerations"), &x->tmpl);
	x->spec.selector = &x->sel;
	x->spec.template = &x->tmpl;
	x->spec.host_network = tv_bool(t, "host_network", false);
	read_strategy(cname, yt_get(d, "strategy"), &x->spec);
	x->spec.min_ready_s = (int32_t)tv_i64(d, "min_ready_seconds", 0);
	x->spec.deleting = tv_bool(d, "deleting", false);
	x->revision = tv_i64(d, "revision", 1);
	snprintf(x->rev, sizeof x->rev, "%lld", (long long)x->revision);
	x->spec.revision = x->rev;
}

static void
dset_fini(struct dset *x)
{
	k8s_selector_free(&x->sel);
	k8s_pod_spec_free(&x->tmpl);
}

/* ---- the store ------------------------------------------------------------------ */

struct spod {
	char		*name, *node, *affinity_node, *revision;
	struct k8s_labels labels;
	enum ds_owner	 owner;
	enum ds_phase	 phase;
	bool		 ready;
	sim_ns		 ready_since, created;
	bool		 deleting;
	bool		 touched;	/* set_readiness changed it */
};

struct world {
	const char		*cname;
	struct dset		 ds;
	struct k8s_node_spec	*nodes;
	struct ds_node		*dn;
	struct ds_backoff	*backoff;
	size_t			 nnodes;
	struct spod		*pods;
	size_t			 npods, cap;
	sim_ns			 now;
	int			 created_seq;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static enum ds_phase
phase_of(const char *s)
{
	if (s == NULL || *s == '\0')
		return DS_POD_NONE;
	if (strcmp(s, "Pending") == 0)
		return DS_POD_PENDING;
	if (strcmp(s, "Running") == 0)
		return DS_POD_RUNNING;
	if (strcmp(s, "Succeeded") == 0)
		return DS_POD_SUCCEEDED;
	if (strcmp(s, "Failed") == 0)
		return DS_POD_FAILED;
	return DS_POD_UNKNOWN;
}

static void
world_init(struct world *w, const char *cname, const struct yt_node *in)
{
	memset(w, 0, sizeof *w);
	w->cname = cname;
	read_ds(cname, yt_get(in, "ds"), &w->ds);
	const struct yt_node *nl = yt_get(in, "nodes");
	w->nnodes = tv_seq_n(nl);
	w->nodes = xcalloc(w->nnodes + 1, sizeof *w->nodes);
	w->dn = xcalloc(w->nnodes + 1, sizeof *w->dn);
	w->backoff = xcalloc(w->nnodes + 1, sizeof *w->backoff);
	for (size_t i = 0; i < w->nnodes; i++) {
		read_node(nl->items[i], &w->nodes[i]);
		w->dn[i].spec = &w->nodes[i];
		w->dn[i].backoff = &w->backoff[i];
	}
	const struct yt_node *pl = yt_get(in, "pods");
	for (size_t i = 0; i < tv_seq_n(pl); i++) {
		const struct yt_node *x = pl->items[i];
		KS_GROW(w->pods, w->cap, w->npods + 1);
		struct spod *p = &w->pods[w->npods++];
		memset(p, 0, sizeof *p);
		p->name = xstrdup(tv_str_or(x, "name", ""));
		p->node = xstrdup(tv_str_or(x, "node", ""));
		p->affinity_node = dup_or_null(tv_str_or(x, "affinity_node", NULL));
		p->revision = dup_or_null(tv_str_or(x, "revision", NULL));
		read_labels(yt_get(x, "labels"), &p->labels);
		p->owner = tv_null(x, "owner") ? DS_ORPHAN : DS_OWNED;
		p->phase = phase_of(tv_str_or(x, "phase", ""));
		p->ready = tv_bool(x, "ready", false);
		p->ready_since = BASE + tv_i64(x, "ready_since", 0) * SIM_SEC;
		p->created = tv_null(x, "created") ? 0 : BASE + tv_i64(x, "created", 0) * SIM_SEC;
		p->deleting = tv_bool(x, "deleting", false);
	}
	w->now = BASE + tv_i64(in, "now", 0) * SIM_SEC;
}

static void
pod_free(struct spod *p)
{
	free(p->name);
	free(p->node);
	free(p->affinity_node);
	free(p->revision);
	k8s_labels_free(&p->labels);
}

static void
world_fini(struct world *w)
{
	for (size_t i = 0; i < w->npods; i++)
		pod_free(&w->pods[i]);
	free(w->pods);
	for (size_t i = 0; i < w->nnodes; i++)
		k8s_node_spec_free(&w->nodes[i]);
	free(w->nodes);
	free(w->dn);
	free(w->backoff);
	dset_fini(&w->ds);
}

/* One sync; checks creates/deletes/events against want (may be NULL). */
static void
world_sync(struct world *w, const struct yt_node *want, const char *what)
{
	struct ds_pod *view = xcalloc(w->npods + 1, sizeof *view);
	for (size_t i = 0; i < w->npods; i++) {
		struct spod *p = &w->pods[i];
		struct ds_pod v = { p->name, p->node, p->affinity_node, &p->labels, p->owner,
			p->revision, p->phase, p->ready, p->ready_since, p->created, p->deleting };
		view[i] = v;
	}
	struct ds_sync_in in = { &w->ds.spec, w->dn, w->nnodes, view, w->npods, w->now, true };
	struct ds_sync_out o;
	ds_sync(&in, &o);
	if (want != NULL) {
		char buf[160];
		snprintf(buf, sizeof buf, "%s creates", what);
		expect(w->cname, buf, (long long)o.ncreate, tv_i64(want, "creates", -1));
		snprintf(buf, sizeof buf, "%s deletes", what);
		expect(w->cname, buf, (long long)o.ndel, tv_i64(want, "deletes", -1));
		snprintf(buf, sizeof buf, "%s events", what);
		expect(w->cname, buf, o.events, tv_i64(want, "events", -1));
	}
	bool *gone = xcalloc(w->npods + 1, sizeof *gone);
	for (size_t k = 0; k < o.ndel; k++)
		gone[o.del[k]] = true;
	size_t keep = 0;
	for (size_t i = 0; i < w->npods; i++) {
		if (gone[i])
			pod_free(&w->pods[i]);
		else
			w->pods[keep++] = w->pods[i];
	}
	w->npods = keep;
	for (size_t k = 0; k < o.ncreate; k++) {
		KS_GROW(w->pods, w->cap, w->npods + 1);
		struct spod *p = &w->pods[w->npods++];
		memset(p, 0, sizeof *p);
		char name[64];
		snprintf(name, sizeof name, "created-%06d", ++w->created_seq);
		p->name = xstrdup(name);
		p->node = xstrdup("");
		p->affinity_node = xstrdup(w->nodes[o.create[k]].name);
		p->revision = xstrdup(w->ds.rev);
		k8s_labels_copy(&p->labels, &w->ds.tmpl.labels);
		p->owner = DS_OWNED;
		p->created = w->now;
	}
	free(gone);
	free(view);
	ds_sync_out_fini(&o);
}

/* ---- cases ------------------------------------------------------------------------ */

static void
run_should_run(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct dset ds;
	read_ds(tv_case_name(c), yt_get(in, "ds"), &ds);
	struct k8s_node_spec node;
	read_node(yt_get(in, "node"), &node);
	const struct yt_node *sl = yt_get(in, "strategies");
	for (size_t k = 0; k < (tv_seq_n(sl) ? tv_seq_n(sl) : 1); k++) {
		if (tv_seq_n(sl))
			read_strategy(tv_case_name(c), sl->items[k], &ds.spec);
		bool run, cont;
		ds_node_should_run(&ds.spec, &node, &run, &cont);
		expect(tv_case_name(c), "should_run", run, tv_bool(ex, "should_run", false));
		expect(tv_case_name(c), "should_continue_running", cont,
		    tv_bool(ex, "should_continue_running", false));
	}
	k8s_node_spec_free(&node);
	dset_fini(&ds);
}

static void
run_sync_case(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *sl = yt_get(in, "strategies");
	size_t n = tv_seq_n(sl) ? tv_seq_n(sl) : 1;
	for (size_t k = 0; k < n; k++) {
		struct world w;
		world_init(&w, tv_case_name(c), in);
		char what[64] = "sync";
		if (tv_seq_n(sl)) {
			read_strategy(w.cname, sl->items[k], &w.ds.spec);
			snprintf(what, sizeof what, "sync (%s)", tv_str_or(sl->items[k], "type", ""));
		}
		world_sync(&w, yt_get(c, "expected"), what);
		world_fini(&w);
	}
}

static void
run_desired(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs"), *ex = yt_get(c, "expected");
	struct world w;
	world_init(&w, cn, in);
	int32_t desired, surge, unavail;
	ds_desired_counts(&w.ds.spec, w.dn, w.nnodes, &desired, &surge, &unavail);
	expect(cn, "desired_number_scheduled", desired, tv_i64(ex, "desired_number_scheduled", -1));
	expect(cn, "max_surge", surge, tv_i64(ex, "max_surge", -1));
	expect(cn, "max_unavailable", unavail, tv_i64(ex, "max_unavailable", -1));
	const struct yt_node *ntp = yt_get(in, "node_to_pods");
	long long empty_nodes = 0;
	for (size_t i = 0; i < w.nnodes; i++) {
		bool run, cont;
		ds_node_should_run(&w.ds.spec, &w.nodes[i], &run, &cont);
		if (run && yt_get(ntp, w.nodes[i].name) == NULL)
			empty_nodes++;
	}
	expect(cn, "empty_nodes", empty_nodes, tv_i64(ex, "empty_nodes", -1));
	world_fini(&w);
}

static void
set_readiness(struct world *w, const struct yt_node *op)
{
	bool ready = tv_bool(op, "ready", true);
	int64_t count = tv_i64(op, "count", 0);
	const char *filter = tv_str_or(op, "filter", "all");
	for (size_t i = 0; i < w->npods && count > 0; i++) {
		struct spod *p = &w->pods[i];
		bool cur = p->revision != NULL && strcmp(p->revision, w->ds.rev) == 0;
		bool pass = strcmp(filter, "all") == 0 || (strcmp(filter, "current") == 0 && cur);
		if (strcmp(filter, "old_on_node_without_current") == 0 && !cur) {
			const char *node = *p->node ? p->node : p->affinity_node;
			pass = true;
			for (size_t j = 0; j < w->npods && pass; j++) {
				struct spod *q = &w->pods[j];
				const char *qn = *q->node ? q->node : q->affinity_node;
				if (q->revision != NULL && strcmp(q->revision, w->ds.rev) == 0 &&
				    qn != NULL && node != NULL && strcmp(qn, node) == 0)
					pass = false;
			}
		}
		if (!pass || p->ready == ready)
			continue;
		p->ready = ready;
		p->ready_since = w->now;
		count--;
	}
	if (count > 0)
		FAILF("%s: set_readiness found %lld pods too few", w->cname, (long long)count);
}

static void
run_scenario(const struct yt_node *c)
{
	const char *cn = tv_case_name(c);
	const struct yt_node *in = yt_get(c, "inputs");
	const struct yt_node *syncs = yt_get(yt_get(c, "expected"), "syncs");
	const struct yt_node *steps = yt_get(in, "steps");
	struct world w;
	world_init(&w, cn, in);
	size_t ns = 0;
	for (size_t i = 0; i < tv_seq_n(steps); i++) {
		const struct yt_node *op = steps->items[i];
		const char *name = tv_str_or(op, "op", "");
		if (strcmp(name, "sync") == 0) {
			char what[32];
			snprintf(what, sizeof what, "sync %zu", ns + 1);
			world_sync(&w, ns < tv_seq_n(syncs) ? syncs->items[ns] : NULL, what);
			ns++;
		} else if (strcmp(name, "mark_all_ready") == 0) {
			for (size_t k = 0; k < w.npods; k++) {
				w.pods[k].ready = true;
				w.pods[k].ready_since = w.now;
			}
		} else if (strcmp(name, "update_template") == 0) {
			w.ds.revision++;
			snprintf(w.ds.rev, sizeof w.ds.rev, "%lld", (long long)w.ds.revision);
		} else if (strcmp(name, "set_strategy") == 0)
			read_strategy(cn, yt_get(op, "strategy"), &w.ds.spec);
		else if (strcmp(name, "set_tolerations") == 0) {
			for (size_t k = 0; k < w.ds.tmpl.ntolerations; k++) {
				free(w.ds.tmpl.tolerations[k].key);
				free(w.ds.tmpl.tolerations[k].value);
			}
			free(w.ds.tmpl.tolerations);
			read_tolerations(yt_get(op, "tolerations"), &w.ds.tmpl);
			w.ds.revision++;
			snprintf(w.ds.rev, sizeof w.ds.rev, "%lld", (long long)w.ds.revision);
		} else if (strcmp(name, "set_clock") == 0)
			w.now = BASE + tv_i64(op, "t", 0) * SIM_SEC;
		else if (strcmp(name, "set_min_ready_seconds") == 0)
			w.ds.spec.min_ready_s = (int32_t)tv_i64(op, "value", 0);
		else if (strcmp(name, "set_readiness") == 0)
			set_readiness(&w, op);
		else
			FAILF("%s: unknown op '%s'", cn, name);
	}
	expect(cn, "syncs", (long long)ns, (long long)tv_seq_n(syncs));
	world_fini(&w);
}

/*
 * The failed-pod back-off of one node (syncNodes: failedPodsBackoff, a
 * flowcontrol.Backoff of 1 s doubling to 15 min): a failed pod is deleted,
 * and the next failed pod on that node waits out the back-off since the
 * last deletion, the sync asking to be requeued after it.
 */
static void
test_failed_pod_backoff(void)
{
	char *values[1] = { (char *)"d" };
	struct k8s_sel_req req = { .key = (char *)"app", .op = K8S_SEL_IN, .values = values,
		.nvalues = 1 };
	struct k8s_selector sel = { .reqs = &req, .nreqs = 1, .set = true };
	struct k8s_pod_spec tmpl = { 0 };
	struct ds_spec ds = { .selector = &sel, .template = &tmpl, .revision = "1" };
	struct k8s_node_spec node = { .name = "n0" };
	struct ds_backoff b = { 0 };
	struct ds_node nodes[1] = { { &node, &b } };
	struct k8s_labels labels = { 0 };
	k8s_labels_set(&labels, "app", "d");
	k8s_labels_set(&tmpl.labels, "app", "d");
	struct ds_pod pod = { .name = "p", .node = "n0", .labels = &labels,
		.owner = DS_OWNED, .revision = "1", .phase = DS_POD_FAILED };
	static const struct {
		sim_ns	now;
		size_t	ndel;		/* the failed pod deleted */
		sim_ns	requeue;	/* -1: none */
	} steps[] = {
		{ 0, 1, -1 },				/* back-off now 1 s */
		{ SIM_SEC / 2, 0, SIM_SEC },		/* 0.5 s < 1 s */
		{ SIM_SEC, 1, -1 },			/* 1 s after: 2 s */
		{ 2 * SIM_SEC, 0, 2 * SIM_SEC },	/* 1 s < 2 s */
		{ 3 * SIM_SEC, 1, -1 },			/* 2 s after: 4 s */
		{ 3 * SIM_SEC + 31 * SIM_MIN, 1, -1 },	/* idle > 2 x 15 min: 1 s */
		{ 3 * SIM_SEC + 31 * SIM_MIN + SIM_SEC / 2, 0, SIM_SEC },
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct ds_sync_in in = { .spec = &ds, .nodes = nodes, .nnodes = 1,
			.pods = &pod, .npods = 1, .now = steps[i].now };
		struct ds_sync_out out;
		ds_sync(&in, &out);
		char what[64];
		snprintf(what, sizeof what, "failed pod deleted (step %zu)", i);
		expect("failed_pod_backoff", what, (long long)out.ndel, (long long)steps[i].ndel);
		snprintf(what, sizeof what, "requeue after (step %zu)", i);
		expect("failed_pod_backoff", what, (long long)out.requeue_after,
		    (long long)steps[i].requeue);
		ds_sync_out_fini(&out);
	}
	k8s_labels_free(&labels);
	k8s_labels_free(&tmpl.labels);
}

int
main(void)
{
	const char *path = tl_fidelity("daemonset.json");
	struct yt_docs d;
	const struct yt_node *root = tv_load(path, &d);
	if (root == NULL)
		return tl_finish();
	size_t n = 0;
	n += tv_each(root, "node_should_run_cases", run_should_run);
	n += tv_each(root, "sync_cases", run_sync_case);
	n += tv_each(root, "desired_node_counts_cases", run_desired);
	n += tv_each(root, "rolling_update_scenario_cases", run_scenario);
	size_t lists = tv_case_lists(root);
	expect("daemonset.json", "case lists replayed", (long long)lists, 4);
	printf("daemonset.json: %zu cases replayed\n", n);
	test_failed_pod_backoff();
	yt_docs_free(&d);
	return tl_finish();
}
