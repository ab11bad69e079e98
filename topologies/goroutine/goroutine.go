package goroutine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// Topology starts goroutine nodes. The zero value is not usable; use New.
type Topology struct {
	reg *workloads.Registry
}

var (
	_ topologies.Topology = (*Topology)(nil)
	_ topologies.Queued   = (*link)(nil)
)

// New returns the goroutine topology; nodes make their workloads from reg.
func New(reg *workloads.Registry) *Topology { return &Topology{reg: reg} }

// Name returns "goroutine".
func (*Topology) Name() string { return "goroutine" }

// Start starts cfg.Workers node goroutines.
func (t *Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("goroutine: %w", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	c := &cluster{cancel: cancel}
	for i := range cfg.Workers {
		wl, err := t.reg.New(cfg.Workload)
		if err != nil {
			cancel()
			c.wg.Wait()
			return nil, fmt.Errorf("goroutine: %w", err)
		}
		l := newLink(cctx, fmt.Sprintf("goroutine-%d", i+1), cfg)
		c.links = append(c.links, l)
		c.wg.Add(1)
		context.AfterFunc(cctx, func() { defer c.wg.Done(); l.poison() })
		c.wg.Go(func() { l.serve(wl) })
	}
	return c, nil
}

type cluster struct {
	links  []topologies.Link
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (c *cluster) Links() []topologies.Link { return c.links }

func (c *cluster) Close() error {
	c.cancel()
	c.wg.Wait()
	return nil
}

// msg is one message: a batch in, its result out. Whoever holds the pointer
// owns it. A nil message is the poison pill that ends a link: its context
// ended.
type msg struct {
	in  workloads.Batch
	out workloads.Result
}

// The link's two channels carry its window + 1 messages and, once its
// context ends, one nil each: every wait is a plain channel operation, not
// a select on the context as well, which costs a lock of both channels and
// a wait queue entry on each, per batch. Whoever takes the nil from outbox
// puts it back for the next caller.
//
// The messages are a ring the coordinator's side owns: Send takes the one
// after the last it sent. Batches come back in the order they went (the
// node serves its inbox in order), so the message Send takes was answered
// and read by Recv once fewer than window + 1 are unanswered; the two
// counters tell, with no third channel (a free list costs two channel
// operations per batch, half again the transport's own).

type link struct {
	info   topologies.NodeInfo
	ctx    context.Context
	inbox  chan *msg
	outbox chan *msg
	ring   []*msg
	// sent counts the messages Send has sent (the sender's alone); recvd
	// those Recv has read back, stored after it is done with each.
	sent  uint64
	recvd atomic.Uint64
	dead  atomic.Bool // the context ended: Send fails
}

func newLink(ctx context.Context, name string, cfg topologies.Config) *link {
	n := cfg.Window + 1 // the end-of-stream marker travels too
	l := &link{
		info:   topologies.NodeInfo{Name: name},
		ctx:    ctx,
		inbox:  make(chan *msg, n+1), // room for the poison pill as well
		outbox: make(chan *msg, n+1),
		ring:   make([]*msg, n),
	}
	k := cfg.Workload.Payload
	for i := range l.ring {
		m := &msg{}
		m.in.Resize(cfg.Batch, k)
		m.out.Resize(cfg.Batch, k)
		l.ring[i] = m
	}
	return l
}

// serve is the node: it owns wl and every message it holds.
func (l *link) serve(wl workloads.Workload) {
	defer workloads.Release(wl)
	// Service times are read off one monotonic origin: a clock read each
	// side of Serve, where time.Now would read the wall clock as well.
	base := time.Now()
	for {
		m := <-l.inbox
		if m == nil {
			return // poisoned: the context ended
		}
		start := time.Since(base)
		wl.Serve(&m.in, &m.out)
		m.out.Service = time.Since(base) - start
		l.outbox <- m // never blocks: outbox has room for every message
	}
}

// poison ends every wait on the link: it fails every later Send and puts
// the nil message in each channel, behind what is queued there. Call it
// once, when the context has ended.
func (l *link) poison() {
	l.dead.Store(true)
	l.inbox <- nil
	l.outbox <- nil
}

func (l *link) Info() topologies.NodeInfo { return l.info }

// Queued reports true: Send takes one of the window + 1 messages the link
// holds and never blocks; with all of them unanswered it fails
// (errLinkOverWindow), for that is more in flight than the window.
func (l *link) Queued() bool { return true }

// errLinkOverWindow is a caller's fault: a Send with the window and the end
// marker all unanswered.
var errLinkOverWindow = errors.New("more batches in flight than the window and the end marker")

func (l *link) Send(b *workloads.Batch) error {
	if l.dead.Load() {
		return fmt.Errorf("node %s: %w", l.info.Name, context.Cause(l.ctx))
	}
	if l.sent-l.recvd.Load() >= uint64(len(l.ring)) {
		return fmt.Errorf("node %s: %w", l.info.Name, errLinkOverWindow)
	}
	m := l.ring[l.sent%uint64(len(l.ring))]
	l.sent++
	m.in.Tag = b.Tag
	m.in.Resize(len(b.IDs), b.K)
	copy(m.in.IDs, b.IDs)
	copy(m.in.Values, b.Values)
	l.inbox <- m // never blocks: inbox has room for every message
	return nil
}

func (l *link) Recv(r *workloads.Result) error {
	m := <-l.outbox
	if m == nil {
		l.outbox <- nil // never blocks: the pill's own room
		return fmt.Errorf("node %s: %w", l.info.Name, context.Cause(l.ctx))
	}
	r.Tag, r.Service = m.out.Tag, m.out.Service
	r.Resize(len(m.out.IDs), m.out.K)
	copy(r.IDs, m.out.IDs)
	copy(r.Values, m.out.Values)
	l.recvd.Add(1) // m is Send's again
	return nil
}

func (l *link) Stats() (topologies.NodeStats, bool, error) {
	return topologies.NodeStats{}, false, nil
}
