/*
 * problems.c - what never worked in a run, as `problems` records when it
 * ends: every pod still there that never became Ready, with the scheduler's
 * last FailedScheduling message (what `kubectl describe pod` shows) or the
 * step it is stuck at, and every Service that never had an endpoint, with
 * why. The run summary prints them from the database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/cluster/controllers.h"

static const char *
state_of(const struct cl_pod *pd)
{
	switch (pd->phase) {
	case POD_PENDING:
		return "Pending";
	case POD_BOUND:
	case POD_CREATING:
		return "ContainerCreating";
	case POD_RUNNING:
	case POD_READY:
		return "Running";
	case POD_TERMINATING:
		return "Terminating";
	default:
		return "?";
	}
}

static const char *
reason_of(const struct cluster *c, const struct cl_pod *pd, char *buf, size_t size)
{
	if (pd->lost)
		return "its node is down";
	switch (pd->phase) {
	case POD_PENDING:
		if (pd->why_pending != NULL)
			return pd->why_pending;
		return "not scheduled yet";
	case POD_BOUND:
	case POD_CREATING:
		snprintf(buf, size, "containers starting on %s", c->nodes[pd->node].spec->name);
		return buf;
	case POD_RUNNING:
		return "readiness probe not passed yet";
	case POD_TERMINATING:
		return "terminating";
	default:
		return "";
	}
}

void
cl_problems_emit(struct cluster *c)
{
	char obj[512], owner[512], buf[512];
	for (size_t i = 0; i < c->npods; i++) {
		const struct cl_pod *pd = &c->pods[i];
		if (pd->phase == POD_FREE || pd->was_ready)
			continue;
		const struct cl_deploy *d = &c->deploys[pd->deploy];
		snprintf(obj, sizeof obj, "%s/%s", d->spec.namespace ? d->spec.namespace :
		    "default", pd->name);
		snprintf(owner, sizeof owner, "%s/%s", k8s_kind_name(d->d->kind), d->d->name);
		struct probe_val v[5] = { PV_TEXT("Pod"), PV_TEXT(obj), PV_TEXT(owner),
			PV_TEXT(state_of(pd)), PV_TEXT(reason_of(c, pd, buf, sizeof buf)) };
		probe_emit(&c->probes, "problems", v, 5);
	}
	for (size_t i = 0; i < c->nservices; i++) {
		const struct cl_service *sv = &c->services[i];
		const char *why;
		if (sv->s->selector.n == 0)
			continue;	/* endpoints managed by hand: not ours to judge */
		owner[0] = '\0';
		if (sv->deploy == NONE) {
			why = "its selector matches no simulated pods";
		} else {
			const struct cl_deploy *d = &c->deploys[sv->deploy];
			if (d->ever_ready)
				continue;
			snprintf(owner, sizeof owner, "%s/%s", k8s_kind_name(d->d->kind),
			    d->d->name);
			why = d->npods == 0 && d->replicas == 0 ? "its workload has no pods" :
			    "no pod it selects became Ready";
		}
		snprintf(obj, sizeof obj, "%s/%s", sv->s->namespace ? sv->s->namespace :
		    "default", sv->s->name);
		struct probe_val v[5] = { PV_TEXT("Service"), PV_TEXT(obj),
			owner[0] ? PV_TEXT(owner) : PV_NULL, PV_NULL, PV_TEXT(why) };
		probe_emit(&c->probes, "problems", v, 5);
	}
}
