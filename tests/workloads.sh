#!/bin/sh
# workloads.sh - every workload kind through `kubesim run` (tests/data/
# workloads/scenario.yaml): the DaemonSet's pods on the untainted nodes only,
# the StatefulSet's ordinals scaled by its HPA and serving its client
# Service, the Job's completions, the CronJob's runs at its schedule in the
# scenario's startTime, the bare Pod on its nodeName; no problems rows.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/tests/data/workloads/scenario.yaml"
db="$TMP/w.db"
check_contains "validate counts the kinds" "$("$KUBESIM" validate "$SC")" \
    "0 deployments, 1 StatefulSet, 1 DaemonSet, 1 Job, 1 CronJob, 1 bare Pod, 2 services"
"$KUBESIM" run "$SC" --out "$db" -q 2>"$TMP/err"
check_eq "exit status" $? 0
check_eq "stderr" "$(cat "$TMP/err")" ""
check_eq "pods Pending at the end" "$(q "$db" "SELECT pods_pending FROM cluster_intervals
    ORDER BY t_s DESC LIMIT 1")" 0
check_eq "problems rows" "$(q "$db" "SELECT COUNT(*) FROM problems")" 0
# DaemonSet: one pod on each of the 3 default nodes, none on the tainted one.
check_eq "daemon pods" "$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'PodCreated'
    AND object LIKE 'example-daemonset-%'")" 3
check_eq "daemon pods' nodes" "$(q "$db" "SELECT group_concat(substr(detail, 4, 9), ' ')
    FROM (SELECT detail FROM events WHERE kind = 'Scheduled' AND object LIKE
    'example-daemonset-%' ORDER BY detail)")" "default-0 default-1 default-2"
# StatefulSet: ordinals 0..5 (2, then the HPA's 4 and 6), Ready, serving web.
check_eq "statefulset pods" "$(q "$db" "SELECT group_concat(object, ' ') FROM (SELECT
    object FROM events WHERE kind = 'PodCreated' AND object LIKE 'web-%' ORDER BY t_s)")" \
    "web-0 web-1 web-2 web-3 web-4 web-5"
check_eq "statefulset ready at the end" "$(q "$db" "SELECT replicas_ready FROM
    service_intervals WHERE service = 'web' ORDER BY t_s DESC LIMIT 1")" 6
check_eq "HPA rescales" "$(q "$db" "SELECT COUNT(*) FROM events WHERE kind = 'HPARescale'")" 2
check_range "web availability" "$(q "$db" "SELECT availability FROM summary WHERE
    service = 'web'")" 0.95 1
check_eq "zones provisioned" "$(q "$db" "SELECT COUNT(*) FROM events WHERE
    kind = 'VolumeProvisioned'")" 6
# Job: 6 completions, at most 2 at a time.
check_eq "job successes" "$(q "$db" "SELECT COUNT(*) FROM events WHERE
    kind = 'PodSucceeded' AND object LIKE 'pi-%'")" 6
check_contains "job complete" "$(q "$db" "SELECT detail FROM events WHERE
    kind = 'JobComplete' AND object = 'pi'")" "6 succeeded, 0 failed"
check_eq "job pods before the first success" "$(q "$db" "SELECT COUNT(*) FROM events
    WHERE kind = 'PodCreated' AND object LIKE 'pi-%' AND t_s < (SELECT MIN(t_s) FROM
    events WHERE kind = 'PodSucceeded' AND object LIKE 'pi-%')")" 2
# CronJob */10 from 08:00 UTC: runs 100 ms after 08:10, 08:20, ... 08:50,
# each named after its minute since the epoch.
check_eq "cron runs" "$(q "$db" "SELECT group_concat(t_s || ' ' || object, ', ') FROM
    (SELECT t_s, object FROM events WHERE kind = 'JobCreated' AND object LIKE 'hello-%'
    ORDER BY t_s)")" "600.1 hello-29013610, 1200.1 hello-29013620, 1800.1 hello-29013630, 2400.1 hello-29013640, 3000.1 hello-29013650"
# The bare Pod: on its nodeName, created once.
check_eq "bare pod node" "$(q "$db" "SELECT detail FROM events WHERE
    kind = 'Bound' AND object = 'debug'")" "to default-2 (spec.nodeName)"
check_eq "bare pod created once" "$(q "$db" "SELECT COUNT(*) FROM events WHERE
    kind = 'PodCreated' AND object = 'debug'")" 1

# kubectl drain --ignore-daemonsets: the node's other pods are evicted, its
# DaemonSet pod stays, and the drain completes.
cp "$KS_SRCDIR/tests/data/workloads/basic-daemonset.yaml" "$TMP/"
sed 's/^jobs:/failures:\n  scheduled:\n    - {at: 10m, action: drainNodes, node: default-1}\njobs:/' \
    "$SC" >"$TMP/drain.yaml"
"$KUBESIM" run "$TMP/drain.yaml" --out "$TMP/drain.db" -q 2>"$TMP/err"
check_eq "drain: exit status" $? 0
check_range "drain: completed" "$(q "$TMP/drain.db" "SELECT end_s FROM faults WHERE
    kind = 'drainNodes'")" 600 700
check_eq "drain: daemon pod left alone" "$(q "$TMP/drain.db" "SELECT COUNT(*) FROM events
    WHERE kind = 'Evicted' AND object LIKE 'example-daemonset-%'")" 0
check_range "drain: other pods evicted" "$(q "$TMP/drain.db" "SELECT COUNT(*) FROM events
    WHERE kind = 'Evicted'")" 1 10

# A dump beside the Deployment that owns some of its pods: the dump's Nodes
# are the cluster; its ReplicaSet's pod is the Deployment's to create (2, not
# 3), its finished Job pod does not run, its control-plane pod is bound to
# its tainted node as spec.nodeName says (the scheduler is not asked); the
# running pod of the CronJob's Job "report-29000000" is the CronJob's, and a
# ReplicaSet "web-5d4f8" in another namespace is no Deployment's (a bare pod).
ddb="$TMP/dump.db"
"$KUBESIM" run "$KS_SRCDIR/tests/data/workloads/dump-scenario.yaml" --out "$ddb" -q 2>"$TMP/err"
check_eq "dump: exit status" $? 0
check_eq "dump: nodes" "$(q "$ddb" "SELECT MAX(nodes_total) FROM cluster_intervals")" 2
check_eq "dump: pods created" "$(q "$ddb" "SELECT group_concat(object, ' ') FROM (SELECT
    object FROM events WHERE kind = 'PodCreated' ORDER BY object)")" \
    "etcd-node-b web-00000 web-00001 web-5d4f8-q1w2e"
check_eq "dump: bound by nodeName" "$(q "$ddb" "SELECT detail FROM events WHERE
    kind = 'Bound' AND object = 'etcd-node-b'")" "to node-b (spec.nodeName)"
check_eq "dump: running at the end" "$(q "$ddb" "SELECT pods_running FROM cluster_intervals
    ORDER BY t_s DESC LIMIT 1")" 4
check_eq "dump: problems" "$(q "$ddb" "SELECT COUNT(*) FROM problems")" 0

# Warm start (the default): the same scenario with its workloads Running and Ready at
# t = 0; warmStart: false starts from an empty cluster.
wdb="$TMP/warm.db"
"$KUBESIM" run "$SC" --out "$wdb" >"$TMP/out" 2>"$TMP/err"
check_eq "warm: exit status" $? 0
check_contains "warm: summary says so" "$(cat "$TMP/out")" \
    "start: warm (workloads Running and Ready at t = 0)"
check_contains "cold: summary says so" "$("$KUBESIM" run "$SC" --set warmStart=false \
    --out "$TMP/cold.db" 2>&1)" \
    "start: cold (from an empty cluster)"
check_eq "warm: params" "$(q "$wdb" "SELECT json_extract(params, '$.start') FROM runs")" warm
check_eq "warm: ready at t = 0" "$(q "$wdb" "SELECT COUNT(*) FROM events WHERE t_s = 0 AND
    kind = 'PodReady'")" 6
check_eq "warm: no container start for the pods there at t = 0" "$(q "$wdb" "SELECT COUNT(*)
    FROM events WHERE kind = 'PodCreating' AND object IN ('web-0', 'web-1', 'debug',
    'example-daemonset-00000', 'example-daemonset-00001', 'example-daemonset-00002')")" 0
# The warm pods have metrics from the first scrapes: the HPA scales up at
# its third sync (45 s), not minutes later.
check_eq "warm: HPA's first scale-up" "$(q "$wdb" "SELECT MIN(t_s) FROM events WHERE
    kind = 'HPARescale'")" 45.0
check_eq "warm: every request of the first minute ok" "$(q "$wdb" "SELECT ok = offered AND
    offered > 0 FROM service_intervals WHERE service = 'web' AND t_s = 60")" 1
check_eq "cold: not every request of the first minute ok" "$(q "$TMP/cold.db" "SELECT
    ok = offered FROM service_intervals WHERE service = 'web' AND t_s = 60")" 0
check_eq "warm: statefulset pods not created again" "$(q "$wdb" "SELECT COUNT(*) FROM events
    WHERE kind = 'PodCreated' AND object IN ('web-0', 'web-1')")" 2
check_eq "warm: problems rows" "$(q "$wdb" "SELECT COUNT(*) FROM problems")" 0
finish
