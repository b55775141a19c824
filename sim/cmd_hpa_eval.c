/*
 * cmd_hpa_eval.c - `kubesim hpa-eval CASE.yaml`: one sync of the
 * HorizontalPodAutoscaler controller on a case file (scenarios/hpa_case.h)
 * through hpa_reconcile, printed as JSON with a stable key order: the
 * desired replicas, each metric's proposal and current value, the
 * stabilized count, the limit that applied and the conditions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "scenarios/hpa_case.h"
#include "sim/cmd.h"
#include "sim/util/util.h"

/* ---- a small JSON writer: pretty (2-space indent) or compact ---------- */

#define JW_MAXDEPTH	8

struct jw {
	struct ks_buf	b;
	bool		pretty;
	int		depth;
	bool		empty[JW_MAXDEPTH];	/* no member written yet at this depth */
};

static void
jw_indent(struct jw *w)
{
	if (!w->pretty)
		return;
	ks_buf_puts(&w->b, "\n");
	for (int i = 0; i < w->depth; i++)
		ks_buf_puts(&w->b, "  ");
}

/* Starts a member (key non-NULL) or an array element. */
static void
jw_member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->empty[w->depth])
			ks_buf_puts(&w->b, ",");
		w->empty[w->depth] = false;
		jw_indent(w);
	}
	if (key != NULL) {
		ks_buf_json_str(&w->b, key);
		ks_buf_puts(&w->b, w->pretty ? ": " : ":");
	}
}

static void
jw_open(struct jw *w, const char *key, char bracket)
{
	jw_member(w, key);
	KS_ASSERT(w->depth + 1 < JW_MAXDEPTH);
	ks_buf_add(&w->b, &bracket, 1);
	w->depth++;
	w->empty[w->depth] = true;
}

static void
jw_close(struct jw *w, char bracket)
{
	bool empty = w->empty[w->depth];
	w->depth--;
	if (!empty)
		jw_indent(w);
	ks_buf_add(&w->b, &bracket, 1);
}

static void
jw_int(struct jw *w, const char *key, long long v)
{
	jw_member(w, key);
	ks_buf_printf(&w->b, "%lld", v);
}

static void
jw_bool(struct jw *w, const char *key, bool v)
{
	jw_member(w, key);
	ks_buf_puts(&w->b, v ? "true" : "false");
}

/* A string, or null when s is NULL. */
static void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_member(w, key);
	if (s != NULL)
		ks_buf_json_str(&w->b, s);
	else
		ks_buf_puts(&w->b, "null");
}

/*
 * A milli-value as Kubernetes prints a DecimalSI Quantity (canonical form):
 * "1500m", "2", "2k", "-500m"; exponents in steps of 3 up to E.
 */
static void
jw_quantity(struct jw *w, const char *key, int64_t milli)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T", "P", "E" };
	char buf[48];
	if (milli % 1000 != 0)
		snprintf(buf, sizeof buf, "%lldm", (long long)milli);
	else {
		int64_t v = milli / 1000;
		int e = 0;
		while (v != 0 && v % 1000 == 0 && e < 6) {
			v /= 1000;
			e++;
		}
		snprintf(buf, sizeof buf, "%lld%s", (long long)v, suffix[e]);
	}
	jw_str(w, key, buf);
}

/* ---- the result ------------------------------------------------------------ */

static const char *
metric_type_name(enum hpa_metric_type t)
{
	switch (t) {
	case HPA_RESOURCE:
		return "Resource";
	case HPA_CONTAINER_RESOURCE:
		return "ContainerResource";
	case HPA_PODS:
		return "Pods";
	case HPA_OBJECT:
		return "Object";
	case HPA_EXTERNAL:
		return "External";
	}
	return "?";
}

static void
write_metric(struct jw *w, const struct hpa_metric_spec *ms,
    const struct hpa_metric_result *mr)
{
	bool res = ms->type == HPA_RESOURCE || ms->type == HPA_CONTAINER_RESOURCE;
	jw_open(w, NULL, '{');
	jw_str(w, "type", metric_type_name(ms->type));
	jw_str(w, "name", res ? ms->resource : ms->metric_name);
	if (ms->type == HPA_CONTAINER_RESOURCE)
		jw_str(w, "container", ms->container);
	if (mr->valid)
		jw_int(w, "proposal", mr->proposal);
	else
		jw_str(w, "proposal", NULL);
	jw_bool(w, "valid", mr->valid);
	if (mr->valid) {
		jw_open(w, "current", '{');
		if (mr->has_utilization)
			jw_int(w, "averageUtilization", mr->utilization);
		if (mr->has_average)
			jw_quantity(w, "averageValue", mr->average_milli);
		if (mr->has_value)
			jw_quantity(w, "value", mr->value_milli);
		jw_close(w, '}');
	} else
		jw_str(w, "current", NULL);
	jw_str(w, "reason", mr->valid ? NULL : mr->reason);
	jw_str(w, "error", mr->valid ? NULL : mr->error != NULL ? mr->error : "");
	jw_close(w, '}');
}

/* The evaluation as JSON (caller frees). */
static char *
result_json(const struct hpa_case *c, const struct hpa_result *r, bool pretty)
{
	struct jw w;
	memset(&w, 0, sizeof w);
	ks_buf_init(&w.b);
	w.pretty = pretty;
	jw_open(&w, NULL, '{');
	jw_int(&w, "desiredReplicas", r->desired_replicas);
	jw_int(&w, "currentReplicas", r->current_replicas);
	jw_bool(&w, "rescale", r->rescale);
	jw_open(&w, "metrics", '[');
	for (size_t i = 0; i < r->nmetrics && i < c->spec.nmetrics; i++)
		write_metric(&w, &c->spec.metrics[i], &r->metrics[i]);
	jw_close(&w, ']');
	if (r->metric_replicas >= 0)
		jw_int(&w, "metricReplicas", r->metric_replicas);
	else
		jw_str(&w, "metricReplicas", NULL);
	jw_int(&w, "stabilizedReplicas", r->stabilized);
	const struct hpa_condition *lim = &r->cond[HPA_COND_SCALING_LIMITED];
	jw_str(&w, "limitedBy", lim->set && lim->status ? lim->reason : NULL);
	jw_str(&w, "rescaleReason", r->rescale && r->rescale_reason[0] != '\0' ?
	    r->rescale_reason : NULL);
	jw_open(&w, "conditions", '[');
	for (int t = 0; t < HPA_NCOND; t++) {
		const struct hpa_condition *cd = &r->cond[t];
		if (!cd->set)
			continue;
		jw_open(&w, NULL, '{');
		jw_str(&w, "type", hpa_cond_name((enum hpa_cond_type)t));
		jw_str(&w, "status", cd->status ? "True" : "False");
		jw_str(&w, "reason", cd->reason);
		jw_str(&w, "message", cd->message);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_str(&w, "error", r->error);
	jw_close(&w, '}');
	ks_buf_puts(&w.b, "\n");
	return ks_buf_take(&w.b);
}

/* ---- the command ----------------------------------------------------------- */

static int
hpa_eval_exec(int argc, char **argv)
{
	const char *path = NULL;
	bool pretty = true, dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && strcmp(a, "--") == 0)
			dashdash = true;
		else if (!dashdash && strcmp(a, "--pretty") == 0)
			pretty = true;
		else if (!dashdash && (strcmp(a, "--compact") == 0 || strcmp(a, "-c") == 0))
			pretty = false;
		else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "kubesim: hpa-eval: unknown option '%s'\n", a);
			return KS_EXIT_BAD_INPUT;
		} else if (path == NULL)
			path = a;
		else {
			fprintf(stderr, "kubesim: hpa-eval: one case file only ('%s' and "
			    "'%s')\n", path, a);
			return KS_EXIT_BAD_INPUT;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "kubesim: hpa-eval: missing CASE.yaml "
		    "(kubesim hpa-eval --help)\n");
		return KS_EXIT_BAD_INPUT;
	}
	struct hpa_case *c;
	char *cause = NULL;
	if (hpa_case_load(path, &c, &cause) < 0) {
		fprintf(stderr, "kubesim: %s\n", cause);
		free(cause);
		return KS_EXIT_BAD_INPUT;
	}
	struct hpa_result r;
	/* A failed reconcile (no valid metric) is a result, not bad input:
	 * the conditions and "error" say what upstream would report. */
	hpa_reconcile(&c->cfg, &c->in, &c->state, &r);
	char *js = result_json(c, &r, pretty);
	fputs(js, stdout);
	free(js);
	hpa_result_fini(&r);
	hpa_case_free(c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "kubesim: hpa-eval: cannot write the result\n");
		return KS_EXIT_FAILURE;
	}
	return KS_EXIT_OK;
}

const struct cmd_entry cmd_hpa_eval_entry = {
	.name = "hpa-eval",
	.usage = "CASE.yaml [--compact]",
	.summary = "evaluate one HorizontalPodAutoscaler sync and print JSON",
	.help =
	    "options:\n"
	    "      --pretty   indented JSON (the default)\n"
	    "  -c, --compact  JSON on one line\n"
	    "  -h, --help     this help\n"
	    "\n"
	    "The case file holds now (RFC 3339), optional controller settings\n"
	    "(tolerance, cpuInitializationPeriod, initialReadinessDelay,\n"
	    "downscaleStabilization, scaleUpLimitFactor, scaleUpLimitMinimum),\n"
	    "hpa (an autoscaling/v2 HorizontalPodAutoscaler), scale (kind, name,\n"
	    "specReplicas, statusReplicas), pods (v1 Pods with status), podMetrics\n"
	    "(metrics.k8s.io/v1beta1 PodMetrics), customMetrics (pods, object,\n"
	    "external values) and history (recommendations, scale events); see\n"
	    "docs/hpa-eval.md.\n"
	    "\n"
	    "Output keys, in this order: desiredReplicas, currentReplicas, rescale,\n"
	    "metrics[] {type, name, proposal, valid, current {averageUtilization,\n"
	    "averageValue, value}, reason, error}, metricReplicas, stabilizedReplicas,\n"
	    "limitedBy (the ScalingLimited reason when it is True), rescaleReason,\n"
	    "conditions[] {type, status, reason, message}, error.\n"
	    "\n"
	    "Exit status: 0 evaluated (even when no metric was valid), 2 bad input\n"
	    "(the message names file:line:column).\n",
	.exec = hpa_eval_exec,
};
