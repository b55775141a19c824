/*
 * testlib.h - a tiny test harness shared by kubesim's test programs: CHECK
 * macros that print file:line and the values compared on failure, and a
 * closing "N passed, N failed" line that automake and CI read.
 */
#ifndef KS_TESTLIB_H
#define KS_TESTLIB_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tl_passed, tl_failed;

#define CHECK(cond) do { \
	if (cond) tl_passed++; \
	else { tl_failed++; fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) tl_passed++; \
	else { tl_failed++; fprintf(stderr, "%s:%d: FAIL: %s = %lld, want %lld\n", \
	    __FILE__, __LINE__, #got, g_, w_); } \
} while (0)

#define CHECK_NEAR(got, want, tol) do { \
	double g_ = (double)(got), w_ = (double)(want); \
	if (fabs(g_ - w_) <= (tol)) tl_passed++; \
	else { tl_failed++; fprintf(stderr, "%s:%d: FAIL: %s = %.9g, want %.9g (tol %g)\n", \
	    __FILE__, __LINE__, #got, g_, w_, (double)(tol)); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) tl_passed++; \
	else { tl_failed++; fprintf(stderr, "%s:%d: FAIL: %s = \"%s\", want \"%s\"\n", \
	    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

/* A failure with a formatted message (for table-driven cases). */
#define FAILF(...) do { tl_failed++; fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } while (0)
#define PASS() (tl_passed++)

static inline int
tl_finish(void)
{
	printf("%d passed, %d failed\n", tl_passed, tl_failed);
	return tl_failed ? 1 : 0;
}

/* A path under the source tree ($KS_SRCDIR, or "." when run by hand). */
static inline const char *
tl_src(const char *rel)
{
	static char buf[4][4096];
	static int k;
	const char *top = getenv("KS_SRCDIR");
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", top ? top : ".", rel);
	return buf[k];
}

/* A fidelity vector file: $KS_FIDELITY_DIR/name, default tests/fidelity. */
static inline const char *
tl_fidelity(const char *name)
{
	static char buf[4][4096];
	static int k;
	const char *dir = getenv("KS_FIDELITY_DIR");
	k = (k + 1) % 4;
	if (dir != NULL)
		snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	else
		snprintf(buf[k], sizeof buf[k], "%s/tests/fidelity/%s", getenv("KS_SRCDIR") ? getenv("KS_SRCDIR") : ".", name);
	return buf[k];
}

#endif
