/*
 * compare.h - `kubesim compare`: two selections of runs (a baseline and a
 * candidate), each SLI's mean difference over seeds with a confidence
 * interval (paired by seed when both selections have the same seeds, so
 * common random numbers cancel; Welch's unequal-variance t otherwise), and a
 * verdict per SLI. Reads only the results database.
 */
#ifndef KS_COMPARE_H
#define KS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/report.h"

/* The SLIs, in output order. */
enum cmp_metric {
	CMP_AVAILABILITY, CMP_P50, CMP_P95, CMP_P99, CMP_ERRORS, CMP_REPLICAS,
	CMP_SLO_MINUTES, CMP_COST, CMP_NMETRICS
};

struct cmp_opts {
	const char	*baseline, *candidate;	/* selections, see cmp_select_parse */
	bool		 metrics[CMP_NMETRICS];	/* which SLIs; all false = all */
	const char	*service;		/* only this service; NULL: each service */
	double		 slo_p99_ms;		/* an interval is out of SLO above this p99 */
	double		 slo_availability;	/* ... or below this ok / (ok + errors) */
	double		 level;			/* confidence level, e.g. 0.95 */
	bool		 unpaired;		/* Welch even when the seeds match */
};

/* The result of a comparison: how many SLIs were significantly worse and
 * better, and how many could not be tested (fewer than 2 runs). */
struct cmp_result {
	int	worse, better, same, untested;
};

/* The SLI named s ("availability", "p50", "p95", "p99", "errors",
 * "replicas", "slo_minutes", "cost"), or -1. */
int cmp_metric_parse(const char *s);
const char *cmp_metric_name(enum cmp_metric m);

/*
 * Checks a selection's syntax: comma-separated conditions, each
 * runs=A-B | run=N | seeds=A-B | seed=N | scenario=NAME | PATH=VALUE
 * (PATH a --set path or sweep grid path, VALUE its value as given).
 * Returns 0, or -1 with *cause.
 */
int cmp_select_check(const char *sel, char **cause);

/*
 * Compares and prints the table to out. Returns 0 and fills *res, or -1
 * with *cause (bad selection, empty selection, database error).
 */
int cmp_compare(struct rpt *r, const struct cmp_opts *o, FILE *out,
    struct cmp_result *res, char **cause);

/* Welch's t-interval of mean(b) - mean(a) and a paired t-interval of
 * mean(b_i - a_i); return the half-width at `level` (NaN when n < 2). */
double cmp_welch_halfwidth(const double *a, size_t na, const double *b, size_t nb,
    double level, double *diff);
double cmp_paired_halfwidth(const double *a, const double *b, size_t n, double level,
    double *diff);

#endif
