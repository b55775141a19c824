/*
 * store_pods.c - the object store's pod operations: creation (named after
 * its Deployment, as generateName does), binding, phase and Ready
 * condition, deletion (graceful for bound pods), the loss of a pod's node,
 * and the endpoints of its Service. Every transition is an `events` record
 * and a change told to the watchers; what happens next (scheduling, the
 * kubelet's steps, endpoint propagation) is the controllers'.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/store.h"

void
pod_set_phase(struct cluster *c, uint32_t p, enum pod_phase ph)
{
	struct cl_pod *pd = &c->pods[p];
	bool was_running = pd->phase == POD_RUNNING || pd->phase == POD_READY;
	bool is_running = ph == POD_RUNNING || ph == POD_READY;
	if (pd->phase == POD_PENDING && ph != POD_PENDING)
		c->pods_pending--;
	c->deploys[pd->deploy].pods_rev++;
	c->deploys[pd->deploy].pods_state_rev++;
	deploy_rev_sync(c, pd->deploy);
	if (was_running && !is_running)
		c->pods_running--;
	if (!was_running && is_running)
		c->pods_running++;
	if (!pd->deleting && (pd->phase == POD_READY) != (ph == POD_READY)) {
		if (ph == POD_READY)
			c->deploys[pd->deploy].nready++;
		else
			c->deploys[pd->deploy].nready--;
	}
	pd->phase = ph;
	pod_run_sync(c, p);
}

/* Twice the room for pods (and their use), the pods 64-byte aligned so that each pod's
 * first 64 bytes (the fields every pass reads) are one cache line. */
static void
pods_grow(struct cluster *c)
{
	size_t cap = c->cappods ? c->cappods * 2 : 64;
	void *mem = NULL;
	if (cap > SIZE_MAX / sizeof *c->pods ||
	    posix_memalign(&mem, 64, cap * sizeof *c->pods) != 0) {
		ks_fatal("out of memory allocating %zu pods", cap);
	}
	if (c->npods > 0)
		memcpy(mem, c->pods, c->npods * sizeof *c->pods);
	free(c->pods);
	c->pods = mem;
	c->use = xreallocarray(c->use, cap, sizeof *c->use);
	c->run = xreallocarray(c->run, cap, sizeof *c->run);
	c->cappods = cap;
}

/* A pod of deploy: of ReplicaSet rs (NONE: none), named (NULL: generated,
 * as generateName does), from spec (NULL: the ReplicaSet's or the
 * workload's template), in slot. */
static uint32_t
pod_create_full(struct cluster *c, uint32_t deploy, uint32_t rs, const char *name,
    const struct k8s_pod_spec *spec, uint32_t slot)
{
	uint32_t p;
	if (c->free_pods != NONE) {
		p = c->free_pods;
		c->free_pods = c->pods[p].node_next;
	} else {
		if (c->npods == c->cappods)
			pods_grow(c);
		p = (uint32_t)c->npods++;
		memset(&c->pods[p], 0, sizeof c->pods[p]);
		c->run[p] = (struct cl_pod_run){ 0 };
	}
	struct cl_pod *pd = &c->pods[p];
	uint32_t gen = pd->gen + 1;
	char *oldname = pd->name;
	free(pd->why_pending);
	memset(pd, 0, sizeof *pd);
	KS_ASSERT(!c->run[p].sampled && !c->run[p].checked);	/* it left first */
	c->use[p] = (struct cl_pod_use){ 0 };
	free(oldname);
	pd->slot = slot;
	pd->daemon = c->deploys[deploy].d->kind == K8S_KIND_DAEMONSET;
	pd->id = p;
	pd->gen = gen;
	pd->deploy = deploy;
	pd->node = NONE;
	pd->assumed = NONE;
	pd->node_prev = pd->node_next = NONE;
	pd->ep_index = NONE;
	pd->created = sim_now(c->sim);
	pd->phase = POD_PENDING;
	pod_run_sync(c, p);
	c->pods_pending++;
	struct cl_deploy *d = &c->deploys[deploy];
	if (name != NULL)
		pd->name = xstrdup(name);
	else
		pd->name = xasprintf("%s-%05u", d->d->name, d->name_seq++);
	pd->rs = rs;
	pd->spec = spec != NULL ? spec : rs != NONE && c->rss[rs].tmpl != NULL ?
	    c->rss[rs].tmpl : deploy_template(c, deploy);
	if (rs != NONE) {
		pd->behave = c->rss[rs].behave;
		c->rss[rs].npods++;
	}
	struct k8s_resources req;
	k8s_pod_request(pd->spec, false, &req);
	pd->req_cpu_milli = req.cpu_milli;
	pd->req_memory = req.memory;
	k8s_res_free(&req);
	pd->dep_prev = NONE;
	pd->dep_next = d->first_pod;
	if (d->first_pod != NONE)
		c->pods[d->first_pod].dep_prev = p;
	d->first_pod = p;
	d->npods++;
	d->pods_rev++;
	d->pods_state_rev++;
	deploy_rev_sync(c, deploy);
	if (d->d->kind == K8S_KIND_DEPLOYMENT)
		cl_event(c, "PodCreated", pd->name, "deployment %s", d->d->name);
	else
		cl_event(c, "PodCreated", pd->name, "%s %s", k8s_kind_name(d->d->kind),
		    d->d->name);
	cl_notify(c, CL_POD_ADDED, p);
	return p;
}

uint32_t
pod_create(struct cluster *c, uint32_t deploy)
{
	return pod_create_full(c, deploy, NONE, NULL, NULL, 0);
}

uint32_t
pod_create_rs(struct cluster *c, uint32_t deploy, uint32_t rs)
{
	return pod_create_full(c, deploy, rs, NULL, NULL, 0);
}

uint32_t
pod_create_as(struct cluster *c, uint32_t deploy, const char *name,
    const struct k8s_pod_spec *spec, uint32_t slot)
{
	return pod_create_full(c, deploy, NONE, name, spec, slot);
}

uint32_t
rs_create(struct cluster *c, uint32_t deploy, const struct k8s_pod_spec *tmpl,
    const struct cl_behavior *behave, uint64_t hash, int64_t revision)
{
	KS_GROW(c->rss, c->caprss, c->nrss + 1);
	struct cl_rs *r = &c->rss[c->nrss];
	memset(r, 0, sizeof *r);
	r->deploy = deploy;
	r->tmpl = tmpl;
	r->behave = behave;
	r->hash = hash;
	r->revision = revision;
	r->created = sim_now(c->sim);
	/* pod-template-hash is 10 safe-encoded characters upstream; 10 hex
	 * digits of the template's hash here. */
	r->name = xasprintf("%s-%010llx", c->deploys[deploy].d->name,
	    (unsigned long long)(hash & 0xffffffffffULL));
	return (uint32_t)c->nrss++;
}


void
pod_bind(struct cluster *c, uint32_t p, uint32_t node)
{
	struct cl_pod *pd = &c->pods[p];
	struct cl_node *n = &c->nodes[node];
	KS_ASSERT(pd->node == NONE);
	pd->node = node;
	pd->node_prev = NONE;
	pd->node_next = n->first_pod;
	if (n->first_pod != NONE)
		c->pods[n->first_pod].node_prev = p;
	n->first_pod = p;
	n->npods++;
	pod_set_phase(c, p, POD_BOUND);
	pd->lost = !n->up;
	pod_run_sync(c, p);
	cl_notify(c, CL_POD_BOUND, p);
}

void
pod_set_ready(struct cluster *c, uint32_t p, bool ready)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->ready_cond == ready)
		return;
	pd->ready_cond = ready;
	pd->was_ready |= ready;
	c->deploys[pd->deploy].ever_ready |= ready;
	c->deploys[pd->deploy].pods_rev++;
	c->deploys[pd->deploy].pods_state_rev++;
	deploy_rev_sync(c, pd->deploy);
	pd->ready_changed = sim_now(c->sim);
	if (ready && pd->phase == POD_RUNNING)
		pod_set_phase(c, p, POD_READY);
	else if (!ready && pd->phase == POD_READY)
		pod_set_phase(c, p, POD_RUNNING);
	cl_event(c, ready ? "PodReady" : "PodNotReady", pd->name, "%s",
	    pd->node != NONE ? c->nodes[pd->node].spec->name : "");
	cl_notify(c, CL_POD_READY, p);
}

void
pod_node_lost(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	pd->lost = true;
	pod_run_sync(c, p);
	sim_cancel(c->sim, pd->timer);
	pd->timer = 0;
	cl_notify(c, CL_POD_LOST, p);
}

void
pod_free(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	sim_cancel(c->sim, pd->timer);
	pd->timer = 0;
	cl_notify(c, CL_POD_REMOVED, p);
	if (pd->node != NONE) {
		struct cl_node *n = &c->nodes[pd->node];
		if (pd->node_prev != NONE)
			c->pods[pd->node_prev].node_next = pd->node_next;
		else
			n->first_pod = pd->node_next;
		if (pd->node_next != NONE)
			c->pods[pd->node_next].node_prev = pd->node_prev;
		n->npods--;
		pd->node = NONE;
	}
	struct cl_deploy *d = &c->deploys[pd->deploy];
	if (pd->dep_prev != NONE)
		c->pods[pd->dep_prev].dep_next = pd->dep_next;
	else
		d->first_pod = pd->dep_next;
	if (pd->dep_next != NONE)
		c->pods[pd->dep_next].dep_prev = pd->dep_prev;
	if (!pd->deleting) {
		d->npods--;
		if (pd->rs != NONE)
			c->rss[pd->rs].npods--;
	}
	cl_event(c, "PodDeleted", pd->name, "%s", pd->lost ? "node was down" : "");
	pod_set_phase(c, p, POD_FREE);
	pd->gen++;
	pd->node_next = c->free_pods;
	c->free_pods = p;
}

void
pod_delete(struct cluster *c, uint32_t p, const char *reason)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->deleting)
		return;
	if (pd->phase == POD_READY)
		c->deploys[pd->deploy].nready--;
	pd->deleting = true;
	pd->deleted_at = sim_now(c->sim);
	c->deploys[pd->deploy].pods_rev++;
	c->deploys[pd->deploy].pods_state_rev++;
	deploy_rev_sync(c, pd->deploy);
	c->deploys[pd->deploy].npods--;
	if (pd->rs != NONE)
		c->rss[pd->rs].npods--;
	cl_event(c, "PodDeleting", pd->name, "%s", reason);
	cl_notify(c, CL_POD_DELETING, p);
	if (pd->node == NONE) {
		pod_free(c, p);
		return;
	}
	if (pd->phase != POD_TERMINATING) {
		pd->ready_cond = false;
		pod_set_phase(c, p, POD_TERMINATING);
	}
	cl_notify(c, CL_POD_TERMINATING, p);
}

void
pod_exit(struct cluster *c, uint32_t p, bool failed)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->deleting)
		return;
	pd->succeeded = !failed;
	pd->failed = failed;
	cl_event(c, failed ? "PodFailed" : "PodSucceeded", pd->name, "%s",
	    pd->node != NONE ? c->nodes[pd->node].spec->name : "");
	if (pd->ready_cond)
		pod_set_ready(c, p, false);
	pod_delete(c, p, failed ? "Failed" : "Completed");
}

void
pod_set_why_pending(struct cluster *c, uint32_t p, const char *why)
{
	struct cl_pod *pd = &c->pods[p];
	free(pd->why_pending);
	pd->why_pending = why != NULL ? xstrdup(why) : NULL;
}

/* ---- endpoints -------------------------------------------------------------- */

void
endpoint_add(struct cluster *c, uint32_t p)
{
	uint32_t s = c->deploys[c->pods[p].deploy].service;
	cl_notify(c, CL_SERVICE_ENDPOINTS, s);
	struct cl_service *sv = &c->services[s];
	KS_GROW(sv->endpoints, sv->capendpoints, sv->nendpoints + 1);
	c->pods[p].ep_index = (uint32_t)sv->nendpoints;
	sv->endpoints[sv->nendpoints++] = p;
	sv->ep_version++;
}

void
endpoint_remove(struct cluster *c, uint32_t p)
{
	uint32_t s = c->deploys[c->pods[p].deploy].service;
	cl_notify(c, CL_SERVICE_ENDPOINTS, s);
	struct cl_service *sv = &c->services[s];
	uint32_t i = c->pods[p].ep_index;
	KS_ASSERT(i < sv->nendpoints && sv->endpoints[i] == p);
	uint32_t last = sv->endpoints[--sv->nendpoints];
	sv->endpoints[i] = last;
	c->pods[last].ep_index = i;
	c->pods[p].ep_index = NONE;
	sv->ep_version++;
}
