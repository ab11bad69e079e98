package results_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// FuzzFromGobench: any input either fails with an error or gives results
// that pass Parse's checks after a JSON round trip and that WriteGobench
// writes in a form FromGobench reads back with as many repetitions.
func FuzzFromGobench(f *testing.F) {
	for _, name := range []string{"gotest_doubling.txt", "gotest_custom.txt", "gotest_tally.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("BenchmarkX-8 10 5 ns/op 3 tasks/s\nBenchmarkX-8 10 6 ns/op\n"))
	f.Add([]byte("BenchmarkD/topology=a/workers=0/tasks=-1 1 1 ns/op\n"))
	f.Add([]byte("BenchmarkM 10 5 ns/op NaN x/op Inf y/op 3 z/op\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return // each line costs a few histograms; long inputs only slow the fuzzer
		}
		res, err := results.FromGobench("fuzz", bytes.NewReader(in))
		if err != nil {
			return
		}
		if err := res.Plan.Validate(); err != nil {
			t.Fatalf("FromGobench made an invalid plan: %v", err)
		}
		if len(res.Cells) <= 2 {
			// Parse decodes two histograms per repetition: check small
			// results only, so the fuzzer stays fast.
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := results.Parse("fuzz.json", b); err != nil {
				t.Fatalf("FromGobench made results Parse rejects: %v", err)
			}
		}
		var out bytes.Buffer
		if err := results.WriteGobench(&out, res); err != nil {
			t.Fatal(err)
		}
		reps := 0
		for _, c := range res.Cells {
			for _, r := range c.Reps {
				if r.Tasks > 0 && r.WallNS > 0 {
					reps++
				}
			}
		}
		if reps == 0 {
			return
		}
		back, err := results.FromGobench("again", &out)
		if err != nil {
			t.Fatalf("written output does not read back: %v\n%s", err, out.Bytes())
		}
		n := 0
		for _, c := range back.Cells {
			n += len(c.Reps)
		}
		if n != reps {
			t.Fatalf("%d repetitions read back, want %d\n%s", n, reps, out.Bytes())
		}
	})
}
