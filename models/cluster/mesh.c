/*
 * mesh.c - the service mesh in request mode, and what both modes share:
 * set-up (call stages, call order), outlier ejection, the backoff.
 *
 * Semantics (Istio's VirtualService and DestinationRule, as Envoy applies
 * them; a service's settings say how its callers call it):
 *  - a request to a service gets an overall deadline (`timeout`) and up to
 *    1 + attempts tries; each try has its own deadline, the per-try timeout
 *    capped by the overall deadline. A try that times out, is rejected
 *    (queue full, rate limited) or fails (dead or no endpoint, a failed
 *    downstream call) is retried when its outcome is in retryOn and the
 *    overall deadline has not passed, after Envoy's jittered backoff
 *    (mesh_backoff); if the backoff would end past the deadline the
 *    request times out at the deadline. The balancer picks again for
 *    every try, among the endpoints not ejected.
 *  - the client gives up a try at its deadline (a timer): the retry starts
 *    from then, while the pod may still do the work (it is wasted; a
 *    queued try leaves the queue when it reaches the head).
 *  - a try's own work done, the service calls its downstream services,
 *    stage by stage (mesh.h); a failed call fails the try at once (5xx);
 *    calls still out are left to finish unobserved. Slots are held for
 *    the own work only (a non-blocking server). The response then takes
 *    one draw of networkLatency back to the client.
 *  - outlier detection per endpoint (Envoy's consecutive 5xx, with local
 *    origin errors counted as 5xx, its default): a timeout, rejection or
 *    failure at a pod counts, an ok response resets the count; at
 *    consecutiveErrors the pod is ejected for baseEjectionTime x the
 *    times it was ejected (at most 300 s, Envoy's max_ejection_time),
 *    returned at the first interval sweep after that; the multiplier
 *    drops by one per sweep spent in service. A pod is not ejected when
 *    that would put more than maxEjectionPercent of the endpoints out,
 *    unless none is out (Envoy's rule). Below 50% of the endpoints left
 *    the balancer ignores ejection (Envoy's healthy panic threshold).
 *    [Envoy docs, "Outlier detection" (arch overview) and
 *    config.cluster.v3.OutlierDetection; Istio OutlierDetection.]
 *  - a token bucket per service (rate tokens/s, burst tokens, full at the
 *    start) admits each try; a try without a token is rejected (429).
 * Counting: each service's rows count its tries (offered includes
 * retries); its latency is that of its requests as its callers see them,
 * from the first try to the ok response (retries, backoff and downstream
 * calls included), so an entry service's is end to end. Requests from
 * outside are also counted by final outcome (mesh_e2e_stats).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/mesh_int.h"
#include "sim/util/util.h"

#define MR_NONE	UINT32_MAX
#define TAG(ri, serial)	((uint64_t)(ri) | ((uint64_t)(serial) << 32))
#define TAG_RI(t)	((uint32_t)((t) & 0xffffffffu))
#define TAG_SERIAL(t)	((uint32_t)((t) >> 32))

enum mr_phase { MR_FREE, MR_SERVING, MR_CALLING, MR_RESPONDING, MR_BACKOFF };

struct mreq {
	uint32_t	 serial;	/* bumps when a try ends and when freed */
	uint32_t	 svc;
	uint32_t	 parent;	/* MR_NONE: from outside */
	uint32_t	 pserial;	/* the parent's try that called */
	sim_ns		 start;
	sim_ns		 deadline;	/* overall; SIM_NEVER none */
	uint32_t	 tries;
	uint32_t	 pod;		/* the current try's endpoint */
	uint32_t	 pending;	/* calls out in the stage */
	uint16_t	 stage;
	uint8_t		 phase;
	bool		 launching;
	sim_timer	 timer;		/* the current try's deadline */
};

static const char *const retry_on_names[] = { "timeout", "rejected", "failed", NULL };

const char *const *
mesh_retry_on_names(void)
{
	return retry_on_names;
}

bool
mesh_cfg_active(const struct mesh_cfg *cfg)
{
	return cfg != NULL && (cfg->has_retries || cfg->has_breaker ||
	    cfg->has_rate_limit || cfg->ncalls > 0);
}

sim_ns
mesh_backoff(const struct mesh_cfg *cfg, int k, double u)
{
	double hi = (double)cfg->backoff_base;
	for (int i = 1; i < k && hi < (double)cfg->backoff_max; i++)
		hi *= 2;
	if (hi > (double)cfg->backoff_max)
		hi = (double)cfg->backoff_max;
	return (sim_ns)(u * hi);
}

double
mesh_backoff_mean(const struct mesh_cfg *cfg, int k)
{
	return sim_ns_to_s(mesh_backoff(cfg, k, 0.5));
}

int
mesh_max_tries(const struct mesh_svc *ms)
{
	const struct mesh_cfg *g = ms->cfg;
	if (!g->has_retries)
		return 1;
	int64_t m = 1 + (int64_t)g->attempts;
	sim_ns overall = ms->m->c->profiles[ms->prof].p.timeout;
	if (overall > 0 && g->per_try_timeout > 0 && g->per_try_timeout < overall) {
		int64_t fit = (overall + g->per_try_timeout - 1) / g->per_try_timeout;
		if (fit < m)
			m = fit;
	}
	return m > 1000 ? 1000 : (int)m;
}

/* ---- outlier detection ------------------------------------------------------- */

struct mesh_host *
mesh_host(struct mesh_svc *ms, uint32_t pod)
{
	if (pod >= ms->nhosts) {
		size_t old = ms->nhosts, n = (size_t)pod + 1;
		if (n < 2 * old)
			n = 2 * old;
		ms->hosts = xreallocarray(ms->hosts, n, sizeof *ms->hosts);
		memset(ms->hosts + old, 0, (n - old) * sizeof *ms->hosts);
		ms->nhosts = n;
	}
	return &ms->hosts[pod];
}

bool
mesh_ejected(const struct mesh_svc *ms, uint32_t pod, sim_ns now)
{
	return pod < ms->nhosts && ms->hosts[pod].until > now;
}

void
mesh_eject(struct mesh_svc *ms, uint32_t pod, sim_ns now)
{
	const struct mesh_cfg *g = ms->cfg;
	const struct cl_service *sv = &ms->m->c->services[ms->m->c->profiles[ms->prof].service];
	size_t n = sv->nendpoints, out = 0;
	for (size_t e = 0; e < n; e++)
		out += mesh_ejected(ms, sv->endpoints[e], now);
	if (out > 0 && (n == 0 || 100.0 * (double)(out + 1) / (double)n > g->max_ejection_percent))
		return;
	struct mesh_host *h = mesh_host(ms, pod);
	if (h->until > now)
		return;
	/* The multiplier drops by one per sweep spent in service. */
	if (h->until > 0 && g->interval > 0) {
		int64_t sweeps = (now - h->until) / g->interval;
		h->times = sweeps >= (int64_t)h->times ? 0 : h->times - (uint32_t)sweeps;
	}
	h->times++;
	sim_ns cap = g->base_ejection > MESH_MAX_EJECTION ? g->base_ejection : MESH_MAX_EJECTION;
	sim_ns dur = g->base_ejection * (sim_ns)h->times;
	if (dur > cap || dur < 0)
		dur = cap;
	sim_ns end = now + dur;
	if (g->interval > 0)		/* returned at the next sweep */
		end = (end + g->interval - 1) / g->interval * g->interval;
	h->until = end;
	h->consec = 0;
	h->hazard = 0;
	ms->fvalid = false;
}

bool
mesh_panic(struct mesh_svc *ms, sim_ns now)
{
	const struct cl_service *sv = &ms->m->c->services[ms->m->c->profiles[ms->prof].service];
	size_t n = sv->nendpoints, in = 0;
	for (size_t e = 0; e < n; e++)
		in += !mesh_ejected(ms, sv->endpoints[e], now);
	return 100.0 * (double)in < MESH_PANIC_PERCENT * (double)n;
}

/* Request mode: the balancer's endpoint list without the ejected ones. */
static void
refresh(struct mesh_svc *ms, sim_ns now)
{
	const struct cl_service *sv = &ms->m->c->services[ms->m->c->profiles[ms->prof].service];
	if (ms->fvalid && ms->src_ver == sv->ep_version && ms->src_n == sv->nendpoints &&
	    now < ms->next_expiry)
		return;
	size_t n = sv->nendpoints;
	if (n > ms->fcap) {
		ms->fcap = n;
		ms->fids = xreallocarray(ms->fids, n, sizeof *ms->fids);
	}
	ms->next_expiry = SIM_NEVER;
	ms->fn = 0;
	for (size_t e = 0; e < n; e++) {
		uint32_t p = sv->endpoints[e];
		if (mesh_ejected(ms, p, now)) {
			if (ms->hosts[p].until < ms->next_expiry)
				ms->next_expiry = ms->hosts[p].until;
			continue;
		}
		ms->fids[ms->fn++] = p;
	}
	if (100.0 * (double)ms->fn < MESH_PANIC_PERCENT * (double)n) {
		memcpy(ms->fids, sv->endpoints, n * sizeof *ms->fids);
		ms->fn = n;
	}
	ms->fver++;
	ms->fvalid = true;
	ms->src_ver = sv->ep_version;
	ms->src_n = n;
}

static void
outlier(struct mesh_svc *ms, uint32_t pod, bool ok, sim_ns now)
{
	if (!ms->cfg->has_breaker || pod == RQ_NO_POD)
		return;
	struct mesh_host *h = mesh_host(ms, pod);
	if (ok) {
		h->consec = 0;
		return;
	}
	if (++h->consec >= (uint32_t)ms->cfg->consecutive_errors)
		mesh_eject(ms, pod, now);
}

/* ---- requests -------------------------------------------------------------------- */

static void attempt_start(struct mesh *m, uint32_t ri);
static void attempt_end(struct mesh *m, uint32_t ri, enum rq_outcome o, uint32_t pod);

static uint32_t
req_alloc(struct mesh *m, uint32_t svc, uint32_t parent, uint32_t pserial)
{
	uint32_t ri = m->free_req;
	if (ri != MR_NONE) {
		m->free_req = m->reqs[ri].parent;
	} else {
		KS_GROW(m->reqs, m->capreqs, m->nreqs + 1);
		ri = (uint32_t)m->nreqs++;
		m->reqs[ri].serial = 0;
	}
	struct mreq *q = &m->reqs[ri];
	const struct cl_profile *pr = &m->c->profiles[svc];
	sim_ns now = sim_now(m->sim);
	q->svc = svc;
	q->parent = parent;
	q->pserial = pserial;
	q->start = now;
	q->deadline = pr->p.timeout > 0 ? now + pr->p.timeout : SIM_NEVER;
	q->tries = 0;
	q->pod = RQ_NO_POD;
	q->pending = 0;
	q->stage = 0;
	q->phase = MR_SERVING;
	q->launching = false;
	q->timer = 0;
	return ri;
}

static void child_end(struct mesh *m, uint32_t ri, uint32_t serial, bool ok);

static void
request_end(struct mesh *m, uint32_t ri, enum rq_outcome o)
{
	struct mreq *q = &m->reqs[ri];
	struct mesh_svc *ms = &m->svc[q->svc];
	uint32_t parent = q->parent, pserial = q->pserial;
	if (parent == MR_NONE) {
		if (o == RQ_OK)
			ms->e2e.ok++;
		else if (o == RQ_TIMEOUT)
			ms->e2e.timeouts++;
		else
			ms->e2e.errors++;
	}
	q->serial++;
	q->phase = MR_FREE;
	q->parent = m->free_req;
	m->free_req = ri;
	if (parent != MR_NONE)
		child_end(m, parent, pserial, o == RQ_OK);
}

static void
ev_try_deadline(struct sim *sim, void *ctx, uint64_t tag)
{
	(void)sim;
	struct mesh *m = ctx;
	struct mreq *q = &m->reqs[TAG_RI(tag)];
	if (q->serial != TAG_SERIAL(tag) || q->phase == MR_FREE || q->phase == MR_BACKOFF)
		return;
	q->timer = 0;
	attempt_end(m, TAG_RI(tag), RQ_TIMEOUT, q->pod);
}

static void
ev_backoff(struct sim *sim, void *ctx, uint64_t tag)
{
	(void)sim;
	struct mesh *m = ctx;
	struct mreq *q = &m->reqs[TAG_RI(tag)];
	if (q->serial == TAG_SERIAL(tag) && q->phase == MR_BACKOFF)
		attempt_start(m, TAG_RI(tag));
}

static void
ev_overall(struct sim *sim, void *ctx, uint64_t tag)
{
	(void)sim;
	struct mesh *m = ctx;
	struct mreq *q = &m->reqs[TAG_RI(tag)];
	if (q->serial == TAG_SERIAL(tag) && q->phase == MR_BACKOFF)
		request_end(m, TAG_RI(tag), RQ_TIMEOUT);
}

static void
ev_responded(struct sim *sim, void *ctx, uint64_t tag)
{
	(void)sim;
	struct mesh *m = ctx;
	struct mreq *q = &m->reqs[TAG_RI(tag)];
	if (q->serial == TAG_SERIAL(tag) && q->phase == MR_RESPONDING)
		attempt_end(m, TAG_RI(tag), RQ_OK, q->pod);
}

/* The try's work and calls are done: the response travels back. */
static void
respond(struct mesh *m, uint32_t ri)
{
	struct mreq *q = &m->reqs[ri];
	struct mesh_svc *ms = &m->svc[q->svc];
	const struct cl_profile *pr = &m->c->profiles[q->svc];
	if (pr->p.has_net_latency) {
		sim_ns d = sim_dist_sample_ns(&pr->p.net_latency, ms->rng);
		if (d > 0) {
			q->phase = MR_RESPONDING;
			sim_after(m->sim, d, PRIO_SERVE, ev_responded, m, TAG(ri, q->serial));
			return;
		}
	}
	attempt_end(m, ri, RQ_OK, q->pod);
}

/* Runs the try's call stages from q->stage on. */
static void
run_stages(struct mesh *m, uint32_t ri)
{
	for (;;) {
		struct mreq *q = &m->reqs[ri];
		struct mesh_svc *ms = &m->svc[q->svc];
		if (q->stage >= ms->nstages) {
			respond(m, ri);
			return;
		}
		uint32_t serial = q->serial;
		size_t k = q->stage, a = ms->stage[k], b = ms->stage[k + 1];
		uint32_t who[64];
		size_t nwho = 0;
		for (size_t j = a; j < b && nwho < 64; j++) {
			double p = ms->cfg->calls[j].probability;
			if (p >= 1 || gsl_rng_uniform(ms->rng) < p)
				who[nwho++] = ms->callee[j];
		}
		if (nwho > 0) {
			q->pending = (uint32_t)nwho;
			q->launching = true;
			for (size_t j = 0; j < nwho; j++) {
				uint32_t ci = req_alloc(m, who[j], ri, serial);
				attempt_start(m, ci);
				q = &m->reqs[ri];
				if (q->serial != serial)
					return;		/* a call failed at once */
			}
			q->launching = false;
			if (q->pending > 0)
				return;
		}
		q->stage++;
	}
}

static void
child_end(struct mesh *m, uint32_t ri, uint32_t serial, bool ok)
{
	struct mreq *q = &m->reqs[ri];
	if (q->serial != serial || q->phase != MR_CALLING)
		return;
	if (!ok) {
		attempt_end(m, ri, RQ_FAILED, q->pod);
		return;
	}
	if (--q->pending > 0 || q->launching)
		return;
	q->stage++;
	run_stages(m, ri);
}

static bool
take_token(struct mesh_svc *ms, sim_ns now)
{
	const struct mesh_cfg *g = ms->cfg;
	ms->tokens += g->rate * sim_ns_to_s(now - ms->tokens_at);
	if (ms->tokens > g->burst)
		ms->tokens = g->burst;
	ms->tokens_at = now;
	if (ms->tokens < 1)
		return false;
	ms->tokens -= 1;
	return true;
}

static void
attempt_start(struct mesh *m, uint32_t ri)
{
	struct mreq *q = &m->reqs[ri];
	struct mesh_svc *ms = &m->svc[q->svc];
	const struct mesh_cfg *g = ms->cfg;
	sim_ns now = sim_now(m->sim);
	q->tries++;
	q->pod = RQ_NO_POD;
	q->phase = MR_SERVING;
	ms->out.arrivals++;
	if (g->has_rate_limit && !take_token(ms, now)) {
		attempt_end(m, ri, RQ_REJECTED, RQ_NO_POD);
		return;
	}
	sim_ns d = q->deadline;
	if (g->per_try_timeout > 0 && now + g->per_try_timeout < d)
		d = now + g->per_try_timeout;
	if (d <= now) {
		attempt_end(m, ri, RQ_TIMEOUT, RQ_NO_POD);
		return;
	}
	refresh(ms, now);
	uint32_t pod;
	enum rq_outcome o = rq_submit(ms->rq, TAG(ri, q->serial), d, &pod);
	q->pod = pod;
	if (o != RQ_PENDING) {
		attempt_end(m, ri, o, pod);
		return;
	}
	if (d != SIM_NEVER)
		q->timer = sim_at(m->sim, d, PRIO_SERVE, ev_try_deadline, m, TAG(ri, q->serial));
}

static void
attempt_end(struct mesh *m, uint32_t ri, enum rq_outcome o, uint32_t pod)
{
	struct mreq *q = &m->reqs[ri];
	struct mesh_svc *ms = &m->svc[q->svc];
	const struct mesh_cfg *g = ms->cfg;
	sim_ns now = sim_now(m->sim);
	if (q->timer != 0) {
		sim_cancel(m->sim, q->timer);
		q->timer = 0;
	}
	q->serial++;
	switch (o) {
	case RQ_OK: ms->out.ok++; break;
	case RQ_TIMEOUT: ms->out.timeouts++; break;
	case RQ_REJECTED: ms->out.rejected++; break;
	default: ms->out.failed++; break;
	}
	outlier(ms, pod, o == RQ_OK, now);
	if (o == RQ_OK) {
		double lat = sim_ns_to_s(now - q->start);
		ms->out.latency_sum += lat;
		hist_add(m->c->profiles[q->svc].hist, lat, 1);
		request_end(m, ri, RQ_OK);
		return;
	}
	unsigned bit = o == RQ_TIMEOUT ? MESH_RETRY_TIMEOUT : o == RQ_REJECTED ?
	    MESH_RETRY_REJECTED : MESH_RETRY_FAILED;
	if (g->has_retries && q->tries <= (uint32_t)g->attempts && (g->retry_on & bit) &&
	    now < q->deadline) {
		sim_ns at = now + mesh_backoff(g, (int)q->tries, gsl_rng_uniform(ms->rng));
		q->phase = MR_BACKOFF;
		if (at >= q->deadline)
			sim_at(m->sim, q->deadline, PRIO_SERVE, ev_overall, m, TAG(ri, q->serial));
		else
			sim_at(m->sim, at, PRIO_SERVE, ev_backoff, m, TAG(ri, q->serial));
		return;
	}
	request_end(m, ri, o);
}

/* rq_service hooks */

static void
on_arrival(void *ctx, sim_ns at)
{
	(void)at;
	struct mesh_svc *ms = ctx;
	ms->e2e.requests++;
	attempt_start(ms->m, req_alloc(ms->m, (uint32_t)ms->prof, MR_NONE, 0));
}

static void
on_done(void *ctx, uint64_t tag, enum rq_outcome o, uint32_t pod)
{
	struct mesh_svc *ms = ctx;
	struct mesh *m = ms->m;
	uint32_t ri = TAG_RI(tag);
	struct mreq *q = &m->reqs[ri];
	if (q->serial != TAG_SERIAL(tag) || q->phase != MR_SERVING)
		return;		/* its client gave up before */
	if (o != RQ_OK) {
		attempt_end(m, ri, o, pod);
		return;
	}
	if (ms->nstages == 0) {
		respond(m, ri);
		return;
	}
	q->phase = MR_CALLING;
	q->stage = 0;
	run_stages(m, ri);
}

static double
zero_rate(void *ctx, sim_ns at)
{
	(void)ctx;
	(void)at;
	return 0;
}

static double
zero_rate_max(void *ctx, sim_ns from, sim_ns to)
{
	(void)ctx;
	(void)from;
	(void)to;
	return 0;
}

void
mesh_rq_params(struct mesh *m, size_t i, struct rq_params *p)
{
	struct mesh_svc *ms = &m->svc[i];
	p->done = on_done;
	p->hook_ctx = ms;
	p->timeout = 0;
	if (p->rate != NULL || p->next != NULL) {
		p->arrival = on_arrival;
	} else {
		p->rate = zero_rate;
		p->rate_max = zero_rate_max;
	}
}

void
mesh_rq_bind(struct mesh *m, size_t i, struct rq_service *r)
{
	struct mesh_svc *ms = &m->svc[i];
	ms->rq = r;
	rq_set_endpoints(r, &ms->fids, &ms->fn, &ms->fver);
}

void
mesh_rq_outcomes(const struct mesh *m, size_t i, struct rq_stats *st)
{
	const struct rq_stats *o = &m->svc[i].out;
	st->arrivals = o->arrivals;
	st->ok = o->ok;
	st->timeouts = o->timeouts;
	st->rejected = o->rejected;
	st->failed = o->failed;
	st->latency_sum = o->latency_sum;
}

void
mesh_e2e_stats(const struct mesh *m, size_t i, struct mesh_e2e *out)
{
	memset(out, 0, sizeof *out);
	if (m != NULL && i < m->nsvc)
		*out = m->svc[i].e2e;
}

/* ---- set-up ---------------------------------------------------------------------- */

static size_t
profile_named(const struct cluster *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].p.service, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Depth-first post-order from i: callees first. */
static void
visit(struct mesh *m, size_t i, uint8_t *mark, size_t *post, size_t *npost)
{
	if (mark[i] == 2)
		return;
	if (mark[i] == 1)
		ks_fatal("mesh: the call graph through %s has a cycle",
		    m->c->profiles[i].p.service);
	mark[i] = 1;
	for (size_t j = 0; j < m->svc[i].ncalls; j++)
		visit(m, m->svc[i].callee[j], mark, post, npost);
	mark[i] = 2;
	post[(*npost)++] = i;
}

bool
mesh_has(const struct mesh *m, size_t i)
{
	return m != NULL && i < m->nsvc && m->svc[i].on;
}

struct mesh *
mesh_new(struct cluster *c)
{
	static const struct mesh_cfg none;
	bool any = false;
	for (size_t i = 0; i < c->nprofiles; i++)
		any |= mesh_cfg_active(c->profiles[i].p.mesh);
	if (!any)
		return NULL;
	struct mesh *m = xcalloc(1, sizeof *m);
	m->c = c;
	m->sim = c->sim;
	m->nsvc = c->nprofiles;
	m->svc = xcalloc(m->nsvc, sizeof *m->svc);
	m->free_req = MR_NONE;
	for (size_t i = 0; i < m->nsvc; i++) {
		struct mesh_svc *ms = &m->svc[i];
		const struct cl_profile *pr = &c->profiles[i];
		ms->m = m;
		ms->prof = i;
		ms->cfg = pr->p.mesh != NULL ? pr->p.mesh : &none;
		ms->on = mesh_cfg_active(ms->cfg);
		ms->ncalls = ms->cfg->ncalls;
		ms->callee = xcalloc(ms->ncalls + 1, sizeof *ms->callee);
		ms->stage = xcalloc(ms->ncalls + 1, sizeof *ms->stage);
		for (size_t j = 0; j < ms->ncalls; j++) {
			size_t k = profile_named(c, ms->cfg->calls[j].service);
			if (k == SIZE_MAX)
				ks_fatal("mesh: %s calls %s, which has no service profile",
				    pr->p.service, ms->cfg->calls[j].service);
			ms->callee[j] = (uint32_t)k;
			bool join = j > 0 && ms->cfg->calls[j].mode == MESH_PARALLEL &&
			    ms->cfg->calls[j - 1].mode == MESH_PARALLEL;
			if (!join)
				ms->stage[ms->nstages++] = j;
		}
		ms->stage[ms->nstages] = ms->ncalls;
		ms->composed = ms->ncalls > 0 || ms->cfg->has_retries;
		ms->tokens = ms->cfg->burst;
		ms->f.preq_ok = 1;
		char *name = xasprintf("mesh:%s", pr->p.service);
		ms->rng = sim_rng_new(c->seed, name);
		free(name);
	}
	for (size_t i = 0; i < m->nsvc; i++)
		for (size_t j = 0; j < m->svc[i].ncalls; j++)
			m->svc[m->svc[i].callee[j]].on = true;
	/* Callers before callees: the reverse of a post-order. */
	uint8_t *mark = xcalloc(m->nsvc, 1);
	size_t *post = xcalloc(m->nsvc, sizeof *post), npost = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		if (m->svc[i].on)
			visit(m, i, mark, post, &npost);
	m->order = xcalloc(npost + 1, sizeof *m->order);
	for (size_t k = 0; k < npost; k++)
		m->order[k] = post[npost - 1 - k];
	m->norder = npost;
	free(post);
	free(mark);
	for (int k = 0; k < 3; k++)
		m->scratch[k] = hist_new();
	return m;
}

void
mesh_free(struct mesh *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nsvc; i++) {
		struct mesh_svc *ms = &m->svc[i];
		free(ms->callee);
		free(ms->stage);
		free(ms->hosts);
		free(ms->fids);
		gsl_rng_free(ms->rng);
	}
	for (int k = 0; k < 3; k++)
		free(m->scratch[k]);
	free(m->svc);
	free(m->order);
	free(m->reqs);
	free(m);
}
