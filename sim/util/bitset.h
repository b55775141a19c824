/*
 * bitset.h - a growable set of small integers as 64-bit words: membership
 * in one instruction or two, and ordered walks that cost a word per 64
 * members plus one step per member found (ks_bits_next, and the word
 * accessor for walks over several sets combined word by word).
 */
#ifndef KS_BITSET_H
#define KS_BITSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/util/util.h"

struct ks_bits {
	uint64_t	*w;
	size_t		 nw;	/* words allocated (all zero beyond the members) */
};

#define KS_BITS_NONE	SIZE_MAX

/* Makes room for members below n (new words empty). */
static inline void
ks_bits_grow(struct ks_bits *b, size_t n)
{
	size_t need = (n + 63) / 64;
	if (need <= b->nw)
		return;
	size_t old = b->nw;
	KS_GROW(b->w, b->nw, need);
	memset(&b->w[old], 0, (b->nw - old) * sizeof *b->w);
}

static inline void
ks_bits_free(struct ks_bits *b)
{
	free(b->w);
	b->w = NULL;
	b->nw = 0;
}

static inline bool
ks_bits_has(const struct ks_bits *b, size_t i)
{
	return i / 64 < b->nw && (b->w[i / 64] >> (i % 64) & 1);
}

/* i must be below the size given to ks_bits_grow. */
static inline void
ks_bits_put(struct ks_bits *b, size_t i, bool on)
{
	uint64_t m = (uint64_t)1 << (i % 64);
	if (on)
		b->w[i / 64] |= m;
	else
		b->w[i / 64] &= ~m;
}

/* Word k, 0 beyond the allocation. */
static inline uint64_t
ks_bits_word(const struct ks_bits *b, size_t k)
{
	return k < b->nw ? b->w[k] : 0;
}

static inline void
ks_bits_clear(struct ks_bits *b)
{
	if (b->nw > 0)
		memset(b->w, 0, b->nw * sizeof *b->w);
}

/* The smallest member >= from and < end, or KS_BITS_NONE. */
static inline size_t
ks_bits_next(const struct ks_bits *b, size_t from, size_t end)
{
	if (from >= end)
		return KS_BITS_NONE;
	size_t k = from / 64;
	size_t last = (end - 1) / 64;
	if (last >= b->nw) {
		if (k >= b->nw)
			return KS_BITS_NONE;
		last = b->nw - 1;
	}
	uint64_t word = b->w[k] & (~(uint64_t)0 << (from % 64));
	for (;;) {
		if (word != 0) {
			size_t i = k * 64 + (size_t)__builtin_ctzll(word);
			return i < end ? i : KS_BITS_NONE;
		}
		if (++k > last)
			return KS_BITS_NONE;
		word = b->w[k];
	}
}

#endif
