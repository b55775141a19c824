/*
 * sched_taint.c - the node-local plugins: NodeUnschedulable, NodeName,
 * TaintToleration (filter and PreferNoSchedule score), NodeAffinity
 * (nodeSelector + required terms filter, preferred-terms score), NodePorts
 * and ImageLocality, from pkg/scheduler/framework/plugins.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

#define REASON_UNSCHEDULABLE	"node(s) were unschedulable"
#define REASON_NODE_NAME	"node(s) didn't match the requested node name"
#define REASON_TAINT		"node(s) had untolerated taint(s)"
#define REASON_AFFINITY		"node(s) didn't match Pod's node affinity/selector"
#define REASON_PORTS		"node(s) didn't have free ports for the requested pod ports"

static bool
tolerated(const struct k8s_pod_spec *pod, const struct k8s_taint *t)
{
	for (size_t i = 0; i < pod->ntolerations; i++)
		if (k8s_tolerates(&pod->tolerations[i], t))
			return true;
	return false;
}

const struct k8s_taint *
sched_untolerated_taint(const struct k8s_pod_spec *pod, const struct k8s_node_spec *n)
{
	for (size_t i = 0; i < n->ntaints; i++) {
		const struct k8s_taint *t = &n->taints[i];
		if (t->effect != K8S_NO_SCHEDULE && t->effect != K8S_NO_EXECUTE)
			continue;
		if (!tolerated(pod, t))
			return t;
	}
	return NULL;
}

enum sched_code
sched_unschedulable_filter(struct sched *s, int node, struct sched_node_status *st)
{
	const struct k8s_node_spec *n = s->nodes[node].spec;
	if (!n->unschedulable)
		return SCHED_SUCCESS;
	struct k8s_taint t = { (char *)"node.kubernetes.io/unschedulable", (char *)"",
		K8S_NO_SCHEDULE };
	if (tolerated(s->cy.pod, &t))
		return SCHED_SUCCESS;
	return sched_fail(st, SCHED_NODE_UNSCHEDULABLE, SCHED_UNRESOLVABLE, REASON_UNSCHEDULABLE);
}

enum sched_code
sched_node_name_filter(struct sched *s, int node, struct sched_node_status *st)
{
	const char *want = s->cy.pod->node_name;
	if (want == NULL || *want == '\0' || strcmp(want, s->nodes[node].spec->name) == 0)
		return SCHED_SUCCESS;
	return sched_fail(st, SCHED_NODE_NAME, SCHED_UNRESOLVABLE, REASON_NODE_NAME);
}

enum sched_code
sched_taint_filter(struct sched *s, int node, struct sched_node_status *st)
{
	if (sched_untolerated_taint(s->cy.pod, s->nodes[node].spec) == NULL)
		return SCHED_SUCCESS;
	return sched_fail(st, SCHED_TAINT_TOLERATION, SCHED_UNRESOLVABLE, REASON_TAINT);
}

bool
sched_node_taints_ok(struct sched *s, int node)
{
	int64_t v;
	if (!sched_mark_get(&s->mk_taint, node, &v)) {
		v = sched_untolerated_taint(s->cy.pod, s->nodes[node].spec) == NULL ? 1 : 2;
		sched_mark_set(&s->mk_taint, node, v);
	}
	return v == 1;
}

int64_t
sched_taint_score(struct sched *s, int node)
{
	/* countIntolerableTaintsPreferNoSchedule with the tolerations whose
	 * effect is empty or PreferNoSchedule. */
	const struct k8s_pod_spec *pod = s->cy.pod;
	const struct k8s_node_spec *n = s->nodes[node].spec;
	int64_t cnt = 0;
	for (size_t i = 0; i < n->ntaints; i++) {
		const struct k8s_taint *t = &n->taints[i];
		if (t->effect != K8S_PREFER_NO_SCHEDULE)
			continue;
		bool ok = false;
		for (size_t j = 0; j < pod->ntolerations && !ok; j++) {
			const struct k8s_toleration *tol = &pod->tolerations[j];
			if (tol->effect != K8S_EFFECT_ALL && tol->effect != K8S_PREFER_NO_SCHEDULE)
				continue;
			ok = k8s_tolerates(tol, t);
		}
		if (!ok)
			cnt++;
	}
	return cnt;
}

/* ---- NodeAffinity ------------------------------------------------------------ */

bool
sched_match_node_term(const struct k8s_node_term *t, const struct k8s_node_spec *n)
{
	/* An empty term matches no objects. */
	if (t->nexpr == 0 && t->nfields == 0)
		return false;
	for (size_t i = 0; i < t->nexpr; i++) {
		struct k8s_selector one = { &t->match_expressions[i], 1, true };
		if (!k8s_selector_matches(&one, &n->labels))
			return false;
	}
	if (t->nfields > 0) {
		struct k8s_label l = { (char *)"metadata.name", n->name };
		struct k8s_labels ls = { &l, 1 };
		for (size_t i = 0; i < t->nfields; i++) {
			const struct k8s_sel_req *r = &t->match_fields[i];
			if (strcmp(r->key, "metadata.name") != 0)
				return false;
			struct k8s_selector one = { (struct k8s_sel_req *)r, 1, true };
			if (!k8s_selector_matches(&one, &ls))
				return false;
		}
	}
	return true;
}

bool
sched_pod_node_affinity_matches(const struct k8s_pod_spec *pod, const struct k8s_node_spec *n)
{
	for (size_t i = 0; i < pod->node_selector.n; i++) {
		const char *v = k8s_labels_get(&n->labels, pod->node_selector.v[i].key);
		if (v == NULL || strcmp(v, pod->node_selector.v[i].value) != 0)
			return false;
	}
	if (pod->affinity.nnode_required == 0)
		return true;
	for (size_t i = 0; i < pod->affinity.nnode_required; i++)
		if (sched_match_node_term(&pod->affinity.node_required[i], n))
			return true;
	return false;
}

bool
sched_node_affinity_ok(struct sched *s, int node)
{
	if (s->cy.aff_all)
		return true;
	uint8_t *c = &s->cy.aff_ok[node];
	if (*c == 0)
		*c = sched_pod_node_affinity_matches(s->cy.pod, s->nodes[node].spec) ? 1 : 2;
	return *c == 1;
}

enum sched_code
sched_affinity_filter(struct sched *s, int node, struct sched_node_status *st)
{
	if (sched_node_affinity_ok(s, node))
		return SCHED_SUCCESS;
	return sched_fail(st, SCHED_NODE_AFFINITY, SCHED_UNRESOLVABLE, REASON_AFFINITY);
}

bool
sched_affinity_prescore(struct sched *s)
{
	if (s->cy.pod->affinity.nnode_preferred == 0)
		return true;
	s->cy.pref = sched_pref_cache(s, s->cy.pod);
	return false;
}

static int64_t
pref_sum(struct sched *s, int node)
{
	const struct k8s_affinity *a = &s->cy.pod->affinity;
	int64_t sum = 0;
	for (size_t i = 0; i < a->nnode_preferred; i++) {
		const struct k8s_pref_node_term *p = &a->node_preferred[i];
		if (p->weight == 0)
			continue;
		if (sched_match_node_term(&p->term, s->nodes[node].spec))
			sum += p->weight;
	}
	return sum;
}

int64_t
sched_affinity_score(struct sched *s, int node)
{
	struct sched_mark *c = s->cy.pref;
	if (c == NULL)		/* not through PreScore */
		return pref_sum(s, node);
	int64_t v;
	if (!sched_mark_get(c, node, &v)) {
		v = pref_sum(s, node);
		sched_mark_set(c, node, v);
	}
	return v;
}

/* ---- NodePorts ------------------------------------------------------------------ */

enum sched_code
sched_ports_filter(struct sched *s, int node, struct sched_node_status *st)
{
	const struct k8s_pod_spec *pod = s->cy.pod;
	const struct sched_node *n = &s->nodes[node];
	if (n->nports == 0)
		return SCHED_SUCCESS;
	for (size_t c = 0; c < pod->ncontainers; c++) {
		const struct k8s_container *ct = &pod->containers[c];
		for (size_t i = 0; i < ct->nports; i++) {
			const struct k8s_port *pp = &ct->ports[i];
			if (pp->host_port <= 0)
				continue;
			const char *proto = pp->protocol && *pp->protocol ? pp->protocol : "TCP";
			const char *ip = pp->host_ip && *pp->host_ip ? pp->host_ip : "0.0.0.0";
			bool any = strcmp(ip, "0.0.0.0") == 0;
			for (size_t j = 0; j < n->nports; j++) {
				const struct sched_hostport *h = &n->ports[j];
				if (h->port != pp->host_port || strcmp(h->proto, proto) != 0)
					continue;
				/* HostPortInfo.CheckConflict: 0.0.0.0 conflicts with
				 * every IP; another IP with itself and 0.0.0.0. */
				if (any || strcmp(h->ip, "0.0.0.0") == 0 || strcmp(h->ip, ip) == 0)
					return sched_fail(st, SCHED_NODE_PORTS, SCHED_UNSCHEDULABLE,
					    REASON_PORTS);
			}
		}
	}
	return SCHED_SUCCESS;
}

/* ---- ImageLocality ------------------------------------------------------------------ */

void
sched_image_norm(const char *in, char *buf, size_t n)
{
	const char *colon = strrchr(in, ':'), *slash = strrchr(in, '/');
	if (colon == NULL || (slash != NULL && colon < slash))
		snprintf(buf, n, "%s:latest", in);
	else
		snprintf(buf, n, "%s", in);
}

/* The pod's container images as ids (-1: no node has it), computed once per
 * pod spec while the set of known images is unchanged. */
static void
pod_image_ids(struct sched *s, const struct k8s_pod_spec *pod)
{
	if (s->img_pod == pod && s->img_pod_gen == s->img_gen)
		return;
	char name[512];
	int k = 0;
	for (size_t i = 0; i < pod->ninit + pod->ncontainers && k < 32; i++) {
		const char *image = i < pod->ninit ? pod->init_containers[i].image :
		    pod->containers[i - pod->ninit].image;
		int64_t id = -1;
		if (image != NULL && *image != '\0') {
			sched_image_norm(image, name, sizeof name);
			if (!ks_strmap_get(&s->images, name, &id))
				id = -1;
		}
		s->img_ids[k++] = (int32_t)id;
	}
	s->nimg_ids = k;
	s->img_pod = pod;
	s->img_pod_gen = s->img_gen;
}

/* ImageLocality over n nodes: sched_image_score's sums with the spread of
 * each of the pod's images (image_nodes / total) taken once per cycle. */
void
sched_image_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	const int64_t mb = 1024 * 1024, min_threshold = 23 * mb, max_container = 1000 * mb;
	const struct k8s_pod_spec *pod = s->cy.pod;
	pod_image_ids(s, pod);
	int64_t total = (int64_t)s->nlive;
	int64_t max_threshold = max_container * (int64_t)(pod->ninit + pod->ncontainers);
	double spread[32];
	for (int k = 0; k < s->nimg_ids; k++)
		spread[k] = s->img_ids[k] < 0 ? 0 :
		    (double)s->image_nodes[s->img_ids[k]] / (double)total;
	for (size_t i = 0; i < n; i++) {
		int node = nodes[i];
		const struct k8s_node_spec *ns = s->nodes[node].spec;
		if (ns->nimages == 0 || max_threshold == min_threshold) {
			sc[i] = 0;
			continue;
		}
		const int32_t *ids = s->node_images[node];
		int64_t sum = 0;
		for (int k = 0; k < s->nimg_ids; k++) {
			int32_t id = s->img_ids[k];
			if (id < 0)
				continue;
			for (size_t j = 0; j < ns->nimages; j++) {
				if (ids[j] != id)
					continue;	/* scaledImageScore: the first entry */
				int64_t size = ns->image_sizes != NULL ? ns->image_sizes[j] : 0;
				sum += (int64_t)((double)size * spread[k]);
				break;
			}
		}
		if (sum < min_threshold)
			sum = min_threshold;
		else if (sum > max_threshold)
			sum = max_threshold;
		sc[i] = SCHED_MAX_NODE_SCORE * (sum - min_threshold) / (max_threshold - min_threshold);
	}
}

bool
sched_image_any(struct sched *s)
{
	pod_image_ids(s, s->cy.pod);
	for (int i = 0; i < s->nimg_ids; i++)
		if (s->img_ids[i] >= 0)
			return true;
	return false;
}

/* upstream's scaledImageScore for one container image on one node. */
static int64_t
image_state(struct sched *s, int node, int32_t id, int64_t total_nodes)
{
	const struct k8s_node_spec *n = s->nodes[node].spec;
	if (id < 0)
		return 0;
	for (size_t i = 0; i < n->nimages; i++) {
		if (s->node_images[node][i] != id)
			continue;
		double spread = (double)s->image_nodes[id] / (double)total_nodes;
		int64_t size = n->image_sizes != NULL ? n->image_sizes[i] : 0;
		return (int64_t)((double)size * spread);
	}
	return 0;
}

int64_t
sched_image_score(struct sched *s, int node)
{
	const int64_t mb = 1024 * 1024, min_threshold = 23 * mb, max_container = 1000 * mb;
	const struct k8s_pod_spec *pod = s->cy.pod;
	const struct k8s_node_spec *n = s->nodes[node].spec;
	if (n->nimages == 0)
		return 0;
	int64_t total = (int64_t)s->nlive, sum = 0;
	pod_image_ids(s, pod);
	for (int i = 0; i < s->nimg_ids; i++)
		sum += image_state(s, node, s->img_ids[i], total);
	int64_t max_threshold = max_container * (int64_t)(pod->ninit + pod->ncontainers);
	if (sum < min_threshold)
		sum = min_threshold;
	else if (sum > max_threshold)
		sum = max_threshold;
	if (max_threshold == min_threshold)
		return 0;
	return SCHED_MAX_NODE_SCORE * (sum - min_threshold) / (max_threshold - min_threshold);
}
