/*
 * sched.h - kube-scheduler's default profile (pkg/scheduler): filter and
 * score plugins, normalization, weights, percentageOfNodesToScore with a
 * rotating start index, random choice among equal best totals, and the
 * failure reasons upstream reports. The caller owns the node and pod specs;
 * the scheduler keeps per-node sums and per-template pod counts so that
 * adding or removing a pod is O(1) and a cycle never rescans every pod.
 */
#ifndef KS_SCHED_H
#define KS_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/api/k8s.h"

#define SCHED_MAX_NODE_SCORE	100	/* framework.MaxNodeScore */
#define SCHED_MAX_CUSTOM_SCORE	10	/* config.MaxCustomPriorityScore */
#define SCHED_MAX_EXT		16	/* distinct extended/hugepages resources */
#define SCHED_MAX_RES		8	/* resources in a scoring strategy */
#define SCHED_MAX_SHAPE		16	/* RequestedToCapacityRatio shape points */
#define SCHED_MAX_REASONS	(4 + SCHED_MAX_EXT)
#define SCHED_MAX_IGNORED	16	/* NodeResourcesFit ignoredResources, ignoredResourceGroups */
#define SCHED_MAX_NAME		320	/* a qualified resource name: 253 + '/' + 63, NUL */

/* Plugins of the default profile, filters in upstream's order first. */
enum sched_plugin {
	SCHED_NODE_UNSCHEDULABLE,
	SCHED_NODE_NAME,
	SCHED_TAINT_TOLERATION,
	SCHED_NODE_AFFINITY,
	SCHED_NODE_PORTS,
	SCHED_NODE_RESOURCES_FIT,
	SCHED_POD_TOPOLOGY_SPREAD,
	SCHED_INTER_POD_AFFINITY,
	SCHED_BALANCED_ALLOCATION,	/* score only */
	SCHED_IMAGE_LOCALITY,		/* score only */
	SCHED_NPLUGINS
};
/* Upstream's name ("NodeResourcesFit", ...); parse returns -1 if unknown. */
const char *sched_plugin_name(enum sched_plugin p);
int sched_plugin_parse(const char *name);
bool sched_plugin_filters(enum sched_plugin p);
bool sched_plugin_scores(enum sched_plugin p);

enum sched_strategy { SCHED_LEAST_ALLOCATED, SCHED_MOST_ALLOCATED,
	SCHED_REQUESTED_TO_CAPACITY_RATIO };

struct sched_res_weight {
	char	name[64];		/* "cpu", "memory", "nvidia.com/gpu", ... */
	int64_t	weight;			/* 1..100 */
};
struct sched_shape_point {
	int64_t	utilization;		/* 0..100, increasing */
	int64_t	score;			/* 0..10 */
};

/* KubeSchedulerConfiguration, one profile. */
struct sched_config {
	bool			 enabled[SCHED_NPLUGINS];	/* filter and score */
	int32_t			 weight[SCHED_NPLUGINS];	/* score weight */
	enum sched_strategy	 strategy;		/* NodeResourcesFit scoringStrategy */
	struct sched_res_weight	 fit_resources[SCHED_MAX_RES];
	int			 nfit_resources;
	struct sched_shape_point shape[SCHED_MAX_SHAPE];	/* RTCR */
	int			 nshape;
	struct sched_res_weight	 balanced_resources[SCHED_MAX_RES];
	int			 nbalanced_resources;
	/* NodeResourcesFitArgs: extended resources the filter does not check,
	 * by name or by the part of the name before '/' (fitsRequest) */
	char			 ignored_resources[SCHED_MAX_IGNORED][SCHED_MAX_NAME];
	int			 nignored_resources;
	char			 ignored_groups[SCHED_MAX_IGNORED][SCHED_MAX_NAME];
	int			 nignored_groups;
	int32_t			 percentage_of_nodes_to_score;	/* 0: adaptive */
	int32_t			 hard_pod_affinity_weight;	/* InterPodAffinity, 1 */
	bool			 ignore_preferred_terms_of_existing_pods;
	bool			 spread_system_defaults;	/* defaultingType System */
	bool			 spread_match_label_keys;	/* feature gate, on */
	bool			 spread_node_inclusion_policy;	/* feature gate, on */
	/* DefaultPreemption (PostFilter) and its DefaultPreemptionArgs */
	bool			 preemption;			/* enabled */
	int32_t			 min_candidate_nodes_percentage;	/* 10 */
	int32_t			 min_candidate_nodes_absolute;	/* 100 */
};
/* The default profile: plugins and weights of default_plugins.go,
 * LeastAllocated cpu 1 memory 1, adaptive percentage, system spreading. */
void sched_config_default(struct sched_config *c);
/* Upstream's argument validation; -1 with "scoringStrategy.resources[i].weight:
 * Invalid value: ..." style causes (caller frees). */
int sched_config_validate(const struct sched_config *c, char **cause);

/* ---- cluster state ------------------------------------------------------ */

/* A node as the scheduler sees it (read-only for callers). */
struct sched_node {
	/* first what every filter pass reads (one cache line or two) */
	const struct k8s_node_spec *spec;	/* NULL once removed */
	int64_t		 alloc_cpu, alloc_mem, alloc_pods;
	int64_t		 req_cpu, req_mem;	/* Requested */
	int32_t		 npods;
	bool		 tainted;	/* spec->ntaints > 0 when last read */
	int64_t		 alloc_eph;
	int64_t		 alloc_ext[SCHED_MAX_EXT];
	int64_t		 req_eph;
	int64_t		 req_ext[SCHED_MAX_EXT];
	int64_t		 nz_cpu, nz_mem;		/* NonZeroRequested */
	int32_t		*pods;		/* pod handles on the node */
	size_t		 cap_pods;
	struct sched_ng	*groups;	/* per pod template: counts (internal) */
	size_t		 ngroups, cap_groups;
	struct sched_hostport *ports;	/* used host ports (internal) */
	size_t		 nports, cap_ports;
};

struct sched;

/* cfg is copied. Returns NULL and sets *cause when cfg is invalid. */
struct sched *sched_new(const struct sched_config *cfg, char **cause);
void sched_free(struct sched *s);
const struct sched_config *sched_config(const struct sched *s);
/* Switches to another profile's configuration (a scheduler with several
 * profiles shares one cache). cfg is copied; -1 with *cause if invalid. */
int sched_set_config(struct sched *s, const struct sched_config *cfg, char **cause);

/* Adds a node; spec must outlive it. Returns its index (0, 1, ...). */
int sched_add_node(struct sched *s, const struct k8s_node_spec *spec);
/* Re-reads a node's spec after its labels, taints, allocatable or
 * unschedulable flag changed. */
void sched_node_update(struct sched *s, int node);
/* Removes a node that holds no pods; its index is never reused. */
void sched_remove_node(struct sched *s, int node);
size_t sched_nnodes(const struct sched *s);		/* indices ever used */
size_t sched_nnodes_live(const struct sched *s);
const struct sched_node *sched_node_get(const struct sched *s, int node);
/* Index of the node with this name, or -1 (linear; for tools and tests). */
int sched_node_find(const struct sched *s, const char *name);

/*
 * Places a pod on a node (a bound or assumed pod): adds its requests, host
 * ports and labels. spec must outlive the placement; pods created from one
 * template should share one spec (counts are kept per spec). Returns a
 * handle >= 0 for sched_node_remove_pod. O(pods of the template on the node).
 */
int sched_node_add_pod(struct sched *s, int node, const struct k8s_pod_spec *spec);
void sched_node_remove_pod(struct sched *s, int pod);
/* A terminating pod (deletionTimestamp set) still uses resources but no
 * longer counts for topology spreading. */
void sched_pod_set_terminating(struct sched *s, int pod, bool terminating);
int sched_pod_node(const struct sched *s, int pod);
const struct k8s_pod_spec *sched_pod_spec(const struct sched *s, int pod);
/* status.startTime of a placed pod (any int64 time unit, the same for every
 * pod); a pod without one counts as starting "now" in preemption. */
void sched_pod_set_start(struct sched *s, int pod, int64_t start);
/* The pod is terminating because the scheduler preempted it (deletion
 * timestamp and the DisruptionTarget condition PreemptionByScheduler). */
void sched_pod_set_preempted(struct sched *s, int pod);

/* A Service's selector (equality map), used by default topology spreading.
 * labels must outlive the scheduler. */
void sched_add_service(struct sched *s, const char *ns, const struct k8s_labels *selector);

/* ---- one scheduling cycle ---------------------------------------------- */

enum sched_code { SCHED_NOT_EVALUATED = 0, SCHED_SUCCESS, SCHED_UNSCHEDULABLE,
	SCHED_UNRESOLVABLE /* UnschedulableAndUnresolvable */ };
const char *sched_code_name(enum sched_code c);	/* "Success", ... */

struct sched_node_status {
	enum sched_code		 code;
	enum sched_plugin	 plugin;	/* the failing filter */
	int			 nreasons;
	const char		*reasons[SCHED_MAX_REASONS];	/* static or owned by sched */
};

/* explain: one score plugin on one feasible node. */
struct sched_score_detail {
	int64_t	raw, normalized, weighted;
};

/* Owned by the caller; arrays grow and are reused across calls. */
struct sched_result {
	bool	explain;		/* in: fill the explain fields */
	int	nominated;		/* in: status.nominatedNodeName, evaluated first
					 * (evaluateNominatedNode); -1 none (init) */
	/* out */
	int	node;			/* chosen node index, or -1 */
	int64_t	total;			/* its total score */
	size_t	nnodes;			/* entries in status */
	struct sched_node_status *status;	/* per node index */
	size_t	evaluated;		/* nodes run through the filters */
	size_t	nfeasible;
	size_t	num_to_find;		/* numFeasibleNodesToFind */
	size_t	start_index;		/* where the filter pass started */
	/* explain only */
	bool	scored;			/* false with a single feasible node */
	int	*feasible;		/* [nfeasible] node indices, evaluation order */
	bool	skipped[SCHED_NPLUGINS];	/* PreScore returned Skip */
	bool	ran[SCHED_NPLUGINS];		/* enabled score plugin */
	struct sched_score_detail *scores;	/* [nfeasible * SCHED_NPLUGINS] */
	int64_t	*totals;		/* [nfeasible] */
	int	*tied;			/* nodes sharing the best total */
	size_t	ntied;
	size_t	cap_status, cap_feasible, cap_tied;
	size_t	touched_start, touched_n;	/* status entries last written */
};
void sched_result_init(struct sched_result *r);
void sched_result_fini(struct sched_result *r);

/*
 * Schedules one pod (does not place it: call sched_node_add_pod with
 * out->node). The rng breaks ties among the best totals. Returns out->node.
 * owner_selector, when not NULL, is the selector of the pod's controller
 * (its ReplicaSet), used with matching Services by default spreading.
 */
int sched_schedule(struct sched *s, const struct k8s_pod_spec *pod, gsl_rng *rng,
    struct sched_result *out);
int sched_schedule_owned(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner_selector, gsl_rng *rng, struct sched_result *out);
/* Upstream's FitError text: "0/5 nodes are available: 2 Insufficient cpu,
 * 3 node(s) had untolerated taint(s)." Caller frees. */
char *sched_result_message(const struct sched *s, const struct sched_result *r);

/* ---- preemption (framework/preemption, plugins/defaultpreemption) ------- */

/* A PodDisruptionBudget as preemption reads it. */
struct sched_pdb {
	const char		  *ns;		/* NULL: "default" */
	const struct k8s_selector *selector;	/* empty or unset: matches nothing */
	int32_t			   disruptions_allowed;	/* status.disruptionsAllowed */
};

/* One candidate node of the dry run. */
struct sched_candidate {
	int	 node;
	int	*victims;	/* pod handles, most important first */
	size_t	 nvictims;
	int64_t	 pdb_violations;
};

/* Owned by the caller; reused across calls. */
struct sched_preemption {
	/* out */
	int	 node;		/* nominated node, or -1 */
	int	*victims;	/* its victims (pod handles), most important first */
	size_t	 nvictims;
	int64_t	 pdb_violations;
	bool	 eligible;	/* false: PodEligibleToPreemptOthers said no */
	char	*message;	/* when node < 0: upstream's status ("preemption: 0/3
				 * nodes are available: ..." or "preemption: not
				 * eligible due to ..."); NULL when preemption is off */
	size_t	 npotential;	/* nodes whose filter failure was Unschedulable */
	int32_t	 offset, num_candidates;	/* GetOffsetAndNumCandidates */
	struct sched_candidate *cands;	/* candidates found, in upstream's order */
	size_t	 ncands, cap_cands;
	size_t	 cap_victims;
};
void sched_preemption_init(struct sched_preemption *p);
void sched_preemption_fini(struct sched_preemption *p);

/*
 * DefaultPreemption's PostFilter for a pod that failed the cycle whose
 * statuses are in failed: eligibility (preemptionPolicy Never; terminating
 * preempted victims on its nominated node `nominated`, -1 none), candidate
 * nodes (status Unschedulable), SelectVictimsOnNode on up to
 * max(10% of them, 100) nodes from a random offset (rng), PDB-aware
 * reprieve, pickOneNodeForPreemption. Priorities are the specs' priority.
 * `now` is the start time of pods without one. Nominated pods of equal or
 * higher priority must already be placed by the caller. Victims are not
 * deleted: the caller deletes them. Returns out->node.
 */
int sched_preempt(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner_selector, const struct sched_result *failed,
    int nominated, const struct sched_pdb *pdbs, size_t npdbs, int64_t now, gsl_rng *rng,
    struct sched_preemption *out);
/* SelectVictimsOnNode alone (tests, explain): victims into out->cands[0];
 * returns the status code (SCHED_SUCCESS with victims). */
enum sched_code sched_select_victims(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner_selector, int node, const struct sched_pdb *pdbs,
    size_t npdbs, int64_t now, struct sched_preemption *out);

/* numFeasibleNodesToFind (schedule_one.go). */
int64_t sched_num_feasible_nodes_to_find(int32_t percentage, int64_t num_all_nodes);

/* ---- single plugins (for tests, tools and explain) ----------------------- */

struct sched_insufficient {	/* NodeResourcesFit InsufficientResource */
	const char	*resource;
	const char	*reason;
	int64_t		 requested, used, capacity;
	bool		 unresolvable;
};
/* Runs one filter plugin (with its PreFilter) for pod on node. For
 * NodeResourcesFit, ins (may be NULL) receives up to SCHED_MAX_REASONS
 * entries and *nins their number. Returns st->code. */
enum sched_code sched_run_filter(struct sched *s, const struct k8s_pod_spec *pod,
    enum sched_plugin p, int node, struct sched_node_status *st,
    struct sched_insufficient *ins, int *nins);
/*
 * Every enabled filter for one pod on one node, as a scheduling cycle runs
 * them (with its shortcuts for filters the pod's spec or the node answers):
 * sched_filter_begin starts the cycle (PreFilter of every filter plugin),
 * then sched_filter_node answers for any live node, as long as the cache
 * does not change and no other cycle starts. Returns st->code.
 */
void sched_filter_begin(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner_selector);
enum sched_code sched_filter_node(struct sched *s, int node, struct sched_node_status *st);
/* Runs one score plugin (PreScore, Score, NormalizeScore) over the given
 * feasible nodes; raw and norm (either may be NULL) get one entry per node.
 * Returns 1 when PreScore skipped the plugin (scores are then 0), else 0. */
int sched_run_score(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner_selector, enum sched_plugin p,
    const int *nodes, size_t n, int64_t *raw, int64_t *norm);

/* helper.BuildBrokenLinearFunction evaluated at p (integer math). */
int64_t sched_broken_linear(const struct sched_shape_point *shape, int n, int64_t p);
/* helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores). */
void sched_default_normalize(int64_t *scores, size_t n, bool reverse);

/* Whether a container of the pod asks for a host port (NodePorts has
 * nothing to check otherwise). */
bool sched_pod_has_host_ports(const struct k8s_pod_spec *pod);

/*
 * Node-local predicates other controllers reuse (the DaemonSet controller's
 * node eligibility): the pod's nodeSelector and required node affinity
 * against the node (GetRequiredNodeAffinity.Match), and the first
 * NoSchedule/NoExecute taint of the node the pod does not tolerate (NULL: none).
 */
bool sched_pod_node_affinity_matches(const struct k8s_pod_spec *pod,
    const struct k8s_node_spec *n);
const struct k8s_taint *sched_untolerated_taint(const struct k8s_pod_spec *pod,
    const struct k8s_node_spec *n);

#endif
