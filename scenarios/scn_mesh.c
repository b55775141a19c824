/*
 * scn_mesh.c - a service profile's mesh settings in a scenario: retries,
 * circuitBreaker (outlier detection), rateLimit and calls (models/serving/mesh.h),
 * with Istio's and Envoy's defaults, and the checks across services (every
 * call names a service profile; the call graph has no cycle).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "scenarios/scn_mesh.h"
#include "sim/util/util.h"

static const char *const retries_keys[] = { "attempts", "perTryTimeout", "retryOn",
	"backoff", NULL };
static const char *const backoff_keys[] = { "base", "max", NULL };
static const char *const breaker_keys[] = { "consecutiveErrors", "interval",
	"baseEjectionTime", "maxEjectionPercent", NULL };
static const char *const rate_keys[] = { "rate", "burst", NULL };
static const char *const call_keys[] = { "service", "mode", "probability", NULL };

/* Calls per service: run_stages keeps a stage's callees on the stack. */
#define SCN_MAX_CALLS	64

static int
need_map(const struct yt_node *n, const char *what, const char *example, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected %s as a mapping such as %s", what, example);
		return -1;
	}
	return 0;
}

static int
positive_dur(const struct yt_node *map, const char *key, sim_ns dflt, sim_ns *out,
    char **cause)
{
	if (scn_get_dur(map, key, false, dflt, out, cause) < 0)
		return -1;
	if (*out <= 0 && yt_get(map, key) != NULL) {
		*cause = yt_errorf(yt_get(map, key), "%s must be positive", key);
		return -1;
	}
	return 0;
}

/*
 * retries: Istio's HTTPRetry. attempts is the number of retries (Istio's
 * default 2 when the block is given without it); retryOn defaults to all
 * three outcomes; backoff is Envoy's: base 25 ms, max 10 x base (Envoy
 * docs, config.core.v3.BackoffStrategy and the router's x-envoy-max-retries
 * section: "fully jittered exponential back-off").
 */
static int
retries(const struct yt_node *n, struct mesh_cfg *g, char **cause)
{
	if (need_map(n, "retries", "{attempts: 3, perTryTimeout: 500ms}", cause) < 0 ||
	    yt_check_keys(n, "retries", retries_keys, cause) < 0)
		return -1;
	int64_t v;
	if (scn_get_int(n, "attempts", 2, 0, 1000, &v, cause) < 0)
		return -1;
	g->attempts = (int32_t)v;
	if (positive_dur(n, "perTryTimeout", 0, &g->per_try_timeout, cause) < 0)
		return -1;
	const struct yt_node *ro = yt_get(n, "retryOn");
	g->retry_on = MESH_RETRY_ALL;
	if (ro != NULL && !yt_is_null(ro)) {
		const struct yt_node *const *items = &ro;
		size_t ni = 1;
		if (ro->kind == YT_SEQ) {
			items = (const struct yt_node *const *)ro->items;
			ni = ro->n;
		}
		g->retry_on = 0;
		const char *const *names = mesh_retry_on_names();
		for (size_t i = 0; i < ni; i++) {
			const struct yt_node *it = items[i];
			int k = -1;
			for (int j = 0; it->kind == YT_SCALAR && names[j] != NULL; j++)
				if (strcmp(it->str, names[j]) == 0)
					k = j;
			if (k < 0) {
				const char *near = it->kind == YT_SCALAR ?
				    ks_nearest(it->str, names) : NULL;
				*cause = near ? yt_errorf(it, "retryOn: unknown value '%s' (did you "
				    "mean '%s'?)", it->str, near) : yt_errorf(it, "retryOn: "
				    "expected timeout, rejected or failed");
				return -1;
			}
			g->retry_on |= 1u << k;
		}
	}
	g->backoff_base = 25 * SIM_MS;
	const struct yt_node *b = yt_get(n, "backoff");
	if (b != NULL && !yt_is_null(b)) {
		if (need_map(b, "backoff", "{base: 25ms, max: 250ms}", cause) < 0 ||
		    yt_check_keys(b, "backoff", backoff_keys, cause) < 0 ||
		    positive_dur(b, "base", 25 * SIM_MS, &g->backoff_base, cause) < 0 ||
		    positive_dur(b, "max", 10 * g->backoff_base, &g->backoff_max, cause) < 0)
			return -1;
		if (g->backoff_max < g->backoff_base) {
			*cause = yt_errorf(yt_get(b, "max"), "backoff max must not be less "
			    "than base");
			return -1;
		}
	} else {
		g->backoff_max = 10 * g->backoff_base;
	}
	g->has_retries = true;
	return 0;
}

/* circuitBreaker: Istio's OutlierDetection and its defaults. */
static int
breaker(const struct yt_node *n, struct mesh_cfg *g, char **cause)
{
	if (need_map(n, "circuitBreaker", "{consecutiveErrors: 5, baseEjectionTime: 30s}",
	    cause) < 0 || yt_check_keys(n, "circuitBreaker", breaker_keys, cause) < 0)
		return -1;
	int64_t v;
	if (scn_get_int(n, "consecutiveErrors", 5, 1, INT32_MAX, &v, cause) < 0)
		return -1;
	g->consecutive_errors = (int32_t)v;
	if (positive_dur(n, "interval", 10 * SIM_SEC, &g->interval, cause) < 0 ||
	    positive_dur(n, "baseEjectionTime", 30 * SIM_SEC, &g->base_ejection, cause) < 0 ||
	    yt_get_double(n, "maxEjectionPercent", 10, &g->max_ejection_percent, cause) < 0)
		return -1;
	if (!(g->max_ejection_percent >= 0 && g->max_ejection_percent <= 100)) {
		*cause = yt_errorf(yt_get(n, "maxEjectionPercent"), "maxEjectionPercent must "
		    "be between 0 and 100");
		return -1;
	}
	g->has_breaker = true;
	return 0;
}

static int
rate_limit(const struct yt_node *n, struct mesh_cfg *g, char **cause)
{
	if (need_map(n, "rateLimit", "{rate: 100, burst: 100}", cause) < 0 ||
	    yt_check_keys(n, "rateLimit", rate_keys, cause) < 0)
		return -1;
	if (yt_get(n, "rate") == NULL) {
		*cause = yt_errorf(n, "rateLimit needs a rate (requests per second)");
		return -1;
	}
	if (yt_get_double(n, "rate", 0, &g->rate, cause) < 0)
		return -1;
	if (!(g->rate > 0) || !isfinite(g->rate)) {
		*cause = yt_errorf(yt_get(n, "rate"), "rate must be positive");
		return -1;
	}
	if (yt_get_double(n, "burst", fmax(1, g->rate), &g->burst, cause) < 0)
		return -1;
	if (!(g->burst >= 1) || !isfinite(g->burst)) {
		*cause = yt_errorf(yt_get(n, "burst"), "burst must be at least 1");
		return -1;
	}
	g->has_rate_limit = true;
	return 0;
}

static int
calls(const struct yt_node *n, struct mesh_cfg *g, char **cause)
{
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected calls as a list such as [{service: cart, "
		    "mode: sequential}]");
		return -1;
	}
	if (n->n > SCN_MAX_CALLS) {
		*cause = yt_errorf(n, "at most %d calls per service", SCN_MAX_CALLS);
		return -1;
	}
	g->calls = xcalloc(n->n + 1, sizeof *g->calls);
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *it = n->items[i];
		struct mesh_call *k = &g->calls[i];
		k->probability = 1;
		k->mode = MESH_SEQUENTIAL;
		if (it->kind == YT_SCALAR && it->str[0] != '\0') {
			k->service = xstrdup(it->str);
			g->ncalls++;
			continue;
		}
		if (need_map(it, "a call", "{service: cart, mode: parallel}", cause) < 0 ||
		    yt_check_keys(it, "call", call_keys, cause) < 0 ||
		    scn_get_strdup(it, "service", &k->service, cause) < 0)
			return -1;
		if (k->service == NULL) {
			*cause = yt_errorf(it, "a call needs the service it calls");
			return -1;
		}
		g->ncalls++;
		const struct yt_node *md = yt_get(it, "mode");
		if (md != NULL && !yt_is_null(md)) {
			static const char *const modes[] = { "sequential", "parallel", NULL };
			if (md->kind == YT_SCALAR && strcmp(md->str, "parallel") == 0) {
				k->mode = MESH_PARALLEL;
			} else if (md->kind != YT_SCALAR || strcmp(md->str, "sequential") != 0) {
				const char *near = md->kind == YT_SCALAR ?
				    ks_nearest(md->str, modes) : NULL;
				*cause = near ? yt_errorf(md, "mode must be sequential or parallel "
				    "(did you mean '%s'?)", near) : yt_errorf(md, "mode must be "
				    "sequential or parallel");
				return -1;
			}
		}
		if (yt_get_double(it, "probability", 1, &k->probability, cause) < 0)
			return -1;
		if (!(k->probability > 0 && k->probability <= 1)) {
			*cause = yt_errorf(yt_get(it, "probability"), "probability must be in "
			    "(0, 1]");
			return -1;
		}
	}
	return 0;
}

int
scn_mesh(const struct yt_node *svc, struct mesh_cfg *g, char **cause)
{
	const struct yt_node *n;
	if ((n = yt_get(svc, "retries")) != NULL && !yt_is_null(n) && retries(n, g, cause) < 0)
		return -1;
	if ((n = yt_get(svc, "circuitBreaker")) != NULL && !yt_is_null(n) &&
	    breaker(n, g, cause) < 0)
		return -1;
	if ((n = yt_get(svc, "rateLimit")) != NULL && !yt_is_null(n) &&
	    rate_limit(n, g, cause) < 0)
		return -1;
	if ((n = yt_get(svc, "calls")) != NULL && !yt_is_null(n) && calls(n, g, cause) < 0)
		return -1;
	return 0;
}

/* The node of call j of a service node (for positions). */
static const struct yt_node *
call_node(const struct yt_node *svc, size_t j)
{
	const struct yt_node *cl = yt_get(svc, "calls");
	const struct yt_node *it = cl->items[j];
	return it->kind == YT_MAP && yt_get(it, "service") != NULL ? yt_get(it, "service") : it;
}

struct cyc {
	const struct scenario	*s;
	const struct yt_node	*svcs;
	size_t			**callee;	/* per profile, per call */
	uint8_t			*mark;
	size_t			*path;
	size_t			 npath;
};

static int
dfs(struct cyc *k, size_t i, char **cause)
{
	k->mark[i] = 1;
	k->path[k->npath++] = i;
	const struct mesh_cfg *g = &k->s->profiles[i].mesh;
	for (size_t j = 0; j < g->ncalls; j++) {
		size_t t = k->callee[i][j];
		if (k->mark[t] == 1) {
			struct ks_buf b;
			ks_buf_init(&b);
			size_t from = 0;
			while (k->path[from] != t)
				from++;
			for (size_t q = from; q < k->npath; q++)
				ks_buf_printf(&b, "%s -> ", k->s->profiles[k->path[q]].service);
			ks_buf_printf(&b, "%s", k->s->profiles[t].service);
			char *txt = ks_buf_take(&b);
			*cause = yt_errorf(call_node(k->svcs->items[i], j), "call graph has a "
			    "cycle: %s", txt);
			free(txt);
			return -1;
		}
		if (k->mark[t] == 0 && dfs(k, t, cause) < 0)
			return -1;
	}
	k->npath--;
	k->mark[i] = 2;
	return 0;
}

int
scn_mesh_finish(struct scenario *s, const struct yt_node *svcs, char **cause)
{
	if (svcs == NULL || s->nprofiles == 0)
		return 0;
	const char **names = xcalloc(s->nprofiles + 1, sizeof *names);
	for (size_t i = 0; i < s->nprofiles; i++)
		names[i] = s->profiles[i].service;
	struct cyc k = { .s = s, .svcs = svcs };
	k.callee = xcalloc(s->nprofiles, sizeof *k.callee);
	k.mark = xcalloc(s->nprofiles, 1);
	k.path = xcalloc(s->nprofiles + 1, sizeof *k.path);
	int rc = 0;
	for (size_t i = 0; i < s->nprofiles && rc == 0; i++) {
		struct mesh_cfg *g = &s->profiles[i].mesh;
		k.callee[i] = xcalloc(g->ncalls + 1, sizeof *k.callee[i]);
		for (size_t j = 0; j < g->ncalls && rc == 0; j++) {
			size_t t, sv;
			char *err = NULL;
			/* A call names a Service as a profile does: take the
			 * profile's qualified name. */
			if (scn_resolve_ref(s, call_node(svcs->items[i], j), true,
			    g->calls[j].service, &sv, &err) == 0) {
				free(g->calls[j].service);
				g->calls[j].service = scn_qname(s->services[sv].namespace,
				    s->services[sv].name);
			}
			free(err);
			for (t = 0; t < s->nprofiles; t++)
				if (strcmp(names[t], g->calls[j].service) == 0)
					break;
			k.callee[i][j] = t;
			if (t < s->nprofiles)
				continue;
			const char *near = ks_nearest(g->calls[j].service, names);
			const struct yt_node *at = call_node(svcs->items[i], j);
			*cause = near ? yt_errorf(at, "calls service '%s', which is not under "
			    "services (did you mean '%s'?)", g->calls[j].service, near) :
			    yt_errorf(at, "calls service '%s', which is not under services",
			    g->calls[j].service);
			rc = -1;
		}
	}
	for (size_t i = 0; i < s->nprofiles && rc == 0; i++)
		if (k.mark[i] == 0)
			rc = dfs(&k, i, cause);
	for (size_t i = 0; i < s->nprofiles; i++)
		free(k.callee[i]);
	free(k.callee);
	free(k.mark);
	free(k.path);
	free(names);
	return rc;
}

void
scn_mesh_free(struct mesh_cfg *g)
{
	for (size_t i = 0; i < g->ncalls; i++)
		free(g->calls[i].service);
	free(g->calls);
	g->calls = NULL;
	g->ncalls = 0;
}
