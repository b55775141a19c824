/*
 * util.c - allocation wrappers that abort on out-of-memory, assertion
 * support, string buffers, edit distance for suggestions, hashing and a
 * small string map. See util.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		ks_fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		ks_fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		ks_fatal("out of memory reallocating %zu bytes", size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		ks_fatal("allocation overflow: %zu x %zu", nmemb, size);
	return xrealloc(ptr, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	/* one pass when the text fits this buffer (most do: messages,
	 * names), a second into the allocation when it does not */
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		ks_fatal("vsnprintf failed");
	if ((size_t)n < sizeof small)
		return xstrndup(small, (size_t)n);
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xstrcat(const char *s, ...)
{
	size_t n = 0;
	va_list ap;
	va_start(ap, s);
	for (const char *t = s; t != NULL; t = va_arg(ap, const char *))
		n += strlen(t);
	va_end(ap);
	char *p = xmalloc(n + 1), *e = p;
	va_start(ap, s);
	for (const char *t = s; t != NULL; t = va_arg(ap, const char *)) {
		size_t l = strlen(t);
		memcpy(e, t, l);
		e += l;
	}
	va_end(ap);
	*e = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
ks_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "kubesim: internal error: %s:%d: %s: assertion '%s' failed\n",
	    file, line, func, expr);
	abort();
}

void
ks_fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("kubesim: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
ks_grow(void *arrp, size_t *cap, size_t need, size_t elsize)
{
	void **arr = arrp;
	if (need <= *cap)
		return;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	*arr = xreallocarray(*arr, ncap, elsize);
	*cap = ncap;
}

int
ks_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 255;
	int prev[65], cur[65];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb] > 255 ? 255 : prev[lb];
}

const char *
ks_nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	int bestd = 256;
	for (size_t i = 0; candidates[i] != NULL; i++) {
		int d = ks_edit_distance(word, candidates[i]);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	/* A plausible typo: at most a third of the word's letters off. */
	size_t len = strlen(word);
	int limit = len < 4 ? 1 : (int)(len / 3) + 1;
	return bestd <= limit ? best : NULL;
}

void
ks_buf_init(struct ks_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
ks_buf_fini(struct ks_buf *b)
{
	free(b->data);
	ks_buf_init(b);
}

void
ks_buf_add(struct ks_buf *b, const char *s, size_t n)
{
	KS_GROW(b->data, b->cap, b->len + n + 1);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
ks_buf_puts(struct ks_buf *b, const char *s)
{
	ks_buf_add(b, s, strlen(s));
}

void
ks_buf_printf(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	ks_buf_puts(b, s);
	free(s);
}

/* Byte c stands for itself in a JSON string literal. */
static inline bool
json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/*
 * Each of the 8 bytes of w stands for itself: none is below 0x20, '"' or
 * '\\' (the exact tests "has a byte less than n" and "has a zero byte",
 * the latter of w xor the byte repeated).
 */
static inline bool
json_plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t below = (w - ones * 0x20) & ~w, zq = (q - ones) & ~q, zb = (b - ones) & ~b;
	return ((below | zq | zb) & high) == 0;
}

/* The bytes of a character's escape in a JSON string literal, at dst (NULL:
 * only counted): how many. */
static size_t
json_escape(char *dst, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 0 };
	size_t n = 2;
	switch (c) {
	case '"':  e[1] = '"'; break;
	case '\\': e[1] = '\\'; break;
	case '\n': e[1] = 'n'; break;
	case '\t': e[1] = 't'; break;
	case '\r': e[1] = 'r'; break;
	default:
		/* "\\u%04x" of a control character */
		e[1] = 'u';
		e[2] = '0';
		e[3] = '0';
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		n = 6;
	}
	if (dst != NULL)
		memcpy(dst, e, n);
	return n;
}

/* s (n bytes) as a JSON string literal at dst (NULL: only counted), eight
 * plain bytes at a time: its length. */
static size_t
json_str(char *dst, const char *s, size_t n)
{
	size_t out = 0, i = 0;
	if (dst != NULL)
		dst[out] = '"';
	out++;
	while (i < n) {
		uint64_t w;
		while (i + 8 <= n && (memcpy(&w, s + i, 8), json_plain8(w))) {
			if (dst != NULL)
				memcpy(dst + out, &w, 8);
			out += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i++];
		if (json_plain(c)) {
			if (dst != NULL)
				dst[out] = (char)c;
			out++;
		} else
			out += json_escape(dst != NULL ? dst + out : NULL, c);
	}
	if (dst != NULL)
		dst[out] = '"';
	return out + 1;
}

size_t
ks_json_str_len(const char *s)
{
	return json_str(NULL, s, strlen(s));
}

char *
ks_json_str_to(char *dst, const char *s)
{
	return dst + json_str(dst, s, strlen(s));
}

void
ks_buf_json_str(struct ks_buf *b, const char *s)
{
	size_t n = ks_json_str_len(s);
	KS_GROW(b->data, b->cap, b->len + n + 1);
	ks_json_str_to(b->data + b->len, s);
	b->len += n;
	b->data[b->len] = '\0';
}

char *
ks_buf_take(struct ks_buf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	ks_buf_init(b);
	return s;
}

int64_t
ks_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
ks_days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

uint64_t
ks_hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t
ks_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
ks_strmap_init(struct ks_strmap *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->hashes = NULL;
	m->cap = m->len = 0;
	m->borrowed = false;
}

void
ks_strmap_init_borrowed(struct ks_strmap *m)
{
	ks_strmap_init(m);
	m->borrowed = true;
}

void
ks_strmap_fini(struct ks_strmap *m)
{
	if (!m->borrowed)
		for (size_t i = 0; i < m->cap; i++)
			free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	bool borrowed = m->borrowed;
	ks_strmap_init(m);
	m->borrowed = borrowed;
}

static size_t
strmap_slot(const struct ks_strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)h & mask;
	while (m->keys[i] != NULL && (m->hashes[i] != h || strcmp(m->keys[i], key) != 0))
		i = (i + 1) & mask;
	return i;
}

static void
strmap_resize(struct ks_strmap *m, size_t cap)
{
	struct ks_strmap n = *m;
	n.cap = cap;
	n.keys = xcalloc(n.cap, sizeof *n.keys);	/* NULL: a free slot */
	n.vals = xreallocarray(NULL, n.cap, sizeof *n.vals);	/* read only where a key is */
	n.hashes = xreallocarray(NULL, n.cap, sizeof *n.hashes);
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		size_t mask = n.cap - 1, s = (size_t)m->hashes[i] & mask;
		while (n.keys[s] != NULL)
			s = (s + 1) & mask;
		n.keys[s] = m->keys[i];
		n.vals[s] = m->vals[i];
		n.hashes[s] = m->hashes[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	*m = n;
}

void
ks_strmap_reserve(struct ks_strmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 16;
	while (n * 2 > cap)
		cap *= 2;
	if (cap > m->cap)
		strmap_resize(m, cap);
}

void
ks_strmap_put(struct ks_strmap *m, const char *key, int64_t val)
{
	if ((m->len + 1) * 2 > m->cap)
		strmap_resize(m, m->cap ? m->cap * 2 : 16);
	uint64_t h = ks_hash_str(key);
	size_t s = strmap_slot(m, key, h);
	if (m->keys[s] == NULL) {
		m->keys[s] = m->borrowed ? (char *)key : xstrdup(key);
		m->hashes[s] = h;
		m->len++;
	}
	m->vals[s] = val;
}

bool
ks_strmap_get(const struct ks_strmap *m, const char *key, int64_t *val)
{
	if (m->cap == 0)
		return false;
	size_t s = strmap_slot(m, key, ks_hash_str(key));
	if (m->keys[s] == NULL)
		return false;
	if (val != NULL)
		*val = m->vals[s];
	return true;
}
