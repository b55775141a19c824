#!/bin/sh
# compare.sh - `kubesim compare`: common random numbers. Six seeds of
# tests/data/reports/crn.yaml (random node failures) at rate 40 and at a 1 %
# higher rate 40.4: the paired test over seeds finds the errors of `orders`
# significantly worse (exit 3), Welch's unpaired test on the same runs does
# not (exit 0); an unchanged SLI is 'no significant difference'; runs with
# other seeds fall back to Welch; bad selections and options exit 2.
. "$(dirname "$0")/lib.sh"

SCN="$KS_SRCDIR/tests/data/reports/crn.yaml"
db="$TMP/c.db"
R=services.0.traffic.0.constant.rate
for s in 1 2 3 4 5 6; do
	for r in 40 40.4; do
		"$KUBESIM" run "$SCN" -q --out "$db" --seed $s --set $R=$r || fail "run seed $s rate $r"
	done
done
check_eq "runs" "$(q "$db" "SELECT count(*) FROM runs WHERE status = 'ok'")" 12

out=$("$KUBESIM" compare "$db" -b $R=40 -c $R=40.4 --metric errors --service orders)
check_eq "paired detects the 1% change: exit" $? 3
check_contains "paired test used" "$out" "paired t over matching seeds"
check_contains "paired verdict" "$(printf '%s\n' "$out" | grep '^errors')" "worse"
# The interval is mean(diff) +- t(0.975, 5) * sd(diff) / sqrt(6), by hand.
want=$(q "$db" "WITH d AS (SELECT c.errors - b.errors AS x FROM summary b JOIN runs rb
  ON rb.run_id = b.run_id JOIN runs rc ON rc.seed = rb.seed JOIN summary c ON c.run_id =
  rc.run_id AND c.service = b.service WHERE b.service = 'orders' AND
  json_extract(rb.params, '\$.set.\"$R\"') = '40' AND json_extract(rc.params,
  '\$.set.\"$R\"') = '40.4'), m AS (SELECT avg(x) AS mu, count(*) AS n FROM d)
  SELECT printf('%.2f %.2f', mu - 2.5705818366 * sqrt(sum((x - mu) * (x - mu)) / (n - 1)) / sqrt(n),
  mu + 2.5705818366 * sqrt(sum((x - mu) * (x - mu)) / (n - 1)) / sqrt(n)) FROM d, m")
got=$(printf '%s\n' "$out" | awk '/^errors/ { gsub(/[\[\],+]/, " "); printf "%.2f %.2f", $6, $7 }')
check_eq "paired CI" "$got" "$want"
check_eq "positive difference" "$(printf '%s\n' "$out" | awk '/^errors/ { print ($5 > 0) }')" 1

out=$("$KUBESIM" compare "$db" -b $R=40 -c $R=40.4 --metric errors --service orders --unpaired)
check_eq "unpaired misses it: exit" $? 0
check_contains "Welch used" "$out" "Welch's t (unpaired, as asked)"
check_contains "unpaired verdict" "$(printf '%s\n' "$out" | grep '^errors')" "no significant difference"

# payment is unchanged: the same numbers, no difference.
out=$("$KUBESIM" compare "$db" -b $R=40 -c $R=40.4 --metric errors,cost --service payment)
check_eq "unchanged SLIs: exit" $? 0
check_eq "unchanged verdicts" "$(printf '%s\n' "$out" | grep -c 'no significant difference$')" 2

# Different seeds: Welch, said so.
out=$("$KUBESIM" compare "$db" -b "$R=40,seeds=1-3" -c "$R=40.4,seeds=4-6" --metric p99)
check_eq "different seeds: exit" $? 0
check_contains "different seeds: Welch" "$out" "unpaired: the seeds differ"
out=$("$KUBESIM" compare "$db" -b run=1 -c run=2 --metric errors)
check_contains "one run each: untested" "$out" "untested (fewer than 2 runs)"

"$KUBESIM" compare "$db" -b $R=41 -c $R=40 2>"$TMP/err"; check_eq "empty selection status" $? 2
check_contains "empty selection message" "$(cat "$TMP/err")" "matches no finished ('ok') run"
"$KUBESIM" compare "$db" -b runs=5-2 -c $R=40 2>"$TMP/err"; check_eq "bad range status" $? 2
check_contains "bad range message" "$(cat "$TMP/err")" "runs takes N or A-B"
"$KUBESIM" compare "$db" -b foo -c $R=40 2>"$TMP/err"; check_eq "bad condition status" $? 2
"$KUBESIM" compare "$db" -b run=1 -c run=2 --metric p42 2>"$TMP/err"; check_eq "bad metric status" $? 2
check_contains "bad metric message" "$(cat "$TMP/err")" "unknown metric 'p42'"
"$KUBESIM" compare "$db" -b run=1 2>"$TMP/err"; check_eq "no candidate status" $? 2
"$KUBESIM" compare "$db" -b run=1 -c run=2 --confidence 2 2>"$TMP/err"; check_eq "bad level status" $? 2
"$KUBESIM" compare "$TMP/none.db" -b run=1 -c run=2 2>"$TMP/err"; check_eq "missing DB status" $? 2
finish
