/*
 * ca_place.c - the Cluster Autoscaler's simulated scheduling (the hinting
 * simulator): whether a pod passes the scheduler's filters on a node, with
 * the answers the specs and sums give without a scheduling cycle, and
 * placements round-robin over the destinations kept as a bitset, undone by
 * cas_revert; a removal's pods placed at once when that is known to give
 * the same (cas_place_all_at_once).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/cluster/ca_int.h"

/* Every enabled filter for pod on node in the pod's filter cycle, begun
 * when *cycle is false. */
static bool
cas_filters(struct sched *s, const struct k8s_pod_spec *pod, int node, bool *cycle)
{
	struct sched_node_status st;
	if (!*cycle) {
		sched_filter_begin(s, pod, NULL);
		*cycle = true;
	}
	return sched_filter_node(s, node, &st) == SCHED_SUCCESS;
}

/*
 * Runs every filter plugin the scheduler has enabled; true when all pass.
 * The answer does not depend on their order, so the resource fit (the one
 * that fails most often) runs first. Each sched_run_filter call starts a
 * scheduling cycle, which costs more than most filters, so a filter whose
 * answer the specs and sums already give is not run through one:
 * NodeUnschedulable on a schedulable node, NodeName for a pod without
 * spec.nodeName, NodeAffinity for a pod without nodeSelector or required
 * terms, NodePorts for a pod without host ports, PodTopologySpread for a
 * pod without constraints (the system defaults are ScheduleAnyway only)
 * and InterPodAffinity for a pod without required pod (anti-)affinity while
 * no pod has required anti-affinity (ca->any_anti) pass at once;
 * TaintToleration is its predicate (sched_untolerated_taint), and
 * NodeResourcesFit, given req with no extended resource, is fitsRequest:
 * the pod count, then cpu, memory and ephemeral storage requested against
 * allocatable less the node's requests. req NULL: the plugin decides.
 * ov, when not NULL, is the node's light placements (cas_place): pods and
 * requests the scheduler's sums would hold had they been placed there;
 * only a light pod (cas_req) is tested with them.
 * cycle, when not NULL, answers the filters the specs and sums do not with
 * one filter cycle for the pod (sched_filter_begin, begun at the first node
 * that needs it; *cycle false until then) instead of one per filter and
 * node: the caller keeps it while the scheduler's cache does not change.
 */
bool
cas_fits(struct cas *ca, struct sched *s, const struct k8s_pod_spec *pod, int node,
    const struct cas_req *req, const struct cas_node *ov, bool *cycle)
{
	const struct sched_config *cfg = sched_config(s);
	const struct sched_node *sn = sched_node_get(s, node);
	const struct k8s_node_spec *ns = sn->spec;
	struct sched_node_status st;
	if (cfg->enabled[SCHED_NODE_RESOURCES_FIT]) {
		if (req != NULL && req->plain) {
			/* (no placement overflows the sums: each one fitted) */
			int64_t npods = sn->npods, rcpu = sn->req_cpu, rmem = sn->req_mem;
			int64_t reph = sn->req_eph;
			if (ov != NULL && ov->ov_on) {
				npods += ov->ov_pods;
				rcpu += ov->ov_cpu;
				rmem += ov->ov_mem;
				reph += ov->ov_eph;
			}
			if (npods + 1 > sn->alloc_pods ||
			    (req->cpu > 0 && req->cpu > sn->alloc_cpu - rcpu) ||
			    (req->mem > 0 && req->mem > sn->alloc_mem - rmem) ||
			    (req->eph > 0 && req->eph > sn->alloc_eph - reph))
				return false;
		} else if (cycle != NULL) {
			return cas_filters(s, pod, node, cycle);
		} else if (sched_run_filter(s, pod, SCHED_NODE_RESOURCES_FIT, node, &st, NULL,
		    NULL) != SCHED_SUCCESS) {
			return false;
		}
	}
	/* A simple pod on a schedulable node without taints while no pod has
	 * required pod anti-affinity: each filter below passes at once. */
	if (req != NULL && req->simple && ca != NULL && !ca->reference && !ca->any_anti &&
	    !ns->unschedulable && ns->ntaints == 0)
		return true;
	for (int p = 0; p <= SCHED_INTER_POD_AFFINITY; p++) {	/* the filter plugins */
		if (p == SCHED_NODE_RESOURCES_FIT || !cfg->enabled[p])
			continue;
		switch (p) {
		case SCHED_NODE_UNSCHEDULABLE:
			if (!ns->unschedulable)
				continue;
			break;
		case SCHED_NODE_NAME:
			if (pod->node_name == NULL || *pod->node_name == '\0')
				continue;
			break;
		case SCHED_TAINT_TOLERATION:
			if (ns->ntaints > 0 && sched_untolerated_taint(pod, ns) != NULL)
				return false;
			continue;
		case SCHED_NODE_AFFINITY:
			if (pod->node_selector.n == 0 && pod->affinity.nnode_required == 0)
				continue;
			break;
		case SCHED_NODE_PORTS:
			if (req != NULL ? !req->host_ports : !sched_pod_has_host_ports(pod))
				continue;
			break;
		case SCHED_POD_TOPOLOGY_SPREAD:
			if (pod->nspread == 0)
				continue;
			break;
		case SCHED_INTER_POD_AFFINITY:
			if (ca != NULL && !ca->any_anti && pod->affinity.npod_required == 0 &&
			    pod->affinity.nanti_required == 0)
				continue;
			break;
		default:
			break;
		}
		if (cycle != NULL)	/* every filter, those above again */
			return cas_filters(s, pod, node, cycle);
		if (sched_run_filter(s, pod, (enum sched_plugin)p, node, &st, NULL, NULL) !=
		    SCHED_SUCCESS)
			return false;
	}
	return true;
}

/* A node that can receive pods in a simulation: Ready and not being
 * removed (nor found removable in this pass); ca->dest keeps the answer. */
bool
cas_destination(const struct cluster *c, uint32_t n)
{
	return c->nodes[n].state == NODE_READY &&
	    cas_ctl(c)->ca->nodes[n].removing_since == SIM_NEVER && !cas_ctl(c)->ca->nodes[n].removable;
}

/* The next destination from `from` below `end` (the whole cluster's walk
 * in reference mode, ca->dest's otherwise), or KS_BITS_NONE. */
static size_t
cas_next_destination(const struct cluster *c, size_t from, size_t end)
{
	const struct cas *ca = cas_ctl(c)->ca;
	if (!ca->reference)
		return ks_bits_next(&ca->dest, from, end);
	for (size_t id = from; id < end; id++)
		if (cas_destination(c, (uint32_t)id))
			return id;
	return KS_BITS_NONE;
}

/*
 * The hinting simulator's TrySchedulePods for one pod: the first node,
 * round-robin from where the last search ended, that is a destination, is
 * not `skip` and passes every filter. The pod is then placed there in the
 * scheduler's state until cas_revert. Returns the node or NONE.
 * light: every pod placed until cas_revert is light (cas_req) and no pod
 * has required anti-affinity (ca->any_anti false), so no filter reads more
 * of the placements than the requested sums and pod counts they add; those
 * are kept beside the scheduler's (struct cas_node's ov_*) instead of
 * placing the pod in its cache, with the same answers.
 */
uint32_t
cas_place(struct cluster *c, const struct k8s_pod_spec *spec, const struct cas_req *req,
    uint32_t skip, bool light)
{
	struct cas *ca = cas_ctl(c)->ca;
	size_t n = c->nnodes;
	bool cycle = false;	/* the pod's filter cycle (cas_fits) */
	for (int lap = 0; lap < 2; lap++) {	/* from the cursor to the end, then the rest */
		size_t end = lap == 0 ? n : ca->cursor;
		for (size_t id = cas_next_destination(c, lap == 0 ? ca->cursor : 0, end);
		    id != KS_BITS_NONE; id = cas_next_destination(c, id + 1, end)) {
			struct cas_node *cn = &ca->nodes[id];
			if (id == skip || !cas_fits(ca, scheduler_cache(c), spec, cl_sched_idx(id),
			    req, light ? cn : NULL, &cycle))
				continue;
			ca->cursor = (id + 1) % n;
			if (light) {
				if (!cn->ov_on) {
					cn->ov_on = true;
					cn->ov_pods = 0;
					cn->ov_cpu = cn->ov_mem = cn->ov_eph = 0;
					if (ca->novnodes == ca->capovnodes)
						KS_GROW(ca->ovnodes, ca->capovnodes, ca->novnodes + 1);
					ca->ovnodes[ca->novnodes++] = (uint32_t)id;
				}
				cn->ov_pods++;
				cn->ov_cpu += req->cpu;
				cn->ov_mem += req->mem;
				cn->ov_eph += req->eph;
				return (uint32_t)id;
			}
			KS_GROW(ca->placed, ca->capplaced, ca->nplaced + 1);
			ca->placed[ca->nplaced++] = sched_node_add_pod(scheduler_cache(c),
			    cl_sched_idx(id), spec);
			return (uint32_t)id;
		}
	}
	return NONE;
}

/*
 * cas_place for each of the pods a removal of node `skip` would move
 * (their summary mv: simple, so on a schedulable node without taints only
 * NodeResourcesFit can refuse one), when that needs no search: the pods
 * go one by one to the next mv->n destinations from the cursor, so when
 * each of those has no taint, is schedulable and has room for a pod with
 * the largest requests, every pod fits on the first node it tries; the
 * cursor then moves past the last. Returns false, with nothing changed,
 * when that is not known (cas_place pod by pod tells then).
 */
bool
cas_place_all_at_once(struct cluster *c, uint32_t skip, const struct cas_moves *mv)
{
	struct cas *ca = cas_ctl(c)->ca;
	struct sched *s = scheduler_cache(c);
	bool fit = sched_config(s)->enabled[SCHED_NODE_RESOURCES_FIT];
	size_t n = c->nnodes, last = KS_BITS_NONE;
	uint32_t left = mv->n;
	for (int lap = 0; lap < 2 && left > 0; lap++) {
		size_t end = lap == 0 ? n : ca->cursor;
		for (size_t id = ks_bits_next(&ca->dest, lap == 0 ? ca->cursor : 0, end);
		    id != KS_BITS_NONE && left > 0; id = ks_bits_next(&ca->dest, id + 1, end)) {
			if (id == skip)
				continue;
			const struct sched_node *sn = sched_node_get(s, cl_sched_idx(id));
			if (sn->spec->unschedulable || sn->spec->ntaints > 0)
				return false;
			if (fit && (sn->npods + 1 > sn->alloc_pods ||
			    (mv->cpu > 0 && mv->cpu > sn->alloc_cpu - sn->req_cpu) ||
			    (mv->mem > 0 && mv->mem > sn->alloc_mem - sn->req_mem) ||
			    (mv->eph > 0 && mv->eph > sn->alloc_eph - sn->req_eph)))
				return false;
			last = id;
			left--;
		}
	}
	if (left > 0)	/* fewer destinations than pods: some node would get two */
		return false;
	if (last != KS_BITS_NONE)
		ca->cursor = (last + 1) % n;
	return true;
}

/* Undoes the simulation's placements (the snapshot's Revert). */
void
cas_revert(struct cluster *c)
{
	struct cas *ca = cas_ctl(c)->ca;
	while (ca->nplaced > 0)
		sched_node_remove_pod(scheduler_cache(c), ca->placed[--ca->nplaced]);
	while (ca->novnodes > 0)
		ca->nodes[ca->ovnodes[--ca->novnodes]].ov_on = false;
}
