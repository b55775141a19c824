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
 * pods used more than 3/4 of its cores over the last 10 s, cpu_check.c); the
 * pods bound or lost since the last tick (a pass over all pods only after a
 * node was deleted) and the check every 10 s; per tick, a weighted
 * water-fill over the pods of each busy node.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cpu_int.h"
#include "models/cluster/traffic_int.h"


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
int32_t
cpu_pod_profile(const struct cluster *c, uint32_t p)
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
	if (cpu_pod_profile(c, p) < 0)
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
	cs->busy_at[n] = cpu_node_busy_at(&cs->c->nodes[n]);
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
	cs->verify = getenv("KS_CPU_VERIFY") != NULL;
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
	if (cs->verify)
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

double
cpu_node_cores(const struct cl_node *n)
{
	return (double)n->spec->allocatable.cpu_milli / 1000.0;
}

void
cpu_set_own_caps(struct cpu_state *cs, int32_t i)
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
	int32_t i = cpu_pod_profile(c, p);
	if (i < 0)
		return;
	const struct cl_pod *pd = &c->pods[p];
	double lim = pod_limit(pd), full = full_demand(&c->profiles[i], pd);
	if (pd->behave != NULL && (pd->behave->service_time_factor > 0 ||
	    pd->behave->error_rate > 0)) {
		cs->any = true;
		cpu_set_own_caps(cs, i);
	}
	cp->limit = lim;
	if (lim > 0 && lim < full) {
		if (!cp->can_throttle)
			cs->nthrottle++;
		cp->can_throttle = true;
		cs->prof[i].rows = true;
		cpu_set_own_caps(cs, i);
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
	double cores = cpu_node_cores(nd), ask_sum = 0, wsum = 0;
	size_t m = 0;
	for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
		if (cpu_pod_profile(c, p) < 0 || c->pods[p].lost)
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
		cpu_check_nodes(cs);
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
	int32_t i = cpu_pod_profile(cs->c, p);
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
