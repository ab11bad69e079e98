package app

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/pflag"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/cli"
	"github.com/snbench/snbench/workloads"
)

// loadFlags are `snbench run`'s open-loop and capacity-search flags.
type loadFlags struct {
	rate      cli.Scale
	duration  time.Duration
	arrivals  string
	slo       string
	steps     bool
	start     cli.Count
	max       cli.Count
	precision float64
	baselines bool
	noReport  bool
	cpuProf   string
	memProf   string
}

// openLoopWindow is the default in-flight bound per node in open loop:
// large, so that the bound protects memory without shaping the load.
const openLoopWindow = 256

func (l *loadFlags) register(fl *pflag.FlagSet) {
	def := results.DefaultSearch()
	fl.BoolVar(&l.noReport, "no-report", false, "write only results.json, not the HTML report, tables and plots beside it")
	fl.StringVar(&l.cpuProf, "cpuprofile", "", "write the coordinator's CPU profile (pprof) of the whole run to `FILE`")
	fl.StringVar(&l.memProf, "memprofile", "", "write the coordinator's allocation profile (pprof) at the end of the run to `FILE`")
	fl.BoolVar(&l.baselines, "baselines", false, "also measure each cell's bare transport (channels, pipe, TCP, a NATS request) with the same batch and window, and report harness efficiency")
	fl.Var(&l.rate, "rate", "open loop: offered `tasks/s` (a list makes one cell per rate; k and M suffixes); default closed loop. Open loop defaults to --batch 1 (a batch waits for its last task) and --window 256 (the in-flight bound)")
	fl.DurationVar(&l.duration, "duration", 2*time.Second, "open loop: how long each repetition offers load (1s per capacity step)")
	fl.StringVar(&l.arrivals, "arrivals", results.ArrivalsConstant, "open loop: arrival schedule, constant or poisson")
	fl.StringVar(&l.slo, "slo", "", "capacity search: latency objective each step must hold, e.g. 'p99<5ms' or 'p50<1ms,p99.9<20ms' (default none: verification and achieved rate only)")
	fl.BoolVar(&l.steps, "rate-steps", false, "capacity search: double the offered rate per step until a step fails (SLO, lost results, or achieved < 95% of offered), then bisect")
	l.start, l.max = cli.Count{N: def.Start}, cli.Count{N: def.Max}
	fl.Var(&l.start, "rate-start", "capacity search: first offered rate, tasks/s (k and M suffixes, like --rate)")
	fl.Var(&l.max, "rate-max", "capacity search: highest offered rate, tasks/s (k and M suffixes)")
	fl.Float64Var(&l.precision, "precision", def.Precision, "capacity search: stop bisecting when the last good and first bad rates are this close (relative)")
}

// apply sets the plan's open-loop fields from the flags the user set.
func (l *loadFlags) apply(changed func(string) bool, p *bench.Plan) {
	if changed("baselines") {
		p.Baselines = l.baselines
	}
	if changed("rate") {
		p.Rate = l.rate.Values
	}
	if changed("arrivals") {
		p.Arrivals = l.arrivals
	}
	if changed("slo") {
		p.SLO = l.slo
	}
	if l.steps {
		s := results.DefaultSearch()
		if p.Search != nil {
			s = *p.Search
		}
		if changed("rate-start") {
			s.Start = l.start.N
		}
		if changed("rate-max") {
			s.Max = l.max.N
		}
		if changed("precision") {
			s.Precision = l.precision
		}
		p.Search = &s
		if !changed("repetitions") {
			p.Repetitions = 1
		}
	}
	if !p.OpenLoop() {
		return
	}
	switch {
	case changed("duration"):
		p.Duration = workloads.Duration(l.duration)
	case p.Duration == 0 && p.Search != nil:
		p.Duration = workloads.Duration(time.Second)
	case p.Duration == 0:
		p.Duration = workloads.Duration(l.duration)
	}
	def := bench.DefaultPlan(nil)
	if !changed("window") && len(p.Window) == 1 && p.Window[0] == def.Window[0] {
		p.Window = []int{openLoopWindow}
	}
	// A batch waits until its last task is due, so batching adds up to
	// batch/rate of latency: open loop sends task by task unless told.
	if !changed("batch") && len(p.Batch) == 1 && p.Batch[0] == def.Batch[0] {
		p.Batch = []int{1}
	}
}

// startProfiles starts the CPU profile, if asked for, and returns the
// function that stops it and writes the allocation profile.
func (l *loadFlags) startProfiles() (stop func() error, err error) {
	var cpu *os.File
	if l.cpuProf != "" {
		if cpu, err = os.Create(l.cpuProf); err != nil {
			return nil, usagef("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if l.memProf != "" {
			f, err := os.Create(l.memProf)
			if err != nil {
				return fmt.Errorf("--memprofile: %w", err)
			}
			errs = append(errs, pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}
