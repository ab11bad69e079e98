package node

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/snbench/snbench/workloads"
)

// Environment variables that turn a re-executed binary into a node.
const (
	// EnvMode is "stdio" (serve one session on stdin/stdout) or "tcp"
	// (listen on a loopback port, print it, serve one session).
	EnvMode = "SNBENCH_NODE"
	// EnvName is the node's name, for its log lines.
	EnvName = "SNBENCH_NODE_NAME"
)

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
		err = Serve(ctx, stdio{}, reg, name)
	case "tcp":
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		err = serveOneTCP(ctx, reg, name)
	default:
		err = fmt.Errorf("unknown %s=%q (want stdio or tcp)", EnvMode, mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "snbench node %s: %v\n", name, err)
		return 1, true
	}
	return 0, true
}

type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }

// serveOneTCP listens on a loopback port the OS picks, prints it, and serves
// the first connection.
func serveOneTCP(ctx context.Context, reg *workloads.Registry, name string) error {
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
	err = Serve(ctx, conn, reg, name)
	if ctx.Err() != nil {
		return nil // the parent ended the session
	}
	return err
}
