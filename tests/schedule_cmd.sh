#!/bin/sh
# schedule_cmd.sh - `kubesim schedule` on the examples of tests/schedule/:
# scores computed by hand (see the comments in each pod file), upstream's
# filter reasons and FitError, a KubeSchedulerConfiguration changing the
# choice, default spreading with a Service, seeded ties, --explain, and bad
# input (file:line:col, exit 2).
. "$(dirname "$0")/lib.sh"
D="$KS_SRCDIR/tests/schedule"
C="$D/cluster.yaml"

# The value of a top-level key of the JSON output (one key per line).
top() { sed -n "s/^  \"$1\": \(.*\),\{0,1\}\$/\1/p" "$TMP/out" | sed 's/,$//'; }
# The line of one node in "filtered" or "scores".
nodeline() { grep "^    \"$1\": " "$TMP/out"; }
# A node's total score.
total() { nodeline "$1" | sed -n 's/.*"total": \([0-9-]*\)}.*/\1/p'; }
# A node's score detail for one plugin: {"raw": ..., "normalized": ..., "weighted": ...}
detail() { nodeline "$1" | sed -n "s/.*\"$2\": \({[^}]*}\).*/\1/p"; }

sched() { "$KUBESIM" schedule "$@" >"$TMP/out" 2>"$TMP/err"; }

# ---- (a) a pod that fits everywhere: LeastAllocated and Balanced decide ----
sched --cluster "$C" --pod "$D/pod-fits-everywhere.yaml"
check_eq "fits-everywhere: status" $? 0
check_eq "fits-everywhere: no stderr" "$(cat "$TMP/err")" ""
check_eq "fits-everywhere: pod" "$(top pod)" '"shop/checkout"'
check_eq "fits-everywhere: nodes" "$(top nodes)" 6
check_eq "fits-everywhere: feasible" "$(top feasible)" \
    '["node-a1", "node-a2", "node-b1", "node-b2", "node-c1", "node-c2"]'
check_eq "fits-everywhere: filtered" "$(top filtered)" '{}'
check_eq "fits-everywhere: a1 fit" "$(detail node-a1 NodeResourcesFit)" \
    '{"raw": 52, "normalized": 52, "weighted": 52}'
check_eq "fits-everywhere: a1 balanced" "$(detail node-a1 NodeResourcesBalancedAllocation)" \
    '{"raw": 84, "normalized": 84, "weighted": 84}'
check_eq "fits-everywhere: a1 taint" "$(detail node-a1 TaintToleration)" \
    '{"raw": 0, "normalized": 100, "weighted": 300}'
check_eq "fits-everywhere: c1 fit" "$(detail node-c1 NodeResourcesFit)" \
    '{"raw": 37, "normalized": 37, "weighted": 37}'
check_eq "fits-everywhere: c2 balanced (Succeeded pod not counted)" \
    "$(detail node-c2 NodeResourcesBalancedAllocation)" \
    '{"raw": 96, "normalized": 96, "weighted": 96}'
for nt in node-a1:436 node-a2:442 node-b1:480 node-b2:461 node-c1:399 node-c2:474; do
	check_eq "fits-everywhere: total ${nt%%:*}" "$(total "${nt%%:*}")" "${nt#*:}"
done
check_contains "fits-everywhere: spread skipped" "$(cat "$TMP/out")" \
    '"PodTopologySpread": {"weight": 2, "skipped": true}'
check_eq "fits-everywhere: selected" "$(top selected)" '"node-b1"'
check_eq "fits-everywhere: tied" "$(top tied)" '["node-b1"]'
check_eq "fits-everywhere: message" "$(top message)" 'null'

# ---- (b) rejected by taints, node selector and insufficient cpu -------------
sched --cluster "$C" --pod "$D/pod-rejected.yaml"
check_eq "rejected: status" $? 0
check_eq "rejected: b2" "$(nodeline node-b2)" '    "node-b2": {"plugin": "TaintToleration", "code": "UnschedulableAndUnresolvable", "reason": "node(s) had untolerated taint(s)", "reasons": ["node(s) had untolerated taint(s)"]},'
check_eq "rejected: c2" "$(nodeline node-c2)" "    \"node-c2\": {\"plugin\": \"NodeAffinity\", \"code\": \"UnschedulableAndUnresolvable\", \"reason\": \"node(s) didn't match Pod's node affinity/selector\", \"reasons\": [\"node(s) didn't match Pod's node affinity/selector\"]}"
# a1 could fit after preemption (3000m <= 4000m allocatable), c1 never (2000m).
check_eq "rejected: a1" "$(nodeline node-a1)" '    "node-a1": {"plugin": "NodeResourcesFit", "code": "Unschedulable", "reason": "Insufficient cpu", "reasons": ["Insufficient cpu"]},'
check_eq "rejected: c1" "$(nodeline node-c1)" '    "node-c1": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient cpu", "reasons": ["Insufficient cpu"]},'
check_eq "rejected: feasible" "$(top feasible)" '["node-a2", "node-b1"]'
check_eq "rejected: total a2" "$(total node-a2)" 399
check_eq "rejected: total b1" "$(total node-b1)" 449
check_eq "rejected: selected" "$(top selected)" '"node-b1"'

# ---- (c) fits nowhere: FitError, selected null, still exit 0 ----------------
sched --cluster "$C" --pod "$D/pod-fits-nowhere.yaml"
check_eq "nowhere: status" $? 0
check_eq "nowhere: feasible" "$(top feasible)" '[]'
check_eq "nowhere: selected" "$(top selected)" 'null'
check_eq "nowhere: scored" "$(top scored)" 'false'
check_eq "nowhere: message" "$(top message)" \
    '"0/6 nodes are available: 1 node(s) had untolerated taint(s), 4 Insufficient memory, 5 Insufficient cpu."'
check_eq "nowhere: b1 reasons" "$(nodeline node-b1)" '    "node-b1": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient cpu", "reasons": ["Insufficient cpu"]},'
check_eq "nowhere: a1 both reasons" "$(nodeline node-a1 | sed 's/.*"reason": \("[^"]*"\).*/\1/')" \
    '"Insufficient cpu, Insufficient memory"'

# ---- (d) a configuration: MostAllocated and weight 5 change the choice -----
sched --cluster "$C" --pod "$D/pod-bin-packing.yaml" --config "$D/config-bin-packing.yaml"
check_eq "bin-packing: status" $? 0
check_eq "bin-packing: profile" "$(top schedulerName)" '"bin-packing"'
check_contains "bin-packing: weight" "$(cat "$TMP/out")" \
    '"NodeResourcesFit": {"weight": 5, "skipped": false}'
check_eq "bin-packing: c1 fit" "$(detail node-c1 NodeResourcesFit)" \
    '{"raw": 62, "normalized": 62, "weighted": 310}'
for nt in node-a1:614 node-a2:620 node-b1:460 node-b2:566 node-c1:672 node-c2:501; do
	check_eq "bin-packing: total ${nt%%:*}" "$(total "${nt%%:*}")" "${nt#*:}"
done
check_eq "bin-packing: selected" "$(top selected)" '"node-c1"'
# The same configuration's default profile keeps the default choice.
sched --cluster "$C" --pod "$D/pod-fits-everywhere.yaml" --config "$D/config-bin-packing.yaml"
check_eq "config default profile: selected" "$(top selected)" '"node-b1"'
# Without the configuration there is no bin-packing profile.
sched --cluster "$C" --pod "$D/pod-bin-packing.yaml"
check_eq "no profile: status" $? 2
check_eq "no profile: message" "$(cat "$TMP/err")" "kubesim: $D/pod-bin-packing.yaml: pod 'checkout-packed' has schedulerName 'bin-packing', but the configuration has no such profile (profiles: 'default-scheduler')"

# ---- (e) default spreading: a Service and two pods in a second file ---------
# System default constraints (zone maxSkew 5, hostname maxSkew 3), weights
# log(3 + 2) and log(6 + 2): node-b1 scores round(2*1.609 + 4 + 2*2.079 + 2) = 13,
# node-b2 round(2*1.609 + 4 + 2) = 9, the others 6; normalized
# 100 * (13 + 6 - s) / 13: b1 46, b2 76, others 100.
sched --cluster "$C" --cluster "$D/checkout-service.yaml" --pod "$D/pod-fits-everywhere.yaml"
check_eq "spread: status" $? 0
check_eq "spread: b1" "$(detail node-b1 PodTopologySpread)" \
    '{"raw": 13, "normalized": 46, "weighted": 92}'
check_eq "spread: b2" "$(detail node-b2 PodTopologySpread)" \
    '{"raw": 9, "normalized": 76, "weighted": 152}'
check_eq "spread: a1" "$(detail node-a1 PodTopologySpread)" \
    '{"raw": 6, "normalized": 100, "weighted": 200}'
check_eq "spread: b1 fit counts the two pods" "$(detail node-b1 NodeResourcesFit)" \
    '{"raw": 81, "normalized": 81, "weighted": 81}'
check_eq "spread: total c2" "$(total node-c2)" 674
check_eq "spread: selected" "$(top selected)" '"node-c2"'
# A Deployment as the pod file: its template is placed, its selector owns it.
cat >"$TMP/dep.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      containers:
      - name: checkout
        image: registry.example.com/shop/checkout:2.0.1
        resources: {requests: {cpu: 500m, memory: 1Gi}}
      tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
EOF
sched --cluster "$C" --cluster "$D/checkout-service.yaml" --pod "$TMP/dep.yaml"
check_eq "deployment: status" $? 0
check_eq "deployment: b1 spread" "$(detail node-b1 PodTopologySpread)" \
    '{"raw": 13, "normalized": 46, "weighted": 92}'
check_eq "deployment: selected" "$(top selected)" '"node-c2"'

# ---- --explain ----------------------------------------------------------------
sched --cluster "$C" --pod "$D/pod-rejected.yaml" --explain
check_eq "explain: status" $? 0
out=$(cat "$TMP/out")
check_contains "explain: header" "$out" "pod shop/batch-import (schedulerName default-scheduler): 6 nodes, 6 evaluated, 2 feasible, 4 filtered"
check_contains "explain: columns" "$out" "  NODE     Taint x3  Fit x1  Balanced x1  Image x1  TOTAL"
check_contains "explain: selected row" "$out" "* node-b1  100->300  70->70  79->79       0->0      449"
check_contains "explain: other row" "$out" "  node-a2  100->300  21->21  78->78       0->0      399"
check_contains "explain: filtered row" "$out" "  node-b2  filtered by TaintToleration: node(s) had untolerated taint(s)"
check_contains "explain: skipped" "$out" "skipped at PreScore (nothing to score): NodeAffinity, PodTopologySpread, InterPodAffinity"
check_contains "explain: selected" "$out" "selected: node-b1 (total 449)"
sched --cluster "$C" --pod "$D/pod-fits-nowhere.yaml" --explain
check_eq "explain nowhere: status" $? 0
check_contains "explain nowhere: FitError" "$(cat "$TMP/out")" "no node fits: 0/6 nodes are available: 1 node(s) had untolerated taint(s), 4 Insufficient memory, 5 Insufficient cpu."
check_contains "explain nowhere: row" "$(cat "$TMP/out")" "  node-a1  filtered by NodeResourcesFit: Insufficient cpu, Insufficient memory"

# ---- ties: a seeded random choice among equal totals ----------------------
cat >"$TMP/twins.yaml" <<'EOF'
apiVersion: v1
kind: NodeList
items:
- {apiVersion: v1, kind: Node, metadata: {name: twin-1}, status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}}
- {apiVersion: v1, kind: Node, metadata: {name: twin-2}, status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}}
- {apiVersion: v1, kind: Node, metadata: {name: twin-3}, status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}}
- apiVersion: v1
  kind: Node
  metadata: {name: cordoned}
  spec: {unschedulable: true}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}
EOF
seen=""
for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
	sched --cluster "$TMP/twins.yaml" --pod "$D/pod-fits-everywhere.yaml" --seed $s
	check_eq "ties seed $s: tied" "$(top tied)" '["twin-1", "twin-2", "twin-3"]'
	sel=$(top selected)
	sched --cluster "$TMP/twins.yaml" --pod "$D/pod-fits-everywhere.yaml" --seed $s
	check_eq "ties seed $s: same seed, same choice" "$(top selected)" "$sel"
	case "$seen" in *"$sel"*) ;; *) seen="$seen $sel" ;; esac
done
check_eq "ties: every twin drawn by some seed" "$(echo $seen | tr ' ' '\n' | sort | tr '\n' ' ')" \
    '"twin-1" "twin-2" "twin-3" '
check_eq "ties: cordoned" "$(nodeline cordoned)" '    "cordoned": {"plugin": "NodeUnschedulable", "code": "UnschedulableAndUnresolvable", "reason": "node(s) were unschedulable", "reasons": ["node(s) were unschedulable"]}'
sched --cluster "$TMP/twins.yaml" --pod "$D/pod-fits-everywhere.yaml" --explain
check_contains "explain ties" "$(cat "$TMP/out")" "drawn at random among 3 nodes with the same total"

# ---- bad input: file:line:col, exit 2, nothing on stdout ------------------
bad() {	# WHAT WANT-STDERR ARGS...
	what=$1 want=$2
	shift 2
	sched "$@"
	check_eq "$what: status" $? 2
	check_eq "$what: message" "$(cat "$TMP/err")" "$want"
	check_eq "$what: no output" "$(cat "$TMP/out")" ""
}
P="$D/pod-rejected.yaml"
bad "unknown plugin" "kubesim: $D/bad-unknown-plugin.yaml:9:15: unknown plugin 'NodeResourceFit' (did you mean 'NodeResourcesFit'?)" \
    --cluster "$C" --pod "$P" --config "$D/bad-unknown-plugin.yaml"
bad "negative weight then other scores" "kubesim: $D/bad-negative-weight.yaml:7:5: profiles[0]: total score of Score plugins could overflow" \
    --cluster "$C" --pod "$P" --config "$D/bad-negative-weight.yaml"
bad "unsorted shape" "kubesim: $D/bad-shape.yaml:15:26: profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 20: values must be sorted in increasing order" \
    --cluster "$C" --pod "$P" --config "$D/bad-shape.yaml"
bad "malformed YAML" "kubesim: $D/bad-malformed.yaml:8:7: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence" \
    --cluster "$D/bad-malformed.yaml" --pod "$P"
bad "field typo" "kubesim: $D/bad-typo.yaml:10:5: unknown field 'resouces' in container (did you mean 'resources'?)" \
    --cluster "$C" --pod "$D/bad-typo.yaml"
printf 'apiVersion: v1\nkind: Nod\nmetadata: {name: x}\n' >"$TMP/kind.yaml"
bad "kind typo" "kubesim: $TMP/kind.yaml:2:7: unknown kind 'Nod' (did you mean 'Node'?)" \
    --cluster "$TMP/kind.yaml" --pod "$P"
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: x}\nstatus: {conditions: []}\n' >"$TMP/noalloc.yaml"
bad "node without allocatable" "kubesim: $TMP/noalloc.yaml:4:9: Node 'x' needs status.allocatable or status.capacity" \
    --cluster "$TMP/noalloc.yaml" --pod "$P"
bad "missing --pod" "kubesim schedule: --cluster FILE and --pod FILE are required (see kubesim schedule --help)" \
    --cluster "$C"
bad "unknown option" "kubesim schedule: unknown option '--bogus' (see kubesim schedule --help)" \
    --cluster "$C" --pod "$P" --bogus
bad "bad seed" "kubesim schedule: --seed takes a non-negative integer, got 'x'" \
    --cluster "$C" --pod "$P" --seed x
"$KUBESIM" schedule --cluster "$TMP/none.yaml" --pod "$P" >/dev/null 2>"$TMP/err"
check_eq "missing file: status" $? 2
check_contains "missing file: message" "$(cat "$TMP/err")" "$TMP/none.yaml"
# ---- preemption: a pod that fits nowhere, whose priority allows it ---------
PC="$D/cluster-preempt.yaml"
sched --cluster "$PC" --pod "$D/pod-preemptor.yaml"
check_eq "preempt: status" $? 0
check_eq "preempt: selected" "$(top selected)" 'null'
check_eq "preempt: message" "$(top message)" '"0/3 nodes are available: 3 Insufficient cpu."'
check_eq "preempt: outcome" "$(top preemption)" \
    '{"nominatedNode": "node-1", "victims": ["batch/low-a"], "pdbViolations": 0, "message": null}'
sched --cluster "$PC" --pod "$D/pod-preemptor.yaml" --explain
check_contains "preempt: explain" "$(cat "$TMP/out")" \
    "preemption: nominated node node-1; victims (most important first): batch/low-a (priority 0)"
# Equal priority: nothing to preempt anywhere.
sed 's/priority: 1000/priority: 0/' "$D/pod-preemptor.yaml" >"$TMP/low.yaml"
sched --cluster "$PC" --pod "$TMP/low.yaml"
check_eq "preempt low: outcome" "$(top preemption)" \
    '{"nominatedNode": null, "victims": [], "pdbViolations": 0, "message": "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}'
# preemptionPolicy: Never
sed 's/priority: 1000/priority: 1000\n  preemptionPolicy: Never/' "$D/pod-preemptor.yaml" >"$TMP/never.yaml"
sched --cluster "$PC" --pod "$TMP/never.yaml"
check_eq "preempt never: outcome" "$(top preemption)" \
    '{"nominatedNode": null, "victims": [], "pdbViolations": 0, "message": "preemption: not eligible due to preemptionPolicy=Never."}'
# 6 cpu fit on no node even empty: Insufficient cpu is unresolvable there.
sed 's/cpu: "2"/cpu: "6"/' "$D/pod-preemptor.yaml" >"$TMP/big.yaml"
sched --cluster "$PC" --pod "$TMP/big.yaml"
check_eq "preempt big: outcome" "$(top preemption)" \
    '{"nominatedNode": null, "victims": [], "pdbViolations": 0, "message": "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}'
# DefaultPreemption disabled: no outcome.
printf 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    postFilter:\n      disabled: [{name: DefaultPreemption}]\n' >"$TMP/nopre.yaml"
sched --cluster "$PC" --pod "$D/pod-preemptor.yaml" --config "$TMP/nopre.yaml"
check_eq "preempt disabled: outcome" "$(top preemption)" 'null'
# A pod that fits has no preemption outcome.
sched --cluster "$C" --pod "$D/pod-fits-everywhere.yaml"
check_eq "fits: no preemption" "$(top preemption)" 'null'

h=$("$KUBESIM" schedule --help); check_eq "--help status" $? 0
check_contains "--help usage" "$h" "usage: kubesim schedule --cluster FILE --pod FILE"
finish
