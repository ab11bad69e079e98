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
	// MaxConns bounds concurrent sessions; further connections are closed
	// at once with a log line. Zero means 64.
	MaxConns int
	// HandshakeTimeout bounds a session's handshake, from accepting the
	// connection to sending the Welcome. Zero means 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout ends a session, after its handshake, once a read has
	// waited this long for the coordinator's next bytes or a write for the
	// coordinator to take the node's: a half frame followed by silence, or
	// a coordinator that vanished without closing, cannot hold a session
	// and its buffers for ever. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// DefaultIdleTimeout is a Server's IdleTimeout when it sets none: long
// enough for any pause a coordinator makes between passes.
const DefaultIdleTimeout = 2 * time.Minute

// Serve accepts connections on ln until ctx is done, then closes ln, ends
// every session and returns nil. It returns the listener's error if
// accepting fails otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = 64
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxConns)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("node %s: accept: %w", s.Name, err)
		}
		select {
		case sem <- struct{}{}:
		default:
			s.logf("refused %s: %d sessions already open", conn.RemoteAddr(), maxConns)
			conn.Close()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s.session(ctx, conn)
		})
	}
}

func (s *Server) session(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	hs := s.HandshakeTimeout
	if hs <= 0 {
		hs = 10 * time.Second
	}
	_ = conn.SetDeadline(time.Now().Add(hs))
	peer := conn.RemoteAddr().String()
	started := false
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	ic := &idleConn{Conn: conn, idle: idle}
	cfg := SessionConfig{Registry: s.Registry, Name: s.Name, Token: s.Token,
		Handshaken: func() {
			// From the Welcome on, the coordinator paces the session,
			// within the idle timeout.
			_ = conn.SetDeadline(time.Time{})
			ic.on = true
			started = true
			s.logf("session from %s: started", peer)
		}}
	err := Serve(ctx, ic, cfg)
	switch {
	case err != nil && errors.Is(err, auth.ErrRefused):
		s.logf("connection from %s: refused: %v", peer, err)
	case !started && errors.Is(err, io.EOF):
		s.logf("connection from %s: closed before a hello (a reachability check?)", peer)
	case err != nil && ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) && started:
		s.logf("session from %s: closed: idle for %v (idle timeout): %v", peer, idle, err)
	case err != nil && ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded):
		s.logf("connection from %s: closed: no handshake within %v: %v", peer, hs, err)
	case err != nil && ctx.Err() == nil:
		s.logf("session from %s: closed: %v", peer, err)
	case started:
		s.logf("session from %s: ended", peer)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Printf(format, args...)
	}
}

// idleConn arms the idle timeout on every read and write once on is set:
// each waits at most idle. The session's goroutine is its only user. A
// deadline costs no syscall, and a read happens once per burst of frames
// (the session reads through a 64 KiB buffer), not once per frame.
type idleConn struct {
	net.Conn
	idle time.Duration
	on   bool
}

func (c *idleConn) Read(p []byte) (int, error) {
	if c.on {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	if c.on {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
	return c.Conn.Write(p)
}
