package reports

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/needs"
)

// probeScript measures the rendered page and writes what it found into
// the DOM, where --dump-dom shows it. It goes into a copy of the page
// only: the report itself has no script.
const probeScript = `<script>
(function () {
  var out = {figures: [], tables: {}};
  document.querySelectorAll('figure[data-plot]').forEach(function (f) {
    var s = f.querySelector('svg'), r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
    out.figures.push({name: f.dataset.plot, width: r.width, height: r.height,
      texts: s ? s.querySelectorAll('text').length : 0});
  });
  document.querySelectorAll('table[id]').forEach(function (t) {
    out.tables[t.id] = {rows: t.querySelectorAll('tbody tr').length,
      failed: t.querySelectorAll('tbody tr.fail').length};
  });
  var p = document.getElementById('problems').getBoundingClientRect();
  out.problemsHeight = p.height;
  out.resources = performance.getEntriesByType('resource').map(function (e) { return e.name; });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`

type probe struct {
	Figures []struct {
		Name          string
		Width, Height float64
		Texts         int
	}
	Tables map[string]struct {
		Rows, Failed int
	}
	ProblemsHeight float64
	Resources      []string
}

// findChromium returns the Chromium binary, or "" when there is none.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLInChromium opens a report with a failed cell in headless
// Chromium and checks that every plot renders with a non-zero size, the
// tables have the expected rows, and the page fetched nothing.
func TestHTMLInChromium(t *testing.T) {
	res := withFailures(t, basic(t))
	p := renderInChromium(t, res)
	tests := []struct {
		table        string
		rows, failed int
	}{
		{"summary-table", len(res.Cells), 2},
		{"scaling-table", len(res.Plan.Topologies), 0},
	}
	for _, tt := range tests {
		got, ok := p.Tables[tt.table]
		if !ok || got.Rows != tt.rows || got.Failed != tt.failed {
			t.Errorf("%s: %d rows (%d failed), want %d (%d failed)", tt.table, got.Rows, got.Failed, tt.rows, tt.failed)
		}
	}
	if p.ProblemsHeight <= 0 {
		t.Error("the Problems section does not render")
	}
	if len(p.Resources) != 0 {
		t.Errorf("the page fetched %v, want nothing", p.Resources)
	}
}

// renderInChromium writes res's HTML report with the probe script, opens
// it in headless Chromium (skipping t where there is none, or in -short
// mode), checks that every plot renders visibly, and returns what the
// probe found.
func renderInChromium(t *testing.T, res *results.Results) probe {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		needs.Skip(t, "chromium is not installed (apt-get install -y chromium; CI installs it), so the report is not checked in a browser")
	}
	if testing.Short() {
		t.Skip("starts a browser; skipped in -short mode")
	}
	r, err := New(res)
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	probePage := filepath.Join(t.TempDir(), "probe.html")
	withProbe := strings.Replace(page.String(), "</body>", probeScript+"\n</body>", 1)
	if err := os.WriteFile(probePage, []byte(withProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	p := runProbe(t, bin, probePage)
	if len(p.Figures) != len(r.Figures) || len(p.Figures) == 0 {
		t.Errorf("browser found %d plots, the report has %d", len(p.Figures), len(r.Figures))
	}
	for _, f := range p.Figures {
		if f.Width < 200 || f.Height < 100 || f.Texts < 5 {
			t.Errorf("plot %s renders at %.0fx%.0f px with %d texts: want a visible plot", f.Name, f.Width, f.Height, f.Texts)
		}
	}
	return p
}

var probeOut = regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`)

func runProbe(t *testing.T, bin, page string) probe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir="+t.TempDir(),
		"--window-size=1280,900", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000",
		"--dump-dom", "file://"+page)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	m := probeOut.FindSubmatch(out)
	if m == nil {
		t.Fatalf("chromium's DOM has no probe output:\n%s\nstderr:\n%s", tail(string(out), 2000), tail(stderr.String(), 2000))
	}
	var p probe
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p); err != nil {
		t.Fatalf("probe output: %v: %s", err, m[1])
	}
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestCapacityHTMLInChromium opens the report of a capacity search in
// headless Chromium and checks that its plots render and its capacity,
// step and load tables have a row per scale, search, step and cell.
func TestCapacityHTMLInChromium(t *testing.T) {
	res := capacityResults(t)
	p := renderInChromium(t, res)
	steps := 0
	for _, c := range res.Capacity {
		steps += len(c.Steps)
	}
	for table, rows := range map[string]int{"capacity-matrix": len(res.Plan.Workers), "capacity-table": len(res.Capacity),
		"steps-table": steps, "load-table": len(res.Cells), "summary-table": len(res.Cells)} {
		if got := p.Tables[table]; got.Rows != rows {
			t.Errorf("%s: %d rows, want %d", table, got.Rows, rows)
		}
	}
	if _, ok := p.Tables["scaling-table"]; ok {
		t.Error("a capacity search's page has a scaling table")
	}
	if len(p.Resources) != 0 {
		t.Errorf("the page fetched %v, want nothing", p.Resources)
	}
}
