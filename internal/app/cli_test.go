package app

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/node"
)

// snbench runs the CLI in-process and returns its exit code and output.
func snbench(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = report(err, &errb)
	return code, out.String(), errb.String()
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badPlan := write("bad.yaml", "workers: [1, 2\n")
	unknownField := write("typo.yaml", "wokers: [1]\n")
	zeroPlan := write("zero.json", `{"workers": [0]}`)
	windowPlan := write("window.yaml", "window: [auto, fast]\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown topology", []string{"run", "--topology", "pigeon"}, `unknown topology "pigeon"`},
		{"unknown workload", []string{"run", "--workload", "tripling"}, `unknown workload "tripling"`},
		{"zero workers", []string{"run", "--workers", "0"}, `"0": must be at least 1`},
		{"negative tasks", []string{"run", "--tasks", "-5"}, `"-5": must be at least 1`},
		{"negative batch", []string{"run", "--batch=-1"}, "must be at least 1"},
		{"zero window", []string{"run", "--window", "0"}, "must be at least 1"},
		{"auto and zero window", []string{"run", "--window", "auto,0"}, `invalid argument "auto,0" for "--window" flag: "0": must be at least 1 (or auto)`},
		{"garbage window", []string{"run", "--window", "fast"}, `"fast" is not a whole number (or auto)`},
		{"auto window in open loop", []string{"run", "--window", "auto", "--rate", "10k"}, "plan: window: auto chooses a closed-loop window; an open-loop run needs an explicit one"},
		{"plan file window garbage", []string{"run", "--plan", windowPlan}, `window: "fast": want a whole number of batches or auto`},
		{"zero repetitions", []string{"run", "--repetitions", "0"}, "repetitions: 0 out of range"},
		{"negative wait", []string{"run", "--wait", "-1ms"}, "cpu and wait must not be negative"},
		{"bad scale", []string{"run", "--workers", "1..x"}, "not a whole number"},
		{"unknown dispatch", []string{"run", "--dispatch", "random"}, `unknown policy "random"`},
		{"missing plan file", []string{"run", "--plan", filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"invalid plan file", []string{"run", "--plan", badPlan}, "bad.yaml"},
		{"plan file typo", []string{"run", "--plan", unknownField}, `unknown field "wokers"`},
		{"plan file zero", []string{"run", "--plan", zeroPlan}, "workers: 0 out of range"},
		{"unreachable node", []string{"run", "--nodes", "127.0.0.1:1"}, "node 1 (127.0.0.1:1) cannot be reached"},
		{"nodes with other topology", []string{"run", "--topology", "goroutine", "--nodes", "127.0.0.1:1"}, "--nodes is an option of the tcp topology, which the plan does not run"},
		{"bad format", []string{"run", "--format", "xml"}, `--format: unknown "xml"`},
		{"unknown flag", []string{"run", "--wrokers", "2"}, "unknown flag: --wrokers"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"stray argument", []string{"run", "now"}, "unknown command"},
		{"node on a public address without a token", []string{"node", "--listen", "0.0.0.0:7070"}, "needs a token"},
		{"node bad address", []string{"node", "--listen", "nowhere"}, "--listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := snbench(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 || !strings.HasPrefix(stderr, "snbench: ") {
				t.Fatalf("want one 'snbench: ...' line, got %q", stderr)
			}
		})
	}
}

func TestRunWritesResultsAndTable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "res")
	code, stdout, stderr := snbench(t, "run", "--workers", "1,2", "--tasks", "3000", "--repetitions", "2",
		"--warmup", "100", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, topo := range []string{"goroutine", "subprocess", "tcp"} {
		if strings.Count(stdout, topo) < 2 {
			t.Errorf("table lacks rows for %s:\n%s", topo, stdout)
		}
	}
	if !strings.Contains(stderr, filepath.Join(out, "results.json")) {
		t.Errorf("results path not printed: %q", stderr)
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cells) < 6 || res.Incomplete {
		t.Fatalf("%d cells, incomplete %v", len(res.Cells), res.Incomplete)
	}
	for _, c := range res.Cells {
		if c.Status != results.StatusOK || c.Verify.Verified != int64(2*c.Tasks) {
			t.Errorf("%s: %s, %+v", c.Key, c.Status, c.Verify)
		}
	}
}

// TestRemoteNodes runs `snbench node --listen` and points `snbench run
// --nodes` at it, as a user with nodes on other machines would.
func TestRemoteNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var addrs []string
	var stops []chan error
	for range 2 {
		pr, pw := io.Pipe()
		stop := make(chan error, 1)
		go func() {
			stop <- run(ctx, []string{"node", "--listen", "127.0.0.1:0"}, pw, io.Discard)
			pw.Close()
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		addrs = append(addrs, strings.TrimSpace(strings.TrimPrefix(line, node.ListenPrefix)))
		stops = append(stops, stop)
	}
	out := filepath.Join(t.TempDir(), "res")
	code, stdout, stderr := snbench(t, "run", "--nodes", strings.Join(addrs, ","), "--tasks", "5000",
		"--repetitions", "2", "-o", out, "--format", "csv")
	cancel()
	for _, s := range stops {
		select {
		case err := <-s:
			if err != nil {
				t.Errorf("node: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("node did not stop")
		}
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "tcp,2,5000,") || !regexp.MustCompile(`,ok\*?,10000,`).MatchString(stdout) { // ok* with a caveat
		t.Fatalf("csv lacks the verified tcp row:\n%s", stdout)
	}
}

func TestHelpNamesEveryDefault(t *testing.T) {
	for _, cmd := range []string{"run", "node", "list"} {
		code, stdout, _ := snbench(t, cmd, "--help")
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Fatalf("%s --help: exit %d\n%s", cmd, code, stdout)
		}
	}
	_, stdout, _ := snbench(t, "run", "--help")
	for _, want := range []string{`--workers list`, `(default 1,2,4,8)`, `(default 5)`, `(default "round-robin")`, `(default 5s)`, `results/latest naming the newest`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
}

func TestList(t *testing.T) {
	code, stdout, _ := snbench(t, "list")
	for _, want := range []string{"goroutine", "subprocess", "tcp", "doubling", "least-outstanding"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, stdout)
		}
	}
}
