/*
 * bench_evq.c - the hold-model benchmark of the engine's event queue
 * (`make bench`): with n events pending, each operation pops the first event
 * and pushes it back at its time plus an exponential increment. Compares
 * kubesim's queue with a plain array binary heap in the same run and prints
 * a Markdown table of the best of several repetitions.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "sim/engine/engine.h"
#include "sim/engine/evq.h"
#include "sim/util/util.h"

#define BENCH_REPS	5
#define BENCH_INCS	(1u << 16)	/* precomputed increments, cycled */
#define BENCH_MEAN_NS	1000000.0	/* mean increment: 1 ms */

/* ---- the baseline: a plain array binary heap -------------------------- */

struct bh_ent {
	int64_t		time;
	uint64_t	seq;
	uint64_t	payload;
};

struct bh {
	struct bh_ent	*a;
	size_t		 n, cap;
	uint64_t	 seq;
};

static inline int
bh_less(const struct bh_ent *x, const struct bh_ent *y)
{
	return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static void
bh_push(struct bh *h, int64_t time, uint64_t payload)
{
	if (h->n == h->cap)
		KS_GROW(h->a, h->cap, h->n + 1);
	struct bh_ent e = { time, h->seq++, payload };
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!bh_less(&e, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = e;
}

static struct bh_ent
bh_pop(struct bh *h)
{
	struct bh_ent top = h->a[0];
	struct bh_ent e = h->a[--h->n];
	size_t n = h->n, i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && bh_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!bh_less(&h->a[c], &e))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (n > 0)
		h->a[i] = e;
	return top;
}

/* ---- the hold model ------------------------------------------------------ */

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_handler(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	(void)ctx;
	(void)arg;
}

/* Million ops per second of kubesim's queue. */
static double
hold_evq(size_t n, size_t ops, const int64_t *inc, uint64_t *check)
{
	struct sim_evq *q = sim_evq_new();
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		sim_evq_push(q, inc[k++ & (BENCH_INCS - 1)], 0, bench_handler,
		    NULL, i);
	struct sim_evq_item it;
	uint64_t sum = 0;
	double t0 = now_s();
	for (size_t i = 0; i < ops; i++) {
		sim_evq_pop(q, SIM_NEVER, &it);
		sum += it.arg;
		sim_evq_push(q, it.time + inc[k++ & (BENCH_INCS - 1)], 0,
		    bench_handler, NULL, it.arg);
	}
	double dt = now_s() - t0;
	*check = sum ^ (uint64_t)sim_evq_peek_time(q);
	sim_evq_free(q);
	return (double)ops / dt / 1e6;
}

/* Million ops per second of the binary heap. */
static double
hold_bh(size_t n, size_t ops, const int64_t *inc, uint64_t *check)
{
	struct bh h = { NULL, 0, 0, 0 };
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		bh_push(&h, inc[k++ & (BENCH_INCS - 1)], i);
	uint64_t sum = 0;
	double t0 = now_s();
	for (size_t i = 0; i < ops; i++) {
		struct bh_ent e = bh_pop(&h);
		sum += e.payload;
		bh_push(&h, e.time + inc[k++ & (BENCH_INCS - 1)], e.payload);
	}
	double dt = now_s() - t0;
	*check = sum ^ (uint64_t)h.a[0].time;
	free(h.a);
	return (double)ops / dt / 1e6;
}

/* Runs the sizes given as arguments, or 10^3 .. 10^6. */
int
main(int argc, char **argv)
{
	size_t sizes[16] = { 1000, 10000, 100000, 1000000 };
	size_t nsizes = 4;
	if (argc > 1) {
		nsizes = 0;
		for (int i = 1; i < argc && nsizes < 16; i++) {
			long v = strtol(argv[i], NULL, 10);
			if (v < 1) {
				fprintf(stderr, "usage: bench_evq [pending ...]\n");
				return 2;
			}
			sizes[nsizes++] = (size_t)v;
		}
	}
	gsl_rng *rng = sim_rng_new(42, "bench_evq");
	int64_t *inc = xmalloc(BENCH_INCS * sizeof *inc);
	for (size_t i = 0; i < BENCH_INCS; i++)
		inc[i] = (int64_t)llround(gsl_ran_exponential(rng, BENCH_MEAN_NS));
	gsl_rng_free(rng);

	printf("Hold model: pop the first event, push it back at its time plus "
	    "an exponential increment (mean %.0f ns); best of %d runs.\n\n",
	    BENCH_MEAN_NS, BENCH_REPS);
	printf("| pending | kubesim Mops/s | binary heap Mops/s | ratio |\n");
	printf("|---:|---:|---:|---:|\n");
	fflush(stdout);
	int ok = 1;
	for (size_t s = 0; s < nsizes; s++) {
		size_t n = sizes[s];
		size_t ops = n < 1000000 ? 4000000 : 3000000;
		double best_q = 0, best_h = 0;
		for (int r = 0; r < BENCH_REPS; r++) {
			uint64_t cq, ch;
			double mq = hold_evq(n, ops, inc, &cq);
			double mh = hold_bh(n, ops, inc, &ch);
			if (cq != ch) {
				fprintf(stderr, "bench_evq: queues disagree at n=%zu\n", n);
				ok = 0;
			}
			if (mq > best_q)
				best_q = mq;
			if (mh > best_h)
				best_h = mh;
		}
		printf("| %zu | %.2f | %.2f | %.2f |\n", n, best_q, best_h,
		    best_q / best_h);
		fflush(stdout);
	}
	free(inc);
	return ok ? 0 : 1;
}
