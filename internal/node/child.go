package node

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/snbench/snbench/topologies"
)

// Environment variables of node processes. A process topology starts its
// binary again with topologies.NodeEnv(mode, name) and, for its mode,
// these.
const (
	// EnvMode and EnvName are topologies.EnvNodeMode and EnvNodeName.
	EnvMode = topologies.EnvNodeMode
	EnvName = topologies.EnvNodeName
	// EnvToken is the token a tcp child demands of its coordinator: the
	// coordinator makes a fresh one per child, so that no other local
	// process can take the child's session.
	EnvToken = "SNBENCH_NODE_TOKEN"
	// EnvNATSURL and EnvNATSSubject tell a nats child where to wait for
	// its Hello; the credentials travel in natsconn's variables.
	EnvNATSURL     = "SNBENCH_NODE_NATS_URL"
	EnvNATSSubject = "SNBENCH_NODE_NATS_SUBJECT"
	// EnvHandshakeTimeout bounds a tcp child's handshake, from accepting
	// the connection to the Welcome (a Go duration; default 10s).
	EnvHandshakeTimeout = "SNBENCH_NODE_HANDSHAKE_TIMEOUT"
)

// The node modes of the built-in process topologies (topologies.NodeMode).
const (
	ModeStdio = "stdio" // serve one session on stdin/stdout (subprocess)
	ModeTCP   = "tcp"   // listen on loopback, print the address, serve one session
	ModeNATS  = "nats"  // connect to a NATS server, print ReadyLine, serve one session (natsnode)
)

// ReadyLine is the line a nats child prints on stdout once it waits for
// its Hello.
const ReadyLine = "snbench-node ready"

// ListenPrefix starts the line a tcp child prints on stdout with its
// address.
const ListenPrefix = "snbench-node listening "

// ServeStdio is the subprocess node mode: one session on the process's
// stdin and stdout. A child's only coordinator is the process that
// started it: its plan, not the node, bounds the work.
func ServeStdio(ctx context.Context, p topologies.NodeProcess) error {
	return Serve(ctx, stdio{p.Stdin, p.Stdout}, SessionConfig{Registry: p.Workloads, Name: p.Name, MaxTaskWork: -1})
}

// ServeOneTCP is the tcp node mode: it listens on a loopback port the OS
// picks, prints it on stdout (ListenPrefix), and serves the first
// connection that proves EnvToken, until stdin closes.
func ServeOneTCP(ctx context.Context, p topologies.NodeProcess) error {
	ctx = UntilStdinCloses(ctx, p.Stdin)
	hs, err := handshakeTimeout(p.Getenv(EnvHandshakeTimeout))
	if err != nil {
		return err
	}
	ln, err := listenLoopback(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return ServeOne(ctx, ln, p.Stdout, SessionConfig{Registry: p.Workloads, Name: p.Name, Token: []byte(p.Getenv(EnvToken)), MaxTaskWork: -1}, hs)
}

// ServeEchoStdio and ServeEchoTCP are the raw-baseline echo modes of the
// pipe and tcp transports (ModeEchoStdio, ModeEchoTCP).
func ServeEchoStdio(ctx context.Context, p topologies.NodeProcess) error {
	return serveEcho(ctx, ModeEchoStdio, p)
}

// ServeEchoTCP: see ServeEchoStdio.
func ServeEchoTCP(ctx context.Context, p topologies.NodeProcess) error {
	return serveEcho(UntilStdinCloses(ctx, p.Stdin), ModeEchoTCP, p)
}

// listenLoopback listens on a port of 127.0.0.1 that the OS picks, as a
// tcp child does. It asks for "tcp4" without MPTCP: net.Listen("tcp")
// first probes the host's IPv6 and MPTCP support with sockets of their own,
// once per process, which every node process would pay for at start-up; a
// loopback IPv4 address needs neither, and the connections a listener
// accepts from snbench (a plain TCP dialer) are plain TCP either way.
func listenLoopback(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	return lc.Listen(ctx, "tcp4", "127.0.0.1:0")
}

// UntilStdinCloses returns a context that ends when stdin does: the parent
// closes a child's stdin (or dies) when the session must end.
func UntilStdinCloses(ctx context.Context, stdin io.Reader) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()
	return ctx
}

// stdio joins a process's stdin and stdout into one stream.
type stdio struct {
	io.Reader
	io.Writer
}

// handshakeTimeout parses EnvHandshakeTimeout's value; empty gives the
// default of a standalone node's Server.
func handshakeTimeout(v string) (time.Duration, error) {
	if v == "" {
		return 10 * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration", EnvHandshakeTimeout, v)
	}
	return d, nil
}

// ServeOne announces ln's address on stdout (ListenPrefix and the
// address, one line) and serves the first connection it accepts, whose
// handshake must end within handshake; it closes ln once it has that
// connection, or when ctx ends. A node mode that listens (tcp, a Unix
// socket) serves its one session with it.
func ServeOne(ctx context.Context, ln net.Listener, stdout io.Writer, cfg SessionConfig, handshake time.Duration) error {
	if len(cfg.Token) == 0 {
		cfg.Token = nil
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if _, err := fmt.Fprintf(stdout, "%s%s\n", ListenPrefix, ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("announcing address: %w", err)
	}
	conn, err := ln.Accept()
	ln.Close()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("accept: %w", err)
	}
	defer conn.Close()
	context.AfterFunc(ctx, func() { conn.Close() })
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	// A peer that connects and says nothing (or too little) must not hold
	// the node: the handshake is bounded, and from the Welcome on the
	// coordinator paces the session.
	_ = conn.SetDeadline(time.Now().Add(handshake))
	handshaken := cfg.Handshaken
	cfg.Handshaken = func() {
		_ = conn.SetDeadline(time.Time{})
		if handshaken != nil {
			handshaken()
		}
	}
	err = Serve(ctx, conn, cfg)
	if ctx.Err() != nil {
		return nil // the parent ended the session
	}
	return err
}

// HandshakeTimeout is the handshake bound a listening child takes from
// its environment (EnvHandshakeTimeout; 10 s when unset).
func HandshakeTimeout(getenv func(string) string) (time.Duration, error) {
	return handshakeTimeout(getenv(EnvHandshakeTimeout))
}
