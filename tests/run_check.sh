#!/bin/sh
# run_check.sh - `kubesim run --check`: the end-of-run invariants reported
# line by line (requests = ok + errors + timeouts + in flight, pods conserved,
# no node over-committed, time monotonic, summary = sum of intervals) in both
# traffic modes; a violation fails the run (status failed, the first
# violation in the runs row and on stderr, exit 1); validate has no --check.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"

for m in fluid request; do
	db="$TMP/$m.db"
	"$KUBESIM" run "$SC" --duration 30m --traffic-mode $m --out "$db" --check \
	    >/dev/null 2>"$TMP/err"
	check_eq "$m: status" $? 0
	err=$(cat "$TMP/err")
	for inv in "pods conserved across phases" "no node over-committed on requests" \
	    "time monotonic" "requests = ok + errors + timeouts + in flight" \
	    "summary = sum of intervals"; do
		check_contains "$m: $inv" "$err" "ok   $inv: "
	done
	check_eq "$m: no violation" "$(grep -c '^  FAIL' "$TMP/err")" 0
	check_contains "$m: in flight per service" "$err" \
	    "ok   requests = ok + errors + timeouts + in flight: orders: requests "
	check_eq "$m: run ok" "$(q "$db" "SELECT status FROM runs")" ok
done
# request mode: in flight is the requests still in the system, whole numbers
check_contains "request: in system" "$(cat "$TMP/err")" "(in system "

# A violation (the test hook) fails the run.
KS_TEST_BREAK_INVARIANT=1 "$KUBESIM" run "$SC" --duration 10m --out "$TMP/bad.db" \
    --check -q >"$TMP/out" 2>"$TMP/err"
check_eq "violation: exit 1" $? 1
check_eq "violation: status" "$(q "$TMP/bad.db" "SELECT status FROM runs")" failed
check_eq "violation: error" "$(q "$TMP/bad.db" "SELECT error FROM runs")" \
    "1 invariant(s) violated; first: injected: KS_TEST_BREAK_INVARIANT is set"
check_contains "violation: stderr line" "$(cat "$TMP/err")" \
    "  FAIL injected: KS_TEST_BREAK_INVARIANT is set"
check_contains "violation: stderr message" "$(cat "$TMP/err")" \
    "kubesim: run 1 failed: 1 invariant(s) violated; first: injected"
check_eq "violation: quiet keeps ok lines out" "$(grep -c '^  ok' "$TMP/err")" 0
# Without --check the hook does nothing.
KS_TEST_BREAK_INVARIANT=1 "$KUBESIM" run "$SC" --duration 10m --out "$TMP/nocheck.db" -q
check_eq "no --check: exit 0" $? 0
"$KUBESIM" validate "$SC" --check 2>"$TMP/err"
check_eq "validate --check: status" $? 2
finish
