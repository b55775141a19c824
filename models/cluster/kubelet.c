/*
 * kubelet.c - the node agent: it sees a pod bound to its node after the
 * watch latency, pulls the images the node lacks, starts the containers,
 * runs the readiness probe worker, restarts the containers when its node
 * comes back, and terminates deleting pods (SIGTERM once out of the
 * endpoints, capped by terminationGracePeriodSeconds). Upstream:
 * pkg/kubelet (pod workers, prober).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

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
	uint32_t p = cl_pod_of(c, arg);
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
	return t + (sim_ns)(succ - 1) * period;
}

static void
on_container_started(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->lost || pd->phase != POD_CREATING)
		return;
	sim_ns now = sim_now(sim);
	pd->started = now;
	cl_notify(c, CL_POD_STARTED, p);
	pod_set_phase(c, p, POD_RUNNING);
	cl_event(c, "PodRunning", pd->name, "%s", c->nodes[pd->node].spec->name);
	const struct k8s_probe *pr = pod_readiness(c, pd);
	if (pr == NULL) {
		pod_set_ready(c, p, true);
		return;
	}
	sim_ns at = first_ready_time(pr, pd->probe_origin, now);
	pd->timer = sim_at(sim, at, PRIO_POD, on_probe_success, c, CL_POD_ARG(c, p));
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
	pod_set_phase(c, p, POD_CREATING);
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
		d = cl_image_pull(c, p, img, d);	/* failing or slow pulls (chaos.c) */
		pulled = true;
		KS_GROW(n->images, n->capimages, n->nimages + 1);
		n->images[n->nimages++] = xstrdup(img);
	}
	d += sim_dist_sample_ns(&c->t.container_start, c->rng_kubelet);
	cl_event(c, "PodCreating", pd->name, "%s%s", n->spec->name, pulled ? ", pulling image" : "");
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_container_started, c, CL_POD_ARG(c, p));
}

static void
on_kubelet_sees_pod(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->phase != POD_BOUND || pd->lost || pd->deleting)
		return;
	pod_start_containers(c, p, true);
}

/* The node came back: deleted pods finish terminating, the others have
 * their containers restarted (images are still on the node). */
static void
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
		pod_set_phase(c, p, POD_RUNNING);
	pod_start_containers(c, p, false);
}

static void
on_pod_exited(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
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
	if (pd->ep_index != NONE || endpoints_pending(c, p) || pd->timer != 0 || pd->lost)
		return;
	sim_ns d = sim_dist_sample_ns(&c->t.shutdown, c->rng_kubelet);
	sim_ns grace = c->deploys[pd->deploy].spec.termination_grace_s * SIM_SEC;
	if (d > grace)
		d = grace;
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_pod_exited, c, CL_POD_ARG(c, p));
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cluster *c = ctx;
	switch (what) {
	case CL_POD_BOUND: {
		sim_ns d = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
		c->pods[id].timer = sim_after(c->sim, d, PRIO_POD, on_kubelet_sees_pod, c,
		    CL_POD_ARG(c, id));
		break;
	}
	case CL_POD_TERMINATING: {
		struct cl_pod *pd = &c->pods[id];
		if (pd->lost)
			break;	/* finishes when the node comes back */
		sim_cancel(c->sim, pd->timer);
		pd->timer = 0;
		if (pd->ep_index == NONE)
			pod_maybe_finish(c, id);
		break;
	}
	case CL_POD_ENDPOINTS_SYNCED:
		pod_maybe_finish(c, id);
		break;
	case CL_NODE_UP: {
		uint32_t p = c->nodes[id].first_pod;
		while (p != NONE) {
			uint32_t next = c->pods[p].node_next;
			pod_node_back(c, p);
			p = next;
		}
		break;
	}
	default:
		break;
	}
}

static void *
kubelet_create(struct cluster *c)
{
	cl_watch(c, CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_TERMINATING) |
	    CL_ON(CL_POD_ENDPOINTS_SYNCED) | CL_ON(CL_NODE_UP), on_change, c);
	return NULL;
}

const struct cl_controller kubelet_controller = {
	.name = "kubelet", .create = kubelet_create,
};
