package node

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// pendingSet holds a Server's connections that have not been admitted to a
// session yet, oldest first, at most max of them.
type pendingSet struct {
	mu   sync.Mutex
	max  int
	list []*pendingConn // under mu, oldest first
}

func newPendingSet(max int) *pendingSet {
	if max <= 0 {
		max = DefaultMaxHandshakes
	}
	return &pendingSet{max: max}
}

// add records conn as pending and, if that makes more than max, drops the
// one pending longest.
func (p *pendingSet) add(conn net.Conn) *pendingConn {
	pc := &pendingConn{Conn: conn, since: time.Now()}
	p.mu.Lock()
	p.list = append(p.list, pc)
	var victim *pendingConn
	if len(p.list) > p.max {
		victim = p.list[0]
		p.list = p.list[1:]
		// The reason is set under mu, so a remove that finds the victim
		// gone also finds why.
		victim.setDropped(len(p.list) - 1)
	}
	p.mu.Unlock()
	if victim != nil {
		_ = victim.Conn.SetReadDeadline(time.Now()) // fail its reads now
	}
	return pc
}

// remove takes pc out of the set, and reports whether it was still there
// (not dropped, not removed before).
func (p *pendingSet) remove(pc *pendingConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.list {
		if c == pc {
			p.list = append(p.list[:i], p.list[i+1:]...)
			return true
		}
	}
	return false
}

// pendingConn is a connection whose handshake is under way. Dropping it
// makes its reads fail at once with the reason, which the session sends
// the peer in an Error frame before it closes. Once admitted it only
// passes reads through.
type pendingConn struct {
	net.Conn
	since  time.Time
	reason atomic.Pointer[error] // set once dropped
}

// setDropped gives pc's reads a "node busy" reason to fail with; n other
// handshakes were pending besides the newest.
func (pc *pendingConn) setDropped(n int) {
	err := fmt.Errorf("node busy: %d newer handshakes pending, and this one had waited longest (%v)",
		n+1, time.Since(pc.since).Round(time.Millisecond))
	pc.reason.Store(&err)
}

func (pc *pendingConn) dropped() bool { return pc.reason.Load() != nil }

// dropErr returns the reason pc was dropped.
func (pc *pendingConn) dropErr() error {
	if e := pc.reason.Load(); e != nil {
		return *e
	}
	return nil
}

// Read reads from the connection; once pc is dropped, its error is the
// drop's reason.
func (pc *pendingConn) Read(p []byte) (int, error) {
	n, err := pc.Conn.Read(p)
	if err != nil {
		if e := pc.reason.Load(); e != nil {
			return n, *e
		}
	}
	return n, err
}
