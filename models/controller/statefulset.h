/*
 * statefulset.h - the StatefulSet controller's algorithms (pkg/controller/
 * statefulset) with no simulation state: names and ordinals, claims and their
 * owner references, revisions, and one UpdateStatefulSet pass (OrderedReady or
 * Parallel scaling, RollingUpdate with partition and maxUnavailable, OnDelete)
 * that says which pods to create and delete, in order, and the status.
 */
#ifndef KS_CTRL_STATEFULSET_H
#define KS_CTRL_STATEFULSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/controller/intstr.h"
#include "models/api/k8s.h"
#include "sim/engine/engine.h"

/* ---- names, claims, owner references -------------------------------------- */

/* getParentNameAndOrdinal: "<parent>-<digits>"; ordinal -1 (and parent "")
 * when the name does not end so. parent has room for strlen(name)+1. */
int32_t sts_parent_ordinal(const char *pod_name, char *parent, size_t size);
/* "<set>-<ordinal>"; caller frees. */
char *sts_pod_name(const char *set, int32_t ordinal);
/* "<claim template>-<set>-<ordinal>"; caller frees. */
char *sts_claim_name(const char *claim_template, const char *set, int32_t ordinal);
/* A claim's labels: the template's, overlaid by the selector's matchLabels. */
void sts_claim_labels(const struct k8s_labels *template_labels,
    const struct k8s_labels *match_labels, struct k8s_labels *out);

enum sts_retention { STS_KEEP_CLAIM = 0, STS_DELETE_CLAIM };
/* updateClaimOwnerRefForSetAndPod: who owns the claim of a pod at ordinal
 * (another controller on the claim: neither is changed, both false). */
void sts_claim_owners(enum sts_retention when_deleted, enum sts_retention when_scaled,
    int32_t start, int32_t replicas, int32_t ordinal, bool other_controller,
    bool *set_owns, bool *pod_owns);

/* maxUnavailable scaled against replicas rounding down, at least 1 (unset: 1). */
int32_t sts_max_unavailable(const struct intstr *max_unavailable, int32_t replicas);

/* ---- revisions (ControllerRevisions) -------------------------------------- */

/* A revision is named by its template identity (equal templates, equal
 * names: what upstream's hash of the template gives). */
struct sts_revision {
	char	*name;		/* owned */
	int64_t	 number;	/* .revision */
};
struct sts_history {
	struct sts_revision	*v;
	size_t			 n, cap;
};
void sts_history_free(struct sts_history *h);
/*
 * getStatefulSetRevisions for a set whose template is named template_name:
 * reuses an equal revision (raising its number to max+1 unless it is the
 * newest: a rollback) or adds one numbered max+1. *update and *current are
 * indices into h; current is the revision named status_current, else update.
 */
void sts_revisions(struct sts_history *h, const char *template_name,
    const char *status_current, size_t *current, size_t *update);

/* truncateHistory: drops revisions that are not live (not named in live[])
 * oldest number first until at most limit of them remain (limit < 0: keep
 * all). Returns how many were dropped; indices into h change. */
size_t sts_history_truncate(struct sts_history *h, int32_t limit, const char *const *live,
    size_t nlive);

/* ---- pods, status and one sync -------------------------------------------- */

enum sts_phase { STS_POD_NONE = 0,	/* not created yet (isCreated false) */
	STS_POD_PENDING, STS_POD_RUNNING, STS_POD_SUCCEEDED, STS_POD_FAILED,
	STS_POD_UNKNOWN };

struct sts_pod {
	int32_t		ordinal;	/* -1: not a member by name */
	const char	*revision;	/* controller-revision-hash, borrowed */
	enum sts_phase	phase;
	bool		ready;		/* Ready condition True */
	sim_ns		ready_since;	/* its lastTransitionTime */
	bool		terminating;	/* deletionTimestamp set */
};
bool sts_running_and_ready(const struct sts_pod *p);
/* Running, Ready and Ready for longer than min_ready_s (0: at once). */
bool sts_available(const struct sts_pod *p, int32_t min_ready_s, sim_ns now);

enum sts_policy { STS_ORDERED_READY = 0, STS_PARALLEL };
enum sts_strategy { STS_ROLLING_UPDATE = 0, STS_ON_DELETE };

struct sts_spec {
	int32_t			replicas;
	int32_t			start;		/* spec.ordinals.start */
	enum sts_policy		policy;
	enum sts_strategy	strategy;
	bool			rolling_update;	/* spec.updateStrategy.rollingUpdate set */
	int32_t			partition;
	struct intstr	max_unavailable;	/* unset: 1 */
	int32_t			min_ready_s;
	bool			deleting;	/* the set's deletionTimestamp */
};

struct sts_status {
	int32_t		replicas, ready, available, current, updated;
	const char	*current_revision, *update_revision;	/* borrowed */
};

struct sts_sync_in {
	const struct sts_spec	*spec;
	const struct sts_status	*status;	/* as the set holds it */
	const struct sts_pod	*pods;		/* the set's pods */
	size_t			 npods;
	const char		*current_revision;	/* from sts_revisions */
	const char		*update_revision;
	bool			 max_unavailable_gate;	/* MaxUnavailableStatefulSet */
	sim_ns			 now;
};

enum sts_action_kind { STS_CREATE, STS_DELETE };
struct sts_action {
	enum sts_action_kind	kind;
	int32_t			ordinal;
	size_t			pod;		/* STS_DELETE: index into pods */
	const char		*revision;	/* STS_CREATE: the new pod's revision */
};

struct sts_sync_out {
	struct sts_action	*v;		/* in the order upstream issues them */
	size_t			 n, cap;
	struct sts_status	 status;	/* the status written */
};
void sts_sync_out_fini(struct sts_sync_out *o);

/* One UpdateStatefulSet with the revisions given; out is initialized here. */
void sts_sync(const struct sts_sync_in *in, struct sts_sync_out *out);

/*
 * updateStatefulSetAfterInvariantEstablished alone (MaxUnavailableStatefulSet
 * rolling update): replicas[i] is the in-range pod at ordinal start+i (index
 * into in->pods, or SIZE_MAX for a pod not created yet). Appends deletions.
 */
void sts_rolling_update_max_unavailable(const struct sts_sync_in *in,
    const size_t *replicas, struct sts_sync_out *out);

#endif
