#!/bin/sh
# hpa_rows.sh - hpaDecisions: onChange (the default) writes an HPA's row only
# when its decision (every column but t_s) differs from its last row: the
# hpaDecisions: everySync rows with consecutive repeats dropped, per HPA, are
# exactly the default's rows (and --set hpaDecisions=onChange's), and every
# other table is unchanged. A bad value is a positioned error.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"
"$KUBESIM" run "$SC" --seed 3 --duration 6h --out "$TMP/every.db" -q \
    --set hpaDecisions=everySync
check_eq "everySync run status" $? 0
"$KUBESIM" run "$SC" --seed 3 --duration 6h --out "$TMP/default.db" -q
check_eq "default run status" $? 0
"$KUBESIM" run "$SC" --seed 3 --duration 6h --out "$TMP/change.db" -q \
    --set hpaDecisions=onChange
check_eq "onChange run status" $? 0
cols="hpa, current, proposals, stabilized, desired, limited_by, reason"
# every-sync rows whose decision differs from the previous row of the same HPA
q "$TMP/every.db" "SELECT t_s, $cols FROM (SELECT *, LAG(current || '|' || proposals || '|' ||
    stabilized || '|' || desired || '|' || limited_by || '|' || reason) OVER (PARTITION BY hpa
    ORDER BY rowid) AS prev, current || '|' || proposals || '|' || stabilized || '|' || desired ||
    '|' || limited_by || '|' || reason AS cur FROM hpa_decisions) WHERE prev IS NULL OR
    prev != cur ORDER BY rowid" >"$TMP/collapsed"
q "$TMP/change.db" "SELECT t_s, $cols FROM hpa_decisions ORDER BY rowid" >"$TMP/onchange"
all=$(q "$TMP/every.db" "SELECT COUNT(*) FROM hpa_decisions")
few=$(wc -l <"$TMP/onchange" | tr -d ' ')
check_range "every-sync rows (6 h of 15 s syncs)" "$all" 1440 1440
check_range "onChange rows" "$few" 2 $((all / 2))
cmp -s "$TMP/collapsed" "$TMP/onchange" && pass ||
	fail "onChange rows are not the collapsed every-sync rows ($(diff "$TMP/collapsed" "$TMP/onchange" | head -3))"
q "$TMP/default.db" "SELECT t_s, $cols FROM hpa_decisions ORDER BY rowid" >"$TMP/default"
cmp -s "$TMP/default" "$TMP/onchange" && pass ||
	fail "the default rows are not onChange's ($(diff "$TMP/default" "$TMP/onchange" | head -3))"
for t in service_intervals events cluster_intervals scheduling_decisions summary; do
	a=$(q "$TMP/every.db" "SELECT * FROM $t ORDER BY rowid" | cut -d'|' -f2- | cksum)
	b=$(q "$TMP/change.db" "SELECT * FROM $t ORDER BY rowid" | cut -d'|' -f2- | cksum)
	check_eq "$t unchanged by hpaDecisions" "$b" "$a"
done
out=$("$KUBESIM" validate "$SC" --set hpaDecisions=sometimes 2>&1)
check_eq "bad hpaDecisions status" $? 2
check_contains "bad hpaDecisions message" "$out" "hpaDecisions must be everySync or onChange"
finish
