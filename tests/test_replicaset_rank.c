/*
 * test_replicaset_rank.c - the scale-down order of
 * models/controller/replicaset_rank.c against upstream's own cases
 * (pkg/controller/controller_utils_test.go TestSortingActivePodsWithRanks:
 * its pods, its equality and inequality pairs with their ranks and gates),
 * plus the log2 bucketing, the API's whole-second times and the
 * pod-deletion-cost annotation's parsing.
 */
#include "config.h"

#include "models/controller/replicaset_rank.h"
#include "tests/testlib.h"

#define SEC	1000000000LL
#define HOUR	(3600 * SEC)

static const int64_t now = 400LL * 24 * HOUR;

/* upstream's pod(name, node, phase, ready, restarts, readySince, created,
 * annotations); a zero time is has_* false. */
static struct rs_rank_pod
pod(bool node, enum rs_rank_phase phase, bool ready, int32_t restarts, bool has_ready,
    int64_t ready_since, bool has_created, int64_t created, int32_t cost)
{
	return (struct rs_rank_pod){ .assigned = node, .phase = phase, .ready = ready,
		.deletion_cost = cost, .has_ready_time = ready && has_ready,
		.ready_time = ready ? ready_since : 0, .restarts = ready ? restarts : 0,
		.has_created = has_created, .created = created };
}

static struct rs_rank_pod
ranked(struct rs_rank_pod p, int rank)
{
	p.rank = rank;
	return p;
}

static void
test_upstream_cases(void)
{
	const int64_t then1month = now - 30LL * 24 * HOUR, then2h = now - 2 * HOUR,
	    then5h = now - 5 * HOUR, then8h = now - 8 * HOUR;
	const struct rs_rank_pod
	    unscheduled = pod(false, RS_RANK_PENDING, false, 0, false, 0, false, 0, 0),
	    pending = pod(true, RS_RANK_PENDING, false, 0, false, 0, false, 0, 0),
	    unknown = pod(true, RS_RANK_UNKNOWN, false, 0, false, 0, false, 0, 0),
	    not_ready = pod(true, RS_RANK_RUNNING, false, 0, false, 0, false, 0, 0),
	    ready_no_ltt = pod(true, RS_RANK_RUNNING, true, 0, false, 0, false, 0, 0),
	    ready_now = pod(true, RS_RANK_RUNNING, true, 0, true, now, true, now, 0),
	    ready_then = pod(true, RS_RANK_RUNNING, true, 0, true, then1month, true,
		then1month, 0),
	    high_restarts = pod(true, RS_RANK_RUNNING, true, 9001, true, now, true, now, 0),
	    now_created_then = pod(true, RS_RANK_RUNNING, true, 0, true, now, true,
		then1month, 0),
	    low_cost = pod(true, RS_RANK_RUNNING, true, 0, true, now, true, then1month, 10),
	    high_cost = pod(true, RS_RANK_RUNNING, true, 0, true, now, true, then1month, 100),
	    unscheduled5h = pod(false, RS_RANK_PENDING, false, 0, true, then5h, true, then5h, 0),
	    unscheduled8h = pod(false, RS_RANK_PENDING, false, 0, true, then8h, true, then8h, 0),
	    ready2h = pod(false, RS_RANK_RUNNING, true, 0, true, then2h, true, then1month, 0),
	    ready5h = pod(false, RS_RANK_RUNNING, true, 0, true, then5h, true, then1month, 0),
	    ready8h = pod(false, RS_RANK_RUNNING, true, 0, true, then8h, true, then1month, 0);

	/* equalityTests: rank 1 each, both gates on */
	struct { struct rs_rank_pod a, b; } eq[] = {
		{ unscheduled, unscheduled }, { pending, pending }, { unknown, unknown },
		{ not_ready, not_ready }, { now_created_then, now_created_then },
		{ ready_now, ready_now }, { ready_then, ready_then },
		{ high_restarts, high_restarts }, { now_created_then, now_created_then },
		{ unscheduled5h, unscheduled8h }, { ready5h, ready8h },
	};
	struct rs_rank_opts on = rs_rank_defaults(now);
	for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
		struct rs_rank_pod a = ranked(eq[i].a, 1), b = ranked(eq[i].b, 1);
		CHECK(!rs_rank_less(&on, &a, &b));
		CHECK(!rs_rank_less(&on, &b, &a));
	}

	/* inequalityTests: lesser, its rank, greater, its rank, gates */
	struct {
		struct rs_rank_pod lesser;
		int lr;
		struct rs_rank_pod greater;
		int gr;
		bool no_cost, no_log;
	} lt[] = {
		{ unscheduled, 1, pending, 2, false, false },
		{ unscheduled, 2, pending, 1, false, false },
		{ pending, 1, unknown, 2, false, false },
		{ unknown, 1, not_ready, 2, false, false },
		{ not_ready, 1, ready_no_ltt, 1, false, false },
		{ ready_no_ltt, 1, ready_now, 1, false, false },
		{ ready_now, 2, ready_no_ltt, 1, false, false },
		{ ready_now, 1, ready_then, 1, false, false },
		{ ready_now, 2, ready_then, 1, false, false },
		{ high_restarts, 1, ready_now, 1, false, false },
		{ ready_now, 2, high_restarts, 1, false, false },
		{ ready_now, 1, now_created_then, 1, false, false },
		{ now_created_then, 2, ready_now, 1, false, false },
		{ low_cost, 2, high_cost, 1, false, false },
		{ high_cost, 2, low_cost, 1, true, false },
		{ ready2h, 1, ready5h, 1, false, false },
	};
	for (size_t i = 0; i < sizeof lt / sizeof lt[0]; i++) {
		struct rs_rank_opts o = rs_rank_defaults(now);
		o.pod_deletion_cost = !lt[i].no_cost;
		o.logarithmic_scale_down = !lt[i].no_log;
		struct rs_rank_pod a = ranked(lt[i].lesser, lt[i].lr);
		struct rs_rank_pod b = ranked(lt[i].greater, lt[i].gr);
		if (!rs_rank_less(&o, &a, &b))
			fprintf(stderr, "inequality case %zu: lesser not less\n", i);
		CHECK(rs_rank_less(&o, &a, &b));
		CHECK(!rs_rank_less(&o, &b, &a));
	}

	/* Without LogarithmicScaleDown the 5- and 8-hour pods differ: newer first. */
	struct rs_rank_opts off = rs_rank_defaults(now);
	off.logarithmic_scale_down = false;
	struct rs_rank_pod a = ranked(ready5h, 1), b = ranked(ready8h, 1);
	CHECK(rs_rank_less(&off, &a, &b));
	CHECK(!rs_rank_less(&off, &b, &a));
	a = ranked(unscheduled5h, 1), b = ranked(unscheduled8h, 1);
	CHECK(rs_rank_less(&off, &a, &b));
	/* With it, a tie of buckets goes to the lower UID, before restarts. */
	a = ranked(ready5h, 1), b = ranked(ready8h, 1);
	a.uid = 7, b.uid = 3, b.restarts = 5;
	CHECK(rs_rank_less(&on, &b, &a));
	CHECK(!rs_rank_less(&on, &a, &b));
	/* Equal ready times fall through to restarts, then creation. */
	a = ranked(ready_now, 1), b = ranked(ready_now, 1);
	a.restarts = 1;
	CHECK(rs_rank_less(&on, &a, &b));
	/* No Now: plain comparison. */
	struct rs_rank_opts nonow = rs_rank_defaults(now);
	nonow.has_now = false;
	a = ranked(ready5h, 1), b = ranked(ready8h, 1);
	CHECK(rs_rank_less(&nonow, &a, &b));
}

static void
test_log_buckets(void)
{
	/* int64(math.Log2(float64(d))): 2^k ns is bucket k, 2^k - 1 is k - 1. */
	CHECK_INT(rs_rank_log_diff(now - 1, now, now), 0 - (-1));
	CHECK_INT(rs_rank_log_diff(now, now + 5, now), 0);	/* both -1 */
	CHECK_INT(rs_rank_log_diff(now - (1LL << 40), now - ((1LL << 40) - 1), now), 1);
	CHECK_INT(rs_rank_log_diff(now - (1LL << 40), now - ((1LL << 41) - 1), now), 0);
	CHECK_INT(rs_rank_log_diff(now - 2 * HOUR, now - 5 * HOUR, now), 42 - 44);
	CHECK_INT(rs_rank_log_diff(now - 5 * HOUR, now - 8 * HOUR, now), 0);
	CHECK_INT(rs_rank_log_diff(now - 30LL * 24 * HOUR, now, now), 51 - (-1));
	/* whole seconds as metav1.Time keeps them */
	CHECK_INT(rs_rank_api_time(1999999999), SEC);
	CHECK_INT(rs_rank_api_time(2 * SEC), 2 * SEC);
	CHECK_INT(rs_rank_api_time(0), 0);
	CHECK_INT(rs_rank_api_time(-1), -SEC);
}

static void
test_deletion_cost(void)
{
	int32_t c;
	CHECK_INT(rs_rank_parse_deletion_cost("10", &c), 0);
	CHECK_INT(c, 10);
	CHECK_INT(rs_rank_parse_deletion_cost("-100", &c), 0);
	CHECK_INT(c, -100);
	CHECK_INT(rs_rank_parse_deletion_cost("0", &c), 0);
	CHECK_INT(c, 0);
	CHECK_INT(rs_rank_parse_deletion_cost("2147483647", &c), 0);
	CHECK_INT(c, 2147483647);
	CHECK_INT(rs_rank_parse_deletion_cost("-2147483648", &c), 0);
	CHECK_INT(c, -2147483648LL);
	CHECK_INT(rs_rank_parse_deletion_cost("-007", &c), 0);	/* ParseInt takes it */
	CHECK_INT(c, -7);
	const char *bad[] = { "", "+10", "008", "00", "-", "1.5", "2147483648",
		"-2147483649", "10a", " 1", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = 99;
		CHECK_INT(rs_rank_parse_deletion_cost(bad[i], &c), -1);
		CHECK_INT(c, 0);
	}
}

int
main(void)
{
	test_upstream_cases();
	test_log_buckets();
	test_deletion_cost();
	return tl_finish();
}
