/*
 * cluster.c - building the cluster (pools, deployments, services, HPAs),
 * nodes and their lifecycle: provisioning, random failures (time to failure
 * and repair per pool) and scheduled chaos, the node lifecycle controller
 * (missed heartbeats -> NotReady after node-monitor-grace-period, unreachable
 * taints, eviction after the toleration), node deletion, cost accrual, and
 * interval records.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster_int.h"

static void node_fail(struct cluster *c, uint32_t n, sim_ns down_for);
static void node_arm_failure(struct cluster *c, uint32_t n);

void
cl_event(struct cluster *c, const char *kind, const char *object, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	struct probe_val v[4] = {
		PV_REAL(sim_ns_to_s(sim_now(c->sim))), PV_TEXT(kind), PV_TEXT(object),
		PV_TEXT(detail),
	};
	probe_emit(&c->probes, "events", v, 4);
}

void
cl_cost_update(struct cluster *c)
{
	sim_ns now = sim_now(c->sim);
	c->cost_usd += c->price_rate * sim_ns_to_s(now - c->cost_at);
	c->cost_at = now;
}

struct cluster *
cl_new(struct sim *sim, uint64_t seed, const struct cl_timings *t,
    const struct probe_sink *probes)
{
	struct cluster *c = xcalloc(1, sizeof *c);
	c->sim = sim;
	c->seed = seed;
	c->t = *t;
	if (probes != NULL)
		c->probes = *probes;
	c->rng_cp = sim_rng_new(seed, "control-plane");
	c->rng_kubelet = sim_rng_new(seed, "kubelet");
	c->rng_sched = sim_rng_new(seed, "scheduler");
	c->rng_fail = sim_rng_new(seed, "failures");
	c->rng_provision = sim_rng_new(seed, "provisioning");
	c->free_pods = NONE;
	c->ca_cfg = ca_config_defaults();
	sq_init(c);
	return c;
}

void
cl_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cas_free(c);
	vpas_free(c);
	queues_free(c);
	for (size_t i = 0; i < c->npods; i++)
		free(c->pods[i].name);
	free(c->pods);
	for (size_t i = 0; i < c->nnodes; i++) {
		k8s_node_spec_free(c->nodes[i].spec);
		free(c->nodes[i].spec);
		for (size_t j = 0; j < c->nodes[i].nimages; j++)
			free(c->nodes[i].images[j]);
		free(c->nodes[i].images);
	}
	free(c->nodes);
	for (size_t i = 0; i < c->npools; i++)
		k8s_node_spec_free(&c->pools[i].tmpl);
	free(c->pools);
	for (size_t i = 0; i < c->ndeploys; i++) {
		/* The template copy shares strings with the deployment: only the
		 * arrays this file allocated are ours. */
		free(c->deploys[i].spec.tolerations);
	}
	free(c->deploys);
	for (size_t i = 0; i < c->nservices; i++)
		free(c->services[i].endpoints);
	free(c->services);
	for (size_t i = 0; i < c->nprofiles; i++) {
		free(c->profiles[i].hist);
		free(c->profiles[i].run_hist);
		if (c->profiles[i].p.free_ctx != NULL)
			c->profiles[i].p.free_ctx(c->profiles[i].p.offered_ctx);
	}
	serve_free(c);
	free(c->profiles);
	free(c->dists);
	for (size_t i = 0; i < c->nhpas; i++) {
		hpa_state_fini(&c->hpas[i].state);
	}
	free(c->hpas);
	free(c->pdbs);
	free(c->pcs);
	free(c->chaos);
	sq_fini(c);
	gsl_rng_free(c->rng_cp);
	gsl_rng_free(c->rng_kubelet);
	gsl_rng_free(c->rng_sched);
	gsl_rng_free(c->rng_fail);
	gsl_rng_free(c->rng_provision);
	free(c);
}

int
cl_add_pool(struct cluster *c, const struct cl_pool_params *p)
{
	KS_GROW(c->pools, c->cappools, c->npools + 1);
	struct cl_pool *pl = &c->pools[c->npools];
	memset(pl, 0, sizeof *pl);
	pl->p = *p;
	if (p->labels != NULL)
		k8s_labels_copy(&pl->tmpl.labels, p->labels);
	k8s_labels_set(&pl->tmpl.labels, "node.kubernetes.io/instance-type",
	    p->instance_type ? p->instance_type : p->name);
	k8s_labels_set(&pl->tmpl.labels, "kubesim.io/pool", p->name);
	if (p->ntaints > 0) {
		pl->tmpl.taints = xcalloc(p->ntaints, sizeof *pl->tmpl.taints);
		for (size_t i = 0; i < p->ntaints; i++) {
			pl->tmpl.taints[i].key = xstrdup(p->taints[i].key);
			pl->tmpl.taints[i].value = p->taints[i].value ? xstrdup(p->taints[i].value) : NULL;
			pl->tmpl.taints[i].effect = p->taints[i].effect;
		}
		pl->tmpl.ntaints = p->ntaints;
	}
	struct k8s_resources *a = &pl->tmpl.allocatable;
	k8s_res_set(a, "cpu", p->cpu_milli - p->reserved_cpu_milli);
	k8s_res_set(a, "memory", p->memory - p->reserved_memory);
	k8s_res_set(a, "pods", p->max_pods);
	return (int)c->npools++;
}

int
cl_add_priority_class(struct cluster *c, const struct k8s_priority_class *pc)
{
	KS_GROW(c->pcs, c->cappcs, c->npcs + 1);
	c->pcs[c->npcs] = pc;
	return (int)c->npcs++;
}

int
cl_add_deployment(struct cluster *c, const struct k8s_deployment *d)
{
	KS_GROW(c->deploys, c->capdeploys, c->ndeploys + 1);
	struct cl_deploy *dp = &c->deploys[c->ndeploys];
	memset(dp, 0, sizeof *dp);
	dp->d = d;
	dp->replicas = d->replicas;
	dp->first_pod = NONE;
	dp->service = NONE;
	dp->hpa = NONE;
	/* A shallow copy of the template; the DefaultTolerationSeconds
	 * admission plugin adds not-ready and unreachable NoExecute
	 * tolerations for the eviction toleration (300 s) unless present. */
	dp->spec = d->template;
	if (dp->spec.namespace == NULL)
		dp->spec.namespace = d->namespace;
	size_t n = d->template.ntolerations;
	dp->spec.tolerations = xcalloc(n + 2, sizeof *dp->spec.tolerations);
	if (n > 0)
		memcpy(dp->spec.tolerations, d->template.tolerations, n * sizeof *dp->spec.tolerations);
	static const char *const keys[2] = { "node.kubernetes.io/not-ready",
		"node.kubernetes.io/unreachable" };
	for (int k = 0; k < 2; k++) {
		bool have = false;
		for (size_t i = 0; i < d->template.ntolerations; i++) {
			const struct k8s_toleration *tl = &d->template.tolerations[i];
			if (tl->key != NULL && strcmp(tl->key, keys[k]) == 0 &&
			    (tl->effect == K8S_NO_EXECUTE || tl->effect == K8S_EFFECT_ALL))
				have = true;
		}
		if (have)
			continue;
		struct k8s_toleration *tl = &dp->spec.tolerations[dp->spec.ntolerations++];
		memset(tl, 0, sizeof *tl);
		tl->key = (char *)keys[k];
		tl->op = K8S_TOL_EXISTS;
		tl->effect = K8S_NO_EXECUTE;
		tl->has_seconds = true;
		tl->seconds = c->t.eviction_toleration / SIM_SEC;
	}
	/* Resolve the PriorityClass (or the global default). */
	dp->spec.priority = 0;
	for (size_t i = 0; i < c->npcs; i++) {
		const struct k8s_priority_class *pc = c->pcs[i];
		if ((d->template.priority_class != NULL &&
		    strcmp(pc->name, d->template.priority_class) == 0) ||
		    (d->template.priority_class == NULL && pc->global_default))
			dp->spec.priority = pc->value;
	}
	return (int)c->ndeploys++;
}

/* The Deployment a Service selects: the first whose template labels match. */
static uint32_t
service_deploy(struct cluster *c, const struct k8s_service *s)
{
	if (s->selector.n == 0)
		return NONE;
	if (s->has_deploy && (s->deploy < 0 || (size_t)s->deploy < c->ndeploys))
		return s->deploy < 0 ? NONE : (uint32_t)s->deploy;	/* indexed */
	for (size_t i = 0; i < c->ndeploys; i++) {
		const struct k8s_pod_spec *t = &c->deploys[i].d->template;
		bool all = true;
		for (size_t j = 0; j < s->selector.n && all; j++) {
			const char *v = k8s_labels_get(&t->labels, s->selector.v[j].key);
			all = v != NULL && strcmp(v, s->selector.v[j].value) == 0;
		}
		if (all)
			return (uint32_t)i;
	}
	return NONE;
}

int
cl_add_service(struct cluster *c, const struct k8s_service *s)
{
	KS_GROW(c->services, c->capservices, c->nservices + 1);
	struct cl_service *sv = &c->services[c->nservices];
	memset(sv, 0, sizeof *sv);
	sv->s = s;
	sv->profile = -1;
	sv->deploy = service_deploy(c, s);
	sched_add_service(c->sched, s->namespace ? s->namespace : "default", &s->selector);
	if (sv->deploy != NONE && c->deploys[sv->deploy].service == NONE)
		c->deploys[sv->deploy].service = (uint32_t)c->nservices;
	return (int)c->nservices++;
}

int
cl_add_pdb(struct cluster *c, const struct k8s_pdb *p)
{
	KS_GROW(c->pdbs, c->cappdbs, c->npdbs + 1);
	c->pdbs[c->npdbs] = p;
	return (int)c->npdbs++;
}

int
cl_add_hpa(struct cluster *c, const struct hpa_spec *h, char **cause)
{
	uint32_t dep = NONE;
	for (size_t i = 0; i < c->ndeploys; i++)
		if (strcmp(c->deploys[i].d->name, h->target_name) == 0)
			dep = (uint32_t)i;
	if (dep == NONE) {
		*cause = xasprintf("HorizontalPodAutoscaler %s: no Deployment %s", h->name,
		    h->target_name);
		return -1;
	}
	KS_GROW(c->hpas, c->caphpas, c->nhpas + 1);
	struct cl_hpa *hp = &c->hpas[c->nhpas];
	memset(hp, 0, sizeof *hp);
	hp->spec = h;
	hp->deploy = dep;
	hpa_state_init(&hp->state);
	c->deploys[dep].hpa = (uint32_t)c->nhpas;
	return (int)c->nhpas++;
}

int
cl_add_profile(struct cluster *c, const struct cl_profile_params *p, char **cause)
{
	uint32_t svc = NONE;
	for (size_t i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].s->name, p->service) == 0)
			svc = (uint32_t)i;
	if (svc == NONE) {
		*cause = xasprintf("service profile %s: no Service of that name", p->service);
		return -1;
	}
	KS_GROW(c->profiles, c->capprofiles, c->nprofiles + 1);
	struct cl_profile *pr = &c->profiles[c->nprofiles];
	memset(pr, 0, sizeof *pr);
	pr->p = *p;
	pr->service = svc;
	pr->hist = xmalloc(sizeof *pr->hist);
	hist_reset(pr->hist);
	pr->run_hist = xmalloc(sizeof *pr->run_hist);
	hist_reset(pr->run_hist);
	c->services[svc].profile = (int32_t)c->nprofiles;
	return (int)c->nprofiles++;
}

void
cl_set_ca_config(struct cluster *c, const struct ca_config *cfg)
{
	c->ca_cfg = *cfg;
}

int
cl_add_chaos(struct cluster *c, const struct cl_chaos_params *ch, char **cause)
{
	if (ch->pool != NULL) {
		bool found = false;
		for (size_t i = 0; i < c->npools; i++)
			found |= strcmp(c->pools[i].p.name, ch->pool) == 0;
		if (!found) {
			*cause = xasprintf("failure at %.0fs: no node pool %s",
			    sim_ns_to_s(ch->at), ch->pool);
			return -1;
		}
	}
	if (ch->kind == CL_SCALE_DEPLOYMENT) {
		bool found = false;
		for (size_t i = 0; i < c->ndeploys; i++)
			found |= strcmp(c->deploys[i].d->name, ch->deployment) == 0;
		if (!found) {
			*cause = xasprintf("scale at %.0fs: no Deployment %s",
			    sim_ns_to_s(ch->at), ch->deployment);
			return -1;
		}
	}
	KS_GROW(c->chaos, c->capchaos, c->nchaos + 1);
	c->chaos[c->nchaos] = *ch;
	return (int)c->nchaos++;
}

/* ---- nodes -------------------------------------------------------------- */

static void
node_billing(struct cluster *c, struct cl_node *n, bool on)
{
	cl_cost_update(c);
	double rate = c->pools[n->pool].p.price_hour / 3600.0;
	c->price_rate += on ? rate : -rate;
}

static void
node_became_ready(struct cluster *c, uint32_t id)
{
	struct cl_node *n = &c->nodes[id];
	n->state = NODE_READY;
	c->nodes_ready++;
	sq_node_changed(c, id);
	sq_cluster_event(c);
}

static void
on_node_provisioned(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t id = (uint32_t)arg;
	if (c->nodes[id].state != NODE_PROVISIONING)
		return;	/* deleted before it came up */
	c->nodes[id].up = true;
	cl_event(c, "NodeReady", c->nodes[id].spec->name, "provisioned");
	node_became_ready(c, id);
	node_arm_failure(c, id);
}

/* Creates a node of the pool; it is Ready at once (initial nodes) or after
 * the pool's provisioning delay, tainted as not ready until then. */
uint32_t
node_create(struct cluster *c, uint32_t pool, bool initial)
{
	struct cl_pool *pl = &c->pools[pool];
	KS_GROW(c->nodes, c->capnodes, c->nnodes + 1);
	uint32_t id = (uint32_t)c->nnodes++;
	struct cl_node *n = &c->nodes[id];
	memset(n, 0, sizeof *n);
	n->id = id;
	n->pool = pool;
	n->first_pod = NONE;
	n->spec = xcalloc(1, sizeof *n->spec);
	n->spec->name = xasprintf("%s-%u", pl->p.name, pl->nodes_made++);
	k8s_labels_copy(&n->spec->labels, &pl->tmpl.labels);
	k8s_labels_set(&n->spec->labels, "kubernetes.io/hostname", n->spec->name);
	if (pl->p.nzones > 0) {
		const char *zone = pl->p.zones[pl->next_zone++ % pl->p.nzones];
		k8s_labels_set(&n->spec->labels, "topology.kubernetes.io/zone", zone);
	}
	if (pl->tmpl.ntaints > 0) {
		n->spec->taints = xcalloc(pl->tmpl.ntaints + 2, sizeof *n->spec->taints);
		for (size_t i = 0; i < pl->tmpl.ntaints; i++) {
			n->spec->taints[i].key = xstrdup(pl->tmpl.taints[i].key);
			n->spec->taints[i].value = pl->tmpl.taints[i].value ?
			    xstrdup(pl->tmpl.taints[i].value) : NULL;
			n->spec->taints[i].effect = pl->tmpl.taints[i].effect;
		}
		n->spec->ntaints = pl->tmpl.ntaints;
	}
	k8s_res_copy(&n->spec->allocatable, &pl->tmpl.allocatable);
	n->state = NODE_PROVISIONING;
	n->billed_from = sim_now(c->sim);
	n->sched_idx = sq_add_node(c, id);
	node_billing(c, n, true);
	if (initial) {
		n->up = true;
		node_became_ready(c, id);
		node_arm_failure(c, id);
	} else {
		sq_node_changed(c, id);
		sim_ns d = sim_dist_sample_ns(&pl->p.provision, c->rng_provision);
		sim_after(c->sim, d, PRIO_NODE, on_node_provisioned, c, id);
		cl_event(c, "NodeProvisioning", n->spec->name, "ready in %.1fs", sim_ns_to_s(d));
	}
	return id;
}

void
node_delete(struct cluster *c, uint32_t id, const char *reason)
{
	struct cl_node *n = &c->nodes[id];
	KS_ASSERT(n->state != NODE_DELETED);
	/* Pods still bound go with the node; a pod the scheduler assumed onto
	 * it is deleted too (its ReplicaSet replaces both). */
	uint32_t p = n->first_pod;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		pod_delete(c, p, "NodeDeleted");
		if (c->pods[p].phase != POD_FREE && c->pods[p].node == id)
			pod_free(c, p);
		p = next;
	}
	for (size_t i = 0; i < c->npods; i++)
		if (c->pods[i].phase == POD_PENDING && c->pods[i].assumed == id)
			pod_delete(c, (uint32_t)i, "NodeDeleted");
	if (n->state == NODE_READY)
		c->nodes_ready--;
	n->state = NODE_DELETED;
	n->up = false;
	sim_cancel(c->sim, n->fail_timer);
	sim_cancel(c->sim, n->repair_timer);
	sim_cancel(c->sim, n->grace_timer);
	sim_cancel(c->sim, n->evict_timer);
	n->fail_timer = n->repair_timer = n->grace_timer = n->evict_timer = 0;
	node_billing(c, n, false);
	sched_remove_node(c->sched, (int)n->sched_idx);
	cl_event(c, "NodeDeleted", n->spec->name, "%s", reason);
}

static void
on_node_random_failure(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t id = (uint32_t)arg;
	c->nodes[id].fail_timer = 0;
	if (c->nodes[id].up)
		node_fail(c, id, -1);
}

static void
node_arm_failure(struct cluster *c, uint32_t id)
{
	struct cl_node *n = &c->nodes[id];
	const struct cl_pool_params *p = &c->pools[n->pool].p;
	if (!p->has_failures)
		return;
	sim_ns ttf = sim_dist_sample_ns(&p->time_to_failure, c->rng_fail);
	if (ttf <= 0)
		ttf = SIM_SEC;
	n->fail_timer = sim_after(c->sim, ttf, PRIO_NODE, on_node_random_failure, c, id);
}

/* The node lifecycle controller notices missed heartbeats at its next
 * monitor tick after the grace period. */
static void
on_node_grace_expired(struct sim *sim, void *ctx, uint64_t arg);
static void on_node_evict(struct sim *sim, void *ctx, uint64_t arg);

static void
on_node_repaired(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	n->repair_timer = 0;
	if (n->up || n->state == NODE_DELETED)
		return;
	n->up = true;
	sim_cancel(c->sim, n->grace_timer);
	n->grace_timer = 0;
	sim_cancel(c->sim, n->evict_timer);
	n->evict_timer = 0;
	cl_event(c, "NodeRecovered", n->spec->name, "down for %.0fs",
	    sim_ns_to_s(sim_now(sim) - n->down_since));
	/* The kubelet comes back: deleted pods finish terminating, the others
	 * have their containers restarted. */
	uint32_t p = n->first_pod;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		pod_node_back(c, p);
		p = next;
	}
	if (n->state == NODE_NOT_READY)
		node_became_ready(c, id);
	node_arm_failure(c, id);
}

static void
node_fail(struct cluster *c, uint32_t id, sim_ns down_for)
{
	struct cl_node *n = &c->nodes[id];
	if (!n->up)
		return;
	n->up = false;
	n->down_since = sim_now(c->sim);
	sim_cancel(c->sim, n->fail_timer);
	n->fail_timer = 0;
	cl_event(c, "NodeFailed", n->spec->name, "%u pods lost", n->npods);
	uint32_t p = n->first_pod;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		pod_node_lost(c, p);
		p = next;
	}
	/* Detection: the first monitor tick at least grace after the last
	 * heartbeat (heartbeats renew the Lease every 10 s). */
	sim_ns period = c->t.node_monitor_period > 0 ? c->t.node_monitor_period : SIM_SEC;
	sim_ns detect = n->down_since + c->t.node_monitor_grace;
	detect = ((detect + period - 1) / period) * period;
	n->grace_timer = sim_at(c->sim, detect, PRIO_NODE, on_node_grace_expired, c, id);
	const struct cl_pool_params *pp = &c->pools[n->pool].p;
	sim_ns repair = down_for;
	if (repair < 0)
		repair = pp->has_failures ? sim_dist_sample_ns(&pp->repair, c->rng_fail) : 0;
	if (repair > 0)
		n->repair_timer = sim_after(c->sim, repair, PRIO_NODE, on_node_repaired, c, id);
}

static void
on_node_grace_expired(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	n->grace_timer = 0;
	if (n->up || n->state != NODE_READY)
		return;
	n->state = NODE_NOT_READY;
	c->nodes_ready--;
	sq_node_changed(c, id);
	cl_event(c, "NodeNotReady", n->spec->name,
	    "no heartbeat for %.0fs; tainted unreachable", sim_ns_to_s(sim_now(sim) - n->down_since));
	/* MarkPodsNotReady: their endpoints go away. */
	for (uint32_t p = n->first_pod; p != NONE; p = c->pods[p].node_next)
		pod_set_ready(c, p, false);
	n->evict_timer = sim_after(c->sim, c->t.eviction_toleration, PRIO_NODE,
	    on_node_evict, c, id);
}

static void
on_node_evict(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	uint32_t id = (uint32_t)arg;
	struct cl_node *n = &c->nodes[id];
	n->evict_timer = 0;
	if (n->up)
		return;
	/* The taint manager deletes pods whose toleration of the unreachable
	 * NoExecute taint ran out. */
	uint32_t p = n->first_pod;
	uint32_t evicted = 0;
	while (p != NONE) {
		uint32_t next = c->pods[p].node_next;
		if (!c->pods[p].deleting) {
			pod_delete(c, p, "TaintManagerEviction");
			evicted++;
		}
		p = next;
	}
	cl_event(c, "NodeEviction", n->spec->name, "%u pods evicted", evicted);
}

static void
on_chaos(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	const struct cl_chaos_params *ch = &c->chaos[arg];
	if (ch->kind == CL_SCALE_DEPLOYMENT) {
		/* A scheduled `kubectl scale`: the ReplicaSet controller follows. */
		for (size_t d = 0; d < c->ndeploys; d++) {
			if (strcmp(c->deploys[d].d->name, ch->deployment) != 0)
				continue;
			cl_event(c, "Scaled", ch->deployment, "replicas %d -> %d",
			    (int)c->deploys[d].replicas, (int)ch->replicas);
			c->deploys[d].replicas = ch->replicas;
			deploy_sync_soon(c, (uint32_t)d);
		}
		return;
	}
	int32_t left = ch->kind == CL_FAIL_ZONE ? INT32_MAX : ch->count;
	for (size_t i = 0; i < c->nnodes && left > 0; i++) {
		struct cl_node *n = &c->nodes[i];
		if (n->state == NODE_DELETED || n->state == NODE_PROVISIONING)
			continue;
		if (ch->pool != NULL && strcmp(c->pools[n->pool].p.name, ch->pool) != 0)
			continue;
		const char *zone = k8s_labels_get(&n->spec->labels, "topology.kubernetes.io/zone");
		if (ch->zone != NULL && (zone == NULL || strcmp(zone, ch->zone) != 0))
			continue;
		if (ch->kind == CL_RECOVER_NODES) {
			if (!n->up) {
				sim_cancel(c->sim, n->repair_timer);
				n->repair_timer = sim_after(c->sim, 0, PRIO_NODE, on_node_repaired, c, i);
				left--;
			}
		} else if (n->up) {
			node_fail(c, (uint32_t)i, ch->duration > 0 ? ch->duration : -1);
			left--;
		}
	}
}

/* ---- intervals ------------------------------------------------------------ */

static void emit_interval(struct cluster *c);

static void
on_interval(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cluster *c = ctx;
	emit_interval(c);
	sim_after(sim, c->t.interval, PRIO_INTERVAL, on_interval, c, 0);
}

static void
emit_interval(struct cluster *c)
{
	sim_ns now = sim_now(c->sim);
	if (now == c->last_interval && now != 0)
		return;
	double t_s = sim_ns_to_s(now);
	double span = sim_ns_to_s(now - c->last_interval);
	c->last_interval = now;
	cl_cost_update(c);
	serve_sync(c);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		struct cl_service *sv = &c->services[pr->service];
		int32_t desired = 0, ready = 0;
		double req_cpu = 0;
		if (sv->deploy != NONE) {
			struct cl_deploy *d = &c->deploys[sv->deploy];
			desired = d->replicas;
			ready = (int32_t)deploy_ready(c, sv->deploy);
			struct k8s_resources r;
			k8s_pod_request(deploy_template(c, sv->deploy), false, &r);
			req_cpu = (double)r.cpu_milli / 1000.0;
			k8s_res_free(&r);
		}
		double cpu_util = 0;
		if (ready > 0 && req_cpu > 0 && span > 0)
			cpu_util = pr->cpu_used_interval / span / (req_cpu * ready);
		bool any = hist_count(pr->hist) > 0;
		struct probe_val v[12] = {
			PV_REAL(t_s), PV_TEXT(sv->s->name), PV_REAL(pr->offered), PV_REAL(pr->ok),
			PV_REAL(pr->errors), PV_REAL(pr->timeouts),
			any ? PV_REAL(hist_quantile(pr->hist, 0.50) * 1e3) : PV_NULL,
			any ? PV_REAL(hist_quantile(pr->hist, 0.95) * 1e3) : PV_NULL,
			any ? PV_REAL(hist_quantile(pr->hist, 0.99) * 1e3) : PV_NULL,
			PV_INT(desired), PV_INT(ready), PV_REAL(cpu_util),
		};
		probe_emit(&c->probes, "service_intervals", v, 12);
		hist_merge(pr->run_hist, pr->hist);
		hist_reset(pr->hist);
		pr->offered = pr->ok = pr->errors = pr->timeouts = 0;
		pr->cpu_used_interval = 0;
	}
	size_t total = 0;
	for (size_t i = 0; i < c->nnodes; i++)
		total += c->nodes[i].state != NODE_DELETED;
	struct probe_val cv[6] = {
		PV_REAL(t_s), PV_INT(c->nodes_ready), PV_INT(total), PV_INT(c->pods_pending),
		PV_INT(c->pods_running), PV_REAL(c->cost_usd - c->cost_reported),
	};
	c->cost_reported = c->cost_usd;
	probe_emit(&c->probes, "cluster_intervals", cv, 6);
}

void
cl_start(struct cluster *c)
{
	for (size_t i = 0; i < c->npools; i++)
		for (int32_t k = 0; k < c->pools[i].p.count; k++)
			node_create(c, (uint32_t)i, true);
	for (size_t i = 0; i < c->nchaos; i++)
		sim_at(c->sim, c->chaos[i].at, PRIO_NODE, on_chaos, c, i);
	for (size_t i = 0; i < c->ndeploys; i++)
		deploy_sync_soon(c, (uint32_t)i);
	metrics_start(c);
	hpa_start(c);
	vpas_start(c);
	queues_start(c);
	cas_start(c);
	serve_start(c);
	c->last_interval = 0;
	sim_after(c->sim, c->t.interval, PRIO_INTERVAL, on_interval, c, 0);
}

void
cl_finish(struct cluster *c)
{
	emit_interval(c);
	queues_finish(c);
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cl_profile *pr = &c->profiles[i];
		double req = pr->total_ok + pr->total_errors;
		bool any = hist_count(pr->run_hist) > 0;
		struct probe_val v[9] = {
			PV_TEXT(c->services[pr->service].s->name), PV_REAL(pr->total_offered),
			PV_REAL(pr->total_ok), PV_REAL(pr->total_errors),
			req > 0 ? PV_REAL(pr->total_ok / req) : PV_NULL,
			any ? PV_REAL(hist_quantile(pr->run_hist, 0.50) * 1e3) : PV_NULL,
			any ? PV_REAL(hist_quantile(pr->run_hist, 0.95) * 1e3) : PV_NULL,
			any ? PV_REAL(hist_quantile(pr->run_hist, 0.99) * 1e3) : PV_NULL,
			/* offered, not finished: requests = ok + errors + in_flight
			 * (fluid mode's float sums leave ~1e-10 for none) */
			PV_REAL(fabs(pr->total_offered - req) < 1e-6 ? 0 :
			    pr->total_offered - req),
		};
		probe_emit(&c->probes, "summary", v, 9);
	}
}

double
cl_cost_usd(const struct cluster *c)
{
	return c->cost_usd + c->price_rate * sim_ns_to_s(sim_now(c->sim) - c->cost_at);
}

size_t
cl_pods_running(const struct cluster *c)
{
	return c->pods_running;
}

size_t
cl_nodes_ready(const struct cluster *c)
{
	return c->nodes_ready;
}
