/*
Snbench benchmarks and load-tests shared-nothing topologies: it measures how
throughput and latency change with the way workers are connected (goroutines
and channels, subprocesses over pipes, TCP, NATS) and with scale, verifies
every result, and reports with confidence intervals, plots and scaling fits.

Usage:

	snbench <command> [flags] [arguments]

The commands are:

	run        run a plan: every topology x scale, verified, with latency histograms
	report     write tables, plots and an HTML report from results files
	compare    compare two runs metric by metric; exit status 1 on a regression
	calibrate  measure this machine's noise (A/A runs) for compare --threshold auto
	doctor     measure what this machine can measure honestly; run the known-answer checks
	history    keep results across commits (append), find change points (changes), chart them (plot)
	node       serve tasks for a coordinator over TCP, NATS or stdin/stdout
	check-worker  check a worker of your own against the node protocol, case by case
	list       list topologies, workloads and dispatch policies
	version    print the module version, VCS revision and Go version

'snbench <command> --help' lists every flag of a command; 'snbench completion
bash' (or zsh, fish, powershell) prints a shell completion script. Every line
below that starts with "$ " is run by this package's tests (with smaller
sizes), so the examples stay true.

# Run

'snbench run' measures each cell of a plan (topologies x workers x tasks x
payload x window x batch) in interleaved rounds of repetitions, so that a
slow moment of the machine spreads over every cell instead of hitting one.
Each repetition runs warm-up tasks first, then the measured tasks; every
result is verified against its input, and lost, duplicated or wrong results
fail the cell. The run prints a table (throughput with its 95% confidence
interval, latency percentiles from merged HDR histograms, CPU per task,
speedup, parallel efficiency and the ratio to the best topology) and writes
DIR/results.json beside a full report (see Report). Unless -o names DIR,
each run is kept in a new directory, results/<time>-<commit>/ (for example
results/20260102-030405-0123abc/), and results/latest (a symlink, and the
one-line file results/LATEST where symlinks fail) names the newest: nothing
an earlier run wrote is replaced. 'snbench compare --last' compares the two
newest.

Key flags (scale lists are comma-separated values or ranges such as 1..64x2):

	--topology LIST   topologies to compare (default: all; see 'snbench list')
	--workers LIST    node counts (default 1,2,4,8)
	--tasks LIST      tasks per measured repetition (default 1000000)
	--payload LIST    int64 values per task; --batch LIST tasks per frame
	--window LIST     batches in flight per node (default auto: before a
	                  cell's first repetition a short verified probe at
	                  windows 1, 2, 4 ... 64 picks the smallest reaching
	                  95% of the best; the table shows auto→N and
	                  results.json the probe); numbers, or auto,4,16
	--workload NAME   the work each task does (default doubling); --cpu D
	                  makes each task consume D of CPU time on its node
	                  (thread CPU time: N nodes on C cores do at most C/D
	                  tasks/s), --wait D makes it wait D without using CPU
	--dispatch NAME   round-robin, least-outstanding or hash
	--repetitions N   measured repetitions per cell (default 5); --warmup N
	--plan FILE       a YAML or JSON plan; flags given as well override it
	--format F        table, markdown, csv, json or gobench (for benchstat)
	-o DIR            where results.json, the report and the logs of node
	                  processes that wrote to stderr (DIR/nodes) go; DIR is
	                  checked before anything runs, and snbench replaces
	                  only files it wrote there (its manifest,
	                  DIR/.snbench-report, proves which)
	--force           replace files in DIR that snbench did not write
	--baselines       also measure each topology's bare transport
	--task-timeout D  a node with work in flight that answers nothing for D
	                  has failed (default 5s)
	--on-node-failure fail (default): a node that dies or stops answering
	                  ends the run with an error naming it and counting the
	                  completed, in-flight and lost tasks; redispatch: its
	                  in-flight and unsent tasks go to the surviving nodes,
	                  the run completes, and the report shows the failure;
	                  nats also rides out a server restart and moves work
	                  off a frozen node (see docs/reliability.md)
	--max-memory SIZE memory the run may use (e.g. 4GiB) in place of the
	                  machine's limits: before anything starts, snbench
	                  estimates the plan's memory and refuses, in one line
	                  with the estimate, a plan that does not fit the
	                  cgroup limit, MemAvailable, or this; the address-space
	                  limit (ulimit -v) always holds
	--no-report       write results.json only
	--doctor          run 'snbench doctor' first and record its figures in
	                  results.json (env.doctor); a failed check is a warning

A plan file holds the same settings under the names results.json uses for
its plan; what it leaves out keeps its default:

	# plan.yaml
	topologies: [goroutine, tcp]
	workers: [1, 2, 4, 8]
	tasks: [1000000]
	batch: [64]
	window: [auto, 16]
	repetitions: 5

Open loop ('--rate R') sends tasks on a fixed schedule (constant spacing, or
'--arrivals poisson') whatever the nodes do, for '--duration D' per
repetition, and measures each task's latency from the time it was due, so
coordinated omission shows instead of hiding; the table adds the achieved
rate, the latency from the actual send, and how far the generator fell
behind (a cell it could not drive is marked unreliable). '--rate-steps'
searches each topology and scale for the highest rate that holds '--slo'
(such as 'p99<5ms'): the rate doubles from '--rate-start' until a step
fails, then bisects to '--precision'. See docs/load.md.

	$ snbench run
	$ snbench run --topology goroutine,tcp --workers 1..8x2 --tasks 100000,200000,400000
	$ snbench run --topology subprocess,tcp --workers 1,2 --window auto,4,16
	$ snbench run --plan plan.yaml -o results/plan
	$ snbench run --topology goroutine,tcp --rate 10k,50k --duration 5s -o results/load
	$ snbench run --topology goroutine --workers 1,2 --rate-steps --slo 'p99<5ms' -o results/capacity

# Report

'snbench report RESULTS...' reads results.json files (or 'go test -bench'
output, whose sub-benchmarks become cells), prints the tables 'snbench run'
prints, and writes DIR/index.html: one self-contained page (plots inline as
SVG, nothing fetched) with what was run, the summary, the plots, the
Universal Scalability Law fits and a section for every failed or unreliable
cell. The tables go beside it as .txt, .md and .csv, and every plot as PNG
and SVG under DIR/plots. Open-loop runs add latency against the offered rate
and latency over time; capacity searches add the capacity across topologies
and scales, and every step with its verdict. Several files are merged into
one report when they ran the same workload the same way and hold different
cells, such as one run per topology. The same results always give the same
bytes.

	--format F   tables on stdout: table, markdown, csv or none
	-o DIR       the report's directory (default: the results file's)
	--force      replace files in DIR that snbench did not write

	$ snbench report results/latest/results.json
	$ snbench report results/load/results.json -o results/load-report --format markdown

# Compare

'snbench compare OLD NEW' compares every benchmark and metric two runs share
(throughput, p50, p99, CPU per task, time): medians with 95% confidence
intervals, the change with its own interval, and a Mann-Whitney U p-value
corrected for the number of comparisons (Holm-Bonferroni). A change is a
regression when it is significant and worse than --threshold; compare then
exits 1. OLD and NEW are results.json files or Go benchmark format, and each
may be several runs, comma-separated or a quoted glob, whose repetitions are
pooled: interleave the runs of both sides to spread a changing machine load
over both.

	--threshold PCT   smallest significant worsening that is a regression
	                  (default 5%), or auto to use 'snbench calibrate's figure
	--metric LIST     metrics to compare (default: all both runs report)
	--format F        text, markdown or json

	$ snbench run --topology goroutine,tcp --workers 2 -o old
	$ snbench run --topology goroutine,tcp --workers 2 -o new
	$ snbench compare old/results.json new/results.json
	$ snbench run --topology goroutine --workers 2 --format gobench -o old-go > old.txt
	$ snbench compare --format markdown old.txt new/results.json

# Calibrate

'snbench calibrate' runs one small cell --runs times with the same code (A/A
runs), compares every pair as compare does, and writes per metric the noise
and the threshold 'compare --threshold auto' uses (1.5 times the largest
change seen, at least 1%) to --out (default results/calibration.json).
Given results files of repeated runs instead, it calibrates from those.

	$ snbench calibrate --runs 5 --repetitions 10
	$ snbench compare --threshold auto old/results.json new/results.json

# Doctor

'snbench doctor' measures, in about 10 seconds, what this machine lets a run
resolve, and prints each figure with its definition: the timer wake-up error
(how late a 100 us wait returns, p50 and p99, for timing.Waiter and Go's
time.Sleep), the cost of a clock read, the generator's ceiling at batch 1
and 8 (the highest open-loop rate a one-worker goroutine cell with no work
holds without being flagged unreliable, found in short rate steps of --step,
default 250ms), and the cores against GOMAXPROCS and the cgroup CPU quota.
It then runs the known-answer checks: a closed-loop cell with a fixed 1 ms
wait (service p50 within 5%, latency p50 within 10%), an open-loop run whose
node stalls once for 50 ms against the coordinated-omission closed form (the
tasks due during a stall S have latencies spread evenly from S down to 0, so
p99 = S - 1% of the run), and a USL fit of a published data set against its
published parameters. A check that fails is run again, up to three times. The
last lines say in plain words what runs here can and cannot be trusted for,
such as "open-loop rates above ~1.2 M/s at batch 1 will be flagged here".
The exit status is 1 when a check failed, and the error names it and by how
much it missed. See docs/measurement.md.

	--format F   text or json (the record 'run --doctor' stores)
	--step D     how long each ceiling step offers load

	$ snbench doctor

# History

'snbench history append RESULTS' adds a run to an append-only JSON Lines file
(--file, default history.jsonl) under its commit and date; a crash never
loses earlier entries. 'snbench history changes' lists where each
benchmark's metric changed for good (change points, by E-divisive means
with a permutation test: entry, commit, before -> after, magnitude,
confidence), as text, markdown or json; --fail-on regression exits 1 on a
regression. A change needs at least 2 x --min-segment (default 6) entries;
a shorter history is bad input (exit status 2). 'snbench history plot'
charts every benchmark and metric across the history with exactly those
change points marked.

	$ snbench history append old/results.json --file history.jsonl --commit abc1234
	$ snbench history append new/results.json --file history.jsonl --commit def5678
	$ snbench history changes --file history.jsonl    # exit status 2
	$ snbench history plot --file history.jsonl -o trends

# Node

'snbench node' serves tasks for a coordinator: with --listen ADDR (default
127.0.0.1:7070) for 'snbench run --topology tcp --nodes ADDR,...', with
--nats-url URL for 'snbench run --topology nats --nats-url URL --nats-remote', or
with --stdio on stdin and stdout. A node on a non-loopback address needs a
shared token (--token-file FILE or SNBENCH_TOKEN), which the coordinator
must prove and which never crosses the wire; snbench warns when a token
file is readable by others. Connections that have not authenticated yet
are kept apart from sessions (--max-handshakes, frames of at most 4 KiB),
a session's slot (--max-conns) is taken only once its coordinator is
admitted, and a coordinator refused for lack of one is told why. A node
refuses sessions whose tasks each ask for more than --max-task-work
(default 10s) of cpu and wait, and gives up a batch's work when its
coordinator closes the connection. A node stops cleanly, with exit status
0, on SIGINT or SIGTERM. See docs/distributed.md.

	$ snbench node --listen 127.0.0.1:7070 &
	$ snbench node --listen 127.0.0.1:7071 &
	$ snbench run --nodes 127.0.0.1:7070,127.0.0.1:7071 --workers 1,2 -o results/remote

# Check a worker

'snbench check-worker -- CMD ARGS...' checks a worker of your own (a node in
any language that speaks the protocol of docs/protocol.md on its stdin and
stdout) case by case, a fresh process per case: the handshake, batches of
1 to 8192 tasks, payload 5, 100,000 tasks with 8 batches in flight, the end
marker, stats, the error frame for an unknown workload, a 16 MiB frame, and
a coordinator that leaves mid-frame. --addr HOST:PORT checks a worker that
listens instead, a connection per case. Each case prints ok or FAIL with
what was wrong and where ("frame 3: 63 results, want 64", "result for id
17 is 35, want 34"); every answer is bounded by --timeout (5s). The exit
status is 0 only when every case passed. snbench's own node passes:
'snbench check-worker -- snbench node --stdio'.

# Your own worker

The exec topology runs a worker of your own as its nodes: 'snbench run
--exec CMD' starts one process of CMD per worker and speaks the protocol on
its stdin and stdout (--exec alone implies --topology exec). CMD is split
into words as a shell would (quotes, $VAR), with no shell run. Give several
commands, each labelled, to compare them as rows of one table in the same
interleaved rounds ('--exec py=CMD --exec c=CMD': rows exec:py and exec:c),
beside snbench's own topologies; a plan file gives them one per line
(options: {exec: {exec: "py=...\nc=..."}}, or a YAML block). --baselines
measures the bare pipe beside each. A worker that is not found, exits,
writes what is not a frame, stalls or answers wrongly ends the run (or
fails its cell) naming the node, with the first lines of its stderr and
its last. Foreign nodes that listen on TCP are labelled with --nodes-label
(row tcp:LABEL). Reference workers in Python, C and Go are under
examples/workers.

	$ snbench check-worker -- python3 examples/workers/python/worker.py
	$ snbench run --topology subprocess,exec --exec py='python3 examples/workers/python/worker.py' --baselines
	$ snbench run --nodes 127.0.0.1:7070 --nodes-label mine

# List

'snbench list' prints the topologies, workloads and dispatch policies, one
line each.

	$ snbench list

# Exit status

	0    success; compare found no regression
	1    a run failed (a result lost, duplicated or wrong, a node died or
	     stopped answering; the partial results are still written), compare
	     found a regression, or some other error
	2    bad input: an unknown flag or value, an unreadable plan or results
	     file; one 'snbench: ...' line says what and where
	130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM: the run stops at
	     once, writes what it has marked incomplete, and exits; a second
	     signal exits without waiting

	$ snbench run --workers 0    # exit status 2
	$ snbench report missing.json    # exit status 2
*/
package main
