package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snbench/snbench/reports/history"
)

// historyFile appends one benchFile per slowdown factor to a history and
// returns its path; entry i has commit "commit<i>".
func historyFile(t *testing.T, dir string, slows []float64) string {
	t.Helper()
	file := filepath.Join(dir, "h", "history.jsonl")
	for i, slow := range slows {
		p := benchFile(t, dir, fmt.Sprintf("r%d.txt", i), uint64(i), 10, slow, fmt.Sprintf("commit%d", i))
		code, _, stderr := snbench(t, "history", "append", p, "--file", file, "--date", fmt.Sprintf("2026-01-%02dT00:00:00Z", i+1))
		if code != 0 {
			t.Fatalf("append: exit %d: %s", code, stderr)
		}
	}
	return file
}

// issueSlows has the shape of the issue's series: a one-entry spike at
// entry 4 (6% faster) and a lasting slowdown (-13% tasks/s) from entry 7.
var issueSlows = []float64{1, 1, 1, 0.94, 1, 1, 1.15, 1.15, 1.15, 1.15}

func TestHistoryCommands(t *testing.T) {
	dir := t.TempDir()
	file := historyFile(t, dir, issueSlows)
	es, _, err := history.Read(file)
	if err != nil || len(es) != 10 || es[3].Commit != "commit3" || es[3].Date.Day() != 4 {
		t.Fatalf("history: %v, %d entries: %+v", err, len(es), es)
	}
	code, stdout, stderr := snbench(t, "history", "changes", "--file", file)
	if code != 0 || strings.Count(stdout, "regression\n") != 1 || !strings.Contains(stdout, "7      commit6") {
		t.Fatalf("changes: exit %d, want one regression at entry 7\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = snbench(t, "history", "changes", "--file", file, "--format", "json")
	var res history.ChangesResult
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || len(res.Changes) != 1 || res.Changes[0].Entry != 7 {
		t.Fatalf("changes --format json: exit %d, %v: %s", code, err, stdout)
	}
	if c := res.Changes[0]; c.Unit != "tasks/s" || c.Magnitude == nil || *c.Magnitude > -0.10 || *c.Magnitude < -0.16 {
		t.Errorf("change %+v, want tasks/s down about 13%%", c)
	}
	code, stdout, _ = snbench(t, "history", "changes", "--file", file, "--format", "markdown")
	if code != 0 || !strings.Contains(stdout, "| 7 | `commit6` |") {
		t.Errorf("markdown: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := snbench(t, "history", "changes", "--file", file, "--fail-on", "regression"); code != 1 || !strings.Contains(stderr, "1 regression") {
		t.Errorf("--fail-on regression: exit %d, %s; want 1", code, stderr)
	}
	if code, _, _ := snbench(t, "history", "changes", "--file", file, "--fail-on", "regression", "--last", "2"); code != 0 {
		t.Errorf("--fail-on regression --last 2: exit %d; want 0 (the change is at entry 7 of 10)", code)
	}
	out := filepath.Join(dir, "charts")
	code, stdout, stderr = snbench(t, "history", "plot", "--file", file, "-o", out)
	if code != 0 || strings.TrimSpace(stdout) == "" || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "regression at entry 7 (commit6): X/n=1-2 tasks/s -") {
		t.Fatalf("plot: exit %d, want exactly the change listed\n%s\n%s", code, stdout, stderr)
	}
	if pngs, _ := filepath.Glob(filepath.Join(out, "*.png")); len(pngs) != 1 {
		t.Errorf("charts %v, want one (tasks/s; sec/op is left out beside it)", pngs)
	}
}

// TestHistoryBadInput: torn lines, mixed benchmarks and units, and a
// single entry get a one-line answer and never a false change.
func TestHistoryBadInput(t *testing.T) {
	dir := t.TempDir()
	file := historyFile(t, dir, []float64{1, 1, 1, 1, 1, 1, 1})
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	torn := write("torn.jsonl", string(b)+lines[0][:30])
	code, stdout, stderr := snbench(t, "history", "changes", "--file", torn)
	if code != 0 || !strings.Contains(stderr, "last line is incomplete") || !strings.Contains(stdout, "no change") {
		t.Errorf("torn last line: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A second benchmark under another unit in some entries only.
	mixed := write("mixed.jsonl", strings.Join(lines[:4], "")+
		strings.ReplaceAll(strings.Join(lines[4:], ""), `"tasks/s"`, `"items/s"`))
	code, stdout, stderr = snbench(t, "history", "changes", "--file", mixed)
	if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "a change needs at least 6") {
		t.Errorf("mixed units: exit %d, want 2 and one line\n%s\n%s", code, stdout, stderr)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"single entry", []string{"history", "changes", "--file", write("one.jsonl", lines[0])}, "1 entries, the longest series"},
		{"corrupt middle line", []string{"history", "changes", "--file", write("corrupt.jsonl", lines[0]+"{oops\n"+lines[1])}, "line 2"},
		{"missing file", []string{"history", "changes", "--file", filepath.Join(dir, "nope.jsonl")}, "no such file"},
		{"unknown metric", []string{"history", "changes", "--file", file, "--metric", "allocs/op"}, "no entry has metric allocs/op"},
		{"bad format", []string{"history", "changes", "--file", file, "--format", "yaml"}, "--format"},
		{"bad fail-on", []string{"history", "changes", "--file", file, "--fail-on", "noise"}, "--fail-on"},
		{"bad alpha", []string{"history", "changes", "--file", file, "--alpha", "2"}, "alpha"},
		{"bad segment", []string{"history", "plot", "--file", file, "--min-segment", "1"}, "segment"},
		{"bad threshold", []string{"history", "plot", "--file", file, "--threshold", "x"}, "--threshold"},
		{"append missing", []string{"history", "append", filepath.Join(dir, "nope.json"), "--file", file}, "no such file"},
		{"append bad date", []string{"history", "append", filepath.Join(dir, "r0.txt"), "--file", file, "--date", "yesterday"}, "--date"},
		{"plot missing", []string{"history", "plot", "--file", filepath.Join(dir, "nope.jsonl")}, "no such file"},
		{"unknown command", []string{"history", "prune"}, `unknown command "prune"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := snbench(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and one line with %q", code, stderr, stdout, tt.want)
			}
		})
	}
}
