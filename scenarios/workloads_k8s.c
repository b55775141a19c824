/*
 * workloads_k8s.c - the workload kinds besides Deployment, read into the same
 * struct k8s_deployment with its kind set: apps/v1 StatefulSet and DaemonSet,
 * batch/v1 Job and CronJob (validated as the API server validates them:
 * a StatefulSet needs serviceName, selectors must match their templates,
 * counts are not negative), and bare v1 Pods as workloads of kind Pod.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/cronjob.h"
#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const f_sts_spec[] = { "replicas", "selector", "template",
	"serviceName", "podManagementPolicy", "updateStrategy", "revisionHistoryLimit",
	"volumeClaimTemplates", "minReadySeconds", "persistentVolumeClaimRetentionPolicy",
	"ordinals", NULL };
static const char *const f_ds_spec[] = { "selector", "template", "updateStrategy",
	"minReadySeconds", "revisionHistoryLimit", NULL };
static const char *const f_job_spec[] = { "parallelism", "completions",
	"activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex",
	"maxFailedIndexes", "selector", "manualSelector", "template",
	"ttlSecondsAfterFinished", "completionMode", "suspend", "podFailurePolicy",
	"podReplacementPolicy", "successPolicy", "managedBy", NULL };
static const char *const f_cron_spec[] = { "schedule", "timeZone",
	"startingDeadlineSeconds", "concurrencyPolicy", "suspend", "jobTemplate",
	"successfulJobsHistoryLimit", "failedJobsHistoryLimit", NULL };
static const char *const f_job_template[] = { "metadata", "spec", NULL };

/* Appends a zeroed workload; its where-string set by the caller. */
static struct k8s_deployment *
grow(struct scn_mf *m)
{
	struct scenario *s = m->s;
	s->deployments = xreallocarray(s->deployments, s->ndeployments + 1,
	    sizeof *s->deployments);
	memset(&s->deployments[s->ndeployments], 0, sizeof *s->deployments);
	m->dep_where = xreallocarray(m->dep_where, s->ndeployments + 1,
	    sizeof *m->dep_where);
	m->dep_where[s->ndeployments] = NULL;
	return &s->deployments[s->ndeployments++];
}

/* metadata, the duplicate check among workloads of the same kind, spec. */
static const struct yt_node *
head(struct scn_mf *m, const struct yt_node *obj, enum k8s_workload_kind kind,
    const char *const *fields, struct k8s_deployment **out, char **cause)
{
	struct scenario *s = m->s;
	const char *kname = k8s_kind_name(kind);
	struct k8s_deployment *d = grow(m);
	*out = d;
	d->kind = kind;
	d->replicas = 1;
	d->completions = d->parallelism = d->backoff_limit = -1;
	d->active_deadline_s = d->starting_deadline_s = -1;
	d->progress_deadline_s = 600;
	d->revision_history = 10;
	const struct yt_node *nn;
	if (scn_metadata(obj, kname, &d->name, &d->namespace, NULL, NULL, &nn, cause) < 0)
		return NULL;
	char buf[1024];
	size_t me = s->ndeployments - 1;
	m->dep_where[me] = xstrdup(yt_where(nn, buf, sizeof buf));
	for (size_t i = 0; i < me; i++) {
		const struct k8s_deployment *o = &s->deployments[i];
		if (o->kind == kind && strcmp(o->name, d->name) == 0 &&
		    strcmp(o->namespace, d->namespace) == 0) {
			*cause = yt_errorf(nn, "duplicate %s '%s' (first defined at %s)",
			    kname, d->name, m->dep_where[i]);
			return NULL;
		}
	}
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec)) {
		*cause = yt_errorf(obj, "%s needs a spec", kname);
		return NULL;
	}
	char what[64];
	snprintf(what, sizeof what, "%s spec", kname);
	if (scn_check_map(spec, what, fields, cause) < 0)
		return NULL;
	return spec;
}

/* selector (required unless optional) and template, which it must match. */
static int
selector_template(const struct yt_node *spec, struct k8s_deployment *d, bool optional,
    char **cause)
{
	const char *kname = k8s_kind_name(d->kind);
	const struct yt_node *sel = yt_get(spec, "selector");
	bool has_sel = sel != NULL && !yt_is_null(sel);
	if (!has_sel && !optional) {
		*cause = yt_errorf(spec, "%s '%s' needs a selector", kname, d->name);
		return -1;
	}
	if (has_sel) {
		if (scn_selector(sel, "selector", &d->selector, cause) < 0)
			return -1;
		if (d->selector.nreqs == 0 && !optional) {
			*cause = yt_errorf(sel, "empty selector is invalid for a %s", kname);
			return -1;
		}
	}
	const struct yt_node *tmpl = yt_get(spec, "template");
	if (tmpl == NULL || yt_is_null(tmpl)) {
		*cause = yt_errorf(spec, "%s '%s' needs a template", kname, d->name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "%s '%s'", kname, d->name);
	if (scn_pod_template(tmpl, what, &d->template, cause) < 0)
		return -1;
	d->template.name = xstrdup(d->name);
	d->template.namespace = xstrdup(d->namespace);
	if (has_sel && !k8s_selector_matches(&d->selector, &d->template.labels)) {
		*cause = yt_errorf(sel, "selector does not match template labels");
		return -1;
	}
	return 0;
}

int
scn_mf_statefulset(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct k8s_deployment *d;
	const struct yt_node *spec = head(m, obj, K8S_KIND_STATEFULSET, f_sts_spec, &d, cause);
	if (spec == NULL)
		return -1;
	if (scn_get_i32(spec, "replicas", 1, 0, INT32_MAX, &d->replicas, cause) < 0 ||
	    scn_get_i32(spec, "minReadySeconds", 0, 0, INT32_MAX, &d->min_ready_s, cause) < 0 ||
	    scn_get_i32(spec, "revisionHistoryLimit", 10, 0, INT32_MAX,
	    &d->revision_history, cause) < 0 ||
	    scn_get_strdup(spec, "serviceName", &d->service_name, cause) < 0)
		return -1;
	if (d->service_name == NULL || d->service_name[0] == '\0') {
		*cause = yt_errorf(spec, "StatefulSet '%s' needs spec.serviceName (the "
		    "headless Service that gives its pods their network identity)", d->name);
		return -1;
	}
	const char *pol;
	if (scn_get_str(spec, "podManagementPolicy", &pol, cause) < 0)
		return -1;
	if (pol != NULL && strcmp(pol, "Parallel") != 0 && strcmp(pol, "OrderedReady") != 0) {
		*cause = yt_errorf(yt_get(spec, "podManagementPolicy"), "podManagementPolicy "
		    "must be OrderedReady or Parallel, found '%s'", pol);
		return -1;
	}
	d->parallel = pol != NULL && strcmp(pol, "Parallel") == 0;
	const struct yt_node *vct = yt_get(spec, "volumeClaimTemplates");
	if (vct != NULL && !yt_is_null(vct)) {
		if (vct->kind != YT_SEQ) {
			*cause = yt_errorf(vct, "expected a list of PersistentVolumeClaims");
			return -1;
		}
		d->nclaims = vct->n;
	}
	/* An OrderedReady set scales one pod at a time: what a Deployment's
	 * fenceposts would say is not used. */
	d->max_surge = 0;
	d->max_unavailable = 1;
	return selector_template(spec, d, false, cause);
}

int
scn_mf_daemonset(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct k8s_deployment *d;
	const struct yt_node *spec = head(m, obj, K8S_KIND_DAEMONSET, f_ds_spec, &d, cause);
	if (spec == NULL)
		return -1;
	if (scn_get_i32(spec, "minReadySeconds", 0, 0, INT32_MAX, &d->min_ready_s, cause) < 0 ||
	    scn_get_i32(spec, "revisionHistoryLimit", 10, 0, INT32_MAX,
	    &d->revision_history, cause) < 0)
		return -1;
	d->replicas = 0;	/* one per eligible node, counted at run time */
	d->max_unavailable = 1;
	return selector_template(spec, d, false, cause);
}

/* A JobSpec (a Job's, or a CronJob's jobTemplate.spec). */
static int
job_spec(const struct yt_node *spec, struct k8s_deployment *d, char **cause)
{
	if (scn_check_map(spec, "Job spec", f_job_spec, cause) < 0 ||
	    scn_get_i32(spec, "completions", -1, 0, INT32_MAX, &d->completions, cause) < 0 ||
	    scn_get_i32(spec, "parallelism", -1, 0, INT32_MAX, &d->parallelism, cause) < 0 ||
	    scn_get_i32(spec, "backoffLimit", -1, 0, INT32_MAX, &d->backoff_limit, cause) < 0 ||
	    scn_get_int(spec, "activeDeadlineSeconds", -1, 1, INT64_MAX / SIM_SEC,
	    &d->active_deadline_s, cause) < 0)
		return -1;
	const char *mode;
	if (scn_get_str(spec, "completionMode", &mode, cause) < 0)
		return -1;
	if (mode != NULL && strcmp(mode, "NonIndexed") != 0 && strcmp(mode, "Indexed") != 0) {
		*cause = yt_errorf(yt_get(spec, "completionMode"), "completionMode must be "
		    "NonIndexed or Indexed, found '%s'", mode);
		return -1;
	}
	if (mode != NULL && strcmp(mode, "Indexed") == 0 && d->completions < 0) {
		*cause = yt_errorf(spec, "an Indexed Job needs completions");
		return -1;
	}
	/* job_spec_default: parallelism 1; completions 1 when both are unset;
	 * backoffLimit 6. */
	if (d->completions < 0 && d->parallelism < 0)
		d->completions = 1;
	if (d->parallelism < 0)
		d->parallelism = 1;
	if (d->backoff_limit < 0)
		d->backoff_limit = 6;
	if (selector_template(spec, d, true, cause) < 0)
		return -1;
	/* A Job's pods must not be restarted by the kubelet forever. */
	d->replicas = d->parallelism;
	return 0;
}

int
scn_mf_job(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct k8s_deployment *d;
	const struct yt_node *spec;
	spec = head(m, obj, K8S_KIND_JOB, f_job_spec, &d, cause);
	if (spec == NULL)
		return -1;
	return job_spec(spec, d, cause);
}

int
scn_mf_cronjob(struct scn_mf *m, const struct yt_node *obj, char **cause)
{
	struct k8s_deployment *d;
	const struct yt_node *spec = head(m, obj, K8S_KIND_CRONJOB, f_cron_spec, &d, cause);
	if (spec == NULL)
		return -1;
	const char *sched, *pol;
	if (scn_get_str(spec, "schedule", &sched, cause) < 0 ||
	    scn_get_str(spec, "concurrencyPolicy", &pol, cause) < 0 ||
	    scn_get_int(spec, "startingDeadlineSeconds", -1, 0, INT64_MAX / SIM_SEC,
	    &d->starting_deadline_s, cause) < 0)
		return -1;
	if (sched == NULL) {
		*cause = yt_errorf(spec, "CronJob '%s' needs a schedule", d->name);
		return -1;
	}
	struct cron_schedule cs;
	char *why = NULL;
	if (cron_parse(sched, &cs, &why) < 0) {
		*cause = yt_errorf(yt_get(spec, "schedule"), "invalid schedule '%s': %s",
		    sched, why ? why : "malformed");
		free(why);
		return -1;
	}
	d->schedule = xstrdup(sched);
	if (pol == NULL || strcmp(pol, "Allow") == 0)
		d->concurrency = K8S_CRON_ALLOW;
	else if (strcmp(pol, "Forbid") == 0)
		d->concurrency = K8S_CRON_FORBID;
	else if (strcmp(pol, "Replace") == 0)
		d->concurrency = K8S_CRON_REPLACE;
	else {
		*cause = yt_errorf(yt_get(spec, "concurrencyPolicy"), "concurrencyPolicy must "
		    "be Allow, Forbid or Replace, found '%s'", pol);
		return -1;
	}
	const struct yt_node *sus = yt_get(spec, "suspend");
	d->suspend = sus != NULL && sus->kind == YT_SCALAR && strcmp(sus->str, "true") == 0;
	const struct yt_node *jt = yt_get(spec, "jobTemplate");
	if (jt == NULL || yt_is_null(jt)) {
		*cause = yt_errorf(spec, "CronJob '%s' needs a jobTemplate", d->name);
		return -1;
	}
	if (scn_check_map(jt, "jobTemplate", f_job_template, cause) < 0)
		return -1;
	const struct yt_node *js = yt_get(jt, "spec");
	if (js == NULL || yt_is_null(js)) {
		*cause = yt_errorf(jt, "CronJob '%s' needs jobTemplate.spec", d->name);
		return -1;
	}
	return job_spec(js, d, cause);
}

void
scn_pod_meta_note(struct scenario *s, const struct yt_node *obj)
{
	s->pod_meta = xreallocarray(s->pod_meta, s->npods, sizeof *s->pod_meta);
	while (s->npod_meta < s->npods)
		memset(&s->pod_meta[s->npod_meta++], 0, sizeof *s->pod_meta);
	struct scn_pod_meta *pm = &s->pod_meta[s->npods - 1];
	const struct yt_node *refs = yt_get(yt_get(obj, "metadata"), "ownerReferences");
	for (size_t i = 0; refs != NULL && refs->kind == YT_SEQ && i < refs->n; i++) {
		const struct yt_node *r = refs->items[i];
		const struct yt_node *ctl = yt_get(r, "controller");
		const struct yt_node *k = yt_get(r, "kind"), *n = yt_get(r, "name");
		if (ctl == NULL || ctl->kind != YT_SCALAR || strcmp(ctl->str, "true") != 0 ||
		    k == NULL || k->kind != YT_SCALAR || n == NULL || n->kind != YT_SCALAR)
			continue;
		pm->owner_kind = xstrdup(k->str);
		pm->owner_name = xstrdup(n->str);
		break;
	}
	const struct yt_node *ph = yt_get(yt_get(obj, "status"), "phase");
	pm->finished = ph != NULL && ph->kind == YT_SCALAR &&
	    (strcmp(ph->str, "Succeeded") == 0 || strcmp(ph->str, "Failed") == 0);
}

/* The workload in the manifests that controls a pod of a dump (its pods
 * are that controller's to create): a StatefulSet, DaemonSet or Job of
 * the owner's name, the Deployment of a ReplicaSet "<deployment>-<hash>",
 * the CronJob of a Job "<cronjob>-<minutes>" (the name up to the owner's
 * last '-', with something after it). ix: scn_workload_index's. */
static bool
owned_by_simulated(const struct ks_strmap *ix, const struct scn_pod_meta *pm, const char *ns)
{
	if (pm->owner_kind == NULL)
		return false;
	const char *k = pm->owner_kind, *n = pm->owner_name;
	if (scn_workload_indexed(ix, k, ns, n, strlen(n)))
		return true;
	const char *dash = strrchr(n, '-');
	if (dash == NULL || dash[1] == '\0')
		return false;
	if (strcmp(k, "ReplicaSet") == 0)
		return scn_workload_indexed(ix, k8s_kind_name(K8S_KIND_DEPLOYMENT), ns, n,
		    (size_t)(dash - n));
	if (strcmp(k, "Job") == 0)
		return scn_workload_indexed(ix, k8s_kind_name(K8S_KIND_CRONJOB), ns, n,
		    (size_t)(dash - n));
	return false;
}

void
scn_workload_free(struct k8s_deployment *d)
{
	free(d->service_name);
	free(d->schedule);
}

/* ---- the scenario's side: jobs:, startTime:, warmStart:, bare Pods --------------------- */

static const char *const f_job_entry[] = { "name", "runTime", "failureProbability", NULL };

/* 2025-01-01T00:00:00Z, a Wednesday: t = 0 unless startTime says. */
#define SCN_DEFAULT_START	(INT64_C(1735689600) * SIM_SEC)

/* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SSZ. */
static int
start_time(const struct yt_node *n, int64_t *out, char **cause)
{
	int y, mo, d, h, mi, se;
	char z, tail;
	if (n->kind != YT_SCALAR || sscanf(n->str, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d,
	    &h, &mi, &se, &z, &tail) != 7 || z != 'Z' || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || se > 59 || y < 1970 || h < 0 || mi < 0 || se < 0) {
		*cause = yt_errorf(n, "startTime must be a UTC time such as "
		    "2025-01-01T00:00:00Z");
		return -1;
	}
	*out = cron_time(y, mo, d, h, mi, se);
	return 0;
}

int
scn_workloads_finish(const struct yt_node *root, struct scenario *s, char **cause)
{
	s->start_time = SCN_DEFAULT_START;
	const struct yt_node *st = yt_get(root, "startTime");
	if (st != NULL && !yt_is_null(st) && start_time(st, &s->start_time, cause) < 0)
		return -1;
	/* Warm by default: capacity planning asks how a running cluster copes
	 * with its traffic, not how fast an empty one boots (scenarios/README). */
	s->warm_start = true;
	const struct yt_node *ws = yt_get(root, "warmStart");
	if (ws != NULL && !yt_is_null(ws)) {
		if (ws->kind != YT_SCALAR || (strcmp(ws->str, "true") != 0 &&
		    strcmp(ws->str, "false") != 0)) {
			*cause = yt_errorf(ws, "warmStart must be true or false");
			return -1;
		}
		s->warm_start = strcmp(ws->str, "true") == 0;
	}
	if (s->npods > 0) {
		struct ks_strmap ix;
		scn_workload_index(s, &ix);
		s->pod_workloads = xcalloc(s->npods, sizeof *s->pod_workloads);
		for (size_t i = 0; i < s->npods; i++) {
			/* a finished pod does not run; one a simulated controller
			 * owns is that controller's to create */
			if (i >= s->npod_meta || s->pod_meta[i].finished ||
			    owned_by_simulated(&ix, &s->pod_meta[i], s->pods[i].namespace))
				continue;
			struct k8s_deployment *w = &s->pod_workloads[s->npod_workloads++];
			w->kind = K8S_KIND_POD;
			w->name = s->pods[i].name;
			w->namespace = s->pods[i].namespace;
			w->replicas = 1;
			w->template = s->pods[i];
			w->completions = w->parallelism = w->backoff_limit = -1;
			w->active_deadline_s = w->starting_deadline_s = -1;
		}
		ks_strmap_fini(&ix);
	}
	const struct yt_node *jobs = yt_get(root, "jobs");
	if (jobs == NULL || yt_is_null(jobs))
		return 0;
	if (jobs->kind != YT_SEQ) {
		*cause = yt_errorf(jobs, "jobs must be a list of {name, runTime, "
		    "failureProbability}");
		return -1;
	}
	s->jobs = xcalloc(jobs->n + 1, sizeof *s->jobs);
	for (size_t i = 0; i < jobs->n; i++) {
		const struct yt_node *e = jobs->items[i];
		struct scn_job *j = &s->jobs[s->njobs++];
		struct sim_dist dflt = { .kind = SIM_DIST_CONST, .a = 30.0 };
		if (scn_check_map(e, "jobs entry", f_job_entry, cause) < 0 ||
		    scn_get_strdup(e, "name", &j->name, cause) < 0 ||
		    scn_get_dist(e, "runTime", &dflt, &j->run_time, cause) < 0)
			return -1;
		if (j->name == NULL) {
			*cause = yt_errorf(e, "a jobs entry needs the name of a Job or CronJob");
			return -1;
		}
		const struct yt_node *fp = yt_get(e, "failureProbability");
		if (fp != NULL && !yt_is_null(fp)) {
			char *end = NULL;
			double v = fp->kind == YT_SCALAR ? strtod(fp->str, &end) : -1;
			if (end == NULL || *end != '\0' || !(v >= 0 && v <= 1)) {
				*cause = yt_errorf(fp, "failureProbability must be a number "
				    "from 0 to 1");
				return -1;
			}
			j->failure_probability = v;
		}
		size_t k;
		for (k = 0; k < s->ndeployments; k++)
			if ((s->deployments[k].kind == K8S_KIND_JOB ||
			    s->deployments[k].kind == K8S_KIND_CRONJOB) &&
			    strcmp(s->deployments[k].name, j->name) == 0)
				break;
		if (k == s->ndeployments) {
			*cause = yt_errorf(yt_get(e, "name"), "no Job or CronJob '%s' in the "
			    "manifests", j->name);
			return -1;
		}
	}
	return 0;
}

void
scn_workloads_fini(struct scenario *s)
{
	free(s->pod_workloads);
	for (size_t i = 0; i < s->npod_meta; i++) {
		free(s->pod_meta[i].owner_kind);
		free(s->pod_meta[i].owner_name);
	}
	free(s->pod_meta);
	for (size_t i = 0; i < s->njobs; i++)
		free(s->jobs[i].name);
	free(s->jobs);
}
