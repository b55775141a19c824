/*
 * test_cluster_ca.c - the Cluster Autoscaler running inside the cluster
 * model: a scale-up for unschedulable pods whose node is Ready exactly after
 * the provisioning delay, scale-down of an idle node after 10 min unneeded
 * (at the first 10 s scan past it), held off by scale-down-delay-after-add,
 * a PodDisruptionBudget blocking a drain, the pool's max and max-nodes-total
 * bounding a scale-up, a node that fails to appear within
 * max-node-provision-time, the expander choosing between pools, more
 * nodes than the node array first holds, and the planner's limit on the
 * unneeded nodes it looks for per scan. All timings are constants,
 * computed by hand.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "models/cluster/cluster.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"

struct row {
	double	 t;
	char	*a, *b, *c, *d;	/* events: kind, object, detail; ca: action, group, node, reason */
};

struct recorder {
	struct row	*ev;
	size_t		 nev, capev;
	struct row	*ca;
	size_t		 nca, capca;
	double		 last_nodes_total;
};

static char *
dup_or_null(const struct probe_val *v)
{
	return v->type == PROBE_TEXT ? xstrdup(v->u.s) : NULL;
}

static void
rec_emit(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	struct recorder *r = ctx;
	(void)n;
	if (strcmp(table, "events") == 0) {
		KS_GROW(r->ev, r->capev, r->nev + 1);
		struct row *e = &r->ev[r->nev++];
		memset(e, 0, sizeof *e);
		e->t = v[0].u.r;
		e->a = dup_or_null(&v[1]);
		e->b = dup_or_null(&v[2]);
		e->c = dup_or_null(&v[3]);
	} else if (strcmp(table, "ca_decisions") == 0) {
		KS_GROW(r->ca, r->capca, r->nca + 1);
		struct row *e = &r->ca[r->nca++];
		memset(e, 0, sizeof *e);
		e->t = v[0].u.r;
		e->a = dup_or_null(&v[1]);
		e->b = dup_or_null(&v[2]);
		e->c = dup_or_null(&v[3]);
		e->d = dup_or_null(&v[4]);
		if (getenv("KS_DEBUG"))
			fprintf(stderr, "ca %.3f %s %s %s %s\n", e->t, e->a, e->b ? e->b : "-",
			    e->c ? e->c : "-", e->d);
	} else if (strcmp(table, "cluster_intervals") == 0) {
		r->last_nodes_total = (double)v[2].u.i;
	}
}

static void
rows_free(struct row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].a);
		free(r[i].b);
		free(r[i].c);
		free(r[i].d);
	}
	free(r);
}

static void
rec_free(struct recorder *r)
{
	rows_free(r->ev, r->nev);
	rows_free(r->ca, r->nca);
}

static bool
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The n-th (0-based) ca_decisions row with this action, or NULL. */
static const struct row *
ca_row(const struct recorder *r, const char *action, int nth)
{
	for (size_t i = 0; i < r->nca; i++)
		if (eq(r->ca[i].a, action) && nth-- == 0)
			return &r->ca[i];
	return NULL;
}

static int
ca_count(const struct recorder *r, const char *action)
{
	int n = 0;
	for (size_t i = 0; i < r->nca; i++)
		n += eq(r->ca[i].a, action);
	return n;
}

/* The time of the n-th event of a kind (object NULL: any), or -1. */
static double
ev_time(const struct recorder *r, const char *kind, const char *object, int nth)
{
	for (size_t i = 0; i < r->nev; i++)
		if (eq(r->ev[i].a, kind) && (object == NULL || eq(r->ev[i].b, object)) &&
		    nth-- == 0)
			return r->ev[i].t;
	return -1;
}

static int
ev_count(const struct recorder *r, const char *kind, const char *detail_prefix)
{
	int n = 0;
	for (size_t i = 0; i < r->nev; i++)
		n += eq(r->ev[i].a, kind) && (detail_prefix == NULL || (r->ev[i].c != NULL &&
		    strncmp(r->ev[i].c, detail_prefix, strlen(detail_prefix)) == 0));
	return n;
}

/* A Deployment of pods requesting cpu_milli and 512Mi, Ready 5-10 s after
 * they start (readiness probe: delay 5 s, period 5 s). */
struct dep {
	struct k8s_deployment	d;
	struct k8s_container	ctr;
};

static void
make_dep(struct dep *x, const char *name, int32_t replicas, int64_t cpu_milli,
    const char *pool_selector)
{
	tf_deployment(&x->d, &x->ctr, name, "app:1", replicas, cpu_milli, 512LL << 20);
	tf_readiness(&x->ctr);
	if (pool_selector != NULL)
		k8s_labels_set(&x->d.template.node_selector, "kubesim.io/pool", pool_selector);
}

static void
dep_free(struct dep *x)
{
	k8s_labels_free(&x->d.template.labels);
	k8s_labels_free(&x->d.template.node_selector);
	k8s_res_free(&x->ctr.requests);
}

static struct cl_pool_params
pool_params(const char *name, int32_t count, int32_t min, int32_t max, double provision_s)
{
	static const char *const zones[] = { "zone-a" };
	struct cl_pool_params p = {
		.name = name, .instance_type = "m5.xlarge", .cpu_milli = 4000,
		.memory = 16LL << 30, .max_pods = 110, .price_hour = 0.2, .zones = zones,
		.nzones = 1, .count = count, .min = min, .max = max,
		.provision = sim_dist_const(provision_s),
	};
	return p;
}

struct run {
	struct sim	*sim;
	struct cluster	*c;
	struct recorder	 rec;
};

static void
run_begin(struct run *r, uint64_t seed, sim_ns duration, const struct ca_config *cfg)
{
	memset(r, 0, sizeof *r);
	r->sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, duration);
	struct probe_sink sink = { rec_emit, &r->rec };
	r->c = cl_new(r->sim, seed, &t, &sink);
	if (cfg != NULL)
		cl_set_ca_config(r->c, cfg);
}

static void
run_go(struct run *r, sim_ns duration)
{
	cl_start(r->c);
	sim_run(r->sim, duration);
	cl_finish(r->c);
}

static void
run_end(struct run *r)
{
	cl_free(r->c);
	sim_free(r->sim);
	rec_free(&r->rec);
}

/*
 * One 4-cpu node, 6 pods of 1 cpu: 4 are scheduled at 0.031..0.034, two are
 * unschedulable. The scan at 10 s adds one node (2 pods fit one template
 * node), Ready at 10 + 60 = 70 s; the cluster event moves both pods (backoff
 * long over) to the active queue: scheduled there at 70.001 and 70.002.
 * The new node's utilization is 0.5 (at the threshold) but its pods have
 * nowhere else to go, so it stays.
 */
static void
test_scale_up(void)
{
	struct run r;
	run_begin(&r, 1, 30 * SIM_MIN, NULL);
	struct cl_pool_params p = pool_params("ng", 1, 1, 3, 60);
	cl_add_pool(r.c, &p);
	struct dep web;
	make_dep(&web, "web", 6, 1000, NULL);
	cl_add_deployment(r.c, &web.d);
	run_go(&r, 30 * SIM_MIN);

	CHECK_INT(ca_count(&r.rec, "scale_up"), 1);
	const struct row *su = ca_row(&r.rec, "scale_up", 0);
	CHECK(su != NULL);
	if (su != NULL) {
		CHECK_NEAR(su->t, 10, 1e-9);
		CHECK_STR(su->b, "ng");
		CHECK_STR(su->c, "ng-1");
		CHECK(strstr(su->d, "2 unschedulable pods, 2 helped; expander least-waste") != NULL);
	}
	CHECK_NEAR(ev_time(&r.rec, "NodeProvisioning", "ng-1", 0), 10, 1e-9);
	CHECK_NEAR(ev_time(&r.rec, "NodeReady", "ng-1", 0), 70, 1e-9);
	CHECK_INT(ev_count(&r.rec, "FailedScheduling", NULL), 2);
	CHECK_INT(ev_count(&r.rec, "Scheduled", "to ng-1 "), 2);
	CHECK_NEAR(ev_time(&r.rec, "Scheduled", NULL, 4), 70.001, 1e-9);
	CHECK_NEAR(ev_time(&r.rec, "Scheduled", NULL, 5), 70.002, 1e-9);
	CHECK_INT(ev_count(&r.rec, "PodReady", NULL), 6);
	CHECK_INT(cl_pods_running(r.c), 6);
	CHECK_INT(cl_nodes_ready(r.c), 2);
	/* Scanned while ng-1 was coming up: no second scale-up, and ng-1 cannot
	 * be emptied (ng-0 is full). */
	CHECK_INT(ca_count(&r.rec, "scale_down"), 0);
	const struct row *nsd = ca_row(&r.rec, "no_scale_down", 0);
	CHECK(nsd != NULL && eq(nsd->c, "ng-1") && strstr(nsd->d, "NoPlaceToMovePods") != NULL);
	if (nsd != NULL)
		CHECK_NEAR(nsd->t, 80, 1e-9);
	/* Cost: ng-0 for 30 min, ng-1 billed from its request at 10 s. */
	CHECK_NEAR(cl_cost_usd(r.c), 0.2 * 0.5 + 0.2 * (1800 - 10) / 3600.0, 1e-9);
	run_end(&r);
	dep_free(&web);
}

/*
 * Two nodes, one pod of 1 cpu: both underutilized at the first scan at 10 s
 * (utilization 0.25 and 0). The planner simulates the empty node first
 * (EmptySorting): it is unneeded and no longer a destination, so the other
 * node's pod has nowhere to go (NoPlaceToMovePods). Removable once unneeded
 * strictly longer than 10 min: the scan at 620 s, not 610 s. The empty node
 * is deleted, 5 s after its taint (node-delete-delay-after-taint); the
 * group is then at its min 1.
 */
static void
test_scale_down_idle(void)
{
	struct run r;
	run_begin(&r, 3, 40 * SIM_MIN, NULL);
	struct cl_pool_params p = pool_params("ng", 2, 1, 3, 60);
	cl_add_pool(r.c, &p);
	struct dep web;
	make_dep(&web, "web", 1, 1000, NULL);
	cl_add_deployment(r.c, &web.d);
	run_go(&r, 40 * SIM_MIN);

	CHECK_INT(ca_count(&r.rec, "scale_up"), 0);
	CHECK_INT(ca_count(&r.rec, "unneeded"), 1);
	const struct row *un = ca_row(&r.rec, "unneeded", 0);
	if (un != NULL)
		CHECK_NEAR(un->t, 10, 1e-9);
	CHECK_INT(ca_count(&r.rec, "scale_down"), 1);
	const struct row *sd = ca_row(&r.rec, "scale_down", 0);
	CHECK(sd != NULL);
	const char *used = NULL;	/* the node the pod runs on */
	for (size_t i = 0; i < r.rec.nev; i++)
		if (eq(r.rec.ev[i].a, "PodRunning"))
			used = r.rec.ev[i].c;
	CHECK(used != NULL);
	if (sd != NULL && used != NULL) {
		CHECK_NEAR(sd->t, 620, 1e-9);
		CHECK(strncmp(sd->d, "empty: utilization 0.000, unneeded for 610s", 43) == 0);
		CHECK(!eq(sd->c, used));
		CHECK_NEAR(ev_time(&r.rec, "NodeDeleted", sd->c, 0), 625, 1e-9);
		const struct row *del = ca_row(&r.rec, "node_deleted", 0);
		CHECK(del != NULL && eq(del->c, sd->c));
		if (del != NULL)
			CHECK_NEAR(del->t, 625, 1e-9);
	}
	CHECK(un != NULL && sd != NULL && eq(un->c, sd->c));
	/* The other node's pod could not move while the empty node was a
	 * candidate; then it holds the group at its minimum. */
	const struct row *nsd = ca_row(&r.rec, "no_scale_down", 0);
	CHECK(nsd != NULL && eq(nsd->c, used) && strstr(nsd->d, "NoPlaceToMovePods") != NULL);
	if (nsd != NULL)
		CHECK_NEAR(nsd->t, 10, 1e-9);
	nsd = ca_row(&r.rec, "no_scale_down", 1);
	CHECK(nsd != NULL && eq(nsd->c, used) &&
	    strstr(nsd->d, "NodeGroupMinSizeReached") != NULL);
	if (nsd != NULL)
		CHECK_NEAR(nsd->t, 630, 1e-9);
	CHECK_INT(cl_nodes_ready(r.c), 1);
	CHECK_INT((long long)r.rec.last_nodes_total, 1);
	CHECK_INT(ev_count(&r.rec, "PodDeleting", NULL), 0);
	/* Billing stopped at 625 s. */
	CHECK_NEAR(cl_cost_usd(r.c), 0.2 * 2400 / 3600.0 + 0.2 * 625 / 3600.0, 1e-9);
	run_end(&r);
	dep_free(&web);
}

/*
 * Pool "ng" as above (an idle node) and pool "gpu" of 0 nodes (min 0,
 * max 2) for a Deployment selecting it: its pod only fits the "gpu"
 * template, so the scan at 10 s scales that pool up. A loop that scaled up
 * runs no scale-down, so the idle node is unneeded from 20 s. With
 * scale-down-delay-after-add raised to 20 min, scale-down waits until the
 * cooldown ends: last scale-up + 1200 s > now fails first at 1210 s.
 */
static void
test_delay_after_add(void)
{
	struct ca_config cfg = ca_config_defaults();
	cfg.scale_down_delay_after_add = 20 * SIM_MIN;
	struct run r;
	run_begin(&r, 4, 30 * SIM_MIN, &cfg);
	struct cl_pool_params p = pool_params("ng", 2, 1, 3, 60);
	struct cl_pool_params g = pool_params("gpu", 0, 0, 2, 60);
	cl_add_pool(r.c, &p);
	cl_add_pool(r.c, &g);
	struct dep web, train;
	make_dep(&web, "web", 1, 1000, "ng");
	make_dep(&train, "train", 1, 1000, "gpu");
	cl_add_deployment(r.c, &web.d);
	cl_add_deployment(r.c, &train.d);
	run_go(&r, 30 * SIM_MIN);

	CHECK_INT(ca_count(&r.rec, "scale_up"), 1);
	const struct row *su = ca_row(&r.rec, "scale_up", 0);
	CHECK(su != NULL && eq(su->b, "gpu") && eq(su->c, "gpu-0"));
	if (su != NULL) {
		CHECK_NEAR(su->t, 10, 1e-9);
		CHECK(strstr(su->d, "chose gpu of 1 options") != NULL);
	}
	CHECK_NEAR(ev_time(&r.rec, "NodeReady", "gpu-0", 0), 70, 1e-9);
	CHECK_INT(ca_count(&r.rec, "scale_down"), 1);
	const struct row *sd = ca_row(&r.rec, "scale_down", 0);
	CHECK(sd != NULL && eq(sd->b, "ng"));
	if (sd != NULL)
		CHECK_NEAR(sd->t, 1210, 1e-9);
	/* gpu-0's pod can go nowhere else (node selector). */
	bool blocked = false;
	for (int i = 0; ca_row(&r.rec, "no_scale_down", i) != NULL; i++) {
		const struct row *x = ca_row(&r.rec, "no_scale_down", i);
		blocked |= eq(x->c, "gpu-0") && strstr(x->d, "NoPlaceToMovePods") != NULL;
	}
	CHECK(blocked);
	CHECK_INT(cl_nodes_ready(r.c), 2);
	run_end(&r);
	dep_free(&web);
	dep_free(&train);

	/* The same with the default 10 min: the cooldown ends at 610 s, the
	 * node has been unneeded long enough at 630 s. */
	run_begin(&r, 4, 30 * SIM_MIN, NULL);
	cl_add_pool(r.c, &p);
	cl_add_pool(r.c, &g);
	make_dep(&web, "web", 1, 1000, "ng");
	make_dep(&train, "train", 1, 1000, "gpu");
	cl_add_deployment(r.c, &web.d);
	cl_add_deployment(r.c, &train.d);
	run_go(&r, 30 * SIM_MIN);
	sd = ca_row(&r.rec, "scale_down", 0);
	CHECK(sd != NULL);
	if (sd != NULL)
		CHECK_NEAR(sd->t, 630, 1e-9);
	run_end(&r);
	dep_free(&web);
	dep_free(&train);
}

/*
 * Two nodes with one "web" pod (1 cpu) each: both underutilized, each pod
 * fits on the other node. At the first scan (10 s) the pods are not Ready
 * yet (10.051 s): no disruption is allowed, both nodes are BlockedByPod and
 * rechecked only after unremovable-node-recheck-timeout (5 min), at 310 s.
 * A PDB with minAvailable 2 then still allows none (2 ready - 2): nothing is
 * drained. With minAvailable 1 one eviction is allowed: ng-0, simulated
 * first, is removable and consumes it; ng-1 is then blocked. ng-0, unneeded
 * from 310 s, is drained at 920 s: its pod is deleted
 * (ClusterAutoscalerDrain), exits after the 1 s shutdown, and the node is
 * deleted at the next 5 s poll (925 s).
 */
static void
test_pdb(void)
{
	static char *vals[] = { "web" };
	struct k8s_sel_req req = { .key = "app", .op = K8S_SEL_IN, .values = vals, .nvalues = 1 };
	for (int min_available = 2; min_available >= 1; min_available--) {
		struct run r;
		run_begin(&r, 5, 30 * SIM_MIN, NULL);
		struct cl_pool_params p = pool_params("ng", 2, 1, 3, 60);
		cl_add_pool(r.c, &p);
		struct dep web;
		make_dep(&web, "web", 2, 1000, NULL);
		cl_add_deployment(r.c, &web.d);
		struct k8s_pdb pdb;
		memset(&pdb, 0, sizeof pdb);
		pdb.name = "web";
		pdb.namespace = "default";
		pdb.selector.reqs = &req;
		pdb.selector.nreqs = 1;
		pdb.selector.set = true;
		pdb.has_min_available = true;
		pdb.min_available = min_available;
		cl_add_pdb(r.c, &pdb);
		run_go(&r, 30 * SIM_MIN);
		/* One pod per node (spreading and least-allocated). */
		CHECK_INT(ev_count(&r.rec, "Scheduled", "to ng-0 "), 1);
		if (min_available == 2) {
			CHECK_INT(ev_count(&r.rec, "Scheduled", "to ng-1 "), 1);
			CHECK_INT(ca_count(&r.rec, "scale_down"), 0);
			CHECK_INT(ca_count(&r.rec, "unneeded"), 0);
			CHECK_INT(ca_count(&r.rec, "no_scale_down"), 2);
			CHECK_INT((long long)r.rec.nca, 2);
			const struct row *x = ca_row(&r.rec, "no_scale_down", 0);
			CHECK(x != NULL && strstr(x->d, "BlockedByPod") != NULL);
			if (x != NULL)
				CHECK_NEAR(x->t, 10, 1e-9);
			CHECK_INT(cl_nodes_ready(r.c), 2);
			CHECK_INT(ev_count(&r.rec, "PodDeleting", NULL), 0);
		} else {
			CHECK_INT(ca_count(&r.rec, "scale_down"), 1);
			const struct row *sd = ca_row(&r.rec, "scale_down", 0);
			CHECK(sd != NULL && eq(sd->c, "ng-0") && strncmp(sd->d, "drain:", 6) == 0);
			if (sd != NULL)
				CHECK_NEAR(sd->t, 920, 1e-9);
			const struct row *un = ca_row(&r.rec, "unneeded", 0);
			CHECK(un != NULL && eq(un->c, "ng-0"));
			if (un != NULL)
				CHECK_NEAR(un->t, 310, 1e-9);
			CHECK_INT(ev_count(&r.rec, "PodDeleting", "ClusterAutoscalerDrain"), 1);
			CHECK_NEAR(ev_time(&r.rec, "PodDeleting", NULL, 0), 920, 1e-9);
			CHECK_NEAR(ev_time(&r.rec, "PodDeleted", NULL, 0), 921, 1e-9);
			CHECK_NEAR(ev_time(&r.rec, "NodeDeleted", "ng-0", 0), 925, 1e-9);
			/* Rows are written on changes: ng-1 stays BlockedByPod at
			 * 310 s, then holds the group at its minimum. */
			const struct row *x = ca_row(&r.rec, "no_scale_down", 1);
			CHECK(x != NULL && eq(x->c, "ng-1") && strstr(x->d, "BlockedByPod") != NULL);
			x = ca_row(&r.rec, "no_scale_down", 2);
			CHECK(x != NULL && eq(x->c, "ng-1") &&
			    strstr(x->d, "NodeGroupMinSizeReached") != NULL);
			if (x != NULL)
				CHECK_NEAR(x->t, 930, 1e-9);
			/* The ReplicaSet's replacement runs on ng-1. */
			CHECK_INT(ev_count(&r.rec, "Scheduled", "to ng-1 "), 2);
			CHECK_INT(cl_pods_running(r.c), 2);
			CHECK_INT(cl_nodes_ready(r.c), 1);
		}
		run_end(&r);
		dep_free(&web);
	}
}

/*
 * One 4-cpu node and 12 pods of 1 cpu: 8 unschedulable, which would need 2
 * new nodes. The pool's max of 2 leaves room for one: the estimator stops
 * there, one node is added at 10 s and 4 pods land on it at 70 s; from the
 * scan at 20 s the rest has no expansion option (recorded once). With pool
 * max 5 but max-nodes-total 2 the estimator is limited the same way and
 * later scans report MaxNodesTotalReached.
 */
static void
test_max_bounds(void)
{
	for (int variant = 0; variant < 2; variant++) {
		struct ca_config cfg = ca_config_defaults();
		if (variant == 1)
			cfg.max_nodes_total = 2;
		struct run r;
		run_begin(&r, 6, 20 * SIM_MIN, &cfg);
		struct cl_pool_params p = pool_params("ng", 1, 1, variant == 0 ? 2 : 5, 60);
		cl_add_pool(r.c, &p);
		struct dep web;
		make_dep(&web, "web", 12, 1000, NULL);
		cl_add_deployment(r.c, &web.d);
		run_go(&r, 20 * SIM_MIN);
		CHECK_INT(ca_count(&r.rec, "scale_up"), 1);
		const struct row *su = ca_row(&r.rec, "scale_up", 0);
		CHECK(su != NULL && eq(su->c, "ng-1"));
		if (su != NULL)
			CHECK(strstr(su->d, "8 unschedulable pods, 4 helped") != NULL &&
			    strstr(su->d, "node 1 of 1 (estimated 1)") != NULL);
		CHECK_INT(ca_count(&r.rec, "no_scale_up"), 1);
		const struct row *nsu = ca_row(&r.rec, "no_scale_up", 0);
		CHECK(nsu != NULL);
		if (nsu != NULL) {
			CHECK_NEAR(nsu->t, 20, 1e-9);
			CHECK(strncmp(nsu->d, variant == 0 ? "NoExpansionOptions: 4 unschedulable" :
			    "MaxNodesTotalReached: 4 unschedulable", 34) == 0);
		}
		CHECK_INT(cl_nodes_ready(r.c), 2);
		CHECK_INT(cl_pods_running(r.c), 8);
		run_end(&r);
		dep_free(&web);
	}
}

/*
 * A pool whose nodes take 20 min to come up: the node requested at 10 s is
 * given up at the first scan after 10 + 900 s (920 s) and deleted; the pool
 * backs off for 5 min (no option from that same scan on), so the pod is
 * retried with a new node at 1220 s.
 */
static void
test_provision_timeout(void)
{
	struct run r;
	run_begin(&r, 7, 25 * SIM_MIN, NULL);
	struct cl_pool_params p = pool_params("slow", 1, 1, 3, 1200);
	cl_add_pool(r.c, &p);
	struct dep web;
	make_dep(&web, "web", 5, 1000, NULL);
	cl_add_deployment(r.c, &web.d);
	run_go(&r, 25 * SIM_MIN);
	CHECK_INT(ca_count(&r.rec, "scale_up"), 2);
	const struct row *a = ca_row(&r.rec, "scale_up", 0);
	const struct row *f = ca_row(&r.rec, "scale_up_failed", 0);
	const struct row *b = ca_row(&r.rec, "scale_up", 1);
	CHECK(a != NULL && f != NULL && b != NULL);
	if (a != NULL && f != NULL && b != NULL) {
		CHECK_NEAR(a->t, 10, 1e-9);
		CHECK_NEAR(f->t, 920, 1e-9);
		CHECK_STR(f->c, "slow-1");
		CHECK(strstr(f->d, "backed off for 300s") != NULL);
		CHECK_NEAR(b->t, 1220, 1e-9);
		CHECK_STR(b->c, "slow-2");
	}
	CHECK_NEAR(ev_time(&r.rec, "NodeDeleted", "slow-1", 0), 920, 1e-9);
	/* slow-1's provisioning would have ended at 1210: it never appears. */
	CHECK(ev_time(&r.rec, "NodeReady", "slow-1", 0) < 0);
	const struct row *n = ca_row(&r.rec, "no_scale_up", 0);
	CHECK(n != NULL && strncmp(n->d, "NoExpansionOptions", 18) == 0);
	if (n != NULL)
		CHECK_NEAR(n->t, 920, 1e-9);
	CHECK_INT(cl_nodes_ready(r.c), 1);
	run_end(&r);
	dep_free(&web);
}

/*
 * The expander decides between two pools. 3 pods of 1 cpu / 512Mi pending
 * (a full 4-cpu node); pool "small" (2 cpu, 4 GiB, room for one node) takes
 * 2 of them, pool "large" (8 cpu, 16 GiB) all 3. most-pods picks "large";
 * least-waste picks "small": cpu (2000-2000)/2000 + memory (4096-1024)/4096
 * = 0.75 against (8000-3000)/8000 + (16384-1536)/16384 = 1.53.
 */
static void
test_expanders(void)
{
	for (int variant = 0; variant < 2; variant++) {
		struct ca_config cfg = ca_config_defaults();
		char *cause = NULL;
		CHECK(ca_config_set_expanders(&cfg, variant == 0 ? "most-pods" : "least-waste",
		    &cause) == 0);
		struct run r;
		run_begin(&r, 9, 5 * SIM_MIN, &cfg);
		struct cl_pool_params base = pool_params("base", 1, 1, 1, 60);
		struct cl_pool_params small = pool_params("small", 0, 0, 1, 60);
		small.cpu_milli = 2000;
		small.memory = 4LL << 30;
		struct cl_pool_params large = pool_params("large", 0, 0, 3, 60);
		large.cpu_milli = 8000;
		large.memory = 16LL << 30;
		cl_add_pool(r.c, &base);
		cl_add_pool(r.c, &small);
		cl_add_pool(r.c, &large);
		struct dep web;
		make_dep(&web, "web", 7, 1000, NULL);
		cl_add_deployment(r.c, &web.d);
		run_go(&r, 5 * SIM_MIN);
		const struct row *su = ca_row(&r.rec, "scale_up", 0);
		CHECK(su != NULL);
		if (su != NULL) {
			CHECK_NEAR(su->t, 10, 1e-9);
			CHECK_STR(su->b, variant == 0 ? "large" : "small");
			CHECK(strstr(su->d, variant == 0 ? "3 helped; expander most-pods chose "
			    "large of 2 options" : "2 helped; expander least-waste chose small of "
			    "2 options") != NULL);
		}
		/* most-pods: all 7 run; least-waste: one pod is left, and "small"
		 * is full, so "large" gets a node at the next scan. */
		CHECK_INT(ca_count(&r.rec, "scale_up"), variant == 0 ? 1 : 2);
		CHECK_INT(cl_pods_running(r.c), 7);
		CHECK_INT(ev_count(&r.rec, "TriggeredScaleUp", variant == 0 ? "large: " : "small: "), 1);
		run_end(&r);
		dep_free(&web);
	}
}

/*
 * More nodes than the node array's first allocation (8): the scheduler keeps
 * pointers to the node specs while the array grows (12 initial nodes, then a
 * scale-up). 50 pods of 1 cpu: 48 fit, one node is added for the other 2.
 */
static void
test_many_nodes(void)
{
	struct run r;
	run_begin(&r, 10, 5 * SIM_MIN, NULL);
	struct cl_pool_params p = pool_params("ng", 12, 12, 14, 60);
	cl_add_pool(r.c, &p);
	struct dep web;
	make_dep(&web, "web", 50, 1000, NULL);
	cl_add_deployment(r.c, &web.d);
	run_go(&r, 5 * SIM_MIN);
	CHECK_INT(ca_count(&r.rec, "scale_up"), 1);
	const struct row *su = ca_row(&r.rec, "scale_up", 0);
	CHECK(su != NULL && eq(su->c, "ng-12"));
	CHECK_INT(ev_count(&r.rec, "Scheduled", "to ng-12 "), 2);
	CHECK_INT(cl_pods_running(r.c), 50);
	CHECK_INT(cl_nodes_ready(r.c), 13);
	run_end(&r);
	dep_free(&web);
}

/*
 * The unneeded-nodes limit: 60 nodes and 60 pods of 1 cpu, every node
 * underutilized and every pod able to move. The planner stops simulating
 * once it has found enough removable nodes: 20 at the first scan (10 s: 2 x
 * max-scale-down-parallelism), 20 more at 20 s (the previous 20 + 20),
 * then the rest but one at 30 s (the last node's pod has no destination
 * left: every other node is removable). With max-scale-down-parallelism 2:
 * 4 at 10 s, then 4 more per scan. The nodes found earlier are simulated
 * first and stay unneeded (one record each).
 */
static void
test_unneeded_limit(void)
{
	for (int variant = 0; variant < 2; variant++) {
		struct ca_config cfg = ca_config_defaults();
		int step = 20;
		if (variant == 1) {
			cfg.max_scale_down_parallelism = 2;
			step = 4;
		}
		struct run r;
		run_begin(&r, 11, 45 * SIM_SEC, &cfg);
		struct cl_pool_params p = pool_params("ng", 60, 1, 60, 60);
		cl_add_pool(r.c, &p);
		struct dep web;
		make_dep(&web, "web", 60, 1000, NULL);
		cl_add_deployment(r.c, &web.d);
		run_go(&r, 45 * SIM_SEC);
		int at[4] = { 0, 0, 0, 0 };
		for (size_t i = 0; i < r.rec.nca; i++) {
			const struct row *x = &r.rec.ca[i];
			if (eq(x->a, "unneeded") && x->t >= 10 && x->t <= 40)
				at[(int)(x->t + 0.5) / 10 - 1]++;
		}
		CHECK_INT(at[0], step);
		CHECK_INT(at[1], step);
		CHECK_INT(at[2], variant == 0 ? 59 - 2 * step : step);
		CHECK_INT(ca_count(&r.rec, "unneeded"), variant == 0 ? 59 : 4 * step);
		CHECK_INT(ca_count(&r.rec, "no_scale_down"), variant == 0 ? 1 : 0);
		run_end(&r);
		dep_free(&web);
	}
}

/*
 * Nodes skipped by the limit lose their unneeded state. 8 nodes, parallelism
 * 1 (limit: the previous count + 2): "big" fills 5 nodes (3.5 cpu,
 * utilization 0.875), "small" puts 500m on each of the other 3 (0.125; a
 * big node has room for it). At 10 s two small nodes are found unneeded,
 * the third at 20 s. An idle HPA then scales "big" to 1 (after its 5 min
 * stabilization): 4 big nodes are empty at once and, sorted first, take 4
 * of the 3 + 2 simulations; one small node is simulated after them, the
 * other two are not and stop being unneeded (recorded as such). At the
 * next scan (limit 5 + 2) they are unneeded again, their timers restarted.
 */
static void
test_unneeded_limit_skips(void)
{
	struct ca_config cfg = ca_config_defaults();
	cfg.max_scale_down_parallelism = 1;
	struct run r;
	run_begin(&r, 12, 8 * SIM_MIN, &cfg);
	struct cl_pool_params p = pool_params("ng", 8, 1, 8, 60);
	cl_add_pool(r.c, &p);
	struct dep big, small;
	make_dep(&big, "big", 5, 3500, NULL);
	make_dep(&small, "small", 3, 500, NULL);
	cl_add_deployment(r.c, &big.d);
	cl_add_deployment(r.c, &small.d);
	struct hpa_metric_spec m;
	tf_cpu_utilization(&m, 50);
	struct hpa_spec h;
	tf_hpa(&h, "big", 1, 5, &m, 1);
	char *cause = NULL;
	CHECK(cl_add_hpa(r.c, &h, &cause) == 0);
	run_go(&r, 8 * SIM_MIN);

	int early = 0, empty = 0, skipped = 0;
	double t_skip = -1;
	for (size_t i = 0; i < r.rec.nca; i++) {
		const struct row *x = &r.rec.ca[i];
		if (eq(x->a, "unneeded") && x->t <= 20 + 1e-9)
			early++;
		if (eq(x->a, "unneeded") && strstr(x->d, "; empty") != NULL)
			empty++;
		if (eq(x->a, "no_scale_down") && strstr(x->d, "not simulated: 5 unneeded nodes "
		    "found") != NULL) {
			skipped++;
			t_skip = x->t;
		}
	}
	CHECK_INT(early, 3);
	CHECK_INT(empty, 4);
	CHECK_INT(skipped, 2);
	/* the empty nodes' records come in the same scan as the skips */
	const struct row *e = NULL;
	for (size_t i = 0; i < r.rec.nca && e == NULL; i++)
		if (eq(r.rec.ca[i].a, "unneeded") && strstr(r.rec.ca[i].d, "; empty") != NULL)
			e = &r.rec.ca[i];
	CHECK(e != NULL && t_skip > 300);
	if (e != NULL)
		CHECK_NEAR(e->t, t_skip, 1e-9);
	int again = 0;
	for (size_t i = 0; i < r.rec.nca; i++)
		again += eq(r.rec.ca[i].a, "unneeded") && fabs(r.rec.ca[i].t - (t_skip + 10)) < 1e-9;
	CHECK_INT(again, 2);
	CHECK_INT(ca_count(&r.rec, "scale_down"), 0);
	run_end(&r);
	dep_free(&big);
	dep_free(&small);
}

/* No pool with max > min: no autoscaler, no records. */
static void
test_off(void)
{
	struct run r;
	run_begin(&r, 8, 15 * SIM_MIN, NULL);
	struct cl_pool_params p = pool_params("ng", 1, 0, 0, 60);
	cl_add_pool(r.c, &p);
	struct dep web;
	make_dep(&web, "web", 6, 1000, NULL);
	cl_add_deployment(r.c, &web.d);
	run_go(&r, 15 * SIM_MIN);
	CHECK_INT((long long)r.rec.nca, 0);
	CHECK_INT(cl_nodes_ready(r.c), 1);
	CHECK_INT(cl_pods_running(r.c), 4);
	run_end(&r);
	dep_free(&web);
}

int
main(void)
{
	test_scale_up();
	test_scale_down_idle();
	test_delay_after_add();
	test_pdb();
	test_max_bounds();
	test_provision_timeout();
	test_expanders();
	test_many_nodes();
	test_unneeded_limit();
	test_unneeded_limit_skips();
	test_off();
	return tl_finish();
}
