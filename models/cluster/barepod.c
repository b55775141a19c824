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
#include <string.h>

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

/* Nodes by name: sorted, searched by bisection (a dump's 150,000 pods on
 * 5,000 nodes need no scan per pod). */
struct named {
	const char	*name;
	uint32_t	 id;
};

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static uint32_t
node_by_name(const struct named *v, size_t n, const char *name)
{
	struct named key = { name, NONE };
	const struct named *hit = bsearch(&key, v, n, sizeof *v, cmp_name);
	return hit != NULL ? hit->id : NONE;
}

static void
barepod_start(struct cluster *c)
{
	for (size_t i = 0; i < c->ngiven_nodes; i++)
		node_create_given(c, c->given_pool, c->given_nodes[i]);
	struct named *sorted = xcalloc(c->nnodes + 1, sizeof *sorted);
	for (size_t i = 0; i < c->nnodes; i++)
		sorted[i] = (struct named){ c->nodes[i].spec->name, (uint32_t)i };
	qsort(sorted, c->nnodes, sizeof *sorted, cmp_name);
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_deployment *w = c->deploys[i].d;
		if (w->kind != K8S_KIND_POD)
			continue;
		c->deploys[i].replicas = 1;
		deploy_rev_sync(c, (uint32_t)i);
		uint32_t p = pod_create_as(c, (uint32_t)i, w->name, NULL, 0);
		/* spec.nodeName: bound as created, as the API server takes it
		 * (the scheduler never sees it; the kubelet admits it) */
		const char *nn = w->template.node_name;
		uint32_t node = nn != NULL ? node_by_name(sorted, c->nnodes, nn) : NONE;
		if (node != NONE)
			scheduler_place_now(c, p, node);
	}
	free(sorted);
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
