/*
 * machines.c - the machines under the nodes, as a cloud provider and the
 * world run them: a pool's initial nodes at the start, a new node Ready
 * after the pool's provisioning delay, random failures (time to failure and
 * repair per pool, from the "failures" stream) and the scenario's scheduled
 * chaos (failNodes, failZone, recoverNodes, and `kubectl scale`).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

struct machines {
	struct cluster		*c;
	gsl_rng			*rng_fail;	/* failures and repairs */
	gsl_rng			*rng_provision;
	struct cl_chaos_params	*chaos;
	size_t			 nchaos, capchaos;
	struct m_node {
		sim_timer	 fail, repair;
	}			*nodes;		/* per node id */
	size_t			 capnodes;
};

static struct machines *
machines_of(struct cluster *c)
{
	return c->ctl[CTL_MACHINES];
}

int
cl_add_chaos(struct cluster *c, const struct cl_chaos_params *ch, char **cause)
{
	struct machines *m = machines_of(c);
	if (ch->pool != NULL) {
		bool found = false;
		for (size_t i = 0; i < c->npools; i++)
			found |= strcmp(c->pools[i].p.name, ch->pool) == 0;
		if (!found) {
			*cause = xasprintf("failure at %.0fs: no node pool %s",
			    sim_ns_to_s(ch->at), ch->pool);
			return -1;
		}
	}
	if (ch->kind == CL_SCALE_DEPLOYMENT && deploy_named(c, NULL, ch->deployment) == NONE) {
		*cause = xasprintf("scale at %.0fs: no Deployment %s",
		    sim_ns_to_s(ch->at), ch->deployment);
		return -1;
	}
	KS_GROW(m->chaos, m->capchaos, m->nchaos + 1);
	m->chaos[m->nchaos] = *ch;
	return (int)m->nchaos++;
}

static void node_fail(struct machines *m, uint32_t id, sim_ns down_for);

static void
on_node_random_failure(struct sim *sim, void *ctx, uint64_t arg)
{
	struct machines *m = ctx;
	uint32_t id = (uint32_t)arg;
	m->nodes[id].fail = 0;
	if (m->c->nodes[id].up)
		node_fail(m, id, -1);
}

static void
node_arm_failure(struct machines *m, uint32_t id)
{
	struct cluster *c = m->c;
	const struct cl_pool_params *p = &c->pools[c->nodes[id].pool].p;
	if (!p->has_failures)
		return;
	sim_ns ttf = sim_dist_sample_ns(&p->time_to_failure, m->rng_fail);
	if (ttf <= 0)
		ttf = SIM_SEC;
	m->nodes[id].fail = sim_after(c->sim, ttf, PRIO_NODE, on_node_random_failure, m, id);
}

static void
on_node_repaired(struct sim *sim, void *ctx, uint64_t arg)
{
	struct machines *m = ctx;
	struct cluster *c = m->c;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	m->nodes[id].repair = 0;
	if (n->up || n->state == NODE_DELETED)
		return;
	cl_event(c, "NodeRecovered", n->spec->name, "down for %.0fs",
	    sim_ns_to_s(sim_now(sim) - n->down_since));
	node_set_up(c, id);
	node_arm_failure(m, id);
}

static void
node_fail(struct machines *m, uint32_t id, sim_ns down_for)
{
	struct cluster *c = m->c;
	struct cl_node *n = &c->nodes[id];
	if (!n->up)
		return;
	sim_cancel(c->sim, m->nodes[id].fail);
	m->nodes[id].fail = 0;
	cl_event(c, "NodeFailed", n->spec->name, "%u pods lost", n->npods);
	node_set_down(c, id);
	const struct cl_pool_params *pp = &c->pools[n->pool].p;
	sim_ns repair = down_for;
	if (repair < 0)
		repair = pp->has_failures ? sim_dist_sample_ns(&pp->repair, m->rng_fail) : 0;
	if (repair > 0)
		m->nodes[id].repair = sim_after(c->sim, repair, PRIO_NODE, on_node_repaired, m, id);
}

static void
on_node_provisioned(struct sim *sim, void *ctx, uint64_t arg)
{
	struct machines *m = ctx;
	struct cluster *c = m->c;
	uint32_t id = (uint32_t)arg;
	if (c->nodes[id].state != NODE_PROVISIONING)
		return;	/* deleted before it came up */
	node_set_up(c, id);
	cl_event(c, "NodeReady", c->nodes[id].spec->name, "provisioned");
	node_set_state(c, id, NODE_READY);
	node_arm_failure(m, id);
}

static void
on_chaos(struct sim *sim, void *ctx, uint64_t arg)
{
	struct machines *m = ctx;
	struct cluster *c = m->c;
	const struct cl_chaos_params *ch = &m->chaos[arg];
	if (ch->kind == CL_SCALE_DEPLOYMENT) {
		/* A scheduled `kubectl scale`: the ReplicaSet controller follows. */
		for (size_t d = 0; d < c->ndeploys; d++) {
			if (strcmp(c->deploys[d].d->name, ch->deployment) != 0)
				continue;
			cl_event(c, "Scaled", ch->deployment, "replicas %d -> %d",
			    (int)c->deploys[d].replicas, (int)ch->replicas);
			deploy_scale(c, (uint32_t)d, ch->replicas);
		}
		return;
	}
	int32_t left = ch->kind == CL_FAIL_ZONE ? INT32_MAX : ch->count;
	for (size_t i = 0; i < c->nnodes && left > 0; i++) {
		struct cl_node *n = &c->nodes[i];
		if (n->state == NODE_DELETED || n->state == NODE_PROVISIONING)
			continue;
		if (ch->pool != NULL && strcmp(c->pools[n->pool].p.name, ch->pool) != 0)
			continue;
		const char *zone = k8s_labels_get(&n->spec->labels, "topology.kubernetes.io/zone");
		if (ch->zone != NULL && (zone == NULL || strcmp(zone, ch->zone) != 0))
			continue;
		if (ch->kind == CL_RECOVER_NODES) {
			if (!n->up) {
				sim_cancel(c->sim, m->nodes[i].repair);
				m->nodes[i].repair = sim_after(c->sim, 0, PRIO_NODE,
				    on_node_repaired, m, i);
				left--;
			}
		} else if (n->up) {
			node_fail(m, (uint32_t)i, ch->duration > 0 ? ch->duration : -1);
			left--;
		}
	}
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct machines *m = ctx;
	struct cluster *c = m->c;
	switch (what) {
	case CL_NODE_ADDED: {
		KS_GROW(m->nodes, m->capnodes, c->nnodes);
		m->nodes[id].fail = m->nodes[id].repair = 0;
		struct cl_node *n = &c->nodes[id];
		if (n->initial) {
			node_arm_failure(m, id);
			break;
		}
		sim_ns d = sim_dist_sample_ns(&c->pools[n->pool].p.provision, m->rng_provision);
		sim_after(c->sim, d, PRIO_NODE, on_node_provisioned, m, id);
		cl_event(c, "NodeProvisioning", n->spec->name, "ready in %.1fs", sim_ns_to_s(d));
		break;
	}
	case CL_NODE_REMOVED:
		sim_cancel(c->sim, m->nodes[id].fail);
		sim_cancel(c->sim, m->nodes[id].repair);
		m->nodes[id].fail = m->nodes[id].repair = 0;
		break;
	default:
		break;
	}
}

static void *
machines_create(struct cluster *c)
{
	struct machines *m = xcalloc(1, sizeof *m);
	m->c = c;
	m->rng_fail = sim_rng_new(c->seed, "failures");
	m->rng_provision = sim_rng_new(c->seed, "provisioning");
	cl_watch(c, CL_ON(CL_NODE_ADDED) | CL_ON(CL_NODE_REMOVED), on_change, m);
	return m;
}

/* The pools' initial nodes, Ready at once; then the scheduled chaos. */
static void
machines_start(struct cluster *c)
{
	struct machines *m = machines_of(c);
	for (size_t i = 0; i < c->npools; i++)
		for (int32_t k = 0; k < c->pools[i].p.count; k++)
			node_create(c, (uint32_t)i, true);
	for (size_t i = 0; i < m->nchaos; i++)
		sim_at(c->sim, m->chaos[i].at, PRIO_NODE, on_chaos, m, i);
}

static void
machines_destroy(struct cluster *c)
{
	struct machines *m = machines_of(c);
	gsl_rng_free(m->rng_fail);
	gsl_rng_free(m->rng_provision);
	free(m->chaos);
	free(m->nodes);
	free(m);
}

const struct cl_controller machines_controller = {
	.name = "machines", .create = machines_create, .start = machines_start,
	.destroy = machines_destroy,
};
