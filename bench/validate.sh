#!/bin/sh
# validate.sh - `kubesim validate` time for inputs from 10^3 to 10^6 of each
# kind that grows with a cluster's size: node pools, zones of one pool,
# Kubernetes objects (a Deployment and a Service per app, in a manifest
# file) and CSV trace rows. Each size runs once; the table (Markdown, for
# the README) shows seconds and seconds per 1,000 items, which stays flat
# when validation is linear. Seconds are of CPU (user + system, from
# /usr/bin/time), not wall: on a shared machine wall time follows the load.
# Usage: bench/validate.sh [KUBESIM] [MAX_EXPONENT (default 6)]
set -eu
kubesim=${1:-./kubesim}
maxe=${2:-6}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

gen() {	# gen KIND N: writes $tmp/s.yaml (and its files)
	case $1 in
	pools) awk -v n="$2" 'BEGIN { print "nodePools:"
		for (i = 0; i < n; i++) printf "  - {name: p%d, cpu: \"4\", memory: 8Gi, count: %d}\n", i, i == 0 }' ;;
	zones) awk -v n="$2" 'BEGIN { printf "nodePools:\n  - {name: default, cpu: \"4\", memory: 8Gi, count: 1, zones: ["
		for (i = 0; i < n; i++) printf "%sz%d", i ? ", " : "", i; print "]}" }' ;;
	objects)
		# n objects: n/2 apps, each a Deployment and a Service
		awk -v n="$2" 'BEGIN { for (i = 0; i < n / 2; i++) {
			printf "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app%d}\nspec:\n  replicas: 0\n", i
			printf "  selector: {matchLabels: {app: app%d}}\n  template:\n    metadata: {labels: {app: app%d}}\n", i, i
			printf "    spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 10m, memory: 16Mi}}}]}\n"
			printf "---\napiVersion: v1\nkind: Service\nmetadata: {name: app%d}\nspec: {selector: {app: app%d}, ports: [{port: 80}]}\n", i, i } }' >"$tmp/m.yaml"
		printf 'nodePools:\n  - {name: default, cpu: "4", memory: 8Gi, count: 1}\nmanifests: [m.yaml]\n' ;;
	rows)
		awk -v n="$2" 'BEGIN { print "t,rate"; for (i = 0; i < n; i++) printf "%d,%d\n", i * 60, 10 + i % 7 }' >"$tmp/t.csv"
		cat <<-EOT
		nodePools:
		  - {name: default, cpu: "4", memory: 8Gi, count: 1}
		manifests:
		  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}}}
		  - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}
		services:
		  - name: web
		    serviceTime: 10ms
		    traffic: [{trace: {path: t.csv, timeColumn: t, valueColumn: rate, value: rate}}]
		EOT
		;;
	esac >"$tmp/s.yaml"
}

echo "| input | 10^3 | 10^4 | 10^5 | 10^6 | s per 1,000 at 10^3 / 10^6 |"
echo "|---|---:|---:|---:|---:|---|"
for kind in pools zones objects rows; do
	line="| $kind"
	first="" last=""
	e=3
	while [ $e -le 6 ]; do
		n=$(awk -v e="$e" 'BEGIN { printf "%d", 10 ^ e }')
		if [ $e -le "$maxe" ]; then
			gen $kind "$n"
			/usr/bin/time -f "%U %S" -o "$tmp/time" "$kubesim" validate "$tmp/s.yaml" >/dev/null
			t=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/time")
			per=$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.4f", t * 1000 / n }')
			[ -z "$first" ] && first=$per
			last=$per
			line="$line | $t"
		else
			line="$line | -"
		fi
		e=$((e + 1))
	done
	echo "$line | $first / $last |"
done
