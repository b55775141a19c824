/*
 * hpa_case.c - parses a `kubesim hpa-eval` case file (one HPA sync) into
 * the hpa_config, hpa_spec, hpa_state and hpa_input of models/hpa/hpa.h. The
 * objects are read as Kubernetes writes them; every unknown field and every
 * bad value is reported as file:line:col with what was expected.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/hpa_case.h"
#include "scenarios/manifest.h"
#include "scenarios/scenario.h"
#include "sim/util/util.h"

/*
 * The case format (docs/hpa-eval.md has a full example):
 *
 *   description: free text                      (optional, ignored)
 *   now: 2024-05-01T12:00:00Z                   RFC 3339; the time of the sync
 *   featureGates:                               (optional) gates, as --feature-gates:
 *     HPAScaleToZero: false                     minReplicas 0 allowed (alpha, off)
 *     PodLevelResources: true                   = controller.podLevelResources
 *     HPAConfigurableTolerance: true            = controller.configurableTolerance
 *   controller:                                 kube-controller-manager flags,
 *     tolerance: 0.1                            Kubernetes' defaults when absent
 *     cpuInitializationPeriod: 5m
 *     initialReadinessDelay: 30s
 *     downscaleStabilization: 5m
 *     scaleUpLimitFactor: 2                     (legacy path, no spec.behavior)
 *     scaleUpLimitMinimum: 4
 *     configurableTolerance: true               (HPAConfigurableTolerance gate)
 *     podLevelResources: true                   (PodLevelResources gate)
 *   hpa: <autoscaling/v2 HorizontalPodAutoscaler>
 *   scale:                                      the target's scale subresource
 *     kind: Deployment                          (default Deployment)
 *     name: web                                 must be the HPA's scaleTargetRef
 *     specReplicas: 3
 *     statusReplicas: 3                         (default specReplicas)
 *     selector: <LabelSelector>                 (optional: filters the pods)
 *   pods: [<v1 Pod>...]                         or a v1 List / PodList; pods of
 *                                               another namespace are left out
 *   podMetrics: [<metrics.k8s.io/v1beta1 PodMetrics>...]   or a PodMetricsList;
 *                                               timestamp defaults to now,
 *                                               window to 30s
 *   customMetrics:
 *     pods: {METRIC: {POD: quantity, ...}}      Pods metrics, per pod
 *     object: {METRIC: quantity}                Object metrics
 *     external: {METRIC: [quantity, ...]}       External metrics: the samples
 *   history:                                    the controller's memory
 *     recommendations: [{replicas: 4, timestamp: T}...]   absent: none kept
 *     scaleUpEvents: [{replicaChange: 2, timestamp: T, outdated: false}...]
 *     scaleDownEvents: [...]
 *
 * A metric the case gives no values for is one the metrics API did not
 * return. Times are relative to `now` (sim time 0).
 */

/* Older than this before `now`: the zero time (nothing is that old in an
 * HPA window). Later than this after `now`: an error. */
#define FAR_S	(50LL * 366 * 86400)

static const char *const f_case[] = {
	"description", "now", "featureGates", "controller", "hpa", "scale", "pods",
	"podMetrics", "customMetrics", "history", NULL,
};
static const char *const f_controller[] = {
	"tolerance", "cpuInitializationPeriod", "initialReadinessDelay",
	"downscaleStabilization", "scaleUpLimitFactor", "scaleUpLimitMinimum",
	"configurableTolerance", "podLevelResources", NULL,
};
static const char *const f_scale[] = {
	"kind", "name", "specReplicas", "statusReplicas", "selector", NULL,
};
/* core/v1 PodStatus and PodCondition. */
static const char *const f_pod_status[] = {
	"phase", "conditions", "message", "reason", "nominatedNodeName",
	"hostIP", "hostIPs", "podIP", "podIPs", "startTime",
	"initContainerStatuses", "containerStatuses", "qosClass",
	"ephemeralContainerStatuses", "resize", "resourceClaimStatuses",
	"observedGeneration", "extendedResourceClaimStatus", NULL,
};
static const char *const f_pod_condition[] = {
	"type", "status", "lastProbeTime", "lastTransitionTime", "reason",
	"message", "observedGeneration", NULL,
};
static const char *const f_pod_metrics[] = {
	"apiVersion", "kind", "metadata", "timestamp", "window", "containers", NULL,
};
static const char *const f_container_metrics[] = { "name", "usage", NULL };
static const char *const f_custom[] = { "pods", "object", "external", NULL };
static const char *const f_history[] = {
	"recommendations", "scaleUpEvents", "scaleDownEvents", NULL,
};
static const char *const f_rec[] = { "replicas", "timestamp", NULL };
static const char *const f_event[] = { "replicaChange", "timestamp", "outdated", NULL };

/* ---- RFC 3339 times --------------------------------------------------- */

static int
digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
hpa_case_rfc3339(const char *s, int64_t *unix_s, int32_t *nsec, const char **why)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	if (strlen(s) < 20 || digits(s, 4, &y) < 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0 ||
	    s[10] != 'T' || digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) < 0 || s[16] != ':' || digits(s + 17, 2, &se) < 0) {
		*why = "expected YYYY-MM-DDTHH:MM:SS with Z or an offset, such as "
		    "2024-05-01T12:00:00Z";
		return -1;
	}
	const char *p = s + 19;
	int32_t ns = 0;
	if (*p == '.') {
		int nd = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 9)
				ns = ns * 10 + (*p - '0');
		if (nd == 0) {
			*why = "expected digits after the decimal point";
			return -1;
		}
		for (; nd < 9; nd++)
			ns *= 10;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' || digits(p + 4, 2, &om) < 0) {
			*why = "expected a time zone offset such as +02:00";
			return -1;
		}
		if (oh > 23 || om > 59) {
			*why = "time zone offset out of range";
			return -1;
		}
		p += 6;
	} else {
		*why = "expected Z or an offset such as +02:00 after the time of day";
		return -1;
	}
	if (*p != '\0') {
		*why = "unexpected text after the time";
		return -1;
	}
	if (mo < 1 || mo > 12)
		*why = "month out of range";
	else if (d < 1 || d > ks_days_in_month(y, mo))
		*why = "day out of range";
	else if (h > 23)
		*why = "hour out of range";
	else if (mi > 59)
		*why = "minute out of range";
	else if (se > 59)
		*why = "second out of range";
	else {
		*unix_s = ks_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
		    sign * (oh * 3600 + om * 60);
		*nsec = ns;
		return 0;
	}
	return -1;
}

/* A time node as sim_ns relative to the case's now. */
static int
case_time(const struct hpa_case *c, const struct yt_node *n, sim_ns *out,
    char **cause)
{
	if (n->kind != YT_SCALAR || yt_is_null(n)) {
		*cause = yt_errorf(n, "expected an RFC 3339 time such as "
		    "2024-05-01T12:00:00Z");
		return -1;
	}
	int64_t s;
	int32_t ns;
	const char *why;
	if (hpa_case_rfc3339(n->str, &s, &ns, &why) < 0) {
		*cause = yt_errorf(n, "invalid RFC 3339 time '%s': %s", n->str, why);
		return -1;
	}
	int64_t ds = s - c->now_unix;
	if (ds < -FAR_S) {
		*out = HPA_TIME_ZERO;
		return 0;
	}
	if (ds > FAR_S) {
		*cause = yt_errorf(n, "time '%s' is more than 50 years after now", n->str);
		return -1;
	}
	*out = ds * SIM_SEC + (ns - c->now_nsec);
	return 0;
}

/* ---- small readers ------------------------------------------------------ */

static void *
own(struct hpa_case *c, void *p)
{
	KS_GROW(c->owned, c->capowned, c->nowned + 1);
	c->owned[c->nowned++] = p;
	return p;
}

static bool
absent(const struct yt_node *n)
{
	return n == NULL || yt_is_null(n);
}

static int
need_map(const struct yt_node *n, const char *what, char **cause)
{
	if (n->kind == YT_MAP)
		return 0;
	*cause = yt_errorf(n, "expected a mapping for %s", what);
	return -1;
}

static int
need_seq(const struct yt_node *n, const char *what, char **cause)
{
	if (n->kind == YT_SEQ)
		return 0;
	*cause = yt_errorf(n, "expected a list for %s", what);
	return -1;
}

/* A required non-empty scalar string. */
static int
req_string(const struct yt_node *map, const char *key, const char *what,
    const struct yt_node **node, char **cause)
{
	const struct yt_node *n = yt_get(map, key);
	if (absent(n)) {
		*cause = yt_errorf(map, "%s needs %s", what, key);
		return -1;
	}
	if (n->kind != YT_SCALAR || n->str[0] == '\0') {
		*cause = yt_errorf(n, "expected a non-empty string for %s", key);
		return -1;
	}
	*node = n;
	return 0;
}

/* A non-negative Go duration ("30s", "5m", "1h30m"). */
static int
get_duration(const struct yt_node *map, const char *key, sim_ns *out, char **cause)
{
	const struct yt_node *n = yt_get(map, key);
	if (absent(n))
		return 0;
	sim_ns v;
	if (n->kind != YT_SCALAR || scn_duration(n->str, &v) < 0) {
		*cause = yt_errorf(n, "invalid duration '%s' for %s (expected a Go "
		    "duration such as 30s, 5m or 1h30m)", n->kind == YT_SCALAR ?
		    n->str : "", key);
		return -1;
	}
	if (v < 0) {
		*cause = yt_errorf(n, "%s must not be negative", key);
		return -1;
	}
	*out = v;
	return 0;
}

static int
get_nonneg(const struct yt_node *map, const char *key, double *v, char **cause)
{
	if (yt_get_double(map, key, *v, v, cause) < 0)
		return -1;
	if (!isfinite(*v) || *v < 0) {
		*cause = yt_errorf(yt_get(map, key), "%s must be a number greater than "
		    "or equal to 0", key);
		return -1;
	}
	return 0;
}

/* apiVersion and kind, when given, must be the expected ones. */
static int
check_type(const struct yt_node *obj, const char *api, const char *kind,
    const char *kind2, char **cause)
{
	const char *a, *k;
	if (yt_get_string(obj, "apiVersion", &a, cause) < 0 ||
	    yt_get_string(obj, "kind", &k, cause) < 0)
		return -1;
	if (k != NULL && strcmp(k, kind) != 0 && (kind2 == NULL || strcmp(k, kind2) != 0)) {
		*cause = yt_errorf(yt_get(obj, "kind"), "expected kind %s, found '%s'",
		    kind, k);
		return -1;
	}
	if (a != NULL && api != NULL && strcmp(a, api) != 0) {
		*cause = yt_errorf(yt_get(obj, "apiVersion"), "expected apiVersion %s "
		    "for %s, found '%s'", api, k != NULL ? k : kind, a);
		return -1;
	}
	return 0;
}

/* A list of objects: a YAML list, or a List object with items. *out is
 * NULL when there are none. */
static int
object_list(const struct yt_node *n, const char *what, const char *api,
    const char *list_kind, const struct yt_node **out, char **cause)
{
	*out = NULL;
	if (absent(n))
		return 0;
	if (n->kind == YT_SEQ) {
		*out = n;
		return 0;
	}
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected a list of objects for %s (or a %s "
		    "with items)", what, list_kind);
		return -1;
	}
	if (yt_check_keys(n, list_kind, scn_f_list, cause) < 0 ||
	    check_type(n, api, list_kind, "List", cause) < 0)
		return -1;
	const struct yt_node *items = yt_get(n, "items");
	if (absent(items))
		return 0;
	if (need_seq(items, "items", cause) < 0)
		return -1;
	*out = items;
	return 0;
}

/* ---- controller, hpa, scale --------------------------------------------- */

static int
controller(const struct yt_node *n, struct hpa_config *cfg, char **cause)
{
	hpa_config_default(cfg);
	if (absent(n))
		return 0;
	if (need_map(n, "controller", cause) < 0 ||
	    yt_check_keys(n, "controller", f_controller, cause) < 0 ||
	    get_nonneg(n, "tolerance", &cfg->tolerance, cause) < 0 ||
	    get_duration(n, "cpuInitializationPeriod", &cfg->cpu_init_period, cause) < 0 ||
	    get_duration(n, "initialReadinessDelay", &cfg->initial_readiness_delay,
	    cause) < 0 ||
	    get_duration(n, "downscaleStabilization", &cfg->downscale_stabilization,
	    cause) < 0 ||
	    get_nonneg(n, "scaleUpLimitFactor", &cfg->scale_up_limit_factor, cause) < 0 ||
	    get_nonneg(n, "scaleUpLimitMinimum", &cfg->scale_up_limit_minimum, cause) < 0 ||
	    yt_get_bool(n, "configurableTolerance", cfg->configurable_tolerance,
	    &cfg->configurable_tolerance, cause) < 0 ||
	    yt_get_bool(n, "podLevelResources", cfg->pod_level_resources,
	    &cfg->pod_level_resources, cause) < 0)
		return -1;
	return 0;
}

/* featureGates: HPAScaleToZero for the HPA's validation; the controller's
 * gates set the same switches as `controller:` (the gate wins). */
static int
gates(struct hpa_case *c, const struct yt_node *n, char **cause)
{
	static const char *const extra[] = { "PodLevelResources",
		"HPAConfigurableTolerance", NULL };
	if (scn_feature_gates(n, extra, &c->gates, cause) < 0)
		return -1;
	if (absent(n))
		return 0;
	if (yt_get_bool(n, "PodLevelResources", c->cfg.pod_level_resources,
	    &c->cfg.pod_level_resources, cause) < 0 ||
	    yt_get_bool(n, "HPAConfigurableTolerance", c->cfg.configurable_tolerance,
	    &c->cfg.configurable_tolerance, cause) < 0)
		return -1;
	return 0;
}

/* The HPA through the scenario layer's manifest reader (so an HPA reads
 * the same here as in a scenario), then moved into the case. */
static int
hpa(struct hpa_case *c, const struct yt_node *root, const struct yt_node *n,
    char **cause)
{
	if (absent(n)) {
		*cause = yt_errorf(root, "a case needs hpa: an autoscaling/v2 "
		    "HorizontalPodAutoscaler");
		return -1;
	}
	if (need_map(n, "hpa (an autoscaling/v2 HorizontalPodAutoscaler)", cause) < 0)
		return -1;
	const char *kind;
	if (yt_get_string(n, "kind", &kind, cause) < 0)
		return -1;
	if (kind != NULL && strcmp(kind, "HorizontalPodAutoscaler") != 0) {
		*cause = yt_errorf(yt_get(n, "kind"), "hpa must be a "
		    "HorizontalPodAutoscaler, found kind '%s'", kind);
		return -1;
	}
	struct scenario *s = xcalloc(1, sizeof *s);
	s->gates = c->gates;
	struct scn_mf m;
	scn_mf_init(&m, s);
	int rc = scn_mf_add(&m, n, cause);
	scn_mf_fini(&m);
	if (rc == 0 && s->nhpas != 1) {
		/* scn_mf_add skips an object of a group it does not serve as a
		 * custom resource: here that is an error */
		const char *api = NULL;
		(void)yt_get_string(n, "apiVersion", &api, cause);
		*cause = yt_errorf(yt_get(n, "apiVersion") ? yt_get(n, "apiVersion") : n,
		    "hpa: apiVersion '%s' is not one Kubernetes serves HorizontalPodAutoscaler "
		    "in (autoscaling/v2 or autoscaling/v1)", api ? api : "");
		rc = -1;
	}
	if (rc == 0) {
		c->spec = s->hpas[0];
		s->nhpas = 0;
	}
	scn_free(s);
	return rc;
}

static int
scale(struct hpa_case *c, const struct yt_node *root, const struct yt_node *n,
    struct k8s_selector *sel, char **cause)
{
	if (absent(n)) {
		*cause = yt_errorf(root, "a case needs scale: the target's kind, name, "
		    "specReplicas and statusReplicas");
		return -1;
	}
	const struct yt_node *nn;
	if (need_map(n, "scale", cause) < 0 ||
	    yt_check_keys(n, "scale", f_scale, cause) < 0 ||
	    scn_get_strdup(n, "kind", &c->scale_kind, cause) < 0 ||
	    req_string(n, "name", "scale", &nn, cause) < 0)
		return -1;
	c->scale_name = xstrdup(nn->str);
	if (c->scale_kind == NULL)
		c->scale_kind = xstrdup("Deployment");
	if (absent(yt_get(n, "specReplicas"))) {
		*cause = yt_errorf(n, "scale needs specReplicas");
		return -1;
	}
	if (scn_get_i32(n, "specReplicas", 0, 0, INT32_MAX, &c->in.spec_replicas,
	    cause) < 0 ||
	    scn_get_i32(n, "statusReplicas", c->in.spec_replicas, 0, INT32_MAX,
	    &c->in.status_replicas, cause) < 0 ||
	    scn_selector(yt_get(n, "selector"), "selector", sel, cause) < 0)
		return -1;
	return 0;
}

/* The HPA must scale the case's target. */
static int
check_target(const struct hpa_case *c, const struct yt_node *hpa_node,
    const struct yt_node *scale_node, char **cause)
{
	const struct hpa_spec *h = &c->spec;
	if (strcmp(h->target_kind, c->scale_kind) == 0 &&
	    strcmp(h->target_name, c->scale_name) == 0)
		return 0;
	const struct yt_node *ref = yt_get(yt_get(hpa_node, "spec"), "scaleTargetRef");
	const struct yt_node *at = yt_get(ref, strcmp(h->target_name, c->scale_name) != 0 ?
	    "name" : "kind");
	char where[512];
	*cause = yt_errorf(at != NULL ? at : hpa_node, "HorizontalPodAutoscaler '%s' "
	    "targets %s '%s', which is not in this case (scale at %s is %s '%s')",
	    h->name, h->target_kind, h->target_name,
	    yt_where(scale_node, where, sizeof where), c->scale_kind, c->scale_name);
	return -1;
}

/* ---- pods ------------------------------------------------------------- */

static int
pod_status(const struct hpa_case *c, const struct yt_node *n, struct hpa_pod *p,
    char **cause)
{
	static const char *const phases[] = { "Pending", "Running", "Succeeded",
		"Failed", "Unknown", NULL };
	static const enum hpa_pod_phase pv[] = { HPA_POD_PENDING, HPA_POD_RUNNING,
		HPA_POD_SUCCEEDED, HPA_POD_FAILED, HPA_POD_UNKNOWN };
	p->phase = HPA_POD_PENDING;
	p->ready = HPA_READY_NONE;
	p->ready_since = HPA_TIME_ZERO;
	if (absent(n))
		return 0;
	if (need_map(n, "status", cause) < 0 ||
	    yt_check_keys(n, "PodStatus", f_pod_status, cause) < 0)
		return -1;
	const char *ph;
	if (yt_get_string(n, "phase", &ph, cause) < 0)
		return -1;
	if (ph != NULL) {
		int k;
		for (k = 0; phases[k] != NULL && strcmp(phases[k], ph) != 0; k++)
			;
		if (phases[k] == NULL) {
			const char *near = ks_nearest(ph, phases);
			*cause = yt_errorf(yt_get(n, "phase"), "unknown pod phase '%s' (%s%s%s)",
			    ph, near ? "did you mean '" : "expected Pending, Running, "
			    "Succeeded, Failed or Unknown", near ? near : "", near ? "'?" : "");
			return -1;
		}
		p->phase = pv[k];
	}
	const struct yt_node *st = yt_get(n, "startTime");
	if (!absent(st)) {
		if (case_time(c, st, &p->start, cause) < 0)
			return -1;
		p->has_start = true;
	}
	const struct yt_node *cs = yt_get(n, "conditions");
	if (absent(cs))
		return 0;
	if (need_seq(cs, "conditions", cause) < 0)
		return -1;
	bool seen = false;
	for (size_t i = 0; i < cs->n; i++) {
		const struct yt_node *cn = cs->items[i], *tn;
		if (need_map(cn, "a pod condition", cause) < 0 ||
		    yt_check_keys(cn, "PodCondition", f_pod_condition, cause) < 0 ||
		    req_string(cn, "type", "a pod condition", &tn, cause) < 0)
			return -1;
		const struct yt_node *sn;
		if (req_string(cn, "status", "a pod condition", &sn, cause) < 0)
			return -1;
		if (strcmp(sn->str, "True") != 0 && strcmp(sn->str, "False") != 0 &&
		    strcmp(sn->str, "Unknown") != 0) {
			*cause = yt_errorf(sn, "a condition status must be True, False or "
			    "Unknown, found '%s'", sn->str);
			return -1;
		}
		const struct yt_node *lt = yt_get(cn, "lastTransitionTime");
		sim_ns since = HPA_TIME_ZERO;
		if (!absent(lt) && case_time(c, lt, &since, cause) < 0)
			return -1;
		const struct yt_node *lp = yt_get(cn, "lastProbeTime");
		sim_ns probe;
		if (!absent(lp) && case_time(c, lp, &probe, cause) < 0)
			return -1;
		if (strcmp(tn->str, "Ready") != 0 || seen)
			continue;	/* GetPodCondition: the first Ready condition */
		seen = true;
		p->ready = strcmp(sn->str, "True") == 0 ? HPA_READY_TRUE :
		    strcmp(sn->str, "False") == 0 ? HPA_READY_FALSE : HPA_READY_UNKNOWN;
		p->ready_since = since;
	}
	return 0;
}

/* One v1 Pod into p and ps; *ns_node is its namespace node (or NULL). */
static int
pod(const struct hpa_case *c, const struct yt_node *n, struct hpa_pod *p,
    struct k8s_pod_spec *ps, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected a v1 Pod");
		return -1;
	}
	if (check_type(n, "v1", "Pod", NULL, cause) < 0 ||
	    yt_check_keys(n, "Pod", scn_f_object, cause) < 0)
		return -1;
	const struct yt_node *meta = yt_get(n, "metadata"), *nn;
	if (absent(meta)) {
		*cause = yt_errorf(n, "a Pod needs metadata with a name");
		return -1;
	}
	if (need_map(meta, "metadata", cause) < 0 ||
	    yt_check_keys(meta, "metadata", scn_f_object_meta, cause) < 0 ||
	    req_string(meta, "name", "a Pod's metadata", &nn, cause) < 0 ||
	    scn_get_strdup(meta, "namespace", &ps->namespace, cause) < 0 ||
	    scn_labels(yt_get(meta, "labels"), "labels", &ps->labels, cause) < 0)
		return -1;
	p->name = nn->str;
	ps->name = xstrdup(nn->str);
	if (ps->namespace == NULL)
		ps->namespace = xstrdup("default");
	const struct yt_node *dt = yt_get(meta, "deletionTimestamp");
	sim_ns when;
	if (!absent(dt)) {
		if (case_time(c, dt, &when, cause) < 0)
			return -1;
		p->deleting = true;
	}
	const struct yt_node *spec = yt_get(n, "spec");
	if (absent(spec)) {
		*cause = yt_errorf(n, "Pod '%s' needs a spec with its containers", p->name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "Pod '%s'", p->name);
	if (scn_pod_spec(spec, what, ps, cause) < 0)
		return -1;
	/* Pod-level requests (PodLevelResources), read by scn_pod_spec. */
	if (ps->pod_requests.has_cpu || ps->pod_requests.has_memory ||
	    ps->pod_requests.n_ext > 0)
		p->pod_requests = &ps->pod_requests;
	p->spec = ps;
	return pod_status(c, yt_get(n, "status"), p, cause);
}

static int
pods(struct hpa_case *c, const struct yt_node *n, const struct k8s_selector *sel,
    char **cause)
{
	const struct yt_node *items;
	if (object_list(n, "pods", "v1", "PodList", &items, cause) < 0)
		return -1;
	if (items == NULL)
		return 0;
	c->cappods = items->n;
	c->pods = xcalloc(items->n + 1, sizeof *c->pods);
	c->pod_specs = xcalloc(items->n + 1, sizeof *c->pod_specs);
	for (size_t i = 0; i < items->n; i++) {
		size_t k = c->npods;
		struct hpa_pod *p = &c->pods[k];
		struct k8s_pod_spec *ps = &c->pod_specs[k];
		if (pod(c, items->items[i], p, ps, cause) < 0)
			return -1;
		/* The pod lister: the HPA's namespace, the scale's selector. */
		if (strcmp(ps->namespace, c->spec.namespace) != 0 ||
		    (sel->set && !k8s_selector_matches(sel, &ps->labels))) {
			k8s_pod_spec_free(ps);
			memset(p, 0, sizeof *p);
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			if (strcmp(c->pods[j].name, p->name) == 0) {
				*cause = yt_errorf(yt_get(yt_get(items->items[i], "metadata"),
				    "name"), "duplicate Pod '%s'", p->name);
				return -1;
			}
		}
		c->npods++;
	}
	return 0;
}

/* ---- metrics ---------------------------------------------------------- */

static int
container_usage(const struct yt_node *cs, struct hpa_case *c,
    struct hpa_pod_sample *s, char **cause)
{
	if (absent(cs))
		return 0;
	if (need_seq(cs, "containers", cause) < 0)
		return -1;
	struct hpa_container_usage *u = own(c, xcalloc(cs->n + 1, sizeof *u));
	s->containers = u;
	for (size_t i = 0; i < cs->n; i++) {
		const struct yt_node *cn = cs->items[i], *nn;
		if (need_map(cn, "a ContainerMetrics", cause) < 0 ||
		    yt_check_keys(cn, "ContainerMetrics", f_container_metrics, cause) < 0 ||
		    req_string(cn, "name", "a ContainerMetrics", &nn, cause) < 0)
			return -1;
		u[i].name = nn->str;
		s->ncontainers = i + 1;
		/* own() the extended names the resource list may copy */
		int rc = scn_resource_list(yt_get(cn, "usage"), "usage", &u[i].usage, cause);
		for (int e = 0; e < u[i].usage.n_ext; e++)
			own(c, u[i].usage.ext[e].name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
pod_metrics(struct hpa_case *c, const struct yt_node *n, char **cause)
{
	const struct yt_node *items;
	if (object_list(n, "podMetrics", "metrics.k8s.io/v1beta1", "PodMetricsList",
	    &items, cause) < 0)
		return -1;
	if (items == NULL)
		return 0;
	c->samples = xcalloc(items->n + 1, sizeof *c->samples);
	for (size_t i = 0; i < items->n; i++) {
		const struct yt_node *m = items->items[i], *meta, *nn;
		struct hpa_pod_sample *s = &c->samples[c->nsamples];
		if (need_map(m, "a PodMetrics", cause) < 0 ||
		    check_type(m, "metrics.k8s.io/v1beta1", "PodMetrics", NULL, cause) < 0 ||
		    yt_check_keys(m, "PodMetrics", f_pod_metrics, cause) < 0)
			return -1;
		meta = yt_get(m, "metadata");
		if (absent(meta)) {
			*cause = yt_errorf(m, "a PodMetrics needs metadata with the pod's name");
			return -1;
		}
		const char *ns;
		if (need_map(meta, "metadata", cause) < 0 ||
		    yt_check_keys(meta, "metadata", scn_f_object_meta, cause) < 0 ||
		    req_string(meta, "name", "a PodMetrics' metadata", &nn, cause) < 0 ||
		    yt_get_string(meta, "namespace", &ns, cause) < 0)
			return -1;
		s->pod = nn->str;
		s->timestamp = 0;
		s->window = 30 * SIM_SEC;
		const struct yt_node *ts = yt_get(m, "timestamp");
		if (!absent(ts) && case_time(c, ts, &s->timestamp, cause) < 0)
			return -1;
		if (get_duration(m, "window", &s->window, cause) < 0 ||
		    container_usage(yt_get(m, "containers"), c, s, cause) < 0)
			return -1;
		if (ns != NULL && strcmp(ns, c->spec.namespace) != 0)
			continue;	/* another namespace's pod */
		for (size_t j = 0; j < c->nsamples; j++) {
			if (strcmp(c->samples[j].pod, s->pod) == 0) {
				*cause = yt_errorf(nn, "duplicate PodMetrics for pod '%s'", s->pod);
				return -1;
			}
		}
		c->nsamples++;
	}
	return 0;
}

/* The spec metric names of one type, for suggestions. */
static const char **
metric_names(const struct hpa_spec *h, enum hpa_metric_type t)
{
	const char **v = xcalloc(h->nmetrics + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < h->nmetrics; i++)
		if (h->metrics[i].type == t && h->metrics[i].metric_name != NULL)
			v[k++] = h->metrics[i].metric_name;
	return v;
}

/* Values of one kind of metric: pods {POD: q}, object q, external [q...]. */
static int
metric_values(struct hpa_case *c, enum hpa_metric_type t, const struct yt_node *v,
    struct hpa_metric_input *mi, char **cause)
{
	if (t == HPA_OBJECT) {
		if (scn_quantity_node(v, -3, &mi->value_milli, cause) < 0)
			return -1;
		mi->has_value = true;
		return 0;
	}
	if (t == HPA_EXTERNAL) {
		size_t n = v->kind == YT_SEQ ? v->n : 1;
		int64_t *series = own(c, xcalloc(n + 1, sizeof *series));
		for (size_t i = 0; i < n; i++)
			if (scn_quantity_node(v->kind == YT_SEQ ? v->items[i] : v, -3,
			    &series[i], cause) < 0)
				return -1;
		mi->series_milli = series;
		mi->nseries = n;
		return 0;
	}
	if (need_map(v, "a Pods metric's values (pod name: quantity)", cause) < 0)
		return -1;
	struct hpa_pod_metric *pv = own(c, xcalloc(v->n + 1, sizeof *pv));
	for (size_t i = 0; i < v->n; i++) {
		pv[i].pod = v->keys[i]->str;
		pv[i].timestamp = 0;
		pv[i].window = 60 * SIM_SEC;
		if (scn_quantity_node(v->items[i], -3, &pv[i].value, cause) < 0)
			return -1;
	}
	mi->pod_values = pv;
	mi->npod_values = v->n;
	return 0;
}

static int
custom_metrics(struct hpa_case *c, const struct yt_node *n, char **cause)
{
	static const enum hpa_metric_type types[] = { HPA_PODS, HPA_OBJECT, HPA_EXTERNAL };
	static const char *const tnames[] = { "Pods", "Object", "External" };
	const struct hpa_spec *h = &c->spec;
	c->metric_inputs = xcalloc(h->nmetrics + 1, sizeof *c->metric_inputs);
	if (absent(n))
		return 0;
	if (need_map(n, "customMetrics", cause) < 0 ||
	    yt_check_keys(n, "customMetrics", f_custom, cause) < 0)
		return -1;
	for (int k = 0; k < 3; k++) {
		const struct yt_node *m = yt_get(n, f_custom[k]);
		if (absent(m))
			continue;
		if (need_map(m, f_custom[k], cause) < 0)
			return -1;
		for (size_t i = 0; i < m->n; i++) {
			const char *name = m->keys[i]->str;
			bool found = false;
			for (size_t j = 0; j < h->nmetrics; j++) {
				const struct hpa_metric_spec *ms = &h->metrics[j];
				if (ms->type != types[k] || ms->metric_name == NULL ||
				    strcmp(ms->metric_name, name) != 0)
					continue;
				found = true;
				if (metric_values(c, types[k], m->items[i],
				    &c->metric_inputs[j], cause) < 0)
					return -1;
			}
			if (found)
				continue;
			const char **names = metric_names(h, types[k]);
			const char *near = ks_nearest(name, names);
			*cause = near != NULL ? yt_errorf(m->keys[i], "the HPA has no %s "
			    "metric '%s' (did you mean '%s'?)", tnames[k], name, near) :
			    yt_errorf(m->keys[i], "the HPA has no %s metric '%s'",
			    tnames[k], name);
			free(names);
			return -1;
		}
	}
	return 0;
}

/* ---- history ------------------------------------------------------------ */

static int
events(struct hpa_case *c, const struct yt_node *n, bool up, char **cause)
{
	if (absent(n))
		return 0;
	if (need_seq(n, up ? "scaleUpEvents" : "scaleDownEvents", cause) < 0)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *e = n->items[i];
		int32_t change;
		bool outdated;
		sim_ns at;
		if (need_map(e, "a scale event", cause) < 0 ||
		    yt_check_keys(e, "scale event", f_event, cause) < 0)
			return -1;
		if (absent(yt_get(e, "replicaChange")) || absent(yt_get(e, "timestamp"))) {
			*cause = yt_errorf(e, "a scale event needs replicaChange and timestamp");
			return -1;
		}
		if (scn_get_i32(e, "replicaChange", 0, 1, INT32_MAX, &change, cause) < 0 ||
		    case_time(c, yt_get(e, "timestamp"), &at, cause) < 0 ||
		    yt_get_bool(e, "outdated", false, &outdated, cause) < 0)
			return -1;
		hpa_state_add_event(&c->state, up, change, at, outdated);
	}
	return 0;
}

static int
history(struct hpa_case *c, const struct yt_node *n, char **cause)
{
	if (absent(n))
		return 0;
	if (need_map(n, "history", cause) < 0 ||
	    yt_check_keys(n, "history", f_history, cause) < 0)
		return -1;
	const struct yt_node *rs = yt_get(n, "recommendations");
	if (!absent(rs)) {
		if (need_seq(rs, "recommendations", cause) < 0)
			return -1;
		c->state.has_recs = true;
		for (size_t i = 0; i < rs->n; i++) {
			const struct yt_node *r = rs->items[i];
			int32_t replicas;
			sim_ns at;
			if (need_map(r, "a recommendation", cause) < 0 ||
			    yt_check_keys(r, "recommendation", f_rec, cause) < 0)
				return -1;
			if (absent(yt_get(r, "replicas")) || absent(yt_get(r, "timestamp"))) {
				*cause = yt_errorf(r, "a recommendation needs replicas and "
				    "timestamp");
				return -1;
			}
			if (scn_get_i32(r, "replicas", 0, 0, INT32_MAX, &replicas, cause) < 0 ||
			    case_time(c, yt_get(r, "timestamp"), &at, cause) < 0)
				return -1;
			hpa_state_add_rec(&c->state, replicas, at);
		}
	}
	if (events(c, yt_get(n, "scaleUpEvents"), true, cause) < 0 ||
	    events(c, yt_get(n, "scaleDownEvents"), false, cause) < 0)
		return -1;
	return 0;
}

/* ---- the case ----------------------------------------------------------- */

static int
parse(struct hpa_case *c, char **cause)
{
	if (c->docs.ndocs == 0) {
		*cause = xasprintf("%s:1:1: empty case file (expected a mapping with "
		    "now, hpa, scale, pods, ...)", c->path);
		return -1;
	}
	if (c->docs.ndocs > 1) {
		*cause = yt_errorf(c->docs.docs[1], "a case file holds one YAML "
		    "document; this is a second one");
		return -1;
	}
	const struct yt_node *root = c->docs.docs[0];
	if (need_map(root, "an hpa-eval case", cause) < 0 ||
	    yt_check_keys(root, "hpa-eval case", f_case, cause) < 0)
		return -1;
	const struct yt_node *now = yt_get(root, "now");
	if (absent(now)) {
		*cause = yt_errorf(root, "a case needs now: the RFC 3339 time of the sync");
		return -1;
	}
	const char *why;
	if (now->kind != YT_SCALAR ||
	    hpa_case_rfc3339(now->str, &c->now_unix, &c->now_nsec, &why) < 0) {
		*cause = now->kind != YT_SCALAR ? yt_errorf(now, "expected an RFC 3339 "
		    "time such as 2024-05-01T12:00:00Z") :
		    yt_errorf(now, "invalid RFC 3339 time '%s': %s", now->str, why);
		return -1;
	}
	struct k8s_selector sel;
	memset(&sel, 0, sizeof sel);
	const struct yt_node *hn = yt_get(root, "hpa"), *sn = yt_get(root, "scale");
	int rc = -1;
	if (controller(yt_get(root, "controller"), &c->cfg, cause) == 0 &&
	    gates(c, yt_get(root, "featureGates"), cause) == 0 &&
	    hpa(c, root, hn, cause) == 0 &&
	    scale(c, root, sn, &sel, cause) == 0 &&
	    check_target(c, hn, sn, cause) == 0 &&
	    pods(c, yt_get(root, "pods"), &sel, cause) == 0 &&
	    pod_metrics(c, yt_get(root, "podMetrics"), cause) == 0 &&
	    custom_metrics(c, yt_get(root, "customMetrics"), cause) == 0 &&
	    history(c, yt_get(root, "history"), cause) == 0)
		rc = 0;
	k8s_selector_free(&sel);
	if (rc < 0)
		return -1;
	c->in.spec = &c->spec;
	c->in.pods = c->pods;
	c->in.npods = c->npods;
	c->in.samples = c->samples;
	c->in.nsamples = c->nsamples;
	c->in.metric_inputs = c->metric_inputs;
	c->in.now = 0;
	return 0;
}

static struct hpa_case *
case_new(const char *name)
{
	struct hpa_case *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(name);
	hpa_config_default(&c->cfg);
	hpa_state_init(&c->state);
	return c;
}

int
hpa_case_load(const char *path, struct hpa_case **out, char **cause)
{
	*out = NULL;
	struct hpa_case *c = case_new(path);
	if (yt_parse_file(path, &c->docs, cause) < 0 || parse(c, cause) < 0) {
		hpa_case_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int
hpa_case_parse(const char *name, const char *text, size_t len,
    struct hpa_case **out, char **cause)
{
	*out = NULL;
	struct hpa_case *c = case_new(name);
	if (yt_parse_string(name, text, len, &c->docs, cause) < 0 ||
	    parse(c, cause) < 0) {
		hpa_case_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
hpa_case_free(struct hpa_case *c)
{
	if (c == NULL)
		return;
	free(c->path);
	hpa_spec_free(&c->spec);
	hpa_state_fini(&c->state);
	free(c->scale_kind);
	free(c->scale_name);
	for (size_t i = 0; i < c->cappods; i++)
		k8s_pod_spec_free(&c->pod_specs[i]);
	free(c->pods);
	free(c->pod_specs);
	free(c->samples);
	free(c->metric_inputs);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	yt_docs_free(&c->docs);
	free(c);
}
