/*
 * controllers.h - the controllers and node agents that run in the simulated
 * cluster, as one table (like kube-controller-manager's controller list):
 * the wiring (cluster.c) creates each in table order, which is also the
 * order their watchers hear a change, starts them in that order and frees
 * them in reverse. Each controller keeps its own state, reached through
 * c->ctl[its index]; the few calls one controller makes into another are
 * declared here, below the table.
 */
#ifndef KS_CLUSTER_CONTROLLERS_H
#define KS_CLUSTER_CONTROLLERS_H

#include "models/cluster/store.h"

struct cl_controller {
	const char	*name;
	/* Creates the state (returned; may be NULL) and registers watchers. */
	void		*(*create)(struct cluster *c);
	/* Schedules the periodic work (may be NULL). */
	void		 (*start)(struct cluster *c);
	/* Before the final records (may be NULL). */
	void		 (*finish)(struct cluster *c);
	void		 (*destroy)(struct cluster *c);
};

/* Indexes in cl_controllers[] (cluster.c), in table order. */
enum {
	CTL_ENDPOINTS,		/* endpoints.c */
	CTL_KUBELET,		/* kubelet.c */
	CTL_NODE_LIFECYCLE,	/* nodelifecycle.c */
	CTL_SCHEDULER,		/* scheduler.c */
	CTL_MACHINES,		/* machines.c: provisioning, failures, chaos */
	CTL_REPLICASET,		/* replicaset.c */
	CTL_STATEFULSET,	/* statefulset.c */
	CTL_DAEMONSET,		/* daemonset.c */
	CTL_JOB,		/* job.c: Jobs and CronJobs */
	CTL_BAREPOD,		/* barepod.c: bare Pods */
	CTL_PODTRACE,		/* podtrace.c: cluster trace replay */
	CTL_METRICS,		/* metrics.c: metrics-server */
	CTL_HORIZONTAL,		/* horizontal.c: HPA */
	CTL_VERTICAL,		/* vertical.c: VPA */
	CTL_QUEUES,		/* queues.c */
	CTL_CLUSTER_AUTOSCALER,	/* cluster_autoscaler.c */
	CTL_TRAFFIC,		/* traffic.c */
	CTL_CHAOS,		/* chaos.c: partitions, API outages, drains, ... */
	CTL_MEMORY,		/* memory.c: working sets, OOM kills, node-pressure eviction */
	CTL_N
};
extern const struct cl_controller *const cl_controllers[CTL_N];

extern const struct cl_controller endpoints_controller, kubelet_controller,
	nodelifecycle_controller, scheduler_controller, machines_controller,
	replicaset_controller, statefulset_controller, daemonset_controller,
	job_controller, barepod_controller, podtrace_controller, metrics_controller, horizontal_controller,
	vertical_controller, queues_controller, cluster_autoscaler_controller,
	traffic_controller, chaos_controller, memory_controller;

/* chaos.c: while the API server is down (an apiOutage) a controller's
 * write cannot happen. cl_api_defer re-arms handler fn(ctx, arg) for the
 * moment the API server returns (*timer, when not NULL, gets the new
 * handle) and returns true; it returns false when the API server is up. */
bool cl_api_defer(struct cluster *c, sim_handler *fn, void *ctx, uint64_t arg,
    sim_timer *timer);

/* chaos.c: the time the kubelet's pull of `image` for pod p takes when
 * it would take `d` without faults: longer while pulls of it are slow, and
 * while they fail the retries' back-off until the first one after the
 * failure window (ImagePullBackOff). */
sim_ns cl_image_pull(struct cluster *c, uint32_t p, const char *image, sim_ns d);

/* pinning.c: a shallow copy of a template with a required node affinity
 * added: to one node (matchFields metadata.name, replacing the terms, as a
 * DaemonSet pins its pods) or to one zone (ANDed with every term, as a
 * zonal volume's node affinity does). Freed with pin_free. */
struct k8s_pod_spec *pin_to_node(const struct k8s_pod_spec *base, const char *node);
struct k8s_pod_spec *pin_to_zone(const struct k8s_pod_spec *base, const char *zone);
void pin_free(struct k8s_pod_spec *spec);

/* daemonset.c: the pod template of each DaemonSet whose pod would run on
 * node (NodeShouldRunDaemonPod), for the Cluster Autoscaler's template
 * nodes (TemplateNodeInfo adds them). */
void daemonset_pods_for_node(struct cluster *c, const struct k8s_node_spec *node,
    void (*fn)(void *ctx, const struct k8s_pod_spec *pod), void *ctx);

/* daemonset.c: runs every DaemonSet's sync now (warm start). */
void daemonset_sync_now(struct cluster *c);

/* warmstart.c: the workloads' pods created, placed, Running and Ready at
 * t = 0 (after the controllers' start), when cl_set_warm_start asked. */
void warm_start(struct cluster *c);

/* problems.c: the `problems` records (pods never Ready, Services never
 * with endpoints), at the end of the run. */
void cl_problems_emit(struct cluster *c);

/* kubelet.c: a warm start's pod, bound, is Running (and Ready unless its
 * release misbehaves or probes decide) at once. */
void kubelet_warm_start(struct cluster *c, uint32_t pod);
/* The liveness probe failed failureThreshold times (probe_load.c): the
 * kubelet kills the container and restarts it (with the crash back-off). */
void kubelet_liveness_kill(struct cluster *c, uint32_t pod);

/* endpoints.c: an endpoints change of the pod is still propagating. */
bool endpoints_pending(struct cluster *c, uint32_t pod);

/* deployment.c: the timed Deployment changes (machines.c's chaos list):
 * a new template (a rollout), pause/resume, `kubectl rollout undo`; and
 * marking a Deployment for rollout rows and the general sync path. */
void deploy_rollout(struct cluster *c, uint32_t deploy, const struct cl_rollout_params *rp);
void deploy_pause(struct cluster *c, uint32_t deploy, bool paused);
void deploy_undo(struct cluster *c, uint32_t deploy, int64_t to_revision);
void deploy_track(struct cluster *c, uint32_t deploy);
/* deployment.c: the Deployment's newest ReplicaSet (NONE before the start),
 * whose pods a warm start creates. */
uint32_t deploy_newest_rs(struct cluster *c, uint32_t deploy);

/* scheduler.c: its cache (nodes and pods as the scheduler sees them) for
 * the Cluster Autoscaler's simulations, and the Services that default
 * topology spreading follows. */
struct sched *scheduler_cache(const struct cluster *c);
void scheduler_add_service(struct cluster *c, const struct k8s_service *s);
/* Places a pending pod now and binds it at once (no queue, no latency): on
 * node `on` as a pod created with spec.nodeName is (the scheduler is not
 * asked; its cache counts the pod), or with on NONE where the scheduler's
 * algorithm puts it (warm start); false when it fits nowhere (it stays in
 * the queue as any pod). */
bool scheduler_place_now(struct cluster *c, uint32_t pod, uint32_t on);
/* The node's index in the scheduler's cache. */
#define cl_sched_idx(node)	((int)(node))

/* cluster_autoscaler.c, for tests: how many of the inputs the Cluster
 * Autoscaler keeps between its loops (ca_usage.h, and its node groups'
 * counts) differ from their recomputation now; 0 when none is stale (and
 * when it does not run). */
size_t cl_ca_usage_stale(struct cluster *c);
/* For tests, before cl_start: the Cluster Autoscaler looks at every node at
 * every scale-down pass and places pods one by one, as the algorithm is
 * written, instead of looking at what changed (its decisions must be the
 * same). */
void cl_ca_set_reference(struct cluster *c, bool on);
/* For tests: a hash of the state the Cluster Autoscaler's decisions carry
 * from loop to loop (placement cursor, unneeded and recheck lists, each
 * node's recorded state, removal flags). */
uint64_t cl_ca_digest(struct cluster *c);

/* disruption.c: policy/v1 disruptionsAllowed of a PDB now, and whether it
 * selects a pod of that template. */
int32_t cl_pdb_allowed(struct cluster *c, const struct k8s_pdb *pdb);
bool cl_pdb_matches(const struct k8s_pdb *pdb, const struct k8s_pod_spec *spec);

/* podtrace.c: node id's GPU fragmentation now (GPUs; see podtrace.c), from
 * the node's allocation as the trace replay counted it. */
double podtrace_node_frag(const struct cluster *c, uint32_t node);

/* metrics.c: a pod's latest metrics-server sample. */
struct cl_pod_metrics {
	bool	has;
	int64_t	cpu_milli;	/* usage over the last window */
	int64_t	rps_milli;	/* Pods metric requests_per_second */
	sim_ns	at;		/* the sample's time */
};
const struct cl_pod_metrics *metrics_of(struct cluster *c, uint32_t pod);
/* metrics.c: whether every pod of Deployment d has the same sample as the
 * HPA reads it (has; cpu, rps and time when it has), *s, since the last
 * scrape; false when not known. Then *state_rev (unless NULL) is the
 * Deployment's pods_state_rev, without a read of the Deployment. */
bool metrics_uniform(const struct cluster *c, uint32_t d, struct cl_pod_metrics *s,
    uint64_t *state_rev);
/* Asks the cache for what metrics_uniform reads of Deployment d. */
void metrics_prefetch_uniform(const struct cluster *c, uint32_t d);
/* metrics.c: NULL when the pods whose samples their cohorts keep are
 * each kept by the cohort it is in, running, with its Deployment and
 * counts, and the cohorts count them; else what is wrong (to free). */
char *metrics_check(const struct cluster *c);

/* horizontal.c, vertical.c: how many autoscalers there are. */
size_t horizontal_count(const struct cluster *c);
/* horizontal.c: whether pods the replica calculator cannot tell apart go
 * to it as one entry with a count (the default) or one by one (on =
 * false: the reference the tests compare with). */
void horizontal_use_counts(struct cluster *c, bool on);
/* horizontal.c: whether a sync that reads what the HPA's last one did
 * takes that one's metric results (the default) or computes them again
 * (on = false: the reference the tests compare with); the syncs that took
 * them. */
void horizontal_use_memo(struct cluster *c, bool on);
uint64_t horizontal_memo_hits(const struct cluster *c);
/* horizontal.c: the syncs that took the memo without looking at the pods
 * (their Deployment's pods_rev unchanged); with verify on, each such sync
 * looks at them all the same, and counts in horizontal_memo_stale those
 * that were not what the memo says (a change pods_rev missed), as does
 * each walk that read only the samples of pods whose state had not
 * changed (pods_state_rev). */
uint64_t horizontal_memo_skips(const struct cluster *c);
void horizontal_verify_memo(struct cluster *c, bool on);
uint64_t horizontal_memo_stale(const struct cluster *c);
/* horizontal.c: whether a sync whose replicas and metric results are
 * those of the HPA's last reconcile, when that one was repeatable
 * (hpa_result.repeatable), skips the reconcile (the default) or runs it
 * (on = false: the reference); the syncs that skipped it. With verify on
 * (horizontal_verify_memo, set before the run starts) every HPA also keeps
 * a state that reconciles at every sync, and horizontal_repeat_stale
 * counts the syncs whose result or conditions differ from it. */
void horizontal_use_repeat(struct cluster *c, bool on);
uint64_t horizontal_repeats(const struct cluster *c);
uint64_t horizontal_repeat_stale(const struct cluster *c);
/* horizontal.c: with verify on, the HPAs whose quick check found their
 * Deployment's dense copy (c->deploy_rev) not the Deployment's. */
uint64_t horizontal_rev_stale(const struct cluster *c);
/* horizontal.c: walks that read no pod's sample, every pod of the
 * Deployment having the same (metrics_uniform): one key per run of pods of
 * one state class. */
uint64_t horizontal_uniform_walks(const struct cluster *c);
/* horizontal.c: of those, the syncs that took the entries of the HPA's
 * last such walk with the new sample and worked out its one cpu metric
 * from the pods' totals (hz_derive), which gave the last reconcile's
 * result again; with verify on each looks at the pods and computes the
 * metric all the same (a difference counts in horizontal_memo_stale). */
uint64_t horizontal_derived(const struct cluster *c);
size_t vertical_count(const struct cluster *c);
/* horizontal.c, vertical.c: the Deployment autoscaler i scales (whose pods'
 * samples it reads). */
uint32_t horizontal_target(const struct cluster *c, size_t i);
uint32_t vertical_target(const struct cluster *c, size_t i);

/* queues.c: the value (milli-units) of External metric `name` with
 * selector sel, or false when no queue answers to it. */
bool queue_external_metric(const struct cluster *c, const char *name,
    const struct k8s_selector *sel, int64_t *value_milli);

/* traffic.c: brings request-mode counts and CPU up to now (before
 * interval records), and each profile's latency held into its histogram.
 * Returns true when it leaves that flush to traffic_flush_profile(c, i),
 * to be called for every profile in order before its row reads the
 * histogram (without a mesh, which reads them all first): the interval's
 * histogram is then written and read while in the cache.
 * traffic_prefetch_profile asks the cache for what profile i's flush and
 * row read and write. */
bool traffic_sync(struct cluster *c);
/* Returns the histogram that holds profile i's interval now, its own or
 * (that one empty) a scratch one as it would be: the row reads and
 * empties it. */
struct hist *traffic_flush_profile(struct cluster *c, size_t i);
void traffic_prefetch_profile(const struct cluster *c, size_t i);
/* traffic.c: pod p's cpu time and served requests so far (c->use plus
 * what its fluid cohort has not yet brought in; a pass over many pods
 * reads both with traffic_use_flat), and its requests queued or in
 * service after the last fluid tick. */
double cl_pod_cpu_seconds(const struct cluster *c, uint32_t p);
double cl_pod_served(const struct cluster *c, uint32_t p);
/* traffic.c: whether evenly balanced fluid Services step cohorts of
 * identical pods (the default) or every pod (on = false, before cl_start:
 * the reference the tests compare cohorts with); profile i's number of
 * cohorts (0: it steps pods). */
void traffic_use_cohorts(struct cluster *c, bool on);
size_t traffic_cohorts(const struct cluster *c, size_t i);
/* traffic.c: profile i's ticks replayed so far (struct serve_replay). */
uint64_t traffic_replayed(const struct cluster *c, size_t i);
/* traffic_park.c: a Service whose ticks replay (steady traffic, nothing
 * changed) is parked out of the tick loop and its sums are brought up to
 * date when read, to the same bits (on by default; off: the reference the
 * tests compare with); profile i's ticks added that way so far. */
void traffic_use_parking(struct cluster *c, bool on);
/* traffic.c: each profile's latency flushed just before its interval row,
 * into a scratch histogram when its own is empty (traffic_sync; on by
 * default; off: all flushed first into their own, the reference the
 * tests compare with); the rows read from the scratch one so far. */
void traffic_use_flush_per_row(struct cluster *c, bool on);
uint64_t traffic_scratch_rows(const struct cluster *c);
uint64_t traffic_parked_ticks(const struct cluster *c, size_t i);
/* Every parked Service's sums brought up to the ticks served so far (the
 * readers of struct cl_profile's sums call it; the pod accessors above
 * and cl_serve_stats do it themselves). Only lazily kept sums change. */
void traffic_settle(const struct cluster *c);
/* traffic.c: request mode's requests of profile i queued or in service
 * now, and those abandoned so far (*abandoned); -1 in fluid mode or on the
 * mesh. */
int64_t traffic_in_system(const struct cluster *c, size_t i, uint64_t *abandoned);
/* traffic.c: the requests pod p holds now (queued and in service; fluid:
 * its backlog and busy slots), for the memory model (memory.c). */
double traffic_pod_in_flight(const struct cluster *c, uint32_t p);

/* kubelet.c: the kernel OOM-killed pod p's container (exit code 137): it
 * exits through the crash path (not Ready, restarted per restartPolicy
 * with the crash-loop back-off); memory.c has written the OOMKilled event. */
void kubelet_oom_kill(struct cluster *c, uint32_t p);

#endif
