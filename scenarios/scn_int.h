/*
 * scn_int.h - private interface between scenario.c (the scenario file),
 * values.c (durations, distributions, traffic, control-plane timings) and
 * override.c (--set). Not for use outside scenarios/.
 */
#ifndef KS_SCN_INT_H
#define KS_SCN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/scenario.h"
#include "sim/util/ytree.h"

/* A duration node: a Go duration ("30s", "1h30m"); with seconds_ok a plain
 * number of seconds is accepted too. Negative durations are errors. */
int scn_dur_node(const struct yt_node *n, bool seconds_ok, sim_ns *out,
    char **cause);
/* map[key] as a duration, dflt when absent. */
int scn_get_dur(const struct yt_node *map, const char *key, bool seconds_ok,
    sim_ns dflt, sim_ns *out, char **cause);
/* A distribution of durations in seconds: {dist: lognormal, median: 2s,
 * sigma: 0.5}, ..., or a bare duration meaning const. */
int scn_dist_node(const struct yt_node *n, struct sim_dist *out, char **cause);
int scn_get_dist(const struct yt_node *map, const char *key,
    const struct sim_dist *dflt, struct sim_dist *out, char **cause);
/* A service-time distribution: as scn_dist_node, or {dist: empirical, path:
 * CSV relative to dir, column, scale} whose samples s keeps. */
int scn_service_dist(const struct yt_node *n, const char *dir, struct scenario *s,
    struct sim_dist *out, char **cause);
/* burstiness: {kind: poisson} or {kind: mmpp, burstRate, burstLength,
 * burstEvery}; absent: Poisson. */
struct wl_burst;
int scn_burstiness(const struct yt_node *n, struct wl_burst *out, char **cause);
/* A traffic list (summed generators), files relative to dir. */
int scn_traffic(const struct yt_node *n, const char *dir,
    struct wl_traffic **out, char **cause);
/* Refuses traffic whose highest rate over [0, duration), times mult (a
 * burst level), is past WL_RATE_MAX, naming at. */
int scn_traffic_check_peak(const struct yt_node *at, const struct wl_traffic *t,
    double mult, sim_ns duration, char **cause);
/* controlPlane: {...} over the defaults. */
int scn_control_plane(const struct yt_node *n, struct scn_control_plane *cp,
    char **cause);

/* autoscaling.c: queues:, clusterAutoscaler: and the VPA cross-checks. */
int scn_queues(const struct yt_node *n, const char *dir, struct scenario *s,
    char **cause);
int scn_cluster_autoscaler(const struct yt_node *n, struct scenario *s, char **cause);
int scn_autoscaling_finish(struct scenario *s, char **cause);
void scn_autoscaling_free(struct scenario *s);

/* workloads_k8s.c: jobs:, startTime:, warmStart: and bare Pods as workloads, once the
 * manifests are read; and freeing what it made. */
int scn_workloads_finish(const struct yt_node *root, struct scenario *s, char **cause);
void scn_workloads_fini(struct scenario *s);

/* pod_trace.c: podTrace: (files relative to dir), into s->pod_trace. */
int scn_pod_trace(const struct yt_node *n, const char *dir, struct scenario *s,
    char **cause);

/* pools.c: one item of nodePools (s holds the pools read before it). */
struct ks_strmap;
int scn_pool(const struct yt_node *n, struct scenario *s, struct scn_pool *p,
    struct ks_strmap *names, char **cause);
void scn_pool_free(struct scn_pool *p);
/* nvidia.com/gpu of a known cloud accelerator instance type, or 0
 * (scenarios/pools.c). */
int64_t scn_instance_gpus(const char *type);
/* rollouts.c: the Deployment actions of failures.scheduled (rollout, pause,
 * resume, undo; c->kind and c->deployment already read) and the
 * failures.containers list. */
int scn_rollout_action(const struct yt_node *n, struct scenario *s, struct scn_chaos *c,
    char **cause);
int scn_container_failures(const struct yt_node *n, struct scenario *s, char **cause);
void scn_rollouts_free(struct scenario *s);
/* memory.c: a service's memory: block, a non-negative memory quantity
 * map[key] (left as it is when absent), and kubelet: (evictionHard,
 * evictionPressureTransitionPeriod). */
int scn_memory_block(const struct yt_node *n, struct scn_memory *m, char **cause);
int scn_memory_quantity(const struct yt_node *map, const char *key, int64_t *out,
    char **cause);
int scn_kubelet(const struct yt_node *n, struct scenario *s, char **cause);
void scn_kubelet_free(struct scenario *s);

/* A path relative to dir (absolute paths are kept); caller frees. */
char *scn_path_join(const char *dir, const char *path);

/* Applies the overrides to the scenario document; nodes it creates are kept
 * in *extra (freed with scn_override_free). */
struct scn_extra {
	struct yt_docs	*docs;
	size_t		 ndocs;
	struct yt_node	**nodes;
	size_t		 nnodes;
	char		**names;
	size_t		 nnames;
};
int scn_override_apply(struct yt_node *root, const struct scn_override *ov,
    size_t nov, struct scn_extra *extra, char **cause);
void scn_override_free(struct scn_extra *extra);

#endif
