/*
 * deployment.c - the Deployment controller's algorithms as upstream has them
 * (pkg/controller/deployment: util/deployment_util.go, rolling.go, sync.go,
 * recreate.go, progress.go): integer fenceposts, rolling-update sizing,
 * proportional scaling with round-half-away-from-zero, revision cleanup and
 * the Progressing/Available conditions. No allocation: callers pass arrays.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/deployment.h"

#define NS_PER_SEC	1000000000LL

static const char *const reason_names[] = {
	[DEPLOY_REASON_NONE] = "",
	[DEPLOY_REASON_RS_UPDATED] = "ReplicaSetUpdated",
	[DEPLOY_REASON_RS_CREATE_ERROR] = "ReplicaSetCreateError",
	[DEPLOY_REASON_NEW_RS_CREATED] = "NewReplicaSetCreated",
	[DEPLOY_REASON_FOUND_NEW_RS] = "FoundNewReplicaSet",
	[DEPLOY_REASON_NEW_RS_AVAILABLE] = "NewReplicaSetAvailable",
	[DEPLOY_REASON_TIMED_OUT] = "ProgressDeadlineExceeded",
	[DEPLOY_REASON_PAUSED] = "DeploymentPaused",
	[DEPLOY_REASON_RESUMED] = "DeploymentResumed",
	[DEPLOY_REASON_MIN_AVAILABLE] = "MinimumReplicasAvailable",
	[DEPLOY_REASON_MIN_UNAVAILABLE] = "MinimumReplicasUnavailable",
	[DEPLOY_REASON_OTHER] = "(other)",
};

const char *
deploy_reason_name(enum deploy_reason r)
{
	return (size_t)r < sizeof reason_names / sizeof reason_names[0] ?
	    reason_names[r] : "(other)";
}

enum deploy_reason
deploy_reason_parse(const char *s)
{
	if (s == NULL)
		return DEPLOY_REASON_NONE;
	for (size_t i = 0; i < DEPLOY_REASON_OTHER; i++)
		if (strcmp(reason_names[i], s) == 0)
			return (enum deploy_reason)i;
	return DEPLOY_REASON_OTHER;
}

/* ---- fenceposts --------------------------------------------------------- */

int
deploy_resolve_fenceposts(const struct intstr *max_surge,
    const struct intstr *max_unavailable, int32_t desired, int32_t *surge,
    int32_t *unavailable)
{
	/* ValueOrDefault(x, 0): nil counts as the int 0. */
	struct intstr zero = intstr_int(0);
	const struct intstr *s = max_surge->kind == INTSTR_UNSET ? &zero : max_surge;
	const struct intstr *u = max_unavailable->kind == INTSTR_UNSET ? &zero :
	    max_unavailable;
	*surge = *unavailable = 0;
	int32_t sv, uv;
	if (intstr_scaled(s, desired, true, &sv) < 0)
		return -1;
	if (intstr_scaled(u, desired, false, &uv) < 0)
		return -1;
	if (sv == 0 && uv == 0)
		uv = 1;
	*surge = sv;
	*unavailable = uv;
	return 0;
}

int32_t
deploy_max_unavailable(const struct deploy_spec *d)
{
	if (d->strategy != DEPLOY_ROLLING_UPDATE || d->replicas == 0)
		return 0;
	int32_t surge, unavail;
	(void)deploy_resolve_fenceposts(&d->max_surge, &d->max_unavailable, d->replicas,
	    &surge, &unavail);
	return unavail > d->replicas ? d->replicas : unavail;
}

int32_t
deploy_min_available(const struct deploy_spec *d)
{
	if (d->strategy != DEPLOY_ROLLING_UPDATE)
		return 0;
	return d->replicas - deploy_max_unavailable(d);
}

int32_t
deploy_max_surge(const struct deploy_spec *d)
{
	if (d->strategy != DEPLOY_ROLLING_UPDATE)
		return 0;
	int32_t surge, unavail;
	(void)deploy_resolve_fenceposts(&d->max_surge, &d->max_unavailable, d->replicas,
	    &surge, &unavail);
	return surge;
}

/* ---- counts -------------------------------------------------------------- */

int32_t
deploy_sum_spec(struct deploy_rs *const *rs, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		if (rs[i] != NULL)
			s += rs[i]->spec_replicas;
	return s;
}

int32_t
deploy_sum_status(struct deploy_rs *const *rs, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		if (rs[i] != NULL)
			s += rs[i]->status_replicas;
	return s;
}

int32_t
deploy_sum_ready(struct deploy_rs *const *rs, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		if (rs[i] != NULL)
			s += rs[i]->ready_replicas;
	return s;
}

int32_t
deploy_sum_available(struct deploy_rs *const *rs, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		if (rs[i] != NULL)
			s += rs[i]->available_replicas;
	return s;
}

bool
deploy_sum_terminating(struct deploy_rs *const *rs, size_t n, int32_t *out)
{
	int32_t s = 0;
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (rs[i] == NULL)
			continue;
		/* Never observed: the field cannot have been written yet. */
		if (rs[i]->observed_generation == 0 && !rs[i]->has_terminating)
			continue;
		if (!rs[i]->has_terminating)
			return false;
		s += rs[i]->terminating_replicas;
	}
	*out = s;
	return true;
}

/* ---- annotations ---------------------------------------------------------- */

bool
deploy_annotation_int(const char *s, int32_t *out)
{
	*out = 0;
	if (s == NULL || *s == '\0')
		return false;
	/* strconv.ParseInt(s, 10, 32): optional sign, digits only. */
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '\0')
		return false;
	for (const char *q = p; *q != '\0'; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno != 0 || v < 0 || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

bool
deploy_annotations_need_update(const struct deploy_rs *rs, int32_t desired, int32_t max)
{
	return !rs->has_desired || rs->desired_replicas != desired ||
	    !rs->has_max || rs->max_replicas != max;
}

bool
deploy_is_saturated(const struct deploy_spec *d, const struct deploy_rs *rs)
{
	if (rs == NULL || !rs->has_desired)
		return false;
	return rs->spec_replicas == d->replicas && rs->desired_replicas == d->replicas &&
	    rs->available_replicas == d->replicas;
}

/* ---- sizes ------------------------------------------------------------------ */

int
deploy_new_rs_replicas(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t n, const struct deploy_rs *new_rs, int32_t *out)
{
	*out = 0;
	if (d->strategy == DEPLOY_RECREATE) {
		/* Recreate's TerminationComplete bookkeeping waits for old pods to
		 * be gone before this is called; the size is simply replicas. */
		*out = d->replicas;
		return 0;
	}
	struct intstr zero = intstr_int(0);
	int32_t surge;
	if (intstr_scaled(d->max_surge.kind == INTSTR_UNSET ? &zero : &d->max_surge,
	    d->replicas, true, &surge) < 0)
		return -1;
	int64_t current;
	if (d->replacement == DEPLOY_REPLACE_TERMINATION_COMPLETE) {
		/* Pods still terminating, or not yet removed from a ReplicaSet that
		 * was scaled down, keep their place until they are gone. */
		int32_t term;
		if (!deploy_sum_terminating(all, n, &term))
			return -1;
		current = term;
		for (size_t i = 0; i < n; i++)
			if (all[i] != NULL)
				current += all[i]->spec_replicas > all[i]->status_replicas ?
				    all[i]->spec_replicas : all[i]->status_replicas;
	} else {
		current = deploy_sum_spec(all, n);
	}
	int64_t max_total = (int64_t)d->replicas + surge;
	if (current >= max_total) {
		*out = new_rs->spec_replicas;
		return 0;
	}
	int64_t up = max_total - current;
	int64_t room = (int64_t)d->replicas - new_rs->spec_replicas;
	if (room < up)
		up = room;
	*out = (int32_t)(new_rs->spec_replicas + up);
	return 0;
}

/* Round half away from zero of a/b (b > 0), exactly: math.Round in Go. */
static int64_t
round_div(int64_t a, int64_t b)
{
	if (a >= 0)
		return (2 * a + b) / (2 * b);
	return -((-2 * a + b) / (2 * b));
}

int32_t
deploy_rs_fraction(const struct deploy_spec *d, int32_t status_replicas,
    const struct deploy_rs *rs)
{
	if (d->replicas == 0)
		return -rs->spec_replicas;
	int64_t target = (int64_t)d->replicas + deploy_max_surge(d);
	int64_t base = rs->has_max ? rs->max_replicas : 0;
	if (base == 0) {
		/* Annotation missing, invalid or 0 (a third party's doing). */
		base = status_replicas;
		if (base == 0)
			return 0;
	}
	int64_t size = round_div((int64_t)rs->spec_replicas * target, base);
	return (int32_t)(size - rs->spec_replicas);
}

int32_t
deploy_rs_proportion(const struct deploy_spec *d, int32_t status_replicas,
    const struct deploy_rs *rs, int32_t to_add, int32_t added)
{
	if (rs == NULL || rs->spec_replicas == 0 || to_add == 0 || to_add == added)
		return 0;
	int32_t f = deploy_rs_fraction(d, status_replicas, rs);
	int32_t allowed = to_add - added;
	if (to_add > 0)
		return f < allowed ? f : allowed;
	return f > allowed ? f : allowed;
}

/* ---- ordering (controller_utils.go, deployment_util.go) --------------------- */

typedef bool (*rs_less_fn)(const struct deploy_rs *a, const struct deploy_rs *b);

static bool
by_creation(const struct deploy_rs *a, const struct deploy_rs *b)
{
	if (a->created_ns == b->created_ns) {
		const char *na = a->name ? a->name : "", *nb = b->name ? b->name : "";
		return strcmp(na, nb) < 0;
	}
	return a->created_ns < b->created_ns;
}

static bool
by_creation_newest(const struct deploy_rs *a, const struct deploy_rs *b)
{
	return by_creation(b, a);
}

static bool
by_size_newer(const struct deploy_rs *a, const struct deploy_rs *b)
{
	if (a->spec_replicas == b->spec_replicas)
		return by_creation(b, a);
	return a->spec_replicas > b->spec_replicas;
}

static bool
by_size_older(const struct deploy_rs *a, const struct deploy_rs *b)
{
	if (a->spec_replicas == b->spec_replicas)
		return by_creation(a, b);
	return a->spec_replicas > b->spec_replicas;
}

static bool
by_revision(const struct deploy_rs *a, const struct deploy_rs *b)
{
	if (a->revision_bad || b->revision_bad || a->revision == b->revision)
		return by_creation(a, b);
	return a->revision < b->revision;
}

/* Insertion sort: a handful of ReplicaSets per Deployment, and stable, so
 * equal keys keep the caller's order deterministically. */
static void
rs_sort(struct deploy_rs **v, size_t n, rs_less_fn less)
{
	for (size_t i = 1; i < n; i++) {
		struct deploy_rs *x = v[i];
		size_t j = i;
		while (j > 0 && less(x, v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* ---- scaling steps ----------------------------------------------------------- */

bool
deploy_scale_rs(const struct deploy_spec *d, struct deploy_rs *rs, int32_t size)
{
	int32_t max = d->replicas + deploy_max_surge(d);
	bool resize = rs->spec_replicas != size;
	if (resize || deploy_annotations_need_update(rs, d->replicas, max)) {
		rs->spec_replicas = size;
		rs->has_desired = rs->has_max = true;
		rs->desired_replicas = d->replicas;
		rs->max_replicas = max;
	}
	return resize;
}

/* scaleReplicaSetAndRecordEvent: nothing at all when the size is unchanged. */
static bool
scale_and_record(const struct deploy_spec *d, struct deploy_rs *rs, int32_t size)
{
	if (rs->spec_replicas == size)
		return false;
	return deploy_scale_rs(d, rs, size);
}

int
deploy_reconcile_new(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t n, struct deploy_rs *new_rs, bool *scaled)
{
	*scaled = false;
	if (new_rs->spec_replicas == d->replicas)
		return 0;
	if (new_rs->spec_replicas > d->replicas) {
		*scaled = scale_and_record(d, new_rs, d->replicas);
		return 0;
	}
	int32_t count;
	if (deploy_new_rs_replicas(d, all, n, new_rs, &count) < 0)
		return -1;
	*scaled = scale_and_record(d, new_rs, count);
	return 0;
}

int32_t
deploy_cleanup_unhealthy(const struct deploy_spec *d, struct deploy_rs **old,
    size_t nold, int32_t max_cleanup)
{
	rs_sort(old, nold, by_creation);
	int32_t done = 0;
	for (size_t i = 0; i < nold; i++) {
		struct deploy_rs *rs = old[i];
		if (done >= max_cleanup)
			break;
		if (rs->spec_replicas == 0 || rs->spec_replicas == rs->available_replicas)
			continue;
		int32_t k = rs->spec_replicas - rs->available_replicas;
		if (max_cleanup - done < k)
			k = max_cleanup - done;
		int32_t size = rs->spec_replicas - k;
		if (size > rs->spec_replicas)
			break;		/* upstream's "invalid request" error */
		scale_and_record(d, rs, size);
		done += k;
	}
	return done;
}

/* The scale-down loop of scaleDownOldReplicaSetsForRollingUpdate, given the
 * available pods of all ReplicaSets. */
static int32_t
scale_down_old_avail(const struct deploy_spec *d, int32_t avail, struct deploy_rs **old,
    size_t nold)
{
	int32_t min_avail = d->replicas - deploy_max_unavailable(d);
	if (avail <= min_avail)
		return 0;
	rs_sort(old, nold, by_creation);
	int32_t goal = avail - min_avail, done = 0;
	for (size_t i = 0; i < nold; i++) {
		struct deploy_rs *rs = old[i];
		if (done >= goal)
			break;
		if (rs->spec_replicas == 0)
			continue;
		int32_t k = rs->spec_replicas < goal - done ? rs->spec_replicas : goal - done;
		scale_and_record(d, rs, rs->spec_replicas - k);
		done += k;
	}
	return done;
}

int32_t
deploy_scale_down_old(const struct deploy_spec *d, struct deploy_rs *const *all,
    size_t nall, struct deploy_rs **old, size_t nold)
{
	return scale_down_old_avail(d, deploy_sum_available(all, nall), old, nold);
}

bool
deploy_reconcile_old(const struct deploy_spec *d, struct deploy_rs **old,
    size_t nold, struct deploy_rs *new_rs)
{
	int32_t old_pods = deploy_sum_spec(old, nold);
	if (old_pods == 0)
		return false;
	int32_t all_pods = old_pods + (new_rs != NULL ? new_rs->spec_replicas : 0);
	int32_t min_avail = d->replicas - deploy_max_unavailable(d);
	int32_t new_unavail = new_rs != NULL ?
	    new_rs->spec_replicas - new_rs->available_replicas : 0;
	/* Unhealthy old pods can go at once; healthy ones only as far as
	 * minAvailable allows, not counting new pods that are not available. */
	int32_t max_scaled_down = all_pods - min_avail - new_unavail;
	if (max_scaled_down <= 0)
		return false;
	int32_t cleaned = deploy_cleanup_unhealthy(d, old, nold, max_scaled_down);
	/* allRSs = oldRSs + newRS: status (availability) is what the API had. */
	int32_t avail = deploy_sum_available(old, nold) +
	    (new_rs != NULL ? new_rs->available_replicas : 0);
	int32_t scaled = scale_down_old_avail(d, avail, old, nold);
	return cleaned + scaled > 0;
}

/* ---- proportional scaling (sync.go scale) -------------------------------------- */

void
deploy_scale_proportionally(const struct deploy_spec *d, int32_t status_replicas,
    struct deploy_rs *new_rs, struct deploy_rs **old, size_t nold,
    struct deploy_rs **scratch)
{
	if (new_rs == NULL && nold == 0)
		return;
	/* FindActiveOrLatest: old sorted newest first. */
	rs_sort(old, nold, by_creation_newest);
	size_t nact = 0;
	for (size_t i = 0; i < nold; i++)
		if (old[i]->spec_replicas > 0)
			scratch[nact++] = old[i];
	if (new_rs != NULL && new_rs->spec_replicas > 0)
		scratch[nact++] = new_rs;
	struct deploy_rs *target = NULL;
	if (nact == 0)
		target = new_rs != NULL ? new_rs : old[0];
	else if (nact == 1)
		target = scratch[0];
	if (target != NULL) {
		scale_and_record(d, target, d->replicas);
		return;
	}
	/* A saturated new ReplicaSet: old ones are fully scaled down. */
	if (deploy_is_saturated(d, new_rs)) {
		for (size_t i = 0; i < nold; i++)
			if (old[i]->spec_replicas > 0)
				scale_and_record(d, old[i], 0);
		return;
	}
	if (d->strategy != DEPLOY_ROLLING_UPDATE)
		return;
	int32_t total = deploy_sum_spec(scratch, nact);
	int32_t allowed = d->replicas > 0 ? d->replicas + deploy_max_surge(d) : 0;
	int32_t to_add = allowed - total;
	/* Larger first; equal sizes: newer first when growing, older first
	 * when shrinking. */
	if (to_add > 0)
		rs_sort(scratch, nact, by_size_newer);
	else if (to_add < 0)
		rs_sort(scratch, nact, by_size_older);
	int32_t added = 0, first = scratch[0]->spec_replicas;
	for (size_t i = 0; i < nact; i++) {
		int32_t size = scratch[i]->spec_replicas;
		if (to_add != 0) {
			int32_t p = deploy_rs_proportion(d, status_replicas, scratch[i], to_add,
			    added);
			size += p;
			added += p;
		}
		if (i == 0)
			first = size;
		else
			deploy_scale_rs(d, scratch[i], size);
	}
	/* The leftover goes to the largest, never below 0. */
	if (to_add != 0) {
		first += to_add - added;
		if (first < 0)
			first = 0;
	}
	deploy_scale_rs(d, scratch[0], first);
}

bool
deploy_recreate_scale_down(const struct deploy_spec *d, struct deploy_rs *const *old,
    size_t nold)
{
	bool scaled = false;
	for (size_t i = 0; i < nold; i++)
		if (old[i]->spec_replicas != 0 && scale_and_record(d, old[i], 0))
			scaled = true;
	return scaled;
}

bool
deploy_is_scaling_event(const struct deploy_spec *d, struct deploy_rs *const *all, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (all[i] != NULL && all[i]->spec_replicas > 0 && all[i]->has_desired &&
		    all[i]->desired_replicas != d->replicas)
			return true;
	return false;
}

int
deploy_rolling_step(const struct deploy_spec *d, struct deploy_rs *new_rs,
    struct deploy_rs **old, size_t nold, struct deploy_rs **scratch,
    enum deploy_step *step)
{
	*step = DEPLOY_STEP_NONE;
	/* allRSs = oldRSs + newRS. */
	struct deploy_rs **all = scratch;
	for (size_t i = 0; i < nold; i++)
		all[i] = old[i];
	all[nold] = new_rs;
	bool scaled;
	if (deploy_reconcile_new(d, all, nold + 1, new_rs, &scaled) < 0)
		return -1;
	if (scaled) {
		*step = DEPLOY_STEP_SCALED_UP;
		return 0;
	}
	/* reconcileOldReplicaSets over the active old ReplicaSets only. */
	struct deploy_rs **active = scratch + nold + 1;
	size_t na = 0;
	for (size_t i = 0; i < nold; i++)
		if (old[i]->spec_replicas > 0)
			active[na++] = old[i];
	if (deploy_reconcile_old(d, active, na, new_rs))
		*step = DEPLOY_STEP_SCALED_DOWN;
	return 0;
}

void
deploy_recreate_step(const struct deploy_spec *d, struct deploy_rs *new_rs,
    struct deploy_rs *const *old, size_t nold, bool old_pods_running,
    enum deploy_step *step)
{
	*step = DEPLOY_STEP_NONE;
	if (deploy_recreate_scale_down(d, old, nold)) {
		*step = DEPLOY_STEP_SCALED_DOWN;
		return;
	}
	if (old_pods_running || deploy_sum_status(old, nold) > 0) {
		*step = DEPLOY_STEP_WAITING;
		return;
	}
	if (new_rs != NULL && scale_and_record(d, new_rs, d->replicas))
		*step = DEPLOY_STEP_SCALED_UP;
}

/* ---- revision history (sync.go cleanupDeployment) ------------------------------ */

size_t
deploy_cleanup(const struct deploy_spec *d, struct deploy_rs **old, size_t nold,
    struct deploy_rs **del)
{
	if (!d->has_revision_history || d->revision_history_limit == INT32_MAX)
		return 0;
	/* Keep the order of the alive ones, the ones being deleted after. */
	size_t nalive = 0;
	for (size_t i = 0; i < nold; i++)
		if (!old[i]->deleting)
			del[nalive++] = old[i];
	size_t k = nalive;
	for (size_t i = 0; i < nold; i++)
		if (old[i]->deleting)
			del[k++] = old[i];
	memcpy(old, del, nold * sizeof *old);
	int64_t diff = (int64_t)nalive - d->revision_history_limit;
	if (diff <= 0)
		return 0;
	rs_sort(old, nalive, by_revision);
	size_t ndel = 0;
	for (int64_t i = 0; i < diff; i++) {
		struct deploy_rs *rs = old[i];
		if (rs->status_replicas != 0 || rs->spec_replicas != 0 ||
		    rs->generation > rs->observed_generation || rs->deleting)
			continue;
		/* With terminating replicas reported, wait until they are gone. */
		if (d->gate_terminating && (!rs->has_terminating || rs->terminating_replicas != 0))
			continue;
		del[ndel++] = rs;
	}
	return ndel;
}

/* ---- progress ---------------------------------------------------------------------- */

static bool
has_progress_deadline(const struct deploy_spec *d)
{
	return d->has_progress_deadline && d->progress_deadline_s != INT32_MAX;
}

bool
deploy_complete(const struct deploy_spec *d, const struct deploy_status *s)
{
	return s->updated_replicas == d->replicas && s->replicas == d->replicas &&
	    s->available_replicas == d->replicas &&
	    s->observed_generation >= d->generation;
}

bool
deploy_progressing(const struct deploy_status *old, const struct deploy_status *s)
{
	int32_t old_old = old->replicas - old->updated_replicas;
	int32_t new_old = s->replicas - s->updated_replicas;
	return s->updated_replicas > old->updated_replicas || new_old < old_old ||
	    s->ready_replicas > old->ready_replicas ||
	    s->available_replicas > old->available_replicas;
}

bool
deploy_timed_out(const struct deploy_spec *d, const struct deploy_status *s,
    int64_t now_ns)
{
	if (!has_progress_deadline(d))
		return false;
	const struct deploy_condition *c = &s->progressing;
	if (c->status == DEPLOY_COND_ABSENT)
		return false;
	if (c->reason == DEPLOY_REASON_NEW_RS_AVAILABLE)
		return false;
	if (c->reason == DEPLOY_REASON_TIMED_OUT)
		return true;
	/* lastUpdateTime + deadline strictly before now. */
	return c->last_update_ns + (int64_t)d->progress_deadline_s * NS_PER_SEC < now_ns;
}

/* SetDeploymentCondition: same status and reason leaves it untouched; same
 * status keeps lastTransitionTime. */
static void
set_condition(struct deploy_condition *c, enum deploy_cond_status st,
    enum deploy_reason reason, int64_t now_ns)
{
	if (c->status == st && c->reason == reason)
		return;
	int64_t trans = c->status == st ? c->last_transition_ns : now_ns;
	c->status = st;
	c->reason = reason;
	c->last_update_ns = now_ns;
	c->last_transition_ns = trans;
}

void
deploy_calculate_status(const struct deploy_spec *d, const struct deploy_status *cur,
    struct deploy_rs *const *all, size_t n, const struct deploy_rs *new_rs,
    int64_t now_ns, struct deploy_status *out)
{
	int32_t avail = deploy_sum_available(all, n);
	int32_t total = deploy_sum_spec(all, n);
	*out = *cur;
	out->observed_generation = d->generation;
	out->replicas = deploy_sum_status(all, n);
	out->updated_replicas = new_rs != NULL ? new_rs->status_replicas : 0;
	out->ready_replicas = deploy_sum_ready(all, n);
	out->available_replicas = avail;
	out->unavailable_replicas = total - avail > 0 ? total - avail : 0;
	if (d->gate_terminating)
		out->has_terminating = deploy_sum_terminating(all, n, &out->terminating_replicas);
	else
		out->has_terminating = false, out->terminating_replicas = 0;
	if (avail >= d->replicas - deploy_max_unavailable(d))
		set_condition(&out->available, DEPLOY_COND_TRUE, DEPLOY_REASON_MIN_AVAILABLE,
		    now_ns);
	else
		set_condition(&out->available, DEPLOY_COND_FALSE,
		    DEPLOY_REASON_MIN_UNAVAILABLE, now_ns);
}

void
deploy_sync_rollout_status(const struct deploy_spec *d, const struct deploy_status *cur,
    struct deploy_rs *const *all, size_t n, const struct deploy_rs *new_rs,
    int64_t now_ns, struct deploy_status *out)
{
	deploy_calculate_status(d, cur, all, n, new_rs, now_ns, out);
	if (!has_progress_deadline(d))
		memset(&out->progressing, 0, sizeof out->progressing);
	const struct deploy_condition *cc = &cur->progressing;
	/* One active ReplicaSet after a finished rollout: a resync, no estimate. */
	bool done = out->replicas == out->updated_replicas &&
	    cc->status != DEPLOY_COND_ABSENT && cc->reason == DEPLOY_REASON_NEW_RS_AVAILABLE;
	if (!has_progress_deadline(d) || done)
		return;
	if (deploy_complete(d, out)) {
		set_condition(&out->progressing, DEPLOY_COND_TRUE,
		    DEPLOY_REASON_NEW_RS_AVAILABLE, now_ns);
	} else if (deploy_progressing(cur, out)) {
		/* Progress refreshes lastUpdateTime even with the same reason. */
		int64_t trans = cc->status == DEPLOY_COND_TRUE ? cc->last_transition_ns : now_ns;
		out->progressing.status = DEPLOY_COND_TRUE;
		out->progressing.reason = DEPLOY_REASON_RS_UPDATED;
		out->progressing.last_update_ns = now_ns;
		out->progressing.last_transition_ns = trans;
	} else if (deploy_timed_out(d, out, now_ns)) {
		set_condition(&out->progressing, DEPLOY_COND_FALSE, DEPLOY_REASON_TIMED_OUT,
		    now_ns);
	}
}

int64_t
deploy_requeue_after(const struct deploy_spec *d, const struct deploy_status *cur,
    const struct deploy_status *new_status, int64_t now_ns)
{
	const struct deploy_condition *c = &cur->progressing;
	if (!has_progress_deadline(d) || c->status == DEPLOY_COND_ABSENT)
		return DEPLOY_NO_REQUEUE;
	if (deploy_complete(d, new_status) || c->reason == DEPLOY_REASON_TIMED_OUT)
		return DEPLOY_NO_REQUEUE;
	int64_t after = c->last_update_ns + (int64_t)d->progress_deadline_s * NS_PER_SEC -
	    now_ns;
	return after < NS_PER_SEC ? 0 : after;
}
