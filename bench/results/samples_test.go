package results_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// cellOf returns a summarised cell at batch with one repetition per entry
// of tasks, each of which recorded measurements batches (0: a file from
// before the field) and clamped tasks. Every task's latency is 1 ms, or
// 61 s for the clamped ones.
func cellOf(t *testing.T, batch int, tasks []int64, measurements []int64, clamped int64) results.Cell {
	t.Helper()
	c := results.Cell{Key: results.Key{Topology: "goroutine", Workers: 1, Batch: batch, Window: 1, Payload: 1},
		Dispatch: results.DispatchRoundRobin, Status: results.StatusOK}
	for i, n := range tasks {
		h := results.NewHist()
		results.Record(h, time.Millisecond, n-clamped)
		if clamped > 0 && results.Record(h, 61*time.Second, clamped) != true {
			t.Fatal("61 s was not clamped")
		}
		enc, err := results.EncodeHist(h)
		if err != nil {
			t.Fatal(err)
		}
		c.Reps = append(c.Reps, results.Rep{Round: i, Tasks: n, WallNS: 1e9, Throughput: float64(n),
			Verify: results.Verification{Expected: n, Verified: n}, Latency: enc, Service: enc, NodeTasks: []int64{n},
			Measurements: measurements[i], Clamped: clamped})
	}
	if err := results.Summarize(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSamplesKnownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		batch        int
		tasks, meas  []int64
		measurements int64
		beyond       results.Beyond
		thin         []string
	}{
		{"200 tasks batch 1", 1, []int64{200}, []int64{200}, 200,
			results.Beyond{P50: 100, P90: 20, P99: 2, P999: 0.2, P9999: 0.02}, []string{"p99", "p999", "p9999"}},
		{"2 reps x 200 tasks pool", 1, []int64{200, 200}, []int64{200, 200}, 400,
			results.Beyond{P50: 200, P90: 40, P99: 4, P999: 0.4, P9999: 0.04}, []string{"p99", "p999", "p9999"}},
		{"1000 tasks: p99 has exactly 10 beyond", 1, []int64{1000}, []int64{1000}, 1000,
			results.Beyond{P50: 500, P90: 100, P99: 10, P999: 1, P9999: 0.1}, []string{"p999", "p9999"}},
		{"1e6 tasks", 1, []int64{1_000_000}, []int64{1_000_000}, 1_000_000,
			results.Beyond{P50: 500000, P90: 100000, P99: 10000, P999: 1000, P9999: 100}, nil},
		{"batch 64, 640 tasks: 10 measurements", 64, []int64{640}, []int64{10}, 10,
			results.Beyond{P50: 5, P90: 1, P99: 0.1, P999: 0.01, P9999: 0.001}, []string{"p50", "p90", "p99", "p999", "p9999"}},
		{"old file: tasks over batch, rounded up", 64, []int64{641, 640}, []int64{0, 0}, 21,
			results.Beyond{P50: 10.5, P90: 2.1, P99: 0.21, P999: 0.021, P9999: 0.0021}, []string{"p90", "p99", "p999", "p9999"}},
		{"measurements recorded beat the estimate", 64, []int64{640}, []int64{12}, 12,
			results.Beyond{P50: 6, P90: 1.2, P99: 0.12, P999: 0.012, P9999: 0.0012}, []string{"p50", "p90", "p99", "p999", "p9999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := cellOf(t, tt.batch, tt.tasks, tt.meas, 0)
			s := c.Summary
			if s.Measurements != tt.measurements || !near(s.Beyond, tt.beyond) || !slices.Equal(s.Thin, tt.thin) {
				t.Fatalf("summary: measurements %d, beyond %+v, thin %q; want %d, %+v, %q",
					s.Measurements, s.Beyond, s.Thin, tt.measurements, tt.beyond, tt.thin)
			}
			x := results.SamplesOf(&c)
			if x.Measurements != s.Measurements || !slices.Equal(x.Thin, s.Thin) {
				t.Fatalf("SamplesOf = %+v, disagrees with the summary %+v", x, s)
			}
			for _, p := range []string{"p50", "p90", "p99", "p999", "p9999"} {
				if x.IsThin(p) != slices.Contains(tt.thin, p) {
					t.Errorf("IsThin(%s) = %v", p, x.IsThin(p))
				}
			}
			for _, w := range c.Warnings {
				if strings.Contains(w, "ceiling") {
					t.Errorf("warning %q without a clamped task", w)
				}
			}
		})
	}
}

func near(a, b results.Beyond) bool {
	x := []float64{a.P50, a.P90, a.P99, a.P999, a.P9999}
	y := []float64{b.P50, b.P90, b.P99, b.P999, b.P9999}
	for i := range x {
		if d := x[i] - y[i]; d > 1e-9 || d < -1e-9 {
			return false
		}
	}
	return true
}

func TestSummarizeReportsClamped(t *testing.T) {
	t.Parallel()
	// 2 repetitions of 1000 tasks, 1 of each over 60 s: 2 of 2000, so
	// ranks 1999 and 2000 (p99.99 and the max) read at the ceiling and
	// rank 1998 (p99.9) does not.
	c := cellOf(t, 1, []int64{1000, 1000}, []int64{1000, 1000}, 1)
	s := c.Summary
	if s.Clamped != 2 {
		t.Fatalf("summary clamped = %d, want 2", s.Clamped)
	}
	want := "2 of 2000 tasks took longer than the histogram's 60s ceiling and were recorded at it: " +
		"the max and any percentile marked ≥ are lower bounds"
	if !slices.Contains(c.Warnings, want) {
		t.Fatalf("warnings %q lack %q", c.Warnings, want)
	}
	if !results.AtCeiling(s.Latency.Max) || !results.AtCeiling(s.Latency.P9999) {
		t.Errorf("max %d and p99.99 %d should read at the ceiling", s.Latency.Max, s.Latency.P9999)
	}
	if results.AtCeiling(s.Latency.P99) || results.AtCeiling(s.Latency.P999) {
		t.Errorf("p99 %d and p99.9 %d should not", s.Latency.P99, s.Latency.P999)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"clamped":1}`, `"clamped":2`, `"measurements":2000`, `"thin":["p999","p9999"]`, `"beyond":{"p50":1000,`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("cell JSON lacks %s:\n%s", key, b)
		}
	}
}

// TestAtCeiling checks the ceiling's arithmetic against the histogram's
// own idea of which values it cannot tell from HistMax.
func TestAtCeiling(t *testing.T) {
	t.Parallel()
	h := results.NewHist()
	results.Record(h, 2*time.Minute, 1)
	for _, ns := range []int64{1, int64(time.Second), int64(59 * time.Second), int64(59990 * time.Millisecond),
		59_995_324_415, 59_995_324_416, results.HistMax - 1, results.HistMax, h.Max(), h.Max() + 1, int64(time.Hour)} {
		want := ns >= results.HistMax || h.ValuesAreEquivalent(ns, results.HistMax)
		if got := results.AtCeiling(ns); got != want {
			t.Errorf("AtCeiling(%d) = %v, want %v", ns, got, want)
		}
	}
	if !results.AtCeiling(h.Max()) || results.AtCeiling(int64(59*time.Second)) {
		t.Error("a clamped 2 min should read at the ceiling and 59 s not")
	}
}
