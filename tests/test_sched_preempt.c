/*
 * test_sched_preempt.c - DefaultPreemption (models/scheduler/sched_preempt.c) with
 * victims and node choices computed by hand. Most cases mirror upstream's
 * pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go
 * (TestPostFilter, TestDryRunPreemption): same nodes (500m / 500 bytes, or
 * the "one pod" and 200m / 400 nodes), same pods and priorities (low 0,
 * mid 100, high 1000, very high 10000), same expected victims and messages.
 */
#include "config.h"

#include <string.h>

#include "models/scheduler/sched.h"
#include "sim/engine/engine.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

enum { NEG = -100, LOW = 0, MID = 100, HIGH = 1000, VHIGH = 10000 };
/* upstream's smallRes, mediumRes, largeRes, veryLargeRes: cpu m = memory bytes */
enum { SMALL = 100, MEDIUM = 200, LARGE = 300, VLARGE = 500 };

/* ---- a small world: nodes, pod specs (one per pod), handles ---------------- */

#define MAXN 8
#define MAXP 16

struct world {
	struct sched		*s;
	struct k8s_node_spec	 nodes[MAXN];
	int			 nnodes;
	struct k8s_pod_spec	 pods[MAXP];
	int			 handle[MAXP];
	int			 npods;
	struct k8s_pod_spec	 preemptor;
	struct sched_result	 r;
	struct sched_preemption	 pr;
	gsl_rng			*rng;
};

static void
world_init(struct world *w, const struct sched_config *cfg)
{
	memset(w, 0, sizeof *w);
	struct sched_config d;
	sched_config_default(&d);
	char *cause = NULL;
	w->s = sched_new(cfg ? cfg : &d, &cause);
	KS_ASSERT(w->s != NULL);
	sched_result_init(&w->r);
	sched_preemption_init(&w->pr);
	w->rng = sim_rng_new(7, "scheduler");
}

static void
world_fini(struct world *w)
{
	sched_preemption_fini(&w->pr);
	sched_result_fini(&w->r);
	sched_free(w->s);
	for (int i = 0; i < w->nnodes; i++)
		k8s_node_spec_free(&w->nodes[i]);
	for (int i = 0; i < w->npods; i++)
		k8s_pod_spec_free(&w->pods[i]);
	k8s_pod_spec_free(&w->preemptor);
	gsl_rng_free(w->rng);
}

/* A node "host[/zone[/region]]" labelled as upstream's tests label them;
 * cpu < 0 leaves cpu and memory out (the "one pod" nodes). */
static int
node(struct world *w, const char *path, int64_t cpu, int64_t mem, int64_t pods)
{
	struct k8s_node_spec *n = &w->nodes[w->nnodes];
	static const char *const keys[] = { "hostname", "zone", "region" };
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL, *tok = strtok_r(buf, "/", &save);
	for (int k = 0; tok != NULL && k < 3; k++, tok = strtok_r(NULL, "/", &save)) {
		if (k == 0)
			n->name = xstrdup(tok);
		k8s_labels_set(&n->labels, keys[k], tok);
	}
	if (cpu >= 0) {
		k8s_res_set(&n->allocatable, "cpu", cpu);
		k8s_res_set(&n->allocatable, "memory", mem);
	}
	k8s_res_set(&n->allocatable, "pods", pods);
	w->nnodes++;
	return sched_add_node(w->s, n);
}

static void
spec(struct k8s_pod_spec *p, const char *name, int32_t prio, int64_t req)
{
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->namespace = xstrdup("default");
	p->priority = prio;
	p->containers = xcalloc(1, sizeof *p->containers);
	p->ncontainers = 1;
	if (req > 0) {
		k8s_res_set(&p->containers[0].requests, "cpu", req);
		k8s_res_set(&p->containers[0].requests, "memory", req);
	}
}

/* A bound pod; start < 0: not started. Returns its index in w->pods. */
static int
bound(struct world *w, const char *name, int nd, int32_t prio, int64_t req, int64_t start,
    const char *label)
{
	int i = w->npods++;
	spec(&w->pods[i], name, prio, req);
	if (label != NULL)
		k8s_labels_set(&w->pods[i].labels, label, label[0] == 'a' ? "foo" : "");
	w->handle[i] = sched_node_add_pod(w->s, nd, &w->pods[i]);
	if (start >= 0)
		sched_pod_set_start(w->s, w->handle[i], start);
	return i;
}

static const char *
pod_name(const struct world *w, int handle)
{
	for (int i = 0; i < w->npods; i++)
		if (w->handle[i] == handle)
			return w->pods[i].name;
	return "?";
}

/* The victims of candidate c as "a,b" (most important first). */
static const char *
victims_of(const struct world *w, const struct sched_candidate *c)
{
	static char buf[256];
	buf[0] = '\0';
	for (size_t i = 0; i < c->nvictims; i++) {
		strncat(buf, i ? "," : "", sizeof buf - strlen(buf) - 1);
		strncat(buf, pod_name(w, c->victims[i]), sizeof buf - strlen(buf) - 1);
	}
	return buf;
}

static const char *
chosen_victims(const struct world *w)
{
	struct sched_candidate c = { w->pr.node, w->pr.victims, w->pr.nvictims, 0 };
	return victims_of(w, &c);
}

/* The candidate on node nd, or NULL. */
static const struct sched_candidate *
cand_on(const struct world *w, int nd)
{
	for (size_t i = 0; i < w->pr.ncands; i++)
		if (w->pr.cands[i].node == nd)
			return &w->pr.cands[i];
	return NULL;
}

/* A failed cycle, then preemption. */
static int
run_forced(struct world *w, int nominated, const struct sched_pdb *pdbs, size_t npdbs,
    bool all_unschedulable)
{
	int got = sched_schedule(w->s, &w->preemptor, w->rng, &w->r);
	KS_ASSERT(got < 0);
	/* upstream's TestPostFilter hands PostFilter its statuses directly */
	for (size_t i = 0; all_unschedulable && i < w->r.nnodes; i++)
		w->r.status[i].code = SCHED_UNSCHEDULABLE;
	return sched_preempt(w->s, &w->preemptor, NULL, &w->r, nominated, pdbs, npdbs, 1000,
	    w->rng, &w->pr);
}

static int
run(struct world *w, int nominated, const struct sched_pdb *pdbs, size_t npdbs)
{
	return run_forced(w, nominated, pdbs, npdbs, false);
}

static void
set_exists(struct k8s_selector *sel, const char *key)
{
	sel->set = true;
	sel->reqs = xcalloc(1, sizeof *sel->reqs);
	sel->nreqs = 1;
	sel->reqs[0].key = xstrdup(key);
	sel->reqs[0].op = K8S_SEL_EXISTS;
}

static void
set_in(struct k8s_selector *sel, const char *key, const char *val)
{
	sel->set = true;
	sel->reqs = xcalloc(1, sizeof *sel->reqs);
	sel->nreqs = 1;
	sel->reqs[0].key = xstrdup(key);
	sel->reqs[0].op = K8S_SEL_IN;
	sel->reqs[0].values = xcalloc(1, sizeof(char *));
	sel->reqs[0].values[0] = xstrdup(val);
	sel->reqs[0].nvalues = 1;
}

/* ---- TestDryRunPreemption ------------------------------------------------------ */

/* "a pod that fits on both nodes when lower priority pods are preempted";
 * the later-started victim's node wins (latestStartTime). */
static void
test_both_nodes(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1", n1, MID, LARGE, 1, NULL);
	bound(&w, "p2", n2, MID, LARGE, 2, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	int64_t req_before = sched_node_get(w.s, n1)->req_cpu;
	CHECK_INT(run(&w, -1, NULL, 0), n2);
	CHECK_INT(w.pr.ncands, 2);
	CHECK_STR(victims_of(&w, cand_on(&w, n1)), "p1");
	CHECK_STR(victims_of(&w, cand_on(&w, n2)), "p2");
	CHECK_STR(chosen_victims(&w), "p2");
	CHECK_INT(w.pr.npotential, 2);
	CHECK_INT(w.pr.num_candidates, 2);	/* max(2 * 10%, 100) capped at 2 */
	/* the dry run leaves the state as it was, handles included */
	CHECK_INT(sched_node_get(w.s, n1)->req_cpu, req_before);
	CHECK_INT(sched_node_get(w.s, n1)->npods, 1);
	CHECK_INT(sched_pod_node(w.s, w.handle[0]), n1);
	CHECK(w.pr.message == NULL);
	world_fini(&w);
}

/* "a pod that would fit on the nodes, but other pods running are higher
 * priority, no preemption would happen" */
static void
test_higher_priority_stays(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1", n1, MID, LARGE, -1, NULL);
	bound(&w, "p2", n2, MID, LARGE, -1, NULL);
	spec(&w.preemptor, "p", LOW, LARGE);
	CHECK_INT(run(&w, -1, NULL, 0), -1);
	CHECK_INT(w.pr.ncands, 0);
	CHECK_STR(w.pr.message, "preemption: 0/2 nodes are available: 2 No preemption victims "
	    "found for incoming pod.");
	world_fini(&w);
}

/* "medium priority pod is preempted, but lower priority one stays as it is small" */
static void
test_small_stays(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1.1", n1, LOW, SMALL, -1, NULL);
	bound(&w, "p1.2", n1, MID, LARGE, -1, NULL);
	bound(&w, "p2", n2, MID, LARGE, -1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	CHECK(run(&w, -1, NULL, 0) >= 0);
	CHECK_INT(w.pr.ncands, 2);
	CHECK_STR(victims_of(&w, cand_on(&w, n1)), "p1.2");
	CHECK_STR(victims_of(&w, cand_on(&w, n2)), "p2");
	/* equal on every criterion (no start times): the first candidate in
	 * dry-run order, which starts at the random offset */
	CHECK_INT(w.pr.node, w.pr.cands[0].node);
	CHECK_INT(w.pr.cands[0].node, w.pr.offset == 0 ? n1 : n2);
	world_fini(&w);
}

/* "mixed priority pods are preempted" and "... pick later StartTime one
 * when priorities are equal" */
static void
test_mixed_priorities(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1.1", n1, MID, SMALL, -1, NULL);
	bound(&w, "p1.2", n1, LOW, SMALL, -1, NULL);
	bound(&w, "p1.3", n1, MID, MEDIUM, -1, NULL);
	bound(&w, "p1.4", n1, HIGH, SMALL, -1, NULL);
	bound(&w, "p2", n2, HIGH, LARGE, -1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	CHECK_INT(run(&w, -1, NULL, 0), n1);
	CHECK_INT(w.pr.ncands, 1);
	CHECK_STR(chosen_victims(&w), "p1.3,p1.2");
	CHECK_INT(w.pr.npotential, 2);
	world_fini(&w);

	world_init(&w, NULL);
	n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1.1", n1, LOW, SMALL, 5, NULL);
	bound(&w, "p1.2", n1, LOW, SMALL, 4, NULL);
	bound(&w, "p1.3", n1, MID, MEDIUM, 3, NULL);
	bound(&w, "p1.4", n1, HIGH, SMALL, 2, NULL);
	bound(&w, "p2", n2, HIGH, LARGE, 1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	CHECK_INT(run(&w, -1, NULL, 0), n1);
	/* p1.2 started before p1.1, so it is reprieved first and stays */
	CHECK_STR(chosen_victims(&w), "p1.3,p1.1");
	world_fini(&w);
}

/* "pod with anti-affinity is preempted" */
static void
test_anti_affinity_victim(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	int i = w.npods++;
	spec(&w.pods[i], "p1.1", LOW, SMALL);
	k8s_labels_set(&w.pods[i].labels, "foo", "");
	struct k8s_affinity *a = &w.pods[i].affinity;
	a->anti_required = xcalloc(1, sizeof *a->anti_required);
	a->nanti_required = 1;
	set_exists(&a->anti_required[0].selector, "foo");
	a->anti_required[0].topology_key = xstrdup("hostname");
	w.handle[i] = sched_node_add_pod(w.s, n1, &w.pods[i]);
	bound(&w, "p1.2", n1, MID, SMALL, -1, NULL);
	bound(&w, "p1.3", n1, HIGH, SMALL, -1, NULL);
	bound(&w, "p2", n2, HIGH, SMALL, -1, NULL);
	spec(&w.preemptor, "p", HIGH, SMALL);
	k8s_labels_set(&w.preemptor.labels, "foo", "");
	/* node2 is feasible for the pod itself; check the dry run on node1 */
	CHECK_INT(sched_select_victims(w.s, &w.preemptor, NULL, n1, NULL, 0, 1000, &w.pr),
	    SCHED_SUCCESS);
	CHECK_STR(victims_of(&w, &w.pr.cands[0]), "p1.1");
	CHECK_INT(sched_select_victims(w.s, &w.preemptor, NULL, n2, NULL, 0, 1000, &w.pr),
	    SCHED_UNRESOLVABLE);
	CHECK_STR(w.pr.message, "No preemption victims found for incoming pod");
	world_fini(&w);
}

/* "preemption to resolve pod topology spread filter failure" */
static void
test_spread(void)
{
	struct world w;
	world_init(&w, NULL);
	int na = node(&w, "node-a/zone1", VLARGE, VLARGE, 110);
	int nb = node(&w, "node-b/zone1", VLARGE, VLARGE, 110);
	int nx = node(&w, "node-x/zone2", VLARGE, VLARGE, 110);
	bound(&w, "pod-a1", na, MID, 0, 1, "foo");
	bound(&w, "pod-a2", na, LOW, 0, 2, "foo");
	bound(&w, "pod-b1", nb, LOW, 0, 3, "foo");
	bound(&w, "pod-x1", nx, HIGH, 0, 4, "foo");
	bound(&w, "pod-x2", nx, HIGH, 0, 5, "foo");
	spec(&w.preemptor, "p", HIGH, 0);
	k8s_labels_set(&w.preemptor.labels, "foo", "");
	w.preemptor.spread = xcalloc(2, sizeof *w.preemptor.spread);
	w.preemptor.nspread = 2;
	static const char *const keys[2] = { "zone", "hostname" };
	for (int k = 0; k < 2; k++) {
		w.preemptor.spread[k].max_skew = 1;
		w.preemptor.spread[k].topology_key = xstrdup(keys[k]);
		set_exists(&w.preemptor.spread[k].selector, "foo");
	}
	CHECK_INT(run(&w, -1, NULL, 0), nb);
	CHECK_INT(w.pr.ncands, 2);
	CHECK_STR(victims_of(&w, cand_on(&w, na)), "pod-a2");
	CHECK_STR(victims_of(&w, cand_on(&w, nb)), "pod-b1");
	CHECK(cand_on(&w, nx) == NULL);
	/* equal but for start times: pod-b1 started last */
	CHECK_STR(chosen_victims(&w), "pod-b1");
	world_fini(&w);
}

/* "preemption with violation of same pdb" */
static void
test_same_pdb(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	bound(&w, "p1.1", n1, MID, MEDIUM, -1, "app");
	bound(&w, "p1.2", n1, MID, MEDIUM, -1, "app");
	spec(&w.preemptor, "p", HIGH, VLARGE);
	struct k8s_selector sel = { 0 };
	set_in(&sel, "app", "foo");
	struct sched_pdb pdb = { "default", &sel, 1 };
	CHECK_INT(run(&w, -1, &pdb, 1), n1);
	CHECK_STR(chosen_victims(&w), "p1.1,p1.2");
	CHECK_INT(w.pr.pdb_violations, 1);
	/* a budget of 2 covers both */
	pdb.disruptions_allowed = 2;
	CHECK_INT(run(&w, -1, &pdb, 1), n1);
	CHECK_INT(w.pr.pdb_violations, 0);
	/* another namespace's budget does not apply */
	pdb.disruptions_allowed = 0;
	pdb.ns = "other";
	CHECK_INT(run(&w, -1, &pdb, 1), n1);
	CHECK_INT(w.pr.pdb_violations, 0);
	k8s_selector_free(&sel);
	world_fini(&w);
}

/* "all nodes are possible candidates, but DefaultPreemptionArgs limits to 2" */
static void
test_candidate_limit(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	cfg.min_candidate_nodes_percentage = 40;
	cfg.min_candidate_nodes_absolute = 1;
	struct world w;
	world_init(&w, &cfg);
	char name[8];
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "node%d", i + 1);
		int nd = node(&w, name, VLARGE, VLARGE, 110);
		snprintf(name, sizeof name, "p%d", i + 1);
		bound(&w, name, nd, MID, LARGE, -1, NULL);
	}
	spec(&w.preemptor, "p", HIGH, LARGE);
	for (int round = 0; round < 4; round++) {
		CHECK(run(&w, -1, NULL, 0) >= 0);
		CHECK_INT(w.pr.num_candidates, 2);
		CHECK_INT(w.pr.ncands, 2);
		CHECK_INT(w.pr.cands[0].node, w.pr.offset);
		CHECK_INT(w.pr.cands[1].node, (w.pr.offset + 1) % 5);
	}
	world_fini(&w);
}

/* ---- TestPostFilter ------------------------------------------------------------- */

static void
test_post_filter(void)
{
	struct world w;
	/* "pod with higher priority can be made schedulable" */
	world_init(&w, NULL);
	int n1 = node(&w, "node1", -1, 0, 1);
	bound(&w, "p1", n1, LOW, 0, -1, NULL);
	spec(&w.preemptor, "p", HIGH, 0);
	CHECK_INT(run(&w, -1, NULL, 0), n1);
	CHECK_STR(chosen_victims(&w), "p1");
	world_fini(&w);

	/* "pod with tied priority is still unschedulable" */
	world_init(&w, NULL);
	n1 = node(&w, "node1", -1, 0, 1);
	bound(&w, "p1", n1, LOW, 0, -1, NULL);
	spec(&w.preemptor, "p", LOW, 0);
	CHECK_INT(run(&w, -1, NULL, 0), -1);
	CHECK_STR(w.pr.message, "preemption: 0/1 nodes are available: 1 No preemption victims "
	    "found for incoming pod.");
	world_fini(&w);

	/* "pod can be made schedulable on one node" */
	world_init(&w, NULL);
	n1 = node(&w, "node1", -1, 0, 1);
	int n2 = node(&w, "node2", -1, 0, 1);
	bound(&w, "p1", n1, HIGH, 0, -1, NULL);
	bound(&w, "p2", n2, LOW, 0, -1, NULL);
	spec(&w.preemptor, "p", MID, 0);
	CHECK_INT(run(&w, -1, NULL, 0), n2);
	world_fini(&w);

	/* "pod can be made schedulable on minHighestPriority node": both nodes
	 * violate one PDB; node1's victims include a high-priority pod */
	world_init(&w, NULL);
	n1 = node(&w, "node1", -1, 0, 1);
	n2 = node(&w, "node2", -1, 0, 1);
	int i = bound(&w, "p1", n1, HIGH, 0, -1, NULL);
	k8s_labels_set(&w.pods[i].labels, "pdb", "non-violating");
	i = bound(&w, "p2", n1, LOW, 0, -1, NULL);
	k8s_labels_set(&w.pods[i].labels, "pdb", "violating");
	i = bound(&w, "p3", n2, MID, 0, -1, NULL);
	k8s_labels_set(&w.pods[i].labels, "pdb", "violating");
	spec(&w.preemptor, "p", VHIGH, 0);
	struct k8s_selector sv = { 0 }, snv = { 0 };
	set_in(&sv, "pdb", "violating");
	set_in(&snv, "pdb", "non-violating");
	struct sched_pdb pdbs[2] = { { "default", &sv, 0 }, { "default", &snv, INT32_MAX } };
	CHECK_INT(run(&w, -1, pdbs, 2), n2);
	CHECK_INT(w.pr.pdb_violations, 1);
	CHECK_STR(victims_of(&w, cand_on(&w, n1)), "p1,p2");
	CHECK_INT(cand_on(&w, n1)->pdb_violations, 1);
	k8s_selector_free(&sv);
	k8s_selector_free(&snv);
	world_fini(&w);

	/* "no candidate nodes found, no enough resource after removing low
	 * priority pods" */
	world_init(&w, NULL);
	n1 = node(&w, "node1", 200, 400, 110);
	n2 = node(&w, "node2", 200, 400, 110);
	bound(&w, "p1", n1, LOW, 0, -1, NULL);
	bound(&w, "p2", n2, LOW, 0, -1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	/* with the filter's own statuses: 300m > 200m allocatable is
	 * UnschedulableAndUnresolvable (fit.go), so no node is tried */
	CHECK_INT(run(&w, -1, NULL, 0), -1);
	CHECK_STR(w.pr.message, "preemption: 0/2 nodes are available: 2 Preemption is not "
	    "helpful for scheduling.");
	CHECK_INT(run_forced(&w, -1, NULL, 0, true), -1);
	CHECK_STR(w.pr.message, "preemption: 0/2 nodes are available: 2 Insufficient cpu.");
	world_fini(&w);

	/* "no candidate nodes found with mixed reasons, no lower priority pod
	 * and no enough CPU resource" */
	world_init(&w, NULL);
	n1 = node(&w, "node1", -1, 0, 1);
	n2 = node(&w, "node2", 200, 400, 110);
	int n3 = node(&w, "node3", -1, 0, 1);
	bound(&w, "p1", n1, HIGH, 0, -1, NULL);
	bound(&w, "p2", n2, LOW, 0, -1, NULL);
	bound(&w, "p3", n3, HIGH, 0, -1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	CHECK_INT(run_forced(&w, -1, NULL, 0, true), -1);
	CHECK_STR(w.pr.message, "preemption: 0/3 nodes are available: 1 Insufficient cpu, "
	    "2 No preemption victims found for incoming pod.");
	world_fini(&w);
}

/* Sum of priorities, then the number of victims (kubesim's own cases). */
static void
test_pick_criteria(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "a1", n1, LOW, SMALL, 1, NULL);
	bound(&w, "a2", n1, LOW, SMALL, 1, NULL);
	bound(&w, "a3", n1, LOW, LARGE, 1, NULL);
	bound(&w, "b1", n2, LOW, 400, 1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	/* node1 needs a3 alone (a1, a2 reprieved); node2 needs b1: a tie up to
	 * the start time, equal too, so the first candidate */
	CHECK(run(&w, -1, NULL, 0) >= 0);
	CHECK_STR(victims_of(&w, cand_on(&w, n1)), "a3");
	CHECK_STR(victims_of(&w, cand_on(&w, n2)), "b1");
	world_fini(&w);

	/* negative priorities: two victims of -100 sum lower than one of 0
	 * only without the MaxInt32+1 shift; with it the single victim wins */
	world_init(&w, NULL);
	n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "a1", n1, NEG, MEDIUM, 1, NULL);
	bound(&w, "a2", n1, NEG, MEDIUM, 1, NULL);
	bound(&w, "a3", n1, NEG, SMALL, 1, NULL);
	bound(&w, "b1", n2, NEG, 400, 1, NULL);
	spec(&w.preemptor, "p", HIGH, 400);
	CHECK_INT(run(&w, -1, NULL, 0), n2);
	CHECK_STR(victims_of(&w, cand_on(&w, n1)), "a1,a2");
	world_fini(&w);
}

/* PodEligibleToPreemptOthers and the nominated node. */
static void
test_eligibility(void)
{
	struct world w;
	world_init(&w, NULL);
	int n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	int n2 = node(&w, "node2", VLARGE, VLARGE, 110);
	bound(&w, "p1", n1, LOW, VLARGE, 1, NULL);
	bound(&w, "p2", n2, LOW, VLARGE, 2, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	w.preemptor.preempt_never = true;
	CHECK_INT(run(&w, -1, NULL, 0), -1);
	CHECK(!w.pr.eligible);
	CHECK_STR(w.pr.message, "preemption: not eligible due to preemptionPolicy=Never.");
	w.preemptor.preempt_never = false;
	CHECK_INT(run(&w, -1, NULL, 0), n2);
	/* the victim terminates: preempting again while nominated to node2 is
	 * not allowed */
	sched_pod_set_preempted(w.s, w.handle[1]);
	CHECK_INT(run(&w, n2, NULL, 0), -1);
	CHECK(!w.pr.eligible);
	CHECK_STR(w.pr.message, "preemption: not eligible due to a terminating pod on the "
	    "nominated node.");
	/* not nominated: node2's terminating pod is a victim again */
	CHECK(run(&w, -1, NULL, 0) >= 0);
	/* once the victim is gone, the nominated node is tried first */
	sched_node_remove_pod(w.s, w.handle[1]);
	w.handle[1] = -1;
	w.r.nominated = n2;
	CHECK_INT(sched_schedule(w.s, &w.preemptor, w.rng, &w.r), n2);
	CHECK_INT(w.r.evaluated, 1);
	w.r.nominated = -1;
	world_fini(&w);

	/* preemption disabled in the profile */
	struct sched_config cfg;
	sched_config_default(&cfg);
	cfg.preemption = false;
	world_init(&w, &cfg);
	n1 = node(&w, "node1", VLARGE, VLARGE, 110);
	bound(&w, "p1", n1, LOW, VLARGE, 1, NULL);
	spec(&w.preemptor, "p", HIGH, LARGE);
	CHECK_INT(run(&w, -1, NULL, 0), -1);
	CHECK(w.pr.message == NULL);
	world_fini(&w);
}

static void
test_config(void)
{
	struct sched_config cfg;
	sched_config_default(&cfg);
	CHECK(cfg.preemption);
	CHECK_INT(cfg.min_candidate_nodes_percentage, 10);
	CHECK_INT(cfg.min_candidate_nodes_absolute, 100);
	char *cause = NULL;
	cfg.min_candidate_nodes_percentage = 0;
	cfg.min_candidate_nodes_absolute = 0;
	CHECK_INT(sched_config_validate(&cfg, &cause), -1);
	CHECK_STR(cause, "minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the "
	    "same time as minCandidateNodesAbsolute");
	free(cause);
	cfg.min_candidate_nodes_percentage = 101;
	CHECK_INT(sched_config_validate(&cfg, &cause), -1);
	free(cause);
}

int
main(void)
{
	test_config();
	test_both_nodes();
	test_higher_priority_stays();
	test_small_stays();
	test_mixed_priorities();
	test_anti_affinity_victim();
	test_spread();
	test_same_pdb();
	test_candidate_limit();
	test_post_filter();
	test_pick_criteria();
	test_eligibility();
	return tl_finish();
}
