/*
 * evq.c - the engine's event queue: a radix heap over integer time.
 *
 * Virtual time never goes back (scheduling into the past is fatal), so the
 * queue can be a monotone priority queue. A radix heap (Ahuja, Mehlhorn,
 * Orlin and Tarjan, 1990) keeps `last`, the time it has advanced to, and 65
 * buckets: bucket 0 holds the events at exactly `last`; bucket b > 0 the
 * events whose time first differs from `last` in bit b-1. Push appends to a
 * bucket (O(1)). Pop takes from bucket 0; when it is empty, the lowest
 * non-empty bucket is scanned for its smallest time, `last` moves there and
 * that bucket's events are redistributed into lower buckets. An event only
 * ever moves to a lower bucket, so it moves at most 64 times: pop is
 * O(log C) amortized for a time span C, in practice a few moves per event.
 * Every step is a sequential scan or an append, so unlike a heap's sift it
 * has no data-dependent branches and no cache misses down a tree.
 *
 * Bucket 0 orders its events by priority and insertion sequence: it is a
 * small binary heap on the 64-bit key k = (prio + 128) << 56 | seq << 27 |
 * slot (sequences are unique, so the slot bits never decide). Events enter
 * it when pushed at `last` or when redistributed to it, so an event that a
 * handler schedules at the present time with a lower prio still runs before
 * the events of higher prio already waiting.
 *
 * Payloads (handler, ctx, arg, generation) live in a pooled slot array with
 * a LIFO free list: no allocation per event once the pool has grown, and the
 * slot a pop frees is the one the next push reuses. Handles are generation<<32
 * | (slot + 1): never 0, stale once the slot is reused. The sequence has 29
 * bits; when it runs out, pending events are renumbered 0..n-1 in their
 * present order (O(n log n) once per ~400M pushes). At most 2^27 events can
 * be pending.
 *
 * Cancel is lazy, O(1): it clears the slot's handler; pop discards such
 * events; when cancelled events exceed half the queue, all buckets are
 * filtered (O(n), amortized O(1) per cancel).
 *
 * Measured alternatives (bench/bench_evq.c, hold model): a 4-ary heap with
 * 16-byte inline keys, cache-line-aligned sibling groups, prefetching,
 * branchless child selection and a deferred root hole (replace-top) was
 * 0.96-1.25x a plain binary heap, and below 1.0x at 10^6 pending where both
 * wait on memory down the tree (the radix heap: 1.5-2.2x); a heap index per slot for O(log n) eager
 * cancel adds a slot write per sift level. A calendar or ladder queue (O(1)
 * expected, ns-3's CalendarScheduler) would need tuning of its bucket width
 * to the event density; the radix heap needs none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/evq.h"
#include "sim/util/util.h"

#define EVQ_NBUCKETS	65
#define EVQ_SLOT_BITS	27
#define EVQ_SEQ_BITS	29
#define EVQ_PRIO_SHIFT	(EVQ_SLOT_BITS + EVQ_SEQ_BITS)	/* 56 */
#define EVQ_SLOT_MASK	((UINT64_C(1) << EVQ_SLOT_BITS) - 1)
#define EVQ_SEQ_MASK	((UINT64_C(1) << EVQ_SEQ_BITS) - 1)
#define EVQ_SEQ_FIELD	(EVQ_SEQ_MASK << EVQ_SLOT_BITS)
#define EVQ_MAX_SLOTS	(UINT32_C(1) << EVQ_SLOT_BITS)
#define EVQ_NO_SLOT	UINT32_MAX
#define EVQ_SIGN	(UINT64_C(1) << 63)

#if defined(__GNUC__)
#define EVQ_PREFETCH(p)	__builtin_prefetch(p)
#define EVQ_CLZ64(x)	__builtin_clzll(x)
#define EVQ_CTZ64(x)	__builtin_ctzll(x)
#else
#define EVQ_PREFETCH(p)	((void)(p))
static inline int
EVQ_CLZ64(uint64_t x)
{
	int n = 0;
	while (!(x & EVQ_SIGN)) {
		x <<= 1;
		n++;
	}
	return n;
}
static inline int
EVQ_CTZ64(uint64_t x)
{
	int n = 0;
	while (!(x & 1)) {
		x >>= 1;
		n++;
	}
	return n;
}
#endif

struct evq_ent {
	int64_t		t;
	uint64_t	k;
};

struct evq_bucket {
	struct evq_ent	*e;
	size_t		 n;
	size_t		 cap;
};

struct evq_slot {
	sim_handler	*fn;	/* NULL: free or cancelled */
	void		*ctx;
	uint64_t	 arg;
	uint32_t	 gen;
	uint32_t	 next;	/* free list link */
};

struct sim_evq {
	struct evq_bucket b[EVQ_NBUCKETS];	/* b[0]: a binary heap on k */
	uint64_t	 mask;		/* bit i-1 set: b[i] is not empty */
	uint64_t	 ulast;		/* last, sign-flipped to order as unsigned */
	sim_ns		 last;
	size_t		 total;		/* events in all buckets */
	size_t		 cancelled;	/* cancelled events still in buckets */

	struct evq_slot	*slots;
	size_t		 nslots;
	size_t		 slots_cap;
	uint32_t	 free_head;

	uint64_t	 seq;		/* next sequence, <= EVQ_SEQ_MASK + 1 */
};

static inline uint32_t
evq_slot_of(uint64_t k)
{
	return (uint32_t)(k & EVQ_SLOT_MASK);
}

/* The bucket of time t (>= last). */
static inline int
evq_bucket_of(const struct sim_evq *q, sim_ns t)
{
	uint64_t x = ((uint64_t)t ^ EVQ_SIGN) ^ q->ulast;
	return x == 0 ? 0 : 64 - EVQ_CLZ64(x);
}

static void
evq_bucket_grow(struct evq_bucket *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 16;
	b->e = xreallocarray(b->e, ncap, sizeof *b->e);
	b->cap = ncap;
}

static inline void
evq_append(struct sim_evq *q, int i, struct evq_ent e)
{
	struct evq_bucket *b = &q->b[i];
	if (b->n == b->cap)
		evq_bucket_grow(b);
	b->e[b->n++] = e;
	q->mask |= UINT64_C(1) << (i - 1);
}

/* Bucket 0 is a binary min-heap on k (its times are all equal). */
static void
evq_heap0_push(struct sim_evq *q, struct evq_ent e)
{
	struct evq_bucket *b = &q->b[0];
	if (b->n == b->cap)
		evq_bucket_grow(b);
	size_t i = b->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (b->e[p].k <= e.k)
			break;
		b->e[i] = b->e[p];
		i = p;
	}
	b->e[i] = e;
}

static void
evq_heap0_sift(struct evq_bucket *b, size_t i)
{
	struct evq_ent e = b->e[i];
	size_t n = b->n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && b->e[c + 1].k < b->e[c].k)
			c++;
		if (e.k <= b->e[c].k)
			break;
		b->e[i] = b->e[c];
		i = c;
	}
	b->e[i] = e;
}

static struct evq_ent
evq_heap0_pop(struct sim_evq *q)
{
	struct evq_bucket *b = &q->b[0];
	struct evq_ent top = b->e[0];
	b->e[0] = b->e[--b->n];
	if (b->n > 1)
		evq_heap0_sift(b, 0);
	return top;
}

static void
evq_heap0_heapify(struct evq_bucket *b)
{
	if (b->n > 1)
		for (size_t i = b->n / 2; i-- > 0;)
			evq_heap0_sift(b, i);
}

/*
 * Moves `last` to the smallest time in the lowest non-empty bucket j > 0
 * and redistributes that bucket. Bucket 0 must be empty; returns false
 * (changing nothing) when there is no event or the smallest time is after
 * `until`.
 */
static bool
evq_advance(struct sim_evq *q, sim_ns until)
{
	if (q->mask == 0)
		return false;
	int j = EVQ_CTZ64(q->mask) + 1;
	struct evq_bucket *bj = &q->b[j];
	sim_ns min = bj->e[0].t;
	for (size_t i = 1; i < bj->n; i++)
		if (bj->e[i].t < min)
			min = bj->e[i].t;
	if (min > until)
		return false;
	q->last = min;
	q->ulast = (uint64_t)min ^ EVQ_SIGN;
	q->mask &= ~(UINT64_C(1) << (j - 1));
	size_t n = bj->n;
	bj->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct evq_ent e = bj->e[i];
		int to = evq_bucket_of(q, e.t);
		if (to == 0) {
			EVQ_PREFETCH(&q->slots[evq_slot_of(e.k)]);
			evq_heap0_push(q, e);
		} else
			evq_append(q, to, e);
	}
	return true;
}

static inline void
evq_slot_free(struct sim_evq *q, uint32_t s)
{
	struct evq_slot *sl = &q->slots[s];
	sl->fn = NULL;
	sl->gen++;
	sl->next = q->free_head;
	q->free_head = s;
}

static uint32_t
evq_slot_alloc(struct sim_evq *q)
{
	if (q->free_head != EVQ_NO_SLOT) {
		uint32_t s = q->free_head;
		q->free_head = q->slots[s].next;
		return s;
	}
	if (q->nslots >= EVQ_MAX_SLOTS)
		ks_fatal("event queue overflow: %zu events pending", q->nslots);
	KS_GROW(q->slots, q->slots_cap, q->nslots + 1);
	uint32_t s = (uint32_t)q->nslots++;
	q->slots[s].gen = 1;
	q->slots[s].fn = NULL;
	return s;
}

struct sim_evq *
sim_evq_new(void)
{
	struct sim_evq *q = xcalloc(1, sizeof *q);
	q->free_head = EVQ_NO_SLOT;
	q->last = 0;
	q->ulast = EVQ_SIGN;
	return q;
}

void
sim_evq_free(struct sim_evq *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < EVQ_NBUCKETS; i++)
		free(q->b[i].e);
	free(q->slots);
	free(q);
}

static int
evq_cmp_seq(const void *a, const void *b)
{
	uint64_t x = **(const uint64_t *const *)a & EVQ_SEQ_FIELD;
	uint64_t y = **(const uint64_t *const *)b & EVQ_SEQ_FIELD;
	return x < y ? -1 : x > y;
}

void
sim_evq_renumber(struct sim_evq *q)
{
	uint64_t **keys = xmalloc((q->total ? q->total : 1) * sizeof *keys);
	size_t n = 0;
	for (int i = 0; i < EVQ_NBUCKETS; i++)
		for (size_t j = 0; j < q->b[i].n; j++)
			keys[n++] = &q->b[i].e[j].k;
	KS_ASSERT(n == q->total);
	qsort(keys, n, sizeof *keys, evq_cmp_seq);
	/* Ranks keep every comparison, so bucket 0 stays a heap. */
	for (size_t r = 0; r < n; r++)
		*keys[r] = (*keys[r] & ~EVQ_SEQ_FIELD) | (uint64_t)r << EVQ_SLOT_BITS;
	free(keys);
	q->seq = n;
}

sim_timer
sim_evq_push(struct sim_evq *q, sim_ns at, int prio, sim_handler *fn,
    void *ctx, uint64_t arg)
{
	if (at < q->last)
		ks_fatal("event scheduled into the past: at %lld ns, now %lld ns",
		    (long long)at, (long long)q->last);
	KS_ASSERT(fn != NULL);
	KS_ASSERT(prio >= SIM_PRIO_MIN && prio <= SIM_PRIO_MAX);
	if (q->seq > EVQ_SEQ_MASK)
		sim_evq_renumber(q);

	uint32_t s = evq_slot_alloc(q);
	struct evq_slot *sl = &q->slots[s];
	sl->fn = fn;
	sl->ctx = ctx;
	sl->arg = arg;

	struct evq_ent e;
	e.t = at;
	e.k = (uint64_t)(prio - SIM_PRIO_MIN) << EVQ_PRIO_SHIFT |
	    q->seq++ << EVQ_SLOT_BITS | s;
	int i = evq_bucket_of(q, at);
	if (i == 0)
		evq_heap0_push(q, e);
	else
		evq_append(q, i, e);
	q->total++;
	return (uint64_t)sl->gen << 32 | (uint64_t)(s + 1);
}

/* Drops cancelled events from every bucket (O(n)). */
static void
evq_compact(struct sim_evq *q)
{
	for (int i = 0; i < EVQ_NBUCKETS; i++) {
		struct evq_bucket *b = &q->b[i];
		size_t j = 0;
		for (size_t k = 0; k < b->n; k++) {
			uint32_t s = evq_slot_of(b->e[k].k);
			if (q->slots[s].fn == NULL)
				evq_slot_free(q, s);
			else
				b->e[j++] = b->e[k];
		}
		q->total -= b->n - j;
		b->n = j;
		if (i == 0)
			evq_heap0_heapify(b);
		else if (j == 0)
			q->mask &= ~(UINT64_C(1) << (i - 1));
	}
	q->cancelled = 0;
}

bool
sim_evq_pop(struct sim_evq *q, sim_ns until, struct sim_evq_item *out)
{
	for (;;) {
		if (q->total == q->cancelled) {
			/* only cancelled events: drop them, keep `last` */
			if (q->total > 0)
				evq_compact(q);
			return false;
		}
		if (q->b[0].n == 0 && !evq_advance(q, until))
			return false;
		if (q->last > until)
			return false;
		struct evq_ent e = evq_heap0_pop(q);
		q->total--;
		uint32_t s = evq_slot_of(e.k);
		struct evq_slot *sl = &q->slots[s];
		if (sl->fn == NULL) {	/* cancelled */
			q->cancelled--;
			evq_slot_free(q, s);
			continue;
		}
		out->time = e.t;
		out->prio = (int)(e.k >> EVQ_PRIO_SHIFT) + SIM_PRIO_MIN;
		out->fn = sl->fn;
		out->ctx = sl->ctx;
		out->arg = sl->arg;
		evq_slot_free(q, s);
		return true;
	}
}

sim_ns
sim_evq_peek_time(struct sim_evq *q)
{
	/* Without moving `last`: a later push may still go before it. */
	struct evq_bucket *b0 = &q->b[0];
	while (b0->n > 0) {
		uint32_t s = evq_slot_of(b0->e[0].k);
		if (q->slots[s].fn != NULL)
			return q->last;
		evq_heap0_pop(q);
		q->total--;
		q->cancelled--;
		evq_slot_free(q, s);
	}
	for (uint64_t m = q->mask; m != 0; m &= m - 1) {
		struct evq_bucket *b = &q->b[EVQ_CTZ64(m) + 1];
		sim_ns min = SIM_NEVER;
		bool any = false;
		for (size_t i = 0; i < b->n; i++)
			if (q->slots[evq_slot_of(b->e[i].k)].fn != NULL &&
			    (!any || b->e[i].t < min)) {
				min = b->e[i].t;
				any = true;
			}
		if (any)
			return min;
	}
	return SIM_NEVER;
}

bool
sim_evq_cancel(struct sim_evq *q, sim_timer h)
{
	uint64_t s1 = h & UINT32_MAX;
	uint32_t gen = (uint32_t)(h >> 32);
	if (s1 == 0 || s1 > q->nslots)
		return false;
	struct evq_slot *sl = &q->slots[s1 - 1];
	if (sl->gen != gen || sl->fn == NULL)
		return false;
	sl->fn = NULL;
	q->cancelled++;
	if (q->cancelled > 32 && q->cancelled * 2 > q->total)
		evq_compact(q);
	return true;
}

size_t
sim_evq_len(const struct sim_evq *q)
{
	return q->total - q->cancelled;
}

sim_ns
sim_evq_last_time(const struct sim_evq *q)
{
	return q->last;
}
