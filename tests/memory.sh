#!/bin/sh
# memory.sh - the memory model through `kubesim run` (models/cluster/memory.c):
# a constant leak OOM-kills a container at the computed time (integer ns
# after each start), again after each restart and crash-loop back-off; a
# release's memoryLeakPerHour leaks; the in-flight term kills under load;
# no limit, no kill (tests/data/memory_oom.yaml). Node-pressure eviction
# in the kubelet's ranking order, one pod per pass (the next once the pod is
# cleaned up), MemoryPressure for the
# transition period, and a node without pressure never evicts
# (tests/data/memory_pressure.yaml). Bad memory and kubelet fields.
. "$(dirname "$0")/lib.sh"
db=$TMP/m.db
"$KUBESIM" run "$KS_SRCDIR/tests/data/memory_oom.yaml" --out "$db" -q
check_eq "oom run status" $? 0

# ns of every OOMKilled minus the pod's start before it (its PodRunning).
gaps() {	# $1: pod name prefix
	q "$db" "SELECT printf('%.9f', k.t_s) || ' ' || printf('%.9f', (SELECT max(r.t_s) FROM events r
	    WHERE r.object = k.object AND r.kind = 'PodRunning' AND r.t_s <= k.t_s))
	    FROM events k WHERE k.kind = 'OOMKilled' AND k.object LIKE '$1-%' ORDER BY k.t_s" |
	while read -r kill start; do
		echo "($kill - $start) * 1000000000" | bc | sed 's/\..*//'
	done | sort -u
}
# leaky: 200Mi + 3120Mi/h past 512Mi: dt = ceil((312Mi + 1) x 3600e9 / 3120Mi) ns
want=$(echo "(327155713 * 3600000000000 + 3271557120 - 1) / 3271557120" | bc)
check_eq "leak: dt" "$want" 360000001101
check_eq "leak: every kill exactly dt after its start" "$(gaps leaky)" "$want"
check_range "leak: kills in 40 min" "$(q "$db" "SELECT count(*) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'leaky-%'")" 5 6
check_contains "leak: exit code 137 and the QoS" \
	"$(q "$db" "SELECT detail FROM events WHERE kind = 'OOMKilled' AND object LIKE 'leaky-%' LIMIT 1")" \
	"exit code 137 after 360 s: working set 536870913 bytes over the memory limit 536870912 (QoS Burstable)"
# the first restart at once, the second after the 10 s back-off, then 20 s
check_eq "leak: restarts after the kills" \
	"$(q "$db" "SELECT group_concat(printf('%.3f', r.t_s - k.t_s), ',') FROM events k JOIN events r
	    ON r.object = k.object AND r.kind = 'Restarted' AND r.t_s = (SELECT min(t_s) FROM events
	    WHERE object = k.object AND kind = 'Restarted' AND t_s >= k.t_s)
	    WHERE k.kind = 'OOMKilled' AND k.object LIKE 'leaky-%' AND k.t_s < 1200 ORDER BY k.t_s")" \
	"0.000,10.000,20.000"
check_eq "leak: CrashLoopBackOff" \
	"$(q "$db" "SELECT group_concat(detail, '|') FROM (SELECT detail FROM events WHERE kind = 'BackOff'
	    AND object LIKE 'leaky-%' ORDER BY t_s LIMIT 2)")" \
	"Back-off 10 s restarting failed container (CrashLoopBackOff)|Back-off 20 s restarting failed container (CrashLoopBackOff)"
check_eq "leak: restarts counted in rollout_intervals" \
	"$(q "$db" "SELECT sum(restarts) FROM rollout_intervals WHERE deployment = 'leaky'")" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'Restarted' AND object LIKE 'leaky-%'")"
check_eq "leak: the same pod restarts (no replacement)" \
	"$(q "$db" "SELECT count(DISTINCT object) FROM events WHERE object LIKE 'leaky-%'")" 1
# bad: a release's memoryLeakPerHour 1280Mi from half its 256Mi request
want=$(echo "(134217729 * 3600000000000 + 1342177280 - 1) / 1342177280" | bc)
check_eq "release leak: every kill exactly dt after its start" "$(gaps bad)" "$want"
check_contains "release leak: Guaranteed" \
	"$(q "$db" "SELECT detail FROM events WHERE kind = 'OOMKilled' AND object LIKE 'bad-%' LIMIT 1")" "(QoS Guaranteed)"
# rel: the rollout's release leaks (the old pod does not)
check_eq "rollout leak: the new release is killed dt after each start" "$(gaps rel)" \
	"$(echo "(327155713 * 3600000000000 + 3271557120 - 1) / 3271557120" | bc)"
check_eq "rollout leak: only the new release's pods" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'rel-%' AND (t_s < 600
	    OR object = 'rel-00000')")/$(q "$db" "SELECT count(*) > 0 FROM events WHERE kind = 'OOMKilled' AND object LIKE 'rel-%'")" "0/1"
check_eq "no limit: never OOM-killed" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'nolimit-%'")" 0
# busy: 200Mi + 1Mi per request in flight, limit 300Mi: 10 req/s x 1 s
# fits, 200 req/s from 20 min do not
check_eq "in flight: no kill at 10 req/s" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'busy-%' AND t_s < 1200")" 0
check_range "in flight: killed within a tick of the step" \
	"$(q "$db" "SELECT min(t_s) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'busy-%'")" 1200 1202
check_eq "no node pressure on a big node" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind IN ('Evicted', 'NodeHasInsufficientMemory')")" 0

# Request mode: the in-flight term counts each pod's queued and running requests.
"$KUBESIM" run "$KS_SRCDIR/tests/data/memory_oom.yaml" --set trafficMode=request --duration 21m \
	--out "$TMP/rq.db" -q
check_eq "request mode: run status" $? 0
check_range "request mode: killed within a tick of the step" \
	"$(q "$TMP/rq.db" "SELECT min(t_s) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'busy-%'")" 1200 1202

# Warm start: the leak starts at t = 0, the first kill exactly dt later.
"$KUBESIM" run "$KS_SRCDIR/tests/data/memory_oom.yaml" --set warmStart=true --duration 10m \
	--out "$TMP/warm.db" -q
check_eq "warm start: run status" $? 0
check_eq "warm start: first kills at dt" \
	"$(q "$TMP/warm.db" "SELECT printf('%.9f', min(t_s)) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'leaky-%'")/$(q "$TMP/warm.db" "SELECT printf('%.9f', min(t_s)) FROM events WHERE kind = 'OOMKilled' AND object LIKE 'bad-%'")" \
	"360.000001101/360.000002683"

# Node-pressure eviction.
db=$TMP/p.db
"$KUBESIM" run "$KS_SRCDIR/tests/data/memory_pressure.yaml" --out "$db" -q
check_eq "pressure run status" $? 0
check_eq "eviction order (rankMemoryPressure)" \
	"$(q "$db" "SELECT group_concat(substr(object, 1, 1), ',') FROM
	    (SELECT * FROM events WHERE kind = 'Evicted' AND t_s < 300 ORDER BY t_s)")" "d,c,b"
check_eq "eviction: the first at the first 10 s pass" \
	"$(q "$db" "SELECT printf('%.3f', min(t_s)) FROM events WHERE kind = 'Evicted'")" "10.000"
# waitForPodsCleanup: the next pass at the first 1 s poll after the evicted
# pod is gone (PodDeleted), then the next eviction at once
check_eq "eviction: the next one at the first poll after the cleanup" \
	"$(q "$db" "SELECT group_concat(ok, ',') FROM (SELECT e.t_s, (SELECT min(n.t_s) FROM events n
	    WHERE n.kind = 'Evicted' AND n.t_s > e.t_s) = e.t_s + (SELECT CAST(d.t_s - e.t_s AS INTEGER) + 1
	    FROM events d WHERE d.kind = 'PodDeleted' AND d.object = e.object) AS ok
	    FROM events e WHERE e.kind = 'Evicted' AND e.t_s < 300 AND e.object NOT LIKE 'b-%' ORDER BY e.t_s)")" "1,1"
check_eq "eviction: not more than one pod per pass" \
	"$(q "$db" "SELECT max(n) FROM (SELECT count(*) AS n FROM events WHERE kind = 'Evicted' GROUP BY t_s)")" 1
check_contains "eviction: signal, threshold, QoS" \
	"$(q "$db" "SELECT detail FROM events WHERE kind = 'Evicted' ORDER BY t_s LIMIT 1")" \
	"memory (memory.available). Threshold quantity: 1500.0 Mi, available: 840.0 Mi. Pod was using 228.0 Mi, request is 0.0 Mi (QoS BestEffort)"
check_eq "eviction: the pod fails, its controller replaces it" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'PodFailed' AND object = 'd-00000'")/$(q "$db" "SELECT count(*) FROM events WHERE kind = 'PodCreated' AND object = 'd-00001'")" "1/1"
last=$(q "$db" "SELECT max(t_s) FROM events WHERE kind = 'EvictionThresholdMet' AND t_s < 300")
check_eq "MemoryPressure: set at the first pass, cleared at the first pass 5 min after the last crossing" \
	"$(q "$db" "SELECT group_concat(printf('%.0f', t_s) || ':' || kind, ',') FROM (SELECT * FROM events
	    WHERE kind LIKE 'NodeHas%Memory' ORDER BY t_s LIMIT 2)")" \
	"10:NodeHasInsufficientMemory,$(echo "($last + 300 + 9.999) / 10 * 10" | bc):NodeHasSufficientMemory"
check_eq "MemoryPressure: the taint keeps replacements off the node" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'PodRunning' AND t_s BETWEEN 10 AND $last + 300")" 0
check_contains "MemoryPressure: the scheduler sees the taint" \
	"$(q "$db" "SELECT reason FROM scheduling_decisions WHERE pod = 'd-00001' LIMIT 1")" "untolerated taint"
check_eq "a below-request pod is not evicted while others exceed" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'Evicted' AND object LIKE 'a-%'")" 0
"$KUBESIM" run "$KS_SRCDIR/tests/data/memory_pressure.yaml" --set nodePools.0.memory=64Gi \
	--out "$TMP/free.db" -q
check_eq "pressure-free: run status" $? 0
check_eq "pressure-free: never evicts" \
	"$(q "$TMP/free.db" "SELECT count(*) FROM events WHERE kind IN ('Evicted', 'EvictionThresholdMet',
	    'NodeHasInsufficientMemory', 'PodFailed')")" 0

# Bad input: file:line:column, exit 2.
bad() {	# name, field text replacing the scenario's, expected message part
	sed "$2" "$KS_SRCDIR/tests/data/memory_pressure.yaml" >"$TMP/$1.yaml"
	"$KUBESIM" validate "$TMP/$1.yaml" 2>"$TMP/err"
	check_eq "$1: status" $? 2
	check_contains "$1: message" "$(cat "$TMP/err")" "$3"
}
bad mem_unknown 's/memory: {base: 228Mi}/memory: {bse: 228Mi}/' \
	"$TMP/mem_unknown.yaml:82:43: unknown field 'bse' in memory (did you mean 'base'?)"
bad mem_negative 's/memory: {base: 228Mi}/memory: {base: -1Mi}/' \
	"$TMP/mem_negative.yaml:82:49: base must not be negative"
bad mem_quantity 's/memory: {base: 228Mi}/memory: {perRequest: 1MB}/' "mem_quantity.yaml:82:55: invalid quantity '1MB'"
bad mem_leak_map 's/memory: {base: 228Mi}/memory: {leakPerHour: {a: 1}}/' \
	"mem_leak_map.yaml:82:56: leakPerHour: expected a memory quantity"
bad mem_not_map 's/memory: {base: 228Mi}/memory: 228Mi/' "mem_not_map.yaml:82:42: expected a mapping for memory"
bad evict_signal 's/memory.available: 1500Mi/memory.avail: 1500Mi/' \
	"evict_signal.yaml:17:18: evictionHard: unknown eviction signal 'memory.avail'"
bad evict_value 's/memory.available: 1500Mi/memory.available: lots/' \
	"evict_value.yaml:17:36: evictionHard: memory.available:"
bad evict_pct 's/memory.available: 1500Mi/memory.available: 150%/' "evict_pct.yaml:17:36: evictionHard: memory.available:"
bad evict_negative 's/memory.available: 1500Mi/memory.available: -1Mi/' "evict_negative.yaml:17:36:"
bad evict_not_map 's/evictionHard: {memory.available: 1500Mi}/evictionHard: 100Mi/' \
	"evict_not_map.yaml:17:17: evictionHard: expected a mapping"
bad kubelet_unknown 's/evictionPressureTransitionPeriod: 5m/evictionPressureTransition: 5m/' \
	"kubelet_unknown.yaml:18:3: unknown field 'evictionPressureTransition' in kubelet"
bad transition_bad 's/evictionPressureTransitionPeriod: 5m/evictionPressureTransitionPeriod: soon/' \
	"transition_bad.yaml:18:37: invalid duration 'soon'"
sed 's/memoryLeakPerHour: 1280Mi/memoryLeakPerHour: -5Mi/' "$KS_SRCDIR/tests/data/memory_oom.yaml" >"$TMP/leak_neg.yaml"
"$KUBESIM" validate "$TMP/leak_neg.yaml" 2>"$TMP/err"
check_eq "leak_neg: status" $? 2
check_contains "leak_neg: message" "$(cat "$TMP/err")" "leak_neg.yaml:118:44: memoryLeakPerHour must not be negative"
finish
