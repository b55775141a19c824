/*
 * view.h - kubectl-like views of a run from its rows: `kubesim events` (the
 * event log with TYPE and OBJECT as kubectl prints them) and `kubesim
 * describe` (an object's state at a time and the events that explain it).
 * Reads only the results database (reports/schema.sql).
 */
#ifndef KS_VIEW_H
#define KS_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "reports/report.h"

struct rpt_event_filter {
	int64_t		 run_id;
	const char	*kind;		/* reason ('NodeNotReady') or object kind ('pod'); NULL: any */
	const char	*object;	/* 'name' or 'kind/name'; NULL: any */
	double		 since, until;	/* simulated seconds, inclusive; until < 0: no limit */
};

/* The Normal/Warning type and the object kind of an event reason, as
 * kubectl would show them ("pod", "node", "deployment", "hpa", or NULL when
 * the reason does not say). */
const char *view_event_type(const char *reason);
const char *view_event_object_kind(const char *reason);

/* Prints the events of f->run_id that pass f, oldest first, under the
 * columns LAST SEEN, TYPE, REASON, OBJECT, MESSAGE. Returns the number of
 * events printed, or -1 with *cause. */
int64_t view_events_print(struct rpt *r, const struct rpt_event_filter *f, FILE *out,
    char **cause);

/*
 * Prints `kubectl describe`-like output of the object of kind ("pod",
 * "node", "deployment", "hpa") named name in run_id, as it was at simulated
 * time at (< 0: the end of the run), and its events up to then. An object
 * the run never had is an error (-1, *cause names the nearest one).
 */
int view_describe(struct rpt *r, int64_t run_id, const char *kind, const char *name,
    double at, FILE *out, char **cause);

#endif
