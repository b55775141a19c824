/*
 * chaos.c - the faults of failures.scheduled beyond failNodes, failZone,
 * recoverNodes and scale: partitionZone, apiOutage, spotReclaim, killPods,
 * drainNodes and upgradeNodes (scenarios/faults.h). Each action takes only
 * its own keys; every problem is reported at its file:line:column. What
 * each fault does in the cluster is documented in scenarios/README.md.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/faults.h"
#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const fault_actions[] = { "partitionZone", "apiOutage",
	"spotReclaim", "killPods", "drainNodes", "upgradeNodes", "slowApi",
	"failImagePulls", "slowImagePulls", NULL };

/* The keys each action takes besides at and action. */
static const char *const fault_keys[][8] = {
	[SCN_FAULT_PARTITION] = { "zone", "pool", "duration", NULL },
	[SCN_FAULT_API_OUTAGE] = { "duration", NULL },
	[SCN_FAULT_SPOT_RECLAIM] = { "pool", "zone", "count", "notice", "every", "duration", NULL },
	[SCN_FAULT_KILL_PODS] = { "selector", "count", "every", "duration", NULL },
	[SCN_FAULT_DRAIN] = { "pool", "zone", "node", "count", NULL },
	[SCN_FAULT_UPGRADE] = { "pool", "zone", NULL },
	[SCN_FAULT_SLOW_API] = { "duration", "factor", NULL },
	[SCN_FAULT_FAIL_PULLS] = { "duration", "image", NULL },
	[SCN_FAULT_SLOW_PULLS] = { "duration", "factor", "image", NULL },
};

static bool
key_in(const char *const *keys, const char *k)
{
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

static bool
zone_of_pools(const struct scenario *s, const char *pool, const char *zone)
{
	for (size_t i = 0; i < s->npools; i++) {
		if (pool != NULL && strcmp(s->pools[i].name, pool) != 0)
			continue;
		for (size_t j = 0; j < s->pools[i].nzones; j++)
			if (strcmp(s->pools[i].zones[j], zone) == 0)
				return true;
	}
	return false;
}

static const struct scn_pool *
pool_named(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->npools; i++)
		if (strcmp(s->pools[i].name, name) == 0)
			return &s->pools[i];
	return NULL;
}

/* A node's name as the simulated cluster makes them: <pool>-<number>. */
bool
scn_node_name_known(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->npools; i++) {
		size_t len = strlen(s->pools[i].name);
		if (strncmp(name, s->pools[i].name, len) != 0 || name[len] != '-' ||
		    name[len + 1] == '\0')
			continue;
		const char *q = name + len + 1;
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '\0')
			return true;
	}
	return false;
}

/* pool, zone and node: each must name something of the scenario. */
static int
fault_where(struct scenario *s, const struct yt_node *n, struct scn_fault *f, char **cause)
{
	if (scn_get_strdup(n, "pool", &f->pool, cause) < 0 ||
	    scn_get_strdup(n, "zone", &f->zone, cause) < 0 ||
	    scn_get_strdup(n, "node", &f->node, cause) < 0)
		return -1;
	if (f->pool != NULL && pool_named(s, f->pool) == NULL) {
		*cause = yt_errorf(yt_get(n, "pool"), "node pool '%s' is not defined in "
		    "nodePools", f->pool);
		return -1;
	}
	if (f->zone != NULL && !zone_of_pools(s, f->pool, f->zone)) {
		*cause = yt_errorf(yt_get(n, "zone"), "zone '%s' is not a zone of %s%s",
		    f->zone, f->pool ? "node pool " : "any node pool", f->pool ? f->pool : "");
		return -1;
	}
	if (f->node != NULL && !scn_node_name_known(s, f->node)) {
		*cause = yt_errorf(yt_get(n, "node"), "node '%s' is not a node name of "
		    "this scenario (expected <pool>-<number>, e.g. %s-0)", f->node,
		    s->npools > 0 ? s->pools[0].name : "pool");
		return -1;
	}
	return 0;
}

static int
fault_fields(struct scenario *s, const struct yt_node *n, struct scn_fault *f, char **cause)
{
	const struct yt_node *dur = yt_get(n, "duration");
	if (scn_get_dur(n, "at", false, 0, &f->at, cause) < 0 ||
	    scn_get_dur(n, "duration", false, 0, &f->duration, cause) < 0 ||
	    scn_get_dur(n, "notice", false, 2 * 60 * SIM_SEC, &f->notice, cause) < 0 ||
	    fault_where(s, n, f, cause) < 0)
		return -1;
	if (scn_get_strdup(n, "image", &f->image, cause) < 0)
		return -1;
	switch (f->kind) {
	case SCN_FAULT_SLOW_API:
	case SCN_FAULT_SLOW_PULLS: {
		const struct yt_node *fn = yt_get(n, "factor");
		if (fn == NULL) {
			*cause = yt_errorf(n, "%s needs a factor (the latencies are "
			    "multiplied by it)", fault_actions[f->kind]);
			return -1;
		}
		if (yt_double(fn, &f->factor, cause) < 0)
			return -1;
		if (!(f->factor > 0) || f->factor > 1e6) {
			*cause = yt_errorf(fn, "factor: expected a number greater than 0 "
			    "(and at most 1e6)");
			return -1;
		}
	}
		/* FALLTHROUGH */
	case SCN_FAULT_FAIL_PULLS:
		if (f->image != NULL && f->image[0] == '\0') {
			*cause = yt_errorf(yt_get(n, "image"), "image: expected an image "
			    "name (e.g. registry.example.com/shop/web or ...:1.4)");
			return -1;
		}
		/* FALLTHROUGH */
	case SCN_FAULT_PARTITION:
	case SCN_FAULT_API_OUTAGE:
		if (f->duration <= 0) {
			*cause = yt_errorf(dur != NULL ? dur : n, "%s needs a duration "
			    "greater than 0", fault_actions[f->kind]);
			return -1;
		}
		if (f->kind == SCN_FAULT_PARTITION && f->zone == NULL) {
			*cause = yt_errorf(n, "partitionZone needs a zone");
			return -1;
		}
		break;
	case SCN_FAULT_SPOT_RECLAIM: {
		const struct scn_pool *p = f->pool ? pool_named(s, f->pool) : NULL;
		if (p == NULL) {
			*cause = yt_errorf(n, "spotReclaim needs the pool of spot nodes");
			return -1;
		}
		if (!p->spot) {
			*cause = yt_errorf(yt_get(n, "pool"), "node pool '%s' is not a spot "
			    "pool (set spot: true on it)", f->pool);
			return -1;
		}
		break;
	}
	case SCN_FAULT_KILL_PODS: {
		const struct yt_node *sel = yt_get(n, "selector");
		if (sel == NULL || yt_is_null(sel)) {
			*cause = yt_errorf(n, "killPods needs a selector (a LabelSelector: "
			    "{matchLabels: {app: web}})");
			return -1;
		}
		if (scn_selector(sel, "selector", &f->selector, cause) < 0)
			return -1;
		f->selector.set = true;
		break;
	}
	case SCN_FAULT_UPGRADE:
		if (f->pool == NULL) {
			*cause = yt_errorf(n, "upgradeNodes needs a pool");
			return -1;
		}
		break;
	default:	/* SCN_FAULT_DRAIN; the replayed kinds are incident.c's */
		break;
	}
	int64_t v;
	bool per_pod = f->kind == SCN_FAULT_KILL_PODS;
	if (scn_get_int(n, "count", per_pod || f->kind == SCN_FAULT_SPOT_RECLAIM ||
	    (f->kind == SCN_FAULT_DRAIN && f->node == NULL) ? 1 : 0,
	    f->kind == SCN_FAULT_DRAIN ? 0 : 1, INT32_MAX, &v, cause) < 0)
		return -1;
	f->count = (int32_t)v;
	const struct yt_node *every = yt_get(n, "every");
	if (every != NULL && !yt_is_null(every)) {
		if (scn_dist_node(every, &f->every, cause) < 0)
			return -1;
		if (!(sim_dist_mean(&f->every) > 0)) {
			*cause = yt_errorf(every, "every: expected a distribution of the "
			    "time between faults with a mean greater than 0");
			return -1;
		}
		f->random = true;
	} else if (dur != NULL && (f->kind == SCN_FAULT_SPOT_RECLAIM ||
	    f->kind == SCN_FAULT_KILL_PODS)) {
		*cause = yt_errorf(dur, "duration is the window of random %s: it needs "
		    "every", fault_actions[f->kind]);
		return -1;
	}
	return 0;
}

int
scn_fault_parse(struct scenario *s, const struct yt_node *n, struct scn_chaos *c,
    char **cause)
{
	const struct yt_node *a = yt_get(n, "action");
	if (n->kind != YT_MAP || a == NULL || a->kind != YT_SCALAR)
		return 0;
	int k;
	for (k = 0; fault_actions[k] != NULL; k++)
		if (strcmp(fault_actions[k], a->str) == 0)
			break;
	if (fault_actions[k] == NULL)
		return 0;
	for (size_t i = 0; i < n->n; i++) {
		const char *key = n->keys[i]->str;
		if (strcmp(key, "at") == 0 || strcmp(key, "action") == 0 ||
		    key_in(fault_keys[k], key))
			continue;
		char list[160] = "";
		size_t len = 0;
		for (size_t j = 0; fault_keys[k][j] != NULL; j++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
			    j > 0 ? ", " : "", fault_keys[k][j]);
		*cause = yt_errorf(n->keys[i], "the %s action takes at, action and %s, "
		    "not '%s'", a->str, list, key);
		return -1;
	}
	if (yt_get(n, "at") == NULL) {
		*cause = yt_errorf(n, "a scheduled failure needs 'at' and 'action'");
		return -1;
	}
	struct scn_fault *f = xcalloc(1, sizeof *f);
	f->kind = (enum scn_fault_kind)k;
	c->kind = SCN_FAULT;
	c->fault = f;
	if (fault_fields(s, n, f, cause) < 0)
		return -1;
	c->at = f->at;
	if (f->at > s->duration) {
		s->notes = xreallocarray(s->notes, s->nnotes + 1, sizeof *s->notes);
		s->notes[s->nnotes++] = yt_errorf(yt_get(n, "at"),
		    "this failure is after the end of the run (%.0f s) and will not happen",
		    sim_ns_to_s(s->duration));
	}
	return 1;
}

void
scn_fault_free(struct scn_fault *f)
{
	if (f == NULL)
		return;
	free(f->pool);
	free(f->zone);
	free(f->node);
	free(f->object);
	free(f->deployment);
	free(f->ns);
	free(f->image);
	free(f->reason);
	k8s_selector_free(&f->selector);
	free(f);
}
