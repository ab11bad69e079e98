package link

import (
	"fmt"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns the two ends of a fresh stream connection of network
// ("tcp" on loopback, or "unix"): the client, and the server's end, which
// the caller may leave unread.
func socketPair(t *testing.T, network string) (client, server net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	client, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		client.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func sndbuf(t *testing.T, c net.Conn) int {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var sz int
	var serr error
	if err := rc.Control(func(fd uintptr) { sz, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return sz
}

// TestReserveSocketHoldsTheWindow is the guarantee a socket link's one
// loop rests on, checked against the kernel: where ReserveSocket says the
// socket holds writes frames of frame bytes, that many writes complete
// while the peer reads nothing (each under a deadline, so that a write
// that blocks fails the test instead of hanging it). Where it says no, it
// leaves the send buffer as it was.
func TestReserveSocketHoldsTheWindow(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		for _, frame := range []int{40, 1064, 16 << 10, 64 << 10, 1 << 20} {
			for _, window := range []int{1, 4, 64} {
				t.Run(fmt.Sprintf("%s/frame=%d/window=%d", network, frame, window), func(t *testing.T) {
					client, _ := socketPair(t, network)
					before := sndbuf(t, client)
					writes := window + 1
					if !ReserveSocket(client.(syscall.Conn), frame*writes, writes) {
						if got := sndbuf(t, client); got != before {
							t.Errorf("refused, but the send buffer went from %d to %d", before, got)
						}
						if frame*writes <= 256<<10 {
							t.Errorf("refused %d writes of %d bytes, a window any Linux holds", writes, frame)
						}
						return
					}
					t.Logf("reserved: send buffer %d -> %d", before, sndbuf(t, client))
					buf := make([]byte, frame)
					for i := range writes {
						_ = client.SetWriteDeadline(time.Now().Add(2 * time.Second))
						if _, err := client.Write(buf); err != nil {
							t.Fatalf("write %d of %d (%d bytes each, send buffer %d) with the peer reading nothing: %v", i+1, writes, frame, sndbuf(t, client), err)
						}
					}
				})
			}
		}
	}
	if ReserveSocket(nil, 0, 1) || ReserveSocket(nil, 1, 0) {
		t.Error("ReserveSocket of nothing reported true")
	}
}
