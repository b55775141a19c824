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
	c->gmatch = sched_arena_alloc(s, s->ngroups ? s->ngroups : 1);
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
		c->gmatch[g] = sched_sel_matches(&c->sel, &grp->spec->labels);
		if (c->gmatch[g])
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

/* Matching pods of the constraint on one node. */
static int64_t
node_count(const struct sched *s, const struct sched_spread_c *c, int node)
{
	const struct sched_node *n = &s->nodes[node];
	int64_t cnt = 0;
	for (size_t i = 0; i < n->ngroups; i++)
		if (c->gmatch[n->groups[i].group])
			cnt += n->groups[i].live;
	return cnt;
}

/* Whether a node's pods count for the constraint: 0 unknown, 1 yes, 2 no. */
static bool
counts_node(struct sched *s, const struct sched_spread_c *c, const struct sched_spread_c *all,
    int nall, bool require_all, uint8_t *elig, int node)
{
	if (elig[node] == 0)
		elig[node] = sched_node_live(s, node) &&
		    (!require_all || has_all_keys(s, all, nall, node)) &&
		    inclusion_ok(s, c, node) ? 1 : 2;
	return elig[node] == 1;
}

/* Adds each matching group's pods on counted nodes whose domain is present
 * into c->cnt. Walks only the nodes holding matching pods. */
static void
add_group_counts(struct sched *s, struct sched_spread_c *c, const struct sched_spread_c *all,
    int nall, bool require_all, uint8_t *elig)
{
	const struct sched_topo *t = &s->topos[c->topo];
	for (size_t k = 0; k < c->nglist; k++) {
		const struct sched_group *grp = &s->groups[c->glist[k]];
		for (size_t i = 0; i < grp->nnodes; i++) {
			int node = grp->nodes[i].node;
			int32_t dom = t->dom[node];
			if (!c->present[dom] || !counts_node(s, c, all, nall, require_all, elig, node))
				continue;
			c->cnt[dom] += s->nodes[node].groups[grp->nodes[i].npos].live;
		}
	}
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
	uint8_t *elig = sched_arena_alloc(s, s->nnodes ? s->nnodes : 1);
	for (int i = 0; i < cy->nfcons; i++) {
		struct sched_spread_c *c = &cy->fcons[i];
		match_groups(s, c);
		alloc_domains(s, c);
		const struct sched_topo *t = &s->topos[c->topo];
		memset(elig, 0, s->nnodes);
		for (size_t n = 0; n < s->nnodes; n++) {
			if (!counts_node(s, c, cy->fcons, cy->nfcons, true, elig, (int)n))
				continue;
			if (!c->present[t->dom[n]]) {
				c->present[t->dom[n]] = 1;
				c->ndomains++;
			}
		}
		add_group_counts(s, c, cy->fcons, cy->nfcons, true, elig);
		c->min_match = INT32_MAX;
		for (size_t d = 0; d < t->ndom; d++)
			if (c->present[d] && c->cnt[d] < c->min_match)
				c->min_match = c->cnt[d];
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
	cy->ignored = sched_arena_alloc(s, s->nnodes ? s->nnodes : 1);
	int64_t topo_size[SCHED_MAX_SPREAD] = { 0 };
	size_t nignored = 0;
	for (int i = 0; i < cy->nscons; i++) {
		match_groups(s, &cy->scons[i]);
		alloc_domains(s, &cy->scons[i]);
	}
	for (size_t k = 0; k < n; k++) {
		int node = nodes[k];
		if (cy->require_all && !has_all_keys(s, cy->scons, cy->nscons, node)) {
			if (!cy->ignored[node]) {
				cy->ignored[node] = 1;
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
	uint8_t *elig = sched_arena_alloc(s, s->nnodes ? s->nnodes : 1);
	for (int i = 0; i < cy->nscons; i++) {
		struct sched_spread_c *c = &cy->scons[i];
		int64_t sz = c->hostname ? (int64_t)(n - nignored) : topo_size[i];
		c->weight = log((double)(sz + 2));
		if (c->hostname)
			continue;
		memset(elig, 0, s->nnodes);
		add_group_counts(s, c, cy->scons, cy->nscons, cy->require_all, elig);
	}
	return false;
}

int64_t
sched_spread_score(struct sched *s, int node)
{
	const struct sched_cycle *cy = &s->cy;
	if (cy->ignored[node])
		return 0;
	double score = 0;
	for (int i = 0; i < cy->nscons; i++) {
		const struct sched_spread_c *c = &cy->scons[i];
		const struct sched_topo *t = &s->topos[c->topo];
		if (!t->has[node])
			continue;
		int64_t cnt = c->hostname ? node_count(s, c, node) : c->cnt[t->dom[node]];
		score += (double)cnt * c->weight + (double)(c->max_skew - 1);
	}
	return (int64_t)llround(score);
}

void
sched_spread_normalize(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	const struct sched_cycle *cy = &s->cy;
	if (cy->nscons == 0)
		return;
	int64_t min = INT64_MAX, max = 0;
	for (size_t i = 0; i < n; i++) {
		if (cy->ignored[nodes[i]])
			continue;
		if (sc[i] < min)
			min = sc[i];
		if (sc[i] > max)
			max = sc[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (cy->ignored[nodes[i]]) {
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
