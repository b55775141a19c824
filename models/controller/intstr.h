/*
 * intstr.h - Kubernetes' IntOrString for the controllers' int-or-percent
 * fields (maxSurge, maxUnavailable, minAvailable): parsing as
 * k8s.io/apimachinery/pkg/util/intstr does and GetScaledValueFromIntOrPercent
 * with its rounding (each caller picks up or down; see deployment.h, disruption.h).
 */
#ifndef KS_INTSTR_H
#define KS_INTSTR_H

#include <stdbool.h>
#include <stdint.h>

enum intstr_kind { INTSTR_UNSET = 0, INTSTR_INT, INTSTR_PERCENT };

struct intstr {
	enum intstr_kind	kind;	/* INTSTR_UNSET: a nil field */
	int32_t			value;	/* the int, or the percent for "25%" */
};

static inline struct intstr intstr_int(int32_t v) { return (struct intstr){ INTSTR_INT, v }; }
static inline struct intstr intstr_pct(int32_t v) { return (struct intstr){ INTSTR_PERCENT, v }; }

/*
 * A string value: "N%" (N as strconv.Atoi reads it: optional sign, decimal
 * digits) is a percentage; anything else is an error (-1), as upstream's
 * "invalid type: string is not a percentage" / "invalid value".
 */
int intstr_parse_string(const char *s, struct intstr *out);
/* "3" (a non-negative decimal int) or "25%": what a manifest or a vector
 * writes; -1 on anything else. */
int intstr_parse(const char *s, struct intstr *out);

/*
 * GetScaledValueFromIntOrPercent: an int is returned as is; a percentage is
 * value*total/100 rounded up (ceil) or down (floor), computed exactly in
 * integers. An unset value is an error (-1) as upstream's nil case; callers
 * that default nil to 0 (ValueOrDefault) do so before calling.
 */
int intstr_scaled(const struct intstr *v, int32_t total, bool round_up, int32_t *out);
/* The same, with an unset value giving 0. */
static inline int32_t
intstr_scaled_or_zero(const struct intstr *v, int32_t total, bool round_up)
{
	int32_t out = 0;
	if (v->kind != INTSTR_UNSET)
		intstr_scaled(v, total, round_up, &out);
	return out;
}

#endif
