/*
 * hpa_case.h - the case files of `kubesim hpa-eval`: one HPA sync written
 * as the objects Kubernetes would show (an autoscaling/v2 HPA, v1 Pods,
 * metrics.k8s.io PodMetrics, custom and external metric values, the
 * controller's history), parsed into the inputs of hpa_reconcile. The
 * format is documented in hpa_case.c and docs/hpa-eval.md.
 */
#ifndef KS_HPA_CASE_H
#define KS_HPA_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hpa/hpa.h"
#include "models/api/k8s.h"
#include "scenarios/scenario.h"
#include "sim/engine/engine.h"
#include "sim/util/ytree.h"

/*
 * A parsed case. Times are sim_ns relative to the case's `now`, which is
 * sim time 0 (times more than 50 years before `now`, such as Go's zero
 * time 0001-01-01T00:00:00Z, become HPA_TIME_ZERO). Everything in `in`
 * and `spec` points into the case, which owns it all (including the YAML
 * tree, whose strings the pods and samples name).
 */
struct hpa_case {
	char			*path;
	int64_t			 now_unix;	/* `now`: seconds since 1970 (UTC) */
	int32_t			 now_nsec;
	struct hpa_config	 cfg;		/* Kubernetes' defaults + `controller` */
	struct scn_feature_gates gates;		/* `featureGates` (the API server's) */
	struct hpa_spec		 spec;		/* defaulted as the API server does */
	struct hpa_state	 state;		/* `history` */
	struct hpa_input	 in;		/* ready for hpa_reconcile(&cfg, &in, &state, ...) */
	char			*scale_kind;	/* `scale.kind` ("Deployment") */
	char			*scale_name;

	/* Storage `in` points into. */
	struct yt_docs		 docs;
	struct hpa_pod		*pods;
	struct k8s_pod_spec	*pod_specs;	/* parallel to pods */
	size_t			 npods, cappods;
	struct hpa_pod_sample	*samples;
	size_t			 nsamples;
	struct hpa_metric_input	*metric_inputs;	/* one per spec metric */
	void			**owned;	/* other arrays, freed with the case */
	size_t			 nowned, capowned;
};

/* Parses and checks the case file at path. On bad input returns -1 and
 * *cause (caller frees) is "file:line:col: what was expected". The case
 * is freed with hpa_case_free. */
int hpa_case_load(const char *path, struct hpa_case **out, char **cause);
/* The same from a string (name is used in messages). */
int hpa_case_parse(const char *name, const char *text, size_t len,
    struct hpa_case **out, char **cause);
void hpa_case_free(struct hpa_case *c);

/*
 * An RFC 3339 time ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.5+02:00")
 * as metav1.Time accepts it: seconds since 1970-01-01T00:00:00Z and the
 * nanoseconds. Returns 0, or -1 with *why (static text) on a bad string.
 */
int hpa_case_rfc3339(const char *s, int64_t *unix_s, int32_t *nsec,
    const char **why);

#endif
