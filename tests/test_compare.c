/*
 * test_compare.c - the statistics of reports/compare.c against values
 * computed by hand: the paired t half-width, Welch's half-width with the
 * Welch-Satterthwaite degrees of freedom, the degenerate cases (n < 2, no
 * variance), and the selection syntax.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/compare.h"
#include "tests/testlib.h"

static void
test_paired(void)
{
	/* d = {1, 2, 0, 1}: mean 1, sd sqrt(2/3), t(0.975, 3) = 3.182446305. */
	double a[] = { 1, 2, 3, 4 }, b[] = { 2, 4, 3, 5 }, diff;
	double hw = cmp_paired_halfwidth(a, b, 4, 0.95, &diff);
	CHECK_NEAR(diff, 1.0, 1e-12);
	CHECK_NEAR(hw, 3.182446305 * sqrt(2.0 / 3.0) / 2.0, 1e-8);
	/* 90 %: t(0.95, 3) = 2.353363435. */
	hw = cmp_paired_halfwidth(a, b, 4, 0.90, &diff);
	CHECK_NEAR(hw, 2.353363435 * sqrt(2.0 / 3.0) / 2.0, 1e-8);
	/* One pair: no interval. */
	CHECK(isnan(cmp_paired_halfwidth(a, b, 1, 0.95, &diff)));
	CHECK_NEAR(diff, 1.0, 1e-12);
	/* Constant differences: zero width. */
	double c[] = { 3, 4, 5, 6 };
	CHECK_NEAR(cmp_paired_halfwidth(a, c, 4, 0.95, &diff), 0.0, 1e-15);
	CHECK_NEAR(diff, 2.0, 1e-12);
}

static void
test_welch(void)
{
	/* a: mean 2, var 1; b: mean 7, var 20/3. se^2 = 1/3 + 5/3 = 2;
	 * df = 4 / ((1/3)^2 / 2 + (5/3)^2 / 3) = 4.0755 (by hand), so the
	 * quantile lies between t(0.975, 4) and t(0.975, 5), near the first. */
	double a[] = { 1, 2, 3 }, b[] = { 4, 6, 8, 10 }, diff;
	double hw = cmp_welch_halfwidth(a, 3, b, 4, 0.95, &diff);
	CHECK_NEAR(diff, 5.0, 1e-12);
	/* t(0.975, 4) = 2.776445105, t(0.975, 5) = 2.570581836: df between. */
	CHECK(hw / sqrt(2.0) < 2.776445105 && hw / sqrt(2.0) > 2.570581836);
	/* df = 4.0755: within 0.03 of t(0.975, 4). */
	CHECK(hw / sqrt(2.0) > 2.74 && hw / sqrt(2.0) < 2.7765);
	/* Equal sizes and variances: df = 2n - 2, the pooled t. */
	double e[] = { 1, 2, 3 }, f[] = { 11, 12, 13 };
	hw = cmp_welch_halfwidth(e, 3, f, 3, 0.95, &diff);
	CHECK_NEAR(hw, 2.776445105 * sqrt(2.0 / 3.0), 1e-8);
	CHECK_NEAR(diff, 10.0, 1e-12);
	CHECK(isnan(cmp_welch_halfwidth(e, 1, f, 3, 0.95, &diff)));
	double g[] = { 5, 5 }, h[] = { 6, 6 };
	CHECK_NEAR(cmp_welch_halfwidth(g, 2, h, 2, 0.95, &diff), 0.0, 0);
}

static void
test_select(void)
{
	char *cause = NULL;
	CHECK_INT(cmp_select_check("runs=1-10", &cause), 0);
	CHECK_INT(cmp_select_check("seed=3,scenario=shop,hpa.target=0.6", &cause), 0);
	CHECK_INT(cmp_select_check("runs=10-1", &cause), -1);
	free(cause);
	CHECK_INT(cmp_select_check("seeds=x", &cause), -1);
	free(cause);
	CHECK_INT(cmp_select_check("target", &cause), -1);
	CHECK(cause != NULL && strstr(cause, "not KEY=VALUE") != NULL);
	free(cause);
	CHECK_INT(cmp_select_check("", &cause), -1);
	free(cause);
	CHECK_INT(cmp_metric_parse("p99"), CMP_P99);
	CHECK_INT(cmp_metric_parse("p98"), -1);
}

int
main(void)
{
	test_paired();
	test_welch();
	test_select();
	return tl_finish();
}
