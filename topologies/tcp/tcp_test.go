package tcp

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/topologies/topotest"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

// TestChildHandshakeTimeout connects to a tcp child node and says nothing,
// or half a frame: the child must give the connection up once its
// handshake timeout has passed, and exit naming the reason, rather than
// wait for its coordinator for ever.
func TestChildHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"silence", nil},
		{"half a frame", []byte("SB\x01\x01\x00\x00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &syncbuf.Buffer{}
			env := []string{node.EnvMode + "=tcp", node.EnvName + "=hs-test", node.EnvToken + "=" + string(auth.NewToken()),
				node.EnvHandshakeTimeout + "=300ms"}
			ch, stdin, stdout, err := link.StartPiped("hs-test", env, log)
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			defer stdout.Close()
			defer ch.Kill()
			addr, err := link.ReadAnnouncement(stdout, time.Now().Add(10*time.Second), node.ListenPrefix)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if st := ch.ExitWithin(10 * time.Second); st == "" {
				t.Fatal("the child still waits for a handshake after 10 s (its timeout is 300ms)")
			}
			if took := time.Since(start); took < 250*time.Millisecond {
				t.Errorf("the child gave up after %v, before its 300ms timeout", took)
			}
			if !strings.Contains(log.String(), "i/o timeout") {
				t.Errorf("child's stderr %q: want the deadline named", log.String())
			}
		})
	}
}

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// TestStartFailures has one node of 8 exit or hang as it starts: the
// start must fail in bounded time naming it, and leave no process behind.
func TestStartFailures(t *testing.T) {
	topotest.StartFailures(t, New(), 8, func(i int) string { return fmt.Sprintf("tcp-%d", i) })
}

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }

// TestLinksQueueWhenTheSocketHoldsTheWindow: the links and the raw echo
// queue where the socket's send buffer can be grown to hold the window
// (link.ReserveSocket: batch 64 at windows 4 and 64) and do not past
// what net.core.wmem_max allows (window 64 of batch 8192).
func TestLinksQueueWhenTheSocketHoldsTheWindow(t *testing.T) { topotest.LinksQueue(t, New()) }
