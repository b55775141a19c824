/*
 * barepod.c - bare Pods: a v1 Pod given as such (in the manifests, or a
 * dump's pod that no simulated controller owns) is created once at the
 * start, under its own name, and runs as it is: where spec.nodeName says
 * when it says so (the scheduler's NodeName filter), elsewhere where the
 * scheduler places it. Nobody recreates it when it goes.
 */
#include "config.h"

#include "models/cluster/controllers.h"

static void *
barepod_create(struct cluster *c)
{
	(void)c;
	return NULL;
}

static void
barepod_start(struct cluster *c)
{
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_deployment *w = c->deploys[i].d;
		if (w->kind != K8S_KIND_POD)
			continue;
		c->deploys[i].replicas = 1;
		pod_create_as(c, (uint32_t)i, w->name, NULL, 0);
	}
}

const struct cl_controller barepod_controller = {
	.name = "barepod", .create = barepod_create, .start = barepod_start,
};
