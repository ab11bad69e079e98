package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

func writeHTML(t *testing.T, res *results.Results) (string, *Report) {
	t.Helper()
	r, err := New(res)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String(), r
}

func TestHTMLShowsFailures(t *testing.T) {
	t.Parallel()
	page, _ := writeHTML(t, withFailures(t, basic(t)))
	for _, w := range []string{
		`<p class="alert" id="alert">2 of 12 cells failed, errored or did not finish. <a href="#problems">Problems</a>`,
		`<section id="problems" class="problems">`,
		`<span class="tag fail">FAILED</span><span class="what">subprocess workers=4</span>: status: FAILED 7 lost; verification: expected 30000, verified 29993, lost 7`,
		`<span class="tag fail">ERROR</span><span class="what">tcp workers=8</span>: status: ERROR; error: node 3: connection reset by peer; no measured repetitions`,
		`<span class="what">run</span>: generator fell behind schedule by 12%`,
		`<tr class="fail"><td>subprocess</td><td class="num">4</td>`,
		`subprocess workers=4 is left out of the plots: FAILED 7 lost`,
	} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestHTMLClean(t *testing.T) {
	t.Parallel()
	res := basic(t)
	page, _ := writeHTML(t, res)
	for _, w := range []string{`<section id="problems" class="problems clean">`, "Every cell ran all its repetitions",
		"goroutine is fastest at every worker count measured", "snbench run --topology goroutine,subprocess,tcp"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, `class="alert"`) {
		t.Error("an alert on a clean run")
	}
	if n := strings.Count(page, `<tr class=`) + strings.Count(page, "<tr><td>goroutine"); n < 4 {
		t.Errorf("summary rows: found %d", n)
	}
}

// TestHTMLSelfContained checks that the page fetches nothing: no
// scripts, stylesheets, images, fonts or frames from anywhere; every link
// is to an anchor in the page or a plot file beside it; every plot is
// inline.
func TestHTMLSelfContained(t *testing.T) {
	t.Parallel()
	page, r := writeHTML(t, withFailures(t, basic(t)))
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(", "src=", "@font-face"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)\bhref="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if h := m[1]; !strings.HasPrefix(h, "#") && !strings.HasPrefix(h, PlotDir+"/") {
			t.Errorf("link to %q: want only #anchors and %s/ files", h, PlotDir)
		}
	}
	// Namespaces name the SVG vocabulary; they are never fetched.
	rest := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(page)
	if strings.Contains(rest, "http:") || strings.Contains(rest, "https:") {
		t.Error("page names an http(s) URL")
	}
	if n := strings.Count(page, "<svg "); n != len(r.Figures) {
		t.Errorf("%d inline SVGs for %d figures", n, len(r.Figures))
	}
	if strings.Contains(page, "<?xml") {
		t.Error("an XML prolog inside the page")
	}
}

func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"<b>evil</b>", "tcp"}, workers: []int{1, 2}, reps: 2}.build(t)
	page, _ := writeHTML(t, res)
	if strings.Contains(page, "<b>evil</b>") {
		t.Error("a topology name went into the page unescaped")
	}
	if !strings.Contains(page, "&lt;b&gt;evil&lt;/b&gt;") {
		t.Error("the escaped topology name is missing")
	}
}

func TestWriteFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A stale plot from an earlier report, and files that are not ours.
	for _, n := range []string{"results.json", filepath.Join(PlotDir, "old.png"), filepath.Join(PlotDir, "mine.txt")} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := "index.html\nplots/old.png\nresults.json\n../escape.txt\nplots/mine.txt\n"
	if err := os.WriteFile(filepath.Join(dir, manifestFile), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	res := synth{topologies: []string{"a", "b"}, workers: []int{1, 2, 4}, tasks: []int{100, 200}, reps: 2}.build(t)
	r, err := New(res)
	if err != nil {
		t.Fatal(err)
	}
	r.Figures = slices.DeleteFunc(r.Figures, func(f *Figure) bool { // PNGs are slow, two make the point
		return f.Name != "throughput-tasks100" && f.Name != "cpu-tasks200"
	})
	index, err := r.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(dir, IndexFile) {
		t.Errorf("index = %s", index)
	}
	for _, n := range []string{"index.html", "summary.txt", "summary.md", "summary.csv", "scaling.md", "growth.csv",
		"plots/throughput-tasks100.png", "plots/throughput-tasks100.svg", "plots/cpu-tasks200.svg", "results.json", "plots/mine.txt"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("missing %s: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, PlotDir, "old.png")); !os.IsNotExist(err) {
		t.Errorf("the stale plot the last report wrote is still there (%v)", err)
	}
}

// TestReportDeterministic writes the same results twice and compares
// every file byte for byte.
func TestReportDeterministic(t *testing.T) {
	t.Parallel()
	res := withFailures(t, basic(t))
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		r, err := New(res)
		if err != nil {
			t.Fatal(err)
		}
		if raceEnabled {
			r.Figures = r.Figures[:1] // PNGs are slow under -race
		}
		if _, err := r.WriteFiles(d); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two reports of the same results (%v)", rel, err)
		}
		n++
		return nil
	})
	if err != nil || n < 8 {
		t.Fatalf("compared %d files: %v", n, err)
	}
}

// TestHTMLShowsWindowProbes: a run with auto cells draws the window
// probes' table: per cell the window chosen, why the probe stopped, and
// per window the figure the choice used, the chosen one marked.
func TestHTMLShowsWindowProbes(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"goroutine", "tcp"}, workers: []int{1, 2}, windows: []int{results.WindowAuto, 16}, reps: 2}.build(t)
	page, _ := writeHTML(t, res)
	i := strings.Index(page, `<table id="window-probes">`)
	if i < 0 {
		t.Fatal("the page has no window-probes table")
	}
	table := page[i:]
	table = table[:strings.Index(table, "</table>")]
	if n := strings.Count(table, "<tr>") + strings.Count(table, "<tr class="); n != 1+4 {
		t.Errorf("%d rows in the window-probes table, want a header and one per auto cell (4):\n%s", n, table)
	}
	for _, w := range []string{"<th>window 1</th>", "<th>window 64</th>", "levelled off", "reached window 64", " ←"} {
		if !strings.Contains(table, w) {
			t.Errorf("the window-probes table lacks %q:\n%s", w, table)
		}
	}
	// The chosen window is marked in its own column: goroutine's probe
	// levels off at 8, the 4th window column (after 7 others).
	found := 0
	for _, row := range strings.Split(table, "</tr>") {
		if !strings.Contains(row, "<td>goroutine</td>") {
			continue
		}
		found++
		cells := strings.Split(row, "<td")
		if len(cells) < 12 || !strings.Contains(cells[1+7+3], "←") {
			t.Errorf("goroutine's row does not mark window 8 chosen: %s", row)
		}
	}
	if found != 2 {
		t.Errorf("%d goroutine rows in the window-probes table, want 2 (1 and 2 workers)", found)
	}
	noAuto := synth{topologies: []string{"goroutine"}, workers: []int{1}, windows: []int{16}, reps: 2}.build(t)
	if page, _ := writeHTML(t, noAuto); strings.Contains(page, "window-probes") {
		t.Error("a run without auto cells draws a window-probes table")
	}
}
