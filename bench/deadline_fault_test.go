package bench_test

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// Modes of badNode.
const (
	misTag = "mistag" // answers its first batch under another's tag, the rest correctly
	stray  = "stray"  // answers no batch; sends a frame answering nothing every 50 ms
	wrong  = "wrong"  // answers every batch, one task of its third with a wrong value
	// miscount answers every batch, and the end marker with a count one
	// higher than the coordinator sent.
	miscount = "miscount"
)

// badNode runs a TCP "node" that completes the handshake and answers
// stats, and misbehaves as mode says.
func badNode(t *testing.T, mode string) string {
	return fakenode.Listen(t, 4, func(conn net.Conn) {
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		var mu sync.Mutex
		write := func(b []byte) {
			mu.Lock()
			defer mu.Unlock()
			_, _ = conn.Write(b)
		}
		r := wire.NewReader(conn, 0)
		if _, _, err := r.Next(); err != nil { // the hello
			return
		}
		welcome, _ := wire.AppendJSON(nil, wire.TypeWelcome, wire.Welcome{Node: "talkative"})
		write(welcome)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		defer wg.Wait()
		defer close(stop)
		if mode == stray {
			stray := wire.AppendResults(nil, &workloads.Result{Tag: 1 << 40, K: 1, IDs: []uint64{7}, Values: []int64{14}})
			wg.Go(func() {
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						write(stray)
					}
				}
			})
		}
		wl, _ := workloads.NewDoubling(workloads.DefaultSpec())
		var in workloads.Batch
		var out workloads.Result
		served := 0
		for {
			h, body, err := r.Next()
			if err != nil {
				return
			}
			switch h.Type {
			case wire.TypeStatsRequest:
				st, _ := wire.AppendJSON(nil, wire.TypeStats, wire.Stats{})
				write(st)
			case wire.TypeTasks:
				if mode == stray || wire.DecodeTasks(h, body, &in) != nil {
					continue
				}
				wl.Serve(&in, &out)
				served++
				switch {
				case mode == miscount && out.Tag&topologies.EndTag != 0:
					out.Tag++
				case mode == misTag && served == 1:
					out.Tag ^= 1 // the other slot's tag
				case mode == wrong && served == 3:
					out.Values[1]++
				}
				write(wire.AppendResults(nil, &out))
			case wire.TypeBye:
				return
			}
		}
	})
}

// TestBatchDeadline: every batch in flight has its own deadline. A node
// that answers one batch under another's tag, or keeps sending frames that
// answer nothing in flight, cannot keep the run going: the batch it left
// unanswered fails the node after the task timeout (under fail, the run
// ends with an error naming it), in bounded time. Under redispatch the
// wrong answer or the stray frame itself fails the node, and its batches
// move to the other nodes: every task is verified exactly once.
func TestBatchDeadline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, mode string
	}{
		{"answers under another tag", misTag},
		{"stray frames, no answers", stray},
	} {
		for _, policy := range results.OnNodeFailures() {
			t.Run(tt.name+"/"+policy, func(t *testing.T) {
				t.Parallel()
				res, err, node := runBesideBad(t, badNode(t, tt.mode), policy, 500*time.Millisecond, 15*time.Second)
				if policy == results.OnFailureRedispatch {
					// A wrong answer or a stray frame fails the node at
					// once; its batches move to the others.
					checkExactlyOnce(t, runOut{res, err}, node, "wrong answer")
					return
				}
				var ne *bench.NodeError
				if !errors.As(err, &ne) || !strings.Contains(err.Error(), node) ||
					!strings.Contains(err.Error(), "has had no answer") && !strings.Contains(err.Error(), "no result for") {
					t.Fatalf("error %v: want a NodeError naming %s and the unanswered batch", err, node)
				}
				if tt.mode == stray && !strings.Contains(err.Error(), "answered no batch in flight") {
					t.Errorf("error %v does not say the node kept sending stray frames", err)
				}
			})
		}
	}
}

// TestBadResultsTraced: a node that answers one task with a wrong value is
// named with the first bad thing it sent. Under fail, the run's error line
// names it and the task, and the results hold each node's own
// verification counts; under redispatch the node is dropped at its wrong
// answer and every task is verified exactly once on the others.
func TestBadResultsTraced(t *testing.T) {
	t.Parallel()
	for _, policy := range results.OnNodeFailures() {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			res, err, node := runBesideBad(t, badNode(t, wrong), policy, 2*time.Second, 30*time.Second)
			// Task ids go round-robin in batches of 4 over 3 nodes: node 2's
			// third batch holds ids 28-31, and the second of them is wrong.
			const first = "wrong value for task 29"
			if policy == results.OnFailureRedispatch {
				checkExactlyOnce(t, runOut{res, err}, node, first)
				return
			}
			if !errors.Is(err, bench.ErrVerification) || !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), first) {
				t.Fatalf("error %v: want a verification failure naming %s and %q", err, node, first)
			}
			nodes := res.Cells[0].Reps[0].Nodes
			if len(nodes) != 3 {
				t.Fatalf("per-node checks %+v, want 3", nodes)
			}
			for i, n := range nodes {
				want := int64(0)
				if i == 1 {
					want = 1
				}
				if n.Wrong != want || n.Verified+n.Wrong != 2000 || (n.FirstBad != "") != (i == 1) {
					t.Errorf("node %d check %+v: want %d wrong of 2000", i, n, want)
				}
			}
		})
	}
}

// TestEndMarkerMiscount: a node whose end marker counts more batches than
// were sent would hold the pass until the task timeout, waiting for
// results that never come. It is failed the moment its marker arrives,
// with the count in the error.
func TestEndMarkerMiscount(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err, node := runBesideBad(t, badNode(t, miscount), results.OnFailureFail, 5*time.Second, 15*time.Second)
	var ne *bench.NodeError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), "end marker counts") {
		t.Fatalf("error %v: want a NodeError naming %s and its miscounted end marker", err, node)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %v: the run waited for the 5s task timeout instead of failing at the marker", took)
	}
}
