package app

import (
	"strings"
	"testing"
)

// TestExecBadInput: what is wrong with --exec gets one line naming it and
// exit 2, before anything starts.
func TestExecBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty", []string{"--exec", ""}, "--exec: an empty command"},
		{"empty after a label", []string{"--exec", "py="}, "--exec py=: an empty command"},
		{"label twice", []string{"--exec", "py=true", "--exec", "py=false"}, "the label py is given twice"},
		{"without the topology", []string{"--topology", "goroutine", "--exec", "true"}, "--exec is an option of the exec topology, which the plan does not run"},
		{"topology without a command", []string{"--topology", "exec"}, "give the worker's command: --exec"},
		{"several, one unlabelled", []string{"--exec", "a=true", "--exec", "true"}, "give each a label"},
		{"not found", []string{"--exec", "py=no-such-worker-here"}, "no-such-worker-here: executable file not found"},
		{"no such row", []string{"--topology", "exec:zz", "--exec", "py=true"}, `no row "zz"`},
		{"two lines", []string{"--exec", "py=true\nfalse"}, "a value must be one line"},
		{"label without nodes", []string{"--topology", "tcp", "--nodes-label", "py"}, "--nodes-label labels the nodes --nodes names"},
		{"bad label", []string{"--nodes", "127.0.0.1:1", "--nodes-label", "Py Worker"}, "want 1 to 32 of a-z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := snbench(t, append([]string{"run", "--tasks", "100"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", code, stderr, tc.want)
			}
		})
	}
}
