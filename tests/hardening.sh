#!/bin/sh
# hardening.sh - inputs built to break kubesim (issue 12): YAML nested past
# the depth limit, aliases that expand without end, huge node pools and zone
# lists (validated in linear time), and SIGINT/SIGTERM honoured within a
# second at any point of a run, however much work one stretch of virtual
# time holds.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/tests/data/harden/base.yaml"

# runs CMD... with a wall-clock limit of $1 seconds; prints the exit status
# (124 when the limit was hit).
within() {
	limit=$1; shift
	timeout "$limit" "$@"
}

# 20,000 levels of nesting (40 KB): refused at the limit, not a stack overflow.
awk 'BEGIN { s = "a: "; for (i = 0; i < 20000; i++) s = s "["; for (i = 0; i < 20000; i++) s = s "]"; print s }' >"$TMP/deep.yaml"
for cmd in validate run; do
	out=""
	[ $cmd = run ] && out="--out $TMP/deep.db"
	within 120 "$KUBESIM" $cmd "$TMP/deep.yaml" $out 2>"$TMP/err" >/dev/null
	check_eq "deep $cmd: exit status" $? 2
	check_contains "deep $cmd: message" "$(cat "$TMP/err")" "deep.yaml:1:259: nested deeper than 256 levels"
done
[ -e "$TMP/deep.db" ] && fail "deep: results file created" || pass
# The same depth in a manifest file and in an hpa-eval case.
cp "$TMP/deep.yaml" "$TMP/deep_case.yaml"
within 120 "$KUBESIM" hpa-eval "$TMP/deep_case.yaml" 2>"$TMP/err" >/dev/null
check_eq "deep hpa-eval: exit status" $? 2
check_contains "deep hpa-eval: message" "$(cat "$TMP/err")" "nested deeper than 256 levels"
# Exactly at the limit is fine for the reader (the scenario then complains
# about the unknown key, with its position).
awk 'BEGIN { s = "a: "; for (i = 0; i < 255; i++) s = s "["; for (i = 0; i < 255; i++) s = s "]"; print s }' >"$TMP/limit.yaml"
"$KUBESIM" validate "$TMP/limit.yaml" 2>"$TMP/err"
check_eq "depth 256: exit status" $? 2
check_contains "depth 256: read, then checked" "$(cat "$TMP/err")" "unknown field 'a'"

# A billion laughs: 9 levels of 10 aliases stand for 10^9 nodes.
{
	echo "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "l$i: &l$i [*l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1)), *l$((i-1))]"
	done
} >"$TMP/laughs.yaml"
within 120 "$KUBESIM" validate "$TMP/laughs.yaml" 2>"$TMP/err"
check_eq "aliases: exit status" $? 2
check_contains "aliases: message" "$(cat "$TMP/err")" "laughs.yaml:6:5: the document's aliases expand to more than"

# 100,000 node pools and 100,000 zones: validated (the duplicate checks
# hash; they were quadratic: hours), and a duplicate is still found. The
# limit only catches a hang, so a loaded machine does not fail it; the
# speed is measured by bench/validate.sh.
awk 'BEGIN { print "nodePools:"; for (i = 0; i < 100000; i++) printf "  - {name: p%d, cpu: \"4\", memory: 8Gi, count: 0}\n", i;
	print "  - {name: default, cpu: \"4\", memory: 8Gi, count: 1}" }' >"$TMP/pools.yaml"
within 300 "$KUBESIM" validate "$TMP/pools.yaml" >/dev/null 2>"$TMP/err"
check_eq "100k pools: exit status" $? 0
sed 's/name: default/name: p99999/' "$TMP/pools.yaml" >"$TMP/pools_dup.yaml"
within 300 "$KUBESIM" validate "$TMP/pools_dup.yaml" 2>"$TMP/err"
check_eq "100k pools, one duplicate: exit status" $? 2
check_contains "duplicate pool found" "$(cat "$TMP/err")" "pools_dup.yaml:100002:12: duplicate node pool name 'p99999'"
awk 'BEGIN { printf "nodePools:\n  - {name: default, cpu: \"4\", memory: 8Gi, count: 1, zones: ["; for (i = 0; i < 100000; i++) printf "z%d, ", i; print "z0]}" }' >"$TMP/zones.yaml"
within 300 "$KUBESIM" validate "$TMP/zones.yaml" 2>"$TMP/err"
check_eq "100k zones, one duplicate: exit status" $? 2
check_contains "duplicate zone found" "$(cat "$TMP/err")" "duplicate zone 'z0'"

# Signals: a run whose result interval is its whole duration (a year), so
# the stop flag is never seen between intervals: the engine's poll must
# still stop it within a second of the signal.
for sig in INT TERM; do
	db="$TMP/sig$sig.db"
	"$KUBESIM" run "$SC" --duration 8760h --set interval=8760h --set tick=8760h \
		--set trafficMode=request --out "$db" -q 2>/dev/null &
	pid=$!
	i=0
	while [ $i -lt 100 ]; do
		n=$(q "$db" "SELECT COUNT(*) FROM runs WHERE status = 'running'" 2>/dev/null || echo 0)
		[ "${n:-0}" -gt 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	kill -$sig $pid
	t0=$(date +%s%N)
	wait $pid
	rc=$?
	t1=$(date +%s%N)
	check_eq "SIG$sig mid-interval: exit status" $rc 130
	# the engine polls for the flag about every 0.1 s of work; up to 5 s
	# of wall time leaves room for a loaded machine (without the poll the
	# run would go on for its simulated year)
	check_range "SIG$sig mid-interval: seconds to stop" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" 0 5
	check_eq "SIG$sig mid-interval: run marked" "$(q "$db" "SELECT status FROM runs")" interrupted
done

# A signal as soon as the runs row exists (during set-up) still marks the
# run interrupted; it is never left 'running'.
db="$TMP/early.db"
for i in 1 2 3 4 5; do
	"$KUBESIM" run "$SC" --duration 8760h --out "$db" -q 2>/dev/null &
	pid=$!
	while ! q "$db" "SELECT 1 FROM runs WHERE run_id = $i" 2>/dev/null | grep -q 1; do
		kill -0 $pid 2>/dev/null || break
	done
	kill -INT $pid
	wait $pid
	check_eq "early SIGINT $i: exit status" $? 130
done
check_eq "early SIGINT: none left running" "$(q "$db" "SELECT COUNT(*) FROM runs WHERE status <> 'interrupted'")" 0
# Quantities near 2^63: NodeResourcesFit scores as the exact integer
# formula gives (int64 products would wrap), requests summed past int64
# saturate (the node is full, preemption finds both victims), start times
# past 2262 order last.
H="$KS_SRCDIR/tests/data/harden"
"$KUBESIM" schedule --cluster "$H/huge-cluster.yaml" --pod "$H/huge-pod.yaml" >"$TMP/out" 2>"$TMP/err"
check_eq "huge allocatable: exit status" $? 0
# cpu (alloc - req) * 100 / alloc = 99, memory 2: (99 + 2) / 2 = 50
check_contains "huge allocatable: fit score" "$(grep '"n1"' "$TMP/out")" '"NodeResourcesFit": {"raw": 50,'
"$KUBESIM" schedule --cluster "$H/huge-full.yaml" --pod "$H/huge-preemptor.yaml" >"$TMP/out" 2>"$TMP/err"
check_eq "requests past int64: exit status" $? 0
check_contains "requests past int64: node full" "$(cat "$TMP/out")" '"Insufficient cpu", "Insufficient memory"'
check_contains "requests past int64: victims" "$(cat "$TMP/out")" '"victims": ["default/a", "default/b"]'
# Counts: requests still in service when the run ends are neither ok nor
# errors; the summary says how many (requests = ok + errors + in_flight) and
# availability is ok / (ok + errors), over the finished ones.
sed -e 's/serviceTime: {dist: lognormal, median: 10ms, sigma: 0.5}/serviceTime: 30s\n    cpuPerRequest: 1ms\n    concurrency: 1000/' "$SC" >"$TMP/slow.yaml"
"$KUBESIM" run "$TMP/slow.yaml" --out "$TMP/counts.db" -q 2>"$TMP/err"
check_eq "in flight: run" $? 0
row=$(q "$TMP/counts.db" "SELECT requests, ok, errors, in_flight FROM summary")
check_eq "in flight: requests = ok + errors + in_flight" "$(echo "$row" | awk -F'|' '{ print ($1 == $2 + $3 + $4) }')" 1
check_range "in flight: about 30 s of arrivals at 20/s" "$(echo "$row" | cut -d'|' -f4)" 450 750
check_eq "availability over finished requests" "$(q "$TMP/counts.db" "SELECT abs(availability - 1.0 * ok / (ok + errors)) < 1e-12 FROM summary")" 1

# A cluster of zero nodes: an empty file is bad input, as an empty pod file
# is; an empty List (a dump of a cluster without nodes) is read and
# scheduling says there is no node.
: >"$TMP/empty.yaml"
"$KUBESIM" schedule --cluster "$TMP/empty.yaml" --pod "$H/huge-pod.yaml" >/dev/null 2>"$TMP/err"
check_eq "empty cluster file: exit status" $? 2
check_contains "empty cluster file: message" "$(cat "$TMP/err")" "empty.yaml: expected Kubernetes objects"
"$KUBESIM" schedule --cluster "$H/huge-cluster.yaml" --pod "$TMP/empty.yaml" >/dev/null 2>"$TMP/err"
check_eq "empty pod file: exit status" $? 2
printf 'apiVersion: v1\nkind: List\nitems: []\n' >"$TMP/nonodes.yaml"
"$KUBESIM" schedule --cluster "$TMP/nonodes.yaml" --pod "$H/huge-pod.yaml" >"$TMP/out" 2>"$TMP/err"
check_eq "zero nodes: exit status" $? 0
check_contains "zero nodes: message" "$(cat "$TMP/out")" '"message": "no nodes available to schedule pods"'
finish
