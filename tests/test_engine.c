/*
 * test_engine.c - tests of sim/engine: the event queue against a sorted-array
 * oracle over a long random sequence of push/pop/cancel, the run loop (ties,
 * cancel from inside handlers, until, stop), fatal scheduling into the past,
 * RNG streams and distributions.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "sim/engine/engine.h"
#include "sim/engine/evq.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

/* ---- the oracle: pending events sorted by descending key ---------------- */

struct orc_ev {
	sim_ns		t;
	int		prio;
	uint64_t	seq;
	uint64_t	arg;
	sim_timer	h;
};

struct orc {
	struct orc_ev	*a;
	size_t		 n, cap;
	uint64_t	 seq;
};

/* a sorts before b in the run order */
static int
orc_before(const struct orc_ev *a, const struct orc_ev *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->seq < b->seq;
}

static void
orc_push(struct orc *o, struct orc_ev e)
{
	KS_GROW(o->a, o->cap, o->n + 1);
	/* keep descending: the first event to run is last */
	size_t lo = 0, hi = o->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (orc_before(&o->a[mid], &e))
			hi = mid;
		else
			lo = mid + 1;
	}
	memmove(&o->a[lo + 1], &o->a[lo], (o->n - lo) * sizeof e);
	o->a[lo] = e;
	o->n++;
}

static bool
orc_cancel(struct orc *o, sim_timer h)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->a[i].h == h) {
			memmove(&o->a[i], &o->a[i + 1], (o->n - i - 1) * sizeof *o->a);
			o->n--;
			return true;
		}
	return false;
}

static void
dummy_handler(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	(void)ctx;
	(void)arg;
}

/*
 * A long random sequence of pushes (many equal times and priorities),
 * pops (some limited by `until`) and cancels (live, stale, already
 * cancelled, 0 and garbage handles), in phases that grow the queue, drain it
 * and cancel most of it (forcing compaction).
 */
static void
test_evq_oracle(void)
{
	gsl_rng *rng = sim_rng_new(7, "test_evq_oracle");
	struct sim_evq *q = sim_evq_new();
	struct orc o = { NULL, 0, 0, 0 };
	sim_timer *handles = NULL;
	size_t nh = 0, hcap = 0;
	uint64_t next_arg = 1;
	sim_ns now = 0;
	long bad = 0, pops = 0, cancels = 0, compared = 0;
	const long nops = 300000;

	for (long op = 0; op < nops && bad < 5; op++) {
		int phase = (int)((op / 20000) % 4);
		/* phase 0: grow; 1: hold; 2: cancel-heavy; 3: drain */
		double p_push = phase == 0 ? 0.7 : phase == 1 ? 0.5 :
		    phase == 2 ? 0.3 : 0.25;
		double p_cancel = phase == 2 ? 0.5 : 0.1;
		double u = gsl_rng_uniform(rng);
		if (u < p_push) {
			struct orc_ev e;
			unsigned long r = gsl_rng_uniform_int(rng, 100);
			now = sim_evq_last_time(q);
			if (r < 30)
				e.t = now;
			else if (r < 90)
				e.t = now + (sim_ns)gsl_rng_uniform_int(rng, 20);
			else if (r < 98)
				e.t = now + (sim_ns)gsl_rng_uniform_int(rng, 100000);
			else	/* far ahead: the high buckets */
				e.t = now + (sim_ns)(gsl_rng_get(rng) << 10);
			e.prio = gsl_rng_uniform(rng) < 0.9 ?
			    (int)gsl_rng_uniform_int(rng, 5) - 2 :
			    (int)gsl_rng_uniform_int(rng, 256) - 128;
			e.seq = o.seq++;
			e.arg = next_arg++;
			e.h = sim_evq_push(q, e.t, e.prio, dummy_handler, NULL,
			    e.arg);
			if (e.h == 0) {
				FAILF("op %ld: push returned handle 0", op);
				bad++;
			}
			orc_push(&o, e);
			KS_GROW(handles, hcap, nh + 1);
			handles[nh++] = e.h;
		} else if (u < p_push + p_cancel) {
			sim_timer h;
			unsigned long r = gsl_rng_uniform_int(rng, 20);
			if (r == 0)
				h = 0;
			else if (r == 1)
				h = gsl_rng_get(rng) << 20 | gsl_rng_get(rng);
			else if (nh > 0)
				h = handles[gsl_rng_uniform_int(rng, nh)];
			else
				h = 0;
			bool want = h != 0 && orc_cancel(&o, h);
			bool got = sim_evq_cancel(q, h);
			cancels++;
			if (got != want) {
				FAILF("op %ld: cancel(%#llx) = %d, want %d", op,
				    (unsigned long long)h, got, want);
				bad++;
			}
		} else {
			sim_ns until = gsl_rng_uniform(rng) < 0.2 ?
			    now + (sim_ns)gsl_rng_uniform_int(rng, 10) : SIM_NEVER;
			struct sim_evq_item it;
			bool got = sim_evq_pop(q, until, &it);
			bool want = o.n > 0 && o.a[o.n - 1].t <= until;
			pops++;
			if (got != want) {
				FAILF("op %ld: pop(until %lld) = %d, want %d", op,
				    (long long)until, got, want);
				bad++;
			} else if (got) {
				struct orc_ev *w = &o.a[--o.n];
				compared++;
				if (it.time != w->t || it.prio != w->prio ||
				    it.arg != w->arg || it.fn != dummy_handler) {
					FAILF("op %ld: popped (t %lld, prio %d, arg %llu), "
					    "want (t %lld, prio %d, arg %llu)", op,
					    (long long)it.time, it.prio,
					    (unsigned long long)it.arg, (long long)w->t,
					    w->prio, (unsigned long long)w->arg);
					bad++;
				}
				now = it.time;
			}
		}
		if (o.n > 0 && sim_evq_last_time(q) > o.a[o.n - 1].t) {
			FAILF("op %ld: last time %lld after the first pending %lld",
			    op, (long long)sim_evq_last_time(q),
			    (long long)o.a[o.n - 1].t);
			bad++;
		}
		if (sim_evq_len(q) != o.n) {
			FAILF("op %ld: len %zu, want %zu", op, sim_evq_len(q), o.n);
			bad++;
		}
		if (op % 4999 == 0)
			sim_evq_renumber(q);
		if (op % 97 == 0) {
			sim_ns want = o.n > 0 ? o.a[o.n - 1].t : SIM_NEVER;
			if (sim_evq_peek_time(q) != want) {
				FAILF("op %ld: peek %lld, want %lld", op,
				    (long long)sim_evq_peek_time(q), (long long)want);
				bad++;
			}
		}
	}
	CHECK_INT(bad, 0);
	CHECK(compared > 50000);
	CHECK(cancels > 20000);
	/* drain what is left */
	struct sim_evq_item it;
	long left = 0;
	while (sim_evq_pop(q, SIM_NEVER, &it)) {
		if (o.n == 0 || it.arg != o.a[o.n - 1].arg)
			bad++;
		o.n--;
		left++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(o.n, 0);
	CHECK_INT(sim_evq_len(q), 0);
	CHECK_INT(sim_evq_peek_time(q), SIM_NEVER);
	free(handles);
	free(o.a);
	sim_evq_free(q);
	gsl_rng_free(rng);
	(void)pops;
	(void)left;
}

/* Handles: never 0, stale after the event ran and its slot was reused. */
static void
test_evq_handles(void)
{
	struct sim_evq *q = sim_evq_new();
	struct sim_evq_item it;
	sim_timer a = sim_evq_push(q, 10, 0, dummy_handler, NULL, 1);
	CHECK(a != 0);
	CHECK(sim_evq_pop(q, SIM_NEVER, &it));
	CHECK_INT(it.arg, 1);
	sim_timer b = sim_evq_push(q, 20, 0, dummy_handler, NULL, 2);
	CHECK(b != a);
	CHECK(!sim_evq_cancel(q, a));	/* stale: slot now holds b */
	CHECK_INT(sim_evq_len(q), 1);
	CHECK(sim_evq_cancel(q, b));
	CHECK(!sim_evq_cancel(q, b));
	CHECK_INT(sim_evq_len(q), 0);
	CHECK(!sim_evq_pop(q, SIM_NEVER, &it));
	CHECK(!sim_evq_cancel(q, 0));
	CHECK(!sim_evq_cancel(q, UINT64_MAX));
	CHECK_INT(sim_evq_last_time(q), 10);
	sim_evq_free(q);
}

/* Cancelling most of a large queue compacts it; order and handles survive. */
static void
test_evq_compact(void)
{
	struct sim_evq *q = sim_evq_new();
	sim_timer h[1000];
	for (int i = 0; i < 1000; i++)	/* times 999, 998, ..., 0 */
		h[i] = sim_evq_push(q, 999 - i, 0, dummy_handler, NULL,
		    (uint64_t)i);
	int ok = 1;
	for (int i = 0; i < 1000; i++)
		if (i % 5 != 0 && !sim_evq_cancel(q, h[i]))
			ok = 0;
	CHECK(ok);
	CHECK_INT(sim_evq_len(q), 200);
	CHECK_INT(sim_evq_peek_time(q), 4);	/* i = 995 */
	CHECK(!sim_evq_cancel(q, h[1]));
	CHECK(sim_evq_cancel(q, h[995]));
	struct sim_evq_item it;
	int bad = 0, n = 0;
	sim_ns prev = -1;
	while (sim_evq_pop(q, SIM_NEVER, &it)) {
		if (it.arg % 5 != 0 || it.arg == 995 || it.time <= prev ||
		    it.time != 999 - (sim_ns)it.arg)
			bad++;
		prev = it.time;
		n++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(n, 199);
	sim_evq_free(q);
}

/* ---- the run loop ----------------------------------------------------------- */

struct log {
	uint64_t	 seen[64];
	sim_ns		 at[64];
	int		 n;
	sim_timer	 victim;	/* cancelled by arg 100 */
	sim_timer	 self;		/* arg 101 cancels itself */
	bool		 victim_cancel, self_cancel;
	int		 stop_at;	/* sim_stop when n reaches it */
};

static void
log_handler(struct sim *sim, void *ctx, uint64_t arg)
{
	struct log *l = ctx;
	if (l->n < 64) {
		l->seen[l->n] = arg;
		l->at[l->n] = sim_now(sim);
	}
	l->n++;
	if (arg == 100)
		l->victim_cancel = sim_cancel(sim, l->victim);
	if (arg == 101)
		l->self_cancel = sim_cancel(sim, l->self);
	if (arg == 102)	/* schedules a same-time event, which runs after */
		sim_after(sim, 0, -5, log_handler, l, 103);
	if (l->stop_at > 0 && l->n == l->stop_at)
		sim_stop(sim);
}

static void
test_run_order(void)
{
	struct sim *sim = sim_new();
	struct log l;
	memset(&l, 0, sizeof l);
	/* at 5 s: prio 1 (args 1, 2 FIFO), prio -1 (3), prio 0 (4, 5) */
	sim_at(sim, 5 * SIM_SEC, 1, log_handler, &l, 1);
	sim_at(sim, 5 * SIM_SEC, 1, log_handler, &l, 2);
	sim_at(sim, 5 * SIM_SEC, -1, log_handler, &l, 3);
	sim_at(sim, 5 * SIM_SEC, 0, log_handler, &l, 4);
	sim_at(sim, 5 * SIM_SEC, 0, log_handler, &l, 5);
	sim_at(sim, 1 * SIM_SEC, 0, log_handler, &l, 6);
	sim_after(sim, 3 * SIM_SEC, 127, log_handler, &l, 7);
	sim_at(sim, 3 * SIM_SEC, -128, log_handler, &l, 8);
	CHECK_INT(sim_events_pending(sim), 8);
	CHECK(!sim_run(sim, SIM_NEVER));
	static const uint64_t want[] = { 6, 8, 7, 3, 4, 5, 1, 2 };
	CHECK_INT(l.n, 8);
	for (int i = 0; i < 8; i++)
		if (l.seen[i] != want[i])
			FAILF("event %d: arg %llu, want %llu", i,
			    (unsigned long long)l.seen[i],
			    (unsigned long long)want[i]);
		else
			PASS();
	CHECK_INT(l.at[0], SIM_SEC);
	CHECK_INT(l.at[7], 5 * SIM_SEC);
	CHECK_INT(sim_now(sim), 5 * SIM_SEC);
	CHECK_INT(sim_events_executed(sim), 8);
	CHECK_INT(sim_events_pending(sim), 0);
	sim_free(sim);
}

static void
test_run_cancel(void)
{
	struct sim *sim = sim_new();
	struct log l;
	memset(&l, 0, sizeof l);
	sim_at(sim, 10, 0, log_handler, &l, 100);
	l.victim = sim_at(sim, 10, 0, log_handler, &l, 1);
	l.self = sim_at(sim, 20, 0, log_handler, &l, 101);
	sim_at(sim, 30, 0, log_handler, &l, 102);
	sim_timer gone = sim_at(sim, 40, 0, log_handler, &l, 2);
	CHECK(sim_cancel(sim, gone));
	CHECK(!sim_cancel(sim, gone));
	CHECK(!sim_cancel(sim, 0));
	CHECK_INT(sim_events_pending(sim), 4);
	CHECK(!sim_run(sim, SIM_NEVER));
	CHECK(l.victim_cancel);
	CHECK(!l.self_cancel);	/* it is running: already ran */
	static const uint64_t want[] = { 100, 101, 102, 103 };
	CHECK_INT(l.n, 4);
	for (int i = 0; i < 4; i++)
		CHECK_INT(l.seen[i], want[i]);
	CHECK_INT(l.at[3], 30);
	/* a stale handle after the slot was reused */
	sim_timer next = sim_after(sim, 5, 0, log_handler, &l, 3);
	CHECK(!sim_cancel(sim, l.self));
	CHECK(!sim_cancel(sim, l.victim));
	CHECK_INT(sim_events_pending(sim), 1);
	CHECK(sim_cancel(sim, next));
	CHECK_INT(sim_events_pending(sim), 0);
	sim_free(sim);
}

static void
test_run_until_stop(void)
{
	struct sim *sim = sim_new();
	struct log l;
	memset(&l, 0, sizeof l);
	sim_at(sim, 1 * SIM_SEC, 0, log_handler, &l, 1);
	sim_at(sim, 2 * SIM_SEC, 0, log_handler, &l, 2);
	sim_at(sim, 3 * SIM_SEC, 0, log_handler, &l, 3);
	sim_at(sim, 5 * SIM_SEC, 0, log_handler, &l, 5);
	sim_at(sim, 9 * SIM_SEC, 0, log_handler, &l, 9);
	CHECK(!sim_run(sim, 2 * SIM_SEC));	/* an event at until runs */
	CHECK_INT(l.n, 2);
	CHECK_INT(sim_now(sim), 2 * SIM_SEC);
	CHECK(!sim_run(sim, 4 * SIM_SEC));
	CHECK_INT(l.n, 3);
	CHECK_INT(sim_now(sim), 4 * SIM_SEC);
	CHECK_INT(sim_events_pending(sim), 2);
	l.stop_at = 4;
	CHECK(sim_run(sim, SIM_NEVER));
	CHECK_INT(l.n, 4);
	CHECK_INT(sim_now(sim), 5 * SIM_SEC);
	CHECK_INT(sim_events_pending(sim), 1);
	CHECK_INT(sim_events_executed(sim), 4);
	/* running again goes on; an empty queue leaves the clock at until */
	CHECK(!sim_run(sim, 20 * SIM_SEC));
	CHECK_INT(l.n, 5);
	CHECK_INT(l.at[4], 9 * SIM_SEC);
	CHECK_INT(sim_now(sim), 20 * SIM_SEC);
	CHECK(!sim_run(sim, SIM_NEVER));
	CHECK_INT(sim_now(sim), 20 * SIM_SEC);
	/* sim_after counts from the clock that until set */
	sim_after(sim, SIM_SEC, 0, log_handler, &l, 21);
	CHECK(!sim_run(sim, SIM_NEVER));
	CHECK_INT(l.at[5], 21 * SIM_SEC);
	sim_free(sim);
}

/* Runs fn in a child process; true when the child died of SIGABRT. */
static bool
dies_with_abort(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* keep the expected fatal message out of the test log */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		fn();
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
past_at(void)
{
	struct sim *sim = sim_new();
	sim_run(sim, 10 * SIM_SEC);
	sim_at(sim, 5 * SIM_SEC, 0, dummy_handler, NULL, 0);
}

static void
past_after(void)
{
	struct sim *sim = sim_new();
	sim_after(sim, -1, 0, dummy_handler, NULL, 0);
}

static void
past_evq(void)
{
	struct sim_evq *q = sim_evq_new();
	struct sim_evq_item it;
	sim_evq_push(q, 100, 0, dummy_handler, NULL, 0);
	sim_evq_pop(q, SIM_NEVER, &it);
	sim_evq_push(q, 99, 0, dummy_handler, NULL, 0);
}

static void
present_at(void)
{
	struct sim *sim = sim_new();
	sim_run(sim, 10 * SIM_SEC);
	sim_at(sim, 10 * SIM_SEC, 0, dummy_handler, NULL, 0);
	sim_run(sim, SIM_NEVER);
	sim_free(sim);
}

static void
test_past_fatal(void)
{
	CHECK(dies_with_abort(past_at));
	CHECK(dies_with_abort(past_after));
	CHECK(dies_with_abort(past_evq));
	CHECK(!dies_with_abort(present_at));
}

static void
test_s_to_ns(void)
{
	CHECK_INT(sim_s_to_ns(1.5), 1500000000);
	CHECK_INT(sim_s_to_ns(0.4e-9), 0);
	CHECK_INT(sim_s_to_ns(0.6e-9), 1);
	CHECK_INT(sim_s_to_ns(-3), 0);
	CHECK_INT(sim_s_to_ns(NAN), 0);
	CHECK_INT(sim_s_to_ns(1e300), SIM_NEVER - 1);
	CHECK_INT(sim_s_to_ns(86400), 86400 * SIM_SEC);
}

/* ---- RNG streams ------------------------------------------------------------ */

static bool
same_draws(gsl_rng *a, gsl_rng *b, int n)
{
	bool same = true;
	for (int i = 0; i < n; i++)
		if (gsl_rng_get(a) != gsl_rng_get(b))
			same = false;
	return same;
}

static void
test_rng(void)
{
	gsl_rng *a = sim_rng_new(42, "traffic");
	gsl_rng *b = sim_rng_new(42, "traffic");
	CHECK(same_draws(a, b, 1000));
	gsl_rng_free(a);
	gsl_rng_free(b);

	/* pinned: the stream of (42, "traffic") is part of reproducibility */
	gsl_rng *c = sim_rng_new(42, "traffic");
	CHECK_INT(gsl_rng_get(c), 3155764314UL);
	CHECK_INT(gsl_rng_get(c), 4122397674UL);
	gsl_rng_free(c);

	gsl_rng *d = sim_rng_new(42, "failures");
	gsl_rng *e = sim_rng_new(43, "traffic");
	gsl_rng *f = sim_rng_new(42, "traffic");
	CHECK(!same_draws(d, f, 10));
	gsl_rng_free(f);
	f = sim_rng_new(42, "traffic");
	CHECK(!same_draws(e, f, 10));
	gsl_rng_free(d);
	gsl_rng_free(e);
	gsl_rng_free(f);

	/* a new stream between draws does not change an existing one */
	gsl_rng *x = sim_rng_new(9, "x");
	gsl_rng *ref = sim_rng_new(9, "x");
	unsigned long want[200];
	for (int i = 0; i < 200; i++)
		want[i] = gsl_rng_get(ref);
	int mism = 0;
	for (int i = 0; i < 100; i++)
		mism += gsl_rng_get(x) != want[i];
	gsl_rng *y = sim_rng_new(9, "y");
	for (int i = 0; i < 50; i++)
		gsl_rng_get(y);
	for (int i = 100; i < 200; i++)
		mism += gsl_rng_get(x) != want[i];
	CHECK_INT(mism, 0);
	gsl_rng_free(x);
	gsl_rng_free(y);
	gsl_rng_free(ref);

	/* no (seed, name) silently gets GSL's default seed 4357 */
	gsl_rng *def = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *z = sim_rng_new(0, "");
	CHECK(!same_draws(def, z, 10));
	gsl_rng_free(def);
	gsl_rng_free(z);
}

/* ---- distributions ------------------------------------------------------ */

struct dist_case {
	const char	*name;
	struct sim_dist	 d;
	double		 mean;		/* exact mean before clamping */
	double		 rtol;		/* relative tolerance of the sample mean */
};

static void
test_dist_means(void)
{
	const struct dist_case cases[] = {
		{ "const", { SIM_DIST_CONST, 2.5, 0, 0, 0, NULL, 0 }, 2.5, 0 },
		{ "uniform", { SIM_DIST_UNIFORM, 1, 3, 0, 0, NULL, 0 }, 2, 0.005 },
		{ "exponential", { SIM_DIST_EXPONENTIAL, 0.25, 0, 0, 0, NULL, 0 }, 0.25, 0.01 },
		{ "normal", { SIM_DIST_NORMAL, 10, 2, 0, 0, NULL, 0 }, 10, 0.005 },
		{ "lognormal", { SIM_DIST_LOGNORMAL, 2, 0.5, 0, 0, NULL, 0 },
		    2 * exp(0.125), 0.01 },
		{ "gamma", { SIM_DIST_GAMMA, 2, 3, 0, 0, NULL, 0 }, 6, 0.01 },
		{ "weibull", { SIM_DIST_WEIBULL, 2, 3, 0, 0, NULL, 0 },
		    3 * 0.886226925452758, 0.01 },
		{ "pareto", { SIM_DIST_PARETO, 3, 2, 0, 0, NULL, 0 }, 3, 0.01 },
	};
	const int ndraw = 200000;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dist_case *c = &cases[i];
		double m = sim_dist_mean(&c->d);
		if (fabs(m - c->mean) > 1e-9 * c->mean)
			FAILF("%s: sim_dist_mean %.9g, want %.9g", c->name, m, c->mean);
		else
			PASS();
		gsl_rng *rng = sim_rng_new(1, c->name);
		double sum = 0, lo = INFINITY;
		for (int k = 0; k < ndraw; k++) {
			double v = sim_dist_sample(&c->d, rng);
			sum += v;
			if (v < lo)
				lo = v;
		}
		gsl_rng_free(rng);
		double got = sum / ndraw;
		if (fabs(got - c->mean) > c->rtol * c->mean + 1e-12)
			FAILF("%s: sample mean %.6g, want %.6g (rtol %g)", c->name,
			    got, c->mean, c->rtol);
		else
			PASS();
		if (lo < 0)
			FAILF("%s: negative sample %g", c->name, lo);
		else
			PASS();
		if (c->d.kind == SIM_DIST_PARETO)
			CHECK(lo >= c->d.b);
	}
	struct sim_dist p1 = { SIM_DIST_PARETO, 1, 2, 0, 0, NULL, 0 };
	CHECK(isinf(sim_dist_mean(&p1)));
	struct sim_dist ln = sim_dist_lognormal(3, 0);
	CHECK_NEAR(sim_dist_mean(&ln), 3, 1e-12);
	struct sim_dist ex = sim_dist_exp(4);
	CHECK_INT(ex.kind, SIM_DIST_EXPONENTIAL);
	CHECK_NEAR(sim_dist_mean(&ex), 4, 0);
}

static void
test_dist_clamps(void)
{
	gsl_rng *rng = sim_rng_new(5, "clamps");
	struct sim_dist e = { SIM_DIST_EXPONENTIAL, 1, 0, 0.5, 2, NULL, 0 };
	struct sim_dist n = { SIM_DIST_NORMAL, 0, 1, 0, 0, NULL, 0 };
	struct sim_dist ln = { SIM_DIST_LOGNORMAL, 1, 1, 0, 3, NULL, 0 };
	int out = 0, at_min = 0, at_max = 0, zeros = 0, ln_out = 0;
	const int ndraw = 100000;
	for (int i = 0; i < ndraw; i++) {
		double v = sim_dist_sample(&e, rng);
		out += v < 0.5 || v > 2;
		at_min += v == 0.5;
		at_max += v == 2;
		double w = sim_dist_sample(&n, rng);
		out += w < 0;
		zeros += w == 0;
		double x = sim_dist_sample(&ln, rng);
		ln_out += x < 0 || x > 3;
	}
	CHECK_INT(out, 0);
	CHECK_INT(ln_out, 0);
	/* P(X < 0.5) = 1 - e^-0.5 = 0.3935, P(X > 2) = e^-2 = 0.1353 */
	CHECK_NEAR((double)at_min / ndraw, 0.3935, 0.01);
	CHECK_NEAR((double)at_max / ndraw, 0.1353, 0.01);
	CHECK_NEAR((double)zeros / ndraw, 0.5, 0.01);
	struct sim_dist c = sim_dist_const(1.5);
	CHECK_INT(sim_dist_sample_ns(&c, rng), 1500000000);
	struct sim_dist cn = sim_dist_const(-1);
	CHECK_NEAR(sim_dist_sample(&cn, rng), 0, 0);
	struct sim_dist cm = { SIM_DIST_CONST, 1, 0, 2, 0, NULL, 0 };
	CHECK_NEAR(sim_dist_sample(&cm, rng), 2, 0);
	gsl_rng_free(rng);
}

static void
test_dist_names(void)
{
	static const char *const names[] = { "const", "uniform", "exponential",
	    "normal", "lognormal", "gamma", "weibull", "pareto" };
	for (int k = 0; k < 8; k++) {
		CHECK_INT(sim_dist_kind_parse(names[k]), k);
		CHECK_STR(sim_dist_kind_name((enum sim_dist_kind)k), names[k]);
		CHECK_STR(sim_dist_kind_names()[k], names[k]);
	}
	CHECK(sim_dist_kind_names()[8] == NULL);
	CHECK_INT(sim_dist_kind_parse("expo"), -1);
	CHECK_INT(sim_dist_kind_parse(""), -1);
	CHECK(sim_dist_kind_name((enum sim_dist_kind)99) == NULL);
	CHECK_STR(ks_nearest("lognormla", sim_dist_kind_names()), "lognormal");

	char *cause = NULL;
	struct sim_dist ok = sim_dist_lognormal(1, 0.5);
	CHECK_INT(sim_dist_check(&ok, &cause), 0);
	CHECK(cause == NULL);
	struct sim_dist bad = sim_dist_exp(0);
	CHECK_INT(sim_dist_check(&bad, &cause), -1);
	CHECK_STR(cause, "exponential distribution: mean must be positive");
	free(cause);
	struct sim_dist mm = { SIM_DIST_UNIFORM, 1, 2, 3, 1, NULL, 0 };
	cause = NULL;
	CHECK_INT(sim_dist_check(&mm, &cause), -1);
	CHECK_STR(cause, "uniform distribution: min must not exceed max");
	free(cause);
}

/* An event that reschedules itself at the same instant forever: virtual
 * time never advances, so only the poll can end sim_run. */
static void
spin_handler(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)ctx;
	sim_after(sim, 0, 0, spin_handler, NULL, arg);
}

static bool
poll_count(void *ctx)
{
	int *calls = ctx;
	return ++*calls == 3;
}

static void
test_run_poll(void)
{
	struct sim *sim = sim_new();
	int calls = 0;
	sim_set_poll(sim, 1000, poll_count, &calls);
	sim_at(sim, SIM_SEC, 0, spin_handler, NULL, 0);
	CHECK(sim_run(sim, SIM_NEVER));		/* stopped by the poll */
	CHECK_INT(calls, 3);
	CHECK_INT(sim_events_executed(sim), 3000);
	CHECK_INT(sim_now(sim), SIM_SEC);
	sim_set_poll(sim, 0, NULL, NULL);
	sim_free(sim);
}

/* Samples in nanoseconds never pass SIM_SPAN_MAX, however wide the
 * distribution: an infinite draw must not reach the clock. */
static void
test_dist_span(void)
{
	gsl_rng *rng = sim_rng_new(7, "span");
	struct sim_dist ln = sim_dist_lognormal(1, 1e308);
	struct sim_dist big = sim_dist_const(1e300);
	int over = 0, at_max = 0;
	for (int i = 0; i < 1000; i++) {
		sim_ns v = sim_dist_sample_ns(&ln, rng);
		over += v < 0 || v > SIM_SPAN_MAX;
		at_max += v == SIM_SPAN_MAX;
	}
	CHECK_INT(over, 0);
	CHECK(at_max > 0);
	CHECK_INT(sim_dist_sample_ns(&big, rng), SIM_SPAN_MAX);
	/* and the clock plus a few of them still fits */
	CHECK(SIM_SPAN_MAX < INT64_MAX / 4);
	gsl_rng_free(rng);
}

int
main(void)
{
	test_evq_oracle();
	test_evq_handles();
	test_evq_compact();
	test_run_order();
	test_run_cancel();
	test_run_until_stop();
	test_run_poll();
	test_dist_span();
	test_past_fatal();
	test_s_to_ns();
	test_rng();
	test_dist_means();
	test_dist_clamps();
	test_dist_names();
	return tl_finish();
}
