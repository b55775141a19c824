/*
 * cpu.h - how much CPU a serving pod gets in a tick, as the kernel enforces
 * it (models/cluster/cpu.c): its CPU limit as a CFS quota, its share of an
 * overcommitted node's cores (cpu.shares from its request), and its
 * release's own service-time factor and error rate. Traffic (traffic.c,
 * both fidelities) asks once per pod and tick (cpu_pod_cap); results leave
 * as cpu_intervals rows (reports/schema.sql).
 */
#ifndef KS_CLUSTER_CPU_H
#define KS_CLUSTER_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cluster;
struct cl_profile;

/* The CFS period: the kernel's default cpu.cfs_period_us, 100000 us, which
 * the kubelet leaves as it is (cpuCFSQuotaPeriod default 100 ms). */
#define CPU_CFS_PERIOD_S	0.1

/*
 * A pod's serving capacity for one tick. Its requests in service each need
 * cpu / s cores (cpu-seconds per request over the mean service time s), so
 * serving rate lambda it asks lambda x cpu cores, and with all c slots busy
 * (a backlog) c x cpu / s. When that demand exceeds what it may have (its
 * limit, or its share of a busy node), every request in service is slowed
 * by the same factor, the CFS quota being shared by the pod's threads: its
 * service rate is scaled by min(1, cores / demand). The quota is a budget
 * per 100 ms period, shorter than a tick, so below it on average (lambda x
 * cpu <= cores, no backlog) the pod's requests share it without waiting
 * for each other, but one request alone gets no more than the quota either:
 * it is slowed by min(1, cores s / cpu) (with one slot the pod is then an
 * M/G/1 queue of mean service time cpu / cores). Above it the demand is
 * that of all slots busy and the pod serves cores / cpu requests/s.
 */
struct cpu_cap {
	double	stretch;	/* service-time factor (release x 1 / the scale); 1 none */
	double	error_rate;	/* fraction answered at once with an error */
	bool	throttled;	/* held back by its CPU limit (the CFS quota) */
};

struct cpu_state;

/* Owned by the traffic controller: made in its create, freed in its
 * destroy; watches pods bound and removed. */
struct cpu_state *cpu_new(struct cluster *c);
void cpu_free(struct cpu_state *cs);

/* Before a tick's serving of length dt: the shares of overcommitted nodes
 * (nothing when no pod can be throttled or contend). */
void cpu_tick(struct cpu_state *cs, double dt);

/*
 * The one lookup: pod p of profile pr, offered `rate` requests/s this tick,
 * with a backlog (all slots busy) or not, with in_service requests in
 * service now (request mode; -1 in fluid mode: all slots once past the
 * quota). O(1); without CPU limits, busy nodes or a release's factors,
 * {1, 0, false}.
 */
void cpu_pod_cap(struct cpu_state *cs, const struct cl_profile *pr, uint32_t p,
    double rate, bool backlogged, double in_service, struct cpu_cap *out);

/* Pod p used cpu_s cpu-seconds in this tick: when its quota held it back
 * at its last lookup it ran at the quota while busy, so cpu_s / limit
 * seconds of CFS periods that ran out of quota accrue (as
 * container_cpu_cfs_throttled_periods_total counts them; fluid: expected). */
void cpu_used(struct cpu_state *cs, uint32_t p, double cpu_s);
/* Request mode: what cpu_used recorded for pod p in this tick (0 none). */
double cpu_recent(const struct cpu_state *cs, uint32_t p);

/* Request mode: whether the pod's cap differs from the one handed to
 * models/serving/request.c before (remembered; a pod starts with stretch
 * 1 and no errors). */
bool cpu_cap_changed(struct cpu_state *cs, uint32_t p, const struct cpu_cap *cap);

/* Whether any pod ever could be throttled, contend or has a release's
 * factors (request mode skips the lookups until then). */
bool cpu_any(const struct cpu_state *cs);

/* Whether a pod of profile i ever had a capacity of its own (a limit below
 * its demand, a release's factors, a place on a busy node): the profile's
 * pods are then not interchangeable, so traffic.c steps them one by one
 * (cohorts step pods that cpu_pod_cap would give {1, 0, false}). */
bool cpu_profile_own_caps(const struct cpu_state *cs, size_t i);

/* The profiles whose cpu_profile_own_caps turned true since the last call
 * (*n of them; valid until the next tick). */
const uint32_t *cpu_take_own_caps(struct cpu_state *cs, size_t *n);

/* The interval's cpu_intervals rows (services where a pod can be
 * throttled or contends), then its counters are reset. */
void cpu_interval(struct cpu_state *cs, double t_s);

/* NULL when the pods whose use the check reads from their cohorts are
 * each in the cohort, on a node's list and within its record, and the
 * cohorts count them; else what is wrong (to free). For the invariants. */
char *cpu_shares_check(const struct cluster *c);

#endif
