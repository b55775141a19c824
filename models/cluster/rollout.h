/*
 * rollout.h - private interface between the ReplicaSet controller
 * (replicaset.c: pods per ReplicaSet, the one controller-table entry) and
 * the Deployment controller it runs first at each sync (deployment.c:
 * ReplicaSets per template revision, rollouts, the Progressing condition,
 * the rollout_intervals rows). Not for use outside models/cluster/.
 */
#ifndef KS_CLUSTER_ROLLOUT_H
#define KS_CLUSTER_ROLLOUT_H

#include "models/cluster/controllers.h"
#include "models/controller/deployment.h"

/* What the Deployment controller keeps of one Deployment. */
struct dep_state {
	/* The Deployment's template now (NULL: the manifest's, with the VPA's
	 * requests) and its release's behavior; hash identifies the pair. */
	const struct k8s_pod_spec *tmpl;
	const struct cl_behavior *behave;
	uint64_t		 hash;
	/* Named by a rollout, pause, resume or undo, or with a behavior: the
	 * general path, progress timers and rows. Others keep one
	 * ReplicaSet sized as spec.replicas (and add no event to the run). */
	bool			 tracked;
	bool			 paused;
	int64_t			 generation;
	struct deploy_status	 status;
	sim_timer		 requeue;	/* progress check or minReadySeconds */
	sim_ns			 requeue_at;
	uint32_t		*rs;		/* its ReplicaSets, oldest first */
	const char		**rs_env;	/* the env text of each */
	size_t			 nrs, caprs;
	const char		*env;		/* the env text rollouts set */
	bool			 has_base;	/* a behavior for all its releases */
	struct cl_behavior	 base;
	uint32_t		 restarts_reported;
	/* The last rollout_intervals row's walk over the pods: its counts
	 * stand while the pods' state (pods_state_rev), the new ReplicaSet
	 * and minReadySeconds stay and no Ready pod reaches minReadySeconds
	 * (next_avail: the first time one does; SIM_NEVER: none). */
	struct dep_row_memo {
		bool		 valid;
		uint32_t	 newrs;
		uint64_t	 state_rev;
		sim_ns		 min_ready, next_avail;
		int32_t		 pods, updated, ready_new, ready_old, avail;
	}			 row;
};

struct rsctl {
	struct cluster		*c;
	sim_timer		*sync;		/* per deployment: the pending sync */
	struct dep_state	*dep;		/* per deployment */
	size_t			 ndep;
	/* templates and behaviors the rollouts made (freed at the end) */
	struct k8s_pod_spec	**specs;
	size_t			 nspecs;
	struct cl_behavior	**behaviors;
	size_t			 nbehaviors;
	char			**strs;
	size_t			 nstrs;
	bool			 any_tracked;
	/* bit di set: Deployment di is tracked (the rows' pass reads these
	 * words, not every Deployment's record: ~1 in 10 are tracked in the
	 * limits scenario); words for ntrack_words * 64 Deployments */
	uint64_t		*track_bits;
	size_t			 ntrack_words;
	sim_ns			 rows_at;	/* when rows were last written */
	/* scale-down scratch: active related pods per node (zero between
	 * uses; the last entry counts unassigned pods) */
	uint32_t		*on_node;
	size_t			 non_node;
};

/* deployment.c */
void dep_init(struct rsctl *r);
void dep_free(struct rsctl *r);
/* One sync of the Deployment controller: ReplicaSets created and sized;
 * true when a ReplicaSet's size changed (its pods follow). */
bool dep_sync(struct rsctl *r, uint32_t deploy);
/* The state of every Deployment added so far (grows with them). */
struct dep_state *dep_of(struct rsctl *r, uint32_t deploy);
/* The rollout_intervals rows of the tracked Deployments, now. */
void dep_emit_intervals(struct rsctl *r);
/* replicaset.c: a sync of the deployment after the watch latency. */
void rs_sync_soon(struct rsctl *r, uint32_t deploy);

#endif
