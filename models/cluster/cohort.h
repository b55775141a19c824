/*
 * cohort.h - a fluid Service's endpoints kept in cohorts of identical pods
 * (issue 13: cost follows what changes, not what exists). A cohort is the
 * pods of one profile with the same key (cohort_key: everything that makes
 * two pods serve differently) and the same serving state; a fluid tick
 * steps each cohort once (traffic.c), and a pod's cpu time and served
 * count are its cohort's integrals minus the offset taken when it joined,
 * brought into the pod (cohort_flush) when it leaves or on a rebuild.
 * Membership is rebuilt when the endpoints or a member's key change (the
 * store's change events mark the set invalid), an O(endpoints) pass on a
 * transition, never per tick. Private to traffic.c and its readers.
 */
#ifndef KS_CLUSTER_COHORT_H
#define KS_CLUSTER_COHORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/serving/serving.h"

struct cluster;

/*
 * What must be equal for two pods to serve identically, besides their
 * serving state: one field per property (a pod's capacity factor or its
 * release's service time and error rate would go here); cohort_key_of
 * fills it and cohort_key_eq compares it field by field.
 */
struct cohort_key {
	bool	dead;		/* its node failed: it fails its share */
};

void cohort_key_of(const struct cluster *c, uint32_t p, struct cohort_key *k);
bool cohort_key_eq(const struct cohort_key *a, const struct cohort_key *b);

/*
 * The metrics scrape's record of the members whose sample the cohort
 * keeps (metrics.c, cl_pod_run.sampled): the scrape (pass) and time it
 * was taken, the integrals then (a member's cpu seconds and served count
 * at the scrape are its own + (these - its offsets), to the bit), their
 * Deployment, the sample, how many members it stands for, and the
 * largest own counts among them (they bound the rounding by which the
 * members' samples can differ). Zero in a new cohort.
 */
struct cohort_scrape {
	uint32_t		 pass, nsampled, deploy;
	sim_ns			 at;
	double			 cpu, served;
	double			 own_cpu, own_served;
	int64_t			 cpu_milli, rps_milli;
};

/*
 * The cpu check's record of the members whose use it reads from the
 * cohort (cpu_check.c, cl_pod_run.checked): the check (pass) it was taken at,
 * the cohort's cpu integral then and at the check before (a member's cpu
 * seconds at each are its own + (these - its offset), to the bit), how
 * many members it stands for, the largest own cpu seconds among them and
 * the growth at the check before (the node bounds carry by growth ratios).
 */
struct cohort_check {
	uint32_t		 pass, n;
	double			 cpu, cpu0, own;
	double			 d;	/* cpu - cpu0 at the last check, */
	bool			 has_d;	/* when the record is that old */
};

/*
 * Laid out by what the passes over every Service read (traffic_use_begin
 * and its callbacks), the array 64-byte aligned (cohort.c): the integrals
 * and the cpu check's record fill the first cache line, so the 10 s check
 * reads one line of a cohort; the scrape's record follows.
 */
struct cohort {
	/* per member, since the cohort began: cpu seconds and served requests */
	_Alignas(64) double	 cpu;
	double			 served;
	struct cohort_check	 chk;
	struct cohort_scrape	 scr;
	struct cohort_key	 key;
	uint32_t		 n;	/* members */
	struct serving_pod	 st;	/* every member's serving state */
};

/* The cohorts of one profile (one Service). */
struct cohort_set {
	struct cohort	*k;
	size_t		 n, cap;
	uint32_t	*members;	/* pod ids, the endpoints at the last rebuild */
	size_t		 nmembers, capm;
	uint32_t	 version;	/* the endpoints' ep_version at the rebuild */
	bool		 valid;
};

/* A pod's place: its profile (-1: none) and cohort (-1: none) and the
 * cohort's integrals when it joined. */
struct cohort_pod {
	int32_t		 set, k;
	double		 off_cpu, off_served;
};

/*
 * A member's cpu seconds or served count as every reader computes it: its
 * own count plus its cohort's integral less its offset. The shortcuts that
 * stand a cohort for its members (metrics.c, cpu_check.c) rebuild a
 * member's past readings from a kept integral with this same expression,
 * which is what makes them the same bits.
 */
static inline double
cohort_reading(double own, double integral, double off)
{
	return own + (integral - off);
}

/* Brings pod p's share of its cohort into the pod (cpu_seconds, served)
 * and its serving state into sv[p]; p leaves the cohort and the set must
 * be rebuilt before the next step. */
void cohort_flush(struct cluster *c, struct cohort_set *cs, struct cohort_pod *cp,
    struct serving_pod *sv, uint32_t p);

/* Every member flushed (cohort_flush) and the set emptied: its profile
 * steps its pods one by one from now on. */
void cohort_dissolve(struct cluster *c, struct cohort_set *cs, int32_t set,
    struct cohort_pod *cp, struct serving_pod *sv);

/* Regroups set `set` (cs) over the endpoints eps[0..n): every old member
 * flushed, then pods with equal keys and states share a cohort. */
void cohort_rebuild(struct cluster *c, struct cohort_set *cs, int32_t set,
    struct cohort_pod *cp, struct serving_pod *sv, const uint32_t *eps, size_t n,
    uint32_t version);

/* After a step: cohorts whose keys and states became equal merge (their
 * members' shares are brought into the pods first). O(cohorts^2), plus
 * O(members) when some merge. */
void cohort_merge(struct cluster *c, struct cohort_set *cs, struct cohort_pod *cp);

/* Pod p's cohort integrals not yet in the pod (0 outside a cohort). */
double cohort_pending_cpu(const struct cohort_set *cs, const struct cohort_pod *cp);
double cohort_pending_served(const struct cohort_set *cs, const struct cohort_pod *cp);

void cohort_set_fini(struct cohort_set *cs);

#endif
