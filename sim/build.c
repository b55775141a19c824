/*
 * build.c - wiring a scenario into the cluster model: node pools, priority
 * classes, Deployments, Services, PDBs, HPAs, request profiles with their
 * traffic (the workloads layer's rate integral feeds the serving model),
 * scheduled failures and control-plane timings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "scenarios/scenario.h"
#include "sim/build.h"
#include "sim/cmd.h"
#include "sim/opts.h"
#include "sim/util/util.h"
#include "workloads/traffic.h"

static double
offered_from_traffic(void *ctx, sim_ns from, sim_ns to)
{
	return wl_count(ctx, from, to);
}

static void
timings_from(const struct scenario *s, struct cl_timings *t)
{
	memset(t, 0, sizeof *t);
	const struct scn_control_plane *cp = &s->cp;
	t->api_latency = cp->api_latency;
	t->watch_latency = cp->watch_latency;
	t->scheduler_latency = cp->scheduler_latency;
	t->image_pull = cp->image_pull;
	t->container_start = cp->container_start;
	t->endpoints_latency = cp->endpoints_latency;
	t->node_monitor_period = cp->node_monitor_period;
	t->node_monitor_grace = cp->node_monitor_grace;
	t->eviction_toleration = cp->eviction_toleration;
	t->hpa_sync_period = cp->hpa_sync_period;
	t->metrics_resolution = cp->metrics_resolution;
	t->backoff_initial = cp->scheduler_backoff_initial;
	t->backoff_max = cp->scheduler_backoff_max;
	t->unschedulable_flush = cp->unschedulable_flush;
	t->tick = s->tick;
	t->interval = s->interval;
	t->duration = s->duration;
	/* Applications that handle SIGTERM exit within about a second; the
	 * grace period caps it. */
	t->shutdown = sim_dist_lognormal(1.0, 0.5);
}

struct cluster *
build_cluster(struct sim *sim, const struct scenario *s, const struct probe_sink *probes,
    char **cause)
{
	struct cl_timings t;
	timings_from(s, &t);
	struct cluster *c = cl_new(sim, s->seed, &t, probes);
	for (size_t i = 0; i < s->npools; i++) {
		const struct scn_pool *p = &s->pools[i];
		struct cl_pool_params pp = {
			.name = p->name, .instance_type = p->instance_type,
			.cpu_milli = p->cpu_milli, .memory = p->memory, .max_pods = p->max_pods,
			.reserved_cpu_milli = p->reserved_cpu_milli,
			.reserved_memory = p->reserved_memory, .price_hour = p->price_hour,
			.zones = (const char *const *)p->zones, .nzones = p->nzones,
			.count = p->count, .min = p->min, .max = p->max,
			.provision = p->provision, .labels = &p->labels,
			.taints = p->taints, .ntaints = p->ntaints,
			.has_failures = p->has_failures, .time_to_failure = p->time_to_failure,
			.repair = p->repair,
		};
		cl_add_pool(c, &pp);
	}
	for (size_t i = 0; i < s->npriority_classes; i++)
		cl_add_priority_class(c, &s->priority_classes[i]);
	for (size_t i = 0; i < s->ndeployments; i++)
		cl_add_deployment(c, &s->deployments[i]);
	for (size_t i = 0; i < s->nservices; i++)
		cl_add_service(c, &s->services[i]);
	for (size_t i = 0; i < s->npdbs; i++)
		cl_add_pdb(c, &s->pdbs[i]);
	for (size_t i = 0; i < s->nhpas; i++)
		if (cl_add_hpa(c, &s->hpas[i], cause) < 0)
			goto fail;
	for (size_t i = 0; i < s->nprofiles; i++) {
		const struct scn_profile *p = &s->profiles[i];
		struct cl_profile_params pp = {
			.service = p->service, .service_time = p->service_time,
			.concurrency = p->concurrency, .cpu_per_request = p->cpu_per_request,
			.idle_cpu_milli = p->idle_cpu_milli, .timeout = p->timeout,
			.queue_limit = p->queue_limit,
			.offered = p->traffic ? offered_from_traffic : NULL,
			.offered_ctx = p->traffic,
		};
		if (cl_add_profile(c, &pp, cause) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->nchaos; i++) {
		const struct scn_chaos *ch = &s->chaos[i];
		struct cl_chaos_params cp = {
			.at = ch->at, .pool = ch->pool, .zone = ch->zone, .count = ch->count,
			.duration = ch->duration,
			.kind = ch->kind == SCN_FAIL_ZONE ? CL_FAIL_ZONE :
			    ch->kind == SCN_RECOVER_NODES ? CL_RECOVER_NODES : CL_FAIL_NODES,
		};
		if (cl_add_chaos(c, &cp, cause) < 0)
			goto fail;
	}
	return c;
fail:
	cl_free(c);
	return NULL;
}

int
build_check(const struct run_opts *o, struct scenario **out)
{
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(o->scenario, o->overrides, o->noverrides, &s, &cause) < 0) {
		fprintf(stderr, "kubesim: %s\n", cause);
		free(cause);
		return KS_EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < s->nnotes && !o->quiet; i++)
		fprintf(stderr, "kubesim: note: %s\n", s->notes[i]);
	/* Build once without a sink: reference errors surface before any
	 * results file is touched. */
	struct sim *sim = sim_new();
	struct cluster *c = build_cluster(sim, s, NULL, &cause);
	sim_free(sim);
	if (c == NULL) {
		fprintf(stderr, "kubesim: %s: %s\n", o->scenario, cause);
		free(cause);
		scn_free(s);
		return KS_EXIT_BAD_INPUT;
	}
	cl_free(c);
	*out = s;
	return 0;
}
