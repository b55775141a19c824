/*
 * disruption.c - what the disruption controller computes for a
 * PodDisruptionBudget, for the evictions that must respect it (Cluster
 * Autoscaler drains, VPA updates, preemption): its disruptionsAllowed and
 * the pods it selects. Upstream: pkg/controller/disruption.
 */
#include "config.h"

#include <string.h>

#include "models/cluster/controllers.h"

/* policy/v1 disruptionsAllowed as the disruption controller computes it
 * (pods of a Deployment share labels, so a PDB selects whole Deployments). */
int32_t
cl_pdb_allowed(struct cluster *c, const struct k8s_pdb *pdb)
{
	int32_t healthy = 0, npods = 0, scale = 0;
	for (size_t d = 0; d < c->ndeploys; d++) {
		const struct cl_deploy *dp = &c->deploys[d];
		const char *ns = dp->spec.namespace ? dp->spec.namespace : "default";
		const char *pns = pdb->namespace ? pdb->namespace : "default";
		if (strcmp(ns, pns) != 0 || !k8s_selector_matches(&pdb->selector, &dp->spec.labels))
			continue;
		healthy += (int32_t)deploy_ready(c, (uint32_t)d);
		for (uint32_t p = dp->first_pod; p != NONE; p = c->pods[p].dep_next)
			npods++;
		scale += dp->replicas;
	}
	int32_t expected = 0, desired = 0;
	if (pdb->has_max_unavailable) {
		expected = scale;
		int32_t mu = pdb->max_unavailable;
		if (pdb->max_unavailable_pct)
			mu = (int32_t)(((int64_t)mu * expected + 99) / 100);
		desired = expected - mu;
		if (desired < 0)
			desired = 0;
	} else if (pdb->has_min_available) {
		if (pdb->min_available_pct) {
			expected = scale;
			desired = (int32_t)(((int64_t)pdb->min_available * expected + 99) / 100);
		} else {
			expected = npods;
			desired = pdb->min_available;
		}
	}
	int32_t allowed = healthy - desired;
	return expected <= 0 || allowed < 0 ? 0 : allowed;
}

bool
cl_pdb_matches(const struct k8s_pdb *pdb, const struct k8s_pod_spec *spec)
{
	const char *ns = spec->namespace ? spec->namespace : "default";
	const char *pns = pdb->namespace ? pdb->namespace : "default";
	return strcmp(ns, pns) == 0 && k8s_selector_matches(&pdb->selector, &spec->labels);
}

