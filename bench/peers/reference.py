#!/usr/bin/env python3
"""The reference design snbench started from, written for comparison.

A coordinator starts N worker processes, puts integer tasks on a queue,
each worker returns the task doubled, and the coordinator collects the
results. --design queues runs it as written (one task per queue message);
--design pool runs the same work through multiprocessing.Pool.map with
chunks. Every result is verified. Prints one JSON line.
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


def run_queues(workers, n):
    tasks, results = mp.Queue(), mp.Queue()
    procs = [mp.Process(target=worker, args=(tasks, results)) for _ in range(workers)]
    for p in procs:
        p.start()
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
    ok = len(seen) == n and all(seen[t] == 2 * t for t in range(n))
    return elapsed, ok


def run_pool(workers, n, chunk):
    with mp.Pool(workers) as pool:
        start = time.perf_counter()
        out = pool.map(double, range(n), chunksize=chunk)
        elapsed = time.perf_counter() - start
    ok = len(out) == n and all(v == 2 * t for t, v in enumerate(out))
    return elapsed, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--design", choices=["queues", "pool"], default="queues")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--repetitions", type=int, default=3)
    a = ap.parse_args()
    rates = []
    for _ in range(a.repetitions):
        if a.design == "queues":
            elapsed, ok = run_queues(a.workers, a.tasks)
        else:
            elapsed, ok = run_pool(a.workers, a.tasks, a.chunk)
        if not ok:
            print("reference: results did not verify", file=sys.stderr)
            return 1
        rates.append(a.tasks / elapsed)
    rates.sort()
    print(json.dumps({"design": a.design, "workers": a.workers, "tasks": a.tasks,
                      "chunk": a.chunk if a.design == "pool" else 1,
                      "repetitions": a.repetitions, "median_tasks_per_s": rates[len(rates) // 2],
                      "tasks_per_s": rates}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
