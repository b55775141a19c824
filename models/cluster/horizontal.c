/*
 * horizontal.c - the HorizontalPodAutoscaler controller in virtual time:
 * every sync period each HPA reconciles through models/hpa/, exactly as
 * upstream, from the metrics-server's samples (metrics.c) and the custom
 * and external metrics kubesim serves, and its decision changes the
 * Deployment's replicas. Every reconcile is an hpa_decisions record, or
 * (hpaDecisions: onChange) only one whose decision differs from the HPA's
 * last row. Pods the replica calculator cannot tell apart (hz_key) go to
 * it as one entry with a count, so a sync costs a short pass over the
 * pods and calculator work per distinct pod state, not per pod. A sync
 * whose pods have not changed takes its metric results from the last one
 * (hz_memo), and one whose replicas and metric results are the last
 * reconcile's, when that one was repeatable (its stabilization gives the
 * same until a known time), records its recommendation and writes no row
 * (hz_repeat): most syncs cost a few comparisons. The calculator keeps
 * each metric's pod request from sync to sync (hpa_request_memo), so a
 * sync reads its pods' template only when it changed. A sync whose pods
 * all share a new sample and are as the last such walk found them takes
 * that walk's entries with the sample, and works its one cpu metric out
 * from the pods' totals (hz_derive): neither pods nor calculator.
 * The rows themselves are hpa_rows.c's, the state horizontal_int.h's, the
 * verify mode's checks of the shortcuts hz_verify.c's.
 * Upstream: pkg/controller/podautoscaler.
 */
#include "config.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/horizontal_int.h"
#include "models/cluster/memory.h"

void
horizontal_use_counts(struct cluster *c, bool on)
{
	hz_of(c)->one_by_one = !on;
}

void
horizontal_use_memo(struct cluster *c, bool on)
{
	hz_of(c)->no_memo = !on;
}

uint64_t
horizontal_memo_hits(const struct cluster *c)
{
	return hz_of(c)->memo_hits;
}

uint64_t
horizontal_memo_skips(const struct cluster *c)
{
	return hz_of(c)->memo_skips;
}

void
horizontal_verify_memo(struct cluster *c, bool on)
{
	hz_of(c)->verify = on;
}

uint64_t
horizontal_memo_stale(const struct cluster *c)
{
	return hz_of(c)->memo_stale;
}

void
horizontal_use_repeat(struct cluster *c, bool on)
{
	hz_of(c)->no_repeat = !on;
}

uint64_t
horizontal_repeats(const struct cluster *c)
{
	return hz_of(c)->repeats;
}

uint64_t
horizontal_uniform_walks(const struct cluster *c)
{
	return hz_of(c)->uniform_walks;
}

uint64_t
horizontal_derived(const struct cluster *c)
{
	return hz_of(c)->derived;
}

uint64_t
horizontal_repeat_stale(const struct cluster *c)
{
	return hz_of(c)->repeat_stale;
}

uint64_t
horizontal_rev_stale(const struct cluster *c)
{
	return hz_of(c)->rev_stale;
}

size_t
horizontal_count(const struct cluster *c)
{
	return hz_of(c)->n;
}

uint32_t
horizontal_target(const struct cluster *c, size_t i)
{
	return hz_of(c)->hpas[i].deploy;
}

/* Room for one more HPA, each on its own lines (struct cl_hpa is of
 * whole lines: HZ_LINE-aligned). The HPAs hold no pointer to themselves. */
static void
hz_hpas_grow(struct horizontal *hz)
{
	if (hz->n < hz->cap)
		return;
	size_t cap = hz->cap ? 2 * hz->cap : 16;
	struct cl_hpa *a = aligned_alloc(HZ_LINE, cap * sizeof *a);
	if (a == NULL)
		ks_fatal("out of memory");
	if (hz->n > 0)
		memcpy(a, hz->hpas, hz->n * sizeof *a);
	free(hz->hpas);
	hz->hpas = a;
	hz->cap = cap;
}

int
cl_add_hpa(struct cluster *c, const struct hpa_spec *h, char **cause)
{
	uint32_t dep = deploy_named(c, h->namespace ? h->namespace : "default", h->target_name);
	if (dep == NONE) {
		*cause = xasprintf("HorizontalPodAutoscaler %s: no Deployment %s", h->name,
		    h->target_name);
		return -1;
	}
	struct horizontal *hz = hz_of(c);
	hz_hpas_grow(hz);
	KS_GROW(hz->quick, hz->cap_quick, hz->n + 1);
	hz->quick[hz->n] = (struct hz_quick){ .deploy = dep };
	struct cl_hpa *hp = &hz->hpas[hz->n];
	memset(hp, 0, sizeof *hp);
	hp->spec = h;
	hp->metric_specs = h->nmetrics > 0 ? h->metrics : NULL;
	hp->deploy = dep;
	hp->nmetrics = hpa_metric_count(h);
	hp->requests = xcalloc(hp->nmetrics, sizeof *hp->requests);
	/* no metric: cpu (hpa_reconcile's default) */
	for (size_t i = 0; i < h->nmetrics; i++) {
		const struct hpa_metric_spec *m = &h->metrics[i];
		if (m->type == HPA_EXTERNAL)
			hp->has_external = true;
		if (m->type != HPA_RESOURCE && m->type != HPA_CONTAINER_RESOURCE) {
			hp->needs_inputs = true;
			continue;
		}
		if (m->resource != NULL && m->resource[0] != '\0' &&
		    strcmp(m->resource, "cpu") != 0)
			hp->needs_memory = true;
		if (m->type == HPA_CONTAINER_RESOURCE)
			hp->needs_cname = true;
	}
	hp->ready_form = hpa_ready_metric_ok(h) && !hp->needs_memory && !hp->needs_cname &&
	    !hp->needs_inputs;
	if (hp->ready_form) {
		struct hpa_config cfg;
		hpa_config_default(&cfg);
		hpa_ready_form_of(&cfg, h, &hp->form);
	}
	hpa_state_init(&hp->state);
	return (int)hz->n++;
}

static enum hpa_pod_phase
hpa_phase(const struct cl_pod *pd)
{
	switch (pd->phase) {
	case POD_PENDING:
	case POD_BOUND:
	case POD_CREATING:
		return HPA_POD_PENDING;
	default:
		return HPA_POD_RUNNING;
	}
}


static void
metric_inputs_build(struct cluster *c, const struct cl_hpa *h, const struct hpa_pod *pods,
    const struct hz_key *keys, size_t ngroups, struct metric_inputs *mi)
{
	const struct hpa_spec *spec = h->spec;
	size_t n = spec->nmetrics;
	/* the arrays are the controller's scratch, reused */
	if ((n ? n : 1) > mi->cap_in) {
		KS_GROW(mi->in, mi->cap_in, n ? n : 1);
		KS_GROW(mi->pod_values, mi->cap_pod_values, n ? n : 1);
		KS_GROW(mi->series, mi->cap_series, n ? n : 1);
		KS_GROW(mi->errors, mi->cap_errors, n ? n : 1);
	}
	memset(mi->in, 0, (n ? n : 1) * sizeof *mi->in);
	memset(mi->pod_values, 0, (n ? n : 1) * sizeof *mi->pod_values);
	memset(mi->series, 0, (n ? n : 1) * sizeof *mi->series);
	memset(mi->errors, 0, (n ? n : 1) * sizeof *mi->errors);
	for (size_t i = 0; i < n; i++) {
		const struct hpa_metric_spec *m = &spec->metrics[i];
		struct hpa_metric_input *in = &mi->in[i];
		if (m->type == HPA_PODS && m->metric_name != NULL &&
		    strcmp(m->metric_name, "requests_per_second") == 0) {
			struct hpa_pod_metric *v = xcalloc(ngroups ? ngroups : 1, sizeof *v);
			size_t k = 0;
			for (size_t g = 0; g < ngroups; g++) {
				if (!keys[g].has_metrics)
					continue;
				v[k].pod = pods[g].name;
				v[k].value = keys[g].rps_milli;
				v[k].timestamp = keys[g].at;
				v[k].window = c->t.metrics_resolution;
				v[k].count = pods[g].count;
				k++;
			}
			mi->pod_values[i] = v;
			in->pod_values = v;
			in->npod_values = k;
		} else if (m->type == HPA_EXTERNAL && m->metric_name != NULL &&
		    queue_external_metric(c, m->metric_name, &m->metric_selector, &mi->series[i])) {
			in->series_milli = &mi->series[i];
			in->nseries = 1;
		} else if (m->type == HPA_PODS || m->type == HPA_OBJECT ||
		    m->type == HPA_EXTERNAL) {
			mi->errors[i] = xasprintf("no adapter serves metric %s in kubesim "
			    "(Pods: requests_per_second; External: a queue's length)",
			    m->metric_name ? m->metric_name : "?");
			in->fetch_error = mi->errors[i];
		}
	}
}

/* What one sync allocated in mi (the arrays stay for the next). */
static void
metric_inputs_clear(struct metric_inputs *mi, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(mi->pod_values[i]);
		mi->pod_values[i] = NULL;
		free(mi->errors[i]);
		mi->errors[i] = NULL;
	}
}

static void
metric_inputs_fini(struct metric_inputs *mi)
{
	free(mi->pod_values);
	free(mi->errors);
	free(mi->series);
	free(mi->in);
}

/* Pod p as the calculator sees it: its hpa_pod (name left to the caller). */
static void
hz_pod(const struct cl_pod *pd, struct hpa_pod *hp)
{
	memset(hp, 0, sizeof *hp);
	hp->phase = hpa_phase(pd);
	hp->deleting = pd->deleting;
	hp->spec = pd->spec;
	if (pd->phase >= POD_CREATING && pd->phase != POD_FREE) {
		hp->has_start = true;
		hp->start = pd->probe_origin;
		hp->ready = pd->ready_cond ? HPA_READY_TRUE : HPA_READY_FALSE;
		hp->ready_since = pd->ready_changed ? pd->ready_changed : pd->probe_origin;
	}
}

/* Pod p's key: what hz_pod gives and its metrics, every field set (the
 * pass over the pods builds an hpa_pod only for a new entry). The working
 * set is read only when a metric reads memory (-1 otherwise: no value
 * the calculator reads depends on it). */
static inline void
hz_key_of(struct cluster *c, uint32_t p, const struct cl_pod_metrics *pm,
    bool memory, sim_ns init_period, sim_ns now, struct hz_key *k)
{
	const struct cl_pod *pd = &c->pods[p];
	k->phase = (uint8_t)hpa_phase(pd);
	k->zero[0] = k->zero[1] = 0;
	k->deleting = pd->deleting;
	k->spec = pd->spec;
	k->has_start = pd->phase >= POD_CREATING && pd->phase != POD_FREE;
	k->ready = HPA_READY_NONE;
	sim_ns start = 0, ready_since = 0;
	if (k->has_start) {
		start = pd->probe_origin;
		k->ready = pd->ready_cond ? HPA_READY_TRUE : HPA_READY_FALSE;
		ready_since = pd->ready_changed ? pd->ready_changed : pd->probe_origin;
	}
	k->settled = k->has_start && k->ready == HPA_READY_TRUE &&
	    start + init_period <= now;
	k->start = k->settled ? 0 : start;
	k->ready_since = k->settled ? 0 : ready_since;
	k->has_metrics = pm->has;
	k->cpu_milli = pm->has ? pm->cpu_milli : 0;
	k->rps_milli = pm->has ? pm->rps_milli : 0;
	k->at = pm->has ? pm->at : 0;
	/* memory.c's working set, or -1: half the request (the caller's) */
	k->memory = memory && cl_pod_memory_modelled(c, p) ? cl_pod_working_set(c, p) : -1;
}

/*
 * Whether this sync reads what h's last one did, the entries' pods out of
 * their cpu initialization period (then the samples' times and the clock
 * are not read by the calculator): its metric results are the memo's.
 */
bool
hz_memo_same(const struct cl_hpa *h, const struct hz_key *keys, const struct hz_id *ids,
    size_t ng, int32_t spec_replicas, int32_t status_replicas, int64_t mem_use,
    const char *cname, const struct metric_inputs *mi)
{
	const struct hz_memo *m = &h->memo;
	if (!m->valid || m->n != ng || m->spec_replicas != spec_replicas ||
	    m->status_replicas != status_replicas || m->mem_use != mem_use)
		return false;
	if (h->needs_cname && strcmp(m->cname, cname) != 0)
		return false;
	for (size_t i = 0; h->has_external && i < h->spec->nmetrics; i++)
		if (m->nseries[i] != mi->in[i].nseries ||
		    (m->nseries[i] > 0 && m->series[i] != mi->series[i]))
			return false;
	/* out of the initialization period when the results were computed
	 * (hz_memo.settled: the memo's keys, which these must be) */
	if (!m->settled)
		return false;
	for (size_t g = 0; g < ng; g++)
		if (ids[g].pod != m->ids[g].pod || ids[g].gen != m->ids[g].gen ||
		    ids[g].count != m->ids[g].count || !hz_key_same(&keys[g], &m->keys[g]))
			return false;
	return true;
}

/* This sync's reads and results into h's memo (all results valid), or
 * the memo dropped. */
/*
 * Whether h's memo, just stored from a walk (uniform: one that read only a
 * sample every pod shared), is derivable (struct hz_memo): its request is
 * the one the calculator kept for the metric (hpa_request_memo), worked
 * out for this sync's pods when they are all of its template.
 */
static void
hz_memo_derivable(struct cl_hpa *h, bool uniform)
{
	struct hz_memo *m = &h->memo;
	m->derivable = false;
	if (!uniform || !h->ready_form || !m->valid || !m->settled || m->n == 0 ||
	    h->requests == NULL)
		return;
	const struct k8s_pod_spec *spec = m->keys[0].spec;
	const struct hpa_request_memo *rq = &h->requests[0];
	if (!rq->set || rq->spec != spec || rq->containers != NULL || rq->ncontainers != 0 ||
	    rq->pod_requests != NULL || rq->value <= 0)
		return;
	int64_t n = 0;
	for (size_t g = 0; g < m->n; g++) {
		const struct hz_key *k = &m->keys[g];
		if (k->phase != HPA_POD_RUNNING || k->ready != HPA_READY_TRUE || !k->has_start ||
		    !k->settled || k->deleting || !k->has_metrics || k->spec != spec)
			return;
		n += m->ids[g].count;
	}
	m->derivable = true;
	m->cls_gen = h->pods.gen;
	m->npods = n;
	m->request = rq->value;
}

static void
hz_memo_store(struct cl_hpa *h, const struct hz_key *keys, const struct hz_id *ids,
    size_t ng, int32_t spec_replicas, int32_t status_replicas, int64_t mem_use,
    const char *cname, const struct metric_inputs *mi, const struct hpa_metric_result *res,
    size_t nres, sim_ns now, sim_ns init_period, uint64_t pods_rev, bool uniform)
{
	struct hz_memo *m = &h->memo;
	m->valid = false;
	m->derivable = false;
	for (size_t i = 0; i < nres; i++)
		if (!res[i].valid)
			return;
	if (ng > m->cap) {
		size_t cap = m->cap;
		KS_GROW(m->keys, m->cap, ng);
		KS_GROW(m->ids, cap, ng);
	}
	if (m->metrics == NULL) {
		size_t n = h->spec->nmetrics;
		m->nmetrics = nres;
		m->metrics = xcalloc(nres ? nres : 1, sizeof *m->metrics);
		m->series = xcalloc(n ? n : 1, sizeof *m->series);
		m->nseries = xcalloc(n ? n : 1, sizeof *m->nseries);
	}
	if (m->nmetrics != nres)
		return;
	m->settled = true;
	for (size_t g = 0; g < ng; g++)
		if (keys[g].has_start && !keys[g].settled && keys[g].start + init_period > now)
			m->settled = false;
	memcpy(m->keys, keys, ng * sizeof *keys);
	memcpy(m->ids, ids, ng * sizeof *ids);
	m->n = ng;
	m->at = now;
	m->pods_rev = pods_rev;
	m->spec_replicas = spec_replicas;
	m->status_replicas = status_replicas;
	m->mem_use = mem_use;
	if (h->needs_cname && (m->cname == NULL || strcmp(m->cname, cname) != 0)) {
		free(m->cname);
		m->cname = xstrdup(cname);
	}
	for (size_t i = 0; h->has_external && i < h->spec->nmetrics; i++) {
		m->nseries[i] = mi->in[i].nseries;
		m->series[i] = mi->in[i].nseries > 0 ? mi->series[i] : 0;
	}
	memcpy(m->metrics, res, nres * sizeof *res);
	for (size_t i = 0; i < nres; i++)
		m->metrics[i].error = NULL;
	m->valid = true;
	hz_memo_derivable(h, uniform);
}

static void
hz_memo_fini(struct hz_memo *m)
{
	free(m->cname);
	free(m->keys);
	free(m->ids);
	free(m->series);
	free(m->nseries);
	free(m->metrics);
}

/* Entries of the walk in progress (the controller's scratch). */
struct hz_entries {
	struct hpa_pod	*pods;
	struct hz_key	*keys;
	struct hz_id	*ids;
	size_t		 ng, last;
};

/* Pod p of key k into its entry, or a new one (hz_enter). */
static void
hz_enter_slow(struct cluster *c, struct horizontal *hz, struct hz_entries *e, uint32_t p,
    const struct hz_key *k)
{
	size_t g = e->ng, ng = e->ng;
	if (hz->one_by_one) {
		/* every pod its own entry */
	} else {
		for (size_t i = ng > HZ_SCAN ? ng - HZ_SCAN : 0; i < ng; i++)
			if (hz_key_eq(&e->keys[i], k)) {
				g = i;
				break;
			}
	}
	if (g == ng) {
		if (ng == hz->cap_pods || ng == hz->cap_keys || ng == hz->cap_ids) {
			KS_GROW(hz->pods, hz->cap_pods, ng + 1);
			KS_GROW(hz->keys, hz->cap_keys, ng + 1);
			KS_GROW(hz->ids, hz->cap_ids, ng + 1);
			e->pods = hz->pods;
			e->keys = hz->keys;
			e->ids = hz->ids;
		}
		hz_pod(&c->pods[p], &e->pods[ng]);
		e->pods[ng].name = c->pods[p].name;
		e->pods[ng].count = 0;
		e->ids[ng] = (struct hz_id){ p, c->pods[p].gen, 0 };
		e->keys[e->ng++] = *k;
	}
	e->pods[g].count++;
	e->last = g;
}

/* Pod p of key k into its entry: most often the last pod's. */
static inline void
hz_enter(struct cluster *c, struct horizontal *hz, struct hz_entries *e, uint32_t p,
    const struct hz_key *k)
{
	if (e->last < e->ng && !hz->one_by_one && hz_key_eq(&e->keys[e->last], k))
		e->pods[e->last].count++;
	else
		hz_enter_slow(c, hz, e, p, k);
}

/* Pod p's key with the sample pm: what hz_key_of gives of its state
 * (class, its sample's fields clear) and of pm. */
static inline void
hz_key_sample(const struct hz_key *class, const struct cl_pod_metrics *pm, struct hz_key *k)
{
	*k = *class;
	k->has_metrics = pm->has;
	k->cpu_milli = pm->has ? pm->cpu_milli : 0;
	k->rps_milli = pm->has ? pm->rps_milli : 0;
	k->at = pm->has ? pm->at : 0;
}

/* More state classes than this: no hz_pods (each walk looks at the pods). */
#define HZ_MAX_CLASSES	64

/*
 * Pod p (key k) into h's hz_pods: its state class, found among the last
 * few or added. False when there are too many classes.
 */
static bool
hz_pods_add(struct hz_pods *pc, uint32_t p, const struct hz_key *k)
{
	struct hz_key s = *k;
	s.has_metrics = false;
	s.cpu_milli = s.rps_milli = 0;
	s.at = 0;
	uint32_t cls = pc->ncls;
	if (pc->n > 0 && hz_key_eq(&pc->cls_key[pc->cls[pc->n - 1]], &s))
		cls = pc->cls[pc->n - 1];
	else
		for (uint32_t i = 0; i < pc->ncls; i++)
			if (hz_key_eq(&pc->cls_key[i], &s)) {
				cls = i;
				break;
			}
	if (cls == pc->ncls) {
		if (pc->ncls == HZ_MAX_CLASSES)
			return false;
		if (pc->ncls == pc->capcls)
			KS_GROW(pc->cls_key, pc->capcls, pc->ncls + 1);
		pc->cls_key[pc->ncls++] = s;
	}
	if (pc->n == pc->cap) {
		size_t cap = pc->cap;
		KS_GROW(pc->pod, pc->cap, pc->n + 1);
		KS_GROW(pc->cls, cap, pc->n + 1);
	}
	if (pc->n > 0 && pc->cls[pc->n - 1] == cls)
		pc->runs[pc->nrun - 1].len++;
	else {
		KS_GROW(pc->runs, pc->caprun, pc->nrun + 1);
		pc->runs[pc->nrun++] = (struct hz_run){ p, cls, 1 };
	}
	pc->pod[pc->n] = p;
	pc->cls[pc->n++] = cls;
	return true;
}

size_t
hz_walk(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg, sim_ns now,
    int32_t *status_replicas)
{
	struct horizontal *hz = hz_of(c);
	const struct cl_deploy *d = &c->deploys[h->deploy];
	/* the entries' scratch grows as entries are added */
	if (hz->cap_pods == 0) {
		KS_GROW(hz->pods, hz->cap_pods, 1);
		KS_GROW(hz->keys, hz->cap_keys, 1);
		KS_GROW(hz->ids, hz->cap_ids, 1);
	}
	struct hz_entries e = { hz->pods, hz->keys, hz->ids, 0, 0 };
	struct hz_pods *pc = &h->pods;
	int32_t nd = 0;
	bool resampled = pc->ok && pc->state_rev == d->pods_state_rev && now < pc->until &&
	    !hz->no_memo;
	struct cl_pod_metrics same;
	hz->walk_uniform = false;
	if (resampled && !hz->one_by_one && metrics_uniform(c, h->deploy, &same, NULL)) {
		/* every pod the same sample: a run of one class is one key,
		 * entered as its pods one by one would be (the first pod as
		 * any, the others the last entry's) */
		hz->uniform_walks++;
		hz->walk_uniform = true;
		for (size_t r = 0; r < pc->nrun; r++) {
			uint32_t p = pc->runs[r].pod, len = pc->runs[r].len;
			struct hz_key k;
			hz_key_sample(&pc->cls_key[pc->runs[r].cls], &same, &k);
			nd += k.deleting ? 0 : (int32_t)len;
			hz_enter(c, hz, &e, p, &k);
			e.pods[e.last].count += len - 1;
		}
	} else if (resampled) {
		for (size_t j = 0; j < pc->n; j++) {
			uint32_t p = pc->pod[j];
			struct hz_key k;
			hz_key_sample(&pc->cls_key[pc->cls[j]], metrics_of(c, p), &k);
			nd += !k.deleting;
			hz_enter(c, hz, &e, p, &k);
		}
	} else {
		bool memory = h->needs_memory;
		sim_ns init_period = cfg->cpu_init_period;
		/* the classes hold while no state changes, until a Ready
		 * pod leaves its initialization period (with the time) */
		bool ok = !memory;
		sim_ns until = SIM_NEVER;
		pc->n = pc->ncls = pc->nrun = 0;
		for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
			/* the next pod's line loads while this one is read */
			uint32_t next = c->pods[p].dep_next;
			if (next != NONE)
				__builtin_prefetch(&c->pods[next]);
			struct hz_key k;
			hz_key_of(c, p, metrics_of(c, p), memory, init_period, now, &k);
			nd += !k.deleting;
			hz_enter(c, hz, &e, p, &k);
			if (k.has_start && k.ready == HPA_READY_TRUE && !k.settled &&
			    k.start + init_period < until)
				until = k.start + init_period;
			if (ok && !hz_pods_add(pc, p, &k))
				ok = false;
		}
		pc->ok = ok;
		pc->until = until;
		pc->state_rev = d->pods_state_rev;
		pc->gen++;
	}
	for (size_t g = 0; g < e.ng; g++)
		e.ids[g].count = e.pods[g].count;
	*status_replicas = nd;
	if (resampled && hz->verify)
		hz_verify_walk(c, h, cfg, now, e.ng, nd);
	return e.ng;
}

/*
 * Whether h's sync can take its memo without looking at the pods: the
 * memo stands, nothing read of the Deployment's pods has moved since
 * (cl_deploy.pods_rev; the memo's pods were out of their initialization
 * period, so their keys do not change with the time) and the pod-free
 * inputs are the memo's: the spec replicas, the container's name and the
 * External values (which mi then holds: *built).
 */
static bool
hz_unchanged(struct cluster *c, const struct cl_hpa *h, const char *cname,
    struct metric_inputs *mi, bool *built)
{
	const struct hz_memo *m = &h->memo;
	const struct cl_deploy_rev *d = &c->deploy_rev[h->deploy];
	if (hz_of(c)->no_memo || !m->valid || !m->settled || h->needs_memory ||
	    m->pods_rev != d->pods_rev || m->spec_replicas != d->replicas)
		return false;
	if (h->needs_cname && strcmp(m->cname, cname) != 0)
		return false;
	if (!h->has_external)
		return true;
	/* the Pods metric's values are not read (the memo's results are) */
	metric_inputs_build(c, h, NULL, NULL, 0, mi);
	for (size_t i = 0; i < h->spec->nmetrics; i++)
		if (m->nseries[i] != mi->in[i].nseries ||
		    (m->nseries[i] > 0 && m->series[i] != mi->series[i])) {
			metric_inputs_clear(mi, h->spec->nmetrics);
			return false;
		}
	*built = true;
	return true;
}

/* The metric results scratch, for n. */
static struct hpa_metric_result *
hz_results(struct horizontal *hz, size_t n)
{
	if (n > hz->cap_res)
		KS_GROW(hz->res, hz->cap_res, n);
	return hz->res;
}

/* HPA i's repeats not yet recorded in its state, recorded. */
static void
hz_repeat_flush(struct cluster *c, size_t i)
{
	struct horizontal *hz = hz_of(c);
	struct hz_quick *q = &hz->quick[i];
	if (q->repeat_at == 0)
		return;
	hpa_state_repeat(&hz->hpas[i].state, hz->hpas[i].repeat.recommendation,
	    q->repeat_at);
	q->repeat_at = 0;
}

/* Whether h's sync will most likely be hz_derive's (its memo derivable
 * from its pod classes as they are): it reads neither pods nor requests.
 * Only h's own syncs change what this reads (hz_quick.derive keeps it). */
static inline bool
hz_derive_likely(const struct cl_hpa *h)
{
	return h->memo.derivable && h->memo.valid && h->pods.ok &&
	    h->pods.gen == h->memo.cls_gen;
}

/*
 * HPA i's hz_quick after a sync: whether its next sync, if its pods and
 * replicas are as now, repeats this one. The memo, when it stands, holds
 * this sync's results (it gave them, or it was stored from them), row for
 * row those of hz_last, of the last reconcile.
 */
static void
hz_quick_set(struct horizontal *hz, size_t i)
{
	const struct cl_hpa *h = &hz->hpas[i];
	const struct hz_memo *m = &h->memo;
	struct hz_quick *q = &hz->quick[i];
	q->pods_rev = m->pods_rev;
	q->replicas = m->spec_replicas;
	q->until = h->repeat.until;
	q->derive = hz_derive_likely(h);
	q->ok = !hz->no_memo && !hz->no_repeat && m->valid && m->settled &&
	    !h->needs_memory && !h->needs_cname && !h->has_external && h->repeat.ok &&
	    h->repeat.current == m->spec_replicas && h->repeat.nlast == h->nmetrics;
}

/*
 * The lines of s a reconcile reads first: its recommendations' array
 * pointer, each condition's head and the first part of its message (which
 * set_cond_of compares), the literals they were made of, the last scale.
 */
static inline __attribute__((always_inline)) void
hz_prefetch_state(const struct hpa_state *s)
{
	__builtin_prefetch(&s->recs);
	for (int t = 0; t < HPA_NCOND; t++) {
		const char *cd = (const char *)&s->cond[t];
		__builtin_prefetch(cd);
		__builtin_prefetch(cd + 64);
		__builtin_prefetch(cd + 128);
	}
	__builtin_prefetch(&s->cond_lit);
	__builtin_prefetch(&s->has_last_scale);
}

/* What hz_derive did. */
enum hz_derived {
	HZ_NOT_DERIVED,		/* nothing: the sync walks */
	HZ_DERIVED_REPEAT,	/* the whole sync, which repeated the last */
	HZ_DERIVED,		/* the entries and the metric result */
};

/*
 * HPA i's sync when its memo is derivable (struct hz_memo) and this walk
 * would read only a sample every pod shares, of the same pod classes: its
 * entries are the memo's with that sample, and its one metric's result is
 * worked out from the pods' totals (hpa_ready_metric_values). When that
 * result repeats the last reconcile's, the sync is done here: the memo
 * takes the sample and the result, as hz_memo_store would, and the
 * recommendation is recorded (HZ_DERIVED_REPEAT). Otherwise the entries go
 * to the scratch (*ng of them) and the result to *res (named as the
 * memo's: its spec's), for hpa_sync to reconcile with (HZ_DERIVED).
 */
static enum hz_derived
hz_derive(struct cluster *c, size_t i, const struct hpa_config *cfg, sim_ns now, size_t *ng,
    struct hpa_metric_result **res)
{
	struct horizontal *hz = hz_of(c);
	struct cl_hpa *h = &hz->hpas[i];
	struct hz_memo *m = &h->memo;
	const struct hz_pods *pc = &h->pods;
	const struct cl_deploy_rev *dr = &c->deploy_rev[h->deploy];
	if (!m->derivable || !m->valid || hz->no_memo || hz->one_by_one ||
	    m->pods_rev == dr->pods_rev || !pc->ok || pc->gen != m->cls_gen ||
	    now >= pc->until)
		return HZ_NOT_DERIVED;
	/* the pods' state revision from the shared sample's record */
	struct cl_pod_metrics same;
	uint64_t state_rev;
	if (!metrics_uniform(c, h->deploy, &same, &state_rev) ||
	    pc->state_rev != state_rev || !same.has)
		return HZ_NOT_DERIVED;
	if (hz->verify && state_rev != c->deploys[h->deploy].pods_state_rev)
		hz_stale(hz, h, "the shared sample's pod state revision is stale", now);
	struct hpa_metric_result r;
	hpa_ready_metric_values(&h->form, dr->replicas, m->npods, same.cpu_milli * m->npods,
	    m->request * m->npods, &r);
	/* what the walk gives, and the repeat check */
	hz->uniform_walks++;
	hz->derived++;
	hz->walk_uniform = true;
	bool repeat = !hz->no_repeat && h->repeat.ok && h->repeat.current == dr->replicas &&
	    now <= h->repeat.until && h->repeat.nlast == 1 &&
	    metric_values_eq_to(&r, &h->repeat.values[0]);
	if (!repeat) {
		if (m->n > hz->cap_keys || m->n > hz->cap_ids) {
			KS_GROW(hz->keys, hz->cap_keys, m->n);
			KS_GROW(hz->ids, hz->cap_ids, m->n);
		}
		for (size_t g = 0; g < m->n; g++) {
			struct hz_key *k = &hz->keys[g];
			*k = m->keys[g];
			k->cpu_milli = same.cpu_milli;
			k->rps_milli = same.rps_milli;
			k->at = same.at;
			hz->ids[g] = m->ids[g];
		}
		*ng = m->n;
		*res = hz_results(hz, 1);
		**res = m->metrics[0];
	}
	if (!repeat) {
		/* the result's values (its name is the memo's: its spec's) */
		struct hpa_metric_result *mr = *res;
		mr->valid = r.valid;
		mr->proposal = r.proposal;
		mr->has_utilization = r.has_utilization;
		mr->utilization = r.utilization;
		mr->has_average = r.has_average;
		mr->average_milli = r.average_milli;
		mr->has_value = r.has_value;
		mr->value_milli = r.value_milli;
		if (hz->verify)
			hz_verify_derive(c, i, cfg, now, hz->keys, hz->ids, m->n,
			    m->status_replicas, mr);
		return HZ_DERIVED;
	}
	/*
	 * The memo's result has the values already: every sync leaves its
	 * values those of the last reconcile (hz_repeat.values: a reconcile
	 * stores both from its result, a repeat has them), which r repeats.
	 */
	if (hz->verify && !hz_values_same(&m->metrics[0], &r))
		hz_stale(hz, h, "a derived repeat's values differ from its memo's", now);
	/* what hz_memo_store and the repeat give */
	hz->repeats++;
	hz->quick[i].repeat_at = now;
	for (size_t g = 0; g < m->n; g++) {
		struct hz_key *k = &m->keys[g];
		k->cpu_milli = same.cpu_milli;
		k->rps_milli = same.rps_milli;
		k->at = same.at;
	}
	m->at = now;
	m->pods_rev = dr->pods_rev;
	m->spec_replicas = dr->replicas;
	if (!c->t.hpa_rows_on_change)
		hz_emit(c, h->spec->name, &h->last, now);
	if (hz->verify) {
		hz_verify_derive(c, i, cfg, now, m->keys, m->ids, m->n, m->status_replicas,
		    &m->metrics[0]);
		struct hpa_input in = {
			.spec = h->spec, .spec_replicas = dr->replicas,
			.status_replicas = m->status_replicas, .now = now,
			.same_metrics = m->metrics,
		};
		hz_verify_repeat(c, i, cfg, &in, NULL, now);
	}
	hz_quick_set(hz, i);
	return HZ_DERIVED_REPEAT;
}

static void
hpa_sync(struct cluster *c, size_t i, const struct hpa_config *cfg)
{
	struct horizontal *hz = hz_of(c);
	struct cl_hpa *h = &hz->hpas[i];
	struct cl_deploy *d = &c->deploys[h->deploy];
	/* its revision and replicas from their dense copy (hz_will_sync) */
	const struct cl_deploy_rev *dr = &c->deploy_rev[h->deploy];
	sim_ns now = sim_now(c->sim);
	size_t ng = 0;
	struct hpa_metric_result *derived = NULL;
	enum hz_derived dv = hz_derive(c, i, cfg, now, &ng, &derived);
	if (dv == HZ_DERIVED_REPEAT)
		return;
	/* most syncs past that reconcile: the state's lines the reconcile
	 * reads first are asked for while the pods are walked */
	hz_prefetch_state(&h->state);
	struct metric_inputs *mi = &hz->mi;
	/* the container's name is read only by a ContainerResource metric
	 * (each sample's usage names it; nothing else reads that name) */
	const char *cname = h->needs_cname && d->spec.ncontainers > 0 ?
	    d->spec.containers[0].name : "app";
	int32_t status_replicas = 0;
	size_t ns = 0, nm = h->nmetrics;
	int64_t mem_use = 0;
	bool built = false;	/* mi holds this sync's metric inputs */
	/* derived: the entries in the scratch, the result, no pod read */
	bool same = dv == HZ_NOT_DERIVED && hz_unchanged(c, h, cname, mi, &built);
	if (dv == HZ_DERIVED)
		status_replicas = h->memo.status_replicas;
	else if (same) {
		hz->memo_skips++;
		status_replicas = h->memo.status_replicas;
		if (hz->verify)
			hz_verify_memo(c, h, cfg, cname, mi, now);
	} else {
		ng = hz_walk(c, h, cfg, now, &status_replicas);
		if (ng > hz->cap_samples)
			KS_GROW(hz->samples, hz->cap_samples, ng);
		if (ng > hz->cap_usage)
			KS_GROW(hz->usage, hz->cap_usage, ng);
		/* The memory a pod without a memory model uses: half its
		 * request (read only when a metric reads memory). */
		if (h->needs_memory) {
			struct k8s_resources req;
			k8s_pod_request(&d->spec, false, &req);
			mem_use = (int64_t)((double)req.memory * CL_MEMORY_USE_OF_REQUEST);
			k8s_res_free(&req);
		}
		const struct hz_key *keys = hz->keys;
		const struct hpa_pod *pods = hz->pods;
		for (size_t g = 0; g < ng; g++) {
			if (!keys[g].has_metrics)
				continue;
			struct hpa_container_usage *u = &hz->usage[ns];
			struct hpa_pod_sample *sm = &hz->samples[ns];
			/* k8s_res_set of cpu and memory on a cleared usage */
			memset(u, 0, sizeof *u);
			u->name = cname;
			u->usage.cpu_milli = keys[g].cpu_milli;
			u->usage.has_cpu = true;
			u->usage.memory = keys[g].memory >= 0 ? keys[g].memory : mem_use;
			u->usage.has_memory = true;
			memset(sm, 0, sizeof *sm);
			sm->pod = pods[g].name;
			sm->timestamp = keys[g].at;
			sm->window = c->t.metrics_resolution;
			sm->containers = u;
			sm->ncontainers = 1;
			sm->count = pods[g].count;
			ns++;
		}
		/* resource metrics read no other input */
		if (h->needs_inputs) {
			metric_inputs_build(c, h, hz->pods, keys, ng, mi);
			built = true;
		}
		same = !hz->no_memo && hz_memo_same(h, keys, hz->ids, ng, dr->replicas,
		    status_replicas, mem_use, cname, mi);
		if (same)
			h->memo.pods_rev = dr->pods_rev;
	}
	if (same)
		hz->memo_hits++;
	/* with the memo's results, or derived ones, the pods and samples
	 * are not read */
	struct hpa_input in = {
		.spec = h->spec, .spec_replicas = dr->replicas, .status_replicas = status_replicas,
		.pods = derived ? NULL : hz->pods, .npods = derived ? 0 : ng,
		.samples = hz->samples, .nsamples = ns,
		.metric_inputs = built ? mi->in : NULL, .now = now,
		.same_metrics = derived ? derived : same ? h->memo.metrics : NULL,
		.requests = hz->no_memo ? NULL : h->requests,
		/* the rows read the conditions' reasons only */
		.brief = true,
	};
	if (nm > hz->cap_room)
		KS_GROW(hz->room, hz->cap_room, nm);
	in.metrics_room = hz->room;
	in.metrics_room_n = hz->cap_room;
	/* After a repeatable reconcile with these replicas, the metric
	 * results first: the same as its (hz_last's), the reconcile is
	 * skipped; otherwise it takes them. */
	bool repeat = false;
	if (!hz->no_repeat && h->repeat.ok && h->repeat.current == dr->replicas &&
	    now <= h->repeat.until && h->repeat.nlast == nm) {
		if (in.same_metrics == NULL) {
			struct hpa_metric_result *ahead = hz_results(hz, nm);
			if (hpa_metric_results(cfg, &in, ahead) == 0)
				in.same_metrics = ahead;
			else
				hpa_metric_results_fini(ahead, nm);
		}
		repeat = in.same_metrics != NULL;
		for (size_t k = 0; repeat && k < nm; k++)
			repeat = k < 2 ? metric_values_eq_to(&in.same_metrics[k],
			    &h->repeat.values[k]) :
			    metric_values_eq(&in.same_metrics[k], &h->last.metrics[k]);
	}
	struct hpa_result r;	/* hpa_reconcile clears it */
	if (repeat) {
		hz->repeats++;
		hz->quick[i].repeat_at = now;
	} else {
		hz_repeat_flush(c, i);
		hpa_reconcile(cfg, &in, &h->state, &r);
		h->repeat = (struct hz_repeat){ .ok = r.repeatable,
		    .current = r.current_replicas, .recommendation = r.recommendation,
		    .until = r.repeatable_until };
		for (size_t k = 0; k < r.nmetrics && k < 2; k++)
			h->repeat.values[k] = metric_values(&r.metrics[k]);
	}
	if (!hz->no_memo && !same)
		hz_memo_store(h, hz->keys, hz->ids, ng, dr->replicas, status_replicas, mem_use,
		    cname, mi, repeat ? in.same_metrics : r.metrics, repeat ? nm : r.nmetrics,
		    now, cfg->cpu_init_period, dr->pods_rev, hz->walk_uniform);
	if (repeat) {
		/* the last row's parts: onChange writes nothing */
		if (!c->t.hpa_rows_on_change)
			hz_emit(c, h->spec->name, &h->last, now);
	} else {
		hz_row(c, h->spec->name, &h->last, &r, now, &hz->texts);
		h->repeat.nlast = (uint32_t)h->last.nmetrics;
	}
	if (hz->verify)
		hz_verify_repeat(c, i, cfg, &in, repeat ? NULL : &r, now);
	if (!repeat) {
		if (r.rescale && r.desired_replicas != dr->replicas) {
			cl_event(c, "HPARescale", h->spec->name, "%d -> %d: %s", dr->replicas,
			    r.desired_replicas, r.rescale_reason);
			deploy_scale(c, h->deploy, r.desired_replicas);
		}
		hpa_result_fini(&r);
	}
	if (built)
		metric_inputs_clear(mi, h->spec->nmetrics);
	hz_quick_set(hz, i);
}

#define HZ_AHEAD	32	/* HPAs whose c->deploy_rev is prefetched ahead */
#define HZ_SYNCS_AHEAD	8	/* syncs whose data is prefetched ahead */

/* Whether HPA i's quick check (on_hpa_sync) will fail: it syncs. The
 * Deployment's revision and replicas are read from their dense copy
 * (c->deploy_rev: 16 bytes a Deployment, not a 664-byte struct's line). */
static inline bool
hz_will_sync(const struct cluster *c, const struct horizontal *hz, size_t i, sim_ns now)
{
	const struct hz_quick *q = &hz->quick[i];
	const struct cl_deploy_rev *d = &c->deploy_rev[q->deploy];
	return !(q->ok && q->pods_rev == d->pods_rev && q->replicas == d->replicas &&
	    now <= q->until);
}

/*
 * The state of HPA i, which will sync (all but its hpa_state, which takes
 * 2 KB with it). These helpers only load and prefetch, so GCC's
 * pure-function analysis takes a call to one for dead code (a prefetch is
 * no side effect to it) unless it is inlined first: always_inline.
 */
static inline __attribute__((always_inline)) void
hz_prefetch(const struct cluster *c, const struct horizontal *hz, size_t i)
{
	const char *h = (const char *)&hz->hpas[i];
	const struct hz_quick *q = &hz->quick[i];
	if (q->derive) {
		/* hz_derive's: the lines up to its pods' first fields and
		 * its Deployment's shared sample (with its pod state
		 * revision: metrics_uniform) */
		for (size_t off = 0; off < offsetof(struct cl_hpa, pods.pod); off += HZ_LINE)
			__builtin_prefetch(h + off);
		metrics_prefetch_uniform(c, q->deploy);
		return;
	}
	for (size_t off = 0; off < offsetof(struct cl_hpa, state); off += HZ_LINE)
		__builtin_prefetch(h + off);
}

/* Then, a sync or two later, what the pointers read there lead to: the
 * arrays its walk, memo and requests read first, its spec, its
 * Deployment's pod revision; and later still what those lead to: the metrics' specs,
 * the first pod of each of the first runs (an entry's pod). A sync
 * hz_derive will likely take (hz_quick.derive) reads its memo's keys
 * (its Deployment's revision and shared sample were asked for with its
 * lines). */
static inline __attribute__((always_inline)) void
hz_prefetch_pods(const struct cluster *c, const struct horizontal *hz, size_t i)
{
	const struct cl_hpa *h = &hz->hpas[i];
	if (hz->quick[i].derive) {
		/* the keys it takes the sample into (its result is the
		 * memo's when it repeats, as most do) */
		__builtin_prefetch(h->memo.keys);
		return;
	}
	if (h->pods.runs != NULL)
		__builtin_prefetch(h->pods.runs);
	if (h->pods.cls_key != NULL)
		__builtin_prefetch(h->pods.cls_key);
	if (h->memo.keys != NULL)
		__builtin_prefetch(h->memo.keys);
	if (h->memo.ids != NULL)
		__builtin_prefetch(h->memo.ids);
	__builtin_prefetch(h->requests);
	__builtin_prefetch(h->spec);
	__builtin_prefetch((const char *)h->spec + 64);
	/* the line of the Deployment hz_walk's first test reads (its
	 * template the sync reads only when the requests kept in
	 * cl_hpa.requests are not its pods') */
	__builtin_prefetch(&c->deploys[h->deploy].pods_state_rev);
}

static inline __attribute__((always_inline)) void
hz_prefetch_last(const struct cluster *c, const struct horizontal *hz, size_t i)
{
	const struct cl_hpa *h = &hz->hpas[i];
	if (hz->quick[i].derive)
		return;
	if (h->metric_specs != NULL) {
		__builtin_prefetch(h->metric_specs);
		__builtin_prefetch((const char *)h->metric_specs + 64);
	}
	for (size_t r = 0; r < h->pods.nrun && r < 2; r++) {
		const char *pd = (const char *)&c->pods[h->pods.runs[r].pod];
		__builtin_prefetch(pd);
		__builtin_prefetch(pd + 64);
	}
}

/* Then what the metrics' specs lead to: their resource names (which
 * resource_metric reads and prints). The pods' template, which the
 * calculator's requests come from, is read only when they are not those
 * of the last sync (cl_hpa.requests). */
static inline __attribute__((always_inline)) void
hz_prefetch_names(const struct horizontal *hz, size_t i)
{
	const struct cl_hpa *h = &hz->hpas[i];
	if (hz->quick[i].derive)
		return;
	for (size_t k = 0; h->metric_specs != NULL && k < h->nmetrics && k < 2; k++)
		if (h->metric_specs[k].resource != NULL)
			__builtin_prefetch(h->metric_specs[k].resource);
}

static void
on_hpa_sync(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	struct horizontal *hz = hz_of(c);
	struct hpa_config cfg;
	hpa_config_default(&cfg);
	sim_ns now = sim_now(sim);
	/*
	 * Most HPAs take the quick check in a few nanoseconds; a sync takes
	 * a microsecond or more and waits on memory, its state and what it
	 * points to being kilobytes apart per HPA: the next HZ_SYNCS_AHEAD
	 * HPAs that will sync (as it looks now: a hint only) are found
	 * ahead and their data asked for in stages, each stage reading what
	 * the one before brought in.
	 */
	/* a ring: the k-th ahead is ahead[(first + k) % HZ_SYNCS_AHEAD] */
	size_t ahead[HZ_SYNCS_AHEAD], first = 0, nahead = 0, scan = 0;
	/* During an API server outage (chaos.c) the HPA can neither read
	 * metrics nor scale: its syncs fail. */
	for (size_t i = 0; i < hz->n && !cl_api_down(c); i++) {
		struct hz_quick *q = &hz->quick[i];
		if (nahead > 0 && ahead[first] == i) {
			first = (first + 1) % HZ_SYNCS_AHEAD;
			nahead--;
		}
		if (scan <= i)
			scan = i + 1;
		while (nahead < HZ_SYNCS_AHEAD && scan < hz->n) {
			/* the Deployments' revisions ahead, and further
			 * ahead the checks that lead to them */
			if (scan + HZ_AHEAD < hz->n)
				__builtin_prefetch(&c->deploy_rev[hz->quick[scan + HZ_AHEAD].deploy]);
			if (scan + 2 * HZ_AHEAD < hz->n)
				__builtin_prefetch(&hz->quick[scan + 2 * HZ_AHEAD]);
			if (hz_will_sync(c, hz, scan, now)) {
				/* each found moves the others a stage on */
				hz_prefetch(c, hz, scan);
#define HZ_BACK(k)	ahead[(first + nahead - (k)) % HZ_SYNCS_AHEAD]
				if (nahead >= 2)
					hz_prefetch_pods(c, hz, HZ_BACK(2));
				if (nahead >= 4)
					hz_prefetch_last(c, hz, HZ_BACK(4));
				if (nahead >= 6)
					hz_prefetch_names(hz, HZ_BACK(6));
#undef HZ_BACK
				ahead[(first + nahead++) % HZ_SYNCS_AHEAD] = scan;
			}
			scan++;
		}
		if (hz->verify)
			hz_verify_rev(c, i, now);
		if (!hz_will_sync(c, hz, i, now)) {
			/* the last sync again: its memo, its reconcile */
			q->repeat_at = now;
			hz->memo_skips++;
			hz->memo_hits++;
			hz->repeats++;
			if (!c->t.hpa_rows_on_change)
				hz_emit(c, hz->hpas[i].spec->name, &hz->hpas[i].last, now);
			if (hz->verify)
				hz_verify_quick(c, i, &cfg, now);
			continue;
		}
		hpa_sync(c, i, &cfg);
	}
	sim_after(sim, c->t.hpa_sync_period, PRIO_CONTROLLER, on_hpa_sync, c, 0);
}

static void *
horizontal_create(struct cluster *c)
{
	struct horizontal *hz = xcalloc(1, sizeof(struct horizontal));
	/* KS_HPA_MEMO_VERIFY set: every sync that skips the pods checks them
	 * and a stale memo stops the run (bench/same_rows.sh-style checks of
	 * whole scenarios) */
	hz->verify = hz->abort_stale = getenv("KS_HPA_MEMO_VERIFY") != NULL;
	return hz;
}

static void
horizontal_start(struct cluster *c)
{
	struct horizontal *hz = hz_of(c);
	if (hz->n == 0)
		return;
	for (size_t i = 0; i < hz->n; i++)
		for (size_t k = 0; k < hz->hpas[i].nmetrics; k++)
			hz->hpas[i].requests[k].verify = hz->verify;
	if (hz->verify) {
		hz->shadows = xcalloc(hz->n, sizeof *hz->shadows);
		hz->nshadows = hz->n;
		for (size_t i = 0; i < hz->n; i++)
			hpa_state_init(&hz->shadows[i]);
	}
	sim_after(c->sim, c->t.hpa_sync_period, PRIO_CONTROLLER, on_hpa_sync, c, 0);
}

static void
horizontal_destroy(struct cluster *c)
{
	struct horizontal *hz = hz_of(c);
	for (size_t i = 0; i < hz->n; i++) {
		hpa_state_fini(&hz->hpas[i].state);
		hz_last_fini(&hz->hpas[i].last);
		hz_memo_fini(&hz->hpas[i].memo);
		free(hz->hpas[i].pods.pod);
		free(hz->hpas[i].pods.cls);
		free(hz->hpas[i].pods.cls_key);
		free(hz->hpas[i].pods.runs);
		free(hz->hpas[i].requests);
	}
	for (size_t i = 0; i < hz->nshadows; i++)
		hpa_state_fini(&hz->shadows[i]);
	free(hz->shadows);
	free(hz->quick);
	free(hz->hpas);
	free(hz->pods);
	free(hz->keys);
	free(hz->ids);
	free(hz->samples);
	free(hz->usage);
	free(hz->res);
	free(hz->room);
	ks_buf_fini(&hz->texts.row);
	ks_buf_fini(&hz->texts.row_was);
	ks_buf_fini(&hz->texts.props);
	metric_inputs_fini(&hz->mi);
	free(hz);
}

const struct cl_controller horizontal_controller = {
	.name = "horizontal-pod-autoscaler", .create = horizontal_create,
	.start = horizontal_start, .destroy = horizontal_destroy,
};
