#!/usr/bin/env bash
# ab.sh: measure an old and a new build on this machine in interleaved
# rounds, so that a change of machine load (another job, thermal state,
# a noisy neighbour) hits both alike instead of posing as a regression.
# Each round runs one repetition of each side, the order alternating.
# Compare the pooled rounds with snbench compare afterwards.
#
# usage: bench/ab.sh [-n ROUNDS] [-o DIR] OLD NEW [ARGS...]
#
# OLD and NEW are either snbench binaries, run as `snbench run ARGS
# --repetitions 1`, each round's results in DIR/{old,new}/ROUND/results.json:
#
#   bench/ab.sh -n 10 -o results/ab bin/snbench-base bin/snbench --topology tcp --workers 1,4
#   snbench compare 'results/ab/old/*/results.json' 'results/ab/new/*/results.json'
#
# or Go test binaries (names ending in .test, from `go test -c`), run with
# ARGS and -test.count=1, their output appended to DIR/old.txt and DIR/new.txt:
#
#   bench/ab.sh -n 10 -o results/ab base.test head.test -test.run '^$' -test.bench .
#   snbench compare results/ab/old.txt results/ab/new.txt
set -euo pipefail

rounds=10
dir=results/ab
while getopts "n:o:" opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    o) dir=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-o DIR] OLD NEW [ARGS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
  echo "usage: $0 [-n ROUNDS] [-o DIR] OLD NEW [ARGS...]" >&2
  exit 2
fi
old=$1 new=$2
shift 2
for bin in "$old" "$new"; do
  if [ ! -x "$bin" ]; then
    echo "ab.sh: $bin: not an executable" >&2
    exit 2
  fi
done

rm -rf "$dir/old" "$dir/new" "$dir/old.txt" "$dir/new.txt"
mkdir -p "$dir"
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then order="old new"; else order="new old"; fi
  for side in $order; do
    bin=$old
    [ "$side" = new ] && bin=$new
    echo "ab.sh: round $i of $rounds: $side" >&2
    case $bin in
      *.test) "$bin" "$@" -test.count=1 >>"$dir/$side.txt" ;;
      *) "$bin" run "$@" --repetitions 1 --progress off --format json -o "$dir/$side/$i" >/dev/null ;;
    esac
  done
done
