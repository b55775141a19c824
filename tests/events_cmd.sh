#!/bin/sh
# events_cmd.sh - `kubesim events` and `kubesim describe` on a run of the
# ecommerce scenario (node default-0 fails at 3h, is noticed 50 s later and
# its pods are evicted at 3:05:50): columns, filters, an object's state at a
# time, and bad arguments (exit 2, one message).
. "$(dirname "$0")/lib.sh"

db="$TMP/e.db"
"$KUBESIM" run "$KS_SRCDIR/scenarios/ecommerce.yaml" --set warmStart=false --out "$db" -q \
    --set hpaDecisions=everySync --duration 4h
check_eq "run status" $? 0

out=$("$KUBESIM" events "$db"); check_eq "events status" $? 0
check_eq "header" "$(printf '%s\n' "$out" | head -1 | tr -s ' ')" "LAST SEEN TYPE REASON OBJECT MESSAGE"
check_eq "all events listed" "$(printf '%s\n' "$out" | tail -n +2 | wc -l)" \
	"$(q "$db" "SELECT count(*) FROM events")"
out=$("$KUBESIM" events "$db" --run 1 --kind node)
check_eq "node events" "$(printf '%s\n' "$out" | tail -n +2 | awk '{print $1, $2, $3, $4}')" \
"3:00:00 Warning NodeFailed node/default-0
3:00:50 Warning NodeNotReady node/default-0
3:05:50 Warning NodeEviction node/default-0
3:30:00 Normal NodeRecovered node/default-0"
out=$("$KUBESIM" events "$db" --kind NodeNotReady --since 3h --until 3h1m)
check_eq "reason and time filter" "$(printf '%s\n' "$out" | tail -n +2 | wc -l)" 1
out=$("$KUBESIM" events "$db" --object node/default-0 --since 3h1m --until 10800)
check_eq "empty window" "$out" "No events found."
out=$("$KUBESIM" events "$db" --object pod/orders-00003)
check_eq "pod events" "$(printf '%s\n' "$out" | awk 'NR == 3 { print $2, $3, $4 }')" \
	"Normal Scheduled pod/orders-00003"

out=$("$KUBESIM" describe "$db" node default-0 --at 3h1m); check_eq "describe node status" $? 0
check_contains "node condition" "$out" "Ready=Unknown"
check_contains "pods still bound" "$out" "Non-terminated Pods: (2 in total)"
out=$("$KUBESIM" describe "$db" node default-0 --at 3h10m)
check_contains "pods evicted" "$out" "Non-terminated Pods: (0 in total)"
check_contains "eviction in events" "$out" "NodeEviction"
out=$("$KUBESIM" describe "$db" no default-0 --at 2h)
check_contains "healthy before" "$out" "Conditions:     Ready=True"
out=$("$KUBESIM" describe "$db" pod orders-00003 --at 1h)
check_contains "pod node" "$out" "Node:           $(q "$db" "SELECT node FROM scheduling_decisions WHERE pod = 'orders-00003'")"
check_contains "pod running" "$out" "Status:         Running"
check_contains "pod ready" "$out" "Ready:          True"
check_contains "pod owner" "$out" "Controlled By:  Deployment/orders"
out=$("$KUBESIM" describe "$db" pod orders-00003 --at 0.03)
check_contains "pod pending at start" "$out" "Status:         Pending"
out=$("$KUBESIM" describe "$db" deployment orders --at 2h)
check_contains "deployment pods" "$out" "Pods:           5 existing"
out=$("$KUBESIM" describe "$db" hpa orders --at 1h)
check_contains "hpa evaluation" "$out" "Last decision:  1:00:00"
check_contains "hpa metric" "$out" "cpu resource utilization"

"$KUBESIM" events "$db" --run x 2>"$TMP/err"; check_eq "bad --run status" $? 2
check_contains "bad --run message" "$(cat "$TMP/err")" "--run takes a run id"
"$KUBESIM" events "$db" --since soon 2>"$TMP/err"; check_eq "bad --since status" $? 2
"$KUBESIM" events "$db" --run 9 2>"$TMP/err"; check_eq "no such run status" $? 2
check_contains "no such run message" "$(cat "$TMP/err")" "no run 9"
"$KUBESIM" events "$TMP/none.db" 2>"$TMP/err"; check_eq "missing DB status" $? 2
check_eq "missing DB not created" "$(test -e "$TMP/none.db" && echo yes || echo no)" no
"$KUBESIM" events 2>/dev/null; check_eq "no DB status" $? 2
"$KUBESIM" describe "$db" service orders 2>"$TMP/err"; check_eq "bad kind status" $? 2
check_contains "bad kind message" "$(cat "$TMP/err")" "unknown kind 'service'"
"$KUBESIM" describe "$db" pod ordrs-00003 2>"$TMP/err"; check_eq "unknown pod status" $? 2
check_contains "unknown pod message" "$(cat "$TMP/err")" "did you mean 'orders-00003'"
"$KUBESIM" describe "$db" pod 2>/dev/null; check_eq "missing name status" $? 2
"$KUBESIM" describe "$db" --at -3 pod orders-00003 2>/dev/null; check_eq "bad --at status" $? 2
finish
