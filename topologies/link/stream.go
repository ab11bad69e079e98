package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
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
	// queued says the transport holds every task frame that may be
	// unanswered at once (OpenOptions.InFlight) without the node reading
	// any: Send never blocks within the window (topologies.Queued).
	queued bool
}

var (
	_ topologies.Link   = (*Stream)(nil)
	_ topologies.Queued = (*Stream)(nil)
)

// OpenOptions are the optional parts of Open.
type OpenOptions struct {
	// Timeout bounds the handshake; zero means no bound but ctx.
	Timeout time.Duration
	// Child, if set, is the node's process, consulted to explain a broken
	// stream.
	Child *Child
	// Token, when set, is the shared secret: the Hello carries a nonce, the
	// coordinator proves the token when the node challenges it, and the
	// node must prove it back or the link is refused.
	Token []byte
	// InFlight, when set, is the most bytes of task frames the link may
	// have unanswered at once (InFlightBytes). Where the Conn can hold
	// that much without the node reading (a pipe, grown to it), the link
	// says it queues (topologies.Queued), and the coordinator drives it
	// from one goroutine.
	InFlight int
	// Socket, when set, is the stream socket under Conn (a *net.TCPConn or
	// *net.UnixConn): with InFlight and InFlightWrites, the link grows its
	// send buffer to hold the window (ReserveSocket) and then queues.
	Socket syscall.Conn
	// InFlightWrites is the most task frames InFlight's bytes are written
	// in (InFlightWrites): the window and the end marker.
	InFlightWrites int
}

// InFlightWrites is the most task frames a link of a cluster started with
// cfg has unanswered at once: its window and the end-of-stream marker.
func InFlightWrites(cfg topologies.Config) int { return windowWrites(cfg.Window) }

// windowWrites is the writes of window frames and the end marker.
func windowWrites(window int) int { return window + 1 }

// holdsWindow grows conn's transport, a pipe (reserver) or else the socket
// sock under it, to hold bytes written in writes writes that the peer has
// not read, and reports whether it now does: a link or echo over it then
// queues (topologies.Queued).
func holdsWindow(conn any, sock syscall.Conn, bytes, writes int) bool {
	if bytes <= 0 {
		return false
	}
	if rs, ok := conn.(reserver); ok {
		return rs.reserve(bytes)
	}
	return sock != nil && ReserveSocket(sock, bytes, writes)
}

// InFlightBytes is the most bytes of task frames a link of a cluster
// started with cfg has unanswered at once: its window of full batches and
// the end-of-stream marker.
func InFlightBytes(cfg topologies.Config) int {
	return windowBytes(cfg.Window, wire.TasksFrameSize(cfg.Batch, cfg.Workload.Payload))
}

// windowBytes is the bytes of window frames of frame bytes and the end
// marker: what a writer that keeps window frames unanswered may have
// written and not yet had read.
func windowBytes(window, frame int) int { return window*frame + wire.TasksFrameSize(0, 0) }

// reserver is a Conn that can guarantee room for n bytes written and not
// yet read, so that writing them never blocks (pipes: their capacity).
type reserver interface {
	reserve(n int) bool
}

// Open performs the handshake on conn and returns the link. When ctx is
// done, blocked calls on the link return. Errors name the node: one that
// refuses the session gives its reason, and one that does not prove the
// token gives an error wrapping auth.ErrRefused.
func Open(ctx context.Context, conn Conn, info topologies.NodeInfo, spec workloads.Spec, o OpenOptions) (*Stream, error) {
	// Until the node is welcomed (and, with a token, has proved it),
	// its frames are bounded to what a handshake needs.
	if o.Child != nil {
		info.Local = true // the topology started it here
	}
	s := &Stream{info: info, conn: conn, r: wire.NewReader(conn, wire.MaxHandshakeFrame), child: o.Child}
	// The bound first, then the cancellation: a ctx done at any moment
	// leaves the deadline at that moment, not at the bound.
	if o.Timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(o.Timeout))
	}
	cancelled := func() { _ = conn.SetDeadline(time.Now()) }
	s.stop = context.AfterFunc(ctx, cancelled)
	if err := s.handshake(ctx, spec, o.Token); err != nil {
		s.stop()
		return nil, err
	}
	s.r.SetMaxFrame(wire.DefaultMaxFrame)
	s.queued = holdsWindow(conn, o.Socket, o.InFlight, o.InFlightWrites)
	if s.stop() { // ctx was not done: lift the bound and watch ctx again
		_ = conn.SetDeadline(time.Time{})
		s.stop = context.AfterFunc(ctx, cancelled)
	}
	return s, nil
}

func (s *Stream) handshake(ctx context.Context, spec workloads.Spec, token []byte) error {
	hello := wire.Hello{Node: s.info.Name, Workload: spec}
	if token != nil {
		hello.Nonce = auth.NewNonce()
	}
	buf, err := wire.AppendJSON(nil, wire.TypeHello, hello)
	if err != nil {
		return err
	}
	if _, err := s.conn.Write(buf); err != nil {
		return s.fail("handshake: sending hello", err)
	}
	hs, err := s.nextHandshake("handshake: waiting for welcome")
	if err != nil {
		if ctx.Err() != nil {
			return err // given up, not a binary that is no node
		}
		return s.child.NotANode(err)
	}
	var nn []byte
	if hs.Type == wire.TypeChallenge {
		if token == nil {
			s.sendError("the coordinator has no token")
			return s.fail("handshake", fmt.Errorf("%w: the node requires a token: give the coordinator --token-file or %s", auth.ErrRefused, auth.EnvToken))
		}
		nn = hs.Nonce
		proof := auth.Prove(token, auth.Coordinator, hello.Nonce, nn, buf[wire.HeaderSize:])
		if _, err := s.conn.Write(wire.AppendControl(nil, wire.TypeAuth, proof)); err != nil {
			return s.fail("handshake: sending proof", err)
		}
		if hs, err = s.nextHandshake("handshake: waiting for welcome"); err != nil {
			return err
		}
	}
	switch hs.Type {
	case wire.TypeError:
		return s.fail("handshake", fmt.Errorf("the node refused the session: %s", PeerText(strings.TrimPrefix(hs.Reason, "handshake: "))))
	case wire.TypeWelcome:
	default:
		return s.fail("handshake", fmt.Errorf("%w: want a welcome frame, got %s", wire.ErrMalformed, hs.Type))
	}
	w := hs.Welcome
	if token != nil {
		switch {
		case nn == nil:
			s.sendError("the node did not prove the token")
			return s.fail("handshake", fmt.Errorf("%w: the node did not ask for the token, so it cannot prove it: start it with --token-file or %s", auth.ErrRefused, auth.EnvToken))
		case !auth.Verify(token, auth.Node, hello.Nonce, nn, buf[wire.HeaderSize:], w.Proof):
			s.sendError("the node's proof does not match the coordinator's token")
			return s.fail("handshake", fmt.Errorf("%w: the node's proof does not match the coordinator's token (wrong token)", auth.ErrRefused))
		}
	}
	if s.info.PID == 0 {
		s.info.PID = w.PID
	}
	s.info.Host = PeerText(w.Host)
	return nil
}

// nextHandshake reads and decodes one handshake frame.
func (s *Stream) nextHandshake(op string) (wire.Handshake, error) {
	h, body, err := s.r.Next()
	if err != nil {
		return wire.Handshake{}, s.fail(op, err)
	}
	hs, err := wire.DecodeHandshake(h, body)
	if err != nil {
		return hs, s.fail("handshake", SafePeer(err))
	}
	return hs, nil
}

// sendError tells the node why the coordinator ends the handshake, best
// effort.
func (s *Stream) sendError(reason string) {
	_, _ = s.conn.Write(wire.AppendControl(nil, wire.TypeError, []byte(reason)))
}

// Info describes the node.
func (s *Stream) Info() topologies.NodeInfo { return s.info }

// Queued reports whether Send never blocks within the window: the
// transport holds all the task frames that may be unanswered at once
// (OpenOptions.InFlight), however slowly the node reads.
func (s *Stream) Queued() bool { return s.queued }

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
		return s.fail("waiting for results", PeerError(body))
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
		return topologies.NodeStats{}, false, s.fail("reading stats", SafePeer(err))
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

// Diagnosis quotes what the node's process wrote on stderr, if it is a
// process this coordinator started and it wrote anything.
func (s *Stream) Diagnosis() string {
	if s.child == nil {
		return ""
	}
	if why := s.child.stderr.Cause(); why != "" {
		return "its stderr: " + why
	}
	return ""
}

var _ topologies.Diagnoser = (*Stream)(nil)

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
	if s.child != nil && s.child.stderr.foreign {
		// Someone's own worker that is alive but wrong may have said why;
		// what it wrote just before reaches us a moment later.
		time.Sleep(100 * time.Millisecond)
		if d := s.Diagnosis(); d != "" {
			return fmt.Errorf("node %s: %s: %w (%s)", s.info, op, err, d)
		}
	}
	return fmt.Errorf("node %s: %s: %w", s.info, op, err)
}
