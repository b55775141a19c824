/*
 * cpu.c - CPU as the kernel enforces it on serving pods: a CPU limit is a
 * CFS quota (limit x 100 ms per 100 ms period), and the pods of a node
 * whose summed demand exceeds its allocatable cores share them in
 * proportion to their cpu.shares (from their CPU requests), each capped by
 * its limit, work-conserving. The result is a per-pod, per-tick capacity
 * (struct cpu_cap, see cpu.h for the model) that traffic
 * applies in both fidelities, together with the release's own service-time
 * factor and error rate. Upstream: pkg/kubelet/cm (MilliCPUToQuota,
 * MilliCPUToShares; a pod-level quota only when every container has a CPU
 * limit), the kernel's CFS bandwidth control (sched-bwc.rst).
 * Cost: nothing per pod and tick until a pod can be throttled (its limit
 * below its demand with every slot busy) or a node is busy (its serving
 * pods used more than 3/4 of its cores over the last 10 s, check_nodes); the
 * pods bound or lost since the last tick (a pass over all pods only after a
 * node was deleted) and a pass over the pods every 10 s; per tick, a
 * weighted water-fill over the pods of each busy node.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cpu.h"
#include "models/cluster/traffic_int.h"
#include "sim/util/bitset.h"

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
 * A node in the check (check_nodes): `bound` is at least the sum over its
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

/* KS_CPU_VERIFY: node_busy sums every node both ways and compares. */
static bool verify_sums = false;

/* Grows the per-pod array to hold pod id p. */
static void
grow_pods(struct cpu_state *cs, size_t need)
{
	if (need <= cs->cappod)
		return;
	size_t old = cs->cappod;
	KS_GROW(cs->pod, cs->cappod, need);
	memset(cs->pod + old, 0, (cs->cappod - old) * sizeof *cs->pod);
	for (size_t q = old; q < cs->cappod; q++)
		cs->pod[q].alloc = -1;
}

/* The profile pod p serves, or -1. */
static int32_t
pod_profile(const struct cluster *c, uint32_t p)
{
	uint32_t s = c->deploys[c->pods[p].deploy].service;
	return s == NONE ? -1 : c->services[s].profile;
}

/* Bound pod p (CL_POD_BOUND) joins its node's check if it serves a profile. */
static void
node_pod_add(struct cpu_state *cs, uint32_t p)
{
	struct cluster *c = cs->c;
	uint32_t n = c->pods[p].node;
	if (pod_profile(c, p) < 0)
		return;
	if (n >= cs->capnode) {
		size_t old = cs->capnode;
		KS_GROW(cs->node, cs->capnode, (size_t)n + 1);
		memset(cs->node + old, 0, (cs->capnode - old) * sizeof *cs->node);
	}
	struct cpu_node *nd = &cs->node[n];
	KS_GROW(nd->pod, nd->cap, nd->n + 1);
	nd->pod[nd->n++] = p;
	if (p >= cs->capseen) {
		size_t cap = cs->capseen ? cs->capseen : 64;
		while (cap <= p)
			cap *= 2;
		cs->seen = xreallocarray(cs->seen, cap, sizeof *cs->seen);
		cs->since = xreallocarray(cs->since, cap, sizeof *cs->since);
		cs->node_of = xreallocarray(cs->node_of, cap, sizeof *cs->node_of);
		memset(cs->seen + cs->capseen, 0, (cap - cs->capseen) * sizeof *cs->seen);
		memset(cs->since + cs->capseen, 0, (cap - cs->capseen) * sizeof *cs->since);
		for (size_t q = cs->capseen; q < cap; q++)
			cs->node_of[q] = NONE;
		cs->capseen = cap;
	}
	KS_ASSERT(!c->run[p].checked && n < CHECKED);
	cs->seen[p] = 0;
	cs->node_of[p] = n;
	ks_bits_grow(&cs->onnode, (size_t)p + 1);
	ks_bits_grow(&cs->checked, (size_t)p + 1);
	ks_bits_put(&cs->onnode, p, true);
}

/* Pod p leaves the store (CL_POD_REMOVED, still on its node's list). */
static void
node_pod_remove(struct cpu_state *cs, uint32_t p)
{
	uint32_t n = cs->c->pods[p].node;
	if (n == NONE || n >= cs->capnode)
		return;
	struct cpu_node *nd = &cs->node[n];
	for (size_t k = 0; k < nd->n; k++) {
		if (nd->pod[k] == p) {
			cl_pod_unshare(cs->c, p);	/* it stops counting */
			memmove(&nd->pod[k], &nd->pod[k + 1], (nd->n - k - 1) * sizeof *nd->pod);
			nd->n--;
			if (p < cs->capseen && cs->node_of[p] == n) {
				cs->node_of[p] = NONE;
				ks_bits_put(&cs->onnode, p, false);
			}
			return;
		}
	}
}

/* Node n's entry in busy_at (node_cores below is defined after). */
static double node_busy_at(const struct cl_node *nd);

static void
set_busy_at(struct cpu_state *cs, uint32_t n)
{
	if (n >= cs->capbusy_at) {
		size_t old = cs->capbusy_at, cap = old ? old : 64;
		while (cap <= n)
			cap *= 2;
		cs->busy_at = xreallocarray(cs->busy_at, cap, sizeof *cs->busy_at);
		for (size_t k = old; k < cap; k++)
			cs->busy_at[k] = -1;
		cs->capbusy_at = cap;
	}
	cs->busy_at[n] = node_busy_at(&cs->c->nodes[n]);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cpu_state *cs = ctx;
	if (what == CL_NODE_ADDED) {
		set_busy_at(cs, id);
		return;
	}
	if (what == CL_NODE_REMOVED) {
		set_busy_at(cs, id);
		/* node_delete removed its pods first (CL_POD_REMOVED), so
		 * nothing of it counts; any pod still linked stops counting */
		struct cluster *c = cs->c;
		for (uint32_t p = c->nodes[id].first_pod; p != NONE; p = c->pods[p].node_next) {
			if (p < cs->cappod && cs->pod[p].can_throttle) {
				cs->pod[p].can_throttle = false;
				cs->nthrottle--;
			}
		}
		return;
	}
	grow_pods(cs, (size_t)id + 1);
	struct cpu_pod *cp = &cs->pod[id];
	if (what == CL_POD_BOUND)
		node_pod_add(cs, id);
	if (what != CL_POD_BOUND) {
		cp->has_last = false;
		cp->limit = 0;
		if (what == CL_POD_REMOVED) {
			node_pod_remove(cs, id);
			if (cp->can_throttle) {
				cp->can_throttle = false;
				cs->nthrottle--;
			}
		}
	}
	if (what != CL_POD_REMOVED && !cp->touched) {
		cp->touched = true;
		KS_GROW(cs->touched, cs->captouched, cs->ntouched + 1);
		cs->touched[cs->ntouched++] = id;
	}
}

struct cpu_state *
cpu_new(struct cluster *c)
{
	struct cpu_state *cs = xcalloc(1, sizeof *cs);
	cs->c = c;
	cs->dirty = true;
	verify_sums = getenv("KS_CPU_VERIFY") != NULL;
	cs->alone = getenv("KS_CPU_ALONE") != NULL;
	cl_watch(c, CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_REMOVED) | CL_ON(CL_POD_LOST) |
	    CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_REMOVED), on_change, cs);
	for (uint32_t n = 0; n < c->nnodes; n++)	/* any added before */
		set_busy_at(cs, n);
	return cs;
}

void
cpu_free(struct cpu_state *cs)
{
	if (cs == NULL)
		return;
	if (verify_sums)
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: %llu node checks agreed "
		    "(%llu busy), %llu summed in list order only; %llu pods counted from "
		    "cohorts, %llu read on their own, %llu joined, %llu written out\n",
		    (unsigned long long)cs->nchecked, (unsigned long long)cs->nbusy_seen,
		    (unsigned long long)cs->nexact, (unsigned long long)cs->nshared,
		    (unsigned long long)cs->nalone, (unsigned long long)cs->njoins,
		    (unsigned long long)cs->nout);
	free(cs->pod);
	for (size_t n = 0; n < cs->capnode; n++)
		free(cs->node[n].pod);
	free(cs->node);
	free(cs->seen);
	free(cs->since);
	free(cs->node_of);
	free(cs->nck);
	ks_bits_free(&cs->onnode);
	ks_bits_free(&cs->checked);
	free(cs->joining);
	free(cs->joined);
	free(cs->busy_at);
	free(cs->prof);
	free(cs->busy_nodes);
	free(cs->newly_own);
	free(cs->touched);
	free(cs->lv);
	free(cs);
}


/* The cores of the pod's CFS quota: the sum of its containers' CPU limits
 * when every container has one (the kubelet sets a pod-level quota only
 * then), else 0. */
static double
pod_limit(const struct cl_pod *pd)
{
	const struct k8s_pod_spec *s = pd->spec;
	int64_t milli = 0;
	if (s == NULL || s->ncontainers == 0)
		return 0;
	for (size_t i = 0; i < s->ncontainers; i++) {
		if (!s->containers[i].limits.has_cpu)
			return 0;
		milli += s->containers[i].limits.cpu_milli;
	}
	return milli > 0 ? (double)milli / 1000.0 : 0;
}

/* The release's service-time factor (1: as the profile). */
static double
release_factor(const struct cl_pod *pd)
{
	const struct cl_behavior *b = pd->behave;
	return b != NULL && b->service_time_factor > 0 ? b->service_time_factor : 1;
}

/* Cores pod p of profile pr asks for with every slot busy (0: no CPU per
 * request, it cannot be held back). */
static double
full_demand(const struct cl_profile *pr, const struct cl_pod *pd)
{
	double s = pr->service_mean * release_factor(pd);
	if (!(s > 0) || !(pr->service_cpu > 0) || pr->p.concurrency <= 0)
		return 0;
	return (double)pr->p.concurrency * pr->service_cpu / s;
}

static double
node_cores(const struct cl_node *n)
{
	return (double)n->spec->allocatable.cpu_milli / 1000.0;
}

static void
set_own_caps(struct cpu_state *cs, int32_t i)
{
	if (!cs->prof[i].own_caps) {
		KS_GROW(cs->newly_own, cs->capnewly, cs->nnewly + 1);
		cs->newly_own[cs->nnewly++] = (uint32_t)i;
	}
	cs->prof[i].own_caps = true;
}

/* Pod p (bound to a node that is not deleted): its limit, whether it can
 * be throttled (its limit below its demand with every slot busy), and its
 * profile's flags. */
static void
scan_pod(struct cpu_state *cs, uint32_t p)
{
	struct cluster *c = cs->c;
	struct cpu_pod *cp = &cs->pod[p];
	int32_t i = pod_profile(c, p);
	if (i < 0)
		return;
	const struct cl_pod *pd = &c->pods[p];
	double lim = pod_limit(pd), full = full_demand(&c->profiles[i], pd);
	if (pd->behave != NULL && (pd->behave->service_time_factor > 0 ||
	    pd->behave->error_rate > 0)) {
		cs->any = true;
		set_own_caps(cs, i);
	}
	cp->limit = lim;
	if (lim > 0 && lim < full) {
		if (!cp->can_throttle)
			cs->nthrottle++;
		cp->can_throttle = true;
		cs->prof[i].rows = true;
		set_own_caps(cs, i);
	}
}

/* Before a tick: the pods bound or lost since the last one, or every pod
 * after a node was deleted (its pods no longer count). */
static void
rescan(struct cpu_state *cs)
{
	struct cluster *c = cs->c;
	grow_pods(cs, c->npods);
	if (cs->prof == NULL && c->nprofiles > 0) {
		cs->prof = xcalloc(c->nprofiles, sizeof *cs->prof);
		cs->nprof = c->nprofiles;
	}
	if (cs->dirty) {
		cs->dirty = false;
		for (size_t p = 0; p < cs->cappod; p++)
			cs->pod[p].can_throttle = false;
		cs->nthrottle = 0;
		for (size_t n = 0; n < c->nnodes; n++) {
			const struct cl_node *nd = &c->nodes[n];
			if (nd->state == NODE_DELETED)
				continue;
			for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next)
				scan_pod(cs, p);
		}
	} else {
		for (size_t k = 0; k < cs->ntouched; k++) {
			uint32_t p = cs->touched[k];
			const struct cl_pod *pd = &c->pods[p];
			if (pd->phase != POD_FREE && pd->node != NONE &&
			    c->nodes[pd->node].state != NODE_DELETED)
				scan_pod(cs, p);
		}
	}
	for (size_t k = 0; k < cs->ntouched; k++)
		cs->pod[cs->touched[k]].touched = false;
	cs->ntouched = 0;
	cs->throttle = cs->nthrottle > 0;
	cs->active = cs->throttle || cs->nbusy > 0;
	cs->any |= cs->active;
}

/*
 * Every CPU_CHECK_S: the nodes whose serving pods used more than
 * CPU_BUSY_USE of their cores since the last check are the ones whose
 * cores are shared out each tick (share_node); the others cannot be
 * overcommitted by the mean demands fluid mode serves, give or take a
 * load that rises by a quarter of a node within one check.
 */
#define CPU_CHECK_S	10.0
#define CPU_BUSY_USE	0.75

static double
node_busy_at(const struct cl_node *nd)
{
	return nd->state == NODE_DELETED ? -1 : CPU_BUSY_USE * node_cores(nd);
}

/* The cohort whose integral pod p's use is read from (checked pods). */
static struct cohort *
check_keeper(const struct cluster *c, uint32_t p)
{
	const struct traffic *tr = tr_of(c);
	const struct cohort_pod *me = &tr->cp[p];
	KS_ASSERT(me->set >= 0 && me->k >= 0);
	return &tr->serve->p[me->set].coh.k[me->k];
}

/* Checked pod p's use since the last check as its own reading gives it:
 * its cpu seconds now less at the check before, each read as
 * traffic_cpu_flat reads it (own + (integral - offset)). */
static double
checked_since(const struct cluster *c, uint32_t p)
{
	const struct cohort *k = check_keeper(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	double own = c->use[p].cpu_seconds;
	return (own + (k->chk.cpu - me->off_cpu)) - (own + (k->chk.cpu0 - me->off_cpu));
}

void
cpu_check_out(struct cluster *c, uint32_t p)
{
	struct cpu_state *cs = tr_of(c)->cpu;
	struct cohort *k = check_keeper(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	cs->seen[p] = c->use[p].cpu_seconds + (k->chk.cpu - me->off_cpu);
	uint32_t n = cs->node_of[p];
	KS_ASSERT(k->chk.n > 0 && n != NONE && (n & CHECKED));
	n &= ~CHECKED;
	k->chk.n--;
	KS_ASSERT(n < cs->capnck && cs->nck[n].nchk > 0);
	cs->nck[n].nchk--;	/* its cohort's use stays in the bound: it only
				 * overstates */
	cs->node_of[p] = n;
	ks_bits_put(&cs->checked, p, false);
	c->run[p].checked = false;
	cs->nout++;
}

char *
cpu_shares_check(const struct cluster *c)
{
	const struct traffic *tr = tr_of(c);
	const struct cpu_state *cs = tr != NULL ? tr->cpu : NULL;
	size_t nchecked = 0, counted = 0, onnodes = 0;
	for (size_t p = 0; p < c->npods; p++) {
		if (cs != NULL && p < cs->capseen) {
			uint32_t n = cs->node_of[p];
			if (ks_bits_has(&cs->onnode, p) != (n != NONE) ||
			    ks_bits_has(&cs->checked, p) != c->run[p].checked ||
			    (n != NONE && ((n & CHECKED) != 0) != c->run[p].checked))
				return xasprintf("pod slot %zu's marks for the cpu check differ", p);
			if (n != NONE && (n & CHECKED))
				onnodes++;
		}
		if (!c->run[p].checked)
			continue;
		nchecked++;
		const struct cohort_pod *me = cs != NULL && tr->serve != NULL &&
		    p < tr->capcp ? &tr->cp[p] : NULL;
		if (me == NULL || me->set < 0 || me->k < 0 || p >= cs->capseen ||
		    cs->node_of[p] == NONE || !(cs->node_of[p] & CHECKED))
			return xasprintf("pod slot %zu's use is read from a cohort it is not in", p);
		const struct cohort_check *r = &tr->serve->p[me->set].coh.k[me->k].chk;
		if (r->pass != cs->pass || !(c->use[p].cpu_seconds <= r->own))
			return xasprintf("pod slot %zu's use is not its cohort's to keep", p);
	}
	for (size_t s = 0; cs != NULL && tr->serve != NULL && s < tr->serve->n; s++)
		for (size_t j = 0; j < tr->serve->p[s].coh.n; j++)
			counted += tr->serve->p[s].coh.k[j].chk.n;
	size_t pernode = 0;
	for (size_t n = 0; cs != NULL && n < cs->capnck; n++)
		pernode += cs->nck[n].nchk;
	if (counted != nchecked || pernode != nchecked || onnodes != nchecked)
		return xasprintf("%zu pods' use is read from cohorts; the cohorts count %zu, "
		    "the nodes %zu", nchecked, counted, pernode);
	return NULL;
}

/*
 * Node n's use since the last check in its list's order (what decides
 * it): the pods' since from the array's end, a checked pod's as its own
 * reading gives it (checked_since). Into *bound, the growth of its
 * checked pods' cohorts (what node_check.bound bounds), summed up and
 * rounded up.
 */
static double
node_used_exact(const struct cpu_state *cs, size_t n, double *bound)
{
	double used = 0, b = 0;
	size_t m = 0;
	if (n < cs->capnode) {
		const uint32_t *pod = cs->node[n].pod;
		m = cs->node[n].n;
		for (size_t k = m; k-- > 0;) {
			uint32_t p = pod[k];
			if (cs->node_of[p] & CHECKED) {
				const struct cohort_check *r = &check_keeper(cs->c, p)->chk;
				used += checked_since(cs->c, p);
				b += r->cpu - r->cpu0;
			} else {
				used += cs->since[p];
			}
		}
	}
	*bound = b * (1 + ((double)m + 2) * 0x1p-50);
	return used;
}

/* KS_CPU_VERIFY: the flat read gives the bits of the pod's accessor. */
static void
verify_cpu(const struct cluster *c, uint32_t p, double cpu)
{
	double want = cl_pod_cpu_seconds(c, p);
	if (memcmp(&cpu, &want, sizeof cpu) != 0) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: pod %u read %.17g cpu s; its "
		    "accessor says %.17g\n", p, cpu, want);
		abort();
	}
}

/*
 * KS_CPU_VERIFY: checked pod p reads its accessor's bits through its
 * cohort, and its own use is within emax of its cohort's growth.
 */
static void
verify_checked(const struct cpu_state *cs, uint32_t p)
{
	const struct cluster *c = cs->c;
	const struct cohort *k = check_keeper(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	verify_cpu(c, p, c->use[p].cpu_seconds + (k->chk.cpu - me->off_cpu));
	double own = checked_since(c, p), d = k->chk.cpu - k->chk.cpu0;
	if (!(fabs(own - d) <= cs->emax)) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: pod %u used %.17g cpu s on its own, "
		    "%.17g +- %.3g from its cohort\n", p, own, d, cs->emax);
		abort();
	}
}

/*
 * Every cohort with checked members, as its pairs are laid out: its
 * integral now (its growth since the last check, D, is its members' use
 * within a bound), the largest such bound (emax) and the largest ratio of
 * a cohort's growth to its growth at the check before (grow). A member
 * reads (own + (K1 - off)) - (own + (K0 - off)) with 0 <= off <= K0 <= K1
 * and 0 <= own <= the largest own: two subtractions and two additions
 * each within 2^-53 of at most own + K1, then their difference within
 * 2^-53 of itself: within 4.02 x 2^-53 (own + K1) + 2^-53 D of D; taken 8
 * times over.
 */
static void
share_cohorts(void *ctx, size_t s, struct cohort_set *set, const double *pairs)
{
	struct cpu_state *cs = ctx;
	for (size_t j = 0; j < set->n; j++) {
		struct cohort_check *r = &set->k[j].chk;
		if (r->n == 0)
			continue;
		KS_ASSERT(r->pass + 1 == cs->pass);
		double k1 = pairs[2 * j], d = k1 - r->cpu;
		double e = 0x1p-48 * (r->own + k1 + fabs(d));
		if (e > cs->emax)
			cs->emax = e;
		if (r->has_d && d > 0) {
			double g = r->d > 0 ? d / r->d : INFINITY;
			if (g > cs->grow)
				cs->grow = g;
		}
		r->d = d;
		r->has_d = true;
		r->cpu0 = r->cpu;
		r->cpu = k1;
		r->pass = cs->pass;
	}
}

/* Pod p, read on its own just now, joins its cohort's reading after the
 * check's decisions (check_joins) when it is a member. */
static void
check_join(struct cpu_state *cs, const struct traffic_flat *f, uint32_t p)
{
	if (cs->alone || f->cp == NULL || p >= f->ncp || f->cp[p].k < 0 ||
	    !(f->use[p].cpu_seconds >= 0))	/* the bound assumes counts that grow */
		return;
	KS_GROW(cs->joining, cs->capjoining, cs->njoining + 1);
	cs->joining[cs->njoining++] = p;
}

/* The pods check_join listed read from their cohorts from the next
 * check on: each cohort's record of this check (begun by the first such
 * member) has the integral their reading took. */
static void
check_joins(struct cpu_state *cs, const struct traffic_flat *f)
{
	struct cluster *c = cs->c;
	for (size_t q = 0; q < cs->njoining; q++) {
		uint32_t p = cs->joining[q];
		const struct cohort_pod *me = &f->cp[p];
		struct cohort_check *r = &tr_of(c)->serve->p[me->set].coh.k[me->k].chk;
		if (r->pass != cs->pass) {
			KS_ASSERT(r->n == 0);
			*r = (struct cohort_check){ .pass = cs->pass,
			    .cpu = traffic_flat_pair(f, me)[0] };
		}
		double own = f->use[p].cpu_seconds;
		if (own > r->own)
			r->own = own;
		r->n++;
		uint32_t n = cs->node_of[p];
		cs->nck[n].nchk++;
		cs->node_of[p] = n | CHECKED;
		ks_bits_put(&cs->checked, p, true);
		c->run[p].checked = true;
	}
	cs->njoins += cs->njoining;
	/* they count in their nodes' bounds from the next check on */
	uint32_t *t = cs->joined;
	size_t cap = cs->capjoined;
	cs->joined = cs->joining;
	cs->capjoined = cs->capjoining;
	cs->njoined = cs->njoining;
	cs->joining = t;
	cs->capjoining = cap;
	cs->njoining = 0;
}

/* Pod p (on node n, not checked) read on its own: its use since the last
 * check into the node's sums. */
static inline void
read_alone(struct cpu_state *cs, const struct traffic_flat *f, uint32_t p, uint32_t n)
{
	double cpu = traffic_cpu_flat(f, p);
	if (verify_sums)
		verify_cpu(cs->c, p, cpu);
	double d = cpu - cs->seen[p];
	cs->since[p] = d;
	cs->seen[p] = cpu;
	struct node_check *nc = &cs->nck[n];
	nc->sum += d;
	nc->abs += fabs(d);
	nc->n++;
	cs->nalone++;
	check_join(cs, f, p);
}

/*
 * Whether node n (m pods) used more than `limit` cores per second of
 * `span` (its list order's sum decides), without reading its checked
 * pods when the bounds show it did not: their use is at most bound +
 * nchk x emax, its other pods' the id order's sum; the list order's sum
 * of the m terms is within m x 2^-53 of their magnitudes (at most A) of
 * the true sum, taken four times over. Else, or when KS_CPU_VERIFY, summed
 * in list order, which also renews the bound; KS_CPU_VERIFY aborts when
 * the sum is above what the bounds allowed.
 */
static bool
node_busy(struct cpu_state *cs, size_t n, double span, double limit)
{
	struct node_check *nc = &cs->nck[n];
	size_t m = n < cs->capnode ? cs->node[n].n : 0;
	cs->nchecked++;
	bool decided = false;
	double up = INFINITY;
	if (nc->nchk + nc->n == m && isfinite(nc->bound)) {
		double a = nc->bound + nc->nchk * cs->emax + nc->abs;
		up = nc->bound + nc->nchk * cs->emax + nc->sum + ((double)m + 4) * 0x1p-50 * a;
		decided = up / span <= limit;
	}
	cs->nshared += decided ? nc->nchk : 0;
	if (decided && !verify_sums)
		return false;
	double bound, used = node_used_exact(cs, n, &bound);
	bool busy = used / span > limit;
	cs->nexact += !decided;
	cs->nbusy_seen += busy;
	if (decided && !(used <= up)) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: node %zu used %.17g cpu s, above "
		    "its bound %.17g\n", n, used, up);
		abort();
	}
	if (!decided)	/* as without KS_CPU_VERIFY: a decided node keeps its bound */
		nc->bound = bound;
	return busy;
}

/*
 * Every node's bound carried to this check: its checked pods' cohorts
 * grew by at most `grow` each (all use >= 0), so their sum did; those
 * that joined at the check before add their cohorts' growth now.
 */
static void
carry_bounds(struct cpu_state *cs, size_t nnodes)
{
	const double up = 1 + 0x1p-40;
	double g = cs->grow * up;
	for (size_t n = 0; n < nnodes; n++) {
		struct node_check *nc = &cs->nck[n];
		if (nc->bound > 0)
			nc->bound = isfinite(g) ? nc->bound * g : INFINITY;
		nc->n = 0;
		nc->sum = nc->abs = 0;
	}
	for (size_t q = 0; q < cs->njoined; q++) {
		uint32_t p = cs->joined[q];
		if (!cs->c->run[p].checked)
			continue;	/* written out since: read on its own */
		const struct cohort_check *r = &check_keeper(cs->c, p)->chk;
		uint32_t n = cs->node_of[p] & ~CHECKED;
		cs->nck[n].bound += (r->cpu - r->cpu0) * up;
	}
	cs->njoined = 0;
}

static void
check_nodes(struct cpu_state *cs)
{
	struct cluster *c = cs->c;
	double span = cs->now_s - cs->checked_s;
	cs->checked_s = cs->now_s;
	cs->nbusy = 0;
	cs->pass++;
	cs->grow = 0;
	cs->emax = 0;
	/* every parked Service at once, each cohort with checked members
	 * too (share_cohorts) */
	traffic_use_begin_each(c, share_cohorts, cs);
	size_t nnodes = c->nnodes;
	if (cs->capnck < nnodes) {
		size_t old = cs->capnck;
		KS_GROW(cs->nck, cs->capnck, nnodes);
		memset(cs->nck + old, 0, (cs->capnck - old) * sizeof *cs->nck);
	}
	carry_bounds(cs, nnodes);
	/* the pods not read from their cohorts, in id order (their data
	 * streams in), each one's use since the last check into its node's
	 * sums; every pod on a node when verifying */
	struct traffic_flat f;
	traffic_flat_init(c, &f);
	size_t np = c->npods < cs->capseen ? c->npods : cs->capseen;
	size_t nw = (np + 63) / 64;
	for (size_t w = 0; w < nw; w++) {
		uint64_t todo = ks_bits_word(&cs->onnode, w);
		if (!verify_sums)
			todo &= ~ks_bits_word(&cs->checked, w);
		if (w == nw - 1 && np % 64 != 0)
			todo &= ((uint64_t)1 << (np % 64)) - 1;
		for (; todo != 0; todo &= todo - 1) {
			uint32_t p = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(todo));
			uint32_t n = cs->node_of[p];
			KS_ASSERT(n != NONE && (n & ~CHECKED) < nnodes);
			if (n & CHECKED)
				verify_checked(cs, p);
			else
				read_alone(cs, &f, p, n);
		}
	}
	for (size_t n = 0; n < nnodes; n++) {
		/* CPU_BUSY_USE * node_cores, -1: deleted, 0: no cores */
		double limit = n < cs->capbusy_at ? cs->busy_at[n] : -1;
		if (verify_sums && limit != node_busy_at(&c->nodes[n])) {
			fprintf(stderr, "kubesim: KS_CPU_VERIFY: node %zu's threshold %g kept, "
			    "%g now\n", n, limit, node_busy_at(&c->nodes[n]));
			abort();
		}
		if (!(limit > 0) || !(span > 0) || !node_busy(cs, n, span, limit))
			continue;
		const struct cl_node *nd = &c->nodes[n];
		KS_GROW(cs->busy_nodes, cs->capbusy, cs->nbusy + 1);
		cs->busy_nodes[cs->nbusy++] = (uint32_t)n;
		/* its pods' demands are shared out per pod from now on */
		for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
			int32_t i = pod_profile(c, p);
			if (i >= 0 && (size_t)i < cs->nprof)
				set_own_caps(cs, i);
		}
	}
	check_joins(cs, &f);
	cs->active = cs->throttle || cs->nbusy > 0;
	cs->any |= cs->active;
}

/* cpu.shares of a pod: MilliCPUToShares, request x 1024 / 1000, at least
 * 2 (MinShares). */
static double
pod_shares(const struct cl_pod *pd)
{
	int64_t s = pd->req_cpu_milli * 1024 / 1000;
	return (double)(s < 2 ? 2 : s);
}

static int
cmp_level(const void *a, const void *b)
{
	const struct cpu_level *x = a, *y = b;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* What pod p asks of its node: its demand of the tick before, capped by
 * its limit. */
static double
pod_ask(const struct cpu_state *cs, uint32_t p)
{
	const struct cpu_pod *cp = &cs->pod[p];
	double d = cp->dem_tick + 1 == cs->tick ? cp->demand : 0;
	return cp->limit > 0 && cp->limit < d ? cp->limit : d;
}

/*
 * One node's cores shared by its serving pods: each asks min(demand,
 * limit); when the asks exceed the cores, weighted max-min fairness
 * (cgroup cpu.shares: the CFS scheduler's weighted fair share, whatever a
 * pod leaves unused going to the others in proportion to their weights).
 * A pod's demand is the one it recorded in the tick before; it keeps at
 * least its guaranteed share (cores x its weight / all weights), so a pod
 * whose load rises is not held to last tick's demand.
 */
static void
share_node(struct cpu_state *cs, uint32_t n)
{
	struct cluster *c = cs->c;
	const struct cl_node *nd = &c->nodes[n];
	double cores = node_cores(nd), ask_sum = 0, wsum = 0;
	size_t m = 0;
	for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
		if (pod_profile(c, p) < 0 || c->pods[p].lost)
			continue;
		cs->pod[p].alloc = -1;
		double ask = pod_ask(cs, p), w = pod_shares(&c->pods[p]);
		ask_sum += ask;
		wsum += w;
		KS_GROW(cs->lv, cs->caplv, m + 1);
		cs->lv[m].level = ask / w;
		cs->lv[m++].id = p;
	}
	if (ask_sum <= cores || m == 0)
		return;
	/* pods asking little per weight are served first */
	qsort(cs->lv, m, sizeof *cs->lv, cmp_level);
	double left = cores, wleft = wsum;
	for (size_t k = 0; k < m; k++) {
		uint32_t p = cs->lv[k].id;
		double w = pod_shares(&c->pods[p]);
		double fair = left * w / wleft, ask = cs->lv[k].level * w;
		double got = ask < fair ? ask : fair;
		double floor = cores * w / wsum;
		cs->pod[p].alloc = got > floor ? got : floor;
		left -= got;
		wleft -= w;
	}
}

void
cpu_tick(struct cpu_state *cs, double dt)
{
	cs->tick++;
	cs->now_s += dt;
	if (cs->dirty || cs->ntouched > 0 || cs->prof == NULL)
		rescan(cs);
	if (cs->now_s - cs->checked_s >= CPU_CHECK_S - 1e-9)
		check_nodes(cs);
	if (!cs->active)
		return;
	for (size_t i = 0; i < cs->nprof; i++) {
		cs->prof[i].throttled_pods = cs->prof[i].tp_tick;
		cs->prof[i].contended_pods = cs->prof[i].cp_tick;
		cs->prof[i].tp_tick = cs->prof[i].cp_tick = 0;
	}
	for (size_t k = 0; k < cs->nbusy; k++)
		share_node(cs, cs->busy_nodes[k]);
}

void
cpu_pod_cap(struct cpu_state *cs, const struct cl_profile *pr, uint32_t p,
    double rate, bool backlogged, double in_service, struct cpu_cap *out)
{
	struct cluster *c = cs->c;
	const struct cl_pod *pd = &c->pods[p];
	out->stretch = 1;
	out->error_rate = 0;
	out->throttled = false;
	if (pd->behave == NULL && !cs->active)
		return;
	if (pd->behave != NULL) {
		out->stretch = release_factor(pd);
		out->error_rate = pd->behave->error_rate;
	}
	if (!cs->active || p >= cs->cappod || pr->p.concurrency <= 0)
		return;
	double s = pr->service_mean * out->stretch, cpu = pr->service_cpu;
	if (!(s > 0) || !(cpu > 0))
		return;
	struct cpu_pod *cp = &cs->pod[p];
	cp->throttled = false;
	int32_t i = (int32_t)(pr - c->profiles);
	double full = (double)pr->p.concurrency * cpu / s;
	double want = rate * cpu;
	cp->demand = backlogged || want > full ? full : want;
	cp->dem_tick = cs->tick;
	double cores = cp->limit;
	bool quota = cores > 0;
	if (cp->alloc >= 0 && (cores <= 0 || cp->alloc < cores)) {
		cores = cp->alloc;
		quota = false;
		cs->prof[i].cp_tick++;
		cs->prof[i].rows = true;
	}
	cp->alloc = -1;
	/* Past the cores on average all slots are busy and share them; below,
	 * a request alone still gets no more than the cores. */
	double lone = cpu / s, d = lone;
	if (backlogged || want > cores) {
		/* fluid: all slots busy; request mode: those in service now */
		d = in_service < 0 ? full : in_service * cpu / s;
		if (d < lone)
			d = lone;
	}
	if (!(cores > 0) || d <= cores)
		return;
	out->stretch *= d / cores;
	out->throttled = cp->throttled = quota;
	if (quota)
		cs->prof[i].tp_tick++;
}

void
cpu_used(struct cpu_state *cs, uint32_t p, double cpu_s)
{
	if (p >= cs->cappod)
		return;
	struct cpu_pod *cp = &cs->pod[p];
	cp->used = cpu_s;
	cp->used_tick = cs->tick;
	if (!cp->throttled || !(cp->limit > 0))
		return;
	int32_t i = pod_profile(cs->c, p);
	if (i >= 0 && (size_t)i < cs->nprof)
		cs->prof[i].throttled_periods += cpu_s / cp->limit / CPU_CFS_PERIOD_S;
}

double
cpu_recent(const struct cpu_state *cs, uint32_t p)
{
	if (p >= cs->cappod || cs->pod[p].used_tick != cs->tick)
		return 0;
	return cs->pod[p].used;
}

bool
cpu_cap_changed(struct cpu_state *cs, uint32_t p, const struct cpu_cap *cap)
{
	grow_pods(cs, (size_t)p + 1);
	struct cpu_pod *cp = &cs->pod[p];
	if (!cp->has_last) {
		/* request mode's pods start as the profile has them */
		cp->last = (struct cpu_cap){ .stretch = 1 };
		cp->has_last = true;
	}
	if (cp->last.stretch == cap->stretch && cp->last.error_rate == cap->error_rate)
		return false;
	cp->last = *cap;
	return true;
}

void
cpu_interval(struct cpu_state *cs, double t_s)
{
	struct cluster *c = cs->c;
	for (size_t i = 0; i < cs->nprof; i++) {
		struct cpu_prof *cp = &cs->prof[i];
		if (!cp->rows)
			continue;
		struct probe_val v[5] = {
			PV_REAL(t_s), PV_TEXT(c->profiles[i].p.service),
			PV_REAL(cp->throttled_periods), PV_INT(cp->throttled_pods),
			PV_INT(cp->contended_pods),
		};
		probe_emit(&c->probes, "cpu_intervals", v, 5);
		cp->throttled_periods = 0;
	}
}

bool
cpu_profile_own_caps(const struct cpu_state *cs, size_t i)
{
	return i < cs->nprof && cs->prof[i].own_caps;
}

const uint32_t *
cpu_take_own_caps(struct cpu_state *cs, size_t *n)
{
	*n = cs->nnewly;
	cs->nnewly = 0;
	return cs->newly_own;
}

bool
cpu_any(const struct cpu_state *cs)
{
	return cs->any;
}
