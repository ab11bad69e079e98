package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/internal/cli"
	"github.com/snbench/snbench/reports/compare"
	"github.com/snbench/snbench/workloads"
)

// calibrateFlags are `snbench calibrate`'s flags.
type calibrateFlags struct {
	topology    string
	workers     int
	tasks       cli.Count
	repetitions int
	runs        int
	warmup      int
	cpu         time.Duration
	out         string
}

func (a *app) calibrateCmd() *cobra.Command {
	f := &calibrateFlags{}
	cmd := &cobra.Command{
		Use:   "calibrate [RESULTS...]",
		Short: "Measure this machine's noise (A/A runs) for compare --threshold auto",
		Long: "calibrate runs one small cell --runs times with the same code (an A/A measurement),\n" +
			"compares every pair of runs as snbench compare does, and records per metric the\n" +
			"noise within a run, the largest change between runs and the threshold compare\n" +
			"--threshold auto will use: 1.5 x that largest change, rounded up to 0.5%, at least 1%.\n" +
			"Given RESULTS files (two or more runs of the same benchmark, snbench JSON or Go\n" +
			"benchmark format), it calibrates from those instead of running.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return usagef("calibrate: one results file: give two or more runs, or none to run them")
			}
			if len(args) == 0 {
				if err := f.validate(a); err != nil {
					return err
				}
			}
			return a.doCalibrate(cmd.Context(), args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.topology, "topology", "goroutine", "topology of the calibration cell (one: a calibration is one cell's noise)")
	fl.IntVar(&f.workers, "workers", 2, "workers of the calibration cell")
	f.tasks = cli.Count{N: 1_000_000}
	fl.Var(&f.tasks, "tasks", "tasks per repetition (k and M suffixes, like run's --tasks)")
	fl.IntVar(&f.repetitions, "repetitions", 10, "repetitions per run (use what your CI comparisons use)")
	fl.IntVar(&f.runs, "runs", 5, "A/A runs (every pair is compared)")
	fl.IntVar(&f.warmup, "warmup", 10_000, "warm-up tasks before each repetition")
	fl.DurationVar(&f.cpu, "cpu", 0, "CPU time each task consumes on its node (thread CPU time, not wall time)")
	fl.StringVarP(&f.out, "out", "o", compare.DefaultCalibrationPath, "calibration `FILE` to write")
	return cmd
}

func (f *calibrateFlags) validate(a *app) error {
	switch {
	case strings.Contains(f.topology, ","):
		// run takes lists; calibrate cannot use one. A calibration is one
		// cell's A/A noise, one threshold per metric, and compare
		// --threshold auto applies those thresholds to every benchmark it
		// compares: several topologies would give several noise levels the
		// file has no place for.
		return usagef("--topology %q: calibrate takes one topology: a calibration is one cell's noise, "+
			"and compare --threshold auto applies it to every benchmark (calibrate each topology with its own -o)", f.topology)
	case !slices.Contains(a.topologies.Names(), f.topology):
		return usagef("--topology: unknown %q (known: %v)", f.topology, a.topologies.Names())
	case f.runs < 2 || f.runs > 100:
		return usagef("--runs: %d: want 2 to 100", f.runs)
	case f.repetitions < 2:
		return usagef("--repetitions: %d: want at least 2", f.repetitions)
	}
	return nil
}

func (a *app) doCalibrate(ctx context.Context, files []string, f *calibrateFlags) error {
	var sets []*compare.Set
	env := bench.CaptureEnv()
	if len(files) > 0 {
		for _, p := range files {
			s, err := compare.Load(p)
			if err != nil {
				return &usageError{err: err}
			}
			sets = append(sets, s)
		}
	} else {
		p := bench.DefaultPlan([]string{f.topology})
		p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{f.workers}, []int{f.tasks.N}, f.repetitions, f.warmup
		p.CPU = workloads.Duration(f.cpu)
		r := a.runner(nil)
		if err := r.Check(p); err != nil {
			return &usageError{err: err}
		}
		for i := range f.runs {
			fmt.Fprintf(a.stderr, "calibrate: run %d of %d: %s, %d workers, %d x %d tasks\n", i+1, f.runs, f.topology, f.workers, f.repetitions, f.tasks.N)
			res, err := r.Run(ctx, p, env)
			if err != nil {
				return fmt.Errorf("calibrate: run %d: %w", i+1, err)
			}
			s, err := compare.FromResults(fmt.Sprintf("run %d", i+1), res)
			if err != nil {
				return err
			}
			sets = append(sets, s)
		}
	}
	c, err := compare.Calibrate(sets, compare.DefaultOptions())
	if err != nil {
		return &usageError{err: err}
	}
	if len(files) == 0 {
		c.Host, c.CPU = env.Host, env.CPUModel
	}
	if err := compare.WriteCalibration(f.out, c); err != nil {
		return err
	}
	printCalibration(a.stdout, c)
	fmt.Fprintf(a.stderr, "calibration: %s\n", f.out)
	return nil
}

// printCalibration prints the noise per metric.
func printCalibration(w io.Writer, c *compare.Calibration) {
	fmt.Fprintf(w, "%s: %d A/A runs of %d repetitions\n\n", c.Benchmark, c.Runs, c.Repetitions)
	units := make([]string, 0, len(c.Metrics))
	for u := range c.Metrics {
		units = append(units, u)
	}
	slices.Sort(units)
	fmt.Fprintf(w, "%-14s %8s %12s %13s %10s\n", "metric", "CV", "max change", "false alarms", "threshold")
	for _, u := range units {
		n := c.Metrics[u]
		fmt.Fprintf(w, "%-14s %7.1f%% %11.1f%% %7d of %-3d %9.1f%%\n", u, 100*n.CV, 100*n.MaxChange, n.FalseAlarms, n.Pairs, 100*n.Threshold)
	}
}
