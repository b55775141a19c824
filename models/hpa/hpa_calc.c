/*
 * hpa_calc.c - the HPA replica calculator as upstream's replica_calculator.go
 * and metrics/utilization.go have it: groupPods, calculateRequests, the
 * metrics-server client's per-pod sums, GetResourceReplicas and the plain
 * metric path with their tolerance, missing-pod back-fill and no-flip
 * rules, and the Object and External Value / AverageValue calculations.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "sim/util/util.h"

void
hpa_config_default(struct hpa_config *c)
{
	memset(c, 0, sizeof *c);
	c->tolerance = 0.1;
	c->cpu_init_period = 5 * SIM_MIN;
	c->initial_readiness_delay = 30 * SIM_SEC;
	c->downscale_stabilization = 5 * SIM_MIN;
	c->sync_period = 15 * SIM_SEC;
	c->scale_up_limit_factor = 2.0;
	c->scale_up_limit_minimum = 4.0;
	c->configurable_tolerance = true;
	c->pod_level_resources = true;
}

bool
hpa_within_tolerance(struct hpa_tolerances t, double ratio)
{
	return (1.0 - t.down) <= ratio && ratio <= (1.0 + t.up);
}

/*
 * Go's int32(math.Ceil(x)) for x in range; out-of-range values (which Go
 * leaves implementation-defined) clamp, NaN gives 0.
 */
static int32_t
ceil_i32(double x)
{
	double c = ceil(x);
	if (isnan(c))
		return 0;
	if (c >= (double)INT32_MAX)
		return INT32_MAX;
	if (c <= (double)INT32_MIN)
		return INT32_MIN;
	return (int32_t)c;
}

static int64_t
ceil_i64(double x)
{
	double c = ceil(x);
	if (isnan(c))
		return 0;
	if (c >= 9223372036854775807.0)
		return INT64_MAX;
	if (c <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)c;
}

/* ---- a name -> value map with borrowed names ---------------------------- */

/*
 * A few names (most syncs: one or two entries, pods grouped with counts)
 * are looked up in place by a scan, allocating nothing; past SMAP_LINEAR
 * names they move into a ks_strmap. Either way only lookups are offered,
 * so the answers are the same.
 */
#define SMAP_LINEAR	8

struct smap {
	bool		 indexed;	/* in big, not in k and v */
	size_t		 n;
	const char	*k[SMAP_LINEAR];
	int64_t		 v[SMAP_LINEAR];
	struct ks_strmap big;
};

static void
smap_init(struct smap *m)
{
	m->indexed = false;
	m->n = 0;
}

static void
smap_index(struct smap *m, size_t need)
{
	ks_strmap_init_borrowed(&m->big);
	ks_strmap_reserve(&m->big, need);
	for (size_t i = 0; i < m->n; i++)
		ks_strmap_put(&m->big, m->k[i], m->v[i]);
	m->indexed = true;
}

/* Room for n names in all. */
static void
smap_reserve(struct smap *m, size_t n)
{
	if (!m->indexed && n > SMAP_LINEAR)
		smap_index(m, n);
}

static void
smap_fini(struct smap *m)
{
	if (m->indexed)
		ks_strmap_fini(&m->big);
	smap_init(m);
}

/* The place of key among the names held in place, or m->n: the name
 * itself first (names are mostly looked up through the pointer they were
 * put with), then its text (names are unique by their text). */
static size_t
smap_find(const struct smap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->k[i] == key)
			return i;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->k[i], key) == 0)
			return i;
	return m->n;
}

/* smap_get of a name not held in place through its pointer. */
static bool
smap_get_slow(const struct smap *m, const char *key, int64_t *val)
{
	if (m->indexed)
		return ks_strmap_get(&m->big, key, val);
	size_t i = smap_find(m, key);
	if (i == m->n)
		return false;
	*val = m->v[i];
	return true;
}

/* The common case, a name held in place looked up through its pointer,
 * inline. */
static inline bool
smap_get(const struct smap *m, const char *key, int64_t *val)
{
	for (size_t i = 0; !m->indexed && i < m->n; i++)
		if (m->k[i] == key) {
			*val = m->v[i];
			return true;
		}
	return smap_get_slow(m, key, val);
}

/* key, known not to be in m, with val (smap_put without looking for it
 * first). */
static void
smap_add(struct smap *m, const char *key, int64_t val)
{
	if (!m->indexed) {
		if (m->n < SMAP_LINEAR) {
			m->k[m->n] = key;
			m->v[m->n++] = val;
			return;
		}
		smap_index(m, 2 * SMAP_LINEAR);
	}
	ks_strmap_put(&m->big, key, val);
}

static void
smap_put(struct smap *m, const char *key, int64_t val)
{
	if (!m->indexed) {
		size_t i = smap_find(m, key);
		if (i < m->n) {
			m->v[i] = val;
			return;
		}
	}
	smap_add(m, key, val);	/* the index's put replaces a value too */
}

/* ---- a PodMetricsInfo: pod name -> metric, with deletion ------------- */

/*
 * Entries live in an array (insertion order) indexed by a string map, so
 * lookups are O(1) and nothing depends on hash order; a deleted entry is
 * only marked dead. Names are borrowed from the caller's pods and samples.
 */
struct mm_entry {
	const char	*name;
	int64_t		 value;
	int64_t		 count;	/* pods (hpa_pod_metric.count) */
	sim_ns		 ts;
	sim_ns		 window;
	bool		 live;
};
struct mmap {
	struct smap		 idx;
	struct mm_entry		*v;	/* small, or allocated past it */
	size_t			 n, cap;
	struct mm_entry		 small[SMAP_LINEAR];
	size_t			 live;	/* pods with a live entry */
};

/* The pods an entry with count n stands for. */
static int64_t
weight(uint32_t n)
{
	return n > 0 ? n : 1;
}

static void
mm_init(struct mmap *m)
{
	smap_init(&m->idx);
	m->v = m->small;
	m->n = 0;
	m->cap = SMAP_LINEAR;
	m->live = 0;
}

static void
mm_fini(struct mmap *m)
{
	smap_fini(&m->idx);
	if (m->v != m->small)
		free(m->v);
	m->v = NULL;
	m->n = m->cap = m->live = 0;
}

static struct mm_entry *
mm_find(const struct mmap *m, const char *name)
{
	int64_t i;
	if (!smap_get(&m->idx, name, &i) || !m->v[i].live)
		return NULL;
	return &m->v[i];
}

static void
mm_set(struct mmap *m, const char *name, int64_t value, sim_ns ts, sim_ns window,
    int64_t count)
{
	int64_t i;
	if (!smap_get(&m->idx, name, &i)) {
		if (m->n == m->cap && m->v == m->small) {
			/* past the entries held in place */
			m->v = xmalloc(2 * m->cap * sizeof *m->v);
			memcpy(m->v, m->small, m->n * sizeof *m->v);
			m->cap *= 2;
		}
		if (m->n == m->cap)
			KS_GROW(m->v, m->cap, m->n + 1);
		i = (int64_t)m->n++;
		smap_add(&m->idx, name, i);
		m->v[i].live = false;
	}
	struct mm_entry *e = &m->v[i];
	if (e->live)
		m->live -= (size_t)e->count;
	m->live += (size_t)count;
	e->count = count;
	e->name = name;
	e->value = value;
	e->ts = ts;
	e->window = window;
	e->live = true;
}

static void
mm_del(struct mmap *m, const char *name)
{
	struct mm_entry *e = mm_find(m, name);
	if (e != NULL) {
		e->live = false;
		m->live -= (size_t)e->count;
	}
}

static void
mm_from_array(struct mmap *m, const struct hpa_pod_metric *a, size_t n)
{
	mm_init(m);
	smap_reserve(&m->idx, n);
	for (size_t i = 0; i < n; i++)
		mm_set(m, a[i].pod, a[i].value, a[i].timestamp, a[i].window,
		    weight(a[i].count));
}

/* ---- groupPods --------------------------------------------------------- */

/* Each group has room for every pod up front (room: 3 * (npods + 1)
 * indices, the caller's, for the three): O(n), no regrowth. */
static void
push_idx(size_t **arr, size_t *n, size_t v)
{
	(*arr)[(*n)++] = v;
}

/* cpu: the resource is cpu (its initialization rules apply). */
static void
group_pods(const struct hpa_pod *pods, size_t npods, const struct mmap *m,
    bool cpu, sim_ns init_period, sim_ns delay, sim_ns now, size_t *room,
    struct hpa_groups *g)
{
	memset(g, 0, sizeof *g);
	g->unready = room;
	g->missing = g->unready + (npods + 1);
	g->ignored = g->missing + (npods + 1);
	for (size_t i = 0; i < npods; i++) {
		const struct hpa_pod *p = &pods[i];
		if (p->deleting || p->phase == HPA_POD_FAILED) {
			push_idx(&g->ignored, &g->nignored, i);
			continue;
		}
		if (p->phase == HPA_POD_PENDING) {
			push_idx(&g->unready, &g->nunready, i);
			continue;
		}
		const struct mm_entry *e = mm_find(m, p->name);
		if (e == NULL) {
			push_idx(&g->missing, &g->nmissing, i);
			continue;
		}
		if (cpu) {
			bool unready;
			if (p->ready == HPA_READY_NONE || !p->has_start)
				unready = true;
			else if (p->start + init_period > now)
				/* Still initialising: the sample must cover a
				 * full window since the last transition. */
				unready = p->ready == HPA_READY_FALSE ||
				    e->ts < p->ready_since + e->window;
			else
				/* Unready and never ready since start. */
				unready = p->ready == HPA_READY_FALSE &&
				    p->start + delay > p->ready_since;
			if (unready) {
				push_idx(&g->unready, &g->nunready, i);
				continue;
			}
		}
		g->ready_count += (int)weight(p->count);
	}
}

void
hpa_group_pods(const struct hpa_pod *pods, size_t npods,
    const struct hpa_pod_metric *metrics, size_t nmetrics, const char *resource,
    sim_ns cpu_init_period, sim_ns readiness_delay, sim_ns now,
    struct hpa_groups *out)
{
	struct mmap m;
	mm_from_array(&m, metrics, nmetrics);
	group_pods(pods, npods, &m, resource != NULL && strcmp(resource, "cpu") == 0,
	    cpu_init_period, readiness_delay, now,
	    xmalloc(3 * (npods + 1) * sizeof(size_t)), out);
	mm_fini(&m);
}

void
hpa_groups_fini(struct hpa_groups *g)
{
	free(g->unready);	/* the three groups' one allocation */
	memset(g, 0, sizeof *g);
}

/* ---- requests ---------------------------------------------------------- */

/*
 * A resource's name told once per calculation, as k8s_res_get tells it
 * (its names in its order, then an extended resource's), so that reading
 * the resource of each container and sample compares no strings.
 */
enum res_kind { RES_CPU, RES_MEMORY, RES_EPHEMERAL, RES_PODS, RES_EXTENDED };
struct res_key {
	enum res_kind	 kind;
	const char	*name;
};

static struct res_key
res_key_of(const char *name)
{
	static const char *const names[] = { "cpu", "memory", "ephemeral-storage",
	    "pods" };
	struct res_key k = { RES_EXTENDED, name };
	for (int i = 0; i < RES_EXTENDED && name != NULL; i++)
		if (strcmp(name, names[i]) == 0) {
			k.kind = (enum res_kind)i;
			break;
		}
	return k;
}

/* A resource quantity's MilliValue (k8s_res_get's value of k): cpu is
 * held in millicores already. */
static inline bool
res_milli(const struct k8s_resources *r, const struct res_key *k, int64_t *out)
{
	int64_t v;
	bool has;
	switch (k->kind) {
	case RES_CPU:
		*out = r->cpu_milli;
		return r->has_cpu;
	case RES_MEMORY:
		v = r->memory;
		has = r->has_memory;
		break;
	case RES_EPHEMERAL:
		v = r->ephemeral;
		has = r->has_ephemeral;
		break;
	case RES_PODS:
		v = r->pods;
		has = r->has_pods;
		break;
	default:
		has = k8s_res_get(r, k->name, &v);
		break;
	}
	if (has)
		*out = v * 1000;
	return has;
}

/* The i-th container of a pod, regular containers first, then init ones. */
struct cview {
	const char			*name;
	const struct k8s_resources	*req;
	bool				 init;
	bool				 restartable;
};

static size_t
pod_ncontainers(const struct hpa_pod *p)
{
	if (p->spec != NULL)
		return p->spec->ncontainers + p->spec->ninit;
	return p->ncontainers;
}

static inline struct cview
pod_container(const struct hpa_pod *p, size_t i)
{
	struct cview v;
	if (p->spec != NULL) {
		const struct k8s_container *c;
		bool init = i >= p->spec->ncontainers;
		c = init ? &p->spec->init_containers[i - p->spec->ncontainers] :
		    &p->spec->containers[i];
		v.name = c->name;
		v.req = &c->requests;
		v.init = init;
		v.restartable = init && c->restartable;
	} else {
		const struct hpa_container *c = &p->containers[i];
		v.name = c->name;
		v.req = &c->requests;
		v.init = c->init;
		v.restartable = c->init && c->restartable;
	}
	if (v.name == NULL)
		v.name = "";
	return v;
}

/*
 * The resource helpers' aggregate request for one resource:
 * max(sum(containers) + sum(sidecars), max_i(init_i + sidecars before i)),
 * plus overhead. False when no container requests it.
 */
static bool
aggregate_request(const struct hpa_pod *p, const struct res_key *resource,
    int64_t *out)
{
	int64_t sum = 0, sidecars = 0, init_max = 0, v;
	bool found = false;
	size_t n = pod_ncontainers(p);
	for (size_t i = 0; i < n; i++) {
		struct cview c = pod_container(p, i);
		if (!res_milli(c.req, resource, &v))
			v = 0;
		else
			found = true;
		if (!c.init)
			sum += v;
		else if (c.restartable) {
			sidecars += v;
			sum += v;
		} else if (v + sidecars > init_max)
			init_max = v + sidecars;
	}
	if (init_max > sum)
		sum = init_max;
	if (p->spec != NULL && res_milli(&p->spec->overhead, resource, &v))
		sum += v;
	*out = sum;
	return found;
}

/* The pod's pod-level requests: given apart, or those of its spec. */
static const struct k8s_resources *
pod_level(const struct hpa_pod *p)
{
	if (p->pod_requests != NULL)
		return p->pod_requests;
	return p->spec != NULL ? &p->spec->pod_requests : NULL;
}

static bool
pod_level_set(const struct hpa_pod *p)
{
	const struct k8s_resources *pl = pod_level(p);
	return pl != NULL && (pl->has_cpu || pl->has_memory);
}

/* hpa_pod_request of the resource k. */
static int
pod_request(const struct hpa_pod *pod, const char *container,
    const struct res_key *resource, bool pod_level_gate, int64_t *out, char **err)
{
	const char *pname = pod->name != NULL ? pod->name : "";
	bool named = container != NULL && container[0] != '\0';
	*out = 0;
	if (pod_level_gate && pod_level_set(pod) && !named) {
		/* calculatePodLevelRequests via PodRequests: pod-level values
		 * replace the aggregate for cpu and memory; overhead is added. */
		int64_t v;
		bool supported = resource->kind == RES_CPU ||
		    resource->kind == RES_MEMORY;
		if (supported && res_milli(pod_level(pod), resource, &v)) {
			int64_t ov;
			if (pod->spec != NULL &&
			    res_milli(&pod->spec->overhead, resource, &ov))
				v += ov;
			*out = v;
			return 0;
		}
		if (aggregate_request(pod, resource, &v)) {
			*out = v;
			return 0;
		}
		*err = xasprintf("missing pod-level request for %s in Pod %s",
		    resource->name, pname);
		return -1;
	}
	/* calculatePodRequestsFromContainers: containers, then sidecars. */
	int64_t request = 0;
	size_t n = pod_ncontainers(pod);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct cview c = pod_container(pod, i);
			if ((pass == 0 && c.init) || (pass == 1 && !c.restartable))
				continue;
			if (!named || strcmp(container, c.name) == 0) {
				int64_t v;
				if (!res_milli(c.req, resource, &v)) {
					*err = xasprintf("missing request for %s in "
					    "container %s of Pod %s", resource->name, c.name,
					    pname);
					return -1;
				}
				request += v;
			}
			if (named && strcmp(container, c.name) == 0) {
				*out = request;
				return 0;
			}
		}
	}
	if (named) {
		*err = xasprintf("container %s not found in Pod %s", container, pname);
		return -1;
	}
	*out = request;
	return 0;
}

int
hpa_pod_request(const struct hpa_pod *pod, const char *container,
    const char *resource, bool pod_level_gate, int64_t *out, char **err)
{
	struct res_key k = res_key_of(resource);
	return pod_request(pod, container, &k, pod_level_gate, out, err);
}

/* Pod p's request (pod_request), from c's memo when p's request inputs
 * are its own (struct hpa_request_memo), which then takes it. */
static int
memo_request(const struct hpa_calc *c, const struct hpa_pod *p, const char *container,
    const struct res_key *resource, int64_t *v, char **err)
{
	struct hpa_request_memo *m = c->requests;
	bool gate = c->cfg->pod_level_resources;
	bool hit = m != NULL && m->set && m->spec == p->spec &&
	    m->containers == p->containers && m->ncontainers == p->ncontainers &&
	    m->pod_requests == p->pod_requests && m->container == container &&
	    m->resource == resource->name && m->pod_level_gate == gate;
	if (hit && !m->verify) {
		m->hits++;
		*v = m->value;
		return 0;
	}
	int rc = pod_request(p, container, resource, gate, v, err);
	if (hit) {
		/* verify: the memo is what working it out gives */
		KS_ASSERT(rc == 0 && *v == m->value);
		m->hits++;
	} else if (m != NULL && rc == 0)
		*m = (struct hpa_request_memo){ .set = true, .verify = m->verify,
		    .pod_level_gate = gate, .spec = p->spec, .containers = p->containers,
		    .ncontainers = p->ncontainers, .pod_requests = p->pod_requests,
		    .container = container, .resource = resource->name, .value = *v,
		    .hits = m->hits };
	return rc;
}

/* calculateRequests over every listed pod: name -> request. */
static int
calculate_requests(const struct hpa_calc *c, const char *container,
    const struct res_key *resource, struct smap *req, char **err)
{
	smap_init(req);	/* names borrowed from c->pods */
	smap_reserve(req, c->npods);
	int64_t v = 0;
	for (size_t i = 0; i < c->npods; i++) {
		const struct hpa_pod *p = &c->pods[i], *q = i > 0 ? &c->pods[i - 1] : NULL;
		/* A pod whose request inputs are the previous pod's (same template:
		 * hpa_pod_request reads nothing else but its name, for errors)
		 * has the previous pod's request. */
		bool same = q != NULL && p->spec == q->spec && p->containers == q->containers &&
		    p->ncontainers == q->ncontainers && p->pod_requests == q->pod_requests;
		if (!same && memo_request(c, p, container, resource, &v, err) != 0) {
			smap_fini(req);
			return -1;
		}
		smap_put(req, p->name, v);
	}
	return 0;
}

/* ---- the metrics-server client ---------------------------------------- */

/* hpa_resource_metrics of n > 0 samples into res (room for n): how many. */
static size_t
resource_metrics(const struct hpa_pod_sample *samples, size_t n,
    const struct res_key *resource, const char *container,
    struct hpa_pod_metric *res)
{
	size_t k = 0;
	bool named = container != NULL && container[0] != '\0';
	for (size_t i = 0; i < n; i++) {
		const struct hpa_pod_sample *s = &samples[i];
		int64_t sum = 0, v;
		bool missing = false, found = false;
		if (named) {
			for (size_t j = 0; j < s->ncontainers; j++) {
				const char *cn = s->containers[j].name;
				if (cn == NULL || strcmp(cn, container) != 0)
					continue;
				found = true;
				if (res_milli(&s->containers[j].usage, resource, &v))
					sum = v;
				else
					missing = true;
				break;
			}
			/* A pod whose metrics lack the container is missing,
			 * as for Resource metrics (kubernetes/kubernetes PR
			 * #127193); it no longer fails the whole metric. */
			if (!found)
				missing = true;
		} else {
			missing = s->ncontainers == 0;
			for (size_t j = 0; j < s->ncontainers && !missing; j++) {
				if (res_milli(&s->containers[j].usage, resource, &v))
					sum += v;
				else
					missing = true;
			}
		}
		if (missing)
			continue;
		res[k].pod = s->pod;
		res[k].value = sum;
		res[k].timestamp = s->timestamp;
		res[k].window = s->window;
		res[k].count = s->count;
		k++;
	}
	return k;
}

int
hpa_resource_metrics(const struct hpa_pod_sample *samples, size_t n,
    const char *resource, const char *container, const char *namespace,
    struct hpa_pod_metric **out, size_t *nout, char **err)
{
	*out = NULL;
	*nout = 0;
	if (n == 0) {
		*err = xstrdup("no metrics returned from resource metrics API");
		return -1;
	}
	(void)namespace;	/* only upstream's log line names it */
	struct res_key k = res_key_of(resource);
	*out = xcalloc(n, sizeof **out);
	*nout = resource_metrics(samples, n, &k, container, *out);
	return 0;
}

/*
 * A calculation's per-pod arrays: in place for a few entries (most syncs
 * have one or two, pods grouped with counts), allocated past that.
 */
#define CALC_IN_PLACE	16

struct calc_room {
	struct hpa_pod_metric	 pm_small[CALC_IN_PLACE];
	size_t			 groups_small[3 * (CALC_IN_PLACE + 1)];
	struct hpa_pod_metric	*pm;		/* pm_small or allocated */
	size_t			*groups;	/* groups_small or allocated */
};

/* The metrics-server client's values of resource into r->pm (*npm of
 * them), or -1 with *err as hpa_resource_metrics words it. */
static int
calc_metrics(struct calc_room *r, const struct hpa_pod_sample *samples,
    size_t n, const struct res_key *resource, const char *container,
    size_t *npm, char **err)
{
	r->pm = n <= CALC_IN_PLACE ? r->pm_small : xmalloc(n * sizeof *r->pm);
	r->groups = NULL;
	if (n == 0) {
		*err = xstrcat("unable to get metrics for resource ",
		    resource->name != NULL ? resource->name : "(null)",
		    ": no metrics returned from resource metrics API", (char *)NULL);
		return -1;
	}
	*npm = resource_metrics(samples, n, resource, container, r->pm);
	return 0;
}

/* groupPods of the calculation's pods, with room from r. */
static void
calc_group_pods(struct calc_room *r, const struct hpa_calc *c,
    const struct mmap *m, bool cpu, struct hpa_groups *g)
{
	size_t need = 3 * (c->npods + 1);
	r->groups = c->npods <= CALC_IN_PLACE ? r->groups_small :
	    xmalloc(need * sizeof *r->groups);
	group_pods(c->pods, c->npods, m, cpu, c->cfg->cpu_init_period,
	    c->cfg->initial_readiness_delay, c->now, r->groups, g);
}

static void
calc_room_fini(struct calc_room *r)
{
	if (r->pm != r->pm_small)
		free(r->pm);
	if (r->groups != NULL && r->groups != r->groups_small)
		free(r->groups);
}

/* ---- ratios ------------------------------------------------------------- */

/* GetResourceUtilizationRatio's arithmetic: usage mtotal and request
 * rtotal (> 0) over entries pods. */
static inline void
utilization_of(int64_t mtotal, int64_t rtotal, int64_t entries, int32_t target,
    double *ratio, int32_t *util, int64_t *raw)
{
	*util = (int32_t)(mtotal * 100 / rtotal);
	*ratio = (double)*util / (double)target;
	*raw = mtotal / entries;
}

/* GetResourceUtilizationRatio. */
static int
utilization_ratio(const struct mmap *m, const struct smap *req,
    int32_t target, double *ratio, int32_t *util, int64_t *raw, char **err)
{
	int64_t mtotal = 0, rtotal = 0, entries = 0;
	for (size_t i = 0; i < m->n; i++) {
		int64_t r;
		if (!m->v[i].live || !smap_get(req, m->v[i].name, &r))
			continue;	/* extraneous metric */
		mtotal += m->v[i].value * m->v[i].count;
		rtotal += r * m->v[i].count;
		entries += m->v[i].count;
	}
	if (rtotal == 0) {
		*err = xstrdup("no metrics returned matched known pods");
		return -1;
	}
	utilization_of(mtotal, rtotal, entries, target, ratio, util, raw);
	return 0;
}

/* GetMetricUsageRatio (m has at least one live entry). */
static double
usage_ratio(const struct mmap *m, int64_t target, int64_t *usage)
{
	int64_t total = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].live)
			total += m->v[i].value * m->v[i].count;
	*usage = total / (int64_t)m->live;
	return (double)*usage / (double)target;
}

static sim_ns
first_timestamp(const struct hpa_pod_metric *a, size_t n)
{
	return n > 0 ? a[0].timestamp : HPA_TIME_ZERO;
}

/* ---- GetResourceReplicas --------------------------------------------- */

/* The replicas when no pod is missing and none unready counts (the first
 * ratio decides): ready pods at ratio. */
static inline int32_t
ready_replicas(int32_t current, struct hpa_tolerances tol, double ratio, int64_t ready)
{
	return hpa_within_tolerance(tol, ratio) ? current : ceil_i32(ratio * (double)ready);
}

void
hpa_ready_resource_replicas(int32_t current, int32_t target_util,
    struct hpa_tolerances tol, int64_t n, int64_t usage, int64_t request,
    struct hpa_calc_out *out)
{
	KS_ASSERT(n > 0 && request > 0);
	double ratio;
	memset(out, 0, sizeof *out);
	utilization_of(usage, request, n, target_util, &ratio, &out->utilization, &out->usage);
	out->replicas = ready_replicas(current, tol, ratio, n);
}

int
hpa_resource_replicas(const struct hpa_calc *c, int32_t current,
    int32_t target_util, const char *resource, const char *container,
    struct hpa_tolerances tol, const struct hpa_pod_sample *samples,
    size_t nsamples, struct hpa_calc_out *out, char **err)
{
	struct res_key rk = res_key_of(resource);
	struct calc_room room;
	size_t npm;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (calc_metrics(&room, samples, nsamples, &rk, container, &npm, err) != 0) {
		calc_room_fini(&room);
		return -1;
	}
	const struct hpa_pod_metric *pm = room.pm;
	if (c->npods == 0) {
		calc_room_fini(&room);
		*err = xstrdup("no pods returned by selector while calculating "
		    "replica count");
		return -1;
	}
	struct mmap m;
	struct hpa_groups g;
	struct smap req;
	mm_from_array(&m, pm, npm);
	calc_group_pods(&room, c, &m, rk.kind == RES_CPU, &g);
	for (size_t i = 0; i < g.nignored; i++)
		mm_del(&m, c->pods[g.ignored[i]].name);
	for (size_t i = 0; i < g.nunready; i++)
		mm_del(&m, c->pods[g.unready[i]].name);
	if (m.live == 0) {
		*err = xstrdup("did not receive metrics for targeted pods (pods "
		    "might be unready)");
		goto out_nreq;
	}
	if (calculate_requests(c, container, &rk, &req, err) != 0)
		goto out_nreq;

	double ratio;
	int32_t util;
	int64_t raw;
	if (utilization_ratio(&m, &req, target_util, &ratio, &util, &raw, err) != 0)
		goto out;
	out->utilization = util;
	out->usage = raw;
	out->timestamp = first_timestamp(pm, npm);

	bool up_with_unready = g.nunready > 0 && ratio > 1.0;
	if (!up_with_unready && g.nmissing == 0) {
		out->replicas = ready_replicas(current, tol, ratio, g.ready_count);
		rc = 0;
		goto out;
	}
	if (g.nmissing > 0) {
		/* Scale-down: missing pods use 100% of their request (or the
		 * target when above 100%); scale-up: 0%. */
		int64_t fallback = target_util > 100 ? target_util : 100;
		for (size_t i = 0; i < g.nmissing; i++) {
			const struct hpa_pod *p = &c->pods[g.missing[i]];
			int64_t r = 0;
			smap_get(&req, p->name, &r);
			if (ratio < 1.0)
				mm_set(&m, p->name, r * fallback / 100, 0, 0, weight(p->count));
			else if (ratio > 1.0)
				mm_set(&m, p->name, 0, 0, 0, weight(p->count));
		}
	}
	if (up_with_unready)
		for (size_t i = 0; i < g.nunready; i++)
			mm_set(&m, c->pods[g.unready[i]].name, 0, 0, 0,
			    weight(c->pods[g.unready[i]].count));

	double nratio;
	int32_t nutil;
	int64_t nraw;
	if (utilization_ratio(&m, &req, target_util, &nratio, &nutil, &nraw,
	    err) != 0)
		goto out;
	if (hpa_within_tolerance(tol, nratio) || (ratio < 1.0 && nratio > 1.0) ||
	    (ratio > 1.0 && nratio < 1.0)) {
		out->replicas = current;	/* too small, or the direction flips */
		rc = 0;
		goto out;
	}
	int32_t nrep = ceil_i32(nratio * (double)m.live);
	if ((nratio < 1.0 && nrep > current) || (nratio > 1.0 && nrep < current))
		nrep = current;
	out->replicas = nrep;
	rc = 0;
out:
	smap_fini(&req);
out_nreq:
	mm_fini(&m);
	calc_room_fini(&room);
	return rc;
}

/* ---- calcPlainMetricReplicas ------------------------------------------- */

/* cpu: the metric is the cpu resource's; groups' room from r. */
static int
plain_metric_replicas(const struct hpa_calc *c, struct mmap *m, int32_t current,
    int64_t target, struct hpa_tolerances tol, bool cpu, struct calc_room *r,
    struct hpa_calc_out *out, char **err)
{
	if (c->npods == 0) {
		*err = xstrdup("no pods returned by selector while calculating "
		    "replica count");
		return -1;
	}
	struct hpa_groups g;
	calc_group_pods(r, c, m, cpu, &g);
	for (size_t i = 0; i < g.nignored; i++)
		mm_del(m, c->pods[g.ignored[i]].name);
	for (size_t i = 0; i < g.nunready; i++)
		mm_del(m, c->pods[g.unready[i]].name);
	if (m->live == 0) {
		*err = xstrdup("did not receive metrics for targeted pods (pods "
		    "might be unready)");
		return -1;
	}
	int64_t usage;
	double ratio = usage_ratio(m, target, &usage);
	out->usage = usage;
	bool up_with_unready = g.nunready > 0 && ratio > 1.0;
	if (!up_with_unready && g.nmissing == 0) {
		out->replicas = hpa_within_tolerance(tol, ratio) ? current :
		    ceil_i32(ratio * (double)g.ready_count);
		return 0;
	}
	for (size_t i = 0; i < g.nmissing; i++) {
		/* Scale-down: a missing pod uses exactly the target. */
		const struct hpa_pod *p = &c->pods[g.missing[i]];
		if (ratio < 1.0)
			mm_set(m, p->name, target, 0, 0, weight(p->count));
		else if (ratio > 1.0)
			mm_set(m, p->name, 0, 0, 0, weight(p->count));
	}
	if (up_with_unready)
		for (size_t i = 0; i < g.nunready; i++)
			mm_set(m, c->pods[g.unready[i]].name, 0, 0, 0,
			    weight(c->pods[g.unready[i]].count));

	int64_t nusage;
	double nratio = usage_ratio(m, target, &nusage);
	if (hpa_within_tolerance(tol, nratio) || (ratio < 1.0 && nratio > 1.0) ||
	    (ratio > 1.0 && nratio < 1.0)) {
		out->replicas = current;
		return 0;
	}
	int32_t nrep = ceil_i32(nratio * (double)m->live);
	if ((nratio < 1.0 && nrep > current) || (nratio > 1.0 && nrep < current))
		nrep = current;
	out->replicas = nrep;
	return 0;
}

int
hpa_raw_resource_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const char *resource, const char *container,
    struct hpa_tolerances tol, const struct hpa_pod_sample *samples,
    size_t nsamples, struct hpa_calc_out *out, char **err)
{
	struct res_key rk = res_key_of(resource);
	struct calc_room room;
	size_t npm;
	memset(out, 0, sizeof *out);
	if (calc_metrics(&room, samples, nsamples, &rk, container, &npm, err) != 0) {
		calc_room_fini(&room);
		return -1;
	}
	struct mmap m;
	mm_from_array(&m, room.pm, npm);
	out->timestamp = first_timestamp(room.pm, npm);
	int rc = plain_metric_replicas(c, &m, current, target, tol,
	    rk.kind == RES_CPU, &room, out, err);
	mm_fini(&m);
	calc_room_fini(&room);
	return rc;
}

int
hpa_pods_metric_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const char *metric_name, struct hpa_tolerances tol,
    const struct hpa_pod_metric *values, size_t nvalues,
    struct hpa_calc_out *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (nvalues == 0) {
		*err = xasprintf("unable to get metric %s: no metrics returned "
		    "from custom metrics API", metric_name ? metric_name : "");
		return -1;
	}
	struct mmap m;
	struct calc_room room;
	room.pm = room.pm_small;	/* not used: the values are the caller's */
	room.groups = NULL;
	mm_from_array(&m, values, nvalues);
	out->timestamp = first_timestamp(values, nvalues);
	int rc = plain_metric_replicas(c, &m, current, target, tol, false, &room,
	    out, err);
	mm_fini(&m);
	calc_room_fini(&room);
	return rc;
}

/* ---- Object and External metrics -------------------------------------- */

/* getReadyPodsCount: Running pods whose Ready condition is True. */
static int
ready_pods_count(const struct hpa_calc *c, int64_t *n, char **err)
{
	if (c->npods == 0) {
		*err = xstrdup("unable to calculate ready pods: no pods returned by "
		    "selector while calculating replica count");
		return -1;
	}
	*n = 0;
	for (size_t i = 0; i < c->npods; i++)
		if (c->pods[i].phase == HPA_POD_RUNNING &&
		    c->pods[i].ready == HPA_READY_TRUE)
			(*n)++;
	return 0;
}

/* getUsageRatioReplicaCount: with current 0, no tolerance and no pods. */
static int
usage_ratio_replica_count(const struct hpa_calc *c, int32_t current,
    double ratio, struct hpa_tolerances tol, int32_t *out, char **err)
{
	if (current == 0) {
		*out = ceil_i32(ratio);
		return 0;
	}
	if (hpa_within_tolerance(tol, ratio)) {
		*out = current;
		return 0;
	}
	int64_t ready;
	if (ready_pods_count(c, &ready, err) != 0)
		return -1;
	double f = ratio * (double)ready;
	*out = f > (double)INT32_MAX ? INT32_MAX : ceil_i32(f);
	return 0;
}

int
hpa_object_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, int64_t usage, struct hpa_tolerances tol,
    struct hpa_calc_out *out, char **err)
{
	memset(out, 0, sizeof *out);
	out->usage = usage;
	double ratio = (double)usage / (double)target;
	return usage_ratio_replica_count(c, current, ratio, tol, &out->replicas, err);
}

int
hpa_object_per_pod_replicas(int32_t status_replicas, int64_t target,
    int64_t usage, struct hpa_tolerances tol, struct hpa_calc_out *out)
{
	memset(out, 0, sizeof *out);
	out->replicas = status_replicas;
	double ratio = (double)usage / ((double)target * (double)status_replicas);
	if (!hpa_within_tolerance(tol, ratio))
		out->replicas = ceil_i32((double)usage / (double)target);
	out->usage = ceil_i64((double)usage / (double)status_replicas);
	return 0;
}

int
hpa_external_replicas(const struct hpa_calc *c, int32_t current,
    int64_t target, const int64_t *series, size_t nseries,
    struct hpa_tolerances tol, struct hpa_calc_out *out, char **err)
{
	memset(out, 0, sizeof *out);
	int64_t usage = 0;
	for (size_t i = 0; i < nseries; i++) {
		if (series[i] > 0 && usage > INT64_MAX - series[i]) {
			usage = INT64_MAX;	/* saturate */
			break;
		}
		usage = (int64_t)((uint64_t)usage + (uint64_t)series[i]);
	}
	out->usage = usage;
	double ratio = (double)usage / (double)target;
	return usage_ratio_replica_count(c, current, ratio, tol, &out->replicas, err);
}

int
hpa_external_per_pod_replicas(int32_t status_replicas, int64_t target,
    const int64_t *series, size_t nseries, struct hpa_tolerances tol,
    struct hpa_calc_out *out)
{
	memset(out, 0, sizeof *out);
	int64_t usage = 0;
	for (size_t i = 0; i < nseries; i++) {
		/* Go wraps on overflow; a negative sum means it did. */
		usage = (int64_t)((uint64_t)usage + (uint64_t)series[i]);
		if (usage < 0) {
			usage = INT64_MAX;
			break;
		}
	}
	out->replicas = status_replicas;
	double ratio = (double)usage / ((double)target * (double)status_replicas);
	if (!hpa_within_tolerance(tol, ratio)) {
		double r = ceil((double)usage / (double)target);
		out->replicas = r > (double)INT32_MAX ? INT32_MAX : ceil_i32(r);
	}
	if ((double)usage >= 9223372036854775807.0)
		out->usage = INT64_MAX;
	else
		out->usage = ceil_i64((double)usage / (double)status_replicas);
	return 0;
}
