package reports

import (
	"bytes"
	"image"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// TestLoadTablesGolden checks the load table of an open-loop run and the
// capacity tables of a capacity search in every format against golden
// files, and that they render the same bytes twice.
func TestLoadTablesGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		res   *results.Results
		write func(io.Writer, *results.Results, string) error
	}{
		{"load-openloop", loadResults(t), WriteLoadTable},
		{"load-capacity", capacityResults(t), WriteLoadTable},
		{"capacity-search", capacityResults(t), WriteCapacityTable},
	}
	for _, tt := range tests {
		for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				var b, again bytes.Buffer
				if err := tt.write(&b, tt.res, format); err != nil {
					t.Fatal(err)
				}
				golden(t, tt.name+"."+formatExt[format], b.Bytes())
				if err := tt.write(&again, tt.res, format); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), again.Bytes()) {
					t.Error("a second rendering differs from the first")
				}
			})
		}
	}
}

// TestLoadTableMarksUnreliable checks that a saturated cell reads
// "unreliable" in the load table, not a rosy "ok".
func TestLoadTableMarksUnreliable(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteLoadTable(&b, loadResults(t), FormatTerminal); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "│", " "))
		if len(f) < 3 || f[0] != "tcp" || f[1] != "1" || f[2] != "80.0k" {
			continue
		}
		if f[len(f)-1] != "unreliable" {
			t.Errorf("tcp at 1 worker and 80k tasks/s (past its capacity) reads %q", line)
		}
		return
	}
	t.Errorf("no row for tcp at 1 worker and 80k tasks/s:\n%s", b.String())
}

// TestLoadFigures checks which plots an open-loop run and a capacity
// search get, that the hockey stick shows p99.9 and rings unreliable cells
// or failed steps, and that every plot decodes as a PNG of the expected
// size and a well-formed SVG.
func TestLoadFigures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		res        *results.Results
		want, not  []string
		legend     map[string][]string // figure name: legend entries it must have
		wantNotes  []string
		wantRender int // how many figures to render (PNGs are slow under -race)
	}{
		{name: "open loop", res: loadResults(t),
			want: []string{"latency-rate-w1", "latency-rate-w2", "latency-time-w2-rate20000", "latency-rate5000"},
			not:  []string{"capacity"},
			legend: map[string][]string{
				"latency-rate-w1":           {"goroutine p99.9", "tcp p99", "unreliable"},
				"latency-time-w2-rate20000": {"goroutine p50", "tcp p99", "tcp max"},
			}},
		{name: "capacity search", res: capacityResults(t),
			want: []string{"capacity", "latency-rate-w1", "latency-rate-w4"},
			not:  []string{"latency", "cpu", "spectrum-w4", "latency-time-w4-rate1000"},
			legend: map[string][]string{
				"capacity":        {"goroutine", "tcp", "search stopped early"},
				"latency-rate-w1": {"goroutine p99.9", "failed step", "SLO p99 < 5ms"},
			},
			wantNotes: []string{"slow workers=1: even the first capacity step failed"}},
	}
	w, h := float64(PlotWidth), float64(PlotHeight)
	wantW, wantH := int(w/72*PNGDPI+0.5), int(h/72*PNGDPI+0.5)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			figs, notes, err := Figures(tt.res)
			if err != nil {
				t.Fatal(err)
			}
			names := figureNames(figs)
			for _, n := range tt.want {
				if !slices.Contains(names, n) {
					t.Errorf("figures %v lack %s", names, n)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(names, n) {
					t.Errorf("figures %v include %s", names, n)
				}
			}
			joined := strings.Join(notes, "\n")
			for _, n := range tt.wantNotes {
				if !strings.Contains(joined, n) {
					t.Errorf("notes lack %q:\n%s", n, joined)
				}
			}
			for i, f := range figs {
				entries, check := tt.legend[f.Name]
				if !check && (raceEnabled || i > 2) {
					continue
				}
				var png, svg bytes.Buffer
				if err := f.WriteSVG(&svg); err != nil {
					t.Fatal(err)
				}
				checkSVG(t, svg.Bytes(), f.Title)
				for _, e := range entries {
					if !bytes.Contains(svg.Bytes(), []byte(">"+xmlEscape(e)+"<")) {
						t.Errorf("%s: the legend lacks %q", f.Name, e)
					}
				}
				if err := f.WritePNG(&png); err != nil {
					t.Fatal(err)
				}
				cfg, format, err := image.DecodeConfig(&png)
				if err != nil || format != "png" || cfg.Width != wantW || cfg.Height != wantH {
					t.Errorf("%s: PNG %s %dx%d, %v; want png %dx%d", f.Name, format, cfg.Width, cfg.Height, err, wantW, wantH)
				}
			}
		})
	}
}

// TestLoadHTML checks that the page of an open-loop run shows the load
// table and the latency-over-time plot, and the page of a capacity search
// the capacity across topologies and scales, each search and every step
// with its verdict, and no scaling fits.
func TestLoadHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		res       *results.Results
		want, not []string
	}{
		{"open loop", loadResults(t),
			[]string{`<table id="load-table">`, `data-plot="latency-time-w2-rate20000"`, `data-plot="latency-rate-w1"`,
				"<td>unreliable</td>", "Every cell ran open loop"},
			[]string{`id="steps-table"`, `id="scaling-table"`}},
		{"capacity search", capacityResults(t),
			[]string{`<table id="capacity-matrix">`, `<table id="capacity-table">`, `<table id="steps-table">`,
				`<table id="load-table">`, `data-plot="capacity"`, "pass (max sustainable)", "FAIL: SLO missed: p99",
				`<tr class="miss">`, "&lt; 1.00k", "56.0k", "--rate-steps --rate-start 1000", "--slo &#39;p99&lt;5ms&#39;"},
			[]string{`id="scaling-table"`, `data-plot="cpu`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := New(tt.res)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := r.WriteHTML(&b); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(page, w) {
					t.Errorf("the page has %q", w)
				}
			}
		})
	}
}

// TestLoadWriteFiles checks that the report of a capacity search writes
// the capacity and load tables beside the summary.
func TestLoadWriteFiles(t *testing.T) {
	t.Parallel()
	r, err := New(capacityResults(t))
	if err != nil {
		t.Fatal(err)
	}
	r.Figures = r.Figures[:1] // PNGs are slow; one makes the point
	dir := t.TempDir()
	if _, err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"capacity.txt", "capacity.md", "capacity.csv", "load.txt", "load.csv", "summary.txt",
		filepath.Join(PlotDir, "capacity.png")} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("missing %s: %v", n, err)
		}
	}
}
