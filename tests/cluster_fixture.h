/*
 * cluster_fixture.h - the constant control-plane timings the cluster-model
 * tests use, so that every expected time in them can be computed by hand:
 * API and watch 10 ms, a scheduling cycle 1 ms, image pull 2 s, container
 * start 1 s, endpoints 0.5 s, shutdown 1 s; upstream's periods otherwise
 * (grace 40 s here, to keep the older tests' arithmetic); and the
 * Deployment, readiness probe and HPA the tests build their cases from.
 */
#ifndef KS_TEST_CLUSTER_FIXTURE_H
#define KS_TEST_CLUSTER_FIXTURE_H

#include <string.h>

#include "models/cluster/cluster.h"
#include "models/hpa/hpa.h"

static inline void
tf_timings(struct cl_timings *t, sim_ns duration)
{
	memset(t, 0, sizeof *t);
	t->api_latency = sim_dist_const(0.010);
	t->watch_latency = sim_dist_const(0.010);
	t->scheduler_latency = sim_dist_const(0.001);
	t->image_pull = sim_dist_const(2.0);
	t->container_start = sim_dist_const(1.0);
	t->endpoints_latency = sim_dist_const(0.5);
	t->shutdown = sim_dist_const(1.0);
	t->node_monitor_period = 5 * SIM_SEC;
	t->node_monitor_grace = 40 * SIM_SEC;
	t->eviction_toleration = 300 * SIM_SEC;
	t->hpa_sync_period = 15 * SIM_SEC;
	t->metrics_resolution = 15 * SIM_SEC;
	t->backoff_initial = SIM_SEC;
	t->backoff_max = 10 * SIM_SEC;
	t->unschedulable_flush = 5 * SIM_MIN;
	t->tick = SIM_SEC;
	t->interval = 60 * SIM_SEC;
	t->duration = duration;
}

/* A Deployment `name` in the default namespace selecting its pods by
 * app=name: `replicas` pods of one container "app" of `image` requesting
 * cpu_milli and, when memory > 0, memory bytes; grace 30 s, no probe. The
 * caller frees the template's labels and the container's requests. */
static inline void
tf_deployment(struct k8s_deployment *d, struct k8s_container *ctr, const char *name,
    const char *image, int32_t replicas, int64_t cpu_milli, int64_t memory)
{
	memset(d, 0, sizeof *d);
	memset(ctr, 0, sizeof *ctr);
	ctr->name = "app";
	ctr->image = (char *)image;
	k8s_res_set(&ctr->requests, "cpu", cpu_milli);
	if (memory > 0)
		k8s_res_set(&ctr->requests, "memory", memory);
	d->name = (char *)name;
	d->namespace = "default";
	d->replicas = replicas;
	d->selector.set = true;
	d->template.namespace = "default";
	k8s_labels_set(&d->template.labels, "app", name);
	d->template.containers = ctr;
	d->template.ncontainers = 1;
	d->template.termination_grace_s = 30;
}

/* A readiness probe that passes 5-10 s after the start: delay 5 s, period
 * 5 s, one success, three failures. */
static inline void
tf_readiness(struct k8s_container *ctr)
{
	ctr->readiness.set = true;
	ctr->readiness.initial_delay_s = 5;
	ctr->readiness.period_s = 5;
	ctr->readiness.success_threshold = 1;
	ctr->readiness.failure_threshold = 3;
}

/* An autoscaling/v2 HPA named after Deployment `deployment` in the default
 * namespace, scaling it between min and max on the n metrics m. */
static inline void
tf_hpa(struct hpa_spec *h, char *deployment, int32_t min, int32_t max,
    struct hpa_metric_spec *m, size_t n)
{
	memset(h, 0, sizeof *h);
	h->name = deployment;
	h->namespace = "default";
	h->target_kind = "Deployment";
	h->target_name = deployment;
	h->min_replicas = min;
	h->max_replicas = max;
	h->metrics = m;
	h->nmetrics = n;
}

/* A Resource metric: average cpu utilization of `percent` of the requests. */
static inline void
tf_cpu_utilization(struct hpa_metric_spec *m, int32_t percent)
{
	memset(m, 0, sizeof *m);
	m->type = HPA_RESOURCE;
	m->resource = "cpu";
	m->target = HPA_UTILIZATION;
	m->average_utilization = percent;
}

#endif
