/*
 * cmd_run.c - `kubesim run`: loads a scenario, simulates it and writes the
 * results to SQLite. Progress goes to a terminal; SIGINT/SIGTERM end the run
 * early, commit what it has and mark it interrupted. Bad input exits 2
 * before any results file is created or changed.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/cluster/cluster.h"
#include "models/cluster/invariants.h"
#include "reports/report.h"
#include "scenarios/scenario.h"
#include "sim/build.h"
#include "sim/cmd.h"
#include "sim/opts.h"
#include "sim/util/util.h"

static volatile sig_atomic_t run_interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	run_interrupted = 1;
}

/* The engine's poll: a signal stops the run within a few thousand events,
 * however little virtual time they cover. */
static bool
poll_interrupted(void *ctx)
{
	(void)ctx;
	return run_interrupted != 0;
}

static double
wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress(struct sim *sim, sim_ns duration, double started, bool final)
{
	double el = wall_now() - started;
	double done = (double)sim_now(sim) / (double)duration;
	double evs = el > 0 ? (double)sim_events_executed(sim) / el : 0;
	double eta = done > 0 ? el * (1 - done) / done : 0;
	sim_ns t = sim_now(sim);
	fprintf(stderr, "\r  %3.0f%%  t=%02lld:%02lld:%02lld  %.2fM events/s  elapsed %.1fs  ETA %.1fs  ",
	    done * 100, (long long)(t / SIM_HOUR), (long long)(t / SIM_MIN % 60),
	    (long long)(t / SIM_SEC % 60), evs / 1e6, el, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/*
 * --check: the model's invariants (models/invariants.c) and the result rows'
 * (rpt_check_run), after cl_finish and before the run is committed. The
 * report goes to stderr (unless quiet, when only failures are printed).
 * Returns NULL when every invariant holds, else the run's error message
 * (caller frees).
 */
static char *
run_check(struct cluster *c, struct rpt *r, struct sim *sim, sim_ns duration, bool quiet)
{
	struct ks_buf b;
	ks_buf_init(&b);
	char *cause = NULL;
	int nfail = inv_check_cluster(c, duration, &b);
	int rfail = rpt_check_run(r, sim_ns_to_s(sim_now(sim)), cl_cost_usd(c), &b,
	    &cause);
	/* The test suite's way to see a violation end a run as one would. */
	if (getenv("KS_TEST_BREAK_INVARIANT") != NULL) {
		ks_buf_puts(&b, "FAIL injected: KS_TEST_BREAK_INVARIANT is set\n");
		nfail++;
	}
	char *report = ks_buf_take(&b);
	char *msg = NULL;
	if (rfail < 0) {
		msg = xasprintf("invariant check failed: %s", cause);
		free(cause);
	} else if (nfail + rfail > 0) {
		/* The first failed line names the invariant and its figures. */
		const char *f = strstr(report, "FAIL ");
		const char *e = f != NULL ? strchr(f, '\n') : NULL;
		msg = xasprintf("%d invariant(s) violated; first: %.*s", nfail + rfail,
		    f != NULL ? (int)(e != NULL ? e - f - 5 : (ptrdiff_t)strlen(f + 5)) : 0,
		    f != NULL ? f + 5 : "");
	}
	if (!quiet || msg != NULL) {
		fprintf(stderr, "kubesim: invariants at the end of the run:\n");
		for (char *line = report, *nl; line != NULL && *line != '\0'; line = nl) {
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl++ = '\0';
			if (!quiet || strncmp(line, "FAIL", 4) == 0)
				fprintf(stderr, "  %s\n", line);
		}
	}
	free(report);
	return msg;
}

static int
run_exec(int argc, char **argv)
{
	struct run_opts o;
	if (opts_parse(argc, argv, &o, true) < 0)
		return KS_EXIT_BAD_INPUT;
	struct scenario *s = NULL;
	char *cause = NULL;
	int rc = build_check(&o, &s);
	if (rc != 0) {
		opts_free(&o);
		return rc;
	}
	/* The handler is in place before the runs row exists, so a signal at any
	 * point after it is committed marks it interrupted (never 'running'). */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	struct sigaction old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	struct sim *sim = sim_new();
	sim_set_poll(sim, 4096, poll_interrupted, NULL);
	struct rpt *r = NULL;
	if ((rc = rpt_open(o.out, &r, &cause)) < 0) {
		fprintf(stderr, "kubesim: %s\n", cause);
		free(cause);
		sim_free(sim);
		scn_free(s);
		opts_free(&o);
		/* A foreign file is the input's fault; a locked, read-only or
		 * full one is the environment's. */
		return rc == RPT_ERR_ENV ? KS_EXIT_FAILURE : KS_EXIT_BAD_INPUT;
	}
	int64_t run_id = 0;
	char *params = opts_params_json(&o, s);
	if (rpt_run_begin(r, s->name ? s->name : o.scenario, s->seed, PACKAGE_VERSION, params,
	    &run_id, &cause) < 0) {
		fprintf(stderr, "kubesim: %s\n", cause);
		free(cause);
		free(params);
		rpt_close(r);
		sim_free(sim);
		scn_free(s);
		opts_free(&o);
		return KS_EXIT_FAILURE;
	}
	free(params);
	rpt_run_warmup(r, sim_ns_to_s(s->warmup));
	struct probe_sink sink = rpt_sink(r);
	struct cluster *c = build_cluster(sim, s, &sink, &cause);
	KS_ASSERT(c != NULL);

	bool tty = isatty(STDERR_FILENO) && !o.quiet;
	double started = wall_now(), last = started;
	if (!o.quiet)
		fprintf(stderr, "kubesim: running %s (seed %llu, %.0f s simulated) into %s, run %lld\n",
		    o.scenario, (unsigned long long)s->seed, sim_ns_to_s(s->duration), o.out,
		    (long long)run_id);
	cl_start(c);
	/* Run in slices of virtual time so that signals and progress are seen. */
	sim_ns slice = s->interval > 0 ? s->interval : SIM_MIN;
	while (sim_now(sim) < s->duration && !run_interrupted && rpt_write_error(r) == NULL) {
		sim_ns until = sim_now(sim) + slice;
		if (until > s->duration)
			until = s->duration;
		sim_run(sim, until);
		if (tty && wall_now() - last > 0.25) {
			last = wall_now();
			progress(sim, s->duration, started, false);
		}
	}
	if (tty)
		progress(sim, s->duration, started, true);
	const char *status = "ok";
	rc = KS_EXIT_OK;
	const char *err = NULL;
	/* A write error is stored and returned by rpt_run_finish itself (as
	 * *cause): it is not passed in, so it is neither stored twice nor read
	 * after rpt_run_finish frees it. */
	if (rpt_write_error(r) != NULL) {
		status = "failed";
		rc = KS_EXIT_FAILURE;
	} else if (run_interrupted) {
		status = "interrupted";
		err = "interrupted by a signal";
		rc = 130;
	}
	if (rc != KS_EXIT_FAILURE)
		cl_finish(c);
	char *check_err = NULL;
	if (o.check && rc == KS_EXIT_OK)
		check_err = run_check(c, r, sim, s->duration, o.quiet);
	if (check_err != NULL) {
		status = "failed";
		err = check_err;
		rc = KS_EXIT_FAILURE;
	}
	double wall = wall_now() - started;
	if (rpt_run_finish(r, status, sim_ns_to_s(sim_now(sim)), wall, sim_events_executed(sim),
	    cl_cost_usd(c), err, &cause) < 0) {
		status = "failed";
		err = cause;
		rc = KS_EXIT_FAILURE;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc == KS_EXIT_OK && !o.quiet) {
		printf("run %lld of %s: %.0f s simulated in %.2f s wall, %llu events\n",
		    (long long)run_id, o.scenario, sim_ns_to_s(sim_now(sim)), wall,
		    (unsigned long long)sim_events_executed(sim));
		if (rpt_print_summary(r, run_id, stdout, &cause) < 0)
			fprintf(stderr, "kubesim: %s\n", cause);
	} else if (rc != KS_EXIT_OK) {
		fprintf(stderr, "kubesim: run %lld %s: %s\n", (long long)run_id, status,
		    err ? err : "");
	}
	free(check_err);
	free(cause);
	cl_free(c);
	rpt_close(r);
	sim_free(sim);
	scn_free(s);
	opts_free(&o);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "SCENARIO [--out FILE] [--seed N] [--duration D] [--traffic-mode MODE] [--set PATH=VALUE]... [--check] [--quiet]",
	.summary = "simulate a scenario and write its results to SQLite",
	.help =
	    "options:\n"
	    "  -o, --out FILE        results database (default results.db); runs are appended\n"
	    "  -s, --seed N          random seed (overrides the scenario's seed)\n"
	    "  -d, --duration D      simulated time, e.g. 24h, 90m (overrides the scenario's)\n"
	    "      --traffic-mode M  request (every request simulated), fluid (per-tick\n"
	    "                        queues) or auto (request below 2000 req/s peak in all);\n"
	    "                        overrides the scenario's trafficMode (default fluid)\n"
	    "      --set PATH=VALUE  override a scenario field, e.g. --set nodePools.0.count=8\n"
	    "                        or --set services.orders.concurrency=16 (repeatable)\n"
	    "      --check           check invariants at the end (requests = ok + errors +\n"
	    "                        timeouts + in flight, pods conserved across phases, no\n"
	    "                        node over-committed, time monotonic, summary = sum of\n"
	    "                        intervals); a violation fails the run (exit 1)\n"
	    "  -q, --quiet           no progress, notes or summary\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "Exit status: 0 success, 1 failure not caused by the input (disk full,\n"
	    "database locked or read-only, --out not a regular file; SQLite's reason is\n"
	    "printed), 2 bad input (nothing written),\n"
	    "130 interrupted (the run is kept, marked 'interrupted').\n"
	    "\n"
	    "Environment: KUBESIM_BUSY_TIMEOUT=S waits S seconds (default 30) for\n"
	    "another process's lock on the results file before failing.\n"
	    "KS_HUGEPAGES=0 keeps the run from starting itself again with malloc asking\n"
	    "for transparent huge pages (Linux, glibc 2.35+: faster, rows the same).\n",
	.exec = run_exec,
};
