package node

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
)

// Echo modes of EnvMode: a child that copies its input back unchanged, the
// bare transport that raw baselines measure (no frames, no workload).
const (
	ModeEchoStdio = "echo-stdio" // copy stdin to stdout
	ModeEchoTCP   = "echo-tcp"   // listen on loopback, print the address, echo one connection
	// ModeEchoNATS: connect to the server at EnvNATSURL (credentials in
	// natsconn's variables), join the queue group of the subject
	// EnvNATSSubject, print ReadyLine, and answer every request with its
	// payload unchanged until stdin closes (natsnode.ServeEcho).
	ModeEchoNATS = "echo-nats"
)

// echoBuffer is the copy buffer of an echo child: the same size as a
// session's read and write buffers.
const echoBuffer = wire.ReadBufferSize

// serveEcho runs an echo child of the given mode until its input ends.
func serveEcho(ctx context.Context, mode string, p topologies.NodeProcess) error {
	if mode == ModeEchoStdio {
		_, err := io.CopyBuffer(p.Stdout, p.Stdin, make([]byte, echoBuffer))
		return err
	}
	ln, err := listenLoopback(ctx)
	if err != nil {
		return fmt.Errorf("echo: listen: %w", err)
	}
	return EchoOne(ctx, ln, p.Stdout)
}

// EchoOne announces ln's address on stdout (ListenPrefix and the address)
// and copies what the first connection it accepts sends back to it, until
// that connection or ctx ends: the raw-baseline echo of a transport that
// listens.
func EchoOne(ctx context.Context, ln net.Listener, stdout io.Writer) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if _, err := fmt.Fprintf(stdout, "%s%s\n", ListenPrefix, ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("echo: announcing address: %w", err)
	}
	conn, err := ln.Accept()
	ln.Close()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("echo: accept: %w", err)
	}
	defer conn.Close()
	context.AfterFunc(ctx, func() { conn.Close() })
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	_, err = io.CopyBuffer(conn, conn, make([]byte, echoBuffer))
	if ctx.Err() != nil {
		return nil
	}
	return err
}
