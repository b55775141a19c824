/*
 * cmd_events.c - `kubesim events DB`: a run's event log as `kubectl get
 * events` lists it (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), filtered by
 * reason or object kind, object and simulated time.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/view.h"
#include "sim/cmd.h"
#include "sim/opts.h"

static int
events_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "kind", required_argument, NULL, 'k' },
		{ "object", required_argument, NULL, 'O' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	struct rpt_event_filter f = { .since = 0, .until = -1 };
	int64_t want = 0;
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:k:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (opts_run_id(optarg, &want) < 0) {
				fprintf(stderr, "kubesim events: --run takes a run id (a positive "
				    "integer), got '%s'\n", optarg);
				return KS_EXIT_BAD_INPUT;
			}
			break;
		case 'k':
			f.kind = optarg;
			break;
		case 'O':
			f.object = optarg;
			break;
		case 'S':
		case 'U':
			if (opts_time(optarg, ch == 'S' ? &f.since : &f.until) < 0) {
				fprintf(stderr, "kubesim events: --%s takes a simulated time "
				    "(e.g. 90m, 1h30m or seconds), got '%s'\n",
				    ch == 'S' ? "since" : "until", optarg);
				return KS_EXIT_BAD_INPUT;
			}
			break;
		default:
			fprintf(stderr, "kubesim events: unknown option '%s' (see kubesim "
			    "events --help)\n", argv[optind - 1]);
			return KS_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kubesim events: expected one results DB (see kubesim "
		    "events --help)\n");
		return KS_EXIT_BAD_INPUT;
	}
	struct rpt *r;
	char *cause = NULL;
	if (rpt_open_readonly(argv[optind], &r, &cause) < 0 ||
	    rpt_pick_run(r, want, &f.run_id, &cause) < 0) {
		fprintf(stderr, "kubesim events: %s\n", cause);
		free(cause);
		if (r != NULL)
			rpt_close(r);
		return KS_EXIT_BAD_INPUT;
	}
	int rc = KS_EXIT_OK;
	if (view_events_print(r, &f, stdout, &cause) < 0) {
		fprintf(stderr, "kubesim events: %s\n", cause);
		free(cause);
		rc = KS_EXIT_FAILURE;
	}
	rpt_close(r);
	return rc;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "DB [--run ID] [--kind K] [--object O] [--since T] [--until T]",
	.summary = "list a run's events like kubectl get events",
	.help =
	    "options:\n"
	    "  -r, --run ID      the run (default: the newest run in DB)\n"
	    "  -k, --kind K      only events with reason K (e.g. NodeNotReady) or about\n"
	    "                    objects of kind K (pod, node, deployment, hpa)\n"
	    "      --object O    only events about O: a name, or kind/name (pod/web-1)\n"
	    "      --since T     only events at or after simulated time T (90m, 1h30m, 5400)\n"
	    "      --until T     only events at or before T\n"
	    "  -h, --help        this help\n"
	    "\n"
	    "LAST SEEN is the simulated time (hours:minutes:seconds since the start).\n"
	    "Exit status: 0 success (also when no event matched), 1 database error,\n"
	    "2 bad arguments, a missing or foreign DB, or no such run.\n",
	.exec = events_exec,
};
