/*
 * compare.c - `kubesim compare`: selects the baseline and candidate runs
 * (SQL over runs and their params JSON), reads each run's SLIs after its
 * warm-up (summary rows, service_intervals, cluster_intervals), and prints
 * per SLI the mean difference candidate - baseline with a t confidence
 * interval: paired over seeds when both selections hold the same seeds,
 * Welch's otherwise. t quantiles come from GSL.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "reports/compare.h"
#include "sim/util/util.h"

static const struct {
	const char	*name;
	int		 better;	/* +1: higher is better, -1: lower is */
	const char	*unit;
} cmp_metrics[CMP_NMETRICS] = {
	[CMP_AVAILABILITY] = { "availability", +1, "fraction" },
	[CMP_P50] = { "p50", -1, "ms" },
	[CMP_P95] = { "p95", -1, "ms" },
	[CMP_P99] = { "p99", -1, "ms" },
	[CMP_ERRORS] = { "errors", -1, "requests" },
	[CMP_REPLICAS] = { "replicas", -1, "mean ready" },
	[CMP_SLO_MINUTES] = { "slo_minutes", -1, "minutes" },
	[CMP_COST] = { "cost", -1, "USD" },
};

int
cmp_metric_parse(const char *s)
{
	for (int i = 0; i < CMP_NMETRICS; i++)
		if (strcmp(cmp_metrics[i].name, s) == 0)
			return i;
	return -1;
}

const char *
cmp_metric_name(enum cmp_metric m)
{
	return cmp_metrics[m].name;
}

/* ---- statistics ------------------------------------------------------------ */

static void
cmp_mean_var(const double *x, size_t n, double *mean, double *var)
{
	double m = 0, s = 0;
	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	*mean = m;
	*var = n > 1 ? s / (double)(n - 1) : NAN;
}

double
cmp_paired_halfwidth(const double *a, const double *b, size_t n, double level,
    double *diff)
{
	double *d = xcalloc(n > 0 ? n : 1, sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = b[i] - a[i];
	double m = NAN, v = NAN;
	if (n > 0)
		cmp_mean_var(d, n, &m, &v);
	free(d);
	*diff = m;
	if (n < 2)
		return NAN;
	return gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(n - 1)) * sqrt(v / (double)n);
}

double
cmp_welch_halfwidth(const double *a, size_t na, const double *b, size_t nb,
    double level, double *diff)
{
	double ma = NAN, va = NAN, mb = NAN, vb = NAN;
	if (na > 0)
		cmp_mean_var(a, na, &ma, &va);
	if (nb > 0)
		cmp_mean_var(b, nb, &mb, &vb);
	*diff = mb - ma;
	if (na < 2 || nb < 2)
		return NAN;
	double sa = va / (double)na, sb = vb / (double)nb, se2 = sa + sb;
	if (se2 <= 0)
		return 0;
	/* Welch-Satterthwaite degrees of freedom. */
	double df = se2 * se2 / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
	return gsl_cdf_tdist_Pinv(0.5 + level / 2, df) * sqrt(se2);
}

/* ---- selections ------------------------------------------------------------ */

struct cmp_sql {
	struct ks_buf	 where;
	char		**binds;	/* text parameters, in order */
	size_t		 nbinds, cap;
};

static void
cmp_bind(struct cmp_sql *q, char *s)
{
	KS_GROW(q->binds, q->cap, q->nbinds + 1);
	q->binds[q->nbinds++] = s;
}

/* "A-B" or "N" -> a..b; -1 when malformed. */
static int
cmp_range(const char *s, int64_t *a, int64_t *b)
{
	char *end;
	long long x = strtoll(s, &end, 10);
	if (end == s || x < 0)
		return -1;
	long long y = x;
	if (*end == '-') {
		const char *t = end + 1;
		y = strtoll(t, &end, 10);
		if (end == t || y < x)
			return -1;
	}
	if (*end != '\0')
		return -1;
	*a = x;
	*b = y;
	return 0;
}

/* Builds the WHERE clause of a selection; q may be NULL (syntax check). */
static int
cmp_select_build(const char *sel, struct cmp_sql *q, char **cause)
{
	if (sel == NULL || sel[0] == '\0') {
		*cause = xstrdup("empty selection (expected e.g. runs=1-10 or "
		    "hpa.target=0.6,scenario=ecommerce)");
		return -1;
	}
	char *copy = xstrdup(sel), *save = NULL;
	int rc = 0;
	for (char *c = strtok_r(copy, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(c, '=');
		if (eq == NULL || eq == c || eq[1] == '\0') {
			*cause = xasprintf("selection '%s': condition '%s' is not KEY=VALUE "
			    "(runs=A-B, run=N, seeds=A-B, seed=N, scenario=NAME or a --set "
			    "PATH=VALUE)", sel, c);
			rc = -1;
			break;
		}
		*eq = '\0';
		const char *k = c, *v = eq + 1;
		int64_t a, b;
		bool ids = strcmp(k, "runs") == 0 || strcmp(k, "run") == 0;
		bool seeds = strcmp(k, "seeds") == 0 || strcmp(k, "seed") == 0;
		if (ids || seeds) {
			if (cmp_range(v, &a, &b) < 0) {
				*cause = xasprintf("selection '%s': %s takes N or A-B (integers, "
				    "A <= B), got '%s'", sel, k, v);
				rc = -1;
				break;
			}
			if (q != NULL)
				ks_buf_printf(&q->where, " AND %s BETWEEN %" PRId64 " AND %" PRId64,
				    ids ? "run_id" : "seed", a, b);
		} else if (strcmp(k, "scenario") == 0) {
			if (q != NULL) {
				ks_buf_puts(&q->where, " AND scenario = ?");
				cmp_bind(q, xstrdup(v));
			}
		} else {
			if (strchr(k, '"') != NULL) {
				*cause = xasprintf("selection '%s': a path cannot hold '\"'", sel);
				rc = -1;
				break;
			}
			if (q != NULL) {
				ks_buf_puts(&q->where, " AND (json_extract(params, ?) = ? OR "
				    "json_extract(params, ?) = ?)");
				cmp_bind(q, xasprintf("$.set.\"%s\"", k));
				cmp_bind(q, xstrdup(v));
				cmp_bind(q, xasprintf("$.grid.\"%s\"", k));
				cmp_bind(q, xstrdup(v));
			}
		}
	}
	free(copy);
	return rc;
}

int
cmp_select_check(const char *sel, char **cause)
{
	return cmp_select_build(sel, NULL, cause);
}

/* ---- per-run SLIs ------------------------------------------------------------- */

struct cmp_run {
	int64_t		 id, seed;
	double		 warmup, interval;
	double		*v;		/* per key; NaN: the run lacks it */
};

struct cmp_key {
	enum cmp_metric	 m;
	char		*service;	/* NULL for cluster-wide SLIs */
};

struct cmp_ctx {
	struct rpt	*r;
	const struct cmp_opts *o;
	struct cmp_key	*keys;
	size_t		 nkeys, capkeys;
};

static size_t
cmp_key_id(struct cmp_ctx *x, enum cmp_metric m, const char *svc)
{
	for (size_t i = 0; i < x->nkeys; i++)
		if (x->keys[i].m == m && (x->keys[i].service == NULL ? svc == NULL :
		    svc != NULL && strcmp(x->keys[i].service, svc) == 0))
			return i;
	KS_GROW(x->keys, x->capkeys, x->nkeys + 1);
	x->keys[x->nkeys].m = m;
	x->keys[x->nkeys].service = svc != NULL ? xstrdup(svc) : NULL;
	return x->nkeys++;
}

static void
cmp_set(struct cmp_ctx *x, struct cmp_run *run, size_t *nv, enum cmp_metric m,
    const char *svc, double val)
{
	if (x->o->service != NULL && svc != NULL && strcmp(svc, x->o->service) != 0)
		return;
	size_t k = cmp_key_id(x, m, svc);
	if (k >= *nv) {
		run->v = xreallocarray(run->v, k + 1, sizeof *run->v);
		for (size_t i = *nv; i <= k; i++)
			run->v[i] = NAN;
		*nv = k + 1;
	}
	run->v[k] = val;
}

static int
cmp_read_run(struct cmp_ctx *x, struct cmp_run *run, size_t *nv, char **cause)
{
	sqlite3 *db = rpt_db(x->r);
	sqlite3_stmt *st;
	static const char *const q_sum = "SELECT service, availability, p50_ms, p95_ms, "
	    "p99_ms, errors FROM summary WHERE run_id = ?1 ORDER BY service";
	static const char *const q_svc = "SELECT service, avg(replicas_ready), "
	    "sum(CASE WHEN p99_ms > ?3 OR (ok + errors + timeouts > 0 AND 1.0 * ok / "
	    "(ok + errors + timeouts) < ?4) THEN 1 ELSE 0 END) FROM service_intervals "
	    "WHERE run_id = ?1 AND t_s > ?2 GROUP BY service ORDER BY service";
	static const char *const q_cost = "SELECT total(cost_usd), count(*) FROM "
	    "cluster_intervals WHERE run_id = ?1 AND t_s > ?2";

	if (sqlite3_prepare_v2(db, q_sum, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *svc = (const char *)sqlite3_column_text(st, 0);
		for (int c = 1; c <= 4; c++)
			if (sqlite3_column_type(st, c) != SQLITE_NULL)
				cmp_set(x, run, nv, (enum cmp_metric)(CMP_AVAILABILITY + c - 1),
				    svc, sqlite3_column_double(st, c));
		cmp_set(x, run, nv, CMP_ERRORS, svc, sqlite3_column_double(st, 5));
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, q_svc, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run->id);
	sqlite3_bind_double(st, 2, run->warmup + 1e-9);
	sqlite3_bind_double(st, 3, x->o->slo_p99_ms);
	sqlite3_bind_double(st, 4, x->o->slo_availability);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *svc = (const char *)sqlite3_column_text(st, 0);
		cmp_set(x, run, nv, CMP_REPLICAS, svc, sqlite3_column_double(st, 1));
		cmp_set(x, run, nv, CMP_SLO_MINUTES, svc,
		    sqlite3_column_double(st, 2) * run->interval / 60);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, q_cost, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, run->id);
	sqlite3_bind_double(st, 2, run->warmup + 1e-9);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
		cmp_set(x, run, nv, CMP_COST, NULL, sqlite3_column_double(st, 0));
	sqlite3_finalize(st);
	return 0;
dberr:
	*cause = xasprintf("%s: reading run %" PRId64 ": %s", rpt_path(x->r), run->id,
	    sqlite3_errmsg(db));
	return -1;
}

/* The ok runs a selection picks, ordered by seed then run id. */
static int
cmp_load(struct cmp_ctx *x, const char *sel, struct cmp_run **out, size_t *n,
    char **cause)
{
	struct cmp_sql q = { 0 };
	ks_buf_init(&q.where);
	*out = NULL;
	*n = 0;
	if (cmp_select_build(sel, &q, cause) < 0) {
		ks_buf_fini(&q.where);
		return -1;
	}
	char *sql = xasprintf("SELECT run_id, seed, coalesce(json_extract(params, "
	    "'$.warmup_s'), 0), coalesce(json_extract(params, '$.interval_s'), 60) FROM "
	    "runs WHERE status = 'ok'%s ORDER BY seed, run_id", q.where.data ? q.where.data : "");
	sqlite3_stmt *st;
	int rc = 0;
	size_t cap = 0;
	if (sqlite3_prepare_v2(rpt_db(x->r), sql, -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: selecting runs: %s", rpt_path(x->r),
		    sqlite3_errmsg(rpt_db(x->r)));
		rc = -1;
	} else {
		for (size_t i = 0; i < q.nbinds; i++)
			sqlite3_bind_text(st, (int)i + 1, q.binds[i], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			KS_GROW(*out, cap, *n + 1);
			struct cmp_run *run = &(*out)[(*n)++];
			memset(run, 0, sizeof *run);
			run->id = sqlite3_column_int64(st, 0);
			run->seed = sqlite3_column_int64(st, 1);
			run->warmup = sqlite3_column_double(st, 2);
			run->interval = sqlite3_column_double(st, 3);
		}
		sqlite3_finalize(st);
		if (*n == 0) {
			*cause = xasprintf("%s: selection '%s' matches no finished ('ok') run",
			    rpt_path(x->r), sel);
			rc = -1;
		}
	}
	free(sql);
	for (size_t i = 0; i < q.nbinds; i++)
		free(q.binds[i]);
	free(q.binds);
	ks_buf_fini(&q.where);
	return rc;
}

/* True when both selections hold the same seeds, each once. */
static bool
cmp_seeds_match(const struct cmp_run *a, size_t na, const struct cmp_run *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (a[i].seed != b[i].seed)
			return false;
		if (i > 0 && a[i].seed == a[i - 1].seed)
			return false;
	}
	return true;
}

static void
cmp_runs_free(struct cmp_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(runs[i].v);
	free(runs);
}

static double
cmp_val(const struct cmp_run *run, size_t nv, size_t k)
{
	return k < nv ? run->v[k] : NAN;
}

int
cmp_compare(struct rpt *r, const struct cmp_opts *o, FILE *out, struct cmp_result *res,
    char **cause)
{
	struct cmp_ctx x = { .r = r, .o = o };
	struct cmp_run *ra = NULL, *rb = NULL;
	size_t na = 0, nb = 0;
	size_t *nva = NULL, *nvb = NULL;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (cmp_load(&x, o->baseline, &ra, &na, cause) < 0 ||
	    cmp_load(&x, o->candidate, &rb, &nb, cause) < 0)
		goto out;
	nva = xcalloc(na, sizeof *nva);
	nvb = xcalloc(nb, sizeof *nvb);
	for (size_t i = 0; i < na; i++)
		if (cmp_read_run(&x, &ra[i], &nva[i], cause) < 0)
			goto out;
	for (size_t i = 0; i < nb; i++)
		if (cmp_read_run(&x, &rb[i], &nvb[i], cause) < 0)
			goto out;
	bool paired = !o->unpaired && cmp_seeds_match(ra, na, rb, nb);
	fprintf(out, "baseline:  %s (%zu runs)\ncandidate: %s (%zu runs)\n", o->baseline, na,
	    o->candidate, nb);
	fprintf(out, "test: %s, %.0f%% confidence interval of candidate - baseline\n\n",
	    paired ? "paired t over matching seeds (common random numbers)" :
	    o->unpaired ? "Welch's t (unpaired, as asked)" :
	    "Welch's t (unpaired: the seeds differ)", 100 * o->level);
	fprintf(out, "%-13s %-16s %14s %14s %13s  %-29s %s\n", "METRIC", "SERVICE",
	    "BASELINE", "CANDIDATE", "DIFF", "CI", "VERDICT");
	double *a = xcalloc(na + nb + 1, sizeof *a), *b = xcalloc(na + nb + 1, sizeof *b);
	for (int m = 0; m < CMP_NMETRICS; m++) {
		bool any = false;
		for (int i = 0; i < CMP_NMETRICS; i++)
			any |= o->metrics[i];
		if (any && !o->metrics[m])
			continue;
		for (size_t k = 0; k < x.nkeys; k++) {
			if (x.keys[k].m != (enum cmp_metric)m)
				continue;
			size_t ka = 0, kb = 0;
			if (paired) {
				for (size_t i = 0; i < na; i++) {
					double va = cmp_val(&ra[i], nva[i], k);
					double vb = cmp_val(&rb[i], nvb[i], k);
					if (!isnan(va) && !isnan(vb)) {
						a[ka++] = va;
						b[kb++] = vb;
					}
				}
			} else {
				for (size_t i = 0; i < na; i++)
					if (!isnan(cmp_val(&ra[i], nva[i], k)))
						a[ka++] = ra[i].v[k];
				for (size_t i = 0; i < nb; i++)
					if (!isnan(cmp_val(&rb[i], nvb[i], k)))
						b[kb++] = rb[i].v[k];
			}
			if (ka == 0 || kb == 0)
				continue;
			double diff, hw = paired ? cmp_paired_halfwidth(a, b, ka, o->level, &diff) :
			    cmp_welch_halfwidth(a, ka, b, kb, o->level, &diff);
			double ma = 0, mb = 0;
			for (size_t i = 0; i < ka; i++)
				ma += a[i] / (double)ka;
			for (size_t i = 0; i < kb; i++)
				mb += b[i] / (double)kb;
			const char *verdict;
			char ci[64];
			if (isnan(hw)) {
				verdict = "untested (fewer than 2 runs)";
				snprintf(ci, sizeof ci, "-");
				res->untested++;
			} else {
				snprintf(ci, sizeof ci, "[%+.6g, %+.6g]", diff - hw, diff + hw);
				double tol = 1e-12 * fmax(fabs(ma), fabs(mb));
				if (fabs(diff) <= hw + tol) {
					verdict = "no significant difference";
					res->same++;
				} else if ((diff > 0) == (cmp_metrics[m].better > 0)) {
					verdict = "better";
					res->better++;
				} else {
					verdict = "worse";
					res->worse++;
				}
			}
			fprintf(out, "%-13s %-16s %14.6g %14.6g %+13.6g  %-29s %s\n",
			    cmp_metrics[m].name, x.keys[k].service ? x.keys[k].service : "(cluster)",
			    ma, mb, diff, ci, verdict);
		}
	}
	free(a);
	free(b);
	fprintf(out, "\n%d worse, %d better, %d no significant difference, %d untested\n",
	    res->worse, res->better, res->same, res->untested);
	rc = 0;
out:
	cmp_runs_free(ra, na);
	cmp_runs_free(rb, nb);
	free(nva);
	free(nvb);
	for (size_t i = 0; i < x.nkeys; i++)
		free(x.keys[i].service);
	free(x.keys);
	return rc;
}
