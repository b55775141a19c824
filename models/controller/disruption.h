/*
 * disruption.h - PodDisruptionBudget arithmetic: the disruption controller's
 * status (pkg/controller/disruption: expected pods from the owning
 * controllers' scale, desired and current healthy, disruptionsAllowed, the
 * disruptedPods bookkeeping) and the eviction subresource's decision
 * (pkg/registry/core/pod/storage/eviction.go). Pure functions: the caller
 * selects pods, resolves owners through a lookup callback and applies results.
 */
#ifndef KS_DISRUPTION_H
#define KS_DISRUPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/controller/intstr.h"

#define DISR_DELETION_TIMEOUT_NS	(120LL * 1000000000LL)	/* DeletionTimeout 2m */
#define DISR_MAX_DISRUPTED_PODS		2000			/* MaxDisruptedPodSize */

/* ---- selectors (policy/v1: empty selects all, nil nothing) ------------- */

struct disr_label {
	const char	*key;
	const char	*value;
};
struct disr_selector {
	const struct disr_label	*match_labels;
	size_t			 n;
	bool			 set;		/* false: nil */
};
bool disr_selector_matches(const struct disr_selector *s, const struct disr_label *labels,
    size_t n);

/* ---- owners and their scale -------------------------------------------- */

/* An ownerReference with controller: true. */
struct disr_ref {
	const char	*api_version;	/* "apps/v1", "v1", "/v1", ... */
	const char	*kind;
	const char	*name;
	const char	*uid;
};

/* A workload object as the finders see it: its uid, spec.replicas (or the
 * scale subresource's) and its own controller, if any. */
struct disr_object {
	const char		*uid;
	int32_t			 replicas;
	const struct disr_ref	*controller;	/* NULL: none */
};

/* The caller's object store: the object of this kind and name in the PDB's
 * namespace, or NULL. Kinds: "ReplicaSet", "Deployment",
 * "ReplicationController", "StatefulSet", or any kind with a scale
 * subresource. */
typedef const struct disr_object *(*disr_lookup_fn)(void *ctx, const char *kind,
    const char *name);

/* The finders, tried in this order. */
enum disr_finder {
	DISR_FIND_REPLICATION_CONTROLLER,
	DISR_FIND_DEPLOYMENT,		/* a ReplicaSet controlled by a Deployment */
	DISR_FIND_REPLICA_SET,		/* a ReplicaSet not controlled by one */
	DISR_FIND_STATEFUL_SET,
	DISR_FIND_SCALE,		/* any other kind, through its scale subresource */
	DISR_NFINDERS
};

/* One finder: 1 with the uid and scale of the controller found, 0 when this
 * finder does not apply, -1 for a malformed apiVersion. */
int disr_find(enum disr_finder f, const struct disr_ref *ref, disr_lookup_fn lookup,
    void *ctx, const char **uid, int32_t *scale);

/* ---- the controller's status -------------------------------------------- */

enum disr_phase { DISR_PHASE_RUNNING = 0, DISR_PHASE_PENDING, DISR_PHASE_SUCCEEDED,
	DISR_PHASE_FAILED, DISR_PHASE_UNKNOWN, DISR_PHASE_EMPTY };

/* A pod the PDB selects. */
struct disr_pod {
	const char		*name;
	bool			 ready;		/* Ready condition True */
	bool			 deleting;	/* deletionTimestamp set */
	enum disr_phase		 phase;
	const struct disr_ref	*controller;	/* NULL: unmanaged */
	void			*owner;
};

/* status.disruptedPods: pod name -> when the eviction was granted. */
struct disr_disrupted {
	const char	*pod;
	int64_t		 time_ns;
};

struct disr_spec {
	struct intstr	min_available;		/* exactly one of the two is set */
	struct intstr	max_unavailable;
	int64_t		generation;
};

struct disr_status {
	int32_t	disruptions_allowed;
	int32_t	current_healthy;
	int32_t	desired_healthy;
	int32_t	expected_pods;
	int64_t	observed_generation;
	bool	disruption_allowed;	/* the DisruptionAllowed condition is True */
	size_t	ndisrupted;		/* entries kept in status.disruptedPods */
	int64_t	recheck_ns;		/* when a disrupted pod's 2m run out; -1: none */
};

/* A scratch entry per distinct controller, room for npods. */
struct disr_scale {
	const char	*uid;
	int32_t		 scale;
};

/*
 * trySync + updatePdbStatus for one PDB over the pods it selects. kept
 * receives the disruptedPods entries still in force (room for ndisrupted).
 * -1 with *cause (caller frees) when a managed pod's controller is not found
 * or cannot be resolved: upstream then fails safe, see disr_fail_safe.
 */
int disr_sync(const struct disr_spec *pdb, struct disr_pod *const *pods, size_t npods,
    const struct disr_disrupted *disrupted, size_t ndisrupted, disr_lookup_fn lookup,
    void *ctx, int64_t now_ns, struct disr_scale *scratch, struct disr_status *st,
    struct disr_disrupted *kept, char **cause);
/* failSafe: disruptionsAllowed 0, condition False (reason SyncFailed). */
void disr_fail_safe(const struct disr_spec *pdb, struct disr_status *st);

/* ---- eviction (pods/eviction subresource) -------------------------------- */

enum disr_unhealthy_policy { DISR_IF_HEALTHY_BUDGET = 0, DISR_ALWAYS_ALLOW };

/* A PDB that selects the pod, with its current status. */
struct disr_budget {
	const char			*name;
	int64_t				 generation;
	enum disr_unhealthy_policy	 unhealthy_policy;	/* unset: IfHealthyBudget */
	struct disr_status		 status;
};

enum disr_evict_result {
	DISR_EVICT_DELETE = 0,		/* the pod is deleted */
	DISR_EVICT_TOO_MANY_REQUESTS,	/* 429 */
	DISR_EVICT_FORBIDDEN,		/* 403 */
	DISR_EVICT_INTERNAL_ERROR,	/* 500: more than one PDB */
};

struct disr_eviction {
	enum disr_evict_result	result;
	int			code;		/* HTTP status, 200 when deleted */
	const char		*reason;	/* "TooManyRequests", "Forbidden", ... */
	char			cause[256];	/* the status cause message, or "" */
	bool			decremented;	/* pdb's disruptionsAllowed was taken:
						 * record the pod in disruptedPods */
};

/* The decision for evicting pod, given the PDBs that select it. On a granted
 * budget check pdbs[0]->status is decremented as the API server does. */
void disr_evict(const struct disr_pod *pod, struct disr_budget *const *pdbs, size_t npdbs,
    struct disr_eviction *out);

#endif
