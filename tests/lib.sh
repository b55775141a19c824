# lib.sh - helpers for kubesim's shell tests: checks that print what was
# compared on failure and a closing "N passed, N failed" line.
# Sourced by tests/*.sh; KS_SRCDIR and KS_BUILDDIR come from make check.
: "${KS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${KS_BUILDDIR:=$KS_SRCDIR}"
KUBESIM="$KS_BUILDDIR/kubesim"
T_PASSED=0
T_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pass() { T_PASSED=$((T_PASSED + 1)); }
fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL: $*" >&2; }

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}
# check_range WHAT VALUE LOW HIGH (inclusive, real numbers)
check_range() {
	if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; then
		pass
	else
		fail "$1: $2 not in [$3, $4]"
	fi
}
# check_contains WHAT HAYSTACK NEEDLE
check_contains() {
	case "$2" in
	*"$3"*) pass ;;
	*) fail "$1: '$2' does not contain '$3'" ;;
	esac
}
q() { sqlite3 -batch -noheader "$1" "$2"; }
# dump_rows DB: every row of every table except run ids and wall-clock
# columns, keyed and ordered by the sweep job (params.sweep), to compare the
# results of differently run sweeps.
dump_rows() {
	q "$1" "SELECT json_extract(params, '\$.sweep'), scenario, seed, status, sim_seconds,
	  events, cost_usd, version, params, error FROM runs ORDER BY 1"
	for t in $(q "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'runs'
	    AND name NOT LIKE 'sqlite%' ORDER BY name"); do
		cols=$(q "$1" "SELECT group_concat('t.\"' || name || '\"') FROM pragma_table_info('$t')
		    WHERE name <> 'run_id'")
		echo "== $t"
		q "$1" "SELECT json_extract(r.params, '\$.sweep'), $cols FROM \"$t\" t JOIN runs r
		    USING (run_id) ORDER BY 1, t.rowid"
	done
}
finish() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
