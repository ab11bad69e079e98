package exec

import (
	"strings"
	"testing"

	"github.com/snbench/snbench/topologies"
)

// FuzzCommands: any --exec value parses or errors, never panics; what
// parses has a program in every command, and Rows gives a valid,
// distinct label for each, or none for one unlabelled command.
func FuzzCommands(f *testing.F) {
	for _, s := range []string{"python3 worker.py", "py=python3 w.py\nc=./worker", `a="b c" d\ e`, "py=", "\n\n", "x=$HOME/w ~/v", "a=b=c", "<()", "a=b $(c) ${d:-e} $((1+2)) {f,g}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		o := topologies.Options{OptExec: in}
		cmds, err := commands(o)
		if err != nil {
			return
		}
		for _, c := range cmds {
			if len(c.argv) == 0 {
				t.Fatalf("command %q parsed to no words", c.text)
			}
		}
		rows := New().Rows(o)
		seen := map[string]bool{}
		for _, l := range rows {
			if err := topologies.CheckLabel(l); err != nil || seen[l] {
				t.Fatalf("row %q of %q: %v (or twice)", l, in, err)
			}
			seen[l] = true
		}
		if len(cmds) > 1 && len(rows) != len(cmds) {
			t.Fatalf("%d commands, %d rows", len(cmds), len(rows))
		}
		if len(rows) == 0 && len(cmds) == 1 && cmds[0].label != "" {
			t.Fatalf("a labelled command made no row: %q", strings.TrimSpace(in))
		}
	})
}
