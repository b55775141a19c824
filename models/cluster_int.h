/*
 * cluster_int.h - the cluster model's private structures, shared by its
 * files: cluster.c (build, nodes, failures, intervals), pods.c (pod
 * lifecycle, ReplicaSet controller, endpoints), schedq.c (scheduling queue
 * and binding), autoscale.c (metrics-server and HPA), autoscale_ca.c
 * (Cluster Autoscaler), serve.c (traffic).
 * Pods and nodes live in arrays indexed by id; per-node and per-deployment
 * pod lists are intrusive, so a lookup or a move never scans the cluster.
 */
#ifndef KS_CLUSTER_INT_H
#define KS_CLUSTER_INT_H

#include "models/ca.h"
#include "models/cluster.h"
#include "models/hpa.h"
#include "models/sched.h"
#include "models/serving.h"
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
	sim_ns			 billed_from;	/* cost accrues while provisioned */
	sim_ns			 down_since;
	struct k8s_node_spec	*spec;	/* own allocation: the scheduler keeps
					 * the pointer while nodes[] grows */
	uint32_t		 sched_idx;	/* index in the scheduler's node set */
	uint32_t		 first_pod;	/* intrusive list of bound pods */
	uint32_t		 npods;
	sim_timer		 fail_timer, repair_timer, grace_timer, evict_timer;
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
	uint32_t	 id;
	uint32_t	 gen;		/* incarnation of this slot */
	enum pod_phase	 phase;
	uint32_t	 deploy;
	uint32_t	 node;		/* NONE when unbound */
	uint32_t	 assumed;	/* node reserved by the scheduler until bound */
	int32_t		 sched_handle;	/* the scheduler's placement, or -1 */
	uint32_t	 node_prev, node_next;
	uint32_t	 dep_prev, dep_next;
	uint32_t	 ep_index;	/* position in its service's endpoints, or NONE */
	bool		 in_queue;	/* in the scheduler's queues */
	bool		 deleting;	/* deletionTimestamp set */
	bool		 lost;		/* its node failed: not serving */
	bool		 ready_cond;	/* the Ready condition */
	uint32_t	 sched_attempts;
	uint32_t	 nominated;	/* status.nominatedNodeName: node id + 1, 0 none */
	char		*name;
	sim_ns		 created, started, ready_changed;	/* started: containers running */
	sim_ns		 deleted_at;	/* deletionTimestamp, when deleting */
	sim_ns		 probe_origin;	/* when the kubelet's probe worker started */
	sim_timer	 timer;		/* the pending lifecycle step */
	sim_timer	 ep_timer;	/* the pending endpoints change */
	/* serving and usage */
	struct serving_pod sv;
	double		 cpu_seconds;	/* cumulative cpu time used */
	double		 cpu_at_scrape;	/* cpu_seconds at the last scrape */
	sim_ns		 scrape_at;	/* time of the last metrics sample, 0 none */
	int64_t		 metric_milli;	/* last sampled usage, millicores */
	bool		 has_metric;
	/* the template it was created from (the VPA gives new pods new
	 * requests) and its effective request (podutils.PodRequests) */
	const struct k8s_pod_spec *spec;
	int64_t		 req_cpu_milli, req_memory;
	/* requests completed by this pod (serve.c and request.c add them),
	 * and the Pods metric requests_per_second of the last scrape */
	double		 served;
	double		 served_at_scrape;
	int64_t		 rps_milli;
};

struct cl_deploy {
	const struct k8s_deployment *d;
	struct k8s_pod_spec	 spec;	/* template with the priority resolved */
	int32_t			 replicas;	/* spec.replicas, changed by the HPA */
	uint32_t		 first_pod;
	uint32_t		 npods;	/* not deleting */
	uint32_t		 service;	/* NONE if no Service selects it */
	uint32_t		 hpa;		/* NONE if none */
	const struct k8s_pod_spec *cur;	/* template of new pods (VPA); NULL: &spec */
	uint32_t		 name_seq;
	sim_timer		 sync_timer;
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

struct cl_hpa {
	const struct hpa_spec	*spec;
	uint32_t		 deploy;
	struct hpa_state	 state;
	int32_t			 last_desired;
};

/* One scheduler profile: a schedulerName and its configuration. */
struct cl_sched_profile {
	char			*name;
	struct sched_config	 cfg;
};

/* The scheduler's queues (activeQ ordered by priority then arrival,
 * backoff via timers, unschedulable until a cluster event or the flush). */
struct sq_entry {
	int32_t		 prio;
	uint64_t	 seq;
	uint32_t	 pod;
	uint32_t	 gen;
};

struct cluster {
	struct sim		*sim;
	uint64_t		 seed;
	struct cl_timings	 t;
	struct probe_sink	 probes;

	gsl_rng			*rng_cp;	/* control-plane latencies */
	gsl_rng			*rng_kubelet;	/* image pulls, starts, shutdowns */
	gsl_rng			*rng_sched;	/* scheduler tie-breaks */
	gsl_rng			*rng_fail;	/* failures and repairs */
	gsl_rng			*rng_provision;

	struct cl_pool		*pools;
	size_t			 npools, cappools;
	struct cl_node		*nodes;
	size_t			 nnodes, capnodes;
	struct cl_pod		*pods;
	size_t			 npods, cappods;
	uint32_t		 free_pods;	/* free list through node_next */
	struct cl_deploy	*deploys;
	size_t			 ndeploys, capdeploys;
	struct cl_service	*services;
	size_t			 nservices, capservices;
	struct cl_profile	*profiles;
	size_t			 nprofiles, capprofiles;
	struct serving_dist	*dists;		/* per profile, from serve_start */
	struct serve_state	*serve;		/* serve.c's own (request mode, LB) */
	struct cl_hpa		*hpas;
	size_t			 nhpas, caphpas;
	const struct k8s_pdb	**pdbs;
	size_t			 npdbs, cappdbs;
	const struct k8s_priority_class **pcs;
	size_t			 npcs, cappcs;
	struct cl_chaos_params	*chaos;
	size_t			 nchaos, capchaos;

	struct cl_vpas		*vpas;		/* autoscale_vpa.c; NULL: no VPA */
	struct cl_queues	*queues;	/* queue.c; NULL: no queue */

	struct sched		*sched;
	struct cl_sched_profile	*sprofiles;	/* KubeSchedulerConfiguration; none: default */
	size_t			 nsprofiles;
	size_t			 sprofile_cur;	/* the profile sched runs with */
	uint32_t		*handle_pod;	/* scheduler pod handle -> pod id */
	size_t			 caphandle;
	uint32_t		*nominated;	/* pods that may hold a nomination */
	size_t			 nnominated, capnominated;
	int32_t			*nom_tmp;	/* nominated pods placed for one cycle */
	size_t			 nnom_tmp, capnom_tmp;
	struct sched_preemption	 preempt;	/* scratch */
	struct ca_config	 ca_cfg;	/* Cluster Autoscaler flags */
	struct cas		*ca;		/* its state; NULL when not running */
	struct sq_entry		*activeq;	/* binary heap */
	size_t			 nactive, capactive;
	uint32_t		*unsched;	/* pod ids waiting for an event */
	size_t			 nunsched, capunsched;
	uint64_t		 sq_seq;
	bool			 sched_busy;

	/* counters */
	size_t			 pods_pending, pods_running, nodes_ready;
	double			 cost_usd;	/* accrued up to cost_at */
	sim_ns			 cost_at;
	double			 price_rate;	/* USD per second of all billed nodes */
	sim_ns			 last_interval;
	double			 cost_reported;	/* cost in earlier intervals */
};

/* cluster.c */
void cl_event(struct cluster *c, const char *kind, const char *object,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cl_cost_update(struct cluster *c);
/* A new node of the pool: Ready at once (initial) or after the pool's
 * provisioning delay. Returns its id. */
uint32_t node_create(struct cluster *c, uint32_t pool, bool initial);
/* Removes a node from the cluster: its remaining pods are deleted with it,
 * billing stops, the scheduler forgets it; the id is never reused. */
void node_delete(struct cluster *c, uint32_t node, const char *reason);

/* pods.c */
uint32_t pod_create(struct cluster *c, uint32_t deploy);
void pod_bind(struct cluster *c, uint32_t pod, uint32_t node);
void pod_delete(struct cluster *c, uint32_t pod, const char *reason);
void pod_node_lost(struct cluster *c, uint32_t pod);
void pod_node_back(struct cluster *c, uint32_t pod);
void pod_set_ready(struct cluster *c, uint32_t pod, bool ready);
void pod_free(struct cluster *c, uint32_t pod);
void deploy_sync_soon(struct cluster *c, uint32_t deploy);
/* The template a new pod of deploy gets. */
const struct k8s_pod_spec *deploy_template(const struct cluster *c, uint32_t deploy);
uint32_t deploy_ready(const struct cluster *c, uint32_t deploy);

/* schedq.c */
void sq_init(struct cluster *c);
void sq_fini(struct cluster *c);
void sq_add(struct cluster *c, uint32_t pod);
void sq_cluster_event(struct cluster *c);
uint32_t sq_add_node(struct cluster *c, uint32_t node);
void sq_node_changed(struct cluster *c, uint32_t node);

/* autoscale.c */
void hpa_start(struct cluster *c);
void metrics_start(struct cluster *c);

/* autoscale_ca.c */
void cas_start(struct cluster *c);
void cas_free(struct cluster *c);
/* policy/v1 disruptionsAllowed of a PDB now. */
int32_t cl_pdb_allowed(struct cluster *c, const struct k8s_pdb *pdb);
bool cl_pdb_matches(const struct k8s_pdb *pdb, const struct k8s_pod_spec *spec);

/* autoscale_vpa.c: the VPA recommender, admission and updater. */
void vpas_start(struct cluster *c);
void vpas_free(struct cluster *c);

/* queue.c: queue workloads and their External metric. */
void queues_start(struct cluster *c);
void queues_finish(struct cluster *c);
void queues_free(struct cluster *c);
/* The value (milli-units) of External metric `name` with selector sel, or
 * false when no queue answers to it. */
bool queue_external_metric(const struct cluster *c, const char *name,
    const struct k8s_selector *sel, int64_t *value_milli);

/* A pod's memory use is not modelled from load: it is a fixed share of
 * the request of the Deployment's own template (the application's, not
 * what a VPA later sets). Documented in the README as a limitation. */
#define CL_MEMORY_USE_OF_REQUEST 0.5

/* serve.c */
void serve_start(struct cluster *c);
void serve_pod_gone(struct cluster *c, uint32_t pod);
void serve_free(struct cluster *c);
/* Brings request-mode counts and CPU up to now (before interval records). */
void serve_sync(struct cluster *c);
/* Request mode: requests of profile i queued or in service now, and those
 * abandoned so far (*abandoned); -1 in fluid mode or on the mesh. */
int64_t serve_in_system(const struct cluster *c, size_t i, uint64_t *abandoned);

#endif
