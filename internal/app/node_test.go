package app

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
)

func TestNodeAndNATSBadInput(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"public node, short token", []string{"node", "--listen", "0.0.0.0:0", "--token-file", short}, "at least 16"},
		{"missing token file", []string{"node", "--token-file", filepath.Join(dir, "nope")}, "no such file"},
		{"listen and nats", []string{"node", "--listen", "127.0.0.1:0", "--nats", "nats://127.0.0.1:4222"}, "not both"},
		{"node nats url with a password", []string{"node", "--nats", "nats://u:p@127.0.0.1:4222"}, "carries credentials"},
		{"node bad subject", []string{"node", "--nats", "nats://127.0.0.1:4222", "--subject", "a.*"}, "wildcards"},
		{"node two kinds of nats credentials", []string{"node", "--nats", "nats://127.0.0.1:4222", "--nats-token", "t", "--nats-user", "u"}, "not several"},
		{"run nats url with a password", []string{"run", "--nats-url", "nats://u:p@127.0.0.1:4222"}, "carries credentials"},
		{"run nats url of another scheme", []string{"run", "--nats-url", "http://127.0.0.1:4222"}, `scheme "http"`},
		{"run remote nodes without a url", []string{"run", "--nats-remote"}, "give --nats-url"},
		{"run nats url without nats", []string{"run", "--topology", "tcp", "--nats-url", "nats://127.0.0.1:4222"}, "--nats-url is an option of the nats topology, which the plan does not run"},
		{"run short token", []string{"run", "--token-file", short}, "at least 16"},
		{"run creds file missing", []string{"run", "--nats-creds", filepath.Join(dir, "nope.creds")}, "--nats-creds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := snbench(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
				t.Fatalf("want one line, got %q", stderr)
			}
		})
	}
}

// startCLINode runs `snbench args...` (a node command) in-process until the
// test ends; it returns the first stdout line and the node's log.
func startCLINode(t *testing.T, args ...string) (string, *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, logs)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node %v: %v", args, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("node %v did not stop", args)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("node %v: %v (log: %s)", args, err, logs)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(line), logs
}

// TestTokenNodes runs a node that demands a token and coordinators with
// the right token, the wrong one and none.
func TestTokenNodes(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	wrongFile := filepath.Join(dir, "wrong")
	_ = os.WriteFile(tokenFile, []byte("right-token-0123456789\n"), 0o600)
	_ = os.WriteFile(wrongFile, []byte("wrong-token-0123456789\n"), 0o600)
	line, logs := startCLINode(t, "node", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--name", "alpha")
	addr := strings.TrimPrefix(line, node.ListenPrefix)
	tests := []struct {
		name     string
		token    []string
		wantCode int
		want     []string
		wantLog  string
	}{
		{"right token", []string{"--token-file", tokenFile}, 0, nil, "ended"},
		{"wrong token", []string{"--token-file", wrongFile}, 1,
			[]string{"node tcp-1 (" + addr + ")", "refused the session", "wrong token"}, "refused: handshake: authentication failed"},
		{"no token", nil, 1,
			[]string{"node tcp-1 (" + addr + ")", "the coordinator has no token"}, "the coordinator has no token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--nodes", addr, "--tasks", "2000", "--repetitions", "1", "--warmup", "0",
				"-o", filepath.Join(t.TempDir(), "res"), "--format", "csv"}, tt.token...)
			code, _, stderr := snbench(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("node log lacks %q:\n%s", tt.wantLog, logs)
			}
		})
	}
}

// TestNATSRemoteNodes starts `snbench node --nats` twice against a NATS
// server that wants a token and runs `snbench run --nats-remote` on them,
// every one reading the token from a private file (--nats-token-file).
func TestNATSRemoteNodes(t *testing.T) {
	const token = "nats-secret-0123456789"
	srv, err := natsserver.Start("127.0.0.1:0", token, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "nats.token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs []*syncbuf.Buffer
	for _, name := range []string{"east", "west"} {
		ctx, cancel := context.WithCancel(context.Background())
		l := &syncbuf.Buffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"node", "--nats", srv.URL(), "--nats-token-file", tokenFile, "--name", name}, io.Discard, l)
		}()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node %s: %v", name, err)
			}
		}()
		logs = append(logs, l)
	}
	for _, l := range logs {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(l.String(), "waiting for coordinators") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	out := filepath.Join(t.TempDir(), "res")
	code, stdout, stderr := snbench(t, "run", "--nats-url", srv.URL(), "--nats-remote", "--nats-token-file", tokenFile,
		"--workers", "1,2", "--tasks", "5000", "--repetitions", "2", "--warmup", "100", "-o", out, "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("run warns with the token in a private file: %s", stderr)
	}
	for _, l := range logs {
		if strings.Contains(l.String(), "warning") {
			t.Errorf("a node warns with the token in a private file: %s", l)
		}
	}
	if !strings.Contains(stdout, "nats,2,5000,") || strings.Contains(stdout, "goroutine") {
		t.Fatalf("csv lacks the nats rows or runs other topologies:\n%s", stdout)
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if c.Status != results.StatusOK || c.DispatchBy != "nats queue group" {
			t.Errorf("%s: status %s, dispatch_by %q", c.Key, c.Status, c.DispatchBy)
		}
	}
	if o := res.Plan.Options["nats"]; o["nats-url"] != srv.URL() || o["nats-remote"] != "true" {
		t.Errorf("plan: nats options %v, want nats-url %s and nats-remote", o, srv.URL())
	}
	raw, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if strings.Contains(string(raw), token) {
		t.Error("results.json holds the NATS token")
	}
	for _, l := range logs {
		if !strings.Contains(l.String(), "session snbench.session.") {
			t.Errorf("node log shows no session:\n%s", l)
		}
	}
}

// TestSecretsOffTheCommandLine reads NATS secrets from files, refuses a
// secret given two ways, and warns about a secret on the command line and
// about token and secret files that others may read, as ssh does.
func TestSecretsOffTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := file("private.token", "0123456789abcdef0123\n", 0o600)
	open := file("open.token", "0123456789abcdef0123\n", 0o644)
	groupPass := file("group.pass", "s3cret\n", 0o640)
	empty := file("empty.pass", "\n", 0o600)
	const url = "nats://127.0.0.1:1" // nothing listens: every command fails after its checks
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string // in stderr
		wantNone string   // not in stderr
	}{
		{"private token file", []string{"node", "--token-file", private, "--listen", "nope"}, 2, []string{"--listen"}, "warning"},
		{"open token file", []string{"node", "--token-file", open, "--listen", "nope"}, 2,
			[]string{"warning: " + open + " is readable by every user (mode 0644)", "chmod 600"}, ""},
		{"run, open token file", []string{"run", "--token-file", open, "--topology", "nope"}, 2,
			[]string{"warning: " + open + " is readable by every user"}, ""},
		{"nats token on the command line", []string{"node", "--nats", url, "--nats-token", "tok"}, 1,
			[]string{"warning: --nats-token puts the secret on the command line", "--nats-token-file FILE or SNBENCH_NATS_TOKEN"}, ""},
		{"nats password on the command line", []string{"node", "--nats", url, "--nats-user", "u", "--nats-password", "pw"}, 1,
			[]string{"warning: --nats-password puts the secret on the command line"}, ""},
		{"nats token file", []string{"node", "--nats", url, "--nats-token-file", private}, 1, []string{"connecting to NATS"}, "warning"},
		{"nats password file readable by its group", []string{"node", "--nats", url, "--nats-user", "u", "--nats-password-file", groupPass}, 1,
			[]string{"warning: " + groupPass + " is readable by its group (mode 0640)"}, ""},
		{"nats token both ways", []string{"node", "--nats", url, "--nats-token", "t", "--nats-token-file", private}, 2,
			[]string{"give the secret one way"}, "warning"},
		{"empty password file", []string{"run", "--nats-user", "u", "--nats-password-file", empty}, 2, []string{"the file is empty"}, ""},
		{"missing token file", []string{"run", "--nats-token-file", filepath.Join(dir, "nope")}, 2, []string{"--nats-token-file", "no such file"}, ""},
		// run's NATS credentials are the nats topology's own (topologies.CredentialOwner).
		{"run, nats token on the command line", []string{"run", "--topology", "nats", "--nats-url", url, "--nats-token", "tok", "--tasks", "100", "--repetitions", "1", "--no-report", "-o", filepath.Join(dir, "out1")}, 1,
			[]string{"warning: --nats-token puts the secret on the command line", "use --nats-token-file FILE or SNBENCH_NATS_TOKEN"}, ""},
		{"run, nats token file for a plan without nats", []string{"run", "--topology", "goroutine", "--nats-token-file", private}, 2,
			[]string{"--nats-token-file is a credential of the nats topology, which the plan does not run"}, ""},
		{"run, two kinds of nats credentials", []string{"run", "--topology", "nats", "--nats-token-file", private, "--nats-user", "u"}, 2,
			[]string{"not several"}, ""},
		{"run, nats token both ways", []string{"run", "--topology", "nats", "--nats-token", "t", "--nats-token-file", private}, 2,
			[]string{"give the secret one way"}, "warning"},
		{"run, password file readable by its group", []string{"run", "--topology", "nats", "--nats-url", url, "--nats-user", "u", "--nats-password-file", groupPass,
			"--tasks", "100", "--repetitions", "1", "--no-report", "-o", filepath.Join(dir, "out2")}, 1,
			[]string{"warning: " + groupPass + " is readable by its group (mode 0640)"}, ""},
		{"bad max task work", []string{"node", "--max-task-work", "0s"}, 2, []string{"--max-task-work 0s: want a positive duration"}, ""},
		{"bad max handshakes", []string{"node", "--max-handshakes", "0"}, 2, []string{"--max-handshakes 0: want at least 1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := snbench(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if tt.wantNone != "" && strings.Contains(stderr, tt.wantNone) {
				t.Errorf("stderr %q holds %q", stderr, tt.wantNone)
			}
		})
	}
}
