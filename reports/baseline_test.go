package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// withBaselines gives the 1- and 2-worker cells of basic's first two
// topologies raw baselines with known figures: cell p50 and raw p50 of 66
// and 50 µs (a difference of 16 µs, a ratio of 1.32), 45 and 50 µs (-5 µs,
// 0.9), 100 and 40 µs (60 µs, 2.5) and 1 µs and 0 (no ratio).
func withBaselines(t *testing.T) *results.Results {
	t.Helper()
	res := basic(t)
	for _, b := range []struct {
		topo            string
		workers         int
		transport       string
		tput, raw       float64
		p50NS, rawP50NS int64
	}{
		{"goroutine", 1, "channel", 3e6, 2.5e6, 66_000, 50_000},
		{"goroutine", 2, "channel", 4e6, 5e6, 45_000, 50_000},
		{"subprocess", 1, "pipe", 1e6, 2e6, 100_000, 40_000},
		{"subprocess", 2, "pipe", 1e6, 2e6, 1_000, 0},
	} {
		c := cellAt(t, res, b.topo, b.workers)
		c.Summary.Throughput.Mean, c.Summary.Latency.P50 = b.tput, b.p50NS
		c.Baseline = &results.Baseline{Transport: b.transport, Throughput: results.Estimate{Mean: b.raw}, P50NS: b.rawP50NS}
	}
	return res
}

func TestBaselineTable(t *testing.T) {
	t.Parallel()
	res := withBaselines(t)
	for _, format := range []string{FormatTerminal, FormatMarkdown} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := WriteBaselineTable(&b, res, format); err != nil {
				t.Fatal(err)
			}
			golden(t, "baseline-basic."+formatExt[format], b.Bytes())
			out := b.String()
			for _, want := range []string{"p50 - raw", "p50 / raw", "their difference", "their ratio"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "p50 over raw") {
				t.Errorf("a difference is still called \"over raw\":\n%s", out)
			}
			// Each row: efficiency, difference and ratio, known in advance.
			for _, want := range [][]string{
				{"goroutine", "120%", "16.0us", "1.32x"},
				{"goroutine", "80%", "-5.00us", "0.900x"},
				{"subprocess", "50%", "60.0us", "2.50x"},
				{"subprocess", "50%", "1.00us", "-"},
			} {
				if !hasRow(out, want) {
					t.Errorf("no row with %q:\n%s", want, out)
				}
			}
		})
	}
}

// hasRow reports whether a line of out contains every cell of want, in
// order.
func hasRow(out string, want []string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, w := range want {
			i := strings.Index(rest, " "+w+" ")
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w)+1:]
		}
		if ok {
			return true
		}
	}
	return false
}
