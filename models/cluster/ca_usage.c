/*
 * ca_usage.c - the Cluster Autoscaler's inputs kept between its loops (see
 * ca_usage.h). Per node: the last computed utilization and emptiness, with
 * the allocatable and flags they were computed for, and the summary of its
 * movable pods; the store's watch forgets a node's when a pod is bound to
 * it, is deleted on it or leaves it, or the node changes, and lists the node
 * as touched. Per pod slot: the request of its incarnation (pod
 * generation). The anti-affinity flag is a count of slots, updated when a
 * slot gets a pod.
 *
 * Per node also the sums of its pods' requests (struct cas_sums), taken
 * from a walk of its pods and then kept up to date by the same watch as
 * pods are bound, deleted and removed, so that the utilization of a node
 * whose pods changed needs no walk of its pods (a chain of cache misses
 * at 150,000 pods) unless it holds a pod being deleted, whose share
 * depends on the time. Integer sums in any order are the same sums, so
 * ca_utilization over the sums gives the same result as over the pods.
 * KS_CA_USAGE_VERIFY=1 walks the pods anyway and aborts on a difference.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/ca_usage.h"
#include "models/scheduler/sched.h"

/* A node's pods as utilization.Calculate reads them: those being deleted
 * counted only, the others' requests summed apart for DaemonSet pods. */
struct cas_sums {
	uint32_t	moving;		/* not deleting, not a DaemonSet's */
	uint32_t	deleting;
	int64_t		cpu, mem;	/* the moving pods' requests */
	int64_t		ds_cpu, ds_mem;	/* the DaemonSet pods' not deleting */
};

struct cas_unode {
	bool		valid;
	bool		sums_valid;	/* sums follows the watch since a walk */
	struct cas_sums	sums;
	bool		moves_valid;
	bool		touched;	/* in the touched list */
	struct cas_moves moves;
	uint32_t	ndeleting;	/* pods being deleted: recomputed every time */
	int64_t		cpu, mem;	/* the allocatable it was computed for */
	bool		has_cpu, has_mem, skip_ds, skip_mirror;
	struct cas_use	use;
};

struct cas_preq {
	uint32_t			 gen;	/* 0: none */
	const struct k8s_pod_spec	*spec;
	struct cas_req			 q;
};

struct cas_usage {
	struct cluster		*c;
	struct cas_unode	*nodes;
	size_t			 capnodes;
	bool			 anti_init;
	bool			*anti;		/* per pod slot: its spec has required anti-affinity */
	size_t			 capanti, nanti;
	struct cas_preq		*reqs;
	size_t			 capreqs;
	struct ca_pod_usage	*buf;		/* one node's pods while computing */
	size_t			 capbuf;
	uint32_t		*touched;	/* nodes changed since cleared */
	size_t			 ntouched, captouched;
	bool			 verify;	/* KS_CA_USAGE_VERIFY */
};

void
cas_req_of(const struct k8s_pod_spec *pod, struct cas_req *q)
{
	struct k8s_resources r;
	k8s_pod_request(pod, false, &r);
	q->plain = r.n_ext == 0;
	q->cpu = r.cpu_milli;
	q->mem = r.memory;
	q->eph = r.ephemeral;
	k8s_res_free(&r);
	q->host_ports = sched_pod_has_host_ports(pod);
	q->light = q->plain && q->cpu >= 0 && q->mem >= 0 && q->eph >= 0 && !q->host_ports &&
	    pod->nspread == 0 && pod->affinity.npod_required == 0 &&
	    pod->affinity.nanti_required == 0;
	q->simple = q->light && (pod->node_name == NULL || *pod->node_name == '\0') &&
	    pod->node_selector.n == 0 && pod->affinity.nnode_required == 0;
}

static void
grow_nodes(struct cas_usage *u, size_t n)
{
	size_t old = u->capnodes;
	if (n <= old)
		return;
	KS_GROW(u->nodes, u->capnodes, n);
	memset(&u->nodes[old], 0, (u->capnodes - old) * sizeof *u->nodes);
}

/* The node's pods or state changed: its answers are forgotten and it is
 * touched. */
static void
forget_node(struct cas_usage *u, uint32_t node)
{
	if (node == NONE)
		return;
	grow_nodes(u, (size_t)node + 1);
	struct cas_unode *e = &u->nodes[node];
	e->valid = false;
	e->moves_valid = false;
	if (!e->touched) {
		e->touched = true;
		KS_GROW(u->touched, u->captouched, u->ntouched + 1);
		u->touched[u->ntouched++] = node;
	}
}

/* Pod pd, not being deleted, added to (sign 1) or taken from (-1) the
 * sums. */
static void
sums_add(struct cas_sums *m, const struct cl_pod *pd, int sign)
{
	if (pd->daemon) {
		m->ds_cpu += sign * pd->req_cpu_milli;
		m->ds_mem += sign * pd->req_memory;
	} else {
		m->cpu += sign * pd->req_cpu_milli;
		m->mem += sign * pd->req_memory;
		m->moving += (uint32_t)sign;
	}
}

/* The store's change of pod id, on its node, into the node's kept sums.
 * Called as the store notifies: a bound pod is linked to its node, a
 * deleting pod is marked deleting and still on it, a removed pod still
 * on it. */
static void
sums_note(struct cas_usage *u, enum cl_change what, uint32_t id)
{
	const struct cl_pod *pd = &u->c->pods[id];
	if (pd->node == NONE || pd->node >= u->capnodes || !u->nodes[pd->node].sums_valid)
		return;
	struct cas_sums *m = &u->nodes[pd->node].sums;
	switch (what) {
	case CL_POD_BOUND:
		if (pd->deleting)
			m->deleting++;
		else
			sums_add(m, pd, 1);
		break;
	case CL_POD_DELETING:	/* deleting now: it was counted as not */
		sums_add(m, pd, -1);
		m->deleting++;
		break;
	default:		/* CL_POD_REMOVED */
		if (pd->deleting)
			m->deleting--;
		else
			sums_add(m, pd, -1);
		break;
	}
}

static bool
spec_anti(const struct k8s_pod_spec *spec)
{
	return spec != NULL && spec->affinity.nanti_required > 0;
}

static void
note_slot(struct cas_usage *u, uint32_t p)
{
	if (p >= u->capanti) {
		size_t old = u->capanti;
		KS_GROW(u->anti, u->capanti, (size_t)p + 1);
		memset(&u->anti[old], 0, (u->capanti - old) * sizeof *u->anti);
	}
	bool now = spec_anti(u->c->pods[p].spec);
	if (now != u->anti[p]) {
		u->anti[p] = now;
		if (now)
			u->nanti++;
		else
			u->nanti--;
	}
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cas_usage *u = ctx;
	switch (what) {
	case CL_POD_ADDED:
		if (u->anti_init)
			note_slot(u, id);
		break;
	case CL_POD_BOUND:
	case CL_POD_DELETING:
	case CL_POD_REMOVED:
		sums_note(u, what, id);
		forget_node(u, u->c->pods[id].node);
		break;
	default:	/* node changes */
		forget_node(u, id);
		if (id < u->capnodes)
			u->nodes[id].sums_valid = false;
		break;
	}
}

struct cas_usage *
cas_usage_new(struct cluster *c)
{
	struct cas_usage *u = xcalloc(1, sizeof *u);
	u->c = c;
	u->verify = getenv("KS_CA_USAGE_VERIFY") != NULL;
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_DELETING) |
	    CL_ON(CL_POD_REMOVED) | CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_UPDATED) |
	    CL_ON(CL_NODE_REMOVED), on_change, u);
	return u;
}

void
cas_usage_free(struct cas_usage *u)
{
	if (u == NULL)
		return;
	free(u->nodes);
	free(u->anti);
	free(u->reqs);
	free(u->buf);
	free(u->touched);
	free(u);
}

/* The sums of node's pods by a walk of them. */
static void
sums_walk(const struct cluster *c, uint32_t node, struct cas_sums *m)
{
	memset(m, 0, sizeof *m);
	for (uint32_t p = c->nodes[node].first_pod; p != NONE; p = c->pods[p].node_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting)
			m->deleting++;
		else
			sums_add(m, pd, 1);
	}
}

static void
sums_check(const struct cluster *c, uint32_t node, const struct cas_sums *kept)
{
	struct cas_sums w;
	sums_walk(c, node, &w);
	if (w.moving != kept->moving || w.deleting != kept->deleting || w.cpu != kept->cpu ||
	    w.mem != kept->mem || w.ds_cpu != kept->ds_cpu || w.ds_mem != kept->ds_mem) {
		fprintf(stderr, "kubesim: KS_CA_USAGE_VERIFY: node %u: kept sums differ from "
		    "its pods'\n", node);
		abort();
	}
}

/* The scale-down's utilization.Calculate over the node's pods, as
 * podutils.PodRequests (each pod's, computed when it was created) give
 * them; *ndeleting gets the pods being deleted. With kept (the node's
 * kept sums, NULL: none), a node without pods being deleted is computed
 * from its sums (as two pods: the DaemonSet pods' and the others'), and
 * a walk of its pods leaves their sums in *kept. */
static void
compute(struct cas_usage *u, uint32_t node, const struct ca_config *cfg, sim_ns now,
    struct cas_use *out, uint32_t *ndeleting, struct cas_unode *kept)
{
	const struct cluster *c = u->c;
	const struct cl_node *nd = &c->nodes[node];
	const struct k8s_resources *a = &nd->spec->allocatable;
	struct ca_node_alloc alloc = {
		.cpu_milli = a->cpu_milli, .memory = a->memory,
		.has_cpu = a->has_cpu, .has_memory = a->has_memory,
	};
	size_t np = 0;
	*ndeleting = 0;
	out->empty = true;
	if (kept != NULL && kept->sums_valid && kept->sums.deleting == 0) {
		const struct cas_sums *m = &kept->sums;
		if (u->verify)
			sums_check(c, node, m);
		KS_GROW(u->buf, u->capbuf, 2);
		memset(u->buf, 0, 2 * sizeof *u->buf);
		u->buf[0].cpu_milli = m->cpu;
		u->buf[0].memory = m->mem;
		u->buf[0].deletion_time = SIM_NEVER;
		u->buf[1].cpu_milli = m->ds_cpu;
		u->buf[1].memory = m->ds_mem;
		u->buf[1].daemonset = true;
		u->buf[1].deletion_time = SIM_NEVER;
		np = 2;
		out->empty = m->moving == 0;
	} else {
		struct cas_sums m = { 0 };
		for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
			const struct cl_pod *pd = &c->pods[p];
			KS_GROW(u->buf, u->capbuf, np + 1);
			struct ca_pod_usage *pu = &u->buf[np++];
			memset(pu, 0, sizeof *pu);
			pu->cpu_milli = pd->req_cpu_milli;
			pu->memory = pd->req_memory;
			pu->daemonset = pd->daemon;
			pu->deletion_time = SIM_NEVER;
			if (pd->deleting) {
				/* the API's deletionTimestamp: the request plus
				 * the grace period. ca_utilization reads grace_s
				 * of a pod being deleted only. */
				pu->grace_s = c->deploys[pd->deploy].spec.termination_grace_s;
				pu->deletion_time = pd->deleted_at + pu->grace_s * SIM_SEC;
				(*ndeleting)++;
				m.deleting++;
			} else {
				sums_add(&m, pd, 1);
			}
			if (!pd->deleting && !pd->daemon)	/* a pod a removal would move */
				out->empty = false;
		}
		if (kept != NULL) {
			kept->sums = m;
			kept->sums_valid = true;
		}
	}
	struct ca_util ut;
	out->util_error = ca_utilization(&alloc, u->buf, np, cfg->ignore_daemonsets_utilization,
	    cfg->ignore_mirror_pods_utilization, now, &ut, NULL) < 0;
	out->utilization = ut.utilization;
}

void
cas_usage_compute(struct cas_usage *u, uint32_t node, const struct ca_config *cfg,
    sim_ns now, struct cas_use *out)
{
	uint32_t ndel;
	compute(u, node, cfg, now, out, &ndel, NULL);
}

/* Whether the kept answer was computed for these inputs. */
static bool
kept(const struct cas_unode *e, const struct k8s_resources *a, const struct ca_config *cfg)
{
	return e->valid && e->ndeleting == 0 && e->cpu == a->cpu_milli && e->mem == a->memory &&
	    e->has_cpu == a->has_cpu && e->has_mem == a->has_memory &&
	    e->skip_ds == cfg->ignore_daemonsets_utilization &&
	    e->skip_mirror == cfg->ignore_mirror_pods_utilization;
}

const struct cas_use *
cas_usage_node(struct cas_usage *u, uint32_t node, const struct ca_config *cfg, sim_ns now)
{
	grow_nodes(u, u->c->nnodes);
	struct cas_unode *e = &u->nodes[node];
	const struct k8s_resources *a = &u->c->nodes[node].spec->allocatable;
	if (kept(e, a, cfg))
		return &e->use;
	compute(u, node, cfg, now, &e->use, &e->ndeleting, e);
	e->valid = true;
	e->cpu = a->cpu_milli;
	e->mem = a->memory;
	e->has_cpu = a->has_cpu;
	e->has_mem = a->has_memory;
	e->skip_ds = cfg->ignore_daemonsets_utilization;
	e->skip_mirror = cfg->ignore_mirror_pods_utilization;
	return &e->use;
}

bool
cas_usage_volatile(const struct cas_usage *u, uint32_t node)
{
	return node < u->capnodes && u->nodes[node].valid && u->nodes[node].ndeleting > 0;
}

/* The movable pods' summary from the node's pods. */
static void
compute_moves(struct cas_usage *u, uint32_t node, struct cas_moves *m)
{
	const struct cluster *c = u->c;
	memset(m, 0, sizeof *m);
	m->light = m->simple = true;
	for (uint32_t p = c->nodes[node].first_pod; p != NONE; p = c->pods[p].node_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting || pd->daemon)
			continue;
		const struct cas_req *q = cas_usage_req(u, p);
		m->n++;
		m->light &= q->light;
		m->simple &= q->simple;
		if (q->cpu > m->cpu)
			m->cpu = q->cpu;
		if (q->mem > m->mem)
			m->mem = q->mem;
		if (q->eph > m->eph)
			m->eph = q->eph;
	}
}

const struct cas_moves *
cas_usage_moves(struct cas_usage *u, uint32_t node)
{
	grow_nodes(u, (size_t)node + 1);
	struct cas_unode *e = &u->nodes[node];
	if (!e->moves_valid) {
		compute_moves(u, node, &e->moves);
		e->moves_valid = true;
	}
	return &e->moves;
}

const uint32_t *
cas_usage_touched(const struct cas_usage *u, size_t *n)
{
	*n = u->ntouched;
	return u->touched;
}

void
cas_usage_touched_clear(struct cas_usage *u)
{
	for (size_t i = 0; i < u->ntouched; i++)
		u->nodes[u->touched[i]].touched = false;
	u->ntouched = 0;
}

bool
cas_usage_any_anti(struct cas_usage *u)
{
	if (!u->anti_init) {
		u->anti_init = true;
		for (size_t i = 0; i < u->c->npods; i++)
			note_slot(u, (uint32_t)i);
	}
	return u->nanti > 0;
}

const struct cas_req *
cas_usage_req(struct cas_usage *u, uint32_t p)
{
	const struct cl_pod *pd = &u->c->pods[p];
	if (p >= u->capreqs) {
		size_t old = u->capreqs;
		KS_GROW(u->reqs, u->capreqs, (size_t)p + 1);
		memset(&u->reqs[old], 0, (u->capreqs - old) * sizeof *u->reqs);
	}
	struct cas_preq *r = &u->reqs[p];
	if (r->gen != pd->gen || r->spec != pd->spec || r->gen == 0) {
		cas_req_of(pd->spec, &r->q);
		r->gen = pd->gen;
		r->spec = pd->spec;
	}
	return &r->q;
}

size_t
cas_usage_stale(struct cas_usage *u, const struct ca_config *cfg, sim_ns now)
{
	const struct cluster *c = u->c;
	size_t bad = 0;
	grow_nodes(u, c->nnodes);
	for (size_t i = 0; i < c->nnodes; i++) {
		if (c->nodes[i].state == NODE_DELETED)
			continue;
		struct cas_use fresh;
		uint32_t ndel;
		compute(u, (uint32_t)i, cfg, now, &fresh, &ndel, NULL);
		const struct cas_unode *e = &u->nodes[i];
		if (e->sums_valid) {
			struct cas_sums w;
			sums_walk(c, (uint32_t)i, &w);
			bad += w.moving != e->sums.moving || w.deleting != e->sums.deleting ||
			    w.cpu != e->sums.cpu || w.mem != e->sums.mem ||
			    w.ds_cpu != e->sums.ds_cpu || w.ds_mem != e->sums.ds_mem;
		}
		if (kept(e, &c->nodes[i].spec->allocatable, cfg) &&
		    (e->use.empty != fresh.empty || e->use.util_error != fresh.util_error ||
		    e->use.utilization != fresh.utilization))
			bad++;
		struct cas_moves m;
		compute_moves(u, (uint32_t)i, &m);
		if (e->moves_valid && (m.n != e->moves.n || m.light != e->moves.light ||
		    m.simple != e->moves.simple || m.cpu != e->moves.cpu ||
		    m.mem != e->moves.mem || m.eph != e->moves.eph))
			bad++;
	}
	if (u->anti_init) {
		bool any = false;
		for (size_t i = 0; i < c->npods; i++)
			any |= spec_anti(c->pods[i].spec);
		bad += any != (u->nanti > 0);
	}
	for (size_t p = 0; p < c->npods && p < u->capreqs; p++) {
		const struct cas_preq *r = &u->reqs[p];
		if (r->gen == 0 || r->gen != c->pods[p].gen || r->spec != c->pods[p].spec ||
		    c->pods[p].phase == POD_FREE)
			continue;
		struct cas_req q;
		cas_req_of(r->spec, &q);
		bad += q.plain != r->q.plain || q.light != r->q.light ||
		    q.simple != r->q.simple || q.host_ports != r->q.host_ports || q.cpu != r->q.cpu || q.mem != r->q.mem ||
		    q.eph != r->q.eph;
	}
	/* keep everything now, so that the next check compares it all */
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].state != NODE_DELETED) {
			(void)cas_usage_node(u, (uint32_t)i, cfg, now);
			(void)cas_usage_moves(u, (uint32_t)i);
		}
	for (size_t p = 0; p < c->npods; p++)
		if (c->pods[p].phase != POD_FREE)
			(void)cas_usage_req(u, (uint32_t)p);
	(void)cas_usage_any_anti(u);
	return bad;
}
