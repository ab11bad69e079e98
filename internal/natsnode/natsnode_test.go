package natsnode_test

import (
	"context"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// natsNode runs a Node for one session on an embedded server and
// returns a client connection, the node's log, and a channel with Serve's
// result.
func natsNode(t *testing.T, idle time.Duration) (*nats.Conn, *syncbuf.Buffer, <-chan error) {
	t.Helper()
	srv, err := natsserver.Start("127.0.0.1:0", "", 5*time.Second)
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
	logs := &syncbuf.Buffer{}
	ready := make(chan struct{}, 4)
	n := &natsnode.Node{Registry: workloads.DefaultRegistry(), Name: "n1", Subject: "t", Log: log.New(logs, "", 0),
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

// TestNATSNodeOutOfBand checks the ping subject a Welcome names: it
// answers stats requests, moves the session's tasks to a subject under
// the session's, refuses anything else with an error naming the node, and
// after a move the node serves tasks on the new subject only.
func TestNATSNodeOutOfBand(t *testing.T) {
	client, logs, _ := natsNode(t, time.Minute)
	hs := request(t, client, "t.hello", natsHello(t, workloads.DefaultSpec()))
	ping := hs.Welcome.Ping
	if hs.Type != wire.TypeWelcome || ping == "" || ping == hs.Welcome.Control {
		t.Fatalf("welcome %+v: want a ping subject of its own", hs)
	}
	move := func(subject string) []byte {
		b, err := wire.AppendJSON(nil, wire.TypeMove, wire.Move{Subject: subject})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		want  wire.Type
		err   string // in the Error frame's reason
	}{
		{"stats", wire.AppendControl(nil, wire.TypeStatsRequest, nil), wire.TypeStats, ""},
		{"garbage", []byte("garbage"), wire.TypeError, "node n1: malformed frame"},
		{"bye is for the control subject", wire.AppendControl(nil, wire.TypeBye, nil), wire.TypeError, "unexpected bye frame on the ping subject"},
		{"move outside the session", move("other.tasks"), wire.TypeError, `cannot move tasks to "other.tasks"`},
		{"move to a wildcard", move("t.s.tasks.m1.>"), wire.TypeError, "not a plain NATS subject"},
		{"move body not JSON", wire.AppendControl(nil, wire.TypeMove, []byte("{")), wire.TypeError, "move body"},
		{"move", move(natsnode.MoveSubject("t.s.tasks", 1)), wire.TypeMove, ""},
		{"move again to the same subject", move(natsnode.MoveSubject("t.s.tasks", 1)), wire.TypeMove, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := client.Request(ping, tc.frame, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
			if err != nil || h.Type != tc.want {
				t.Fatalf("answer %v, %v: want a %s frame", h.Type, err, tc.want)
			}
			if tc.err != "" && !strings.Contains(string(m.Data[wire.HeaderSize:]), tc.err) {
				t.Fatalf("reason %q lacks %q", m.Data[wire.HeaderSize:], tc.err)
			}
		})
	}
	tasks := wire.AppendTasks(nil, &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1}, Values: []int64{21}})
	if _, err := client.Request("t.s.tasks", tasks, time.Second); err != nats.ErrNoResponders {
		t.Fatalf("tasks on the old subject: %v, want no responders", err)
	}
	m, err := client.Request(natsnode.MoveSubject("t.s.tasks", 1), tasks, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var r workloads.Result
	h, _ := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err := wire.DecodeResults(h, m.Data[wire.HeaderSize:], &r); err != nil || r.Values[0] != 42 {
		t.Fatalf("results on the new subject %+v, %v", r, err)
	}
	if !strings.Contains(logs.String(), "moved its tasks to t.s.tasks.m1") {
		t.Errorf("log lacks the move:\n%s", logs)
	}
}
