/*
 * probe_load.c - the kubelet's HTTP readiness and liveness probes against
 * the pod's load. A probe (httpGet or grpc; tcpSocket and exec are
 * answered without the application's queue) is a request like the others:
 * it waits for the pod's queue and service, and fails when that takes
 * longer than timeoutSeconds (default 1, core/v1 SetDefaults_Probe). The
 * prober runs every periodSeconds from the worker's start, not before
 * initialDelaySeconds; failureThreshold consecutive failures make the pod
 * unready (readiness) or kill its container (liveness, restarted with the
 * crash back-off), successThreshold consecutive successes make it ready
 * again. Out of the endpoints a pod gets no new requests: its queue drains,
 * and its probes succeed from then on. Upstream: pkg/kubelet/prober
 * (worker.doProbe, the results cache). Only pods slower than 1 s report,
 * or every pod while one has failures to clear.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/probe_load.h"

enum { PL_READINESS, PL_LIVENESS, PL_KINDS };

struct pl_pod {
	bool		init;
	uint32_t	gen;		/* the incarnation this state is of */
	int64_t		last[PL_KINDS];	/* index of the last probe run, per kind */
	int32_t		fails[PL_KINDS];
	bool		tracked;	/* failures not yet cleared */
	bool		unready;	/* made unready by its readiness probe */
};

struct probe_load {
	struct cluster	*c;
	pl_reset_fn	*reset;
	void		*ctx;
	struct pl_pod	*pod;
	size_t		 cappod;
	size_t		 ntracked;
};

struct probe_load *
pl_new(struct cluster *c, pl_reset_fn *reset, void *ctx)
{
	struct probe_load *pl = xcalloc(1, sizeof *pl);
	pl->c = c;
	pl->reset = reset;
	pl->ctx = ctx;
	return pl;
}

void
pl_free(struct probe_load *pl)
{
	if (pl == NULL)
		return;
	free(pl->pod);
	free(pl);
}

bool
pl_any(const struct probe_load *pl)
{
	return pl->ntracked > 0;
}

/* The first container's HTTP probe of that kind, or NULL. */
static const struct k8s_probe *
http_probe(const struct cl_pod *pd, int kind)
{
	const struct k8s_pod_spec *s = pd->spec;
	for (size_t i = 0; s != NULL && i < s->ncontainers; i++) {
		const struct k8s_probe *pr = kind == PL_READINESS ?
		    &s->containers[i].readiness : &s->containers[i].liveness;
		if (pr->set)
			return pr->http ? pr : NULL;
	}
	return NULL;
}

static sim_ns
period_of(const struct k8s_probe *pr)
{
	return (sim_ns)(pr->period_s > 0 ? pr->period_s : 10) * SIM_SEC;
}

static void
set_tracked(struct probe_load *pl, struct pl_pod *st, bool on)
{
	if (st->tracked == on)
		return;
	st->tracked = on;
	if (on)
		pl->ntracked++;
	else
		pl->ntracked--;
}

/* Back in: its queue drained, successThreshold probes passed. */
static void
on_recovered(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	struct probe_load *pl = ctx;
	struct cluster *c = pl->c;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE || p >= pl->cappod)
		return;
	struct cl_pod *pd = &c->pods[p];
	struct pl_pod *st = &pl->pod[p];
	if (!st->unready || st->gen != pd->gen)
		return;
	st->unready = false;
	st->fails[PL_READINESS] = st->fails[PL_LIVENESS] = 0;
	set_tracked(pl, st, false);
	if (pd->lost || pd->deleting || pd->phase != POD_RUNNING || pd->ready_cond)
		return;
	pl->reset(pl->ctx, p);
	pod_set_ready(c, p, true);
}

void
pl_seen(struct probe_load *pl, uint32_t p, double resp_s, double drain_s)
{
	struct cluster *c = pl->c;
	struct cl_pod *pd = &c->pods[p];
	if (p >= pl->cappod) {
		size_t old = pl->cappod;
		KS_GROW(pl->pod, pl->cappod, (size_t)p + 1);
		memset(pl->pod + old, 0, (pl->cappod - old) * sizeof *pl->pod);
	}
	struct pl_pod *st = &pl->pod[p];
	if (!st->init || st->gen != pd->gen) {
		set_tracked(pl, st, false);
		memset(st, 0, sizeof *st);
		st->init = true;
		st->gen = pd->gen;
		st->last[0] = st->last[1] = -1;
	}
	if (pd->phase != POD_READY || pd->lost || pd->deleting)
		return;
	sim_ns now = sim_now(c->sim);
	for (int k = 0; k < PL_KINDS; k++) {
		const struct k8s_probe *pr = http_probe(pd, k);
		if (pr == NULL)
			continue;
		sim_ns period = period_of(pr);
		int64_t idx = now >= pd->probe_origin ? (now - pd->probe_origin) / period : -1;
		if (idx == st->last[k] || (now - pd->started) / SIM_SEC < pr->initial_delay_s)
			continue;
		st->last[k] = idx;
		if (resp_s <= (double)pr->timeout_s) {
			st->fails[k] = 0;
			continue;
		}
		int32_t ft = pr->failure_threshold > 0 ? pr->failure_threshold : 3;
		if (++st->fails[k] < ft)
			continue;
		st->fails[k] = 0;
		if (k == PL_READINESS) {
			cl_event(c, "Unhealthy", pd->name, "Readiness probe failed: "
			    "timeout after %ds (response time %.1f s)", pr->timeout_s, resp_s);
			st->unready = true;
			pod_set_ready(c, p, false);
			/* ready again at the first probe after the drain, plus
			 * successThreshold - 1 periods */
			sim_ns drained = now + (sim_ns)(drain_s * 1e9);
			sim_ns t = pd->probe_origin +
			    ((drained - pd->probe_origin + period - 1) / period) * period;
			int32_t succ = pr->success_threshold > 0 ? pr->success_threshold : 1;
			t += (sim_ns)(succ - 1) * period;
			if (t <= now)
				t = now + period;
			sim_at(c->sim, t, PRIO_POD, on_recovered, pl, CL_POD_ARG(c, p));
			break;
		}
		cl_event(c, "Unhealthy", pd->name, "Liveness probe failed: timeout after %ds "
		    "(response time %.1f s)", pr->timeout_s, resp_s);
		set_tracked(pl, st, false);
		st->fails[0] = st->fails[1] = 0;
		pl->reset(pl->ctx, p);
		kubelet_liveness_kill(c, p);
		return;
	}
	set_tracked(pl, st, st->unready || st->fails[0] > 0 || st->fails[1] > 0);
}
