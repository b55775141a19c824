/*
 * endpoints.c - the endpoints controller: a pod joins its Service's
 * endpoints when it is Ready, bound and not deleting, and leaves when it is
 * not, each change reaching the endpoints after a propagation delay
 * (endpointsLatency). Upstream: pkg/controller/endpointslice.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"

struct endpoints_ctl {
	struct cluster	*c;
	sim_timer	*timer;		/* per pod id: the pending sync */
	size_t		 cap;
};

static struct endpoints_ctl *
ep_ctl(struct cluster *c)
{
	return c->ctl[CTL_ENDPOINTS];
}

bool
endpoints_pending(struct cluster *c, uint32_t p)
{
	struct endpoints_ctl *e = ep_ctl(c);
	return p < e->cap && e->timer[p] != 0;
}

static bool
pod_wants_endpoint(const struct cl_pod *pd)
{
	return pd->ready_cond && !pd->deleting && pd->node != NONE;
}

static void
on_endpoints_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct endpoints_ctl *e = ctx;
	struct cluster *c = e->c;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	e->timer[p] = 0;
	if (cl_api_defer(c, on_endpoints_sync, e, arg, &e->timer[p]))
		return;	/* an API server outage (chaos.c) */
	uint32_t s = c->deploys[pd->deploy].service;
	if (s == NONE)
		return;
	struct cl_service *sv = &c->services[s];
	bool want = pod_wants_endpoint(pd);
	if (want && pd->ep_index == NONE) {
		endpoint_add(c, p);
		cl_event(c, "EndpointAdded", pd->name, "service %s, %zu endpoints",
		    sv->s->name, sv->nendpoints);
	} else if (!want && pd->ep_index != NONE) {
		endpoint_remove(c, p);
		cl_event(c, "EndpointRemoved", pd->name, "service %s, %zu endpoints",
		    sv->s->name, sv->nendpoints);
	}
	if (pd->deleting)
		cl_notify(c, CL_POD_ENDPOINTS_SYNCED, p);
}

/* Schedules the endpoints controller's view to catch up with the pod. */
static void
endpoints_touch(struct endpoints_ctl *e, uint32_t p)
{
	struct cluster *c = e->c;
	struct cl_pod *pd = &c->pods[p];
	if (e->timer[p] != 0 || c->deploys[pd->deploy].service == NONE)
		return;
	sim_ns d = sim_dist_sample_ns(&c->t.endpoints_latency, c->rng_cp);
	e->timer[p] = sim_after(c->sim, d, PRIO_CONTROLLER, on_endpoints_sync, e,
	    CL_POD_ARG(c, p));
}

static void
on_change(void *ctx, enum cl_change what, uint32_t p)
{
	struct endpoints_ctl *e = ctx;
	struct cluster *c = e->c;
	struct cl_pod *pd = &c->pods[p];
	switch (what) {
	case CL_POD_ADDED:
		KS_GROW(e->timer, e->cap, c->npods);
		e->timer[p] = 0;
		break;
	case CL_POD_READY:
		endpoints_touch(e, p);
		break;
	case CL_POD_TERMINATING:
		if (!pd->lost && pd->ep_index != NONE)
			endpoints_touch(e, p);
		break;
	case CL_POD_REMOVED:
		sim_cancel(c->sim, e->timer[p]);
		e->timer[p] = 0;
		if (pd->ep_index != NONE)
			endpoint_remove(c, p);
		break;
	default:
		break;
	}
}

static void *
endpoints_create(struct cluster *c)
{
	struct endpoints_ctl *e = xcalloc(1, sizeof *e);
	e->c = c;
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_READY) | CL_ON(CL_POD_TERMINATING) |
	    CL_ON(CL_POD_REMOVED), on_change, e);
	return e;
}

static void
endpoints_destroy(struct cluster *c)
{
	struct endpoints_ctl *e = ep_ctl(c);
	free(e->timer);
	free(e);
}

const struct cl_controller endpoints_controller = {
	.name = "endpoints", .create = endpoints_create, .destroy = endpoints_destroy,
};
