/*
 * sched_ipa.c - InterPodAffinity (framework/plugins/interpodaffinity): the
 * required affinity / anti-affinity filter including existing pods' required
 * anti-affinity, and the preferred-terms score (with hardPodAffinityWeight
 * for existing pods' required affinity) normalized by min/max. Terms are
 * matched once per pod template; counts walk the template's nodes.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

#define REASON_AFF	"node(s) didn't match pod affinity rules"
#define REASON_ANTI	"node(s) didn't match pod anti-affinity rules"
#define REASON_EXISTING	"node(s) didn't satisfy existing pods anti-affinity rules"

static void
tpc_init(struct sched *s, struct sched_tpc *t, const char *key)
{
	t->topo = sched_topo_get(s, key ? key : "");
	t->cnt = sched_arena_alloc(s, s->topos[t->topo].ndom * sizeof *t->cnt);
}

/* The counter of key in list, added when absent; NULL when the list is full. */
static struct sched_tpc *
tpc_find(struct sched *s, struct sched_tpc *list, int *n, int max, const char *key)
{
	int topo = sched_topo_get(s, key ? key : "");
	for (int i = 0; i < *n; i++)
		if (list[i].topo == topo)
			return &list[i];
	if (*n == max)
		return NULL;
	tpc_init(s, &list[*n], key);
	return &list[(*n)++];
}

/* Adds w * (pods of group g on each node having the key) to t's domains. */
static bool
tpc_add_group(struct sched *s, struct sched_tpc *t, size_t g, int64_t w)
{
	const struct sched_group *grp = &s->groups[g];
	const struct sched_topo *tp = &s->topos[t->topo];
	bool any = false;
	for (size_t i = 0; i < grp->nnodes; i++) {
		int node = grp->nodes[i].node;
		if (!tp->has[node])
			continue;
		t->cnt[tp->dom[node]] += w * s->nodes[node].groups[grp->nodes[i].npos].all;
		any = true;
	}
	return any;
}

void
sched_ipa_prefilter(struct sched *s)
{
	struct sched_cycle *cy = &s->cy;
	const struct k8s_pod_spec *pod = cy->pod;
	const char *ns = sched_pod_ns(pod);
	const struct k8s_affinity *a = &pod->affinity;

	/* Existing pods' required anti-affinity terms matching the incoming pod. */
	for (size_t k = 0; k < s->anti_groups.n; k++) {
		size_t g = (size_t)s->anti_groups.v[k];
		const struct sched_group *grp = &s->groups[g];
		if (grp->npods == 0 || !grp->has_anti_required)
			continue;
		const struct k8s_affinity *ea = &grp->spec->affinity;
		for (size_t i = 0; i < ea->nanti_required; i++) {
			const struct k8s_pod_term *t = &ea->anti_required[i];
			if (!sched_term_matches(t, sched_pod_ns(grp->spec), pod))
				continue;
			struct sched_tpc *c = tpc_find(s, cy->existing_anti, &cy->nexisting_anti,
			    SCHED_MAX_TERMS, t->topology_key);
			if (c != NULL && tpc_add_group(s, c, g, 1))
				cy->any_existing_anti = true;
		}
	}

	/* The incoming pod's required affinity: pods matching all terms. */
	cy->naff = (int)(a->npod_required < SCHED_MAX_TERMS ? a->npod_required : SCHED_MAX_TERMS);
	for (int i = 0; i < cy->naff; i++)
		tpc_init(s, &cy->aff[i], a->pod_required[i].topology_key);
	if (cy->naff > 0) {
		cy->self_matches_all = true;
		for (int i = 0; i < cy->naff; i++)
			if (!sched_term_matches(&a->pod_required[i], ns, pod))
				cy->self_matches_all = false;
		for (size_t g = 0; g < s->ngroups; g++) {
			if (s->groups[g].npods == 0)
				continue;
			bool all = true;
			for (int i = 0; i < cy->naff && all; i++)
				all = sched_term_matches(&a->pod_required[i], ns, s->groups[g].spec);
			if (!all)
				continue;
			for (int i = 0; i < cy->naff; i++)
				if (tpc_add_group(s, &cy->aff[i], g, 1))
					cy->aff_any = true;
		}
	}

	/* The incoming pod's required anti-affinity: pods matching each term. */
	cy->nanti = (int)(a->nanti_required < SCHED_MAX_TERMS ? a->nanti_required : SCHED_MAX_TERMS);
	for (int i = 0; i < cy->nanti; i++) {
		tpc_init(s, &cy->anti[i], a->anti_required[i].topology_key);
		for (size_t g = 0; g < s->ngroups; g++)
			if (s->groups[g].npods > 0 &&
			    sched_term_matches(&a->anti_required[i], ns, s->groups[g].spec))
				tpc_add_group(s, &cy->anti[i], g, 1);
	}
}

enum sched_code
sched_ipa_filter(struct sched *s, int node, struct sched_node_status *st)
{
	const struct sched_cycle *cy = &s->cy;
	/* satisfyPodAffinity */
	bool exist = true;
	for (int i = 0; i < cy->naff; i++) {
		const struct sched_topo *t = &s->topos[cy->aff[i].topo];
		if (!t->has[node])
			return sched_fail(st, SCHED_INTER_POD_AFFINITY, SCHED_UNRESOLVABLE, REASON_AFF);
		if (cy->aff[i].cnt[t->dom[node]] <= 0)
			exist = false;
	}
	if (!exist && !(!cy->aff_any && cy->self_matches_all))
		return sched_fail(st, SCHED_INTER_POD_AFFINITY, SCHED_UNRESOLVABLE, REASON_AFF);
	/* satisfyPodAntiAffinity */
	for (int i = 0; i < cy->nanti; i++) {
		const struct sched_topo *t = &s->topos[cy->anti[i].topo];
		if (t->has[node] && cy->anti[i].cnt[t->dom[node]] > 0)
			return sched_fail(st, SCHED_INTER_POD_AFFINITY, SCHED_UNSCHEDULABLE, REASON_ANTI);
	}
	/* satisfyExistingPodsAntiAffinity */
	if (cy->any_existing_anti)
		for (int i = 0; i < cy->nexisting_anti; i++) {
			const struct sched_topo *t = &s->topos[cy->existing_anti[i].topo];
			if (t->has[node] && cy->existing_anti[i].cnt[t->dom[node]] > 0)
				return sched_fail(st, SCHED_INTER_POD_AFFINITY, SCHED_UNSCHEDULABLE,
				    REASON_EXISTING);
		}
	return SCHED_SUCCESS;
}

/* processTerm for every node of group g when the term matched: the
 * counts by domain of each topology key are marks (no clearing per cycle). */
static void
score_term(struct sched *s, const char *key, size_t g, int64_t w)
{
	struct sched_cycle *cy = &s->cy;
	int topo = sched_topo_get(s, key ? key : "");
	int slot;
	for (slot = 0; slot < cy->ntscore; slot++)
		if (cy->tscore[slot].topo == topo)
			break;
	if (slot == cy->ntscore) {
		if (slot == SCHED_MAX_TSCORE)
			return;
		cy->tscore[slot].topo = topo;
		cy->tscore[slot].cnt = NULL;
		sched_mark_begin_n(&s->mk_tscore[slot], s->topos[topo].ndom);
		cy->ntscore++;
	}
	struct sched_mark *m = &s->mk_tscore[slot];
	/* processExistingPod skips nodes without any label. */
	const struct sched_group *grp = &s->groups[g];
	const struct sched_topo *tp = &s->topos[topo];
	for (size_t i = 0; i < grp->nnodes; i++) {
		int node = grp->nodes[i].node;
		if (s->nodes[node].spec->labels.n == 0 || !tp->has[node])
			continue;
		int32_t dom = tp->dom[node];
		sched_mark_set(m, dom, sched_mark_value(m, dom) +
		    w * s->nodes[node].groups[grp->nodes[i].npos].all);
		cy->tscore_any = true;
	}
}

/* The existing pods' terms that match pod (required affinity when
 * hardPodAffinityWeight > 0, preferred, anti-affinity preferred), over the
 * groups with terms that have pods; kept in pod's group while no group with
 * terms came or changed. */
static const struct sched_group *
ipa_hits(struct sched *s, const struct k8s_pod_spec *pod)
{
	int32_t gi = sched_group_of(s, pod);
	bool hard = s->cfg.hard_pod_affinity_weight > 0;
	uint64_t key = ks_mix64(s->aff_gen ^ ((uint64_t)s->aff_groups.n << 20) ^
	    ((uint64_t)hard << 62));
	key = ks_mix64(key ^ s->groups_gen ^ sched_spec_match_hash(pod));
	struct sched_group *me = &s->groups[gi];
	if (me->ipa_valid && me->ipa_key == key)
		return me;
	me->nipa_hits = 0;
	for (size_t k = 0; k < s->aff_groups.n; k++) {
		int32_t g = s->aff_groups.v[k];
		const struct sched_group *grp = &s->groups[g];
		if (grp->npods == 0 || !grp->has_affinity)
			continue;
		const struct k8s_affinity *ea = &grp->spec->affinity;
		const char *ens = sched_pod_ns(grp->spec);
		for (int kind = 0; kind < 3; kind++) {
			size_t nt = kind == 0 ? (hard ? ea->npod_required : 0) :
			    kind == 1 ? ea->npod_preferred : ea->nanti_preferred;
			for (size_t i = 0; i < nt; i++) {
				const struct k8s_pod_term *t = kind == 0 ? &ea->pod_required[i] :
				    kind == 1 ? &ea->pod_preferred[i].term : &ea->anti_preferred[i].term;
				if (!sched_term_matches(t, ens, pod))
					continue;
				KS_GROW(me->ipa_hits, me->cap_ipa_hits, me->nipa_hits + 1);
				me->ipa_hits[me->nipa_hits++] = (struct sched_ipa_hit){ g, (int8_t)kind,
				    (int32_t)i };
			}
		}
	}
	me->ipa_key = key;
	me->ipa_valid = true;
	return me;
}

/* The incoming pod's preferred term t (weight w) against every group that
 * can match its selector. */
static void
score_own_term(struct sched *s, const struct k8s_pod_term *t, const char *ns, int64_t w)
{
	const struct sched_glist *cand = sched_groups_with_selector(s, &t->selector);
	size_t n = cand != NULL ? cand->n : s->ngroups;
	for (size_t k = 0; k < n; k++) {
		size_t g = cand != NULL ? (size_t)cand->v[k] : k;
		const struct sched_group *grp = &s->groups[g];
		if (grp->npods == 0 || !sched_term_matches(t, ns, grp->spec))
			continue;
		score_term(s, t->topology_key, g, w);
	}
}

bool
sched_ipa_prescore(struct sched *s, const int *nodes, size_t n)
{
	(void)nodes;
	struct sched_cycle *cy = &s->cy;
	const struct k8s_pod_spec *pod = cy->pod;
	const char *ns = sched_pod_ns(pod);
	const struct k8s_affinity *a = &pod->affinity;
	if (n == 0)
		return true;
	bool has_constraints = a->npod_preferred > 0 || a->nanti_preferred > 0;
	if (s->cfg.ignore_preferred_terms_of_existing_pods && !has_constraints)
		return true;
	cy->ntscore = 0;
	cy->tscore_any = false;
	/* The sums are integers: the order of the terms does not change them. */
	for (size_t i = 0; i < a->npod_preferred; i++)
		score_own_term(s, &a->pod_preferred[i].term, ns, a->pod_preferred[i].weight);
	for (size_t i = 0; i < a->nanti_preferred; i++)
		score_own_term(s, &a->anti_preferred[i].term, ns,
		    -(int64_t)a->anti_preferred[i].weight);
	const struct sched_group *me = ipa_hits(s, pod);
	for (size_t k = 0; k < me->nipa_hits; k++) {
		const struct sched_ipa_hit *h = &me->ipa_hits[k];
		const struct sched_group *grp = &s->groups[h->group];
		if (grp->npods == 0)
			continue;
		const struct k8s_affinity *ea = &grp->spec->affinity;
		if (h->kind == 0)
			score_term(s, ea->pod_required[h->term].topology_key, (size_t)h->group,
			    s->cfg.hard_pod_affinity_weight);
		else if (h->kind == 1)
			score_term(s, ea->pod_preferred[h->term].term.topology_key,
			    (size_t)h->group, ea->pod_preferred[h->term].weight);
		else
			score_term(s, ea->anti_preferred[h->term].term.topology_key,
			    (size_t)h->group, -(int64_t)ea->anti_preferred[h->term].weight);
	}
	return !cy->tscore_any;
}

int64_t
sched_ipa_score(struct sched *s, int node)
{
	const struct sched_cycle *cy = &s->cy;
	int64_t score = 0;
	for (int i = 0; i < cy->ntscore; i++) {
		const struct sched_topo *t = &s->topos[cy->tscore[i].topo];
		if (t->has[node])
			score += sched_mark_value(&s->mk_tscore[i], t->dom[node]);
	}
	return score;
}

void
sched_ipa_normalize(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	(void)nodes;
	if (!s->cy.tscore_any)
		return;
	int64_t min = INT64_MAX, max = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (sc[i] > max)
			max = sc[i];
		if (sc[i] < min)
			min = sc[i];
	}
	int64_t diff = max - min;
	for (size_t i = 0; i < n; i++) {
		double f = 0;
		if (diff > 0)
			f = (double)SCHED_MAX_NODE_SCORE * ((double)(sc[i] - min) / (double)diff);
		sc[i] = (int64_t)f;
	}
}
