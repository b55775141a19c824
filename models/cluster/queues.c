/*
 * queues.c - queue workloads in the cluster (KEDA-style scaling): each tick
 * a queue's step function adds the messages that arrived and takes what the
 * consumer Deployment's Ready pods can process (rate_per_pod each); the
 * consumed messages cost cpu on those pods, so metrics-server sees them.
 * The length is the External metric an HPA reads through horizontal.c, and
 * every interval a queue_intervals record says what happened.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

struct cl_queue {
	struct cl_queue_params	 p;
	char			*name;
	uint32_t		 deploy;
	double			 length;
	uint32_t		 ready;		/* consumers at the last tick */
	double			 arrived, consumed;	/* this interval */
};

struct cl_queues {
	struct cl_queue	*q;
	size_t		 n, cap;
	sim_ns		 last_interval;
};

static struct cl_queues *
queues_of(const struct cluster *c)
{
	return c->ctl[CTL_QUEUES];
}

int
cl_add_queue(struct cluster *c, const struct cl_queue_params *p, char **cause)
{
	uint32_t dep = deploy_named(c, NULL, p->consumer);
	if (dep == NONE) {
		*cause = xasprintf("queue %s: no Deployment %s", p->name, p->consumer);
		return -1;
	}
	struct cl_queues *qs = queues_of(c);
	KS_GROW(qs->q, qs->cap, qs->n + 1);
	struct cl_queue *q = &qs->q[qs->n];
	memset(q, 0, sizeof *q);
	q->p = *p;
	q->name = xstrdup(p->name);
	q->p.name = q->name;
	q->p.consumer = NULL;
	q->deploy = dep;
	return (int)qs->n++;
}

static void
queues_destroy(struct cluster *c)
{
	struct cl_queues *qs = queues_of(c);
	for (size_t i = 0; i < qs->n; i++) {
		if (qs->q[i].p.free_ctx != NULL)
			qs->q[i].p.free_ctx(qs->q[i].p.ctx);
		free(qs->q[i].name);
	}
	free(qs->q);
	free(qs);
}

/* Consumers take messages while Ready and running (not terminating, their
 * node up). */
static bool
consumer_ready(const struct cl_pod *pd)
{
	return pd->phase == POD_READY && !pd->deleting && !pd->lost;
}

static void
queue_step(struct cluster *c, struct cl_queue *q, sim_ns from, sim_ns to)
{
	const struct cl_deploy *d = &c->deploys[q->deploy];
	uint32_t ready = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		ready += consumer_ready(&c->pods[p]);
	double capacity = (double)ready * q->p.rate_per_pod * sim_ns_to_s(to - from);
	double arrived = 0, consumed = 0;
	q->length = q->p.step(q->p.ctx, from, to, capacity, &arrived, &consumed);
	q->ready = ready;
	q->arrived += arrived;
	q->consumed += consumed;
	if (ready == 0 || consumed <= 0)
		return;
	/* The consumers share the work evenly. */
	double cpu = consumed / (double)ready * q->p.cpu_per_message;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next)
		if (consumer_ready(&c->pods[p])) {
			cl_pod_unshare(c, p);
			c->use[p].cpu_seconds += cpu;
		}
}

static void
on_queue_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	sim_ns now = sim_now(sim);
	struct cl_queues *qs = queues_of(c);
	for (size_t i = 0; i < qs->n; i++)
		queue_step(c, &qs->q[i], now - c->t.tick, now);
	if (now + c->t.tick <= c->t.duration)
		sim_after(sim, c->t.tick, PRIO_SERVE, on_queue_tick, c, 0);
}

static void
emit(struct cluster *c)
{
	struct cl_queues *qs = queues_of(c);
	sim_ns now = sim_now(c->sim);
	if (now == qs->last_interval)
		return;
	qs->last_interval = now;
	for (size_t i = 0; i < qs->n; i++) {
		struct cl_queue *q = &qs->q[i];
		struct probe_val v[6] = {
			PV_REAL(sim_ns_to_s(now)), PV_TEXT(q->name), PV_REAL(q->arrived),
			PV_REAL(q->consumed), PV_REAL(q->length), PV_INT(q->ready),
		};
		probe_emit(&c->probes, "queue_intervals", v, 6);
		q->arrived = q->consumed = 0;
	}
}

static void
on_queue_interval(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	emit(c);
	sim_after(sim, c->t.interval, PRIO_INTERVAL, on_queue_interval, c, 0);
}

static void
queues_start(struct cluster *c)
{
	if (queues_of(c)->n == 0 || c->t.tick <= 0)
		return;
	sim_after(c->sim, c->t.tick, PRIO_SERVE, on_queue_tick, c, 0);
	sim_after(c->sim, c->t.interval, PRIO_INTERVAL, on_queue_interval, c, 0);
}

static void
queues_finish(struct cluster *c)
{
	if (queues_of(c)->n > 0)
		emit(c);
}

bool
queue_external_metric(const struct cluster *c, const char *name,
    const struct k8s_selector *sel, int64_t *value_milli)
{
	const struct cl_queues *qs = queues_of(c);
	if (qs == NULL)
		return false;
	for (size_t i = 0; i < qs->n; i++) {
		const struct cl_queue *q = &qs->q[i];
		bool match = strcmp(name, q->name) == 0;
		if (!match && strcmp(name, "queue_length") == 0 && sel->set && sel->nreqs > 0) {
			struct k8s_labels l = { 0 };
			k8s_labels_set(&l, "queue", q->name);
			match = k8s_selector_matches(sel, &l);
			k8s_labels_free(&l);
		}
		if (match) {
			/* Saturated: a queue grown past 9.2e15 items would not
			 * convert to int64 milli-units (UB). */
			double v = q->length * 1000.0 + 0.5;
			*value_milli = v < 9.2e18 ? (int64_t)v : INT64_MAX;
			return true;
		}
	}
	return false;
}

static void *
queues_create(struct cluster *c)
{
	return xcalloc(1, sizeof(struct cl_queues));
}

const struct cl_controller queues_controller = {
	.name = "queues", .create = queues_create, .start = queues_start,
	.finish = queues_finish, .destroy = queues_destroy,
};
