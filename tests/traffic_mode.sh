#!/bin/sh
# traffic_mode.sh - `kubesim run --traffic-mode`: request, fluid and auto
# write the same tables, the resolved mode is recorded in runs.params, auto
# picks request mode below 2,000 req/s at peak, request mode is
# deterministic per seed, and the two modes agree on the bundled scenario,
# including the requests failed at the endpoints of the node that fails at 3h.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"
db="$TMP/tm.db"
for m in request request fluid auto; do
	"$KUBESIM" run "$SC" --traffic-mode $m --duration 4h --out "$db" -q --check
	check_eq "run --traffic-mode $m status" $? 0
done
check_eq "mode of run 1" "$(q "$db" "SELECT json_extract(params, '$.traffic_mode') FROM runs WHERE run_id = 1")" request
check_eq "mode of run 3" "$(q "$db" "SELECT json_extract(params, '$.traffic_mode') FROM runs WHERE run_id = 3")" fluid
# ecommerce peaks at 150 + 45 req/s: auto is request mode.
check_eq "auto resolved" "$(q "$db" "SELECT json_extract(params, '$.traffic_mode') FROM runs WHERE run_id = 4")" request
check_eq "override recorded" "$(q "$db" "SELECT json_extract(params, '$.set.trafficMode') FROM runs WHERE run_id = 4")" auto
# The same tables, the same shape.
for t in service_intervals summary; do
	check_eq "$t rows, request vs fluid" "$(q "$db" "SELECT count(*) FROM $t WHERE run_id = 1")" \
	    "$(q "$db" "SELECT count(*) FROM $t WHERE run_id = 3")"
done
# Request mode counts whole requests; deterministic per seed.
check_eq "whole requests" "$(q "$db" "SELECT count(*) FROM summary WHERE run_id = 1 AND requests != round(requests)")" 0
a=$(q "$db" "SELECT * FROM service_intervals WHERE run_id = 1" | cut -d'|' -f2-)
b=$(q "$db" "SELECT * FROM service_intervals WHERE run_id = 2" | cut -d'|' -f2-)
check_eq "request mode twice: identical rows" "$(printf '%s' "$a" | cksum)" "$(printf '%s' "$b" | cksum)"
# The two modes agree on the requests offered (Poisson, 5 sd) and p99 (15%).
for s in orders payment; do
	r=$(q "$db" "SELECT requests FROM summary WHERE run_id = 1 AND service = '$s'")
	f=$(q "$db" "SELECT requests FROM summary WHERE run_id = 3 AND service = '$s'")
	check_range "$s requests request vs fluid" "$(awk -v r="$r" -v f="$f" 'BEGIN { print (r - f) / sqrt(f) }')" -5 5
	r=$(q "$db" "SELECT p99_ms FROM summary WHERE run_id = 1 AND service = '$s'")
	f=$(q "$db" "SELECT p99_ms FROM summary WHERE run_id = 3 AND service = '$s'")
	check_range "$s p99 request/fluid" "$(awk -v r="$r" -v f="$f" 'BEGIN { print r / f }')" 0.85 1.15
done
# The node failure at 3h: requests sent to its pods' endpoints fail until
# they are removed, in both modes alike (20%).
r=$(q "$db" "SELECT sum(errors) FROM service_intervals WHERE run_id = 1 AND service = 'orders' AND t_s BETWEEN 10800 AND 11400")
f=$(q "$db" "SELECT sum(errors) FROM service_intervals WHERE run_id = 3 AND service = 'orders' AND t_s BETWEEN 10800 AND 11400")
check_range "failed at the dead node, request mode" "$r" 100 100000
check_range "failed at the dead node, request/fluid" "$(awk -v r="$r" -v f="$f" 'BEGIN { print r / f }')" 0.8 1.2
# Bad values: exit 2, nothing written.
"$KUBESIM" run "$SC" --traffic-mode exact --out "$TMP/bad.db" 2>"$TMP/err"
check_eq "bad --traffic-mode status" $? 2
check_contains "bad --traffic-mode message" "$(cat "$TMP/err")" "request, fluid or auto"
[ -e "$TMP/bad.db" ] && fail "bad --traffic-mode created a file" || pass
finish
