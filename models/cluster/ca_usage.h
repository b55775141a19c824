/*
 * ca_usage.h - what the Cluster Autoscaler reads of every node and pod each
 * loop, kept between its loops so that a steady loop costs what changed:
 * each node's utilization and emptiness (recomputed only for a node whose
 * pods changed since, as the store's watch tells, or that holds a pod being
 * deleted, whose share depends on the time) and what a removal would move,
 * the nodes the watch told changed, whether some pod has required pod
 * anti-affinity, and each pod's request as NodeResourcesFit reads it.
 * Every cached answer equals the recomputation from the pods now;
 * cas_usage_stale checks that.
 */
#ifndef KS_CLUSTER_CA_USAGE_H
#define KS_CLUSTER_CA_USAGE_H

#include "models/autoscaler/ca.h"
#include "models/cluster/store.h"

/* One node's scale-down inputs from its pods. */
struct cas_use {
	bool	empty;		/* no pod would need to move */
	bool	util_error;	/* ca_utilization failed */
	double	utilization;
};

/* A pod's request as NodeResourcesFit reads it (k8s_pod_request without
 * the non-zero defaults) and what the other filters need of its spec.
 * plain: no extended resource, so the fit is fitsRequest on the node's
 * sums; light: plain, no negative request, no host port, no spreading
 * constraint, no required pod (anti-)affinity: nothing a filter reads of
 * the pods on a node but their requested sums and count; simple: light,
 * and no spec.nodeName, nodeSelector or required node affinity: on a node
 * without taints that is schedulable, while no pod has required pod
 * anti-affinity, every filter but NodeResourcesFit passes. */
struct cas_req {
	bool	plain, light, simple;
	bool	host_ports;
	int64_t	cpu, mem, eph;
};
void cas_req_of(const struct k8s_pod_spec *pod, struct cas_req *q);

struct cas_usage;

/* Registers the store watch; freed with cas_usage_free. */
struct cas_usage *cas_usage_new(struct cluster *c);
void cas_usage_free(struct cas_usage *u);

/* Node `node`'s inputs at now (kept, or recomputed when its pods changed). */
const struct cas_use *cas_usage_node(struct cas_usage *u, uint32_t node,
    const struct ca_config *cfg, sim_ns now);
/* The same from the node's pods, ignoring what is kept. */
void cas_usage_compute(struct cas_usage *u, uint32_t node, const struct ca_config *cfg,
    sim_ns now, struct cas_use *out);
/* Whether the node's kept answer depends on the time (it holds pods being
 * deleted: recomputed at each cas_usage_node). */
bool cas_usage_volatile(const struct cas_usage *u, uint32_t node);

/* What a removal of the node would move (its pods not being deleted and
 * not of a DaemonSet): how many, whether all are light and simple
 * (cas_req), and the largest requests among them. */
struct cas_moves {
	uint32_t	n;
	bool		light, simple;
	int64_t		cpu, mem, eph;
};
/* Node `node`'s (kept until its pods change). */
const struct cas_moves *cas_usage_moves(struct cas_usage *u, uint32_t node);

/* The nodes the store told changed since cas_usage_touched_clear, each
 * once: a pod bound to, deleted on or leaving the node, or the node
 * added, removed or its state changed. */
const uint32_t *cas_usage_touched(const struct cas_usage *u, size_t *n);
void cas_usage_touched_clear(struct cas_usage *u);
/* Whether some pod slot of the store holds a spec with required pod
 * anti-affinity (a freed slot keeps its spec until reused). */
bool cas_usage_any_anti(struct cas_usage *u);
/* Pod p's request (kept per pod incarnation). */
const struct cas_req *cas_usage_req(struct cas_usage *u, uint32_t p);
/* For tests: how many kept answers differ from a recomputation now (nodes'
 * inputs and movable pods, the anti-affinity flag, pods' requests); 0 when
 * none is stale.
 * Then keeps the answers for every live node and pod. */
size_t cas_usage_stale(struct cas_usage *u, const struct ca_config *cfg, sim_ns now);

#endif
