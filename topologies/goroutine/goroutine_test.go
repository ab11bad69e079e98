package goroutine

import (
	"context"
	"errors"
	"testing"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New(workloads.DefaultRegistry())) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New(workloads.DefaultRegistry())) }

// TestWindowRing: a link holds window + 1 messages in a ring. Sends beyond
// them fail rather than overwrite one the node or Recv still holds; each
// Recv frees one, and results come back in order with their own values;
// once the cluster is closed, Send fails with the context's cause and
// Recv, after what was answered before, too.
func TestWindowRing(t *testing.T) {
	const window = 3
	spec := workloads.DefaultSpec()
	c, err := New(workloads.DefaultRegistry()).Start(context.Background(), topologies.Config{Workers: 1, Window: window, Batch: 2, Workload: spec})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := c.Links()[0]
	send := func(tag uint64) error {
		b := &workloads.Batch{Tag: tag, K: 1, IDs: []uint64{tag, tag + 100}, Values: []int64{int64(tag), int64(tag) + 1}}
		return l.Send(b)
	}
	for tag := range uint64(window + 1) {
		if err := send(tag); err != nil {
			t.Fatalf("send %d of %d: %v", tag+1, window+1, err)
		}
	}
	if err := send(99); !errors.Is(err, errLinkOverWindow) {
		t.Fatalf("a send with window + 1 unanswered: %v, want errLinkOverWindow", err)
	}
	var r workloads.Result
	for i := range 2 * (window + 1) {
		if err := l.Recv(&r); err != nil {
			t.Fatal(err)
		}
		tag := uint64(i)
		if r.Tag != tag || len(r.IDs) != 2 || r.IDs[0] != tag || r.IDs[1] != tag+100 || r.Values[0] != 2*int64(tag) || r.Values[1] != 2*int64(tag)+2 {
			t.Fatalf("result %d: tag %d ids %v values %v", i, r.Tag, r.IDs, r.Values)
		}
		if err := send(tag + window + 1); err != nil { // the freed message
			t.Fatalf("send after %d answers: %v", i+1, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := send(0); err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("send after Close: %v, want the context's cause", err)
	}
	// What the node answered before the end is still read; then the end.
	for i := 0; ; i++ {
		if err := l.Recv(&r); err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("recv after Close: %v, want the context's cause", err)
			}
			break
		}
		if i == window+1 {
			t.Fatalf("recv after Close returned %d results, more than were in flight", i+1)
		}
	}
}
