package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestOpenLoop checks that open-loop results, whose throughput is the
// offered rate, get latency plots against the rate instead of throughput
// plots and scaling fits, and no doubling test across rates.
func TestOpenLoop(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"a", "b"}, workers: []int{1, 2}, rates: []int{1000, 2000, 4000}, reps: 2}.build(t)
	figs, notes, err := Figures(res)
	if err != nil {
		t.Fatal(err)
	}
	names := figureNames(figs)
	for _, w := range []string{"latency-rate-w1", "latency-rate-w2", "latency-rate1000", "spectrum-w2-rate4000"} {
		if !slices.Contains(names, w) {
			t.Errorf("figures %v lack %s", names, w)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, "throughput") || strings.HasPrefix(n, "speedup") {
			t.Errorf("open loop drew %s", n)
		}
	}
	if !strings.Contains(strings.Join(notes, "\n"), "open loop, so throughput follows the offered rate") {
		t.Errorf("notes do not say why there is no throughput plot: %v", notes)
	}
	if gs := Growths(res); len(gs) != 0 {
		t.Errorf("a doubling test across offered rates: %+v", gs[0])
	}
	for _, s := range Scalings(res) {
		if s.Fit != nil || !strings.Contains(s.Verdict(), "open loop at") {
			t.Errorf("%s %s: fit %v, verdict %q", s.Topology, s.Scale, s.Fit, s.Verdict())
		}
	}
	r, err := New(res)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "--rate 1000,2000,4000 --duration 1s") {
		t.Error("the page's command line does not repeat the open-loop rates")
	}
	if !strings.Contains(page.String(), "<h3>Open-loop load</h3>") || strings.Contains(page.String(), "is fastest") {
		t.Error("the page lacks the open-loop table, or ranks topologies by an offered rate")
	}
}
