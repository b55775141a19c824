/*
 * test_fidelity_sched.c - replays every case of tests/fidelity/
 * scheduler_scores.json and scheduler_filter.json (kube-scheduler's own unit
 * tests) through the plugin entry points of models/scheduler/sched.h and asserts the
 * exact scores, statuses, reasons and insufficient resources.
 */
#include "config.h"

#include <string.h>

#include "models/scheduler/sched.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"

/* ---- building specs from the JSON inputs ---------------------------------------- */

/* Everything one case allocated, freed at its end. */
struct fx {
	struct k8s_pod_spec	*pods[256];
	int			 npods;
	struct k8s_node_spec	*nodes[64];
	int			 nnodes;
	struct k8s_selector	*sels[8];
	int			 nsels;
	struct k8s_labels	*labels[16];
	int			 nlabels;
};

static void
fx_free(struct fx *f)
{
	for (int i = 0; i < f->npods; i++) {
		k8s_pod_spec_free(f->pods[i]);
		free(f->pods[i]);
	}
	for (int i = 0; i < f->nnodes; i++) {
		k8s_node_spec_free(f->nodes[i]);
		free(f->nodes[i]);
	}
	for (int i = 0; i < f->nsels; i++) {
		k8s_selector_free(f->sels[i]);
		free(f->sels[i]);
	}
	for (int i = 0; i < f->nlabels; i++) {
		k8s_labels_free(f->labels[i]);
		free(f->labels[i]);
	}
	memset(f, 0, sizeof *f);
}

static int64_t
num(const struct yt_node *n)
{
	int64_t v = 0;
	char *cause = NULL;
	if (n == NULL || yt_int64(n, &v, &cause) < 0) {
		FAILF("bad number: %s", cause ? cause : "(missing)");
		free(cause);
	}
	return v;
}

static const char *
str(const struct yt_node *n)
{
	return n != NULL && n->kind == YT_SCALAR && !yt_is_null(n) ? n->str : NULL;
}

/* A ResourceList with the JSON's names (cpu_milli for cpu). */
static void
read_res(const struct yt_node *m, struct k8s_resources *r)
{
	if (m == NULL || m->kind != YT_MAP)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i]->str;
		k8s_res_set(r, strcmp(k, "cpu_milli") == 0 ? "cpu" : k, num(m->items[i]));
	}
}

static void
read_labels(const struct yt_node *m, struct k8s_labels *l)
{
	if (m == NULL || m->kind != YT_MAP)
		return;
	for (size_t i = 0; i < m->n; i++)
		k8s_labels_set(l, m->keys[i]->str, m->items[i]->str ? m->items[i]->str : "");
}

static void
add_containers(const struct yt_node *seq, struct k8s_container **v, size_t *n, bool restartable)
{
	if (seq == NULL || seq->kind != YT_SEQ)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		struct k8s_container *c = &(*v)[(*n)++];
		memset(c, 0, sizeof *c);
		c->restartable = restartable;
		read_res(seq->items[i], &c->requests);
	}
}

static int
sel_op(const char *op)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt" };
	for (int i = 0; i < 6; i++)
		if (strcmp(ops[i], op) == 0)
			return i;
	FAILF("unknown operator %s", op);
	return 0;
}

static void
add_req(struct k8s_sel_req **v, size_t *n, const char *key, int op, const struct yt_node *vals)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	struct k8s_sel_req *r = &(*v)[(*n)++];
	memset(r, 0, sizeof *r);
	r->key = xstrdup(key);
	r->op = (enum k8s_sel_op)op;
	if (vals != NULL && vals->kind == YT_SEQ) {
		r->values = xcalloc(vals->n ? vals->n : 1, sizeof *r->values);
		for (size_t i = 0; i < vals->n; i++)
			r->values[r->nvalues++] = xstrdup(vals->items[i]->str ? vals->items[i]->str : "");
	} else if (vals != NULL && vals->kind == YT_SCALAR) {
		r->values = xcalloc(1, sizeof *r->values);
		r->values[r->nvalues++] = xstrdup(vals->str);
	}
}

/* A labelSelector: null, {}, {"exists": [...]}, matchLabels, matchExpressions. */
static void
read_selector(const struct yt_node *m, struct k8s_selector *s)
{
	memset(s, 0, sizeof *s);
	if (m == NULL || yt_is_null(m) || m->kind != YT_MAP)
		return;
	s->set = true;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i]->str;
		const struct yt_node *v = m->items[i];
		if (strcmp(k, "exists") == 0 || strcmp(k, "doesNotExist") == 0) {
			for (size_t j = 0; j < v->n; j++)
				add_req(&s->reqs, &s->nreqs, v->items[j]->str,
				    k[0] == 'e' ? K8S_SEL_EXISTS : K8S_SEL_DOES_NOT_EXIST, NULL);
		} else if (strcmp(k, "matchLabels") == 0) {
			for (size_t j = 0; j < v->n; j++)
				add_req(&s->reqs, &s->nreqs, v->keys[j]->str, K8S_SEL_IN, v->items[j]);
		} else if (strcmp(k, "matchExpressions") == 0) {
			for (size_t j = 0; j < v->n; j++)
				add_req(&s->reqs, &s->nreqs, str(yt_get(v->items[j], "key")),
				    sel_op(str(yt_get(v->items[j], "operator"))),
				    yt_get(v->items[j], "values"));
		} else if (strcmp(k, "in") == 0 || strcmp(k, "notIn") == 0) {
			for (size_t j = 0; j < v->n; j++)
				add_req(&s->reqs, &s->nreqs, v->keys[j]->str,
				    k[0] == 'i' ? K8S_SEL_IN : K8S_SEL_NOT_IN, v->items[j]);
		} else {
			FAILF("%s:%d: unknown selector field %s", m->file, m->line, k);
		}
	}
}

static enum k8s_effect
effect(const char *e)
{
	if (e == NULL || *e == '\0')
		return K8S_EFFECT_ALL;
	if (strcmp(e, "NoSchedule") == 0)
		return K8S_NO_SCHEDULE;
	if (strcmp(e, "PreferNoSchedule") == 0)
		return K8S_PREFER_NO_SCHEDULE;
	if (strcmp(e, "NoExecute") == 0)
		return K8S_NO_EXECUTE;
	FAILF("unknown effect %s", e);
	return K8S_EFFECT_ALL;
}

static void
read_tolerations(const struct yt_node *seq, struct k8s_pod_spec *p)
{
	if (seq == NULL || seq->kind != YT_SEQ)
		return;
	p->tolerations = xcalloc(seq->n ? seq->n : 1, sizeof *p->tolerations);
	for (size_t i = 0; i < seq->n; i++) {
		const struct yt_node *t = seq->items[i];
		struct k8s_toleration *tol = &p->tolerations[p->ntolerations++];
		const char *k = str(yt_get(t, "key")), *v = str(yt_get(t, "value"));
		const char *op = str(yt_get(t, "operator"));
		tol->key = k ? xstrdup(k) : NULL;
		tol->value = v ? xstrdup(v) : NULL;
		tol->op = op && strcmp(op, "Exists") == 0 ? K8S_TOL_EXISTS : K8S_TOL_EQUAL;
		tol->effect = effect(str(yt_get(t, "effect")));
	}
}

static void
read_taints(const struct yt_node *seq, struct k8s_node_spec *n)
{
	if (seq == NULL || seq->kind != YT_SEQ)
		return;
	n->taints = xcalloc(seq->n ? seq->n : 1, sizeof *n->taints);
	for (size_t i = 0; i < seq->n; i++) {
		const struct yt_node *t = seq->items[i];
		struct k8s_taint *tt = &n->taints[n->ntaints++];
		const char *v = str(yt_get(t, "value"));
		tt->key = xstrdup(str(yt_get(t, "key")));
		tt->value = xstrdup(v ? v : "");
		tt->effect = effect(str(yt_get(t, "effect")));
	}
}

static struct k8s_pod_spec *
new_pod(struct fx *f)
{
	KS_ASSERT(f->npods < 256);
	struct k8s_pod_spec *p = xcalloc(1, sizeof *p);
	f->pods[f->npods++] = p;
	return p;
}

static struct k8s_pod_spec *
read_pod(struct fx *f, const struct yt_node *m)
{
	struct k8s_pod_spec *p = new_pod(f);
	if (m == NULL)
		return p;
	const char *ns = str(yt_get(m, "namespace"));
	p->namespace = xstrdup(ns ? ns : "");
	read_labels(yt_get(m, "labels"), &p->labels);
	add_containers(yt_get(m, "containers"), &p->containers, &p->ncontainers, false);
	add_containers(yt_get(m, "init_containers"), &p->init_containers, &p->ninit, false);
	add_containers(yt_get(m, "restartable_init_containers"), &p->init_containers, &p->ninit, true);
	read_res(yt_get(m, "overhead"), &p->overhead);
	read_res(yt_get(m, "pod_level_requests"), &p->pod_requests);
	const struct yt_node *tsc = yt_get(m, "topologySpreadConstraints");
	if (tsc != NULL && tsc->kind == YT_SEQ && tsc->n > 0) {
		p->spread = xcalloc(tsc->n, sizeof *p->spread);
		for (size_t i = 0; i < tsc->n; i++) {
			const struct yt_node *c = tsc->items[i];
			struct k8s_spread *sp = &p->spread[p->nspread++];
			sp->max_skew = (int32_t)num(yt_get(c, "maxSkew"));
			sp->topology_key = xstrdup(str(yt_get(c, "topologyKey")));
			const char *w = str(yt_get(c, "whenUnsatisfiable"));
			sp->when_unsatisfiable = w && strcmp(w, "ScheduleAnyway") == 0 ?
			    K8S_SCHEDULE_ANYWAY : K8S_DO_NOT_SCHEDULE;
			read_selector(yt_get(c, "labelSelector"), &sp->selector);
			if (yt_get(c, "minDomains"))
				sp->min_domains = (int32_t)num(yt_get(c, "minDomains"));
			const char *nap = str(yt_get(c, "nodeAffinityPolicy"));
			const char *ntp = str(yt_get(c, "nodeTaintsPolicy"));
			sp->node_affinity_policy = nap && strcmp(nap, "Ignore") == 0 ? K8S_IGNORE : K8S_HONOR;
			sp->node_taints_policy = ntp && strcmp(ntp, "Honor") == 0 ? K8S_HONOR : K8S_IGNORE;
			const struct yt_node *mlk = yt_get(c, "matchLabelKeys");
			if (mlk != NULL && mlk->kind == YT_SEQ && mlk->n > 0) {
				sp->match_label_keys = xcalloc(mlk->n, sizeof(char *));
				for (size_t j = 0; j < mlk->n; j++)
					sp->match_label_keys[sp->nmatch_label_keys++] = xstrdup(mlk->items[j]->str);
			}
		}
	}
	return p;
}

static struct k8s_node_spec *
read_node(struct fx *f, const struct yt_node *m)
{
	KS_ASSERT(f->nnodes < 64);
	struct k8s_node_spec *n = xcalloc(1, sizeof *n);
	f->nodes[f->nnodes++] = n;
	const char *name = str(yt_get(m, "name"));
	n->name = xstrdup(name ? name : "node");
	read_labels(yt_get(m, "labels"), &n->labels);
	read_taints(yt_get(m, "taints"), n);
	read_res(yt_get(m, "allocatable"), &n->allocatable);
	return n;
}

/* Places the existing pods ("node" names the node; none: not placed). */
static void
place_pods(struct fx *f, struct sched *s, const struct yt_node *seq)
{
	if (seq == NULL || seq->kind != YT_SEQ)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct yt_node *pm = seq->items[i];
		const char *nn = str(yt_get(pm, "node"));
		if (nn == NULL)
			continue;
		int node = sched_node_find(s, nn);
		if (node < 0) {
			FAILF("%s:%d: no node %s", pm->file, pm->line, nn);
			continue;
		}
		struct k8s_pod_spec *p = read_pod(f, pm);
		int id = sched_node_add_pod(s, node, p);
		const struct yt_node *term = yt_get(pm, "terminating");
		bool t = false;
		if (term != NULL && yt_bool(term, &t, NULL) == 0 && t)
			sched_pod_set_terminating(s, id, true);
	}
}

/* ---- score cases ------------------------------------------------------------------ */

static void
read_weights(const struct yt_node *seq, struct sched_res_weight *v, int *n)
{
	*n = 0;
	for (size_t i = 0; seq != NULL && i < seq->n && i < SCHED_MAX_RES; i++) {
		snprintf(v[i].name, sizeof v[i].name, "%s", str(yt_get(seq->items[i], "name")));
		v[i].weight = num(yt_get(seq->items[i], "weight"));
		(*n)++;
	}
}

/* Compares scores by node name with expected {"name": score}. */
static void
check_scores(const char *name, const struct yt_node *exp, struct sched *s,
    const int *nodes, size_t n, const int64_t *got)
{
	if (exp == NULL || exp->kind != YT_MAP) {
		FAILF("%s: no expected scores", name);
		return;
	}
	if (exp->n != n)
		FAILF("%s: %zu expected scores for %zu nodes", name, exp->n, n);
	for (size_t i = 0; i < exp->n; i++) {
		int node = sched_node_find(s, exp->keys[i]->str);
		size_t k;
		for (k = 0; k < n; k++)
			if (nodes[k] == node)
				break;
		int64_t want = num(exp->items[i]);
		if (k == n)
			FAILF("%s: node %s not scored", name, exp->keys[i]->str);
		else if (got[k] != want)
			FAILF("%s: node %s score %lld, want %lld", name, exp->keys[i]->str,
			    (long long)got[k], (long long)want);
		else
			PASS();
	}
}

static void
resource_case(const struct yt_node *c, bool balanced)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs"), *exp = yt_get(c, "expected");
	struct sched_config cfg;
	sched_config_default(&cfg);
	const char *strat = str(yt_get(in, "scoring_strategy"));
	if (balanced) {
		read_weights(yt_get(in, "resources"), cfg.balanced_resources, &cfg.nbalanced_resources);
	} else {
		read_weights(yt_get(in, "resources"), cfg.fit_resources, &cfg.nfit_resources);
		cfg.strategy = strcmp(strat, "MostAllocated") == 0 ? SCHED_MOST_ALLOCATED :
		    strcmp(strat, "LeastAllocated") == 0 ? SCHED_LEAST_ALLOCATED :
		    SCHED_REQUESTED_TO_CAPACITY_RATIO;
		const struct yt_node *shape = yt_get(in, "shape");
		if (shape != NULL) {
			cfg.nshape = 0;
			for (size_t i = 0; i < shape->n; i++) {
				cfg.shape[i].utilization = num(yt_get(shape->items[i], "utilization"));
				cfg.shape[i].score = num(yt_get(shape->items[i], "score"));
				cfg.nshape++;
			}
		}
	}
	char *cause = NULL;
	struct sched *s = sched_new(&cfg, &cause);
	const char *cerr = str(yt_get(exp, "config_error"));
	if (cerr != NULL) {
		const char *path = strncmp(cerr, "Invalid: ", 9) == 0 ? cerr + 9 : cerr;
		if (s != NULL)
			FAILF("%s: config accepted, want error %s", name, cerr);
		else if (strstr(cause, path) == NULL || strstr(cause, "Invalid value") == NULL)
			FAILF("%s: error \"%s\", want %s", name, cause, cerr);
		else
			PASS();
		free(cause);
		sched_free(s);
		return;
	}
	if (s == NULL) {
		FAILF("%s: config rejected: %s", name, cause);
		free(cause);
		return;
	}
	struct fx f;
	memset(&f, 0, sizeof f);
	const struct yt_node *nodes = yt_get(in, "nodes");
	int idx[64];
	size_t n = 0;
	for (size_t i = 0; i < nodes->n; i++)
		idx[n++] = sched_add_node(s, read_node(&f, nodes->items[i]));
	place_pods(&f, s, yt_get(in, "existing_pods"));
	struct k8s_pod_spec *pod = read_pod(&f, yt_get(in, "pod"));
	int64_t raw[64], norm[64];
	int skipped = sched_run_score(s, pod, NULL, balanced ? SCHED_BALANCED_ALLOCATION :
	    SCHED_NODE_RESOURCES_FIT, idx, n, raw, norm);
	const struct yt_node *want = yt_get(exp, "scores");
	if (want == NULL || yt_is_null(want)) {
		if (!skipped)
			FAILF("%s: plugin scored, want PreScore Skip", name);
		else
			PASS();
	} else {
		if (skipped)
			FAILF("%s: plugin skipped", name);
		check_scores(name, want, s, idx, n, norm);
	}
	sched_free(s);
	fx_free(&f);
}

static void
broken_linear_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *pts = yt_get(yt_get(c, "inputs"), "points");
	struct sched_shape_point shape[SCHED_MAX_SHAPE];
	int n = 0;
	for (size_t i = 0; i < pts->n; i++) {
		shape[n].utilization = num(yt_get(pts->items[i], "utilization"));
		shape[n].score = num(yt_get(pts->items[i], "score"));
		n++;
	}
	const struct yt_node *vals = yt_get(yt_get(c, "expected"), "values");
	for (size_t i = 0; i < vals->n; i++) {
		int64_t p = num(vals->items[i]->items[0]), want = num(vals->items[i]->items[1]);
		int64_t got = sched_broken_linear(shape, n, p);
		if (got != want)
			FAILF("%s: f(%lld) = %lld, want %lld", name, (long long)p, (long long)got,
			    (long long)want);
		else
			PASS();
	}
}

static void
spread_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs");
	struct sched_config cfg;
	sched_config_default(&cfg);
	const struct yt_node *gates = yt_get(in, "feature_gates");
	bool on;
	if (gates && yt_get(gates, "MatchLabelKeysInPodTopologySpread") &&
	    yt_bool(yt_get(gates, "MatchLabelKeysInPodTopologySpread"), &on, NULL) == 0)
		cfg.spread_match_label_keys = on;
	if (gates && yt_get(gates, "NodeInclusionPolicyInPodTopologySpread") &&
	    yt_bool(yt_get(gates, "NodeInclusionPolicyInPodTopologySpread"), &on, NULL) == 0)
		cfg.spread_node_inclusion_policy = on;
	const char *dt = str(yt_get(in, "defaulting_type"));
	cfg.spread_system_defaults = dt == NULL || strcmp(dt, "SystemDefaulting") == 0;
	char *cause = NULL;
	struct sched *s = sched_new(&cfg, &cause);
	KS_ASSERT(s != NULL);
	struct fx f;
	memset(&f, 0, sizeof f);
	int idx[64];
	size_t n = 0;
	const struct yt_node *nodes = yt_get(in, "nodes"), *failed = yt_get(in, "failed_nodes");
	for (size_t i = 0; i < nodes->n; i++)
		idx[n++] = sched_add_node(s, read_node(&f, nodes->items[i]));
	for (size_t i = 0; failed != NULL && i < failed->n; i++)
		sched_add_node(s, read_node(&f, failed->items[i]));
	place_pods(&f, s, yt_get(in, "existing_pods"));
	const struct yt_node *svcs = yt_get(in, "services");
	for (size_t i = 0; svcs != NULL && i < svcs->n; i++) {
		struct k8s_labels *l = xcalloc(1, sizeof *l);
		f.labels[f.nlabels++] = l;
		read_labels(yt_get(svcs->items[i], "selector"), l);
		const char *ns = str(yt_get(svcs->items[i], "namespace"));
		sched_add_service(s, ns ? ns : "", l);
	}
	struct k8s_pod_spec *pod = read_pod(&f, yt_get(in, "pod"));
	read_labels(yt_get(in, "pod_node_selector"), &pod->node_selector);
	const struct yt_node *rna = yt_get(in, "pod_required_node_affinity");
	if (rna != NULL && rna->kind == YT_MAP) {
		pod->affinity.node_required = xcalloc(1, sizeof *pod->affinity.node_required);
		pod->affinity.nnode_required = 1;
		struct k8s_node_term *t = &pod->affinity.node_required[0];
		add_req(&t->match_expressions, &t->nexpr, str(yt_get(rna, "key")),
		    sel_op(str(yt_get(rna, "operator"))), yt_get(rna, "values"));
	}
	int64_t norm[64];
	sched_run_score(s, pod, NULL, SCHED_POD_TOPOLOGY_SPREAD, idx, n, NULL, norm);
	check_scores(name, yt_get(yt_get(c, "expected"), "normalized_scores"), s, idx, n, norm);
	sched_free(s);
	fx_free(&f);
}

static void
taint_score_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs");
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct fx f;
	memset(&f, 0, sizeof f);
	int idx[64];
	size_t n = 0;
	const struct yt_node *nodes = yt_get(in, "nodes");
	for (size_t i = 0; i < nodes->n; i++)
		idx[n++] = sched_add_node(s, read_node(&f, nodes->items[i]));
	struct k8s_pod_spec *pod = new_pod(&f);
	read_tolerations(yt_get(in, "pod_tolerations"), pod);
	int64_t norm[64];
	sched_run_score(s, pod, NULL, SCHED_TAINT_TOLERATION, idx, n, NULL, norm);
	check_scores(name, yt_get(yt_get(c, "expected"), "normalized_scores"), s, idx, n, norm);
	sched_free(s);
	fx_free(&f);
}

static void
normalize_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs");
	bool reverse = false;
	yt_bool(yt_get(in, "reverse"), &reverse, NULL);
	const struct yt_node *sc = yt_get(in, "scores"), *want = yt_get(yt_get(c, "expected"), "scores");
	int64_t v[64];
	for (size_t i = 0; i < sc->n; i++)
		v[i] = num(sc->items[i]);
	sched_default_normalize(v, sc->n, reverse);
	for (size_t i = 0; i < sc->n; i++) {
		if (v[i] != num(want->items[i]))
			FAILF("%s: [%zu] = %lld, want %lld", name, i, (long long)v[i],
			    (long long)num(want->items[i]));
		else
			PASS();
	}
}

static void
feasible_case(const struct yt_node *c)
{
	const struct yt_node *in = yt_get(c, "inputs");
	int64_t got = sched_num_feasible_nodes_to_find(
	    (int32_t)num(yt_get(in, "percentage_of_nodes_to_score")),
	    num(yt_get(in, "num_all_nodes")));
	int64_t want = num(yt_get(yt_get(c, "expected"), "num_nodes"));
	if (got != want)
		FAILF("%s: %lld, want %lld", str(yt_get(c, "name")), (long long)got, (long long)want);
	else
		PASS();
}

/* ---- filter cases ------------------------------------------------------------------- */

static void
check_status(const char *name, const struct yt_node *exp, const struct sched_node_status *st)
{
	const char *want = str(yt_get(exp, "status"));
	if (strcmp(sched_code_name(st->code), want) != 0) {
		FAILF("%s: status %s, want %s", name, sched_code_name(st->code), want);
		return;
	}
	PASS();
	const struct yt_node *reasons = yt_get(exp, "reasons");
	const char *one = str(yt_get(exp, "reason"));
	size_t nwant = reasons ? reasons->n : one ? 1 : 0;
	if (st->code == SCHED_SUCCESS)
		return;
	if ((size_t)st->nreasons != nwant && (reasons || one)) {
		FAILF("%s: %d reasons, want %zu", name, st->nreasons, nwant);
		return;
	}
	for (size_t i = 0; i < nwant; i++) {
		const char *w = reasons ? reasons->items[i]->str : one;
		if (strcmp(st->reasons[i], w) != 0)
			FAILF("%s: reason %zu \"%s\", want \"%s\"", name, i, st->reasons[i], w);
		else
			PASS();
	}
}

/* One list of names into the config's fixed arrays. */
static void
read_names(const struct yt_node *l, char out[][SCHED_MAX_NAME], int *n)
{
	for (size_t i = 0; l != NULL && l->kind == YT_SEQ && i < l->n && *n < SCHED_MAX_IGNORED;
	    i++)
		if (l->items[i]->kind == YT_SCALAR)
			snprintf(out[(*n)++], SCHED_MAX_NAME, "%s", l->items[i]->str);
}

/* NodeResourcesFitArgs' ignoredResources / ignoredResourceGroups, given in
 * the inputs or in an args map, in snake or camel case. */
static void
read_fit_args(const struct yt_node *in, struct sched_config *cfg)
{
	static const char *const maps[] = { "args", "fit_args", "plugin_args",
		"node_resources_fit_args", NULL };
	const struct yt_node *where[5] = { in };
	size_t nw = 1;
	for (size_t i = 0; maps[i] != NULL; i++)
		if (yt_get(in, maps[i]) != NULL && yt_get(in, maps[i])->kind == YT_MAP)
			where[nw++] = yt_get(in, maps[i]);
	for (size_t i = 0; i < nw; i++) {
		read_names(yt_get(where[i], "ignored_resources"), cfg->ignored_resources,
		    &cfg->nignored_resources);
		read_names(yt_get(where[i], "ignoredResources"), cfg->ignored_resources,
		    &cfg->nignored_resources);
		read_names(yt_get(where[i], "ignored_resource_groups"), cfg->ignored_groups,
		    &cfg->nignored_groups);
		read_names(yt_get(where[i], "ignoredResourceGroups"), cfg->ignored_groups,
		    &cfg->nignored_groups);
	}
}

static void
fit_filter_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs"), *exp = yt_get(c, "expected");
	struct sched_config cfg;
	sched_config_default(&cfg);
	read_fit_args(in, &cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct fx f;
	memset(&f, 0, sizeof f);
	struct k8s_node_spec *ns = xcalloc(1, sizeof *ns);
	f.nodes[f.nnodes++] = ns;
	ns->name = xstrdup("node");
	read_res(yt_get(in, "node_allocatable"), &ns->allocatable);
	int node = sched_add_node(s, ns);
	const struct yt_node *ex = yt_get(in, "existing_pods_on_node");
	for (size_t i = 0; ex != NULL && i < ex->n; i++)
		sched_node_add_pod(s, node, read_pod(&f, ex->items[i]));
	struct k8s_pod_spec *pod = read_pod(&f, yt_get(in, "pod"));
	/* PodLevelResources off: pod-level requests are not read (PodRequests'
	 * SkipPodLevelResources). */
	const struct yt_node *plr = yt_get(yt_get(in, "feature_gates"), "PodLevelResources");
	bool plr_on = true;
	if (plr != NULL && yt_bool(plr, &plr_on, NULL) == 0 && !plr_on) {
		k8s_res_free(&pod->pod_requests);
		memset(&pod->pod_requests, 0, sizeof pod->pod_requests);
	}
	struct sched_node_status st;
	struct sched_insufficient ins[SCHED_MAX_REASONS];
	int nins = 0;
	sched_run_filter(s, pod, SCHED_NODE_RESOURCES_FIT, node, &st, ins, &nins);
	check_status(name, exp, &st);
	const struct yt_node *wi = yt_get(exp, "insufficient_resources");
	if (wi != NULL && wi->kind == YT_SEQ) {
		if ((size_t)nins != wi->n) {
			FAILF("%s: %d insufficient resources, want %zu", name, nins, wi->n);
		} else {
			for (int i = 0; i < nins; i++) {
				const struct yt_node *w = wi->items[i];
				bool unres = false;
				if (yt_get(w, "unresolvable"))
					yt_bool(yt_get(w, "unresolvable"), &unres, NULL);
				if (strcmp(ins[i].resource, str(yt_get(w, "resource"))) != 0 ||
				    strcmp(ins[i].reason, str(yt_get(w, "reason"))) != 0 ||
				    ins[i].requested != num(yt_get(w, "requested")) ||
				    ins[i].used != num(yt_get(w, "used")) ||
				    ins[i].capacity != num(yt_get(w, "capacity")) ||
				    ins[i].unresolvable != unres)
					FAILF("%s: insufficient[%d] = {%s %lld %lld %lld %d}", name, i,
					    ins[i].resource, (long long)ins[i].requested,
					    (long long)ins[i].used, (long long)ins[i].capacity,
					    ins[i].unresolvable);
				else
					PASS();
			}
		}
	}
	sched_free(s);
	fx_free(&f);
}

static void
taint_filter_case(const struct yt_node *c)
{
	const char *name = str(yt_get(c, "name"));
	const struct yt_node *in = yt_get(c, "inputs");
	struct sched_config cfg;
	sched_config_default(&cfg);
	read_fit_args(in, &cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct fx f;
	memset(&f, 0, sizeof f);
	struct k8s_node_spec *ns = xcalloc(1, sizeof *ns);
	f.nodes[f.nnodes++] = ns;
	ns->name = xstrdup("node");
	read_taints(yt_get(in, "node_taints"), ns);
	int node = sched_add_node(s, ns);
	struct k8s_pod_spec *pod = new_pod(&f);
	read_tolerations(yt_get(in, "pod_tolerations"), pod);
	struct sched_node_status st;
	sched_run_filter(s, pod, SCHED_TAINT_TOLERATION, node, &st, NULL, NULL);
	check_status(name, yt_get(c, "expected"), &st);
	sched_free(s);
	fx_free(&f);
}

/* ---- driver -------------------------------------------------------------------------- */

/* Cases that need modelling kubesim does not have (DRA) are skipped loudly. */
static bool
skip_case(const struct yt_node *c)
{
	const char *fg = str(yt_get(c, "feature_gated"));
	if (fg != NULL && strcmp(fg, "DRAExtendedResource") == 0) {
		printf("skip (needs DRA modelling): %s\n", str(yt_get(c, "name")));
		return true;
	}
	return false;
}

static void
run_section(const struct yt_node *root, const char *key, void (*fn)(const struct yt_node *),
    int *count)
{
	const struct yt_node *seq = yt_get(root, key);
	if (seq == NULL || seq->kind != YT_SEQ) {
		FAILF("section %s missing", key);
		return;
	}
	for (size_t i = 0; i < seq->n; i++) {
		if (skip_case(seq->items[i]))
			continue;
		fn(seq->items[i]);
		(*count)++;
	}
}

static void fit_score_case(const struct yt_node *c) { resource_case(c, false); }
static void balanced_case(const struct yt_node *c) { resource_case(c, true); }

int
main(void)
{
	struct yt_docs d;
	char *cause = NULL;
	int cases = 0;
	if (yt_parse_file(tl_fidelity("scheduler_scores.json"), &d, &cause) < 0) {
		FAILF("%s", cause);
		free(cause);
		return tl_finish();
	}
	const struct yt_node *r = d.docs[0];
	run_section(r, "least_allocated", fit_score_case, &cases);
	run_section(r, "most_allocated", fit_score_case, &cases);
	run_section(r, "requested_to_capacity_ratio", fit_score_case, &cases);
	run_section(r, "rtcr_single_extended", fit_score_case, &cases);
	run_section(r, "rtcr_multiple_extended", fit_score_case, &cases);
	run_section(r, "fit_score", fit_score_case, &cases);
	run_section(r, "balanced_allocation", balanced_case, &cases);
	run_section(r, "balanced_allocation_dra_feature_gated", balanced_case, &cases);
	run_section(r, "broken_linear_function", broken_linear_case, &cases);
	run_section(r, "pod_topology_spread", spread_case, &cases);
	run_section(r, "taint_toleration", taint_score_case, &cases);
	run_section(r, "default_normalize_score", normalize_case, &cases);
	run_section(r, "num_feasible_nodes_to_find", feasible_case, &cases);
	yt_docs_free(&d);

	if (yt_parse_file(tl_fidelity("scheduler_filter.json"), &d, &cause) < 0) {
		FAILF("%s", cause);
		free(cause);
		return tl_finish();
	}
	r = d.docs[0];
	run_section(r, "fit_enough_requests", fit_filter_case, &cases);
	run_section(r, "fit_not_enough_requests", fit_filter_case, &cases);
	run_section(r, "fit_storage_requests", fit_filter_case, &cases);
	run_section(r, "fit_restartable_init_containers", fit_filter_case, &cases);
	run_section(r, "taint_toleration_filter", taint_filter_case, &cases);
	yt_docs_free(&d);
	printf("%d cases replayed\n", cases);
	return tl_finish();
}
