/*
 * replicaset_rank.c - which of a ReplicaSet's pods a scale-down deletes
 * first: upstream's ActivePodsWithRanks.Less, rule by rule, with the
 * logarithmic comparison of timestamps (LogarithmicScaleDown) and the
 * pod-deletion-cost annotation (PodDeletionCost). See replicaset_rank.h.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "models/controller/replicaset_rank.h"

struct rs_rank_opts
rs_rank_defaults(int64_t now)
{
	return (struct rs_rank_opts){ .pod_deletion_cost = true,
		.logarithmic_scale_down = true, .has_now = true, .now = now };
}

/* math.Log2 as Go computes it (frexp, then log of the fraction times
 * 1/ln 2 plus the exponent; exact at powers of two), truncated as int64()
 * truncates. */
static int64_t
log2_rank(int64_t d)
{
	if (d <= 0)
		return -1;
	int exp;
	double frac = frexp((double)d, &exp);
	if (frac == 0.5)
		return (int64_t)(exp - 1);
	return (int64_t)(log(frac) * 1.44269504088896340735992468100189214 + (double)exp);
}

int64_t
rs_rank_log_diff(int64_t t1, int64_t t2, int64_t now)
{
	return log2_rank(now - t1) - log2_rank(now - t2);
}

int64_t
rs_rank_api_time(int64_t t)
{
	int64_t s = t / 1000000000LL;
	if (t < 0 && s * 1000000000LL != t)
		s--;
	return s * 1000000000LL;
}

/* afterOrZero: t1 after t2, a zero time counting as after any other. */
static bool
after_or_zero(bool has1, int64_t t1, bool has2, int64_t t2)
{
	if (!has1 || !has2)
		return !has1;
	return t1 > t2;
}

/* Rules 6 and 8: two different timestamps, newer first; with the gate (and
 * Now and both times set) compared by their log2 age, equal buckets by
 * UID. */
static bool
newer_first(const struct rs_rank_opts *o, bool has1, int64_t t1, bool has2, int64_t t2,
    uint64_t uid1, uint64_t uid2)
{
	if (!o->logarithmic_scale_down || !o->has_now || !has1 || !has2)
		return after_or_zero(has1, t1, has2, t2);
	int64_t diff = rs_rank_log_diff(t1, t2, o->now);
	if (diff == 0)
		return uid1 < uid2;
	return diff < 0;
}

bool
rs_rank_less(const struct rs_rank_opts *o, const struct rs_rank_pod *a,
    const struct rs_rank_pod *b)
{
	/* 1. unassigned < assigned */
	if (a->assigned != b->assigned)
		return !a->assigned;
	/* 2. Pending < Unknown < Running */
	if (a->phase != b->phase)
		return a->phase < b->phase;
	/* 3. not ready < ready */
	if (a->ready != b->ready)
		return !a->ready;
	/* 4. lower pod-deletion-cost first */
	if (o->pod_deletion_cost && a->deletion_cost != b->deletion_cost)
		return a->deletion_cost < b->deletion_cost;
	/* 5. more related pods on the same node first */
	if (a->rank != b->rank)
		return a->rank > b->rank;
	/* 6. ready for less time first (both ready; a zero time is newest) */
	if (a->ready && b->ready) {
		int64_t ta = a->has_ready_time ? a->ready_time : 0;
		int64_t tb = b->has_ready_time ? b->ready_time : 0;
		if (a->has_ready_time != b->has_ready_time || ta != tb)
			return newer_first(o, a->has_ready_time, ta, b->has_ready_time, tb,
			    a->uid, b->uid);
	}
	/* 7. more container restarts first */
	if (a->restarts != b->restarts)
		return a->restarts > b->restarts;
	/* 8. created more recently first (a zero time is newest) */
	int64_t ca = a->has_created ? a->created : 0, cb = b->has_created ? b->created : 0;
	if (a->has_created != b->has_created || ca != cb)
		return newer_first(o, a->has_created, ca, b->has_created, cb, a->uid, b->uid);
	return false;
}

/* validFirstDigit, then strconv.ParseInt(value, 10, 32). */
int
rs_rank_parse_deletion_cost(const char *value, int32_t *cost)
{
	*cost = 0;
	if (value == NULL || value[0] == '\0')
		return -1;
	if (!(value[0] == '-' || (value[0] >= '1' && value[0] <= '9') ||
	    (value[0] == '0' && value[1] == '\0')))
		return -1;
	const char *p = value + (value[0] == '-');
	if (*p == '\0')
		return -1;
	int64_t v = 0;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return -1;
	}
	if (value[0] == '-')
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		return -1;
	*cost = (int32_t)v;
	return 0;
}
