/*
 * memory.c - memory as the kernel and the kubelet enforce it. A pod whose
 * Service has a memory: block, or whose release leaks, has a working set
 *	base + perRequest x requests in flight + leakPerHour x hours since
 *	its container (re)started
 * (bytes, the leak term floored). Past its memory limit (the sum of its
 * containers' limits, when every container has one) the kernel OOM-kills
 * the container (exit code 137, reason OOMKilled) and the kubelet restarts
 * it through its crash path (kubelet_oom_kill: restart counts,
 * CrashLoopBackOff); memory starts again from base. With a constant leak
 * the crossing time is computed exactly (integer ns); the in-flight term
 * is checked every serving tick, only for pods whose model has it.
 *
 * Node-pressure eviction (pkg/kubelet/eviction, eviction_manager.go
 * synchronize): every 10 s the kubelet of each node observes
 * memory.available = capacity - the pods' working sets and
 * allocatableMemory.available = allocatable - the same, against the hard
 * thresholds (default memory.available<100Mi, copied to allocatable as
 * enforceNodeAllocatable [pods] does). A threshold met sets MemoryPressure
 * (taint node.kubernetes.io/memory-pressure:NoSchedule) and evicts one pod,
 * the first in rankMemoryPressure's order (models/kubelet/eviction.c);
 * the node's loop then waits for the pod's cleanup (waitForPodsCleanup:
 * polled every 1 s, at most 30 s) and passes again at once, else it
 * sleeps until the next 10 s pass (one grid for all nodes);
 * critical pods (priority >= 2000000000) are not evicted. The condition
 * clears at the first pass once the pressure transition period (5 min)
 * has passed since a threshold was last met. An evicted pod fails (reason
 * Evicted) and its controller replaces it. Pods without a model use
 * CL_MEMORY_USE_OF_REQUEST of their request. Nothing here runs (no event,
 * no timer) unless a model or eviction settings are given.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/memory.h"
#include "models/kubelet/eviction.h"
#include "models/kubelet/qos.h"

#define MIB	(1024.0 * 1024.0)
#define CRITICAL_PRIORITY	2000000000	/* scheduling.SystemCriticalPriority */
static const char pressure_taint[] = "node.kubernetes.io/memory-pressure";

struct mem_pod {
	sim_ns		 origin;	/* the leak's start: the container's (warm
					 * pods: t = 0) */
	sim_timer	 oom;		/* the leak's crossing of the limit */
	bool		 evicted;
	bool		 counted;	/* in its node's `modelled` */
	uint32_t	 node;
};

struct mem_node {
	uint32_t	 modelled;	/* pods with a model on it: passes needed */
	bool		 pressure;	/* MemoryPressure */
	bool		 met_once;
	sim_ns		 last_met;	/* a threshold last met */
	/* waitForPodsCleanup after an eviction: the pod (CL_POD_ARG), until */
	bool		 waiting;
	uint64_t	 evicted;
	sim_ns		 wait_until;
};

/* eviction_manager.go: podCleanupPollFreq, podCleanupTimeout. */
#define CLEANUP_POLL	SIM_SEC
#define CLEANUP_TIMEOUT	(30 * SIM_SEC)

struct memory {
	struct cl_memory_params	*svc;	/* per Service index */
	bool			*svc_has;
	size_t			 nsvc;
	struct mem_pod		*pods;	/* per pod id */
	size_t			 cappods;
	struct mem_node		*nodes;	/* per node id */
	size_t			 capnodes;
	struct evict_threshold	 th[EVICT_MAX_THRESHOLDS];
	size_t			 nth;
	bool			 eviction_given;
	sim_ns			 transition;
	bool			 sync_on, tick_on;	/* the periodic passes run */
	struct evict_pod	*ev, **evp;	/* ranking scratch */
	size_t			 capev;
};

static struct memory *
mem_of(const struct cluster *c)
{
	return c->ctl[CTL_MEMORY];
}

static struct mem_pod *
mem_pod(struct cluster *c, uint32_t p)
{
	struct memory *m = mem_of(c);
	if (p >= m->cappods) {
		size_t old = m->cappods;
		KS_GROW(m->pods, m->cappods, (size_t)p + 1);
		memset(m->pods + old, 0, (m->cappods - old) * sizeof *m->pods);
	}
	return &m->pods[p];
}

static struct mem_node *
mem_node(struct cluster *c, uint32_t n)
{
	struct memory *m = mem_of(c);
	if (n >= m->capnodes) {
		size_t old = m->capnodes;
		KS_GROW(m->nodes, m->capnodes, (size_t)n + 1);
		memset(m->nodes + old, 0, (m->capnodes - old) * sizeof *m->nodes);
	}
	return &m->nodes[n];
}

/* ---- the model ------------------------------------------------------------- */

/* Pod p's model; false when its memory is not modelled. */
static bool
pod_model(const struct cluster *c, uint32_t p, struct cl_memory_params *out)
{
	const struct memory *m = mem_of(c);
	const struct cl_pod *pd = &c->pods[p];
	uint32_t s = c->deploys[pd->deploy].service;
	bool has = s != NONE && s < m->nsvc && m->svc_has[s];
	int64_t leak = pd->behave != NULL ? pd->behave->memory_leak_per_hour : 0;
	if (!has && leak <= 0)
		return false;
	if (has)
		*out = m->svc[s];
	else
		memset(out, 0, sizeof *out);
	if (!out->has_base)
		out->base = (int64_t)((double)pd->req_memory * CL_MEMORY_USE_OF_REQUEST);
	if (leak > 0)
		out->leak_per_hour = leak;
	return true;
}

bool
cl_pod_memory_modelled(const struct cluster *c, uint32_t p)
{
	/* pod_model's answer without its copy of the parameters (the HPA
	 * asks it of every pod at every sync) */
	const struct memory *m = mem_of(c);
	if (m == NULL)
		return false;
	const struct cl_pod *pd = &c->pods[p];
	uint32_t s = c->deploys[pd->deploy].service;
	return (s != NONE && s < m->nsvc && m->svc_has[s]) ||
	    (pd->behave != NULL && pd->behave->memory_leak_per_hour > 0);
}

/* floor(leak x dt / 1 h), saturated. */
static int64_t
leak_bytes(int64_t leak_per_hour, sim_ns dt)
{
	if (leak_per_hour <= 0 || dt <= 0)
		return 0;
	__int128 v = (__int128)leak_per_hour * dt / SIM_HOUR;
	return v > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)v;
}

/* Working sets are capped here (8 EiB / 16), so that sums over a node's
 * pods cannot overflow whatever quantities a scenario gives. */
#define WS_MAX	(INT64_MAX / 16)

static int64_t
model_ws(const struct cluster *c, uint32_t p, const struct cl_memory_params *mp,
    sim_ns origin)
{
	__int128 ws = (__int128)mp->base + leak_bytes(mp->leak_per_hour,
	    sim_now(c->sim) - origin);
	/* in flight: while the pod is Ready (in its endpoints); the serving
	 * model keeps a killed container's queue, not counted until then */
	if (mp->per_request > 0 && c->pods[p].ready_cond) {
		double x = (double)mp->per_request * traffic_pod_in_flight(c, p);
		ws += x < (double)WS_MAX ? (__int128)x : WS_MAX;
	}
	return ws < WS_MAX ? (int64_t)ws : WS_MAX;
}

/* Whether the pod's container runs now (started, not exited since). */
static bool
container_running(const struct cl_pod *pd)
{
	return (pd->phase == POD_RUNNING || pd->phase == POD_READY) && !pd->lost &&
	    !pd->deleting && (pd->finished_at == 0 || pd->finished_at < pd->started);
}

int64_t
cl_pod_working_set(const struct cluster *c, uint32_t p)
{
	struct cl_memory_params mp;
	const struct cl_pod *pd = &c->pods[p];
	if (mem_of(c) == NULL || !pod_model(c, p, &mp))
		return (int64_t)((double)pd->req_memory * CL_MEMORY_USE_OF_REQUEST);
	sim_ns origin = p < mem_of(c)->cappods ? mem_of(c)->pods[p].origin : pd->started;
	return model_ws(c, p, &mp, origin);
}

/* What pod p uses on its node now: 0 once its containers are gone. */
static int64_t
node_share(struct cluster *c, uint32_t p)
{
	const struct cl_pod *pd = &c->pods[p];
	if (pd->lost || (pd->phase != POD_RUNNING && pd->phase != POD_READY &&
	    pd->phase != POD_TERMINATING))
		return 0;
	struct cl_memory_params mp;
	if (!pod_model(c, p, &mp))
		return (int64_t)((double)pd->req_memory * CL_MEMORY_USE_OF_REQUEST);
	struct mem_pod *mp2 = mem_pod(c, p);
	if (mp2->evicted || (pd->finished_at != 0 && pd->finished_at >= pd->started))
		return 0;
	return model_ws(c, p, &mp, mp2->origin);
}

/* The sum of the containers' memory limits, 0 when one has none. */
static int64_t
pod_limit(const struct cl_pod *pd)
{
	const struct k8s_pod_spec *s = pd->spec;
	int64_t sum = 0;
	for (size_t i = 0; i < s->ncontainers; i++) {
		int64_t l = s->containers[i].limits.memory;
		if (l <= 0)
			return 0;
		sum = sum < INT64_MAX - l ? sum + l : INT64_MAX;
	}
	return sum;
}

const char *
cl_pod_qos(const struct cluster *c, uint32_t p)
{
	const struct k8s_pod_spec *s = c->pods[p].spec;
	size_t n = s->ncontainers + s->ninit;
	struct qos_container *q = xcalloc(n + 1, sizeof *q);
	for (size_t i = 0; i < n; i++) {
		const struct k8s_container *k = i < s->ncontainers ? &s->containers[i] :
		    &s->init_containers[i - s->ncontainers];
		q[i].requests.cpu_milli = k->requests.cpu_milli;
		q[i].requests.memory = k->requests.memory;
		q[i].limits.cpu_milli = k->limits.cpu_milli;
		q[i].limits.memory = k->limits.memory;
	}
	enum qos_class qc = qos_compute(q, n, NULL);
	free(q);
	return qos_class_name(qc);
}

/* ---- OOM kills ----------------------------------------------------------- */

static void
oom_kill(struct cluster *c, uint32_t p, int64_t ws, int64_t limit)
{
	struct cl_pod *pd = &c->pods[p];
	struct mem_pod *mp = mem_pod(c, p);
	sim_cancel(c->sim, mp->oom);
	mp->oom = 0;
	cl_event(c, "OOMKilled", pd->name, "exit code 137 after %.0f s: working set "
	    "%lld bytes over the memory limit %lld (QoS %s)",
	    sim_ns_to_s(sim_now(c->sim) - mp->origin), (long long)ws, (long long)limit,
	    cl_pod_qos(c, p));
	kubelet_oom_kill(c, p);
}

static void
on_oom(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct mem_pod *mp = mem_pod(c, p);
	mp->oom = 0;
	struct cl_pod *pd = &c->pods[p];
	struct cl_memory_params m;
	/* a restart or the pod's end cancelled the timer; an exit since
	 * (another cause) leaves the container not running */
	if (!container_running(pd) || !pod_model(c, p, &m))
		return;
	oom_kill(c, p, model_ws(c, p, &m, mp->origin), pod_limit(pd));
}

/*
 * The first ns at which base + floor(leak x dt / 1 h) exceeds the limit:
 * floor(leak dt / H) >= limit - base + 1, i.e.
 * dt = ceil((limit - base + 1) H / leak); INT64_MAX when never.
 */
static sim_ns
crossing(int64_t base, int64_t leak, int64_t limit)
{
	if (base > limit)
		return 0;
	if (leak <= 0)
		return INT64_MAX;
	__int128 num = ((__int128)limit - base + 1) * SIM_HOUR;
	__int128 dt = (num + leak - 1) / leak;
	return dt > INT64_MAX / 2 ? INT64_MAX : (sim_ns)dt;
}

static void mem_tick_start(struct cluster *c);
static void mem_sync_start(struct cluster *c);

/* The container (re)started: memory from base, the leak's OOM timer. */
static void
pod_started(struct cluster *c, uint32_t p)
{
	struct cl_memory_params m;
	if (!pod_model(c, p, &m))
		return;
	struct mem_pod *mp = mem_pod(c, p);
	struct cl_pod *pd = &c->pods[p];
	sim_ns now = sim_now(c->sim);
	sim_cancel(c->sim, mp->oom);
	mp->oom = 0;
	mp->origin = pd->started > now ? pd->started : now;
	mp->evicted = false;
	if (!mp->counted && pd->node != NONE) {
		mp->counted = true;
		mp->node = pd->node;
		mem_node(c, pd->node)->modelled++;
	}
	if (m.per_request > 0)
		mem_tick_start(c);
	mem_sync_start(c);
	int64_t limit = pod_limit(pd);
	if (limit <= 0)
		return;
	sim_ns dt = crossing(m.base, m.leak_per_hour, limit);
	if (dt == INT64_MAX || mp->origin > INT64_MAX - dt)
		return;
	sim_ns at = mp->origin + dt;
	if (at < now)
		at = now;
	mp->oom = sim_at(c->sim, at, PRIO_POD, on_oom, c, CL_POD_ARG(c, p));
}

/* Every serving tick: pods whose working set follows their in-flight
 * requests, checked against their limits. */
static void
on_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct cluster *c = ctx;
	struct memory *m = mem_of(c);
	for (size_t s = 0; s < m->nsvc; s++) {
		if (!m->svc_has[s] || m->svc[s].per_request <= 0 ||
		    c->services[s].deploy == NONE)
			continue;
		uint32_t d = c->services[s].deploy;
		for (uint32_t p = c->deploys[d].first_pod, next; p != NONE; p = next) {
			next = c->pods[p].dep_next;
			struct cl_pod *pd = &c->pods[p];
			struct cl_memory_params mp;
			if (!container_running(pd) || !pod_model(c, p, &mp))
				continue;
			int64_t limit = pod_limit(pd);
			if (limit <= 0)
				continue;
			int64_t ws = model_ws(c, p, &mp, mem_pod(c, p)->origin);
			if (ws > limit)
				oom_kill(c, p, ws, limit);
		}
	}
	if (sim_now(sim) + c->t.tick <= c->t.duration)
		sim_after(sim, c->t.tick, PRIO_POD, on_tick, c, 0);
}

static void
mem_tick_start(struct cluster *c)
{
	struct memory *m = mem_of(c);
	if (m->tick_on || c->t.tick <= 0)
		return;
	m->tick_on = true;
	sim_ns now = sim_now(c->sim), at = (now / c->t.tick + 1) * c->t.tick;
	if (at <= c->t.duration)
		sim_at(c->sim, at, PRIO_POD, on_tick, c, 0);
}

/* ---- node-pressure eviction ----------------------------------------------- */

static int64_t
node_capacity(const struct cluster *c, const struct cl_node *n)
{
	int64_t cap = c->pools[n->pool].p.memory;
	return cap > 0 ? cap : n->spec->allocatable.memory;
}

static int64_t
threshold_bytes(const struct evict_threshold *t, int64_t capacity)
{
	if (t->value.is_percentage)
		return (int64_t)((double)capacity * (double)t->value.percentage);
	return t->value.quantity;
}

static void
set_taint(struct cluster *c, uint32_t node, bool on)
{
	struct k8s_node_spec *s = c->nodes[node].spec;
	size_t keep = 0;
	for (size_t i = 0; i < s->ntaints; i++) {
		struct k8s_taint *t = &s->taints[i];
		if (t->key != NULL && strcmp(t->key, pressure_taint) == 0) {
			free(t->key);
			free(t->value);
			continue;
		}
		s->taints[keep++] = *t;
	}
	s->ntaints = keep;
	if (on) {
		s->taints = xreallocarray(s->taints, keep + 1, sizeof *s->taints);
		s->taints[keep].key = xstrdup(pressure_taint);
		s->taints[keep].value = NULL;
		s->taints[keep].effect = K8S_NO_SCHEDULE;
		s->ntaints = keep + 1;
	}
	cl_notify(c, CL_NODE_UPDATED, node);
}

/* Ranks the node's active pods (rankMemoryPressure) and evicts the first
 * that may go; returns it, or NONE. */
static uint32_t
evict_one(struct cluster *c, uint32_t node, const char *signal, int64_t threshold,
    int64_t available)
{
	struct memory *m = mem_of(c);
	struct cl_node *n = &c->nodes[node];
	KS_GROW(m->ev, m->capev, n->npods + 1);
	m->evp = xreallocarray(m->evp, m->capev, sizeof *m->evp);
	size_t k = 0;
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting || pd->lost || pd->phase < POD_CREATING ||
		    pd->phase > POD_READY || k >= m->capev)
			continue;
		struct evict_pod *e = &m->ev[k];
		memset(e, 0, sizeof *e);
		e->name = pd->name;
		e->priority = pd->spec->priority;
		e->memory_request = pd->req_memory;
		e->has_stats = pd->phase != POD_CREATING;
		e->memory_working_set = node_share(c, p);
		e->owner = (void *)(uintptr_t)p;
		m->evp[k] = e;
		k++;
	}
	evict_rank_memory(m->evp, k);
	for (size_t i = 0; i < k; i++) {
		uint32_t p = (uint32_t)(uintptr_t)m->evp[i]->owner;
		struct cl_pod *pd = &c->pods[p];
		if (pd->spec->priority >= CRITICAL_PRIORITY)
			continue;	/* kubelettypes.IsCriticalPod */
		cl_event(c, "Evicted", pd->name, "The node was low on resource: memory "
		    "(%s). Threshold quantity: %.1f Mi, available: %.1f Mi. Pod was using "
		    "%.1f Mi, request is %.1f Mi (QoS %s)", signal, (double)threshold / MIB,
		    (double)available / MIB, (double)m->evp[i]->memory_working_set / MIB,
		    (double)pd->req_memory / MIB, cl_pod_qos(c, p));
		struct mem_pod *mp = mem_pod(c, p);
		sim_cancel(c->sim, mp->oom);
		mp->oom = 0;
		mp->evicted = true;
		pod_exit(c, p, true);
		return p;
	}
	return NONE;
}

static void on_cleanup_poll(struct sim *sim, void *ctx, uint64_t arg);

static void
node_sync(struct cluster *c, uint32_t node, sim_ns now)
{
	struct memory *m = mem_of(c);
	struct cl_node *n = &c->nodes[node];
	struct mem_node *mn = mem_node(c, node);
	int64_t used = 0;
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next) {
		int64_t u = node_share(c, p);
		used = used < INT64_MAX / 2 - u ? used + u : INT64_MAX / 2;
	}
	int64_t cap = node_capacity(c, n), alloc = n->spec->allocatable.memory;
	bool met = false;
	const char *signal = NULL;
	int64_t thr = 0, avail = 0;
	for (size_t i = 0; i < m->nth; i++) {
		const struct evict_threshold *t = &m->th[i];
		int64_t base = t->signal == EVICT_SIG_MEMORY_AVAILABLE ? cap : alloc;
		int64_t a = base - used, q = threshold_bytes(t, base);
		if (a < q && !met) {
			met = true;
			signal = evict_signal_name(t->signal);
			thr = q;
			avail = a;
		}
	}
	if (met) {
		mn->met_once = true;
		mn->last_met = now;
	}
	bool pressure = mn->met_once && now - mn->last_met < m->transition;
	if (pressure != mn->pressure) {
		mn->pressure = pressure;
		cl_event(c, pressure ? "NodeHasInsufficientMemory" : "NodeHasSufficientMemory",
		    n->spec->name, "Node %s status is now: %s", n->spec->name, pressure ?
		    "NodeHasInsufficientMemory" : "NodeHasSufficientMemory");
		set_taint(c, node, pressure);
	}
	if (!met)
		return;
	cl_event(c, "EvictionThresholdMet", n->spec->name, "Attempting to reclaim memory");
	uint32_t p = evict_one(c, node, signal, thr, avail);
	if (p == NONE)
		return;
	/* the manager's loop waits for the pod's cleanup, then synchronizes
	 * again at once */
	mn->waiting = true;
	mn->evicted = CL_POD_ARG(c, p);
	mn->wait_until = now + CLEANUP_TIMEOUT;
	sim_after(c->sim, CLEANUP_POLL, PRIO_CONTROLLER, on_cleanup_poll, c, node);
}

static void
on_cleanup_poll(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t node = (uint32_t)arg;
	struct mem_node *mn = mem_node(c, node);
	const struct cl_node *n = &c->nodes[node];
	sim_ns now = sim_now(sim);
	if (!n->up || n->state == NODE_DELETED) {
		mn->waiting = false;
		return;
	}
	if (cl_pod_of(c, mn->evicted) != NONE && now < mn->wait_until) {
		sim_after(sim, CLEANUP_POLL, PRIO_CONTROLLER, on_cleanup_poll, c, node);
		return;
	}
	mn->waiting = false;
	if (now <= c->t.duration)
		node_sync(c, node, now);
}

static void
on_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	for (size_t i = 0; i < c->nnodes; i++) {
		const struct cl_node *n = &c->nodes[i];
		const struct memory *m = mem_of(c);
		/* without evictionHard, only the nodes of modelled pods: the
		 * others' use (half the requests) does not change */
		if (!n->up || n->state == NODE_DELETED || n->state == NODE_PROVISIONING ||
		    (i < m->capnodes && m->nodes[i].waiting) || (!m->eviction_given &&
		    (i >= m->capnodes || (m->nodes[i].modelled == 0 && !m->nodes[i].pressure))))
			continue;
		node_sync(c, (uint32_t)i, now);
	}
	if (now + CL_EVICTION_MONITORING_PERIOD <= c->t.duration)
		sim_after(sim, CL_EVICTION_MONITORING_PERIOD, PRIO_CONTROLLER, on_sync, c, 0);
}

/* The housekeeping passes on the 10 s grid, from the first model or the
 * start when eviction settings are given. */
static void
mem_sync_start(struct cluster *c)
{
	struct memory *m = mem_of(c);
	if (m->sync_on)
		return;
	m->sync_on = true;
	sim_ns now = sim_now(c->sim);
	sim_ns at = (now / CL_EVICTION_MONITORING_PERIOD + 1) * CL_EVICTION_MONITORING_PERIOD;
	if (at <= c->t.duration)
		sim_at(c->sim, at, PRIO_CONTROLLER, on_sync, c, 0);
}

/* ---- configuration ---------------------------------------------------------- */

int
cl_set_memory(struct cluster *c, const char *service, const struct cl_memory_params *mp,
    char **cause)
{
	struct memory *m = mem_of(c);
	uint32_t svc = NONE;
	for (size_t i = 0; i < c->nservices; i++)
		if (k8s_ref_matches(c->services[i].s->namespace, c->services[i].s->name,
		    service))
			svc = (uint32_t)i;
	if (svc == NONE) {
		*cause = xasprintf("memory of service %s: no Service of that name", service);
		return -1;
	}
	if (svc >= m->nsvc) {
		m->svc = xreallocarray(m->svc, svc + 1, sizeof *m->svc);
		m->svc_has = xreallocarray(m->svc_has, svc + 1, sizeof *m->svc_has);
		for (size_t i = m->nsvc; i <= svc; i++)
			m->svc_has[i] = false;
		m->nsvc = svc + 1;
	}
	m->svc[svc] = *mp;
	m->svc_has[svc] = true;
	/* rollout_intervals rows (restarts per interval) for its Deployment */
	uint32_t d = c->services[svc].deploy;
	if (d != NONE && c->deploys[d].d->kind == K8S_KIND_DEPLOYMENT)
		deploy_track(c, d);
	return 0;
}

int
cl_set_kubelet_eviction(struct cluster *c, const struct evict_kv *hard, size_t n,
    sim_ns transition, char **cause)
{
	struct memory *m = mem_of(c);
	m->eviction_given = hard != NULL;
	m->transition = transition >= 0 ? transition : EVICT_PRESSURE_TRANSITION_NS;
	if (hard == NULL)
		hard = evict_default_hard(&n);
	static const char *const alloc[] = { "pods" };	/* enforceNodeAllocatable */
	struct evict_threshold all[EVICT_MAX_THRESHOLDS];
	size_t nall = 0;
	if (evict_parse_thresholds(alloc, 1, hard, n, NULL, 0, NULL, 0, NULL, 0, all,
	    EVICT_MAX_THRESHOLDS, &nall, cause) < 0)
		return -1;
	m->nth = 0;
	for (size_t i = 0; i < nall; i++)
		if (all[i].signal == EVICT_SIG_MEMORY_AVAILABLE ||
		    all[i].signal == EVICT_SIG_ALLOCATABLE_MEMORY)
			m->th[m->nth++] = all[i];
	return 0;
}

/* ---- the controller ----------------------------------------------------------- */

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cluster *c = ctx;
	struct memory *m = mem_of(c);
	switch (what) {
	case CL_POD_STARTED:
		pod_started(c, id);
		break;
	case CL_POD_LOST:
	case CL_POD_TERMINATING:
	case CL_POD_REMOVED:
		if (id < m->cappods) {
			sim_cancel(c->sim, m->pods[id].oom);
			m->pods[id].oom = 0;
			if (what == CL_POD_REMOVED) {
				m->pods[id].evicted = false;
				if (m->pods[id].counted)
					m->nodes[m->pods[id].node].modelled--;
				m->pods[id].counted = false;
			}
		}
		break;
	default:
		break;
	}
}

static void *
memory_create(struct cluster *c)
{
	struct memory *m = xcalloc(1, sizeof *m);
	m->transition = EVICT_PRESSURE_TRANSITION_NS;
	size_t n;
	const struct evict_kv *kv = evict_default_hard(&n);
	static const char *const alloc[] = { "pods" };
	struct evict_threshold all[EVICT_MAX_THRESHOLDS];
	size_t nall = 0;
	char *why = NULL;
	if (evict_parse_thresholds(alloc, 1, kv, n, NULL, 0, NULL, 0, NULL, 0, all,
	    EVICT_MAX_THRESHOLDS, &nall, &why) == 0) {
		for (size_t i = 0; i < nall; i++)
			if (all[i].signal == EVICT_SIG_MEMORY_AVAILABLE ||
			    all[i].signal == EVICT_SIG_ALLOCATABLE_MEMORY)
				m->th[m->nth++] = all[i];
	}
	free(why);
	cl_watch(c, CL_ON(CL_POD_STARTED) | CL_ON(CL_POD_LOST) | CL_ON(CL_POD_TERMINATING) |
	    CL_ON(CL_POD_REMOVED), on_change, c);
	return m;
}

static void
memory_start(struct cluster *c)
{
	if (mem_of(c)->eviction_given)
		mem_sync_start(c);
}

static void
memory_destroy(struct cluster *c)
{
	struct memory *m = mem_of(c);
	free(m->svc);
	free(m->svc_has);
	free(m->pods);
	free(m->nodes);
	free(m->ev);
	free(m->evp);
	free(m);
}

const struct cl_controller memory_controller = {
	.name = "memory", .create = memory_create, .start = memory_start,
	.destroy = memory_destroy,
};
