/*
 * metrics.c - a metrics-server model: every --metric-resolution it scrapes
 * each running pod; a pod's cpu usage is the rate of its cumulative cpu time
 * between two scrapes (so a new or restarted pod has no metric until its
 * second scrape), with that window and timestamp, and its Pods metric
 * requests_per_second the rate of its served requests. The HPA and VPA read
 * the samples. It runs when some autoscaler needs it.
 */
#include "config.h"

#include <stdlib.h>

#include "models/cluster/controllers.h"

struct pod_sample {
	struct cl_pod_metrics	 m;
	double			 cpu_at_scrape;	/* cpu_seconds at the last scrape */
	double			 served_at_scrape;
};

struct metrics {
	struct cluster		*c;
	struct pod_sample	*pods;	/* by pod id */
	size_t			 cap;
};

static struct metrics *
metrics_ctl(struct cluster *c)
{
	return c->ctl[CTL_METRICS];
}

const struct cl_pod_metrics *
metrics_of(struct cluster *c, uint32_t pod)
{
	return &metrics_ctl(c)->pods[pod].m;
}

static bool
pod_is_running(const struct cl_pod *pd)
{
	return (pd->phase == POD_RUNNING || pd->phase == POD_READY ||
	    pd->phase == POD_TERMINATING) && pd->started != 0 && !pd->lost;	/* warm: < 0 */
}

static void
on_scrape(struct sim *sim, void *ctx, uint64_t arg)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	sim_ns now = sim_now(sim);
	/* A Deployment's pods are mostly consecutive ids: its idle cpu is
	 * looked up once per run of them. */
	uint32_t idle_of = NONE;
	double idle = 0;
	for (size_t i = 0; i < c->npods; i++) {
		struct cl_pod *pd = &c->pods[i];
		struct pod_sample *ps = &ms->pods[i];
		if (pd->phase == POD_FREE || !pod_is_running(pd)) {
			if (pd->phase != POD_FREE)
				ps->m.has = false;
			continue;
		}
		if (pd->deploy != idle_of) {
			const struct cl_deploy *d = &c->deploys[pd->deploy];
			int32_t prof = d->service != NONE ? c->services[d->service].profile : -1;
			idle = prof >= 0 ? (double)c->profiles[prof].p.idle_cpu_milli / 1000.0 : 0;
			idle_of = pd->deploy;
		}
		double cpu, served;
		cl_pod_usage(c, (uint32_t)i, &cpu, &served);
		if (ps->m.at > 0 && ps->m.at >= pd->started) {
			double dt = sim_ns_to_s(now - ps->m.at);
			double cores = idle + (cpu - ps->cpu_at_scrape) / dt;
			ps->m.cpu_milli = (int64_t)(cores * 1000.0 + 0.5);
			ps->m.rps_milli = (int64_t)((served - ps->served_at_scrape) / dt *
			    1000.0 + 0.5);
			ps->m.has = true;
		}
		ps->m.at = now;
		ps->cpu_at_scrape = cpu;
		ps->served_at_scrape = served;
	}
	sim_after(sim, c->t.metrics_resolution, PRIO_METRICS, on_scrape, ms, 0);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t p)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	if (what == CL_POD_ADDED) {
		KS_GROW(ms->pods, ms->cap, c->npods);
		ms->pods[p] = (struct pod_sample){ 0 };
	} else {	/* CL_POD_STARTED: the window starts again */
		ms->pods[p].cpu_at_scrape = cl_pod_cpu_seconds(c, p);
		ms->pods[p].m.has = false;
	}
}

static void *
metrics_create(struct cluster *c)
{
	struct metrics *ms = xcalloc(1, sizeof *ms);
	ms->c = c;
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_STARTED), on_change, ms);
	return ms;
}

static void
metrics_start(struct cluster *c)
{
	if (horizontal_count(c) == 0 && vertical_count(c) == 0)
		return;
	sim_after(c->sim, c->t.metrics_resolution, PRIO_METRICS, on_scrape, metrics_ctl(c), 0);
}

static void
metrics_destroy(struct cluster *c)
{
	struct metrics *ms = metrics_ctl(c);
	free(ms->pods);
	free(ms);
}

const struct cl_controller metrics_controller = {
	.name = "metrics-server", .create = metrics_create, .start = metrics_start,
	.destroy = metrics_destroy,
};
