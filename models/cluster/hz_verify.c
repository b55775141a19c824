/*
 * hz_verify.c - KS_HPA_MEMO_VERIFY's checks of the HPA controller's
 * shortcuts (horizontal.c): a walk that read only samples, a memo taken
 * without the pods, a derived sync, a repeat of the last reconcile and the
 * quick check's dense copy are each compared with what the full work
 * gives; a disagreement stops the run (hz_stale).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/horizontal_int.h"

/*
 * Verify: a walk that read only the samples (ng entries in the scratch,
 * nd pods not deleting) is what looking at the pods gives (which it then
 * leaves in the scratch); a stale memo otherwise.
 */
void
hz_verify_walk(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg, sim_ns now,
    size_t ng, int32_t nd)
{
	struct horizontal *hz = hz_of(c);
	struct hz_key *keys = xcalloc(ng ? ng : 1, sizeof *keys);
	struct hz_id *ids = xcalloc(ng ? ng : 1, sizeof *ids);
	memcpy(keys, hz->keys, ng * sizeof *keys);
	memcpy(ids, hz->ids, ng * sizeof *ids);
	/* the classes found again are these when it holds: their
	 * generation and the walk's kind stay */
	uint64_t gen = h->pods.gen;
	bool uniform = hz->walk_uniform;
	h->pods.ok = false;
	int32_t nd2;
	size_t n = hz_walk(c, h, cfg, now, &nd2);
	bool ok = n == ng && nd2 == nd;
	for (size_t g = 0; ok && g < ng; g++)
		ok = hz_key_eq(&keys[g], &hz->keys[g]) && ids[g].pod == hz->ids[g].pod &&
		    ids[g].gen == hz->ids[g].gen && ids[g].count == hz->ids[g].count;
	free(keys);
	free(ids);
	hz->walk_uniform = uniform;
	if (ok) {
		h->pods.gen = gen;
		return;
	}
	hz_stale(hz, h, "stale pod classes", now);
}

/* Verify: a sync that took h's memo without looking at the pods looks at
 * them all the same; they must be the memo's. */
void
hz_verify_memo(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg,
    const char *cname, const struct metric_inputs *mi, sim_ns now)
{
	struct horizontal *hz = hz_of(c);
	int32_t sr;
	size_t n = hz_walk(c, h, cfg, now, &sr);
	if (sr == h->memo.status_replicas && hz_memo_same(h, hz->keys, hz->ids, n,
	    c->deploys[h->deploy].replicas, sr, 0, cname, mi))
		return;
	hz_stale(hz, h, "stale memo", now);
}

/* The last time s recommended v (with a pending repeat of pv at pat, 0:
 * none), or horizon when that is at or before horizon. */
static sim_ns
rec_latest(const struct hpa_state *s, int32_t pv, sim_ns pat, int32_t v, sim_ns horizon)
{
	sim_ns t = pat != 0 && pv == v ? pat : horizon;
	for (size_t k = 0; k < s->nrecs; k++)
		if (s->recs[k].replicas == v && s->recs[k].at > t)
			t = s->recs[k].at;
	return t;
}

/*
 * States a (with a pending repeat, hz_quick) and b recommended every
 * value last at the same time, but for times at or before horizon (out of
 * every later window): the stabilization gives the same from now on.
 */
static bool
recs_same(const struct hpa_state *a, int32_t pv, sim_ns pat, const struct hpa_state *b,
    sim_ns horizon)
{
	for (int side = 0; side < 2; side++) {
		const struct hpa_state *s = side ? b : a;
		for (size_t k = 0; k < s->nrecs; k++) {
			int32_t v = s->recs[k].replicas;
			if (rec_latest(a, pv, pat, v, horizon) != rec_latest(b, 0, 0, v, horizon))
				return false;
		}
	}
	return pat == 0 || rec_latest(a, pv, pat, pv, horizon) == rec_latest(b, 0, 0, pv, horizon);
}

/*
 * Verify: HPA i's shadow state (when it has one) reconciles at every
 * sync, from this sync's inputs; its result must be the one this sync had
 * (r, or NULL when it repeated the last: the last row's, no rescale) and
 * its conditions, desired replicas and last scale time those of the HPA's
 * state.
 */
void
hz_verify_repeat(struct cluster *c, size_t i, const struct hpa_config *cfg,
    const struct hpa_input *in, const struct hpa_result *r, sim_ns now)
{
	struct horizontal *hz = hz_of(c);
	const struct cl_hpa *h = &hz->hpas[i];
	if (i >= hz->nshadows)
		return;
	struct hpa_result s;
	struct hpa_input own = *in;
	own.metrics_room = NULL;	/* r's metrics may be there */
	hpa_reconcile(cfg, &own, &hz->shadows[i], &s);
	bool ok = s.rescale == (r != NULL && r->rescale) &&
	    hz_last_eq(&h->last, &s, row_limited(&s), row_reason(&s));
	const struct hpa_state *a = &h->state, *b = &hz->shadows[i];
	for (int t = 0; t < HPA_NCOND; t++) {
		const struct hpa_condition *x = &a->cond[t], *y = &b->cond[t];
		ok = ok && x->set == y->set && x->status == y->status &&
		    x->last_transition == y->last_transition &&
		    strcmp(x->reason, y->reason) == 0 && strcmp(x->message, y->message) == 0;
	}
	ok = ok && a->desired_replicas == b->desired_replicas &&
	    a->has_last_scale == b->has_last_scale && a->last_scale == b->last_scale;
	/* the longest window the stabilization reads (hpa_controller.c's
	 * normalize_legacy, normalize_behavior; the spec is defaulted) */
	const struct hpa_spec *sp = h->spec;
	sim_ns w = cfg->downscale_stabilization;
	if (sp->has_behavior) {
		sim_ns up = sp->scale_up.has_stabilization ?
		    sp->scale_up.stabilization_s * SIM_SEC : 0;
		if (sp->scale_down.has_stabilization)
			w = sp->scale_down.stabilization_s * SIM_SEC;
		if (up > w)
			w = up;
	}
	ok = ok && recs_same(a, h->repeat.recommendation, hz->quick[i].repeat_at, b, now - w);
	hpa_result_fini(&s);
	if (ok)
		return;
	hz->repeat_stale++;
	if (hz->abort_stale) {
		fprintf(stderr, "kubesim: HPA %s: a sync at %.3f s differs from its reconcile\n",
		    h->spec->name, sim_ns_to_s(now));
		abort();
	}
}

/* A stale memo counted, and the run stopped when it must. */
void
hz_stale(struct horizontal *hz, const struct cl_hpa *h, const char *what, sim_ns now)
{
	hz->memo_stale++;
	if (hz->abort_stale) {
		fprintf(stderr, "kubesim: HPA %s: %s at %.3f s\n", h->spec->name, what,
		    sim_ns_to_s(now));
		abort();
	}
}

/*
 * Verify: entries hz_derive gave (ng of them: keys, ids; sr pods not
 * deleting) and the metric result it worked out (res) are what walking
 * the pods and computing the metric give. The scratch's entries are left
 * as they were (the derived ones, when they were there).
 */
void
hz_verify_derive(struct cluster *c, size_t i, const struct hpa_config *cfg, sim_ns now,
    const struct hz_key *keys, const struct hz_id *ids, size_t ng, int32_t sr,
    const struct hpa_metric_result *res)
{
	struct horizontal *hz = hz_of(c);
	struct cl_hpa *h = &hz->hpas[i];
	const struct cl_deploy_rev *dr = &c->deploy_rev[h->deploy];
	struct hz_key *k = xcalloc(ng ? ng : 1, sizeof *k);
	struct hz_id *d = xcalloc(ng ? ng : 1, sizeof *d);
	memcpy(k, keys, ng * sizeof *k);
	memcpy(d, ids, ng * sizeof *d);
	int32_t wsr;
	size_t wng = hz_walk(c, h, cfg, now, &wsr);
	bool ok = wng == ng && wsr == sr;
	for (size_t g = 0; ok && g < ng; g++)
		ok = hz_key_eq(&hz->keys[g], &k[g]) && hz->ids[g].pod == d[g].pod &&
		    hz->ids[g].gen == d[g].gen && hz->ids[g].count == d[g].count;
	if (ok) {
		/* the samples hpa_sync gives the calculator (cpu only) */
		if (ng > hz->cap_samples)
			KS_GROW(hz->samples, hz->cap_samples, ng);
		if (ng > hz->cap_usage)
			KS_GROW(hz->usage, hz->cap_usage, ng);
		for (size_t g = 0; g < ng; g++) {
			struct hpa_container_usage *u = &hz->usage[g];
			struct hpa_pod_sample *sm = &hz->samples[g];
			memset(u, 0, sizeof *u);
			u->name = "app";
			u->usage.cpu_milli = hz->keys[g].cpu_milli;
			u->usage.has_cpu = true;
			u->usage.has_memory = true;
			memset(sm, 0, sizeof *sm);
			sm->pod = hz->pods[g].name;
			sm->timestamp = hz->keys[g].at;
			sm->window = c->t.metrics_resolution;
			sm->containers = u;
			sm->ncontainers = 1;
			sm->count = hz->pods[g].count;
		}
		struct hpa_input in = {
			.spec = h->spec, .spec_replicas = dr->replicas, .status_replicas = sr,
			.pods = hz->pods, .npods = ng, .samples = hz->samples, .nsamples = ng,
			.now = now, .requests = h->requests,
		};
		struct hpa_metric_result w;
		ok = hpa_metric_results(cfg, &in, &w) == 0 && metric_row_eq(&w, res) &&
		    metric_values_eq(&w, res);
		hpa_metric_results_fini(&w, 1);
	}
	/* the scratch as it was */
	memcpy(hz->keys, k, ng * sizeof *k);
	memcpy(hz->ids, d, ng * sizeof *d);
	hz->walk_uniform = true;
	free(k);
	free(d);
	if (!ok)
		hz_stale(hz, h, "a derived sync differs from its walk", now);
}

/* Results a and b have the same values, every field metric_values_eq_to
 * compares (verify). */
bool
hz_values_same(const struct hpa_metric_result *a, const struct hpa_metric_result *b)
{
	return a->valid == b->valid && a->proposal == b->proposal &&
	    a->has_utilization == b->has_utilization && a->utilization == b->utilization &&
	    a->has_average == b->has_average && a->average_milli == b->average_milli &&
	    a->has_value == b->has_value && a->value_milli == b->value_milli;
}

/* Verify: a sync that hz_quick found the last one again, looked at. */
void
hz_verify_quick(struct cluster *c, size_t i, const struct hpa_config *cfg, sim_ns now)
{
	struct horizontal *hz = hz_of(c);
	struct cl_hpa *h = &hz->hpas[i];
	const struct cl_deploy *d = &c->deploys[h->deploy];
	const char *cname = d->spec.ncontainers > 0 ? d->spec.containers[0].name : "app";
	hz_verify_memo(c, h, cfg, cname, &hz->mi, now);
	struct hpa_input in = {
		.spec = h->spec, .spec_replicas = d->replicas,
		.status_replicas = h->memo.status_replicas, .now = now,
		.same_metrics = h->memo.metrics,
	};
	hz_verify_repeat(c, i, cfg, &in, NULL, now);
}

/* Verify: the dense copy HPA i's quick check reads is its Deployment's. */
void
hz_verify_rev(struct cluster *c, size_t i, sim_ns now)
{
	struct horizontal *hz = hz_of(c);
	if (cl_deploy_rev_ok(c, hz->quick[i].deploy))
		return;
	hz->rev_stale++;
	if (hz->abort_stale) {
		fprintf(stderr, "kubesim: HPA %s: its Deployment's copy (c->deploy_rev) is "
		    "stale at %.3f s\n", hz->hpas[i].spec->name, sim_ns_to_s(now));
		abort();
	}
}
