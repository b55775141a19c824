/*
 * mesh_int.h - the mesh's private structures, shared by mesh.c (set-up,
 * request mode, outlier ejection) and mesh_fluid.c (fluid mode and latency
 * composition), and the fluid stepping traffic.c lends them.
 */
#ifndef KS_MESH_INT_H
#define KS_MESH_INT_H

#include <gsl/gsl_rng.h>

#include "models/cluster/store.h"
#include "models/serving/serving.h"
#include "models/serving/mesh.h"
#include "models/serving/request.h"

/* Outlier detection state of one endpoint (by pod id). */
struct mesh_host {
	uint32_t	 consec;	/* consecutive errors */
	uint32_t	 times;		/* ejection multiplier */
	sim_ns		 until;		/* ejected until (0: not ejected) */
	double		 hazard;	/* fluid: expected runs of errors so far */
};

/* A distribution as quantiles at fixed levels (mesh_fluid.c). */
#define MESH_NLEV	33
struct mdist {
	double	 x[MESH_NLEV];
};

/* Fluid mode's per-service state. */
struct mesh_fluid {
	double	 down_in;	/* requests its callers sent this tick */
	double	 fr;		/* last tick: share of tries failing in a retried way */
	double	 preq_ok;	/* last tick: a request's probability of success */
	double	 down_fail;	/* this tick: a try's calls fail */
	double	 tokens;
	bool	 tokens_init;
	sim_ns	 now;		/* the tick's end */
	double	 down_mean;	/* s, mean time in downstream calls (last interval) */
	double	 req_mean;	/* s, mean request latency (last interval) */
	struct mdist req;	/* request latency (last interval) */
	bool	 has_req;
	/* this interval */
	double	 iv_tries, iv_retried, iv_timeouts;
};

struct mesh_svc {
	struct mesh		*m;
	size_t			 prof;
	const struct mesh_cfg	*cfg;
	bool			 on;		/* simulated by the mesh */
	bool			 composed;	/* calls or retries: latency composed */
	uint32_t		*callee;	/* per call: profile index */
	size_t			 ncalls;
	size_t			*stage;		/* stage k: calls [stage[k], stage[k+1]) */
	size_t			 nstages;
	gsl_rng			*rng;		/* "mesh:<name>": calls, backoff, network */
	/* request mode */
	struct rq_service	*rq;
	struct rq_stats		 out;		/* attempt outcomes */
	double			 tokens;
	sim_ns			 tokens_at;
	/* both modes */
	struct mesh_e2e		 e2e;
	struct mesh_host	*hosts;		/* by pod id */
	size_t			 nhosts;
	uint32_t		*fids;		/* endpoints less the ejected */
	size_t			 fn, fcap;
	uint32_t		 fver;
	bool			 fvalid;
	uint32_t		 src_ver;
	size_t			 src_n;
	sim_ns			 next_expiry;
	struct mesh_fluid	 f;
};

/* A request to one service (request mode); free ones are linked through
 * parent. */
struct mreq;

struct mesh {
	struct cluster		*c;
	struct sim		*sim;
	struct mesh_svc		*svc;		/* per profile */
	size_t			 nsvc;
	size_t			*order;		/* mesh profiles, callers before callees */
	size_t			 norder;
	struct mreq		*reqs;
	size_t			 nreqs, capreqs;
	uint32_t		 free_req;
	struct hist		*scratch[3];	/* fluid composition */
};

/* mesh.c: outlier detection shared by both modes. */
struct mesh_host *mesh_host(struct mesh_svc *ms, uint32_t pod);
bool mesh_ejected(const struct mesh_svc *ms, uint32_t pod, sim_ns now);
/* Ejects pod now if Envoy's rules allow (max percent, at least one). */
void mesh_eject(struct mesh_svc *ms, uint32_t pod, sim_ns now);
/* True when the share of non-ejected endpoints is below the panic
 * threshold (the balancer then uses them all). */
bool mesh_panic(struct mesh_svc *ms, sim_ns now);
/* The most tries a request gets: 1 + attempts, and no more than fit the
 * overall timeout in per-try timeouts. */
int mesh_max_tries(const struct mesh_svc *ms);

/* traffic.c: one fluid tick of profile i's pods with `offered` attempts,
 * skipping ejected endpoints (skip may be NULL), reporting each
 * endpoint's attempts, errors and ok (report may be NULL). Updates pods
 * (state, cpu, served), the Little's law sums and the own latency
 * histogram; the caller counts outcomes with serve_count. */
struct serve_step_out {
	double	 ok, timeouts, rejected, failed, started;
	double	 errors;	/* rejected + failed, summed per endpoint */
};
typedef bool serve_skip_fn(void *ctx, uint32_t pod);
typedef void serve_report_fn(void *ctx, uint32_t pod, double attempts, double errors,
    double ok);
void serve_fluid_step(struct cluster *c, size_t i, double dt, double offered,
    double timeout, serve_skip_fn *skip, serve_report_fn *report, void *ctx,
    struct serve_step_out *out);
/* Adds outcomes to profile i's interval and run counts. */
void serve_count(struct cluster *c, size_t i, double offered, double ok, double errors,
    double timeouts);

#endif
