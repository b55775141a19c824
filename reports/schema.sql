-- schema.sql - the kubesim results database: one row per run in `runs`, and
-- per-run time series, events, decisions and summaries keyed by run_id.
-- The build turns this file into a C string (reports/schema_sql.c); the writer
-- executes it whenever it opens a file for writing, so every statement here
-- must be idempotent. Changing a table means a new schema version.
-- Times are simulated seconds since the start of the run unless said
-- otherwise; they are deterministic for a given scenario and seed.

-- Marks the file as a kubesim results database ('KSIM') and its schema version.
-- The writer refuses SQLite files with another application_id.
PRAGMA application_id = 1263749453;
PRAGMA user_version = 1;

CREATE TABLE IF NOT EXISTS runs (
	run_id		INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after a run is deleted
	scenario	TEXT NOT NULL,	-- scenario name (or file name when it has none)
	seed		INTEGER NOT NULL, -- run seed (uint64 stored as int64: seeds >= 2^63 read back negative)
	status		TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
				-- 'running' while the run writes, and forever if its process died:
				-- a 'running' row with no live writer is an incomplete run
	started_at	TEXT,		-- wall-clock start, ISO 8601 UTC (informational only)
	sim_seconds	REAL,		-- simulated time covered, seconds (NULL while running)
	wall_seconds	REAL,		-- wall-clock duration of the run, seconds (informational)
	events		INTEGER,	-- discrete events executed by the engine
	cost_usd	REAL,		-- total node cost of the run, US dollars
	version		TEXT,		-- kubesim version that wrote the run
	params		TEXT,		-- JSON object: scenario_file, seed, duration_s, warmup_s,
				-- interval_s, traffic_mode, set (the --set overrides); a sweep adds grid
				-- (its grid values) and sweep (the sweep's key)
	error		TEXT		-- why the run failed or was interrupted; NULL when ok
);

-- One row per service per sampling interval. Counts are requests during the
-- interval, always integers: fluid mode's expected counts are rounded by
-- running totals (each row is the difference of the rounded totals), so that
-- ok + errors + timeouts = offered in every fluid-mode row and the totals
-- stay within one half of the model's.
CREATE TABLE IF NOT EXISTS service_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval, simulated seconds
	service		TEXT NOT NULL,	-- service name (namespace/name outside "default")
	offered		INTEGER,	-- requests that arrived in the interval
	ok		INTEGER,	-- requests completed successfully
	errors		INTEGER,	-- requests failed (rejected, no endpoint, pod failure), timeouts excluded
	timeouts	INTEGER,	-- requests that hit their timeout
	p50_ms		REAL,		-- median latency of completed requests, milliseconds (NULL if none)
	p95_ms		REAL,		-- 95th percentile latency, milliseconds
	p99_ms		REAL,		-- 99th percentile latency, milliseconds
	replicas_desired INTEGER,	-- replicas the Deployment asks for at t_s
	replicas_ready	INTEGER,	-- ready endpoints of the service at t_s
	cpu_util	REAL		-- mean CPU usage / CPU request over ready pods, fraction (1.0 = 100 %)
);
CREATE INDEX IF NOT EXISTS service_intervals_run_t ON service_intervals (run_id, t_s);

-- One row per sampling interval for the whole cluster.
CREATE TABLE IF NOT EXISTS cluster_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval, simulated seconds
	nodes_ready	INTEGER,	-- nodes with condition Ready=True at t_s
	nodes_total	INTEGER,	-- nodes that exist at t_s (provisioning, ready, not ready)
	pods_pending	INTEGER,	-- pods in phase Pending at t_s
	pods_running	INTEGER,	-- pods in phase Running at t_s
	cost_usd	REAL		-- node cost accrued during this interval, US dollars (SUM gives the total)
);
CREATE INDEX IF NOT EXISTS cluster_intervals_run_t ON cluster_intervals (run_id, t_s);

-- The human-readable event log (node failures, evictions, scaling, ...).
-- Memory (models/cluster/memory.c; only with a service's memory: block, a
-- release's memoryLeakPerHour or the scenario's kubelet: evictionHard):
--   kind 'OOMKilled', object the pod: the kernel killed its container past
--     its memory limit; detail 'exit code 137 after S s: working set B bytes
--     over the memory limit L (QoS C)', C the pod's QoS class (Guaranteed,
--     Burstable, BestEffort). The kubelet's 'Restarted' or 'BackOff' follows
--     at the same t_s (restart counts: rollout_intervals.restarts).
--   kind 'NodeHasInsufficientMemory' / 'NodeHasSufficientMemory', object the
--     node: its MemoryPressure condition turned True (the node is tainted
--     node.kubernetes.io/memory-pressure:NoSchedule) / False.
--   kind 'EvictionThresholdMet', object the node: a kubelet housekeeping pass
--     (every 10 s, or once the pod it evicted last is cleaned up) found an
--     eviction threshold met ('Attempting to reclaim
--     memory'); kind 'Evicted', object the pod it evicted, detail the signal,
--     the threshold and available memory (MiB), the pod's usage, request and
--     QoS class; 'PodFailed' follows (its controller replaces it).
CREATE TABLE IF NOT EXISTS events (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- when it happened, simulated seconds
	kind		TEXT NOT NULL,	-- event kind, e.g. 'NodeNotReady', 'PodScheduled', 'Evicted'
	object		TEXT,		-- the object concerned, 'Kind/namespace/name'
	detail		TEXT		-- free text for people
);
CREATE INDEX IF NOT EXISTS events_run_t ON events (run_id, t_s);

-- Each scheduled fault of failures.scheduled beyond failNodes/failZone
-- (partitionZone, apiOutage, spotReclaim, killPods, drainNodes,
-- upgradeNodes; see scenarios/README.md): when it began and ended.
CREATE TABLE IF NOT EXISTS faults (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	kind		TEXT NOT NULL,	-- the scenario's action, e.g. 'partitionZone'
	target		TEXT,		-- the zone, node, pod, pool or 'kube-apiserver'
	start_s		REAL NOT NULL,	-- when it began, simulated seconds
	end_s		REAL,		-- when it ended (killPods: = start_s); NULL: still on at the end of the run
	detail		TEXT		-- free text for people
);

-- HorizontalPodAutoscaler evaluations: by default (the scenario's
-- hpaDecisions: onChange) only an evaluation whose decision (every column but
-- t_s) differs from that HPA's previous row, so a steady HPA writes nothing;
-- with hpaDecisions: everySync, every evaluation (one per HPA per 15 s sync).
CREATE TABLE IF NOT EXISTS hpa_decisions (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- evaluation time, simulated seconds
	hpa		TEXT NOT NULL,	-- HPA 'namespace/name'
	current		INTEGER,	-- current replicas (scale subresource)
	proposals	TEXT,		-- JSON array, one object per metric: its name, value, target and proposed replicas
	stabilized	INTEGER,	-- recommendation after the stabilization window
	desired		INTEGER,	-- replicas set after behavior rate limits and min/max
	limited_by	TEXT,		-- what capped the result: 'ScaleUpLimit', 'ScaleDownLimit', 'TooFewReplicas', 'TooManyReplicas', ... or NULL
	reason		TEXT		-- condition reason / message as the HPA status would show it
);
CREATE INDEX IF NOT EXISTS hpa_decisions_run_t ON hpa_decisions (run_id, t_s);

-- Every Cluster Autoscaler action (and noteworthy non-action).
CREATE TABLE IF NOT EXISTS ca_decisions (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- decision time, simulated seconds
	action		TEXT NOT NULL,	-- 'scale_up', 'scale_down', 'no_scale_up', 'no_scale_down', ...
	node_group	TEXT,		-- node group (pool) concerned, or NULL
	node		TEXT,		-- node concerned (scale-down), or NULL
	reason		TEXT		-- why: expander choice, unneeded time, blocking pod, ...
);
CREATE INDEX IF NOT EXISTS ca_decisions_run_t ON ca_decisions (run_id, t_s);

-- Every scheduling attempt of kube-scheduler.
CREATE TABLE IF NOT EXISTS scheduling_decisions (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- attempt time, simulated seconds
	pod		TEXT NOT NULL,	-- pod 'namespace/name'
	node		TEXT,		-- chosen node, NULL when unschedulable
	feasible	INTEGER,	-- nodes that passed all filters
	reason		TEXT		-- on failure the FitError message ('0/5 nodes are available: ...'); else NULL or score note
);
CREATE INDEX IF NOT EXISTS scheduling_decisions_run_t ON scheduling_decisions (run_id, t_s);

-- Whole-run totals per service, written when the run ends: the counts are the
-- sums of the service's service_intervals rows that end after the scenario's
-- warm-up (runs.params warmup_s), and the percentiles cover the same rows.
CREATE TABLE IF NOT EXISTS summary (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	service		TEXT NOT NULL,	-- service name, as in service_intervals
	requests	INTEGER,	-- requests offered during the run = ok + errors + in_flight
	ok		INTEGER,	-- requests completed successfully
	errors		INTEGER,	-- requests failed, timeouts included
	availability	REAL,		-- ok / (ok + errors): completed requests that succeeded,
				-- fraction (0.999 = 99.9 %); NULL when none completed
	p50_ms		REAL,		-- median latency over the whole run, milliseconds
	p95_ms		REAL,		-- 95th percentile latency over the run, milliseconds
	p99_ms		REAL,		-- 99th percentile latency over the run, milliseconds
	in_flight	REAL		-- requests offered but not finished when the run ended (queued, in service or awaiting a retry); fluid mode: a fractional amount
);
CREATE INDEX IF NOT EXISTS summary_run ON summary (run_id, service);

-- What never worked, written when the run ends: each pod that exists at the
-- end and never became Ready, with why (the scheduler's last message, as
-- `kubectl describe pod` shows it in its FailedScheduling event), and each
-- Service that never had an endpoint. No rows: every pod became Ready and
-- every Service had endpoints.
CREATE TABLE IF NOT EXISTS problems (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	kind		TEXT NOT NULL,	-- 'Pod' or 'Service'
	object		TEXT NOT NULL,	-- 'namespace/name'
	owner		TEXT,		-- Pod: its workload, 'Kind/name'; Service: the workload it selects, NULL if none
	state		TEXT,		-- Pod: Pending, ContainerCreating, Running (not Ready), Terminating; Service: NULL
	reason		TEXT		-- Pod: '0/3 nodes are available: ...' or what it waits for; Service: why it has no endpoints
);
CREATE INDEX IF NOT EXISTS problems_run ON problems (run_id, kind, object);

-- Every VerticalPodAutoscaler recommendation, once per recommender loop
-- (--recommender-interval, 1 min) and container, after capping by the
-- resource policy. NULL columns: a resource the policy does not control.
CREATE TABLE IF NOT EXISTS vpa_recommendations (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- recommendation time, simulated seconds
	vpa		TEXT NOT NULL,	-- VPA name
	container	TEXT NOT NULL,	-- container name
	target_cpu_m	INTEGER,	-- target cpu request, millicores
	target_mem	INTEGER,	-- target memory request, bytes
	lower_cpu_m	INTEGER,	-- lower bound, millicores (a request below it is updated)
	lower_mem	INTEGER,	-- lower bound, bytes
	upper_cpu_m	INTEGER,	-- upper bound, millicores (a request above it is updated)
	upper_mem	INTEGER		-- upper bound, bytes
);
CREATE INDEX IF NOT EXISTS vpa_recommendations_run_t ON vpa_recommendations (run_id, t_s);

-- One row per queue workload per sampling interval.
CREATE TABLE IF NOT EXISTS queue_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval, simulated seconds
	queue		TEXT NOT NULL,	-- queue name (also its External metric's name)
	arrived		REAL,		-- messages that arrived in the interval (fluid: expected count)
	consumed	REAL,		-- messages the consumers took in the interval
	length		REAL,		-- messages waiting at t_s (the External metric's value)
	consumers_ready	INTEGER		-- Ready pods of the consumer Deployment at t_s
);
CREATE INDEX IF NOT EXISTS queue_intervals_run_t ON queue_intervals (run_id, t_s);

-- One row per sampling interval for each service some pod of which can be
-- throttled by its CPU limit (the limit below what its requests need with
-- every concurrency slot busy) or was held to its share of a busy node;
-- other services have no rows (models/cluster/cpu.c). A CPU limit is a CFS
-- quota of limit x 100 ms per 100 ms period (the kernel's default
-- cpu.cfs_period_us): a pod past it serves more slowly. A node's cores are
-- shared in proportion to the pods' cpu.shares (request x 1024 / 1000).
CREATE TABLE IF NOT EXISTS cpu_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval, simulated seconds
	service		TEXT NOT NULL,	-- service name (namespace/name outside "default")
	throttled_periods REAL,		-- CFS periods of its pods that ran out of quota in the interval, summed over pods (container_cpu_cfs_throttled_periods_total's increase; fluid: expected)
	throttled_pods	INTEGER,	-- its pods held back by their CPU limit in the last tick
	contended_pods	INTEGER		-- its pods held to their share of an overcommitted node in the last tick
);
CREATE INDEX IF NOT EXISTS cpu_intervals_run_t ON cpu_intervals (run_id, t_s);

-- One row per sampling interval for each Deployment that a scenario rolls
-- out, pauses, resumes or rolls back, whose containers fail
-- (failures.containers) or whose Service has a memory: block (OOM kills
-- count in restarts); other Deployments have no rows. Pods are counted
-- when not being deleted; "new" pods are those of the ReplicaSet of the
-- Deployment's current template, "old" those of every other revision.
CREATE TABLE IF NOT EXISTS rollout_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval, simulated seconds
	deployment	TEXT NOT NULL,	-- Deployment name
	revision	INTEGER,	-- revision of the current template's ReplicaSet (0 before it exists)
	replicas	INTEGER,	-- spec.replicas at t_s (the HPA's or a scale action's)
	pods		INTEGER,	-- its pods of every template (status.replicas)
	updated		INTEGER,	-- pods of the current template (status.updatedReplicas)
	ready_new	INTEGER,	-- Ready pods of the current template
	ready_old	INTEGER,	-- Ready pods of older templates
	available	INTEGER,	-- Ready for at least minReadySeconds, all templates
	paused		INTEGER,	-- 1 while spec.paused
	progressing	TEXT,		-- the Progressing condition's status: True, False, Unknown (NULL: none yet)
	reason		TEXT,		-- its reason: NewReplicaSetCreated, ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed
	restarts	INTEGER		-- container restarts of its pods during the interval
);
CREATE INDEX IF NOT EXISTS rollout_intervals_run_deploy ON rollout_intervals (run_id, deployment, t_s);

-- Cluster trace replay (the scenario's podTrace): one row per trace pod that
-- arrived, written when it leaves or when the run ends. A pod never bound is
-- 'unschedulable': it was deleted (its trace deletion time) or the run ended
-- while it was Pending; pending_s is then the time it waited.
CREATE TABLE IF NOT EXISTS trace_pods (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	pod		TEXT NOT NULL,	-- the trace's pod name
	node		TEXT,		-- the node it was bound to; NULL: never bound
	created_s	REAL NOT NULL,	-- arrival (creation), simulated seconds
	bound_s		REAL,		-- when it was bound to its node; NULL: never
	pending_s	REAL NOT NULL,	-- bound_s - created_s; never bound: until deleted_s or the end of the run
	deleted_s	REAL,		-- when it left the cluster; NULL: still there at the end
	cpu_m		INTEGER,	-- cpu request, millicores
	memory		INTEGER,	-- memory request, bytes
	gpus		INTEGER,	-- GPUs requested (the podTrace.gpuResource extended resource)
	outcome		TEXT NOT NULL CHECK (outcome IN ('placed', 'unschedulable')),
	reason		TEXT,		-- unschedulable: the scheduler's last message ('0/5 nodes are available: ...'); NULL when it was never tried
	trace_pending_s	REAL		-- the pending time the trace recorded (its scheduled - creation time, divided by podTrace.speedup); NULL: the trace has none
);
CREATE INDEX IF NOT EXISTS trace_pods_run ON trace_pods (run_id, pod);

-- Cluster trace replay (podTrace): one row per node that exists at the end of
-- the run, written then: its allocatable and its allocation averaged over the
-- time since it came (requests of every bound pod, integrated over time).
CREATE TABLE IF NOT EXISTS trace_nodes (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	node		TEXT NOT NULL,	-- node name
	cpu_m		INTEGER,	-- allocatable cpu, millicores
	memory		INTEGER,	-- allocatable memory, bytes
	gpus		INTEGER,	-- allocatable GPUs (podTrace.gpuResource)
	pods_placed	INTEGER,	-- trace pods bound to it during the run
	cpu_alloc_avg	REAL,		-- time-averaged requested cpu / allocatable, fraction (NULL: none allocatable)
	memory_alloc_avg REAL,		-- the same for memory
	gpu_alloc_avg	REAL,		-- the same for GPUs (NULL: no GPU)
	gpus_free	INTEGER,	-- GPUs not requested at the end
	gpu_frag	REAL		-- its GPU fragmentation at the end, GPUs (see trace_intervals)
);
CREATE INDEX IF NOT EXISTS trace_nodes_run ON trace_nodes (run_id, node);

-- Cluster trace replay over time: a row at the end of each sampling interval
-- in which something changed (a trace pod arrived, was bound or left, a node
-- came or went), and one when the run ends. Allocation counts the requests of
-- every bound pod (trace pods and others) against the allocatable of the
-- nodes that exist. GPU fragmentation is the FGD paper's measure (Weng et
-- al., "Beware of Fragmentation", USENIX ATC '23): the target workload is the
-- trace's distinct requests (cpu, memory, GPUs, allowed GPU models), each with
-- the share p_m of the trace's pods that have it; on node n, a class m that
-- asks for no GPU, or does not fit n's free cpu, memory or GPUs or its GPU
-- model, cannot use n's free GPUs: they are its fragment F_n(m) (a class that
-- fits has none, GPUs being whole). gpu_frag = sum over nodes and classes of
-- p_m F_n(m).
CREATE TABLE IF NOT EXISTS trace_intervals (
	run_id		INTEGER NOT NULL REFERENCES runs(run_id),
	t_s		REAL NOT NULL,	-- end of the interval (or of the run), simulated seconds
	arrived		INTEGER,	-- trace pods created so far
	pending		INTEGER,	-- trace pods Pending (not yet bound) at t_s
	unschedulable	INTEGER,	-- of those, pods a scheduling attempt failed for (PodScheduled=False)
	running		INTEGER,	-- trace pods bound to a node at t_s
	left_unplaced	INTEGER,	-- trace pods deleted so far without ever being bound
	cpu_alloc	REAL,		-- requested cpu / allocatable cpu, fraction
	memory_alloc	REAL,		-- requested memory / allocatable memory, fraction
	gpu_alloc	REAL,		-- GPUs requested / GPUs of the nodes, fraction (0 without GPUs)
	gpus_free	INTEGER,	-- GPUs not requested by any bound pod
	gpu_frag	REAL,		-- GPU fragmentation, GPUs (see above); at most gpus_free
	gpu_frag_rate	REAL		-- gpu_frag / gpus_free; NULL when no GPU is free
);
CREATE INDEX IF NOT EXISTS trace_intervals_run_t ON trace_intervals (run_id, t_s);
