#!/bin/sh
# e2e_placement.sh - the placement scenario end to end: 9 web pods spread
# 3/3/3 over the 3 zones (topology spread, maxSkew 1), 6 cache pods on 6
# distinct nodes (required anti-affinity), batch filling every remaining
# millicore at 2 min, and at 10 min 3 critical pods of 1 cpu that each
# preempt exactly 2 batch pods of 500m, are nominated to that node, wait
# for the victims' graceful termination and then run there.
. "$(dirname "$0")/lib.sh"
sc="$KS_SRCDIR/scenarios/placement.yaml"
db="$TMP/placement.db"
"$KUBESIM" validate "$sc" >"$TMP/validate" 2>&1
check_eq "validate status" $? 0
check_contains "validate output" "$(cat "$TMP/validate")" "1 node pools, 4 deployments"
"$KUBESIM" run "$sc" --out "$db" -q --check
check_eq "run status" $? 0
check_eq "runs.status" "$(q "$db" "SELECT status FROM runs")" "ok"

# Nodes general-0..8 take the zones round-robin: zone = index mod 3.
zone="(CAST(substr(node, 9) AS INT) % 3)"
check_eq "web pods per zone" \
	"$(q "$db" "SELECT group_concat(n, ' ') FROM (SELECT $zone z, COUNT(*) n FROM scheduling_decisions WHERE pod LIKE 'web-%' AND node IS NOT NULL GROUP BY z ORDER BY z)")" "3 3 3"
check_eq "web pods scheduled once each" \
	"$(q "$db" "SELECT COUNT(DISTINCT pod) FROM scheduling_decisions WHERE pod LIKE 'web-%' AND node IS NOT NULL")" 9
check_eq "cache pods on distinct nodes" \
	"$(q "$db" "SELECT COUNT(*) || ' ' || COUNT(DISTINCT node) FROM scheduling_decisions WHERE pod LIKE 'cache-%' AND node IS NOT NULL")" "6 6"
check_eq "batch fills the cluster" \
	"$(q "$db" "SELECT COUNT(*) FROM scheduling_decisions WHERE pod LIKE 'batch-%' AND node IS NOT NULL AND t_s < 600")" 57
check_eq "nothing pending before the critical pods" \
	"$(q "$db" "SELECT COUNT(*) FROM scheduling_decisions WHERE node IS NULL AND t_s < 600")" 0

# Preemption: 2 batch victims per critical pod, none of web or cache.
check_eq "victims" "$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'Preempted'")" 6
check_eq "victims are batch pods" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'Preempted' AND object LIKE 'batch-%'")" 6
check_eq "victims deleted as Preempted" \
	"$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'PodDeleting' AND detail = 'Preempted'")" 6
check_eq "victims terminated" \
	"$(q "$db" "SELECT COUNT(*) FROM events d JOIN events p ON p.object = d.object WHERE p.kind = 'Preempted' AND d.kind = 'PodDeleted' AND d.t_s >= p.t_s")" 6
check_eq "nominations" "$(q "$db" "SELECT COUNT(DISTINCT object) FROM events WHERE kind = 'NominatedNode' AND object LIKE 'critical-%'")" 3
check_eq "two victims per nominated node" \
	"$(q "$db" "SELECT group_concat(n, ' ') FROM (SELECT COUNT(*) n FROM events WHERE kind = 'Preempted' GROUP BY substr(detail, instr(detail, ' on node ') + 9))")" "2 2 2"
check_eq "critical pods bound to their nominated node" \
	"$(q "$db" "SELECT COUNT(*) FROM scheduling_decisions s JOIN events e ON e.object = s.pod AND e.kind = 'NominatedNode' WHERE s.node = e.detail")" 3
check_eq "critical pods scheduled after their victims were gone" \
	"$(q "$db" "SELECT COUNT(*) FROM scheduling_decisions s WHERE s.pod LIKE 'critical-%' AND s.node IS NOT NULL AND s.t_s > (SELECT MAX(d.t_s) FROM events d JOIN events p ON p.object = d.object AND p.kind = 'Preempted' AND d.kind = 'PodDeleted' WHERE p.detail LIKE 'by ' || s.pod || ' %')")" 3
check_eq "critical pods Running" \
	"$(q "$db" "SELECT COUNT(DISTINCT object) FROM events WHERE kind = 'PodRunning' AND object LIKE 'critical-%'")" 3
check_contains "FailedScheduling names the preemption" \
	"$(q "$db" "SELECT reason FROM scheduling_decisions WHERE pod LIKE 'critical-%' AND node IS NULL LIMIT 1")" \
	"preemption: nominated node general-"
# The recreated batch pods find no room and no lower priority to preempt.
check_contains "batch replacements stay pending" \
	"$(q "$db" "SELECT reason FROM scheduling_decisions WHERE pod LIKE 'batch-%' AND node IS NULL LIMIT 1")" \
	"No preemption victims found for incoming pod"
check_eq "pending at the end" "$(q "$db" "SELECT pods_pending FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" 6
check_eq "running at the end" "$(q "$db" "SELECT pods_running FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" 69

# Without DefaultPreemption the critical pods stay pending.
sed 's/^schedulerConfig: .*/schedulerConfig: nopreempt.yaml/' "$sc" >"$TMP/placement.yaml"
cat >"$TMP/nopreempt.yaml" <<'CFG'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      postFilter:
        disabled: [{name: DefaultPreemption}]
CFG
"$KUBESIM" run "$TMP/placement.yaml" --out "$TMP/np.db" -q --check
check_eq "run without preemption" $? 0
check_eq "no victims without preemption" "$(q "$TMP/np.db" "SELECT COUNT(*) FROM events WHERE kind = 'Preempted'")" 0
check_eq "critical pods pending without preemption" \
	"$(q "$TMP/np.db" "SELECT COUNT(DISTINCT object) FROM events WHERE kind = 'PodRunning' AND object LIKE 'critical-%'")" 0

# A bad schedulerConfig is bad input: exit 2 with file:line:col, via validate too.
cat >"$TMP/bad-sched.yaml" <<'CFG'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    pluginConfig:
      - name: DefaultPreemption
        args: {minCandidateNodesPercentage: 150}
CFG
sed 's/^schedulerConfig: .*/schedulerConfig: bad-sched.yaml/' "$sc" >"$TMP/bad.yaml"
"$KUBESIM" validate "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1
check_eq "bad config status" $? 2
check_contains "bad config message" "$(cat "$TMP/bad.out")" \
	"bad-sched.yaml:7:45: profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 150"
sed 's/^schedulerConfig: .*/schedulerConfig: missing.yaml/' "$sc" >"$TMP/nocfg.yaml"
"$KUBESIM" validate "$TMP/nocfg.yaml" >"$TMP/missing.out" 2>&1
check_eq "missing config status" $? 2
check_contains "missing config message" "$(cat "$TMP/missing.out")" "nocfg.yaml:16:18: schedulerConfig: "
finish
