package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/workloads"
)

// Server serves sessions on a listener, one goroutine per connection, as
// `snbench node --listen` does. Its fields are read-only once Serve starts.
//
// A connection is pending until its coordinator has authenticated (or,
// on a node without a token, sent a Hello the node accepts), and holds a
// session slot only from then on. Pending connections are few
// (MaxHandshakes), read frames of at most wire.MaxHandshakeFrame and have
// HandshakeTimeout to finish; when one more arrives, the one pending
// longest is dropped. So connections that prove nothing cannot take the
// slots of coordinators that do, nor make the node hold more than about
// MaxHandshakes x 80 KiB for them, whatever they send: a coordinator that
// handshakes at once is kept out only by MaxHandshakes connections
// arriving during its own handshake, a round trip or two.
type Server struct {
	// Registry makes the workloads sessions ask for.
	Registry *workloads.Registry
	// Name is the node's name in its log lines and Welcome.
	Name string
	// Token, when set, is the shared secret every session's coordinator
	// must prove (see SessionConfig.Token); sessions that do not are
	// refused with a log line.
	Token []byte
	// Log receives one line per session start, end and refusal; nil
	// discards them.
	Log *log.Logger
	// MaxConns bounds concurrent sessions; a coordinator admitted while
	// they are all taken is refused with an Error frame that says so.
	// Zero means 64.
	MaxConns int
	// MaxHandshakes bounds the pending connections; zero means
	// DefaultMaxHandshakes.
	MaxHandshakes int
	// HandshakeTimeout bounds a session's handshake, from accepting the
	// connection to sending the Welcome. Zero means 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout ends a session, after its handshake, once a frame has
	// not arrived whole within it of the node starting to wait for it, or
	// a write has waited this long for the coordinator to take the node's
	// bytes: a half frame followed by silence, a frame trickled a byte at
	// a time, or a coordinator that vanished without closing, cannot hold
	// a session and its buffers for ever. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxTaskWork caps the CPU time and wait one task may ask for (see
	// SessionConfig.MaxTaskWork); zero means DefaultMaxTaskWork.
	MaxTaskWork time.Duration
}

// DefaultIdleTimeout is a Server's IdleTimeout when it sets none: long
// enough for any pause a coordinator makes between passes.
const DefaultIdleTimeout = 2 * time.Minute

// DefaultMaxHandshakes is a Server's MaxHandshakes when it sets none:
// enough for every coordinator of a cluster to connect at once, few enough
// that their buffers stay around a megabyte.
const DefaultMaxHandshakes = 16

// Serve accepts connections on ln until ctx is done, then closes ln, ends
// every session and returns nil. It returns the listener's error if
// accepting fails otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = 64
	}
	pending := newPendingSet(s.MaxHandshakes)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxConns)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("node %s: accept: %w", s.Name, err)
		}
		// The handshake's deadline is set before the connection can be
		// dropped, so that it cannot undo the drop's.
		_ = conn.SetDeadline(time.Now().Add(s.handshakeTimeout()))
		pc := pending.add(conn)
		wg.Go(func() {
			defer pending.remove(pc)
			held := false
			admit := func() error {
				if !pending.remove(pc) {
					return pc.dropErr()
				}
				select {
				case slots <- struct{}{}:
					held = true
					return nil
				default:
					return fmt.Errorf("node busy: %d sessions open", maxConns)
				}
			}
			s.session(ctx, pc, admit)
			if held {
				<-slots
			}
		})
	}
}

func (s *Server) session(ctx context.Context, pc *pendingConn, admit func() error) {
	conn := pc.Conn
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	hs := s.handshakeTimeout()
	peer := conn.RemoteAddr().String()
	started := false
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	cfg := SessionConfig{Registry: s.Registry, Name: s.Name, Token: s.Token, MaxTaskWork: s.MaxTaskWork,
		IdleTimeout: idle, PeerGone: peerGone(conn), Admit: admit,
		Handshaken: func() {
			// From the Welcome on, the coordinator paces the session,
			// within the idle timeout.
			_ = conn.SetDeadline(time.Time{})
			started = true
			s.logf("session from %s: started", peer)
		}}
	err := Serve(ctx, pc, cfg)
	s.logEnd(ctx, peer, err, started, pc.dropped(), hs, idle)
}

func (s *Server) handshakeTimeout() time.Duration {
	if s.HandshakeTimeout <= 0 {
		return 10 * time.Second
	}
	return s.HandshakeTimeout
}

// logEnd logs how a connection ended.
func (s *Server) logEnd(ctx context.Context, peer string, err error, started, dropped bool, hs, idle time.Duration) {
	switch {
	case dropped && !started:
		s.logf("connection from %s: dropped: %v", peer, err)
	case err != nil && errors.Is(err, auth.ErrRefused):
		s.logf("connection from %s: refused: %v", peer, err)
	case !started && errors.Is(err, io.EOF):
		s.logf("connection from %s: closed before a hello (a reachability check?)", peer)
	case err != nil && ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) && started:
		s.logf("session from %s: closed: idle timeout: no whole frame within %v: %v", peer, idle, err)
	case err != nil && ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded):
		s.logf("connection from %s: closed: no handshake within %v: %v", peer, hs, err)
	case err != nil && ctx.Err() == nil:
		s.logf("session from %s: closed: %v", peer, err)
	case started:
		s.logf("session from %s: ended", peer)
	}
}

// maxLogLine caps a node's log line, whatever peer text its error quotes.
const maxLogLine = 2 << 10

// CapLogLine caps s, a node's log line, at maxLogLine bytes, whatever peer
// text its error quotes.
func CapLogLine(s string) string { return capText(s, maxLogLine) }

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Print(CapLogLine(fmt.Sprintf(format, args...)))
	}
}
