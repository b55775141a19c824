/*
 * daemonset.h - the DaemonSet controller's algorithms (pkg/controller/daemon)
 * with no simulation state: node eligibility with the tolerations the
 * controller adds, the manage loop (one pod per eligible node, failed-pod
 * back-off, orphans and strays), the rolling update with maxUnavailable or
 * maxSurge, and the status counts. Node matching reuses the scheduler's
 * nodeSelector/affinity/taint predicates (models/scheduler/sched.h).
 */
#ifndef KS_CTRL_DAEMONSET_H
#define KS_CTRL_DAEMONSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/api/k8s.h"
#include "models/controller/intstr.h"
#include "models/kubelet/backoff.h"
#include "sim/engine/engine.h"

#define DS_BURST_REPLICAS	250		/* creates and deletes per sync */
#define DS_BACKOFF_INITIAL	SIM_SEC		/* failed-pod back-off */
#define DS_BACKOFF_MAX		(15 * SIM_MIN)

/* A DaemonSet as the controller reads it. */
struct ds_spec {
	const struct k8s_selector *selector;	/* spec.selector */
	const struct k8s_pod_spec *template;	/* node_name, node_selector,
						 * affinity, tolerations */
	bool			host_network;
	bool			on_delete;	/* updateStrategy OnDelete */
	bool			rolling_update;	/* rollingUpdate block set */
	struct intstr	max_unavailable;	/* unset: 0 */
	struct intstr	max_surge;		/* unset: 0 */
	int32_t			min_ready_s;
	bool			deleting;	/* deletionTimestamp set */
	const char		*revision;	/* hash of the current template */
};

/* The failed-pod back-off of one (DaemonSet, node): client-go's
 * flowcontrol.Backoff, as models/kubelet/backoff.h implements it. */
struct ds_backoff {
	struct backoff_entry	e;
};

struct ds_node {
	const struct k8s_node_spec *spec;	/* name, labels, taints */
	struct ds_backoff	   *backoff;	/* updated by ds_sync; NULL: none */
};

enum ds_owner { DS_ORPHAN = 0, DS_OWNED, DS_OWNED_BY_OTHER };
enum ds_phase { DS_POD_NONE = 0, DS_POD_PENDING, DS_POD_RUNNING, DS_POD_SUCCEEDED,
	DS_POD_FAILED, DS_POD_UNKNOWN };

struct ds_pod {
	const char		*name;
	const char		*node;		/* spec.nodeName; NULL or "": unscheduled */
	const char		*affinity_node;	/* node pinned by required node affinity */
	const struct k8s_labels	*labels;
	enum ds_owner		 owner;		/* its controllerRef */
	const char		*revision;	/* controller-revision-hash; NULL: none */
	enum ds_phase		 phase;
	bool			 ready;		/* Ready condition True */
	sim_ns			 ready_since;	/* its lastTransitionTime */
	sim_ns			 created;
	bool			 terminating;	/* deletionTimestamp set */
};

/* Available: Ready, and Ready for longer than min_ready_s (0: at once). */
bool ds_pod_available(const struct ds_pod *p, int32_t min_ready_s, sim_ns now);

/* NodeShouldRunDaemonPod. */
void ds_node_should_run(const struct ds_spec *ds, const struct k8s_node_spec *node,
    bool *should_run, bool *should_continue);

/* updatedDesiredNodeCounts: nodes that should run a pod, and maxSurge and
 * maxUnavailable scaled against it rounding up (both 0: maxUnavailable 1). */
void ds_desired_counts(const struct ds_spec *ds, const struct ds_node *nodes, size_t n,
    int32_t *desired, int32_t *max_surge, int32_t *max_unavailable);

struct ds_status {
	int32_t	desired, current, misscheduled, ready, updated, available, unavailable;
};

struct ds_sync_in {
	const struct ds_spec	*spec;
	const struct ds_node	*nodes;
	size_t			 nnodes;
	const struct ds_pod	*pods;		/* every pod of the namespace */
	size_t			 npods;
	sim_ns			 now;
	/* Created and deleted pods are observed at once (upstream's unit-test
	 * fake): the rolling update runs in the same sync and sees them. Off, a
	 * sync whose manage pass created or deleted pods leaves the rolling
	 * update to the next sync, as unsatisfied expectations do. */
	bool			 observe_own_changes;
};

struct ds_sync_out {
	size_t	*create;	/* node indices, in order */
	size_t	 ncreate;
	size_t	*del;		/* pod indices, in order */
	size_t	 ndel;
	int32_t	 events;	/* failed/succeeded pod and selecting-all events */
	sim_ns	 requeue_after;	/* failed-pod back-off wait; -1 none */
	struct ds_status status;	/* of the pods as read */
};
void ds_sync_out_fini(struct ds_sync_out *o);

/* One syncDaemonSet (manage, then the rolling update); out is initialized. */
void ds_sync(const struct ds_sync_in *in, struct ds_sync_out *out);

#endif
