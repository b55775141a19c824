/*
 * ctrl.c - int-or-percent values for the workload controllers: parsing
 * "N" / "N%" and scaling a percent against a total with upstream's rounding.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/ctrl.h"

int
ctrl_intpct_parse(const char *s, struct ctrl_intpct *out)
{
	memset(out, 0, sizeof *out);
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || v > INT32_MAX)
		return -1;
	if (*end == '%') {
		out->pct = true;
		end++;
	}
	if (*end != '\0')
		return -1;
	out->set = true;
	out->value = (int32_t)v;
	return 0;
}

int32_t
ctrl_scaled_value(const struct ctrl_intpct *v, int32_t total, bool round_up)
{
	if (!v->set)
		return 0;
	if (!v->pct)
		return v->value;
	int64_t prod = (int64_t)v->value * total;
	if (round_up)
		return (int32_t)((prod + 99) / 100);
	return (int32_t)(prod / 100);
}
