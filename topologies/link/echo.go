package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
)

// EchoEndpoint is one started raw-baseline echo of a byte-stream
// transport: the connection to it, what must be closed when it stops, and
// the child process behind it, if any (stopped and reaped on Close).
type EchoEndpoint struct {
	Conn    io.ReadWriter
	Closers []io.Closer
	Child   *Child
	// Socket, when set, is the stream socket under Conn: its send buffer
	// is grown to hold the window (ReserveSocket), as the topology's links
	// grow theirs, and the endpoint then queues.
	Socket syscall.Conn
}

// StartStreamEchoes starts cfg.Endpoints echoes with start (named
// name-1, name-2, ...), all at once, and returns them as a topologies.EchoSet whose
// endpoints read through a buffer of the size a Stream reads through, as
// the topology's links read the transport. It stops what it started
// before returning an error.
func StartStreamEchoes(ctx context.Context, cfg topologies.EchoConfig, name string,
	start func(ctx context.Context, name string, timeout time.Duration) (EchoEndpoint, error)) (topologies.EchoSet, error) {
	if cfg.Endpoints < 1 {
		return nil, fmt.Errorf("%d echo endpoints, want at least 1", cfg.Endpoints)
	}
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	// All at once, as a cluster's nodes start (StartCluster): the first
	// failure ends the others' starts; start must not keep ctx past its
	// return.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	eps := make([]*echoConn, cfg.Endpoints)
	err := FirstFailure(cfg.Endpoints, cancel, func(i int) error {
		ep, err := start(sctx, fmt.Sprintf("%s-%d", name, i+1), timeout)
		if err != nil {
			return err
		}
		e := &echoConn{Reader: bufio.NewReaderSize(ep.Conn, wire.ReadBufferSize), Writer: ep.Conn, ep: ep}
		if cfg.FrameBytes > 0 {
			e.queued = holdsWindow(ep.Conn, ep.Socket, windowBytes(cfg.Window, cfg.FrameBytes), windowWrites(cfg.Window))
		}
		eps[i] = e
		return nil
	})
	s := &streamEchoes{}
	for _, e := range eps {
		if e != nil {
			s.eps = append(s.eps, e)
		}
	}
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// StartChildEcho starts the binary again in the echo node mode mode, with
// its stdin and stdout as the stream (a pipe echo).
func StartChildEcho(mode, name string, log io.Writer) (EchoEndpoint, error) {
	ch, inW, outR, err := StartPiped(name, topologies.NodeEnv(mode, name), log)
	if err != nil {
		return EchoEndpoint{}, err
	}
	return EchoEndpoint{Conn: Pipes(outR, inW), Closers: []io.Closer{inW, outR}, Child: ch}, nil
}

type streamEchoes struct {
	eps  []*echoConn
	once sync.Once
	err  error
}

func (s *streamEchoes) Conns() []io.ReadWriteCloser {
	out := make([]io.ReadWriteCloser, len(s.eps))
	for i, e := range s.eps {
		out[i] = e
	}
	return out
}

func (s *streamEchoes) Close() error {
	s.once.Do(func() {
		errs := make([]error, len(s.eps))
		var wg sync.WaitGroup
		for i, e := range s.eps {
			wg.Go(func() { errs[i] = e.stop() })
		}
		wg.Wait()
		s.err = errors.Join(errs...)
	})
	return s.err
}

// echoConn is one endpoint: reads through the buffer, writes straight.
type echoConn struct {
	*bufio.Reader
	io.Writer
	ep     EchoEndpoint
	queued bool // the pipe or socket holds the window (EchoConfig.FrameBytes)
	once   sync.Once
	err    error
}

// Queued reports whether writing never blocks within the window
// (topologies.Queued): the raw loop then runs in one goroutine, as the
// cell's driver does over the topology's queued links.
func (e *echoConn) Queued() bool { return e.queued }

// Close closes the endpoint's connection (a reader or writer blocked on
// it returns).
func (e *echoConn) Close() error {
	for _, c := range e.ep.Closers {
		_ = c.Close()
	}
	return nil
}

// stop closes the endpoint and stops its child.
func (e *echoConn) stop() error {
	e.once.Do(func() {
		_ = e.Close()
		if e.ep.Child != nil {
			e.err = e.ep.Child.Stop(2 * time.Second)
		}
	})
	return e.err
}
