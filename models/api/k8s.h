/*
 * k8s.h - the Kubernetes object specs that kubesim simulates, as plain C
 * structs: resources, containers, pod templates, taints and tolerations,
 * label selectors, affinity, topology spread, HPA specs. Scenario parsing
 * fills them; the scheduler, controllers and autoscalers read them. Units:
 * cpu in millicores, memory and ephemeral storage in bytes, durations in
 * seconds as Kubernetes' API has them, HPA metric values in milli-units.
 */
#ifndef KS_K8S_H
#define KS_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- labels and selectors ---------------------------------------------- */

struct k8s_label {
	char	*key;
	char	*value;
};
struct k8s_labels {
	struct k8s_label	*v;
	size_t			 n;
};
/* The value for key, or NULL. */
const char *k8s_labels_get(const struct k8s_labels *l, const char *key);
void k8s_labels_set(struct k8s_labels *l, const char *key, const char *value);
void k8s_labels_free(struct k8s_labels *l);
void k8s_labels_copy(struct k8s_labels *dst, const struct k8s_labels *src);

/* Whether ref names the object (ns, name): "namespace/name", or a plain
 * "name" for an object of the default namespace (ns NULL counts as default).
 * This is how a scenario names Services in results and references. */
bool k8s_ref_matches(const char *ns, const char *name, const char *ref);

enum k8s_sel_op { K8S_SEL_IN, K8S_SEL_NOT_IN, K8S_SEL_EXISTS, K8S_SEL_DOES_NOT_EXIST,
	K8S_SEL_GT, K8S_SEL_LT };
struct k8s_sel_req {
	char		 *key;
	enum k8s_sel_op	  op;
	char		**values;
	size_t		  nvalues;
};
/* metav1.LabelSelector (matchLabels become In requirements) and the node
 * selector terms of NodeAffinity use the same shape. */
struct k8s_selector {
	struct k8s_sel_req	*reqs;
	size_t			 nreqs;
	bool			 set;	/* false: a nil selector (matches nothing) */
};
/* An empty, set selector matches everything; an unset one nothing. */
bool k8s_selector_matches(const struct k8s_selector *s, const struct k8s_labels *l);
void k8s_selector_free(struct k8s_selector *s);

/* ---- resources --------------------------------------------------------- */

#define K8S_MAX_EXT 8
struct k8s_ext_res {
	char	*name;
	int64_t	 value;
};
/* A ResourceList. has_* record whether a quantity was given at all, since an
 * explicit 0 and an absent request differ for the scheduler's non-zero
 * defaults. */
struct k8s_resources {
	int64_t			cpu_milli;
	int64_t			memory;
	int64_t			ephemeral;
	int64_t			pods;
	bool			has_cpu, has_memory, has_ephemeral, has_pods;
	int			n_ext;
	struct k8s_ext_res	ext[K8S_MAX_EXT];
};
/* Value of a named resource ("cpu" in millicores); 0 and false if absent. */
bool k8s_res_get(const struct k8s_resources *r, const char *name, int64_t *v);
/* Sets a named resource (copies the name of an extended one). */
void k8s_res_set(struct k8s_resources *r, const char *name, int64_t v);
void k8s_res_free(struct k8s_resources *r);
void k8s_res_copy(struct k8s_resources *dst, const struct k8s_resources *src);

/* ---- containers and probes --------------------------------------------- */

struct k8s_probe {
	bool	set;
	int32_t	initial_delay_s;	/* default 0 */
	int32_t	period_s;		/* default 10 */
	int32_t	timeout_s;		/* default 1 */
	int32_t	success_threshold;	/* default 1 */
	int32_t	failure_threshold;	/* default 3 */
	bool	http;			/* httpGet or grpc: answered by the
					   application, so it waits like a request */
};

struct k8s_port {
	int32_t	container_port;
	int32_t	host_port;		/* 0: none */
	char	*protocol;		/* "TCP" default */
	char	*host_ip;
};

struct k8s_container {
	char			*name;
	char			*image;
	struct k8s_resources	 requests;
	struct k8s_resources	 limits;
	bool			 restartable;	/* init container with restartPolicy Always (sidecar) */
	struct k8s_probe	 readiness;
	struct k8s_probe	 liveness;
	struct k8s_probe	 startup;
	struct k8s_port		*ports;
	size_t			 nports;
};

/* ---- taints and tolerations -------------------------------------------- */

enum k8s_effect { K8S_EFFECT_ALL = 0, K8S_NO_SCHEDULE, K8S_PREFER_NO_SCHEDULE,
	K8S_NO_EXECUTE };
struct k8s_taint {
	char		*key;
	char		*value;
	enum k8s_effect	 effect;
};
enum k8s_tol_op { K8S_TOL_EQUAL = 0, K8S_TOL_EXISTS };
struct k8s_toleration {
	char		*key;		/* NULL or "": matches every key (with Exists) */
	enum k8s_tol_op	 op;
	char		*value;
	enum k8s_effect	 effect;	/* K8S_EFFECT_ALL: every effect */
	bool		 has_seconds;
	int64_t		 seconds;	/* tolerationSeconds */
};
/* Upstream's ToleratesTaint. */
bool k8s_tolerates(const struct k8s_toleration *t, const struct k8s_taint *taint);

/* ---- affinity and topology spread ------------------------------------- */

struct k8s_node_term {			/* NodeSelectorTerm */
	struct k8s_sel_req	*match_expressions;
	size_t			 nexpr;
	struct k8s_sel_req	*match_fields;	/* metadata.name only */
	size_t			 nfields;
};
struct k8s_pref_node_term {
	int32_t			weight;
	struct k8s_node_term	term;
};
struct k8s_pod_term {			/* PodAffinityTerm */
	struct k8s_selector	 selector;
	char			**namespaces;
	size_t			 nnamespaces;
	struct k8s_selector	 namespace_selector;
	char			*topology_key;
};
struct k8s_weighted_pod_term {
	int32_t			weight;
	struct k8s_pod_term	term;
};
struct k8s_affinity {
	struct k8s_node_term		*node_required;	/* ORed terms */
	size_t				 nnode_required;
	struct k8s_pref_node_term	*node_preferred;
	size_t				 nnode_preferred;
	struct k8s_pod_term		*pod_required;
	size_t				 npod_required;
	struct k8s_weighted_pod_term	*pod_preferred;
	size_t				 npod_preferred;
	struct k8s_pod_term		*anti_required;
	size_t				 nanti_required;
	struct k8s_weighted_pod_term	*anti_preferred;
	size_t				 nanti_preferred;
};

enum k8s_when_unsat { K8S_DO_NOT_SCHEDULE = 0, K8S_SCHEDULE_ANYWAY };
enum k8s_inclusion { K8S_HONOR = 0, K8S_IGNORE };
struct k8s_spread {
	int32_t			 max_skew;
	char			*topology_key;
	enum k8s_when_unsat	 when_unsatisfiable;
	struct k8s_selector	 selector;
	int32_t			 min_domains;		/* 0: unset (1) */
	enum k8s_inclusion	 node_affinity_policy;	/* default Honor */
	enum k8s_inclusion	 node_taints_policy;	/* default Ignore */
	char			**match_label_keys;
	size_t			 nmatch_label_keys;
};

/* ---- pods -------------------------------------------------------------- */

/* A pod template (or a standalone pod's spec with its metadata). Shared,
 * read-only, by every pod created from it. */
/* spec.restartPolicy: what the kubelet does when a container exits. */
enum k8s_restart_policy { K8S_RESTART_ALWAYS = 0, K8S_RESTART_ON_FAILURE,
	K8S_RESTART_NEVER };

struct k8s_pod_spec {
	char			*name;		/* template or pod name */
	char			*namespace;	/* "default" */
	struct k8s_labels	 labels;
	struct k8s_container	*containers;
	size_t			 ncontainers;
	struct k8s_container	*init_containers;
	size_t			 ninit;
	struct k8s_resources	 overhead;
	struct k8s_resources	 pod_requests;	/* spec.resources.requests (PodLevelResources);
						 * cpu, memory, hugepages-* replace the container sum */
	struct k8s_labels	 node_selector;
	struct k8s_affinity	 affinity;
	struct k8s_toleration	*tolerations;
	size_t			 ntolerations;
	struct k8s_spread	*spread;
	size_t			 nspread;
	char			*node_name;	/* spec.nodeName, or NULL */
	char			*scheduler_name;	/* "default-scheduler" */
	char			*priority_class;
	int32_t			 priority;	/* resolved from the PriorityClass */
	bool			 preempt_never;	/* preemptionPolicy: Never */
	int64_t			 termination_grace_s;	/* default 30 */
	enum k8s_restart_policy	 restart_policy;	/* default Always */
	/* the controller.kubernetes.io/pod-deletion-cost annotation (0: none),
	 * the ReplicaSet controller's scale-down order reads it */
	int32_t			 deletion_cost;
};
void k8s_pod_spec_free(struct k8s_pod_spec *p);

/*
 * The pod's effective request for scheduling (fit.go computePodResourceRequest):
 * max(sum(containers) + sum(sidecars), max_i(init_i + sidecars before i))
 * + overhead. When non_zero is set, a container without a cpu (memory)
 * request counts 100m (200Mi), as the scoring strategies do.
 */
void k8s_pod_request(const struct k8s_pod_spec *p, bool non_zero,
    struct k8s_resources *out);
#define K8S_DEFAULT_MILLI_CPU	100
#define K8S_DEFAULT_MEMORY	(200LL * 1024 * 1024)

/* ---- nodes ------------------------------------------------------------- */

struct k8s_node_spec {
	char			*name;
	struct k8s_labels	 labels;
	struct k8s_taint	*taints;
	size_t			 ntaints;
	struct k8s_resources	 allocatable;
	bool			 unschedulable;
	char			**images;	/* images present, for ImageLocality */
	int64_t			*image_sizes;
	size_t			 nimages;
};
void k8s_node_spec_free(struct k8s_node_spec *n);

/* ---- workloads --------------------------------------------------------- */

/* The kind of workload that owns pods: a Deployment, or (issue 9) a
 * StatefulSet, DaemonSet, Job, CronJob or bare Pod held in the same struct
 * with the kind's own fields below. */
enum k8s_workload_kind { K8S_KIND_DEPLOYMENT = 0, K8S_KIND_STATEFULSET,
	K8S_KIND_DAEMONSET, K8S_KIND_JOB, K8S_KIND_CRONJOB, K8S_KIND_POD,
	K8S_KIND_POD_TRACE };	/* bare pods of a cluster trace (podtrace.c) */
const char *k8s_kind_name(enum k8s_workload_kind k);

enum k8s_cron_policy { K8S_CRON_ALLOW = 0, K8S_CRON_FORBID, K8S_CRON_REPLACE };

struct k8s_deployment {
	char			*name;
	char			*namespace;
	int32_t			 replicas;	/* default 1 */
	struct k8s_selector	 selector;
	struct k8s_pod_spec	 template;
	int32_t			 max_surge;	/* resolved: default 25% rounded up */
	int32_t			 max_unavailable;	/* resolved: default 25% rounded down */
	int32_t			 min_ready_s;
	int32_t			 progress_deadline_s;	/* default 600 */
	int32_t			 revision_history;	/* default 10 */
	/* The strategy as written, for the Deployment controller, which
	 * resolves percentages against spec.replicas at each sync. */
	bool			 recreate;	/* strategy.type Recreate */
	int32_t			 surge_value, unavail_value;	/* ints or percents */
	bool			 surge_pct, unavail_pct;
	bool			 paused;	/* spec.paused */
	enum k8s_workload_kind	 kind;
	/* StatefulSet: serviceName, podManagementPolicy Parallel, the number
	 * of volumeClaimTemplates (a pod with claims stays in its volume's zone) */
	char			*service_name;
	bool			 parallel;
	size_t			 nclaims;
	/* Job, and a CronJob's jobTemplate; -1: unset (job_spec_default) */
	int32_t			 completions, parallelism, backoff_limit;
	int64_t			 active_deadline_s;
	/* CronJob */
	char			*schedule;
	enum k8s_cron_policy	 concurrency;
	int64_t			 starting_deadline_s;	/* -1: unset */
	bool			 suspend;
};

struct k8s_service_port {
	char	*name;
	int32_t	 port;
	int32_t	 target_port;
	char	*protocol;
};
struct k8s_service {
	char			*name;
	char			*namespace;
	struct k8s_labels	 selector;	/* Service selectors are equality maps */
	struct k8s_service_port	*ports;
	size_t			 nports;
	char			*type;		/* ClusterIP default */
	/* The first Deployment (by index) whose pod template's labels the
	 * selector matches, -1 for none; valid when has_deploy (the scenario
	 * loader finds it through a label index, in linear time). */
	bool			 has_deploy;
	int32_t			 deploy;
};

struct k8s_pdb {
	char			*name;
	char			*namespace;
	struct k8s_selector	 selector;
	bool			 has_min_available, has_max_unavailable;
	bool			 min_available_pct, max_unavailable_pct;	/* value is a percent */
	int32_t			 min_available;
	int32_t			 max_unavailable;
};

struct k8s_priority_class {
	char	*name;
	int32_t	 value;
	bool	 global_default;
	bool	 preempt_never;
};

/* ---- HorizontalPodAutoscaler (autoscaling/v2) -------------------------- */

enum hpa_metric_type { HPA_RESOURCE, HPA_CONTAINER_RESOURCE, HPA_PODS, HPA_OBJECT,
	HPA_EXTERNAL };
enum hpa_target_type { HPA_UTILIZATION, HPA_AVERAGE_VALUE, HPA_VALUE };
struct hpa_metric_spec {
	enum hpa_metric_type	 type;
	char			*resource;	/* Resource/ContainerResource: "cpu", "memory" */
	char			*container;	/* ContainerResource */
	char			*metric_name;	/* Pods/Object/External */
	struct k8s_selector	 metric_selector;
	char			*object_kind;	/* Object: describedObject */
	char			*object_name;
	char			*object_api_version;
	enum hpa_target_type	 target;
	int32_t			 average_utilization;	/* percent */
	int64_t			 value_milli;		/* Value target, milli-units */
	int64_t			 average_value_milli;	/* AverageValue target, milli-units */
};

enum hpa_policy_type { HPA_POLICY_PODS, HPA_POLICY_PERCENT };
struct hpa_policy {
	enum hpa_policy_type	type;
	int32_t			value;
	int32_t			period_s;
};
enum hpa_select { HPA_SELECT_MAX = 0, HPA_SELECT_MIN, HPA_SELECT_DISABLED };
struct hpa_rules {
	bool			 has_stabilization;
	int32_t			 stabilization_s;
	enum hpa_select		 select;
	struct hpa_policy	*policies;
	size_t			 npolicies;
	bool			 has_tolerance;
	double			 tolerance;
};
struct hpa_spec {
	char			*name;
	char			*namespace;
	char			*target_kind;	/* "Deployment" */
	char			*target_name;
	char			*target_api_version;
	int32_t			 min_replicas;	/* default 1 */
	bool			 has_min_replicas;	/* set explicitly (needed for an explicit 0) */
	int32_t			 max_replicas;
	struct hpa_metric_spec	*metrics;	/* empty: cpu 80% utilization */
	size_t			 nmetrics;
	bool			 has_behavior;	/* false: the legacy path */
	bool			 has_scale_up, has_scale_down;
	struct hpa_rules	 scale_up;	/* defaulted when has_behavior */
	struct hpa_rules	 scale_down;
};
void hpa_spec_free(struct hpa_spec *h);
/* Fills the API defaults (GenerateHPAScaleUpRules / ScaleDownRules, minReplicas 1,
 * cpu 80% when no metrics) as the API server would. */
void hpa_spec_set_defaults(struct hpa_spec *h);

#endif
