/*
 * memory.c - the scenario's memory fields: a service's `memory:` block (the
 * working-set model of its pods: base + per in-flight request + leak per
 * hour), a release's `memoryLeakPerHour` (behavior:, failures.containers)
 * and the kubelet's node-pressure eviction settings (`kubelet:`
 * evictionHard, evictionPressureTransitionPeriod), each checked with its
 * file:line:column. The model itself is models/cluster/memory.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/kubelet/eviction.h"
#include "scenarios/manifest.h"
#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static const char *const memory_keys[] = { "base", "perRequest", "leakPerHour", NULL };
static const char *const kubelet_keys[] = { "evictionHard",
	"evictionPressureTransitionPeriod", NULL };

int
scn_memory_quantity(const struct yt_node *map, const char *key, int64_t *out, char **cause)
{
	const struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v))
		return 0;
	if (v->kind != YT_SCALAR) {
		*cause = yt_errorf(v, "%s: expected a memory quantity such as 50Mi", key);
		return -1;
	}
	if (scn_quantity_node(v, 0, out, cause) < 0)
		return -1;
	if (*out < 0) {
		*cause = yt_errorf(v, "%s must not be negative (a memory quantity such as "
		    "50Mi)", key);
		return -1;
	}
	return 0;
}

int
scn_memory_block(const struct yt_node *n, struct scn_memory *m, char **cause)
{
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, "memory", memory_keys, cause) < 0 ||
	    scn_memory_quantity(n, "base", &m->base, cause) < 0 ||
	    scn_memory_quantity(n, "perRequest", &m->per_request, cause) < 0 ||
	    scn_memory_quantity(n, "leakPerHour", &m->leak_per_hour, cause) < 0)
		return -1;
	m->has = true;
	m->has_base = yt_get(n, "base") != NULL && !yt_is_null(yt_get(n, "base"));
	return 0;
}

/* evictionHard: a mapping of eviction signals to thresholds, each checked
 * by the kubelet's own parser (models/kubelet/eviction.c). */
static int
eviction_hard(const struct yt_node *n, struct scn_kubelet *k, char **cause)
{
	if (n->kind != YT_MAP) {
		*cause = yt_errorf(n, "evictionHard: expected a mapping of eviction signals "
		    "to thresholds, e.g. {memory.available: 100Mi}");
		return -1;
	}
	k->keys = xcalloc(n->n + 1, sizeof *k->keys);
	k->values = xcalloc(n->n + 1, sizeof *k->values);
	for (size_t i = 0; i < n->n; i++) {
		const char *key = n->keys[i]->str;
		const struct yt_node *v = n->items[i];
		if (evict_signal_parse(key) < 0) {
			*cause = yt_errorf(n->keys[i], "evictionHard: unknown eviction signal "
			    "'%s' (expected memory.available, allocatableMemory.available, "
			    "nodefs.available, nodefs.inodesFree, imagefs.available, "
			    "imagefs.inodesFree, containerfs.available, containerfs.inodesFree "
			    "or pid.available)", key);
			return -1;
		}
		if (v->kind != YT_SCALAR) {
			*cause = yt_errorf(v, "evictionHard: the threshold of '%s' must be a "
			    "quantity or a percentage", key);
			return -1;
		}
		struct evict_kv kv = { key, v->str };
		struct evict_threshold t[4];
		size_t nt = 0;
		char *why = NULL;
		if (evict_parse_thresholds(NULL, 0, &kv, 1, NULL, 0, NULL, 0, NULL, 0, t, 4,
		    &nt, &why) < 0) {
			*cause = yt_errorf(v, "evictionHard: %s: %s", key, why);
			free(why);
			return -1;
		}
		k->keys[k->n] = xstrdup(key);
		k->values[k->n++] = xstrdup(v->str);
	}
	k->has_eviction_hard = true;
	return 0;
}

int
scn_kubelet(const struct yt_node *n, struct scenario *s, char **cause)
{
	struct scn_kubelet *k = &s->kubelet;
	k->pressure_transition = EVICT_PRESSURE_TRANSITION_NS;
	if (n == NULL || yt_is_null(n))
		return 0;
	if (scn_check_map(n, "kubelet", kubelet_keys, cause) < 0 ||
	    scn_get_dur(n, "evictionPressureTransitionPeriod", false,
	    EVICT_PRESSURE_TRANSITION_NS, &k->pressure_transition, cause) < 0)
		return -1;
	const struct yt_node *eh = yt_get(n, "evictionHard");
	if (eh != NULL && !yt_is_null(eh) && eviction_hard(eh, k, cause) < 0)
		return -1;
	return 0;
}

void
scn_kubelet_free(struct scenario *s)
{
	for (size_t i = 0; i < s->kubelet.n; i++) {
		free(s->kubelet.keys[i]);
		free(s->kubelet.values[i]);
	}
	free(s->kubelet.keys);
	free(s->kubelet.values);
}
