/*
 * deployment.h - the Deployment controller's arithmetic (kubernetes
 * pkg/controller/deployment and deployment/util): fenceposts, the new
 * ReplicaSet's size, rolling scale-down of old ReplicaSets, proportional
 * scaling, revision-history cleanup and the Progressing condition. Pure
 * functions on small ReplicaSet summaries; the simulation owns the objects,
 * calls these each sync and applies the sizes and annotations they return.
 */
#ifndef KS_DEPLOYMENT_H
#define KS_DEPLOYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/controller/intstr.h"

/* apps/v1 defaults (pkg/apis/apps/v1/defaults.go). */
#define DEPLOY_DEFAULT_REPLICAS			1
#define DEPLOY_DEFAULT_MAX_SURGE_PCT		25
#define DEPLOY_DEFAULT_MAX_UNAVAILABLE_PCT	25
#define DEPLOY_DEFAULT_REVISION_HISTORY		10
#define DEPLOY_DEFAULT_PROGRESS_DEADLINE_S	600
/* requeueStuckDeployment's "no requeue" (time.Duration(-1)), in ns. */
#define DEPLOY_NO_REQUEUE			((int64_t)-1)

enum deploy_strategy { DEPLOY_ROLLING_UPDATE = 0, DEPLOY_RECREATE };

/* spec.podReplacementPolicy; UNSET also stands for the
 * DeploymentPodReplacementPolicy gate being off. */
enum deploy_replacement {
	DEPLOY_REPLACE_UNSET = 0,
	DEPLOY_REPLACE_TERMINATION_STARTED,
	DEPLOY_REPLACE_TERMINATION_COMPLETE,
};

/* What the controller reads of a Deployment's spec and metadata. */
struct deploy_spec {
	int32_t			replicas;
	enum deploy_strategy	strategy;
	struct intstr		max_surge;		/* INTSTR_UNSET: nil (0) */
	struct intstr		max_unavailable;	/* INTSTR_UNSET: nil (0) */
	int64_t			generation;
	bool			has_progress_deadline;	/* false: nil */
	int32_t			progress_deadline_s;	/* INT32_MAX: none */
	bool			has_revision_history;	/* false: nil */
	int32_t			revision_history_limit;	/* INT32_MAX: keep all */
	enum deploy_replacement	replacement;
	bool			gate_terminating;	/* DeploymentReplicaSetTerminatingReplicas */
};

/* A ReplicaSet as the controller sees it. The functions below that scale
 * write spec_replicas and the two replica annotations, as the API update
 * upstream would; owner is the caller's, never read. */
struct deploy_rs {
	const char	*name;
	int64_t		 created_ns;		/* creationTimestamp */
	bool		 deleting;		/* deletionTimestamp set */
	int64_t		 generation;
	int32_t		 spec_replicas;
	int32_t		 status_replicas;
	int32_t		 ready_replicas;
	int32_t		 available_replicas;
	bool		 has_terminating;	/* status.terminatingReplicas set */
	int32_t		 terminating_replicas;
	int64_t		 observed_generation;
	int64_t		 revision;		/* revision annotation; absent = 0 */
	bool		 revision_bad;		/* present but not an int64 */
	bool		 has_desired;		/* desired-replicas annotation valid */
	int32_t		 desired_replicas;
	bool		 has_max;		/* max-replicas annotation valid */
	int32_t		 max_replicas;
	void		*owner;
};

enum deploy_cond_status { DEPLOY_COND_ABSENT = 0, DEPLOY_COND_TRUE, DEPLOY_COND_FALSE,
	DEPLOY_COND_UNKNOWN };

enum deploy_reason {
	DEPLOY_REASON_NONE = 0,			/* "" */
	DEPLOY_REASON_RS_UPDATED,		/* ReplicaSetUpdated */
	DEPLOY_REASON_RS_CREATE_ERROR,		/* ReplicaSetCreateError */
	DEPLOY_REASON_NEW_RS_CREATED,		/* NewReplicaSetCreated */
	DEPLOY_REASON_FOUND_NEW_RS,		/* FoundNewReplicaSet */
	DEPLOY_REASON_NEW_RS_AVAILABLE,		/* NewReplicaSetAvailable */
	DEPLOY_REASON_TIMED_OUT,		/* ProgressDeadlineExceeded */
	DEPLOY_REASON_PAUSED,			/* DeploymentPaused */
	DEPLOY_REASON_RESUMED,			/* DeploymentResumed */
	DEPLOY_REASON_MIN_AVAILABLE,		/* MinimumReplicasAvailable */
	DEPLOY_REASON_MIN_UNAVAILABLE,		/* MinimumReplicasUnavailable */
	DEPLOY_REASON_OTHER,			/* anything else */
};
const char *deploy_reason_name(enum deploy_reason r);
enum deploy_reason deploy_reason_parse(const char *s);

struct deploy_condition {
	enum deploy_cond_status	status;		/* ABSENT: no such condition */
	enum deploy_reason	reason;
	int64_t			last_update_ns;
	int64_t			last_transition_ns;
};

/* DeploymentStatus with its two conditions kubesim keeps. */
struct deploy_status {
	int64_t			observed_generation;
	int32_t			replicas;
	int32_t			updated_replicas;
	int32_t			ready_replicas;
	int32_t			available_replicas;
	int32_t			unavailable_replicas;
	bool			has_terminating;
	int32_t			terminating_replicas;
	struct deploy_condition	progressing;
	struct deploy_condition	available;
};

/* ---- fenceposts and counts (deployment_util.go) ------------------------ */

/* ResolveFenceposts: surge rounds up, unavailable down, nil counts 0, both 0
 * gives unavailable 1. -1 (both 0) when a value cannot be scaled. */
int deploy_resolve_fenceposts(const struct intstr *max_surge,
    const struct intstr *max_unavailable, int32_t desired, int32_t *surge,
    int32_t *unavailable);
int32_t deploy_max_unavailable(const struct deploy_spec *d);
int32_t deploy_min_available(const struct deploy_spec *d);
int32_t deploy_max_surge(const struct deploy_spec *d);

int32_t deploy_sum_spec(struct deploy_rs *const *rs, size_t n);
int32_t deploy_sum_status(struct deploy_rs *const *rs, size_t n);
int32_t deploy_sum_ready(struct deploy_rs *const *rs, size_t n);
int32_t deploy_sum_available(struct deploy_rs *const *rs, size_t n);
/* GetTerminatingReplicaCountForReplicaSets: false ("unknown") when a
 * ReplicaSet that has been observed lacks status.terminatingReplicas. */
bool deploy_sum_terminating(struct deploy_rs *const *rs, size_t n, int32_t *out);

/* A replica annotation's value as getNonNegativeInt32FromAnnotation reads
 * it; false when absent, malformed or negative. */
bool deploy_annotation_int(const char *s, int32_t *out);
/* ReplicasAnnotationsNeedUpdate. */
bool deploy_annotations_need_update(const struct deploy_rs *rs, int32_t desired,
    int32_t max);
/* IsSaturated: spec == desired annotation == available == replicas. */
bool deploy_is_saturated(const struct deploy_spec *d, const struct deploy_rs *rs);

/* NewRSNewReplicas. With TerminationComplete terminating and not yet
 * removed pods count too; -1 when their number is unknown. */
int deploy_new_rs_replicas(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t n, const struct deploy_rs *new_rs, int32_t *out);

/* getReplicaSetFraction and GetProportion (proportional scaling); status_replicas
 * is the Deployment's status.replicas, the base when the annotation is missing. */
int32_t deploy_rs_fraction(const struct deploy_spec *d, int32_t status_replicas,
    const struct deploy_rs *rs);
int32_t deploy_rs_proportion(const struct deploy_spec *d, int32_t status_replicas,
    const struct deploy_rs *rs, int32_t to_add, int32_t added);

/* ---- the controller's steps (rolling.go, sync.go, recreate.go) -------- */

/* scaleReplicaSet: sets the size and the replica annotations; true when the
 * size changed. */
bool deploy_scale_rs(const struct deploy_spec *d, struct deploy_rs *rs, int32_t size);

/* reconcileNewReplicaSet; *scaled when the new RS changed size. */
int deploy_reconcile_new(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t n, struct deploy_rs *new_rs, bool *scaled);

/* cleanupUnhealthyReplicas: old sorted oldest first (reordered in place);
 * returns how many unhealthy replicas were scaled away. */
int32_t deploy_cleanup_unhealthy(const struct deploy_spec *d, struct deploy_rs **old,
    size_t nold, int32_t max_cleanup);
/* scaleDownOldReplicaSetsForRollingUpdate: returns the replicas removed. */
int32_t deploy_scale_down_old(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t nall, struct deploy_rs **old, size_t nold);
/* reconcileOldReplicaSets; true when anything was scaled down. new_rs may be
 * NULL only if it is not among all. */
bool deploy_reconcile_old(const struct deploy_spec *d, struct deploy_rs **old,
    size_t nold, struct deploy_rs *new_rs);

/* scale (sync.go): proportional scaling when spec.replicas changes with more
 * than one active ReplicaSet. rs holds old ReplicaSets and the new one (or
 * not, new_rs NULL); its order is changed. */
void deploy_scale_proportionally(const struct deploy_spec *d, int32_t status_replicas,
    struct deploy_rs *new_rs, struct deploy_rs **old, size_t nold,
    struct deploy_rs **scratch);

/* scaleDownOldReplicaSetsForRecreate; true when one was scaled. */
bool deploy_recreate_scale_down(const struct deploy_spec *d, struct deploy_rs *const *old,
    size_t nold);

/* isScalingEvent: an active ReplicaSet whose desired-replicas annotation
 * differs from spec.replicas; sync then calls deploy_scale_proportionally, not a rollout. */
bool deploy_is_scaling_event(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t n);

enum deploy_step {
	DEPLOY_STEP_NONE = 0,		/* nothing scaled: status sync (and cleanup) */
	DEPLOY_STEP_SCALED_UP,
	DEPLOY_STEP_SCALED_DOWN,
	DEPLOY_STEP_WAITING,		/* Recreate: old pods still running */
};

/* rolloutRolling once the new ReplicaSet exists: scale it up if possible,
 * else scale old ones down; one of the two per sync, as upstream. scratch
 * has room for 2 * nold + 1 pointers. -1 when the new size cannot be
 * computed (TerminationComplete with an unknown terminating count). */
int deploy_rolling_step(const struct deploy_spec *d, struct deploy_rs *new_rs,
    struct deploy_rs **old, size_t nold, struct deploy_rs **scratch,
    enum deploy_step *step);
/* rolloutRecreate: old ReplicaSets to 0 first; while old pods run (their
 * status.replicas, or old_pods_running from the caller's pods) wait; then
 * the new ReplicaSet to spec.replicas. */
void deploy_recreate_step(const struct deploy_spec *d, struct deploy_rs *new_rs,
    struct deploy_rs *const *old, size_t nold, bool old_pods_running,
    enum deploy_step *step);

/* cleanupDeployment: marks ReplicaSets to delete (old reordered by revision);
 * returns how many, their pointers first in del (room for nold). */
size_t deploy_cleanup(const struct deploy_spec *d, struct deploy_rs **old, size_t nold,
    struct deploy_rs **del);

/* ---- progress (progress.go, deployment_util.go) ------------------------ */

bool deploy_complete(const struct deploy_spec *d, const struct deploy_status *s);
bool deploy_progressing(const struct deploy_status *old, const struct deploy_status *s);
bool deploy_timed_out(const struct deploy_spec *d, const struct deploy_status *s,
    int64_t now_ns);
/* calculateStatus: counts from all (new_rs among them or NULL) and the
 * Available condition; conditions otherwise copied from cur. */
void deploy_calculate_status(const struct deploy_spec *d, const struct deploy_status *cur,
    struct deploy_rs *const *all, size_t n, const struct deploy_rs *new_rs,
    int64_t now_ns, struct deploy_status *out);
/* syncRolloutStatus: the new status with the Progressing condition. */
void deploy_sync_rollout_status(const struct deploy_spec *d, const struct deploy_status *cur,
    struct deploy_rs *const *all, size_t n, const struct deploy_rs *new_rs,
    int64_t now_ns, struct deploy_status *out);
/* requeueStuckDeployment: ns until the next progress check, 0 for now,
 * DEPLOY_NO_REQUEUE when there is nothing to wait for. */
int64_t deploy_requeue_after(const struct deploy_spec *d, const struct deploy_status *cur,
    const struct deploy_status *new_status, int64_t now_ns);

#endif
