/*
 * evq.h - the event queue under the engine: pending events ordered by
 * (time, priority, insertion sequence), with cancellable timer handles.
 * Private to sim/engine (engine.c, its tests and bench/bench_evq.c use it);
 * models schedule through sim_at/sim_after in engine.h.
 */
#ifndef KS_EVQ_H
#define KS_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"

struct sim_evq;

/* An event taken off the queue. */
struct sim_evq_item {
	sim_ns		 time;
	int		 prio;
	sim_handler	*fn;
	void		*ctx;
	uint64_t	 arg;
};

struct sim_evq *sim_evq_new(void);
void sim_evq_free(struct sim_evq *q);

/*
 * Adds an event. fn must not be NULL; prio lies in [SIM_PRIO_MIN,
 * SIM_PRIO_MAX] (it takes 8 bits of the ordering key); `at` must not be
 * earlier than sim_evq_last_time (that is fatal). Returns a handle that is
 * never 0.
 */
sim_timer sim_evq_push(struct sim_evq *q, sim_ns at, int prio,
    sim_handler *fn, void *ctx, uint64_t arg);

/*
 * Removes the first event into *out and returns true, unless the queue is
 * empty or the first event's time is after `until` (then returns false and
 * leaves the queue as it was). Pass SIM_NEVER for no limit.
 */
bool sim_evq_pop(struct sim_evq *q, sim_ns until, struct sim_evq_item *out);

/* The first pending event's time, or SIM_NEVER when the queue is empty. */
sim_ns sim_evq_peek_time(struct sim_evq *q);

/* Cancels a pending event; false when the handle is 0, stale, already
 * cancelled or its event already popped. */
bool sim_evq_cancel(struct sim_evq *q, sim_timer h);

/* Pending (not cancelled) events. */
size_t sim_evq_len(const struct sim_evq *q);

/* Renumbers the insertion sequences of pending events 0..n-1 in their
 * present order. Push does this when the sequence runs out; exposed so tests
 * can show that it changes no order. */
void sim_evq_renumber(struct sim_evq *q);

/* The time the queue has advanced to: that of the last popped event, or of
 * cancelled events that a pop passed over on its way to a pending event
 * after its `until` (so never later than that `until`). Pushes before it
 * are fatal. */
sim_ns sim_evq_last_time(const struct sim_evq *q);

#endif
