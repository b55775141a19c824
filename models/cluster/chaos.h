/*
 * chaos.h - the scheduled faults the chaos controller (chaos.c) runs: a
 * zone's network partition, an API server outage, spot reclaims with their
 * notice, pod kills, node drains through the eviction API and a
 * node-by-node upgrade, once or at random times. The program (sim/) adds
 * them from the scenario; each fault's start and end are `faults` rows.
 */
#ifndef KS_CLUSTER_CHAOS_H
#define KS_CLUSTER_CHAOS_H

#include "models/cluster/cluster.h"

enum cl_fault_kind {
	CL_FAULT_PARTITION,
	CL_FAULT_API_OUTAGE,
	CL_FAULT_SPOT_RECLAIM,
	CL_FAULT_KILL_PODS,
	CL_FAULT_DRAIN,
	CL_FAULT_UPGRADE,
	CL_FAULT_SLOW_API,	/* api, watch and endpoints latencies x factor */
	CL_FAULT_FAIL_PULLS,	/* image pulls fail (ImagePullBackOff) */
	CL_FAULT_SLOW_PULLS,	/* image pulls take factor times as long */
	/* a real cluster's events replayed (failures.replay) */
	CL_FAULT_NODE_DOWN,	/* node stops */
	CL_FAULT_NODE_UP,	/* node runs again */
	CL_FAULT_POD_KILL,	/* the pod `object` maps to is deleted */
	CL_FAULT_POD_UNREADY,	/* ... is not Ready for duration */
	CL_FAULT_NOTE,		/* only recorded (FailedScheduling) */
};

struct cl_fault_params {
	enum cl_fault_kind	 kind;
	const char		*action;	/* the scenario's name, for the rows */
	sim_ns			 at;
	sim_ns			 duration;	/* partition, outage; random: window, 0 = to the end */
	const char		*pool, *zone, *node;	/* which nodes; NULL: any */
	int32_t			 count;		/* nodes or pods; 0: all */
	const struct k8s_selector *selector;	/* killPods */
	sim_ns			 notice;	/* spot reclaim */
	double			 factor;
	const char		*image;		/* pulls of this image (a name matches
						   every tag); NULL: all */
	bool			 random;	/* repeat with gaps drawn from every */
	struct sim_dist		 every;		/* seconds */
	/* replayed events: the real pod's name ("node:NAME": a pod of that
	 * node), its Deployment and namespace, the event's reason: message */
	const char		*object, *deployment, *ns, *reason;
};

/* Borrowed strings and selector must outlive the cluster. Returns an index,
 * or -1 with *cause. */
int cl_add_fault(struct cluster *c, const struct cl_fault_params *f, char **cause);

#endif
