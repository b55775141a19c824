#!/bin/sh
# valgrind.sh - valgrind memcheck over a short run (VALGRIND_DURATION, 10m
# simulated by default) of each bundled scenario, plus validate, schedule and
# hpa-eval on their examples (make valgrind; .ci/run runs it). Fails on any
# memcheck error or definitely/indirectly lost block.
#   valgrind.sh SRCDIR KUBESIM
set -u
src=$1; ks=$2
dur=${VALGRIND_DURATION:-10m}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-vg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
VG="${VALGRIND:-valgrind} -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
fails=0 n=0
# check NAME WANT CMD...: CMD under memcheck must exit WANT, error-free.
check() {
	name=$1; want=$2; shift 2
	n=$((n + 1))
	$VG "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' "$tmp/err"; then
		fails=$((fails + 1))
		echo "valgrind: $name: memcheck errors:" >&2
		grep '^==[0-9]*==' "$tmp/err" | head -30 >&2
	elif [ $rc -ne "$want" ]; then
		fails=$((fails + 1))
		echo "valgrind: $name: exit status $rc" >&2
		tail -3 "$tmp/err" >&2
	else
		echo "valgrind: $name: clean"
	fi
}
for sc in ecommerce worldcup iot placement boutique llm design-challenge; do
	check "run $sc ($dur)" 0 "$ks" run "$src/scenarios/$sc.yaml" --duration "$dur" \
		--out "$tmp/vg.db" -q
done
check "run request mode" 0 "$ks" run "$src/tests/data/harden/base.yaml" --out "$tmp/vg.db" -q
check "validate" 0 "$ks" validate "$src/scenarios/ecommerce.yaml"
check "schedule" 0 "$ks" schedule --cluster "$src/tests/schedule/cluster.yaml" \
	--pod "$src/tests/schedule/pod-fits-everywhere.yaml"
check "schedule preemption" 0 "$ks" schedule --cluster "$src/tests/schedule/cluster-preempt.yaml" \
	--pod "$src/tests/schedule/pod-preemptor.yaml"
check "hpa-eval" 0 "$ks" hpa-eval "$src/tests/hpa_cases/behavior_scaledown.yaml"
# Bad input frees what it read on the way out, too.
check "bad input" 2 "$ks" validate "$src/tests/bad_input/mesh_cycle.yaml"
check "bad input, alias cycle" 2 "$ks" validate "$src/tests/bad_input/alias_cycle.yaml"
echo "valgrind: $n runs, $fails with errors"
[ $fails -eq 0 ]
