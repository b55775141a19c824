/*
 * job.h - the Job controller's algorithms (pkg/controller/job) with no
 * simulation state: the pod failure back-off, finish times, indexed-job
 * bookkeeping (completed/failed index intervals, pending indexes, duplicate
 * removal) and one syncJob: which pods to create and delete and the status
 * written. Times are int64 nanoseconds (sim_ns); spec durations in seconds.
 */
#ifndef KS_CTRL_JOB_H
#define KS_CTRL_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"

#define JOB_DEFAULT_BACKOFF	(10 * SIM_SEC)	/* DefaultJobPodFailureBackOff */
#define JOB_MAX_BACKOFF		(360 * SIM_SEC)	/* MaxJobPodFailureBackOff */
#define JOB_MAX_CREATE_DELETE	500		/* MaxPodCreateDeletePerSync */
#define JOB_DEFAULT_BACKOFF_LIMIT 6
#define JOB_MAX_GENERATED_NAME	58		/* names.MaxGeneratedNameLength */
#define JOB_INDEX_UNKNOWN	(-1)		/* no, unparsable or negative index */

/* Feature gates the controller consults (Kubernetes 1.34 defaults: all on). */
struct job_gates {
	bool	pod_replacement_policy;	/* JobPodReplacementPolicy */
	bool	managed_by;		/* JobManagedBy */
	bool	success_policy;		/* JobSuccessPolicy */
};
void job_gates_default(struct job_gates *g);

/* ---- pod failure back-off (backoff_utils.go) ---------------------------- */

/* The back-off store's record of one job. */
struct job_backoff {
	int32_t	failures;		/* failuresAfterLastSuccess */
	bool	has_last;
	sim_ns	last_failure;		/* lastFailureTime */
};

/* Delay after failures consecutive failures: dflt doubled failures-1 times,
 * stopped at max. 0 failures: 0. */
sim_ns job_backoff_delay(int32_t failures, sim_ns dflt, sim_ns max);
/* getRemainingTime: max(0, delay - (now - last failure)). */
sim_ns job_backoff_remaining(const struct job_backoff *b, sim_ns now, sim_ns dflt,
    sim_ns max);
/* getRemainingTimePerIndex for a last failed pod with the given failure and
 * ignored-failure annotation counts and finish time. */
sim_ns job_backoff_remaining_index(int32_t failure_count, int32_t ignored_count,
    sim_ns finished_at, sim_ns now, sim_ns dflt, sim_ns max);
/* newBackoffRecord: folds the finish times of newly succeeded and newly
 * failed pods (any order; sorted here, arrays are reordered) into *b. */
void job_backoff_update(struct job_backoff *b, sim_ns *succeeded, size_t nsucceeded,
    sim_ns *failed, size_t nfailed);

/* ---- finish time (getFinishedTime) -------------------------------------- */

struct job_ctr_status {
	bool	terminated;
	sim_ns	finished_at;		/* 0 = zero time (unusable) */
};
struct job_pod_times {
	const struct job_ctr_status *containers;
	size_t			  ncontainers;
	const struct job_ctr_status *sidecars;	/* restartable init containers only */
	size_t			  nsidecars;
	bool			  ready_false;	/* a Ready=False condition */
	sim_ns			  ready_false_at;	/* its lastTransitionTime (0 = zero) */
	bool			  deleting;
	sim_ns			  deletion_ts;
	int64_t			  grace_s;	/* deletionGracePeriodSeconds, -1 = nil */
	sim_ns			  created;
};
sim_ns job_pod_finished_time(const struct job_pod_times *p);

/* ---- index intervals (indexed_job_utils.go orderedIntervals) ------------ */

struct job_interval {
	int32_t	first, last;
};
struct job_intervals {
	struct job_interval	*v;
	size_t			 n, cap;
};
void job_intervals_free(struct job_intervals *iv);
/* parseIndexesFromString, clipped to [0, completions); malformed parts are
 * skipped as upstream does. Replaces *out. */
void job_intervals_parse(struct job_intervals *out, const char *s, int32_t completions);
/* The status notation ("0-2,4,6,7"); caller frees. */
char *job_intervals_format(const struct job_intervals *iv);
bool job_intervals_has(const struct job_intervals *iv, int32_t ix);
int64_t job_intervals_total(const struct job_intervals *iv);
/* *iv := iv merged with sorted indexes (duplicates allowed). */
void job_intervals_add(struct job_intervals *iv, const int32_t *sorted, size_t n);
/* *iv := iv merged with other. */
void job_intervals_merge(struct job_intervals *iv, const struct job_intervals *other);

/* Completion index of an annotation value: JOB_INDEX_UNKNOWN for NULL, not a
 * base-10 integer, or negative. */
int32_t job_parse_index(const char *annotation);
/* The job-index-failure-count annotation: 0 when NULL, invalid or negative. */
int32_t job_parse_failure_count(const char *annotation);
/* podGenerateNameWithIndex into buf (at least JOB_MAX_GENERATED_NAME+1). */
void job_generate_name(const char *job_name, int32_t index, char *buf, size_t size);
/* getNewIndexFailureCounts for a replacement of a failed pod (had_prev false:
 * a first pod, 0/0). counts_failed: the failure counts against the index (no
 * podFailurePolicy, or a matching rule that is not Ignore). */
void job_new_index_failure_counts(bool had_prev, int32_t prev_failures,
    int32_t prev_ignored, bool has_failure_policy, bool counts_failed,
    int32_t *failures, int32_t *ignored);

/* ---- pods and the job ---------------------------------------------------- */

enum job_pod_phase { JOB_POD_PENDING = 0, JOB_POD_RUNNING, JOB_POD_SUCCEEDED,
	JOB_POD_FAILED, JOB_POD_UNKNOWN };

/* A pod owned by the job, as the controller's cache holds it. */
struct job_pod {
	enum job_pod_phase	phase;
	bool			ready;		/* Ready condition True */
	sim_ns			ready_since;	/* its lastTransitionTime */
	bool			terminating;	/* deletionTimestamp set */
	bool			assigned;	/* spec.nodeName set */
	int32_t			restarts_max;	/* highest container restartCount (ActivePods) */
	int32_t			restarts_sum;	/* sum over init and app containers
						 * (backoffLimit under OnFailure) */
	sim_ns			created;
	sim_ns			finished_at;	/* getFinishedTime, for finished pods */
	int32_t			index;		/* completion index or JOB_INDEX_UNKNOWN */
	int32_t			index_failures;	/* job-index-failure-count annotation */
	bool			counted;	/* already in status (finalizer removed) */
};

/* upstream controller.ActivePods order: a < b when a should be deleted first. */
bool job_pod_less_active(const struct job_pod *a, const struct job_pod *b);
/* Stable sort of idx[0..n) (indices into pods) by less. */
void job_sort_pods(const struct job_pod *pods, size_t *idx, size_t n,
    bool (*less)(const struct job_pod *, const struct job_pod *));

enum job_replacement { JOB_REPLACE_UNSET = 0, JOB_REPLACE_TERMINATING_OR_FAILED,
	JOB_REPLACE_FAILED };

struct job_spec {
	int32_t			parallelism;	/* -1 = unset: 1 */
	int32_t			completions;	/* -1 = unset: work queue (1 when
						 * parallelism is unset too) */
	int32_t			backoff_limit;	/* -1 = unset: 6 */
	int32_t			backoff_limit_per_index;	/* -1 = unset */
	bool			indexed;	/* completionMode Indexed */
	bool			suspend;
	bool			deleting;	/* the Job's deletionTimestamp */
	bool			restart_on_failure;	/* template restartPolicy OnFailure */
	enum job_replacement	replacement;	/* podReplacementPolicy */
	bool			failure_policy;	/* a podFailurePolicy is set */
	int64_t			active_deadline_s;	/* -1 = unset */
};
/* API defaulting (pkg/apis/batch/v1/defaults.go). */
void job_spec_default(struct job_spec *s);

/* isPodFailed and the "only replace failed pods" rule. */
bool job_pod_is_failed(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *p);
bool job_only_replace_failed(const struct job_spec *s, const struct job_gates *g);

/* isIndexFailed (backoffLimitPerIndex): fail_index = a FailIndex rule matches,
 * counts_failed as above. */
bool job_index_failed(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *p, bool fail_index, bool counts_failed);

/* Newly finished pods (not counted yet): getNewFinishedPods. */
void job_new_finished(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *pods, size_t n, int32_t *succeeded, int32_t *failed);

/* calculateSucceededIndexes: *prev = parsed status, *all = prev plus the
 * valid indexes of uncounted succeeded pods below completions. */
void job_succeeded_indexes(const char *completed, int32_t completions,
    const struct job_pod *pods, size_t n, struct job_intervals *prev,
    struct job_intervals *all);
/* calculateFailedIndexes; fail_index/counts_failed may be NULL (no policy). */
void job_failed_indexes(const struct job_spec *s, const struct job_gates *g,
    const char *prev_failed, const struct job_pod *pods, size_t n,
    const bool *fail_index, struct job_intervals *out);
/* firstPendingIndexes: up to count lowest indexes below completions that are
 * not in nonpending (succeeded + failed + indexes of active pods, and of
 * terminating pods when only failed pods are replaced). Returns the number
 * written to out (room for count). */
size_t job_first_pending(const struct job_intervals *nonpending, int32_t count,
    int32_t completions, int32_t *out);
/*
 * appendDuplicatedIndexPodsForRemoval over the pods idx[0..n) (indices into
 * pods): idx is reordered; remove[0..*nremove) gets the pods with unknown,
 * out-of-range or duplicated indexes (per index the most active one is kept),
 * keep[0..*nkeep) the rest. remove and keep have room for n.
 */
void job_duplicated_for_removal(const struct job_pod *pods, size_t *idx, size_t n,
    int32_t completions, size_t *remove, size_t *nremove, size_t *keep,
    size_t *nkeep);

/* ---- one syncJob -------------------------------------------------------- */

enum job_cond_type { JOB_COND_COMPLETE, JOB_COND_FAILED, JOB_COND_FAILURE_TARGET,
	JOB_COND_SUSPENDED, JOB_COND_SUCCESS_CRITERIA_MET };
const char *job_cond_name(enum job_cond_type t);
struct job_cond {
	enum job_cond_type	type;
	bool			status;
	const char		*reason;	/* static, or borrowed from the input */
	const char		*message;
	sim_ns			time;		/* lastTransitionTime */
};
#define JOB_MAX_CONDS 8

struct job_status {
	int32_t			active, ready, succeeded, failed;
	int32_t			terminating;	/* -1 = not reported */
	char			*completed_indexes;	/* owned; NULL = "" */
	bool			has_start;
	sim_ns			start_time;
	struct job_cond		conds[JOB_MAX_CONDS];
	size_t			nconds;
};
void job_status_fini(struct job_status *st);
/* The condition of a type, or NULL. */
const struct job_cond *job_status_cond(const struct job_status *st,
    enum job_cond_type t);
/* IsJobFinished: Complete or Failed is True. */
bool job_status_finished(const struct job_status *st);

struct job_sync_in {
	const struct job_spec	*spec;
	const struct job_gates	*gates;
	const struct job_status	*status;	/* as read */
	const struct job_pod	*pods;		/* every pod the job owns */
	size_t			 npods;
	struct job_backoff	 backoff;	/* the stored record */
	bool			 expectations_ok;	/* earlier creates/deletes observed */
	sim_ns			 now;
};

struct job_sync_out {
	bool			 synced;	/* false: finished already, nothing done */
	int32_t			 ncreate;
	int32_t			*create_index;	/* indexed jobs: ncreate indexes */
	size_t			*del;		/* indices into pods, deletion order */
	size_t			 ndel;
	struct job_status	 status;	/* the status written */
	struct job_backoff	 backoff;	/* the record to store */
	sim_ns			 requeue_after;	/* back-off or deadline wait; -1 none */
};
void job_sync_out_fini(struct job_sync_out *o);

/* One syncJob. out is initialized here; release it with job_sync_out_fini. */
void job_sync(const struct job_sync_in *in, struct job_sync_out *out);

#endif
