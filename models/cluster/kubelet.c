/*
 * kubelet.c - the node agent: it sees a pod bound to its node after the
 * watch latency, pulls the images the node lacks, starts the containers,
 * runs the startup, readiness and liveness probe workers against the
 * release's behavior, restarts exited containers with the crash-loop
 * back-off (models/kubelet/backoff.h), OOM-killed ones (memory.c) too,
 * restarts the containers when its node comes back, and terminates
 * deleting pods (SIGTERM once out of the endpoints, capped by
 * terminationGracePeriodSeconds). Upstream:
 * pkg/kubelet (pod workers, prober, kuberuntime doBackOff).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include <gsl/gsl_randist.h>

struct kubelet {
	gsl_rng		*rng;		/* "containers": crash times */
};

/* Why a container exits (cl_pod.exit_why). */
enum { EXIT_CRASH = 1, EXIT_LIVENESS, EXIT_STARTUP, EXIT_OOM };

/* The first container's probe of each kind that has one (kubesim runs a
 * pod's containers as one). */
static const struct k8s_probe *
pod_probe(const struct cl_pod *pd, int kind)
{
	const struct k8s_pod_spec *s = pd->spec;
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct k8s_container *k = &s->containers[i];
		const struct k8s_probe *pr = kind == 0 ? &k->readiness : kind == 1 ?
		    &k->liveness : &k->startup;
		if (pr->set)
			return pr;
	}
	return NULL;
}

static const struct k8s_probe *
pod_readiness(const struct cluster *c, const struct cl_pod *pd)
{
	(void)c;
	return pod_probe(pd, 0);
}

static void
on_probe_success(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (c->pods[p].phase == POD_RUNNING && !c->pods[p].lost)
		pod_set_ready(c, p, true);
}

/*
 * The kubelet's readiness worker probes at once when it starts and then
 * every periodSeconds; a probe before initialDelaySeconds have passed since
 * the container started (whole seconds, truncated) keeps the result as it
 * is. The first counted success makes the pod Ready (successThreshold
 * consecutive successes; the application is assumed healthy).
 */
static sim_ns
first_ready_time(const struct k8s_probe *pr, sim_ns origin, sim_ns started)
{
	sim_ns period = (sim_ns)(pr->period_s > 0 ? pr->period_s : 10) * SIM_SEC;
	sim_ns t = origin;
	if (t < started)
		t += ((started - origin + period - 1) / period) * period;
	while ((t - started) / SIM_SEC < pr->initial_delay_s)
		t += period;
	int32_t succ = pr->success_threshold > 0 ? pr->success_threshold : 1;
	return ks_sat_add(t, ks_sat_mul(succ - 1, period));	/* 2^31 x 10 years */
}

static void on_container_exit(struct sim *sim, void *ctx, uint64_t arg);
static void pod_start_containers(struct cluster *c, uint32_t p, bool pull);

#define NEVER	INT64_MAX

static sim_ns
probe_period(const struct k8s_probe *pr)
{
	return (sim_ns)(pr->period_s > 0 ? pr->period_s : 10) * SIM_SEC;
}

/* The first probe of a worker started at origin (probing then every
 * period) that counts for a container started at `started` and may run
 * from `from`: initialDelaySeconds after the start, whole seconds. */
static sim_ns
first_probe(const struct k8s_probe *pr, sim_ns origin, sim_ns started, sim_ns from)
{
	sim_ns period = probe_period(pr);
	sim_ns t = origin;
	if (t < from)
		t += ((from - origin + period - 1) / period) * period;
	while ((t - started) / SIM_SEC < pr->initial_delay_s)
		t += period;
	return t;
}

/*
 * A started container of a release that may misbehave: when its startup
 * probe succeeds (or the failures that kill it), when it becomes Ready,
 * when liveness kills it, when it crashes. The application answers probes
 * from `startup` after the start (not at all for readiness when not_ready,
 * for liveness when not_live); a probe fails failureThreshold times in a
 * row before the kubelet acts. The earliest exit wins.
 */
static void
container_plan(struct cluster *c, uint32_t p, sim_ns now)
{
	struct kubelet *kl = c->ctl[CTL_KUBELET];
	struct cl_pod *pd = &c->pods[p];
	static const struct cl_behavior healthy;
	const struct cl_behavior *b = pd->behave != NULL ? pd->behave : &healthy;
	sim_ns up = now + b->startup, started = now, exit_at = NEVER;
	uint8_t why = 0;
	const struct k8s_probe *sp = pod_probe(pd, 2), *rp = pod_probe(pd, 0),
	    *lp = pod_probe(pd, 1);
	if (sp != NULL) {
		sim_ns t = first_probe(sp, pd->probe_origin, now, now);
		int32_t fails = 0;
		for (;;) {
			if (t >= up) {
				started = t;
				break;
			}
			if (++fails >= (sp->failure_threshold > 0 ? sp->failure_threshold : 3)) {
				exit_at = t;
				why = EXIT_STARTUP;
				break;
			}
			t += probe_period(sp);
		}
	}
	sim_ns ready_at = NEVER;
	if (exit_at == NEVER) {
		if (b->not_ready)
			ready_at = NEVER;
		else if (rp == NULL)
			ready_at = started;
		else {
			sim_ns t = first_probe(rp, pd->probe_origin, now, started);
			if (t < up)
				t += ((up - t + probe_period(rp) - 1) / probe_period(rp)) *
				    probe_period(rp);
			int32_t succ = rp->success_threshold > 0 ? rp->success_threshold : 1;
			ready_at = t + (sim_ns)(succ - 1) * probe_period(rp);
		}
		if (lp != NULL) {
			sim_ns t = first_probe(lp, pd->probe_origin, now, started);
			int32_t ft = lp->failure_threshold > 0 ? lp->failure_threshold : 3;
			sim_ns kill = t + (sim_ns)(ft - 1) * probe_period(lp);
			if (b->not_live || kill < up) {
				exit_at = kill;
				why = EXIT_LIVENESS;
			}
		}
		sim_ns crash = NEVER;
		if (b->crash_after > 0)
			crash = now + b->crash_after;
		if (b->mean_time_to_crash > 0) {
			double x = gsl_ran_exponential(kl->rng, sim_ns_to_s(b->mean_time_to_crash));
			sim_ns t2 = now + (sim_ns)(x * 1e9);
			if (t2 < crash)
				crash = t2;
		}
		if (crash < exit_at) {
			exit_at = crash;
			why = EXIT_CRASH;
		}
	}
	if (ready_at < exit_at && ready_at != NEVER) {
		if (ready_at <= now)
			pod_set_ready(c, p, true);
		else
			pd->timer = sim_at(c->sim, ready_at, PRIO_POD, on_probe_success, c,
			    CL_POD_ARG(c, p));
	}
	if (exit_at != NEVER) {
		pd->exit_why = why;
		pd->exit_timer = sim_at(c->sim, exit_at, PRIO_POD, on_container_exit, c,
		    CL_POD_ARG(c, p));
	}
}

static void
on_container_started(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->lost || pd->phase != POD_CREATING)
		return;
	sim_ns now = sim_now(sim);
	pd->started = now;
	pod_run_sync(c, p);
	cl_notify(c, CL_POD_STARTED, p);
	pod_set_phase(c, p, POD_RUNNING);
	cl_event(c, "PodRunning", pd->name, "%s", c->nodes[pd->node].spec->name);
	if (pd->behave != NULL || pod_probe(pd, 2) != NULL) {
		container_plan(c, p, now);
		return;
	}
	const struct k8s_probe *pr = pod_readiness(c, pd);
	if (pr == NULL) {
		pod_set_ready(c, p, true);
		return;
	}
	sim_ns at = first_ready_time(pr, pd->probe_origin, now);
	pd->timer = sim_at(sim, at, PRIO_POD, on_probe_success, c, CL_POD_ARG(c, p));
}

void
kubelet_warm_start(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	sim_ns now = sim_now(c->sim);
	pod_set_phase(c, p, POD_RUNNING);
	cl_notify(c, CL_POD_STARTED, p);
	/* Running since long before t = 0: an hour, longer than the HPA's cpu
	 * initialization period and readiness delay, so its metrics count
	 * from the first scrape. */
	pd->started = pd->probe_origin = pd->created = now - SIM_HOUR;
	pod_run_sync(c, p);
	if (pd->behave != NULL || pod_probe(pd, 1) != NULL || pod_probe(pd, 2) != NULL) {
		/* a release that misbehaves, or liveness/startup probes: the
		 * kubelet plans its containers from now */
		container_plan(c, p, now);
		return;
	}
	pod_set_ready(c, p, true);
	pd->ready_changed = now - SIM_HOUR;
}

static bool
node_has_image(struct cl_node *n, const char *image)
{
	for (size_t i = 0; i < n->nimages; i++)
		if (strcmp(n->images[i], image) == 0)
			return true;
	return false;
}

/* ContainerCreating: pull the images the node lacks, then start. */
static void
pod_start_containers(struct cluster *c, uint32_t p, bool pull)
{
	struct cl_pod *pd = &c->pods[p];
	struct cl_node *n = &c->nodes[pd->node];
	pod_set_phase(c, p, POD_CREATING);
	pd->probe_origin = sim_now(c->sim);
	sim_ns d = 0;
	const struct k8s_pod_spec *s = pd->spec;
	bool pulled = false;
	for (size_t i = 0; pull && i < s->ncontainers; i++) {
		const char *img = s->containers[i].image;
		if (img == NULL || node_has_image(n, img))
			continue;
		if (!pulled)
			d += sim_dist_sample_ns(&c->t.image_pull, c->rng_kubelet);
		d = cl_image_pull(c, p, img, d);	/* failing or slow pulls (chaos.c) */
		pulled = true;
		KS_GROW(n->images, n->capimages, n->nimages + 1);
		n->images[n->nimages++] = xstrdup(img);
	}
	d += sim_dist_sample_ns(&c->t.container_start, c->rng_kubelet);
	cl_event(c, "PodCreating", pd->name, "%s%s", n->spec->name, pulled ? ", pulling image" : "");
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_container_started, c, CL_POD_ARG(c, p));
}

/* The back-off is over (or there was none): Next(finishedAt), then the
 * container starts again (images are on the node). */
static void
on_restart(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->lost || pd->deleting)
		return;
	struct backoff_policy pol = BACKOFF_CRASHLOOP;
	backoff_next(&pol, &pd->crash_backoff, pd->finished_at, sim_now(sim));
	pd->restarts++;
	c->deploys[pd->deploy].restarts++;
	cl_event(c, "Restarted", pd->name, "restart %u", pd->restarts);
	pod_start_containers(c, p, false);
}

/*
 * The container exited (crashed, or killed by a failing liveness or startup
 * probe): the pod is not Ready; with restartPolicy Always (a Deployment's)
 * or OnFailure it restarts at once unless in back-off since the exit
 * (kuberuntime doBackOff: IsInBackOffSince(finishedAt)), in which case it
 * waits in CrashLoopBackOff until finishedAt + the back-off.
 */
static void
on_container_exit(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->exit_timer = 0;
	if (pd->lost || pd->deleting || (pd->phase != POD_RUNNING && pd->phase != POD_READY))
		return;
	sim_ns now = sim_now(sim);
	if (pd->exit_why == EXIT_LIVENESS || pd->exit_why == EXIT_STARTUP) {
		const char *kind = pd->exit_why == EXIT_LIVENESS ? "Liveness" : "Startup";
		cl_event(c, "Unhealthy", pd->name, "%s probe failed", kind);
		cl_event(c, "Killing", pd->name, "Container failed %s probe, will be "
		    "restarted", pd->exit_why == EXIT_LIVENESS ? "liveness" : "startup");
	} else if (pd->exit_why != EXIT_OOM) {	/* OOMKilled: memory.c's event */
		cl_event(c, "ContainerDied", pd->name, "exit code 1 after %.0f s",
		    sim_ns_to_s(now - pd->started));
	}
	sim_cancel(sim, pd->timer);
	pd->timer = 0;
	pd->finished_at = now;
	if (pd->ready_cond)
		pod_set_ready(c, p, false);
	if (pd->spec->restart_policy == K8S_RESTART_NEVER)
		return;
	struct backoff_policy pol = BACKOFF_CRASHLOOP;
	if (backoff_since(&pol, &pd->crash_backoff, now, now)) {
		sim_ns wait = backoff_get(&pd->crash_backoff);
		cl_event(c, "BackOff", pd->name, "Back-off %.0f s restarting failed container "
		    "(CrashLoopBackOff)", sim_ns_to_s(wait));
		pd->timer = sim_at(sim, now + wait, PRIO_POD, on_restart, c, CL_POD_ARG(c, p));
		return;
	}
	on_restart(sim, c, CL_POD_ARG(c, p));
}

void
kubelet_oom_kill(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	sim_cancel(c->sim, pd->exit_timer);
	pd->exit_timer = 0;
	pd->exit_why = EXIT_OOM;
	on_container_exit(c->sim, c, CL_POD_ARG(c, p));
}

void
kubelet_liveness_kill(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->lost || pd->deleting || (pd->phase != POD_RUNNING && pd->phase != POD_READY))
		return;
	sim_cancel(c->sim, pd->exit_timer);
	pd->exit_timer = 0;
	pd->exit_why = EXIT_LIVENESS;
	on_container_exit(c->sim, c, CL_POD_ARG(c, p));
}

static void
on_kubelet_sees_pod(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	struct cl_pod *pd = &c->pods[p];
	pd->timer = 0;
	if (pd->phase != POD_BOUND || pd->lost || pd->deleting)
		return;
	pod_start_containers(c, p, true);
}

/* The node came back: deleted pods finish terminating, the others have
 * their containers restarted (images are still on the node). */
static void
pod_node_back(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	pd->lost = false;
	pod_run_sync(c, p);
	if (pd->deleting) {
		/* The kubelet confirms the deletion at once. */
		pod_free(c, p);
		return;
	}
	if (pd->ready_cond)
		pod_set_ready(c, p, false);
	if (pd->phase == POD_READY)
		pod_set_phase(c, p, POD_RUNNING);
	pod_start_containers(c, p, false);
}

static void
on_pod_exited(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t p = cl_pod_of(c, arg);
	if (p == NONE)
		return;
	c->pods[p].timer = 0;
	if (!c->pods[p].lost)
		pod_free(c, p);
}

/* A deleting pod exits once out of the endpoints: SIGTERM, shutdown,
 * bounded by terminationGracePeriodSeconds. */
static void
pod_maybe_finish(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	if (pd->ep_index != NONE || endpoints_pending(c, p) || pd->timer != 0 || pd->lost)
		return;
	sim_ns d = sim_dist_sample_ns(&c->t.shutdown, c->rng_kubelet);
	sim_ns grace = pd->spec->termination_grace_s * SIM_SEC;
	if (d > grace)
		d = grace;
	pd->timer = sim_after(c->sim, d, PRIO_POD, on_pod_exited, c, CL_POD_ARG(c, p));
}

static void
on_change(void *ctx, enum cl_change what, uint32_t id)
{
	struct cluster *c = ctx;
	switch (what) {
	case CL_POD_BOUND: {
		sim_ns d = sim_dist_sample_ns(&c->t.watch_latency, c->rng_cp);
		c->pods[id].timer = sim_after(c->sim, d, PRIO_POD, on_kubelet_sees_pod, c,
		    CL_POD_ARG(c, id));
		break;
	}
	case CL_POD_LOST:
	case CL_POD_REMOVED:
		sim_cancel(c->sim, c->pods[id].exit_timer);
		c->pods[id].exit_timer = 0;
		break;
	case CL_POD_TERMINATING: {
		struct cl_pod *pd = &c->pods[id];
		sim_cancel(c->sim, pd->exit_timer);
		pd->exit_timer = 0;
		if (pd->lost)
			break;	/* finishes when the node comes back */
		sim_cancel(c->sim, pd->timer);
		pd->timer = 0;
		if (pd->ep_index == NONE)
			pod_maybe_finish(c, id);
		break;
	}
	case CL_POD_ENDPOINTS_SYNCED:
		pod_maybe_finish(c, id);
		break;
	case CL_NODE_UP: {
		uint32_t p = c->nodes[id].first_pod;
		while (p != NONE) {
			uint32_t next = c->pods[p].node_next;
			pod_node_back(c, p);
			p = next;
		}
		break;
	}
	default:
		break;
	}
}

static void *
kubelet_create(struct cluster *c)
{
	struct kubelet *kl = xcalloc(1, sizeof *kl);
	kl->rng = sim_rng_new(c->seed, "containers");
	cl_watch(c, CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_TERMINATING) |
	    CL_ON(CL_POD_ENDPOINTS_SYNCED) | CL_ON(CL_NODE_UP) | CL_ON(CL_POD_LOST) |
	    CL_ON(CL_POD_REMOVED), on_change, c);
	return kl;
}

static void
kubelet_destroy(struct cluster *c)
{
	struct kubelet *kl = c->ctl[CTL_KUBELET];
	gsl_rng_free(kl->rng);
	free(kl);
}

const struct cl_controller kubelet_controller = {
	.name = "kubelet", .create = kubelet_create, .destroy = kubelet_destroy,
};
