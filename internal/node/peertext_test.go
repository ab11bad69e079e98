package node_test

import (
	"log"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// checkLogLines fails unless added is one line that starts with prefix,
// is free of control characters, and is at most max bytes: a peer's text
// can neither forge a line nor swamp the log.
func checkLogLines(t *testing.T, added, prefix string, max int) {
	t.Helper()
	if len(added) > max {
		t.Errorf("the log grew by %d bytes, want at most %d", len(added), max)
	}
	if !utf8.ValidString(added) {
		t.Errorf("the log holds invalid UTF-8: %q", added)
	}
	lines := strings.Split(strings.TrimSuffix(added, "\n"), "\n")
	if len(lines) != 1 {
		t.Errorf("the log grew by %d lines, want 1: %q", len(lines), added)
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, prefix) {
			t.Errorf("forged or foreign log line: %q", line)
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
			t.Errorf("log line holds a control character: %q", line)
		}
	}
}

// TestServerEscapesPeerText has peers put hostile text where a node logs
// it: an Error frame answering the challenge, one ending a session, and a
// Hello naming a workload with escapes and newlines in its name. Each
// reaches the log as one line of its own, control characters escaped and
// the text capped, and a reason of 4 MiB is refused from its header.
func TestServerEscapesPeerText(t *testing.T) {
	forged := "x\nsnbench node n: session from 10.0.0.1:7000: started\x1b[2J\r\u202e"
	long := forged + strings.Repeat("A", 3000)
	helloNamed := func(name string) []byte {
		spec := workloads.DefaultSpec()
		spec.Name = name
		b, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "tcp-1", Workload: spec})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	huge := rawHeader(wire.Version, wire.TypeError, 0, 0, 4<<20)
	tests := []struct {
		name    string
		token   bool
		proof   []byte // sent after the Challenge, if set
		hello   []byte // instead of the usual Hello, if set
		session []byte // sent after a completed handshake, if set
		want    string // in the log
	}{
		{name: "error frame answering the challenge", token: true,
			proof: wire.AppendControl(nil, wire.TypeError, []byte(long)), want: `the coordinator gave up: x\nsnbench node n: session`},
		{name: "4 MiB error frame answering the challenge", token: true,
			proof: append(huge, make([]byte, 64<<10)...), want: "exceeds the size limit"},
		{name: "error frame ending a session",
			session: wire.AppendControl(nil, wire.TypeError, []byte(long)), want: `the coordinator ended the session: x\nsnbench node n: session`},
		{name: "workload name with escapes",
			hello: helloNamed(forged), want: `unknown workload`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			srv := &node.Server{Registry: workloads.DefaultRegistry(), Name: "n", Log: log.New(logs, "snbench node n: ", 0),
				HandshakeTimeout: 5 * time.Second}
			if tt.token {
				srv.Token = nodeToken
			}
			addr := startServer(t, srv)
			var conn net.Conn
			if tt.session != nil {
				conn = handshaken(t, addr)
				waitFor(t, logs, "started", time.Second)
			} else {
				var err error
				if conn, err = net.Dial("tcp", addr); err != nil {
					t.Fatal(err)
				}
			}
			defer conn.Close()
			before := logs.String()
			hello := tt.hello
			if hello == nil {
				hello = helloFrame(t, auth.NewNonce())
			}
			send := tt.session
			if tt.session == nil {
				send = hello
			}
			if _, err := conn.Write(send); err != nil {
				t.Fatal(err)
			}
			if tt.proof != nil {
				_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				if h, _, err := wire.NewReader(conn, 0).Next(); err != nil || h.Type != wire.TypeChallenge {
					t.Fatalf("want a challenge, got %v %v", h.Type, err)
				}
				_, _ = conn.Write(tt.proof)
			}
			closedWithin(t, conn, 5*time.Second)
			waitFor(t, logs, tt.want, 2*time.Second)
			added := strings.TrimPrefix(logs.String(), before)
			t.Logf("log: %s", added)
			checkLogLines(t, added, "snbench node n: ", 600)
		})
	}
}
