#!/bin/sh
# e2e_ecommerce.sh - the default scenario end to end, a full simulated day:
# the HPA scales orders up under the evening sale and back down after it,
# the failed node's pods are evicted and replaced, and availability, latency
# and cost fall in stated ranges.
. "$(dirname "$0")/lib.sh"
db="$TMP/e2e.db"
"$KUBESIM" run "$KS_SRCDIR/scenarios/ecommerce.yaml" --out "$db" -q --check
check_eq "run status" $? 0
check_eq "runs.status" "$(q "$db" "SELECT status FROM runs")" "ok"
check_eq "simulated seconds" "$(q "$db" "SELECT CAST(sim_seconds AS INT) FROM runs")" 86400
check_eq "interval rows per service" \
	"$(q "$db" "SELECT COUNT(*) FROM service_intervals WHERE service = 'orders'")" 1440

# Quiet night: the minimum of 5 replicas; the sale (19:30-20:50, 3x the
# orders) needs 15-16 at 80% of 250m with 20 ms per order: allow 12..20.
check_eq "replicas at 04:00" \
	"$(q "$db" "SELECT replicas_desired FROM service_intervals WHERE service='orders' AND t_s = 14400")" 5
check_range "peak replicas in the sale" \
	"$(q "$db" "SELECT MAX(replicas_desired) FROM service_intervals WHERE service='orders' AND t_s BETWEEN 70200 AND 75600")" 12 20
check_range "ready replicas follow within the sale" \
	"$(q "$db" "SELECT MAX(replicas_ready) FROM service_intervals WHERE service='orders' AND t_s BETWEEN 70200 AND 75600")" 12 20
check_range "HPA scale-ups recorded" \
	"$(q "$db" "SELECT COUNT(*) FROM hpa_decisions WHERE hpa='orders' AND desired > current")" 3 40
# Scale-down waits for the 300 s stabilization window: the load starts to
# fall at 20:40 (the spike's hold ends), so no scale-down before 20:45.
check_range "first scale-down after the sale" \
	"$(q "$db" "SELECT MIN(t_s) FROM hpa_decisions WHERE hpa='orders' AND desired < current AND t_s > 70200")" 74700 78000
check_range "replicas at midnight" \
	"$(q "$db" "SELECT replicas_desired FROM service_intervals WHERE service='orders' AND t_s = 86400")" 5 8

# The node failure at 03:00: NotReady after node-monitor-grace-period (50 s)
# at a 5 s monitor tick, eviction after the 300 s toleration, replacements
# created at once and scheduled on other nodes.
check_eq "node failures" "$(q "$db" "SELECT COUNT(*) FROM events WHERE kind='NodeFailed'")" 1
check_eq "NotReady after grace" "$(q "$db" "SELECT t_s - 10800 FROM events WHERE kind='NodeNotReady'")" 50.0
check_eq "eviction after toleration" "$(q "$db" "SELECT t_s - 10800 FROM events WHERE kind='NodeEviction'")" 350.0
ev=$(q "$db" "SELECT COUNT(*) FROM events WHERE kind='PodDeleting' AND detail='TaintManagerEviction'")
check_range "pods evicted" "$ev" 1 20
check_eq "replacements created after eviction" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind='PodCreated' AND t_s BETWEEN 11150 AND 11151")" "$ev"
check_eq "replacements not on the failed node" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind='Scheduled' AND t_s BETWEEN 11150 AND 11160 AND detail LIKE 'to default-0 %'")" 0
check_eq "orders back to 5 ready by 03:10" \
	"$(q "$db" "SELECT replicas_ready FROM service_intervals WHERE service='orders' AND t_s = 11400")" 5
check_range "errors while the dead endpoints were served" \
	"$(q "$db" "SELECT SUM(errors) FROM service_intervals WHERE t_s BETWEEN 10800 AND 10920")" 50 5000

# Outcomes.
check_range "orders availability" \
	"$(q "$db" "SELECT availability FROM summary WHERE service='orders'")" 0.999 0.99999
check_range "payment availability" \
	"$(q "$db" "SELECT availability FROM summary WHERE service='payment'")" 0.999 1
check_range "orders p99 ms" "$(q "$db" "SELECT p99_ms FROM summary WHERE service='orders'")" 60 400
# 5 nodes x 0.17 USD/h x 24 h = 20.40 (a failed node is still billed).
check_range "cost" "$(q "$db" "SELECT cost_usd FROM runs")" 20.39 20.41
check_range "cost rows add up" "$(q "$db" "SELECT SUM(cost_usd) FROM cluster_intervals")" 20.39 20.41
finish
