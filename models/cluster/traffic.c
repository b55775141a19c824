/*
 * traffic.c - each Service's traffic, in one of two fidelities.
 * Fluid mode: per tick, the offered requests are split over the endpoints
 * by the service's load-balancing policy (rq_lb_weights) and each endpoint
 * pod's queue advances with the fluid model of models/serving/serving.c. Pods in the
 * same state with the same share give the same outcome, so one step serves
 * a whole group: the cost per tick follows the number of distinct pod
 * states, not the request rate.
 * A Service balanced evenly (round-robin, random) outside the mesh keeps
 * its endpoints in cohorts of identical pods (cohort.h): its tick steps
 * each cohort once, so its cost follows the number of cohorts (one or two
 * in steady state), not of pods; a pod's cpu time and served count are
 * read through cl_pod_cpu_seconds and cl_pod_served.
 * Request mode: models/serving/request.c simulates every request; the tick (and each
 * interval record) moves its counts and CPU into the profile and the pods.
 * Either way a request sent to an endpoint whose pod has died (the endpoint
 * not yet removed) fails, and with no endpoints at all every request fails.
 * Services with mesh settings or callers (models/serving/mesh.h) go through the
 * mesh: request mode hands it their arrivals, fluid mode steps them in call
 * order with serve_fluid_step.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cohort.h"
#include "models/cluster/cpu.h"
#include "models/cluster/probe_load.h"
#include "models/serving/serving.h"
#include "models/cluster/mesh_int.h"
#include "models/cluster/traffic_int.h"
#include "models/serving/request.h"

#define SERVE_GROUPS 8

struct serve_group {
	struct serving_pod	before;	/* state that defines the group */
	bool			dead;
	struct cpu_cap		cap;
	double			offered;
	struct serving_pod	after;
	struct serving_result	res;
	double			npods;
};

/* The mean transfer time of a request: its class's size over the service's
 * bandwidth, weighted by the classes' shares (fluid mode's counterpart of
 * request mode's per-request size / bandwidth). */
static double
serve_transfer_time(const struct cl_profile_params *p)
{
	if (p->bandwidth <= 0 || p->nclasses == 0)
		return 0;
	double wsum = 0, t = 0;
	for (size_t k = 0; k < p->nclasses; k++) {
		wsum += p->classes[k].weight;
		t += p->classes[k].weight * (double)p->classes[k].size / p->bandwidth;
	}
	return wsum > 0 ? t / wsum : 0;
}

static bool
same_state(const struct serving_pod *a, const struct serving_pod *b)
{
	return a->backlog == b->backlog && a->busy == b->busy;
}

static bool
same_cap(const struct cpu_cap *a, const struct cpu_cap *b)
{
	return a->stretch == b->stretch && a->error_rate == b->error_rate &&
	    a->throttled == b->throttled;
}

/* The shares of the endpoints, or NULL for an even split. */
static const double *
fluid_weights(struct cluster *c, struct cl_profile *pr, struct serve_prof *sp)
{
	struct cl_service *sv = &c->services[pr->service];
	size_t n = sv->nendpoints;
	if (pr->p.lb != RQ_LB_RING_HASH && pr->p.lb != RQ_LB_LEAST_REQUEST)
		return NULL;
	if (n > sp->capw) {
		sp->capw = n;
		sp->w = xreallocarray(sp->w, n, sizeof *sp->w);
		sp->occ = xreallocarray(sp->occ, n, sizeof *sp->occ);
		sp->w_valid = false;
	}
	if (pr->p.lb == RQ_LB_RING_HASH) {
		if (!sp->w_valid || sp->w_version != sv->ep_version || sp->w_n != n) {
			rq_lb_weights(RQ_LB_RING_HASH, sv->endpoints, n, NULL, sp->w);
			sp->w_valid = true;
			sp->w_version = sv->ep_version;
			sp->w_n = n;
		}
		return sp->w;
	}
	for (size_t e = 0; e < n; e++) {
		const struct serving_pod *ps = &tr_of(c)->sv[sv->endpoints[e]];
		sp->occ[e] = ps->backlog + ps->busy;
	}
	rq_lb_weights(RQ_LB_LEAST_REQUEST, sv->endpoints, n, sp->occ, sp->w);
	return sp->w;
}

double
traffic_cohort_resp(const struct serving_tick *in, const struct serving_result *res,
    double *drain)
{
	*drain = res->backlog * res->smean / in->concurrency;
	return res->smean + (res->backlog > 0 ? *drain :
	    res->st_rate > 0 ? res->st_pw / res->st_rate : 0);
}

/*
 * The endpoints' fluid step: `offered` requests split by the policy (less
 * the endpoints skip() names, unless too few are left: the panic
 * threshold), each pod advanced, its share reported. Outcomes go to *out;
 * pods, cpu, Little's law sums and the latency histogram are updated here.
 */
static void
step_pods(struct cluster *c, size_t i, double dt, double offered, double timeout,
    serve_skip_fn *skip, serve_report_fn *report, void *ctx, struct serve_step_out *out)
{
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	struct serving_dist *dist = &tr_of(c)->dists[i];
	struct serving_pod *svp = tr_of(c)->sv;
	struct cl_service *sv = &c->services[pr->service];
	memset(out, 0, sizeof *out);
	if (sv->nendpoints == 0) {
		out->failed = out->errors = offered;
		return;
	}
	size_t n = sv->nendpoints;
	const double *w = fluid_weights(c, pr, sp);
	if (skip != NULL) {
		if (n > sp->capwm) {
			sp->capwm = n;
			sp->wm = xreallocarray(sp->wm, n, sizeof *sp->wm);
		}
		double sum = 0;
		size_t in = 0;
		for (size_t e = 0; e < n; e++) {
			bool out_e = skip(ctx, sv->endpoints[e]);
			sp->wm[e] = out_e ? 0 : w != NULL ? w[e] : 1.0 / (double)n;
			sum += sp->wm[e];
			in += !out_e;
		}
		if (in < n && sum > 0) {
			for (size_t e = 0; e < n; e++)
				sp->wm[e] /= sum;
			w = sp->wm;
		}
	}
	/* Allen-Cunneen with the arrival variability each pod sees under the
	 * policy (round-robin smooths it to Erlang-n), plus the burstiness of
	 * the arrivals: a pod that gets 1/n of an arrival process of index of
	 * dispersion I sees 1 + (I - 1)/n of it (see serving_wait_factor). */
	double idc = pr->p.arrival_idc != NULL && dt > 0 ?
	    pr->p.arrival_idc(pr->p.offered_ctx, offered / dt) : 1;
	double ca2 = rq_lb_arrival_scv((enum rq_lb)pr->p.lb, n) + (idc - 1) / (double)n;
	dist->wait_factor = serving_wait_factor(ca2, dist->scv);
	double net = pr->p.has_net_latency ? sim_dist_mean(&pr->p.net_latency) : 0;
	net += serve_transfer_time(&pr->p);
	struct serving_tick in = {
		.dt = dt, .concurrency = pr->p.concurrency,
		.timeout = timeout, .queue_limit = pr->p.queue_limit,
		.dist = dist, .net_latency = net,
		.choices = pr->p.lb == RQ_LB_LEAST_REQUEST && n > 1 ? 2 : 0,
	};
	struct serve_group groups[SERVE_GROUPS];
	size_t ngroups = 0, last = 0;
	double ok = 0, err = 0, tmo = 0, work = 0;
	/* The sums live in locals through the loop (the same additions in the
	 * same order as into *sp and *out, without a store per endpoint). */
	double occ = sp->occupancy, soj = sp->sojourn, adm = sp->admitted;
	double o_rej = 0, o_fail = 0, o_start = 0;
	const double even = offered / (double)n, cpu_per = pr->service_cpu;
	struct cl_pod *pods = c->pods;
	const uint32_t *eps = sv->endpoints;
	for (size_t e = 0; e < n; e++) {
		struct cl_pod *pd = &pods[eps[e]];
		struct cl_pod_use *use = &c->use[eps[e]];
		struct serving_pod *ps = &svp[eps[e]];
		bool dead = pd->lost;
		double share = w != NULL ? offered * w[e] : even;
		/* the pod's CPU (limit, busy node) and release: the one lookup */
		struct cpu_cap cap;
		cpu_pod_cap(tr_of(c)->cpu, pr, eps[e], dt > 0 ? share / dt : 0,
		    ps->backlog > 0, -1, &cap);
		struct serve_group *g = NULL;
		/* the group of the previous endpoint first: the same group as
		 * a scan in order finds, the keys being distinct */
		if (last < ngroups && groups[last].dead == dead && groups[last].offered == share &&
		    same_state(&groups[last].before, ps) && same_cap(&groups[last].cap, &cap)) {
			g = &groups[last];
		} else {
			for (size_t k = 0; k < ngroups; k++) {
				if (groups[k].dead == dead && groups[k].offered == share &&
				    same_state(&groups[k].before, ps) &&
				    same_cap(&groups[k].cap, &cap)) {
					g = &groups[k];
					last = k;
					break;
				}
			}
		}
		/* a release's errors are answered at once, the rest served */
		double failing = cap.error_rate > 0 && !dead ? share * cap.error_rate : 0;
		in.stretch = cap.stretch;
		if (g == NULL && ngroups < SERVE_GROUPS) {
			in.offered = share - failing;
			in.state = dead ? SERVING_DEAD : SERVING_OK;
			last = ngroups;
			g = &groups[ngroups++];
			g->before = *ps;
			g->dead = dead;
			g->cap = cap;
			g->offered = share;
			g->npods = 0;
			g->after = *ps;
			serving_step(&g->after, &in, &g->res, NULL);
		}
		const struct serving_result *res;
		struct serving_result own;
		if (g != NULL) {
			g->npods++;
			*ps = g->after;
			res = &g->res;
		} else {
			in.offered = share - failing;
			in.state = dead ? SERVING_DEAD : SERVING_OK;
			serving_step(ps, &in, &own, pr->hist);
			res = &own;
		}
		ok += res->ok;
		use->served += res->ok;	/* the Pods metric requests_per_second */
		tmo += res->timed_out;
		err += res->rejected + res->failed + failing;
		occ += res->occupancy;
		soj += res->sojourn;
		adm += share - failing - res->rejected - res->failed;
		o_rej += res->rejected;
		o_fail += res->failed + failing;
		o_start += res->started;
		if (report != NULL)
			report(ctx, eps[e], share,
			    res->rejected + res->failed + failing + res->timed_out, res->ok);
		double cw = res->started * cpu_per;
		use->cpu_seconds += cw;
		work += cw;
		if (cap.throttled)
			cpu_used(tr_of(c)->cpu, eps[e], cw);
		if (!dead && in.concurrency > 0) {
			/* the pod's response time now: a probe waits as a request */
			double drain;
			double resp = traffic_cohort_resp(&in, res, &drain);
			if (resp > PL_MIN_TIMEOUT_S || pl_any(tr_of(c)->probes))
				pl_seen(tr_of(c)->probes, eps[e], resp, drain);
		}
	}
	sp->occupancy = occ;
	sp->sojourn = soj;
	sp->admitted = adm;
	out->rejected = o_rej;
	out->failed = o_fail;
	out->started = o_start;
	for (size_t k = 0; k < ngroups; k++)
		serving_add_latency_net(&groups[k].res, dist, in.timeout, net,
		    groups[k].npods, pr->hist);
	pr->cpu_used_interval += work;
	out->errors = err;
	out->ok = ok;
	out->timeouts = tmo;
}

/* The members of cohort k after its step, as step_pods does for each pod:
 * their response time to the HTTP probes (probe_load.c), only when it is
 * slow or a probe has failures to clear, so a steady cohort costs nothing
 * here. A probe may flush a member out of the cohort (the set regroups
 * before its next step). */
static void
cohort_probes(struct cluster *c, size_t i, struct cohort_set *cs, size_t k,
    const struct serving_tick *in, const struct serving_result *res)
{
	struct traffic *tr = tr_of(c);
	double drain;
	double resp = traffic_cohort_resp(in, res, &drain);
	if (!(resp > PL_MIN_TIMEOUT_S) && !pl_any(tr->probes))
		return;
	for (size_t m = 0; m < cs->nmembers; m++) {
		uint32_t p = cs->members[m];
		if (tr->cp[p].set == (int32_t)i && tr->cp[p].k == (int32_t)k)
			pl_seen(tr->probes, p, resp, drain);
	}
}

/* step_cohorts' running sums over a tick's cohorts. */
struct cohort_sums {
	double	ok, err, tmo, work, occ, soj, adm, rej, fail, start;
};

static void
sums_begin(struct cluster *c, size_t i, struct cohort_sums *a)
{
	const struct serve_prof *sp = &tr_of(c)->serve->p[i];
	memset(a, 0, sizeof *a);
	a->occ = sp->occupancy;
	a->soj = sp->sojourn;
	a->adm = sp->admitted;
}

/* Cohort k's result res of the tick (its step's inputs in): its members'
 * integrals, the sums, the probes and the latency. */
static void
sums_add(struct cluster *c, size_t i, size_t k, const struct serving_tick *in,
    const struct serving_result *res, struct cohort_sums *a)
{
	struct traffic *tr = tr_of(c);
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr->serve->p[i];
	struct cohort *co = &sp->coh.k[k];
	double m = (double)co->n, even = in->offered;
	a->ok += res->ok * m;
	co->served += res->ok;
	a->tmo += res->timed_out * m;
	a->err += (res->rejected + res->failed) * m;
	a->occ += res->occupancy * m;
	a->soj += res->sojourn * m;
	a->adm += (even - res->rejected - res->failed) * m;
	a->rej += res->rejected * m;
	a->fail += res->failed * m;
	a->start += res->started * m;
	double cw = res->started * pr->service_cpu;
	co->cpu += cw;
	a->work += cw * m;
	if (!co->key.dead && in->concurrency > 0)
		cohort_probes(c, i, &sp->coh, k, in, res);
	serving_add_latency_deferred(res, in->dist, in->timeout, in->net_latency, m,
	    pr->hist, &sp->lat);
}

static void
sums_end(struct cluster *c, size_t i, const struct cohort_sums *a,
    struct serve_step_out *out)
{
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	sp->occupancy = a->occ;
	sp->sojourn = a->soj;
	sp->admitted = a->adm;
	out->rejected = a->rej;
	out->failed = a->fail;
	out->started = a->start;
	c->profiles[i].cpu_used_interval += a->work;
	out->errors = a->err;
	out->ok = a->ok;
	out->timeouts = a->tmo;
}

/*
 * The fluid step of a profile in cohorts (even split, no skip or report):
 * step_pods' sums, each cohort stepped once and counted n times. The sums
 * round differently from step_pods' per-pod additions in the last bits.
 */
static void
step_cohorts(struct cluster *c, size_t i, double dt, double offered, double timeout,
    struct serve_step_out *out)
{
	struct traffic *tr = tr_of(c);
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr->serve->p[i];
	struct serving_dist *dist = &tr->dists[i];
	struct cl_service *sv = &c->services[pr->service];
	struct cohort_set *cs = &sp->coh;
	memset(out, 0, sizeof *out);
	sp->rp.valid = false;
	if (sv->nendpoints == 0) {
		out->failed = out->errors = offered;
		return;
	}
	size_t n = sv->nendpoints;
	if (!cs->valid || cs->version != sv->ep_version || cs->nmembers != n)
		cohort_rebuild(c, cs, (int32_t)i, tr->cp, tr->sv, sv->endpoints, n,
		    sv->ep_version);
	double idc = pr->p.arrival_idc != NULL && dt > 0 ?
	    pr->p.arrival_idc(pr->p.offered_ctx, offered / dt) : 1;
	double ca2 = rq_lb_arrival_scv((enum rq_lb)pr->p.lb, n) + (idc - 1) / (double)n;
	dist->wait_factor = serving_wait_factor(ca2, dist->scv);
	double net = pr->p.has_net_latency ? sim_dist_mean(&pr->p.net_latency) : 0;
	net += serve_transfer_time(&pr->p);
	struct serving_tick in = {
		.dt = dt, .concurrency = pr->p.concurrency,
		.timeout = timeout, .queue_limit = pr->p.queue_limit,
		.dist = dist, .net_latency = net, .choices = 0,
	};
	const double even = offered / (double)n;
	struct cohort_sums a;
	sums_begin(c, i, &a);
	for (size_t k = 0; k < cs->n; k++) {
		struct cohort *co = &cs->k[k];
		struct serving_result res;
		in.offered = even;
		in.state = co->key.dead ? SERVING_DEAD : SERVING_OK;
		if (k < SERVE_MEMOS)
			serving_step_memo(&sp->memo[k], &co->st, &in, &res);
		else
			serving_step(&co->st, &in, &res, NULL);
		sums_add(c, i, k, &in, &res, &a);
	}
	size_t before = cs->n;
	cohort_merge(c, cs, tr->cp);
	sums_end(c, i, &a, out);
	/* the next ticks may replay this one */
	struct serve_replay *rp = &sp->rp;
	rp->valid = cs->n == before && cs->n <= SERVE_MEMOS;
	rp->offered = offered;
	rp->even = even;
	rp->dt = dt;
	rp->ep_version = sv->ep_version;
	rp->nmembers = n;
	rp->ncoh = cs->n;
}

bool
traffic_replay_ready(const struct cluster *c, size_t i, sim_ns to)
{
	const struct traffic *tr = tr_of(c);
	const struct cl_profile *pr = &c->profiles[i];
	const struct serve_prof *sp = &tr->serve->p[i];
	const struct serve_replay *rp = &sp->rp;
	const struct cl_service *sv = &c->services[pr->service];
	const struct cohort_set *cs = &sp->coh;
	const struct serving_dist *dist = &tr->dists[i];
	if (!rp->valid || to > rp->until || !cs->valid || cs->version != rp->ep_version ||
	    sv->ep_version != rp->ep_version || sv->nendpoints != rp->nmembers ||
	    cs->nmembers != rp->nmembers || cs->n != rp->ncoh)
		return false;
	for (size_t k = 0; k < cs->n; k++) {
		const struct serving_memo *m = &sp->memo[k];
		const struct cohort *co = &cs->k[k];
		if (!m->valid || m->backlog != co->st.backlog || m->in.offered != rp->even ||
		    m->in.dt != rp->dt || m->mean != dist->mean || m->scv != dist->scv ||
		    m->in.state != (co->key.dead ? SERVING_DEAD : SERVING_OK))
			return false;
	}
	return true;
}

/* A tick of profile i in cohorts replayed (struct serve_replay); false
 * when something changed since the last: the tick is stepped then. */
static bool
replay_cohorts(struct cluster *c, size_t i, sim_ns to, struct serve_step_out *out)
{
	struct traffic *tr = tr_of(c);
	struct serve_prof *sp = &tr->serve->p[i];
	if (!traffic_replay_ready(c, i, to))
		return false;
	struct cohort_sums a;
	sums_begin(c, i, &a);
	for (size_t k = 0; k < sp->coh.n; k++) {
		struct serving_memo *m = &sp->memo[k];
		sp->coh.k[k].st = m->after;
		sums_add(c, i, k, &m->in, &m->res, &a);
	}
	sums_end(c, i, &a, out);
	sp->rp.replayed++;
	return true;
}

/* The pod's cohort (NULL: none) and its place in it. */
static const struct cohort_set *
pod_cohort(const struct cluster *c, uint32_t p, const struct cohort_pod **me)
{
	const struct traffic *tr = tr_of(c);
	if ((*me = traffic_member(tr, p)) == NULL)
		return NULL;
	park_settle_members(c, (size_t)(*me)->set);
	return &tr->serve->p[(*me)->set].coh;
}

double
cl_pod_cpu_seconds(const struct cluster *c, uint32_t p)
{
	return traffic_pod_cpu(c, p);
}

double
cl_pod_served(const struct cluster *c, uint32_t p)
{
	const struct cohort_pod *me;
	const struct cohort_set *cs = pod_cohort(c, p, &me);
	return c->use[p].served + (cs != NULL ? cohort_pending_served(cs, me) : 0);
}

void
traffic_use_cohorts(struct cluster *c, bool on)
{
	tr_of(c)->per_pod = !on;
}

void
traffic_use_parking(struct cluster *c, bool on)
{
	tr_of(c)->park.off = !on;
}

void
traffic_use_flush_per_row(struct cluster *c, bool on)
{
	tr_of(c)->flush_all = !on;
}

uint64_t
traffic_scratch_rows(const struct cluster *c)
{
	const struct serve_state *st = tr_of(c)->serve;
	return st != NULL ? st->scratch_rows : 0;
}

uint64_t
traffic_parked_ticks(const struct cluster *c, size_t i)
{
	const struct serve_state *st = tr_of(c)->serve;
	return st != NULL && i < st->n ? st->p[i].park.ticks : 0;
}

void
traffic_settle(const struct cluster *c)
{
	const struct traffic *tr = tr_of(c);
	if (tr == NULL || tr->serve == NULL || tr->park.nparked == 0)
		return;
	for (size_t i = 0; i < tr->serve->n; i++)
		park_settle(c, i);
}

size_t
traffic_cohorts(const struct cluster *c, size_t i)
{
	const struct serve_state *st = tr_of(c)->serve;
	return st != NULL && i < st->n && st->p[i].cohorts ? st->p[i].coh.n : 0;
}

uint64_t
traffic_replayed(const struct cluster *c, size_t i)
{
	const struct serve_state *st = tr_of(c)->serve;
	return st != NULL && i < st->n ? st->p[i].rp.replayed : 0;
}

void
serve_count(struct cluster *c, size_t i, double offered, double ok, double errors,
    double timeouts)
{
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	pr->offered += offered;
	pr->total_offered += offered;
	sp->offered += offered;
	pr->ok += ok;
	pr->errors += errors;
	pr->timeouts += timeouts;
	pr->total_ok += ok;
	pr->total_errors += errors + timeouts;
	sp->ok += ok;
	sp->errors += errors;
	sp->timeouts += timeouts;
}

void
serve_fluid_step(struct cluster *c, size_t i, double dt, double offered,
    double timeout, serve_skip_fn *skip, serve_report_fn *report, void *ctx,
    struct serve_step_out *out)
{
	step_pods(c, i, dt, offered, timeout, skip, report, ctx, out);
}

/* The next steady stretches' first ticks from f on asked for (struct
 * serve_ahead), while profile i's traffic is in the cache. */
static void
ahead_fill(struct cluster *c, size_t i, sim_ns f)
{
	const struct cl_profile_params *pp = &c->profiles[i].p;
	struct serve_ahead *ah = &tr_of(c)->serve->p[i].ahead;
	sim_ns tick = c->t.tick;
	ah->pos = ah->n = 0;
	while (ah->n < SERVE_AHEAD && f <= c->t.duration - tick) {
		sim_ns u = pp->offered_steady(pp->offered_ctx, f);
		ah->from[ah->n] = f;
		ah->count[ah->n] = pp->offered(pp->offered_ctx, f, f + tick);
		ah->until[ah->n++] = u;
		if (u <= f)	/* no stretch: the next step is not known */
			break;
		f = u;
	}
}

/* KS_CPU_VERIFY: an entry asked for ahead is what the traffic gives now. */
static void
ahead_check(const struct cluster *c, size_t i, sim_ns from, sim_ns to, double count,
    sim_ns until)
{
	const struct cl_profile_params *pp = &c->profiles[i].p;
	double now = pp->offered(pp->offered_ctx, from, to);
	sim_ns u = pp->offered_steady(pp->offered_ctx, from);
	if (memcmp(&now, &count, sizeof now) != 0 || u != until) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: service %s's traffic in [%lld, %lld) "
		    "asked for ahead was %.17g until %lld, now %.17g until %lld\n", pp->service,
		    (long long)from, (long long)to, count, (long long)until, now, (long long)u);
		abort();
	}
}

/*
 * Profile i's count offered in [from, to) and its steady stretch's end
 * (`from`: none), for its step in cohorts: from the entry asked for ahead
 * when it is this tick's (struct serve_ahead); else from the traffic, and
 * when no entry is left and the traffic is pure, the next stretches' too.
 */
static double
cohort_offered(struct cluster *c, size_t i, sim_ns from, sim_ns to, sim_ns *until)
{
	struct traffic *tr = tr_of(c);
	const struct cl_profile_params *pp = &c->profiles[i].p;
	struct serve_ahead *ah = &tr->serve->p[i].ahead;
	while (ah->pos < ah->n && ah->from[ah->pos] < from)
		ah->pos++;	/* stepped past */
	if (ah->pos < ah->n && ah->from[ah->pos] == from && to - from == c->t.tick) {
		uint32_t k = ah->pos++;
		if (tr->verify_ahead)
			ahead_check(c, i, from, to, ah->count[k], ah->until[k]);
		tr->ahead_hits++;
		*until = ah->until[k];
		return ah->count[k];
	}
	double n = pp->offered != NULL ? pp->offered(pp->offered_ctx, from, to) : 0;
	*until = pp->offered_steady != NULL ? pp->offered_steady(pp->offered_ctx, from) : from;
	if (ah->pos == ah->n && pp->offered_pure && pp->offered != NULL &&
	    pp->offered_steady != NULL && *until > from && to - from == c->t.tick)
		ahead_fill(c, i, *until);
	return n;
}

static void
serve_profile(struct cluster *c, size_t i, sim_ns from, sim_ns to)
{
	struct cl_profile *pr = &c->profiles[i];
	double dt = sim_ns_to_s(to - from);
	struct serve_step_out o;
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	if (sp->cohorts && cpu_profile_own_caps(tr_of(c)->cpu, i)) {
		/* A pod of it may be throttled, contend or run a release's
		 * factors from now on (cpu.h): each pod's capacity is its own,
		 * so the Service steps its pods from here on. */
		cohort_dissolve(c, &sp->coh, (int32_t)i, tr_of(c)->cp, tr_of(c)->sv);
		sp->cohorts = false;
		/* step_pods writes to the histogram from here on */
		serving_deferred_drain(&sp->lat, pr->hist);
	}
	if (sp->cohorts && replay_cohorts(c, i, to, &o)) {
		serve_count(c, i, sp->rp.offered, o.ok, o.errors, o.timeouts);
		park_try(c, i, to);
		return;
	}
	sim_ns until = from;
	double offered = sp->cohorts ? cohort_offered(c, i, from, to, &until) :
	    pr->p.offered ? pr->p.offered(pr->p.offered_ctx, from, to) : 0;
	if (offered < 0)
		offered = 0;
	if (sp->cohorts) {
		step_cohorts(c, i, dt, offered, pr->service_timeout, &o);
		/* replayable while the traffic stays as in this tick */
		sp->rp.until = until;
		if (to > sp->rp.until)
			sp->rp.valid = false;
		serve_count(c, i, offered, o.ok, o.errors, o.timeouts);
		park_try(c, i, to);
		return;
	}
	step_pods(c, i, dt, offered, pr->service_timeout, NULL, NULL, NULL, &o);
	serve_count(c, i, offered, o.ok, o.errors, o.timeouts);
}

/* Moves request mode's counts and CPU since the last call into the
 * profile and the pods. */
static void
sync_profile(struct cluster *c, size_t i)
{
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	struct rq_stats st;
	rq_get_stats(sp->rq, &st);
	if (mesh_has(tr_of(c)->serve->mesh, i))
		mesh_rq_outcomes(tr_of(c)->serve->mesh, i, &st);
	double arr = (double)(st.arrivals - sp->last.arrivals);
	double ok = (double)(st.ok - sp->last.ok);
	double tmo = (double)(st.timeouts - sp->last.timeouts);
	double err = (double)(st.rejected - sp->last.rejected) +
	    (double)(st.failed - sp->last.failed);
	sp->last = st;
	pr->offered += arr;
	pr->ok += ok;
	pr->errors += err;
	pr->timeouts += tmo;
	pr->total_offered += arr;
	pr->total_ok += ok;
	pr->total_errors += err + tmo;
	sp->offered += arr;
	sp->ok += ok;
	sp->errors += err;
	sp->timeouts += tmo;
	size_t np = rq_npods(sp->rq);
	for (size_t p = 0; p < np && p < c->npods; p++) {
		double cpu = rq_take_cpu(sp->rq, (uint32_t)p);
		if (cpu > 0) {
			c->use[p].cpu_seconds += cpu;
			pr->cpu_used_interval += cpu;
			cpu_used(tr_of(c)->cpu, (uint32_t)p, cpu);
		}
	}
}

/* Request mode: the endpoints' HTTP probes against their queues (only a
 * pod with requests waiting, or all while one has failures to clear). */
static void
request_probes(struct cluster *c, size_t i)
{
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	struct cl_service *sv = &c->services[pr->service];
	int conc = pr->p.concurrency > 0 ? pr->p.concurrency : 1;
	for (size_t e = 0; e < sv->nendpoints; e++) {
		uint32_t p = sv->endpoints[e];
		uint32_t load = rq_pod_load(sp->rq, p);
		if (load <= (uint32_t)conc && !pl_any(tr_of(c)->probes))
			continue;
		double s = pr->service_mean;
		if (cpu_any(tr_of(c)->cpu)) {
			struct cpu_cap cap;
			bool backlogged = load > (uint32_t)conc;
			double rate = pr->service_cpu > 0 && c->t.tick > 0 ?
			    cpu_recent(tr_of(c)->cpu, p) / pr->service_cpu /
			    sim_ns_to_s(c->t.tick) : 0;
			cpu_pod_cap(tr_of(c)->cpu, pr, p, rate, backlogged,
			    load < (uint32_t)conc ? (double)load : (double)conc, &cap);
			s *= cap.stretch;
		}
		double queued = load > (uint32_t)conc ? (double)(load - (uint32_t)conc) : 0;
		double drain = (double)load * s / conc;
		pl_seen(tr_of(c)->probes, p, s + queued * s / conc, drain);
	}
}

/* Request mode: each endpoint's capacity for the tick (cpu.h) handed to
 * models/serving/request.c when it changed; nothing while no pod can be
 * throttled, contend or misbehave. */
static void
request_caps(struct cluster *c, size_t i, double dt)
{
	struct cl_profile *pr = &c->profiles[i];
	struct serve_prof *sp = &tr_of(c)->serve->p[i];
	if (!cpu_any(tr_of(c)->cpu))
		return;
	struct cl_service *sv = &c->services[pr->service];
	for (size_t e = 0; e < sv->nendpoints; e++) {
		uint32_t p = sv->endpoints[e];
		struct cpu_cap cap;
		/* its rate from the cpu it used in the tick just served */
		double rate = pr->service_cpu > 0 && dt > 0 ?
		    cpu_recent(tr_of(c)->cpu, p) / pr->service_cpu / dt : 0;
		uint32_t load = rq_pod_load(sp->rq, p), conc = (uint32_t)pr->p.concurrency;
		cpu_pod_cap(tr_of(c)->cpu, pr, p, rate, load > conc, load < conc ? load : conc,
		    &cap);
		if (cpu_cap_changed(tr_of(c)->cpu, p, &cap))
			rq_set_pod_cap(sp->rq, p, cap.stretch, cap.error_rate);
	}
}

/* Profile i's latency held (serving_deferred) added to h, its histogram
 * or, when that is empty, the scratch one; KS_INTERVAL_VERIFY: the same
 * made plainly on copies of its own gives the same bits. */
static void
flush_latency(struct cluster *c, size_t i, struct hist *h)
{
	struct serve_state *st = tr_of(c)->serve;
	struct hist *plain = NULL;
	if (c->interval_verify) {
		struct serving_deferred *df = xmalloc(sizeof *df);
		memcpy(df, &st->p[i].lat, sizeof *df);
		plain = xmalloc(sizeof *plain);
		memcpy(plain, c->profiles[i].hist, sizeof *plain);
		serving_deferred_flush(df, plain);
		free(df);
	}
	serving_deferred_flush_planned(&st->p[i].lat, h, st->plans);
	if (plain != NULL && !hist_same(plain, h)) {
		fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: service %s's latency flushed "
		    "through the recorded walks%s differs from the plain flush (count "
		    "%.17g, plain %.17g)\n", c->profiles[i].p.service,
		    h == st->scratch ? " into the scratch histogram" : "", hist_count(h),
		    hist_count(plain));
		abort();
	}
	free(plain);
}

/* The scratch histogram is the profile's own as it is (empty: the same
 * bits), so the flush and the row compute on it what they would on the
 * profile's, without reading and writing back ~5 KB of it per interval
 * (it is not in the cache: all profiles' are 178 MB at full size). */
struct hist *
traffic_flush_profile(struct cluster *c, size_t i)
{
	struct serve_state *st = tr_of(c)->serve;
	struct hist *h = c->profiles[i].hist;
	if (i >= st->n)
		return h;
	KS_ASSERT(hist_is_empty(st->scratch));
	if (hist_is_empty(h)) {
		h = st->scratch;
		st->scratch_rows++;
	}
	flush_latency(c, i, h);
	/* the flush emptied the latency parts a parked tick adds to */
	park_after_flush(c, i);
	return h;
}

void
traffic_prefetch_profile(const struct cluster *c, size_t i)
{
	const struct cl_profile *pr = &c->profiles[i];
	const struct serving_deferred *df = &tr_of(c)->serve->p[i].lat;
	if (i >= tr_of(c)->serve->n)
		return;
	for (const char *b = (const char *)df; b < (const char *)(df + 1); b += 64)
		__builtin_prefetch(b);
	/* where the waited parts' knots are read (serving_tab): the line of
	 * the profile's distribution that points to them, 14 KB into it */
	__builtin_prefetch(&tr_of(c)->dists[i].tables);
	/* what park_after_flush reads after the flush: the park (its
	 * cohorts' member counts too: the cohorts' lines are not read), the
	 * first memo's inputs and the result's fields serving_deferred_prime
	 * keys by, and the distribution's mean */
	const struct serve_prof *sp = &tr_of(c)->serve->p[i];
	__builtin_prefetch(&sp->park.on);
	__builtin_prefetch(&sp->park.ncoh);
	__builtin_prefetch(&sp->park.mc);
	__builtin_prefetch(&sp->memo[0].in.dist);
	__builtin_prefetch(&sp->memo[0].res.smean);
	__builtin_prefetch(&sp->memo[0].res.st_n);
	__builtin_prefetch(&sp->memo[0].res.nphase);
	__builtin_prefetch(&tr_of(c)->dists[i]);
	__builtin_prefetch(pr->hist);
	/* the run's range holds the interval's */
	hist_prefetch(pr->run_hist, pr->run_hist->lo, pr->run_hist->hi);
}

bool
traffic_sync(struct cluster *c)
{
	struct serve_state *st = tr_of(c)->serve;
	if (st == NULL)
		return false;
	/* the mesh reads the flushed histograms before the rows do */
	bool per_row = st->mesh == NULL && !tr_of(c)->flush_all;
	traffic_settle(c);
	size_t n = st->n;
	for (size_t i = 0; i < n; i++) {
		/* the next profile's latency parts and histogram asked for
		 * while this one's are flushed, the one after's bounds for that */
		if (!per_row && i + 2 < n)
			__builtin_prefetch(c->profiles[i + 2].hist);
		if (!per_row && i + 1 < n)
			serving_deferred_prefetch(&st->p[i + 1].lat, c->profiles[i + 1].hist);
		if (st->p[i].rq != NULL)
			sync_profile(c, i);
		if (!per_row) {
			flush_latency(c, i, c->profiles[i].hist);
			park_after_flush(c, i);
		}
	}
	if (st->mesh != NULL)
		mesh_fluid_interval(st->mesh);
	cpu_interval(tr_of(c)->cpu, sim_ns_to_s(sim_now(c->sim)));
	return per_row;
}

int64_t
traffic_in_system(const struct cluster *c, size_t i, uint64_t *abandoned)
{
	const struct serve_state *sv = tr_of(c)->serve;
	*abandoned = 0;
	if (sv == NULL || i >= sv->n || sv->p[i].rq == NULL || mesh_has(sv->mesh, i))
		return -1;
	struct rq_stats st;
	rq_get_stats(sv->p[i].rq, &st);
	*abandoned = st.abandoned;
	return (int64_t)st.in_system;
}

double
traffic_pod_in_flight(const struct cluster *c, uint32_t p)
{
	const struct traffic *tr = tr_of(c);
	uint32_t s = c->deploys[c->pods[p].deploy].service;
	if (tr->serve == NULL || s == NONE || c->services[s].profile < 0)
		return 0;
	const struct serve_prof *sp = &tr->serve->p[c->services[s].profile];
	if (sp->rq != NULL)
		return rq_pod_in_flight(sp->rq, p);
	const struct cohort_pod *me;
	const struct cohort_set *cs = pod_cohort(c, p, &me);
	const struct serving_pod *st = cs != NULL ? &cs->k[me->k].st :
	    p < tr->capsv ? &tr->sv[p] : NULL;
	return st != NULL ? st->backlog + st->busy : 0;
}

/* The first profile served each tick from i on, or SIZE_MAX. */
static inline size_t
next_active(const struct park_state *ps, size_t i)
{
	return ks_bits_next(&ps->active, i, SIZE_MAX);
}

/*
 * The tick loop waits on memory: each profile served reads its own
 * kilobytes of state and its traffic's closure, scattered over some forty
 * cache lines. The one after next has every line that a step at a
 * minute's turn reads asked for (its record, the parts of its state the
 * release, the step, the sums and the parking read: not the latency
 * histogram's ring, nor the other memo), the next what they point to
 * (always inlined: GCC takes a call to a function that only loads and
 * prefetches for dead code).
 */
static inline __attribute__((always_inline)) void
prefetch_span(const void *p, size_t len)
{
	const char *b = p;
	for (size_t off = 0; off < len; off += 64)
		__builtin_prefetch(b + off);
	__builtin_prefetch(b + len - 1);
}

static inline __attribute__((always_inline)) void
tick_prefetch_far(const struct cluster *c, const struct traffic *tr, size_t j)
{
	prefetch_span(&c->profiles[j], sizeof c->profiles[j]);
	const struct serve_prof *sp = &tr->serve->p[j];
	/* the cohort set and the park */
	prefetch_span(sp, offsetof(struct serve_prof, rq));
	/* the whole run's sums, and the latency parts' keys */
	prefetch_span(&sp->offered, offsetof(struct serve_prof, lat.part[0].x) -
	    offsetof(struct serve_prof, offered));
	prefetch_span(&sp->lat.part[1], offsetof(struct serving_pending, x));
	__builtin_prefetch(&sp->lat.first);
	prefetch_span(&sp->memo[0], sizeof sp->memo[0]);
	prefetch_span(&sp->rp, sizeof sp->rp);
	prefetch_span(&sp->ahead, sizeof sp->ahead);
	const struct serving_dist *d = &tr->dists[j];
	__builtin_prefetch(d);
	__builtin_prefetch(&d->tables);
}

static inline __attribute__((always_inline)) void
tick_prefetch_near(const struct cluster *c, const struct traffic *tr, size_t j)
{
	const struct cl_profile *pr = &c->profiles[j];
	const struct serve_prof *sp = &tr->serve->p[j];
	__builtin_prefetch(pr->p.offered_ctx);
	__builtin_prefetch(&c->services[pr->service]);
	if (sp->coh.n > 0)
		prefetch_span(sp->coh.k, sizeof *sp->coh.k);
}

static void
on_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct cluster *c = ctx;
	struct traffic *tr = tr_of(c);
	struct park_state *ps = &tr->park;
	sim_ns now = sim_now(sim);
	ps->tick_at = now;
	ps->tick_pos = 0;
	cpu_tick(tr->cpu, sim_ns_to_s(c->t.tick));
	park_tick_begin(c, now);
	/* the profiles served each tick, in order (the parked ones are caught
	 * up when read); a profile released during the loop is seen if it
	 * comes later */
	for (size_t i = next_active(ps, 0); i != SIZE_MAX; i = next_active(ps, i + 1)) {
		ps->tick_pos = i;
		size_t near = next_active(ps, i + 1);	/* a hint */
		if (near != SIZE_MAX) {
			size_t far = next_active(ps, near + 1);
			if (far != SIZE_MAX)
				tick_prefetch_far(c, tr, far);
			tick_prefetch_near(c, tr, near);
		}
		park_release(c, i);	/* its stretch ended (park_tick_begin) */
		if (tr->serve->p[i].rq != NULL) {
			sync_profile(c, i);
			request_caps(c, i, sim_ns_to_s(c->t.tick));
			request_probes(c, i);
		} else if (!mesh_has(tr->serve->mesh, i)) {
			serve_profile(c, i, now - c->t.tick, now);
		}
		if (ps->nparked > 0 && pl_any(tr->probes))
			park_release_all(c);
	}
	ps->tick_pos = SIZE_MAX;
	if (tr_of(c)->serve->mesh != NULL)
		mesh_fluid_tick(tr_of(c)->serve->mesh, now - c->t.tick, now);
	if (now + c->t.tick <= c->t.duration)
		sim_after(sim, c->t.tick, PRIO_SERVE, on_tick, c, 0);
}

static bool
endpoint_dead(void *ctx, uint32_t pod)
{
	const struct cluster *c = ctx;
	return c->pods[pod].lost;
}

/* Fluid mode's service-time mean and scv, cpu per request and timeout: the
 * profile's, or the mixture of its classes (rq_class_moments). The scv is
 * capped at SERVING_SCV_MAX (a Pareto of shape <= 2 has none). */
static void
fluid_service(struct cl_profile *pr, double *mean, double *scv)
{
	if (pr->p.nclasses > 0) {
		rq_class_moments(pr->p.classes, pr->p.nclasses, mean, scv,
		    &pr->service_cpu, &pr->service_timeout);
	} else {
		*mean = sim_dist_mean(&pr->p.service_time);
		*scv = sim_dist_scv(&pr->p.service_time);
		pr->service_cpu = pr->p.cpu_per_request;
		pr->service_timeout = sim_ns_to_s(pr->p.timeout);
	}
	if (!(*scv <= SERVING_SCV_MAX))
		*scv = SERVING_SCV_MAX;
	pr->service_mean = *mean;	/* for cpu.c's demands */
}

static void
traffic_start(struct cluster *c)
{
	if (c->nprofiles == 0)
		return;
	tr_of(c)->serve = xcalloc(1, sizeof *tr_of(c)->serve);
	tr_of(c)->serve->n = c->nprofiles;
	tr_of(c)->serve->plans = hist_plans_new();
	tr_of(c)->serve->scratch = hist_new();
	void *mem = NULL;	/* aligned as struct serve_prof is */
	if (posix_memalign(&mem, _Alignof(struct serve_prof),
	    c->nprofiles * sizeof *tr_of(c)->serve->p) != 0)
		ks_fatal("out of memory allocating %zu profiles", c->nprofiles);
	memset(mem, 0, c->nprofiles * sizeof *tr_of(c)->serve->p);
	tr_of(c)->serve->p = mem;
	tr_of(c)->dists = xcalloc(c->nprofiles, sizeof *tr_of(c)->dists);
	struct mesh *m = tr_of(c)->serve->mesh = mesh_new(c);
	/* Identical (mean, scv) give identical tables: each is built once
	 * (serving_dist_init is deterministic), then shared (read in place:
	 * one set in the cache for all such services). */
	struct ks_strmap built;
	ks_strmap_init(&built);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		struct serve_prof *sp = &tr_of(c)->serve->p[i];
		sp->started_at = sim_now(c->sim);
		sp->lat.verify_knots = c->interval_verify;
		double mean, scv;
		fluid_service(pr, &mean, &scv);
		char *cause = NULL;
		char key[64];
		snprintf(key, sizeof key, "%a %a", mean, scv);
		int64_t same;
		if (ks_strmap_get(&built, key, &same)) {
			serving_dist_share(&tr_of(c)->dists[i], &tr_of(c)->dists[same],
			    tr_of(c)->dists[same].mean);
		} else {
			if (serving_dist_init(&tr_of(c)->dists[i], mean, scv, &cause) < 0)
				ks_fatal("service %s: %s", pr->p.service, cause);
			ks_strmap_put(&built, key, (int64_t)i);
		}
		sp->cohorts = !tr_of(c)->per_pod && !mesh_has(m, i) && pr->p.lb != RQ_LB_RING_HASH &&
		    pr->p.lb != RQ_LB_LEAST_REQUEST;
		if (pr->p.mode != CL_TRAFFIC_REQUEST || (pr->p.rate == NULL &&
		    pr->p.next_arrival == NULL && !mesh_has(m, i)))
			continue;
		struct cl_service *sv = &c->services[pr->service];
		struct rq_params rp = {
			.name = pr->p.service, .seed = c->seed,
			.service_time = pr->p.service_time,
			.concurrency = pr->p.concurrency > 0 ? pr->p.concurrency : 1,
			.queue_limit = pr->p.queue_limit, .timeout = pr->p.timeout,
			.has_net_latency = pr->p.has_net_latency,
			.net_latency = pr->p.net_latency,
			.bandwidth = pr->p.bandwidth,
			.cpu_per_request = pr->p.cpu_per_request,
			.lb = (enum rq_lb)pr->p.lb, .prio = PRIO_SERVE,
			.rate = pr->p.rate, .rate_max = pr->p.rate_max,
			.rate_ctx = pr->p.offered_ctx,
			.dead = endpoint_dead, .dead_ctx = c,
			.classes = pr->p.classes, .nclasses = pr->p.nclasses,
			.next = pr->p.next_arrival, .next_ctx = pr->p.offered_ctx,
		};
		if (mesh_has(m, i)) {
			/* the mesh makes the tries and adds their latency */
			mesh_rq_params(m, i, &rp);
			sp->rq = rq_new(c->sim, &rp, NULL);
			mesh_rq_bind(m, i, sp->rq);
			if (rp.arrival != NULL)
				rq_start(sp->rq, sim_now(c->sim), c->t.duration);
			continue;
		}
		sp->rq = rq_new(c->sim, &rp, pr->hist);
		rq_set_endpoints(sp->rq, &sv->endpoints, &sv->nendpoints, &sv->ep_version);
		rq_start(sp->rq, sim_now(c->sim), c->t.duration);
	}
	ks_strmap_fini(&built);
	park_start(c);
	if (c->t.tick > 0)
		sim_after(c->sim, c->t.tick, PRIO_SERVE, on_tick, c, 0);
}

static void
traffic_destroy(struct cluster *c)
{
	struct traffic *tr = tr_of(c);
	if (tr->verify_ahead && tr->ahead_hits > 0)
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: %llu traffic counts asked for ahead "
		    "agreed\n", (unsigned long long)tr->ahead_hits);
	park_fini(tr);
	cpu_free(tr->cpu);
	pl_free(tr->probes);
	free(tr->dists);
	free(tr->sv);
	free(tr->cp);
	if (tr->serve == NULL) {
		free(tr);
		return;
	}
	for (size_t i = 0; i < tr_of(c)->serve->n; i++) {
		rq_free(tr_of(c)->serve->p[i].rq);
		free(tr_of(c)->serve->p[i].w);
		free(tr_of(c)->serve->p[i].occ);
		free(tr_of(c)->serve->p[i].wm);
		cohort_set_fini(&tr_of(c)->serve->p[i].coh);
	}
	mesh_free(tr_of(c)->serve->mesh);
	hist_plans_free(tr_of(c)->serve->plans);
	free(tr_of(c)->serve->scratch);
	free(tr_of(c)->serve->p);
	free(tr->serve);
	free(tr);
}

/* A pod leaving service: its queue is dropped (request mode: its queued
 * and in-service requests fail). */
static void
serve_pod_gone(struct cluster *c, uint32_t p)
{
	struct cl_pod *pd = &c->pods[p];
	serving_pod_init(&tr_of(c)->sv[p]);
	if (tr_of(c)->serve == NULL)
		return;
	uint32_t s = c->deploys[pd->deploy].service;
	if (s == NONE || c->services[s].profile < 0)
		return;
	struct serve_prof *sp = &tr_of(c)->serve->p[c->services[s].profile];
	if (sp->rq != NULL) {
		rq_pod_gone(sp->rq, p);
		c->use[p].cpu_seconds += rq_take_cpu(sp->rq, p);
	}
}

int
cl_serve_stats(const struct cluster *c, size_t i, struct cl_serve_stats *out)
{
	memset(out, 0, sizeof *out);
	if (i >= c->nprofiles || tr_of(c)->serve == NULL)
		return -1;
	park_settle(c, i);
	const struct cl_profile *pr = &c->profiles[i];
	const struct serve_prof *sp = &tr_of(c)->serve->p[i];
	out->offered = sp->offered;
	out->ok = sp->ok;
	out->errors = sp->errors;
	out->timeouts = sp->timeouts;
	if (tr_of(c)->serve->mesh != NULL) {
		struct mesh_e2e e;
		mesh_e2e_stats(tr_of(c)->serve->mesh, i, &e);
		out->e2e_requests = e.requests;
		out->e2e_ok = e.ok;
		out->e2e_errors = e.errors;
		out->e2e_timeouts = e.timeouts;
	}
	/* the histogram with the additions held back made (as they would
	 * have been), then the run's and the rest of the latency held */
	struct hist *h = xmalloc(sizeof *h), *now = xmalloc(sizeof *now);
	struct serving_deferred lat = sp->lat;
	*now = *pr->hist;
	serving_deferred_drain(&lat, now);
	*h = *pr->run_hist;
	hist_merge(h, now);
	free(now);
	serving_deferred_flush(&lat, h);
	out->latency_mean = hist_mean(h);
	out->latency_p99 = hist_quantile(h, 0.99);
	free(h);
	double span = sim_ns_to_s(sim_now(c->sim) - sp->started_at);
	if (span <= 0)
		return 0;
	if (sp->rq != NULL) {
		struct rq_stats st;
		rq_get_stats(sp->rq, &st);
		out->mode = CL_TRAFFIC_REQUEST;
		out->l_avg = st.area / span;
		out->admitted_rate = (double)st.departed / span;
		out->w_mean = st.departed > 0 ? st.sojourn_sum / (double)st.departed : 0;
	} else {
		out->mode = CL_TRAFFIC_FLUID;
		out->l_avg = sp->occupancy / span;
		out->admitted_rate = sp->admitted / span;
		out->w_mean = sp->admitted > 0 ? sp->sojourn / sp->admitted : 0;
	}
	return 0;
}

static void
on_change(void *ctx, enum cl_change what, uint32_t p)
{
	struct cluster *c = ctx;
	struct traffic *tr = tr_of(c);
	if (what == CL_SERVICE_ENDPOINTS) {
		/* p is a Service: its next tick steps the new endpoints */
		int32_t i = c->services[p].profile;
		if (tr->serve != NULL && i >= 0)
			park_release(c, (size_t)i);
		return;
	}
	if (what == CL_POD_ADDED) {
		KS_GROW(tr->sv, tr->capsv, c->npods);
		KS_GROW(tr->cp, tr->capcp, c->npods);
		serving_pod_init(&tr->sv[p]);
		tr->cp[p] = (struct cohort_pod){ .set = -1, .k = -1 };
		return;
	}
	/* Any transition may change the pod's cohort key: its set regroups
	 * before its next step (the pod's share brought in first). */
	struct cohort_pod *me = &tr->cp[p];
	if (tr->serve != NULL && me->k >= 0) {
		park_release(c, (size_t)me->set);
		cohort_flush(c, &tr->serve->p[me->set].coh, tr->cp, tr->sv, p);
	}
	if (what == CL_POD_LOST || what == CL_POD_REMOVED)
		serve_pod_gone(c, p);
}

/* Probes (probe_load.c): the pod's fluid queue is gone. */
static void
pod_queue_reset(void *ctx, uint32_t p)
{
	struct cluster *c = ctx;
	struct traffic *tr = tr_of(c);
	if (p >= tr->capsv)
		return;
	struct cohort_pod *me = &tr->cp[p];
	if (tr->serve != NULL && me->k >= 0) {
		park_release(c, (size_t)me->set);
		cohort_flush(c, &tr->serve->p[me->set].coh, tr->cp, tr->sv, p);
	}
	serving_pod_init(&tr->sv[p]);
}

static void *
traffic_create(struct cluster *c)
{
	cl_watch(c, CL_ON(CL_POD_ADDED) | CL_ON(CL_POD_BOUND) | CL_ON(CL_POD_STARTED) |
	    CL_ON(CL_POD_READY) | CL_ON(CL_POD_DELETING) | CL_ON(CL_POD_TERMINATING) |
	    CL_ON(CL_POD_LOST) | CL_ON(CL_POD_REMOVED) | CL_ON(CL_SERVICE_ENDPOINTS),
	    on_change, c);
	struct traffic *tr = xcalloc(1, sizeof *tr);
	tr->verify_ahead = getenv("KS_CPU_VERIFY") != NULL;
	tr->cpu = cpu_new(c);
	tr->probes = pl_new(c, pod_queue_reset, c);
	return tr;
}

const struct cl_controller traffic_controller = {
	.name = "traffic", .create = traffic_create, .start = traffic_start,
	.destroy = traffic_destroy,
};
