/*
 * faults.h - the scheduled faults of a scenario's failures.scheduled list
 * beyond failNodes/failZone/recoverNodes/scale (scenarios/chaos.c reads
 * them): a zone's network partition, an API server outage, spot reclaims,
 * pod kills, node drains and a node-by-node upgrade. Each item of the list
 * that is one of these has kind SCN_FAULT and its fields here.
 */
#ifndef KS_SCN_FAULTS_H
#define KS_SCN_FAULTS_H

#include <stdbool.h>

#include "models/api/k8s.h"
#include "sim/engine/engine.h"
#include "sim/util/ytree.h"

enum scn_fault_kind {
	SCN_FAULT_PARTITION,	/* partitionZone */
	SCN_FAULT_API_OUTAGE,	/* apiOutage */
	SCN_FAULT_SPOT_RECLAIM,	/* spotReclaim */
	SCN_FAULT_KILL_PODS,	/* killPods */
	SCN_FAULT_DRAIN,	/* drainNodes */
	SCN_FAULT_UPGRADE,	/* upgradeNodes */
	SCN_FAULT_SLOW_API,	/* slowApi */
	SCN_FAULT_FAIL_PULLS,	/* failImagePulls */
	SCN_FAULT_SLOW_PULLS,	/* slowImagePulls */
	/* failures.replay (scenarios/incident.c): a real cluster's events */
	SCN_FAULT_NODE_DOWN,	/* NodeNotReady of a Node: node (name) */
	SCN_FAULT_NODE_UP,	/* NodeReady of a Node */
	SCN_FAULT_POD_KILL,	/* Killing, Evicted, BackOff, OOMKilling, liveness
				   Unhealthy: object (the real pod) of deployment */
	SCN_FAULT_POD_UNREADY,	/* readiness Unhealthy: not Ready for duration */
	SCN_FAULT_NOTE,		/* FailedScheduling: recorded as an events row */
};

struct scn_fault {
	enum scn_fault_kind	 kind;
	sim_ns			 at;
	sim_ns			 duration;	/* partition/outage length; random
						   faults: their window (0: to the end) */
	char			*pool, *zone, *node;	/* which nodes (NULL: any) */
	int32_t			 count;		/* nodes or pods; 0: all */
	struct k8s_selector	 selector;	/* killPods: the pods (set) */
	sim_ns			 notice;	/* spotReclaim: default 2m */
	double			 factor;	/* slowApi, slowImagePulls */
	char			*image;		/* image pulls: NULL = every image */
	bool			 random;	/* repeated with gaps drawn from every */
	struct sim_dist		 every;		/* seconds */
	/* replayed events */
	char			*object;	/* the real pod's name */
	char			*deployment;	/* its owner in the scenario */
	char			*ns;		/* the owner's namespace */
	char			*reason;	/* the event's reason and message */
};

struct scenario;
struct scn_chaos;
/* One item of failures.scheduled: 1 when its action is one of the faults
 * above (c->kind = SCN_FAULT, c->fault set), 0 when the action is another
 * one (the caller reads it), -1 with *cause on bad input. */
int scn_fault_parse(struct scenario *s, const struct yt_node *n, struct scn_chaos *c,
    char **cause);
void scn_fault_free(struct scn_fault *f);
/* Whether name is one of the simulated cluster's node names
 * (<pool>-<number>). */
bool scn_node_name_known(const struct scenario *s, const char *name);
/* failures.replay: PATH or {events: PATH, at: DURATION} of `kubectl get
 * events -A -o yaml|json`, relative to dir: appends its failures to
 * s->chaos (scenarios/incident.c); what cannot be mapped is a warning. */
int scn_incident(struct scenario *s, const struct yt_node *n, const char *dir,
    char **cause);

#endif
