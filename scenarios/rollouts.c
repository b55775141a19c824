/*
 * rollouts.c - the scenario's Deployment changes and container failures:
 * the rollout, pause, resume and undo actions of failures.scheduled (a
 * template change `set:` with the new release's `behavior:`), and
 * failures.containers (how a Deployment's containers misbehave: probes that
 * fail, a slow start, crashes after a time or at a rate).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const behavior_keys[] = { "ready", "live", "startupTime", "crashAfter",
	"meanTimeToCrash", "memoryLeakPerHour",
	"serviceTimeFactor", "errorRate", NULL };
static const char *const set_keys[] = { "container", "image", "resources", "env", NULL };
static const char *const resources_keys[] = { "requests", "limits", NULL };
static const char *const cfail_keys[] = { "deployment", "ready", "live", "startupTime",
	"crashAfter", "meanTimeToCrash", "memoryLeakPerHour",
	"serviceTimeFactor", "errorRate", NULL };

/* The behavior fields of map n (a behavior: block or a failures.containers
 * item). */
static int
behavior_fields(const struct yt_node *n, struct scn_behavior *b, char **cause)
{
	bool ready, live;
	if (yt_get_bool(n, "ready", true, &ready, cause) < 0 ||
	    yt_get_bool(n, "live", true, &live, cause) < 0 ||
	    scn_get_dur(n, "startupTime", true, 0, &b->startup, cause) < 0 ||
	    scn_get_dur(n, "crashAfter", true, 0, &b->crash_after, cause) < 0 ||
	    scn_get_dur(n, "meanTimeToCrash", true, 0, &b->mean_time_to_crash, cause) < 0 ||
	    scn_memory_quantity(n, "memoryLeakPerHour", &b->memory_leak_per_hour, cause) < 0)
		return -1;
	b->not_ready = !ready;
	b->not_live = !live;
	static const char *const positive[] = { "crashAfter", "meanTimeToCrash", NULL };
	for (int i = 0; positive[i] != NULL; i++) {
		const struct yt_node *v = yt_get(n, positive[i]);
		sim_ns x = i == 0 ? b->crash_after : b->mean_time_to_crash;
		if (v != NULL && !yt_is_null(v) && x <= 0) {
			*cause = yt_errorf(v, "%s must be a positive duration", positive[i]);
			return -1;
		}
	}
	/* how the release serves (models/cluster/cpu.c) */
	const struct yt_node *v = yt_get(n, "serviceTimeFactor");
	if (yt_get_double(n, "serviceTimeFactor", 0, &b->service_time_factor, cause) < 0)
		return -1;
	if (v != NULL && !yt_is_null(v) &&
	    !(b->service_time_factor > 0 && b->service_time_factor <= 1e6)) {
		*cause = yt_errorf(v, "serviceTimeFactor must be a number in (0, 1e6] "
		    "(its service times are multiplied by it; 1: as the profile)");
		return -1;
	}
	v = yt_get(n, "errorRate");
	if (yt_get_double(n, "errorRate", 0, &b->error_rate, cause) < 0)
		return -1;
	if (v != NULL && !yt_is_null(v) && !(b->error_rate >= 0 && b->error_rate <= 1)) {
		*cause = yt_errorf(v, "errorRate must be a fraction in [0, 1] of the "
		    "requests answered with an error");
		return -1;
	}
	return 0;
}

/* The first Deployment called name, in any namespace (hashed: a wave of
 * 1,000 rollouts over 10,000 Deployments). */
static const struct k8s_deployment *
deployment_named(const struct scenario *s, const char *name)
{
	ptrdiff_t i = scn_first_named(s, false, name);
	return i < 0 ? NULL : &s->deployments[i];
}

/* env: a mapping of names to scalar values, kept as "K=V,..." text (it
 * changes the template, nothing else). */
static int
env_text(const struct yt_node *n, char **out, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "env: expected a mapping of variable names to values");
		return -1;
	}
	size_t len = 1;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *v = n->items[i];
		if (v->kind != YT_SCALAR) {
			*cause = yt_errorf(v, "env: the value of '%s' must be a scalar",
			    n->keys[i]->str);
			return -1;
		}
		len += strlen(n->keys[i]->str) + strlen(v->str) + 2;
	}
	char *t = xcalloc(len, 1);
	for (size_t i = 0; i < n->n; i++) {
		if (i > 0)
			strcat(t, ",");
		strcat(t, n->keys[i]->str);
		strcat(t, "=");
		strcat(t, n->items[i]->str);
	}
	*out = t;
	return 0;
}

static int
set_block(const struct yt_node *n, const struct k8s_deployment *d, struct scn_chaos *c,
    char **cause)
{
	if (yt_check_keys(n, "set", set_keys, cause) < 0 ||
	    scn_get_strdup(n, "container", &c->container, cause) < 0 ||
	    scn_get_strdup(n, "image", &c->image, cause) < 0)
		return -1;
	if (c->container != NULL) {
		size_t i;
		for (i = 0; i < d->template.ncontainers; i++)
			if (strcmp(d->template.containers[i].name, c->container) == 0)
				break;
		if (i == d->template.ncontainers) {
			*cause = yt_errorf(yt_get(n, "container"), "Deployment '%s' has no "
			    "container '%s'", d->name, c->container);
			return -1;
		}
	}
	if (yt_get(n, "image") != NULL && (c->image == NULL || c->image[0] == '\0')) {
		*cause = yt_errorf(yt_get(n, "image"), "image: expected an image name");
		return -1;
	}
	const struct yt_node *res = yt_get(n, "resources");
	if (res != NULL && !yt_is_null(res)) {
		if (yt_check_keys(res, "resources", resources_keys, cause) < 0 ||
		    scn_resource_list(yt_get(res, "requests"), "requests", &c->requests,
		    cause) < 0 ||
		    scn_resource_list(yt_get(res, "limits"), "limits", &c->limits, cause) < 0)
			return -1;
		c->has_requests = yt_get(res, "requests") != NULL;
		c->has_limits = yt_get(res, "limits") != NULL;
		static const char *const names[] = { "cpu", "memory", NULL };
		for (int i = 0; names[i] != NULL; i++) {
			int64_t rq, lm;
			if (k8s_res_get(&c->requests, names[i], &rq) &&
			    k8s_res_get(&c->limits, names[i], &lm) && rq > lm) {
				*cause = yt_errorf(yt_get(yt_get(res, "requests"), names[i]),
				    "%s request must be less than or equal to its limit", names[i]);
				return -1;
			}
		}
	}
	const struct yt_node *env = yt_get(n, "env");
	if (env != NULL && !yt_is_null(env) && env_text(env, &c->env, cause) < 0)
		return -1;
	return 0;
}

int
scn_rollout_action(const struct yt_node *n, struct scenario *s, struct scn_chaos *c,
    char **cause)
{
	static const char *const names[] = { "rollout", "pause", "resume", "undo" };
	const char *what = names[c->kind - SCN_ROLLOUT];
	static const char *const other[] = { "pool", "zone", "count", "duration", "replicas",
		NULL };
	for (int i = 0; other[i] != NULL; i++)
		if (yt_get(n, other[i]) != NULL) {
			*cause = yt_errorf(yt_get(n, other[i]), "the %s action does not take "
			    "'%s'", what, other[i]);
			return -1;
		}
	if (c->deployment == NULL) {
		*cause = yt_errorf(n, "the %s action needs 'deployment'", what);
		return -1;
	}
	const struct k8s_deployment *d = deployment_named(s, c->deployment);
	if (d == NULL) {
		*cause = yt_errorf(yt_get(n, "deployment"), "Deployment '%s' is not in the "
		    "manifests", c->deployment);
		return -1;
	}
	if (c->kind != SCN_ROLLOUT)
		for (int i = 0; i < 2; i++) {
			const char *k = i == 0 ? "set" : "behavior";
			if (yt_get(n, k) != NULL) {
				*cause = yt_errorf(yt_get(n, k), "'%s' belongs to the rollout "
				    "action", k);
				return -1;
			}
		}
	if (c->kind != SCN_UNDO && yt_get(n, "toRevision") != NULL) {
		*cause = yt_errorf(yt_get(n, "toRevision"), "'toRevision' belongs to the undo "
		    "action");
		return -1;
	}
	if (c->kind == SCN_UNDO)
		return scn_get_int(n, "toRevision", 0, 1, INT64_MAX, &c->to_revision, cause);
	if (c->kind != SCN_ROLLOUT)
		return 0;
	const struct yt_node *set = yt_get(n, "set");
	const struct yt_node *beh = yt_get(n, "behavior");
	if ((set == NULL || yt_is_null(set)) && (beh == NULL || yt_is_null(beh))) {
		*cause = yt_errorf(n, "the rollout action needs 'set' (image, resources, env) "
		    "or 'behavior'");
		return -1;
	}
	if (set != NULL && !yt_is_null(set) && set_block(set, d, c, cause) < 0)
		return -1;
	if (beh != NULL && !yt_is_null(beh)) {
		if (yt_check_keys(beh, "behavior", behavior_keys, cause) < 0 ||
		    behavior_fields(beh, &c->behavior, cause) < 0)
			return -1;
		c->has_behavior = true;
	}
	return 0;
}

int
scn_container_failures(const struct yt_node *n, struct scenario *s, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list for failures.containers");
		return -1;
	}
	s->cfail = xcalloc(n->n + 1, sizeof *s->cfail);
	struct ks_strmap seen;	/* the Deployments with an entry so far */
	ks_strmap_init_borrowed(&seen);
	int rc = 0;
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		const struct yt_node *it = n->items[i];
		struct scn_container_failure *f = &s->cfail[s->ncfail++];
		if (yt_check_keys(it, "container failure", cfail_keys, cause) < 0 ||
		    scn_get_strdup(it, "deployment", &f->deployment, cause) < 0 ||
		    behavior_fields(it, &f->b, cause) < 0) {
			rc = -1;
		} else if (f->deployment == NULL) {
			*cause = yt_errorf(it, "a container failure needs 'deployment'");
			rc = -1;
		} else if (deployment_named(s, f->deployment) == NULL) {
			*cause = yt_errorf(yt_get(it, "deployment"), "Deployment '%s' is not in "
			    "the manifests", f->deployment);
			rc = -1;
		} else if (ks_strmap_get(&seen, f->deployment, NULL)) {
			*cause = yt_errorf(yt_get(it, "deployment"), "Deployment '%s' "
			    "already has a container failure entry", f->deployment);
			rc = -1;
		} else {
			ks_strmap_put(&seen, f->deployment, (int64_t)i);
		}
	}
	ks_strmap_fini(&seen);
	return rc;
}

void
scn_rollouts_free(struct scenario *s)
{
	for (size_t i = 0; i < s->nchaos; i++) {
		free(s->chaos[i].container);
		free(s->chaos[i].image);
		free(s->chaos[i].env);
		k8s_res_free(&s->chaos[i].requests);
		k8s_res_free(&s->chaos[i].limits);
	}
	for (size_t i = 0; i < s->ncfail; i++)
		free(s->cfail[i].deployment);
	free(s->cfail);
}
