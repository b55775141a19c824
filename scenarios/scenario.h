/*
 * scenario.h - the immutable scenario a run is built from: run settings, node
 * pools, the Kubernetes objects (from manifests, inline or by path), request
 * profiles and traffic per service, failures and control-plane timings.
 * scn_load parses and validates a scenario YAML file; every problem is
 * reported as file:line:column with what was expected.
 */
#ifndef KS_SCENARIO_H
#define KS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/autoscaler/ca.h"
#include "models/api/k8s.h"
#include "models/serving/mesh.h"
#include "models/serving/request.h"
#include "models/vpa/vpa.h"
#include "sim/engine/engine.h"
#include "workloads/burst.h"

struct wl_traffic;
struct scn_sched_config;

struct scn_pool {
	char			*name;
	char			*instance_type;
	int64_t			 cpu_milli;	/* capacity */
	int64_t			 memory;	/* bytes, capacity */
	int64_t			 max_pods;	/* default 110 */
	int64_t			 reserved_cpu_milli;	/* capacity - allocatable */
	int64_t			 reserved_memory;
	struct k8s_resources	 allocatable;	/* every resource of a node */
	char			*arch;		/* kubernetes.io/arch, default amd64 */
	char			*region;	/* topology.kubernetes.io/region */
	double			 price_hour;	/* USD per node-hour */
	char			**zones;	/* nodes are spread round-robin */
	size_t			 nzones;
	int32_t			 count;		/* initial nodes */
	int32_t			 min, max;	/* Cluster Autoscaler bounds; max 0 = no autoscaling */
	struct sim_dist		 provision;	/* seconds until a new node is Ready */
	struct k8s_labels	 labels;
	struct k8s_taint	*taints;
	size_t			 ntaints;
	bool			 has_failures;
	struct sim_dist		 time_to_failure;	/* seconds, per node */
	struct sim_dist		 repair;		/* seconds until the node is back */
	bool			 spot;		/* spot: true: reclaimable (spotReclaim) */
};

/* How a Service's pods serve requests. */
struct scn_profile {
	char			*service;	/* a Service name in the scenario */
	struct sim_dist		 service_time;	/* seconds per request */
	int32_t			 concurrency;	/* slots per pod */
	double			 cpu_per_request;	/* cpu-seconds per request */
	int64_t			 idle_cpu_milli;	/* usage of an idle pod */
	sim_ns			 timeout;	/* 0: none */
	int32_t			 queue_limit;	/* per pod; 0: unbounded */
	struct wl_traffic	*traffic;	/* offered load; NULL: none */
	int32_t			 lb;		/* enum rq_lb: loadBalancer, default roundRobin */
	bool			 has_net_latency;
	struct sim_dist		 net_latency;	/* networkLatency, seconds; default none */
	double			 bandwidth;	/* networkBandwidth, bytes/s: a request of
						   `size` bytes adds size / bandwidth */
	struct wl_burst		 burst;		/* burstiness; default Poisson */
	/* classes: (names owned); NULL: one class of service_time,
	 * cpu_per_request and timeout. With classes, service_time is the
	 * constant mixture mean and cpu_per_request the mixture's mean cpu,
	 * for reference only (see rq_class_moments). */
	struct rq_class		*classes;
	size_t			 nclasses;
	/* retries, circuitBreaker, rateLimit, calls (models/serving/mesh.h; the calls'
	 * service names owned); zeroed: none */
	struct mesh_cfg		 mesh;
	/* memory: the pods' working set (scenarios/memory.c); has: given */
	struct scn_memory {
		bool	 has, has_base;
		int64_t	 base, per_request, leak_per_hour;	/* bytes */
	}			 memory;
};

/* trafficMode: how requests are simulated (see models/serving/request.h). auto is
 * request mode when the services' peak offered rates sum to less than
 * SCN_AUTO_REQUEST_RATE req/s, fluid mode otherwise. */
enum scn_traffic_mode { SCN_TRAFFIC_FLUID, SCN_TRAFFIC_REQUEST, SCN_TRAFFIC_AUTO };
#define SCN_AUTO_REQUEST_RATE	2000.0

enum scn_chaos_kind { SCN_FAIL_NODES, SCN_FAIL_ZONE, SCN_RECOVER_NODES,
	SCN_SCALE_DEPLOYMENT, SCN_ROLLOUT, SCN_PAUSE, SCN_RESUME, SCN_UNDO,
	SCN_FAULT };	/* SCN_FAULT last: the others follow the action names in scenario.c */
struct scn_fault;

/* How a release's containers behave (see models/cluster/cluster.h,
 * struct cl_behavior): probes that fail, a slow start, crashes. */
struct scn_behavior {
	bool		 not_ready, not_live;
	sim_ns		 startup, crash_after, mean_time_to_crash;
	int64_t		 memory_leak_per_hour;	/* bytes; 0: the service's */
	double		 service_time_factor;	/* 0: 1 */
	double		 error_rate;
};

/* failures.containers: a Deployment's containers' behavior. */
struct scn_container_failure {
	char			*deployment;
	struct scn_behavior	 b;
};

struct scn_chaos {
	sim_ns			 at;
	enum scn_chaos_kind	 kind;
	char			*deployment;	/* SCN_SCALE_DEPLOYMENT: a Deployment name */
	int32_t			 replicas;	/* SCN_SCALE_DEPLOYMENT: new spec.replicas */
	char			*pool;		/* SCN_FAIL_NODES/RECOVER: NULL = any pool */
	char			*zone;		/* SCN_FAIL_ZONE, or to restrict the nodes */
	int32_t			 count;		/* nodes; SCN_FAIL_ZONE: all */
	sim_ns			 duration;	/* down for this long; 0 = the pool's repair */
	struct scn_fault	*fault;		/* SCN_FAULT (scenarios/faults.h), owned */
	/* SCN_ROLLOUT: set: {container, image, resources, env}, behavior: */
	char			*container, *image, *env;
	bool			 has_requests, has_limits, has_behavior;
	struct k8s_resources	 requests, limits;
	struct scn_behavior	 behavior;
	int64_t			 to_revision;	/* SCN_UNDO: 0 = the previous */
};

/* Control-plane timings; defaults are Kubernetes' (cited in scenario.c). */
struct scn_control_plane {
	struct sim_dist	api_latency;		/* an API write reaching etcd and back */
	struct sim_dist	watch_latency;		/* an update reaching a watcher */
	struct sim_dist	scheduler_latency;	/* per-pod scheduling cycle */
	struct sim_dist	image_pull;		/* per pod start (image not cached) */
	struct sim_dist	container_start;
	struct sim_dist	endpoints_latency;	/* pod Ready -> endpoint in the LB */
	sim_ns		node_monitor_period;	/* 5s */
	sim_ns		node_monitor_grace;	/* 50s (40s before Kubernetes 1.32) */
	sim_ns		eviction_toleration;	/* 300s: default not-ready/unreachable */
	sim_ns		hpa_sync_period;	/* 15s */
	sim_ns		metrics_resolution;	/* metrics-server scrape, 15s */
	sim_ns		scheduler_backoff_initial;	/* 1s */
	sim_ns		scheduler_backoff_max;	/* 10s */
	sim_ns		unschedulable_flush;	/* 5m: podMaxInUnschedulablePodsDuration */
};

/* A queue workload (queues: in the scenario file). */
struct scn_queue {
	char			*name;		/* also its External metric's name */
	struct wl_traffic	*arrivals;	/* messages per second */
	char			*consumer;	/* Deployment */
	double			 rate_per_pod;	/* messages/s a Ready consumer takes */
	double			 cpu_per_message;	/* cpu-seconds */
	double			 initial_length;
};

/* featureGates: the gates kubesim models whose default differs from what a
 * user may run (kube-apiserver / kube-controller-manager --feature-gates). */
struct scn_feature_gates {
	bool	hpa_scale_to_zero;	/* HPAScaleToZero, alpha: off */
};

/* podTrace: pods that arrive and leave at given times, read from a cluster
 * trace's CSV pod list, on nodes from its node list (scenarios/pod_trace.c). */
enum scn_trace_time { SCN_TRACE_REAL = 0, SCN_TRACE_COMPRESSED };
struct scn_trace_pod {
	char		*name;
	uint32_t	 tmpl;		/* index in templates[] */
	sim_ns		 created;	/* real: run time of arrival; compressed: unused */
	sim_ns		 deleted;	/* real: run time of deletion, SIM_NEVER: none */
	sim_ns		 trace_pending;	/* the trace's scheduled - created (scaled); -1: none */
};
struct scn_pod_trace {
	enum scn_trace_time	 time;
	sim_ns			 gap;		/* compressed: between arrivals */
	double			 fill;		/* compressed: percent of GPU capacity */
	char			*gpu_resource;	/* "nvidia.com/gpu" */
	struct k8s_deployment	 workload;	/* kind PodTrace, owner of the pods */
	struct k8s_pod_spec	*templates;	/* one per distinct request */
	size_t			 ntemplates;
	struct scn_trace_pod	*pods;		/* in creation order */
	size_t			 npods;
	struct k8s_node_spec	*nodes;		/* from the node list */
	size_t			 nnodes;
};
void scn_pod_trace_free(struct scn_pod_trace *t);
struct scn_names;
/* Frees refs.c's name index (scn_free does). */
void scn_names_free(struct scn_names *ix);

struct scenario {
	char			*path;
	char			*name;
	char			*description;
	uint64_t		 seed;
	sim_ns			 duration;
	sim_ns			 interval;	/* result rows every interval */
	sim_ns			 warmup;	/* rows ending by then: not in the summary (default 0) */
	sim_ns			 tick;		/* fluid serving step, default 1s */
	enum scn_traffic_mode	 traffic_mode;	/* default fluid */
	struct scn_feature_gates gates;		/* featureGates: */
	bool			 hpa_rows_on_change;	/* hpaDecisions: onChange (default) */

	struct scn_pool		*pools;
	size_t			 npools;
	struct k8s_node_spec	*nodes;		/* v1 Node objects given as such */
	size_t			 nnodes;
	struct k8s_deployment	*deployments;
	size_t			 ndeployments;
	struct k8s_service	*services;
	size_t			 nservices;
	struct hpa_spec		*hpas;
	size_t			 nhpas;
	struct k8s_pdb		*pdbs;
	size_t			 npdbs;
	struct k8s_priority_class *priority_classes;
	size_t			 npriority_classes;
	struct k8s_pod_spec	*pods;		/* v1 Pod objects (name, namespace, labels, spec) */
	size_t			 npods;
	struct scn_profile	*profiles;
	size_t			 nprofiles;
	struct scn_chaos	*chaos;
	size_t			 nchaos;
	struct scn_container_failure *cfail;
	size_t			 ncfail;
	struct scn_control_plane cp;
	struct scn_sched_config	*sched_config;	/* schedulerConfig:; NULL: default profile */
	bool			 cluster_autoscaler;	/* any pool with max > count */
	struct vpa_spec		*vpas;		/* autoscaling.k8s.io/v1 VerticalPodAutoscalers */
	size_t			 nvpas;
	char			**vpa_where;	/* each one's targetRef.name, file:line:col */
	struct scn_queue	*queues;
	size_t			 nqueues;
	bool			 has_ca_config;	/* a clusterAutoscaler: section */
	struct ca_config	 ca;		/* its flags over ca_config_defaults() */
	struct ca_priority_level *ca_priorities;	/* owned; ca.priorities points here */
	size_t			 nca_priorities;
	/* bare Pods (pods[]) as workloads of kind Pod; shallow: each template
	 * is pods[i] itself */
	struct k8s_deployment	*pod_workloads;
	size_t			 npod_workloads;
	/* per pod of pods[]: its controlling ownerReference ("Kind", "name";
	 * NULL: none) and whether status.phase says it finished */
	struct scn_pod_meta {
		char	*owner_kind, *owner_name;
		bool	 finished;
	}			*pod_meta;
	size_t			 npod_meta;
	struct scn_job		*jobs;		/* jobs: per Job/CronJob */
	size_t			 njobs;
	int64_t			 start_time;	/* startTime: Unix ns of t = 0 */
	bool			 warm_start;	/* warmStart: default false (cold) */
	char			**notes;	/* for the user: a failure after the end, ... */
	size_t			 nnotes;
	/* What run will not do as the manifests say, each "file:line:col: ...":
	 * objects ignored, Services with traffic and no pods, pods that fit no
	 * node pool. validate and run print them; neither fails on them. */
	char			**warnings;
	size_t			 nwarnings;
	struct scn_pod_trace	*pod_trace;	/* podTrace:; NULL: none */
	/* kubelet: evictionHard (signal -> value, owned; has: given, else the
	 * kubelet's defaults) and evictionPressureTransitionPeriod
	 * (scenarios/memory.c) */
	struct scn_kubelet {
		bool	 has_eviction_hard;
		char	**keys, **values;
		size_t	 n;
		sim_ns	 pressure_transition;	/* default 5m */
	}			 kubelet;
	double			**samples;	/* empirical distributions' samples */
	size_t			 nsamples, capsamples;
	struct scn_names	*names_ix;	/* refs.c's name index (a cache) */
};

/* How a Job's (or CronJob's) pods run (jobs: in the scenario file). */
struct scn_job {
	char			*name;		/* a Job or CronJob in the manifests */
	struct sim_dist		 run_time;	/* seconds; default const 30s */
	double			 failure_probability;	/* per pod; default 0 */
};

/* A --set override: a dotted path into the scenario YAML and a new value. */
struct scn_override {
	const char	*path;		/* e.g. "duration", "nodePools.0.count", "seed" */
	const char	*value;
};

/* Parses and validates; on error returns -1 and *cause (caller frees) holds
 * "file:line:col: what was expected". */
int scn_load(const char *path, const struct scn_override *ov, size_t nov,
    struct scenario **out, char **cause);
void scn_free(struct scenario *s);
/* Kubernetes' control-plane defaults (each cited in scenarios/values.c). */
void scn_control_plane_defaults(struct scn_control_plane *cp);

/* Kubernetes quantities ("250m", "1Gi", "1e3", "0.5") and durations ("30s",
 * "1h30m"), parsed as Kubernetes does. Milli-values round up, as
 * resource.Quantity.MilliValue does. */
int scn_quantity_milli(const char *s, int64_t *out);	/* "250m" -> 250, "2" -> 2000 */
int scn_quantity_value(const char *s, int64_t *out);	/* "1Gi" -> 1073741824; rounds up */
int scn_duration(const char *s, sim_ns *out);		/* Go time.ParseDuration */
/* ceil(q / 10^scale) away from zero (Quantity.ScaledValue): scale -3 is
 * MilliValue, 0 Value, -9 nano-units. Returns 0, -1 for a malformed string,
 * -2 when the result does not fit an int64 (upstream would cap or wrap). */
int scn_quantity_scaled(const char *s, int scale, int64_t *out);

#endif
