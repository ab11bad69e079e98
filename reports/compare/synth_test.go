package compare_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/compare"
)

// noise is the relative spread (lognormal sigma) of each metric between
// repetitions in the synthetic runs: roughly what a quiet machine shows
// for snbench's cells (throughput and CPU tight, the tail loose).
var noise = map[string]float64{
	"tasks/s":      0.03,
	"p50-ns":       0.05,
	"p99-ns":       0.15,
	"cpu-ns/task":  0.04,
	"ns/op":        0.03,
	"allocs/op":    0,
	"custom-units": 0.02,
}

// synthGobench returns Go benchmark format for cells benchmarks with reps
// repetitions each, every per-task cost multiplied by slow (1.25 is a 25%
// slowdown: throughput divides by it, times multiply).
func synthGobench(rng *rand.Rand, cells, reps int, slow float64) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/synth\ncpu: Synthetic CPU\n")
	for c := range cells {
		base := 1e6 * float64(c+1) // tasks/s
		for range reps {
			ln := func(unit string) float64 { return math.Exp(noise[unit] * rng.NormFloat64()) }
			tput := base / slow * ln("tasks/s")
			fmt.Fprintf(&b, "BenchmarkSynth/cell=%d-8 100000 %.3f ns/op %.0f tasks/s %.0f p50-ns %.0f p99-ns %.2f cpu-ns/task\n",
				c, 1e9/tput, tput, 20000*slow*ln("p50-ns"), 90000*slow*ln("p99-ns"), 500*slow*ln("cpu-ns/task"))
		}
	}
	return b.String()
}

// synthSet parses synthGobench's output.
func synthSet(name string, rng *rand.Rand, cells, reps int, slow float64) *compare.Set {
	s, err := compare.Parse(name, []byte(synthGobench(rng, cells, reps, slow)))
	if err != nil {
		panic(err)
	}
	return s
}

// synthResults returns snbench results of cells cells with reps
// repetitions, each with a latency histogram of 2000 lognormal latencies
// whose scale varies between repetitions, every cost multiplied by slow.
func synthResults(rng *rand.Rand, cells, reps int, slow float64) *results.Results {
	p := results.DefaultPlan([]string{"goroutine"})
	p.Workers, p.Tasks, p.Repetitions = nil, []int{2000}, reps
	for c := range cells {
		p.Workers = append(p.Workers, c+1)
	}
	res := &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p,
		Env:     results.Env{OS: "linux", Arch: "amd64", CPUModel: "Synthetic CPU", GOMAXPROCS: 8, Commit: "synthetic"},
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Finished: time.Date(2026, 1, 2, 3, 5, 5, 0, time.UTC)}
	for ci, k := range p.Keys() {
		c := results.Cell{Key: k, Dispatch: p.Dispatch, Status: results.StatusOK}
		for r := range reps {
			h := results.NewHist()
			scale := 20000 * slow * math.Exp(0.04*rng.NormFloat64())
			for range 2000 {
				results.Record(h, time.Duration(scale*math.Exp(0.6*rng.NormFloat64())), 1)
			}
			enc, err := results.EncodeHist(h)
			if err != nil {
				panic(err)
			}
			tput := 1e6 * float64(ci+1) / slow * math.Exp(0.03*rng.NormFloat64())
			wall := int64(2000 / tput * 1e9)
			c.Reps = append(c.Reps, results.Rep{Round: r, Tasks: 2000, WallNS: wall, Throughput: 2000 / (float64(wall) / 1e9),
				CoordCPUNS: int64(2000 * 500 * slow * math.Exp(0.04*rng.NormFloat64())), NodeTasks: []int64{2000},
				Verify: results.Verification{Expected: 2000, Verified: 2000}, Latency: enc})
		}
		res.Cells = append(res.Cells, c)
	}
	return res
}
