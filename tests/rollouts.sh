#!/bin/sh
# rollouts.sh - rollouts and failing containers through `kubesim run`
# (tests/data/rollouts.yaml, rows every second): a RollingUpdate 25 %/25 %
# within its bounds at every interval, a bad release that stalls and times
# out, its undo, pause/resume, Recreate, the crash-loop back-off's delays
# (10 s doubling to 300 s, reset after 10 min running), and the startup,
# readiness and liveness probes' timing against a slow start.
. "$(dirname "$0")/lib.sh"
db=$TMP/r.db
"$KUBESIM" run "$KS_SRCDIR/tests/data/rollouts.yaml" --set warmStart=false --out "$db" -q
check_eq "run status" $? 0
rows="FROM rollout_intervals WHERE deployment = 'web'"

# web: maxSurge 25 % rounded up, maxUnavailable 25 % rounded down (2 and 2
# of 8). Once up (2 min), never fewer than replicas - maxUnavailable ready
# nor more than replicas + maxSurge pods, at every second; but for the
# minute after the scale-up to 16 (new pods are not ready at once) and the
# second of the scale-down to 8 (the controller acts after the watch latency).
check_eq "web: ready never below replicas - maxUnavailable" \
	"$(q "$db" "SELECT count(*) $rows AND t_s > 120 AND t_s NOT BETWEEN 2400 AND 2460
	    AND ready_new + ready_old < replicas - replicas * 25 / 100")" 0
check_eq "web: pods never above replicas + maxSurge" \
	"$(q "$db" "SELECT count(*) $rows AND t_s <> 2700
	    AND pods > replicas + (replicas * 25 + 99) / 100")" 0
check_eq "web: the surge is used" "$(q "$db" "SELECT max(pods) $rows AND t_s < 2400")" 10
check_eq "web: rollout to web:2 done (revision 2, all new and ready)" \
	"$(q "$db" "SELECT revision || '/' || updated || '/' || ready_new || '/' || reason $rows AND t_s = 900")" \
	"2/8/8/NewReplicaSetAvailable"

# The bad release (web:3, readiness fails) stalls: 4 new pods never ready,
# 6 old ones kept; Progressing=False/ProgressDeadlineExceeded 300 s after
# the last progress.
check_eq "bad release: stalled at 4 new, 0 ready, 6 old ready" \
	"$(q "$db" "SELECT updated || '/' || ready_new || '/' || ready_old $rows AND t_s = 2000")" "4/0/6"
check_eq "bad release: Progressing before the deadline" \
	"$(q "$db" "SELECT progressing || '/' || reason $rows AND t_s = 2099")" "True/ReplicaSetUpdated"
check_eq "bad release: ProgressDeadlineExceeded after it" \
	"$(q "$db" "SELECT progressing || '/' || reason $rows AND t_s = 2200")" "False/ProgressDeadlineExceeded"
t_to=$(q "$db" "SELECT t_s FROM events WHERE object = 'web' AND kind = 'ProgressDeadlineExceeded'")
t_last=$(q "$db" "SELECT max(t_s) FROM events WHERE object = 'web' AND kind = 'ScalingReplicaSet' AND t_s < $t_to")
# Scaled to 16 while stalled at 6 old + 4 new: the 20 allowed (16 + 4)
# are shared in proportion, 12 old and 8 new; back to 8: 6 and 4.
check_eq "proportional scale-up" "$(q "$db" "SELECT pods || '/' || updated || '/' || ready_old $rows AND t_s = 2600")" "20/8/12"
check_eq "proportional scale-down" "$(q "$db" "SELECT pods || '/' || updated || '/' || ready_old $rows AND t_s = 2900")" "10/4/6"
# (the last progress is the last sync that saw a status change: the
# scaling, or a sync soon after it that counts the pods it created)
check_range "deadline measured from the last progress" "$t_to" "$(echo "$t_last + 300" | bc)" "$(echo "$t_last + 302" | bc)"

# undo at 50 min: revision 2's ReplicaSet comes back as revision 4 (no new
# ReplicaSet), the bad one is scaled to 0, all 8 ready.
check_eq "undo: logged" "$(q "$db" "SELECT count(*) FROM events WHERE object = 'web' AND kind = 'DeploymentRollback'")" 1
check_eq "undo: no new ReplicaSet made" \
	"$(q "$db" "SELECT count(*) FROM events WHERE object = 'web' AND kind = 'NewReplicaSetCreated' AND t_s BETWEEN 3000 AND 3600")" 0
check_eq "undo: restored" \
	"$(q "$db" "SELECT revision || '/' || pods || '/' || ready_new || '/' || reason $rows AND t_s = 3300")" \
	"4/8/8/NewReplicaSetAvailable"

# pause at 70 min, a template change at 71, resume at 80: nothing rolls
# while paused; the rollout starts on resume.
check_eq "paused: no rollout" "$(q "$db" "SELECT count(*) FROM events WHERE object = 'web' AND kind = 'NewReplicaSetCreated' AND t_s BETWEEN 4200 AND 4799")" 0
check_eq "paused: condition" "$(q "$db" "SELECT paused || '/' || progressing || '/' || reason $rows AND t_s = 4500")" "1/Unknown/DeploymentPaused"
check_eq "resumed: revision 5 rolls out" "$(q "$db" "SELECT revision || '/' || ready_new $rows AND t_s = 5400")" "5/8"

# batch (Recreate): every old pod gone before a new one is created; ready
# drops to 0, then all 4 are back.
t_up=$(q "$db" "SELECT min(t_s) FROM events WHERE object = 'batch' AND kind = 'ScalingReplicaSet' AND detail LIKE 'Scaled up%' AND t_s > 600")
t_gone=$(q "$db" "SELECT max(e.t_s) FROM events e WHERE e.kind = 'PodDeleted' AND e.object LIKE 'batch-%' AND e.t_s BETWEEN 600 AND 700")
check_range "Recreate: new ReplicaSet scaled up after the last old pod is gone" "$t_up" "$t_gone" "$(echo "$t_gone + 1" | bc)"
check_eq "Recreate: ready drops to 0" "$(q "$db" "SELECT min(ready_new + ready_old) FROM rollout_intervals WHERE deployment = 'batch' AND t_s BETWEEN 600 AND 700")" 0
check_eq "Recreate: recovers" "$(q "$db" "SELECT ready_new || '/' || ready_old FROM rollout_intervals WHERE deployment = 'batch' AND t_s = 700")" "4/0"

# crashy exits 30 s after each start: restart 1 at once (no back-off entry
# yet), then CrashLoopBackOff 10, 20, 40, 80, 160, 300, 300 s after the exit.
delays=$(q "$db" "SELECT group_concat(d, ',') FROM (SELECT CAST(ROUND(r.t_s - x.t_s) AS INT) AS d
	FROM events r JOIN events x ON x.object = r.object AND x.kind = 'ContainerDied'
	AND x.rowid = (SELECT max(rowid) FROM events WHERE object = r.object AND kind = 'ContainerDied' AND rowid < r.rowid)
	WHERE r.object LIKE 'crashy-%' AND r.kind = 'Restarted' ORDER BY r.rowid LIMIT 9)")
check_eq "CrashLoopBackOff delays" "$delays" "0,10,20,40,80,160,300,300,300"
check_eq "BackOff events exact" "$(q "$db" "SELECT group_concat(detail, '|') FROM (SELECT detail FROM events WHERE object LIKE 'crashy-%' AND kind = 'BackOff' ORDER BY rowid LIMIT 2)")" \
	"Back-off 10 s restarting failed container (CrashLoopBackOff)|Back-off 20 s restarting failed container (CrashLoopBackOff)"
# longrun runs 11 min between crashes: the back-off entry (last updated at
# the restart) expires after 10 min, so every restart is immediate.
check_eq "back-off reset after 10 min running" \
	"$(q "$db" "SELECT count(*) FROM events WHERE object LIKE 'longrun-%' AND kind = 'BackOff'")" 0
check_range "longrun restarted" "$(q "$db" "SELECT count(*) FROM events WHERE object LIKE 'longrun-%' AND kind = 'Restarted'")" 9 11
check_eq "restarts in rows = Restarted events" \
	"$(q "$db" "SELECT sum(restarts) FROM rollout_intervals")" \
	"$(q "$db" "SELECT count(*) FROM events WHERE kind = 'Restarted'")"
# Probes on the probe worker's grid (origin: when the kubelet started the
# pod, ContainerCreating; the container runs from PodRunning). slowlive's
# application answers 45 s after its start and it has only a liveness probe
# (initialDelay 10 s, period 10 s, failureThreshold 3): killed at the third
# failed probe, origin + ceil((start + 10 - origin) / 10) * 10 + 20 s.
ev() { q "$db" "SELECT t_s FROM events WHERE object = '$1' AND kind = '$2' ORDER BY rowid LIMIT 1"; }
o=$(ev slowlive-00000 PodCreating); st=$(ev slowlive-00000 PodRunning); k=$(ev slowlive-00000 Killing)
want=$(awk -v o="$o" -v s="$st" 'BEGIN { n = int((s + 10 - o) / 10); if (o + n * 10 < s + 10) n++; printf "%.6f", o + n * 10 + 20 }')
check_eq "liveness kills a slow start at the third failure" "$(printf %.6f "$k")" "$want"
check_eq "liveness: Unhealthy then Killing" "$(q "$db" "SELECT group_concat(kind, ',') FROM (SELECT kind FROM events WHERE object = 'slowlive-00000' AND t_s = $k AND kind IN ('Unhealthy', 'Killing') ORDER BY rowid)")" "Unhealthy,Killing"
# slowstartup has a startup probe (period 10 s, failureThreshold 30): it
# succeeds at the first probe after 45 s, readiness (period 5 s) at once,
# and liveness never kills it.
o=$(ev slowstartup-00000 PodCreating); st=$(ev slowstartup-00000 PodRunning); r=$(ev slowstartup-00000 PodReady)
want=$(awk -v o="$o" -v s="$st" 'BEGIN { n = int((s + 45 - o) / 10); if (o + n * 10 < s + 45) n++; printf "%.6f", o + n * 10 }')
check_eq "startup probe covers the slow start; Ready at its success" "$(printf %.6f "$r")" "$want"
check_eq "startup probe: no liveness kill" "$(q "$db" "SELECT count(*) FROM events WHERE object LIKE 'slowstartup-%' AND kind = 'Killing'")" 0
finish
