/*
 * build.c - wiring a scenario into the cluster model: node pools, priority
 * classes, Deployments, Services, PDBs, HPAs, request profiles with their
 * traffic (the workloads layer's rate integral feeds the serving model),
 * scheduled failures and control-plane timings.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/chaos.h"
#include "models/cluster/cluster.h"
#include "models/cluster/memory.h"
#include "models/kubelet/eviction.h"
#include "models/scheduler/sched.h"
#include "scenarios/faults.h"
#include "scenarios/scenario.h"
#include "scenarios/sched_config.h"
#include "sim/build.h"
#include "sim/cmd.h"
#include "sim/opts.h"
#include "sim/util/util.h"
#include "workloads/burst.h"
#include "workloads/queue.h"
#include "workloads/traffic.h"

/* A service's traffic as the serving models see it: the scenario's model
 * (borrowed), its burstiness, and in request mode the MMPP's state path or
 * the replay cursor of an arrivals trace (owned; freed by cl_free). */
struct build_traffic {
	const struct wl_traffic	*t;
	struct wl_burst		 burst;
	struct wl_mmpp		*mmpp;
	struct wl_replay	*replay;
};

static double
offered_from_traffic(void *ctx, sim_ns from, sim_ns to)
{
	const struct build_traffic *bt = ctx;
	/* MMPP levels average to 1: the expected count is the model's. */
	return wl_count(bt->t, from, to);
}

static sim_ns
steady_from_traffic(void *ctx, sim_ns from)
{
	const struct build_traffic *bt = ctx;
	return wl_steady_until(bt->t, from);
}

static double
rate_from_traffic(void *ctx, sim_ns at)
{
	struct build_traffic *bt = ctx;
	double r = wl_rate(bt->t, at);
	return bt->mmpp != NULL ? r * wl_mmpp_level(bt->mmpp, at) : r;
}

static double
rate_max_from_traffic(void *ctx, sim_ns from, sim_ns to)
{
	struct build_traffic *bt = ctx;
	double r = wl_rate_max(bt->t, from, to);
	return bt->mmpp != NULL ? r * wl_mmpp_level_max(bt->mmpp, from, to) : r;
}

static double
idc_of_traffic(void *ctx, double rate)
{
	const struct build_traffic *bt = ctx;
	return wl_burst_idc(&bt->burst, rate, INFINITY);
}

static sim_ns
next_from_replay(void *ctx)
{
	struct build_traffic *bt = ctx;
	return wl_replay_next(bt->replay);
}

static void
build_traffic_free(void *ctx)
{
	struct build_traffic *bt = ctx;
	wl_mmpp_free(bt->mmpp);
	wl_replay_free(bt->replay);
	free(bt);
}

bool
build_request_mode(const struct scenario *s)
{
	if (s->traffic_mode != SCN_TRAFFIC_AUTO)
		return s->traffic_mode == SCN_TRAFFIC_REQUEST;
	double peak = 0;
	for (size_t i = 0; i < s->nprofiles; i++) {
		double lo, hi;
		wl_burst_levels(&s->profiles[i].burst, &lo, &hi);
		if (s->profiles[i].traffic != NULL)
			peak += wl_rate_max(s->profiles[i].traffic, 0, s->duration) *
			    (hi > lo ? hi : lo);
	}
	return peak < SCN_AUTO_REQUEST_RATE;
}

/* The scenario's KubeSchedulerConfiguration: its profiles, and every
 * Deployment's schedulerName must name one (kubesim runs one scheduler). */
static int
set_sched_config(struct cluster *c, const struct scenario *s, char **cause)
{
	const struct scn_sched_config *sc = s->sched_config;
	for (size_t i = 0; i < s->ndeployments; i++) {
		const char *want = s->deployments[i].template.scheduler_name;
		if (scn_sched_config_profile(sc, want) != NULL)
			continue;
		struct ks_buf b;
		ks_buf_init(&b);
		for (size_t k = 0; k < sc->nprofiles; k++)
			ks_buf_printf(&b, "%s'%s'", k ? ", " : "", sc->profiles[k].scheduler_name);
		char *names = ks_buf_take(&b);
		*cause = xasprintf("Deployment %s has schedulerName '%s', but schedulerConfig "
		    "has no such profile (profiles: %s)", s->deployments[i].name,
		    want ? want : "default-scheduler", names);
		free(names);
		return -1;
	}
	const char **names = xcalloc(sc->nprofiles + 1, sizeof *names);
	struct sched_config *cfgs = xcalloc(sc->nprofiles + 1, sizeof *cfgs);
	for (size_t k = 0; k < sc->nprofiles; k++) {
		names[k] = sc->profiles[k].scheduler_name;
		cfgs[k] = sc->profiles[k].cfg;
	}
	int rc = cl_set_sched_config(c, names, cfgs, sc->nprofiles, cause);
	free(names);
	free(cfgs);
	return rc;
}

static double
queue_step(void *ctx, sim_ns from, sim_ns to, double capacity, double *arrived,
    double *consumed)
{
	return wl_queue_step(ctx, from, to, capacity, arrived, consumed);
}

static void
queue_free(void *ctx)
{
	wl_queue_free(ctx);
}

/* VerticalPodAutoscalers, queue workloads and the Cluster Autoscaler's
 * flags from the scenario. */
static int
build_autoscaling(struct cluster *c, const struct scenario *s, char **cause)
{
	for (size_t i = 0; i < s->nvpas; i++)
		if (cl_add_vpa(c, &s->vpas[i], cause) < 0)
			return -1;
	for (size_t i = 0; i < s->nqueues; i++) {
		const struct scn_queue *q = &s->queues[i];
		struct wl_queue *wq = wl_queue_new(q->arrivals, q->initial_length);
		struct cl_queue_params qp = {
			.name = q->name, .consumer = q->consumer, .rate_per_pod = q->rate_per_pod,
			.cpu_per_message = q->cpu_per_message, .step = queue_step, .ctx = wq,
			.free_ctx = queue_free,
		};
		if (cl_add_queue(c, &qp, cause) < 0) {
			wl_queue_free(wq);
			return -1;
		}
	}
	if (s->has_ca_config)
		cl_set_ca_config(c, &s->ca);
	return 0;
}

/* podTrace: its nodes, and its pods as a PodTrace workload; its
 * schedulerName must name a profile of the schedulerConfig. */
static int
build_pod_trace(struct cluster *c, const struct scenario *s, char **cause)
{
	const struct scn_pod_trace *t = s->pod_trace;
	const char *want = t->ntemplates > 0 ? t->templates[0].scheduler_name : NULL;
	if (s->sched_config != NULL && scn_sched_config_profile(s->sched_config, want) == NULL) {
		*cause = xasprintf("podTrace has schedulerName '%s', but schedulerConfig has "
		    "no such profile", want ? want : "default-scheduler");
		return -1;
	}
	for (size_t i = 0; i < t->nnodes; i++)
		cl_add_node(c, &t->nodes[i]);
	struct cl_trace_pod *pods = xcalloc(t->npods + 1, sizeof *pods);
	for (size_t i = 0; i < t->npods; i++)
		pods[i] = (struct cl_trace_pod){ t->pods[i].name, t->pods[i].tmpl,
		    t->pods[i].created, t->pods[i].deleted, t->pods[i].trace_pending };
	struct cl_pod_trace_params pp = {
		.workload = &t->workload, .templates = t->templates,
		.ntemplates = t->ntemplates, .pods = pods, .npods = t->npods,
		.compressed = t->time == SCN_TRACE_COMPRESSED, .gap = t->gap,
		.fill = t->fill, .gpu_resource = t->gpu_resource,
	};
	cl_set_pod_trace(c, &pp);
	free(pods);
	return 0;
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
	t->warmup = s->warmup;
	t->duration = s->duration;
	t->hpa_rows_on_change = s->hpa_rows_on_change;
	/* Applications that handle SIGTERM exit within about a second; the
	 * grace period caps it. */
	t->shutdown = sim_dist_lognormal(1.0, 0.5);
}

/* A fault of failures.scheduled beyond the node failures (chaos.h). */
static int
build_fault(struct cluster *c, const struct scn_fault *f, char **cause)
{
	static const char *const names[] = { "partitionZone", "apiOutage", "spotReclaim",
		"killPods", "drainNodes", "upgradeNodes", "slowApi", "failImagePulls",
		"slowImagePulls", "replay", "replay", "replay", "replay", "replay" };
	static const enum cl_fault_kind kinds[] = { CL_FAULT_PARTITION, CL_FAULT_API_OUTAGE,
		CL_FAULT_SPOT_RECLAIM, CL_FAULT_KILL_PODS, CL_FAULT_DRAIN, CL_FAULT_UPGRADE,
		CL_FAULT_SLOW_API, CL_FAULT_FAIL_PULLS, CL_FAULT_SLOW_PULLS, CL_FAULT_NODE_DOWN, CL_FAULT_NODE_UP, CL_FAULT_POD_KILL, CL_FAULT_POD_UNREADY,
		CL_FAULT_NOTE };
	struct cl_fault_params fp = {
		.kind = kinds[f->kind], .action = names[f->kind], .at = f->at,
		.duration = f->duration, .pool = f->pool, .zone = f->zone, .node = f->node,
		.count = f->count, .selector = &f->selector, .notice = f->notice,
		.random = f->random, .every = f->every, .object = f->object,
		.deployment = f->deployment, .ns = f->ns, .reason = f->reason,
		.factor = f->factor, .image = f->image,
	};
	return cl_add_fault(c, &fp, cause);
}

static void
behavior_of(const struct scn_behavior *s, struct cl_behavior *b)
{
	b->not_ready = s->not_ready;
	b->not_live = s->not_live;
	b->startup = s->startup;
	b->crash_after = s->crash_after;
	b->mean_time_to_crash = s->mean_time_to_crash;
	b->service_time_factor = s->service_time_factor;
	b->error_rate = s->error_rate;
	b->memory_leak_per_hour = s->memory_leak_per_hour;
}

/* The services' memory: blocks and the kubelet's eviction settings
 * (models/cluster/memory.c). */
static int
build_memory(struct cluster *c, const struct scenario *s, char **cause)
{
	for (size_t i = 0; i < s->nprofiles; i++) {
		const struct scn_memory *m = &s->profiles[i].memory;
		if (!m->has)
			continue;
		struct cl_memory_params mp = {
			.has_base = m->has_base, .base = m->base,
			.per_request = m->per_request, .leak_per_hour = m->leak_per_hour,
		};
		if (cl_set_memory(c, s->profiles[i].service, &mp, cause) < 0)
			return -1;
	}
	const struct scn_kubelet *k = &s->kubelet;
	struct evict_kv kv[EVICT_MAX_THRESHOLDS];
	size_t n = 0;
	for (size_t i = 0; i < k->n && n < EVICT_MAX_THRESHOLDS; i++)
		kv[n++] = (struct evict_kv){ k->keys[i], k->values[i] };
	return cl_set_kubelet_eviction(c, k->has_eviction_hard ? kv : NULL, n,
	    k->pressure_transition, cause);
}

struct cluster *
build_cluster(struct sim *sim, const struct scenario *s, const struct probe_sink *probes,
    char **cause)
{
	struct cl_timings t;
	timings_from(s, &t);
	struct cluster *c = cl_new(sim, s->seed, &t, probes);
	if (s->sched_config != NULL && set_sched_config(c, s, cause) < 0)
		goto fail;
	for (size_t i = 0; i < s->npools; i++) {
		const struct scn_pool *p = &s->pools[i];
		struct cl_pool_params pp = {
			.name = p->name, .instance_type = p->instance_type,
			.cpu_milli = p->cpu_milli, .memory = p->memory, .max_pods = p->max_pods,
			.reserved_cpu_milli = p->reserved_cpu_milli,
			.reserved_memory = p->reserved_memory, .allocatable = &p->allocatable,
			.price_hour = p->price_hour,
			.zones = (const char *const *)p->zones, .nzones = p->nzones,
			.count = p->count, .min = p->min, .max = p->max,
			.provision = p->provision, .labels = &p->labels,
			.taints = p->taints, .ntaints = p->ntaints,
			.has_failures = p->has_failures, .time_to_failure = p->time_to_failure,
			.repair = p->repair,
		};
		cl_add_pool(c, &pp);
	}
	for (size_t i = 0; i < s->nnodes; i++)
		cl_add_node(c, &s->nodes[i]);
	for (size_t i = 0; i < s->npriority_classes; i++)
		cl_add_priority_class(c, &s->priority_classes[i]);
	for (size_t i = 0; i < s->ndeployments; i++)
		cl_add_deployment(c, &s->deployments[i]);
	for (size_t i = 0; i < s->npod_workloads; i++)
		cl_add_deployment(c, &s->pod_workloads[i]);
	if (s->pod_trace != NULL && build_pod_trace(c, s, cause) < 0)
		goto fail;
	for (size_t i = 0; i < s->njobs; i++)
		cl_set_job_params(c, s->jobs[i].name, &s->jobs[i].run_time,
		    s->jobs[i].failure_probability);
	cl_set_start_time(c, s->start_time);
	cl_set_warm_start(c, s->warm_start);
	for (size_t i = 0; i < s->nservices; i++)
		cl_add_service(c, &s->services[i]);
	for (size_t i = 0; i < s->npdbs; i++)
		cl_add_pdb(c, &s->pdbs[i]);
	for (size_t i = 0; i < s->nhpas; i++)
		if (cl_add_hpa(c, &s->hpas[i], cause) < 0)
			goto fail;
	if (build_autoscaling(c, s, cause) < 0)
		goto fail;
	bool request = build_request_mode(s);
	for (size_t i = 0; i < s->nprofiles; i++) {
		const struct scn_profile *p = &s->profiles[i];
		struct build_traffic *bt = NULL;
		bool rq = request && p->traffic != NULL;
		if (p->traffic != NULL) {
			bt = xcalloc(1, sizeof *bt);
			bt->t = p->traffic;
			bt->burst = p->burst;
			if (rq)
				bt->replay = wl_replay_new(p->traffic, 0);
			if (rq && p->burst.kind == WL_BURST_MMPP)
				bt->mmpp = wl_mmpp_new(&p->burst, s->seed, p->service, 0);
		}
		struct cl_profile_params pp = {
			.service = p->service, .service_time = p->service_time,
			.concurrency = p->concurrency, .cpu_per_request = p->cpu_per_request,
			.idle_cpu_milli = p->idle_cpu_milli, .timeout = p->timeout,
			.queue_limit = p->queue_limit,
			.offered = bt ? offered_from_traffic : NULL,
			.offered_ctx = bt,
			/* request mode also for called services (the mesh's) */
			.mode = request ? CL_TRAFFIC_REQUEST : CL_TRAFFIC_FLUID,
			.lb = p->lb, .has_net_latency = p->has_net_latency,
			.net_latency = p->net_latency, .bandwidth = p->bandwidth,
			.rate = bt ? rate_from_traffic : NULL,
			.rate_max = bt ? rate_max_from_traffic : NULL,
			.arrival_idc = bt && p->burst.kind != WL_BURST_POISSON ?
			    idc_of_traffic : NULL,
			.next_arrival = bt && bt->replay ? next_from_replay : NULL,
			.offered_steady = bt ? steady_from_traffic : NULL,
			/* wl_count and wl_steady_until: see workloads/traffic.c */
			.offered_pure = bt != NULL,
			.free_ctx = bt ? build_traffic_free : NULL,
			.classes = p->classes, .nclasses = p->nclasses,
			.mesh = &p->mesh,
		};
		if (cl_add_profile(c, &pp, cause) < 0) {
			if (bt != NULL)
				build_traffic_free(bt);
			goto fail;
		}
	}
	if (build_memory(c, s, cause) < 0)
		goto fail;
	for (size_t i = 0; i < s->ncfail; i++) {
		struct cl_behavior b;
		behavior_of(&s->cfail[i].b, &b);
		if (cl_set_behavior(c, s->cfail[i].deployment, &b, cause) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->nchaos; i++) {
		const struct scn_chaos *ch = &s->chaos[i];
		if (ch->kind == SCN_FAULT) {
			if (build_fault(c, ch->fault, cause) < 0)
				goto fail;
			continue;
		}
		static const enum cl_chaos_kind kinds[] = {
			[SCN_FAIL_NODES] = CL_FAIL_NODES, [SCN_FAIL_ZONE] = CL_FAIL_ZONE,
			[SCN_RECOVER_NODES] = CL_RECOVER_NODES,
			[SCN_SCALE_DEPLOYMENT] = CL_SCALE_DEPLOYMENT, [SCN_ROLLOUT] = CL_ROLLOUT,
			[SCN_PAUSE] = CL_PAUSE, [SCN_RESUME] = CL_RESUME, [SCN_UNDO] = CL_UNDO,
		};
		struct cl_rollout_params rpv, *rp = &rpv;
		memset(rp, 0, sizeof *rp);
		rp->container = ch->container;
		rp->image = ch->image;
		rp->requests = ch->has_requests ? &ch->requests : NULL;
		rp->limits = ch->has_limits ? &ch->limits : NULL;
		rp->env = ch->env;
		rp->has_behavior = ch->has_behavior;
		behavior_of(&ch->behavior, &rp->behavior);
		struct cl_chaos_params cp = {
			.at = ch->at, .pool = ch->pool, .zone = ch->zone, .count = ch->count,
			.duration = ch->duration, .kind = kinds[ch->kind],
			.deployment = ch->deployment, .replicas = ch->replicas,
			.rollout = rp, .to_revision = ch->to_revision,
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
	for (size_t i = 0; i < s->nwarnings && !o->quiet; i++)
		fprintf(stderr, "kubesim: warning: %s\n", s->warnings[i]);
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
