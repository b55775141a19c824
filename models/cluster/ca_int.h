/*
 * ca_int.h - the Cluster Autoscaler controller's state, shared by its
 * files: cluster_autoscaler.c (the loop, node groups, scale-up, the kept
 * counts), ca_place.c (simulated scheduling), ca_scaledown.c (the
 * scale-down passes, removals).
 */
#ifndef KS_CLUSTER_CA_INT_H
#define KS_CLUSTER_CA_INT_H

#include "models/autoscaler/ca.h"
#include "models/cluster/ca_usage.h"
#include "models/cluster/controllers.h"
#include "models/scheduler/sched.h"
#include "sim/util/bitset.h"

#define CAS_TAINT		"ToBeDeletedByClusterAutoscaler"
#define CAS_DRAIN_POLL		(5 * SIM_SEC)
/* The last recorded scale-down state of a node (ca_decisions rows are
 * written on changes only): a ca_reason, or one of these. */
#define CAS_CODE_NONE		(-1)
#define CAS_CODE_UNNEEDED	(-2)

struct cas_node {
	sim_ns	removing_since;	/* tainted for deletion; SIM_NEVER: not */
	bool	drain;		/* had pods to evict */
	bool	removable;	/* this scan: found removable, no destination */
	int	last_code;
	/* A light simulation's placements on the node (see cas_place): pods
	 * and the requests they add to the scheduler's sums. */
	bool	ov_on;
	int32_t	ov_pods;
	int64_t	ov_cpu, ov_mem, ov_eph;
	/* What the node adds to the counts kept between loops (cas_account):
	 * its group's target size, deletions and upcoming nodes, the totals
	 * of the nodes of a pass. */
	int32_t	acc_group;	/* -1: none */
	bool	acc_deleting, acc_upcoming, acc_present;
	int64_t	acc_cores, acc_mem;
	/* Its scale-down inputs at its last evaluation (cas_evaluate) and
	 * this pass's removal simulation. */
	struct cas_use use;
	bool	sim_fit, sim_pdb;
};

struct cas_group {
	uint32_t	pool;
	sim_ns		backoff_for;	/* the last backoff's length */
	sim_ns		last_failure;
	int		upcoming;	/* nodes provisioning */
};

struct cas {
	gsl_rng			*rng;
	struct ca_state		 st;
	struct ca_group		*groups;
	struct cas_group	*gx;
	size_t			 ngroups;
	int32_t			*pool_group;	/* per pool: group index or -1 */
	struct sched		*tmpl;		/* one template node per group */
	struct k8s_node_spec	*tmpl_nodes;
	struct cas_node		*nodes;		/* per cluster node */
	size_t			 capnodes;
	int32_t			*placed;	/* temporary placements in the scheduler's cache */
	size_t			 nplaced, capplaced;
	uint32_t		*ovnodes;	/* nodes with light placements */
	size_t			 novnodes, capovnodes;
	struct cas_usage	*use;		/* nodes' and pods' inputs between loops */
	size_t			 cursor;	/* round-robin start of placement */
	bool			 any_anti;	/* some pod has required pod anti-affinity */
	int			 last_su_status;	/* last no_scale_up recorded, -1 */
	/*
	 * Kept between loops so that a scale-down pass looks at the nodes
	 * that changed and the candidates only (see cas_scale_down):
	 *   dest      destinations of placements (cas_destination)
	 *   cand      Ready or NotReady nodes of autoscaled groups above min
	 *             size, not being removed, eligible at their last evaluation
	 *   empty     of those, the ones with no pod to move
	 *   unneeded  the nodes of st.unneeded
	 *   coded     last_code is not CAS_CODE_NONE
	 *   dirty     nodes to evaluate again at the next pass: touched since,
	 *             holding pods being deleted, of a group whose min-size
	 *             state changed, or whose recheck time ran out
	 *   head      this pass's simulated nodes
	 */
	struct ks_bits		 dest, cand, empty, unneeded, coded, dirty, head;
	uint32_t		*removables;	/* nodes with removable set */
	size_t			 nremovables, capremovables;
	int64_t			 tot_cores, tot_mem;	/* the Ready and NotReady nodes' */
	int8_t			*grp_above;	/* per group at the last pass: above its
						 * min size (1), not (0), no pass yet (-1) */
	bool			 reference;	/* every node at every pass, placements
						 * pod by pod (cl_ca_set_reference) */
};

/* The controller: its flags, and its state while it runs. */
struct cas_ctl {
	struct ca_config	 cfg;
	bool			 reference;	/* cl_ca_set_reference */
	struct cas		*ca;	/* NULL when no pool autoscales */
};

static inline struct cas_ctl *
cas_ctl(const struct cluster *c)
{
	return c->ctl[CTL_CLUSTER_AUTOSCALER];
}

/* A node of a scale-down pass: Ready or NotReady. */
static inline bool
cas_present(const struct cl_node *n)
{
	return n->state == NODE_READY || n->state == NODE_NOT_READY;
}

/* cluster_autoscaler.c */
/* A ca_decisions record and its events row. */
void cas_record(struct cluster *c, const char *action, const char *group, const char *node,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void cas_account(struct cluster *c, uint32_t id);

/* ca_place.c */
bool cas_fits(struct cas *ca, struct sched *s, const struct k8s_pod_spec *pod, int node,
    const struct cas_req *req, const struct cas_node *ov, bool *cycle);
bool cas_destination(const struct cluster *c, uint32_t n);
uint32_t cas_place(struct cluster *c, const struct k8s_pod_spec *spec, const struct cas_req *req,
    uint32_t skip, bool light);
bool cas_place_all_at_once(struct cluster *c, uint32_t skip, const struct cas_moves *mv);
void cas_revert(struct cluster *c);

/* ca_scaledown.c */
void cas_scale_down(struct cluster *c, sim_ns now);

#endif
