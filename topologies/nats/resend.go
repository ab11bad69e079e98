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

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// Resend mode (topologies.Config.Resend, set under on_node_failure:
// redispatch). A link is not tied to one node process: the queue group
// picks the node for each batch, so a node process that dies takes with it
// batches from every link, and each link can have them served again by the
// survivors. To do that, the cluster wraps each plain Link in a
// resendLink, which
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
//   - rides out the loss of its server: its connection reconnects (for up
//     to the task timeout, as the node processes' do), and once it is back
//     the link publishes every outstanding request again, since the server
//     lost whatever it held; a request that then finds no node subscribed
//     yet (a "no responders" status) is published again shortly, for up to
//     the task timeout;
//   - watches for stalls: when requests wait and no reply has come for a
//     stall period (a fifth of the task timeout), it asks the cluster to
//     ping every node out of band (cluster.probe). A node that answers no
//     ping within a stall period is frozen: the cluster kills it if it is
//     its own process (its death takes the path above), and otherwise moves
//     the other nodes to a new task subject. A standalone node that has
//     vanished, or every node idle while requests wait, means replies were
//     lost where no death is seen: the links publish again the requests
//     that have waited a stall period. Busy nodes explain the wait, and
//     nothing is published twice;
//   - delivers the first reply to each request and drops any later one
//     (the dead node may have answered before it died, and a survivor may
//     answer a batch it already had), counting it in Duplicates.
//
// So the driver sees exactly one answer per batch, and its own task timeout
// is the last resort. The cost, only in this mode: a mutex and a map
// operation per batch on each side, one small allocation per batch for the
// reply subject, and a ticker per link. The plain Link carries none of
// this state, and its Recv's select none of these cases.

// request is one outstanding batch of a resendLink.
type request struct {
	reply string    // the link's inbox and the request's sequence number
	buf   []byte    // its Tasks frame, kept until it is answered
	sent  time.Time // when it was last published
	again int       // how many times it was published again
}

// stallState is what a resendLink's Recv knows of the flow of replies.
type stallState struct {
	replies   uint64    // replies that answered a request
	atTick    uint64    // replies at the previous tick
	quiet     int       // ticks in a row with requests waiting and no reply
	noneSince time.Time // since when requests have found no node; zero while they find one
	retry     []uint64  // requests that found no node, to publish again when retryC fires
	timer     *time.Timer
	retryC    <-chan time.Time // timer's channel while it is armed, else nil
}

// noResponderWait is how long a link waits before it publishes again a
// request that found no node subscribed.
const noResponderWait = 20 * time.Millisecond

// stallPeriod is the stall period for a task timeout: a fifth of it, and
// at least 100 ms.
func stallPeriod(taskTimeout time.Duration) time.Duration {
	return max(taskTimeout/5, 100*time.Millisecond)
}

// resendLink is a Link in resend mode: the plain link, whose connection
// reconnects and whose subscription takes every reply subject under its
// inbox, and around it the state that recovers lost batches. One goroutine
// may Send while another Recvs, as on a Link; the cluster's probe reads
// only its connection, its ping subject and gone.
type resendLink struct {
	*Link
	cl *cluster

	tick *time.Ticker
	back chan struct{} // a token each time the connection comes back

	// lastResent is whether the result Recv last returned answers a batch
	// sent again (LastResent); Recv's goroutine alone touches it, as
	// stalls and seen.
	lastResent bool
	stalls     stallState
	seen       int    // the deaths already handled
	seq        uint64 // Send's: the last request's sequence number

	mu      sync.Mutex
	pending map[uint64]*request // outstanding requests by sequence number
	free    []*request          // answered requests, for reuse

	resent atomic.Int64           // requests published again after a death
	dups   atomic.Int64           // duplicate replies dropped
	gone   atomic.Pointer[string] // set when the session's node process died, or was moved away from
}

var (
	_ topologies.Link     = (*resendLink)(nil)
	_ topologies.Resender = (*resendLink)(nil)
)

// dialResend connects a link in resend mode, for a window of window
// batches: every request has a reply subject of its own under the inbox,
// and after a node process dies each may be answered twice.
func dialResend(ctx context.Context, c *cluster, name string, window int) (*resendLink, error) {
	l := &resendLink{cl: c, back: make(chan struct{}, 1), pending: make(map[uint64]*request, window+1)}
	pl, err := dial(ctx, c, name, 4*window+32, true, l.reconnectOptions(c, name)...)
	if err != nil {
		return nil, err
	}
	l.Link = pl
	l.tick = time.NewTicker(c.stall / 2)
	return l, nil
}

// taskSubject is where the link publishes its batches: the cluster may
// move its nodes to another subject (see probe.go).
func (l *resendLink) taskSubject() string { return *l.cl.tasks.Load() }

// reconnectOptions makes the link's connection reconnect for up to the
// task timeout, and has Recv publish the outstanding requests again each
// time it is back.
func (l *resendLink) reconnectOptions(c *cluster, name string) []nats.Option {
	return append(natsconn.Reconnect(c.taskTimeout),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // closed, not lost: the closed handler reports it
			}
			c.lost.Add(1)
			c.logf("nats: link %s lost its server (%v): reconnecting for up to %v", name, err, c.taskTimeout)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			c.regained.Add(1)
			c.logf("nats: link %s reconnected to %s: sending its outstanding batches again", name, nc.ConnectedUrlRedacted())
			select {
			case l.back <- struct{}{}:
			default:
			}
		}))
}

// Send publishes b under a reply subject of its own and keeps its frame
// until it is answered; the end-of-stream marker is kept for Recv, as on a
// Link.
func (l *resendLink) Send(b *workloads.Batch) error {
	if len(b.IDs) == 0 {
		return l.sendMarker(b.Tag)
	}
	return l.sendTracked(b)
}

// Recv returns the first reply to each request, or the end marker once
// every batch sent before it has been answered. Meanwhile it publishes
// outstanding requests again after a node process died, after the
// connection came back, and as the probe decides, and retries those that
// found no node.
func (l *resendLink) Recv(r *workloads.Result) error {
	for {
		if l.markerDue(r) {
			return nil
		}
		ev := l.died.event()
		if ev.n != l.seen {
			if err := l.afterDeath(ev); err != nil {
				return err
			}
			continue
		}
		select {
		case m := <-l.replies:
			ok, again, err := l.reply(m)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := l.decode(m, r); err != nil {
				return err
			}
			l.lastResent = again
			return nil
		case tag := <-l.marker:
			l.held, l.heldTag = true, tag
		case <-l.closed:
			return l.closedErr()
		case <-l.dropped:
			return l.droppedErr()
		case <-ev.done:
		case <-l.back:
			if err := l.resendAll(); err != nil {
				return err
			}
		case <-l.tick.C:
			l.checkStall()
		case <-l.stalls.retryC:
			if err := l.retryNow(); err != nil {
				return err
			}
		case <-l.ctx.Done():
			return l.fail("waiting for results", context.Cause(l.ctx))
		}
	}
}

// LastResent says whether the result the last Recv returned answers a
// batch the link had published again.
func (l *resendLink) LastResent() bool { return l.lastResent }

// Stats asks the session's node for its resource use, unless that node is
// gone: then the link still works, through the other nodes, but its node
// cannot answer.
func (l *resendLink) Stats() (topologies.NodeStats, bool, error) {
	if g := l.gone.Load(); g != nil {
		return topologies.NodeStats{}, false, l.fail("asking for stats", errors.New(*g))
	}
	return l.Link.Stats()
}

// close says Bye to the session's node unless it is gone, closes the
// connection and stops the ticker.
func (l *resendLink) close() {
	l.shutdown(l.gone.Load() == nil)
	l.tick.Stop()
}

// awaitGone waits, bounded by d, until the server has dropped the
// subscriptions of the node process whose session l had, that is until a
// request on its control subject finds no responder. Until then the queue
// group could still hand a re-sent batch to the dead process.
func (c *cluster) awaitGone(l *resendLink, d time.Duration) {
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

// sendTracked publishes b: it keeps the frame, under a reply subject of
// its own, until the batch is answered.
func (l *resendLink) sendTracked(b *workloads.Batch) error {
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
	if err := l.checkFrame(len(p.buf), len(b.IDs)); err != nil {
		l.release(p)
		return err
	}
	l.seq++
	seq := l.seq
	p.reply = l.inbox + "." + strconv.FormatUint(seq, 10)
	p.sent, p.again = time.Now(), 0
	l.mu.Lock()
	l.pending[seq] = p
	l.inflight.Add(1)
	l.mu.Unlock()
	// A resend may publish p between the unlock and here; the second
	// answer is then dropped as a duplicate.
	if err := l.nc.PublishRequest(l.taskSubject(), p.reply, p.buf); err != nil {
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

func (l *resendLink) release(p *request) {
	l.mu.Lock()
	l.free = append(l.free, p)
	l.mu.Unlock()
}

// reply handles a reply. It returns ok when the reply
// answers an outstanding request, which it ends, and again when that
// request had been published again. A reply to a request
// already answered is a duplicate: counted and dropped. A "no responders"
// status (no node is subscribed to the task subject, as while the nodes
// reconnect after a server restart) has the request published again after
// noResponderWait, for up to the task timeout.
func (l *resendLink) reply(m *nats.Msg) (ok, again bool, err error) {
	seq, ok := l.seqOf(m.Subject)
	if !ok {
		l.dups.Add(1)
		return false, false, nil
	}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		return false, false, l.noResponder(seq)
	}
	if ok, again = l.claim(seq); !ok {
		l.dups.Add(1)
		return false, false, nil
	}
	l.stalls.replies++
	l.stalls.noneSince = time.Time{}
	return true, again, nil
}

// seqOf returns the sequence number of the request that a reply on subject
// answers.
func (l *resendLink) seqOf(subject string) (uint64, bool) {
	if len(subject) <= len(l.inbox)+1 {
		return 0, false
	}
	seq, err := strconv.ParseUint(subject[len(l.inbox)+1:], 10, 64)
	return seq, err == nil
}

// noResponder has request seq published again noResponderWait from now
// (with any others that found no node meanwhile), unless no node has been
// subscribed for the whole task timeout.
func (l *resendLink) noResponder(seq uint64) error {
	st := &l.stalls
	now := time.Now()
	if st.noneSince.IsZero() {
		st.noneSince = now
	}
	if d := now.Sub(st.noneSince); d > l.cl.taskTimeout {
		return l.fail("waiting for results", fmt.Errorf("no node has been subscribed to %s for %v", l.taskSubject(), d.Round(time.Millisecond)))
	}
	st.retry = append(st.retry, seq)
	if st.retryC == nil {
		if st.timer == nil {
			st.timer = time.NewTimer(noResponderWait)
		} else {
			st.timer.Reset(noResponderWait)
		}
		st.retryC = st.timer.C
	}
	return nil
}

// retryNow publishes again the requests that found no node and are still
// outstanding.
func (l *resendLink) retryNow() error {
	st := &l.stalls
	st.retryC = nil
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, seq := range st.retry {
		if p, ok := l.pending[seq]; ok {
			if err := l.republish(p, now); err != nil {
				return err
			}
		}
	}
	st.retry = st.retry[:0]
	return nil
}

// republish publishes p again; l.mu is held.
func (l *resendLink) republish(p *request, now time.Time) error {
	p.sent = now
	p.again++
	if err := l.nc.PublishRequest(l.taskSubject(), p.reply, p.buf); err != nil {
		return l.fail("sending tasks again", err)
	}
	l.resent.Add(1)
	return nil
}

// resendAll publishes every outstanding request again.
func (l *resendLink) resendAll() error { return l.resendWaiting(0) }

// checkStall runs on each tick of the link. Once requests have
// waited with no reply for a stall period, it asks the cluster to probe
// its nodes (not while the connection is down: the link publishes them
// all again when it is back). What the probe finds decides whether
// anything is sent again.
func (l *resendLink) checkStall() {
	st := &l.stalls
	if st.replies != st.atTick || l.inflight.Load() <= 0 {
		st.atTick, st.quiet = st.replies, 0
		return
	}
	st.quiet++
	if time.Duration(st.quiet)*l.cl.stall/2 >= l.cl.stall && l.nc.IsConnected() {
		l.cl.probe()
	}
}

// resendWaiting publishes again every outstanding request that has waited
// at least d since it was last published.
func (l *resendLink) resendWaiting(d time.Duration) error {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.pending {
		if now.Sub(p.sent) >= d {
			if err := l.republish(p, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// claim reports whether request seq is outstanding, and if so ends it and
// reports whether it had been published again.
func (l *resendLink) claim(seq uint64) (ok, again bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pending[seq]
	if !ok {
		return false, false
	}
	delete(l.pending, seq)
	l.inflight.Add(-1)
	l.free = append(l.free, p)
	return true, p.again > 0
}

// afterDeath handles the cluster's death event ev in Recv: it fails the
// link when no node process survives, and otherwise publishes every
// outstanding request again.
func (l *resendLink) afterDeath(ev *deathEvent) error {
	switch {
	case ev.lost && ev.n == l.seen+1:
		// No death: send again only what has waited. (Where events were
		// missed, one of them may have been a death: send all.)
		l.seen = ev.n
		return l.resendWaiting(l.cl.stall)
	case ev.live <= 0:
		return l.fail("waiting for results", fmt.Errorf("%w (no node process is left to send them to again)", ev.last))
	}
	l.seen = ev.n
	return l.resendAll()
}

// Resent returns how many batches the link has published again after a
// node process died, after its connection came back, or as the probe
// decided.
func (l *resendLink) Resent() int64 { return l.resent.Load() }

// Duplicates returns how many replies the link dropped because their batch
// had already been answered: the price of publishing
// again the batches that a dead node process might have answered, or that
// a survivor still held.
func (l *resendLink) Duplicates() int64 { return l.dups.Load() }
