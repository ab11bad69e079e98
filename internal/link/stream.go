package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/snbench/snbench/internal/wire"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// Conn is what a Stream runs on: a net.Conn or a pair of pipes.
type Conn interface {
	io.ReadWriteCloser
	SetDeadline(t time.Time) error
}

// Stream is a topologies.Link over a Conn. One goroutine may Send while
// another Recvs.
type Stream struct {
	info  topologies.NodeInfo
	conn  Conn
	r     *wire.Reader
	wbuf  []byte
	stop  func() bool
	child *Child // nil for nodes snbench did not start
}

var _ topologies.Link = (*Stream)(nil)

// Open performs the handshake on conn within timeout and returns the link.
// When ctx is done, blocked calls on the link return. child, if not nil, is
// the node's process, consulted to explain a broken stream.
func Open(ctx context.Context, conn Conn, info topologies.NodeInfo, spec workloads.Spec, timeout time.Duration, child *Child) (*Stream, error) {
	s := &Stream{info: info, conn: conn, r: wire.NewReader(conn, wire.DefaultMaxFrame), child: child}
	s.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	if timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	if err := s.handshake(spec); err != nil {
		s.stop()
		return nil, err
	}
	if ctx.Err() == nil {
		_ = conn.SetDeadline(time.Time{})
	}
	return s, nil
}

func (s *Stream) handshake(spec workloads.Spec) error {
	buf, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: s.info.Name, Workload: spec})
	if err != nil {
		return err
	}
	if _, err := s.conn.Write(buf); err != nil {
		return s.fail("handshake: sending hello", err)
	}
	h, body, err := s.r.Next()
	if err != nil {
		return s.fail("handshake: waiting for welcome", err)
	}
	var w wire.Welcome
	if err := wire.DecodeJSON(h, body, wire.TypeWelcome, &w); err != nil {
		return s.fail("handshake", err)
	}
	if s.info.PID == 0 {
		s.info.PID = w.PID
	}
	s.info.Host = w.Host
	return nil
}

// Info describes the node.
func (s *Stream) Info() topologies.NodeInfo { return s.info }

// Send encodes b and writes it in one write.
func (s *Stream) Send(b *workloads.Batch) error {
	s.wbuf = wire.AppendTasks(s.wbuf[:0], b)
	if _, err := s.conn.Write(s.wbuf); err != nil {
		return s.fail("sending tasks", err)
	}
	return nil
}

// Recv reads the next frame, which must be a result.
func (s *Stream) Recv(r *workloads.Result) error {
	h, body, err := s.r.Next()
	if err != nil {
		return s.fail("waiting for results", err)
	}
	if h.Type == wire.TypeError {
		return s.fail("waiting for results", &wire.PeerError{Reason: string(body)})
	}
	if err := wire.DecodeResults(h, body, r); err != nil {
		return s.fail("reading results", err)
	}
	return nil
}

// Stats asks the node for its resource use.
func (s *Stream) Stats() (topologies.NodeStats, bool, error) {
	if _, err := s.conn.Write(wire.AppendControl(nil, wire.TypeStatsRequest, nil)); err != nil {
		return topologies.NodeStats{}, false, s.fail("asking for stats", err)
	}
	h, body, err := s.r.Next()
	if err != nil {
		return topologies.NodeStats{}, false, s.fail("waiting for stats", err)
	}
	var st wire.Stats
	if err := wire.DecodeJSON(h, body, wire.TypeStats, &st); err != nil {
		return topologies.NodeStats{}, false, s.fail("reading stats", err)
	}
	return topologies.NodeStats{CPU: time.Duration(st.UserNS + st.SysNS), MaxRSSKB: st.MaxRSSKB}, true, nil
}

// Close says Bye (best effort, bounded by a short deadline) and closes the
// connection. It does not stop the child; the cluster does.
func (s *Stream) Close() error {
	s.stop()
	_ = s.conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	_, _ = s.conn.Write(wire.AppendControl(nil, wire.TypeBye, nil))
	return s.conn.Close()
}

// fail wraps err with the node's name and, when its process has exited or
// exits soon after the stream broke, how it exited.
func (s *Stream) fail(op string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w (deadline or cancellation)", err)
	}
	if s.child != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isBrokenPipe(err)) {
		if st := s.child.ExitWithin(500 * time.Millisecond); st != "" {
			return fmt.Errorf("node %s: %s: %w (process %s)", s.info, op, err, st)
		}
	}
	return fmt.Errorf("node %s: %s: %w", s.info, op, err)
}
