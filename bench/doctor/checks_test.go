package doctor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/reports"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestFixedWaitCheck(t *testing.T) {
	t.Parallel()
	us := time.Microsecond
	tests := []struct {
		name          string
		service, lat  time.Duration
		pass          bool
		missedFigures string
	}{
		{"on the wait", 1002 * us, 1020 * us, true, ""},
		{"service 4.9% over", 1049 * us, 1090 * us, true, ""},
		{"service 8% over", 1080 * us, 1090 * us, false, "service p50 1.08 ms, want 1 ms (0.95 to 1.05 ms)"},
		{"latency under the wait", 1000 * us, 990 * us, false, "latency p50 0.99 ms"},
		{"latency 20% over", 1000 * us, 1200 * us, false, "latency p50 1.2 ms, want 1 ms (1 to 1.1 ms)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := doctor.FixedWaitCheck(tt.service, tt.lat)
			if c.Pass != tt.pass || c.Name != doctor.CheckFixedWait || len(c.Parts) != 2 {
				t.Fatalf("FixedWaitCheck(%v, %v) = %+v, want pass %v", tt.service, tt.lat, c, tt.pass)
			}
			if m := doctor.Misses(c); !contains(m, tt.missedFigures) || tt.pass && m != "" {
				t.Errorf("Misses = %q, want %q", m, tt.missedFigures)
			}
		})
	}
}

// TestUSLCheck: the published Cisco data fit to the published parameters;
// the same data with throughput 1% higher fits a lambda 1% higher, which
// the check rejects, and sigma and kappa, which scaling leaves alone, pass.
func TestUSLCheck(t *testing.T) {
	t.Parallel()
	c, err := doctor.USLCheck(doctor.Cisco(), doctor.CiscoFit())
	if err != nil {
		t.Fatal(err)
	}
	if !c.Pass || len(c.Parts) != 3 {
		t.Fatalf("the published data set does not fit its published parameters: %+v", c)
	}
	scaled := doctor.Cisco()
	for i := range scaled {
		scaled[i].X *= 1.01
	}
	c, err = doctor.USLCheck(scaled, doctor.CiscoFit())
	if err != nil {
		t.Fatal(err)
	}
	if c.Pass || c.Parts[0].Pass || !c.Parts[1].Pass || !c.Parts[2].Pass {
		t.Fatalf("throughput scaled 1%%: %+v, want only lambda to miss", c.Parts)
	}
	if _, err := doctor.USLCheck([]reports.Point{{N: 1, X: 1}}, doctor.CiscoFit()); err == nil {
		t.Error("a one-point fit gave no error")
	}
}

// TestSearchFind: against a generator that holds every rate up to a known
// ceiling, the search brackets the ceiling to its precision, from above and
// below its start, and says when the ceiling lies outside its range.
func TestSearchFind(t *testing.T) {
	t.Parallel()
	s := doctor.DefaultSearch()
	tests := []struct {
		name                 string
		ceiling              int
		wantHeld, wantFailed bool // whether held and failed are non-zero
	}{
		{"above the start", 1_300_000, true, true},
		{"below the start", 150_000, true, true},
		{"just above the minimum", 1100, true, true},
		{"below the minimum", 500, false, true},
		{"above the maximum", 100_000_000, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := 0
			held, failed, err := s.Find(func(rate int) (bool, error) {
				steps++
				return rate <= tt.ceiling, nil
			})
			if err != nil || (held > 0) != tt.wantHeld || (failed > 0) != tt.wantFailed {
				t.Fatalf("Find = held %d, failed %d, %v", held, failed, err)
			}
			if held > tt.ceiling || failed > 0 && failed <= tt.ceiling {
				t.Errorf("held %d, failed %d do not bracket the ceiling %d", held, failed, tt.ceiling)
			}
			if held > 0 && failed > 0 && float64(failed-held) > s.Precision*float64(held) {
				t.Errorf("held %d and failed %d are further apart than %.0f%%", held, failed, 100*s.Precision)
			}
			if steps > 20 {
				t.Errorf("%d steps", steps)
			}
		})
	}
}
