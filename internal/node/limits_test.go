package node_test

import (
	"context"
	"errors"
	"log"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

var nodeToken = []byte("the-node-token-0123456789")

// coordinator dials addr and opens a session the coordinator's way, with
// token (nil: none) and spec, within 5 s.
func coordinator(t *testing.T, addr string, token []byte, spec workloads.Spec) (*link.Stream, net.Conn, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := link.Open(context.Background(), conn.(*net.TCPConn), topologies.NodeInfo{Name: "good", Addr: addr}, spec,
		link.OpenOptions{Timeout: 5 * time.Second, Token: token})
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, conn, nil
}

// roundTrip sends one batch of three tasks on s and checks the answer.
func roundTrip(t *testing.T, s *link.Stream, spec workloads.Spec) {
	t.Helper()
	wl, err := workloads.DefaultRegistry().New(spec)
	if err != nil {
		t.Fatal(err)
	}
	b := workloads.Batch{Tag: 7, IDs: []uint64{1, 2, 3}}
	wl.Fill(&b)
	if err := s.Send(&b); err != nil {
		t.Fatal(err)
	}
	var r workloads.Result
	if err := s.Recv(&r); err != nil {
		t.Fatal(err)
	}
	if r.Tag != 7 || len(r.IDs) != 3 || wl.Verify(&r) != 0 {
		t.Fatalf("wrong answer %+v", r)
	}
}

// dialAll opens n connections to addr, each sending prefix, and closes
// them when the test ends.
func dialAll(t *testing.T, addr string, n int, prefix []byte) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if len(prefix) > 0 {
			if _, err := c.Write(prefix); err != nil {
				t.Fatal(err)
			}
		}
	}
	return conns
}

// liveHeap returns the bytes of live heap after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// waitCount polls l until it holds at least n lines holding one of
// wants, for up to d.
func waitCount(t *testing.T, l *syncbuf.Buffer, n int, d time.Duration, wants ...string) {
	t.Helper()
	count := func() int {
		c := 0
		for line := range strings.SplitSeq(l.String(), "\n") {
			for _, w := range wants {
				if strings.Contains(line, w) {
					c++
					break
				}
			}
		}
		return c
	}
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if count() >= n {
			return
		}
	}
	t.Fatalf("log has %d lines holding %q after %v, want %d:\n%s", count(), wants, d, n, l)
}

// TestServerBoundsUnauthenticatedMemory has 64 connections that prove
// nothing send a node with a token the start of a Hello and go silent
// (the handshake timeout is 10 s, so they could stay): one announcing
// 32 MiB and sending 256 KiB, or one of the largest size a handshake frame
// may have, less a byte. The first are refused from the header; of the
// second, only DefaultMaxHandshakes are kept, the older ones dropped. The
// node's live heap grows by under 3 MiB (before the limits, 64 x 256 KiB
// and 64 x 132 KiB), and a coordinator with the token gets its session at
// once.
func TestServerBoundsUnauthenticatedMemory(t *testing.T) {
	big := rawHeader(wire.Version, wire.TypeHello, 0, 0, 32<<20)
	big = append(big, make([]byte, 256<<10)...)
	full := rawHeader(wire.Version, wire.TypeHello, 0, 0, wire.MaxHandshakeFrame-wire.HeaderSize)
	full = append(full, make([]byte, wire.MaxHandshakeFrame-wire.HeaderSize-1)...)
	tests := []struct {
		name   string
		send   []byte
		logged []string // lines, one per connection that ends
		times  int
	}{
		// Refused at once, unless another arrived first and dropped it.
		{"32 MiB hello announced", big, []string{"exceeds the size limit", "newer handshakes pending"}, 64},
		{"largest hello allowed, unfinished", full, []string{"newer handshakes pending"}, 64 - node.DefaultMaxHandshakes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Token: nodeToken,
				Log: log.New(logs, "", 0), HandshakeTimeout: 10 * time.Second})
			s, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec())
			if err != nil {
				t.Fatal(err)
			}
			before := liveHeap()
			_ = dialAll(t, addr, 64, tt.send)
			waitCount(t, logs, tt.times, 10*time.Second, tt.logged...)
			time.Sleep(100 * time.Millisecond) // let the refused ones unwind
			grew := int64(liveHeap()) - int64(before)
			t.Logf("live heap grew by %d KiB for 64 unauthenticated connections", grew>>10)
			if grew > 3<<20 {
				t.Errorf("live heap grew by %d bytes for unauthenticated connections, want under 3 MiB", grew)
			}
			start := time.Now()
			s2, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec())
			if err != nil {
				t.Fatalf("a coordinator with the token, after the flood: %v", err)
			}
			roundTrip(t, s2, workloads.DefaultSpec())
			roundTrip(t, s, workloads.DefaultSpec())
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the coordinator's session took %v to open, want well under 2 s", d)
			}
		})
	}
}

// TestServerIdleConnectionsCannotStarveSessions opens 64 idle connections
// to a node with 4 session slots and a 10 s handshake timeout: a
// coordinator with the token still gets its session within seconds, and
// the idle connections dropped to make room are told why in an Error
// frame. Before sessions were counted from authentication, the idle ones
// held every slot for 10 s and the coordinator got a bare EOF.
func TestServerIdleConnectionsCannotStarveSessions(t *testing.T) {
	logs := &syncbuf.Buffer{}
	addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Token: nodeToken,
		Log: log.New(logs, "", 0), MaxConns: 4, MaxHandshakes: 4, HandshakeTimeout: 10 * time.Second})
	idle := dialAll(t, addr, 64, nil)
	waitCount(t, logs, 60, 10*time.Second, "node busy")
	start := time.Now()
	s, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec())
	if err != nil {
		t.Fatalf("coordinator with 64 idle connections open: %v", err)
	}
	roundTrip(t, s, workloads.DefaultSpec())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the session took %v to open, want well under 2 s", d)
	}
	_ = idle[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	h, body, err := wire.NewReader(idle[0], 0).Next()
	if err != nil || h.Type != wire.TypeError || !strings.Contains(string(body), "node busy") {
		t.Errorf("the oldest idle connection got %v %q (%v), want an Error frame saying the node is busy", h.Type, body, err)
	}
}

// TestServerBusyTellsTheCoordinatorWhy fills a node's session slots: the
// next coordinator is refused with the reason, in its own error and in the
// node's log, and gets in once a slot is free.
func TestServerBusyTellsTheCoordinatorWhy(t *testing.T) {
	logs := &syncbuf.Buffer{}
	addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Token: nodeToken,
		Log: log.New(logs, "", 0), MaxConns: 2})
	first, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec()); err != nil {
		t.Fatal(err)
	}
	_, _, err = coordinator(t, addr, nodeToken, workloads.DefaultSpec())
	if err == nil || !strings.Contains(err.Error(), "the node refused the session: node busy: 2 sessions open") {
		t.Fatalf("third coordinator: %v, want the node busy with 2 sessions", err)
	}
	waitFor(t, logs, "node busy: 2 sessions open", time.Second)
	_ = first.Close()
	waitFor(t, logs, "ended", 2*time.Second)
	s, _, err := coordinator(t, addr, nodeToken, workloads.DefaultSpec())
	if err != nil {
		t.Fatalf("once a slot is free: %v", err)
	}
	roundTrip(t, s, workloads.DefaultSpec())
}

// TestServerWholeFrameDeadline trickles a task frame a byte every 100 ms
// after the handshake, with a 1 s idle timeout: every read is well within
// the timeout, but the frame (4 s) is not, so the node closes the session
// after about 1 s. A frame sent in two halves 100 ms apart is served.
func TestServerWholeFrameDeadline(t *testing.T) {
	const idle = time.Second
	logs := &syncbuf.Buffer{}
	addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Log: log.New(logs, "", 0),
		IdleTimeout: idle})
	frame := wire.AppendTasks(nil, &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1}, Values: []int64{3}})

	ok := handshaken(t, addr)
	defer ok.Close()
	for _, part := range [][]byte{frame[:12], frame[12:]} {
		if _, err := ok.Write(part); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = ok.SetReadDeadline(time.Now().Add(5 * time.Second))
	if h, _, err := wire.NewReader(ok, 0).Next(); err != nil || h.Type != wire.TypeResults {
		t.Fatalf("frame in two halves: got %v, %v; want results", h.Type, err)
	}

	slow := handshaken(t, addr)
	defer slow.Close()
	start := time.Now()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	defer wg.Wait()
	defer close(stop)
	wg.Go(func() {
		for _, b := range frame {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
		}
	})
	closedWithin(t, slow, 3*idle)
	if d := time.Since(start); d > 3*idle {
		t.Errorf("a frame trickled a byte at a time held the session %v, want about %v", d, idle)
	}
	waitFor(t, logs, "idle timeout: no whole frame within 1s", time.Second)
}

// TestServerCapsTaskWork refuses Hellos whose tasks ask for more CPU time
// and wait than the node's MaxTaskWork, telling the coordinator why, and
// serves those within it.
func TestServerCapsTaskWork(t *testing.T) {
	logs := &syncbuf.Buffer{}
	addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Log: log.New(logs, "", 0),
		MaxTaskWork: 2 * time.Second})
	spec := func(cpu, wait time.Duration) workloads.Spec {
		s := workloads.DefaultSpec()
		s.CPU, s.Wait = workloads.Duration(cpu), workloads.Duration(wait)
		return s
	}
	tests := []struct {
		name    string
		spec    workloads.Spec
		refused bool
	}{
		{"an hour of cpu", spec(time.Hour, 0), true},
		{"an hour of wait", spec(0, time.Hour), true},
		{"cpu and wait together over", spec(1500*time.Millisecond, 1500*time.Millisecond), true},
		{"within", spec(time.Millisecond, time.Millisecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := coordinator(t, addr, nil, tt.spec)
			if !tt.refused {
				if err != nil {
					t.Fatal(err)
				}
				roundTrip(t, s, tt.spec)
				return
			}
			if err == nil || !strings.Contains(err.Error(), "too much work per task") || !strings.Contains(err.Error(), "--max-task-work") {
				t.Fatalf("coordinator got %v, want a refusal naming too much work and --max-task-work", err)
			}
		})
	}
	waitCount(t, logs, 3, time.Second, "over this node's limit of 2s")
}

// TestServerAbandonsWorkWhenThePeerLeaves opens a session whose one task
// asks for 30 s of CPU time, or of waiting, or that pipelines 200 batches
// of one 100 ms wait, and closes the connection while the node works on
// it: the node gives the work up within about a second, and its only
// session slot is free for the next coordinator.
func TestServerAbandonsWorkWhenThePeerLeaves(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the node asks the kernel whether the peer left only on Linux")
	}
	for _, tt := range []struct {
		name      string
		cpu, wait time.Duration
		batches   int
	}{{"cpu", 30 * time.Second, 0, 1}, {"wait", 0, 30 * time.Second, 1}, {"200 short batches", 0, 100 * time.Millisecond, 200}} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Log: log.New(logs, "", 0),
				MaxConns: 1, MaxTaskWork: time.Minute})
			spec := workloads.DefaultSpec()
			spec.CPU, spec.Wait = workloads.Duration(tt.cpu), workloads.Duration(tt.wait)
			s, conn, err := coordinator(t, addr, nil, spec)
			if err != nil {
				t.Fatal(err)
			}
			wl, err := workloads.DefaultRegistry().New(spec)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.batches {
				b := workloads.Batch{Tag: uint64(i), IDs: []uint64{uint64(i)}}
				wl.Fill(&b)
				if err := s.Send(&b); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(7 * node.PeerCheck / 2) // the batch is in service
			conn.Close()
			start := time.Now()
			waitFor(t, logs, "its work abandoned", 5*time.Second)
			t.Logf("work abandoned %v after the peer left", time.Since(start).Round(time.Millisecond))
			s2, _, err := coordinator(t, addr, nil, workloads.DefaultSpec())
			if err != nil {
				t.Fatalf("the next coordinator: %v", err)
			}
			roundTrip(t, s2, workloads.DefaultSpec())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the slot was free %v after the peer left, want about a second", d)
			}
		})
	}
}

func TestCheckTaskWork(t *testing.T) {
	t.Parallel()
	spec := func(cpu, wait time.Duration) workloads.Spec {
		s := workloads.DefaultSpec()
		s.CPU, s.Wait = workloads.Duration(cpu), workloads.Duration(wait)
		return s
	}
	tests := []struct {
		name    string
		spec    workloads.Spec
		max     time.Duration
		refused bool
	}{
		{"none", spec(0, 0), 0, false},
		{"default allows 10s", spec(10*time.Second, 0), 0, false},
		{"default refuses an hour", spec(time.Hour, 0), 0, true},
		{"sum over", spec(6*time.Second, 5*time.Second), 0, true},
		{"no cap", spec(time.Hour, time.Hour), -1, false},
		{"own cap", spec(2*time.Millisecond, 0), time.Millisecond, true},
		{"overflowing sum", spec(1<<62, 1<<62), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := node.CheckTaskWork(tt.spec, tt.max)
			if (err != nil) != tt.refused || (err != nil && !errors.Is(err, node.ErrTooMuchWork)) {
				t.Errorf("CheckTaskWork(%v, %v) = %v, want refused %v", tt.spec, tt.max, err, tt.refused)
			}
		})
	}
}
