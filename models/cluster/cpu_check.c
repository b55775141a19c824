/*
 * cpu_check.c - which nodes are busy (cpu.c shares a busy node's cores out
 * per pod each tick): every CPU_CHECK_S the use of each node's serving
 * pods since the last check, against CPU_BUSY_USE of its cores. A pod of
 * a cohort read alike at the check before is not read: its use is its
 * cohort's growth within a rounding bound, and each node carries a bound
 * on its such pods' use from check to check by the cohorts' largest
 * growth ratio (carry_bounds), so a node is summed pod by pod, in its
 * list's order as the decision is defined, only when the bound comes near
 * its threshold (node_busy). KS_CPU_VERIFY sums every node and checks each
 * bound; KS_CPU_ALONE reads every pod on its own.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/controllers.h"
#include "models/cluster/cpu_int.h"
#include "models/cluster/traffic_int.h"

double
cpu_node_busy_at(const struct cl_node *nd)
{
	return nd->state == NODE_DELETED ? -1 : CPU_BUSY_USE * cpu_node_cores(nd);
}

/* Checked pod p's use since the last check as its own reading gives it:
 * its cpu seconds now less at the check before, each read as
 * traffic_cpu_flat reads it (own + (integral - offset)). */
static double
checked_since(const struct cluster *c, uint32_t p)
{
	const struct cohort *k = traffic_cohort_of(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	double own = c->use[p].cpu_seconds;
	return cohort_reading(own, k->chk.cpu, me->off_cpu) -
	    cohort_reading(own, k->chk.cpu0, me->off_cpu);
}

void
cpu_check_out(struct cluster *c, uint32_t p)
{
	struct cpu_state *cs = tr_of(c)->cpu;
	struct cohort *k = traffic_cohort_of(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	cs->seen[p] = cohort_reading(c->use[p].cpu_seconds, k->chk.cpu, me->off_cpu);
	uint32_t n = cs->node_of[p];
	KS_ASSERT(k->chk.n > 0 && n != NONE && (n & CHECKED));
	n &= ~CHECKED;
	k->chk.n--;
	KS_ASSERT(n < cs->capnck && cs->nck[n].nchk > 0);
	cs->nck[n].nchk--;	/* its cohort's use stays in the bound: it only
				 * overstates */
	cs->node_of[p] = n;
	ks_bits_put(&cs->checked, p, false);
	c->run[p].checked = false;
	cs->nout++;
}

char *
cpu_shares_check(const struct cluster *c)
{
	const struct traffic *tr = tr_of(c);
	const struct cpu_state *cs = tr != NULL ? tr->cpu : NULL;
	size_t nchecked = 0, counted = 0, onnodes = 0;
	for (size_t p = 0; p < c->npods; p++) {
		if (cs != NULL && p < cs->capseen) {
			uint32_t n = cs->node_of[p];
			if (ks_bits_has(&cs->onnode, p) != (n != NONE) ||
			    ks_bits_has(&cs->checked, p) != c->run[p].checked ||
			    (n != NONE && ((n & CHECKED) != 0) != c->run[p].checked))
				return xasprintf("pod slot %zu's marks for the cpu check differ", p);
			if (n != NONE && (n & CHECKED))
				onnodes++;
		}
		if (!c->run[p].checked)
			continue;
		nchecked++;
		const struct cohort_pod *me = cs != NULL && tr->serve != NULL &&
		    p < tr->capcp ? &tr->cp[p] : NULL;
		if (me == NULL || me->set < 0 || me->k < 0 || p >= cs->capseen ||
		    cs->node_of[p] == NONE || !(cs->node_of[p] & CHECKED))
			return xasprintf("pod slot %zu's use is read from a cohort it is not in", p);
		const struct cohort_check *r = &traffic_cohort_of(c, (uint32_t)p)->chk;
		if (r->pass != cs->pass || !(c->use[p].cpu_seconds <= r->own))
			return xasprintf("pod slot %zu's use is not its cohort's to keep", p);
	}
	for (size_t s = 0; cs != NULL && tr->serve != NULL && s < tr->serve->n; s++)
		for (size_t j = 0; j < tr->serve->p[s].coh.n; j++)
			counted += tr->serve->p[s].coh.k[j].chk.n;
	size_t pernode = 0;
	for (size_t n = 0; cs != NULL && n < cs->capnck; n++)
		pernode += cs->nck[n].nchk;
	if (counted != nchecked || pernode != nchecked || onnodes != nchecked)
		return xasprintf("%zu pods' use is read from cohorts; the cohorts count %zu, "
		    "the nodes %zu", nchecked, counted, pernode);
	return NULL;
}

/*
 * Node n's use since the last check in its list's order (what decides
 * it): the pods' since from the array's end, a checked pod's as its own
 * reading gives it (checked_since). Into *bound, the growth of its
 * checked pods' cohorts (what node_check.bound bounds), summed up and
 * rounded up.
 */
static double
node_used_exact(const struct cpu_state *cs, size_t n, double *bound)
{
	double used = 0, b = 0;
	size_t m = 0;
	if (n < cs->capnode) {
		const uint32_t *pod = cs->node[n].pod;
		m = cs->node[n].n;
		for (size_t k = m; k-- > 0;) {
			uint32_t p = pod[k];
			if (cs->node_of[p] & CHECKED) {
				const struct cohort_check *r = &traffic_cohort_of(cs->c, p)->chk;
				used += checked_since(cs->c, p);
				b += r->cpu - r->cpu0;
			} else {
				used += cs->since[p];
			}
		}
	}
	*bound = b * (1 + ((double)m + 2) * 0x1p-50);
	return used;
}

/* KS_CPU_VERIFY: the flat read gives the bits of the pod's accessor. */
static void
verify_cpu(const struct cluster *c, uint32_t p, double cpu)
{
	double want = cl_pod_cpu_seconds(c, p);
	if (memcmp(&cpu, &want, sizeof cpu) != 0) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: pod %u read %.17g cpu s; its "
		    "accessor says %.17g\n", p, cpu, want);
		abort();
	}
}

/*
 * KS_CPU_VERIFY: checked pod p reads its accessor's bits through its
 * cohort, and its own use is within emax of its cohort's growth.
 */
static void
verify_checked(const struct cpu_state *cs, uint32_t p)
{
	const struct cluster *c = cs->c;
	const struct cohort *k = traffic_cohort_of(c, p);
	const struct cohort_pod *me = &tr_of(c)->cp[p];
	verify_cpu(c, p, cohort_reading(c->use[p].cpu_seconds, k->chk.cpu, me->off_cpu));
	double own = checked_since(c, p), d = k->chk.cpu - k->chk.cpu0;
	if (!(fabs(own - d) <= cs->emax)) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: pod %u used %.17g cpu s on its own, "
		    "%.17g +- %.3g from its cohort\n", p, own, d, cs->emax);
		abort();
	}
}

/*
 * Every cohort with checked members, as its pairs are laid out: its
 * integral now (its growth since the last check, D, is its members' use
 * within a bound), the largest such bound (emax) and the largest ratio of
 * a cohort's growth to its growth at the check before (grow). A member
 * reads (own + (K1 - off)) - (own + (K0 - off)) with 0 <= off <= K0 <= K1
 * and 0 <= own <= the largest own: two subtractions and two additions
 * each within 2^-53 of at most own + K1, then their difference within
 * 2^-53 of itself: within 4.02 x 2^-53 (own + K1) + 2^-53 D of D; taken 8
 * times over.
 */
static void
share_cohorts(void *ctx, size_t s, struct cohort_set *set, const double *pairs)
{
	struct cpu_state *cs = ctx;
	for (size_t j = 0; j < set->n; j++) {
		struct cohort_check *r = &set->k[j].chk;
		if (r->n == 0)
			continue;
		KS_ASSERT(r->pass + 1 == cs->pass);
		double k1 = pairs[2 * j], d = k1 - r->cpu;
		double e = 0x1p-48 * (r->own + k1 + fabs(d));
		if (e > cs->emax)
			cs->emax = e;
		if (r->has_d && d > 0) {
			double g = r->d > 0 ? d / r->d : INFINITY;
			if (g > cs->grow)
				cs->grow = g;
		}
		r->d = d;
		r->has_d = true;
		r->cpu0 = r->cpu;
		r->cpu = k1;
		r->pass = cs->pass;
	}
}

/* Pod p, read on its own just now, joins its cohort's reading after the
 * check's decisions (check_joins) when it is a member. */
static void
check_join(struct cpu_state *cs, const struct traffic_flat *f, uint32_t p)
{
	if (cs->alone || f->cp == NULL || p >= f->ncp || f->cp[p].k < 0 ||
	    !(f->use[p].cpu_seconds >= 0))	/* the bound assumes counts that grow */
		return;
	KS_GROW(cs->joining, cs->capjoining, cs->njoining + 1);
	cs->joining[cs->njoining++] = p;
}

/* The pods check_join listed read from their cohorts from the next
 * check on: each cohort's record of this check (begun by the first such
 * member) has the integral their reading took. */
static void
check_joins(struct cpu_state *cs, const struct traffic_flat *f)
{
	struct cluster *c = cs->c;
	for (size_t q = 0; q < cs->njoining; q++) {
		uint32_t p = cs->joining[q];
		const struct cohort_pod *me = &f->cp[p];
		struct cohort_check *r = &traffic_cohort_of(c, p)->chk;
		if (r->pass != cs->pass) {
			KS_ASSERT(r->n == 0);
			*r = (struct cohort_check){ .pass = cs->pass,
			    .cpu = traffic_flat_pair(f, me)[0] };
		}
		double own = f->use[p].cpu_seconds;
		if (own > r->own)
			r->own = own;
		r->n++;
		uint32_t n = cs->node_of[p];
		cs->nck[n].nchk++;
		cs->node_of[p] = n | CHECKED;
		ks_bits_put(&cs->checked, p, true);
		c->run[p].checked = true;
	}
	cs->njoins += cs->njoining;
	/* they count in their nodes' bounds from the next check on */
	uint32_t *t = cs->joined;
	size_t cap = cs->capjoined;
	cs->joined = cs->joining;
	cs->capjoined = cs->capjoining;
	cs->njoined = cs->njoining;
	cs->joining = t;
	cs->capjoining = cap;
	cs->njoining = 0;
}

/* Pod p (on node n, not checked) read on its own: its use since the last
 * check into the node's sums. */
static inline void
read_alone(struct cpu_state *cs, const struct traffic_flat *f, uint32_t p, uint32_t n)
{
	double cpu = traffic_cpu_flat(f, p);
	if (cs->verify)
		verify_cpu(cs->c, p, cpu);
	double d = cpu - cs->seen[p];
	cs->since[p] = d;
	cs->seen[p] = cpu;
	struct node_check *nc = &cs->nck[n];
	nc->sum += d;
	nc->abs += fabs(d);
	nc->n++;
	cs->nalone++;
	check_join(cs, f, p);
}

/*
 * Whether node n (m pods) used more than `limit` cores per second of
 * `span` (its list order's sum decides), without reading its checked
 * pods when the bounds show it did not: their use is at most bound +
 * nchk x emax, its other pods' the id order's sum; the list order's sum
 * of the m terms is within m x 2^-53 of their magnitudes (at most A) of
 * the true sum, taken four times over. Else, or when KS_CPU_VERIFY, summed
 * in list order, which also renews the bound; KS_CPU_VERIFY aborts when
 * the sum is above what the bounds allowed.
 */
static bool
node_busy(struct cpu_state *cs, size_t n, double span, double limit)
{
	struct node_check *nc = &cs->nck[n];
	size_t m = n < cs->capnode ? cs->node[n].n : 0;
	cs->nchecked++;
	bool decided = false;
	double up = INFINITY;
	if (nc->nchk + nc->n == m && isfinite(nc->bound)) {
		double a = nc->bound + nc->nchk * cs->emax + nc->abs;
		up = nc->bound + nc->nchk * cs->emax + nc->sum + ((double)m + 4) * 0x1p-50 * a;
		decided = up / span <= limit;
	}
	cs->nshared += decided ? nc->nchk : 0;
	if (decided && !cs->verify)
		return false;
	double bound, used = node_used_exact(cs, n, &bound);
	bool busy = used / span > limit;
	cs->nexact += !decided;
	cs->nbusy_seen += busy;
	if (decided && !(used <= up)) {
		fprintf(stderr, "kubesim: KS_CPU_VERIFY: node %zu used %.17g cpu s, above "
		    "its bound %.17g\n", n, used, up);
		abort();
	}
	if (!decided)	/* as without KS_CPU_VERIFY: a decided node keeps its bound */
		nc->bound = bound;
	return busy;
}

/*
 * Every node's bound carried to this check: its checked pods' cohorts
 * grew by at most `grow` each (all use >= 0), so their sum did; those
 * that joined at the check before add their cohorts' growth now.
 */
static void
carry_bounds(struct cpu_state *cs, size_t nnodes)
{
	const double up = 1 + 0x1p-40;
	double g = cs->grow * up;
	for (size_t n = 0; n < nnodes; n++) {
		struct node_check *nc = &cs->nck[n];
		if (nc->bound > 0)
			nc->bound = isfinite(g) ? nc->bound * g : INFINITY;
		nc->n = 0;
		nc->sum = nc->abs = 0;
	}
	for (size_t q = 0; q < cs->njoined; q++) {
		uint32_t p = cs->joined[q];
		if (!cs->c->run[p].checked)
			continue;	/* written out since: read on its own */
		const struct cohort_check *r = &traffic_cohort_of(cs->c, p)->chk;
		uint32_t n = cs->node_of[p] & ~CHECKED;
		cs->nck[n].bound += (r->cpu - r->cpu0) * up;
	}
	cs->njoined = 0;
}

void
cpu_check_nodes(struct cpu_state *cs)
{
	struct cluster *c = cs->c;
	double span = cs->now_s - cs->checked_s;
	cs->checked_s = cs->now_s;
	cs->nbusy = 0;
	cs->pass++;
	cs->grow = 0;
	cs->emax = 0;
	/* every parked Service at once, each cohort with checked members
	 * too (share_cohorts) */
	traffic_use_begin_check(c, share_cohorts, cs);
	size_t nnodes = c->nnodes;
	if (cs->capnck < nnodes) {
		size_t old = cs->capnck;
		KS_GROW(cs->nck, cs->capnck, nnodes);
		memset(cs->nck + old, 0, (cs->capnck - old) * sizeof *cs->nck);
	}
	carry_bounds(cs, nnodes);
	/* the pods not read from their cohorts, in id order (their data
	 * streams in), each one's use since the last check into its node's
	 * sums; every pod on a node when verifying */
	struct traffic_flat f;
	traffic_flat_init(c, &f);
	size_t np = c->npods < cs->capseen ? c->npods : cs->capseen;
	size_t nw = (np + 63) / 64;
	for (size_t w = 0; w < nw; w++) {
		uint64_t todo = ks_bits_word(&cs->onnode, w);
		if (!cs->verify)
			todo &= ~ks_bits_word(&cs->checked, w);
		if (w == nw - 1 && np % 64 != 0)
			todo &= ((uint64_t)1 << (np % 64)) - 1;
		for (; todo != 0; todo &= todo - 1) {
			uint32_t p = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(todo));
			uint32_t n = cs->node_of[p];
			KS_ASSERT(n != NONE && (n & ~CHECKED) < nnodes);
			if (n & CHECKED)
				verify_checked(cs, p);
			else
				read_alone(cs, &f, p, n);
		}
	}
	for (size_t n = 0; n < nnodes; n++) {
		/* CPU_BUSY_USE * node_cores, -1: deleted, 0: no cores */
		double limit = n < cs->capbusy_at ? cs->busy_at[n] : -1;
		if (cs->verify && limit != cpu_node_busy_at(&c->nodes[n])) {
			fprintf(stderr, "kubesim: KS_CPU_VERIFY: node %zu's threshold %g kept, "
			    "%g now\n", n, limit, cpu_node_busy_at(&c->nodes[n]));
			abort();
		}
		if (!(limit > 0) || !(span > 0) || !node_busy(cs, n, span, limit))
			continue;
		const struct cl_node *nd = &c->nodes[n];
		KS_GROW(cs->busy_nodes, cs->capbusy, cs->nbusy + 1);
		cs->busy_nodes[cs->nbusy++] = (uint32_t)n;
		/* its pods' demands are shared out per pod from now on */
		for (uint32_t p = nd->first_pod; p != NONE; p = c->pods[p].node_next) {
			int32_t i = cpu_pod_profile(c, p);
			if (i >= 0 && (size_t)i < cs->nprof)
				cpu_set_own_caps(cs, i);
		}
	}
	check_joins(cs, &f);
	cs->active = cs->throttle || cs->nbusy > 0;
	cs->any |= cs->active;
}

