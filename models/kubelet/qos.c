/*
 * qos.c - ComputePodQOS (pkg/apis/core/v1/helper/qos/qos.go): BestEffort
 * without cpu/memory requests or limits, Guaranteed when every container
 * (or the pod level) limits both and the summed requests equal the summed
 * limits for the same resources, Burstable otherwise.
 */
#include "config.h"

#include "models/kubelet/qos.h"

const char *
qos_class_name(enum qos_class c)
{
	switch (c) {
	case QOS_GUARANTEED:
		return "Guaranteed";
	case QOS_BURSTABLE:
		return "Burstable";
	case QOS_BEST_EFFORT:
	default:
		return "BestEffort";
	}
}

static void
add_pos(struct qos_res *sum, const struct qos_res *r)
{
	if (r->cpu_milli > 0)
		sum->cpu_milli += r->cpu_milli;
	if (r->memory > 0)
		sum->memory += r->memory;
}

static bool
limits_both(const struct qos_res *l)
{
	return l->cpu_milli > 0 && l->memory > 0;
}

void
qos_collect_containers(const struct qos_container *c, size_t n, struct qos_sum *out)
{
	*out = (struct qos_sum){ .has_cpu_and_memory_limits = true };
	for (size_t i = 0; i < n; i++) {
		add_pos(&out->requests, &c[i].requests);
		add_pos(&out->limits, &c[i].limits);
		if (!limits_both(&c[i].limits))
			out->has_cpu_and_memory_limits = false;
	}
}

void
qos_collect_pod_level(const struct qos_container *pod, struct qos_sum *out)
{
	*out = (struct qos_sum){ 0 };
	add_pos(&out->requests, &pod->requests);
	add_pos(&out->limits, &pod->limits);
	out->has_cpu_and_memory_limits = limits_both(&pod->limits);
}

enum qos_class
qos_compute(const struct qos_container *c, size_t n, const struct qos_container *pod_level)
{
	struct qos_sum s;
	if (pod_level != NULL)
		qos_collect_pod_level(pod_level, &s);
	else
		qos_collect_containers(c, n, &s);
	const struct qos_res *rq = &s.requests, *lm = &s.limits;
	int nreq = (rq->cpu_milli > 0) + (rq->memory > 0);
	int nlim = (lm->cpu_milli > 0) + (lm->memory > 0);
	if (nreq == 0 && nlim == 0)
		return QOS_BEST_EFFORT;
	bool g = s.has_cpu_and_memory_limits;
	/* Every request must have an equal limit, and the sets match. */
	if (g && rq->cpu_milli > 0 && lm->cpu_milli != rq->cpu_milli)
		g = false;
	if (g && rq->memory > 0 && lm->memory != rq->memory)
		g = false;
	return g && nreq == nlim ? QOS_GUARANTEED : QOS_BURSTABLE;
}
