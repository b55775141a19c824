/*
 * statefulset.c - the StatefulSet controller's algorithms: pod and claim
 * names, claim owner references, revision history, and one pass of
 * updateStatefulSet (stateful_set_control.go): replicas ascending, condemned
 * pods descending, then the rolling update with or without maxUnavailable.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/statefulset.h"
#include "sim/util/util.h"

/* ---- names and claims ----------------------------------------------------- */

int32_t
sts_parent_ordinal(const char *name, char *parent, size_t size)
{
	size_t len = strlen(name), d = len;
	if (size > 0)
		parent[0] = '\0';
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d == len || d == 0 || name[d - 1] != '-')
		return -1;
	/* strconv.ParseInt(digits, 10, 32): out of range leaves ordinal -1. */
	int64_t v = 0;
	for (size_t i = d; i < len; i++) {
		v = v * 10 + (name[i] - '0');
		if (v > INT32_MAX) {
			v = -1;
			break;
		}
	}
	if (size > 0)
		snprintf(parent, size, "%.*s", (int)(d - 1), name);
	return (int32_t)v;
}

char *
sts_pod_name(const char *set, int32_t ordinal)
{
	return xasprintf("%s-%d", set, ordinal);
}

char *
sts_claim_name(const char *claim_template, const char *set, int32_t ordinal)
{
	return xasprintf("%s-%s-%d", claim_template, set, ordinal);
}

void
sts_claim_labels(const struct k8s_labels *tmpl, const struct k8s_labels *sel,
    struct k8s_labels *out)
{
	memset(out, 0, sizeof *out);
	if (tmpl != NULL)
		k8s_labels_copy(out, tmpl);
	for (size_t i = 0; sel != NULL && i < sel->n; i++)
		k8s_labels_set(out, sel->v[i].key, sel->v[i].value);
}

void
sts_claim_owners(enum sts_retention when_deleted, enum sts_retention when_scaled,
    int32_t start, int32_t replicas, int32_t ordinal, bool other_controller,
    bool *set_owns, bool *pod_owns)
{
	*set_owns = *pod_owns = false;
	if (other_controller)
		return;
	bool condemned = ordinal < start || ordinal >= start + replicas;
	if (when_scaled == STS_KEEP_CLAIM)
		*set_owns = when_deleted == STS_DELETE_CLAIM;
	else if (when_deleted == STS_KEEP_CLAIM)
		*pod_owns = condemned;
	else {
		*pod_owns = condemned;
		*set_owns = !condemned;
	}
}

int32_t
sts_max_unavailable(const struct intstr *mu, int32_t replicas)
{
	struct intstr one = intstr_int(1);
	int32_t v = intstr_scaled_or_zero(mu != NULL && mu->kind != INTSTR_UNSET ? mu : &one,
	    replicas, false);
	return v < 1 ? 1 : v;
}

/* ---- revisions -------------------------------------------------------------- */

void
sts_history_free(struct sts_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].name);
	free(h->v);
	memset(h, 0, sizeof *h);
}

void
sts_revisions(struct sts_history *h, const char *template_name, const char *status_current,
    size_t *current, size_t *update)
{
	/* The newest revision (highest number) and the next number. */
	size_t newest = SIZE_MAX;
	for (size_t i = 0; i < h->n; i++)
		if (newest == SIZE_MAX || h->v[i].number >= h->v[newest].number)
			newest = i;
	int64_t next = newest == SIZE_MAX ? 1 : h->v[newest].number + 1;
	size_t equal = SIZE_MAX;
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].name, template_name) == 0 &&
		    (equal == SIZE_MAX || h->v[i].number > h->v[equal].number))
			equal = i;
	if (equal != SIZE_MAX) {
		if (equal != newest)
			h->v[equal].number = next;	/* rollback */
		*update = equal;
	} else {
		KS_GROW(h->v, h->cap, h->n + 1);
		h->v[h->n].name = xstrdup(template_name);
		h->v[h->n].number = next;
		*update = h->n++;
	}
	*current = *update;
	for (size_t i = 0; status_current != NULL && i < h->n; i++)
		if (strcmp(h->v[i].name, status_current) == 0) {
			*current = i;
			break;
		}
}

size_t
sts_history_truncate(struct sts_history *h, int32_t limit, const char *const *live,
    size_t nlive)
{
	if (limit < 0)
		return 0;
	size_t nhist = 0, dropped = 0;
	bool *is_live = xcalloc(h->n + 1, sizeof *is_live);
	for (size_t i = 0; i < h->n; i++) {
		for (size_t k = 0; k < nlive && !is_live[i]; k++)
			is_live[i] = live[k] != NULL && strcmp(live[k], h->v[i].name) == 0;
		if (!is_live[i])
			nhist++;
	}
	while (nhist > (size_t)limit) {
		size_t oldest = SIZE_MAX;
		for (size_t i = 0; i < h->n; i++)
			if (!is_live[i] && (oldest == SIZE_MAX ||
			    h->v[i].number < h->v[oldest].number))
				oldest = i;
		free(h->v[oldest].name);
		h->v[oldest] = h->v[h->n - 1];
		is_live[oldest] = is_live[h->n - 1];
		h->n--;
		nhist--;
		dropped++;
	}
	free(is_live);
	return dropped;
}

/* ---- pod predicates ----------------------------------------------------------- */

bool
sts_running_and_ready(const struct sts_pod *p)
{
	return p->phase == STS_POD_RUNNING && p->ready;
}

bool
sts_available(const struct sts_pod *p, int32_t min_ready_s, sim_ns now)
{
	if (!sts_running_and_ready(p))
		return false;
	return min_ready_s == 0 || p->ready_since + (sim_ns)min_ready_s * SIM_SEC < now;
}

static bool
unavailable(const struct sts_pod *p, int32_t min_ready_s, sim_ns now)
{
	return p->terminating || !sts_available(p, min_ready_s, now);
}

static bool
rev_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ---- one sync ---------------------------------------------------------------- */

void
sts_sync_out_fini(struct sts_sync_out *o)
{
	free(o->v);
	memset(o, 0, sizeof *o);
}

static void
act(struct sts_sync_out *o, enum sts_action_kind k, int32_t ordinal, size_t pod,
    const char *rev)
{
	KS_GROW(o->v, o->cap, o->n + 1);
	struct sts_action a = { k, ordinal, pod, rev };
	o->v[o->n++] = a;
}

/* newVersionedStatefulSetPod's choice of revision. */
static const char *
new_pod_revision(const struct sts_sync_in *in, int32_t ordinal)
{
	const struct sts_spec *s = in->spec;
	bool current = (s->strategy == STS_ROLLING_UPDATE && !s->rolling_update &&
	    ordinal < s->start + in->status->current) ||
	    (s->rolling_update && ordinal < s->start + s->partition);
	return current ? in->current_revision : in->update_revision;
}

/* The replica slots: a pod of the store, or a pod to be created. */
struct slot {
	struct sts_pod	pod;
	size_t		src;	/* index into pods, SIZE_MAX: new */
};

static void
fill_slots(const struct sts_sync_in *in, const size_t *replicas, struct slot *sl)
{
	int32_t n = in->spec->replicas;
	for (int32_t i = 0; i < n; i++) {
		size_t src = replicas[i];
		if (src != SIZE_MAX) {
			sl[i].pod = in->pods[src];
			sl[i].src = src;
		} else {
			memset(&sl[i].pod, 0, sizeof sl[i].pod);
			sl[i].pod.ordinal = in->spec->start + i;
			sl[i].pod.revision = new_pod_revision(in, sl[i].pod.ordinal);
			sl[i].src = SIZE_MAX;
		}
	}
}

static void
max_unavailable_pass(const struct sts_sync_in *in, const struct slot *sl,
    struct sts_sync_out *out)
{
	const struct sts_spec *s = in->spec;
	int32_t n = s->replicas, update_min = 0, max_unavail = 1;
	if (s->rolling_update) {
		update_min = s->partition;
		max_unavail = sts_max_unavailable(&s->max_unavailable, n);
	}
	int32_t unavail = 0;
	for (int32_t t = n - 1; t >= 0; t--)
		if (unavailable(&sl[t].pod, s->min_ready_s, in->now))
			unavail++;
	if (unavail > max_unavail)
		return;
	int32_t todo = max_unavail - unavail, done = 0;
	for (int32_t t = n - 1; t >= update_min && done < todo; t--) {
		const struct sts_pod *p = &sl[t].pod;
		if (!rev_eq(p->revision, in->update_revision) && !p->terminating) {
			if (sl[t].src != SIZE_MAX)
				act(out, STS_DELETE, p->ordinal, sl[t].src, NULL);
			done++;
			out->status.current--;
		}
	}
}

void
sts_rolling_update_max_unavailable(const struct sts_sync_in *in, const size_t *replicas,
    struct sts_sync_out *out)
{
	int32_t n = in->spec->replicas > 0 ? in->spec->replicas : 0;
	struct slot *sl = xcalloc((size_t)n + 1, sizeof *sl);
	fill_slots(in, replicas, sl);
	max_unavailable_pass(in, sl, out);
	free(sl);
}

static int
cmp_desc(const void *a, const void *b, const struct sts_pod *pods)
{
	int32_t x = pods[*(const size_t *)a].ordinal, y = pods[*(const size_t *)b].ordinal;
	return x > y ? -1 : x < y;
}

/* Sorts condemned pod indices by descending ordinal (stable, few elements). */
static void
sort_desc(size_t *v, size_t n, const struct sts_pod *pods)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_desc(&v[j], &v[j - 1], pods) < 0; j--) {
			size_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The status of the pods as read (updateStatus over replicas + condemned). */
static void
compute_status(const struct sts_sync_in *in, const struct slot *sl, int32_t n,
    const size_t *cond, size_t ncond, struct sts_status *st)
{
	memset(st, 0, sizeof *st);
	st->current_revision = in->current_revision;
	st->update_revision = in->update_revision;
	for (size_t k = 0; k < (size_t)n + ncond; k++) {
		const struct sts_pod *p = k < (size_t)n ? &sl[k].pod : &in->pods[cond[k - (size_t)n]];
		if (p->phase == STS_POD_NONE)
			continue;
		st->replicas++;
		if (sts_running_and_ready(p)) {
			st->ready++;
			if (sts_available(p, in->spec->min_ready_s, in->now))
				st->available++;
		}
		if (!p->terminating) {
			if (rev_eq(p->revision, in->current_revision))
				st->current++;
			if (rev_eq(p->revision, in->update_revision))
				st->updated++;
		}
	}
}

/* processReplica; true: stop (monotonic). */
static bool
process_replica(const struct sts_sync_in *in, struct slot *x, bool monotonic,
    struct sts_sync_out *out)
{
	struct sts_pod *p = &x->pod;
	if (p->phase == STS_POD_FAILED || p->phase == STS_POD_SUCCEEDED) {
		if (!p->terminating)
			act(out, STS_DELETE, p->ordinal, x->src, NULL);
		return true;	/* recreated once it is gone */
	}
	if (p->phase == STS_POD_NONE) {
		if (x->src != SIZE_MAX)	/* an unacknowledged pod is created again */
			p->revision = new_pod_revision(in, p->ordinal);
		act(out, STS_CREATE, p->ordinal, x->src, p->revision);
		if (monotonic)
			return true;
	}
	if (!monotonic)
		return false;
	if (p->terminating || !sts_running_and_ready(p) ||
	    !sts_available(p, in->spec->min_ready_s, in->now))
		return true;
	return false;
}

void
sts_sync(const struct sts_sync_in *in, struct sts_sync_out *out)
{
	memset(out, 0, sizeof *out);
	const struct sts_spec *s = in->spec;
	int32_t n = s->replicas > 0 ? s->replicas : 0;
	struct slot *sl = xcalloc((size_t)n + 1, sizeof *sl);
	size_t *idx = xcalloc((size_t)n + 1, sizeof *idx);
	size_t *cond = xcalloc(in->npods + 1, sizeof *cond), ncond = 0;
	for (int32_t i = 0; i < n; i++)
		idx[i] = SIZE_MAX;
	for (size_t i = 0; i < in->npods; i++) {
		int32_t o = in->pods[i].ordinal;
		if (o >= s->start && o < s->start + n)
			idx[o - s->start] = i;
		else if (o >= 0)
			cond[ncond++] = i;
	}
	fill_slots(in, idx, sl);
	sort_desc(cond, ncond, in->pods);
	compute_status(in, sl, n, cond, ncond, &out->status);

	/* The first unavailable pod: replicas ascending, then condemned
	 * ascending by ordinal. */
	size_t first_unhealthy = SIZE_MAX;
	for (int32_t i = 0; i < n && first_unhealthy == SIZE_MAX; i++)
		if (unavailable(&sl[i].pod, s->min_ready_s, in->now))
			first_unhealthy = sl[i].src;
	for (size_t k = ncond; k-- > 0 && first_unhealthy == SIZE_MAX;)
		if (unavailable(&in->pods[cond[k]], s->min_ready_s, in->now))
			first_unhealthy = cond[k];
	if (s->deleting)
		goto done;

	bool monotonic = s->policy == STS_ORDERED_READY;
	for (int32_t i = 0; i < n; i++)
		if (process_replica(in, &sl[i], monotonic, out) && monotonic)
			goto done;

	for (size_t k = 0; k < ncond; k++) {
		const struct sts_pod *p = &in->pods[cond[k]];
		if (p->terminating) {
			if (monotonic)
				goto done;
			continue;
		}
		if (monotonic && cond[k] != first_unhealthy &&
		    (!sts_running_and_ready(p) || !sts_available(p, s->min_ready_s, in->now)))
			goto done;
		act(out, STS_DELETE, p->ordinal, cond[k], NULL);
		if (monotonic)
			goto done;
	}

	if (s->strategy == STS_ON_DELETE)
		goto done;
	if (in->max_unavailable_gate) {
		max_unavailable_pass(in, sl, out);
		goto done;
	}
	int32_t update_min = s->rolling_update ? s->partition : 0;
	for (int32_t t = n - 1; t >= update_min; t--) {
		const struct sts_pod *p = &sl[t].pod;
		if (!rev_eq(p->revision, in->update_revision) && !p->terminating) {
			if (sl[t].src != SIZE_MAX)
				act(out, STS_DELETE, p->ordinal, sl[t].src, NULL);
			out->status.current--;
			break;
		}
		if (unavailable(p, s->min_ready_s, in->now))
			break;
	}
done:
	/* completeRollingUpdate */
	if (s->strategy == STS_ROLLING_UPDATE && out->status.updated == out->status.replicas &&
	    out->status.ready == out->status.replicas) {
		out->status.current = out->status.updated;
		out->status.current_revision = out->status.update_revision;
	}
	free(sl);
	free(idx);
	free(cond);
}
