/*
 * engine.c - the simulation kernel: the clock, scheduling and cancelling of
 * events through the event queue (evq.c), and the run loop. A struct sim is
 * the whole state of a run's kernel; nothing here is global.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "sim/engine/engine.h"
#include "sim/engine/evq.h"
#include "sim/util/util.h"

struct sim {
	struct sim_evq	*q;
	sim_ns		 now;
	uint64_t	 executed;
	bool		 stop;
	bool		 running;
	sim_poll_fn	*poll;
	void		*poll_ctx;
	uint64_t	 poll_every;
	uint64_t	 poll_next;	/* executed count of the next poll */
};

sim_ns
sim_s_to_ns(double seconds)
{
	if (!(seconds > 0))	/* also NaN */
		return 0;
	double ns = seconds * 1e9;
	/* 2^63 is the first double past INT64_MAX. */
	if (ns >= 9223372036854775808.0)
		return SIM_NEVER - 1;
	long long v = llround(ns);
	return v >= SIM_NEVER ? SIM_NEVER - 1 : (sim_ns)v;
}

struct sim *
sim_new(void)
{
	struct sim *sim = xcalloc(1, sizeof *sim);
	sim->q = sim_evq_new();
	sim->poll_next = UINT64_MAX;
	return sim;
}

void
sim_free(struct sim *sim)
{
	if (sim == NULL)
		return;
	sim_evq_free(sim->q);
	free(sim);
}

sim_ns
sim_now(const struct sim *sim)
{
	return sim->now;
}

sim_timer
sim_at(struct sim *sim, sim_ns at, int prio, sim_handler *fn, void *ctx,
    uint64_t arg)
{
	if (at < sim->now)
		ks_fatal("event scheduled into the past: at %lld ns, now %lld ns",
		    (long long)at, (long long)sim->now);
	return sim_evq_push(sim->q, at, prio, fn, ctx, arg);
}

sim_timer
sim_after(struct sim *sim, sim_ns delay, int prio, sim_handler *fn,
    void *ctx, uint64_t arg)
{
	if (delay < 0)
		ks_fatal("event scheduled into the past: delay %lld ns at %lld ns",
		    (long long)delay, (long long)sim->now);
	sim_ns at = delay > SIM_NEVER - sim->now ? SIM_NEVER : sim->now + delay;
	return sim_evq_push(sim->q, at, prio, fn, ctx, arg);
}

bool
sim_cancel(struct sim *sim, sim_timer t)
{
	return sim_evq_cancel(sim->q, t);
}

bool
sim_run(struct sim *sim, sim_ns until)
{
	KS_ASSERT(!sim->running);
	if (until < sim->now)
		return false;
	sim->stop = false;
	sim->running = true;
	struct sim_evq_item it;
	while (!sim->stop && sim_evq_pop(sim->q, until, &it)) {
		sim->now = it.time;
		sim->executed++;
		it.fn(sim, it.ctx, it.arg);
		if (sim->executed >= sim->poll_next) {	/* UINT64_MAX: no poll */
			sim->poll_next += sim->poll_every;
			if (sim->poll(sim->poll_ctx))
				sim->stop = true;
		}
	}
	sim->running = false;
	if (sim->stop)
		return true;
	if (until != SIM_NEVER)
		sim->now = until;
	return false;
}

void
sim_stop(struct sim *sim)
{
	sim->stop = true;
}

void
sim_set_poll(struct sim *sim, uint64_t every, sim_poll_fn *fn, void *ctx)
{
	KS_ASSERT(fn == NULL || every > 0);
	sim->poll = fn;
	sim->poll_ctx = ctx;
	sim->poll_every = every;
	sim->poll_next = fn != NULL ? sim->executed + every : UINT64_MAX;
}

uint64_t
sim_events_executed(const struct sim *sim)
{
	return sim->executed;
}

size_t
sim_events_pending(const struct sim *sim)
{
	return sim_evq_len(sim->q);
}
