/*
 * traffic_int.h - the traffic controller's private structures, shared by
 * traffic.c (the tick, both fidelities, the cohorts' steps and replays) and
 * traffic_park.c (steady Services parked out of the tick loop and caught
 * up when read).
 */
#ifndef KS_TRAFFIC_INT_H
#define KS_TRAFFIC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/cluster/cohort.h"
#include "models/cluster/store.h"
#include "models/serving/request.h"
#include "models/serving/serving.h"
#include "sim/util/bitset.h"

#define SERVE_MEMOS 2	/* cohorts stepped through a memo (steady: 1 or 2) */

/*
 * A profile's last tick in cohorts, replayed while nothing changes: its
 * traffic is in a steady stretch (wl_steady_until: the tick offers what
 * the last one did), its endpoints and cohorts are those of the last tick,
 * and each cohort's backlog and distribution are what its memo (struct
 * serving_memo) was stepped with, so each cohort's step would be a memo hit:
 * the replay adds the memo's results as step_cohorts would, in the same
 * order, without the traffic's integral and the step's set-up.
 */
struct serve_replay {
	bool		valid;
	sim_ns		until;		/* the steady stretch's end */
	double		offered, even, dt;
	uint32_t	ep_version;
	size_t		nmembers, ncoh;
	uint64_t	replayed;	/* ticks, for the tests */
};

/*
 * A parked profile (traffic_park.c): its ticks are replays that touch
 * nothing but its own sums, so they are left out of the tick loop and
 * added when something reads the sums, each tick's additions in the order
 * a replay makes them: the same bits. These are one tick's addends.
 */
struct serve_park {
	/* what a catch-up reads first, in one cache line after the cohort
	 * set (struct serve_prof) */
	bool		on;
	size_t		ncoh;
	sim_ns		k_through;	/* the last added to the cohorts' integrals */
	sim_ns		until;		/* the replay's steady stretch ends */
	double		served[SERVE_MEMOS], cpu[SERVE_MEMOS];	/* per cohort */
	sim_ns		through;	/* the last tick added */
	bool		pushed;		/* a wake-up at pushed_until is pending */
	sim_ns		pushed_until;
	uint64_t	ticks;		/* added by catching up, for the tests */
	double		occ[SERVE_MEMOS], soj[SERVE_MEMOS], adm[SERVE_MEMOS];
	double		lat[2][SERVE_MEMOS];	/* sp->lat.part[k].w, in cohort order */
	size_t		nlat[2];
	double		work, offered, ok, errors, timeouts, lost;
	double		mc[SERVE_MEMOS];	/* each cohort's members (their
						   count does not change parked) */
};

#define SERVE_AHEAD 4	/* steps whose traffic is asked for ahead */

/*
 * The traffic of a profile's next steps in cohorts, asked for ahead
 * (cl_profile_params.offered_pure) when a step finds none: the tick that
 * begins each of the next steady stretches (the one that starts where the
 * last ends), its count and its stretch's end. The traffic's nodes are
 * then read once every SERVE_AHEAD + 1 steps instead of each minute's
 * turn, where they are a cache miss or two per Service. Pure functions:
 * the same bits as asked for then (KS_CPU_VERIFY asks again and compares).
 */
struct serve_ahead {
	uint32_t	pos, n;		/* the next entry, the entries */
	sim_ns		from[SERVE_AHEAD];	/* the tick [from, from + tick) */
	double		count[SERVE_AHEAD];	/* offered */
	sim_ns		until[SERVE_AHEAD];	/* offered_steady */
};

/* Per profile. */
struct serve_prof {
	/* first, side by side: what the passes over every profile read
	 * first (traffic_use_begin, the tick loop's look-ahead), two cache
	 * lines (the profiles are 64-byte aligned); the rest is kilobytes */
	_Alignas(64) struct cohort_set coh;
	struct serve_park	 park;
	struct rq_service	*rq;		/* request mode, else NULL */
	struct rq_stats		 last;		/* counts moved so far */
	/* fluid mode */
	double			*w, *occ;	/* per endpoint */
	size_t			 capw;
	bool			 w_valid;
	uint32_t		 w_version;
	size_t			 w_n;
	double			*wm;		/* shares without ejected endpoints */
	size_t			 capwm;
	/* whole run, both modes */
	double			 offered, ok, errors, timeouts;
	double			 occupancy, sojourn, admitted;	/* fluid */
	sim_ns			 started_at;
	bool			 cohorts;	/* fluid, even split, no mesh */
	struct serving_deferred	 lat;		/* cohorts' latency not yet in hist */
	struct serving_memo	 memo[SERVE_MEMOS];	/* cohorts 0.. last steps */
	struct serve_replay	 rp;
	struct serve_ahead	 ahead;
};

struct serve_state {
	struct serve_prof	*p;
	size_t			 n;
	struct mesh		*mesh;		/* NULL: no mesh */
	/* the walks of the no-wait latency parts, replayed at each
	 * interval's flush (serving_deferred_flush_planned) */
	struct hist_plans	*plans;
	/* an empty histogram that stays in the cache: a profile's latency
	 * flush goes to it when the profile's own is empty (nothing added
	 * since its last row), for its row to read and empty again */
	struct hist		*scratch;
	uint64_t		 scratch_rows;	/* rows read from it */
};

/* The parked profiles whose steady stretch ends at `until` (their
 * wake-ups), in the order they were parked. */
struct park_bucket {
	sim_ns		 until;
	uint32_t	*ids;
	size_t		 n, cap;
};

/* The tick loop's view of the parked profiles (traffic_park.c). */
struct park_state {
	bool		 off;		/* traffic_use_parking(false) */
	struct ks_bits	 active;	/* profile i: served each tick */
	/* the wake-ups by stretch end, ascending: most stretches end at
	 * the same minute's turn, so a few buckets hold them all; the
	 * slots from nbk to capbk keep emptied buckets' arrays for reuse */
	struct park_bucket *bk;
	size_t		 nbk, capbk;
	size_t		 nparked;
	sim_ns		 tick_at;	/* the latest tick begun */
	size_t		 tick_pos;	/* the profile it serves; SIZE_MAX: done */
};

/* The controller: the serving state, and each pod's queue (by pod id). */
struct traffic {
	struct serve_state	*serve;		/* NULL before the start */
	struct serving_dist	*dists;		/* per profile */
	struct serving_pod	*sv;		/* per pod id (outside a cohort) */
	size_t			 capsv;
	struct cohort_pod	*cp;		/* per pod id */
	size_t			 capcp;
	bool			 per_pod;	/* traffic_use_cohorts(false) */
	bool			 flush_all;	/* traffic_use_flush_per_row(false) */
	struct cpu_state	*cpu;		/* limits, busy nodes, releases (cpu.h) */
	struct probe_load	*probes;	/* HTTP probes against the load */
	struct park_state	 park;
	uint32_t		*kbase;		/* traffic_use_begin: per profile */
	double			*kuse;		/* each cohort's cpu and served, flat pairs */
	size_t			 capkuse;	/* doubles */
	bool			 verify_ahead;	/* KS_CPU_VERIFY: struct serve_ahead */
	uint64_t		 ahead_hits;
};

static inline struct traffic *
tr_of(const struct cluster *c)
{
	return c->ctl[CTL_TRAFFIC];
}

/* traffic.c: whether profile i's tick ending at `to` would replay its
 * last (struct serve_replay); the response time to a probe of a pod (or a
 * cohort's members) after a step (in, res), and the time its backlog takes
 * to drain. */
bool traffic_replay_ready(const struct cluster *c, size_t i, sim_ns to);
double traffic_cohort_resp(const struct serving_tick *in, const struct serving_result *res,
    double *drain);

/* traffic_park.c */
void park_start(struct cluster *c);
void park_fini(struct traffic *tr);
/* After profile i's tick ending at now: parks it if its next ticks replay. */
void park_try(struct cluster *c, size_t i, sim_ns now);
/* Profile i's sums brought up to the ticks served so far (it stays
 * parked): park_settle's slow path. */
void park_catch_up(const struct cluster *c, size_t i, sim_ns target);
/* Only its cohorts' integrals (what a pod's cpu time and served count
 * read) brought up to target; the other sums catch up later. */
void park_catch_up_members(const struct cluster *c, size_t i, sim_ns target);
/* Caught up and served by the tick loop again (nothing when not
 * parked). */
void park_release(struct cluster *c, size_t i);
void park_release_all(struct cluster *c);
/* After profile i's latency flush: its latency parts, when it is parked,
 * keyed again as its next tick would key them (serving_deferred_prime). */
void park_after_flush(struct cluster *c, size_t i);
/* A tick at `now` begins: parked profiles whose stretch ended (released
 * when the loop comes to them: park_release), whose pods got
 * capacities of their own (cpu.h) or that probes now watch (pl_any) go
 * back to the loop. Call after cpu_tick. */
void park_tick_begin(struct cluster *c, sim_ns now);

/* The last tick served for profile i: this one too if the loop passed it. */
static inline sim_ns
park_target(const struct traffic *tr, const struct cluster *c, size_t i)
{
	return i < tr->park.tick_pos ? tr->park.tick_at : tr->park.tick_at - c->t.tick;
}

/* Profile i's sums up to date (nothing to do unless it is parked). */
static inline void
park_settle(const struct cluster *c, size_t i)
{
	const struct traffic *tr = tr_of(c);
	const struct serve_park *pk = &tr->serve->p[i].park;
	if (pk->on) {
		sim_ns target = park_target(tr, c, i);
		if (target > pk->through)
			park_catch_up(c, i, target);
	}
}

/* Profile i's cohorts' integrals up to date (park_catch_up_members). */
static inline void
park_settle_members(const struct cluster *c, size_t i)
{
	const struct traffic *tr = tr_of(c);
	const struct serve_park *pk = &tr->serve->p[i].park;
	if (pk->on) {
		sim_ns target = park_target(tr, c, i);
		if (target > pk->k_through)
			park_catch_up_members(c, i, target);
	}
}

/* cl_pod_cpu_seconds for the readers inside the traffic controller
 * (cpu.c's check, once per pod): the pod's own cpu seconds plus its share
 * of its cohort's (cohort_pending_cpu). */
static inline const struct cohort_pod *
traffic_member(const struct traffic *tr, uint32_t p)
{
	return tr != NULL && tr->serve != NULL && p < tr->capcp && tr->cp[p].k >= 0 ?
	    &tr->cp[p] : NULL;
}

/* The cohort of pod p, a member (cp[p].k >= 0). */
static inline struct cohort *
traffic_cohort_of(const struct cluster *c, uint32_t p)
{
	const struct traffic *tr = tr_of(c);
	const struct cohort_pod *me = &tr->cp[p];
	KS_ASSERT(me->set >= 0 && me->k >= 0);
	return &tr->serve->p[me->set].coh.k[me->k];
}

static inline double
traffic_pod_cpu(const struct cluster *c, uint32_t p)
{
	const struct traffic *tr = tr_of(c);
	const struct cohort_pod *me = traffic_member(tr, p);
	double own = c->use[p].cpu_seconds;
	if (me == NULL)
		return own + 0;
	park_settle_members(c, (size_t)me->set);
	return cohort_reading(own, traffic_cohort_of(c, p)->cpu, me->off_cpu);
}

/*
 * Passes over every pod in id order (the cpu check, the metrics scrape):
 * traffic_use_begin settles every parked Service's cohorts and lays their
 * cpu and served counts out flat (pairs from kbase[set]: a few cache lines
 * instead of each Service's kilobytes of state, which pods in id order
 * would visit at random), calling each(ctx, i, cohorts, pairs), when not
 * NULL, for every profile i as soon as its pairs are laid out (its
 * cohorts' states still in cache); then traffic_use_flat reads pod p's cpu
 * seconds and served count (cl_pod_usage), the same bits, until a pod or
 * cohort changes (traffic_cpu_flat: the cpu seconds alone).
 */
typedef void traffic_cohorts_fn(void *ctx, size_t i, struct cohort_set *cs,
    const double *pairs);
void traffic_use_begin(struct cluster *c, traffic_cohorts_fn *each, void *ctx);
/* The same for an `each` that reads no cohort's scrape record (struct
 * cohort_scrape; the cpu check's share_cohorts): a cohort's first cache
 * line is all it asks for ahead. */
void traffic_use_begin_check(struct cluster *c, traffic_cohorts_fn *each, void *ctx);

/* What traffic_use_flat reads, in locals of the pass. */
struct traffic_flat {
	const struct cl_pod_use	*use;
	const struct cohort_pod	*cp;	/* NULL: no pod in a cohort */
	size_t			 ncp;
	const uint32_t		*kbase;
	const double		*kuse;
};

static inline void
traffic_flat_init(const struct cluster *c, struct traffic_flat *f)
{
	const struct traffic *tr = tr_of(c);
	bool any = tr != NULL && tr->serve != NULL;
	f->use = c->use;
	f->cp = any ? tr->cp : NULL;
	f->ncp = any ? tr->capcp : 0;
	f->kbase = any ? tr->kbase : NULL;
	f->kuse = any ? tr->kuse : NULL;
}

/* The flat pair (cpu, served) of pod p's cohort, me its place in it. */
static inline const double *
traffic_flat_pair(const struct traffic_flat *f, const struct cohort_pod *me)
{
	return &f->kuse[2 * ((size_t)f->kbase[me->set] + (uint32_t)me->k)];
}

static inline void
traffic_use_flat(const struct traffic_flat *f, uint32_t p, double *cpu, double *served)
{
	double own_cpu = f->use[p].cpu_seconds, own_served = f->use[p].served;
	if (p < f->ncp && f->cp[p].k >= 0) {	/* its cohort's share too */
		const struct cohort_pod *me = &f->cp[p];
		const double *k = traffic_flat_pair(f, me);
		*cpu = cohort_reading(own_cpu, k[0], me->off_cpu);
		*served = cohort_reading(own_served, k[1], me->off_served);
	} else {
		*cpu = own_cpu + 0;
		*served = own_served + 0;
	}
}

static inline double
traffic_cpu_flat(const struct traffic_flat *f, uint32_t p)
{
	double own_cpu = f->use[p].cpu_seconds;
	if (p < f->ncp && f->cp[p].k >= 0) {
		const struct cohort_pod *me = &f->cp[p];
		return cohort_reading(own_cpu, traffic_flat_pair(f, me)[0], me->off_cpu);
	}
	return own_cpu + 0;
}

#endif
