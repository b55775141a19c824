/*
 * incident.c - failures.replay: a real cluster's `kubectl get events -A -o
 * yaml` (or -o json) replayed against the scenario. Its node and pod
 * failures (NodeNotReady, NodeReady, Killing, Evicted, BackOff, OOMKilling,
 * Unhealthy, FailedScheduling) become faults at their times relative to the
 * first of them, on the simulated objects of the same names: nodes by name,
 * pods by their owner's name (the pod name less its generated suffixes).
 * What names nothing in the scenario is a warning, not an error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/faults.h"
#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const replay_keys[] = { "events", "at", NULL };

static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* An RFC 3339 time (metav1.Time, MicroTime): 2024-05-01T10:00:00Z, with an
 * optional fraction and a Z or +hh:mm offset; nanoseconds since 1970. */
static int
rfc3339(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	const char *p = s + 19;
	int64_t frac = 0, scale = 1000000000;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
			return -1;
		off = (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	*out = t * SIM_SEC + frac;
	return 0;
}

static const char *
str_at(const struct yt_node *map, const char *key)
{
	const struct yt_node *v = map != NULL && map->kind == YT_MAP ? yt_get(map, key) : NULL;
	return v != NULL && v->kind == YT_SCALAR && !yt_is_null(v) ? v->str : NULL;
}

/* The Deployment owning a pod: the longest prefix of its name, cut at a
 * '-', that names a Deployment of its namespace (web-7d9f8b6c5d-x2k9p:
 * web). Returns its index or -1. */
static int
pod_owner(const struct scenario *s, const char *ns, const char *pod)
{
	size_t len = strlen(pod);
	while (len > 0) {
		while (len > 0 && pod[len - 1] != '-')
			len--;
		if (len == 0)
			break;
		len--;	/* before the '-' */
		for (size_t i = 0; i < s->ndeployments; i++) {
			const struct k8s_deployment *d = &s->deployments[i];
			const char *dns = d->namespace ? d->namespace : "default";
			if (strlen(d->name) == len && strncmp(d->name, pod, len) == 0 &&
			    strcmp(dns, ns) == 0)
				return (int)i;
		}
	}
	return -1;
}

struct replay_ev {
	const struct yt_node	*item;
	int64_t			 t;	/* ns since 1970 */
	enum scn_fault_kind	 kind;
};

/* The fault an event means, or -1 when it is not one of the failures. */
static int
event_kind(const char *reason, const char *msg, const char *obj_kind)
{
	bool node = obj_kind != NULL && strcmp(obj_kind, "Node") == 0;
	/* The node controller also records NodeNotReady on each of the
	 * node's pods: the Node's own event stands for them. */
	if (strcmp(reason, "NodeNotReady") == 0)
		return node ? SCN_FAULT_NODE_DOWN : -1;
	if (strcmp(reason, "NodeReady") == 0)
		return node ? SCN_FAULT_NODE_UP : -1;
	if (strcmp(reason, "FailedScheduling") == 0)
		return SCN_FAULT_NOTE;
	if (strcmp(reason, "Unhealthy") == 0)
		return msg != NULL && strncmp(msg, "Readiness", 9) == 0 ?
		    SCN_FAULT_POD_UNREADY : SCN_FAULT_POD_KILL;
	if (strcmp(reason, "Killing") == 0 || strcmp(reason, "Evicted") == 0 ||
	    strcmp(reason, "BackOff") == 0 || strcmp(reason, "OOMKilling") == 0)
		return SCN_FAULT_POD_KILL;
	return -1;
}

static void
add_fault(struct scenario *s, struct scn_fault *f)
{
	s->chaos = xreallocarray(s->chaos, s->nchaos + 1, sizeof *s->chaos);
	struct scn_chaos *c = &s->chaos[s->nchaos++];
	memset(c, 0, sizeof *c);
	c->kind = SCN_FAULT;
	c->at = f->at;
	c->fault = f;
}

/* One mapped event: a fault on the named object, or a warning. */
static void
replay_one(struct scenario *s, const struct replay_ev *e, sim_ns at)
{
	const struct yt_node *obj = yt_get(e->item, "involvedObject");
	const char *name = str_at(obj, "name"), *ns = str_at(obj, "namespace");
	const char *reason = str_at(e->item, "reason"), *msg = str_at(e->item, "message");
	char where[256];
	yt_where(e->item, where, sizeof where);
	if (name == NULL) {
		scn_warn(s, xasprintf("%s: %s event without involvedObject.name: not "
		    "replayed", where, reason));
		return;
	}
	struct scn_fault *f = xcalloc(1, sizeof *f);
	f->kind = e->kind;
	f->at = at;
	f->reason = xasprintf("%s: %s", reason, msg ? msg : "");
	/* OOMKilling is the node's event: the process is a pod's. */
	const char *kind = str_at(obj, "kind");
	if (e->kind == SCN_FAULT_NODE_DOWN || e->kind == SCN_FAULT_NODE_UP ||
	    (kind != NULL && strcmp(kind, "Node") == 0)) {
		if (!scn_node_name_known(s, name)) {
			scn_warn(s, xasprintf("%s: %s of node '%s': no node of that name "
			    "in the scenario (nodes are <pool>-<number>): not replayed",
			    where, reason, name));
			scn_fault_free(f);
			return;
		}
		f->node = xstrdup(name);
		if (e->kind == SCN_FAULT_POD_KILL || e->kind == SCN_FAULT_POD_UNREADY) {
			/* a pod of that node, the simulation's choice */
			f->object = xasprintf("node:%s", name);
		}
		add_fault(s, f);
		return;
	}
	int d = pod_owner(s, ns ? ns : "default", name);
	if (d < 0) {
		scn_warn(s, xasprintf("%s: %s of pod '%s%s%s': no Deployment of the "
		    "scenario owns a pod of that name: not replayed", where, reason,
		    ns ? ns : "", ns ? "/" : "", name));
		scn_fault_free(f);
		return;
	}
	f->object = xstrdup(name);
	f->deployment = xstrdup(s->deployments[d].name);
	f->ns = xstrdup(s->deployments[d].namespace ? s->deployments[d].namespace : "default");
	/* A readiness probe failing: not Ready for the probe's failure window
	 * at the default period (3 x 10 s). */
	if (e->kind == SCN_FAULT_POD_UNREADY)
		f->duration = 30 * SIM_SEC;
	add_fault(s, f);
}

static int
cmp_ev(const void *a, const void *b)
{
	const struct replay_ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->item->line < y->item->line ? -1 : x->item->line > y->item->line;
}

static int
replay_file(struct scenario *s, const struct yt_node *list, sim_ns at0, char **cause)
{
	const struct yt_node *items = list->kind == YT_SEQ ? list : yt_get(list, "items");
	if (list->kind == YT_MAP && str_at(list, "kind") != NULL &&
	    strcmp(str_at(list, "kind"), "List") != 0 &&
	    strcmp(str_at(list, "kind"), "EventList") != 0) {
		*cause = yt_errorf(yt_get(list, "kind"), "expected the output of `kubectl "
		    "get events -A -o yaml` (a List of Events), found kind %s",
		    str_at(list, "kind"));
		return -1;
	}
	if (items == NULL || items->kind != YT_SEQ) {
		*cause = yt_errorf(items ? items : list, "expected a list of Events "
		    "(items:) as `kubectl get events -A -o yaml` prints");
		return -1;
	}
	struct replay_ev *ev = xcalloc(items->n + 1, sizeof *ev);
	size_t nev = 0;
	/* Times count from the first event of the file that has one. */
	bool have0 = false;
	int64_t t0 = 0;
	for (size_t i = 0; i < items->n; i++) {
		const struct yt_node *it = items->items[i];
		if (it->kind != YT_MAP) {
			*cause = yt_errorf(it, "expected an Event (a mapping)");
			free(ev);
			return -1;
		}
		const char *keys[] = { "firstTimestamp", "eventTime", "lastTimestamp" };
		const struct yt_node *tn = NULL;
		for (int j = 0; j < 3 && tn == NULL; j++)
			if (str_at(it, keys[j]) != NULL)
				tn = yt_get(it, keys[j]);
		int64_t t;
		if (tn != NULL && rfc3339(tn->str, &t) == 0 && (!have0 || t < t0)) {
			t0 = t;
			have0 = true;
		}
		const char *reason = str_at(it, "reason");
		if (reason == NULL)
			continue;
		int k = event_kind(reason, str_at(it, "message"),
		    str_at(yt_get(it, "involvedObject"), "kind"));
		if (k == -1)
			continue;	/* Scheduled, Pulled, Started, ...: not failures */
		if (tn == NULL) {
			*cause = yt_errorf(it, "a %s event without firstTimestamp, eventTime "
			    "or lastTimestamp", reason);
			free(ev);
			return -1;
		}
		if (rfc3339(tn->str, &ev[nev].t) < 0) {
			*cause = yt_errorf(tn, "invalid time '%s' (expected RFC 3339, e.g. "
			    "2024-05-01T10:00:00Z)", tn->str);
			free(ev);
			return -1;
		}
		ev[nev].item = it;
		ev[nev].kind = (enum scn_fault_kind)k;
		nev++;
	}
	qsort(ev, nev, sizeof *ev, cmp_ev);
	for (size_t i = 0; i < nev; i++)
		replay_one(s, &ev[i], at0 + (ev[i].t - t0));
	free(ev);
	return 0;
}

int
scn_incident(struct scenario *s, const struct yt_node *n, const char *dir, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	const struct yt_node *path = n;
	sim_ns at = 0;
	if (n->kind == YT_MAP) {
		if (yt_check_keys(n, "failures.replay", replay_keys, cause) < 0 ||
		    scn_get_dur(n, "at", false, 0, &at, cause) < 0)
			return -1;
		path = yt_get(n, "events");
		if (path == NULL) {
			*cause = yt_errorf(n, "failures.replay needs events: the file of "
			    "`kubectl get events -A -o yaml`");
			return -1;
		}
	}
	const char *rel;
	if (yt_string(path, &rel, cause) < 0)
		return -1;
	char *file = scn_path_join(dir, rel);
	struct yt_docs docs;
	char *inner = NULL;
	if (access(file, R_OK) != 0) {
		*cause = yt_errorf(path, "cannot read the events file %s: %s", file,
		    strerror(errno));
		free(file);
		return -1;
	}
	if (yt_parse_file(file, &docs, &inner) < 0) {
		*cause = inner;	/* file:line:col in the events file */
		free(file);
		return -1;
	}
	free(file);
	int rc = 0;
	if (docs.ndocs != 1) {
		*cause = yt_errorf(path, "expected one document of Events in %s", rel);
		rc = -1;
	} else {
		rc = replay_file(s, docs.docs[0], at, cause);
	}
	/* Messages and warnings are formatted already; the nodes can go. */
	yt_docs_free(&docs);
	return rc;
}
