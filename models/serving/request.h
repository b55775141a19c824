/*
 * request.h - request mode: every request of a Service simulated one by one.
 * Arrivals are a non-homogeneous Poisson process drawn by thinning from the
 * service's rate function (or replayed timestamps, rq_next_fn); each may
 * draw a request class (rq_class); a load balancer picks a Ready endpoint
 * (round-robin, random, least-request with two choices, ring hash); each pod
 * has concurrency slots and a FIFO queue with an optional limit; service
 * times come from the profile's distribution; timeouts, network latency,
 * rejections and failures are counted. No Kubernetes words: the cluster
 * glue (models/cluster/traffic.c) hands in the endpoint list and a "pod is dead" predicate.
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

/* How an attempt handed in by rq_submit (the mesh, models/cluster/mesh.c) ends. */
enum rq_outcome { RQ_PENDING = 0, RQ_OK, RQ_TIMEOUT, RQ_REJECTED, RQ_FAILED };
#define RQ_NO_POD	UINT32_MAX
#define RQ_NOTAG	UINT64_MAX
/* A generated arrival handed to the mesh instead of served here. */
typedef void rq_arrival_fn(void *ctx, sim_ns at);
/* A submitted attempt's own work ended (RQ_OK) or its pod died (RQ_FAILED). */
typedef void rq_done_fn(void *ctx, uint64_t tag, enum rq_outcome o, uint32_t pod);

/* The offered rate (req/s) at `at`, and an upper bound of it on [from, to]. */
typedef double rq_rate_fn(void *ctx, sim_ns at);
typedef double rq_rate_max_fn(void *ctx, sim_ns from, sim_ns to);
/* True when the endpoint's pod cannot serve (its node is down). */
typedef bool rq_dead_fn(void *ctx, uint32_t pod);
/* Exact arrivals (a replayed trace): the next arrival time, never earlier
 * than the one before, or SIM_NEVER when there are no more. */
typedef sim_ns rq_next_fn(void *ctx);

/*
 * A request class: its share of a service's requests and its own service
 * time, cpu and timeout. Each arrival draws its class from the weights
 * (stream "class:<name>"), independently of everything else.
 */
struct rq_class {
	const char		*name;
	double			 weight;	/* > 0; share = weight / sum */
	struct sim_dist		 service_time;	/* seconds */
	double			 cpu_per_request;	/* cpu-seconds per started request */
	sim_ns			 timeout;	/* 0: none */
	int64_t			 size;		/* request bytes: size / bandwidth is
						   added to the response */
};

/*
 * The moments fluid mode uses for a mixture of n >= 1 classes with shares
 * p_i = w_i / sum w: the mean service time m = sum p_i m_i; its squared
 * coefficient of variation from E[S^2] = sum p_i m_i^2 (1 + scv_i), so
 * scv = E[S^2] / m^2 - 1; the mean cpu per request sum p_i cpu_i; and one
 * timeout for all, the share-weighted mean of the classes' timeouts (0 when
 * any class has none). Any output pointer may be NULL.
 */
void rq_class_moments(const struct rq_class *c, size_t n, double *mean,
    double *scv, double *cpu, double *timeout_s);

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
	double			 bandwidth;	/* bytes/s: size / bandwidth added; 0 none */
	double			 cpu_per_request;	/* cpu-seconds per started request */
	enum rq_lb		 lb;
	int			 prio;		/* engine priority of its events */
	rq_rate_fn		*rate;		/* unless next is set */
	rq_rate_max_fn		*rate_max;
	void			*rate_ctx;
	rq_dead_fn		*dead;		/* NULL: endpoints never die */
	void			*dead_ctx;
	/* Request classes (borrowed; nclasses 0: one class of service_time,
	 * cpu_per_request and timeout). Queued requests leave at their own
	 * class's timeout once they reach the head of the queue (exact times;
	 * until then they still count against queue_limit). */
	const struct rq_class	*classes;
	size_t			 nclasses;
	/* Exact arrivals instead of thinning rate (rate, rate_max unused):
	 * the caller's cursor starts at rq_start's `from`. */
	rq_next_fn		*next;
	void			*next_ctx;
	sim_ns			 window;	/* thinning window; 0 = 1 s */
	sim_ns			 wait_threshold;	/* for rq_stats.waited_over */
	/* The mesh (NULL: none): generated arrivals go to `arrival`, and
	 * rq_submit's attempts report to `done`. */
	rq_arrival_fn		*arrival;
	rq_done_fn		*done;
	void			*hook_ctx;
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

/*
 * An attempt arriving now from the mesh, with its own deadline (SIM_NEVER:
 * none) and a tag that comes back in done(). The balancer picks an
 * endpoint (*pod, or RQ_NO_POD when there is none); returns RQ_FAILED (no
 * endpoint, dead pod) or RQ_REJECTED (queue full) at once, else RQ_PENDING:
 * done(tag, RQ_OK) follows when its service ends (late or not: the mesh
 * judges), done(tag, RQ_FAILED) if its pod dies first, and nothing when it
 * waits in the queue past its deadline (it leaves the queue then, its
 * client having given up). Only the server-side figures of rq_stats
 * (started, in_system, departed, sojourn, area, waits) count it: the mesh
 * counts outcomes. done() runs when the service's own state is settled,
 * so it may submit again.
 */
enum rq_outcome rq_submit(struct rq_service *r, uint64_t tag, sim_ns deadline,
    uint32_t *pod);

/* The pod died or left: its queued and in-service requests fail now and
 * its slots and queue are emptied. */
void rq_pod_gone(struct rq_service *r, uint32_t pod);

/*
 * A pod's capacity from now (a CPU limit's throttling, its share of a busy
 * node, its release; models/cluster/cpu.h): each service time it starts
 * from now is multiplied by `stretch` (0 or 1: as drawn), and a fraction
 * `err` of the requests it is sent are answered at once with an error
 * (counted as failed; drawn from the stream "errors:<name>", made at the
 * first pod with err > 0). rq_pod_gone resets it.
 */
void rq_set_pod_cap(struct rq_service *r, uint32_t pod, double stretch, double err);
/* The pod's requests queued or in service. */
uint32_t rq_pod_load(const struct rq_service *r, uint32_t pod);

/* The counts so far, with `area` brought up to now. */
void rq_get_stats(const struct rq_service *r, struct rq_stats *out);
/* CPU-seconds a pod used since the last call (started requests times
 * cpu_per_request); pods are 0 .. rq_npods() - 1. */
size_t rq_npods(const struct rq_service *r);
double rq_take_cpu(struct rq_service *r, uint32_t pod);
/* Requests a pod holds now: queued and in service. */
uint32_t rq_pod_in_flight(const struct rq_service *r, uint32_t pod);

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
