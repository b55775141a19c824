/*
 * vpa.h - the Vertical Pod Autoscaler as kubernetes/autoscaler's
 * vertical-pod-autoscaler runs it: the recommender's bucketed histograms
 * with exponential decay (util/histogram.go, decaying_histogram.go), the
 * per-container aggregation of cpu samples and daily memory peaks
 * (model/aggregate_container_state.go, container.go), the estimators with
 * safety margin, confidence multipliers and minimum resources
 * (logic/estimator.go, recommender.go), capping by the resource policy, and
 * the updater's rules for which pods to evict (updater/priority,
 * updater/restriction). Pure: the cluster model feeds and applies it.
 */
#ifndef KS_VPA_H
#define KS_VPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"

/* upstream MaxResourceAmount: every amount is capped to it. */
#define VPA_MAX_RESOURCE_AMOUNT	100000000000000LL	/* 1e14 */

/* ---- the VerticalPodAutoscaler object (autoscaling.k8s.io/v1) ---------- */

enum vpa_mode { VPA_MODE_OFF, VPA_MODE_INITIAL, VPA_MODE_RECREATE };

/* containerPolicies[i]: "*" applies to containers without their own. */
struct vpa_container_policy {
	char	*container;		/* containerName, "*" for the default */
	bool	 off;			/* mode: Off */
	bool	 has_min_cpu, has_min_memory, has_max_cpu, has_max_memory;
	int64_t	 min_cpu_milli, min_memory;	/* minAllowed */
	int64_t	 max_cpu_milli, max_memory;	/* maxAllowed */
	bool	 control_cpu, control_memory;	/* controlledResources, both by default */
};

struct vpa_spec {
	char				*name;
	char				*namespace;
	char				*target_kind;	/* "Deployment" */
	char				*target_name;
	enum vpa_mode			 mode;		/* updatePolicy.updateMode; Auto is Recreate */
	int32_t				 min_replicas;	/* updatePolicy.minReplicas; 0: the flag (2) */
	struct vpa_container_policy	*policies;
	size_t				 npolicies;
};
void vpa_spec_free(struct vpa_spec *v);
const char *vpa_mode_name(enum vpa_mode m);
/* The policy for a container: its own, else "*", else NULL. */
const struct vpa_container_policy *vpa_policy_for(const struct vpa_spec *v,
    const char *container);

/* ---- histograms ---------------------------------------------------------- */

enum vpa_hist_kind { VPA_HIST_LINEAR, VPA_HIST_EXPONENTIAL };
struct vpa_hist_opts {
	enum vpa_hist_kind	kind;
	int			nbuckets;
	double			bucket_size;	/* linear */
	double			first, ratio;	/* exponential */
	double			epsilon;	/* a bucket lighter than this is empty */
};
/* NewLinearHistogramOptions / NewExponentialHistogramOptions; -1 when a
 * parameter is out of range (the options are then unusable). */
int vpa_hist_opts_linear(struct vpa_hist_opts *o, double max, double bucket,
    double epsilon);
int vpa_hist_opts_exponential(struct vpa_hist_opts *o, double max, double first,
    double ratio, double epsilon);
int vpa_hist_find_bucket(const struct vpa_hist_opts *o, double value);
double vpa_hist_bucket_start(const struct vpa_hist_opts *o, int bucket);

/*
 * A histogram of weighted samples; with a half life it decays: a sample at t
 * weighs weight * 2^((t - ref) / half_life), ref being shifted forward (and
 * the weights rescaled) once the exponent would pass 100. Buckets are an
 * array of nbuckets doubles: O(1) add, O(buckets) percentile.
 */
struct vpa_hist {
	const struct vpa_hist_opts	*o;	/* borrowed */
	double				*w;
	double				 total;
	int				 minb, maxb;
	sim_ns				 half_life;	/* 0: no decay */
	sim_ns				 ref;
};
void vpa_hist_init(struct vpa_hist *h, const struct vpa_hist_opts *o, sim_ns half_life);
void vpa_hist_fini(struct vpa_hist *h);
void vpa_hist_add(struct vpa_hist *h, double value, double weight, sim_ns t);
void vpa_hist_sub(struct vpa_hist *h, double value, double weight, sim_ns t);
/* Percentile(p): the end of the bucket where the cumulative weight reaches
 * p * total (the start of the last bucket); 0 when empty. */
double vpa_hist_percentile(const struct vpa_hist *h, double p);
bool vpa_hist_empty(const struct vpa_hist *h);
/* Adds other's samples (aligning the older reference time to the younger,
 * which rescales the older histogram). */
void vpa_hist_merge(struct vpa_hist *h, struct vpa_hist *other);
bool vpa_hist_equal(const struct vpa_hist *a, const struct vpa_hist *b);

/* ---- configuration (recommender and updater flags) ---------------------- */

struct vpa_config {
	/* recommender */
	double	safety_margin;			/* --recommendation-margin-fraction 0.15 */
	double	pod_min_cpu_milli;		/* --pod-recommendation-min-cpu-millicores 25 */
	double	pod_min_memory_mb;		/* --pod-recommendation-min-memory-mb 250 */
	double	target_cpu_pct, lower_cpu_pct, upper_cpu_pct;	/* 0.9, 0.5, 0.95 */
	double	target_mem_pct, lower_mem_pct, upper_mem_pct;	/* 0.9, 0.5, 0.95 */
	sim_ns	confidence_interval_cpu;	/* 24h */
	sim_ns	confidence_interval_memory;	/* 24h */
	sim_ns	cpu_half_life;			/* --cpu-histogram-decay-half-life 24h */
	sim_ns	memory_half_life;		/* --memory-histogram-decay-half-life 24h */
	sim_ns	memory_aggregation_interval;	/* 24h */
	sim_ns	recommender_interval;		/* --recommender-interval 1m */
	struct vpa_hist_opts cpu_opts;		/* exponential: max 1000 cores, first 0.01, x1.05 */
	struct vpa_hist_opts memory_opts;	/* exponential: max 1e12, first 1e7 bytes, x1.05 */
	/* updater */
	sim_ns	updater_interval;		/* --updater-interval 1m */
	int32_t	min_replicas;			/* --min-replicas 2 */
	double	eviction_tolerance;		/* --eviction-tolerance 0.5 */
	sim_ns	pod_lifetime_update_threshold;	/* --pod-update-threshold 12h */
	double	min_change_priority;		/* 0.1 */
};
void vpa_config_default(struct vpa_config *c);

/* ---- aggregation ----------------------------------------------------------- */

/* AggregateContainerState: all samples of one container name of a VPA. */
struct vpa_aggregate {
	struct vpa_hist	cpu;		/* cores, weighted by max(request, 0.1 core) */
	struct vpa_hist	memory;		/* bytes, one peak per container per interval */
	bool		has_first;
	sim_ns		first_sample, last_sample;	/* cpu samples */
	int64_t		total_samples;			/* cpu samples */
};
void vpa_agg_init(struct vpa_aggregate *a, const struct vpa_config *cfg);
void vpa_agg_fini(struct vpa_aggregate *a);
void vpa_agg_add_cpu(struct vpa_aggregate *a, int64_t usage_milli, int64_t request_milli,
    sim_ns t);

/* ContainerState: one running container's deduplication and memory window. */
struct vpa_container {
	bool	has_cpu;
	sim_ns	last_cpu;
	bool	has_mem;
	sim_ns	last_mem;
	bool	has_window;
	sim_ns	window_end;
	int64_t	memory_peak;
};
/* Returns false when the sample is discarded (duplicate, out of order or
 * negative). */
bool vpa_container_add_cpu(struct vpa_container *cs, struct vpa_aggregate *a,
    int64_t usage_milli, int64_t request_milli, sim_ns t);
bool vpa_container_add_memory(struct vpa_container *cs, struct vpa_aggregate *a,
    int64_t bytes, sim_ns t, sim_ns aggregation_interval);

/* ---- estimation ------------------------------------------------------------ */

struct vpa_resources {
	int64_t	cpu_milli;
	int64_t	memory;
};
struct vpa_recommendation {
	struct vpa_resources	target, lower, upper, uncapped_target;
	bool			has_cpu, has_memory;	/* controlled resources */
};

/* model.ScaleResource: trunc(amount * factor), clamped to [0, 1e14]. */
int64_t vpa_scale_resource(int64_t amount, double factor);
/* getConfidence: min(lifespan / interval, samples / interval-in-minutes). */
double vpa_confidence(const struct vpa_aggregate *a, sim_ns interval);
/* base * (1 + multiplier / confidence)^exponent (cpuConfidenceMultiplier). */
int64_t vpa_confidence_scale(int64_t base, double multiplier, double exponent,
    double confidence);
/* One container's recommendation (podResourceRecommender with min resources
 * spread over containers_per_pod containers). */
void vpa_estimate(const struct vpa_config *cfg, const struct vpa_aggregate *a,
    int containers_per_pod, struct vpa_recommendation *out);
/* The capping post-processor: target and bounds into [minAllowed,
 * maxAllowed] of the policy (may be NULL); uncapped_target keeps the raw
 * target. A policy with controlledResources drops the others. */
void vpa_apply_policy(const struct vpa_container_policy *p, struct vpa_recommendation *r);

/* ---- the updater --------------------------------------------------------- */

/* PodPriority of one pod given its containers' requests and recommendations
 * (rec[i] NULL: no recommendation for container i). */
struct vpa_priority {
	bool	outside_range;	/* some request outside [lower, upper] */
	bool	scale_up;	/* some target above its request */
	double	resource_diff;	/* sum over resources of |request - target| / request */
};
void vpa_pod_priority(const struct vpa_resources *requests,
    const struct vpa_recommendation *const *rec, size_t ncontainers,
    struct vpa_priority *out);
/* UpdatePriorityCalculator.AddPod's decision: outside the range, or lived
 * the lifetime threshold with a diff of at least min_change_priority. */
bool vpa_pod_needs_update(const struct vpa_config *cfg, const struct vpa_priority *p,
    bool has_start, sim_ns start, sim_ns now);
/* GetSortedPods order: scale-up first, then the larger diff. */
bool vpa_priority_before(const struct vpa_priority *a, const struct vpa_priority *b);

/* singleGroupStats of one replicated group (a Deployment's ReplicaSet). */
struct vpa_group {
	int32_t	configured;	/* spec.replicas */
	int32_t	pending;
	int32_t	running;
	int32_t	tolerance;	/* int(configured * eviction_tolerance) */
	int32_t	evicted;	/* by this updater loop */
};
void vpa_group_init(struct vpa_group *g, const struct vpa_config *cfg,
    int32_t configured, int32_t pending, int32_t running);
/* CanEvict for a pod of the group (pending pods always). */
bool vpa_group_can_evict(const struct vpa_group *g, bool pod_pending);

#endif
