/*
 * refs.c - names in the scenario file (a service profile's Service, a call,
 * a queue's consumer, a scale action's Deployment) resolved to manifest
 * objects with their namespaces: "namespace/name" names one object; a plain
 * "name" is the object of that name in the default namespace, else the only
 * one of that name in any namespace. Linear scans: references are few.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "sim/util/util.h"

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

static int
find(const struct scenario *s, bool service, const char *ref, size_t *out)
{
	size_t n = service ? s->nservices : s->ndeployments;
	const char *ns, *name;
	if (strchr(ref, '/') != NULL) {
		for (size_t i = 0; i < n; i++) {
			object_at(s, service, i, &ns, &name);
			char *q = xasprintf("%s/%s", ns ? ns : "default", name);
			bool hit = strcmp(q, ref) == 0;
			free(q);
			if (hit) {
				*out = i;
				return 0;
			}
		}
		return -1;
	}
	size_t hits = 0;
	for (size_t i = 0; i < n; i++) {
		object_at(s, service, i, &ns, &name);
		if (strcmp(name, ref) != 0)
			continue;
		if (k8s_ref_matches(ns, name, ref)) {
			*out = i;
			return 0;
		}
		if (hits++ == 0)
			*out = i;
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
	for (size_t j = 0; j < s->ndeployments; j++) {
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
