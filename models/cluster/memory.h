/*
 * memory.h - the memory a pod's containers use, and what the kernel and
 * the kubelet do about it (memory.c): a working-set model per pod (base +
 * per in-flight request + leak per hour since the container started), the
 * OOM kill of a container past its memory limit, the pod's QoS class, and
 * the kubelet's node-pressure eviction (memory.available and
 * allocatableMemory.available against --eviction-hard, pods ranked by
 * rankMemoryPressure, one eviction per housekeeping pass (every 10 s, or
 * as soon as the last evicted pod is cleaned up), the
 * MemoryPressure condition and its NoSchedule taint held for the pressure
 * transition period). Without a model or eviction settings nothing runs,
 * and a pod's memory use is CL_MEMORY_USE_OF_REQUEST of its request.
 */
#ifndef KS_CLUSTER_MEMORY_H
#define KS_CLUSTER_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"

struct cluster;
struct evict_kv;

/* A Service's pods' working set: base (has_base false: half the pod's
 * memory request, the default use) + per_request x requests in flight +
 * leak_per_hour x hours since the container (re)started; bytes. A
 * release's memoryLeakPerHour (struct cl_behavior) replaces the leak. */
struct cl_memory_params {
	bool	 has_base;
	int64_t	 base, per_request, leak_per_hour;
};
int cl_set_memory(struct cluster *c, const char *service,
    const struct cl_memory_params *m, char **cause);

/* The kubelet's --eviction-hard (hard NULL: the kubelet's Linux defaults,
 * memory.available<100Mi among them) and
 * --eviction-pressure-transition-period; only the memory signals are
 * simulated. Given thresholds turn the housekeeping on even without a
 * memory model. -1 with *cause on a threshold the kubelet refuses. */
int cl_set_kubelet_eviction(struct cluster *c, const struct evict_kv *hard, size_t n,
    sim_ns transition, char **cause);

/* The kubelet's eviction manager's monitoring interval
 * (pkg/kubelet/kubelet.go evictionMonitoringPeriod). */
#define CL_EVICTION_MONITORING_PERIOD	(10 * SIM_SEC)

/* Whether pod p's memory follows a model (a memory: block of its Service
 * or a leaking release), and its working set now (bytes; without a model
 * CL_MEMORY_USE_OF_REQUEST of its request). */
bool cl_pod_memory_modelled(const struct cluster *c, uint32_t p);
int64_t cl_pod_working_set(const struct cluster *c, uint32_t p);
/* "Guaranteed", "Burstable" or "BestEffort" (models/kubelet/qos.c). */
const char *cl_pod_qos(const struct cluster *c, uint32_t p);

#endif
