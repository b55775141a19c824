/*
 * util.h - allocation wrappers, assertions, cause strings and small helpers
 * used by every layer of kubesim. Allocation failure aborts (there is no
 * recovery from out-of-memory in a simulator); bad input is reported by the
 * caller through a `char **cause` string built with xasprintf.
 */
#ifndef KS_UTIL_H
#define KS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* The NULL-terminated list of strings joined, newly allocated (what
 * xasprintf of "%s%s..." gives, without printf); the caller frees it. */
char *xstrcat(const char *s, ...) __attribute__((sentinel));

/* Aborts with file, line and the failed expression: for broken invariants,
 * never for bad input. Always compiled in. */
#define KS_ASSERT(e) \
	((e) ? (void)0 : ks_assert_fail(#e, __FILE__, __LINE__, __func__))
void ks_assert_fail(const char *expr, const char *file, int line,
    const char *func) __attribute__((noreturn));
/* Aborts with a message: an internal error that cannot be recovered from. */
void ks_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Grows *arr (holding *cap elements of elsize bytes) to hold at least need. */
void ks_grow(void *arrp, size_t *cap, size_t need, size_t elsize);
/* The same with the usual case, room already, decided inline: the hot
 * loops that append one element at a time (the tick loop's passes over
 * every profile, the CPU check's lists) pay a comparison, not a call. */
static inline void
ks_grow_if(void *arrp, size_t *cap, size_t need, size_t elsize)
{
	if (__builtin_expect(need > *cap, 0))
		ks_grow(arrp, cap, need, elsize);
}
#define KS_GROW(arr, cap, need) ks_grow_if(&(arr), &(cap), (need), sizeof *(arr))

/* Levenshtein distance, capped at 255; for "did you mean" suggestions. */
int ks_edit_distance(const char *a, const char *b);
/* The candidate nearest to word (NULL-terminated list), or NULL when none is
 * close enough to be a plausible typo. */
const char *ks_nearest(const char *word, const char *const *candidates);

/* A growable string buffer (for JSON output and messages). */
struct ks_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void ks_buf_init(struct ks_buf *b);
void ks_buf_fini(struct ks_buf *b);
void ks_buf_add(struct ks_buf *b, const char *s, size_t n);
void ks_buf_puts(struct ks_buf *b, const char *s);
void ks_buf_printf(struct ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void ks_buf_json_str(struct ks_buf *b, const char *s);
/* The length of s as a JSON string literal, quotes included; and that
 * literal written at dst (room for that length), its end returned (no
 * NUL written). */
size_t ks_json_str_len(const char *s);
char *ks_json_str_to(char *dst, const char *s);
/* Returns the buffer's string (NUL-terminated), leaving b empty; caller frees. */
char *ks_buf_take(struct ks_buf *b);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), and the days of month m (1-12) of year y. */
int64_t ks_days_from_civil(int64_t y, int m, int d);
int ks_days_in_month(int64_t y, int m);

/* a + b and a * b, saturating at INT64_MIN / INT64_MAX instead of
 * overflowing (for sums of user quantities that may reach 2^63). */
static inline int64_t
ks_sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}
static inline int64_t
ks_sat_mul(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

/* 64-bit FNV-1a hash of a string, and splitmix64 for mixing seeds. */
uint64_t ks_hash_str(const char *s);
uint64_t ks_mix64(uint64_t x);

/*
 * A string -> int64 map with open addressing and linear probing, at most
 * half full, each slot's hash kept beside its key. Keys are copied, or
 * borrowed (ks_strmap_init_borrowed: the caller keeps them alive and
 * unchanged while the map lives). Lookups and inserts are O(1) expected;
 * iteration is not offered on purpose, so nothing can come to depend on
 * hash order.
 */
struct ks_strmap {
	char	**keys;
	int64_t	 *vals;
	uint64_t *hashes;
	size_t	  cap;		/* a power of two, or 0 */
	size_t	  len;
	bool	  borrowed;	/* keys are the caller's */
};
void ks_strmap_init(struct ks_strmap *m);
void ks_strmap_init_borrowed(struct ks_strmap *m);
void ks_strmap_fini(struct ks_strmap *m);
/* Makes room for n keys in all without regrowing. */
void ks_strmap_reserve(struct ks_strmap *m, size_t n);
/* Sets key to val, replacing any earlier value. */
void ks_strmap_put(struct ks_strmap *m, const char *key, int64_t val);
/* Returns true and sets *val when key is present. */
bool ks_strmap_get(const struct ks_strmap *m, const char *key, int64_t *val);

#endif
