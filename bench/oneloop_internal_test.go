package bench

import (
	"context"
	"errors"
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
