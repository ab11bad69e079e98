package bench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runScript builds snbench and runs the bench script name (sweep.sh,
// windowcheck.sh) with it, writing to a fresh directory, with env added:
// it returns the script's stdout and that directory. It skips under
// -short, and without jq, which the scripts' summaries need (in CI,
// where .ci/run installs jq, a missing one fails the test).
func runScript(t *testing.T, name string, env ...string) (stdout, out string) {
	t.Helper()
	stdout, out, stderr, err := runScriptStatus(t, name, env...)
	if err != nil {
		t.Fatalf("%s: %v\n%s\n%s", name, err, stdout, stderr)
	}
	return stdout, out
}

// runScriptStatus is runScript that returns how the script exited, and
// its stderr, instead of failing the test when it exits non-zero.
func runScriptStatus(t *testing.T, name string, env ...string) (stdout, out, stderr string, err error) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds snbench and runs " + name)
	}
	if _, err := exec.LookPath("jq"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("jq is missing; .ci/run installs it")
		}
		t.Skip("jq is missing")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "snbench")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/snbench/snbench/cmd/snbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out = filepath.Join(dir, strings.TrimSuffix(name, ".sh"))
	cmd := exec.CommandContext(ctx, "bash", name, bin, out)
	cmd.Env = append(os.Environ(), env...)
	var errb strings.Builder
	cmd.Stderr = &errb
	b, err := cmd.Output()
	return string(b), out, errb.String(), err
}
