#!/usr/bin/env python3
# gen_large.py - writes the large-cluster benchmark scenario to stdout: 5,000
# nodes of 16 vCPU / 64 GiB in 3 zones and 100 services of 1,500 pods each
# (150,000 pods of 500m / 1Gi, Kubernetes' scale limits), each with an HPA
# (1000-1550 replicas at 60% cpu) and diurnal traffic of 20k-40k req/s.
# Usage: bench/gen_large.py > large.yaml; kubesim run large.yaml --duration 1h
# A smaller cluster of the same shape (for callgrind): bench/gen_large.py
# SERVICES NODES (e.g. 10 500: 15,000 pods on 500 nodes).
import sys
N, R = 100, 1500
NODES = 5000
if len(sys.argv) > 1:
    N = int(sys.argv[1])
if len(sys.argv) > 2:
    NODES = int(sys.argv[2])
print(f"""name: large
seed: 1
duration: 24h
interval: 300s
tick: 1s
nodePools:
  - name: big
    instanceType: m5.4xlarge
    cpu: "16"
    memory: 64Gi
    maxPods: 110
    pricePerHour: 0.768
    zones: [a, b, c]
    count: {NODES}
manifests:""")
for i in range(N):
    print(f"""  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: svc{i}}}
    spec:
      replicas: {R}
      selector: {{matchLabels: {{app: svc{i}}}}}
      template:
        metadata: {{labels: {{app: svc{i}}}}}
        spec:
          containers:
            - name: app
              image: example/svc{i}:1
              resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: svc{i}}}
    spec: {{selector: {{app: svc{i}}}, ports: [{{port: 80}}]}}
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {{name: svc{i}}}
    spec:
      scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: svc{i}}}
      minReplicas: 1000
      maxReplicas: 1550
      metrics:
        - type: Resource
          resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}""")
print("services:")
for i in range(N):
    print(f"""  - name: svc{i}
    serviceTime: {{dist: exponential, mean: 20ms}}
    cpuPerRequest: 10ms
    concurrency: 8
    timeout: 2s
    traffic:
      - diurnal: {{trough: 20000, peak: 40000, period: 24h, peakAt: 20h}}""")
