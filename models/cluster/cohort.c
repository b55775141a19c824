/*
 * cohort.c - membership of the cohorts of identical endpoint pods (see
 * cohort.h): keys, rebuilds on transitions, merges of cohorts that became
 * equal, and the lazy per-pod cpu time and served count. Cohorts are found
 * by a linear scan (one or two per Service in steady state); past
 * COHORT_SCAN cohorts a pod whose cohort is not the last one used starts a
 * new one, which costs a duplicate cohort (stepped twice, merged later),
 * never a wrong result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/store.h"
#include "models/cluster/cohort.h"

#define COHORT_SCAN	32

void
cohort_key_of(const struct cluster *c, uint32_t p, struct cohort_key *k)
{
	memset(k, 0, sizeof *k);
	k->dead = c->pods[p].lost;
}

bool
cohort_key_eq(const struct cohort_key *a, const struct cohort_key *b)
{
	return a->dead == b->dead;
}

static bool
same_state(const struct serving_pod *a, const struct serving_pod *b)
{
	return a->backlog == b->backlog && a->busy == b->busy;
}

double
cohort_pending_cpu(const struct cohort_set *cs, const struct cohort_pod *cp)
{
	return cp->k >= 0 ? cs->k[cp->k].cpu - cp->off_cpu : 0;
}

double
cohort_pending_served(const struct cohort_set *cs, const struct cohort_pod *cp)
{
	return cp->k >= 0 ? cs->k[cp->k].served - cp->off_served : 0;
}

/* cohort_flush's body, inlined in the loops over every member (a
 * rebuild flushes them all: a call each cost as much as the flush). */
static inline __attribute__((always_inline)) void
flush_member(struct cluster *c, struct cohort_set *cs, struct cohort_pod *cp,
    struct serving_pod *sv, uint32_t p)
{
	struct cohort_pod *me = &cp[p];
	if (me->k < 0)
		return;
	cl_pod_unshare(c, p);
	const struct cohort *k = &cs->k[me->k];
	c->use[p].cpu_seconds = cohort_reading(c->use[p].cpu_seconds, k->cpu, me->off_cpu);
	c->use[p].served = cohort_reading(c->use[p].served, k->served, me->off_served);
	sv[p] = k->st;
	me->k = -1;
	cs->valid = false;
}

void
cohort_flush(struct cluster *c, struct cohort_set *cs, struct cohort_pod *cp,
    struct serving_pod *sv, uint32_t p)
{
	flush_member(c, cs, cp, sv, p);
}

void
cohort_dissolve(struct cluster *c, struct cohort_set *cs, int32_t set,
    struct cohort_pod *cp, struct serving_pod *sv)
{
	for (size_t m = 0; m < cs->nmembers; m++)
		if (cp[cs->members[m]].set == set)
			flush_member(c, cs, cp, sv, cs->members[m]);
	cs->n = 0;
	cs->nmembers = 0;
	cs->valid = false;
}

/* Room for `need` cohorts in cs, the array aligned as struct cohort is
 * (its lines laid out by pass: see cohort.h). */
static void
cohorts_grow(struct cohort_set *cs, size_t need)
{
	if (need <= cs->cap)
		return;
	size_t cap = cs->cap ? cs->cap : 4;
	while (cap < need)
		cap *= 2;
	void *mem = NULL;
	if (cap > SIZE_MAX / sizeof *cs->k ||
	    posix_memalign(&mem, _Alignof(struct cohort), cap * sizeof *cs->k) != 0)
		ks_fatal("out of memory allocating %zu cohorts", cap);
	if (cs->cap > 0)
		memcpy(mem, cs->k, cs->cap * sizeof *cs->k);
	free(cs->k);
	cs->k = mem;
	cs->cap = cap;
}

void
cohort_rebuild(struct cluster *c, struct cohort_set *cs, int32_t set,
    struct cohort_pod *cp, struct serving_pod *sv, const uint32_t *eps, size_t n,
    uint32_t version)
{
	for (size_t m = 0; m < cs->nmembers; m++) {
		uint32_t p = cs->members[m];
		if (cp[p].set == set)
			flush_member(c, cs, cp, sv, p);
	}
	cs->n = 0;
	KS_GROW(cs->members, cs->capm, n ? n : 1);
	memcpy(cs->members, eps, n * sizeof *eps);
	cs->nmembers = n;
	size_t last = 0;
	for (size_t e = 0; e < n; e++) {
		uint32_t p = eps[e];
		struct cohort_key key;
		cohort_key_of(c, p, &key);
		size_t found = cs->n;
		if (last < cs->n && cohort_key_eq(&cs->k[last].key, &key) &&
		    same_state(&cs->k[last].st, &sv[p])) {
			found = last;
		} else if (cs->n <= COHORT_SCAN) {
			for (size_t i = 0; i < cs->n; i++)
				if (cohort_key_eq(&cs->k[i].key, &key) &&
				    same_state(&cs->k[i].st, &sv[p])) {
					found = i;
					break;
				}
		}
		if (found == cs->n) {
			cohorts_grow(cs, cs->n + 1);
			struct cohort *k = &cs->k[cs->n++];
			memset(k, 0, sizeof *k);
			k->key = key;
			k->st = sv[p];
		}
		cs->k[found].n++;
		cp[p] = (struct cohort_pod){ .set = set, .k = (int32_t)found };
		last = found;
	}
	cs->version = version;
	cs->valid = true;
}

void
cohort_merge(struct cluster *c, struct cohort_set *cs, struct cohort_pod *cp)
{
	if (cs->n < 2 || cs->n > COHORT_SCAN)
		return;
	int32_t into[COHORT_SCAN + 1];
	bool any = false;
	for (size_t j = 0; j < cs->n; j++) {
		into[j] = (int32_t)j;
		for (size_t i = 0; i < j; i++)
			if (into[i] == (int32_t)i && cohort_key_eq(&cs->k[i].key, &cs->k[j].key) &&
			    same_state(&cs->k[i].st, &cs->k[j].st)) {
				into[j] = (int32_t)i;
				any = true;
				break;
			}
	}
	if (!any)
		return;
	/* The survivors' new places, in order. */
	int32_t place[COHORT_SCAN + 1];
	size_t kept = 0;
	for (size_t j = 0; j < cs->n; j++)
		if (into[j] == (int32_t)j)
			place[j] = (int32_t)kept++;
	for (size_t m = 0; m < cs->nmembers; m++) {
		uint32_t p = cs->members[m];
		struct cohort_pod *me = &cp[p];
		if (me->k < 0)
			continue;
		int32_t j = me->k, i = into[j];
		if (i != j || place[i] != j)
			cl_pod_unshare(c, p);	/* its place changes */
		if (i != j) {
			/* bring the old cohort's share in, join at the new one's */
			c->use[p].cpu_seconds = cohort_reading(c->use[p].cpu_seconds,
			    cs->k[j].cpu, me->off_cpu);
			c->use[p].served = cohort_reading(c->use[p].served, cs->k[j].served,
			    me->off_served);
			me->off_cpu = cs->k[i].cpu;
			me->off_served = cs->k[i].served;
		}
		me->k = place[i];
	}
	for (size_t j = 0; j < cs->n; j++)
		if (into[j] != (int32_t)j)
			cs->k[into[j]].n += cs->k[j].n;
	for (size_t j = 0; j < cs->n; j++)
		if (into[j] == (int32_t)j)
			cs->k[place[j]] = cs->k[j];
	cs->n = kept;
}

void
cohort_set_fini(struct cohort_set *cs)
{
	free(cs->k);
	free(cs->members);
}
