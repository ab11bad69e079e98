package link

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/snbench/snbench/topologies"
)

// Cluster is a set of Streams and the child processes behind them, as the
// proc and tcp topologies build it.
type Cluster struct {
	Streams  []*Stream
	Children []*Child
	cancel   context.CancelFunc // ends the context StartCluster gave the nodes
}

// Links returns the streams as links.
func (c *Cluster) Links() []topologies.Link {
	ls := make([]topologies.Link, len(c.Streams))
	for i, s := range c.Streams {
		ls[i] = s
	}
	return ls
}

// Close ends every session (all at once), then waits for the children to
// exit, killing any that has not within two seconds, and reaps them all.
// Calling it again does nothing.
func (c *Cluster) Close() error {
	var wg sync.WaitGroup
	for _, s := range c.Streams {
		wg.Go(func() { _ = s.Close() })
	}
	wg.Wait()
	if c.cancel != nil {
		c.cancel()
	}
	errs := make([]error, len(c.Children))
	for i, ch := range c.Children {
		wg.Go(func() { errs[i] = ch.Stop(2 * time.Second) })
	}
	wg.Wait()
	c.Streams, c.Children = nil, nil
	return errors.Join(errs...)
}

// FirstFailure runs f(i) for every i below n at once, waits for them all,
// and returns the error of the first to fail, or nil. At that first failure
// it calls cancel, which should end what the others wait on (the context
// they were given), so that they give up at once rather than at their own
// bound; what they return once they gave up is not reported.
func FirstFailure(n int, cancel func(), f func(i int) error) error {
	var (
		mu    sync.Mutex
		first error // the first failure, under mu
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			err := f(i)
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if first == nil {
				first = err
				cancel() // only now: no failure before this one is a giving up
			}
		})
	}
	wg.Wait()
	return first
}

// StartCluster starts n nodes with start, all at once, and returns them as
// a Cluster in node order: process start-up and handshakes overlap, so a
// cluster of n nodes starts in about the time of the slowest rather than
// the sum. start(ctx, i) returns node i's stream and its child process
// (either may be nil on error; a child is kept to be reaped even when its
// stream failed). The ctx start gets, which its stream may keep, is done
// when ctx is, when the cluster is closed, and as soon as any node has
// failed, so that the others give up at once rather than at their own
// bound: a cluster with a dead node fails in about the time it takes to
// notice that one. If any node fails, StartCluster kills and reaps every
// node process it started, without the grace Close gives, and returns the
// error of the node that failed first; what the others return once they
// gave up is not reported.
func StartCluster(ctx context.Context, n int, start func(ctx context.Context, i int) (*Stream, *Child, error)) (*Cluster, error) {
	sctx, cancel := context.WithCancel(ctx)
	streams := make([]*Stream, n)
	children := make([]*Child, n)
	first := FirstFailure(n, cancel, func(i int) error {
		s, ch, err := start(sctx, i)
		streams[i], children[i] = s, ch
		return err
	})
	c := &Cluster{cancel: cancel}
	for i := range n {
		if children[i] != nil {
			c.Children = append(c.Children, children[i])
		}
		if streams[i] != nil {
			c.Streams = append(c.Streams, streams[i])
		}
	}
	if first != nil {
		c.kill()
		return nil, first
	}
	return c, nil
}

// kill closes every stream and kills every child at once, then reaps them:
// what a cluster that failed to start does with the nodes it started.
func (c *Cluster) kill() {
	var wg sync.WaitGroup
	for _, s := range c.Streams {
		wg.Go(func() { _ = s.Close() })
	}
	for _, ch := range c.Children {
		wg.Go(ch.Kill)
	}
	wg.Wait()
	c.cancel()
	c.Streams, c.Children = nil, nil
}
