package node_test

import (
	"context"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/wire"
	"github.com/snbench/snbench/workloads"
)

// natsNode runs a NATSNode for one session on an embedded server and
// returns a client connection, the node's log, and a channel with Serve's
// result.
func natsNode(t *testing.T, idle time.Duration) (*nats.Conn, *logBuffer, <-chan error) {
	t.Helper()
	srv, err := natsconn.StartServer("127.0.0.1:0", "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nodeConn, err := natsconn.Connect(srv.URL(), "node", natsconn.Auth{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	client, err := natsconn.Connect(srv.URL(), "client", natsconn.Auth{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	ready := make(chan struct{}, 4)
	n := &node.NATSNode{Registry: workloads.DefaultRegistry(), Name: "n1", Subject: "t", Log: log.New(logs, "", 0),
		IdleTimeout: idle, Sessions: 1, Ready: func() { ready <- struct{}{} }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.Serve(ctx, nodeConn)
		nodeConn.Close()
	}()
	t.Cleanup(func() {
		cancel()
		client.Close()
	})
	<-ready
	return client, logs, done
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func request(t *testing.T, nc *nats.Conn, subject string, frame []byte) wire.Handshake {
	t.Helper()
	m, err := nc.Request(subject, frame, 5*time.Second)
	if err != nil {
		t.Fatalf("request on %s: %v", subject, err)
	}
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err != nil {
		t.Fatal(err)
	}
	if h.Type == wire.TypeStats || h.Type == wire.TypeBye || h.Type == wire.TypeResults {
		return wire.Handshake{Type: h.Type}
	}
	hs, err := wire.DecodeHandshake(h, m.Data[wire.HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func natsHello(t *testing.T, spec workloads.Spec) []byte {
	b, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "nats-1", Workload: spec, Subject: "t.s.tasks", InFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNATSNodeSession(t *testing.T) {
	client, logs, done := natsNode(t, time.Minute)
	// Refused hellos leave the node waiting.
	if hs := request(t, client, "t.hello", []byte("garbage")); hs.Type != wire.TypeError || !strings.Contains(hs.Reason, "node n1") {
		t.Fatalf("garbage hello: %+v", hs)
	}
	if hs := request(t, client, "t.hello", natsHello(t, workloads.Spec{Name: "tripling", Payload: 1})); hs.Type != wire.TypeError ||
		!strings.Contains(hs.Reason, "tripling") {
		t.Fatalf("unknown workload: %+v", hs)
	}
	hs := request(t, client, "t.hello", natsHello(t, workloads.DefaultSpec()))
	if hs.Type != wire.TypeWelcome || hs.Welcome.Control == "" || hs.Welcome.Node != "n1" {
		t.Fatalf("welcome: %+v", hs)
	}
	// A second hello finds no free node.
	if _, err := client.Request("t.hello", natsHello(t, workloads.DefaultSpec()), time.Second); err != nats.ErrNoResponders {
		t.Fatalf("hello to a busy node: %v, want no responders", err)
	}
	tasks := wire.AppendTasks(nil, &workloads.Batch{Tag: 5, K: 1, IDs: []uint64{1, 2}, Values: []int64{10, -3}})
	m, err := client.Request("t.s.tasks", tasks, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var r workloads.Result
	h, _ := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err := wire.DecodeResults(h, m.Data[wire.HeaderSize:], &r); err != nil || r.Tag != 5 || r.Values[0] != 20 || r.Values[1] != -6 {
		t.Fatalf("results %+v, %v", r, err)
	}
	if hs := request(t, client, hs.Welcome.Control, wire.AppendControl(nil, wire.TypeStatsRequest, nil)); hs.Type != wire.TypeStats {
		t.Fatalf("stats: %+v", hs)
	}
	if hs := request(t, client, hs.Welcome.Control, wire.AppendControl(nil, wire.TypeBye, nil)); hs.Type != wire.TypeBye {
		t.Fatalf("bye: %+v", hs)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node did not end after its one session")
	}
	if !strings.Contains(logs.String(), "ended (2 tasks)") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestNATSNodeIdleTimeout(t *testing.T) {
	client, logs, done := natsNode(t, 200*time.Millisecond)
	if hs := request(t, client, "t.hello", natsHello(t, workloads.DefaultSpec())); hs.Type != wire.TypeWelcome {
		t.Fatalf("welcome: %+v", hs)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("idle session did not end")
	}
	if !strings.Contains(logs.String(), "nothing from the coordinator for") {
		t.Errorf("log:\n%s", logs)
	}
}
