#!/bin/sh
# realworld.sh - published manifests that nobody on this project wrote
# (tests/data/realworld/*/ORIGIN.txt), each in the scenario built around it,
# simulated unmodified for an hour: exit status 0, no pod Pending at the end,
# every Service that gets requests at least 95 % available. Also: the GPU
# pod lands on the GPU pool only; Sock Shop's Services keep their namespace in
# the results; pool nodes carry the kubelet's and cloud provider's labels;
# Services and Deployments of one name in two namespaces stay apart; the
# Cluster Autoscaler counts GPUs; a pool of a known GPU instance type
# (vllm/scenario.yaml: g2-standard-8, one L4) has its GPU without declaring it.
. "$(dirname "$0")/lib.sh"
D="$KS_SRCDIR/tests/data/realworld"

# The inputs that simulate today (cassandra and zookeeper: StatefulSets;
# vllm/scenario-nodes.yaml: an inline v1 Node with the GPU). Not here:
# website-misc and the OpenShift dump, which have no traffic: checked below.
for sc in bookinfo/scenario.yaml guestbook/scenario.yaml \
    hotel-reservation/scenario.yaml ingress-nginx/scenario.yaml \
    istio-prometheus/scenario.yaml php-apache-hpa/scenario.yaml \
    sockshop/scenario.yaml sockshop/scenario-hpa.yaml vllm/scenario-gpu.yaml \
    vllm/scenario.yaml vllm/scenario-nodes.yaml cassandra/scenario.yaml \
    zookeeper/scenario.yaml; do
	db="$TMP/$(echo "$sc" | tr / _).db"
	(cd "$D/$(dirname "$sc")" && "$KUBESIM" run "$(basename "$sc")" --duration 1h \
	    --out "$db" -q 2>"$TMP/err")
	check_eq "$sc: exit status" $? 0
	check_eq "$sc: stderr" "$(grep -v 'warning: .*: ignored ' "$TMP/err")" ""
	check_eq "$sc: pods Pending at the end" "$(q "$db" "SELECT pods_pending FROM
	    cluster_intervals ORDER BY t_s DESC LIMIT 1")" 0
	check_eq "$sc: simulated seconds" "$(q "$db" "SELECT CAST(sim_seconds AS INTEGER)
	    FROM runs")" 3600
	n=$(q "$db" "SELECT COUNT(*) FROM summary WHERE requests > 0")
	if [ "$n" -gt 0 ]; then pass; else fail "$sc: no Service got requests"; fi
	q "$db" "SELECT service || ' ' || printf('%.6f', availability) FROM summary
	    WHERE requests > 0" | while read -r svc av; do
		check_range "$sc: $svc availability" "$av" 0.95 1
	done
done

# website-misc: its batch/v1beta1 CronJob is refused as a Kubernetes 1.34 API
# server refuses it (a warning naming the version to use), and the rest is
# created as `kubectl apply` creates it: the Deployment with its native
# sidecar and the DaemonSet (one pod per node) run; the Pod whose two
# DoNotSchedule topology spread constraints need node labels `zone` and
# `node` (the pools set neither) stays Pending with upstream's message.
db="$TMP/website-misc.db"
(cd "$D/website-misc" && "$KUBESIM" run scenario.yaml --duration 30m --out "$db" 2>"$TMP/err" \
    >"$TMP/out")
check_eq "website-misc: exit status" $? 0
check_contains "website-misc: the CronJob refused" "$(cat "$TMP/err")" \
    "cronjob.yaml:1:13: apiVersion 'batch/v1beta1' of CronJob was removed in Kubernetes 1.25: use batch/v1: ignored CronJob/hello: the API server refuses it"
check_eq "website-misc: running at the end" "$(q "$db" "SELECT pods_running || '/' ||
    pods_pending FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" "4/1"
check_eq "website-misc: CronJob runs" "$(q "$db" "SELECT COUNT(*) FROM events
    WHERE object LIKE 'hello-%'")" 0
check_contains "website-misc: mypod Pending" "$(cat "$TMP/out")" \
    "default/mypod (Pod/mypod) Pending: 0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label)."

# Sock Shop lives in namespace sock-shop: its Service is named with it.
check_eq "sockshop: service name" "$(q "$TMP/sockshop_scenario.yaml.db" \
    "SELECT service FROM summary")" "sock-shop/front-end"
# The published autoscaling/v1 HPAs are read (Kubernetes 1.34 serves v1).
check_eq "sockshop: HPA decisions" "$(q "$TMP/sockshop_scenario-hpa.yaml.db" \
    "SELECT COUNT(DISTINCT hpa) FROM hpa_decisions")" 2
# The vLLM pod needs nvidia.com/gpu: it is placed on the GPU pool only.
db="$TMP/vllm_scenario-gpu.yaml.db"
check_eq "vllm: pods placed on the cpu pool" "$(q "$db" "SELECT COUNT(*) FROM
    scheduling_decisions WHERE node LIKE 'cpu-%'")" 0
n=$(q "$db" "SELECT COUNT(*) FROM scheduling_decisions WHERE node LIKE 'gpu-%'")
if [ "$n" -gt 0 ]; then pass; else fail "vllm: no pod placed on the gpu pool"; fi

# Pool nodes' kubelet and cloud-provider labels, per pool and per node.
"$KUBESIM" run "$KS_SRCDIR/tests/data/pool_labels.yaml" --out "$TMP/labels.db" -q
check_eq "pool_labels: exit status" $? 0
check_eq "pool_labels: placements" "$(q "$TMP/labels.db" "SELECT group_concat(pod || '@'
    || node, ' ') FROM (SELECT pod, node FROM scheduling_decisions ORDER BY pod)")" \
    "by-host-00000@pool-1 by-region-00000@pool-0 by-zone-00000@pool-2 by-zone-00001@pool-2"

# The Cluster Autoscaler counts GPUs: two one-GPU pods need two GPU nodes.
"$KUBESIM" run "$KS_SRCDIR/tests/data/ca_gpu.yaml" --out "$TMP/ca_gpu.db" -q
check_eq "ca_gpu: exit status" $? 0
check_eq "ca_gpu: first scale-up" "$(q "$TMP/ca_gpu.db" "SELECT t_s || ' ' || node_group
    || ' ' || substr(reason, instr(reason, '(estimated')) FROM ca_decisions WHERE
    action = 'scale_up' ORDER BY t_s, node LIMIT 1")" "10.0 gpu (estimated 2); 0 -> 2 nodes"
check_eq "ca_gpu: pods on gpu nodes" "$(q "$TMP/ca_gpu.db" "SELECT COUNT(DISTINCT node)
    FROM scheduling_decisions WHERE node LIKE 'gpu-%'")" 2

# The Cluster Autoscaler counts GPUs: two one-GPU pods need two GPU nodes.
"$KUBESIM" run "$KS_SRCDIR/tests/data/ca_gpu.yaml" --out "$TMP/ca_gpu.db" -q
check_eq "ca_gpu: exit status" $? 0
check_eq "ca_gpu: first scale-up" "$(q "$TMP/ca_gpu.db" "SELECT t_s || ' ' || node_group
    || ' ' || substr(reason, instr(reason, '(estimated')) FROM ca_decisions WHERE
    action = 'scale_up' ORDER BY t_s, node LIMIT 1")" "10.0 gpu (estimated 2); 0 -> 2 nodes"
check_eq "ca_gpu: pods on gpu nodes" "$(q "$TMP/ca_gpu.db" "SELECT COUNT(DISTINCT node)
    FROM scheduling_decisions WHERE node LIKE 'gpu-%'")" 2


# The OpenShift dump as it is: its 6 Nodes are the cluster, its 19 Pods run
# where spec.nodeName says, none Pending, none a problem.
db="$TMP/openshift.db"
(cd "$D/openshift-cluster-dump" && "$KUBESIM" run scenario.yaml --out "$db" -q \
    2>"$TMP/err")
check_eq "openshift: exit status" $? 0
check_eq "openshift: stderr" "$(cat "$TMP/err")" ""
check_eq "openshift: nodes" "$(q "$db" "SELECT MAX(nodes_ready) FROM cluster_intervals")" 6
check_eq "openshift: pods running at the end" "$(q "$db" "SELECT pods_running FROM
    cluster_intervals ORDER BY t_s DESC LIMIT 1")" 19
check_eq "openshift: problems" "$(q "$db" "SELECT COUNT(*) FROM problems")" 0
check_eq "openshift: prometheus-k8s-0 where the dump has it" "$(q "$db" "SELECT detail
    FROM events WHERE kind = 'Bound' AND object = 'prometheus-k8s-0'")" \
    "to ci-ln-d53y532-f76d1-2btqq-worker-c-nmnbz (spec.nodeName)"
check_eq "openshift: all bound as the dump says" "$(q "$db" "SELECT COUNT(*) FROM events
    WHERE kind = 'Bound'")" 19

# Services and Deployments of one name in two namespaces stay apart: each
# Service gets the pods of its own namespace's Deployment (2 and 3); the
# StatefulSet's pod serves 'cache'.
"$KUBESIM" run "$KS_SRCDIR/tests/data/scn_realworld.yaml" --duration 2m \
    --out "$TMP/ns.db" -q 2>/dev/null
check_eq "namespaces: exit status" $? 0
check_eq "namespaces: replicas at 60 s" "$(q "$TMP/ns.db" "SELECT group_concat(service ||
    '=' || replicas_ready, ' ') FROM (SELECT service, replicas_ready FROM
    service_intervals WHERE t_s = 60 ORDER BY service)")" \
    "cache=1 ml/gpu=1 orphan=0 shop/web=3 web=2"
check_eq "namespaces: requests served" "$(q "$TMP/ns.db" "SELECT COUNT(*) FROM summary
    WHERE ok > 0 AND service IN ('web', 'shop/web', 'ml/gpu')")" 3
finish
