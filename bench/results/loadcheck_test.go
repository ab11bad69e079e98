package results

import (
	"strings"
	"testing"
	"time"
)

// TestJudgeLoad: the harness's lateness makes a cell unreliable; the
// system's backpressure and saturation are findings that leave it valid.
func TestJudgeLoad(t *testing.T) {
	us := func(n int64) int64 { return n * int64(time.Microsecond) }
	for _, tc := range []struct {
		name       string
		batch      int
		l          LoadSummary
		series     []Second
		unreliable bool
		warn       []string // substrings, each in some warning
	}{
		{name: "on time", batch: 1, l: LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, LagP50NS: us(5), LagP99NS: us(80)}},
		{name: "late at the median", batch: 1, l: LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, LagP50NS: us(60), LagP99NS: us(90)},
			unreliable: true, warn: []string{"generator sent late"}},
		{name: "late in the tail", batch: 1, l: LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, LagP50NS: us(5), LagP99NS: us(2000)},
			unreliable: true, warn: []string{"generator sent late"}},
		{name: "a stalled node is backpressure", batch: 1,
			l:    LoadSummary{Offered: 2000, Achieved: Estimate{Mean: 1990}, LagP50NS: us(3), LagP99NS: us(40), BoundHits: 600, BoundWaitNS: us(300000), BoundMaxNS: us(300000)},
			warn: []string{"backpressure", "300ms in all"}},
		{name: "saturated", batch: 1, l: LoadSummary{Offered: 2000, Achieved: Estimate{Mean: 1000}, LagP50NS: us(3), LagP99NS: us(40)},
			warn: []string{"saturated", "50%"}},
		{name: "low load, round trip far above the unloaded one", batch: 1,
			l:          LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, ProbeP50NS: us(20), Utilization: 0.01, Uncorrected: Percentiles{P50: us(300)}},
			unreliable: true, warn: []string{"unloaded p50 20µs", "300µs"}},
		{name: "high load, round trip above the unloaded one", batch: 1,
			l: LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, ProbeP50NS: us(20), Utilization: 0.5, Uncorrected: Percentiles{P50: us(300)}}},
		{name: "low load, one bad second", batch: 1,
			l:          LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, ProbeP50NS: us(20), Utilization: 0.01, Uncorrected: Percentiles{P50: us(30)}},
			series:     []Second{{T: 0, Count: 1000, P50: us(40)}, {T: 1, Count: 1000, P50: us(2000)}},
			unreliable: true, warn: []string{"second 1"}},
		{name: "low load, a last second of a handful", batch: 1,
			l:      LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, ProbeP50NS: us(20), Utilization: 0.01, Uncorrected: Percentiles{P50: us(30)}},
			series: []Second{{T: 0, Count: 1000, P50: us(40)}, {T: 1, Count: 3, P50: us(2000)}}},
		{name: "low load, batch 8 waits for its batch to fill", batch: 8,
			l:      LoadSummary{Offered: 1000, Achieved: Estimate{Mean: 1000}, ProbeP50NS: us(20), Utilization: 0.01, Uncorrected: Percentiles{P50: us(30)}},
			series: []Second{{T: 0, Count: 1000, P50: us(4000)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Cell{Key: Key{Topology: "tcp", Workers: 2, Batch: tc.batch, Window: 4, Rate: 1000},
				Reps: []Rep{{Load: &Load{Series: tc.series}}}}
			l := tc.l
			judgeLoad(c, &l)
			if l.Unreliable != tc.unreliable {
				t.Errorf("unreliable %v, want %v; warnings %q", l.Unreliable, tc.unreliable, c.Warnings)
			}
			for _, w := range tc.warn {
				if !strings.Contains(strings.Join(c.Warnings, "\n"), w) {
					t.Errorf("no warning says %q: %q", w, c.Warnings)
				}
			}
			if len(tc.warn) == 0 && len(c.Warnings) > 0 {
				t.Errorf("warnings %q, want none", c.Warnings)
			}
		})
	}
}
