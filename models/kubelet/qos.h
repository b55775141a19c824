/*
 * qos.h - a pod's QoS class as the API server and kubelet compute it
 * (pkg/apis/core/v1/helper/qos): only cpu and memory count, only values
 * greater than zero, containers and init containers summed (ephemeral
 * containers ignored), or the pod-level resources when PodLevelResources
 * is on and spec.resources is set.
 */
#ifndef KS_QOS_H
#define KS_QOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qos_class { QOS_BEST_EFFORT = 0, QOS_BURSTABLE, QOS_GUARANTEED };
const char *qos_class_name(enum qos_class c);	/* "BestEffort", ... */

/* cpu in millicores, memory in bytes; a value <= 0 counts as unset. */
struct qos_res {
	int64_t	cpu_milli;
	int64_t	memory;
};
/* A container's (or the pod level's) requests and limits. */
struct qos_container {
	struct qos_res	requests;
	struct qos_res	limits;
};
/* The sums upstream's collect*LevelResources return. */
struct qos_sum {
	struct qos_res	requests;
	struct qos_res	limits;
	bool		has_cpu_and_memory_limits;	/* every container (or the pod) */
};

/* collectContainerLevelResources over containers and init containers. */
void qos_collect_containers(const struct qos_container *c, size_t n, struct qos_sum *out);
/* collectPodLevelResources. */
void qos_collect_pod_level(const struct qos_container *pod, struct qos_sum *out);
/* ComputePodQOS; pod_level NULL when spec.resources is unset or the
 * PodLevelResources gate is off. */
enum qos_class qos_compute(const struct qos_container *c, size_t n,
    const struct qos_container *pod_level);

#endif
