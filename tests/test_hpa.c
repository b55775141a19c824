/*
 * test_hpa.c - hand-computed cases for models/hpa/hpa.h beyond the upstream
 * vectors: defaults, tolerance edges, requests with sidecars and memory,
 * stabilization windows and policy periods at their exact boundaries, and
 * multi-reconcile runs that keep state the way the simulation will;
 * entries with a count (identical pods given once) against the pods one by
 * one.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "models/api/k8s.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

#define T0	(100 * SIM_HOUR)

static void
test_defaults(void)
{
	struct hpa_config c;
	hpa_config_default(&c);
	CHECK_NEAR(c.tolerance, 0.1, 0);
	CHECK_INT(c.cpu_init_period, 300 * SIM_SEC);
	CHECK_INT(c.initial_readiness_delay, 30 * SIM_SEC);
	CHECK_INT(c.downscale_stabilization, 300 * SIM_SEC);
	CHECK_INT(c.sync_period, 15 * SIM_SEC);
	CHECK_NEAR(c.scale_up_limit_factor, 2.0, 0);
	CHECK_NEAR(c.scale_up_limit_minimum, 4.0, 0);

	struct hpa_spec h;
	memset(&h, 0, sizeof h);
	h.max_replicas = 10;
	h.has_behavior = true;
	h.has_scale_down = true;
	h.scale_down.has_stabilization = true;
	h.scale_down.stabilization_s = 60;
	hpa_spec_set_defaults(&h);
	CHECK_INT(h.min_replicas, 1);
	CHECK_INT(h.nmetrics, 1);
	CHECK(h.metrics[0].type == HPA_RESOURCE && h.metrics[0].target == HPA_UTILIZATION);
	CHECK_STR(h.metrics[0].resource, "cpu");
	CHECK_INT(h.metrics[0].average_utilization, 80);
	CHECK(h.has_scale_up && h.scale_up.has_stabilization);
	CHECK_INT(h.scale_up.stabilization_s, 0);
	CHECK_INT(h.scale_up.npolicies, 2);
	CHECK(h.scale_up.policies[0].type == HPA_POLICY_PODS);
	CHECK_INT(h.scale_up.policies[0].value, 4);
	CHECK_INT(h.scale_up.policies[0].period_s, 15);
	CHECK(h.scale_up.policies[1].type == HPA_POLICY_PERCENT);
	CHECK_INT(h.scale_up.policies[1].value, 100);
	CHECK_INT(h.scale_down.npolicies, 1);
	CHECK(h.scale_down.policies[0].type == HPA_POLICY_PERCENT);
	CHECK_INT(h.scale_down.policies[0].value, 100);
	CHECK_INT(h.scale_down.stabilization_s, 60);	/* kept */
	hpa_spec_free(&h);

	/* An explicit minReplicas 0 stays; no behavior stays legacy. */
	memset(&h, 0, sizeof h);
	h.has_min_replicas = true;
	hpa_spec_set_defaults(&h);
	CHECK_INT(h.min_replicas, 0);
	CHECK(!h.has_behavior && h.scale_up.npolicies == 0);
	hpa_spec_free(&h);
}

/* n identical running, ready, long-started pods with one container. */
/* *spec: an HPA on cpu at util % of the request, up to max replicas,
 * with the default behavior (behavior: the field set, its defaults). */
static void
cpu_spec(struct hpa_spec *spec, int32_t max, int32_t util, bool behavior)
{
	memset(spec, 0, sizeof *spec);
	spec->max_replicas = max;
	spec->has_behavior = behavior;
	spec->metrics = xcalloc(1, sizeof *spec->metrics);
	spec->nmetrics = 1;
	spec->metrics[0] = (struct hpa_metric_spec){ .type = HPA_RESOURCE,
	    .resource = xstrdup("cpu"), .target = HPA_UTILIZATION,
	    .average_utilization = util };
	hpa_spec_set_defaults(spec);
}

static void
make_pods(struct hpa_pod *pods, struct hpa_container *ct, char names[][16],
    size_t n, int64_t req_milli)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], 16, "p%zu", i);
		memset(&ct[i], 0, sizeof ct[i]);
		ct[i].name = "app";
		ct[i].requests.has_cpu = true;
		ct[i].requests.cpu_milli = req_milli;
		memset(&pods[i], 0, sizeof pods[i]);
		pods[i].name = names[i];
		pods[i].phase = HPA_POD_RUNNING;
		pods[i].ready = HPA_READY_TRUE;
		pods[i].has_start = true;
		pods[i].start = T0 - SIM_HOUR;
		pods[i].ready_since = T0 - SIM_HOUR;
		pods[i].containers = &ct[i];
		pods[i].ncontainers = 1;
	}
}

static void
make_samples(struct hpa_pod_sample *s, struct hpa_container_usage *u,
    const struct hpa_pod *pods, size_t n, int64_t usage_milli, sim_ns now)
{
	for (size_t i = 0; i < n; i++) {
		memset(&u[i], 0, sizeof u[i]);
		u[i].name = "app";
		u[i].usage.has_cpu = true;
		u[i].usage.cpu_milli = usage_milli;
		s[i] = (struct hpa_pod_sample){ .pod = pods[i].name,
		    .timestamp = now - 10 * SIM_SEC, .window = 30 * SIM_SEC,
		    .containers = &u[i], .ncontainers = 1 };
	}
}

static int32_t
resource_replicas(size_t n, int64_t usage, int32_t target, struct hpa_tolerances tol)
{
	struct hpa_config cfg;
	struct hpa_pod pods[8];
	struct hpa_container ct[8];
	char names[8][16];
	struct hpa_pod_sample s[8];
	struct hpa_container_usage u[8];
	struct hpa_calc_out o;
	char *err = NULL;
	hpa_config_default(&cfg);
	make_pods(pods, ct, names, n, 1000);
	make_samples(s, u, pods, n, usage, T0);
	struct hpa_calc c = { &cfg, T0, "default", pods, n, NULL };
	if (hpa_resource_replicas(&c, (int32_t)n, target, "cpu", NULL, tol, s, n,
	    &o, &err) != 0) {
		FAILF("unexpected error %s", err);
		free(err);
		return -1;
	}
	return o.replicas;
}

/* ContainerResource: a pod whose PodMetrics lack the container is missing
 * (kubernetes/kubernetes PR #127193), not an error of the whole metric; a
 * Failed pod is ignored by groupPods. Hand computation, requests 1000m,
 * target 40%: p0, p1 use 1000m -> utilization 100, ratio 2.5; p2 missing
 * (scale-up: counted at 0) -> 2000 * 100 / 3000 = 66, ratio 1.65;
 * ceil(1.65 * 3) = 5. */
static void
test_container_missing(void)
{
	struct hpa_config cfg;
	struct hpa_pod pods[4];
	struct hpa_container ct[4];
	char names[4][16];
	struct hpa_pod_sample s[4];
	struct hpa_container_usage u[4];
	struct hpa_calc_out o;
	char *err = NULL;
	hpa_config_default(&cfg);
	make_pods(pods, ct, names, 4, 1000);
	make_samples(s, u, pods, 4, 1000, T0);
	u[2].name = "sidecar";		/* p2's metrics lack "app" */
	u[3].name = "sidecar";
	pods[3].phase = HPA_POD_FAILED;	/* ignored */
	struct hpa_calc c = { &cfg, T0, "default", pods, 4, NULL };
	struct hpa_tolerances tol = { 0.1, 0.1 };
	CHECK_INT(hpa_resource_replicas(&c, 4, 40, "cpu", "app", tol, s, 4, &o, &err), 0);
	if (err != NULL)
		FAILF("unexpected error %s", err);
	free(err);
	CHECK_INT(o.replicas, 5);
	CHECK_INT(o.utilization, 100);
	/* Every pod lacks the container: no metric at all, upstream's error. */
	u[0].name = u[1].name = "sidecar";
	err = NULL;
	CHECK_INT(hpa_resource_replicas(&c, 4, 40, "cpu", "app", tol, s, 4, &o, &err), -1);
	CHECK(err != NULL);
	free(err);
}

/* calculateRequests with PodLevelResources: the pod-level request of the
 * pod's own spec replaces its containers' (2 x 300m) for cpu; memory, not set
 * at pod level, is the containers' sum; a named container ignores it. */
static void
test_pod_level_from_spec(void)
{
	struct k8s_container ct[2];
	memset(ct, 0, sizeof ct);
	ct[0].name = "a";
	ct[1].name = "b";
	for (int i = 0; i < 2; i++) {
		k8s_res_set(&ct[i].requests, "cpu", 300);
		k8s_res_set(&ct[i].requests, "memory", 1000);
	}
	struct k8s_pod_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.containers = ct;
	spec.ncontainers = 2;
	k8s_res_set(&spec.pod_requests, "cpu", 1500);
	struct hpa_pod pod;
	memset(&pod, 0, sizeof pod);
	pod.name = "p";
	pod.spec = &spec;
	int64_t v = 0;
	char *err = NULL;
	CHECK_INT(hpa_pod_request(&pod, NULL, "cpu", true, &v, &err), 0);
	CHECK_INT(v, 1500);
	CHECK_INT(hpa_pod_request(&pod, NULL, "memory", true, &v, &err), 0);
	CHECK_INT(v, 2000 * 1000);	/* milli-units */
	CHECK_INT(hpa_pod_request(&pod, "a", "cpu", true, &v, &err), 0);
	CHECK_INT(v, 300);
	CHECK_INT(hpa_pod_request(&pod, NULL, "cpu", false, &v, &err), 0);
	CHECK_INT(v, 600);	/* gate off: the containers */
	free(err);
	for (int i = 0; i < 2; i++)
		k8s_res_free(&ct[i].requests);
	k8s_res_free(&spec.pod_requests);
}

/*
 * A request memo (hpa_calc.requests, as an HPA keeps one per metric): a
 * calculation of pods whose request inputs are the memo's takes its
 * request without working it out (a hit) and gives what working it out
 * gives; one whose pods have another template, or that asks for another
 * resource, works it out and keeps the new one; with verify each hit is
 * worked out again (and would stop the run if it differed). The memo's
 * value is taken as it is: one written by hand is what the calculation
 * sees.
 */
static void
test_request_memo(void)
{
	struct hpa_config cfg;
	struct hpa_pod pods[4];
	struct hpa_container ct[4];
	char names[4][16];
	struct hpa_pod_sample s[4];
	struct hpa_container_usage u[4];
	struct hpa_calc_out o, plain;
	struct hpa_tolerances tol = { 0.1, 0.1 };
	char *err = NULL;
	static const char cpu[] = "cpu", cpu2[] = "cpu";
	hpa_config_default(&cfg);
	make_pods(pods, ct, names, 4, 1000);
	for (size_t i = 0; i < 4; i++)
		pods[i].containers = &ct[0];	/* one template */
	make_samples(s, u, pods, 4, 700, T0);
	struct hpa_calc c = { &cfg, T0, "default", pods, 4, NULL };
	CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu, NULL, tol, s, 4, &plain, &err), 0);
	CHECK_INT(plain.utilization, 70);
	struct hpa_request_memo m;
	memset(&m, 0, sizeof m);
	c.requests = &m;
	for (int k = 0; k < 3; k++) {
		CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu, NULL, tol, s, 4, &o, &err), 0);
		CHECK_INT(o.replicas, plain.replicas);
		CHECK_INT(o.utilization, plain.utilization);
		CHECK(m.set && m.value == 1000 && m.resource == cpu);
		CHECK_INT(m.hits, (uint64_t)k);
	}
	/* verify: the hit is worked out again, the same */
	m.verify = true;
	CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu, NULL, tol, s, 4, &o, &err), 0);
	CHECK_INT(o.utilization, 70);
	CHECK_INT(m.hits, 3);
	m.verify = false;
	/* another resource name (the same text, another metric spec's): a miss */
	CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu2, NULL, tol, s, 4, &o, &err), 0);
	CHECK_INT(o.utilization, 70);
	CHECK(m.resource == cpu2);
	CHECK_INT(m.hits, 3);
	/* another template, 500m: a miss, and its request kept */
	ct[1].requests.cpu_milli = 500;
	for (size_t i = 0; i < 4; i++)
		pods[i].containers = &ct[1];
	CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu2, NULL, tol, s, 4, &o, &err), 0);
	CHECK_INT(o.utilization, 140);
	CHECK(m.containers == &ct[1] && m.value == 500);
	CHECK_INT(m.hits, 3);
	/* the memo's value is what a hit gives */
	m.value = 1000;
	CHECK_INT(hpa_resource_replicas(&c, 4, 50, cpu2, NULL, tol, s, 4, &o, &err), 0);
	CHECK_INT(o.utilization, 70);
	CHECK_INT(m.hits, 4);
	if (err != NULL)
		FAILF("unexpected error %s", err);
	free(err);
}

static void
test_tolerance(void)
{
	struct hpa_tolerances t = { 0.1, 0.1 };
	CHECK(hpa_within_tolerance(t, 0.9));
	CHECK(hpa_within_tolerance(t, 1.1));
	CHECK(!hpa_within_tolerance(t, 0.89));
	CHECK(!hpa_within_tolerance(t, 1.11));
	/* 55% of request against 50%: ratio exactly 1.1, no change. */
	CHECK_INT(resource_replicas(3, 550, 50, t), 3);
	/* 56%: ratio 1.12, ceil(3.36) = 4. */
	CHECK_INT(resource_replicas(3, 560, 50, t), 4);
	/* 45%: ratio exactly 0.9, no change; 44% of 5: ceil(0.88 * 5) = 5 still. */
	CHECK_INT(resource_replicas(3, 450, 50, t), 3);
	CHECK_INT(resource_replicas(5, 440, 50, t), 5);
	CHECK_INT(resource_replicas(5, 400, 50, t), 4);
	/* A 1% scale-up tolerance reacts to 51%: ceil(1.02 * 5) = 6. */
	struct hpa_tolerances tight = { 0.1, 0.01 };
	CHECK_INT(resource_replicas(5, 510, 50, t), 5);
	CHECK_INT(resource_replicas(5, 510, 50, tight), 6);
}

static void
test_requests(void)
{
	/* A pod spec with a sidecar and a regular init container, in memory. */
	struct k8s_container cs[1], init[2];
	memset(cs, 0, sizeof cs);
	memset(init, 0, sizeof init);
	cs[0].name = "app";
	k8s_res_set(&cs[0].requests, "cpu", 300);
	k8s_res_set(&cs[0].requests, "memory", 1 << 20);
	init[0].name = "setup";
	k8s_res_set(&init[0].requests, "cpu", 2000);
	init[1].name = "proxy";
	init[1].restartable = true;
	k8s_res_set(&init[1].requests, "cpu", 100);
	k8s_res_set(&init[1].requests, "memory", 1 << 19);
	struct k8s_pod_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.containers = cs;
	spec.ncontainers = 1;
	spec.init_containers = init;
	spec.ninit = 2;
	struct hpa_pod p;
	memset(&p, 0, sizeof p);
	p.name = "web-1";
	p.spec = &spec;
	int64_t v = 0;
	char *err = NULL;
	/* Containers plus sidecars; the regular init container is ignored. */
	CHECK(hpa_pod_request(&p, NULL, "cpu", true, &v, &err) == 0);
	CHECK_INT(v, 400);
	CHECK(hpa_pod_request(&p, "", "memory", true, &v, &err) == 0);
	CHECK_INT(v, (int64_t)(1 << 20 | 1 << 19) * 1000);	/* milli-bytes */
	CHECK(hpa_pod_request(&p, "proxy", "cpu", true, &v, &err) == 0);
	CHECK_INT(v, 100);
	/* The regular init container lacks memory but is not counted. */
	CHECK(hpa_pod_request(&p, "setup", "cpu", true, &v, &err) != 0);
	CHECK_STR(err, "container setup not found in Pod web-1");
	free(err);
	err = NULL;
	/* Pod-level requests replace the sum unless a container is named. */
	struct k8s_resources pl;
	memset(&pl, 0, sizeof pl);
	k8s_res_set(&pl, "cpu", 1500);
	p.pod_requests = &pl;
	CHECK(hpa_pod_request(&p, NULL, "cpu", true, &v, &err) == 0);
	CHECK_INT(v, 1500);
	CHECK(hpa_pod_request(&p, NULL, "cpu", false, &v, &err) == 0);
	CHECK_INT(v, 400);
	CHECK(hpa_pod_request(&p, "app", "cpu", true, &v, &err) == 0);
	CHECK_INT(v, 300);
	k8s_res_free(&cs[0].requests);
	k8s_res_free(&init[0].requests);
	k8s_res_free(&init[1].requests);
}

static void
test_external_and_object(void)
{
	struct hpa_tolerances t = { 0.1, 0.1 };
	struct hpa_calc_out o;
	int64_t big[] = { INT64_MAX - 5, 10, 3 };
	CHECK(hpa_external_per_pod_replicas(4, 1000, big, 3, t, &o) == 0);
	CHECK_INT(o.replicas, INT32_MAX);
	CHECK_INT(o.usage, INT64_MAX);
	/* 9000 over 3 replicas at 2000 each: ratio 1.5 -> ceil(9000/2000) = 5. */
	int64_t s[] = { 4000, 5000 };
	CHECK(hpa_external_per_pod_replicas(3, 2000, s, 2, t, &o) == 0);
	CHECK_INT(o.replicas, 5);
	CHECK_INT(o.usage, 3000);
	CHECK(hpa_object_per_pod_replicas(3, 3100, 9000, t, &o) == 0);
	CHECK_INT(o.replicas, 3);	/* ratio 0.968, within tolerance */
	CHECK_INT(o.usage, 3000);
}

static void
test_windows(void)
{
	struct hpa_state s;
	const char *reason, *msg;
	/* A recommendation exactly one window old counts for neither side. */
	hpa_state_init(&s);
	hpa_state_add_rec(&s, 8, T0 - 300 * SIM_SEC);
	CHECK_INT(hpa_stabilize_with_behaviors(&s, T0, 10, 5, 0, 300, &reason,
	    &msg), 5);
	CHECK_INT(s.nrecs, 2);	/* not old either: appended */
	hpa_state_fini(&s);
	hpa_state_init(&s);
	hpa_state_add_rec(&s, 8, T0 - 299 * SIM_SEC);
	CHECK_INT(hpa_stabilize_with_behaviors(&s, T0, 10, 5, 0, 300, &reason,
	    &msg), 8);
	CHECK_STR(reason, "ScaleDownStabilized");
	hpa_state_fini(&s);
	/* Scale-up window: the lowest recent recommendation caps the rise. */
	hpa_state_init(&s);
	hpa_state_add_rec(&s, 4, T0 - 30 * SIM_SEC);
	CHECK_INT(hpa_stabilize_with_behaviors(&s, T0, 3, 9, 60, 300, &reason,
	    &msg), 4);
	CHECK_STR(reason, "ScaleUpStabilized");
	hpa_state_fini(&s);

	/* Default scale-up rules from 6 after a +4 event 10 s ago: the period
	 * starts at 2, so max(2 + 4, ceil(2 * 2)) = 6 = current. */
	struct hpa_policy buf[2], dbuf[2];
	struct hpa_rules up, down;
	hpa_rules_effective(NULL, true, buf, &up);
	hpa_rules_effective(NULL, false, dbuf, &down);
	hpa_state_init(&s);
	hpa_state_add_event(&s, true, 4, T0 - 10 * SIM_SEC, false);
	CHECK_INT(hpa_scale_up_limit(6, &s, &up, T0), 6);
	CHECK_INT(hpa_convert_with_behavior_rate(&s, T0, &up, &down, 6, 20, 1, 100,
	    &reason, &msg), 6);
	CHECK_STR(reason, "ScaleUpLimit");
	/* At exactly 15 s the event has left the period: max(10, 12) = 12. */
	CHECK_INT(hpa_scale_up_limit(6, &s, &up, T0 + 5 * SIM_SEC), 12);
	hpa_state_fini(&s);

	/* Legacy limit with the production factor: max(2 * 3, 4) = 6. */
	CHECK_INT(hpa_convert_with_rules(3, 50, 1, 10, 2.0, 4.0, &reason, &msg), 6);
	CHECK_STR(reason, "ScaleUpLimit");
	CHECK_INT(hpa_convert_with_rules(1, 50, 1, 10, 2.0, 4.0, &reason, &msg), 4);
}

/* One reconcile of an n-pod deployment at usage (millicores of 1000). */
static struct hpa_result
reconcile(const struct hpa_config *cfg, const struct hpa_spec *spec,
    struct hpa_state *st, size_t n, int64_t usage, sim_ns now)
{
	struct hpa_pod pods[16];
	struct hpa_container ct[16];
	char names[16][16];
	struct hpa_pod_sample s[16];
	struct hpa_container_usage u[16];
	make_pods(pods, ct, names, n, 1000);
	make_samples(s, u, pods, n, usage, now);
	struct hpa_input in = { .spec = spec, .spec_replicas = (int32_t)n,
	    .status_replicas = (int32_t)n, .pods = pods, .npods = n, .samples = s,
	    .nsamples = n, .now = now };
	struct hpa_result r;
	CHECK_INT(hpa_reconcile(cfg, &in, st, &r), 0);
	return r;
}

/*
 * Pods all ready with a sample, of one request: the metric's values
 * worked out from their totals (hpa_ready_metric_values, for hz_derive)
 * are those hpa_metric_results computes, at usages in and out of the
 * tolerance, in counts and each pod apart; and a reconcile whose result
 * is brief (hpa_input.brief) has the same conditions but their messages,
 * and leaves the same state.
 */
static void
test_ready_form(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	struct hpa_spec spec;
	cpu_spec(&spec, 20, 60, false);
	CHECK(hpa_ready_metric_ok(&spec));
	struct hpa_pod pods[8];
	struct hpa_container ct[8];
	char names[8][16];
	struct hpa_pod_sample sm[8];
	struct hpa_container_usage u[8];
	int64_t usages[] = { 0, 1, 299, 571, 600, 613, 650, 700, 1000, 2333 };
	for (size_t n = 1; n <= 8; n++)
		for (size_t k = 0; k < sizeof usages / sizeof *usages; k++) {
			make_pods(pods, ct, names, n, 500);
			make_samples(sm, u, pods, n, usages[k] / 2, T0);
			struct hpa_input in = { .spec = &spec, .spec_replicas = (int32_t)n + 1,
			    .status_replicas = (int32_t)n, .pods = pods, .npods = n,
			    .samples = sm, .nsamples = n, .now = T0 };
			struct hpa_metric_result a, b;
			CHECK_INT(hpa_metric_results(&cfg, &in, &a), 0);
			memset(&b, 0, sizeof b);
			struct hpa_ready_form form;
			hpa_ready_form_of(&cfg, &spec, &form);
			hpa_ready_metric_values(&form, (int32_t)n + 1, (int64_t)n,
			    usages[k] / 2 * (int64_t)n, 500 * (int64_t)n, &b);
			CHECK(b.valid && a.proposal == b.proposal &&
			    a.has_utilization == b.has_utilization &&
			    a.utilization == b.utilization && a.has_average == b.has_average &&
			    a.average_milli == b.average_milli && a.has_value == b.has_value);
			hpa_metric_results_fini(&a, 1);
		}
	/* brief: the same reconciles, two states */
	struct hpa_state s1, s2;
	hpa_state_init(&s1);
	hpa_state_init(&s2);
	for (int k = 0; k < 6; k++) {
		size_t n = 4;
		make_pods(pods, ct, names, n, 500);
		make_samples(sm, u, pods, n, k % 3 == 0 ? 450 : 280, T0 + k * 15 * SIM_SEC);
		struct hpa_input in = { .spec = &spec, .spec_replicas = (int32_t)n,
		    .status_replicas = (int32_t)n, .pods = pods, .npods = n, .samples = sm,
		    .nsamples = n, .now = T0 + k * 15 * SIM_SEC };
		struct hpa_result r1, r2;
		hpa_reconcile(&cfg, &in, &s1, &r1);
		in.brief = true;
		hpa_reconcile(&cfg, &in, &s2, &r2);
		for (int t = 0; t < HPA_NCOND; t++) {
			CHECK(r1.cond[t].set == r2.cond[t].set);
			CHECK(r1.cond[t].status == r2.cond[t].status);
			CHECK(r1.cond[t].last_transition == r2.cond[t].last_transition);
			CHECK_STR(r1.cond[t].reason, r2.cond[t].reason);
			CHECK_STR(r2.cond[t].message, "");
			CHECK_STR(s1.cond[t].message, s2.cond[t].message);
			CHECK(!r1.cond[t].set || r1.cond[t].message[0] != '\0');
		}
		CHECK_INT(r1.desired_replicas, r2.desired_replicas);
		hpa_result_fini(&r1);
		hpa_result_fini(&r2);
	}
	hpa_state_fini(&s1);
	hpa_state_fini(&s2);
	hpa_spec_free(&spec);
}

static void
test_controller_legacy(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	struct hpa_spec spec;
	cpu_spec(&spec, 10, 50, false);
	struct hpa_state st;
	hpa_state_init(&st);

	/* 2 pods at 100%: ratio 2 -> 4, at the legacy limit max(4, 4). */
	struct hpa_result r = reconcile(&cfg, &spec, &st, 2, 1000, T0);
	CHECK_INT(r.desired_replicas, 4);
	CHECK(r.rescale);
	CHECK_STR(r.cond[HPA_COND_ABLE_TO_SCALE].reason, "SucceededRescale");
	CHECK_STR(r.cond[HPA_COND_SCALING_LIMITED].reason, "DesiredWithinRange");
	CHECK_INT(r.metrics[0].utilization, 100);
	CHECK_INT(st.nup, 0);	/* no behavior: no events kept */
	char *js = hpa_result_json(&r);
	CHECK(strstr(js, "\"desired_replicas\":4,\"rescale\":true") != NULL);
	CHECK(strstr(js, "{\"type\":\"AbleToScale\",\"status\":\"True\","
	    "\"reason\":\"SucceededRescale\",\"message\":\"the HPA controller "
	    "was able to update the target scale to 4\"}") != NULL);
	CHECK(strstr(js, "\"utilization\":100") != NULL);
	free(js);
	hpa_result_fini(&r);

	/* 4 pods at 25%: wants 2, but 4 was recommended within 5 minutes. */
	r = reconcile(&cfg, &spec, &st, 4, 250, T0 + 15 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 4);
	CHECK(!r.rescale);
	CHECK_INT(r.metrics[0].proposal, 2);
	CHECK_STR(r.cond[HPA_COND_ABLE_TO_SCALE].reason, "ScaleDownStabilized");
	hpa_result_fini(&r);

	/* At exactly T0 + 300 s the T0 entries are not yet old. */
	r = reconcile(&cfg, &spec, &st, 4, 250, T0 + 300 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 4);
	hpa_result_fini(&r);
	/* After 315 s only the (2) recommendations of the last 5 minutes remain. */
	r = reconcile(&cfg, &spec, &st, 4, 250, T0 + 316 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 2);
	CHECK(r.rescale);
	CHECK_STR(r.rescale_reason, "All metrics below target");
	hpa_result_fini(&r);

	/* Below minReplicas: no metric is read. */
	spec.min_replicas = 3;
	r = reconcile(&cfg, &spec, &st, 2, 0, T0 + 330 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 3);
	CHECK_INT(r.metric_replicas, -1);
	CHECK_STR(r.rescale_reason, "Current number of replicas below Spec.MinReplicas");
	hpa_result_fini(&r);
	hpa_state_fini(&st);
	hpa_spec_free(&spec);
}

static void
test_controller_behavior(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	struct hpa_spec spec;
	cpu_spec(&spec, 100, 10, true);
	struct hpa_state st;
	hpa_state_init(&st);

	/* 1 pod at 100% vs 10%: wants 10, default policies allow max(5, 2). */
	struct hpa_result r = reconcile(&cfg, &spec, &st, 1, 1000, T0);
	CHECK_INT(r.metric_replicas, 10);
	CHECK_INT(r.desired_replicas, 5);
	CHECK_STR(r.cond[HPA_COND_SCALING_LIMITED].reason, "ScaleUpLimit");
	CHECK(r.cond[HPA_COND_SCALING_LIMITED].status);
	CHECK_INT(st.nup, 1);
	CHECK_INT(st.up[0].change, 4);
	hpa_result_fini(&r);

	/* 10 s later the +4 is inside the 15 s period: the limit is current. */
	r = reconcile(&cfg, &spec, &st, 5, 1000, T0 + 10 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 5);
	CHECK(!r.rescale);
	hpa_result_fini(&r);

	/* One sync period later it is outside: max(5 + 4, ceil(5 * 2)) = 10. */
	r = reconcile(&cfg, &spec, &st, 5, 1000, T0 + 15 * SIM_SEC);
	CHECK_INT(r.desired_replicas, 10);
	CHECK_INT(st.nup, 2);
	hpa_result_fini(&r);

	/* A failing metric API blocks the scale-down the cpu metric wants. */
	struct hpa_metric_spec *m = xreallocarray(spec.metrics, 2, sizeof *m);
	spec.metrics = m;
	spec.nmetrics = 2;
	m[1] = (struct hpa_metric_spec){ .type = HPA_EXTERNAL,
	    .metric_name = xstrdup("queue"), .target = HPA_VALUE, .value_milli = 1000 };
	struct hpa_metric_input mi[2];
	memset(mi, 0, sizeof mi);
	mi[1].fetch_error = "timeout";
	struct hpa_pod pods[10];
	struct hpa_container ct[10];
	char names[10][16];
	struct hpa_pod_sample s[10];
	struct hpa_container_usage u[10];
	make_pods(pods, ct, names, 10, 1000);
	make_samples(s, u, pods, 10, 10, T0 + 30 * SIM_SEC);
	struct hpa_input in = { .spec = &spec, .spec_replicas = 10,
	    .status_replicas = 10, .pods = pods, .npods = 10, .samples = s,
	    .nsamples = 10, .metric_inputs = mi, .now = T0 + 30 * SIM_SEC };
	CHECK_INT(hpa_reconcile(&cfg, &in, &st, &r), -1);
	CHECK_INT(r.desired_replicas, 10);
	CHECK(!r.cond[HPA_COND_SCALING_ACTIVE].status);
	CHECK_STR(r.cond[HPA_COND_SCALING_ACTIVE].reason, "FailedGetExternalMetric");
	CHECK(r.metrics[0].valid && r.metrics[0].proposal == 1);
	CHECK(r.error != NULL && strstr(r.error, "invalid metrics (1 invalid out of 2)"));
	hpa_result_fini(&r);
	hpa_state_fini(&st);
	hpa_spec_free(&spec);
}

/*
 * The calculator's name lookups (hpa_calc.c: a scan for a few names, a hash
 * map past eight) for 1 to 20 pods whose samples name them through copies
 * of their names, with a later sample of p0 replacing its first and a
 * sample of no pod left out: utilization, average and replicas as computed
 * here by hand from the same integers.
 */
static void
test_name_lookups(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	struct hpa_tolerances tol = { 0.1, 0.1 };
	for (size_t n = 1; n <= 20; n++) {
		struct hpa_pod pods[20];
		struct hpa_container ct[20];
		char names[20][16], copies[22][16];
		struct hpa_pod_sample s[22];
		struct hpa_container_usage u[22];
		make_pods(pods, ct, names, n, 1000);
		int64_t use[22], total = 0;
		size_t ns = 0;
		for (size_t i = 0; i < n + 2; i++) {
			size_t pod = i < n ? i : 0;
			if (i == n + 1)
				snprintf(copies[i], 16, "ghost");
			else
				snprintf(copies[i], 16, "%s", names[pod]);
			use[i] = (int64_t)(100 + 37 * i % 900);
			memset(&u[i], 0, sizeof u[i]);
			u[i].name = "app";
			u[i].usage.has_cpu = true;
			u[i].usage.cpu_milli = use[i];
			s[ns++] = (struct hpa_pod_sample){ .pod = copies[i],
			    .timestamp = T0 - 10 * SIM_SEC, .window = 30 * SIM_SEC,
			    .containers = &u[i], .ncontainers = 1 };
		}
		for (size_t i = 1; i < n; i++)
			total += use[i];
		total += use[n];	/* p0's later sample */
		int32_t target = 50, util = (int32_t)(total * 100 / ((int64_t)n * 1000));
		double ratio = (double)util / (double)target;
		int32_t want = hpa_within_tolerance(tol, ratio) ? (int32_t)n :
		    (int32_t)ceil(ratio * (double)n);
		struct hpa_calc c = { &cfg, T0, "default", pods, n, NULL };
		struct hpa_calc_out o;
		char *err = NULL;
		int rc = hpa_resource_replicas(&c, (int32_t)n, target, "cpu", NULL, tol, s, ns,
		    &o, &err);
		CHECK_INT(rc, 0);
		CHECK_INT(o.utilization, util);
		CHECK_INT(o.usage, total / (int64_t)n);
		CHECK_INT(o.replicas, want);
		free(err);
	}
}

/*
 * Counts (issue 13): classes of identical pods given once with a count
 * give the calculator's every count and integer sum, so the same replicas,
 * utilization and average as the pods one by one, for resource and Pods
 * metrics, with missing, unready (initializing), pending and deleting pods
 * and usages on both sides of the target. Pseudo-random cases, fixed seed.
 */
#define NCLS	5
static void
test_counts(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	uint64_t rng = 12345;
	for (int round = 0; round < 400; round++) {
		uint32_t count[NCLS];
		struct hpa_pod cls[NCLS];
		struct hpa_container ct;
		memset(&ct, 0, sizeof ct);
		ct.name = "app";
		ct.requests.has_cpu = true;
		ct.requests.cpu_milli = 500;
		int64_t use[NCLS];
		bool has[NCLS];
		char names[64][16];
		struct hpa_pod one[64], grp[NCLS];
		struct hpa_container_usage u1[64], ug[NCLS];
		struct hpa_pod_sample s1[64], sg[NCLS];
		struct hpa_pod_metric m1[64], mg[NCLS];
		size_t n1 = 0, ng = 0, ns1 = 0, nsg = 0;
		for (int k = 0; k < NCLS; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned r = (unsigned)(rng >> 33);
			count[k] = 1 + r % 9;
			memset(&cls[k], 0, sizeof cls[k]);
			cls[k].phase = r / 9 % 7 == 0 ? HPA_POD_PENDING : HPA_POD_RUNNING;
			cls[k].deleting = r / 63 % 9 == 0;
			cls[k].has_start = true;
			cls[k].ready = r / 567 % 5 == 0 ? HPA_READY_FALSE : HPA_READY_TRUE;
			cls[k].start = r / 2835 % 3 == 0 ? T0 - 60 * SIM_SEC : T0 - SIM_HOUR;
			cls[k].ready_since = cls[k].start + 20 * SIM_SEC;
			cls[k].containers = &ct;
			cls[k].ncontainers = 1;
			has[k] = r / 8505 % 4 != 0;
			use[k] = (int64_t)(r / 34020 % 900);
			for (uint32_t i = 0; i < count[k]; i++, n1++) {
				snprintf(names[n1], 16, "c%d-%u", k, i);
				one[n1] = cls[k];
				one[n1].name = names[n1];
				if (!has[k])
					continue;
				memset(&u1[ns1], 0, sizeof u1[ns1]);
				u1[ns1].name = "app";
				u1[ns1].usage.has_cpu = true;
				u1[ns1].usage.cpu_milli = use[k];
				s1[ns1] = (struct hpa_pod_sample){ .pod = names[n1], .timestamp = T0,
				    .window = 30 * SIM_SEC, .containers = &u1[ns1], .ncontainers = 1 };
				m1[ns1] = (struct hpa_pod_metric){ .pod = names[n1], .value = use[k],
				    .timestamp = T0, .window = 30 * SIM_SEC };
				ns1++;
			}
			grp[ng] = cls[k];
			grp[ng].name = names[n1 - count[k]];
			grp[ng].count = count[k];
			if (has[k]) {
				ug[nsg] = u1[ns1 - 1];
				sg[nsg] = s1[ns1 - count[k]];
				sg[nsg].containers = &ug[nsg];
				sg[nsg].count = count[k];
				mg[nsg] = m1[ns1 - count[k]];
				mg[nsg].count = count[k];
				nsg++;
			}
			ng++;
		}
		struct hpa_calc c1 = { &cfg, T0, "default", one, n1, NULL };
		struct hpa_calc cg = { &cfg, T0, "default", grp, ng, NULL };
		struct hpa_tolerances tol = { 0.1, 0.1 };
		int32_t target = 30 + round % 70, current = (int32_t)n1;
		struct hpa_calc_out o1, og;
		char *e1 = NULL, *eg = NULL;
		int r1 = hpa_resource_replicas(&c1, current, target, "cpu", NULL, tol, s1, ns1,
		    &o1, &e1);
		int rg = hpa_resource_replicas(&cg, current, target, "cpu", NULL, tol, sg, nsg,
		    &og, &eg);
		CHECK_INT(rg, r1);
		if (r1 == 0 && rg == 0) {
			CHECK_INT(og.replicas, o1.replicas);
			CHECK_INT(og.utilization, o1.utilization);
			CHECK_INT(og.usage, o1.usage);
		}
		free(e1);
		free(eg);
		e1 = eg = NULL;
		r1 = hpa_pods_metric_replicas(&c1, current, 4 * target, "rps", tol, m1, ns1,
		    &o1, &e1);
		rg = hpa_pods_metric_replicas(&cg, current, 4 * target, "rps", tol, mg, nsg,
		    &og, &eg);
		CHECK_INT(rg, r1);
		if (r1 == 0 && rg == 0) {
			CHECK_INT(og.replicas, o1.replicas);
			CHECK_INT(og.usage, o1.usage);
		}
		free(e1);
		free(eg);
	}
}

/* The next of a seeded pseudo-random sequence, in [0, n). */
static unsigned
rnd(uint64_t *rng, unsigned n)
{
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(*rng >> 33) % n;
}

/* Reconciles a and b gave the same result and left the same status. */
static void
check_same_reconcile(const struct hpa_result *a, const struct hpa_result *b,
    const struct hpa_state *sa, const struct hpa_state *sb)
{
	CHECK_INT(b->current_replicas, a->current_replicas);
	CHECK_INT(b->desired_replicas, a->desired_replicas);
	CHECK_INT(b->stabilized, a->stabilized);
	CHECK_INT(b->rescale, a->rescale);
	CHECK_INT(b->metric_replicas, a->metric_replicas);
	CHECK_INT(b->repeatable, a->repeatable);
	CHECK_INT(b->repeatable_until, a->repeatable_until);
	CHECK_INT(b->recommendation, a->recommendation);
	CHECK((a->error == NULL) == (b->error == NULL));
	for (int t = 0; t < HPA_NCOND; t++) {
		const struct hpa_condition *x = &a->cond[t], *y = &b->cond[t];
		CHECK(x->set == y->set && x->status == y->status &&
		    x->last_transition == y->last_transition);
		CHECK_STR(y->reason, x->reason);
		CHECK_STR(y->message, x->message);
		CHECK(memcmp(&sa->cond[t], x, sizeof *x) == 0);
		CHECK(memcmp(&sb->cond[t], y, sizeof *y) == 0);
	}
	CHECK_INT(sb->desired_replicas, sa->desired_replicas);
	CHECK(sb->has_last_scale == sa->has_last_scale && sb->last_scale == sa->last_scale);
	CHECK(sb->nup == sa->nup && sb->ndown == sa->ndown);
	for (size_t i = 0; i < sa->nup && i < sb->nup; i++)
		CHECK(sb->up[i].change == sa->up[i].change && sb->up[i].at == sa->up[i].at &&
		    sb->up[i].outdated == sa->up[i].outdated);
	for (size_t i = 0; i < sa->ndown && i < sb->ndown; i++)
		CHECK(sb->down[i].change == sa->down[i].change &&
		    sb->down[i].at == sa->down[i].at &&
		    sb->down[i].outdated == sa->down[i].outdated);
}

/*
 * A reconcile whose result is repeatable, given the same replicas and
 * metric results later, is skipped with hpa_state_repeat: against
 * reconciling every time, the same results, conditions (transition times
 * included) and scale events at every sync, for legacy HPAs and behaviors
 * with stabilization windows and policy periods of 0 to 300 s (sync times
 * on and off their boundaries), proposals that hold, wander and jump, the
 * scale changed from outside at times, and invalid metrics. Pseudo-random
 * runs, fixed seed; the skip must be taken often.
 */
static void
test_repeat_matches(void)
{
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	static const int32_t windows[] = { 0, 15, 45, 60, 300 };
	uint64_t rng = 77;
	size_t skipped = 0, syncs = 0;
	for (int run = 0; run < 300; run++) {
		struct hpa_spec spec;
		memset(&spec, 0, sizeof spec);
		spec.min_replicas = 1 + (int32_t)rnd(&rng, 3);
		spec.max_replicas = spec.min_replicas + 2 + (int32_t)rnd(&rng, 15);
		size_t nm = 1 + rnd(&rng, 2);
		spec.metrics = xcalloc(nm, sizeof *spec.metrics);
		spec.nmetrics = nm;
		for (size_t i = 0; i < nm; i++)
			spec.metrics[i] = (struct hpa_metric_spec){ .type = HPA_RESOURCE,
			    .resource = xstrdup(i ? "memory" : "cpu"), .target = HPA_UTILIZATION,
			    .average_utilization = 50 };
		spec.has_behavior = run % 2 == 1;
		if (spec.has_behavior) {
			spec.has_scale_up = rnd(&rng, 2);
			spec.has_scale_down = rnd(&rng, 2);
			struct hpa_rules *r[2] = { &spec.scale_up, &spec.scale_down };
			for (int k = 0; k < 2; k++) {
				r[k]->has_stabilization = rnd(&rng, 3) != 0;
				r[k]->stabilization_s = windows[rnd(&rng, 5)];
				r[k]->select = (enum hpa_select)rnd(&rng, 3);
				if (rnd(&rng, 2)) {
					r[k]->npolicies = 1;
					r[k]->policies = xcalloc(1, sizeof *r[k]->policies);
					r[k]->policies[0] = (struct hpa_policy){
					    rnd(&rng, 2) ? HPA_POLICY_PODS : HPA_POLICY_PERCENT,
					    1 + (int32_t)rnd(&rng, 60), 15 * (1 + (int32_t)rnd(&rng, 8)) };
				}
			}
		}
		hpa_spec_set_defaults(&spec);
		struct hpa_state sa, sb;
		hpa_state_init(&sa);
		hpa_state_init(&sb);
		struct hpa_metric_result res[2], last[2];
		memset(res, 0, sizeof res);
		int32_t current = spec.min_replicas + (int32_t)rnd(&rng, 4);
		int32_t base = current;
		struct hpa_result prev;		/* b's last result, metrics left out */
		bool has_prev = false;
		sim_ns now = T0;
		for (int step = 0; step < 200; step++, syncs++) {
			/* the proposals: mostly as before, at times a step or a jump */
			unsigned r = rnd(&rng, 40);
			if (r == 0)
				base = (int32_t)rnd(&rng, (unsigned)spec.max_replicas + 4);
			else if (r < 3)
				base += r == 1 ? 1 : -1;
			if (base < 0)
				base = 0;
			for (size_t i = 0; i < nm; i++) {
				struct hpa_metric_result *m = &res[i];
				memset(m, 0, sizeof *m);
				m->valid = rnd(&rng, 50) != 0;
				m->proposal = base - (int32_t)i;
				snprintf(m->name, sizeof m->name, "%s resource utilization "
				    "(percentage of request)", spec.metrics[i].resource);
				m->has_utilization = m->has_average = true;
				m->utilization = 50 * m->proposal / (current ? current : 1);
				m->average_milli = m->utilization * 5;
				if (!m->valid)
					snprintf(m->reason, sizeof m->reason, "FailedGetResourceMetric");
			}
			if (rnd(&rng, 30) == 0)	/* scaled by someone else */
				current = (int32_t)rnd(&rng, (unsigned)spec.max_replicas + 3);
			struct hpa_input in = { .spec = &spec, .spec_replicas = current,
			    .status_replicas = current, .now = now, .same_metrics = res };
			struct hpa_result ra, rb;
			hpa_reconcile(&cfg, &in, &sa, &ra);
			bool same = has_prev && prev.repeatable && prev.current_replicas == current &&
			    now <= prev.repeatable_until;
			for (size_t i = 0; same && i < nm; i++)
				same = res[i].valid && last[i].proposal == res[i].proposal;
			if (same) {
				hpa_state_repeat(&sb, prev.recommendation, now);
				rb = prev;
				skipped++;
			} else {
				hpa_reconcile(&cfg, &in, &sb, &rb);
				prev = rb;
				prev.metrics = NULL;
				prev.nmetrics = 0;
				prev.error = NULL;
				has_prev = true;
				memcpy(last, res, sizeof last);
			}
			check_same_reconcile(&ra, &rb, &sa, &sb);
			if (ra.rescale)
				current = ra.desired_replicas;
			hpa_result_fini(&ra);
			if (!same)
				hpa_result_fini(&rb);
			now += rnd(&rng, 4) == 0 ? (sim_ns)(1 + rnd(&rng, 30)) * SIM_SEC :
			    15 * SIM_SEC;
		}
		hpa_state_fini(&sa);
		hpa_state_fini(&sb);
		hpa_spec_free(&spec);
	}
	CHECK(skipped > syncs / 4);
}

int
main(void)
{
	test_repeat_matches();
	test_counts();
	test_name_lookups();
	test_container_missing();
	test_pod_level_from_spec();
	test_request_memo();
	test_defaults();
	test_tolerance();
	test_requests();
	test_external_and_object();
	test_windows();
	test_ready_form();
	test_controller_legacy();
	test_controller_behavior();
	return tl_finish();
}
