/*
 * podtrace.c - cluster trace replay: the pods of a trace's pod list arrive
 * as bare pods (each with its own name and requests, cpu, memory and GPUs as
 * an extended resource) and are deleted at the trace's deletion times; the
 * scheduler places them as any pod (a pod that fits nowhere stays Pending
 * and is retried as the scheduling queue does). Compressed, the pods arrive
 * in trace order every `gap`, never leave, until their GPU requests reach
 * `fill` percent of the cluster's GPUs (as the trace's authors submit pods
 * until the cluster's GPU allocation saturates).
 *
 * Results: a trace_pods row per pod (placement, pending time, unschedulable),
 * a trace_nodes row per node (time-averaged allocation) and trace_intervals rows: allocation of cpu, memory and GPUs, and GPU
 * fragmentation as the FGD paper defines it (Weng et al., USENIX ATC '23,
 * "Beware of Fragmentation"): for a node n and a pod class m of the target
 * workload (here: the trace's distinct requests, weighted by how many pods
 * have each), the fragment F_n(m) is every free GPU of n when m cannot run
 * on n (too little cpu, memory or GPUs, not an allowed GPU model) or needs no
 * GPU; else the free GPUs too small for m's share (none: GPUs are whole
 * here). The cluster's fragmentation is sum_n sum_m p_m F_n(m), in GPUs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

struct pt_state {		/* per trace pod */
	uint64_t	arg;		/* CL_POD_ARG of its pod, 0 before it exists */
	sim_ns		created, bound;	/* bound: -1 never */
	uint32_t	node;		/* NONE: never bound */
	bool		done;		/* its row is out */
};

struct pt_node {
	int64_t		acpu, amem, agpu;	/* allocatable */
	int64_t		cpu, mem, gpu;		/* requested by bound pods */
	double		frag;			/* GPUs, as last computed */
	bool		live, dirty;
	/* for trace_nodes: requests integrated over time (unit x ns) since
	 * the node came, up to `since`, and trace pods bound to it */
	sim_ns		came, since;
	double		icpu, imem, igpu;
	uint32_t	placed;
};

struct pt_class {		/* a template as a pod class of the target workload */
	int64_t		cpu, mem, gpu;
	double		pop;		/* share of the trace's pods */
};

struct podtrace {
	struct cluster		*c;
	bool			 set;
	struct cl_pod_trace_params p;
	uint32_t		 deploy;
	struct pt_state		*st;
	struct pt_class		*cls;
	size_t			 next;		/* next trace pod to arrive */
	int64_t			 submitted_gpu;
	int64_t			 gpu_cap;	/* compressed: GPUs at the first arrival */
	/* per cluster pod: the node its requests were counted on (NONE) */
	uint32_t		*counted;
	size_t			 capcounted;
	struct pt_node		*nodes;
	size_t			 capnodes;
	uint32_t		*dirty;
	size_t			 ndirty, capdirty;
	double			 frag;		/* sum of nodes[].frag */
	int64_t			 tot_cpu, tot_mem, tot_gpu;	/* allocatable, live nodes */
	int64_t			 use_cpu, use_mem, use_gpu;
	size_t			 arrived, pending, bound_now, never_placed;
	bool			 changed;
};

static struct podtrace *
pt_of(const struct cluster *c)
{
	return c->ctl[CTL_PODTRACE];
}

int
cl_set_pod_trace(struct cluster *c, const struct cl_pod_trace_params *p)
{
	struct podtrace *pt = pt_of(c);
	pt->set = true;
	pt->p = *p;
	struct cl_trace_pod *own = xcalloc(p->npods + 1, sizeof *own);
	if (p->npods > 0)
		memcpy(own, p->pods, p->npods * sizeof *own);
	pt->p.pods = own;
	pt->deploy = (uint32_t)cl_add_deployment(c, p->workload);
	pt->st = xcalloc(p->npods + 1, sizeof *pt->st);
	pt->cls = xcalloc(p->ntemplates + 1, sizeof *pt->cls);
	for (size_t i = 0; i < p->ntemplates; i++) {
		struct k8s_resources r;
		k8s_pod_request(&p->templates[i], false, &r);
		pt->cls[i].cpu = r.cpu_milli;
		pt->cls[i].mem = r.memory;
		k8s_res_get(&r, p->gpu_resource, &pt->cls[i].gpu);
		k8s_res_free(&r);
	}
	for (size_t i = 0; i < p->npods; i++)
		pt->cls[p->pods[i].tmpl].pop += 1.0 / (double)p->npods;
	return (int)pt->deploy;
}

/* ---- node accounting and fragmentation ----------------------------------- */

static struct pt_node *
node_of(struct podtrace *pt, uint32_t id)
{
	if (id >= pt->capnodes) {
		size_t old = pt->capnodes;
		KS_GROW(pt->nodes, pt->capnodes, (size_t)id + 1);
		memset(pt->nodes + old, 0, (pt->capnodes - old) * sizeof *pt->nodes);
	}
	return &pt->nodes[id];
}

static void
mark_dirty(struct podtrace *pt, uint32_t id)
{
	struct pt_node *n = node_of(pt, id);
	pt->changed = true;
	if (n->dirty)
		return;
	n->dirty = true;
	KS_GROW(pt->dirty, pt->capdirty, pt->ndirty + 1);
	pt->dirty[pt->ndirty++] = id;
}

/* Whether the template's required node affinity admits the node (the
 * trace's allowed GPU models). */
static bool
affinity_admits(const struct k8s_pod_spec *t, const struct k8s_node_spec *n)
{
	if (t->affinity.nnode_required == 0)
		return true;
	for (size_t i = 0; i < t->affinity.nnode_required; i++) {
		const struct k8s_node_term *term = &t->affinity.node_required[i];
		struct k8s_selector sel = { term->match_expressions, term->nexpr, true };
		if (k8s_selector_matches(&sel, &n->labels))
			return true;
	}
	return false;
}

double
podtrace_node_frag(const struct cluster *c, uint32_t id)
{
	struct podtrace *pt = pt_of(c);
	if (id >= pt->capnodes || !pt->nodes[id].live)
		return 0;
	const struct pt_node *n = &pt->nodes[id];
	int64_t free_gpu = n->agpu - n->gpu;
	if (free_gpu <= 0)
		return 0;
	double f = 0;
	for (size_t m = 0; m < pt->p.ntemplates; m++) {
		const struct pt_class *k = &pt->cls[m];
		bool fits = k->gpu > 0 && k->gpu <= free_gpu && k->cpu <= n->acpu - n->cpu &&
		    k->mem <= n->amem - n->mem &&
		    affinity_admits(&pt->p.templates[m], c->nodes[id].spec);
		if (!fits)
			f += k->pop * (double)free_gpu;
	}
	return f;
}

static void
refresh_frag(struct podtrace *pt)
{
	for (size_t i = 0; i < pt->ndirty; i++) {
		uint32_t id = pt->dirty[i];
		struct pt_node *n = &pt->nodes[id];
		n->dirty = false;
		double f = podtrace_node_frag(pt->c, id);
		pt->frag += f - n->frag;
		n->frag = f;
	}
	pt->ndirty = 0;
}

/* Brings the node's integrals of its requests up to now. */
static void
integrate(struct podtrace *pt, struct pt_node *n)
{
	sim_ns now = sim_now(pt->c->sim);
	double dt = (double)(now - n->since);
	n->icpu += dt * (double)n->cpu;
	n->imem += dt * (double)n->mem;
	n->igpu += dt * (double)n->gpu;
	n->since = now;
}

/* Adds (sign 1) or removes (-1) a bound pod's requests on its node. */
static void
count_pod(struct podtrace *pt, uint32_t p, uint32_t node, int sign)
{
	struct cluster *c = pt->c;
	struct k8s_resources r;
	k8s_pod_request(c->pods[p].spec, false, &r);
	int64_t g = 0;
	k8s_res_get(&r, pt->p.gpu_resource, &g);
	struct pt_node *n = node_of(pt, node);
	integrate(pt, n);
	n->cpu += sign * r.cpu_milli;
	n->mem += sign * r.memory;
	n->gpu += sign * g;
	if (n->live) {
		pt->use_cpu += sign * r.cpu_milli;
		pt->use_mem += sign * r.memory;
		pt->use_gpu += sign * g;
	}
	k8s_res_free(&r);
	mark_dirty(pt, node);
}

static void
node_live(struct podtrace *pt, uint32_t id, bool live)
{
	struct pt_node *n = node_of(pt, id);
	if (n->live == live)
		return;
	if (live) {
		const struct k8s_resources *a = &pt->c->nodes[id].spec->allocatable;
		n->acpu = a->cpu_milli;
		n->amem = a->memory;
		n->agpu = 0;
		k8s_res_get(a, pt->p.gpu_resource, &n->agpu);
	}
	int sign = live ? 1 : -1;
	integrate(pt, n);
	if (live)
		n->came = sim_now(pt->c->sim);
	n->live = live;
	pt->tot_cpu += sign * n->acpu;
	pt->tot_mem += sign * n->amem;
	pt->tot_gpu += sign * n->agpu;
	pt->use_cpu += sign * n->cpu;
	pt->use_mem += sign * n->mem;
	pt->use_gpu += sign * n->gpu;
	mark_dirty(pt, id);
}

/* ---- rows -------------------------------------------------------------------- */

static uint32_t
trace_index(const struct podtrace *pt, uint32_t p)
{
	const struct cl_pod *pd = &pt->c->pods[p];
	return pd->deploy == pt->deploy ? pd->slot : NONE;
}

static void
pod_row(struct podtrace *pt, uint32_t i, uint32_t p, bool gone)
{
	struct cluster *c = pt->c;
	struct pt_state *s = &pt->st[i];
	if (s->done)
		return;
	s->done = true;
	sim_ns now = sim_now(c->sim);
	const struct cl_pod *pd = &c->pods[p];
	const struct pt_class *k = &pt->cls[pt->p.pods[i].tmpl];
	bool placed = s->bound >= 0;
	sim_ns pending = (placed ? s->bound : now) - s->created;
	sim_ns tp = pt->p.pods[i].trace_pending;
	struct probe_val v[12] = {
		PV_TEXT(pd->name),
		placed ? PV_TEXT(c->nodes[s->node].spec->name) : PV_NULL,
		PV_REAL(sim_ns_to_s(s->created)),
		placed ? PV_REAL(sim_ns_to_s(s->bound)) : PV_NULL,
		PV_REAL(sim_ns_to_s(pending)),
		gone ? PV_REAL(sim_ns_to_s(now)) : PV_NULL,
		PV_INT(k->cpu), PV_INT(k->mem), PV_INT(k->gpu),
		PV_TEXT(placed ? "placed" : "unschedulable"),
		!placed && pd->why_pending != NULL ? PV_TEXT(pd->why_pending) : PV_NULL,
		tp >= 0 ? PV_REAL(sim_ns_to_s(tp)) : PV_NULL,
	};
	probe_emit(&c->probes, "trace_pods", v, 12);
}

static double
frac(int64_t used, int64_t total)
{
	return total > 0 ? (double)used / (double)total : 0;
}

static void
interval_row(struct podtrace *pt)
{
	refresh_frag(pt);
	pt->changed = false;
	size_t unsched = 0;
	struct cluster *c = pt->c;
	for (uint32_t p = c->deploys[pt->deploy].first_pod; p != NONE; p = c->pods[p].dep_next)
		if (c->pods[p].phase == POD_PENDING && c->pods[p].unschedulable)
			unsched++;
	int64_t free_gpu = pt->tot_gpu - pt->use_gpu;
	struct probe_val v[12] = {
		PV_REAL(sim_ns_to_s(sim_now(c->sim))),
		PV_INT(pt->arrived), PV_INT(pt->pending), PV_INT(unsched),
		PV_INT(pt->bound_now), PV_INT(pt->never_placed),
		PV_REAL(frac(pt->use_cpu, pt->tot_cpu)),
		PV_REAL(frac(pt->use_mem, pt->tot_mem)),
		PV_REAL(frac(pt->use_gpu, pt->tot_gpu)),
		PV_INT(free_gpu),
		PV_REAL(pt->frag < 1e-9 ? 0 : pt->frag),
		free_gpu > 0 ? PV_REAL(pt->frag / (double)free_gpu) : PV_NULL,
	};
	probe_emit(&c->probes, "trace_intervals", v, 12);
}

/* A node's row at the end: its time-averaged allocation since it came. */
static void
node_row(struct podtrace *pt, uint32_t id)
{
	struct cluster *c = pt->c;
	struct pt_node *n = &pt->nodes[id];
	integrate(pt, n);
	double span = (double)(sim_now(c->sim) - n->came);
	struct probe_val v[10] = {
		PV_TEXT(c->nodes[id].spec->name),
		PV_INT(n->acpu), PV_INT(n->amem), PV_INT(n->agpu),
		PV_INT(n->placed),
		n->acpu > 0 && span > 0 ? PV_REAL(n->icpu / span / (double)n->acpu) : PV_NULL,
		n->amem > 0 && span > 0 ? PV_REAL(n->imem / span / (double)n->amem) : PV_NULL,
		n->agpu > 0 && span > 0 ? PV_REAL(n->igpu / span / (double)n->agpu) : PV_NULL,
		PV_INT(n->agpu - n->gpu),
		PV_REAL(n->frag < 1e-9 ? 0 : n->frag),
	};
	probe_emit(&c->probes, "trace_nodes", v, 10);
}

static void
on_interval(struct sim *sim, void *ctx, uint64_t arg)
{
	struct podtrace *pt = ctx;
	(void)arg;
	if (pt->changed)
		interval_row(pt);
	sim_after(sim, pt->c->t.interval, PRIO_INTERVAL, on_interval, pt, 0);
}

/* ---- arrivals and deletions -------------------------------------------------- */

static void
on_delete(struct sim *sim, void *ctx, uint64_t i)
{
	struct podtrace *pt = ctx;
	(void)sim;
	uint32_t p = cl_pod_of(pt->c, pt->st[i].arg);
	if (p != NONE && !pt->c->pods[p].deleting)
		pod_delete(pt->c, p, "TraceDeletion");
}

static void
arrive(struct podtrace *pt, size_t i)
{
	struct cluster *c = pt->c;
	const struct cl_trace_pod *tp = &pt->p.pods[i];
	struct pt_state *s = &pt->st[i];
	s->created = sim_now(c->sim);
	s->bound = -1;
	s->node = NONE;
	uint32_t p = pod_create_as(c, pt->deploy, tp->name, &pt->p.templates[tp->tmpl],
	    (uint32_t)i);
	s->arg = CL_POD_ARG(c, p);
	pt->arrived++;
	pt->pending++;
	pt->changed = true;
	pt->submitted_gpu += pt->cls[tp->tmpl].gpu;
	if (!pt->p.compressed && tp->deleted != SIM_NEVER)
		sim_at(c->sim, tp->deleted, PRIO_CONTROLLER, on_delete, pt, i);
}

static void
on_arrivals(struct sim *sim, void *ctx, uint64_t arg)
{
	struct podtrace *pt = ctx;
	sim_ns now = sim_now(sim);
	(void)arg;
	if (pt->p.compressed) {
		if (pt->next == 0)
			pt->gpu_cap = pt->tot_gpu;
		/* until the GPUs asked for reach fill % of the cluster's */
		if (pt->next >= pt->p.npods ||
		    (double)pt->submitted_gpu * 100 >= pt->p.fill * (double)pt->gpu_cap)
			return;
		arrive(pt, pt->next++);
		sim_after(sim, pt->p.gap, PRIO_CONTROLLER, on_arrivals, pt, 0);
		return;
	}
	while (pt->next < pt->p.npods && pt->p.pods[pt->next].created <= now)
		arrive(pt, pt->next++);
	if (pt->next < pt->p.npods)
		sim_at(sim, pt->p.pods[pt->next].created, PRIO_CONTROLLER, on_arrivals, pt, 0);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct podtrace *pt = ctx;
	struct cluster *c = pt->c;
	if (!pt->set)
		return;
	switch (what) {
	case CL_NODE_ADDED:
		node_live(pt, id, true);
		return;
	case CL_NODE_REMOVED:
		node_live(pt, id, false);
		return;
	case CL_POD_BOUND: {
		uint32_t node = c->pods[id].node;
		if (id >= pt->capcounted) {
			size_t old = pt->capcounted;
			KS_GROW(pt->counted, pt->capcounted, (size_t)id + 1);
			for (size_t k = old; k < pt->capcounted; k++)
				pt->counted[k] = NONE;
		}
		pt->counted[id] = node;
		count_pod(pt, id, node, 1);
		uint32_t i = trace_index(pt, id);
		if (i != NONE && pt->st[i].bound < 0) {
			node_of(pt, node)->placed++;
			pt->st[i].bound = sim_now(c->sim);
			pt->st[i].node = node;
			pt->pending--;
			pt->bound_now++;
		}
		return;
	}
	case CL_POD_REMOVED: {
		if (id < pt->capcounted && pt->counted[id] != NONE) {
			count_pod(pt, id, pt->counted[id], -1);
			pt->counted[id] = NONE;
		}
		uint32_t i = trace_index(pt, id);
		if (i == NONE)
			return;
		pt->changed = true;
		if (pt->st[i].bound >= 0) {
			pt->bound_now--;
		} else {
			pt->pending--;
			pt->never_placed++;
		}
		pod_row(pt, i, id, true);
		return;
	}
	default:
		return;
	}
}

/* ---- the controller ---------------------------------------------------------- */

static void *
podtrace_create(struct cluster *c)
{
	struct podtrace *pt = xcalloc(1, sizeof *pt);
	pt->c = c;
	pt->deploy = NONE;
	cl_watch(c, CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_REMOVED) | CL_ON(CL_POD_BOUND) |
	    CL_ON(CL_POD_REMOVED), on_change, pt);
	return pt;
}

static void
podtrace_start(struct cluster *c)
{
	struct podtrace *pt = pt_of(c);
	if (!pt->set)
		return;
	if (pt->p.npods > 0)
		sim_at(c->sim, pt->p.compressed ? 0 : pt->p.pods[0].created, PRIO_CONTROLLER,
		    on_arrivals, pt, 0);
	sim_after(c->sim, c->t.interval, PRIO_INTERVAL, on_interval, pt, 0);
}

static void
podtrace_finish(struct cluster *c)
{
	struct podtrace *pt = pt_of(c);
	if (!pt->set)
		return;
	for (size_t i = 0; i < pt->next; i++) {
		uint32_t p = cl_pod_of(c, pt->st[i].arg);
		if (p != NONE && !pt->st[i].done)
			pod_row(pt, (uint32_t)i, p, false);
	}
	interval_row(pt);
	for (uint32_t id = 0; id < pt->capnodes && id < c->nnodes; id++)
		if (pt->nodes[id].live)
			node_row(pt, id);
}

static void
podtrace_destroy(struct cluster *c)
{
	struct podtrace *pt = pt_of(c);
	free((void *)pt->p.pods);
	free(pt->st);
	free(pt->cls);
	free(pt->counted);
	free(pt->nodes);
	free(pt->dirty);
	free(pt);
}

const struct cl_controller podtrace_controller = {
	.name = "podtrace", .create = podtrace_create, .start = podtrace_start,
	.finish = podtrace_finish, .destroy = podtrace_destroy,
};
