#!/bin/sh
# scale_down_victims.sh - the ReplicaSet controller's scale-down victims in
# upstream's ActivePodsWithRanks order (models/controller/replicaset_rank.c,
# a heap per sync in models/cluster/replicaset.c): 1-3) unassigned before
# assigned, Pending < Unknown < Running, not ready before ready; 5) more
# pods of the Deployment on the pod's node first; 6) ready for a shorter
# time first (log2 buckets); 7) more restarts first; 8) newer first. One
# scenario per rule; for 5 and 7 the order before this one (the most
# recently Ready, then the newest) picks other pods, for 6 the pods tie on
# every other rule. And the pod-deletion-cost annotation's validation.
. "$(dirname "$0")/lib.sh"
deploy() {	# the Deployment web: $1 replicas of 900m, Ready 5 s after start
	echo "  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: $1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}$2}, spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 900m, memory: 256Mi}}, readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}}]}}}}"
}
victims() {	# the pods of run $1 deleted for ScaleDown between $2 and $3 s
	q "$1" "SELECT group_concat(object, ' ') FROM (SELECT object FROM events WHERE
	    kind = 'PodDeleting' AND detail = 'ScaleDown' AND t_s BETWEEN $2 AND $3
	    ORDER BY object)"
}

# 1. Unassigned first: six pods of 900m on one 4-cpu node, two stay
# Pending; scaling to 4 deletes those two.
{ cat <<'EOT'
name: victims
duration: 15m
warmStart: false
nodePools:
  - {name: default, cpu: "4", memory: 8Gi, count: 1}
manifests:
EOT
deploy 6
cat <<'EOT'
failures:
  scheduled:
    - {at: 10m, action: scale, deployment: web, replicas: 4}
EOT
} >"$TMP/v.yaml"
db="$TMP/v.db"
"$KUBESIM" run "$TMP/v.yaml" --out "$db" -q
check_eq "run status" $? 0
check_eq "pending pods" "$(q "$db" "SELECT group_concat(object, ' ') FROM (SELECT object
    FROM events WHERE kind = 'FailedScheduling' AND t_s < 1 ORDER BY object)")" \
    "web-00000 web-00005"
check_eq "rule 1: the unassigned pods" "$(victims "$db" 600 601)" "web-00000 web-00005"

# 5. Doubled up first: five pods, four fill node big-0, one small-0; the
# small pool is upgraded (a new node, the old one drained), so its pod is
# recreated on small-1 and is the most recently Ready. Scaling to 4
# deletes a pod of big-0 (4 on its node against 1).
{ cat <<'EOT'
name: rank5
duration: 25m
warmStart: false
nodePools:
  - {name: big, cpu: "4", memory: 8Gi, count: 1}
  - {name: small, cpu: "1", memory: 8Gi, count: 1}
manifests:
EOT
deploy 5
cat <<'EOT'
failures:
  scheduled:
    - {at: 2m, action: upgradeNodes, pool: small}
    - {at: 20m, action: scale, deployment: web, replicas: 4}
EOT
} >"$TMP/r5.yaml"
db="$TMP/r5.db"
"$KUBESIM" run "$TMP/r5.yaml" --out "$db" -q
check_eq "rank 5 run status" $? 0
last_ready=$(q "$db" "SELECT object FROM events WHERE kind = 'PodReady' ORDER BY t_s DESC LIMIT 1")
check_eq "rank 5: the last Ready is alone on small-1" "$(q "$db" "SELECT detail FROM events
    WHERE kind = 'PodReady' AND object = '$last_ready'")" "small-1"
v=$(victims "$db" 1200 1201)
check_eq "rank 5: one victim" "$(echo "$v" | wc -w | tr -d ' ')" 1
check_eq "rank 5: the victim ran on the crowded node" "$(q "$db" "SELECT detail FROM events
    WHERE kind = 'PodReady' AND object = '$v'")" "big-0"

# 6. Ready for less time first: two pods on each of two 2-cpu nodes; node
# a-0 stops from 1m to 3m, so its pods are NotReady and Ready again at
# ~185 s (log2 bucket 39 at 20m) while b-0's have been Ready since 5 s
# (bucket 40). All were created at once, on nodes with two each: scaling
# to 2 deletes a-0's pods.
{ cat <<'EOT'
name: rank6
duration: 25m
warmStart: false
nodePools:
  - {name: a, cpu: "2", memory: 8Gi, count: 1}
  - {name: b, cpu: "2", memory: 8Gi, count: 1}
manifests:
EOT
deploy 4
cat <<'EOT'
failures:
  scheduled:
    - {at: 1m, action: failNodes, pool: a, count: 1, duration: 2m}
    - {at: 20m, action: scale, deployment: web, replicas: 2}
EOT
} >"$TMP/r6.yaml"
db="$TMP/r6.db"
"$KUBESIM" run "$TMP/r6.yaml" --out "$db" -q
check_eq "rank 6 run status" $? 0
check_eq "rank 6: the pods Ready again" "$(q "$db" "SELECT group_concat(object, ' ') FROM
    (SELECT object FROM events WHERE kind = 'PodReady' AND t_s > 60 ORDER BY object)")" \
    "$(victims "$db" 1200 1201)"
check_eq "rank 6: two of a-0" "$(q "$db" "SELECT COUNT(DISTINCT object) FROM events WHERE
    kind = 'Scheduled' AND detail LIKE 'to a-0%' AND object IN (SELECT object FROM events
    WHERE kind = 'PodDeleting' AND detail = 'ScaleDown')")" 2

# 7. More restarts first: containers that never get Ready and crash after
# a minute; two pods from 0 s, two more from 10m; at 20m the older two
# have restarted more and go first, though the newer two are newer.
{ cat <<'EOT'
name: rank7
duration: 25m
warmStart: false
nodePools:
  - {name: default, cpu: "4", memory: 8Gi, count: 1}
manifests:
EOT
deploy 2
cat <<'EOT'
failures:
  containers:
    - {deployment: web, ready: false, crashAfter: 1m}
  scheduled:
    - {at: 10m, action: scale, deployment: web, replicas: 4}
    - {at: 20m, action: scale, deployment: web, replicas: 2}
EOT
} >"$TMP/r7.yaml"
db="$TMP/r7.db"
"$KUBESIM" run "$TMP/r7.yaml" --out "$db" -q
check_eq "rank 7 run status" $? 0
check_eq "rank 7: the first two pods" "$(q "$db" "SELECT group_concat(object, ' ') FROM
    (SELECT object FROM events WHERE kind = 'Scheduled' AND t_s < 1 ORDER BY object)")" \
    "web-00000 web-00001"
check_eq "rank 7: the most restarted go" "$(victims "$db" 1200 1201)" "web-00000 web-00001"
check_eq "rank 7: they had restarted more" "$(q "$db" "SELECT
    (SELECT COUNT(*) FROM events WHERE kind = 'Restarted' AND t_s < 1200 AND object = 'web-00000') >
    (SELECT COUNT(*) FROM events WHERE kind = 'Restarted' AND t_s < 1200 AND object = 'web-00002')")" 1

# 4. The pod-deletion-cost annotation: a 32-bit integer is read; anything
# else is refused as the API server refuses it.
{ cat <<'EOT'
name: cost
duration: 1m
warmStart: false
nodePools:
  - {name: default, cpu: "4", memory: 8Gi, count: 1}
manifests:
EOT
deploy 2 ", annotations: {controller.kubernetes.io/pod-deletion-cost: \"-5\"}"
} >"$TMP/c.yaml"
"$KUBESIM" run "$TMP/c.yaml" --out "$TMP/c.db" -q
check_eq "deletion cost -5 accepted" $? 0
sed 's/"-5"/"+5"/' "$TMP/c.yaml" >"$TMP/c2.yaml"
err=$("$KUBESIM" run "$TMP/c2.yaml" --out "$TMP/c2.db" -q 2>&1)
check_eq "deletion cost +5 refused" $? 2
check_contains "deletion cost message" "$err" \
    "c2.yaml:7:"
check_contains "deletion cost message" "$err" \
    "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: \"+5\": must be a 32bit integer"
finish
