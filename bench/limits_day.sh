#!/bin/sh
# limits_day.sh - the day at Kubernetes' limits (issue 13): generates the
# limits scenario with bench/gen_limits.py (or a smaller one of the same
# shape), runs it whole and prints wall and CPU time, events and events per
# wall second, peak RSS and RSS per pod and per node, and the size of the
# results with the rows of the largest tables.
# Usage: bench/limits_day.sh [-d DURATION] [-i] [KUBESIM [SERVICES PODS NODES]]
#   bench/limits_day.sh ./kubesim                 a simulated day, 10,000 Services
#   bench/limits_day.sh -d 2h ./kubesim 2000 30000 1000
# -i: instructions per simulated hour instead (valgrind's callgrind, load-
# independent): runs the scenario for DURATION and for DURATION + 1h under
# callgrind and prints the difference, the cost of that one hour (slow: use
# a small size, e.g. 2000 30000 1000, about 50 times the native run).
set -eu
dur=24h
instr=0
while [ $# -gt 0 ]; do
	case $1 in
	-d) dur=$2; shift 2 ;;
	-i) instr=1; shift ;;
	*) break ;;
	esac
done
kubesim=${1:-./kubesim}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-limits.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 "$here/gen_limits.py" "$@" > "$tmp/limits.yaml"
sizes=$(python3 - "$tmp/limits.yaml" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
nodes = sum(int(x) for x in re.findall(r"^    count: (\d+)$", t, re.M))
pods = sum(int(x) for x in re.findall(r"^      replicas: (\d+)$", t, re.M))
svcs = len(re.findall(r"^    kind: Service$", t, re.M))
print(nodes, pods, svcs)
EOF
)
set -- $sizes
nodes=$1 pods=$2 svcs=$3

secs() {	# a duration such as 24h, 90m, 30s in seconds
	python3 -c "import sys; s=sys.argv[1]; u={'h':3600,'m':60,'s':1}[s[-1]]; print(int(float(s[:-1])*u))" "$1"
}

if [ "$instr" = 1 ]; then
	d0=$(secs "$dur")
	d1=$((d0 + 3600))
	for d in $d0 $d1; do
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$d" "$kubesim" run \
		    "$tmp/limits.yaml" --quiet --duration "${d}s" --out "$tmp/r$d.db" \
		    > "$tmp/cg.$d.log" 2>&1
	done
	i0=$(sed -n 's/^summary: //p' "$tmp/cg.$d0")
	i1=$(sed -n 's/^summary: //p' "$tmp/cg.$d1")
	echo "limits scenario: $svcs Services, $pods pods, $nodes nodes"
	echo "instructions to ${d0} s: $i0; to ${d1} s: $i1"
	echo "instructions of the simulated hour from ${d0} s to ${d1} s: $((i1 - i0))"
	exit 0
fi

/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$kubesim" run "$tmp/limits.yaml" \
    --duration "$dur" --out "$tmp/r.db" > "$tmp/out" 2>&1 || {
	cat "$tmp/out" >&2; exit 1; }
set -- $(cat "$tmp/time")
wall=$1 user=$2 sys=$3 rss=$4
events=$(sed -n 's/.* in [0-9.]* s wall, \([0-9]*\) events$/\1/p' "$tmp/out" | head -1)
bytes=$(stat -c %s "$tmp/r.db")
echo "limits scenario: $svcs Services, $pods pods, $nodes nodes, $dur simulated"
python3 - "$wall" "$user" "$sys" "$rss" "$events" "$bytes" "$pods" "$nodes" <<'EOF'
import sys
wall, user, sys_, rss, ev, b, pods, nodes = sys.argv[1:]
wall, user, sys_ = float(wall), float(user), float(sys_)
rss, ev, b, pods, nodes = int(rss) * 1024, int(ev), int(b), int(pods), int(nodes)
print("| wall s | cpu s (user + sys) | events | events per wall s | peak RSS MiB | "
      "RSS per pod KiB | RSS per node KiB | results MB |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
print("| %.1f | %.1f + %.1f | %d | %.0f | %.0f | %.2f | %.1f | %.1f |" % (
    wall, user, sys_, ev, ev / wall if wall > 0 else 0, rss / 2**20,
    rss / pods / 1024, rss / nodes / 1024, b / 1e6))
EOF
echo "largest tables (rows):"
for t in events hpa_decisions service_intervals scheduling_decisions ca_decisions; do
	n=$(sqlite3 "$tmp/r.db" "SELECT count(*) FROM $t" 2>/dev/null || echo -)
	echo "  $t: $n"
done
