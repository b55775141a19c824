/*
 * test_sched.c - framework tests of models/scheduler/sched.h: filters combining with
 * upstream's reasons and FitError message, weights and explain data, the
 * adaptive node count with a rotating start over 5,000 nodes, random but
 * seed-deterministic ties, pod add/remove accounting, spreading and
 * inter-pod (anti-)affinity through sched_schedule, DoNotSchedule counts kept
 * across cycles against a scheduler built from scratch, and a throughput run.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "models/scheduler/sched.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

/* ---- builders ---------------------------------------------------------------- */

static struct k8s_node_spec *
mknode(const char *name, int64_t cpu, int64_t mem, int64_t pods, const char *zone)
{
	struct k8s_node_spec *n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	k8s_res_set(&n->allocatable, "cpu", cpu);
	k8s_res_set(&n->allocatable, "memory", mem);
	k8s_res_set(&n->allocatable, "pods", pods);
	k8s_labels_set(&n->labels, "kubernetes.io/hostname", name);
	if (zone)
		k8s_labels_set(&n->labels, "topology.kubernetes.io/zone", zone);
	return n;
}

static void
add_taint(struct k8s_node_spec *n, const char *key, const char *val, enum k8s_effect e)
{
	n->taints = xreallocarray(n->taints, n->ntaints + 1, sizeof *n->taints);
	n->taints[n->ntaints].key = xstrdup(key);
	n->taints[n->ntaints].value = xstrdup(val);
	n->taints[n->ntaints].effect = e;
	n->ntaints++;
}

static struct k8s_pod_spec *
mkpod(const char *app, int64_t cpu, int64_t mem)
{
	struct k8s_pod_spec *p = xcalloc(1, sizeof *p);
	p->name = xstrdup(app);
	p->namespace = xstrdup("default");
	k8s_labels_set(&p->labels, "app", app);
	p->containers = xcalloc(1, sizeof *p->containers);
	p->ncontainers = 1;
	if (cpu >= 0)
		k8s_res_set(&p->containers[0].requests, "cpu", cpu);
	if (mem >= 0)
		k8s_res_set(&p->containers[0].requests, "memory", mem);
	return p;
}

static void
free_pod(struct k8s_pod_spec *p)
{
	k8s_pod_spec_free(p);
	free(p);
}

static void
free_node(struct k8s_node_spec *n)
{
	k8s_node_spec_free(n);
	free(n);
}

/* A pod term "app In (app)" over topology key. */
static void
set_term(struct k8s_pod_term *t, const char *app, const char *key)
{
	memset(t, 0, sizeof *t);
	t->selector.set = true;
	t->selector.reqs = xcalloc(1, sizeof *t->selector.reqs);
	t->selector.nreqs = 1;
	t->selector.reqs[0].key = xstrdup("app");
	t->selector.reqs[0].op = K8S_SEL_IN;
	t->selector.reqs[0].values = xcalloc(1, sizeof(char *));
	t->selector.reqs[0].values[0] = xstrdup(app);
	t->selector.reqs[0].nvalues = 1;
	t->topology_key = xstrdup(key);
}

#define GI (1024LL * 1024 * 1024)

/* The explain entry of one node and plugin. */
static const struct sched_score_detail *
explained(const struct sched_result *r, int node, enum sched_plugin p)
{
	static const struct sched_score_detail none = { -1, -1, -1 };
	for (size_t i = 0; i < r->nfeasible; i++)
		if (r->feasible[i] == node)
			return &r->scores[i * SCHED_NPLUGINS + p];
	return &none;
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_filters_combine(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	char *cause = NULL;
	struct sched *s = sched_new(&cfg, &cause);
	CHECK(s != NULL);
	struct k8s_node_spec *n[6];
	n[0] = mknode("unsched", 4000, 8 * GI, 110, "a");
	n[0]->unschedulable = true;
	n[1] = mknode("tainted", 4000, 8 * GI, 110, "a");
	add_taint(n[1], "dedicated", "gpu", K8S_NO_SCHEDULE);
	n[2] = mknode("small", 500, 8 * GI, 110, "a");
	n[3] = mknode("wrongzone", 4000, 8 * GI, 110, "b");
	n[4] = mknode("full", 4000, 8 * GI, 1, "a");
	n[5] = mknode("good", 4000, 8 * GI, 110, "a");
	for (int i = 0; i < 6; i++)
		CHECK_INT(sched_add_node(s, n[i]), i);
	struct k8s_pod_spec *filler = mkpod("filler", 0, 0);
	sched_node_add_pod(s, 4, filler);
	struct k8s_pod_spec *pod = mkpod("web", 1000, GI);
	k8s_labels_set(&pod->node_selector, "topology.kubernetes.io/zone", "a");

	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	CHECK_INT(sched_schedule(s, pod, rng, &r), 5);
	CHECK_INT(r.nfeasible, 1);
	CHECK_INT(r.evaluated, 6);
	CHECK_INT(r.status[0].code, SCHED_UNRESOLVABLE);
	CHECK_STR(r.status[0].reasons[0], "node(s) were unschedulable");
	CHECK_INT(r.status[0].plugin, SCHED_NODE_UNSCHEDULABLE);
	CHECK_STR(r.status[1].reasons[0], "node(s) had untolerated taint(s)");
	CHECK_INT(r.status[2].code, SCHED_UNRESOLVABLE);	/* 1000m > 500m allocatable */
	CHECK_STR(r.status[2].reasons[0], "Insufficient cpu");
	CHECK_STR(r.status[3].reasons[0], "node(s) didn't match Pod's node affinity/selector");
	CHECK_INT(r.status[4].code, SCHED_UNSCHEDULABLE);
	CHECK_STR(r.status[4].reasons[0], "Too many pods");
	CHECK_INT(r.status[5].code, SCHED_SUCCESS);

	/* Now nothing fits: the FitError message sorts "count reason" strings. */
	k8s_labels_set(&pod->node_selector, "topology.kubernetes.io/zone", "c");
	CHECK_INT(sched_schedule(s, pod, rng, &r), -1);
	char *msg = sched_result_message(s, &r);
	CHECK_STR(msg, "0/6 nodes are available: 1 node(s) had untolerated taint(s), "
	    "1 node(s) were unschedulable, 4 node(s) didn't match Pod's node affinity/selector.");
	free(msg);

	/* A toleration and a nodeName. */
	k8s_labels_free(&pod->node_selector);
	pod->tolerations = xcalloc(1, sizeof *pod->tolerations);
	pod->ntolerations = 1;
	pod->tolerations[0].key = xstrdup("dedicated");
	pod->tolerations[0].op = K8S_TOL_EXISTS;
	pod->node_name = xstrdup("tainted");
	CHECK_INT(sched_schedule(s, pod, rng, &r), 1);
	CHECK_STR(r.status[5].reasons[0], "node(s) didn't match the requested node name");

	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	free_pod(pod);
	free_pod(filler);
	for (int i = 0; i < 6; i++)
		free_node(n[i]);
}

static void
test_weights_explain(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *a = mknode("a", 4000, 4 * GI, 110, "z1");
	struct k8s_node_spec *b = mknode("b", 4000, 4 * GI, 110, "z1");
	add_taint(b, "spot", "true", K8S_PREFER_NO_SCHEDULE);
	sched_add_node(s, a);
	sched_add_node(s, b);
	struct k8s_pod_spec *busy = mkpod("busy", 2000, GI);
	sched_node_add_pod(s, 0, busy);
	struct k8s_pod_spec *pod = mkpod("web", 1000, GI);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	r.explain = true;
	int got = sched_schedule(s, pod, rng, &r);
	CHECK(r.scored);
	CHECK_INT(r.nfeasible, 2);
	/* Node a: LeastAllocated cpu (4000-3000)*100/4000 = 25, mem (4-2)/4 = 50 -> 37.
	 * Node b: cpu 75, mem 75 -> 75. Balanced: a |0.75-0.5|/2 -> 87; b 100.
	 * TaintToleration: a 100, b 0 (weight 3). */
	const struct sched_score_detail *sa = &r.scores[0 * SCHED_NPLUGINS];
	const struct sched_score_detail *sb = &r.scores[1 * SCHED_NPLUGINS];
	CHECK_INT(r.feasible[0], 0);
	CHECK_INT(sa[SCHED_NODE_RESOURCES_FIT].normalized, 37);
	CHECK_INT(sb[SCHED_NODE_RESOURCES_FIT].normalized, 75);
	CHECK_INT(sa[SCHED_BALANCED_ALLOCATION].normalized, 87);
	CHECK_INT(sb[SCHED_BALANCED_ALLOCATION].normalized, 100);
	CHECK_INT(sa[SCHED_TAINT_TOLERATION].raw, 0);
	CHECK_INT(sb[SCHED_TAINT_TOLERATION].raw, 1);
	CHECK_INT(sa[SCHED_TAINT_TOLERATION].weighted, 300);
	CHECK_INT(sb[SCHED_TAINT_TOLERATION].weighted, 0);
	CHECK(r.skipped[SCHED_NODE_AFFINITY]);
	CHECK(r.skipped[SCHED_INTER_POD_AFFINITY]);
	CHECK(r.ran[SCHED_IMAGE_LOCALITY] && !r.skipped[SCHED_IMAGE_LOCALITY]);
	/* No Service or owner selects the pod: default spreading is skipped. */
	CHECK(r.skipped[SCHED_POD_TOPOLOGY_SPREAD]);
	CHECK_INT(r.totals[0], 37 + 87 + 300);
	CHECK_INT(r.totals[1], 75 + 100 + 0);
	CHECK_INT(got, 0);
	CHECK_INT(r.ntied, 1);

	/* Raising the Fit weight flips the choice. */
	sched_result_fini(&r);
	sched_free(s);
	cfg.weight[SCHED_NODE_RESOURCES_FIT] = 10;
	s = sched_new(&cfg, NULL);
	sched_add_node(s, a);
	sched_add_node(s, b);
	sched_node_add_pod(s, 0, busy);
	sched_result_init(&r);
	CHECK_INT(sched_schedule(s, pod, rng, &r), 1);
	CHECK_INT(r.total, 750 + 100);

	/* Bad weights are rejected with upstream's field path. */
	char *cause = NULL;
	cfg.fit_resources[1].weight = 0;
	CHECK(sched_new(&cfg, &cause) == NULL);
	CHECK(cause && strstr(cause, "scoringStrategy.resources[1].weight: Invalid value") != NULL);
	free(cause);

	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	free_pod(pod);
	free_pod(busy);
	free_node(a);
	free_node(b);
}

static void
test_adaptive_rotation(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	enum { N = 5000 };
	struct k8s_node_spec **nodes = xcalloc(N, sizeof *nodes);
	char name[32];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "n%04d", i);
		nodes[i] = mknode(name, 4000, 16 * GI, 110, i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c");
		sched_add_node(s, nodes[i]);
	}
	struct k8s_pod_spec *pod = mkpod("web", 100, 100);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	r.explain = true;
	/* 50 - 5000/125 = 10 percent of 5000 = 500 nodes. */
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.num_to_find, 500);
	CHECK_INT(r.nfeasible, 500);
	CHECK_INT(r.evaluated, 500);
	CHECK_INT(r.start_index, 0);
	CHECK_INT(r.feasible[0], 0);
	CHECK_INT(r.feasible[499], 499);
	CHECK(r.node >= 0 && r.node < 500);
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.start_index, 500);
	CHECK_INT(r.feasible[0], 500);
	CHECK(r.node >= 500 && r.node < 1000);
	/* Unfit nodes are evaluated but do not count toward the 500. */
	for (int i = 1000; i < 1100; i++)
		nodes[i]->unschedulable = true;
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.start_index, 1000);
	CHECK_INT(r.evaluated, 600);
	CHECK_INT(r.nfeasible, 500);
	CHECK_INT(r.status[1000].code, SCHED_UNRESOLVABLE);
	CHECK_INT(r.status[1600].code, SCHED_NOT_EVALUATED);
	CHECK_INT(r.feasible[0], 1100);
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.start_index, 1600);
	/* Wraps around the end. */
	for (int i = 0; i < 6; i++)
		sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.start_index, 4600);
	CHECK_INT(r.feasible[399], 4999);
	CHECK_INT(r.feasible[400], 0);
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.start_index, 100);
	/* A configured percentage. */
	sched_free(s);
	cfg.percentage_of_nodes_to_score = 40;
	s = sched_new(&cfg, NULL);
	for (int i = 0; i < N; i++)
		sched_add_node(s, nodes[i]);
	r.explain = false;
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.num_to_find, 2000);
	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	free_pod(pod);
	for (int i = 0; i < N; i++)
		free_node(nodes[i]);
	free(nodes);
}

static void
test_ties(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *n[8];
	char name[16];
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "n%d", i);
		n[i] = mknode(name, 4000, 8 * GI, 110, NULL);
		sched_add_node(s, n[i]);
	}
	struct k8s_pod_spec *pod = mkpod("x", 100, 100);
	struct sched_result r;
	sched_result_init(&r);
	int seq1[64], seq2[64], hits[8] = { 0 };
	for (int round = 0; round < 2; round++) {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(rng, 42);
		for (int i = 0; i < 64; i++) {
			int got = sched_schedule(s, pod, rng, &r);
			(round ? seq2 : seq1)[i] = got;
			if (round == 0)
				hits[got]++;
		}
		gsl_rng_free(rng);
	}
	CHECK(memcmp(seq1, seq2, sizeof seq1) == 0);
	int used = 0;
	for (int i = 0; i < 8; i++)
		used += hits[i] > 0;
	CHECK(used >= 6);	/* 64 uniform draws over 8 tied nodes */
	r.explain = true;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	sched_schedule(s, pod, rng, &r);
	CHECK_INT(r.ntied, 8);
	gsl_rng_free(rng);
	sched_result_fini(&r);
	sched_free(s);
	free_pod(pod);
	for (int i = 0; i < 8; i++)
		free_node(n[i]);
}

static void
test_accounting(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *n = mknode("n", 4000, 8 * GI, 110, NULL);
	sched_add_node(s, n);
	struct k8s_pod_spec *a = mkpod("a", 500, GI), *b = mkpod("b", -1, -1);
	int p1 = sched_node_add_pod(s, 0, a), p2 = sched_node_add_pod(s, 0, a);
	int p3 = sched_node_add_pod(s, 0, b);
	const struct sched_node *sn = sched_node_get(s, 0);
	CHECK_INT(sn->npods, 3);
	CHECK_INT(sn->req_cpu, 1000);
	CHECK_INT(sn->nz_cpu, 1100);
	CHECK_INT(sn->nz_mem, 2 * GI + 200LL * 1024 * 1024);
	sched_node_remove_pod(s, p1);
	CHECK_INT(sn->npods, 2);
	CHECK_INT(sn->req_cpu, 500);
	CHECK_INT(sched_pod_node(s, p2), 0);
	sched_node_remove_pod(s, p2);
	sched_node_remove_pod(s, p3);
	CHECK_INT(sn->req_cpu, 0);
	CHECK_INT(sn->nz_cpu, 0);
	CHECK_INT(sn->ngroups, 0);
	/* Freed handles are reused. */
	int p4 = sched_node_add_pod(s, 0, b);
	CHECK(p4 == p1 || p4 == p2 || p4 == p3);
	sched_node_remove_pod(s, p4);
	sched_remove_node(s, 0);
	CHECK_INT(sched_nnodes_live(s), 0);
	sched_free(s);
	free_pod(a);
	free_pod(b);
	free_node(n);
}

static void
test_spread_and_affinity(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *n[3] = { mknode("a", 8000, 16 * GI, 110, "za"),
		mknode("b", 8000, 16 * GI, 110, "zb"), mknode("c", 8000, 16 * GI, 110, "zc") };
	for (int i = 0; i < 3; i++)
		sched_add_node(s, n[i]);
	struct k8s_pod_spec *web = mkpod("web", 100, 100);
	web->spread = xcalloc(1, sizeof *web->spread);
	web->nspread = 1;
	web->spread[0].max_skew = 1;
	web->spread[0].topology_key = xstrdup("topology.kubernetes.io/zone");
	web->spread[0].when_unsatisfiable = K8S_DO_NOT_SCHEDULE;
	web->spread[0].selector.set = true;
	web->spread[0].selector.reqs = xcalloc(1, sizeof(struct k8s_sel_req));
	web->spread[0].selector.nreqs = 1;
	web->spread[0].selector.reqs[0].key = xstrdup("app");
	web->spread[0].selector.reqs[0].op = K8S_SEL_EXISTS;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	/* za 2, zb 1, zc 0: only zc keeps the skew within 1. */
	sched_node_add_pod(s, 0, web);
	sched_node_add_pod(s, 0, web);
	int pb = sched_node_add_pod(s, 1, web);
	CHECK_INT(sched_schedule(s, web, rng, &r), 2);
	CHECK_INT(r.status[0].code, SCHED_UNSCHEDULABLE);
	CHECK_STR(r.status[0].reasons[0], "node(s) didn't match pod topology spread constraints");
	CHECK_INT(r.status[1].code, SCHED_UNSCHEDULABLE);
	/* A terminating pod no longer counts: zb 0 now ties with zc. */
	sched_pod_set_terminating(s, pb, true);
	int got = sched_schedule(s, web, rng, &r);
	CHECK(got == 1 || got == 2);
	CHECK_INT(r.nfeasible, 2);

	/* Required anti-affinity against app=db per hostname, and an existing
	 * db pod that refuses app=cache on its zone. */
	struct k8s_pod_spec *db = mkpod("db", 100, 100);
	db->affinity.anti_required = xcalloc(1, sizeof(struct k8s_pod_term));
	db->affinity.nanti_required = 1;
	set_term(&db->affinity.anti_required[0], "cache", "topology.kubernetes.io/zone");
	sched_node_add_pod(s, 0, db);
	struct k8s_pod_spec *cache = mkpod("cache", 100, 100);
	CHECK_INT(sched_schedule(s, cache, rng, &r) != 0, 1);
	CHECK_INT(r.status[0].code, SCHED_UNSCHEDULABLE);
	CHECK_STR(r.status[0].reasons[0], "node(s) didn't satisfy existing pods anti-affinity rules");
	struct k8s_pod_spec *db2 = mkpod("db", 100, 100);
	db2->affinity.anti_required = xcalloc(1, sizeof(struct k8s_pod_term));
	db2->affinity.nanti_required = 1;
	set_term(&db2->affinity.anti_required[0], "db", "kubernetes.io/hostname");
	CHECK(sched_schedule(s, db2, rng, &r) != 0);
	CHECK_STR(r.status[0].reasons[0], "node(s) didn't match pod anti-affinity rules");
	/* Required affinity to app=db: only node a's zone. */
	struct k8s_pod_spec *app = mkpod("app", 100, 100);
	app->affinity.pod_required = xcalloc(1, sizeof(struct k8s_pod_term));
	app->affinity.npod_required = 1;
	set_term(&app->affinity.pod_required[0], "db", "topology.kubernetes.io/zone");
	CHECK_INT(sched_schedule(s, app, rng, &r), 0);
	CHECK_STR(r.status[1].reasons[0], "node(s) didn't match pod affinity rules");
	CHECK_INT(r.status[1].code, SCHED_UNRESOLVABLE);
	/* Preferred affinity to app=web scores zones by their web pods. */
	struct k8s_pod_spec *pref = mkpod("pref", 100, 100);
	pref->affinity.pod_preferred = xcalloc(1, sizeof(struct k8s_weighted_pod_term));
	pref->affinity.npod_preferred = 1;
	pref->affinity.pod_preferred[0].weight = 10;
	set_term(&pref->affinity.pod_preferred[0].term, "web", "topology.kubernetes.io/zone");
	r.explain = true;
	CHECK_INT(sched_schedule(s, pref, rng, &r), 0);
	CHECK_INT(explained(&r, 0, SCHED_INTER_POD_AFFINITY)->raw, 20);
	CHECK_INT(explained(&r, 1, SCHED_INTER_POD_AFFINITY)->raw, 10);	/* terminating counts */
	CHECK_INT(explained(&r, 0, SCHED_INTER_POD_AFFINITY)->normalized, 100);
	CHECK_INT(explained(&r, 1, SCHED_INTER_POD_AFFINITY)->normalized, 50);
	CHECK_INT(explained(&r, 2, SCHED_INTER_POD_AFFINITY)->normalized, 0);
	CHECK_INT(explained(&r, 2, SCHED_INTER_POD_AFFINITY)->weighted, 0);
	CHECK_INT(explained(&r, 1, SCHED_INTER_POD_AFFINITY)->weighted, 100);

	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	free_pod(web);
	free_pod(db);
	free_pod(db2);
	free_pod(cache);
	free_pod(app);
	free_pod(pref);
	for (int i = 0; i < 3; i++)
		free_node(n[i]);
}

static void
test_ports(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *n = mknode("n", 4000, 8 * GI, 110, NULL);
	sched_add_node(s, n);
	struct k8s_pod_spec *p = mkpod("p", 100, 100);
	p->containers[0].ports = xcalloc(1, sizeof(struct k8s_port));
	p->containers[0].nports = 1;
	p->containers[0].ports[0].container_port = 80;
	p->containers[0].ports[0].host_port = 8080;
	int id = sched_node_add_pod(s, 0, p);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	CHECK_INT(sched_schedule(s, p, rng, &r), -1);
	CHECK_STR(r.status[0].reasons[0], "node(s) didn't have free ports for the requested pod ports");
	sched_node_remove_pod(s, id);
	CHECK_INT(sched_schedule(s, p, rng, &r), 0);
	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	free_pod(p);
	free_node(n);
}

static void
test_image_locality(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	struct k8s_node_spec *a = mknode("a", 4000, 8 * GI, 110, NULL);
	struct k8s_node_spec *b = mknode("b", 4000, 8 * GI, 110, NULL);
	a->images = xcalloc(1, sizeof(char *));
	a->image_sizes = xcalloc(1, sizeof(int64_t));
	a->images[0] = xstrdup("nginx:latest");
	a->image_sizes[0] = 500LL * 1024 * 1024;
	a->nimages = 1;
	int idx[2] = { sched_add_node(s, a), sched_add_node(s, b) };
	struct k8s_pod_spec *p = mkpod("web", 100, 100);
	p->containers[0].image = xstrdup("nginx");
	int64_t raw[2], norm[2];
	CHECK_INT(sched_run_score(s, p, NULL, SCHED_IMAGE_LOCALITY, idx, 2, raw, norm), 0);
	/* 500Mi * (1 of 2 nodes) = 250Mi, scaled between 23Mi and 1000Mi. */
	CHECK_INT(norm[0], 100 * (262144000LL - 24117248) / (1048576000LL - 24117248));
	CHECK_INT(norm[0], 23);
	CHECK_INT(norm[1], 0);
	sched_free(s);
	free_pod(p);
	free_node(a);
	free_node(b);
}

/* Schedules and binds many pods of 50 Deployments (with a Service each, so
 * default spreading runs) onto 5,000 nodes; prints the rate. */
static void
test_throughput(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	struct sched *s = sched_new(&cfg, NULL);
	enum { N = 5000, D = 50, P = 30000 };
	struct k8s_node_spec **nodes = xcalloc(N, sizeof *nodes);
	char name[32];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "n%04d", i);
		snprintf(name + 16, 16, "z%d", i % 3);
		nodes[i] = mknode(name, 64000, 256 * GI, 110, name + 16);
		sched_add_node(s, nodes[i]);
	}
	struct k8s_pod_spec *tmpl[D];
	struct k8s_labels svc[D];
	for (int d = 0; d < D; d++) {
		snprintf(name, sizeof name, "app%d", d);
		tmpl[d] = mkpod(name, 250, 512LL * 1024 * 1024);
		memset(&svc[d], 0, sizeof svc[d]);
		k8s_labels_set(&svc[d], "app", name);
		sched_add_service(s, "default", &svc[d]);
	}
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct sched_result r;
	sched_result_init(&r);
	int placed = 0;
	clock_t t0 = clock();
	for (int i = 0; i < P; i++) {
		int node = sched_schedule(s, tmpl[i % D], rng, &r);
		if (node >= 0) {
			sched_node_add_pod(s, node, tmpl[i % D]);
			placed++;
		}
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK_INT(placed, P);
	printf("throughput: %d pods on %d nodes in %.2fs (%.0f pods/s)\n", P, N, secs,
	    secs > 0 ? P / secs : 0.0);
	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	for (int d = 0; d < D; d++) {
		free_pod(tmpl[d]);
		k8s_labels_free(&svc[d]);
	}
	for (int i = 0; i < N; i++)
		free_node(nodes[i]);
	free(nodes);
}

/* A DoNotSchedule constraint "app In (app)" over key. */
static void
add_spread(struct k8s_pod_spec *p, const char *app, const char *key, int32_t skew,
    bool honor_taints)
{
	p->spread = xreallocarray(p->spread, p->nspread + 1, sizeof *p->spread);
	struct k8s_spread *c = &p->spread[p->nspread++];
	memset(c, 0, sizeof *c);
	c->max_skew = skew;
	c->topology_key = xstrdup(key);
	c->when_unsatisfiable = K8S_DO_NOT_SCHEDULE;
	c->node_affinity_policy = K8S_HONOR;
	c->node_taints_policy = honor_taints ? K8S_HONOR : K8S_IGNORE;
	struct k8s_pod_term t;
	set_term(&t, app, key);
	c->selector = t.selector;
	free(t.topology_key);
}

/*
 * The DoNotSchedule counts (and InterPodAffinity's matching terms) are kept
 * across cycles and follow every pod bind, removal and termination, node
 * addition and relabelling: after each of a few hundred random changes,
 * PodTopologySpread's filter and the spreading and pod-term scores answer
 * on every node as a scheduler built from scratch on the same state does.
 */
static void
test_spread_counts_incremental(void)
{
	enum { MAXN = 24, MAXP = 400, STEPS = 300 };
	struct k8s_node_spec *nodes[MAXN];
	int nn = 0;
	char name[32];
	struct sched_config cfg;
	sched_config_default(&cfg);
	char *cause = NULL;
	struct sched *s = sched_new(&cfg, &cause);
	for (; nn < 9; nn++) {
		snprintf(name, sizeof name, "n%d", nn);
		char zone[8];
		snprintf(zone, sizeof zone, "z%d", nn % 3);
		nodes[nn] = mknode(name, 64000, 256 * GI, 500, nn == 7 ? NULL : zone);
		if (nn == 5)
			add_taint(nodes[nn], "dedicated", "x", K8S_NO_SCHEDULE);
		sched_add_node(s, nodes[nn]);
	}
	/* a: two constraints (zone, honouring taints; hostname); b: another
	 * template with the same label; c: not selected. */
	struct k8s_pod_spec *a = mkpod("web", 100, GI), *b = mkpod("web", 100, GI),
	    *c = mkpod("db", 100, GI);
	add_spread(a, "web", "topology.kubernetes.io/zone", 1, true);
	add_spread(a, "web", "kubernetes.io/hostname", 2, false);
	/* and pod terms for InterPodAffinity's score, kept across cycles too:
	 * a prefers no web pod on its node, c prefers web pods in its zone */
	a->affinity.anti_preferred = xcalloc(1, sizeof *a->affinity.anti_preferred);
	a->affinity.nanti_preferred = 1;
	a->affinity.anti_preferred[0].weight = 10;
	set_term(&a->affinity.anti_preferred[0].term, "web", "kubernetes.io/hostname");
	/* b prefers zone z1 (NodeAffinity's sums are kept per node) */
	b->affinity.node_preferred = xcalloc(1, sizeof *b->affinity.node_preferred);
	b->affinity.nnode_preferred = 1;
	b->affinity.node_preferred[0].weight = 5;
	struct k8s_sel_req *zr = xcalloc(1, sizeof *zr);
	zr->key = xstrdup("topology.kubernetes.io/zone");
	zr->op = K8S_SEL_IN;
	zr->values = xcalloc(1, sizeof(char *));
	zr->values[0] = xstrdup("z1");
	zr->nvalues = 1;
	b->affinity.node_preferred[0].term.match_expressions = zr;
	b->affinity.node_preferred[0].term.nexpr = 1;
	c->affinity.pod_preferred = xcalloc(1, sizeof *c->affinity.pod_preferred);
	c->affinity.npod_preferred = 1;
	c->affinity.pod_preferred[0].weight = 7;
	set_term(&c->affinity.pod_preferred[0].term, "web", "topology.kubernetes.io/zone");
	struct k8s_pod_spec *tmpl[3] = { a, b, c };
	int handle[MAXP], pnode[MAXP], ptmpl[MAXP];
	bool pterm[MAXP];
	int np = 0;
	uint64_t rng = 12345;
	int mismatches = 0;
	for (int step = 0; step < STEPS; step++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		int op = (int)((rng >> 33) % 10), r = (int)((rng >> 13) % 100000);
		if (op < 5 && np < MAXP) {
			int t = r % 3, node = (r / 3) % nn;
			ptmpl[np] = t;
			pnode[np] = node;
			pterm[np] = false;
			handle[np++] = sched_node_add_pod(s, node, tmpl[t]);
		} else if (op < 7 && np > 0) {
			int k = r % np;
			sched_node_remove_pod(s, handle[k]);
			np--;
			handle[k] = handle[np];
			pnode[k] = pnode[np];
			ptmpl[k] = ptmpl[np];
			pterm[k] = pterm[np];
		} else if (op == 7 && np > 0) {
			int k = r % np;
			pterm[k] = !pterm[k];
			sched_pod_set_terminating(s, handle[k], pterm[k]);
		} else if (op == 8 && nn < MAXN) {
			snprintf(name, sizeof name, "n%d", nn);
			nodes[nn] = mknode(name, 64000, 256 * GI, 500, r % 2 ? "z3" : "z1");
			sched_add_node(s, nodes[nn]);
			nn++;
		} else if (op == 9) {
			int node = r % nn;
			char zone[8];
			snprintf(zone, sizeof zone, "z%d", (r / 7) % 4);
			k8s_labels_set(&nodes[node]->labels, "topology.kubernetes.io/zone", zone);
			sched_node_update(s, node);
		}
		/* the same state from scratch */
		struct sched *f = sched_new(&cfg, &cause);
		for (int i = 0; i < nn; i++)
			sched_add_node(f, nodes[i]);
		for (int k = 0; k < np; k++) {
			int h = sched_node_add_pod(f, pnode[k], tmpl[ptmpl[k]]);
			if (pterm[k])
				sched_pod_set_terminating(f, h, true);
		}
		for (int i = 0; i < nn; i++) {
			struct sched_node_status st1, st2;
			enum sched_code c1 = sched_run_filter(s, a, SCHED_POD_TOPOLOGY_SPREAD, i, &st1,
			    NULL, NULL);
			enum sched_code c2 = sched_run_filter(f, a, SCHED_POD_TOPOLOGY_SPREAD, i, &st2,
			    NULL, NULL);
			if (c1 != c2)
				mismatches++;
		}
		/* scores over every node: spreading and pod terms, for a and b */
		int all[MAXN];
		for (int i = 0; i < nn; i++)
			all[i] = i;
		for (int t = 0; t < 3; t++) {
			static const enum sched_plugin ps[3] = { SCHED_POD_TOPOLOGY_SPREAD,
				SCHED_INTER_POD_AFFINITY, SCHED_NODE_AFFINITY };
			for (int k = 0; k < 3; k++) {
				int64_t n1[MAXN], n2[MAXN], r1[MAXN], r2[MAXN];
				int k1 = sched_run_score(s, tmpl[t], NULL, ps[k], all, (size_t)nn, r1, n1);
				int k2 = sched_run_score(f, tmpl[t], NULL, ps[k], all, (size_t)nn, r2, n2);
				if (k1 != k2 || memcmp(r1, r2, (size_t)nn * sizeof *r1) != 0 ||
				    memcmp(n1, n2, (size_t)nn * sizeof *n1) != 0)
					mismatches++;
			}
		}
		sched_free(f);
	}
	CHECK_INT(mismatches, 0);
	/* some of the answers were failures: the counts mattered */
	int fails = 0;
	for (int i = 0; i < nn; i++) {
		struct sched_node_status st;
		if (sched_run_filter(s, a, SCHED_POD_TOPOLOGY_SPREAD, i, &st, NULL, NULL) !=
		    SCHED_SUCCESS)
			fails++;
	}
	CHECK(fails > 0 && fails < nn);
	sched_free(s);
	for (int t = 0; t < 3; t++)
		free_pod(tmpl[t]);
	for (int i = 0; i < nn; i++)
		free_node(nodes[i]);
}

/* Every enabled filter on one node, the first failure deciding. */
static enum sched_code
filter_code(struct sched *s, const struct k8s_pod_spec *pod, int node)
{
	struct sched_node_status st;
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++) {
		if (!sched_config(s)->enabled[p])
			continue;
		enum sched_code c = sched_run_filter(s, pod, (enum sched_plugin)p, node, &st,
		    NULL, NULL);
		if (c != SCHED_SUCCESS)
			return c;
	}
	return SCHED_SUCCESS;
}

static void
clear_taints(struct k8s_node_spec *n)
{
	for (size_t i = 0; i < n->ntaints; i++) {
		free(n->taints[i].key);
		free(n->taints[i].value);
	}
	n->ntaints = 0;
}

/*
 * The cycle's shortcuts agree with the plugin-by-plugin path that explain
 * takes: the window's quick filter (schedulable, untainted, fits), the
 * scores that are the same on every node added once, NodeResourcesFit and
 * BalancedAllocation summed in one pass and kept per node and pod shape
 * until the node's pods or allocatable change. Two schedulers get the same
 * nodes, pods and changes, one explaining: the same node, total and
 * feasible count every cycle, and every evaluated node's filter status is
 * what filtering it afresh gives.
 */
static void
test_fast_paths(void)
{
	enum { NN = 300, NP = 1200, NT = 6 };
	struct sched_config cfg;
	sched_config_default(&cfg);
	char *cause = NULL;
	struct sched *s[2] = { sched_new(&cfg, &cause), sched_new(&cfg, &cause) };
	struct k8s_node_spec *nodes[NN];
	char name[32];
	for (int i = 0; i < NN; i++) {
		snprintf(name, sizeof name, "n%d", i);
		static const char *const zones[3] = { "a", "b", "c" };
		nodes[i] = mknode(name, 2000 + 1000 * (i % 4), (4 + 4 * (i % 3)) * GI, 30,
		    zones[i % 3]);
		if (i % 17 == 0 && i < 100)	/* some windows have none */
			add_taint(nodes[i], "spot", "true", K8S_PREFER_NO_SCHEDULE);
		if (i % 23 == 0)
			add_taint(nodes[i], "dedicated", "x", K8S_NO_SCHEDULE);
		if (i % 29 == 0)
			nodes[i]->unschedulable = true;
		for (int k = 0; k < 2; k++)
			sched_add_node(s[k], nodes[i]);
	}
	/* templates of three shapes (two with the same), each selected by a
	 * Service: default spreading scores them */
	struct k8s_pod_spec *tmpl[NT];
	struct k8s_labels svc[NT];
	static const int64_t cpus[3] = { 100, 250, 500 };
	for (int t = 0; t < NT; t++) {
		snprintf(name, sizeof name, "app%d", t);
		tmpl[t] = mkpod(name, cpus[t % 3], GI / 4);
		memset(&svc[t], 0, sizeof svc[t]);
		k8s_labels_set(&svc[t], "app", name);
		for (int k = 0; k < 2; k++)
			sched_add_service(s[k], "default", &svc[t]);
	}
	gsl_rng *rng[2] = { gsl_rng_alloc(gsl_rng_mt19937), gsl_rng_alloc(gsl_rng_mt19937) };
	struct sched_result r[2];
	sched_result_init(&r[0]);
	sched_result_init(&r[1]);
	r[1].explain = true;
	int handle[2][NP];
	int placed = 0, mismatches = 0, ties = 0, status_checked = 0;
	uint64_t x = 99;
	for (int step = 0; step < NP; step++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int t = (int)((x >> 33) % NT);
		int node[2];
		for (int k = 0; k < 2; k++)
			node[k] = sched_schedule(s[k], tmpl[t], rng[k], &r[k]);
		if (node[0] != node[1] || r[0].total != r[1].total ||
		    r[0].nfeasible != r[1].nfeasible || r[0].evaluated != r[1].evaluated)
			mismatches++;
		ties += r[1].ntied > 1;
		/* the quick filter's answers against filtering afresh */
		for (size_t k = 0; k < r[0].touched_n; k += 7) {
			int n = (int)((r[0].touched_start + k) % r[0].nnodes);
			if (filter_code(s[1], tmpl[t], n) != r[0].status[n].code)
				mismatches++;
			status_checked++;
		}
		if (node[0] >= 0 && node[0] == node[1]) {
			for (int k = 0; k < 2; k++)
				handle[k][placed] = sched_node_add_pod(s[k], node[0], tmpl[t]);
			placed++;
		}
		int op = (int)((x >> 13) % 20);
		if (op == 0 && placed > 0) {	/* a pod goes */
			int v = (int)((x >> 40) % (uint64_t)placed);
			for (int k = 0; k < 2; k++) {
				sched_node_remove_pod(s[k], handle[k][v]);
				handle[k][v] = handle[k][placed - 1];
			}
			placed--;
		} else if (op == 1) {		/* a node resized */
			int n = (int)((x >> 40) % NN);
			k8s_res_set(&nodes[n]->allocatable, "cpu", 1000 + 500 * (int64_t)((x >> 50) % 8));
			for (int k = 0; k < 2; k++)
				sched_node_update(s[k], n);
		} else if (op == 2) {		/* a node tainted or untainted */
			int n = (int)((x >> 40) % NN);
			if (nodes[n]->ntaints > 0) {
				clear_taints(nodes[n]);
			} else {
				add_taint(nodes[n], "spot", "true", (x >> 50) % 2 ?
				    K8S_PREFER_NO_SCHEDULE : K8S_NO_SCHEDULE);
			}
			for (int k = 0; k < 2; k++)
				sched_node_update(s[k], n);
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK(placed > NP / 2);
	CHECK(ties > 0);
	CHECK(status_checked > NP);
	for (int k = 0; k < 2; k++) {
		sched_result_fini(&r[k]);
		gsl_rng_free(rng[k]);
		sched_free(s[k]);
	}
	for (int t = 0; t < NT; t++) {
		free_pod(tmpl[t]);
		k8s_labels_free(&svc[t]);
	}
	for (int i = 0; i < NN; i++)
		free_node(nodes[i]);
}

int
main(void)
{
	test_filters_combine();
	test_weights_explain();
	test_adaptive_rotation();
	test_ties();
	test_accounting();
	test_spread_and_affinity();
	test_ports();
	test_image_locality();
	test_spread_counts_incremental();
	test_fast_paths();
	test_throughput();
	return tl_finish();
}
