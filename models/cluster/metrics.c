/*
 * metrics.c - a metrics-server model: every --metric-resolution it scrapes
 * each running pod (of a Deployment an HPA or VPA reads: no one else
 * reads the samples); a pod's cpu usage is the rate of its cumulative cpu time
 * between two scrapes (so a new or restarted pod has no metric until its
 * second scrape), with that window and timestamp, and its Pods metric
 * requests_per_second the rate of its served requests. The HPA and VPA read
 * the samples. It runs when some autoscaler needs it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/traffic_int.h"

/* A Deployment's pods' samples at the last scrape as the HPA reads them
 * (has, and cpu, rps and time when it has): whether all were equal, and
 * to what; it stands while the Deployment's pods_rev is `rev` (a sample
 * that changes later moves pods_rev on, but for its time, which only a
 * scrape changes). */
struct deploy_samples {
	uint32_t		pass;	/* the scrape that saw its pods */
	bool			uniform;
	bool			read;	/* an autoscaler reads its pods */
	bool			changed;	/* a sample changed in this scrape */
	double			idle;	/* its pods' idle cores */
	uint64_t		rev;
	struct cl_pod_metrics	s;
};

/* By pod id: the latest samples (what metrics_table lends the HPA and
 * VPA), and the cpu time and served requests at the last scrape. */
struct metrics {
	struct cluster		*c;
	struct cl_pod_metrics	*m;
	double			*cpu_at_scrape;
	double			*served_at_scrape;
	size_t			 cap;
	bool			 verify;	/* KS_METRICS_VERIFY: each read checked */
	uint64_t		 nverified;
	struct deploy_samples	*same;		/* by Deployment (one line each) */
	size_t			 nread;
	uint32_t		 pass;		/* scrapes so far */
};

static struct metrics *
metrics_ctl(struct cluster *c)
{
	return c->ctl[CTL_METRICS];
}

const struct cl_pod_metrics *
metrics_of(struct cluster *c, uint32_t pod)
{
	return &metrics_ctl(c)->m[pod];
}

const struct cl_pod_metrics *
metrics_table(struct cluster *c)
{
	return metrics_ctl(c)->m;
}

/* KS_METRICS_VERIFY: the flat read (traffic_use_flat) must give the bits
 * of the pod accessors, which settle the pod's cohort themselves. */
static void
verify_read(const struct cluster *c, uint32_t p, double cpu, double served)
{
	double want_cpu = cl_pod_cpu_seconds(c, p), want_served = cl_pod_served(c, p);
	if (memcmp(&cpu, &want_cpu, sizeof cpu) != 0 ||
	    memcmp(&served, &want_served, sizeof served) != 0) {
		fprintf(stderr, "kubesim: KS_METRICS_VERIFY: pod %u read %.17g cpu s, "
		    "%.17g served; its accessors say %.17g, %.17g\n", p, cpu, served,
		    want_cpu, want_served);
		abort();
	}
}

/* KS_METRICS_VERIFY: the scrape's view of pod p (c->run) must be the pod's. */
static void
verify_run(const struct cluster *c, uint32_t p)
{
	if (cl_pod_run_ok(c, p))
		return;
	const struct cl_pod *pd = &c->pods[p];
	const struct cl_pod_run *r = &c->run[p];
	fprintf(stderr, "kubesim: KS_METRICS_VERIFY: pod %u's run state %d, Deployment %u, "
	    "start %lld; the pod's %d, %u, %lld\n", p, r->state, r->deploy,
	    (long long)r->started, cl_pod_run_state(pd), pd->deploy, (long long)pd->started);
	abort();
}

/* Pod sample pm into its Deployment's tally of this scrape (pass). */
static inline void
same_add(struct deploy_samples *ds, uint32_t pass, const struct cl_pod_metrics *pm)
{
	struct cl_pod_metrics s = { .has = pm->has };
	if (pm->has) {
		s.cpu_milli = pm->cpu_milli;
		s.rps_milli = pm->rps_milli;
		s.at = pm->at;
	}
	if (ds->pass != pass) {
		ds->pass = pass;
		ds->uniform = true;
		ds->s = s;
	} else if (ds->uniform && (s.has != ds->s.has || s.cpu_milli != ds->s.cpu_milli ||
	    s.rps_milli != ds->s.rps_milli || s.at != ds->s.at))
		ds->uniform = false;
}

bool
metrics_uniform(const struct cluster *c, uint32_t d, struct cl_pod_metrics *s)
{
	const struct metrics *ms = metrics_ctl((struct cluster *)c);
	if (ms->same == NULL || d >= ms->nread)
		return false;
	const struct deploy_samples *ds = &ms->same[d];
	if (ds->pass == 0 || !ds->uniform || ds->rev != c->deploys[d].pods_rev)
		return false;
	*s = ds->s;
	return true;
}

static void
on_scrape(struct sim *sim, void *ctx, uint64_t arg)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	sim_ns now = sim_now(sim);
	/* in locals: the stores below and the calls cannot move them */
	const struct cl_pod_run *run = c->run;
	struct cl_deploy *deploys = c->deploys;
	struct cl_pod_metrics *m = ms->m;
	double *cpu_at = ms->cpu_at_scrape, *served_at = ms->served_at_scrape;
	size_t npods = c->npods, nread = ms->nread;
	traffic_use_begin(c);	/* every parked Service at once, then each pod */
	struct traffic_flat use;
	traffic_flat_init(c, &use);
	struct deploy_samples *same = ms->same;
	uint32_t pass = ++ms->pass;
	for (size_t i = 0; i < npods; i++) {
		const struct cl_pod_run *pd = &run[i];
		struct cl_pod_metrics *pm = &m[i];
		if (ms->verify)
			verify_run(c, (uint32_t)i);
		if (pd->state == CL_RUN_FREE || pd->deploy >= nread || !same[pd->deploy].read)
			continue;	/* no autoscaler reads it */
		struct deploy_samples *ds = &same[pd->deploy];
		if (pd->state != CL_RUN_RUNNING) {
			if (pm->has) {
				pm->has = false;
				ds->changed = true;
			}
		} else {
			double idle = ds->idle;
			double cpu, served;
			traffic_use_flat(&use, (uint32_t)i, &cpu, &served);
			if (ms->verify) {
				verify_read(c, (uint32_t)i, cpu, served);
				ms->nverified++;
			}
			if (pm->at > 0 && pm->at >= pd->started) {
				double dt = sim_ns_to_s(now - pm->at);
				double cores = idle + (cpu - cpu_at[i]) / dt;
				int64_t cpu_milli = (int64_t)(cores * 1000.0 + 0.5);
				int64_t rps_milli = (int64_t)((served - served_at[i]) / dt *
				    1000.0 + 0.5);
				/* the sample's time is not part of what changed */
				if (!pm->has || cpu_milli != pm->cpu_milli ||
				    rps_milli != pm->rps_milli)
					ds->changed = true;
				pm->cpu_milli = cpu_milli;
				pm->rps_milli = rps_milli;
				pm->has = true;
			}
			pm->at = now;
			cpu_at[i] = cpu;
			served_at[i] = served;
		}
		same_add(ds, pass, pm);
	}
	/* a Deployment's pods_rev moves on once for all its changed samples
	 * (only its changing is read) */
	for (size_t d = 0; d < nread; d++) {
		if (same[d].changed) {
			deploys[d].pods_rev++;
			same[d].changed = false;
		}
		if (same[d].pass == pass)
			same[d].rev = deploys[d].pods_rev;
	}
	sim_after(sim, c->t.metrics_resolution, PRIO_METRICS, on_scrape, ms, 0);
}

static void
on_change(void *ctx, enum cl_change what, uint32_t p)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	if (what == CL_POD_ADDED) {
		if (c->npods > ms->cap) {
			size_t cap = ms->cap ? ms->cap : 8;
			while (cap < c->npods)
				cap *= 2;
			ms->m = xreallocarray(ms->m, cap, sizeof *ms->m);
			ms->cpu_at_scrape = xreallocarray(ms->cpu_at_scrape, cap,
			    sizeof *ms->cpu_at_scrape);
			ms->served_at_scrape = xreallocarray(ms->served_at_scrape, cap,
			    sizeof *ms->served_at_scrape);
			ms->cap = cap;
		}
		ms->m[p] = (struct cl_pod_metrics){ 0 };
		ms->cpu_at_scrape[p] = 0;
		ms->served_at_scrape[p] = 0;
	} else {	/* CL_POD_STARTED: the window starts again */
		ms->cpu_at_scrape[p] = cl_pod_cpu_seconds(c, p);
		if (ms->m[p].has)
			c->deploys[c->pods[p].deploy].pods_rev++;
		ms->m[p].has = false;
	}
}

static void *
metrics_create(struct cluster *c)
{
	struct metrics *ms = xcalloc(1, sizeof *ms);
	ms->c = c;
	ms->verify = getenv("KS_METRICS_VERIFY") != NULL;
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_STARTED), on_change, ms);
	return ms;
}

static void
metrics_start(struct cluster *c)
{
	if (horizontal_count(c) == 0 && vertical_count(c) == 0)
		return;
	struct metrics *ms = metrics_ctl(c);
	ms->nread = c->ndeploys;
	ms->same = xcalloc(ms->nread ? ms->nread : 1, sizeof *ms->same);
	for (size_t i = 0; i < horizontal_count(c); i++)
		ms->same[horizontal_target(c, i)].read = true;
	for (size_t i = 0; i < vertical_count(c); i++)
		ms->same[vertical_target(c, i)].read = true;
	/* A Deployment's Service and its profile are set before the start. */
	for (size_t i = 0; i < ms->nread; i++) {
		const struct cl_deploy *d = &c->deploys[i];
		int32_t prof = d->service != NONE ? c->services[d->service].profile : -1;
		ms->same[i].idle = prof >= 0 ? (double)c->profiles[prof].p.idle_cpu_milli / 1000.0 : 0;
	}
	sim_after(c->sim, c->t.metrics_resolution, PRIO_METRICS, on_scrape, metrics_ctl(c), 0);
}

static void
metrics_destroy(struct cluster *c)
{
	struct metrics *ms = metrics_ctl(c);
	if (ms->verify)
		fprintf(stderr, "kubesim: KS_METRICS_VERIFY: %llu reads agreed\n",
		    (unsigned long long)ms->nverified);
	free(ms->m);
	free(ms->cpu_at_scrape);
	free(ms->served_at_scrape);
	free(ms->same);
	free(ms);
}

const struct cl_controller metrics_controller = {
	.name = "metrics-server", .create = metrics_create, .start = metrics_start,
	.destroy = metrics_destroy,
};
