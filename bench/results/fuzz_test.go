package results_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// FuzzParsePlan: any input either fails with an error or gives a plan that
// validates and survives a JSON round trip.
func FuzzParsePlan(f *testing.F) {
	for _, name := range []string{"plan.yaml", "plan.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("workers: [0]"))
	base := results.DefaultPlan([]string{"goroutine"})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := results.ParsePlan("fuzz", in, base)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePlan accepted an invalid plan: %v", err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := results.ParsePlan("again", b, base); err != nil {
			t.Fatalf("plan does not round-trip: %v", err)
		}
	})
}

// FuzzParse: the results reader never panics, and what it accepts can be
// written and read again.
func FuzzParse(f *testing.F) {
	good, err := json.Marshal(sample(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`{"schema":1,"cells":[{"status":"ok"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := results.Parse("fuzz", in)
		if err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := results.Parse("again", b); err != nil {
			t.Fatalf("accepted results do not round-trip: %v", err)
		}
	})
}
