/*
 * cmd_compare.c - `kubesim compare DB --baseline SEL --candidate SEL`: each
 * SLI's mean difference over seeds with a confidence interval (paired by
 * seed when the seeds match, Welch otherwise) and a verdict, with an exit
 * status a CI job can gate on (3 when an SLI is significantly worse).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/compare.h"
#include "sim/cmd.h"
#include "sim/util/util.h"

enum { CMP_EXIT_WORSE = 3 };

static int
cmp_number(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "kubesim compare: %s takes a number in [%g, %g], got '%s'\n",
		    opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
compare_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "candidate", required_argument, NULL, 'c' },
		{ "metric", required_argument, NULL, 'm' },
		{ "service", required_argument, NULL, 'S' },
		{ "slo-p99", required_argument, NULL, 'P' },
		{ "slo-availability", required_argument, NULL, 'A' },
		{ "confidence", required_argument, NULL, 'C' },
		{ "unpaired", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmp_opts o = { .slo_p99_ms = 500, .slo_availability = 0.999, .level = 0.95 };
	char *cause = NULL;
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "b:c:m:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			o.baseline = optarg;
			break;
		case 'c':
			o.candidate = optarg;
			break;
		case 'm': {
			char *copy = xstrdup(optarg), *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t != NULL;
			    t = strtok_r(NULL, ",", &save)) {
				int m = cmp_metric_parse(t);
				if (m < 0) {
					fprintf(stderr, "kubesim compare: unknown metric '%s' (expected "
					    "availability, p50, p95, p99, errors, replicas, slo_minutes "
					    "or cost)\n", t);
					free(copy);
					return KS_EXIT_BAD_INPUT;
				}
				o.metrics[m] = true;
			}
			free(copy);
			break;
		}
		case 'S':
			o.service = optarg;
			break;
		case 'P':
			if (cmp_number("--slo-p99", optarg, 0, 1e9, &o.slo_p99_ms) < 0)
				return KS_EXIT_BAD_INPUT;
			break;
		case 'A':
			if (cmp_number("--slo-availability", optarg, 0, 1, &o.slo_availability) < 0)
				return KS_EXIT_BAD_INPUT;
			break;
		case 'C':
			if (cmp_number("--confidence", optarg, 0.5, 0.9999, &o.level) < 0)
				return KS_EXIT_BAD_INPUT;
			break;
		case 'u':
			o.unpaired = true;
			break;
		default:
			fprintf(stderr, "kubesim compare: unknown option '%s' (see kubesim "
			    "compare --help)\n", argv[optind - 1]);
			return KS_EXIT_BAD_INPUT;
		}
	}
	if (optind != argc - 1 || o.baseline == NULL || o.candidate == NULL) {
		fprintf(stderr, "kubesim compare: expected one results DB, --baseline SEL and "
		    "--candidate SEL (see kubesim compare --help)\n");
		return KS_EXIT_BAD_INPUT;
	}
	if (cmp_select_check(o.baseline, &cause) < 0 ||
	    cmp_select_check(o.candidate, &cause) < 0) {
		fprintf(stderr, "kubesim compare: %s\n", cause);
		free(cause);
		return KS_EXIT_BAD_INPUT;
	}
	struct rpt *r;
	if (rpt_open_readonly(argv[optind], &r, &cause) < 0) {
		fprintf(stderr, "kubesim compare: %s\n", cause);
		free(cause);
		return KS_EXIT_BAD_INPUT;
	}
	struct cmp_result res;
	int rc = KS_EXIT_OK;
	if (cmp_compare(r, &o, stdout, &res, &cause) < 0) {
		fprintf(stderr, "kubesim compare: %s\n", cause);
		free(cause);
		rc = KS_EXIT_BAD_INPUT;
	} else if (res.worse > 0) {
		rc = CMP_EXIT_WORSE;
	}
	rpt_close(r);
	return rc;
}

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.usage = "DB --baseline SEL --candidate SEL [--metric M]... [--service S] [--unpaired]",
	.summary = "compare two sets of runs per SLI with confidence intervals",
	.help =
	    "A selection SEL is comma-separated conditions on the finished runs of DB:\n"
	    "  runs=A-B | run=N        run ids\n"
	    "  seeds=A-B | seed=N      seeds\n"
	    "  scenario=NAME           the scenario's name\n"
	    "  PATH=VALUE              a --set override or sweep grid value, as given\n"
	    "                          (e.g. services.0.concurrency=16)\n"
	    "\n"
	    "options:\n"
	    "  -b, --baseline SEL          the runs to compare against\n"
	    "  -c, --candidate SEL         the runs under test\n"
	    "  -m, --metric M              only these SLIs (repeatable or comma-separated):\n"
	    "                              availability, p50, p95, p99, errors, replicas,\n"
	    "                              slo_minutes, cost (default: all)\n"
	    "      --service S             only service S (default: every service)\n"
	    "      --slo-p99 MS            an interval is out of SLO when its p99 exceeds\n"
	    "                              MS milliseconds (default 500)\n"
	    "      --slo-availability F    ... or its ok / completed is below F (default 0.999)\n"
	    "      --confidence L          confidence level (default 0.95)\n"
	    "      --unpaired              Welch's test even when the seeds match\n"
	    "  -h, --help                  this help\n"
	    "\n"
	    "Every SLI is measured after the scenario's warm-up. When both selections hold\n"
	    "the same seeds (each once), the test is a paired t over the per-seed\n"
	    "differences: kubesim's common random numbers make them tight. Otherwise it is\n"
	    "Welch's unequal-variance t. A verdict is 'better' or 'worse' when the interval\n"
	    "excludes 0 (availability higher is better; latency, errors, replicas, SLO\n"
	    "minutes and cost lower), else 'no significant difference'.\n"
	    "\n"
	    "Exit status: 0 no SLI significantly worse, 3 at least one SLI significantly\n"
	    "worse (gate a CI job on it), 2 bad arguments or selections, missing DB,\n"
	    "a selection without finished runs.\n",
	.exec = compare_exec,
};
