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
		/* Deployments, then the other workload kinds when there are any */
		size_t nk[K8S_KIND_POD + 1] = { 0 };
		for (size_t i = 0; i < s->ndeployments; i++)
			nk[s->deployments[i].kind]++;
		nk[K8S_KIND_POD] = s->npod_workloads;
		char other[256] = "";
		size_t len = 0;
		for (int k = K8S_KIND_STATEFULSET; k <= K8S_KIND_POD; k++)
			if (nk[k] > 0 && len < sizeof other)
				len += (size_t)snprintf(other + len, sizeof other - len, ", %zu %s%s",
				    nk[k], k == K8S_KIND_POD ? "bare Pod" : k8s_kind_name(k),
				    nk[k] > 1 ? "s" : "");
		if (s->pod_trace != NULL && len < sizeof other)
			len += (size_t)snprintf(other + len, sizeof other - len, ", a pod trace "
			    "of %zu pods (%zu requests) on %zu nodes", s->pod_trace->npods,
			    s->pod_trace->ntemplates, s->pod_trace->nnodes);
		if (!o.quiet)
			printf("%s: ok: %zu node pools, %zu deployments%s, %zu services, %zu HPAs, "
			    "%zu traffic profiles, %zu scheduled failures, %.0f s simulated\n",
			    o.scenario, s->npools, nk[K8S_KIND_DEPLOYMENT], other, s->nservices,
			    s->nhpas, s->nprofiles, s->nchaos, sim_ns_to_s(s->duration));
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
