#!/bin/sh
# cli.sh - the command line: --help on the program and every command,
# --version, unknown commands and options, exit statuses.
. "$(dirname "$0")/lib.sh"

out=$("$KUBESIM" --help); check_eq "kubesim --help status" $? 0
check_contains "--help lists run" "$out" "run"
check_contains "--help lists validate" "$out" "validate"
for cmd in run validate schedule hpa-eval events describe compare sweep merge report; do
	if printf '%s' "$out" | grep -q "^  $cmd "; then
		h=$("$KUBESIM" $cmd --help); check_eq "$cmd --help status" $? 0
		check_contains "$cmd --help usage" "$h" "usage: kubesim $cmd"
	fi
done
v=$("$KUBESIM" --version); check_eq "--version status" $? 0
check_contains "--version" "$v" "kubesim "
"$KUBESIM" frobnicate 2>"$TMP/err"; check_eq "unknown command status" $? 2
check_contains "unknown command message" "$(cat "$TMP/err")" "unknown command 'frobnicate'"
"$KUBESIM" run --bogus x.yaml 2>"$TMP/err"; check_eq "unknown option status" $? 2
check_contains "unknown option message" "$(cat "$TMP/err")" "unknown option '--bogus'"
"$KUBESIM" run 2>"$TMP/err"; check_eq "missing scenario status" $? 2
"$KUBESIM" run "$KS_SRCDIR/scenarios/ecommerce.yaml" --set nocolon 2>"$TMP/err"
check_eq "--set without = status" $? 2
"$KUBESIM" 2>/dev/null; check_eq "no command status" $? 2
finish
