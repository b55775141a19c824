/*
 * schedq.c - the scheduler as a process in virtual time: the scheduling
 * queue (activeQ ordered by PrioritySort: priority, then arrival; backoff of
 * podInitialBackoffSeconds doubling to podMaxBackoffSeconds; unschedulable
 * pods moved back on cluster events or after podMaxInUnschedulablePodsDuration),
 * one scheduling cycle at a time taking the scheduler's per-pod latency, the
 * assumed pod reserving its node at once, and binding through the API.
 * The filter/score algorithm itself is models/sched*.c.
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
}

void
sq_fini(struct cluster *c)
{
	sched_free(c->sched);
	free(c->activeq);
	free(c->unsched);
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

static void
on_cycle_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = (uint32_t)arg;
	c->sched_busy = false;
	if (pod_still_wants_scheduling(c, p, (uint32_t)(arg >> 32))) {
		struct cl_pod *pd = &c->pods[p];
		const struct k8s_pod_spec *spec = &c->deploys[pd->deploy].spec;
		struct sched_result r;
		sched_result_init(&r);
		sched_schedule_owned(c->sched, spec, &c->deploys[pd->deploy].d->selector,
		    c->rng_sched, &r);
		pd->sched_attempts++;
		pd->ready_changed = sim_now(sim);
		if (r.node >= 0) {
			uint32_t node = (uint32_t)r.node;
			pd->sched_handle = sched_node_add_pod(c->sched, r.node, spec);
			pd->in_queue = false;
			emit_decision(c, p, c->nodes[node].spec->name, r.nfeasible, "Scheduled");
			cl_event(c, "Scheduled", pd->name, "to %s (%d feasible)",
			    c->nodes[node].spec->name, (int)r.nfeasible);
			/* Binding: one API write. The node is reserved meanwhile
			 * (the scheduler's assumed pod); pod_bind links the pod. */
			pd->assumed = node;
			pd->sched_attempts = 0;
			sim_ns lat = cl_sample(c, &c->t.api_latency, c->rng_cp);
			sim_after(sim, lat, PRIO_POD, on_bound, c, SQ_ARG(c, p));
		} else {
			char *reason = sched_result_message(c->sched, &r);
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
		sim_ns lat = cl_sample(c, &c->t.scheduler_latency, c->rng_cp);
		sim_after(c->sim, lat, PRIO_CONTROLLER, on_cycle_done, c,
		    (uint64_t)e.pod | ((uint64_t)e.gen << 32));
	}
}
