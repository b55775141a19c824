/*
 * queue.h - a message queue fed by a traffic model (the expected arrivals
 * of wl_count), drained by consumers with a capacity per step: the fluid
 * FIFO of a queue workload (Kafka topic, SQS queue) that a KEDA-style HPA
 * scales consumers on. The cluster model calls wl_queue_step each tick.
 */
#ifndef KS_WL_QUEUE_H
#define KS_WL_QUEUE_H

#include "sim/engine/engine.h"

struct wl_traffic;
struct wl_queue;

/* A queue with `initial` messages waiting; takes a reference to arrivals
 * (which may be NULL: nothing arrives). */
struct wl_queue *wl_queue_new(struct wl_traffic *arrivals, double initial);
void wl_queue_free(struct wl_queue *q);
/*
 * Advances [from, to): *arrived = the arrivals' expected count in it,
 * *consumed = min(length + arrived, capacity); returns the new length
 * (never negative). Messages that arrive in a step can be consumed in it.
 */
double wl_queue_step(struct wl_queue *q, sim_ns from, sim_ns to, double capacity,
    double *arrived, double *consumed);
double wl_queue_length(const struct wl_queue *q);
/* Totals since creation. */
double wl_queue_arrived(const struct wl_queue *q);
double wl_queue_consumed(const struct wl_queue *q);

#endif
