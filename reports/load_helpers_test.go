package reports

import (
	"math"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// loadModel is a synthetic topology under open-loop load: it serves up to
// perWorker tasks/s per worker, and its latency grows as 1/(1-ρ) with the
// utilisation ρ until it saturates, after which a queue builds up.
type loadModel struct {
	perWorker float64
	base      time.Duration // median latency when idle
	// stallAt, when > 0, is the second of the first repetition in which
	// the topology stalls for about 100 ms.
	stallAt int
}

var loadModels = map[string]loadModel{
	"goroutine": {perWorker: 60_000, base: 40 * time.Microsecond},
	"tcp":       {perWorker: 15_000, base: 150 * time.Microsecond, stallAt: 6},
}

// figures is what the model predicts at one offered rate for one second
// of a repetition (sec < 0: the whole repetition).
type loadFigures struct {
	achieved       float64
	p50, p99, p999 int64
	overloaded     bool
}

func (m loadModel) at(workers, rate int, dur time.Duration, sec int) loadFigures {
	capacity := m.perWorker * float64(workers)
	rho := float64(rate) / capacity
	if rho < 0.95 {
		p50 := float64(m.base) / (1 - rho)
		return loadFigures{achieved: float64(rate), p50: int64(p50), p99: int64(8 * p50), p999: int64(20 * p50)}
	}
	// Overloaded: the queue grows for the whole repetition.
	backlog := (1 - capacity/float64(rate)) * dur.Seconds()
	if sec >= 0 {
		backlog = (1 - capacity/float64(rate)) * (float64(sec) + 0.5)
	}
	p50 := max(backlog/2*1e9, 20*float64(m.base))
	return loadFigures{achieved: 0.98 * capacity, p50: int64(p50), p99: int64(1.9 * p50), p999: int64(1.98 * p50), overloaded: true}
}

// shapedHist returns a histogram of n values whose median, 99th and
// 99.9th percentiles are about p50, p99 and p999.
func shapedHist(t testing.TB, p50, p99, p999, n int64) results.Hist {
	t.Helper()
	knots := []struct{ q, v float64 }{{0, float64(p50) / 3}, {0.5, float64(p50)}, {0.99, float64(p99)},
		{0.999, float64(p999)}, {1, 1.2 * float64(p999)}}
	h := results.NewHist()
	per := max(n/1000, 1)
	for i := range 1000 {
		q := (float64(i) + 0.5) / 1000
		k := 1
		for knots[k].q < q {
			k++
		}
		a, b := knots[k-1], knots[k]
		f := (q - a.q) / (b.q - a.q)
		v := math.Exp(math.Log(a.v) + f*(math.Log(b.v)-math.Log(a.v)))
		results.Record(h, time.Duration(v), per)
	}
	enc, err := results.EncodeHist(h)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// loadResults is an open-loop run of goroutine and tcp at 1 and 2
// workers and 5k, 20k and 80k tasks/s, 10 s per repetition, two
// repetitions: tcp saturates at the top rates (and is flagged
// unreliable), and stalls once in its first repetitions.
func loadResults(t testing.TB) *results.Results {
	t.Helper()
	p := results.DefaultPlan([]string{"goroutine", "tcp"})
	p.Workers, p.Rate, p.Duration = []int{1, 2}, []int{5000, 20000, 80000}, workloads.Duration(10*time.Second)
	p.Batch, p.Window, p.Repetitions = []int{1}, []int{256}, 2
	res := emptyResults(p)
	for _, k := range p.Keys() {
		res.Cells = append(res.Cells, loadCell(t, loadModels[k.Topology], k, p.Duration.D(), p.Repetitions))
	}
	return res
}

func emptyResults(p results.Plan) *results.Results {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p,
		Env: results.Env{Host: "testhost", CPUModel: "Test CPU", Cores: 8, GOMAXPROCS: 8, GoVersion: "go1.26.8",
			OS: "linux", Arch: "amd64", Commit: "abc123", Start: start},
		Started: start, Finished: start.Add(150 * time.Second)}
}

// loadCell runs model m for reps repetitions of dur at k's scale.
func loadCell(t testing.TB, m loadModel, k results.Key, dur time.Duration, reps int) results.Cell {
	t.Helper()
	c := results.Cell{Key: k, Dispatch: results.DispatchRoundRobin, Status: results.StatusOK}
	whole := m.at(k.Workers, k.Rate, dur, -1)
	for r := range reps {
		tasks := int64(float64(k.Tasks) * whole.achieved / float64(k.Rate))
		wall := int64(float64(tasks) / whole.achieved * 1e9)
		node := tasks * 150
		rep := results.Rep{Round: r, Tasks: tasks, WallNS: wall, Throughput: whole.achieved,
			CoordCPUNS: tasks * 300, NodeCPUNS: &node, NodeTasks: []int64{tasks},
			Verify:  results.Verification{Expected: tasks, Verified: tasks},
			Latency: shapedHist(t, whole.p50, whole.p99, whole.p999, tasks),
			Service: shapedHist(t, int64(m.base)/2, int64(m.base), 2*int64(m.base), tasks)}
		l := &results.Load{Offered: float64(k.Rate), Achieved: whole.achieved * (1 - 0.002*float64(r)),
			Uncorrected: shapedHist(t, int64(m.base), 4*int64(m.base), 10*int64(m.base), tasks),
			LagP99NS:    int64(20 * time.Microsecond), LagMaxNS: int64(300 * time.Microsecond)}
		if whole.overloaded {
			l.LagP99NS, l.LagMaxNS, l.BoundHits = whole.p99, whole.p999, 40+int64(k.Workers)
		}
		for sec := range int(dur / time.Second) {
			f := m.at(k.Workers, k.Rate, dur, sec)
			s := results.Second{T: sec, Count: int64(f.achieved), P50: f.p50, P99: f.p99, Max: 2 * f.p999}
			if sec == 0 && !f.overloaded { // warm-up
				s.P50, s.P99, s.Max = 3*s.P50, 3*s.P99, 3*s.Max
			}
			if r == 0 && m.stallAt > 0 && sec == m.stallAt && !f.overloaded {
				s.P99, s.Max = int64(95*time.Millisecond), int64(100*time.Millisecond)
			}
			l.Series = append(l.Series, s)
		}
		rep.Load = l
		c.Reps = append(c.Reps, rep)
	}
	if err := results.Summarize(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// capacityResults is a capacity search (p99<5ms, 300 ms steps, to 25%)
// of goroutine and tcp at 1, 2 and 4 workers, run on the load models;
// tcp at 4 workers stops early with an error, and a third topology,
// "slow", fails its first step.
func capacityResults(t testing.TB) *results.Results {
	t.Helper()
	p := results.DefaultPlan([]string{"goroutine", "tcp", "slow"})
	p.Workers, p.Duration, p.SLO = []int{1, 2, 4}, workloads.Duration(300*time.Millisecond), "p99<5ms"
	p.Batch, p.Window, p.Repetitions = []int{1}, []int{256}, 1
	s := results.DefaultSearch()
	s.Precision = 0.25
	p.Search = &s
	res := emptyResults(p)
	models := map[string]loadModel{"slow": {perWorker: 500, base: 300 * time.Microsecond},
		"goroutine": loadModels["goroutine"], "tcp": loadModels["tcp"]}
	for _, topo := range p.Topologies {
		for _, w := range p.Workers {
			cp := results.Capacity{Key: results.Key{Topology: topo, Workers: w, Payload: 1, Window: 256, Batch: 1}}
			good, bad := 0, 0
			rate := s.Start
			for range 20 {
				k := cp.Key
				k.Rate, k.Tasks = rate, int(float64(rate)*p.Duration.D().Seconds())
				c := loadCell(t, models[topo], k, p.Duration.D(), 1)
				l := c.Summary.Latency
				step := results.Step{Offered: rate, Achieved: c.Summary.Load.Achieved.Mean, P50: l.P50, P99: l.P99, P999: l.P999, Thin: c.Summary.Thin, Pass: true}
				switch {
				case step.Achieved < s.MinAchieved*float64(rate):
					step.Pass, step.Reason = false, "achieved below 95% of offered"
				case time.Duration(l.P99) >= 5*time.Millisecond:
					step.Pass, step.Reason = false, "SLO missed: p99 "+time.Duration(l.P99).String()+" > 5ms"
				}
				res.Cells = append(res.Cells, c)
				cp.Steps = append(cp.Steps, step)
				if step.Pass {
					good, cp.MaxRate, cp.MaxAchieved = rate, rate, step.Achieved
				} else {
					bad = rate
				}
				if topo == "tcp" && w == 4 && len(cp.Steps) == 3 {
					cp.Error = "node 2: connection reset by peer"
					break
				}
				if bad == 0 {
					rate *= 2
				} else if good == 0 || float64(bad-good) <= s.Precision*float64(good) {
					break
				} else {
					rate = (good + bad) / 2
				}
			}
			res.Capacity = append(res.Capacity, cp)
		}
	}
	return res
}
