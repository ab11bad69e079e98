#!/usr/bin/env bash
# bench/windowcheck.sh: does the default window (auto) hold its own? One
# run of the default window, auto, beside every explicit window 1, 2, 4,
# ... 64 (--window 1..64x2,auto), all cells in the same interleaved
# rounds, then per topology and worker count the auto cell's throughput
# over the best explicit window's, each the median of its repetitions (a
# shared machine's slow moments hit single repetitions; the median keeps
# one from deciding).
#
#   bench/windowcheck.sh [BIN [OUT]]    BIN: an snbench binary (default: build one)
#
# Environment (defaults sized for a 2-core machine, about a minute):
#   TOPOLOGIES=goroutine,subprocess,tcp  WORKERS=1,2  TASKS=200k  REPS=5
#   MIN=0.90   the share of the best explicit window's throughput an auto
#              cell must reach to pass
#   RUNS=1     runs of the whole check; above 1, each run goes to
#              OUT/run-N with its own summary, and OUT/windowcheck.md adds
#              a pooled table: per cell and window the mean of the runs'
#              medians, auto against the best explicit window so pooled,
#              and how many runs passed; the exit status is then the
#              pooled table's (one run's noise on a shared machine can
#              exceed the 10% the check allows; see docs/performance.md)
#
# Writes OUT (default results/windowcheck-<time>): results.json, table.txt,
# run.log and windowcheck.md:
#   topology | workers | auto chose | auto tasks/s | best window | best tasks/s | auto / best | pass |
#   chosen window, explicit: tasks/s | its / best | auto / it | a miss is
# and exits 1 when some cell's auto / best is below MIN. Three columns
# split auto / best in two: the explicit cell at the window auto chose
# against the best (what the choice cost), and the auto cell against that
# explicit cell, the same configuration measured twice (the machine's
# noise, which a choice cannot beat); the last says which a miss is: "the
# choice" when the window chosen, measured as an explicit cell, fell below
# MIN of the best, "noise" when it did not and the auto cell still did.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-}
out=${2:-results/windowcheck-$(date -u +%Y%m%dT%H%M%SZ)}
topologies=${TOPOLOGIES:-goroutine,subprocess,tcp}
workers=${WORKERS:-1,2}
tasks=${TASKS:-200k}
reps=${REPS:-5}
min=${MIN:-0.90}

command -v jq >/dev/null || { echo "windowcheck: jq is needed for the summary" >&2; exit 2; }
if [ -z "$bin" ]; then
  bin=bin/snbench
  go build -trimpath -o "$bin" ./cmd/snbench
fi

runs=${RUNS:-1}
case "$runs" in ''|*[!0-9]*|0) echo "windowcheck: RUNS=$runs: want a whole number of runs, at least 1" >&2; exit 2 ;; esac

echo "windowcheck: $topologies at workers $workers, $tasks tasks, $reps repetitions, windows auto and 1..64, $runs run(s) -> $out" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# jqdefs: what both summaries print with: r (two decimals), r3 (a ratio,
# cut, not rounded, so 0.8997 never reads 0.9), si (k, M) and median.
jqdefs='
  def r(x): (x * 100 | round) / 100;
  def r3(x): (x * 1000 | floor) / 1000;
  def si(x): if x >= 1e6 then "\(r(x / 1e6))M" elif x >= 1e3 then "\(r(x / 1e3))k" else "\(r(x))" end;
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
'

# runone DIR: one run of the check into DIR (results.json, table.txt,
# run.log) and its summary, DIR/windowcheck.md.
runone() {
  local dir=$1 start took status
  start=$(date +%s)
  # auto last: each round runs a topology's cells in this order, and any
  # cost of coming first in it (the previous cell's processes exiting, its
  # garbage) falls on window 1, never the best.
  "$bin" run --topology "$topologies" --workers "$workers" --tasks "$tasks" --window 1..64x2,auto \
    --repetitions "$reps" --progress off --no-report --out "$dir" >"$tmp/table.txt" 2>"$tmp/run.log" || {
    status=$?
    cat "$tmp/table.txt" "$tmp/run.log" >&2
    exit "$status"
  }
  took=$(( $(date +%s) - start ))
  cp "$tmp/table.txt" "$tmp/run.log" "$dir/"
  jq -r --arg took "$took" --argjson min "$min" "$jqdefs"'
    def tput: [.reps[].throughput] | median;
    "# snbench window check: auto against windows 1..64, same run\n",
    "machine: \(.env.cores) cores, GOMAXPROCS \(.env.gomaxprocs), \(.env.cpu_model // "cpu unknown"); \(.plan.tasks[0]) tasks x \(.plan.repetitions) repetitions per cell, tasks/s the median of the repetitions; took \($took) s\n",
    "| topology | workers | auto chose | auto tasks/s | best window | best tasks/s | auto / best | pass | chosen window, explicit: tasks/s | its / best | auto / it | a miss is |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ( .cells
      | group_by([.topology, .workers]) | .[]
      | (map(select(.window == 0)) | first) as $auto
      | (map(select(.window > 0)) | max_by(tput)) as $best
      | (map(select(.window > 0 and .window == $auto.auto_window.window)) | first) as $same
      | (($auto | tput) / ($best | tput)) as $ratio
      | (if $same then ($same | tput) / ($best | tput) else null end) as $its
      | (if $ratio >= $min then "-" elif $its == null then "?" elif $its < $min then "the choice" else "noise" end) as $why
      | "| \($auto.topology) | \($auto.workers) | \($auto.auto_window.window // "-") | \(si($auto | tput)) | \($best.window) | \(si($best | tput)) | \(r3($ratio)) | \(if $ratio >= $min then "yes" else "NO" end) | \(if $same then si($same | tput) else "-" end) | \(if $same then r3($its) else "-" end) | \(if $same then r3(($auto | tput) / ($same | tput)) else "-" end) | \($why) |" )
  ' "$dir/results.json" >"$dir/windowcheck.md"
}

if [ "$runs" = 1 ]; then
  runone "$out"
  cat "$out/windowcheck.md"
  ! grep -q '| NO |' "$out/windowcheck.md"
  exit
fi

mkdir -p "$out"
files=()
for i in $(seq "$runs"); do
  echo "windowcheck: run $i of $runs" >&2
  runone "$out/run-$i"
  files+=("$out/run-$i/results.json")
done
{
  for i in $(seq "$runs"); do
    echo "## Run $i"
    echo
    sed '1,2d' "$out/run-$i/windowcheck.md"
    echo
  done
  echo "## Pooled over the $runs runs"
  echo
  jq -r -s --argjson min "$min" "$jqdefs"'
    def mean: add / length;
    "per cell and window the mean of the runs'"'"' medians; runs passing: the runs whose own auto / best reached \($min)\n",
    "| topology | workers | auto chose | auto tasks/s | best window | best tasks/s | auto / best | pass | runs passing |",
    "|---|---|---|---|---|---|---|---|---|",
    ( [ .[] | . as $run | .cells[] | {topology, workers, window, used: (.auto_window.window // .window), tp: ([.reps[].throughput] | median), run: $run.env.start} ]
      | group_by([.topology, .workers]) | .[]
      | (map(select(.window == 0))) as $auto
      | (map(select(.window > 0)) | group_by(.window) | map({window: .[0].window, tp: (map(.tp) | mean)}) | max_by(.tp)) as $best
      | ($auto | map(.tp) | mean) as $a
      | ($a / $best.tp) as $ratio
      | ([ group_by(.run)[] | (map(select(.window == 0)) | first.tp) as $x | (map(select(.window > 0)) | max_by(.tp).tp) as $y | select($x / $y >= $min) ] | length) as $passed
      | "| \(.[0].topology) | \(.[0].workers) | \($auto | map(.used | tostring) | join(", ")) | \(si($a)) | \($best.window) | \(si($best.tp)) | \(r3($ratio)) | \(if $ratio >= $min then "yes" else "NO" end) | \($passed) of \($auto | length) |" )
  ' "${files[@]}"
} >"$out/windowcheck.md"
cat "$out/windowcheck.md"
! sed -n '/^## Pooled/,$p' "$out/windowcheck.md" | grep -q '| NO |'
