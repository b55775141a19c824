/*
 * probe_load.h - HTTP probes against a loaded pod (probe_load.c): the
 * kubelet's readiness or liveness GET waits in the pod's queue like any
 * request, so it fails when the pod's response time passes the probe's
 * timeoutSeconds; failureThreshold failures make the pod unready (it
 * leaves the endpoints until its queue drained and successThreshold probes
 * succeed) or, for liveness, get its container restarted.
 */
#ifndef KS_CLUSTER_PROBE_LOAD_H
#define KS_CLUSTER_PROBE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

struct cluster;
struct probe_load;

/* The smallest timeoutSeconds (validation's minimum): a pod answering
 * faster than this passes every probe. */
#define PL_MIN_TIMEOUT_S	1.0

/* reset(ctx, pod): the pod's queue is gone (drained while out of the
 * endpoints, or its container restarted). */
typedef void pl_reset_fn(void *ctx, uint32_t pod);

struct probe_load *pl_new(struct cluster *c, pl_reset_fn *reset, void *ctx);
void pl_free(struct probe_load *pl);

/* Whether some pod has failed probes not yet cleared: then every serving
 * pod reports, else only those slower than PL_MIN_TIMEOUT_S. */
bool pl_any(const struct probe_load *pl);

/*
 * Pod p serves with response time resp_s now (queueing + service, mean)
 * and its queue would take drain_s to empty with no new requests. Runs the
 * probes whose period came round since the pod's last report.
 */
void pl_seen(struct probe_load *pl, uint32_t p, double resp_s, double drain_s);

#endif
