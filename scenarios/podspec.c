/*
 * podspec.c - PodTemplateSpec and PodSpec from YAML: containers and init
 * containers (sidecars), resources, probes with Kubernetes' defaults, ports,
 * tolerations, node selector, affinity, topology spread, priority; label
 * selectors and taints; and the typed readers (integers in range, strings,
 * quantities, IntOrString) that the rest of the scenarios layer shares.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/replicaset_rank.h"
#include "scenarios/manifest.h"
#include "sim/util/util.h"

/* ---- typed readers ------------------------------------------------------ */

int
scn_check_map(const struct yt_node *n, const char *what,
    const char *const *fields, char **cause)
{
	return yt_check_keys(n, what, fields, cause);
}

/* An integer in [min, max]; name (or NULL) is the field, for messages. */
static int
int_named(const struct yt_node *n, const char *name, int64_t min, int64_t max,
    int64_t *out, char **cause)
{
	int64_t v;
	if (n->kind != YT_SCALAR && name != NULL) {
		*cause = yt_errorf(n, "expected an integer for %s, found %s", name,
		    n->kind == YT_MAP ? "a mapping" : "a list");
		return -1;
	}
	if (yt_int64(n, &v, cause) < 0)
		return -1;
	if (v < min || v > max) {
		*cause = yt_errorf(n, "%s%smust be %s than or equal to %lld, found %lld",
		    name ? name : "", name ? " " : "", v < min ? "greater" : "less",
		    (long long)(v < min ? min : max), (long long)v);
		return -1;
	}
	*out = v;
	return 0;
}

int
scn_int(const struct yt_node *n, int64_t min, int64_t max, int64_t *out,
    char **cause)
{
	return int_named(n, NULL, min, max, out, cause);
}

int
scn_get_int(const struct yt_node *map, const char *key, int64_t dflt,
    int64_t min, int64_t max, int64_t *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = dflt;
		return 0;
	}
	return int_named(v, key, min, max, out, cause);
}

int
scn_get_i32(const struct yt_node *map, const char *key, int32_t dflt,
    int32_t min, int32_t max, int32_t *out, char **cause)
{
	int64_t v;
	if (scn_get_int(map, key, dflt, min, max, &v, cause) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

int
scn_get_str(const struct yt_node *map, const char *key, const char **out,
    char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	*out = NULL;
	if (v == NULL || yt_is_null(v))
		return 0;
	if (v->kind != YT_SCALAR) {
		*cause = yt_errorf(v, "expected a string for %s, found %s", key,
		    v->kind == YT_MAP ? "a mapping" : "a list");
		return -1;
	}
	*out = v->str;
	return 0;
}

int
scn_get_strdup(const struct yt_node *map, const char *key, char **out,
    char **cause)
{
	const char *s;
	*out = NULL;
	if (scn_get_str(map, key, &s, cause) < 0)
		return -1;
	if (s != NULL)
		*out = xstrdup(s);
	return 0;
}

int
scn_strlist(const struct yt_node *n, const char *what, char ***out,
    size_t *nout, char **cause)
{
	*out = NULL;
	*nout = 0;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of strings for %s", what);
		return -1;
	}
	*out = xcalloc(n->n ? n->n : 1, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != YT_SCALAR) {
			*cause = yt_errorf(n->items[i], "expected a string in %s", what);
			return -1;
		}
		(*out)[(*nout)++] = xstrdup(n->items[i]->str);
	}
	return 0;
}

void
scn_strlist_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
scn_quantity_node(const struct yt_node *n, int scale, int64_t *out, char **cause)
{
	if (n->kind != YT_SCALAR) {
		*cause = yt_errorf(n, "expected a quantity such as 250m or 1Gi");
		return -1;
	}
	int rc = scn_quantity_scaled(n->str, scale, out);
	if (rc == -2) {
		*cause = yt_errorf(n, "quantity '%s' is too large", n->str);
		return -1;
	}
	if (rc < 0) {
		*cause = yt_errorf(n, "invalid quantity '%s' (expected a number with "
		    "an optional suffix such as 250m, 1.5, 512Mi, 2Gi, 1e3)", n->str);
		return -1;
	}
	return 0;
}

int
scn_int_or_percent(const struct yt_node *n, int32_t *out, bool *pct, char **cause)
{
	if (n->kind == YT_SCALAR && !n->quoted) {
		char *end;
		long long v = strtoll(n->str, &end, 10);
		if (n->str[0] != '\0' && *end == '\0') {
			if (v < 0 || v > INT32_MAX) {
				*cause = yt_errorf(n, "must be greater than or equal to 0, found %s",
				    n->str);
				return -1;
			}
			*out = (int32_t)v;
			*pct = false;
			return 0;
		}
	}
	if (n->kind == YT_SCALAR) {
		size_t len = strlen(n->str);
		char *end;
		if (len >= 2 && n->str[len - 1] == '%') {
			long long v = strtoll(n->str, &end, 10);
			if (end == n->str + len - 1 && n->str[0] != '-' && v <= INT32_MAX) {
				*out = (int32_t)v;
				*pct = true;
				return 0;
			}
		}
	}
	if (n->kind == YT_SCALAR)
		*cause = yt_errorf(n, "expected an integer or a percentage such as 25%%, "
		    "found '%s'", n->str);
	else
		*cause = yt_errorf(n, "expected an integer or a percentage such as 25%%, "
		    "found %s", n->kind == YT_MAP ? "a mapping" : "a list");
	return -1;
}

/* ---- labels, selectors, resources --------------------------------------- */

int
scn_labels(const struct yt_node *n, const char *what, struct k8s_labels *out,
    char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected a mapping of strings for %s", what);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != YT_SCALAR) {
			*cause = yt_errorf(n->items[i], "expected a string value for %s '%s'",
			    what, n->keys[i]->str);
			return -1;
		}
		k8s_labels_set(out, n->keys[i]->str, n->items[i]->str);
	}
	return 0;
}

static int
sel_op(const struct yt_node *n, bool node_sel, enum k8s_sel_op *op, char **cause)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist",
		"Gt", "Lt", NULL };
	const char *s;
	if (yt_string(n, &s, cause) < 0)
		return -1;
	for (int i = 0; ops[i] != NULL; i++) {
		if (strcmp(ops[i], s) == 0 && (node_sel || i < 4)) {
			*op = (enum k8s_sel_op)i;
			return 0;
		}
	}
	*cause = yt_errorf(n, "unknown operator '%s' (expected %s)", s,
	    node_sel ? "In, NotIn, Exists, DoesNotExist, Gt or Lt" :
	    "In, NotIn, Exists or DoesNotExist");
	return -1;
}

/* One matchExpressions item (LabelSelectorRequirement or, with node_sel,
 * NodeSelectorRequirement). */
static int
sel_req(const struct yt_node *n, bool node_sel, struct k8s_sel_req *r, char **cause)
{
	const char *what = node_sel ? "node selector requirement" : "label selector requirement";
	if (scn_check_map(n, what, scn_f_selector_req, cause) < 0)
		return -1;
	const char *key;
	if (scn_get_str(n, "key", &key, cause) < 0)
		return -1;
	if (key == NULL) {
		*cause = yt_errorf(n, "%s needs a key", what);
		return -1;
	}
	r->key = xstrdup(key);
	const struct yt_node *opn = yt_get(n, "operator");
	if (opn == NULL) {
		*cause = yt_errorf(n, "%s needs an operator", what);
		return -1;
	}
	if (sel_op(opn, node_sel, &r->op, cause) < 0)
		return -1;
	const struct yt_node *vals = yt_get(n, "values");
	if (scn_strlist(vals, "values", &r->values, &r->nvalues, cause) < 0)
		return -1;
	switch (r->op) {
	case K8S_SEL_IN:
	case K8S_SEL_NOT_IN:
		if (r->nvalues == 0) {
			*cause = yt_errorf(n, "operator %s needs at least one value",
			    r->op == K8S_SEL_IN ? "In" : "NotIn");
			return -1;
		}
		break;
	case K8S_SEL_EXISTS:
	case K8S_SEL_DOES_NOT_EXIST:
		if (r->nvalues != 0) {
			*cause = yt_errorf(vals, "operator %s takes no values",
			    r->op == K8S_SEL_EXISTS ? "Exists" : "DoesNotExist");
			return -1;
		}
		break;
	case K8S_SEL_GT:
	case K8S_SEL_LT: {
		char *end;
		if (r->nvalues != 1 || (strtoll(r->values[0], &end, 10), *end != '\0') ||
		    r->values[0][0] == '\0') {
			*cause = yt_errorf(vals ? vals : n, "operator %s needs exactly one "
			    "integer value", r->op == K8S_SEL_GT ? "Gt" : "Lt");
			return -1;
		}
		break;
	}
	}
	return 0;
}

static int
sel_reqs(const struct yt_node *n, bool node_sel, struct k8s_sel_req **out,
    size_t *nout, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of requirements");
		return -1;
	}
	*out = xreallocarray(*out, *nout + n->n + 1, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		struct k8s_sel_req *r = &(*out)[(*nout)++];
		memset(r, 0, sizeof *r);
		if (sel_req(n->items[i], node_sel, r, cause) < 0)
			return -1;
	}
	return 0;
}

int
scn_selector(const struct yt_node *n, const char *what, struct k8s_selector *out,
    char **cause)
{
	memset(out, 0, sizeof *out);
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, what, scn_f_label_selector, cause) < 0)
		return -1;
	out->set = true;
	const struct yt_node *ml = yt_get(n, "matchLabels");
	if (ml != NULL && !yt_is_null(ml)) {
		if (ml->kind != YT_MAP) {
			*cause = yt_errorf(ml, "expected a mapping for matchLabels");
			return -1;
		}
		out->reqs = xcalloc(ml->n + 1, sizeof *out->reqs);
		for (size_t i = 0; i < ml->n; i++) {
			if (ml->items[i]->kind != YT_SCALAR) {
				*cause = yt_errorf(ml->items[i], "expected a string value");
				return -1;
			}
			struct k8s_sel_req *r = &out->reqs[out->nreqs++];
			r->key = xstrdup(ml->keys[i]->str);
			r->op = K8S_SEL_IN;
			r->values = xcalloc(1, sizeof *r->values);
			r->values[0] = xstrdup(ml->items[i]->str);
			r->nvalues = 1;
		}
	}
	return sel_reqs(yt_get(n, "matchExpressions"), false, &out->reqs, &out->nreqs,
	    cause);
}

int
scn_resource_list(const struct yt_node *n, const char *what,
    struct k8s_resources *out, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "expected a mapping of resource quantities for %s", what);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *name = n->keys[i]->str;
		int64_t v;
		if (scn_quantity_node(n->items[i], strcmp(name, "cpu") == 0 ? -3 : 0,
		    &v, cause) < 0)
			return -1;
		if (v < 0) {
			*cause = yt_errorf(n->items[i], "%s %s must be greater than or "
			    "equal to 0", what, name);
			return -1;
		}
		if (strcmp(name, "cpu") != 0 && strcmp(name, "memory") != 0 &&
		    strcmp(name, "ephemeral-storage") != 0 && strcmp(name, "pods") != 0 &&
		    !k8s_res_get(out, name, NULL) && out->n_ext >= K8S_MAX_EXT) {
			*cause = yt_errorf(n->keys[i], "too many extended resources "
			    "(kubesim keeps %d)", K8S_MAX_EXT);
			return -1;
		}
		k8s_res_set(out, name, v);
	}
	return 0;
}

int
scn_effect(const struct yt_node *n, bool allow_empty, enum k8s_effect *out,
    char **cause)
{
	const char *s;
	if (yt_string(n, &s, cause) < 0)
		return -1;
	if (strcmp(s, "NoSchedule") == 0)
		*out = K8S_NO_SCHEDULE;
	else if (strcmp(s, "PreferNoSchedule") == 0)
		*out = K8S_PREFER_NO_SCHEDULE;
	else if (strcmp(s, "NoExecute") == 0)
		*out = K8S_NO_EXECUTE;
	else if (allow_empty && s[0] == '\0')
		*out = K8S_EFFECT_ALL;
	else {
		*cause = yt_errorf(n, "unknown taint effect '%s' (expected NoSchedule, "
		    "PreferNoSchedule or NoExecute)", s);
		return -1;
	}
	return 0;
}

int
scn_taints(const struct yt_node *n, struct k8s_taint **out, size_t *nout,
    char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of taints");
		return -1;
	}
	*out = xcalloc(n->n + 1, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *t = n->items[i];
		struct k8s_taint *tt = &(*out)[(*nout)++];
		if (scn_check_map(t, "taint", scn_f_taint, cause) < 0 ||
		    scn_get_strdup(t, "key", &tt->key, cause) < 0 ||
		    scn_get_strdup(t, "value", &tt->value, cause) < 0)
			return -1;
		if (tt->key == NULL || tt->key[0] == '\0') {
			*cause = yt_errorf(t, "a taint needs a key");
			return -1;
		}
		const struct yt_node *e = yt_get(t, "effect");
		if (e == NULL) {
			*cause = yt_errorf(t, "a taint needs an effect");
			return -1;
		}
		if (scn_effect(e, false, &tt->effect, cause) < 0)
			return -1;
	}
	return 0;
}

/* ---- containers ---------------------------------------------------------- */

static int
probe(const struct yt_node *n, struct k8s_probe *p, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, "probe", scn_f_probe, cause) < 0)
		return -1;
	/* Defaults of core/v1 SetDefaults_Probe. */
	p->set = true;
	p->http = yt_get(n, "httpGet") != NULL || yt_get(n, "grpc") != NULL;
	/* Durations stop at SIM_SPAN_MAX (10 years), as every duration does. */
	const int32_t maxs = (int32_t)(SIM_SPAN_MAX / SIM_SEC);
	if (scn_get_i32(n, "initialDelaySeconds", 0, 0, maxs, &p->initial_delay_s, cause) < 0 ||
	    scn_get_i32(n, "periodSeconds", 10, 1, maxs, &p->period_s, cause) < 0 ||
	    scn_get_i32(n, "timeoutSeconds", 1, 1, maxs, &p->timeout_s, cause) < 0 ||
	    scn_get_i32(n, "successThreshold", 1, 1, INT32_MAX, &p->success_threshold, cause) < 0 ||
	    scn_get_i32(n, "failureThreshold", 3, 1, INT32_MAX, &p->failure_threshold, cause) < 0)
		return -1;
	return 0;
}

/* Checks request <= limit and defaults requests from limits per resource, as
 * core/v1 defaulting (SetDefaults_Pod) and validation do. */
static int
requests_vs_limits(const struct yt_node *res, struct k8s_container *c, char **cause)
{
	static const char *const names[] = { "cpu", "memory", "ephemeral-storage", NULL };
	for (int i = 0; names[i] != NULL; i++) {
		int64_t lim, req;
		if (!k8s_res_get(&c->limits, names[i], &lim))
			continue;
		if (!k8s_res_get(&c->requests, names[i], &req))
			k8s_res_set(&c->requests, names[i], lim);
		else if (req > lim) {
			const struct yt_node *rq = yt_get(yt_get(res, "requests"), names[i]);
			*cause = yt_errorf(rq ? rq : res, "%s request must be less than or "
			    "equal to its limit", names[i]);
			return -1;
		}
	}
	for (int i = 0; i < c->limits.n_ext; i++)
		if (!k8s_res_get(&c->requests, c->limits.ext[i].name, NULL))
			k8s_res_set(&c->requests, c->limits.ext[i].name, c->limits.ext[i].value);
	return 0;
}

static int
container(const struct yt_node *n, bool init, struct k8s_container *c, char **cause)
{
	if (scn_check_map(n, init ? "init container" : "container", scn_f_container,
	    cause) < 0)
		return -1;
	if (scn_get_strdup(n, "name", &c->name, cause) < 0 ||
	    scn_get_strdup(n, "image", &c->image, cause) < 0)
		return -1;
	if (c->name == NULL) {
		*cause = yt_errorf(n, "a container needs a name");
		return -1;
	}
	const struct yt_node *res = yt_get(n, "resources");
	if (res != NULL && !yt_is_null(res)) {
		if (scn_check_map(res, "resources", scn_f_resources, cause) < 0 ||
		    scn_resource_list(yt_get(res, "requests"), "requests", &c->requests, cause) < 0 ||
		    scn_resource_list(yt_get(res, "limits"), "limits", &c->limits, cause) < 0 ||
		    requests_vs_limits(res, c, cause) < 0)
			return -1;
	}
	if (probe(yt_get(n, "readinessProbe"), &c->readiness, cause) < 0 ||
	    probe(yt_get(n, "livenessProbe"), &c->liveness, cause) < 0 ||
	    probe(yt_get(n, "startupProbe"), &c->startup, cause) < 0)
		return -1;
	const struct yt_node *ports = yt_get(n, "ports");
	if (ports != NULL && !yt_is_null(ports)) {
		if (ports->kind != YT_SEQ) {
			*cause = yt_errorf(ports, "expected a list of container ports");
			return -1;
		}
		c->ports = xcalloc(ports->n + 1, sizeof *c->ports);
		for (size_t i = 0; i < ports->n; i++) {
			const struct yt_node *p = ports->items[i];
			struct k8s_port *kp = &c->ports[c->nports++];
			if (scn_check_map(p, "container port", scn_f_container_port, cause) < 0 ||
			    scn_get_i32(p, "containerPort", 0, 1, 65535, &kp->container_port, cause) < 0 ||
			    scn_get_i32(p, "hostPort", 0, 0, 65535, &kp->host_port, cause) < 0 ||
			    scn_get_strdup(p, "protocol", &kp->protocol, cause) < 0 ||
			    scn_get_strdup(p, "hostIP", &kp->host_ip, cause) < 0)
				return -1;
			if (yt_get(p, "containerPort") == NULL) {
				*cause = yt_errorf(p, "a container port needs containerPort");
				return -1;
			}
			if (kp->protocol == NULL)
				kp->protocol = xstrdup("TCP");
		}
	}
	const char *rp;
	if (scn_get_str(n, "restartPolicy", &rp, cause) < 0)
		return -1;
	if (rp != NULL) {
		if (!init || strcmp(rp, "Always") != 0) {
			*cause = yt_errorf(yt_get(n, "restartPolicy"), init ?
			    "an init container's restartPolicy must be Always" :
			    "restartPolicy is only allowed for init containers (sidecars)");
			return -1;
		}
		c->restartable = true;
	}
	return 0;
}

static int
containers(const struct yt_node *n, bool init, struct k8s_container **out,
    size_t *nout, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of containers");
		return -1;
	}
	*out = xcalloc(n->n + 1, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		(*nout)++;
		if (container(n->items[i], init, &(*out)[i], cause) < 0)
			return -1;
	}
	return 0;
}

/* ---- scheduling constraints --------------------------------------------- */

static int
tolerations(const struct yt_node *n, struct k8s_pod_spec *p, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of tolerations");
		return -1;
	}
	p->tolerations = xcalloc(n->n + 1, sizeof *p->tolerations);
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *t = n->items[i];
		struct k8s_toleration *kt = &p->tolerations[p->ntolerations++];
		if (scn_check_map(t, "toleration", scn_f_toleration, cause) < 0 ||
		    scn_get_strdup(t, "key", &kt->key, cause) < 0 ||
		    scn_get_strdup(t, "value", &kt->value, cause) < 0)
			return -1;
		const struct yt_node *op = yt_get(t, "operator");
		const char *ops = "Equal";
		if (op != NULL && yt_string(op, &ops, cause) < 0)
			return -1;
		if (strcmp(ops, "Exists") == 0) {
			kt->op = K8S_TOL_EXISTS;
			if (kt->value != NULL && kt->value[0] != '\0') {
				*cause = yt_errorf(t, "a toleration with operator Exists takes no value");
				return -1;
			}
		} else if (strcmp(ops, "Equal") == 0 || ops[0] == '\0') {
			kt->op = K8S_TOL_EQUAL;
		} else {
			*cause = yt_errorf(op, "unknown toleration operator '%s' (expected "
			    "Equal or Exists)", ops);
			return -1;
		}
		const struct yt_node *e = yt_get(t, "effect");
		if (e != NULL && !yt_is_null(e) && scn_effect(e, true, &kt->effect, cause) < 0)
			return -1;
		const struct yt_node *ts = yt_get(t, "tolerationSeconds");
		if (ts != NULL && !yt_is_null(ts)) {
			if (yt_int64(ts, &kt->seconds, cause) < 0)
				return -1;
			kt->has_seconds = true;
		}
	}
	return 0;
}

static int
node_term(const struct yt_node *n, struct k8s_node_term *t, char **cause)
{
	if (scn_check_map(n, "node selector term", scn_f_node_selector_term, cause) < 0 ||
	    sel_reqs(yt_get(n, "matchExpressions"), true, &t->match_expressions,
	    &t->nexpr, cause) < 0 ||
	    sel_reqs(yt_get(n, "matchFields"), true, &t->match_fields, &t->nfields,
	    cause) < 0)
		return -1;
	for (size_t i = 0; i < t->nfields; i++) {
		if (strcmp(t->match_fields[i].key, "metadata.name") != 0) {
			*cause = yt_errorf(n, "matchFields supports only metadata.name, found '%s'",
			    t->match_fields[i].key);
			return -1;
		}
	}
	return 0;
}

static int
pod_term(const struct yt_node *n, struct k8s_pod_term *t, char **cause)
{
	if (scn_check_map(n, "pod affinity term", scn_f_pod_affinity_term, cause) < 0 ||
	    scn_selector(yt_get(n, "labelSelector"), "labelSelector", &t->selector, cause) < 0 ||
	    scn_strlist(yt_get(n, "namespaces"), "namespaces", &t->namespaces,
	    &t->nnamespaces, cause) < 0 ||
	    scn_selector(yt_get(n, "namespaceSelector"), "namespaceSelector",
	    &t->namespace_selector, cause) < 0 ||
	    scn_get_strdup(n, "topologyKey", &t->topology_key, cause) < 0)
		return -1;
	if (t->topology_key == NULL || t->topology_key[0] == '\0') {
		*cause = yt_errorf(n, "a pod affinity term needs a topologyKey");
		return -1;
	}
	return 0;
}

static const struct yt_node *
seq_or_null(const struct yt_node *n, const char *what, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return NULL;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list for %s", what);
		return NULL;
	}
	return n;
}

#define REQ_KEY "requiredDuringSchedulingIgnoredDuringExecution"
#define PREF_KEY "preferredDuringSchedulingIgnoredDuringExecution"

static int
pod_affinity(const struct yt_node *n, const char *what, struct k8s_pod_term **req,
    size_t *nreq, struct k8s_weighted_pod_term **pref, size_t *npref, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, what, scn_f_pod_affinity, cause) < 0)
		return -1;
	*cause = NULL;
	const struct yt_node *r = seq_or_null(yt_get(n, REQ_KEY), REQ_KEY, cause);
	if (*cause != NULL)
		return -1;
	if (r != NULL) {
		*req = xcalloc(r->n + 1, sizeof **req);
		for (size_t i = 0; i < r->n; i++) {
			(*nreq)++;
			if (pod_term(r->items[i], &(*req)[i], cause) < 0)
				return -1;
		}
	}
	const struct yt_node *p = seq_or_null(yt_get(n, PREF_KEY), PREF_KEY, cause);
	if (*cause != NULL)
		return -1;
	if (p != NULL) {
		*pref = xcalloc(p->n + 1, sizeof **pref);
		for (size_t i = 0; i < p->n; i++) {
			const struct yt_node *w = p->items[i];
			(*npref)++;
			if (scn_check_map(w, "weighted pod affinity term",
			    scn_f_weighted_pod_term, cause) < 0 ||
			    scn_get_i32(w, "weight", 0, 1, 100, &(*pref)[i].weight, cause) < 0)
				return -1;
			const struct yt_node *t = yt_get(w, "podAffinityTerm");
			if (t == NULL) {
				*cause = yt_errorf(w, "a weighted term needs podAffinityTerm");
				return -1;
			}
			if (pod_term(t, &(*pref)[i].term, cause) < 0)
				return -1;
		}
	}
	return 0;
}

static int
affinity(const struct yt_node *n, struct k8s_affinity *a, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, "affinity", scn_f_affinity, cause) < 0)
		return -1;
	const struct yt_node *na = yt_get(n, "nodeAffinity");
	if (na != NULL && !yt_is_null(na)) {
		if (scn_check_map(na, "nodeAffinity", scn_f_node_affinity, cause) < 0)
			return -1;
		const struct yt_node *r = yt_get(na, REQ_KEY);
		if (r != NULL && !yt_is_null(r)) {
			if (scn_check_map(r, "node selector", scn_f_node_selector, cause) < 0)
				return -1;
			*cause = NULL;
			const struct yt_node *terms = seq_or_null(yt_get(r, "nodeSelectorTerms"),
			    "nodeSelectorTerms", cause);
			if (*cause != NULL)
				return -1;
			if (terms == NULL || terms->n == 0) {
				*cause = yt_errorf(r, "nodeSelectorTerms must have at least one term");
				return -1;
			}
			a->node_required = xcalloc(terms->n, sizeof *a->node_required);
			for (size_t i = 0; i < terms->n; i++) {
				a->nnode_required++;
				if (node_term(terms->items[i], &a->node_required[i], cause) < 0)
					return -1;
			}
		}
		*cause = NULL;
		const struct yt_node *p = seq_or_null(yt_get(na, PREF_KEY), PREF_KEY, cause);
		if (*cause != NULL)
			return -1;
		if (p != NULL) {
			a->node_preferred = xcalloc(p->n + 1, sizeof *a->node_preferred);
			for (size_t i = 0; i < p->n; i++) {
				const struct yt_node *w = p->items[i];
				a->nnode_preferred++;
				if (scn_check_map(w, "preferred scheduling term",
				    scn_f_preferred_term, cause) < 0 ||
				    scn_get_i32(w, "weight", 0, 1, 100,
				    &a->node_preferred[i].weight, cause) < 0)
					return -1;
				const struct yt_node *t = yt_get(w, "preference");
				if (t == NULL) {
					*cause = yt_errorf(w, "a preferred term needs a preference");
					return -1;
				}
				if (node_term(t, &a->node_preferred[i].term, cause) < 0)
					return -1;
			}
		}
	}
	if (pod_affinity(yt_get(n, "podAffinity"), "podAffinity", &a->pod_required,
	    &a->npod_required, &a->pod_preferred, &a->npod_preferred, cause) < 0 ||
	    pod_affinity(yt_get(n, "podAntiAffinity"), "podAntiAffinity",
	    &a->anti_required, &a->nanti_required, &a->anti_preferred,
	    &a->nanti_preferred, cause) < 0)
		return -1;
	return 0;
}

static int
policy(const struct yt_node *map, const char *key, enum k8s_inclusion dflt,
    enum k8s_inclusion *out, char **cause)
{
	const char *s;
	if (scn_get_str(map, key, &s, cause) < 0)
		return -1;
	if (s == NULL)
		*out = dflt;
	else if (strcmp(s, "Honor") == 0)
		*out = K8S_HONOR;
	else if (strcmp(s, "Ignore") == 0)
		*out = K8S_IGNORE;
	else {
		*cause = yt_errorf(yt_get(map, key), "%s must be Honor or Ignore, found '%s'",
		    key, s);
		return -1;
	}
	return 0;
}

static int
spread(const struct yt_node *n, struct k8s_pod_spec *p, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (n->kind != YT_SEQ) {
		*cause = yt_errorf(n, "expected a list of topology spread constraints");
		return -1;
	}
	p->spread = xcalloc(n->n + 1, sizeof *p->spread);
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *c = n->items[i];
		struct k8s_spread *s = &p->spread[p->nspread++];
		if (scn_check_map(c, "topology spread constraint", scn_f_spread, cause) < 0 ||
		    scn_get_i32(c, "maxSkew", 0, 1, INT32_MAX, &s->max_skew, cause) < 0 ||
		    scn_get_strdup(c, "topologyKey", &s->topology_key, cause) < 0 ||
		    scn_selector(yt_get(c, "labelSelector"), "labelSelector", &s->selector,
		    cause) < 0 ||
		    scn_get_i32(c, "minDomains", 0, 1, INT32_MAX, &s->min_domains, cause) < 0 ||
		    policy(c, "nodeAffinityPolicy", K8S_HONOR, &s->node_affinity_policy, cause) < 0 ||
		    policy(c, "nodeTaintsPolicy", K8S_IGNORE, &s->node_taints_policy, cause) < 0 ||
		    scn_strlist(yt_get(c, "matchLabelKeys"), "matchLabelKeys",
		    &s->match_label_keys, &s->nmatch_label_keys, cause) < 0)
			return -1;
		if (yt_get(c, "maxSkew") == NULL || s->topology_key == NULL) {
			*cause = yt_errorf(c, "a topology spread constraint needs maxSkew and "
			    "topologyKey");
			return -1;
		}
		const char *w;
		if (scn_get_str(c, "whenUnsatisfiable", &w, cause) < 0)
			return -1;
		if (w == NULL) {
			*cause = yt_errorf(c, "a topology spread constraint needs whenUnsatisfiable");
			return -1;
		}
		if (strcmp(w, "DoNotSchedule") == 0)
			s->when_unsatisfiable = K8S_DO_NOT_SCHEDULE;
		else if (strcmp(w, "ScheduleAnyway") == 0)
			s->when_unsatisfiable = K8S_SCHEDULE_ANYWAY;
		else {
			*cause = yt_errorf(yt_get(c, "whenUnsatisfiable"), "whenUnsatisfiable must "
			    "be DoNotSchedule or ScheduleAnyway, found '%s'", w);
			return -1;
		}
	}
	return 0;
}

/* ---- pod-level resources (PodLevelResources, beta, on since v1.34) -------- */

static bool
pod_level_supported(const char *name)
{
	return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
	    strncmp(name, "hugepages-", 10) == 0;
}

/* Every name of a pod-level ResourceList must be cpu, memory or hugepages-*
 * (validation.go validatePodResources). */
static int
pod_level_names(const struct yt_node *list, const char *what, char **cause)
{
	if (list == NULL || list->kind != YT_MAP)
		return 0;
	for (size_t i = 0; i < list->n; i++) {
		const char *name = list->keys[i]->str;
		if (!pod_level_supported(name)) {
			*cause = yt_errorf(list->keys[i], "spec.resources.%s[%s]: Unsupported value: "
			    "\"%s\": supported values: \"cpu\", \"memory\", \"hugepages-*\"", what,
			    name, name);
			return -1;
		}
	}
	return 0;
}

/* A cpu (millicores) or memory (bytes) amount as resource.Quantity prints
 * it: whole cores without a suffix, else millicores; bytes with the largest
 * exact binary suffix. */
static void
quantity_str(const char *name, int64_t v, char *buf, size_t n)
{
	if (strcmp(name, "cpu") == 0) {
		if (v % 1000 == 0)
			snprintf(buf, n, "%lld", (long long)(v / 1000));
		else
			snprintf(buf, n, "%lldm", (long long)v);
		return;
	}
	static const char *const suf[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	int k = 0;
	while (k < 6 && v != 0 && v % 1024 == 0) {
		v /= 1024;
		k++;
	}
	snprintf(buf, n, "%lld%s", (long long)v, suf[k]);
}

/*
 * spec.resources: pod-level requests as the API server stores them. When
 * pod-level limits are set, a request left out defaults to the containers'
 * aggregate request (cpu, memory: the overcommittable ones) if any container
 * requests it, else to the pod-level limit (core/v1 defaultPodRequests).
 * Requests above limits, or below the containers' aggregate, are refused.
 */
static int
pod_level_resources(const struct yt_node *res, struct k8s_pod_spec *p, char **cause)
{
	if (res == NULL || yt_is_null(res))
		return 0;
	struct k8s_resources lim;
	memset(&lim, 0, sizeof lim);
	const struct yt_node *rq = yt_get(res, "requests"), *ln = yt_get(res, "limits");
	if (scn_check_map(res, "resources", scn_f_resources, cause) < 0 ||
	    scn_resource_list(rq, "requests", &p->pod_requests, cause) < 0 ||
	    scn_resource_list(ln, "limits", &lim, cause) < 0 ||
	    pod_level_names(rq, "requests", cause) < 0 ||
	    pod_level_names(ln, "limits", cause) < 0) {
		k8s_res_free(&lim);
		return -1;
	}
	/* The containers' aggregate (AggregateContainerRequests: no overhead,
	 * no pod-level values). */
	struct k8s_pod_spec bare = *p;
	memset(&bare.overhead, 0, sizeof bare.overhead);
	memset(&bare.pod_requests, 0, sizeof bare.pod_requests);
	struct k8s_resources agg;
	k8s_pod_request(&bare, false, &agg);
	struct k8s_resources *pr = &p->pod_requests;
	bool any_limit = lim.has_cpu || lim.has_memory || lim.n_ext > 0;
	if (any_limit) {
		if (!pr->has_cpu && agg.has_cpu)
			k8s_res_set(pr, "cpu", agg.cpu_milli);
		if (!pr->has_memory && agg.has_memory)
			k8s_res_set(pr, "memory", agg.memory);
		if (!pr->has_cpu && lim.has_cpu)
			k8s_res_set(pr, "cpu", lim.cpu_milli);
		if (!pr->has_memory && lim.has_memory)
			k8s_res_set(pr, "memory", lim.memory);
		for (int i = 0; i < lim.n_ext; i++)
			if (!k8s_res_get(pr, lim.ext[i].name, NULL))
				k8s_res_set(pr, lim.ext[i].name, lim.ext[i].value);
	}
	static const char *const names[] = { "cpu", "memory", NULL };
	int rc = 0;
	for (int i = 0; names[i] != NULL && rc == 0; i++) {
		int64_t r, l, a;
		const struct yt_node *at = yt_get(rq, names[i]), *lt = yt_get(ln, names[i]);
		char rs[32], as[32];
		if (!k8s_res_get(pr, names[i], &r))
			continue;
		quantity_str(names[i], r, rs, sizeof rs);
		if (k8s_res_get(&lim, names[i], &l) && r > l) {
			char ls[32];
			quantity_str(names[i], l, ls, sizeof ls);
			*cause = yt_errorf(at ? at : lt ? lt : res, "spec.resources.requests[%s]: "
			    "Invalid value: \"%s\": must be less than or equal to %s limit of %s",
			    names[i], rs, names[i], ls);
			rc = -1;
		} else if (k8s_res_get(&agg, names[i], &a) && a > r) {
			quantity_str(names[i], a, as, sizeof as);
			*cause = yt_errorf(at ? at : res, "spec.resources.requests[%s]: Invalid "
			    "value: \"%s\": must be greater than or equal to aggregate container "
			    "requests of %s", names[i], rs, as);
			rc = -1;
		}
	}
	k8s_res_free(&agg);
	k8s_res_free(&lim);
	return rc;
}

/* ---- pod spec ------------------------------------------------------------ */

int
scn_pod_spec(const struct yt_node *n, const char *what, struct k8s_pod_spec *p,
    char **cause)
{
	if (n == NULL || yt_is_null(n)) {
		*cause = xasprintf("%s: missing pod spec", what);
		return -1;
	}
	if (scn_check_map(n, "PodSpec", scn_f_pod_spec, cause) < 0)
		return -1;
	const struct yt_node *cs = yt_get(n, "containers");
	if (cs == NULL || yt_is_null(cs) || (cs->kind == YT_SEQ && cs->n == 0)) {
		*cause = yt_errorf(n, "%s: a pod spec needs at least one container", what);
		return -1;
	}
	if (containers(cs, false, &p->containers, &p->ncontainers, cause) < 0 ||
	    containers(yt_get(n, "initContainers"), true, &p->init_containers, &p->ninit,
	    cause) < 0 ||
	    scn_resource_list(yt_get(n, "overhead"), "overhead", &p->overhead, cause) < 0 ||
	    pod_level_resources(yt_get(n, "resources"), p, cause) < 0 ||
	    scn_labels(yt_get(n, "nodeSelector"), "nodeSelector", &p->node_selector,
	    cause) < 0 ||
	    affinity(yt_get(n, "affinity"), &p->affinity, cause) < 0 ||
	    tolerations(yt_get(n, "tolerations"), p, cause) < 0 ||
	    spread(yt_get(n, "topologySpreadConstraints"), p, cause) < 0 ||
	    scn_get_strdup(n, "nodeName", &p->node_name, cause) < 0 ||
	    scn_get_strdup(n, "schedulerName", &p->scheduler_name, cause) < 0 ||
	    scn_get_strdup(n, "priorityClassName", &p->priority_class, cause) < 0 ||
	    scn_get_int(n, "terminationGracePeriodSeconds", 30, 0, SIM_SPAN_MAX / SIM_SEC,
	    &p->termination_grace_s, cause) < 0 ||
	    scn_get_i32(n, "priority", 0, INT32_MIN, INT32_MAX, &p->priority, cause) < 0)
		return -1;
	for (size_t i = 0; i < p->ncontainers + p->ninit; i++) {
		const struct k8s_container *c = i < p->ncontainers ? &p->containers[i] :
		    &p->init_containers[i - p->ncontainers];
		for (size_t j = 0; j < i; j++) {
			const struct k8s_container *o = j < p->ncontainers ? &p->containers[j] :
			    &p->init_containers[j - p->ncontainers];
			if (strcmp(c->name, o->name) == 0) {
				*cause = yt_errorf(n, "%s: duplicate container name '%s'", what,
				    c->name);
				return -1;
			}
		}
	}
	if (p->scheduler_name == NULL)
		p->scheduler_name = xstrdup("default-scheduler");
	const char *rp;
	if (scn_get_str(n, "restartPolicy", &rp, cause) < 0)
		return -1;
	if (rp != NULL) {
		static const char *const pols[] = { "Always", "OnFailure", "Never", NULL };
		int k;
		for (k = 0; pols[k] != NULL && strcmp(pols[k], rp) != 0; k++)
			;
		if (pols[k] == NULL) {
			*cause = yt_errorf(yt_get(n, "restartPolicy"), "restartPolicy must be "
			    "Always, OnFailure or Never, found '%s'", rp);
			return -1;
		}
		p->restart_policy = (enum k8s_restart_policy)k;
	}
	const char *pp;
	if (scn_get_str(n, "preemptionPolicy", &pp, cause) < 0)
		return -1;
	if (pp != NULL) {
		if (strcmp(pp, "Never") == 0)
			p->preempt_never = true;
		else if (strcmp(pp, "PreemptLowerPriority") != 0) {
			*cause = yt_errorf(yt_get(n, "preemptionPolicy"), "preemptionPolicy must "
			    "be Never or PreemptLowerPriority, found '%s'", pp);
			return -1;
		}
	}
	return 0;
}

/* The template's controller.kubernetes.io/pod-deletion-cost annotation;
 * the API server refuses a value GetDeletionCostFromPodAnnotations cannot
 * read (ValidatePodSpecificAnnotations: "must be a 32bit integer"). Other
 * annotations are accepted and not read. */
static int
deletion_cost(const struct yt_node *ann, struct k8s_pod_spec *p, char **cause)
{
	static const char key[] = "controller.kubernetes.io/pod-deletion-cost";
	if (ann == NULL || yt_is_null(ann))
		return 0;
	if (ann->kind != YT_MAP) {
		*cause = yt_errorf(ann, "expected a mapping of strings for annotations");
		return -1;
	}
	const struct yt_node *v = yt_get(ann, key);
	if (v == NULL)
		return 0;
	if (v->kind != YT_SCALAR || rs_rank_parse_deletion_cost(v->str, &p->deletion_cost) < 0) {
		*cause = yt_errorf(v, "metadata.annotations[%s]: Invalid value: \"%s\": must be "
		    "a 32bit integer", key, v->kind == YT_SCALAR ? v->str : "");
		return -1;
	}
	return 0;
}

int
scn_pod_template(const struct yt_node *n, const char *what, struct k8s_pod_spec *p,
    char **cause)
{
	if (n == NULL || yt_is_null(n)) {
		*cause = xasprintf("%s: missing pod template", what);
		return -1;
	}
	if (scn_check_map(n, "PodTemplateSpec", scn_f_pod_template, cause) < 0)
		return -1;
	const struct yt_node *meta = yt_get(n, "metadata");
	if (meta != NULL && !yt_is_null(meta)) {
		if (scn_check_map(meta, "metadata", scn_f_object_meta, cause) < 0 ||
		    scn_labels(yt_get(meta, "labels"), "labels", &p->labels, cause) < 0 ||
		    deletion_cost(yt_get(meta, "annotations"), p, cause) < 0)
			return -1;
	}
	const struct yt_node *spec = yt_get(n, "spec");
	if (spec == NULL) {
		*cause = yt_errorf(n, "%s: the pod template needs a spec", what);
		return -1;
	}
	return scn_pod_spec(spec, what, p, cause);
}
