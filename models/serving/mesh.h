/*
 * mesh.h - resilience as a service mesh applies it (retries with per-try
 * timeout and backoff, the overall timeout, outlier ejection, a token-bucket
 * rate limit per service) and service call graphs, in both traffic modes.
 * Request mode (mesh.c) follows every request and its attempts; fluid mode
 * (mesh_fluid.c) is the per-tick analytic counterpart. models/cluster/traffic.c calls both.
 */
#ifndef KS_MESH_H
#define KS_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/engine.h"

/* retryOn: the attempt outcomes that are retried (a bit set). */
enum mesh_retry_on {
	MESH_RETRY_TIMEOUT = 1,		/* the per-try (or overall) timeout fired */
	MESH_RETRY_REJECTED = 2,	/* queue full or rate limited (503 overflow, 429) */
	MESH_RETRY_FAILED = 4,		/* dead or no endpoint, a failed call (5xx, reset) */
};
#define MESH_RETRY_ALL	(MESH_RETRY_TIMEOUT | MESH_RETRY_REJECTED | MESH_RETRY_FAILED)
/* The names, NULL-terminated, in bit order (for messages and suggestions). */
const char *const *mesh_retry_on_names(void);

enum mesh_call_mode { MESH_SEQUENTIAL = 0, MESH_PARALLEL };

/* A downstream call a service makes for each of its requests. Adjacent
 * parallel calls form one stage (issued together, awaited together); a
 * sequential call is a stage of its own; stages run in order. */
struct mesh_call {
	char			*service;	/* the called Service's name */
	enum mesh_call_mode	 mode;
	double			 probability;	/* in (0, 1]; the call is made this often */
};

/*
 * The mesh's settings for one service: how its callers (and outside
 * clients) call it, as an Istio VirtualService and DestinationRule would say.
 * A zeroed struct is "no mesh features".
 */
struct mesh_cfg {
	bool		 has_retries;
	int32_t		 attempts;	/* retries after the first try (Istio's attempts) */
	sim_ns		 per_try_timeout;	/* 0: none (the overall timeout bounds it) */
	unsigned	 retry_on;	/* enum mesh_retry_on bits */
	sim_ns		 backoff_base;	/* Envoy: 25 ms */
	sim_ns		 backoff_max;	/* Envoy: 10 x base */
	bool		 has_breaker;	/* outlierDetection */
	int32_t		 consecutive_errors;	/* 5 */
	sim_ns		 interval;	/* ejection sweep, 10 s */
	sim_ns		 base_ejection;	/* 30 s */
	double		 max_ejection_percent;	/* 10 */
	bool		 has_rate_limit;
	double		 rate;		/* tokens per second */
	double		 burst;		/* bucket size, >= 1 */
	struct mesh_call *calls;
	size_t		 ncalls;
};

/* Envoy's default ceiling on one ejection (max_ejection_time). */
#define MESH_MAX_EJECTION	(300 * SIM_SEC)
/* Envoy's healthy panic threshold: below this share of non-ejected
 * endpoints the balancer uses all of them. */
#define MESH_PANIC_PERCENT	50.0

/* True when cfg asks for any mesh behaviour of its own. */
bool mesh_cfg_active(const struct mesh_cfg *cfg);

/*
 * The backoff before retry k (1, 2, ...): uniform on [0, min(base 2^(k-1),
 * max)), Envoy's JitteredExponentialBackOffStrategy; u is uniform on [0, 1).
 * mesh_backoff_mean is its mean.
 */
sim_ns mesh_backoff(const struct mesh_cfg *cfg, int k, double u);
double mesh_backoff_mean(const struct mesh_cfg *cfg, int k);

/* ---- the cluster's side (models/cluster/traffic.c) ------------------------------------------ */

struct cluster;
struct rq_params;
struct rq_service;
struct rq_stats;
struct mesh;

/* The mesh of the cluster's profiles, or NULL when none uses it. Call
 * graphs must be acyclic and name profiles (the scenario checks both). */
struct mesh *mesh_new(struct cluster *c);
void mesh_free(struct mesh *m);
/* True when profile i is simulated by the mesh (it has settings or is
 * called). */
bool mesh_has(const struct mesh *m, size_t i);

/* Request mode: sets the hooks (and no timeout: the mesh gives each
 * attempt its deadline) in profile i's rq_params, then takes the
 * rq_service made from them; its attempt outcomes override the
 * rq_service's arrivals, ok, timeouts, rejected and failed in *st. */
void mesh_rq_params(struct mesh *m, size_t i, struct rq_params *p);
void mesh_rq_bind(struct mesh *m, size_t i, struct rq_service *r);
void mesh_rq_outcomes(const struct mesh *m, size_t i, struct rq_stats *st);

/* Fluid mode: one tick of every mesh profile, in call order. */
void mesh_fluid_tick(struct mesh *m, sim_ns from, sim_ns to);
/* Fluid mode, before interval rows: each mesh profile's latency histogram
 * becomes that of its requests (downstream calls and retries composed). */
void mesh_fluid_interval(struct mesh *m);

/* End-to-end figures of an entry profile (requests from outside). */
struct mesh_e2e {
	double	requests, ok, errors, timeouts;
};
void mesh_e2e_stats(const struct mesh *m, size_t i, struct mesh_e2e *out);

#endif
