/*
 * test_cronjob.c - models/controller/cronjob.h against rules read from
 * upstream (robfig/cron v3 parser and SpecSchedule.Next as Kubernetes uses
 * them; pkg/controller/cronjob utils.go and syncCronJob). No fidelity
 * vectors exist for CronJob: every expected value here was worked out by
 * hand from those rules (dates checked against the Gregorian calendar).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "models/controller/cronjob.h"
#include "tests/testlib.h"

#define T(y, mo, d, h, mi, s)	cron_time(y, mo, d, h, mi, s)
#define SEC			CRON_SEC
#define MIN			(60 * CRON_SEC)
#define HOUR			(3600 * CRON_SEC)

static struct cron_schedule
parse(const char *spec)
{
	struct cron_schedule s;
	char *cause = NULL;
	if (cron_parse(spec, &s, &cause) != 0) {
		FAILF("parse \"%s\": %s", spec, cause ? cause : "");
		free(cause);
		memset(&s, 0, sizeof s);
	} else
		PASS();
	return s;
}

static void
check_bad(const char *spec, const char *words)
{
	struct cron_schedule s;
	char *cause = NULL;
	int rc = cron_parse(spec, &s, &cause);
	if (rc == 0) {
		FAILF("\"%s\" parsed, want an error", spec);
		return;
	}
	if (cause != NULL && strstr(cause, words) != NULL)
		PASS();
	else
		FAILF("\"%s\": cause \"%s\" lacks \"%s\"", spec, cause ? cause : "", words);
	free(cause);
}

static void
check_next(const char *spec, int64_t from, int64_t want)
{
	struct cron_schedule s = parse(spec);
	int64_t got = cron_next(&s, from);
	if (got == want)
		PASS();
	else {
		int64_t y;
		int mo, d, h, mi, se, wd;
		cron_civil(got, &y, &mo, &d, &h, &mi, &se, &wd);
		FAILF("next(\"%s\") = %04lld-%02d-%02d %02d:%02d:%02d (ns %lld), want ns %lld",
		    spec, (long long)y, mo, d, h, mi, se, (long long)got, (long long)want);
	}
}

static void
test_calendar(void)
{
	CHECK_INT(T(1970, 1, 1, 0, 0, 0), 0);
	CHECK_INT(T(2024, 5, 14, 0, 0, 0), INT64_C(1715644800) * SEC);
	CHECK_INT(T(2000, 3, 1, 0, 0, 0), INT64_C(951868800) * SEC);
	CHECK_INT(T(1900, 3, 1, 0, 0, 0), INT64_C(-2203891200) * SEC);
	CHECK_INT(T(2024, 13, 1, 0, 0, 0), T(2025, 1, 1, 0, 0, 0));	/* month overflow */
	int64_t y;
	int mo, d, h, mi, s, wd;
	cron_civil(T(2024, 2, 29, 23, 59, 58), &y, &mo, &d, &h, &mi, &s, &wd);
	CHECK_INT(y, 2024);
	CHECK_INT(mo, 2);
	CHECK_INT(d, 29);
	CHECK_INT(h * 3600 + mi * 60 + s, 23 * 3600 + 59 * 60 + 58);
	CHECK_INT(wd, 4);		/* a Thursday */
	cron_civil(T(2024, 5, 14, 0, 0, 0), &y, &mo, &d, &h, &mi, &s, &wd);
	CHECK_INT(wd, 2);		/* a Tuesday */
}

static void
test_parse(void)
{
	check_bad("", "empty spec");
	check_bad("* * * *", "expected exactly 5 fields, found 4");
	check_bad("0 * * * * *", "expected exactly 5 fields, found 6");
	check_bad("60 * * * *", "above maximum");
	check_bad("* 24 * * *", "above maximum");
	check_bad("* * 0 * *", "below minimum");
	check_bad("* * * 13 *", "above maximum");
	check_bad("* * * * 7", "above maximum");
	check_bad("*/0 * * * *", "positive number");
	check_bad("5-1 * * * *", "beyond end of range");
	check_bad("1-2-3 * * * *", "too many hyphens");
	check_bad("*/5/2 * * * *", "too many slashes");
	check_bad("a * * * *", "failed to parse int");
	check_bad("-1 * * * *", "failed to parse int");
	check_bad("@fortnightly", "unrecognized descriptor");
	check_bad("@every soon", "failed to parse duration");
	check_bad("TZ=Europe/Paris 0 * * * *", "only UTC");

	struct cron_schedule s = parse("*/15 * * * *");
	CHECK_INT(s.minute, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
	s = parse("5/20 * * * *");		/* N/step is N-max/step */
	CHECK_INT(s.minute, (1ULL << 5) | (1ULL << 25) | (1ULL << 45));
	s = parse("0 0 * JAN,jul MON-fri");
	CHECK_INT(s.month, (1ULL << 1) | (1ULL << 7));
	CHECK_INT(s.dow, 0x3eULL);
	s = parse("? * * * *");
	CHECK(s.minute == (((1ULL << 60) - 1) | (1ULL << 63)));
	s = parse("TZ=UTC 30 2 * * *");
	CHECK_INT(s.hour, 1ULL << 2);
	s = parse("@every 1h30m");
	CHECK(s.every && s.delay == 90 * MIN);
	s = parse("@every 1500ms");		/* whole seconds */
	CHECK(s.every && s.delay == SEC);
	s = parse("@every 10ms");		/* at least a second */
	CHECK(s.every && s.delay == SEC);
}

static void
test_next(void)
{
	check_next("*/5 * * * *", T(2024, 5, 14, 10, 2, 30), T(2024, 5, 14, 10, 5, 0));
	check_next("*/5 * * * *", T(2024, 5, 14, 10, 5, 0), T(2024, 5, 14, 10, 10, 0));
	check_next("@hourly", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 14, 11, 0, 0));
	check_next("@hourly", T(2024, 5, 14, 23, 30, 0), T(2024, 5, 15, 0, 0, 0));
	check_next("@daily", T(2024, 12, 31, 0, 0, 0), T(2025, 1, 1, 0, 0, 0));
	check_next("@weekly", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 19, 0, 0, 0));
	check_next("@monthly", T(2024, 5, 14, 10, 0, 0), T(2024, 6, 1, 0, 0, 0));
	check_next("@yearly", T(2024, 5, 14, 10, 0, 0), T(2025, 1, 1, 0, 0, 0));
	check_next("0 0 29 2 *", T(2023, 3, 1, 0, 0, 0), T(2024, 2, 29, 0, 0, 0));
	check_next("0 0 31 * *", T(2024, 4, 15, 0, 0, 0), T(2024, 5, 31, 0, 0, 0));
	/* dom and dow both restricted: either matches (the 13th or a Friday). */
	check_next("0 0 13 * 5", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 17, 0, 0, 0));
	check_next("0 0 13 * *", T(2024, 5, 14, 10, 0, 0), T(2024, 6, 13, 0, 0, 0));
	check_next("0 0 * * 5", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 17, 0, 0, 0));
	/* A step drops the '*' mark: every other day (1, 3, ... 31) or Fridays. */
	check_next("0 0 */2 * 5", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 15, 0, 0, 0));
	/* A step of 1 keeps it: every day that is also a Friday. */
	check_next("0 0 */1 * 5", T(2024, 5, 14, 10, 0, 0), T(2024, 5, 17, 0, 0, 0));
	check_next("30 6-16/4 * * 1-5", T(2024, 5, 17, 15, 0, 0), T(2024, 5, 20, 6, 30, 0));
	check_next("30 6-16/4 * * 1-5", T(2024, 5, 17, 9, 0, 0), T(2024, 5, 17, 10, 30, 0));
	check_next("0 12 1 */3 *", T(2024, 5, 14, 10, 0, 0), T(2024, 7, 1, 12, 0, 0));
	check_next("@every 90s", T(2024, 5, 14, 10, 0, 0) + SEC / 2, T(2024, 5, 14, 10, 1, 30));
	check_next("59 23 31 2 *", T(2024, 5, 14, 10, 0, 0), CRON_NONE);
}

static struct cron_spec
spec_of(const char *sched, enum cron_concurrency policy, int64_t deadline, int64_t created)
{
	struct cron_spec cj;
	memset(&cj, 0, sizeof cj);
	cj.sched = parse(sched);
	cj.policy = policy;
	cj.starting_deadline_s = deadline;
	cj.created = created;
	return cj;
}

static void
test_most_recent(void)
{
	int64_t e, r;
	enum cron_missed m;
	struct cron_spec cj = spec_of("0 * * * *", CRON_ALLOW, -1, T(2024, 5, 14, 10, 30, 0));
	struct cron_status st = { CRON_NONE, NULL, 0 };
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 11, 30, 0), true, &e, &r, &m), 0);
	CHECK_INT(e, T(2024, 5, 14, 10, 30, 0));
	CHECK_INT(r, T(2024, 5, 14, 11, 0, 0));
	CHECK_INT(m, CRON_NONE_MISSED);		/* one unmet time: not "missed" */

	st.last_schedule = T(2024, 5, 14, 11, 0, 0);
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 11, 30, 0), true, &e, &r, &m), 0);
	CHECK_INT(r, CRON_NONE);

	st.last_schedule = T(2024, 5, 14, 10, 0, 0);
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 13, 5, 0), true, &e, &r, &m), 0);
	CHECK_INT(r, T(2024, 5, 14, 13, 0, 0));
	CHECK_INT(m, CRON_FEW_MISSED);

	/* Over 100 missed minutes. */
	cj = spec_of("* * * * *", CRON_ALLOW, -1, T(2024, 5, 14, 5, 0, 0));
	st.last_schedule = CRON_NONE;
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 10, 0, 30), true, &e, &r, &m), 0);
	CHECK_INT(r, T(2024, 5, 14, 10, 0, 0));
	CHECK_INT(m, CRON_MANY_MISSED);

	/* startingDeadlineSeconds moves the earliest time forward. */
	cj = spec_of("*/5 * * * *", CRON_ALLOW, 200, T(2024, 5, 1, 0, 0, 0));
	st.last_schedule = T(2024, 5, 14, 10, 0, 0);
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 11, 2, 10), true, &e, &r, &m), 0);
	CHECK_INT(e, T(2024, 5, 14, 10, 58, 50));
	CHECK_INT(r, T(2024, 5, 14, 11, 0, 0));
	CHECK_INT(m, CRON_NONE_MISSED);
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 11, 2, 10), false, &e, &r, &m), 0);
	CHECK_INT(e, T(2024, 5, 14, 10, 0, 0));
	CHECK_INT(r, T(2024, 5, 14, 11, 0, 0));
	CHECK_INT(m, CRON_FEW_MISSED);

	/* An impossible date: two activations less than a second apart. */
	cj = spec_of("59 23 31 2 *", CRON_ALLOW, -1, T(2024, 1, 1, 0, 0, 0));
	st.last_schedule = CRON_NONE;
	CHECK_INT(cron_most_recent(&cj, &st, T(2024, 5, 14, 0, 0, 0), true, &e, &r, &m), -1);

	/* Requeue 100 ms after the next activation. */
	cj = spec_of("*/5 * * * *", CRON_ALLOW, -1, T(2024, 5, 1, 0, 0, 0));
	st.last_schedule = T(2024, 5, 14, 10, 5, 0);
	CHECK_INT(cron_requeue_after(&cj, &st, T(2024, 5, 14, 10, 7, 0)),
	    3 * MIN + CRON_NEXT_DELTA);
	CHECK_INT(cron_job_suffix(T(2024, 5, 14, 11, 0, 0)), INT64_C(1715684400) / 60);
}

static void
test_sync(void)
{
	struct cron_decision d;
	int64_t active[1] = { T(2024, 5, 14, 10, 0, 0) };
	struct cron_status none = { T(2024, 5, 14, 10, 0, 0), NULL, 0 };
	struct cron_status busy = { T(2024, 5, 14, 10, 0, 0), active, 1 };
	int64_t now = T(2024, 5, 14, 11, 0, 5);

	struct cron_spec cj = spec_of("0 * * * *", CRON_ALLOW, -1, T(2024, 5, 1, 0, 0, 0));
	cron_sync(&cj, &none, now, &d);
	CHECK(d.create && !d.replace);
	CHECK_INT(d.scheduled, T(2024, 5, 14, 11, 0, 0));
	CHECK_INT(d.requeue_after, T(2024, 5, 14, 12, 0, 0) + CRON_NEXT_DELTA - now);
	CHECK_INT(d.event, CRON_EV_NONE);
	cron_sync(&cj, &busy, now, &d);		/* Allow: runs beside the active one */
	CHECK(d.create && !d.replace);

	cj.policy = CRON_FORBID;
	cron_sync(&cj, &busy, now, &d);
	CHECK(!d.create);
	CHECK_INT(d.event, CRON_EV_ALREADY_ACTIVE);
	CHECK_INT(d.requeue_after, T(2024, 5, 14, 12, 0, 0) + CRON_NEXT_DELTA - now);

	cj.policy = CRON_REPLACE;
	cron_sync(&cj, &busy, now, &d);
	CHECK(d.create && d.replace);

	/* Already started (the active list names the 11:00 Job). */
	int64_t started[1] = { T(2024, 5, 14, 11, 0, 0) };
	struct cron_status lag = { T(2024, 5, 14, 10, 0, 0), started, 1 };
	cj.policy = CRON_ALLOW;
	cron_sync(&cj, &lag, now, &d);
	CHECK(!d.create);

	/* startingDeadlineSeconds: 11:00 is 2 min late; 60 s is too short. */
	now = T(2024, 5, 14, 11, 2, 0);
	cj.starting_deadline_s = 60;
	cron_sync(&cj, &none, now, &d);
	CHECK(!d.create);
	CHECK_INT(d.requeue_after, T(2024, 5, 14, 12, 0, 0) + CRON_NEXT_DELTA - now);
	cj.starting_deadline_s = 300;
	cron_sync(&cj, &none, now, &d);
	CHECK(d.create);
	CHECK_INT(d.scheduled, T(2024, 5, 14, 11, 0, 0));

	cj.suspend = true;
	cron_sync(&cj, &none, now, &d);
	CHECK(!d.create);
	CHECK_INT(d.requeue_after, -1);

	cj = spec_of("59 23 31 2 *", CRON_ALLOW, -1, T(2024, 1, 1, 0, 0, 0));
	cron_sync(&cj, &none, now, &d);
	CHECK(!d.create);
	CHECK_INT(d.event, CRON_EV_INVALID_SCHEDULE);

	cj = spec_of("* * * * *", CRON_ALLOW, -1, T(2024, 5, 14, 8, 0, 0));
	struct cron_status fresh = { CRON_NONE, NULL, 0 };
	cron_sync(&cj, &fresh, T(2024, 5, 14, 11, 0, 10), &d);
	CHECK(d.create);
	CHECK_INT(d.scheduled, T(2024, 5, 14, 11, 0, 0));
	CHECK_INT(d.event, CRON_EV_TOO_MANY_MISSED);
}

static void
test_history(void)
{
	struct cron_job jobs[] = {
		{ "cj-4", T(2024, 5, 14, 4, 0, 0), CRON_JOB_COMPLETE },
		{ "cj-1", T(2024, 5, 14, 1, 0, 0), CRON_JOB_COMPLETE },
		{ "cj-5", T(2024, 5, 14, 5, 0, 0), CRON_JOB_ACTIVE },
		{ "cj-x", CRON_NONE, CRON_JOB_COMPLETE },	/* no start time: kept longest */
		{ "cj-3", T(2024, 5, 14, 3, 0, 0), CRON_JOB_FAILED },
		{ "cj-2", T(2024, 5, 14, 2, 0, 0), CRON_JOB_FAILED },
		{ "cj-0", T(2024, 5, 14, 1, 0, 0), CRON_JOB_COMPLETE },	/* ties by name */
	};
	size_t out[7];
	size_t n = cron_history_to_delete(jobs, 7, CRON_SUCCESSFUL_HISTORY,
	    CRON_FAILED_HISTORY, out);
	CHECK_INT(n, 2);
	CHECK_STR(jobs[out[0]].name, "cj-0");	/* 4 complete, keep 3 */
	CHECK_STR(jobs[out[1]].name, "cj-2");	/* 2 failed, keep 1 */
	CHECK_INT(cron_history_to_delete(jobs, 7, -1, -1, out), 0);
	n = cron_history_to_delete(jobs, 7, 0, -1, out);
	CHECK_INT(n, 4);
	CHECK_STR(jobs[out[3]].name, "cj-x");
}

int
main(void)
{
	test_history();
	test_calendar();
	test_parse();
	test_next();
	test_most_recent();
	test_sync();
	return tl_finish();
}
