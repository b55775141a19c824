/*
 * cmd_schedule.c - `kubesim schedule`: one kube-scheduler cycle for one pod
 * against a cluster read from Kubernetes YAML (a `kubectl get -o yaml` dump),
 * with an optional KubeSchedulerConfiguration. Prints which nodes passed the
 * filters, why the others did not (upstream's words), every score and the
 * choice, as JSON or (--explain) as a table; for a pod that fits nowhere,
 * what DefaultPreemption would do (nominated node and victims).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scheduler/sched.h"
#include "scenarios/cluster_state.h"
#include "scenarios/sched_config.h"
#include "sim/cmd.h"
#include "sim/engine/engine.h"
#include "sim/util/util.h"

struct sc_opts {
	const char	**cluster;
	size_t		  ncluster;
	const char	 *pod;
	const char	 *config;
	uint64_t	  seed;
	bool		  explain;
};

/* Everything one run holds; freed by sc_state_fini. */
struct sc_state {
	struct scn_sched_config		 cfg;
	const struct scn_sched_profile	*profile;
	struct scn_cluster		*cluster;
	struct k8s_pod_spec		 pod;
	struct k8s_selector		 owner;
	struct sched			*sched;
	struct sched_result		 r;
	int				*feas_pos;	/* node index -> position in r.feasible, or -1 */
	char				*message;	/* FitError, or NULL */
	int				*handle_pod;	/* scheduler pod handle -> cluster pod */
	struct sched_preemption		 pr;
	bool				 preempted;	/* pr holds a PostFilter outcome */
};

static int
parse_opts(int argc, char **argv, struct sc_opts *o)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "pod", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 's' },
		{ "explain", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->seed = 1;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:p:C:s:e", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->cluster = xreallocarray(o->cluster, o->ncluster + 1, sizeof *o->cluster);
			o->cluster[o->ncluster++] = optarg;
			break;
		case 'p':
			o->pod = optarg;
			break;
		case 'C':
			o->config = optarg;
			break;
		case 's': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (optarg[0] == '\0' || optarg[0] == '-' || *end != '\0' || errno != 0) {
				fprintf(stderr, "kubesim schedule: --seed takes a non-negative "
				    "integer, got '%s'\n", optarg);
				return -1;
			}
			o->seed = v;
			break;
		}
		case 'e':
			o->explain = true;
			break;
		case '?':
			if (optopt != 0)
				fprintf(stderr, "kubesim schedule: option '%s' needs a value\n",
				    argv[optind - 1]);
			else
				fprintf(stderr, "kubesim schedule: unknown option '%s' (see kubesim "
				    "schedule --help)\n", argv[optind - 1]);
			return -1;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kubesim schedule: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->ncluster == 0 || o->pod == NULL) {
		fprintf(stderr, "kubesim schedule: --cluster FILE and --pod FILE are required "
		    "(see kubesim schedule --help)\n");
		return -1;
	}
	return 0;
}

static void
print_notes(char **notes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "kubesim: note: %s\n", notes[i]);
}

/* Loads the inputs and builds the scheduler's view of the cluster. */
static int
sc_load(const struct sc_opts *o, struct sc_state *st, char **cause)
{
	if (o->config != NULL) {
		if (scn_sched_config_load(o->config, &st->cfg, cause) < 0)
			return -1;
	} else {
		scn_sched_config_default(&st->cfg);
	}
	print_notes(st->cfg.notes, st->cfg.nnotes);
	st->cluster = scn_cluster_new();
	for (size_t i = 0; i < o->ncluster; i++)
		if (scn_cluster_add_file(st->cluster, o->cluster[i], cause) < 0)
			return -1;
	print_notes(st->cluster->notes, st->cluster->nnotes);
	if (scn_pod_file_load(o->pod, &st->pod, &st->owner, cause) < 0)
		return -1;
	st->profile = scn_sched_config_profile(&st->cfg, st->pod.scheduler_name);
	if (st->profile == NULL) {
		struct ks_buf b;
		ks_buf_init(&b);
		for (size_t i = 0; i < st->cfg.nprofiles; i++)
			ks_buf_printf(&b, "%s'%s'", i ? ", " : "", st->cfg.profiles[i].scheduler_name);
		char *names = ks_buf_take(&b);
		*cause = xasprintf("%s: pod '%s' has schedulerName '%s', but the "
		    "configuration has no such profile (profiles: %s)", o->pod, st->pod.name,
		    st->pod.scheduler_name, names);
		free(names);
		return -1;
	}
	st->sched = sched_new(&st->profile->cfg, cause);
	if (st->sched == NULL)
		return -1;
	struct scn_cluster *c = st->cluster;
	struct ks_strmap byname;
	ks_strmap_init(&byname);
	for (size_t i = 0; i < c->nnodes; i++)
		ks_strmap_put(&byname, c->nodes[i].name, sched_add_node(st->sched, &c->nodes[i]));
	for (size_t i = 0; i < c->nservices; i++)
		if (c->services[i].selector.n > 0)
			sched_add_service(st->sched, c->services[i].namespace,
			    &c->services[i].selector);
	size_t unknown = 0;
	for (size_t i = 0; i < c->npods; i++) {
		const struct scn_cluster_pod *p = &c->pods[i];
		int64_t node;
		if (p->spec.node_name == NULL || p->finished)
			continue;	/* pending pods and finished ones use nothing */
		if (!ks_strmap_get(&byname, p->spec.node_name, &node)) {
			unknown++;
			continue;
		}
		int h = sched_node_add_pod(st->sched, (int)node, &p->spec);
		if (p->terminating)
			sched_pod_set_terminating(st->sched, h, true);
		if (p->has_start)
			sched_pod_set_start(st->sched, h, p->start_ns);
		st->handle_pod = xreallocarray(st->handle_pod, (size_t)h + 1,
		    sizeof *st->handle_pod);
		st->handle_pod[h] = (int)i;
	}
	ks_strmap_fini(&byname);
	if (unknown > 0)
		fprintf(stderr, "kubesim: note: %zu pod(s) bound to nodes not in the cluster "
		    "files were ignored\n", unknown);
	return 0;
}

static void
sc_run(const struct sc_opts *o, struct sc_state *st)
{
	gsl_rng *rng = sim_rng_new(o->seed, "scheduler");
	sched_result_init(&st->r);
	sched_preemption_init(&st->pr);
	st->r.explain = true;
	const struct k8s_selector *owner = st->owner.set ? &st->owner : NULL;
	sched_schedule_owned(st->sched, &st->pod, owner, rng, &st->r);
	if (st->r.node < 0 && sched_nnodes(st->sched) > 0 && st->profile->cfg.preemption) {
		/* PostFilter. Pods without status.startTime started "now". */
		sched_preempt(st->sched, &st->pod, owner, &st->r, -1, NULL, 0, INT64_MAX, rng,
		    &st->pr);
		st->preempted = true;
	}
	gsl_rng_free(rng);
	size_t n = sched_nnodes(st->sched);
	st->feas_pos = xcalloc(n + 1, sizeof *st->feas_pos);
	for (size_t i = 0; i < n; i++)
		st->feas_pos[i] = -1;
	for (size_t i = 0; i < st->r.nfeasible; i++)
		st->feas_pos[st->r.feasible[i]] = (int)i;
	if (st->r.node < 0)
		st->message = n == 0 ? xstrdup("no nodes available to schedule pods") :
		    sched_result_message(st->sched, &st->r);
}

static void
sc_state_fini(struct sc_state *st)
{
	sched_result_fini(&st->r);
	sched_preemption_fini(&st->pr);
	free(st->handle_pod);
	sched_free(st->sched);
	scn_cluster_free(st->cluster);
	k8s_pod_spec_free(&st->pod);
	k8s_selector_free(&st->owner);
	scn_sched_config_fini(&st->cfg);
	free(st->feas_pos);
	free(st->message);
}

static const char *
node_name(const struct sc_state *st, int node)
{
	return sched_node_get(st->sched, node)->spec->name;
}

/* Score plugins shown: enabled at Score in the profile, and run. */
static bool
shown(const struct sc_state *st, int p)
{
	return st->profile->score_on[p] && st->r.ran[p];
}

static bool
is_tied(const struct sc_state *st, int node)
{
	for (size_t i = 0; i < st->r.ntied; i++)
		if (st->r.tied[i] == node)
			return true;
	return false;
}

static void
json_reasons(struct ks_buf *b, const struct sched_node_status *ns)
{
	struct ks_buf j;
	ks_buf_init(&j);
	for (int k = 0; k < ns->nreasons; k++)
		ks_buf_printf(&j, "%s%s", k ? ", " : "", ns->reasons[k]);
	char *joined = ks_buf_take(&j);
	ks_buf_puts(b, "\"reason\": ");
	ks_buf_json_str(b, joined);
	free(joined);
	ks_buf_puts(b, ", \"reasons\": [");
	for (int k = 0; k < ns->nreasons; k++) {
		ks_buf_puts(b, k ? ", " : "");
		ks_buf_json_str(b, ns->reasons[k]);
	}
	ks_buf_puts(b, "]");
}

/* A victim as "namespace/name". Caller frees. */
static char *
victim_name(const struct sc_state *st, int handle)
{
	const struct k8s_pod_spec *p = &st->cluster->pods[st->handle_pod[handle]].spec;
	return xasprintf("%s/%s", p->namespace ? p->namespace : "default", p->name);
}

/* {"nominatedNode": ..., "victims": [...], "pdbViolations": N, "message": ...},
 * or null when the pod fits or preemption is disabled. */
static void
json_preemption(struct ks_buf *b, const struct sc_state *st)
{
	const struct sched_preemption *pr = &st->pr;
	if (!st->preempted) {
		ks_buf_puts(b, "null");
		return;
	}
	ks_buf_puts(b, "{\"nominatedNode\": ");
	if (pr->node >= 0)
		ks_buf_json_str(b, node_name(st, pr->node));
	else
		ks_buf_puts(b, "null");
	ks_buf_puts(b, ", \"victims\": [");
	for (size_t i = 0; i < pr->nvictims; i++) {
		char *v = victim_name(st, pr->victims[i]);
		ks_buf_puts(b, i ? ", " : "");
		ks_buf_json_str(b, v);
		free(v);
	}
	ks_buf_printf(b, "], \"pdbViolations\": %lld, \"message\": ",
	    (long long)pr->pdb_violations);
	if (pr->message != NULL)
		ks_buf_json_str(b, pr->message);
	else
		ks_buf_puts(b, "null");
	ks_buf_puts(b, "}");
}

static char *
sc_json(const struct sc_state *st)
{
	const struct sched_result *r = &st->r;
	size_t n = sched_nnodes(st->sched);
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_puts(&b, "{\n  \"pod\": ");
	char *pn = xasprintf("%s/%s", st->pod.namespace, st->pod.name);
	ks_buf_json_str(&b, pn);
	free(pn);
	ks_buf_puts(&b, ",\n  \"schedulerName\": ");
	ks_buf_json_str(&b, st->profile->scheduler_name);
	ks_buf_printf(&b, ",\n  \"nodes\": %zu,\n  \"evaluated\": %zu,\n  \"feasible\": [", n,
	    r->evaluated);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (st->feas_pos[i] < 0)
			continue;
		ks_buf_puts(&b, first ? "" : ", ");
		ks_buf_json_str(&b, node_name(st, (int)i));
		first = false;
	}
	ks_buf_puts(&b, "],\n  \"filtered\": {");
	first = true;
	for (size_t i = 0; i < n; i++) {
		const struct sched_node_status *ns = &r->status[i];
		if (ns->code != SCHED_UNSCHEDULABLE && ns->code != SCHED_UNRESOLVABLE)
			continue;
		ks_buf_puts(&b, first ? "\n    " : ",\n    ");
		ks_buf_json_str(&b, node_name(st, (int)i));
		ks_buf_puts(&b, ": {\"plugin\": ");
		ks_buf_json_str(&b, sched_plugin_name(ns->plugin));
		ks_buf_printf(&b, ", \"code\": \"%s\", ", sched_code_name(ns->code));
		json_reasons(&b, ns);
		ks_buf_puts(&b, "}");
		first = false;
	}
	ks_buf_puts(&b, first ? "},\n" : "\n  },\n");
	ks_buf_printf(&b, "  \"scored\": %s,\n  \"scorePlugins\": {", r->scored ? "true" : "false");
	first = true;
	for (int p = 0; p < SCHED_NPLUGINS && r->scored; p++) {
		if (!shown(st, p))
			continue;
		ks_buf_printf(&b, "%s\"%s\": {\"weight\": %" PRId32 ", \"skipped\": %s}",
		    first ? "\n    " : ",\n    ", sched_plugin_name((enum sched_plugin)p),
		    st->profile->cfg.weight[p], r->skipped[p] ? "true" : "false");
		first = false;
	}
	ks_buf_puts(&b, first ? "},\n" : "\n  },\n");
	ks_buf_puts(&b, "  \"scores\": {");
	first = true;
	for (size_t i = 0; i < n && r->scored; i++) {
		int fp = st->feas_pos[i];
		if (fp < 0)
			continue;
		ks_buf_puts(&b, first ? "\n    " : ",\n    ");
		ks_buf_json_str(&b, node_name(st, (int)i));
		ks_buf_puts(&b, ": {");
		for (int p = 0; p < SCHED_NPLUGINS; p++) {
			if (!shown(st, p) || r->skipped[p])
				continue;
			const struct sched_score_detail *d = &r->scores[(size_t)fp * SCHED_NPLUGINS + p];
			ks_buf_printf(&b, "\"%s\": {\"raw\": %" PRId64 ", \"normalized\": %" PRId64
			    ", \"weighted\": %" PRId64 "}, ", sched_plugin_name((enum sched_plugin)p),
			    d->raw, d->normalized, d->weighted);
		}
		ks_buf_printf(&b, "\"total\": %" PRId64 "}", r->totals[fp]);
		first = false;
	}
	ks_buf_puts(&b, first ? "},\n" : "\n  },\n");
	ks_buf_puts(&b, "  \"selected\": ");
	if (r->node >= 0)
		ks_buf_json_str(&b, node_name(st, r->node));
	else
		ks_buf_puts(&b, "null");
	ks_buf_puts(&b, ",\n  \"tied\": [");
	/* tied in node order */
	first = true;
	for (size_t i = 0; i < n; i++) {
		if (r->node < 0 || !is_tied(st, (int)i))
			continue;
		ks_buf_puts(&b, first ? "" : ", ");
		ks_buf_json_str(&b, node_name(st, (int)i));
		first = false;
	}
	ks_buf_puts(&b, "],\n  \"message\": ");
	if (st->message != NULL)
		ks_buf_json_str(&b, st->message);
	else
		ks_buf_puts(&b, "null");
	ks_buf_puts(&b, ",\n  \"preemption\": ");
	json_preemption(&b, st);
	ks_buf_puts(&b, "\n}\n");
	return ks_buf_take(&b);
}

/* ---- --explain ------------------------------------------------------------- */

static const char *
short_name(int p)
{
	switch (p) {
	case SCHED_TAINT_TOLERATION: return "Taint";
	case SCHED_NODE_AFFINITY: return "NodeAff";
	case SCHED_NODE_RESOURCES_FIT: return "Fit";
	case SCHED_POD_TOPOLOGY_SPREAD: return "Spread";
	case SCHED_INTER_POD_AFFINITY: return "PodAff";
	case SCHED_BALANCED_ALLOCATION: return "Balanced";
	case SCHED_IMAGE_LOCALITY: return "Image";
	default: return sched_plugin_name((enum sched_plugin)p);
	}
}

/* The text of one cell: "normalized->weighted", "skip", or "". */
static void
cell(const struct sc_state *st, size_t node, int p, char *buf, size_t size)
{
	int fp = st->feas_pos[node];
	buf[0] = '\0';
	if (fp < 0 || !st->r.scored)
		return;
	if (st->r.skipped[p]) {
		snprintf(buf, size, "skip");
		return;
	}
	const struct sched_score_detail *d = &st->r.scores[(size_t)fp * SCHED_NPLUGINS + p];
	snprintf(buf, size, "%" PRId64 "->%" PRId64, d->normalized, d->weighted);
}

static char *
sc_table(const struct sc_state *st)
{
	const struct sched_result *r = &st->r;
	size_t n = sched_nnodes(st->sched);
	struct ks_buf b;
	ks_buf_init(&b);
	size_t nfiltered = 0;
	for (size_t i = 0; i < n; i++)
		if (r->status[i].code == SCHED_UNSCHEDULABLE || r->status[i].code == SCHED_UNRESOLVABLE)
			nfiltered++;
	ks_buf_printf(&b, "pod %s/%s (schedulerName %s): %zu nodes, %zu evaluated, "
	    "%zu feasible, %zu filtered\n\n", st->pod.namespace, st->pod.name,
	    st->profile->scheduler_name, n, r->evaluated, r->nfeasible, nfiltered);
	/* Column widths. */
	int wname = 4;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(node_name(st, (int)i));
		if (l > wname)
			wname = l;
	}
	int wcol[SCHED_NPLUGINS] = { 0 };
	char hdr[SCHED_NPLUGINS][48], buf[48];
	for (int p = 0; p < SCHED_NPLUGINS; p++) {
		if (!r->scored || !shown(st, p) || r->skipped[p])
			continue;
		snprintf(hdr[p], sizeof hdr[p], "%s x%" PRId32, short_name(p),
		    st->profile->cfg.weight[p]);
		wcol[p] = (int)strlen(hdr[p]);
		for (size_t i = 0; i < n; i++) {
			cell(st, i, p, buf, sizeof buf);
			if ((int)strlen(buf) > wcol[p])
				wcol[p] = (int)strlen(buf);
		}
	}
	if (r->scored) {
		ks_buf_printf(&b, "  %-*s", wname, "NODE");
		for (int p = 0; p < SCHED_NPLUGINS; p++)
			if (wcol[p] > 0)
				ks_buf_printf(&b, "  %-*s", wcol[p], hdr[p]);
		ks_buf_puts(&b, "  TOTAL\n");
	} else {
		ks_buf_puts(&b, "  NODE\n");
	}
	for (size_t i = 0; i < n; i++) {
		const struct sched_node_status *ns = &r->status[i];
		char mark = (int)i == r->node ? '*' : is_tied(st, (int)i) ? '=' : ' ';
		ks_buf_printf(&b, "%c %-*s", mark, wname, node_name(st, (int)i));
		if (ns->code == SCHED_UNSCHEDULABLE || ns->code == SCHED_UNRESOLVABLE) {
			ks_buf_printf(&b, "  filtered by %s:", sched_plugin_name(ns->plugin));
			for (int k = 0; k < ns->nreasons; k++)
				ks_buf_printf(&b, "%s%s", k ? ", " : " ", ns->reasons[k]);
			ks_buf_puts(&b, "\n");
			continue;
		}
		if (ns->code == SCHED_NOT_EVALUATED) {
			ks_buf_puts(&b, "  not evaluated (enough feasible nodes were found: "
			    "percentageOfNodesToScore)\n");
			continue;
		}
		if (!r->scored) {
			ks_buf_puts(&b, "  feasible (the only feasible node: not scored)\n");
			continue;
		}
		for (int p = 0; p < SCHED_NPLUGINS; p++) {
			if (wcol[p] == 0)
				continue;
			cell(st, i, p, buf, sizeof buf);
			ks_buf_printf(&b, "  %-*s", wcol[p], buf);
		}
		ks_buf_printf(&b, "  %" PRId64 "\n", r->totals[st->feas_pos[i]]);
	}
	ks_buf_puts(&b, "\n");
	if (r->scored) {
		ks_buf_puts(&b, "cells: normalized score (0-100) -> weighted score; xN: weight\n");
		const char *sep = "columns: ";
		for (int p = 0; p < SCHED_NPLUGINS; p++) {
			if (wcol[p] > 0) {
				ks_buf_printf(&b, "%s%s = %s", sep, short_name(p),
				    sched_plugin_name((enum sched_plugin)p));
				sep = ", ";
			}
		}
		ks_buf_puts(&b, "\n");
		sep = "skipped at PreScore (nothing to score): ";
		for (int p = 0; p < SCHED_NPLUGINS; p++) {
			if (shown(st, p) && r->skipped[p]) {
				ks_buf_printf(&b, "%s%s", sep, sched_plugin_name((enum sched_plugin)p));
				sep = ", ";
			}
		}
		if (sep[0] == ',')
			ks_buf_puts(&b, "\n");
	}
	if (r->node >= 0) {
		ks_buf_printf(&b, "selected: %s", node_name(st, r->node));
		if (r->scored)
			ks_buf_printf(&b, " (total %" PRId64 ")", r->total);
		if (r->ntied > 1)
			ks_buf_printf(&b, ", drawn at random among %zu nodes with the same total "
			    "(marked =; --seed changes the draw)", r->ntied);
		ks_buf_puts(&b, "\n");
	} else {
		ks_buf_printf(&b, "no node fits: %s\n", st->message);
	}
	const struct sched_preemption *pr = &st->pr;
	if (st->preempted && pr->node >= 0) {
		ks_buf_printf(&b, "preemption: nominated node %s; victims (most important "
		    "first):", node_name(st, pr->node));
		for (size_t i = 0; i < pr->nvictims; i++) {
			char *v = victim_name(st, pr->victims[i]);
			ks_buf_printf(&b, "%s%s (priority %d)", i ? ", " : " ", v,
			    sched_pod_spec(st->sched, pr->victims[i])->priority);
			free(v);
		}
		ks_buf_puts(&b, "\n");
	} else if (st->preempted && pr->message != NULL) {
		ks_buf_printf(&b, "%s\n", pr->message);
	}
	return ks_buf_take(&b);
}

static int
schedule_exec(int argc, char **argv)
{
	struct sc_opts o;
	if (parse_opts(argc, argv, &o) < 0) {
		free(o.cluster);
		return KS_EXIT_BAD_INPUT;
	}
	struct sc_state st;
	memset(&st, 0, sizeof st);
	char *cause = NULL;
	int rc = KS_EXIT_OK;
	if (sc_load(&o, &st, &cause) < 0) {
		fprintf(stderr, "kubesim: %s\n", cause);
		free(cause);
		rc = KS_EXIT_BAD_INPUT;
	} else {
		sc_run(&o, &st);
		char *out = o.explain ? sc_table(&st) : sc_json(&st);
		fputs(out, stdout);
		free(out);
		if (fflush(stdout) != 0)
			rc = KS_EXIT_FAILURE;
	}
	sc_state_fini(&st);
	free(o.cluster);
	return rc;
}

const struct cmd_entry cmd_schedule_entry = {
	.name = "schedule",
	.usage = "--cluster FILE --pod FILE [--config FILE] [--seed N] [--explain]",
	.summary = "show where kube-scheduler would place a pod, and why",
	.help =
	    "options:\n"
	    "  -c, --cluster FILE  nodes, bound pods and services as Kubernetes YAML: single\n"
	    "                      documents, multi-document streams or a v1 List, such as\n"
	    "                      `kubectl get nodes,pods,services -A -o yaml` (repeatable)\n"
	    "  -p, --pod FILE      the pod to place: a v1 Pod, or an apps/v1 Deployment whose\n"
	    "                      template is placed\n"
	    "  -C, --config FILE   a kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration;\n"
	    "                      the profile is the pod's spec.schedulerName (default: the\n"
	    "                      default profile)\n"
	    "  -s, --seed N        seed of the random choice among equal best totals (1)\n"
	    "  -e, --explain       a readable table instead of JSON\n"
	    "  -h, --help          this help\n"
	    "\n"
	    "Pods with spec.nodeName count on their node unless their phase is Succeeded or\n"
	    "Failed. The JSON has feasible (nodes that passed every filter), filtered (for\n"
	    "each other node the plugin that rejected it and upstream's reason), scores\n"
	    "(raw, normalized and weighted per plugin, and the total), selected (null when\n"
	    "nothing fits, with upstream's FitError in message) and tied. When nothing\n"
	    "fits, preemption is what DefaultPreemption would do: the nominated node and\n"
	    "the victims (pods of lower spec.priority, most important first, ordered by\n"
	    "priority and status.startTime), or upstream's reason in message; null when\n"
	    "the pod fits or the profile disables DefaultPreemption.\n"
	    "\n"
	    "Exit status: 0 whether or not a node was found, 2 bad input (the message names\n"
	    "file:line:column).\n",
	.exec = schedule_exec,
};
