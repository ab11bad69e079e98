package node

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/workloads"
)

// Environment variables that turn a re-executed binary into a node.
const (
	// EnvMode is "stdio" (serve one session on stdin/stdout), "tcp"
	// (listen on a loopback port, print it, serve one session) or "nats"
	// (connect to a NATS server, print ReadyLine, serve one session).
	EnvMode = "SNBENCH_NODE"
	// EnvName is the node's name, for its log lines.
	EnvName = "SNBENCH_NODE_NAME"
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

// ReadyLine is the line a nats child prints on stdout once it waits for
// its Hello.
const ReadyLine = "snbench-node ready"

// ListenPrefix starts the line a tcp child prints on stdout with its
// address.
const ListenPrefix = "snbench-node listening "

// RunIfChild serves as a node when the process was started as one (EnvMode
// is set) and reports ok = true with the exit code the caller should exit
// with. Otherwise it returns ok = false at once. Call it first thing in
// main, and in TestMain of any package whose tests start process nodes:
//
//	if code, ok := node.RunIfChild(workloads.DefaultRegistry()); ok {
//		os.Exit(code)
//	}
func RunIfChild(reg *workloads.Registry) (code int, ok bool) {
	mode := os.Getenv(EnvMode)
	if mode == "" {
		return 0, false
	}
	name := os.Getenv(EnvName)
	// The parent closes our stdin (or dies) when the session must end.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	switch mode {
	case "stdio":
		// A child's only coordinator is the process that started it: its
		// plan, not the node, bounds the work.
		err = Serve(ctx, stdio{}, SessionConfig{Registry: reg, Name: name, MaxTaskWork: -1})
	case "tcp", "nats":
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		if mode == "tcp" {
			var hs time.Duration
			if hs, err = handshakeTimeout(os.Getenv(EnvHandshakeTimeout)); err == nil {
				err = serveOneTCP(ctx, SessionConfig{Registry: reg, Name: name, Token: []byte(os.Getenv(EnvToken)), MaxTaskWork: -1}, hs)
			}
		} else {
			err = serveOneNATS(ctx, reg, name)
		}
	case ModeEchoStdio:
		err = serveEcho(ctx, mode)
	case ModeEchoTCP:
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		err = serveEcho(ctx, mode)
	case ModeEchoNATS:
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		err = serveEchoNATS(ctx, name)
	default:
		err = fmt.Errorf("unknown %s=%q (want stdio, tcp or nats)", EnvMode, mode)
	}
	if err != nil {
		if name == "" {
			name = fmt.Sprintf("(pid %d)", os.Getpid())
		}
		fmt.Fprintf(os.Stderr, "snbench node %s: %v\n", name, err)
		return 1, true
	}
	return 0, true
}

type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }

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

// serveOneTCP listens on a loopback port the OS picks, prints it, and serves
// the first connection, whose handshake must end within handshake.
func serveOneTCP(ctx context.Context, cfg SessionConfig, handshake time.Duration) error {
	if len(cfg.Token) == 0 {
		cfg.Token = nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if _, err := fmt.Fprintf(os.Stdout, "%s%s\n", ListenPrefix, ln.Addr()); err != nil {
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

// serveOneNATS connects to the coordinator's NATS server, announces
// ReadyLine and serves one session.
func serveOneNATS(ctx context.Context, reg *workloads.Registry, name string) error {
	a := natsconn.Auth{}.FromEnv(os.Getenv)
	// A server restart loses the messages in flight: the coordinator's
	// links send theirs again (under redispatch) once both ends are back.
	nc, err := natsconn.Connect(os.Getenv(EnvNATSURL), "snbench node "+name, a, 10*time.Second,
		natsconn.Reconnect(30*time.Second)...)
	if err != nil {
		return err
	}
	defer nc.Close()
	n := &NATSNode{Registry: reg, Name: name, Subject: os.Getenv(EnvNATSSubject), Sessions: 1, MaxTaskWork: -1}
	var announce error
	n.Ready = func() {
		if _, err := fmt.Fprintln(os.Stdout, ReadyLine); err != nil && announce == nil {
			announce = fmt.Errorf("announcing readiness: %w", err)
		}
	}
	if err := n.Serve(ctx, nc); err != nil {
		return err
	}
	return announce
}
