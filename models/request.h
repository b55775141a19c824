/*
 * request.h - request mode: every request of a Service simulated one by one.
 * Arrivals are a non-homogeneous Poisson process drawn by thinning from the
 * service's rate function; a load balancer picks a Ready endpoint
 * (round-robin, random, least-request with two choices, ring hash); each pod
 * has concurrency slots and a FIFO queue with an optional limit; service
 * times come from the profile's distribution; timeouts, network latency,
 * rejections and failures are counted. No Kubernetes words: the cluster
 * glue (serve.c) hands in the endpoint list and a "pod is dead" predicate.
 */
#ifndef KS_REQUEST_H
#define KS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"
#include "sim/util/hist.h"

/* Load-balancing policies, shared by request and fluid mode. */
enum rq_lb {
	RQ_LB_ROUND_ROBIN = 0,	/* "roundRobin" (kube-proxy IPVS rr, Envoy default) */
	RQ_LB_RANDOM,		/* "random" (kube-proxy iptables mode) */
	RQ_LB_LEAST_REQUEST,	/* "leastRequest": power of two choices */
	RQ_LB_RING_HASH,	/* "ringHash": consistent hashing on a request key */
};
/* The policy named by s ("roundRobin", ...), or -1. */
int rq_lb_parse(const char *s);
const char *rq_lb_name(enum rq_lb lb);
/* All names, NULL-terminated (for "did you mean" suggestions). */
const char *const *rq_lb_names(void);

/* The offered rate (req/s) at `at`, and an upper bound of it on [from, to]. */
typedef double rq_rate_fn(void *ctx, sim_ns at);
typedef double rq_rate_max_fn(void *ctx, sim_ns from, sim_ns to);
/* True when the endpoint's pod cannot serve (its node is down). */
typedef bool rq_dead_fn(void *ctx, uint32_t pod);

struct rq_params {
	const char		*name;		/* RNG streams "traffic:<name>" (arrivals),
						   "service:<name>", "lb:<name>" */
	uint64_t		 seed;
	struct sim_dist		 service_time;	/* seconds */
	int32_t			 concurrency;	/* slots per pod, >= 1 */
	int32_t			 queue_limit;	/* waiting requests per pod; 0 unbounded */
	sim_ns			 timeout;	/* 0: none */
	bool			 has_net_latency;
	struct sim_dist		 net_latency;	/* seconds, added to each response */
	double			 cpu_per_request;	/* cpu-seconds per started request */
	enum rq_lb		 lb;
	int			 prio;		/* engine priority of its events */
	rq_rate_fn		*rate;
	rq_rate_max_fn		*rate_max;
	void			*rate_ctx;
	rq_dead_fn		*dead;		/* NULL: endpoints never die */
	void			*dead_ctx;
	sim_ns			 window;	/* thinning window; 0 = 1 s */
	sim_ns			 wait_threshold;	/* for rq_stats.waited_over */
};

/*
 * Cumulative counts. Every arrival ends exactly one way:
 *   arrivals = ok + timeouts + rejected + failed + in_system.
 * timeouts includes abandoned (left the queue after waiting the timeout,
 * no service) and late (served, response > timeout). Sojourn is the time in
 * the pod (queue + service, or until abandoned/failed), without network
 * latency; area is the integral of the number in system over time, so
 * Little's law reads area / span = (departed / span) * (sojourn_sum / departed).
 */
struct rq_stats {
	uint64_t	arrivals;
	uint64_t	ok;
	uint64_t	timeouts;
	uint64_t	abandoned;
	uint64_t	rejected;	/* queue full */
	uint64_t	failed;		/* no endpoint, or a dead one */
	uint64_t	started;	/* entered service */
	uint64_t	in_system;	/* queued or in service now */
	uint64_t	departed;	/* admitted and left */
	double		sojourn_sum;	/* s, of the departed */
	double		latency_sum;	/* s, response times of the ok */
	double		area;		/* request-seconds in system */
	double		wait_sum;	/* s, queue waits of the started */
	uint64_t	waited_over;	/* started after waiting > wait_threshold */
};

struct rq_service;

/* A new request-mode service on the engine; h (borrowed, may be NULL)
 * receives the response time of every ok request. */
struct rq_service *rq_new(struct sim *sim, const struct rq_params *p, struct hist *h);
void rq_free(struct rq_service *r);

/*
 * Where the endpoints are: *ids[0 .. *n) are pod ids (small integers); the
 * caller may change the array, its length and address at any time, and
 * bumps *version whenever the set changes (the ring is rebuilt then).
 * version may be NULL when the set never changes.
 */
void rq_set_endpoints(struct rq_service *r, uint32_t *const *ids, const size_t *n,
    const uint32_t *version);

/* Schedules the first arrival after `from`; arrivals stop at `horizon`. */
void rq_start(struct rq_service *r, sim_ns from, sim_ns horizon);

/* The pod died or left: its queued and in-service requests fail now and
 * its slots and queue are emptied. */
void rq_pod_gone(struct rq_service *r, uint32_t pod);

/* The counts so far, with `area` brought up to now. */
void rq_get_stats(const struct rq_service *r, struct rq_stats *out);
/* CPU-seconds a pod used since the last call (started requests times
 * cpu_per_request); pods are 0 .. rq_npods() - 1. */
size_t rq_npods(const struct rq_service *r);
double rq_take_cpu(struct rq_service *r, uint32_t pod);

/*
 * Fluid mode's split: w[i] (summing to 1) is the share of a service's
 * requests that endpoint ids[i] receives under the policy, given each
 * endpoint's requests in system (occupancy[i], may be NULL for all equal).
 * Round-robin and random: equal. Ring hash: the ring arcs each endpoint
 * owns (the same ring request mode uses). Least request with two choices:
 * the exact probability that the endpoint is picked from the current
 * state - rank endpoints by occupancy (r = 0 the least); two distinct
 * endpoints are drawn and the less occupied wins, so rank r is chosen with
 * probability 2 (n - 1 - r) / (n (n - 1)); tied endpoints share their
 * ranks' average. In the mean-field (fluid) limit this is the rate at
 * which P2C routes to a pod in that state over the tick.
 */
void rq_lb_weights(enum rq_lb lb, const uint32_t *ids, size_t n,
    const double *occupancy, double *w);

/*
 * Squared coefficient of variation of the interarrival times a single
 * endpoint sees under the policy, with n endpoints and Poisson arrivals to
 * the service: random thinning and ring hash on random keys keep Poisson
 * (1); round-robin hands every n-th arrival to each endpoint, an Erlang-n
 * renewal process (1 / n). Least request: 1 (its shorter queues come from
 * the power-of-d mean field instead, serving_pod_of_d). Fluid mode feeds
 * it to Allen-Cunneen.
 */
double rq_lb_arrival_scv(enum rq_lb lb, size_t n);

#endif
