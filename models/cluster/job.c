/*
 * job.c - the Job and CronJob controllers in the simulated cluster. A Job
 * (or each Job a CronJob starts, a "run" here) keeps min(parallelism,
 * completions - succeeded) pods active; a pod's containers run for a time
 * drawn from the Job's run-time distribution and then succeed, or fail with
 * the Job's failure probability (cl_set_job_params); after a failure new
 * pods wait out the back-off (10 s doubling to 6 min, job_backoff_delay);
 * more than backoffLimit failures, or activeDeadlineSeconds passed, fail the
 * Job and delete its active pods. A CronJob starts runs on its schedule
 * (cron_sync: concurrencyPolicy, startingDeadlineSeconds) in the wall-clock
 * time the scenario's start time gives t = 0. Upstream: pkg/controller/job,
 * pkg/controller/cronjob.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/controller/cronjob.h"
#include "models/controller/job.h"

#define JOB_BACKOFF_DEFAULT	(10 * SIM_SEC)	/* DefaultJobPodFailureBackOff */
#define JOB_BACKOFF_MAX		(6 * SIM_MIN)	/* MaxJobPodFailureBackOff */

struct job_run {
	uint32_t	 deploy;
	char		*name;
	sim_ns		 started;
	int64_t		 scheduled;	/* CronJob runs: the scheduled wall time */
	int32_t		 active, succeeded, failed;
	struct job_backoff backoff;
	bool		 done, failed_job;
	sim_timer	 sync;
	uint32_t	 seq;
};

struct job_params {
	struct sim_dist	 run_time;	/* seconds */
	double		 fail_prob;
};

struct jobs {
	struct cluster	*c;
	gsl_rng		*rng;		/* watch latencies */
	gsl_rng		*rng_run;	/* run times and outcomes */
	struct job_run	*runs;
	size_t		 nruns, capruns;
	struct job_params *params;	/* per deployment */
	size_t		 nparams;
	sim_timer	*pod_timer;	/* per pod slot: its containers' exit */
	size_t		 npod_timer;
	sim_timer	*cron_timer;	/* per deployment */
	int64_t		 start_wall;	/* Unix ns of t = 0 */
	int64_t		*last_schedule;	/* per deployment (CronJob) */
	char		**names;	/* the names given to cl_set_job_params */
	struct job_params *named;
	size_t		 nnamed;
};

static struct jobs *
jobs_of(struct cluster *c)
{
	return c->ctl[CTL_JOB];
}

int
cl_set_job_params(struct cluster *c, const char *name, const struct sim_dist *run_time,
    double fail_prob)
{
	struct jobs *j = jobs_of(c);
	j->names = xreallocarray(j->names, j->nnamed + 1, sizeof *j->names);
	j->named = xreallocarray(j->named, j->nnamed + 1, sizeof *j->named);
	j->names[j->nnamed] = xstrdup(name);
	j->named[j->nnamed].run_time = *run_time;
	j->named[j->nnamed].fail_prob = fail_prob;
	return (int)j->nnamed++;
}

void
cl_set_start_time(struct cluster *c, int64_t unix_ns)
{
	jobs_of(c)->start_wall = unix_ns;
}

static void run_sync_soon(struct jobs *j, uint32_t run);

static void
on_pod_exit(struct sim *sim, void *ctx, uint64_t arg)
{
	struct jobs *j = ctx;
	struct cluster *c = j->c;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	j->pod_timer[p] = 0;
	const struct job_params *pr = &j->params[c->pods[p].deploy];
	bool failed = pr->fail_prob > 0 && gsl_rng_uniform(j->rng_run) < pr->fail_prob;
	struct job_run *r = &j->runs[c->pods[p].slot];
	if (failed) {
		r->failed++;
		r->backoff.failures++;
		r->backoff.has_last = true;
		r->backoff.last_failure = sim_now(sim);
	} else {
		r->succeeded++;
		r->backoff.failures = 0;
	}
	pod_exit(c, p, failed);
	run_sync_soon(j, c->pods[p].slot);
}

static void
finish(struct jobs *j, struct job_run *r, bool failed, const char *reason)
{
	struct cluster *c = j->c;
	r->done = true;
	r->failed_job = failed;
	struct cl_deploy *d = &c->deploys[r->deploy];
	for (uint32_t p = d->first_pod; p != NONE;) {
		uint32_t next = c->pods[p].dep_next;
		if (&j->runs[c->pods[p].slot] == r && !c->pods[p].deleting)
			pod_delete(c, p, reason);
		p = next;
	}
	cl_event(c, failed ? "JobFailed" : "JobComplete", r->name, "%s: %d succeeded, %d failed",
	    reason, (int)r->succeeded, (int)r->failed);
}

static void
on_run_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct jobs *j = ctx;
	struct cluster *c = j->c;
	struct job_run *r = &j->runs[arg];
	const struct k8s_deployment *w = c->deploys[r->deploy].d;
	r->sync = 0;
	if (r->done)
		return;
	sim_ns now = sim_now(sim);
	/* active: this run's pods not finished */
	int32_t active = 0;
	struct cl_deploy *d = &c->deploys[r->deploy];
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		if (c->pods[p].slot == arg && !c->pods[p].deleting)
			active++;
	r->active = active;
	if (r->failed > w->backoff_limit) {
		finish(j, r, true, "BackoffLimitExceeded");
		return;
	}
	if (w->active_deadline_s >= 0 && now - r->started >= w->active_deadline_s * SIM_SEC) {
		finish(j, r, true, "DeadlineExceeded");
		return;
	}
	bool complete = w->completions >= 0 ? r->succeeded >= w->completions :
	    r->succeeded > 0 && active == 0;
	if (complete) {
		finish(j, r, false, "Completed");
		return;
	}
	int32_t want = w->parallelism;
	if (w->completions >= 0 && w->completions - r->succeeded < want)
		want = w->completions - r->succeeded;
	if (w->completions < 0 && r->succeeded > 0)
		want = 0;	/* a work queue drains once one pod succeeded */
	if (want > active) {
		sim_ns wait = job_backoff_remaining(&r->backoff, now, JOB_BACKOFF_DEFAULT,
		    JOB_BACKOFF_MAX);
		if (wait > 0) {
			r->sync = sim_after(sim, wait, PRIO_CONTROLLER, on_run_sync, j, arg);
			return;
		}
		for (int32_t i = active; i < want; i++) {
			char name[300];
			snprintf(name, sizeof name, "%s-%05u", r->name, r->seq++);
			pod_create_as(c, r->deploy, name, NULL, (uint32_t)arg);
		}
	}
	if (w->active_deadline_s >= 0)
		r->sync = sim_at(sim, r->started + w->active_deadline_s * SIM_SEC,
		    PRIO_CONTROLLER, on_run_sync, j, arg);
}

static void
run_sync_soon(struct jobs *j, uint32_t run)
{
	struct cluster *c = j->c;
	struct job_run *r = &j->runs[run];
	if (r->done)
		return;
	sim_cancel(c->sim, r->sync);
	sim_ns lat = sim_dist_sample_ns(&c->t.watch_latency, j->rng);
	r->sync = sim_after(c->sim, lat, PRIO_CONTROLLER, on_run_sync, j, run);
}

static uint32_t
run_new(struct jobs *j, uint32_t deploy, const char *name, int64_t scheduled)
{
	KS_GROW(j->runs, j->capruns, j->nruns + 1);
	struct job_run *r = &j->runs[j->nruns];
	memset(r, 0, sizeof *r);
	r->deploy = deploy;
	r->name = xstrdup(name);
	r->started = sim_now(j->c->sim);
	r->scheduled = scheduled;
	cl_event(j->c, "JobCreated", name, "%s",
	    k8s_kind_name(j->c->deploys[deploy].d->kind));
	run_sync_soon(j, (uint32_t)j->nruns);
	return (uint32_t)j->nruns++;
}

/* ---- CronJob ------------------------------------------------------------- */

static void
on_cron(struct sim *sim, void *ctx, uint64_t arg)
{
	struct jobs *j = ctx;
	struct cluster *c = j->c;
	const struct k8s_deployment *w = c->deploys[arg].d;
	j->cron_timer[arg] = 0;
	struct cron_spec cs = { .policy = (enum cron_concurrency)w->concurrency,
		.starting_deadline_s = w->starting_deadline_s, .suspend = w->suspend,
		.created = j->start_wall };
	char *why = NULL;
	if (cron_parse(w->schedule, &cs.sched, &why) < 0) {
		free(why);	/* validated when read */
		return;
	}
	int64_t *active = xcalloc(j->nruns + 1, sizeof *active);
	size_t nactive = 0;
	for (size_t i = 0; i < j->nruns; i++)
		if (j->runs[i].deploy == arg && !j->runs[i].done)
			active[nactive++] = j->runs[i].scheduled;
	struct cron_status st = { .last_schedule = j->last_schedule[arg], .active = active,
		.nactive = nactive };
	int64_t now = j->start_wall + sim_now(sim);
	struct cron_decision dec;
	cron_sync(&cs, &st, now, &dec);
	free(active);
	if (dec.replace)
		for (size_t i = 0; i < j->nruns; i++)
			if (j->runs[i].deploy == arg && !j->runs[i].done)
				finish(j, &j->runs[i], true, "Replaced");
	if (dec.create) {
		char name[300];
		snprintf(name, sizeof name, "%s-%lld", w->name,
		    (long long)cron_job_suffix(dec.scheduled));
		run_new(j, (uint32_t)arg, name, dec.scheduled);
		j->last_schedule[arg] = dec.scheduled;
	} else if (dec.event == CRON_EV_ALREADY_ACTIVE) {
		cl_event(c, "JobAlreadyActive", w->name, "concurrencyPolicy Forbid");
	}
	if (dec.requeue_after >= 0)
		j->cron_timer[arg] = sim_after(sim, dec.requeue_after, PRIO_CONTROLLER, on_cron,
		    j, arg);
}

/* ---- watching ------------------------------------------------------------ */

static void
pod_timer_grow(struct jobs *j, size_t n)
{
	if (n <= j->npod_timer)
		return;
	size_t m = n * 2;
	j->pod_timer = xreallocarray(j->pod_timer, m, sizeof *j->pod_timer);
	memset(j->pod_timer + j->npod_timer, 0, (m - j->npod_timer) * sizeof *j->pod_timer);
	j->npod_timer = m;
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct jobs *j = ctx;
	struct cluster *c = j->c;
	if (j->params == NULL)
		return;
	enum k8s_workload_kind k = cl_pod_kind(c, id);
	if (k != K8S_KIND_JOB && k != K8S_KIND_CRONJOB)
		return;
	pod_timer_grow(j, id + 1);
	sim_cancel(c->sim, j->pod_timer[id]);
	j->pod_timer[id] = 0;
	if (what == CL_POD_STARTED) {
		const struct job_params *pr = &j->params[c->pods[id].deploy];
		sim_ns d = sim_dist_sample_ns(&pr->run_time, j->rng_run);
		j->pod_timer[id] = sim_after(c->sim, d, PRIO_POD, on_pod_exit, j,
		    CL_POD_ARG(c, id));
	} else if (what == CL_POD_REMOVED && !c->pods[id].succeeded && !c->pods[id].failed) {
		/* gone without finishing (evicted, its node deleted): replaced */
		run_sync_soon(j, c->pods[id].slot);
	}
}

static void *
job_create(struct cluster *c)
{
	struct jobs *j = xcalloc(1, sizeof *j);
	j->c = c;
	j->rng = sim_rng_new(c->seed, "job-controller");
	j->rng_run = sim_rng_new(c->seed, "job-pods");
	j->start_wall = JOB_DEFAULT_START;
	cl_watch(c, CL_ON(CL_POD_STARTED) | CL_ON(CL_POD_LOST) | CL_ON(CL_POD_REMOVED),
	    on_change, j);
	return j;
}

static void
job_start(struct cluster *c)
{
	struct jobs *j = jobs_of(c);
	j->params = xcalloc(c->ndeploys + 1, sizeof *j->params);
	j->cron_timer = xcalloc(c->ndeploys + 1, sizeof *j->cron_timer);
	j->last_schedule = xcalloc(c->ndeploys + 1, sizeof *j->last_schedule);
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_deployment *w = c->deploys[i].d;
		struct job_params *pr = &j->params[i];
		pr->run_time = (struct sim_dist){ .kind = SIM_DIST_CONST,
			.a = JOB_DEFAULT_RUN_S };
		for (size_t k = 0; k < j->nnamed; k++)
			if (strcmp(j->names[k], w->name) == 0)
				*pr = j->named[k];
		j->last_schedule[i] = CRON_NONE;
		c->deploys[i].replicas = w->kind == K8S_KIND_JOB || w->kind == K8S_KIND_CRONJOB ?
		    0 : c->deploys[i].replicas;
		deploy_rev_sync(c, (uint32_t)i);
		if (w->kind == K8S_KIND_JOB)
			run_new(j, (uint32_t)i, w->name, CRON_NONE);
		else if (w->kind == K8S_KIND_CRONJOB)
			j->cron_timer[i] = sim_after(c->sim, 0, PRIO_CONTROLLER, on_cron, j, i);
	}
}

static void
job_destroy(struct cluster *c)
{
	struct jobs *j = jobs_of(c);
	for (size_t i = 0; i < j->nruns; i++)
		free(j->runs[i].name);
	free(j->runs);
	for (size_t i = 0; i < j->nnamed; i++)
		free(j->names[i]);
	free(j->names);
	free(j->named);
	free(j->params);
	free(j->pod_timer);
	free(j->cron_timer);
	free(j->last_schedule);
	gsl_rng_free(j->rng);
	gsl_rng_free(j->rng_run);
	free(j);
}

const struct cl_controller job_controller = {
	.name = "job", .create = job_create, .start = job_start, .destroy = job_destroy,
};
