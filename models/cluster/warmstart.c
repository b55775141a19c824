/*
 * warmstart.c - a cluster that is already running at t = 0: every
 * Deployment's replicas, every StatefulSet's ordinals, every DaemonSet's
 * pods and the bare Pods are created, placed one after another by the
 * scheduler's own algorithm (so spreading and affinity see the pods placed
 * before), and made Running, Ready and endpoints at once, without the
 * start-up latencies. The controllers then find nothing to do. Jobs and
 * CronJobs start as in a cold start. A pod that fits nowhere stays Pending
 * in the scheduler's queue, as in a cold start.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"
#include "models/controller/statefulset.h"

void
cl_set_warm_start(struct cluster *c, bool warm)
{
	c->warm = warm;
}

static void
warm_run(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->phase == POD_PENDING && !scheduler_place_now(c, p, NONE))
		return;
	if (pd->phase != POD_BOUND)
		return;
	kubelet_warm_start(c, p);
	if (pd->ready_cond && c->deploys[pd->deploy].service != NONE && pd->ep_index == NONE)
		endpoint_add(c, p);
}

void
warm_start(struct cluster *c)
{
	cl_event(c, "WarmStart", "cluster", "workloads Running and Ready at t = 0");
	/* DaemonSet pods first: they are on every node before the apps. */
	daemonset_sync_now(c);
	for (size_t p = 0; p < c->npods; p++)
		if (c->pods[p].phase == POD_PENDING && c->pods[p].daemon)
			warm_run(c, (uint32_t)p);
	for (size_t i = 0; i < c->ndeploys; i++) {
		struct cl_deploy *d = &c->deploys[i];
		if (d->d->kind == K8S_KIND_DEPLOYMENT) {
			/* the pods of its ReplicaSet, as the controller would make them */
			uint32_t rs = deploy_newest_rs(c, (uint32_t)i);
			if (rs != NONE && c->rss[rs].replicas < d->replicas)
				c->rss[rs].replicas = d->replicas;
			for (int32_t k = (int32_t)d->npods; k < d->replicas; k++)
				warm_run(c, rs != NONE ? pod_create_rs(c, (uint32_t)i, rs) :
				    pod_create(c, (uint32_t)i));
		} else if (d->d->kind == K8S_KIND_STATEFULSET) {
			for (int32_t k = (int32_t)d->npods; k < d->replicas; k++) {
				char *name = sts_pod_name(d->d->name, k);
				uint32_t p = pod_create_as(c, (uint32_t)i, name, NULL, (uint32_t)k);
				free(name);
				warm_run(c, p);
			}
		}
	}
	/* the bare Pods (created at the start, bound when they name a node) */
	for (size_t p = 0; p < c->npods; p++)
		if ((c->pods[p].phase == POD_PENDING || c->pods[p].phase == POD_BOUND) &&
		    cl_pod_kind(c, p) == K8S_KIND_POD)
			warm_run(c, (uint32_t)p);
}
