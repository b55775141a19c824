/*
 * manifest.h - private interface of the scenarios layer: Kubernetes objects
 * (Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget,
 * PriorityClass, Node, Pod, List) from YAML nodes into a struct scenario,
 * the field tables of k8s_fields.c, and the typed readers that manifest.c,
 * podspec.c and scenario.c share. Not for use outside scenarios/.
 */
#ifndef KS_SCN_MANIFEST_H
#define KS_SCN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/api/k8s.h"
#include "scenarios/scenario.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"

/* Where each object came from, for duplicate and cross-reference messages.
 * Parallel to the scenario's arrays; "file:line:col" strings, owned here. */
struct scn_mf {
	struct scenario	 *s;
	char		**dep_where;
	char		**svc_where;
	char		**hpa_where;	/* the HPA's scaleTargetRef.name */
	char		**pdb_where;
	char		**pc_where;
	char		**node_where;
	char		**pod_where;
	/* Nodes by name and Pods by namespace and name (index + 1), so that a
	 * dump of 150,000 pods is checked for duplicates in linear time. */
	/* Workloads of kinds not simulated yet (StatefulSet, ...): what their
	 * pods would be labelled, for the warnings of scn_warn.c. */
	struct scn_skipped {
		char			*what;		/* "StatefulSet/zk" */
		char			*namespace;
		struct k8s_labels	 labels;	/* the pod template's */
	}		 *skipped;
	size_t		  nskipped;
	struct ks_strmap  names;	/* "kind\x1fnamespace\x1fname" -> index */
};
void scn_mf_init(struct scn_mf *m, struct scenario *s);
void scn_mf_fini(struct scn_mf *m);
/* Adds one object (a List adds its items). Kinds not simulated add a note to
 * the scenario. -1 with *cause on bad input. */
/* Reads an object's kind and apiVersion: 0 for an object, 1 for a List (its
 * items in *items, NULL when empty), -1 with *cause when malformed. */
int scn_object_head(const struct yt_node *obj, const char **kind, const char **api,
    const struct yt_node **items, char **cause);
int scn_mf_add(struct scn_mf *m, const struct yt_node *obj, char **cause);
/* featureGates: {Name: bool, ...} into *g (defaults kept for absent gates).
 * extra, when not NULL, names more gates the caller reads itself (they are
 * accepted here and left alone). -1 with *cause for an unknown gate or a
 * non-boolean value. */
int scn_feature_gates(const struct yt_node *n, const char *const *extra,
    struct scn_feature_gates *g, char **cause);
/* Cross-object checks once everything is read: HPA targets exist, priority
 * class names resolve (pods get their priority), selectors. */
int scn_mf_finish(struct scn_mf *m, char **cause);
/* The scenario's workloads (s->deployments) by kind, namespace and name, in
 * ix (initialized here; the caller finis it): scn_workload_indexed asks it
 * whether the workload of that kind, namespace and name (its first
 * name_len bytes) is one. */
void scn_workload_index(const struct scenario *s, struct ks_strmap *ix);
bool scn_workload_indexed(const struct ks_strmap *ix, const char *kind, const char *ns,
    const char *name, size_t name_len);

/* ---- references from the scenario file (refs.c) -------------------------- */
/* "name" in the default namespace, "namespace/name" elsewhere: how results
 * and the cluster model name a Service. Caller frees. */
char *scn_qname(const char *ns, const char *name);
/* The Service (service true) or Deployment that ref names: "namespace/name",
 * or a plain name for the default namespace's object of that name, else the
 * only object of that name. -1 with *cause (at at) when none or ambiguous. */
int scn_resolve_ref(const struct scenario *s, const struct yt_node *at, bool service,
    const char *ref, size_t *idx, char **cause);
/* The first Service (service true) or Deployment that ref names as
 * k8s_ref_matches does ("namespace/name", or a plain name in the default
 * namespace), or -1: a hash look-up. */
ptrdiff_t scn_find_ref(const struct scenario *s, bool service, const char *ref);
/* The first Service (service true) or Deployment called name, in any
 * namespace, or -1: a hash look-up. */
ptrdiff_t scn_first_named(const struct scenario *s, bool service, const char *name);
/* A Deployment reference resolved as above to the Deployment's plain name
 * (*out, caller frees), refused when that name is also used in another
 * namespace (the cluster model finds those Deployments by name). */
int scn_resolve_plain(const struct scenario *s, const struct yt_node *at,
    const char *ref, char **out, char **cause);

/* Adds a warning (owned by the scenario from now on). */
void scn_warn(struct scenario *s, char *msg);
/* The checks of scn_warn.c, once the scenario is read; svcs is its
 * services: list (positions), may be NULL. */
void scn_warnings(struct scenario *s, const struct scn_mf *m, const struct yt_node *svcs);

/* What kubesim does with a kind (api_versions.c). */
enum scn_kind_status { SCN_KIND_SIMULATED, SCN_KIND_NOT_YET, SCN_KIND_NOT_SIMULATED,
	SCN_KIND_CUSTOM, SCN_KIND_REMOVED };
/* Checks an object's apiVersion and kind as a Kubernetes 1.34 API server
 * serves them: 0 with *status, or -1 with *cause (file:line:col) for a
 * version that does not serve the kind, or an unknown kind of a built-in
 * group or a near miss of one. A removed version (SCN_KIND_REMOVED) is 0
 * with *cause saying so and naming the one to use: the API server refuses
 * that object and `kubectl apply` creates the others. */
int scn_api_check(const struct yt_node *obj, const char *api, const char *kind,
    enum scn_kind_status *status, char **cause);

/* autoscaling.k8s.io/v1 VerticalPodAutoscaler (autoscaling.c). */
int scn_mf_vpa(struct scn_mf *m, const struct yt_node *obj, char **cause);

/* apps/v1 StatefulSet, DaemonSet, batch/v1 Job, CronJob (workloads_k8s.c):
 * appended to the scenario's deployments with their kind set. */
int scn_mf_statefulset(struct scn_mf *m, const struct yt_node *obj, char **cause);
int scn_mf_daemonset(struct scn_mf *m, const struct yt_node *obj, char **cause);
int scn_mf_job(struct scn_mf *m, const struct yt_node *obj, char **cause);
int scn_mf_cronjob(struct scn_mf *m, const struct yt_node *obj, char **cause);
void scn_workload_free(struct k8s_deployment *d);
/* A Pod's controlling owner and finished phase, for pods[npods - 1]. */
void scn_pod_meta_note(struct scenario *s, const struct yt_node *obj);

/* Freeing the objects a scenario holds (manifest.c). */
void scn_deployment_free(struct k8s_deployment *d);
void scn_service_free(struct k8s_service *v);
void scn_pdb_free(struct k8s_pdb *p);

/* ---- pod specs (podspec.c) ---------------------------------------------- */
/* A PodTemplateSpec (metadata + spec) or, with meta NULL, a bare PodSpec. */
/* ObjectMeta: name (required), namespace ("default" when ns is wanted),
 * labels; *deleting (when wanted) set when deletionTimestamp is. */
int scn_metadata(const struct yt_node *obj, const char *kind, char **name, char **ns,
    struct k8s_labels *labels, bool *deleting, const struct yt_node **name_node,
    char **cause);
int scn_pod_template(const struct yt_node *tmpl, const char *what,
    struct k8s_pod_spec *out, char **cause);
int scn_pod_spec(const struct yt_node *spec, const char *what,
    struct k8s_pod_spec *out, char **cause);
int scn_selector(const struct yt_node *n, const char *what,
    struct k8s_selector *out, char **cause);
int scn_labels(const struct yt_node *n, const char *what,
    struct k8s_labels *out, char **cause);
int scn_resource_list(const struct yt_node *n, const char *what,
    struct k8s_resources *out, char **cause);
int scn_taints(const struct yt_node *n, struct k8s_taint **out, size_t *nout,
    char **cause);
int scn_effect(const struct yt_node *n, bool allow_empty, enum k8s_effect *out,
    char **cause);

/* ---- typed readers shared by the layer (podspec.c) ---------------------- */
/* An integer in [min, max]. */
int scn_int(const struct yt_node *n, int64_t min, int64_t max, int64_t *out,
    char **cause);
/* The same for map[key], dflt when absent or null. */
int scn_get_int(const struct yt_node *map, const char *key, int64_t dflt,
    int64_t min, int64_t max, int64_t *out, char **cause);
int scn_get_i32(const struct yt_node *map, const char *key, int32_t dflt,
    int32_t min, int32_t max, int32_t *out, char **cause);
/* map[key] as a scalar string (NULL when absent or null); a mapping or
 * list is an error naming key. scn_get_strdup copies it. */
int scn_get_str(const struct yt_node *map, const char *key, const char **out,
    char **cause);
int scn_get_strdup(const struct yt_node *map, const char *key, char **out,
    char **cause);
/* A list of scalars. */
int scn_strlist(const struct yt_node *n, const char *what, char ***out,
    size_t *nout, char **cause);
void scn_strlist_free(char **v, size_t n);
/* A mapping with only the named fields (NULL-terminated list). */
int scn_check_map(const struct yt_node *n, const char *what,
    const char *const *fields, char **cause);
/* A quantity node: scale -3 for milli-units, 0 for units. */
int scn_quantity_node(const struct yt_node *n, int scale, int64_t *out,
    char **cause);
/* IntOrString: an integer or "N%" (*pct set). */
int scn_int_or_percent(const struct yt_node *n, int32_t *out, bool *pct,
    char **cause);

/* ---- field tables (k8s_fields.c) ---------------------------------------- */
extern const char *const scn_f_object[], *const scn_f_list[],
    *const scn_f_priority_class[], *const scn_f_object_meta[],
    *const scn_f_deployment_spec[], *const scn_f_strategy[],
    *const scn_f_rolling_update[], *const scn_f_label_selector[],
    *const scn_f_selector_req[], *const scn_f_pod_template[],
    *const scn_f_pod_spec[], *const scn_f_container[],
    *const scn_f_container_port[], *const scn_f_resources[],
    *const scn_f_probe[], *const scn_f_toleration[], *const scn_f_affinity[],
    *const scn_f_node_affinity[], *const scn_f_node_selector[],
    *const scn_f_node_selector_term[], *const scn_f_preferred_term[],
    *const scn_f_pod_affinity[], *const scn_f_pod_affinity_term[],
    *const scn_f_weighted_pod_term[], *const scn_f_spread[],
    *const scn_f_service_spec[], *const scn_f_service_port[],
    *const scn_f_hpa_spec[], *const scn_f_hpa_v1_spec[], *const scn_f_cross_ref[],
    *const scn_f_metric_spec[], *const scn_f_resource_metric[],
    *const scn_f_container_resource_metric[], *const scn_f_pods_metric[],
    *const scn_f_object_metric[], *const scn_f_external_metric[],
    *const scn_f_metric_id[], *const scn_f_metric_target[],
    *const scn_f_behavior[], *const scn_f_scaling_rules[],
    *const scn_f_scaling_policy[], *const scn_f_pdb_spec[],
    *const scn_f_node_spec[], *const scn_f_taint[], *const scn_f_node_status[],
    *const scn_f_container_image[];
extern const char *const scn_kinds_not_simulated[], *const scn_kinds_not_yet[],
    *const scn_kinds_simulated[];

#endif
