/*
 * pools.c - a scenario's nodePools: each pool's capacity (cpu, memory, pods,
 * ephemeral-storage, any extended resource or hugepages), reserved and
 * allocatable resources, the labels a kubelet and a cloud provider put on
 * its nodes, taints, zones, Cluster Autoscaler bounds, provisioning delay and
 * random failures. See "Node pools" in README.md here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const pool_keys[] = { "name", "instanceType", "cpu", "memory",
	"maxPods", "reserved", "pricePerHour", "zones", "count", "min", "max",
	"provisioningDelay", "labels", "taints", "failures", "arch", "region",
	"capacity", "allocatable", "spot", NULL };
static const char *const pool_failure_keys[] = { "timeToFailure", "repair", NULL };

/* A pool node's ephemeral-storage capacity when the pool gives none: GKE's
 * default boot disk (100 GB) rounded to 100Gi, so that ordinary pods that
 * request some schedule as they do on a real node. */
#define POOL_DEFAULT_EPHEMERAL	(100LL << 30)

/*
 * The GPUs (nvidia.com/gpu, as NVIDIA's device plugin advertises them) of
 * the cloud instance types that have them, from the providers' machine-type
 * pages (cloud.google.com/compute/docs/gpus, aws.amazon.com/ec2/instance-types
 * accelerated computing, learn.microsoft.com Azure NC/ND series): a pool of
 * such an instance type without nvidia.com/gpu in its capacity gets them
 * (the name must match exactly).
 */
static const struct {
	const char	*type;
	int64_t		 gpus;
} gpu_instances[] = {
	/* Google Cloud: G2 (L4), A2 (A100), A3 (H100) */
	{ "g2-standard-4", 1 }, { "g2-standard-8", 1 }, { "g2-standard-12", 1 },
	{ "g2-standard-16", 1 }, { "g2-standard-24", 2 }, { "g2-standard-32", 1 },
	{ "g2-standard-48", 4 }, { "g2-standard-96", 8 },
	{ "a2-highgpu-1g", 1 }, { "a2-highgpu-2g", 2 }, { "a2-highgpu-4g", 4 },
	{ "a2-highgpu-8g", 8 }, { "a2-megagpu-16g", 16 }, { "a2-ultragpu-1g", 1 },
	{ "a2-ultragpu-2g", 2 }, { "a2-ultragpu-4g", 4 }, { "a2-ultragpu-8g", 8 },
	{ "a3-highgpu-1g", 1 }, { "a3-highgpu-2g", 2 }, { "a3-highgpu-4g", 4 },
	{ "a3-highgpu-8g", 8 }, { "a3-megagpu-8g", 8 },
	/* AWS: G4dn (T4), G5 (A10G), G6 (L4), P3 (V100), P4d (A100), P5 (H100) */
	{ "g4dn.xlarge", 1 }, { "g4dn.2xlarge", 1 }, { "g4dn.4xlarge", 1 },
	{ "g4dn.8xlarge", 1 }, { "g4dn.16xlarge", 1 }, { "g4dn.12xlarge", 4 },
	{ "g4dn.metal", 8 },
	{ "g5.xlarge", 1 }, { "g5.2xlarge", 1 }, { "g5.4xlarge", 1 }, { "g5.8xlarge", 1 },
	{ "g5.16xlarge", 1 }, { "g5.12xlarge", 4 }, { "g5.24xlarge", 4 }, { "g5.48xlarge", 8 },
	{ "g6.xlarge", 1 }, { "g6.2xlarge", 1 }, { "g6.4xlarge", 1 }, { "g6.8xlarge", 1 },
	{ "g6.16xlarge", 1 }, { "g6.12xlarge", 4 }, { "g6.24xlarge", 4 }, { "g6.48xlarge", 8 },
	{ "p3.2xlarge", 1 }, { "p3.8xlarge", 4 }, { "p3.16xlarge", 8 },
	{ "p3dn.24xlarge", 8 }, { "p4d.24xlarge", 8 }, { "p4de.24xlarge", 8 },
	{ "p5.48xlarge", 8 },
	/* Azure: NCv3 (V100), NCasT4_v3 (T4), NC A100 v4, ND A100 v4 */
	{ "Standard_NC6s_v3", 1 }, { "Standard_NC12s_v3", 2 }, { "Standard_NC24s_v3", 4 },
	{ "Standard_NC4as_T4_v3", 1 }, { "Standard_NC8as_T4_v3", 1 },
	{ "Standard_NC16as_T4_v3", 1 }, { "Standard_NC64as_T4_v3", 4 },
	{ "Standard_NC24ads_A100_v4", 1 }, { "Standard_NC48ads_A100_v4", 2 },
	{ "Standard_NC96ads_A100_v4", 4 }, { "Standard_ND96asr_v4", 8 },
	{ "Standard_ND96amsr_A100_v4", 8 },
};

/* The GPUs of a known accelerator instance type, or 0. */
int64_t
scn_instance_gpus(const char *type)
{
	for (size_t i = 0; type != NULL && i < sizeof gpu_instances / sizeof gpu_instances[0]; i++)
		if (strcmp(gpu_instances[i].type, type) == 0)
			return gpu_instances[i].gpus;
	return 0;
}

/* A ResourceList of the pool (capacity, reserved, allocatable), any
 * resource; NULL or absent is empty. */
static int
pool_res_list(const struct yt_node *n, const char *key, struct k8s_resources *out,
    char **cause)
{
	return scn_resource_list(yt_get(n, key), key, out, cause);
}

/*
 * A pool's resources: capacity (cpu and memory at the top or under
 * capacity, maxPods or capacity.pods, ephemeral-storage default
 * POOL_DEFAULT_EPHEMERAL, any extended resource or hugepages), reserved
 * (capacity - allocatable, any resource) and allocatable, which is
 * capacity - reserved unless given resource by resource.
 */
static int
pool_resources(const struct yt_node *n, struct scn_pool *p, char **cause)
{
	struct k8s_resources cap = { 0 }, res = { 0 }, alloc = { 0 };
	int rc = -1;
	if (pool_res_list(n, "capacity", &cap, cause) < 0 ||
	    pool_res_list(n, "reserved", &res, cause) < 0 ||
	    pool_res_list(n, "allocatable", &alloc, cause) < 0)
		goto out;
	static const char *const top[] = { "cpu", "memory", "maxPods", NULL };
	static const char *const in_cap[] = { "cpu", "memory", "pods", NULL };
	for (int i = 0; top[i] != NULL; i++) {
		const struct yt_node *t = yt_get(n, top[i]);
		bool given = k8s_res_get(&cap, in_cap[i], NULL);
		if (t != NULL && given) {
			*cause = yt_errorf(t, "node pool '%s': %s is given twice (here and "
			    "as capacity.%s)", p->name, top[i], in_cap[i]);
			goto out;
		}
		if (t == NULL && !given && i < 2) {
			*cause = yt_errorf(n, "node pool '%s' needs '%s'", p->name, top[i]);
			goto out;
		}
		if (t == NULL)
			continue;
		int64_t v;
		if (i < 2 ? scn_quantity_node(t, i == 0 ? -3 : 0, &v, cause) < 0 :
		    scn_get_int(n, "maxPods", 110, 1, 1000000, &v, cause) < 0)
			goto out;
		k8s_res_set(&cap, in_cap[i], v);
	}
	if (yt_get(n, "count") == NULL) {
		*cause = yt_errorf(n, "node pool '%s' needs 'count'", p->name);
		goto out;
	}
	if (!cap.has_pods)
		k8s_res_set(&cap, "pods", 110);
	if (!cap.has_ephemeral)
		k8s_res_set(&cap, "ephemeral-storage", POOL_DEFAULT_EPHEMERAL);
	int64_t gpus = scn_instance_gpus(p->instance_type);
	if (gpus > 0 && !k8s_res_get(&cap, "nvidia.com/gpu", NULL))
		k8s_res_set(&cap, "nvidia.com/gpu", gpus);
	p->cpu_milli = cap.cpu_milli;
	p->memory = cap.memory;
	p->max_pods = cap.pods;
	if (p->cpu_milli <= 0 || p->memory <= 0 || p->max_pods <= 0) {
		const char *what = p->cpu_milli <= 0 ? "cpu" : p->memory <= 0 ? "memory" :
		    "pods";
		*cause = yt_errorf(yt_get(n, what) ? yt_get(n, what) : n, "node pool '%s': "
		    "%s must be positive", p->name, what);
		goto out;
	}
	/* allocatable = capacity - reserved, then as given. */
	k8s_res_copy(&p->allocatable, &cap);
	const struct yt_node *rn = yt_get(n, "reserved");
	for (size_t i = 0; rn != NULL && rn->kind == YT_MAP && i < rn->n; i++) {
		const char *name = rn->keys[i]->str;
		int64_t r = 0, c = 0;
		k8s_res_get(&res, name, &r);
		k8s_res_get(&cap, name, &c);
		if (r >= c) {
			*cause = yt_errorf(rn->items[i], "node pool '%s': reserved %s must be "
			    "less than the node's capacity", p->name, name);
			goto out;
		}
		k8s_res_set(&p->allocatable, name, c - r);
	}
	p->reserved_cpu_milli = res.cpu_milli;
	p->reserved_memory = res.memory;
	const struct yt_node *an = yt_get(n, "allocatable");
	for (size_t i = 0; an != NULL && an->kind == YT_MAP && i < an->n; i++) {
		const char *name = an->keys[i]->str;
		int64_t a = 0, c = 0;
		k8s_res_get(&alloc, name, &a);
		bool has_cap = k8s_res_get(&cap, name, &c);
		if (has_cap && a > c) {
			*cause = yt_errorf(an->items[i], "node pool '%s': allocatable %s must "
			    "not exceed the node's capacity", p->name, name);
			goto out;
		}
		k8s_res_set(&p->allocatable, name, a);
	}
	rc = 0;
out:
	k8s_res_free(&cap);
	k8s_res_free(&res);
	k8s_res_free(&alloc);
	return rc;
}

/* A cloud region from a zone name: GCE "us-east1-b" and Azure "eastus-1"
 * drop "-b"/"-1", AWS "us-east-1a" drops "a"; otherwise the zone itself. */
static char *
region_of(const char *zone)
{
	size_t n = strlen(zone);
	if (n > 2 && zone[n - 2] == '-')
		return xasprintf("%.*s", (int)(n - 2), zone);
	if (n > 2 && zone[n - 1] >= 'a' && zone[n - 1] <= 'z' && zone[n - 2] >= '0' &&
	    zone[n - 2] <= '9')
		return xasprintf("%.*s", (int)(n - 1), zone);
	return xstrdup(zone);
}

/*
 * The labels every node of the pool carries, as the kubelet sets them
 * (kubernetes.io/os and /arch, their beta. forms; kubelet_node_status.go)
 * and the cloud provider's node controller (instance type and region, with
 * their deprecated forms; k8s.io/cloud-provider node_controller.go), unless
 * the pool's labels give them. Per node, the cluster adds the hostname and
 * zone labels.
 */
static int
pool_labels(const struct yt_node *n, struct scn_pool *p, char **cause)
{
	if (scn_get_strdup(n, "arch", &p->arch, cause) < 0 ||
	    scn_get_strdup(n, "region", &p->region, cause) < 0)
		return -1;
	if (p->arch == NULL)
		p->arch = xstrdup("amd64");
	if (p->region == NULL)
		p->region = region_of(p->zones[0]);
	const char *it = p->instance_type ? p->instance_type : p->name;
	const char *const set[][2] = {
		{ "kubernetes.io/os", "linux" }, { "beta.kubernetes.io/os", "linux" },
		{ "kubernetes.io/arch", p->arch }, { "beta.kubernetes.io/arch", p->arch },
		{ "node.kubernetes.io/instance-type", it },
		{ "beta.kubernetes.io/instance-type", it },
		{ "topology.kubernetes.io/region", p->region },
		{ "failure-domain.beta.kubernetes.io/region", p->region },
	};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (k8s_labels_get(&p->labels, set[i][0]) == NULL)
			k8s_labels_set(&p->labels, set[i][0], set[i][1]);
	return 0;
}

int
scn_pool(const struct yt_node *n, struct scenario *s, struct scn_pool *p,
    struct ks_strmap *names, char **cause)
{
	if (yt_check_keys(n, "node pool", pool_keys, cause) < 0 ||
	    scn_get_strdup(n, "name", &p->name, cause) < 0 ||
	    scn_get_strdup(n, "instanceType", &p->instance_type, cause) < 0)
		return -1;
	if (p->name == NULL || p->name[0] == '\0') {
		*cause = yt_errorf(n, "a node pool needs a name");
		return -1;
	}
	/* hashed: 10^5 pools in linear time */
	if (ks_strmap_get(names, p->name, NULL)) {
		*cause = yt_errorf(yt_get(n, "name"), "duplicate node pool name '%s'", p->name);
		return -1;
	}
	ks_strmap_put(names, p->name, (int64_t)s->npools - 1);
	if (pool_resources(n, p, cause) < 0)
		return -1;
	int64_t v;
	if (yt_get_double(n, "pricePerHour", 0, &p->price_hour, cause) < 0)
		return -1;
	if (p->price_hour < 0) {
		*cause = yt_errorf(yt_get(n, "pricePerHour"), "pricePerHour must not be "
		    "negative");
		return -1;
	}
	if (scn_get_int(n, "count", 0, 0, INT32_MAX, &v, cause) < 0)
		return -1;
	p->count = (int32_t)v;
	if (scn_get_int(n, "min", p->count, 0, INT32_MAX, &v, cause) < 0)
		return -1;
	p->min = (int32_t)v;
	if (scn_get_int(n, "max", p->count > p->min ? p->count : p->min, 0, INT32_MAX,
	    &v, cause) < 0)
		return -1;
	p->max = (int32_t)v;
	if (p->min > p->max) {
		/* min left out defaults to count: then max is the value at fault */
		const struct yt_node *mn = yt_get(n, "min");
		*cause = mn != NULL ? yt_errorf(mn, "node pool '%s': min (%d) must not "
		    "exceed max (%d)", p->name, (int)p->min, (int)p->max) :
		    yt_errorf(yt_get(n, "max"), "node pool '%s': max (%d) must not be below "
		    "count (%d)", p->name, (int)p->max, (int)p->count);
		return -1;
	}
	if (p->count < p->min || p->count > p->max) {
		*cause = yt_errorf(yt_get(n, "count"), "node pool '%s': count (%d) must be "
		    "between min (%d) and max (%d)", p->name, (int)p->count, (int)p->min,
		    (int)p->max);
		return -1;
	}
	const struct yt_node *z = yt_get(n, "zones");
	if (scn_strlist(z, "zones", &p->zones, &p->nzones, cause) < 0)
		return -1;
	if (p->nzones == 0) {
		scn_strlist_free(p->zones, 0);
		p->zones = xcalloc(1, sizeof *p->zones);
		p->zones[0] = xstrdup("zone-a");
		p->nzones = 1;
	}
	struct ks_strmap seen;		/* hashed: 10^5 zones in linear time */
	ks_strmap_init(&seen);
	for (size_t i = 0; i < p->nzones; i++) {
		if (ks_strmap_get(&seen, p->zones[i], NULL)) {
			*cause = yt_errorf(z, "node pool '%s': duplicate zone '%s'",
			    p->name, p->zones[i]);
			ks_strmap_fini(&seen);
			return -1;
		}
		ks_strmap_put(&seen, p->zones[i], 0);
	}
	ks_strmap_fini(&seen);
	/*
	 * Provisioning delay of a new node (VM boot, kubelet registration, CNI
	 * ready). Cloud dependent; the Cluster Autoscaler FAQ puts CA's own
	 * reaction within 30-60s and leaves node creation to the provider. The
	 * default, a lognormal with a median of 90s and sigma 0.3 (p99 ~ 3 min),
	 * is an assumption to override per pool.
	 */
	struct sim_dist dprov = sim_dist_lognormal(90.0, 0.3);
	if (scn_get_dist(n, "provisioningDelay", &dprov, &p->provision, cause) < 0 ||
	    scn_labels(yt_get(n, "labels"), "labels", &p->labels, cause) < 0 ||
	    scn_taints(yt_get(n, "taints"), &p->taints, &p->ntaints, cause) < 0 ||
	    pool_labels(n, p, cause) < 0)
		return -1;
	const struct yt_node *f = yt_get(n, "failures");
	if (f != NULL && !yt_is_null(f)) {
		if (yt_check_keys(f, "node pool failures", pool_failure_keys, cause) < 0)
			return -1;
		if (yt_get(f, "timeToFailure") == NULL || yt_get(f, "repair") == NULL) {
			*cause = yt_errorf(f, "node pool failures need timeToFailure and repair");
			return -1;
		}
		if (scn_dist_node(yt_get(f, "timeToFailure"), &p->time_to_failure, cause) < 0 ||
		    scn_dist_node(yt_get(f, "repair"), &p->repair, cause) < 0)
			return -1;
		p->has_failures = true;
	}
	/* spot: true marks the pool's nodes as spot capacity (reclaimable by
	 * the spotReclaim action; pricePerHour is then the spot price) with
	 * Karpenter's well-known capacity-type label, unless labels set it. */
	if (yt_get_bool(n, "spot", false, &p->spot, cause) < 0)
		return -1;
	if (p->spot && k8s_labels_get(&p->labels, "karpenter.sh/capacity-type") == NULL)
		k8s_labels_set(&p->labels, "karpenter.sh/capacity-type", "spot");
	return 0;
}

void
scn_pool_free(struct scn_pool *p)
{
	free(p->name);
	free(p->arch);
	free(p->region);
	k8s_res_free(&p->allocatable);
	free(p->instance_type);
	scn_strlist_free(p->zones, p->nzones);
	k8s_labels_free(&p->labels);
	for (size_t i = 0; i < p->ntaints; i++) {
		free(p->taints[i].key);
		free(p->taints[i].value);
	}
	free(p->taints);
}

