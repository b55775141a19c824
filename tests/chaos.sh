#!/bin/sh
# chaos.sh - the faults of failures.scheduled (models/cluster/chaos.c): a
# zone partition evicts exactly node-monitor-grace-period (at the monitor
# tick) + the toleration after it began; an API server outage freezes
# scaling and the backlog clears after it; a drain stops at a PDB and goes
# on when it allows; a spot reclaim cordons at the notice and removes the
# node 2 min later; pod kills, random kills and a node-by-node upgrade; bad
# input to every new field: file:line:column, exit 2, nothing written.
. "$(dirname "$0")/lib.sh"
D="$KS_SRCDIR/tests/chaos"

# run NAME BASE FAILURES...: BASE with a failures: section, into $TMP/NAME.db
run() {
	name=$1 base=$2
	shift 2
	{ cat "$D/$base"; echo "failures:"; echo "  scheduled:";
	  for f in "$@"; do echo "    - $f"; done; } >"$TMP/$name.yaml"
	"$KUBESIM" run "$TMP/$name.yaml" --set warmStart=false --out "$TMP/$name.db" -q \
	    2>"$TMP/$name.err"
	check_eq "$name: exit status" $? 0
}

# ---- partition: NotReady at the first 5 s monitor tick at least 40 s after
# 601 s (641 -> 645), evictions 300 s later (945). Computed by hand.
run part base.yaml "{at: 601s, action: partitionZone, zone: zone-a, duration: 20m}"
DB=$TMP/part.db
check_eq "partition: NotReady at" "$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'NodeNotReady'")" 645.0
check_eq "partition: NotReady nodes are zone-a's" \
	"$(q $DB "SELECT group_concat(object, ' ') FROM (SELECT object FROM events WHERE kind = 'NodeNotReady' ORDER BY object)")" \
	"general-0 general-3 spot-0 spot-1"
check_eq "partition: first eviction at" "$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'Evicted'")" 945.0
check_eq "partition: all evictions at" "$(q $DB "SELECT count(DISTINCT t_s) FROM events WHERE kind = 'Evicted'")" 1
evicted=$(q $DB "SELECT count(*) FROM events WHERE kind = 'Evicted'")
check_range "partition: pods evicted" "$evicted" 1 6
check_eq "partition: replacements created after the eviction" \
	"$(q $DB "SELECT count(*) FROM events WHERE kind = 'PodCreated' AND t_s > 945 AND t_s < 946")" "$evicted"
check_eq "partition: fault row" "$(q $DB "SELECT kind, target, start_s, end_s FROM faults")" \
	"partitionZone|zone-a|601.0|1801.0"
check_eq "partition: healed nodes" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'PartitionHealed' AND t_s = 1801")" 4
check_eq "partition: evicted pods gone when it heals" \
	"$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'PodDeleted' AND t_s > 600")" 1801.0
check_eq "partition: nodes Ready at the end" "$(q $DB "SELECT nodes_ready FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" 8

# ---- API server outage from 10m to 15m while the load steps up at 10m30s.
run api hpa.yaml "{at: 10m, action: apiOutage, duration: 5m}"
run noapi hpa.yaml "{at: 10m, action: scale, deployment: web, replicas: 2}"
DB=$TMP/api.db
check_eq "outage: no HPA evaluation" "$(q $DB "SELECT count(*) FROM hpa_decisions WHERE t_s > 600 AND t_s < 900")" 0
check_eq "outage: no pod created" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'PodCreated' AND t_s > 600 AND t_s < 900")" 0
check_eq "outage: replicas frozen" "$(q $DB "SELECT DISTINCT replicas_desired FROM service_intervals WHERE t_s > 600 AND t_s < 900")" 2
up=$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'HPARescale' AND t_s >= 900")
check_range "outage: the HPA scales when it returns" "$up" 900 915
check_range "without the outage the HPA scales at once" \
	"$(q $TMP/noapi.db "SELECT min(t_s) FROM events WHERE kind = 'HPARescale' AND t_s > 630")" 630 660
check_contains "outage: every node NotReady when it returns" \
	"$(q $DB "SELECT t_s, detail FROM events WHERE kind = 'MasterDisruption'")" "900.0|6 nodes NotReady"
check_eq "outage: nodes Ready one lease renewal later" \
	"$(q $DB "SELECT count(*) FROM events WHERE kind = 'NodeReady' AND t_s = 910")" 6
check_eq "outage: no eviction" "$(q $DB "SELECT count(*) FROM events WHERE kind IN ('Evicted', 'NodeEviction')")" 0
check_eq "outage: backlog cleared" "$(q $DB "SELECT pods_pending FROM cluster_intervals WHERE t_s = 1200")" 0
ready=$(q $DB "SELECT replicas_ready FROM service_intervals WHERE t_s = 1200")
check_eq "outage: scaled up as without it by 20m" "$ready" \
	"$(q $TMP/noapi.db "SELECT replicas_ready FROM service_intervals WHERE t_s = 1200")"
check_eq "outage: fault row" "$(q $DB "SELECT kind, start_s, end_s FROM faults")" "apiOutage|600.0|900.0"

# ---- drain general-2 (web-00001 runs there) under a PDB of minAvailable 6
# with 6 replicas: refused until web is scaled to 7 at 15m.
run drain base.yaml "{at: 10m, action: drainNodes, node: general-2}" \
	"{at: 15m, action: scale, deployment: web, replicas: 7}"
DB=$TMP/drain.db
check_eq "drain: cordoned at" "$(q $DB "SELECT t_s FROM events WHERE kind = 'NodeCordoned'")" 600.0
check_eq "drain: refused every 5 s until the PDB allows" \
	"$(q $DB "SELECT count(*), min(t_s), max(t_s) FROM events WHERE kind = 'EvictionRefused'")" "61|600.0|900.0"
ev=$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'Evicted'")
check_range "drain: evicted once the new pod is Ready" "$ev" 900.5 905
check_eq "drain: the pod on the node evicted" "$(q $DB "SELECT object FROM events WHERE kind = 'Evicted'")" web-00001
end=$(q $DB "SELECT end_s FROM faults WHERE kind = 'drainNodes'")
check_range "drain: fault ends when the node is empty" "$end" "$ev" 940

# ---- spot reclaim at 20m: cordoned and drained at the notice, gone 2 min later.
run spot base.yaml "{at: 20m, action: spotReclaim, pool: spot}"
run nospot base.yaml
DB=$TMP/spot.db
node=$(q $DB "SELECT object FROM events WHERE kind = 'SpotInterruptionNotice'")
check_contains "spot: a spot node" "$node" "spot-"
check_eq "spot: cordoned at the notice" "$(q $DB "SELECT t_s FROM events WHERE kind = 'NodeCordoned' AND object = '$node'")" 1200.0
check_eq "spot: removed 2 min later" "$(q $DB "SELECT t_s, detail FROM events WHERE kind = 'NodeDeleted' AND object = '$node'")" "1320.0|SpotReclaimed"
check_eq "spot: fault row" "$(q $DB "SELECT kind, target, start_s, end_s FROM faults")" "spotReclaim|$node|1200.0|1320.0"
check_eq "spot: 7 nodes after" "$(q $DB "SELECT nodes_total FROM cluster_intervals WHERE t_s = 1380")" 7
saved=$(q $DB "SELECT sum(cost_usd) FROM cluster_intervals")
nos=$(q $TMP/nospot.db "SELECT sum(cost_usd) FROM cluster_intervals")
# The spot node's own price (0.06 USD/h) for the 1080 s it no longer runs.
check_range "spot: its price leaves the cost" \
	"$(awk -v a="$nos" -v b="$saved" 'BEGIN { printf "%.6f", (a - b) / (0.06 * 1080 / 3600) }')" 0.999999 1.000001

# random reclaims: each node gone its notice after it
run rspot base.yaml "{at: 0s, action: spotReclaim, pool: spot, every: {dist: exponential, mean: 10m}}"
check_range "spot: random reclaims" "$(q $TMP/rspot.db "SELECT count(*) FROM faults")" 1 2
check_eq "spot: each 120 s after its notice" "$(q $TMP/rspot.db "SELECT count(*) FROM faults WHERE abs(end_s - start_s - 120) > 1e-6")" 0
check_eq "spot: random reclaims only take spot nodes" "$(q $TMP/rspot.db "SELECT count(*) FROM faults WHERE target NOT LIKE 'spot-%'")" 0

# ---- pod kills: two at 5m, then random ones every ~5 min from 10m to 30m.
run kill base.yaml "{at: 5m, action: killPods, selector: {matchLabels: {app: web}}, count: 2}" \
	"{at: 10m, action: killPods, selector: {matchLabels: {app: web}}, every: {dist: exponential, mean: 5m}, duration: 20m}"
DB=$TMP/kill.db
check_eq "kill: two at 5m" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'Killing' AND t_s = 300")" 2
rnd=$(q $DB "SELECT count(*) FROM events WHERE kind = 'Killing' AND t_s > 600")
check_range "kill: random kills" "$rnd" 1 30
check_eq "kill: random kills in the window" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'Killing' AND t_s > 1800")" 0
check_eq "kill: a row per kill" "$(q $DB "SELECT count(*) FROM faults WHERE kind = 'killPods' AND start_s = end_s")" $((rnd + 2))
check_eq "kill: replaced" "$(q $DB "SELECT replicas_ready FROM service_intervals ORDER BY t_s DESC LIMIT 1")" 6
"$KUBESIM" run "$TMP/kill.yaml" --set warmStart=false --out "$TMP/kill2.db" -q
check_eq "kill: random kills are deterministic" "$(q $TMP/kill2.db "SELECT group_concat(t_s || object) FROM events WHERE kind = 'Killing'")" \
	"$(q $DB "SELECT group_concat(t_s || object) FROM events WHERE kind = 'Killing'")"

# ---- upgrade of the spot pool: one node at a time, surge first; web at 7
# replicas so that its PDB lets one pod go at a time.
run upg base.yaml "{at: 1m, action: scale, deployment: web, replicas: 7}" \
	"{at: 5m, action: upgradeNodes, pool: spot}"
DB=$TMP/upg.db
check_eq "upgrade: both replaced" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'NodeDeleted' AND detail = 'Upgraded'")" 2
first_del=$(q $DB "SELECT min(t_s) FROM events WHERE kind = 'NodeDeleted' AND detail = 'Upgraded'")
second=$(q $DB "SELECT max(t_s) FROM events WHERE kind = 'UpgradeNode'")
check_range "upgrade: the second node after the first is gone" "$second" "$first_del" 99999
check_eq "upgrade: done" "$(q $DB "SELECT count(*) FROM events WHERE kind = 'UpgradeDone'")" 1
check_eq "upgrade: never more than one surge node" \
	"$(q $DB "SELECT max(nodes_total) FROM cluster_intervals")" 9
check_eq "upgrade: 8 nodes at the end" "$(q $DB "SELECT nodes_total FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" 8

# ---- image pulls failing from 5m for 2m while every web pod is replaced:
# a pull at 300 s fails, then at 310, 330, 370 (back-off 10, 20, 40 s) and
# 450 s (80 s later) succeeds. Slow API from 20m: x100 on the watch.
run pulls base.yaml "{at: 5m, action: failImagePulls, image: registry.example.com/shop/web, duration: 2m}" \
	"{at: 5m, action: killPods, selector: {matchLabels: {app: web}}, count: 6}" \
	"{at: 20m, action: slowApi, factor: 100, duration: 5m}" \
	"{at: 21m, action: killPods, selector: {matchLabels: {app: web}}, count: 1}"
run nopulls base.yaml "{at: 5m, action: killPods, selector: {matchLabels: {app: web}}, count: 6}" \
	"{at: 21m, action: killPods, selector: {matchLabels: {app: web}}, count: 1}"
DB=$TMP/pulls.db
n=$(q $DB "SELECT count(*) FROM events WHERE kind = 'ImagePullBackOff' AND detail LIKE '%: 4 failed pulls%at 450s succeeds'")
check_range "pulls: pods in ImagePullBackOff" "$n" 1 6
check_eq "pulls: they run once the pull after the window succeeds" \
	"$(q $DB "SELECT count(*) FROM events e WHERE kind = 'PodRunning' AND t_s >= 450 AND t_s < 470 AND object IN
	    (SELECT object FROM events WHERE kind = 'ImagePullBackOff')")" "$n"
check_eq "pulls: none without the fault" "$(q $TMP/nopulls.db "SELECT count(*) FROM events WHERE kind = 'ImagePullBackOff' OR (kind = 'PodRunning' AND t_s > 400 AND t_s < 1200)")" 0
check_eq "pulls: fault rows" "$(q $DB "SELECT group_concat(kind || ' ' || start_s || ' ' || end_s, ', ') FROM faults WHERE kind NOT LIKE 'kill%'")" \
	"failImagePulls 300.0 420.0, slowApi 1200.0 1500.0"
slow=$(q $DB "SELECT min(t_s) - 1260 FROM events WHERE kind = 'PodCreated' AND t_s > 1260")
fast=$(q $TMP/nopulls.db "SELECT min(t_s) - 1260 FROM events WHERE kind = 'PodCreated' AND t_s > 1260")
check_range "slowApi: the ReplicaSet's watch 100 times slower" "$(awk -v a="$slow" -v b="$fast" 'BEGIN { print a / b }')" 99.99 100.01

# ---- incident replay: yesterday's events (10:00:00 first) from 5m on.
replay() {	# NAME EVENTS-FILE
	{ cat "$D/base.yaml"; echo "failures:"; echo "  replay: {events: $D/$2, at: 5m}"; } >"$TMP/$1.yaml"
	"$KUBESIM" run "$TMP/$1.yaml" --out "$TMP/$1.db" 2>"$TMP/$1.err" >/dev/null
	check_eq "$1: exit status" $? 0
}
replay rep incident-events.yaml
DB=$TMP/rep.db
check_eq "replay: general-1 down 10:02-10:08" \
	"$(q $DB "SELECT start_s, end_s FROM faults WHERE target = 'general-1'")" "420.0|780.0"
check_eq "replay: the control plane sees it" \
	"$(q $DB "SELECT t_s FROM events WHERE kind = 'NodeNotReady' AND object = 'general-1'")" 460.0
check_eq "replay: node back" "$(q $DB "SELECT t_s FROM events WHERE kind = 'NodeRecovered'")" 780.0
check_eq "replay: pod failures at their times" \
	"$(q $DB "SELECT group_concat(t_s || ' ' || kind, ', ') FROM (SELECT t_s, kind FROM events
	    WHERE kind IN ('Evicted', 'OOMKilling', 'BackOff', 'Unhealthy', 'Killing', 'FailedScheduling') ORDER BY t_s)")" \
	"570.0 Evicted, 600.0 OOMKilling, 660.0 BackOff, 720.0 Unhealthy, 750.0 Killing, 765.0 FailedScheduling"
check_contains "replay: a pod named by its owner" \
	"$(q $DB "SELECT detail FROM events WHERE kind = 'Evicted'")" "replayed web-7d9f8b6c5d-k9mzt"
check_eq "replay: the same real pod maps to the same simulated one" \
	"$(q $DB "SELECT count(DISTINCT object) FROM events WHERE kind IN ('Unhealthy', 'Killing')")" 1
check_contains "replay: OOMKilling hits a pod of its node" \
	"$(q $DB "SELECT detail FROM events WHERE kind = 'OOMKilling'")" "node:general-2"
oom=$(q $DB "SELECT object FROM events WHERE kind = 'OOMKilling'")
check_contains "replay: ... which ran on general-2" \
	"$(q $DB "SELECT detail FROM events WHERE kind = 'Scheduled' AND object = '$oom'")" "general-2"
check_eq "replay: readiness failure: not Ready for 30 s" \
	"$(q $DB "SELECT start_s, end_s FROM faults WHERE detail LIKE 'Unhealthy%'")" "720.0|750.0"
check_eq "replay: unknown objects are warnings" "$(grep -c 'warning: .*incident-events.yaml:[0-9]*:[0-9]*: .*not replayed' "$TMP/rep.err")" 2
check_contains "replay: unknown node named" "$(cat "$TMP/rep.err")" "ip-10-0-3-7.ec2.internal"
check_contains "replay: unknown pod named" "$(cat "$TMP/rep.err")" "shop/payments-5f6d7c8b9-qwert"
replay repjson incident-events.json
check_eq "replay: -o json gives the same rows" \
	"$(q $TMP/repjson.db "SELECT group_concat(t_s || kind || object || detail) FROM events")" \
	"$(q $DB "SELECT group_concat(t_s || kind || object || detail) FROM events")"

# ---- bad input: file:line:column, exit 2, nothing written.
# bad NAME 'FAULT' 'EXPECTED MESSAGE PART' [LINE:COL]
bad() {
	name=$1
	{ cat "$D/base.yaml"; echo "failures:"; echo "  scheduled:"; echo "    - $2"; } >"$TMP/bad.yaml"
	rm -f "$TMP/bad.db"
	"$KUBESIM" run "$TMP/bad.yaml" --out "$TMP/bad.db" -q 2>"$TMP/err"
	check_eq "$name: exit status" $? 2
	check_eq "$name: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
	check_contains "$name: message" "$(cat "$TMP/err")" "$3"
	if grep -Eq "^kubesim: $TMP/bad.yaml:[0-9]+:[0-9]+: " "$TMP/err"; then pass; else
		fail "$name: no file:line:col: $(cat "$TMP/err")"; fi
	if [ -n "${4:-}" ]; then check_contains "$name: position" "$(cat "$TMP/err")" "bad.yaml:$4:"; fi
	if [ -e "$TMP/bad.db" ]; then fail "$name: results file written"; else pass; fi
}
L=$(($(wc -l <"$D/base.yaml") + 3))
bad "partition without zone" "{at: 1m, action: partitionZone, duration: 5m}" "partitionZone needs a zone" "$L:7"
bad "partition unknown zone" "{at: 1m, action: partitionZone, zone: zone-x, duration: 5m}" "zone 'zone-x' is not a zone"
bad "partition without duration" "{at: 1m, action: partitionZone, zone: zone-a}" "needs a duration greater than 0"
bad "partition bad duration" "{at: 1m, action: partitionZone, zone: zone-a, duration: 5 minutes}" "duration"
bad "partition foreign key" "{at: 1m, action: partitionZone, zone: zone-a, duration: 5m, count: 2}" \
	"the partitionZone action takes at, action and zone, pool, duration, not 'count'"
bad "outage without duration" "{at: 1m, action: apiOutage}" "apiOutage needs a duration"
bad "outage negative duration" "{at: 1m, action: apiOutage, duration: -5m}" "duration"
bad "outage bad at" "{at: soon, action: apiOutage, duration: 5m}" "at"
bad "spot on a non-spot pool" "{at: 1m, action: spotReclaim, pool: general}" "is not a spot pool"
bad "spot without pool" "{at: 1m, action: spotReclaim}" "spotReclaim needs the pool"
bad "spot bad notice" "{at: 1m, action: spotReclaim, pool: spot, notice: 2 min}" "invalid duration '2 min'"
bad "spot zero count" "{at: 1m, action: spotReclaim, pool: spot, count: 0}" "count"
bad "spot window without every" "{at: 1m, action: spotReclaim, pool: spot, duration: 1h}" "it needs every"
bad "kill without selector" "{at: 1m, action: killPods}" "killPods needs a selector"
bad "kill bad selector" "{at: 1m, action: killPods, selector: {matchLabel: {app: web}}}" "matchLabel"
bad "kill bad every" "{at: 1m, action: killPods, selector: {matchLabels: {app: web}}, every: {dist: exponential, mean: 0s}}" "must be positive"
bad "kill unknown every" "{at: 1m, action: killPods, selector: {matchLabels: {app: web}}, every: {dist: poisson, mean: 5m}}" "poisson"
bad "drain unknown node" "{at: 1m, action: drainNodes, node: worker-1}" "node 'worker-1' is not a node name"
bad "drain unknown pool" "{at: 1m, action: drainNodes, pool: gpu}" "node pool 'gpu' is not defined"
bad "drain negative count" "{at: 1m, action: drainNodes, count: -1}" "count"
bad "upgrade without pool" "{at: 1m, action: upgradeNodes}" "upgradeNodes needs a pool"
bad "upgrade foreign key" "{at: 1m, action: upgradeNodes, pool: spot, selector: {}}" "not 'selector'"
bad "slowApi without factor" "{at: 1m, action: slowApi, duration: 5m}" "slowApi needs a factor"
bad "slowApi zero factor" "{at: 1m, action: slowApi, duration: 5m, factor: 0}" "factor: expected a number greater than 0"
bad "slowApi factor not a number" "{at: 1m, action: slowApi, duration: 5m, factor: fast}" "fast"
bad "slowApi without duration" "{at: 1m, action: slowApi, factor: 3}" "slowApi needs a duration"
bad "failImagePulls without duration" "{at: 1m, action: failImagePulls}" "failImagePulls needs a duration"
bad "failImagePulls empty image" "{at: 1m, action: failImagePulls, duration: 1m, image: ''}" "image: expected an image name"
bad "slowImagePulls foreign key" "{at: 1m, action: slowImagePulls, duration: 1m, factor: 2, zone: zone-a}" "not 'zone'"
# replay
badrep() {	# NAME 'REPLAY VALUE' 'EVENTS TEXT' 'EXPECTED'
	printf '%s\n' "$3" >"$TMP/ev.yaml"
	{ cat "$D/base.yaml"; echo "failures:"; echo "  replay: $2"; } >"$TMP/bad.yaml"
	rm -f "$TMP/bad.db"
	"$KUBESIM" run "$TMP/bad.yaml" --out "$TMP/bad.db" -q 2>"$TMP/err"
	check_eq "$1: exit status" $? 2
	check_eq "$1: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
	check_contains "$1: message" "$(cat "$TMP/err")" "$4"
	if grep -Eq "^kubesim: [^:]+:[0-9]+:[0-9]+: " "$TMP/err"; then pass; else
		fail "$1: no file:line:col: $(cat "$TMP/err")"; fi
	if [ -e "$TMP/bad.db" ]; then fail "$1: results file written"; else pass; fi
}
GOOD='{apiVersion: v1, kind: List, items: []}'
badrep "replay missing file" "$TMP/none.yaml" "$GOOD" "cannot read the events file"
badrep "replay unknown key" "{events: $TMP/ev.yaml, start: 5m}" "$GOOD" "start"
badrep "replay bad at" "{events: $TMP/ev.yaml, at: later}" "$GOOD" "later"
badrep "replay without events" "{at: 5m}" "$GOOD" "needs events"
badrep "replay not a list" "$TMP/ev.yaml" "{apiVersion: v1, kind: Pod, metadata: {name: x}}" "found kind Pod"
badrep "replay bad time" "$TMP/ev.yaml" "{kind: List, items: [{reason: Evicted, firstTimestamp: yesterday, involvedObject: {kind: Pod, name: web-1-a}}]}" \
	"ev.yaml:1:56: invalid time 'yesterday'"
badrep "replay no time" "$TMP/ev.yaml" "{kind: List, items: [{reason: Evicted, involvedObject: {kind: Pod, name: web-1-a}}]}" \
	"without firstTimestamp"
badrep "replay malformed" "$TMP/ev.yaml" "{kind: List, items: [" "ev.yaml:"
badrep "replay item not a map" "$TMP/ev.yaml" "{kind: List, items: [3]}" "expected an Event"
# spot: on a pool is a boolean
sed 's/spot: true/spot: maybe/' "$D/base.yaml" >"$TMP/badspot.yaml"
"$KUBESIM" run "$TMP/badspot.yaml" --out "$TMP/bad.db" -q 2>"$TMP/err"
check_eq "spot: not a boolean: exit status" $? 2
check_contains "spot: not a boolean: position" "$(cat "$TMP/err")" "badspot.yaml:16:68: expected true or false"
[ -e "$TMP/bad.db" ] && fail "spot: not a boolean: results file written" || pass
finish
