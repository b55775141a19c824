#!/bin/sh
# slurm.sh - the Slurm recipe of docs/slurm/: starts a single-node Slurm
# (munged, slurmctld and slurmd on localhost, configured in a temporary
# directory, stopped at the end), submits a small sweep as a 3-task job array
# plus the merge job with docs/slurm/submit.sh, and checks that the merged
# results equal the same sweep run locally with -j 2 (all rows but run ids and
# wall-clock columns). Skipped (77) when not root or Slurm is not installed.
. "$(dirname "$0")/lib.sh"

for p in munged mungekey slurmctld slurmd sbatch squeue; do
	command -v $p >/dev/null 2>&1 || { echo "SKIP: $p not installed (setup.sh installs slurm-wlm and munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: a single-node Slurm needs root here"; exit 77; }

S="$TMP/slurm"
mkdir -p "$S/state" "$S/spool"
stop() {
	for f in "$S/slurmd.pid" "$S/slurmctld.pid"; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	[ -S "$S/munge.sock" ] && munged -s --socket="$S/munge.sock" >/dev/null 2>&1
	sleep 1
	rm -rf "$TMP"
}
trap stop EXIT
mungekey --create --keyfile="$S/munge.key" || fail "mungekey"
munged -f --key-file="$S/munge.key" --socket="$S/munge.sock" --log-file="$S/munged.log" \
	--pid-file="$S/munged.pid" --seed-file="$S/munged.seed" || fail "munged"
host=$(hostname -s)
port=$((20000 + $$ % 20000))
cat > "$S/slurm.conf" <<CONF
ClusterName=kubesimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$S/munge.sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$S/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
# Wait (up to 60 s) for the node to be idle.
i=0
until sinfo -h -o %t 2>/dev/null | grep -q idle; do
	i=$((i + 1))
	[ $i -lt 60 ] || { fail "the node never became idle: $(tail -3 "$S/slurmctld.log")"; finish; exit 1; }
	sleep 1
done
pass

SCN="$KS_SRCDIR/tests/data/reports/crn.yaml"
set -- --grid services.0.concurrency=8,16 --grid nodePools.0.count=4,5 --seeds 1..2 --duration 30m
job=$(KUBESIM="$KUBESIM" "$KS_SRCDIR/docs/slurm/submit.sh" 3 "$TMP/out" "$TMP/slurm.db" "$SCN" "$@")
check_eq "submit status" $? 0
i=0
while [ -n "$(squeue -h 2>/dev/null)" ] && [ $i -lt 300 ]; do
	i=$((i + 1))
	sleep 1
done
check_eq "jobs finished" "$(squeue -h 2>/dev/null)" ""
check_eq "merge job log" "$(grep -c 'runs merged' "$TMP/out/merge.log" 2>/dev/null)" 3
check_eq "runs merged" "$(q "$TMP/slurm.db" "SELECT count(*) FROM runs WHERE status = 'ok'")" 8
"$KUBESIM" sweep "$SCN" "$@" -q -j 2 --out "$TMP/local.db"; check_eq "local sweep" $? 0
dump_rows "$TMP/local.db" > "$TMP/local.txt"
dump_rows "$TMP/slurm.db" > "$TMP/slurm.txt"
check_range "rows compared" "$(wc -l < "$TMP/local.txt")" 100 100000000
if cmp -s "$TMP/local.txt" "$TMP/slurm.txt"; then pass; else
	fail "Slurm and local sweeps differ: $(diff "$TMP/local.txt" "$TMP/slurm.txt" | head -5)"; fi
[ -n "$job" ] && pass
finish
