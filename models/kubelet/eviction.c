/*
 * eviction.c - kubelet eviction thresholds and pod ranking as
 * pkg/kubelet/eviction/helpers.go has them: ParseThresholdConfig with its
 * checks, addAllocatableThresholds, SortByEvictionPriority, and the
 * orderedBy comparators (exceeds-request, priority, usage above request).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/kubelet/eviction.h"
#include "sim/util/util.h"

static const char *const signal_names[EVICT_NSIGNALS] = {
	[EVICT_SIG_MEMORY_AVAILABLE] = "memory.available",
	[EVICT_SIG_ALLOCATABLE_MEMORY] = "allocatableMemory.available",
	[EVICT_SIG_NODEFS_AVAILABLE] = "nodefs.available",
	[EVICT_SIG_NODEFS_INODES] = "nodefs.inodesFree",
	[EVICT_SIG_IMAGEFS_AVAILABLE] = "imagefs.available",
	[EVICT_SIG_IMAGEFS_INODES] = "imagefs.inodesFree",
	[EVICT_SIG_CONTAINERFS_AVAILABLE] = "containerfs.available",
	[EVICT_SIG_CONTAINERFS_INODES] = "containerfs.inodesFree",
	[EVICT_SIG_PID_AVAILABLE] = "pid.available",
};

const char *
evict_signal_name(enum evict_signal s)
{
	return (unsigned)s < EVICT_NSIGNALS ? signal_names[s] : "(unknown)";
}

int
evict_signal_parse(const char *s)
{
	for (int i = 0; s != NULL && i < EVICT_NSIGNALS; i++)
		if (strcmp(signal_names[i], s) == 0)
			return i;
	return -1;
}

const struct evict_kv *
evict_default_hard(size_t *n)
{
	static const struct evict_kv hard[] = {
		{ "memory.available", "100Mi" },
		{ "nodefs.available", "10%" },
		{ "nodefs.inodesFree", "5%" },
		{ "imagefs.available", "15%" },
		{ "imagefs.inodesFree", "5%" },
	};
	*n = sizeof hard / sizeof hard[0];
	return hard;
}

/* ---- quantities and durations ------------------------------------------ */

int
evict_parse_quantity(const char *s, bool milli, int64_t *out)
{
	/* <sign><digits>[.<digits>][suffix]; suffix binary (Ki..Ei), decimal
	 * (n u m k M G T P E) or an exponent e<int>. Exact, rounded up. */
	const char *p = s;
	bool neg = false;
	*out = 0;
	if (p == NULL || *p == '\0')
		return -1;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	__int128 mant = 0;
	int frac = 0, ndig = 0;
	for (; isdigit((unsigned char)*p); p++, ndig++)
		if (mant < ((__int128)1 << 100))
			mant = mant * 10 + (*p - '0');
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, ndig++, frac++)
			if (mant < ((__int128)1 << 100))
				mant = mant * 10 + (*p - '0');
			else
				frac--;
	}
	if (ndig == 0)
		return -1;
	int exp10 = 0, exp2 = 0;
	static const struct { const char *sfx; int e10, e2; } sfx[] = {
		{ "Ki", 0, 10 }, { "Mi", 0, 20 }, { "Gi", 0, 30 }, { "Ti", 0, 40 },
		{ "Pi", 0, 50 }, { "Ei", 0, 60 }, { "n", -9, 0 }, { "u", -6, 0 },
		{ "m", -3, 0 }, { "k", 3, 0 }, { "M", 6, 0 }, { "G", 9, 0 },
		{ "T", 12, 0 }, { "P", 15, 0 }, { "E", 18, 0 }, { "", 0, 0 },
	};
	if ((*p == 'e' || *p == 'E') && p[1] != '\0' && p[1] != 'i') {
		char *end;
		long e = strtol(p + 1, &end, 10);
		if (*end != '\0' || end == p + 1 || e < -30 || e > 30)
			return -1;
		exp10 = (int)e;
	} else {
		size_t i = 0;
		while (strcmp(sfx[i].sfx, p) != 0 && sfx[i].sfx[0] != '\0')
			i++;
		if (strcmp(sfx[i].sfx, p) != 0)
			return -1;
		exp10 = sfx[i].e10;
		exp2 = sfx[i].e2;
	}
	exp10 -= frac;
	if (milli)
		exp10 += 3;
	__int128 num = mant << exp2, den = 1;
	for (; exp10 > 0; exp10--)
		num *= 10;
	for (; exp10 < 0; exp10++)
		den *= 10;
	__int128 v = num / den + (num % den != 0);	/* ceil of the magnitude */
	if (v > INT64_MAX)
		v = INT64_MAX;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int
evict_parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *u; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
		{ "ms", 1000000 }, { "s", 1000000000LL }, { "m", 60000000000LL },
		{ "h", 3600000000000LL },
	};
	const char *p = s;
	bool neg = false;
	*ns = 0;
	if (p == NULL || *p == '\0')
		return -1;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0)
		return 0;
	if (*p == '\0')
		return -1;
	int64_t total = 0;
	while (*p != '\0') {
		int64_t whole = 0, fnum = 0, fden = 1;
		int nd = 0;
		for (; isdigit((unsigned char)*p); p++, nd++)
			whole = whole * 10 + (*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++, nd++)
				if (fden < 1000000000000LL) {
					fnum = fnum * 10 + (*p - '0');
					fden *= 10;
				}
		if (nd == 0)
			return -1;
		size_t ulen = 0;
		while (p[ulen] != '\0' && !isdigit((unsigned char)p[ulen]) && p[ulen] != '.')
			ulen++;
		size_t k = 0, nu = sizeof units / sizeof units[0];
		while (k < nu && (strlen(units[k].u) != ulen || strncmp(units[k].u, p, ulen) != 0))
			k++;
		if (k == nu)
			return -1;
		total += whole * units[k].ns + (int64_t)((double)fnum * units[k].ns / fden);
		p += ulen;
	}
	*ns = neg ? -total : total;
	return 0;
}

/* ---- thresholds ------------------------------------------------------------ */

static int fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(char **cause, const char *fmt, ...)
{
	if (cause != NULL) {
		va_list ap;
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* parsePercentage: strconv.ParseFloat(s without the trailing %s, 32) / 100. */
static int
parse_percentage(const char *val, float *out)
{
	char buf[64];
	size_t len = strlen(val);
	while (len > 0 && val[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, val, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	float v = strtof(buf, &end);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v / 100.0f;
	return 0;
}

/* parseThresholdStatement: 1 with *t set, 0 when dropped (0% or 100%). */
static int
parse_statement(const struct evict_kv *kv, struct evict_threshold *t, char **cause)
{
	int sig = evict_signal_parse(kv->key);
	if (sig < 0)
		return fail(cause, "unsupported eviction signal %s", kv->key);
	memset(t, 0, sizeof *t);
	t->signal = (enum evict_signal)sig;
	size_t len = strlen(kv->value);
	if (len > 0 && kv->value[len - 1] == '%') {
		if (strcmp(kv->value, "0%") == 0 || strcmp(kv->value, "100%") == 0)
			return 0;
		float pct;
		if (parse_percentage(kv->value, &pct) < 0)
			return fail(cause, "invalid eviction percentage %s: %s", kv->key, kv->value);
		if (pct < 0)
			return fail(cause, "eviction percentage threshold %s must be >= 0%%: %s",
			    kv->key, kv->value);
		if (pct > 1)
			return fail(cause, "eviction percentage threshold %s must be <= 100%%: %s",
			    kv->key, kv->value);
		t->value.is_percentage = true;
		t->value.percentage = pct;
		return 1;
	}
	int64_t q;
	if (evict_parse_quantity(kv->value, false, &q) < 0)
		return fail(cause, "invalid eviction threshold %s: %s", kv->key, kv->value);
	if (q <= 0)
		return fail(cause, "eviction threshold %s must be positive: %s", kv->key,
		    kv->value);
	t->value.quantity = q;
	return 1;
}

static int
parse_statements(const struct evict_kv *kv, size_t n, struct evict_threshold *out,
    size_t cap, size_t *k, char **cause)
{
	for (size_t i = 0; i < n; i++) {
		if (*k >= cap)
			return fail(cause, "too many eviction thresholds");
		int rc = parse_statement(&kv[i], &out[*k], cause);
		if (rc < 0)
			return -1;
		*k += (size_t)rc;
	}
	return 0;
}

int
evict_parse_thresholds(const char *const *allocatable, size_t nalloc,
    const struct evict_kv *hard, size_t nhard, const struct evict_kv *soft, size_t nsoft,
    const struct evict_kv *grace, size_t ngrace, const struct evict_kv *reclaim,
    size_t nreclaim, struct evict_threshold *out, size_t cap, size_t *n, char **cause)
{
	size_t k = 0;
	*n = 0;
	if (parse_statements(hard, nhard, out, cap, &k, cause) < 0)
		return -1;
	size_t first_soft = k;
	if (parse_statements(soft, nsoft, out, cap, &k, cause) < 0)
		return -1;
	int64_t periods[EVICT_NSIGNALS];
	bool has_period[EVICT_NSIGNALS] = { false };
	for (size_t i = 0; i < ngrace; i++) {
		int sig = evict_signal_parse(grace[i].key);
		if (sig < 0)
			return fail(cause, "unsupported eviction signal %s", grace[i].key);
		if (evict_parse_duration(grace[i].value, &periods[sig]) < 0)
			return fail(cause, "invalid grace period for %s: %s", grace[i].key,
			    grace[i].value);
		if (periods[sig] < 0)
			return fail(cause, "invalid eviction grace period specified: %s, must "
			    "be a positive value", grace[i].value);
		has_period[sig] = true;
	}
	struct evict_value reclaims[EVICT_NSIGNALS];
	bool has_reclaim[EVICT_NSIGNALS] = { false };
	for (size_t i = 0; i < nreclaim; i++) {
		int sig = evict_signal_parse(reclaim[i].key);
		if (sig < 0)
			return fail(cause, "unsupported eviction signal %s", reclaim[i].key);
		struct evict_value *v = &reclaims[sig];
		memset(v, 0, sizeof *v);
		size_t len = strlen(reclaim[i].value);
		if (len > 0 && reclaim[i].value[len - 1] == '%') {
			if (parse_percentage(reclaim[i].value, &v->percentage) < 0)
				return fail(cause, "invalid minimum reclaim %s: %s", reclaim[i].key,
				    reclaim[i].value);
			if (v->percentage <= 0)
				return fail(cause, "eviction percentage minimum reclaim %s must be "
				    "positive: %s", reclaim[i].key, reclaim[i].value);
			v->is_percentage = true;
		} else {
			if (evict_parse_quantity(reclaim[i].value, false, &v->quantity) < 0)
				return fail(cause, "invalid minimum reclaim %s: %s", reclaim[i].key,
				    reclaim[i].value);
			if (v->quantity < 0)
				return fail(cause, "negative reclaim specified for signal %s: %s",
				    reclaim[i].key, reclaim[i].value);
		}
		has_reclaim[sig] = true;
	}
	for (size_t i = first_soft; i < k; i++) {
		enum evict_signal s = out[i].signal;
		if (!has_period[s])
			return fail(cause, "grace period must be specified for the soft eviction "
			    "threshold %s", evict_signal_name(s));
		out[i].grace_ns = periods[s];
	}
	for (size_t i = 0; i < k; i++)
		if (has_reclaim[out[i].signal]) {
			out[i].has_min_reclaim = true;
			out[i].min_reclaim = reclaims[out[i].signal];
		}
	for (size_t i = 0; i < nalloc; i++)
		if (allocatable[i] != NULL && strcmp(allocatable[i], "pods") == 0) {
			k = evict_add_allocatable(out, k, cap);
			break;
		}
	*n = k;
	return 0;
}

size_t
evict_add_allocatable(struct evict_threshold *t, size_t n, size_t cap)
{
	size_t k = n;
	for (size_t i = 0; i < n && k < cap; i++)
		if (t[i].signal == EVICT_SIG_MEMORY_AVAILABLE && t[i].grace_ns == 0) {
			t[k] = t[i];
			t[k].signal = EVICT_SIG_ALLOCATABLE_MEMORY;
			k++;
		}
	return k;
}

static bool
is_memory_signal(enum evict_signal s)
{
	return s == EVICT_SIG_MEMORY_AVAILABLE || s == EVICT_SIG_ALLOCATABLE_MEMORY;
}

void
evict_sort_thresholds(struct evict_threshold *t, size_t n)
{
	/* byEvictionPriority.Less(i, j): i is a memory signal, or j has no
	 * resource to reclaim (every known signal has one). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && is_memory_signal(t[j].signal); j--) {
			struct evict_threshold x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

/* ---- ranking ---------------------------------------------------------------- */

/* cmpBool: true before false. */
static int
cmp_bool(bool a, bool b)
{
	return a == b ? 0 : (a ? -1 : 1);
}

static int
cmp_i64_desc(int64_t a, int64_t b)
{
	return a == b ? 0 : (b < a ? -1 : 1);
}

static int64_t
disk_usage(const struct evict_pod *p)
{
	return p->disk_rootfs + p->disk_logs + p->disk_volumes;
}

static int64_t
inode_usage(const struct evict_pod *p)
{
	return p->inodes_rootfs + p->inodes_logs + p->inodes_volumes;
}

static int
compare(enum evict_cmp c, const struct evict_pod *a, const struct evict_pod *b)
{
	if (c == EVICT_CMP_PRIORITY)
		return a->priority == b->priority ? 0 : (a->priority > b->priority ? 1 : -1);
	/* Pods without stats go first. */
	if (!a->has_stats || !b->has_stats)
		return cmp_bool(!a->has_stats, !b->has_stats);
	switch (c) {
	case EVICT_CMP_EXCEED_MEMORY:
		return cmp_bool(a->memory_working_set > a->memory_request,
		    b->memory_working_set > b->memory_request);
	case EVICT_CMP_MEMORY:
		return cmp_i64_desc(a->memory_working_set - a->memory_request,
		    b->memory_working_set - b->memory_request);
	case EVICT_CMP_EXCEED_DISK:
		return cmp_bool(disk_usage(a) > a->ephemeral_request,
		    disk_usage(b) > b->ephemeral_request);
	case EVICT_CMP_DISK:
		return cmp_i64_desc(disk_usage(a) - a->ephemeral_request,
		    disk_usage(b) - b->ephemeral_request);
	case EVICT_CMP_EXCEED_INODES:	/* no pod requests inodes */
		return cmp_bool(inode_usage(a) > 0, inode_usage(b) > 0);
	case EVICT_CMP_INODES:
		/* Upstream's disk() subtracts the ephemeral-storage request for
		 * every disk resource, inodes included. */
		return cmp_i64_desc(inode_usage(a) - a->ephemeral_request,
		    inode_usage(b) - b->ephemeral_request);
	case EVICT_CMP_PROCESS:
		return cmp_i64_desc(a->processes, b->processes);
	case EVICT_CMP_PRIORITY:
	default:
		return 0;
	}
}

void
evict_order(struct evict_pod **pods, size_t n, const enum evict_cmp *cmps, size_t ncmps)
{
	/* Stable insertion sort: at most ~110 pods per node. */
	for (size_t i = 1; i < n; i++) {
		struct evict_pod *x = pods[i];
		size_t j = i;
		while (j > 0) {
			int r = 0;
			for (size_t k = 0; k < ncmps && r == 0; k++)
				r = compare(cmps[k], x, pods[j - 1]);
			if (r >= 0)
				break;
			pods[j] = pods[j - 1];
			j--;
		}
		pods[j] = x;
	}
}

void
evict_rank_memory(struct evict_pod **pods, size_t n)
{
	static const enum evict_cmp c[] = { EVICT_CMP_EXCEED_MEMORY, EVICT_CMP_PRIORITY,
		EVICT_CMP_MEMORY };
	evict_order(pods, n, c, 3);
}

void
evict_rank_disk(struct evict_pod **pods, size_t n, bool inodes)
{
	static const enum evict_cmp bytes_c[] = { EVICT_CMP_EXCEED_DISK, EVICT_CMP_PRIORITY,
		EVICT_CMP_DISK };
	static const enum evict_cmp inodes_c[] = { EVICT_CMP_EXCEED_INODES,
		EVICT_CMP_PRIORITY, EVICT_CMP_INODES };
	evict_order(pods, n, inodes ? inodes_c : bytes_c, 3);
}

void
evict_rank_pids(struct evict_pod **pods, size_t n)
{
	static const enum evict_cmp c[] = { EVICT_CMP_PRIORITY, EVICT_CMP_PROCESS };
	evict_order(pods, n, c, 2);
}
