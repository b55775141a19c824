/*
 * scheduler.c - the scheduler as a process in virtual time: the scheduling
 * queue (activeQ ordered by PrioritySort: priority, then arrival; backoff of
 * podInitialBackoffSeconds doubling to podMaxBackoffSeconds; unschedulable
 * pods moved back on cluster events or after podMaxInUnschedulablePodsDuration),
 * one scheduling cycle at a time taking the scheduler's per-pod latency, the
 * assumed pod reserving its node at once, and binding through the API.
 * A pod that fits nowhere may preempt lower-priority pods (DefaultPreemption):
 * its victims terminate gracefully, it is nominated to their node, which it
 * tries first, and pods of lower or equal priority see it there meanwhile.
 * Several profiles (KubeSchedulerConfiguration) share one queue and cache.
 * The filter/score/preemption algorithms are models/scheduler/. Upstream:
 * pkg/scheduler (scheduling queue, schedule_one).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/scheduler/sched.h"

/* One scheduler profile: a schedulerName and its configuration. */
struct sq_profile {
	char			*name;
	struct sched_config	 cfg;
};

/* The scheduler's queues (activeQ ordered by priority then arrival,
 * backoff via timers, unschedulable until a cluster event or the flush). */
struct sq_entry {
	int32_t		 prio;
	uint64_t	 seq;
	uint32_t	 pod;
	uint32_t	 gen;
};

/* What the scheduler keeps of a pod (by pod id). */
struct sq_pod {
	int32_t		 handle;	/* its placement in the cache, or -1 */
	bool		 in_queue;	/* in the scheduler's queues */
	uint32_t	 attempts;	/* failed attempts since the last success */
	uint32_t	 nominated;	/* status.nominatedNodeName: node id + 1, 0 none */
};

struct scheduler {
	struct cluster		*c;
	struct sched		*sched;		/* the framework and its cache */
	gsl_rng			*rng;		/* tie-breaks, preemption */
	struct sq_pod		*pods;
	size_t			 cappods;
	struct sq_profile	*profiles;	/* KubeSchedulerConfiguration; none: default */
	size_t			 nprofiles;
	size_t			 profile_cur;	/* the profile sched runs with */
	uint32_t		*handle_pod;	/* cache pod handle -> pod id */
	size_t			 caphandle;
	uint32_t		*nominated;	/* pods that may hold a nomination */
	size_t			 nnominated, capnominated;
	int32_t			*nom_tmp;	/* nominated pods placed for one cycle */
	size_t			 nnom_tmp, capnom_tmp;
	struct sched_preemption	 preempt;	/* scratch */
	struct sched_result	 result;	/* per cycle, reused */
	struct sq_entry		*activeq;	/* binary heap */
	size_t			 nactive, capactive;
	uint32_t		*unsched;	/* pod ids waiting for an event */
	size_t			 nunsched, capunsched;
	uint64_t		 seq;
	bool			 busy;
	/* How many pods the cache holds per priority (few distinct values): a
	 * preemptor with none below it has no possible victim, so its cycle
	 * need not compute any PodDisruptionBudget (which walks their pods). */
	struct prio_count {
		int32_t	 prio;
		size_t	 n;
	}			*prios;
	size_t			 nprios, capprios;
};

#define SQ_ARG(c, p)	CL_POD_ARG(c, p)

static void sq_kick(struct cluster *c);

static void
prio_add(struct scheduler *s, int32_t prio, int delta)
{
	for (size_t i = 0; i < s->nprios; i++) {
		if (s->prios[i].prio == prio) {
			if (delta > 0)
				s->prios[i].n++;
			else
				s->prios[i].n--;
			return;
		}
	}
	KS_ASSERT(delta > 0);
	KS_GROW(s->prios, s->capprios, s->nprios + 1);
	s->prios[s->nprios++] = (struct prio_count){ prio, 1 };
}

/* Whether the cache holds a pod of lower priority than prio. */
static bool
prio_below(const struct scheduler *s, int32_t prio)
{
	for (size_t i = 0; i < s->nprios; i++)
		if (s->prios[i].prio < prio && s->prios[i].n > 0)
			return true;
	return false;
}

static struct scheduler *
sq_of(const struct cluster *c)
{
	return c->ctl[CTL_SCHEDULER];
}

struct sched *
scheduler_cache(const struct cluster *c)
{
	return sq_of(c)->sched;
}

void
scheduler_add_service(struct cluster *c, const struct k8s_service *sv)
{
	sched_add_service(sq_of(c)->sched, sv->namespace ? sv->namespace : "default",
	    &sv->selector);
}

int
cl_set_sched_config(struct cluster *c, const char *const *names,
    const struct sched_config *cfgs, size_t n, char **cause)
{
	struct scheduler *s = sq_of(c);
	for (size_t i = 0; i < n; i++) {
		if (sched_config_validate(&cfgs[i], cause) < 0) {
			char *inner = *cause;
			*cause = xasprintf("scheduler profile %s: %s", names[i], inner);
			free(inner);
			return -1;
		}
	}
	for (size_t i = 0; i < s->nprofiles; i++)
		free(s->profiles[i].name);
	free(s->profiles);
	s->profiles = xcalloc(n + 1, sizeof *s->profiles);
	for (size_t i = 0; i < n; i++) {
		s->profiles[i].name = xstrdup(names[i]);
		s->profiles[i].cfg = cfgs[i];
	}
	s->nprofiles = n;
	s->profile_cur = 0;
	if (n > 0 && sched_set_config(s->sched, &cfgs[0], cause) < 0)
		return -1;
	return 0;
}

/* Switches the scheduler to the profile of the pod's schedulerName; false
 * when no profile has that name (the pod is another scheduler's). */
static bool
use_profile(struct scheduler *s, const struct k8s_pod_spec *spec)
{
	if (s->nprofiles == 0)
		return true;
	const char *want = spec->scheduler_name ? spec->scheduler_name : "default-scheduler";
	for (size_t i = 0; i < s->nprofiles; i++) {
		if (strcmp(s->profiles[i].name, want) != 0)
			continue;
		if (i != s->profile_cur) {
			char *cause = NULL;
			if (sched_set_config(s->sched, &s->profiles[i].cfg, &cause) < 0)
				ks_fatal("scheduler: %s", cause);	/* validated when set */
			s->profile_cur = i;
		}
		return true;
	}
	return false;
}

/* ---- activeQ: a binary heap on (priority desc, arrival) ------------------- */

static bool
sq_less(const struct sq_entry *a, const struct sq_entry *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->seq < b->seq;
}

static void
active_push(struct cluster *c, uint32_t p)
{
	struct scheduler *s = sq_of(c);
	KS_GROW(s->activeq, s->capactive, s->nactive + 1);
	struct sq_entry e = {
		.prio = c->deploys[c->pods[p].deploy].spec.priority,
		.seq = s->seq++, .pod = p, .gen = c->pods[p].gen,
	};
	size_t i = s->nactive++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!sq_less(&e, &s->activeq[parent]))
			break;
		s->activeq[i] = s->activeq[parent];
		i = parent;
	}
	s->activeq[i] = e;
}

static struct sq_entry
active_pop(struct cluster *c)
{
	struct scheduler *s = sq_of(c);
	struct sq_entry top = s->activeq[0];
	struct sq_entry last = s->activeq[--s->nactive];
	size_t i = 0, n = s->nactive;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sq_entry *best = &last;
		if (l < n && sq_less(&s->activeq[l], best)) {
			m = l;
			best = &s->activeq[l];
		}
		if (r < n && sq_less(&s->activeq[r], best))
			m = r;
		if (m == i)
			break;
		s->activeq[i] = s->activeq[m];
		i = m;
	}
	if (n > 0)
		s->activeq[i] = last;
	return top;
}

static bool
pod_still_wants_scheduling(struct cluster *c, uint32_t p, uint32_t gen)
{
	const struct cl_pod *pd = &c->pods[p];
	return pd->gen == gen && pd->phase == POD_PENDING && !pd->deleting &&
	    pd->assumed == NONE;
}

/* ---- backoff and the unschedulable set -------------------------------------- */

static void
on_backoff_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = (uint32_t)arg;
	if (!pod_still_wants_scheduling(c, p, (uint32_t)(arg >> 32)))
		return;
	active_push(c, p);
	sq_kick(c);
}

static sim_ns
backoff_of(const struct cluster *c, uint32_t attempts)
{
	sim_ns b = c->t.backoff_initial;
	for (uint32_t i = 1; i < attempts && b < c->t.backoff_max; i++)
		b *= 2;
	return b < c->t.backoff_max ? b : c->t.backoff_max;
}

/* Moves every unschedulable pod to backoff (or active when its backoff has
 * already passed): a node came, a pod went, something may fit now. */
static void
sq_cluster_event(struct cluster *c)
{
	struct scheduler *s = sq_of(c);
	sim_ns now = sim_now(c->sim);
	for (size_t i = 0; i < s->nunsched; i++) {
		uint32_t p = s->unsched[i];
		struct cl_pod *pd = &c->pods[p];
		struct sq_pod *sp = &s->pods[p];
		if (pd->phase != POD_PENDING || pd->deleting || !sp->in_queue)
			continue;
		sim_ns until = pd->ready_changed + backoff_of(c, sp->attempts);
		if (until <= now) {
			active_push(c, p);
		} else {
			sim_at(c->sim, until, PRIO_CONTROLLER, on_backoff_done, c, SQ_ARG(c, p));
		}
	}
	s->nunsched = 0;
	sq_kick(c);
}

static void
on_flush_unschedulable(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct scheduler *s = sq_of(c);
	sim_ns now = sim_now(sim);
	size_t keep = 0;
	for (size_t i = 0; i < s->nunsched; i++) {
		uint32_t p = s->unsched[i];
		struct cl_pod *pd = &c->pods[p];
		if (pd->phase != POD_PENDING || pd->deleting)
			continue;
		/* ready_changed holds the last attempt's time while pending. */
		if (now - pd->ready_changed >= c->t.unschedulable_flush)
			active_push(c, p);
		else
			s->unsched[keep++] = p;
	}
	s->nunsched = keep;
	sq_kick(c);
	/* flushUnschedulablePodsLeftover runs every 30 s. */
	sim_after(sim, 30 * SIM_SEC, PRIO_CONTROLLER, on_flush_unschedulable, c, 0);
}

static void
sq_add(struct cluster *c, uint32_t p)
{
	struct scheduler *s = sq_of(c);
	if (s->pods[p].in_queue)
		return;
	s->pods[p].in_queue = true;
	if (s->nunsched == 0 && s->nactive == 0 && !s->busy && s->seq == 0)
		sim_after(c->sim, 30 * SIM_SEC, PRIO_CONTROLLER, on_flush_unschedulable, c, 0);
	active_push(c, p);
	sq_kick(c);
}

/* ---- nominated pods ------------------------------------------------------------- */

static int32_t
pod_prio(const struct cluster *c, uint32_t p)
{
	return c->pods[p].spec->priority;
}

static bool
nomination_live(const struct cluster *c, uint32_t q)
{
	const struct cl_pod *pd = &c->pods[q];
	const struct sq_pod *sp = &sq_of(c)->pods[q];
	return pd->phase == POD_PENDING && !pd->deleting && sp->nominated != 0 &&
	    pd->assumed == NONE && c->nodes[sp->nominated - 1].state != NODE_DELETED;
}

/*
 * addNominatedPods: pods nominated to a node by an earlier preemption, of
 * priority at least p's, hold their place there while p is scheduled
 * (removed again by nominated_unplace). Stale entries are dropped here.
 */
static void
nominated_place(struct cluster *c, uint32_t p)
{
	struct scheduler *s = sq_of(c);
	size_t keep = 0;
	s->nnom_tmp = 0;
	for (size_t i = 0; i < s->nnominated; i++) {
		uint32_t q = s->nominated[i];
		if (!nomination_live(c, q)) {
			s->pods[q].nominated = 0;
			continue;
		}
		s->nominated[keep++] = q;
		if (q == p || pod_prio(c, q) < pod_prio(c, p))
			continue;
		KS_GROW(s->nom_tmp, s->capnom_tmp, s->nnom_tmp + 1);
		s->nom_tmp[s->nnom_tmp++] = sched_node_add_pod(s->sched,
		    (int)c->nodes[s->pods[q].nominated - 1].id, c->pods[q].spec);
	}
	s->nnominated = keep;
}

static void
nominated_unplace(struct cluster *c)
{
	struct scheduler *s = sq_of(c);
	while (s->nnom_tmp > 0)
		sched_node_remove_pod(s->sched, s->nom_tmp[--s->nnom_tmp]);
}

static void
nominate(struct cluster *c, uint32_t p, uint32_t node)
{
	struct scheduler *s = sq_of(c);
	bool listed = false;
	for (size_t i = 0; i < s->nnominated && !listed; i++)
		listed = s->nominated[i] == p;	/* maybe a slot's earlier pod */
	if (!listed) {
		KS_GROW(s->nominated, s->capnominated, s->nnominated + 1);
		s->nominated[s->nnominated++] = p;
	}
	s->pods[p].nominated = node + 1;
	/* getLowerPriorityNominatedPods: they may no longer fit there. */
	for (size_t i = 0; i < s->nnominated; i++) {
		uint32_t q = s->nominated[i];
		if (q != p && s->pods[q].nominated == node + 1 && pod_prio(c, q) < pod_prio(c, p))
			s->pods[q].nominated = 0;
	}
}

/* ---- the scheduling cycle ------------------------------------------------------ */

static void
on_bound(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = (uint32_t)arg;
	struct cl_pod *pd = &c->pods[p];
	/* A pod deleted during binding has had its assumed resources released
	 * in pod_free; nothing to do. */
	if (pd->gen != (uint32_t)(arg >> 32) || pd->phase != POD_PENDING ||
	    pd->assumed == NONE)
		return;
	uint32_t node = pd->assumed;
	pd->assumed = NONE;
	c->npods_assumed--;
	pod_bind(c, p, node);
}

static void
emit_decision(struct cluster *c, uint32_t p, const char *node, int64_t feasible,
    const char *reason)
{
	struct probe_val v[5] = {
		PV_REAL(sim_ns_to_s(sim_now(c->sim))), PV_TEXT(c->pods[p].name),
		node ? PV_TEXT(node) : PV_NULL, PV_INT(feasible), PV_TEXT(reason),
	};
	probe_emit(&c->probes, "scheduling_decisions", v, 5);
}

/*
 * PostFilter: DefaultPreemption for pod p after a failed cycle r. On
 * success the victims are deleted (graceful termination, reason
 * Preempted) and p is nominated to their node. Returns the text added to
 * the failure message (caller frees), or NULL when preemption is off.
 */
static char *
preempt(struct cluster *c, uint32_t p, const struct sched_result *r)
{
	struct scheduler *s = sq_of(c);
	struct cl_pod *pd = &c->pods[p];
	struct sq_pod *sp = &s->pods[p];
	const struct sched_config *cfg = sched_config(s->sched);
	if (!cfg->preemption)
		return NULL;
	/* status.startTime of the pods that could be victims */
	for (size_t n = 0; n < c->nnodes && n < r->nnodes; n++) {
		if (r->status[n].code != SCHED_UNSCHEDULABLE)
			continue;
		for (uint32_t q = c->nodes[n].first_pod; q != NONE; q = c->pods[q].node_next)
			if (s->pods[q].handle >= 0 && c->pods[q].started != 0)
				sched_pod_set_start(s->sched, s->pods[q].handle,
				    c->pods[q].started);
	}
	struct sched_pdb *pdbs = xcalloc(c->npdbs + 1, sizeof *pdbs);
	bool can_preempt = prio_below(s, pd->spec->priority);
	for (size_t k = 0; k < c->npdbs; k++) {
		pdbs[k].ns = c->pdbs[k]->namespace;
		pdbs[k].selector = &c->pdbs[k]->selector;
		/* without a possible victim no budget is consulted */
		pdbs[k].disruptions_allowed = can_preempt ? cl_pdb_allowed(c, c->pdbs[k]) : 0;
	}
	struct sched_preemption *pr = &s->preempt;
	int nom = sp->nominated ? (int)c->nodes[sp->nominated - 1].id : -1;
	sched_preempt(s->sched, pd->spec, &c->deploys[pd->deploy].d->selector, r, nom, pdbs,
	    c->npdbs, sim_now(c->sim), s->rng, pr);
	free(pdbs);
	if (pr->node < 0)
		return pr->message ? xstrdup(pr->message) : NULL;

	/* Victim handles name pods only until the first deletion frees one. */
	uint32_t node = (uint32_t)pr->node;
	const char *nname = c->nodes[node].spec->name;
	uint32_t *victims = xcalloc(pr->nvictims + 1, sizeof *victims);
	for (size_t i = 0; i < pr->nvictims; i++)
		victims[i] = s->handle_pod[pr->victims[i]];
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "preemption: nominated node %s, %zu victim(s):", nname, pr->nvictims);
	for (size_t i = 0; i < pr->nvictims; i++) {
		uint32_t v = victims[i];
		ks_buf_printf(&b, "%s%s", i ? ", " : " ", c->pods[v].name);
		if (c->pods[v].deleting)
			continue;	/* graceful deletion already under way */
		cl_event(c, "Preempted", c->pods[v].name, "by %s on node %s", pd->name, nname);
		int32_t h = s->pods[v].handle;
		pod_delete(c, v, "Preempted");
		if (c->pods[v].phase != POD_FREE && s->pods[v].handle == h && h >= 0)
			sched_pod_set_preempted(s->sched, h);
	}
	free(victims);
	ks_buf_puts(&b, ".");
	nominate(c, p, node);
	cl_event(c, "NominatedNode", pd->name, "%s", nname);
	return ks_buf_take(&b);
}

static void
on_cycle_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct scheduler *s = sq_of(c);
	uint32_t p = (uint32_t)arg;
	if (cl_api_defer(c, on_cycle_done, c, arg, NULL))
		return;	/* the binding waits for the API server (chaos.c) */
	s->busy = false;
	if (pod_still_wants_scheduling(c, p, (uint32_t)(arg >> 32))) {
		struct cl_pod *pd = &c->pods[p];
		struct sq_pod *sp = &s->pods[p];
		const struct k8s_pod_spec *spec = pd->spec;
		if (!use_profile(s, spec)) {
			/* Another scheduler's pod: this one leaves it Pending. */
			sp->in_queue = false;
			cl_event(c, "NotScheduled", pd->name, "no scheduler profile '%s'",
			    spec->scheduler_name);
			sq_kick(c);
			return;
		}
		/* One result reused across cycles: sched_schedule clears only
		 * the status entries the previous cycle wrote. */
		struct sched_result *rp = &s->result;
		rp->nominated = -1;
		nominated_place(c, p);
		if (sp->nominated != 0)
			rp->nominated = (int)c->nodes[sp->nominated - 1].id;
		sched_schedule_owned(s->sched, spec, &c->deploys[pd->deploy].d->selector,
		    s->rng, rp);
		sp->attempts++;
		pd->ready_changed = sim_now(sim);
		if (rp->node >= 0) {
			nominated_unplace(c);
			uint32_t node = (uint32_t)rp->node;
			sp->handle = sched_node_add_pod(s->sched, rp->node, spec);
			prio_add(s, spec->priority, 1);
			KS_GROW(s->handle_pod, s->caphandle, (size_t)sp->handle + 1);
			s->handle_pod[sp->handle] = p;
			sp->in_queue = false;
			sp->nominated = 0;
			emit_decision(c, p, c->nodes[node].spec->name, rp->nfeasible, "Scheduled");
			cl_event(c, "Scheduled", pd->name, "to %s (%d feasible)",
			    c->nodes[node].spec->name, (int)rp->nfeasible);
			/* Binding: one API write. The node is reserved meanwhile
			 * (the scheduler's assumed pod); pod_bind links the pod. */
			pd->assumed = node;
			c->npods_assumed++;
			pd->unschedulable = false;
			sp->attempts = 0;
			sim_ns lat = sim_dist_sample_ns(&c->t.api_latency, c->rng_cp);
			sim_after(sim, lat, PRIO_POD, on_bound, c, SQ_ARG(c, p));
		} else {
			char *reason = sched_result_message(s->sched, rp);
			char *post = preempt(c, p, rp);
			nominated_unplace(c);
			if (post != NULL) {
				char *full = xasprintf("%s %s", reason, post);
				free(reason);
				free(post);
				reason = full;
			}
			emit_decision(c, p, NULL, 0, reason);
			cl_event(c, "FailedScheduling", pd->name, "%s", reason);
			pod_set_why_pending(c, p, reason);
			free(reason);
			pd->unschedulable = true;
			KS_GROW(s->unsched, s->capunsched, s->nunsched + 1);
			s->unsched[s->nunsched++] = p;
		}
	}
	sq_kick(c);
}

bool
scheduler_place_now(struct cluster *c, uint32_t p, uint32_t on)
{
	struct scheduler *s = sq_of(c);
	struct cl_pod *pd = &c->pods[p];
	if (pd->phase != POD_PENDING || (on == NONE && !use_profile(s, pd->spec)))
		return false;
	/* The cycle's result is reused as on_cycle_done reuses it: a fresh
	 * one per pod zeroed a status entry per node for every warm pod. */
	int node_idx = (int)on;
	int64_t nfeasible = 1;		/* spec.nodeName: no scheduler */
	if (on == NONE) {
		struct sched_result *rp = &s->result;
		rp->nominated = -1;
		sched_schedule_owned(s->sched, pd->spec, &c->deploys[pd->deploy].d->selector,
		    s->rng, rp);
		node_idx = rp->node;
		nfeasible = (int64_t)rp->nfeasible;
	}
	bool ok = node_idx >= 0;
	if (ok) {
		uint32_t node = (uint32_t)node_idx;
		struct sq_pod *sp = &s->pods[p];
		sp->handle = sched_node_add_pod(s->sched, node_idx, pd->spec);
		prio_add(s, pd->spec->priority, 1);
		KS_GROW(s->handle_pod, s->caphandle, (size_t)sp->handle + 1);
		s->handle_pod[sp->handle] = p;
		if (on == NONE) {
			emit_decision(c, p, c->nodes[node].spec->name, nfeasible, "Scheduled");
			cl_event(c, "Scheduled", pd->name, "to %s (%d feasible, warm start)",
			    c->nodes[node].spec->name, (int)nfeasible);
		} else {
			cl_event(c, "Bound", pd->name, "to %s (spec.nodeName)",
			    c->nodes[node].spec->name);
		}
		sim_cancel(c->sim, pd->timer);	/* the scheduler's watch of it */
		pd->timer = 0;
		pod_bind(c, p, node);
	}
	return ok;
}

static void
sq_kick(struct cluster *c)
{
	struct scheduler *s = sq_of(c);
	while (!s->busy && s->nactive > 0) {
		struct sq_entry e = active_pop(c);
		if (!pod_still_wants_scheduling(c, e.pod, e.gen))
			continue;
		s->busy = true;
		sim_ns lat = sim_dist_sample_ns(&c->t.scheduler_latency, c->rng_cp);
		sim_after(c->sim, lat, PRIO_CONTROLLER, on_cycle_done, c,
		    (uint64_t)e.pod | ((uint64_t)e.gen << 32));
	}
}

/* ---- watching the store ------------------------------------------------------- */

/* The scheduler's watch delivers a new pod after the API write and the
 * watch latency. */
static void
on_pod_created(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (!c->pods[p].deleting)
		sq_add(c, p);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cluster *c = ctx;
	struct scheduler *s = sq_of(c);
	switch (what) {
	case CL_POD_ADDED: {
		KS_GROW(s->pods, s->cappods, c->npods);
		s->pods[id] = (struct sq_pod){ .handle = -1 };
		sim_ns lat = sim_dist_sample_ns(&c->t.api_latency, c->rng_cp) +
		    sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
		c->pods[id].timer = sim_after(c->sim, lat, PRIO_POD, on_pod_created, c,
		    CL_POD_ARG(c, id));
		break;
	}
	case CL_POD_TERMINATING:
		if (s->pods[id].handle >= 0)
			sched_pod_set_terminating(s->sched, s->pods[id].handle, true);
		break;
	case CL_POD_REMOVED:
		/* The cache forgets the pod (assumed or bound): its node's
		 * resources are free, something may fit now. */
		if (s->pods[id].handle >= 0) {
			sched_node_remove_pod(s->sched, s->pods[id].handle);
			prio_add(s, c->pods[id].spec->priority, -1);
			s->pods[id].handle = -1;
			if (c->pods[id].assumed != NONE)
				c->npods_assumed--;
			c->pods[id].assumed = NONE;
			sq_cluster_event(c);
		}
		break;
	case CL_NODE_ADDED: {
		int idx = sched_add_node(s->sched, c->nodes[id].spec);
		/* nodes are never removed from the set: index = node id */
		KS_ASSERT(idx >= 0 && (uint32_t)idx == id);
		sched_node_update(s->sched, idx);
		if (c->nodes[id].state == NODE_READY)
			sq_cluster_event(c);
		break;
	}
	case CL_NODE_UPDATED:
		sched_node_update(s->sched, cl_sched_idx(id));
		if (c->nodes[id].state == NODE_READY)
			sq_cluster_event(c);
		break;
	case CL_NODE_REMOVED:
		sched_remove_node(s->sched, cl_sched_idx(id));
		break;
	default:
		break;
	}
}

static void *
scheduler_create(struct cluster *c)
{
	struct scheduler *s = xcalloc(1, sizeof *s);
	struct sched_config cfg;
	char *cause = NULL;
	s->c = c;
	sched_config_default(&cfg);
	s->sched = sched_new(&cfg, &cause);
	if (s->sched == NULL)
		ks_fatal("scheduler: %s", cause);
	sched_preemption_init(&s->preempt);
	sched_result_init(&s->result);
	s->rng = sim_rng_new(c->seed, "scheduler");
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_TERMINATING) | CL_ON(CL_POD_REMOVED) |
	    CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_UPDATED) | CL_ON(CL_NODE_REMOVED), on_change, c);
	return s;
}

static void
scheduler_destroy(struct cluster *c)
{
	struct scheduler *s = sq_of(c);
	sched_free(s->sched);
	free(s->activeq);
	free(s->unsched);
	for (size_t i = 0; i < s->nprofiles; i++)
		free(s->profiles[i].name);
	free(s->profiles);
	free(s->handle_pod);
	free(s->nominated);
	free(s->nom_tmp);
	free(s->pods);
	free(s->prios);
	sched_preemption_fini(&s->preempt);
	sched_result_fini(&s->result);
	gsl_rng_free(s->rng);
	free(s);
}

const struct cl_controller scheduler_controller = {
	.name = "scheduler", .create = scheduler_create, .destroy = scheduler_destroy,
};
