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
#include <stdlib.h>

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

#endif
