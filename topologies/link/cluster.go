package link

import (
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
	errs := make([]error, len(c.Children))
	for i, ch := range c.Children {
		wg.Go(func() { errs[i] = ch.Stop(2 * time.Second) })
	}
	wg.Wait()
	c.Streams, c.Children = nil, nil
	return errors.Join(errs...)
}

// StartCluster starts n nodes with start, all at once, and returns them as
// a Cluster in node order: process start-up and handshakes overlap, so a
// cluster of n nodes starts in about the time of the slowest rather than
// the sum. start(i) returns node i's stream and its child process (either
// may be nil on error; a child is kept for Close even when its stream
// failed). If any node fails, StartCluster closes every node it started and
// returns the error of the lowest-numbered failure.
func StartCluster(n int, start func(i int) (*Stream, *Child, error)) (*Cluster, error) {
	streams := make([]*Stream, n)
	children := make([]*Child, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { streams[i], children[i], errs[i] = start(i) })
	}
	wg.Wait()
	c := &Cluster{}
	for i := range n {
		if children[i] != nil {
			c.Children = append(c.Children, children[i])
		}
		if streams[i] != nil {
			c.Streams = append(c.Streams, streams[i])
		}
	}
	for _, err := range errs {
		if err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}
