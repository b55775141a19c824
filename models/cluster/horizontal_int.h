/*
 * horizontal_int.h - the HPA controller's private state (horizontal.c):
 * each HPA's memo, repeat, pod classes and last row, the dense array of
 * quick checks, the per-sync scratch; and what horizontal.c shares with
 * its verify mode's checks (hz_verify.c). Private to models/cluster/.
 */
#ifndef KS_HORIZONTAL_INT_H
#define KS_HORIZONTAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/hpa_rows.h"
#include "models/hpa/hpa.h"

/*
 * The HPA's last reconcile, when it was repeatable (hpa_result.repeatable):
 * a sync up to until with these spec replicas and the metric results of
 * hz_last gives that result again and only records the recommendation.
 */
struct hz_repeat {
	bool	ok;
	int32_t	current;		/* its spec replicas */
	int32_t	recommendation;
	uint32_t nlast;			/* hz_last's metrics after it */
	sim_ns	until;
	/* its first metric results' values (metric_values_eq), at hand */
	struct hz_values values[2];
};

struct cl_hpa;

/*
 * What the replica calculator reads of a pod and of its metrics: pods
 * with equal keys are one hpa_pod entry with a count. The start and the
 * Ready transition time matter only to the cpu initialization rules
 * (groupPods); a pod Ready since its start went past the
 * --horizontal-pod-autoscaler-cpu-initialization-period is counted ready
 * whatever those times are, so such "settled" pods leave them out of the
 * key (the entry keeps its first pod's, which are settled too).
 */
struct hz_key {
	uint8_t			 phase;		/* enum hpa_pod_phase */
	uint8_t			 ready;		/* enum hpa_ready */
	bool			 deleting, has_start, settled, has_metrics;
	uint8_t			 zero[2];	/* every byte is set */
	sim_ns			 start, ready_since;	/* 0 when settled */
	const struct k8s_pod_spec *spec;
	int64_t			 cpu_milli, rps_milli;
	int64_t			 memory;	/* working set (memory.c), -1: none */
	sim_ns			 at;		/* last: hz_key_same leaves it out */
};
/* Compared a word at a time: eight words without padding. */
#define HZ_KEY_WORDS	8
_Static_assert(sizeof(struct hz_key) == HZ_KEY_WORDS * sizeof(uint64_t), "hz_key packed");

/* The first n words of keys a and b are equal. */
static inline bool
hz_key_words_eq(const struct hz_key *a, const struct hz_key *b, size_t n)
{
	uint64_t x[HZ_KEY_WORDS], y[HZ_KEY_WORDS], d = 0;
	memcpy(x, a, sizeof x);
	memcpy(y, b, sizeof y);
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/*
 * What the custom and external metrics APIs answer for an HPA's metrics:
 * Pods metric requests_per_second (served requests per second of each pod
 * over its last scrape window, from the serving model) and External metrics
 * of queue workloads (their length now, as KEDA's metrics adapter reports
 * it). Any other custom or external metric has no adapter: the HPA sees the
 * API's error, as upstream would.
 */
struct metric_inputs {
	struct hpa_metric_input	*in;
	struct hpa_pod_metric	**pod_values;
	int64_t			*series;
	char			**errors;
	size_t			 cap_in, cap_pod_values, cap_series, cap_errors;
};

/* An entry's first pod (which pod, which incarnation) and the pods the
 * entry stands for. */
struct hz_id {
	uint32_t	pod, gen, count;
};

/*
 * What an HPA's last sync read (its entries, replicas and External values)
 * and the metric results it got when all were valid: a sync that reads
 * the same, with no pod in its cpu initialization period, gets the same
 * results without the replica calculator (hpa_input.same_metrics). It is
 * compared whole at every sync, so it cannot go stale.
 */
struct hz_memo {
	/* first what a derived sync reads (hz_derive) */
	bool			 valid;
	/* no entry's pod was in its cpu initialization period at at */
	bool			 settled;
	/*
	 * derivable: the entries came from a walk that read only a sample
	 * every pod shared (metrics_uniform) with the pod classes of
	 * generation cls_gen (hz_pods.gen), and are all of pods running,
	 * Ready, out of their initialization period, not deleting, with a
	 * sample and of one template, whose request the calculator worked
	 * out as request: a later such walk gives the same entries with its
	 * sample, and the one metric (cl_hpa.ready_form) is the pods' totals'
	 * (hz_derive). npods: the pods of the entries.
	 */
	bool			 derivable;
	int32_t			 spec_replicas, status_replicas;
	sim_ns			 at;		/* when the results were computed */
	uint64_t		 pods_rev;	/* the Deployment's when last read */
	uint64_t		 cls_gen;
	int64_t			 npods, request;
	struct hz_key		*keys;
	size_t			 n;
	struct hpa_metric_result *metrics;	/* all valid: errors NULL */
	struct hz_id		*ids;
	size_t			 cap;
	int64_t			 mem_use;
	char			*cname;		/* with a ContainerResource metric */
	int64_t			*series;	/* per metric: the External value */
	size_t			*nseries;	/* 0: none */
	size_t			 nmetrics;
};

/*
 * The pods of an HPA's Deployment as its last walk that looked at them
 * found them (in the Deployment's order), each with its state class (its
 * key but for the sample's fields): while no pod's state has changed
 * since (cl_deploy.pods_state_rev) and none has with the time (until the
 * first Ready pod in its cpu initialization period leaves it: `until`),
 * a walk reads only their samples.
 */
struct hz_run {
	uint32_t	pod, cls, len;	/* the first pod, the class, the pods */
};

struct hz_pods {
	bool		 ok;
	uint64_t	 gen;		/* counts the times they were found */
	uint64_t	 state_rev;	/* the Deployment's when found */
	sim_ns		 until;		/* a Ready pod's initialization period ends */
	uint32_t	*pod, *cls;
	size_t		 n, cap;
	/* runs of consecutive pods of one class */
	struct hz_run	*runs;
	size_t		 nrun, caprun;
	struct hz_key	*cls_key;
	uint32_t	 ncls;
	size_t		 capcls;
};

/* A cache line: each HPA starts at one (hz_hpas_grow). */
#define HZ_LINE		64

/*
 * An HPA. What a sync hz_derive takes reads (and hz_quick_set) comes
 * first, in as few lines as it fits: the head, repeat, memo's and pods'
 * first fields (each of those structs puts them first).
 */
struct cl_hpa {
	_Alignas(HZ_LINE) uint32_t deploy;
	/* some metric reads memory usage, names a container, is not a
	 * resource metric (reads the custom or external metrics APIs), is
	 * External */
	bool			 needs_memory, needs_cname, needs_inputs, has_external;
	/* its one metric is cpu Utilization (hpa_ready_metric_ok), of this
	 * form under the configuration on_hpa_sync reconciles with (the
	 * defaults) */
	bool			 ready_form;
	size_t			 nmetrics;	/* hpa_metric_count */
	struct hpa_ready_form	 form;
	struct hz_repeat	 repeat;
	struct hz_memo		 memo;
	struct hz_pods		 pods;
	const struct hpa_spec	*spec;
	/* its metrics' specs (spec's, NULL: none), here so that they are
	 * asked for ahead without a wait for the spec's line */
	const struct hpa_metric_spec *metric_specs;
	struct hz_last		 last;
	/* per metric: the request the calculator last worked out (hpa_input.
	 * requests), so that a sync does not read its pods' template */
	struct hpa_request_memo	*requests;
	struct hpa_state	 state;		/* last: the conditions' text is long */
};

/*
 * What decides, for an HPA, that its sync is the last one again: its pods
 * unchanged since the memo (whose results, when it stands, are the last
 * sync's) and its replicas those of its last reconcile, which was
 * repeatable. In an array of their own, so that such a sync reads this and
 * its Deployment's revision and replicas, and writes the time it repeated
 * at (hpa_state_repeat is applied when the state is next read: applied
 * once at the last time it gives the state applying it at each would).
 */
struct hz_quick {
	uint64_t	pods_rev;	/* the memo's */
	uint32_t	deploy;
	int32_t		replicas;	/* the memo's and the last reconcile's */
	sim_ns		until;		/* hz_repeat's */
	sim_ns		repeat_at;	/* 0: none pending */
	bool		ok;		/* the above hold but for pods_rev, replicas */
	/* a hint: its next sync will most likely be hz_derive's
	 * (hz_derive_likely when it last synced) */
	bool		derive;
};

/* Groups looked at before a pod starts a new entry (an entry of equal key
 * further back is a duplicate, same result). */
#define HZ_SCAN	8

struct horizontal {
	struct cl_hpa		*hpas;
	struct hz_quick		*quick;		/* by HPA */
	struct hpa_state	*shadows;	/* verify: by HPA, reconciled at every sync */
	size_t			 n, cap, cap_quick, nshadows;
	/* per sync scratch, reused (cleared for the pods of each sync) */
	struct hz_key			*keys;
	size_t				 cap_keys;
	bool				 one_by_one;	/* horizontal_use_counts(false) */
	bool				 no_memo;	/* horizontal_use_memo(false) */
	bool				 no_repeat;	/* horizontal_use_repeat(false) */
	bool				 verify;	/* horizontal_verify_memo */
	bool				 abort_stale;
	uint64_t			 memo_hits, memo_skips, memo_stale;
	uint64_t			 repeats, repeat_stale;
	uint64_t			 rev_stale;	/* verify: c->deploy_rev found stale */
	uint64_t			 uniform_walks, derived;
	/* the last hz_walk read only a sample every pod shared */
	bool				 walk_uniform;
	struct hz_row_texts		 texts;	/* onChange: two rows' texts */
	struct hpa_metric_result	*res;	/* metric results computed ahead */
	size_t				 cap_res;
	/* a reconcile's result's metrics (hpa_input.metrics_room) */
	struct hpa_metric_result	*room;
	size_t				 cap_room;
	struct hz_id			*ids;
	size_t				 cap_ids;
	struct hpa_pod			*pods;
	struct hpa_pod_sample		*samples;
	struct hpa_container_usage	*usage;
	size_t				 cap_pods, cap_samples, cap_usage;
	struct metric_inputs		 mi;
};

static inline struct horizontal *
hz_of(const struct cluster *c)
{
	return c->ctl[CTL_HORIZONTAL];
}

static inline bool
hz_key_eq(const struct hz_key *a, const struct hz_key *b)
{
	return hz_key_words_eq(a, b, HZ_KEY_WORDS);
}

/* Keys a and b are equal but perhaps for the samples' time. */
static inline bool
hz_key_same(const struct hz_key *a, const struct hz_key *b)
{
	return hz_key_words_eq(a, b, HZ_KEY_WORDS - 1);
}

/*
 * The pods of h's Deployment in entries of equal keys, in the order of
 * their first pod, into the controller's scratch (hz->pods, keys, ids):
 * returns how many, and in *status_replicas the pods not deleting. When
 * no pod's state has changed since the last walk that looked at them
 * (hz_pods), only their samples are read.
 */
size_t hz_walk(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg, sim_ns now,
    int32_t *status_replicas);

/* Whether this sync reads what h's last one did, the entries' pods out of
 * their cpu initialization period: its metric results are the memo's. */
bool hz_memo_same(const struct cl_hpa *h, const struct hz_key *keys, const struct hz_id *ids,
    size_t ng, int32_t spec_replicas, int32_t status_replicas, int64_t mem_use,
    const char *cname, const struct metric_inputs *mi);

/* ---- verify (hz_verify.c): KS_HPA_MEMO_VERIFY's checks of the shortcuts */

/* A stale memo counted, and the run stopped when it must. */
void hz_stale(struct horizontal *hz, const struct cl_hpa *h, const char *what, sim_ns now);
void hz_verify_walk(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg,
    sim_ns now, size_t ng, int32_t nd);
void hz_verify_memo(struct cluster *c, struct cl_hpa *h, const struct hpa_config *cfg,
    const char *cname, const struct metric_inputs *mi, sim_ns now);
void hz_verify_repeat(struct cluster *c, size_t i, const struct hpa_config *cfg,
    const struct hpa_input *in, const struct hpa_result *r, sim_ns now);
void hz_verify_derive(struct cluster *c, size_t i, const struct hpa_config *cfg, sim_ns now,
    const struct hz_key *keys, const struct hz_id *ids, size_t ng, int32_t sr,
    const struct hpa_metric_result *res);
bool hz_values_same(const struct hpa_metric_result *a, const struct hpa_metric_result *b);
void hz_verify_quick(struct cluster *c, size_t i, const struct hpa_config *cfg, sim_ns now);
void hz_verify_rev(struct cluster *c, size_t i, sim_ns now);

#endif
