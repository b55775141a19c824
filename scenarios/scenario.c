/*
 * scenario.c - scn_load: the scenario YAML file (run settings, node pools,
 * manifests inline or by path, request profiles and traffic per service,
 * scheduled failures, control-plane timings) into an immutable struct
 * scenario, with --set overrides applied to the tree first and every problem
 * reported once as file:line:col and what was expected. See README.md here.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/serving/request.h"
#include "scenarios/faults.h"
#include "scenarios/manifest.h"
#include "scenarios/sched_config.h"
#include "scenarios/scn_mesh.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"
#include "workloads/traffic.h"

static const char *const top_keys[] = { "name", "description", "seed", "duration",
	"interval", "tick", "warmup", "nodePools", "manifests", "services", "failures",
	"controlPlane", "trafficMode", "schedulerConfig", "queues", "clusterAutoscaler",
	"featureGates", "jobs", "startTime", "warmStart", "hpaDecisions", "podTrace", "kubelet",
	NULL };
static const char *const service_keys[] = { "name", "serviceTime", "concurrency",
	"cpuPerRequest", "idleCpu", "timeout", "queueLimit", "traffic",
	"loadBalancer", "networkLatency", "networkBandwidth", "classes", "burstiness", "retries",
	"circuitBreaker", "rateLimit", "calls", "memory", NULL };
static const char *const class_keys[] = { "name", "weight", "serviceTime",
	"cpuPerRequest", "timeout", "size", NULL };
static const char *const failures_keys[] = { "scheduled", "replay", "containers", NULL };
static const char *const chaos_keys[] = { "at", "action", "pool", "zone", "count",
	"duration", "deployment", "replicas", "set", "behavior", "toRevision", NULL };

/* Loading state: the scenario being filled and where its parts came from. */
struct loader {
	struct scenario	*s;
	char		*dir;		/* the scenario file's directory */
	struct scn_mf	 mf;
	struct yt_docs	*files;		/* manifest files, kept for positions */
	size_t		 nfiles;
	struct ks_strmap pool_names;	/* name -> index, for duplicates in O(1) */
	struct ks_strmap svc_names;	/* Service name -> first index (by need) */
	struct ks_strmap profile_names;	/* profiles seen */
};

static const struct yt_node *
seq_of(const struct yt_node *n, const char *what, char **cause)
{
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list for %s", what);
		return NULL;
	}
	return n;
}

/* ---- manifests ----------------------------------------------------------- */

/* Reads one manifest file (path, for messages shown as rel) named by the
 * entry it. */
static int
manifest_file(struct loader *l, const struct yt_node *it, const char *path,
    const char *rel, char **cause)
{
	struct yt_docs d;
	char *err = NULL;
	if (yt_parse_file(path, &d, &err) < 0) {
		const char *why = strstr(err, ": cannot open: ");
		if (why != NULL)
			*cause = yt_errorf(it, "manifest file '%s' cannot be read: %s",
			    rel, why + strlen(": cannot open: "));
		else {
			*cause = err;
			err = NULL;
		}
		free(err);
		return -1;
	}
	l->files = xreallocarray(l->files, l->nfiles + 1, sizeof *l->files);
	l->files[l->nfiles++] = d;
	for (size_t j = 0; j < d.ndocs; j++)
		if (scn_mf_add(&l->mf, d.docs[j], cause) < 0)
			return -1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
manifest_name(const char *name)
{
	size_t n = strlen(name);
	static const char *const ext[] = { ".yaml", ".yml", ".json", NULL };
	for (int i = 0; ext[i] != NULL; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && strcmp(name + n - e, ext[i]) == 0)
			return true;
	}
	return false;
}

/* A directory as `kubectl apply -f DIR` reads it: its .yaml, .yml and .json
 * files in name order, not its subdirectories. */
static int
manifest_dir(struct loader *l, const struct yt_node *it, const char *path,
    const char *rel, char **cause)
{
	DIR *dir = opendir(path);
	if (dir == NULL) {
		*cause = yt_errorf(it, "manifest directory '%s' cannot be read: %s", rel,
		    strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || !manifest_name(e->d_name))
			continue;
		char *full = xasprintf("%s/%s", path, e->d_name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = full;
		} else
			free(full);
	}
	closedir(dir);
	int rc = 0;
	if (n == 0) {
		*cause = yt_errorf(it, "manifest directory '%s' holds no .yaml, .yml or "
		    ".json file", rel);
		rc = -1;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = manifest_file(l, it, names[i], names[i], cause);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* A path, a directory, or a glob(3) pattern (matches in glob's sorted
 * order, each a file or a directory). */
static int
manifest_path(struct loader *l, const struct yt_node *it, char **cause)
{
	char *path = scn_path_join(l->dir, it->str);
	int rc;
	struct stat st;
	if (strpbrk(it->str, "*?[") != NULL && stat(path, &st) != 0) {
		glob_t g;
		int grc = glob(path, GLOB_ERR, NULL, &g);
		if (grc == GLOB_NOMATCH) {
			*cause = yt_errorf(it, "manifest pattern '%s' matches no file", it->str);
			rc = -1;
		} else if (grc != 0) {
			*cause = yt_errorf(it, "manifest pattern '%s' cannot be expanded: %s",
			    it->str, grc == GLOB_ABORTED ? "a directory cannot be read" :
			    "out of memory");
			rc = -1;
		} else {
			rc = 0;
			for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
				const char *m = g.gl_pathv[i];
				rc = stat(m, &st) == 0 && S_ISDIR(st.st_mode) ?
				    manifest_dir(l, it, m, m, cause) :
				    manifest_file(l, it, m, m, cause);
			}
		}
		if (grc != GLOB_NOMATCH && grc != GLOB_ABORTED && grc != GLOB_NOSPACE)
			globfree(&g);
	} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = manifest_dir(l, it, path, it->str, cause);
	else
		rc = manifest_file(l, it, path, it->str, cause);
	free(path);
	return rc;
}

static int
manifests(struct loader *l, const struct yt_node *n, char **cause)
{
	if (seq_of(n, "manifests", cause) == NULL)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *it = n->items[i];
		if (it->kind == YT_MAP) {
			if (scn_mf_add(&l->mf, it, cause) < 0)
				return -1;
			continue;
		}
		if (it->kind != YT_SCALAR || it->str[0] == '\0') {
			*cause = yt_errorf(it, "expected a manifest file path or an inline "
			    "Kubernetes object");
			return -1;
		}
		if (manifest_path(l, it, cause) < 0)
			return -1;
	}
	return 0;
}

/* ---- request profiles ---------------------------------------------------- */

/* classes: [{name, weight, serviceTime, cpuPerRequest, timeout, size}].
 * A class's cpu defaults to the profile's cpuPerRequest (cpu >= 0) or its
 * own mean service time; its timeout to the profile's. The profile's
 * service_time becomes the mixture's mean (a constant) for whoever reads
 * it; the serving models use the classes. */
static int
request_classes(struct loader *l, const struct yt_node *cl, struct scn_profile *p,
    sim_ns cpu, char **cause)
{
	if (cl->kind != YT_SEQ || cl->n == 0) {
		*cause = yt_errorf(cl, "expected classes as a list such as [{name: short, "
		    "weight: 3, serviceTime: 20ms}]");
		return -1;
	}
	if (cl->n > UINT16_MAX) {
		*cause = yt_errorf(cl, "at most %d request classes", UINT16_MAX);
		return -1;
	}
	p->classes = xcalloc(cl->n, sizeof *p->classes);
	double wsum = 0;
	for (size_t i = 0; i < cl->n; i++) {
		const struct yt_node *c = cl->items[i];
		struct rq_class *k = &p->classes[i];
		char *name = NULL;
		if (c->kind != YT_MAP) {
			*cause = yt_errorf(c, "expected a request class as a mapping");
			return -1;
		}
		if (yt_check_keys(c, "request class", class_keys, cause) < 0 ||
		    scn_get_strdup(c, "name", &name, cause) < 0)
			return -1;
		if (name == NULL) {
			*cause = yt_errorf(c, "a request class needs a name");
			return -1;
		}
		k->name = name;
		p->nclasses++;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->classes[j].name, name) == 0) {
				*cause = yt_errorf(yt_get(c, "name"), "duplicate request class "
				    "'%s'", name);
				return -1;
			}
		}
		if (yt_get_double(c, "weight", 1, &k->weight, cause) < 0)
			return -1;
		if (!isfinite(k->weight) || k->weight < 0) {
			*cause = yt_errorf(yt_get(c, "weight"), "weight must not be negative, "
			    "found '%s'", yt_get(c, "weight")->str);
			return -1;
		}
		wsum += k->weight;
		const struct yt_node *st = yt_get(c, "serviceTime");
		if (st == NULL || yt_is_null(st)) {
			*cause = yt_errorf(c, "request class '%s' needs serviceTime (a "
			    "distribution)", name);
			return -1;
		}
		if (scn_service_dist(st, l->dir, l->s, &k->service_time, cause) < 0)
			return -1;
		sim_ns kcpu;
		if (scn_get_dur(c, "cpuPerRequest", true, cpu, &kcpu, cause) < 0 ||
		    scn_get_dur(c, "timeout", false, p->timeout, &k->timeout, cause) < 0)
			return -1;
		k->cpu_per_request = kcpu < 0 ? sim_dist_mean(&k->service_time) :
		    sim_ns_to_s(kcpu);
		const struct yt_node *sz = yt_get(c, "size");
		if (sz != NULL && !yt_is_null(sz)) {
			if (scn_quantity_node(sz, 0, &k->size, cause) < 0)
				return -1;
			if (k->size < 0) {
				*cause = yt_errorf(sz, "size must not be negative");
				return -1;
			}
		}
	}
	if (!(wsum > 0)) {
		*cause = yt_errorf(cl, "the weights of the request classes sum to 0 "
		    "(expected at least one positive weight)");
		return -1;
	}
	double mean;
	rq_class_moments(p->classes, p->nclasses, &mean, NULL, NULL, NULL);
	p->service_time = sim_dist_const(mean);
	return 0;
}

static int
profile(struct loader *l, const struct yt_node *n, struct scn_profile *p, char **cause)
{
	struct scenario *s = l->s;
	if (yt_check_keys(n, "service", service_keys, cause) < 0 ||
	    scn_get_strdup(n, "name", &p->service, cause) < 0)
		return -1;
	if (p->service == NULL) {
		*cause = yt_errorf(n, "a service profile needs the name of a Service");
		return -1;
	}
	/* The profile keeps the Service's qualified name (results use it). */
	size_t i;
	if (scn_resolve_ref(s, yt_get(n, "name"), true, p->service, &i, cause) < 0)
		return -1;
	free(p->service);
	p->service = scn_qname(s->services[i].namespace, s->services[i].name);
	if (ks_strmap_get(&l->profile_names, p->service, NULL)) {
		*cause = yt_errorf(yt_get(n, "name"), "duplicate service profile '%s'",
		    p->service);
		return -1;
	}
	ks_strmap_put(&l->profile_names, p->service, 0);
	const struct yt_node *st = yt_get(n, "serviceTime");
	const struct yt_node *cl = yt_get(n, "classes");
	if (cl != NULL && yt_is_null(cl))
		cl = NULL;
	if (st == NULL && cl == NULL) {
		*cause = yt_errorf(n, "service '%s' needs serviceTime (a distribution) "
		    "or classes", p->service);
		return -1;
	}
	if (st != NULL && cl != NULL) {
		*cause = yt_errorf(st, "service '%s' has classes, each with its own "
		    "serviceTime: remove this one", p->service);
		return -1;
	}
	if (st != NULL && scn_service_dist(st, l->dir, s, &p->service_time, cause) < 0)
		return -1;
	int64_t v;
	if (scn_get_int(n, "concurrency", 1, 1, INT32_MAX, &v, cause) < 0)
		return -1;
	p->concurrency = (int32_t)v;
	if (scn_get_int(n, "queueLimit", 0, 0, INT32_MAX, &v, cause) < 0)
		return -1;
	p->queue_limit = (int32_t)v;
	/* cpuPerRequest: cpu time per request; default the mean service time
	 * (a CPU-bound service). */
	sim_ns cpu;
	if (scn_get_dur(n, "cpuPerRequest", true, -1, &cpu, cause) < 0 ||
	    scn_get_dur(n, "timeout", false, 0, &p->timeout, cause) < 0)
		return -1;
	if (cl != NULL && request_classes(l, cl, p, cpu, cause) < 0)
		return -1;
	p->cpu_per_request = cpu < 0 ? sim_dist_mean(&p->service_time) : sim_ns_to_s(cpu);
	if (p->nclasses > 0)
		rq_class_moments(p->classes, p->nclasses, NULL, NULL,
		    &p->cpu_per_request, NULL);
	const struct yt_node *lbn = yt_get(n, "loadBalancer");
	if (lbn != NULL && !yt_is_null(lbn)) {
		int lb = lbn->kind == YT_SCALAR ? rq_lb_parse(lbn->str) : -1;
		if (lb < 0) {
			const char *near = lbn->kind == YT_SCALAR ?
			    ks_nearest(lbn->str, rq_lb_names()) : NULL;
			*cause = near ? yt_errorf(lbn, "loadBalancer must be roundRobin, random, "
			    "leastRequest or ringHash (did you mean '%s'?)", near) :
			    yt_errorf(lbn, "loadBalancer must be roundRobin, random, "
			    "leastRequest or ringHash");
			return -1;
		}
		p->lb = lb;
	}
	/* A 10 Gbit/s instance network (1.25e9 bytes/s) unless given. */
	p->bandwidth = 1.25e9;
	const struct yt_node *bw = yt_get(n, "networkBandwidth");
	if (bw != NULL && !yt_is_null(bw)) {
		int64_t bytes;
		if (scn_quantity_node(bw, 0, &bytes, cause) < 0)
			return -1;
		if (bytes <= 0) {
			*cause = yt_errorf(bw, "networkBandwidth must be a positive quantity of "
			    "bytes per second, e.g. 1250M");
			return -1;
		}
		p->bandwidth = (double)bytes;
	}
	const struct yt_node *nl = yt_get(n, "networkLatency");
	if (nl != NULL && !yt_is_null(nl)) {
		if (scn_dist_node(nl, &p->net_latency, cause) < 0)
			return -1;
		p->has_net_latency = true;
	}
	const struct yt_node *ic = yt_get(n, "idleCpu");
	if (ic != NULL && !yt_is_null(ic)) {
		if (scn_quantity_node(ic, -3, &p->idle_cpu_milli, cause) < 0)
			return -1;
		if (p->idle_cpu_milli < 0) {
			*cause = yt_errorf(ic, "idleCpu must not be negative");
			return -1;
		}
	}
	if (scn_mesh(n, &p->mesh, cause) < 0 ||
	    scn_memory_block(yt_get(n, "memory"), &p->memory, cause) < 0)
		return -1;
	if (scn_traffic(yt_get(n, "traffic"), l->dir, &p->traffic, cause) < 0 ||
	    scn_burstiness(yt_get(n, "burstiness"), &p->burst, cause) < 0)
		return -1;
	double lo, hi;
	wl_burst_levels(&p->burst, &lo, &hi);
	if (scn_traffic_check_peak(yt_get(n, "traffic"), p->traffic, hi > lo ? hi : lo,
	    l->s->duration, cause) < 0)
		return -1;
	if (p->burst.kind != WL_BURST_POISSON && p->traffic != NULL) {
		struct wl_replay *rp = wl_replay_new(p->traffic, 0);
		wl_replay_free(rp);
		if (rp != NULL) {
			*cause = yt_errorf(yt_get(n, "burstiness"), "burstiness modulates "
			    "generated traffic; a trace of arrivals is replayed as recorded");
			return -1;
		}
	}
	return 0;
}

/* ---- failures ------------------------------------------------------------ */

static bool
zone_known(const struct scenario *s, const char *pool_name, const char *zone)
{
	for (size_t i = 0; i < s->npools; i++) {
		if (pool_name != NULL && strcmp(s->pools[i].name, pool_name) != 0)
			continue;
		for (size_t j = 0; j < s->pools[i].nzones; j++)
			if (strcmp(s->pools[i].zones[j], zone) == 0)
				return true;
	}
	return false;
}

/* {at, action: scale, deployment, replicas}: a scheduled `kubectl scale`. */
static int
scale_action(struct loader *l, const struct yt_node *n, struct scn_chaos *c, char **cause)
{
	struct scenario *s = l->s;
	static const char *const other[] = { "pool", "zone", "count", "duration", NULL };
	for (int i = 0; other[i] != NULL; i++) {
		if (yt_get(n, other[i]) != NULL) {
			*cause = yt_errorf(yt_get(n, other[i]), "the scale action takes "
			    "'deployment' and 'replicas', not '%s'", other[i]);
			return -1;
		}
	}
	if (c->deployment == NULL || yt_get(n, "replicas") == NULL) {
		*cause = yt_errorf(n, "the scale action needs 'deployment' and 'replicas'");
		return -1;
	}
	int64_t v;
	if (scn_get_int(n, "replicas", 0, 0, INT32_MAX, &v, cause) < 0)
		return -1;
	c->replicas = (int32_t)v;
	char *plain;
	if (scn_resolve_plain(s, yt_get(n, "deployment"), c->deployment, &plain, cause) < 0)
		return -1;
	free(c->deployment);
	c->deployment = plain;
	return 0;
}

static int
chaos(struct loader *l, const struct yt_node *n, struct scn_chaos *c, char **cause)
{
	struct scenario *s = l->s;
	int rc = scn_fault_parse(s, n, c, cause);	/* scenarios/chaos.c */
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (yt_check_keys(n, "scheduled failure", chaos_keys, cause) < 0)
		return -1;
	if (yt_get(n, "at") == NULL || yt_get(n, "action") == NULL) {
		*cause = yt_errorf(n, "a scheduled failure needs 'at' and 'action'");
		return -1;
	}
	if (scn_get_dur(n, "at", false, 0, &c->at, cause) < 0 ||
	    scn_get_dur(n, "duration", false, 0, &c->duration, cause) < 0 ||
	    scn_get_strdup(n, "pool", &c->pool, cause) < 0 ||
	    scn_get_strdup(n, "zone", &c->zone, cause) < 0)
		return -1;
	if (c->at > s->duration) {
		/* Not an error: a shorter --duration simply ends before it. */
		s->notes = xreallocarray(s->notes, s->nnotes + 1, sizeof *s->notes);
		s->notes[s->nnotes++] = yt_errorf(yt_get(n, "at"),
		    "this failure is after the end of the run (%.0f s) and will not happen",
		    sim_ns_to_s(s->duration));
	}
	const char *a = yt_get(n, "action")->str;
	static const char *const actions[] = { "failNodes", "failZone", "recoverNodes",
		"scale", "rollout", "pause", "resume", "undo", NULL };
	int k;
	for (k = 0; actions[k] != NULL; k++)
		if (yt_get(n, "action")->kind == YT_SCALAR && strcmp(actions[k], a) == 0)
			break;
	if (actions[k] == NULL) {
		const char *near = yt_get(n, "action")->kind == YT_SCALAR ?
		    ks_nearest(a, actions) : NULL;
		*cause = near ? yt_errorf(yt_get(n, "action"), "unknown action '%s' (did "
		    "you mean '%s'?)", a, near) : yt_errorf(yt_get(n, "action"),
		    "unknown action (expected failNodes, failZone, recoverNodes, scale, "
		    "rollout, pause, resume or undo)");
		return -1;
	}
	c->kind = (enum scn_chaos_kind)k;
	if (scn_get_strdup(n, "deployment", &c->deployment, cause) < 0)
		return -1;
	if (c->kind == SCN_SCALE_DEPLOYMENT) {
		static const char *const notscale[] = { "set", "behavior", "toRevision", NULL };
		for (int i = 0; notscale[i] != NULL; i++)
			if (yt_get(n, notscale[i]) != NULL) {
				*cause = yt_errorf(yt_get(n, notscale[i]), "'%s' belongs to the "
				    "rollout and undo actions", notscale[i]);
				return -1;
			}
		return scale_action(l, n, c, cause);
	}
	if (c->kind >= SCN_ROLLOUT)
		return scn_rollout_action(n, s, c, cause);
	static const char *const notnode[] = { "set", "behavior", "toRevision", NULL };
	for (int i = 0; notnode[i] != NULL; i++)
		if (yt_get(n, notnode[i]) != NULL) {
			*cause = yt_errorf(yt_get(n, notnode[i]), "'%s' belongs to the rollout "
			    "and undo actions", notnode[i]);
			return -1;
		}
	if (c->deployment != NULL || yt_get(n, "replicas") != NULL) {
		*cause = yt_errorf(yt_get(n, c->deployment ? "deployment" : "replicas"),
		    "'deployment' and 'replicas' belong to the scale action");
		return -1;
	}
	int64_t v;
	if (scn_get_int(n, "count", c->kind == SCN_FAIL_NODES ? 1 : 0,
	    c->kind == SCN_FAIL_NODES ? 1 : 0, INT32_MAX, &v, cause) < 0)
		return -1;
	c->count = (int32_t)v;
	if (c->pool != NULL) {
		size_t i;
		for (i = 0; i < s->npools; i++)
			if (strcmp(s->pools[i].name, c->pool) == 0)
				break;
		if (i == s->npools) {
			*cause = yt_errorf(yt_get(n, "pool"), "node pool '%s' is not defined "
			    "in nodePools", c->pool);
			return -1;
		}
	}
	if (c->kind == SCN_FAIL_ZONE && c->zone == NULL) {
		*cause = yt_errorf(n, "failZone needs a zone");
		return -1;
	}
	if (c->zone != NULL && !zone_known(s, c->pool, c->zone)) {
		*cause = yt_errorf(yt_get(n, "zone"), "zone '%s' is not a zone of %s%s",
		    c->zone, c->pool ? "node pool " : "any node pool", c->pool ? c->pool : "");
		return -1;
	}
	return 0;
}

/* ---- the scheduler's configuration ------------------------------------------ */

/* schedulerConfig: PATH (relative to the scenario file) of a
 * KubeSchedulerConfiguration, read as `kubesim schedule --config` reads it. */
static int
scheduler_config(struct loader *l, const struct yt_node *n, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	const char *rel;
	if (yt_string(n, &rel, cause) < 0)
		return -1;
	if (rel[0] == '\0') {
		*cause = yt_errorf(n, "schedulerConfig: expected the path of a "
		    "KubeSchedulerConfiguration file");
		return -1;
	}
	char *path = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", l->dir, rel);
	struct scn_sched_config *cfg = xcalloc(1, sizeof *cfg);
	char *inner = NULL;
	int rc = scn_sched_config_load(path, cfg, &inner);
	if (rc < 0) {
		/* A message about the file's content already names file:line:col;
		 * one about the file itself gets the scenario's position. */
		if (strncmp(inner, path, strlen(path)) == 0 && inner[strlen(path)] == ':' &&
		    inner[strlen(path) + 1] >= '0' && inner[strlen(path) + 1] <= '9') {
			*cause = inner;
		} else {
			*cause = yt_errorf(n, "schedulerConfig: %s", inner);
			free(inner);
		}
		free(cfg);
	} else {
		struct scenario *s = l->s;
		for (size_t i = 0; i < cfg->nnotes; i++) {
			s->notes = xreallocarray(s->notes, s->nnotes + 1, sizeof *s->notes);
			s->notes[s->nnotes++] = xstrdup(cfg->notes[i]);
		}
		s->sched_config = cfg;
	}
	free(path);
	return rc;
}

/* ---- the scenario -------------------------------------------------------- */

static int
run_settings(struct loader *l, const struct yt_node *root, char **cause)
{
	struct scenario *s = l->s;
	if (scn_get_strdup(root, "name", &s->name, cause) < 0 ||
	    scn_get_strdup(root, "description", &s->description, cause) < 0)
		return -1;
	if (s->name == NULL) {
		char *tmp = xstrdup(s->path);
		char *b = basename(tmp);
		char *dot = strrchr(b, '.');
		if (dot != NULL && dot != b)
			*dot = '\0';
		s->name = xstrdup(b);
		free(tmp);
	}
	const struct yt_node *sd = yt_get(root, "seed");
	s->seed = 1;
	if (sd != NULL && !yt_is_null(sd)) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(sd->kind == YT_SCALAR ? sd->str : "", &end, 10);
		if (sd->kind != YT_SCALAR || sd->str[0] == '\0' || sd->str[0] == '-' ||
		    *end != '\0' || errno != 0) {
			*cause = yt_errorf(sd, "seed must be a non-negative integer");
			return -1;
		}
		s->seed = v;
	}
	if (scn_get_dur(root, "duration", false, 24 * SIM_HOUR, &s->duration, cause) < 0 ||
	    scn_get_dur(root, "interval", false, 60 * SIM_SEC, &s->interval, cause) < 0 ||
	    scn_get_dur(root, "tick", false, SIM_SEC, &s->tick, cause) < 0)
		return -1;
	static const char *const pos[] = { "duration", "interval", "tick", NULL };
	const sim_ns vals[] = { s->duration, s->interval, s->tick };
	for (int i = 0; pos[i] != NULL; i++) {
		if (vals[i] <= 0) {
			*cause = yt_errorf(yt_get(root, pos[i]), "%s must be positive", pos[i]);
			return -1;
		}
	}
	if (scn_get_dur(root, "warmup", false, 0, &s->warmup, cause) < 0)
		return -1;
	if (s->warmup < 0 || s->warmup >= s->duration) {
		*cause = yt_errorf(yt_get(root, "warmup"), "warmup must be at least 0 "
		    "and shorter than duration");
		return -1;
	}
	const struct yt_node *tm = yt_get(root, "trafficMode");
	s->traffic_mode = SCN_TRAFFIC_FLUID;
	if (tm != NULL && !yt_is_null(tm)) {
		static const char *const modes[] = { "fluid", "request", "auto", NULL };
		int m = -1;
		for (int i = 0; tm->kind == YT_SCALAR && modes[i] != NULL; i++)
			if (strcmp(tm->str, modes[i]) == 0)
				m = i;
		if (m < 0) {
			*cause = yt_errorf(tm, "trafficMode must be fluid, request or auto");
			return -1;
		}
		s->traffic_mode = (enum scn_traffic_mode)m;
	}
	if (s->tick < SIM_MS) {
		*cause = yt_errorf(yt_get(root, "tick"), "tick must be at least 1ms "
		    "(shorter ticks cannot finish in reasonable time)");
		return -1;
	}
	const struct yt_node *hd = yt_get(root, "hpaDecisions");
	s->hpa_rows_on_change = true;	/* onChange unless everySync */
	if (hd != NULL && !yt_is_null(hd)) {
		if (hd->kind != YT_SCALAR || (strcmp(hd->str, "everySync") != 0 &&
		    strcmp(hd->str, "onChange") != 0)) {
			*cause = yt_errorf(hd, "hpaDecisions must be everySync or onChange");
			return -1;
		}
		s->hpa_rows_on_change = strcmp(hd->str, "onChange") == 0;
	}
	if (s->tick > s->interval) {
		*cause = yt_errorf(yt_get(root, "tick") ? yt_get(root, "tick") : root,
		    "tick must not be longer than interval");
		return -1;
	}
	return 0;
}

static int
load(struct loader *l, struct yt_node *root, char **cause)
{
	struct scenario *s = l->s;
	if (root->kind != YT_MAP) {
		*cause = yt_errorf(root, "expected a scenario (a mapping with name, "
		    "nodePools, manifests, services, ...)");
		return -1;
	}
	if (yt_check_keys(root, "scenario", top_keys, cause) < 0 ||
	    run_settings(l, root, cause) < 0 ||
	    scn_feature_gates(yt_get(root, "featureGates"), NULL, &s->gates, cause) < 0)
		return -1;
	scn_control_plane_defaults(&s->cp);
	if (scn_control_plane(yt_get(root, "controlPlane"), &s->cp, cause) < 0)
		return -1;
	if (scheduler_config(l, yt_get(root, "schedulerConfig"), cause) < 0)
		return -1;

	const struct yt_node *pools = yt_get(root, "nodePools");
	if (pools != NULL && !yt_is_null(pools)) {
		if (seq_of(pools, "nodePools", cause) == NULL)
			return -1;
		s->pools = xcalloc(pools->n + 1, sizeof *s->pools);
		for (size_t i = 0; i < pools->n; i++) {
			s->npools++;
			if (scn_pool(pools->items[i], s, &s->pools[i], &l->pool_names, cause) < 0)
				return -1;
			if (s->pools[i].min != s->pools[i].max)
				s->cluster_autoscaler = true;
		}
	}
	const struct yt_node *mf = yt_get(root, "manifests");
	if (mf != NULL && !yt_is_null(mf) && manifests(l, mf, cause) < 0)
		return -1;
	if (scn_mf_finish(&l->mf, cause) < 0 || scn_autoscaling_finish(s, cause) < 0 ||
	    scn_workloads_finish(root, s, cause) < 0 ||
	    scn_pod_trace(yt_get(root, "podTrace"), l->dir, s, cause) < 0)
		return -1;
	if (s->npools == 0 && s->nnodes == 0 &&
	    (s->pod_trace == NULL || s->pod_trace->nnodes == 0)) {
		*cause = yt_errorf(root, "the scenario has no nodes (add nodePools, v1 "
		    "Node manifests or podTrace.nodes)");
		return -1;
	}

	const struct yt_node *svcs = yt_get(root, "services");
	if (svcs != NULL && !yt_is_null(svcs)) {
		if (seq_of(svcs, "services", cause) == NULL)
			return -1;
		s->profiles = xcalloc(svcs->n + 1, sizeof *s->profiles);
		for (size_t i = 0; i < svcs->n; i++) {
			s->nprofiles++;
			if (profile(l, svcs->items[i], &s->profiles[i], cause) < 0)
				return -1;
		}
		if (scn_mesh_finish(s, svcs, cause) < 0)
			return -1;
	}
	scn_warnings(s, &l->mf, svcs != NULL && svcs->kind == YT_SEQ ? svcs : NULL);
	if (scn_queues(yt_get(root, "queues"), l->dir, s, cause) < 0 ||
	    scn_cluster_autoscaler(yt_get(root, "clusterAutoscaler"), s, cause) < 0 ||
	    scn_kubelet(yt_get(root, "kubelet"), s, cause) < 0)
		return -1;
	const struct yt_node *f = yt_get(root, "failures");
	if (f != NULL && !yt_is_null(f)) {
		if (yt_check_keys(f, "failures", failures_keys, cause) < 0)
			return -1;
		const struct yt_node *sch = yt_get(f, "scheduled");
		if (sch != NULL && !yt_is_null(sch)) {
			if (seq_of(sch, "failures.scheduled", cause) == NULL)
				return -1;
			s->chaos = xcalloc(sch->n + 1, sizeof *s->chaos);
			for (size_t i = 0; i < sch->n; i++) {
				s->nchaos++;
				if (chaos(l, sch->items[i], &s->chaos[i], cause) < 0)
					return -1;
			}
		}
		if (scn_incident(s, yt_get(f, "replay"), l->dir, cause) < 0)
			return -1;	/* scenarios/incident.c */
		if (scn_container_failures(yt_get(f, "containers"), s, cause) < 0)
			return -1;
	}
	return 0;
}

int
scn_load(const char *path, const struct scn_override *ov, size_t nov,
    struct scenario **out, char **cause)
{
	*out = NULL;
	*cause = NULL;
	struct yt_docs d;
	if (yt_parse_file(path, &d, cause) < 0)
		return -1;
	struct scenario *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	struct loader l;
	memset(&l, 0, sizeof l);
	ks_strmap_init(&l.pool_names);
	ks_strmap_init(&l.svc_names);
	ks_strmap_init(&l.profile_names);
	l.s = s;
	char *tmp = xstrdup(path);
	l.dir = xstrdup(dirname(tmp));
	free(tmp);
	scn_mf_init(&l.mf, s);
	struct scn_extra extra;
	memset(&extra, 0, sizeof extra);

	int rc = -1;
	if (d.ndocs != 1) {
		*cause = d.ndocs == 0 ? xasprintf("%s: the scenario file is empty", path) :
		    yt_errorf(d.docs[1], "a scenario file holds one YAML document "
		    "(put Kubernetes manifests in a file listed under manifests)");
		goto out;
	}
	if (d.docs[0]->kind == YT_MAP &&
	    scn_override_apply(d.docs[0], ov, nov, &extra, cause) < 0)
		goto out;
	rc = load(&l, d.docs[0], cause);
out:
	scn_mf_fini(&l.mf);
	ks_strmap_fini(&l.pool_names);
	ks_strmap_fini(&l.svc_names);
	ks_strmap_fini(&l.profile_names);
	for (size_t i = 0; i < l.nfiles; i++)
		yt_docs_free(&l.files[i]);
	free(l.files);
	free(l.dir);
	scn_override_free(&extra);
	yt_docs_free(&d);
	if (rc < 0) {
		scn_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
scn_free(struct scenario *s)
{
	if (s == NULL)
		return;
	free(s->path);
	free(s->name);
	free(s->description);
	for (size_t i = 0; i < s->npools; i++)
		scn_pool_free(&s->pools[i]);
	free(s->pools);
	for (size_t i = 0; i < s->nnodes; i++)
		k8s_node_spec_free(&s->nodes[i]);
	free(s->nodes);
	for (size_t i = 0; i < s->ndeployments; i++)
		scn_deployment_free(&s->deployments[i]);
	free(s->deployments);
	for (size_t i = 0; i < s->nservices; i++)
		scn_service_free(&s->services[i]);
	free(s->services);
	for (size_t i = 0; i < s->nhpas; i++)
		hpa_spec_free(&s->hpas[i]);
	free(s->hpas);
	for (size_t i = 0; i < s->npdbs; i++)
		scn_pdb_free(&s->pdbs[i]);
	free(s->pdbs);
	for (size_t i = 0; i < s->npriority_classes; i++)
		free(s->priority_classes[i].name);
	free(s->priority_classes);
	for (size_t i = 0; i < s->npods; i++)
		k8s_pod_spec_free(&s->pods[i]);
	free(s->pods);
	for (size_t i = 0; i < s->nprofiles; i++) {
		free(s->profiles[i].service);
		wl_free(s->profiles[i].traffic);
		scn_mesh_free(&s->profiles[i].mesh);
		for (size_t j = 0; j < s->profiles[i].nclasses; j++)
			free((char *)s->profiles[i].classes[j].name);
		free(s->profiles[i].classes);
	}
	free(s->profiles);
	for (size_t i = 0; i < s->nsamples; i++)
		free(s->samples[i]);
	free(s->samples);
	scn_names_free(s->names_ix);
	scn_rollouts_free(s);
	scn_kubelet_free(s);
	for (size_t i = 0; i < s->nchaos; i++) {
		free(s->chaos[i].pool);
		free(s->chaos[i].zone);
		free(s->chaos[i].deployment);
		scn_fault_free(s->chaos[i].fault);
	}
	if (s->sched_config != NULL) {
		scn_sched_config_fini(s->sched_config);
		free(s->sched_config);
	}
	free(s->chaos);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	scn_autoscaling_free(s);
	scn_workloads_fini(s);
	scn_pod_trace_free(s->pod_trace);
	free(s);
}
