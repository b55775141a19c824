/*
 * bench_sched.c - the scheduler benchmark (`make bench`): 5,000 nodes of four
 * instance shapes in three zones, 150,000 pods of mixed shapes from 200
 * Deployments, each with a Service (so default topology spreading runs),
 * scheduled and placed one by one through sched_schedule_owned with the full
 * default profile, as the simulator's cycle does it (scheduler.c: one result
 * reused, its nominated node reset each cycle, by the queue's cycle and the
 * warm start alike; the scheduler's own state, kept across cycles, follows
 * each placement through sched_node_add_pod). Three cases: 200 Deployments;
 * 10,000 Deployments and Services (Kubernetes' limit); 200 Deployments whose
 * every pod has a required node affinity, a preferred node affinity, a
 * preferred pod anti-affinity and a DoNotSchedule zone spread (cases 1, 3, 4).
 * Case 2 repeats case 1 with a fresh result per pod (what the warm start did
 * before).
 * Prints pods/s of wall time and of user CPU time (the machine may be shared)
 * and peak RSS as a Markdown table.
 * Usage: bench_sched [nodes [pods [case]]] (case 1-4: only that row, e.g. under
 * valgrind --tool=callgrind for instruction counts)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "models/scheduler/sched.h"
#include "sim/engine/engine.h"
#include "sim/util/util.h"

#define GI		(1024LL * 1024 * 1024)
#define MI		(1024LL * 1024)

struct shape {
	const char	*type;
	int64_t		 cpu_milli, mem;
};

/* Node instance shapes (allocatable after system reservations). */
static const struct shape node_shapes[] = {
	{ "m5.2xlarge", 7910, 30 * GI },
	{ "m5.4xlarge", 15890, 60 * GI },
	{ "c5.4xlarge", 15890, 29 * GI },
	{ "r5.2xlarge", 7910, 62 * GI },
};
/* Pod request shapes: 150,000 of them use about 65% of the cpu and 50% of
 * the memory of the 5,000 nodes. */
static const struct shape pod_shapes[] = {
	{ "tiny", 100, 128 * MI },
	{ "small", 200, 256 * MI },
	{ "medium", 250, 512 * MI },
	{ "large", 500, 1 * GI },
	{ "memory", 100, 2 * GI },
	{ "cpu", 400, 512 * MI },
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User CPU seconds of the process: on a machine shared with other work
 * the wall time stretches, the CPU time much less. */
static double
cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

static void
add_taint(struct k8s_node_spec *n, const char *key, const char *val)
{
	n->taints = xcalloc(1, sizeof *n->taints);
	n->taints[0].key = xstrdup(key);
	n->taints[0].value = xstrdup(val);
	n->taints[0].effect = K8S_NO_SCHEDULE;
	n->ntaints = 1;
}

static void
build_node(struct k8s_node_spec *n, int i)
{
	char name[32], zone[32];
	const struct shape *sh = &node_shapes[i % 4];
	snprintf(name, sizeof name, "node-%05d", i);
	snprintf(zone, sizeof zone, "eu-west-1%c", 'a' + i % 3);
	n->name = xstrdup(name);
	k8s_labels_set(&n->labels, "kubernetes.io/hostname", name);
	k8s_labels_set(&n->labels, "topology.kubernetes.io/zone", zone);
	k8s_labels_set(&n->labels, "node.kubernetes.io/instance-type", sh->type);
	k8s_res_set(&n->allocatable, "cpu", sh->cpu_milli);
	k8s_res_set(&n->allocatable, "memory", sh->mem);
	k8s_res_set(&n->allocatable, "pods", 110);
	/* One node in 50 is a dedicated batch node. */
	if (i % 50 == 7)
		add_taint(n, "dedicated", "batch");
	/* Nodes hold a few of the Deployments' images. */
	n->nimages = 3;
	n->images = xcalloc(3, sizeof *n->images);
	n->image_sizes = xcalloc(3, sizeof *n->image_sizes);
	for (int k = 0; k < 3; k++) {
		char img[64];
		snprintf(img, sizeof img, "registry.example.com/app-%d:1.0", (i * 7 + k * 13) % 200);
		n->images[k] = xstrdup(img);
		n->image_sizes[k] = (int64_t)(50 + (i + k) % 400) * MI;
	}
}

static void
app_selector(struct k8s_selector *sel, const char *app)
{
	sel->set = true;
	sel->reqs = xcalloc(1, sizeof *sel->reqs);
	sel->nreqs = 1;
	sel->reqs[0].key = xstrdup("app");
	sel->reqs[0].op = K8S_SEL_IN;
	sel->reqs[0].values = xcalloc(1, sizeof *sel->reqs[0].values);
	sel->reqs[0].values[0] = xstrdup(app);
	sel->reqs[0].nvalues = 1;
}

/* Every constraint kind on one template: required node affinity (the three
 * zones), preferred node affinity (an instance type), preferred hostname
 * anti-affinity to its own pods, DoNotSchedule zone spread of skew 1. */
static void
add_all_constraints(struct k8s_pod_spec *p, const char *app, int d)
{
	struct k8s_affinity *a = &p->affinity;
	if (a->nnode_required == 0) {
		a->node_required = xcalloc(1, sizeof *a->node_required);
		a->nnode_required = 1;
		struct k8s_node_term *t = &a->node_required[0];
		t->match_expressions = xcalloc(1, sizeof *t->match_expressions);
		t->nexpr = 1;
		t->match_expressions[0].key = xstrdup("topology.kubernetes.io/zone");
		t->match_expressions[0].op = K8S_SEL_IN;
		t->match_expressions[0].values = xcalloc(3, sizeof (char *));
		for (int z = 0; z < 3; z++) {
			char zone[32];
			snprintf(zone, sizeof zone, "eu-west-1%c", 'a' + z);
			t->match_expressions[0].values[z] = xstrdup(zone);
		}
		t->match_expressions[0].nvalues = 3;
	}
	if (a->nnode_preferred == 0) {
		a->node_preferred = xcalloc(1, sizeof *a->node_preferred);
		a->nnode_preferred = 1;
		a->node_preferred[0].weight = 50;
		struct k8s_node_term *t = &a->node_preferred[0].term;
		t->match_expressions = xcalloc(1, sizeof *t->match_expressions);
		t->nexpr = 1;
		t->match_expressions[0].key = xstrdup("node.kubernetes.io/instance-type");
		t->match_expressions[0].op = K8S_SEL_IN;
		t->match_expressions[0].values = xcalloc(1, sizeof (char *));
		t->match_expressions[0].values[0] = xstrdup(node_shapes[d % 4].type);
		t->match_expressions[0].nvalues = 1;
	}
	if (a->nanti_preferred == 0) {
		a->anti_preferred = xcalloc(1, sizeof *a->anti_preferred);
		a->nanti_preferred = 1;
		a->anti_preferred[0].weight = 100;
		struct k8s_pod_term *t = &a->anti_preferred[0].term;
		t->topology_key = xstrdup("kubernetes.io/hostname");
		app_selector(&t->selector, app);
	}
	if (p->nspread == 0) {
		p->spread = xcalloc(1, sizeof *p->spread);
		p->nspread = 1;
		p->spread[0].max_skew = 1;
		p->spread[0].topology_key = xstrdup("topology.kubernetes.io/zone");
		p->spread[0].when_unsatisfiable = K8S_DO_NOT_SCHEDULE;
		app_selector(&p->spread[0].selector, app);
	}
}

/* Deployment d: its template (labels app=d-N), selector and Service. Every
 * tenth has an explicit zone spread constraint, every tenth (offset 3) a
 * preferred instance type, every 25th a preferred hostname anti-affinity,
 * every 50th tolerates the batch taint. */
static void
build_deployment(struct k8s_pod_spec *p, struct k8s_selector *sel, struct k8s_labels *svc,
    int d, bool all)
{
	char app[32], img[64];
	snprintf(app, sizeof app, "app-%d", d);
	snprintf(img, sizeof img, "registry.example.com/app-%d:1.0", d);
	p->name = xstrdup(app);
	p->namespace = xstrdup("default");
	k8s_labels_set(&p->labels, "app", app);
	k8s_labels_set(&p->labels, "tier", d % 2 ? "backend" : "frontend");
	p->containers = xcalloc(1, sizeof *p->containers);
	p->ncontainers = 1;
	p->containers[0].name = xstrdup("main");
	p->containers[0].image = xstrdup(img);
	const struct shape *sh = &pod_shapes[d % 6];
	k8s_res_set(&p->containers[0].requests, "cpu", sh->cpu_milli);
	k8s_res_set(&p->containers[0].requests, "memory", sh->mem);
	p->scheduler_name = xstrdup("default-scheduler");

	sel->set = true;
	sel->reqs = xcalloc(1, sizeof *sel->reqs);
	sel->nreqs = 1;
	sel->reqs[0].key = xstrdup("app");
	sel->reqs[0].op = K8S_SEL_IN;
	sel->reqs[0].values = xcalloc(1, sizeof *sel->reqs[0].values);
	sel->reqs[0].values[0] = xstrdup(app);
	sel->reqs[0].nvalues = 1;
	memset(svc, 0, sizeof *svc);
	k8s_labels_set(svc, "app", app);

	if (d % 10 == 0) {
		p->spread = xcalloc(1, sizeof *p->spread);
		p->nspread = 1;
		p->spread[0].max_skew = 1;
		p->spread[0].topology_key = xstrdup("topology.kubernetes.io/zone");
		p->spread[0].when_unsatisfiable = K8S_DO_NOT_SCHEDULE;
		p->spread[0].selector.set = true;
		p->spread[0].selector.reqs = xcalloc(1, sizeof *p->spread[0].selector.reqs);
		p->spread[0].selector.nreqs = 1;
		struct k8s_sel_req *r = &p->spread[0].selector.reqs[0];
		r->key = xstrdup("app");
		r->op = K8S_SEL_IN;
		r->values = xcalloc(1, sizeof *r->values);
		r->values[0] = xstrdup(app);
		r->nvalues = 1;
	}
	if (d % 10 == 3) {
		struct k8s_affinity *a = &p->affinity;
		a->node_preferred = xcalloc(1, sizeof *a->node_preferred);
		a->nnode_preferred = 1;
		a->node_preferred[0].weight = 50;
		struct k8s_node_term *t = &a->node_preferred[0].term;
		t->match_expressions = xcalloc(1, sizeof *t->match_expressions);
		t->nexpr = 1;
		t->match_expressions[0].key = xstrdup("node.kubernetes.io/instance-type");
		t->match_expressions[0].op = K8S_SEL_IN;
		t->match_expressions[0].values = xcalloc(1, sizeof (char *));
		t->match_expressions[0].values[0] = xstrdup(node_shapes[d % 4].type);
		t->match_expressions[0].nvalues = 1;
	}
	if (d % 25 == 5) {
		struct k8s_affinity *a = &p->affinity;
		a->anti_preferred = xcalloc(1, sizeof *a->anti_preferred);
		a->nanti_preferred = 1;
		a->anti_preferred[0].weight = 100;
		struct k8s_pod_term *t = &a->anti_preferred[0].term;
		t->topology_key = xstrdup("kubernetes.io/hostname");
		t->selector.set = true;
		t->selector.reqs = xcalloc(1, sizeof *t->selector.reqs);
		t->selector.nreqs = 1;
		t->selector.reqs[0].key = xstrdup("app");
		t->selector.reqs[0].op = K8S_SEL_IN;
		t->selector.reqs[0].values = xcalloc(1, sizeof (char *));
		t->selector.reqs[0].values[0] = xstrdup(app);
		t->selector.reqs[0].nvalues = 1;
	}
	if (d % 50 == 9) {
		p->tolerations = xcalloc(1, sizeof *p->tolerations);
		p->ntolerations = 1;
		p->tolerations[0].key = xstrdup("dedicated");
		p->tolerations[0].value = xstrdup("batch");
		p->tolerations[0].op = K8S_TOL_EQUAL;
		p->tolerations[0].effect = K8S_NO_SCHEDULE;
	}
	if (all)
		add_all_constraints(p, app, d);
}

/* One case: places npods pods of ndeps Deployments; fresh: a new result
 * per pod, else one reused. Prints a table row. */
static int
run_case(const char *name, int nnodes, int npods, int ndeps, bool all, bool fresh)
{
	double t0 = now_s();
	struct sched_config cfg;
	sched_config_default(&cfg);
	char *cause = NULL;
	struct sched *s = sched_new(&cfg, &cause);
	KS_ASSERT(s != NULL);
	struct k8s_node_spec *nodes = xcalloc((size_t)nnodes, sizeof *nodes);
	for (int i = 0; i < nnodes; i++) {
		build_node(&nodes[i], i);
		sched_add_node(s, &nodes[i]);
	}
	struct k8s_pod_spec *tmpl = xcalloc((size_t)ndeps, sizeof *tmpl);
	struct k8s_selector *sel = xcalloc((size_t)ndeps, sizeof *sel);
	struct k8s_labels *svc = xcalloc((size_t)ndeps, sizeof *svc);
	for (int d = 0; d < ndeps; d++) {
		build_deployment(&tmpl[d], &sel[d], &svc[d], d, all);
		sched_add_service(s, "default", &svc[d]);
	}
	gsl_rng *rng = sim_rng_new(1, "scheduler");
	struct sched_result r;
	sched_result_init(&r);
	double c1 = cpu_s();
	double t1 = now_s();
	int placed = 0;
	for (int i = 0; i < npods; i++) {
		int d = i % ndeps;
		if (fresh)
			sched_result_init(&r);
		r.nominated = -1;
		int node = sched_schedule_owned(s, &tmpl[d], &sel[d], rng, &r);
		if (node >= 0) {
			sched_node_add_pod(s, node, &tmpl[d]);
			placed++;
		}
		if (fresh)
			sched_result_fini(&r);
	}
	double t2 = now_s();
	double cpu = cpu_s() - c1;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double secs = t2 - t1;
	printf("| %s | %d | %d | %d | %d | %s | %.2f | %.2f | %.0f | %.2f | %.0f | %.0f |\n", name,
	    nnodes, ndeps, npods, placed, fresh ? "fresh" : "reused", t1 - t0, secs,
	    secs > 0 ? npods / secs : 0.0, cpu, cpu > 0 ? npods / cpu : 0.0,
	    (double)ru.ru_maxrss / 1024.0);
	fflush(stdout);
	sched_result_fini(&r);
	gsl_rng_free(rng);
	sched_free(s);
	for (int d = 0; d < ndeps; d++) {
		k8s_pod_spec_free(&tmpl[d]);
		k8s_selector_free(&sel[d]);
		k8s_labels_free(&svc[d]);
	}
	for (int i = 0; i < nnodes; i++)
		k8s_node_spec_free(&nodes[i]);
	free(tmpl);
	free(sel);
	free(svc);
	free(nodes);
	return placed;
}

int
main(int argc, char **argv)
{
	int nnodes = 5000, npods = 150000, only = 0;
	if (argc > 3)
		only = atoi(argv[3]);
	if (argc > 1)
		nnodes = atoi(argv[1]);
	if (argc > 2)
		npods = atoi(argv[2]);
	if (nnodes <= 0 || npods <= 0) {
		fprintf(stderr, "usage: bench_sched [nodes [pods [case]]]\n");
		return 2;
	}
	printf("Scheduler: pods of Deployments (each with a Service) placed one by one, "
	    "full default profile; peak RSS is the process's so far.\n\n");
	printf("| case | nodes | Services | pods | placed | result | setup s | seconds | "
	    "pods/s | CPU s | pods per CPU s | peak RSS MiB |\n");
	printf("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
	int ok = 1;
	if (only == 0 || only == 1)
		ok &= run_case("200 Services", nnodes, npods, 200, false, false) > 0;
	if (only == 0 || only == 2)
		ok &= run_case("200 Services", nnodes, npods, 200, false, true) > 0;
	if (only == 0 || only == 3)
		ok &= run_case("10,000 Services", nnodes, npods, 10000, false, false) > 0;
	if (only == 0 || only == 4)
		ok &= run_case("every constraint", nnodes, npods, 200, true, false) > 0;
	return ok ? 0 : 1;
}
