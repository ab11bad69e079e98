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

var _ topologies.Topology = (*Topology)(nil)

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
// owns it.
type msg struct {
	in  workloads.Batch
	out workloads.Result
}

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
		inbox:  make(chan *msg, n),
		outbox: make(chan *msg, n),
		free:   make(chan *msg, n),
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
	for {
		var m *msg
		select { // fast path: work already queued costs no select
		case m = <-l.inbox:
		default:
			select {
			case <-l.ctx.Done():
				return
			case m = <-l.inbox:
			}
		}
		start := time.Now()
		wl.Serve(&m.in, &m.out)
		m.out.Service = time.Since(start)
		l.outbox <- m // never blocks: outbox has room for every message
	}
}

func (l *link) Info() topologies.NodeInfo { return l.info }

func (l *link) Send(b *workloads.Batch) error {
	var m *msg
	select { // fast path: a free message is nearly always there
	case m = <-l.free:
	default:
		select {
		case m = <-l.free:
		case <-l.ctx.Done():
			return fmt.Errorf("node %s: %w", l.info.Name, context.Cause(l.ctx))
		}
	}
	m.in.Tag = b.Tag
	m.in.Resize(len(b.IDs), b.K)
	copy(m.in.IDs, b.IDs)
	copy(m.in.Values, b.Values)
	l.inbox <- m // never blocks: inbox has room for every message
	return nil
}

func (l *link) Recv(r *workloads.Result) error {
	var m *msg
	select { // fast path: a result already waiting costs no select
	case m = <-l.outbox:
	default:
		select {
		case m = <-l.outbox:
		case <-l.ctx.Done():
			return fmt.Errorf("node %s: %w", l.info.Name, context.Cause(l.ctx))
		}
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
