package goroutine

import (
	"context"
	"fmt"
	"sync"
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

// The link's channels carry its window + 1 messages and, once its context
// ends, one nil each: every wait is a plain channel operation, not a
// select on the context as well, which costs a lock of both channels and a
// wait queue entry on each, per batch. Whoever takes the nil from outbox or
// free puts it back for the next caller.

type link struct {
	info   topologies.NodeInfo
	ctx    context.Context
	inbox  chan *msg
	outbox chan *msg
	free   chan *msg
}

func newLink(ctx context.Context, name string, cfg topologies.Config) *link {
	n := cfg.Window + 1 // the end-of-stream marker travels too
	l := &link{
		info:   topologies.NodeInfo{Name: name},
		ctx:    ctx,
		inbox:  make(chan *msg, n+1), // room for the poison pill as well
		outbox: make(chan *msg, n+1),
		free:   make(chan *msg, n+1),
	}
	k := cfg.Workload.Payload
	for range n {
		m := &msg{}
		m.in.Resize(cfg.Batch, k)
		m.out.Resize(cfg.Batch, k)
		l.free <- m
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

// poison ends every wait on the link: it puts the nil message in each
// channel, behind what is queued there. Call it once, when the context has
// ended.
func (l *link) poison() {
	l.inbox <- nil
	l.outbox <- nil
	l.free <- nil
}

func (l *link) Info() topologies.NodeInfo { return l.info }

// Queued reports true: Send takes one of the window + 1 messages the link
// holds and never blocks while no more are unanswered.
func (l *link) Queued() bool { return true }

func (l *link) Send(b *workloads.Batch) error {
	m := <-l.free
	if m == nil {
		l.free <- nil // never blocks: the pill's own room
		return fmt.Errorf("node %s: %w", l.info.Name, context.Cause(l.ctx))
	}
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
	l.free <- m
	return nil
}

func (l *link) Stats() (topologies.NodeStats, bool, error) {
	return topologies.NodeStats{}, false, nil
}
