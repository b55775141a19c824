/*
 * hpa.h - the HorizontalPodAutoscaler (autoscaling/v2) as upstream runs it:
 * the replica calculator (replica_calculator.go), the normalization of
 * recommendations with stabilization windows and scaling policies, and one
 * reconcile of the controller (horizontal.go), with upstream's conditions,
 * reasons and messages. Times are sim_ns; spec durations stay in seconds.
 */
#ifndef KS_HPA_H
#define KS_HPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/api/k8s.h"
#include "sim/engine/engine.h"

/*
 * Go's zero time.Time (year 1): before every real time, and far enough from
 * INT64_MIN that adding a window or a period cannot overflow.
 */
#define HPA_TIME_ZERO	(INT64_MIN / 4)

/* ---- controller configuration (kube-controller-manager flags) ---------- */

struct hpa_config {
	double	tolerance;		/* --horizontal-pod-autoscaler-tolerance, 0.1 */
	sim_ns	cpu_init_period;	/* --...-cpu-initialization-period, 5m */
	sim_ns	initial_readiness_delay;	/* --...-initial-readiness-delay, 30s */
	sim_ns	downscale_stabilization;	/* --...-downscale-stabilization, 5m */
	sim_ns	sync_period;		/* --...-sync-period, 15s (for the caller) */
	double	scale_up_limit_factor;	/* legacy path, 2.0 (upstream tests: 8) */
	double	scale_up_limit_minimum;	/* legacy path, 4.0 */
	bool	configurable_tolerance;	/* HPAConfigurableTolerance gate, true */
	bool	pod_level_resources;	/* PodLevelResources gate, true */
};
/* The production defaults above. */
void hpa_config_default(struct hpa_config *c);

/* ---- inputs: pods and metrics ---------------------------------------- */

enum hpa_pod_phase { HPA_POD_PENDING, HPA_POD_RUNNING, HPA_POD_SUCCEEDED,
	HPA_POD_FAILED, HPA_POD_UNKNOWN };
/* The pod's Ready condition: absent, or its status. */
enum hpa_ready { HPA_READY_NONE, HPA_READY_TRUE, HPA_READY_FALSE, HPA_READY_UNKNOWN };

/* A container given by explicit requests (when hpa_pod.spec is NULL). */
struct hpa_container {
	const char		*name;
	struct k8s_resources	 requests;
	bool			 init;		/* an init container */
	bool			 restartable;	/* init with restartPolicy Always (sidecar) */
};

/* One pod of the scale target, as the pod lister returns it. Nothing is
 * owned: every pointer must outlive the call. */
struct hpa_pod {
	const char		*name;
	enum hpa_pod_phase	 phase;
	bool			 deleting;	/* deletionTimestamp set */
	enum hpa_ready		 ready;
	sim_ns			 ready_since;	/* the Ready condition's lastTransitionTime */
	bool			 has_start;	/* status.startTime set */
	sim_ns			 start;
	/* Requests: from spec (containers and init containers) when non-NULL,
	 * else from containers[]. */
	const struct k8s_pod_spec	*spec;
	const struct hpa_container	*containers;
	size_t				 ncontainers;
	/* Pod-level spec.resources.requests (PodLevelResources); NULL: those
	 * of spec, when spec is set. */
	const struct k8s_resources	*pod_requests;
	/* How many identical pods this entry stands for (0 or 1: one): pods
	 * the calculator cannot tell apart, given with their metric entries
	 * under one name and the same count. Every count and sum of the
	 * calculator is then that of the pods one by one (integers: exact). */
	uint32_t			 count;
};

/* metrics-server: one PodMetrics item, usage per container (cpu in
 * millicores, memory in bytes, as struct k8s_resources holds them). */
struct hpa_container_usage {
	const char		*name;
	struct k8s_resources	 usage;
};
struct hpa_pod_sample {
	const char			*pod;
	sim_ns				 timestamp;
	sim_ns				 window;
	const struct hpa_container_usage *containers;
	size_t				 ncontainers;
	uint32_t			 count;	/* pods it stands for (0: 1) */
};

/* A per-pod metric value in milli-units (PodMetricsInfo entry). */
struct hpa_pod_metric {
	const char	*pod;
	int64_t		 value;
	sim_ns		 timestamp;
	sim_ns		 window;
	uint32_t	 count;	/* pods it stands for (0: 1) */
};

/* What the custom and external metrics APIs return for one metric of the
 * spec (index-aligned with hpa_spec.metrics; unused fields are ignored). */
struct hpa_metric_input {
	const struct hpa_pod_metric	*pod_values;	/* Pods: one per pod */
	size_t				 npod_values;
	bool				 has_value;	/* Object: the object's value */
	int64_t				 value_milli;
	const int64_t			*series_milli;	/* External: the series, summed */
	size_t				 nseries;
	const char			*fetch_error;	/* non-NULL: the API call failed */
};

/* ---- the replica calculator (hpa_calc.c) ------------------------------ */

struct hpa_tolerances {
	double	down;
	double	up;
};
/* (1 - down) <= ratio <= (1 + up). */
bool hpa_within_tolerance(struct hpa_tolerances t, double ratio);

/*
 * A pod's request as a calculation last worked it out (calculateRequests),
 * with what it read of the pod: a pod template is shared and read-only
 * (k8s.h) and a template, container list or pod-level request given
 * apart must be too while the memo is kept, so a pod with the same
 * pointers, asked for the same container and resource (the same
 * pointers: the metric spec's), has the same request. An HPA keeps one
 * per metric across its reconciles (hpa_input.requests), and a sync then
 * reads nothing of its pods' templates. With verify set each hit is
 * worked out again and must be the same (else the run stops).
 */
struct hpa_request_memo {
	bool				 set, verify;
	bool				 pod_level_gate;
	const struct k8s_pod_spec	*spec;
	const struct hpa_container	*containers;
	size_t				 ncontainers;
	const struct k8s_resources	*pod_requests;
	const char			*container, *resource;
	int64_t				 value;
	uint64_t			 hits;	/* requests taken from it */
};

/* The pods and clock a calculation sees. */
struct hpa_calc {
	const struct hpa_config	*cfg;
	sim_ns			 now;
	const char		*namespace;	/* for messages; NULL: "default" */
	const struct hpa_pod	*pods;
	size_t			 npods;
	struct hpa_request_memo	*requests;	/* NULL: none kept */
};

/* One calculation's result; *err strings are allocated, the caller frees. */
struct hpa_calc_out {
	int32_t	replicas;
	int32_t	utilization;	/* Resource Utilization: percent of request */
	int64_t	usage;		/* raw average (Resource), average (Pods), value
				 * (Object/External Value), per-pod (AverageValue) */
	sim_ns	timestamp;
};

/* groupPods: indices into pods of each group. Caller frees with hpa_groups_fini. */
struct hpa_groups {
	int	 ready_count;
	size_t	*unready, nunready;
	size_t	*missing, nmissing;
	size_t	*ignored, nignored;
};
void hpa_group_pods(const struct hpa_pod *pods, size_t npods,
    const struct hpa_pod_metric *metrics, size_t nmetrics, const char *resource,
    sim_ns cpu_init_period, sim_ns readiness_delay, sim_ns now,
    struct hpa_groups *out);
void hpa_groups_fini(struct hpa_groups *g);

/* calculateRequests for one pod: milli-units of resource ("cpu" in
 * millicores, others x1000). container NULL or "": the whole pod. */
int hpa_pod_request(const struct hpa_pod *pod, const char *container,
    const char *resource, bool pod_level_gate, int64_t *out, char **err);

/* The metrics-server client: per-pod values (milli-units) of resource, the
 * sum over containers, or the named container's. Pods lacking a value (or
 * the named container) are left out: missing for the calculator. *out is
 * allocated (caller frees); returns -1 with *err. */
int hpa_resource_metrics(const struct hpa_pod_sample *samples, size_t n,
    const char *resource, const char *container, const char *namespace,
    struct hpa_pod_metric **out, size_t *nout, char **err);

/* GetResourceReplicas (Utilization target). */
int hpa_resource_replicas(const struct hpa_calc *c, int32_t current,
    int32_t target_util, const char *resource, const char *container,
    struct hpa_tolerances tol, const struct hpa_pod_sample *samples,
    size_t nsamples, struct hpa_calc_out *out, char **err);
/*
 * GetResourceReplicas (Utilization target) of pods that are all ready and
 * all have a sample (none unready, missing or ignored): n pods (n > 0)
 * using usage and requesting request in all (milli-units, request > 0).
 * What hpa_resource_replicas gives such pods (its arithmetic, shared),
 * timestamp aside (0).
 */
void hpa_ready_resource_replicas(int32_t current, int32_t target_util,
    struct hpa_tolerances tol, int64_t n, int64_t usage, int64_t request,
    struct hpa_calc_out *out);
/* GetRawResourceReplicas (AverageValue target, milli-units). */
int hpa_raw_resource_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const char *resource, const char *container,
    struct hpa_tolerances tol, const struct hpa_pod_sample *samples,
    size_t nsamples, struct hpa_calc_out *out, char **err);
/* GetMetricReplicas (Pods metric, AverageValue). */
int hpa_pods_metric_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const char *metric_name, struct hpa_tolerances tol,
    const struct hpa_pod_metric *values, size_t nvalues,
    struct hpa_calc_out *out, char **err);
/* GetObjectMetricReplicas (Value) and GetObjectPerPodMetricReplicas. */
int hpa_object_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, int64_t usage, struct hpa_tolerances tol,
    struct hpa_calc_out *out, char **err);
int hpa_object_per_pod_replicas(int32_t status_replicas, int64_t target,
    int64_t usage, struct hpa_tolerances tol, struct hpa_calc_out *out);
/* GetExternalMetricReplicas (Value) and GetExternalPerPodMetricReplicas. */
int hpa_external_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const int64_t *series, size_t nseries,
    struct hpa_tolerances tol, struct hpa_calc_out *out, char **err);
int hpa_external_per_pod_replicas(int32_t status_replicas, int64_t target,
    const int64_t *series, size_t nseries, struct hpa_tolerances tol,
    struct hpa_calc_out *out);

/* ---- the HPA's memory across reconciles ------------------------------- */

struct hpa_rec {
	int32_t	replicas;
	sim_ns	at;
};
struct hpa_scale_event {
	int32_t	change;		/* always positive */
	sim_ns	at;
	bool	outdated;
};

enum hpa_cond_type { HPA_COND_ABLE_TO_SCALE, HPA_COND_SCALING_ACTIVE,
	HPA_COND_SCALING_LIMITED, HPA_NCOND };
struct hpa_condition {
	bool	set;
	bool	status;		/* True / False */
	char	reason[48];
	char	message[400];
	sim_ns	last_transition;
};
const char *hpa_cond_name(enum hpa_cond_type t);

/*
 * What the controller keeps per HPA (its recommendations and scale events
 * maps) plus the HPA status fields it carries over: conditions, the last
 * scale time and desiredReplicas. Arrays grow; zero-initialise with
 * hpa_state_init, free with hpa_state_fini.
 */
struct hpa_state {
	bool			 has_recs;	/* false: no history (nil) */
	struct hpa_rec		*recs;
	size_t			 nrecs;
	size_t			 newest;	/* the rec written last (< nrecs) */
	size_t			 caprecs;
	struct hpa_scale_event	*up;
	size_t			 nup, capup;
	struct hpa_scale_event	*down;
	size_t			 ndown, capdown;
	struct hpa_condition	 cond[HPA_NCOND];
	/* The string literals a condition's reason and message were last
	 * made of (NULL: not so made), and the literal's length in the
	 * message (the rest is the message's second part, whole): a reconcile
	 * that sets the same ones leaves the text as it is. */
	const char		*cond_lit[HPA_NCOND][2];
	size_t			 cond_plen[HPA_NCOND];
	bool			 has_last_scale;
	sim_ns			 last_scale;
	int32_t			 desired_replicas;
};
void hpa_state_init(struct hpa_state *s);
void hpa_state_fini(struct hpa_state *s);
void hpa_state_add_rec(struct hpa_state *s, int32_t replicas, sim_ns at);
void hpa_state_add_event(struct hpa_state *s, bool up, int32_t change,
    sim_ns at, bool outdated);
/*
 * What a reconcile whose result is hpa_result.repeatable records when it is
 * repeated (the same spec_replicas and metric results, later): its
 * recommendation at now, kept as upstream's stabilization keeps it but for
 * the array's layout: a recommendation of that value is moved to now
 * instead of an old one being overwritten, so every later window (a
 * recommendation of a value at or after its cutoff) holds the same values,
 * and the stabilization gives the same replicas. O(1) when the rec written
 * last has that value (it has: the repeatable reconcile wrote it).
 */
void hpa_state_repeat(struct hpa_state *s, int32_t recommendation, sim_ns now);

/* ---- normalization (hpa_behavior.c) ----------------------------------- */

/* The rules that apply after API defaulting: GenerateHPAScaleUpRules /
 * GenerateHPAScaleDownRules of in (NULL: nil). out->policies points into
 * buf (at least 2 entries) or into in; nothing is allocated. */
void hpa_rules_effective(const struct hpa_rules *in, bool up,
    struct hpa_policy *buf, struct hpa_rules *out);

/* Legacy path (spec.behavior nil). */
int32_t hpa_stabilize_legacy(struct hpa_state *s, sim_ns now, sim_ns window,
    int32_t desired);
int32_t hpa_scale_up_limit_legacy(int32_t current, double factor, double minimum);
int32_t hpa_convert_with_rules(int32_t current, int32_t desired, int32_t min,
    int32_t max, double factor, double minimum, const char **reason,
    const char **message);

/* Behavior path. Windows and periods are in seconds as in the spec. */
int32_t hpa_stabilize_with_behaviors(struct hpa_state *s, sim_ns now,
    int32_t current, int32_t desired, int64_t up_window_s,
    int64_t down_window_s, const char **reason, const char **message);
int32_t hpa_replicas_change_per_period(int32_t period_s,
    const struct hpa_scale_event *ev, size_t n, sim_ns now);
int32_t hpa_scale_up_limit(int32_t current, const struct hpa_state *s,
    const struct hpa_rules *rules, sim_ns now);
int32_t hpa_scale_down_limit(int32_t current, const struct hpa_state *s,
    const struct hpa_rules *rules, sim_ns now);
int32_t hpa_convert_with_behavior_rate(const struct hpa_state *s, sim_ns now,
    const struct hpa_rules *up, const struct hpa_rules *down, int32_t current,
    int32_t desired, int32_t min, int32_t max, const char **reason,
    const char **message);
/* storeScaleEvent; rules are the effective rules of the direction taken
 * (NULL when spec.behavior is nil: nothing is stored). */
void hpa_store_scale_event(struct hpa_state *s, const struct hpa_rules *rules,
    int32_t prev, int32_t next, sim_ns now);

/* ---- the controller (hpa_controller.c) -------------------------------- */

struct hpa_input {
	const struct hpa_spec		*spec;	/* defaulted (hpa_spec_set_defaults) */
	int32_t				 spec_replicas;	/* scale.spec.replicas */
	int32_t				 status_replicas; /* scale.status.replicas */
	const struct hpa_pod		*pods;	/* pods matching the target's selector */
	size_t				 npods;
	const struct hpa_pod_sample	*samples;	/* metrics-server */
	size_t				 nsamples;
	const struct hpa_metric_input	*metric_inputs;	/* spec->nmetrics entries, or NULL */
	sim_ns				 now;
	/*
	 * NULL, or the metric results (one per metric, as hpa_result.metrics)
	 * of an earlier reconcile of this HPA whose pods, samples, metric
	 * inputs and replicas were these, when no pod was in its cpu
	 * initialization period (then nothing the calculator reads depends on
	 * the time). When every one is valid they are this reconcile's
	 * results, not computed again (the same, to the bit).
	 */
	const struct hpa_metric_result	*same_metrics;
	/* NULL, or one per metric (as hpa_result.metrics): the requests
	 * worked out for it, kept from reconcile to reconcile (hpa_calc). */
	struct hpa_request_memo		*requests;
	/* The result's conditions without their messages (empty), for a
	 * caller that reads no message there (the state has them): a
	 * reconcile then copies a few hundred bytes, not 1.4 KB. */
	bool				 brief;
	/* NULL, or the caller's room for metrics_room_n metric results: the
	 * result's metrics are put there (cleared) when they fit, not
	 * allocated (hpa_result.metrics_borrowed). The caller keeps it while
	 * it reads the result, and apart from same_metrics. */
	struct hpa_metric_result	*metrics_room;
	size_t				 metrics_room_n;
};

struct hpa_metric_result {
	bool	valid;
	int32_t	proposal;		/* replica count this metric asks for */
	char	name[160];		/* upstream's metric description */
	bool	has_utilization;
	int32_t	utilization;		/* current averageUtilization, percent */
	bool	has_average;
	int64_t	average_milli;		/* current averageValue */
	bool	has_value;
	int64_t	value_milli;		/* current value */
	char	reason[48];		/* invalid: the ScalingActive reason */
	char	*error;			/* invalid: the error (allocated) */
};

struct hpa_result {
	int32_t			  current_replicas;	/* scale.spec.replicas */
	int32_t			  desired_replicas;	/* the scale after this reconcile
							 * (current when not rescaled) */
	bool			  rescale;		/* the scale was updated */
	int32_t			  metric_replicas;	/* max over metrics; -1: none */
	char			  metric_name[160];	/* the metric that won */
	int32_t			  stabilized;		/* after stabilization (no
							 * normalization: the target) */
	char			  rescale_reason[200];	/* the SuccessfulRescale event's reason */
	struct hpa_metric_result *metrics;		/* one per spec metric */
	size_t			  nmetrics;
	bool			  metrics_borrowed;	/* in hpa_input.metrics_room */
	struct hpa_condition	  cond[HPA_NCOND];	/* status.conditions after */
	char			 *error;		/* reconcile's error, or NULL */
	int32_t			  recommendation;	/* what the stabilization recorded */
	/*
	 * A reconcile of this HPA at any later time up to repeatable_until,
	 * with the same spec_replicas and the same metric results (every one
	 * valid), gives this result again (no rescale, the same stabilized
	 * and desired replicas, the same conditions with their transition
	 * times) and changes the state only by recording the recommendation
	 * (hpa_state_repeat), so the caller can skip it. Set when the metrics
	 * were all valid and the scale was not updated, and: legacy, the
	 * window's highest recommendation (stabilized; the window only loses
	 * recommendations, and gains this one, not higher) stays in it until
	 * its latest time plus the window (no end when it is this one); with
	 * behavior, the recommendation was the current count (both windows
	 * hold it, so current is within their bounds; no end), then the rate
	 * limits are not read.
	 */
	bool			  repeatable;
	sim_ns			  repeatable_until;
};
void hpa_result_fini(struct hpa_result *r);
/* The result as one JSON object (for hpa-eval and logs); caller frees. */
char *hpa_result_json(const struct hpa_result *r);

/*
 * One reconcile of HorizontalController for one HPA at in->now: reads the
 * scale, computes every metric, normalizes, "writes" the scale (result
 * desired_replicas / rescale) and updates *st. Returns 0, or -1 when
 * upstream's reconcile returns an error (result->error says why; the result
 * is still filled). Never fails on bad metric data.
 */
int hpa_reconcile(const struct hpa_config *cfg, const struct hpa_input *in,
    struct hpa_state *st, struct hpa_result *out);

/*
 * The metric results hpa_reconcile would compute for in (every metric of
 * the spec, or the default cpu one: hpa_metric_count), into out, without
 * touching any state (in->same_metrics is not read). Returns how many are
 * invalid; hpa_metric_results_fini frees their errors.
 */
size_t hpa_metric_count(const struct hpa_spec *spec);
/*
 * Whether spec's metrics are one Resource metric of cpu with a Utilization
 * target (the default metric too): then, when every pod is ready and has a
 * sample, hpa_ready_metric_values gives the values of hpa_metric_results'
 * one result from the pods' totals (hpa_ready_resource_replicas: n, usage,
 * request) at spec_replicas, into r: valid, the proposal, the utilization
 * and the average. Its name, reason and error are left as they are (a
 * valid result's name is its spec's: r, a result of spec's, keeps it).
 * What it reads of the spec and the configuration is their ready form
 * (hpa_ready_form_of), worked out once.
 */
bool hpa_ready_metric_ok(const struct hpa_spec *spec);
struct hpa_ready_form {
	int32_t			target;		/* averageUtilization */
	struct hpa_tolerances	tol;
};
void hpa_ready_form_of(const struct hpa_config *cfg, const struct hpa_spec *spec,
    struct hpa_ready_form *f);
void hpa_ready_metric_values(const struct hpa_ready_form *f, int32_t spec_replicas,
    int64_t n, int64_t usage, int64_t request, struct hpa_metric_result *r);
size_t hpa_metric_results(const struct hpa_config *cfg, const struct hpa_input *in,
    struct hpa_metric_result *out);
void hpa_metric_results_fini(struct hpa_metric_result *r, size_t n);

#endif
