/*
 * sched_spread.c - PodTopologySpread (framework/plugins/podtopologyspread):
 * the DoNotSchedule filter with minDomains and node inclusion policies, and
 * the ScheduleAnyway score with system default constraints, ln(size + 2)
 * weights and its own normalization. Counting works on template groups: a
 * selector is evaluated once per group, counts walk the group's nodes.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

#define LABEL_HOSTNAME	"kubernetes.io/hostname"
#define LABEL_ZONE	"topology.kubernetes.io/zone"
#define REASON_SPREAD	"node(s) didn't match pod topology spread constraints"
#define REASON_SPREAD_LABEL \
	"node(s) didn't match pod topology spread constraints (missing required label)"

/* Builds the constraints of the pod for one action (filterTopologySpreadConstraints). */
static int
own_constraints(struct sched *s, enum k8s_when_unsat action, struct sched_spread_c *out)
{
	const struct k8s_pod_spec *pod = s->cy.pod;
	int n = 0;
	for (size_t i = 0; i < pod->nspread && n < SCHED_MAX_SPREAD; i++) {
		const struct k8s_spread *c = &pod->spread[i];
		if (c->when_unsatisfiable != action)
			continue;
		struct sched_spread_c *sc = &out[n++];
		memset(sc, 0, sizeof *sc);
		sc->topo = sched_topo_get(s, c->topology_key ? c->topology_key : "");
		sc->hostname = c->topology_key && strcmp(c->topology_key, LABEL_HOSTNAME) == 0;
		sc->max_skew = c->max_skew;
		sc->min_domains = c->min_domains > 0 ? c->min_domains : 1;
		sc->honor_affinity = true;
		sc->honor_taints = false;
		if (s->cfg.spread_node_inclusion_policy) {
			sc->honor_affinity = c->node_affinity_policy == K8S_HONOR;
			sc->honor_taints = c->node_taints_policy == K8S_HONOR;
		}
		sc->sel.nothing = !c->selector.set;
		sc->sel.base = &c->selector;
		if (s->cfg.spread_match_label_keys)
			for (size_t k = 0; k < c->nmatch_label_keys && sc->sel.nmk < SCHED_MAX_SPREAD; k++) {
				const char *v = k8s_labels_get(&pod->labels, c->match_label_keys[k]);
				if (v == NULL)
					continue;
				sc->sel.mk_key[sc->sel.nmk] = c->match_label_keys[k];
				sc->sel.mk_val[sc->sel.nmk] = v;
				sc->sel.nmk++;
			}
	}
	return n;
}

/* buildDefaultConstraints with helper.DefaultSelector: matching Services'
 * selectors merged, plus the owner's requirements. */
static int
default_constraints(struct sched *s, struct sched_spread_c *out)
{
	const struct k8s_pod_spec *pod = s->cy.pod;
	struct sched_sel sel;
	memset(&sel, 0, sizeof sel);
	/* Only the services listed under one of the pod's labels can select
	 * it; they come in the order added, as a scan of all would find them. */
	size_t nfound = sched_services_of(s, &pod->labels);
	for (size_t k = 0; k < nfound && sel.neq < SCHED_MAX_EQ; k++) {
		const struct sched_service *svc = &s->services[s->svc_found[k]];
		if (strcmp(svc->ns ? svc->ns : "", sched_pod_ns(pod)) != 0 || svc->sel->n == 0)
			continue;
		struct sched_sel one;
		memset(&one, 0, sizeof one);
		one.eq[0] = svc->sel;
		one.neq = 1;
		if (sched_sel_matches(&one, &pod->labels))
			sel.eq[sel.neq++] = svc->sel;
	}
	if (s->cy.owner != NULL && s->cy.owner->set && s->cy.owner->nreqs > 0)
		sel.base2 = s->cy.owner;
	if (sched_sel_empty(&sel))
		return 0;
	static const struct { const char *key; int32_t skew; } defs[2] = {
		{ LABEL_HOSTNAME, 3 }, { LABEL_ZONE, 5 },
	};
	for (int i = 0; i < 2; i++) {
		struct sched_spread_c *sc = &out[i];
		memset(sc, 0, sizeof *sc);
		sc->topo = sched_topo_get(s, defs[i].key);
		sc->hostname = i == 0;
		sc->max_skew = defs[i].skew;
		sc->min_domains = 1;
		sc->honor_affinity = true;
		sc->honor_taints = false;
		sc->sel = sel;
	}
	return 2;
}

/* Marks the groups whose pods the constraint counts (countPodsMatchSelector:
 * an empty selector counts nothing; other namespaces do not count). */
static void
match_groups(struct sched *s, struct sched_spread_c *c)
{
	const char *ns = sched_pod_ns(s->cy.pod);
	c->self_match = sched_sel_matches(&c->sel, &s->cy.pod->labels);
	c->nglist = 0;
	if (sched_sel_empty(&c->sel) || c->sel.nothing)
		return;		/* counts nothing, matches nothing */
	/* Only the groups carrying a label the selector requires can match. */
	const struct sched_glist *cand = sched_groups_with(s, &c->sel);
	size_t n = cand != NULL ? cand->n : s->ngroups;
	c->glist = sched_arena_alloc(s, (n ? n : 1) * sizeof *c->glist);
	for (size_t k = 0; k < n; k++) {
		size_t g = cand != NULL ? (size_t)cand->v[k] : k;
		const struct sched_group *grp = &s->groups[g];
		if (grp->npods == 0 || strcmp(sched_pod_ns(grp->spec), ns) != 0)
			continue;
		if (sched_sel_matches(&c->sel, &grp->spec->labels))
			c->glist[c->nglist++] = (int32_t)g;
	}
}

static bool
has_all_keys(const struct sched *s, const struct sched_spread_c *cs, int n, int node)
{
	for (int i = 0; i < n; i++)
		if (!s->topos[cs[i].topo].has[node])
			return false;
	return true;
}

static bool
inclusion_ok(struct sched *s, const struct sched_spread_c *c, int node)
{
	if (c->honor_affinity && !sched_node_affinity_ok(s, node))
		return false;
	if (c->honor_taints && !sched_node_taints_ok(s, node))
		return false;
	return true;
}

/* The matching live pods of constraint slot i on each node holding any
 * (countPodsMatchSelector per node), into s->mk_host[i]: a walk of the
 * matching groups' nodes instead of every scored node's pods. */
static void
host_counts(struct sched *s, const struct sched_spread_c *c, int i)
{
	struct sched_mark *m = &s->mk_host[i];
	sched_mark_begin(s, m);
	for (size_t k = 0; k < c->nglist; k++) {
		const struct sched_group *grp = &s->groups[c->glist[k]];
		for (size_t j = 0; j < grp->nnodes; j++) {
			int node = grp->nodes[j].node;
			int64_t live = s->nodes[node].groups[grp->nodes[j].npos].live;
			sched_mark_set(m, node, sched_mark_value(m, node) + live);
		}
	}
}

/* Whether a node's pods count for the constraint. */
static bool
counts_node(struct sched *s, const struct sched_spread_c *c, const struct sched_spread_c *all,
    int nall, bool require_all, int node)
{
	return sched_node_live(s, node) && (!require_all || has_all_keys(s, all, nall, node)) &&
	    inclusion_ok(s, c, node);
}

/* Adds each matching group's pods on counted nodes whose domain is present
 * into c->cnt. Walks only the nodes holding matching pods. */
static void
add_group_counts(struct sched *s, struct sched_spread_c *c, const struct sched_spread_c *all,
    int nall, bool require_all)
{
	const struct sched_topo *t = &s->topos[c->topo];
	struct sched_mark *elig = &s->mk_elig;
	sched_mark_begin(s, elig);
	for (size_t k = 0; k < c->nglist; k++) {
		const struct sched_group *grp = &s->groups[c->glist[k]];
		for (size_t i = 0; i < grp->nnodes; i++) {
			int node = grp->nodes[i].node;
			int32_t dom = t->dom[node];
			if (!c->present[dom])
				continue;
			int64_t ok;
			if (!sched_mark_get(elig, node, &ok)) {
				ok = counts_node(s, c, all, nall, require_all, node);
				sched_mark_set(elig, node, ok);
			}
			if (ok)
				c->cnt[dom] += s->nodes[node].groups[grp->nodes[i].npos].live;
		}
	}
}

/* ---- DoNotSchedule domain counts kept across cycles ----------------------- */

/* What the counts of constraint i of the cycle's pod depend on: the
 * namespace and selector (which groups match), the topology key, every
 * constraint key (nodes missing one do not count) and the inclusion
 * policies with what they read of the pod. */
static uint64_t
dcount_key(struct sched *s, const struct sched_spread_c *cs, int n, int i)
{
	const struct k8s_pod_spec *pod = s->cy.pod;
	const struct sched_spread_c *c = &cs[i];
	uint64_t h = sched_hash_str(0x5eed, sched_pod_ns(pod));
	h = sched_hash_selector(h, c->sel.base);
	h = ks_mix64(h ^ (uint64_t)c->sel.nmk ^ ((uint64_t)c->sel.nothing << 8));
	for (int k = 0; k < c->sel.nmk; k++)
		h = sched_hash_str(sched_hash_str(h, c->sel.mk_key[k]), c->sel.mk_val[k]);
	h = ks_mix64(h ^ (uint64_t)c->topo ^ ((uint64_t)n << 32));
	for (int k = 0; k < n; k++)
		h = ks_mix64(h ^ (uint64_t)cs[k].topo);
	h = ks_mix64(h ^ ((uint64_t)c->honor_affinity << 1) ^ ((uint64_t)c->honor_taints << 2));
	if (c->honor_affinity)
		h = ks_mix64(h ^ sched_affinity_hash(pod));
	if (c->honor_taints)
		h = ks_mix64(h ^ sched_tolerations_hash(pod));
	return h;
}

/* Adds (sign 1) the live pods of group g on the counted nodes of d. */
static void
dcount_add_group(struct sched *s, struct sched_dcount *d, int32_t g)
{
	const struct sched_group *grp = &s->groups[g];
	const struct sched_topo *t = &s->topos[d->topo];
	for (size_t i = 0; i < grp->nnodes; i++) {
		int node = grp->nodes[i].node;
		if (d->elig[node] == 1)
			d->cnt[t->dom[node]] += s->nodes[node].groups[grp->nodes[i].npos].live;
	}
}

/* Group g against c (countPodsMatchSelector: same namespace, selector);
 * a member's counts are added when d is counted. An empty group's spec may
 * be gone: it waits until it has pods again. */
static void
dcount_match_one(struct sched *s, struct sched_dcount *d, int32_t id,
    const struct sched_spread_c *c, size_t g)
{
	struct sched_group *grp = &s->groups[g];
	if (grp->npods == 0) {
		KS_GROW(d->waiting, d->cap_waiting, d->nwaiting + 1);
		d->waiting[d->nwaiting++] = (int32_t)g;
		return;
	}
	if (strcmp(sched_pod_ns(grp->spec), sched_pod_ns(s->cy.pod)) != 0 ||
	    !sched_sel_matches(&c->sel, &grp->spec->labels))
		return;
	{
		KS_GROW(d->members, d->cap_members, d->nmembers + 1);
		d->members[d->nmembers++] = (int32_t)g;
		/* drop this group's stale references while adding one */
		size_t keep = 0;
		for (size_t k = 0; k < grp->ndrefs; k++) {
			const struct sched_dref *r = &grp->drefs[k];
			if (r->id != id && s->dcounts[r->id].epoch == r->epoch)
				grp->drefs[keep++] = *r;
		}
		grp->ndrefs = keep;
		KS_GROW(grp->drefs, grp->cap_drefs, grp->ndrefs + 1);
		grp->drefs[grp->ndrefs++] = (struct sched_dref){ id, d->epoch };
		if (d->counted)
			dcount_add_group(s, d, (int32_t)g);
	}
}

/* Matches the groups not matched yet: new ones and waiting ones with pods. */
static void
dcount_match(struct sched *s, struct sched_dcount *d, int32_t id, const struct sched_spread_c *c)
{
	if (sched_sel_empty(&c->sel) || c->sel.nothing) {
		d->nchecked = s->ngroups;	/* counts nothing */
		return;
	}
	size_t nw = d->nwaiting, keep = 0;
	for (size_t k = 0; k < nw; k++) {
		int32_t g = d->waiting[k];
		if (s->groups[g].npods == 0)
			d->waiting[keep++] = g;
		else
			dcount_match_one(s, d, id, c, (size_t)g);
	}
	/* entries added by dcount_match_one past nw cannot happen (npods > 0) */
	d->nwaiting = keep;
	/* Only the groups carrying a label the selector requires can match
	 * (a list that grows in creation order); else every group. */
	const struct sched_glist *cand = sched_groups_with(s, &c->sel);
	if (cand != NULL) {
		for (size_t k = d->ncand; k < cand->n; k++)
			dcount_match_one(s, d, id, c, (size_t)cand->v[k]);
		d->ncand = cand->n;
		return;
	}
	for (size_t g = d->nchecked; g < s->ngroups; g++)
		dcount_match_one(s, d, id, c, g);
	d->nchecked = s->ngroups;
}

/* Recounts d over the current nodes (counts_node over every node, then the
 * matching groups' pods). */
static void
dcount_recount(struct sched *s, struct sched_dcount *d, const struct sched_spread_c *c,
    const struct sched_spread_c *all, int nall)
{
	const struct sched_topo *t = &s->topos[d->topo];
	if (d->cap_elig < s->nnodes) {
		d->cap_elig = s->nnodes + s->nnodes / 2 + 16;
		free(d->elig);
		d->elig = xmalloc(d->cap_elig);
	}
	if (d->cap_dom < t->ndom) {
		d->cap_dom = t->ndom + t->ndom / 2 + 4;
		free(d->cnt);
		free(d->present);
		d->cnt = xmalloc(d->cap_dom * sizeof *d->cnt);
		d->present = xmalloc(d->cap_dom);
	}
	d->ndom = t->ndom;
	memset(d->cnt, 0, d->ndom * sizeof *d->cnt);
	memset(d->present, 0, d->ndom);
	d->ndomains = 0;
	for (size_t n = 0; n < s->nnodes; n++) {
		bool ok = counts_node(s, c, all, nall, true, (int)n);
		d->elig[n] = ok ? 1 : 2;
		if (!ok)
			continue;
		if (!d->present[t->dom[n]]) {
			d->present[t->dom[n]] = 1;
			d->ndomains++;
		}
	}
	d->nodes_gen = s->nodes_gen;
	d->counted = true;
	for (size_t k = 0; k < d->nmembers; k++)
		dcount_add_group(s, d, d->members[k]);
}

/* The counts of the cycle pod's constraint i, brought up to date. */
static struct sched_dcount *
dcount_get(struct sched *s, const struct sched_spread_c *all, int nall, int i)
{
	int32_t gi = sched_group_of(s, s->cy.pod);
	uint64_t key = dcount_key(s, all, nall, i);
	int32_t id = s->groups[gi].own_dc[i] - 1;
	struct sched_dcount *d;
	if (id < 0 || s->dcounts[id].key != key) {
		if (id < 0) {
			KS_GROW(s->dcounts, s->cap_dcounts, s->ndcounts + 1);
			id = (int32_t)s->ndcounts++;
			memset(&s->dcounts[id], 0, sizeof s->dcounts[id]);
			s->groups[gi].own_dc[i] = id + 1;
		}
		d = &s->dcounts[id];
		d->key = key;
		d->topo = all[i].topo;
		d->groups_gen = s->groups_gen - 1;	/* forces a rematch */
	}
	d = &s->dcounts[id];
	if (d->groups_gen != s->groups_gen) {
		d->epoch++;		/* every group's reference to d is stale */
		d->nmembers = 0;
		d->nwaiting = 0;
		d->nchecked = 0;
		d->ncand = 0;
		d->counted = false;
		d->groups_gen = s->groups_gen;
	}
	if (d->counted && d->nodes_gen != s->nodes_gen)
		d->counted = false;
	dcount_match(s, d, id, &all[i]);
	if (!d->counted)
		dcount_recount(s, d, &all[i], all, nall);
	return d;
}

void
sched_dcount_bump(struct sched *s, int32_t g, int n, int delta)
{
	const struct sched_group *grp = &s->groups[g];
	for (size_t k = 0; k < grp->ndrefs; k++) {
		struct sched_dcount *d = &s->dcounts[grp->drefs[k].id];
		if (d->epoch != grp->drefs[k].epoch || !d->counted ||
		    d->nodes_gen != s->nodes_gen || d->groups_gen != s->groups_gen)
			continue;
		if (d->elig[n] == 1)
			d->cnt[s->topos[d->topo].dom[n]] += delta;
	}
}

void
sched_dcount_free(struct sched *s)
{
	for (size_t i = 0; i < s->ndcounts; i++) {
		free(s->dcounts[i].members);
		free(s->dcounts[i].waiting);
		free(s->dcounts[i].elig);
		free(s->dcounts[i].cnt);
		free(s->dcounts[i].present);
	}
	free(s->dcounts);
	s->dcounts = NULL;
	s->ndcounts = s->cap_dcounts = 0;
}

static void
alloc_domains(struct sched *s, struct sched_spread_c *c)
{
	size_t nd = s->topos[c->topo].ndom;
	c->cnt = sched_arena_alloc(s, nd * sizeof *c->cnt);
	c->present = sched_arena_alloc(s, nd);
}

void
sched_spread_prefilter(struct sched *s)
{
	struct sched_cycle *cy = &s->cy;
	if (cy->pod->nspread == 0)
		return;		/* defaults are ScheduleAnyway only */
	cy->nfcons = own_constraints(s, K8S_DO_NOT_SCHEDULE, cy->fcons);
	if (cy->nfcons == 0)
		return;
	/* Counts kept across cycles (sched_dcount): O(domains) here. */
	for (int i = 0; i < cy->nfcons; i++) {
		struct sched_spread_c *c = &cy->fcons[i];
		c->self_match = sched_sel_matches(&c->sel, &cy->pod->labels);
		const struct sched_dcount *d = dcount_get(s, cy->fcons, cy->nfcons, i);
		c->cnt = d->cnt;
		c->present = d->present;
		c->ndomains = d->ndomains;
		c->min_match = INT32_MAX;
		for (size_t k = 0; k < d->ndom; k++)
			if (d->present[k] && d->cnt[k] < c->min_match)
				c->min_match = d->cnt[k];
		/* the filter's skew test per domain, once (sched_spread_filter) */
		int64_t min = c->ndomains < c->min_domains ? 0 : c->min_match;
		c->dfail = sched_arena_alloc(s, d->ndom ? d->ndom : 1);
		for (size_t k = 0; k < d->ndom; k++) {
			int64_t match = d->present[k] ? d->cnt[k] : 0;
			c->dfail[k] = match + (c->self_match ? 1 : 0) - min > c->max_skew;
		}
	}
}

enum sched_code
sched_spread_filter(struct sched *s, int node, struct sched_node_status *st)
{
	const struct sched_cycle *cy = &s->cy;
	for (int i = 0; i < cy->nfcons; i++) {
		const struct sched_spread_c *c = &cy->fcons[i];
		const struct sched_topo *t = &s->topos[c->topo];
		if (!t->has[node])
			return sched_fail(st, SCHED_POD_TOPOLOGY_SPREAD, SCHED_UNRESOLVABLE,
			    REASON_SPREAD_LABEL);
		int64_t min = c->min_match;
		if (c->ndomains < c->min_domains)
			min = 0;
		int32_t dom = t->dom[node];
		int64_t match = c->present[dom] ? c->cnt[dom] : 0;
		int64_t skew = match + (c->self_match ? 1 : 0) - min;
		if (skew > c->max_skew)
			return sched_fail(st, SCHED_POD_TOPOLOGY_SPREAD, SCHED_UNSCHEDULABLE,
			    REASON_SPREAD);
	}
	return SCHED_SUCCESS;
}

bool
sched_spread_prescore(struct sched *s, const int *nodes, size_t n)
{
	struct sched_cycle *cy = &s->cy;
	if (n == 0 || s->nlive == 0)
		return true;
	if (cy->pod->nspread > 0)
		cy->nscons = own_constraints(s, K8S_SCHEDULE_ANYWAY, cy->scons);
	else if (s->cfg.spread_system_defaults)
		cy->nscons = default_constraints(s, cy->scons);
	if (cy->nscons == 0)
		return true;
	/* Only non-default rules need every topology key on a node. */
	cy->require_all = cy->pod->nspread > 0 || !s->cfg.spread_system_defaults;
	struct sched_mark *ignored = &s->mk_ignored;
	sched_mark_begin(s, ignored);
	int64_t topo_size[SCHED_MAX_SPREAD] = { 0 };
	size_t nignored = 0;
	for (int i = 0; i < cy->nscons; i++) {
		match_groups(s, &cy->scons[i]);
		if (!cy->scons[i].hostname)	/* counted per node instead */
			alloc_domains(s, &cy->scons[i]);
	}
	if (cy->require_all) {
		for (size_t k = 0; k < n; k++) {
			int node = nodes[k];
			if (!has_all_keys(s, cy->scons, cy->nscons, node)) {
				if (!sched_mark_value(ignored, node)) {
					sched_mark_set(ignored, node, 1);
					nignored++;
				}
				continue;
			}
			for (int i = 0; i < cy->nscons; i++) {
				struct sched_spread_c *c = &cy->scons[i];
				if (c->hostname)
					continue;
				int32_t dom = s->topos[c->topo].dom[node];
				if (!c->present[dom]) {
					c->present[dom] = 1;
					topo_size[i]++;
				}
			}
		}
	} else {
		/* no node is ignored: the domains present, one key at a time */
		for (int i = 0; i < cy->nscons; i++) {
			struct sched_spread_c *c = &cy->scons[i];
			if (c->hostname)
				continue;
			const int32_t *dom = s->topos[c->topo].dom;
			uint8_t *present = c->present;
			int64_t size = 0;
			for (size_t k = 0; k < n; k++) {
				int32_t d = dom[nodes[k]];
				size += !present[d];
				present[d] = 1;
			}
			topo_size[i] = size;
		}
	}
	for (int i = 0; i < cy->nscons; i++) {
		struct sched_spread_c *c = &cy->scons[i];
		int64_t sz = c->hostname ? (int64_t)(n - nignored) : topo_size[i];
		c->weight = log((double)(sz + 2));
		if (c->hostname)
			host_counts(s, c, i);
		else
			add_group_counts(s, c, cy->scons, cy->nscons, cy->require_all);
	}
	return false;
}

/* math.Round for a score >= 0 (half away from zero), exact: trunc and the
 * fraction of a double below 2^52 are exact. */
static int64_t
round_nonneg(double x)
{
	if (!(x >= 0 && x < 4503599627370496.0))
		return (int64_t)llround(x);
	int64_t r = (int64_t)x;
	return x - (double)r >= 0.5 ? r + 1 : r;
}

int64_t
sched_spread_score(struct sched *s, int node)
{
	const struct sched_cycle *cy = &s->cy;
	if (sched_mark_value(&s->mk_ignored, node))
		return 0;
	double score = 0;
	for (int i = 0; i < cy->nscons; i++) {
		const struct sched_spread_c *c = &cy->scons[i];
		const struct sched_topo *t = &s->topos[c->topo];
		if (!t->has[node])
			continue;
		int64_t cnt = c->hostname ? sched_mark_value(&s->mk_host[i], node) :
		    c->cnt[t->dom[node]];
		score += (double)cnt * c->weight + (double)(c->max_skew - 1);
	}
	return round_nonneg(score);
}

void
sched_spread_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	const struct sched_cycle *cy = &s->cy;
	if (cy->require_all) {	/* some nodes may be ignored */
		for (size_t k = 0; k < n; k++)
			sc[k] = sched_spread_score(s, nodes[k]);
		return;
	}
	/* sched_spread_score without IgnoredNodes, each constraint's arrays
	 * read once: the same sums in the same order. */
	struct {
		const bool	*has;
		const int32_t	*dom;
		const int64_t	*cnt;
		const struct sched_mark *host;
		double		 w, skew;
	} cs[SCHED_MAX_SPREAD];
	int nc = cy->nscons;
	for (int i = 0; i < nc; i++) {
		const struct sched_spread_c *c = &cy->scons[i];
		cs[i].has = s->topos[c->topo].has;
		cs[i].dom = s->topos[c->topo].dom;
		cs[i].cnt = c->cnt;
		cs[i].host = c->hostname ? &s->mk_host[i] : NULL;
		cs[i].w = c->weight;
		cs[i].skew = (double)(c->max_skew - 1);
	}
	for (size_t k = 0; k < n; k++) {
		int node = nodes[k];
		double score = 0;
		for (int i = 0; i < nc; i++) {
			if (!cs[i].has[node])
				continue;
			int64_t cnt = cs[i].host != NULL ? sched_mark_value(cs[i].host, node) :
			    cs[i].cnt[cs[i].dom[node]];
			score += (double)cnt * cs[i].w + cs[i].skew;
		}
		sc[k] = round_nonneg(score);
	}
}

void
sched_spread_normalize(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	if (!s->cy.require_all && s->cy.nscons > 0) {
		/* no node ignored */
		int64_t min = INT64_MAX, max = 0;
		for (size_t i = 0; i < n; i++) {
			if (sc[i] < min)
				min = sc[i];
			if (sc[i] > max)
				max = sc[i];
		}
		if (max == 0) {
			for (size_t i = 0; i < n; i++)
				sc[i] = SCHED_MAX_NODE_SCORE;
			return;
		}
		if ((uint64_t)(max - min) < n) {
			/* few distinct values: each divided once */
			int64_t *tab = sched_arena_alloc(s, (size_t)(max - min + 1) * sizeof *tab);
			for (int64_t v = min; v <= max; v++)
				tab[v - min] = SCHED_MAX_NODE_SCORE * (max + min - v) / max;
			for (size_t i = 0; i < n; i++)
				sc[i] = tab[sc[i] - min];
			return;
		}
		for (size_t i = 0; i < n; i++)
			sc[i] = SCHED_MAX_NODE_SCORE * (max + min - sc[i]) / max;
		return;
	}
	sched_spread_normalize_all(s, nodes, n, sc);
}

void
sched_spread_normalize_all(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	const struct sched_cycle *cy = &s->cy;
	if (cy->nscons == 0)
		return;
	int64_t min = INT64_MAX, max = 0;
	for (size_t i = 0; i < n; i++) {
		if (sched_mark_value(&s->mk_ignored, nodes[i]))
			continue;
		if (sc[i] < min)
			min = sc[i];
		if (sc[i] > max)
			max = sc[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (sched_mark_value(&s->mk_ignored, nodes[i])) {
			sc[i] = 0;
			continue;
		}
		if (max == 0) {
			sc[i] = SCHED_MAX_NODE_SCORE;
			continue;
		}
		sc[i] = SCHED_MAX_NODE_SCORE * (max + min - sc[i]) / max;
	}
}
