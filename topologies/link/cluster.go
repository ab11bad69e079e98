package link

import (
	"errors"
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

// Close ends every session, then waits for each child to exit, killing any
// that has not within two seconds, and reaps them all. Calling it again does
// nothing.
func (c *Cluster) Close() error {
	var errs []error
	for _, s := range c.Streams {
		_ = s.Close()
	}
	for _, ch := range c.Children {
		if err := ch.Stop(2 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	c.Streams, c.Children = nil, nil
	return errors.Join(errs...)
}
