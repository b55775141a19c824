/*
 * cmd_report.c - `kubesim report DB [--run ID]... [--out DIR]`: a
 * self-contained HTML page per run (summary, gnuplot plots with failures and
 * scaling marked) and an index across runs; without gnuplot, the data files
 * and gnuplot scripts and a line saying how to get the plots.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html.h"
#include "sim/cmd.h"
#include "sim/opts.h"
#include "sim/util/util.h"

static int
report_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "png", no_argument, NULL, 'p' },
		{ "slo-p99", required_argument, NULL, 'P' },
		{ "slo-availability", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct html_opts o = { .dir = "report", .slo_p99_ms = 500, .slo_availability = 0.999 };
	int64_t *runs = NULL;
	size_t nruns = 0;
	int ch, rc = KS_EXIT_BAD_INPUT;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:o:", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'r':
			runs = xreallocarray(runs, nruns + 1, sizeof *runs);
			if (opts_run_id(optarg, &runs[nruns]) < 0) {
				fprintf(stderr, "kubesim report: --run takes a run id (a positive "
				    "integer), got '%s'\n", optarg);
				goto out;
			}
			nruns++;
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 'p':
			o.png = true;
			break;
		case 'P':
		case 'A': {
			double v = strtod(optarg, &end);
			if (optarg[0] == '\0' || *end != '\0' || !(v >= 0) ||
			    (ch == 'A' && v > 1)) {
				fprintf(stderr, "kubesim report: %s takes %s, got '%s'\n",
				    ch == 'P' ? "--slo-p99" : "--slo-availability",
				    ch == 'P' ? "milliseconds" : "a fraction in [0, 1]", optarg);
				goto out;
			}
			*(ch == 'P' ? &o.slo_p99_ms : &o.slo_availability) = v;
			break;
		}
		default:
			fprintf(stderr, "kubesim report: unknown option '%s' (see kubesim report "
			    "--help)\n", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kubesim report: expected one results DB (see kubesim report "
		    "--help)\n");
		goto out;
	}
	struct rpt *r;
	char *cause = NULL;
	if (rpt_open_readonly(argv[optind], &r, &cause) < 0) {
		fprintf(stderr, "kubesim report: %s\n", cause);
		free(cause);
		goto out;
	}
	o.runs = runs;
	o.nruns = nruns;
	char *gp = html_find_gnuplot();
	o.gnuplot = gp;
	int n = html_report(r, &o, &cause);
	if (n < 0) {
		fprintf(stderr, "kubesim report: %s\n", cause);
		rc = strstr(cause, "no run") != NULL || strstr(cause, "no runs") != NULL ?
		    KS_EXIT_BAD_INPUT : KS_EXIT_FAILURE;
		free(cause);
	} else {
		printf("report: %d run pages and %s/index.html%s\n", n, o.dir, gp != NULL ? "" :
		    "; no plots: gnuplot is not installed (apt-get install gnuplot-nox, then "
		    "rerun kubesim report or run gnuplot plots.gp in each run-N/ directory)");
		rc = KS_EXIT_OK;
	}
	free(gp);
	rpt_close(r);
out:
	free(runs);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "DB [--run ID]... [--out DIR] [--png]",
	.summary = "write HTML pages with plots of runs",
	.help =
	    "options:\n"
	    "  -r, --run ID              a run to report (repeatable; default: every run)\n"
	    "  -o, --out DIR             output directory (default report), created\n"
	    "      --png                 PNG plots (default SVG)\n"
	    "      --slo-p99 MS          minutes out of SLO: p99 above MS (default 500)\n"
	    "      --slo-availability F  ... or ok / completed below F (default 0.999)\n"
	    "  -h, --help                this help\n"
	    "\n"
	    "Writes DIR/index.html (one line per run) and DIR/run-ID.html per run: the\n"
	    "summary table (requests, errors, availability, p50/p95/p99 after the warm-up,\n"
	    "minutes out of SLO, cost) and five plots over simulated time - offered vs\n"
	    "served per service, latency percentiles, replicas desired/ready, nodes and\n"
	    "pending pods, cumulative cost - with failures (red) and scaling (green)\n"
	    "marked. The plots are inlined, so a page is one file. DIR/run-ID/ keeps the\n"
	    "data files (tab-separated) and plots.gp. gnuplot is found on PATH or in\n"
	    "$KUBESIM_GNUPLOT (empty or 'none': no plots); without it the pages say how to\n"
	    "get them.\n"
	    "Exit status: 0 success, 1 gnuplot or a write failed, 2 bad arguments, a\n"
	    "missing DB or run.\n",
	.exec = report_exec,
};
