/*
 * test_ca_usage.c - what the Cluster Autoscaler keeps between its loops
 * (models/cluster/ca_usage.h: each node's utilization and emptiness, the
 * anti-affinity flag, each pod's request and movable pods; the node
 * groups' counts; the node sets its scale-down passes start from) never
 * goes stale, and its passes that look at what changed only decide as the
 * reference pass that looks at every node and places pods one by one: a
 * cluster with the autoscaler under random churn (Deployments scaled up and
 * down, pods deleted, nodes deleted, added, cordoned, tainted, going
 * NotReady, down and up, a Deployment with required pod anti-affinity
 * coming and going), checked against a recomputation every 1-4 s and right
 * after the autoscaler's loops, and run again in reference mode: every row and the
 * state its decisions carry (cl_ca_digest at each check) must be the same.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "models/cluster/cluster.h"
#include "models/cluster/controllers.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"

struct dep {
	struct k8s_deployment	d;
	struct k8s_container	ctr;
	struct k8s_pod_term	anti;
};

static void
make_dep(struct dep *x, const char *name, int32_t replicas, int64_t cpu_milli, bool anti)
{
	memset(x, 0, sizeof *x);
	tf_deployment(&x->d, &x->ctr, name, "app:1", replicas, cpu_milli, 256LL << 20);
	x->d.template.termination_grace_s = 20;
	if (anti) {	/* an empty selector: no other pod on its node */
		x->anti.selector.set = true;
		x->anti.topology_key = "kubernetes.io/hostname";
		x->d.template.affinity.anti_required = &x->anti;
		x->d.template.affinity.nanti_required = 1;
	}
}

static void
dep_free(struct dep *x)
{
	k8s_labels_free(&x->d.template.labels);
	k8s_res_free(&x->ctr.requests);
}

#define NDEPS 4

struct churn {
	struct sim	*sim;
	struct cluster	*c;
	uint64_t	 x;		/* xorshift state */
	int		 checks, stale, ops;
	sim_ns		 end;
	struct ks_buf	 rows;		/* every probe row, as text */
	int		 nrows;
};

static uint32_t
rnd(struct churn *ch, uint32_t n)
{
	ch->x ^= ch->x << 13;
	ch->x ^= ch->x >> 7;
	ch->x ^= ch->x << 17;
	return n > 0 ? (uint32_t)(ch->x % n) : 0;
}

/* A random live pod bound to a node, or NONE. */
static uint32_t
bound_pod(struct churn *ch)
{
	struct cluster *c = ch->c;
	for (int tries = 0; tries < 50 && c->npods > 0; tries++) {
		uint32_t p = rnd(ch, (uint32_t)c->npods);
		if (c->pods[p].phase != POD_FREE && c->pods[p].node != NONE &&
		    !c->pods[p].deleting)
			return p;
	}
	return NONE;
}

/* Adds a NoSchedule taint no pod tolerates to the node, or takes it off
 * (last of its taints when there). */
static void
toggle_taint(struct cluster *c, uint32_t n)
{
	struct k8s_node_spec *ns = c->nodes[n].spec;
	if (ns->ntaints > 0 && strcmp(ns->taints[ns->ntaints - 1].key, "example.com/test") == 0) {
		free(ns->taints[--ns->ntaints].key);
	} else {
		ns->taints = xreallocarray(ns->taints, ns->ntaints + 1, sizeof *ns->taints);
		memset(&ns->taints[ns->ntaints], 0, sizeof *ns->taints);
		ns->taints[ns->ntaints].key = xstrdup("example.com/test");
		ns->taints[ns->ntaints++].effect = K8S_NO_SCHEDULE;
	}
	node_set_state(c, n, c->nodes[n].state);	/* tells the scheduler */
}

static void
on_churn(struct sim *sim, void *ctx, uint64_t arg)
{
	struct churn *ch = ctx;
	struct cluster *c = ch->c;
	(void)arg;
	size_t bad = cl_ca_usage_stale(c);
	if (bad != 0)
		fprintf(stderr, "stale at %.3f s: %zu\n", sim_ns_to_s(sim_now(sim)), bad);
	ch->stale += bad != 0;
	ch->checks++;
	ks_buf_printf(&ch->rows, "digest|%llx\n", (unsigned long long)cl_ca_digest(c));
	int nops = (int)rnd(ch, 4);
	for (int k = 0; k < nops; k++, ch->ops++) {
		uint32_t what = rnd(ch, 10);
		if (what < 4) {			/* scale a Deployment */
			uint32_t d = rnd(ch, NDEPS);
			deploy_scale(c, d, (int32_t)rnd(ch, d == NDEPS - 1 ? 3 : 14));
		} else if (what < 7) {		/* delete (evict) a bound pod */
			uint32_t p = bound_pod(ch);
			if (p != NONE)
				pod_delete(c, p, "test");
		} else if (what < 8) {		/* delete a Ready node */
			uint32_t n = rnd(ch, (uint32_t)c->nnodes);
			if (c->nodes[n].state == NODE_READY && cl_nodes_ready(c) > 2)
				node_delete(c, n, "test");
		} else if (what < 9) {		/* a new node, or a node changes */
			uint32_t n = rnd(ch, (uint32_t)c->nnodes);
			uint32_t how = rnd(ch, 5);
			if (how == 0) {
				node_create(c, rnd(ch, (uint32_t)c->npools), true);
			} else if (how == 1 && c->nodes[n].state != NODE_DELETED) {
				/* cordoned or uncordoned: no destination, or one */
				c->nodes[n].spec->unschedulable = !c->nodes[n].spec->unschedulable;
				node_set_state(c, n, c->nodes[n].state);
			} else if (how == 2 && (c->nodes[n].state == NODE_READY ||
			    c->nodes[n].state == NODE_NOT_READY)) {
				node_set_state(c, n, c->nodes[n].state == NODE_READY ?
				    NODE_NOT_READY : NODE_READY);
			} else if (how == 4 && c->nodes[n].state != NODE_DELETED) {
				toggle_taint(c, n);
			} else if (how == 3 && c->nodes[n].state != NODE_DELETED) {
				/* the machine stops (its pods are lost, and stay
				 * terminating once deleted) or runs again */
				if (c->nodes[n].up)
					node_set_down(c, n);
				else
					node_set_up(c, n);
			}
		} else {			/* free a terminating pod at once */
			for (size_t p = 0; p < c->npods; p++)
				if (c->pods[p].phase != POD_FREE && c->pods[p].deleting &&
				    c->pods[p].node != NONE) {
					pod_free(c, (uint32_t)p);
					break;
				}
		}
	}
	sim_ns next = (sim_ns)(1 + rnd(ch, 4)) * SIM_SEC;
	if (rnd(ch, 3) == 0)
		next = 10 * SIM_SEC;	/* right after a loop (same time, later priority) */
	if (sim_now(sim) + next < ch->end)
		sim_after(sim, next, PRIO_CONTROLLER + 1, on_churn, ch, 0);
}

/* Keeps every row as a line of text. */
static void
keep_row(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	struct churn *ch = ctx;
	ks_buf_printf(&ch->rows, "%s", table);
	for (size_t i = 0; i < n; i++) {
		switch (v[i].type) {
		case PROBE_INT: ks_buf_printf(&ch->rows, "|%lld", (long long)v[i].u.i); break;
		case PROBE_REAL: ks_buf_printf(&ch->rows, "|%.17g", v[i].u.r); break;
		case PROBE_TEXT: ks_buf_printf(&ch->rows, "|%s", v[i].u.s); break;
		default: ks_buf_puts(&ch->rows, "|NULL"); break;
		}
	}
	ks_buf_puts(&ch->rows, "\n");
	ch->nrows++;
}

/* How often a line holds s. */
static int
count_of(const char *text, const char *s)
{
	int k = 0;
	for (const char *p = strstr(text, s); p != NULL; p = strstr(p + 1, s))
		k++;
	return k;
}

/* 40 minutes of churn with the autoscaler (max-scale-down-parallelism
 * parallelism: 1 leaves candidates not simulated), every probe row kept in
 * ch->rows (the caller frees it). */
static void
run_churn(struct churn *ch, uint64_t seed, bool reference, int parallelism)
{
	sim_ns dur = 40 * SIM_MIN;
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, dur);
	t.shutdown = sim_dist_const(12.0);	/* deleting pods stay bound a while */
	memset(ch, 0, sizeof *ch);
	ks_buf_init(&ch->rows);
	struct probe_sink sink = { keep_row, ch };
	struct cluster *c = cl_new(sim, seed, &t, &sink);
	struct ca_config cfg = ca_config_defaults();
	cfg.scale_down_unneeded_time = 30 * SIM_SEC;	/* scale-downs happen */
	cfg.scale_down_delay_after_add = SIM_MIN;
	cfg.max_scale_down_parallelism = parallelism;
	cl_set_ca_config(c, &cfg);
	cl_ca_set_reference(c, reference);
	static const char *const zones[] = { "zone-a" };
	struct cl_pool_params p[2] = {
		{ .name = "ng", .instance_type = "m5.xlarge", .cpu_milli = 4000,
		  .memory = 16LL << 30, .max_pods = 7, .price_hour = 0.2, .zones = zones,
		  .nzones = 1, .count = 4, .min = 1, .max = 8,
		  .provision = sim_dist_const(30) },
		{ .name = "big", .instance_type = "m5.2xlarge", .cpu_milli = 8000,
		  .memory = 32LL << 30, .max_pods = 30, .price_hour = 0.4, .zones = zones,
		  .nzones = 1, .count = 2, .min = 0, .max = 4,
		  .provision = sim_dist_const(45) },
	};
	cl_add_pool(c, &p[0]);
	cl_add_pool(c, &p[1]);
	struct dep d[NDEPS];
	make_dep(&d[0], "web", 8, 500, false);
	make_dep(&d[1], "api", 5, 1200, false);
	make_dep(&d[2], "tiny", 10, 100, false);
	make_dep(&d[3], "lonely", 1, 300, true);
	for (int i = 0; i < NDEPS; i++)
		cl_add_deployment(c, &d[i].d);
	ch->sim = sim;
	ch->c = c;
	ch->x = seed * 2654435761u + 1;
	ch->end = dur;
	cl_start(c);
	sim_after(sim, 5 * SIM_SEC, PRIO_CONTROLLER + 1, on_churn, ch, 0);
	sim_run(sim, dur);
	if (getenv("KS_DEBUG"))
		fprintf(stderr, "checks %d ops %d nodes %zu pods %zu rows %d\n", ch->checks,
		    ch->ops, cl_nodes_ready(c), cl_pods_running(c), ch->nrows);
	ch->stale += cl_ca_usage_stale(c) != 0;
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	for (int i = 0; i < NDEPS; i++)
		dep_free(&d[i]);
}

static void
test_churn(uint64_t seed)
{
	struct churn ch;
	run_churn(&ch, seed, false, 10);
	CHECK(ch.checks > 300);
	CHECK(ch.ops > 300);
	CHECK_INT(ch.stale, 0);
	ks_buf_fini(&ch.rows);
}

/* The passes looking at what changed against the reference pass: the same
 * rows, to the last digit, and the decisions the comparison needs were
 * taken. */
static void
test_reference(uint64_t seed, int parallelism)
{
	struct churn a, b;
	run_churn(&a, seed, false, parallelism);
	run_churn(&b, seed, true, parallelism);
	char *ra = ks_buf_take(&a.rows), *rb = ks_buf_take(&b.rows);
	CHECK_INT(a.stale, 0);
	CHECK_INT(b.stale, 0);
	CHECK(a.nrows > 100);
	CHECK_INT(a.nrows, b.nrows);
	CHECK(strcmp(ra, rb) == 0);
	if (strcmp(ra, rb) != 0) {	/* the first line that differs */
		size_t i = 0, line = 0;
		for (; ra[i] != '\0' && ra[i] == rb[i]; i++)
			if (ra[i] == '\n')
				line = i + 1;
		fprintf(stderr, "seed %llu: first difference:\n  %.200s\n  %.200s\n",
		    (unsigned long long)seed, ra + line, rb + line);
	}
	int scale_downs = count_of(ra, "|scale_down|"), unneeded = count_of(ra, "|unneeded|");
	int not_sim = count_of(ra, "not simulated"), no_place = count_of(ra, "NoPlaceToMovePods");
	if (getenv("KS_DEBUG"))
		fprintf(stderr, "seed %llu parallelism %d: %d scale-downs, %d unneeded, "
		    "%d not simulated, %d no place\n", (unsigned long long)seed, parallelism,
		    scale_downs, unneeded, not_sim, no_place);
	CHECK(scale_downs > 0);
	CHECK(unneeded > 0);
	free(ra);
	free(rb);
}

int
main(void)
{
	test_churn(1);
	test_churn(7);
	test_churn(42);
	for (uint64_t seed = 1; seed <= 6; seed++)
		test_reference(seed, seed % 2 ? 1 : 10);
	return tl_finish();
}
