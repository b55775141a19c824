/*
 * hpa_behavior.c - how the HPA turns a metric recommendation into a replica
 * count (horizontal.go): the legacy downscale stabilization and scale-up
 * limit, the autoscaling/v2 behavior (stabilization windows, Pods/Percent
 * policies, selectPolicy, periods counted from stored scale events), the
 * API defaulting of behavior rules, and the HPA's history arrays.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/hpa/hpa.h"
#include "sim/util/util.h"

/* ---- state ------------------------------------------------------------- */

void
hpa_state_init(struct hpa_state *s)
{
	memset(s, 0, sizeof *s);
}

void
hpa_state_fini(struct hpa_state *s)
{
	free(s->recs);
	free(s->up);
	free(s->down);
	memset(s, 0, sizeof *s);
}

void
hpa_state_add_rec(struct hpa_state *s, int32_t replicas, sim_ns at)
{
	KS_GROW(s->recs, s->caprecs, s->nrecs + 1);
	s->recs[s->nrecs].replicas = replicas;
	s->recs[s->nrecs].at = at;
	s->newest = s->nrecs++;
	s->has_recs = true;
}

void
hpa_state_repeat(struct hpa_state *s, int32_t recommendation, sim_ns now)
{
	if (s->newest < s->nrecs && s->recs[s->newest].replicas == recommendation &&
	    s->recs[s->newest].at <= now)
		s->recs[s->newest].at = now;
	else
		/* adding one leaves every window's values but this one's */
		hpa_state_add_rec(s, recommendation, now);
}

void
hpa_state_add_event(struct hpa_state *s, bool up, int32_t change, sim_ns at,
    bool outdated)
{
	struct hpa_scale_event **arr = up ? &s->up : &s->down;
	size_t *n = up ? &s->nup : &s->ndown;
	size_t *cap = up ? &s->capup : &s->capdown;
	ks_grow(arr, cap, *n + 1, sizeof **arr);
	(*arr)[*n].change = change;
	(*arr)[*n].at = at;
	(*arr)[*n].outdated = outdated;
	(*n)++;
}

/* The boundary rule: t is inside a window ending now iff t is strictly
 * after now - window (time.After), and old iff strictly before. */
static bool
after(sim_ns t, sim_ns cutoff)
{
	return t > cutoff;
}

static bool
before(sim_ns t, sim_ns cutoff)
{
	return t < cutoff;
}

/* ---- defaulting (pkg/apis/autoscaling/v2/defaults.go) ----------------- */

void
hpa_rules_effective(const struct hpa_rules *in, bool up, struct hpa_policy *buf,
    struct hpa_rules *out)
{
	memset(out, 0, sizeof *out);
	/* GenerateHPAScaleUpRules: window 0, Max, [Pods 4/15s, Percent 100/15s];
	 * GenerateHPAScaleDownRules: window nil, Max, [Percent 100/15s]. */
	if (up) {
		buf[0] = (struct hpa_policy){ HPA_POLICY_PODS, 4, 15 };
		buf[1] = (struct hpa_policy){ HPA_POLICY_PERCENT, 100, 15 };
		out->npolicies = 2;
		out->has_stabilization = true;
		out->stabilization_s = 0;
	} else {
		buf[0] = (struct hpa_policy){ HPA_POLICY_PERCENT, 100, 15 };
		out->npolicies = 1;
	}
	out->policies = buf;
	out->select = HPA_SELECT_MAX;
	if (in == NULL)
		return;
	out->select = in->select;
	if (in->npolicies > 0) {
		out->policies = in->policies;
		out->npolicies = in->npolicies;
	}
	if (in->has_stabilization) {
		out->has_stabilization = true;
		out->stabilization_s = in->stabilization_s;
	}
	if (in->has_tolerance) {
		out->has_tolerance = true;
		out->tolerance = in->tolerance;
	}
}

/* In place, allocating default policies when there are none. */
static void
rules_set_defaults(struct hpa_rules *r, bool present, bool up)
{
	struct hpa_policy buf[2];
	struct hpa_rules eff;
	hpa_rules_effective(present ? r : NULL, up, buf, &eff);
	if (eff.policies == buf) {
		free(r->policies);
		eff.policies = xcalloc(eff.npolicies, sizeof *eff.policies);
		memcpy(eff.policies, buf, eff.npolicies * sizeof *buf);
	}
	*r = eff;
}

void
hpa_spec_set_defaults(struct hpa_spec *h)
{
	if (!h->has_min_replicas && h->min_replicas == 0)
		h->min_replicas = 1;
	h->has_min_replicas = true;
	if (h->nmetrics == 0) {
		h->metrics = xcalloc(1, sizeof *h->metrics);
		h->nmetrics = 1;
		h->metrics[0].type = HPA_RESOURCE;
		h->metrics[0].resource = xstrdup("cpu");
		h->metrics[0].target = HPA_UTILIZATION;
		h->metrics[0].average_utilization = 80;
	}
	if (h->has_behavior) {
		rules_set_defaults(&h->scale_up, h->has_scale_up, true);
		rules_set_defaults(&h->scale_down, h->has_scale_down, false);
		h->has_scale_up = h->has_scale_down = true;
	}
}

/* ---- the legacy path (spec.behavior == nil) --------------------------- */

int32_t
hpa_stabilize_legacy(struct hpa_state *s, sim_ns now, sim_ns window,
    int32_t desired)
{
	int32_t best = desired;
	bool found_old = false;
	size_t old = 0;
	sim_ns cutoff = now - window;
	for (size_t i = 0; i < s->nrecs; i++) {
		if (before(s->recs[i].at, cutoff)) {
			found_old = true;
			old = i;
		} else if (s->recs[i].replicas > best)
			best = s->recs[i].replicas;
	}
	if (found_old) {
		s->recs[old].replicas = desired;
		s->recs[old].at = now;
		s->newest = old;
	} else
		hpa_state_add_rec(s, desired, now);
	s->has_recs = true;
	return best;
}

int32_t
hpa_scale_up_limit_legacy(int32_t current, double factor, double minimum)
{
	double v = fmax(factor * (double)current, minimum);
	return v >= (double)INT32_MAX ? INT32_MAX : (int32_t)v;
}

int32_t
hpa_convert_with_rules(int32_t current, int32_t desired, int32_t min,
    int32_t max, double factor, double minimum, const char **reason,
    const char **message)
{
	int32_t limit = hpa_scale_up_limit_legacy(current, factor, minimum);
	int32_t max_allowed;
	const char *r, *m;
	/* Do not scale up too fast (bogus usage reports, issue #32304). */
	if (max > limit) {
		max_allowed = limit;
		r = "ScaleUpLimit";
		m = "the desired replica count is increasing faster than the "
		    "maximum scale rate";
	} else {
		max_allowed = max;
		r = "TooManyReplicas";
		m = "the desired replica count is more than the maximum replica count";
	}
	if (desired < min) {
		*reason = "TooFewReplicas";
		*message = "the desired replica count is less than the minimum "
		    "replica count";
		return min;
	}
	if (desired > max_allowed) {
		*reason = r;
		*message = m;
		return max_allowed;
	}
	*reason = "DesiredWithinRange";
	*message = "the desired count is within the acceptable range";
	return desired;
}

/* ---- the behavior path ----------------------------------------------- */

int32_t
hpa_stabilize_with_behaviors(struct hpa_state *s, sim_ns now, int32_t current,
    int32_t desired, int64_t up_window_s, int64_t down_window_s,
    const char **reason, const char **message)
{
	int32_t up = desired, down = desired;
	sim_ns up_cut = now - up_window_s * SIM_SEC;
	sim_ns down_cut = now - down_window_s * SIM_SEC;
	bool found_old = false;
	size_t old = 0;
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct hpa_rec *r = &s->recs[i];
		if (after(r->at, up_cut) && r->replicas < up)
			up = r->replicas;
		if (after(r->at, down_cut) && r->replicas > down)
			down = r->replicas;
		if (before(r->at, up_cut) && before(r->at, down_cut)) {
			found_old = true;
			old = i;
		}
	}
	/* Bring current within [up, down]. */
	int32_t rec = current;
	if (rec < up)
		rec = up;
	if (rec > down)
		rec = down;
	if (found_old) {
		s->recs[old].replicas = desired;
		s->recs[old].at = now;
		s->newest = old;
	} else
		hpa_state_add_rec(s, desired, now);
	if (desired >= current) {
		*reason = "ScaleUpStabilized";
		*message = "recent recommendations were lower than current one, "
		    "applying the lowest recent recommendation";
	} else {
		*reason = "ScaleDownStabilized";
		*message = "recent recommendations were higher than current one, "
		    "applying the highest recent recommendation";
	}
	return rec;
}

int32_t
hpa_replicas_change_per_period(int32_t period_s, const struct hpa_scale_event *ev,
    size_t n, sim_ns now)
{
	sim_ns cutoff = now - (sim_ns)period_s * SIM_SEC;
	int32_t sum = 0;
	for (size_t i = 0; i < n; i++)
		if (after(ev[i].at, cutoff))
			sum += ev[i].change;
	return sum;
}

/* The replica count at the start of a policy's period. */
static int32_t
period_start(int32_t current, const struct hpa_state *s, int32_t period_s,
    sim_ns now)
{
	int32_t added = hpa_replicas_change_per_period(period_s, s->up, s->nup, now);
	int32_t deleted = hpa_replicas_change_per_period(period_s, s->down,
	    s->ndown, now);
	return current - added + deleted;
}

static int32_t
trunc_i32(double x)
{
	if (isnan(x))
		return 0;
	if (x >= (double)INT32_MAX)
		return INT32_MAX;
	if (x <= (double)INT32_MIN)
		return INT32_MIN;
	return (int32_t)x;
}

int32_t
hpa_scale_up_limit(int32_t current, const struct hpa_state *s,
    const struct hpa_rules *rules, sim_ns now)
{
	if (rules->select == HPA_SELECT_DISABLED)
		return current;
	bool pick_min = rules->select == HPA_SELECT_MIN;
	int32_t result = pick_min ? INT32_MAX : INT32_MIN;
	for (size_t i = 0; i < rules->npolicies; i++) {
		const struct hpa_policy *p = &rules->policies[i];
		int32_t start = period_start(current, s, p->period_s, now);
		int32_t proposed = 0;
		if (p->type == HPA_POLICY_PODS)
			proposed = start + p->value;
		else if (p->type == HPA_POLICY_PERCENT)
			/* Rounded up, or a small target could never grow. */
			proposed = trunc_i32(ceil((double)start *
			    (1 + (double)p->value / 100)));
		if (pick_min ? proposed < result : proposed > result)
			result = proposed;
	}
	return result;
}

int32_t
hpa_scale_down_limit(int32_t current, const struct hpa_state *s,
    const struct hpa_rules *rules, sim_ns now)
{
	if (rules->select == HPA_SELECT_DISABLED)
		return current;
	/* The largest change (Max) is the lowest count. */
	bool pick_max = rules->select == HPA_SELECT_MIN;
	int32_t result = pick_max ? INT32_MIN : INT32_MAX;
	for (size_t i = 0; i < rules->npolicies; i++) {
		const struct hpa_policy *p = &rules->policies[i];
		int32_t start = period_start(current, s, p->period_s, now);
		int32_t proposed = 0;
		if (p->type == HPA_POLICY_PODS)
			proposed = start - p->value;
		else if (p->type == HPA_POLICY_PERCENT)
			proposed = trunc_i32((double)start *
			    (1 - (double)p->value / 100));
		if (pick_max ? proposed > result : proposed < result)
			result = proposed;
	}
	return result;
}

int32_t
hpa_convert_with_behavior_rate(const struct hpa_state *s, sim_ns now,
    const struct hpa_rules *up, const struct hpa_rules *down, int32_t current,
    int32_t desired, int32_t min, int32_t max, const char **reason,
    const char **message)
{
	if (desired > current) {
		int32_t limit = hpa_scale_up_limit(current, s, up, now);
		if (limit < current)
			limit = current;	/* wait for old events to expire */
		int32_t allowed = max;
		const char *r, *m;
		if (allowed > limit) {
			allowed = limit;
			r = "ScaleUpLimit";
			m = "the desired replica count is increasing faster than "
			    "the maximum scale rate";
		} else {
			r = "TooManyReplicas";
			m = "the desired replica count is more than the maximum "
			    "replica count";
		}
		if (desired > allowed) {
			*reason = r;
			*message = m;
			return allowed;
		}
	} else if (desired < current) {
		int32_t limit = hpa_scale_down_limit(current, s, down, now);
		if (limit > current)
			limit = current;
		int32_t allowed = min;
		const char *r, *m;
		if (allowed < limit) {
			allowed = limit;
			r = "ScaleDownLimit";
			m = "the desired replica count is decreasing faster than "
			    "the maximum scale rate";
		} else {
			r = "TooFewReplicas";
			m = "the desired replica count is less than the minimum "
			    "replica count";
		}
		if (desired < allowed) {
			*reason = r;
			*message = m;
			return allowed;
		}
	}
	*reason = "DesiredWithinRange";
	*message = "the desired count is within the acceptable range";
	return desired;
}

void
hpa_store_scale_event(struct hpa_state *s, const struct hpa_rules *rules,
    int32_t prev, int32_t next, sim_ns now)
{
	if (rules == NULL)
		return;		/* no behavior: the events would never be read */
	int32_t longest = 0;
	for (size_t i = 0; i < rules->npolicies; i++)
		if (rules->policies[i].period_s > longest)
			longest = rules->policies[i].period_s;
	bool up = next > prev;
	struct hpa_scale_event *ev = up ? s->up : s->down;
	size_t n = up ? s->nup : s->ndown;
	sim_ns cutoff = now - (sim_ns)longest * SIM_SEC;
	bool found_old = false;
	size_t old = 0;
	for (size_t i = 0; i < n; i++) {
		if (before(ev[i].at, cutoff))
			ev[i].outdated = true;
		if (ev[i].outdated) {
			found_old = true;
			old = i;
		}
	}
	int32_t change = up ? next - prev : prev - next;
	if (found_old) {
		ev[old].change = change;
		ev[old].at = now;
		ev[old].outdated = false;
	} else
		hpa_state_add_event(s, up, change, now, false);
}
