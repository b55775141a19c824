#!/bin/sh
# hpa_eval.sh - `kubesim hpa-eval`: the example cases of tests/hpa_cases/
# (each mirrors an upstream horizontal_test.go case and must give upstream's
# numbers and reasons), the JSON layout against a golden file, the
# no-metrics path, usage errors, and every bad_*.yaml case: exit status 2
# and the exact file:line:col message.
. "$(dirname "$0")/lib.sh"
CASES="$KS_SRCDIR/tests/hpa_cases"

# ev CASE: the compact JSON of one example case (status in $TMP/rc).
ev() {
	"$KUBESIM" hpa-eval --compact "$CASES/$1.yaml" 2>"$TMP/err"
	echo $? >"$TMP/rc"
}

# expect CASE DESIRED ABLE ACTIVE LIMITED [SUBSTRING...]: desiredReplicas
# and the three conditions (status/reason) exactly, then substrings.
expect() {
	c=$1 d=$2 able=$3 active=$4 limited=$5
	shift 5
	out=$(ev "$c")
	check_eq "$c: exit status" "$(cat "$TMP/rc")" 0
	check_eq "$c: stderr" "$(cat "$TMP/err")" ""
	got=$(printf '%s' "$out" | sed -n 's/^{"desiredReplicas":\([0-9]*\),.*/\1/p')
	check_eq "$c: desiredReplicas" "$got" "$d"
	for cond in "AbleToScale $able" "ScalingActive $active" "ScalingLimited $limited"; do
		t=${cond%% *} sr=${cond#* }
		check_contains "$c: $t" "$out" \
		    "{\"type\":\"$t\",\"status\":\"${sr%%/*}\",\"reason\":\"${sr#*/}\","
	done
	for s in "$@"; do
		check_contains "$c" "$out" "$s"
	done
}

# TestScaleUpHotCpuLessScale: 4 replicas, 60%.
expect scaleup_cpu_unready 4 True/SucceededRescale True/ValidMetricFound \
    False/DesiredWithinRange '"currentReplicas":3,"rescale":true' \
    '"averageUtilization":60,' '"limitedBy":null'
# TestStabilizeDownscale: the metric asks for 2, the window keeps 4.
expect scaledown_stabilized 4 True/ScaleDownStabilized True/ValidMetricFound \
    False/DesiredWithinRange '"rescale":false' '"proposal":2,' \
    '"averageUtilization":50,' '"stabilizedReplicas":4,' '"rescaleReason":null'
# TestScaleUpPerPodCMExternal: 4 replicas.
expect external_average_value 4 True/SucceededRescale True/ValidMetricFound \
    False/DesiredWithinRange \
    '"type":"External","name":"queue_messages_ready","proposal":4,"valid":true,"current":{"averageValue":"2867m"}'
# ContainerResource: web-2's metrics lack the container (missing, counted 0
# on the scale-up), the Failed web-3 is ignored: 5 replicas.
expect container_missing 5 True/SucceededRescale True/ValidMetricFound \
    False/DesiredWithinRange '"container":"app","proposal":5,' '"averageUtilization":100,'
# HPAScaleToZero: from 0 replicas the External Value proposal is
# ceil(8.6 / 2) = 5, the legacy limit max(2 x 0, 4) = 4.
expect scale_from_zero 4 True/SucceededRescale True/ValidMetricFound \
    True/ScaleUpLimit '"currentReplicas":0,"rescale":true' '"proposal":5,'
# TestScaleUpCMUnreadyandCpuHot: asks for 7, limited to maxReplicas 6.
expect pods_metric_limited 6 True/SucceededRescale True/ValidMetricFound \
    True/TooManyReplicas '"proposal":7,' '"limitedBy":"TooManyReplicas"' \
    '"stabilizedReplicas":7,'
# TestScaleDownWithScalingRules: 3 replicas at 28%.
expect behavior_scaledown 3 True/SucceededRescale True/ValidMetricFound \
    False/DesiredWithinRange '"averageUtilization":28,' \
    '"rescaleReason":"All metrics below target"'
# TestScaleUpUnreadyNoScale: stays at 3, 40%.
expect unready_no_scale 3 True/ReadyForNewScale True/ValidMetricFound \
    False/DesiredWithinRange '"rescale":false' '"averageUtilization":40,'

# The pretty layout and key order, byte for byte; the same twice.
"$KUBESIM" hpa-eval "$CASES/scaleup_cpu_unready.yaml" >"$TMP/pretty.json"
check_eq "pretty: exit status" $? 0
if cmp -s "$TMP/pretty.json" "$CASES/scaleup_cpu_unready.json"; then pass; else
	fail "pretty output differs from tests/hpa_cases/scaleup_cpu_unready.json:
$(diff "$CASES/scaleup_cpu_unready.json" "$TMP/pretty.json")"; fi
"$KUBESIM" hpa-eval --pretty "$CASES/scaleup_cpu_unready.yaml" >"$TMP/again.json"
cmp -s "$TMP/pretty.json" "$TMP/again.json" && pass || fail "second run differs"

# No metrics returned: a result (exit 0), not bad input.
cat >"$TMP/nometrics.yaml" <<'CASE'
now: 2024-05-01T12:00:00Z
hpa:
  apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: {name: web}
  spec:
    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    maxReplicas: 5
scale: {name: web, specReplicas: 2}
pods:
  - metadata: {name: web-0}
    spec: {containers: [{name: app, resources: {requests: {cpu: 500m}}}]}
    status: {phase: Running}
CASE
out=$("$KUBESIM" hpa-eval -c "$TMP/nometrics.yaml")
check_eq "no metrics: exit status" $? 0
check_contains "no metrics: unchanged" "$out" '{"desiredReplicas":2,"currentReplicas":2,"rescale":false,'
check_contains "no metrics: metric" "$out" \
    '"proposal":null,"valid":false,"current":null,"reason":"FailedGetResourceMetric"'
check_contains "no metrics: ScalingActive" "$out" \
    '{"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric"'

# Usage.
h=$("$KUBESIM" hpa-eval --help); check_eq "--help status" $? 0
check_contains "--help" "$h" "usage: kubesim hpa-eval CASE.yaml"
"$KUBESIM" hpa-eval 2>"$TMP/err" >/dev/null; check_eq "no case status" $? 2
"$KUBESIM" hpa-eval --frob x.yaml 2>"$TMP/err" >/dev/null
check_eq "unknown option status" $? 2
check_eq "unknown option message" "$(cat "$TMP/err")" \
    "kubesim: hpa-eval: unknown option '--frob'"
"$KUBESIM" hpa-eval "$TMP/none.yaml" 2>"$TMP/err" >/dev/null
check_eq "missing file status" $? 2

# Bad input: exit 2, nothing on stdout, exactly this one line.
bad() {
	(cd "$CASES" && "$KUBESIM" hpa-eval "$1" >"$TMP/out" 2>"$TMP/err")
	check_eq "$1: exit status" $? 2
	check_eq "$1: stdout" "$(cat "$TMP/out")" ""
	check_eq "$1: message" "$(cat "$TMP/err")" "kubesim: $1:$2"
}
bad bad_malformed.yaml "4:4: YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping"
bad bad_unknown_field.yaml "13:3: unknown field 'statusReplica' in scale (did you mean 'statusReplicas'?)"
bad bad_metric_type.yaml "11:15: unknown metric type 'Resorce' (did you mean 'Resource'?)"
bad bad_min_max.yaml "10:18: maxReplicas (4) must be greater than or equal to minReplicas (8)"
bad bad_quantity.yaml "19:22: invalid quantity '250mm' (expected a number with an optional suffix such as 250m, 1.5, 512Mi, 2Gi, 1e3)"
bad bad_time.yaml "16:18: invalid RFC 3339 time '2024-05-01 11:00:00': expected YYYY-MM-DDTHH:MM:SS with Z or an offset, such as 2024-05-01T12:00:00Z"
bad bad_month.yaml "2:6: invalid RFC 3339 time '2024-13-01T12:00:00Z': month out of range"
bad bad_missing_target.yaml "8:67: HorizontalPodAutoscaler 'web' targets Deployment 'webb', which is not in this case (scale at bad_missing_target.yaml:10:8 is Deployment 'web')"
bad bad_custom_metric.yaml "18:5: the HPA has no Pods metric 'request_per_second' (did you mean 'requests_per_second'?)"
bad bad_scale_to_zero_gate.yaml "10:18: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1 (0 needs the HPAScaleToZero feature gate: featureGates: {HPAScaleToZero: true})"
bad bad_scale_to_zero_metrics.yaml "11:18: spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas"
bad bad_scale_up_policies.yaml "13:19: spec.behavior.scaleUp.policies: Required value: must specify at least one Policy"
# an apiVersion of another group (a custom resource to a manifest loader): refused, not an abort (found by fuzz_hpa_case)
bad bad_api_group.yaml "16:15: hpa: apiVersion 'example.com/v2' is not one Kubernetes serves HorizontalPodAutoscaler in (autoscaling/v2 or autoscaling/v1)"
bad bad_feature_gate.yaml "2:16: unrecognized feature gate: HPAScaleToZeros (did you mean 'HPAScaleToZero'?)"
# Every bad_*.yaml has its expectation above.
check_eq "bad cases listed" "$(ls "$CASES"/bad_*.yaml | wc -l | tr -d ' ')" 14
finish
