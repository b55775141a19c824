/*
 * disruption.c - what the disruption controller computes for a
 * PodDisruptionBudget, for the evictions that must respect it (Cluster
 * Autoscaler drains, VPA updates, preemption): its disruptionsAllowed, by
 * upstream's arithmetic in models/controller/disruption.c over the pods it
 * selects and their controllers' scale (each Deployment's pods are owned by
 * its ReplicaSet, as in a real cluster), and whether it selects a pod.
 * Upstream: pkg/controller/disruption.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/controller/disruption.h"

static const char *
ns_of(const char *ns)
{
	return ns != NULL ? ns : "default";
}

bool
cl_pdb_matches(const struct k8s_pdb *pdb, const struct k8s_pod_spec *spec)
{
	return strcmp(ns_of(spec->namespace), ns_of(pdb->namespace)) == 0 &&
	    k8s_selector_matches(&pdb->selector, &spec->labels);
}

/* The objects the finders look up: per Deployment, its ReplicaSet
 * ("<name>-rs", controlled by it) and itself, by index. */
struct finder_ctx {
	struct cluster		*c;
	const char		*ns;
	struct disr_object	*rs, *dep;	/* per deployment */
	struct disr_ref		*owner;		/* per deployment: the RS's controller */
	char			(*uid)[2][32];	/* per deployment: RS's, Deployment's */
};

static const struct disr_object *
lookup(void *vctx, const char *kind, const char *name)
{
	struct finder_ctx *f = vctx;
	struct cluster *c = f->c;
	bool rs = strcmp(kind, "ReplicaSet") == 0;
	if (strcmp(kind, "StatefulSet") == 0) {	/* its own scale */
		for (size_t i = 0; i < c->ndeploys; i++)
			if (c->deploys[i].d->kind == K8S_KIND_STATEFULSET &&
			    strcmp(ns_of(c->deploys[i].spec.namespace), f->ns) == 0 &&
			    strcmp(c->deploys[i].d->name, name) == 0)
				return &f->rs[i];
		return NULL;
	}
	if (!rs && strcmp(kind, "Deployment") != 0)
		return NULL;
	size_t len = strlen(name);
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct cl_deploy *d = &c->deploys[i];
		size_t dl = strlen(d->d->name);
		if (d->d->kind != K8S_KIND_DEPLOYMENT ||
		    strcmp(ns_of(d->spec.namespace), f->ns) != 0 || strncmp(name, d->d->name, dl) != 0)
			continue;
		if (rs ? len == dl + 3 && strcmp(name + dl, "-rs") == 0 : len == dl)
			return rs ? &f->rs[i] : &f->dep[i];
	}
	return NULL;
}

static enum disr_phase
phase_of(const struct cl_pod *pd)
{
	switch (pd->phase) {
	case POD_PENDING:
	case POD_BOUND:
	case POD_CREATING:
		return DISR_PHASE_PENDING;
	default:
		return DISR_PHASE_RUNNING;
	}
}

static struct intstr
intstr_of(bool set, bool pct, int32_t v)
{
	if (!set)
		return (struct intstr){ INTSTR_UNSET, 0 };
	return pct ? intstr_pct(v) : intstr_int(v);
}

int32_t
cl_pdb_allowed(struct cluster *c, const struct k8s_pdb *pdb)
{
	size_t n = 0;
	for (size_t d = 0; d < c->ndeploys; d++)
		if (cl_pdb_matches(pdb, &c->deploys[d].spec))
			for (uint32_t p = c->deploys[d].first_pod; p != NONE; p = c->pods[p].dep_next)
				n++;
	struct disr_pod *pods = xcalloc(n + 1, sizeof *pods);
	struct disr_pod **ptrs = xcalloc(n + 1, sizeof *ptrs);
	size_t nd = c->ndeploys + 1;
	struct disr_ref *refs = xcalloc(nd, sizeof *refs);
	char (*names)[128] = xcalloc(nd, sizeof *names);
	struct disr_scale *scratch = xcalloc(n + 1, sizeof *scratch);
	struct finder_ctx f = {
		.c = c, .ns = ns_of(pdb->namespace), .rs = xcalloc(nd, sizeof *f.rs),
		.dep = xcalloc(nd, sizeof *f.dep), .owner = xcalloc(nd, sizeof *f.owner),
		.uid = xcalloc(nd, sizeof *f.uid),
	};
	size_t k = 0;
	for (size_t d = 0; d < c->ndeploys; d++) {
		if (!cl_pdb_matches(pdb, &c->deploys[d].spec))
			continue;
		const struct cl_deploy *dp = &c->deploys[d];
		snprintf(names[d], sizeof names[d], "%s-rs", dp->d->name);
		snprintf(f.uid[d][0], sizeof f.uid[d][0], "rs:%zu", d);
		snprintf(f.uid[d][1], sizeof f.uid[d][1], "deploy:%zu", d);
		refs[d] = (struct disr_ref){ "apps/v1", "ReplicaSet", names[d], f.uid[d][0] };
		f.owner[d] = (struct disr_ref){ "apps/v1", "Deployment", dp->d->name, f.uid[d][1] };
		f.rs[d] = (struct disr_object){ f.uid[d][0], dp->replicas, &f.owner[d] };
		f.dep[d] = (struct disr_object){ f.uid[d][1], dp->replicas, NULL };
		/* The other kinds own their pods directly: a StatefulSet has a
		 * scale; a DaemonSet, Job or CronJob's Job has none (the finders
		 * fail on it as upstream's do); a bare Pod has no controller. */
		enum k8s_workload_kind kd = dp->d->kind;
		if (kd != K8S_KIND_DEPLOYMENT) {
			snprintf(names[d], sizeof names[d], "%s", dp->d->name);
			refs[d] = (struct disr_ref){ kd == K8S_KIND_JOB || kd == K8S_KIND_CRONJOB ?
			    "batch/v1" : "apps/v1", kd == K8S_KIND_CRONJOB ? "Job" :
			    k8s_kind_name(kd), names[d], f.uid[d][0] };
			f.rs[d] = (struct disr_object){ f.uid[d][0], dp->replicas, NULL };
		}
		for (uint32_t p = c->deploys[d].first_pod; p != NONE; p = c->pods[p].dep_next) {
			const struct cl_pod *pd = &c->pods[p];
			pods[k] = (struct disr_pod){
				.name = pd->name, .ready = pd->ready_cond, .deleting = pd->deleting,
				.phase = phase_of(pd),
				.controller = dp->d->kind == K8S_KIND_POD ? NULL : &refs[d],
			};
			ptrs[k] = &pods[k];
			k++;
		}
	}
	struct disr_spec spec = {
		.min_available = intstr_of(pdb->has_min_available, pdb->min_available_pct,
		    pdb->min_available),
		.max_unavailable = intstr_of(pdb->has_max_unavailable, pdb->max_unavailable_pct,
		    pdb->max_unavailable),
	};
	struct disr_status st;
	char *cause = NULL;
	if (disr_sync(&spec, ptrs, n, NULL, 0, lookup, &f, sim_now(c->sim), scratch, &st,
	    NULL, &cause) < 0) {
		disr_fail_safe(&spec, &st);	/* upstream fails safe */
		free(cause);
	}
	free(f.rs);
	free(f.dep);
	free(f.owner);
	free(f.uid);
	free(scratch);
	free(names);
	free(refs);
	free(ptrs);
	free(pods);
	return st.disruptions_allowed;
}
