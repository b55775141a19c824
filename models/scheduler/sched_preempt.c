/*
 * sched_preempt.c - DefaultPreemption, the scheduler's PostFilter
 * (framework/preemption/preemption.go, plugins/defaultpreemption): is the
 * pod eligible, which nodes could help (filter status Unschedulable), the
 * minimal victims per node with PDB-violating pods reprieved first, how many
 * nodes the dry run tries from a random offset, and the choice among the
 * candidates (pickOneNodeForPreemption). The dry run edits the scheduler's
 * own state (victims taken off and put back, handles kept) instead of
 * cloning it: each filter call recomputes PreFilter, as upstream's
 * AddPod/RemovePod extensions keep it equivalent to.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

static const char no_victims[] = "No preemption victims found for incoming pod";
static const char not_helpful[] = "Preemption is not helpful for scheduling";
static const char no_victim_needed[] = "expected at least one victim pod on node";

void
sched_preemption_init(struct sched_preemption *p)
{
	memset(p, 0, sizeof *p);
	p->node = -1;
	p->eligible = true;
}

static void
preemption_reset(struct sched_preemption *p)
{
	for (size_t i = 0; i < p->ncands; i++)
		free(p->cands[i].victims);
	free(p->message);
	p->message = NULL;
	p->ncands = 0;
	p->node = -1;
	p->nvictims = 0;
	p->pdb_violations = 0;
	p->eligible = true;
	p->npotential = 0;
	p->offset = p->num_candidates = 0;
}

void
sched_preemption_fini(struct sched_preemption *p)
{
	preemption_reset(p);
	free(p->cands);
	free(p->victims);
	sched_preemption_init(p);
}

static int32_t
pod_prio(const struct sched *s, int id)
{
	return s->groups[s->pods[id].group].spec->priority;
}

/* GetPodStartTime: status.startTime, or now for a pod not started yet. */
static int64_t
pod_start(const struct sched *s, int id, int64_t now)
{
	return s->pods[id].started ? s->pods[id].start : now;
}

/* util.MoreImportantPod: higher priority, then the earlier start. Equal
 * pods keep handle order (upstream's sort.Slice leaves them unspecified). */
static bool
more_important(const struct sched *s, int a, int b, int64_t now)
{
	int32_t pa = pod_prio(s, a), pb = pod_prio(s, b);
	if (pa != pb)
		return pa > pb;
	int64_t sa = pod_start(s, a, now), sb = pod_start(s, b, now);
	if (sa != sb)
		return sa < sb;
	return a < b;
}

/* Insertion sort, most important first (a node holds at most a few
 * hundred pods). */
static void
sort_pods(const struct sched *s, int *v, size_t n, int64_t now)
{
	for (size_t i = 1; i < n; i++) {
		int x = v[i];
		size_t j = i;
		while (j > 0 && more_important(s, x, v[j - 1], now)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static const char *
ns_or_default(const char *ns)
{
	return ns != NULL && ns[0] != '\0' ? ns : "default";
}

/* A PDB covers the pod: same namespace, a non-empty selector matching the
 * pod's labels (a pod without labels matches none). */
static bool
pdb_covers(const struct sched_pdb *pdb, const struct k8s_pod_spec *spec)
{
	if (spec->labels.n == 0 || pdb->selector == NULL || !pdb->selector->set ||
	    pdb->selector->nreqs == 0)
		return false;
	if (strcmp(ns_or_default(pdb->ns), ns_or_default(spec->namespace)) != 0)
		return false;
	return k8s_selector_matches(pdb->selector, &spec->labels);
}

static void
add_victim(struct sched_candidate *c, size_t *cap, int id)
{
	KS_GROW(c->victims, *cap, c->nvictims + 1);
	c->victims[c->nvictims++] = id;
}

/*
 * SelectVictimsOnNode: takes every lower-priority pod off the node; if the
 * pod then passes the filters, puts them back most important first
 * (PDB-violating ones before the others), keeping those that still let it
 * fit. The node is left as it was. Fills c and, on failure, st.
 */
static enum sched_code
select_victims(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, int node, const struct sched_pdb *pdbs,
    size_t npdbs, int64_t now, struct sched_candidate *c, struct sched_node_status *st)
{
	const struct sched_node *n = &s->nodes[node];
	memset(c, 0, sizeof *c);
	c->node = node;
	memset(st, 0, sizeof *st);
	size_t npot = 0;
	int *pot = xmalloc(((size_t)n->npods + 1) * sizeof *pot);
	for (int32_t i = 0; i < n->npods; i++)
		if (pod_prio(s, n->pods[i]) < pod->priority)
			pot[npot++] = n->pods[i];
	if (npot == 0) {
		free(pot);
		return sched_fail(st, SCHED_NPLUGINS, SCHED_UNRESOLVABLE, no_victims);
	}
	for (size_t i = 0; i < npot; i++)
		sched_pod_detach(s, pot[i]);
	enum sched_code code = sched_filter_fresh(s, pod, owner, node, st);
	if (code != SCHED_SUCCESS) {
		for (size_t i = npot; i-- > 0;)
			sched_pod_attach(s, pot[i]);
		free(pot);
		return code;
	}
	sort_pods(s, pot, npot, now);

	/* filterPodsWithPDBViolation: stable split, budgets spent in order. */
	int32_t *allowed = xcalloc(npdbs + 1, sizeof *allowed);
	for (size_t k = 0; k < npdbs; k++)
		allowed[k] = pdbs[k].disruptions_allowed;
	int *viol = xmalloc(npot * sizeof *viol), *nonviol = xmalloc(npot * sizeof *nonviol);
	size_t nviol = 0, nnonviol = 0;
	for (size_t i = 0; i < npot; i++) {
		const struct k8s_pod_spec *spec = s->groups[s->pods[pot[i]].group].spec;
		bool violated = false;
		for (size_t k = 0; k < npdbs; k++) {
			if (!pdb_covers(&pdbs[k], spec))
				continue;
			if (--allowed[k] < 0)
				violated = true;
		}
		if (violated)
			viol[nviol++] = pot[i];
		else
			nonviol[nnonviol++] = pot[i];
	}
	free(allowed);

	/* Reprieve: put each back; it stays a victim if the pod no longer fits. */
	size_t cap = 0;
	struct sched_node_status tmp;
	for (size_t i = 0; i < nviol + nnonviol; i++) {
		bool violating = i < nviol;
		int id = violating ? viol[i] : nonviol[i - nviol];
		sched_pod_attach(s, id);
		if (sched_filter_fresh(s, pod, owner, node, &tmp) != SCHED_SUCCESS) {
			sched_pod_detach(s, id);
			add_victim(c, &cap, id);
			if (violating)
				c->pdb_violations++;
		}
	}
	if (nviol > 0 && nnonviol > 0)
		sort_pods(s, c->victims, c->nvictims, now);
	for (size_t i = c->nvictims; i-- > 0;)
		sched_pod_attach(s, c->victims[i]);
	free(viol);
	free(nonviol);
	free(pot);
	if (c->nvictims == 0)
		return sched_fail(st, SCHED_NPLUGINS, SCHED_UNSCHEDULABLE, no_victim_needed);
	return SCHED_SUCCESS;
}

/* GetEarliestPodStartTime: the earliest start among the victims of the
 * highest priority. */
static int64_t
earliest_start(const struct sched *s, const struct sched_candidate *c, int64_t now)
{
	int32_t maxp = pod_prio(s, c->victims[0]);
	int64_t t = pod_start(s, c->victims[0], now);
	for (size_t i = 1; i < c->nvictims; i++) {
		int32_t p = pod_prio(s, c->victims[i]);
		int64_t st = pod_start(s, c->victims[i], now);
		if (p == maxp && st < t) {
			t = st;
		} else if (p > maxp) {
			maxp = p;
			t = st;
		}
	}
	return t;
}

/* One of pickOneNodeForPreemption's score functions (higher is better). */
static int64_t
pick_score(const struct sched *s, const struct sched_candidate *c, int f, int64_t now)
{
	switch (f) {
	case 0:		/* fewest PDB violations */
		return -c->pdb_violations;
	case 1:		/* lowest highest-priority victim */
		return -(int64_t)pod_prio(s, c->victims[0]);
	case 2: {	/* smallest sum of priorities, each shifted to >= 0 */
		int64_t sum = 0;
		for (size_t i = 0; i < c->nvictims; i++)
			sum += (int64_t)pod_prio(s, c->victims[i]) + (int64_t)INT32_MAX + 1;
		return -sum;
	}
	case 3:		/* fewest victims */
		return -(int64_t)c->nvictims;
	default:	/* latest start of the highest-priority victims */
		return earliest_start(s, c, now);
	}
}

/* pickOneNodeForPreemption over the candidates in order; the first of the
 * remaining ties wins (upstream iterates a map, so its "first" is random). */
static size_t
pick_one(const struct sched *s, const struct sched_preemption *p, int64_t now)
{
	size_t n = p->ncands;
	size_t *sel = xmalloc(n * sizeof *sel);
	int64_t *sc = xmalloc(n * sizeof *sc);
	for (size_t i = 0; i < n; i++)
		sel[i] = i;
	for (int f = 0; f < 5 && n > 1; f++) {
		int64_t best = INT64_MIN;
		for (size_t i = 0; i < n; i++) {
			sc[i] = pick_score(s, &p->cands[sel[i]], f, now);
			if (sc[i] > best)
				best = sc[i];
		}
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (sc[i] == best)
				sel[m++] = sel[i];
		n = m;
	}
	size_t r = sel[0];
	free(sel);
	free(sc);
	return r;
}

/* calculateNumCandidates */
static int32_t
num_candidates(const struct sched_config *cfg, int32_t nnodes)
{
	int32_t n = (int32_t)((int64_t)nnodes * cfg->min_candidate_nodes_percentage / 100);
	if (n < cfg->min_candidate_nodes_absolute)
		n = cfg->min_candidate_nodes_absolute;
	if (n > nnodes)
		n = nnodes;
	return n;
}

static bool
eligible(struct sched *s, const struct k8s_pod_spec *pod, const struct sched_result *failed,
    int nominated, struct sched_preemption *out)
{
	if (pod->preempt_never) {
		out->message = xstrdup("preemption: not eligible due to preemptionPolicy=Never.");
		return false;
	}
	if (nominated < 0 || (size_t)nominated >= s->nnodes || !sched_node_live(s, nominated))
		return true;
	/* A nominated node that no longer helps: preempt again. */
	if ((size_t)nominated < failed->nnodes &&
	    failed->status[nominated].code == SCHED_UNRESOLVABLE)
		return true;
	const struct sched_node *n = &s->nodes[nominated];
	for (int32_t i = 0; i < n->npods; i++) {
		int id = n->pods[i];
		if (pod_prio(s, id) < pod->priority && s->pods[id].preempted) {
			out->message = xstrdup("preemption: not eligible due to a terminating pod "
			    "on the nominated node.");
			return false;
		}
	}
	return true;
}

int
sched_preempt(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, const struct sched_result *failed, int nominated,
    const struct sched_pdb *pdbs, size_t npdbs, int64_t now, gsl_rng *rng,
    struct sched_preemption *out)
{
	preemption_reset(out);
	if (!s->cfg.preemption)
		return -1;
	if (!eligible(s, pod, failed, nominated, out)) {
		out->eligible = false;
		return -1;
	}
	/* Nodes whose failure removing pods might resolve, in node order. */
	size_t nn = s->nnodes < failed->nnodes ? s->nnodes : failed->nnodes;
	int *potential = xmalloc((nn + 1) * sizeof *potential);
	size_t np = 0;
	for (size_t i = 0; i < nn; i++)
		if (sched_node_live(s, (int)i) && failed->status[i].code == SCHED_UNSCHEDULABLE)
			potential[np++] = (int)i;
	out->npotential = np;
	struct sched_node_status *dry = xcalloc(s->nnodes + 1, sizeof *dry);
	if (np > 0) {
		/* DryRunPreemption: non-violating candidates first; stop once one
		 * exists and num_candidates were found. */
		out->offset = (int32_t)gsl_rng_uniform_int(rng, np);
		int32_t num = num_candidates(&s->cfg, (int32_t)np);
		out->num_candidates = num;
		struct sched_candidate *nonv = xcalloc((size_t)num + 1, sizeof *nonv);
		struct sched_candidate *viol = xcalloc((size_t)num + 1, sizeof *viol);
		size_t nnonv = 0, nviol = 0;
		for (size_t i = 0; i < np; i++) {
			int node = potential[((size_t)out->offset + i) % np];
			struct sched_candidate c;
			if (select_victims(s, pod, owner, node, pdbs, npdbs, now, &c,
			    &dry[node]) != SCHED_SUCCESS) {
				free(c.victims);
				continue;
			}
			if (c.pdb_violations == 0 && nnonv < (size_t)num)
				nonv[nnonv++] = c;
			else if (c.pdb_violations > 0 && nviol < (size_t)num)
				viol[nviol++] = c;
			else
				free(c.victims);
			if (nnonv > 0 && nnonv + nviol >= (size_t)num)
				break;
		}
		KS_GROW(out->cands, out->cap_cands, nnonv + nviol + 1);
		memcpy(out->cands, nonv, nnonv * sizeof *nonv);
		memcpy(out->cands + nnonv, viol, nviol * sizeof *viol);
		out->ncands = nnonv + nviol;
		free(nonv);
		free(viol);
	}
	free(potential);
	if (out->ncands == 0) {
		/* The FitError of the dry run; nodes it did not try "are not
		 * helpful". */
		for (size_t i = 0; i < s->nnodes; i++)
			if (sched_node_live(s, (int)i) && dry[i].code == SCHED_NOT_EVALUATED)
				sched_fail(&dry[i], SCHED_NPLUGINS, SCHED_UNRESOLVABLE, not_helpful);
		char *fit = sched_status_message(s, dry, s->nnodes);
		out->message = xasprintf("preemption: %s", fit);
		free(fit);
		free(dry);
		return -1;
	}
	free(dry);
	size_t best = out->ncands == 1 ? 0 : pick_one(s, out, now);
	const struct sched_candidate *c = &out->cands[best];
	out->node = c->node;
	KS_GROW(out->victims, out->cap_victims, c->nvictims);
	memcpy(out->victims, c->victims, c->nvictims * sizeof *c->victims);
	out->nvictims = c->nvictims;
	out->pdb_violations = c->pdb_violations;
	return out->node;
}

enum sched_code
sched_select_victims(struct sched *s, const struct k8s_pod_spec *pod,
    const struct k8s_selector *owner, int node, const struct sched_pdb *pdbs,
    size_t npdbs, int64_t now, struct sched_preemption *out)
{
	KS_ASSERT(node >= 0 && (size_t)node < s->nnodes && sched_node_live(s, node));
	preemption_reset(out);
	KS_GROW(out->cands, out->cap_cands, 1);
	struct sched_node_status st;
	enum sched_code code = select_victims(s, pod, owner, node, pdbs, npdbs, now,
	    &out->cands[0], &st);
	if (code == SCHED_SUCCESS) {
		out->ncands = 1;
	} else {
		free(out->cands[0].victims);
		out->message = st.nreasons > 0 ? xstrdup(st.reasons[0]) : NULL;
	}
	return code;
}
