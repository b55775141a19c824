#!/usr/bin/env python3
# bench/gen_dump.py NODES PODS - a `kubectl get nodes,pods -A -o yaml` dump (a v1
# List) of NODES nodes and PODS bound pods in 100 namespaces, for timing how
# fast kubesim loads a real cluster (README, Speed):
#   bench/gen_dump.py 5000 150000 > dump.yaml
import sys
nodes=int(sys.argv[1]); pods=int(sys.argv[2])
out=sys.stdout
out.write("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\nitems:\n")
for i in range(nodes):
    out.write(f"""- apiVersion: v1
  kind: Node
  metadata:
    name: node-{i}
    labels: {{kubernetes.io/hostname: node-{i}, kubernetes.io/os: linux, topology.kubernetes.io/zone: zone-{i%3}}}
  status:
    allocatable: {{cpu: "32", memory: 128Gi, pods: "110"}}
""")
for j in range(pods):
    n=j%nodes
    out.write(f"""- apiVersion: v1
  kind: Pod
  metadata:
    name: app-{j}
    namespace: ns-{j%100}
    labels: {{app: app-{j%100}}}
  spec:
    nodeName: node-{n}
    containers:
    - name: c
      image: registry/app-{j%100}:1
      resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}
  status: {{phase: Running}}
""")
