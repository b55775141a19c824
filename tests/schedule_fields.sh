#!/bin/sh
# schedule_fields.sh - `kubesim schedule` on fields upstream applies and
# kubesim once only noted: NodeResourcesFit ignoredResources and
# ignoredResourceGroups (fitsRequest skips those extended resources, never
# hugepages), pod-level requests (PodLevelResources: component-helpers
# PodRequests, with core/v1 defaulting from pod-level limits), a node without
# "pods" in allocatable (0 pods), and score weights as upstream validates
# them (any int32; the framework's total-overflow check). Expected values are
# computed by hand in the comments of tests/schedule_fields/*.yaml.
. "$(dirname "$0")/lib.sh"
D="$KS_SRCDIR/tests/schedule_fields"
C="$D/cluster.yaml"

top() { sed -n "s/^  \"$1\": \(.*\),\{0,1\}\$/\1/p" "$TMP/out" | sed 's/,$//'; }
nodeline() { grep "^    \"$1\": " "$TMP/out"; }
detail() { nodeline "$1" | sed -n "s/.*\"$2\": \({[^}]*}\).*/\1/p"; }
sched() { "$KUBESIM" schedule "$@" >"$TMP/out" 2>"$TMP/err"; }
# with_profile POD NAME: the pod file with spec.schedulerName NAME
with_profile() { sed "s/^spec:/spec:\n  schedulerName: $2/" "$1" >"$TMP/pod-$2.yaml"; }

# ---- ignoredResources / ignoredResourceGroups --------------------------------
sched --cluster "$C" --pod "$D/pod-ext.yaml"
check_eq "ext default: status" $? 0
check_eq "ext default: big" "$(nodeline big)" '    "big": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient example.com/foo, Insufficient example.com/bar", "reasons": ["Insufficient example.com/foo", "Insufficient example.com/bar"]},'
for prof in ign-names ign-group; do
	with_profile "$D/pod-ext.yaml" $prof
	sched --cluster "$C" --pod "$TMP/pod-$prof.yaml" --config "$D/config-ignored.yaml"
	check_eq "$prof: status" $? 0
	check_eq "$prof: no notes" "$(cat "$TMP/err")" ""
	check_eq "$prof: feasible" "$(top feasible)" '["big"]'
	check_eq "$prof: selected" "$(top selected)" '"big"'
done
with_profile "$D/pod-ext.yaml" ign-one
sched --cluster "$C" --pod "$TMP/pod-ign-one.yaml" --config "$D/config-ignored.yaml"
check_eq "ign-one: bar still checked" "$(nodeline big)" '    "big": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient example.com/bar", "reasons": ["Insufficient example.com/bar"]},'
# hugepages are not extended resources: listing them does not skip them
with_profile "$D/pod-hugepages.yaml" ign-names
sched --cluster "$C" --pod "$TMP/pod-ign-names.yaml" --config "$D/config-ignored.yaml"
check_eq "hugepages never ignored" "$(nodeline big)" '    "big": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient hugepages-2Mi", "reasons": ["Insufficient hugepages-2Mi"]},'

# ---- a node without "pods" in allocatable holds no pod -------------------------
sched --cluster "$C" --pod "$D/pod-level.yaml"
check_eq "nopods: too many pods" "$(nodeline nopods)" '    "nopods": {"plugin": "NodeResourcesFit", "code": "Unschedulable", "reason": "Too many pods", "reasons": ["Too many pods"]}'

# ---- pod-level requests ----------------------------------------------------------
check_eq "pod-level: feasible" "$(top feasible)" '["big"]'
sched --cluster "$C" --pod "$D/pod-level-big.yaml"
check_eq "pod-level 5 cpu: big" "$(nodeline big)" '    "big": {"plugin": "NodeResourcesFit", "code": "UnschedulableAndUnresolvable", "reason": "Insufficient cpu", "reasons": ["Insufficient cpu"]},'
# scores need two feasible nodes: a second "big"
sed 's/name: nopods/name: big2/; s/hostname: nopods/hostname: big2/; s/memory: 8Gi, example/memory: 8Gi, pods: "110", example/' "$C" >"$TMP/two.yaml"
sched --cluster "$TMP/two.yaml" --pod "$D/pod-level.yaml"
check_eq "pod-level: fit score" "$(detail big NodeResourcesFit)" '{"raw": 60, "normalized": 60, "weighted": 60}'
sched --cluster "$TMP/two.yaml" --pod "$D/pod-level-limits.yaml"
check_eq "pod-level limits: fit score" "$(detail big NodeResourcesFit)" '{"raw": 81, "normalized": 81, "weighted": 81}'

# `run` places pods by the same requests: 3 pods of pod-level 1500m on two
# nodes of 1900m allocatable leave one pending; without the pod-level
# request (2 x 250m) all three run.
RD="$KS_SRCDIR/tests/data/pod_level_resources.yaml"
"$KUBESIM" run "$RD" --out "$TMP/pl.db" -q --check
check_eq "run pod-level: status" $? 0
check_eq "run pod-level: pending, running" \
    "$(q "$TMP/pl.db" "SELECT pods_pending, pods_running FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" "1|2"
grep -v -e '^          resources:' -e '^            requests: {cpu: 1500m}' "$RD" >"$TMP/nopl.yaml"
"$KUBESIM" run "$TMP/nopl.yaml" --out "$TMP/nopl.db" -q --check
check_eq "run without pod-level: pending, running" \
    "$(q "$TMP/nopl.db" "SELECT pods_pending, pods_running FROM cluster_intervals ORDER BY t_s DESC LIMIT 1")" "0|3"

# ---- score weights -------------------------------------------------------------------
cat >"$TMP/weights.yaml" <<'YAML'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    multiPoint:
      enabled:
      - name: NodeResourcesFit
        weight: 150
      - name: ImageLocality
        weight: -2
YAML
sched --cluster "$TMP/two.yaml" --pod "$D/pod-level.yaml" --config "$TMP/weights.yaml"
check_eq "weights: accepted" $? 0
check_eq "weights: fit 150" "$(detail big NodeResourcesFit)" '{"raw": 60, "normalized": 60, "weighted": 9000}'
check_contains "weights: image locality -2" "$(cat "$TMP/out")" '"ImageLocality": {"weight": -2, "skipped": false}'

# ---- bad input: file:line:col, exit 2 -----------------------------------------------
bad() {	# WHAT WANT-STDERR ARGS...
	what=$1 want=$2
	shift 2
	sched "$@"
	check_eq "$what: status" $? 2
	check_eq "$what: message" "$(cat "$TMP/err")" "$want"
	check_eq "$what: no output" "$(cat "$TMP/out")" ""
}
bad "overflowing weights" "kubesim: $KS_SRCDIR/tests/schedule/bad-negative-weight.yaml:7:5: profiles[0]: total score of Score plugins could overflow" \
    --cluster "$C" --pod "$D/pod-level.yaml" --config "$KS_SRCDIR/tests/schedule/bad-negative-weight.yaml"
bad "group with a slash" "kubesim: $D/bad-ignored-group.yaml:7:31: profiles[0].pluginConfig[0].args.ignoredResourceGroups[0]: Invalid value: \"example.com/foo\": resource group name can't contain '/'" \
    --cluster "$C" --pod "$D/pod-level.yaml" --config "$D/bad-ignored-group.yaml"
bad "pod-level below containers" "kubesim: $D/bad-pod-level.yaml:6:21: spec.resources.requests[cpu]: Invalid value: \"500m\": must be greater than or equal to aggregate container requests of 1" \
    --cluster "$C" --pod "$D/bad-pod-level.yaml"
bad "pod-level unsupported" "kubesim: $D/bad-pod-level-name.yaml:6:16: spec.resources.requests[ephemeral-storage]: Unsupported value: \"ephemeral-storage\": supported values: \"cpu\", \"memory\", \"hugepages-*\"" \
    --cluster "$C" --pod "$D/bad-pod-level-name.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: l}\nspec:\n  resources:\n    requests: {cpu: "2"}\n    limits: {cpu: "1"}\n  containers:\n  - {name: a, image: x}\n' >"$TMP/bad-limit.yaml"
bad "pod-level request over limit" "kubesim: $TMP/bad-limit.yaml:6:21: spec.resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1" \
    --cluster "$C" --pod "$TMP/bad-limit.yaml"
finish
