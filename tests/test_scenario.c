/*
 * test_scenario.c - scn_load on the bundled scenarios (ecommerce, worldcup,
 * boutique with the unmodified Online Boutique manifests) and on a scenario
 * exercising every manifest kind and value type, asserting parsed values and
 * defaults exactly; --set overrides; and a table of bad inputs, each with
 * the exact message (file:line:col and text) it must produce.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/scenario.h"
#include "tests/testlib.h"
#include "workloads/traffic.h"

#define MI (1024LL * 1024)
#define GI (1024LL * MI)

/* The message with every occurrence of the source directory prefix removed,
 * so expectations are written relative to the top of the tree. */
static const char *
rel(const char *msg)
{
	static char buf[4][2048];
	static int k;
	const char *top = tl_src("");
	size_t n = strlen(top), o = 0;
	k = (k + 1) % 4;
	while (*msg != '\0' && o + 1 < sizeof buf[k]) {
		if (strncmp(msg, top, n) == 0)
			msg += n;
		else
			buf[k][o++] = *msg++;
	}
	buf[k][o] = '\0';
	return buf[k];
}

static struct scenario *
load(const char *relpath, const struct scn_override *ov, size_t nov)
{
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(tl_src(relpath), ov, nov, &s, &cause) < 0) {
		FAILF("scn_load(%s): %s", relpath, rel(cause));
		free(cause);
		return NULL;
	}
	PASS();
	return s;
}

static const struct k8s_deployment *
dep(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ndeployments; i++)
		if (strcmp(s->deployments[i].name, name) == 0)
			return &s->deployments[i];
	FAILF("no deployment %s", name);
	return NULL;
}

static void
test_ecommerce(void)
{
	struct scenario *s = load("scenarios/ecommerce.yaml", NULL, 0);
	if (s == NULL)
		return;
	CHECK_STR(s->name, "ecommerce");
	CHECK_INT(s->seed, 1);
	CHECK_INT(s->duration, 24 * SIM_HOUR);
	CHECK_INT(s->interval, 60 * SIM_SEC);
	CHECK_INT(s->tick, SIM_SEC);
	CHECK_INT(s->npools, 1);
	const struct scn_pool *p = &s->pools[0];
	CHECK_STR(p->name, "default");
	CHECK_STR(p->instance_type, "c5.xlarge");
	CHECK_INT(p->cpu_milli, 4000);
	CHECK_INT(p->memory, 8 * GI);
	CHECK_INT(p->reserved_cpu_milli, 80);
	CHECK_INT(p->reserved_memory, 1943 * MI);
	CHECK_INT(p->max_pods, 110);
	CHECK_INT(p->count, 5);
	CHECK_INT(p->min, 5);
	CHECK_INT(p->max, 5);
	CHECK_NEAR(p->price_hour, 0.17, 1e-12);
	CHECK_INT(p->nzones, 3);
	CHECK_STR(p->zones[2], "us-east-1c");
	CHECK_INT(p->provision.kind, SIM_DIST_LOGNORMAL);
	CHECK_NEAR(p->provision.a, 90.0, 1e-12);
	CHECK(!p->has_failures);
	CHECK(!s->cluster_autoscaler);

	CHECK_INT(s->ndeployments, 2);
	CHECK_INT(s->nservices, 2);
	CHECK_INT(s->nhpas, 1);
	CHECK_INT(s->npdbs, 1);
	CHECK_INT(s->nnotes, 0);
	const struct k8s_deployment *o = dep(s, "orders");
	if (o != NULL) {
		CHECK_INT(o->replicas, 5);
		CHECK_STR(o->namespace, "default");
		CHECK_INT(o->max_surge, 2);		/* ceil(25% of 5) */
		CHECK_INT(o->max_unavailable, 1);	/* floor(25% of 5) */
		CHECK_INT(o->progress_deadline_s, 600);
		CHECK_INT(o->revision_history, 10);
		const struct k8s_pod_spec *t = &o->template;
		CHECK_STR(k8s_labels_get(&t->labels, "app"), "orders");
		CHECK(k8s_selector_matches(&o->selector, &t->labels));
		CHECK_INT(t->ncontainers, 1);
		CHECK_INT(t->termination_grace_s, 30);
		CHECK_STR(t->scheduler_name, "default-scheduler");
		const struct k8s_container *c = &t->containers[0];
		CHECK_INT(c->requests.cpu_milli, 250);
		CHECK_INT(c->requests.memory, 256 * MI);
		CHECK_INT(c->limits.cpu_milli, 500);
		CHECK_INT(c->limits.memory, 512 * MI);
		CHECK(c->readiness.set);
		CHECK_INT(c->readiness.initial_delay_s, 5);
		CHECK_INT(c->readiness.period_s, 5);
		CHECK_INT(c->readiness.timeout_s, 1);
		CHECK_INT(c->readiness.success_threshold, 1);
		CHECK_INT(c->readiness.failure_threshold, 3);
		CHECK(c->liveness.set);
		CHECK_INT(c->liveness.period_s, 10);
		CHECK(!c->startup.set);
		CHECK_INT(c->nports, 1);
		CHECK_INT(c->ports[0].container_port, 8080);
		CHECK_STR(c->ports[0].protocol, "TCP");
		CHECK_INT(t->nspread, 1);
		CHECK_INT(t->spread[0].when_unsatisfiable, K8S_SCHEDULE_ANYWAY);
		CHECK_INT(t->spread[0].node_taints_policy, K8S_IGNORE);
	}
	const struct k8s_deployment *pay = dep(s, "payment");
	if (pay != NULL) {
		CHECK_INT(pay->replicas, 3);
		CHECK_INT(pay->max_surge, 1);
		CHECK_INT(pay->max_unavailable, 0);
		CHECK_INT(pay->template.containers[0].limits.cpu_milli, 1000);
		CHECK_INT(pay->template.affinity.nanti_preferred, 1);
		CHECK_INT(pay->template.affinity.anti_preferred[0].weight, 100);
	}
	CHECK_STR(s->services[0].name, "orders");
	CHECK_INT(s->services[0].ports[0].port, 80);
	CHECK_INT(s->services[0].ports[0].target_port, 8080);
	CHECK_STR(k8s_labels_get(&s->services[0].selector, "app"), "orders");
	const struct hpa_spec *h = &s->hpas[0];
	CHECK_STR(h->target_kind, "Deployment");
	CHECK_STR(h->target_name, "orders");
	CHECK_INT(h->min_replicas, 5);
	CHECK_INT(h->max_replicas, 20);
	CHECK_INT(h->nmetrics, 1);
	CHECK_INT(h->metrics[0].type, HPA_RESOURCE);
	CHECK_STR(h->metrics[0].resource, "cpu");
	CHECK_INT(h->metrics[0].target, HPA_UTILIZATION);
	CHECK_INT(h->metrics[0].average_utilization, 80);
	CHECK(!h->has_behavior);
	CHECK(s->pdbs[0].has_min_available);
	CHECK_INT(s->pdbs[0].min_available, 2);
	CHECK(!s->pdbs[0].min_available_pct);

	CHECK_INT(s->nprofiles, 2);
	const struct scn_profile *pr = &s->profiles[0];
	CHECK_STR(pr->service, "orders");
	CHECK_INT(pr->service_time.kind, SIM_DIST_LOGNORMAL);
	CHECK_NEAR(pr->service_time.a, 0.040, 1e-12);
	CHECK_NEAR(pr->service_time.b, 0.4, 1e-12);
	CHECK_NEAR(pr->cpu_per_request, 0.020, 1e-12);
	CHECK_INT(pr->idle_cpu_milli, 10);
	CHECK_INT(pr->concurrency, 16);
	CHECK_INT(pr->timeout, 2 * SIM_SEC);
	CHECK_INT(pr->queue_limit, 100);
	CHECK(pr->traffic != NULL);
	if (pr->traffic != NULL) {
		/* 20:00 is the diurnal peak (50) inside the sale (+100). */
		CHECK_NEAR(wl_rate(pr->traffic, 20 * SIM_HOUR), 150.0, 1e-9);
		CHECK_NEAR(wl_rate(pr->traffic, 8 * SIM_HOUR), 15.0, 1e-9);
		CHECK_NEAR(wl_rate(pr->traffic, 19 * SIM_HOUR), 15.0 + 35.0 *
		    (1 + cos(2 * M_PI * -1.0 / 24)) / 2, 1e-9);
	}
	CHECK_INT(s->nchaos, 1);
	CHECK_INT(s->chaos[0].at, 3 * SIM_HOUR);
	CHECK_INT(s->chaos[0].kind, SCN_FAIL_NODES);
	CHECK_STR(s->chaos[0].pool, "default");
	CHECK_INT(s->chaos[0].count, 1);
	CHECK_INT(s->chaos[0].duration, 30 * SIM_MIN);

	/* Control-plane defaults. */
	CHECK_INT(s->cp.node_monitor_period, 5 * SIM_SEC);
	CHECK_INT(s->cp.node_monitor_grace, 50 * SIM_SEC);
	CHECK_INT(s->cp.eviction_toleration, 300 * SIM_SEC);
	CHECK_INT(s->cp.hpa_sync_period, 15 * SIM_SEC);
	CHECK_INT(s->cp.metrics_resolution, 15 * SIM_SEC);
	CHECK_INT(s->cp.scheduler_backoff_initial, SIM_SEC);
	CHECK_INT(s->cp.scheduler_backoff_max, 10 * SIM_SEC);
	CHECK_INT(s->cp.unschedulable_flush, 5 * SIM_MIN);
	CHECK_INT(s->cp.api_latency.kind, SIM_DIST_LOGNORMAL);
	CHECK_NEAR(s->cp.api_latency.a, 0.025, 1e-12);
	scn_free(s);
}

static void
test_worldcup(void)
{
	struct scenario *s = load("scenarios/worldcup.yaml", NULL, 0);
	if (s == NULL)
		return;
	CHECK_STR(s->name, "worldcup");
	CHECK_INT(s->pools[0].count, 3);
	CHECK_INT(s->pools[0].min, 3);
	CHECK_INT(s->pools[0].max, 10);
	CHECK(s->cluster_autoscaler);
	CHECK_INT(s->hpas[0].min_replicas, 3);
	CHECK_INT(s->hpas[0].max_replicas, 40);
	CHECK_INT(s->hpas[0].metrics[0].average_utilization, 70);
	CHECK_INT(s->deployments[0].template.containers[0].requests.cpu_milli, 500);
	/* Memory request without limit for cpu: only memory is defaulted. */
	CHECK_INT(s->deployments[0].template.containers[0].limits.memory, GI);
	CHECK(!s->deployments[0].template.containers[0].limits.has_cpu);
	const struct wl_traffic *t = s->profiles[0].traffic;
	CHECK(t != NULL);
	if (t != NULL) {
		/* 229,426 requests in the minute 21:41, a fifth of them. */
		CHECK_NEAR(wl_rate(t, 21 * SIM_HOUR + 41 * SIM_MIN + 30 * SIM_SEC),
		    229426.0 / 60 * 0.2, 1e-6);
		CHECK_NEAR(wl_rate(t, 30 * SIM_SEC), 8981.0 / 60 * 0.2, 1e-6);
		/* The whole day: 42,806,305 requests on 7 July 1998. */
		CHECK_NEAR(wl_count(t, 0, 24 * SIM_HOUR), 42806305.0 * 0.2, 1e-3);
	}
	scn_free(s);
}

static void
test_boutique(void)
{
	struct scenario *s = load("scenarios/boutique.yaml", NULL, 0);
	if (s == NULL)
		return;
	CHECK_INT(s->ndeployments, 12);
	CHECK_INT(s->nservices, 12);
	CHECK_INT(s->nnotes, 0);
	CHECK_INT(s->nwarnings, 11);
	if (s->nwarnings > 0)
		CHECK_STR(rel(s->warnings[0]), "scenarios/manifests/online-boutique.yaml:144:1: "
		    "ignored ServiceAccount/frontend: kind not simulated");
	const struct k8s_deployment *d = dep(s, "frontend");
	if (d != NULL) {
		CHECK_INT(d->replicas, 1);
		CHECK_INT(d->template.containers[0].requests.cpu_milli, 100);
		CHECK_INT(d->template.containers[0].requests.memory, 64 * MI);
		CHECK_INT(d->template.containers[0].limits.cpu_milli, 200);
		CHECK_INT(d->template.containers[0].readiness.initial_delay_s, 10);
		CHECK_INT(d->template.containers[0].readiness.period_s, 10);
		CHECK_INT(d->template.termination_grace_s, 30);
	}
	d = dep(s, "adservice");
	if (d != NULL) {
		CHECK_INT(d->template.termination_grace_s, 5);
		CHECK_INT(d->template.containers[0].requests.memory, 180 * MI);
		CHECK_INT(d->template.containers[0].readiness.initial_delay_s, 20);
		CHECK_INT(d->template.containers[0].readiness.period_s, 15);
	}
	d = dep(s, "loadgenerator");
	if (d != NULL) {
		CHECK_INT(d->template.ninit, 1);
		CHECK_STR(d->template.init_containers[0].name, "frontend-check");
		CHECK(!d->template.init_containers[0].restartable);
		CHECK_INT(d->template.containers[0].requests.cpu_milli, 300);
	}
	d = dep(s, "redis-cart");
	if (d != NULL) {
		CHECK_INT(d->template.containers[0].requests.cpu_milli, 70);
		CHECK_INT(d->template.containers[0].limits.memory, 256 * MI);
	}
	scn_free(s);
}

static void
test_features(void)
{
	struct scenario *s = load("tests/data/scn_features.yaml", NULL, 0);
	if (s == NULL)
		return;
	CHECK_INT(s->seed, 7);
	CHECK_INT(s->tick, 500 * SIM_MS);
	CHECK_INT(s->npools, 2);
	const struct scn_pool *p = &s->pools[0];
	CHECK_INT(p->cpu_milli, 2000);
	CHECK_INT(p->reserved_cpu_milli, 100);
	CHECK_INT(p->max_pods, 29);
	CHECK_INT(p->min, 1);
	CHECK_INT(p->max, 6);
	CHECK_INT(p->provision.kind, SIM_DIST_GAMMA);
	CHECK_NEAR(p->provision.a, 4, 1e-12);
	CHECK_NEAR(p->provision.b, 20, 1e-12);
	CHECK_STR(k8s_labels_get(&p->labels, "lifecycle"), "spot");
	CHECK_INT(p->ntaints, 1);
	CHECK_INT(p->taints[0].effect, K8S_NO_SCHEDULE);
	CHECK(p->has_failures);
	CHECK_INT(p->time_to_failure.kind, SIM_DIST_EXPONENTIAL);
	CHECK_NEAR(p->time_to_failure.a, 720 * 3600.0, 1e-9);
	CHECK_INT(p->repair.kind, SIM_DIST_UNIFORM);
	CHECK_NEAR(p->repair.a, 300, 1e-9);
	CHECK_NEAR(p->repair.b, 900, 1e-9);
	CHECK_STR(s->pools[1].zones[0], "zone-a");
	CHECK_INT(s->pools[1].count, 0);
	CHECK(s->cluster_autoscaler);

	CHECK_INT(s->npriority_classes, 2);
	CHECK_INT(s->priority_classes[0].value, 100000);
	CHECK(s->priority_classes[0].preempt_never);
	CHECK(s->priority_classes[1].global_default);
	CHECK_INT(s->nnodes, 1);
	const struct k8s_node_spec *n = &s->nodes[0];
	CHECK_STR(n->name, "big-1");
	CHECK(n->unschedulable);
	CHECK_INT(n->allocatable.cpu_milli, 15800);
	CHECK_INT(n->allocatable.memory, 62 * GI);
	CHECK_INT(n->allocatable.pods, 250);
	int64_t gpus = 0;
	CHECK(k8s_res_get(&n->allocatable, "nvidia.com/gpu", &gpus));
	CHECK_INT(gpus, 2);
	CHECK_STR(k8s_labels_get(&n->labels, "kubernetes.io/hostname"), "big-1");
	CHECK_INT(n->ntaints, 1);
	CHECK_INT(n->taints[0].effect, K8S_NO_EXECUTE);
	CHECK_INT(n->nimages, 1);
	CHECK_INT(n->image_sizes[0], 104857600);

	const struct k8s_deployment *d = dep(s, "api");
	if (d != NULL) {
		CHECK_INT(d->max_surge, 3);		/* ceil(30% of 10) */
		CHECK_INT(d->max_unavailable, 1);	/* floor(15% of 10) */
		CHECK_INT(d->selector.nreqs, 2);
		const struct k8s_pod_spec *t = &d->template;
		CHECK_INT(t->priority, 100000);
		CHECK(t->preempt_never);
		CHECK_INT(t->termination_grace_s, 45);
		CHECK_STR(k8s_labels_get(&t->node_selector, "disktype"), "ssd");
		CHECK_INT(t->overhead.cpu_milli, 10);
		CHECK_INT(t->ntolerations, 3);
		CHECK_INT(t->tolerations[1].op, K8S_TOL_EXISTS);
		CHECK_INT(t->tolerations[1].effect, K8S_EFFECT_ALL);
		CHECK(t->tolerations[2].has_seconds);
		CHECK_INT(t->tolerations[2].seconds, 60);
		CHECK_INT(t->affinity.nnode_required, 1);
		CHECK_INT(t->affinity.node_required[0].nexpr, 1);
		CHECK_INT(t->affinity.node_required[0].match_expressions[0].op, K8S_SEL_GT);
		CHECK_INT(t->affinity.node_required[0].nfields, 1);
		CHECK_INT(t->affinity.node_preferred[0].weight, 30);
		CHECK_INT(t->affinity.nanti_required, 1);
		CHECK_STR(t->affinity.anti_required[0].topology_key, "kubernetes.io/hostname");
		CHECK_INT(t->affinity.npod_preferred, 1);
		CHECK_INT(t->affinity.pod_preferred[0].term.nnamespaces, 2);
		CHECK_INT(t->nspread, 1);
		CHECK_INT(t->spread[0].max_skew, 2);
		CHECK_INT(t->spread[0].min_domains, 2);
		CHECK_INT(t->spread[0].node_taints_policy, K8S_HONOR);
		CHECK_INT(t->spread[0].node_affinity_policy, K8S_HONOR);
		CHECK_INT(t->spread[0].nmatch_label_keys, 1);
		CHECK_INT(t->ninit, 2);
		CHECK(!t->init_containers[0].restartable);
		CHECK(t->init_containers[1].restartable);
		/* A sidecar's request defaults to its limit. */
		CHECK_INT(t->init_containers[1].requests.cpu_milli, 100);
		CHECK_INT(t->init_containers[1].requests.memory, 64 * MI);
		const struct k8s_container *c = &t->containers[0];
		CHECK_INT(c->requests.cpu_milli, 1500);
		CHECK_INT(c->requests.memory, 1536 * MI);
		int64_t w = 0;
		CHECK(k8s_res_get(&c->requests, "example.com/widget", &w));
		CHECK_INT(w, 3);
		CHECK_INT(c->ports[0].host_port, 8080);
		CHECK(c->readiness.set);
		CHECK_INT(c->readiness.period_s, 10);
		CHECK_INT(c->startup.failure_threshold, 30);
		CHECK_INT(c->startup.period_s, 2);
		struct k8s_resources r;
		k8s_pod_request(t, false, &r);
		/* max(1500 + 100 sidecar, 1000 init + 100) + 10 overhead */
		CHECK_INT(r.cpu_milli, 1610);
		k8s_res_free(&r);
	}
	d = dep(s, "batch");
	if (d != NULL) {
		CHECK_STR(d->namespace, "jobs");
		CHECK_INT(d->max_surge, 0);
		CHECK_INT(d->max_unavailable, 4);
		CHECK_INT(d->template.priority, -5);	/* the global default class */
	}
	CHECK_INT(s->npods, 1);
	CHECK_INT(s->pods[0].priority, 2000001000);
	CHECK_STR(s->pods[0].node_name, "big-1");
	CHECK_INT(s->services[0].ports[0].target_port, 0);	/* named port */

	const struct hpa_spec *h = &s->hpas[0];
	CHECK_INT(h->min_replicas, 1);
	CHECK_INT(h->nmetrics, 5);
	CHECK_INT(h->metrics[0].target, HPA_AVERAGE_VALUE);
	CHECK_INT(h->metrics[0].average_value_milli, 1536 * MI * 1000);
	CHECK_INT(h->metrics[1].type, HPA_CONTAINER_RESOURCE);
	CHECK_STR(h->metrics[1].container, "api");
	CHECK_INT(h->metrics[1].average_utilization, 60);
	CHECK_INT(h->metrics[2].average_value_milli, 500);
	CHECK_INT(h->metrics[3].type, HPA_OBJECT);
	CHECK_STR(h->metrics[3].object_kind, "Ingress");
	CHECK_INT(h->metrics[3].value_milli, 10000000);
	CHECK_INT(h->metrics[4].type, HPA_EXTERNAL);
	CHECK_INT(h->metrics[4].average_value_milli, 30000);
	CHECK_INT(h->metrics[4].metric_selector.nreqs, 1);
	CHECK(h->has_behavior);
	CHECK(h->scale_down.has_stabilization);
	CHECK_INT(h->scale_down.stabilization_s, 60);
	CHECK_INT(h->scale_down.select, HPA_SELECT_MIN);
	CHECK_INT(h->scale_down.npolicies, 2);
	CHECK_INT(h->scale_down.policies[0].type, HPA_POLICY_PERCENT);
	CHECK_INT(h->scale_down.policies[1].value, 2);
	CHECK(h->scale_down.has_tolerance);
	CHECK_NEAR(h->scale_down.tolerance, 0.05, 1e-12);
	CHECK(h->has_scale_up);		/* defaulted by hpa_spec_set_defaults */
	CHECK(s->pdbs[0].has_max_unavailable);
	CHECK(s->pdbs[0].max_unavailable_pct);
	CHECK_INT(s->pdbs[0].max_unavailable, 20);

	CHECK_INT(s->nnotes, 0);
	/* Two objects ignored while reading, then 'api', whose required node
	 * affinity no pool satisfies; the Node and the bare Pod are simulated. */
	CHECK_INT(s->nwarnings, 3);
	if (s->nwarnings == 3) {
		CHECK_STR(rel(s->warnings[0]), "tests/data/scn_features_manifests.yaml:174:1: "
		    "ignored ReplicaSet/db: kind not simulated yet");
		CHECK_STR(rel(s->warnings[1]), "tests/data/scn_features_manifests.yaml:179:1: "
		    "ignored VirtualService/api: custom resource not simulated");
		CHECK_STR(rel(s->warnings[2]), "tests/data/scn_features_manifests.yaml:34:18: "
		    "Deployment 'api': its pods fit no node pool and will stay Pending (pool "
		    "'spot': node(s) didn't match Pod's node affinity/selector; pool 'plain': "
		    "node(s) didn't match Pod's node affinity/selector)");
	}
	const struct scn_profile *pr = &s->profiles[0];
	CHECK_INT(pr->concurrency, 4);
	CHECK_INT(pr->service_time.kind, SIM_DIST_WEIBULL);
	CHECK_NEAR(pr->service_time.max, 1.0, 1e-12);
	/* Default cpuPerRequest: the mean service time, 0.02 * Gamma(1 + 1/1.5). */
	CHECK_NEAR(pr->cpu_per_request, 0.02 * tgamma(1 + 1 / 1.5), 1e-9);
	CHECK_INT(pr->timeout, 0);
	CHECK_INT(pr->queue_limit, 0);
	if (pr->traffic != NULL) {
		/* constant 10 + step 5 + spike at its height (30m+1m..33m) +
		 * diurnal at 31m of a 2h period peaking at 1h. */
		double di = 4.0 * (1 + cos(2 * M_PI * (31.0 - 60.0) / 120.0));
		CHECK_NEAR(wl_rate(pr->traffic, 31 * SIM_MIN), 10 + 5 + 40 + di, 1e-9);
		CHECK_NEAR(wl_rate(pr->traffic, 75 * SIM_MIN), 10 + 5 + 10 +
		    4.0 * (1 + cos(2 * M_PI * 15.0 / 120.0)), 1e-9);
	}
	CHECK_INT(s->nchaos, 2);
	CHECK_INT(s->chaos[0].kind, SCN_FAIL_ZONE);
	CHECK_STR(s->chaos[0].zone, "b");
	CHECK_INT(s->chaos[0].count, 0);
	CHECK_INT(s->chaos[1].kind, SCN_RECOVER_NODES);
	CHECK_INT(s->cp.api_latency.kind, SIM_DIST_CONST);
	CHECK_NEAR(s->cp.api_latency.a, 0.030, 1e-12);
	CHECK_INT(s->cp.watch_latency.kind, SIM_DIST_NORMAL);
	CHECK_NEAR(s->cp.watch_latency.b, 0.005, 1e-12);
	CHECK_INT(s->cp.scheduler_latency.kind, SIM_DIST_PARETO);
	CHECK_INT(s->cp.node_monitor_grace, 40 * SIM_SEC);
	CHECK_INT(s->cp.eviction_toleration, 60 * SIM_SEC);
	CHECK_INT(s->cp.scheduler_backoff_max, 20 * SIM_SEC);
	CHECK_INT(s->cp.hpa_sync_period, 15 * SIM_SEC);
	scn_free(s);
}

static void
test_overrides(void)
{
	const struct scn_override ok[] = {
		{ "nodePools.0.count", "7" },
		{ "services.orders.concurrency", "4" },
		{ "services.payment.timeout", "5s" },
		{ "seed", "42" },
		{ "controlPlane.hpaSyncPeriod", "30s" },
		{ "nodePools.default.zones", "[z1, z2]" },
		{ "services.orders.traffic", "[{constant: {rate: 5}}]" },
	};
	struct scenario *s = load("scenarios/ecommerce.yaml", ok, sizeof ok / sizeof ok[0]);
	if (s != NULL) {
		CHECK_INT(s->pools[0].count, 7);
		CHECK_INT(s->pools[0].min, 7);
		CHECK_INT(s->pools[0].max, 7);
		CHECK_INT(s->pools[0].nzones, 2);
		CHECK_STR(s->pools[0].zones[1], "z2");
		CHECK_INT(s->profiles[0].concurrency, 4);
		CHECK_INT(s->profiles[1].timeout, 5 * SIM_SEC);
		CHECK_INT(s->seed, 42);
		CHECK_INT(s->cp.hpa_sync_period, 30 * SIM_SEC);
		CHECK_NEAR(wl_rate(s->profiles[0].traffic, 20 * SIM_HOUR), 5.0, 1e-12);
		scn_free(s);
	}
	static const struct {
		struct scn_override ov;
		const char *want;
	} bad[] = {
		{ { "nodePool.0.count", "3" }, "--set nodePool.0.count: no field 'nodePool' "
		  "in the scenario (did you mean 'nodePools'?)" },
		{ { "nodePools.3.count", "3" }, "--set nodePools.3.count: index 3 is out of "
		  "range (nodePools has 1 item)" },
		{ { "nodePools.defualt.count", "3" }, "--set nodePools.defualt.count: no item "
		  "named 'defualt' in nodePools (did you mean 'default'?)" },
		{ { "sed", "4" }, "--set sed:1:1: unknown field 'sed' in scenario (did you "
		  "mean 'seed'?)" },
		{ { "services.orders.concurency", "4" }, "--set services.orders.concurency:1:1: "
		  "unknown field 'concurency' in service (did you mean 'concurrency'?)" },
		{ { "services.orders.concurrency", "0" }, "--set services.orders.concurrency:"
		  "1:1: concurrency must be greater than or equal to 1, found 0" },
		{ { "name.x", "1" }, "--set name.x: name is a value, not a mapping or list" },
		{ { "duration", "1d" }, "--set duration:1:1: invalid duration '1d' (expected a "
		  "number with a unit, e.g. 300ms, 30s, 5m, 1h30m)" },
		{ { "nodePools..count", "1" }, "--set nodePools..count: expected a dotted path "
		  "such as nodePools.0.count" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct scenario *t = NULL;
		char *cause = NULL;
		if (scn_load(tl_src("scenarios/ecommerce.yaml"), &bad[i].ov, 1, &t, &cause) == 0) {
			FAILF("--set %s=%s: loaded", bad[i].ov.path, bad[i].ov.value);
			scn_free(t);
			continue;
		}
		CHECK_STR(rel(cause), bad[i].want);
		CHECK(t == NULL);
		free(cause);
	}
}

/* Each file under tests/bad_input/ and the exact message it must give. */
static const struct {
	const char	*file;
	const char	*want;
} bad_inputs[] = {
	{ "malformed_yaml.yaml", "3:60: YAML syntax error: did not find expected ',' or "
	  "'}' while parsing a flow mapping" },
	{ "wrong_kind.yaml", "6:11: unknown kind 'Deploymnet' (did you mean 'Deployment'?)" },
	{ "unknown_field.yaml", "9:7: unknown field 'replcas' in Deployment spec (did you "
	  "mean 'replicas'?)" },
	{ "bad_quantity.yaml", "15:43: invalid quantity '250mm' (expected a number with an "
	  "optional suffix such as 250m, 1.5, 512Mi, 2Gi, 1e3)" },
	{ "negative_replicas.yaml", "9:17: replicas must be greater than or equal to 0, "
	  "found -2" },
	{ "hpa_min_gt_max.yaml", "24:20: maxReplicas (5) must be greater than or equal to "
	  "minReplicas (10)" },
	{ "pool_min_gt_max.yaml", "7:10: node pool 'default': min (6) must not exceed max (4)" },
	{ "hpa_scale_to_zero.yaml", "24:20: spec.minReplicas: Invalid value: 0: must be "
	  "greater than or equal to 1 (0 needs the HPAScaleToZero feature gate: "
	  "featureGates: {HPAScaleToZero: true})" },
	{ "missing_service.yaml", "23:11: Service 'webb' is not in the manifests (did you "
	  "mean 'web'?)" },
	{ "unknown_dist.yaml", "24:25: unknown distribution 'lognorm' (did you mean "
	  "'lognormal'?)" },
	{ "missing_trace.yaml", "26:23: trace file 'traces/nope.csv' cannot be read: No "
	  "such file or directory" },
	{ "bad_duration.yaml", "3:11: invalid duration '1d' (expected a number with a "
	  "unit, e.g. 300ms, 30s, 5m, 1h30m)" },
	{ "duplicate_deployment.yaml", "20:22: duplicate Deployment 'web' (first defined "
	  "at tests/bad_input/duplicate_deployment.yaml:7:22)" },
	{ "hpa_missing_target.yaml", "22:69: HorizontalPodAutoscaler 'api' targets "
	  "Deployment 'api', which is not in the manifests" },
	{ "missing_manifest.yaml", "5:5: manifest file 'manifests/nope.yaml' cannot be "
	  "read: No such file or directory" },
	{ "zero_concurrency.yaml", "25:18: concurrency must be greater than or equal to 1, "
	  "found 0" },
	{ "negative_dist.yaml", "5:40: a duration must not be negative, found '-5s'" },
	{ "unknown_top_field.yaml", "2:1: unknown field 'nodepools' in scenario (did you "
	  "mean 'nodePools'?)" },
	{ "selector_mismatch.yaml", "9:17: selector does not match template labels" },
	{ "containers_unknown_deploy.yaml", "16:20: Deployment 'api' is not in the "
	  "manifests" },
	{ "containers_duplicate.yaml", "17:20: Deployment 'web' already has a container "
	  "failure entry" },
	{ "rollout_unknown_deploy.yaml", "16:45: Deployment 'api' is not in the "
	  "manifests" },
	{ "duplicate_pool.yaml", "4:12: duplicate node pool name 'default'" },
	{ "container_typo.yaml", "@tests/bad_input/manifests/container_typo.yaml:17:11: "
	  "unknown field 'imagee' in container (did you mean 'image'?)" },
	{ "request_over_limit.yaml", "16:33: cpu request must be less than or equal to its "
	  "limit" },
	{ "pdb_both.yaml", "10:23: minAvailable and maxUnavailable cannot both be set" },
	{ "chaos_unknown_pool.yaml", "6:41: node pool 'spot' is not defined in nodePools" },
	{ "two_documents.yaml", "5:1: a scenario file holds one YAML document (put "
	  "Kubernetes manifests in a file listed under manifests)" },
	{ "bad_metric_target.yaml", "28:28: target type 'Utilization' is not valid for a "
	  "Pods metric (expected AverageValue)" },
	{ "bad_surge.yaml", "11:35: expected an integer or a percentage such as 25%, found "
	  "'two'" },
	{ "mesh_cycle.yaml", "14:19: call graph has a cycle: front -> cart -> front" },
	{ "mesh_unknown_call.yaml", "9:23: calls service 'carts', which is not under "
	  "services (did you mean 'cart'?)" },
	{ "mesh_negative_attempts.yaml", "9:25: attempts must be greater than or equal to "
	  "0, found -1" },
	{ "mesh_bad_retry_on.yaml", "13:27: retryOn: unknown value 'timeouts' (did you "
	  "mean 'timeout'?)" },
	{ "burst_unknown_kind.yaml", "25:24: unknown burstiness kind 'mmp' (did you mean "
	  "'mmpp'?)" },
	{ "burst_negative_rate.yaml", "25:41: burstRate must be positive, found '-2x'" },
	{ "diurnal_negative_resolution.yaml",
	  "25:60: a duration must not be negative, found '-1m'" },
	{ "empirical_no_column.yaml", "@tests/bad_input/samples/latency.csv:1:1: no column "
	  "'latency_ms' in header; columns are request, seconds" },
	{ "classes_zero_weight.yaml", "25:7: the weights of the request classes sum to 0 "
	  "(expected at least one positive weight)" },
	{ "bad_bandwidth.yaml", "26:23: networkBandwidth must be a positive quantity of "
	  "bytes per second, e.g. 1250M" },
	{ "sts_no_service_name.yaml", "9:7: StatefulSet 'db' needs spec.serviceName (the "
	  "headless Service that gives its pods their network identity)" },
	{ "ds_selector_mismatch.yaml", "9:17: selector does not match template labels" },
	{ "job_negative_completions.yaml", "9:20: completions must be greater than or "
	  "equal to 0, found -1" },
	{ "cronjob_bad_schedule.yaml", "9:17: invalid schedule '61 * * * *': end of range "
	  "(61) above maximum (59): 61" },
	{ "jobs_unknown_name.yaml", "14:12: no Job or CronJob 'py' in the manifests" },
	{ "dump_duplicate_pod.yaml", "@tests/bad_input/manifests/dup_dump.yaml:18:20: "
	  "duplicate Pod 'web-0' (first defined at tests/bad_input/manifests/dup_dump.yaml:"
	  "10:20)" },
	{ "dump_malformed.yaml", "@tests/bad_input/manifests/bad_dump.yaml:15:24: invalid "
	  "quantity '3.5 cores' (expected a number with an optional suffix such as 250m, "
	  "1.5, 512Mi, 2Gi, 1e3)" },
};

/* featureGates: HPAScaleToZero lets minReplicas be 0 (off by default). */
static void
test_feature_gates(void)
{
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(tl_src("tests/data/hpa_scale_to_zero.yaml"), NULL, 0, &s, &cause) != 0) {
		FAILF("hpa_scale_to_zero.yaml: %s", cause);
		free(cause);
		return;
	}
	CHECK(s->gates.hpa_scale_to_zero);
	CHECK_INT(s->nhpas, 1);
	CHECK_INT(s->hpas[0].min_replicas, 0);
	CHECK(s->hpas[0].has_min_replicas);
	scn_free(s);
	/* off by default: the bundled scenario */
	CHECK_INT(scn_load(tl_src("scenarios/ecommerce.yaml"), NULL, 0, &s, &cause), 0);
	if (s != NULL) {
		CHECK(!s->gates.hpa_scale_to_zero);
		scn_free(s);
	}
	free(cause);
}

static void
test_bad_inputs(void)
{
	for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
		char path[512], want[1024];
		snprintf(path, sizeof path, "tests/bad_input/%s", bad_inputs[i].file);
		/* "L:C: text" is in the file itself; "@file:L:C: text" elsewhere. */
		if (bad_inputs[i].want[0] == '@')
			snprintf(want, sizeof want, "%s", bad_inputs[i].want + 1);
		else
			snprintf(want, sizeof want, "%s:%s", path, bad_inputs[i].want);
		struct scenario *s = NULL;
		char *cause = NULL;
		int rc = scn_load(tl_src(path), NULL, 0, &s, &cause);
		if (rc == 0) {
			FAILF("%s: loaded without error", bad_inputs[i].file);
			scn_free(s);
			continue;
		}
		CHECK_INT(rc, -1);
		CHECK(s == NULL);
		if (cause == NULL || strcmp(rel(cause), want) != 0)
			FAILF("%s:\n   got  %s\n   want %s", bad_inputs[i].file,
			    cause ? rel(cause) : "(null)", want);
		else
			PASS();
		free(cause);
	}
	/* A file that does not exist at all. */
	struct scenario *s = NULL;
	char *cause = NULL;
	CHECK_INT(scn_load(tl_src("tests/bad_input/no_such_file.yaml"), NULL, 0, &s,
	    &cause), -1);
	if (cause != NULL)
		CHECK_STR(rel(cause), "tests/bad_input/no_such_file.yaml: cannot open: No "
		    "such file or directory");
	free(cause);
}

/* Each Service's Deployment, found by the loader's label index, is the
 * first whose template labels the selector matches (as a scan finds it). */
static void
test_service_index(void)
{
	struct scenario *s = load("tests/data/harden/service_index.yaml", NULL, 0);
	if (s == NULL)
		return;
	static const struct {
		const char	*svc;
		int32_t		 deploy;
	} want[] = {
		{ "web", 0 },		/* web-fe and web-be match: the first */
		{ "web-be", 1 },	/* tier=be is on 2, app=web on 2: web-be first */
		{ "backends", 1 },	/* web-be before api */
		{ "none", -1 },		/* tier=db is on no Deployment */
		{ "headless", -1 },	/* no selector */
	};
	CHECK_INT(s->nservices, 5);
	for (size_t i = 0; i < s->nservices && i < 5; i++) {
		CHECK_STR(s->services[i].name, want[i].svc);
		CHECK(s->services[i].has_deploy);
		CHECK_INT(s->services[i].deploy, want[i].deploy);
	}
	scn_free(s);
}

/* Names resolved through the scenario's hashed index as the scans did:
 * "namespace/name" exactly, a plain name in the default namespace first,
 * else the only object of that name; several and none are errors. */
static void
test_name_index(void)
{
	struct scenario *s = load("tests/data/harden/name_index.yaml", NULL, 0);
	if (s == NULL)
		return;
	CHECK_INT(scn_find_ref(s, true, "web"), 1);	/* the default namespace's */
	CHECK_INT(scn_find_ref(s, true, "shop/web"), 0);
	CHECK_INT(scn_find_ref(s, true, "default/web"), 1);
	CHECK_INT(scn_find_ref(s, true, "api"), -1);	/* not in default */
	CHECK_INT(scn_find_ref(s, true, "shop/api"), 2);
	CHECK_INT(scn_find_ref(s, false, "web"), 0);
	CHECK_INT(scn_find_ref(s, false, "shop/web"), 1);
	CHECK_INT(scn_find_ref(s, false, "nope"), -1);
	size_t i = 99;
	char *cause = NULL;
	struct yt_node at;
	memset(&at, 0, sizeof at);
	at.file = "here";
	CHECK_INT(scn_resolve_ref(s, &at, true, "api", &i, &cause), 0);	/* the only one */
	CHECK_INT(i, 2);
	CHECK_INT(scn_resolve_ref(s, &at, false, "db", &i, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "is in several namespaces and none is "
	    "'default': write namespace/name (a/db, b/db)") != NULL);
	free(cause);
	cause = NULL;
	CHECK_INT(scn_resolve_ref(s, &at, false, "a/db", &i, &cause), 0);
	CHECK_INT(i, 3);
	CHECK_INT(scn_resolve_ref(s, &at, false, "c/db", &i, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "is not in the manifests") != NULL);
	free(cause);
	cause = NULL;
	char *plain = NULL;
	CHECK_INT(scn_resolve_plain(s, &at, "api", &plain, &cause), 0);
	CHECK(plain != NULL && strcmp(plain, "api") == 0);
	free(plain);
	CHECK_INT(scn_resolve_plain(s, &at, "shop/web", &plain, &cause), -1);
	CHECK(cause != NULL && strstr(cause, "Deployment 'web' is in namespaces shop and "
	    "default") != NULL);
	free(cause);
	scn_free(s);
}

int
main(void)
{
	test_ecommerce();
	test_worldcup();
	test_boutique();
	test_features();
	test_overrides();
	test_bad_inputs();
	test_feature_gates();
	test_service_index();
	test_name_index();
	return tl_finish();
}
