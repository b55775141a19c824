/*
 * test_vpa.c - the VPA recommender and updater rules of models/vpa/vpa.c. The
 * histogram, decaying-histogram and estimator cases mirror upstream's tests
 * in kubernetes/autoscaler vertical-pod-autoscaler/pkg/recommender
 * (util/histogram_options_test.go, histogram_test.go,
 * decaying_histogram_test.go, logic/estimator_test.go, recommender_test.go)
 * with the same values; the rest are computed by hand in the comments.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/vpa/vpa.h"
#include "sim/util/util.h"
#include "tests/testlib.h"

#define EPS 1e-15

/* assert.InEpsilon(want, got, 1e-15): relative error. */
#define CHECK_REL(got, want) CHECK_NEAR((got), (want), fabs((double)(want)) * EPS)

static void
test_options(void)
{
	/* TestLinearHistogramOptions */
	struct vpa_hist_opts o;
	CHECK_INT(vpa_hist_opts_linear(&o, 5.0, 0.3, 0.001), 0);
	CHECK_INT(o.nbuckets, 18);
	CHECK(vpa_hist_bucket_start(&o, 0) == 0.0);
	CHECK(vpa_hist_bucket_start(&o, 17) == 17 * 0.3);
	CHECK_NEAR(vpa_hist_bucket_start(&o, 17), 5.1, 1e-12);
	CHECK_INT(vpa_hist_find_bucket(&o, -1.0), 0);
	CHECK_INT(vpa_hist_find_bucket(&o, 0.0), 0);
	CHECK_INT(vpa_hist_find_bucket(&o, 1.3), 4);
	CHECK_INT(vpa_hist_find_bucket(&o, 100.0), 17);
	/* TestExponentialHistogramOptions */
	CHECK_INT(vpa_hist_opts_exponential(&o, 500.0, 40.0, 1.5, 0.001), 0);
	CHECK_INT(o.nbuckets, 6);
	CHECK(vpa_hist_bucket_start(&o, 0) == 0.0);
	CHECK(vpa_hist_bucket_start(&o, 1) == 40.0);
	CHECK(vpa_hist_bucket_start(&o, 2) == 100.0);
	CHECK(vpa_hist_bucket_start(&o, 3) == 190.0);
	CHECK(vpa_hist_bucket_start(&o, 4) == 325.0);
	CHECK(vpa_hist_bucket_start(&o, 5) == 527.5);
	CHECK_INT(vpa_hist_find_bucket(&o, -1.0), 0);
	CHECK_INT(vpa_hist_find_bucket(&o, 39.99), 0);
	CHECK_INT(vpa_hist_find_bucket(&o, 40.0), 1);
	CHECK_INT(vpa_hist_find_bucket(&o, 100.0), 2);
	CHECK_INT(vpa_hist_find_bucket(&o, 900.0), 5);
	/* Bad parameters are refused. */
	CHECK_INT(vpa_hist_opts_linear(&o, 0, 1, 1), -1);
	CHECK_INT(vpa_hist_opts_exponential(&o, 10, 1, 1.0, 1), -1);
	/* The recommender's defaults: cpu buckets 0.01 core x 1.05 up to 1000
	 * cores: ceil(log(1000 * 0.05 / 0.01 + 1) / log(1.05)) + 1 = 176;
	 * memory 1e7 bytes x 1.05 up to 1e12: ceil(log(5001) / log 1.05) + 1
	 * = 176 as well. */
	struct vpa_config cfg;
	vpa_config_default(&cfg);
	CHECK_INT(cfg.cpu_opts.nbuckets, 176);
	CHECK_INT(cfg.memory_opts.nbuckets, 176);
	CHECK_NEAR(vpa_hist_bucket_start(&cfg.cpu_opts, 1), 0.01, 1e-15);
}

static void
test_histogram(void)
{
	struct vpa_hist_opts o;
	vpa_hist_opts_linear(&o, 10.0, 1.0, EPS);
	struct vpa_hist h;
	/* TestPercentilesEmptyHistogram */
	vpa_hist_init(&h, &o, 0);
	for (double p = -0.5; p <= 1.5; p += 0.5)
		CHECK(vpa_hist_percentile(&h, p) == 0.0);
	/* TestPercentiles: { 1: 1, 2: 2, 3: 3, 4: 4 } */
	for (int i = 1; i <= 4; i++)
		vpa_hist_add(&h, i, i, 0);
	static const double p[] = { 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 };
	static const double want[] = { 2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5 };
	for (size_t i = 0; i < 11; i++)
		CHECK_REL(vpa_hist_percentile(&h, p[i]), want[i]);
	vpa_hist_fini(&h);

	/* TestPercentileOutOfBounds */
	struct vpa_hist_opts o2;
	vpa_hist_opts_linear(&o2, 1.0, 0.1, EPS);
	vpa_hist_init(&h, &o2, 0);
	vpa_hist_add(&h, 0.1, 0.1, 0);
	vpa_hist_add(&h, 0.2, 0.2, 0);
	CHECK_REL(vpa_hist_percentile(&h, -0.1), 0.2);
	CHECK_REL(vpa_hist_percentile(&h, 1.1), 0.3);
	vpa_hist_add(&h, 0.0, 0.1, 0);
	vpa_hist_add(&h, 1.0, 0.2, 0);
	CHECK_REL(vpa_hist_percentile(&h, -0.1), 0.1);
	CHECK_REL(vpa_hist_percentile(&h, 1.1), 1.0);
	vpa_hist_fini(&h);

	/* TestEmptyHistogram: subtracting down below epsilon empties it. */
	vpa_hist_init(&h, &o2, 0);
	CHECK(vpa_hist_empty(&h));
	vpa_hist_add(&h, 0.1, EPS * 2.5, 0);
	CHECK(!vpa_hist_empty(&h));
	vpa_hist_sub(&h, 0.1, EPS, 0);
	CHECK(!vpa_hist_empty(&h));
	vpa_hist_sub(&h, 0.1, EPS, 0);
	CHECK(vpa_hist_empty(&h));
	vpa_hist_fini(&h);

	/* TestNonEmptyOnEpsilonAddition */
	vpa_hist_init(&h, &o2, 0);
	vpa_hist_add(&h, 9.9, EPS * 3, 0);
	CHECK(!vpa_hist_empty(&h));
	vpa_hist_add(&h, 0.1, EPS * 0.3, 0);
	CHECK(!vpa_hist_empty(&h));
	vpa_hist_add(&h, 999.9, EPS * 0.3, 0);
	CHECK(!vpa_hist_empty(&h));
	vpa_hist_fini(&h);

	/* TestHistogramMerge */
	struct vpa_hist h1, h2, e;
	vpa_hist_init(&h1, &o, 0);
	vpa_hist_init(&h2, &o, 0);
	vpa_hist_init(&e, &o, 0);
	vpa_hist_add(&h1, 1, 1, 0);
	vpa_hist_add(&h1, 2, 1, 0);
	vpa_hist_add(&h2, 2, 1, 0);
	vpa_hist_add(&h2, 3, 1, 0);
	vpa_hist_add(&e, 1, 1, 0);
	vpa_hist_add(&e, 2, 1, 0);
	vpa_hist_add(&e, 2, 1, 0);
	vpa_hist_add(&e, 3, 1, 0);
	vpa_hist_merge(&h1, &h2);
	CHECK(vpa_hist_equal(&h1, &e));
	CHECK(!vpa_hist_equal(&h2, &e));
	vpa_hist_fini(&h1);
	vpa_hist_fini(&h2);
	vpa_hist_fini(&e);
}

static void
test_decaying(void)
{
	struct vpa_hist_opts o;
	vpa_hist_opts_linear(&o, 10.0, 1.0, EPS);
	struct vpa_hist h;
	/* upstream's startTime is arbitrary; percentiles do not depend on it. */
	sim_ns t0 = 1000 * SIM_HOUR;

	/* TestPercentilesEmptyDecayingHistogram */
	vpa_hist_init(&h, &o, SIM_HOUR);
	for (double p = -0.5; p <= 1.5; p += 0.5)
		CHECK(vpa_hist_percentile(&h, p) == 0.0);
	vpa_hist_fini(&h);

	/* TestSimpleDecay: 20 half lives later the new sample outweighs the
	 * first one 2^20 / 1000 times. */
	vpa_hist_init(&h, &o, SIM_HOUR);
	vpa_hist_add(&h, 2, 1000, t0);
	vpa_hist_add(&h, 1, 1, t0 + 20 * SIM_HOUR);
	CHECK_REL(vpa_hist_percentile(&h, 0.999), 2);
	CHECK_REL(vpa_hist_percentile(&h, 1.0), 3);
	vpa_hist_fini(&h);

	/* TestLongtermDecay: past 2^100 the reference time moves on. */
	vpa_hist_init(&h, &o, SIM_HOUR);
	vpa_hist_add(&h, 2, 1, t0);
	vpa_hist_add(&h, 1, 1, t0 + 101 * SIM_HOUR);
	CHECK_REL(vpa_hist_percentile(&h, 1.0), 2);
	/* The first sample's weight, rescaled by 2^-101 when the reference
	 * moved to t0 + 101h, is below epsilon: the total is the second's. */
	CHECK_INT(h.ref, t0 + 101 * SIM_HOUR);
	CHECK_NEAR(h.total, 1.0, 1e-12);
	vpa_hist_fini(&h);

	/* TestDecayingHistogramPercentiles: values and weights 1..4, one half
	 * life apart: weights 1/8, 2/4, 3/2, 4 of total 6.125. */
	vpa_hist_init(&h, &o, SIM_HOUR);
	for (int i = 1; i <= 4; i++)
		vpa_hist_add(&h, i, i, t0 + (i - 1) * SIM_HOUR);
	static const double p[] = { 0.00, 0.02, 0.03, 0.10, 0.11, 0.34, 0.35, 1.00 };
	static const double want[] = { 2, 2, 3, 3, 4, 4, 5, 5 };
	for (size_t i = 0; i < 8; i++)
		CHECK_REL(vpa_hist_percentile(&h, p[i]), want[i]);
	vpa_hist_fini(&h);

	/* TestNoDecay */
	vpa_hist_init(&h, &o, SIM_HOUR);
	for (int i = 1; i <= 4; i++)
		vpa_hist_add(&h, i, i, t0);
	static const double p2[] = { 0.0, 0.2, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 };
	static const double want2[] = { 2, 3, 2, 3, 4, 4, 4, 5, 5, 5, 5 };
	for (size_t i = 0; i < 11; i++)
		CHECK_REL(vpa_hist_percentile(&h, p2[i]), want2[i]);
	vpa_hist_fini(&h);

	/* TestDecayingHistogramMerge (reference times equal, both 0). */
	struct vpa_hist h1, h2, e;
	vpa_hist_init(&h1, &o, SIM_HOUR);
	vpa_hist_init(&h2, &o, SIM_HOUR);
	vpa_hist_init(&e, &o, SIM_HOUR);
	vpa_hist_add(&h1, 1, 1, t0);
	vpa_hist_add(&h1, 2, 1, t0 + SIM_HOUR);
	vpa_hist_add(&h2, 2, 1, t0 + 2 * SIM_HOUR);
	vpa_hist_add(&h2, 3, 1, t0 + SIM_HOUR);
	vpa_hist_add(&e, 2, 1, t0 + 2 * SIM_HOUR);
	vpa_hist_add(&e, 2, 1, t0 + SIM_HOUR);
	vpa_hist_add(&e, 3, 1, t0 + SIM_HOUR);
	vpa_hist_add(&e, 1, 1, t0);
	vpa_hist_merge(&h1, &h2);
	CHECK(vpa_hist_equal(&h1, &e));
	vpa_hist_fini(&h1);
	vpa_hist_fini(&h2);
	vpa_hist_fini(&e);

	/* Merging aligns the older reference: h1's ref moves 200h on to h2's
	 * (weights x 2^-200), the result equals adding everything at once to
	 * a histogram whose ref moved the same way. */
	vpa_hist_init(&h1, &o, SIM_HOUR);
	vpa_hist_init(&h2, &o, SIM_HOUR);
	vpa_hist_add(&h1, 1, 1, 0);
	vpa_hist_add(&h2, 3, 1, 200 * SIM_HOUR);
	CHECK_INT(h2.ref, 200 * SIM_HOUR);
	vpa_hist_merge(&h1, &h2);
	CHECK_INT(h1.ref, 200 * SIM_HOUR);
	CHECK_NEAR(h1.total, 1.0 + ldexp(1.0, -200), 1e-15);
	vpa_hist_fini(&h1);
	vpa_hist_fini(&h2);
}

static void
test_estimator(void)
{
	struct vpa_config cfg;
	vpa_config_default(&cfg);
	struct vpa_aggregate a;
	/* TestPercentileEstimator: cpu samples 1, 2, 3 cores and memory peaks
	 * 1e9, 2e9, 3e9; p20 of cpu lies in the bucket of 1.0 core (bucket
	 * floor(log(1 * 0.05 / 0.01 + 1) / log 1.05) = 36), whose end is
	 * 0.01 * (1.05^37 - 1) / 0.05 = 1.0162813885 cores (within upstream's
	 * 5%); p50 of memory in the bucket of 2e9. */
	struct vpa_hist cpu, mem;
	vpa_hist_init(&cpu, &cfg.cpu_opts, 0);
	vpa_hist_init(&mem, &cfg.memory_opts, 0);
	for (int i = 1; i <= 3; i++) {
		vpa_hist_add(&cpu, i, 1, 0);
		vpa_hist_add(&mem, i * 1e9, 1, 0);
	}
	CHECK_INT(vpa_hist_find_bucket(&cfg.cpu_opts, 1.0), 36);
	CHECK_NEAR(vpa_hist_percentile(&cpu, 0.2), 0.01 * (pow(1.05, 37) - 1) / 0.05, 1e-12);
	CHECK_NEAR(vpa_hist_percentile(&cpu, 0.2), 1.0, 0.05);
	CHECK_NEAR(vpa_hist_percentile(&mem, 0.5), 2e9, 2e9 * 0.05);
	vpa_hist_fini(&cpu);
	vpa_hist_fini(&mem);

	/* TestConfidenceMultiplier: 9 samples, 2 minutes apart: confidence
	 * min(16 min / 1 day, 9 / 1440) = 0.00625; 3.14 cores * (1 +
	 * 0.1/0.00625)^2 = 3140m * 289 = 907460m; 3.14e9 * 289 bytes. */
	vpa_agg_init(&a, &cfg);
	CHECK_INT(vpa_confidence_scale(3140, 1.0, 1.0, vpa_confidence(&a, 24 * SIM_HOUR)),
	    VPA_MAX_RESOURCE_AMOUNT);
	CHECK_INT(vpa_confidence_scale(3140, 1.0, -1.0, vpa_confidence(&a, 24 * SIM_HOUR)), 0);
	for (int i = 0; i < 9; i++)
		vpa_agg_add_cpu(&a, 1000, 0, (sim_ns)i * 2 * SIM_MIN);
	CHECK(vpa_confidence(&a, 24 * SIM_HOUR) == 0.00625);
	double conf = vpa_confidence(&a, 24 * SIM_HOUR);
	CHECK_INT(vpa_confidence_scale(3140, 0.1, 2.0, conf), 907460);
	CHECK_INT(vpa_confidence_scale(3140000000LL, 0.1, 2.0, conf), 907460000000LL);
	/* TestConfidenceMultiplierWithCustomInterval: 18 min: min(16/18,
	 * 9/18) = 0.5; 3140 * 1.44 = 4521.6 -> 4521m; 4521600000 bytes. */
	CHECK(vpa_confidence(&a, 18 * SIM_MIN) == 0.5);
	CHECK_INT(vpa_confidence_scale(3140, 0.1, 2.0, 0.5), 4521);
	CHECK_INT(vpa_confidence_scale(3140000000LL, 0.1, 2.0, 0.5), 4521600000LL);
	vpa_agg_fini(&a);
	/* TestMarginEstimator: 10%: 3140 + trunc(314.0) = 3454m. */
	CHECK_INT(3140 + vpa_scale_resource(3140, 0.1), 3454);
	CHECK_INT(3140000000LL + vpa_scale_resource(3140000000LL, 0.1), 3454000000LL);
	CHECK_INT(vpa_scale_resource(5, -1.0), 0);
	CHECK_INT(vpa_scale_resource(VPA_MAX_RESOURCE_AMOUNT, 2.0), VPA_MAX_RESOURCE_AMOUNT);

	/* TestMinResourcesApplied: nothing aggregated, the minimums 25m and
	 * 250Mi; TestMinResourcesSplitAcrossContainers: halves, 12m and
	 * 125Mi. */
	struct vpa_recommendation r;
	vpa_agg_init(&a, &cfg);
	vpa_estimate(&cfg, &a, 1, &r);
	CHECK_INT(r.target.cpu_milli, 25);
	CHECK_INT(r.target.memory, 250LL * 1024 * 1024);
	CHECK_INT(r.lower.cpu_milli, 25);
	/* The upper bound of nothing: 0 x (1 + 1/0) is NaN, no amount; the
	 * minimum holds (Go turns NaN into MinInt64 on amd64, so the same). */
	CHECK_INT(r.upper.cpu_milli, 25);
	vpa_estimate(&cfg, &a, 2, &r);
	CHECK_INT(r.target.cpu_milli, 12);
	CHECK_INT(r.target.memory, 125LL * 1024 * 1024);
	vpa_agg_fini(&a);
}

/*
 * One day of samples, one a minute (t = 60 s ... 86400 s), of a container
 * using 300m of its 500m request and 256Mi of memory:
 *   cpu bucket floor(log(0.3 * 5 + 1) / log 1.05) = 18, its end
 *     0.01 * (1.05^19 - 1) / 0.05 = 0.30539 cores -> 305m, +15% -> 350m;
 *   confidence min((86400 - 60) / 86400, 1440 / 1440) = 0.999306;
 *   lower 350 * (1 + 0.001 / 0.999306)^-2 = 349.3 -> 349m;
 *   upper 350 * (1 + 1 / 0.999306) = 700.24 -> 700m;
 *   memory: one peak (the window is a day), bucket 17, its end
 *     1e7 * (1.05^18 - 1) / 0.05 = 281323846 bytes, +15% -> 323522422;
 *   lower 322875898, upper 647269668.
 */
static void
test_day_of_samples(void)
{
	struct vpa_config cfg;
	vpa_config_default(&cfg);
	struct vpa_aggregate a;
	vpa_agg_init(&a, &cfg);
	struct vpa_container cs;
	memset(&cs, 0, sizeof cs);
	int added = 0;
	for (int m = 1; m <= 1440; m++) {
		sim_ns t = (sim_ns)m * SIM_MIN;
		added += vpa_container_add_cpu(&cs, &a, 300, 500, t);
		vpa_container_add_memory(&cs, &a, 256LL << 20, t, cfg.memory_aggregation_interval);
		/* A duplicate (same timestamp) is dropped. */
		CHECK(!vpa_container_add_cpu(&cs, &a, 300, 500, t));
	}
	CHECK_INT(added, 1440);
	CHECK_INT(a.total_samples, 1440);
	CHECK_INT(cs.window_end, SIM_MIN + 24 * SIM_HOUR);
	CHECK_NEAR(a.memory.total, exp2((double)(SIM_MIN + 24 * SIM_HOUR) / (double)(24 * SIM_HOUR)),
	    1e-12);
	struct vpa_recommendation r;
	vpa_estimate(&cfg, &a, 1, &r);
	CHECK_INT(r.target.cpu_milli, 350);
	CHECK_INT(r.lower.cpu_milli, 349);
	CHECK_INT(r.upper.cpu_milli, 700);
	CHECK_INT(r.target.memory, 323522422);
	CHECK_INT(r.lower.memory, 322875898);
	CHECK_INT(r.upper.memory, 647269668);

	/* A higher memory sample inside the window replaces the peak: the old
	 * one is subtracted, the new one (300Mi) added at the window's end. */
	double before = a.memory.total;
	vpa_container_add_memory(&cs, &a, 300LL << 20, 1440 * SIM_MIN + 30 * SIM_SEC,
	    cfg.memory_aggregation_interval);
	CHECK_NEAR(a.memory.total, before, 1e-12);
	CHECK_INT(cs.memory_peak, 300LL << 20);
	/* Out of order: dropped. */
	CHECK(!vpa_container_add_memory(&cs, &a, 1LL << 30, 10 * SIM_MIN,
	    cfg.memory_aggregation_interval));
	/* Two days later: the window shifts by whole days, a second peak. */
	vpa_container_add_memory(&cs, &a, 100LL << 20, SIM_MIN + 50 * SIM_HOUR,
	    cfg.memory_aggregation_interval);
	CHECK_INT(cs.window_end, SIM_MIN + 72 * SIM_HOUR);

	/* Capping by the resource policy: minAllowed 400m, maxAllowed 300Mi. */
	struct vpa_container_policy pol;
	memset(&pol, 0, sizeof pol);
	pol.control_cpu = pol.control_memory = true;
	pol.has_min_cpu = true;
	pol.min_cpu_milli = 400;
	pol.has_max_memory = true;
	pol.max_memory = 300LL << 20;
	vpa_apply_policy(&pol, &r);
	CHECK_INT(r.target.cpu_milli, 400);
	CHECK_INT(r.lower.cpu_milli, 400);
	CHECK_INT(r.upper.cpu_milli, 700);
	CHECK_INT(r.uncapped_target.cpu_milli, 350);
	CHECK_INT(r.target.memory, 300LL << 20);
	CHECK_INT(r.lower.memory, 300LL << 20);
	CHECK_INT(r.upper.memory, 300LL << 20);
	/* controlledResources: [memory] drops cpu (TestControlledResourcesFiltered). */
	pol.control_cpu = false;
	vpa_apply_policy(&pol, &r);
	CHECK(!r.has_cpu && r.has_memory);
	vpa_agg_fini(&a);
}

static void
test_updater(void)
{
	struct vpa_config cfg;
	vpa_config_default(&cfg);
	struct vpa_recommendation rec;
	memset(&rec, 0, sizeof rec);
	rec.has_cpu = rec.has_memory = true;
	rec.target = (struct vpa_resources){ 350, 300LL << 20 };
	rec.lower = (struct vpa_resources){ 300, 250LL << 20 };
	rec.upper = (struct vpa_resources){ 700, 600LL << 20 };
	const struct vpa_recommendation *rp = &rec;
	struct vpa_priority p;

	/* 500m / 256Mi: inside [lower, upper]; diff |500 - 350| / 500 + |256 -
	 * 300| / 256 = 0.3 + 0.171875 = 0.471875; memory wants to grow. */
	struct vpa_resources req = { 500, 256LL << 20 };
	vpa_pod_priority(&req, &rp, 1, &p);
	CHECK(!p.outside_range);
	CHECK(p.scale_up);
	CHECK_NEAR(p.resource_diff, 0.471875, 1e-12);
	/* Inside the range: only after 12h of life, and the diff >= 0.1. */
	CHECK(!vpa_pod_needs_update(&cfg, &p, true, 0, 12 * SIM_HOUR - 1));
	CHECK(vpa_pod_needs_update(&cfg, &p, true, 0, 12 * SIM_HOUR));
	CHECK(!vpa_pod_needs_update(&cfg, &p, false, 0, 24 * SIM_HOUR));
	/* 1000m: above the upper bound: at once; diff 650/1000 + 0.171875. */
	struct vpa_priority q;
	req.cpu_milli = 1000;
	vpa_pod_priority(&req, &rp, 1, &q);
	CHECK(q.outside_range);
	CHECK_NEAR(q.resource_diff, 0.65 + 0.171875, 1e-12);
	CHECK(vpa_pod_needs_update(&cfg, &q, true, 0, SIM_MIN));
	/* 350m / 300Mi: exactly the target: diff 0, no scale-up. */
	struct vpa_priority z;
	req = (struct vpa_resources){ 350, 300LL << 20 };
	vpa_pod_priority(&req, &rp, 1, &z);
	CHECK(!z.outside_range && !z.scale_up);
	CHECK(z.resource_diff == 0.0);
	CHECK(!vpa_pod_needs_update(&cfg, &z, true, 0, 48 * SIM_HOUR));
	/* Order: scale-up first, then the larger diff. */
	CHECK(vpa_priority_before(&q, &z));
	CHECK(vpa_priority_before(&p, &z));
	struct vpa_priority big = { false, false, 5.0 };
	CHECK(vpa_priority_before(&p, &big));
	CHECK(vpa_priority_before(&q, &p));

	/* Eviction restriction (pods_eviction_restriction.go): tolerance 0.5
	 * of 3 replicas is 1: one eviction, then none. */
	struct vpa_group g;
	vpa_group_init(&g, &cfg, 3, 0, 3);
	CHECK_INT(g.tolerance, 1);
	CHECK(vpa_group_can_evict(&g, false));
	g.evicted++;
	CHECK(!vpa_group_can_evict(&g, false));
	CHECK(vpa_group_can_evict(&g, true));	/* pending pods: always */
	/* 4 replicas: two. */
	vpa_group_init(&g, &cfg, 4, 0, 4);
	int n = 0;
	while (vpa_group_can_evict(&g, false) && n < 10) {
		g.evicted++;
		n++;
	}
	CHECK_INT(n, 2);
	/* Tolerance rounding to 0 (3 x 0.1): one pod when all run, none when
	 * one is missing. */
	cfg.eviction_tolerance = 0.1;
	vpa_group_init(&g, &cfg, 3, 0, 3);
	CHECK_INT(g.tolerance, 0);
	CHECK(vpa_group_can_evict(&g, false));
	g.evicted++;
	CHECK(!vpa_group_can_evict(&g, false));
	vpa_group_init(&g, &cfg, 3, 1, 2);
	CHECK(!vpa_group_can_evict(&g, false));
}

int
main(void)
{
	test_options();
	test_histogram();
	test_decaying();
	test_estimator();
	test_day_of_samples();
	test_updater();
	return tl_finish();
}
