#!/bin/sh
# interrupt.sh - SIGINT or SIGTERM during a run: the process commits what it
# has, marks the run 'interrupted', exits 130, and the rows it wrote stay.
. "$(dirname "$0")/lib.sh"
SC="$KS_SRCDIR/scenarios/ecommerce.yaml"
db="$TMP/int.db"
for sig in INT TERM; do
	# A year of simulated time: far longer than the test waits.
	"$KUBESIM" run "$SC" --duration 8760h --out "$db" -q &
	pid=$!
	# Wait until the run has committed its first rows, then interrupt it.
	i=0
	while [ $i -lt 100 ]; do
		n=$(sqlite3 -batch -noheader "$db" "SELECT COUNT(*) FROM runs WHERE status = 'running'" 2>/dev/null || echo 0)
		[ "${n:-0}" -gt 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	kill -$sig $pid
	wait $pid
	check_eq "exit status after SIG$sig" $? 130
done
check_eq "runs marked interrupted" "$(q "$db" "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'")" 2
sim=$(q "$db" "SELECT sim_seconds FROM runs WHERE run_id = 1")
check_range "simulated seconds kept" "$sim" 3600 31535999
rows=$(q "$db" "SELECT COUNT(*) FROM service_intervals WHERE run_id = 1")
check_range "interval rows kept" "$rows" 60 100000000
last=$(q "$db" "SELECT MAX(t_s) FROM cluster_intervals WHERE run_id = 1")
check_range "rows up to the interruption" "$last" "$(awk -v s="$sim" 'BEGIN { print s - 120 }')" "$sim"
check_eq "summary rows written" "$(q "$db" "SELECT COUNT(*) FROM summary WHERE run_id = 1")" 2
finish
