#!/usr/bin/env python3
"""The reference design snbench started from, written for comparison.

A coordinator starts N worker processes, puts integer tasks on a queue,
each worker returns the task doubled, and the coordinator collects the
results. --design queues runs it as written (one task per queue message);
--design pool runs the same work through multiprocessing.Pool.map with
chunks. Every result is verified. Prints one JSON line.

The figure it reports is its measured window: from the first task put to
the last result collected (queues), or the one Pool.map call (pool). The
window opens only once every worker has started (a barrier each worker
passes before its first task), so it leaves out interpreter start-up,
worker spawn and the final join and verification. The whole process, start
to exit, is timed from outside (bench/peers/peers.sh); window_s and
run_s (spawn to join, inside this process) are here to set beside it.
"""
import argparse
import json
import multiprocessing as mp
import sys
import time


def worker(tasks, results):
    while True:
        task = tasks.get()
        if task is None:
            return
        results.put((task, task * 2))


def double(task):
    return task * 2


def started(ready, fn, *args):
    """Wait at the barrier, so the coordinator's window opens once every worker runs, then run fn."""
    ready.wait()
    fn(*args)


def run_queues(workers, n):
    tasks, results = mp.Queue(), mp.Queue()
    ready = mp.Barrier(workers + 1)
    procs = [mp.Process(target=started, args=(ready, worker, tasks, results)) for _ in range(workers)]
    spawn = time.perf_counter()
    for p in procs:
        p.start()
    ready.wait()
    start = time.perf_counter()
    for t in range(n):
        tasks.put(t)
    seen = {}
    for _ in range(n):
        t, v = results.get()
        seen[t] = v
    elapsed = time.perf_counter() - start
    for _ in procs:
        tasks.put(None)
    for p in procs:
        p.join()
    run = time.perf_counter() - spawn
    ok = len(seen) == n and all(seen[t] == 2 * t for t in range(n))
    return elapsed, run, ok


def run_pool(workers, n, chunk):
    ready = mp.Barrier(workers + 1)
    spawn = time.perf_counter()
    with mp.Pool(workers, initializer=ready.wait) as pool:
        ready.wait()
        start = time.perf_counter()
        out = pool.map(double, range(n), chunksize=chunk)
        elapsed = time.perf_counter() - start
    run = time.perf_counter() - spawn
    ok = len(out) == n and all(v == 2 * t for t, v in enumerate(out))
    return elapsed, run, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--design", choices=["queues", "pool"], default="queues")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--repetitions", type=int, default=1)
    a = ap.parse_args()
    windows, runs = [], []
    for _ in range(a.repetitions):
        if a.design == "queues":
            elapsed, run, ok = run_queues(a.workers, a.tasks)
        else:
            elapsed, run, ok = run_pool(a.workers, a.tasks, a.chunk)
        if not ok:
            print("reference: results did not verify", file=sys.stderr)
            return 1
        windows.append(elapsed)
        runs.append(run)
    median = sorted(windows)[len(windows) // 2]
    print(json.dumps({"design": a.design, "workers": a.workers, "tasks": a.tasks,
                      "chunk": a.chunk if a.design == "pool" else 1,
                      "repetitions": a.repetitions,
                      "window_s": windows, "run_s": runs,
                      "window_tasks_per_s": a.tasks / median}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
