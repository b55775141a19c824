#!/bin/sh
# determinism.sh - the same scenario and seed give identical result rows
# (service_intervals, events, summary, hpa_decisions); another seed differs;
# the run restarted for huge pages (sim/hugepages.c; where the machine gives
# them) gives the rows of the run that was not (KS_HUGEPAGES=0).
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"
db="$TMP/det.db"
for seed in 7 7 8; do
	"$KUBESIM" run "$SC" --seed $seed --duration 6h --out "$db" -q --check
	check_eq "run seed $seed status" $? 0
done
KS_HUGEPAGES=0 "$KUBESIM" run "$SC" --seed 7 --duration 6h --out "$db" -q --check
check_eq "run seed 7 without huge pages status" $? 0
dump() {
	for t in service_intervals events summary hpa_decisions scheduling_decisions cluster_intervals; do
		sqlite3 -batch "$db" "SELECT * FROM $t WHERE run_id = $1 ORDER BY rowid" | cut -d'|' -f2-
	done
}
dump 1 >"$TMP/a"; dump 2 >"$TMP/b"; dump 3 >"$TMP/c"; dump 4 >"$TMP/d"
n=$(wc -l <"$TMP/a" | tr -d ' ')
check_range "rows in a run" "$n" 100 100000000
cmp -s "$TMP/a" "$TMP/b" && pass || fail "seed 7 twice: rows differ ($(diff "$TMP/a" "$TMP/b" | head -3))"
cmp -s "$TMP/a" "$TMP/d" && pass || fail "huge pages or not: rows differ ($(diff "$TMP/a" "$TMP/d" | head -3))"
cmp -s "$TMP/a" "$TMP/c" && fail "seeds 7 and 8 gave identical rows" || pass
finish
