/*
 * refs.c - names in the scenario file (a service profile's Service, a call,
 * a queue's consumer, a scale action's Deployment) resolved to manifest
 * objects with their namespaces: "namespace/name" names one object; a plain
 * "name" is the object of that name in the default namespace, else the only
 * one of that name in any namespace. Hashed: a scenario keeps an index of its
 * Services' and Deployments' names (struct scn_names), so 10,000 profiles
 * resolve in linear time.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "sim/util/util.h"

/* Per kind (0: Deployments, 1: Services), the objects indexed so far (the
 * arrays only grow while a scenario is read, so the index is extended on
 * use): "namespace/name" -> the first index of that key, name -> the first
 * index of that name and name -> how many objects have it. */
struct scn_names {
	struct ks_strmap qual[2], first[2], count[2];
	size_t		 done[2];
};

void
scn_names_free(struct scn_names *ix)
{
	if (ix == NULL)
		return;
	for (int k = 0; k < 2; k++) {
		ks_strmap_fini(&ix->qual[k]);
		ks_strmap_fini(&ix->first[k]);
		ks_strmap_fini(&ix->count[k]);
	}
	free(ix);
}

/* The scenario's index of kind `service`, brought up to date. */
static struct scn_names *
names(const struct scenario *s, bool service)
{
	struct scenario *w = (struct scenario *)s;	/* the index is a cache */
	if (w->names_ix == NULL) {
		w->names_ix = xcalloc(1, sizeof *w->names_ix);
		for (int k = 0; k < 2; k++) {
			ks_strmap_init(&w->names_ix->qual[k]);
			ks_strmap_init(&w->names_ix->first[k]);
			ks_strmap_init(&w->names_ix->count[k]);
		}
	}
	struct scn_names *ix = w->names_ix;
	int k = service;
	size_t n = service ? s->nservices : s->ndeployments;
	for (size_t i = ix->done[k]; i < n; i++) {
		const char *ns = service ? s->services[i].namespace : s->deployments[i].namespace;
		const char *name = service ? s->services[i].name : s->deployments[i].name;
		char *q = xasprintf("%s/%s", ns ? ns : "default", name);
		if (!ks_strmap_get(&ix->qual[k], q, NULL))
			ks_strmap_put(&ix->qual[k], q, (int64_t)i);
		free(q);
		int64_t cnt = 0;
		if (!ks_strmap_get(&ix->count[k], name, &cnt))
			ks_strmap_put(&ix->first[k], name, (int64_t)i);
		ks_strmap_put(&ix->count[k], name, cnt + 1);
	}
	ix->done[k] = n;
	return ix;
}

ptrdiff_t
scn_find_ref(const struct scenario *s, bool service, const char *ref)
{
	struct scn_names *ix = names(s, service);
	char *q = strchr(ref, '/') != NULL ? xstrdup(ref) : xasprintf("default/%s", ref);
	int64_t i;
	bool hit = ks_strmap_get(&ix->qual[service], q, &i);
	free(q);
	return hit ? (ptrdiff_t)i : -1;
}

ptrdiff_t
scn_first_named(const struct scenario *s, bool service, const char *name)
{
	int64_t i;
	return ks_strmap_get(&names(s, service)->first[service], name, &i) ?
	    (ptrdiff_t)i : -1;
}

/* How many objects of kind `service` are called name. */
static int64_t
name_count(const struct scenario *s, bool service, const char *name)
{
	int64_t n = 0;
	ks_strmap_get(&names(s, service)->count[service], name, &n);
	return n;
}

char *
scn_qname(const char *ns, const char *name)
{
	if (ns == NULL || strcmp(ns, "default") == 0)
		return xstrdup(name);
	return xasprintf("%s/%s", ns, name);
}

/* The (namespace, name) of object i of an array of kind. */
static void
object_at(const struct scenario *s, bool service, size_t i, const char **ns,
    const char **name)
{
	if (service) {
		*ns = s->services[i].namespace;
		*name = s->services[i].name;
	} else {
		*ns = s->deployments[i].namespace;
		*name = s->deployments[i].name;
	}
}

/* 0 and *out when ref names one object, -1 when none, -2 when a plain
 * name is in several namespaces and none is the default one. */
static int
find(const struct scenario *s, bool service, const char *ref, size_t *out)
{
	ptrdiff_t i = scn_find_ref(s, service, ref);
	if (i >= 0) {
		*out = (size_t)i;
		return 0;
	}
	if (strchr(ref, '/') != NULL)
		return -1;
	int64_t hits = name_count(s, service, ref);
	if (hits == 1) {
		int64_t first;
		ks_strmap_get(&names(s, service)->first[service], ref, &first);
		*out = (size_t)first;
	}
	return hits == 1 ? 0 : hits == 0 ? -1 : -2;
}

int
scn_resolve_ref(const struct scenario *s, const struct yt_node *at, bool service,
    const char *ref, size_t *idx, char **cause)
{
	const char *kind = service ? "Service" : "Deployment";
	int rc = find(s, service, ref, idx);
	if (rc == 0)
		return 0;
	size_t n = service ? s->nservices : s->ndeployments;
	const char *ns, *name;
	struct ks_buf b;
	ks_buf_init(&b);
	if (rc == -2) {
		for (size_t i = 0, k = 0; i < n; i++) {
			object_at(s, service, i, &ns, &name);
			if (strcmp(name, ref) == 0)
				ks_buf_printf(&b, "%s%s/%s", k++ ? ", " : "", ns, name);
		}
		char *list = ks_buf_take(&b);
		*cause = yt_errorf(at, "%s '%s' is in several namespaces and none is "
		    "'default': write namespace/name (%s)", kind, ref, list);
		free(list);
		return -1;
	}
	char **names = xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		object_at(s, service, i, &ns, &name);
		names[i] = scn_qname(ns, name);
	}
	const char *near = ks_nearest(ref, (const char *const *)names);
	*cause = near ? yt_errorf(at, "%s '%s' is not in the manifests (did you mean "
	    "'%s'?)", kind, ref, near) : yt_errorf(at, "%s '%s' is not in the manifests",
	    kind, ref);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ks_buf_fini(&b);
	return -1;
}

int
scn_resolve_plain(const struct scenario *s, const struct yt_node *at, const char *ref,
    char **out, char **cause)
{
	size_t i;
	if (scn_resolve_ref(s, at, false, ref, &i, cause) < 0)
		return -1;
	const struct k8s_deployment *d = &s->deployments[i];
	bool shared = name_count(s, false, d->name) > 1;	/* else no loop */
	for (size_t j = 0; shared && j < s->ndeployments; j++) {
		if (j != i && strcmp(s->deployments[j].name, d->name) == 0) {
			*cause = yt_errorf(at, "Deployment '%s' is in namespaces %s and %s: "
			    "kubesim cannot yet tell them apart here (rename one)", d->name,
			    d->namespace, s->deployments[j].namespace);
			return -1;
		}
	}
	*out = xstrdup(d->name);
	return 0;
}
