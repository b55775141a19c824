/*
 * sched_fit.c - NodeResourcesFit (filter fitsRequest with ignoredResources and
 * ignoredResourceGroups; scores LeastAllocated,
 * MostAllocated, RequestedToCapacityRatio with BuildBrokenLinearFunction)
 * and NodeResourcesBalancedAllocation (the classic 1 - std formula), from
 * pkg/scheduler/framework/plugins/noderesources. Integer math as upstream.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/scheduler/sched_int.h"

bool
sched_fit_ignored(const struct sched_config *c, const char *name)
{
	for (int i = 0; i < c->nignored_resources; i++)
		if (strcmp(c->ignored_resources[i], name) == 0)
			return true;
	const char *slash = strchr(name, '/');
	size_t plen = slash != NULL ? (size_t)(slash - name) : strlen(name);
	for (int i = 0; i < c->nignored_groups; i++)
		if (strlen(c->ignored_groups[i]) == plen &&
		    strncmp(c->ignored_groups[i], name, plen) == 0)
			return true;
	return false;
}

void
sched_fit_prefilter(struct sched *s)
{
	struct sched_cycle *cy = &s->cy;
	struct k8s_resources r;
	k8s_pod_request(cy->pod, false, &r);
	cy->cpu = r.cpu_milli;
	cy->mem = r.memory;
	cy->eph = r.ephemeral;
	memset(cy->ext, 0, sizeof cy->ext);
	cy->req_any = r.cpu_milli != 0 || r.memory != 0 || r.ephemeral != 0 || r.n_ext > 0;
	cy->req_other = r.ephemeral != 0 || r.n_ext > 0;
	for (int i = 0; i < r.n_ext; i++) {
		int k = sched_res_index(s, r.ext[i].name);
		if (k >= 0)
			cy->ext[k] = r.ext[i].value;
	}
	k8s_res_free(&r);
	k8s_pod_request(cy->pod, true, &r);
	cy->nz_cpu = r.cpu_milli;
	cy->nz_mem = r.memory;
	k8s_res_free(&r);
}

static void
add_ins(struct sched_node_status *st, struct sched_insufficient *ins, int *nins,
    const char *res, const char *reason, int64_t req, int64_t used, int64_t cap, bool unres)
{
	if (st->nreasons < SCHED_MAX_REASONS)
		st->reasons[st->nreasons++] = reason;
	if (unres)
		st->code = SCHED_UNRESOLVABLE;
	if (ins != NULL && nins != NULL && *nins < SCHED_MAX_REASONS) {
		ins[*nins] = (struct sched_insufficient){ res, reason, req, used, cap, unres };
		(*nins)++;
	}
}

enum sched_code
sched_fit_filter(struct sched *s, int node, struct sched_node_status *st,
    struct sched_insufficient *ins, int *nins)
{
	const struct sched_cycle *cy = &s->cy;
	const struct sched_node *n = &s->nodes[node];
	st->code = SCHED_UNSCHEDULABLE;
	st->plugin = SCHED_NODE_RESOURCES_FIT;
	st->nreasons = 0;
	if (nins)
		*nins = 0;
	/* fitsRequest */
	if ((int64_t)n->npods + 1 > n->alloc_pods)
		add_ins(st, ins, nins, "pods", "Too many pods", 1, n->npods, n->alloc_pods, false);
	if (cy->req_any) {
		if (cy->cpu > 0 && cy->cpu > n->alloc_cpu - n->req_cpu)
			add_ins(st, ins, nins, "cpu", "Insufficient cpu", cy->cpu, n->req_cpu,
			    n->alloc_cpu, cy->cpu > n->alloc_cpu);
		if (cy->mem > 0 && cy->mem > n->alloc_mem - n->req_mem)
			add_ins(st, ins, nins, "memory", "Insufficient memory", cy->mem, n->req_mem,
			    n->alloc_mem, cy->mem > n->alloc_mem);
		if (cy->eph > 0 && cy->eph > n->alloc_eph - n->req_eph)
			add_ins(st, ins, nins, "ephemeral-storage", "Insufficient ephemeral-storage",
			    cy->eph, n->req_eph, n->alloc_eph, cy->eph > n->alloc_eph);
		for (int k = 0; k < s->next; k++) {
			int64_t q = cy->ext[k];
			if (q == 0 || s->ext[k].ignored)
				continue;
			if (q > n->alloc_ext[k] - n->req_ext[k])
				add_ins(st, ins, nins, s->ext[k].name, s->ext[k].reason, q,
				    n->req_ext[k], n->alloc_ext[k], q > n->alloc_ext[k]);
		}
	}
	if (st->nreasons == 0) {
		st->code = SCHED_SUCCESS;
		return SCHED_SUCCESS;
	}
	return st->code;
}

/* calculateResourceAllocatableRequest: (allocatable, requested incl. the pod);
 * (0, 0) bypasses the resource. */
static void
alloc_req(const struct sched *s, const struct sched_node *n, int res, bool use_requested,
    int64_t *alloc, int64_t *req)
{
	const struct sched_cycle *cy = &s->cy;
	*alloc = *req = 0;
	switch (res) {
	case SCHED_RES_CPU:
		*alloc = n->alloc_cpu;
		*req = (use_requested ? ks_sat_add(n->req_cpu, cy->cpu) :
		    ks_sat_add(n->nz_cpu, cy->nz_cpu));
		return;
	case SCHED_RES_MEM:
		*alloc = n->alloc_mem;
		*req = (use_requested ? ks_sat_add(n->req_mem, cy->mem) :
		    ks_sat_add(n->nz_mem, cy->nz_mem));
		return;
	case SCHED_RES_EPH:
		*alloc = n->alloc_eph;
		*req = ks_sat_add(n->req_eph, cy->eph);
		return;
	default:
		if (res < 0 || cy->ext[res] == 0)
			return;
		*alloc = n->alloc_ext[res];
		*req = ks_sat_add(n->req_ext[res], cy->ext[res]);
		return;
	}
}

int64_t
sched_broken_linear(const struct sched_shape_point *shape, int n, int64_t p)
{
	for (int i = 0; i < n; i++) {
		if (p <= shape[i].utilization) {
			if (i == 0)
				return shape[0].score;
			return shape[i - 1].score + (shape[i].score - shape[i - 1].score) *
			    (p - shape[i - 1].utilization) /
			    (shape[i].utilization - shape[i - 1].utilization);
		}
	}
	return shape[n - 1].score;
}

/* a * m / b without overflow (a, b >= 0, b > 0): upstream's int64 products
 * such as (capacity - requested) * MaxNodeScore wrap for allocatable past
 * 2^63 / 100; the 128-bit product gives the same value wherever those do not. */
static int64_t
muldiv(int64_t a, int64_t m, int64_t b)
{
	if (a <= INT64_MAX / m)		/* the product fits: the same quotient */
		return a * m / b;
	return (int64_t)((__int128)a * m / b);
}

int64_t
sched_fit_score(struct sched *s, int node)
{
	const struct sched_config *c = &s->cfg;
	const struct sched_node *n = &s->nodes[node];
	int64_t node_score = 0, weight_sum = 0;
	struct sched_shape_point shape[SCHED_MAX_SHAPE];
	if (c->strategy == SCHED_LEAST_ALLOCATED) {
		/* the common case without the switch per resource */
		for (int i = 0; i < c->nfit_resources; i++) {
			int64_t alloc, req;
			alloc_req(s, n, s->fit_res[i], false, &alloc, &req);
			if (alloc == 0)
				continue;
			int64_t w = c->fit_resources[i].weight;
			node_score += (req > alloc ? 0 :
			    muldiv(alloc - req, SCHED_MAX_NODE_SCORE, alloc)) * w;
			weight_sum += w;
		}
		return weight_sum == 0 ? 0 : node_score / weight_sum;
	}
	if (c->strategy == SCHED_REQUESTED_TO_CAPACITY_RATIO)
		for (int i = 0; i < c->nshape; i++) {
			shape[i].utilization = c->shape[i].utilization;
			shape[i].score = c->shape[i].score *
			    (SCHED_MAX_NODE_SCORE / SCHED_MAX_CUSTOM_SCORE);
		}
	for (int i = 0; i < c->nfit_resources; i++) {
		int64_t alloc, req;
		alloc_req(s, n, s->fit_res[i], false, &alloc, &req);
		if (alloc == 0)
			continue;
		int64_t w = c->fit_resources[i].weight, rs;
		switch (c->strategy) {
		case SCHED_LEAST_ALLOCATED:
			rs = req > alloc ? 0 : muldiv(alloc - req, SCHED_MAX_NODE_SCORE, alloc);
			break;
		case SCHED_MOST_ALLOCATED:
			rs = req > alloc ? SCHED_MAX_NODE_SCORE :
			    muldiv(req, SCHED_MAX_NODE_SCORE, alloc);
			break;
		default:
			rs = sched_broken_linear(shape, c->nshape,
			    req > alloc ? 100 : muldiv(req, 100, alloc));
			if (rs <= 0)
				continue;
			break;
		}
		node_score += rs * w;
		weight_sum += w;
	}
	if (weight_sum == 0)
		return 0;
	if (c->strategy == SCHED_REQUESTED_TO_CAPACITY_RATIO)
		return (int64_t)llround((double)node_score / (double)weight_sum);
	return node_score / weight_sum;
}

bool
sched_balanced_prescore(struct sched *s)
{
	/* isBestEffortPod: every requested quantity of the resources is 0. */
	const struct sched_cycle *cy = &s->cy;
	for (int i = 0; i < s->cfg.nbalanced_resources; i++) {
		int r = s->bal_res[i];
		int64_t q = r == SCHED_RES_CPU ? cy->cpu : r == SCHED_RES_MEM ? cy->mem :
		    r == SCHED_RES_EPH ? cy->eph : r >= 0 ? cy->ext[r] : 0;
		if (q != 0)
			return false;
	}
	return true;
}

int64_t
sched_balanced_score(struct sched *s, int node)
{
	const struct sched_node *n = &s->nodes[node];
	double fr[SCHED_MAX_RES], total = 0;
	int nf = 0;
	for (int i = 0; i < s->cfg.nbalanced_resources; i++) {
		int64_t alloc, req;
		alloc_req(s, n, s->bal_res[i], true, &alloc, &req);
		if (alloc == 0)
			continue;
		double f = (double)req / (double)alloc;
		if (f > 1)
			f = 1;
		total += f;
		fr[nf++] = f;
	}
	double std = 0;
	if (nf == 2) {
		std = fabs((fr[0] - fr[1]) / 2);
	} else if (nf > 2) {
		double mean = total / nf, sum = 0;
		for (int i = 0; i < nf; i++)
			sum += (fr[i] - mean) * (fr[i] - mean);
		std = sqrt(sum / nf);
	}
	return (int64_t)((1 - std) * (double)SCHED_MAX_NODE_SCORE);
}

/* LeastAllocated on cpu and memory, the default: alloc_req and
 * sched_fit_score's loop written out for the two resources. */
static int64_t
least_cpu_mem(const struct sched *s, const struct sched_node *n, int64_t wc, int64_t wm)
{
	const struct sched_cycle *cy = &s->cy;
	int64_t score = 0, wsum = 0;
	if (n->alloc_cpu != 0) {
		int64_t a = n->alloc_cpu, r = ks_sat_add(n->nz_cpu, cy->nz_cpu);
		score += (r > a ? 0 : muldiv(a - r, SCHED_MAX_NODE_SCORE, a)) * wc;
		wsum += wc;
	}
	if (n->alloc_mem != 0) {
		int64_t a = n->alloc_mem, r = ks_sat_add(n->nz_mem, cy->nz_mem);
		score += (r > a ? 0 : muldiv(a - r, SCHED_MAX_NODE_SCORE, a)) * wm;
		wsum += wm;
	}
	return wsum == 0 ? 0 : score / wsum;
}

void
sched_fit_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	const struct sched_config *c = &s->cfg;
	if (c->strategy == SCHED_LEAST_ALLOCATED && c->nfit_resources == 2 &&
	    s->fit_res[0] == SCHED_RES_CPU && s->fit_res[1] == SCHED_RES_MEM) {
		int64_t wc = c->fit_resources[0].weight, wm = c->fit_resources[1].weight;
		for (size_t i = 0; i < n; i++)
			sc[i] = least_cpu_mem(s, &s->nodes[nodes[i]], wc, wm);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sc[i] = sched_fit_score(s, nodes[i]);
}

/* (1 - std) * MaxNodeScore over cpu and memory, the default resources. */
static int64_t
balanced_cpu_mem(const struct sched *s, const struct sched_node *n)
{
	const struct sched_cycle *cy = &s->cy;
	double fr[2];
	int nf = 0;
	if (n->alloc_cpu != 0) {
		double f = (double)ks_sat_add(n->req_cpu, cy->cpu) / (double)n->alloc_cpu;
		fr[nf++] = f > 1 ? 1 : f;
	}
	if (n->alloc_mem != 0) {
		double f = (double)ks_sat_add(n->req_mem, cy->mem) / (double)n->alloc_mem;
		fr[nf++] = f > 1 ? 1 : f;
	}
	double std = nf == 2 ? fabs((fr[0] - fr[1]) / 2) : 0;
	return (int64_t)((1 - std) * (double)SCHED_MAX_NODE_SCORE);
}

void
sched_balanced_score_nodes(struct sched *s, const int *nodes, size_t n, int64_t *sc)
{
	if (s->cfg.nbalanced_resources == 2 && s->bal_res[0] == SCHED_RES_CPU &&
	    s->bal_res[1] == SCHED_RES_MEM) {
		for (size_t i = 0; i < n; i++)
			sc[i] = balanced_cpu_mem(s, &s->nodes[nodes[i]]);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sc[i] = sched_balanced_score(s, nodes[i]);
}

/* The id of what the sum of one node reads besides the node: the pod's
 * requests, the weights (wb 0: no BalancedAllocation). */
static uint32_t
shape_id(struct sched *s, int64_t wf, int64_t wb, int64_t wc, int64_t wm)
{
	const struct sched_cycle *cy = &s->cy;
	const int64_t v[8] = { cy->cpu, cy->mem, cy->nz_cpu, cy->nz_mem, wf, wb, wc, wm };
	for (int i = 0; i < SCHED_FC_SHAPES; i++)
		if (s->shapes[i].sid != 0 && memcmp(s->shapes[i].v, v, sizeof v) == 0)
			return s->shapes[i].sid;
	if (++s->sid_next == 0) {	/* wrapped: forget every cached sum */
		memset(s->fc, 0, s->cap_fc * SCHED_FC_SLOTS * sizeof *s->fc);
		memset(s->shapes, 0, sizeof s->shapes);
		s->sid_next = 1;
	}
	struct sched_shape *sh = &s->shapes[s->shape_next];
	s->shape_next = (s->shape_next + 1) % SCHED_FC_SHAPES;
	memcpy(sh->v, v, sizeof v);
	sh->sid = s->sid_next;
	return sh->sid;
}

bool
sched_fit_balanced_totals(struct sched *s, const int *nodes, size_t n, int64_t wf, bool bal,
    int64_t wb, int64_t *totals)
{
	const struct sched_config *c = &s->cfg;
	if (c->strategy != SCHED_LEAST_ALLOCATED || c->nfit_resources != 2 ||
	    s->fit_res[0] != SCHED_RES_CPU || s->fit_res[1] != SCHED_RES_MEM)
		return false;
	if (bal && (c->nbalanced_resources != 2 || s->bal_res[0] != SCHED_RES_CPU ||
	    s->bal_res[1] != SCHED_RES_MEM))
		return false;
	int64_t wc = c->fit_resources[0].weight, wm = c->fit_resources[1].weight;
	uint32_t sid = shape_id(s, wf, bal ? wb : 0, wc, wm);
	size_t slot = sid % SCHED_FC_SLOTS;
	for (size_t i = 0; i < n; i++) {
		struct sched_fc *e = &s->fc[(size_t)nodes[i] * SCHED_FC_SLOTS + slot];
		if (e->sid != sid) {
			const struct sched_node *nd = &s->nodes[nodes[i]];
			int64_t t = least_cpu_mem(s, nd, wc, wm) * wf;
			if (bal)
				t += balanced_cpu_mem(s, nd) * wb;
			e->val = t;
			e->sid = sid;
		}
		totals[i] += e->val;
	}
	return true;
}
