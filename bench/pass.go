package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// errTimeout marks a node that stopped answering.
var errTimeout = errors.New("stopped answering")

// passResult is what one closed-loop pass over a cluster measured.
type passResult struct {
	wall    time.Duration
	drivers []*driver
	verify  results.Verification
}

// passSpec says what one pass over a cluster runs.
type passSpec struct {
	policy               string
	total, batch, window int
	timeout              time.Duration
	record               bool
	// Open loop, when rate > 0: tasks/s over all nodes, the schedule and
	// its seed.
	rate     float64
	arrivals string
	seed     uint64
}

// runPass sends ps.total tasks through the links, in a closed loop or on an
// open-loop schedule, and waits for every result. cancel ends the cluster's
// context: on the first error, or when a node with work in flight answers
// nothing for the timeout, it is called so that every blocked Send and Recv
// returns.
func runPass(ctx context.Context, cancel context.CancelCauseFunc, links []topologies.Link, newWL func() (workloads.Workload, error), ps passSpec) (*passResult, error) {
	total, timeout := ps.total, ps.timeout
	srcs := newSources(ps.policy, len(links), uint64(total), uint64(ps.batch))
	base := time.Now()
	drivers := make([]*driver, len(links))
	for i, l := range links {
		wl, err := newWL()
		if err != nil {
			return nil, err
		}
		drivers[i] = newDriver(l, wl, srcs[i], ps.batch, ps.window, uint64(total), ps.record, base)
		if ps.rate > 0 {
			drivers[i].load = newOpenLoop(i, len(links), ps.rate, ps.arrivals, ps.seed, ps.batch)
		}
	}

	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) {
		once.Do(func() {
			first = err
			cancel(err)
		})
	}
	done := make(chan struct{})
	wg.Go(func() { watchdog(ctx, drivers, timeout, done, fail) })
	var work sync.WaitGroup
	start := time.Now()
	for _, d := range drivers {
		work.Go(func() {
			if err := d.send(ctx); err != nil {
				fail(err)
			}
		})
		work.Go(func() {
			if err := d.receive(ctx); err != nil {
				fail(err)
			}
		})
	}
	work.Wait()
	wall := time.Since(start)
	close(done)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	pr := &passResult{wall: wall, drivers: drivers}
	// Exactly once across nodes: the union of every driver's ids must hold
	// each id once.
	all := newBitset(uint64(total))
	for _, d := range drivers {
		pr.verify = pr.verify.Add(d.verify)
		dup := all.union(d.seen)
		pr.verify.Duplicate += dup
		pr.verify.Verified -= dup
	}
	// Lost is what never came back under its own id: the union says so
	// exactly, whatever each driver saw.
	pr.verify.Lost = int64(total) - all.count()
	pr.verify.Expected = int64(total)
	return pr, nil
}

// watchdog fails the pass when a driver with batches in flight receives
// nothing for timeout. It polls at a quarter of the timeout (at most every
// 100 ms) and reads only the drivers' atomic counters.
func watchdog(ctx context.Context, drivers []*driver, timeout time.Duration, done <-chan struct{}, fail func(error)) {
	tick := min(timeout/4, 100*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := make([]int64, len(drivers))
	since := make([]time.Time, len(drivers))
	now := time.Now()
	for i := range since {
		since[i] = now
	}
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case now = <-t.C:
		}
		for i, d := range drivers {
			recv, sent := d.nRecv.Load(), d.nSent.Load()
			if recv != last[i] || recv >= sent {
				last[i], since[i] = recv, now
				continue
			}
			if now.Sub(since[i]) >= timeout {
				fail(fmt.Errorf("node %s: %w: no result for %v with %d batches in flight (task timeout %v)",
					d.name, errTimeout, now.Sub(since[i]).Round(time.Millisecond), sent-recv, timeout))
				return
			}
		}
	}
}
