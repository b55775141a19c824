#!/bin/sh
# bench/instructions.sh - the instructions a run costs at two commits, counted
# by valgrind's callgrind (exact and independent of the machine's load, where
# wall time on a shared machine is not): builds OLD in a scratch worktree,
# runs the same scenarios with both, prints each count and the ratio.
#   bench/instructions.sh OLD_COMMIT [SCENARIO:DURATION ...]   (NEW = the work tree)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
old=$1
shift
[ $# -gt 0 ] || set -- scenarios/ecommerce.yaml:24h scenarios/worldcup.yaml:24h \
	scenarios/iot.yaml:24h scenarios/design-challenge.yaml:1h
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/old" 2>/dev/null || true; rm -rf "$tmp"' EXIT
git -C "$top" worktree add -q --detach "$tmp/old" "$old"
(cd "$tmp/old" && ./bootstrap >/dev/null 2>&1 && ./configure -q >/dev/null && make -s -j2 kubesim >/dev/null 2>&1)
make -s -j2 kubesim >/dev/null

count() {	# instructions of one run of binary $1 on scenario $2 for $3
	rm -f "$tmp/r.db"*
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$1" run "$2" --duration "$3" \
	    --quiet --out "$tmp/r.db" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-36s %8s %16s %16s %8s\n' scenario duration "instr $old" "instr new" ratio
for arg in "$@"; do
	scn=${arg%%:*} dur=${arg##*:}
	a=$(count "$tmp/old/kubesim" "$scn" "$dur")
	b=$(count "$top/kubesim" "$scn" "$dur")
	printf '%-36s %8s %16s %16s %8.4f\n' "$scn" "$dur" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
