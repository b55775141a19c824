/*
 * html.h - `kubesim report`: one self-contained HTML page per run (summary
 * table, gnuplot plots inlined as data: URIs, event marks on the time axis)
 * and an index page across runs. Reads only the results database; gnuplot
 * is run as a child process when it is installed.
 */
#ifndef KS_HTML_H
#define KS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/report.h"

struct html_opts {
	const char	*dir;		/* output directory (created) */
	const int64_t	*runs;		/* runs to report; NULL/0: every run */
	size_t		 nruns;
	const char	*gnuplot;	/* gnuplot program; NULL: none (data and scripts only) */
	bool		 png;		/* PNG plots instead of SVG */
	double		 slo_p99_ms, slo_availability;	/* for minutes out of SLO */
};

/* Finds gnuplot: $KUBESIM_GNUPLOT if set ("" or "none" = no gnuplot), else
 * "gnuplot" on PATH. Returns a path (caller frees) or NULL. */
char *html_find_gnuplot(void);

/* Writes the report. Returns the number of run pages written, or -1 with
 * *cause (a missing run, an unwritable directory, gnuplot failing). */
int html_report(struct rpt *r, const struct html_opts *o, char **cause);

#endif
