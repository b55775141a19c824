/*
 * ca.h - the Cluster Autoscaler's decision logic (kubernetes/autoscaler,
 * branch cluster-autoscaler-release-1.37): flag defaults, node utilization,
 * scale-down eligibility, the expanders, the binpacking estimator and a
 * node-group state model (unneeded timers, scale-down delays, parallelism
 * budgets, scale-up caps). Everything here is pure: the simulation computes
 * pods, fits and PDBs, calls these functions each scan and applies the result.
 */
#ifndef KS_CA_H
#define KS_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/engine/engine.h"

/* ---- configuration (config/flags/flags.go, config/const.go) ------------ */

enum ca_expander {
	CA_EXPANDER_RANDOM,
	CA_EXPANDER_MOST_PODS,
	CA_EXPANDER_LEAST_WASTE,
	CA_EXPANDER_PRICE,
	CA_EXPANDER_PRIORITY,
	CA_EXPANDER_LEAST_NODES,
};
#define CA_MAX_EXPANDERS 6

/* One level of the priority expander's ConfigMap: node groups whose name
 * matches any of the regular expressions get this priority. */
struct ca_priority_level {
	int		 priority;
	char		**patterns;	/* POSIX extended regexps, unanchored search */
	size_t		 npatterns;
};

struct ca_config {
	sim_ns	scan_interval;				/* 10s */
	double	scale_down_utilization_threshold;	/* 0.5 */
	double	scale_down_gpu_utilization_threshold;	/* 0.5 */
	sim_ns	scale_down_unneeded_time;		/* 10m */
	sim_ns	scale_down_unready_time;		/* 20m */
	sim_ns	scale_down_delay_after_add;		/* 10m */
	sim_ns	scale_down_delay_after_delete;		/* 0 */
	sim_ns	scale_down_delay_after_failure;		/* 3m */
	sim_ns	max_node_provision_time;		/* 15m */
	sim_ns	max_node_startup_time;			/* 15m */
	sim_ns	max_graceful_termination;		/* 600s */
	sim_ns	new_pod_scale_up_delay;			/* 0 */
	sim_ns	node_delete_delay_after_taint;		/* 5s */
	sim_ns	unremovable_node_recheck_timeout;	/* 5m */
	sim_ns	max_pod_eviction_time;			/* 2m */
	sim_ns	node_deletion_delay_timeout;		/* 2m */
	sim_ns	scale_down_simulation_timeout;		/* 30s */
	sim_ns	max_cloud_provider_node_deletion_time;	/* 5m */
	sim_ns	max_kubernetes_empty_node_deletion_time; /* 3m (a constant upstream) */
	sim_ns	pod_long_terminating_extra;		/* 30s (drain.PodLongTerminatingExtraThreshold) */

	enum ca_expander expanders[CA_MAX_EXPANDERS];	/* {least-waste} */
	int	nexpanders;				/* 1 */

	double	max_total_unready_percentage;		/* 45 */
	int	ok_total_unready_count;			/* 3 */
	int	scale_down_non_empty_candidates_count;	/* 30 */
	double	scale_down_candidates_pool_ratio;	/* 0.1 */
	int	scale_down_candidates_pool_min_count;	/* 50 */
	int	max_scale_down_parallelism;		/* 10 */
	int	max_drain_parallelism;			/* 1 */
	int	max_bulk_soft_taint_count;		/* 10 */
	int	max_nodes_per_scaleup;			/* 1000 */
	int	max_nodes_total;			/* 0: no limit */
	int64_t	cores_total_min, cores_total_max;	/* 0:320000 cores */
	int64_t	memory_total_min_gib, memory_total_max_gib;	/* 0:6400000 GiB */
	int	expendable_pods_priority_cutoff;	/* -10 */

	bool	skip_nodes_with_local_storage;		/* true */
	bool	skip_nodes_with_system_pods;		/* true */
	bool	ignore_daemonsets_utilization;		/* false */
	bool	ignore_mirror_pods_utilization;		/* false */
	bool	scale_down_enabled;			/* true */
	bool	scale_down_unready_enabled;		/* true */
	bool	balance_similar_node_groups;		/* false */
	bool	enforce_node_group_min_size;		/* false */
	bool	scale_up_from_zero;			/* true */

	/* Price expander: the GCE pricing model's unit prices (USD per hour),
	 * used for pod prices and for nodes of groups without a price. */
	double	price_cpu_core_hour;			/* 0.033174 */
	double	price_memory_gib_hour;			/* 0.004446 */
	double	price_gpu_hour;				/* 0.700 */

	/* Priority expander levels; not owned (the caller keeps them alive). */
	const struct ca_priority_level *priorities;
	size_t	npriorities;
};

/* The upstream defaults (ca.json "defaults"). */
struct ca_config ca_config_defaults(void);

/* "least-waste" -> CA_EXPANDER_LEAST_WASTE; -1 when unknown. */
int ca_expander_parse(const char *name);
const char *ca_expander_name(enum ca_expander e);
/* Parses the --expander flag ("priority,least-waste") into cfg; -1 with
 * *cause (caller frees) on an unknown or unsupported name ("grpc"). */
int ca_config_set_expanders(struct ca_config *cfg, const char *flag, char **cause);
/* Checks that every priority pattern compiles; -1 with *cause otherwise. */
int ca_config_check_priorities(const struct ca_config *cfg, char **cause);

/* ---- utilization (simulator/utilization/info.go) ----------------------- */

/* A pod as the utilization calculation sees it. The requests are
 * podutils.PodRequests: the scheduler's effective request without the
 * non-zero defaults (k8s_pod_request(spec, false, ...)). */
struct ca_pod_usage {
	int64_t	cpu_milli;
	int64_t	memory;
	int64_t	gpu;
	bool	daemonset;	/* owned by a DaemonSet, or the daemonset-pod annotation */
	bool	mirror;		/* kubernetes.io/config.mirror annotation */
	sim_ns	deletion_time;	/* metadata.deletionTimestamp: the delete request plus
				 * the grace period; SIM_NEVER: not being deleted */
	int64_t	grace_s;	/* terminationGracePeriodSeconds (30 by default) */
};

/* A node's allocatable; has_* false means the resource is absent. */
struct ca_node_alloc {
	int64_t	cpu_milli, memory, gpu;
	bool	has_cpu, has_memory, has_gpu;
	bool	gpu_node;	/* the cloud provider reports a GPU config (GPU label) */
};

enum ca_resource { CA_RES_CPU, CA_RES_MEMORY, CA_RES_GPU };

struct ca_util {
	double		 cpu, mem, gpu;
	double		 utilization;	/* max(cpu, mem), or gpu on GPU nodes */
	enum ca_resource resource;	/* the resource that gave utilization */
};

/*
 * utilization.Calculate. Returns 0, or -1 when cpu or memory allocatable is
 * absent or zero (then *cause, when cause is not NULL, says which; caller
 * frees). A GPU node uses only the GPU utilization, 0 when its GPU
 * allocatable is absent or zero.
 */
int ca_utilization(const struct ca_node_alloc *alloc, const struct ca_pod_usage *pods,
    size_t npods, bool skip_daemonset_pods, bool skip_mirror_pods, sim_ns now,
    struct ca_util *out, char **cause);
/* drain.IsPodLongTerminating: deletion + grace + 30s strictly before now. */
bool ca_pod_long_terminating(const struct ca_config *cfg, const struct ca_pod_usage *p,
    sim_ns now);

/* ---- reasons (simulator/cluster.go UnremovableReason) ------------------ */

enum ca_reason {
	CA_NO_REASON = 0,
	CA_SCALE_DOWN_DISABLED_ANNOTATION,
	CA_SCALE_DOWN_UNREADY_DISABLED,
	CA_NOT_AUTOSCALED,
	CA_NOT_UNNEEDED_LONG_ENOUGH,
	CA_NOT_UNREADY_LONG_ENOUGH,
	CA_NODE_GROUP_MIN_SIZE_REACHED,
	CA_MINIMAL_RESOURCE_LIMIT_EXCEEDED,
	CA_CURRENTLY_BEING_DELETED,
	CA_NOT_UNDERUTILIZED,
	CA_RECENTLY_UNREMOVABLE,
	CA_NO_PLACE_TO_MOVE_PODS,
	CA_BLOCKED_BY_POD,
	CA_UNEXPECTED_ERROR,
};
/* Upstream's name: "NotUnderutilized", "CurrentlyBeingDeleted", ... */
const char *ca_reason_name(enum ca_reason r);

/* ---- scale-down eligibility (core/scaledown/eligibility) --------------- */

/* What eligibility needs of one node. The utilization is computed by the
 * caller (ca_utilization, with ignore-daemonsets-utilization and
 * ignore-mirror-pods-utilization of the config); util_error marks a failed
 * calculation. */
struct ca_elig_node {
	int	group;			/* node group index; -1: not autoscaled */
	bool	ready;
	bool	scale_down_disabled;	/* cluster-autoscaler.kubernetes.io/scale-down-disabled=true */
	sim_ns	to_be_deleted_at;	/* ToBeDeletedByClusterAutoscaler taint time; SIM_NEVER: none */
	bool	gpu_node;
	bool	util_error;
	double	utilization;
};

/*
 * unremovableReasonAndNodeUtilization, in upstream's order: being deleted
 * (taint younger than max-cloud-provider-node-deletion-time or 3m), the
 * scale-down-disabled annotation, not autoscaled, utilization error
 * (UnexpectedError), unready while scale-down of unready nodes is disabled,
 * utilization > threshold (the GPU threshold on GPU nodes; equal passes).
 */
enum ca_reason ca_eligibility(const struct ca_config *cfg, const struct ca_elig_node *n,
    sim_ns now);

/* ---- node groups and expansion options --------------------------------- */

/* A node group (cloud provider NodeGroup) with its template node. */
struct ca_group {
	const char	*name;		/* not owned */
	int		 min_size, max_size;
	int		 target_size;	/* the cloud provider's target size */
	int		 deleting;	/* deletions started, not yet subtracted from target_size */
	int64_t		 cpu_milli;	/* template node capacity (= allocatable here) */
	int64_t		 memory;
	int64_t		 pods;		/* pods per node; 0: no pod-count limit */
	int64_t		 gpu;
	/* the requests of the pods a new node starts with (the DaemonSet pods
	 * of TemplateNodeInfo): the estimator packs around them */
	int64_t		 tmpl_cpu_milli, tmpl_memory, tmpl_gpu, tmpl_pods;
	double		 price_per_hour;	/* <= 0: priced from capacity by the unit prices */
	sim_ns		 provision_delay;	/* for the caller: time to a Ready node */
	sim_ns		 backoff_until;	/* scale-up backoff after a failure; 0: none */
};

/* One expansion option (expander.Option). */
struct ca_option {
	int		 group;		/* index into the groups */
	const char	*name;		/* node group id, for the priority expander */
	int		 node_count;
	int		 npods;		/* pods the scale-up would schedule */
	int64_t		 pods_cpu_milli;	/* sum of their cpu requests */
	int64_t		 pods_memory;	/* sum of their memory requests */
	int64_t		 pods_gpu;
	int64_t		 cap_cpu_milli;	/* template node capacity */
	int64_t		 cap_memory;
	int64_t		 cap_gpu;	/* > 0: a GPU node (price expander override) */
	double		 node_price;	/* template node price per hour */
};

/* What some expanders need beyond the options. */
struct ca_expander_ctx {
	const struct ca_config	*cfg;
	int			 cluster_nodes;	/* for the price expander's preferred node */
};

/*
 * Applies one expander as a filter (expander.Filter BestOptions): the best
 * options are moved to the front of opts, in their original order, and their
 * count is returned (0: none). Ties are kept, except by random (one option)
 * and price (upstream keeps the first option with the lowest score).
 * random draws from rng; with rng NULL it keeps the first option.
 *   most-pods:   max npods (an option with 0 pods ties at 0)
 *   least-waste: min (availCPU-reqCPU)/availCPU + (availMem-reqMem)/availMem,
 *                avail = template capacity x node_count
 *   least-nodes: min node_count, options with 0 nodes skipped
 *   price:       min unfitness' x (nodesPrice + stab) / (podsPrice + stab)
 *   priority:    highest matching ConfigMap priority; none matched: all kept
 */
size_t ca_expander_filter(enum ca_expander e, const struct ca_expander_ctx *ctx,
    struct ca_option *opts, size_t n, gsl_rng *rng);
/*
 * The expander chain of --expander (factory/chain.go): each filter in turn
 * until one option is left, then a random pick. Returns the index into opts
 * of the chosen option, or -1. opts is not modified.
 */
int ca_expander_choose(const struct ca_expander_ctx *ctx, const struct ca_option *opts,
    size_t n, gsl_rng *rng);

/* The price expander's pieces (expander/price), exposed for tests. */
double ca_price_pod(const struct ca_config *cfg, int64_t cpu_milli, int64_t memory,
    int64_t gpu);
double ca_price_group_node(const struct ca_config *cfg, const struct ca_group *g);
/* SimplePreferredNodeProvider: preferred node cpu (millicores) by cluster size. */
int64_t ca_price_preferred_cpu(int cluster_nodes);
/* The option's score; lower is better. */
double ca_price_score(const struct ca_expander_ctx *ctx, const struct ca_option *o,
    double pods_price);

/* ---- binpacking estimator (estimator/binpacking_estimator.go) ---------- */

/* An equivalence group of pending pods (same owner and spec). */
struct ca_pod_group {
	int	count;
	int64_t	cpu_milli, memory, gpu;	/* the request of one pod */
};

/*
 * First-fit decreasing over new template nodes of g, by cpu, memory, gpu and
 * pod count: pod groups ordered by cpu/alloc + mem/alloc (stable), each pod
 * first onto any node added so far, else onto the last added node, else onto
 * a new one while max_nodes allows (0: no limit, < 0: none). fits[i] false
 * skips pod group i (the caller's static filters rejected it on the
 * template). Returns the nodes used; *scheduled gets the pods placed and, if
 * sched_per_group is not NULL, sched_per_group[i] the pods of group i placed.
 */
int ca_estimate(const struct ca_group *g, const struct ca_pod_group *pg, const bool *fits,
    size_t npg, int max_nodes, int *scheduled, int *sched_per_group);

/* ---- the autoscaler's state between scans ------------------------------ */

struct ca_unneeded {
	int64_t	node;		/* the caller's node id */
	sim_ns	since;
};
struct ca_recheck {
	int64_t	node;
	sim_ns	until;		/* skipped as RecentlyUnremovable before this */
};

/* Time "never happened": upstream's zero time.Time is long before any run. */
#define CA_LONG_AGO	(INT64_MIN / 4)

struct ca_state {
	struct ca_unneeded	*unneeded;	/* sorted by node */
	size_t			 nunneeded, capunneeded;
	struct ca_recheck	*recheck;	/* sorted by node */
	size_t			 nrecheck, caprecheck;
	sim_ns			 last_update;		/* the last scale-down pass; CA_LONG_AGO */
	sim_ns			 min_update_interval;	/* shortest time between passes;
							 * SIM_NEVER before the first */
	sim_ns			 last_scale_up;		/* CA_LONG_AGO initially */
	sim_ns			 last_scale_down_delete;
	sim_ns			 last_scale_down_fail;
	int			 empty_in_progress;	/* deletions under way (actuation status) */
	int			 drain_in_progress;
};
void ca_state_init(struct ca_state *s);
void ca_state_fini(struct ca_state *s);
/* The unneeded-since time of a node, or SIM_NEVER when it is not unneeded. */
sim_ns ca_state_unneeded_since(const struct ca_state *s, int64_t node);
/* The node failed a removal simulation less than
 * unremovable-node-recheck-timeout ago (RecentlyUnremovable at now). */
bool ca_state_rechecked(const struct ca_state *s, int64_t node, sim_ns now);
/* isScaleDownInCooldown: last event + delay strictly after now. */
bool ca_scale_down_in_cooldown(const struct ca_config *cfg, const struct ca_state *s,
    sim_ns now);

/* Bookkeeping the caller reports (static_autoscaler.go). */
void ca_state_note_scale_up(struct ca_state *s, sim_ns now);
/* Deletions started this loop (empty and drained nodes). */
void ca_state_note_deletions_started(struct ca_state *s, int nempty, int ndrain, sim_ns now);
void ca_state_note_deletion_done(struct ca_state *s, bool drained);
void ca_state_note_scale_down_failure(struct ca_state *s, sim_ns now);

/* ---- scale-down: planner, unneeded nodes, budgets ---------------------- */

/* One node as the scale-down planner sees it: eligibility inputs plus the
 * caller's removal simulation. Give every node of the cluster (resource
 * minimums are computed over all of them); non-candidates have group -1. */
struct ca_sd_node {
	int64_t			id;
	struct ca_elig_node	elig;
	bool			empty;		/* no pod would need to move */
	bool			pods_fit_elsewhere;	/* every pod to move fits on another node */
	bool			pdb_ok;		/* evicting them respects every PDB */
	bool			not_simulated;	/* eligible, but skipped: the unneeded-nodes
						 * limit was reached before it */
	int64_t			cpu_milli;	/* node capacity, for cores/memory-total minimums */
	int64_t			memory;
};

enum ca_sd_action { CA_SD_KEEP, CA_SD_DELETE_EMPTY, CA_SD_DELETE_DRAIN };

struct ca_sd_verdict {
	enum ca_reason		reason;		/* why the node stays; CA_NO_REASON if deleted */
	bool			unneeded;
	sim_ns			unneeded_since;	/* SIM_NEVER unless unneeded */
	enum ca_sd_action	action;
};

struct ca_sd_summary {
	bool	in_cooldown;
	int	nunneeded;
	int	ndelete_empty;
	int	ndelete_drain;
};

/*
 * The planner's removal simulations in one pass (planner.categorizeNodes).
 * The caller calls ca_planner_update at the start of each pass
 * (UpdateClusterState: the shortest interval between passes so far, from
 * scale-down-unneeded-time at first), then simulates the candidates in the
 * order of ca_scale_down_order: nodes of autoscaled groups above their min
 * size (PreFilteringScaleDownNodeProcessor), empty nodes first, then the
 * previous pass's unneeded nodes, then the rest
 * (ScaleDownCandidatesSortingProcessor with EmptySorting and
 * PreviousCandidates; within a class, the order given: upstream's is the
 * node lister's, and its sort is not stable). Of these it skips the
 * ineligible and recently unremovable ones, and once
 * ca_unneeded_nodes_limit nodes were found removable (empty ones
 * included) it simulates no more: the rest get not_simulated. The limit
 * (unneededNodesLimit), with N = max-scale-down-parallelism, is the
 * previous pass's unneeded count + 2N, at most N x (scale-down-unneeded-time
 * / the shortest interval) + N: 610 with the defaults. A removable node,
 * empty or not, stops being a destination for the next simulations.
 * (scale-down-simulation-timeout, a wall-clock budget, is not modelled;
 * scale-down-non-empty-candidates-count and the candidates pool flags only
 * drove the legacy scale-down, which release 1.37 no longer has.)
 * ca_scale_down_order writes indexes into nodes to order (n entries at
 * most) and returns their count.
 */
void ca_planner_update(const struct ca_config *cfg, struct ca_state *s, sim_ns now);
int ca_unneeded_nodes_limit(const struct ca_config *cfg, const struct ca_state *s);
size_t ca_scale_down_order(const struct ca_state *s, const struct ca_group *groups,
    size_t ngroups, const struct ca_sd_node *nodes, size_t n, size_t *order);

/*
 * One scale-down pass at now: eligibility, the caller's simulation verdicts
 * (failures are rechecked after unremovable-node-recheck-timeout; a node
 * not simulated is neither unneeded nor rechecked), the
 * unneeded timers (kept while a node stays unneeded), then, unless in
 * cooldown, the nodes removable now (unneeded strictly longer than
 * scale-down-unneeded-time, or scale-down-unready-time for unready nodes;
 * group above min size; cores/memory minimums), cropped to
 * max-scale-down-parallelism and max-drain-parallelism. verdicts has n
 * entries. The caller runs no pass in a loop that scaled up (upstream
 * returns early) and reports started deletions with
 * ca_state_note_deletions_started.
 */
void ca_scale_down_candidates(const struct ca_config *cfg, struct ca_state *s,
    const struct ca_group *groups, size_t ngroups, const struct ca_sd_node *nodes,
    size_t n, sim_ns now, struct ca_sd_verdict *verdicts, struct ca_sd_summary *sum);

/* What a pass needs of every node, for a caller that gives it only some
 * (ca_scale_down_pass): the cores and memory totals of the cores/memory-
 * total minimums (ca_node_cores of each node's cpu, memory when > 0), and
 * whether a node is one of the pass (recheck entries of other nodes are
 * forgotten). */
struct ca_sd_cluster {
	int64_t	 cores, memory;
	bool	(*present)(void *ctx, int64_t node);
	void	*ctx;
};

/*
 * ca_scale_down_candidates over a subset of the nodes, in id order: the
 * nodes left out must be ones whose verdict is none of unneeded, removable
 * or a failed simulation (not autoscaled, group at min size, recently
 * unremovable, ineligible or not simulated), so that they change no state
 * and their verdict is the caller's to know; every node of the unneeded
 * list and every simulated one must be given. all gives the totals over
 * every node. Same state and verdicts as ca_scale_down_candidates over
 * every node.
 */
void ca_scale_down_pass(const struct ca_config *cfg, struct ca_state *s,
    const struct ca_group *groups, size_t ngroups, const struct ca_sd_node *nodes,
    size_t n, const struct ca_sd_cluster *all, sim_ns now, struct ca_sd_verdict *verdicts,
    struct ca_sd_summary *sum);

/* ---- scale-up (core/scaleup/orchestrator) ------------------------------ */

enum ca_su_status {
	CA_SU_OK,		/* scale up plan.group by plan.node_count */
	CA_SU_NOT_NEEDED,	/* no pending pods */
	CA_SU_NO_OPTIONS,	/* no group can help */
	CA_SU_MAX_NODES_TOTAL,	/* max-nodes-total already reached */
	CA_SU_RESOURCE_LIMIT,	/* cores/memory-total leave no room */
};

struct ca_su_plan {
	enum ca_su_status	status;
	int			group;		/* -1 unless CA_SU_OK */
	int			node_count;	/* nodes to add, after every cap */
	int			estimated;	/* the chosen option's node count */
	int			pods_helped;	/* pods the chosen option schedules */
	int			noptions;
};

/*
 * ScaleUp for the pending pod groups: skips groups in backoff or at max
 * size or whose template would exceed cores/memory-total, estimates each
 * group with ca_estimate (fits[g * npg + i]: pod group i passes the
 * scheduler's filters on group g's template), lets the expander chain pick,
 * then caps by max-nodes-total, the resource limits and the group's max
 * size. cluster_nodes counts registered plus upcoming nodes; cluster_cores
 * and cluster_memory are the cluster's totals as the resource manager counts
 * them (each group's target size x its template, cores rounded up per node,
 * plus nodes of no group). Returns the plan; nothing in groups is changed.
 */
void ca_scale_up_plan(const struct ca_config *cfg, const struct ca_group *groups,
    size_t ngroups, const struct ca_pod_group *pg, size_t npg, const bool *fits,
    int cluster_nodes, int64_t cluster_cores, int64_t cluster_memory, sim_ns now,
    gsl_rng *rng, struct ca_su_plan *plan);

/* Cores of a node as the resource limiter counts them (rounded up). */
int64_t ca_node_cores(int64_t cpu_milli);

#endif
