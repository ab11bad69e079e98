#!/usr/bin/env bash
# peers.sh: snbench next to its peers, in one run on one machine.
#  - the Python reference design (3 worker processes, 100,000 tasks) as
#    written and with Pool.map(chunksize=64), against snbench's subprocess
#    topology at 3 workers on the default batch;
#  - redis-benchmark PING (1 connection, pipeline 64) against a local
#    redis-server started for the purpose, against snbench's tcp topology
#    with 1 node at batch 64 (skipped when redis is not installed).
# Usage: bench/peers/peers.sh [path to snbench binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
SNBENCH=${1:-bin/snbench}
[ -x "$SNBENCH" ] || go build -o "$SNBENCH" ./cmd/snbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true' EXIT

median() { python3 -c 'import json,sys; print(json.load(sys.stdin)["median_tasks_per_s"])'; }
snb_tput() { # results.json -> mean tasks/s of the only cell
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["cells"][0]["summary"]["throughput"]["mean"])' "$1"
}

echo "== Python reference (3 workers, 100000 tasks)"
q=$(python3 bench/peers/reference.py --design queues | tee "$tmp/q.json" | median)
p=$(python3 bench/peers/reference.py --design pool --chunk 64 | tee "$tmp/p.json" | median)
"$SNBENCH" run --topology subprocess --workers 3 --tasks 1000000 --repetitions 5 --progress off -o "$tmp/sub" >/dev/null
s=$(snb_tput "$tmp/sub/results.json")
python3 - "$q" "$p" "$s" <<'PY'
import sys
q, p, s = map(float, sys.argv[1:])
print(f"python queues (as written)     {q:12,.0f} tasks/s")
print(f"python Pool.map chunksize=64   {p:12,.0f} tasks/s")
print(f"snbench subprocess, 3 workers  {s:12,.0f} tasks/s")
print(f"ratio vs queues  {s/q:8.1f}x   (target >= 50x)")
print(f"ratio vs pool    {s/p:8.1f}x   (target >= 5x)")
PY

echo "== redis-benchmark PING, 1 connection, pipeline 64"
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "skipped: redis-server and redis-benchmark are not installed (apt-get install redis-server redis-tools)"
  exit 0
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
rb=$(redis-benchmark -h 127.0.0.1 -p "$port" -t ping_mbulk -c 1 -P 64 -n 2000000 -q --csv | tail -1 | cut -d, -f2 | tr -d '"')
"$SNBENCH" run --topology tcp --workers 1 --batch 64 --tasks 2000000 --repetitions 5 --progress off -o "$tmp/tcp" >/dev/null
t=$(snb_tput "$tmp/tcp/results.json")
python3 - "$rb" "$t" <<'PY'
import sys
r, t = map(float, sys.argv[1:])
print(f"redis PING, pipeline 64        {r:12,.0f} requests/s")
print(f"snbench tcp, 1 node, batch 64  {t:12,.0f} tasks/s")
print(f"ratio {t/r:8.1f}x   (target >= 2x)")
PY
