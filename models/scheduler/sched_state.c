/*
 * sched_state.c - the scheduler's cluster state: nodes with their summed
 * requests, pods grouped per template (spec) with per-node counts kept in
 * both directions so add/remove are O(1), topology-key registries, extended
 * resource names, services, and the per-cycle scratch arena.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

/* ---- arena ---------------------------------------------------------------- */

#define ARENA_MIN	(64 * 1024)

void *
sched_arena_alloc(struct sched *s, size_t size)
{
	struct sched_arena *a = &s->arena;
	size = (size + 15) & ~(size_t)15;
	if (a->nchunks == 0 || a->used + size > a->sizes[a->nchunks - 1]) {
		size_t sz = size > ARENA_MIN ? size : ARENA_MIN;
		a->chunks = xreallocarray(a->chunks, a->nchunks + 1, sizeof *a->chunks);
		a->sizes = xreallocarray(a->sizes, a->nchunks + 1, sizeof *a->sizes);
		a->chunks[a->nchunks] = xmalloc(sz);
		a->sizes[a->nchunks] = sz;
		a->nchunks++;
		a->used = 0;
	}
	void *p = a->chunks[a->nchunks - 1] + a->used;
	a->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

void
sched_arena_reset(struct sched *s)
{
	struct sched_arena *a = &s->arena;
	if (a->nchunks > 1) {
		/* Replace the chunks by one that holds what the last cycle used. */
		size_t want = a->total + ARENA_MIN;
		for (size_t i = 0; i < a->nchunks; i++)
			free(a->chunks[i]);
		a->chunks[0] = xmalloc(want);
		a->sizes[0] = want;
		a->nchunks = 1;
	}
	a->used = 0;
	a->total = 0;
}

void
sched_mark_begin(struct sched *s, struct sched_mark *m)
{
	sched_mark_begin_n(m, s->nnodes);
}

void
sched_mark_begin_n(struct sched_mark *m, size_t n)
{
	if (m->cap < n || m->stamp == NULL) {
		size_t cap = n + n / 2 + 16;
		m->stamp = xreallocarray(m->stamp, cap, sizeof *m->stamp);
		m->val = xreallocarray(m->val, cap, sizeof *m->val);
		memset(m->stamp + m->cap, 0, (cap - m->cap) * sizeof *m->stamp);
		m->cap = cap;
	}
	if (++m->cur == 0) {	/* wrapped: forget every old stamp */
		memset(m->stamp, 0, m->cap * sizeof *m->stamp);
		m->cur = 1;
	}
}

void
sched_mark_free(struct sched_mark *m)
{
	free(m->stamp);
	free(m->val);
	memset(m, 0, sizeof *m);
}

void
sched_arena_free(struct sched *s)
{
	for (size_t i = 0; i < s->arena.nchunks; i++)
		free(s->arena.chunks[i]);
	free(s->arena.chunks);
	free(s->arena.sizes);
	memset(&s->arena, 0, sizeof s->arena);
}

/* ---- resources ------------------------------------------------------------- */

int
sched_res_index(struct sched *s, const char *name)
{
	if (strcmp(name, "cpu") == 0)
		return SCHED_RES_CPU;
	if (strcmp(name, "memory") == 0)
		return SCHED_RES_MEM;
	if (strcmp(name, "ephemeral-storage") == 0)
		return SCHED_RES_EPH;
	if (strcmp(name, "pods") == 0)
		return SCHED_RES_PODS;
	for (int i = 0; i < s->next; i++)
		if (strcmp(s->ext[i].name, name) == 0)
			return i;
	if (s->next == SCHED_MAX_EXT)
		return SCHED_RES_NONE;
	struct sched_ext *e = &s->ext[s->next];
	e->name = xstrdup(name);
	e->reason = xasprintf("Insufficient %s", name);
	/* v1helper.IsExtendedResourceName: not in the kubernetes.io/ domain,
	 * not hugepages-, has a domain prefix. */
	const char *slash = strchr(name, '/');
	e->extended = slash != NULL && strncmp(name, "hugepages-", 10) != 0 &&
	    !(slash - name >= 13 && strncmp(slash - 13, "kubernetes.io", 13) == 0);
	e->ignored = e->extended && sched_fit_ignored(&s->cfg, name);
	return s->next++;
}

/* Fills the per-node allocatable sums from the spec. */
static void
node_read_alloc(struct sched *s, struct sched_node *n)
{
	const struct k8s_resources *a = &n->spec->allocatable;
	sched_fc_forget(s, (int)(n - s->nodes));
	n->tainted = n->spec->ntaints > 0;
	n->alloc_cpu = a->cpu_milli;
	n->alloc_mem = a->memory;
	n->alloc_eph = a->ephemeral;
	n->alloc_pods = a->pods;	/* absent: 0, as NodeInfo's AllowedPodNumber */
	memset(n->alloc_ext, 0, sizeof n->alloc_ext);
	for (int i = 0; i < a->n_ext; i++) {
		int k = sched_res_index(s, a->ext[i].name);
		if (k >= 0)
			n->alloc_ext[k] = a->ext[i].value;
	}
}

/* ---- topology keys ------------------------------------------------------------ */

static void
topo_fill(struct sched_topo *t, const struct sched *s, size_t n)
{
	const struct sched_node *node = &s->nodes[n];
	const char *v = node->spec ? k8s_labels_get(&node->spec->labels, t->key) : NULL;
	t->has[n] = v != NULL;
	if (v == NULL) {
		t->dom[n] = 0;
		return;
	}
	int64_t id;
	if (!ks_strmap_get(&t->vals, v, &id)) {
		id = (int64_t)t->ndom++;
		ks_strmap_put(&t->vals, v, id);
	}
	t->dom[n] = (int32_t)id;
}

int
sched_topo_get(struct sched *s, const char *key)
{
	for (size_t i = 0; i < s->ntopos; i++)
		if (strcmp(s->topos[i].key, key) == 0)
			return (int)i;
	s->topos = xreallocarray(s->topos, s->ntopos + 1, sizeof *s->topos);
	struct sched_topo *t = &s->topos[s->ntopos];
	memset(t, 0, sizeof *t);
	t->key = xstrdup(key);
	ks_strmap_init(&t->vals);
	ks_strmap_put(&t->vals, "", 0);
	t->ndom = 1;
	t->dom = xcalloc(s->cap_nodes ? s->cap_nodes : 1, sizeof *t->dom);
	t->has = xcalloc(s->cap_nodes ? s->cap_nodes : 1, sizeof *t->has);
	for (size_t n = 0; n < s->nnodes; n++)
		topo_fill(t, s, n);
	return (int)s->ntopos++;
}

/* ---- nodes ----------------------------------------------------------------------- */

/* The id of a normalized image name, added when new. */
static int32_t
image_id(struct sched *s, const char *name)
{
	int64_t id;
	if (ks_strmap_get(&s->images, name, &id))
		return (int32_t)id;
	KS_GROW(s->image_nodes, s->cap_image_ids, s->nimage_ids + 1);
	s->image_nodes[s->nimage_ids] = 0;
	ks_strmap_put(&s->images, name, (int64_t)s->nimage_ids);
	s->img_gen++;
	return (int32_t)s->nimage_ids++;
}

static void
image_count(struct sched *s, size_t n, const struct k8s_node_spec *spec, int delta)
{
	char name[512];
	if (delta > 0) {
		KS_GROW(s->node_images, s->cap_node_images, n + 1);
		s->node_images[n] = spec->nimages ?
		    xcalloc(spec->nimages, sizeof *s->node_images[n]) : NULL;
		for (size_t i = 0; i < spec->nimages; i++) {
			sched_image_norm(spec->images[i], name, sizeof name);
			s->node_images[n][i] = image_id(s, name);
		}
	}
	for (size_t i = 0; i < spec->nimages; i++)
		s->image_nodes[s->node_images[n][i]] += delta;
	if (delta < 0) {
		free(s->node_images[n]);
		s->node_images[n] = NULL;
	}
}

int
sched_add_node(struct sched *s, const struct k8s_node_spec *spec)
{
	if (s->nnodes == s->cap_nodes) {
		size_t old = s->cap_nodes;
		KS_GROW(s->nodes, s->cap_nodes, s->nnodes + 1);
		for (size_t i = 0; i < s->ntopos; i++) {
			s->topos[i].dom = xreallocarray(s->topos[i].dom, s->cap_nodes, sizeof(int32_t));
			s->topos[i].has = xreallocarray(s->topos[i].has, s->cap_nodes, sizeof(bool));
		}
		(void)old;
	}
	size_t n = s->nnodes++;
	if (s->cap_fc < s->cap_nodes) {
		s->fc = xreallocarray(s->fc, s->cap_nodes * SCHED_FC_SLOTS, sizeof *s->fc);
		memset(s->fc + s->cap_fc * SCHED_FC_SLOTS, 0,
		    (s->cap_nodes - s->cap_fc) * SCHED_FC_SLOTS * sizeof *s->fc);
		s->cap_fc = s->cap_nodes;
	}
	struct sched_node *node = &s->nodes[n];
	memset(node, 0, sizeof *node);
	node->spec = spec;
	node_read_alloc(s, node);
	for (size_t i = 0; i < s->ntopos; i++)
		topo_fill(&s->topos[i], s, n);
	image_count(s, n, spec, 1);
	s->nlive++;
	s->nodes_gen++;
	return (int)n;
}

void
sched_node_update(struct sched *s, int n)
{
	KS_ASSERT(n >= 0 && (size_t)n < s->nnodes && sched_node_live(s, n));
	struct sched_node *node = &s->nodes[n];
	node_read_alloc(s, node);
	s->nodes_gen++;
	for (size_t i = 0; i < s->ntopos; i++)
		topo_fill(&s->topos[i], s, (size_t)n);
	/* Image counts: recount from scratch is not needed for labels/taints;
	 * callers that change images remove and re-add the node. */
}

void
sched_remove_node(struct sched *s, int n)
{
	KS_ASSERT(n >= 0 && (size_t)n < s->nnodes && sched_node_live(s, n));
	struct sched_node *node = &s->nodes[n];
	KS_ASSERT(node->npods == 0);
	image_count(s, (size_t)n, node->spec, -1);
	free(node->pods);
	free(node->groups);
	free(node->ports);
	memset(node, 0, sizeof *node);
	s->nodes_gen++;
	for (size_t i = 0; i < s->ntopos; i++) {
		s->topos[i].has[n] = false;
		s->topos[i].dom[n] = 0;
	}
	s->nlive--;
}

size_t sched_nnodes(const struct sched *s) { return s->nnodes; }
size_t sched_nnodes_live(const struct sched *s) { return s->nlive; }

const struct sched_node *
sched_node_get(const struct sched *s, int n)
{
	KS_ASSERT(n >= 0 && (size_t)n < s->nnodes);
	return &s->nodes[n];
}

int
sched_node_find(const struct sched *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].spec && strcmp(s->nodes[i].spec->name, name) == 0)
			return (int)i;
	return -1;
}

static uint64_t
str_mix(uint64_t h, const char *str)
{
	return ks_mix64(h ^ (str != NULL ? ks_hash_str(str) : 0x5a5a));
}

uint64_t
sched_hash_str(uint64_t h, const char *str)
{
	return str_mix(h, str);
}

static uint64_t
reqs_hash(uint64_t h, const struct k8s_sel_req *r, size_t n)
{
	h = ks_mix64(h ^ n);
	for (size_t i = 0; i < n; i++) {
		h = ks_mix64(str_mix(h, r[i].key) ^ (uint64_t)r[i].op);
		for (size_t v = 0; v < r[i].nvalues; v++)
			h = str_mix(h, r[i].values[v]);
		h = ks_mix64(h ^ r[i].nvalues);
	}
	return h;
}

uint64_t
sched_hash_selector(uint64_t h, const struct k8s_selector *sel)
{
	if (sel == NULL)
		return ks_mix64(h ^ 0x51);
	h = ks_mix64(h ^ (sel->set ? 0x53 : 0x55));
	return reqs_hash(h, sel->reqs, sel->nreqs);
}

struct sched_mark *
sched_pref_cache(struct sched *s, const struct k8s_pod_spec *pod)
{
	const struct k8s_affinity *a = &pod->affinity;
	uint64_t key = ks_mix64(a->nnode_preferred ^ 0x9f);
	for (size_t i = 0; i < a->nnode_preferred; i++) {
		const struct k8s_node_term *t = &a->node_preferred[i].term;
		key = ks_mix64(key ^ (uint64_t)(uint32_t)a->node_preferred[i].weight);
		key = reqs_hash(key, t->match_expressions, t->nexpr);
		key = reqs_hash(key, t->match_fields, t->nfields);
	}
	return sched_node_cache(s, key);
}

struct sched_mark *
sched_node_cache(struct sched *s, uint64_t key)
{
	struct sched_pref_cache *pc = NULL;
	for (int i = 0; i < SCHED_NODE_CACHES; i++)
		if (s->pref_cache[i].used && s->pref_cache[i].key == key) {
			pc = &s->pref_cache[i];
			break;
		}
	if (pc == NULL) {
		pc = &s->pref_cache[s->pref_next];
		s->pref_next = (s->pref_next + 1) % SCHED_NODE_CACHES;
		pc->key = key;
		pc->used = true;
		pc->gen = s->nodes_gen - 1;	/* forces a reset */
	}
	if (pc->gen != s->nodes_gen || pc->m.cap < s->nnodes) {
		sched_mark_begin(s, &pc->m);	/* forgets every value at once */
		pc->gen = s->nodes_gen;
	}
	return &pc->m;
}

uint64_t
sched_tolerations_hash(const struct k8s_pod_spec *pod)
{
	uint64_t h = ks_mix64(pod->ntolerations ^ 0x7);
	for (size_t i = 0; i < pod->ntolerations; i++) {
		const struct k8s_toleration *t = &pod->tolerations[i];
		h = str_mix(str_mix(h, t->key), t->value);
		h = ks_mix64(h ^ ((uint64_t)t->op << 8) ^ ((uint64_t)t->effect << 16));
	}
	return h;
}

/* What required_match reads of a pod: nodeSelector and the required node
 * affinity terms. */
static uint64_t
affinity_hash(const struct k8s_pod_spec *pod)
{
	uint64_t h = ks_mix64(pod->node_selector.n);
	for (size_t i = 0; i < pod->node_selector.n; i++)
		h = str_mix(str_mix(h, pod->node_selector.v[i].key), pod->node_selector.v[i].value);
	h = ks_mix64(h ^ pod->affinity.nnode_required);
	for (size_t i = 0; i < pod->affinity.nnode_required; i++) {
		const struct k8s_node_term *t = &pod->affinity.node_required[i];
		h = reqs_hash(h, t->match_expressions, t->nexpr);
		h = reqs_hash(h, t->match_fields, t->nfields);
	}
	return h;
}

static int32_t group_of(struct sched *s, const struct k8s_pod_spec *spec);

uint64_t
sched_affinity_hash(const struct k8s_pod_spec *pod)
{
	return affinity_hash(pod);
}

int32_t
sched_group_of(struct sched *s, const struct k8s_pod_spec *spec)
{
	return group_of(s, spec);
}

uint8_t *
sched_affinity_cache(struct sched *s, const struct k8s_pod_spec *pod)
{
	if (pod->node_selector.n == 0 && pod->affinity.nnode_required == 0)
		return NULL;
	int32_t gi = group_of(s, pod);	/* may move s->groups */
	struct sched_group *g = &s->groups[gi];
	uint64_t key = affinity_hash(pod);
	size_t n = s->nnodes ? s->nnodes : 1;
	if (g->aff_cap < n) {
		g->aff_cap = n + n / 2;
		free(g->aff_ok);
		g->aff_ok = xcalloc(g->aff_cap, 1);
		g->aff_gen = s->nodes_gen;
		g->aff_key = key;
	} else if (g->aff_gen != s->nodes_gen || g->aff_key != key) {
		memset(g->aff_ok, 0, n);
		g->aff_gen = s->nodes_gen;
		g->aff_key = key;
	}
	return g->aff_ok;
}

/* ---- groups (pods per spec) --------------------------------------------------------- */

static size_t
ptr_hash(const void *p)
{
	return (size_t)ks_mix64((uint64_t)(uintptr_t)p);
}

static void
gmap_put(struct sched *s, const void *key, int32_t val)
{
	if ((s->ngroups + 1) * 2 > s->gcap) {
		size_t ocap = s->gcap;
		const void **okeys = s->gkeys;
		int32_t *ovals = s->gvals;
		s->gcap = ocap ? ocap * 2 : 64;
		s->gkeys = xcalloc(s->gcap, sizeof *s->gkeys);
		s->gvals = xcalloc(s->gcap, sizeof *s->gvals);
		for (size_t i = 0; i < ocap; i++) {
			if (okeys[i] == NULL)
				continue;
			size_t h = ptr_hash(okeys[i]) & (s->gcap - 1);
			while (s->gkeys[h] != NULL)
				h = (h + 1) & (s->gcap - 1);
			s->gkeys[h] = okeys[i];
			s->gvals[h] = ovals[i];
		}
		free(okeys);
		free(ovals);
	}
	size_t h = ptr_hash(key) & (s->gcap - 1);
	while (s->gkeys[h] != NULL && s->gkeys[h] != key)
		h = (h + 1) & (s->gcap - 1);
	s->gkeys[h] = key;
	s->gvals[h] = val;
}

static int32_t
gmap_get(const struct sched *s, const void *key)
{
	if (s->gcap == 0)
		return -1;
	size_t h = ptr_hash(key) & (s->gcap - 1);
	while (s->gkeys[h] != NULL) {
		if (s->gkeys[h] == key)
			return s->gvals[h];
		h = (h + 1) & (s->gcap - 1);
	}
	return -1;
}

/* What decides which selectors match a group: its labels and namespace. */
static uint64_t labels_hash(const struct k8s_labels *l);
static uint64_t
match_hash(const struct k8s_pod_spec *spec)
{
	return str_mix(labels_hash(&spec->labels), spec->namespace ? spec->namespace : "");
}

/* Adds group id g to list l, kept ascending. */
static void
glist_insert(struct sched_glist *l, int32_t g)
{
	KS_GROW(l->v, l->cap, l->n + 1);
	size_t i = l->n++;
	while (i > 0 && l->v[i - 1] > g) {
		l->v[i] = l->v[i - 1];
		i--;
	}
	l->v[i] = g;
}

uint64_t
sched_spec_match_hash(const struct k8s_pod_spec *spec)
{
	return match_hash(spec);
}

static void
group_refresh(struct sched *s, struct sched_group *g, const struct k8s_pod_spec *spec)
{
	const struct k8s_affinity *a = &spec->affinity;
	uint64_t mh = match_hash(spec);
	if (g->spec != NULL && mh != g->match_hash)
		s->groups_gen++;	/* domain counts re-match every group */
	g->match_hash = mh;
	g->spec = spec;
	g->req_valid = false;
	g->has_affinity = a->npod_required || a->npod_preferred || a->nanti_required ||
	    a->nanti_preferred;
	g->has_anti_required = a->nanti_required > 0;
	int32_t id = (int32_t)(g - s->groups);
	if (g->has_affinity || g->in_aff_list)
		s->aff_gen++;	/* its terms may be others now */
	if (g->has_affinity && !g->in_aff_list) {
		g->in_aff_list = true;
		glist_insert(&s->aff_groups, id);
	}
	if (g->has_anti_required && !g->in_anti_list) {
		g->in_anti_list = true;
		glist_insert(&s->anti_groups, id);
	}
}

/* The index key of one label. */
static char *
label_key(const char *k, const char *v)
{
	return xasprintf("%s\x1f%s", k, v);
}

static uint64_t
labels_hash(const struct k8s_labels *l)
{
	uint64_t h = l->n;
	for (size_t i = 0; i < l->n; i++) {
		for (const char *p = l->v[i].key; *p; p++)
			h = ks_mix64(h ^ (unsigned char)*p);
		h = ks_mix64(h ^ 0x1f);
		for (const char *p = l->v[i].value; *p; p++)
			h = ks_mix64(h ^ (unsigned char)*p);
		h = ks_mix64(h ^ 0x1e);
	}
	return h;
}

static void
group_index(struct sched *s, int32_t g)
{
	const struct k8s_labels *l = &s->groups[g].spec->labels;
	s->groups[g].label_hash = labels_hash(l);
	for (size_t i = 0; i < l->n; i++) {
		char *key = label_key(l->v[i].key, l->v[i].value);
		int64_t li;
		if (!ks_strmap_get(&s->glabel, key, &li)) {
			KS_GROW(s->glists, s->cap_glists, s->nglists + 1);
			li = (int64_t)s->nglists++;
			memset(&s->glists[li], 0, sizeof s->glists[li]);
			ks_strmap_put(&s->glabel, key, li);
		}
		struct sched_glist *gl = &s->glists[li];
		KS_GROW(gl->v, gl->cap, gl->n + 1);
		gl->v[gl->n++] = g;
		free(key);
	}
}

/* The index key of one label in buf when it fits (no allocation per
 * cycle), else allocated: free it when it is not buf. */
static char *
label_key_buf(const char *k, const char *v, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s\x1f%s", k, v);
	if (len >= 0 && (size_t)len < n)
		return buf;
	return label_key(k, v);
}

static const struct sched_glist *
glist_of(const struct sched *s, const char *k, const char *v)
{
	char buf[256];
	char *key = label_key_buf(k, v, buf, sizeof buf);
	int64_t li;
	bool found = ks_strmap_get(&s->glabel, key, &li);
	if (key != buf)
		free(key);
	static const struct sched_glist none;
	return found ? &s->glists[li] : &none;
}

const struct sched_glist *
sched_groups_with_selector(const struct sched *s, const struct k8s_selector *sel)
{
	if (s->gindex_stale || sel == NULL || !sel->set)
		return NULL;
	for (size_t i = 0; i < sel->nreqs; i++) {
		const struct k8s_sel_req *r = &sel->reqs[i];
		if (r->op == K8S_SEL_IN && r->nvalues == 1)
			return glist_of(s, r->key, r->values[0]);
	}
	return NULL;
}

const struct sched_glist *
sched_groups_with(const struct sched *s, const struct sched_sel *sel)
{
	if (s->gindex_stale)
		return NULL;
	for (int i = 0; i < sel->neq; i++)
		if (sel->eq[i]->n > 0)
			return glist_of(s, sel->eq[i]->v[0].key, sel->eq[i]->v[0].value);
	const struct k8s_selector *bs[2] = { sel->base, sel->base2 };
	for (int b = 0; b < 2; b++) {
		if (bs[b] == NULL)
			continue;
		for (size_t i = 0; i < bs[b]->nreqs; i++) {
			const struct k8s_sel_req *r = &bs[b]->reqs[i];
			if (r->op == K8S_SEL_IN && r->nvalues == 1)
				return glist_of(s, r->key, r->values[0]);
		}
	}
	if (sel->nmk > 0)
		return glist_of(s, sel->mk_key[0], sel->mk_val[0]);
	return NULL;
}

static int32_t
group_of(struct sched *s, const struct k8s_pod_spec *spec)
{
	int32_t g = gmap_get(s, spec);
	if (g < 0) {
		KS_GROW(s->groups, s->cap_groups, s->ngroups + 1);
		g = (int32_t)s->ngroups;
		memset(&s->groups[g], 0, sizeof s->groups[g]);
		gmap_put(s, spec, g);
		s->ngroups++;
		group_refresh(s, &s->groups[g], spec);
		group_index(s, g);
	}
	if (s->groups[g].npods == 0) {
		group_refresh(s, &s->groups[g], spec);
		if (labels_hash(&spec->labels) != s->groups[g].label_hash)
			s->gindex_stale = true;
	}
	return g;
}

/* The node's entry for group g, created when create is set. */
static struct sched_ng *
node_group(struct sched *s, int n, int32_t g, bool create)
{
	struct sched_node *node = &s->nodes[n];
	for (size_t i = 0; i < node->ngroups; i++)
		if (node->groups[i].group == g)
			return &node->groups[i];
	if (!create)
		return NULL;
	struct sched_group *grp = &s->groups[g];
	KS_GROW(node->groups, node->cap_groups, node->ngroups + 1);
	KS_GROW(grp->nodes, grp->cap, grp->nnodes + 1);
	struct sched_ng *e = &node->groups[node->ngroups];
	e->group = g;
	e->live = e->all = 0;
	e->gpos = (int32_t)grp->nnodes;
	grp->nodes[grp->nnodes].node = n;
	grp->nodes[grp->nnodes].npos = (int32_t)node->ngroups;
	grp->nnodes++;
	node->ngroups++;
	return e;
}

static void
node_group_drop(struct sched *s, int n, struct sched_ng *e)
{
	struct sched_node *node = &s->nodes[n];
	struct sched_group *grp = &s->groups[e->group];
	size_t npos = (size_t)(e - node->groups);
	size_t gpos = (size_t)e->gpos;
	/* Remove from the group's node list (swap with last). */
	grp->nodes[gpos] = grp->nodes[grp->nnodes - 1];
	grp->nnodes--;
	if (gpos < grp->nnodes) {
		struct sched_gnode *moved = &grp->nodes[gpos];
		s->nodes[moved->node].groups[moved->npos].gpos = (int32_t)gpos;
	}
	/* Remove from the node's group list (swap with last). */
	node->groups[npos] = node->groups[node->ngroups - 1];
	node->ngroups--;
	if (npos < node->ngroups) {
		struct sched_ng *m = &node->groups[npos];
		s->groups[m->group].nodes[m->gpos].npos = (int32_t)npos;
	}
}

/* ---- pods -------------------------------------------------------------------- */

static void
add_ports(struct sched *s, int n, int32_t pod, const struct k8s_pod_spec *spec)
{
	struct sched_node *node = &s->nodes[n];
	for (size_t c = 0; c < spec->ncontainers; c++) {
		const struct k8s_container *ct = &spec->containers[c];
		for (size_t i = 0; i < ct->nports; i++) {
			if (ct->ports[i].host_port <= 0)
				continue;
			KS_GROW(node->ports, node->cap_ports, node->nports + 1);
			struct sched_hostport *hp = &node->ports[node->nports++];
			hp->pod = pod;
			hp->port = ct->ports[i].host_port;
			hp->proto = ct->ports[i].protocol && *ct->ports[i].protocol ?
			    ct->ports[i].protocol : "TCP";
			hp->ip = ct->ports[i].host_ip && *ct->ports[i].host_ip ?
			    ct->ports[i].host_ip : "0.0.0.0";
		}
	}
}

static void
del_ports(struct sched *s, int n, int32_t pod)
{
	struct sched_node *node = &s->nodes[n];
	size_t j = 0;
	for (size_t i = 0; i < node->nports; i++)
		if (node->ports[i].pod != pod)
			node->ports[j++] = node->ports[i];
	node->nports = j;
}

static void
pod_requests(struct sched *s, const struct k8s_pod_spec *spec, struct sched_pod *p)
{
	struct k8s_resources r;
	k8s_pod_request(spec, false, &r);
	p->cpu = r.cpu_milli;
	p->mem = r.memory;
	p->eph = r.ephemeral;
	memset(p->ext, 0, sizeof p->ext);
	for (int i = 0; i < r.n_ext; i++) {
		int k = sched_res_index(s, r.ext[i].name);
		if (k >= 0)
			p->ext[k] = r.ext[i].value;
	}
	k8s_res_free(&r);
	k8s_pod_request(spec, true, &r);
	p->nz_cpu = r.cpu_milli;
	p->nz_mem = r.memory;
	k8s_res_free(&r);
}

/* sum + sign * q for a node's requested total, saturating: requests summed
 * past int64 (a dump of huge quantities) stay at INT64_MAX, which no
 * allocatable exceeds, so the node is full; taking pods off a saturated
 * total never goes below 0. Exact wherever the true sum fits. */
static int64_t
req_add(int64_t sum, int sign, int64_t q)
{
	int64_t r = ks_sat_add(sum, sign * q);
	return r < 0 ? 0 : r;
}

static void
node_account(struct sched *s, struct sched_node *node, const struct sched_pod *p, int sign)
{
	sched_fc_forget(s, (int)(node - s->nodes));
	node->req_cpu = req_add(node->req_cpu, sign, p->cpu);
	node->req_mem = req_add(node->req_mem, sign, p->mem);
	node->req_eph = req_add(node->req_eph, sign, p->eph);
	for (int i = 0; i < SCHED_MAX_EXT; i++)
		node->req_ext[i] = req_add(node->req_ext[i], sign, p->ext[i]);
	node->nz_cpu = req_add(node->nz_cpu, sign, p->nz_cpu);
	node->nz_mem = req_add(node->nz_mem, sign, p->nz_mem);
}

/* Links pod id (requests already read) onto node n. */
static void
pod_link(struct sched *s, int32_t id, int n)
{
	struct sched_pod *p = &s->pods[id];
	p->node = n;
	struct sched_node *node = &s->nodes[n];
	node_account(s, node, p, 1);
	KS_GROW(node->pods, node->cap_pods, (size_t)node->npods + 1);
	p->pos = node->npods;
	node->pods[node->npods++] = id;
	s->groups[p->group].npods++;
	struct sched_ng *e = node_group(s, n, p->group, true);
	e->all++;
	if (!p->terminating) {
		e->live++;
		sched_dcount_bump(s, p->group, n, 1);
	}
	add_ports(s, n, id, s->groups[p->group].spec);
}

/* Unlinks pod id from its node; the slot keeps its group and requests. */
static void
pod_unlink(struct sched *s, int32_t id)
{
	struct sched_pod *p = &s->pods[id];
	int n = p->node;
	struct sched_node *node = &s->nodes[n];
	node_account(s, node, p, -1);
	int32_t last = node->pods[node->npods - 1];
	node->pods[p->pos] = last;
	s->pods[last].pos = p->pos;
	node->npods--;
	struct sched_ng *e = node_group(s, n, p->group, false);
	KS_ASSERT(e != NULL);
	e->all--;
	if (!p->terminating) {
		e->live--;
		sched_dcount_bump(s, p->group, n, -1);
	}
	if (e->all == 0)
		node_group_drop(s, n, e);
	s->groups[p->group].npods--;
	if (node->nports)
		del_ports(s, n, id);
}

int
sched_node_add_pod(struct sched *s, int n, const struct k8s_pod_spec *spec)
{
	KS_ASSERT(n >= 0 && (size_t)n < s->nnodes && sched_node_live(s, n));
	int32_t id;
	if (s->free_pod >= 0) {
		id = s->free_pod;
		s->free_pod = s->pods[id].next_free;
	} else {
		KS_GROW(s->pods, s->cap_pods, s->npods + 1);
		id = (int32_t)s->npods++;
	}
	struct sched_pod *p = &s->pods[id];
	memset(p, 0, sizeof *p);
	p->next_free = -1;
	p->group = group_of(s, spec);
	/* the requests are the spec's: read once per group (refreshed with it) */
	struct sched_group *g = &s->groups[p->group];
	if (!g->req_valid) {
		pod_requests(s, spec, &g->req);
		g->req_valid = true;
	}
	p->cpu = g->req.cpu;
	p->mem = g->req.mem;
	p->eph = g->req.eph;
	memcpy(p->ext, g->req.ext, sizeof p->ext);
	p->nz_cpu = g->req.nz_cpu;
	p->nz_mem = g->req.nz_mem;
	pod_link(s, id, n);
	return id;
}

void
sched_node_remove_pod(struct sched *s, int id)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].node >= 0);
	struct sched_pod *p = &s->pods[id];
	pod_unlink(s, id);
	p->node = -1;
	p->next_free = s->free_pod;
	s->free_pod = id;
}

void
sched_pod_detach(struct sched *s, int id)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].node >= 0 &&
	    !s->pods[id].detached);
	pod_unlink(s, id);
	s->pods[id].detached = true;	/* p->node still names its node */
}

void
sched_pod_attach(struct sched *s, int id)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].detached);
	s->pods[id].detached = false;
	pod_link(s, id, s->pods[id].node);
}

void
sched_pod_set_terminating(struct sched *s, int id, bool terminating)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].node >= 0);
	struct sched_pod *p = &s->pods[id];
	if (p->terminating == terminating)
		return;
	struct sched_ng *e = node_group(s, p->node, p->group, false);
	e->live += terminating ? -1 : 1;
	sched_dcount_bump(s, p->group, p->node, terminating ? -1 : 1);
	p->terminating = terminating;
}

void
sched_pod_set_preempted(struct sched *s, int id)
{
	sched_pod_set_terminating(s, id, true);
	s->pods[id].preempted = true;
}

void
sched_pod_set_start(struct sched *s, int id, int64_t start)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].node >= 0);
	s->pods[id].start = start;
	s->pods[id].started = true;
}

int
sched_pod_node(const struct sched *s, int id)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods);
	return s->pods[id].node;
}

const struct k8s_pod_spec *
sched_pod_spec(const struct sched *s, int id)
{
	KS_ASSERT(id >= 0 && (size_t)id < s->npods && s->pods[id].node >= 0);
	return s->groups[s->pods[id].group].spec;
}

void
sched_add_service(struct sched *s, const char *ns, const struct k8s_labels *selector)
{
	KS_GROW(s->services, s->cap_services, s->nservices + 1);
	size_t cap_tail = s->cap_services;
	s->svc_tail = xreallocarray(s->svc_tail, cap_tail ? cap_tail : 1, sizeof *s->svc_tail);
	int32_t id = (int32_t)s->nservices++;
	s->services[id].ns = ns;
	s->services[id].sel = selector;
	s->services[id].next = -1;
	if (selector->n == 0)
		return;		/* selects nothing for spreading: never listed */
	char *key = label_key(selector->v[0].key, selector->v[0].value);
	int64_t head;
	if (ks_strmap_get(&s->svc_first, key, &head)) {
		s->services[s->svc_tail[head]].next = id;
		s->svc_tail[head] = id;
	} else {
		ks_strmap_put(&s->svc_first, key, id);
		s->svc_tail[id] = id;
	}
	free(key);
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

size_t
sched_services_of(struct sched *s, const struct k8s_labels *labels)
{
	size_t n = 0;
	if (s->svc_first.len == 0)
		return 0;
	for (size_t i = 0; i < labels->n; i++) {
		char buf[256];
		char *key = label_key_buf(labels->v[i].key, labels->v[i].value, buf, sizeof buf);
		int64_t head;
		if (ks_strmap_get(&s->svc_first, key, &head))
			for (int32_t id = (int32_t)head; id >= 0; id = s->services[id].next) {
				KS_GROW(s->svc_found, s->cap_svc_found, n + 1);
				s->svc_found[n++] = id;
			}
		if (key != buf)
			free(key);
	}
	if (n > 1)
		qsort(s->svc_found, n, sizeof *s->svc_found, cmp_i32);
	return n;
}

/* Frees everything sched_state.c allocated. */
void
sched_state_free(struct sched *s)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		free(s->nodes[i].pods);
		free(s->nodes[i].groups);
		free(s->nodes[i].ports);
	}
	free(s->nodes);
	free(s->fc);
	s->fc = NULL;
	s->cap_fc = 0;
	free(s->pods);
	for (size_t i = 0; i < s->ngroups; i++) {
		free(s->groups[i].nodes);
		free(s->groups[i].aff_ok);
		free(s->groups[i].drefs);
		free(s->groups[i].ipa_hits);
	}
	sched_dcount_free(s);
	for (int i = 0; i < SCHED_NODE_CACHES; i++)
		sched_mark_free(&s->pref_cache[i].m);
	sched_mark_free(&s->mk_taint);
	sched_mark_free(&s->mk_elig);
	sched_mark_free(&s->mk_ignored);
	for (int i = 0; i < SCHED_MAX_SPREAD; i++)
		sched_mark_free(&s->mk_host[i]);
	for (int i = 0; i < SCHED_MAX_TSCORE; i++)
		sched_mark_free(&s->mk_tscore[i]);
	free(s->groups);
	free(s->gkeys);
	free(s->gvals);
	for (size_t i = 0; i < s->ntopos; i++) {
		free(s->topos[i].key);
		free(s->topos[i].dom);
		free(s->topos[i].has);
		ks_strmap_fini(&s->topos[i].vals);
	}
	free(s->topos);
	for (int i = 0; i < s->next; i++) {
		free(s->ext[i].name);
		free(s->ext[i].reason);
	}
	free(s->services);
	free(s->svc_tail);
	free(s->svc_found);
	for (size_t i = 0; i < s->nglists; i++)
		free(s->glists[i].v);
	free(s->glists);
	free(s->aff_groups.v);
	free(s->anti_groups.v);
	ks_strmap_fini(&s->glabel);
	ks_strmap_fini(&s->svc_first);
	ks_strmap_fini(&s->images);
	for (size_t i = 0; i < s->nnodes && i < s->cap_node_images; i++)
		free(s->node_images[i]);
	free(s->node_images);
	free(s->image_nodes);
	sched_arena_free(s);
}
