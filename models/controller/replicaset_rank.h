/*
 * replicaset_rank.h - the ReplicaSet controller's scale-down order:
 * controller.ActivePodsWithRanks.Less (pkg/controller/controller_utils.go)
 * with the rank getPodsRankedByRelatedPodsOnSameNode gives it
 * (pkg/controller/replicaset/replica_set.go), the PodDeletionCost and
 * LogarithmicScaleDown gates, and GetDeletionCostFromPodAnnotations. Pure
 * functions of plain values; models/cluster/replicaset.c fills them from
 * the cluster's pods.
 */
#ifndef KS_REPLICASET_RANK_H
#define KS_REPLICASET_RANK_H

#include <stdbool.h>
#include <stdint.h>

/* podPhaseToOrdinal: Pending < Unknown < Running. */
enum rs_rank_phase { RS_RANK_PENDING = 0, RS_RANK_UNKNOWN = 1, RS_RANK_RUNNING = 2 };

/* One pod as Less sees it. Times are nanoseconds on one clock; has_* false
 * is metav1.Time's zero value (a missing timestamp). */
struct rs_rank_pod {
	bool			 assigned;	/* spec.nodeName set */
	enum rs_rank_phase	 phase;
	bool			 ready;		/* podutil.IsPodReady */
	int32_t			 deletion_cost;	/* the annotation, 0 when absent */
	int			 rank;		/* active related pods on its node */
	bool			 has_ready_time;	/* Ready's lastTransitionTime */
	int64_t			 ready_time;
	int32_t			 restarts;	/* max container restartCount */
	bool			 has_created;
	int64_t			 created;	/* creationTimestamp */
	uint64_t		 uid;		/* metadata.uid, for the log-scale tie */
};

/* The feature gates Less reads and the sort's Now. */
struct rs_rank_opts {
	bool	 pod_deletion_cost;	/* PodDeletionCost: beta, on since 1.22 */
	bool	 logarithmic_scale_down;	/* LogarithmicScaleDown: on since 1.22 */
	bool	 has_now;		/* false: Now is zero, no log scale */
	int64_t	 now;
};

/* Both gates on (their defaults), Now = now. */
struct rs_rank_opts rs_rank_defaults(int64_t now);

/* ActivePodsWithRanks.Less(a, b): true when a is to be deleted before b. */
bool rs_rank_less(const struct rs_rank_opts *o, const struct rs_rank_pod *a,
    const struct rs_rank_pod *b);

/* logarithmicRankDiff: int64(math.Log2(float64(now - t))) of each time
 * (-1 when now - t <= 0), the first minus the second. */
int64_t rs_rank_log_diff(int64_t t1, int64_t t2, int64_t now);

/* A time as the API stores it (metav1.Time keeps whole seconds): the
 * nanoseconds t floored to the second. */
int64_t rs_rank_api_time(int64_t t);

/* GetDeletionCostFromPodAnnotations on the annotation's value: 0 and the
 * int32 in *cost when valid ("-5", "0", "17"; no '+', no leading zero, in
 * int32 range), -1 (and *cost 0) otherwise; the API server refuses a pod
 * (template) whose value is invalid: "must be a 32bit integer". */
int rs_rank_parse_deletion_cost(const char *value, int32_t *cost);

#endif
