#!/bin/sh
# sweep.sh - the sweep benchmark: a 100-run sweep of the default scenario
# (scenarios/ecommerce.yaml, a simulated day each: 4 HPA targets x 25 seeds)
# with -j 2 on this machine's 2 cores, as runs per minute (wall clock), with
# the CPU seconds all runs used (user + sys of the children, from `times`):
# on a shared machine the wall figure depends on the other load, the CPU
# figure much less. Printed as a Markdown table for the README.
# Usage: bench/sweep.sh [KUBESIM] (run by `make bench`).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kubesim=${1:-./kubesim}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

start=$(date +%s%N)
"$kubesim" sweep "$top/scenarios/ecommerce.yaml" -q -j 2 --out "$tmp/s.db" \
	--grid services.0.concurrency=8,12,16,24 --seeds 1..25
end=$(date +%s%N)
times > "$tmp/times"
cpus=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, y, /[ms]/)
	printf "%.1f", u[1] * 60 + u[2] + y[1] * 60 + y[2] }' "$tmp/times")
n=$(sqlite3 -batch -noheader "$tmp/s.db" "SELECT count(*) FROM runs WHERE status = 'ok'")
cpu=$(sqlite3 -batch -noheader "$tmp/s.db" "SELECT printf('%.2f', avg(wall_seconds)) FROM runs")
awk -v n="$n" -v ns="$((end - start))" -v cpu="$cpu" -v cpus="$cpus" 'BEGIN {
	s = ns / 1e9
	print "| runs | -j | wall s | runs per minute | mean wall s of one run | CPU s of all runs | runs per minute if the 2 cores were free |"
	print "|---:|---:|---:|---:|---:|---:|---:|"
	printf "| %d | 2 | %.1f | %.0f | %s | %.1f | %.0f |\n", n, s, 60 * n / s, cpu, cpus, 60 * n / (cpus / 2)
}'
