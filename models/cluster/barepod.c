/*
 * barepod.c - objects given as they are: the user's own v1 Nodes, created
 * Ready at the start (cl_add_node), and bare Pods: a v1 Pod given as such (in
 * the manifests, or a dump's pod that no simulated controller owns) is
 * created once at the start, under its own name, and runs as it is: where
 * spec.nodeName says when it says so (the scheduler's NodeName filter),
 * elsewhere where the scheduler places it. Nobody recreates it when it goes.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"

static void *
barepod_create(struct cluster *c)
{
	(void)c;
	return NULL;
}

int
cl_add_node(struct cluster *c, const struct k8s_node_spec *n)
{
	if (c->ngiven_nodes == 0) {
		struct cl_pool_params p = { .name = "(nodes)", .provision = sim_dist_const(0) };
		c->given_pool = (uint32_t)cl_add_pool(c, &p);
	}
	c->given_nodes = xreallocarray(c->given_nodes, c->ngiven_nodes + 1,
	    sizeof *c->given_nodes);
	c->given_nodes[c->ngiven_nodes] = n;
	return (int)c->ngiven_nodes++;
}

static void
barepod_start(struct cluster *c)
{
	for (size_t i = 0; i < c->ngiven_nodes; i++)
		node_create_given(c, c->given_pool, c->given_nodes[i]);
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_deployment *w = c->deploys[i].d;
		if (w->kind != K8S_KIND_POD)
			continue;
		c->deploys[i].replicas = 1;
		pod_create_as(c, (uint32_t)i, w->name, NULL, 0);
	}
}

static void
barepod_destroy(struct cluster *c)
{
	free(c->given_nodes);
}

const struct cl_controller barepod_controller = {
	.name = "barepod", .create = barepod_create, .start = barepod_start,
	.destroy = barepod_destroy,
};
