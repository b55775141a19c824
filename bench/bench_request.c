/*
 * bench_request.c - request mode's speed (`make bench`): an M/M/16 queue at
 * utilization 0.8 (one pod of 16 slots, exponential service of 10 ms,
 * Poisson arrivals by thinning, every response time into the histogram),
 * requests per wall second on one core (best of 3), the peak RSS at two run
 * lengths (each in its own child process), and the same model in SimPy
 * (bench/simpy_mmc.py, given as the argument) measured in the same run.
 * Prints Markdown tables.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/serving/request.h"
#include "sim/engine/engine.h"
#include "sim/util/hist.h"
#include "sim/util/util.h"

#define C	16
#define RHO	0.8
#define SVC	0.01

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
rate_fn(void *ctx, sim_ns at)
{
	(void)at;
	return *(const double *)ctx;
}

static double
rate_max_fn(void *ctx, sim_ns from, sim_ns to)
{
	(void)from;
	(void)to;
	return *(const double *)ctx;
}

/* Runs `requests` arrivals; returns the wall seconds, sets the mean
 * response time and the count. */
static double
run(long requests, double *mean, unsigned long long *done)
{
	double lambda = RHO * C / SVC;
	struct sim *sim = sim_new();
	struct hist *h = hist_new();
	uint32_t pod = 0, *ids = &pod;
	size_t n = 1;
	struct rq_params p = {
		.name = "bench", .seed = 1, .service_time = sim_dist_exp(SVC),
		.concurrency = C, .lb = RQ_LB_ROUND_ROBIN, .rate = rate_fn,
		.rate_max = rate_max_fn, .rate_ctx = &lambda,
	};
	struct rq_service *r = rq_new(sim, &p, h);
	rq_set_endpoints(r, &ids, &n, NULL);
	double t0 = now_s();
	rq_start(r, 0, sim_s_to_ns((double)requests / lambda));
	sim_run(sim, SIM_NEVER);
	double wall = now_s() - t0;
	struct rq_stats st;
	rq_get_stats(r, &st);
	*mean = hist_mean(h);
	*done = (unsigned long long)st.ok;
	rq_free(r);
	free(h);
	sim_free(sim);
	return wall;
}

/* Peak RSS (MiB) of a child process that runs `requests`. */
static double
child_rss(long requests)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		double m;
		unsigned long long d;
		run(requests, &m, &d);
		_exit(0);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	return (double)ru.ru_maxrss / 1024.0;
}

int
main(int argc, char **argv)
{
	const long n = 20000000;
	double best = 0, mean = 0;
	unsigned long long done = 0;
	for (int i = 0; i < 3; i++) {
		double w = run(n, &mean, &done);
		double rate = (double)done / w;
		if (rate > best)
			best = rate;
	}
	double a = RHO * C, pw = 0;
	{
		/* Erlang C for the check column. */
		double b = 1;
		for (int k = 1; k <= C; k++)
			b = a * b / (k + a * b);
		pw = b / (1 - RHO * (1 - b));
	}
	double theory = SVC + pw * SVC / (C * (1 - RHO));
	printf("Request mode, M/M/%d at utilization %.1f, mean service %.0f ms, best of 3:\n\n",
	    C, RHO, SVC * 1e3);
	printf("| requests | requests/s | mean response ms | M/M/c theory ms |\n");
	printf("|---:|---:|---:|---:|\n");
	printf("| %llu | %.2fM | %.3f | %.3f |\n\n", done, best / 1e6, mean * 1e3, theory * 1e3);

	long lens[2] = { 2000000, 40000000 };
	printf("| run length (requests) | peak RSS MiB |\n|---:|---:|\n");
	for (int i = 0; i < 2; i++)
		printf("| %ld | %.1f |\n", lens[i], child_rss(lens[i]));

	if (argc > 1) {
		char *cmd = xasprintf("python3 '%s' 300000 %d %.2f", argv[1], C, RHO);
		FILE *f = popen(cmd, "r");
		free(cmd);
		char line[256] = "";
		double srate = 0, swall = 0, smean = 0;
		long sreq = 0;
		char impl[64] = "SimPy";
		if (f != NULL) {
			if (fgets(line, sizeof line, f) == NULL)
				line[0] = '\0';
			pclose(f);
		}
		if (sscanf(line, "requests %ld wall %lf rate %lf mean_ms %lf impl %63s", &sreq,
		    &swall, &srate, &smean, impl) >= 4 && srate > 0) {
			printf("\n| same model | requests | requests/s | mean response ms |\n");
			printf("|---|---:|---:|---:|\n");
			printf("| kubesim request mode | %llu | %.0f | %.3f |\n", done, best,
			    mean * 1e3);
			printf("| %s (python3) | %ld | %.0f | %.3f |\n", impl, sreq, srate, smean);
			printf("\nkubesim / SimPy: %.0fx\n", best / srate);
		} else {
			printf("\nSimPy: not measured (%s)\n", line[0] ? line : "no output");
		}
	}
	return 0;
}
