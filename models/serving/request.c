/*
 * request.c - request mode: each request of a service simulated on its own.
 *
 * Speed is the design constraint (millions of requests per wall second):
 *  - one engine event per arrival, and only the next arrival is ever
 *    pending: the generator draws NHPP arrivals by thinning [Lewis &
 *    Shedler 1979] against a bound of the rate per window (1 s), so the
 *    cost per arrival is one exponential draw and one rate evaluation;
 *  - one engine event per service completion; its argument indexes a pooled
 *    job record (24 bytes, free list), so nothing is allocated per request;
 *  - per-pod state in a flat array indexed by pod id: busy slots and a
 *    ring-buffer FIFO of arrival times (power-of-two capacity);
 *  - queued requests that reach the timeout are removed lazily from the
 *    head of the FIFO (arrival order is timeout order), with the time-average
 *    of the number in system corrected to their exact leaving time, so no
 *    timer per request is needed.
 * A plain binary heap of private completion times was not needed: the
 * engine's radix heap costs about as much per event.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/serving/request.h"
#include "sim/util/util.h"

#define RQ_NONE		UINT32_MAX
/* Ring hash: at least this many ring entries in all, as Envoy's
 * minimum_ring_size default (1024), split evenly over the endpoints. */
#define RQ_RING_MIN	1024

struct rq_pod {
	sim_ns		*q;		/* FIFO of arrival times */
	uint32_t	 head, len, cap;	/* cap: 0 or a power of two */
	uint32_t	 busy;
	uint32_t	 epoch;		/* bumps when the pod's work is dropped */
	double		 cpu;		/* cpu-seconds not yet taken */
	uint16_t	*qc;		/* class of each queued request (with classes) */
	sim_ns		*qd;		/* the mesh's: deadline and tag of each */
	uint64_t	*qt;		/* queued request (NULL without the mesh) */
	/* Its capacity (rq_set_pod_cap): service times times stretch (0: 1),
	 * the fraction answered with an error. */
	double		 stretch;
	double		 err;
};

/* A request in service; free ones are linked through `pod` and have
 * epoch RQ_NONE. */
struct rq_job {
	sim_ns		 arrival;
	uint32_t	 pod;
	uint32_t	 epoch;
	uint32_t	 cls;		/* index into rq_service.cls */
};

struct rq_ring_ent {
	uint64_t	 h;
	uint32_t	 id;		/* pod id */
	uint32_t	 idx;		/* position in the endpoint list */
};

struct rq_service {
	struct sim		*sim;
	struct rq_params	 p;
	char			*name;
	gsl_rng			*rng;		/* arrivals */
	gsl_rng			*rng_svc;	/* service times, network latency */
	gsl_rng			*rng_lb;	/* load-balancer choices and keys */
	gsl_rng			*rng_err;	/* a release's errors; NULL until one */
	struct hist		*h;
	uint32_t *const		*ids;
	const size_t		*nids;
	const uint32_t		*version;
	size_t			 own_n;		/* when no endpoints were set */
	uint32_t		*own_ids;

	struct rq_pod		*pods;
	size_t			 npods, cappods;
	struct rq_job		*jobs;
	size_t			 njobs, capjobs;
	uint32_t		 free_job;
	uint32_t		 rr;
	struct rq_ring_ent	*ring;
	size_t			 nring, capring;
	size_t			 ring_n;	/* endpoints the ring was built from */
	uint32_t		 ring_version;
	bool			 ring_valid;

	/* the arrival generator */
	double			 t;		/* ns, the last candidate */
	sim_ns			 win_end;
	sim_ns			 horizon;
	double			 bound;		/* req/s over the window */

	/* request classes: the caller's, or one made of the profile's
	 * service_time, cpu_per_request and timeout */
	struct rq_class		*cls;
	size_t			 ncls;
	double			 cls_wsum;
	gsl_rng			*rng_cls;	/* NULL with one class */
	bool			 any_timeout;
	uint64_t		*jtag;		/* the mesh's tag of each job */
	size_t			 capjtag;

	struct rq_stats		 st;
	sim_ns			 area_at;
};

static const char *const rq_lb_names_tab[] = { "roundRobin", "random",
	"leastRequest", "ringHash", NULL };

int
rq_lb_parse(const char *s)
{
	for (int i = 0; rq_lb_names_tab[i] != NULL; i++)
		if (strcmp(s, rq_lb_names_tab[i]) == 0)
			return i;
	return -1;
}

const char *
rq_lb_name(enum rq_lb lb)
{
	return (unsigned)lb < 4 ? rq_lb_names_tab[lb] : NULL;
}

const char *const *
rq_lb_names(void)
{
	return rq_lb_names_tab;
}

/* ---- ring hash ------------------------------------------------------------ */

static int
ring_cmp(const void *a, const void *b)
{
	const struct rq_ring_ent *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Each endpoint gets ceil(RQ_RING_MIN / n) points at hash(pod id, k)
 * (Envoy hashes "host_k"; any fixed mix of the identity works). */
static void
ring_build(const uint32_t *ids, size_t n, struct rq_ring_ent **ring, size_t *nring,
    size_t *cap)
{
	size_t per = n > 0 ? (RQ_RING_MIN + n - 1) / n : 0;
	*nring = per * n;
	if (*nring > *cap) {
		*ring = xreallocarray(*ring, *nring, sizeof **ring);
		*cap = *nring;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < per; j++, k++) {
			(*ring)[k].h = ks_mix64(((uint64_t)ids[i] << 32) ^ (uint64_t)j ^
			    0x72696e67ULL);
			(*ring)[k].id = ids[i];
			(*ring)[k].idx = (uint32_t)i;
		}
	if (*nring > 1)
		qsort(*ring, *nring, sizeof **ring, ring_cmp);
}

/* The first entry at or after key, wrapping around. */
static const struct rq_ring_ent *
ring_find(const struct rq_ring_ent *ring, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ring[mid].h < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &ring[lo == n ? 0 : lo];
}

/* ---- fluid mode's split ----------------------------------------------------- */

struct occ_rank {
	double		 occ;
	uint32_t	 idx;
};

static int
occ_cmp(const void *a, const void *b)
{
	const struct occ_rank *x = a, *y = b;
	if (x->occ != y->occ)
		return x->occ < y->occ ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void
rq_lb_weights(enum rq_lb lb, const uint32_t *ids, size_t n, const double *occupancy,
    double *w)
{
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		w[i] = 1.0 / (double)n;
	if (n == 1)
		return;
	if (lb == RQ_LB_RING_HASH) {
		struct rq_ring_ent *ring = NULL;
		size_t nring = 0, cap = 0;
		ring_build(ids, n, &ring, &nring, &cap);
		for (size_t i = 0; i < n; i++)
			w[i] = 0;
		/* Keys in (h[k-1], h[k]] go to entry k. */
		for (size_t k = 0; k < nring; k++) {
			uint64_t prev = ring[k == 0 ? nring - 1 : k - 1].h;
			uint64_t arc = ring[k].h - prev;	/* mod 2^64 */
			w[ring[k].idx] += (double)arc / 18446744073709551616.0;
		}
		free(ring);
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += w[i];
		for (size_t i = 0; i < n; i++)
			w[i] /= sum;
	} else if (lb == RQ_LB_LEAST_REQUEST && occupancy != NULL) {
		struct occ_rank *o = xcalloc(n, sizeof *o);
		for (size_t i = 0; i < n; i++) {
			o[i].occ = occupancy[i];
			o[i].idx = (uint32_t)i;
		}
		qsort(o, n, sizeof *o, occ_cmp);
		double nn = (double)n * (double)(n - 1);
		for (size_t lo = 0; lo < n;) {
			size_t hi = lo + 1;
			while (hi < n && o[hi].occ == o[lo].occ)
				hi++;
			double p = 0;
			for (size_t r = lo; r < hi; r++)
				p += 2.0 * (double)(n - 1 - r) / nn;
			p /= (double)(hi - lo);
			for (size_t r = lo; r < hi; r++)
				w[o[r].idx] = p;
			lo = hi;
		}
		free(o);
	}
}

double
rq_lb_arrival_scv(enum rq_lb lb, size_t n)
{
	if (lb == RQ_LB_ROUND_ROBIN && n > 0)
		return 1.0 / (double)n;
	return 1;
}

/* ---- the service ------------------------------------------------------------ */

struct rq_service *
rq_new(struct sim *sim, const struct rq_params *p, struct hist *h)
{
	KS_ASSERT(p->concurrency >= 1 &&
	    (p->next != NULL || (p->rate != NULL && p->rate_max != NULL)));
	struct rq_service *r = xcalloc(1, sizeof *r);
	r->sim = sim;
	r->p = *p;
	r->name = xstrdup(p->name ? p->name : "service");
	r->p.name = r->name;
	if (r->p.window <= 0)
		r->p.window = SIM_SEC;
	/* Three streams, so that a change of policy or of service times does
	 * not move the arrivals (common random numbers). */
	char *n1 = xasprintf("traffic:%s", r->name), *n2 = xasprintf("lb:%s", r->name);
	char *n3 = xasprintf("service:%s", r->name);
	r->rng = sim_rng_new(p->seed, n1);
	r->rng_lb = sim_rng_new(p->seed, n2);
	r->rng_svc = sim_rng_new(p->seed, n3);
	free(n1);
	free(n2);
	free(n3);
	r->h = h;
	r->ids = &r->own_ids;
	r->nids = &r->own_n;
	r->free_job = RQ_NONE;
	r->horizon = 0;
	if (p->nclasses > 0) {
		KS_ASSERT(p->nclasses <= UINT16_MAX);
		r->ncls = p->nclasses;
		r->cls = xcalloc(r->ncls, sizeof *r->cls);
		memcpy(r->cls, p->classes, r->ncls * sizeof *r->cls);
	} else {
		r->ncls = 1;
		r->cls = xcalloc(1, sizeof *r->cls);
		r->cls[0] = (struct rq_class){ .name = r->name, .weight = 1,
		    .service_time = p->service_time,
		    .cpu_per_request = p->cpu_per_request, .timeout = p->timeout };
	}
	for (size_t i = 0; i < r->ncls; i++) {
		KS_ASSERT(r->cls[i].weight >= 0);
		r->cls_wsum += r->cls[i].weight;
		r->any_timeout |= r->cls[i].timeout > 0;
	}
	KS_ASSERT(r->cls_wsum > 0);
	if (r->ncls > 1) {
		char *n4 = xasprintf("class:%s", r->name);
		r->rng_cls = sim_rng_new(p->seed, n4);
		free(n4);
	}
	return r;
}

void
rq_free(struct rq_service *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->npods; i++) {
		free(r->pods[i].q);
		free(r->pods[i].qc);
		free(r->pods[i].qd);
		free(r->pods[i].qt);
	}
	free(r->jtag);
	free(r->pods);
	free(r->cls);
	if (r->rng_cls != NULL)
		gsl_rng_free(r->rng_cls);
	free(r->jobs);
	free(r->ring);
	gsl_rng_free(r->rng);
	gsl_rng_free(r->rng_lb);
	if (r->rng_err != NULL)
		gsl_rng_free(r->rng_err);
	gsl_rng_free(r->rng_svc);
	free(r->name);
	free(r);
}

void
rq_set_endpoints(struct rq_service *r, uint32_t *const *ids, const size_t *n,
    const uint32_t *version)
{
	r->ids = ids;
	r->nids = n;
	r->version = version;
	r->ring_valid = false;
}

size_t
rq_npods(const struct rq_service *r)
{
	return r->npods;
}

double
rq_take_cpu(struct rq_service *r, uint32_t pod)
{
	if (pod >= r->npods)
		return 0;
	double v = r->pods[pod].cpu;
	r->pods[pod].cpu = 0;
	return v;
}

uint32_t
rq_pod_in_flight(const struct rq_service *r, uint32_t pod)
{
	if (pod >= r->npods)
		return 0;
	return r->pods[pod].len + r->pods[pod].busy;
}

static struct rq_pod *
pod_get(struct rq_service *r, uint32_t id)
{
	if (id >= r->npods) {
		size_t old = r->cappods;
		KS_GROW(r->pods, r->cappods, (size_t)id + 1);
		memset(r->pods + old, 0, (r->cappods - old) * sizeof *r->pods);
		r->npods = (size_t)id + 1;
	}
	return &r->pods[id];
}

/* Whether the pod answers this request with an error at once (its
 * release's error rate; a draw only when it has one). */
static inline bool
pod_errs(struct rq_service *r, const struct rq_pod *pd)
{
	return pd->err > 0 && gsl_rng_uniform(r->rng_err) < pd->err;
}

static inline void
area_to(struct rq_service *r, sim_ns now)
{
	r->st.area += (double)r->st.in_system * (double)(now - r->area_at) * 1e-9;
	r->area_at = now;
}

void
rq_get_stats(const struct rq_service *r, struct rq_stats *out)
{
	*out = r->st;
	sim_ns now = sim_now(r->sim);
	if (now > r->area_at)
		out->area += (double)r->st.in_system * (double)(now - r->area_at) * 1e-9;
}

/* ---- arrivals ------------------------------------------------------------------ */

/*
 * The next arrival of the non-homogeneous Poisson process with rate
 * lambda(t), by thinning: candidates from a homogeneous process at the
 * window's bound L >= lambda, each kept with probability lambda(t) / L.
 * At a window's end the candidate process restarts (memoryless), so the
 * result is exact for any rate shape the bound is right for.
 */
static sim_ns
next_arrival(struct rq_service *r)
{
	const struct rq_params *p = &r->p;
	if (p->next != NULL) {
		/* Replayed arrivals before the start are skipped. */
		sim_ns t;
		do
			t = p->next(p->next_ctx);
		while (t != SIM_NEVER && (double)t < r->t);
		if (t == SIM_NEVER || t >= r->horizon)
			return SIM_NEVER;
		r->t = (double)t;
		return t;
	}
	for (;;) {
		if (r->bound > 0) {
			double u = gsl_rng_uniform_pos(r->rng);
			r->t += -log(u) / r->bound * 1e9;
		} else {
			r->t = INFINITY;
		}
		if (!(r->t < (double)r->win_end)) {
			if (r->win_end >= r->horizon)
				return SIM_NEVER;
			sim_ns ws = r->win_end;
			r->t = (double)ws;
			r->win_end = r->horizon - ws > p->window ? ws + p->window : r->horizon;
			r->bound = p->rate_max(p->rate_ctx, ws, r->win_end);
			continue;
		}
		sim_ns at = (sim_ns)r->t;
		double rate = p->rate(p->rate_ctx, at);
		if (rate >= r->bound || gsl_rng_uniform(r->rng) * r->bound < rate)
			return at;
	}
}

/* ---- serving ------------------------------------------------------------------- */

static void on_done(struct sim *sim, void *ctx, uint64_t arg);

static uint32_t
job_alloc(struct rq_service *r)
{
	uint32_t j = r->free_job;
	if (j != RQ_NONE) {
		r->free_job = r->jobs[j].pod;
		return j;
	}
	KS_GROW(r->jobs, r->capjobs, r->njobs + 1);
	return (uint32_t)r->njobs++;
}

static inline void
job_free(struct rq_service *r, uint32_t j)
{
	r->jobs[j].epoch = RQ_NONE;
	r->jobs[j].pod = r->free_job;
	r->free_job = j;
}

/* Starts job j (arrival, pod set by the caller) at now. */
static void
start_service(struct rq_service *r, struct rq_pod *pd, uint32_t j, sim_ns now)
{
	struct rq_job *jb = &r->jobs[j];
	const struct rq_class *k = &r->cls[jb->cls];
	jb->epoch = pd->epoch;
	r->st.started++;
	pd->cpu += k->cpu_per_request;
	sim_ns wait = now - jb->arrival;
	if (wait > 0) {
		r->st.wait_sum += (double)wait * 1e-9;
		if (r->p.wait_threshold > 0 && wait > r->p.wait_threshold)
			r->st.waited_over++;
	}
	/* Clamped to SIM_SPAN_MAX, so now + d cannot overflow. */
	sim_ns d = sim_dist_sample_ns(&k->service_time, r->rng_svc);
	if (pd->stretch > 0 && pd->stretch != 1) {
		double x = (double)d * pd->stretch;
		d = x < (double)SIM_SPAN_MAX ? (sim_ns)x : SIM_SPAN_MAX;
	}
	sim_at(r->sim, now + d, r->p.prio, on_done, r, j);
}

/* A queued request that waited the timeout left at arrival + timeout;
 * it is noticed at now (area must be up to now). */
static void
abandon(struct rq_service *r, sim_ns arrival, sim_ns timeout, sim_ns now)
{
	sim_ns left = arrival + timeout;
	r->st.in_system--;
	r->st.departed++;
	r->st.timeouts++;
	r->st.abandoned++;
	r->st.sojourn_sum += sim_ns_to_s(timeout);
	r->st.area -= (double)(now - left) * 1e-9;
}

/* The class of the request queued at ring position i. */
static inline uint32_t
queued_class(const struct rq_pod *pd, uint32_t i)
{
	return pd->qc != NULL ? pd->qc[i] : 0;
}

/* Drops expired requests from the head of the pod's queue (with one
 * timeout, arrival order is expiry order; with classes, a request behind
 * the head is dropped when it reaches the head, at its exact time). */
static void
purge(struct rq_service *r, struct rq_pod *pd, sim_ns now)
{
	if (!r->any_timeout)
		return;
	while (pd->len > 0) {
		if (pd->qt != NULL && pd->qt[pd->head] != RQ_NOTAG) {
			/* the mesh's: its client gave up at the deadline */
			sim_ns dl = pd->qd[pd->head];
			if (dl > now)
				break;
			r->st.in_system--;
			r->st.departed++;
			r->st.sojourn_sum += (double)(dl - pd->q[pd->head]) * 1e-9;
			r->st.area -= (double)(now - dl) * 1e-9;
			pd->head = (pd->head + 1) & (pd->cap - 1);
			pd->len--;
			continue;
		}
		sim_ns to = r->cls[queued_class(pd, pd->head)].timeout;
		if (to <= 0 || pd->q[pd->head] > now - to)
			break;
		abandon(r, pd->q[pd->head], to, now);
		pd->head = (pd->head + 1) & (pd->cap - 1);
		pd->len--;
	}
}

static void
queue_push(struct rq_pod *pd, sim_ns arrival, uint32_t cls, bool classes)
{
	if (pd->len == pd->cap) {
		uint32_t ncap = pd->cap ? pd->cap * 2 : 16;
		sim_ns *nq = xreallocarray(NULL, ncap, sizeof *nq);
		uint16_t *nc = classes ? xreallocarray(NULL, ncap, sizeof *nc) : NULL;
		for (uint32_t i = 0; i < pd->len; i++) {
			nq[i] = pd->q[(pd->head + i) & (pd->cap - 1)];
			if (nc != NULL)
				nc[i] = pd->qc[(pd->head + i) & (pd->cap - 1)];
		}
		free(pd->q);
		free(pd->qc);
		pd->q = nq;
		pd->qc = nc;
		pd->head = 0;
		pd->cap = ncap;
	}
	uint32_t at = (pd->head + pd->len) & (pd->cap - 1);
	pd->q[at] = arrival;
	if (pd->qc != NULL)
		pd->qc[at] = (uint16_t)cls;
	pd->len++;
}

static void
on_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rq_service *r = ctx;
	uint32_t j = (uint32_t)arg;
	struct rq_job *jb = &r->jobs[j];
	uint32_t id = jb->pod;
	struct rq_pod *pd = &r->pods[id];
	if (jb->epoch != pd->epoch) {
		job_free(r, j);		/* the pod's work was dropped */
		return;
	}
	sim_ns now = sim_now(sim);
	area_to(r, now);
	r->st.in_system--;
	r->st.departed++;
	double soj = (double)(now - jb->arrival) * 1e-9, resp = soj;
	r->st.sojourn_sum += soj;
	/* The mesh's requests (tagged): the mesh judges the outcome. */
	uint64_t tag = r->jtag != NULL ? r->jtag[j] : RQ_NOTAG;
	if (tag == RQ_NOTAG && r->p.has_net_latency)
		resp += sim_dist_sample(&r->p.net_latency, r->rng_svc);
	if (tag == RQ_NOTAG && r->p.bandwidth > 0 && r->cls[jb->cls].size > 0)
		resp += (double)r->cls[jb->cls].size / r->p.bandwidth;
	sim_ns tmo = r->cls[jb->cls].timeout;
	if (tag != RQ_NOTAG) {
	} else if (tmo > 0 && resp > sim_ns_to_s(tmo)) {
		r->st.timeouts++;
	} else {
		r->st.ok++;
		r->st.latency_sum += resp;
		if (r->h != NULL)
			hist_add(r->h, resp, 1);
	}
	purge(r, pd, now);
	if (pd->len > 0) {
		jb->arrival = pd->q[pd->head];
		jb->cls = queued_class(pd, pd->head);
		if (r->jtag != NULL)
			r->jtag[j] = pd->qt != NULL ? pd->qt[pd->head] : RQ_NOTAG;
		pd->head = (pd->head + 1) & (pd->cap - 1);
		pd->len--;
		start_service(r, pd, j, now);
	} else {
		pd->busy--;
		job_free(r, j);
	}
	if (tag != RQ_NOTAG)
		r->p.done(r->p.hook_ctx, tag, RQ_OK, id);
}

static uint32_t
active(const struct rq_service *r, uint32_t id)
{
	if (id >= r->npods)
		return 0;
	return r->pods[id].busy + r->pods[id].len;
}

static uint32_t
pick(struct rq_service *r, const uint32_t *ids, size_t n)
{
	switch (r->p.lb) {
	case RQ_LB_ROUND_ROBIN:
		if (r->rr >= n)
			r->rr = 0;
		return ids[r->rr++];
	case RQ_LB_RANDOM:
		return ids[n == 1 ? 0 : gsl_rng_uniform_int(r->rng_lb, n)];
	case RQ_LB_LEAST_REQUEST: {
		if (n == 1)
			return ids[0];
		size_t a = gsl_rng_uniform_int(r->rng_lb, n);
		size_t b = gsl_rng_uniform_int(r->rng_lb, n - 1);
		if (b >= a)
			b++;
		return active(r, ids[b]) < active(r, ids[a]) ? ids[b] : ids[a];
	}
	case RQ_LB_RING_HASH: {
		if (!r->ring_valid || r->ring_n != n ||
		    (r->version != NULL && *r->version != r->ring_version)) {
			ring_build(ids, n, &r->ring, &r->nring, &r->capring);
			r->ring_n = n;
			r->ring_version = r->version ? *r->version : 0;
			r->ring_valid = true;
		}
		/* The request key: a client or session id, uniform on 2^64. */
		uint64_t key = ((uint64_t)gsl_rng_get(r->rng_lb) << 32) ^
		    (uint64_t)gsl_rng_get(r->rng_lb);
		return ring_find(r->ring, r->nring, key)->id;
	}
	}
	ks_fatal("request: bad load-balancing policy %d", (int)r->p.lb);
}

static void
on_arrival(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct rq_service *r = ctx;
	sim_ns now = sim_now(sim);
	if (r->p.arrival != NULL) {
		/* the mesh's entry: it makes the tries */
		r->p.arrival(r->p.hook_ctx, now);
		sim_ns t = next_arrival(r);
		if (t != SIM_NEVER)
			sim_at(sim, t, r->p.prio, on_arrival, r, 0);
		return;
	}
	r->st.arrivals++;
	uint32_t cls = 0;
	if (r->rng_cls != NULL) {
		/* The class by its weight: one uniform per arrival, drawn
		 * before anything can fail so the stream stays aligned. */
		double u = gsl_rng_uniform(r->rng_cls) * r->cls_wsum;
		while (cls + 1 < r->ncls && u >= r->cls[cls].weight) {
			u -= r->cls[cls].weight;
			cls++;
		}
	}
	size_t n = *r->nids;
	if (n == 0) {
		r->st.failed++;
		goto next;
	}
	uint32_t id = pick(r, *r->ids, n);
	if (r->p.dead != NULL && r->p.dead(r->p.dead_ctx, id)) {
		r->st.failed++;
		goto next;
	}
	struct rq_pod *pd = id < r->npods ? &r->pods[id] : pod_get(r, id);
	if (pod_errs(r, pd)) {
		r->st.failed++;
		goto next;
	}
	area_to(r, now);
	if (pd->busy < (uint32_t)r->p.concurrency) {
		r->st.in_system++;
		pd->busy++;
		uint32_t j = job_alloc(r);
		r->jobs[j].arrival = now;
		r->jobs[j].pod = id;
		r->jobs[j].cls = cls;
		start_service(r, pd, j, now);
	} else {
		purge(r, pd, now);
		if (r->p.queue_limit > 0 && pd->len >= (uint32_t)r->p.queue_limit) {
			r->st.rejected++;
		} else {
			r->st.in_system++;
			queue_push(pd, now, cls, r->ncls > 1);
		}
	}
next:;
	sim_ns t = next_arrival(r);
	if (t != SIM_NEVER)
		sim_at(sim, t, r->p.prio, on_arrival, r, 0);
}

/* Queues a mesh request: its deadline and tag go in the parallel arrays,
 * which follow queue_push's re-linearization when the ring grows. */
static void
queue_push_tagged(struct rq_service *r, struct rq_pod *pd, sim_ns arrival, uint32_t cls,
    sim_ns deadline, uint64_t tag)
{
	if (pd->len == pd->cap || pd->qt == NULL) {
		uint32_t ncap = pd->len == pd->cap ? (pd->cap ? pd->cap * 2 : 16) : pd->cap;
		sim_ns *nd = xreallocarray(NULL, ncap, sizeof *nd);
		uint64_t *nt = xreallocarray(NULL, ncap, sizeof *nt);
		bool relin = pd->len == pd->cap;
		for (uint32_t i = 0; i < pd->len; i++) {
			uint32_t from = (pd->head + i) & (pd->cap - 1);
			uint32_t to = relin ? i : from;
			nd[to] = pd->qd != NULL ? pd->qd[from] : SIM_NEVER;
			nt[to] = pd->qt != NULL ? pd->qt[from] : RQ_NOTAG;
		}
		free(pd->qd);
		free(pd->qt);
		pd->qd = nd;
		pd->qt = nt;
	}
	queue_push(pd, arrival, cls, r->ncls > 1);
	uint32_t at = (pd->head + pd->len - 1) & (pd->cap - 1);
	pd->qd[at] = deadline;
	pd->qt[at] = tag;
}

enum rq_outcome
rq_submit(struct rq_service *r, uint64_t tag, sim_ns deadline, uint32_t *pod)
{
	KS_ASSERT(r->p.done != NULL);
	sim_ns now = sim_now(r->sim);
	if (deadline != SIM_NEVER)
		r->any_timeout = true;
	uint32_t cls = 0;
	if (r->rng_cls != NULL) {
		double u = gsl_rng_uniform(r->rng_cls) * r->cls_wsum;
		while (cls + 1 < r->ncls && u >= r->cls[cls].weight) {
			u -= r->cls[cls].weight;
			cls++;
		}
	}
	*pod = RQ_NO_POD;
	size_t n = *r->nids;
	if (n == 0)
		return RQ_FAILED;
	uint32_t id = pick(r, *r->ids, n);
	*pod = id;
	if (r->p.dead != NULL && r->p.dead(r->p.dead_ctx, id))
		return RQ_FAILED;
	struct rq_pod *pd = id < r->npods ? &r->pods[id] : pod_get(r, id);
	if (pod_errs(r, pd))
		return RQ_FAILED;
	area_to(r, now);
	if (pd->busy < (uint32_t)r->p.concurrency) {
		r->st.in_system++;
		pd->busy++;
		uint32_t j = job_alloc(r);
		if (r->capjtag < r->capjobs) {
			r->jtag = xreallocarray(r->jtag, r->capjobs, sizeof *r->jtag);
			r->capjtag = r->capjobs;
		}
		r->jtag[j] = tag;
		r->jobs[j].arrival = now;
		r->jobs[j].pod = id;
		r->jobs[j].cls = cls;
		start_service(r, pd, j, now);
		return RQ_PENDING;
	}
	purge(r, pd, now);
	if (r->p.queue_limit > 0 && pd->len >= (uint32_t)r->p.queue_limit)
		return RQ_REJECTED;
	r->st.in_system++;
	queue_push_tagged(r, pd, now, cls, deadline, tag);
	return RQ_PENDING;
}

void
rq_start(struct rq_service *r, sim_ns from, sim_ns horizon)
{
	r->t = (double)from;
	r->win_end = from;
	r->bound = 0;
	r->horizon = horizon;
	r->area_at = sim_now(r->sim);
	sim_ns t = next_arrival(r);
	if (t != SIM_NEVER)
		sim_at(r->sim, t, r->p.prio, on_arrival, r, 0);
}

void
rq_pod_gone(struct rq_service *r, uint32_t id)
{
	if (id >= r->npods)
		return;
	struct rq_pod *pd = &r->pods[id];
	pd->stretch = 0;
	pd->err = 0;
	if (pd->busy == 0 && pd->len == 0)
		return;
	sim_ns now = sim_now(r->sim);
	area_to(r, now);
	uint64_t k = 0, mesh = 0;
	/* The mesh's requests fail through done(), once the pod is reset;
	 * queued ones whose client gave up left at their deadline. */
	uint64_t *tags = NULL;
	size_t ntags = 0, captags = 0;
	for (uint32_t i = 0; i < pd->len; i++) {
		uint32_t at = (pd->head + i) & (pd->cap - 1);
		sim_ns a = pd->q[at], left = now;
		if (pd->qt != NULL && pd->qt[at] != RQ_NOTAG) {
			mesh++;
			if (pd->qd[at] <= now) {
				left = pd->qd[at];
				r->st.area -= (double)(now - left) * 1e-9;
			} else {
				KS_GROW(tags, captags, ntags + 1);
				tags[ntags++] = pd->qt[at];
			}
		}
		r->st.sojourn_sum += (double)(left - a) * 1e-9;
		k++;
	}
	for (size_t j = 0; j < r->njobs; j++) {
		const struct rq_job *jb = &r->jobs[j];
		if (jb->epoch == pd->epoch && jb->pod == id) {
			r->st.sojourn_sum += (double)(now - jb->arrival) * 1e-9;
			k++;
			if (r->jtag != NULL && r->jtag[j] != RQ_NOTAG) {
				mesh++;
				KS_GROW(tags, captags, ntags + 1);
				tags[ntags++] = r->jtag[j];
			}
		}
	}
	r->st.failed += k - mesh;
	r->st.departed += k;
	r->st.in_system -= k;
	pd->epoch++;
	if (pd->epoch == RQ_NONE)
		pd->epoch = 0;
	pd->busy = 0;
	pd->len = 0;
	pd->head = 0;
	for (size_t i = 0; i < ntags; i++)
		r->p.done(r->p.hook_ctx, tags[i], RQ_FAILED, id);
	free(tags);
}

/* ---- request classes ---------------------------------------------------------- */

void
rq_class_moments(const struct rq_class *c, size_t n, double *mean, double *scv,
    double *cpu, double *timeout_s)
{
	double w = 0, m = 0, m2 = 0, u = 0, t = 0;
	bool all_timeouts = true;
	for (size_t i = 0; i < n; i++)
		w += c[i].weight;
	KS_ASSERT(n >= 1 && w > 0);
	for (size_t i = 0; i < n; i++) {
		double p = c[i].weight / w, mi = sim_dist_mean(&c[i].service_time);
		m += p * mi;
		m2 += p * mi * mi * (1 + sim_dist_scv(&c[i].service_time));
		u += p * c[i].cpu_per_request;
		t += p * sim_ns_to_s(c[i].timeout);
		all_timeouts &= c[i].timeout > 0;
	}
	if (mean != NULL)
		*mean = m;
	if (scv != NULL)
		*scv = m > 0 ? m2 / (m * m) - 1 : 0;
	if (cpu != NULL)
		*cpu = u;
	if (timeout_s != NULL)
		*timeout_s = all_timeouts ? t : 0;
}

void
rq_set_pod_cap(struct rq_service *r, uint32_t id, double stretch, double err)
{
	struct rq_pod *pd = id < r->npods ? &r->pods[id] : pod_get(r, id);
	pd->stretch = stretch;
	pd->err = err;
	if (err > 0 && r->rng_err == NULL) {
		char *n = xasprintf("errors:%s", r->name);
		r->rng_err = sim_rng_new(r->p.seed, n);
		free(n);
	}
}

uint32_t
rq_pod_load(const struct rq_service *r, uint32_t id)
{
	return active(r, id);
}
