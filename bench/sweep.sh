#!/usr/bin/env bash
# bench/sweep.sh: the scaling sweep for a many-core machine. Every
# topology of the default comparison at 1..16 workers with raw baselines, in interleaved
# rounds, then a summary of speedup and efficiency per worker count against
# the raw transport.
#
#   bench/sweep.sh [BIN [OUT]]        BIN: an snbench binary (default: build one)
#
# Environment (defaults sized to finish in about 8 minutes on 16 cores):
#   WORKERS=1,2,4,8,12,16  TASKS=2M  REPS=3  TOPOLOGIES=all
#
# Writes OUT (default results/sweep-<time>): results.json, the report
# (index.html, tables, plots), table.txt and run.log, and sweep.md:
#   topology | workers | tasks/s | speedup | raw tasks/s | raw speedup | efficiency
# where speedup is tasks/s over the same topology's 1-worker cell (or its
# smallest worker count), raw speedup the same for the raw transport, and
# efficiency the cell's tasks/s over its raw baseline's, both measured in
# the same rounds. The machine (cores, GOMAXPROCS, CPU) heads the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-}
out=${2:-results/sweep-$(date -u +%Y%m%dT%H%M%SZ)}
workers=${WORKERS:-1,2,4,8,12,16}
tasks=${TASKS:-2M}
reps=${REPS:-3}
topologies=${TOPOLOGIES:-all}

command -v jq >/dev/null || { echo "sweep: jq is needed for the summary" >&2; exit 2; }
if [ -z "$bin" ]; then
  bin=bin/snbench
  go build -trimpath -o "$bin" ./cmd/snbench
fi
# all: the default comparison's topologies (every registered one that
# needs no options of its own; exec needs --exec).
topoflag=()
if [ "$topologies" != all ]; then
  topoflag=(--topology "$topologies")
fi

echo "sweep: $topologies topologies at workers $workers, $tasks tasks, $reps repetitions, with baselines -> $out" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
"$bin" run "${topoflag[@]}" --workers "$workers" --tasks "$tasks" \
  --repetitions "$reps" --baselines --out "$out" >"$tmp/table.txt" 2>"$tmp/run.log" || {
  status=$?
  cat "$tmp/table.txt" "$tmp/run.log" >&2
  exit "$status"
}
took=$(( $(date +%s) - start ))
cp "$tmp/table.txt" "$tmp/run.log" "$out/"

jq -r --arg took "$took" '
  def r(x): (x * 100 | round) / 100;
  def si(x): if x >= 1e6 then "\(r(x / 1e6))M" elif x >= 1e3 then "\(r(x / 1e3))k" else "\(r(x))" end;
  "# snbench scaling sweep\n",
  "machine: \(.env.cores) cores, GOMAXPROCS \(.env.gomaxprocs), \(.env.cpu_model // "cpu unknown"), \(.env.os // "")/\(.env.arch // ""), host \(.env.host // "?"); took \($took) s\n",
  "| topology | workers | tasks/s | speedup | raw tasks/s | raw speedup | efficiency |",
  "|---|---|---|---|---|---|---|",
  ( .cells as $all
    | reduce $all[].topology as $n ([]; if index([$n]) then . else . + [$n] end)
    | .[] as $name | [$all[] | select(.topology == $name)] | sort_by(.workers) as $cs
    | ($cs[0].summary.throughput.mean) as $t1
    | ($cs[0].baseline.throughput.mean // 0) as $r1
    | $cs[]
    | (.summary.throughput.mean) as $t
    | (.baseline.throughput.mean // 0) as $r
    | "| \(.topology) | \(.workers) | \(si($t)) | \(r($t / $t1))x | \(if $r > 0 then si($r) else "-" end) | \(if $r1 > 0 then "\(r($r / $r1))x" else "-" end) | \(if $r > 0 then "\(($t / $r * 100) | round)%" else "-" end) |" )
' "$out/results.json" >"$out/sweep.md"
cat "$out/sweep.md"
