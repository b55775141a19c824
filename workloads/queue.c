/*
 * queue.c - the fluid message queue of queue.h: arrivals from a traffic
 * model's exact integral, consumption bounded by the consumers' capacity.
 * Counts are expected values (fractions allowed), as in fluid serving.
 */
#include "config.h"

#include <stdlib.h>

#include "sim/util/util.h"
#include "workloads/queue.h"
#include "workloads/traffic.h"

struct wl_queue {
	struct wl_traffic	*arrivals;
	double			 length;
	double			 arrived, consumed;
};

struct wl_queue *
wl_queue_new(struct wl_traffic *arrivals, double initial)
{
	struct wl_queue *q = xcalloc(1, sizeof *q);
	q->arrivals = arrivals != NULL ? wl_ref(arrivals) : NULL;
	q->length = initial > 0 ? initial : 0;
	return q;
}

void
wl_queue_free(struct wl_queue *q)
{
	if (q == NULL)
		return;
	wl_free(q->arrivals);
	free(q);
}

double
wl_queue_step(struct wl_queue *q, sim_ns from, sim_ns to, double capacity,
    double *arrived, double *consumed)
{
	double a = q->arrivals != NULL && to > from ? wl_count(q->arrivals, from, to) : 0;
	if (!(a > 0))
		a = 0;
	double avail = q->length + a;
	double c = capacity > 0 ? (capacity < avail ? capacity : avail) : 0;
	q->length = avail - c;
	if (q->length < 1e-9)
		q->length = 0;	/* rounding: an emptied queue is empty */
	q->arrived += a;
	q->consumed += c;
	*arrived = a;
	*consumed = c;
	return q->length;
}

double
wl_queue_length(const struct wl_queue *q)
{
	return q->length;
}

double
wl_queue_arrived(const struct wl_queue *q)
{
	return q->arrived;
}

double
wl_queue_consumed(const struct wl_queue *q)
{
	return q->consumed;
}
