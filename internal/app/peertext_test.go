package app

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/wire"
)

// answerNode is a TCP "node" that completes handshakes (with a host name
// full of control characters) and answers stats requests, then answers
// tasks with answer (once per session) and reads on until the coordinator
// hangs up.
func answerNode(t *testing.T, answer []byte) string {
	t.Helper()
	return fakenode.Listen(t, 8, func(conn net.Conn) {
		fakenode.Answer(conn, wire.Welcome{Node: "hostile", Host: "evil\x1b[2Jhost"}, answer, true)
	})
}

// TestPeerTextEscaped: a node whose Error reason retitles the terminal
// (ESC ] 0 ; pwned BEL) and runs to 8 MiB reaches stderr and results.json
// escaped and capped: no control character, a few KiB at most, and the
// original length stated. The node's host name carries ESC too, so any
// sink that printed it raw would fail the same check.
func TestPeerTextEscaped(t *testing.T) {
	reason := "\x1b]0;pwned\x07" + strings.Repeat("A", 8<<20)
	bad := answerNode(t, wire.AppendControl(nil, wire.TypeError, []byte(reason)))
	out := filepath.Join(t.TempDir(), "res")
	code, stdout, stderr := snbench(t, "run", "--nodes", bad, "--tasks", "400", "--repetitions", "1", "--warmup", "0",
		"-o", out, "--format", "csv", "--no-report")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%.2000s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sink := range []struct {
		name string
		text string
		want string
	}{
		{"stderr", stderr, `\x1b]0;pwned\a`},
		{"stdout", stdout, ""},
		{"results.json", string(data), `\\x1b]0;pwned\\a`},
	} {
		if strings.ContainsAny(sink.text, "\x1b\x07") {
			t.Errorf("%s holds a raw ESC or BEL", sink.name)
		}
		if len(sink.text) > 64<<10 {
			t.Errorf("%s is %d bytes: the 8 MiB reason was not capped", sink.name, len(sink.text))
		}
		if !strings.Contains(sink.text, sink.want) {
			t.Errorf("%s lacks the escaped reason %q:\n%.3000s", sink.name, sink.want, sink.text)
		}
	}
	if !strings.Contains(stderr, "(8388618 bytes)") {
		t.Errorf("stderr does not give the reason's length:\n%.3000s", stderr)
	}
}
