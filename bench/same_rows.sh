#!/bin/sh
# bench/same_rows.sh - shows that two commits simulate identically: builds
# each commit in a scratch worktree, runs every bundled scenario (and the
# benchmark scenarios) with the same seed at both, and diffs every table of
# the results except the wall-clock columns (runs.started_at, wall_seconds,
# version). Exit 0 and "identical" when every row matches.
#   bench/same_rows.sh [-t REL] OLD_COMMIT [NEW_COMMIT]    (NEW defaults to the work tree)
# -t REL: floating-point fields may differ by the relative tolerance REL
# (e.g. 1e-9; bench/rows_close.py), integer and text fields must match; a
# scenario whose rows differ only so is "close", and the rows beyond REL
# are listed. Exit 0 when every scenario is identical or close.
# SAME_ROWS_ARGS adds run options to both sides, e.g. SAME_ROWS_ARGS='--set
# hpaDecisions=everySync' to compare with a commit of the old default.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
tol=
if [ "${1:-}" = -t ]; then tol=$2; shift 2; fi
old=$1
new=${2:-}
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/old" 2>/dev/null || true;
      [ -z "$new" ] || git -C "$top" worktree remove --force "$tmp/new" 2>/dev/null || true;
      rm -rf "$tmp"' EXIT

build() {	# build commit $1 in folder $2
	git -C "$top" worktree add -q --detach "$2" "$1"
	(cd "$2" && ./bootstrap >/dev/null 2>&1 && ./configure -q >/dev/null && make -s -j2 kubesim >/dev/null 2>&1)
}
build "$old" "$tmp/old"
if [ -n "$new" ]; then build "$new" "$tmp/new"; newbin=$tmp/new/kubesim; else
	make -s -j2 kubesim >/dev/null; newbin=$top/kubesim; fi

tables() {	# the tables of db $1
	sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" 2>/dev/null || true
}

dump() {	# the rows of db $1 in the tables $2 (default: its own), wall-clock
	# columns left out, in a stable order. A table the new commit adds is
	# new output, not a change of what is simulated: it is listed apart; a
	# table without rows is left out (a newer schema's table, empty unless
	# its feature is used, does not count as a change).
	for t in ${2:-$(tables "$1")}; do
		[ "$(sqlite3 "$1" "SELECT count(*) FROM \"$t\"" 2>/dev/null)" = 0 ] && continue
		cols=$(sqlite3 "$1" "SELECT group_concat(name, ',') FROM pragma_table_info('$t')
			WHERE name NOT IN ('started_at', 'wall_seconds', 'version')")
		echo "== $t"
		sqlite3 "$1" "SELECT $cols FROM $t ORDER BY rowid"
	done
}

status=0
# the limits scenario (issue 13) at a twentieth of its size, 3 simulated
# hours: cohorts, parking, HPA scale-ups and downs, node failures and the
# Cluster Autoscaler together
python3 bench/gen_limits.py 500 7500 250 > "$tmp/limits-20.yaml"
for scn in scenarios/*.yaml bench/fluid-1m.yaml "$tmp/limits-20.yaml"; do
	for mode in fluid request; do
		case $scn in *design-challenge*|*fluid-1m*) [ $mode = fluid ] || continue; dur=6h ;;
		*limits-20*) [ $mode = fluid ] || continue; dur=3h ;; *) dur=24h ;; esac
		for side in old new; do
			bin=$tmp/old/kubesim; [ $side = new ] && bin=$newbin
			rm -f "$tmp/$side.db"
			"$bin" run "$scn" --seed 7 --duration $dur --traffic-mode $mode --quiet --out "$tmp/$side.db" ${SAME_ROWS_ARGS:-} >/dev/null 2>&1 || echo "exit $?" > "$tmp/$side.exit"
			dump "$tmp/$side.db" "$(tables "$tmp/old.db")" > "$tmp/$side.rows" 2>&1
			cat "$tmp/$side.exit" >> "$tmp/$side.rows" 2>/dev/null || true; rm -f "$tmp/$side.exit"
		done
		added=$(tables "$tmp/new.db" | grep -vxF "$(tables "$tmp/old.db")" | tr '\n' ' ' || true)
		[ -z "$added" ] || echo "new tables (not compared): $added"
		if cmp -s "$tmp/old.rows" "$tmp/new.rows"; then
			echo "identical  $scn ($mode, $dur): $(wc -l < "$tmp/new.rows") rows"
		elif [ -n "$tol" ] && python3 bench/rows_close.py "$tmp/old.rows" "$tmp/new.rows" "$tol" > "$tmp/close"; then
			echo "close      $scn ($mode, $dur): $(wc -l < "$tmp/new.rows") rows,$(tail -1 "$tmp/close")"
		elif [ -n "$tol" ]; then
			echo "DIFFERENT  $scn ($mode, $dur), beyond $tol:"; cat "$tmp/close"; status=1
		else
			echo "DIFFERENT  $scn ($mode, $dur)"; diff "$tmp/old.rows" "$tmp/new.rows" | head -20; status=1
		fi
	done
done
[ $status = 0 ] && echo "identical${tol:+ or close (relative $tol)}"
exit $status
