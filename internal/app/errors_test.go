package app

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/snbench/snbench/internal/buildinfo"
)

// TestErrorLines checks whole error lines: the hint once, no doubled
// prefix.
func TestErrorLines(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad flag value", []string{"run", "--workers", "0"},
			`snbench: snbench run: invalid argument "0" for "--workers" flag: "0": must be at least 1 (see 'snbench run --help')`},
		{"unknown flag", []string{"run", "--bogus"}, `snbench: snbench run: unknown flag: --bogus (see 'snbench run --help')`},
		{"unknown root flag", []string{"--bogus"}, `snbench: snbench: unknown flag: --bogus (see 'snbench --help')`},
		{"unknown command", []string{"fly"}, `snbench: unknown command "fly" for "snbench" (see 'snbench --help')`},
		{"missing results", []string{"report", missing}, "snbench: report: reading results: open " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := snbench(t, tt.args...)
			if code != 2 || stderr != tt.want+"\n" {
				t.Errorf("exit %d, stderr\n%q\nwant exit 2 and\n%q", code, stderr, tt.want+"\n")
			}
		})
	}
}

func TestInterruptedCause(t *testing.T) {
	t.Parallel()
	for sig, want := range map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"} {
		if got := (&interrupted{sig: sig}).Error(); got != want {
			t.Errorf("interrupted{%v}: %q, want %q", sig, got, want)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	want := buildinfo.Read().String() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := snbench(t, args...)
		if code != 0 || stdout != want || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and %q", args, code, stdout, stderr, want)
		}
		if !strings.HasPrefix(stdout, "snbench ") || !strings.Contains(stdout, "go1.") {
			t.Errorf("%v: %q does not name snbench and the Go version", args, stdout)
		}
	}
}
