package app

import (
	"strings"
	"testing"
)

// TestCalibrateBadInput: calibrate refuses, with one line and exit 2,
// what it cannot calibrate, before running anything; a list of
// topologies, which run takes, gets the reason it cannot.
func TestCalibrateBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "list of topologies", args: []string{"--topology", "goroutine,subprocess"},
			want: `--topology "goroutine,subprocess": calibrate takes one topology: a calibration is one cell's noise`},
		{name: "unknown topology", args: []string{"--topology", "pigeon"}, want: `--topology: unknown "pigeon"`},
		{name: "one run", args: []string{"--runs", "1"}, want: "--runs: 1: want 2 to 100"},
		{name: "one repetition", args: []string{"--repetitions", "1"}, want: "--repetitions: 1: want at least 2"},
		{name: "one file", args: []string{"results.json"}, want: "one results file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir() + "/calibration.json"
			code, stdout, stderr := snbench(t, append([]string{"calibrate", "-o", out}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
			if strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("want one 'snbench: ...' line and no output, got stdout %q, stderr %q", stdout, stderr)
			}
		})
	}
}
