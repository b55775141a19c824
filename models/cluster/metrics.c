/*
 * metrics.c - a metrics-server model: every --metric-resolution it scrapes
 * each running pod (of a Deployment an HPA or VPA reads: no one else
 * reads the samples); a pod's cpu usage is the rate of its cumulative cpu time
 * between two scrapes (so a new or restarted pod has no metric until its
 * second scrape), with that window and timestamp, and its Pods metric
 * requests_per_second the rate of its served requests. The HPA and VPA read
 * the samples. It runs when some autoscaler needs it.
 *
 * Pods of a fluid Service's cohort (cohort.h) that were scraped alike are
 * scraped once per cohort: their cpu seconds are their own + (the cohort's
 * integral - their offset), so their samples differ only by rounding, and
 * a bound on that rounding (cohort_milli) shows when every member's sample
 * is the cohort's; such pods are `sampled` (cl_pod_run) and cost the scrape
 * a tally, not a read of their counts. Anything that would change how a
 * sampled pod's counts are derived writes its sample out first
 * (metrics_sample_out), so it is scraped on its own again, as before.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/traffic_int.h"
#include "sim/util/bitset.h"

/* A Deployment's pods' samples at the last scrape as the HPA reads them
 * (has, and cpu, rps and time when it has): whether all were equal, and
 * to what; it stands while the Deployment's pods_rev is `rev` (a sample
 * that changes later moves pods_rev on, but for its time, which only a
 * scrape changes). state_rev: the Deployment's pods_state_rev when its
 * pods_rev was rev (it moves only with pods_rev: store_pods.c). */
struct deploy_samples {
	uint32_t		pass;	/* the scrape that saw its pods */
	bool			uniform;
	bool			read;	/* an autoscaler reads its pods */
	bool			changed;	/* a sample changed in this scrape */
	double			idle;	/* its pods' idle cores */
	uint64_t		rev, state_rev;
	struct cl_pod_metrics	s;
};

/* By pod id: the latest samples (what metrics_of lends the HPA and
 * VPA; a sampled pod's is its cohort's), and the cpu time and served
 * requests at the last scrape. */
struct metrics {
	struct cluster		*c;
	struct cl_pod_metrics	*m;
	double			*cpu_at_scrape;
	double			*served_at_scrape;
	size_t			 cap;
	bool			 verify;	/* KS_METRICS_VERIFY: each read checked */
	bool			 alone;		/* KS_METRICS_ALONE: every pod
						 * scraped on its own */
	uint64_t		 nverified;
	struct deploy_samples	*same;		/* by Deployment (one line each) */
	size_t			 nread;
	uint32_t		 pass;		/* scrapes so far */
	sim_ns			 now;		/* the scrape's time */
	struct ks_bits		 sampled;	/* the pods cl_pod_run.sampled marks,
						 * which the pass passes by a word
						 * at a time */
	struct ks_bits		 unread;	/* pod slots found free or of a
						 * Deployment no autoscaler reads,
						 * passed by too until the slot
						 * holds a new pod */
	uint64_t		 ncohort, nalone, nout;	/* samples taken per cohort
							 * (pods), per pod; pods
							 * written out */
};

static struct metrics *
metrics_ctl(struct cluster *c)
{
	return c->ctl[CTL_METRICS];
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

static void
sample_of(const struct cohort_scrape *r, struct cl_pod_metrics *pm)
{
	*pm = (struct cl_pod_metrics){ .has = true, .cpu_milli = r->cpu_milli,
	    .rps_milli = r->rps_milli, .at = r->at };
}

const struct cl_pod_metrics *
metrics_of(struct cluster *c, uint32_t pod)
{
	struct metrics *ms = metrics_ctl(c);
	if (c->run[pod].sampled)	/* its own copy brought up to date */
		sample_of(&traffic_cohort_of(c, pod)->scr, &ms->m[pod]);
	return &ms->m[pod];
}

void
metrics_sample_out(struct cluster *c, uint32_t p)
{
	struct metrics *ms = metrics_ctl(c);
	struct cohort *k = traffic_cohort_of(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	/* what the scrape read of it then, as traffic_use_flat reads it */
	ms->cpu_at_scrape[p] = cohort_reading(c->use[p].cpu_seconds, k->scr.cpu, me->off_cpu);
	ms->served_at_scrape[p] = cohort_reading(c->use[p].served, k->scr.served,
	    me->off_served);
	sample_of(&k->scr, &ms->m[p]);
	KS_ASSERT(k->scr.nsampled > 0);
	k->scr.nsampled--;
	c->run[p].sampled = false;
	ks_bits_put(&ms->sampled, p, false);
	ms->nout++;
}

/* A pod's sample from its use over dt seconds (cpu seconds dcpu with idle
 * cores, served requests dserved): millicores and requests per 1000 s,
 * rounded half up. */
static inline void
sample_milli(double idle, double dcpu, double dserved, double dt, int64_t *cpu_milli,
    int64_t *rps_milli)
{
	double cores = idle + dcpu / dt;
	*cpu_milli = (int64_t)(cores * 1000.0 + 0.5);
	*rps_milli = (int64_t)(dserved / dt * 1000.0 + 0.5);
}

/*
 * The sample a scrape at `now` takes of every sampled member of cohort k
 * (whose pods at its last scrape, r->at, read integrals r->cpu and
 * r->served, and now cpu and served), when rounding cannot tell them
 * apart. A member's cpu seconds are own + (integral - off), with 0 <= off
 * <= r->cpu <= cpu and 0 <= own <= r->own_cpu, so the difference of its two
 * readings is D = cpu - r->cpu within 4.02u (own + cpu) + u D (u = 2^-53:
 * two subtractions and two additions of at most own + cpu, then their
 * difference), e below; from there to the millicores (divide, add idle,
 * times 1000, add 0.5, each rounding by u of its result and each
 * monotonic) the members' values lie within ex of x, computed from
 * D's own rounding. When [x - ex, x + ex] holds no integer boundary, every
 * member truncates to the same millicores (values >= 0).
 */
static inline bool
cohort_milli(double idle, double dt, double now_v, double then_v, double own, int64_t *out)
{
	double d = now_v - then_v;
	double e = 0x1p-48 * (own + now_v + fabs(d));
	double x = (idle + d / dt) * 1000.0 + 0.5;
	double ex = 2000.0 * e / dt + 0x1p-48 * (fabs(x) + 1000.0 * fabs(idle) +
	    1000.0 * fabs(d) / dt + 1.0);
	double lo = x - ex, hi = x + ex;
	/* truncation is floor for values >= 0 (and needs no libm call) */
	if (!(lo >= 0) || !(hi < 0x1p52) || (int64_t)lo != (int64_t)hi)
		return false;
	*out = (int64_t)x;
	return true;
}

/* KS_METRICS_VERIFY: sampled pod p's sample, computed on its own as the
 * pass over pods computes it, is the cohort's (k->scr, just taken; the
 * previous scrape's integrals in cpu0, served0). */
static void
verify_sampled(const struct cluster *c, uint32_t p, const struct cohort *k, double idle,
    double dt, double cpu0, double served0)
{
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	double own_cpu = c->use[p].cpu_seconds, own_served = c->use[p].served;
	double cpu = cohort_reading(own_cpu, k->cpu, me->off_cpu);
	double served = cohort_reading(own_served, k->served, me->off_served);
	double cpu_at = cohort_reading(own_cpu, cpu0, me->off_cpu);
	double served_at = cohort_reading(own_served, served0, me->off_served);
	int64_t cpu_milli, rps_milli;
	sample_milli(idle, cpu - cpu_at, served - served_at, dt, &cpu_milli, &rps_milli);
	if (cpu_milli != k->scr.cpu_milli || rps_milli != k->scr.rps_milli) {
		fprintf(stderr, "kubesim: KS_METRICS_VERIFY: pod %u's sample %lld m, %lld m/s; "
		    "its cohort's %lld, %lld\n", p, (long long)cpu_milli, (long long)rps_milli,
		    (long long)k->scr.cpu_milli, (long long)k->scr.rps_milli);
		abort();
	}
}

/* Whether pod p is a sampled member of cohort j of set `set`. */
static inline bool
sampled_in(const struct cluster *c, uint32_t p, size_t set, size_t j)
{
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	return me->set == (int32_t)set && me->k == (int32_t)j && c->run[p].sampled;
}

/* Every sampled member of cohort j of set `set` written out. */
static void
cohort_sample_out(struct cluster *c, size_t set, size_t j)
{
	const struct cohort_set *cs = &tr_of(c)->serve->p[set].coh;
	for (size_t m = 0; m < cs->nmembers && cs->k[j].scr.nsampled > 0; m++)
		if (sampled_in(c, cs->members[m], set, j))
			metrics_sample_out(c, cs->members[m]);
	KS_ASSERT(cs->k[j].scr.nsampled == 0);
}

char *
metrics_check(const struct cluster *c)
{
	const struct metrics *ms = c->ctl[CTL_METRICS];
	const struct traffic *tr = tr_of(c);
	size_t nsampled = 0, counted = 0;
	for (size_t p = 0; p < c->npods; p++) {
		if (ms != NULL && ks_bits_has(&ms->sampled, p) != c->run[p].sampled)
			return xasprintf("pod slot %zu's sampled mark and bit differ", p);
		const struct cl_pod_run *run = &c->run[p];
		if (ms != NULL && ks_bits_has(&ms->unread, p) && run->state != CL_RUN_FREE &&
		    run->deploy < ms->nread && ms->same[run->deploy].read)
			return xasprintf("pod slot %zu is passed by the scrape but read", p);
		if (!c->run[p].sampled)
			continue;
		nsampled++;
		const struct cohort_pod *me = tr != NULL && tr->serve != NULL &&
		    p < tr->capcp ? &tr->cp[p] : NULL;
		if (ms == NULL || me == NULL || me->set < 0 || me->k < 0)
			return xasprintf("pod slot %zu is sampled by a cohort it is not in", p);
		const struct cohort_scrape *r = &traffic_cohort_of(c, (uint32_t)p)->scr;
		if (c->run[p].state != CL_RUN_RUNNING || r->pass != ms->pass ||
		    r->deploy != c->run[p].deploy || !(c->use[p].cpu_seconds <= r->own_cpu) ||
		    !(c->use[p].served <= r->own_served))
			return xasprintf("pod slot %zu's sample is not its cohort's to keep", p);
	}
	for (size_t s = 0; tr != NULL && tr->serve != NULL && s < tr->serve->n; s++)
		for (size_t j = 0; j < tr->serve->p[s].coh.n; j++)
			counted += tr->serve->p[s].coh.k[j].scr.nsampled;
	if (counted != nsampled)
		return xasprintf("%zu pods are sampled by cohorts; the cohorts count %zu",
		    nsampled, counted);
	return NULL;
}

/*
 * The scrape of profile i's cohorts with sampled members (as their pairs
 * are laid out, before the pass over the pods): each one's new sample
 * when the rounding bound decides it, its members written out otherwise
 * (the pass then scrapes them one by one).
 */
static void
scrape_cohorts(void *ctx, size_t s, struct cohort_set *cs, const double *pairs)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	sim_ns now = ms->now;
	for (size_t j = 0; j < cs->n; j++) {
		struct cohort *k = &cs->k[j];
		struct cohort_scrape *r = &k->scr;
		if (r->nsampled == 0)
			continue;
		KS_ASSERT(r->pass + 1 == ms->pass);
		const double *now_v = &pairs[2 * j];
		double dt = sim_ns_to_s(now - r->at);
		int64_t cpu_milli, rps_milli;
		const struct deploy_samples *ds = r->deploy < ms->nread ? &ms->same[r->deploy] : NULL;
		if (ds == NULL || !ds->read || !(dt > 0) ||
		    !cohort_milli(ds->idle, dt, now_v[0], r->cpu, r->own_cpu, &cpu_milli) ||
		    !cohort_milli(0, dt, now_v[1], r->served, r->own_served, &rps_milli)) {
			cohort_sample_out(c, s, j);
			continue;
		}
		double cpu0 = r->cpu, served0 = r->served;
		if (cpu_milli != r->cpu_milli || rps_milli != r->rps_milli)
			ms->same[r->deploy].changed = true;
		r->pass = ms->pass;
		r->at = now;
		r->cpu = now_v[0];
		r->served = now_v[1];
		r->cpu_milli = cpu_milli;
		r->rps_milli = rps_milli;
		/* its members' part of their Deployment's tally (the pass
		 * over the pods passes them by) */
		struct cl_pod_metrics sm;
		sample_of(r, &sm);
		same_add(&ms->same[r->deploy], ms->pass, &sm);
		ms->ncohort += r->nsampled;
		for (size_t m = 0; ms->verify && m < cs->nmembers; m++)
			if (sampled_in(c, cs->members[m], s, j))
				verify_sampled(c, cs->members[m], k, ds->idle, dt, cpu0, served0);
	}
}

/*
 * Pod p (scraped on its own just now, its sample pm) sampled by its
 * cohort from now on when it is a cohort's member and the cohort's
 * record of this scrape (begun by the first such member) has its sample
 * and Deployment.
 */
static void
sample_join(struct metrics *ms, const struct traffic_flat *f, uint32_t p,
    const struct cl_pod_metrics *pm)
{
	struct cluster *c = ms->c;
	if (f->cp == NULL || p >= f->ncp || f->cp[p].k < 0)
		return;
	const struct cohort_pod *me = &f->cp[p];
	struct cohort_scrape *r = &traffic_cohort_of(c, p)->scr;
	double own_cpu = f->use[p].cpu_seconds, own_served = f->use[p].served;
	if (r->pass != ms->pass) {
		KS_ASSERT(r->nsampled == 0);
		const double *now_v = traffic_flat_pair(f, me);
		*r = (struct cohort_scrape){ .pass = ms->pass, .deploy = c->run[p].deploy,
		    .at = pm->at, .cpu = now_v[0], .served = now_v[1],
		    .cpu_milli = pm->cpu_milli, .rps_milli = pm->rps_milli };
	} else if (r->deploy != c->run[p].deploy || r->cpu_milli != pm->cpu_milli ||
	    r->rps_milli != pm->rps_milli) {
		return;
	}
	if (!(own_cpu >= 0) || !(own_served >= 0))
		return;		/* the bound assumes counts that only grow */
	if (own_cpu > r->own_cpu)
		r->own_cpu = own_cpu;
	if (own_served > r->own_served)
		r->own_served = own_served;
	r->nsampled++;
	c->run[p].sampled = true;
	ks_bits_put(&ms->sampled, p, true);
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

bool
metrics_uniform(const struct cluster *c, uint32_t d, struct cl_pod_metrics *s,
    uint64_t *state_rev)
{
	const struct metrics *ms = metrics_ctl((struct cluster *)c);
	if (ms->same == NULL || d >= ms->nread)
		return false;
	const struct deploy_samples *ds = &ms->same[d];
	/* the revision from its dense copy, which the HPA's check has just read */
	if (ds->pass == 0 || !ds->uniform || ds->rev != c->deploy_rev[d].pods_rev)
		return false;
	*s = ds->s;
	if (state_rev != NULL)
		*state_rev = ds->state_rev;
	return true;
}

void
metrics_prefetch_uniform(const struct cluster *c, uint32_t d)
{
	const struct metrics *ms = metrics_ctl((struct cluster *)c);
	if (ms->same != NULL && d < ms->nread)
		__builtin_prefetch(&ms->same[d]);
}

/* Pod i (not sampled by its cohort) scraped on its own at `now`. */
static inline void
scrape_pod(struct metrics *ms, size_t i, sim_ns now, const struct traffic_flat *use)
{
	struct cluster *c = ms->c;
	const struct cl_pod_run *pd = &c->run[i];
	struct cl_pod_metrics *pm = &ms->m[i];
	if (ms->verify)
		verify_run(c, (uint32_t)i);
	if (pd->state == CL_RUN_FREE || pd->deploy >= ms->nread || !ms->same[pd->deploy].read) {
		if (!ms->verify)
			ks_bits_put(&ms->unread, i, true);
		return;		/* no autoscaler reads it */
	}
	struct deploy_samples *ds = &ms->same[pd->deploy];
	if (pd->sampled)	/* its cohort's sample, tallied (scrape_cohorts) */
		return;
	if (pd->state != CL_RUN_RUNNING) {
		if (pm->has) {
			pm->has = false;
			ds->changed = true;
		}
	} else {
		double idle = ds->idle;
		double cpu, served;
		bool sampled = false;
		traffic_use_flat(use, (uint32_t)i, &cpu, &served);
		if (ms->verify) {
			verify_read(c, (uint32_t)i, cpu, served);
			ms->nverified++;
		}
		if (pm->at > 0 && pm->at >= pd->started) {
			int64_t cpu_milli, rps_milli;
			sample_milli(idle, cpu - ms->cpu_at_scrape[i], served - ms->served_at_scrape[i],
			    sim_ns_to_s(now - pm->at), &cpu_milli, &rps_milli);
			/* the sample's time is not part of what changed */
			if (!pm->has || cpu_milli != pm->cpu_milli || rps_milli != pm->rps_milli)
				ds->changed = true;
			pm->cpu_milli = cpu_milli;
			pm->rps_milli = rps_milli;
			pm->has = true;
			sampled = now > 0;
		}
		pm->at = now;
		ms->cpu_at_scrape[i] = cpu;
		ms->served_at_scrape[i] = served;
		ms->nalone++;
		if (sampled && !ms->alone)
			sample_join(ms, use, (uint32_t)i, pm);
	}
	same_add(ds, ms->pass, pm);
}

/* Deployments whose changed revision's line is asked for ahead. */
#define METRICS_AHEAD	8

static void
on_scrape(struct sim *sim, void *ctx, uint64_t arg)
{
	struct metrics *ms = ctx;
	struct cluster *c = ms->c;
	sim_ns now = sim_now(sim);
	size_t npods = c->npods, nread = ms->nread;
	struct deploy_samples *same = ms->same;
	uint32_t pass = ++ms->pass;
	/* every parked Service at once, each cohort with sampled members
	 * too (scrape_cohorts), then each pod not sampled so and read,
	 * 64 at a time (every pod when verifying) */
	ms->now = now;
	traffic_use_begin(c, scrape_cohorts, ms);
	struct traffic_flat use;
	traffic_flat_init(c, &use);
	size_t nw = (npods + 63) / 64;
	for (size_t w = 0; w < nw; w++) {
		uint64_t todo = ms->verify ? ~(uint64_t)0 :
		    ~(ks_bits_word(&ms->sampled, w) | ks_bits_word(&ms->unread, w));
		if (w == nw - 1 && npods % 64 != 0)
			todo &= ((uint64_t)1 << (npods % 64)) - 1;
		for (; todo != 0; todo &= todo - 1)
			scrape_pod(ms, w * 64 + (size_t)__builtin_ctzll(todo), now, &use);
	}
	/* a Deployment's pods_rev moves on once for all its changed samples
	 * (only its changing is read); the revision a tally stands at is read
	 * from the dense copy (c->deploy_rev, which metrics_uniform compares),
	 * not from the Deployment's line, which only a change needs */
	bool verify = ms->verify;
	for (size_t d = 0; d < nread; d++) {
		struct deploy_samples *ds = &same[d];
		if (d + METRICS_AHEAD < nread && ds[METRICS_AHEAD].changed)
			__builtin_prefetch(&c->deploys[d + METRICS_AHEAD].pods_rev, 1);
		if (ds->changed) {
			c->deploys[d].pods_rev++;
			deploy_rev_sync(c, (uint32_t)d);
			ds->changed = false;
		}
		if (verify && !cl_deploy_rev_ok(c, (uint32_t)d)) {
			fprintf(stderr, "kubesim: KS_METRICS_VERIFY: Deployment %zu's copy "
			    "(c->deploy_rev) is stale\n", d);
			abort();
		}
		if (ds->pass != pass)
			continue;
		/* the Deployment's line is read for the pod state revision
		 * only when pods_rev moved (read above then, most often) */
		uint64_t rev = c->deploy_rev[d].pods_rev;
		if (rev != ds->rev) {
			ds->rev = rev;
			ds->state_rev = c->deploys[d].pods_state_rev;
		}
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
		ks_bits_grow(&ms->sampled, c->npods);
		ks_bits_grow(&ms->unread, c->npods);
		ks_bits_put(&ms->unread, p, false);	/* a new pod in the slot */
		ms->m[p] = (struct cl_pod_metrics){ 0 };
		ms->cpu_at_scrape[p] = 0;
		ms->served_at_scrape[p] = 0;
	} else {	/* CL_POD_STARTED: the window starts again */
		cl_pod_unshare(c, p);
		ms->cpu_at_scrape[p] = cl_pod_cpu_seconds(c, p);
		if (ms->m[p].has) {
			c->deploys[c->pods[p].deploy].pods_rev++;
			deploy_rev_sync(c, c->pods[p].deploy);
		}
		ms->m[p].has = false;
	}
}

static void *
metrics_create(struct cluster *c)
{
	struct metrics *ms = xcalloc(1, sizeof *ms);
	ms->c = c;
	ms->verify = getenv("KS_METRICS_VERIFY") != NULL;
	ms->alone = getenv("KS_METRICS_ALONE") != NULL;
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
	/* no revision yet (pods_rev never reaches it): the first tally reads
	 * the pod state revision */
	for (size_t i = 0; i < ms->nread; i++)
		ms->same[i].rev = UINT64_MAX;
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
		fprintf(stderr, "kubesim: KS_METRICS_VERIFY: %llu reads agreed; %llu "
		    "samples by cohort, %llu by pod, %llu written out\n",
		    (unsigned long long)ms->nverified, (unsigned long long)ms->ncohort,
		    (unsigned long long)ms->nalone, (unsigned long long)ms->nout);
	free(ms->m);
	free(ms->cpu_at_scrape);
	free(ms->served_at_scrape);
	free(ms->same);
	ks_bits_free(&ms->sampled);
	ks_bits_free(&ms->unread);
	free(ms);
}

const struct cl_controller metrics_controller = {
	.name = "metrics-server", .create = metrics_create, .start = metrics_start,
	.destroy = metrics_destroy,
};
