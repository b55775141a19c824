/*
 * cmd_describe.c - `kubesim describe DB pod|node|deployment|hpa NAME`: an
 * object's state at a simulated time and the events that explain it, as
 * `kubectl describe` shows them, replayed from the run's rows.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reports/view.h"
#include "sim/cmd.h"
#include "sim/opts.h"

static int
describe_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const kinds[] = { "pod", "pods", "po", "node", "nodes", "no",
		"deployment", "deployments", "deploy", "hpa", "horizontalpodautoscaler",
		"horizontalpodautoscalers", NULL };
	int64_t want = 0, run_id = 0;
	double at = -1;
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:a:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (opts_run_id(optarg, &want) < 0) {
				fprintf(stderr, "kubesim describe: --run takes a run id (a positive "
				    "integer), got '%s'\n", optarg);
				return KS_EXIT_BAD_INPUT;
			}
			break;
		case 'a':
			if (opts_time(optarg, &at) < 0) {
				fprintf(stderr, "kubesim describe: --at takes a simulated time "
				    "(e.g. 90m, 1h30m or seconds), got '%s'\n", optarg);
				return KS_EXIT_BAD_INPUT;
			}
			break;
		default:
			fprintf(stderr, "kubesim describe: unknown option '%s' (see kubesim "
			    "describe --help)\n", argv[optind - 1]);
			return KS_EXIT_BAD_INPUT;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "kubesim describe: expected DB, a kind (pod, node, "
		    "deployment, hpa) and a NAME (see kubesim describe --help)\n");
		return KS_EXIT_BAD_INPUT;
	}
	const char *kind = argv[optind + 1], *name = argv[optind + 2];
	bool ok = false;
	for (size_t i = 0; kinds[i] != NULL; i++)
		ok |= strcasecmp(kinds[i], kind) == 0;
	if (!ok) {
		fprintf(stderr, "kubesim describe: unknown kind '%s' (expected pod, node, "
		    "deployment or hpa)\n", kind);
		return KS_EXIT_BAD_INPUT;
	}
	struct rpt *r;
	char *cause = NULL;
	if (rpt_open_readonly(argv[optind], &r, &cause) < 0 ||
	    rpt_pick_run(r, want, &run_id, &cause) < 0 ||
	    view_describe(r, run_id, kind, name, at, stdout, &cause) < 0) {
		fprintf(stderr, "kubesim describe: %s\n", cause);
		free(cause);
		if (r != NULL)
			rpt_close(r);
		return KS_EXIT_BAD_INPUT;
	}
	rpt_close(r);
	return KS_EXIT_OK;
}

const struct cmd_entry cmd_describe_entry = {
	.name = "describe",
	.usage = "DB [--run ID] [--at T] pod|node|deployment|hpa NAME",
	.summary = "show an object's state at a time and its events, like kubectl describe",
	.help =
	    "options:\n"
	    "  -r, --run ID   the run (default: the newest run in DB)\n"
	    "  -a, --at T     simulated time (90m, 1h30m or seconds; default: end of run)\n"
	    "  -h, --help     this help\n"
	    "\n"
	    "pod: node, phase, readiness, owner, last scheduling attempt; node: condition\n"
	    "and the pods bound to it; deployment: replicas desired/ready and its pods;\n"
	    "hpa: its last evaluation (metrics, proposals, limits, reason). Then the\n"
	    "object's events up to T (the last 30).\n"
	    "Exit status: 0 success, 2 bad arguments, a missing DB, run or object.\n",
	.exec = describe_exec,
};
