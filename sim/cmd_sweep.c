/*
 * cmd_sweep.c - `kubesim sweep SCENARIO --grid PATH=V1,V2 --seeds 1..N`: the
 * cartesian product of grid values times seeds, each job a child `kubesim
 * run` (fork/exec, up to -j at once) into its own temporary database that
 * the parent merges into --out with the job's grid values and key in params.
 * Jobs already 'ok' in --out are skipped (resume); --shard I/N runs every
 * N-th job, so a Slurm job array can split a sweep and `kubesim merge` join it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reports/report.h"
#include "sim/build.h"
#include "sim/cmd.h"
#include "sim/opts.h"
#include "sim/util/util.h"

struct sweep_grid {
	char	*path;
	char	**vals;
	size_t	 nvals;
};

struct sweep {
	const char		*scenario, *out, *duration;
	struct sweep_grid	*grids;
	size_t			 ngrids;
	uint64_t		*seeds;
	size_t			 nseeds;
	char			**sets;		/* fixed --set PATH=VALUE */
	size_t			 nsets;
	long			 jobs, shard_i, shard_n;
	bool			 quiet;
};

/* Set by SIGINT/SIGTERM: start no more runs, let the running ones stop
 * (they get the signal too and mark themselves interrupted), clean up. */
static volatile sig_atomic_t sweep_interrupted;

static void
sweep_on_signal(int sig)
{
	(void)sig;
	sweep_interrupted = 1;
}

struct sweep_slot {
	pid_t	 pid;
	size_t	 job;
	char	*db;
};

static void
sweep_free(struct sweep *w)
{
	for (size_t g = 0; g < w->ngrids; g++) {
		free(w->grids[g].path);
		for (size_t v = 0; v < w->grids[g].nvals; v++)
			free(w->grids[g].vals[v]);
		free(w->grids[g].vals);
	}
	free(w->grids);
	free(w->seeds);
	free(w->sets);
}

static int
sweep_add_grid(struct sweep *w, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0') {
		fprintf(stderr, "kubesim sweep: --grid takes PATH=V1,V2,..., got '%s'\n", arg);
		return -1;
	}
	w->grids = xreallocarray(w->grids, w->ngrids + 1, sizeof *w->grids);
	struct sweep_grid *g = &w->grids[w->ngrids++];
	memset(g, 0, sizeof *g);
	g->path = xstrndup(arg, (size_t)(eq - arg));
	for (size_t i = 0; i + 1 < w->ngrids; i++) {
		if (strcmp(w->grids[i].path, g->path) == 0) {
			fprintf(stderr, "kubesim sweep: --grid %s given twice\n", g->path);
			return -1;
		}
	}
	const char *p = eq + 1;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c != NULL ? (size_t)(c - p) : strlen(p);
		if (n == 0) {
			fprintf(stderr, "kubesim sweep: --grid %s: empty value in '%s'\n",
			    g->path, eq + 1);
			return -1;
		}
		g->vals = xreallocarray(g->vals, g->nvals + 1, sizeof *g->vals);
		g->vals[g->nvals++] = xstrndup(p, n);
		if (c == NULL)
			break;
		p = c + 1;
	}
	return 0;
}

/* "1..10", "3", "1,4,9" or a mix ("1..3,7"). */
static int
sweep_parse_seeds(struct sweep *w, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		unsigned long long a = strtoull(t, &end, 10), b = a;
		if (end != t && strncmp(end, "..", 2) == 0) {
			const char *s = end + 2;
			b = strtoull(s, &end, 10);
			if (end == s)
				rc = -1;
		}
		if (rc < 0 || end == t || *end != '\0' || errno != 0 || t[0] == '-' || b < a ||
		    b - a >= 1000000) {
			rc = -1;
			break;
		}
		for (unsigned long long s = a; s <= b; s++) {
			w->seeds = xreallocarray(w->seeds, w->nseeds + 1, sizeof *w->seeds);
			w->seeds[w->nseeds++] = s;
		}
	}
	free(copy);
	if (rc < 0 || w->nseeds == 0) {
		fprintf(stderr, "kubesim sweep: --seeds takes A..B, N or a comma list of "
		    "them (non-negative, A <= B), got '%s'\n", arg);
		return -1;
	}
	return 0;
}

static size_t
sweep_njobs(const struct sweep *w)
{
	size_t n = w->nseeds;
	for (size_t g = 0; g < w->ngrids; g++)
		n *= w->grids[g].nvals;
	return n;
}

/* Job k: its seed and the value index of each grid (the last grid varies
 * fastest, seeds fastest of all). */
static uint64_t
sweep_job(const struct sweep *w, size_t k, size_t *vi)
{
	uint64_t seed = w->seeds[k % w->nseeds];
	k /= w->nseeds;
	for (size_t g = w->ngrids; g-- > 0;) {
		vi[g] = k % w->grids[g].nvals;
		k /= w->grids[g].nvals;
	}
	return seed;
}

/* The job's key (params.sweep) and its params patch (grid values and key). */
static char *
sweep_key(const struct sweep *w, uint64_t seed, const size_t *vi)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "%s;seed=%" PRIu64, w->scenario, seed);
	if (w->duration != NULL)
		ks_buf_printf(&b, ";duration=%s", w->duration);
	for (size_t i = 0; i < w->nsets; i++)
		ks_buf_printf(&b, ";set:%s", w->sets[i]);
	for (size_t g = 0; g < w->ngrids; g++)
		ks_buf_printf(&b, ";%s=%s", w->grids[g].path, w->grids[g].vals[vi[g]]);
	return ks_buf_take(&b);
}

static char *
sweep_patch(const struct sweep *w, const char *key, const size_t *vi)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_puts(&b, "{\"grid\":{");
	for (size_t g = 0; g < w->ngrids; g++) {
		if (g > 0)
			ks_buf_puts(&b, ",");
		ks_buf_json_str(&b, w->grids[g].path);
		ks_buf_puts(&b, ":");
		ks_buf_json_str(&b, w->grids[g].vals[vi[g]]);
	}
	ks_buf_puts(&b, "},\"sweep\":");
	ks_buf_json_str(&b, key);
	ks_buf_puts(&b, "}");
	return ks_buf_take(&b);
}

/* Every grid point must load and build before anything runs. */
static int
sweep_validate(const struct sweep *w)
{
	size_t ncombo = sweep_njobs(w) / w->nseeds;
	size_t *vi = xcalloc(w->ngrids + 1, sizeof *vi);
	int rc = 0;
	for (size_t c = 0; c < ncombo && rc == 0; c++) {
		sweep_job(w, c * w->nseeds, vi);
		struct run_opts o;
		memset(&o, 0, sizeof o);
		o.scenario = w->scenario;
		o.quiet = true;
		size_t n = w->nsets + w->ngrids + 1;
		o.overrides = xcalloc(n, sizeof *o.overrides);
		char **own = xcalloc(n, sizeof *own);
		for (size_t i = 0; i < w->nsets; i++) {
			own[o.noverrides] = xstrdup(w->sets[i]);
			*strchr(own[o.noverrides], '=') = '\0';
			o.overrides[o.noverrides].path = own[o.noverrides];
			o.overrides[o.noverrides].value = own[o.noverrides] +
			    strlen(own[o.noverrides]) + 1;
			o.noverrides++;
		}
		if (w->duration != NULL) {
			o.overrides[o.noverrides].path = "duration";
			o.overrides[o.noverrides++].value = w->duration;
		}
		for (size_t g = 0; g < w->ngrids; g++) {
			o.overrides[o.noverrides].path = w->grids[g].path;
			o.overrides[o.noverrides++].value = w->grids[g].vals[vi[g]];
		}
		struct scenario *s = NULL;
		if (build_check(&o, &s) != 0) {
			fprintf(stderr, "kubesim sweep: at the grid point");
			for (size_t g = 0; g < w->ngrids; g++)
				fprintf(stderr, " %s=%s", w->grids[g].path, w->grids[g].vals[vi[g]]);
			fprintf(stderr, "; nothing run\n");
			rc = -1;
		} else {
			scn_free(s);
		}
		for (size_t i = 0; i < n; i++)
			free(own[i]);
		free(own);
		free(o.overrides);
	}
	free(vi);
	return rc;
}

static double
sweep_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t
sweep_spawn(const struct sweep *w, size_t job, const char *db)
{
	size_t *vi = xcalloc(w->ngrids + 1, sizeof *vi);
	uint64_t seed = sweep_job(w, job, vi);
	char seedbuf[32];
	snprintf(seedbuf, sizeof seedbuf, "%" PRIu64, seed);
	size_t max = 12 + 2 * (w->nsets + w->ngrids);
	char **argv = xcalloc(max, sizeof *argv);
	char **own = xcalloc(w->ngrids + 1, sizeof *own);
	size_t n = 0;
	argv[n++] = "kubesim";
	argv[n++] = "run";
	argv[n++] = (char *)w->scenario;
	argv[n++] = "--out";
	argv[n++] = (char *)db;
	argv[n++] = "--quiet";
	argv[n++] = "--seed";
	argv[n++] = seedbuf;
	if (w->duration != NULL) {
		argv[n++] = "--duration";
		argv[n++] = (char *)w->duration;
	}
	for (size_t i = 0; i < w->nsets; i++) {
		argv[n++] = "--set";
		argv[n++] = w->sets[i];
	}
	for (size_t g = 0; g < w->ngrids; g++) {
		own[g] = xasprintf("%s=%s", w->grids[g].path, w->grids[g].vals[vi[g]]);
		argv[n++] = "--set";
		argv[n++] = own[g];
	}
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		fprintf(stderr, "kubesim sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	for (size_t g = 0; g < w->ngrids; g++)
		free(own[g]);
	free(own);
	free(argv);
	free(vi);
	return pid;
}

static void
sweep_rm_db(const char *db)
{
	char b[4200];
	unlink(db);
	snprintf(b, sizeof b, "%s-wal", db);
	unlink(b);
	snprintf(b, sizeof b, "%s-shm", db);
	unlink(b);
}

static int
sweep_run(struct sweep *w)
{
	struct rpt *r;
	char *cause = NULL;
	size_t total = sweep_njobs(w);
	size_t *todo = xcalloc(total + 1, sizeof *todo), ntodo = 0, skipped = 0, mine = 0;
	size_t *vi = xcalloc(w->ngrids + 1, sizeof *vi);

	if (rpt_open(w->out, &r, &cause) < 0) {
		fprintf(stderr, "kubesim sweep: %s\n", cause);
		free(cause);
		free(todo);
		free(vi);
		return KS_EXIT_BAD_INPUT;
	}
	for (size_t k = 0; k < total; k++) {
		if ((long)(k % (size_t)w->shard_n) != w->shard_i - 1)
			continue;
		mine++;
		uint64_t seed = sweep_job(w, k, vi);
		char *key = sweep_key(w, seed, vi);
		bool done = false;
		int rc = rpt_run_done(r, key, &done, &cause);
		free(key);
		if (rc < 0) {
			fprintf(stderr, "kubesim sweep: %s\n", cause);
			free(cause);
			rpt_close(r);
			free(todo);
			free(vi);
			return KS_EXIT_FAILURE;
		}
		if (done)
			skipped++;
		else
			todo[ntodo++] = k;
	}
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/kubesim-sweep.XXXXXX", base != NULL && base[0] ? base : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "kubesim sweep: cannot create a directory %s: %s\n", tmpl,
		    strerror(errno));
		free(tmpl);
		rpt_close(r);
		free(todo);
		free(vi);
		return KS_EXIT_FAILURE;
	}
	if (!w->quiet)
		fprintf(stderr, "kubesim sweep: %zu jobs (%zu in shard %ld/%ld), %zu already "
		    "done, %zu to run with %ld at a time into %s\n", total, mine, w->shard_i,
		    w->shard_n, skipped, ntodo, w->jobs, w->out);
	struct sweep_slot *slots = xcalloc((size_t)w->jobs, sizeof *slots);
	size_t next = 0, running = 0, done = 0, failed = 0;
	double t0 = sweep_now();
	bool tty = isatty(STDERR_FILENO) && !w->quiet;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sweep_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (next < ntodo || running > 0) {
		while (running < (size_t)w->jobs && next < ntodo && !sweep_interrupted) {
			size_t s = 0;
			while (slots[s].pid != 0)
				s++;
			slots[s].job = todo[next++];
			slots[s].db = xasprintf("%s/job-%zu.db", tmpl, slots[s].job);
			slots[s].pid = sweep_spawn(w, slots[s].job, slots[s].db);
			if (slots[s].pid < 0) {
				fprintf(stderr, "kubesim sweep: fork: %s\n", strerror(errno));
				free(slots[s].db);
				slots[s].pid = 0;
				failed++;
				continue;
			}
			running++;
		}
		if (running == 0)
			break;
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t s = 0;
		while (s < (size_t)w->jobs && slots[s].pid != pid)
			s++;
		if (s == (size_t)w->jobs)
			continue;
		running--;
		size_t job = slots[s].job;
		if (sweep_interrupted && pid > 0 && !(WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)) {
			/* Stopped by the same signal: not a failure of the job. */
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			uint64_t seed = sweep_job(w, job, vi);
			char *key = sweep_key(w, seed, vi);
			char *patch = sweep_patch(w, key, vi);
			int64_t n = 0;
			if (rpt_merge_file(r, slots[s].db, patch, &n, &cause) < 0) {
				fprintf(stderr, "%skubesim sweep: job %zu: %s\n", tty ? "\n" : "",
				    job, cause);
				free(cause);
				failed++;
			} else {
				done++;
			}
			free(key);
			free(patch);
		} else {
			fprintf(stderr, "%skubesim sweep: job %zu (seed %" PRIu64 ") failed: %s %d\n",
			    tty ? "\n" : "", job, sweep_job(w, job, vi),
			    WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			failed++;
		}
		sweep_rm_db(slots[s].db);
		free(slots[s].db);
		slots[s].pid = 0;
		if (tty) {
			double el = sweep_now() - t0;
			size_t fin = done + failed;
			double eta = fin > 0 ? el / (double)fin * (double)(ntodo - fin) : 0;
			fprintf(stderr, "\r  %zu/%zu runs  %3.0f%%  elapsed %.1fs  ETA %.1fs  ",
			    fin, ntodo, 100.0 * (double)fin / (double)(ntodo ? ntodo : 1), el, eta);
		}
	}
	if (tty)
		fputc('\n', stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	rmdir(tmpl);
	free(tmpl);
	free(slots);
	free(todo);
	free(vi);
	rpt_close(r);
	double el = sweep_now() - t0;
	if (!w->quiet)
		printf("sweep: %zu runs done, %zu skipped (already in %s), %zu failed, in %.1f s "
		    "(%.1f runs/min)\n", done, skipped, w->out, failed, el,
		    el > 0 ? 60.0 * (double)done / el : 0);
	if (sweep_interrupted) {
		fprintf(stderr, "kubesim sweep: interrupted; %zu runs kept in %s, run the same "
		    "command to resume\n", done, w->out);
		return 130;
	}
	return failed > 0 ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static int
sweep_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "grid", required_argument, NULL, 'g' },
		{ "seeds", required_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "shard", required_argument, NULL, 'H' },
		{ "set", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct sweep w = { .jobs = 1, .shard_i = 1, .shard_n = 1, .out = "results.db" };
	int ch, rc = KS_EXIT_BAD_INPUT;
	bool have_seeds = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "j:o:d:q", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'g':
			if (sweep_add_grid(&w, optarg) < 0)
				goto out;
			break;
		case 'S':
			if (have_seeds) {
				fprintf(stderr, "kubesim sweep: --seeds given twice\n");
				goto out;
			}
			have_seeds = true;
			if (sweep_parse_seeds(&w, optarg) < 0)
				goto out;
			break;
		case 'j':
			w.jobs = strtol(optarg, &end, 10);
			if (optarg[0] == '\0' || *end != '\0' || w.jobs < 1 || w.jobs > 1024) {
				fprintf(stderr, "kubesim sweep: -j takes a number of parallel runs "
				    "(1-1024), got '%s'\n", optarg);
				goto out;
			}
			break;
		case 'o':
			w.out = optarg;
			break;
		case 'H':
			w.shard_i = strtol(optarg, &end, 10);
			if (end == optarg || *end != '/' ||
			    (w.shard_n = strtol(end + 1, &end, 10)) < 1 || *end != '\0' ||
			    w.shard_i < 1 || w.shard_i > w.shard_n) {
				fprintf(stderr, "kubesim sweep: --shard takes I/N with 1 <= I <= N, "
				    "got '%s'\n", optarg);
				goto out;
			}
			break;
		case 's':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "kubesim sweep: --set takes PATH=VALUE, got '%s'\n",
				    optarg);
				goto out;
			}
			w.sets = xreallocarray(w.sets, w.nsets + 1, sizeof *w.sets);
			w.sets[w.nsets++] = optarg;
			break;
		case 'd':
			w.duration = optarg;
			break;
		case 'q':
			w.quiet = true;
			break;
		default:
			fprintf(stderr, "kubesim sweep: unknown option '%s' (see kubesim sweep "
			    "--help)\n", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kubesim sweep: expected one SCENARIO file (see kubesim sweep "
		    "--help)\n");
		goto out;
	}
	if (!have_seeds) {
		fprintf(stderr, "kubesim sweep: --seeds is required (e.g. --seeds 1..10)\n");
		goto out;
	}
	w.scenario = argv[optind];
	if (sweep_validate(&w) < 0)
		goto out;
	rc = sweep_run(&w);
out:
	sweep_free(&w);
	return rc;
}

const struct cmd_entry cmd_sweep_entry = {
	.name = "sweep",
	.usage = "SCENARIO --grid PATH=V1,V2,... [--grid ...] --seeds A..B [-j K] [--out DB] [--shard I/N]",
	.summary = "run a scenario over a grid of parameters times seeds",
	.help =
	    "options:\n"
	    "      --grid PATH=V1,V2   a --set path and its values (repeatable: the\n"
	    "                          cartesian product of all grids is run)\n"
	    "      --seeds A..B        the seeds of every grid point: A..B, N, or a comma\n"
	    "                          list of them (required)\n"
	    "  -j, --jobs K            runs at once, each a child process (default 1)\n"
	    "  -o, --out DB            results database (default results.db)\n"
	    "      --shard I/N         run only job k with k mod N = I - 1 (1 <= I <= N),\n"
	    "                          e.g. one Slurm array task; merge the shards with\n"
	    "                          kubesim merge\n"
	    "      --set PATH=VALUE    a fixed override for every run (repeatable)\n"
	    "  -d, --duration D        simulated time of every run\n"
	    "  -q, --quiet             no progress or closing line\n"
	    "  -h, --help              this help\n"
	    "\n"
	    "Jobs are numbered grid point by grid point (the last --grid varies fastest),\n"
	    "seeds innermost. Each run's params (runs table) hold its --set overrides, its\n"
	    "grid values under \"grid\" and its job key under \"sweep\". A job whose key is\n"
	    "already an 'ok' run in DB is skipped, so an interrupted sweep resumes where it\n"
	    "stopped (the key is the SCENARIO path as given, the seed, --duration, --set\n"
	    "and grid values). Every grid point is loaded and checked before anything runs.\n"
	    "SIGINT/SIGTERM stop the sweep: finished runs are kept, running ones dropped.\n"
	    "Exit status: 0 all runs ok, 1 a run failed (the others are kept), 2 bad\n"
	    "arguments or a grid point that does not load (nothing run), 130 interrupted.\n",
	.exec = sweep_exec,
};
