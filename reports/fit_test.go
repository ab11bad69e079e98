package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/snbench/snbench/bench/results"
)

// defaultLike is the default run's shape: four topologies at 1, 2, 4 and 8
// workers, the auto window, 5 repetitions, with the run note bench writes
// for nats.
func defaultLike(t *testing.T, dispatch string) *results.Results {
	t.Helper()
	res := synth{topologies: []string{"goroutine", "subprocess", "tcp", "nats"}, workers: []int{1, 2, 4, 8}, reps: 5, windows: []int{results.WindowAuto},
		models: map[string]USL{"nats": {Lambda: 1.4e5, Sigma: 0.2, Kappa: 0.05}}}.build(t)
	res.Plan.Dispatch = dispatch
	res.Warnings = append(res.Warnings, "dispatch: in nats cells the nats queue group decides which node serves each batch; "+
		dispatch+" only splits the batches among the coordinator's links, and node_tasks counts per link")
	return res
}

// TestTableFitsTerminal: at 80 and 120 columns no line of the default
// run's table wraps, status is shown, the columns left out are named, and
// every line under the table is wrapped to the width too.
func TestTableFitsTerminal(t *testing.T) {
	t.Parallel()
	for _, width := range []int{80, 120} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := WriteTable(FitTo(&b, width), defaultLike(t, results.DispatchRoundRobin), FormatTerminal); err != nil {
				t.Fatal(err)
			}
			golden(t, fmt.Sprintf("summary-default-%d.txt", width), b.Bytes())
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			for i, l := range lines {
				if n := utf8.RuneCountInString(l); n > width {
					t.Errorf("line %d is %d wide, over %d: %s", i+1, n, width, l)
				}
			}
			if !strings.Contains(lines[1], "status") || !strings.Contains(lines[1], "tasks/s") {
				t.Errorf("header lacks status or tasks/s: %s", lines[1])
			}
			if !strings.Contains(b.String(), fmt.Sprintf("not shown at %d columns: ", width)) {
				t.Errorf("no line names the columns left out:\n%s", b.String())
			}
			if strings.Contains(b.String(), "queue group") {
				t.Errorf("the nats dispatch note is shown though the user chose no dispatch policy:\n%s", b.String())
			}
		})
	}
}

// TestTableWideAndFiles: without a width (--wide, a pipe, the report's
// files) and in Markdown and CSV every column is kept.
func TestTableWideAndFiles(t *testing.T) {
	t.Parallel()
	res := defaultLike(t, results.DispatchRoundRobin)
	for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
		var full, fitted bytes.Buffer
		if err := WriteTable(&full, res, format); err != nil {
			t.Fatal(err)
		}
		if err := WriteTable(FitTo(&fitted, 0), res, format); err != nil {
			t.Fatal(err)
		}
		if full.String() != fitted.String() {
			t.Errorf("%s: width 0 changed the table", format)
		}
		if format != FormatTerminal {
			var at80 bytes.Buffer
			if err := WriteTable(FitTo(&at80, 80), res, format); err != nil {
				t.Fatal(err)
			}
			if strings.Count(at80.String(), "p99.9") != strings.Count(full.String(), "p99.9") {
				t.Errorf("%s at 80 columns lost the p99.9 column", format)
			}
		}
		if format != FormatCSV && !strings.Contains(full.String(), "efficiency") {
			t.Errorf("%s: the full table lacks efficiency", format)
		}
	}
}

// TestDispatchNoteWhenChosen: a dispatch policy the user chose keeps the
// note that nats's queue group, not the policy, picks the node.
func TestDispatchNoteWhenChosen(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteTable(&b, defaultLike(t, results.DispatchLeastOutstanding), FormatTerminal); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "run: dispatch: in nats cells the nats queue group decides") {
		t.Errorf("the dispatch note is missing:\n%s", b.String())
	}
}

// TestFitCompact: too narrow for even the key columns in box drawing, the
// table is drawn without borders.
func TestFitCompact(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteTable(FitTo(&b, 50), defaultLike(t, results.DispatchRoundRobin), FormatTerminal); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if strings.ContainsAny(lines[0], "┌│") || !strings.HasPrefix(lines[0], "topology") || !strings.HasSuffix(lines[0], "status") {
		t.Errorf("want a borderless header from topology to status, got %q", lines[0])
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > 50 {
			t.Errorf("line %d is %d wide: %s", i+1, n, l)
		}
	}
}

func TestWrapText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 80, "short"},
		{"one two three four", 9, "one two\n  three\n  four"},
		{"averyveryverylongword next", 8, "averyveryverylongword\n  next"},
		{"no limit at all", 0, "no limit at all"},
	}
	for _, tt := range tests {
		if got := wrapText(tt.in, tt.width); got != tt.want {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
