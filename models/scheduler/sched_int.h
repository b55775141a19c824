/*
 * sched_int.h - the scheduler's private state shared by its files: pods and
 * per-template groups, topology-key registries, the per-cycle state each
 * plugin prepares in PreFilter/PreScore, and the cycle's scratch arena.
 * Only the files of models/scheduler include it.
 */
#ifndef KS_SCHED_INT_H
#define KS_SCHED_INT_H

#include "models/scheduler/sched.h"
#include "sim/util/util.h"

#define SCHED_MAX_SPREAD	8	/* constraints of one pod */
#define SCHED_MAX_TERMS		16	/* pod (anti-)affinity terms of one pod */
#define SCHED_MAX_EQ		8	/* service selectors merged by default spreading */
#define SCHED_NODE_CACHES	16	/* sched_node_cache entries */
#define SCHED_MAX_TSCORE	(2 * SCHED_MAX_TERMS + 8)	/* InterPodAffinity score keys */

/* One template's pods on one node. */
struct sched_ng {
	int32_t	group;
	int32_t	live;		/* not terminating */
	int32_t	all;
	int32_t	gpos;		/* index in the group's node list */
};
struct sched_gnode {
	int32_t	node;
	int32_t	npos;		/* index in the node's group list */
};
/* A pod slot: its node, its group and its requests. */
struct sched_pod {
	int32_t	node;		/* -1: free slot */
	int32_t	group;
	int32_t	pos;		/* index in the node's pod list */
	int32_t	next_free;
	bool	terminating;
	bool	preempted;	/* terminating because the scheduler preempted it */
	bool	started;	/* start holds status.startTime */
	bool	detached;	/* taken off its node by a preemption dry run */
	int64_t	start;
	int64_t	cpu, mem, eph, ext[SCHED_MAX_EXT];
	int64_t	nz_cpu, nz_mem;
};
/* Pods sharing one spec. Groups are never freed; an empty group's spec
 * pointer is stale and is refreshed when a pod joins again. */
struct sched_group {
	const struct k8s_pod_spec *spec;
	int64_t			 npods;
	struct sched_gnode	*nodes;
	size_t			 nnodes, cap;
	bool			 has_affinity;	/* any pod (anti-)affinity term */
	bool			 has_anti_required;
	bool			 in_aff_list, in_anti_list;	/* s->aff_groups, anti_groups */
	uint64_t		 label_hash;	/* its labels when indexed (sched_groups_with) */
	/* Its pods' required node affinity per node (sched_node_affinity_ok:
	 * 0 unknown, 1 yes, 2 no), valid while nodes_gen and the affinity's
	 * hash are those it was filled under. */
	uint8_t			*aff_ok;
	size_t			 aff_cap;
	uint64_t		 aff_gen, aff_key;
	uint64_t		 match_hash;	/* labels and namespace when last refreshed */
	/* The domain counts matching this group's pods (maintained on every
	 * pod change of the group): entries (dcount id, its epoch). */
	struct sched_dref	*drefs;
	size_t			 ndrefs, cap_drefs;
	/* Its own DoNotSchedule constraints' domain counts: id + 1, 0 none. */
	int32_t			 own_dc[SCHED_MAX_SPREAD];
	/* InterPodAffinity's PreScore for its pods: the other groups' terms
	 * that match them, valid while ipa_key holds (sched_ipa.c). */
	struct sched_ipa_hit	*ipa_hits;
	size_t			 nipa_hits, cap_ipa_hits;
	uint64_t		 ipa_key;
	bool			 ipa_valid;
	/* Its pods' requests (pod_requests: the spec's, podutils.PodRequests
	 * with and without the non-zero defaults; only those fields of req),
	 * read once per refresh. */
	bool			 req_valid;
	struct sched_pod	 req;
};
struct sched_ipa_hit {
	int32_t		 group;		/* the existing pods' group */
	int8_t		 kind;		/* 0 required affinity, 1 preferred, 2 anti preferred */
	int32_t		 term;		/* index in that list */
};
struct sched_dref {
	int32_t		 id;
	uint32_t	 epoch;
};
/*
 * Matching live pods per topology domain of one DoNotSchedule constraint of
 * a template (PodTopologySpread's PreFilter counts), over the nodes that
 * count for it (every constraint key present, the inclusion policies),
 * maintained on every bind, removal and termination of a matching pod, so
 * that a cycle reads them instead of walking every node. Counts and the
 * eligible nodes are rebuilt when a node changed (nodes_gen); which groups
 * match is rebuilt when a group's labels changed (groups_gen).
 */
struct sched_dcount {
	uint64_t	 key;		/* what the counts depend on (sched_spread.c) */
	int		 topo;
	uint32_t	 epoch;		/* bumped when membership is recomputed */
	uint64_t	 nodes_gen;	/* counts valid while s->nodes_gen equals */
	uint64_t	 groups_gen;	/* membership valid while s->groups_gen equals */
	bool		 counted;	/* cnt, present, elig filled for nodes_gen */
	size_t		 nchecked;	/* groups [0, nchecked) matched */
	size_t		 ncand;		/* or the first ncand of its label's groups */
	int32_t		*members;	/* the matching groups */
	size_t		 nmembers, cap_members;
	int32_t		*waiting;	/* checked while empty (spec unknown): again when not */
	size_t		 nwaiting, cap_waiting;
	uint8_t		*elig;		/* per node: 1 counts */
	size_t		 cap_elig;
	int64_t		*cnt;		/* per domain */
	uint8_t		*present;	/* per domain */
	size_t		 ndom, cap_dom;
	int64_t		 ndomains;
};
/* Group ids in creation order, of one label. */
struct sched_glist {
	int32_t		*v;
	size_t		 n, cap;
};
struct sched_hostport {
	int32_t		 pod;
	int32_t		 port;
	const char	*proto;		/* "TCP" when unset */
	const char	*ip;		/* "0.0.0.0" when unset */
};
/* A topology key: each node's value interned as a domain id. Value "" is
 * always domain 0, so a node missing the key reads as "" like a Go map. */
struct sched_topo {
	char		*key;
	int32_t		*dom;		/* per node */
	bool		*has;		/* per node: key present */
	struct ks_strmap vals;
	size_t		 ndom;
};
struct sched_ext {
	char	*name;
	char	*reason;		/* "Insufficient <name>" */
	bool	 extended;		/* an extended resource (not hugepages, not kubernetes.io/) */
	bool	 ignored;		/* extended and in ignoredResources(Groups): not filtered */
};
struct sched_service {
	const char		*ns;
	const struct k8s_labels	*sel;
	int32_t			 next;	/* next service under the same first label, -1 */
};

/* A label selector as the plugins build it: base requirements, an owner's
 * requirements, equality maps and matchLabelKeys pairs, all ANDed. */
struct sched_sel {
	bool			 nothing;	/* labels.Nothing() */
	const struct k8s_selector *base;
	const struct k8s_selector *base2;
	const struct k8s_labels	*eq[SCHED_MAX_EQ];
	int			 neq;
	const char		*mk_key[SCHED_MAX_SPREAD];
	const char		*mk_val[SCHED_MAX_SPREAD];
	int			 nmk;
};
bool sched_sel_empty(const struct sched_sel *sel);
/* The services whose selector's first label is one of labels' (a superset
 * of those that select labels), in the order added, into s->svc_found. */
size_t sched_services_of(struct sched *s, const struct k8s_labels *labels);
/* The node-affinity answers of pod's template kept across cycles (cleared
 * when a node changed or the template's required node affinity is not the
 * one they were computed for), or NULL when the pod requires none. */
uint8_t *sched_affinity_cache(struct sched *s, const struct k8s_pod_spec *pod);
/* The groups that can match sel, ascending: a list of those carrying one
 * label sel requires, or NULL when sel requires no single label (or the
 * index is stale): then every group can. */
const struct sched_glist *sched_groups_with(const struct sched *s, const struct sched_sel *sel);
bool sched_sel_matches(const struct sched_sel *sel, const struct k8s_labels *l);

struct sched_spread_c {
	int		 topo;
	bool		 hostname;
	int32_t		 max_skew, min_domains;
	bool		 honor_affinity, honor_taints;
	struct sched_sel sel;
	bool		 self_match;
	int32_t		*glist;		/* the matching groups with pods, ascending */
	size_t		 nglist;
	int64_t		*cnt;		/* per domain */
	uint8_t		*present;	/* per domain */
	uint8_t		*dfail;		/* DoNotSchedule: per domain, the skew fails */
	int64_t		 min_match;
	int64_t		 ndomains;
	double		 weight;
};
struct sched_tpc {			/* counts by domain of one key */
	int	 topo;
	int64_t	*cnt;
};

struct sched_cycle {
	const struct k8s_pod_spec	*pod;
	const struct k8s_selector	*owner;
	bool		 pre[SCHED_NPLUGINS];	/* PreFilter done */
	/* NodeResourcesFit / BalancedAllocation */
	int64_t		 cpu, mem, eph, ext[SCHED_MAX_EXT];
	int64_t		 nz_cpu, nz_mem;
	bool		 req_any;
	bool		 req_other;		/* ephemeral storage or an extended resource */
	/* NodeAffinity */
	bool		 has_required;
	struct sched_mark *pref;		/* preferred terms' sum per node */
	/* per node caches: 0 unknown, 1 yes, 2 no; aff_all: the pod requires
	 * nothing of a node (no nodeSelector, no required terms) */
	uint8_t		*aff_ok;
	bool		 aff_all;
	/* the filters that can fail for this pod, in upstream's order */
	enum sched_plugin filters[SCHED_NPLUGINS];
	int		 nfilters;
	/* Every filter is NodeUnschedulable, TaintToleration or
	 * NodeResourcesFit on pods, cpu and memory: a schedulable node
	 * without taints where the pod fits passes them all (sched.c). */
	bool		 plain_filters;
	/* PodTopologySpread */
	struct sched_spread_c fcons[SCHED_MAX_SPREAD];
	int		 nfcons;
	struct sched_spread_c scons[SCHED_MAX_SPREAD];
	int		 nscons;
	bool		 require_all;
	/* InterPodAffinity */
	struct sched_tpc existing_anti[SCHED_MAX_TERMS];
	int		 nexisting_anti;
	bool		 any_existing_anti;
	struct sched_tpc aff[SCHED_MAX_TERMS];
	int		 naff;
	bool		 aff_any;
	bool		 self_matches_all;
	struct sched_tpc anti[SCHED_MAX_TERMS];
	int		 nanti;
	struct sched_tpc tscore[SCHED_MAX_TSCORE];
	int		 ntscore;
	bool		 tscore_any;
};

/* Per-node values of one cycle (or one use) without clearing: an entry
 * holds a value only when its stamp is the current one, so starting over
 * is one increment instead of a pass over every node. */
struct sched_mark {
	uint32_t	*stamp;
	int64_t		*val;
	size_t		 cap;
	uint32_t	 cur;
};
void sched_mark_begin(struct sched *s, struct sched_mark *m);
void sched_mark_begin_n(struct sched_mark *m, size_t n);	/* n entries */
/* The groups that can match a pod term's label selector (those carrying
 * one label it requires by In with one value), or NULL: every group. */
const struct sched_glist *sched_groups_with_selector(const struct sched *s,
    const struct k8s_selector *sel);
void sched_mark_free(struct sched_mark *m);
static inline bool
sched_mark_get(const struct sched_mark *m, int n, int64_t *v)
{
	if (m->stamp[n] != m->cur)
		return false;
	*v = m->val[n];
	return true;
}
static inline void
sched_mark_set(struct sched_mark *m, int n, int64_t v)
{
	m->stamp[n] = m->cur;
	m->val[n] = v;
}
static inline int64_t
sched_mark_value(const struct sched_mark *m, int n)	/* 0 when unset */
{
	return m->stamp[n] == m->cur ? m->val[n] : 0;
}

/* A bump allocator for one cycle; reset keeps one chunk big enough for the
 * last cycle, so steady-state cycles do not call malloc. */
struct sched_arena {
	char	**chunks;
	size_t	 *sizes;
	size_t	  nchunks;
	size_t	  used;		/* in the last chunk */
	size_t	  total;
};

/* NodeResourcesFit + BalancedAllocation of one node for one pod shape
 * (sched_fit_balanced_totals), forgotten when the node's requests or
 * allocatable change. */
#define SCHED_FC_SLOTS		4	/* per node, by shape id */
#define SCHED_FC_SHAPES		8	/* shapes remembered */
struct sched_fc {
	int64_t		 val;
	uint32_t	 sid;		/* 0: empty */
};
struct sched_shape {
	int64_t		 v[8];		/* what the sum reads of the pod and config */
	uint32_t	 sid;
};

struct sched {
	struct sched_config	 cfg;
	struct sched_node	*nodes;
	size_t			 nnodes, cap_nodes, nlive;
	struct sched_pod	*pods;
	size_t			 npods, cap_pods;
	int32_t			 free_pod;
	struct sched_group	*groups;
	size_t			 ngroups, cap_groups;
	const void		**gkeys;	/* open-addressing spec -> group */
	int32_t			*gvals;
	size_t			 gcap;
	struct sched_topo	*topos;
	size_t			 ntopos;
	struct sched_ext	 ext[SCHED_MAX_EXT];
	int			 next;
	struct sched_service	*services;
	size_t			 nservices, cap_services;
	/* Services by their selector's first label ("key\x1fvalue"): the head
	 * and tail of a list in the order added (sched_services_of). */
	struct ks_strmap	 svc_first;
	int32_t			*svc_tail;	/* per list head: its last service */
	int32_t			*svc_found;	/* sched_services_of's answer */
	size_t			 cap_svc_found;
	/* Groups by each of their labels ("key\x1fvalue" -> glists index);
	 * stale (never used again) if a group's labels ever change. */
	struct ks_strmap	 glabel;
	struct sched_glist	*glists;
	size_t			 nglists, cap_glists;
	bool			 gindex_stale;
	uint64_t		 nodes_gen;	/* bumped by every node add, update, removal */
	uint64_t		 groups_gen;	/* bumped when a group's labels or namespace change */
	/* The groups that ever had a pod (anti-)affinity term, and those with a
	 * required anti-affinity term, ascending (InterPodAffinity walks them
	 * instead of every group). */
	struct sched_glist	 aff_groups, anti_groups;
	struct sched_dcount	*dcounts;	/* sched_spread.c */
	size_t			 ndcounts, cap_dcounts;
	/* ImageLocality: normalized image name -> id; nodes holding each id.
	 * Node images are normalized once, when the node is added. */
	struct ks_strmap	 images;
	int64_t			*image_nodes;
	size_t			 nimage_ids, cap_image_ids;
	int32_t			**node_images;	/* per node index: ids, as spec->images */
	size_t			 cap_node_images;
	/* The last pod's image ids (pod specs are immutable and shared). */
	const void		*img_pod;
	uint64_t		 img_gen;	/* bumps when an id is added */
	uint64_t		 img_pod_gen;
	int32_t			 img_ids[32];
	int			 nimg_ids;
	size_t			 next_start;	/* rotating start index */
	/* resolved scoring resources: index -1 cpu, -2 memory, -3 ephemeral, >= 0 ext */
	int			 fit_res[SCHED_MAX_RES];
	int			 bal_res[SCHED_MAX_RES];
	struct sched_cycle	 cy;
	struct sched_arena	 arena;
	/* Per-node score parts that depend only on the nodes and on what a
	 * key names (NodeAffinity's preferred terms, ImageLocality's images),
	 * kept while the nodes are unchanged (a few, reused in turn). */
	struct sched_pref_cache {
		uint64_t	 key, gen;
		bool		 used;
		struct sched_mark m;
	}			 pref_cache[SCHED_NODE_CACHES];
	int			 pref_next;
	struct sched_mark	 mk_taint;	/* untolerated taints: 1 ok, 2 not */
	struct sched_mark	 mk_elig;	/* spreading: node counts (1) or not (2) */
	struct sched_mark	 mk_ignored;	/* spreading score: IgnoredNodes */
	struct sched_mark	 mk_host[SCHED_MAX_SPREAD];	/* hostname counts */
	struct sched_mark	 mk_tscore[SCHED_MAX_TSCORE];	/* InterPodAffinity per domain */
	uint64_t		 aff_gen;	/* bumped when a group with pod terms is refreshed */
	struct sched_fc		*fc;		/* [cap_fc * SCHED_FC_SLOTS] */
	size_t			 cap_fc;
	struct sched_shape	 shapes[SCHED_FC_SHAPES];
	int			 shape_next;
	uint32_t		 sid_next;
	/* scratch for the framework */
	int			*feasible;
	int64_t			*scores;	/* [cap * SCHED_NPLUGINS] */
	int64_t			*totals;
	size_t			 cap_scratch;
};

#define SCHED_RES_CPU	(-1)
#define SCHED_RES_MEM	(-2)
#define SCHED_RES_EPH	(-3)
#define SCHED_RES_PODS	(-4)
#define SCHED_RES_NONE	(-5)
/* The index of a resource name, registering a new extended one; SCHED_RES_NONE
 * when the registry is full. */
int sched_res_index(struct sched *s, const char *name);

void *sched_arena_alloc(struct sched *s, size_t size);	/* zeroed */
void sched_arena_reset(struct sched *s);
void sched_arena_free(struct sched *s);

/* Topology key registry: index of key (created and filled on first use). */
int sched_topo_get(struct sched *s, const char *key);
static inline bool
sched_node_live(const struct sched *s, int n)
{
	return s->nodes[n].spec != NULL;
}

/* Namespace labels as kubesim models them: kubernetes.io/metadata.name. */
bool sched_ns_selector_matches(const struct k8s_selector *sel, const char *ns);
const char *sched_pod_ns(const struct k8s_pod_spec *p);
/* PodAffinityTerm.Matches: namespaces (own namespace when none given),
 * namespaceSelector, then labelSelector; owner_ns is the term owner's. */
bool sched_term_matches(const struct k8s_pod_term *t, const char *owner_ns,
    const struct k8s_pod_spec *target);

/* The whole cycle starts with this: forget the previous pod. */
void sched_cycle_begin(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner);

/* Required node affinity incl. nodeSelector (GetRequiredNodeAffinity.Match),
 * and untolerated NoSchedule/NoExecute taints, cached per cycle. */
bool sched_node_affinity_ok(struct sched *s, int node);
bool sched_node_taints_ok(struct sched *s, int node);
bool sched_match_node_term(const struct k8s_node_term *t, const struct k8s_node_spec *n);
/* The first NoSchedule/NoExecute taint not tolerated, or NULL. */
const struct k8s_taint *sched_untolerated_taint(const struct k8s_pod_spec *pod,
    const struct k8s_node_spec *n);

/* ---- plugin entry points (sched_fit.c, sched_taint.c, sched_spread.c, sched_ipa.c) */
void sched_fit_prefilter(struct sched *s);
/* An extended resource named in ignoredResources, or whose prefix before '/'
 * is in ignoredResourceGroups: fitsRequest does not check it. */
bool sched_fit_ignored(const struct sched_config *c, const char *name);
enum sched_code sched_fit_filter(struct sched *s, int node, struct sched_node_status *st,
    struct sched_insufficient *ins, int *nins);
int64_t sched_fit_score(struct sched *s, int node);
bool sched_balanced_prescore(struct sched *s);	/* true: Skip */
int64_t sched_balanced_score(struct sched *s, int node);

enum sched_code sched_unschedulable_filter(struct sched *s, int node, struct sched_node_status *st);
enum sched_code sched_node_name_filter(struct sched *s, int node, struct sched_node_status *st);
enum sched_code sched_taint_filter(struct sched *s, int node, struct sched_node_status *st);
int64_t sched_taint_score(struct sched *s, int node);
enum sched_code sched_affinity_filter(struct sched *s, int node, struct sched_node_status *st);
bool sched_affinity_prescore(struct sched *s);
int64_t sched_affinity_score(struct sched *s, int node);
enum sched_code sched_ports_filter(struct sched *s, int node, struct sched_node_status *st);
int64_t sched_image_score(struct sched *s, int node);
/* Whether any node holds one of the cycle pod's images (else every
 * ImageLocality score is 0). */
bool sched_image_any(struct sched *s);

void sched_spread_prefilter(struct sched *s);
enum sched_code sched_spread_filter(struct sched *s, int node, struct sched_node_status *st);
bool sched_spread_prescore(struct sched *s, const int *nodes, size_t n);
int64_t sched_spread_score(struct sched *s, int node);
void sched_spread_normalize(struct sched *s, const int *nodes, size_t n, int64_t *scores);
void sched_spread_normalize_all(struct sched *s, const int *nodes, size_t n, int64_t *scores);
/* sched_spread_score of n nodes after PreScore. */
void sched_spread_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc);

void sched_ipa_prefilter(struct sched *s);
enum sched_code sched_ipa_filter(struct sched *s, int node, struct sched_node_status *st);
bool sched_ipa_prescore(struct sched *s, const int *nodes, size_t n);
int64_t sched_ipa_score(struct sched *s, int node);
void sched_ipa_normalize(struct sched *s, const int *nodes, size_t n, int64_t *scores);

/* Hashes of what a selector, a pod's required node affinity and its
 * tolerations read (sched_state.c). */
uint64_t sched_hash_str(uint64_t h, const char *str);
uint64_t sched_hash_selector(uint64_t h, const struct k8s_selector *sel);
uint64_t sched_affinity_hash(const struct k8s_pod_spec *pod);
uint64_t sched_tolerations_hash(const struct k8s_pod_spec *pod);
uint64_t sched_spec_match_hash(const struct k8s_pod_spec *spec);	/* labels, namespace */
/* Per-node sums of the pod's preferred node-affinity terms (-1 unknown),
 * shared by pods with the same terms while the nodes are unchanged. */
struct sched_mark *sched_pref_cache(struct sched *s, const struct k8s_pod_spec *pod);
/* Per-node values under key, forgotten when a node changed. */
struct sched_mark *sched_node_cache(struct sched *s, uint64_t key);
/* Scores of n nodes by NodeResourcesFit, BalancedAllocation, ImageLocality. */
void sched_fit_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc);
void sched_balanced_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc);
/* totals[i] += wf * NodeResourcesFit's score (+ wb * BalancedAllocation's
 * when bal) of nodes[i], when both score cpu and memory as by default
 * (LeastAllocated); false, nothing added, otherwise. */
bool sched_fit_balanced_totals(struct sched *s, const int *nodes, size_t n, int64_t wf,
    bool bal, int64_t wb, int64_t *totals);
void sched_image_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc);
/* The group of a pod spec, created when new (may move s->groups). */
int32_t sched_group_of(struct sched *s, const struct k8s_pod_spec *spec);
/* A pod of group g on node n became (delta 1) or stopped being (-1) a live
 * pod: the domain counts matching g follow (sched_spread.c). */
void sched_dcount_bump(struct sched *s, int32_t g, int n, int delta);
void sched_dcount_free(struct sched *s);
/* Node n's requests or allocatable changed: its cached scores go. */
static inline void
sched_fc_forget(struct sched *s, int n)
{
	if ((size_t)n < s->cap_fc)
		for (int i = 0; i < SCHED_FC_SLOTS; i++)
			s->fc[(size_t)n * SCHED_FC_SLOTS + i].sid = 0;
}

/* ImageLocality's normalizedImageName (":latest" when untagged), into buf. */
void sched_image_norm(const char *in, char *buf, size_t n);
/* Frees the cluster state (sched_state.c). */
void sched_state_free(struct sched *s);

/* A preemption dry run takes pods off their node and puts them back keeping
 * their handles (sched_state.c). */
void sched_pod_detach(struct sched *s, int pod);
void sched_pod_attach(struct sched *s, int pod);
/* PreFilter then every enabled filter for pod on one node, against the
 * current state (sched.c). */
enum sched_code sched_filter_fresh(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, int node, struct sched_node_status *st);
/* FitError text over n statuses: "0/N nodes are available: ...". Caller frees. */
char *sched_status_message(const struct sched *s, const struct sched_node_status *st,
    size_t n);

/* Sets st to a failure of plugin p with one static reason. */
enum sched_code sched_fail(struct sched_node_status *st, enum sched_plugin p,
    enum sched_code code, const char *reason);

#endif
