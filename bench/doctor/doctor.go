package doctor

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// Options configure a doctor's run. The zero value is not valid: start
// from DefaultOptions.
type Options struct {
	// Step is how long each step of the ceiling search offers load.
	Step time.Duration
	// Batches are the batch sizes whose generator ceiling is searched.
	Batches []int
	// Search bounds the ceiling search.
	Search Search
	// Tries is the most times a known-answer check that fails is run (a
	// busy machine can spoil one try); the check records how many ran.
	Tries int
	// Log, if set, gets one line as each part starts.
	Log io.Writer
}

// DefaultOptions returns the doctor's defaults: 250 ms ceiling steps at
// batch 1 and 8, and three tries per check.
func DefaultOptions() Options {
	return Options{Step: 250 * time.Millisecond, Batches: []int{1, 8}, Search: DefaultSearch(), Tries: 3}
}

// Validate reports the first option out of range.
func (o Options) Validate() error {
	switch {
	case o.Step < 10*time.Millisecond || o.Step > 10*time.Second:
		return fmt.Errorf("doctor: step: %v: want 10ms to 10s", o.Step)
	case len(o.Batches) == 0:
		return fmt.Errorf("doctor: batches: empty")
	case o.Tries < 1 || o.Tries > 10:
		return fmt.Errorf("doctor: tries: %d: want 1 to 10", o.Tries)
	case o.Search.Min < 1 || o.Search.Start < o.Search.Min || o.Search.Max < o.Search.Start || !(o.Search.Precision > 0):
		return fmt.Errorf("doctor: search: %+v: want 1 ≤ min ≤ start ≤ max and a positive precision", o.Search)
	}
	for _, b := range o.Batches {
		if b < 1 || b > results.MaxBatch {
			return fmt.Errorf("doctor: batches: %d out of range [1, %d]", b, results.MaxBatch)
		}
	}
	return nil
}

// wakeWait and wakeSamples size the wake-up measurement.
const (
	wakeWait    = 100 * time.Microsecond
	wakeSamples = 200
)

// Run measures this machine and runs the known-answer checks. It returns
// an error only when the harness itself failed (a cell could not run) or
// ctx ended; a check that fails is recorded in the result, with the
// figures that failed it.
func Run(ctx context.Context, o Options) (*results.Doctor, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	d := &results.Doctor{Started: start.UTC()}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "doctor: "+format+"\n", args...)
		}
	}
	wl := workloads.DefaultRegistry()
	registerStall(wl, stallID, stallFor)
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}

	d.CPU = measureCPU()
	logf("clock cost and timer wake-up error")
	d.ClockNS = measureClock()
	w, err := timing.NewWaiter(ctx)
	if err != nil {
		return nil, err
	}
	d.Wake = []results.DoctorWake{
		measureWake("timing.Waiter", func(d time.Duration) { _ = w.Sleep(d) }, wakeWait, wakeSamples),
		measureWake("time.Sleep", time.Sleep, wakeWait, wakeSamples),
	}
	_ = w.Close()
	for _, b := range o.Batches {
		logf("generator ceiling at batch %d", b)
		c, err := measureCeiling(ctx, r, o.Search, b, o.Step)
		if err != nil {
			return nil, err
		}
		d.Ceiling = append(d.Ceiling, c)
	}
	for _, k := range []struct {
		name string
		f    func(context.Context) (results.DoctorCheck, error)
	}{
		{CheckFixedWait, func(ctx context.Context) (results.DoctorCheck, error) { return runFixedWait(ctx, r) }},
		{CheckStall, func(ctx context.Context) (results.DoctorCheck, error) { return runStall(ctx, r) }},
		{CheckUSL, func(context.Context) (results.DoctorCheck, error) { return USLCheck(Cisco(), CiscoFit()) }},
	} {
		logf("known-answer check: %s", k.name)
		c, err := retry(ctx, o.Tries, k.f)
		if err != nil {
			return nil, err
		}
		d.Checks = append(d.Checks, c)
	}
	d.Verdicts = Verdicts(d)
	d.ElapsedNS = int64(time.Since(start))
	return d, nil
}
