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
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		ks_fatal("vsnprintf failed");
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
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

void
ks_buf_json_str(struct ks_buf *b, const char *s)
{
	ks_buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		/* a run of characters that stand for themselves, at once */
		size_t n = 0;
		while (s[n] != '\0' && s[n] != '"' && s[n] != '\\' &&
		    (unsigned char)s[n] >= 0x20)
			n++;
		if (n > 0) {
			ks_buf_add(b, s, n);
			s += n - 1;
			continue;
		}
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':  ks_buf_add(b, "\\\"", 2); break;
		case '\\': ks_buf_add(b, "\\\\", 2); break;
		case '\n': ks_buf_add(b, "\\n", 2); break;
		case '\t': ks_buf_add(b, "\\t", 2); break;
		case '\r': ks_buf_add(b, "\\r", 2); break;
		default:
			if (c < 0x20)
				ks_buf_printf(b, "\\u%04x", c);
			else
				ks_buf_add(b, (const char *)&c, 1);
		}
	}
	ks_buf_add(b, "\"", 1);
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
