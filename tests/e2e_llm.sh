#!/bin/sh
# e2e_llm.sh - the LLM scenario end to end in request mode: the Azure
# code-completion trace replayed request by request (exactly its 8,819
# requests, the first at 2m), two request classes whose cpu per request
# shows in the pods' usage, the same rows from the same seed, and fluid mode
# (the trace's per-second counts) agreeing on the count and the p99.
. "$(dirname "$0")/lib.sh"
sc="$KS_SRCDIR/scenarios/llm.yaml"
db="$TMP/llm.db"
"$KUBESIM" validate "$sc" >"$TMP/validate" 2>&1
check_eq "validate status" $? 0
for i in 1 2; do
	"$KUBESIM" run "$sc" --traffic-mode request --out "$db" -q --check
	check_eq "run $i status" $? 0
done
check_eq "runs.status" "$(q "$db" "SELECT group_concat(status) FROM runs")" "ok,ok"
check_eq "mode" "$(q "$db" "SELECT json_extract(params, '$.traffic_mode') FROM runs WHERE run_id = 1")" request
# Every recorded request, once.
check_eq "requests (summary)" "$(q "$db" "SELECT requests FROM summary WHERE run_id = 1")" 8819
check_eq "requests (intervals)" "$(q "$db" "SELECT sum(offered) FROM service_intervals WHERE run_id = 1")" 8819
check_eq "served" "$(q "$db" "SELECT sum(ok) + sum(errors) + sum(timeouts) FROM service_intervals WHERE run_id = 1")" 8819
# The first request arrives at 2m: nothing before, some in the third minute.
check_eq "before 2m" "$(q "$db" "SELECT sum(offered) FROM service_intervals WHERE run_id = 1 AND t_s < 120")" 0
check_range "third minute" "$(q "$db" "SELECT offered FROM service_intervals WHERE run_id = 1 AND t_s = 180")" 1 1000
# Classes: 61.5% at 40 ms of cpu, 38.5% at 120 ms: 8819 x 0.0708 = 624
# cpu-seconds, seen as cpu_util x 2 cores x 3 pods x 60 s (one class alone
# would give 353 or 1058).
check_range "cpu-seconds of the classes" "$(q "$db" "SELECT sum(cpu_util) * 2 * 3 * 60 FROM service_intervals WHERE run_id = 1")" 580 670
# Deterministic.
a=$(q "$db" "SELECT * FROM service_intervals WHERE run_id = 1" | cut -d'|' -f2-)
b=$(q "$db" "SELECT * FROM service_intervals WHERE run_id = 2" | cut -d'|' -f2-)
check_eq "same rows from the same seed" "$(printf '%s' "$a" | cksum)" "$(printf '%s' "$b" | cksum)"
# Fluid mode: the bucketed trace, the same total and a close p99.
"$KUBESIM" run "$sc" --traffic-mode fluid --out "$db" -q --check
check_eq "fluid run status" $? 0
check_eq "fluid requests" "$(q "$db" "SELECT CAST(round(requests) AS INT) FROM summary WHERE run_id = 3")" 8819
r=$(q "$db" "SELECT p99_ms FROM summary WHERE run_id = 1")
f=$(q "$db" "SELECT p99_ms FROM summary WHERE run_id = 3")
check_range "p99 fluid/request" "$(awk -v r="$r" -v f="$f" 'BEGIN { print f / r }')" 0.8 1.25
finish
