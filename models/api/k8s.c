/*
 * k8s.c - helpers on the Kubernetes object specs of k8s.h: labels, label
 * selectors, ResourceLists, tolerations (upstream's ToleratesTaint), the
 * pod's effective request (fit.go computePodResourceRequest), freeing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/api/k8s.h"
#include "sim/util/util.h"

const char *
k8s_labels_get(const struct k8s_labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

bool
k8s_ref_matches(const char *ns, const char *name, const char *ref)
{
	if (ns == NULL)
		ns = "default";
	const char *slash = strchr(ref, '/');
	if (slash == NULL)
		return strcmp(ns, "default") == 0 && strcmp(name, ref) == 0;
	size_t n = (size_t)(slash - ref);
	return strlen(ns) == n && strncmp(ns, ref, n) == 0 && strcmp(name, slash + 1) == 0;
}

void
k8s_labels_set(struct k8s_labels *l, const char *key, const char *value)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0) {
			free(l->v[i].value);
			l->v[i].value = xstrdup(value);
			return;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].value = xstrdup(value);
	l->n++;
}

void
k8s_labels_free(struct k8s_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
k8s_labels_copy(struct k8s_labels *dst, const struct k8s_labels *src)
{
	dst->v = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		k8s_labels_set(dst, src->v[i].key, src->v[i].value);
}

static bool
parse_i64(const char *s, int64_t *out)
{
	char *end;
	if (s == NULL || *s == '\0')
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

static bool
req_matches(const struct k8s_sel_req *r, const struct k8s_labels *l)
{
	const char *v = k8s_labels_get(l, r->key);
	switch (r->op) {
	case K8S_SEL_IN:
		if (v == NULL)
			return false;
		for (size_t i = 0; i < r->nvalues; i++)
			if (strcmp(r->values[i], v) == 0)
				return true;
		return false;
	case K8S_SEL_NOT_IN:
		if (v == NULL)
			return true;
		for (size_t i = 0; i < r->nvalues; i++)
			if (strcmp(r->values[i], v) == 0)
				return false;
		return true;
	case K8S_SEL_EXISTS:
		return v != NULL;
	case K8S_SEL_DOES_NOT_EXIST:
		return v == NULL;
	case K8S_SEL_GT:
	case K8S_SEL_LT: {
		int64_t have, want;
		if (v == NULL || r->nvalues != 1 || !parse_i64(v, &have) ||
		    !parse_i64(r->values[0], &want))
			return false;
		return r->op == K8S_SEL_GT ? have > want : have < want;
	}
	}
	return false;
}

bool
k8s_selector_matches(const struct k8s_selector *s, const struct k8s_labels *l)
{
	if (s == NULL || !s->set)
		return false;
	for (size_t i = 0; i < s->nreqs; i++)
		if (!req_matches(&s->reqs[i], l))
			return false;
	return true;
}

static void
sel_req_free(struct k8s_sel_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

void
k8s_selector_free(struct k8s_selector *s)
{
	for (size_t i = 0; i < s->nreqs; i++)
		sel_req_free(&s->reqs[i]);
	free(s->reqs);
	memset(s, 0, sizeof *s);
}

bool
k8s_res_get(const struct k8s_resources *r, const char *name, int64_t *v)
{
	int64_t dummy;
	if (v == NULL)
		v = &dummy;
	if (strcmp(name, "cpu") == 0) {
		*v = r->cpu_milli;
		return r->has_cpu;
	}
	if (strcmp(name, "memory") == 0) {
		*v = r->memory;
		return r->has_memory;
	}
	if (strcmp(name, "ephemeral-storage") == 0) {
		*v = r->ephemeral;
		return r->has_ephemeral;
	}
	if (strcmp(name, "pods") == 0) {
		*v = r->pods;
		return r->has_pods;
	}
	for (int i = 0; i < r->n_ext; i++) {
		if (strcmp(r->ext[i].name, name) == 0) {
			*v = r->ext[i].value;
			return true;
		}
	}
	*v = 0;
	return false;
}

void
k8s_res_set(struct k8s_resources *r, const char *name, int64_t v)
{
	if (strcmp(name, "cpu") == 0) {
		r->cpu_milli = v;
		r->has_cpu = true;
	} else if (strcmp(name, "memory") == 0) {
		r->memory = v;
		r->has_memory = true;
	} else if (strcmp(name, "ephemeral-storage") == 0) {
		r->ephemeral = v;
		r->has_ephemeral = true;
	} else if (strcmp(name, "pods") == 0) {
		r->pods = v;
		r->has_pods = true;
	} else {
		for (int i = 0; i < r->n_ext; i++) {
			if (strcmp(r->ext[i].name, name) == 0) {
				r->ext[i].value = v;
				return;
			}
		}
		KS_ASSERT(r->n_ext < K8S_MAX_EXT);
		r->ext[r->n_ext].name = xstrdup(name);
		r->ext[r->n_ext].value = v;
		r->n_ext++;
	}
}

void
k8s_res_free(struct k8s_resources *r)
{
	for (int i = 0; i < r->n_ext; i++)
		free(r->ext[i].name);
	memset(r, 0, sizeof *r);
}

void
k8s_res_copy(struct k8s_resources *dst, const struct k8s_resources *src)
{
	*dst = *src;
	for (int i = 0; i < src->n_ext; i++)
		dst->ext[i].name = xstrdup(src->ext[i].name);
}

bool
k8s_tolerates(const struct k8s_toleration *t, const struct k8s_taint *taint)
{
	if (t->effect != K8S_EFFECT_ALL && t->effect != taint->effect)
		return false;
	const char *tk = t->key ? t->key : "";
	if (tk[0] != '\0' && strcmp(tk, taint->key ? taint->key : "") != 0)
		return false;
	/* An empty key with Exists matches all keys; with Equal, only "". */
	if (tk[0] == '\0' && t->op != K8S_TOL_EXISTS)
		return false;
	switch (t->op) {
	case K8S_TOL_EXISTS:
		return true;
	case K8S_TOL_EQUAL:
		return strcmp(t->value ? t->value : "", taint->value ? taint->value : "") == 0;
	}
	return false;
}

/* Adds b into a, resource by resource (extended ones by name). */
static void
res_add(struct k8s_resources *a, const struct k8s_resources *b)
{
	a->cpu_milli += b->cpu_milli;
	a->memory += b->memory;
	a->ephemeral += b->ephemeral;
	a->has_cpu |= b->has_cpu;
	a->has_memory |= b->has_memory;
	a->has_ephemeral |= b->has_ephemeral;
	for (int i = 0; i < b->n_ext; i++) {
		int64_t have = 0;
		k8s_res_get(a, b->ext[i].name, &have);
		k8s_res_set(a, b->ext[i].name, have + b->ext[i].value);
	}
}

/* a = max(a, b) resource by resource. */
static void
res_max(struct k8s_resources *a, const struct k8s_resources *b)
{
	if (b->cpu_milli > a->cpu_milli)
		a->cpu_milli = b->cpu_milli;
	if (b->memory > a->memory)
		a->memory = b->memory;
	if (b->ephemeral > a->ephemeral)
		a->ephemeral = b->ephemeral;
	a->has_cpu |= b->has_cpu;
	a->has_memory |= b->has_memory;
	a->has_ephemeral |= b->has_ephemeral;
	for (int i = 0; i < b->n_ext; i++) {
		int64_t have = 0;
		k8s_res_get(a, b->ext[i].name, &have);
		if (b->ext[i].value > have || !k8s_res_get(a, b->ext[i].name, NULL))
			k8s_res_set(a, b->ext[i].name, b->ext[i].value > have ? b->ext[i].value : have);
	}
}

/* A container's request, with the scoring non-zero defaults when asked. */
static void
container_request(const struct k8s_container *c, bool non_zero, struct k8s_resources *out)
{
	k8s_res_copy(out, &c->requests);
	if (non_zero) {
		if (!c->requests.has_cpu) {
			out->cpu_milli = K8S_DEFAULT_MILLI_CPU;
			out->has_cpu = true;
		}
		if (!c->requests.has_memory) {
			out->memory = K8S_DEFAULT_MEMORY;
			out->has_memory = true;
		}
	}
}

void
k8s_pod_request(const struct k8s_pod_spec *p, bool non_zero, struct k8s_resources *out)
{
	struct k8s_resources sum, tmp;
	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < p->ncontainers; i++) {
		container_request(&p->containers[i], non_zero, &tmp);
		res_add(&sum, &tmp);
		k8s_res_free(&tmp);
	}
	/* Sidecars run beside the main containers; each regular init container
	 * runs beside the sidecars started before it. */
	struct k8s_resources sidecars, init_max;
	memset(&sidecars, 0, sizeof sidecars);
	memset(&init_max, 0, sizeof init_max);
	for (size_t i = 0; i < p->ninit; i++) {
		const struct k8s_container *c = &p->init_containers[i];
		container_request(c, non_zero, &tmp);
		if (c->restartable) {
			res_add(&sidecars, &tmp);
			res_add(&sum, &tmp);
		} else {
			struct k8s_resources with;
			memset(&with, 0, sizeof with);
			res_add(&with, &tmp);
			res_add(&with, &sidecars);
			res_max(&init_max, &with);
			k8s_res_free(&with);
		}
		k8s_res_free(&tmp);
	}
	res_max(&sum, &init_max);
	/* PodLevelResources: pod-level cpu, memory and hugepages requests
	 * replace the aggregate of the containers (resource helpers PodRequests). */
	const struct k8s_resources *pl = &p->pod_requests;
	if (pl->has_cpu) {
		sum.cpu_milli = pl->cpu_milli;
		sum.has_cpu = true;
	}
	if (pl->has_memory) {
		sum.memory = pl->memory;
		sum.has_memory = true;
	}
	for (int i = 0; i < pl->n_ext; i++)
		if (strncmp(pl->ext[i].name, "hugepages-", 10) == 0)
			k8s_res_set(&sum, pl->ext[i].name, pl->ext[i].value);
	res_add(&sum, &p->overhead);
	k8s_res_free(&sidecars);
	k8s_res_free(&init_max);
	*out = sum;
}

static void
container_free(struct k8s_container *c)
{
	free(c->name);
	free(c->image);
	k8s_res_free(&c->requests);
	k8s_res_free(&c->limits);
	for (size_t i = 0; i < c->nports; i++) {
		free(c->ports[i].protocol);
		free(c->ports[i].host_ip);
	}
	free(c->ports);
}

static void
node_term_free(struct k8s_node_term *t)
{
	for (size_t i = 0; i < t->nexpr; i++)
		sel_req_free(&t->match_expressions[i]);
	free(t->match_expressions);
	for (size_t i = 0; i < t->nfields; i++)
		sel_req_free(&t->match_fields[i]);
	free(t->match_fields);
}

static void
pod_term_free(struct k8s_pod_term *t)
{
	k8s_selector_free(&t->selector);
	for (size_t i = 0; i < t->nnamespaces; i++)
		free(t->namespaces[i]);
	free(t->namespaces);
	k8s_selector_free(&t->namespace_selector);
	free(t->topology_key);
}

static void
affinity_free(struct k8s_affinity *a)
{
	for (size_t i = 0; i < a->nnode_required; i++)
		node_term_free(&a->node_required[i]);
	free(a->node_required);
	for (size_t i = 0; i < a->nnode_preferred; i++)
		node_term_free(&a->node_preferred[i].term);
	free(a->node_preferred);
	for (size_t i = 0; i < a->npod_required; i++)
		pod_term_free(&a->pod_required[i]);
	free(a->pod_required);
	for (size_t i = 0; i < a->npod_preferred; i++)
		pod_term_free(&a->pod_preferred[i].term);
	free(a->pod_preferred);
	for (size_t i = 0; i < a->nanti_required; i++)
		pod_term_free(&a->anti_required[i]);
	free(a->anti_required);
	for (size_t i = 0; i < a->nanti_preferred; i++)
		pod_term_free(&a->anti_preferred[i].term);
	free(a->anti_preferred);
	memset(a, 0, sizeof *a);
}

void
k8s_pod_spec_free(struct k8s_pod_spec *p)
{
	free(p->name);
	free(p->namespace);
	k8s_labels_free(&p->labels);
	for (size_t i = 0; i < p->ncontainers; i++)
		container_free(&p->containers[i]);
	free(p->containers);
	for (size_t i = 0; i < p->ninit; i++)
		container_free(&p->init_containers[i]);
	free(p->init_containers);
	k8s_res_free(&p->overhead);
	k8s_res_free(&p->pod_requests);
	k8s_labels_free(&p->node_selector);
	affinity_free(&p->affinity);
	for (size_t i = 0; i < p->ntolerations; i++) {
		free(p->tolerations[i].key);
		free(p->tolerations[i].value);
	}
	free(p->tolerations);
	for (size_t i = 0; i < p->nspread; i++) {
		struct k8s_spread *s = &p->spread[i];
		free(s->topology_key);
		k8s_selector_free(&s->selector);
		for (size_t j = 0; j < s->nmatch_label_keys; j++)
			free(s->match_label_keys[j]);
		free(s->match_label_keys);
	}
	free(p->spread);
	free(p->node_name);
	free(p->scheduler_name);
	free(p->priority_class);
	memset(p, 0, sizeof *p);
}

void
k8s_node_spec_free(struct k8s_node_spec *n)
{
	free(n->name);
	k8s_labels_free(&n->labels);
	for (size_t i = 0; i < n->ntaints; i++) {
		free(n->taints[i].key);
		free(n->taints[i].value);
	}
	free(n->taints);
	k8s_res_free(&n->allocatable);
	for (size_t i = 0; i < n->nimages; i++)
		free(n->images[i]);
	free(n->images);
	free(n->image_sizes);
	memset(n, 0, sizeof *n);
}

void
hpa_spec_free(struct hpa_spec *h)
{
	free(h->name);
	free(h->namespace);
	free(h->target_kind);
	free(h->target_name);
	free(h->target_api_version);
	for (size_t i = 0; i < h->nmetrics; i++) {
		struct hpa_metric_spec *m = &h->metrics[i];
		free(m->resource);
		free(m->container);
		free(m->metric_name);
		k8s_selector_free(&m->metric_selector);
		free(m->object_kind);
		free(m->object_name);
		free(m->object_api_version);
	}
	free(h->metrics);
	free(h->scale_up.policies);
	free(h->scale_down.policies);
	memset(h, 0, sizeof *h);
}

const char *
k8s_kind_name(enum k8s_workload_kind k)
{
	static const char *const names[] = { "Deployment", "StatefulSet", "DaemonSet",
		"Job", "CronJob", "Pod", "PodTrace" };
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
