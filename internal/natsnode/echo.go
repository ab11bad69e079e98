package natsnode

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
)

// ServeEcho is the raw-baseline echo mode of the nats transport
// (node.ModeEchoNATS).
func ServeEcho(ctx context.Context, p topologies.NodeProcess) error {
	return serveEcho(node.UntilStdinCloses(ctx, p.Stdin), p)
}

// EchoQueue returns the queue group of the echo responders on subject.
func EchoQueue(subject string) string { return subject + ".echo" }

// serveEcho runs an echo-nats child until ctx ends or its connection
// closes.
func serveEcho(ctx context.Context, p topologies.NodeProcess) error {
	name := p.Name
	closed := make(chan struct{})
	a := natsconn.Auth{}.FromEnv(p.Getenv)
	nc, err := natsconn.Connect(p.Getenv(node.EnvNATSURL), "snbench echo "+name, a, 10*time.Second,
		nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	defer nc.Close()
	subject := p.Getenv(node.EnvNATSSubject)
	if subject == "" {
		return fmt.Errorf("echo: %s is not set", node.EnvNATSSubject)
	}
	// The callback's pending queue grows as needed: however many frames
	// the coordinator has in flight, none is dropped here.
	var respondErr error
	failed := make(chan struct{})
	_, err = nc.QueueSubscribe(subject, EchoQueue(subject), func(m *nats.Msg) {
		if err := m.Respond(m.Data); err != nil && respondErr == nil {
			respondErr = err
			close(failed)
		}
	})
	if err != nil {
		return fmt.Errorf("echo: subscribing to %s: %w", subject, err)
	}
	// Once the server has the subscription, requests reach this process.
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("echo: subscribing to %s: %w", subject, err)
	}
	if _, err := fmt.Fprintln(p.Stdout, node.ReadyLine); err != nil {
		return fmt.Errorf("echo: announcing readiness: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-failed:
		return fmt.Errorf("echo: answering a request: %w", respondErr)
	case <-closed:
		if ctx.Err() == nil {
			return fmt.Errorf("echo: the connection to NATS closed: %v", nc.LastError())
		}
	}
	// Answer what has arrived, then close.
	if err := nc.Drain(); err == nil {
		select {
		case <-closed:
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}
