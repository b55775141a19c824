/*
 * job_index.c - the Job controller's pure helpers: the pod failure back-off
 * record and delays (backoff_utils.go), a finished pod's finish time, and the
 * indexed-job bookkeeping of indexed_job_utils.go (ordered index intervals,
 * their status notation, pending indexes, duplicate-index removal).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/job.h"
#include "sim/util/util.h"

void
job_gates_default(struct job_gates *g)
{
	g->pod_replacement_policy = true;
	g->managed_by = true;
	g->success_policy = true;
}

/* ---- back-off ------------------------------------------------------------ */

sim_ns
job_backoff_delay(int32_t failures, sim_ns dflt, sim_ns max)
{
	if (failures <= 0)
		return 0;
	sim_ns d = dflt;
	for (int32_t i = 1; i < failures; i++) {
		d *= 2;
		if (d >= max) {
			d = max;
			break;
		}
	}
	return d;
}

static sim_ns
remaining_for(int32_t failures, sim_ns last, sim_ns now, sim_ns dflt, sim_ns max)
{
	if (failures <= 0)
		return 0;
	sim_ns d = job_backoff_delay(failures, dflt, max);
	sim_ns elapsed = now - last;
	return d < elapsed ? 0 : d - elapsed;
}

sim_ns
job_backoff_remaining(const struct job_backoff *b, sim_ns now, sim_ns dflt, sim_ns max)
{
	if (b->failures <= 0 || !b->has_last)
		return 0;
	return remaining_for(b->failures, b->last_failure, now, dflt, max);
}

sim_ns
job_backoff_remaining_index(int32_t failure_count, int32_t ignored_count,
    sim_ns finished_at, sim_ns now, sim_ns dflt, sim_ns max)
{
	return remaining_for(failure_count + ignored_count + 1, finished_at, now, dflt, max);
}

static int
cmp_ns(const void *a, const void *b)
{
	sim_ns x = *(const sim_ns *)a, y = *(const sim_ns *)b;
	return x < y ? -1 : x > y;
}

void
job_backoff_update(struct job_backoff *b, sim_ns *succ, size_t ns, sim_ns *fail,
    size_t nf)
{
	qsort(succ, ns, sizeof *succ, cmp_ns);
	qsort(fail, nf, sizeof *fail, cmp_ns);
	if (ns == 0) {
		if (nf == 0)
			return;
		b->failures += (int32_t)nf;
		b->has_last = true;
		b->last_failure = fail[nf - 1];
		return;
	}
	b->failures = 0;
	b->has_last = false;
	sim_ns last_success = succ[ns - 1];
	for (size_t i = nf; i-- > 0;) {
		if (fail[i] <= last_success)
			break;
		if (!b->has_last) {
			b->has_last = true;
			b->last_failure = fail[i];
		}
		b->failures++;
	}
}

/* latestFinishTime: false when a status is not terminated (or has a zero
 * finish time), which makes the whole list unusable. */
static bool
latest_finish(const struct job_ctr_status *cs, size_t n, bool *have, sim_ns *t)
{
	for (size_t i = 0; i < n; i++) {
		if (!cs[i].terminated || cs[i].finished_at == 0)
			return false;
		if (!*have || *t < cs[i].finished_at) {
			*have = true;
			*t = cs[i].finished_at;
		}
	}
	return true;
}

sim_ns
job_pod_finished_time(const struct job_pod_times *p)
{
	bool have = false;
	sim_ns t = 0;
	if (latest_finish(p->containers, p->ncontainers, &have, &t) &&
	    latest_finish(p->sidecars, p->nsidecars, &have, &t) && have)
		return t;
	if (p->ready_false && p->ready_false_at != 0)
		return p->ready_false_at;
	if (p->deleting)
		return p->deletion_ts - (p->grace_s > 0 ? p->grace_s * SIM_SEC : 0);
	return p->created;
}

/* ---- intervals ------------------------------------------------------------ */

void
job_intervals_free(struct job_intervals *iv)
{
	free(iv->v);
	memset(iv, 0, sizeof *iv);
}

/* Appends, merging with the last interval when adjacent or overlapping. */
static void
append_merge(struct job_intervals *iv, struct job_interval x)
{
	if (iv->n > 0 && x.first <= iv->v[iv->n - 1].last + 1) {
		if (iv->v[iv->n - 1].last < x.last)
			iv->v[iv->n - 1].last = x.last;
		return;
	}
	KS_GROW(iv->v, iv->cap, iv->n + 1);
	iv->v[iv->n++] = x;
}

static bool
parse_int(const char *s, size_t len, int64_t *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || buf[0] == ' ' || buf[0] == '+')
		return false;
	*out = v;
	return true;
}

void
job_intervals_parse(struct job_intervals *out, const char *s, int32_t completions)
{
	out->n = 0;
	if (s == NULL || *s == '\0')
		return;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *dash = memchr(p, '-', len);
		int64_t first, last;
		size_t flen = dash ? (size_t)(dash - p) : len;
		bool ok = parse_int(p, flen, &first);
		if (ok && first >= completions)
			break;
		if (ok && dash != NULL) {
			ok = parse_int(dash + 1, len - flen - 1, &last);
			if (ok && last >= completions)
				last = completions - 1;
		} else
			last = first;
		if (ok) {
			/* Upstream joins only an interval that starts right after
			 * the previous one. */
			struct job_interval x = { (int32_t)first, (int32_t)last };
			if (out->n > 0 && out->v[out->n - 1].last == x.first - 1)
				out->v[out->n - 1].last = x.last;
			else {
				KS_GROW(out->v, out->cap, out->n + 1);
				out->v[out->n++] = x;
			}
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

char *
job_intervals_format(const struct job_intervals *iv)
{
	size_t cap = 1 + iv->n * 24, len = 0;
	char *buf = xmalloc(cap);
	buf[0] = '\0';
	for (size_t i = 0; i < iv->n; i++) {
		const struct job_interval *x = &iv->v[i];
		len += (size_t)snprintf(buf + len, cap - len, "%s%d", len ? "," : "", x->first);
		if (x->last > x->first)
			len += (size_t)snprintf(buf + len, cap - len, "%c%d",
			    x->last == x->first + 1 ? ',' : '-', x->last);
	}
	return buf;
}

bool
job_intervals_has(const struct job_intervals *iv, int32_t ix)
{
	size_t lo = 0, hi = iv->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (iv->v[mid].last < ix)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < iv->n && iv->v[lo].first <= ix;
}

int64_t
job_intervals_total(const struct job_intervals *iv)
{
	int64_t t = 0;
	for (size_t i = 0; i < iv->n; i++)
		t += (int64_t)iv->v[i].last - iv->v[i].first + 1;
	return t;
}

static void
merge_into(struct job_intervals *iv, const struct job_interval *b, size_t nb)
{
	struct job_intervals r = { 0 };
	size_t i = 0, j = 0;
	while (i < iv->n && j < nb) {
		if (iv->v[i].first < b[j].first)
			append_merge(&r, iv->v[i++]);
		else
			append_merge(&r, b[j++]);
	}
	while (i < iv->n)
		append_merge(&r, iv->v[i++]);
	while (j < nb)
		append_merge(&r, b[j++]);
	free(iv->v);
	*iv = r;
}

void
job_intervals_add(struct job_intervals *iv, const int32_t *sorted, size_t n)
{
	if (n == 0)
		return;
	struct job_interval *b = xcalloc(n, sizeof *b);
	for (size_t i = 0; i < n; i++)
		b[i].first = b[i].last = sorted[i];
	merge_into(iv, b, n);
	free(b);
}

void
job_intervals_merge(struct job_intervals *iv, const struct job_intervals *other)
{
	if (other->n > 0)
		merge_into(iv, other->v, other->n);
}

/* ---- annotations and names ------------------------------------------------ */

int32_t
job_parse_index(const char *a)
{
	int64_t v;
	if (a == NULL || !parse_int(a, strlen(a), &v) || v < 0 || v > INT32_MAX)
		return JOB_INDEX_UNKNOWN;
	return (int32_t)v;
}

int32_t
job_parse_failure_count(const char *a)
{
	int64_t v;
	if (a == NULL || !parse_int(a, strlen(a), &v) || v < 0 || v > INT32_MAX)
		return 0;
	return (int32_t)v;
}

void
job_generate_name(const char *job_name, int32_t index, char *buf, size_t size)
{
	char suffix[16];
	int sl = snprintf(suffix, sizeof suffix, "-%d-", index);
	size_t jl = strlen(job_name);
	if (jl + (size_t)sl > JOB_MAX_GENERATED_NAME)
		jl = JOB_MAX_GENERATED_NAME - (size_t)sl;
	snprintf(buf, size, "%.*s%s", (int)jl, job_name, suffix);
}

void
job_new_index_failure_counts(bool had_prev, int32_t prev_failures, int32_t prev_ignored,
    bool has_failure_policy, bool counts_failed, int32_t *failures, int32_t *ignored)
{
	*failures = 0;
	*ignored = 0;
	if (!had_prev)
		return;
	*failures = prev_failures;
	*ignored = prev_ignored;
	if (has_failure_policy && !counts_failed)
		(*ignored)++;
	else
		(*failures)++;
}

/* ---- pending and duplicated indexes --------------------------------------- */

size_t
job_first_pending(const struct job_intervals *nonpending, int32_t count,
    int32_t completions, int32_t *out)
{
	size_t n = 0;
	if (count <= 0)
		return 0;
	int32_t cand = 0;
	for (size_t i = 0; i < nonpending->n; i++) {
		const struct job_interval *x = &nonpending->v[i];
		for (; cand < completions && (int32_t)n < count && cand < x->first; cand++)
			out[n++] = cand;
		if (cand < x->last + 1)
			cand = x->last + 1;
	}
	for (; cand < completions && (int32_t)n < count; cand++)
		out[n++] = cand;
	return n;
}

static bool
less_index(const struct job_pod *a, const struct job_pod *b)
{
	return a->index < b->index;
}

static void
same_index(const struct job_pod *pods, size_t *grp, size_t n, int32_t ix,
    size_t *remove, size_t *nremove, size_t *keep, size_t *nkeep)
{
	if (n == 0)
		return;
	if (ix == JOB_INDEX_UNKNOWN) {
		for (size_t i = 0; i < n; i++)
			remove[(*nremove)++] = grp[i];
		return;
	}
	if (n > 1)
		job_sort_pods(pods, grp, n, job_pod_less_active);
	for (size_t i = 0; i + 1 < n; i++)
		remove[(*nremove)++] = grp[i];
	keep[(*nkeep)++] = grp[n - 1];
}

void
job_duplicated_for_removal(const struct job_pod *pods, size_t *idx, size_t n,
    int32_t completions, size_t *remove, size_t *nremove, size_t *keep, size_t *nkeep)
{
	*nremove = *nkeep = 0;
	job_sort_pods(pods, idx, n, less_index);
	int32_t last = JOB_INDEX_UNKNOWN;
	size_t first = 0, looped = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t ix = pods[idx[i]].index;
		if (ix >= completions) {
			for (size_t k = i; k < n; k++)
				remove[(*nremove)++] = idx[k];
			break;
		}
		if (ix != last) {
			same_index(pods, idx + first, i - first, last, remove, nremove, keep, nkeep);
			first = i;
			last = ix;
		}
		looped++;
	}
	same_index(pods, idx + first, looped - first, last, remove, nremove, keep, nkeep);
}
