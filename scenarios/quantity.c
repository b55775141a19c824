/*
 * quantity.c - Kubernetes quantities ("250m", "1Gi", "1.5E-3") as
 * k8s.io/apimachinery resource.ParseQuantity reads them, and durations as Go's
 * time.ParseDuration reads them. Values are computed exactly on decimal digit
 * strings (no floating point), then rounded away from zero to the asked scale
 * as Quantity.ScaledValue does (MilliValue, Value).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scenario.h"
#include "sim/util/util.h"

/* The decimal SI and binary SI suffixes of suffix.go. */
static const struct {
	const char	*s;
	int		 base;
	int		 exp;
} suffixes[] = {
	{ "n", 10, -9 }, { "u", 10, -6 }, { "m", 10, -3 }, { "", 10, 0 },
	{ "k", 10, 3 }, { "M", 10, 6 }, { "G", 10, 9 }, { "T", 10, 12 },
	{ "P", 10, 15 }, { "E", 10, 18 },
	{ "Ki", 2, 10 }, { "Mi", 2, 20 }, { "Gi", 2, 30 }, { "Ti", 2, 40 },
	{ "Pi", 2, 50 }, { "Ei", 2, 60 },
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* suffix.go interpret: a table suffix, or e/E followed by a signed int. */
static int
interpret_suffix(const char *suf, size_t len, int *base, int64_t *exp)
{
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		if (strlen(suffixes[i].s) == len && strncmp(suffixes[i].s, suf, len) == 0) {
			*base = suffixes[i].base;
			*exp = suffixes[i].exp;
			return 0;
		}
	}
	if (len > 1 && (suf[0] == 'e' || suf[0] == 'E')) {
		/* strconv.ParseInt: an optional sign, then at least one digit. */
		size_t i = 1;
		bool neg = false;
		if (suf[i] == '+' || suf[i] == '-') {
			neg = suf[i] == '-';
			i++;
		}
		if (i >= len)
			return -1;
		int64_t v = 0;
		for (; i < len; i++) {
			if (!is_digit(suf[i]))
				return -1;
			v = v * 10 + (suf[i] - '0');
			if (v > INT32_MAX)	/* upstream keeps an int32 exponent */
				return -1;
		}
		*base = 10;
		*exp = neg ? -v : v;
		return 0;
	}
	return -1;
}

/* Multiplies the decimal digit string d (most significant first, len n,
 * room for n + 19 digits) by 2^k, k <= 60. Returns the new length. */
static size_t
digits_shl(char *d, size_t n, int k)
{
	for (int step = 0; step < k; step++) {
		int carry = 0;
		for (size_t i = n; i-- > 0;) {
			int v = (d[i] - '0') * 2 + carry;
			d[i] = (char)('0' + v % 10);
			carry = v / 10;
		}
		if (carry) {
			memmove(d + 1, d, n);
			d[0] = (char)('0' + carry);
			n++;
		}
	}
	return n;
}

/* Digits (no leading zero) to int64; false when it does not fit. */
static bool
digits_to_i64(const char *d, size_t n, int64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned dig = (unsigned)(d[i] - '0');
		if (v > (UINT64_MAX - dig) / 10)
			return false;
		v = v * 10 + dig;
	}
	if (v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

int
scn_quantity_scaled(const char *str, int scale, int64_t *out)
{
	size_t end = strlen(str), pos = 0;
	if (end == 0)
		return -1;
	if (strcmp(str, "0") == 0) {
		*out = 0;
		return 0;
	}
	/* parseQuantityString: sign, leading zeros, numerator, denominator,
	 * suffix characters, an optional exponent sign and digits. */
	bool positive = true;
	if (str[0] == '-' || str[0] == '+') {
		positive = str[0] == '+';
		pos++;
	}
	while (pos < end && str[pos] == '0')
		pos++;
	if (pos >= end) {
		*out = 0;
		return 0;
	}
	size_t num = pos;
	while (pos < end && is_digit(str[pos]))
		pos++;
	size_t nnum = pos - num, den = pos, nden = 0;
	if (pos < end && str[pos] == '.') {
		pos++;
		den = pos;
		while (pos < end && is_digit(str[pos]))
			pos++;
		nden = pos - den;
	}
	size_t suf = pos;
	while (pos < end && strchr("eEinumkKMGTP", str[pos]) != NULL)
		pos++;
	if (pos < end && (str[pos] == '-' || str[pos] == '+'))
		pos++;
	while (pos < end && is_digit(str[pos]))
		pos++;
	if (pos < end)
		return -1;	/* ErrFormatWrong */
	int base;
	int64_t exp;
	if (interpret_suffix(str + suf, end - suf, &base, &exp) < 0)
		return -1;	/* ErrSuffix */

	/* The value is D * 10^e10 * 2^k with D the numerator and denominator
	 * digits. Strip D's leading zeros (".05" -> "5"). */
	char *d = xmalloc(nnum + nden + 24);
	memcpy(d, str + num, nnum);
	memcpy(d + nnum, str + den, nden);
	size_t n = nnum + nden, lead = 0;
	while (lead < n && d[lead] == '0')
		lead++;
	memmove(d, d + lead, n - lead);
	n -= lead;
	if (n == 0) {
		free(d);
		*out = 0;
		return 0;
	}
	int64_t e10 = -(int64_t)nden;
	if (base == 10)
		e10 += exp;
	else
		n = digits_shl(d, n, (int)exp);
	/* ceil(|v| / 10^scale), rounding away from zero. */
	int64_t e = e10 - scale;
	int64_t v;
	int rc = 0;
	if (e >= 0) {
		if ((int64_t)n + e > 19)
			rc = -2;
		else {
			for (int64_t i = 0; i < e; i++)
				d[n++] = '0';
			if (!digits_to_i64(d, n, &v))
				rc = -2;
		}
	} else if (-e >= (int64_t)n) {
		v = 1;			/* a non-zero fraction rounds up to 1 */
	} else {
		size_t ni = n - (size_t)-e;
		bool frac = false;
		for (size_t i = ni; i < n; i++)
			frac |= d[i] != '0';
		if (!digits_to_i64(d, ni, &v) || (frac && v == INT64_MAX))
			rc = -2;
		else if (frac)
			v++;
	}
	free(d);
	if (rc < 0)
		return rc;
	*out = positive ? v : -v;
	return 0;
}

int
scn_quantity_milli(const char *s, int64_t *out)
{
	return scn_quantity_scaled(s, -3, out);
}

int
scn_quantity_value(const char *s, int64_t *out)
{
	return scn_quantity_scaled(s, 0, out);
}

/* ---- durations: Go's time.ParseDuration ---------------------------------- */

#define POW63 ((uint64_t)1 << 63)

static const struct {
	const char	*u;
	uint64_t	 ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 } /* U+00B5 */,
	{ "\xce\xbcs", 1000 } /* U+03BC */, { "ms", 1000000 },
	{ "s", 1000000000ULL }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
};

int
scn_duration(const char *s, sim_ns *out)
{
	uint64_t d = 0;
	bool neg = false;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		uint64_t v = 0, f = 0;
		double scale = 1;
		if (!(*s == '.' || is_digit(*s)))
			return -1;
		const char *p = s;
		while (is_digit(*s)) {		/* leadingInt */
			if (v > POW63 / 10)
				return -1;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > POW63)
				return -1;
			s++;
		}
		bool pre = s != p, post = false;
		if (*s == '.') {		/* leadingFraction */
			s++;
			p = s;
			bool overflow = false;
			while (is_digit(*s)) {
				if (!overflow) {
					if (f > (POW63 - 1) / 10)
						overflow = true;
					else {
						uint64_t y = f * 10 + (uint64_t)(*s - '0');
						if (y > POW63)
							overflow = true;
						else {
							f = y;
							scale *= 10;
						}
					}
				}
				s++;
			}
			post = s != p;
		}
		if (!pre && !post)
			return -1;
		size_t ul = 0;
		while (s[ul] != '\0' && s[ul] != '.' && !is_digit(s[ul]))
			ul++;
		if (ul == 0)
			return -1;		/* missing unit */
		uint64_t unit = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].u) == ul && strncmp(units[i].u, s, ul) == 0)
				unit = units[i].ns;
		if (unit == 0)
			return -1;		/* unknown unit */
		s += ul;
		if (v > POW63 / unit)
			return -1;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > POW63)
				return -1;
		}
		d += v;
		if (d > POW63)
			return -1;
	}
	if (neg) {
		*out = d == POW63 ? INT64_MIN : -(int64_t)d;
		return 0;
	}
	if (d > POW63 - 1)
		return -1;
	*out = (sim_ns)d;
	return 0;
}
