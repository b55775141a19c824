/*
 * store.c - the object store's watchers, records and node operations: node
 * creation from a pool's template, the Ready state and the taints that
 * follow it, the machine stopping and starting, deletion (its pods go with
 * it), cost accrual, and Deployment scaling. Pod operations are in
 * store_pods.c. Every change is told to the registered watchers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/store.h"

void
cl_watch(struct cluster *c, unsigned mask, cl_watch_fn *fn, void *ctx)
{
	for (int k = 0; k < CL_NCHANGES; k++) {
		if (!(mask & CL_ON(k)))
			continue;
		c->watch[k] = xreallocarray(c->watch[k], c->nwatch[k] + 1, sizeof *c->watch[k]);
		c->watch[k][c->nwatch[k]++] = (struct cl_watcher){ fn, ctx };
	}
}

void
cl_notify(struct cluster *c, enum cl_change what, uint32_t id)
{
	for (size_t i = 0; i < c->nwatch[what]; i++)
		c->watch[what][i].fn(c->watch[what][i].ctx, what, id);
}

void
cl_event(struct cluster *c, const char *kind, const char *object, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	struct probe_val v[4] = {
		PV_REAL(sim_ns_to_s(sim_now(c->sim))), PV_TEXT(kind), PV_TEXT(object),
		PV_TEXT(detail),
	};
	probe_emit(&c->probes, "events", v, 4);
}

void
cl_cost_update(struct cluster *c)
{
	sim_ns now = sim_now(c->sim);
	c->cost_usd += c->price_rate * sim_ns_to_s(now - c->cost_at);
	c->cost_at = now;
}

uint32_t
cl_pod_of(const struct cluster *c, uint64_t arg)
{
	uint32_t p = (uint32_t)arg;
	if (p >= c->npods || c->pods[p].gen != (uint32_t)(arg >> 32) ||
	    c->pods[p].phase == POD_FREE)
		return NONE;
	return p;
}

/* ---- nodes -------------------------------------------------------------- */

static void
node_billing(struct cluster *c, struct cl_node *n, bool on)
{
	cl_cost_update(c);
	double rate = c->pools[n->pool].p.price_hour / 3600.0;
	c->price_rate += on ? rate : -rate;
}

/* The node lifecycle controller's taints follow the node's state: a node
 * that is not Ready carries node.kubernetes.io/unreachable with effects
 * NoSchedule and NoExecute (TaintNodesByCondition, taint-based eviction). */
static void
node_sync_taints(struct cl_node *n)
{
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
	if (n->state != NODE_READY) {
		n->spec->taints = xreallocarray(n->spec->taints, keep + 2, sizeof *n->spec->taints);
		n->spec->taints[keep].key = xstrdup(key);
		n->spec->taints[keep].value = NULL;
		n->spec->taints[keep].effect = K8S_NO_SCHEDULE;
		n->spec->taints[keep + 1].key = xstrdup(key);
		n->spec->taints[keep + 1].value = NULL;
		n->spec->taints[keep + 1].effect = K8S_NO_EXECUTE;
		n->spec->ntaints = keep + 2;
	}
}

uint32_t
node_create(struct cluster *c, uint32_t pool, bool initial)
{
	struct cl_pool *pl = &c->pools[pool];
	KS_GROW(c->nodes, c->capnodes, c->nnodes + 1);
	uint32_t id = (uint32_t)c->nnodes++;
	struct cl_node *n = &c->nodes[id];
	memset(n, 0, sizeof *n);
	n->id = id;
	n->pool = pool;
	n->first_pod = NONE;
	n->spec = xcalloc(1, sizeof *n->spec);
	n->spec->name = xasprintf("%s-%u", pl->p.name, pl->nodes_made++);
	k8s_labels_copy(&n->spec->labels, &pl->tmpl.labels);
	k8s_labels_set(&n->spec->labels, "kubernetes.io/hostname", n->spec->name);
	if (pl->p.nzones > 0) {
		const char *zone = pl->p.zones[pl->next_zone++ % pl->p.nzones];
		k8s_labels_set(&n->spec->labels, "topology.kubernetes.io/zone", zone);
		k8s_labels_set(&n->spec->labels, "failure-domain.beta.kubernetes.io/zone", zone);
	}
	if (pl->tmpl.ntaints > 0) {
		n->spec->taints = xcalloc(pl->tmpl.ntaints + 2, sizeof *n->spec->taints);
		for (size_t i = 0; i < pl->tmpl.ntaints; i++) {
			n->spec->taints[i].key = xstrdup(pl->tmpl.taints[i].key);
			n->spec->taints[i].value = pl->tmpl.taints[i].value ?
			    xstrdup(pl->tmpl.taints[i].value) : NULL;
			n->spec->taints[i].effect = pl->tmpl.taints[i].effect;
		}
		n->spec->ntaints = pl->tmpl.ntaints;
	}
	k8s_res_copy(&n->spec->allocatable, &pl->tmpl.allocatable);
	n->initial = initial;
	n->billed_from = sim_now(c->sim);
	c->nodes_live++;
	if (initial) {
		n->up = true;
		n->state = NODE_READY;
		c->nodes_ready++;
	} else {
		n->state = NODE_PROVISIONING;
		node_sync_taints(n);
	}
	node_billing(c, n, true);
	cl_notify(c, CL_NODE_ADDED, id);
	return id;
}

uint32_t
node_create_given(struct cluster *c, uint32_t pool, const struct k8s_node_spec *spec)
{
	KS_GROW(c->nodes, c->capnodes, c->nnodes + 1);
	uint32_t id = (uint32_t)c->nnodes++;
	struct cl_node *n = &c->nodes[id];
	memset(n, 0, sizeof *n);
	n->id = id;
	n->pool = pool;
	n->first_pod = NONE;
	n->spec = xcalloc(1, sizeof *n->spec);
	n->spec->name = xstrdup(spec->name);
	k8s_labels_copy(&n->spec->labels, &spec->labels);
	if (k8s_labels_get(&n->spec->labels, "kubernetes.io/hostname") == NULL)
		k8s_labels_set(&n->spec->labels, "kubernetes.io/hostname", spec->name);
	n->spec->taints = xcalloc(spec->ntaints + 2, sizeof *n->spec->taints);
	for (size_t i = 0; i < spec->ntaints; i++) {
		n->spec->taints[i].key = xstrdup(spec->taints[i].key);
		n->spec->taints[i].value = spec->taints[i].value ?
		    xstrdup(spec->taints[i].value) : NULL;
		n->spec->taints[i].effect = spec->taints[i].effect;
	}
	n->spec->ntaints = spec->ntaints;
	k8s_res_copy(&n->spec->allocatable, &spec->allocatable);
	n->spec->unschedulable = spec->unschedulable;
	if (spec->nimages > 0) {
		n->spec->images = xcalloc(spec->nimages, sizeof *n->spec->images);
		n->spec->image_sizes = xcalloc(spec->nimages, sizeof *n->spec->image_sizes);
		for (size_t i = 0; i < spec->nimages; i++) {
			n->spec->images[i] = xstrdup(spec->images[i]);
			n->spec->image_sizes[i] = spec->image_sizes ? spec->image_sizes[i] : 0;
		}
		n->spec->nimages = spec->nimages;
	}
	n->initial = true;
	n->billed_from = sim_now(c->sim);
	n->up = true;
	n->state = NODE_READY;
	c->nodes_ready++;
	c->nodes_live++;
	node_billing(c, n, true);
	cl_notify(c, CL_NODE_ADDED, id);
	return id;
}

void
node_set_state(struct cluster *c, uint32_t id, enum node_state state)
{
	struct cl_node *n = &c->nodes[id];
	if (n->state == NODE_READY && state != NODE_READY)
		c->nodes_ready--;
	if (n->state != NODE_READY && state == NODE_READY)
		c->nodes_ready++;
	if (n->state == NODE_DELETED && state != NODE_DELETED)
		c->nodes_live++;
	if (n->state != NODE_DELETED && state == NODE_DELETED)
		c->nodes_live--;
	n->state = state;
	node_sync_taints(n);
	cl_notify(c, CL_NODE_UPDATED, id);
}

void
node_set_down(struct cluster *c, uint32_t id)
{
	struct cl_node *n = &c->nodes[id];
	n->up = false;
	n->down_since = sim_now(c->sim);
	uint32_t p = n->first_pod;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		pod_node_lost(c, p);
		p = next;
	}
	cl_notify(c, CL_NODE_DOWN, id);
}

void
node_set_up(struct cluster *c, uint32_t id)
{
	c->nodes[id].up = true;
	cl_notify(c, CL_NODE_UP, id);
}

void
node_delete(struct cluster *c, uint32_t id, const char *reason)
{
	struct cl_node *n = &c->nodes[id];
	KS_ASSERT(n->state != NODE_DELETED);
	/* Pods still bound go with the node; a pod the scheduler assumed onto
	 * it is deleted too (its ReplicaSet replaces both). */
	uint32_t p = n->first_pod;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		pod_delete(c, p, "NodeDeleted");
		if (c->pods[p].phase != POD_FREE && c->pods[p].node == id)
			pod_free(c, p);
		p = next;
	}
	for (size_t i = 0; i < c->npods && c->npods_assumed > 0; i++)
		if (c->pods[i].phase == POD_PENDING && c->pods[i].assumed == id)
			pod_delete(c, (uint32_t)i, "NodeDeleted");
	if (n->state == NODE_READY)
		c->nodes_ready--;
	c->nodes_live--;
	n->state = NODE_DELETED;
	n->up = false;
	cl_notify(c, CL_NODE_REMOVED, id);
	node_billing(c, n, false);
	cl_event(c, "NodeDeleted", n->spec->name, "%s", reason);
}

/* ---- deployments ---------------------------------------------------------- */

void
deploy_scale(struct cluster *c, uint32_t deploy, int32_t replicas)
{
	c->deploys[deploy].replicas = replicas;
	deploy_rev_sync(c, deploy);
	cl_notify(c, CL_DEPLOY_SCALED, deploy);
}

const struct k8s_pod_spec *
deploy_template(const struct cluster *c, uint32_t deploy)
{
	const struct cl_deploy *d = &c->deploys[deploy];
	return d->cur != NULL ? d->cur : &d->spec;
}

int64_t
deploy_cpu_request_plain(const struct cluster *c, uint32_t deploy)
{
	struct k8s_resources r;
	k8s_pod_request(deploy_template(c, deploy), false, &r);
	int64_t milli = r.cpu_milli;
	k8s_res_free(&r);
	return milli;
}

/* The interval rows ask for it per Service per interval: the sum over the
 * containers allocates and reads the template's scattered lists, which
 * change only with the template. */
int64_t
deploy_cpu_request(struct cluster *c, uint32_t deploy)
{
	struct cl_deploy *d = &c->deploys[deploy];
	const struct k8s_pod_spec *t = deploy_template(c, deploy);
	if (d->req_tmpl != t) {
		d->req_cpu_milli = deploy_cpu_request_plain(c, deploy);
		d->req_tmpl = t;
	} else if (c->interval_verify) {
		int64_t plain = deploy_cpu_request_plain(c, deploy);
		if (plain != d->req_cpu_milli) {
			fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: Deployment %s's memo of "
			    "its cpu request %lld m, its template's %lld m\n", d->d->name,
			    (long long)d->req_cpu_milli, (long long)plain);
			abort();
		}
	}
	return d->req_cpu_milli;
}

uint32_t
deploy_ready(const struct cluster *c, uint32_t deploy)
{
	return c->deploys[deploy].nready;
}

uint32_t
deploy_named(const struct cluster *c, const char *ns, const char *name)
{
	int64_t dep;
	if (ns == NULL)
		return ks_strmap_get(&c->deploy_names, name, &dep) ? (uint32_t)dep : NONE;
	char *key = xasprintf("%s\x1f%s", ns, name);
	bool found = ks_strmap_get(&c->deploy_qnames, key, &dep);
	free(key);
	return found ? (uint32_t)dep : NONE;
}
