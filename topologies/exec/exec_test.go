package exec

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// selfWorker is a worker command that is this test binary serving as
// snbench's own stdio node: a correct foreign worker, as far as exec
// knows.
func selfWorker(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return "env " + topologies.EnvNodeMode + "=" + node.ModeStdio + " '" + exe + "'"
}

// TestConformance drives clusters of a worker command the way the runner
// does, unlabelled and as a labelled row.
func TestConformance(t *testing.T) {
	t.Run("one", func(t *testing.T) {
		topotest.ConformanceOptions(t, New(), topologies.Options{OptExec: selfWorker(t)})
	})
	t.Run("row", func(t *testing.T) {
		topotest.ConformanceOptions(t, New(), topologies.Options{OptExec: "a=true\nb=" + selfWorker(t)}, "b")
	})
}

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// TestCommands: how --exec values parse into rows, and the bad ones, each
// with its own message.
func TestCommands(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		rows     []string
		argv0    []string
		err      string
	}{
		{"one unlabelled", "python3 worker.py", nil, []string{"python3"}, ""},
		{"one labelled", "py=python3 worker.py", []string{"py"}, []string{"python3"}, ""},
		{"two", "py=python3 w.py\nc=./worker --fast", []string{"py", "c"}, []string{"python3", "./worker"}, ""},
		{"quotes", `py='python3' "my worker.py"`, []string{"py"}, []string{"python3"}, ""},
		{"empty", "", nil, nil, "an empty command"},
		{"empty among others", "py=true\n\nc=true", nil, nil, "an empty command"},
		{"a YAML block's newlines", "\npy=true\nc=true\n", []string{"py", "c"}, []string{"true", "true"}, ""},
		{"label only", "py=", nil, nil, "py=: an empty command"},
		{"twice", "py=true\npy=false", nil, nil, "the label py is given twice"},
		{"unlabelled among several", "py=true\nfalse", nil, nil, "give each a label"},
		{"unterminated quote", `py="x`, nil, nil, "without closing quote"},
		{"long label", strings.Repeat("a", 33) + "=true", nil, nil, "want 1 to 32"},
		{"command substitution", "py=./w $(id)", nil, nil, "unexpected command substitution"},
		{"process substitution in", "py=./w <(id)", nil, nil, "process substitution"},
		{"process substitution out", ">()", nil, nil, "process substitution"},
		{"a redirection", "py=./w > f", nil, nil, "not a valid word"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := topologies.Options{OptExec: tc.in}
			cmds, err := commands(o)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one with %q", err, tc.err)
				}
				if rows := New().Rows(o); rows != nil {
					t.Errorf("Rows = %v for bad options, want none", rows)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cmds {
				if c.argv[0] != tc.argv0[i] {
					t.Errorf("command %d: argv %q, want it to start %q", i, c.argv, tc.argv0[i])
				}
			}
			if got := New().Rows(o); strings.Join(got, ",") != strings.Join(tc.rows, ",") {
				t.Errorf("Rows = %v, want %v", got, tc.rows)
			}
		})
	}
	if _, err := commands(topologies.Options{OptExec: `py=a "b c"`}); err != nil {
		t.Fatal(err)
	}
	if c, _ := commands(topologies.Options{OptExec: `py=a "b c" d\ e`}); len(c) != 1 || strings.Join(c[0].argv, "|") != "a|b c|d e" {
		t.Errorf("words: %q, want a, 'b c', 'd e'", c[0].argv)
	}
}

// TestCheckOptions: a plan that runs exec needs a command that can be
// found.
func TestCheckOptions(t *testing.T) {
	for _, tc := range []struct {
		o   topologies.Options
		err string
	}{
		{nil, "give the worker's command"},
		{topologies.Options{OptExec: "py=no-such-program-here"}, `no-such-program-here: executable file not found`},
		{topologies.Options{OptExec: "true"}, ""},
	} {
		err := New().CheckOptions(tc.o, 1)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("CheckOptions(%v) = %v, want %q", tc.o, err, tc.err)
		}
	}
}

// TestWorkerFailsToServe: a worker that exits, writes what is not a frame,
// or says nothing fails the start in bounded time, with an error naming
// the node and quoting its stderr's first lines and its last.
func TestWorkerFailsToServe(t *testing.T) {
	for _, tc := range []struct {
		name, cmd string
		want      []string
	}{
		{"exits", `sh -c 'echo "worker: cannot open config" >&2; echo line2 >&2; echo line3 >&2; echo line4 >&2; echo "the end" >&2; exit 3'`,
			[]string{"node exec-1 (pid ", "exit status 3", "worker: cannot open config | line2 | line3 ... the end"}},
		{"garbage", `sh -c 'echo "starting" >&2; echo "hello, I am a web server"; sleep 10'`,
			[]string{"node exec-1 (pid ", "its stderr: starting"}},
		{"silent", `sh -c 'echo "waiting for nothing" >&2; sleep 10'`,
			[]string{"node exec-1 (pid ", "its stderr: waiting for nothing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			c, err := New().Start(context.Background(), topologies.Config{Workers: 1, Workload: workloads.DefaultSpec(),
				Window: 1, Batch: 1, Options: topologies.Options{OptExec: tc.cmd}, StartTimeout: time.Second})
			if err == nil {
				c.Close()
				t.Fatal("a broken worker started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "ServeIfNode") {
				t.Errorf("err = %v: a foreign worker is not told to call ServeIfNode", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v, want about the 1s start bound", took)
			}
		})
	}
}
