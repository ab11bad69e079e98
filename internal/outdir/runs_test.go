package outdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunName(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		commit string
		dirty  bool
		want   string
	}{
		{"0123abcdef", false, "20260102-030405-0123abc"},
		{"0123abcdef", true, "20260102-030405-0123abc-dirty"},
		{"", true, "20260102-030405"},
		{"../../etc", false, "20260102-030405"}, // not a commit: left out
	}
	for _, tt := range tests {
		if got := RunName(at, tt.commit, tt.dirty); got != tt.want {
			t.Errorf("RunName(%q, %v) = %q, want %q", tt.commit, tt.dirty, got, tt.want)
		}
	}
}

// TestRunsKept: two runs of the same name get two directories; latest
// and LATEST name the newest; Runs lists both, oldest first.
func TestRunsKept(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "results")
	var runs []string
	for range 2 {
		p, err := NewRun(root, "20260102-030405-0123abc")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "results.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := SetLatest(root, p); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, p)
	}
	if filepath.Base(runs[1]) != "20260102-030405-0123abc-2" {
		t.Fatalf("second run in %s, want the -2 suffix", runs[1])
	}
	if b, err := os.ReadFile(filepath.Join(root, LatestFile)); err != nil || string(b) != "20260102-030405-0123abc-2\n" {
		t.Errorf("LATEST holds %q (%v)", b, err)
	}
	if target, err := os.Readlink(filepath.Join(root, LatestLink)); err != nil || target != "20260102-030405-0123abc-2" {
		t.Errorf("latest -> %q (%v)", target, err)
	}
	got, err := Runs(root)
	if err != nil || strings.Join(got, " ") != strings.Join(runs, " ") {
		t.Errorf("Runs = %v (%v), want %v", got, err, runs)
	}
}

// TestSetLatestLeavesOthers: an old results/latest directory and a LATEST
// file of the user's are left as they are.
func TestSetLatestLeavesOthers(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	old := filepath.Join(root, LatestLink)
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := []byte("my notes about the latest results\n")
	if err := os.WriteFile(filepath.Join(root, LatestFile), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := NewRun(root, RunName(time.Now(), "", false))
	if err != nil {
		t.Fatal(err)
	}
	got, err := SetLatest(root, run)
	if err != nil {
		t.Fatal(err)
	}
	if got != run {
		t.Errorf("SetLatest = %s, want the run itself (latest is not snbench's)", got)
	}
	if fi, err := os.Lstat(old); err != nil || !fi.IsDir() {
		t.Errorf("the old latest directory was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, LatestFile)); string(b) != string(mine) {
		t.Errorf("the user's LATEST was overwritten: %q", b)
	}
}

func TestRunsOrder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	names := []string{"20260102-030405-10", "20260102-030405", "20260101-235959-0123abc", "20260102-030405-2", "not-a-run"}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(root, n), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, n, "results.json"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Runs(root)
	if err != nil {
		t.Fatal(err)
	}
	var base []string
	for _, p := range got {
		base = append(base, filepath.Base(p))
	}
	want := "20260101-235959-0123abc 20260102-030405 20260102-030405-2 20260102-030405-10"
	if strings.Join(base, " ") != want {
		t.Errorf("Runs = %v, want %s", base, want)
	}
}
