package nats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// Link is the coordinator's end of one node: a NATS connection of its own
// that publishes task batches to the cluster's task subject and receives
// the replies on an inbox of its own. One goroutine may Send while another
// Recvs; Stats and Close must not overlap them.
//
// Replies to one link's batches may come back in any order, since
// different nodes serve them. The end-of-stream marker (a batch with no
// tasks) is therefore not sent to any node: the link answers it itself,
// once every batch it sent before the marker has been answered.
//
// A Link is plain: its connection does not reconnect, and the death of any
// node process of the cluster fails it, since the queue group gave that
// process batches from every link. In resend mode (topologies.Config.Resend)
// the cluster wraps each Link in a resendLink (resend.go), which survives
// both.
type Link struct {
	info     topologies.NodeInfo
	ctx      context.Context
	nc       *nats.Conn
	subject  string // the cluster's task subject
	inbox    string // this link's reply subject
	control  string // the session node's control subject
	ping     string // its liveness subject (empty if it has none)
	timeout  time.Duration
	maxFrame int

	replies chan *nats.Msg
	sub     *nats.Subscription
	marker  chan uint64   // the end marker's tag, from Send to Recv
	closed  chan struct{} // closed when the connection is
	dropped chan struct{} // closed when NATS dropped a reply (slow consumer)
	lastErr func() error
	died    *nodeDeaths // node processes of the cluster that exited early

	inflight atomic.Int64 // batches published and not yet answered
	wbuf     []byte       // Send's
	held     bool         // Recv's: a marker waits for the last replies
	heldTag  uint64
}

var _ topologies.Link = (*Link)(nil)

// dial connects a link whose replies queue holds queue messages; its
// session is opened by hello. With wildcard it subscribes to every subject
// under its inbox rather than the inbox itself. opts add to the
// connection's options.
func dial(ctx context.Context, c *cluster, name string, queue int, wildcard bool, opts ...nats.Option) (*Link, error) {
	l := &Link{
		info: topologies.NodeInfo{Name: name}, ctx: ctx, subject: c.subject, timeout: c.timeout,
		replies: make(chan *nats.Msg, queue), marker: make(chan uint64, 1), closed: make(chan struct{}),
		dropped: make(chan struct{}), died: c.died,
	}
	l.inbox = nats.NewInbox()
	sub := l.inbox
	if wildcard {
		sub += ".*"
	}
	var closeOnce, dropOnce sync.Once
	opts = append([]nats.Option{
		nats.ClosedHandler(func(*nats.Conn) { closeOnce.Do(func() { close(l.closed) }) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				dropOnce.Do(func() { close(l.dropped) })
			}
		}),
	}, opts...)
	nc, err := c.connect("snbench coordinator "+name, opts...)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	l.nc, l.lastErr = nc, nc.LastError
	l.maxFrame = int(min(nc.MaxPayload(), wire.DefaultMaxFrame))
	if l.sub, err = nc.ChanSubscribe(sub, l.replies); err != nil {
		nc.Close()
		return nil, fmt.Errorf("node %s: subscribing to its inbox: %w", name, err)
	}
	return l, nil
}

// dialPlain connects a plain link, for a window of window batches.
func dialPlain(ctx context.Context, c *cluster, name string, window int) (*Link, error) {
	// Fail rather than reconnect: a dropped connection loses replies,
	// which the run must report.
	return dial(ctx, c, name, 2*window+16, false, nats.NoReconnect())
}

// hello opens the link's session: it asks a free node on helloSubject to
// serve spec on the cluster's subject, retrying while nodes are busy until
// deadline or until ctx is done.
func (l *Link) hello(ctx context.Context, helloSubject string, hello wire.Hello, deadline time.Time) error {
	buf, err := wire.AppendJSON(nil, wire.TypeHello, hello)
	if err != nil {
		return err
	}
	// A node that has just ended a session subscribes to hellos again a
	// moment later: no responders is final only after a short grace.
	var noneSince time.Time
	const grace = time.Second
	for {
		attempt := min(time.Until(deadline), 2*time.Second)
		if attempt <= 0 {
			return l.fail("handshake", fmt.Errorf("no node answered a hello on %s in time", helloSubject))
		}
		actx, cancel := context.WithTimeout(ctx, attempt)
		m, err := l.nc.RequestWithContext(actx, helloSubject, buf)
		cancel()
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			if noneSince.IsZero() {
				noneSince = time.Now()
			}
			if time.Since(noneSince) >= grace || time.Until(deadline) < 50*time.Millisecond {
				return l.fail("handshake", fmt.Errorf("no free node is waiting on %s", helloSubject))
			}
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return l.fail("handshake", context.Cause(ctx))
			}
			continue
		case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			continue // the hello went to a node that had just taken another
		case err != nil:
			return l.fail("handshake", err)
		}
		hs, err := decodeHandshake(m.Data)
		if err != nil {
			return l.fail("handshake", link.SafePeer(err))
		}
		switch {
		case hs.Type == wire.TypeError:
			return l.fail("handshake", fmt.Errorf("the node refused the session: %s", link.PeerText(hs.Reason)))
		case hs.Type != wire.TypeWelcome || hs.Welcome.Control == "":
			return l.fail("handshake", fmt.Errorf("%w: want a welcome naming a control subject, got %s", wire.ErrMalformed, hs.Type))
		}
		w := hs.Welcome
		l.control, l.ping, l.info.PID, l.info.Host = w.Control, w.Ping, w.PID, link.PeerText(w.Host)
		return nil
	}
}

func decodeHandshake(data []byte) (wire.Handshake, error) {
	h, err := wire.ParseHeader(data, wire.DefaultMaxFrame)
	if err != nil {
		return wire.Handshake{}, err
	}
	return wire.DecodeHandshake(h, data[wire.HeaderSize:])
}

// Info describes the node that took the link's session.
func (l *Link) Info() topologies.NodeInfo { return l.info }

// Send publishes b to the task subject with the link's inbox as the reply
// subject; the end-of-stream marker is kept for Recv instead.
func (l *Link) Send(b *workloads.Batch) error {
	if len(b.IDs) == 0 {
		return l.sendMarker(b.Tag)
	}
	l.wbuf = wire.AppendTasks(l.wbuf[:0], b)
	if err := l.checkFrame(len(l.wbuf), len(b.IDs)); err != nil {
		return err
	}
	l.inflight.Add(1)
	if err := l.nc.PublishRequest(l.subject, l.inbox, l.wbuf); err != nil {
		l.inflight.Add(-1)
		return l.sendFailed(err)
	}
	return nil
}

// sendMarker keeps the end marker's tag for Recv.
func (l *Link) sendMarker(tag uint64) error {
	select {
	case l.marker <- tag:
		return nil
	default:
		return l.fail("sending the end marker", errors.New("the previous end marker is still pending"))
	}
}

// checkFrame refuses a Tasks frame of size bytes, for tasks tasks, that
// the server would not take.
func (l *Link) checkFrame(size, tasks int) error {
	if size > l.maxFrame {
		return l.fail("sending tasks", fmt.Errorf("a batch of %d tasks is %d bytes, above the NATS server's max_payload of %d: lower --batch",
			tasks, size, l.maxFrame))
	}
	return nil
}

// sendFailed describes a failed publish; a closed connection is named as
// Recv names it, whichever of the two notices first.
func (l *Link) sendFailed(err error) error {
	if errors.Is(err, nats.ErrConnectionClosed) {
		err = fmt.Errorf("NATS connection closed: %v", l.lastErr())
	}
	return l.fail("sending tasks", err)
}

// Recv returns the next reply, or the end marker once every batch sent
// before it has been answered.
func (l *Link) Recv(r *workloads.Result) error {
	for {
		if l.markerDue(r) {
			return nil
		}
		ev := l.died.event()
		if ev.n > 0 {
			// Its batches in flight, whichever links sent them, are lost.
			return l.fail("waiting for results", ev.last)
		}
		select {
		case m := <-l.replies:
			l.inflight.Add(-1)
			return l.decode(m, r)
		case tag := <-l.marker:
			l.held, l.heldTag = true, tag
		case <-l.closed:
			return l.closedErr()
		case <-l.dropped:
			return l.droppedErr()
		case <-ev.done:
		case <-l.ctx.Done():
			return l.fail("waiting for results", context.Cause(l.ctx))
		}
	}
}

// markerDue puts the held end marker in r, once every batch sent before it
// has been answered, and reports whether it did.
func (l *Link) markerDue(r *workloads.Result) bool {
	if !l.held || l.inflight.Load() > 0 {
		return false
	}
	l.held = false
	r.Tag, r.Service = l.heldTag, 0
	r.Resize(0, 0)
	return true
}

// closedErr is Recv's error once the connection is closed.
func (l *Link) closedErr() error {
	return l.fail("waiting for results", fmt.Errorf("NATS connection closed: %v", l.lastErr()))
}

// droppedErr is Recv's error once NATS dropped a reply.
func (l *Link) droppedErr() error {
	return l.fail("waiting for results", errors.New("NATS dropped replies: more were in flight than the link's queue holds (slow consumer)"))
}

func (l *Link) decode(m *nats.Msg, r *workloads.Result) error {
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		return l.fail("waiting for results", fmt.Errorf("no node is subscribed to %s any more", l.subject))
	}
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err != nil {
		return l.fail("reading results", err)
	}
	body := m.Data[wire.HeaderSize:]
	if h.Type == wire.TypeError {
		return l.fail("waiting for results", link.PeerError(body))
	}
	if err := wire.DecodeResults(h, body, r); err != nil {
		return l.fail("reading results", err)
	}
	return nil
}

// Stats asks the session's node for its resource use on its control
// subject.
func (l *Link) Stats() (topologies.NodeStats, bool, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.timeout)
	defer cancel()
	m, err := l.nc.RequestWithContext(ctx, l.control, wire.AppendControl(nil, wire.TypeStatsRequest, nil))
	if err != nil {
		return topologies.NodeStats{}, false, l.fail("asking for stats", err)
	}
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err != nil {
		return topologies.NodeStats{}, false, l.fail("reading stats", err)
	}
	var st wire.Stats
	if err := wire.DecodeJSON(h, m.Data[wire.HeaderSize:], wire.TypeStats, &st); err != nil {
		return topologies.NodeStats{}, false, l.fail("reading stats", link.SafePeer(err))
	}
	return topologies.NodeStats{CPU: time.Duration(st.UserNS + st.SysNS), MaxRSSKB: st.MaxRSSKB}, true, nil
}

// close says Bye to the session's node, bounded by a second, and closes
// the connection.
func (l *Link) close() { l.shutdown(true) }

// shutdown closes the connection, after a Bye (bounded by a second) if
// bye and the connection is still up.
func (l *Link) shutdown(bye bool) {
	if bye && l.control != "" && !l.nc.IsClosed() {
		_, _ = l.nc.Request(l.control, wire.AppendControl(nil, wire.TypeBye, nil), time.Second)
	}
	_ = l.sub.Unsubscribe()
	l.nc.Close()
}

func (l *Link) fail(op string, err error) error {
	return fmt.Errorf("node %s: %s: %w", l.info, op, err)
}
