/*
 * api_versions.c - which apiVersion serves which kind, as a Kubernetes 1.34
 * API server has them: the versions served per built-in kind, the versions
 * removed (with the release that removed them and the version to use, from
 * the upstream deprecated API migration guide), and the built-in API groups,
 * so that an object is dispatched, skipped as a custom resource, refused as
 * the API server refuses a removed version (a warning with file:line:column
 * and the version to use; the other objects are created), or an error.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "sim/util/util.h"

/* Kinds a 1.34 API server serves, with their versions (most preferred first)
 * and what kubesim does with them. */
static const struct {
	const char		*kind;
	const char		*api[3];
	enum scn_kind_status	 status;
} served[] = {
	{ "Deployment", { "apps/v1" }, SCN_KIND_SIMULATED },
	{ "Service", { "v1" }, SCN_KIND_SIMULATED },
	{ "HorizontalPodAutoscaler", { "autoscaling/v2", "autoscaling/v1" }, SCN_KIND_SIMULATED },
	{ "VerticalPodAutoscaler", { "autoscaling.k8s.io/v1" }, SCN_KIND_SIMULATED },
	{ "PodDisruptionBudget", { "policy/v1" }, SCN_KIND_SIMULATED },
	{ "PriorityClass", { "scheduling.k8s.io/v1" }, SCN_KIND_SIMULATED },
	{ "Node", { "v1" }, SCN_KIND_SIMULATED },
	{ "Pod", { "v1" }, SCN_KIND_SIMULATED },
	{ "StatefulSet", { "apps/v1" }, SCN_KIND_SIMULATED },
	{ "DaemonSet", { "apps/v1" }, SCN_KIND_SIMULATED },
	{ "ReplicaSet", { "apps/v1" }, SCN_KIND_NOT_YET },
	{ "Job", { "batch/v1" }, SCN_KIND_SIMULATED },
	{ "CronJob", { "batch/v1" }, SCN_KIND_SIMULATED },
	{ "ServiceAccount", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ConfigMap", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Secret", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Namespace", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "PersistentVolume", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "PersistentVolumeClaim", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "LimitRange", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ResourceQuota", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Endpoints", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Event", { "v1", "events.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "PodTemplate", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ReplicationController", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ControllerRevision", { "apps/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "NetworkPolicy", { "networking.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Ingress", { "networking.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "IngressClass", { "networking.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ServiceCIDR", { "networking.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "IPAddress", { "networking.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Role", { "rbac.authorization.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "RoleBinding", { "rbac.authorization.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ClusterRole", { "rbac.authorization.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ClusterRoleBinding", { "rbac.authorization.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "StorageClass", { "storage.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "CSIDriver", { "storage.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "CSINode", { "storage.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "CSIStorageCapacity", { "storage.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "VolumeAttachment", { "storage.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "VolumeAttributesClass", { "storage.k8s.io/v1", "storage.k8s.io/v1beta1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "CustomResourceDefinition", { "apiextensions.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "MutatingWebhookConfiguration", { "admissionregistration.k8s.io/v1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "ValidatingWebhookConfiguration", { "admissionregistration.k8s.io/v1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "ValidatingAdmissionPolicy", { "admissionregistration.k8s.io/v1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "ValidatingAdmissionPolicyBinding", { "admissionregistration.k8s.io/v1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "APIService", { "apiregistration.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "CertificateSigningRequest", { "certificates.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "Lease", { "coordination.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "EndpointSlice", { "discovery.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "RuntimeClass", { "node.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "FlowSchema", { "flowcontrol.apiserver.k8s.io/v1" }, SCN_KIND_NOT_SIMULATED },
	{ "PriorityLevelConfiguration", { "flowcontrol.apiserver.k8s.io/v1" },
	    SCN_KIND_NOT_SIMULATED },
	{ "DeviceClass", { "resource.k8s.io/v1", "resource.k8s.io/v1beta2",
	    "resource.k8s.io/v1beta1" }, SCN_KIND_NOT_SIMULATED },
	{ "ResourceClaim", { "resource.k8s.io/v1", "resource.k8s.io/v1beta2",
	    "resource.k8s.io/v1beta1" }, SCN_KIND_NOT_SIMULATED },
	{ "ResourceClaimTemplate", { "resource.k8s.io/v1", "resource.k8s.io/v1beta2",
	    "resource.k8s.io/v1beta1" }, SCN_KIND_NOT_SIMULATED },
	{ "ResourceSlice", { "resource.k8s.io/v1", "resource.k8s.io/v1beta2",
	    "resource.k8s.io/v1beta1" }, SCN_KIND_NOT_SIMULATED },
	{ "Binding", { "v1" }, SCN_KIND_NOT_SIMULATED },
	{ "ComponentStatus", { "v1" }, SCN_KIND_NOT_SIMULATED },
};

/*
 * Versions no longer served (kubernetes.io/docs/reference/using-api/
 * deprecation-guide). kind NULL: every kind of that version; use NULL: no
 * replacement (the API was removed altogether).
 */
static const struct {
	const char	*api;
	const char	*kind;
	const char	*release;
	const char	*use;
} removed[] = {
	{ "extensions/v1beta1", "Deployment", "1.16", "apps/v1" },
	{ "extensions/v1beta1", "DaemonSet", "1.16", "apps/v1" },
	{ "extensions/v1beta1", "ReplicaSet", "1.16", "apps/v1" },
	{ "extensions/v1beta1", "NetworkPolicy", "1.16", "networking.k8s.io/v1" },
	{ "extensions/v1beta1", "PodSecurityPolicy", "1.16", NULL },
	{ "extensions/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1" },
	{ "extensions/v1beta1", NULL, "1.22", NULL },
	{ "apps/v1beta1", NULL, "1.16", "apps/v1" },
	{ "apps/v1beta2", NULL, "1.16", "apps/v1" },
	{ "networking.k8s.io/v1beta1", NULL, "1.22", "networking.k8s.io/v1" },
	{ "admissionregistration.k8s.io/v1beta1", NULL, "1.22",
	    "admissionregistration.k8s.io/v1" },
	{ "apiextensions.k8s.io/v1beta1", NULL, "1.22", "apiextensions.k8s.io/v1" },
	{ "apiregistration.k8s.io/v1beta1", NULL, "1.22", "apiregistration.k8s.io/v1" },
	{ "authentication.k8s.io/v1beta1", NULL, "1.22", "authentication.k8s.io/v1" },
	{ "authorization.k8s.io/v1beta1", NULL, "1.22", "authorization.k8s.io/v1" },
	{ "certificates.k8s.io/v1beta1", NULL, "1.22", "certificates.k8s.io/v1" },
	{ "coordination.k8s.io/v1beta1", NULL, "1.22", "coordination.k8s.io/v1" },
	{ "rbac.authorization.k8s.io/v1beta1", NULL, "1.22", "rbac.authorization.k8s.io/v1" },
	{ "scheduling.k8s.io/v1beta1", NULL, "1.22", "scheduling.k8s.io/v1" },
	{ "scheduling.k8s.io/v1alpha1", NULL, "1.22", "scheduling.k8s.io/v1" },
	{ "storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", "storage.k8s.io/v1" },
	{ "storage.k8s.io/v1beta1", "CSIDriver", "1.22", "storage.k8s.io/v1" },
	{ "storage.k8s.io/v1beta1", "CSINode", "1.22", "storage.k8s.io/v1" },
	{ "storage.k8s.io/v1beta1", "StorageClass", "1.22", "storage.k8s.io/v1" },
	{ "storage.k8s.io/v1beta1", "VolumeAttachment", "1.22", "storage.k8s.io/v1" },
	{ "batch/v1beta1", NULL, "1.25", "batch/v1" },
	{ "batch/v2alpha1", NULL, "1.21", "batch/v1" },
	{ "discovery.k8s.io/v1beta1", NULL, "1.25", "discovery.k8s.io/v1" },
	{ "events.k8s.io/v1beta1", NULL, "1.25", "events.k8s.io/v1" },
	{ "autoscaling/v2beta1", NULL, "1.25", "autoscaling/v2" },
	{ "autoscaling/v2beta2", NULL, "1.26", "autoscaling/v2" },
	{ "policy/v1beta1", "PodSecurityPolicy", "1.25", NULL },
	{ "policy/v1beta1", NULL, "1.25", "policy/v1" },
	{ "node.k8s.io/v1beta1", NULL, "1.25", "node.k8s.io/v1" },
	{ "flowcontrol.apiserver.k8s.io/v1beta1", NULL, "1.26", "flowcontrol.apiserver.k8s.io/v1" },
	{ "flowcontrol.apiserver.k8s.io/v1beta2", NULL, "1.29", "flowcontrol.apiserver.k8s.io/v1" },
	{ "flowcontrol.apiserver.k8s.io/v1beta3", NULL, "1.32", "flowcontrol.apiserver.k8s.io/v1" },
};

/* API groups the API server itself serves (no CRD can claim them). */
static const char *const builtin_groups[] = {
	"", "apps", "batch", "autoscaling", "policy", "extensions",
	"networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io",
	"apiextensions.k8s.io", "admissionregistration.k8s.io",
	"apiregistration.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
	"certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
	"events.k8s.io", "node.k8s.io", "scheduling.k8s.io",
	"flowcontrol.apiserver.k8s.io", "resource.k8s.io", "internal.apiserver.k8s.io",
	"storagemigration.k8s.io", NULL,
};

/* The group of an apiVersion: "" for "v1", "apps" for "apps/v1". */
static void
group_of(const char *api, char *buf, size_t size)
{
	const char *slash = strrchr(api, '/');
	size_t n = slash ? (size_t)(slash - api) : 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, api, n);
	buf[n] = '\0';
}

static bool
builtin_group(const char *group)
{
	for (size_t i = 0; builtin_groups[i] != NULL; i++)
		if (strcmp(builtin_groups[i], group) == 0)
			return true;
	return false;
}

/* The served versions of kind as "a or b". */
static void
versions_of(size_t k, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t j = 0; j < 3 && served[k].api[j] != NULL; j++) {
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", j ? " or " : "", served[k].api[j]);
	}
}

int
scn_api_check(const struct yt_node *obj, const char *api, const char *kind,
    enum scn_kind_status *status, char **cause)
{
	const struct yt_node *an = yt_get(obj, "apiVersion");
	const struct yt_node *kn = yt_get(obj, "kind");
	for (size_t i = 0; i < sizeof removed / sizeof removed[0]; i++) {
		if (strcmp(removed[i].api, api) != 0 ||
		    (removed[i].kind != NULL && strcmp(removed[i].kind, kind) != 0))
			continue;
		const char *use = removed[i].use;
		/* Point a kind the table does not name to where it lives now. */
		for (size_t k = 0; removed[i].kind == NULL && k < sizeof served /
		    sizeof served[0]; k++)
			if (strcmp(served[k].kind, kind) == 0)
				use = served[k].api[0];
		*cause = use ? yt_errorf(an, "apiVersion '%s' of %s was removed in "
		    "Kubernetes %s: use %s", api, kind, removed[i].release, use) :
		    yt_errorf(an, "apiVersion '%s' of %s was removed in Kubernetes %s "
		    "without a replacement", api, kind, removed[i].release);
		*status = SCN_KIND_REMOVED;
		return 0;
	}
	char group[256];
	group_of(api, group, sizeof group);
	bool builtin = builtin_group(group);
	for (size_t k = 0; k < sizeof served / sizeof served[0]; k++) {
		if (strcmp(served[k].kind, kind) != 0)
			continue;
		for (size_t j = 0; j < 3 && served[k].api[j] != NULL; j++) {
			if (strcmp(served[k].api[j], api) == 0) {
				*status = served[k].status;
				return 0;
			}
		}
		char want[200];
		versions_of(k, want, sizeof want);
		char own[256];
		group_of(served[k].api[0], own, sizeof own);
		if (builtin || strcmp(own, group) == 0) {
			*cause = yt_errorf(an, "apiVersion '%s' does not serve %s in "
			    "Kubernetes 1.34 (expected %s)", api, kind, want);
			return -1;
		}
		break;	/* a custom resource that reuses a built-in kind's name */
	}
	/* A near miss of a kind kubesim knows is a typo. */
	const char *names[sizeof served / sizeof served[0] + 1];
	for (size_t k = 0; k < sizeof served / sizeof served[0]; k++)
		names[k] = served[k].kind;
	names[sizeof served / sizeof served[0]] = NULL;
	bool known = false;
	for (size_t k = 0; names[k] != NULL; k++)
		known |= strcmp(names[k], kind) == 0;
	const char *near = known ? NULL : ks_nearest(kind, names);
	if (near != NULL) {
		*cause = yt_errorf(kn, "unknown kind '%s' (did you mean '%s'?)", kind, near);
		return -1;
	}
	if (builtin) {
		*cause = yt_errorf(kn, "unknown kind '%s' for apiVersion '%s' (Kubernetes "
		    "1.34 serves no such kind in %s)", kind, api, group[0] ? group :
		    "the core group");
		return -1;
	}
	*status = SCN_KIND_CUSTOM;
	return 0;
}
