package natsnode_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// TestNATSNodeCapsWorkAndEscapesNames sends a NATS node a Hello whose task
// asks for an hour of CPU time, which it refuses with the reason and stays
// free, then one whose node name holds a newline and a terminal escape,
// which it serves and logs on one line, escaped.
func TestNATSNodeCapsWorkAndEscapesNames(t *testing.T) {
	client, logs, done := natsNode(t, 5*time.Second)
	greedy := workloads.DefaultSpec()
	greedy.CPU = workloads.Duration(time.Hour)
	hs := request(t, client, natsnode.HelloSubject("t"), natsHello(t, greedy))
	if hs.Type != wire.TypeError || !strings.Contains(hs.Reason, "too much work per task") {
		t.Fatalf("hello asking an hour per task: got %v %q, want an Error frame about too much work", hs.Type, hs.Reason)
	}
	waitFor(t, logs, "refused a hello", time.Second)

	b, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "nats-1\nforged line\x1b[2J", Workload: workloads.DefaultSpec(),
		Subject: "t.s.tasks", InFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	welcome := request(t, client, natsnode.HelloSubject("t"), b)
	if welcome.Type != wire.TypeWelcome {
		t.Fatalf("hello with an odd name: got %v %q, want a welcome", welcome.Type, welcome.Reason)
	}
	waitFor(t, logs, `coordinator calls this node nats-1\nforged line\x1b[2J)`, time.Second)
	if hs := request(t, client, welcome.Welcome.Control, wire.AppendControl(nil, wire.TypeBye, nil)); hs.Type != wire.TypeBye {
		t.Fatalf("bye: got %v", hs.Type)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(logs.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "forged") || strings.ContainsFunc(line, unprintable) {
			t.Errorf("log line %q is forged or holds a control character", line)
		}
	}
}

// waitFor polls log l until it holds want, for up to d.
func waitFor(t *testing.T, l *syncbuf.Buffer, want string, d time.Duration) {
	t.Helper()
	if !l.WaitFor(want, d) {
		t.Fatalf("log lacks %q after %v:\n%s", want, d, l)
	}
}

// unprintable reports a rune that could break or forge a log line.
func unprintable(r rune) bool {
	return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError || r == '\u2028' || r == '\u2029'
}
