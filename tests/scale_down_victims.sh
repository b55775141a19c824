#!/bin/sh
# scale_down_victims.sh - the ReplicaSet controller's scale-down victims in
# upstream's ActivePodsWithRanks order (models/cluster/replicaset.c, a heap
# per sync): unassigned pods before assigned ones, then among ready pods the
# most recently ready first. Six pods of 900m on one 4-cpu node: four run,
# two stay Pending; scaling to 4 deletes the Pending two, scaling to 2 the
# two that became Ready last.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/v.yaml" <<'EOT'
name: victims
duration: 30m
warmStart: false
nodePools:
  - {name: default, cpu: "4", memory: 8Gi, count: 1}
manifests:
  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 6, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 900m, memory: 256Mi}}, readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}}]}}}}
failures:
  scheduled:
    - {at: 10m, action: scale, deployment: web, replicas: 4}
    - {at: 20m, action: scale, deployment: web, replicas: 2}
EOT
db="$TMP/v.db"
"$KUBESIM" run "$TMP/v.yaml" --out "$db" -q
check_eq "run status" $? 0
victims() {	# the pods deleted for ScaleDown between $1 and $2 s, in order
	q "$db" "SELECT group_concat(object, ' ') FROM (SELECT object FROM events WHERE
	    kind = 'PodDeleting' AND detail = 'ScaleDown' AND t_s BETWEEN $1 AND $2 ORDER BY rowid)"
}
check_eq "pending pods" "$(q "$db" "SELECT group_concat(object, ' ') FROM (SELECT object
    FROM events WHERE kind = 'FailedScheduling' AND t_s < 1 ORDER BY rowid)")" \
    "web-00005 web-00000"
check_eq "first scale-down: the unassigned pods" "$(victims 600 601)" "web-00005 web-00000"
check_eq "second scale-down: the last two Ready" "$(victims 1200 1201)" \
    "$(q "$db" "SELECT group_concat(object, ' ') FROM (SELECT object FROM events WHERE
    kind = 'PodReady' ORDER BY t_s DESC LIMIT 2)")"
check_eq "second scale-down, by name" "$(victims 1200 1201)" "web-00001 web-00004"
check_eq "ScaleDown deletions" "$(q "$db" "SELECT COUNT(*) FROM events WHERE
    kind = 'PodDeleting' AND detail = 'ScaleDown'")" 4
finish
