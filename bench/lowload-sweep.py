#!/usr/bin/env python3
"""Low-load open-loop sweep (docs/performance.md): for each topology and worker count,
measure the closed-loop batch-1 window-1 p50, offer 5% of the capacity it implies
(capped at 50k/s) for 3 s, and print the worst second's p50 against it.
Usage: bench/lowload-sweep.py SNBENCH TOPOLOGIES (e.g. bin/snbench goroutine,subprocess,tcp,nats)"""
import json, subprocess, sys, os
snb = sys.argv[1]
topos = sys.argv[2].split(',')
workers = [1,2,4,8]
out = []
for t in topos:
    for w in workers:
        d = f'/tmp/sw-{t}-{w}'
        subprocess.run([snb,'run','--topology',t,'--workers',str(w),'--batch','1','--window','1','--tasks',str(3000*w),'--repetitions','1','--warmup',str(200*w),'--progress','off','-o',d+'c'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        r = json.load(open(d+'c/results.json'))
        s = r['cells'][0]['summary']
        p50 = s['batch_latency']['p50']
        rate = int(0.05*w/(p50/1e9))
        rate = max(200, min(rate, 50000))
        subprocess.run([snb,'run','--topology',t,'--workers',str(w),'--rate',str(rate),'--batch','1','--window','4','--duration','3s','--repetitions','1','--progress','off','-o',d+'o'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        r = json.load(open(d+'o/results.json'))
        c = r['cells'][0]; l = c['summary']['load']; rep = c['reps'][0]['load']
        secs = [x for x in rep['series'] if x['count'] >= 20]
        worst = max(x['p50'] for x in secs)
        line = f"{t:10s} w={w} closed p50 {p50/1e3:8.1f}us rate {rate:6d}/s util {l.get('utilization',0):.3f} probe {l.get('probe_p50_ns',0)/1e3:7.1f}us worst-second p50 {worst/1e3:8.1f}us excess {(worst-p50)/1e3:7.1f}us lag p50/p99 {l['lag_p50_ns']/1e3:.1f}/{l['lag_p99_ns']/1e3:.1f}us unreliable {l.get('unreliable',False)}"
        print(line, flush=True)
