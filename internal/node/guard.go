package node

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// deadliner is what frameConn needs of a stream to bound frames: a
// net.Conn has it, pipes and stdin do not.
type deadliner interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// frameConn bounds whole frames, not single reads: once started, the first
// read after next sets the read deadline idle ahead, and the reads that
// follow until the next call to next do not move it. A peer that trickles
// a byte at a time therefore gets idle for the whole frame, where a
// deadline renewed on every read would let one byte a second hold the
// session for ever. Every write gets idle to be taken. The session's
// goroutine is its only user; setting a deadline costs no system call, and
// a read happens once per burst of frames (the session reads through a
// 64 KiB buffer), not once per frame.
type frameConn struct {
	rw    io.ReadWriter
	dl    deadliner // nil: no deadlines
	idle  time.Duration
	on    bool // after the handshake
	armed bool // the next read starts a frame's deadline
}

func newFrameConn(rw io.ReadWriter, idle time.Duration) *frameConn {
	c := &frameConn{rw: rw}
	if d, ok := rw.(deadliner); ok && idle > 0 {
		c.dl, c.idle = d, idle
	}
	return c
}

// start turns the deadlines on, after the handshake (whose own deadline
// the caller sets).
func (c *frameConn) start() { c.on = c.dl != nil }

// next says a new frame is about to be read.
func (c *frameConn) next() { c.armed = c.on }

func (c *frameConn) Read(p []byte) (int, error) {
	if c.armed {
		c.armed = false
		_ = c.dl.SetReadDeadline(time.Now().Add(c.idle))
	}
	return c.rw.Read(p)
}

func (c *frameConn) Write(p []byte) (int, error) {
	if c.on {
		_ = c.dl.SetWriteDeadline(time.Now().Add(c.idle))
	}
	return c.rw.Write(p)
}

// ErrPeerGone is the cause a session ends with when its coordinator closed
// its end while a batch was in service.
var ErrPeerGone = errors.New("the coordinator closed the connection while a batch was in service: its work abandoned")

// watchPeer starts a goroutine that, every PeerCheck, looks at inService
// (odd while a batch is in service, bumped at each start and end): when a
// batch is in service, it asks gone, and if the peer is gone cancels the
// session with ErrPeerGone. Any batch counts, not only one that has run
// for a whole period, so that a peer that sends many short but costly
// batches and leaves is noticed too (their answers wait in the write
// buffer while requests remain to be read, so no failed write would tell).
// A waiting session is not asked about: its read sees the peer leave. The
// session's side costs two atomic adds per batch; the watcher one poll(2)
// per period while the session works. The returned function stops the
// goroutine and waits for it.
func watchPeer(inService *atomic.Uint64, gone func() bool, cancel func(error)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(PeerCheck)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if inService.Load()%2 == 1 && gone() {
				cancel(ErrPeerGone)
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
