package node

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/topologies"
)

// ModeEchoNATS is the echo mode of EnvMode for NATS: connect to the server
// at EnvNATSURL (credentials in natsconn's variables), join the queue group
// of the subject EnvNATSSubject, print ReadyLine, and answer every request
// with its payload unchanged until stdin closes.
const ModeEchoNATS = "echo-nats"

// EchoNATSQueue returns the queue group of the echo responders on subject.
func EchoNATSQueue(subject string) string { return subject + ".echo" }

// serveEchoNATS runs an echo-nats child until ctx ends or its connection
// closes.
func serveEchoNATS(ctx context.Context, p topologies.NodeProcess) error {
	name := p.Name
	closed := make(chan struct{})
	a := natsconn.Auth{}.FromEnv(p.Getenv)
	nc, err := natsconn.Connect(p.Getenv(EnvNATSURL), "snbench echo "+name, a, 10*time.Second,
		nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	defer nc.Close()
	subject := p.Getenv(EnvNATSSubject)
	if subject == "" {
		return fmt.Errorf("echo: %s is not set", EnvNATSSubject)
	}
	// The callback's pending queue grows as needed: however many frames
	// the coordinator has in flight, none is dropped here.
	var respondErr error
	failed := make(chan struct{})
	_, err = nc.QueueSubscribe(subject, EchoNATSQueue(subject), func(m *nats.Msg) {
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
	if _, err := fmt.Fprintln(p.Stdout, ReadyLine); err != nil {
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
