/*
 * store.h - the simulated cluster's object store: what a simulation needs of
 * the API server and its informers. It holds the objects (node pools, nodes,
 * pods, Deployments, Services with their endpoints, PDBs, PriorityClasses,
 * traffic profiles), offers the create/update/delete operations controllers
 * call, and tells every registered watcher about each change, in
 * registration order, synchronously (as an informer's handlers would, with
 * the watch latency modelled by the watchers themselves). The store never
 * calls a controller by name; controllers (models/cluster/controllers.h)
 * keep their own state in their own structs.
 * Pods and nodes live in arrays indexed by id; per-node and per-deployment
 * pod lists are intrusive, so a lookup or a move never scans the cluster.
 */
#ifndef KS_CLUSTER_STORE_H
#define KS_CLUSTER_STORE_H

#include "models/api/k8s.h"
#include "models/cluster/cluster.h"
#include "models/kubelet/backoff.h"
#include "sim/util/hist.h"
#include "sim/util/util.h"

/* Event priorities at equal times: a serving tick accounts for the time
 * before it, so it runs first; then infrastructure, control loops and
 * measurement. */
enum {
	PRIO_SERVE = -10,
	PRIO_NODE = 0,
	PRIO_POD = 10,
	PRIO_CONTROLLER = 20,
	PRIO_METRICS = 40,
	PRIO_INTERVAL = 50,
};

#define NONE UINT32_MAX

struct cl_pool {
	struct cl_pool_params	 p;
	struct k8s_node_spec	 tmpl;	/* labels/taints/allocatable of new nodes */
	uint32_t		 next_zone;
	uint32_t		 nodes_made;
};

enum node_state { NODE_PROVISIONING, NODE_READY, NODE_NOT_READY, NODE_DELETED };

struct cl_node {
	uint32_t		 id;
	uint32_t		 pool;
	enum node_state		 state;	/* as the control plane sees it */
	bool			 up;	/* the machine and its kubelet run */
	bool			 initial;	/* there from the start: Ready at once */
	sim_ns			 billed_from;	/* cost accrues while provisioned */
	sim_ns			 down_since;
	struct k8s_node_spec	*spec;	/* own allocation: the scheduler keeps
					 * the pointer while nodes[] grows */
	uint32_t		 first_pod;	/* intrusive list of bound pods */
	uint32_t		 npods;
	char			**images;	/* pulled images (image locality) */
	size_t			 nimages, capimages;
};

enum pod_phase {
	POD_PENDING,		/* created, not yet bound */
	POD_BOUND,		/* bound; kubelet has not started it */
	POD_CREATING,		/* image pull and container start */
	POD_RUNNING,		/* started, not Ready */
	POD_READY,
	POD_TERMINATING,
	POD_FREE,		/* slot unused */
};

struct cl_pod {
	/* The first 64 bytes: what the passes over every pod read (the
	 * metrics scrape, the HPA's walk, the Cluster Autoscaler's), one
	 * cache line per pod (the array is 64-byte aligned, CL_POD_SIZE). */
	enum pod_phase	 phase;
	uint32_t	 deploy;
	uint32_t	 node;		/* NONE when unbound */
	uint32_t	 node_next;
	uint32_t	 dep_next;
	uint32_t	 ep_index;	/* position in its service's endpoints, or NONE */
	bool		 deleting;	/* deletionTimestamp set */
	bool		 lost;		/* its node failed: not serving */
	bool		 ready_cond;	/* the Ready condition */
	bool		 unschedulable;	/* PodScheduled=False after a failed attempt */
	bool		 daemon;	/* a DaemonSet's: bound to its node for good */
	sim_ns		 started;	/* containers running */
	sim_ns		 probe_origin;	/* when the kubelet's probe worker started */
	/* The last transition time of the pod's conditions: Ready's, and while
	 * pending the scheduler's last attempt (PodScheduled). */
	sim_ns		 ready_changed;
	/* the template it was created from (the VPA gives new pods new
	 * requests) and its effective request (podutils.PodRequests) */
	const struct k8s_pod_spec *spec;
	/* the rest */
	uint32_t	 gen;		/* incarnation of this slot */
	uint32_t	 id;
	uint32_t	 assumed;	/* node chosen by the scheduler, binding in flight */
	uint32_t	 node_prev, dep_prev;
	char		*name;
	sim_ns		 created;
	sim_ns		 deleted_at;	/* deletionTimestamp, when deleting */
	/* The pending lifecycle step (the scheduler's watch of a new pod, then
	 * the kubelet's steps); cancelled when the pod goes. */
	sim_timer	 timer;
	int64_t		 req_cpu_milli, req_memory;
	/* Its ReplicaSet (index in c->rss, NONE for pods made by pod_create)
	 * and how its release behaves (NULL: healthy). */
	uint32_t	 rs;
	const struct cl_behavior *behave;
	/* The kubelet's container restarts: count, crash-loop back-off entry,
	 * when the last container exited, the pending exit. */
	uint32_t	 restarts;
	struct backoff_entry crash_backoff;
	sim_ns		 finished_at;
	sim_timer	 exit_timer;
	uint8_t		 exit_why;	/* kubelet.c's reason of the pending exit */
	bool		 was_ready;	/* Ready at some time */
	bool		 succeeded, failed;	/* a Job pod's containers exited */
	/* Its place in its workload: a StatefulSet's ordinal, a DaemonSet's
	 * node, a Job's run; 0 for a Deployment's pods. */
	uint32_t	 slot;
	/* The scheduler's last FailedScheduling message (owned; NULL: none),
	 * for the run summary. */
	char		*why_pending;
	char		 pad_to_256[40];	/* a whole number of cache lines */
};
#define CL_POD_SIZE	256

/* A pod's resource use as its cgroup counts it: cpu time and requests
 * completed (traffic and queues add, metrics reads). Apart from struct
 * cl_pod, dense: the CPU model's check reads them in node order. */
struct cl_pod_use {
	double		 cpu_seconds;
	double		 served;
};
_Static_assert(sizeof(struct cl_pod) == CL_POD_SIZE, "struct cl_pod: 4 cache lines");

/* What the metrics scrape reads of every pod, 16 bytes apart instead of
 * 256 (c->run, by pod id): its Deployment, whether it is running (its
 * containers started on a node that is up: cl_pod_running), and since
 * when. pod_run_sync keeps it after every write to those fields. */
enum { CL_RUN_FREE, CL_RUN_IDLE, CL_RUN_RUNNING };
struct cl_pod_run {
	uint32_t	 deploy;
	uint8_t		 state;		/* CL_RUN_* */
	bool		 sampled;	/* its metrics sample is its cohort's
					 * (metrics.c), not its own */
	bool		 checked;	/* its use in the cpu check is its
					 * cohort's (cpu.c), not its own */
	sim_ns		 started;
};

/* A ReplicaSet of a Deployment, one per template revision (the Deployment
 * controller, models/cluster/deployment.c, makes and scales them; the
 * ReplicaSet controller, replicaset.c, keeps its pods). */
struct cl_rs {
	uint32_t	 deploy;
	const struct k8s_pod_spec *tmpl;	/* NULL: deploy_template() */
	const struct cl_behavior *behave;	/* NULL: healthy */
	uint64_t	 hash;		/* pod-template-hash */
	int64_t		 revision;	/* deployment.kubernetes.io/revision */
	int32_t		 replicas;	/* spec.replicas */
	bool		 has_desired, has_max;	/* replica annotations */
	int32_t		 desired, max;
	uint32_t	 npods;		/* pods not deleting */
	sim_ns		 created;
	bool		 deleted;
	char		*name;		/* <deployment>-<hash> */
};

struct cl_deploy {
	const struct k8s_deployment *d;
	struct k8s_pod_spec	 spec;	/* template with the priority resolved */
	int32_t			 replicas;	/* spec.replicas, changed by the HPA */
	uint32_t		 first_pod;
	uint32_t		 npods;	/* not deleting */
	uint32_t		 nready;	/* Ready and not deleting (deploy_ready) */
	/* Moves on whenever something an autoscaler reads of its pods may
	 * have changed: a pod added or removed, its phase, Ready condition or
	 * deletion (store_pods.c), its metrics-server sample (metrics.c). */
	uint64_t		 pods_rev;
	/* Moves on with pods_rev but for the samples: a pod added or
	 * removed, its phase, Ready condition or deletion. */
	uint64_t		 pods_state_rev;
	uint32_t		 service;	/* NONE if no Service selects it */
	const struct k8s_pod_spec *cur;	/* template of new pods (VPA); NULL: &spec */
	/* deploy_cpu_request's memo: the pod cpu request of template
	 * req_tmpl (NULL: none yet). A template is never changed in place
	 * (the VPA and rollouts make new ones, kept to the end of the run),
	 * so its address keys it. */
	const struct k8s_pod_spec *req_tmpl;
	int64_t			 req_cpu_milli;
	uint32_t		 name_seq;
	uint32_t		 restarts;	/* container restarts of its pods */
	bool			 ever_ready;	/* some pod of it was Ready */
};

/* What the HPA's quick check (horizontal.c) reads of every Deployment at
 * every sync, 16 bytes apart instead of 664 (c->deploy_rev, by Deployment
 * id): its pods_rev and replicas. deploy_rev_sync keeps it after every
 * write to those fields; the invariants and KS_HPA_MEMO_VERIFY check it. */
struct cl_deploy_rev {
	uint64_t	 pods_rev;
	int32_t		 replicas;
};

struct cl_service {
	const struct k8s_service *s;
	uint32_t	*endpoints;	/* pod ids */
	size_t		 nendpoints, capendpoints;
	uint32_t	 deploy;	/* the Deployment it selects, NONE if none */
	int32_t		 profile;	/* -1 if it serves no traffic */
	uint32_t	 rr;		/* round-robin cursor */
	uint32_t	 ep_version;	/* bumps when endpoints change */
};

/* How a Service's pods serve (the scenario's request profile) and what
 * they served: the traffic controller adds, interval records read. */
struct cl_profile {
	struct cl_profile_params p;
	uint32_t	 service;
	double		 service_mean, service_scv;
	double		 service_cpu;		/* fluid: mean cpu-seconds per request */
	double		 service_timeout;	/* fluid: seconds, 0 none */
	/* this interval */
	double		 offered, ok, errors, timeouts;
	struct hist	*hist;
	/* whole run */
	double		 total_offered, total_ok, total_errors;
	struct hist	*run_hist;
	double		 cpu_used_interval;	/* cpu-seconds */
};

/* ---- change notifications ------------------------------------------------ */

enum cl_change {
	CL_POD_ADDED,		/* created through the API */
	CL_POD_BOUND,		/* spec.nodeName set */
	CL_POD_STARTED,		/* its containers (re)started */
	CL_POD_READY,		/* the Ready condition changed */
	CL_POD_DELETING,	/* deletionTimestamp set */
	CL_POD_TERMINATING,	/* a bound pod's graceful termination begins */
	CL_POD_ENDPOINTS_SYNCED,	/* the endpoints controller caught up with it */
	CL_POD_LOST,		/* its node stopped: its containers are gone */
	CL_POD_REMOVED,		/* about to leave the store */
	CL_NODE_ADDED,
	CL_NODE_UPDATED,	/* state (and the taints that follow it) changed */
	CL_NODE_DOWN,		/* the machine stopped (no more heartbeats) */
	CL_NODE_UP,		/* the machine and its kubelet run again */
	CL_NODE_REMOVED,	/* about to be deleted */
	CL_DEPLOY_SCALED,	/* spec.replicas changed */
	CL_SERVICE_ENDPOINTS,	/* its endpoints are about to change */
	CL_NCHANGES
};
#define CL_ON(ch)	(1u << (ch))

/* A watcher's handler: `id` is a pod, node, deployment or service id. */
typedef void cl_watch_fn(void *ctx, enum cl_change what, uint32_t id);

/* ---- the store ----------------------------------------------------------- */

#define CL_MAX_CONTROLLERS	32

struct cl_watcher {
	cl_watch_fn	*fn;
	void		*ctx;
};

struct cluster {
	struct sim		*sim;
	uint64_t		 seed;
	struct cl_timings	 t;
	struct probe_sink	 probes;

	/* RNG streams of processes several components share */
	gsl_rng			*rng_cp;	/* control-plane latencies */
	gsl_rng			*rng_kubelet;	/* image pulls, starts, shutdowns */

	struct cl_pool		*pools;
	size_t			 npools, cappools;
	struct cl_node		*nodes;
	size_t			 nnodes, capnodes;
	struct cl_pod		*pods;
	size_t			 npods, cappods;
	struct cl_pod_use	*use;		/* by pod id, as pods */
	struct cl_pod_run	*run;		/* by pod id, as pods */
	uint32_t		 free_pods;	/* free list through node_next */
	uint32_t		 npods_assumed;	/* with `assumed` set: binding in flight */
	struct cl_deploy	*deploys;
	struct cl_deploy_rev	*deploy_rev;	/* by Deployment id, as deploys */
	size_t			 ndeploys, capdeploys;
	struct cl_service	*services;
	size_t			 nservices, capservices;
	/* name indexes (cluster.c): "namespace\x1fname" and name -> the last
	 * Deployment of that key (deploy_named); "namespace/name" -> the last
	 * Service (cl_add_profile) */
	struct ks_strmap	 deploy_qnames, deploy_names, service_qnames;
	struct cl_profile	*profiles;
	size_t			 nprofiles, capprofiles;
	const struct k8s_pdb	**pdbs;
	size_t			 npdbs, cappdbs;
	const struct k8s_priority_class **pcs;
	size_t			 npcs, cappcs;
	struct cl_rs		*rss;		/* ReplicaSets, never reused */
	size_t			 nrss, caprss;

	/* watchers per change kind, in registration order */
	struct cl_watcher	*watch[CL_NCHANGES];
	size_t			 nwatch[CL_NCHANGES];

	/* The API server is down until api_back (an apiOutage, chaos.c);
	 * controllers put their writes off (cl_api_defer). */
	sim_ns			 api_back;

	/* each controller's state, by its index in the controller table */
	void			*ctl[CL_MAX_CONTROLLERS];

	/* counters */
	size_t			 pods_pending, pods_running, nodes_ready;
	size_t			 nodes_live;	/* not NODE_DELETED */
	double			 cost_usd;	/* accrued up to cost_at */
	sim_ns			 cost_at;
	double			 price_rate;	/* USD per second of all billed nodes */

	bool			 warm;	/* warm start (warmstart.c) */
	/* v1 Node objects given (borrowed), created at the start; their pool */
	const struct k8s_node_spec **given_nodes;
	size_t			 ngiven_nodes;
	uint32_t		 given_pool;

	/* the interval records (cluster.c) */
	sim_ns			 last_interval;
	/* KS_INTERVAL_VERIFY: the interval rows' shortcuts (the memo of a
	 * template's cpu request, the replayed latency walks) checked
	 * against the plain computations at every use. */
	bool			 interval_verify;
	double			 cost_reported;	/* cost in earlier intervals */
};

/* Whether the API server is down now (see api_back). */
static inline bool
cl_api_down(const struct cluster *c)
{
	return sim_now(c->sim) < c->api_back;
}

/* Registers fn for the change kinds in mask (CL_ON(...) | ...). */
void cl_watch(struct cluster *c, unsigned mask, cl_watch_fn *fn, void *ctx);
/* Tells the watchers of `what`. */
void cl_notify(struct cluster *c, enum cl_change what, uint32_t id);

/* An `events` record at the current time. */
void cl_event(struct cluster *c, const char *kind, const char *object,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Brings cost_usd up to now. */
void cl_cost_update(struct cluster *c);

/* The pod an event's argument (pod id | generation << 32) was for, or NONE
 * when the slot moved on since. */
#define CL_POD_ARG(c, p)	((uint64_t)(p) | ((uint64_t)(c)->pods[p].gen << 32))
uint32_t cl_pod_of(const struct cluster *c, uint64_t arg);

/* ---- operations (store.c, store_pods.c) ------------------------------------ */

/* A new node of the pool, Ready at once when initial, else provisioning
 * (tainted unreachable until Ready). Returns its id. */
uint32_t node_create(struct cluster *c, uint32_t pool, bool initial);
/* A node given as a v1 Node object (copied): Ready at once, in `pool` (the
 * cluster's pool of given nodes: not autoscaled, priced 0). */
uint32_t node_create_given(struct cluster *c, uint32_t pool,
    const struct k8s_node_spec *spec);
/* Removes a node: its remaining pods are deleted with it, billing stops;
 * the id is never reused. */
void node_delete(struct cluster *c, uint32_t node, const char *reason);
/* The node's Ready condition as the control plane sees it; its taints
 * follow (TaintNodesByCondition: not Ready -> unreachable NoSchedule and
 * NoExecute). */
void node_set_state(struct cluster *c, uint32_t node, enum node_state state);
/* The machine stops (its pods are lost) or runs again. */
void node_set_down(struct cluster *c, uint32_t node);
void node_set_up(struct cluster *c, uint32_t node);

uint32_t pod_create(struct cluster *c, uint32_t deploy);
/* A pod of ReplicaSet rs (its template and behavior). */
uint32_t pod_create_rs(struct cluster *c, uint32_t deploy, uint32_t rs);
/* A new ReplicaSet of deploy with that template (NULL: deploy_template())
 * and 0 replicas; returns its index. */
uint32_t rs_create(struct cluster *c, uint32_t deploy, const struct k8s_pod_spec *tmpl,
    const struct cl_behavior *behave, uint64_t hash, int64_t revision);
/* A pod of any workload kind: with its own name (NULL: generated, as
 * generateName does), its own template (NULL: the workload's; borrowed, it
 * must outlive the pod) and slot (see struct cl_pod). */
uint32_t pod_create_as(struct cluster *c, uint32_t deploy, const char *name,
    const struct k8s_pod_spec *spec, uint32_t slot);
/* The pod's containers exited for good (a Job's pod, restartPolicy Never):
 * Succeeded or Failed; the pod is deleted and frees its node's resources. */
void pod_exit(struct cluster *c, uint32_t pod, bool failed);
/* Records the scheduler's message for a pod it could not place. */
void pod_set_why_pending(struct cluster *c, uint32_t pod, const char *why);
/* The workload kind of a pod's owner. */
#define cl_pod_kind(c, p)	((c)->deploys[(c)->pods[p].deploy].d->kind)
void pod_bind(struct cluster *c, uint32_t pod, uint32_t node);
void pod_set_phase(struct cluster *c, uint32_t pod, enum pod_phase ph);
void pod_set_ready(struct cluster *c, uint32_t pod, bool ready);
/* Sets the deletionTimestamp: an unbound pod goes at once, a bound one
 * terminates gracefully (the kubelet finishes it with pod_free). */
void pod_delete(struct cluster *c, uint32_t pod, const char *reason);
/* Unlinks and frees a pod's slot; its node's resources are released. */
void pod_free(struct cluster *c, uint32_t pod);
void pod_node_lost(struct cluster *c, uint32_t pod);
/* The endpoints of the pod's Service: add or remove it. */
void endpoint_add(struct cluster *c, uint32_t pod);
void endpoint_remove(struct cluster *c, uint32_t pod);
/* Changes a Deployment's spec.replicas. */
void deploy_scale(struct cluster *c, uint32_t deploy, int32_t replicas);

/* The template a new pod of deploy gets. */
const struct k8s_pod_spec *deploy_template(const struct cluster *c, uint32_t deploy);
/* The cpu request (millicores, k8s_pod_request without non-zero
 * defaults) of a pod of deploy_template(c, deploy), computed once per
 * template (KS_INTERVAL_VERIFY: again at each use, and compared). */
int64_t deploy_cpu_request(struct cluster *c, uint32_t deploy);
/* The same computed from the template, without the memo (its check). */
int64_t deploy_cpu_request_plain(const struct cluster *c, uint32_t deploy);
uint32_t deploy_ready(const struct cluster *c, uint32_t deploy);
/* The Deployment of that name in namespace ns (NULL: any namespace), or
 * NONE. */
uint32_t deploy_named(const struct cluster *c, const char *ns, const char *name);

/* Without a memory model (memory.c) a pod's memory use is not modelled
 * from load: it is a fixed share of the request of the Deployment's own
 * template (the application's, not what a VPA later sets). */
#define CL_MEMORY_USE_OF_REQUEST 0.5

/* Whether pod p's containers run: Running, Ready or terminating, started,
 * on a node that is up (warm-started pods started before 0). */
static inline bool
cl_pod_running(const struct cl_pod *pd)
{
	return (pd->phase == POD_RUNNING || pd->phase == POD_READY ||
	    pd->phase == POD_TERMINATING) && pd->started != 0 && !pd->lost;
}

/* Pod pd's CL_RUN_* state. */
static inline uint8_t
cl_pod_run_state(const struct cl_pod *pd)
{
	return pd->phase == POD_FREE ? CL_RUN_FREE :
	    cl_pod_running(pd) ? CL_RUN_RUNNING : CL_RUN_IDLE;
}

/* Whether c->run[p] is pod p's (the checks of KS_METRICS_VERIFY and the
 * invariants). */
static inline bool
cl_pod_run_ok(const struct cluster *c, uint32_t p)
{
	const struct cl_pod *pd = &c->pods[p];
	const struct cl_pod_run *r = &c->run[p];
	uint8_t want = cl_pod_run_state(pd);
	return r->state == want && (want == CL_RUN_FREE ||
	    (r->deploy == pd->deploy && r->started == pd->started));
}

/*
 * metrics.c: a pod whose metrics sample its cohort keeps (cl_pod_run.
 * sampled) gets it written out as its own: called before anything of the
 * pod that the sample is derived from changes (its cohort place, its own
 * cpu seconds or served count, its run state).
 */
void metrics_sample_out(struct cluster *c, uint32_t p);
/* cpu_check.c: the same for the cpu check's reading of the pod (cl_pod_run.
 * checked). */
void cpu_check_out(struct cluster *c, uint32_t p);

/* Both, before pod p's cohort place or own counts change. */
static inline void
cl_pod_unshare(struct cluster *c, uint32_t p)
{
	if (c->run[p].sampled)
		metrics_sample_out(c, p);
	if (c->run[p].checked)
		cpu_check_out(c, p);
}

/* c->run[p] after a write to pod p's phase, Deployment, start or loss. */
static inline void
pod_run_sync(struct cluster *c, uint32_t p)
{
	const struct cl_pod *pd = &c->pods[p];
	struct cl_pod_run *r = &c->run[p];
	if (r->sampled && (r->deploy != pd->deploy || r->started != pd->started ||
	    r->state != cl_pod_run_state(pd)))
		metrics_sample_out(c, p);
	r->deploy = pd->deploy;
	r->state = cl_pod_run_state(pd);
	r->started = pd->started;
}

/* c->deploy_rev[d] after a write to Deployment d's pods_rev or replicas. */
static inline void
deploy_rev_sync(struct cluster *c, uint32_t d)
{
	c->deploy_rev[d] = (struct cl_deploy_rev){ .pods_rev = c->deploys[d].pods_rev,
	    .replicas = c->deploys[d].replicas };
}

/* Whether c->deploy_rev[d] is Deployment d's (the invariants and
 * KS_HPA_MEMO_VERIFY). */
static inline bool
cl_deploy_rev_ok(const struct cluster *c, uint32_t d)
{
	return c->deploy_rev[d].pods_rev == c->deploys[d].pods_rev &&
	    c->deploy_rev[d].replicas == c->deploys[d].replicas;
}

#endif
