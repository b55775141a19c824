/*
 * pinning.c - pod templates pinned by a required node affinity, as the
 * workload controllers make them: a DaemonSet's pod is pinned to its node
 * (matchFields metadata.name, ReplaceDaemonSetPodNodeNameNodeAffinity), a
 * StatefulSet pod whose volume was provisioned in a zone to that zone (the
 * PersistentVolume's node affinity, which the VolumeBinding plugin ANDs in).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"

/* The copy and what it allocated; spec first, so a pointer to it is a
 * pointer to the whole. */
struct pinned {
	struct k8s_pod_spec	 spec;
	char			*value;
	char			*values[1];
	struct k8s_sel_req	**arrays;	/* one per term */
	size_t			 narrays;
};

static struct pinned *
pinned_new(const struct k8s_pod_spec *base, const char *value, size_t nterms)
{
	struct pinned *pn = xcalloc(1, sizeof *pn);
	pn->spec = *base;
	pn->value = xstrdup(value);
	pn->values[0] = pn->value;
	pn->arrays = xcalloc(nterms, sizeof *pn->arrays);
	pn->narrays = nterms;
	pn->spec.affinity.node_required = xcalloc(nterms, sizeof (struct k8s_node_term));
	pn->spec.affinity.nnode_required = nterms;
	return pn;
}

struct k8s_pod_spec *
pin_to_node(const struct k8s_pod_spec *base, const char *node)
{
	struct pinned *pn = pinned_new(base, node, 1);
	struct k8s_sel_req *r = pn->arrays[0] = xcalloc(1, sizeof *r);
	r->key = (char *)"metadata.name";
	r->op = K8S_SEL_IN;
	r->values = pn->values;
	r->nvalues = 1;
	pn->spec.affinity.node_required[0].match_fields = r;
	pn->spec.affinity.node_required[0].nfields = 1;
	return &pn->spec;
}

struct k8s_pod_spec *
pin_to_zone(const struct k8s_pod_spec *base, const char *zone)
{
	size_t n = base->affinity.nnode_required;
	struct pinned *pn = pinned_new(base, zone, n > 0 ? n : 1);
	for (size_t i = 0; i < pn->narrays; i++) {
		struct k8s_node_term *t = &pn->spec.affinity.node_required[i];
		if (n > 0)
			*t = base->affinity.node_required[i];
		struct k8s_sel_req *r = pn->arrays[i] = xcalloc(t->nexpr + 1, sizeof *r);
		if (t->nexpr > 0)
			memcpy(r, t->match_expressions, t->nexpr * sizeof *r);
		r[t->nexpr].key = (char *)"topology.kubernetes.io/zone";
		r[t->nexpr].op = K8S_SEL_IN;
		r[t->nexpr].values = pn->values;
		r[t->nexpr].nvalues = 1;
		t->match_expressions = r;
		t->nexpr++;
	}
	return &pn->spec;
}

void
pin_free(struct k8s_pod_spec *spec)
{
	if (spec == NULL)
		return;
	struct pinned *pn = (struct pinned *)spec;
	for (size_t i = 0; i < pn->narrays; i++)
		free(pn->arrays[i]);
	free(pn->arrays);
	free(pn->spec.affinity.node_required);
	free(pn->value);
	free(pn);
}
