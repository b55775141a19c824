#!/bin/sh
# stats.sh - honest statistics of `kubesim run`: integer counts in every
# service_intervals row (ok + errors + timeouts = offered in fluid mode), the
# summary row equal to the sum of the interval rows after the scenario's
# warm-up, the warm-up recorded in runs.params, and a bad warm-up refused.
. "$(dirname "$0")/lib.sh"

SCN="$KS_SRCDIR/scenarios/ecommerce.yaml"
db="$TMP/s.db"
"$KUBESIM" run "$SCN" --out "$db" -q --duration 3h --set warmup=30m
check_eq "run with warmup status" $? 0
"$KUBESIM" run "$SCN" --out "$db" -q --duration 3h
check_eq "run without warmup status" $? 0

check_eq "fractional or negative counts" "$(q "$db" "SELECT count(*) FROM service_intervals
  WHERE typeof(offered) <> 'integer' OR typeof(ok) <> 'integer' OR typeof(errors) <> 'integer'
  OR typeof(timeouts) <> 'integer' OR offered < 0 OR ok < 0 OR errors < 0 OR timeouts < 0")" 0
check_eq "fluid rows with ok+errors+timeouts <> offered" "$(q "$db" "SELECT count(*)
  FROM service_intervals WHERE ok + errors + timeouts <> offered")" 0
check_eq "summary counts are integers" "$(q "$db" "SELECT count(*) FROM summary WHERE
  typeof(requests) <> 'integer' OR typeof(ok) <> 'integer' OR typeof(errors) <> 'integer'")" 0
check_eq "warmup in params" "$(q "$db" "SELECT json_extract(params, '\$.warmup_s') FROM runs ORDER BY run_id")" "1800
0"
# Each run's summary = the sum of its rows after its warm-up.
mismatch=$(q "$db" "SELECT count(*) FROM summary s JOIN runs r USING (run_id) JOIN
  (SELECT i.run_id, i.service, sum(offered) o, sum(ok) k, sum(errors) + sum(timeouts) e
   FROM service_intervals i JOIN runs r2 USING (run_id)
   WHERE i.t_s > json_extract(r2.params, '\$.warmup_s') GROUP BY i.run_id, i.service) t
  ON t.run_id = s.run_id AND t.service = s.service
  WHERE s.requests <> t.o OR s.ok <> t.k OR s.errors <> t.e")
check_eq "summary <> sum of intervals after warm-up" "$mismatch" 0
check_eq "summary rows" "$(q "$db" "SELECT count(*) FROM summary")" 4
# The warm-up really leaves the first 30 rows out.
d=$(q "$db" "SELECT (SELECT requests FROM summary WHERE run_id = 2 AND service = 'orders') -
  (SELECT requests FROM summary WHERE run_id = 1 AND service = 'orders') =
  (SELECT sum(offered) FROM service_intervals WHERE run_id = 2 AND service = 'orders' AND t_s <= 1800)")
check_eq "warm-up rows excluded" "$d" 1

printf 'warmup: 2h\nduration: 1h\n' > "$TMP/bad.yaml"
sed -e '/^duration:/d' -e '/^warmup:/d' "$SCN" >> "$TMP/bad.yaml"
cp -r "$KS_SRCDIR/scenarios/manifests" "$TMP/" 2>/dev/null
"$KUBESIM" run "$TMP/bad.yaml" --out "$TMP/bad.db" -q 2>"$TMP/err"
check_eq "warmup >= duration status" $? 2
check_contains "warmup message" "$(cat "$TMP/err")" "warmup must be at least 0 and shorter than duration"
check_contains "warmup message position" "$(cat "$TMP/err")" "bad.yaml:1:"
check_eq "nothing written" "$(test -e "$TMP/bad.db" && echo yes || echo no)" no
"$KUBESIM" run "$SCN" --out "$TMP/bad2.db" -q --set warmup=-5m 2>"$TMP/err"
check_eq "negative warmup status" $? 2
finish
