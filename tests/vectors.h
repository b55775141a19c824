/*
 * vectors.h - readers for the fidelity vectors (JSON read through the YAML
 * tree) shared by the fidelity test programs: a case's name and typed fields
 * where null or absent means the default and a malformed value is a test
 * failure naming its position. Include after tests/testlib.h.
 */
#ifndef KS_TEST_VECTORS_H
#define KS_TEST_VECTORS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/ytree.h"

static inline const char *
tv_case_name(const struct yt_node *c)
{
	const struct yt_node *n = yt_get(c, "name");
	return n != NULL && n->kind == YT_SCALAR ? n->str : "(unnamed)";
}

/* Records a reader's error as a failure; returns the value read. */
#define TV_READ(fn, m, key, dflt, type) do { \
	char *cause_ = NULL; \
	type v_; \
	if (fn((m), (key), (dflt), &v_, &cause_) < 0) { \
		FAILF("%s", cause_); \
		free(cause_); \
		return (dflt); \
	} \
	return v_; \
} while (0)

static inline int64_t
tv_i64(const struct yt_node *m, const char *key, int64_t dflt)
{
	TV_READ(yt_get_int64, m, key, dflt, int64_t);
}

static inline double
tv_dbl(const struct yt_node *m, const char *key, double dflt)
{
	TV_READ(yt_get_double, m, key, dflt, double);
}

static inline bool
tv_bool(const struct yt_node *m, const char *key, bool dflt)
{
	TV_READ(yt_get_bool, m, key, dflt, bool);
}

/* ---- controller families (statefulset, daemonset, job) ------------------ */

/* True when key is absent or null. */
static inline bool
tv_null(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n == NULL || yt_is_null(n);
}

/* A string field, NULL when absent, null or not a scalar. */
static inline const char *
tv_str(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n != NULL && n->kind == YT_SCALAR && !yt_is_null(n) ? n->str : NULL;
}

/* Items of a list or pairs of a map; 0 for anything else. */
static inline size_t
tv_len(const struct yt_node *n)
{
	return n != NULL && (n->kind == YT_SEQ || n->kind == YT_MAP) ? n->n : 0;
}

/* Whether a top-level key names a list of cases ("..._cases"). */
static inline bool
tv_is_case_list(const char *key)
{
	size_t len = strlen(key);
	return len > 6 && strcmp(key + len - 6, "_cases") == 0;
}

/* The "..._cases" lists at the top of a vector file. */
static inline size_t
tv_case_lists(const struct yt_node *root)
{
	size_t n = 0;
	for (size_t i = 0; root != NULL && root->kind == YT_MAP && i < root->n; i++)
		n += tv_is_case_list(root->keys[i]->str);
	return n;
}

/* One kind of case of a vector file: its list's key and a replay of one case. */
struct tv_family {
	const char	*key;
	void		(*run)(const struct yt_node *c);
};

/*
 * Replays every case of every "*_cases" list of root through fams (NULL-key
 * terminated); a list with no replay is a failure, so no case is left out
 * silently. Returns the number of cases replayed and prints it per list.
 */
static inline int
tv_replay(const struct yt_node *root, const char *file, const struct tv_family *fams)
{
	int total = 0;
	for (size_t i = 0; root != NULL && root->kind == YT_MAP && i < root->n; i++) {
		const char *key = root->keys[i]->str;
		const struct yt_node *v = root->items[i];
		if (!tv_is_case_list(key))
			continue;
		const struct tv_family *f = fams;
		while (f->key != NULL && strcmp(f->key, key) != 0)
			f++;
		if (f->key == NULL || v->kind != YT_SEQ) {
			FAILF("%s: %s: no replay for this list", file, key);
			continue;
		}
		for (size_t j = 0; j < v->n; j++)
			f->run(v->items[j]);
		printf("%s: %s: %zu cases\n", file, key, v->n);
		total += (int)v->n;
	}
	return total;
}

/* A scalar's text, or dflt when absent, null or not a scalar. */
static inline const char *
tv_str_or(const struct yt_node *m, const char *key, const char *dflt)
{
	const struct yt_node *n = yt_get(m, key);
	return n != NULL && n->kind == YT_SCALAR && !yt_is_null(n) ? n->str : dflt;
}

/* Items of a sequence (0 for absent, null or not a sequence). */
static inline size_t
tv_seq_n(const struct yt_node *n)
{
	return n != NULL && n->kind == YT_SEQ ? n->n : 0;
}

/* Parses a vector file; on error records a failure and returns NULL. */
static inline const struct yt_node *
tv_load(const char *path, struct yt_docs *d)
{
	char *cause = NULL;
	if (yt_parse_file(path, d, &cause) != 0) {
		FAILF("%s", cause);
		free(cause);
		return NULL;
	}
	if (d->ndocs == 0) {
		FAILF("%s: empty", path);
		return NULL;
	}
	return d->docs[0];
}

/* Runs fn on every case of root[key]; returns how many (0 and a failure
 * when the list is missing). */
static inline size_t
tv_each(const struct yt_node *root, const char *key,
    void (*fn)(const struct yt_node *c))
{
	const struct yt_node *l = yt_get(root, key);
	if (l == NULL || l->kind != YT_SEQ || l->n == 0) {
		FAILF("no case list '%s'", key);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++)
		fn(l->items[i]);
	return l->n;
}

#endif
