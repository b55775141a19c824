/*
 * vpa.c - the VPA recommender's histograms, aggregation and estimators and
 * the updater's eviction rules, following kubernetes/autoscaler
 * vertical-pod-autoscaler/pkg/recommender (util/, model/, logic/) and
 * pkg/updater (priority/, restriction/). Amounts are int64 millicores and
 * bytes as upstream's ResourceAmount; conversions truncate as Go does.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/vpa/vpa.h"
#include "sim/util/util.h"

/* When the decay exponent would exceed this the reference time moves. */
#define MAX_DECAY_EXPONENT	100
/* aggregations_config.go minSampleWeight and the histograms' epsilon. */
#define MIN_SAMPLE_WEIGHT	0.1
#define HIST_EPSILON		(0.001 * MIN_SAMPLE_WEIGHT)

void
vpa_spec_free(struct vpa_spec *v)
{
	free(v->name);
	free(v->namespace);
	free(v->target_kind);
	free(v->target_name);
	for (size_t i = 0; i < v->npolicies; i++)
		free(v->policies[i].container);
	free(v->policies);
	memset(v, 0, sizeof *v);
}

const char *
vpa_mode_name(enum vpa_mode m)
{
	switch (m) {
	case VPA_MODE_OFF: return "Off";
	case VPA_MODE_INITIAL: return "Initial";
	case VPA_MODE_RECREATE: return "Recreate";
	}
	return "?";
}

const struct vpa_container_policy *
vpa_policy_for(const struct vpa_spec *v, const char *container)
{
	const struct vpa_container_policy *dflt = NULL;
	for (size_t i = 0; i < v->npolicies; i++) {
		if (strcmp(v->policies[i].container, container) == 0)
			return &v->policies[i];
		if (strcmp(v->policies[i].container, "*") == 0)
			dflt = &v->policies[i];
	}
	return dflt;
}

/* ---- histogram options --------------------------------------------------- */

int
vpa_hist_opts_linear(struct vpa_hist_opts *o, double max, double bucket, double epsilon)
{
	memset(o, 0, sizeof *o);
	if (!(max > 0) || !(bucket > 0) || !(epsilon > 0))
		return -1;
	o->kind = VPA_HIST_LINEAR;
	o->nbuckets = (int)ceil(max / bucket) + 1;
	o->bucket_size = bucket;
	o->epsilon = epsilon;
	return 0;
}

int
vpa_hist_opts_exponential(struct vpa_hist_opts *o, double max, double first,
    double ratio, double epsilon)
{
	memset(o, 0, sizeof *o);
	if (!(max > 0) || !(first > 0) || !(ratio > 1) || !(epsilon > 0))
		return -1;
	o->kind = VPA_HIST_EXPONENTIAL;
	o->nbuckets = (int)ceil(log(max * (ratio - 1) / first + 1) / log(ratio)) + 1;
	o->first = first;
	o->ratio = ratio;
	o->epsilon = epsilon;
	return 0;
}

int
vpa_hist_find_bucket(const struct vpa_hist_opts *o, double value)
{
	int b;
	if (o->kind == VPA_HIST_LINEAR) {
		double x = value / o->bucket_size;
		if (x < 0)
			return 0;
		b = x >= (double)o->nbuckets ? o->nbuckets : (int)x;
	} else {
		if (value < o->first)
			return 0;
		double x = log(value * (o->ratio - 1) / o->first + 1) / log(o->ratio);
		b = x >= (double)o->nbuckets ? o->nbuckets : (int)x;
	}
	return b >= o->nbuckets ? o->nbuckets - 1 : b;
}

double
vpa_hist_bucket_start(const struct vpa_hist_opts *o, int bucket)
{
	KS_ASSERT(bucket >= 0 && bucket < o->nbuckets);
	if (o->kind == VPA_HIST_LINEAR)
		return (double)bucket * o->bucket_size;
	if (bucket == 0)
		return 0.0;
	return o->first * (pow(o->ratio, (double)bucket) - 1) / (o->ratio - 1);
}

/* ---- histograms ------------------------------------------------------------ */

void
vpa_hist_init(struct vpa_hist *h, const struct vpa_hist_opts *o, sim_ns half_life)
{
	memset(h, 0, sizeof *h);
	h->o = o;
	h->w = xcalloc((size_t)o->nbuckets, sizeof *h->w);
	h->minb = o->nbuckets - 1;
	h->maxb = 0;
	h->half_life = half_life;
}

void
vpa_hist_fini(struct vpa_hist *h)
{
	free(h->w);
	h->w = NULL;
}

static void
hist_update_min_max(struct vpa_hist *h)
{
	double eps = h->o->epsilon;
	int last = h->o->nbuckets - 1;
	while (h->w[h->minb] < eps && h->minb < last)
		h->minb++;
	while (h->w[h->maxb] < eps && h->maxb > 0)
		h->maxb--;
}

static void
hist_add_raw(struct vpa_hist *h, double value, double weight)
{
	KS_ASSERT(weight >= 0);
	int b = vpa_hist_find_bucket(h->o, value);
	h->w[b] += weight;
	h->total += weight;
	if (b < h->minb && h->w[b] >= h->o->epsilon)
		h->minb = b;
	if (b > h->maxb && h->w[b] >= h->o->epsilon)
		h->maxb = b;
}

static void
hist_sub_raw(struct vpa_hist *h, double value, double weight)
{
	KS_ASSERT(weight >= 0);
	int b = vpa_hist_find_bucket(h->o, value);
	if (weight > h->w[b] - h->o->epsilon)
		weight = h->w[b];
	h->total -= weight;
	h->w[b] -= weight;
	hist_update_min_max(h);
}

/* Multiplies every weight by factor (percentiles do not change). */
static void
hist_scale(struct vpa_hist *h, double factor)
{
	KS_ASSERT(factor >= 0);
	for (int b = h->minb; b <= h->maxb; b++)
		h->w[b] *= factor;
	h->total *= factor;
	hist_update_min_max(h);
}

/* Go's time.Round(d) on a time counted from the zero time: halfway up. */
static sim_ns
round_to(sim_ns t, sim_ns d)
{
	sim_ns r = t % d;
	if (r < 0)
		r += d;
	return r + r < d ? t - r : t + (d - r);
}

static void
hist_shift_ref(struct vpa_hist *h, sim_ns newref)
{
	newref = round_to(newref, h->half_life);
	double x = (double)(h->ref - newref) / (double)h->half_life;
	int exponent = (int)floor(x + 0.5);
	hist_scale(h, ldexp(1.0, exponent));
	h->ref = newref;
}

static double
decay_factor(struct vpa_hist *h, sim_ns t)
{
	if (h->half_life <= 0)
		return 1.0;
	if (t > h->ref + h->half_life * MAX_DECAY_EXPONENT)
		hist_shift_ref(h, t);
	return exp2((double)(t - h->ref) / (double)h->half_life);
}

void
vpa_hist_add(struct vpa_hist *h, double value, double weight, sim_ns t)
{
	hist_add_raw(h, value, weight * decay_factor(h, t));
}

void
vpa_hist_sub(struct vpa_hist *h, double value, double weight, sim_ns t)
{
	hist_sub_raw(h, value, weight * decay_factor(h, t));
}

bool
vpa_hist_empty(const struct vpa_hist *h)
{
	return h->w[h->minb] < h->o->epsilon;
}

double
vpa_hist_percentile(const struct vpa_hist *h, double p)
{
	if (vpa_hist_empty(h))
		return 0.0;
	double partial = 0, threshold = p * h->total;
	int b = h->minb;
	for (; b < h->maxb; b++) {
		partial += h->w[b];
		if (partial >= threshold)
			break;
	}
	if (b < h->o->nbuckets - 1)
		return vpa_hist_bucket_start(h->o, b + 1);
	return vpa_hist_bucket_start(h->o, b);
}

void
vpa_hist_merge(struct vpa_hist *h, struct vpa_hist *o)
{
	KS_ASSERT(h->o == o->o && h->half_life == o->half_life);
	if (h->half_life > 0) {
		if (h->ref < o->ref)
			hist_shift_ref(h, o->ref);
		else if (o->ref < h->ref)
			hist_shift_ref(o, h->ref);
	}
	for (int b = o->minb; b <= o->maxb; b++)
		h->w[b] += o->w[b];
	h->total += o->total;
	if (o->minb < h->minb)
		h->minb = o->minb;
	if (o->maxb > h->maxb)
		h->maxb = o->maxb;
}

bool
vpa_hist_equal(const struct vpa_hist *a, const struct vpa_hist *b)
{
	if (a->o != b->o || a->half_life != b->half_life || a->ref != b->ref ||
	    a->minb != b->minb || a->maxb != b->maxb)
		return false;
	for (int i = a->minb; i <= a->maxb; i++) {
		double d = a->w[i] - b->w[i];
		if (d > 1e-15 || d < -1e-15)
			return false;
	}
	return true;
}

/* ---- configuration ----------------------------------------------------------- */

void
vpa_config_default(struct vpa_config *c)
{
	memset(c, 0, sizeof *c);
	/* logic/recommender.go flags. */
	c->safety_margin = 0.15;
	c->pod_min_cpu_milli = 25;
	c->pod_min_memory_mb = 250;
	c->target_cpu_pct = 0.9;
	c->lower_cpu_pct = 0.5;
	c->upper_cpu_pct = 0.95;
	c->target_mem_pct = 0.9;
	c->lower_mem_pct = 0.5;
	c->upper_mem_pct = 0.95;
	c->confidence_interval_cpu = 24 * SIM_HOUR;
	c->confidence_interval_memory = 24 * SIM_HOUR;
	/* model/aggregations_config.go defaults. */
	c->cpu_half_life = 24 * SIM_HOUR;
	c->memory_half_life = 24 * SIM_HOUR;
	c->memory_aggregation_interval = 24 * SIM_HOUR;
	/*
	 * CPU buckets start at 0.01 core (the released recommenders up to 1.4;
	 * upstream master has since moved to 0.001 core with a new checkpoint
	 * version), growing 5% per bucket up to 1000 cores; memory from 10 MB
	 * up to 1 TB.
	 */
	vpa_hist_opts_exponential(&c->cpu_opts, 1000.0, 0.01, 1.05, HIST_EPSILON);
	vpa_hist_opts_exponential(&c->memory_opts, 1e12, 1e7, 1.05, HIST_EPSILON);
	/* recommender main.go --recommender-interval. */
	c->recommender_interval = SIM_MIN;
	/* updater main.go flags. */
	c->updater_interval = SIM_MIN;
	c->min_replicas = 2;
	c->eviction_tolerance = 0.5;
	c->pod_lifetime_update_threshold = 12 * SIM_HOUR;
	c->min_change_priority = 0.1;
}

/* ---- aggregation ------------------------------------------------------------- */

void
vpa_agg_init(struct vpa_aggregate *a, const struct vpa_config *cfg)
{
	memset(a, 0, sizeof *a);
	vpa_hist_init(&a->cpu, &cfg->cpu_opts, cfg->cpu_half_life);
	vpa_hist_init(&a->memory, &cfg->memory_opts, cfg->memory_half_life);
}

void
vpa_agg_fini(struct vpa_aggregate *a)
{
	vpa_hist_fini(&a->cpu);
	vpa_hist_fini(&a->memory);
}

void
vpa_agg_add_cpu(struct vpa_aggregate *a, int64_t usage_milli, int64_t request_milli,
    sim_ns t)
{
	/* Weighted by the request: a larger request makes the history so far
	 * count for less, reacting faster to starvation. */
	double req = (double)request_milli / 1000.0;
	vpa_hist_add(&a->cpu, (double)usage_milli / 1000.0,
	    req > MIN_SAMPLE_WEIGHT ? req : MIN_SAMPLE_WEIGHT, t);
	if (!a->has_first || t > a->last_sample)
		a->last_sample = t;
	if (!a->has_first || t < a->first_sample)
		a->first_sample = t;
	a->has_first = true;
	a->total_samples++;
}

bool
vpa_container_add_cpu(struct vpa_container *cs, struct vpa_aggregate *a,
    int64_t usage_milli, int64_t request_milli, sim_ns t)
{
	if (usage_milli < 0 || (cs->has_cpu && t <= cs->last_cpu))
		return false;
	vpa_agg_add_cpu(a, usage_milli, request_milli, t);
	cs->has_cpu = true;
	cs->last_cpu = t;
	return true;
}

bool
vpa_container_add_memory(struct vpa_container *cs, struct vpa_aggregate *a,
    int64_t bytes, sim_ns t, sim_ns interval)
{
	if (bytes < 0 || (cs->has_mem && t < cs->last_mem))
		return false;
	cs->has_mem = true;
	cs->last_mem = t;
	if (!cs->has_window) {
		cs->has_window = true;
		cs->window_end = t;
	}
	/* One peak per container and interval: a higher sample inside the
	 * window replaces the peak; a sample past it opens the next window. */
	bool add = false;
	if (t < cs->window_end) {
		if (cs->memory_peak != 0 && bytes > cs->memory_peak) {
			vpa_hist_sub(&a->memory, (double)cs->memory_peak, 1.0, cs->window_end);
			add = true;
		}
	} else {
		sim_ns shift = ((t - cs->window_end) / interval) * interval + interval;
		cs->window_end += shift;
		cs->memory_peak = 0;
		add = true;
	}
	if (add) {
		vpa_hist_add(&a->memory, (double)bytes, 1.0, cs->window_end);
		cs->memory_peak = bytes;
	}
	return true;
}

/* ---- estimation ---------------------------------------------------------------- */

static int64_t
amount_from_float(double x)
{
	if (x > (double)VPA_MAX_RESOURCE_AMOUNT)
		return VPA_MAX_RESOURCE_AMOUNT;
	if (!(x > 0))
		return 0;
	return (int64_t)x;
}

int64_t
vpa_scale_resource(int64_t amount, double factor)
{
	return amount_from_float((double)amount * factor);
}

double
vpa_confidence(const struct vpa_aggregate *a, sim_ns interval)
{
	double life = a->has_first ? (double)(a->last_sample - a->first_sample) /
	    (double)interval : 0;
	double samples = (double)a->total_samples / ((double)interval / (double)SIM_MIN);
	return life < samples ? life : samples;
}

int64_t
vpa_confidence_scale(int64_t base, double multiplier, double exponent, double confidence)
{
	/* No history: 1 + m/0 is +Inf, so the factor is +Inf (exponent > 0)
	 * or 0 (exponent < 0), as IEEE arithmetic gives in Go. */
	double f;
	if (confidence <= 0)
		f = exponent > 0 ? INFINITY : exponent < 0 ? 0.0 : 1.0;
	else
		f = pow(1.0 + multiplier / confidence, exponent);
	return vpa_scale_resource(base, f);
}

static int64_t
with_margin(const struct vpa_config *cfg, int64_t base)
{
	return base + vpa_scale_resource(base, cfg->safety_margin);
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

void
vpa_estimate(const struct vpa_config *cfg, const struct vpa_aggregate *a,
    int containers_per_pod, struct vpa_recommendation *out)
{
	memset(out, 0, sizeof *out);
	double fraction = 1.0 / (double)(containers_per_pod > 0 ? containers_per_pod : 1);
	int64_t min_cpu = vpa_scale_resource(amount_from_float(cfg->pod_min_cpu_milli * 0.001 *
	    1000.0), fraction);
	int64_t min_mem = vpa_scale_resource(amount_from_float(cfg->pod_min_memory_mb * 1024 *
	    1024), fraction);
	double ccpu = vpa_confidence(a, cfg->confidence_interval_cpu);
	double cmem = vpa_confidence(a, cfg->confidence_interval_memory);
	/* CPUAmountFromCores: cores * 1000, truncated. */
	int64_t tc = amount_from_float(vpa_hist_percentile(&a->cpu, cfg->target_cpu_pct) * 1000.0);
	int64_t lc = amount_from_float(vpa_hist_percentile(&a->cpu, cfg->lower_cpu_pct) * 1000.0);
	int64_t uc = amount_from_float(vpa_hist_percentile(&a->cpu, cfg->upper_cpu_pct) * 1000.0);
	int64_t tm = amount_from_float(vpa_hist_percentile(&a->memory, cfg->target_mem_pct));
	int64_t lm = amount_from_float(vpa_hist_percentile(&a->memory, cfg->lower_mem_pct));
	int64_t um = amount_from_float(vpa_hist_percentile(&a->memory, cfg->upper_mem_pct));
	out->target.cpu_milli = max64(with_margin(cfg, tc), min_cpu);
	out->target.memory = max64(with_margin(cfg, tm), min_mem);
	/* Lower bound: (1 + 0.001/confidence)^-2; upper: (1 + 1/confidence)^1. */
	out->lower.cpu_milli = max64(vpa_confidence_scale(with_margin(cfg, lc), 0.001, -2.0,
	    ccpu), min_cpu);
	out->lower.memory = max64(vpa_confidence_scale(with_margin(cfg, lm), 0.001, -2.0,
	    cmem), min_mem);
	out->upper.cpu_milli = max64(vpa_confidence_scale(with_margin(cfg, uc), 1.0, 1.0,
	    ccpu), min_cpu);
	out->upper.memory = max64(vpa_confidence_scale(with_margin(cfg, um), 1.0, 1.0,
	    cmem), min_mem);
	out->uncapped_target = out->target;
	out->has_cpu = out->has_memory = true;
}

static void
cap_one(int64_t *v, bool has_min, int64_t min, bool has_max, int64_t max)
{
	if (has_min && *v < min)
		*v = min;
	if (has_max && *v > max)
		*v = max;
}

void
vpa_apply_policy(const struct vpa_container_policy *p, struct vpa_recommendation *r)
{
	r->uncapped_target = r->target;
	if (p == NULL)
		return;
	r->has_cpu = r->has_cpu && p->control_cpu;
	r->has_memory = r->has_memory && p->control_memory;
	struct vpa_resources *all[3] = { &r->target, &r->lower, &r->upper };
	for (int i = 0; i < 3; i++) {
		cap_one(&all[i]->cpu_milli, p->has_min_cpu, p->min_cpu_milli, p->has_max_cpu,
		    p->max_cpu_milli);
		cap_one(&all[i]->memory, p->has_min_memory, p->min_memory, p->has_max_memory,
		    p->max_memory);
	}
}

/* ---- the updater ----------------------------------------------------------------- */

void
vpa_pod_priority(const struct vpa_resources *requests,
    const struct vpa_recommendation *const *rec, size_t n, struct vpa_priority *out)
{
	memset(out, 0, sizeof *out);
	/* Totals in milli-units, as Quantity.MilliValue gives them. */
	double req_total[2] = { 0, 0 }, rec_total[2] = { 0, 0 };
	bool any[2] = { false, false };
	for (size_t i = 0; i < n; i++) {
		const struct vpa_recommendation *r = rec[i];
		if (r == NULL)
			continue;
		for (int k = 0; k < 2; k++) {
			if (!(k == 0 ? r->has_cpu : r->has_memory))
				continue;
			int64_t target = k == 0 ? r->target.cpu_milli : r->target.memory;
			int64_t lower = k == 0 ? r->lower.cpu_milli : r->lower.memory;
			int64_t upper = k == 0 ? r->upper.cpu_milli : r->upper.memory;
			int64_t req = k == 0 ? requests[i].cpu_milli : requests[i].memory;
			double scale = k == 0 ? 1.0 : 1000.0;
			any[k] = true;
			rec_total[k] += (double)target * scale;
			if (req < 0) {	/* no request for it */
				out->scale_up = true;
				out->outside_range = true;
				continue;
			}
			req_total[k] += (double)req * scale;
			if (target > req)
				out->scale_up = true;
			if (req < lower || req > upper)
				out->outside_range = true;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (!any[k])
			continue;
		double total = req_total[k] > 1.0 ? req_total[k] : 1.0;
		out->resource_diff += fabs(total - rec_total[k]) / total;
	}
}

bool
vpa_pod_needs_update(const struct vpa_config *cfg, const struct vpa_priority *p,
    bool has_start, sim_ns start, sim_ns now)
{
	if (p->outside_range)
		return true;
	if (!has_start || now < start + cfg->pod_lifetime_update_threshold)
		return false;
	return p->resource_diff >= cfg->min_change_priority;
}

bool
vpa_priority_before(const struct vpa_priority *a, const struct vpa_priority *b)
{
	if (a->scale_up != b->scale_up)
		return a->scale_up;
	return a->resource_diff > b->resource_diff;
}

void
vpa_group_init(struct vpa_group *g, const struct vpa_config *cfg, int32_t configured,
    int32_t pending, int32_t running)
{
	memset(g, 0, sizeof *g);
	g->configured = configured;
	g->pending = pending;
	g->running = running;
	g->tolerance = (int32_t)((double)configured * cfg->eviction_tolerance);
}

bool
vpa_group_can_evict(const struct vpa_group *g, bool pod_pending)
{
	if (pod_pending)
		return true;
	int32_t should_be_alive = g->configured - g->tolerance;
	int32_t alive = g->running - g->evicted;
	return alive > should_be_alive ||
	    (g->configured == g->running && g->tolerance == 0 && g->evicted == 0);
}
