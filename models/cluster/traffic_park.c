/*
 * traffic_park.c - steady Services parked out of the tick loop (issue 13:
 * a Service whose inputs did not change costs nothing).
 * A profile in cohorts whose next ticks replay its last one (struct
 * serve_replay: steady traffic, the same endpoints, cohorts and backlogs)
 * touches nothing in such a tick but its own sums, and those by the same
 * addends tick after tick. Parked, it leaves the tick loop; whoever reads
 * its sums (the pod accessors, cl_serve_stats, traffic_sync and
 * traffic_settle) first adds the ticks served since, each tick's addends
 * in the order a replay adds them, so every sum has the same bits as if
 * each tick had been replayed. A parked profile goes back to the loop
 * (caught up first) when its steady stretch ends, when its endpoints or a
 * member change (CL_SERVICE_ENDPOINTS, the pod changes traffic.c watches),
 * when a pod of it gets a capacity of its own (cpu.h), when probes watch
 * every pod (pl_any), and after each interval's latency flush.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cpu.h"
#include "models/cluster/probe_load.h"
#include "models/cluster/traffic_int.h"

void
park_start(struct cluster *c)
{
	struct park_state *ps = &tr_of(c)->park;
	size_t n = tr_of(c)->serve->n;
	ks_bits_grow(&ps->active, n);
	for (size_t i = 0; i < n; i++)
		ks_bits_put(&ps->active, i, true);
	ps->tick_pos = SIZE_MAX;
}

void
park_fini(struct traffic *tr)
{
	ks_bits_free(&tr->park.active);
	for (size_t b = 0; b < tr->park.capbk; b++)
		free(tr->park.bk[b].ids);
	free(tr->park.bk);
	free(tr->kbase);
	free(tr->kuse);
}

/* ---- the wake-ups: buckets by until ------------------------------------------ */

/*
 * A wake-up is pushed when a profile parks and taken out once its stretch
 * has ended; what is done then depends only on the profile's own park
 * (park_tick_begin), so their order does not matter. Nearly every
 * stretch ends at the traffic's next window (a minute's turn): a sorted
 * array of buckets, one per distinct end, pushes in O(log buckets) and
 * takes a whole bucket at once, where a binary heap of 10,000 wake-ups
 * paid O(log n) comparisons for each.
 */
static void
wake_push(struct park_state *ps, sim_ns until, uint32_t i)
{
	size_t lo = 0, hi = ps->nbk;
	if (hi > 0 && ps->bk[hi - 1].until == until) {
		lo = hi - 1;	/* the usual case: the latest end */
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ps->bk[mid].until < until)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (lo == ps->nbk || ps->bk[lo].until != until) {
		size_t old = ps->capbk;
		KS_GROW(ps->bk, ps->capbk, ps->nbk + 1);
		if (ps->capbk > old)
			memset(&ps->bk[old], 0, (ps->capbk - old) * sizeof *ps->bk);
		struct park_bucket spare = ps->bk[ps->nbk];	/* an array to reuse */
		memmove(&ps->bk[lo + 1], &ps->bk[lo], (ps->nbk - lo) * sizeof *ps->bk);
		spare.until = until;
		spare.n = 0;
		ps->bk[lo] = spare;
		ps->nbk++;
	}
	struct park_bucket *b = &ps->bk[lo];
	KS_GROW(b->ids, b->cap, b->n + 1);
	b->ids[b->n++] = i;
}

/* The first bucket emptied, its array kept after the others. */
static void
wake_drop_first(struct park_state *ps)
{
	struct park_bucket b = ps->bk[0];
	memmove(&ps->bk[0], &ps->bk[1], (ps->nbk - 1) * sizeof *ps->bk);
	b.n = 0;
	ps->bk[--ps->nbk] = b;
}

/* ---- parking ---------------------------------------------------------------- */

void
park_try(struct cluster *c, size_t i, sim_ns now)
{
	struct traffic *tr = tr_of(c);
	struct park_state *ps = &tr->park;
	struct serve_prof *sp = &tr->serve->p[i];
	const struct cl_profile *pr = &c->profiles[i];
	const struct cohort_set *cs = &sp->coh;
	if (ps->off || sp->park.on || !sp->cohorts || c->t.tick <= 0 || pl_any(tr->probes) ||
	    cpu_profile_own_caps(tr->cpu, i) || !traffic_replay_ready(c, i, now + c->t.tick))
		return;
	/* one replayed tick's addends (sums_add, sums_end, serve_count) */
	struct serve_park d;
	memset(&d, 0, sizeof d);
	double ok = 0, err = 0, tmo = 0, work = 0;
	for (size_t k = 0; k < cs->n; k++) {
		const struct serving_memo *m = &sp->memo[k];
		const struct serving_result *res = &m->res;
		const struct serving_tick *in = &m->in;
		const struct cohort *co = &cs->k[k];
		double mc = (double)co->n, even = in->offered;
		/* its probes would be skipped (cohort_probes) */
		double drain;
		if (!co->key.dead && in->concurrency > 0 &&
		    traffic_cohort_resp(in, res, &drain) > PL_MIN_TIMEOUT_S)
			return;
		/* and its latency would only add weights */
		double w[2];
		if (!serving_deferred_hits(&sp->lat, res, in->dist, in->timeout, in->net_latency,
		    mc, pr->hist, w))
			return;
		for (int j = 0; j < 2; j++)
			if (w[j] >= 0)
				d.lat[j][d.nlat[j]++] = w[j];
		ok += res->ok * mc;
		d.served[k] = res->ok;
		tmo += res->timed_out * mc;
		err += (res->rejected + res->failed) * mc;
		d.occ[k] = res->occupancy * mc;
		d.soj[k] = res->sojourn * mc;
		d.adm[k] = (even - res->rejected - res->failed) * mc;
		double cw = res->started * pr->service_cpu;
		d.cpu[k] = cw;
		d.mc[k] = mc;
		work += cw * mc;
	}
	d.ncoh = cs->n;
	d.work = work;
	d.offered = sp->rp.offered;
	d.ok = ok;
	d.errors = err;
	d.timeouts = tmo;
	d.lost = err + tmo;
	d.on = true;
	d.through = d.k_through = now;
	d.until = sp->rp.until;
	d.ticks = sp->park.ticks;
	d.pushed_until = sp->park.pushed_until;
	d.pushed = sp->park.pushed;
	sp->park = d;
	ks_bits_put(&ps->active, i, false);
	ps->nparked++;
	/* one wake-up per stretch: a stretch's end only moves later, and its
	 * entry leaves the buckets once the stretch is over */
	if (!d.pushed || d.pushed_until != d.until) {
		wake_push(ps, d.until, (uint32_t)i);
		sp->park.pushed = true;
		sp->park.pushed_until = d.until;
	}
}

/* A catch-up's running copies of the profile's counts (serve_count's,
 * sums_end's work). */
struct park_sums {
	double	work, off, toff, soff, ok, err, tmo, tok, terr, sok, serr, stmo;
};

/* One tick's additions to them, in serve_count's order. */
static inline void
park_sums_tick(struct park_sums *a, const struct serve_park *pk)
{
	a->work += pk->work;
	a->off += pk->offered;
	a->toff += pk->offered;
	a->soff += pk->offered;
	a->ok += pk->ok;
	a->err += pk->errors;
	a->tmo += pk->timeouts;
	a->tok += pk->ok;
	a->terr += pk->lost;
	a->sok += pk->ok;
	a->serr += pk->errors;
	a->stmo += pk->timeouts;
}

/* Two doubles added lane by lane (SSE2's addpd on x86-64): each lane
 * adds its own addends in order, the same bits as one at a time. The
 * loops of ticks are unrolled four times (GCC's pragma): the same
 * additions in the same order, a quarter of the loop's own instructions. */
typedef double park_v2 __attribute__((vector_size(16)));

/* The ticks since pk->k_through added to each cohort's integrals, a
 * tick's addend at a time as a replay adds them: each sum's additions are
 * a chain that waits on the one before, so the chains of up to four
 * cohorts (of one profile, or of two with as many ticks to add:
 * catch_up_members) advance side by side. */
static uint64_t
members_ticks(const struct cluster *c, const struct serve_park *pk, sim_ns target)
{
	return (uint64_t)((target - pk->k_through) / c->t.tick);
}

static void
add_ticks(park_v2 *s, const park_v2 *d, size_t n, uint64_t K)
{
	switch (n) {
	case 0:
		break;
	case 1:
#pragma GCC unroll 4
		for (uint64_t t = 0; t < K; t++)
			s[0] += d[0];
		break;
	case 2:
#pragma GCC unroll 4
		for (uint64_t t = 0; t < K; t++) {
			s[0] += d[0];
			s[1] += d[1];
		}
		break;
	case 3:
#pragma GCC unroll 4
		for (uint64_t t = 0; t < K; t++) {
			s[0] += d[0];
			s[1] += d[1];
			s[2] += d[2];
		}
		break;
	default:
#pragma GCC unroll 4
		for (uint64_t t = 0; t < K; t++) {
			s[0] += d[0];
			s[1] += d[1];
			s[2] += d[2];
			s[3] += d[3];
		}
		break;
	}
}

/* Profiles i and j (j == SIZE_MAX: i alone), each parked and behind
 * target by the same ticks. */
static void
catch_up_members(const struct cluster *c, size_t i, size_t j, sim_ns target)
{
	struct traffic *tr = tr_of(c);
	size_t prof[2] = { i, j }, np = j == SIZE_MAX ? 1 : 2, n = 0;
	park_v2 s[2 * SERVE_MEMOS], d[2 * SERVE_MEMOS];
	uint64_t K = members_ticks(c, &tr->serve->p[i].park, target);
	for (size_t q = 0; q < np; q++) {
		struct serve_prof *sp = &tr->serve->p[prof[q]];
		struct serve_park *pk = &sp->park;
		KS_ASSERT(pk->on && target > pk->k_through && target <= pk->until);
		KS_ASSERT(members_ticks(c, pk, target) == K && pk->ncoh <= SERVE_MEMOS);
		for (size_t k = 0; k < pk->ncoh; k++, n++) {
			const struct cohort *co = &sp->coh.k[k];
			s[n] = (park_v2){ co->served, co->cpu };
			d[n] = (park_v2){ pk->served[k], pk->cpu[k] };
		}
	}
	add_ticks(s, d, n, K);
	n = 0;
	for (size_t q = 0; q < np; q++) {
		struct serve_prof *sp = &tr->serve->p[prof[q]];
		struct serve_park *pk = &sp->park;
		for (size_t k = 0; k < pk->ncoh; k++, n++) {
			sp->coh.k[k].served = s[n][0];
			sp->coh.k[k].cpu = s[n][1];
		}
		pk->k_through += (sim_ns)K * c->t.tick;
	}
}

void
park_catch_up_members(const struct cluster *c, size_t i, sim_ns target)
{
	catch_up_members(c, i, SIZE_MAX, target);
}

/*
 * The K ticks since pk->through added to profile i's sums: each sum gets
 * its addends in the order a replayed tick adds them (sums_add, sums_end,
 * serve_count), K times over. The sums are independent of each other, so
 * one pass over the ticks carries them all in locals; the cohorts'
 * integrals may be ahead (park_catch_up_members) and are brought up first.
 */
void
park_catch_up(const struct cluster *c, size_t i, sim_ns target)
{
	struct traffic *tr = tr_of(c);
	struct serve_prof *sp = &tr->serve->p[i];
	struct serve_park *pk = &sp->park;
	struct cl_profile *pr = &c->profiles[i];
	KS_ASSERT(pk->on && target > pk->through && target <= pk->until);
	if (target > pk->k_through)
		park_catch_up_members(c, i, target);
	uint64_t K = (uint64_t)((target - pk->through) / c->t.tick);
	double occ = sp->occupancy, soj = sp->sojourn, adm = sp->admitted;
	double lat0 = sp->lat.part[0].w, lat1 = sp->lat.part[1].w;
	struct park_sums a = {
		.work = pr->cpu_used_interval, .off = pr->offered, .toff = pr->total_offered,
		.soff = sp->offered, .ok = pr->ok, .err = pr->errors, .tmo = pr->timeouts,
		.tok = pr->total_ok, .terr = pr->total_errors, .sok = sp->ok,
		.serr = sp->errors, .stmo = sp->timeouts,
	};
	if (pk->ncoh == 1 && pk->nlat[0] == 1 && pk->nlat[1] <= 1) {
		/* one cohort, the steady case: the same additions, two sums
		 * to a vector */
		park_v2 s0 = { a.work, a.off }, d0 = { pk->work, pk->offered };
		park_v2 s1 = { a.toff, a.soff }, d1 = { pk->offered, pk->offered };
		park_v2 s2 = { a.ok, a.err }, d2 = { pk->ok, pk->errors };
		park_v2 s3 = { a.tmo, a.tok }, d3 = { pk->timeouts, pk->ok };
		park_v2 s4 = { a.terr, a.sok }, d4 = { pk->lost, pk->ok };
		park_v2 s5 = { a.serr, a.stmo }, d5 = { pk->errors, pk->timeouts };
		park_v2 s6 = { occ, soj }, d6 = { pk->occ[0], pk->soj[0] };
		park_v2 s7 = { adm, lat0 }, d7 = { pk->adm[0], pk->lat[0][0] };
		park_v2 s8 = { lat1, 0 }, d8 = { pk->lat[1][0], 0 };
#pragma GCC unroll 4
		for (uint64_t t = 0; t < K; t++) {
			s0 += d0;
			s1 += d1;
			s2 += d2;
			s3 += d3;
			s4 += d4;
			s5 += d5;
			s6 += d6;
			s7 += d7;
			s8 += d8;
		}
		a = (struct park_sums){
			.work = s0[0], .off = s0[1], .toff = s1[0], .soff = s1[1],
			.ok = s2[0], .err = s2[1], .tmo = s3[0], .tok = s3[1],
			.terr = s4[0], .sok = s4[1], .serr = s5[0], .stmo = s5[1],
		};
		occ = s6[0];
		soj = s6[1];
		adm = s7[0];
		lat0 = s7[1];
		if (pk->nlat[1] == 1)	/* else it has no addend: as it was */
			lat1 = s8[0];
	} else {
		for (uint64_t t = 0; t < K; t++) {
			for (size_t k = 0; k < pk->ncoh; k++) {
				occ += pk->occ[k];
				soj += pk->soj[k];
				adm += pk->adm[k];
			}
			for (size_t k = 0; k < pk->nlat[0]; k++)
				lat0 += pk->lat[0][k];
			for (size_t k = 0; k < pk->nlat[1]; k++)
				lat1 += pk->lat[1][k];
			park_sums_tick(&a, pk);
		}
	}
	sp->occupancy = occ;
	sp->sojourn = soj;
	sp->admitted = adm;
	sp->lat.part[0].w = lat0;
	sp->lat.part[1].w = lat1;
	pr->cpu_used_interval = a.work;
	pr->offered = a.off;
	pr->total_offered = a.toff;
	sp->offered = a.soff;
	pr->ok = a.ok;
	pr->errors = a.err;
	pr->timeouts = a.tmo;
	pr->total_ok = a.tok;
	pr->total_errors = a.terr;
	sp->ok = a.sok;
	sp->errors = a.serr;
	sp->timeouts = a.stmo;
	sp->rp.replayed += K;
	pk->ticks += K;
	pk->through += (sim_ns)K * c->t.tick;
}

void
park_release(struct cluster *c, size_t i)
{
	struct traffic *tr = tr_of(c);
	struct park_state *ps = &tr->park;
	struct serve_prof *sp = &tr->serve->p[i];
	if (!sp->park.on)
		return;
	park_settle(c, i);
	sp->park.on = false;
	ks_bits_put(&ps->active, i, true);
	ps->nparked--;
}

void
park_release_all(struct cluster *c)
{
	struct traffic *tr = tr_of(c);
	for (size_t i = 0; i < tr->serve->n && tr->park.nparked > 0; i++)
		park_release(c, i);
}

#define WAKE_AHEAD	8	/* wake-ups whose profiles are prefetched ahead */

void
park_tick_begin(struct cluster *c, sim_ns now)
{
	struct traffic *tr = tr_of(c);
	struct park_state *ps = &tr->park;
	size_t nown;
	const uint32_t *own = cpu_take_own_caps(tr->cpu, &nown);
	if (ps->nparked == 0)
		return;
	if (pl_any(tr->probes)) {
		park_release_all(c);
		return;
	}
	/* pods with capacities of their own: stepped one by one from now on */
	for (size_t k = 0; k < nown; k++)
		if (own[k] < tr->serve->n)
			park_release(c, own[k]);
	/* stretches that end before this tick: back in the loop, and
	 * released where it comes to them (the only profiles both active and
	 * parked: park_try, the one place that parks, takes a profile out of
	 * the loop), so that each one's records are read once for its
	 * release and its step. Until then a parked profile, caught up when
	 * read as ever: its release would catch it up to the tick before
	 * this one, as a reader does, and changes nothing but its own
	 * state. */
	struct serve_prof *p = tr->serve->p;
	while (ps->nbk > 0 && ps->bk[0].until < now) {
		const struct park_bucket *b = &ps->bk[0];
		for (size_t e = 0; e < b->n; e++) {
			if (e + WAKE_AHEAD < b->n)
				__builtin_prefetch(&p[b->ids[e + WAKE_AHEAD]].park);
			uint32_t i = b->ids[e];
			struct serve_park *pk = &p[i].park;
			if (pk->pushed && pk->pushed_until == b->until)
				pk->pushed = false;
			if (pk->on && pk->until == b->until)
				ks_bits_put(&ps->active, i, true);
		}
		wake_drop_first(ps);
	}
}

#define USE_AHEAD	4	/* profiles whose cohorts are prefetched ahead */
#define USE_AHEAD2	8	/* profiles whose headers are prefetched ahead */

/* What traffic_use_begin calls for each profile laid out. */
struct use_each {
	traffic_cohorts_fn	*fn;
	void			*ctx;
};

/* Profile i's cohorts' sums into the flat pairs from kbase[i]. */
static void
lay_out(struct traffic *tr, size_t i, const struct use_each *e)
{
	struct cohort_set *cs = &tr->serve->p[i].coh;
	double *ku = &tr->kuse[2 * (size_t)tr->kbase[i]];
	for (size_t k = 0; k < cs->n; k++) {
		ku[2 * k] = cs->k[k].cpu;
		ku[2 * k + 1] = cs->k[k].served;
	}
	if (e->fn != NULL)
		e->fn(e->ctx, i, cs, ku);
}

/* Profile i (SIZE_MAX: none) caught up alone and laid out. */
static void
catch_up_alone(const struct cluster *c, size_t i, const struct use_each *e)
{
	if (i == SIZE_MAX)
		return;
	struct traffic *tr = tr_of(c);
	catch_up_members(c, i, SIZE_MAX, park_target(tr, c, i));
	lay_out(tr, i, e);
}

/* traffic_use_begin; scr: each reads the scrape's records (the lines
 * after a cohort's first are asked for ahead too). */
static void
use_begin(struct cluster *c, traffic_cohorts_fn *each, void *ctx, bool scr)
{
	const struct use_each e = { each, ctx };
	struct traffic *tr = tr_of(c);
	if (tr == NULL || tr->serve == NULL)
		return;
	size_t n = tr->serve->n, total = 0;
	if (tr->kbase == NULL)
		tr->kbase = xcalloc(n > 0 ? n : 1, sizeof *tr->kbase);
	/* one pass over the profiles (kilobytes apart: the next ones are
	 * asked for ahead); a parked one behind is caught up with the next
	 * one as far behind (held until then), two chains of additions side
	 * by side */
	struct serve_prof *p = tr->serve->p;
	size_t held = SIZE_MAX;
	uint64_t held_k = 0;
	for (size_t i = 0; i < n; i++) {
		/* in two stages: a profile's headers, then (read by now)
		 * its cohorts' sums and records where the first points */
		if (i + USE_AHEAD2 < n) {	/* the set and the park's start */
			__builtin_prefetch(&p[i + USE_AHEAD2].coh);
			__builtin_prefetch(&p[i + USE_AHEAD2].park.k_through);
			__builtin_prefetch(&p[i + USE_AHEAD2].park.cpu[SERVE_MEMOS - 1]);
		}
		if (i + USE_AHEAD < n && p[i + USE_AHEAD].coh.n > 0) {
			const struct cohort *k0 = p[i + USE_AHEAD].coh.k;
			__builtin_prefetch(&k0->cpu);	/* and the check's record */
			if (scr) {
				__builtin_prefetch(&k0->scr.pass);
				__builtin_prefetch(&k0->scr.rps_milli);
			}
		}
		const struct cohort_set *cs = &p[i].coh;
		tr->kbase[i] = (uint32_t)total;
		KS_GROW(tr->kuse, tr->capkuse, 2 * (total + cs->n));
		total += cs->n;
		const struct serve_park *pk = &p[i].park;
		sim_ns target = park_target(tr, c, i);
		if (!pk->on || target <= pk->k_through) {
			lay_out(tr, i, &e);
			continue;
		}
		uint64_t K = members_ticks(c, pk, target);
		if (held != SIZE_MAX && K == held_k) {
			catch_up_members(c, held, i, target);
			lay_out(tr, held, &e);
			lay_out(tr, i, &e);
			held = SIZE_MAX;
			continue;
		}
		catch_up_alone(c, held, &e);
		held = i;
		held_k = K;
	}
	catch_up_alone(c, held, &e);
}

void
traffic_use_begin(struct cluster *c, traffic_cohorts_fn *each, void *ctx)
{
	use_begin(c, each, ctx, true);
}

void
traffic_use_begin_check(struct cluster *c, traffic_cohorts_fn *each, void *ctx)
{
	use_begin(c, each, ctx, false);
}

void
park_after_flush(struct cluster *c, size_t i)
{
	struct traffic *tr = tr_of(c);
	struct serve_prof *sp = &tr->serve->p[i];
	if (tr->park.nparked == 0 || !sp->park.on)
		return;
	/* the order a tick keys them in: its cohorts in order (their members
	 * counted when parked: the cohorts' lines are not read here) */
	for (size_t k = 0; k < sp->park.ncoh; k++) {
		const struct serving_memo *m = &sp->memo[k];
		KS_ASSERT(!tr->verify_ahead || sp->park.mc[k] == (double)sp->coh.k[k].n);
		serving_deferred_prime(&sp->lat, &m->res, m->in.dist, m->in.timeout,
		    m->in.net_latency, sp->park.mc[k], c->profiles[i].hist);
	}
}
