package results

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/snbench/snbench/workloads"
)

// Dispatch policies.
const (
	// DispatchRoundRobin sends batch k to node k mod N.
	DispatchRoundRobin = "round-robin"
	// DispatchLeastOutstanding keeps one shared queue of batches; each
	// node's driver takes the next batch whenever its node has a free
	// window slot, so the node with the fewest outstanding tasks is served
	// first. It is the reference design's shared queue, and it costs a
	// shared atomic counter on the dispatch path.
	DispatchLeastOutstanding = "least-outstanding"
	// DispatchHash sends task id to node hash(id) mod N.
	DispatchHash = "hash"
)

// Dispatches lists the dispatch policies.
func Dispatches() []string {
	return []string{DispatchRoundRobin, DispatchLeastOutstanding, DispatchHash}
}

// Plan is what to run: the cross product of topologies and the scale axes,
// each cell measured Repetitions times. It is stored in every results file.
type Plan struct {
	// Topologies are the rows, in the order tables list them: registry
	// names, or a registry name and a label ("exec:py") for each row of a
	// topology whose options make several (an exec topology's commands).
	// A run's results hold the rows it ran: a topology given by name alone
	// is replaced there by its labelled rows.
	Topologies []string `json:"topologies"`
	// Workload is the workload's registry name.
	Workload string `json:"workload"`
	// CPU is the arithmetic each task burns on its node.
	CPU workloads.Duration `json:"cpu,omitempty"`
	// Wait is the time each task sleeps on its node.
	Wait workloads.Duration `json:"wait,omitempty"`
	// Seed selects the task values.
	Seed uint64 `json:"seed"`

	// Workers is the node counts to run.
	Workers []int `json:"workers"`
	// Tasks is the task counts per measured repetition.
	Tasks []int `json:"tasks"`
	// Payload is the values per task (K).
	Payload []int `json:"payload"`
	// Window is the most batches in flight per node; WindowAuto ("auto")
	// has a short probe choose it per cell (see AutoWindow).
	Window Windows `json:"window"`
	// Batch is the most tasks per batch.
	Batch []int `json:"batch"`

	// Dispatch is the dispatch policy (see Dispatches).
	Dispatch string `json:"dispatch"`
	// Repetitions is the measured repetitions per cell.
	Repetitions int `json:"repetitions"`
	// Warmup is the tasks run, verified but not measured, before each
	// measured repetition.
	Warmup int `json:"warmup"`
	// TaskTimeout bounds the wait for any result: a node with work in
	// flight that answers nothing for this long fails the run.
	TaskTimeout workloads.Duration `json:"task_timeout"`
	// Rate, when set, makes every cell an open-loop load test: tasks arrive
	// at this many per second (one cell per rate) on a fixed schedule,
	// whether or not the nodes keep up. Empty means closed loop.
	Rate []int `json:"rate,omitempty"`
	// Duration is how long each open-loop repetition offers load; the
	// cell's task count is Rate x Duration.
	Duration workloads.Duration `json:"duration,omitempty"`
	// Arrivals is the open-loop schedule: "constant" spacing (default) or
	// "poisson".
	Arrivals string `json:"arrivals,omitempty"`
	// SLO is the service-level objective a capacity search holds each step
	// to, e.g. "p99<5ms" or "p50<1ms,p99.9<20ms".
	SLO string `json:"slo,omitempty"`
	// Baselines, when set, measures each cell's bare transport (see
	// Baseline) in the same rounds as the cell.
	Baselines bool `json:"baselines,omitempty"`
	// Search, when set, turns the run into a capacity search per topology
	// and scale (see Search).
	Search *Search `json:"search,omitempty"`
	// Options are the topologies' own options, by topology name, then
	// option name (the flag's, without --), values as strings: each
	// topology declares, checks and reads its own (topologies.Configurable),
	// and they reach no other. Never credentials. Files written before options
	// held nodes, nats_url and nats_subject at the top level instead; a
	// plan file that does gets an error saying where they went.
	Options map[string]map[string]string `json:"options,omitempty"`
	// OnNodeFailure is what a repetition does when a node dies, stops
	// answering for TaskTimeout, or breaks its connection: OnFailureFail
	// (the default; empty means it) ends the run with an error naming the
	// node and the tasks completed, in flight and lost; OnFailureRedispatch
	// resends the node's tasks in flight and its unsent share to the other
	// nodes and finishes the repetition (see docs/reliability.md).
	OnNodeFailure string `json:"on_node_failure,omitempty"`
}

// Node failure policies (Plan.OnNodeFailure).
const (
	// OnFailureFail ends the run at the first node failure.
	OnFailureFail = "fail"
	// OnFailureRedispatch hands a failed node's work to the survivors. It
	// costs a shared counter and a shared queue check per batch on the
	// coordinator's dispatch path, in this mode only.
	OnFailureRedispatch = "redispatch"
)

// OnNodeFailures lists the node failure policies.
func OnNodeFailures() []string { return []string{OnFailureFail, OnFailureRedispatch} }

// Redispatch reports whether the plan hands a failed node's work to the
// other nodes.
func (p Plan) Redispatch() bool { return p.OnNodeFailure == OnFailureRedispatch }

// Arrival schedules.
const (
	ArrivalsConstant = "constant"
	ArrivalsPoisson  = "poisson"
)

// Search configures a capacity search: the offered rate starts at Start
// and doubles per step until a step fails the SLO (or loses results, or
// achieves less than MinAchieved of the offered rate), then bisects between
// the last good and the first bad rate until they are within Precision of
// each other.
type Search struct {
	// Start is the first offered rate, tasks/s.
	Start int `json:"start"`
	// Max bounds the offered rate; reaching it ends the doubling.
	Max int `json:"max"`
	// Precision is the relative gap at which bisection stops (0.05 = 5%).
	Precision float64 `json:"precision"`
	// MinAchieved is the lowest achieved/offered ratio a step may have and
	// pass (0.95).
	MinAchieved float64 `json:"min_achieved"`
}

// DefaultSearch returns the default capacity search: from 1k tasks/s up to
// 64M, to 5%, passing steps that achieve 95% of the offered rate.
func DefaultSearch() Search {
	return Search{Start: 1000, Max: 64_000_000, Precision: 0.05, MinAchieved: 0.95}
}

// DefaultPlan returns the default comparison: every given topology at 1, 2,
// 4 and 8 workers, each cell at the window its probe chooses (WindowAuto).
func DefaultPlan(topologies []string) Plan {
	return Plan{
		Topologies:  slices.Clone(topologies),
		Workload:    "doubling",
		Seed:        1,
		Workers:     []int{1, 2, 4, 8},
		Tasks:       []int{1_000_000},
		Payload:     []int{1},
		Window:      Windows{WindowAuto},
		Batch:       []int{64},
		Dispatch:    DispatchRoundRobin,
		Repetitions: 5,
		Warmup:      10_000,
		TaskTimeout: workloads.Duration(5 * time.Second),
	}
}

// Limits on plan values, so that a typo cannot exhaust memory.
const (
	MaxWorkers = 1024
	MaxTasks   = 1 << 30
	MaxWindow  = 1 << 16
	MaxBatch   = 1 << 16
)

// Validate reports the first thing wrong with p, naming the field.
func (p Plan) Validate() error {
	if len(p.Topologies) == 0 {
		return fmt.Errorf("plan: topologies: empty")
	}
	if p.Workload == "" {
		return fmt.Errorf("plan: workload: empty")
	}
	if p.CPU < 0 || p.Wait < 0 {
		return fmt.Errorf("plan: cpu and wait must not be negative")
	}
	axes := []struct {
		name string
		vals []int
		max  int
	}{
		{"workers", p.Workers, MaxWorkers},
		{"tasks", p.Tasks, MaxTasks},
		{"payload", p.Payload, workloads.MaxPayload},
		{"window", p.Window, MaxWindow},
		{"batch", p.Batch, MaxBatch},
	}
	for _, a := range axes {
		if len(a.vals) == 0 {
			return fmt.Errorf("plan: %s: empty", a.name)
		}
		for _, v := range a.vals {
			if a.name == "window" && v == WindowAuto {
				continue
			}
			if v < 1 || v > a.max {
				return fmt.Errorf("plan: %s: %d out of range [1, %d]", a.name, v, a.max)
			}
		}
	}
	if !slices.Contains(Dispatches(), p.Dispatch) {
		return fmt.Errorf("plan: dispatch: unknown policy %q (known: %v)", p.Dispatch, Dispatches())
	}
	if p.Repetitions < 1 || p.Repetitions > 1000 {
		return fmt.Errorf("plan: repetitions: %d out of range [1, 1000]", p.Repetitions)
	}
	if err := p.validateProducts(); err != nil {
		return err
	}
	if p.Warmup < 0 || p.Warmup > MaxTasks {
		return fmt.Errorf("plan: warmup: %d out of range [0, %d]", p.Warmup, MaxTasks)
	}
	if p.TaskTimeout <= 0 {
		return fmt.Errorf("plan: task_timeout: must be positive, got %v", p.TaskTimeout)
	}
	switch p.OnNodeFailure {
	case "", OnFailureFail, OnFailureRedispatch:
	default:
		return fmt.Errorf("plan: on_node_failure: unknown policy %q (want fail or redispatch)", p.OnNodeFailure)
	}
	if err := p.validateLoad(); err != nil {
		return err
	}
	return nil
}

// Clone returns a copy of p that shares no slices with it: decoding into
// a plan reuses its slices' arrays, so a base plan must be cloned first.
func (p Plan) Clone() Plan {
	c := p
	c.Topologies = slices.Clone(p.Topologies)
	c.Workers = slices.Clone(p.Workers)
	c.Tasks = slices.Clone(p.Tasks)
	c.Payload = slices.Clone(p.Payload)
	c.Window = slices.Clone(p.Window)
	c.Batch = slices.Clone(p.Batch)
	if p.Options != nil {
		c.Options = make(map[string]map[string]string, len(p.Options))
		for t, o := range p.Options {
			c.Options[t] = maps.Clone(o)
		}
	}
	c.Rate = slices.Clone(p.Rate)
	if p.Search != nil {
		s := *p.Search
		c.Search = &s
	}
	return c
}

// OpenLoop reports whether the plan offers load at fixed rates.
func (p Plan) OpenLoop() bool { return len(p.Rate) > 0 || p.Search != nil }

// MaxRate bounds an offered rate, tasks/s.
const MaxRate = 1_000_000_000

func (p Plan) validateLoad() error {
	for _, r := range p.Rate {
		if r < 1 || r > MaxRate {
			return fmt.Errorf("plan: rate: %d out of range [1, %d]", r, MaxRate)
		}
	}
	if p.Duration < 0 || (p.OpenLoop() && p.Duration == 0) {
		return fmt.Errorf("plan: duration: must be positive for open-loop runs, got %v", p.Duration)
	}
	switch p.Arrivals {
	case "", ArrivalsConstant, ArrivalsPoisson:
	default:
		return fmt.Errorf("plan: arrivals: unknown schedule %q (want constant or poisson)", p.Arrivals)
	}
	if p.OpenLoop() && p.Window.HasAuto() {
		return fmt.Errorf("plan: window: auto chooses a closed-loop window; an open-loop run needs an explicit one, its in-flight bound per node (256 by default from the command line)")
	}
	if p.OpenLoop() && p.Dispatch == DispatchLeastOutstanding {
		return fmt.Errorf("plan: dispatch: least-outstanding needs one shared arrival queue; open-loop runs use round-robin or hash")
	}
	if _, err := ParseSLO(p.SLO); err != nil {
		return fmt.Errorf("plan: slo: %w", err)
	}
	if s := p.Search; s != nil {
		switch {
		case len(p.Rate) > 0:
			return fmt.Errorf("plan: rate and search: a capacity search chooses its own rates; give one or the other")
		case s.Start < 1 || s.Start > MaxRate:
			return fmt.Errorf("plan: search.start: %d out of range [1, %d]", s.Start, MaxRate)
		case s.Max < s.Start || s.Max > MaxRate:
			return fmt.Errorf("plan: search.max: %d out of range [%d, %d]", s.Max, s.Start, MaxRate)
		case s.Precision <= 0 || s.Precision >= 1:
			return fmt.Errorf("plan: search.precision: %v out of range (0, 1)", s.Precision)
		case s.MinAchieved <= 0 || s.MinAchieved > 1:
			return fmt.Errorf("plan: search.min_achieved: %v out of range (0, 1]", s.MinAchieved)
		}
	}
	return nil
}

// TasksAt returns the task count of an open-loop repetition at rate.
func (p Plan) TasksAt(rate int) int {
	return max(1, int(float64(rate)*p.Duration.D().Seconds()))
}

// Spec returns the workload spec for a payload.
func (p Plan) Spec(payload int) workloads.Spec {
	return workloads.Spec{Name: p.Workload, Payload: payload, CPU: p.CPU, Wait: p.Wait, Seed: p.Seed}
}

// Key identifies a cell: one topology at one scale.
type Key struct {
	Topology string `json:"topology"`
	Workers  int    `json:"workers"`
	Tasks    int    `json:"tasks"`
	Payload  int    `json:"payload"`
	// Window is the most batches in flight per node, or WindowAuto (0)
	// for a cell whose probe chose it (Cell.AutoWindow).
	Window int `json:"window"`
	Batch  int `json:"batch"`
	// Rate is the offered rate of an open-loop cell, tasks/s; 0 for a
	// closed-loop cell.
	Rate int `json:"rate,omitempty"`
}

// String formats k as "tcp/workers=4/tasks=100000/payload=1/window=4/batch=64"
// ("window=auto" for an auto cell).
func (k Key) String() string {
	s := fmt.Sprintf("%s/workers=%d/tasks=%d/payload=%d/window=%s/batch=%d",
		k.Topology, k.Workers, k.Tasks, k.Payload, FormatWindow(k.Window), k.Batch)
	if k.Rate > 0 {
		s += fmt.Sprintf("/rate=%d", k.Rate)
	}
	return s
}

// Keys returns the plan's cells in table order: topology, then payload,
// batch, window, tasks, and workers innermost.
func (p Plan) Keys() []Key {
	var keys []Key
	for _, t := range p.Topologies {
		for _, pl := range p.Payload {
			for _, b := range p.Batch {
				for _, w := range p.Window {
					if len(p.Rate) > 0 {
						for _, r := range p.Rate {
							for _, wk := range p.Workers {
								keys = append(keys, Key{Topology: t, Workers: wk, Tasks: p.TasksAt(r), Payload: pl, Window: w, Batch: b, Rate: r})
							}
						}
						continue
					}
					for _, n := range p.Tasks {
						for _, wk := range p.Workers {
							keys = append(keys, Key{Topology: t, Workers: wk, Tasks: n, Payload: pl, Window: w, Batch: b})
						}
					}
				}
			}
		}
	}
	return keys
}

// ParsePlan reads a plan file's contents, YAML or JSON (JSON is YAML), over
// the defaults in base: fields the file leaves out keep base's values.
// Unknown fields are errors, so a misspelt axis is not silently ignored.
// name is used in errors.
func ParsePlan(name string, data []byte, base Plan) (Plan, error) {
	p := base.Clone()
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		for _, old := range []string{"nodes", "nats_url", "nats_subject"} {
			if strings.Contains(err.Error(), `unknown field "`+old+`"`) {
				return Plan{}, fmt.Errorf("plan %s: %s: topology options now sit under options, by topology, then by the flag's name without -- (options: {TOPOLOGY: {FLAG: VALUE}}; 'snbench run --help' lists the flags)", name, old)
			}
		}
		return Plan{}, fmt.Errorf("plan %s: %w", name, err)
	}
	if err := p.Validate(); err != nil {
		return Plan{}, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}
