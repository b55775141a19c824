/*
 * test_invariants.c - the end-of-run invariants of models/invariants.c on a
 * small cluster (3 nodes, a Deployment of 3 pods, a node failure and request
 * -mode traffic): every check holds on the run as simulated, and each one
 * fails, naming itself, when the state it guards is broken by hand; the
 * memo of a template's cpu request follows a new template.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/invariants.h"
#include "sim/util/util.h"
#include "tests/testlib.h"
#include "tests/cluster_fixture.h"

static void
sink_none(void *ctx, const char *table, const struct probe_val *v, size_t n)
{
	(void)ctx;
	(void)table;
	(void)v;
	(void)n;
}

static double
offered_const(void *ctx, sim_ns from, sim_ns to)
{
	return *(double *)ctx * sim_ns_to_s(to - from);
}

static double
rate_const(void *ctx, sim_ns at)
{
	(void)at;
	return *(double *)ctx;
}

static double
rate_max_const(void *ctx, sim_ns from, sim_ns to)
{
	(void)from;
	(void)to;
	return *(double *)ctx;
}

/* Runs the checks; returns the number failed and whether a FAIL line names
 * `name` (NULL: none expected). */
static int
check(const struct cluster *c, sim_ns duration, const char *name)
{
	struct ks_buf b;
	ks_buf_init(&b);
	int n = inv_check_cluster(c, duration, &b);
	char *rep = ks_buf_take(&b);
	if (name != NULL) {
		char *want = xasprintf("FAIL %s: ", name);
		if (strstr(rep, want) == NULL)
			FAILF("no FAIL line for '%s' in:\n%s", name, rep);
		else
			PASS();
		free(want);
	} else if (n != 0) {
		FAILF("invariants violated:\n%s", rep);
	}
	free(rep);
	return n;
}

static void
test_invariants(enum cl_traffic_mode mode)
{
	struct sim *sim = sim_new();
	struct cl_timings t;
	tf_timings(&t, 20 * SIM_MIN);
	struct probe_sink sink = { sink_none, NULL };
	struct cluster *c = cl_new(sim, 7, &t, &sink);
	static const char *const zones[] = { "a", "b", "c" };
	struct cl_pool_params pool = {
		.name = "pool", .instance_type = "m5.xlarge", .cpu_milli = 2000,
		.memory = 8LL << 30, .max_pods = 110, .price_hour = 0.36, .zones = zones,
		.nzones = 3, .count = 3, .provision = sim_dist_const(60),
	};
	cl_add_pool(c, &pool);
	struct k8s_deployment d;
	struct k8s_container ctr;
	struct k8s_service svc;
	tf_deployment(&d, &ctr, "web", "web:1", 4, 900, 512LL << 20);
	memset(&svc, 0, sizeof svc);
	svc.name = "web";
	svc.namespace = "default";
	k8s_labels_set(&svc.selector, "app", "web");
	cl_add_deployment(c, &d);
	cl_add_service(c, &svc);
	double rate = 40;
	char *cause = NULL;
	struct cl_profile_params prof = {
		.service = "web", .service_time = sim_dist_exp(0.05), .concurrency = 4,
		.cpu_per_request = 0.05, .idle_cpu_milli = 10, .timeout = 2 * SIM_SEC,
		.offered = offered_const, .offered_ctx = &rate, .mode = mode,
		.rate = rate_const, .rate_max = rate_max_const,
	};
	CHECK(cl_add_profile(c, &prof, &cause) == 0);
	/* a node fails: its pods are lost, replaced elsewhere or left pending
	 * (2 cpu nodes hold 2 pods of 900m each) */
	struct cl_chaos_params ch = { .at = 300 * SIM_SEC, .kind = CL_FAIL_NODES, .count = 1,
		.duration = 3600 * SIM_SEC };
	CHECK(cl_add_chaos(c, &ch, &cause) == 0);
	cl_start(c);
	sim_run(sim, t.duration);
	cl_finish(c);

	CHECK_INT(check(c, t.duration, NULL), 0);

	/* a counter out of step with the pods */
	c->pods_pending++;
	CHECK_INT(check(c, t.duration, "pods conserved across phases"), 1);
	c->pods_pending--;
	/* a pod on no Deployment list */
	struct cl_deploy *dp = &c->deploys[0];
	uint32_t first = dp->first_pod;
	KS_ASSERT(first != NONE);
	dp->first_pod = c->pods[first].dep_next;
	CHECK(check(c, t.duration, "pods conserved across phases") >= 1);
	dp->first_pod = first;
	/* a Ready count out of step with the Deployment's pods */
	dp->nready++;
	CHECK(check(c, t.duration, "pods conserved across phases") >= 1);
	dp->nready--;
	/* the HPA's dense copy of a Deployment out of step with it: a pod
	 * change (pods_rev) or a scale (replicas) it missed */
	dp->pods_rev++;
	CHECK(check(c, t.duration, "pods conserved across phases") >= 1);
	dp->pods_rev--;
	dp->replicas++;
	CHECK(check(c, t.duration, "pods conserved across phases") >= 1);
	dp->replicas--;
	/* ... and back in step once brought up to date (deploy_rev_sync,
	 * which every write of the two calls) */
	dp->replicas++;
	deploy_rev_sync(c, 0);
	CHECK(cl_deploy_rev_ok(c, 0));
	CHECK_INT(check(c, t.duration, NULL), 0);
	dp->replicas--;
	deploy_rev_sync(c, 0);
	/* a bound pod asking for more than its node has */
	uint32_t bound = NONE;
	for (size_t i = 0; i < c->npods && bound == NONE; i++)
		if (c->pods[i].phase != POD_FREE && c->pods[i].node != NONE)
			bound = (uint32_t)i;
	KS_ASSERT(bound != NONE);
	int64_t keep = c->pods[bound].req_cpu_milli;
	/* the scrape's copy of a pod out of step with it */
	c->run[bound].started++;
	CHECK(check(c, t.duration, "pods conserved across phases") >= 1);
	c->run[bound].started--;
	c->pods[bound].req_cpu_milli = 1900;
	CHECK_INT(check(c, t.duration, "no node over-committed on requests"), 1);
	c->pods[bound].req_cpu_milli = keep;
	/* the clock past the end of the run */
	CHECK_INT(check(c, t.duration - SIM_SEC, "time monotonic"), 1);
	/* more outcomes than requests: negative in flight */
	c->profiles[0].total_ok += 3;
	CHECK_INT(check(c, t.duration, "requests = ok + errors + timeouts + in flight"), 1);
	c->profiles[0].total_ok -= 3;
	if (mode == CL_TRAFFIC_REQUEST) {
		/* request mode: in flight must be the requests in the system */
		c->profiles[0].total_offered += 2;
		CHECK_INT(check(c, t.duration, "requests = ok + errors + timeouts + in flight"),
		    1);
		c->profiles[0].total_offered -= 2;
	}
	/* the interval rows' memo of the template's cpu request: kept, out
	 * of step with the template, and following a new template */
	CHECK(dp->req_tmpl == deploy_template(c, 0));
	CHECK_INT(deploy_cpu_request(c, 0), 900);
	dp->req_cpu_milli = 901;
	CHECK_INT(check(c, t.duration, "cpu request memos match the templates"), 1);
	dp->req_cpu_milli = 900;
	struct k8s_pod_spec vpa = dp->spec;
	struct k8s_container vctr = dp->spec.containers[0];
	memset(&vctr.requests, 0, sizeof vctr.requests);
	k8s_res_set(&vctr.requests, "cpu", 450);
	vpa.containers = &vctr;
	dp->cur = &vpa;
	CHECK_INT(deploy_cpu_request(c, 0), 450);
	CHECK_INT(check(c, t.duration, NULL), 0);
	dp->cur = NULL;
	CHECK_INT(deploy_cpu_request(c, 0), 900);
	k8s_res_free(&vctr.requests);
	CHECK_INT(check(c, t.duration, NULL), 0);
	cl_free(c);
	sim_free(sim);
	k8s_res_free(&ctr.requests);
	k8s_labels_free(&d.template.labels);
	k8s_labels_free(&svc.selector);
}

int
main(void)
{
	test_invariants(CL_TRAFFIC_FLUID);
	test_invariants(CL_TRAFFIC_REQUEST);
	return tl_finish();
}
