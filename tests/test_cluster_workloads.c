/*
 * test_cluster_workloads.c - the workload controllers in the simulated
 * cluster (no scenario file): StatefulSet ordinals created in order
 * (OrderedReady) or at once (Parallel), a replaced pod keeping its name and
 * its volume's zone; a DaemonSet's one pod per eligible node, pinned, kept
 * through a node failure; Job completions under parallelism, backoffLimit
 * with the failure back-off, activeDeadlineSeconds; CronJob schedules with
 * concurrencyPolicy Forbid; bare Pods on their nodeName; the problems
 * records. Timings are the fixture's constants.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/cluster.h"
#include "models/cluster/controllers.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"

struct ev {
	double	 t;
	char	*kind, *object, *msg;
};

struct recorder {
	struct ev	*v;
	size_t		 n, cap;
	char		*problems[16][5];
	size_t		 nproblems;
};

static void
rec_emit(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	struct recorder *r = ctx;
	if (strcmp(table, "problems") == 0 && r->nproblems < 16) {
		for (size_t i = 0; i < 5 && i < n; i++)
			r->problems[r->nproblems][i] = v[i].type == PROBE_TEXT ?
			    xstrdup(v[i].u.s) : NULL;
		r->nproblems++;
		return;
	}
	if (strcmp(table, "events") != 0)
		return;
	KS_GROW(r->v, r->cap, r->n + 1);
	struct ev *e = &r->v[r->n++];
	e->t = v[0].u.r;
	e->kind = xstrdup(v[1].u.s);
	e->object = xstrdup(v[2].u.s);
	e->msg = xstrdup(v[3].type == PROBE_TEXT ? v[3].u.s : "");
	if (getenv("KS_DEBUG_EVENTS"))
		fprintf(stderr, "%10.3f %-18s %-22s %s\n", e->t, e->kind, e->object, e->msg);
}

static void
rec_free(struct recorder *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].kind);
		free(r->v[i].object);
		free(r->v[i].msg);
	}
	free(r->v);
	for (size_t i = 0; i < r->nproblems; i++)
		for (size_t k = 0; k < 5; k++)
			free(r->problems[i][k]);
}

/* The n-th (0-based) event of kind (and object, when not NULL), or NULL. */
static const struct ev *
find(const struct recorder *r, const char *kind, const char *object, int nth)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].kind, kind) == 0 &&
		    (object == NULL || strcmp(r->v[i].object, object) == 0) && nth-- == 0)
			return &r->v[i];
	return NULL;
}

static double
time_of(const struct recorder *r, const char *kind, const char *object, int nth)
{
	const struct ev *e = find(r, kind, object, nth);
	return e != NULL ? e->t : -1;
}

static int
count(const struct recorder *r, const char *kind, const char *prefix)
{
	int n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->v[i].kind, kind) == 0 &&
		    (prefix == NULL || strncmp(r->v[i].object, prefix, strlen(prefix)) == 0);
	return n;
}

struct world {
	struct sim		*sim;
	struct cluster		*c;
	struct recorder		 rec;
	struct cl_timings	 t;
};

static void
world_new(struct world *w, sim_ns duration, int32_t nodes, int64_t cpu_milli,
    const char *const *zones, size_t nzones)
{
	memset(w, 0, sizeof *w);
	w->sim = sim_new();
	tf_timings(&w->t, duration);
	struct probe_sink sink = { rec_emit, &w->rec };
	w->c = cl_new(w->sim, 1, &w->t, &sink);
	struct cl_pool_params pool = {
		.name = "p", .instance_type = "m5.xlarge", .cpu_milli = cpu_milli,
		.memory = 8LL << 30, .max_pods = 110, .price_hour = 0.1, .zones = zones,
		.nzones = nzones, .count = nodes, .provision = sim_dist_const(60),
	};
	cl_add_pool(w->c, &pool);
}

static void
world_run(struct world *w)
{
	cl_start(w->c);
	sim_run(w->sim, w->t.duration);
	cl_finish(w->c);
}

static void
world_free(struct world *w)
{
	cl_free(w->c);
	sim_free(w->sim);
	rec_free(&w->rec);
}

/* A workload of kind with one container of cpu millicores, no probe. */
static void
make(struct k8s_deployment *d, struct k8s_container *ctr, enum k8s_workload_kind kind,
    const char *name, int32_t replicas, int64_t cpu)
{
	tf_deployment(d, ctr, name, "img:1", replicas, cpu, 0);
	d->kind = kind;
	d->completions = d->parallelism = d->backoff_limit = -1;
	d->active_deadline_s = d->starting_deadline_s = -1;
	d->template.name = (char *)name;
	/* matchLabels app=name (an empty selector selects all: refused) */
	d->selector.reqs = xcalloc(1, sizeof *d->selector.reqs);
	d->selector.nreqs = 1;
	d->selector.reqs[0].key = xstrdup("app");
	d->selector.reqs[0].op = K8S_SEL_IN;
	d->selector.reqs[0].values = xcalloc(1, sizeof (char *));
	d->selector.reqs[0].values[0] = xstrdup(name);
	d->selector.reqs[0].nvalues = 1;
}

static void
unmake(struct k8s_deployment *d, struct k8s_container *ctr)
{
	k8s_labels_free(&d->template.labels);
	k8s_selector_free(&d->selector);
	k8s_res_free(&ctr->requests);
	free(d->template.tolerations);
	free(d->template.affinity.node_required);
}

/* ---- StatefulSet ----------------------------------------------------------- */

static void
test_statefulset_ordered(void)
{
	struct world w;
	world_new(&w, 10 * SIM_MIN, 3, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_STATEFULSET, "web", 3, 100);
	d.service_name = "web";
	cl_add_deployment(w.c, &d);
	world_run(&w);
	/* Names are ordinals; each is created after the one before is Ready:
	 * the watch (0.01) after the Ready event. */
	CHECK(find(&w.rec, "PodCreated", "web-0", 0) != NULL);
	CHECK(find(&w.rec, "PodCreated", "web-1", 0) != NULL);
	CHECK(find(&w.rec, "PodCreated", "web-2", 0) != NULL);
	CHECK_INT(count(&w.rec, "PodCreated", NULL), 3);
	CHECK_NEAR(time_of(&w.rec, "PodCreated", "web-1", 0),
	    time_of(&w.rec, "PodReady", "web-0", 0) + 0.010, 1e-9);
	CHECK_NEAR(time_of(&w.rec, "PodCreated", "web-2", 0),
	    time_of(&w.rec, "PodReady", "web-1", 0) + 0.010, 1e-9);
	CHECK_INT((int)w.rec.nproblems, 0);
	world_free(&w);
	unmake(&d, &ctr);
}

static void
test_statefulset_parallel(void)
{
	struct world w;
	world_new(&w, 10 * SIM_MIN, 3, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_STATEFULSET, "db", 3, 100);
	d.service_name = "db";
	d.parallel = true;
	cl_add_deployment(w.c, &d);
	world_run(&w);
	/* All three at the first sync, one watch after the start. */
	CHECK_NEAR(time_of(&w.rec, "PodCreated", "db-0", 0), 0.010, 1e-9);
	CHECK_NEAR(time_of(&w.rec, "PodCreated", "db-2", 0), 0.010, 1e-9);
	CHECK_INT(count(&w.rec, "PodReady", "db-"), 3);
	world_free(&w);
	unmake(&d, &ctr);
}

/* Scaled to 0 and back, db-0 comes back under its name, in its volume's
 * zone: the only feasible node is the one zone's. */
static void
test_statefulset_identity_zone(void)
{
	static const char *const zones[] = { "a", "b", "c" };
	struct world w;
	world_new(&w, 20 * SIM_MIN, 3, 4000, zones, 3);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_STATEFULSET, "db", 1, 100);
	d.service_name = "db";
	d.nclaims = 1;
	cl_add_deployment(w.c, &d);
	char *cause = NULL;
	struct cl_chaos_params down = { .at = 100 * SIM_SEC, .kind = CL_SCALE_DEPLOYMENT,
		.deployment = "db", .replicas = 0 };
	struct cl_chaos_params up = { .at = 200 * SIM_SEC, .kind = CL_SCALE_DEPLOYMENT,
		.deployment = "db", .replicas = 1 };
	CHECK(cl_add_chaos(w.c, &down, &cause) >= 0);
	CHECK(cl_add_chaos(w.c, &up, &cause) >= 0);
	world_run(&w);
	CHECK_INT(count(&w.rec, "PodCreated", "db-0"), 2);
	CHECK_INT(count(&w.rec, "PodCreated", NULL), 2);
	CHECK_INT(count(&w.rec, "VolumeProvisioned", NULL), 1);
	const struct ev *first = find(&w.rec, "Scheduled", "db-0", 0);
	const struct ev *again = find(&w.rec, "Scheduled", "db-0", 1);
	CHECK(first != NULL && again != NULL);
	if (first != NULL && again != NULL) {
		CHECK(strstr(first->msg, "(3 feasible)") != NULL);
		CHECK(strstr(again->msg, "(1 feasible)") != NULL);
		/* the same node: the zone's only one */
		CHECK(strncmp(first->msg, again->msg, strlen("to p-0")) == 0);
	}
	CHECK(time_of(&w.rec, "PodCreated", "db-0", 1) > 200);
	world_free(&w);
	unmake(&d, &ctr);
}

/* ---- DaemonSet -------------------------------------------------------------- */

static void
test_daemonset(void)
{
	struct world w;
	world_new(&w, 30 * SIM_MIN, 3, 4000, NULL, 0);
	/* a tainted pool the daemon does not tolerate */
	struct k8s_taint taint = { "dedicated", "gpu", K8S_NO_SCHEDULE };
	struct cl_pool_params gpu = {
		.name = "gpu", .cpu_milli = 4000, .memory = 8LL << 30, .max_pods = 110,
		.count = 1, .provision = sim_dist_const(60), .taints = &taint, .ntaints = 1,
	};
	cl_add_pool(w.c, &gpu);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_DAEMONSET, "agent", 0, 100);
	cl_add_deployment(w.c, &d);
	char *cause = NULL;
	struct cl_chaos_params fail = { .at = 100 * SIM_SEC, .kind = CL_FAIL_NODES,
		.pool = "p", .count = 1, .duration = 900 * SIM_SEC };
	CHECK(cl_add_chaos(w.c, &fail, &cause) >= 0);
	world_run(&w);
	/* one pod per untainted node, each pinned: one feasible node */
	CHECK_INT(count(&w.rec, "PodCreated", "agent-"), 3);
	int ready = 0;
	for (size_t i = 0; i < w.rec.n; i++)
		ready += w.rec.v[i].t < 100 && strcmp(w.rec.v[i].kind, "PodReady") == 0;
	CHECK_INT(ready, 3);
	/* back with its node: the same pod restarts, none is created */
	CHECK(time_of(&w.rec, "PodReady", NULL, 3) > 1000);
	int one = 0;
	for (size_t i = 0; i < w.rec.n; i++)
		if (strcmp(w.rec.v[i].kind, "Scheduled") == 0)
			one += strstr(w.rec.v[i].msg, "(1 feasible)") != NULL;
	CHECK_INT(one, 3);
	/* the failed node's daemon pod is not evicted after 300 s */
	CHECK(find(&w.rec, "NodeFailed", NULL, 0) != NULL);
	CHECK_INT(count(&w.rec, "PodDeleting", "agent-"), 0);
	world_free(&w);
	unmake(&d, &ctr);
}

/* The Cluster Autoscaler's template node runs the DaemonSet's pod: 4 pending
 * pods of 1 cpu need 2 new 4-cpu nodes (3 + 1), not 1; the daemon's own
 * pods on the new nodes do not ask for more. */
static void
test_daemonset_cluster_autoscaler(void)
{
	struct world w;
	memset(&w, 0, sizeof w);
	w.sim = sim_new();
	tf_timings(&w.t, 20 * SIM_MIN);
	struct probe_sink sink = { rec_emit, &w.rec };
	w.c = cl_new(w.sim, 1, &w.t, &sink);
	struct cl_pool_params pool = {
		.name = "p", .cpu_milli = 4000, .memory = 16LL << 30, .max_pods = 110,
		.count = 1, .min = 1, .max = 5, .provision = sim_dist_const(60),
	};
	cl_add_pool(w.c, &pool);
	struct k8s_deployment ds, app;
	struct k8s_container c1, c2;
	/* the daemon is node-critical: scheduled first (PrioritySort) */
	struct k8s_priority_class crit = { .name = "critical", .value = 1000000 };
	cl_add_priority_class(w.c, &crit);
	make(&ds, &c1, K8S_KIND_DAEMONSET, "agent", 0, 1000);
	ds.template.priority_class = "critical";
	make(&app, &c2, K8S_KIND_DEPLOYMENT, "app", 7, 1000);
	cl_add_deployment(w.c, &ds);
	cl_add_deployment(w.c, &app);
	world_run(&w);
	const struct ev *up = find(&w.rec, "TriggeredScaleUp", NULL, 0);
	CHECK(up != NULL && strstr(up->msg, "4 unschedulable pods") != NULL);
	CHECK(up != NULL && strstr(up->msg, "of 2 (estimated 2)") != NULL);
	CHECK_INT(count(&w.rec, "TriggeredScaleUp", NULL), 2);
	CHECK_INT(count(&w.rec, "PodCreated", "agent-"), 3);
	CHECK_INT(count(&w.rec, "PodReady", "app-"), 7);
	CHECK_INT((int)w.rec.nproblems, 0);
	world_free(&w);
	unmake(&ds, &c1);
	unmake(&app, &c2);
}

/* ---- Job and CronJob ---------------------------------------------------------- */

static void
test_job_completions(void)
{
	struct world w;
	world_new(&w, 10 * SIM_MIN, 2, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_JOB, "batch", 2, 100);
	d.completions = 5;
	d.parallelism = 2;
	d.backoff_limit = 6;
	cl_add_deployment(w.c, &d);
	struct sim_dist run = sim_dist_const(10);
	cl_set_job_params(w.c, "batch", &run, 0);
	world_run(&w);
	CHECK_INT(count(&w.rec, "PodSucceeded", "batch-"), 5);
	CHECK_INT(count(&w.rec, "PodCreated", "batch-"), 5);
	CHECK(find(&w.rec, "JobComplete", "batch", 0) != NULL);
	CHECK_INT(count(&w.rec, "JobFailed", NULL), 0);
	/* two at a time: the third pod is created after the first succeeded */
	CHECK(time_of(&w.rec, "PodCreated", "batch-00002", 0) >
	    time_of(&w.rec, "PodSucceeded", NULL, 0));
	CHECK(time_of(&w.rec, "PodCreated", "batch-00001", 0) <
	    time_of(&w.rec, "PodSucceeded", NULL, 0));
	world_free(&w);
	unmake(&d, &ctr);
}

static void
test_job_backoff_limit(void)
{
	struct world w;
	world_new(&w, 30 * SIM_MIN, 1, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_JOB, "flaky", 1, 100);
	d.completions = 1;
	d.parallelism = 1;
	d.backoff_limit = 2;
	cl_add_deployment(w.c, &d);
	struct sim_dist run = sim_dist_const(5);
	cl_set_job_params(w.c, "flaky", &run, 1.0);
	world_run(&w);
	/* backoffLimit 2: the third failure fails the Job */
	CHECK_INT(count(&w.rec, "PodFailed", "flaky-"), 3);
	CHECK_INT(count(&w.rec, "PodCreated", "flaky-"), 3);
	const struct ev *f = find(&w.rec, "JobFailed", "flaky", 0);
	CHECK(f != NULL && strstr(f->msg, "BackoffLimitExceeded") != NULL);
	/* the back-off: 10 s after the first failure, 20 s after the second */
	double f0 = time_of(&w.rec, "PodFailed", NULL, 0);
	double f1 = time_of(&w.rec, "PodFailed", NULL, 1);
	CHECK(time_of(&w.rec, "PodCreated", "flaky-00001", 0) >= f0 + 10 - 1e-6);
	CHECK(time_of(&w.rec, "PodCreated", "flaky-00001", 0) < f0 + 10.1);
	CHECK(time_of(&w.rec, "PodCreated", "flaky-00002", 0) >= f1 + 20 - 1e-6);
	CHECK(time_of(&w.rec, "PodCreated", "flaky-00002", 0) < f1 + 20.1);
	world_free(&w);
	unmake(&d, &ctr);
}

static void
test_job_deadline(void)
{
	struct world w;
	world_new(&w, 10 * SIM_MIN, 1, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_JOB, "slow", 1, 100);
	d.completions = 1;
	d.parallelism = 1;
	d.backoff_limit = 6;
	d.active_deadline_s = 30;
	cl_add_deployment(w.c, &d);
	struct sim_dist run = sim_dist_const(100);
	cl_set_job_params(w.c, "slow", &run, 0);
	world_run(&w);
	const struct ev *f = find(&w.rec, "JobFailed", "slow", 0);
	CHECK(f != NULL && strstr(f->msg, "DeadlineExceeded") != NULL);
	/* the run started at 0 (JobCreated), fails at 30 s */
	CHECK_NEAR(f != NULL ? f->t : -1, 30, 1e-9);
	CHECK_INT(count(&w.rec, "PodSucceeded", NULL), 0);
	CHECK(find(&w.rec, "PodDeleting", "slow-00000", 0) != NULL);
	world_free(&w);
	unmake(&d, &ctr);
}

static void
test_cronjob_forbid(void)
{
	struct world w;
	world_new(&w, 31 * SIM_MIN, 1, 4000, NULL, 0);
	struct k8s_deployment d;
	struct k8s_container ctr;
	make(&d, &ctr, K8S_KIND_CRONJOB, "tick", 1, 100);
	d.completions = 1;
	d.parallelism = 1;
	d.backoff_limit = 6;
	d.schedule = "*/5 * * * *";
	d.concurrency = K8S_CRON_FORBID;
	cl_add_deployment(w.c, &d);
	/* each run takes 7 min: the 5-minute schedule finds it active every
	 * other time */
	struct sim_dist run = sim_dist_const(420);
	cl_set_job_params(w.c, "tick", &run, 0);
	world_run(&w);
	/* activations at 5, 10, ..., 30 min; with Forbid the ones that find a
	 * run active are skipped: 5 (runs to ~12), 15 (to ~22), 25 */
	CHECK_INT(count(&w.rec, "JobCreated", "tick-"), 3);
	double t0 = time_of(&w.rec, "JobCreated", NULL, 0);
	CHECK(t0 >= 300 && t0 < 301);
	double t1 = time_of(&w.rec, "JobCreated", NULL, 1);
	CHECK(t1 >= 900 && t1 < 901);
	CHECK(count(&w.rec, "JobAlreadyActive", NULL) >= 2);
	/* the job name's suffix is the scheduled minute since the epoch */
	char want[64];
	snprintf(want, sizeof want, "tick-%lld", (long long)(1735689600 / 60 + 5));
	CHECK(find(&w.rec, "JobCreated", want, 0) != NULL);
	world_free(&w);
	unmake(&d, &ctr);
}

/* ---- bare Pods and problems ------------------------------------------------------ */

static void
test_bare_pod_and_problems(void)
{
	struct world w;
	world_new(&w, 5 * SIM_MIN, 2, 1000, NULL, 0);
	struct k8s_deployment d, big;
	struct k8s_container ctr, ctr2;
	make(&d, &ctr, K8S_KIND_POD, "solo", 1, 100);
	d.template.node_name = "p-1";
	cl_add_deployment(w.c, &d);
	make(&big, &ctr2, K8S_KIND_POD, "huge", 1, 3000);
	cl_add_deployment(w.c, &big);
	struct k8s_service ghost = { .name = "ghost", .namespace = "default" };
	k8s_labels_set(&ghost.selector, "app", "nothing");
	cl_add_service(w.c, &ghost);
	world_run(&w);
	/* bound as created, the scheduler not asked */
	const struct ev *s = find(&w.rec, "Bound", "solo", 0);
	CHECK(s != NULL && strcmp(s->msg, "to p-1 (spec.nodeName)") == 0);
	CHECK(find(&w.rec, "Scheduled", "solo", 0) == NULL);
	CHECK_INT(count(&w.rec, "PodCreated", "solo"), 1);
	CHECK(find(&w.rec, "PodReady", "solo", 0) != NULL);
	/* the pod that fits nowhere and the Service with no pods */
	CHECK_INT((int)w.rec.nproblems, 2);
	if (w.rec.nproblems == 2) {
		CHECK_STR(w.rec.problems[0][0], "Pod");
		CHECK_STR(w.rec.problems[0][1], "default/huge");
		CHECK_STR(w.rec.problems[0][2], "Pod/huge");
		CHECK_STR(w.rec.problems[0][3], "Pending");
		CHECK(strncmp(w.rec.problems[0][4], "0/2 nodes are available: 2 Insufficient cpu",
		    43) == 0);
		CHECK_STR(w.rec.problems[1][0], "Service");
		CHECK_STR(w.rec.problems[1][1], "default/ghost");
		CHECK(w.rec.problems[1][2] == NULL);
		CHECK_STR(w.rec.problems[1][4], "its selector matches no simulated pods");
	}
	world_free(&w);
	k8s_labels_free(&ghost.selector);
	unmake(&d, &ctr);
	unmake(&big, &ctr2);
}

/* PodDisruptionBudgets over the other kinds, as the disruption controller's
 * finders see them: a StatefulSet has a scale (3 - 2 healthy needed = 1
 * allowed), a DaemonSet none (maxUnavailable cannot be computed: 0). */
static void
test_pdb_kinds(void)
{
	struct world w;
	world_new(&w, 2 * SIM_MIN, 3, 4000, NULL, 0);
	struct k8s_deployment sts, ds;
	struct k8s_container c1, c2;
	make(&sts, &c1, K8S_KIND_STATEFULSET, "db", 3, 100);
	sts.service_name = "db";
	sts.parallel = true;
	make(&ds, &c2, K8S_KIND_DAEMONSET, "agent", 0, 100);
	cl_add_deployment(w.c, &sts);
	cl_add_deployment(w.c, &ds);
	struct k8s_pdb pdb_db = { .name = "db", .namespace = "default",
		.has_max_unavailable = true, .max_unavailable = 1 };
	struct k8s_pdb pdb_agent = { .name = "agent", .namespace = "default",
		.has_max_unavailable = true, .max_unavailable = 1 };
	pdb_db.selector = sts.selector;
	pdb_agent.selector = ds.selector;
	cl_add_pdb(w.c, &pdb_db);
	cl_add_pdb(w.c, &pdb_agent);
	world_run(&w);
	CHECK_INT(count(&w.rec, "PodReady", "db-"), 3);
	CHECK_INT(count(&w.rec, "PodReady", "agent-"), 3);
	CHECK_INT(cl_pdb_allowed(w.c, &pdb_db), 1);
	CHECK_INT(cl_pdb_allowed(w.c, &pdb_agent), 0);
	world_free(&w);
	unmake(&sts, &c1);
	unmake(&ds, &c2);
}

static double
offered_one(void *ctx, sim_ns from, sim_ns to)
{
	return *(double *)ctx * sim_ns_to_s(to - from);
}

/* deploy_named and cl_add_profile through the cluster's hashed name
 * indexes, as the scans found them: the last object of a key; a plain name
 * in any namespace (deploy_named with no namespace) or, for a profile's
 * Service, in the default one. */
static void
test_name_lookups(void)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, SIM_MIN);
	struct cluster *c = cl_new(sim, 1, &t, NULL);
	static const char *const names[][2] = {
		{ "default", "web" }, { "shop", "web" }, { "shop", "api" }, { "default", "db" },
	};
	struct k8s_deployment d[4];
	struct k8s_service v[4];
	for (int i = 0; i < 4; i++) {
		memset(&d[i], 0, sizeof d[i]);
		d[i].name = (char *)names[i][1];
		d[i].namespace = (char *)names[i][0];
		d[i].kind = K8S_KIND_DEPLOYMENT;
		d[i].template.namespace = (char *)names[i][0];
		CHECK_INT(cl_add_deployment(c, &d[i]), i);
		memset(&v[i], 0, sizeof v[i]);
		v[i].name = (char *)names[i][1];
		v[i].namespace = i == 3 ? NULL : (char *)names[i][0];	/* NULL: default */
		CHECK_INT(cl_add_service(c, &v[i]), i);
	}
	CHECK_INT(deploy_named(c, NULL, "web"), 1);		/* the last of that name */
	CHECK_INT(deploy_named(c, "default", "web"), 0);
	CHECK_INT(deploy_named(c, "shop", "web"), 1);
	CHECK_INT(deploy_named(c, "default", "api"), NONE);
	CHECK_INT(deploy_named(c, NULL, "api"), 2);
	CHECK_INT(deploy_named(c, NULL, "nope"), NONE);
	static const struct {
		const char	*ref;
		int32_t		 service;	/* -1: none */
	} refs[] = {
		{ "web", 0 }, { "shop/web", 1 }, { "default/web", 0 }, { "api", -1 },
		{ "shop/api", 2 }, { "db", 3 }, { "default/db", 3 },
	};
	double rate = 1;
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		struct cl_profile_params prof = {
			.service = refs[i].ref, .service_time = sim_dist_const(0.01),
			.concurrency = 1, .timeout = SIM_SEC, .offered = offered_one,
			.offered_ctx = &rate,
		};
		char *cause = NULL;
		int p = cl_add_profile(c, &prof, &cause);
		if (refs[i].service < 0) {
			CHECK(p < 0 && cause != NULL);
			free(cause);
		} else if (p < 0) {
			FAILF("profile %s: %s", refs[i].ref, cause);
			free(cause);
		} else {
			CHECK_INT(c->profiles[p].service, refs[i].service);
		}
	}
	cl_free(c);
	sim_free(sim);
}

int
main(void)
{
	test_statefulset_ordered();
	test_statefulset_parallel();
	test_statefulset_identity_zone();
	test_daemonset();
	test_daemonset_cluster_autoscaler();
	test_job_completions();
	test_job_backoff_limit();
	test_job_deadline();
	test_cronjob_forbid();
	test_bare_pod_and_problems();
	test_pdb_kinds();
	test_name_lookups();
	return tl_finish();
}
