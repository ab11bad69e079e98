package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// synth describes small, deterministic synthetic results.
type synth struct {
	topologies []string
	workers    []int
	tasks      []int
	payload    []int
	// rates, when set, make the plan open loop at these offered rates
	// for one second each.
	rates []int
	reps  int
	// windows are the plan's windows, results.WindowAuto among them
	// (see autoWindowOf); by default 4.
	windows []int
	// models give each topology's throughput against workers; by default
	// topology i gets defaultModels[i].
	models map[string]USL
}

var defaultModels = []USL{
	{Lambda: 2e6, Sigma: 0.05, Kappa: 0.001},
	{Lambda: 8e5, Sigma: 0.1, Kappa: 0.02},
	{Lambda: 4e5, Sigma: 0.3, Kappa: 0.05},
}

// build returns the results: every cell verified, throughput exactly on
// the topology's USL curve on average (repetitions at -2%, 0 and +2%),
// latency histograms whose scale grows with workers.
func (s synth) build(t testing.TB) *results.Results {
	t.Helper()
	res, err := s.results()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (s synth) results() (*results.Results, error) {
	p := results.DefaultPlan(s.topologies)
	p.Workers, p.Tasks, p.Payload, p.Repetitions, p.Window = s.workers, s.tasks, s.payload, s.reps, s.windows
	if p.Window == nil {
		p.Window = []int{4}
	}
	if p.Tasks == nil {
		p.Tasks = []int{10000}
	}
	if p.Payload == nil {
		p.Payload = []int{1}
	}
	if s.rates != nil {
		p.Rate, p.Duration = s.rates, workloads.Duration(time.Second)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p,
		Env: results.Env{Host: "testhost", CPUModel: "Test CPU", Cores: 8, GOMAXPROCS: 8, GoVersion: "go1.26.8",
			OS: "linux", Arch: "amd64", Commit: "abc123", Start: start},
		Started: start, Finished: start.Add(90 * time.Second)}
	for _, k := range p.Keys() {
		c, err := s.cell(k)
		if err != nil {
			return nil, err
		}
		res.Cells = append(res.Cells, c)
	}
	return res, nil
}

func (s synth) model(topo string) USL {
	if m, ok := s.models[topo]; ok {
		return m
	}
	for i, t := range s.topologies {
		if t == topo {
			return defaultModels[i%len(defaultModels)]
		}
	}
	return defaultModels[0]
}

// autoWindowOf is the probe of an auto cell of topology topo at
// workers: the first topology's throughput levels off at window 8, the
// last's (of two or more) still rises at the probe's largest window, and
// the others' level off at 32.
func (s synth) autoWindowOf(topo string, workers int) *results.AutoWindow {
	knee, last := 32, len(s.topologies) > 1 && topo == s.topologies[len(s.topologies)-1]
	switch {
	case topo == s.topologies[0]:
		knee = 8
	case last:
		knee = 2 * results.AutoMaxWindow
	}
	x := s.model(topo).X(float64(workers))
	a := &results.AutoWindow{Stop: results.AutoPlateau, WallNS: 150e6}
	for w := 1; w <= min(4*knee, results.AutoMaxWindow); w *= 2 {
		tp := x * (0.5 + min(float64(w)/float64(knee), 1)/2)
		wall := int64(50000 / tp * 1e9)
		a.Steps = append(a.Steps, results.WindowStep{Window: w, Tasks: 50000, WallNS: wall, Throughput: 50000 / (float64(wall) / 1e9)})
	}
	a.Window = min(knee, results.AutoMaxWindow)
	if last {
		a.Stop = results.AutoMax
	}
	return a
}

func (s synth) cell(k results.Key) (results.Cell, error) {
	c := results.Cell{Key: k, Dispatch: results.DispatchRoundRobin, Status: results.StatusOK}
	if k.Window == results.WindowAuto {
		c.AutoWindow = s.autoWindowOf(k.Topology, k.Workers)
	}
	x := s.model(k.Topology).X(float64(k.Workers)) / float64(k.Payload)
	for r := range s.reps {
		tp := x * (1 + 0.02*float64(r-1))
		if s.reps == 1 {
			tp = x
		}
		wall := int64(float64(k.Tasks) / tp * 1e9)
		lat, svc := results.NewHist(), results.NewHist()
		base := time.Duration(float64(k.Workers) * 1e9 / x) // Little's law, roughly
		for i := range 100 {
			results.Record(lat, base*time.Duration(10+i)/20, int64(k.Tasks/100))
			results.Record(svc, base*time.Duration(10+i)/80, int64(k.Tasks/100))
		}
		results.Record(lat, 40*base, 1) // one slow task
		node := int64(k.Tasks) * 150
		rep := results.Rep{Round: r, Tasks: int64(k.Tasks), WallNS: wall, Throughput: float64(k.Tasks) / (float64(wall) / 1e9),
			CoordCPUNS: int64(k.Tasks) * int64(200+10*k.Workers), NodeCPUNS: &node, NodeTasks: []int64{int64(k.Tasks)},
			Verify: results.Verification{Expected: int64(k.Tasks), Verified: int64(k.Tasks)}}
		if k.Rate == 0 {
			rep.Occupancy = 0.98 // a window-bound cell
		}
		var err error
		if rep.Latency, err = results.EncodeHist(lat); err != nil {
			return c, err
		}
		if rep.Service, err = results.EncodeHist(svc); err != nil {
			return c, err
		}
		c.Reps = append(c.Reps, rep)
	}
	return c, results.Summarize(&c)
}

// cellAt returns res's cell for topology topo at workers (first scale).
func cellAt(t testing.TB, res *results.Results, topo string, workers int) *results.Cell {
	t.Helper()
	for i := range res.Cells {
		if c := &res.Cells[i]; c.Topology == topo && c.Workers == workers {
			return c
		}
	}
	t.Fatalf("no cell %s workers=%d", topo, workers)
	return nil
}

// withFailures marks one cell as losing tasks, one as errored with no
// repetitions, and adds a run warning.
func withFailures(t testing.TB, res *results.Results) *results.Results {
	t.Helper()
	lost := cellAt(t, res, res.Plan.Topologies[1], 4)
	lost.Reps[0].Verify.Verified -= 7
	lost.Reps[0].Verify.Lost = 7
	if err := results.Summarize(lost); err != nil {
		t.Fatal(err)
	}
	dead := cellAt(t, res, res.Plan.Topologies[len(res.Plan.Topologies)-1], 8)
	*dead = results.Cell{Key: dead.Key, Dispatch: dead.Dispatch, Status: results.StatusError,
		Error: "node 3: connection reset by peer"}
	res.Warnings = append(res.Warnings, "generator fell behind schedule by 12%")
	return res
}

var basicJSON = sync.OnceValues(func() ([]byte, error) {
	res, err := synth{topologies: []string{"goroutine", "subprocess", "tcp"}, workers: []int{1, 2, 4, 8}, reps: 3}.results()
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
})

// basic is three topologies at 1, 2, 4 and 8 workers: a fresh copy each
// call (building histograms is slow under the race detector).
func basic(t testing.TB) *results.Results {
	t.Helper()
	b, err := basicJSON()
	if err != nil {
		t.Fatal(err)
	}
	var res results.Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// golden compares got with testdata/name, rewriting it under -update and
// writing testdata/name.got (ignored by git) on a mismatch.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the golden file; got written to %s.got (go test -update accepts it)", path, path)
	}
}

// ties is three topologies whose order and speedups are partly not
// established (3 repetitions at -2%, 0, +2%: each 95% interval is
// ±4.97% of its mean). a does not scale (100 tasks/s at every worker
// count); b scales linearly from 103, so a and b overlap at 1 worker
// only ([95.0, 105.0] and [97.9, 108.1]); c scales linearly from 30 and
// is told apart from both everywhere.
func ties(t testing.TB) *results.Results {
	return synth{topologies: []string{"a", "b", "c"}, workers: []int{1, 2, 4}, reps: 3,
		models: map[string]USL{"a": {Lambda: 100, Sigma: 1}, "b": {Lambda: 103}, "c": {Lambda: 30}}}.build(t)
}
