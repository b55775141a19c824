#!/bin/sh
# e2e_iot.sh - the IoT scenario end to end: a day in which the HPAs grow the
# sensor Deployment with the daytime readings (on cpu) and the analytics
# consumers with the readings queue's length (an External metric, KEDA
# style), and the Cluster Autoscaler adds nodes above the pool's minimum of 2
# for the pods that no longer fit, then removes them again (empty or
# drained) when the load falls.
. "$(dirname "$0")/lib.sh"
sc="$KS_SRCDIR/scenarios/iot.yaml"
db="$TMP/iot.db"
"$KUBESIM" validate "$sc" >"$TMP/validate" 2>&1
check_eq "validate status" $? 0
check_contains "validate output" "$(cat "$TMP/validate")" "1 node pools, 2 deployments"
# every HPA sync written: the checks below count the syncs
"$KUBESIM" run "$sc" --out "$db" -q --check --set hpaDecisions=everySync
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
# Every scale-up comes with pending pods (a FailedScheduling in the 10 s
# scan interval before it), from the morning on, and its node becomes Ready
# (the 90 s lognormal provisioning delay). Most come while the load rises;
# the analytics HPA's afternoon swings on the queue may need one or two more
# (the ReplicaSet scale-down order keeps pods spread across nodes, rank 5 of
# ActivePodsWithRanks, so the Cluster Autoscaler empties fewer nodes; and
# the planner simulates the nodes it found unneeded in its last loop first,
# so they keep the PDB's disruption and are drained after 10 min even while
# the morning's load lasts).
su=$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'scale_up'")
check_range "scale-ups" "$su" 2 10
check_eq "scale-ups follow pending pods" "$(q "$db" "SELECT COUNT(*) FROM ca_decisions d
    WHERE action = 'scale_up' AND d.t_s > 14400 AND EXISTS (SELECT 1 FROM events e WHERE
    e.kind = 'FailedScheduling' AND e.t_s BETWEEN d.t_s - 10 AND d.t_s)")" "$su"
check_range "scale-ups while the load rises" "$(q "$db" "SELECT COUNT(*) FROM ca_decisions
    WHERE action = 'scale_up' AND t_s > 14400 AND t_s < 46800")" "$((su - 2))" "$su"
check_eq "scaled-up nodes became Ready" \
	"$(q "$db" "SELECT COUNT(*) FROM events e JOIN ca_decisions d ON e.object = d.node WHERE d.action = 'scale_up' AND e.kind = 'NodeReady' AND e.t_s - d.t_s BETWEEN 20 AND 600")" "$su"
check_eq "scale-ups name the pool" \
	"$(q "$db" "SELECT DISTINCT node_group FROM ca_decisions WHERE action = 'scale_up'")" "iot"
# After 13:00 a pod waits only while a node comes up for it.
check_eq "pending pods served" "$(q "$db" "SELECT COUNT(*) FROM cluster_intervals c
    WHERE t_s > 46800 AND pods_pending > 0 AND NOT EXISTS (SELECT 1 FROM ca_decisions d
    WHERE d.action = 'scale_up' AND c.t_s - d.t_s BETWEEN 0 AND 600)")" 0

# Evening: back to the minimum, one node at a time after 10 min unneeded,
# never below 2; each removal is decided, then finished.
sd=$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'scale_down'")
check_range "scale-downs" "$sd" 2 10
check_eq "scale-downs finished" \
	"$(q "$db" "SELECT COUNT(*) FROM ca_decisions WHERE action = 'node_deleted'")" "$sd"
# Before the afternoon peak only nodes added for the morning burst go,
# when its consumers are given back; the pool's first nodes stay.
check_range "first scale-down after the morning burst" \
	"$(q "$db" "SELECT MIN(t_s) FROM ca_decisions WHERE action = 'scale_down'")" 31500 86400
check_eq "only added nodes removed before the peak" \
	"$(q "$db" "SELECT COUNT(*) FROM ca_decisions d WHERE action = 'scale_down' AND t_s < 46800 AND NOT EXISTS (SELECT 1 FROM ca_decisions u WHERE u.action = 'scale_up' AND u.node = d.node)")" 0
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
check_range "sensor availability" \
	"$(q "$db" "SELECT availability FROM summary WHERE service = 'sensor'")" 0.999 1

# The readings queue: every message that arrived (the exact integral of the
# diurnal curve, 105/s x 86400 s, plus the burst, 40/s x 4500 s) was
# consumed by midnight; the backlog stays within seconds of peak arrivals.
check_eq "messages arrived" "$(q "$db" "SELECT CAST(ROUND(SUM(arrived)) AS INT) FROM queue_intervals")" 9252000
check_eq "messages consumed" "$(q "$db" "SELECT CAST(ROUND(SUM(consumed)) AS INT) FROM queue_intervals")" 9252000
check_eq "queue empty at midnight" "$(q "$db" "SELECT length FROM queue_intervals WHERE t_s = 86400")" 0.0
check_range "longest backlog" "$(q "$db" "SELECT MAX(length) FROM queue_intervals")" 500 2500
check_eq "consumers at night" \
	"$(q "$db" "SELECT MIN(consumers_ready) || '-' || MAX(consumers_ready) FROM queue_intervals WHERE t_s <= 14400")" "2-2"
check_range "consumers at 13:00" \
	"$(q "$db" "SELECT consumers_ready FROM queue_intervals WHERE t_s = 46800")" 9 16
check_range "peak consumers" "$(q "$db" "SELECT MAX(consumers_ready) FROM queue_intervals")" 10 16
# The analytics HPA reads the External metric every sync (valid, by its
# upstream name), scales up only when the backlog per consumer exceeds the
# target of 100 beyond the 10% tolerance, and down only below it.
check_eq "external metric every sync" \
	"$(q "$db" "SELECT COUNT(*) FROM hpa_decisions WHERE hpa = 'analytics' AND json_extract(proposals, '\$[0].metric') = 'external metric queue_length' AND json_extract(proposals, '\$[0].valid')")" 5760
up=$(q "$db" "SELECT COUNT(*) FROM hpa_decisions WHERE hpa = 'analytics' AND desired > current")
check_range "scale-ups on queue length" "$up" 20 400
check_eq "scale-ups above the target" \
	"$(q "$db" "SELECT COUNT(*) FROM hpa_decisions WHERE hpa = 'analytics' AND desired > current AND json_extract(proposals, '\$[0].average') > 110")" "$up"
check_eq "scale-downs below the target" \
	"$(q "$db" "SELECT COUNT(*) FROM hpa_decisions WHERE hpa = 'analytics' AND desired < current AND json_extract(proposals, '\$[0].average') >= 90")" 0
check_range "cost" "$(q "$db" "SELECT cost_usd FROM runs")" 2.5 6

# The gateways' VPA (updateMode Off): one recommendation a minute, memory at
# the recommender's 250Mi minimum (the gateways use 128Mi), cpu bounds
# around the target and inside the policy's [100m, 1]; nothing evicted.
check_eq "VPA rows" "$(q "$db" "SELECT COUNT(*) || ' ' || MIN(vpa) || ' ' || MAX(container) FROM vpa_recommendations")" "1440 sensor gateway"
check_eq "VPA memory target" "$(q "$db" "SELECT MIN(target_mem) || '-' || MAX(target_mem) FROM vpa_recommendations")" "262144000-262144000"
check_eq "VPA bounds around the target" \
	"$(q "$db" "SELECT COUNT(*) FROM vpa_recommendations WHERE lower_cpu_m <= target_cpu_m AND target_cpu_m <= upper_cpu_m AND lower_cpu_m >= 100 AND upper_cpu_m <= 1000")" 1440
check_range "VPA cpu target at midnight" \
	"$(q "$db" "SELECT target_cpu_m FROM vpa_recommendations WHERE t_s = 86400")" 180 260
check_eq "VPA Off evicts nothing" "$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'EvictedByVPA'")" 0
check_range "cost rows add up" "$(q "$db" "SELECT SUM(cost_usd) - (SELECT cost_usd FROM runs) FROM cluster_intervals")" -0.001 0.001
finish
