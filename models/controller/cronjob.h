/*
 * cronjob.h - the CronJob controller's schedule algorithms
 * (pkg/controller/cronjob, robfig/cron v3 as Kubernetes uses it) with no
 * simulation state: standard 5-field cron parsing with ranges, steps, lists,
 * names and @descriptors (@every too), the next activation after a time, the
 * most recent unmet schedule time with startingDeadlineSeconds, and one
 * syncCronJob decision under a concurrencyPolicy. Times are Unix nanoseconds
 * in UTC (the simulator adds its start date); no time zones but UTC.
 */
#ifndef KS_CTRL_CRONJOB_H
#define KS_CTRL_CRONJOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRON_NONE	INT64_MIN		/* no time (Go's zero time) */
#define CRON_SEC	INT64_C(1000000000)
#define CRON_NEXT_DELTA	(CRON_SEC / 10)		/* nextScheduleDelta: 100 ms */
#define CRON_MANY_MISSED_LIMIT 100

/* A parsed schedule: bit sets per field (bit 63: the field was '*' or '?'),
 * or a constant delay (@every). */
struct cron_schedule {
	uint64_t	second, minute, hour, dom, month, dow;
	bool		every;
	int64_t		delay;		/* @every: whole seconds, in ns */
};

/* cron.ParseStandard. On error returns -1 and sets *cause (caller frees) to
 * what is wrong, as robfig/cron words it. "TZ=UTC"/"CRON_TZ=UTC" prefixes
 * are accepted; any other zone is refused. */
int cron_parse(const char *spec, struct cron_schedule *out, char **cause);

/* Schedule.Next: the first activation strictly after t (from the next whole
 * second); CRON_NONE when none comes within five years (or t is CRON_NONE). */
int64_t cron_next(const struct cron_schedule *s, int64_t t);

/* The civil date and time (UTC) of t, for tests and reports. */
void cron_civil(int64_t t, int64_t *year, int *month, int *day, int *hour, int *minute,
    int *second, int *weekday);
/* The Unix ns time of a UTC civil date and time (fields may overflow). */
int64_t cron_time(int64_t year, int month, int day, int hour, int minute, int second);

enum cron_missed { CRON_NONE_MISSED = 0, CRON_FEW_MISSED, CRON_MANY_MISSED };
enum cron_concurrency { CRON_ALLOW = 0, CRON_FORBID, CRON_REPLACE };

struct cron_spec {
	struct cron_schedule	sched;
	enum cron_concurrency	policy;
	int64_t			starting_deadline_s;	/* -1 = unset */
	bool			suspend;
	int64_t			created;	/* the CronJob's creationTimestamp */
};

struct cron_status {
	int64_t		 last_schedule;	/* status.lastScheduleTime; CRON_NONE: unset */
	const int64_t	*active;	/* scheduled times of the active Jobs */
	size_t		 nactive;
};

/*
 * mostRecentScheduleTime: *earliest is the last schedule time (or creation
 * time, or now - startingDeadlineSeconds when later and include_deadline);
 * *recent the most recent activation not after now (CRON_NONE: none);
 * *missed how many were missed. Returns -1 when two activations are less
 * than a second apart (an impossible schedule such as Feb 31).
 */
int cron_most_recent(const struct cron_spec *cj, const struct cron_status *st, int64_t now,
    bool include_deadline, int64_t *earliest, int64_t *recent, enum cron_missed *missed);
/* nextScheduleTimeDuration: when to sync again (100 ms after the next
 * activation), as a duration from now. */
int64_t cron_requeue_after(const struct cron_spec *cj, const struct cron_status *st,
    int64_t now);

/* The Job name suffix: the scheduled time in minutes since the epoch. */
int64_t cron_job_suffix(int64_t scheduled);

enum cron_event { CRON_EV_NONE = 0, CRON_EV_INVALID_SCHEDULE, CRON_EV_MISS_SCHEDULE,
	CRON_EV_ALREADY_ACTIVE, CRON_EV_TOO_MANY_MISSED };

struct cron_decision {
	bool		create;		/* start a Job for scheduled */
	bool		replace;	/* first delete every active Job (Replace) */
	int64_t		scheduled;	/* its scheduled time (lastScheduleTime) */
	enum cron_event	event;
	int64_t		requeue_after;	/* ns from now; -1: no requeue (suspended) */
};

/* A Job the CronJob owns, for the history limits. */
enum cron_job_state { CRON_JOB_ACTIVE = 0, CRON_JOB_COMPLETE, CRON_JOB_FAILED };
struct cron_job {
	const char		*name;
	int64_t			 start_time;	/* status.startTime; CRON_NONE: unset */
	enum cron_job_state	 state;
};
#define CRON_SUCCESSFUL_HISTORY	3	/* successfulJobsHistoryLimit default */
#define CRON_FAILED_HISTORY	1	/* failedJobsHistoryLimit default */
/* cleanupFinishedJobs: indices of the finished Jobs to delete, the oldest
 * by start time (then name) beyond each limit (-1: that limit unset). out
 * has room for n; returns how many. */
size_t cron_history_to_delete(const struct cron_job *jobs, size_t n, int32_t succeeded_limit,
    int32_t failed_limit, size_t *out);

/* The scheduling part of one syncCronJob (after the active list has been
 * reconciled with the Jobs that exist). */
void cron_sync(const struct cron_spec *cj, const struct cron_status *st, int64_t now,
    struct cron_decision *out);

#endif
