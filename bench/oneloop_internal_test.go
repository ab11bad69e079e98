package bench

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// queuedStub is a stubLink that says whether it queues.
type queuedStub struct {
	stubLink
	q bool
}

func (l queuedStub) Queued() bool { return l.q }

// TestOneLoopChosen: a driver runs as one loop exactly when its link
// queues and its feed is the plain closed loop; an open loop (its sender
// waits on a schedule) and a link that does not say it queues keep a
// sender and a receiver.
func TestOneLoopChosen(t *testing.T) {
	wl, err := workloads.DefaultRegistry().New(workloads.DefaultSpec())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		link topologies.Link
		open bool
		want bool
	}{
		{"plain link", stubLink{}, false, false},
		{"link that does not queue", queuedStub{q: false}, false, false},
		{"queued link", queuedStub{q: true}, false, true},
		{"queued link, open loop", queuedStub{q: true}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen := newSeenSets(results.DispatchRoundRobin, false, 1, 64, 8)[0]
			d := newDriver(tt.link, wl, nil, 8, 2, seen, false, time.Now())
			if tt.open {
				d.feedOpen(newOpenLoop(0, 1, 1000, results.ArrivalsConstant, 1, 8))
			}
			if got := d.queued(); got != tt.want {
				t.Errorf("queued() = %v, want %v", got, tt.want)
			}
		})
	}
}

// silentLink queues, takes every batch and never answers: its Recv waits
// until the cluster's context ends.
type silentLink struct {
	ctx  context.Context
	sent int
}

func (l *silentLink) Info() topologies.NodeInfo { return topologies.NodeInfo{Name: "silent-1"} }
func (l *silentLink) Queued() bool              { return true }
func (l *silentLink) Send(*workloads.Batch) error {
	l.sent++
	return nil
}

func (l *silentLink) Recv(*workloads.Result) error {
	<-l.ctx.Done()
	return context.Cause(l.ctx)
}

func (l *silentLink) Stats() (topologies.NodeStats, bool, error) {
	return topologies.NodeStats{}, false, nil
}

// TestOneLoopSilentNode: a node driven from one loop that stops answering
// fails the pass after the task timeout with an error naming it, and the
// loop sent no more than its window before it waited.
func TestOneLoopSilentNode(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	l := &silentLink{ctx: ctx}
	wl := workloads.DefaultRegistry()
	newWL := func() (workloads.Workload, error) { return wl.New(workloads.DefaultSpec()) }
	ps := passSpec{policy: results.DispatchRoundRobin, total: 6400, batch: 64, window: 4, timeout: 200 * time.Millisecond, record: true}
	start := time.Now()
	_, err := runPass(ctx, cancel, []topologies.Link{l}, newWL, ps)
	if !errors.Is(err, errTimeout) || !strings.Contains(err.Error(), "silent-1") {
		t.Fatalf("runPass = %v, want a timeout naming silent-1", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the pass took %v to fail, want about the 200ms timeout", took)
	}
	if l.sent != 4 {
		t.Errorf("the loop sent %d batches to a node that answered none, want its window of 4", l.sent)
	}
}

// echoQueue queues: Send keeps a copy of each batch, answered (doubled) by
// Recv in order. It notes when, from base, the first batch was sent.
type echoQueue struct {
	base      time.Time
	first     time.Duration
	sent      int
	in        []workloads.Result
	delivered int
}

func (l *echoQueue) Info() topologies.NodeInfo { return topologies.NodeInfo{Name: "echo-1"} }
func (l *echoQueue) Queued() bool              { return true }
func (l *echoQueue) Send(b *workloads.Batch) error {
	if l.sent == 0 {
		l.first = time.Since(l.base)
	}
	l.sent++
	r := workloads.Result{Tag: b.Tag, K: b.K, IDs: slices.Clone(b.IDs), Values: slices.Clone(b.Values)}
	for i := range r.Values {
		r.Values[i] *= 2
	}
	l.in = append(l.in, r)
	return nil
}

func (l *echoQueue) Recv(r *workloads.Result) error {
	if l.delivered == len(l.in) {
		return errors.New("echo-1: nothing in flight")
	}
	*r = l.in[l.delivered]
	l.delivered++
	return nil
}

func (l *echoQueue) Stats() (topologies.NodeStats, bool, error) {
	return topologies.NodeStats{}, false, nil
}

// TestOneLoopStampReuse: in the one loop, a batch sent in the slot an
// answer freed is submitted from the moment that answer was verified, and
// that one clock read serves both. With a window of 1 the batches'
// latencies then tile the pass with no gap: their sum is exactly from the
// first batch's submit stamp, taken between the loop's start and the first
// Send, to the last verified. A second clock read per batch would leave a
// gap of the hist recording and the loop's own work after every batch
// (thousands of them here), and the sum would fall short of the lower
// bound.
func TestOneLoopStampReuse(t *testing.T) {
	wl, err := workloads.DefaultRegistry().New(workloads.DefaultSpec())
	if err != nil {
		t.Fatal(err)
	}
	const batches = 20000
	base := time.Now()
	l := &echoQueue{base: base}
	src := newSources(results.DispatchRoundRobin, 1, batches, 1)[0]
	seen := newSeenSets(results.DispatchRoundRobin, false, 1, batches, 1)[0]
	d := newDriver(l, wl, src, 1, 1, seen, true, base)
	start := time.Since(base)
	if err := d.loop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.verify.Verified != batches || d.measured != batches {
		t.Fatalf("verified %d tasks in %d measurements, want %d", d.verify.Verified, d.measured, batches)
	}
	lo, hi := d.done-l.first, d.done-start
	if d.latSum < lo || d.latSum > hi {
		t.Errorf("the %d latencies sum to %v, want from %v (the first Send to the last verified) to %v (the loop's start to it): "+
			"each batch's submit stamp is not the verified stamp of the answer that freed its slot", batches, d.latSum, lo, hi)
	}
}
