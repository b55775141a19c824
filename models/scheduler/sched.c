/*
 * sched.c - the scheduling framework (pkg/scheduler/schedule_one.go and
 * framework/runtime): configuration, PreFilter/Filter over a rotating window
 * of numFeasibleNodesToFind nodes, PreScore/Score/NormalizeScore with
 * weights, reservoir choice among equal best totals, FitError messages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

static const char *const plugin_names[SCHED_NPLUGINS] = {
	[SCHED_NODE_UNSCHEDULABLE] = "NodeUnschedulable",
	[SCHED_NODE_NAME] = "NodeName",
	[SCHED_TAINT_TOLERATION] = "TaintToleration",
	[SCHED_NODE_AFFINITY] = "NodeAffinity",
	[SCHED_NODE_PORTS] = "NodePorts",
	[SCHED_NODE_RESOURCES_FIT] = "NodeResourcesFit",
	[SCHED_POD_TOPOLOGY_SPREAD] = "PodTopologySpread",
	[SCHED_INTER_POD_AFFINITY] = "InterPodAffinity",
	[SCHED_BALANCED_ALLOCATION] = "NodeResourcesBalancedAllocation",
	[SCHED_IMAGE_LOCALITY] = "ImageLocality",
};

const char *
sched_plugin_name(enum sched_plugin p)
{
	return (unsigned)p < SCHED_NPLUGINS ? plugin_names[p] : "?";
}

int
sched_plugin_parse(const char *name)
{
	for (int i = 0; i < SCHED_NPLUGINS; i++)
		if (strcmp(plugin_names[i], name) == 0)
			return i;
	return -1;
}

bool
sched_plugin_filters(enum sched_plugin p)
{
	return p <= SCHED_INTER_POD_AFFINITY;
}

bool
sched_plugin_scores(enum sched_plugin p)
{
	switch (p) {
	case SCHED_TAINT_TOLERATION:
	case SCHED_NODE_AFFINITY:
	case SCHED_NODE_RESOURCES_FIT:
	case SCHED_POD_TOPOLOGY_SPREAD:
	case SCHED_INTER_POD_AFFINITY:
	case SCHED_BALANCED_ALLOCATION:
	case SCHED_IMAGE_LOCALITY:
		return true;
	default:
		return false;
	}
}

const char *
sched_code_name(enum sched_code c)
{
	switch (c) {
	case SCHED_SUCCESS: return "Success";
	case SCHED_UNSCHEDULABLE: return "Unschedulable";
	case SCHED_UNRESOLVABLE: return "UnschedulableAndUnresolvable";
	default: return "NotEvaluated";
	}
}

static void
set_res(struct sched_res_weight *r, const char *name, int64_t w)
{
	snprintf(r->name, sizeof r->name, "%s", name);
	r->weight = w;
}

void
sched_config_default(struct sched_config *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < SCHED_NPLUGINS; i++)
		c->enabled[i] = true;
	/* pkg/scheduler/apis/config/v1/default_plugins.go */
	c->weight[SCHED_TAINT_TOLERATION] = 3;
	c->weight[SCHED_NODE_AFFINITY] = 2;
	c->weight[SCHED_POD_TOPOLOGY_SPREAD] = 2;
	c->weight[SCHED_INTER_POD_AFFINITY] = 2;
	c->weight[SCHED_NODE_RESOURCES_FIT] = 1;
	c->weight[SCHED_BALANCED_ALLOCATION] = 1;
	c->weight[SCHED_IMAGE_LOCALITY] = 1;
	c->strategy = SCHED_LEAST_ALLOCATED;
	set_res(&c->fit_resources[0], "cpu", 1);
	set_res(&c->fit_resources[1], "memory", 1);
	c->nfit_resources = 2;
	set_res(&c->balanced_resources[0], "cpu", 1);
	set_res(&c->balanced_resources[1], "memory", 1);
	c->nbalanced_resources = 2;
	/* RequestedToCapacityRatio default shape: least requested. */
	c->shape[0] = (struct sched_shape_point){ 0, 10 };
	c->shape[1] = (struct sched_shape_point){ 100, 0 };
	c->nshape = 2;
	c->percentage_of_nodes_to_score = 0;
	c->hard_pod_affinity_weight = 1;
	c->spread_system_defaults = true;
	c->spread_match_label_keys = true;
	c->spread_node_inclusion_policy = true;
	/* config/v1 SetDefaults_DefaultPreemptionArgs */
	c->preemption = true;
	c->min_candidate_nodes_percentage = 10;
	c->min_candidate_nodes_absolute = 100;
}

static int
check_resources(const struct sched_res_weight *r, int n, const char *path, char **cause)
{
	for (int i = 0; i < n; i++) {
		if (r[i].weight <= 0 || r[i].weight > 100) {
			*cause = xasprintf("%s[%d].weight: Invalid value: %lld: resource weight "
			    "of %s should be in range [1, 100]", path, i, (long long)r[i].weight,
			    r[i].name);
			return -1;
		}
	}
	return 0;
}

int
sched_config_validate(const struct sched_config *c, char **cause)
{
	/* validation_pluginargs.go: ValidateNodeResourcesFitArgs and friends. */
	if (c->nfit_resources < 0 || c->nfit_resources > SCHED_MAX_RES ||
	    c->nbalanced_resources < 0 || c->nbalanced_resources > SCHED_MAX_RES) {
		*cause = xasprintf("scoringStrategy.resources: at most %d resources", SCHED_MAX_RES);
		return -1;
	}
	if (check_resources(c->fit_resources, c->nfit_resources,
	    "scoringStrategy.resources", cause) < 0)
		return -1;
	if (check_resources(c->balanced_resources, c->nbalanced_resources, "resources", cause) < 0)
		return -1;
	if (c->strategy == SCHED_REQUESTED_TO_CAPACITY_RATIO) {
		if (c->nshape < 1 || c->nshape > SCHED_MAX_SHAPE) {
			*cause = xasprintf("scoringStrategy.requestedToCapacityRatio.shape: Required value: "
			    "at least one point must be specified");
			return -1;
		}
		for (int i = 0; i < c->nshape; i++) {
			const struct sched_shape_point *p = &c->shape[i];
			if (p->utilization < 0 || p->utilization > 100) {
				*cause = xasprintf("scoringStrategy.requestedToCapacityRatio.shape[%d]."
				    "utilization: Invalid value: %lld: not in valid range [0, 100]", i,
				    (long long)p->utilization);
				return -1;
			}
			if (p->score < 0 || p->score > SCHED_MAX_CUSTOM_SCORE) {
				*cause = xasprintf("scoringStrategy.requestedToCapacityRatio.shape[%d]."
				    "score: Invalid value: %lld: not in valid range [0, 10]", i,
				    (long long)p->score);
				return -1;
			}
			if (i > 0 && p->utilization <= c->shape[i - 1].utilization) {
				*cause = xasprintf("scoringStrategy.requestedToCapacityRatio.shape[%d]."
				    "utilization: Invalid value: %lld: utilization values must be sorted "
				    "in increasing order", i, (long long)p->utilization);
				return -1;
			}
		}
	}
	if (c->percentage_of_nodes_to_score < 0 || c->percentage_of_nodes_to_score > 100) {
		*cause = xasprintf("percentageOfNodesToScore: Invalid value: %d: not in valid range "
		    "[0, 100]", c->percentage_of_nodes_to_score);
		return -1;
	}
	if (c->hard_pod_affinity_weight < 0 || c->hard_pod_affinity_weight > 100) {
		*cause = xasprintf("hardPodAffinityWeight: Invalid value: %d: not in valid range "
		    "[0-100]", c->hard_pod_affinity_weight);
		return -1;
	}
	/* ValidateDefaultPreemptionArgs */
	if (c->min_candidate_nodes_percentage < 0 || c->min_candidate_nodes_percentage > 100) {
		*cause = xasprintf("minCandidateNodesPercentage: Invalid value: %d: not in valid "
		    "range [0, 100]", c->min_candidate_nodes_percentage);
		return -1;
	}
	if (c->min_candidate_nodes_absolute < 0) {
		*cause = xasprintf("minCandidateNodesAbsolute: Invalid value: %d: not in valid "
		    "range [0, inf)", c->min_candidate_nodes_absolute);
		return -1;
	}
	if (c->min_candidate_nodes_percentage == 0 && c->min_candidate_nodes_absolute == 0) {
		*cause = xasprintf("minCandidateNodesPercentage: Invalid value: 0: cannot be zero "
		    "at the same time as minCandidateNodesAbsolute");
		return -1;
	}
	/* Score weights: upstream validates no range (a weight is any int32;
	 * the framework refuses a total that could overflow, which the
	 * configuration reader checks in upstream's plugin order). */
	if (c->nignored_resources < 0 || c->nignored_resources > SCHED_MAX_IGNORED ||
	    c->nignored_groups < 0 || c->nignored_groups > SCHED_MAX_IGNORED) {
		*cause = xasprintf("ignoredResources, ignoredResourceGroups: at most %d names",
		    SCHED_MAX_IGNORED);
		return -1;
	}
	return 0;
}

struct sched *
sched_new(const struct sched_config *cfg, char **cause)
{
	if (sched_config_validate(cfg, cause) < 0)
		return NULL;
	struct sched *s = xcalloc(1, sizeof *s);
	s->free_pod = -1;
	ks_strmap_init(&s->images);
	sched_set_config(s, cfg, cause);
	return s;
}

int
sched_set_config(struct sched *s, const struct sched_config *cfg, char **cause)
{
	if (sched_config_validate(cfg, cause) < 0)
		return -1;
	s->cfg = *cfg;
	for (int i = 0; i < cfg->nfit_resources; i++)
		s->fit_res[i] = sched_res_index(s, cfg->fit_resources[i].name);
	for (int i = 0; i < cfg->nbalanced_resources; i++)
		s->bal_res[i] = sched_res_index(s, cfg->balanced_resources[i].name);
	for (int k = 0; k < s->next; k++)
		s->ext[k].ignored = s->ext[k].extended && sched_fit_ignored(cfg, s->ext[k].name);
	return 0;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	sched_state_free(s);
	free(s->feasible);
	free(s->scores);
	free(s->totals);
	free(s);
}

const struct sched_config *sched_config(const struct sched *s) { return &s->cfg; }

/* ---- helpers shared by the plugins -------------------------------------------- */

const char *
sched_pod_ns(const struct k8s_pod_spec *p)
{
	return p->namespace ? p->namespace : "";
}

bool
sched_ns_selector_matches(const struct k8s_selector *sel, const char *ns)
{
	if (sel == NULL || !sel->set)
		return false;
	struct k8s_label l = { (char *)"kubernetes.io/metadata.name", (char *)ns };
	struct k8s_labels ls = { &l, 1 };
	return k8s_selector_matches(sel, &ls);
}

bool
sched_term_matches(const struct k8s_pod_term *t, const char *owner_ns,
    const struct k8s_pod_spec *target)
{
	const char *tns = sched_pod_ns(target);
	bool ns_ok = false;
	if (t->nnamespaces == 0 && !t->namespace_selector.set) {
		ns_ok = strcmp(owner_ns, tns) == 0;
	} else {
		for (size_t i = 0; i < t->nnamespaces && !ns_ok; i++)
			ns_ok = strcmp(t->namespaces[i], tns) == 0;
		if (!ns_ok)
			ns_ok = sched_ns_selector_matches(&t->namespace_selector, tns);
	}
	return ns_ok && k8s_selector_matches(&t->selector, &target->labels);
}

bool
sched_sel_empty(const struct sched_sel *sel)
{
	if (sel->nothing)
		return false;
	return (sel->base == NULL || sel->base->nreqs == 0) &&
	    (sel->base2 == NULL || sel->base2->nreqs == 0) && sel->neq == 0 && sel->nmk == 0;
}

bool
sched_sel_matches(const struct sched_sel *sel, const struct k8s_labels *l)
{
	if (sel->nothing)
		return false;
	if (sel->base != NULL && !k8s_selector_matches(sel->base, l))
		return false;
	if (sel->base2 != NULL && !k8s_selector_matches(sel->base2, l))
		return false;
	for (int i = 0; i < sel->neq; i++) {
		const struct k8s_labels *eq = sel->eq[i];
		for (size_t j = 0; j < eq->n; j++) {
			const char *v = k8s_labels_get(l, eq->v[j].key);
			if (v == NULL || strcmp(v, eq->v[j].value) != 0)
				return false;
		}
	}
	for (int i = 0; i < sel->nmk; i++) {
		const char *v = k8s_labels_get(l, sel->mk_key[i]);
		if (v == NULL || strcmp(v, sel->mk_val[i]) != 0)
			return false;
	}
	return true;
}

enum sched_code
sched_fail(struct sched_node_status *st, enum sched_plugin p, enum sched_code code,
    const char *reason)
{
	st->code = code;
	st->plugin = p;
	st->nreasons = 1;
	st->reasons[0] = reason;
	return code;
}

void
sched_cycle_begin(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner)
{
	sched_arena_reset(s);
	memset(&s->cy, 0, sizeof s->cy);
	s->cy.pod = pod;
	s->cy.owner = owner;
	/* A template's node-affinity answers hold across its pods' cycles;
	 * a pod that requires nothing of a node needs none. */
	s->cy.aff_ok = sched_affinity_cache(s, pod);
	s->cy.aff_all = s->cy.aff_ok == NULL;
	sched_mark_begin(s, &s->mk_taint);
}

bool
sched_pod_has_host_ports(const struct k8s_pod_spec *pod)
{
	for (size_t c = 0; c < pod->ncontainers; c++)
		for (size_t i = 0; i < pod->containers[c].nports; i++)
			if (pod->containers[c].ports[i].host_port > 0)
				return true;
	return false;
}

/* The enabled filters after PreFilter, leaving out those that pass every
 * node for this pod (no nodeName, no required node affinity, no host port,
 * no DoNotSchedule constraint, no pod (anti-)affinity to satisfy). */
static void
filters_prepare(struct sched *s)
{
	struct sched_cycle *cy = &s->cy;
	const struct k8s_pod_spec *pod = cy->pod;
	cy->nfilters = 0;
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++) {
		if (!s->cfg.enabled[p])
			continue;
		bool trivial = false;
		switch (p) {
		case SCHED_NODE_NAME:
			trivial = pod->node_name == NULL || *pod->node_name == '\0';
			break;
		case SCHED_NODE_AFFINITY:
			trivial = cy->aff_all;
			break;
		case SCHED_NODE_PORTS:
			trivial = !sched_pod_has_host_ports(pod);
			break;
		case SCHED_POD_TOPOLOGY_SPREAD:
			trivial = cy->nfcons == 0;
			break;
		case SCHED_INTER_POD_AFFINITY:
			trivial = cy->naff == 0 && cy->nanti == 0 && !cy->any_existing_anti;
			break;
		default:
			break;
		}
		if (!trivial)
			cy->filters[cy->nfilters++] = (enum sched_plugin)p;
	}
	cy->plain_filters = true;
	for (int i = 0; i < cy->nfilters; i++)
		if (cy->filters[i] != SCHED_NODE_UNSCHEDULABLE &&
		    cy->filters[i] != SCHED_TAINT_TOLERATION &&
		    (cy->filters[i] != SCHED_NODE_RESOURCES_FIT || cy->req_other))
			cy->plain_filters = false;
}

/* filter_node's quick success for plain filters: a schedulable node without
 * taints with room for the pod's cpu, memory and one more pod. */
static inline bool
plain_fits(const struct sched_cycle *cy, const struct sched_node *n)
{
	return !n->tainted && !n->spec->unschedulable &&
	    (int64_t)n->npods + 1 <= n->alloc_pods &&
	    (cy->cpu <= 0 || cy->cpu <= n->alloc_cpu - n->req_cpu) &&
	    (cy->mem <= 0 || cy->mem <= n->alloc_mem - n->req_mem);
}

/* ---- plugin dispatch ------------------------------------------------------------ */

static void
prefilter(struct sched *s, enum sched_plugin p)
{
	if (s->cy.pre[p])
		return;
	s->cy.pre[p] = true;
	switch (p) {
	case SCHED_NODE_RESOURCES_FIT:
	case SCHED_BALANCED_ALLOCATION:
		s->cy.pre[SCHED_NODE_RESOURCES_FIT] = s->cy.pre[SCHED_BALANCED_ALLOCATION] = true;
		sched_fit_prefilter(s);
		break;
	case SCHED_POD_TOPOLOGY_SPREAD:
		sched_spread_prefilter(s);
		break;
	case SCHED_INTER_POD_AFFINITY:
		sched_ipa_prefilter(s);
		break;
	default:
		break;
	}
}

static enum sched_code
run_filter(struct sched *s, enum sched_plugin p, int node, struct sched_node_status *st,
    struct sched_insufficient *ins, int *nins)
{
	switch (p) {
	case SCHED_NODE_UNSCHEDULABLE: return sched_unschedulable_filter(s, node, st);
	case SCHED_NODE_NAME: return sched_node_name_filter(s, node, st);
	case SCHED_TAINT_TOLERATION: return sched_taint_filter(s, node, st);
	case SCHED_NODE_AFFINITY: return sched_affinity_filter(s, node, st);
	case SCHED_NODE_PORTS: return sched_ports_filter(s, node, st);
	case SCHED_NODE_RESOURCES_FIT: return sched_fit_filter(s, node, st, ins, nins);
	case SCHED_POD_TOPOLOGY_SPREAD: return sched_spread_filter(s, node, st);
	case SCHED_INTER_POD_AFFINITY: return sched_ipa_filter(s, node, st);
	default: return SCHED_SUCCESS;
	}
}

/* PreScore; true when the plugin returns Skip. */
static bool
prescore(struct sched *s, enum sched_plugin p, const int *nodes, size_t n)
{
	switch (p) {
	case SCHED_NODE_RESOURCES_FIT:
		prefilter(s, p);
		return false;
	case SCHED_BALANCED_ALLOCATION:
		prefilter(s, p);
		return sched_balanced_prescore(s);
	case SCHED_NODE_AFFINITY:
		return sched_affinity_prescore(s);
	case SCHED_POD_TOPOLOGY_SPREAD:
		return sched_spread_prescore(s, nodes, n);
	case SCHED_INTER_POD_AFFINITY:
		return sched_ipa_prescore(s, nodes, n);
	default:
		return false;
	}
}

static int64_t
score(struct sched *s, enum sched_plugin p, int node)
{
	switch (p) {
	case SCHED_TAINT_TOLERATION: return sched_taint_score(s, node);
	case SCHED_NODE_AFFINITY: return sched_affinity_score(s, node);
	case SCHED_NODE_RESOURCES_FIT: return sched_fit_score(s, node);
	case SCHED_POD_TOPOLOGY_SPREAD: return sched_spread_score(s, node);
	case SCHED_INTER_POD_AFFINITY: return sched_ipa_score(s, node);
	case SCHED_BALANCED_ALLOCATION: return sched_balanced_score(s, node);
	case SCHED_IMAGE_LOCALITY: return sched_image_score(s, node);
	default: return 0;
	}
}

/* Score of every node, one plugin at a time. */
static void
score_nodes(struct sched *s, enum sched_plugin p, const int *nodes, size_t n, int64_t *sc)
{
	switch (p) {
	case SCHED_NODE_RESOURCES_FIT:
		sched_fit_score_nodes(s, nodes, n, sc);
		return;
	case SCHED_BALANCED_ALLOCATION:
		sched_balanced_score_nodes(s, nodes, n, sc);
		return;
	case SCHED_TAINT_TOLERATION:
		/* only PreferNoSchedule taints count: none on a node without taints */
		for (size_t i = 0; i < n; i++)
			sc[i] = s->nodes[nodes[i]].spec->ntaints == 0 ? 0 :
			    sched_taint_score(s, nodes[i]);
		return;
	case SCHED_POD_TOPOLOGY_SPREAD:
		sched_spread_score_nodes(s, nodes, n, sc);
		return;
	case SCHED_IMAGE_LOCALITY:
		if (!sched_image_any(s)) {	/* no node has any of its images */
			memset(sc, 0, n * sizeof *sc);
			return;
		}
		sched_image_score_nodes(s, nodes, n, sc);
		return;
	default:
		break;
	}
	for (size_t i = 0; i < n; i++)
		sc[i] = score(s, p, nodes[i]);
}

static void
normalize(struct sched *s, enum sched_plugin p, const int *nodes, size_t n, int64_t *sc)
{
	switch (p) {
	case SCHED_TAINT_TOLERATION:
		sched_default_normalize(sc, n, true);
		break;
	case SCHED_NODE_AFFINITY:
		sched_default_normalize(sc, n, false);
		break;
	case SCHED_POD_TOPOLOGY_SPREAD:
		sched_spread_normalize(s, nodes, n, sc);
		break;
	case SCHED_INTER_POD_AFFINITY:
		sched_ipa_normalize(s, nodes, n, sc);
		break;
	default:
		break;
	}
}

void
sched_default_normalize(int64_t *sc, size_t n, bool reverse)
{
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (sc[i] > max)
			max = sc[i];
	if (max == 0) {
		if (reverse)
			for (size_t i = 0; i < n; i++)
				sc[i] = SCHED_MAX_NODE_SCORE;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sc[i] = SCHED_MAX_NODE_SCORE * sc[i] / max;
		if (reverse)
			sc[i] = SCHED_MAX_NODE_SCORE - sc[i];
	}
}

int64_t
sched_num_feasible_nodes_to_find(int32_t percentage, int64_t num_all_nodes)
{
	const int64_t min_nodes = 100, min_pct = 5;
	if (num_all_nodes < min_nodes)
		return num_all_nodes;
	int64_t pct = percentage;
	if (pct == 0) {
		pct = 50 - num_all_nodes / 125;
		if (pct < min_pct)
			pct = min_pct;
	}
	int64_t num = num_all_nodes * pct / 100;
	if (num < min_nodes)
		return min_nodes;
	return num;
}

/* ---- results ---------------------------------------------------------------------- */

void
sched_result_init(struct sched_result *r)
{
	memset(r, 0, sizeof *r);
	r->node = -1;
	r->nominated = -1;
}

void
sched_result_fini(struct sched_result *r)
{
	free(r->status);
	free(r->feasible);
	free(r->scores);
	free(r->totals);
	free(r->tied);
	memset(r, 0, sizeof *r);
	r->node = -1;
	r->nominated = -1;
}

static void
result_prepare(struct sched *s, struct sched_result *r)
{
	if (r->cap_status < s->nnodes || r->status == NULL) {	/* also 0 nodes */
		free(r->status);
		r->cap_status = s->nnodes + s->nnodes / 2 + 16;
		r->status = xcalloc(r->cap_status, sizeof *r->status);
	} else if (r->nnodes != s->nnodes || r->touched_n >= r->nnodes) {
		memset(r->status, 0, s->nnodes * sizeof *r->status);
	} else {
		/* Clear only the window the previous call evaluated:
		 * [start, start + n) modulo nnodes, as two runs. */
		size_t a = r->touched_start % r->nnodes, n = r->touched_n;
		size_t first = n < r->nnodes - a ? n : r->nnodes - a;
		for (size_t k = 0; k < first; k++)
			r->status[a + k].code = SCHED_NOT_EVALUATED;
		for (size_t k = 0; k < n - first; k++)
			r->status[k].code = SCHED_NOT_EVALUATED;
	}
	r->touched_start = r->touched_n = 0;
	r->nnodes = s->nnodes;
	r->node = -1;
	r->total = 0;
	r->evaluated = r->nfeasible = r->ntied = 0;
	r->scored = false;
	memset(r->skipped, 0, sizeof r->skipped);
	memset(r->ran, 0, sizeof r->ran);
	if (s->cap_scratch < s->nnodes) {
		s->cap_scratch = s->nnodes + s->nnodes / 2 + 16;
		free(s->feasible);
		free(s->scores);
		free(s->totals);
		s->feasible = xcalloc(s->cap_scratch, sizeof *s->feasible);
		s->scores = xcalloc(s->cap_scratch * SCHED_NPLUGINS, sizeof *s->scores);
		s->totals = xcalloc(s->cap_scratch, sizeof *s->totals);
	}
	if (r->explain && r->cap_feasible < s->nnodes) {
		free(r->feasible);
		free(r->scores);
		free(r->totals);
		free(r->tied);
		r->cap_feasible = s->nnodes + 16;
		r->feasible = xcalloc(r->cap_feasible, sizeof *r->feasible);
		r->scores = xcalloc(r->cap_feasible * SCHED_NPLUGINS, sizeof *r->scores);
		r->totals = xcalloc(r->cap_feasible, sizeof *r->totals);
		r->tied = xcalloc(r->cap_feasible, sizeof *r->tied);
		r->cap_tied = r->cap_feasible;
	}
}

/* Runs the filters in order; the first failure decides the node. */
static enum sched_code
filter_node(struct sched *s, int node, struct sched_node_status *st)
{
	const struct sched_cycle *cy = &s->cy;
	const struct k8s_node_spec *spec = s->nodes[node].spec;
	for (int i = 0; i < cy->nfilters; i++) {
		enum sched_plugin p = cy->filters[i];
		/* the node-local filters pass at once on a schedulable node
		 * without taints */
		if ((p == SCHED_NODE_UNSCHEDULABLE && !spec->unschedulable) ||
		    (p == SCHED_TAINT_TOLERATION && spec->ntaints == 0))
			continue;
		if (p == SCHED_NODE_AFFINITY && cy->aff_ok[node] == 1)
			continue;	/* known to match */
		if (p == SCHED_POD_TOPOLOGY_SPREAD) {
			/* passes when every key is there and no skew fails */
			bool ok = true;
			for (int k = 0; k < cy->nfcons && ok; k++) {
				const struct sched_spread_c *c = &cy->fcons[k];
				const struct sched_topo *t = &s->topos[c->topo];
				ok = t->has[node] && !c->dfail[t->dom[node]];
			}
			if (ok)
				continue;
		}
		if (p == SCHED_NODE_RESOURCES_FIT && !cy->req_other) {
			/* fitsRequest's success on pods, cpu and memory alone */
			const struct sched_node *n = &s->nodes[node];
			if ((int64_t)n->npods + 1 <= n->alloc_pods &&
			    (cy->cpu <= 0 || cy->cpu <= n->alloc_cpu - n->req_cpu) &&
			    (cy->mem <= 0 || cy->mem <= n->alloc_mem - n->req_mem))
				continue;
		}
		if (run_filter(s, p, node, st, NULL, NULL) != SCHED_SUCCESS)
			return st->code;
	}
	st->code = SCHED_SUCCESS;
	st->nreasons = 0;
	return SCHED_SUCCESS;
}

void
sched_filter_begin(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner)
{
	sched_cycle_begin(s, pod, owner);
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++)
		if (s->cfg.enabled[p])
			prefilter(s, (enum sched_plugin)p);
	filters_prepare(s);
}

enum sched_code
sched_filter_node(struct sched *s, int node, struct sched_node_status *st)
{
	KS_ASSERT(node >= 0 && (size_t)node < s->nnodes && s->nodes[node].spec != NULL);
	memset(st, 0, sizeof *st);
	return filter_node(s, node, st);
}

enum sched_code
sched_filter_fresh(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, int node, struct sched_node_status *st)
{
	sched_filter_begin(s, pod, owner);
	return sched_filter_node(s, node, st);
}

int
sched_schedule(struct sched *s, const struct k8s_pod_spec *pod, gsl_rng *rng,
    struct sched_result *out)
{
	return sched_schedule_owned(s, pod, NULL, rng, out);
}

int
sched_schedule_owned(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, gsl_rng *rng, struct sched_result *out)
{
	result_prepare(s, out);
	sched_cycle_begin(s, pod, owner);
	size_t nall = s->nlive;
	if (nall == 0)
		return -1;
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++)
		if (s->cfg.enabled[p])
			prefilter(s, (enum sched_plugin)p);
	filters_prepare(s);

	/* evaluateNominatedNode: a pod nominated by an earlier preemption
	 * tries that node alone first and takes it when it passes. */
	int nom = out->nominated;
	if (nom >= 0 && (size_t)nom < s->nnodes && sched_node_live(s, nom) &&
	    filter_node(s, nom, &out->status[nom]) == SCHED_SUCCESS) {
		out->touched_start = (size_t)nom;
		out->touched_n = 1;
		out->evaluated = out->nfeasible = 1;
		out->num_to_find = 1;
		out->node = nom;
		if (out->explain) {
			out->feasible[0] = nom;
			out->tied[0] = nom;
			out->ntied = 1;
		}
		return nom;
	}
	if (nom >= 0 && (size_t)nom < s->nnodes)
		out->status[nom].code = SCHED_NOT_EVALUATED;

	/* findNodesThatPassFilters over live nodes, starting at next_start. */
	size_t num_to_find = (size_t)sched_num_feasible_nodes_to_find(
	    s->cfg.percentage_of_nodes_to_score, (int64_t)nall);
	out->num_to_find = num_to_find;
	size_t start = s->next_start % s->nnodes;
	out->start_index = start;
	size_t nfeas = 0, processed = 0, k;
	size_t idx = start;
	size_t ntainted = 0;	/* feasible nodes with taints */
	const bool plain = s->cy.plain_filters;
	const bool prefetch = plain && s->nnodes >= 64;
	for (k = 0; k < s->nnodes && nfeas < num_to_find; k++, idx++) {
		if (idx == s->nnodes)
			idx = 0;	/* (start + k) % nnodes */
		if (prefetch) {
			/* the nodes a few steps ahead: their specs and status
			 * (a hint only) */
			size_t a = idx + 32, b = idx + 16;
			a -= a >= s->nnodes ? s->nnodes : 0;
			b -= b >= s->nnodes ? s->nnodes : 0;
			__builtin_prefetch(&s->nodes[a]);
			__builtin_prefetch(&s->nodes[a].tainted);
			const struct k8s_node_spec *sp = s->nodes[b].spec;
			if (sp != NULL)
				__builtin_prefetch(&sp->unschedulable);
			__builtin_prefetch(&out->status[b], 1);
		}
		const struct sched_node *nd = &s->nodes[idx];
		if (nd->spec == NULL)
			continue;	/* removed */
		struct sched_node_status *st = &out->status[idx];
		processed++;
		if (plain && plain_fits(&s->cy, nd)) {
			st->code = SCHED_SUCCESS;
			st->nreasons = 0;
			s->feasible[nfeas++] = (int)idx;
		} else if (filter_node(s, (int)idx, st) == SCHED_SUCCESS) {
			s->feasible[nfeas++] = (int)idx;
			ntainted += nd->spec->ntaints != 0;
		}
	}
	s->next_start = (start + k) % s->nnodes;
	out->touched_start = start;
	out->touched_n = k;
	out->evaluated = processed;
	out->nfeasible = nfeas;
	if (out->explain)
		memcpy(out->feasible, s->feasible, nfeas * sizeof *s->feasible);
	if (nfeas == 0)
		return -1;
	if (nfeas == 1) {
		out->node = s->feasible[0];
		if (out->explain) {
			out->tied[0] = out->node;
			out->ntied = 1;
		}
		return out->node;
	}

	/* prioritizeNodes. Without explain, a plugin whose scores are the
	 * same on every feasible node adds that to base instead (the same
	 * choice and ties: only differences between totals decide), and
	 * NodeResourcesFit and BalancedAllocation are added in one pass. */
	out->scored = true;
	memset(s->totals, 0, nfeas * sizeof *s->totals);
	int64_t base = 0;
	bool bal_done = false;
	for (int p = 0; p < SCHED_NPLUGINS; p++) {
		if (!s->cfg.enabled[p] || !sched_plugin_scores((enum sched_plugin)p))
			continue;
		out->ran[p] = true;
		int64_t *sc = s->scores + (size_t)p * s->cap_scratch;
		bool skip = prescore(s, (enum sched_plugin)p, s->feasible, nfeas);
		out->skipped[p] = skip;
		if (!skip && !out->explain) {
			int64_t w = s->cfg.weight[p];
			if (p == SCHED_TAINT_TOLERATION && ntainted == 0) {
				/* no PreferNoSchedule taint anywhere: every raw
				 * score 0, reversed to MaxNodeScore */
				base += SCHED_MAX_NODE_SCORE * w;
				continue;
			}
			if (p == SCHED_IMAGE_LOCALITY && !sched_image_any(s))
				continue;	/* 0 everywhere */
			if (p == SCHED_BALANCED_ALLOCATION && bal_done)
				continue;
			if (p == SCHED_NODE_RESOURCES_FIT) {
				bool bal = s->cfg.enabled[SCHED_BALANCED_ALLOCATION] &&
				    !prescore(s, SCHED_BALANCED_ALLOCATION, s->feasible, nfeas);
				if (sched_fit_balanced_totals(s, s->feasible, nfeas, w, bal,
				    s->cfg.weight[SCHED_BALANCED_ALLOCATION], s->totals)) {
					bal_done = bal;
					continue;
				}
			}
		}
		if (skip) {
			/* adds 0 to every total */
			if (out->explain)
				for (size_t i = 0; i < nfeas; i++)
					out->scores[i * SCHED_NPLUGINS + p] = (struct sched_score_detail){ 0, 0, 0 };
			continue;
		}
		score_nodes(s, (enum sched_plugin)p, s->feasible, nfeas, sc);
		if (out->explain)
			for (size_t i = 0; i < nfeas; i++)
				out->scores[i * SCHED_NPLUGINS + p].raw = sc[i];
		normalize(s, (enum sched_plugin)p, s->feasible, nfeas, sc);
		int64_t w = s->cfg.weight[p];
		if (out->explain)
			for (size_t i = 0; i < nfeas; i++) {
				out->scores[i * SCHED_NPLUGINS + p].normalized = sc[i];
				out->scores[i * SCHED_NPLUGINS + p].weighted = sc[i] * w;
			}
		for (size_t i = 0; i < nfeas; i++)
			s->totals[i] += sc[i] * w;
	}

	/* selectHost: reservoir sampling among the best totals. */
	int64_t best = s->totals[0];
	size_t chosen = 0, cnt = 1;
	for (size_t i = 1; i < nfeas; i++) {
		if (s->totals[i] > best) {
			best = s->totals[i];
			chosen = i;
			cnt = 1;
		} else if (s->totals[i] == best) {
			cnt++;
			if (gsl_rng_uniform_int(rng, cnt) == 0)
				chosen = i;
		}
	}
	out->node = s->feasible[chosen];
	out->total = best + base;
	if (out->explain) {
		memcpy(out->totals, s->totals, nfeas * sizeof *s->totals);
		for (size_t i = 0; i < nfeas; i++)
			if (s->totals[i] == best)
				out->tied[out->ntied++] = s->feasible[i];
	}
	return out->node;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
sched_result_message(const struct sched *s, const struct sched_result *r)
{
	return sched_status_message(s, r->status, r->nnodes);
}

char *
sched_status_message(const struct sched *s, const struct sched_node_status *status,
    size_t n)
{
	/* Histogram of reasons over nodes (FitError.Error), sorted as strings. */
	const char **keys = NULL;
	int64_t *counts = NULL;
	size_t nk = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sched_node_status *st = &status[i];
		if (st->code != SCHED_UNSCHEDULABLE && st->code != SCHED_UNRESOLVABLE)
			continue;
		for (int j = 0; j < st->nreasons; j++) {
			size_t k;
			for (k = 0; k < nk; k++)
				if (strcmp(keys[k], st->reasons[j]) == 0)
					break;
			if (k == nk) {
				if (nk == cap) {
					cap = cap ? 2 * cap : 8;
					keys = xreallocarray(keys, cap, sizeof *keys);
					counts = xreallocarray(counts, cap, sizeof *counts);
				}
				keys[nk] = st->reasons[j];
				counts[nk++] = 0;
			}
			counts[k]++;
		}
	}
	char **items = xcalloc(nk ? nk : 1, sizeof *items);
	for (size_t k = 0; k < nk; k++)
		items[k] = xasprintf("%lld %s", (long long)counts[k], keys[k]);
	qsort(items, nk, sizeof *items, cmp_str);
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "0/%zu nodes are available:", s->nlive);
	for (size_t k = 0; k < nk; k++) {
		ks_buf_printf(&b, "%s%s", k ? ", " : " ", items[k]);
		free(items[k]);
	}
	ks_buf_puts(&b, ".");
	free(items);
	free(keys);
	free(counts);
	return ks_buf_take(&b);
}

/* ---- single plugins ------------------------------------------------------------- */

enum sched_code
sched_run_filter(struct sched *s, const struct k8s_pod_spec *pod, enum sched_plugin p,
    int node, struct sched_node_status *st, struct sched_insufficient *ins, int *nins)
{
	KS_ASSERT(sched_plugin_filters(p) && node >= 0 && (size_t)node < s->nnodes);
	sched_cycle_begin(s, pod, NULL);
	prefilter(s, p);
	memset(st, 0, sizeof *st);
	if (nins)
		*nins = 0;
	if (run_filter(s, p, node, st, ins, nins) == SCHED_SUCCESS) {
		st->code = SCHED_SUCCESS;
		st->nreasons = 0;
	}
	return st->code;
}

int
sched_run_score(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, enum sched_plugin p, const int *nodes, size_t n,
    int64_t *raw, int64_t *norm)
{
	KS_ASSERT(sched_plugin_scores(p));
	sched_cycle_begin(s, pod, owner);
	int64_t *sc = xcalloc(n ? n : 1, sizeof *sc);
	int skipped = 0;
	if (prescore(s, p, nodes, n)) {
		skipped = 1;
	} else {
		for (size_t i = 0; i < n; i++)
			sc[i] = score(s, p, nodes[i]);
		if (raw)
			memcpy(raw, sc, n * sizeof *sc);
		normalize(s, p, nodes, n, sc);
	}
	if (skipped && raw)
		memset(raw, 0, n * sizeof *raw);
	if (norm)
		memcpy(norm, sc, n * sizeof *sc);
	free(sc);
	return skipped;
}
