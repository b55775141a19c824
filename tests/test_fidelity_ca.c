/*
 * test_fidelity_ca.c - replays every case of tests/fidelity/ca.json (the
 * Cluster Autoscaler's defaults, utilization, scale-down eligibility and the
 * least-waste, most-pods and least-nodes expanders, from upstream's unit
 * tests) against models/autoscaler/ca.h, asserting the recorded values.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/autoscaler/ca.h"
#include "models/api/k8s.h"
#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"
#include "tests/vectors.h"

#define NOW	(1000 * SIM_HOUR)	/* any time well after the run's start */

static const char *
get_str(const struct yt_node *m, const char *key)
{
	const struct yt_node *n = yt_get(m, key);
	return n != NULL && n->kind == YT_SCALAR ? n->str : NULL;
}

/* "10m", "0s (note)", "30s", "1h" -> nanoseconds; -1 if unparsable. */
static sim_ns
parse_dur(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s)
		return -1;
	switch (*end) {
	case 's':
		return v * SIM_SEC;
	case 'm':
		return v * SIM_MIN;
	case 'h':
		return v * SIM_HOUR;
	}
	return -1;
}

/* ---- defaults ------------------------------------------------------------ */

enum dkind { D_DUR, D_DBL, D_INT, D_BOOL, D_RANGE, D_SECONDS };
struct dfield {
	const char	*key;
	enum dkind	 kind;
	size_t		 off, off2;
};
#define F(k, kind, field) { k, kind, offsetof(struct ca_config, field), 0 }
static const struct dfield dfields[] = {
	F("scale-down-utilization-threshold", D_DBL, scale_down_utilization_threshold),
	F("scale-down-gpu-utilization-threshold", D_DBL, scale_down_gpu_utilization_threshold),
	F("scale-down-unneeded-time", D_DUR, scale_down_unneeded_time),
	F("scale-down-unready-time", D_DUR, scale_down_unready_time),
	F("scale-down-delay-after-add", D_DUR, scale_down_delay_after_add),
	F("scale-down-delay-after-delete", D_DUR, scale_down_delay_after_delete),
	F("scale-down-delay-after-failure", D_DUR, scale_down_delay_after_failure),
	F("scan-interval", D_DUR, scan_interval),
	F("max-node-provision-time", D_DUR, max_node_provision_time),
	F("max-node-startup-time", D_DUR, max_node_startup_time),
	F("max-graceful-termination-sec", D_SECONDS, max_graceful_termination),
	F("max-total-unready-percentage", D_DBL, max_total_unready_percentage),
	F("ok-total-unready-count", D_INT, ok_total_unready_count),
	F("new-pod-scale-up-delay", D_DUR, new_pod_scale_up_delay),
	F("scale-down-non-empty-candidates-count", D_INT, scale_down_non_empty_candidates_count),
	F("scale-down-candidates-pool-ratio", D_DBL, scale_down_candidates_pool_ratio),
	F("scale-down-candidates-pool-min-count", D_INT, scale_down_candidates_pool_min_count),
	F("max-scale-down-parallelism", D_INT, max_scale_down_parallelism),
	F("max-drain-parallelism", D_INT, max_drain_parallelism),
	F("node-delete-delay-after-taint", D_DUR, node_delete_delay_after_taint),
	F("max-bulk-soft-taint-count", D_INT, max_bulk_soft_taint_count),
	F("max-nodes-per-scaleup", D_INT, max_nodes_per_scaleup),
	F("max-nodes-total", D_INT, max_nodes_total),
	{ "cores-total", D_RANGE, offsetof(struct ca_config, cores_total_min),
	    offsetof(struct ca_config, cores_total_max) },
	{ "memory-total", D_RANGE, offsetof(struct ca_config, memory_total_min_gib),
	    offsetof(struct ca_config, memory_total_max_gib) },
	F("expendable-pods-priority-cutoff", D_INT, expendable_pods_priority_cutoff),
	F("unremovable-node-recheck-timeout", D_DUR, unremovable_node_recheck_timeout),
	F("skip-nodes-with-local-storage", D_BOOL, skip_nodes_with_local_storage),
	F("skip-nodes-with-system-pods", D_BOOL, skip_nodes_with_system_pods),
	F("ignore-daemonsets-utilization", D_BOOL, ignore_daemonsets_utilization),
	F("scale-down-enabled", D_BOOL, scale_down_enabled),
	F("balance-similar-node-groups", D_BOOL, balance_similar_node_groups),
	F("enforce-node-group-min-size", D_BOOL, enforce_node_group_min_size),
	F("scale-up-from-zero", D_BOOL, scale_up_from_zero),
	F("max-pod-eviction-time", D_DUR, max_pod_eviction_time),
	F("node-deletion-delay-timeout", D_DUR, node_deletion_delay_timeout),
	F("scale-down-simulation-timeout", D_DUR, scale_down_simulation_timeout),
};
#undef F

/* Free-text keys that document rather than set a value. */
static const char *const dnotes[] = { "source", "expander_note", "expander_chaining", NULL };

static void
check_default_field(const struct ca_config *c, const struct dfield *f,
    const struct yt_node *v)
{
	const char *base = (const char *)c;
	char where[256];
	yt_where(v, where, sizeof where);

	switch (f->kind) {
	case D_DUR: {
		sim_ns want = v->kind == YT_SCALAR ? parse_dur(v->str) : -1;
		sim_ns got = *(const sim_ns *)(base + f->off);
		if (want < 0)
			FAILF("%s: %s: cannot read duration", where, f->key);
		else if (got != want)
			FAILF("%s: %s = %lld ns, want %lld ns", where, f->key, (long long)got,
			    (long long)want);
		else
			PASS();
		break;
	}
	case D_SECONDS: {
		int64_t want = 0;
		char *cause = NULL;
		if (yt_int64(v, &want, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
			break;
		}
		CHECK_INT(*(const sim_ns *)(base + f->off), want * SIM_SEC);
		break;
	}
	case D_DBL: {
		double want = 0;
		char *cause = NULL;
		if (yt_double(v, &want, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
			break;
		}
		if (*(const double *)(base + f->off) != want)
			FAILF("%s: %s = %g, want %g", where, f->key,
			    *(const double *)(base + f->off), want);
		else
			PASS();
		break;
	}
	case D_INT: {
		int64_t want = 0;
		char *cause = NULL;
		if (yt_int64(v, &want, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
			break;
		}
		if (*(const int *)(base + f->off) != want)
			FAILF("%s: %s = %d, want %lld", where, f->key,
			    *(const int *)(base + f->off), (long long)want);
		else
			PASS();
		break;
	}
	case D_BOOL: {
		bool want = false;
		char *cause = NULL;
		if (yt_bool(v, &want, &cause) < 0) {
			FAILF("%s", cause);
			free(cause);
			break;
		}
		if (*(const bool *)(base + f->off) != want)
			FAILF("%s: %s = %d, want %d", where, f->key,
			    *(const bool *)(base + f->off), want);
		else
			PASS();
		break;
	}
	case D_RANGE: {
		long long lo = -1, hi = -1;
		if (v->kind != YT_SCALAR || sscanf(v->str, "%lld:%lld", &lo, &hi) != 2) {
			FAILF("%s: %s: cannot read min:max", where, f->key);
			break;
		}
		int64_t glo = *(const int64_t *)(base + f->off);
		int64_t ghi = *(const int64_t *)(base + f->off2);
		if (glo != lo || ghi != hi)
			FAILF("%s: %s = %lld:%lld, want %lld:%lld", where, f->key,
			    (long long)glo, (long long)ghi, lo, hi);
		else
			PASS();
		break;
	}
	}
}

static void
test_defaults(const struct yt_node *root)
{
	const struct yt_node *d = yt_get(root, "defaults");
	struct ca_config c = ca_config_defaults();

	if (d == NULL || d->kind != YT_MAP) {
		FAILF("ca.json has no defaults map");
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const char *key = d->keys[i]->str;
		const struct yt_node *v = d->items[i];
		bool done = false;

		for (size_t k = 0; dnotes[k] != NULL; k++)
			if (strcmp(key, dnotes[k]) == 0)
				done = true;
		for (size_t k = 0; !done && k < sizeof dfields / sizeof dfields[0]; k++) {
			if (strcmp(key, dfields[k].key) == 0) {
				check_default_field(&c, &dfields[k], v);
				done = true;
			}
		}
		if (done)
			continue;
		if (strcmp(key, "expander") == 0) {
			struct ca_config e = ca_config_defaults();
			char *cause = NULL;
			if (ca_config_set_expanders(&e, v->str, &cause) < 0) {
				FAILF("expander '%s': %s", v->str, cause);
				free(cause);
				continue;
			}
			CHECK_INT(c.nexpanders, e.nexpanders);
			for (int k = 0; k < e.nexpanders && k < c.nexpanders; k++)
				CHECK_STR(ca_expander_name(c.expanders[k]),
				    ca_expander_name(e.expanders[k]));
		} else if (strcmp(key, "available_expanders_flag_help") == 0 ||
		    strcmp(key, "other_expander_constants") == 0) {
			for (size_t k = 0; v->kind == YT_SEQ && k < v->n; k++) {
				const char *name = v->items[k]->str;
				if (strcmp(name, "grpc") == 0) {
					PASS();	/* a plugin over the network: not simulated */
					continue;
				}
				if (ca_expander_parse(name) < 0)
					FAILF("expander '%s' is unknown to kubesim", name);
				else
					CHECK_STR(ca_expander_name(ca_expander_parse(name)), name);
			}
		} else if (strcmp(key, "pod_long_terminating") == 0) {
			/* deletionTimestamp + grace + 30s < now, strictly. */
			struct ca_pod_usage p = { .deletion_time = 0, .grace_s = 30 };
			CHECK_INT(c.pod_long_terminating_extra, 30 * SIM_SEC);
			CHECK(!ca_pod_long_terminating(&c, &p, 60 * SIM_SEC));
			CHECK(ca_pod_long_terminating(&c, &p, 60 * SIM_SEC + 1));
		} else {
			FAILF("defaults: key '%s' is not checked by this test", key);
		}
	}
}

/* ---- utilization --------------------------------------------------------- */

static bool
kind_has(const struct yt_node *pod, const char *word)
{
	const char *k = get_str(pod, "kind");
	return k != NULL && strstr(k, word) != NULL;
}

static void
container_from(const struct yt_node *m, struct k8s_container *c)
{
	memset(c, 0, sizeof *c);
	const struct yt_node *v;
	if ((v = yt_get(m, "cpu_milli")) != NULL && !yt_is_null(v))
		k8s_res_set(&c->requests, "cpu", tv_i64(m, "cpu_milli", 0));
	if ((v = yt_get(m, "memory")) != NULL && !yt_is_null(v))
		k8s_res_set(&c->requests, "memory", tv_i64(m, "memory", 0));
	if ((v = yt_get(m, "nvidia.com/gpu")) != NULL && !yt_is_null(v))
		k8s_res_set(&c->requests, "nvidia.com/gpu", tv_i64(m, "nvidia.com/gpu", 0));
	const char *rp = get_str(m, "restart_policy");
	if (rp == NULL)
		rp = get_str(m, "restartPolicy");
	c->restartable = tv_bool(m, "restartable", false) ||
	    (rp != NULL && strcmp(rp, "Always") == 0);
}

static void
containers_from(const struct yt_node *seq, struct k8s_container **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (seq == NULL || seq->kind != YT_SEQ)
		return;
	*out = xcalloc(seq->n > 0 ? seq->n : 1, sizeof **out);
	for (size_t i = 0; i < seq->n; i++)
		container_from(seq->items[i], &(*out)[i]);
	*n = seq->n;
}

/* A pod of a case as the utilization calculation sees it: PodRequests over
 * its containers (one container from the top-level fields when the pod has
 * no container list), DaemonSet and mirror kinds, deletion age and grace. */
static void
pod_usage_from(const struct yt_node *pod, struct ca_pod_usage *u)
{
	struct k8s_pod_spec spec;
	memset(&spec, 0, sizeof spec);
	containers_from(yt_get(pod, "containers"), &spec.containers, &spec.ncontainers);
	/* Init containers in the pod's order; a separate list of restartable
	 * ones (sidecars) goes first, as a sidecar starts before regular ones. */
	const struct yt_node *ri = yt_get(pod, "restartable_init_containers");
	const struct yt_node *ic = yt_get(pod, "init_containers");
	if (ic == NULL)
		ic = yt_get(pod, "initContainers");
	size_t nri = ri != NULL && ri->kind == YT_SEQ ? ri->n : 0;
	size_t nic = ic != NULL && ic->kind == YT_SEQ ? ic->n : 0;
	if (nri + nic > 0) {
		spec.init_containers = xcalloc(nri + nic, sizeof *spec.init_containers);
		for (size_t i = 0; i < nri; i++) {
			container_from(ri->items[i], &spec.init_containers[i]);
			spec.init_containers[i].restartable = true;
		}
		for (size_t i = 0; i < nic; i++)
			container_from(ic->items[i], &spec.init_containers[nri + i]);
		spec.ninit = nri + nic;
	}
	if (spec.ncontainers == 0) {
		spec.containers = xcalloc(1, sizeof *spec.containers);
		container_from(pod, &spec.containers[0]);
		spec.ncontainers = 1;
	}
	struct k8s_resources r;
	k8s_pod_request(&spec, false, &r);

	memset(u, 0, sizeof *u);
	u->cpu_milli = r.cpu_milli;
	u->memory = r.memory;
	k8s_res_get(&r, "nvidia.com/gpu", &u->gpu);
	u->daemonset = kind_has(pod, "DaemonSet") || tv_bool(pod, "daemonset", false);
	u->mirror = kind_has(pod, "Mirror") || tv_bool(pod, "mirror", false);
	u->deletion_time = SIM_NEVER;
	u->grace_s = 30;
	for (size_t i = 0; pod->kind == YT_MAP && i < pod->n; i++) {
		const char *k = pod->keys[i]->str;
		const struct yt_node *v = pod->items[i];
		if (strstr(k, "delet") != NULL && strstr(k, "grace") == NULL &&
		    v->kind == YT_SCALAR && !yt_is_null(v)) {
			/* deletionTimestamp: an age ("..._age_s", "..._ago") is
			 * before now, a timestamp is relative to now; minutes
			 * when the key says so */
			sim_ns unit = strstr(k, "min") != NULL ? 60 * SIM_SEC : SIM_SEC;
			bool b;
			char *err = NULL;
			if (yt_bool(v, &b, &err) == 0) {
				if (b)	/* set, with no time: long ago */
					u->deletion_time = NOW - 3600 * SIM_SEC;
			} else {
				/* a number, or a duration such as "-10m" */
				char *end = NULL;
				double x = strtod(v->str, &end);
				sim_ns u8 = unit;
				if (end != NULL && *end == 'h')
					u8 = 3600 * SIM_SEC;
				else if (end != NULL && *end == 'm' && end[1] != 's')
					u8 = 60 * SIM_SEC;
				else if (end != NULL && *end == 's')
					u8 = SIM_SEC;
				sim_ns off = (sim_ns)(x * (double)u8);
				if (strstr(k, "age") != NULL || strstr(k, "ago") != NULL)
					u->deletion_time = NOW - off;
				else
					u->deletion_time = NOW + off;
			}
			free(err);
		}
		else if (strstr(k, "grace") != NULL && !yt_is_null(pod->items[i]))
			u->grace_s = tv_i64(pod, k, 30);
	}
	k8s_res_free(&r);
	for (size_t i = 0; i < spec.ncontainers; i++)
		k8s_res_free(&spec.containers[i].requests);
	for (size_t i = 0; i < spec.ninit; i++)
		k8s_res_free(&spec.init_containers[i].requests);
	free(spec.containers);
	free(spec.init_containers);
}

static bool
near_exact(double got, double want)
{
	double d = got - want;
	if (d < 0)
		d = -d;
	return d <= 1e-12 || d <= 1e-12 * (want < 0 ? -want : want);
}

static void
check_util_value(const char *name, const char *what, double got, const struct yt_node *exp)
{
	const struct yt_node *v = yt_get(exp, what);
	if (v == NULL)
		return;
	double want = tv_dbl(exp, what, 0);
	if (near_exact(got, want))
		PASS();
	else
		FAILF("utilization case \"%s\": %s = %.17g, want %.17g", name, what, got, want);
}

static int
test_utilization(const struct yt_node *cases)
{
	int ran = 0;
	for (size_t ci = 0; cases != NULL && ci < cases->n; ci++) {
		const struct yt_node *c = cases->items[ci];
		const char *name = tv_case_name(c);
		const struct yt_node *in = yt_get(c, "inputs");
		const struct yt_node *exp = yt_get(c, "expected");
		const struct yt_node *na = yt_get(in, "node_allocatable");
		const struct yt_node *pods = yt_get(in, "pods");
		struct ca_node_alloc a;

		memset(&a, 0, sizeof a);
		a.has_cpu = yt_get(na, "cpu_milli") != NULL;
		a.cpu_milli = tv_i64(na, "cpu_milli", 0);
		a.has_memory = yt_get(na, "memory") != NULL;
		a.memory = tv_i64(na, "memory", 0);
		a.has_gpu = yt_get(na, "nvidia.com/gpu") != NULL;
		a.gpu = tv_i64(na, "nvidia.com/gpu", 0);
		a.gpu_node = yt_get(in, "gpu") != NULL && !yt_is_null(yt_get(in, "gpu"));
		if (tv_bool(in, "dra_enabled", false)) {
			FAILF("utilization case \"%s\": DRA is not modelled", name);
			continue;
		}

		size_t n = pods != NULL && pods->kind == YT_SEQ ? pods->n : 0;
		struct ca_pod_usage *u = xcalloc(n > 0 ? n : 1, sizeof *u);
		for (size_t i = 0; i < n; i++)
			pod_usage_from(pods->items[i], &u[i]);

		struct ca_util out;
		char *cause = NULL;
		int rc = ca_utilization(&a, u, n, tv_bool(in, "skip_daemonset_pods", false),
		    tv_bool(in, "skip_mirror_pods", false), NOW, &out, &cause);
		if (tv_bool(exp, "error", false)) {
			if (rc == 0)
				FAILF("utilization case \"%s\": no error, want one", name);
			else
				PASS();
		} else if (rc != 0) {
			FAILF("utilization case \"%s\": error %s", name, cause);
		} else {
			check_util_value(name, "utilization", out.utilization, exp);
			check_util_value(name, "cpu_util", out.cpu, exp);
			check_util_value(name, "mem_util", out.mem, exp);
			check_util_value(name, "gpu_util", out.gpu, exp);
		}
		free(cause);
		free(u);
		ran++;
	}
	return ran;
}

/* ---- eligibility --------------------------------------------------------- */

/* "ToBeDeletedByClusterAutoscaler=<now-30s unix>" -> the taint's time. */
static sim_ns
taint_time(const struct yt_node *node)
{
	const struct yt_node *t = yt_get(node, "taints");
	for (size_t i = 0; t != NULL && t->kind == YT_SEQ && i < t->n; i++) {
		const char *s = t->items[i]->str;
		if (s == NULL || strncmp(s, "ToBeDeletedByClusterAutoscaler", 30) != 0)
			continue;
		const char *now = strstr(s, "now");
		if (now == NULL)
			return NOW;
		sim_ns d = 0;
		if (now[3] == '-' || now[3] == '+') {
			d = parse_dur(now + 4);
			if (d < 0)
				d = 0;
			if (now[3] == '-')
				d = -d;
		}
		return NOW + d;
	}
	return SIM_NEVER;
}

static bool
scale_down_disabled(const struct yt_node *node)
{
	const struct yt_node *a = yt_get(node, "annotations");
	const char *v = get_str(a, "cluster-autoscaler.kubernetes.io/scale-down-disabled");
	return v != NULL && strcmp(v, "true") == 0;
}

static int
test_eligibility(const struct yt_node *cases)
{
	int ran = 0;
	for (size_t ci = 0; cases != NULL && ci < cases->n; ci++) {
		const struct yt_node *c = cases->items[ci];
		const char *name = tv_case_name(c);
		const struct yt_node *in = yt_get(c, "inputs");
		const struct yt_node *opt = yt_get(in, "options");
		const struct yt_node *nodes = yt_get(in, "nodes");
		const struct yt_node *pods = yt_get(in, "pods");
		const struct yt_node *exp = yt_get(c, "expected");
		struct ca_config cfg = ca_config_defaults();

		cfg.scale_down_utilization_threshold = tv_dbl(opt,
		    "scale_down_utilization_threshold", cfg.scale_down_utilization_threshold);
		cfg.scale_down_gpu_utilization_threshold = tv_dbl(opt,
		    "scale_down_gpu_utilization_threshold",
		    cfg.scale_down_gpu_utilization_threshold);
		cfg.ignore_daemonsets_utilization = tv_bool(opt,
		    "ignore_daemonsets_utilization", cfg.ignore_daemonsets_utilization);
		cfg.scale_down_unready_enabled = tv_bool(opt, "scale_down_unready_enabled",
		    cfg.scale_down_unready_enabled);
		cfg.ignore_mirror_pods_utilization = tv_bool(opt,
		    "ignore_mirror_pods_utilization", cfg.ignore_mirror_pods_utilization);

		struct ks_buf got_un, got_rm, want_un, want_rm;
		ks_buf_init(&got_un);
		ks_buf_init(&got_rm);
		ks_buf_init(&want_un);
		ks_buf_init(&want_rm);
		size_t nn = nodes != NULL && nodes->kind == YT_SEQ ? nodes->n : 0;
		size_t np = pods != NULL && pods->kind == YT_SEQ ? pods->n : 0;
		for (size_t i = 0; i < nn; i++) {
			const struct yt_node *nd = nodes->items[i];
			const char *nname = get_str(nd, "name");
			struct ca_node_alloc a = {
				.cpu_milli = tv_i64(nd, "cpu_milli", 0), .has_cpu = true,
				.memory = tv_i64(nd, "memory", 0), .has_memory = true,
			};
			struct ca_pod_usage *u = xcalloc(np > 0 ? np : 1, sizeof *u);
			size_t nu = 0;
			for (size_t j = 0; j < np; j++) {
				const char *on = get_str(pods->items[j], "node");
				if (on != NULL && nname != NULL && strcmp(on, nname) == 0)
					pod_usage_from(pods->items[j], &u[nu++]);
			}
			struct ca_util util;
			int rc = ca_utilization(&a, u, nu, cfg.ignore_daemonsets_utilization,
			    cfg.ignore_mirror_pods_utilization, NOW, &util, NULL);
			struct ca_elig_node e = {
				.group = 0,
				.ready = tv_bool(nd, "ready", true),
				.scale_down_disabled = scale_down_disabled(nd),
				.to_be_deleted_at = taint_time(nd),
				.util_error = rc < 0,
				.utilization = rc < 0 ? 0 : util.utilization,
			};
			enum ca_reason r = ca_eligibility(&cfg, &e, NOW);
			if (r == CA_NO_REASON)
				ks_buf_printf(&got_un, "%s;", nname);
			else
				ks_buf_printf(&got_rm, "%s=%s;", nname, ca_reason_name(r));
			free(u);
		}
		const struct yt_node *un = yt_get(exp, "unneeded");
		for (size_t i = 0; un != NULL && un->kind == YT_SEQ && i < un->n; i++)
			ks_buf_printf(&want_un, "%s;", un->items[i]->str);
		const struct yt_node *rm = yt_get(exp, "unremovable");
		for (size_t i = 0; rm != NULL && rm->kind == YT_SEQ && i < rm->n; i++)
			ks_buf_printf(&want_rm, "%s=%s;", get_str(rm->items[i], "node"),
			    get_str(rm->items[i], "reason"));
		char *gu = ks_buf_take(&got_un), *gr = ks_buf_take(&got_rm);
		char *wu = ks_buf_take(&want_un), *wr = ks_buf_take(&want_rm);
		if (strcmp(gu, wu) != 0 || strcmp(gr, wr) != 0)
			FAILF("eligibility case \"%s\": unneeded [%s] unremovable [%s], "
			    "want [%s] [%s]", name, gu, gr, wu, wr);
		else
			PASS();
		free(gu);
		free(gr);
		free(wu);
		free(wr);
		ran++;
	}
	return ran;
}

/* ---- expanders ----------------------------------------------------------- */

static void
check_best(const char *what, const char *name, const struct ca_option *opts, size_t k,
    const struct yt_node *exp)
{
	struct ks_buf got, want;
	ks_buf_init(&got);
	ks_buf_init(&want);
	for (size_t i = 0; i < k; i++)
		ks_buf_printf(&got, "%s;", opts[i].name);
	const struct yt_node *best = yt_get(exp, "best");
	for (size_t i = 0; best != NULL && best->kind == YT_SEQ && i < best->n; i++)
		ks_buf_printf(&want, "%s;", best->items[i]->str);
	char *g = ks_buf_take(&got), *w = ks_buf_take(&want);
	if (strcmp(g, w) != 0)
		FAILF("%s case \"%s\": best [%s], want [%s]", what, name, g, w);
	else
		PASS();
	free(g);
	free(w);
}

static int
test_expander(const struct yt_node *cases, enum ca_expander e, const char *what)
{
	int ran = 0;
	struct ca_config cfg = ca_config_defaults();
	struct ca_expander_ctx ctx = { .cfg = &cfg, .cluster_nodes = 0 };

	for (size_t ci = 0; cases != NULL && ci < cases->n; ci++) {
		const struct yt_node *c = cases->items[ci];
		const struct yt_node *in = yt_get(c, "inputs");
		const struct yt_node *tmpl = yt_get(in, "node_templates");
		const struct yt_node *os = yt_get(in, "options");
		size_t n = os != NULL && os->kind == YT_SEQ ? os->n : 0;
		struct ca_option *opts = xcalloc(n > 0 ? n : 1, sizeof *opts);

		for (size_t i = 0; i < n; i++) {
			const struct yt_node *o = os->items[i];
			struct ca_option *op = &opts[i];
			const char *group = get_str(o, "node_group");
			const char *id = get_str(o, "id");
			op->group = (int)i;
			op->name = group != NULL ? group : id;
			op->node_count = (int)tv_i64(o, "node_count", 1);
			const struct yt_node *pods = yt_get(o, "pods");
			if (pods != NULL && pods->kind == YT_SEQ) {
				op->npods = (int)pods->n;
				for (size_t j = 0; j < pods->n; j++) {
					op->pods_cpu_milli += tv_i64(pods->items[j], "cpu_milli", 0);
					op->pods_memory += tv_i64(pods->items[j], "memory", 0);
				}
			} else {
				op->npods = (int)tv_i64(o, "pods", 0);
			}
			const struct yt_node *t = group != NULL ? yt_get(tmpl, group) : NULL;
			op->cap_cpu_milli = tv_i64(t, "cpu_milli", 0);
			op->cap_memory = tv_i64(t, "memory", 0);
		}
		size_t k = ca_expander_filter(e, &ctx, opts, n, NULL);
		check_best(what, tv_case_name(c), opts, k, yt_get(c, "expected"));
		free(opts);
		ran++;
	}
	return ran;
}

int
main(void)
{
	struct yt_docs docs;
	char *cause = NULL;
	const char *path = tl_fidelity("ca.json");

	if (yt_parse_file(path, &docs, &cause) < 0 || docs.ndocs == 0) {
		FAILF("%s", cause != NULL ? cause : "ca.json is empty");
		free(cause);
		return tl_finish();
	}
	const struct yt_node *root = docs.docs[0];
	static const char *const known[] = { "utilization_cases", "eligibility_cases",
		"expander_least_waste_cases", "expander_most_pods_cases",
		"expander_least_nodes_cases", NULL };
	int ran = 0;

	test_defaults(root);
	for (size_t i = 0; i < root->n; i++) {
		const char *key = root->keys[i]->str;
		const struct yt_node *v = root->items[i];
		if (!tv_is_case_list(key))
			continue;
		if (v->kind != YT_SEQ) {
			FAILF("%s is not a list", key);
			continue;
		}
		if (strcmp(key, known[0]) == 0)
			ran += test_utilization(v);
		else if (strcmp(key, known[1]) == 0)
			ran += test_eligibility(v);
		else if (strcmp(key, known[2]) == 0)
			ran += test_expander(v, CA_EXPANDER_LEAST_WASTE, "least-waste");
		else if (strcmp(key, known[3]) == 0)
			ran += test_expander(v, CA_EXPANDER_MOST_PODS, "most-pods");
		else if (strcmp(key, known[4]) == 0)
			ran += test_expander(v, CA_EXPANDER_LEAST_NODES, "least-nodes");
		else
			FAILF("%s: no replay for this kind of case", key);
	}
	printf("ca.json: %d cases replayed\n", ran);
	CHECK(ran > 0);
	yt_docs_free(&docs);
	return tl_finish();
}
