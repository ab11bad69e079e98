package app

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompleteValues: the shell completion of flag values comes from the
// registries and the commands' format lists.
func TestCompleteValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "run", "--topology", ""}, []string{"goroutine", "subprocess", "tcp", "nats"}},
		{[]string{"__complete", "run", "--workload", ""}, []string{"doubling"}},
		{[]string{"__complete", "run", "--dispatch", ""}, []string{"round-robin", "least-outstanding", "hash"}},
		{[]string{"__complete", "run", "--format", ""}, []string{"table", "markdown", "csv", "json", "gobench"}},
		{[]string{"__complete", "report", "--format", ""}, []string{"table", "markdown", "csv", "none"}},
		{[]string{"__complete", "compare", "--format", ""}, []string{"text", "markdown", "json"}},
		{[]string{"__complete", "calibrate", "--topology", ""}, []string{"goroutine", "tcp"}},
	}
	for _, tt := range tests {
		code, stdout, _ := snbench(t, tt.args...)
		lines := strings.Split(stdout, "\n")
		for _, w := range tt.want {
			found := false
			for _, l := range lines {
				found = found || l == w
			}
			if !found {
				t.Errorf("%v: exit %d, no %q in\n%s", tt.args, code, w, stdout)
			}
		}
	}
}

// TestFormatAliases: each command takes the others' word for a format.
func TestFormatAliases(t *testing.T) {
	t.Parallel()
	old, cur := filepath.Join("..", "..", "reports", "compare", "testdata", "old.json"), filepath.Join("..", "..", "reports", "compare", "testdata", "new.json")
	var outs []string
	for _, f := range []string{"text", "table"} {
		code, stdout, stderr := snbench(t, "compare", "--format", f, "--threshold", "1000%", old, cur)
		if code != 0 {
			t.Fatalf("compare --format %s: exit %d: %s", f, code, stderr)
		}
		outs = append(outs, stdout)
	}
	if outs[0] != outs[1] {
		t.Error("compare --format table differs from --format text")
	}
	if code, _, stderr := snbench(t, "compare", "--format", "md", "--threshold", "1000%", old, cur); code != 0 {
		t.Errorf("compare --format md: exit %d: %s", code, stderr)
	}
	for w, want := range map[string]string{"text": "table", "md": "markdown", "csv": "csv"} {
		if got := formatAlias("run", w); got != want {
			t.Errorf("run: alias %q -> %q, want %q", w, got, want)
		}
	}
}
