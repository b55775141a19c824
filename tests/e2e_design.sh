#!/bin/sh
# e2e_design.sh - the reference documents' design challenge
# (scenarios/design-challenge.yaml) end to end in fluid mode, for its first
# 2 hours: 20 services fed through the call graph from the gateway, HPAs
# within 3-10 replicas, the Istio policy on every hop; one node fails at
# 01:30. The start (pods not yet Ready in the first minute: every try fails
# and is retried) and the node failure cost the gateway about 0.6% of its
# tries; end-to-end latency exceeds every leaf's.
. "$(dirname "$0")/lib.sh"
sc="$KS_SRCDIR/scenarios/design-challenge.yaml"
db="$TMP/design.db"
"$KUBESIM" validate "$sc" >"$TMP/validate" 2>&1
check_eq "validate status" $? 0
check_contains "validate output" "$(cat "$TMP/validate")" "20 deployments, 20 services, 20 HPAs"
"$KUBESIM" run "$sc" --set warmStart=false --duration 2h --out "$db" -q --check
check_eq "run status" $? 0
check_eq "runs.status" "$(q "$db" "SELECT status FROM runs")" "ok"
check_eq "traffic mode" "$(q "$db" "SELECT json_extract(params, '\$.traffic_mode') FROM runs")" "fluid"

# All 20 services serve: every one has ok requests, through the call graph.
check_eq "services in the summary" "$(q "$db" "SELECT COUNT(*) FROM summary")" 20
check_eq "services with ok requests" "$(q "$db" "SELECT COUNT(*) FROM summary WHERE ok > 0")" 20
# The call probabilities fan the gateway's requests out: pricing gets 1.15
# per gateway request (catalog 0.6 + search 0.3 + cart 0.2 + checkout's cart
# 0.05), inventory 0.9, checkout 0.05; about 8.3 in all.
ratio() {
	q "$db" "SELECT 1.0 * (SELECT requests FROM summary WHERE service = '$1') / (SELECT requests FROM summary WHERE service = 'gateway')"
}
check_range "pricing per gateway request" "$(ratio pricing)" 1.13 1.17
check_range "inventory per gateway request" "$(ratio inventory)" 0.88 0.92
check_range "checkout per gateway request" "$(ratio checkout)" 0.048 0.052
check_range "requests inside per gateway request" \
	"$(q "$db" "SELECT 1.0 * SUM(requests) / (SELECT requests FROM summary WHERE service = 'gateway') FROM summary")" 8.1 8.5
# The 1M req/s peak is at 20:00; at 01:00 the diurnal curve gives the
# gateway 90k req/s (80k + 40k cos(19/24 of a turn)), the services about
# 750k req/s together.
check_range "req/s at 01:00, all services" \
	"$(q "$db" "SELECT SUM(offered) / 60.0 FROM service_intervals WHERE t_s = 3600")" 720000 790000

# Availability of the gateway's tries (attempt level, retries included).
check_range "gateway availability" "$(q "$db" "SELECT availability FROM summary WHERE service = 'gateway'")" 0.99 0.9999
check_range "inner services' availability" "$(q "$db" "SELECT MIN(availability) FROM summary WHERE service <> 'gateway'")" 0.999 1
# Only the start (no Ready pod in the first minute) fails gateway tries
# in bulk; after it, at most a few thousand a minute (the node failure).
check_range "first minute's failed tries" \
	"$(q "$db" "SELECT errors + timeouts FROM service_intervals WHERE service = 'gateway' AND t_s = 60")" 1000000 10000000
check_range "worst later minute's failed tries" \
	"$(q "$db" "SELECT MAX(errors + timeouts) FROM service_intervals WHERE service = 'gateway' AND t_s > 60")" 0 20000

# The HPAs keep every service within 3-10 Ready replicas once started,
# one pod per node (required anti-affinity) on the 30 nodes.
check_range "fewest replicas" "$(q "$db" "SELECT MIN(replicas_ready) FROM service_intervals WHERE t_s > 300")" 3 10
check_range "most replicas" "$(q "$db" "SELECT MAX(replicas_ready) FROM service_intervals")" 3 10
check_eq "nothing pending after the start" \
	"$(q "$db" "SELECT MAX(pods_pending) FROM cluster_intervals WHERE t_s > 300")" 0

# End to end (the gateway's latency) exceeds every leaf's p99 (its median
# does not exceed payment's: 5% of gateway requests reach payment).
leaves="'session','user','pricing','inventory','review','media','analytics','fraud','tax','payment','shipping','notification'"
check_eq "gateway p99 above every leaf's" \
	"$(q "$db" "SELECT COUNT(*) FROM summary WHERE service IN ($leaves) AND p99_ms < (SELECT p99_ms FROM summary WHERE service = 'gateway')")" 12
check_range "gateway p99 ms" "$(q "$db" "SELECT p99_ms FROM summary WHERE service = 'gateway'")" 60 500
finish
