package compare_test

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/compare"
)

var update = flag.Bool("update", false, "rewrite the golden files (and their synthetic inputs) in testdata")

// goldenInputs writes the synthetic inputs: three cells, the new run's
// second cell 25% slower; as snbench results and in Go benchmark format.
func goldenInputs(t *testing.T) {
	t.Helper()
	old := synthResults(rand.New(rand.NewPCG(10, 1)), 3, 10, 1)
	nw := synthResults(rand.New(rand.NewPCG(10, 2)), 3, 10, 1)
	nw.Cells[1] = synthResults(rand.New(rand.NewPCG(10, 3)), 3, 10, 1.25).Cells[1]
	for name, r := range map[string]*results.Results{"old.json": old, "new.json": nw} {
		if err := results.Write(filepath.Join("testdata", name), r); err != nil {
			t.Fatal(err)
		}
	}
	for name, seed := range map[string]uint64{"old.txt": 1, "new.txt": 2} {
		rng := rand.New(rand.NewPCG(11, seed))
		slow := 1.0
		if name == "new.txt" {
			slow = 0.85 // 15% less time per task: an improvement
		}
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(synthGobench(rng, 4, 8, slow)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGolden checks compare's output, in every format, against the files
// in testdata; run with -update to rewrite them.
func TestGolden(t *testing.T) {
	if *update {
		goldenInputs(t)
	}
	tests := []struct {
		name, old, new, format string
		metrics                []string
	}{
		{"json_text", "old.json", "new.json", compare.OutputText, nil},
		{"json_markdown", "old.json", "new.json", compare.OutputMarkdown, nil},
		{"json_json", "old.json", "new.json", compare.OutputJSON, nil},
		{"gobench_text", "old.txt", "new.txt", compare.OutputText, nil},
		{"gobench_p99_markdown", "old.txt", "new.txt", compare.OutputMarkdown, []string{"p99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, err := compare.Load(filepath.Join("testdata", tt.old))
			if err != nil {
				t.Fatal(err)
			}
			nw, err := compare.Load(filepath.Join("testdata", tt.new))
			if err != nil {
				t.Fatal(err)
			}
			opt := compare.DefaultOptions()
			opt.Metrics = tt.metrics
			r, err := compare.Compare(old, nw, opt)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := compare.Write(&out, r, tt.format); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				got := golden + ".got"
				_ = os.WriteFile(got, out.Bytes(), 0o644)
				t.Errorf("output differs from %s (written to %s):\n%s", golden, got, out.Bytes())
			}
		})
	}
}
