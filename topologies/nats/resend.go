package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/wire"
	"github.com/snbench/snbench/workloads"
)

// Resend mode (topologies.Config.Resend, set under on_node_failure:
// redispatch). A link is not tied to one node process: the queue group
// picks the node for each batch, so a node process that dies takes with it
// batches from every link, and each link can have them served again by the
// survivors. To do that, a link in resend mode
//
//   - keeps every outstanding batch's Tasks frame, in a request whose
//     buffer it reuses once the batch is answered (the coordinator's window
//     bounds how many there are);
//   - gives every request a reply subject of its own (the link's inbox and
//     a sequence number), so a reply names exactly the request it answers,
//     however the coordinator reuses its tags;
//   - when the cluster reports that one of its node processes died (and the
//     server has dropped that process's subscriptions), publishes every
//     outstanding request again;
//   - delivers the first reply to each request and drops any later one
//     (the dead node may have answered before it died, and a survivor may
//     answer a batch it already had), counting it in Duplicates.
//
// So the driver sees exactly one answer per batch. The cost, only in this
// mode: a mutex and a map operation per batch on each side, and one small
// allocation per batch for the reply subject.

// request is one outstanding batch of a link in resend mode.
type request struct {
	reply string // the link's inbox and the request's sequence number
	buf   []byte // its Tasks frame, kept until it is answered
}

// nodeDeaths tracks the cluster's node processes that exited while the
// cluster still needed them. Each death replaces the current event and
// closes the old one's done channel, so that every waiting Recv wakes.
type nodeDeaths struct {
	mu   sync.Mutex
	live int // node processes started and not dead
	cur  atomic.Pointer[deathEvent]
}

// deathEvent is what the cluster knows of its node processes' deaths.
type deathEvent struct {
	done chan struct{} // closed when a later death replaces this event
	n    int           // deaths so far
	live int           // node processes still running after them
	last error         // the latest death, nil while n == 0
}

func newNodeDeaths() *nodeDeaths {
	d := &nodeDeaths{}
	d.cur.Store(&deathEvent{done: make(chan struct{})})
	return d
}

// event returns the current state; its done channel closes at the next
// death.
func (d *nodeDeaths) event() *deathEvent { return d.cur.Load() }

// started counts a node process that started.
func (d *nodeDeaths) started() {
	d.mu.Lock()
	d.live++
	d.mu.Unlock()
}

// exited counts a node process that exited and returns how many remain.
func (d *nodeDeaths) exited() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.live--
	return d.live
}

// record publishes a death described by err.
func (d *nodeDeaths) record(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cur.Load()
	d.cur.Store(&deathEvent{done: make(chan struct{}), n: old.n + 1, live: d.live, last: err})
	close(old.done)
}

// awaitGone waits, bounded by d, until the server has dropped the
// subscriptions of the node process whose session l had, that is until a
// request on its control subject finds no responder. Until then the queue
// group could still hand a re-sent batch to the dead process.
func (c *cluster) awaitGone(l *Link, d time.Duration) {
	deadline := time.Now().Add(d)
	ping := wire.AppendControl(nil, wire.TypeStatsRequest, nil)
	for time.Now().Before(deadline) {
		select {
		case <-c.closing:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := l.nc.RequestWithContext(ctx, l.control, ping)
		cancel()
		switch {
		case errors.Is(err, nats.ErrNoResponders), errors.Is(err, nats.ErrConnectionClosed):
			return
		case err == nil: // not yet: the process answered before it died
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// sendTracked publishes b in resend mode: it keeps the frame, under a
// reply subject of its own, until the batch is answered.
func (l *Link) sendTracked(b *workloads.Batch) error {
	l.mu.Lock()
	var p *request
	if n := len(l.free); n > 0 {
		p, l.free = l.free[n-1], l.free[:n-1]
	} else {
		p = new(request)
	}
	l.mu.Unlock()
	// p is in neither list now: only this goroutine touches it.
	p.buf = wire.AppendTasks(p.buf[:0], b)
	if len(p.buf) > l.maxFrame {
		l.release(p)
		return l.fail("sending tasks", fmt.Errorf("a batch of %d tasks is %d bytes, above the NATS server's max_payload of %d: lower --batch",
			len(b.IDs), len(p.buf), l.maxFrame))
	}
	l.seq++
	seq := l.seq
	p.reply = l.inbox + "." + strconv.FormatUint(seq, 10)
	l.mu.Lock()
	l.pending[seq] = p
	l.inflight.Add(1)
	l.mu.Unlock()
	// A resend may publish p between the unlock and here; the second
	// answer is then dropped as a duplicate.
	if err := l.nc.PublishRequest(l.subject, p.reply, p.buf); err != nil {
		l.mu.Lock()
		if _, ok := l.pending[seq]; ok {
			delete(l.pending, seq)
			l.inflight.Add(-1)
			l.free = append(l.free, p)
		}
		l.mu.Unlock()
		return l.sendFailed(err)
	}
	return nil
}

func (l *Link) release(p *request) {
	l.mu.Lock()
	l.free = append(l.free, p)
	l.mu.Unlock()
}

// claim reports whether a reply on subject answers an outstanding request,
// and if so ends that request. A reply to a request already answered is a
// duplicate.
func (l *Link) claim(subject string) bool {
	if len(subject) <= len(l.inbox)+1 {
		return false
	}
	seq, err := strconv.ParseUint(subject[len(l.inbox)+1:], 10, 64)
	if err != nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pending[seq]
	if !ok {
		return false
	}
	delete(l.pending, seq)
	l.inflight.Add(-1)
	l.free = append(l.free, p)
	return true
}

// afterDeath handles the cluster's death event ev in Recv: it fails the
// link unless the link is in resend mode and a node process survives, and
// otherwise publishes every outstanding request again.
func (l *Link) afterDeath(ev *deathEvent) error {
	switch {
	case !l.resend:
		// Its batches in flight, whichever links sent them, are lost.
		return l.fail("waiting for results", ev.last)
	case ev.live <= 0:
		return l.fail("waiting for results", fmt.Errorf("%w (no node process is left to send them to again)", ev.last))
	}
	l.seen = ev.n
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.pending {
		if err := l.nc.PublishRequest(l.subject, p.reply, p.buf); err != nil {
			return l.fail("sending tasks again", err)
		}
		l.resent.Add(1)
	}
	return nil
}

// Resent returns how many batches the link has published again after a
// node process died (resend mode only).
func (l *Link) Resent() int64 { return l.resent.Load() }

// Duplicates returns how many replies the link dropped because their batch
// had already been answered (resend mode only): the price of publishing
// again the batches that a dead node process might have answered, or that
// a survivor still held.
func (l *Link) Duplicates() int64 { return l.dups.Load() }
