/*
 * cluster.h - the simulated cluster: nodes from pools, pods with their timed
 * lifecycle, the ReplicaSet/Deployment controller, endpoints, node lifecycle
 * (heartbeats, NotReady, taint-based eviction), random and scheduled node
 * failures, the scheduler's queue, HPA syncs fed by a metrics-server model,
 * and the per-tick fluid serving of each Service's traffic. Results leave
 * only as probe records. The program (sim/) builds a cluster from a scenario.
 */
#ifndef KS_CLUSTER_H
#define KS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/api/k8s.h"
#include "sim/engine/engine.h"

struct cluster;
struct ca_config;
struct mesh_cfg;
struct vpa_spec;

/* A node pool: nodes made from one template. */
struct cl_pool_params {
	const char		*name;
	const char		*instance_type;
	int64_t			 cpu_milli, memory, max_pods;	/* capacity */
	int64_t			 reserved_cpu_milli, reserved_memory;
	/* when set, a node's whole allocatable (any resource) in place of
	 * cpu, memory and max_pods less the reserved */
	const struct k8s_resources *allocatable;
	double			 price_hour;
	const char *const	*zones;
	size_t			 nzones;
	int32_t			 count, min, max;
	struct sim_dist		 provision;		/* seconds */
	const struct k8s_labels	*labels;
	const struct k8s_taint	*taints;
	size_t			 ntaints;
	bool			 has_failures;
	struct sim_dist		 time_to_failure;	/* seconds */
	struct sim_dist		 repair;		/* seconds */
};

/* Offered load of a service: the expected number of requests in [from, to). */
typedef double cl_offered_fn(void *ctx, sim_ns from, sim_ns to);
/* Request mode: the rate (req/s) at `at`, and an upper bound on [from, to]. */
typedef double cl_rate_fn(void *ctx, sim_ns at);
typedef double cl_rate_max_fn(void *ctx, sim_ns from, sim_ns to);
/* Fluid mode: the index of dispersion (Var / mean of the counts, 1 for
 * Poisson) of the service's arrivals when offered `rate` req/s. */
typedef double cl_idc_fn(void *ctx, double rate);
/* Fluid mode: the end of the steady stretch from `from`, over which equal
 * spans offer exactly the same count (`from`: none; see wl_steady_until). */
typedef sim_ns cl_steady_fn(void *ctx, sim_ns from);
/* Request mode, exact arrivals: see rq_next_fn (models/serving/request.h). */
typedef sim_ns cl_next_fn(void *ctx);
struct rq_class;

/* How a service's traffic is simulated (see traffic.c, models/serving/request.c). */
enum cl_traffic_mode { CL_TRAFFIC_FLUID = 0, CL_TRAFFIC_REQUEST };

/* How a Service's pods serve requests. */
struct cl_profile_params {
	const char		*service;
	struct sim_dist		 service_time;		/* seconds */
	int32_t			 concurrency;
	double			 cpu_per_request;	/* cpu-seconds */
	int64_t			 idle_cpu_milli;
	sim_ns			 timeout;
	int32_t			 queue_limit;
	cl_offered_fn		*offered;
	void			*offered_ctx;	/* also the ctx of rate, rate_max */
	/* request mode and load balancing (zero: fluid, round-robin) */
	enum cl_traffic_mode	 mode;
	int32_t			 lb;		/* enum rq_lb (models/serving/request.h) */
	bool			 has_net_latency;
	struct sim_dist		 net_latency;	/* seconds, added per response */
	double			 bandwidth;	/* bytes/s; a class's size / bandwidth
						   is added per response; 0: none */
	cl_rate_fn		*rate;		/* required in request mode */
	cl_rate_max_fn		*rate_max;
	/* Traffic input (all optional; ctx is offered_ctx): */
	cl_idc_fn		*arrival_idc;	/* NULL: Poisson */
	cl_steady_fn		*offered_steady;	/* NULL: never steady */
	/* offered and offered_steady are pure functions of their arguments
	 * (the same bits whenever asked): fluid mode may ask for the next
	 * stretches' counts ahead (traffic.c, struct serve_ahead) */
	bool			 offered_pure;
	cl_next_fn		*next_arrival;	/* request mode: replayed arrivals
						   instead of thinning rate */
	void			(*free_ctx)(void *ctx);	/* cl_free frees offered_ctx */
	const struct rq_class	*classes;	/* borrowed; NULL: one class of */
	size_t			 nclasses;	/* service_time, cpu, timeout */
	/* Retries, outlier ejection, rate limit and calls (models/serving/mesh.h);
	 * borrowed, NULL: none. */
	const struct mesh_cfg	*mesh;
};

struct cl_timings {
	struct sim_dist	api_latency, watch_latency, scheduler_latency, image_pull,
			container_start, endpoints_latency;	/* seconds */
	sim_ns		node_monitor_period, node_monitor_grace, eviction_toleration,
			hpa_sync_period, metrics_resolution,
			backoff_initial, backoff_max, unschedulable_flush;
	sim_ns		tick, interval, duration;
	/* Warm-up: latencies of intervals ending at or before it are left out
	 * of the run's percentiles (the summary record); 0 = none. */
	sim_ns		warmup;
	/* hpa_decisions rows: false, one per HPA sync; true, only a sync
	 * whose decision differs from the HPA's last row (hpaDecisions). */
	bool		hpa_rows_on_change;
	/* The time a terminating pod takes to exit after SIGTERM, capped by its
	 * terminationGracePeriodSeconds. */
	struct sim_dist	shutdown;
};

/*
 * How a release's containers behave (the application, not Kubernetes): a
 * bad release fails its probes, starts slowly or crashes. All zero: healthy,
 * up as soon as started, never exits.
 */
struct cl_behavior {
	bool		 not_ready;	/* the readiness probe never succeeds */
	bool		 not_live;	/* the liveness probe fails from the start */
	sim_ns		 startup;	/* probes fail until this long after a start */
	sim_ns		 crash_after;	/* exits (code 1) this long after each start */
	sim_ns		 mean_time_to_crash;	/* exits after Exp(mean) running */
	int64_t		 memory_leak_per_hour;	/* bytes; 0: the service's (memory.c) */
	/* How it serves (models/cluster/cpu.c): service times times
	 * service_time_factor (0: 1), and a fraction error_rate of the
	 * requests it is sent answered at once with an error. */
	double		 service_time_factor;
	double		 error_rate;
};

/* A template change (`kubectl set image / set resources / set env`): what
 * changes in one container (NULL: the first); NULL fields stay. */
struct cl_rollout_params {
	const char			*container;
	const char			*image;
	const struct k8s_resources	*requests, *limits;
	const char			*env;	/* changes the template (hash) only */
	bool				 has_behavior;	/* else the Deployment's own */
	struct cl_behavior		 behavior;
};

enum cl_chaos_kind { CL_FAIL_NODES, CL_FAIL_ZONE, CL_RECOVER_NODES,
	CL_SCALE_DEPLOYMENT, CL_ROLLOUT, CL_PAUSE, CL_RESUME, CL_UNDO };
struct cl_chaos_params {
	sim_ns			 at;
	enum cl_chaos_kind	 kind;
	const char		*deployment;	/* scale, rollout, pause, resume, undo */
	int32_t			 replicas;	/* CL_SCALE_DEPLOYMENT: new spec.replicas */
	const struct cl_rollout_params *rollout;	/* CL_ROLLOUT; borrowed */
	int64_t			 to_revision;	/* CL_UNDO: 0 = the previous one */
	const char		*pool;
	const char		*zone;
	int32_t			 count;
	sim_ns			 duration;	/* 0: the pool's repair distribution */
};

/* Creates an empty cluster on the engine. `seed` derives every component's
 * RNG stream; `probes` receives the result records. */
struct cluster *cl_new(struct sim *sim, uint64_t seed, const struct cl_timings *t,
    const struct probe_sink *probes);
void cl_free(struct cluster *c);

/* Building (before cl_start). The specs are borrowed and must outlive the
 * cluster. Returns an index, or -1 with *cause on a dangling reference. */
int cl_add_pool(struct cluster *c, const struct cl_pool_params *p);
int cl_add_priority_class(struct cluster *c, const struct k8s_priority_class *pc);
/* A node of the user's own (a v1 Node object: name, labels, taints,
 * allocatable, unschedulable, images), Ready from the start, not autoscaled,
 * priced 0, in a pool named "(nodes)". */
int cl_add_node(struct cluster *c, const struct k8s_node_spec *n);
int cl_add_deployment(struct cluster *c, const struct k8s_deployment *d);
int cl_add_service(struct cluster *c, const struct k8s_service *s);
int cl_add_pdb(struct cluster *c, const struct k8s_pdb *p);
int cl_add_hpa(struct cluster *c, const struct hpa_spec *h, char **cause);
int cl_add_profile(struct cluster *c, const struct cl_profile_params *p, char **cause);
int cl_add_chaos(struct cluster *c, const struct cl_chaos_params *ch, char **cause);
/* The containers of a Deployment's pods behave so (crashes, probes) unless a
 * rollout gives its release another behavior. Copied. */
int cl_set_behavior(struct cluster *c, const char *deployment,
    const struct cl_behavior *b, char **cause);
/* A VerticalPodAutoscaler (models/vpa/vpa.h) of a Deployment added before. */
int cl_add_vpa(struct cluster *c, const struct vpa_spec *v, char **cause);
/*
 * A queue workload: messages arrive (the step function's own model, e.g.
 * workloads/queue.h) and every Ready pod of the consumer Deployment takes
 * up to rate_per_pod messages/s, using cpu_per_message cpu-seconds each.
 * Each tick calls step(ctx, from, to, capacity, &arrived, &consumed), which
 * returns the new length. The queue's length is the External metric named
 * after the queue (or "queue_length" with the selector queue=<name>). On
 * success the cluster owns ctx and calls free_ctx (may be NULL) in cl_free.
 */
typedef double cl_queue_step_fn(void *ctx, sim_ns from, sim_ns to, double capacity,
    double *arrived, double *consumed);
struct cl_queue_params {
	const char		*name;
	const char		*consumer;	/* Deployment name */
	double			 rate_per_pod;	/* messages/s per Ready pod */
	double			 cpu_per_message;	/* cpu-seconds */
	cl_queue_step_fn	*step;
	void			*ctx;
	void			(*free_ctx)(void *ctx);
};
int cl_add_queue(struct cluster *c, const struct cl_queue_params *q, char **cause);
/* The scheduler's profiles from a KubeSchedulerConfiguration: a pod is
 * scheduled with the profile its spec.schedulerName names ("default-scheduler"
 * when unset); a pod naming no profile is left to another scheduler (stays
 * Pending). cfgs[i] is copied. Without a call: the default profile for every
 * pod. -1 with *cause when a configuration is invalid. */
struct sched_config;
int cl_set_sched_config(struct cluster *c, const char *const *names,
    const struct sched_config *cfgs, size_t n, char **cause);
/* The Cluster Autoscaler's flags (default ca_config_defaults()); copied.
 * The autoscaler runs when some pool has max > min. */
void cl_set_ca_config(struct cluster *c, const struct ca_config *cfg);

/* Jobs and CronJobs (job.c): a pod of the Job or CronJob `name` runs for a
 * time drawn from run_time (seconds) and then fails with probability
 * fail_prob, else succeeds. Without a call: JOB_DEFAULT_RUN_S, never fails.
 * CronJob schedules are read in UTC wall time, t = 0 being unix_ns
 * (default JOB_DEFAULT_START, 2025-01-01T00:00:00Z). */
#define JOB_DEFAULT_RUN_S	30.0
#define JOB_DEFAULT_START	(INT64_C(1735689600) * SIM_SEC)
int cl_set_job_params(struct cluster *c, const char *name,
    const struct sim_dist *run_time, double fail_prob);
void cl_set_start_time(struct cluster *c, int64_t unix_ns);

/* Cluster trace replay (podtrace.c): pods[i] (name, template index,
 * arrival and deletion time; SIM_NEVER: never deleted) in arrival order,
 * bare pods of workload (kind K8S_KIND_POD_TRACE, added here); GPUs are
 * the extended resource gpu_resource. Compressed: arrivals every gap in
 * order, no deletions, until the GPUs asked reach fill percent of the
 * cluster's. pods[] is copied, the rest borrowed. Returns the workload's index. */
struct cl_trace_pod {
	const char	*name;
	uint32_t	 tmpl;
	sim_ns		 created, deleted;
	sim_ns		 trace_pending;	/* as the trace recorded it; -1: unknown */
};
struct cl_pod_trace_params {
	const struct k8s_deployment	*workload;
	const struct k8s_pod_spec	*templates;
	size_t				 ntemplates;
	const struct cl_trace_pod	*pods;
	size_t				 npods;
	bool				 compressed;
	sim_ns				 gap;
	double				 fill;
	const char			*gpu_resource;
};
int cl_set_pod_trace(struct cluster *c, const struct cl_pod_trace_params *p);

/* Warm start: the Deployments', StatefulSets', DaemonSets' and bare Pods'
 * pods exist at t = 0 already placed by the scheduler's algorithm, Running,
 * Ready and in their Services' endpoints (no start-up latencies). Jobs and
 * CronJobs start as usual. Default: off (cold, from an empty cluster). */
void cl_set_warm_start(struct cluster *c, bool warm);

/* Creates the initial nodes and pods and schedules the periodic work. */
void cl_start(struct cluster *c);
/* Emits the final interval and the per-service summary records. */
void cl_finish(struct cluster *c);

/* A service's whole-run serving figures (for validation), after
 * cl_finish: requests offered (fluid: expected; request: arrivals), their
 * outcomes, the ok latency (mean exact, p99 from the histogram) and the
 * Little's law terms: the time-average number in the pods (L), the
 * admitted rate and the mean time in the pod of admitted requests (W). */
struct cl_serve_stats {
	double	offered, ok, errors, timeouts;
	double	latency_mean, latency_p99;	/* seconds, ok requests */
	double	l_avg, admitted_rate, w_mean;
	enum cl_traffic_mode mode;
	/* With the mesh, offered and the outcomes above count attempts
	 * (retries too); these count the requests from outside (an entry
	 * service's traffic) by their final outcome, and the latency above is
	 * theirs (end to end). All 0 without the mesh. */
	double	e2e_requests, e2e_ok, e2e_errors, e2e_timeouts;
};
int cl_serve_stats(const struct cluster *c, size_t profile, struct cl_serve_stats *out);

/* Figures for progress lines and the runs table. */
double cl_cost_usd(const struct cluster *c);
size_t cl_pods_running(const struct cluster *c);
size_t cl_nodes_ready(const struct cluster *c);

#endif
