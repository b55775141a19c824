#!/bin/sh
# e2e_iot.sh - the IoT scenario end to end: a day in which the HPAs grow the
# sensor and analytics Deployments with the daytime readings and the Cluster
# Autoscaler adds nodes above the pool's minimum of 2 for the pods that no
# longer fit, then removes them again (empty or drained) in the evening.
. "$(dirname "$0")/lib.sh"
sc="$KS_SRCDIR/scenarios/iot.yaml"
db="$TMP/iot.db"
"$KUBESIM" validate "$sc" >"$TMP/validate" 2>&1
check_eq "validate status" $? 0
check_contains "validate output" "$(cat "$TMP/validate")" "1 node pools, 2 deployments"
"$KUBESIM" run "$sc" --out "$db" -q
check_eq "run status" $? 0
check_eq "runs.status" "$(q "$db" "SELECT status FROM runs")" "ok"
check_eq "simulated seconds" "$(q "$db" "SELECT CAST(sim_seconds AS INT) FROM runs")" 86400

# Night (00:00-04:00): the pool's minimum, nothing pending.
check_eq "nodes at night" \
	"$(q "$db" "SELECT MIN(nodes_total) || '-' || MAX(nodes_total) FROM cluster_intervals WHERE t_s <= 14400")" "2-2"
# Daytime: above the minimum, within the maximum of 10.
check_range "peak nodes" "$(q "$db" "SELECT MAX(nodes_total) FROM cluster_intervals")" 4 10
check_range "nodes at 13:00" \
	"$(q "$db" "SELECT nodes_ready FROM cluster_intervals WHERE t_s = 46800")" 4 10
# Every scale-up comes with pending pods while the load rises, and its
# node becomes Ready (the 90 s lognormal provisioning delay).
su=$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'scale_up'")
check_range "scale-ups" "$su" 2 8
check_range "scale-ups while the load rises" \
	"$(q "$db" "SELECT MIN(t_s) || ' ' || MAX(t_s) FROM ca_decisions WHERE action = 'scale_up'" | awk '{ print ($1 > 14400 && $2 < 46800) }')" 1 1
check_eq "scaled-up nodes became Ready" \
	"$(q "$db" "SELECT COUNT(*) FROM events e JOIN ca_decisions d ON e.object = d.node WHERE d.action = 'scale_up' AND e.kind = 'NodeReady' AND e.t_s - d.t_s BETWEEN 20 AND 600")" "$su"
check_eq "scale-ups name the pool" \
	"$(q "$db" "SELECT DISTINCT node_group FROM ca_decisions WHERE action = 'scale_up'")" "iot"
check_range "pending pods served" \
	"$(q "$db" "SELECT MAX(pods_pending) FROM cluster_intervals WHERE t_s > 46800")" 0 0

# Evening: back to the minimum, one node at a time after 10 min unneeded,
# never below 2; each removal is decided, then finished.
sd=$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'scale_down'")
check_range "scale-downs" "$sd" 2 8
check_eq "scale-downs finished" \
	"$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'node_deleted'")" "$sd"
check_range "first scale-down after the peak" \
	"$(q "$db" "SELECT MIN(t_s) FROM ca_decisions WHERE action = 'scale_down'")" 46800 86400
check_eq "unneeded for more than 10 min first" \
	"$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'scale_down' AND CAST(substr(reason, instr(reason, 'unneeded for ') + 13) AS INT) > 600")" "$sd"
check_eq "nodes at midnight" \
	"$(q "$db" "SELECT nodes_total FROM cluster_intervals WHERE t_s = 86400")" 2
check_eq "never below the minimum" "$(q "$db" "SELECT MIN(nodes_total) FROM cluster_intervals")" 2
check_eq "NodeDeleted events" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'NodeDeleted'")" "$sd"
check_range "drained pods" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'PodDeleting' AND detail = 'ClusterAutoscalerDrain'")" 0 20

# Outcomes: the HPAs reach their peak sizes, the service stays available, and
# the cost lies between 2 and 10 nodes all day (0.0416 USD per node-hour).
check_range "sensor peak replicas" \
	"$(q "$db" "SELECT MAX(replicas_ready) FROM service_intervals WHERE service = 'sensor'")" 10 16
check_range "analytics peak replicas" \
	"$(q "$db" "SELECT MAX(replicas_ready) FROM service_intervals WHERE service = 'analytics'")" 9 16
check_range "sensor availability" \
	"$(q "$db" "SELECT availability FROM summary WHERE service = 'sensor'")" 0.999 1
check_range "analytics availability" \
	"$(q "$db" "SELECT availability FROM summary WHERE service = 'analytics'")" 0.999 1
check_range "cost" "$(q "$db" "SELECT cost_usd FROM runs")" 2.5 6
check_range "cost rows add up" "$(q "$db" "SELECT SUM(cost_usd) - (SELECT cost_usd FROM runs) FROM cluster_intervals")" -0.001 0.001
finish
