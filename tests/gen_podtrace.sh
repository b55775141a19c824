#!/bin/sh
# gen_podtrace.sh - writes a synthetic cluster trace with the columns and the
# shape of the Alibaba GPU 2023 ("openb") trace, for tests (the real trace's
# terms keep it out of the repository): NODES nodes (a quarter CPU-only,
# the rest with 1, 2, 4 or 8 GPUs of models T4, P100, V100M16, G2) and PODS
# pods (about 13 % CPU-only, most with 1 GPU, a few with 2, 4 or 8; some GPU
# pods restricted to GPU models), created in order, each deleted after a
# heavy-tailed lifetime. Deterministic (the Park-Miller generator, exact in awk, from
# SEED). Usage: gen_podtrace.sh NODES PODS SEED NODEFILE PODFILE
set -e
[ $# -eq 5 ] || { echo "usage: $0 NODES PODS SEED NODEFILE PODFILE" >&2; exit 2; }
awk -v nodes="$1" -v pods="$2" -v seed="$3" -v nf="$4" -v pf="$5" '
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = seed % 2147483646 + 1
	split("T4 P100 V100M16 G2", model, " ")
	print "sn,cpu_milli,memory_mib,gpu,model" > nf
	for (i = 0; i < nodes; i++) {
		if (i % 4 == 0) { g = 0; m = ""; cpu = 32000; mem = 131072 }
		else {
			g = 2 ^ int(rnd() * 4); m = model[1 + int(rnd() * 4)]
			cpu = 16000 * g; mem = 65536 * g
		}
		printf "trace-node-%04d,%d,%d,%d,%s\n", i, cpu, mem, g, m > nf
	}
	print "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase," \
	    "creation_time,deletion_time,scheduled_time" > pf
	t = 1000
	for (i = 0; i < pods; i++) {
		u = rnd()
		if (u < 0.13) g = 0; else if (u < 0.97) g = 1; else g = 2 ^ (1 + int(rnd() * 3))
		milli = g == 0 ? 0 : (g == 1 && rnd() < 0.4 ? 100 * (1 + int(rnd() * 9)) : 1000)
		spec = g > 0 && rnd() < 0.2 ? model[1 + int(rnd() * 4)] : ""
		if (spec != "" && rnd() < 0.5) spec = spec "|" model[1 + int(rnd() * 4)]
		cpu = 1000 * (1 + int(rnd() * 8)) * (g > 1 ? g : 1)
		mem = 1024 * (1 + int(rnd() * 16)) * (g > 1 ? g : 1)
		t += int(-log(1 - rnd()) * 60)
		life = int(60 * exp(rnd() * 6))
		printf "trace-pod-%04d,%d,%d,%d,%d,%s,LS,Running,%d,%d,%d\n", i, cpu, mem, g,
		    milli, spec, t, t + life, t > pf
	}
}'
