/*
 * sched_config.c - KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
 * from YAML. Plugin sets are merged with the default multiPoint set as
 * apis/config/v1 mergePlugins and the framework's expandMultiPointPlugins do;
 * plugin args are defaulted and validated as validation_pluginargs.go does,
 * with upstream's field paths and wording behind file:line:col.
 */
#include "config.h"

#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/sched_config.h"
#include "sim/util/util.h"

#define API_VERSION	"kubescheduler.config.k8s.io/v1"
#define MAX_LISTED	48	/* entries of one enabled list (names are unique) */

static const char *const f_config[] = {
	"apiVersion", "kind", "parallelism", "leaderElection", "clientConnection",
	"healthzBindAddress", "metricsBindAddress", "enableProfiling",
	"enableContentionProfiling", "percentageOfNodesToScore",
	"podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders",
	"delayCacheUntilActive", NULL,
};
static const char *const f_profile[] = {
	"schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig", NULL,
};
/* Extension points in upstream's order, and the Go interface of each. */
enum { EP_PRE_ENQUEUE, EP_QUEUE_SORT, EP_PRE_FILTER, EP_FILTER, EP_POST_FILTER,
	EP_PRE_SCORE, EP_SCORE, EP_RESERVE, EP_PERMIT, EP_PRE_BIND, EP_BIND,
	EP_POST_BIND, EP_MULTI_POINT, EP_N };
static const char *const f_plugins[EP_N + 1] = {
	"preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore",
	"score", "reserve", "permit", "preBind", "bind", "postBind", "multiPoint", NULL,
};
static const char *const ep_types[EP_N] = {
	"PreEnqueuePlugin", "QueueSortPlugin", "PreFilterPlugin", "FilterPlugin",
	"PostFilterPlugin", "PreScorePlugin", "ScorePlugin", "ReservePlugin",
	"PermitPlugin", "PreBindPlugin", "BindPlugin", "PostBindPlugin", "MultiPoint",
};
static const char *const f_plugin_set[] = { "enabled", "disabled", NULL };
static const char *const f_plugin[] = { "name", "weight", NULL };
static const char *const f_plugin_config[] = { "name", "args", NULL };
static const char *const f_fit_args[] = {
	"apiVersion", "kind", "ignoredResources", "ignoredResourceGroups",
	"scoringStrategy", NULL,
};
static const char *const f_strategy[] = {
	"type", "resources", "requestedToCapacityRatio", NULL,
};
static const char *const f_resource[] = { "name", "weight", NULL };
static const char *const f_rtcr[] = { "shape", NULL };
static const char *const f_shape[] = { "utilization", "score", NULL };
static const char *const f_balanced_args[] = { "apiVersion", "kind", "resources", NULL };
static const char *const f_spread_args[] = {
	"apiVersion", "kind", "defaultConstraints", "defaultingType", NULL,
};
static const char *const f_ipa_args[] = {
	"apiVersion", "kind", "hardPodAffinityWeight",
	"ignorePreferredTermsOfExistingPods", NULL,
};
static const char *const f_node_affinity_args[] = {
	"apiVersion", "kind", "addedAffinity", NULL,
};
static const char *const f_preemption_args[] = {
	"apiVersion", "kind", "minCandidateNodesPercentage",
	"minCandidateNodesAbsolute", NULL,
};
static const char *const f_volume_binding_args[] = {
	"apiVersion", "kind", "bindTimeoutSeconds", "shape", NULL,
};
static const char *const f_dra_args[] = {
	"apiVersion", "kind", "filterTimeout", "bindingTimeout", NULL,
};
static const char *const f_no_args[] = { "apiVersion", "kind", NULL };

/* In-tree plugins kubesim does not model as filters or scores (no volumes,
 * queue sort, binding): accepted and without effect. DefaultPreemption is
 * modelled: enabling or disabling it (postFilter, multiPoint) and its args
 * count. */
static const char *const other_plugins[] = {
	"PrioritySort", "DefaultBinder", "DefaultPreemption", "SchedulingGates",
	"NodeVolumeLimits", "VolumeBinding", "VolumeRestrictions", "VolumeZone",
	"DynamicResources", NULL,
};
/* Removed from the v1 API (validation.go invalidPluginsByVersion). */
static const char *const removed_plugins[] = {
	"AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits", NULL,
};

/* ---- plugin names ------------------------------------------------------- */

static bool
in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Whether kubesim's plugin p implements extension point ep. */
static bool
implements(int p, int ep)
{
	switch (ep) {
	case EP_FILTER:
		return sched_plugin_filters((enum sched_plugin)p);
	case EP_SCORE:
		return sched_plugin_scores((enum sched_plugin)p);
	case EP_PRE_FILTER:
		return p == SCHED_NODE_AFFINITY || p == SCHED_NODE_PORTS ||
		    p == SCHED_NODE_RESOURCES_FIT || p == SCHED_POD_TOPOLOGY_SPREAD ||
		    p == SCHED_INTER_POD_AFFINITY;
	case EP_PRE_SCORE:
		return sched_plugin_scores((enum sched_plugin)p) && p != SCHED_IMAGE_LOCALITY;
	case EP_MULTI_POINT:
		return true;
	default:
		return false;
	}
}

/* An unknown name: the nearest known one, if any is close. */
static char *
unknown_plugin(const struct yt_node *n, const char *name)
{
	const char *all[SCHED_NPLUGINS + 16];
	size_t k = 0;
	for (int i = 0; i < SCHED_NPLUGINS; i++)
		all[k++] = sched_plugin_name((enum sched_plugin)i);
	for (size_t i = 0; other_plugins[i] != NULL; i++)
		all[k++] = other_plugins[i];
	all[k] = NULL;
	const char *near = ks_nearest(name, all);
	if (near != NULL)
		return yt_errorf(n, "unknown plugin '%s' (did you mean '%s'?)", name, near);
	return yt_errorf(n, "unknown plugin '%s'", name);
}

/* A plugin name at path (for messages); sets *p to kubesim's plugin or -1. */
static int
plugin_name(const struct yt_node *parent, const char *path, bool allow_star, int *p,
    char **cause)
{
	const char *name;
	const struct yt_node *n = yt_get(parent, "name");
	if (n == NULL || yt_is_null(n)) {
		*cause = yt_errorf(parent, "%s.name: Required value: a plugin needs a name", path);
		return -1;
	}
	if (yt_string(n, &name, cause) < 0)
		return -1;
	*p = sched_plugin_parse(name);
	if (*p >= 0 || in_list(name, other_plugins) || (allow_star && strcmp(name, "*") == 0))
		return 0;
	if (in_list(name, removed_plugins)) {
		*cause = yt_errorf(n, "%s: Invalid value: \"%s\": was invalid in version "
		    "\"%s\" (KubeSchedulerConfiguration is version \"%s\")", path, name,
		    API_VERSION, API_VERSION);
		return -1;
	}
	*cause = unknown_plugin(n, name);
	return -1;
}

/* ---- plugin sets -------------------------------------------------------- */

/* One extension point's PluginSet, restricted to kubesim's plugins. */
struct pset {
	bool	set;			/* written in the file */
	bool	enabled[SCHED_NPLUGINS];
	int64_t	weight[SCHED_NPLUGINS];
	bool	disabled[SCHED_NPLUGINS];
	bool	disabled_all;		/* "*" */
	bool	dp_enabled, dp_disabled;	/* DefaultPreemption */
	bool	vb_disabled;		/* VolumeBinding (not modelled) */
	/* enabled entries in file order, for the framework's weight check */
	const char *listed[MAX_LISTED];
	int64_t	listed_w[MAX_LISTED];
	int	nlisted;
};

static int
plugin_list(const struct yt_node *list, const char *path, int ep, bool enabled,
    struct pset *ps, char **cause)
{
	if (list == NULL || yt_is_null(list))
		return 0;
	if (list->kind != YT_SEQ) {
		*cause = yt_errorf(list, "%s: expected a list of plugins", path);
		return -1;
	}
	/* Names already seen in this list (any plugin, modelled or not). */
	const char **seen = xcalloc(list->n + 1, sizeof *seen);
	int rc = 0;
	for (size_t i = 0; i < list->n && rc == 0; i++) {
		const struct yt_node *it = list->items[i];
		char *ip = xasprintf("%s[%zu]", path, i);
		int p;
		rc = scn_check_map(it, "plugin", f_plugin, cause);
		if (rc == 0)
			rc = plugin_name(it, ip, !enabled, &p, cause);
		const struct yt_node *nn = yt_get(it, "name");
		for (size_t j = 0; rc == 0 && j < i; j++) {
			if (strcmp(seen[j], nn->str) == 0) {
				*cause = yt_errorf(nn, "plugin \"%s\" already registered as \"%s\"",
				    nn->str, ep_types[ep]);
				rc = -1;
			}
		}
		if (rc == 0) {
			seen[i] = nn->str;
			if (strcmp(nn->str, "DefaultPreemption") == 0) {
				if (enabled)
					ps->dp_enabled = true;
				else
					ps->dp_disabled = true;
			}
			if (!enabled) {
				if (strcmp(nn->str, "VolumeBinding") == 0)
					ps->vb_disabled = true;
				if (strcmp(nn->str, "*") == 0)
					ps->disabled_all = true;
				else if (p >= 0)
					ps->disabled[p] = true;
			} else if (p >= 0 && !implements(p, ep)) {
				*cause = yt_errorf(nn, "plugin \"%s\" does not extend %s", nn->str,
				    ep_types[ep]);
				rc = -1;
			} else {
				/* Plugin.Weight is an int32 and validation checks no
				 * range: 0 means 1, negatives are accepted (the
				 * framework's overflow check may refuse them). */
				int64_t w = 0;
				const struct yt_node *wn = yt_get(it, "weight");
				if (wn != NULL && !yt_is_null(wn)) {
					rc = yt_int64(wn, &w, cause);
					if (rc == 0 && (w < INT32_MIN || w > INT32_MAX)) {
						*cause = yt_errorf(wn, "%s.weight: Invalid value: %lld: "
						    "the weight is an int32", ip, (long long)w);
						rc = -1;
					}
				}
				if (rc == 0 && p >= 0) {
					ps->enabled[p] = true;
					ps->weight[p] = w;
				}
				if (rc == 0 && ps->nlisted < MAX_LISTED) {
					ps->listed[ps->nlisted] = nn->str;
					ps->listed_w[ps->nlisted++] = w;
				}
			}
		}
		free(ip);
	}
	free(seen);
	return rc;
}

static int
plugin_set(const struct yt_node *n, const char *path, int ep, struct pset *ps,
    char **cause)
{
	memset(ps, 0, sizeof *ps);
	if (n == NULL || yt_is_null(n))
		return 0;
	ps->set = true;
	if (scn_check_map(n, path, f_plugin_set, cause) < 0)
		return -1;
	char *pe = xasprintf("%s.enabled", path), *pd = xasprintf("%s.disabled", path);
	int rc = plugin_list(yt_get(n, "disabled"), pd, ep, false, ps, cause);
	if (rc == 0)
		rc = plugin_list(yt_get(n, "enabled"), pe, ep, true, ps, cause);
	free(pe);
	free(pd);
	return rc;
}

/* Upstream's plugins that implement ScorePlugin, the default multiPoint
 * set's in its order (default_plugins.go) with their default weights. */
static const struct { const char *name; int64_t weight; } default_scores[] = {
	{ "TaintToleration", 3 }, { "NodeAffinity", 2 }, { "NodeResourcesFit", 1 },
	{ "VolumeBinding", 0 }, { "PodTopologySpread", 2 }, { "InterPodAffinity", 2 },
	{ "NodeResourcesBalancedAllocation", 1 }, { "ImageLocality", 1 },
};
#define NDEFAULT_SCORES (sizeof default_scores / sizeof default_scores[0])

static bool
is_score_plugin(const char *name)
{
	for (size_t i = 0; i < NDEFAULT_SCORES; i++)
		if (strcmp(default_scores[i].name, name) == 0)
			return true;
	return false;
}

/* getScoreWeights: over score.enabled then the merged multiPoint list, the
 * first weight of each score plugin (0 means 1) is added to a total of
 * weight * MaxNodeScore, refused when it "could overflow". Go's int64 wraps,
 * so a negative weight followed by another score plugin is refused too. */
struct weight_acc {
	const char *seen[2 * MAX_LISTED + NDEFAULT_SCORES];
	int	 nseen;
	int64_t	 total;
	bool	 overflow;
};

static void
weight_add(struct weight_acc *a, const char *name, int64_t w)
{
	if (a->overflow || !is_score_plugin(name))
		return;
	for (int i = 0; i < a->nseen; i++)
		if (strcmp(a->seen[i], name) == 0)
			return;
	a->seen[a->nseen++] = name;
	if (w == 0)
		w = 1;
	int64_t add = w * SCHED_MAX_NODE_SCORE;	/* |w| < 2^31: no overflow */
	int64_t room = (int64_t)((uint64_t)INT64_MAX - (uint64_t)a->total);
	if (add > room) {
		a->overflow = true;
		return;
	}
	a->total = (int64_t)((uint64_t)a->total + (uint64_t)add);
}

static bool
score_weights_overflow(const struct pset *score, const struct pset *mp)
{
	struct weight_acc a = { .nseen = 0 };
	for (int i = 0; i < score->nlisted; i++)
		weight_add(&a, score->listed[i], score->listed_w[i]);
	/* mergePluginSet: defaults not disabled, replaced in place by a custom
	 * entry of the same name; then the other custom entries. */
	bool replaced[MAX_LISTED] = { false };
	if (!mp->disabled_all) {
		for (size_t d = 0; d < NDEFAULT_SCORES; d++) {
			const char *name = default_scores[d].name;
			int p = sched_plugin_parse(name);
			bool disabled = p >= 0 ? mp->disabled[p] : false;
			if (p < 0 && mp->vb_disabled)
				disabled = true;
			if (disabled)
				continue;
			int64_t w = default_scores[d].weight;
			for (int i = 0; i < mp->nlisted; i++)
				if (strcmp(mp->listed[i], name) == 0) {
					w = mp->listed_w[i];
					replaced[i] = true;
					break;
				}
			weight_add(&a, name, w);
		}
	}
	for (int i = 0; i < mp->nlisted; i++)
		if (!replaced[i])
			weight_add(&a, mp->listed[i], mp->listed_w[i]);
	return a.overflow;
}

/*
 * Merges the plugin sets into the profile: the default multiPoint set minus
 * what multiPoint disables, plus what it enables (mergePluginSet); then each
 * extension point runs what it enables explicitly and the multiPoint plugins
 * it does not disable (expandMultiPointPlugins). A score weight comes from
 * score.enabled before multiPoint; 0 means 1 (getScoreWeights).
 */
static int
merge_plugins(const struct yt_node *plugins, const char *path,
    struct scn_sched_profile *pr, char **cause)
{
	struct sched_config dflt;
	sched_config_default(&dflt);
	struct pset ps[EP_N];
	memset(ps, 0, sizeof ps);
	if (plugins != NULL && !yt_is_null(plugins)) {
		char *pp = xasprintf("%s.plugins", path);
		int rc = scn_check_map(plugins, pp, f_plugins, cause);
		for (int ep = 0; ep < EP_N && rc == 0; ep++) {
			char *ip = xasprintf("%s.%s", pp, f_plugins[ep]);
			rc = plugin_set(yt_get(plugins, f_plugins[ep]), ip, ep, &ps[ep], cause);
			free(ip);
		}
		free(pp);
		if (rc < 0)
			return -1;
	}
	const struct pset *mp = &ps[EP_MULTI_POINT];
	if (score_weights_overflow(&ps[EP_SCORE], mp)) {
		*cause = yt_errorf(plugins, "%s: total score of Score plugins could overflow",
		    path);
		return -1;
	}
	/* DefaultPreemption runs at PostFilter. */
	const struct pset *pf = &ps[EP_POST_FILTER];
	bool dp_multi = mp->dp_enabled || (!mp->disabled_all && !mp->dp_disabled);
	pr->cfg.preemption = pf->dp_enabled || (dp_multi && !pf->disabled_all &&
	    !pf->dp_disabled);
	for (int p = 0; p < SCHED_NPLUGINS; p++) {
		bool multi = !mp->disabled_all && !mp->disabled[p];
		int64_t mw = dflt.weight[p];
		if (mp->enabled[p]) {
			multi = true;
			mw = mp->weight[p];
		}
		const struct pset *f = &ps[EP_FILTER], *s = &ps[EP_SCORE];
		pr->filter_on[p] = implements(p, EP_FILTER) && (f->enabled[p] ||
		    (multi && !f->disabled_all && !f->disabled[p]));
		pr->score_on[p] = implements(p, EP_SCORE) && (s->enabled[p] ||
		    (multi && !s->disabled_all && !s->disabled[p]));
		int64_t w = s->enabled[p] ? s->weight[p] : mw;
		if (w == 0)
			w = 1;
		if (pr->filter_on[p] || pr->score_on[p]) {
			pr->cfg.enabled[p] = true;
			pr->cfg.weight[p] = pr->score_on[p] ? (int32_t)w : 0;
		} else {
			pr->cfg.enabled[p] = false;
			pr->cfg.weight[p] = 0;
		}
		if (pr->score_on[p] && !pr->filter_on[p] && implements(p, EP_FILTER)) {
			*cause = yt_errorf(plugins, "%s.plugins: kubesim runs the score of %s "
			    "only together with its filter (disable both or neither)", path,
			    sched_plugin_name((enum sched_plugin)p));
			return -1;
		}
	}
	return 0;
}

/* ---- plugin args ---------------------------------------------------------- */

static void
note(struct scn_sched_config *c, const struct yt_node *n, const char *msg)
{
	char buf[1024];
	c->notes = xreallocarray(c->notes, c->nnotes + 1, sizeof *c->notes);
	c->notes[c->nnotes++] = xasprintf("%s: %s", yt_where(n, buf, sizeof buf), msg);
}

/* A list of {name, weight} (ResourceSpec); weight 0 defaults to 1. */
static int
resources(const struct yt_node *n, const char *path, struct sched_res_weight *out,
    int *nout, bool balanced, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "%s: expected a list of resources", path);
		return -1;
	}
	if (n->n > SCHED_MAX_RES) {
		*cause = yt_errorf(n, "%s: kubesim accepts at most %d resources", path,
		    SCHED_MAX_RES);
		return -1;
	}
	*nout = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *it = n->items[i];
		const char *name;
		int64_t w;
		if (scn_check_map(it, "resource", f_resource, cause) < 0 ||
		    yt_get_string(it, "name", &name, cause) < 0 ||
		    yt_get_int64(it, "weight", 0, &w, cause) < 0)
			return -1;
		if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof out->name) {
			*cause = yt_errorf(it, "%s[%zu].name: Required value: a resource name",
			    path, i);
			return -1;
		}
		for (int j = 0; j < *nout; j++) {
			if (strcmp(out[j].name, name) == 0) {
				*cause = yt_errorf(yt_get(it, "name"), "%s[%zu].name: Duplicate "
				    "value: \"%s\"", path, i, name);
				return -1;
			}
		}
		if (w == 0)
			w = 1;
		const struct yt_node *wn = yt_get(it, "weight");
		if (balanced && w != 1) {
			*cause = yt_errorf(wn, "%s[%zu].weight: Invalid value: %lld: must be 1",
			    path, i, (long long)w);
			return -1;
		}
		if (w < 0 || w > 100) {
			*cause = yt_errorf(wn, "%s[%zu].weight: Invalid value: %lld: resource "
			    "weight of %s not in valid range (0, 100]", path, i, (long long)w, name);
			return -1;
		}
		snprintf(out[*nout].name, sizeof out[*nout].name, "%s", name);
		out[(*nout)++].weight = w;
	}
	return 0;
}

static int
shape(const struct yt_node *n, const char *path, struct sched_config *cfg, char **cause)
{
	if (n == NULL || yt_is_null(n) || (n->kind == YT_SEQ && n->n == 0)) {
		*cause = yt_errorf(n, "%s.shape: Required value: at least one point must be "
		    "specified", path);
		return -1;
	}
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "%s.shape: expected a list of points", path);
		return -1;
	}
	if (n->n > SCHED_MAX_SHAPE) {
		*cause = yt_errorf(n, "%s.shape: kubesim accepts at most %d points", path,
		    SCHED_MAX_SHAPE);
		return -1;
	}
	cfg->nshape = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *it = n->items[i];
		struct sched_shape_point *pt = &cfg->shape[cfg->nshape++];
		if (scn_check_map(it, "shape point", f_shape, cause) < 0 ||
		    yt_get_int64(it, "utilization", 0, &pt->utilization, cause) < 0 ||
		    yt_get_int64(it, "score", 0, &pt->score, cause) < 0)
			return -1;
		const struct yt_node *un = yt_get(it, "utilization"), *sn = yt_get(it, "score");
		if (i > 0 && pt->utilization <= pt[-1].utilization) {
			*cause = yt_errorf(un ? un : it, "%s.shape[%zu].utilization: Invalid value: "
			    "%lld: values must be sorted in increasing order", path, i,
			    (long long)pt->utilization);
			return -1;
		}
		if (pt->utilization < 0 || pt->utilization > 100) {
			*cause = yt_errorf(un, "%s.shape[%zu].utilization: Invalid value: %lld: "
			    "not in valid range [0, 100]", path, i, (long long)pt->utilization);
			return -1;
		}
		if (pt->score < 0 || pt->score > SCHED_MAX_CUSTOM_SCORE) {
			*cause = yt_errorf(sn, "%s.shape[%zu].score: Invalid value: %lld: not in "
			    "valid range [0, %d]", path, i, (long long)pt->score,
			    SCHED_MAX_CUSTOM_SCORE);
			return -1;
		}
	}
	return 0;
}

/* IsQualifiedName's name part: 1..63 alphanumerics, '-', '_', '.', starting
 * and ending with an alphanumeric. */
static bool
qualified_part(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* A DNS-1123 subdomain (a qualified name's prefix): at most 253 of [a-z0-9-.],
 * dot-separated labels starting and ending with [a-z0-9]. */
static bool
dns_subdomain(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
			    s[i] != '-')
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

/* metav1validation.ValidateLabelName (IsQualifiedName): NULL when valid,
 * else upstream's reason. */
static const char *
qualified_name_error(const char *name)
{
	const char *slash = strchr(name, '/');
	if (slash == NULL)
		return qualified_part(name, strlen(name)) ? NULL : "name part must consist of "
		    "alphanumeric characters, '-', '_' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
		    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
	if (strchr(slash + 1, '/') != NULL)
		return "a qualified name must consist of alphanumeric characters, '-', '_' or "
		    "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
		    "or 'my.name',  or '123-abc', regex used for validation is "
		    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
		    "prefix and '/' (e.g. 'example.com/MyName')";
	if (slash == name)
		return "prefix part must be non-empty";
	if (!dns_subdomain(name, (size_t)(slash - name)))
		return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
		    "alphanumeric characters, '-' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'example.com', regex used for validation is "
		    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
	if (!qualified_part(slash + 1, strlen(slash + 1)))
		return "name part must consist of alphanumeric characters, '-', '_' or '.', and "
		    "must start and end with an alphanumeric character (e.g. 'MyName',  or "
		    "'my.name',  or '123-abc', regex used for validation is "
		    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
	return NULL;
}

/* NodeResourcesFitArgs.ignoredResources / ignoredResourceGroups, validated as
 * ValidateNodeResourcesFitArgs does (groups: no '/', then a qualified name). */
static int
ignored_list(const struct yt_node *n, const char *path, const char *field, bool groups,
    char out[][SCHED_MAX_NAME], int *nout, char **cause)
{
	*nout = 0;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "%s.%s: expected a list of resource names", path, field);
		return -1;
	}
	if (n->n > SCHED_MAX_IGNORED) {
		*cause = yt_errorf(n, "%s.%s: kubesim accepts at most %d names", path, field,
		    SCHED_MAX_IGNORED);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *name;
		if (yt_string(n->items[i], &name, cause) < 0)
			return -1;
		if (groups && strchr(name, '/') != NULL) {
			*cause = yt_errorf(n->items[i], "%s.%s[%zu]: Invalid value: \"%s\": "
			    "resource group name can't contain '/'", path, field, i, name);
			return -1;
		}
		const char *why = qualified_name_error(name);
		if (why != NULL) {
			*cause = yt_errorf(n->items[i], "%s.%s[%zu]: Invalid value: \"%s\": %s",
			    path, field, i, name, why);
			return -1;
		}
		snprintf(out[(*nout)++], SCHED_MAX_NAME, "%s", name);
	}
	return 0;
}

static int
fit_args(struct scn_sched_config *c, const struct yt_node *a, const char *path,
    struct sched_config *cfg, char **cause)
{
	if (scn_check_map(a, "NodeResourcesFitArgs", f_fit_args, cause) < 0)
		return -1;
	(void)c;
	if (ignored_list(yt_get(a, "ignoredResources"), path, "ignoredResources", false,
	    cfg->ignored_resources, &cfg->nignored_resources, cause) < 0 ||
	    ignored_list(yt_get(a, "ignoredResourceGroups"), path, "ignoredResourceGroups",
	    true, cfg->ignored_groups, &cfg->nignored_groups, cause) < 0)
		return -1;
	const struct yt_node *ss = yt_get(a, "scoringStrategy");
	if (ss == NULL || yt_is_null(ss))
		return 0;	/* defaulted: LeastAllocated, cpu 1 memory 1 */
	char *sp = xasprintf("%s.scoringStrategy", path);
	int rc = scn_check_map(ss, sp, f_strategy, cause);
	const char *type = NULL;
	if (rc == 0)
		rc = yt_get_string(ss, "type", &type, cause);
	const struct yt_node *tn = yt_get(ss, "type");
	if (rc == 0) {
		if (type != NULL && strcmp(type, "LeastAllocated") == 0)
			cfg->strategy = SCHED_LEAST_ALLOCATED;
		else if (type != NULL && strcmp(type, "MostAllocated") == 0)
			cfg->strategy = SCHED_MOST_ALLOCATED;
		else if (type != NULL && strcmp(type, "RequestedToCapacityRatio") == 0)
			cfg->strategy = SCHED_REQUESTED_TO_CAPACITY_RATIO;
		else {
			*cause = yt_errorf(tn ? tn : ss, "%s.type: Unsupported value: \"%s\": "
			    "supported values: \"LeastAllocated\", \"MostAllocated\", "
			    "\"RequestedToCapacityRatio\"", sp, type ? type : "");
			rc = -1;
		}
	}
	if (rc == 0) {
		char *rp = xasprintf("%s.resources", sp);
		rc = resources(yt_get(ss, "resources"), rp, cfg->fit_resources,
		    &cfg->nfit_resources, false, cause);
		free(rp);
	}
	const struct yt_node *rt = yt_get(ss, "requestedToCapacityRatio");
	bool has_rt = rt != NULL && !yt_is_null(rt);
	if (rc == 0 && cfg->strategy == SCHED_REQUESTED_TO_CAPACITY_RATIO) {
		char *rp = xasprintf("%s.requestedToCapacityRatio", sp);
		if (!has_rt) {
			*cause = yt_errorf(ss, "%s: Required value: must be specified when type "
			    "is RequestedToCapacityRatio", rp);
			rc = -1;
		} else {
			rc = scn_check_map(rt, rp, f_rtcr, cause);
			if (rc == 0 && yt_get(rt, "shape") == NULL) {
				*cause = yt_errorf(rt, "%s.shape: Required value: at least one "
				    "point must be specified", rp);
				rc = -1;
			}
			if (rc == 0)
				rc = shape(yt_get(rt, "shape"), rp, cfg, cause);
		}
		free(rp);
	} else if (rc == 0 && has_rt) {
		*cause = yt_errorf(rt, "%s.requestedToCapacityRatio: Forbidden: must be nil "
		    "when type is not RequestedToCapacityRatio", sp);
		rc = -1;
	}
	free(sp);
	return rc;
}

static int
spread_args(struct scn_sched_config *c, const struct yt_node *a, const char *path,
    struct sched_config *cfg, char **cause)
{
	if (scn_check_map(a, "PodTopologySpreadArgs", f_spread_args, cause) < 0)
		return -1;
	const char *dt;
	if (yt_get_string(a, "defaultingType", &dt, cause) < 0)
		return -1;
	const struct yt_node *dc = yt_get(a, "defaultConstraints");
	bool has_dc = dc != NULL && !yt_is_null(dc) && !(dc->kind == YT_SEQ && dc->n == 0);
	if (dt == NULL || strcmp(dt, "System") == 0) {
		if (has_dc) {
			*cause = yt_errorf(yt_get(a, "defaultingType") ? yt_get(a, "defaultingType") :
			    dc, "%s.defaultingType: Invalid value: \"System\": when "
			    ".defaultConstraints are not empty", path);
			return -1;
		}
		cfg->spread_system_defaults = true;
	} else if (strcmp(dt, "List") == 0) {
		cfg->spread_system_defaults = false;
		if (has_dc)
			note(c, dc, "PodTopologySpread: defaultConstraints are not simulated "
			    "(pods without constraints are not spread)");
	} else {
		*cause = yt_errorf(yt_get(a, "defaultingType"), "%s.defaultingType: "
		    "Unsupported value: \"%s\": supported values: \"System\", \"List\"", path, dt);
		return -1;
	}
	return 0;
}

static int
ipa_args(const struct yt_node *a, const char *path, struct sched_config *cfg, char **cause)
{
	if (scn_check_map(a, "InterPodAffinityArgs", f_ipa_args, cause) < 0)
		return -1;
	int64_t w;
	if (yt_get_int64(a, "hardPodAffinityWeight", 1, &w, cause) < 0 ||
	    yt_get_bool(a, "ignorePreferredTermsOfExistingPods", false,
	    &cfg->ignore_preferred_terms_of_existing_pods, cause) < 0)
		return -1;
	if (w < 0 || w > 100) {
		*cause = yt_errorf(yt_get(a, "hardPodAffinityWeight"), "%s.hardPodAffinityWeight: "
		    "Invalid value: %lld: not in valid range [0, 100]", path, (long long)w);
		return -1;
	}
	cfg->hard_pod_affinity_weight = (int32_t)w;
	return 0;
}

/* DefaultPreemptionArgs, defaulted and validated as ValidateDefaultPreemptionArgs. */
static int
preemption_args(const struct yt_node *a, const char *path, struct sched_config *cfg,
    char **cause)
{
	if (scn_check_map(a, "DefaultPreemptionArgs", f_preemption_args, cause) < 0)
		return -1;
	int64_t pct, abs;
	if (yt_get_int64(a, "minCandidateNodesPercentage", 10, &pct, cause) < 0 ||
	    yt_get_int64(a, "minCandidateNodesAbsolute", 100, &abs, cause) < 0)
		return -1;
	const struct yt_node *pn = yt_get(a, "minCandidateNodesPercentage");
	const struct yt_node *an = yt_get(a, "minCandidateNodesAbsolute");
	if (pct < 0 || pct > 100) {
		*cause = yt_errorf(pn, "%s.minCandidateNodesPercentage: Invalid value: %lld: "
		    "not in valid range [0, 100]", path, (long long)pct);
		return -1;
	}
	if (abs < 0 || abs > INT32_MAX) {
		*cause = yt_errorf(an, "%s.minCandidateNodesAbsolute: Invalid value: %lld: "
		    "not in valid range [0, inf)", path, (long long)abs);
		return -1;
	}
	if (pct == 0 && abs == 0) {
		*cause = yt_errorf(pn ? pn : a, "%s.minCandidateNodesPercentage: Invalid value: 0: "
		    "cannot be zero at the same time as minCandidateNodesAbsolute", path);
		return -1;
	}
	cfg->min_candidate_nodes_percentage = (int32_t)pct;
	cfg->min_candidate_nodes_absolute = (int32_t)abs;
	return 0;
}

/* One pluginConfig entry. */
static int
plugin_config(struct scn_sched_config *c, const struct yt_node *it, const char *path,
    struct sched_config *cfg, char **cause)
{
	if (scn_check_map(it, "pluginConfig", f_plugin_config, cause) < 0)
		return -1;
	const struct yt_node *nn = yt_get(it, "name");
	int p;
	if (plugin_name(it, path, false, &p, cause) < 0)
		return -1;
	const char *name = nn->str;
	const struct yt_node *a = yt_get(it, "args");
	if (a == NULL || yt_is_null(a))
		return 0;
	char *ap = xasprintf("%s.args", path);
	const char *kind;
	int rc = 0;
	if (a->kind == YT_MAP && yt_get_string(a, "kind", &kind, cause) == 0 && kind != NULL) {
		char *want = xasprintf("%sArgs", name);
		if (strcmp(kind, want) != 0) {
			*cause = yt_errorf(yt_get(a, "kind"), "%s: Invalid value: kind %s: has "
			    "to match plugin args (%s)", ap, kind, want);
			rc = -1;
		}
		free(want);
	}
	if (rc < 0) {
		free(ap);
		return -1;
	}
	switch (p) {
	case SCHED_NODE_RESOURCES_FIT:
		rc = fit_args(c, a, ap, cfg, cause);
		break;
	case SCHED_BALANCED_ALLOCATION: {
		rc = scn_check_map(a, "NodeResourcesBalancedAllocationArgs", f_balanced_args, cause);
		char *rp = xasprintf("%s.resources", ap);
		if (rc == 0)
			rc = resources(yt_get(a, "resources"), rp, cfg->balanced_resources,
			    &cfg->nbalanced_resources, true, cause);
		free(rp);
		break;
	}
	case SCHED_POD_TOPOLOGY_SPREAD:
		rc = spread_args(c, a, ap, cfg, cause);
		break;
	case SCHED_INTER_POD_AFFINITY:
		rc = ipa_args(a, ap, cfg, cause);
		break;
	case SCHED_NODE_AFFINITY:
		rc = scn_check_map(a, "NodeAffinityArgs", f_node_affinity_args, cause);
		if (rc == 0 && yt_get(a, "addedAffinity") != NULL)
			note(c, yt_get(a, "addedAffinity"),
			    "NodeAffinity: addedAffinity is not simulated");
		break;
	default:
		if (strcmp(name, "DefaultPreemption") == 0)
			rc = preemption_args(a, ap, cfg, cause);
		else if (strcmp(name, "VolumeBinding") == 0)
			rc = scn_check_map(a, "VolumeBindingArgs", f_volume_binding_args, cause);
		else if (strcmp(name, "DynamicResources") == 0)
			rc = scn_check_map(a, "DynamicResourcesArgs", f_dra_args, cause);
		else
			rc = scn_check_map(a, "plugin args", f_no_args, cause);
		break;
	}
	free(ap);
	return rc;
}

/* ---- the configuration --------------------------------------------------- */

static int
percentage(const struct yt_node *map, const char *path, int32_t *out, bool *set,
    char **cause)
{
	const struct yt_node *n = yt_get(map, "percentageOfNodesToScore");
	*set = false;
	if (n == NULL || yt_is_null(n))
		return 0;
	int64_t v;
	if (yt_int64(n, &v, cause) < 0)
		return -1;
	if (v < 0 || v > 100) {
		*cause = yt_errorf(n, "%s: Invalid value: %lld: not in valid range [0-100]",
		    path, (long long)v);
		return -1;
	}
	*out = (int32_t)v;
	*set = true;
	return 0;
}

static int
profile(struct scn_sched_config *c, const struct yt_node *n, size_t i, bool single,
    int32_t pct, struct scn_sched_profile *pr, char **cause)
{
	char path[64];
	snprintf(path, sizeof path, "profiles[%zu]", i);
	sched_config_default(&pr->cfg);
	pr->cfg.percentage_of_nodes_to_score = pct;
	if (scn_check_map(n, path, f_profile, cause) < 0)
		return -1;
	const char *sn;
	if (yt_get_string(n, "schedulerName", &sn, cause) < 0)
		return -1;
	if (sn == NULL && single)
		sn = "default-scheduler";
	if (sn == NULL || sn[0] == '\0') {
		*cause = yt_errorf(n, "%s.schedulerName: Required value", path);
		return -1;
	}
	pr->scheduler_name = xstrdup(sn);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(c->profiles[j].scheduler_name, sn) == 0) {
			*cause = yt_errorf(yt_get(n, "schedulerName"), "%s.schedulerName: Duplicate "
			    "value: \"%s\" (profiles[%zu].schedulerName)", path, sn, j);
			return -1;
		}
	}
	char pp[96];
	snprintf(pp, sizeof pp, "%s.percentageOfNodesToScore", path);
	bool set;
	if (percentage(n, pp, &pr->cfg.percentage_of_nodes_to_score, &set, cause) < 0)
		return -1;
	if (merge_plugins(yt_get(n, "plugins"), path, pr, cause) < 0)
		return -1;
	const struct yt_node *pc = yt_get(n, "pluginConfig");
	if (pc != NULL && !yt_is_null(pc)) {
		if (pc->kind != YT_SEQ) {
			*cause = yt_errorf(pc, "%s.pluginConfig: expected a list", path);
			return -1;
		}
		for (size_t k = 0; k < pc->n; k++) {
			char ip[160];
			snprintf(ip, sizeof ip, "%s.pluginConfig[%zu]", path, k);
			const struct yt_node *nk = yt_get(pc->items[k], "name");
			for (size_t j = 0; j < k && nk && nk->kind == YT_SCALAR; j++) {
				const struct yt_node *nj = yt_get(pc->items[j], "name");
				if (nj && nj->kind == YT_SCALAR && strcmp(nj->str, nk->str) == 0) {
					*cause = yt_errorf(nk, "%s: Duplicate value: \"%s\"", ip, nk->str);
					return -1;
				}
			}
			if (plugin_config(c, pc->items[k], ip, &pr->cfg, cause) < 0)
				return -1;
		}
	}
	char *vc = NULL;
	if (sched_config_validate(&pr->cfg, &vc) < 0) {
		*cause = yt_errorf(n, "%s: %s", path, vc);
		free(vc);
		return -1;
	}
	return 0;
}

void
scn_sched_config_default(struct scn_sched_config *c)
{
	memset(c, 0, sizeof *c);
	c->profiles = xcalloc(1, sizeof *c->profiles);
	c->nprofiles = 1;
	struct scn_sched_profile *pr = &c->profiles[0];
	pr->scheduler_name = xstrdup("default-scheduler");
	sched_config_default(&pr->cfg);
	for (int p = 0; p < SCHED_NPLUGINS; p++) {
		pr->filter_on[p] = implements(p, EP_FILTER);
		pr->score_on[p] = implements(p, EP_SCORE);
	}
}

int
scn_sched_config_parse(const struct yt_node *doc, struct scn_sched_config *c,
    char **cause)
{
	memset(c, 0, sizeof *c);
	if (scn_check_map(doc, "KubeSchedulerConfiguration", f_config, cause) < 0)
		goto fail;
	const char *api, *kind;
	if (yt_get_string(doc, "apiVersion", &api, cause) < 0 ||
	    yt_get_string(doc, "kind", &kind, cause) < 0)
		goto fail;
	if (kind == NULL || strcmp(kind, "KubeSchedulerConfiguration") != 0) {
		*cause = yt_errorf(yt_get(doc, "kind") ? yt_get(doc, "kind") : doc,
		    "expected kind KubeSchedulerConfiguration, found '%s'", kind ? kind : "");
		goto fail;
	}
	if (api == NULL || strcmp(api, API_VERSION) != 0) {
		*cause = yt_errorf(yt_get(doc, "apiVersion") ? yt_get(doc, "apiVersion") : doc,
		    "apiVersion '%s' is not supported for KubeSchedulerConfiguration "
		    "(expected %s)", api ? api : "", API_VERSION);
		goto fail;
	}
	int32_t pct = 0;
	bool set;
	if (percentage(doc, "percentageOfNodesToScore", &pct, &set, cause) < 0)
		goto fail;
	const struct yt_node *ps = yt_get(doc, "profiles");
	if (ps != NULL && !yt_is_null(ps) && ps->kind != YT_SEQ) {
		*cause = yt_errorf(ps, "profiles: expected a list of profiles");
		goto fail;
	}
	size_t np = ps != NULL && ps->kind == YT_SEQ ? ps->n : 0;
	if (np == 0) {
		scn_sched_config_default(c);
		c->profiles[0].cfg.percentage_of_nodes_to_score = pct;
		return 0;
	}
	c->profiles = xcalloc(np, sizeof *c->profiles);
	for (size_t i = 0; i < np; i++) {
		c->nprofiles = i + 1;
		if (profile(c, ps->items[i], i, np == 1, pct, &c->profiles[i], cause) < 0)
			goto fail;
	}
	return 0;
fail:
	scn_sched_config_fini(c);
	return -1;
}

int
scn_sched_config_load(const char *path, struct scn_sched_config *c, char **cause)
{
	memset(c, 0, sizeof *c);
	struct yt_docs d;
	if (yt_parse_file(path, &d, cause) < 0)
		return -1;
	int rc;
	if (d.ndocs != 1) {
		*cause = d.ndocs == 0 ? xasprintf("%s: expected a KubeSchedulerConfiguration, "
		    "found no document", path) : yt_errorf(d.docs[1], "expected one "
		    "KubeSchedulerConfiguration, found a second document");
		rc = -1;
	} else {
		rc = scn_sched_config_parse(d.docs[0], c, cause);
	}
	yt_docs_free(&d);
	return rc;
}

void
scn_sched_config_fini(struct scn_sched_config *c)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		free(c->profiles[i].scheduler_name);
	free(c->profiles);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	memset(c, 0, sizeof *c);
}

const struct scn_sched_profile *
scn_sched_config_profile(const struct scn_sched_config *c, const char *scheduler_name)
{
	const char *want = scheduler_name ? scheduler_name : "default-scheduler";
	for (size_t i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].scheduler_name, want) == 0)
			return &c->profiles[i];
	return NULL;
}
