package proc

import (
	"fmt"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// TestStartFailures has one node of 8 exit or hang as it starts: the
// start must fail in bounded time naming it, and leave no process behind.
func TestStartFailures(t *testing.T) {
	topotest.StartFailures(t, New(), 8, func(i int) string { return fmt.Sprintf("subprocess-%d", i) })
}

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }

// TestLinksQueueWhenThePipeHoldsTheWindow: a subprocess link queues
// (topologies.Queued: the coordinator drives it from one goroutine) when
// its pipe to the node was grown to hold a window of full task frames,
// and does not where the window is too large for the system's largest
// pipe; its raw echo does the same.
func TestLinksQueueWhenThePipeHoldsTheWindow(t *testing.T) {
	for _, tt := range []struct {
		window, batch int
		want          bool
	}{
		{4, 64, true},
		{64, 64, true},
		{64, 8192, false}, // 64 frames of 131 KB: past pipe-max-size (1 MiB by default)
	} {
		t.Run(fmt.Sprintf("window %d batch %d", tt.window, tt.batch), func(t *testing.T) {
			cfg := topologies.Config{Workers: 2, Workload: workloads.DefaultSpec(), Window: tt.window, Batch: tt.batch, StartTimeout: 10 * time.Second}
			c, err := New().Start(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range c.Links() {
				q, ok := l.(topologies.Queued)
				if !ok || q.Queued() != tt.want {
					t.Errorf("%s: Queued() = %v (implements it: %v), want %v", l.Info().Name, ok && q.Queued(), ok, tt.want)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			set, err := New().StartEcho(t.Context(), topologies.EchoConfig{Endpoints: 1, Window: tt.window,
				FrameBytes: wire.TasksFrameSize(tt.batch, 1), StartTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer set.Close()
			for _, e := range set.Conns() {
				if q, ok := e.(topologies.Queued); !ok || q.Queued() != tt.want {
					t.Errorf("raw echo: Queued() = %v (implements it: %v), want %v", ok && q.Queued(), ok, tt.want)
				}
			}
		})
	}
}
