#!/bin/sh
# pass_verify.sh - the passes over every pod take shortcuts that must give
# the same bits as the plain way: the 10 s CPU check sums each node's use in
# pod id order and decides by a rounding bound, summing in the node list's
# order only near the threshold (models/cluster/cpu.c, node_busy), the
# pods of cohorts read alike before counted by a bound carried from check
# to check by their cohorts' growth (carry_bounds) unless it comes near
# the threshold, and the
# metrics scrape reads each pod's state from a copy 16 bytes apart (c->run)
# and its cpu time and served count from flat copies of its cohort's sums
# (traffic_use_flat), or, for the pods of a cohort scraped alike before,
# takes the cohort's sample when a rounding bound shows every member's is
# the same (metrics.c, cohort_milli), and the HPA's walks skip
# what has not changed (horizontal.c: hz_memo, hz_pods, metrics_uniform, and
# hz_derive, which works a uniform sample's cpu metric out from totals),
# its quick check reading each Deployment's revision and replicas from a
# dense copy (c->deploy_rev, which KS_HPA_MEMO_VERIFY compares with the
# Deployment's for every HPA at every sync).
# A fluid Service's next steps' traffic is asked for ahead while its nodes
# are in the cache (traffic.c, struct serve_ahead).
# KS_CPU_VERIFY decides every node both ways (and checks each bound) and
# asks again for each count asked for ahead, KS_METRICS_VERIFY reads every
# pod both ways (and each pod a cohort sampled on its own too) and
# KS_HPA_MEMO_VERIFY walks every HPA's pods whenever a
# shortcut was taken (and compares each Deployment's compact copy of its
# revision and replicas, and each kept pod request, with the source), and
# KS_INTERVAL_VERIFY redoes each interval's latency flush (the accumulator's
# spread walking its bounds), kept knots and kept cpu request the plain way
# and walks each row's latency quantiles; a disagreement aborts the run. Each case also checks that the shortcuts
# were taken (the counts printed at the end of the run).
. "$(dirname "$0")/lib.sh"

# verify NAME SCENARIO [RUN OPTIONS]: runs it with both checks on.
verify() {
	name=$1 scn=$2
	shift 2
	KS_CPU_VERIFY=1 KS_METRICS_VERIFY=1 KS_HPA_MEMO_VERIFY=1 KS_INTERVAL_VERIFY=1 "$KUBESIM" run "$scn" -q --out "$TMP/$name.db" \
	    "$@" 2> "$TMP/$name.err"
	check_eq "$name: the run agrees with itself" $? 0
	cpu=$(sed -n 's/^kubesim: KS_CPU_VERIFY: \([0-9]*\) node checks agreed (\([0-9]*\) busy).*; \([0-9]*\) pods counted from cohorts.*/\1 \2 \3/p' \
	    "$TMP/$name.err" | tail -1)
	reads=$(sed -n 's/^kubesim: KS_METRICS_VERIFY: \([0-9]*\) reads agreed; \([0-9]*\) samples by cohort.*/\1 \2/p' \
	    "$TMP/$name.err" | tail -1)
	ahead=$(sed -n 's/^kubesim: KS_CPU_VERIFY: \([0-9]*\) traffic counts asked for ahead agreed.*/\1/p' \
	    "$TMP/$name.err" | tail -1)
	nahead=${ahead:-0}
	set -- $cpu
	nchecks=${1:-0} nbusy=${2:-0} nshared=${3:-0}
	set -- $reads
	nreads=${1:-0} ncohort=${2:-0}
}

# The limits scenario's shape at a hundredth: HPAs, the Cluster Autoscaler,
# node failures, diurnal traffic, parked Services, a rollout wave, a day.
verify limits "$KS_SRCDIR/tests/data/limits_small.yaml"
check_range "limits: nodes checked" "$nchecks" 100000 10000000
check_range "limits: pods read by the scrape" "$nreads" 10000 100000000
check_range "limits: pods sampled by their cohorts" "$ncohort" 1000000 100000000
check_range "limits: pods' use counted from their cohorts" "$nshared" 1000000 100000000
check_range "limits: held traffic counted ahead" "$nahead" 10000 100000000
# Every pod scraped and checked on its own (KS_METRICS_ALONE,
# KS_CPU_ALONE): the same rows.
KS_METRICS_ALONE=1 KS_CPU_ALONE=1 "$KUBESIM" run "$KS_SRCDIR/tests/data/limits_small.yaml" -q \
    --out "$TMP/alone.db" 2> "$TMP/alone.err"
check_eq "limits: every pod read on its own runs" $? 0
dump_rows "$TMP/limits.db" > "$TMP/limits.rows"
dump_rows "$TMP/alone.db" > "$TMP/alone.rows"
cmp -s "$TMP/limits.rows" "$TMP/alone.rows"
check_eq "limits: pods read by cohort give the rows of pods read alone" $? 0

# The same with a zone partitioned (its nodes' pods lost, then back) and
# an API server outage, as tests/chaos.sh appends them; node failures, a
# scale-down, evictions and the scrape's copy of each pod (c->run) too.
# (The scenario ends with its rollout wave's scheduled actions: these join
# them.)
{ cat "$KS_SRCDIR/tests/data/limits_small.yaml"
  echo "    - {at: 2h, action: partitionZone, zone: zone-a, duration: 20m}"
  echo "    - {at: 5h, action: apiOutage, duration: 5m}"; } > "$TMP/chaos.yaml"
verify chaos "$TMP/chaos.yaml" --duration 8h
check_range "chaos: pods read by the scrape" "$nreads" 10000 100000000
check_range "chaos: pods sampled by their cohorts" "$ncohort" 100000 100000000
check_range "chaos: pods lost and back" \
    "$(q "$TMP/chaos.db" "SELECT count(*) FROM events WHERE kind = 'PodNotReady'")" 10 100000

# Both traffic modes of a node whose pods use all of its core (busy: the
# bound decides above the threshold), and of limits and releases.
for m in fluid request; do
	verify "contend_$m" "$KS_SRCDIR/tests/cpu/contend.yaml" --traffic-mode $m
	check_range "contend $m: busy nodes found" "$nbusy" 1 100000
	for f in throttle release probes; do
		verify "${f}_$m" "$KS_SRCDIR/tests/cpu/$f.yaml" --traffic-mode $m --duration 2h
		check_range "$f $m: nodes checked" "$nchecks" 1 10000000
	done
done

# A bundled scenario with an HPA on a rising load, and the e-commerce one.
verify ecommerce "$KS_SRCDIR/scenarios/ecommerce.yaml" --duration 6h
check_range "ecommerce: pods read by the scrape" "$nreads" 1 100000000
verify iot "$KS_SRCDIR/scenarios/iot.yaml" --duration 6h
check_range "iot: nodes checked" "$nchecks" 1 10000000

finish
