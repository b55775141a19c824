/*
 * serve.c - each Service's traffic, per tick: the offered requests are
 * spread evenly over its endpoints (round-robin) and each endpoint pod's
 * queue advances with the fluid model of models/serving.c. A request sent
 * to an endpoint whose pod has died (the endpoint not yet removed) fails;
 * with no endpoints at all every request fails. Pods in the same state
 * give the same outcome, so one step serves a whole group: the cost per
 * tick follows the number of distinct pod states, not the request rate.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster_int.h"

#define SERVE_GROUPS 8

struct serve_group {
	struct serving_pod	before;	/* state that defines the group */
	bool			dead;
	struct serving_pod	after;
	struct serving_result	res;
	double			npods;
};

static bool
same_state(const struct serving_pod *a, const struct serving_pod *b)
{
	return a->backlog == b->backlog && a->busy == b->busy;
}

static void
serve_profile(struct cluster *c, struct cl_profile *pr, struct serving_dist *dist,
    sim_ns from, sim_ns to)
{
	struct cl_service *sv = &c->services[pr->service];
	double dt = sim_ns_to_s(to - from);
	double offered = pr->p.offered ? pr->p.offered(pr->p.offered_ctx, from, to) : 0;
	if (offered < 0)
		offered = 0;
	pr->offered += offered;
	pr->total_offered += offered;
	if (sv->nendpoints == 0) {
		pr->errors += offered;
		pr->total_errors += offered;
		return;
	}
	double per_pod = offered / (double)sv->nendpoints;
	struct serving_tick in = {
		.dt = dt, .offered = per_pod, .concurrency = pr->p.concurrency,
		.timeout = sim_ns_to_s(pr->p.timeout), .queue_limit = pr->p.queue_limit,
		.dist = dist,
	};
	struct serve_group groups[SERVE_GROUPS];
	size_t ngroups = 0;
	double ok = 0, err = 0, tmo = 0, work = 0;
	for (size_t e = 0; e < sv->nendpoints; e++) {
		struct cl_pod *pd = &c->pods[sv->endpoints[e]];
		bool dead = pd->lost;
		struct serve_group *g = NULL;
		for (size_t i = 0; i < ngroups; i++) {
			if (groups[i].dead == dead && same_state(&groups[i].before, &pd->sv)) {
				g = &groups[i];
				break;
			}
		}
		if (g == NULL && ngroups < SERVE_GROUPS) {
			g = &groups[ngroups++];
			g->before = pd->sv;
			g->dead = dead;
			g->npods = 0;
			g->after = pd->sv;
			in.state = dead ? SERVING_DEAD : SERVING_OK;
			serving_step(&g->after, &in, &g->res, NULL);
		}
		const struct serving_result *res;
		struct serving_result own;
		if (g != NULL) {
			g->npods++;
			pd->sv = g->after;
			res = &g->res;
		} else {
			in.state = dead ? SERVING_DEAD : SERVING_OK;
			serving_step(&pd->sv, &in, &own, pr->hist);
			res = &own;
		}
		ok += res->ok;
		tmo += res->timed_out;
		err += res->rejected + res->failed;
		double w = res->started * pr->p.cpu_per_request;
		pd->cpu_seconds += w;
		work += w;
	}
	for (size_t i = 0; i < ngroups; i++)
		serving_add_latency(&groups[i].res, dist, in.timeout, groups[i].npods, pr->hist);
	pr->ok += ok;
	pr->errors += err;
	pr->timeouts += tmo;
	pr->total_ok += ok;
	pr->total_errors += err + tmo;
	pr->cpu_used_interval += work;
}

static void
on_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	for (size_t i = 0; i < c->nprofiles; i++)
		serve_profile(c, &c->profiles[i], &c->dists[i], now - c->t.tick, now);
	if (now + c->t.tick <= c->t.duration)
		sim_after(sim, c->t.tick, PRIO_SERVE, on_tick, c, 0);
}

void
serve_start(struct cluster *c)
{
	if (c->nprofiles == 0 || c->t.tick <= 0)
		return;
	c->dists = xcalloc(c->nprofiles, sizeof *c->dists);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		double mean = sim_dist_mean(&pr->p.service_time);
		double scv = 1.0;
		const struct sim_dist *d = &pr->p.service_time;
		switch (d->kind) {
		case SIM_DIST_CONST: scv = 0; break;
		case SIM_DIST_EXPONENTIAL: scv = 1; break;
		case SIM_DIST_LOGNORMAL: scv = exp(d->b * d->b) - 1; break;
		case SIM_DIST_GAMMA: scv = 1.0 / d->a; break;
		case SIM_DIST_UNIFORM: {
			double w = d->b - d->a;
			scv = mean > 0 ? (w * w / 12.0) / (mean * mean) : 0;
			break;
		}
		case SIM_DIST_NORMAL: scv = mean > 0 ? d->b * d->b / (mean * mean) : 0; break;
		default: scv = 1; break;
		}
		char *cause = NULL;
		if (serving_dist_init(&c->dists[i], mean, scv, &cause) < 0)
			ks_fatal("service %s: %s", pr->p.service, cause);
	}
	sim_after(c->sim, c->t.tick, PRIO_SERVE, on_tick, c, 0);
}

/* A pod leaving service: its queue is dropped. */
void
serve_pod_gone(struct cluster *c, uint32_t p)
{
	serving_pod_init(&c->pods[p].sv);
}
