/*
 * cluster_state.c - v1 Node, Pod and Service objects from YAML files into a
 * struct scn_cluster (a `kubectl get -o yaml` dump works as it is), and the
 * one pod (or Deployment template) that `kubesim schedule` places. Names are
 * indexed in hash maps so that a 5,000-node, 150,000-pod dump loads in
 * linear time; the maps are only looked up, never iterated.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "scenarios/cluster_state.h"
#include "scenarios/hpa_case.h"
#include "scenarios/manifest.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"

struct scn_cluster_index {
	struct ks_strmap	 nodes;		/* name -> node index */
	struct ks_strmap	 pods;		/* namespace/name -> pod index */
	char			**node_where;	/* where each node's name is */
	char			**pod_where;
	size_t			 cap_nodes, cap_pods, cap_services, cap_nw, cap_pw;
};

static const char *const cluster_kinds[] = { "Node", "Pod", "Service", "List",
	"NodeList", "PodList", "ServiceList", NULL };

struct scn_cluster *
scn_cluster_new(void)
{
	struct scn_cluster *c = xcalloc(1, sizeof *c);
	c->index = xcalloc(1, sizeof *c->index);
	ks_strmap_init(&c->index->nodes);
	ks_strmap_init(&c->index->pods);
	return c;
}

void
scn_cluster_free(struct scn_cluster *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nnodes; i++) {
		k8s_node_spec_free(&c->nodes[i]);
		free(c->index->node_where[i]);
	}
	free(c->nodes);
	for (size_t i = 0; i < c->npods; i++) {
		k8s_pod_spec_free(&c->pods[i].spec);
		free(c->index->pod_where[i]);
	}
	free(c->pods);
	for (size_t i = 0; i < c->nservices; i++) {
		free(c->services[i].namespace);
		k8s_labels_free(&c->services[i].selector);
	}
	free(c->services);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	ks_strmap_fini(&c->index->nodes);
	ks_strmap_fini(&c->index->pods);
	free(c->index->node_where);
	free(c->index->pod_where);
	free(c->index);
	free(c);
}

static char *
where_of(const struct yt_node *n)
{
	char buf[1024];
	return xstrdup(yt_where(n, buf, sizeof buf));
}

static void
add_note(struct scn_cluster *c, const struct yt_node *obj, const char *kind,
    const char *why)
{
	const struct yt_node *nm = yt_get(yt_get(obj, "metadata"), "name");
	char buf[1024];
	c->notes = xreallocarray(c->notes, c->nnotes + 1, sizeof *c->notes);
	c->notes[c->nnotes++] = xasprintf("%s: skipped %s/%s: %s",
	    yt_where(obj, buf, sizeof buf), kind,
	    nm && nm->kind == YT_SCALAR ? nm->str : "?", why);
}

/* status.images: every name of an image maps to its size (the scheduler's
 * ImageStates are keyed by each name). */
static int
node_images(const struct yt_node *im, struct k8s_node_spec *n, char **cause)
{
	if (im == NULL || yt_is_null(im))
		return 0;
	if (im->kind != YT_SEQ) {
		*cause = yt_errorf(im, "expected a list of container images");
		return -1;
	}
	size_t total = 0;
	for (size_t i = 0; i < im->n; i++) {
		const struct yt_node *names = yt_get(im->items[i], "names");
		if (names != NULL && names->kind == YT_SEQ)
			total += names->n;
	}
	n->images = xcalloc(total + 1, sizeof *n->images);
	n->image_sizes = xcalloc(total + 1, sizeof *n->image_sizes);
	for (size_t i = 0; i < im->n; i++) {
		const struct yt_node *ci = im->items[i];
		if (scn_check_map(ci, "container image", scn_f_container_image, cause) < 0)
			return -1;
		int64_t size;
		if (yt_get_int64(ci, "sizeBytes", 0, &size, cause) < 0)
			return -1;
		const struct yt_node *names = yt_get(ci, "names");
		if (names == NULL || names->kind != YT_SEQ)
			continue;
		for (size_t j = 0; j < names->n; j++) {
			if (names->items[j]->kind != YT_SCALAR) {
				*cause = yt_errorf(names->items[j], "expected an image name");
				return -1;
			}
			n->images[n->nimages] = xstrdup(names->items[j]->str);
			n->image_sizes[n->nimages++] = size;
		}
	}
	return 0;
}

static int
node(struct scn_cluster *c, const struct yt_node *obj, char **cause)
{
	struct scn_cluster_index *ix = c->index;
	KS_GROW(c->nodes, ix->cap_nodes, c->nnodes + 1);
	KS_GROW(ix->node_where, ix->cap_nw, c->nnodes + 1);
	struct k8s_node_spec *n = &c->nodes[c->nnodes];
	memset(n, 0, sizeof *n);
	ix->node_where[c->nnodes] = NULL;
	c->nnodes++;
	const struct yt_node *nn;
	if (scn_metadata(obj, "Node", &n->name, NULL, &n->labels, NULL, &nn, cause) < 0)
		return -1;
	ix->node_where[c->nnodes - 1] = where_of(nn);
	int64_t prev;
	if (ks_strmap_get(&ix->nodes, n->name, &prev)) {
		*cause = yt_errorf(nn, "duplicate Node '%s' (first defined at %s)", n->name,
		    ix->node_where[prev]);
		return -1;
	}
	ks_strmap_put(&ix->nodes, n->name, (int64_t)c->nnodes - 1);
	/* The kubelet always sets the hostname label. */
	if (k8s_labels_get(&n->labels, "kubernetes.io/hostname") == NULL)
		k8s_labels_set(&n->labels, "kubernetes.io/hostname", n->name);
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec != NULL && !yt_is_null(spec)) {
		if (scn_check_map(spec, "Node spec", scn_f_node_spec, cause) < 0 ||
		    scn_taints(yt_get(spec, "taints"), &n->taints, &n->ntaints, cause) < 0 ||
		    yt_get_bool(spec, "unschedulable", false, &n->unschedulable, cause) < 0)
			return -1;
	}
	/* Status is written by the kubelet: only the fields read here are
	 * checked, so a newer API server's additions do not stop a dump. */
	const struct yt_node *st = yt_get(obj, "status");
	const struct yt_node *al = yt_get(st, "allocatable");
	if (al == NULL || yt_is_null(al))
		al = yt_get(st, "capacity");
	if (al == NULL || yt_is_null(al)) {
		*cause = yt_errorf(st && !yt_is_null(st) ? st : obj, "Node '%s' needs "
		    "status.allocatable or status.capacity", n->name);
		return -1;
	}
	if (scn_resource_list(al, "allocatable", &n->allocatable, cause) < 0)
		return -1;
	/* No "pods" in allocatable: 0 pods fit, as the scheduler's NodeInfo
	 * reads it (a kubelet always reports pods). */
	return node_images(yt_get(st, "images"), n, cause);
}

static int
pod(struct scn_cluster *c, const struct yt_node *obj, char **cause)
{
	struct scn_cluster_index *ix = c->index;
	KS_GROW(c->pods, ix->cap_pods, c->npods + 1);
	KS_GROW(ix->pod_where, ix->cap_pw, c->npods + 1);
	struct scn_cluster_pod *p = &c->pods[c->npods];
	memset(p, 0, sizeof *p);
	ix->pod_where[c->npods] = NULL;
	c->npods++;
	const struct yt_node *nn;
	if (scn_metadata(obj, "Pod", &p->spec.name, &p->spec.namespace, &p->spec.labels,
	    &p->terminating, &nn, cause) < 0)
		return -1;
	ix->pod_where[c->npods - 1] = where_of(nn);
	char *key = xasprintf("%s/%s", p->spec.namespace, p->spec.name);
	int64_t prev;
	if (ks_strmap_get(&ix->pods, key, &prev)) {
		*cause = yt_errorf(nn, "duplicate Pod '%s' (first defined at %s)", key,
		    ix->pod_where[prev]);
		free(key);
		return -1;
	}
	ks_strmap_put(&ix->pods, key, (int64_t)c->npods - 1);
	free(key);
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec)) {
		*cause = yt_errorf(obj, "Pod '%s' needs a spec", p->spec.name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "Pod '%s'", p->spec.name);
	if (scn_pod_spec(spec, what, &p->spec, cause) < 0)
		return -1;
	const char *phase = NULL;
	if (yt_get_string(yt_get(obj, "status"), "phase", &phase, cause) < 0)
		return -1;
	p->finished = phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0);
	/* status.startTime orders victims of equal priority for preemption. */
	const struct yt_node *stn = yt_get(yt_get(obj, "status"), "startTime");
	if (stn != NULL && !yt_is_null(stn)) {
		int64_t sec;
		int32_t nsec;
		const char *why = NULL;
		if (stn->kind != YT_SCALAR || hpa_case_rfc3339(stn->str, &sec, &nsec, &why) < 0) {
			*cause = yt_errorf(stn, "status.startTime: %s", why ? why :
			    "expected an RFC 3339 time such as 2024-05-01T12:00:00Z");
			return -1;
		}
		p->has_start = true;
		p->start_ns = sec * 1000000000LL + nsec;
	}
	return 0;
}

static int
service(struct scn_cluster *c, const struct yt_node *obj, char **cause)
{
	struct scn_cluster_index *ix = c->index;
	KS_GROW(c->services, ix->cap_services, c->nservices + 1);
	struct scn_cluster_service *v = &c->services[c->nservices++];
	memset(v, 0, sizeof *v);
	const struct yt_node *nn;
	char *name = NULL;
	int rc = scn_metadata(obj, "Service", &name, &v->namespace, NULL, NULL, &nn, cause);
	free(name);
	if (rc < 0)
		return -1;
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec))
		return 0;
	if (scn_check_map(spec, "Service spec", scn_f_service_spec, cause) < 0)
		return -1;
	return scn_labels(yt_get(spec, "selector"), "selector", &v->selector, cause);
}

static bool
in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool
is_list_kind(const struct yt_node *obj, const char *kind)
{
	size_t n = strlen(kind);
	return strcmp(kind, "List") == 0 || (n > 4 && strcmp(kind + n - 4, "List") == 0 &&
	    yt_get(obj, "items") != NULL);
}

static int
add_object(struct scn_cluster *c, const struct yt_node *obj, char **cause)
{
	const char *kind, *api;
	const struct yt_node *items;
	int rc = scn_object_head(obj, &kind, &api, &items, cause);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		for (size_t i = 0; items != NULL && i < items->n; i++)
			if (add_object(c, items->items[i], cause) < 0)
				return -1;
		return 0;
	}
	int (*fn)(struct scn_cluster *, const struct yt_node *, char **) = NULL;
	if (strcmp(kind, "Node") == 0)
		fn = node;
	else if (strcmp(kind, "Pod") == 0)
		fn = pod;
	else if (strcmp(kind, "Service") == 0)
		fn = service;
	if (fn != NULL) {
		if (strcmp(api, "v1") != 0) {
			*cause = yt_errorf(yt_get(obj, "apiVersion"), "apiVersion '%s' is not "
			    "supported for %s (expected v1)", api, kind);
			return -1;
		}
		if (scn_check_map(obj, kind, scn_f_object, cause) < 0)
			return -1;
		return fn(c, obj, cause);
	}
	if (in_list(kind, scn_kinds_simulated) || in_list(kind, scn_kinds_not_yet) ||
	    in_list(kind, scn_kinds_not_simulated)) {
		add_note(c, obj, kind, "a cluster state holds Nodes, Pods and Services");
		return 0;
	}
	const char *near = ks_nearest(kind, cluster_kinds);
	if (near != NULL) {
		*cause = yt_errorf(yt_get(obj, "kind"), "unknown kind '%s' (did you mean "
		    "'%s'?)", kind, near);
		return -1;
	}
	add_note(c, obj, kind, "custom resource");
	return 0;
}

static int
add_docs(struct scn_cluster *c, struct yt_docs *d, char **cause)
{
	int rc = 0;
	for (size_t i = 0; i < d->ndocs && rc == 0; i++)
		rc = add_object(c, d->docs[i], cause);
	yt_docs_free(d);
	return rc;
}

int
scn_cluster_add_file(struct scn_cluster *c, const char *path, char **cause)
{
	struct yt_docs d;
	if (yt_parse_file(path, &d, cause) < 0)
		return -1;
	return add_docs(c, &d, cause);
}

int
scn_cluster_add_string(struct scn_cluster *c, const char *name, const char *text,
    char **cause)
{
	struct yt_docs d;
	if (yt_parse_string(name, text, strlen(text), &d, cause) < 0)
		return -1;
	return add_docs(c, &d, cause);
}

/* ---- the pod to place ---------------------------------------------------- */

/* Collects the objects of a document, flattening Lists. */
static void
collect(const struct yt_node *obj, const struct yt_node ***out, size_t *n, size_t *cap)
{
	const char *kind = NULL;
	const struct yt_node *k = yt_get(obj, "kind");
	if (k != NULL && k->kind == YT_SCALAR)
		kind = k->str;
	const struct yt_node *items = yt_get(obj, "items");
	if (kind != NULL && is_list_kind(obj, kind) && items != NULL && items->kind == YT_SEQ) {
		for (size_t i = 0; i < items->n; i++)
			collect(items->items[i], out, n, cap);
		return;
	}
	KS_GROW(*out, *cap, *n + 1);
	(*out)[(*n)++] = obj;
}

static int
pod_object(const struct yt_node *obj, struct k8s_pod_spec *p, struct k8s_selector *owner,
    char **cause)
{
	if (obj->kind != YT_MAP) {
		*cause = yt_errorf(obj, "expected a Pod or a Deployment");
		return -1;
	}
	const char *kind, *api;
	if (yt_get_string(obj, "kind", &kind, cause) < 0 ||
	    yt_get_string(obj, "apiVersion", &api, cause) < 0)
		return -1;
	if (kind == NULL || api == NULL) {
		*cause = yt_errorf(obj, "a Kubernetes object needs apiVersion and kind");
		return -1;
	}
	bool is_pod = strcmp(kind, "Pod") == 0, is_dep = strcmp(kind, "Deployment") == 0;
	if (!is_pod && !is_dep) {
		static const char *const kinds[] = { "Pod", "Deployment", NULL };
		const char *near = ks_nearest(kind, kinds);
		*cause = yt_errorf(yt_get(obj, "kind"), "expected a Pod or a Deployment, "
		    "found kind '%s'%s%s%s", kind, near ? " (did you mean '" : "",
		    near ? near : "", near ? "'?)" : "");
		return -1;
	}
	const char *want = is_pod ? "v1" : "apps/v1";
	if (strcmp(api, want) != 0) {
		*cause = yt_errorf(yt_get(obj, "apiVersion"), "apiVersion '%s' is not "
		    "supported for %s (expected %s)", api, kind, want);
		return -1;
	}
	if (scn_check_map(obj, kind, scn_f_object, cause) < 0)
		return -1;
	const struct yt_node *nn;
	if (scn_metadata(obj, kind, &p->name, &p->namespace, is_pod ? &p->labels : NULL, NULL,
	    &nn, cause) < 0)
		return -1;
	const struct yt_node *spec = yt_get(obj, "spec");
	if (spec == NULL || yt_is_null(spec)) {
		*cause = yt_errorf(obj, "%s '%s' needs a spec", kind, p->name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof what, "%s '%s'", kind, p->name);
	if (is_pod)
		return scn_pod_spec(spec, what, p, cause);
	if (scn_check_map(spec, "Deployment spec", scn_f_deployment_spec, cause) < 0 ||
	    scn_selector(yt_get(spec, "selector"), "selector", owner, cause) < 0 ||
	    scn_pod_template(yt_get(spec, "template"), what, p, cause) < 0)
		return -1;
	if (!owner->set) {
		*cause = yt_errorf(spec, "%s needs a selector", what);
		return -1;
	}
	return 0;
}

int
scn_pod_file_load(const char *path, struct k8s_pod_spec *pod, struct k8s_selector *owner,
    char **cause)
{
	memset(pod, 0, sizeof *pod);
	memset(owner, 0, sizeof *owner);
	struct yt_docs d;
	if (yt_parse_file(path, &d, cause) < 0)
		return -1;
	const struct yt_node **objs = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < d.ndocs; i++)
		collect(d.docs[i], &objs, &n, &cap);
	int rc = 0;
	if (n == 0) {
		*cause = xasprintf("%s: expected a Pod, found no object", path);
		rc = -1;
	} else if (n > 1) {
		*cause = yt_errorf(objs[1], "expected one Pod, found a second object "
		    "(the pod file holds the one pod to place)");
		rc = -1;
	} else {
		rc = pod_object(objs[0], pod, owner, cause);
	}
	free(objs);
	yt_docs_free(&d);
	if (rc < 0) {
		k8s_pod_spec_free(pod);
		k8s_selector_free(owner);
	}
	return rc;
}
