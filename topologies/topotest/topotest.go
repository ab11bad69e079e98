package topotest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// EndTag is topologies.EndTag, the end-of-stream marker's tag bit.
const EndTag = topologies.EndTag

// Exercise sends batches batches of batch tasks through every link of c,
// at most window in flight per link, then the end marker, and fails t
// unless every result verifies against spec, every task id comes back
// exactly once, and each link's marker comes back last, carrying its tag.
// It also asks every link for stats once the traffic is done.
func Exercise(t testing.TB, c topologies.Cluster, spec workloads.Spec, batches, batch, window int) {
	t.Helper()
	links := c.Links()
	var wg sync.WaitGroup
	errs := make([]error, len(links))
	for i, l := range links {
		wg.Go(func() { errs[i] = drive(l, spec, uint64(i*batches*batch), batches, batch, window) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("link %d: %v", i, err)
		}
	}
	for _, l := range links {
		if _, _, err := l.Stats(); err != nil {
			t.Errorf("stats: %v", err)
		}
	}
}

// drive runs one link: a sender goroutine and this goroutine receiving.
func drive(l topologies.Link, spec workloads.Spec, first uint64, batches, batch, window int) error {
	reg := workloads.DefaultRegistry()
	fill, err := reg.New(spec)
	if err != nil {
		return err
	}
	check, err := reg.New(spec)
	if err != nil {
		return err
	}
	slots := make(chan struct{}, window)
	sendErr := make(chan error, 1)
	done := make(chan struct{})
	var sender sync.WaitGroup
	defer sender.Wait()
	defer close(done)
	sender.Go(func() {
		var b workloads.Batch
		for n := range batches {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			b.Tag, b.IDs = uint64(n), b.IDs[:0]
			for j := range batch {
				b.IDs = append(b.IDs, first+uint64(n*batch+j))
			}
			fill.Fill(&b)
			if err := l.Send(&b); err != nil {
				sendErr <- err
				return
			}
		}
		b.Tag, b.IDs, b.Values = EndTag|uint64(batches), b.IDs[:0], b.Values[:0]
		sendErr <- l.Send(&b)
	})
	seen := make(map[uint64]bool, batches*batch)
	var r workloads.Result
	for got := 0; ; {
		if err := l.Recv(&r); err != nil {
			return err
		}
		if r.Tag&EndTag != 0 {
			if r.Tag != EndTag|uint64(batches) || len(r.IDs) != 0 {
				return fmt.Errorf("end marker came back as tag %#x with %d tasks", r.Tag, len(r.IDs))
			}
			if got != batches {
				return fmt.Errorf("end marker came back after %d of %d results", got, batches)
			}
			break
		}
		if wrong := check.Verify(&r); wrong > 0 {
			return fmt.Errorf("batch %d: %d wrong values", r.Tag, wrong)
		}
		for _, id := range r.IDs {
			if seen[id] || id < first || id >= first+uint64(batches*batch) {
				return fmt.Errorf("batch %d: id %d duplicated or not this link's", r.Tag, id)
			}
			seen[id] = true
		}
		got++
		<-slots
	}
	if len(seen) != batches*batch {
		return fmt.Errorf("%d of %d tasks came back", len(seen), batches*batch)
	}
	return <-sendErr
}

// Echo starts es's raw-baseline echoes at a few shapes (endpoints,
// window) and checks each endpoint: frames of several sizes written with
// up to window in flight come back byte for byte and in order, and Close
// stops every endpoint (a read after it fails, and a second Close does
// nothing).
func Echo(t *testing.T, es topologies.EchoStarter) {
	for _, tc := range []struct{ endpoints, window int }{{1, 1}, {2, 4}} {
		t.Run(fmt.Sprintf("endpoints=%d/window=%d", tc.endpoints, tc.window), func(t *testing.T) {
			set, err := es.StartEcho(context.Background(), topologies.EchoConfig{Endpoints: tc.endpoints, Window: tc.window, StartTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			conns := set.Conns()
			if len(conns) != tc.endpoints {
				_ = set.Close()
				t.Fatalf("%d endpoints, want %d", len(conns), tc.endpoints)
			}
			errs := make([]error, len(conns))
			var wg sync.WaitGroup
			for i, c := range conns {
				wg.Go(func() { errs[i] = echoFrames(c, i, tc.window) })
			}
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			select {
			case <-finished:
			case <-time.After(20 * time.Second):
				_ = set.Close() // unblocks the endpoints' reads
				<-finished
				t.Fatalf("the echoes did not answer within 20s: %v", errs)
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("endpoint %d: %v", i+1, err)
				}
			}
			if err := set.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := set.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// echoFrames writes frames of 24 to 4,120 bytes through c, window at a
// time (one size per round), and checks each comes back unchanged, in any
// order within its round (an endpoint with several echo processes behind
// it may answer out of order). Each frame's bytes say which endpoint,
// round and frame it is, so a mixed-up or corrupted echo shows.
func echoFrames(c io.ReadWriter, endpoint, window int) error {
	sizes := []int{24, 40, 1048, 4120}
	for round := range 8 {
		size := sizes[round%len(sizes)]
		sent := map[string]int{}
		for j := range window {
			f := make([]byte, size)
			for k := range f {
				f[k] = byte(endpoint*31 + round*7 + j*3 + k)
			}
			f[0], f[1] = byte(endpoint), byte(j)
			if _, err := c.Write(f); err != nil {
				return fmt.Errorf("round %d frame %d: write: %w", round, j, err)
			}
			sent[string(f)]++
		}
		for j := range window {
			got := make([]byte, size)
			if _, err := io.ReadFull(c, got); err != nil {
				return fmt.Errorf("round %d frame %d: read: %w", round, j, err)
			}
			if sent[string(got)] == 0 {
				return fmt.Errorf("round %d: a frame of %d bytes came back that was not sent (or twice)", round, size)
			}
			sent[string(got)]--
		}
	}
	return nil
}

// BenchmarkStart measures starting a cluster of topo with workers nodes,
// handshakes included, and closing it: the start-up every repetition
// pays. It reports start and close time per cluster separately, and the
// CPU time a cluster costs, start to close: the node processes' (reaped
// by Close) and the coordinator's. Start-up is bound by that CPU time
// (about a Go process start per node) far more than by waiting, so on a
// machine that others load it tells more than the wall times do.
func BenchmarkStart(b *testing.B, topo topologies.Topology, workers int) {
	var start, stop, nodes, coord time.Duration
	for range b.N {
		self0, kids0 := cpuTimes()
		t0 := time.Now()
		c, err := topo.Start(context.Background(), topologies.Config{Workers: workers, Workload: workloads.DefaultSpec(), Window: 4, Batch: 64, StartTimeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		start, stop = start+t1.Sub(t0), stop+time.Since(t1)
		self1, kids1 := cpuTimes()
		coord, nodes = coord+self1-self0, nodes+kids1-kids0
	}
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(perOp(start), "ms-start")
	b.ReportMetric(perOp(stop), "ms-close")
	b.ReportMetric(perOp(nodes), "ms-cpu-nodes")
	b.ReportMetric(perOp(coord), "ms-cpu-coord")
}

// cpuTimes returns the CPU time (user and system) this process has used,
// and that of its children it has reaped.
func cpuTimes() (self, children time.Duration) {
	var s, c syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &s)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &c)
	return rusageCPU(s), rusageCPU(c)
}

func rusageCPU(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// LinksQueue checks that topo's links and raw echoes queue
// (topologies.Queued: the coordinator drives them from one goroutine)
// where the transport to each node can be grown to hold a window of full
// task frames, batch 64 at windows 4 and 64, and do not where the window
// is too large for what the system allows: window 64 of batch 8192, 64
// frames of 131 KB, past the default pipe-max-size (1 MiB) and twice the
// default net.core.wmem_max (4 MiB).
func LinksQueue(t *testing.T, topo interface {
	topologies.Topology
	topologies.EchoStarter
}) {
	t.Helper()
	for _, tt := range []struct {
		window, batch int
		want          bool
	}{
		{4, 64, true},
		{64, 64, true},
		{64, 8192, false},
	} {
		t.Run(fmt.Sprintf("window %d batch %d", tt.window, tt.batch), func(t *testing.T) {
			cfg := topologies.Config{Workers: 2, Workload: workloads.DefaultSpec(), Window: tt.window, Batch: tt.batch, StartTimeout: 10 * time.Second}
			c, err := topo.Start(t.Context(), cfg)
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
			set, err := topo.StartEcho(t.Context(), topologies.EchoConfig{Endpoints: 1, Window: tt.window,
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
