/*
 * test_scn_realworld.c - what real clusters' manifests need of scn_load:
 * autoscaling/v1 HPAs converted as the API server converts them, removed and
 * unserved apiVersions refused, Services of one name in two namespaces kept
 * apart, manifests from a directory and a glob, pool nodes' kubelet labels
 * and any resource, and the warnings validate prints. Bad inputs with their
 * exact messages.
 */
#include "config.h"

#include <stdint.h>

#include "scenarios/scenario.h"
#include "tests/testlib.h"

#define GI (1024LL * 1024 * 1024)

static const char *
rel(const char *msg)
{
	static char buf[2][2048];
	static int k;
	const char *top = tl_src("");
	size_t n = strlen(top), o = 0;
	k = (k + 1) % 2;
	while (*msg != '\0' && o + 1 < sizeof buf[k]) {
		if (strncmp(msg, top, n) == 0)
			msg += n;
		else
			buf[k][o++] = *msg++;
	}
	buf[k][o] = '\0';
	return buf[k];
}

static const struct hpa_spec *
hpa_in(const struct scenario *s, const char *ns)
{
	for (size_t i = 0; i < s->nhpas; i++)
		if (strcmp(s->hpas[i].namespace, ns) == 0)
			return &s->hpas[i];
	FAILF("no HPA in namespace %s", ns);
	return NULL;
}

static void
check_v1_hpa(const struct hpa_spec *h, int32_t min, int32_t max, int32_t util)
{
	if (h == NULL)
		return;
	CHECK_STR(h->target_name, "web");
	CHECK_INT(h->min_replicas, min);
	CHECK_INT(h->max_replicas, max);
	CHECK(!h->has_behavior);
	CHECK_INT(h->nmetrics, 1);
	if (h->nmetrics != 1)
		return;
	CHECK_INT(h->metrics[0].type, HPA_RESOURCE);
	CHECK_STR(h->metrics[0].resource, "cpu");
	CHECK_INT(h->metrics[0].target, HPA_UTILIZATION);
	CHECK_INT(h->metrics[0].average_utilization, util);
}

static void
check_pools(const struct scenario *s)
{
	CHECK_INT(s->npools, 2);
	if (s->npools != 2)
		return;
	const struct scn_pool *cpu = &s->pools[0], *gpu = &s->pools[1];
	static const char *const want[][2] = {
		{ "kubernetes.io/os", "linux" }, { "beta.kubernetes.io/os", "linux" },
		{ "kubernetes.io/arch", "amd64" }, { "beta.kubernetes.io/arch", "amd64" },
		{ "node.kubernetes.io/instance-type", "n2-standard-8" },
		{ "beta.kubernetes.io/instance-type", "n2-standard-8" },
		{ "topology.kubernetes.io/region", "us-east1" },
		{ "failure-domain.beta.kubernetes.io/region", "us-east1" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *v = k8s_labels_get(&cpu->labels, want[i][0]);
		CHECK_STR(v ? v : "(none)", want[i][1]);
	}
	CHECK_STR(k8s_labels_get(&gpu->labels, "kubernetes.io/arch"), "arm64");
	CHECK_STR(k8s_labels_get(&gpu->labels, "topology.kubernetes.io/region"),
	    "europe-west4");
	/* Defaults: pods 110, ephemeral-storage 100Gi; no GPU. */
	int64_t v = -1;
	CHECK(k8s_res_get(&cpu->allocatable, "pods", &v) && v == 110);
	CHECK(k8s_res_get(&cpu->allocatable, "ephemeral-storage", &v) && v == 100 * GI);
	CHECK(!k8s_res_get(&cpu->allocatable, "nvidia.com/gpu", NULL));
	/* capacity - reserved, allocatable as given. */
	CHECK_INT(gpu->allocatable.cpu_milli, 7900);
	CHECK_INT(gpu->allocatable.memory, 32 * GI);
	CHECK_INT(gpu->allocatable.ephemeral, 190 * GI);
	CHECK_INT(gpu->allocatable.pods, 64);
	CHECK(k8s_res_get(&gpu->allocatable, "nvidia.com/gpu", &v) && v == 1);
	CHECK(k8s_res_get(&gpu->allocatable, "hugepages-2Mi", &v) && v == GI);
	CHECK_INT(gpu->cpu_milli, 8000);
	CHECK_INT(gpu->reserved_cpu_milli, 100);
}

static void
test_features(void)
{
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(tl_src("tests/data/scn_realworld.yaml"), NULL, 0, &s, &cause) < 0) {
		FAILF("scn_load: %s", rel(cause));
		free(cause);
		return;
	}
	/* The directory in name order (default.yaml, ml.yaml; README.txt
	 * skipped), then the glob's one match, then the inline StatefulSet. */
	CHECK_INT(s->ndeployments, 5);
	CHECK_INT(s->nservices, 5);
	if (s->ndeployments == 5) {
		CHECK_STR(s->deployments[4].name, "cache");
		CHECK_INT(s->deployments[4].kind, K8S_KIND_STATEFULSET);
		CHECK_STR(s->deployments[0].name, "web");
		CHECK_STR(s->deployments[0].namespace, "default");
		CHECK_STR(s->deployments[1].name, "trainer");
		CHECK_STR(s->deployments[3].name, "web");
		CHECK_STR(s->deployments[3].namespace, "shop");
	}
	CHECK_INT(s->nhpas, 2);
	check_v1_hpa(hpa_in(s, "shop"), 1, 5, 50);
	check_v1_hpa(hpa_in(s, "default"), 2, 4, 80);	/* DefaultCPUUtilization */
	/* Profiles keep the qualified name; a call is resolved the same way. */
	CHECK_INT(s->nprofiles, 5);
	if (s->nprofiles == 5) {
		CHECK_STR(s->profiles[0].service, "web");
		CHECK_STR(s->profiles[1].service, "shop/web");
		CHECK_STR(s->profiles[2].service, "ml/gpu");
		CHECK_STR(s->profiles[3].service, "orphan");
		CHECK_INT(s->profiles[0].mesh.ncalls, 1);
		if (s->profiles[0].mesh.ncalls == 1)
			CHECK_STR(s->profiles[0].mesh.calls[0].service, "shop/web");
	}
	check_pools(s);
	static const char *const warnings[] = {
		"tests/data/scn_realworld.yaml:39:5: ignored ConfigMap/settings: kind not "
		"simulated",
		"tests/data/scn_realworld.yaml:42:5: ignored Service/hello: custom resource "
		"not simulated",
		"tests/data/scn_realworld.yaml:65:11: Service 'orphan' gets traffic but "
		"selects no simulated pods (no Deployment of its namespace matches its "
		"selector): every request to it will fail",
		"tests/data/scn_dir/ml.yaml:19:18: Deployment 'ml/greedy': its pods fit no "
		"node pool and will stay Pending (pool 'cpu': Insufficient nvidia.com/gpu; "
		"pool 'gpu': Insufficient nvidia.com/gpu)",
	};
	CHECK_INT(s->nwarnings, sizeof warnings / sizeof warnings[0]);
	for (size_t i = 0; i < s->nwarnings && i < sizeof warnings / sizeof warnings[0]; i++)
		CHECK_STR(rel(s->warnings[i]), warnings[i]);
	scn_free(s);
}

/* Overrides that turn the features scenario's warnings on and off. */
static void
test_warnings(void)
{
	static const struct {
		struct scn_override	ov;
		const char		*want;	/* the last warning */
	} cases[] = {
		/* Without the GPU pool the trainer fits nowhere: its nodeSelector
		 * wants arm64 and it requests a GPU (an explicit 0 overrides what
		 * the instance type would have). */
		{ { "nodePools.gpu.capacity", "{cpu: \"8\", memory: 32Gi, nvidia.com/gpu: 0}" },
		  "tests/data/scn_dir/ml.yaml:3:18: Deployment 'ml/trainer': its pods fit "
		  "no node pool and will stay Pending (pool 'cpu': node(s) didn't match "
		  "Pod's node affinity/selector; pool 'gpu': Insufficient nvidia.com/gpu)" },
		/* A NoSchedule taint nothing tolerates. */
		{ { "nodePools.cpu.taints", "[{key: dedicated, value: gpu, effect: NoSchedule}]" },
		  "tests/data/scn_dir/default.yaml:3:18: Deployment 'web': its pods fit no "
		  "node pool and will stay Pending (pool 'cpu': node(s) had untolerated "
		  "taint(s); pool 'gpu': node(s) didn't match Pod's node affinity/selector)" },
		/* The pool's own label overrides the kubelet's default. */
		{ { "nodePools.cpu.labels", "{kubernetes.io/os: windows}" },
		  "tests/data/scn_dir/default.yaml:3:18: Deployment 'web': its pods fit no "
		  "node pool and will stay Pending (pool 'cpu': node(s) didn't match Pod's "
		  "node affinity/selector; pool 'gpu': node(s) didn't match Pod's node "
		  "affinity/selector)" },
		/* Ephemeral storage beyond the default 100Gi. */
		{ { "nodePools.cpu.capacity", "{ephemeral-storage: 500Mi}" },
		  "tests/data/scn_dir/default.yaml:3:18: Deployment 'web': its pods fit no "
		  "node pool and will stay Pending (pool 'cpu': Insufficient "
		  "ephemeral-storage; pool 'gpu': node(s) didn't match Pod's node "
		  "affinity/selector)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *s = NULL;
		char *cause = NULL;
		if (scn_load(tl_src("tests/data/scn_realworld.yaml"), &cases[i].ov, 1, &s,
		    &cause) < 0) {
			FAILF("--set %s: %s", cases[i].ov.path, rel(cause));
			free(cause);
			continue;
		}
		bool found = false;
		for (size_t k = 0; k < s->nwarnings; k++)
			found |= strcmp(rel(s->warnings[k]), cases[i].want) == 0;
		if (found)
			PASS();
		else {
			FAILF("--set %s: no warning\n   %s\n   among %zu:", cases[i].ov.path,
			    cases[i].want, s->nwarnings);
			for (size_t k = 0; k < s->nwarnings; k++)
				fprintf(stderr, "   %s\n", rel(s->warnings[k]));
		}
		scn_free(s);
	}
}

/*
 * A version that was removed: the API server refuses that object, and
 * `kubectl apply` creates the others (website-misc's batch/v1beta1
 * CronJob). The scenario loads; a warning names the release, the version
 * to use and the object left out, and nothing of it is created.
 */
static const struct {
	const char	*file;
	const char	*want;
} refused[] = {
	{ "removed_cronjob.yaml", "5:17: apiVersion 'batch/v1beta1' of CronJob was removed "
	  "in Kubernetes 1.25: use batch/v1: ignored CronJob/hello: the API server refuses it" },
	{ "removed_pdb.yaml", "5:17: apiVersion 'policy/v1beta1' of PodDisruptionBudget was "
	  "removed in Kubernetes 1.25: use policy/v1: ignored PodDisruptionBudget/web: the API "
	  "server refuses it" },
	{ "removed_hpa_v2beta2.yaml", "5:17: apiVersion 'autoscaling/v2beta2' of "
	  "HorizontalPodAutoscaler was removed in Kubernetes 1.26: use autoscaling/v2: ignored "
	  "HorizontalPodAutoscaler/web: the API server refuses it" },
	{ "removed_apps_v1beta2.yaml", "5:17: apiVersion 'apps/v1beta2' of StatefulSet was "
	  "removed in Kubernetes 1.16: use apps/v1: ignored StatefulSet/db: the API server "
	  "refuses it" },
	{ "bad_api_version.yaml", "5:17: apiVersion 'extensions/v1beta1' of Deployment was "
	  "removed in Kubernetes 1.16: use apps/v1: ignored Deployment/web: the API server "
	  "refuses it" },
};

static void
test_refused(void)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char path[512], want[1024];
		snprintf(path, sizeof path, "tests/data/refused/%s", refused[i].file);
		snprintf(want, sizeof want, "%s:%s", path, refused[i].want);
		struct scenario *s = NULL;
		char *cause = NULL;
		if (scn_load(tl_src(path), NULL, 0, &s, &cause) != 0) {
			FAILF("%s: not loaded: %s", refused[i].file, cause ? cause : "?");
			free(cause);
			continue;
		}
		CHECK_INT(s->nwarnings, 1);
		if (s->nwarnings > 0)
			CHECK_STR(rel(s->warnings[0]), want);
		CHECK_INT(s->ndeployments + s->nhpas + s->npdbs, 0);
		scn_free(s);
	}
}

static const struct {
	const char	*file;
	const char	*want;
} bad_inputs[] = {
	{ "wrong_group_kind.yaml", "5:17: apiVersion 'apps/v1' does not serve Service in "
	  "Kubernetes 1.34 (expected v1)" },
	{ "unknown_builtin_kind.yaml", "6:11: unknown kind 'Workflow' for apiVersion "
	  "'batch/v1' (Kubernetes 1.34 serves no such kind in batch)" },
	{ "unserved_version.yaml", "5:17: apiVersion 'autoscaling/v3' does not serve "
	  "HorizontalPodAutoscaler in Kubernetes 1.34 (expected autoscaling/v2 or "
	  "autoscaling/v1)" },
	{ "hpa_v1_zero_target.yaml", "11:39: targetCPUUtilizationPercentage must be greater "
	  "than or equal to 1, found 0" },
	{ "hpa_v1_metrics.yaml", "11:7: unknown field 'metrics' in HorizontalPodAutoscaler "
	  "spec" },
	{ "bad_glob.yaml", "5:5: manifest pattern 'manifests/no-such-*.yaml' matches no "
	  "file" },
	{ "empty_dir.yaml", "5:5: manifest directory 'notmanifests' holds no .yaml, .yml or "
	  ".json file" },
	{ "ambiguous_service.yaml", "8:11: Service 'web' is in several namespaces and none "
	  "is 'default': write namespace/name (a/web, b/web)" },
	{ "bad_pool_resource.yaml", "7:35: node pool 'gpu': allocatable nvidia.com/gpu must "
	  "not exceed the node's capacity" },
};

static void
test_bad_inputs(void)
{
	for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
		char path[512], want[1024];
		snprintf(path, sizeof path, "tests/bad_input/%s", bad_inputs[i].file);
		snprintf(want, sizeof want, "%s:%s", path, bad_inputs[i].want);
		struct scenario *s = NULL;
		char *cause = NULL;
		if (scn_load(tl_src(path), NULL, 0, &s, &cause) == 0) {
			FAILF("%s: loaded without error", bad_inputs[i].file);
			scn_free(s);
			continue;
		}
		CHECK(s == NULL);
		CHECK_STR(cause ? rel(cause) : "(null)", want);
		free(cause);
	}
}

int
main(void)
{
	test_features();
	test_warnings();
	test_bad_inputs();
	test_refused();
	return tl_finish();
}
