#!/bin/sh
# scenarios.sh - wall time of a simulated 24 h of the bundled scenarios
# (best of 3 runs each), printed as a Markdown table for the README.
# Usage: bench/scenarios.sh [KUBESIM] (run by `make bench`).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kubesim=${1:-./kubesim}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "| scenario (24 h simulated) | wall s (best of 3) | events | events/s | simulated s per wall s |"
echo "|---|---|---|---|---|"
for sc in ecommerce worldcup; do
	best=""
	for i in 1 2 3; do
		rm -f "$tmp/b.db"
		"$kubesim" run "$top/scenarios/$sc.yaml" --duration 24h --out "$tmp/b.db" -q
		w=$(sqlite3 -batch -noheader "$tmp/b.db" "SELECT wall_seconds FROM runs")
		ev=$(sqlite3 -batch -noheader "$tmp/b.db" "SELECT events FROM runs")
		if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$w
			events=$ev
		fi
	done
	awk -v s="$sc" -v w="$best" -v e="$events" 'BEGIN {
		printf "| %s | %.3f | %d | %.2fM | %.0f |\n", s, w, e, e / w / 1e6, 86400 / w }'
done
