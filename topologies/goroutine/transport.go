package goroutine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/snbench/snbench/topologies"
)

var (
	_ topologies.EchoStarter = (*Topology)(nil)
	_ topologies.Queued      = (*chanEcho)(nil)
)

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
		s.conns = append(s.conns, newChanEcho(cfg.Window))
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
// and back through channels, with no copy. Its waits are plain channel
// operations, as the topology's links are: Close puts a nil frame in, and
// whoever meets it puts it back for the next.
type chanEcho struct {
	in, out chan []byte
	pending []byte
	closed  atomic.Bool
	once    sync.Once
	wg      sync.WaitGroup
}

// newChanEcho returns an echo with room for window frames in flight, and
// the nil that ends it.
func newChanEcho(window int) *chanEcho {
	n := max(window, 1) + 1
	c := &chanEcho{in: make(chan []byte, n), out: make(chan []byte, n)}
	c.wg.Go(func() {
		for {
			b := <-c.in
			c.out <- b // never blocks: room for every frame and the nil
			if b == nil {
				return
			}
		}
	})
	return c
}

// Queued reports true: Write never blocks while at most the window is in
// flight (topologies.Queued).
func (c *chanEcho) Queued() bool { return true }

// Write passes b to the echo. It never blocks: more frames than the
// window unread is an error, not a wait.
func (c *chanEcho) Write(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, io.ErrClosedPipe
	}
	select {
	case c.in <- b:
		return len(b), nil
	default:
		return 0, errOverWindow
	}
}

var errOverWindow = errors.New("goroutine echo: more frames in flight than its window")

func (c *chanEcho) Read(b []byte) (int, error) {
	if len(c.pending) == 0 {
		p := <-c.out
		if p == nil {
			c.out <- nil // never blocks: the nil's own room
			return 0, io.EOF
		}
		c.pending = p
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Close stops the echo goroutine; it is safe to call more than once.
func (c *chanEcho) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.in <- nil // never blocks: the nil's own room
	})
	c.wg.Wait()
	return nil
}
