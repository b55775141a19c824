/*
 * evq.c - the engine's event queue.
 *
 * Data structure: an implicit 4-ary min-heap of 16-byte entries that carry
 * the whole ordering key inline, so sifting never leaves the heap array:
 *
 *	t	int64 time
 *	k	(prio + 128) << 56 | seq << 27 | slot
 *
 * The sequence (insertion order, for FIFO ties) occupies the bits above the
 * slot, so comparing (t, k) orders by time, priority, sequence; the slot bits
 * never decide because sequences are unique. The array is placed so that each
 * group of four siblings fills exactly one 64-byte cache line, and the sift
 * prefetches the grandchildren's line group one level ahead. Event payloads
 * (handler, ctx, arg, generation) live in a pooled slot array with a LIFO free
 * list: no allocation per event once the pool has grown, and the slot a pop
 * frees is the one the next push reuses, still in cache. Handles are
 * generation<<32 | (slot + 1): never 0, and stale once the slot is reused.
 *
 * The sequence has 29 bits; when it runs out, the pending entries are
 * renumbered 0..n-1 in their present order (O(n log n), once per ~400M
 * pushes), which keeps every comparison and thus the heap as it was. Slots
 * have 27 bits: at most 2^27 (134M) events pending.
 *
 * Complexity: push O(log4 n), pop O(log4 n), cancel O(1) amortized.
 *
 * Pop leaves a hole at the root instead of refilling it at once; the next
 * push drops its entry into that hole (a replace-top), so the usual "handler
 * pops one event, schedules the next" pattern costs one sift instead of two.
 * Any other operation first refills the hole with the last entry. Sifting
 * down is bottom-up (Floyd): the hole walks to a leaf along the smaller
 * children, then the entry sifts up from there; an event at now + a random
 * delay lands near the leaves, so this saves comparing it at every level.
 * The choice of the smaller child is made without branches: it is a coin
 * toss, and mispredicted branches cost more than the comparisons.
 *
 * Cancel is lazy: it clears the slot's handler, pop discards such entries,
 * and when cancelled entries exceed half the heap the array is filtered and
 * re-heapified in O(n) (amortized O(1) per cancel). The alternative, a heap
 * index kept in every slot for an O(log n) eager removal, costs a write into
 * the slot array at every level of every sift (a cache miss per level at
 * 10^6 events) and a 24-byte entry; it would only pay off if cancelled events
 * stayed queued for a long time while the queue was huge. A calendar or
 * ladder queue (O(1) expected, ns-3's CalendarScheduler) is the next step if
 * 10^7+ pending events ever matter.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/engine/evq.h"
#include "sim/util/util.h"

#define EVQ_ARITY	4
#define EVQ_SLOT_BITS	27
#define EVQ_SEQ_BITS	29
#define EVQ_PRIO_SHIFT	(EVQ_SLOT_BITS + EVQ_SEQ_BITS)	/* 56 */
#define EVQ_SLOT_MASK	((UINT64_C(1) << EVQ_SLOT_BITS) - 1)
#define EVQ_SEQ_MASK	((UINT64_C(1) << EVQ_SEQ_BITS) - 1)
#define EVQ_MAX_SLOTS	(UINT32_C(1) << EVQ_SLOT_BITS)
#define EVQ_NO_SLOT	UINT32_MAX

#if defined(__GNUC__)
#define EVQ_PREFETCH(p)	__builtin_prefetch(p)
#else
#define EVQ_PREFETCH(p)	((void)(p))
#endif

struct evq_ent {
	int64_t		t;
	uint64_t	k;
};

struct evq_slot {
	sim_handler	*fn;	/* NULL: free or cancelled */
	void		*ctx;
	uint64_t	 arg;
	uint32_t	 gen;
	uint32_t	 next;	/* free list link */
};

struct sim_evq {
	struct evq_ent	*heap;		/* aligned view into heap_raw */
	void		*heap_raw;
	size_t		 n;		/* entries in heap[0, n), hole included */
	size_t		 cap;
	bool		 hole;		/* heap[0] is vacant */
	size_t		 cancelled;	/* cancelled entries still in the heap */

	struct evq_slot	*slots;
	size_t		 nslots;
	size_t		 slots_cap;
	uint32_t	 free_head;

	uint64_t	 seq;		/* next sequence, < 2^EVQ_SEQ_BITS */
	sim_ns		 now;
};

static inline uint32_t
evq_slot_of(const struct evq_ent *e)
{
	return (uint32_t)(e->k & EVQ_SLOT_MASK);
}

static inline bool
evq_less(const struct evq_ent *a, const struct evq_ent *b)
{
	return a->t < b->t || (a->t == b->t && a->k < b->k);
}

/* The same as 0 or 1, without branches. */
static inline size_t
evq_lessb(const struct evq_ent *a, const struct evq_ent *b)
{
	return (size_t)((a->t < b->t) | ((a->t == b->t) & (a->k < b->k)));
}

/*
 * Grows the heap array. The children of i are 4i+1 .. 4i+4, at byte
 * 64i + 16; starting the array 48 bytes past a 64-byte boundary puts every
 * child group on a cache line of its own.
 */
static void
evq_grow(struct sim_evq *q)
{
	size_t ncap = q->cap ? q->cap * 2 : 256;
	if (ncap > SIZE_MAX / sizeof(struct evq_ent) - 128)
		ks_fatal("event queue overflow: %zu entries", ncap);
	size_t bytes = ncap * sizeof(struct evq_ent) + 128;
	char *raw;
	if (bytes >= (1u << 21)) {
		bytes = (bytes + (1u << 21) - 1) & ~(size_t)((1u << 21) - 1);
		raw = aligned_alloc(1u << 21, bytes);
		madvise(raw, bytes, MADV_HUGEPAGE);
	} else
		raw = xmalloc(bytes);
	uintptr_t p = ((uintptr_t)raw + 63) & ~(uintptr_t)63;
	struct evq_ent *h = (struct evq_ent *)(p + 48);
	if (q->n > 0)
		memcpy(h, q->heap, q->n * sizeof *h);
	free(q->heap_raw);
	q->heap_raw = raw;
	q->heap = h;
	q->cap = ncap;
}

/* The smallest of the children c .. c+3 of a node (c < n). */
static inline size_t
evq_min_child(const struct evq_ent *h, size_t c, size_t n)
{
	if (c + 3 < n) {
		size_t m0 = c + evq_lessb(&h[c + 1], &h[c]);
		size_t m1 = c + 2 + evq_lessb(&h[c + 3], &h[c + 2]);
		size_t sel = -evq_lessb(&h[m1], &h[m0]);
		return m0 ^ ((m0 ^ m1) & sel);
	}
	size_t m = c;
	for (size_t j = c + 1; j < n; j++)
		if (evq_less(&h[j], &h[m]))
			m = j;
	return m;
}

/* Places e into the hole at the root of heap[0, n): bottom-up sift. */
static void
evq_fill_root(struct sim_evq *q, size_t n, struct evq_ent e)
{
	struct evq_ent *h = q->heap;
	size_t i = 0;
	for (;;) {
		size_t c = EVQ_ARITY * i + 1;
		if (c >= n)
			break;
		size_t m = evq_min_child(h, c, n);
		size_t g = EVQ_ARITY * (EVQ_ARITY * m + 1) + 1;
		if (g < n) {
			/* the child groups of m's children, read two steps on */
			EVQ_PREFETCH(&h[g]);
			EVQ_PREFETCH(&h[g + 4]);
			EVQ_PREFETCH(&h[g + 8]);
			EVQ_PREFETCH(&h[g + 12]);
		}
		if (i == 0)	/* most likely the next event to pop */
			EVQ_PREFETCH(&q->slots[evq_slot_of(&h[m])]);
		h[i] = h[m];
		i = m;
	}
	while (i > 0) {
		size_t p = (i - 1) / EVQ_ARITY;
		if (!evq_less(&e, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

/* Classic top-down sift of heap[i] (for heapify). */
static void
evq_sift_down(struct evq_ent *h, size_t n, size_t i)
{
	struct evq_ent e = h[i];
	for (;;) {
		size_t c = EVQ_ARITY * i + 1;
		if (c >= n)
			break;
		size_t m = evq_min_child(h, c, n);
		if (!evq_less(&h[m], &e))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = e;
}

/* Refills a hole at the root with the last entry. */
static inline void
evq_fix_hole(struct sim_evq *q)
{
	if (!q->hole)
		return;
	q->hole = false;
	q->n--;
	if (q->n > 0)
		evq_fill_root(q, q->n, q->heap[q->n]);
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
	return q;
}

void
sim_evq_free(struct sim_evq *q)
{
	if (q == NULL)
		return;
	free(q->heap_raw);
	free(q->slots);
	free(q);
}

static int
evq_cmp_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct evq_ent *)a)->k & (EVQ_SEQ_MASK << EVQ_SLOT_BITS);
	uint64_t y = ((const struct evq_ent *)b)->k & (EVQ_SEQ_MASK << EVQ_SLOT_BITS);
	return x < y ? -1 : x > y;
}

void
sim_evq_renumber(struct sim_evq *q)
{
	evq_fix_hole(q);
	size_t n = q->n;
	/* sort copies by sequence; the k field then says where each came from */
	struct evq_ent *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
	for (size_t i = 0; i < n; i++) {
		tmp[i].k = q->heap[i].k;
		tmp[i].t = (int64_t)i;
	}
	qsort(tmp, n, sizeof *tmp, evq_cmp_seq);
	for (size_t r = 0; r < n; r++) {
		struct evq_ent *e = &q->heap[tmp[r].t];
		e->k = (e->k & ~(EVQ_SEQ_MASK << EVQ_SLOT_BITS)) |
		    (uint64_t)r << EVQ_SLOT_BITS;
	}
	free(tmp);
	q->seq = n;
}

sim_timer
sim_evq_push(struct sim_evq *q, sim_ns at, int prio, sim_handler *fn,
    void *ctx, uint64_t arg)
{
	if (at < q->now)
		ks_fatal("event scheduled into the past: at %lld ns, now %lld ns",
		    (long long)at, (long long)q->now);
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
	if (q->hole) {
		q->hole = false;
		evq_fill_root(q, q->n, e);
	} else {
		if (q->n == q->cap)
			evq_grow(q);
		struct evq_ent *h = q->heap;
		size_t i = q->n++;
		while (i > 0) {
			size_t p = (i - 1) / EVQ_ARITY;
			if (!evq_less(&e, &h[p]))
				break;
			h[i] = h[p];
			i = p;
		}
		h[i] = e;
	}
	return (uint64_t)sl->gen << 32 | (uint64_t)(s + 1);
}

/* Drops cancelled entries from the root; leaves no hole. */
static inline void
evq_skip_cancelled(struct sim_evq *q)
{
	evq_fix_hole(q);
	while (q->n > 0 && q->slots[evq_slot_of(&q->heap[0])].fn == NULL) {
		evq_slot_free(q, evq_slot_of(&q->heap[0]));
		q->cancelled--;
		q->hole = true;
		evq_fix_hole(q);
	}
}

bool
sim_evq_pop(struct sim_evq *q, sim_ns until, struct sim_evq_item *out)
{
	evq_skip_cancelled(q);
	if (q->n == 0 || q->heap[0].t > until)
		return false;
	const struct evq_ent *e = &q->heap[0];
	uint32_t s = evq_slot_of(e);
	struct evq_slot *sl = &q->slots[s];
	out->time = e->t;
	out->prio = (int)(e->k >> EVQ_PRIO_SHIFT) + SIM_PRIO_MIN;
	out->fn = sl->fn;
	out->ctx = sl->ctx;
	out->arg = sl->arg;
	q->now = e->t;
	evq_slot_free(q, s);
	q->hole = true;
	return true;
}

sim_ns
sim_evq_peek_time(struct sim_evq *q)
{
	evq_skip_cancelled(q);
	return q->n == 0 ? SIM_NEVER : q->heap[0].t;
}

/* Filters out cancelled entries and rebuilds the heap (Floyd, O(n)). */
static void
evq_compact(struct sim_evq *q)
{
	evq_fix_hole(q);
	struct evq_ent *h = q->heap;
	size_t j = 0;
	for (size_t i = 0; i < q->n; i++) {
		uint32_t s = evq_slot_of(&h[i]);
		if (q->slots[s].fn == NULL)
			evq_slot_free(q, s);
		else
			h[j++] = h[i];
	}
	q->n = j;
	q->cancelled = 0;
	if (j > 1)
		for (size_t i = (j - 2) / EVQ_ARITY + 1; i-- > 0;)
			evq_sift_down(h, j, i);
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
	size_t live = q->n - (q->hole ? 1 : 0);
	if (q->cancelled > 32 && q->cancelled * 2 > live)
		evq_compact(q);
	return true;
}

size_t
sim_evq_len(const struct sim_evq *q)
{
	return q->n - (q->hole ? 1 : 0) - q->cancelled;
}

sim_ns
sim_evq_last_time(const struct sim_evq *q)
{
	return q->now;
}
