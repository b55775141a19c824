/*
 * cronjob.c - cron schedules as Kubernetes' CronJob controller reads them
 * (robfig/cron v3 ParseStandard and SpecSchedule.Next, in UTC) and the
 * controller's schedule decisions (utils.go mostRecentScheduleTime,
 * nextScheduleTime, nextScheduleTimeDuration; controllerv2.go syncCronJob).
 * The civil calendar uses days-from-civil arithmetic on Unix seconds.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models/controller/cronjob.h"
#include "sim/util/util.h"

#define STAR_BIT	(UINT64_C(1) << 63)

/* ---- the civil calendar (UTC) ---------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct civil {
	int64_t	year;
	int	month, day, hour, minute, second, weekday;
};

static struct civil
civil_of(int64_t secs)
{
	struct civil c;
	int64_t z = floor_div(secs, 86400), rem = secs - z * 86400;
	c.hour = (int)(rem / 3600);
	c.minute = (int)(rem % 3600 / 60);
	c.second = (int)(rem % 60);
	c.weekday = (int)(((z % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c.year = yoe + era * 400 + (c.month <= 2);
	return c;
}

static int64_t
secs_of(int64_t y, int mo, int d, int h, int mi, int s)
{
	/* Months may overflow by any amount; days, hours... are linear. */
	y += floor_div(mo - 1, 12);
	mo = (int)(mo - 1 - floor_div(mo - 1, 12) * 12) + 1;
	return days_from_civil(y, mo, 1) * 86400 + (int64_t)(d - 1) * 86400 +
	    (int64_t)h * 3600 + (int64_t)mi * 60 + s;
}

void
cron_civil(int64_t t, int64_t *year, int *month, int *day, int *hour, int *minute,
    int *second, int *weekday)
{
	struct civil c = civil_of(floor_div(t, CRON_SEC));
	*year = c.year;
	*month = c.month;
	*day = c.day;
	*hour = c.hour;
	*minute = c.minute;
	*second = c.second;
	*weekday = c.weekday;
}

int64_t
cron_time(int64_t year, int month, int day, int hour, int minute, int second)
{
	return secs_of(year, month, day, hour, minute, second) * CRON_SEC;
}

/* ---- parsing ---------------------------------------------------------------- */

struct bounds {
	unsigned		 min, max;
	const char *const	*names;		/* index = value */
};
static const char *const month_names[] = { "", "jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat",
	NULL };
static const struct bounds b_minute = { 0, 59, NULL },
	b_hour = { 0, 23, NULL }, b_dom = { 1, 31, NULL },
	b_month = { 1, 12, month_names }, b_dow = { 0, 6, dow_names };

static uint64_t
bits(unsigned lo, unsigned hi, unsigned step)
{
	uint64_t b = 0;
	for (unsigned i = lo; i <= hi; i += step)
		b |= UINT64_C(1) << i;
	return b;
}

static uint64_t
all(const struct bounds *r)
{
	return bits(r->min, r->max, 1) | STAR_BIT;
}

/* mustParseInt: a non-negative decimal integer. */
static int
parse_uint(const char *s, size_t len, unsigned *out, char **cause)
{
	char buf[24];
	if (len == 0 || len >= sizeof buf) {
		*cause = xasprintf("failed to parse int from %.*s", (int)len, s);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || !(isdigit((unsigned char)buf[0]) || buf[0] == '-' ||
	    buf[0] == '+')) {
		*cause = xasprintf("failed to parse int from %s", buf);
		return -1;
	}
	if (v < 0) {
		*cause = xasprintf("negative number (%ld) not allowed: %s", v, buf);
		return -1;
	}
	if (v > 1000000) {
		*cause = xasprintf("number too large: %s", buf);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
int_or_name(const char *s, size_t len, const struct bounds *r, unsigned *out, char **cause)
{
	for (size_t i = 0; r->names != NULL && r->names[i] != NULL; i++)
		if (strlen(r->names[i]) == len && len > 0 && strncasecmp(r->names[i], s, len) == 0) {
			*out = (unsigned)i;
			return 0;
		}
	return parse_uint(s, len, out, cause);
}

/* getRange: "*", "?", "a", "a-b", with an optional "/step". */
static int
get_range(const char *e, size_t len, const struct bounds *r, uint64_t *out, char **cause)
{
	const char *slash = memchr(e, '/', len);
	if (slash != NULL && memchr(slash + 1, '/', len - (size_t)(slash + 1 - e)) != NULL) {
		*cause = xasprintf("too many slashes: %.*s", (int)len, e);
		return -1;
	}
	size_t rlen = slash ? (size_t)(slash - e) : len;
	const char *dash = memchr(e, '-', rlen);
	unsigned start, end, step = 1;
	uint64_t extra = 0;
	bool single = dash == NULL;
	if (rlen == 1 && (e[0] == '*' || e[0] == '?')) {
		start = r->min;
		end = r->max;
		extra = STAR_BIT;
	} else {
		if (dash != NULL && memchr(dash + 1, '-', rlen - (size_t)(dash + 1 - e)) != NULL) {
			*cause = xasprintf("too many hyphens: %.*s", (int)len, e);
			return -1;
		}
		if (int_or_name(e, dash ? (size_t)(dash - e) : rlen, r, &start, cause) < 0)
			return -1;
		if (dash == NULL)
			end = start;
		else if (int_or_name(dash + 1, rlen - (size_t)(dash + 1 - e), r, &end, cause) < 0)
			return -1;
	}
	if (slash != NULL) {
		if (parse_uint(slash + 1, len - rlen - 1, &step, cause) < 0)
			return -1;
		if (single)	/* "N/step" means "N-max/step" */
			end = r->max;
		if (step > 1)
			extra = 0;
	}
	if (start < r->min) {
		*cause = xasprintf("beginning of range (%u) below minimum (%u): %.*s", start,
		    r->min, (int)len, e);
		return -1;
	}
	if (end > r->max) {
		*cause = xasprintf("end of range (%u) above maximum (%u): %.*s", end, r->max,
		    (int)len, e);
		return -1;
	}
	if (start > end) {
		*cause = xasprintf("beginning of range (%u) beyond end of range (%u): %.*s",
		    start, end, (int)len, e);
		return -1;
	}
	if (step == 0) {
		*cause = xasprintf("step of range should be a positive number: %.*s", (int)len, e);
		return -1;
	}
	*out = bits(start, end, step) | extra;
	return 0;
}

/* getField: comma-separated ranges, ORed. */
static int
get_field(const char *f, size_t len, const struct bounds *r, uint64_t *out, char **cause)
{
	*out = 0;
	const char *p = f, *end = f + len;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t l = comma ? (size_t)(comma - p) : (size_t)(end - p);
		uint64_t b;
		if (get_range(p, l, r, &b, cause) < 0)
			return -1;
		*out |= b;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* time.ParseDuration for "1h30m", "90s", "1.5h", "500ms". */
static int
parse_duration(const char *s, int64_t *out)
{
	static const struct { const char *u; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
		{ "s", CRON_SEC }, { "m", 60 * CRON_SEC }, { "h", 3600 * CRON_SEC },
	};
	int64_t total = 0;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		char *e;
		double v = strtod(s, &e);
		if (e == s)
			return -1;
		s = e;
		size_t best = 0;
		int64_t unit = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t ul = strlen(units[i].u);
			if (strncmp(s, units[i].u, ul) == 0 && ul > best) {
				best = ul;
				unit = units[i].ns;
			}
		}
		if (best == 0)
			return -1;	/* missing unit */
		s += best;
		total += (int64_t)(v * (double)unit);
	}
	*out = neg ? -total : total;
	return 0;
}

static int
parse_descriptor(const char *d, struct cron_schedule *s, char **cause)
{
	memset(s, 0, sizeof *s);
	s->second = 1;
	s->minute = 1;
	s->hour = 1;
	s->dom = all(&b_dom);
	s->month = all(&b_month);
	s->dow = all(&b_dow);
	if (strcmp(d, "@yearly") == 0 || strcmp(d, "@annually") == 0) {
		s->dom = UINT64_C(1) << 1;
		s->month = UINT64_C(1) << 1;
	} else if (strcmp(d, "@monthly") == 0)
		s->dom = UINT64_C(1) << 1;
	else if (strcmp(d, "@weekly") == 0)
		s->dow = 1;
	else if (strcmp(d, "@daily") == 0 || strcmp(d, "@midnight") == 0)
		;
	else if (strcmp(d, "@hourly") == 0)
		s->hour = all(&b_hour);
	else if (strncmp(d, "@every ", 7) == 0) {
		int64_t dur;
		if (parse_duration(d + 7, &dur) < 0) {
			*cause = xasprintf("failed to parse duration %s: time: invalid duration", d);
			return -1;
		}
		if (dur < CRON_SEC)
			dur = CRON_SEC;
		s->every = true;
		s->delay = dur - dur % CRON_SEC;
	} else {
		*cause = xasprintf("unrecognized descriptor: %s", d);
		return -1;
	}
	return 0;
}

int
cron_parse(const char *spec, struct cron_schedule *out, char **cause)
{
	memset(out, 0, sizeof *out);
	while (spec != NULL && isspace((unsigned char)*spec))
		spec++;
	if (spec == NULL || *spec == '\0') {
		*cause = xstrdup("empty spec string");
		return -1;
	}
	if (strncmp(spec, "TZ=", 3) == 0 || strncmp(spec, "CRON_TZ=", 8) == 0) {
		const char *z = strchr(spec, '=') + 1, *sp = z;
		while (*sp != '\0' && !isspace((unsigned char)*sp))
			sp++;
		size_t zl = (size_t)(sp - z);
		if (!((zl == 3 && strncmp(z, "UTC", 3) == 0) ||
		    (zl == 7 && strncmp(z, "Etc/UTC", 7) == 0))) {
			*cause = xasprintf("provided bad location %.*s: only UTC is simulated",
			    (int)zl, z);
			return -1;
		}
		spec = sp;
		while (isspace((unsigned char)*spec))
			spec++;
	}
	if (*spec == '@')
		return parse_descriptor(spec, out, cause);
	const char *f[6];
	size_t fl[6], n = 0;
	for (const char *p = spec; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		const char *q = p;
		while (*q != '\0' && !isspace((unsigned char)*q))
			q++;
		if (n < 6) {
			f[n] = p;
			fl[n] = (size_t)(q - p);
		}
		n++;
		p = q;
	}
	if (n != 5) {
		*cause = xasprintf("expected exactly 5 fields, found %zu: %s", n, spec);
		return -1;
	}
	out->second = 1;
	if (get_field(f[0], fl[0], &b_minute, &out->minute, cause) < 0 ||
	    get_field(f[1], fl[1], &b_hour, &out->hour, cause) < 0 ||
	    get_field(f[2], fl[2], &b_dom, &out->dom, cause) < 0 ||
	    get_field(f[3], fl[3], &b_month, &out->month, cause) < 0 ||
	    get_field(f[4], fl[4], &b_dow, &out->dow, cause) < 0)
		return -1;
	return 0;
}

/* ---- next activation ----------------------------------------------------- */

static bool
has(uint64_t set, int v)
{
	return (set >> v) & 1;
}

static bool
day_matches(const struct cron_schedule *s, const struct civil *c)
{
	bool dom = has(s->dom, c->day), dow = has(s->dow, c->weekday);
	if ((s->dom & STAR_BIT) || (s->dow & STAR_BIT))
		return dom && dow;
	return dom || dow;
}

int64_t
cron_next(const struct cron_schedule *s, int64_t t_ns)
{
	if (t_ns == CRON_NONE)
		return CRON_NONE;
	if (s->every) {
		int64_t frac = t_ns - floor_div(t_ns, CRON_SEC) * CRON_SEC;
		return t_ns + s->delay - frac;
	}
	int64_t t = floor_div(t_ns, CRON_SEC) + 1;
	struct civil c = civil_of(t);
	bool added = false;
	int64_t year_limit = c.year + 5;
wrap:
	c = civil_of(t);
	if (c.year > year_limit)
		return CRON_NONE;
	while (!has(s->month, c.month)) {
		if (!added) {
			added = true;
			t = secs_of(c.year, c.month, 1, 0, 0, 0);
			c = civil_of(t);
		}
		t = secs_of(c.year, c.month + 1, c.day, c.hour, c.minute, c.second);
		c = civil_of(t);
		if (c.month == 1)
			goto wrap;
	}
	while (!day_matches(s, &c)) {
		if (!added) {
			added = true;
			t = secs_of(c.year, c.month, c.day, 0, 0, 0);
		}
		t += 86400;
		c = civil_of(t);
		if (c.day == 1)
			goto wrap;
	}
	while (!has(s->hour, c.hour)) {
		if (!added) {
			added = true;
			t = secs_of(c.year, c.month, c.day, c.hour, 0, 0);
		}
		t += 3600;
		c = civil_of(t);
		if (c.hour == 0)
			goto wrap;
	}
	while (!has(s->minute, c.minute)) {
		if (!added) {
			added = true;
			t -= c.second;
		}
		t += 60;
		c = civil_of(t);
		if (c.minute == 0)
			goto wrap;
	}
	while (!has(s->second, c.second)) {
		if (!added)
			added = true;
		t += 1;
		c = civil_of(t);
		if (c.second == 0)
			goto wrap;
	}
	return t * CRON_SEC;
}

/* ---- the controller's schedule arithmetic --------------------------------- */

int
cron_most_recent(const struct cron_spec *cj, const struct cron_status *st, int64_t now,
    bool include_deadline, int64_t *earliest, int64_t *recent, enum cron_missed *missed)
{
	const struct cron_schedule *s = &cj->sched;
	int64_t e = st->last_schedule != CRON_NONE ? st->last_schedule : cj->created;
	*missed = CRON_NONE_MISSED;
	*recent = CRON_NONE;
	if (include_deadline && cj->starting_deadline_s >= 0) {
		int64_t dl = now - cj->starting_deadline_s * CRON_SEC;
		if (dl > e)
			e = dl;
	}
	*earliest = e;
	int64_t t1 = cron_next(s, e), t2 = cron_next(s, t1);
	if (t1 != CRON_NONE && now < t1)
		return 0;
	if (t2 != CRON_NONE && now < t2) {
		*recent = t1;
		return 0;
	}
	/* Time between two activations, rounded to whole seconds. */
	int64_t between = t1 == CRON_NONE || t2 == CRON_NONE ? 0 :
	    floor_div(t2 - t1 + CRON_SEC / 2, CRON_SEC);
	if (between < 1)
		return -1;
	int64_t elapsed = (now - t1) / CRON_SEC;
	int64_t n = elapsed / between + 1;
	int64_t t = cron_next(s, t1 + (n - 2) * between * CRON_SEC);
	for (; t != CRON_NONE && t <= now; t = cron_next(s, t))
		*recent = t;
	if (n > CRON_MANY_MISSED_LIMIT)
		*missed = CRON_MANY_MISSED;
	else if (n > 0)
		*missed = CRON_FEW_MISSED;
	return 0;
}

int64_t
cron_requeue_after(const struct cron_spec *cj, const struct cron_status *st, int64_t now)
{
	int64_t earliest, recent;
	enum cron_missed missed;
	if (cron_most_recent(cj, st, now, false, &earliest, &recent, &missed) < 0)
		recent = now;
	else if (recent == CRON_NONE)
		recent = earliest;
	int64_t next = cron_next(&cj->sched, recent);
	if (next == CRON_NONE)
		return -1;
	return next + CRON_NEXT_DELTA - now;
}

int64_t
cron_job_suffix(int64_t scheduled)
{
	return floor_div(floor_div(scheduled, CRON_SEC), 60);
}

void
cron_sync(const struct cron_spec *cj, const struct cron_status *st, int64_t now,
    struct cron_decision *out)
{
	memset(out, 0, sizeof *out);
	out->scheduled = CRON_NONE;
	out->requeue_after = -1;
	if (cj->suspend)
		return;
	int64_t earliest, recent;
	enum cron_missed missed;
	if (cron_most_recent(cj, st, now, true, &earliest, &recent, &missed) < 0) {
		out->event = CRON_EV_INVALID_SCHEDULE;
		return;
	}
	out->requeue_after = cron_requeue_after(cj, st, now);
	if (recent == CRON_NONE || recent > now)
		return;
	if (missed == CRON_MANY_MISSED)
		out->event = CRON_EV_TOO_MANY_MISSED;
	out->scheduled = recent;
	if (cj->starting_deadline_s >= 0 && recent + cj->starting_deadline_s * CRON_SEC < now) {
		out->event = CRON_EV_MISS_SCHEDULE;
		return;
	}
	bool processed = st->last_schedule == recent;
	for (size_t i = 0; i < st->nactive && !processed; i++)
		processed = cron_job_suffix(st->active[i]) == cron_job_suffix(recent);
	if (processed)
		return;
	if (cj->policy == CRON_FORBID && st->nactive > 0) {
		out->event = CRON_EV_ALREADY_ACTIVE;
		return;
	}
	out->replace = cj->policy == CRON_REPLACE && st->nactive > 0;
	out->create = true;
	/* The requeue is computed with lastScheduleTime = scheduled. */
	struct cron_status after = { recent, NULL, 0 };
	out->requeue_after = cron_requeue_after(cj, &after, now);
}

/* byJobStartTime: jobs with a start time first, earliest first, then name. */
static bool
started_before(const struct cron_job *a, const struct cron_job *b)
{
	if ((a->start_time == CRON_NONE) != (b->start_time == CRON_NONE))
		return b->start_time == CRON_NONE;
	if (a->start_time != b->start_time)
		return a->start_time < b->start_time;
	return strcmp(a->name ? a->name : "", b->name ? b->name : "") < 0;
}

static size_t
remove_oldest(const struct cron_job *jobs, size_t n, enum cron_job_state state,
    int32_t limit, size_t *out)
{
	if (limit < 0)
		return 0;
	size_t *idx = xcalloc(n + 1, sizeof *idx), k = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == state)
			idx[k++] = i;
	size_t del = k > (size_t)limit ? k - (size_t)limit : 0;
	for (size_t i = 1; i < k; i++)		/* insertion sort: histories are short */
		for (size_t j = i; j > 0 && started_before(&jobs[idx[j]], &jobs[idx[j - 1]]); j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	memcpy(out, idx, del * sizeof *out);
	free(idx);
	return del;
}

size_t
cron_history_to_delete(const struct cron_job *jobs, size_t n, int32_t succeeded_limit,
    int32_t failed_limit, size_t *out)
{
	size_t k = remove_oldest(jobs, n, CRON_JOB_COMPLETE, succeeded_limit, out);
	return k + remove_oldest(jobs, n, CRON_JOB_FAILED, failed_limit, out + k);
}
