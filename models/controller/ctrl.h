/*
 * ctrl.h - small pieces shared by the workload controllers' algorithm
 * libraries (models/controller): int-or-percent values and their scaling
 * (intstr.GetScaledValueFromIntOrPercent).
 */
#ifndef KS_CTRL_H
#define KS_CTRL_H

#include <stdbool.h>
#include <stdint.h>

/* An IntOrString that is an integer or "N%". */
struct ctrl_intpct {
	bool	set;		/* false: nil, the caller's default applies */
	bool	pct;		/* value is a percent */
	int32_t	value;
};

/* Parses "3" or "25%"; -1 on anything else (negative values included). */
int ctrl_intpct_parse(const char *s, struct ctrl_intpct *out);
/* The value scaled against total: percents round up or down, integers as
 * they are. An unset value gives 0. */
int32_t ctrl_scaled_value(const struct ctrl_intpct *v, int32_t total, bool round_up);

#endif
