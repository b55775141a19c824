#!/usr/bin/env python3
# gen_limits.py - writes the limits benchmark scenario to stdout: a cluster at
# Kubernetes' scalability thresholds. 5,000 nodes in 3 zones and 3 pools
# (the Cluster Autoscaler on, random node failures), 10,000 Deployments each
# with a Service, 150,000 pods in all (sizes 1..1,500, heavy-tailed: a
# lognormal of median 4 clipped to 1..1,500, then adjusted to the total), an
# HPA on 9 Deployments in 10 (cpu at 60%, from 70% to 130% of the size) and
# diurnal traffic on every Service (15-30 req/s per pod of its size), its
# rate held per minute (resolution: 1m, as a per-minute trace gives it).
# hpaDecisions: onChange keeps the results small (one row per HPA decision
# that changed, not per 15 s sync). A rollout wave: from 10:00 every tenth
# Deployment gets a new image, one every 3 s (1,000 rollouts in 50 minutes
# at full size, RollingUpdate 25%/25%), the way a base-image update goes
# through a fleet.
# Usage: bench/gen_limits.py [SERVICES [PODS [NODES]]] > limits.yaml
#        kubesim run limits.yaml            (24 h)
import math
import random
import sys

S = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
P = int(sys.argv[2]) if len(sys.argv) > 2 else 150000
NODES = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
rng = random.Random(13)

# Heavy-tailed sizes summing to P.
sizes = [min(1500, max(1, int(round(rng.lognormvariate(math.log(4), 1.6)))))
         for _ in range(S)]
sizes.sort(reverse=True)
sizes[0] = min(1500, P)     # the largest Deployment at the limit's 1,500
i = 0
while sum(sizes) != P:
    k = rng.randrange(S)
    if sum(sizes) < P and sizes[k] < 1500:
        sizes[k] += 1
    elif sum(sizes) > P and sizes[k] > 1:
        sizes[k] -= 1
    i += 1
    if i > 50 * P:
        sys.exit("gen_limits.py: cannot reach %d pods with %d services" % (P, S))

# Three pools (5:3:2 of the nodes), the Cluster Autoscaler between 90% and
# 100% of each; each node fails about once a month.
pools = [("general", "m5.4xlarge", "16", "64Gi", 0.768, 5),
         ("compute", "c5.4xlarge", "16", "32Gi", 0.68, 3),
         ("memory", "r5.4xlarge", "16", "128Gi", 1.008, 2)]
print("""name: limits
description: Kubernetes' scalability limits, 5,000 nodes, 150,000 pods, 10,000 Services
seed: 1
duration: 24h
interval: 300s
tick: 1s
hpaDecisions: onChange
clusterAutoscaler: {expander: least-waste, maxNodesTotal: %d}
nodePools:""" % NODES)
left = NODES
for n, (name, itype, cpu, mem, price, share) in enumerate(pools):
    count = left if n == len(pools) - 1 else NODES * share // 10
    left -= count
    print(f"""  - name: {name}
    instanceType: {itype}
    cpu: "{cpu}"
    memory: {mem}
    maxPods: 110
    pricePerHour: {price}
    zones: [zone-a, zone-b, zone-c]
    count: {count}
    min: {count * 9 // 10}
    max: {count}
    failures:
      timeToFailure: {{dist: exponential, mean: 720h}}
      repair: {{dist: lognormal, median: 10m, sigma: 0.5}}""")
cpus = ["100m", "250m", "500m"]
per_pod = {"100m": 6, "250m": 15, "500m": 30}     # req/s at 60% of the request
print("manifests:")
for i, r in enumerate(sizes):
    cpu = cpus[i % 3]
    print(f"""  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: s{i}}}
    spec:
      replicas: {r}
      selector: {{matchLabels: {{app: s{i}}}}}
      template:
        metadata: {{labels: {{app: s{i}}}}}
        spec:
          containers:
            - name: app
              image: example/s{i}:1
              resources: {{requests: {{cpu: {cpu}, memory: 256Mi}}}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: s{i}}}
    spec: {{selector: {{app: s{i}}}, ports: [{{port: 80}}]}}""")
    if i % 10 != 9:
        lo, hi = max(1, r * 7 // 10), max(2, (r * 13 + 9) // 10)
        print(f"""  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {{name: s{i}}}
    spec:
      scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: s{i}}}
      minReplicas: {lo}
      maxReplicas: {hi}
      metrics:
        - type: Resource
          resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}""")
print("services:")
for i, r in enumerate(sizes):
    rate = per_pod[cpus[i % 3]] * r
    print(f"""  - name: s{i}
    serviceTime: {{dist: exponential, mean: 20ms}}
    cpuPerRequest: 10ms
    concurrency: 8
    timeout: 2s
    traffic:
      - diurnal: {{trough: {rate // 2}, peak: {rate}, period: 24h, peakAt: {12 + i % 10}h, resolution: 1m}}""")
# The rollout wave, last (more scheduled actions can be appended): every
# tenth Deployment, from 10:00, 3 s apart.
print("failures:")
print("  scheduled:")
for n, i in enumerate(range(0, S, 10)):
    at = 10 * 3600 + 3 * n
    print(f"    - {{at: {at}s, action: rollout, deployment: s{i}, "
          f"set: {{image: example/s{i}:2}}}}")
