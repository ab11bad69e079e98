package link

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// fakeLogs is a topologies.NodeLogs over a map, for an io.Writer that is
// also the coordinator's log.
type fakeLogs struct {
	bytes.Buffer
	mu   sync.Mutex
	kept map[string][]byte
	err  error
}

func (f *fakeLogs) KeepNodeLog(name string, log []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	f.kept[name] = append([]byte(nil), log...)
	return "out/nodes/" + name + ".log", nil
}

// TestStderrCapture: a node's stderr reaches the coordinator's log only
// for its first lines, escaped; the cause is the runtime's fatal line; the
// kept log is bounded with a marker; a log that cannot be kept says why.
func TestStderrCapture(t *testing.T) {
	crash := "runtime: program exceeds 1-thread limit\nfatal error: thread exhaustion\n\n" +
		strings.Repeat("goroutine 1 [running]:\n\truntime.throw()\n", 60)
	tests := []struct {
		name      string
		in        []string // writes, in order
		keepErr   error
		wantCause string
		wantDesc  string
		wantLog   func(log []byte) bool
	}{
		{"go crash", []string{crash}, nil,
			"fatal error: thread exhaustion (runtime: program exceeds 1-thread limit)", "; full log: out/nodes/n.log",
			func(log []byte) bool { return string(log) == crash }},
		{"panic split across writes", []string{"warming up\npan", "ic: boom\x1b]0;x\x07\n\ngoroutine 7:\n"}, nil,
			`panic: boom\x1b]0;x\a`, "; full log: out/nodes/n.log", nil},
		{"plain error, no newline", []string{"snbench node n: listen: address in use"}, nil,
			"snbench node n: listen: address in use", "; full log", nil},
		{"log cannot be kept", []string{"fatal: disk\n"}, errors.New("no space left on device"),
			"fatal: disk", "its log could not be kept: no space left on device", nil},
		{"huge stderr is bounded", []string{strings.Repeat("x", 3<<20) + "\nlast words\n"}, nil,
			"last words", "; full log", func(log []byte) bool {
				return len(log) < logHead+logTail+200 && bytes.Contains(log, []byte("bytes of this node's stderr left out here")) &&
					bytes.HasSuffix(log, []byte("last words\n"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &fakeLogs{kept: map[string][]byte{}, err: tt.keepErr}
			c := newStderrCapture("n", logs)
			for _, w := range tt.in {
				if n, err := c.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write: %d, %v", n, err)
				}
			}
			c.keep()
			if got := c.Cause(); got != tt.wantCause {
				t.Errorf("Cause = %q, want %q", got, tt.wantCause)
			}
			if d := c.describe(); !strings.Contains(d, tt.wantDesc) || strings.Count(d, "\n") != 0 {
				t.Errorf("describe = %q, want one line with %q", d, tt.wantDesc)
			}
			if tt.wantLog != nil && !tt.wantLog(logs.kept["n"]) {
				t.Errorf("kept log (%d bytes) is not what was written, bounded", len(logs.kept["n"]))
			}
			live := logs.String()
			if n := strings.Count(live, "\n"); n > liveLines+1 || strings.ContainsAny(live, "\x1b\x07") {
				t.Errorf("coordinator log: %d lines, or raw control characters:\n%q", n, live)
			}
		})
	}
}

// TestStderrCaptureSilent: a node that wrote nothing adds nothing to its
// exit description and keeps no log.
func TestStderrCaptureSilent(t *testing.T) {
	logs := &fakeLogs{kept: map[string][]byte{}}
	c := newStderrCapture("n", logs)
	c.keep()
	if d := c.describe(); d != "" || len(logs.kept) != 0 {
		t.Fatalf("describe %q, kept %d logs: want nothing", d, len(logs.kept))
	}
}
