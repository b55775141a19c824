#!/bin/sh
# cpu.sh - CPU as the kernel enforces it, through `kubesim run` in both
# traffic modes (models/cluster/cpu.c): a CPU limit throttles as the CFS
# quota (an M/M/1 pod at half speed, against its closed form; unthrottled,
# row for row, when the limit is above the demand; an overloaded pod serves
# limit / cpu requests/s), an overcommitted node's core shared by the pods'
# requests (cpu.shares) and work-conserving, and a release's own service
# time and error rate (behavior: serviceTimeFactor, errorRate) only while
# its pods serve.
. "$(dirname "$0")/lib.sh"
D=$KS_SRCDIR/tests/cpu
LIM=manifests.0.spec.template.spec.containers.0.resources.limits

for m in fluid request; do
	# tests/cpu/throttle.yaml: Exp(5/s) response times, median 138.6 ms,
	# p99 921 ms, within 3 %; busy half the time at the quota: 12 h x 0.5
	# / 100 ms = 216000 throttled periods (request mode: 1 %).
	db=$TMP/th_$m.db
	"$KUBESIM" run "$D/throttle.yaml" --traffic-mode $m --out "$db" -q
	check_eq "$m throttle: run" $? 0
	check_range "$m throttle: median = ln 2 / (mu - lambda)" \
	    "$(q "$db" "SELECT p50_ms FROM summary")" 134.4 142.8
	check_range "$m throttle: p99 = ln 100 / (mu - lambda)" \
	    "$(q "$db" "SELECT p99_ms FROM summary")" 893 949
	check_range "$m throttle: throttled periods" \
	    "$(q "$db" "SELECT sum(throttled_periods) FROM cpu_intervals")" 213840 218160
	check_eq "$m throttle: the pod throttled" \
	    "$(q "$db" "SELECT min(throttled_pods) || '/' || count(*) FROM cpu_intervals")" "1/720"

	# The limit above the demand (1 core): mu = 20/s, median ln 2 / 15 =
	# 46.2 ms, and every row as without a limit.
	db1=$TMP/un_$m.db db2=$TMP/nl_$m.db
	"$KUBESIM" run "$D/throttle.yaml" --traffic-mode $m --set $LIM.cpu=1 --out "$db1" -q
	"$KUBESIM" run "$D/throttle.yaml" --traffic-mode $m --set "$LIM={memory: 256Mi}" \
	    --out "$db2" -q
	check_range "$m unthrottled: median" "$(q "$db1" "SELECT p50_ms FROM summary")" 44.8 47.6
	rows="SELECT t_s, offered, ok, errors, timeouts, p50_ms, p95_ms, p99_ms, cpu_util
	    FROM service_intervals ORDER BY t_s"
	check_eq "$m unthrottled: rows as without a limit" "$(q "$db1" "$rows")" "$(q "$db2" "$rows")"
	check_eq "$m unthrottled: no cpu rows" "$(q "$db1" "SELECT count(*) FROM cpu_intervals")" 0

	# Overloaded (4 slots, 20/s offered, no timeout): limit / cpu = 10/s.
	db=$TMP/ov_$m.db
	"$KUBESIM" run "$D/throttle.yaml" --traffic-mode $m --duration 1h \
	    --set services.0.traffic.0.constant.rate=20 --set services.0.concurrency=4 \
	    --out "$db" -q
	check_range "$m overloaded: served per minute = limit / cpu x 60" \
	    "$(q "$db" "SELECT avg(ok) FROM service_intervals WHERE t_s > 60")" 588 612
	check_range "$m overloaded: the latency rises" \
	    "$(q "$db" "SELECT (SELECT p50_ms FROM service_intervals WHERE t_s = 3600) /
	        (SELECT p50_ms FROM service_intervals WHERE t_s = 600)")" 4 8

	# tests/cpu/contend.yaml: 0.3 and 0.7 of the node's core, 12/s and 28/s.
	db=$TMP/ct_$m.db
	"$KUBESIM" run "$D/contend.yaml" --traffic-mode $m --out "$db" -q
	ok="SELECT avg(ok) FROM service_intervals WHERE t_s > 60 AND service ="
	check_range "$m contention: small gets 0.3 core" "$(q "$db" "$ok 'small'")" 698 742
	check_range "$m contention: big gets 0.7 core" "$(q "$db" "$ok 'big'")" 1630 1730
	check_eq "$m contention: both held" \
	    "$(q "$db" "SELECT min(contended_pods) FROM cpu_intervals WHERE t_s > 60")" 1
	# small asks 0.1 core only: big has the other 0.9, 36/s.
	"$KUBESIM" run "$D/contend.yaml" --traffic-mode $m --out "$TMP/cw_$m.db" -q \
	    --set services.0.traffic.0.constant.rate=4
	check_range "$m contention: work-conserving" \
	    "$(q "$TMP/cw_$m.db" "$ok 'big'")" 2095 2225
	check_range "$m contention: small served in full" \
	    "$(q "$TMP/cw_$m.db" "$ok 'small'")" 225 255

	# tests/cpu/release.yaml: a release 3 times slower that fails 10 %,
	# from 10 min (all new pods from 11) to the undo at 30 (all old at 31).
	db=$TMP/rl_$m.db
	"$KUBESIM" run "$D/release.yaml" --traffic-mode $m --out "$db" -q
	sel="FROM service_intervals WHERE"
	check_eq "$m release: no errors before it" "$(q "$db" "SELECT sum(errors) $sel t_s <= 600")" 0
	check_eq "$m release: no errors after the undo" \
	    "$(q "$db" "SELECT sum(errors) $sel t_s > 1860")" 0
	check_range "$m release: 10 % errors while it serves" \
	    "$(q "$db" "SELECT 1.0 * sum(errors) / sum(offered) $sel t_s > 660 AND t_s <= 1800")" \
	    0.09 0.11
	check_range "$m release: 3 times the latency while it serves" \
	    "$(q "$db" "SELECT (SELECT avg(p50_ms) $sel t_s > 660 AND t_s <= 1800) /
	        (SELECT avg(p50_ms) $sel t_s <= 600)")" 2.7 3.3

	# tests/cpu/probes.yaml: overloaded from 600 s to 1200 s.
	db=$TMP/pr_$m.db
	"$KUBESIM" run "$D/probes.yaml" --traffic-mode $m --out "$db" -q
	ev="SELECT count(*) FROM events WHERE kind = 'Unhealthy' AND object LIKE"
	check_eq "$m probes: none fail before the overload" \
	    "$(q "$db" "$ev '%' AND t_s < 600")" 0
	check_range "$m probes: web's readiness fails in it" \
	    "$(q "$db" "$ev 'web-%' AND t_s BETWEEN 600 AND 1210 AND detail LIKE 'Readiness%'")" 10 100
	check_eq "$m probes: web's readiness fails only in it" "$(q "$db" "$ev 'web-%' AND t_s > 1210")" 0
	check_range "$m probes: the first within 3 periods" \
	    "$(q "$db" "SELECT min(t_s) FROM events WHERE kind = 'PodNotReady' AND object LIKE 'web-%'")" 600 620
	check_eq "$m probes: web back in the endpoints after it" \
	    "$(q "$db" "SELECT min(replicas_ready) FROM service_intervals WHERE service = 'web' AND t_s >= 1230")" 2
	check_range "$m probes: api's liveness kills" \
	    "$(q "$db" "SELECT count(*) FROM events WHERE kind = 'Killing' AND object LIKE 'api-%' AND t_s BETWEEN 600 AND 1210")" 2 40
	check_eq "$m probes: api restarted, ready after it" \
	    "$(q "$db" "SELECT min(replicas_ready) FROM service_intervals WHERE service = 'api' AND t_s >= 1500")" 2
	check_eq "$m probes: tcpSocket probes do not wait" \
	    "$(q "$db" "SELECT min(replicas_ready) || '/' || (SELECT count(*) FROM events WHERE object LIKE 'tcp-%' AND kind = 'Unhealthy') FROM service_intervals WHERE service = 'tcp'")" "2/0"
done
finish
