/*
 * fuzz_manifest.c - libFuzzer target: Kubernetes manifests and cluster
 * dumps. The input is read three ways: as a manifest file of a small
 * scenario (Deployments, Services, HPAs, PDBs, ... through scn_load), as a
 * `kubectl get -o yaml` dump for `kubesim schedule` (scn_cluster_add_string)
 * and as the pod file of `schedule` (scn_pod_file_load).
 */
#include "config.h"

#include "models/api/k8s.h"
#include "scenarios/cluster_state.h"
#include "scenarios/scenario.h"
#include "tests/fuzz/fuzz.h"

static const char scenario[] =
    "nodePools: [{name: default, cpu: \"4\", memory: 8Gi, count: 2}]\n"
    "manifests: [manifest.yaml]\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cause = NULL;
	fuzz_write("manifest.yaml", data, size);
	const char *sp = fuzz_write("with-manifest.yaml", (const uint8_t *)scenario,
	    sizeof scenario - 1);
	struct scenario *s = NULL;
	if (scn_load(sp, NULL, 0, &s, &cause) == 0)
		scn_free(s);
	else if (cause == NULL)
		abort();
	free(cause);
	cause = NULL;

	char *text = fuzz_str(data, size);
	struct scn_cluster *c = scn_cluster_new();
	if (scn_cluster_add_string(c, "dump.yaml", text, &cause) < 0 && cause == NULL)
		abort();
	scn_cluster_free(c);
	free(text);
	free(cause);
	cause = NULL;

	struct k8s_pod_spec pod;
	struct k8s_selector owner;
	memset(&pod, 0, sizeof pod);
	memset(&owner, 0, sizeof owner);
	const char *pp = fuzz_write("manifest.yaml", data, size);
	if (scn_pod_file_load(pp, &pod, &owner, &cause) < 0 && cause == NULL)
		abort();
	k8s_pod_spec_free(&pod);
	k8s_selector_free(&owner);
	free(cause);
	return 0;
}
