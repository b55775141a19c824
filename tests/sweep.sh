#!/bin/sh
# sweep.sh - `kubesim sweep` and `kubesim merge`: a 2x2 grid times 3 seeds
# run with -j 2, the same sweep as two shards merged, and the same sweep
# resumed after its first shard give identical rows (all but run ids and the
# wall-clock columns); a finished sweep resumes to nothing; merging a shard
# twice is refused; bad arguments exit 2 with nothing written.
. "$(dirname "$0")/lib.sh"

SCN="$KS_SRCDIR/tests/data/reports/crn.yaml"
set -- --grid services.0.concurrency=8,16 --grid nodePools.0.count=4,5 --seeds 1..3 --duration 90m -q
"$KUBESIM" sweep "$SCN" "$@" -j 2 --out "$TMP/par.db"; check_eq "sweep -j 2 status" $? 0
"$KUBESIM" sweep "$SCN" "$@" --shard 1/2 --out "$TMP/s1.db"; check_eq "shard 1 status" $? 0
"$KUBESIM" sweep "$SCN" "$@" --shard 2/2 --out "$TMP/s2.db"; check_eq "shard 2 status" $? 0
check_eq "shard 1 runs" "$(q "$TMP/s1.db" "SELECT count(*) FROM runs")" 6
"$KUBESIM" merge -q "$TMP/merged.db" "$TMP/s1.db" "$TMP/s2.db"; check_eq "merge status" $? 0
cp "$TMP/s1.db" "$TMP/resumed.db"
"$KUBESIM" sweep "$SCN" "$@" -j 2 --out "$TMP/resumed.db"; check_eq "resume status" $? 0

dump_rows "$TMP/par.db" > "$TMP/par.txt"
dump_rows "$TMP/merged.db" > "$TMP/merged.txt"
dump_rows "$TMP/resumed.db" > "$TMP/resumed.txt"
check_eq "runs" "$(q "$TMP/par.db" "SELECT count(*) FROM runs WHERE status = 'ok'")" 12
check_eq "distinct jobs" "$(q "$TMP/par.db" "SELECT count(DISTINCT json_extract(params, '\$.sweep')) FROM runs")" 12
check_eq "rows were dumped" "$(grep -c 'crn.yaml;seed=' "$TMP/par.txt" | awk '{ print ($1 > 1000) }')" 1
if cmp -s "$TMP/par.txt" "$TMP/merged.txt"; then pass; else
	fail "-j 2 and merged shards differ: $(diff "$TMP/par.txt" "$TMP/merged.txt" | head -5)"; fi
if cmp -s "$TMP/par.txt" "$TMP/resumed.txt"; then pass; else
	fail "-j 2 and resumed differ: $(diff "$TMP/par.txt" "$TMP/resumed.txt" | head -5)"; fi
check_eq "grid values in params" "$(q "$TMP/par.db" "SELECT count(*) FROM runs WHERE
  json_extract(params, '\$.grid.\"services.0.concurrency\"') = '16' AND
  json_extract(params, '\$.set.\"services.0.concurrency\"') = '16'")" 6
# Merged run ids are the output's own: 1..12.
check_eq "run ids remapped" "$(q "$TMP/merged.db" "SELECT min(run_id) || '-' || max(run_id) FROM runs")" "1-12"

out=$("$KUBESIM" sweep "$SCN" --grid services.0.concurrency=8,16 --grid nodePools.0.count=4,5 \
	--seeds 1..3 --duration 90m --out "$TMP/par.db")
check_eq "finished sweep resumes to nothing" $? 0
check_contains "nothing run" "$out" "0 runs done, 12 skipped"

# SIGINT to the sweep's process group: finished runs kept, exit 130, then
# the same command resumes to all 48 runs, no temporary files left behind.
mkdir "$TMP/t"
TMPDIR="$TMP/t" setsid "$KUBESIM" sweep "$SCN" --grid services.0.concurrency=8,16,24,32 \
	--seeds 1..12 -j 2 -q --out "$TMP/int.db" 2>"$TMP/int.err" &
pid=$!
sleep 1.5
kill -INT -$pid
wait $pid
check_eq "interrupted sweep status" $? 130
check_contains "interrupted message" "$(cat "$TMP/int.err")" "run the same command to resume"
kept=$(q "$TMP/int.db" "SELECT count(*) FROM runs")
check_eq "only finished runs kept" "$(q "$TMP/int.db" "SELECT count(*) FROM runs WHERE status <> 'ok'")" 0
TMPDIR="$TMP/t" "$KUBESIM" sweep "$SCN" --grid services.0.concurrency=8,16,24,32 --seeds 1..12 \
	-j 2 --out "$TMP/int.db" >"$TMP/int.out"
check_eq "resumed sweep status" $? 0
check_contains "resumed the rest" "$(cat "$TMP/int.out")" "$((48 - kept)) runs done, $kept skipped"
check_eq "all runs after resume" "$(q "$TMP/int.db" "SELECT count(DISTINCT json_extract(params, '\$.sweep')) FROM runs WHERE status = 'ok'")" 48
check_eq "no temporary files left" "$(ls "$TMP/t")" ""

"$KUBESIM" merge "$TMP/merged.db" "$TMP/s1.db" 2>"$TMP/err"; check_eq "duplicate merge status" $? 2
check_contains "duplicate message" "$(cat "$TMP/err")" "is already in the output"
check_eq "nothing merged twice" "$(q "$TMP/merged.db" "SELECT count(*) FROM runs")" 12
echo "not a database" > "$TMP/junk.db"
"$KUBESIM" merge "$TMP/m2.db" "$TMP/junk.db" 2>"$TMP/err"; check_eq "foreign input status" $? 2
check_eq "output not created" "$(test -e "$TMP/m2.db" && echo yes || echo no)" no
"$KUBESIM" merge "$TMP/m2.db" 2>/dev/null; check_eq "merge without inputs status" $? 2
"$KUBESIM" merge "$TMP/merged.db" "$TMP/merged.db" 2>/dev/null; check_eq "merge into itself status" $? 2

"$KUBESIM" sweep "$SCN" --grid services.0.concurrency --seeds 1 --out "$TMP/b.db" 2>"$TMP/err"
check_eq "bad --grid status" $? 2
"$KUBESIM" sweep "$SCN" --seeds 3..1 --out "$TMP/b.db" 2>"$TMP/err"; check_eq "bad --seeds status" $? 2
check_contains "bad --seeds message" "$(cat "$TMP/err")" "--seeds takes A..B"
"$KUBESIM" sweep "$SCN" --seeds 1 --shard 3/2 --out "$TMP/b.db" 2>"$TMP/err"; check_eq "bad --shard status" $? 2
"$KUBESIM" sweep "$SCN" --out "$TMP/b.db" 2>"$TMP/err"; check_eq "no --seeds status" $? 2
"$KUBESIM" sweep "$SCN" --grid services.0.concurrency=8,lots --seeds 1 --out "$TMP/b.db" 2>"$TMP/err"
check_eq "bad grid value status" $? 2
check_contains "bad grid value message" "$(cat "$TMP/err")" "services.0.concurrency=lots"
check_eq "nothing written" "$(test -e "$TMP/b.db" && echo yes || echo no)" no
finish
