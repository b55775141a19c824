/*
 * mesh_fluid.c - the mesh in fluid mode: the analytic counterpart of
 * mesh.c, per tick and per interval. Approximations (docs/validation.md
 * measures them against request mode):
 *  - retries: a service's requests R become R (1 + f + ... + f^(m-1))
 *    tries, f the share of the previous tick's tries that failed in a
 *    retried way and m the most tries (1 + attempts, no more than fit the
 *    overall timeout in per-try timeouts); a request succeeds with
 *    probability s (1 + f + ... + f^(m-1)), s the share of ok tries.
 *    Retries join the same tick (the backoff, at most 250 ms by default,
 *    is shorter than a tick) and add to the pods' load.
 *  - per-try timeout: the pods' timeout is the per-try one (or the overall
 *    one), less the mean time the service spends in its downstream calls.
 *  - outlier ejection: an endpoint whose tries fail with probability e
 *    sees a run of N consecutive errors after (1 - e^N) / ((1 - e) e^N)
 *    tries on average (N with e = 1); each tick adds its tries over that
 *    mean to a hazard, and at 1 the endpoint is ejected (mesh_eject: the
 *    same multiplier, sweeps, maximum percent as request mode) and gets no
 *    share while out.
 *  - rate limit: admitted = min(tries, tokens + rate dt), the bucket
 *    refilled to at most burst.
 *  - call graphs: in callers-first order, a callee's requests are the
 *    caller's tries whose own work ended ok this tick, times the call's
 *    probability and the previous stages' success; a caller's try
 *    succeeds when its calls do, with the callees' request success of the
 *    previous tick (a lag of one tick).
 *  - latency, per interval: each service's own response times of the
 *    interval (the fluid model's histogram) become a distribution of 33
 *    quantile knots; callees first, a try's latency is its own plus, stage
 *    by stage, a call's request latency (made with its probability, else
 *    0), the max of a parallel stage's calls; both taken as independent
 *    (so the interval's mixture stands for every request in it: load
 *    swings within an interval that slow every stage at once are under-
 *    stated). A request's latency adds, for the requests that needed j
 *    retries (probability f^j), j times the mean failed try (the per-try
 *    timeout for the timed-out share, 0 for the rest) and the mean
 *    backoffs. The part beyond the overall timeout becomes timeouts.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/mesh_int.h"
#include "sim/util/util.h"

/* Probability levels of the knots. */
static const double lev[] = {
	0, .05, .1, .15, .2, .25, .3, .35, .4, .45, .5, .55, .6, .65, .7, .75, .8,
	.85, .9, .92, .94, .96, .97, .98, .985, .99, .9925, .995, .9975, .999,
	.9995, .9999, 1
};
#define NLEV	MESH_NLEV
_Static_assert(sizeof lev / sizeof lev[0] == MESH_NLEV, "levels");

/* ---- distributions -------------------------------------------------------------- */

/* The knots of h's distribution (count > 0): linear within a bucket. */
static void
dist_from_hist(const struct hist *h, struct mdist *d)
{
	double n = h->count, cum = h->under;
	int k = 0;
	d->x[0] = h->min;
	for (k = 1; k < NLEV - 1 && lev[k] * n <= cum; k++)
		d->x[k] = h->min;
	for (int i = 0; i < HIST_NBUCKETS && k < NLEV - 1; i++) {
		double b = h->bucket[i];
		if (b <= 0)
			continue;
		double lo = hist_lower(i), hi = hist_upper(i);
		while (k < NLEV - 1 && lev[k] * n <= cum + b) {
			double f = (lev[k] * n - cum) / b;
			d->x[k] = lo + f * (hi - lo);
			k++;
		}
		cum += b;
	}
	for (; k < NLEV; k++)
		d->x[k] = h->max;
	for (k = 1; k < NLEV; k++) {
		if (d->x[k] < d->x[k - 1])
			d->x[k] = d->x[k - 1];
	}
	if (d->x[NLEV - 1] < h->max)
		d->x[NLEV - 1] = h->max;
}

/* A call's latency: the callee's with probability p, else 0. As atoms. */
struct atoms {
	int	n;
	double	x[NLEV + 1], w[NLEV + 1];
};

static void
atoms_of(const struct mdist *d, double p, struct atoms *a)
{
	a->n = 0;
	for (int k = 0; k + 1 < NLEV; k++) {
		a->x[a->n] = 0.5 * (d->x[k] + d->x[k + 1]);
		a->w[a->n++] = p * (lev[k + 1] - lev[k]);
	}
	if (p < 1) {
		a->x[a->n] = 0;
		a->w[a->n++] = 1 - p;
	}
}

/* *out = the distribution of X + Y (sum) or max(X, Y), X and Y
 * independent, through the scratch histogram h. */
static void
combine(struct hist *h, const struct atoms *x, const struct atoms *y, bool sum,
    struct mdist *out)
{
	hist_reset(h);
	for (int i = 0; i < x->n; i++)
		for (int j = 0; j < y->n; j++) {
			double v = sum ? x->x[i] + y->x[j] : fmax(x->x[i], y->x[j]);
			hist_add(h, v, x->w[i] * y->w[j]);
		}
	dist_from_hist(h, out);
}

/* ---- per tick --------------------------------------------------------------------- */

static double
geometric(double f, int m)
{
	double s = 0, t = 1;
	for (int k = 0; k < m; k++) {
		s += t;
		t *= f;
	}
	return s;
}

static bool
skip_ejected(void *ctx, uint32_t pod)
{
	struct mesh_svc *ms = ctx;
	return mesh_ejected(ms, pod, ms->f.now);
}

static void
report(void *ctx, uint32_t pod, double attempts, double errors, double ok)
{
	struct mesh_svc *ms = ctx;
	if (!(attempts > 0))
		return;
	struct mesh_host *h = mesh_host(ms, pod);
	if (h->until > ms->f.now)
		return;
	double e = (errors + ok * ms->f.down_fail) / attempts;
	if (e > 1)
		e = 1;
	if (!(e > 0))
		return;
	int n = ms->cfg->consecutive_errors;
	double mean = e >= 1 ? (double)n :
	    (1 - pow(e, n)) / ((1 - e) * pow(e, n));
	h->hazard += attempts / mean;
	if (h->hazard >= 1)
		mesh_eject(ms, pod, ms->f.now);
}

void
mesh_fluid_tick(struct mesh *m, sim_ns from, sim_ns to)
{
	struct cluster *c = m->c;
	double dt = sim_ns_to_s(to - from);
	for (size_t k = 0; k < m->norder; k++) {
		size_t i = m->order[k];
		struct mesh_svc *ms = &m->svc[i];
		struct cl_profile *pr = &c->profiles[i];
		const struct mesh_cfg *g = ms->cfg;
		if (ms->rq != NULL)
			continue;	/* request mode */
		double ext = pr->p.offered ? pr->p.offered(pr->p.offered_ctx, from, to) : 0;
		if (!(ext > 0))
			ext = 0;
		double reqs = ext + ms->f.down_in;
		ms->f.down_in = 0;
		int mt = mesh_max_tries(ms);
		double tries = reqs * geometric(g->has_retries ? ms->f.fr : 0, mt);
		double adm = tries, limited = 0;
		if (g->has_rate_limit) {
			if (!ms->f.tokens_init) {
				ms->f.tokens = g->burst;
				ms->f.tokens_init = true;
			}
			double avail = ms->f.tokens + g->rate * dt;
			adm = fmin(tries, avail);
			limited = tries - adm;
			ms->f.tokens = fmin(g->burst, avail - adm);
		}
		/* The calls' success, stage by stage (last tick's callees). */
		double reach[64], pdown = 1;
		for (size_t s = 0; s < ms->nstages && s < 64; s++) {
			reach[s] = pdown;
			double ps = 1;
			for (size_t j = ms->stage[s]; j < ms->stage[s + 1]; j++)
				ps *= 1 - g->calls[j].probability *
				    (1 - m->svc[ms->callee[j]].f.preq_ok);
			pdown *= ps;
		}
		ms->f.down_fail = 1 - pdown;
		double timeout = sim_ns_to_s(pr->p.timeout);
		if (g->per_try_timeout > 0 && (timeout <= 0 ||
		    sim_ns_to_s(g->per_try_timeout) < timeout))
			timeout = sim_ns_to_s(g->per_try_timeout);
		if (timeout > 0 && ms->ncalls > 0)
			timeout = fmax(timeout - ms->f.down_mean, 1e-3);
		ms->f.now = to;
		bool skip = g->has_breaker && !mesh_panic(ms, to);
		struct serve_step_out o;
		serve_fluid_step(c, i, dt, adm, timeout, skip ? skip_ejected : NULL,
		    g->has_breaker ? report : NULL, ms, &o);
		for (size_t s = 0; s < ms->nstages && s < 64; s++)
			for (size_t j = ms->stage[s]; j < ms->stage[s + 1]; j++)
				m->svc[ms->callee[j]].f.down_in +=
				    o.ok * reach[s] * g->calls[j].probability;
		double ok = o.ok * pdown, dfail = o.ok - ok;
		serve_count(c, i, tries, ok, o.errors + limited + dfail, o.timeouts);
		if (tries > 0) {
			double ft = o.timeouts / tries, fj = (o.rejected + limited) / tries;
			double ff = (o.failed + dfail) / tries;
			double fr = (g->retry_on & MESH_RETRY_TIMEOUT ? ft : 0) +
			    (g->retry_on & MESH_RETRY_REJECTED ? fj : 0) +
			    (g->retry_on & MESH_RETRY_FAILED ? ff : 0);
			if (!g->has_retries)
				fr = 0;
			ms->f.fr = fmin(fr, 1);
			ms->f.preq_ok = fmin(1, ok / tries * geometric(ms->f.fr, mt));
			ms->f.iv_tries += tries;
			ms->f.iv_retried += ms->f.fr * tries;
			ms->f.iv_timeouts += (g->retry_on & MESH_RETRY_TIMEOUT) ? o.timeouts : 0;
			if (ext > 0) {
				double pf = 1 - ms->f.preq_ok, fall = ft + fj + ff;
				double ts = fall > 0 ? ft / fall : 0;
				ms->e2e.timeouts += ext * pf * ts;
				ms->e2e.errors += ext * pf * (1 - ts);
			}
		} else if (ext > 0) {
			ms->e2e.errors += ext;
		}
		ms->e2e.requests += ext;
		ms->e2e.ok += ext * (tries > 0 ? ms->f.preq_ok : 0);
	}
}

/* ---- per interval: latency composition ------------------------------------------ */

/* h = src x scale (same buckets). */
static void
hist_scaled(struct hist *h, const struct hist *src, double scale)
{
	*h = *src;
	h->count *= scale;
	h->sum *= scale;
	h->under *= scale;
	h->over *= scale;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		h->bucket[i] *= scale;
}

static void
compose(struct mesh *m, size_t i)
{
	struct mesh_svc *ms = &m->svc[i];
	struct cl_profile *pr = &m->c->profiles[i];
	const struct mesh_cfg *g = ms->cfg;
	struct hist *own = pr->hist, *h = m->scratch[0];
	struct mdist *att = &ms->f.req;
	dist_from_hist(own, att);
	double down_mean = 0;
	for (size_t s = 0; s < ms->nstages; s++) {
		struct mdist st;
		bool first = true;
		double smean = 0;
		for (size_t j = ms->stage[s]; j < ms->stage[s + 1]; j++) {
			const struct mesh_svc *cs = &m->svc[ms->callee[j]];
			double p = g->calls[j].probability;
			if (!cs->f.has_req)
				continue;	/* the callee served nothing: no latency known */
			smean = fmax(smean, p * cs->f.req_mean);
			if (first) {
				if (p >= 1) {
					st = cs->f.req;
				} else {
					struct atoms a, z = { 1, { 0 }, { 1 } };
					atoms_of(&cs->f.req, p, &a);
					combine(h, &a, &z, true, &st);
				}
				first = false;
				continue;
			}
			struct atoms a, b;
			atoms_of(&st, 1, &a);
			atoms_of(&cs->f.req, p, &b);
			combine(h, &a, &b, false, &st);
		}
		if (first)
			continue;
		down_mean += smean;
		struct atoms a, b;
		atoms_of(att, 1, &a);
		atoms_of(&st, 1, &b);
		combine(h, &a, &b, true, att);
	}
	ms->f.down_mean = down_mean;
	/* Retries: j earlier failed tries with probability ~ f^j. */
	double f = ms->f.iv_tries > 0 ? ms->f.iv_retried / ms->f.iv_tries : 0;
	int mt = mesh_max_tries(ms);
	double tshare = ms->f.iv_retried > 0 ? fmin(1, ms->f.iv_timeouts / ms->f.iv_retried) : 0;
	double ttry = sim_ns_to_s(g->per_try_timeout > 0 ? g->per_try_timeout : pr->p.timeout);
	double limit = sim_ns_to_s(pr->p.timeout);
	double wsum = 0, kept = 0, shift = 0, pj = 1;
	hist_reset(h);
	for (int j = 0; j < (g->has_retries ? mt : 1); j++) {
		if (j > 0)
			shift += tshare * ttry + mesh_backoff_mean(g, j);
		wsum += pj;
		kept += hist_add_pwl(h, att->x, lev, NLEV, pj, shift, limit, NULL);
		pj *= f;
		if (pj < 1e-9)
			break;
	}
	/* h holds the requests' latency with weight kept / wsum of 1 */
	double ok = pr->ok, frac = wsum > 0 ? kept / wsum : 1;
	double moved = ok * (1 - frac);
	if (moved > 0)
		serve_count(m->c, i, 0, -moved, 0, moved);
	double hc = hist_count(h);
	if (hc > 0 && pr->ok > 0) {
		hist_scaled(m->scratch[1], h, pr->ok / hc);
		*pr->hist = *m->scratch[1];
		dist_from_hist(h, &ms->f.req);
		ms->f.req_mean = hist_mean(h);
		ms->f.has_req = true;
	}
}

void
mesh_fluid_interval(struct mesh *m)
{
	for (size_t k = m->norder; k-- > 0;) {
		size_t i = m->order[k];
		struct mesh_svc *ms = &m->svc[i];
		struct cl_profile *pr = &m->c->profiles[i];
		if (ms->rq != NULL)
			return;		/* request mode */
		if (hist_count(pr->hist) > 0) {
			if (ms->composed) {
				compose(m, i);
			} else {
				dist_from_hist(pr->hist, &ms->f.req);
				ms->f.req_mean = hist_mean(pr->hist);
				ms->f.has_req = true;
			}
		}
		ms->f.iv_tries = ms->f.iv_retried = ms->f.iv_timeouts = 0;
	}
}
