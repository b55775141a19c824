/*
 * daemonset.c - one syncDaemonSet of the DaemonSet controller
 * (daemon_controller.go, update.go): claim pods, group them by target node,
 * the manage pass (podsShouldBeOnNode per node, failed-pod back-off, strays
 * on vanished nodes), then the rolling update without or with surge.
 * Pods are grouped by sorting on the target node name: O(p log p) per sync.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/daemonset.h"
#include "models/scheduler/sched.h"
#include "sim/util/util.h"

/* ---- node eligibility ----------------------------------------------------- */

struct added_tol {
	const char	*key;
	enum k8s_effect	 effect;
	bool		 host_network_only;
};
static const struct added_tol added_tols[] = {
	{ "node.kubernetes.io/not-ready", K8S_NO_EXECUTE, false },
	{ "node.kubernetes.io/unreachable", K8S_NO_EXECUTE, false },
	{ "node.kubernetes.io/disk-pressure", K8S_NO_SCHEDULE, false },
	{ "node.kubernetes.io/memory-pressure", K8S_NO_SCHEDULE, false },
	{ "node.kubernetes.io/pid-pressure", K8S_NO_SCHEDULE, false },
	{ "node.kubernetes.io/unschedulable", K8S_NO_SCHEDULE, false },
	{ "node.kubernetes.io/network-unavailable", K8S_NO_SCHEDULE, true },
};
#define NADDED (sizeof added_tols / sizeof added_tols[0])

/* The daemon pod NewPod builds: the template with the tolerations the
 * controller adds (a shallow copy; tol is the caller's buffer of room
 * template + NADDED). */
static void
daemon_pod(const struct ds_spec *ds, struct k8s_pod_spec *pod, struct k8s_toleration *tol)
{
	*pod = *ds->template;
	size_t n = ds->template->ntolerations;
	if (n > 0)
		memcpy(tol, ds->template->tolerations, n * sizeof *tol);
	for (size_t i = 0; i < NADDED; i++) {
		if (added_tols[i].host_network_only && !ds->host_network)
			continue;
		struct k8s_toleration t = { (char *)added_tols[i].key, K8S_TOL_EXISTS, NULL,
			added_tols[i].effect, false, 0 };
		tol[n++] = t;
	}
	pod->tolerations = tol;
	pod->ntolerations = n;
}

static void
should_run(const struct ds_spec *ds, const struct k8s_pod_spec *pod,
    const struct k8s_node_spec *node, bool *run, bool *cont)
{
	*run = *cont = false;
	const char *nn = ds->template->node_name;
	if (nn != NULL && *nn != '\0' && strcmp(nn, node->name) != 0)
		return;
	if (!sched_pod_node_affinity_matches(pod, node))
		return;
	if (sched_untolerated_taint(pod, node) != NULL) {
		/* Keeps running unless a NoExecute taint is not tolerated. */
		*cont = true;
		for (size_t i = 0; i < node->ntaints && *cont; i++) {
			const struct k8s_taint *t = &node->taints[i];
			if (t->effect != K8S_NO_EXECUTE)
				continue;
			bool ok = false;
			for (size_t k = 0; k < pod->ntolerations && !ok; k++)
				ok = k8s_tolerates(&pod->tolerations[k], t);
			*cont = ok;
		}
		return;
	}
	*run = *cont = true;
}

void
ds_node_should_run(const struct ds_spec *ds, const struct k8s_node_spec *node,
    bool *run, bool *cont)
{
	struct k8s_toleration *tol = xcalloc(ds->template->ntolerations + NADDED, sizeof *tol);
	struct k8s_pod_spec pod;
	daemon_pod(ds, &pod, tol);
	should_run(ds, &pod, node, run, cont);
	free(tol);
}

bool
ds_pod_available(const struct ds_pod *p, int32_t min_ready_s, sim_ns now)
{
	if (!p->ready)
		return false;
	return min_ready_s == 0 || p->ready_since + (sim_ns)min_ready_s * SIM_SEC < now;
}

static int32_t
surge_count(const struct ds_spec *ds, int32_t n)
{
	if (ds->on_delete || !ds->rolling_update)
		return 0;
	return intstr_scaled_or_zero(&ds->max_surge, n, true);
}

static int32_t
unavailable_count(const struct ds_spec *ds, int32_t n)
{
	if (ds->on_delete || !ds->rolling_update)
		return 0;
	return intstr_scaled_or_zero(&ds->max_unavailable, n, true);
}

static void
counts_for(const struct ds_spec *ds, int32_t desired, int32_t *surge, int32_t *unavail)
{
	*unavail = unavailable_count(ds, desired);
	*surge = surge_count(ds, desired);
	if (desired > 0 && *unavail == 0 && *surge == 0)
		*unavail = 1;
}

void
ds_desired_counts(const struct ds_spec *ds, const struct ds_node *nodes, size_t n,
    int32_t *desired, int32_t *max_surge, int32_t *max_unavailable)
{
	*desired = 0;
	for (size_t i = 0; i < n; i++) {
		bool run, cont;
		ds_node_should_run(ds, nodes[i].spec, &run, &cont);
		if (run)
			(*desired)++;
	}
	counts_for(ds, *desired, max_surge, max_unavailable);
}

/* ---- the sync: pods grouped by target node --------------------------------- */

struct view {
	struct ds_pod	 pod;
	size_t		 src;		/* index into in->pods; SIZE_MAX: created now */
	const char	*target;	/* node the pod is for */
};

struct group {
	const char	*name;
	size_t		 node;		/* index into in->nodes; SIZE_MAX: no such node */
	size_t		 first, n;	/* range of sorted views */
};

struct ctx {
	const struct ds_sync_in	*in;
	const struct ds_spec	*ds;
	struct ds_sync_out	*out;
	struct k8s_pod_spec	 dpod;
	struct k8s_toleration	*tol;
	bool			*run, *cont;	/* per node */
	size_t			*by_name;	/* node indices sorted by name */
	struct view		*v;
	size_t			 nv, capv;
	struct group		*g;
	size_t			 ng, capg;
	size_t			*node_group;	/* per node: group index or SIZE_MAX */
};

static int
cmp_view(const void *a, const void *b)
{
	const struct view *x = a, *y = b;
	return strcmp(x->target, y->target);
}

static size_t
find_node(const struct ctx *c, const char *name)
{
	size_t lo = 0, hi = c->in->nnodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->in->nodes[c->by_name[mid]].spec->name, name);
		if (r == 0)
			return c->by_name[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* Groups the views by target node (the views are sorted stably by target). */
static void
build_groups(struct ctx *c)
{
	/* Bottom-up merge sort by target: stable, so a node's pods keep the
	 * order of the input. */
	struct view *tmp = xcalloc(c->nv + 1, sizeof *tmp);
	if (c->nv > 0)
		memcpy(tmp, c->v, c->nv * sizeof *tmp);
	for (size_t w = 1; w < c->nv; w *= 2) {
		for (size_t lo = 0; lo < c->nv; lo += 2 * w) {
			size_t mid = lo + w < c->nv ? lo + w : c->nv;
			size_t hi = lo + 2 * w < c->nv ? lo + 2 * w : c->nv;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				c->v[k++] = cmp_view(&tmp[j], &tmp[i]) < 0 ? tmp[j++] : tmp[i++];
			while (i < mid)
				c->v[k++] = tmp[i++];
			while (j < hi)
				c->v[k++] = tmp[j++];
		}
		memcpy(tmp, c->v, c->nv * sizeof *tmp);
	}
	free(tmp);
	c->ng = 0;
	for (size_t i = 0; i < c->in->nnodes; i++)
		c->node_group[i] = SIZE_MAX;
	for (size_t i = 0; i < c->nv;) {
		size_t j = i;
		while (j < c->nv && strcmp(c->v[j].target, c->v[i].target) == 0)
			j++;
		KS_GROW(c->g, c->capg, c->ng + 1);
		struct group *g = &c->g[c->ng];
		g->name = c->v[i].target;
		g->node = find_node(c, g->name);
		g->first = i;
		g->n = j - i;
		if (g->node != SIZE_MAX)
			c->node_group[g->node] = c->ng;
		c->ng++;
		i = j;
	}
}

static bool
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static void
add_view(struct ctx *c, const struct ds_pod *p, size_t src)
{
	const char *target = !empty(p->node) ? p->node : p->affinity_node;
	if (empty(target))
		return;		/* GetTargetNodeName fails: ignored */
	KS_GROW(c->v, c->capv, c->nv + 1);
	c->v[c->nv].pod = *p;
	c->v[c->nv].src = src;
	c->v[c->nv].target = target;
	c->nv++;
}

/* ClaimPods plus getNodesToDaemonPods' filter. */
static void
claim(struct ctx *c)
{
	static const struct k8s_labels none = { NULL, 0 };
	for (size_t i = 0; i < c->in->npods; i++) {
		const struct ds_pod *p = &c->in->pods[i];
		bool match = k8s_selector_matches(c->ds->selector, p->labels ? p->labels : &none);
		bool claimed = p->owner == DS_OWNED ? match :
		    p->owner == DS_ORPHAN && match && !p->terminating;
		if (!claimed)
			continue;
		bool terminal = p->phase == DS_POD_SUCCEEDED || p->phase == DS_POD_FAILED;
		if (terminal && p->terminating)
			continue;
		add_view(c, p, i);
	}
}

static void
emit_delete(struct ds_sync_out *o, size_t pod, size_t *cap)
{
	KS_GROW(o->del, *cap, o->ndel + 1);
	o->del[o->ndel++] = pod;
}

static void
emit_create(struct ds_sync_out *o, size_t node, size_t *cap)
{
	KS_GROW(o->create, *cap, o->ncreate + 1);
	o->create[o->ncreate++] = node;
}

/* podByCreationTimestampAndPhase */
static bool
older(const struct ds_pod *a, const struct ds_pod *b)
{
	if (!empty(a->node) != !empty(b->node))
		return !empty(a->node);
	if (a->created != b->created)
		return a->created < b->created;
	return strcmp(a->name ? a->name : "", b->name ? b->name : "") < 0;
}

static void
sort_by_age(struct view **vs, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && older(&vs[j]->pod, &vs[j - 1]->pod); j--) {
			struct view *t = vs[j];
			vs[j] = vs[j - 1];
			vs[j - 1] = t;
		}
}

static bool
updated(const struct ctx *c, const struct ds_pod *p)
{
	return p->revision != NULL && c->ds->revision != NULL &&
	    strcmp(p->revision, c->ds->revision) == 0;
}

/* flowcontrol.Backoff (models/kubelet/backoff.c): 1 s doubling to 15 min,
 * an entry idle for 2 x 15 min starting over. */
static const struct backoff_policy ds_backoff_policy = { DS_BACKOFF_INITIAL,
	DS_BACKOFF_MAX, 0 };

/* IsInBackOffSinceUpdate, then Next. */
static bool
in_backoff(struct ds_backoff *b, sim_ns now)
{
	return b != NULL && backoff_since_update(&ds_backoff_policy, &b->e, now);
}

static void
ds_backoff_next(struct ds_backoff *b, sim_ns now)
{
	if (b != NULL)
		backoff_next(&ds_backoff_policy, &b->e, now, now);
}

/* podsShouldBeOnNode for node i; appends to the manage lists. */
static void
manage_node(struct ctx *c, size_t i, size_t *cre, size_t *ncre, size_t *del,
    size_t *ndel)
{
	const struct ds_sync_in *in = c->in;
	size_t gi = c->node_group[i];
	if (c->run[i] && gi == SIZE_MAX) {
		cre[(*ncre)++] = i;
		return;
	}
	if (gi == SIZE_MAX)
		return;
	const struct group *g = &c->g[gi];
	if (!c->cont[i]) {
		for (size_t k = 0; k < g->n; k++)
			if (!c->v[g->first + k].pod.terminating)
				del[(*ndel)++] = c->v[g->first + k].src;
		return;
	}
	struct view **running = xcalloc(g->n + 1, sizeof *running);
	size_t nr = 0;
	for (size_t k = 0; k < g->n; k++) {
		struct view *x = &c->v[g->first + k];
		if (x->pod.terminating)
			continue;
		if (x->pod.phase == DS_POD_FAILED) {
			struct ds_backoff *b = in->nodes[i].backoff;
			if (in_backoff(b, in->now)) {
				sim_ns wait = backoff_get(&b->e);
				if (c->out->requeue_after < 0 || wait < c->out->requeue_after)
					c->out->requeue_after = wait;
				continue;
			}
			ds_backoff_next(b, in->now);
			c->out->events++;
			del[(*ndel)++] = x->src;
		} else if (x->pod.phase == DS_POD_SUCCEEDED) {
			c->out->events++;
			del[(*ndel)++] = x->src;
		} else
			running[nr++] = x;
	}
	if (surge_count(c->ds, 1) == 0) {
		if (nr > 1) {
			sort_by_age(running, nr);
			for (size_t k = 1; k < nr; k++)
				del[(*ndel)++] = running[k]->src;
		}
	} else if (nr <= 1) {
		if (nr == 0 && c->run[i])
			cre[(*ncre)++] = i;
	} else {
		sort_by_age(running, nr);
		struct view *newest = NULL, *oldest = NULL;
		for (size_t k = 0; k < nr; k++) {
			bool up = updated(c, &running[k]->pod);
			if (up && newest == NULL)
				newest = running[k];
			else if (!up && oldest == NULL)
				oldest = running[k];
			else
				del[(*ndel)++] = running[k]->src;
		}
		if (newest != NULL && oldest != NULL &&
		    (!oldest->pod.ready ||
		    ds_pod_available(&newest->pod, c->ds->min_ready_s, in->now)))
			del[(*ndel)++] = oldest->src;
	}
	free(running);
}

/* syncNodes: at most DS_BURST_REPLICAS creates and deletes. */
static void
sync_nodes(struct ctx *c, const size_t *cre, size_t ncre, const size_t *del, size_t ndel,
    size_t *capc, size_t *capd)
{
	for (size_t k = 0; k < ncre && k < DS_BURST_REPLICAS; k++)
		emit_create(c->out, cre[k], capc);
	for (size_t k = 0; k < ndel && k < DS_BURST_REPLICAS; k++)
		emit_delete(c->out, del[k], capd);
}

/* findUpdatedPodsOnNode: false when a node holds several old or new pods. */
static bool
find_updated(const struct ctx *c, const struct group *g, struct view **nw, struct view **old)
{
	*nw = *old = NULL;
	for (size_t k = 0; g != NULL && k < g->n; k++) {
		struct view *x = &c->v[g->first + k];
		if (x->pod.terminating)
			continue;
		struct view **slot = updated(c, &x->pod) ? nw : old;
		if (*slot != NULL)
			return false;
		*slot = x;
	}
	return true;
}

/* The rolling update's node order: nodes of the list that have pods or
 * should run one, then pods' nodes that are not in the list. */
static size_t
rolling_order(const struct ctx *c, size_t *node_of, const struct group **grp_of)
{
	size_t n = 0;
	for (size_t i = 0; i < c->in->nnodes; i++) {
		size_t gi = c->node_group[i];
		if (gi == SIZE_MAX && !c->run[i])
			continue;
		node_of[n] = i;
		grp_of[n++] = gi == SIZE_MAX ? NULL : &c->g[gi];
	}
	for (size_t gi = 0; gi < c->ng; gi++)
		if (c->g[gi].node == SIZE_MAX) {
			node_of[n] = SIZE_MAX;
			grp_of[n++] = &c->g[gi];
		}
	return n;
}

static void
rolling_update(struct ctx *c, size_t *capc, size_t *capd)
{
	const struct ds_sync_in *in = c->in;
	const struct ds_spec *ds = c->ds;
	int32_t desired = 0, max_surge, max_unavail;
	for (size_t i = 0; i < in->nnodes; i++)
		if (c->run[i])
			desired++;
	counts_for(ds, desired, &max_surge, &max_unavail);
	size_t cap = in->nnodes + c->ng + 1;
	size_t *node_of = xcalloc(cap, sizeof *node_of);
	const struct group **grp_of = xcalloc(cap, sizeof *grp_of);
	size_t n = rolling_order(c, node_of, grp_of);
	size_t *del = xcalloc(cap, sizeof *del), ndel = 0;
	size_t *cand = xcalloc(cap, sizeof *cand), ncand = 0;
	size_t *cre = xcalloc(cap, sizeof *cre), ncre = 0;
	int32_t unavail = 0, surge = 0, avail = 0;
	struct view *nw, *old;
	if (max_surge == 0) {
		for (size_t k = 0; k < n; k++) {
			if (!find_updated(c, grp_of[k], &nw, &old)) {
				unavail++;
				continue;
			}
			if ((old == NULL) == (nw == NULL))
				unavail++;
			else if (nw != NULL) {
				if (!ds_pod_available(&nw->pod, ds->min_ready_s, in->now))
					unavail++;
			} else if (!ds_pod_available(&old->pod, ds->min_ready_s, in->now)) {
				del[ndel++] = old->src;
				unavail++;
			} else if (unavail < max_unavail)
				cand[ncand++] = old->src;
		}
		int32_t room = max_unavail - unavail;
		if (room < 0)
			room = 0;
		for (size_t k = 0; k < ncand && (int32_t)k < room; k++)
			del[ndel++] = cand[k];
		sync_nodes(c, NULL, 0, del, ndel, capc, capd);
		goto done;
	}
	size_t *stale = xcalloc(cap, sizeof *stale), nstale = 0;
	for (size_t k = 0; k < n; k++) {
		if (!find_updated(c, grp_of[k], &nw, &old)) {
			surge++;
			continue;
		}
		if (old != NULL ? ds_pod_available(&old->pod, ds->min_ready_s, in->now) :
		    nw != NULL && ds_pod_available(&nw->pod, ds->min_ready_s, in->now))
			avail++;
		if (old == NULL)
			continue;
		if (nw == NULL) {
			if (node_of[k] == SIZE_MAX) {
				/* upstream cannot look the node up: the pass ends */
				free(stale);
				goto done;
			}
			bool runs = c->run[node_of[k]];
			if (!ds_pod_available(&old->pod, ds->min_ready_s, in->now)) {
				if (!runs)
					del[ndel++] = old->src;
				else
					cre[ncre++] = node_of[k];
			} else if (!runs)
				stale[nstale++] = old->src;
			else if (surge < max_surge)
				cand[ncand++] = node_of[k];
			continue;
		}
		if (!ds_pod_available(&nw->pod, ds->min_ready_s, in->now)) {
			surge++;
			continue;
		}
		del[ndel++] = old->src;
	}
	int32_t deletable = avail - desired;
	for (int32_t k = 0; k < deletable && (size_t)k < nstale; k++)
		del[ndel++] = stale[k];
	int32_t room = max_surge - surge;
	if (room < 0)
		room = 0;
	for (size_t k = 0; k < ncand && (int32_t)k < room; k++)
		cre[ncre++] = cand[k];
	sync_nodes(c, cre, ncre, del, ndel, capc, capd);
	free(stale);
done:
	free(node_of);
	free(grp_of);
	free(del);
	free(cand);
	free(cre);
}

static void
compute_status(struct ctx *c)
{
	struct ds_status *st = &c->out->status;
	const struct ds_sync_in *in = c->in;
	struct view **vs = xcalloc(c->nv + 1, sizeof *vs);
	for (size_t i = 0; i < in->nnodes; i++) {
		size_t gi = c->node_group[i];
		bool scheduled = gi != SIZE_MAX && c->g[gi].n > 0;
		if (!c->run[i]) {
			if (scheduled)
				st->misscheduled++;
			continue;
		}
		st->desired++;
		if (!scheduled)
			continue;
		st->current++;
		const struct group *g = &c->g[gi];
		for (size_t k = 0; k < g->n; k++)
			vs[k] = &c->v[g->first + k];
		sort_by_age(vs, g->n);
		const struct ds_pod *p = &vs[0]->pod;
		if (p->ready) {
			st->ready++;
			if (ds_pod_available(p, c->ds->min_ready_s, in->now))
				st->available++;
		}
		if (updated(c, p))
			st->updated++;
	}
	st->unavailable = st->desired - st->available;
	free(vs);
}

void
ds_sync_out_fini(struct ds_sync_out *o)
{
	free(o->create);
	free(o->del);
	memset(o, 0, sizeof *o);
}

static int
cmp_name(const void *a, const void *b, const struct ds_node *nodes)
{
	return strcmp(nodes[*(const size_t *)a].spec->name, nodes[*(const size_t *)b].spec->name);
}

static void
sort_nodes_by_name(size_t *idx, size_t n, const struct ds_node *nodes)
{
	/* bottom-up merge sort: n may be thousands */
	size_t *tmp = xcalloc(n + 1, sizeof *tmp);
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp_name(&idx[j], &idx[i], nodes) < 0 ? idx[j++] : idx[i++];
			while (i < mid)
				tmp[k++] = idx[i++];
			while (j < hi)
				tmp[k++] = idx[j++];
		}
		memcpy(idx, tmp, n * sizeof *idx);
	}
	free(tmp);
}

void
ds_sync(const struct ds_sync_in *in, struct ds_sync_out *out)
{
	memset(out, 0, sizeof *out);
	out->requeue_after = -1;
	const struct ds_spec *ds = in->spec;
	if (ds->selector != NULL && ds->selector->set && ds->selector->nreqs == 0) {
		out->events++;		/* SelectingAll: a non-empty selector is required */
		return;
	}
	if (ds->deleting)
		return;
	struct ctx c = { .in = in, .ds = ds, .out = out };
	c.tol = xcalloc(ds->template->ntolerations + NADDED, sizeof *c.tol);
	daemon_pod(ds, &c.dpod, c.tol);
	c.run = xcalloc(in->nnodes + 1, sizeof *c.run);
	c.cont = xcalloc(in->nnodes + 1, sizeof *c.cont);
	c.by_name = xcalloc(in->nnodes + 1, sizeof *c.by_name);
	c.node_group = xcalloc(in->nnodes + 1, sizeof *c.node_group);
	for (size_t i = 0; i < in->nnodes; i++) {
		should_run(ds, &c.dpod, in->nodes[i].spec, &c.run[i], &c.cont[i]);
		c.by_name[i] = i;
	}
	sort_nodes_by_name(c.by_name, in->nnodes, in->nodes);
	claim(&c);
	build_groups(&c);
	compute_status(&c);

	size_t cap = in->nnodes + c.nv + 1, ncre = 0, ndel = 0, capc = 0, capd = 0;
	size_t *cre = xcalloc(cap, sizeof *cre), *del = xcalloc(cap, sizeof *del);
	for (size_t i = 0; i < in->nnodes; i++)
		manage_node(&c, i, cre, &ncre, del, &ndel);
	/* Unscheduled pods pinned to nodes that do not exist. */
	for (size_t gi = 0; gi < c.ng; gi++) {
		if (c.g[gi].node != SIZE_MAX)
			continue;
		for (size_t k = 0; k < c.g[gi].n; k++)
			if (empty(c.v[c.g[gi].first + k].pod.node))
				del[ndel++] = c.v[c.g[gi].first + k].src;
	}
	sync_nodes(&c, cre, ncre, del, ndel, &capc, &capd);
	bool changed = out->ncreate > 0 || out->ndel > 0;
	if (!ds->on_delete && (!changed || in->observe_own_changes)) {
		/* The pods the rolling update sees: minus deletions, plus creations. */
		bool *gone = xcalloc(in->npods + 1, sizeof *gone);
		for (size_t k = 0; k < out->ndel; k++)
			gone[out->del[k]] = true;
		size_t w = 0;
		for (size_t k = 0; k < c.nv; k++)
			if (c.v[k].src == SIZE_MAX || !gone[c.v[k].src])
				c.v[w++] = c.v[k];
		c.nv = w;
		for (size_t k = 0; k < out->ncreate; k++) {
			struct ds_pod p = { 0 };
			p.affinity_node = in->nodes[out->create[k]].spec->name;
			p.owner = DS_OWNED;
			p.revision = ds->revision;
			p.created = in->now;
			p.name = "";
			add_view(&c, &p, SIZE_MAX);
		}
		free(gone);
		build_groups(&c);
		rolling_update(&c, &capc, &capd);
	}
	free(cre);
	free(del);
	free(c.tol);
	free(c.run);
	free(c.cont);
	free(c.by_name);
	free(c.node_group);
	free(c.v);
	free(c.g);
}
