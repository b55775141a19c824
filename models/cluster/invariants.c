/*
 * invariants.c - end-of-run checks of the cluster model's state: every pod
 * in exactly one phase, one Deployment list and (when bound) one node list,
 * with the counters the interval rows report; no node's bound pods asking
 * for more than its allocatable; the clock within the run; each service's
 * requests = ok + errors + timeouts + in flight; the memos of the
 * templates' cpu requests. Reads the model through cluster_int.h only, so
 * it moves with the cluster model as one file.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cpu.h"
#include "models/cluster/invariants.h"
#include "models/scheduler/sched.h"

struct inv {
	struct ks_buf	*out;
	int		 failed;
};

static void
verdict(struct inv *v, bool ok, const char *name, const char *detail)
{
	ks_buf_printf(v->out, "%s %s: %s\n", ok ? "ok  " : "FAIL", name, detail);
	if (!ok)
		v->failed++;
}

static const char *const phase_names[] = {
	"Pending", "Bound", "ContainerCreating", "Running", "Ready", "Terminating",
};

/* Pods: one phase each, the counters, the Deployment and node lists. */
static void
check_pods(struct inv *v, const struct cluster *c)
{
	size_t nph[POD_FREE] = { 0 }, live = 0, bound = 0;
	char *why = NULL;
	for (size_t i = 0; i < c->npods; i++) {
		const struct cl_pod *pd = &c->pods[i];
		if (why == NULL && !cl_pod_run_ok(c, (uint32_t)i))
			why = xasprintf("pod slot %zu's copy for the scrape (c->run) is not the pod", i);
		if (pd->phase == POD_FREE)
			continue;
		if ((unsigned)pd->phase > POD_FREE) {
			if (why == NULL)
				why = xasprintf("pod slot %zu has no phase (%d)", i, (int)pd->phase);
			continue;
		}
		nph[pd->phase]++;
		live++;
		if (pd->node != NONE)
			bound++;
		bool needs_node = pd->phase == POD_BOUND || pd->phase == POD_CREATING ||
		    pd->phase == POD_RUNNING || pd->phase == POD_READY;
		if (why == NULL && (pd->phase == POD_PENDING) != (pd->node == NONE) &&
		    pd->phase != POD_TERMINATING)
			why = xasprintf("pod %s is %s %s a node", pd->name,
			    phase_names[pd->phase], needs_node ? "without" : "with");
	}
	if (why == NULL)
		why = metrics_check(c);
	if (why == NULL)
		why = cpu_shares_check(c);
	size_t running = nph[POD_RUNNING] + nph[POD_READY];
	if (why == NULL && (nph[POD_PENDING] != c->pods_pending || running != c->pods_running))
		why = xasprintf("counters say %zu pending, %zu running; the pods %zu, %zu",
		    c->pods_pending, c->pods_running, nph[POD_PENDING], running);
	/* Each live pod on its Deployment's list exactly once; npods counts
	 * those not being deleted. */
	uint8_t *seen = xcalloc(c->npods + 1, 1);
	size_t listed = 0;
	for (size_t d = 0; d < c->ndeploys && why == NULL; d++) {
		size_t not_deleting = 0, ready = 0;
		for (uint32_t p = c->deploys[d].first_pod; p != NONE && why == NULL;
		    p = c->pods[p].dep_next) {
			if (p >= c->npods || c->pods[p].phase == POD_FREE || seen[p] ||
			    c->pods[p].deploy != d)
				why = xasprintf("Deployment %s's pod list is broken at slot %u",
				    c->deploys[d].d->name, p);
			else {
				seen[p] = 1;
				listed++;
				not_deleting += !c->pods[p].deleting;
				ready += !c->pods[p].deleting && c->pods[p].phase == POD_READY;
			}
		}
		if (why == NULL && ready != c->deploys[d].nready)
			why = xasprintf("Deployment %s counts %u pods Ready, its list holds %zu "
			    "Ready not being deleted", c->deploys[d].d->name,
			    c->deploys[d].nready, ready);
		if (why == NULL && not_deleting != c->deploys[d].npods)
			why = xasprintf("Deployment %s counts %u pods, its list holds %zu not "
			    "being deleted", c->deploys[d].d->name, c->deploys[d].npods,
			    not_deleting);
		if (why == NULL && !cl_deploy_rev_ok(c, (uint32_t)d))
			why = xasprintf("Deployment %s's copy for the HPA (c->deploy_rev) is not "
			    "the Deployment's", c->deploys[d].d->name);
	}
	if (why == NULL && listed != live)
		why = xasprintf("%zu live pods, %zu on Deployment lists", live, listed);
	/* Each bound pod on its node's list exactly once. */
	memset(seen, 0, c->npods + 1);
	size_t on_nodes = 0;
	for (size_t n = 0; n < c->nnodes && why == NULL; n++) {
		uint32_t cnt = 0;
		for (uint32_t p = c->nodes[n].first_pod; p != NONE && why == NULL;
		    p = c->pods[p].node_next) {
			if (p >= c->npods || seen[p] || c->pods[p].node != n)
				why = xasprintf("node %s's pod list is broken at slot %u",
				    c->nodes[n].spec->name, p);
			else {
				seen[p] = 1;
				cnt++;
			}
		}
		if (why == NULL && cnt != c->nodes[n].npods)
			why = xasprintf("node %s counts %u pods, its list holds %u",
			    c->nodes[n].spec->name, c->nodes[n].npods, cnt);
		on_nodes += cnt;
	}
	if (why == NULL && on_nodes != bound)
		why = xasprintf("%zu bound pods, %zu on node lists", bound, on_nodes);
	free(seen);
	if (why == NULL) {
		char *d = xasprintf("%zu pods: %zu Pending, %zu Bound, %zu ContainerCreating, "
		    "%zu Running, %zu Ready, %zu Terminating; each on one Deployment list, "
		    "%zu on node lists", live, nph[POD_PENDING], nph[POD_BOUND],
		    nph[POD_CREATING], nph[POD_RUNNING], nph[POD_READY], nph[POD_TERMINATING],
		    bound);
		verdict(v, true, "pods conserved across phases", d);
		free(d);
	} else {
		verdict(v, false, "pods conserved across phases", why);
		free(why);
	}
}

/* Requests of the pods bound to each node within its allocatable, in the
 * model and in the scheduler's cache (which also holds assumed pods). */
static void
check_nodes(struct inv *v, const struct cluster *c)
{
	char *why = NULL;
	size_t checked = 0;
	for (size_t n = 0; n < c->nnodes && why == NULL; n++) {
		const struct cl_node *nd = &c->nodes[n];
		if (nd->state == NODE_DELETED)
			continue;
		checked++;
		const struct k8s_resources *a = &nd->spec->allocatable;
		int64_t cpu = 0, mem = 0, pods = 0;
		for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
			cpu += c->pods[p].req_cpu_milli;
			mem += c->pods[p].req_memory;
			pods++;
		}
		if (cpu > a->cpu_milli || mem > a->memory || pods > a->pods)
			why = xasprintf("node %s: pods request %lldm cpu, %lld bytes, %lld pods; "
			    "allocatable %lldm, %lld, %lld", nd->spec->name, (long long)cpu,
			    (long long)mem, (long long)pods, (long long)a->cpu_milli,
			    (long long)a->memory, (long long)a->pods);
		const struct sched_node *sn = sched_node_get(scheduler_cache(c), cl_sched_idx(n));
		if (why == NULL && sn != NULL && sn->spec != NULL &&
		    (sn->req_cpu > sn->alloc_cpu || sn->req_mem > sn->alloc_mem ||
		    sn->npods > sn->alloc_pods))
			why = xasprintf("node %s in the scheduler's cache: %lldm cpu, %lld bytes, "
			    "%d pods requested; allocatable %lldm, %lld, %lld", nd->spec->name,
			    (long long)sn->req_cpu, (long long)sn->req_mem, (int)sn->npods,
			    (long long)sn->alloc_cpu, (long long)sn->alloc_mem,
			    (long long)sn->alloc_pods);
	}
	if (why == NULL) {
		char *d = xasprintf("%zu nodes within allocatable cpu, memory and pods",
		    checked);
		verdict(v, true, "no node over-committed on requests", d);
		free(d);
	} else {
		verdict(v, false, "no node over-committed on requests", why);
		free(why);
	}
}

static void
check_time(struct inv *v, const struct cluster *c, sim_ns duration)
{
	sim_ns now = sim_now(c->sim);
	bool ok = now >= 0 && now <= duration && c->last_interval <= now &&
	    c->cost_at <= now;
	char *d = xasprintf("clock %.9f s of %.9f s, last interval at %.9f s, cost accrued "
	    "to %.9f s", sim_ns_to_s(now), sim_ns_to_s(duration),
	    sim_ns_to_s(c->last_interval), sim_ns_to_s(c->cost_at));
	verdict(v, ok, "time monotonic", d);
	free(d);
}

/*
 * requests = ok + errors + timeouts + in flight, per service. In flight is
 * what is left; it must not be negative, and in request mode it is a whole
 * number equal to the requests still queued or in service plus those that
 * abandoned (counted in no outcome). Fluid mode carries fractions of
 * requests in its queues, so only the sign is checked there.
 */
static void
check_requests(struct inv *v, const struct cluster *c)
{
	traffic_settle(c);	/* parked Services' sums up to the last tick */
	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct cl_profile *pr = &c->profiles[i];
		const char *name = c->services[pr->service].s->name;
		double req = pr->total_offered, ok = pr->total_ok, err = pr->total_errors;
		double fl = req - ok - err;
		double tol = 1e-9 * (req > 1 ? req : 1);
		uint64_t abandoned = 0;
		int64_t in_sys = traffic_in_system(c, i, &abandoned);
		bool good = fl >= -tol;
		char *d;
		if (in_sys >= 0) {
			double want = (double)in_sys + (double)abandoned;
			good = good && fabs(fl - want) <= tol && fabs(fl - rint(fl)) <= tol;
			d = xasprintf("%s: requests %.0f = ok %.0f + errors and timeouts %.0f + in "
			    "flight %.0f (in system %lld, abandoned %llu)", name, req, ok, err, fl,
			    (long long)in_sys, (unsigned long long)abandoned);
		} else {
			d = xasprintf("%s: requests %.3f = ok %.3f + errors and timeouts %.3f + in "
			    "flight %.3f", name, req, ok, err, fl);
		}
		verdict(v, good, "requests = ok + errors + timeouts + in flight", d);
		free(d);
	}
}

/* Each Deployment's memo of its template's cpu request (deploy_cpu_request)
 * is the request computed afresh: a template changed in place would leave
 * it stale. */
static void
check_cpu_requests(struct inv *v, const struct cluster *c)
{
	char *why = NULL;
	size_t memos = 0;
	for (size_t i = 0; i < c->ndeploys && why == NULL; i++) {
		const struct cl_deploy *d = &c->deploys[i];
		if (d->req_tmpl == NULL || d->req_tmpl != deploy_template(c, (uint32_t)i))
			continue;
		memos++;
		int64_t plain = deploy_cpu_request_plain(c, (uint32_t)i);
		if (plain != d->req_cpu_milli)
			why = xasprintf("Deployment %s: memo %lld m, template %lld m", d->d->name,
			    (long long)d->req_cpu_milli, (long long)plain);
	}
	bool ok = why == NULL;
	if (ok)
		why = xasprintf("%zu memos checked", memos);
	verdict(v, ok, "cpu request memos match the templates", why);
	free(why);
}

int
inv_check_cluster(const struct cluster *c, sim_ns duration, struct ks_buf *out)
{
	struct inv v = { out, 0 };
	check_pods(&v, c);
	check_nodes(&v, c);
	check_time(&v, c, duration);
	check_requests(&v, c);
	check_cpu_requests(&v, c);
	return v.failed;
}
