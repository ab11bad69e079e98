package compare_test

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/reports/compare"
)

// TestCalibrate: A/A runs of synthetic noise give thresholds above the
// noise, and compare with those thresholds stays quiet on further A/A
// runs and still catches a 25% slowdown.
func TestCalibrate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	var runs []*compare.Set
	for range 5 {
		runs = append(runs, synthSet("run", rng, 1, 10, 1))
	}
	c, err := compare.Calibrate(runs, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c.Created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if c.Runs != 5 || c.Repetitions != 10 || c.Benchmark != "Synth/cell=0-8" {
		t.Errorf("calibration %+v", c)
	}
	for unit, want := range map[string]float64{"tasks/s": 0.03, "p99-sec": 0.15} {
		n, ok := c.Metrics[unit]
		if !ok {
			t.Fatalf("no noise for %s: %+v", unit, c.Metrics)
		}
		if n.CV < want/3 || n.CV > want*3 {
			t.Errorf("%s: CV %.3f, the runs' noise is %.2f", unit, n.CV, want)
		}
		if n.Threshold < compare.MinAutoThreshold || n.Threshold < n.MaxChange || n.Pairs != 10 {
			t.Errorf("%s: %+v", unit, n)
		}
	}
	path := filepath.Join(t.TempDir(), "cal", "calibration.json")
	if err := compare.WriteCalibration(path, c); err != nil {
		t.Fatal(err)
	}
	back, err := compare.ReadCalibration(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Metrics["tasks/s"] != c.Metrics["tasks/s"] {
		t.Errorf("read back %+v, want %+v", back.Metrics["tasks/s"], c.Metrics["tasks/s"])
	}
	if *update {
		if err := compare.WriteCalibration(filepath.Join("testdata", "calibration.json"), c); err != nil {
			t.Fatal(err)
		}
	}

	opt := compare.DefaultOptions()
	opt.UnitThresholds = c.Thresholds()
	aa, slow := 0, 0
	for range trials {
		old := synthSet("old", rng, 1, 10, 1)
		for _, s := range []struct {
			f float64
			n *int
		}{{1, &aa}, {1.25, &slow}} {
			r, err := compare.Compare(old, synthSet("new", rng, 1, 10, s.f), opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Regressions > 0 {
				*s.n++
			}
		}
	}
	if aa > 1 || slow < trials-1 {
		t.Errorf("with auto thresholds: A/A flagged %d of %d, +25%% flagged %d of %d", aa, trials, slow, trials)
	}
}

func TestCalibrateErrors(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := compare.Calibrate([]*compare.Set{synthSet("a", rng, 1, 5, 1)}, compare.DefaultOptions()); err == nil {
		t.Error("one run accepted")
	}
	a := fixed(t, "ns/op", map[string][]float64{"A": {1, 2, 3}})
	b := fixed(t, "ns/op", map[string][]float64{"B": {1, 2, 3}})
	if _, err := compare.Calibrate([]*compare.Set{a, b}, compare.DefaultOptions()); err == nil {
		t.Error("runs without a shared benchmark accepted")
	}
}

func TestParseCalibrationErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in, want string }{
		{"not json", "hello", "invalid character"},
		{"schema", `{"schema":2,"metrics":{"x":{}}}`, "schema 2"},
		{"no metrics", `{"schema":1}`, "no metrics"},
		{"negative", `{"schema":1,"metrics":{"x":{"threshold":-0.1}}}`, "not negative"},
		{"alarms", `{"schema":1,"metrics":{"x":{"pairs":1,"false_alarms":2}}}`, "bad pair counts"},
		{"unknown field", `{"schema":1,"metrics":{"x":{}},"extra":1}`, "unknown field"},
		{"trailing", `{"schema":1,"metrics":{"x":{}}} {}`, "trailing data"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compare.ParseCalibration("c.json", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
