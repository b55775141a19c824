/*
 * pod_trace.c - the scenario's podTrace: a cluster trace's pod list (each
 * pod's name, cpu, memory, GPUs, allowed GPU models, creation and deletion
 * times) and node list read from CSV files as the Alibaba and Google
 * cluster traces publish them, with the column names and units given in
 * the scenario. Pods become bare pods of one PodTrace workload, one pod
 * template per distinct request (so the scheduler sees few templates);
 * nodes become v1 Nodes. Every bad cell is reported as file:line:column.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "scenarios/sched_config.h"
#include "sim/util/util.h"
#include "workloads/table.h"

static const char *const trace_keys[] = { "name", "file", "header", "columns", "units", "nodes",
	"time", "start", "speedup", "gap", "fill", "gpuResource", "gpuModelLabel",
	"schedulerName", "namespace", NULL };
static const char *const node_keys[] = { "file", "header", "columns", "units", "maxPods",
	NULL };
static const char *const unit_keys_pods[] = { "cpu", "memory", "time", NULL };
static const char *const unit_keys_nodes[] = { "cpu", "memory", NULL };

/* The columns of a pod list and of a node list: the scenario's key, the
 * default header name (the Alibaba openb trace's), whether a row must have
 * it. A column the scenario names is required either way. */
enum { PC_NAME, PC_CPU, PC_MEMORY, PC_GPU, PC_GPU_MODEL, PC_CREATED, PC_DELETED,
	PC_SCHEDULED, PC_N };
static const char *const pod_cols[PC_N] = { "name", "cpu", "memory", "gpu", "gpuModel",
	"created", "deleted", "scheduled" };
static const char *const pod_dflt[PC_N] = { "name", "cpu_milli", "memory_mib", "num_gpu",
	"gpu_spec", "creation_time", "deletion_time", "scheduled_time" };
static const bool pod_req[PC_N] = { false, true, true, false, false, true, false, false };

enum { NC_NAME, NC_CPU, NC_MEMORY, NC_GPU, NC_GPU_MODEL, NC_PODS, NC_N };
static const char *const node_cols[NC_N] = { "name", "cpu", "memory", "gpu", "gpuModel",
	"pods" };
static const char *const node_dflt[NC_N] = { "sn", "cpu_milli", "memory_mib", "gpu",
	"model", "pods" };
static const bool node_req[NC_N] = { true, true, true, false, false, false };

/* What one CSV unit of each quantity is worth. */
struct units {
	int64_t	cpu_milli;	/* default 1m */
	int64_t	memory;		/* bytes, default 1Mi */
	sim_ns	time;		/* default 1s */
};

void
scn_pod_trace_free(struct scn_pod_trace *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ntemplates; i++)
		k8s_pod_spec_free(&t->templates[i]);
	free(t->templates);
	for (size_t i = 0; i < t->npods; i++)
		free(t->pods[i].name);
	free(t->pods);
	for (size_t i = 0; i < t->nnodes; i++)
		k8s_node_spec_free(&t->nodes[i]);
	free(t->nodes);
	free(t->gpu_resource);
	free(t->workload.name);
	free(t->workload.namespace);
	free(t);
}

/* columns: {key: header name}, or without a header {key: column number};
 * names[] gets them, required[] whether each must be there. */
static int
columns(const struct yt_node *n, const struct yt_node *at, bool header, const char *what,
    const char *const *keys, const char *const *dflt, const bool *req, size_t nkeys,
    const char **names, bool *required, char **cause)
{
	const char *allowed[PC_N + 1];
	for (size_t i = 0; i < nkeys; i++) {
		allowed[i] = keys[i];
		names[i] = header ? dflt[i] : NULL;
		required[i] = req[i];
	}
	allowed[nkeys] = NULL;
	if (!header) {
		for (size_t i = 0; i < nkeys; i++) {
			const struct yt_node *v = n != NULL && n->kind == YT_MAP ?
			    yt_get(n, keys[i]) : NULL;
			if (v == NULL || yt_is_null(v)) {
				if (!req[i])
					continue;
				*cause = yt_errorf(n != NULL ? n : at, "%s.%s must give a "
				    "column number (header: false)", what, keys[i]);
				return -1;
			}
			char *end;
			long k = v->kind == YT_SCALAR ? strtol(v->str, &end, 10) : 0;
			if (v->kind != YT_SCALAR || v->str[0] == '\0' || *end != '\0' ||
			    k < 1 || k > 100000) {
				*cause = yt_errorf(v, "%s.%s must be a column number from 1 "
				    "(header: false)", what, keys[i]);
				return -1;
			}
		}
	}
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "%s must be a mapping of column names (e.g. "
		    "{cpu: cpu_milli, memory: memory_mib})", what);
		return -1;
	}
	if (yt_check_keys(n, what, allowed, cause) < 0)
		return -1;
	for (size_t i = 0; i < nkeys; i++) {
		const struct yt_node *v = yt_get(n, keys[i]);
		if (v == NULL || yt_is_null(v))
			continue;
		if (v->kind != YT_SCALAR || v->str[0] == '\0') {
			*cause = yt_errorf(v, "%s.%s must be a column name", what, keys[i]);
			return -1;
		}
		names[i] = v->str;
		required[i] = true;
	}
	return 0;
}

static int
units(const struct yt_node *n, const char *what, const char *const *keys,
    struct units *u, char **cause)
{
	u->cpu_milli = 1;
	u->memory = 1024 * 1024;
	u->time = SIM_SEC;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "%s must be a mapping (e.g. {cpu: 1m, memory: 1Mi, "
		    "time: 1s}: what one unit of the CSV is)", what);
		return -1;
	}
	if (yt_check_keys(n, what, keys, cause) < 0)
		return -1;
	const struct yt_node *v = yt_get(n, "cpu");
	if (v != NULL && (v->kind != YT_SCALAR ||
	    scn_quantity_milli(v->str, &u->cpu_milli) < 0 || u->cpu_milli <= 0)) {
		*cause = yt_errorf(v, "%s.cpu must be a positive quantity (what one CSV "
		    "unit is: 1m for millicores, 1 for cores)", what);
		return -1;
	}
	v = yt_get(n, "memory");
	if (v != NULL && (v->kind != YT_SCALAR ||
	    scn_quantity_value(v->str, &u->memory) < 0 || u->memory <= 0)) {
		*cause = yt_errorf(v, "%s.memory must be a positive quantity (what one "
		    "CSV unit is: 1Mi for MiB, 1 for bytes)", what);
		return -1;
	}
	v = yt_get(n, "time");
	if (v != NULL && (scn_dur_node(v, false, &u->time, cause) < 0 || u->time <= 0)) {
		if (*cause == NULL)
			*cause = yt_errorf(v, "%s.time must be a positive duration (what one "
			    "CSV unit is: 1s, 1us)", what);
		return -1;
	}
	return 0;
}

/* A non-negative number in a cell, times unit, rounded to an integer. */
static int
cell_number(const struct wl_table *t, size_t r, size_t c, const char *col, double unit,
    bool integer, int64_t *out, char **cause)
{
	const char *s = wl_table_cell(t, r, c);
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 ||
	    (integer && v != floor(v))) {
		*cause = wl_table_errorf(t, r, c, "expected a non-negative %s in column "
		    "'%s', found '%s'", integer ? "integer" : "number", col, s);
		return -1;
	}
	double x = v * unit;
	if (!(x < 9.2e18)) {
		*cause = wl_table_errorf(t, r, c, "value '%s' in column '%s' is too large",
		    s, col);
		return -1;
	}
	*out = llround(x);
	return 0;
}

/* A CSV file named by n.file, relative to dir. */
static int
open_table(const struct yt_node *n, const char *what, const char *dir, bool header,
    const char *const *names, const bool *required, size_t ncols, struct wl_table *t,
    char **cause)
{
	const struct yt_node *f = yt_get(n, "file");
	if (f == NULL || f->kind != YT_SCALAR || f->str[0] == '\0') {
		*cause = yt_errorf(f != NULL ? f : n, "%s.file must name a CSV file", what);
		return -1;
	}
	char *path = scn_path_join(dir, f->str);
	int rc = wl_table_load(path, header, names, required, ncols, t, cause);
	free(path);
	return rc;
}

/* The templates' key: one template per distinct request and model list. */
static uint32_t
template_of(struct scn_pod_trace *pt, struct ks_strmap *seen, size_t *cap, int64_t cpu,
    int64_t mem, int64_t gpu, const char *models, const char *label,
    const char *sched_name)
{
	char *key = xasprintf("%lld/%lld/%lld/%s", (long long)cpu, (long long)mem,
	    (long long)gpu, models);
	int64_t ix;
	if (ks_strmap_get(seen, key, &ix)) {
		free(key);
		return (uint32_t)ix;
	}
	KS_GROW(pt->templates, *cap, pt->ntemplates + 1);
	struct k8s_pod_spec *p = &pt->templates[pt->ntemplates];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(pt->workload.name);
	p->namespace = xstrdup(pt->workload.namespace);
	k8s_labels_set(&p->labels, "app", pt->workload.name);
	p->containers = xcalloc(1, sizeof *p->containers);
	p->ncontainers = 1;
	struct k8s_container *k = &p->containers[0];
	k->name = xstrdup("main");
	k8s_res_set(&k->requests, "cpu", cpu);
	k8s_res_set(&k->requests, "memory", mem);
	if (gpu > 0) {
		k8s_res_set(&k->requests, pt->gpu_resource, gpu);
		k8s_res_set(&k->limits, pt->gpu_resource, gpu);
	}
	if (models[0] != '\0') {
		/* allowed models: a required node affinity, label In (m1, m2, ...) */
		struct k8s_node_term *term = xcalloc(1, sizeof *term);
		term->match_expressions = xcalloc(1, sizeof *term->match_expressions);
		term->nexpr = 1;
		struct k8s_sel_req *rq = &term->match_expressions[0];
		rq->key = xstrdup(label);
		rq->op = K8S_SEL_IN;
		char *dup = xstrdup(models), *save = NULL;
		for (char *m = strtok_r(dup, "|", &save); m != NULL;
		    m = strtok_r(NULL, "|", &save)) {
			rq->values = xreallocarray(rq->values, rq->nvalues + 1,
			    sizeof *rq->values);
			rq->values[rq->nvalues++] = xstrdup(m);
		}
		free(dup);
		p->affinity.node_required = term;
		p->affinity.nnode_required = 1;
	}
	p->scheduler_name = sched_name != NULL ? xstrdup(sched_name) : NULL;
	p->termination_grace_s = 30;
	ks_strmap_put(seen, key, (int64_t)pt->ntemplates);
	free(key);
	return (uint32_t)pt->ntemplates++;
}

static int
read_nodes(const struct yt_node *n, const char *dir, const char *gpu_res,
    const char *label, struct scn_pod_trace *pt, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "podTrace.nodes must be a mapping {file, columns, "
		    "units, maxPods}");
		return -1;
	}
	if (yt_check_keys(n, "podTrace.nodes", node_keys, cause) < 0)
		return -1;
	const char *names[NC_N];
	bool required[NC_N];
	struct units u;
	int64_t max_pods;
	bool header;
	if (yt_get_bool(n, "header", true, &header, cause) < 0 ||
	    columns(yt_get(n, "columns"), n, header, "podTrace.nodes.columns", node_cols,
	    node_dflt, node_req, NC_N, names, required, cause) < 0 ||
	    units(yt_get(n, "units"), "podTrace.nodes.units", unit_keys_nodes, &u,
	    cause) < 0 ||
	    scn_get_int(n, "maxPods", 110, 1, 1000000, &max_pods, cause) < 0)
		return -1;
	struct wl_table t;
	if (open_table(n, "podTrace.nodes", dir, header, names, required, NC_N, &t,
	    cause) < 0)
		return -1;
	struct ks_strmap seen;
	ks_strmap_init(&seen);
	int rc = 0;
	pt->nodes = xcalloc(t.nrows + 1, sizeof *pt->nodes);
	for (size_t r = 0; r < t.nrows && rc == 0; r++) {
		const char *name = wl_table_cell(&t, r, NC_NAME);
		if (name[0] == '\0' || ks_strmap_get(&seen, name, NULL)) {
			*cause = wl_table_errorf(&t, r, NC_NAME, "expected a %s node name in "
			    "column '%s', found '%s'", name[0] ? "new" : "non-empty",
			    names[NC_NAME], name);
			rc = -1;
			break;
		}
		int64_t cpu, mem, gpu = 0, pods = max_pods;
		if (cell_number(&t, r, NC_CPU, names[NC_CPU], (double)u.cpu_milli, false,
		    &cpu, cause) < 0 ||
		    cell_number(&t, r, NC_MEMORY, names[NC_MEMORY], (double)u.memory, false,
		    &mem, cause) < 0 ||
		    (wl_table_cell(&t, r, NC_GPU) != NULL && cell_number(&t, r, NC_GPU,
		    names[NC_GPU], 1, true, &gpu, cause) < 0) ||
		    (wl_table_cell(&t, r, NC_PODS) != NULL && cell_number(&t, r, NC_PODS,
		    names[NC_PODS], 1, true, &pods, cause) < 0)) {
			rc = -1;
			break;
		}
		ks_strmap_put(&seen, name, 1);
		struct k8s_node_spec *nd = &pt->nodes[pt->nnodes++];
		nd->name = xstrdup(name);
		k8s_labels_set(&nd->labels, "kubernetes.io/hostname", name);
		const char *model = wl_table_cell(&t, r, NC_GPU_MODEL);
		if (model != NULL && model[0] != '\0')
			k8s_labels_set(&nd->labels, label, model);
		k8s_res_set(&nd->allocatable, "cpu", cpu);
		k8s_res_set(&nd->allocatable, "memory", mem);
		k8s_res_set(&nd->allocatable, "pods", pods);
		if (gpu > 0)
			k8s_res_set(&nd->allocatable, gpu_res, gpu);
	}
	ks_strmap_fini(&seen);
	wl_table_free(&t);
	return rc;
}

static int
read_pods(const struct yt_node *n, const char *dir, const char *label,
    const char *sched_name, struct scn_pod_trace *pt, char **cause)
{
	const char *names[PC_N];
	bool required[PC_N];
	struct units u;
	double speedup;
	bool header;
	if (yt_get_bool(n, "header", true, &header, cause) < 0 ||
	    columns(yt_get(n, "columns"), n, header, "podTrace.columns", pod_cols, pod_dflt,
	    pod_req, PC_N, names, required, cause) < 0 ||
	    units(yt_get(n, "units"), "podTrace.units", unit_keys_pods, &u, cause) < 0 ||
	    yt_get_double(n, "speedup", 1, &speedup, cause) < 0)
		return -1;
	if (!(speedup > 0) || !isfinite(speedup)) {
		*cause = yt_errorf(yt_get(n, "speedup"), "podTrace.speedup must be a "
		    "positive number (trace seconds per simulated second)");
		return -1;
	}
	const struct yt_node *st = yt_get(n, "start");
	double start = 0;
	if (st != NULL && !yt_is_null(st) && (yt_double(st, &start, cause) < 0 ||
	    !isfinite(start))) {
		if (*cause == NULL)
			*cause = yt_errorf(st, "podTrace.start must be a number (a trace "
			    "time, in the trace's time unit)");
		return -1;
	}
	struct wl_table t;
	if (open_table(n, "podTrace", dir, header, names, required, PC_N, &t, cause) < 0)
		return -1;
	if (t.nrows == 0) {
		*cause = xasprintf("%s:%d:1: expected a pod row%s, found the end of the file",
		    t.path, header ? 2 : 1, header ? " after the header" : "");
		wl_table_free(&t);
		return -1;
	}
	int rc = 0;
	struct ks_strmap seen, tmpls;
	ks_strmap_init(&seen);
	ks_strmap_init(&tmpls);
	size_t captmpl = 0;
	int64_t *created = xcalloc(t.nrows + 1, sizeof *created);
	int64_t *deleted = xcalloc(t.nrows + 1, sizeof *deleted);
	int64_t *scheduled = xcalloc(t.nrows + 1, sizeof *scheduled);
	int64_t t0 = INT64_MAX;
	pt->pods = xcalloc(t.nrows + 1, sizeof *pt->pods);
	for (size_t r = 0; r < t.nrows; r++) {
		int64_t cpu, mem, gpu = 0;
		const char *nm = wl_table_cell(&t, r, PC_NAME);
		if (nm != NULL && (nm[0] == '\0' || ks_strmap_get(&seen, nm, NULL))) {
			*cause = wl_table_errorf(&t, r, PC_NAME, "expected a %s pod name in "
			    "column '%s', found '%s'", nm[0] ? "new" : "non-empty",
			    names[PC_NAME], nm);
			rc = -1;
			break;
		}
		/* times in whole trace units (ns would overflow for us traces) */
		if (cell_number(&t, r, PC_CPU, names[PC_CPU], (double)u.cpu_milli, false,
		    &cpu, cause) < 0 ||
		    cell_number(&t, r, PC_MEMORY, names[PC_MEMORY], (double)u.memory, false,
		    &mem, cause) < 0 ||
		    (wl_table_cell(&t, r, PC_GPU) != NULL && cell_number(&t, r, PC_GPU,
		    names[PC_GPU], 1, true, &gpu, cause) < 0) ||
		    cell_number(&t, r, PC_CREATED, names[PC_CREATED], 1, false, &created[r],
		    cause) < 0) {
			rc = -1;
			break;
		}
		const char *del = wl_table_cell(&t, r, PC_DELETED);
		deleted[r] = -1;
		if (del != NULL && del[0] != '\0') {
			if (cell_number(&t, r, PC_DELETED, names[PC_DELETED], 1, false,
			    &deleted[r], cause) < 0) {
				rc = -1;
				break;
			}
			if (deleted[r] < created[r]) {
				*cause = wl_table_errorf(&t, r, PC_DELETED, "expected a deletion "
				    "time not before the creation time (%lld), found '%s'",
				    (long long)created[r], del);
				rc = -1;
				break;
			}
		}
		const char *sch = wl_table_cell(&t, r, PC_SCHEDULED);
		scheduled[r] = -1;
		if (sch != NULL && sch[0] != '\0') {
			if (cell_number(&t, r, PC_SCHEDULED, names[PC_SCHEDULED], 1, false,
			    &scheduled[r], cause) < 0) {
				rc = -1;
				break;
			}
			if (scheduled[r] < created[r]) {
				*cause = wl_table_errorf(&t, r, PC_SCHEDULED, "expected a "
				    "scheduling time not before the creation time (%lld), "
				    "found '%s'", (long long)created[r], sch);
				rc = -1;
				break;
			}
		}
		if (r > 0 && created[r] < created[r - 1] &&
		    wl_table_cell(&t, r, PC_CREATED) != NULL) {
			*cause = wl_table_errorf(&t, r, PC_CREATED, "expected rows in creation "
			    "order (a time not before the previous row's %lld), found '%s'",
			    (long long)created[r - 1], wl_table_cell(&t, r, PC_CREATED));
			rc = -1;
			break;
		}
		if (created[r] < t0)
			t0 = created[r];
		const char *models = wl_table_cell(&t, r, PC_GPU_MODEL);
		struct scn_trace_pod *p = &pt->pods[pt->npods++];
		p->name = nm != NULL ? xstrdup(nm) : xasprintf("%s-%05zu", pt->workload.name, r);
		if (nm != NULL)
			ks_strmap_put(&seen, nm, 1);
		p->tmpl = template_of(pt, &tmpls, &captmpl, cpu, mem, gpu,
		    models != NULL ? models : "", label, sched_name);
	}
	if (rc == 0) {
		/* run time = (trace time - start) * unit / speedup; before start: 0 */
		double origin = st != NULL && !yt_is_null(st) ? start : (double)t0;
		double k = (double)u.time / speedup;
		size_t kept = 0;
		for (size_t r = 0; r < pt->npods; r++) {
			struct scn_trace_pod *p = &pt->pods[r];
			if (deleted[r] >= 0 && (double)deleted[r] <= origin) {
				free(p->name);	/* gone before the replay starts */
				continue;
			}
			double c = ((double)created[r] - origin) * k;
			p->created = c > 0 ? (sim_ns)llround(c) : 0;
			p->deleted = SIM_NEVER;
			p->trace_pending = scheduled[r] >= 0 ?
			    (sim_ns)llround((double)(scheduled[r] - created[r]) * k) : -1;
			if (deleted[r] >= 0) {
				double d = ((double)deleted[r] - origin) * k;
				p->deleted = d < 9e18 ? (sim_ns)llround(d) : SIM_NEVER;
			}
			pt->pods[kept++] = *p;
		}
		pt->npods = kept;
	}
	free(created);
	free(deleted);
	free(scheduled);
	ks_strmap_fini(&seen);
	ks_strmap_fini(&tmpls);
	wl_table_free(&t);
	return rc;
}

int
scn_pod_trace(const struct yt_node *n, const char *dir, struct scenario *s, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "podTrace must be a mapping {file, columns, units, "
		    "nodes, time, ...}");
		return -1;
	}
	if (yt_check_keys(n, "podTrace", trace_keys, cause) < 0)
		return -1;
	struct scn_pod_trace *pt = xcalloc(1, sizeof *pt);
	s->pod_trace = pt;
	const char *name, *ns, *gpu_res, *label, *sched, *time;
	if (scn_get_str(n, "name", &name, cause) < 0 ||
	    scn_get_str(n, "namespace", &ns, cause) < 0 ||
	    scn_get_str(n, "gpuResource", &gpu_res, cause) < 0 ||
	    scn_get_str(n, "gpuModelLabel", &label, cause) < 0 ||
	    scn_get_str(n, "schedulerName", &sched, cause) < 0 ||
	    scn_get_str(n, "time", &time, cause) < 0)
		return -1;
	pt->workload.name = xstrdup(name != NULL ? name : "podtrace");
	pt->workload.namespace = xstrdup(ns != NULL ? ns : "default");
	pt->workload.kind = K8S_KIND_POD_TRACE;
	pt->workload.replicas = 0;
	pt->workload.completions = pt->workload.parallelism = -1;
	pt->workload.backoff_limit = -1;
	pt->workload.active_deadline_s = pt->workload.starting_deadline_s = -1;
	pt->gpu_resource = xstrdup(gpu_res != NULL ? gpu_res : "nvidia.com/gpu");
	if (strchr(pt->gpu_resource, '/') == NULL) {
		*cause = yt_errorf(yt_get(n, "gpuResource"), "podTrace.gpuResource must "
		    "be an extended resource name (domain/name, e.g. nvidia.com/gpu)");
		return -1;
	}
	if (label == NULL)
		label = "nvidia.com/gpu.product";
	if (s->sched_config != NULL && scn_sched_config_profile(s->sched_config, sched) == NULL) {
		*cause = yt_errorf(yt_get(n, "schedulerName") ? yt_get(n, "schedulerName") : n,
		    "podTrace's schedulerName '%s' names no profile of schedulerConfig",
		    sched != NULL ? sched : "default-scheduler");
		return -1;
	}
	pt->time = SCN_TRACE_REAL;
	if (time != NULL && strcmp(time, "compressed") == 0)
		pt->time = SCN_TRACE_COMPRESSED;
	else if (time != NULL && strcmp(time, "real") != 0) {
		*cause = yt_errorf(yt_get(n, "time"), "podTrace.time must be real or "
		    "compressed");
		return -1;
	}
	if (scn_get_dur(n, "gap", false, SIM_SEC, &pt->gap, cause) < 0 ||
	    yt_get_double(n, "fill", 100, &pt->fill, cause) < 0)
		return -1;
	if (pt->gap <= 0) {
		*cause = yt_errorf(yt_get(n, "gap"), "podTrace.gap must be positive");
		return -1;
	}
	if (!(pt->fill > 0) || !isfinite(pt->fill)) {
		*cause = yt_errorf(yt_get(n, "fill"), "podTrace.fill must be a positive "
		    "percentage of the cluster's GPUs");
		return -1;
	}
	if (read_pods(n, dir, label, sched, pt, cause) < 0)
		return -1;
	/* real times: pods that would arrive after the run are worth a word */
	size_t late = 0;
	for (size_t i = 0; pt->time == SCN_TRACE_REAL && i < pt->npods; i++)
		if (pt->pods[i].created >= s->duration)
			late++;
	if (late > 0)
		scn_warn(s, yt_errorf(yt_get(n, "file"), "podTrace: %zu of its %zu pods arrive "
		    "after the run ends (the last at %.0f s, duration %.0f s): lengthen "
		    "duration, or set start or speedup", late, pt->npods,
		    sim_ns_to_s(pt->pods[pt->npods - 1].created), sim_ns_to_s(s->duration)));
	const struct yt_node *nodes = yt_get(n, "nodes");
	if (nodes != NULL && !yt_is_null(nodes) &&
	    read_nodes(nodes, dir, pt->gpu_resource, label, pt, cause) < 0)
		return -1;
	return 0;
}
