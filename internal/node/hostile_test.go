package node_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
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

// waitFor polls log l until it holds want, for up to d.
func waitFor(t *testing.T, l *syncbuf.Buffer, want string, d time.Duration) {
	t.Helper()
	if !l.WaitFor(want, d) {
		t.Fatalf("log lacks %q after %v:\n%s", want, d, l)
	}
}

// startServer runs a Server on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, srv *node.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := srv.Serve(ctx, ln); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return ln.Addr().String()
}

// goodSession opens a session the coordinator's way and returns a
// function that runs a few batches through it and checks the answers.
func goodSession(t *testing.T, addr string) (exercise func(), closeFn func()) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	spec := workloads.DefaultSpec()
	s, err := link.Open(context.Background(), conn.(*net.TCPConn), topologies.NodeInfo{Name: "good", Addr: addr}, spec, link.OpenOptions{Timeout: 5 * time.Second})
	if err != nil {
		conn.Close()
		t.Fatalf("good session: %v", err)
	}
	wl, err := workloads.DefaultRegistry().New(spec)
	if err != nil {
		t.Fatal(err)
	}
	next := uint64(0)
	exercise = func() {
		t.Helper()
		for range 5 {
			b := workloads.Batch{Tag: next, IDs: []uint64{next, next + 1, next + 2}}
			wl.Fill(&b)
			if err := s.Send(&b); err != nil {
				t.Fatalf("good session: %v", err)
			}
			var r workloads.Result
			if err := s.Recv(&r); err != nil {
				t.Fatalf("good session: %v", err)
			}
			if r.Tag != next || wl.Verify(&r) != 0 || len(r.IDs) != 3 {
				t.Fatalf("good session: wrong answer %+v", r)
			}
			next += 3
		}
	}
	return exercise, func() { _ = s.Close() }
}

// handshaken dials addr and completes a handshake by hand, for a peer
// that misbehaves afterwards.
func handshaken(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(helloFrame(t, nil)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, _, err := wire.NewReader(conn, 0).Next()
	if err != nil || h.Type != wire.TypeWelcome {
		t.Fatalf("handshake: %v %v", h.Type, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn
}

func rawHeader(version uint8, typ wire.Type, count, aux, length uint32) []byte {
	b := make([]byte, wire.HeaderSize)
	wire.Header{Version: version, Type: typ, Count: count, Aux: aux, Length: length}.Put(b)
	return b
}

// closedWithin reads conn until the node closes it, and fails the test if
// that takes longer than d.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) {
	t.Helper()
	if err := waitClosed(conn, d); err != nil {
		t.Fatal(err)
	}
}

func waitClosed(conn net.Conn, d time.Duration) error {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	if _, err := io.Copy(io.Discard, conn); err != nil && !strings.Contains(err.Error(), "reset by peer") {
		return fmt.Errorf("the node did not close the connection within %v: %w", d, err)
	}
	return nil
}

// closedWhileServing waits up to d for the node to close conn, running
// the good session every few milliseconds meanwhile: it must keep
// working, and stays busy, as a coordinator's session does.
func closedWhileServing(t *testing.T, conn net.Conn, d time.Duration, exercise func()) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- waitClosed(conn, d) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-closed:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-tick.C:
			exercise()
		}
	}
}

// TestServerHostileInput sends a node Server what a hostile or broken
// peer might, with a good session open alongside: the node closes the bad
// connection with a logged reason, within its timeouts, and the good
// session keeps working, before and after. A frame that announces 62 MB
// and sends 1 KB costs the node about what arrived.
func TestServerHostileInput(t *testing.T) {
	const (
		handshakeTimeout = 300 * time.Millisecond
		idleTimeout      = 300 * time.Millisecond
	)
	huge := rawHeader(wire.Version, wire.TypeTasks, 3_900_000, 1, 8+3_900_000*16) // 62.4 MB, under the limit
	over := rawHeader(wire.Version, wire.TypeTasks, 1, 1, 0)
	binary.LittleEndian.PutUint32(over[12:], wire.DefaultMaxFrame) // over the limit with the header
	full := wire.AppendTasks(nil, &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1, 2}, Values: []int64{3, 4}})
	half := full[:len(full)-5]
	tests := []struct {
		name      string
		handshake bool   // complete a handshake first
		send      []byte // then send this, and go silent
		want      string // in the node's log
		within    time.Duration
		maxAlloc  uint64 // bytes the node may allocate, if checked
	}{
		{"garbage", false, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "bad magic", time.Second, 0},
		{"garbage after the handshake", true, []byte("\x00\x01\x02\x03 not a frame at all, really"), "bad magic", time.Second, 0},
		{"frame over the size limit", false, over, "exceeds the size limit", time.Second, 0},
		{"frame over the size limit after the handshake", true, over, "exceeds the size limit", time.Second, 0},
		{"wrong protocol version", false, rawHeader(wire.Version+1, wire.TypeHello, 0, 0, 2), "unsupported protocol version", time.Second, 0},
		{"wrong protocol version after the handshake", true, rawHeader(0, wire.TypeTasks, 0, 0, 8), "unsupported protocol version", time.Second, 0},
		{"unknown frame type", true, rawHeader(wire.Version, 99, 0, 0, 0), "unknown frame type", time.Second, 0},
		{"tasks before the hello", false, full, "tasks frame during the handshake", time.Second, 0},
		{"half a hello, then silence", false, helloFrame(t, nil)[:20], "no handshake within", 3 * handshakeTimeout, 0},
		{"nothing at all", false, nil, "no handshake within", 3 * handshakeTimeout, 0},
		{"half a frame, then silence", true, half, "idle timeout: no whole frame within", 3 * idleTimeout, 0},
		{"62 MB announced, 1 KB sent, then silence", true, append(huge, make([]byte, 1024)...), "idle timeout: no whole frame within", 3 * idleTimeout, 4 << 20},
		{"silence after the handshake", true, nil, "idle timeout: no whole frame within", 3 * idleTimeout, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			addr := startServer(t, &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Log: log.New(logs, "", 0),
				HandshakeTimeout: handshakeTimeout, IdleTimeout: idleTimeout})
			exercise, closeGood := goodSession(t, addr)
			defer closeGood()
			exercise()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var bad net.Conn
			if tt.handshake {
				bad = handshaken(t, addr)
			} else {
				var err error
				if bad, err = net.Dial("tcp", addr); err != nil {
					t.Fatal(err)
				}
			}
			defer bad.Close()
			if _, err := bad.Write(tt.send); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			closedWhileServing(t, bad, tt.within, exercise)
			waitFor(t, logs, tt.want, time.Second)
			runtime.ReadMemStats(&after)
			if tt.maxAlloc > 0 {
				if got := after.TotalAlloc - before.TotalAlloc; got > tt.maxAlloc {
					t.Errorf("the node allocated %d bytes for the bad peer, want at most %d", got, tt.maxAlloc)
				}
			}
			exercise()
			t.Logf("closed after %v: %s", time.Since(start).Round(time.Millisecond), lastLine(logs.String(), tt.want))
		})
	}
}

func lastLine(s, containing string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], containing) {
			return lines[i]
		}
	}
	return ""
}
