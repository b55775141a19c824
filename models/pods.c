/*
 * pods.c - pod lifecycle and the controllers around it: the ReplicaSet
 * controller keeping a Deployment's replicas (creating pods through the API,
 * deleting surplus ones in upstream's ranking), the kubelet (image pull,
 * container start, readiness probe worker ticks, termination with a grace
 * period) and the endpoints controller adding and dropping Ready pods after
 * a propagation delay. Every transition is an `events` record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster_int.h"

#define POD_ARG(c, p)	((uint64_t)(p) | ((uint64_t)(c)->pods[p].gen << 32))

/* The pod an event was for, or NONE when the slot moved on since. */
static uint32_t
pod_of(struct cluster *c, uint64_t arg)
{
	uint32_t p = (uint32_t)arg;
	if (p >= c->npods || c->pods[p].gen != (uint32_t)(arg >> 32) ||
	    c->pods[p].phase == POD_FREE)
		return NONE;
	return p;
}

static void
pod_phase(struct cluster *c, uint32_t p, enum pod_phase ph)
{
	struct cl_pod *pd = &c->pods[p];
	bool was_running = pd->phase == POD_RUNNING || pd->phase == POD_READY;
	bool is_running = ph == POD_RUNNING || ph == POD_READY;
	if (pd->phase == POD_PENDING && ph != POD_PENDING)
		c->pods_pending--;
	if (was_running && !is_running)
		c->pods_running--;
	if (!was_running && is_running)
		c->pods_running++;
	pd->phase = ph;
}

/* ---- endpoints ------------------------------------------------------------ */

static bool
pod_wants_endpoint(const struct cl_pod *pd)
{
	return pd->ready_cond && !pd->deleting && pd->node != NONE;
}

static void
endpoint_add(struct cluster *c, struct cl_service *sv, uint32_t p)
{
	KS_GROW(sv->endpoints, sv->capendpoints, sv->nendpoints + 1);
	c->pods[p].ep_index = (uint32_t)sv->nendpoints;
	sv->endpoints[sv->nendpoints++] = p;
	sv->ep_version++;
}

static void
endpoint_remove(struct cluster *c, struct cl_service *sv, uint32_t p)
{
	uint32_t i = c->pods[p].ep_index;
	KS_ASSERT(i < sv->nendpoints && sv->endpoints[i] == p);
	uint32_t last = sv->endpoints[--sv->nendpoints];
	sv->endpoints[i] = last;
	c->pods[last].ep_index = i;
	c->pods[p].ep_index = NONE;
	sv->ep_version++;
}

static void pod_maybe_finish(struct cluster *c, uint32_t p);

static void
on_endpoints_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->ep_timer = 0;
	uint32_t s = c->deploys[pd->deploy].service;
	if (s == NONE)
		return;
	struct cl_service *sv = &c->services[s];
	bool want = pod_wants_endpoint(pd);
	if (want && pd->ep_index == NONE) {
		endpoint_add(c, sv, p);
		cl_event(c, "EndpointAdded", pd->name, "service %s, %zu endpoints",
		    sv->s->name, sv->nendpoints);
	} else if (!want && pd->ep_index != NONE) {
		endpoint_remove(c, sv, p);
		cl_event(c, "EndpointRemoved", pd->name, "service %s, %zu endpoints",
		    sv->s->name, sv->nendpoints);
	}
	if (pd->deleting)
		pod_maybe_finish(c, p);
}

/* Schedules the endpoints controller's view to catch up with the pod. */
static void
endpoints_touch(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->ep_timer != 0 || c->deploys[pd->deploy].service == NONE)
		return;
	sim_ns d = sim_dist_sample_ns(&c->t.endpoints_latency, c->rng_cp);
	pd->ep_timer = sim_after(c->sim, d, PRIO_CONTROLLER, on_endpoints_sync, c, POD_ARG(c, p));
}

void
pod_set_ready(struct cluster *c, uint32_t p, bool ready)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->ready_cond == ready)
		return;
	pd->ready_cond = ready;
	pd->ready_changed = sim_now(c->sim);
	if (ready && pd->phase == POD_RUNNING)
		pod_phase(c, p, POD_READY);
	else if (!ready && pd->phase == POD_READY)
		pod_phase(c, p, POD_RUNNING);
	cl_event(c, ready ? "PodReady" : "PodNotReady", pd->name, "%s",
	    pd->node != NONE ? c->nodes[pd->node].spec->name : "");
	endpoints_touch(c, p);
}

/* ---- kubelet ---------------------------------------------------------------- */

static const struct k8s_probe *
pod_readiness(const struct cluster *c, const struct cl_pod *pd)
{
	const struct k8s_pod_spec *s = &c->deploys[pd->deploy].spec;
	for (size_t i = 0; i < s->ncontainers; i++)
		if (s->containers[i].readiness.set)
			return &s->containers[i].readiness;
	return NULL;
}

static void
on_probe_success(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (c->pods[p].phase == POD_RUNNING && !c->pods[p].lost)
		pod_set_ready(c, p, true);
}

/*
 * The kubelet's readiness worker probes at once when it starts and then
 * every periodSeconds; a probe before initialDelaySeconds have passed since
 * the container started (whole seconds, truncated) keeps the result as it
 * is. The first counted success makes the pod Ready (successThreshold
 * consecutive successes; the application is assumed healthy).
 */
static sim_ns
first_ready_time(const struct k8s_probe *pr, sim_ns origin, sim_ns started)
{
	sim_ns period = (sim_ns)(pr->period_s > 0 ? pr->period_s : 10) * SIM_SEC;
	sim_ns t = origin;
	if (t < started)
		t += ((started - origin + period - 1) / period) * period;
	while ((t - started) / SIM_SEC < pr->initial_delay_s)
		t += period;
	int32_t succ = pr->success_threshold > 0 ? pr->success_threshold : 1;
	return ks_sat_add(t, ks_sat_mul(succ - 1, period));	/* 2^31 x 10 years */
}

static void
on_container_started(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->lost || pd->phase != POD_CREATING)
		return;
	sim_ns now = sim_now(sim);
	pd->started = now;
	pd->cpu_at_scrape = pd->cpu_seconds;
	pd->has_metric = false;
	pod_phase(c, p, POD_RUNNING);
	cl_event(c, "PodRunning", pd->name, "%s", c->nodes[pd->node].spec->name);
	const struct k8s_probe *pr = pod_readiness(c, pd);
	if (pr == NULL) {
		pod_set_ready(c, p, true);
		return;
	}
	sim_ns at = first_ready_time(pr, pd->probe_origin, now);
	pd->timer = sim_at(sim, at, PRIO_POD, on_probe_success, c, POD_ARG(c, p));
}

static bool
node_has_image(struct cl_node *n, const char *image)
{
	for (size_t i = 0; i < n->nimages; i++)
		if (strcmp(n->images[i], image) == 0)
			return true;
	return false;
}

/* ContainerCreating: pull the images the node lacks, then start. */
static void
pod_start_containers(struct cluster *c, uint32_t p, bool pull)
{
	struct cl_pod *pd = &c->pods[p];
	struct cl_node *n = &c->nodes[pd->node];
	pod_phase(c, p, POD_CREATING);
	pd->probe_origin = sim_now(c->sim);
	sim_ns d = 0;
	const struct k8s_pod_spec *s = &c->deploys[pd->deploy].spec;
	bool pulled = false;
	for (size_t i = 0; pull && i < s->ncontainers; i++) {
		const char *img = s->containers[i].image;
		if (img == NULL || node_has_image(n, img))
			continue;
		if (!pulled)
			d += sim_dist_sample_ns(&c->t.image_pull, c->rng_kubelet);
		pulled = true;
		KS_GROW(n->images, n->capimages, n->nimages + 1);
		n->images[n->nimages++] = xstrdup(img);
	}
	d += sim_dist_sample_ns(&c->t.container_start, c->rng_kubelet);
	cl_event(c, "PodCreating", pd->name, "%s%s", n->spec->name, pulled ? ", pulling image" : "");
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_container_started, c, POD_ARG(c, p));
}

static void
on_kubelet_sees_pod(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->phase != POD_BOUND || pd->lost || pd->deleting)
		return;
	pod_start_containers(c, p, true);
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
	pod_phase(c, p, POD_BOUND);
	pd->lost = !n->up;
	sim_ns d = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_kubelet_sees_pod, c, POD_ARG(c, p));
}

void
pod_node_lost(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	pd->lost = true;
	sim_cancel(c->sim, pd->timer);
	pd->timer = 0;
	serve_pod_gone(c, p);
}

void
pod_node_back(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	pd->lost = false;
	if (pd->deleting) {
		/* The kubelet confirms the deletion at once. */
		pod_free(c, p);
		return;
	}
	if (pd->ready_cond)
		pod_set_ready(c, p, false);
	if (pd->phase == POD_READY)
		pod_phase(c, p, POD_RUNNING);
	/* Containers restart; images are still on the node. */
	pod_start_containers(c, p, false);
}

/* ---- creation and deletion ---------------------------------------------------- */

static void
on_pod_created(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (!c->pods[p].deleting)
		sq_add(c, p);
}

uint32_t
pod_create(struct cluster *c, uint32_t deploy)
{
	uint32_t p;
	if (c->free_pods != NONE) {
		p = c->free_pods;
		c->free_pods = c->pods[p].node_next;
	} else {
		KS_GROW(c->pods, c->cappods, c->npods + 1);
		p = (uint32_t)c->npods++;
		memset(&c->pods[p], 0, sizeof c->pods[p]);
	}
	struct cl_pod *pd = &c->pods[p];
	uint32_t gen = pd->gen + 1;
	char *oldname = pd->name;
	memset(pd, 0, sizeof *pd);
	free(oldname);
	pd->id = p;
	pd->gen = gen;
	pd->deploy = deploy;
	pd->node = NONE;
	pd->assumed = NONE;
	pd->sched_handle = -1;
	pd->node_prev = pd->node_next = NONE;
	pd->ep_index = NONE;
	pd->created = sim_now(c->sim);
	pd->phase = POD_PENDING;
	c->pods_pending++;
	struct cl_deploy *d = &c->deploys[deploy];
	pd->name = xasprintf("%s-%05u", d->d->name, d->name_seq++);
	pd->spec = deploy_template(c, deploy);
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
	serving_pod_init(&pd->sv);
	cl_event(c, "PodCreated", pd->name, "deployment %s", d->d->name);
	/* The create reaches etcd, then the scheduler's watch. */
	sim_ns lat = sim_dist_sample_ns(&c->t.api_latency, c->rng_cp) +
	    sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
	pd->timer = sim_after(c->sim, lat, PRIO_POD, on_pod_created, c, POD_ARG(c, p));
	return p;
}

/* Unlinks and frees a pod's slot; its node's resources are released. */
void
pod_free(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	sim_cancel(c->sim, pd->timer);
	sim_cancel(c->sim, pd->ep_timer);
	if (pd->ep_index != NONE) {
		uint32_t s = c->deploys[pd->deploy].service;
		endpoint_remove(c, &c->services[s], p);
	}
	serve_pod_gone(c, p);
	if (pd->sched_handle >= 0) {
		sched_node_remove_pod(c->sched, pd->sched_handle);
		pd->sched_handle = -1;
		pd->assumed = NONE;
		sq_cluster_event(c);
	}
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
	if (!pd->deleting)
		d->npods--;
	cl_event(c, "PodDeleted", pd->name, "%s", pd->lost ? "node was down" : "");
	pod_phase(c, p, POD_FREE);
	pd->gen++;
	pd->node_next = c->free_pods;
	c->free_pods = p;
}

static void
on_pod_exited(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (!c->pods[p].lost)
		pod_free(c, p);
}

/* A deleting pod exits once out of the endpoints: SIGTERM, shutdown,
 * bounded by terminationGracePeriodSeconds. */
static void
pod_maybe_finish(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->ep_index != NONE || pd->ep_timer != 0 || pd->timer != 0 || pd->lost)
		return;
	sim_ns d = sim_dist_sample_ns(&c->t.shutdown, c->rng_kubelet);
	sim_ns grace = c->deploys[pd->deploy].spec.termination_grace_s * SIM_SEC;
	if (d > grace)
		d = grace;
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_pod_exited, c, POD_ARG(c, p));
}

void
pod_delete(struct cluster *c, uint32_t p, const char *reason)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->deleting)
		return;
	pd->deleting = true;
	pd->deleted_at = sim_now(c->sim);
	c->deploys[pd->deploy].npods--;
	cl_event(c, "PodDeleting", pd->name, "%s", reason);
	deploy_sync_soon(c, pd->deploy);
	if (pd->node == NONE) {
		pod_free(c, p);
		return;
	}
	if (pd->sched_handle >= 0)
		sched_pod_set_terminating(c->sched, pd->sched_handle, true);
	if (pd->phase != POD_TERMINATING) {
		if (pd->ready_cond)
			pd->ready_cond = false;
		pod_phase(c, p, POD_TERMINATING);
	}
	if (pd->lost)
		return;	/* finishes when the node comes back */
	sim_cancel(c->sim, pd->timer);
	pd->timer = 0;
	if (pd->ep_index != NONE)
		endpoints_touch(c, p);
	else
		pod_maybe_finish(c, p);
}

/* ---- the ReplicaSet controller ------------------------------------------------ */

uint32_t
deploy_ready(const struct cluster *c, uint32_t deploy)
{
	uint32_t n = 0;
	for (uint32_t p = c->deploys[deploy].first_pod; p != NONE; p = c->pods[p].dep_next)
		n += c->pods[p].phase == POD_READY && !c->pods[p].deleting;
	return n;
}

/* Upstream's ActivePodsWithRanks order for scale-down: unassigned before
 * assigned, then Pending < Unknown < Running, not ready before ready, then
 * the most recently ready, then the newest. Returns true when a should go
 * before b. */
static bool
delete_before(const struct cluster *c, uint32_t a, uint32_t b)
{
	const struct cl_pod *x = &c->pods[a], *y = &c->pods[b];
	if ((x->node == NONE) != (y->node == NONE))
		return x->node == NONE;
	int rx = x->phase <= POD_CREATING ? 0 : x->lost ? 1 : 2;
	int ry = y->phase <= POD_CREATING ? 0 : y->lost ? 1 : 2;
	if (rx != ry)
		return rx < ry;
	if (x->ready_cond != y->ready_cond)
		return !x->ready_cond;
	if (x->ready_cond && x->ready_changed != y->ready_changed)
		return x->ready_changed > y->ready_changed;
	if (x->created != y->created)
		return x->created > y->created;
	return a > b;
}

static void
on_deploy_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct cl_deploy *d = &c->deploys[arg];
	d->sync_timer = 0;
	int32_t diff = d->replicas - (int32_t)d->npods;
	if (diff > 0) {
		/* burstReplicas: at most 500 creations per sync. */
		int32_t n = diff > 500 ? 500 : diff;
		for (int32_t i = 0; i < n; i++)
			pod_create(c, (uint32_t)arg);
		if (diff > n)
			deploy_sync_soon(c, (uint32_t)arg);
	} else if (diff < 0) {
		for (int32_t k = 0; k < -diff; k++) {
			uint32_t victim = NONE;
			for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
				if (c->pods[p].deleting)
					continue;
				if (victim == NONE || delete_before(c, p, victim))
					victim = p;
			}
			if (victim == NONE)
				break;
			pod_delete(c, victim, "ScaleDown");
		}
	}
}

const struct k8s_pod_spec *
deploy_template(const struct cluster *c, uint32_t deploy)
{
	const struct cl_deploy *d = &c->deploys[deploy];
	return d->cur != NULL ? d->cur : &d->spec;
}

void
deploy_sync_soon(struct cluster *c, uint32_t deploy)
{
	struct cl_deploy *d = &c->deploys[deploy];
	if (d->sync_timer != 0)
		return;
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
	d->sync_timer = sim_after(c->sim, lat, PRIO_CONTROLLER, on_deploy_sync, c, deploy);
}
