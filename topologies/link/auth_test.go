package link_test

import (
	"context"
	"errors"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// serveNode runs a node.Server with token on a loopback port until the
// test ends and returns its address and log.
func serveNode(t *testing.T, token []byte) (string, *syncbuf.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	srv := &node.Server{Registry: workloads.DefaultRegistry(), Name: "n1", Token: token, Log: log.New(logs, "", 0),
		HandshakeTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node: %v", err)
		}
	})
	return ln.Addr().String(), logs
}

// open dials addr and opens a link with token.
func open(t *testing.T, addr string, token []byte) (*link.Stream, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := link.Open(context.Background(), conn.(*net.TCPConn), topologies.NodeInfo{Name: "tcp-9", Addr: addr},
		workloads.DefaultSpec(), link.OpenOptions{Timeout: 5 * time.Second, Token: token})
	if err != nil {
		conn.Close()
	}
	return s, err
}

func TestTokenHandshake(t *testing.T) {
	tok, other := []byte("the-shared-token-0123"), []byte("another-token-0123456")
	tests := []struct {
		name        string
		node, coord []byte
		wantErr     []string // empty: the session opens
		wantRefused bool     // the coordinator detected it: errors.Is auth.ErrRefused
		wantLog     string
	}{
		{"no tokens", nil, nil, nil, false, "ended"},
		{"same token", tok, tok, nil, false, "ended"},
		{"coordinator without the node's token", tok, nil,
			[]string{"node tcp-9 (127.0.0.1:", "the node refused the session", "the coordinator has no token", "SNBENCH_TOKEN"}, false,
			"refused: handshake: authentication failed: the coordinator has no token"},
		{"wrong token", tok, other,
			[]string{"node tcp-9 (127.0.0.1:", "the node refused the session", "does not match this node's token (wrong token)"}, false,
			"refused: handshake: authentication failed: the coordinator's proof does not match this node's token"},
		{"node without the coordinator's token", nil, tok,
			[]string{"node tcp-9 (127.0.0.1:", "did not ask for the token"}, true,
			"closed: the coordinator ended the session: the node did not prove the token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, logs := serveNode(t, tt.node)
			s, err := open(t, addr, tt.coord)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				exchange(t, s)
				s.Close()
			} else {
				if err == nil {
					s.Close()
					t.Fatal("the session opened")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if errors.Is(err, auth.ErrRefused) != tt.wantRefused {
					t.Errorf("errors.Is(err, auth.ErrRefused) = %v, want %v", !tt.wantRefused, tt.wantRefused)
				}
			}
			waitFor(t, func() bool { return strings.Contains(logs.String(), tt.wantLog) },
				func() string { return "node log lacks " + tt.wantLog + ":\n" + logs.String() })
		})
	}
}

// exchange sends one batch and checks its answer.
func exchange(t *testing.T, s *link.Stream) {
	t.Helper()
	b := &workloads.Batch{Tag: 7, K: 1, IDs: []uint64{1, 2}, Values: []int64{3, 4}}
	if err := s.Send(b); err != nil {
		t.Fatal(err)
	}
	var r workloads.Result
	if err := s.Recv(&r); err != nil || r.Tag != 7 || r.Values[0] != 6 || r.Values[1] != 8 {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func waitFor(t *testing.T, ok func() bool, msg func() string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
	}
}

// TestImpostorNode plays a node that challenges the coordinator but does
// not know the token: the coordinator must refuse its Welcome.
func TestImpostorNode(t *testing.T) {
	addr := fakeNode(t, func(c net.Conn, r *wire.Reader) {
		_, _, _ = r.Next() // hello
		_, _ = c.Write(wire.AppendControl(nil, wire.TypeChallenge, auth.NewNonce()))
		_, _, _ = r.Next() // the coordinator's proof, which does not help
		w, _ := wire.AppendJSON(nil, wire.TypeWelcome, wire.Welcome{Node: "evil", Proof: auth.NewNonce()})
		_, _ = c.Write(w)
		_, _, _ = r.Next() // the coordinator's error
	})
	s, err := open(t, addr, []byte("the-shared-token-0123"))
	if err == nil {
		s.Close()
		t.Fatal("the coordinator accepted an impostor")
	}
	if !errors.Is(err, auth.ErrRefused) || !strings.Contains(err.Error(), "node tcp-9") || !strings.Contains(err.Error(), "node's proof does not match") {
		t.Fatalf("error %q", err)
	}
}

// TestHugeWelcome plays a node that announces a 32 MiB Welcome: the
// coordinator refuses it from its header, before reading or allocating
// it, since frames before the Welcome are bounded to a handshake's size.
func TestHugeWelcome(t *testing.T) {
	addr := fakeNode(t, func(c net.Conn, r *wire.Reader) {
		_, _, _ = r.Next() // hello
		h := make([]byte, wire.HeaderSize)
		wire.Header{Version: wire.Version, Type: wire.TypeWelcome, Length: 32 << 20}.Put(h)
		_, _ = c.Write(h)
		_, _, _ = r.Next() // the coordinator hangs up
	})
	s, err := open(t, addr, nil)
	if err == nil {
		s.Close()
		t.Fatal("the coordinator accepted a 32 MiB Welcome")
	}
	if !strings.Contains(err.Error(), "node tcp-9") || !strings.Contains(err.Error(), "size limit") {
		t.Fatalf("error %q: want the node named and the size limit", err)
	}
}

// fakeNode serves one connection on a loopback port with script, which
// plays the node's side of the handshake; Cleanup waits for it.
func fakeNode(t *testing.T, script func(c net.Conn, r *wire.Reader)) string {
	t.Helper()
	return fakenode.Listen(t, 1, func(c net.Conn) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		script(c, wire.NewReader(c, 0))
	})
}
