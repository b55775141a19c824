/*
 * rng.c - named random streams: one GSL Mersenne Twister per model
 * component, seeded from (run seed, component name), so that adding or
 * changing one component never shifts the draws of another (common random
 * numbers across policy variants).
 */
#include "config.h"

#include "sim/engine/engine.h"
#include "sim/util/util.h"

/* Any nonzero 32-bit value; see sim_rng_new. */
#define RNG_ZERO_SEED	0x6a09e667UL

gsl_rng *
sim_rng_new(uint64_t seed, const char *component)
{
	KS_ASSERT(component != NULL);
	uint64_t x = ks_mix64(seed ^ ks_hash_str(component));
	/*
	 * GSL's mt19937 keeps only the low 32 bits of its seed and replaces 0
	 * by its default 4357, which would give two different (seed, name)
	 * pairs the default stream. Fold all 64 bits in, and map 0 to a fixed
	 * nonzero value instead.
	 */
	unsigned long s = (unsigned long)((x ^ (x >> 32)) & 0xffffffffu);
	if (s == 0)
		s = RNG_ZERO_SEED;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (r == NULL)
		ks_fatal("out of memory allocating a random stream");
	gsl_rng_set(r, s);
	return r;
}
