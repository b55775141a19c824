/*
 * dist.c - probability distributions for physical processes (image pulls,
 * start-up, latencies, failures): sampling with GSL's samplers, clamping,
 * means, kind names and parameter checks.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/engine/engine.h"
#include "sim/util/util.h"

static const char *const dist_names[] = {
	[SIM_DIST_CONST] = "const",
	[SIM_DIST_UNIFORM] = "uniform",
	[SIM_DIST_EXPONENTIAL] = "exponential",
	[SIM_DIST_NORMAL] = "normal",
	[SIM_DIST_LOGNORMAL] = "lognormal",
	[SIM_DIST_GAMMA] = "gamma",
	[SIM_DIST_WEIBULL] = "weibull",
	[SIM_DIST_PARETO] = "pareto",
	[SIM_DIST_EMPIRICAL] = "empirical",
};
#define DIST_NKINDS	((int)(sizeof dist_names / sizeof dist_names[0]))

static double
dist_raw(const struct sim_dist *d, gsl_rng *rng)
{
	switch (d->kind) {
	case SIM_DIST_CONST:
		return d->a;
	case SIM_DIST_UNIFORM:
		return d->a == d->b ? d->a : gsl_ran_flat(rng, d->a, d->b);
	case SIM_DIST_EXPONENTIAL:
		return gsl_ran_exponential(rng, d->a);
	case SIM_DIST_NORMAL:
		return d->a + gsl_ran_gaussian(rng, d->b);
	case SIM_DIST_LOGNORMAL:
		return d->a > 0 ? gsl_ran_lognormal(rng, log(d->a), d->b) : 0;
	case SIM_DIST_GAMMA:
		return gsl_ran_gamma(rng, d->a, d->b);
	case SIM_DIST_WEIBULL:
		/* GSL's order is (scale, exponent). */
		return gsl_ran_weibull(rng, d->b, d->a);
	case SIM_DIST_PARETO:
		/* GSL's order is (exponent, scale). */
		return gsl_ran_pareto(rng, d->a, d->b);
	case SIM_DIST_EMPIRICAL:
		return d->nsamples == 1 ? d->samples[0] :
		    d->samples[gsl_rng_uniform_int(rng, d->nsamples)];
	}
	ks_fatal("unknown distribution kind %d", (int)d->kind);
}

double
sim_dist_sample(const struct sim_dist *d, gsl_rng *rng)
{
	double v = dist_raw(d, rng);
	if (isnan(v))
		v = 0;
	if (v < d->min)
		v = d->min;
	if (d->max > 0 && v > d->max)
		v = d->max;
	return v < 0 ? 0 : v;
}

sim_ns
sim_dist_sample_ns(const struct sim_dist *d, gsl_rng *rng)
{
	sim_ns v = sim_s_to_ns(sim_dist_sample(d, rng));
	return v > SIM_SPAN_MAX ? SIM_SPAN_MAX : v;
}

double
sim_dist_mean(const struct sim_dist *d)
{
	switch (d->kind) {
	case SIM_DIST_CONST:
	case SIM_DIST_EXPONENTIAL:
	case SIM_DIST_NORMAL:
		return d->a;
	case SIM_DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case SIM_DIST_LOGNORMAL:
		return d->a * exp(d->b * d->b / 2);
	case SIM_DIST_GAMMA:
		return d->a * d->b;
	case SIM_DIST_WEIBULL:
		return d->b * gsl_sf_gamma(1 + 1 / d->a);
	case SIM_DIST_PARETO:
		return d->a <= 1 ? INFINITY : d->a * d->b / (d->a - 1);
	case SIM_DIST_EMPIRICAL:
		return d->a;
	}
	ks_fatal("unknown distribution kind %d", (int)d->kind);
}

int
sim_dist_check(const struct sim_dist *d, char **cause)
{
	const char *name = sim_dist_kind_name(d->kind);
	const char *bad = NULL;
	if (!isfinite(d->a) || !isfinite(d->b) || !isfinite(d->min) ||
	    !isfinite(d->max))
		bad = "parameters must be finite numbers";
	else if (d->min < 0 || d->max < 0)
		bad = "min and max must not be negative";
	else if (d->max > 0 && d->min > d->max)
		bad = "min must not exceed max";
	else {
		switch (d->kind) {
		case SIM_DIST_CONST:
			if (d->a < 0)
				bad = "value must not be negative";
			break;
		case SIM_DIST_UNIFORM:
			if (d->a < 0 || d->b < d->a)
				bad = "need 0 <= low <= high";
			break;
		case SIM_DIST_EXPONENTIAL:
			if (d->a <= 0)
				bad = "mean must be positive";
			break;
		case SIM_DIST_NORMAL:
			if (d->b < 0)
				bad = "stddev must not be negative";
			break;
		case SIM_DIST_LOGNORMAL:
			if (d->a <= 0 || d->b < 0)
				bad = "need median > 0 and sigma >= 0";
			break;
		case SIM_DIST_GAMMA:
		case SIM_DIST_WEIBULL:
		case SIM_DIST_PARETO:
			if (d->a <= 0 || d->b <= 0)
				bad = "shape and scale must be positive";
			break;
		case SIM_DIST_EMPIRICAL:
			if (d->samples == NULL || d->nsamples == 0)
				bad = "needs at least one sample";
			break;
		default:
			bad = "unknown distribution kind";
			break;
		}
	}
	if (bad == NULL)
		return 0;
	if (cause != NULL)
		*cause = xasprintf("%s distribution: %s", name ? name : "unknown",
		    bad);
	return -1;
}

struct sim_dist
sim_dist_const(double v)
{
	return (struct sim_dist){ .kind = SIM_DIST_CONST, .a = v };
}

struct sim_dist
sim_dist_exp(double mean)
{
	return (struct sim_dist){ .kind = SIM_DIST_EXPONENTIAL, .a = mean };
}

struct sim_dist
sim_dist_lognormal(double median, double sigma)
{
	return (struct sim_dist){ .kind = SIM_DIST_LOGNORMAL, .a = median,
	    .b = sigma };
}

struct sim_dist
sim_dist_empirical(const double *x, size_t n)
{
	KS_ASSERT(x != NULL && n >= 1);
	/* Two passes (mean, then squared deviations): no cancellation. */
	double m = 0, v = 0;
	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		v += (x[i] - m) * (x[i] - m);
	v /= (double)n;
	return (struct sim_dist){ .kind = SIM_DIST_EMPIRICAL, .a = m,
	    .b = m > 0 ? v / (m * m) : 0, .samples = x, .nsamples = n };
}

double
sim_dist_scv(const struct sim_dist *d)
{
	double m = sim_dist_mean(d), g1, g2;
	if (!(m > 0))
		return 0;
	switch (d->kind) {
	case SIM_DIST_CONST:
		return 0;
	case SIM_DIST_UNIFORM:
		return (d->b - d->a) * (d->b - d->a) / 12 / (m * m);
	case SIM_DIST_EXPONENTIAL:
		return 1;
	case SIM_DIST_NORMAL:
		return d->b * d->b / (m * m);
	case SIM_DIST_LOGNORMAL:
		return expm1(d->b * d->b);
	case SIM_DIST_GAMMA:
		return 1 / d->a;
	case SIM_DIST_WEIBULL:
		g1 = gsl_sf_gamma(1 + 1 / d->a);
		g2 = gsl_sf_gamma(1 + 2 / d->a);
		return g2 / (g1 * g1) - 1;
	case SIM_DIST_PARETO:
		return d->a <= 2 ? INFINITY : 1 / (d->a * (d->a - 2));
	case SIM_DIST_EMPIRICAL:
		return d->b;
	}
	ks_fatal("unknown distribution kind %d", (int)d->kind);
}

int
sim_dist_kind_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (int k = 0; k < DIST_NKINDS; k++)
		if (strcmp(name, dist_names[k]) == 0)
			return k;
	return -1;
}

const char *
sim_dist_kind_name(enum sim_dist_kind k)
{
	if ((int)k < 0 || (int)k >= DIST_NKINDS)
		return NULL;
	return dist_names[k];
}

/* The names of the parametric kinds (not "empirical", which needs its
 * samples), NULL-terminated, for "did you mean" suggestions. */
const char *const *
sim_dist_kind_names(void)
{
	static const char *const names[] = {
		"const", "uniform", "exponential", "normal", "lognormal",
		"gamma", "weibull", "pareto", NULL,
	};
	return names;
}
