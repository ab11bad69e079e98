package compare_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/snbench/snbench/reports/compare"
)

// FuzzParse: any input either fails with an error or gives a set that
// compares with itself without error and without any change.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"old.txt", "new.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Unit x/s better=lower\nBenchmarkA-2 1 5 x/s 3 ns/op\nBenchmarkA-2 1 6 x/s 4 ns/op\n"))
	f.Add([]byte(`{"schema": 1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 8192 {
			return
		}
		s, err := compare.Parse("fuzz", in)
		if err != nil {
			return
		}
		opt := compare.DefaultOptions()
		opt.Resamples = 20
		r, err := compare.Compare(s, s, opt)
		if err != nil {
			return // e.g. only units nobody shares
		}
		if r.Regressions != 0 || r.Improvements != 0 {
			t.Fatalf("A/A of identical samples: %d regressions, %d improvements", r.Regressions, r.Improvements)
		}
		for _, tb := range r.Tables {
			for _, row := range tb.Rows {
				if row.Change != 0 && !math.IsNaN(row.Change) {
					t.Fatalf("%s %s: change %g between identical samples", row.Name, tb.Unit, row.Change)
				}
			}
		}
		for _, format := range compare.Outputs() {
			if err := compare.Write(discard{}, r, format); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzParseCalibration: what ParseCalibration accepts survives a JSON
// round trip unchanged.
func FuzzParseCalibration(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "calibration.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"schema":1,"metrics":{"tasks/s":{"threshold":-1}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := compare.ParseCalibration("fuzz", in)
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := compare.ParseCalibration("again", out)
		if err != nil {
			t.Fatalf("calibration does not round-trip: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(c.Metrics, c2.Metrics) || !c.Created.Equal(c2.Created) {
			t.Fatalf("round trip changed the calibration:\n%+v\n%+v", c, c2)
		}
	})
}
