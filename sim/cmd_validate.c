/*
 * cmd_validate.c - `kubesim validate`: every check `run` makes (scenario,
 * manifests, traces, references), without simulating or writing anything.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "scenarios/scenario.h"
#include "sim/build.h"
#include "sim/cmd.h"
#include "sim/opts.h"

static int
validate_exec(int argc, char **argv)
{
	struct run_opts o;
	if (opts_parse(argc, argv, &o, false) < 0)
		return KS_EXIT_BAD_INPUT;
	struct scenario *s = NULL;
	int rc = build_check(&o, &s);
	if (rc == 0) {
		if (!o.quiet)
			printf("%s: ok: %zu node pools, %zu deployments, %zu services, %zu HPAs, "
			    "%zu traffic profiles, %zu scheduled failures, %.0f s simulated\n",
			    o.scenario, s->npools, s->ndeployments, s->nservices, s->nhpas,
			    s->nprofiles, s->nchaos, sim_ns_to_s(s->duration));
		scn_free(s);
	}
	opts_free(&o);
	return rc;
}

const struct cmd_entry cmd_validate_entry = {
	.name = "validate",
	.usage = "SCENARIO [--seed N] [--duration D] [--set PATH=VALUE]... [--quiet]",
	.summary = "check a scenario as run would, without running it",
	.help =
	    "options:\n"
	    "  -s, --seed N          random seed\n"
	    "  -d, --duration D      simulated time\n"
	    "      --set PATH=VALUE  override a scenario field (repeatable)\n"
	    "  -q, --quiet           print nothing on success\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "Exit status: 0 valid, 2 bad input (the message names file:line:column).\n",
	.exec = validate_exec,
};
