/*
 * ca.c - Cluster Autoscaler basics: the flag defaults of
 * cluster-autoscaler-release-1.37, expander names, the unremovable reasons,
 * node utilization (simulator/utilization/info.go) and the scale-down
 * eligibility check (core/scaledown/eligibility/eligibility.go).
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "sim/util/util.h"

struct ca_config
ca_config_defaults(void)
{
	struct ca_config c;

	memset(&c, 0, sizeof c);
	c.scan_interval = 10 * SIM_SEC;
	c.scale_down_utilization_threshold = 0.5;
	c.scale_down_gpu_utilization_threshold = 0.5;
	c.scale_down_unneeded_time = 10 * SIM_MIN;
	c.scale_down_unready_time = 20 * SIM_MIN;
	c.scale_down_delay_after_add = 10 * SIM_MIN;
	c.scale_down_delay_after_delete = 0;
	c.scale_down_delay_after_failure = 3 * SIM_MIN;
	c.max_node_provision_time = 15 * SIM_MIN;
	c.max_node_startup_time = 15 * SIM_MIN;
	c.max_graceful_termination = 600 * SIM_SEC;
	c.new_pod_scale_up_delay = 0;
	c.node_delete_delay_after_taint = 5 * SIM_SEC;
	c.unremovable_node_recheck_timeout = 5 * SIM_MIN;
	c.max_pod_eviction_time = 2 * SIM_MIN;
	c.node_deletion_delay_timeout = 2 * SIM_MIN;
	c.scale_down_simulation_timeout = 30 * SIM_SEC;
	c.max_cloud_provider_node_deletion_time = 5 * SIM_MIN;
	c.max_kubernetes_empty_node_deletion_time = 3 * SIM_MIN;
	c.pod_long_terminating_extra = 30 * SIM_SEC;

	c.expanders[0] = CA_EXPANDER_LEAST_WASTE;
	c.nexpanders = 1;

	c.max_total_unready_percentage = 45;
	c.ok_total_unready_count = 3;
	c.scale_down_non_empty_candidates_count = 30;
	c.scale_down_candidates_pool_ratio = 0.1;
	c.scale_down_candidates_pool_min_count = 50;
	c.max_scale_down_parallelism = 10;
	c.max_drain_parallelism = 1;
	c.max_bulk_soft_taint_count = 10;
	c.max_nodes_per_scaleup = 1000;
	c.max_nodes_total = 0;
	c.cores_total_min = 0;
	c.cores_total_max = 320000;
	c.memory_total_min_gib = 0;
	c.memory_total_max_gib = 6400000;
	c.expendable_pods_priority_cutoff = -10;

	c.skip_nodes_with_local_storage = true;
	c.skip_nodes_with_system_pods = true;
	c.ignore_daemonsets_utilization = false;
	c.ignore_mirror_pods_utilization = false;
	c.scale_down_enabled = true;
	c.scale_down_unready_enabled = true;
	c.balance_similar_node_groups = false;
	c.enforce_node_group_min_size = false;
	c.scale_up_from_zero = true;

	/* cloudprovider/gce/gce_price_model.go */
	c.price_cpu_core_hour = 0.033174;
	c.price_memory_gib_hour = 0.004446;
	c.price_gpu_hour = 0.700;
	return c;
}

static const char *const expander_names[] = {
	[CA_EXPANDER_RANDOM] = "random",
	[CA_EXPANDER_MOST_PODS] = "most-pods",
	[CA_EXPANDER_LEAST_WASTE] = "least-waste",
	[CA_EXPANDER_PRICE] = "price",
	[CA_EXPANDER_PRIORITY] = "priority",
	[CA_EXPANDER_LEAST_NODES] = "least-nodes",
};

int
ca_expander_parse(const char *name)
{
	for (size_t i = 0; i < sizeof expander_names / sizeof expander_names[0]; i++)
		if (strcmp(name, expander_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ca_expander_name(enum ca_expander e)
{
	if ((size_t)e >= sizeof expander_names / sizeof expander_names[0])
		return "?";
	return expander_names[e];
}

int
ca_config_set_expanders(struct ca_config *cfg, const char *flag, char **cause)
{
	enum ca_expander chain[CA_MAX_EXPANDERS];
	int n = 0;
	const char *p = flag;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *name = xstrndup(p, len);
		int e = ca_expander_parse(name);
		if (e < 0 || n == CA_MAX_EXPANDERS) {
			if (cause != NULL) {
				if (strcmp(name, "grpc") == 0)
					*cause = xasprintf("expander 'grpc' is not supported by kubesim");
				else if (e < 0)
					*cause = xasprintf("unknown expander '%s' (expected random, "
					    "most-pods, least-waste, price, priority or least-nodes)",
					    name);
				else
					*cause = xasprintf("too many expanders in '%s'", flag);
			}
			free(name);
			return -1;
		}
		free(name);
		chain[n++] = (enum ca_expander)e;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	memcpy(cfg->expanders, chain, sizeof chain[0] * (size_t)n);
	cfg->nexpanders = n;
	return 0;
}

int
ca_config_check_priorities(const struct ca_config *cfg, char **cause)
{
	for (size_t i = 0; i < cfg->npriorities; i++) {
		const struct ca_priority_level *l = &cfg->priorities[i];
		for (size_t j = 0; j < l->npatterns; j++) {
			regex_t re;
			int rc = regcomp(&re, l->patterns[j], REG_EXTENDED | REG_NOSUB);
			if (rc != 0) {
				char msg[128];
				regerror(rc, &re, msg, sizeof msg);
				if (cause != NULL)
					*cause = xasprintf("can't compile regexp rule for "
					    "priority %d and rule %s: %s", l->priority,
					    l->patterns[j], msg);
				return -1;
			}
			regfree(&re);
		}
	}
	return 0;
}

static const char *const reason_names[] = {
	[CA_NO_REASON] = "NoReason",
	[CA_SCALE_DOWN_DISABLED_ANNOTATION] = "ScaleDownDisabledAnnotation",
	[CA_SCALE_DOWN_UNREADY_DISABLED] = "ScaleDownUnreadyDisabled",
	[CA_NOT_AUTOSCALED] = "NotAutoscaled",
	[CA_NOT_UNNEEDED_LONG_ENOUGH] = "NotUnneededLongEnough",
	[CA_NOT_UNREADY_LONG_ENOUGH] = "NotUnreadyLongEnough",
	[CA_NODE_GROUP_MIN_SIZE_REACHED] = "NodeGroupMinSizeReached",
	[CA_MINIMAL_RESOURCE_LIMIT_EXCEEDED] = "MinimalResourceLimitExceeded",
	[CA_CURRENTLY_BEING_DELETED] = "CurrentlyBeingDeleted",
	[CA_NOT_UNDERUTILIZED] = "NotUnderutilized",
	[CA_RECENTLY_UNREMOVABLE] = "RecentlyUnremovable",
	[CA_NO_PLACE_TO_MOVE_PODS] = "NoPlaceToMovePods",
	[CA_BLOCKED_BY_POD] = "BlockedByPod",
	[CA_UNEXPECTED_ERROR] = "UnexpectedError",
};

const char *
ca_reason_name(enum ca_reason r)
{
	if ((size_t)r >= sizeof reason_names / sizeof reason_names[0])
		return "?";
	return reason_names[r];
}

/* ---- utilization --------------------------------------------------------- */

bool
ca_pod_long_terminating(const struct ca_config *cfg, const struct ca_pod_usage *p,
    sim_ns now)
{
	sim_ns extra = cfg != NULL ? cfg->pod_long_terminating_extra : 30 * SIM_SEC;

	if (p->deletion_time == SIM_NEVER)
		return false;
	return p->deletion_time + p->grace_s * SIM_SEC + extra < now;
}

static int64_t
pod_res(const struct ca_pod_usage *p, enum ca_resource r)
{
	switch (r) {
	case CA_RES_CPU:
		return p->cpu_milli;
	case CA_RES_MEMORY:
		return p->memory;
	case CA_RES_GPU:
		return p->gpu;
	}
	return 0;
}

static const char *
res_name(enum ca_resource r)
{
	switch (r) {
	case CA_RES_CPU:
		return "cpu";
	case CA_RES_MEMORY:
		return "memory";
	case CA_RES_GPU:
		return "gpu";
	}
	return "?";
}

/* CalculateUtilizationOfResource. Sums are in the resource's own unit; the
 * upstream ratio of MilliValues is the same ratio. */
static int
util_of(const struct ca_node_alloc *a, const struct ca_pod_usage *pods, size_t npods,
    enum ca_resource r, bool skip_ds, bool skip_mirror, sim_ns now, double *out,
    char **cause)
{
	bool has;
	int64_t alloc;

	switch (r) {
	case CA_RES_CPU:
		has = a->has_cpu;
		alloc = a->cpu_milli;
		break;
	case CA_RES_MEMORY:
		has = a->has_memory;
		alloc = a->memory;
		break;
	default:
		has = a->has_gpu;
		alloc = a->gpu;
		break;
	}
	if (!has) {
		if (cause != NULL)
			*cause = xasprintf("failed to get %s from node", res_name(r));
		return -1;
	}
	if (alloc == 0) {
		if (cause != NULL)
			*cause = xasprintf("%s is 0 at node", res_name(r));
		return -1;
	}
	int64_t requested = 0, skipped = 0;
	for (size_t i = 0; i < npods; i++) {
		const struct ca_pod_usage *p = &pods[i];
		int64_t v = pod_res(p, r);
		if ((skip_ds && p->daemonset) || (skip_mirror && p->mirror)) {
			skipped += v;
			continue;
		}
		if (ca_pod_long_terminating(NULL, p, now))
			continue;
		requested += v;
	}
	*out = (double)requested / (double)(alloc - skipped);
	return 0;
}

int
ca_utilization(const struct ca_node_alloc *alloc, const struct ca_pod_usage *pods,
    size_t npods, bool skip_daemonset_pods, bool skip_mirror_pods, sim_ns now,
    struct ca_util *out, char **cause)
{
	memset(out, 0, sizeof *out);
	if (alloc->gpu_node) {
		double g = 0;
		out->resource = CA_RES_GPU;
		/* An unready GPU (no allocatable) counts as 0 so that the node
		 * can still be scaled down. */
		if (util_of(alloc, pods, npods, CA_RES_GPU, skip_daemonset_pods,
		    skip_mirror_pods, now, &g, NULL) < 0)
			g = 0;
		out->gpu = g;
		out->utilization = g;
		return 0;
	}
	double cpu, mem;
	if (util_of(alloc, pods, npods, CA_RES_CPU, skip_daemonset_pods, skip_mirror_pods,
	    now, &cpu, cause) < 0)
		return -1;
	if (util_of(alloc, pods, npods, CA_RES_MEMORY, skip_daemonset_pods,
	    skip_mirror_pods, now, &mem, cause) < 0)
		return -1;
	out->cpu = cpu;
	out->mem = mem;
	if (cpu > mem) {
		out->resource = CA_RES_CPU;
		out->utilization = cpu;
	} else {
		out->resource = CA_RES_MEMORY;
		out->utilization = mem;
	}
	return 0;
}

/* ---- eligibility --------------------------------------------------------- */

/* actuation.IsNodeBeingDeleted */
static bool
being_deleted(const struct ca_config *cfg, sim_ns taint_at, sim_ns now)
{
	if (taint_at == SIM_NEVER)
		return false;
	sim_ns age = now - taint_at;
	return age < cfg->max_cloud_provider_node_deletion_time ||
	    age < cfg->max_kubernetes_empty_node_deletion_time;
}

enum ca_reason
ca_eligibility(const struct ca_config *cfg, const struct ca_elig_node *n, sim_ns now)
{
	if (being_deleted(cfg, n->to_be_deleted_at, now))
		return CA_CURRENTLY_BEING_DELETED;
	if (n->scale_down_disabled)
		return CA_SCALE_DOWN_DISABLED_ANNOTATION;
	if (n->group < 0)
		return CA_NOT_AUTOSCALED;
	if (n->util_error)
		return CA_UNEXPECTED_ERROR;
	if (!cfg->scale_down_unready_enabled && !n->ready)
		return CA_SCALE_DOWN_UNREADY_DISABLED;
	double threshold = n->gpu_node ? cfg->scale_down_gpu_utilization_threshold :
	    cfg->scale_down_utilization_threshold;
	if (n->utilization > threshold)
		return CA_NOT_UNDERUTILIZED;
	return CA_NO_REASON;
}

int64_t
ca_node_cores(int64_t cpu_milli)
{
	if (cpu_milli <= 0)
		return 0;
	return (cpu_milli + 999) / 1000;
}
