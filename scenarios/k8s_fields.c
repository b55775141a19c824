/*
 * k8s_fields.c - the field names Kubernetes defines for each object kubesim
 * reads (from the v1.33 API reference: core/v1, apps/v1, autoscaling/v2,
 * policy/v1, scheduling.k8s.io/v1). A name in a manifest that is not here is a
 * typo, reported with the nearest valid name as kubectl's field validation
 * does; a name that is here but not simulated is accepted and ignored.
 */
#include "config.h"

#include <stddef.h>

#include "scenarios/manifest.h"

const char *const scn_f_object[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL,
};
const char *const scn_f_list[] = {
	"apiVersion", "kind", "metadata", "items", NULL,
};
const char *const scn_f_priority_class[] = {
	"apiVersion", "kind", "metadata", "value", "globalDefault",
	"description", "preemptionPolicy", NULL,
};
const char *const scn_f_object_meta[] = {
	"name", "generateName", "namespace", "selfLink", "uid",
	"resourceVersion", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "labels",
	"annotations", "ownerReferences", "finalizers", "managedFields", NULL,
};

/* ---- apps/v1 Deployment ------------------------------------------------- */
const char *const scn_f_deployment_spec[] = {
	"replicas", "selector", "template", "strategy", "minReadySeconds",
	"revisionHistoryLimit", "paused", "progressDeadlineSeconds", NULL,
};
const char *const scn_f_strategy[] = { "type", "rollingUpdate", NULL };
const char *const scn_f_rolling_update[] = { "maxUnavailable", "maxSurge", NULL };
const char *const scn_f_label_selector[] = { "matchLabels", "matchExpressions", NULL };
const char *const scn_f_selector_req[] = { "key", "operator", "values", NULL };
const char *const scn_f_pod_template[] = { "metadata", "spec", NULL };

/* ---- core/v1 PodSpec and Container ------------------------------------- */
const char *const scn_f_pod_spec[] = {
	"volumes", "initContainers", "containers", "ephemeralContainers",
	"restartPolicy", "terminationGracePeriodSeconds",
	"activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
	"serviceAccountName", "serviceAccount", "automountServiceAccountToken",
	"nodeName", "hostNetwork", "hostPID", "hostIPC",
	"shareProcessNamespace", "securityContext", "imagePullSecrets",
	"hostname", "subdomain", "affinity", "schedulerName", "tolerations",
	"hostAliases", "priorityClassName", "priority", "dnsConfig",
	"readinessGates", "runtimeClassName", "enableServiceLinks",
	"preemptionPolicy", "overhead", "topologySpreadConstraints",
	"setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
	"resourceClaims", "resources", "hostnameOverride", NULL,
};
const char *const scn_f_container[] = {
	"name", "image", "command", "args", "workingDir", "ports", "envFrom",
	"env", "resources", "resizePolicy", "restartPolicy",
	"restartPolicyRules", "volumeMounts", "volumeDevices",
	"livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
	"terminationMessagePath", "terminationMessagePolicy",
	"imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
	"targetContainerName", NULL,
};
const char *const scn_f_container_port[] = {
	"name", "hostPort", "containerPort", "protocol", "hostIP", NULL,
};
const char *const scn_f_resources[] = { "limits", "requests", "claims", NULL };
const char *const scn_f_probe[] = {
	"exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds",
	"timeoutSeconds", "periodSeconds", "successThreshold",
	"failureThreshold", "terminationGracePeriodSeconds", NULL,
};
const char *const scn_f_toleration[] = {
	"key", "operator", "value", "effect", "tolerationSeconds", NULL,
};
const char *const scn_f_affinity[] = {
	"nodeAffinity", "podAffinity", "podAntiAffinity", NULL,
};
const char *const scn_f_node_affinity[] = {
	"requiredDuringSchedulingIgnoredDuringExecution",
	"preferredDuringSchedulingIgnoredDuringExecution", NULL,
};
const char *const scn_f_node_selector[] = { "nodeSelectorTerms", NULL };
const char *const scn_f_node_selector_term[] = {
	"matchExpressions", "matchFields", NULL,
};
const char *const scn_f_preferred_term[] = { "weight", "preference", NULL };
const char *const scn_f_pod_affinity[] = {
	"requiredDuringSchedulingIgnoredDuringExecution",
	"preferredDuringSchedulingIgnoredDuringExecution", NULL,
};
const char *const scn_f_pod_affinity_term[] = {
	"labelSelector", "namespaces", "topologyKey", "namespaceSelector",
	"matchLabelKeys", "mismatchLabelKeys", NULL,
};
const char *const scn_f_weighted_pod_term[] = { "weight", "podAffinityTerm", NULL };
const char *const scn_f_spread[] = {
	"maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector",
	"minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy",
	"matchLabelKeys", NULL,
};

/* ---- core/v1 Service ----------------------------------------------------- */
const char *const scn_f_service_spec[] = {
	"ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs",
	"sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges",
	"externalName", "externalTrafficPolicy", "healthCheckNodePort",
	"publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
	"ipFamilyPolicy", "allocateLoadBalancerNodePorts",
	"loadBalancerClass", "internalTrafficPolicy", "trafficDistribution",
	NULL,
};
const char *const scn_f_service_port[] = {
	"name", "protocol", "appProtocol", "port", "targetPort", "nodePort", NULL,
};

/* ---- autoscaling/v2 HorizontalPodAutoscaler --------------------------- */
/* autoscaling/v1 HorizontalPodAutoscalerSpec. */
const char *const scn_f_hpa_v1_spec[] = {
	"scaleTargetRef", "minReplicas", "maxReplicas",
	"targetCPUUtilizationPercentage", NULL,
};
const char *const scn_f_hpa_spec[] = {
	"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior", NULL,
};
const char *const scn_f_cross_ref[] = { "kind", "name", "apiVersion", NULL };
const char *const scn_f_metric_spec[] = {
	"type", "object", "pods", "resource", "containerResource", "external", NULL,
};
const char *const scn_f_resource_metric[] = { "name", "target", NULL };
const char *const scn_f_container_resource_metric[] = {
	"name", "target", "container", NULL,
};
const char *const scn_f_pods_metric[] = { "metric", "target", NULL };
const char *const scn_f_object_metric[] = {
	"describedObject", "target", "metric", NULL,
};
const char *const scn_f_external_metric[] = { "metric", "target", NULL };
const char *const scn_f_metric_id[] = { "name", "selector", NULL };
const char *const scn_f_metric_target[] = {
	"type", "value", "averageValue", "averageUtilization", NULL,
};
const char *const scn_f_behavior[] = { "scaleUp", "scaleDown", NULL };
const char *const scn_f_scaling_rules[] = {
	"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance", NULL,
};
const char *const scn_f_scaling_policy[] = { "type", "value", "periodSeconds", NULL };

/* ---- policy/v1 PodDisruptionBudget -------------------------------------- */
const char *const scn_f_pdb_spec[] = {
	"minAvailable", "selector", "maxUnavailable",
	"unhealthyPodEvictionPolicy", NULL,
};

/* ---- core/v1 Node -------------------------------------------------------- */
const char *const scn_f_node_spec[] = {
	"podCIDR", "podCIDRs", "providerID", "unschedulable", "taints",
	"configSource", "externalID", NULL,
};
const char *const scn_f_taint[] = { "key", "value", "effect", "timeAdded", NULL };
const char *const scn_f_node_status[] = {
	"capacity", "allocatable", "phase", "conditions", "addresses",
	"daemonEndpoints", "nodeInfo", "images", "volumesInUse",
	"volumesAttached", "config", "runtimeHandlers", "features", NULL,
};
const char *const scn_f_container_image[] = { "names", "sizeBytes", NULL };

/*
 * Kinds Kubernetes defines that kubesim reads no further than their name:
 * they are skipped with a note. A kind that is neither here nor simulated but
 * is within edit distance of one of these or of a simulated kind is reported
 * as a typo; anything else (a custom resource) is skipped with a note.
 */
const char *const scn_kinds_not_simulated[] = {
	"ServiceAccount", "ConfigMap", "Secret", "NetworkPolicy", "Namespace",
	"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Ingress",
	"IngressClass", "PersistentVolume", "PersistentVolumeClaim",
	"StorageClass", "CustomResourceDefinition", "LimitRange",
	"ResourceQuota", "Endpoints", "EndpointSlice", "Event", "Lease",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
	"APIService", "CertificateSigningRequest", "RuntimeClass",
	"CSIDriver", "CSINode", "VolumeAttachment", "PodTemplate",
	"ControllerRevision", "ReplicationController", NULL,
};
/* Workload kinds kubesim will simulate later: skipped with "yet". */
const char *const scn_kinds_not_yet[] = {
	"ReplicaSet", NULL,
};
const char *const scn_kinds_simulated[] = {
	"Deployment", "Service", "HorizontalPodAutoscaler", "VerticalPodAutoscaler",
	"PodDisruptionBudget", "PriorityClass", "Node", "Pod", "List",
	"StatefulSet", "DaemonSet", "Job", "CronJob", NULL,
};
