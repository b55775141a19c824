#!/bin/sh
# podtrace.sh - cluster trace replay (podTrace): a hand-checked trace
# (tests/data/podtrace: its own column names and units) placed at arrival,
# deleted at its deletion times, a pod that fits nowhere unschedulable with
# its pending time and the scheduler's message, fragmentation as computed by
# hand; then a generated trace of the Alibaba GPU 2023 shape
# (tests/gen_podtrace.sh) on real times and compressed: GPU counts respected
# on every node, arrivals every gap until the GPUs asked fill the cluster;
# and bad input (CSV cells and YAML fields: file:line:column, exit 2).
. "$(dirname "$0")/lib.sh"
D="$KS_SRCDIR/tests/data/podtrace"
db="$TMP/small.db"
check_contains "validate without services" "$("$KUBESIM" validate "$D/scenario.yaml")" \
    "0 services"
"$KUBESIM" run "$D/scenario.yaml" --out "$db" -q 2>"$TMP/err"
check_eq "exit status" $? 0
check_eq "stderr" "$(cat "$TMP/err")" ""
# t = 0 is the first creation (100 s); microseconds and whole cores read as units say
check_eq "arrivals" "$(q "$db" "SELECT group_concat(pod || '@' || created_s, ' ') FROM
    (SELECT * FROM trace_pods ORDER BY created_s)")" \
    "p0@0.0 p1@10.0 p2@20.0 p3@30.0 p4@40.0"
check_eq "requests" "$(q "$db" "SELECT cpu_m || '/' || memory || '/' || gpus FROM trace_pods
    WHERE pod = 'p4'")" "500/536870912/1"
# placed at arrival: bound within a second (the scheduler's and API latency)
check_eq "placements" "$(q "$db" "SELECT group_concat(pod || ':' || node, ' ') FROM
    (SELECT * FROM trace_pods WHERE outcome = 'placed' ORDER BY pod)")" "p0:n0 p1:n0 p3:n0"
check_eq "placed at arrival" "$(q "$db" "SELECT COUNT(*) FROM trace_pods WHERE
    outcome = 'placed' AND pending_s BETWEEN 0 AND 1 AND bound_s = created_s + pending_s")" 3
# leave at deletion: graceful termination (about a second, grace 30 s)
check_range "p0 leaves" "$(q "$db" "SELECT deleted_s FROM trace_pods WHERE pod = 'p0'")" 100 130
check_range "p1 leaves" "$(q "$db" "SELECT deleted_s FROM trace_pods WHERE pod = 'p1'")" 200 230
check_eq "p3 stays" "$(q "$db" "SELECT deleted_s IS NULL FROM trace_pods WHERE pod = 'p3'")" 1
# fits nowhere: unschedulable, pending from arrival to deletion (20 s to 150 s)
check_eq "p2 unschedulable" "$(q "$db" "SELECT outcome || ' ' || pending_s || ' ' || deleted_s ||
    ' ' || (node IS NULL) FROM trace_pods WHERE pod = 'p2'")" "unschedulable 130.0 150.0 1"
check_contains "p2 reason" "$(q "$db" "SELECT reason FROM trace_pods WHERE pod = 'p2'")" \
    "0/2 nodes are available: 2 Insufficient nvidia.com/gpu"
# no V100 node: Pending until the end (40 s to 600 s)
check_eq "p4 pending to the end" "$(q "$db" "SELECT outcome || ' ' || pending_s FROM trace_pods
    WHERE pod = 'p4'")" "unschedulable 560.0"
check_contains "p4 reason" "$(q "$db" "SELECT reason FROM trace_pods WHERE pod = 'p4'")" \
    "didn't match Pod's node affinity/selector"
# GPUs: both of n0's taken at 60 s (p0, p3), p2's 4 never
check_eq "at 60 s" "$(q "$db" "SELECT arrived || ' ' || pending || ' ' || unschedulable || ' ' ||
    running || ' ' || gpu_alloc || ' ' || gpus_free FROM trace_intervals WHERE t_s = 60")" \
    "5 2 2 3 1.0 0"
check_eq "cpu allocation at 60 s" "$(q "$db" "SELECT printf('%.4f', cpu_alloc) FROM
    trace_intervals WHERE t_s = 60")" "0.3333"
# At the end n0 has 1 free GPU (p3 holds the other, 7 cores and 31Gi free).
# The classes, each 1/5 of the pods: p0 (1 GPU) fits, p3 (1 GPU, T4|V100)
# fits; p1 asks for no GPU, p2 for 4, p4 for a V100: each leaves the free
# GPU unusable. Fragmentation 3/5 x 1 = 0.6 GPU, rate 0.6.
check_eq "fragmentation at the end" "$(q "$db" "SELECT printf('%.4f %.4f', gpu_frag,
    gpu_frag_rate) || ' ' || left_unplaced FROM trace_intervals ORDER BY t_s DESC LIMIT 1")" \
    "0.6000 0.6000 1"
# per node: n0 held p0's GPU from ~0.1 s to ~100.7 s and p3's from ~30.1 s to
# the end: (100.6 + 569.9) GPU-s / (600 s x 2 GPUs) = 0.559
check_eq "n0's row" "$(q "$db" "SELECT pods_placed || ' ' || gpus || ' ' || gpus_free || ' ' ||
    printf('%.3f %.1f', gpu_alloc_avg, gpu_frag) FROM trace_nodes WHERE node = 'n0'")" \
    "3 2 1 0.559 0.6"
check_eq "n1's row" "$(q "$db" "SELECT pods_placed || ' ' || cpu_m || ' ' || cpu_alloc_avg || ' ' ||
    (gpu_alloc_avg IS NULL) FROM trace_nodes WHERE node = 'n1'")" "0 4000 0.0 1"
check_eq "no GPU free, no fragmentation" "$(q "$db" "SELECT gpu_frag || ' ' ||
    (gpu_frag_rate IS NULL) FROM trace_intervals WHERE t_s = 60")" "0.0 1"

# deterministic: the same rows again
"$KUBESIM" run "$D/scenario.yaml" --out "$TMP/again.db" -q 2>"$TMP/err"
if [ "$(dump_rows "$db" | grep -v '^\[')" = "$(dump_rows "$TMP/again.db" | grep -v '^\[')" ] &&
    [ -n "$(q "$db" "SELECT COUNT(*) FROM trace_pods")" ]; then pass; else
	fail "same scenario, same seed: different rows"; fi

# pods after the end: a warning (exit 0); start and speedup shift and scale times
"$KUBESIM" validate "$D/scenario.yaml" --duration 25s >/dev/null 2>"$TMP/err"
check_eq "late pods: exit status" $? 0
check_contains "late pods: warning" "$(cat "$TMP/err")" \
    "scenario.yaml:10:9: podTrace: 2 of its 5 pods arrive after the run ends (the last at 40 s"
"$KUBESIM" run "$D/scenario.yaml" --set podTrace.start=110000000 --set podTrace.speedup=2 \
    --out "$TMP/shift.db" -q 2>"$TMP/err"
check_eq "start, speedup: exit status" $? 0
check_eq "start, speedup: arrivals" "$(q "$TMP/shift.db" "SELECT group_concat(pod || '@' ||
    created_s, ' ') FROM (SELECT * FROM trace_pods ORDER BY pod)")" \
    "p0@0.0 p1@0.0 p2@5.0 p3@10.0 p4@15.0"
check_range "start, speedup: p1 deleted at (300 - 110) / 2 s" "$(q "$TMP/shift.db" "SELECT
    deleted_s FROM trace_pods WHERE pod = 'p1'")" 95 125

# Node objects and a node pool instead of a node list; schedulerConfig's profiles
"$KUBESIM" run "$D/pack.yaml" --out "$TMP/spread.db" -q 2>"$TMP/err"
check_eq "Node objects: exit status" $? 0
check_eq "default profile spreads" "$(q "$TMP/spread.db" "SELECT COUNT(DISTINCT node) || ' ' ||
    SUM(outcome = 'placed') FROM trace_pods")" "3 3"
"$KUBESIM" run "$D/pack.yaml" --set podTrace.schedulerName=bin-packing --out "$TMP/pack.db" \
    -q 2>"$TMP/err"
check_eq "bin-packing: exit status" $? 0
check_eq "MostAllocated packs a and b" "$(q "$TMP/pack.db" "SELECT COUNT(DISTINCT node) FROM
    trace_pods WHERE pod IN ('a', 'b')")" 1
check_eq "the pool's and the Nodes' GPUs" "$(q "$TMP/pack.db" "SELECT gpus_free || ' ' || gpu_alloc
    FROM trace_intervals ORDER BY t_s DESC LIMIT 1")" "3 0.5"

# ---- headerless tables, columns by number, normalized units (Google's style)
"$KUBESIM" run "$D/google.yaml" --out "$TMP/google.db" -q 2>"$TMP/err"
check_eq "google: exit status" $? 0
check_eq "google: rows" "$(q "$TMP/google.db" "SELECT group_concat(pod || ':' || node || ':' ||
    created_s || ':' || cpu_m || ':' || memory, ' ') FROM (SELECT * FROM trace_pods ORDER BY
    pod)")" "p0:m0:0.0:1000:1073741824 p1:m0:10.0:2000:2147483648 p4:m1:40.0:500:536870912"
check_eq "google: nodes" "$(q "$TMP/google.db" "SELECT group_concat(node || ':' || cpu_m || ':' ||
    memory, ' ') FROM (SELECT * FROM trace_nodes ORDER BY node)")" \
    "m0:8000:34359738368 m1:4000:17179869184"

# ---- a generated trace of the openb shape, default column names -----------
sh "$KS_SRCDIR/tests/gen_podtrace.sh" 24 400 11 "$TMP/nodes.csv" "$TMP/pods.csv"
check_eq "generator" $? 0
cat >"$TMP/real.yaml" <<EOT
name: gen-real
duration: 12h
interval: 5m
podTrace: {name: gen, file: pods.csv, nodes: {file: nodes.csv}}
EOT
"$KUBESIM" run "$TMP/real.yaml" --out "$TMP/real.db" -q --check 2>"$TMP/err"
check_eq "real: exit status" $? 0
q "$TMP/real.db" "CREATE TABLE nodes_csv (sn TEXT, cpu_milli INT, memory_mib INT, gpu INT,
    model TEXT)" && sqlite3 -batch "$TMP/real.db" ".mode csv" ".import --skip 1 $TMP/nodes.csv nodes_csv"
q "$TMP/real.db" "CREATE TABLE pods_csv (name TEXT, cpu_milli INT, memory_mib INT, num_gpu INT,
    gpu_milli INT, gpu_spec TEXT, qos TEXT, pod_phase TEXT, creation_time INT,
    deletion_time INT, scheduled_time INT)" &&
    sqlite3 -batch "$TMP/real.db" ".mode csv" ".import --skip 1 $TMP/pods.csv pods_csv"
check_eq "real: every pod arrived" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM trace_pods")" 400
check_eq "real: arrivals at the trace's times" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM
    trace_pods t JOIN pods_csv p ON p.name = t.pod WHERE t.created_s = p.creation_time -
    (SELECT MIN(creation_time) FROM pods_csv)")" 400
check_eq "real: requests as the trace's" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM trace_pods t
    JOIN pods_csv p ON p.name = t.pod WHERE t.cpu_m = p.cpu_milli AND t.gpus = p.num_gpu AND
    t.memory = p.memory_mib * 1048576")" 400
check_eq "real: deleted at the trace's times" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM
    trace_pods t JOIN pods_csv p ON p.name = t.pod WHERE t.deleted_s IS NOT NULL AND
    (t.deleted_s < p.deletion_time - (SELECT MIN(creation_time) FROM pods_csv) OR
    t.deleted_s > p.deletion_time - (SELECT MIN(creation_time) FROM pods_csv) + 31)")" 0
check_eq "real: the trace's own pending time" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM trace_pods
    WHERE trace_pending_s = 0")" 400
check_eq "no scheduled column: NULL" "$(q "$db" "SELECT COUNT(*) FROM trace_pods WHERE
    trace_pending_s IS NULL")" 5
check_eq "real: GPU models respected" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM trace_pods t
    JOIN pods_csv p ON p.name = t.pod JOIN nodes_csv n ON n.sn = t.node WHERE
    p.gpu_spec <> '' AND instr('|' || p.gpu_spec || '|', '|' || n.model || '|') = 0")" 0
check_eq "real: allocation within capacity" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM
    trace_intervals WHERE gpu_alloc > 1 OR cpu_alloc > 1 OR gpu_frag > gpus_free + 1e-9")" 0
# GPU counts on each node: at every bind, the GPUs of the pods bound there and not gone
check_eq "real: GPUs per node respected" "$(q "$TMP/real.db" "SELECT COUNT(*) FROM trace_pods a
    JOIN nodes_csv n ON n.sn = a.node WHERE (SELECT SUM(b.gpus) FROM trace_pods b WHERE
    b.node = a.node AND b.bound_s <= a.bound_s AND (b.deleted_s IS NULL OR
    b.deleted_s > a.bound_s)) > n.gpu")" 0

cat >"$TMP/comp.yaml" <<EOT
name: gen-compressed
duration: 2h
interval: 1m
podTrace: {name: gen, file: pods.csv, nodes: {file: nodes.csv}, time: compressed, gap: 2s,
  fill: 90}
EOT
"$KUBESIM" run "$TMP/comp.yaml" --out "$TMP/comp.db" -q --check 2>"$TMP/err"
check_eq "compressed: exit status" $? 0
sqlite3 -batch "$TMP/comp.db" "CREATE TABLE nodes_csv (sn TEXT, cpu_milli INT,
    memory_mib INT, gpu INT, model TEXT)" ".mode csv" ".import --skip 1 $TMP/nodes.csv nodes_csv"
gpus=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$TMP/nodes.csv")
check_eq "compressed: arrivals every gap, in order" "$(q "$TMP/comp.db" "SELECT COUNT(*) FROM
    trace_pods WHERE created_s <> 2 * CAST(substr(pod, 11) AS INTEGER)")" 0
check_eq "compressed: none leaves" "$(q "$TMP/comp.db" "SELECT COUNT(*) FROM trace_pods
    WHERE deleted_s IS NOT NULL")" 0
check_eq "compressed: submitted until 90 % of the GPUs" "$(q "$TMP/comp.db" "SELECT
    SUM(gpus) >= 0.9 * $gpus AND SUM(gpus) - (SELECT gpus FROM trace_pods ORDER BY created_s
    DESC LIMIT 1) < 0.9 * $gpus FROM trace_pods")" 1
check_eq "compressed: GPUs per node respected" "$(q "$TMP/comp.db" "SELECT COUNT(*) FROM
    (SELECT node, SUM(gpus) g FROM trace_pods WHERE node IS NOT NULL GROUP BY node) t
    JOIN nodes_csv n ON n.sn = t.node WHERE t.g > n.gpu")" 0
check_eq "compressed: unschedulable rows = pending at the end" "$(q "$TMP/comp.db" "SELECT
    (SELECT COUNT(*) FROM trace_pods WHERE outcome = 'unschedulable') = (SELECT pending FROM
    trace_intervals ORDER BY t_s DESC LIMIT 1)")" 1

# ---- bad input --------------------------------------------------------------
B="$KS_SRCDIR/tests/bad_input"
bad() {	# bad NAME FILE MESSAGE
	"$KUBESIM" validate "$2" >/dev/null 2>"$TMP/err"
	check_eq "$1: exit status" $? 2
	check_contains "$1: message" "$(cat "$TMP/err")" "$3"
}
bad "missing column" "$B/podtrace_bad_column.yaml" \
    "bad_column.csv:1:1: no column 'start_us' in header; columns are id, cores, mem_gib, gpus, models, end_us"
bad "bad number" "$B/podtrace_bad_number.yaml" \
    "bad_number.csv:3:3: expected a non-negative number in column 'mem_gib', found 'x2'"
bad "rows out of order" "$B/podtrace_bad_order.yaml" \
    "bad_order.csv:3:6: expected rows in creation order"
bad "time field" "$B/podtrace_bad_time.yaml" \
    "podtrace_bad_time.yaml:6:9: podTrace.time must be real or compressed"
bad "unit field" "$B/podtrace_bad_unit.yaml" \
    "podtrace_bad_unit.yaml:6:19: podTrace.units.memory must be a positive quantity"
bad "column key" "$B/podtrace_bad_key.yaml" \
    "podtrace_bad_key.yaml:6:67: unknown field 'cpus' in podTrace.nodes.columns (did you mean 'cpu'?)"
bad "scheduler profile" "$B/podtrace_bad_profile.yaml" \
    "podtrace_bad_profile.yaml:6:18: podTrace's schedulerName 'bin-pack' names no profile of schedulerConfig"
bad "column number" "$B/podtrace_bad_colnum.yaml" \
    "podtrace_bad_colnum.yaml:6:51: podTrace.columns.cpu must be a column number from 1 (header: false)"
bad "short row" "$B/podtrace_short_row.yaml" \
    "google_short.csv:2:5: expected a value in column 5, found the end of the row"
finish
