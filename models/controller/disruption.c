/*
 * disruption.c - the disruption controller's PDB status and the eviction
 * subresource's check, as pkg/controller/disruption/disruption.go and
 * pkg/registry/core/pod/storage/eviction.go compute them: controller finders
 * by group and kind, expected pods from distinct controllers' scale,
 * percentages rounded up, disrupted pods not healthy for 2 minutes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/controller/disruption.h"
#include "sim/util/util.h"

/* ---- selectors ----------------------------------------------------------- */

static bool
str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

bool
disr_selector_matches(const struct disr_selector *s, const struct disr_label *labels,
    size_t n)
{
	if (s == NULL || !s->set)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			found = str_eq(labels[j].key, s->match_labels[i].key) &&
			    str_eq(labels[j].value, s->match_labels[i].value);
		if (!found)
			return false;
	}
	return true;
}

/* ---- finders ----------------------------------------------------------------- */

/* schema.ParseGroupVersion's group: "" or "/" is the legacy core group, no
 * slash a bare version, one slash group/version, more an error. */
static int
group_of(const char *api_version, char *group, size_t size)
{
	const char *gv = api_version != NULL ? api_version : "";
	group[0] = '\0';
	if (*gv == '\0' || strcmp(gv, "/") == 0)
		return 0;
	const char *slash = strchr(gv, '/');
	if (slash == NULL)
		return 0;
	if (strchr(slash + 1, '/') != NULL)
		return -1;
	size_t len = (size_t)(slash - gv);
	if (len >= size)
		len = size - 1;
	memcpy(group, gv, len);
	group[len] = '\0';
	return 0;
}

/* verifyGroupKind: 1 when ref has the kind and one of the groups. */
static int
verify(const struct disr_ref *ref, const char *kind, const char *const *groups)
{
	char g[128];
	if (group_of(ref->api_version, g, sizeof g) < 0)
		return -1;
	if (!str_eq(ref->kind, kind))
		return 0;
	for (; *groups != NULL; groups++)
		if (strcmp(*groups, g) == 0)
			return 1;
	return 0;
}

static const char *const apps_ext[] = { "apps", "extensions", NULL };
static const char *const apps_only[] = { "apps", NULL };
static const char *const core_only[] = { "", NULL };

/* The object a reference names, if its uid matches. */
static const struct disr_object *
resolve(const struct disr_ref *ref, const char *kind, disr_lookup_fn lookup, void *ctx)
{
	const struct disr_object *o = lookup(ctx, kind, ref->name);
	return o != NULL && str_eq(o->uid, ref->uid) ? o : NULL;
}

int
disr_find(enum disr_finder f, const struct disr_ref *ref, disr_lookup_fn lookup,
    void *ctx, const char **uid, int32_t *scale)
{
	const struct disr_object *o = NULL;
	int rc;
	*uid = NULL;
	*scale = 0;
	switch (f) {
	case DISR_FIND_REPLICATION_CONTROLLER:
		if ((rc = verify(ref, "ReplicationController", core_only)) <= 0)
			return rc;
		o = resolve(ref, "ReplicationController", lookup, ctx);
		break;
	case DISR_FIND_DEPLOYMENT: {
		if ((rc = verify(ref, "ReplicaSet", apps_ext)) <= 0)
			return rc;
		const struct disr_object *rs = resolve(ref, "ReplicaSet", lookup, ctx);
		if (rs == NULL || rs->controller == NULL)
			return 0;
		if ((rc = verify(rs->controller, "Deployment", apps_ext)) <= 0)
			return rc;
		o = resolve(rs->controller, "Deployment", lookup, ctx);
		break;
	}
	case DISR_FIND_REPLICA_SET:
		if ((rc = verify(ref, "ReplicaSet", apps_ext)) <= 0)
			return rc;
		o = resolve(ref, "ReplicaSet", lookup, ctx);
		/* A ReplicaSet of a Deployment counts through the Deployment. */
		if (o != NULL && o->controller != NULL && str_eq(o->controller->kind, "Deployment"))
			return 0;
		break;
	case DISR_FIND_STATEFUL_SET:
		if ((rc = verify(ref, "StatefulSet", apps_only)) <= 0)
			return rc;
		o = resolve(ref, "StatefulSet", lookup, ctx);
		break;
	case DISR_FIND_SCALE: {
		char g[128];
		if (group_of(ref->api_version, g, sizeof g) < 0)
			return -1;
		o = resolve(ref, ref->kind, lookup, ctx);
		break;
	}
	case DISR_NFINDERS:
	default:
		return 0;
	}
	if (o == NULL)
		return 0;
	*uid = o->uid;
	*scale = o->replicas;
	return 1;
}

/* ---- status --------------------------------------------------------------------- */

/* getExpectedScale: the sum of the scale of the distinct controllers of
 * managed pods; unmanaged pods are ignored. */
static int
expected_scale(struct disr_pod *const *pods, size_t npods, disr_lookup_fn lookup,
    void *ctx, struct disr_scale *seen, int32_t *out, char **cause)
{
	size_t nseen = 0;
	*out = 0;
	for (size_t i = 0; i < npods; i++) {
		const struct disr_ref *ref = pods[i]->controller;
		if (ref == NULL)
			continue;
		bool known = false;
		for (size_t k = 0; k < nseen && !known; k++)
			known = str_eq(seen[k].uid, ref->uid);
		if (known)
			continue;
		bool found = false;
		for (int f = 0; f < DISR_NFINDERS && !found; f++) {
			const char *uid;
			int32_t scale;
			int rc = disr_find((enum disr_finder)f, ref, lookup, ctx, &uid, &scale);
			if (rc < 0) {
				if (cause != NULL)
					*cause = xasprintf("unexpected GroupVersion string: %s",
					    ref->api_version);
				return -1;
			}
			if (rc == 0)
				continue;
			found = true;
			size_t k = 0;
			while (k < nseen && !str_eq(seen[k].uid, uid))
				k++;
			seen[k] = (struct disr_scale){ uid, scale };
			if (k == nseen)
				nseen++;
		}
		if (!found) {
			if (cause != NULL)
				*cause = xasprintf("found no controllers for pod \"%s\"",
				    pods[i]->name ? pods[i]->name : "");
			return -1;
		}
	}
	int64_t sum = 0;
	for (size_t k = 0; k < nseen; k++)
		sum += seen[k].scale;
	*out = (int32_t)sum;
	return 0;
}

static const struct disr_disrupted *
find_disrupted(const struct disr_disrupted *d, size_t n, const char *pod)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(d[i].pod, pod))
			return &d[i];
	return NULL;
}

int
disr_sync(const struct disr_spec *pdb, struct disr_pod *const *pods, size_t npods,
    const struct disr_disrupted *disrupted, size_t ndisrupted, disr_lookup_fn lookup,
    void *ctx, int64_t now_ns, struct disr_scale *scratch, struct disr_status *st,
    struct disr_disrupted *kept, char **cause)
{
	int32_t expected = 0, desired = 0;
	memset(st, 0, sizeof *st);
	st->recheck_ns = -1;
	if (pdb->max_unavailable.kind != INTSTR_UNSET) {
		int32_t mu;
		if (expected_scale(pods, npods, lookup, ctx, scratch, &expected, cause) < 0)
			return -1;
		(void)intstr_scaled(&pdb->max_unavailable, expected, true, &mu);
		desired = expected - mu > 0 ? expected - mu : 0;
	} else if (pdb->min_available.kind == INTSTR_INT) {
		/* An absolute minAvailable counts every selected pod, managed or not. */
		desired = pdb->min_available.value;
		expected = (int32_t)npods;
	} else if (pdb->min_available.kind == INTSTR_PERCENT) {
		if (expected_scale(pods, npods, lookup, ctx, scratch, &expected, cause) < 0)
			return -1;
		(void)intstr_scaled(&pdb->min_available, expected, true, &desired);
	}
	/* buildDisruptedPodMap: entries of live pods whose 2 minutes have not
	 * run out. */
	size_t nkept = 0;
	for (size_t i = 0; i < npods; i++) {
		if (pods[i]->deleting)
			continue;
		const struct disr_disrupted *d = find_disrupted(disrupted, ndisrupted,
		    pods[i]->name);
		if (d == NULL || nkept >= ndisrupted)
			continue;
		int64_t due = d->time_ns + DISR_DELETION_TIMEOUT_NS;
		if (due < now_ns)
			continue;
		if (st->recheck_ns < 0 || due < st->recheck_ns)
			st->recheck_ns = due;
		kept[nkept++] = *d;
	}
	/* countHealthyPods. */
	int32_t healthy = 0;
	for (size_t i = 0; i < npods; i++) {
		if (pods[i]->deleting)
			continue;
		const struct disr_disrupted *d = find_disrupted(kept, nkept, pods[i]->name);
		if (d != NULL && d->time_ns + DISR_DELETION_TIMEOUT_NS > now_ns)
			continue;
		if (pods[i]->ready)
			healthy++;
	}
	int32_t allowed = healthy - desired;
	if (expected <= 0 || allowed <= 0)
		allowed = 0;
	st->disruptions_allowed = allowed;
	st->current_healthy = healthy;
	st->desired_healthy = desired;
	st->expected_pods = expected;
	st->observed_generation = pdb->generation;
	st->disruption_allowed = allowed > 0;
	st->ndisrupted = nkept;
	return 0;
}

void
disr_fail_safe(const struct disr_spec *pdb, struct disr_status *st)
{
	st->disruptions_allowed = 0;
	st->disruption_allowed = false;
	st->observed_generation = pdb->generation;
}

/* ---- eviction ---------------------------------------------------------------------- */

static void
reject(struct disr_eviction *out, enum disr_evict_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reject(struct disr_eviction *out, enum disr_evict_result r, const char *fmt, ...)
{
	static const int codes[] = { 200, 429, 403, 500 };
	static const char *const reasons[] = { "", "TooManyRequests", "Forbidden",
		"InternalError" };
	va_list ap;
	out->result = r;
	out->code = codes[r];
	out->reason = reasons[r];
	va_start(ap, fmt);
	vsnprintf(out->cause, sizeof out->cause, fmt, ap);
	va_end(ap);
}

void
disr_evict(const struct disr_pod *pod, struct disr_budget *const *pdbs, size_t npdbs,
    struct disr_eviction *out)
{
	memset(out, 0, sizeof *out);
	out->result = DISR_EVICT_DELETE;
	out->code = 200;
	out->reason = "";
	/* canIgnorePDB: terminal, pending or already terminating pods. */
	if (pod->phase == DISR_PHASE_SUCCEEDED || pod->phase == DISR_PHASE_FAILED ||
	    pod->phase == DISR_PHASE_PENDING || pod->deleting)
		return;
	if (npdbs > 1) {
		reject(out, DISR_EVICT_INTERNAL_ERROR, "This pod has more than one "
		    "PodDisruptionBudget, which the eviction subresource does not support.");
		return;
	}
	if (npdbs == 0)
		return;
	struct disr_budget *b = pdbs[0];
	struct disr_status *s = &b->status;
	/* A pod that is not Ready does not count as healthy: evicting it costs
	 * nothing when the policy says so or the budget is met. */
	if (!pod->ready && b->unhealthy_policy == DISR_ALWAYS_ALLOW)
		return;
	if (!pod->ready && s->current_healthy >= s->desired_healthy && s->desired_healthy > 0)
		return;
	if (s->observed_generation < b->generation) {
		reject(out, DISR_EVICT_TOO_MANY_REQUESTS, "The disruption budget %s is still "
		    "being processed by the server.", b->name);
		return;
	}
	if (s->disruptions_allowed < 0) {
		reject(out, DISR_EVICT_FORBIDDEN, "pdb disruptions allowed is negative");
		return;
	}
	if (s->ndisrupted > DISR_MAX_DISRUPTED_PODS) {
		reject(out, DISR_EVICT_FORBIDDEN, "DisruptedPods map too big - too many "
		    "evictions not confirmed by PDB controller");
		return;
	}
	if (s->disruptions_allowed == 0) {
		reject(out, DISR_EVICT_TOO_MANY_REQUESTS, "The disruption budget %s needs %d "
		    "healthy pods and has %d currently", b->name, (int)s->desired_healthy,
		    (int)s->current_healthy);
		return;
	}
	s->disruptions_allowed--;
	if (s->disruptions_allowed == 0)
		s->disruption_allowed = false;
	s->ndisrupted++;
	out->decremented = true;
}
