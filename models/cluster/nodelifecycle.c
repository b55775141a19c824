/*
 * nodelifecycle.c - the node lifecycle controller: a node whose kubelet
 * stopped renewing its Lease is marked NotReady at the first monitor tick
 * (node-monitor-period) after node-monitor-grace-period, its pods are
 * marked not ready (MarkPodsNotReady), and the taint manager evicts them
 * when their toleration of the unreachable taint (300 s by default) runs
 * out. A node that comes back is Ready again. Upstream:
 * pkg/controller/nodelifecycle.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"

struct nodelifecycle {
	struct cluster	*c;
	struct nl_node {
		sim_timer	grace, evict;
	}		*nodes;		/* per node id */
	size_t		 cap;
};

static void
on_node_evict(struct sim *sim, void *ctx, uint64_t arg)
{
	struct nodelifecycle *nl = ctx;
	struct cluster *c = nl->c;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	nl->nodes[id].evict = 0;
	if (cl_api_defer(c, on_node_evict, nl, arg, &nl->nodes[id].evict))
		return;	/* an API server outage (chaos.c) */
	if (n->up)
		return;
	/* The taint manager deletes pods whose toleration of the unreachable
	 * NoExecute taint ran out. */
	uint32_t p = n->first_pod;
	uint32_t evicted = 0;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		/* (a DaemonSet's pods tolerate unreachable without a limit) */
		if (!c->pods[p].deleting && cl_pod_kind(c, p) != K8S_KIND_DAEMONSET) {
			pod_delete(c, p, "TaintManagerEviction");
			evicted++;
		}
		p = next;
	}
	cl_event(c, "NodeEviction", n->spec->name, "%u pods evicted", evicted);
}

static void
on_node_grace_expired(struct sim *sim, void *ctx, uint64_t arg)
{
	struct nodelifecycle *nl = ctx;
	struct cluster *c = nl->c;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	nl->nodes[id].grace = 0;
	if (cl_api_defer(c, on_node_grace_expired, nl, arg, &nl->nodes[id].grace))
		return;	/* an API server outage (chaos.c) */
	if (n->up || n->state != NODE_READY)
		return;
	node_set_state(c, id, NODE_NOT_READY);
	cl_event(c, "NodeNotReady", n->spec->name,
	    "no heartbeat for %.0fs; tainted unreachable", sim_ns_to_s(sim_now(sim) - n->down_since));
	/* MarkPodsNotReady: their endpoints go away. */
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
		pod_set_ready(c, p, false);
	nl->nodes[id].evict = sim_after(c->sim, c->t.eviction_toleration, PRIO_NODE,
	    on_node_evict, nl, id);
}

static void
cancel_timers(struct nodelifecycle *nl, uint32_t id)
{
	sim_cancel(nl->c->sim, nl->nodes[id].grace);
	sim_cancel(nl->c->sim, nl->nodes[id].evict);
	nl->nodes[id].grace = nl->nodes[id].evict = 0;
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct nodelifecycle *nl = ctx;
	struct cluster *c = nl->c;
	switch (what) {
	case CL_NODE_ADDED:
		KS_GROW(nl->nodes, nl->cap, c->nnodes);
		nl->nodes[id].grace = nl->nodes[id].evict = 0;
		break;
	case CL_NODE_DOWN: {
		/* Detection: the first monitor tick at least grace after the
		 * last heartbeat (heartbeats renew the Lease every 10 s). */
		sim_ns period = c->t.node_monitor_period > 0 ? c->t.node_monitor_period : SIM_SEC;
		sim_ns detect = c->nodes[id].down_since + c->t.node_monitor_grace;
		detect = ((detect + period - 1) / period) * period;
		nl->nodes[id].grace = sim_at(c->sim, detect, PRIO_NODE, on_node_grace_expired,
		    nl, id);
		break;
	}
	case CL_NODE_UP:
		cancel_timers(nl, id);
		if (c->nodes[id].state == NODE_NOT_READY)
			node_set_state(c, id, NODE_READY);
		break;
	case CL_NODE_REMOVED:
		cancel_timers(nl, id);
		break;
	default:
		break;
	}
}

static void *
nodelifecycle_create(struct cluster *c)
{
	struct nodelifecycle *nl = xcalloc(1, sizeof *nl);
	nl->c = c;
	cl_watch(c, CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_DOWN) | CL_ON(CL_NODE_UP) |
	    CL_ON(CL_NODE_REMOVED), on_change, nl);
	return nl;
}

static void
nodelifecycle_destroy(struct cluster *c)
{
	struct nodelifecycle *nl = c->ctl[CTL_NODE_LIFECYCLE];
	free(nl->nodes);
	free(nl);
}

const struct cl_controller nodelifecycle_controller = {
	.name = "nodelifecycle", .create = nodelifecycle_create,
	.destroy = nodelifecycle_destroy,
};
