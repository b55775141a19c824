#!/bin/sh
# bad_input_cli.sh - bad input through `kubesim run`: one message naming
# file:line:column, exit status 2, and no results file created or changed.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"

# A fresh path: must not be created.
for f in "$KS_SRCDIR"/tests/bad_input/*.yaml; do
	name=$(basename "$f")
	rm -f "$TMP/new.db"
	"$KUBESIM" run "$f" --out "$TMP/new.db" -q 2>"$TMP/err"
	check_eq "$name: exit status" $? 2
	check_eq "$name: one line of message" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
	if grep -Eq '^kubesim: [^:]+:[0-9]+:[0-9]+: ' "$TMP/err"; then pass; else
		fail "$name: message without file:line:col: $(cat "$TMP/err")"; fi
	if [ -e "$TMP/new.db" ]; then fail "$name: results file created"; else pass; fi
done

# An existing results file is left byte-identical.
"$KUBESIM" run "$SC" --duration 4h --out "$TMP/keep.db" -q --check
check_eq "good run status" $? 0
cp "$TMP/keep.db" "$TMP/keep.orig"
for f in "$KS_SRCDIR"/tests/bad_input/*.yaml; do
	"$KUBESIM" run "$f" --out "$TMP/keep.db" -q 2>/dev/null
	if cmp -s "$TMP/keep.db" "$TMP/keep.orig"; then pass; else
		fail "$(basename "$f"): existing results file changed"; fi
done

# Bad overrides are bad input too.
"$KUBESIM" run "$SC" --duration 10x --out "$TMP/new2.db" 2>"$TMP/err"
check_eq "bad --duration status" $? 2
[ -e "$TMP/new2.db" ] && fail "bad --duration created a file" || pass
"$KUBESIM" run "$SC" --set nodePools.0.cuont=3 --out "$TMP/new2.db" 2>"$TMP/err"
check_eq "bad --set path status" $? 2
check_contains "bad --set suggestion" "$(cat "$TMP/err")" "count"

# Not a kubesim database: refused, untouched.
printf 'not a database\n' >"$TMP/other.db"
cp "$TMP/other.db" "$TMP/other.orig"
"$KUBESIM" run "$SC" --duration 4h --out "$TMP/other.db" --check -q 2>"$TMP/err"
check_eq "foreign results file status" $? 2
cmp -s "$TMP/other.db" "$TMP/other.orig" && pass || fail "foreign file changed"
finish
