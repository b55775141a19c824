#!/bin/sh
# trace.sh - cluster trace replay of the Alibaba GPU 2023 trace ("openb",
# 1,523 nodes, 8,152 pods; ATC '23 FGD paper) read from the shared data
# folder, never from the repository (its publisher limits use to research
# and study): on the trace's real times (150 days) and compressed (a pod
# every second in trace order, none leaving, until the GPUs asked reach the
# cluster's), with the default scheduler profile. Prints, per mode, the
# wall time and CPU time (user + system; best of 3 each), peak RSS, pods placed and unschedulable, GPU
# allocation and fragmentation at the end, as a Markdown table.
# Usage: bench/trace.sh [KUBESIM [TRACE_DIR]]; the trace directory defaults to
# ../shared/data/traces/cluster/alibaba-openb-gpu-2023 beside the repository
# (or /work/shared/...); skipped when it is not there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kubesim=${1:-./kubesim}
sub=data/traces/cluster/alibaba-openb-gpu-2023
dir=${2:-$top/../shared/$sub}
[ -d "$dir" ] || dir=/work/shared/$sub
if [ ! -r "$dir/openb_pod_list_default.csv" ]; then
	echo "trace.sh: no trace in $dir; skipped"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/real.yaml" <<EOT
name: openb-real
duration: 3600h
interval: 1h
podTrace:
  name: openb
  file: $dir/openb_pod_list_default.csv
  nodes: {file: $dir/openb_node_list_all_node.csv}
EOT
cat >"$tmp/compressed.yaml" <<EOT
name: openb-compressed
duration: 3h
interval: 1m
podTrace:
  name: openb
  file: $dir/openb_pod_list_default.csv
  nodes: {file: $dir/openb_node_list_all_node.csv}
  time: compressed
  gap: 1s
EOT
echo "| openb trace | wall s (best of 3) | cpu s (best of 3) | peak RSS MB | pods arrived | placed | unschedulable | GPU alloc | GPU frag (GPUs) | frag rate |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in real compressed; do
	best=""
	cpu=""
	rss=""
	for i in 1 2 3; do
		rm -f "$tmp/$m.db"
		/usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$kubesim" run "$tmp/$m.yaml" \
		    --out "$tmp/$m.db" -q
		set -- $(cat "$tmp/time")
		if [ -z "$best" ] || awk -v a="$1" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$1
		fi
		if [ -z "$rss" ] || [ "$2" -gt "$rss" ]; then rss=$2; fi
		u=$(awk -v u="$3" -v s="$4" 'BEGIN { printf "%.2f", u + s }')
		if [ -z "$cpu" ] || awk -v a="$u" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then
			cpu=$u
		fi
	done
	row=$(sqlite3 -batch -noheader -separator ' ' "$tmp/$m.db" "SELECT COUNT(*),
	    SUM(outcome = 'placed'), SUM(outcome = 'unschedulable'), (SELECT printf('%.3f %.1f %.3f',
	    gpu_alloc, gpu_frag, gpu_frag_rate) FROM trace_intervals ORDER BY t_s DESC LIMIT 1)
	    FROM trace_pods")
	set -- $row
	echo "| $m | $best | $cpu | $((rss / 1024)) | $1 | $2 | $3 | $4 | $5 | $6 |"
done
