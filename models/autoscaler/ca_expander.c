/*
 * ca_expander.c - the Cluster Autoscaler's expanders (cluster-autoscaler/
 * expander): random, most-pods, least-waste, least-nodes, price (with the
 * simple preferred-node provider and the GCE pricing model's unit prices)
 * and priority, and the chain of --expander with the final random pick.
 * Each filter compacts an index array, keeping the original order.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/autoscaler/ca.h"
#include "sim/util/util.h"

#define GIB	(1024.0 * 1024.0 * 1024.0)
#define MIB	(1024LL * 1024LL)

/* random.BestOptions: one option drawn uniformly. */
static size_t
filter_random(size_t *idx, size_t n, gsl_rng *rng)
{
	if (n == 0)
		return 0;
	size_t pick = rng != NULL ? (size_t)gsl_rng_uniform_int(rng, n) : 0;
	idx[0] = idx[pick];
	return 1;
}

/* mostpods: ties at the maximum are kept (maxPods starts at 0). */
static size_t
filter_most_pods(const struct ca_option *o, size_t *idx, size_t n)
{
	int max_pods = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ca_option *op = &o[idx[i]];
		if (op->npods == max_pods)
			idx[k++] = idx[i];
		if (op->npods > max_pods) {
			max_pods = op->npods;
			idx[0] = idx[i];
			k = 1;
		}
	}
	return k;
}

/* waste.leastwaste: capacity x NodeCount against the options' requests. */
static size_t
filter_least_waste(const struct ca_option *o, size_t *idx, size_t n)
{
	double least = 0;
	size_t k = 0;
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		const struct ca_option *op = &o[idx[i]];
		int64_t avail_cpu = op->cap_cpu_milli * op->node_count;
		int64_t avail_mem = op->cap_memory * op->node_count;
		double wcpu = (double)(avail_cpu - op->pods_cpu_milli) / (double)avail_cpu;
		double wmem = (double)(avail_mem - op->pods_memory) / (double)avail_mem;
		double score = wcpu + wmem;

		if (score == least) {
			idx[k++] = idx[i];
			have = true;
		}
		if (!have || score < least) {
			least = score;
			idx[0] = idx[i];
			k = 1;
			have = true;
		}
	}
	return k;
}

/* leastnodes: options with 0 nodes are skipped. */
static size_t
filter_least_nodes(const struct ca_option *o, size_t *idx, size_t n)
{
	int least = INT32_MAX;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ca_option *op = &o[idx[i]];
		if (op->node_count == 0)
			continue;
		if (op->node_count == least) {
			idx[k++] = idx[i];
			continue;
		}
		if (op->node_count < least) {
			least = op->node_count;
			idx[0] = idx[i];
			k = 1;
		}
	}
	return k;
}

/* ---- price --------------------------------------------------------------- */

double
ca_price_pod(const struct ca_config *cfg, int64_t cpu_milli, int64_t memory, int64_t gpu)
{
	/* gce_price_model.go getBasePrice + getAdditionalPrice for one hour
	 * (getHours rounds the period up to whole minutes: exactly 1 here). */
	return (double)cpu_milli / 1000.0 * cfg->price_cpu_core_hour +
	    (double)memory / GIB * cfg->price_memory_gib_hour +
	    (double)gpu * cfg->price_gpu_hour;
}

double
ca_price_group_node(const struct ca_config *cfg, const struct ca_group *g)
{
	if (g->price_per_hour > 0)
		return g->price_per_hour;
	return ca_price_pod(cfg, g->cpu_milli, g->memory, g->gpu);
}

int64_t
ca_price_preferred_cpu(int cluster_nodes)
{
	/* Double the node size every time the cluster grows 3x. */
	if (cluster_nodes <= 2)
		return 1000;
	if (cluster_nodes <= 6)
		return 2000;
	if (cluster_nodes <= 20)
		return 4000;
	if (cluster_nodes <= 60)
		return 8000;
	if (cluster_nodes <= 200)
		return 16000;
	return 32000;
}

double
ca_price_score(const struct ca_expander_ctx *ctx, const struct ca_option *o,
    double pods_price)
{
	const struct ca_config *cfg = ctx->cfg;
	/* priceStabilizationPod: 500m cpu, 500Mi memory. */
	double stab = ca_price_pod(cfg, 500, 500 * MIB, 0);
	double nodes_price = o->node_price * (double)o->node_count;
	double sub = (nodes_price + stab) / (pods_price + stab);
	double pref = (double)ca_price_preferred_cpu(ctx->cluster_nodes);
	double eval = (double)o->cap_cpu_milli;
	double unfit = fmax(pref / eval, eval / pref);
	double suppressed = (unfit - 1.0) *
	    (1.0 - tanh((double)(o->node_count - 1) / 15.0)) + 1.0;
	if (o->cap_gpu > 0)
		suppressed = 1000.0;	/* gpuUnfitnessOverride */
	return suppressed * sub;
}

static size_t
filter_price(const struct ca_expander_ctx *ctx, const struct ca_option *o, size_t *idx,
    size_t n)
{
	double best = 0;
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		const struct ca_option *op = &o[idx[i]];
		double pods_price = ca_price_pod(ctx->cfg, op->pods_cpu_milli, op->pods_memory,
		    op->pods_gpu);
		double score = ca_price_score(ctx, op, pods_price);
		if (!have || best > score) {
			best = score;
			idx[0] = idx[i];
			have = true;
		}
	}
	return have ? 1 : 0;
}

/* ---- priority ------------------------------------------------------------ */

static bool
name_matches(const struct ca_priority_level *l, const char *name)
{
	for (size_t j = 0; j < l->npatterns; j++) {
		regex_t re;
		if (regcomp(&re, l->patterns[j], REG_EXTENDED | REG_NOSUB) != 0)
			continue;	/* rejected by ca_config_check_priorities */
		int rc = regexec(&re, name, 0, NULL, 0);
		regfree(&re);
		if (rc == 0)
			return true;
	}
	return false;
}

static size_t
filter_priority(const struct ca_config *cfg, const struct ca_option *o, size_t *idx,
    size_t n)
{
	int max_prio = -1;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = o[idx[i]].name != NULL ? o[idx[i]].name : "";
		bool found = false;
		int prio = 0;
		for (size_t l = 0; l < cfg->npriorities; l++) {
			const struct ca_priority_level *lv = &cfg->priorities[l];
			if ((!found || lv->priority > prio) && name_matches(lv, name)) {
				prio = lv->priority;
				found = true;
			}
		}
		if (!found || prio < max_prio)
			continue;
		if (prio > max_prio) {
			max_prio = prio;
			k = 0;
		}
		idx[k++] = idx[i];
	}
	if (k == 0)
		return n;	/* no group matched: no option filtered */
	return k;
}

static size_t
filter_idx(enum ca_expander e, const struct ca_expander_ctx *ctx, const struct ca_option *o,
    size_t *idx, size_t n, gsl_rng *rng)
{
	switch (e) {
	case CA_EXPANDER_RANDOM:
		return filter_random(idx, n, rng);
	case CA_EXPANDER_MOST_PODS:
		return filter_most_pods(o, idx, n);
	case CA_EXPANDER_LEAST_WASTE:
		return filter_least_waste(o, idx, n);
	case CA_EXPANDER_PRICE:
		return filter_price(ctx, o, idx, n);
	case CA_EXPANDER_PRIORITY:
		return filter_priority(ctx->cfg, o, idx, n);
	case CA_EXPANDER_LEAST_NODES:
		return filter_least_nodes(o, idx, n);
	}
	return n;
}

size_t
ca_expander_filter(enum ca_expander e, const struct ca_expander_ctx *ctx,
    struct ca_option *opts, size_t n, gsl_rng *rng)
{
	if (n == 0)
		return 0;
	size_t *idx = xcalloc(n, sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	size_t k = filter_idx(e, ctx, opts, idx, n, rng);
	struct ca_option *kept = xcalloc(k > 0 ? k : 1, sizeof *kept);
	for (size_t i = 0; i < k; i++)
		kept[i] = opts[idx[i]];
	/* The kept options go first; the others follow in their order. */
	bool *used = xcalloc(n, sizeof *used);
	for (size_t i = 0; i < k; i++)
		used[idx[i]] = true;
	struct ca_option *rest = xcalloc(n, sizeof *rest);
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (!used[i])
			rest[r++] = opts[i];
	memcpy(opts, kept, k * sizeof *opts);
	memcpy(opts + k, rest, r * sizeof *opts);
	free(rest);
	free(used);
	free(kept);
	free(idx);
	return k;
}

int
ca_expander_choose(const struct ca_expander_ctx *ctx, const struct ca_option *opts,
    size_t n, gsl_rng *rng)
{
	if (n == 0)
		return -1;
	size_t *idx = xcalloc(n, sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	size_t k = n;
	int chosen = -1;
	for (int f = 0; f < ctx->cfg->nexpanders; f++) {
		k = filter_idx(ctx->cfg->expanders[f], ctx, opts, idx, k, rng);
		if (k == 1) {
			chosen = (int)idx[0];
			break;
		}
	}
	if (chosen < 0 && filter_random(idx, k, rng) == 1)
		chosen = (int)idx[0];
	free(idx);
	return chosen;
}
