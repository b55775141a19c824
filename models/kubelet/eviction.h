/*
 * eviction.h - the kubelet's node-pressure eviction rules (pkg/kubelet/eviction,
 * helpers.go): eviction signals and thresholds parsed from --eviction-hard,
 * --eviction-soft, grace periods and minimum reclaims; the allocatable memory
 * threshold; the order thresholds are handled in; and the ranking of pods for
 * eviction under memory, disk, inode and PID pressure. Pure functions on pod
 * summaries; the simulation measures usage and evicts.
 */
#ifndef KS_EVICTION_H
#define KS_EVICTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum evict_signal {
	EVICT_SIG_MEMORY_AVAILABLE,		/* memory.available */
	EVICT_SIG_ALLOCATABLE_MEMORY,		/* allocatableMemory.available */
	EVICT_SIG_NODEFS_AVAILABLE,		/* nodefs.available */
	EVICT_SIG_NODEFS_INODES,		/* nodefs.inodesFree */
	EVICT_SIG_IMAGEFS_AVAILABLE,		/* imagefs.available */
	EVICT_SIG_IMAGEFS_INODES,		/* imagefs.inodesFree */
	EVICT_SIG_CONTAINERFS_AVAILABLE,	/* containerfs.available */
	EVICT_SIG_CONTAINERFS_INODES,		/* containerfs.inodesFree */
	EVICT_SIG_PID_AVAILABLE,		/* pid.available */
	EVICT_NSIGNALS
};
const char *evict_signal_name(enum evict_signal s);
/* -1 for a signal the kubelet does not know. */
int evict_signal_parse(const char *s);

/* A threshold value: a quantity (bytes, inodes or pids) or a fraction of
 * capacity (float32 upstream). */
struct evict_value {
	bool	is_percentage;
	int64_t	quantity;
	float	percentage;		/* 0.1 for "10%" */
};

/* Operator is always LessThan. grace_ns 0: a hard threshold. */
struct evict_threshold {
	enum evict_signal	signal;
	struct evict_value	value;
	int64_t			grace_ns;
	bool			has_min_reclaim;
	struct evict_value	min_reclaim;
};

#define EVICT_PRESSURE_TRANSITION_NS	(300LL * 1000000000LL)	/* 5m */
#define EVICT_MAX_THRESHOLDS		64

/* One flag entry: a signal name and its text value. */
struct evict_kv {
	const char	*key;
	const char	*value;
};

/* The Linux defaults of --eviction-hard (memory.available 100Mi,
 * nodefs.available 10%, nodefs.inodesFree 5%, imagefs.available 15%,
 * imagefs.inodesFree 5%); *n receives their number. */
const struct evict_kv *evict_default_hard(size_t *n);

/* A Kubernetes quantity rounded up to an integer (milli: in thousandths);
 * -1 when malformed. Negative values are allowed. */
int evict_parse_quantity(const char *s, bool milli, int64_t *out);
/* A Go duration ("30s", "1m30s", "1.5h"); -1 when malformed. */
int evict_parse_duration(const char *s, int64_t *ns);

/*
 * ParseThresholdConfig: hard thresholds, then soft ones (each needs a grace
 * period), each given its signal's minimum reclaim; with "pods" among the
 * allocatable enforcement keys, hard memory.available thresholds are copied
 * as allocatableMemory.available. 0% and 100% drop a threshold. Writes at
 * most cap thresholds to out and their number to *n; -1 with *cause (caller
 * frees) on bad input.
 */
int evict_parse_thresholds(const char *const *allocatable, size_t nalloc,
    const struct evict_kv *hard, size_t nhard, const struct evict_kv *soft, size_t nsoft,
    const struct evict_kv *grace, size_t ngrace, const struct evict_kv *reclaim,
    size_t nreclaim, struct evict_threshold *out, size_t cap, size_t *n, char **cause);
/* addAllocatableThresholds: appends the copies; returns the new count. */
size_t evict_add_allocatable(struct evict_threshold *t, size_t n, size_t cap);
/* SortByEvictionPriority: memory signals first (Go's insertion sort with
 * upstream's comparator, so the result is exactly upstream's for up to 12). */
void evict_sort_thresholds(struct evict_threshold *t, size_t n);

/* ---- ranking pods (eviction/helpers.go) ------------------------------- */

/* What ranking reads of a pod: its priority, its requests (summed as
 * GetResourceRequestQuantity does) and its last stats. */
struct evict_pod {
	const char	*name;
	int32_t		 priority;
	int64_t		 memory_request;	/* bytes */
	int64_t		 ephemeral_request;	/* bytes */
	bool		 has_stats;		/* false: no stats, ranked first */
	int64_t		 memory_working_set;
	int64_t		 disk_rootfs, disk_logs, disk_volumes;		/* bytes */
	int64_t		 inodes_rootfs, inodes_logs, inodes_volumes;
	int64_t		 processes;
	void		*owner;
};

enum evict_cmp {
	EVICT_CMP_EXCEED_MEMORY,	/* exceedMemoryRequests */
	EVICT_CMP_PRIORITY,		/* priority, lower first */
	EVICT_CMP_MEMORY,		/* usage above request, larger first */
	EVICT_CMP_EXCEED_DISK,		/* exceedDiskRequests(ephemeral-storage) */
	EVICT_CMP_DISK,			/* disk(ephemeral-storage) */
	EVICT_CMP_EXCEED_INODES,	/* exceedDiskRequests(inodes) */
	EVICT_CMP_INODES,		/* disk(inodes): inodes less the ephemeral-storage
					 * request, as upstream subtracts it */
	EVICT_CMP_PROCESS,		/* process count, larger first */
};

/* orderedBy(cmps...).Sort: a stable sort of pods, first to evict first. */
void evict_order(struct evict_pod **pods, size_t n, const enum evict_cmp *cmps,
    size_t ncmps);
/* rankMemoryPressure, rankDiskPressureFunc (bytes or inodes), rankPIDPressure. */
void evict_rank_memory(struct evict_pod **pods, size_t n);
void evict_rank_disk(struct evict_pod **pods, size_t n, bool inodes);
void evict_rank_pids(struct evict_pod **pods, size_t n);

#endif
