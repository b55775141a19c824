/*
 * timefmt.c - times for traces: a strptime-like parser (a subset of
 * strptime's conversions plus fractional seconds) that reads a timestamp as
 * int64 nanoseconds since the epoch in UTC, without the C library's locale
 * or time zone, and plain numbers of seconds read exactly to the ns.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/util/util.h"
#include "workloads/traffic_int.h"

#define NS_PER_S	1e9

/* Reads 1..maxd digits into *v; returns the count read (0 = none). */
static int
read_int(const char **sp, int maxd, int64_t *v)
{
	const char *s = *sp;
	int nd = 0;
	*v = 0;
	while (nd < maxd && isdigit((unsigned char)s[nd])) {
		*v = *v * 10 + (s[nd] - '0');
		nd++;
	}
	*sp = s + nd;
	return nd;
}

/* Reads ".digits" (if present) as nanoseconds, truncating past 9 digits. */
static void
read_frac(const char **sp, int64_t *ns)
{
	const char *s = *sp;
	*ns = 0;
	if (*s != '.' || !isdigit((unsigned char)s[1]))
		return;
	s++;
	int64_t scale = 100000000;
	for (; isdigit((unsigned char)*s); s++) {
		*ns += (*s - '0') * scale;
		scale /= 10;
	}
	*sp = s;
}

/* A plain number of seconds ([+-]digits[.digits], or with an exponent) as
 * ns. Returns 0, or -1 when s is not such a number. */
int
wl_time_seconds(const char *s, int64_t *ns)
{
	const char *p = s;
	bool neg = false;
	int64_t whole = 0, frac = 0;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	int nd = read_int(&p, 10, &whole);
	read_frac(&p, &frac);
	if (*p == '\0' && nd > 0) {
		/* Checked before multiplying: ten digits of seconds (up to
		 * 9999999999 s) would wrap int64 nanoseconds. */
		if (whole > WL_TIME_MAX / 1000000000 ||
		    whole * 1000000000 + frac > WL_TIME_MAX)
			return -1;
		*ns = (neg ? -1 : 1) * (whole * 1000000000 + frac);
		return 0;
	}
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(x) ||
	    fabs(x) * NS_PER_S > (double)WL_TIME_MAX)
		return -1;
	*ns = llround(x * NS_PER_S);
	return 0;
}

static const char *const month_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/*
 * Parses s against a strptime-like format (see traffic.h; %T and %F already
 * expanded by wl_time_expand) as ns since the epoch, UTC. Returns 0, or -1
 * when s does not match the format in full.
 */
int
wl_time_parse(const char *fmt, const char *s, int64_t *ns)
{
	int64_t year = 1970, mon = 1, day = 1, hour = 0, min = 0, sec = 0;
	int64_t frac = 0, yday = 0, tz = 0, v, epoch = 0;
	bool have_epoch = false;

	for (const char *f = fmt; *f != '\0'; f++) {
		if (isspace((unsigned char)*f)) {
			while (isspace((unsigned char)*s))
				s++;
			continue;
		}
		if (*f != '%' || f[1] == '%') {
			f += *f == '%';
			if (*s++ != *f)
				return -1;
			continue;
		}
		switch (*++f) {
		case 'Y':
			if (read_int(&s, 4, &year) != 4)
				return -1;
			break;
		case 'y':
			if (read_int(&s, 2, &v) != 2)
				return -1;
			year = v < 69 ? 2000 + v : 1900 + v;
			break;
		case 'm':
			if (read_int(&s, 2, &mon) == 0 || mon < 1 || mon > 12)
				return -1;
			break;
		case 'd':
			if (read_int(&s, 2, &day) == 0 || day < 1 || day > 31)
				return -1;
			break;
		case 'j':
			if (read_int(&s, 3, &yday) == 0 || yday < 1 || yday > 366)
				return -1;
			break;
		case 'H':
			if (read_int(&s, 2, &hour) == 0 || hour > 23)
				return -1;
			break;
		case 'M':
			if (read_int(&s, 2, &min) == 0 || min > 59)
				return -1;
			break;
		case 'S':
			if (read_int(&s, 2, &sec) == 0 || sec > 60)
				return -1;
			read_frac(&s, &frac);
			break;
		case 'b':
		case 'B':
		case 'h': {
			int k;
			for (k = 0; k < 12; k++)
				if (strncasecmp(s, month_names[k], 3) == 0)
					break;
			if (k == 12)
				return -1;
			mon = k + 1;
			s += 3;
			while (isalpha((unsigned char)*s))
				s++;
			break;
		}
		case 'z': {
			if (*s == 'Z') {
				s++;
				break;
			}
			if (*s != '+' && *s != '-')
				return -1;
			int sign = *s++ == '-' ? -1 : 1;
			int64_t hh, mm = 0;
			if (read_int(&s, 2, &hh) != 2)
				return -1;
			if (*s == ':')
				s++;
			if (read_int(&s, 2, &mm) != 2 && mm != 0)
				return -1;
			tz = sign * (hh * 3600 + mm * 60);
			break;
		}
		case 's': {
			const char *p = s;
			bool neg = false;
			if (*p == '+' || *p == '-')
				neg = *p++ == '-';
			if (read_int(&p, 10, &epoch) == 0 ||
			    epoch > WL_TIME_MAX / 1000000000)
				return -1;
			read_frac(&p, &frac);
			if (neg) {
				epoch = -epoch;
				frac = -frac;
			}
			s = p;
			have_epoch = true;
			break;
		}
		default:
			return -1;
		}
	}
	if (*s != '\0')
		return -1;
	if (have_epoch) {
		*ns = epoch * 1000000000 + frac;
		return 0;
	}
	int64_t days;
	if (yday > 0)
		days = ks_days_from_civil(year, 1, 1) + yday - 1;
	else if (day > ks_days_in_month(year, (int)mon))
		return -1;
	else
		days = ks_days_from_civil(year, (int)mon, (int)day);
	int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - tz;
	if (secs > WL_TIME_MAX / 1000000000 || secs < -WL_TIME_MAX / 1000000000)
		return -1;
	*ns = secs * 1000000000 + frac;
	return 0;
}

/* fmt with %T and %F spelled out; the caller frees. */
char *
wl_time_expand(const char *fmt)
{
	struct ks_buf b;
	ks_buf_init(&b);
	for (const char *f = fmt; *f != '\0'; f++) {
		if (f[0] == '%' && f[1] == 'T') {
			ks_buf_puts(&b, "%H:%M:%S");
			f++;
		} else if (f[0] == '%' && f[1] == 'F') {
			ks_buf_puts(&b, "%Y-%m-%d");
			f++;
		} else if (f[0] == '%' && f[1] != '\0') {
			ks_buf_add(&b, f, 2);
			f++;
		} else {
			ks_buf_add(&b, f, 1);
		}
	}
	if (b.data == NULL)
		ks_buf_add(&b, "", 0);
	return ks_buf_take(&b);
}

