/*
 * backoff.h - per-item exponential back-off as client-go's
 * util/flowcontrol.Backoff (jitter 0), which the kubelet uses for crash-loop
 * restarts and image pulls. One entry per item, owned by the caller (a
 * container, an image), so no map and no allocation.
 */
#ifndef KS_BACKOFF_H
#define KS_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_SEC	1000000000LL

struct backoff_policy {
	int64_t	initial_ns;	/* defaultDuration */
	int64_t	max_ns;		/* maxDuration */
	int64_t	expire_ns;	/* an entry not updated for longer restarts; 0: 2*max */
};

/* kubelet crash-loop back-off: 10 s doubling to MaxContainerBackOff 300 s,
 * reset after 600 s without a new back-off (kubelet's HasExpiredFunc). */
#define BACKOFF_CRASHLOOP ((struct backoff_policy){ 10 * BACKOFF_SEC, \
	300 * BACKOFF_SEC, 600 * BACKOFF_SEC })
/* kubelet image-pull back-off: 10 s to 300 s, the library's 2*max expiry. */
#define BACKOFF_IMAGE_PULL ((struct backoff_policy){ 10 * BACKOFF_SEC, \
	300 * BACKOFF_SEC, 0 })

struct backoff_entry {
	bool	set;		/* false: no entry */
	int64_t	backoff_ns;
	int64_t	last_update_ns;
};

/* Get: the current back-off, 0 without an entry. */
int64_t backoff_get(const struct backoff_entry *e);
/* Next(id, eventTime): initial when there is no entry or it expired at
 * event_ns, else min(2*backoff, max); lastUpdate = now_ns. */
void backoff_next(const struct backoff_policy *p, struct backoff_entry *e,
    int64_t event_ns, int64_t now_ns);
/* IsInBackOffSince(id, eventTime): now - event < backoff (entry not expired
 * at event_ns). The crash loop passes the container's finishedAt. */
bool backoff_since(const struct backoff_policy *p, const struct backoff_entry *e,
    int64_t event_ns, int64_t now_ns);
/* IsInBackOffSinceUpdate(id, eventTime): event - lastUpdate < backoff. */
bool backoff_since_update(const struct backoff_policy *p, const struct backoff_entry *e,
    int64_t event_ns);
/* GC: drops the entry when it expired at now_ns (true). */
bool backoff_gc(const struct backoff_policy *p, struct backoff_entry *e, int64_t now_ns);
/* Reset (DeleteEntry). */
void backoff_reset(struct backoff_entry *e);

#endif
