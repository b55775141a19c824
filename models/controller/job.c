/*
 * job.c - one syncJob of the Job controller (job_controller.go): counting
 * finished pods, the back-off record, the finished condition (backoff limit,
 * active deadline, completions), manageJob (delete first, then create with
 * the pod failure back-off) and the status written, with upstream's gates.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/job.h"
#include "sim/util/util.h"

#define MSG_BACKOFF	"Job has reached the specified backoff limit"
#define MSG_DEADLINE	"Job was active longer than specified deadline"

void
job_spec_default(struct job_spec *s)
{
	if (s->completions < 0 && s->parallelism < 0) {
		s->completions = 1;
		s->parallelism = 1;
	}
	if (s->parallelism < 0)
		s->parallelism = 1;
	if (s->backoff_limit < 0)
		s->backoff_limit = s->backoff_limit_per_index >= 0 ? INT32_MAX :
		    JOB_DEFAULT_BACKOFF_LIMIT;
	if (s->replacement == JOB_REPLACE_UNSET)
		s->replacement = s->failure_policy ? JOB_REPLACE_FAILED :
		    JOB_REPLACE_TERMINATING_OR_FAILED;
}

const char *
job_cond_name(enum job_cond_type t)
{
	static const char *const names[] = { "Complete", "Failed", "FailureTarget",
		"Suspended", "SuccessCriteriaMet" };
	return names[t];
}

/* ---- pod predicates ------------------------------------------------------- */

static int
phase_ordinal(enum job_pod_phase p)
{
	switch (p) {
	case JOB_POD_PENDING: return 0;
	case JOB_POD_UNKNOWN: return 1;
	case JOB_POD_RUNNING: return 2;
	default: return 3;
	}
}

bool
job_pod_less_active(const struct job_pod *a, const struct job_pod *b)
{
	if (a->assigned != b->assigned)
		return !a->assigned;
	if (phase_ordinal(a->phase) != phase_ordinal(b->phase))
		return phase_ordinal(a->phase) < phase_ordinal(b->phase);
	if (a->ready != b->ready)
		return !a->ready;
	if (a->ready && b->ready && a->ready_since != b->ready_since)
		return a->ready_since > b->ready_since;
	if (a->restarts_max != b->restarts_max)
		return a->restarts_max > b->restarts_max;
	if (a->created != b->created)
		return a->created > b->created;
	return false;
}

void
job_sort_pods(const struct job_pod *pods, size_t *idx, size_t n,
    bool (*less)(const struct job_pod *, const struct job_pod *))
{
	if (n < 2)
		return;
	if (n <= 12) {		/* insertion sort, as Go's sort does for short runs */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && less(&pods[idx[j]], &pods[idx[j - 1]]); j--) {
				size_t t = idx[j];
				idx[j] = idx[j - 1];
				idx[j - 1] = t;
			}
		return;
	}
	size_t h = n / 2;
	job_sort_pods(pods, idx, h, less);
	job_sort_pods(pods, idx + h, n - h, less);
	size_t *tmp = xmalloc(n * sizeof *tmp), i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = less(&pods[idx[j]], &pods[idx[i]]) ? idx[j++] : idx[i++];
	while (i < h)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof *tmp);
	free(tmp);
}

static bool
finished_phase(enum job_pod_phase p)
{
	return p == JOB_POD_SUCCEEDED || p == JOB_POD_FAILED;
}

bool
job_only_replace_failed(const struct job_spec *s, const struct job_gates *g)
{
	return g->pod_replacement_policy &&
	    (s->replacement == JOB_REPLACE_FAILED || s->failure_policy);
}

bool
job_pod_is_failed(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *p)
{
	if (job_only_replace_failed(s, g))
		return p->phase == JOB_POD_FAILED;
	if (p->phase == JOB_POD_FAILED)
		return true;
	if (s->failure_policy)
		return false;
	return p->terminating && p->phase != JOB_POD_SUCCEEDED;
}

bool
job_index_failed(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *p, bool fail_index, bool counts_failed)
{
	bool counted = false;
	if (job_pod_is_failed(s, g, p)) {
		if (s->failure_policy) {
			if (fail_index)
				return true;
			counted = counts_failed;
		} else
			counted = true;
	}
	return counted && p->index_failures >= s->backoff_limit_per_index;
}

static bool
valid_index(const struct job_spec *s, const struct job_pod *p)
{
	return p->index != JOB_INDEX_UNKNOWN && p->index < s->completions;
}

void
job_new_finished(const struct job_spec *s, const struct job_gates *g,
    const struct job_pod *pods, size_t n, int32_t *succeeded, int32_t *failed)
{
	*succeeded = *failed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct job_pod *p = &pods[i];
		if (p->counted || (s->indexed && !valid_index(s, p)))
			continue;
		if (p->phase == JOB_POD_SUCCEEDED)
			(*succeeded)++;
		if (job_pod_is_failed(s, g, p))
			(*failed)++;
	}
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* Adds the given indexes (unsorted) to iv. */
static void
add_unsorted(struct job_intervals *iv, int32_t *ix, size_t n)
{
	qsort(ix, n, sizeof *ix, cmp_i32);
	job_intervals_add(iv, ix, n);
}

void
job_succeeded_indexes(const char *completed, int32_t completions,
    const struct job_pod *pods, size_t n, struct job_intervals *prev,
    struct job_intervals *all)
{
	job_intervals_parse(prev, completed, completions);
	all->n = 0;
	job_intervals_merge(all, prev);
	int32_t *ix = xcalloc(n + 1, sizeof *ix);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct job_pod *p = &pods[i];
		if (p->phase == JOB_POD_SUCCEEDED && p->index != JOB_INDEX_UNKNOWN &&
		    p->index < completions && !p->counted)
			ix[k++] = p->index;
	}
	add_unsorted(all, ix, k);
	free(ix);
}

void
job_failed_indexes(const struct job_spec *s, const struct job_gates *g,
    const char *prev_failed, const struct job_pod *pods, size_t n,
    const bool *fail_index, struct job_intervals *out)
{
	job_intervals_parse(out, prev_failed, s->completions);
	int32_t *ix = xcalloc(n + 1, sizeof *ix);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct job_pod *p = &pods[i];
		bool fi = fail_index != NULL && fail_index[i];
		if (job_index_failed(s, g, p, fi, true) && valid_index(s, p) && !p->counted)
			ix[k++] = p->index;
	}
	add_unsorted(out, ix, k);
	free(ix);
}

/* ---- status and conditions ------------------------------------------------ */

void
job_status_fini(struct job_status *st)
{
	free(st->completed_indexes);
	st->completed_indexes = NULL;
}

void
job_sync_out_fini(struct job_sync_out *o)
{
	free(o->create_index);
	free(o->del);
	job_status_fini(&o->status);
	memset(o, 0, sizeof *o);
}

const struct job_cond *
job_status_cond(const struct job_status *st, enum job_cond_type t)
{
	for (size_t i = 0; i < st->nconds; i++)
		if (st->conds[i].type == t)
			return &st->conds[i];
	return NULL;
}

bool
job_status_finished(const struct job_status *st)
{
	const struct job_cond *c = job_status_cond(st, JOB_COND_COMPLETE);
	if (c != NULL && c->status)
		return true;
	c = job_status_cond(st, JOB_COND_FAILED);
	return c != NULL && c->status;
}

static bool
str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ensureJobConditionStatus: true when the list changed. */
static bool
ensure_cond(struct job_status *st, const struct job_cond *want)
{
	for (size_t i = 0; i < st->nconds; i++) {
		struct job_cond *c = &st->conds[i];
		if (c->type != want->type)
			continue;
		if (c->status != want->status || !str_eq(c->reason, want->reason) ||
		    !str_eq(c->message, want->message)) {
			*c = *want;
			return true;
		}
		return false;
	}
	if (!want->status)
		return false;
	KS_ASSERT(st->nconds < JOB_MAX_CONDS);
	st->conds[st->nconds++] = *want;
	return true;
}

static struct job_cond
cond(enum job_cond_type t, bool status, const char *reason, const char *msg, sim_ns now)
{
	struct job_cond c = { t, status, reason, msg, now };
	return c;
}

/* ---- the sync --------------------------------------------------------------- */

struct sync_ctx {
	const struct job_sync_in *in;
	const struct job_spec	*s;
	const struct job_gates	*g;
	struct job_sync_out	*out;
	size_t			*active;	/* indices of active pods */
	size_t			 nactive;
	int32_t			 terminating;	/* counted always; reported with the gate */
	int32_t			 ready;
	int32_t			 succeeded;
	struct job_intervals	 succeeded_ix;
};

static bool
delay_terminal(const struct job_gates *g)
{
	return g->pod_replacement_policy || g->managed_by;
}

/* Deletes pods (appends to out->del); returns how many were ready. */
static int32_t
delete_pods(struct sync_ctx *c, const size_t *idx, size_t n)
{
	int32_t ready = 0;
	size_t k = c->out->ndel;
	c->out->del = xreallocarray(c->out->del, k + n, sizeof *c->out->del);
	for (size_t i = 0; i < n; i++) {
		c->out->del[k + i] = idx[i];
		if (c->in->pods[idx[i]].ready)
			ready++;
	}
	c->out->ndel = k + n;
	return ready;
}

/* activePodsForRemoval into rm (room for nactive); returns its length. */
static size_t
for_removal(struct sync_ctx *c, size_t rm_at_least, size_t *rm)
{
	const struct job_pod *pods = c->in->pods;
	size_t n = c->nactive, nrm = 0, nleft = n;
	size_t *left = xcalloc(n + 1, sizeof *left);
	if (c->s->indexed) {
		size_t *work = xcalloc(n + 1, sizeof *work);
		memcpy(work, c->active, n * sizeof *work);
		job_duplicated_for_removal(pods, work, n, c->s->completions, rm, &nrm,
		    left, &nleft);
		free(work);
	} else
		memcpy(left, c->active, n * sizeof *left);
	if (nrm < rm_at_least) {
		job_sort_pods(pods, left, nleft, job_pod_less_active);
		size_t need = rm_at_least - nrm;
		for (size_t i = 0; i < need && i < nleft; i++)
			rm[nrm++] = left[i];
	}
	free(left);
	return nrm;
}

static int32_t
remove_active(struct sync_ctx *c, size_t rm_at_least, int32_t active)
{
	size_t *rm = xcalloc(c->nactive + 1, sizeof *rm);
	size_t n = for_removal(c, rm_at_least, rm);
	if (n > JOB_MAX_CREATE_DELETE)
		n = JOB_MAX_CREATE_DELETE;
	int32_t ready = delete_pods(c, rm, n);
	free(rm);
	c->terminating += (int32_t)n;
	c->ready -= ready;
	return active - (int32_t)n;
}

/* manageJob: returns the new active count. */
static int32_t
manage(struct sync_ctx *c)
{
	const struct job_spec *s = c->s;
	int32_t active = (int32_t)c->nactive;
	if (s->suspend) {
		return remove_active(c, c->nactive, active);
	}
	int32_t want;
	if (s->completions < 0)
		want = c->succeeded > 0 ? active : s->parallelism;
	else {
		want = s->completions - c->succeeded;
		if (want > s->parallelism)
			want = s->parallelism;
		if (want < 0)
			want = 0;
	}
	size_t rm_at_least = active > want ? (size_t)(active - want) : 0;
	size_t ndel_before = c->out->ndel;
	int32_t after = remove_active(c, rm_at_least, active);
	if (c->out->ndel > ndel_before)
		return after;

	int32_t terminating = job_only_replace_failed(s, c->g) ? c->terminating : 0;
	int32_t diff = want - terminating - active;
	if (diff <= 0)
		return active;
	if (s->backoff_limit_per_index < 0) {
		sim_ns rem = job_backoff_remaining(&c->out->backoff, c->in->now,
		    JOB_DEFAULT_BACKOFF, JOB_MAX_BACKOFF);
		if (rem > 0) {
			c->out->requeue_after = rem;
			return 0;	/* upstream reports no active pods here */
		}
	}
	if (diff > JOB_MAX_CREATE_DELETE)
		diff = JOB_MAX_CREATE_DELETE;
	if (s->indexed) {
		struct job_intervals np = { 0 };
		job_intervals_merge(&np, &c->succeeded_ix);
		size_t cap = c->in->npods + 1, k = 0;
		int32_t *ix = xcalloc(cap, sizeof *ix);
		bool only_failed = job_only_replace_failed(s, c->g);
		for (size_t i = 0; i < c->in->npods; i++) {
			const struct job_pod *p = &c->in->pods[i];
			bool act = !p->terminating && !finished_phase(p->phase);
			bool term = p->terminating && only_failed;
			if ((act || term) && p->index != JOB_INDEX_UNKNOWN)
				ix[k++] = p->index;
		}
		add_unsorted(&np, ix, k);
		free(ix);
		c->out->create_index = xcalloc((size_t)diff, sizeof *c->out->create_index);
		diff = (int32_t)job_first_pending(&np, diff, s->completions,
		    c->out->create_index);
		job_intervals_free(&np);
	}
	c->out->ncreate = diff;
	return active + diff;
}

/* pastBackoffLimitOnFailure (restartPolicy OnFailure). */
static bool
past_backoff_on_failure(const struct sync_ctx *c)
{
	if (!c->s->restart_on_failure)
		return false;
	int64_t sum = 0;
	for (size_t i = 0; i < c->in->npods; i++) {
		const struct job_pod *p = &c->in->pods[i];
		if (p->phase == JOB_POD_RUNNING || p->phase == JOB_POD_PENDING)
			sum += p->restarts_sum;
	}
	if (c->s->backoff_limit == 0)
		return sum > 0;
	return sum >= c->s->backoff_limit;
}

static void
failure_cond(const struct sync_ctx *c, struct job_cond *fc, const char *reason,
    const char *msg)
{
	*fc = cond(delay_terminal(c->g) ? JOB_COND_FAILURE_TARGET : JOB_COND_FAILED,
	    true, reason, msg, c->in->now);
}

/* The finished condition before manageJob; false when none. */
static bool
finished_before(struct sync_ctx *c, int32_t failed, struct job_cond *fc)
{
	const struct job_status *st = &c->out->status;
	const struct job_cond *x;
	sim_ns now = c->in->now;
	if (c->g->success_policy &&
	    (x = job_status_cond(st, JOB_COND_SUCCESS_CRITERIA_MET)) != NULL && x->status) {
		*fc = *x;
		return true;
	}
	if ((x = job_status_cond(st, JOB_COND_FAILURE_TARGET)) != NULL && x->status) {
		*fc = cond(JOB_COND_FAILED, true, x->reason, x->message, now);
		return true;
	}
	if (failed > c->s->backoff_limit || past_backoff_on_failure(c)) {
		failure_cond(c, fc, "BackoffLimitExceeded", MSG_BACKOFF);
		return true;
	}
	if (c->s->active_deadline_s >= 0 && st->has_start && !c->s->suspend) {
		sim_ns allowed = c->s->active_deadline_s * SIM_SEC;
		sim_ns ran = now - st->start_time;
		if (ran >= allowed) {
			failure_cond(c, fc, "DeadlineExceeded", MSG_DEADLINE);
			return true;
		}
		c->out->requeue_after = allowed - ran;
	}
	return false;
}

/* trackJobStatusAndRemoveFinalizers: the counters, completedIndexes and the
 * terminal conditions. */
static void
track_status(struct sync_ctx *c, bool finished, struct job_cond *fc)
{
	const struct job_spec *s = c->s;
	struct job_status *st = &c->out->status;
	for (size_t i = 0; i < c->in->npods; i++) {
		const struct job_pod *p = &c->in->pods[i];
		if (p->counted)
			continue;
		bool failed = job_pod_is_failed(s, c->g, p);
		if (!(s->deleting || finished || p->phase == JOB_POD_SUCCEEDED || failed))
			continue;
		if (p->phase == JOB_POD_SUCCEEDED) {
			if (!s->indexed)
				st->succeeded++;
		} else if (failed || (finished && fc->type != JOB_COND_SUCCESS_CRITERIA_MET &&
		    fc->type != JOB_COND_COMPLETE)) {
			if (!s->indexed || valid_index(s, p))
				st->failed++;
		}
	}
	if (s->indexed) {
		free(st->completed_indexes);
		st->completed_indexes = job_intervals_format(&c->succeeded_ix);
		st->succeeded = (int32_t)job_intervals_total(&c->succeeded_ix);
	}
	if (!finished)
		return;
	if (fc->type == JOB_COND_FAILURE_TARGET || fc->type == JOB_COND_SUCCESS_CRITERIA_MET) {
		ensure_cond(st, fc);
		if (fc->type == JOB_COND_FAILURE_TARGET)
			*fc = cond(JOB_COND_FAILED, true, fc->reason, fc->message, c->in->now);
		else
			*fc = cond(JOB_COND_COMPLETE, true, fc->reason, fc->message, c->in->now);
	}
	if (delay_terminal(c->g) && c->terminating > 0)
		return;
	ensure_cond(st, fc);
}

static void
copy_status(struct job_status *dst, const struct job_status *src)
{
	*dst = *src;
	dst->completed_indexes = src->completed_indexes ? xstrdup(src->completed_indexes) : NULL;
}

void
job_sync(const struct job_sync_in *in, struct job_sync_out *out)
{
	memset(out, 0, sizeof *out);
	out->requeue_after = -1;
	out->backoff = in->backoff;
	copy_status(&out->status, in->status);
	if (job_status_finished(in->status))
		return;
	out->synced = true;

	struct sync_ctx c = { .in = in, .s = in->spec, .g = in->gates, .out = out };
	const struct job_spec *s = in->spec;
	struct job_status *st = &out->status;
	c.active = xcalloc(in->npods + 1, sizeof *c.active);
	size_t nsucc = 0, nfail = 0;
	sim_ns *succ_t = xcalloc(in->npods + 1, sizeof *succ_t);
	sim_ns *fail_t = xcalloc(in->npods + 1, sizeof *fail_t);
	for (size_t i = 0; i < in->npods; i++) {
		const struct job_pod *p = &in->pods[i];
		if (!p->terminating && !finished_phase(p->phase)) {
			c.active[c.nactive++] = i;
			if (p->ready)
				c.ready++;
		}
		if (p->terminating && !finished_phase(p->phase))
			c.terminating++;
		if (p->counted || (s->indexed && !valid_index(s, p)))
			continue;
		if (p->phase == JOB_POD_SUCCEEDED)
			succ_t[nsucc++] = p->finished_at;
		if (job_pod_is_failed(s, in->gates, p))
			fail_t[nfail++] = p->finished_at;
	}
	c.succeeded = st->succeeded + (int32_t)nsucc;
	int32_t failed = st->failed + (int32_t)nfail;
	int32_t active = (int32_t)c.nactive;
	if (!st->has_start && !s->suspend) {
		st->has_start = true;
		st->start_time = in->now;
	}
	job_backoff_update(&out->backoff, succ_t, nsucc, fail_t, nfail);
	free(succ_t);
	free(fail_t);

	struct job_cond fc;
	bool finished = finished_before(&c, failed, &fc);
	if (s->indexed) {
		struct job_intervals prev = { 0 };
		job_succeeded_indexes(st->completed_indexes, s->completions, in->pods,
		    in->npods, &prev, &c.succeeded_ix);
		job_intervals_free(&prev);
		c.succeeded = (int32_t)job_intervals_total(&c.succeeded_ix);
	}
	if (finished) {
		int32_t ready = delete_pods(&c, c.active, c.nactive);
		if (!in->expectations_ok)
			finished = false;
		c.terminating += active;
		c.ready -= ready;
		active = 0;
	} else {
		bool managed = false;
		if (in->expectations_ok && !s->deleting) {
			active = manage(&c);
			managed = true;
		}
		bool complete = s->completions < 0 ? c.succeeded > 0 && active == 0 :
		    c.succeeded >= s->completions && active == 0;
		if (complete) {
			const char *r = c.g->success_policy ? "CompletionsReached" : "";
			const char *m = c.g->success_policy ?
			    "Reached expected number of succeeded pods" : "";
			fc = cond(delay_terminal(c.g) ? JOB_COND_SUCCESS_CRITERIA_MET :
			    JOB_COND_COMPLETE, true, r, m, in->now);
			finished = true;
		} else if (managed && s->suspend) {
			struct job_cond w = cond(JOB_COND_SUSPENDED, true, "JobSuspended",
			    "Job suspended", in->now);
			if (ensure_cond(st, &w))
				st->has_start = false;
		} else if (managed) {
			struct job_cond w = cond(JOB_COND_SUSPENDED, false, "JobResumed",
			    "Job resumed", in->now);
			if (ensure_cond(st, &w)) {
				st->has_start = true;
				st->start_time = in->now;
			}
		}
	}
	st->active = active;
	st->ready = c.ready;
	st->terminating = in->gates->pod_replacement_policy ? c.terminating : -1;
	track_status(&c, finished, &fc);
	job_intervals_free(&c.succeeded_ix);
	free(c.active);
}
