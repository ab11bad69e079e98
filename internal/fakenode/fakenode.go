// Package fakenode plays snbench nodes on loopback for tests of what the
// coordinator does with a node that misbehaves: a listener whose sessions
// the test scripts, and the common script of a node that completes the
// handshake, answers stats and then answers tasks with bytes of the test's
// choosing.
package fakenode

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/wire"
)

// Listen accepts up to sessions connections on a loopback port, each
// handled by handle in a goroutine of its own, and returns the address.
// Cleanup closes the listener and waits for every handler.
func Listen(t testing.TB, sessions int, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for range sessions {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { handle(conn) })
		}
	})
	return ln.Addr().String()
}

// Answer serves one session on conn for at most 30 s and closes it: it
// reads the Hello (a connection that closes first, such as a reachability
// check, ends it), sends welcome, answers every stats request with empty
// stats, and answers tasks frames with answer: the first only if once,
// else every one. It reads on until the coordinator says bye or hangs up.
func Answer(conn net.Conn, welcome wire.Welcome, answer []byte, once bool) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := wire.NewReader(conn, 0)
	if _, _, err := r.Next(); err != nil {
		return
	}
	b, _ := wire.AppendJSON(nil, wire.TypeWelcome, welcome)
	if _, err := conn.Write(b); err != nil {
		return
	}
	sent := false
	for {
		h, _, err := r.Next()
		if err != nil {
			return
		}
		switch {
		case h.Type == wire.TypeStatsRequest:
			st, _ := wire.AppendJSON(nil, wire.TypeStats, wire.Stats{})
			_, _ = conn.Write(st)
		case h.Type == wire.TypeTasks && !(once && sent):
			sent = true
			_, _ = conn.Write(answer)
		case h.Type == wire.TypeBye:
			return
		}
	}
}
