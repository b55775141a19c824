#!/bin/sh
# setup_time.sh - the cost of a run's set-up: everything `kubesim run` does
# before the first simulated event (reading and checking the scenario,
# building the cluster, cl_start with its warm start). gdb stops the run at
# its first sim_run and prints the process's CPU seconds (user, system),
# wall seconds since it started and peak RSS at that point.
# Usage: bench/setup_time.sh SCENARIO [KUBESIM] [RUN OPTIONS...]
#   e.g. bench/setup_time.sh limits.yaml ./kubesim --set warmStart=false
set -eu
scn=$1
kubesim=${2:-./kubesim}
[ $# -ge 2 ] && shift 2 || shift 1
out=$(mktemp "${TMPDIR:-/tmp}/kubesim-setup.XXXXXX")
trap 'rm -f "$out" "$out.db"' EXIT
gdb -q -batch -ex 'set breakpoint pending on' -ex 'break sim_run' -ex run \
    -ex 'python
import os
pid = gdb.selected_inferior().pid
hz = os.sysconf("SC_CLK_TCK")
st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
up = float(open("/proc/uptime").read().split()[0])
rss = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmHWM")][0].split()[1]
print("set-up: %.2f s user, %.2f s system, %.1f s wall, peak RSS %d MiB" % (
    int(st[11]) / hz, int(st[12]) / hz, up - int(st[19]) / hz, int(rss) // 1024))
' -ex kill --args "$kubesim" run "$scn" --quiet --out "$out.db" "$@" 2>&1 |
    grep '^set-up:'
