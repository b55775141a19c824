/*
 * hpa_rows.c - the HPA controller's decision rows (hpa_rows.h): the text
 * of a row's columns (integers and milli-values printed without printf,
 * the proposals as JSON), the last row's parts kept and compared, and
 * onChange's test of whether two rows whose parts differ could print the
 * same.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster/hpa_rows.h"

/* v in decimal at p, as "%lld" prints it: returns its end. */
static char *
put_int(char *p, int64_t v)
{
	char d[24], *e = d + sizeof d, *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	memcpy(p, q, (size_t)(e - q));
	return p + (e - q);
}

/* v in decimal, as "%lld" prints it. */
static void
buf_int(struct ks_buf *b, int64_t v)
{
	char d[24];
	ks_buf_add(b, d, (size_t)(put_int(d, v) - d));
}

/*
 * milli / 1000 at p as "%.3f" prints (double)milli / 1000.0 (under 32
 * bytes): below 1e15 in magnitude the double is nearer to the quotient
 * than half a thousandth can tell (its three decimals are milli's),
 * beyond it printf says. Returns its end.
 */
static char *
put_milli(char *p, int64_t milli)
{
	if (milli <= -1000000000000000LL || milli >= 1000000000000000LL)
		return p + snprintf(p, 32, "%.3f", (double)milli / 1000.0);
	uint64_t u = milli < 0 ? 0 - (uint64_t)milli : (uint64_t)milli;
	if (milli < 0)
		*p++ = '-';
	p = put_int(p, (int64_t)(u / 1000));
	*p++ = '.';
	*p++ = (char)('0' + u / 100 % 10);
	*p++ = (char)('0' + u / 10 % 10);
	*p++ = (char)('0' + u % 10);
	return p;
}

/* Literal s at p: returns its end. */
#define PUT_LIT(p, s)	((char *)memcpy((p), (s), sizeof(s) - 1) + sizeof(s) - 1)

/* b emptied (its room kept). */
static void
buf_clear(struct ks_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Room a metric's proposals_json entry takes but for its texts: its
 * literals (under 80 bytes) and numbers (four, each under 32). */
#define PROPS_ENTRY_ROOM	208

/* The per-metric proposals as a JSON array, for hpa_decisions, into b
 * (what it held replaced; its room grows as ks_buf_add would grow it):
 * written into the scratch first, whose room is the most they take. */
static void
proposals_json(const struct hpa_result *r, struct ks_buf *scratch, struct ks_buf *b)
{
	size_t room = 3;
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct hpa_metric_result *m = &r->metrics[i];
		/* a text's byte takes at most 6 ("\u00XX"), its quotes 2 */
		room += PROPS_ENTRY_ROOM + 6 * strlen(m->name) + 2;
		if (!m->valid)
			room += 6 * strlen(m->reason) + 2;
	}
	KS_GROW(scratch->data, scratch->cap, room);
	char *p = scratch->data;
	*p++ = '[';
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct hpa_metric_result *m = &r->metrics[i];
		p = i ? PUT_LIT(p, ",{\"metric\":") : PUT_LIT(p, "{\"metric\":");
		p = ks_json_str_to(p, m->name);
		if (!m->valid) {
			p = PUT_LIT(p, ",\"valid\":false,\"reason\":");
			p = ks_json_str_to(p, m->reason);
		} else {
			p = PUT_LIT(p, ",\"valid\":true,\"proposal\":");
			p = put_int(p, m->proposal);
			if (m->has_utilization) {
				p = PUT_LIT(p, ",\"utilization\":");
				p = put_int(p, m->utilization);
			}
			if (m->has_average) {
				p = PUT_LIT(p, ",\"average\":");
				p = put_milli(p, m->average_milli);
			}
			if (m->has_value) {
				p = PUT_LIT(p, ",\"value\":");
				p = put_milli(p, m->value_milli);
			}
		}
		*p++ = '}';
	}
	*p++ = ']';
	size_t len = (size_t)(p - scratch->data);
	KS_ASSERT(len < room);
	buf_clear(b);
	ks_buf_add(b, scratch->data, len);
}

bool
metric_row_eq(const struct hpa_metric_result *a, const struct hpa_metric_result *b)
{
	if (a->valid != b->valid || strcmp(a->name, b->name) != 0)
		return false;
	if (!a->valid)
		return strcmp(a->reason, b->reason) == 0;
	return a->proposal == b->proposal && a->has_utilization == b->has_utilization &&
	    (!a->has_utilization || a->utilization == b->utilization) &&
	    a->has_average == b->has_average &&
	    (!a->has_average || a->average_milli == b->average_milli) &&
	    a->has_value == b->has_value && (!a->has_value || a->value_milli == b->value_milli);
}

bool
hz_last_eq(const struct hz_last *l, const struct hpa_result *r, const char *limited,
    const char *reason)
{
	if (!l->set || l->current != r->current_replicas || l->stabilized != r->stabilized ||
	    l->desired != r->desired_replicas || l->nmetrics != r->nmetrics ||
	    strcmp(l->limited, limited) != 0 || strcmp(l->reason.data, reason) != 0)
		return false;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!metric_row_eq(&l->metrics[i], &r->metrics[i]))
			return false;
	return true;
}

static void
hz_last_store(struct hz_last *l, const struct hpa_result *r, const char *limited,
    const char *reason)
{
	l->set = true;
	l->current = r->current_replicas;
	l->stabilized = r->stabilized;
	l->desired = r->desired_replicas;
	/* what snprintf "%s" gives: cut to the array */
	size_t n = strlen(limited);
	if (n > sizeof l->limited - 1)
		n = sizeof l->limited - 1;
	memcpy(l->limited, limited, n);
	l->limited[n] = '\0';
	buf_clear(&l->reason);
	ks_buf_puts(&l->reason, reason);
	KS_GROW(l->metrics, l->capmetrics, r->nmetrics ? r->nmetrics : 1);
	for (size_t i = 0; i < r->nmetrics; i++) {
		l->metrics[i] = r->metrics[i];
		l->metrics[i].error = NULL;
	}
	l->nmetrics = r->nmetrics;
}

void
hz_last_fini(struct hz_last *l)
{
	ks_buf_fini(&l->reason);
	free(l->metrics);
	ks_buf_fini(&l->props);
}

void
hz_emit(struct cluster *c, const char *name, const struct hz_last *l, sim_ns now)
{
	struct probe_val v[8] = {
		PV_REAL(sim_ns_to_s(now)), PV_TEXT(name), PV_INT(l->current),
		PV_TEXT(l->props.data), PV_INT(l->stabilized), PV_INT(l->desired),
		PV_TEXT(l->limited), PV_TEXT(l->reason.data),
	};
	probe_emit(&c->probes, "hpa_decisions", v, 8);
}

/* The text of a row of l's parts, every column but the time,
 * unambiguously joined, into b (what it held replaced). */
static void
hz_row_text(const struct hz_last *l, struct ks_buf *b)
{
	buf_clear(b);
	buf_int(b, l->current);
	ks_buf_add(b, "\x1f", 1);
	ks_buf_add(b, l->props.data, l->props.len);
	ks_buf_add(b, "\x1f", 1);
	buf_int(b, l->stabilized);
	ks_buf_add(b, "\x1f", 1);
	buf_int(b, l->desired);
	ks_buf_add(b, "\x1f", 1);
	ks_buf_puts(b, l->limited);
	ks_buf_add(b, "\x1f", 1);
	ks_buf_add(b, l->reason.data, l->reason.len);
}

/* A value put_milli prints through a double (two may print the same). */
static bool
milli_lossy(int64_t milli)
{
	return milli <= -1000000000000000LL || milli >= 1000000000000000LL;
}

static bool
metrics_lossy(const struct hpa_metric_result *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].valid && ((m[i].has_average && milli_lossy(m[i].average_milli)) ||
		    (m[i].has_value && milli_lossy(m[i].value_milli))))
			return true;
	return false;
}

/*
 * Whether a row of l's parts and one of r's (limited and reason its text
 * columns), whose parts differ (hz_last_eq), could print the same: their
 * columns print their parts one to one (integers in decimal, the
 * proposals as JSON of exactly what metric_row_eq compares, the texts as
 * they are, joined by a separator none holds) but where limited is cut to
 * its room, a text holds the separator, or an average or value prints
 * through a double.
 */
static bool
hz_row_may_alias(const struct hz_last *l, const struct hpa_result *r, const char *limited,
    const char *reason)
{
	return strlen(limited) >= sizeof l->limited - 1 || strchr(limited, '\x1f') != NULL ||
	    strchr(reason, '\x1f') != NULL || strchr(l->limited, '\x1f') != NULL ||
	    strchr(l->reason.data, '\x1f') != NULL || metrics_lossy(l->metrics, l->nmetrics) ||
	    metrics_lossy(r->metrics, r->nmetrics);
}

void
hz_row(struct cluster *c, const char *name, struct hz_last *l,
    const struct hpa_result *r, sim_ns now, struct hz_row_texts *t)
{
	const char *limited = row_limited(r), *reason = row_reason(r);
	bool emit = !c->t.hpa_rows_on_change;
	if (!hz_last_eq(l, r, limited, reason)) {
		/* onChange: a first row, or parts that differ, is a new
		 * row but where they could print the same (then compared) */
		bool compare = c->t.hpa_rows_on_change && l->set &&
		    hz_row_may_alias(l, r, limited, reason);
		if (compare)
			hz_row_text(l, &t->row_was);
		hz_last_store(l, r, limited, reason);
		proposals_json(r, &t->props, &l->props);
		emit = true;
		if (compare) {
			hz_row_text(l, &t->row);
			emit = t->row.len != t->row_was.len ||
			    memcmp(t->row.data, t->row_was.data, t->row.len) != 0;
		}
	}
	if (emit)
		hz_emit(c, name, l, now);
}
