#!/usr/bin/env bash
# peers.sh: snbench next to its peers, measured the same way on both sides,
# in one run on one machine.
#
#   bench/peers/peers.sh [path to snbench binary]
#
# Pairs (each printed with both figures, the ratio, the target and whether
# it is met):
#  - the Python reference design bench/peers/reference.py (3 worker
#    processes) as written (one task per queue message) and with
#    Pool.map(chunksize=64), against snbench's subprocess topology at 3
#    workers (batch 64, window 4), at the same task count, measured twice:
#      whole process: tasks over the wall time of the whole command, start
#        to exit, on a monotonic clock outside it;
#      measured window: tasks over each side's own task-processing window,
#        workers already started;
#  - redis-benchmark PING_MBULK with 1 connection against a redis-server
#    started on a free loopback port, against snbench's tcp topology with 1
#    node, at the same in-flight depth: pipeline 64 vs window 1 x batch 64,
#    and (deeper) pipeline 256 vs window 4 x batch 64; skipped, saying so,
#    when redis-server, redis-cli or redis-benchmark is not installed.
# Each round runs every side once, one after the other, REPS rounds; a
# figure is the median of its rounds.
#
# Environment: TASKS=1000000 (tasks, and redis requests, per run)  REPS=3
set -euo pipefail
cd "$(dirname "$0")/../.."
SNBENCH=${1:-bin/snbench}
tasks=${TASKS:-1000000}
reps=${REPS:-3}
[ -x "$SNBENCH" ] || go build -o "$SNBENCH" ./cmd/snbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true' EXIT
# The interpreter itself, not a shim in front of it (pyenv's costs 0.5 s a
# start here, which would count in python's whole-process time).
py=$(python3 -c 'import sys; print(sys.executable)')

# whole NAME CMD...: runs CMD once with its stdout in $tmp/NAME.out and
# its wall time, process start to exit on a monotonic clock, in
# $tmp/NAME.whole (seconds); on failure prints its stderr and stops.
whole() {
  "$py" -c '
import subprocess, sys, time
base = sys.argv[1]
with open(base + ".out", "wb") as out, open(base + ".err", "wb") as err:
    t = time.monotonic()
    rc = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=err).returncode
    took = time.monotonic() - t
if rc:
    sys.stderr.write(open(base + ".err").read())
    sys.exit(f"peers: {sys.argv[2]} exited {rc}")
open(base + ".whole", "w").write(f"{took}\n")' "$tmp/$1" "${@:2}"
}
# snb NAME FLAGS...: one snbench run: 1 repetition, no warm-up, no report;
# its results.json in $tmp/NAME/.
snb() {
  whole "$1" "$SNBENCH" run --tasks "$tasks" --repetitions 1 --warmup 0 --progress off --no-report -o "$tmp/$1" "${@:2}"
}
# ref NAME FLAGS...: one reference.py run, its JSON line in $tmp/NAME.out.
ref() {
  whole "$1" "$py" bench/peers/reference.py --workers 3 --tasks "$tasks" --repetitions 1 "${@:2}"
}

echo "peers: $tasks tasks per run, $reps rounds, median of the rounds" >&2
for round in $(seq "$reps"); do
  echo "peers: round $round: python queues, python Pool.map, snbench subprocess" >&2
  ref "seed-$round" --design queues
  ref "pool-$round" --design pool --chunk 64
  snb "sub-$round" --topology subprocess --workers 3 --batch 64 --window 4
done

redis=skipped
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null; then
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  rb() { # NAME PIPELINE: one redis-benchmark run, its CSV in $tmp/NAME.csv
    redis-benchmark -h 127.0.0.1 -p "$port" -t ping_mbulk -c 1 -P "$2" -n "$tasks" -q --csv >"$tmp/$1.csv"
  }
  for round in $(seq "$reps"); do
    echo "peers: round $round: redis-benchmark and snbench tcp at depth 64, then 256" >&2
    rb "redis64-$round" 64
    snb "tcp64-$round" --topology tcp --workers 1 --batch 64 --window 1 --baselines
    rb "redis256-$round" 256
    snb "tcp256-$round" --topology tcp --workers 1 --batch 64 --window 4 --baselines
  done
  redis=$(redis-server --version | awk '{print $3}')
else
  echo "peers: redis pairs skipped: redis-server, redis-cli and redis-benchmark are not all installed (apt-get install redis-server redis-tools)" >&2
fi

"$py" - "$tmp" "$tasks" "$reps" "$redis" <<'PY'
import csv, glob, json, os, statistics, sys
tmp, tasks, reps, redis = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
runs = {}  # "side.whole" (s) or "side.window" (tasks/s) -> one figure per round
def add(key, value):
    runs.setdefault(key, []).append(float(value))
for f in glob.glob(os.path.join(tmp, "*.whole")):
    add(os.path.basename(f).rsplit("-", 1)[0] + ".whole", open(f).read())
for f in glob.glob(os.path.join(tmp, "*", "results.json")):
    side = os.path.basename(os.path.dirname(f)).rsplit("-", 1)[0]
    cell = json.load(open(f))["cells"][0]
    add(side + ".window", cell["summary"]["throughput"]["mean"])
    if cell.get("baseline"):  # --baselines: the bare transport, same depth, same run
        add(side + "raw.window", cell["baseline"]["throughput"]["mean"])
for f in glob.glob(os.path.join(tmp, "*.out")):
    line = open(f).read().strip()
    if line.startswith("{"):  # reference.py's JSON line (snbench's .out is its table)
        add(os.path.basename(f)[:-4].rsplit("-", 1)[0] + ".window", json.loads(line)["window_tasks_per_s"])
for f in glob.glob(os.path.join(tmp, "*.csv")):
    rows = list(csv.DictReader(open(f)))
    add(os.path.basename(f)[:-4].rsplit("-", 1)[0] + ".window", rows[-1]["rps"])
for key, values in runs.items():
    if len(values) != reps:
        sys.exit(f"peers: {key}: {len(values)} figures for {reps} rounds")
med = {k: statistics.median(v) for k, v in runs.items()}
def rate(side, how):  # tasks/s; a whole-process figure is tasks over the median wall time
    return tasks / med[f"{side}.whole"] if how == "whole" else med[f"{side}.window"]

print(f"snbench next to its peers: {tasks} tasks (redis: requests) per run, median of {reps} rounds")
print("definitions:")
print("  whole process    tasks / wall time of the whole command, process start to exit, timed outside it on")
print("                   a monotonic clock: start-up, spawning the workers (nodes), the tasks, verification,")
print("                   teardown. snbench: `snbench run --repetitions 1 --warmup 0 --no-report` (it still")
print("                   writes results.json); python: `reference.py --repetitions 1`")
print("  measured window  tasks / each side's own timing of its task processing, workers already started:")
print("                   python from the first task put to the last result collected (queues), or the")
print("                   Pool.map call (pool); snbench its measured pass, first batch sent to last result")
print("                   verified; redis-benchmark its requests/s")
print("  in flight        most tasks sent and not yet answered: snbench workers x window x batch;")
print("                   redis-benchmark connections x pipeline; python puts (queues) or submits (Pool.map)")
print("                   every task before it reads the first result, so up to all of them")
print("  ratio            snbench tasks/s / peer tasks/s (same task count, so also the peer's time / snbench's)")
print()
rows = [
    ("subprocess 3 workers, batch 64, window 4", "sub", "python queues as written, 3 workers", "seed", "whole", 50),
    ("subprocess 3 workers, batch 64, window 4", "sub", "python queues as written, 3 workers", "seed", "window", 50),
    ("subprocess 3 workers, batch 64, window 4", "sub", "python Pool.map chunksize=64, 3 workers", "pool", "whole", 5),
    ("subprocess 3 workers, batch 64, window 4", "sub", "python Pool.map chunksize=64, 3 workers", "pool", "window", 5),
    ("tcp 1 node, batch 64, window 1 (64 in flight)", "tcp64", "redis-benchmark -c 1 -P 64 (64 in flight)", "redis64", "window", 2),
    ("tcp 1 node, batch 64, window 4 (256 in flight, deeper)", "tcp256", "redis-benchmark -c 1 -P 256 (256 in flight, deeper)", "redis256", "window", 2),
]
print("| snbench | peer | measured on both sides | snbench tasks/s | peer tasks/s | ratio | target | met |")
print("|---|---|---|---|---|---|---|---|")
for snb, s, peer, p, how, target in rows:
    what = "whole process" if how == "whole" else "measured window"
    if f"{s}.{how}" not in med:
        print(f"| {snb} | {peer} | {what} | - | - | - | >= {target}x | skipped: redis not installed |")
        continue
    a, b = rate(s, how), rate(p, how)
    r = round(a / b, 2)
    print(f"| {snb} | {peer} | {what} | {a:.0f} | {b:.0f} | {r:.2f}x | >= {target}x | {'yes' if r >= target else 'no'} |")
# The ceiling: the bare transport (snbench's raw baseline: an echo over the
# same TCP loopback, frames of the batch's bytes, the same depth, no
# framing, workload or verification) over the peer. No harness over that
# transport can beat the peer by more, so a target above it is out of reach
# on this machine whatever snbench does.
ceilings = [
    ("raw TCP echo, frames of 64 tasks, window 1 (64 in flight)", "tcp64raw", "redis-benchmark -c 1 -P 64 (64 in flight)", "redis64", 2),
    ("raw TCP echo, frames of 64 tasks, window 4 (256 in flight)", "tcp256raw", "redis-benchmark -c 1 -P 256 (256 in flight, deeper)", "redis256", 2),
]
if any(f"{s}.window" in med for _, s, _, _, _ in ceilings):
    print()
    print("ceiling: the transport alone over the peer, measured in the same runs (snbench --baselines);")
    print("a target above it cannot be met over this transport on this machine, by snbench or any harness")
    print()
    print("| transport alone | peer | raw tasks/s | peer tasks/s | ceiling | target |")
    print("|---|---|---|---|---|---|")
    for name, s, peer, p, target in ceilings:
        if f"{s}.window" not in med or f"{p}.window" not in med:
            continue
        a, b = med[f"{s}.window"], med[f"{p}.window"]
        r = round(a / b, 2)
        verdict = "within reach" if r >= target else "out of reach"
        print(f"| {name} | {peer} | {a:.0f} | {b:.0f} | {r:.2f}x | >= {target}x: {verdict} |")
print()
print("| side | whole process s, median (min-max) | measured window tasks/s, median (min-max) |")
print("|---|---|---|")
def spread(key, fmt):
    v = runs.get(key)
    return "-" if v is None else f"{fmt(statistics.median(v))} ({fmt(min(v))}-{fmt(max(v))})"
for side in ["sub", "seed", "pool", "tcp64", "tcp64raw", "redis64", "tcp256", "tcp256raw", "redis256"]:
    if any(k.startswith(side + ".") for k in runs):
        print(f"| {side} | {spread(side + '.whole', lambda x: f'{x:.3f}')} | {spread(side + '.window', lambda x: f'{x:.0f}')} |")
if redis != "skipped":
    print(f"\nredis-server {redis}, PING_MBULK, 1 connection, loopback")
PY
