package history_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/reports/history"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// steps makes n entries of benchmark "Sort/n=100-2" (sec/op, 5 samples
// with 3% noise) and "Parallel-2" (sec/op, B/op) whose sec/op is level(i)
// times its base.
func steps(n int, level func(i int) float64) []history.Entry {
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	var es []history.Entry
	for i := range n {
		sort, par := make([]float64, 5), make([]float64, 5)
		for j := range 5 {
			sort[j] = 1e-6 * level(i) * (1 + 0.03*rng.NormFloat64())
			par[j] = 3e-7 * (1 + 0.03*rng.NormFloat64())
		}
		es = append(es, history.Entry{Schema: history.Schema, Commit: fmt.Sprintf("%07x", 0xabc000+i),
			Date: time.Date(2026, 2, 1+i, 0, 0, 0, 0, time.UTC), CPU: "Test CPU",
			Benchmarks: []history.Benchmark{
				{Name: "Sort/n=100-2", Samples: map[string][]float64{"sec/op": sort}},
				{Name: "Parallel-2", Samples: map[string][]float64{"sec/op": par, "B/op": {896, 896, 896, 896, 896}}},
			}})
	}
	return es
}

func TestChanges(t *testing.T) {
	t.Parallel()
	es := steps(20, func(i int) float64 {
		switch {
		case i == 4:
			return 1.5 // a one-entry spike
		case i >= 12:
			return 1.12
		}
		return 1
	})
	es[15].CPU = "Other CPU" // a change of machine later on is a note where it coincides, nothing else
	res, err := history.Changes(context.Background(), es, history.DefaultChangeOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Series != 3 || len(res.Changes) != 1 {
		t.Fatalf("%d series, changes %+v; want 3 series and one change", res.Series, res.Changes)
	}
	c := res.Changes[0]
	if c.Entry != 13 || c.Commit != "0abc00c" || c.Benchmark != "Sort/n=100-2" || c.Unit != "sec/op" || c.Verdict != history.VerdictRegression {
		t.Errorf("change %+v, want a sec/op regression of Sort at entry 13", c)
	}
	if c.Magnitude == nil || *c.Magnitude < 0.08 || *c.Magnitude > 0.16 || c.Confidence < 0.98 || len(c.Notes) != 0 {
		t.Errorf("change %+v, want about +12%% at >98%% confidence, no notes", c)
	}
	// The same step when the machine changed with it: noted.
	es[12].CPU = "Other CPU"
	res, err = history.Changes(context.Background(), es, history.DefaultChangeOptions())
	if err != nil || len(res.Changes) != 1 || len(res.Changes[0].Notes) != 1 || !strings.Contains(res.Changes[0].Notes[0], "cpu changed") {
		t.Errorf("a change with the CPU: %+v %v, want a note", res, err)
	}
	// --metric B/op: a flat series.
	opt := history.DefaultChangeOptions()
	opt.Metrics = []string{"B/op"}
	if res, err := history.Changes(context.Background(), es, opt); err != nil || res.Series != 1 || len(res.Changes) != 0 {
		t.Errorf("B/op: %+v %v", res, err)
	}
}

// TestChangesBadInput: histories that cannot hold a change get an error
// that says why in one line, never a change.
func TestChangesBadInput(t *testing.T) {
	t.Parallel()
	flat := steps(12, func(int) float64 { return 1 })
	// Mixed: the first half reports one benchmark, the second another;
	// the first half sec/op, the second half a unit of its own.
	mixed := steps(12, func(int) float64 { return 1 })
	for i := range mixed {
		if i >= 6 {
			mixed[i].Benchmarks = []history.Benchmark{{Name: "Renamed-2", Samples: map[string][]float64{"ns/item": {5, 5.1, 4.9}}}}
		}
	}
	for _, tt := range []struct {
		name    string
		entries []history.Entry
		metrics []string
		err     string
		short   bool
	}{
		{"no entries", nil, nil, "no benchmarks", false},
		{"one entry", flat[:1], nil, "1 entries, the longest series (benchmark and metric) has 1: a change needs at least 6", true},
		{"five entries", flat[:5], nil, "has 5", true},
		{"benchmarks and units differ halfway", mixed, nil, "has 6", false},
		{"unknown metric", flat, []string{"p99-sec"}, "no entry has metric p99-sec", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := history.DefaultChangeOptions()
			opt.Metrics = tt.metrics
			res, err := history.Changes(context.Background(), tt.entries, opt)
			if tt.name == "benchmarks and units differ halfway" {
				// Each half is a series of its own, long enough, flat.
				if err != nil || len(res.Changes) != 0 || res.Series != 4 {
					t.Fatalf("%+v %v, want 4 flat series", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line with %q (result %+v)", err, tt.err, res)
			}
			if errors.Is(err, history.ErrTooFewEntries) != tt.short {
				t.Errorf("errors.Is(ErrTooFewEntries) = %v", !tt.short)
			}
		})
	}
}

// TestWriteChanges compares each format with its golden file (go test
// -update rewrites them) and checks that the JSON reads back.
func TestWriteChanges(t *testing.T) {
	t.Parallel()
	es := steps(16, func(i int) float64 {
		if i >= 8 {
			return 0.9
		}
		return 1
	})
	res, err := history.Changes(context.Background(), es, history.DefaultChangeOptions())
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, format := range []string{history.FormatText, history.FormatMarkdown, history.FormatJSON} {
		var b bytes.Buffer
		if err := history.WriteChanges(&b, res, format); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "changes."+format)
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from %s:\n%s", format, golden, b.Bytes())
		}
		if format == history.FormatJSON {
			var back history.ChangesResult
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Changes) != 1 || back.Changes[0].Verdict != history.VerdictImprovement {
				t.Errorf("JSON reads back as %+v, %v", back, err)
			}
		}
	}
	if err := history.WriteChanges(&bytes.Buffer{}, res, "yaml"); err == nil {
		t.Error("format yaml accepted")
	}
}
