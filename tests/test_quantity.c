/*
 * test_quantity.c - Kubernetes quantities (resource.ParseQuantity with
 * MilliValue/Value rounding away from zero) and Go durations
 * (time.ParseDuration), table-driven: valid values exactly, malformed strings
 * and overflow as errors. Upstream's TestQuantityParseErrors cases included.
 */
#include "config.h"

#include <stdint.h>

#include "scenarios/scenario.h"
#include "tests/testlib.h"

struct qcase {
	const char	*s;
	int		 rc;		/* 0, -1 malformed, -2 overflow */
	int64_t		 want;
};

static const struct qcase milli_cases[] = {
	{ "250m", 0, 250 },
	{ "2", 0, 2000 },
	{ "0.5", 0, 500 },
	{ ".5", 0, 500 },
	{ "5.", 0, 5000 },
	{ "1Ki", 0, 1024000 },
	{ "0.1m", 0, 1 },
	{ "-0.1m", 0, -1 },
	{ "-1", 0, -1000 },
	{ "+1", 0, 1000 },
	{ "1.5Gi", 0, 1610612736000LL },
	{ "100M", 0, 100000000000LL },
	{ "12e6", 0, 12000000000LL },
	{ "1e3", 0, 1000000 },
	{ "1e+3", 0, 1000000 },
	{ "1e-3", 0, 1 },
	{ "1.5E-3", 0, 2 },
	{ "1n", 0, 1 },
	{ "1u", 0, 1 },
	{ "999u", 0, 1 },
	{ "1000u", 0, 1 },
	{ "1001u", 0, 2 },
	{ "0.0000000001", 0, 1 },
	{ "1.0000000001", 0, 1001 },
	{ "1k", 0, 1000000 },
	{ "1Mi", 0, 1048576000LL },
	{ "0", 0, 0 },
	{ "0m", 0, 0 },
	{ "000", 0, 0 },
	{ "-0", 0, 0 },
	{ "0.000", 0, 0 },
	{ "00.25", 0, 250 },
	{ "9223372036854775807m", 0, INT64_MAX },
	{ "9223372036854775808m", -2, 0 },
	{ "9223372036854775807", -2, 0 },
	{ "1E", -2, 0 },			/* exa, 1e21 milli */
	{ "1e", -1, 0 },
	{ "", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "1.1.M", -1, 0 },
	{ "1+1.0M", -1, 0 },
	{ "0.1mi", -1, 0 },
	{ "0.1am", -1, 0 },
	{ "aoeu", -1, 0 },
	{ ".5i", -1, 0 },
	{ "1i", -1, 0 },
	{ "-3.01i", -1, 0 },
	{ "-3.01e-", -1, 0 },
	{ "1K", -1, 0 },
	{ "1ee3", -1, 0 },
	{ "1Mi5", -1, 0 },
	{ "100Mb", -1, 0 },
	{ "1e99999999999", -1, 0 },
};

static const struct qcase value_cases[] = {
	{ "1Gi", 0, 1073741824LL },
	{ "1.5Gi", 0, 1610612736LL },
	{ "5.Gi", 0, 5368709120LL },
	{ "100M", 0, 100000000LL },
	{ "12e6", 0, 12000000LL },
	{ "256Mi", 0, 268435456LL },
	{ "250m", 0, 1 },
	{ "-250m", 0, -1 },
	{ "1.5", 0, 2 },
	{ "-1.5", 0, -2 },
	{ "0.5Ki", 0, 512 },
	{ "1.001Ki", 0, 1026 },
	{ "1Ti", 0, 1099511627776LL },
	{ "1Ei", 0, 1152921504606846976LL },
	{ "7Ei", 0, 8070450532247928832LL },
	{ "8Ei", -2, 0 },
	{ "1e18", 0, 1000000000000000000LL },
	{ "1e19", -2, 0 },
	{ "1e-20", 0, 1 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "9223372036854775808", -2, 0 },
	{ "123456789012345678901234567890e-20", 0, 1234567891 },
	{ "1E", 0, 1000000000000000000LL },
	{ "2G", 0, 2000000000LL },
};

struct dcase {
	const char	*s;
	int		 rc;
	sim_ns		 want;
};

static const struct dcase dur_cases[] = {
	{ "300ms", 0, 300 * SIM_MS },
	{ "1.5h", 0, 5400 * SIM_SEC },
	{ "1h30m", 0, 5400 * SIM_SEC },
	{ "2h45m30.5s", 0, 9930500 * SIM_MS },
	{ "0", 0, 0 },
	{ "+0", 0, 0 },
	{ "-0", 0, 0 },
	{ "0s", 0, 0 },
	{ "1ns", 0, 1 },
	{ "1us", 0, 1000 },
	{ "1\xc2\xb5s", 0, 1000 },
	{ "1\xce\xbcs", 0, 1000 },
	{ "30s", 0, 30 * SIM_SEC },
	{ "5m", 0, 300 * SIM_SEC },
	{ ".5s", 0, 500 * SIM_MS },
	{ "1.s", 0, SIM_SEC },
	{ "0.1s", 0, 100 * SIM_MS },
	{ "1.1h", 0, 3960 * SIM_SEC },
	{ "3m0.5s", 0, 180500 * SIM_MS },
	{ "1.0000000001s", 0, SIM_SEC },
	{ "-1.5h", 0, -5400 * SIM_SEC },
	{ "24h", 0, 24 * SIM_HOUR },
	{ "720h", 0, 720 * SIM_HOUR },
	{ "2562047h47m16.854775807s", 0, INT64_MAX },
	{ "2562047h47m16.854775808s", -1, 0 },
	{ "9223372036854775808ns", -1, 0 },
	{ "", -1, 0 },
	{ "+", -1, 0 },
	{ "1", -1, 0 },
	{ "30", -1, 0 },
	{ "1x", -1, 0 },
	{ "1d", -1, 0 },
	{ ".s", -1, 0 },
	{ "-.s", -1, 0 },
	{ "1h-1m", -1, 0 },
	{ "1h ", -1, 0 },
	{ " 1h", -1, 0 },
	{ "1hh", -1, 0 },
	{ "s", -1, 0 },
};

static void
run_q(const char *what, const struct qcase *c, size_t n, int (*fn)(const char *, int64_t *))
{
	for (size_t i = 0; i < n; i++) {
		int64_t v = -12345;
		int rc = fn(c[i].s, &v);
		if (rc != c[i].rc)
			FAILF("%s(\"%s\"): rc %d, want %d", what, c[i].s, rc, c[i].rc);
		else if (rc == 0 && v != c[i].want)
			FAILF("%s(\"%s\") = %lld, want %lld", what, c[i].s,
			    (long long)v, (long long)c[i].want);
		else
			PASS();
	}
}

int
main(void)
{
	run_q("milli", milli_cases, sizeof milli_cases / sizeof milli_cases[0],
	    scn_quantity_milli);
	run_q("value", value_cases, sizeof value_cases / sizeof value_cases[0],
	    scn_quantity_value);

	int64_t v;
	CHECK_INT(scn_quantity_scaled("1.5e-9", -9, &v), 0);
	CHECK_INT(v, 2);
	CHECK_INT(scn_quantity_scaled("0.05", -9, &v), 0);
	CHECK_INT(v, 50000000);
	CHECK_INT(scn_quantity_scaled("1Ki", 3, &v), 0);	/* ceil(1.024) */
	CHECK_INT(v, 2);

	for (size_t i = 0; i < sizeof dur_cases / sizeof dur_cases[0]; i++) {
		const struct dcase *c = &dur_cases[i];
		sim_ns d = -12345;
		int rc = scn_duration(c->s, &d);
		if (rc != c->rc)
			FAILF("duration(\"%s\"): rc %d, want %d", c->s, rc, c->rc);
		else if (rc == 0 && d != c->want)
			FAILF("duration(\"%s\") = %lld, want %lld", c->s,
			    (long long)d, (long long)c->want);
		else
			PASS();
	}
	return tl_finish();
}
