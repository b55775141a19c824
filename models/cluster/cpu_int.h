/*
 * cpu_int.h - the CPU model's private state, shared by cpu.c (limits,
 * shares, the busy nodes' water-fill) and cpu_check.c (which nodes are
 * busy: the 10 s check of the nodes' use).
 */
#ifndef KS_CPU_INT_H
#define KS_CPU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/cluster/cpu.h"
#include "models/cluster/store.h"
#include "sim/util/bitset.h"

/*
 * Every CPU_CHECK_S: the nodes whose serving pods used more than
 * CPU_BUSY_USE of their cores since the last check are the ones whose
 * cores are shared out each tick (share_node); the others cannot be
 * overcommitted by the mean demands fluid mode serves, give or take a
 * load that rises by a quarter of a node within one check.
 */
#define CPU_CHECK_S	10.0
#define CPU_BUSY_USE	0.75

/* Per pod id. */
struct cpu_pod {
	double		limit;		/* cores of its CFS quota, 0: none */
	double		used;		/* request mode: cpu-seconds in tick used_tick */
	uint64_t	used_tick;
	double		demand;		/* cores it asked for, at tick `dem_tick` */
	double		alloc;		/* its share of a busy node this tick; < 0 none */
	uint64_t	dem_tick;
	struct cpu_cap	last;		/* request mode: the cap handed over */
	bool		has_last;
	bool		throttled;	/* by its quota at its last lookup */
	bool		can_throttle;	/* its limit is below its full demand */
	bool		touched;	/* in cpu_state.touched */
};

/* The 10 s check's view of a node: its serving pods, in the reverse of
 * the node's list order (pod_bind puts a pod first: here it is appended).
 * The ids come from an array, not the list's links. */
struct cpu_node {
	uint32_t	*pod;
	size_t		 n, cap;
};

/* Per profile. */
struct cpu_prof {
	bool		rows;		/* some pod of it can be throttled or contend */
	bool		own_caps;	/* some pod of it has its own capacity (a limit
					 * below its demand, a release's factors, a
					 * busy node), ever: its Service steps pods */
	double		throttled_periods;	/* this interval */
	int64_t		throttled_pods, contended_pods;	/* in the last tick */
	int64_t		tp_tick, cp_tick;	/* counting in this tick */
};

struct cpu_state {
	struct cluster	*c;
	struct cpu_pod	*pod;
	size_t		 cappod;
	struct cpu_node	*node;		/* per node id */
	size_t		 capnode;
	/* per pod id, for the check: the cpu seconds at the last check (of
	 * pods in a node's list), and the use since (dense, streamed in id
	 * order; read again only for a node summed in its list's order) */
	double		*seen, *since;
	uint32_t	*node_of;	/* the node whose list holds the pod; NONE;
					 * | CHECKED when its use is its cohort's */
	size_t		 capseen;
	struct node_check *nck;		/* per node id: its bound and this
					 * check's sums (node_check) */
	size_t		 capnck;
	struct ks_bits	 onnode;	/* pods on a node's list (node_of) */
	struct ks_bits	 checked;	/* those read from their cohorts */
	uint32_t	*joining, *joined;	/* pods read on their own this
						 * check that join (check_join),
						 * and those that joined at the
						 * check before */
	size_t		 njoining, capjoining, njoined, capjoined;
	double		 grow;		/* this check: at least each checked
					 * cohort's use over its use at the
					 * check before (INFINITY: unknown) */
	double		 emax;		/* the largest bound of a member's own
					 * reading from its cohort's */
	/* per node: CPU_BUSY_USE of its cores, or -1 when deleted (kept from
	 * CL_NODE_ADDED and CL_NODE_REMOVED: the check reads no node) */
	double		*busy_at;
	size_t		 capbusy_at;
	uint64_t	 nchecked, nexact, nbusy_seen;	/* node checks; summed in
						 * list order; found busy */
	uint64_t	 njoins;		/* pods that joined */
	uint32_t	 pass;		/* checks so far */
	bool		 alone;		/* KS_CPU_ALONE: every pod read on its own */
	bool		 verify;	/* KS_CPU_VERIFY: every node summed too */
	uint64_t	 nshared, nalone, nout;	/* pods counted from cohorts, read
						 * on their own; written out */
	struct cpu_prof	*prof;
	size_t		 nprof;
	bool		 dirty;		/* every pod is rescanned at the next tick */
	uint32_t	*touched;	/* pods bound or lost since the last tick */
	size_t		 ntouched, captouched;
	size_t		 nthrottle;	/* pods with can_throttle */
	bool		 active;	/* a pod can be throttled or contend */
	bool		 any;		/* active or a release's factors, ever */
	uint32_t	*newly_own;	/* profiles whose own_caps became true */
	size_t		 nnewly, capnewly;
	uint32_t	*busy_nodes;	/* nodes that can be overcommitted */
	size_t		 nbusy, capbusy;
	bool		 throttle;	/* a pod's limit is below its full demand */
	double		 now_s, checked_s;	/* the last check of the nodes' use */
	uint64_t	 tick;
	/* the water-fill's scratch */
	struct cpu_level *lv;
	size_t		 caplv;
};

/*
 * A node in the check (cpu_check_nodes): `bound` is at least the sum over its
 * checked pods (read from their cohorts) of their cohorts' use since the
 * last check, carried from check to check by the cohorts' growth (grow)
 * without reading the pods; its pods read on their own add their use
 * (in id order: sum, with abs the sum of magnitudes, n of them). The two
 * bound the node's use unless it is close to its threshold.
 */
struct node_check {
	double		bound;
	uint32_t	nchk;		/* its checked pods */
	uint32_t	n;		/* this check: its pods read on their own */
	double		sum, abs;
};

#define CHECKED		0x80000000u	/* in node_of (not NONE): read from its
					 * cohort */

/* A pod's place in the water-fill: what it asks per unit of weight. */
struct cpu_level {
	double		level;
	uint32_t	id;
};

/* cpu.c */
int32_t cpu_pod_profile(const struct cluster *c, uint32_t p);
void cpu_set_own_caps(struct cpu_state *cs, int32_t i);
double cpu_node_cores(const struct cl_node *n);

/* cpu_check.c: a node's threshold (-1: deleted); the check, every
 * CPU_CHECK_S, of which nodes are busy. */
double cpu_node_busy_at(const struct cl_node *nd);
void cpu_check_nodes(struct cpu_state *cs);

#endif
