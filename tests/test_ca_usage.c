/*
 * test_ca_usage.c - what the Cluster Autoscaler keeps between its loops
 * (models/cluster/ca_usage.h: each node's utilization and emptiness, the
 * anti-affinity flag, each pod's request; the node groups' counts) never
 * goes stale: a cluster with the autoscaler under random churn
 * (Deployments scaled up and down, pods deleted, nodes deleted and added,
 * a Deployment with required pod anti-affinity coming and going), checked
 * against a recomputation every 1-4 s and right after the autoscaler's
 * loops.
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
	x->ctr.name = "app";
	x->ctr.image = "app:1";
	k8s_res_set(&x->ctr.requests, "cpu", cpu_milli);
	k8s_res_set(&x->ctr.requests, "memory", 256LL << 20);
	x->d.name = (char *)name;
	x->d.namespace = "default";
	x->d.replicas = replicas;
	x->d.selector.set = true;
	x->d.template.namespace = "default";
	k8s_labels_set(&x->d.template.labels, "app", name);
	x->d.template.containers = &x->ctr;
	x->d.template.ncontainers = 1;
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
		} else if (what < 9) {		/* a new node */
			node_create(c, rnd(ch, (uint32_t)c->npools), true);
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

static void
noop_emit(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	(void)ctx, (void)table, (void)v, (void)n;
}

static void
test_churn(uint64_t seed)
{
	sim_ns dur = 40 * SIM_MIN;
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, dur);
	t.shutdown = sim_dist_const(12.0);	/* deleting pods stay bound a while */
	struct probe_sink sink = { noop_emit, NULL };
	struct cluster *c = cl_new(sim, seed, &t, &sink);
	struct ca_config cfg = ca_config_defaults();
	cfg.scale_down_unneeded_time = 30 * SIM_SEC;	/* scale-downs happen */
	cfg.scale_down_delay_after_add = SIM_MIN;
	cl_set_ca_config(c, &cfg);
	static const char *const zones[] = { "zone-a" };
	struct cl_pool_params p[2] = {
		{ .name = "ng", .instance_type = "m5.xlarge", .cpu_milli = 4000,
		  .memory = 16LL << 30, .max_pods = 20, .price_hour = 0.2, .zones = zones,
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
	struct churn ch = { .sim = sim, .c = c, .x = seed * 2654435761u + 1, .end = dur };
	cl_start(c);
	sim_after(sim, 5 * SIM_SEC, PRIO_CONTROLLER + 1, on_churn, &ch, 0);
	sim_run(sim, dur);
	if (getenv("KS_DEBUG"))
		fprintf(stderr, "checks %d ops %d nodes %zu pods %zu\n", ch.checks, ch.ops,
		    cl_nodes_ready(c), cl_pods_running(c));
	CHECK(ch.checks > 300);
	CHECK(ch.ops > 300);
	CHECK_INT(ch.stale, 0);
	CHECK_INT((long long)cl_ca_usage_stale(c), 0);
	cl_finish(c);
	cl_free(c);
	sim_free(sim);
	for (int i = 0; i < NDEPS; i++)
		dep_free(&d[i]);
}

int
main(void)
{
	test_churn(1);
	test_churn(7);
	test_churn(42);
	return tl_finish();
}
