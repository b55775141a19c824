/*
 * schedq.c - the scheduler as a process in virtual time: the scheduling
 * queue (activeQ ordered by PrioritySort: priority, then arrival; backoff of
 * podInitialBackoffSeconds doubling to podMaxBackoffSeconds; unschedulable
 * pods moved back on cluster events or after podMaxInUnschedulablePodsDuration),
 * one scheduling cycle at a time taking the scheduler's per-pod latency, the
 * assumed pod reserving its node at once, and binding through the API.
 * A pod that fits nowhere may preempt lower-priority pods (DefaultPreemption):
 * its victims terminate gracefully, it is nominated to their node, which it
 * tries first, and pods of lower or equal priority see it there meanwhile.
 * Several profiles (KubeSchedulerConfiguration) share one queue and cache.
 * The filter/score/preemption algorithms themselves are models/sched*.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster_int.h"

#define SQ_ARG(c, p)	((uint64_t)(p) | ((uint64_t)(c)->pods[p].gen << 32))

static void sq_kick(struct cluster *c);

void
sq_init(struct cluster *c)
{
	struct sched_config cfg;
	char *cause = NULL;
	sched_config_default(&cfg);
	c->sched = sched_new(&cfg, &cause);
	if (c->sched == NULL)
		ks_fatal("scheduler: %s", cause);
	sched_preemption_init(&c->preempt);
}

void
sq_fini(struct cluster *c)
{
	sched_free(c->sched);
	free(c->activeq);
	free(c->unsched);
	for (size_t i = 0; i < c->nsprofiles; i++)
		free(c->sprofiles[i].name);
	free(c->sprofiles);
	free(c->handle_pod);
	free(c->nominated);
	free(c->nom_tmp);
	sched_preemption_fini(&c->preempt);
}

int
cl_set_sched_config(struct cluster *c, const char *const *names,
    const struct sched_config *cfgs, size_t n, char **cause)
{
	for (size_t i = 0; i < n; i++) {
		if (sched_config_validate(&cfgs[i], cause) < 0) {
			char *inner = *cause;
			*cause = xasprintf("scheduler profile %s: %s", names[i], inner);
			free(inner);
			return -1;
		}
	}
	for (size_t i = 0; i < c->nsprofiles; i++)
		free(c->sprofiles[i].name);
	free(c->sprofiles);
	c->sprofiles = xcalloc(n + 1, sizeof *c->sprofiles);
	for (size_t i = 0; i < n; i++) {
		c->sprofiles[i].name = xstrdup(names[i]);
		c->sprofiles[i].cfg = cfgs[i];
	}
	c->nsprofiles = n;
	c->sprofile_cur = 0;
	if (n > 0 && sched_set_config(c->sched, &cfgs[0], cause) < 0)
		return -1;
	return 0;
}

/* Switches the scheduler to the profile of the pod's schedulerName; false
 * when no profile has that name (the pod is another scheduler's). */
static bool
use_profile(struct cluster *c, const struct k8s_pod_spec *spec)
{
	if (c->nsprofiles == 0)
		return true;
	const char *want = spec->scheduler_name ? spec->scheduler_name : "default-scheduler";
	for (size_t i = 0; i < c->nsprofiles; i++) {
		if (strcmp(c->sprofiles[i].name, want) != 0)
			continue;
		if (i != c->sprofile_cur) {
			char *cause = NULL;
			if (sched_set_config(c->sched, &c->sprofiles[i].cfg, &cause) < 0)
				ks_fatal("scheduler: %s", cause);	/* validated when set */
			c->sprofile_cur = i;
		}
		return true;
	}
	return false;
}

uint32_t
sq_add_node(struct cluster *c, uint32_t node)
{
	int idx = sched_add_node(c->sched, c->nodes[node].spec);
	KS_ASSERT(idx >= 0 && (uint32_t)idx == node);	/* nodes are never removed from the set */
	return (uint32_t)idx;
}

/* The node lifecycle controller's taints follow the node's state: a node
 * that is not Ready carries node.kubernetes.io/unreachable with effects
 * NoSchedule and NoExecute (TaintNodesByCondition, taint-based eviction). */
void
sq_node_changed(struct cluster *c, uint32_t node)
{
	struct cl_node *n = &c->nodes[node];
	static const char key[] = "node.kubernetes.io/unreachable";
	size_t keep = 0;
	for (size_t i = 0; i < n->spec->ntaints; i++) {
		struct k8s_taint *t = &n->spec->taints[i];
		if (t->key != NULL && strcmp(t->key, key) == 0) {
			free(t->key);
			free(t->value);
			continue;
		}
		n->spec->taints[keep++] = *t;
	}
	n->spec->ntaints = keep;
	bool ready = n->state == NODE_READY;
	if (!ready) {
		n->spec->taints = xreallocarray(n->spec->taints, keep + 2, sizeof *n->spec->taints);
		n->spec->taints[keep].key = xstrdup(key);
		n->spec->taints[keep].value = NULL;
		n->spec->taints[keep].effect = K8S_NO_SCHEDULE;
		n->spec->taints[keep + 1].key = xstrdup(key);
		n->spec->taints[keep + 1].value = NULL;
		n->spec->taints[keep + 1].effect = K8S_NO_EXECUTE;
		n->spec->ntaints = keep + 2;
	}
	sched_node_update(c->sched, (int)n->sched_idx);
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
	KS_GROW(c->activeq, c->capactive, c->nactive + 1);
	struct sq_entry e = {
		.prio = c->deploys[c->pods[p].deploy].spec.priority,
		.seq = c->sq_seq++, .pod = p, .gen = c->pods[p].gen,
	};
	size_t i = c->nactive++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!sq_less(&e, &c->activeq[parent]))
			break;
		c->activeq[i] = c->activeq[parent];
		i = parent;
	}
	c->activeq[i] = e;
}

static struct sq_entry
active_pop(struct cluster *c)
{
	struct sq_entry top = c->activeq[0];
	struct sq_entry last = c->activeq[--c->nactive];
	size_t i = 0, n = c->nactive;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sq_entry *best = &last;
		if (l < n && sq_less(&c->activeq[l], best)) {
			m = l;
			best = &c->activeq[l];
		}
		if (r < n && sq_less(&c->activeq[r], best))
			m = r;
		if (m == i)
			break;
		c->activeq[i] = c->activeq[m];
		i = m;
	}
	if (n > 0)
		c->activeq[i] = last;
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
void
sq_cluster_event(struct cluster *c)
{
	sim_ns now = sim_now(c->sim);
	for (size_t i = 0; i < c->nunsched; i++) {
		uint32_t p = c->unsched[i];
		struct cl_pod *pd = &c->pods[p];
		if (pd->phase != POD_PENDING || pd->deleting || !pd->in_queue)
			continue;
		sim_ns until = pd->ready_changed + backoff_of(c, pd->sched_attempts);
		if (until <= now) {
			active_push(c, p);
		} else {
			sim_at(c->sim, until, PRIO_CONTROLLER, on_backoff_done, c, SQ_ARG(c, p));
		}
	}
	c->nunsched = 0;
	sq_kick(c);
}

static void
on_flush_unschedulable(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	size_t keep = 0;
	for (size_t i = 0; i < c->nunsched; i++) {
		uint32_t p = c->unsched[i];
		struct cl_pod *pd = &c->pods[p];
		if (pd->phase != POD_PENDING || pd->deleting)
			continue;
		/* ready_changed holds the last attempt's time while pending. */
		if (now - pd->ready_changed >= c->t.unschedulable_flush)
			active_push(c, p);
		else
			c->unsched[keep++] = p;
	}
	c->nunsched = keep;
	sq_kick(c);
	/* flushUnschedulablePodsLeftover runs every 30 s. */
	sim_after(sim, 30 * SIM_SEC, PRIO_CONTROLLER, on_flush_unschedulable, c, 0);
}

void
sq_add(struct cluster *c, uint32_t p)
{
	if (c->pods[p].in_queue)
		return;
	c->pods[p].in_queue = true;
	if (c->nunsched == 0 && c->nactive == 0 && !c->sched_busy && c->sq_seq == 0)
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
	return pd->phase == POD_PENDING && !pd->deleting && pd->nominated != 0 &&
	    pd->assumed == NONE && c->nodes[pd->nominated - 1].state != NODE_DELETED;
}

/*
 * addNominatedPods: pods nominated to a node by an earlier preemption, of
 * priority at least p's, hold their place there while p is scheduled
 * (removed again by nominated_unplace). Stale entries are dropped here.
 */
static void
nominated_place(struct cluster *c, uint32_t p)
{
	size_t keep = 0;
	c->nnom_tmp = 0;
	for (size_t i = 0; i < c->nnominated; i++) {
		uint32_t q = c->nominated[i];
		if (!nomination_live(c, q)) {
			c->pods[q].nominated = 0;
			continue;
		}
		c->nominated[keep++] = q;
		if (q == p || pod_prio(c, q) < pod_prio(c, p))
			continue;
		KS_GROW(c->nom_tmp, c->capnom_tmp, c->nnom_tmp + 1);
		c->nom_tmp[c->nnom_tmp++] = sched_node_add_pod(c->sched,
		    (int)c->nodes[c->pods[q].nominated - 1].sched_idx, c->pods[q].spec);
	}
	c->nnominated = keep;
}

static void
nominated_unplace(struct cluster *c)
{
	while (c->nnom_tmp > 0)
		sched_node_remove_pod(c->sched, c->nom_tmp[--c->nnom_tmp]);
}

static void
nominate(struct cluster *c, uint32_t p, uint32_t node)
{
	bool listed = false;
	for (size_t i = 0; i < c->nnominated && !listed; i++)
		listed = c->nominated[i] == p;	/* maybe a slot's earlier pod */
	if (!listed) {
		KS_GROW(c->nominated, c->capnominated, c->nnominated + 1);
		c->nominated[c->nnominated++] = p;
	}
	c->pods[p].nominated = node + 1;
	/* getLowerPriorityNominatedPods: they may no longer fit there. */
	for (size_t i = 0; i < c->nnominated; i++) {
		uint32_t q = c->nominated[i];
		if (q != p && c->pods[q].nominated == node + 1 && pod_prio(c, q) < pod_prio(c, p))
			c->pods[q].nominated = 0;
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
	struct cl_pod *pd = &c->pods[p];
	const struct sched_config *cfg = sched_config(c->sched);
	if (!cfg->preemption)
		return NULL;
	/* status.startTime of the pods that could be victims */
	for (size_t n = 0; n < c->nnodes && n < r->nnodes; n++) {
		if (r->status[n].code != SCHED_UNSCHEDULABLE)
			continue;
		for (uint32_t q = c->nodes[n].first_pod; q != NONE; q = c->pods[q].node_next)
			if (c->pods[q].sched_handle >= 0 && c->pods[q].started > 0)
				sched_pod_set_start(c->sched, c->pods[q].sched_handle,
				    c->pods[q].started);
	}
	struct sched_pdb *pdbs = xcalloc(c->npdbs + 1, sizeof *pdbs);
	for (size_t k = 0; k < c->npdbs; k++) {
		pdbs[k].ns = c->pdbs[k]->namespace;
		pdbs[k].selector = &c->pdbs[k]->selector;
		pdbs[k].disruptions_allowed = cl_pdb_allowed(c, c->pdbs[k]);
	}
	struct sched_preemption *pr = &c->preempt;
	int nom = pd->nominated ? (int)c->nodes[pd->nominated - 1].sched_idx : -1;
	sched_preempt(c->sched, pd->spec, &c->deploys[pd->deploy].d->selector, r, nom, pdbs,
	    c->npdbs, sim_now(c->sim), c->rng_sched, pr);
	free(pdbs);
	if (pr->node < 0)
		return pr->message ? xstrdup(pr->message) : NULL;

	/* Victim handles name pods only until the first deletion frees one. */
	uint32_t node = (uint32_t)pr->node;
	const char *nname = c->nodes[node].spec->name;
	uint32_t *victims = xcalloc(pr->nvictims + 1, sizeof *victims);
	for (size_t i = 0; i < pr->nvictims; i++)
		victims[i] = c->handle_pod[pr->victims[i]];
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "preemption: nominated node %s, %zu victim(s):", nname, pr->nvictims);
	for (size_t i = 0; i < pr->nvictims; i++) {
		uint32_t v = victims[i];
		ks_buf_printf(&b, "%s%s", i ? ", " : " ", c->pods[v].name);
		if (c->pods[v].deleting)
			continue;	/* graceful deletion already under way */
		cl_event(c, "Preempted", c->pods[v].name, "by %s on node %s", pd->name, nname);
		int32_t h = c->pods[v].sched_handle;
		pod_delete(c, v, "Preempted");
		if (c->pods[v].phase != POD_FREE && c->pods[v].sched_handle == h && h >= 0)
			sched_pod_set_preempted(c->sched, h);
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
	uint32_t p = (uint32_t)arg;
	c->sched_busy = false;
	if (pod_still_wants_scheduling(c, p, (uint32_t)(arg >> 32))) {
		struct cl_pod *pd = &c->pods[p];
		const struct k8s_pod_spec *spec = pd->spec;
		if (!use_profile(c, spec)) {
			/* Another scheduler's pod: this one leaves it Pending. */
			pd->in_queue = false;
			cl_event(c, "NotScheduled", pd->name, "no scheduler profile '%s'",
			    spec->scheduler_name);
			sq_kick(c);
			return;
		}
		struct sched_result r;
		sched_result_init(&r);
		nominated_place(c, p);
		if (pd->nominated != 0)
			r.nominated = (int)c->nodes[pd->nominated - 1].sched_idx;
		sched_schedule_owned(c->sched, spec, &c->deploys[pd->deploy].d->selector,
		    c->rng_sched, &r);
		pd->sched_attempts++;
		pd->ready_changed = sim_now(sim);
		if (r.node >= 0) {
			nominated_unplace(c);
			uint32_t node = (uint32_t)r.node;
			pd->sched_handle = sched_node_add_pod(c->sched, r.node, spec);
			KS_GROW(c->handle_pod, c->caphandle, (size_t)pd->sched_handle + 1);
			c->handle_pod[pd->sched_handle] = p;
			pd->in_queue = false;
			pd->nominated = 0;
			emit_decision(c, p, c->nodes[node].spec->name, r.nfeasible, "Scheduled");
			cl_event(c, "Scheduled", pd->name, "to %s (%d feasible)",
			    c->nodes[node].spec->name, (int)r.nfeasible);
			/* Binding: one API write. The node is reserved meanwhile
			 * (the scheduler's assumed pod); pod_bind links the pod. */
			pd->assumed = node;
			pd->sched_attempts = 0;
			sim_ns lat = sim_dist_sample_ns(&c->t.api_latency, c->rng_cp);
			sim_after(sim, lat, PRIO_POD, on_bound, c, SQ_ARG(c, p));
		} else {
			char *reason = sched_result_message(c->sched, &r);
			char *post = preempt(c, p, &r);
			nominated_unplace(c);
			if (post != NULL) {
				char *full = xasprintf("%s %s", reason, post);
				free(reason);
				free(post);
				reason = full;
			}
			emit_decision(c, p, NULL, 0, reason);
			cl_event(c, "FailedScheduling", pd->name, "%s", reason);
			free(reason);
			KS_GROW(c->unsched, c->capunsched, c->nunsched + 1);
			c->unsched[c->nunsched++] = p;
		}
		sched_result_fini(&r);
	}
	sq_kick(c);
}

static void
sq_kick(struct cluster *c)
{
	while (!c->sched_busy && c->nactive > 0) {
		struct sq_entry e = active_pop(c);
		if (!pod_still_wants_scheduling(c, e.pod, e.gen))
			continue;
		c->sched_busy = true;
		sim_ns lat = sim_dist_sample_ns(&c->t.scheduler_latency, c->rng_cp);
		sim_after(c->sim, lat, PRIO_CONTROLLER, on_cycle_done, c,
		    (uint64_t)e.pod | ((uint64_t)e.gen << 32));
	}
}
