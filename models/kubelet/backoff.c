/*
 * backoff.c - client-go util/flowcontrol Backoff with jitter 0: doubling from
 * the initial delay to the maximum, an entry forgotten when it was not
 * updated for its expiry (2*max, or the kubelet's 600 s for crash loops).
 */
#include "config.h"

#include "models/kubelet/backoff.h"

static bool
expired(const struct backoff_policy *p, int64_t event_ns, int64_t last_ns)
{
	int64_t limit = p->expire_ns > 0 ? p->expire_ns : 2 * p->max_ns;
	return event_ns - last_ns > limit;
}

int64_t
backoff_get(const struct backoff_entry *e)
{
	return e->set ? e->backoff_ns : 0;
}

void
backoff_next(const struct backoff_policy *p, struct backoff_entry *e, int64_t event_ns,
    int64_t now_ns)
{
	if (!e->set || expired(p, event_ns, e->last_update_ns)) {
		e->set = true;
		e->backoff_ns = p->initial_ns;
	} else {
		int64_t d = 2 * e->backoff_ns;
		e->backoff_ns = d < p->max_ns ? d : p->max_ns;
	}
	e->last_update_ns = now_ns;
}

bool
backoff_since(const struct backoff_policy *p, const struct backoff_entry *e,
    int64_t event_ns, int64_t now_ns)
{
	if (!e->set || expired(p, event_ns, e->last_update_ns))
		return false;
	return now_ns - event_ns < e->backoff_ns;
}

bool
backoff_since_update(const struct backoff_policy *p, const struct backoff_entry *e,
    int64_t event_ns)
{
	if (!e->set || expired(p, event_ns, e->last_update_ns))
		return false;
	return event_ns - e->last_update_ns < e->backoff_ns;
}

bool
backoff_gc(const struct backoff_policy *p, struct backoff_entry *e, int64_t now_ns)
{
	if (e->set && expired(p, now_ns, e->last_update_ns)) {
		e->set = false;
		return true;
	}
	return false;
}

void
backoff_reset(struct backoff_entry *e)
{
	e->set = false;
	e->backoff_ns = 0;
	e->last_update_ns = 0;
}
