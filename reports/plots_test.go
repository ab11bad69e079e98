package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig reads PNG
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

func figureNames(figs []*Figure) []string {
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	return names
}

func TestFigures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		res       *results.Results
		want      []string
		wantNotes []string
	}{
		{name: "basic", res: basic(t), want: []string{"throughput", "speedup", "latency", "spectrum-w8", "cpu"}},
		{name: "single worker count", res: synth{topologies: []string{"a", "b"}, workers: []int{4}, reps: 2}.build(t),
			want: []string{"spectrum-w4", "cpu"}, wantNotes: []string{"a single worker count (4), so there are no plots against workers"}},
		{name: "payload sweep", res: synth{topologies: []string{"a", "b"}, workers: []int{1, 2}, payload: []int{1, 4, 16}, reps: 2}.build(t),
			want: []string{"throughput-payload1", "speedup-payload16", "cpu-payload4", "mbps-w1", "mbps-w2"}},
		{name: "failed cells", res: withFailures(t, basic(t)), want: []string{"throughput", "spectrum-w8"},
			wantNotes: []string{"subprocess workers=4 is left out of the plots: FAILED 7 lost", "tcp workers=8 is left out of the plots: ERROR"}},
		{name: "no 1-worker cell", res: synth{topologies: []string{"a"}, workers: []int{2, 4}, reps: 2}.build(t),
			want: []string{"throughput", "latency"}, wantNotes: []string{"no topology has a usable 1-worker cell"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			figs, notes, err := Figures(tt.res)
			if err != nil {
				t.Fatal(err)
			}
			names := figureNames(figs)
			for _, w := range tt.want {
				if !slices.Contains(names, w) {
					t.Errorf("figures %v lack %s", names, w)
				}
			}
			if tt.name == "single worker count" && slices.Contains(names, "throughput") {
				t.Error("a throughput-vs-workers plot with one worker count")
			}
			if tt.name != "payload sweep" && slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "mbps") }) {
				t.Error("an MB/s plot without a payload sweep")
			}
			joined := strings.Join(notes, "\n")
			for _, w := range tt.wantNotes {
				if !strings.Contains(joined, w) {
					t.Errorf("notes lack %q:\n%s", w, joined)
				}
			}
		})
	}
}

// TestFigureFiles renders a figure of each kind from a report with
// failures, a payload sweep and noisy cells, and checks the PNGs decode at the
// expected size and the SVGs are well-formed XML of that size.
func TestFigureFiles(t *testing.T) {
	t.Parallel()
	res := withFailures(t, synth{topologies: []string{"a", "b", "c"}, workers: []int{1, 2, 4, 8}, payload: []int{1, 8}, reps: 2}.build(t))
	all, _, err := Figures(res)
	if err != nil {
		t.Fatal(err)
	}
	// Rendering is slow under the race detector: one figure of each kind.
	var figs []*Figure
	kinds := map[string]bool{}
	for _, f := range all {
		if kind, _, _ := strings.Cut(f.Name, "-"); !kinds[kind] {
			kinds[kind] = true
			figs = append(figs, f)
		}
	}
	if len(figs) != 6 {
		t.Errorf("figure kinds %v, want 6", kinds)
	}
	w, h := float64(PlotWidth), float64(PlotHeight) // points: 72 to the inch
	wantW, wantH := int(w/72*PNGDPI+0.5), int(h/72*PNGDPI+0.5)
	for i, f := range figs {
		t.Run(f.Name, func(t *testing.T) {
			var png, svg bytes.Buffer
			if !raceEnabled || i == 0 { // PNGs are slow under -race
				if err := f.WritePNG(&png); err != nil {
					t.Fatal(err)
				}
				cfg, format, err := image.DecodeConfig(&png)
				if err != nil || format != "png" || cfg.Width != wantW || cfg.Height != wantH {
					t.Errorf("PNG: %s %dx%d, %v; want png %dx%d", format, cfg.Width, cfg.Height, err, wantW, wantH)
				}
			}
			if err := f.WriteSVG(&svg); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, svg.Bytes(), f.Title)
		})
	}
}

// checkSVG parses svg as XML and checks its size and that it has the
// title and some text.
func checkSVG(t *testing.T, svg []byte, title string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var root *xml.StartElement
	texts := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == nil {
				root = &se
			}
			if se.Name.Local == "text" {
				texts++
			}
		}
	}
	if root == nil || root.Name.Local != "svg" {
		t.Fatalf("SVG root is %v, want svg", root)
	}
	want := map[string]string{"width": fmtPt(PlotWidth.Points()), "height": fmtPt(PlotHeight.Points())}
	for _, a := range root.Attr {
		if w, ok := want[a.Name.Local]; ok && a.Value != w {
			t.Errorf("SVG %s = %q, want %q", a.Name.Local, a.Value, w)
		}
	}
	if texts < 5 || !bytes.Contains(svg, []byte(">"+xmlEscape(title)+"<")) {
		t.Errorf("SVG has %d text elements and title %q: %v", texts, title, bytes.Contains(svg, []byte(title)))
	}
}

// fmtPt formats a length as gonum's SVG canvas writes it.
func fmtPt(v float64) string { return fmt.Sprintf("%.5gpt", v) }

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TestFiguresLogAxesSurviveBadValues checks that figures with values a
// log axis cannot show (zero latency, intervals reaching below zero,
// empty histograms) are drawn without panicking.
func TestFiguresLogAxesSurviveBadValues(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"a", "b"}, workers: []int{1, 2, 4}, reps: 2}.build(t)
	wide := cellAt(t, res, "a", 2)
	wide.Summary.Throughput.Lo = -wide.Summary.Throughput.Mean // a 2-rep interval through zero
	empty := cellAt(t, res, "b", 4)
	empty.Latency, empty.Summary.Latency = nil, results.Percentiles{}
	zero := cellAt(t, res, "b", 1)
	zero.Summary.CPUPerTaskNS = 0
	figs, notes, err := Figures(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if err := f.WriteSVG(io.Discard); err != nil { // draws what a PNG would, faster
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	joined := strings.Join(notes, "\n")
	for _, w := range []string{"without latency figures left out", "empty latency histogram"} {
		if !strings.Contains(joined, w) {
			t.Errorf("notes lack %q:\n%s", w, joined)
		}
	}
}

func TestSpectrumX(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ q, x float64 }{{0, 0}, {0.9, 1}, {0.99, 2}, {0.999, 3}, {0.9999, 4}} {
		if got := SpectrumX(tt.q); math.Abs(got-tt.x) > 1e-9 {
			t.Errorf("SpectrumX(%g) = %g, want %g", tt.q, got, tt.x)
		}
	}
}
