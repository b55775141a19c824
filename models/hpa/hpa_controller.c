/*
 * hpa_controller.c - one reconcile of upstream's HorizontalController
 * (horizontal.go reconcileAutoscaler): the min/max/zero checks made before
 * any metric, computeReplicasForMetrics (max over metrics, an invalid
 * metric blocking scale-down), the legacy or behavior normalization, the
 * AbleToScale / ScalingActive / ScalingLimited conditions with upstream's
 * reasons and messages, and the recommendation and scale-event history.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "sim/util/util.h"

const char *
hpa_cond_name(enum hpa_cond_type t)
{
	switch (t) {
	case HPA_COND_ABLE_TO_SCALE:
		return "AbleToScale";
	case HPA_COND_SCALING_ACTIVE:
		return "ScalingActive";
	case HPA_COND_SCALING_LIMITED:
		return "ScalingLimited";
	case HPA_NCOND:
		break;
	}
	return "?";
}

/*
 * dst (cap bytes) = the NULL-terminated list of strings joined, cut as
 * snprintf would cut it: what the "%s..." formats gave, without printf
 * (a reconcile writes several of these).
 */
static void
str_join(char *dst, size_t cap, ...)
{
	size_t n = 0;
	va_list ap;
	va_start(ap, cap);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
		size_t l = strlen(s);
		if (l > cap - 1 - n)
			l = cap - 1 - n;
		memcpy(dst + n, s, l);
		n += l;
	}
	va_end(ap);
	dst[n] = '\0';
}

/*
 * setCondition: the transition time moves only when the status changes.
 * The message is msg followed by msg2 (NULL: nothing). lit: reason and msg
 * are string literals (their pointers tell their text), so when they are
 * those the condition was last made of, and its message's rest is msg2,
 * the text is already this (most reconciles set what the last one did).
 */
static void
set_cond_of(struct hpa_state *st, enum hpa_cond_type t, bool status, sim_ns now,
    const char *reason, const char *msg, const char *msg2, bool lit)
{
	struct hpa_condition *c = &st->cond[t];
	if (!c->set || c->status != status)
		c->last_transition = now;
	c->set = true;
	c->status = status;
	const char **was = st->cond_lit[t];
	if (lit && was[0] == reason && was[1] == msg && reason != NULL &&
	    strcmp(c->message + st->cond_plen[t], msg2 != NULL ? msg2 : "") == 0)
		return;
	str_join(c->reason, sizeof c->reason, reason, (char *)NULL);
	str_join(c->message, sizeof c->message, msg, msg2, (char *)NULL);
	was[0] = was[1] = NULL;
	if (lit) {
		/* only when the message is whole (not cut) */
		size_t plen = strlen(msg), len = strlen(c->message);
		if (len == plen + (msg2 != NULL ? strlen(msg2) : 0)) {
			was[0] = reason;
			was[1] = msg;
			st->cond_plen[t] = plen;
		}
	}
}

/* set_cond_of with reason and msg string literals. */
static void
set_cond(struct hpa_state *st, enum hpa_cond_type t, bool status, sim_ns now,
    const char *reason, const char *msg, const char *msg2)
{
	set_cond_of(st, t, status, now, reason, msg, msg2, true);
}

/* set_cond_of with reason or msg in a buffer. */
static void
set_cond_buf(struct hpa_state *st, enum hpa_cond_type t, bool status, sim_ns now,
    const char *reason, const char *msg, const char *msg2)
{
	set_cond_of(st, t, status, now, reason, msg, msg2, false);
}

void
hpa_result_fini(struct hpa_result *r)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		free(r->metrics[i].error);
	if (!r->metrics_borrowed)
		free(r->metrics);
	free(r->error);
	r->metrics = NULL;
	r->metrics_borrowed = false;
	r->nmetrics = 0;
	r->error = NULL;
}

char *
hpa_result_json(const struct hpa_result *r)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "{\"current_replicas\":%d,\"desired_replicas\":%d,"
	    "\"rescale\":%s,\"metric_replicas\":%d,\"stabilized\":%d,"
	    "\"metric_name\":", (int)r->current_replicas, (int)r->desired_replicas,
	    r->rescale ? "true" : "false", (int)r->metric_replicas,
	    (int)r->stabilized);
	ks_buf_json_str(&b, r->metric_name);
	ks_buf_puts(&b, ",\"rescale_reason\":");
	ks_buf_json_str(&b, r->rescale_reason);
	ks_buf_puts(&b, ",\"metrics\":[");
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct hpa_metric_result *m = &r->metrics[i];
		ks_buf_printf(&b, "%s{\"valid\":%s", i ? "," : "",
		    m->valid ? "true" : "false");
		if (m->valid) {
			ks_buf_printf(&b, ",\"proposal\":%d,\"name\":",
			    (int)m->proposal);
			ks_buf_json_str(&b, m->name);
		} else {
			ks_buf_puts(&b, ",\"reason\":");
			ks_buf_json_str(&b, m->reason);
			ks_buf_puts(&b, ",\"error\":");
			ks_buf_json_str(&b, m->error != NULL ? m->error : "");
		}
		if (m->has_utilization)
			ks_buf_printf(&b, ",\"utilization\":%d", (int)m->utilization);
		if (m->has_average)
			ks_buf_printf(&b, ",\"average_value_milli\":%lld",
			    (long long)m->average_milli);
		if (m->has_value)
			ks_buf_printf(&b, ",\"value_milli\":%lld",
			    (long long)m->value_milli);
		ks_buf_puts(&b, "}");
	}
	ks_buf_puts(&b, "],\"conditions\":[");
	bool first = true;
	for (int t = 0; t < HPA_NCOND; t++) {
		const struct hpa_condition *c = &r->cond[t];
		if (!c->set)
			continue;
		ks_buf_printf(&b, "%s{\"type\":\"%s\",\"status\":\"%s\","
		    "\"reason\":", first ? "" : ",", hpa_cond_name(t),
		    c->status ? "True" : "False");
		ks_buf_json_str(&b, c->reason);
		ks_buf_puts(&b, ",\"message\":");
		ks_buf_json_str(&b, c->message);
		ks_buf_puts(&b, "}");
		first = false;
	}
	ks_buf_puts(&b, "],\"error\":");
	if (r->error != NULL)
		ks_buf_json_str(&b, r->error);
	else
		ks_buf_puts(&b, "null");
	ks_buf_puts(&b, "}");
	return ks_buf_take(&b);
}

/* Everything one reconcile needs. */
struct rctx {
	const struct hpa_config	*cfg;
	const struct hpa_input	*in;
	const struct hpa_spec	*spec;
	struct hpa_state	*st;
	struct hpa_calc		 calc;
	struct hpa_tolerances	 tol;
};

static const char *
str_or(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

/* s as printf's "%s" prints it (glibc: NULL as "(null)"), for xstrcat. */
static const char *
str_pf(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* v in decimal, as "%zu" prints it, into d (room for any size_t). */
static const char *
str_size(char d[24], size_t v)
{
	char *p = d + 23;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return p;
}

/* tolerancesForHpa. */
static struct hpa_tolerances
tolerances(const struct hpa_config *cfg, const struct hpa_spec *spec)
{
	struct hpa_tolerances t = { cfg->tolerance, cfg->tolerance };
	if (!spec->has_behavior || !cfg->configurable_tolerance)
		return t;
	if (spec->has_scale_down && spec->scale_down.has_tolerance)
		t.down = spec->scale_down.tolerance;
	if (spec->has_scale_up && spec->scale_up.has_tolerance)
		t.up = spec->scale_up.tolerance;
	return t;
}

/* A metric's failure: the ScalingActive reason and the error. */
static int
metric_fail(struct hpa_metric_result *mr, const char *reason, char *err)
{
	mr->valid = false;
	str_join(mr->reason, sizeof mr->reason, reason, (char *)NULL);
	mr->error = err;
	return -1;
}

/* computeStatusForResourceMetric[Generic] and the container variant. */
static int
resource_metric(struct rctx *x, const struct hpa_metric_spec *ms,
    const struct hpa_metric_input *mi, struct hpa_metric_result *mr,
    char **outer)
{
	bool cont = ms->type == HPA_CONTAINER_RESOURCE;
	const char *res = str_or(ms->resource, "cpu");
	const char *container = cont ? str_or(ms->container, "") : "";
	const char *reason = cont ? "FailedGetContainerResourceMetric" :
	    "FailedGetResourceMetric";
	struct hpa_calc_out o;
	char *err = NULL, *gen = NULL;
	int32_t current = x->in->spec_replicas;

	if (mi->fetch_error != NULL &&
	    (ms->target == HPA_AVERAGE_VALUE || ms->target == HPA_UTILIZATION))
		/* The resource metrics API itself failed. */
		gen = xstrcat("failed to get ", res, ms->target == HPA_AVERAGE_VALUE ?
		    " usage" : " utilization", ": unable to get metrics for resource ",
		    res, ": ", mi->fetch_error, (char *)NULL);
	else if (ms->target == HPA_AVERAGE_VALUE) {
		if (hpa_raw_resource_replicas(&x->calc, current,
		    ms->average_value_milli, res, container, x->tol,
		    x->in->samples, x->in->nsamples, &o, &err) != 0)
			gen = xstrcat("failed to get ", res, " usage: ", str_pf(err),
			    (char *)NULL);
		else {
			str_join(mr->name, sizeof mr->name, res, " resource", (char *)NULL);
			mr->has_average = true;
			mr->average_milli = o.usage;
		}
	} else if (ms->target == HPA_UTILIZATION) {
		if (hpa_resource_replicas(&x->calc, current,
		    ms->average_utilization, res, container, x->tol,
		    x->in->samples, x->in->nsamples, &o, &err) != 0)
			gen = xstrcat("failed to get ", res, " utilization: ", str_pf(err),
			    (char *)NULL);
		else {
			str_join(mr->name, sizeof mr->name, res, cont ? " container " : " ",
			    "resource utilization (percentage of request)", (char *)NULL);
			mr->has_utilization = true;
			mr->utilization = o.utilization;
			mr->has_average = true;
			mr->average_milli = o.usage;
		}
	} else
		gen = xstrdup("invalid resource metric source: neither an average "
		    "utilization target nor an average value target was set");
	free(err);
	if (gen != NULL) {
		if (cont)
			*outer = xstrcat("failed to get ", container,
			    " container metric value: ", gen, (char *)NULL);
		else
			*outer = xstrcat("failed to get ", res, " resource metric value: ",
			    gen, (char *)NULL);
		return metric_fail(mr, reason, gen);
	}
	mr->proposal = o.replicas;
	return 0;
}

static const struct hpa_metric_input *
metric_input(const struct rctx *x, size_t i)
{
	static const struct hpa_metric_input none;
	if (x->in->metric_inputs == NULL || i >= x->spec->nmetrics)
		return &none;
	return &x->in->metric_inputs[i];
}

static int
pods_metric(struct rctx *x, const struct hpa_metric_spec *ms,
    const struct hpa_metric_input *mi, struct hpa_metric_result *mr,
    char **outer)
{
	const char *name = str_or(ms->metric_name, "");
	struct hpa_calc_out o;
	char *err = NULL;
	int rc;
	if (mi->fetch_error != NULL) {
		err = xasprintf("unable to get metric %s: %s", name, mi->fetch_error);
		rc = -1;
	} else
		rc = hpa_pods_metric_replicas(&x->calc, x->in->spec_replicas,
		    ms->average_value_milli, name, x->tol, mi->pod_values,
		    mi->npod_values, &o, &err);
	if (rc != 0) {
		*outer = xasprintf("failed to get pods metric value: %s", err);
		return metric_fail(mr, "FailedGetPodsMetric", err);
	}
	str_join(mr->name, sizeof mr->name, "pods metric ", name, (char *)NULL);
	mr->proposal = o.replicas;
	mr->has_average = true;
	mr->average_milli = o.usage;
	return 0;
}

static int
object_metric(struct rctx *x, const struct hpa_metric_spec *ms,
    const struct hpa_metric_input *mi, struct hpa_metric_result *mr,
    char **outer)
{
	const char *name = str_or(ms->metric_name, "");
	const char *kind = str_or(ms->object_kind, "");
	struct hpa_calc_out o;
	char *err = NULL;
	if (ms->target != HPA_VALUE && ms->target != HPA_AVERAGE_VALUE)
		err = xstrdup("invalid object metric source: neither a value target "
		    "nor an average value target was set");
	else if (mi->fetch_error != NULL || !mi->has_value)
		err = xasprintf("unable to get metric %s: %s on %s %s/%s", name,
		    mi->fetch_error != NULL ? mi->fetch_error :
		    "no metrics returned from custom metrics API", kind,
		    str_or(x->spec->namespace, "default"), str_or(ms->object_name, ""));
	else if (ms->target == HPA_VALUE) {
		if (hpa_object_replicas(&x->calc, x->in->spec_replicas,
		    ms->value_milli, mi->value_milli, x->tol, &o, &err) == 0) {
			str_join(mr->name, sizeof mr->name, kind, " metric ", name, (char *)NULL);
			mr->has_value = true;
			mr->value_milli = o.usage;
		}
	} else {
		hpa_object_per_pod_replicas(x->in->status_replicas,
		    ms->average_value_milli, mi->value_milli, x->tol, &o);
		str_join(mr->name, sizeof mr->name, "external metric ", name, (char *)NULL);
		mr->has_average = true;
		mr->average_milli = o.usage;
	}
	if (err != NULL) {
		*outer = xasprintf("failed to get object metric value: %s", err);
		return metric_fail(mr, "FailedGetObjectMetric", err);
	}
	mr->proposal = o.replicas;
	return 0;
}

static int
external_metric(struct rctx *x, const struct hpa_metric_spec *ms,
    const struct hpa_metric_input *mi, struct hpa_metric_result *mr,
    char **outer)
{
	const char *name = str_or(ms->metric_name, "");
	const char *ns = str_or(x->spec->namespace, "default");
	struct hpa_calc_out o;
	char *err = NULL, *mid = NULL;
	bool avg = ms->target == HPA_AVERAGE_VALUE;
	if (!avg && ms->target != HPA_VALUE)
		err = xstrdup("invalid external metric source: neither a value "
		    "target nor an average value target was set");
	else if (mi->fetch_error != NULL || mi->nseries == 0) {
		err = xasprintf("unable to get external metric %s/%s/%s: %s", ns,
		    name, ms->metric_selector.set ? "&LabelSelector{...}" : "nil",
		    mi->fetch_error != NULL ? mi->fetch_error :
		    "no metrics returned from external metrics API");
		mid = xasprintf("failed to get %s external metric: %s", name, err);
	} else if (avg)
		hpa_external_per_pod_replicas(x->in->status_replicas,
		    ms->average_value_milli, mi->series_milli, mi->nseries, x->tol, &o);
	else if (hpa_external_replicas(&x->calc, x->in->spec_replicas,
	    ms->value_milli, mi->series_milli, mi->nseries, x->tol, &o, &err) != 0)
		mid = xasprintf("failed to get %s external metric: %s", name, err);
	if (err != NULL) {
		*outer = xasprintf("failed to get external metric value: %s",
		    mid != NULL ? mid : err);
		free(mid);
		return metric_fail(mr, "FailedGetExternalMetric", err);
	}
	str_join(mr->name, sizeof mr->name, "external metric ", name, (char *)NULL);
	mr->proposal = o.replicas;
	if (avg) {
		mr->has_average = true;
		mr->average_milli = o.usage;
	} else {
		mr->has_value = true;
		mr->value_milli = o.usage;
	}
	return 0;
}

/* computeReplicasForMetric. */
static int
compute_metric(struct rctx *x, size_t i, const struct hpa_metric_spec *ms,
    struct hpa_metric_result *mr, char **outer)
{
	const struct hpa_metric_input *mi = metric_input(x, i);
	x->calc.requests = x->in->requests != NULL ? &x->in->requests[i] : NULL;
	int rc;
	switch (ms->type) {
	case HPA_RESOURCE:
	case HPA_CONTAINER_RESOURCE:
		rc = resource_metric(x, ms, mi, mr, outer);
		break;
	case HPA_PODS:
		rc = pods_metric(x, ms, mi, mr, outer);
		break;
	case HPA_OBJECT:
		rc = object_metric(x, ms, mi, mr, outer);
		break;
	case HPA_EXTERNAL:
		rc = external_metric(x, ms, mi, mr, outer);
		break;
	default:
		/* The API server rejects these; kept for hand-built specs. */
		*outer = xasprintf("unknown metric source type \"%d\"", (int)ms->type);
		return metric_fail(mr, "InvalidMetricSourceType", xstrdup(*outer));
	}
	if (rc == 0)
		mr->valid = true;
	return rc;
}

/*
 * computeReplicasForMetrics: the highest proposal. Returns -1 (and *err)
 * when every metric is invalid, or when some are and the rest would scale
 * down; otherwise the proposal, with *err set if some metric failed.
 */
static int32_t
compute_metrics(struct rctx *x, const struct hpa_metric_spec *metrics,
    size_t n, struct hpa_result *out, char **err)
{
	int32_t replicas = 0;
	size_t invalid = 0, first = 0;
	char *first_err = NULL;
	*err = NULL;
	/* The earlier results stand in only when all are valid (an invalid
	 * one's error messages are made by the computation). */
	const struct hpa_metric_result *same = x->in->same_metrics;
	for (size_t i = 0; same != NULL && i < n; i++)
		if (!same[i].valid)
			same = NULL;
	for (size_t i = 0; i < n; i++) {
		struct hpa_metric_result *mr = &out->metrics[i];
		char *outer = NULL;
		if (same != NULL) {
			*mr = same[i];
			mr->error = NULL;
		} else if (compute_metric(x, i, &metrics[i], mr, &outer) != 0) {
			if (invalid == 0) {
				first = i;
				first_err = outer;
			} else
				free(outer);
			invalid++;
			continue;
		}
		if (replicas == 0 || mr->proposal > replicas) {
			replicas = mr->proposal;
			str_join(out->metric_name, sizeof out->metric_name, mr->name,
			    (char *)NULL);
		}
	}
	if (first_err != NULL) {
		char a[24], b[24];
		*err = xstrcat("invalid metrics (", str_size(a, invalid), " invalid out of ",
		    str_size(b, n), "), first error is: ", first_err, (char *)NULL);
		free(first_err);
	}
	if (invalid >= n || (invalid > 0 && replicas < x->in->spec_replicas)) {
		const struct hpa_metric_result *mr = &out->metrics[first];
		set_cond_buf(x->st, HPA_COND_SCALING_ACTIVE, false, x->in->now, mr->reason,
		    "the HPA was unable to compute the replica count: ", mr->error);
		return -1;
	}
	set_cond(x->st, HPA_COND_SCALING_ACTIVE, true, x->in->now, "ValidMetricFound",
	    "the HPA was able to successfully calculate a replica count from ",
	    out->metric_name);
	return replicas;
}

/* normalizeDesiredReplicas (legacy). */
static int32_t
normalize_legacy(struct rctx *x, int32_t current, int32_t desired, int32_t min,
    struct hpa_result *out)
{
	sim_ns now = x->in->now;
	int32_t stab = hpa_stabilize_legacy(x->st, now,
	    x->cfg->downscale_stabilization, desired);
	out->stabilized = stab;
	if (stab != desired)
		set_cond(x->st, HPA_COND_ABLE_TO_SCALE, true, now,
		    "ScaleDownStabilized", "recent recommendations were higher than "
		    "current one, applying the highest recent recommendation", NULL);
	else
		set_cond(x->st, HPA_COND_ABLE_TO_SCALE, true, now, "ReadyForNewScale",
		    "recommended size matches current size", NULL);
	const char *reason, *msg;
	int32_t d = hpa_convert_with_rules(current, stab, min,
	    x->spec->max_replicas, x->cfg->scale_up_limit_factor,
	    x->cfg->scale_up_limit_minimum, &reason, &msg);
	set_cond(x->st, HPA_COND_SCALING_LIMITED, d != stab, now, reason, msg, NULL);
	return d;
}

/* normalizeDesiredReplicasWithBehaviors. */
static int32_t
normalize_behavior(struct rctx *x, const struct hpa_rules *up,
    const struct hpa_rules *down, int32_t current, int32_t desired,
    int32_t min, struct hpa_result *out)
{
	sim_ns now = x->in->now;
	int64_t down_s = down->has_stabilization ? down->stabilization_s :
	    x->cfg->downscale_stabilization / SIM_SEC;
	int64_t up_s = up->has_stabilization ? up->stabilization_s : 0;
	const char *reason, *msg;
	int32_t stab = hpa_stabilize_with_behaviors(x->st, now, current, desired,
	    up_s, down_s, &reason, &msg);
	out->stabilized = stab;
	if (stab != desired)
		set_cond(x->st, HPA_COND_ABLE_TO_SCALE, true, now, reason, msg, NULL);
	else
		set_cond(x->st, HPA_COND_ABLE_TO_SCALE, true, now, "ReadyForNewScale",
		    "recommended size matches current size", NULL);
	int32_t d = hpa_convert_with_behavior_rate(x->st, now, up, down, current,
	    stab, min, x->spec->max_replicas, &reason, &msg);
	set_cond(x->st, HPA_COND_SCALING_LIMITED, d != stab, now, reason, msg, NULL);
	return d;
}

/* An empty metric list means cpu at 80%, as the API defaults it. */
static const struct hpa_metric_spec default_metric = { .type = HPA_RESOURCE,
	.resource = "cpu", .target = HPA_UTILIZATION, .average_utilization = 80 };

/* The metrics a reconcile of spec computes, *n of them. */
static const struct hpa_metric_spec *
spec_metrics(const struct hpa_spec *spec, size_t *n)
{
	if (spec->nmetrics == 0) {
		*n = 1;
		return &default_metric;
	}
	*n = spec->nmetrics;
	return spec->metrics;
}

size_t
hpa_metric_count(const struct hpa_spec *spec)
{
	size_t n;
	spec_metrics(spec, &n);
	return n;
}

bool
hpa_ready_metric_ok(const struct hpa_spec *spec)
{
	size_t n;
	const struct hpa_metric_spec *ms = spec_metrics(spec, &n);
	return n == 1 && ms->type == HPA_RESOURCE && ms->target == HPA_UTILIZATION &&
	    strcmp(str_or(ms->resource, "cpu"), "cpu") == 0;
}

void
hpa_ready_form_of(const struct hpa_config *cfg, const struct hpa_spec *spec,
    struct hpa_ready_form *f)
{
	size_t nm;
	const struct hpa_metric_spec *ms = spec_metrics(spec, &nm);
	f->target = ms->average_utilization;
	f->tol = tolerances(cfg, spec);
}

void
hpa_ready_metric_values(const struct hpa_ready_form *f, int32_t spec_replicas, int64_t n,
    int64_t usage, int64_t request, struct hpa_metric_result *r)
{
	struct hpa_calc_out o;
	/* resource_metric's success, as compute_metric marks it */
	hpa_ready_resource_replicas(spec_replicas, f->target, f->tol, n, usage, request, &o);
	r->valid = true;
	r->proposal = o.replicas;
	r->has_utilization = true;
	r->utilization = o.utilization;
	r->has_average = true;
	r->average_milli = o.usage;
	r->has_value = false;
	r->value_milli = 0;
}

/* The calculator's view of in (what every metric reads). */
static void
rctx_init(struct rctx *x, const struct hpa_config *cfg, const struct hpa_input *in,
    struct hpa_state *st)
{
	const struct hpa_spec *spec = in->spec;
	*x = (struct rctx){ .cfg = cfg, .in = in, .spec = spec, .st = st };
	x->calc = (struct hpa_calc){ .cfg = cfg, .now = in->now,
	    .namespace = spec->namespace, .pods = in->pods, .npods = in->npods };
	x->tol = tolerances(cfg, spec);
}

size_t
hpa_metric_results(const struct hpa_config *cfg, const struct hpa_input *in,
    struct hpa_metric_result *out)
{
	KS_ASSERT(cfg != NULL && in->spec != NULL && out != NULL);
	struct rctx x;
	rctx_init(&x, cfg, in, NULL);
	size_t n, invalid = 0;
	const struct hpa_metric_spec *metrics = spec_metrics(in->spec, &n);
	memset(out, 0, n * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		char *outer = NULL;
		if (compute_metric(&x, i, &metrics[i], &out[i], &outer) != 0)
			invalid++;
		free(outer);
	}
	return invalid;
}

void
hpa_metric_results_fini(struct hpa_metric_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].error);
		r[i].error = NULL;
	}
}

/* The state's conditions into the result; brief: their messages left
 * empty (hpa_input.brief). */
static void
result_conds(struct hpa_result *out, const struct hpa_state *st, bool brief)
{
	for (int t = 0; t < HPA_NCOND; t++) {
		const struct hpa_condition *c = &st->cond[t];
		struct hpa_condition *o = &out->cond[t];
		if (!brief) {
			*o = *c;
			continue;
		}
		o->set = c->set;
		o->status = c->status;
		memcpy(o->reason, c->reason, sizeof o->reason);
		o->message[0] = '\0';
		o->last_transition = c->last_transition;
	}
}

int
hpa_reconcile(const struct hpa_config *cfg, const struct hpa_input *in,
    struct hpa_state *st, struct hpa_result *out)
{
	const struct hpa_spec *spec = in->spec;
	KS_ASSERT(cfg != NULL && spec != NULL && st != NULL && out != NULL);
	sim_ns now = in->now;
	struct rctx x;
	rctx_init(&x, cfg, in, st);

	size_t nmetrics;
	const struct hpa_metric_spec *metrics = spec_metrics(spec, &nmetrics);

	/* every return copies the conditions in whole */
	memset(out, 0, offsetof(struct hpa_result, cond));
	out->error = NULL;
	out->recommendation = 0;
	out->repeatable = false;
	out->repeatable_until = INT64_MAX;
	out->metric_replicas = -1;
	out->nmetrics = nmetrics;
	out->metrics_borrowed = in->metrics_room != NULL && nmetrics <= in->metrics_room_n;
	if (out->metrics_borrowed) {
		out->metrics = in->metrics_room;
		memset(out->metrics, 0, nmetrics * sizeof *out->metrics);
	} else
		out->metrics = xcalloc(nmetrics, sizeof *out->metrics);

	/* AbleToScale SucceededGetScale (the scale was read) is set where no
	 * later AbleToScale of this reconcile replaces it: where one does,
	 * its status is True too, so the transition time is the same. */
	int32_t current = in->spec_replicas;
	out->current_replicas = current;
	if (!st->has_recs)
		hpa_state_add_rec(st, current, now);	/* recordInitialRecommendation */

	int32_t min = spec->min_replicas;
	if (!spec->has_min_replicas && min == 0)
		min = 1;
	int32_t desired = 0;
	bool rescale = true, normalized = false;
	int rc = 0;

	if (in->spec_replicas == 0 && min != 0) {
		desired = 0;
		rescale = false;
		set_cond(st, HPA_COND_ABLE_TO_SCALE, true, now, "SucceededGetScale",
		    "the HPA controller was able to get the target's current scale", NULL);
		set_cond(st, HPA_COND_SCALING_ACTIVE, false, now, "ScalingDisabled",
		    "scaling is disabled since the replica count of the target is zero", NULL);
	} else if (current > spec->max_replicas) {
		snprintf(out->rescale_reason, sizeof out->rescale_reason,
		    "Current number of replicas above Spec.MaxReplicas");
		desired = spec->max_replicas;
	} else if (current < min) {
		snprintf(out->rescale_reason, sizeof out->rescale_reason,
		    "Current number of replicas below Spec.MinReplicas");
		desired = min;
	} else {
		char *err = NULL;
		int32_t mdesired = compute_metrics(&x, metrics, nmetrics, out, &err);
		out->metric_replicas = mdesired;
		if (mdesired == -1) {
			set_cond(st, HPA_COND_ABLE_TO_SCALE, true, now, "SucceededGetScale",
			    "the HPA controller was able to get the target's current scale",
			    NULL);
			char ref[256];
			str_join(ref, sizeof ref, str_or(spec->target_kind, "Deployment"), "/",
			    str_or(spec->namespace, "default"), "/",
			    str_or(spec->target_name, ""), (char *)NULL);
			out->error = xstrcat("failed to compute desired number of "
			    "replicas based on listed metrics for ", ref, ": ",
			    err != NULL ? err : "", (char *)NULL);
			free(err);
			result_conds(out, st, in->brief);
			out->desired_replicas = current;
			out->stabilized = current;
			return -1;
		}
		if (err != NULL) {
			/* Scale on the valid metrics, but report the error. */
			out->error = err;
			rc = -1;
		}
		if (mdesired > desired)
			desired = mdesired;
		out->recommendation = desired;
		if (desired > current)
			str_join(out->rescale_reason, sizeof out->rescale_reason,
			    out->metric_name, " above target", (char *)NULL);
		if (desired < current)
			snprintf(out->rescale_reason, sizeof out->rescale_reason,
			    "All metrics below target");
		if (!spec->has_behavior)
			desired = normalize_legacy(&x, current, desired, min, out);
		else {
			struct hpa_policy ub[2], db[2];
			struct hpa_rules up, down;
			hpa_rules_effective(spec->has_scale_up ? &spec->scale_up : NULL,
			    true, ub, &up);
			hpa_rules_effective(spec->has_scale_down ? &spec->scale_down :
			    NULL, false, db, &down);
			desired = normalize_behavior(&x, &up, &down, current, desired,
			    min, out);
		}
		rescale = desired != current;
		normalized = true;
	}
	if (!normalized)
		out->stabilized = rescale ? desired : current;

	if (rescale) {
		char to[16];
		snprintf(to, sizeof to, "%d", (int)desired);
		set_cond_buf(st, HPA_COND_ABLE_TO_SCALE, true, now, "SucceededRescale",
		    "the HPA controller was able to update the target scale to ", to);
		if (spec->has_behavior) {
			struct hpa_policy buf[2];
			struct hpa_rules r;
			bool up = desired > current;
			const struct hpa_rules *given = up ?
			    (spec->has_scale_up ? &spec->scale_up : NULL) :
			    (spec->has_scale_down ? &spec->scale_down : NULL);
			hpa_rules_effective(given, up, buf, &r);
			hpa_store_scale_event(st, &r, current, desired, now);
		}
		st->has_last_scale = true;
		st->last_scale = now;
	} else
		desired = current;
	out->rescale = rescale;
	out->desired_replicas = desired;
	out->repeatable = normalized && rc == 0 && !rescale &&
	    (!spec->has_behavior || out->recommendation == current);
	out->repeatable_until = INT64_MAX;
	if (out->repeatable && !spec->has_behavior && out->stabilized != out->recommendation) {
		/* the stabilized count leaves the window with its latest */
		sim_ns latest = HPA_TIME_ZERO;
		for (size_t i = 0; i < st->nrecs; i++)
			if (st->recs[i].replicas == out->stabilized && st->recs[i].at > latest)
				latest = st->recs[i].at;
		out->repeatable_until = latest + cfg->downscale_stabilization;
	}
	st->desired_replicas = desired;
	result_conds(out, st, in->brief);
	return rc;
}
