/*
 * intstr.c - IntOrString parsing and scaling (k8s.io/apimachinery
 * pkg/util/intstr): percentages scaled against a total with exact integer
 * ceil/floor, the rounding each controller chooses.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/controller/intstr.h"

int
intstr_parse_string(const char *s, struct intstr *out)
{
	size_t len = s != NULL ? strlen(s) : 0;
	if (len < 2 || s[len - 1] != '%')
		return -1;
	/* strconv.Atoi: optional sign then at least one digit, nothing else. */
	size_t i = 0;
	if (s[0] == '+' || s[0] == '-')
		i = 1;
	if (i >= len - 1)
		return -1;
	for (size_t j = i; j < len - 1; j++)
		if (s[j] < '0' || s[j] > '9')
			return -1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno != 0 || v < INT32_MIN || v > INT32_MAX)
		return -1;
	out->kind = INTSTR_PERCENT;
	out->value = (int32_t)v;
	return 0;
}

int
intstr_parse(const char *s, struct intstr *out)
{
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	size_t len = strlen(s);
	if (s[len - 1] == '%')
		return intstr_parse_string(s, out);
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT32_MAX)
		return -1;
	*out = intstr_int((int32_t)v);
	return 0;
}

/* Floor and ceiling of a/b for b > 0, exact for negative a. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a > 0) ? q + 1 : q;
}

int
intstr_scaled(const struct intstr *v, int32_t total, bool round_up, int32_t *out)
{
	switch (v->kind) {
	case INTSTR_INT:
		*out = v->value;
		return 0;
	case INTSTR_PERCENT: {
		int64_t p = (int64_t)v->value * total;
		int64_t r = round_up ? ceil_div(p, 100) : floor_div(p, 100);
		if (r > INT32_MAX)
			r = INT32_MAX;
		if (r < INT32_MIN)
			r = INT32_MIN;
		*out = (int32_t)r;
		return 0;
	}
	case INTSTR_UNSET:
	default:
		*out = 0;
		return -1;
	}
}
