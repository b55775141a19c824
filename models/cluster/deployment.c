/*
 * deployment.c - the Deployment controller in the simulated cluster: one
 * ReplicaSet per template revision, sized each sync by upstream's
 * arithmetic (models/controller/deployment.c: RollingUpdate one step per
 * sync, Recreate, proportional scaling, revisionHistoryLimit cleanup, the
 * Progressing condition with progressDeadlineSeconds), the timed template
 * changes, pause, resume and `kubectl rollout undo`, and the
 * rollout_intervals rows. Upstream: pkg/controller/deployment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/rollout.h"

/* ---- templates ------------------------------------------------------------ */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s)
{
	return s != NULL ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 1);
}

static uint64_t
fnv_res(uint64_t h, const struct k8s_resources *r)
{
	int64_t v[4] = { r->has_cpu ? r->cpu_milli : -1, r->has_memory ? r->memory : -1,
		r->has_ephemeral ? r->ephemeral : -1, r->n_ext };
	return fnv(h, v, sizeof v);
}

/* The pod-template-hash: what kubesim's templates can differ in (images,
 * resources, the env text of rollouts) and the release's behavior. */
static uint64_t
template_hash(const struct k8s_pod_spec *s, const struct cl_behavior *b, const char *env)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < s->ncontainers; i++) {
		h = fnv_str(h, s->containers[i].name);
		h = fnv_str(h, s->containers[i].image);
		h = fnv_res(h, &s->containers[i].requests);
		h = fnv_res(h, &s->containers[i].limits);
	}
	h = fnv_str(h, env);
	if (b != NULL) {
		int64_t v[5] = { b->not_ready, b->not_live, b->startup, b->crash_after,
			b->mean_time_to_crash };
		h = fnv(h, v, sizeof v);
		if (b->service_time_factor > 0 || b->error_rate > 0) {
			double f[2] = { b->service_time_factor, b->error_rate };
			h = fnv(h, f, sizeof f);
		}
	}
	return h;
}

struct dep_state *
dep_of(struct rsctl *r, uint32_t deploy)
{
	struct cluster *c = r->c;
	if (r->ndep < c->ndeploys) {
		r->dep = xreallocarray(r->dep, c->ndeploys, sizeof *r->dep);
		memset(r->dep + r->ndep, 0, (c->ndeploys - r->ndep) * sizeof *r->dep);
		r->ndep = c->ndeploys;
	}
	return &r->dep[deploy];
}

/* Deployment di tracked from now on: its flag and its bit in track_bits. */
static void
dep_set_tracked(struct rsctl *r, uint32_t di)
{
	struct dep_state *ds = dep_of(r, di);
	ds->tracked = true;
	r->any_tracked = true;
	size_t w = di / 64;
	if (w >= r->ntrack_words) {
		size_t n = r->ntrack_words ? r->ntrack_words : 4;
		while (n <= w)
			n *= 2;
		r->track_bits = xreallocarray(r->track_bits, n, sizeof *r->track_bits);
		memset(r->track_bits + r->ntrack_words, 0,
		    (n - r->ntrack_words) * sizeof *r->track_bits);
		r->ntrack_words = n;
	}
	r->track_bits[w] |= (uint64_t)1 << (di % 64);
}

static const struct cl_behavior *
base_behavior(struct dep_state *ds)
{
	return ds->has_base ? &ds->base : NULL;
}

static void
add_rs(struct rsctl *r, struct dep_state *ds, uint32_t rs, const char *env)
{
	if (ds->nrs == ds->caprs) {
		ds->caprs = ds->caprs ? 2 * ds->caprs : 4;
		ds->rs = xreallocarray(ds->rs, ds->caprs, sizeof *ds->rs);
		ds->rs_env = xreallocarray(ds->rs_env, ds->caprs, sizeof *ds->rs_env);
	}
	ds->rs_env[ds->nrs] = env;
	ds->rs[ds->nrs++] = rs;
	(void)r;
}

/* At start: every Deployment's first ReplicaSet, revision 1, with the
 * manifest's template. */
void
dep_init(struct rsctl *r)
{
	struct cluster *c = r->c;
	for (size_t i = 0; i < c->ndeploys; i++) {
		struct dep_state *ds = dep_of(r, (uint32_t)i);
		ds->behave = base_behavior(ds);
		ds->hash = template_hash(&c->deploys[i].spec, ds->behave, NULL);
		ds->generation = 1;
		ds->paused = c->deploys[i].d->paused;
		if (ds->paused || ds->has_base)
			dep_set_tracked(r, (uint32_t)i);
		uint32_t rs = rs_create(c, (uint32_t)i, NULL, ds->behave, ds->hash, 1);
		add_rs(r, ds, rs, NULL);
	}
}

uint32_t
deploy_newest_rs(struct cluster *c, uint32_t deploy)
{
	struct rsctl *r = c->ctl[CTL_REPLICASET];
	if (deploy >= r->ndep || r->dep[deploy].nrs == 0)
		return NONE;
	return r->dep[deploy].rs[r->dep[deploy].nrs - 1];
}

void
dep_free(struct rsctl *r)
{
	for (size_t i = 0; i < r->ndep; i++) {
		free(r->dep[i].rs);
		free(r->dep[i].rs_env);
	}
	free(r->dep);
	free(r->track_bits);
	for (size_t i = 0; i < r->nspecs; i++) {
		struct k8s_pod_spec *s = r->specs[i];
		for (size_t j = 0; j < s->ncontainers; j++) {
			k8s_res_free(&s->containers[j].requests);
			k8s_res_free(&s->containers[j].limits);
		}
		free(s->containers);
		free(s);
	}
	free(r->specs);
	for (size_t i = 0; i < r->nbehaviors; i++)
		free(r->behaviors[i]);
	free(r->behaviors);
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
}

static char *
own_str(struct rsctl *r, char *s)
{
	r->strs = xreallocarray(r->strs, r->nstrs + 1, sizeof *r->strs);
	r->strs[r->nstrs++] = s;
	return s;
}

/* ---- the sync ----------------------------------------------------------------- */

static void
spec_of(struct cluster *c, uint32_t di, const struct dep_state *ds, struct deploy_spec *sp)
{
	const struct k8s_deployment *k = c->deploys[di].d;
	memset(sp, 0, sizeof *sp);
	sp->replicas = c->deploys[di].replicas;
	sp->strategy = k->recreate ? DEPLOY_RECREATE : DEPLOY_ROLLING_UPDATE;
	sp->max_surge = k->surge_pct ? intstr_pct(k->surge_value) : intstr_int(k->surge_value);
	sp->max_unavailable = k->unavail_pct ? intstr_pct(k->unavail_value) :
	    intstr_int(k->unavail_value);
	sp->generation = ds->generation;
	sp->has_progress_deadline = true;
	sp->progress_deadline_s = k->progress_deadline_s;
	sp->has_revision_history = true;
	sp->revision_history_limit = k->revision_history;
}

static const char *const cond_names[] = { "", "True", "False", "Unknown" };

static void on_requeue(struct sim *sim, void *ctx, uint64_t arg);

static void
arm(struct rsctl *r, uint32_t di, sim_ns at)
{
	struct cluster *c = r->c;
	struct dep_state *ds = &r->dep[di];
	if (ds->requeue != 0 && ds->requeue_at <= at)
		return;
	sim_cancel(c->sim, ds->requeue);
	ds->requeue_at = at;
	ds->requeue = sim_at(c->sim, at, PRIO_CONTROLLER, on_requeue, r, di);
}

static void
on_requeue(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rsctl *r = ctx;
	r->dep[arg].requeue = 0;
	if (dep_sync(r, (uint32_t)arg))
		rs_sync_soon(r, (uint32_t)arg);
}

static void
set_cond(struct deploy_condition *cd, enum deploy_cond_status st, enum deploy_reason why,
    sim_ns now)
{
	if (cd->status != st)
		cd->last_transition_ns = now;
	cd->status = st;
	cd->reason = why;
	cd->last_update_ns = now;
}

/* The ReplicaSet of the Deployment's template: created (upstream's
 * getNewReplicaSet) when missing, its revision raised past the old ones. */
static struct deploy_rs *
new_replicaset(struct rsctl *r, uint32_t di, struct deploy_spec *sp, struct deploy_rs *rsv,
    size_t *n, struct deploy_rs **all, struct deploy_status *st)
{
	struct cluster *c = r->c;
	struct dep_state *ds = &r->dep[di];
	int64_t maxrev = 0;
	struct deploy_rs *nw = NULL;
	for (size_t i = 0; i < *n; i++) {
		uint32_t id = (uint32_t)(uintptr_t)rsv[i].owner;
		if (c->rss[id].hash == ds->hash)
			nw = &rsv[i];
		else if (rsv[i].revision > maxrev)
			maxrev = rsv[i].revision;
	}
	sim_ns now = sim_now(c->sim);
	if (nw != NULL) {
		if (nw->revision < maxrev + 1) {
			nw->revision = maxrev + 1;
			c->rss[(uint32_t)(uintptr_t)nw->owner].revision = maxrev + 1;
		}
		return nw;
	}
	uint32_t id = rs_create(c, di, ds->tmpl, ds->behave, ds->hash, maxrev + 1);
	add_rs(r, ds, id, ds->env);
	nw = &rsv[*n];
	memset(nw, 0, sizeof *nw);
	nw->name = c->rss[id].name;
	nw->created_ns = now;
	nw->generation = nw->observed_generation = 1;
	nw->revision = maxrev + 1;
	nw->owner = (void *)(uintptr_t)id;
	all[(*n)++] = nw;
	int32_t size;
	if (deploy_new_rs_replicas(sp, all, *n, nw, &size) < 0)
		size = 0;
	deploy_scale_rs(sp, nw, size);
	set_cond(&st->progressing, DEPLOY_COND_TRUE, DEPLOY_REASON_NEW_RS_CREATED, now);
	cl_event(c, "NewReplicaSetCreated", c->deploys[di].d->name,
	    "created new replica set %s (revision %lld)", nw->name, (long long)nw->revision);
	return nw;
}

bool
dep_sync(struct rsctl *r, uint32_t di)
{
	struct cluster *c = r->c;
	struct cl_deploy *d = &c->deploys[di];
	struct dep_state *ds = &r->dep[di];
	if (!ds->tracked) {
		/* One ReplicaSet, ever: it follows spec.replicas. */
		struct cl_rs *rs = &c->rss[ds->rs[0]];
		if (rs->replicas == d->replicas)
			return false;
		rs->replicas = d->replicas;
		return true;
	}
	sim_ns now = sim_now(c->sim);
	struct deploy_spec sp;
	spec_of(c, di, ds, &sp);
	sim_ns min_ready = (sim_ns)d->d->min_ready_s * SIM_SEC;

	/* The ReplicaSets as their controller reports them. */
	size_t cap = ds->nrs + 1, n = 0;
	struct deploy_rs *rsv = xcalloc(cap, sizeof *rsv);
	struct deploy_rs **all = xcalloc(cap, sizeof *all);
	struct deploy_rs **old = xcalloc(cap, sizeof *old);
	struct deploy_rs **scratch = xcalloc(2 * cap + 2, sizeof *scratch);
	bool *running = xcalloc(cap, sizeof *running);
	for (size_t i = 0; i < ds->nrs; i++) {
		const struct cl_rs *x = &c->rss[ds->rs[i]];
		if (x->deleted)
			continue;
		struct deploy_rs *v = &rsv[n];
		v->name = x->name;
		v->created_ns = x->created;
		v->generation = v->observed_generation = 1;
		v->spec_replicas = x->replicas;
		v->revision = x->revision;
		v->has_desired = x->has_desired;
		v->desired_replicas = x->desired;
		v->has_max = x->has_max;
		v->max_replicas = x->max;
		v->owner = (void *)(uintptr_t)ds->rs[i];
		all[n++] = v;
	}
	sim_ns next_avail = 0;
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *pd = &c->pods[p];
		size_t k;
		for (k = 0; k < n && (uint32_t)(uintptr_t)rsv[k].owner != pd->rs; k++)
			;
		if (k == n)
			continue;
		running[k] = true;	/* for Recreate: any pod, terminating or not */
		if (pd->deleting)
			continue;
		rsv[k].status_replicas++;
		if (!pd->ready_cond)
			continue;
		rsv[k].ready_replicas++;
		if (now - pd->ready_changed >= min_ready)
			rsv[k].available_replicas++;
		else if (next_avail == 0 || pd->ready_changed + min_ready < next_avail)
			next_avail = pd->ready_changed + min_ready;
	}

	struct deploy_status st = ds->status;
	struct deploy_status out;
	struct deploy_rs *nw = NULL;
	for (size_t i = 0; i < n; i++)
		if (c->rss[(uint32_t)(uintptr_t)rsv[i].owner].hash == ds->hash)
			nw = &rsv[i];
	size_t nold = 0;
	if (ds->paused) {
		if (st.progressing.reason != DEPLOY_REASON_PAUSED)
			set_cond(&st.progressing, DEPLOY_COND_UNKNOWN, DEPLOY_REASON_PAUSED, now);
	} else if (st.progressing.reason == DEPLOY_REASON_PAUSED) {
		set_cond(&st.progressing, DEPLOY_COND_UNKNOWN, DEPLOY_REASON_RESUMED, now);
	}
	if (ds->paused || deploy_is_scaling_event(&sp, all, n)) {
		/* sync(): proportional scaling only, no new ReplicaSet. */
		for (size_t i = 0; i < n; i++)
			if (&rsv[i] != nw)
				old[nold++] = &rsv[i];
		deploy_scale_proportionally(&sp, st.replicas, nw, old, nold, scratch);
		deploy_calculate_status(&sp, &st, all, n, nw, now, &out);
	} else {
		enum deploy_step step = DEPLOY_STEP_NONE;
		if (sp.strategy == DEPLOY_RECREATE) {
			/* rolloutRecreate: the new ReplicaSet is made only once the
			 * old ones are scaled down and their pods are gone. */
			bool old_running = false;
			for (size_t i = 0; i < n; i++)
				if (&rsv[i] != nw) {
					old[nold++] = &rsv[i];
					old_running |= running[i];
				}
			deploy_recreate_step(&sp, nw, old, nold, old_running, &step);
			if (step == DEPLOY_STEP_NONE) {
				nw = new_replicaset(r, di, &sp, rsv, &n, all, &st);
				deploy_recreate_step(&sp, nw, old, nold, false, &step);
			}
		} else {
			nw = new_replicaset(r, di, &sp, rsv, &n, all, &st);
			for (size_t i = 0; i < n; i++)
				if (&rsv[i] != nw)
					old[nold++] = &rsv[i];
		}
		if (sp.strategy != DEPLOY_RECREATE &&
		    deploy_rolling_step(&sp, nw, old, nold, scratch, &step) < 0)
			step = DEPLOY_STEP_NONE;
		if (step == DEPLOY_STEP_NONE && deploy_complete(&sp, &st)) {
			size_t ndel = deploy_cleanup(&sp, old, nold, scratch);
			for (size_t i = 0; i < ndel; i++) {
				struct cl_rs *x = &c->rss[(uint32_t)(uintptr_t)scratch[i]->owner];
				x->deleted = true;
				cl_event(c, "ReplicaSetDeleted", x->name, "revision %lld beyond "
				    "revisionHistoryLimit %d", (long long)x->revision,
				    (int)d->d->revision_history);
			}
		}
		deploy_sync_rollout_status(&sp, &st, all, n, nw, now, &out);
	}

	/* Apply the sizes and annotations. */
	bool changed = false;
	for (size_t i = 0; i < n; i++) {
		struct cl_rs *x = &c->rss[(uint32_t)(uintptr_t)rsv[i].owner];
		x->has_desired = rsv[i].has_desired;
		x->desired = rsv[i].desired_replicas;
		x->has_max = rsv[i].has_max;
		x->max = rsv[i].max_replicas;
		if (x->replicas == rsv[i].spec_replicas)
			continue;
		cl_event(c, "ScalingReplicaSet", d->d->name, "Scaled %s replica set %s "
		    "(revision %lld) from %d to %d", rsv[i].spec_replicas > x->replicas ?
		    "up" : "down", x->name, (long long)x->revision, (int)x->replicas,
		    (int)rsv[i].spec_replicas);
		x->replicas = rsv[i].spec_replicas;
		changed = true;
	}
	const struct deploy_condition *a = &ds->status.progressing, *b = &out.progressing;
	if (a->status != b->status || a->reason != b->reason)
		cl_event(c, b->reason == DEPLOY_REASON_NONE ? "Progressing" :
		    deploy_reason_name(b->reason), d->d->name, "Progressing=%s%s",
		    cond_names[b->status], b->reason == DEPLOY_REASON_TIMED_OUT ?
		    ": progress deadline exceeded" : "");
	int64_t after = deploy_requeue_after(&sp, &ds->status, &out, now);
	if (after == 0) {
		/* Upstream re-syncs at once when under a second is left (real time
		 * moves on); here: just past the deadline, when it has timed out. */
		sim_ns due = ds->status.progressing.last_update_ns +
		    (sim_ns)sp.progress_deadline_s * SIM_SEC + 1;
		/* Past it without timing out (a finished rollout whose pods
		 * fail later): upstream's rate-limited re-queues change nothing
		 * until a pod does, and pod changes sync tracked Deployments. */
		after = due > now ? due - now : DEPLOY_NO_REQUEUE;
	}
	ds->status = out;
	if (after != DEPLOY_NO_REQUEUE)
		arm(r, di, now + after);
	if (next_avail > now)
		arm(r, di, next_avail);
	free(rsv);
	free(all);
	free(old);
	free(scratch);
	free(running);
	return changed;
}

/* ---- the timed actions ----------------------------------------------------- */

static struct rsctl *
ctl(struct cluster *c)
{
	return c->ctl[CTL_REPLICASET];
}

void
deploy_track(struct cluster *c, uint32_t di)
{
	dep_set_tracked(ctl(c), di);
}

int
cl_set_behavior(struct cluster *c, const char *deployment, const struct cl_behavior *b,
    char **cause)
{
	uint32_t di = deploy_named(c, NULL, deployment);
	if (di == NONE) {
		*cause = xasprintf("container behavior: no Deployment '%s'", deployment);
		return -1;
	}
	struct dep_state *ds = dep_of(ctl(c), di);
	ds->base = *b;
	ds->has_base = true;
	deploy_track(c, di);
	return 0;
}

void
deploy_rollout(struct cluster *c, uint32_t di, const struct cl_rollout_params *rp)
{
	struct rsctl *r = ctl(c);
	struct dep_state *ds = &r->dep[di];
	const struct k8s_pod_spec *cur = ds->tmpl ? ds->tmpl : &c->deploys[di].spec;
	struct k8s_pod_spec *s = xmalloc(sizeof *s);
	*s = *cur;
	s->containers = xcalloc(cur->ncontainers + 1, sizeof *s->containers);
	size_t target = 0;
	for (size_t i = 0; i < cur->ncontainers; i++) {
		s->containers[i] = cur->containers[i];
		k8s_res_copy(&s->containers[i].requests, &cur->containers[i].requests);
		k8s_res_copy(&s->containers[i].limits, &cur->containers[i].limits);
		if (rp->container != NULL && strcmp(cur->containers[i].name, rp->container) == 0)
			target = i;
	}
	r->specs = xreallocarray(r->specs, r->nspecs + 1, sizeof *r->specs);
	r->specs[r->nspecs++] = s;
	struct k8s_container *k = &s->containers[target];
	if (rp->image != NULL)
		k->image = own_str(r, xstrdup(rp->image));
	if (rp->requests != NULL)
		for (int j = 0; j < 3; j++) {
			static const char *const names[] = { "cpu", "memory", "ephemeral-storage" };
			int64_t v;
			if (k8s_res_get(rp->requests, names[j], &v))
				k8s_res_set(&k->requests, names[j], v);
		}
	if (rp->limits != NULL)
		for (int j = 0; j < 3; j++) {
			static const char *const names[] = { "cpu", "memory", "ephemeral-storage" };
			int64_t v;
			if (k8s_res_get(rp->limits, names[j], &v))
				k8s_res_set(&k->limits, names[j], v);
		}
	if (rp->env != NULL)
		ds->env = own_str(r, xasprintf("%s;%s", ds->env ? ds->env : "", rp->env));
	if (rp->has_behavior) {
		struct cl_behavior *b = xmalloc(sizeof *b);
		*b = rp->behavior;
		r->behaviors = xreallocarray(r->behaviors, r->nbehaviors + 1, sizeof *r->behaviors);
		r->behaviors[r->nbehaviors++] = b;
		ds->behave = b;
	} else {
		ds->behave = base_behavior(ds);
	}
	ds->tmpl = s;
	ds->hash = template_hash(s, ds->behave, ds->env);
	ds->generation++;
	cl_event(c, "Rollout", c->deploys[di].d->name, "template changed:%s%s%s%s",
	    rp->image ? " image " : "", rp->image ? rp->image : "",
	    rp->requests || rp->limits ? " resources" : "", rp->env ? " env" : "");
	rs_sync_soon(r, di);
}

void
deploy_pause(struct cluster *c, uint32_t di, bool paused)
{
	struct rsctl *r = ctl(c);
	struct dep_state *ds = &r->dep[di];
	if (ds->paused == paused)
		return;
	ds->paused = paused;
	ds->generation++;
	cl_event(c, paused ? "Paused" : "Resumed", c->deploys[di].d->name, "rollout %s",
	    paused ? "paused" : "resumed");
	rs_sync_soon(r, di);
}

/* `kubectl rollout undo [--to-revision=N]`: the template of that revision
 * (0: the one before the newest) becomes the Deployment's. */
void
deploy_undo(struct cluster *c, uint32_t di, int64_t to_revision)
{
	struct rsctl *r = ctl(c);
	struct dep_state *ds = &r->dep[di];
	const char *name = c->deploys[di].d->name;
	if (ds->paused) {
		cl_event(c, "DeploymentRollbackFailed", name, "you cannot rollback a paused "
		    "deployment; resume it first");
		return;
	}
	int64_t max = 0, second = 0;
	for (size_t i = 0; i < ds->nrs; i++) {
		const struct cl_rs *x = &c->rss[ds->rs[i]];
		if (x->deleted)
			continue;
		if (x->revision > max) {
			second = max;
			max = x->revision;
		} else if (x->revision > second) {
			second = x->revision;
		}
	}
	int64_t want = to_revision > 0 ? to_revision : second;
	for (size_t i = 0; i < ds->nrs; i++) {
		const struct cl_rs *x = &c->rss[ds->rs[i]];
		if (x->deleted || x->revision != want || want == 0)
			continue;
		ds->tmpl = x->tmpl;
		ds->behave = x->behave;
		ds->hash = x->hash;
		ds->env = ds->rs_env[i];
		ds->generation++;
		cl_event(c, "DeploymentRollback", name, "Rolled back deployment \"%s\" to "
		    "revision %lld", name, (long long)want);
		rs_sync_soon(r, di);
		return;
	}
	cl_event(c, "DeploymentRollbackRevisionNotFound", name, "unable to find revision %lld",
	    (long long)want);
}

/* ---- rows ------------------------------------------------------------------- */

/* The counts of Deployment di's row at r->rows_at from a walk over its
 * pods, kept in the memo ds->row. */
static void
dep_row_walk(struct rsctl *r, size_t di, uint32_t newrs, sim_ns min_ready,
    struct dep_row_memo *m)
{
	struct cluster *c = r->c;
	const struct cl_deploy *d = &c->deploys[di];
	*m = (struct dep_row_memo){ .valid = true, .newrs = newrs,
	    .state_rev = d->pods_state_rev, .min_ready = min_ready,
	    .next_avail = SIM_NEVER };
	for (uint32_t p = d->first_pod; p != NONE; p = c->pods[p].dep_next) {
		const struct cl_pod *pd = &c->pods[p];
		if (pd->deleting)
			continue;
		bool isnew = pd->rs == newrs;
		m->updated += isnew;
		m->pods++;
		if (pd->ready_cond) {
			if (r->rows_at - pd->ready_changed >= min_ready)
				m->avail++;
			else if (pd->ready_changed + min_ready < m->next_avail)
				m->next_avail = pd->ready_changed + min_ready;
			if (isnew)
				m->ready_new++;
			else
				m->ready_old++;
		}
	}
}

/* Deployment di's rollout_intervals row at r->rows_at (t_s seconds): its
 * counts walked over its pods, or the last row's when nothing they depend
 * on changed (KS_INTERVAL_VERIFY: walked too and compared). */
static void
dep_emit_row(struct rsctl *r, size_t di, double t_s)
{
	struct cluster *c = r->c;
	struct dep_state *ds = &r->dep[di];
	KS_ASSERT(ds->tracked);
	const struct cl_deploy *d = &c->deploys[di];
	sim_ns min_ready = (sim_ns)d->d->min_ready_s * SIM_SEC;
	int64_t revision = 0;
	uint32_t newrs = NONE;
	for (size_t i = 0; i < ds->nrs; i++)
		if (!c->rss[ds->rs[i]].deleted && c->rss[ds->rs[i]].hash == ds->hash)
			newrs = ds->rs[i];
	if (newrs != NONE)
		revision = c->rss[newrs].revision;
	struct dep_row_memo *m = &ds->row;
	if (!(m->valid && m->state_rev == d->pods_state_rev && m->newrs == newrs &&
	    m->min_ready == min_ready && r->rows_at < m->next_avail)) {
		dep_row_walk(r, di, newrs, min_ready, m);
	} else if (c->interval_verify) {
		struct dep_row_memo w;
		dep_row_walk(r, di, newrs, min_ready, &w);
		if (w.pods != m->pods || w.updated != m->updated || w.ready_new != m->ready_new ||
		    w.ready_old != m->ready_old || w.avail != m->avail) {
			fprintf(stderr, "kubesim: KS_INTERVAL_VERIFY: Deployment %s's row "
			    "counts kept (%d %d %d %d %d) are not the walk's (%d %d %d %d %d)\n",
			    d->d->name, m->pods, m->updated, m->ready_new, m->ready_old, m->avail,
			    w.pods, w.updated, w.ready_new, w.ready_old, w.avail);
			abort();
		}
	}
	const struct deploy_condition *pc = &ds->status.progressing;
	struct probe_val v[13] = {
		PV_REAL(t_s), PV_TEXT(d->d->name), PV_INT(revision), PV_INT(d->replicas),
		PV_INT(m->pods), PV_INT(m->updated), PV_INT(m->ready_new), PV_INT(m->ready_old),
		PV_INT(m->avail), PV_INT(ds->paused),
		pc->status != DEPLOY_COND_ABSENT ? PV_TEXT(cond_names[pc->status]) : PV_NULL,
		pc->status != DEPLOY_COND_ABSENT ? PV_TEXT(deploy_reason_name(pc->reason)) :
		    PV_NULL,
		PV_INT(d->restarts - ds->restarts_reported),
	};
	ds->restarts_reported = d->restarts;
	probe_emit(&c->probes, "rollout_intervals", v, 13);
}

/* The tracked Deployments in index order, found from their bits: the
 * others' records are not read (a pass over all of them cost a cache
 * miss per Deployment per interval). */
void
dep_emit_intervals(struct rsctl *r)
{
	struct cluster *c = r->c;
	r->rows_at = sim_now(c->sim);
	double t_s = sim_ns_to_s(r->rows_at);
	for (size_t w = 0; w < r->ntrack_words; w++) {
		for (uint64_t bits = r->track_bits[w]; bits != 0; bits &= bits - 1) {
			size_t di = w * 64 + (size_t)__builtin_ctzll(bits);
			if (di >= c->ndeploys)
				return;
			dep_emit_row(r, di, t_s);
		}
	}
}
