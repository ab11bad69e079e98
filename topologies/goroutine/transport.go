package goroutine

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/snbench/snbench/topologies"
)

var _ topologies.EchoStarter = (*Topology)(nil)

// Transport returns topologies.TransportChannel.
func (*Topology) Transport() string { return topologies.TransportChannel }

// StartEcho starts the bare channel transport for a raw baseline:
// cfg.Endpoints echo goroutines, each passing the frames written to it back
// through channels, with no copy, one message at a time as the topology's
// links pass theirs.
func (*Topology) StartEcho(_ context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	if cfg.Endpoints < 1 {
		return nil, fmt.Errorf("%d echo endpoints, want at least 1", cfg.Endpoints)
	}
	s := &chanEchoes{}
	for range cfg.Endpoints {
		s.conns = append(s.conns, newChanEcho())
	}
	return s, nil
}

type chanEchoes struct{ conns []*chanEcho }

func (s *chanEchoes) Conns() []io.ReadWriteCloser {
	out := make([]io.ReadWriteCloser, len(s.conns))
	for i, c := range s.conns {
		out[i] = c
	}
	return out
}

func (s *chanEchoes) Close() error {
	for _, c := range s.conns {
		_ = c.Close()
	}
	return nil
}

// chanEcho is the bare channel transport: frames go to an echo goroutine
// and back through channels, with no copy.
type chanEcho struct {
	in, out chan []byte
	pending []byte
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func newChanEcho() *chanEcho {
	c := &chanEcho{in: make(chan []byte, 1024), out: make(chan []byte, 1024), done: make(chan struct{})}
	c.wg.Go(func() {
		for {
			select {
			case b := <-c.in:
				c.out <- b
			case <-c.done:
				return
			}
		}
	})
	return c
}

func (c *chanEcho) Write(b []byte) (int, error) {
	select {
	case c.in <- b:
		return len(b), nil
	case <-c.done:
		return 0, io.ErrClosedPipe
	}
}

func (c *chanEcho) Read(b []byte) (int, error) {
	if len(c.pending) == 0 {
		select {
		case c.pending = <-c.out:
		case <-c.done:
			return 0, io.EOF
		}
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Close stops the echo goroutine; it is safe to call more than once.
func (c *chanEcho) Close() error {
	c.once.Do(func() { close(c.done) })
	c.wg.Wait()
	return nil
}
