package app

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/reports/compare"
)

// compareFlags are `snbench compare`'s flags.
type compareFlags struct {
	alpha       float64
	threshold   string
	calibration string
	metrics     []string
	format      string
	resamples   int
	seed        uint64
	last        bool
	runs        string
}

// regressionError is compare's verdict that something got worse; main
// exits 1 on it.
type regressionError struct{ n int }

func (e *regressionError) Error() string {
	if e.n == 1 {
		return "compare: 1 regression"
	}
	return fmt.Sprintf("compare: %d regressions", e.n)
}

func (a *app) compareCmd() *cobra.Command {
	def := compare.DefaultOptions()
	f := &compareFlags{}
	cmd := &cobra.Command{
		Use:   "compare OLD NEW",
		Short: "Compare two runs: per cell and metric, significant changes, exit 1 on a regression",
		Long: "compare reads two runs, each a results.json of snbench run or Go benchmark format\n" +
			"(go test -bench output, snbench run --format gobench), and compares every benchmark\n" +
			"both have, metric by metric: medians with 95% CIs, the change with its 95% CI,\n" +
			"and the Mann-Whitney U p-value, corrected for multiple comparisons (Holm-Bonferroni).\n" +
			"A change is a regression when it is significant and worse than --threshold.\n" +
			"OLD and NEW may each be a run's directory, or several runs, comma-separated or a quoted glob\n" +
			"('old/*/results.json'): their repetitions are pooled, so runs of both sides\n" +
			"can be interleaved to spread a changing machine load over both.\n" +
			"Exit status: 0 no regression, 1 regression, 2 bad input.",
		Example: "  snbench compare --last                       # the two newest runs under results/\n" +
			"  snbench compare results/latest results/20260102-030405-0123abc\n" +
			"  snbench compare 'old/*/results.json' 'new/*/results.json'",
		Args: func(cmd *cobra.Command, args []string) error {
			if f.last {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := f.options(def)
			if err != nil {
				return err
			}
			if f.last {
				old, cur, err := lastRuns(f.runs)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "compare: %s -> %s\n", old, cur)
				args = []string{old, cur}
			}
			return a.doCompare(args[0], args[1], opt, f)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.alpha, "alpha", def.Alpha, "family-wise significance level (after Holm-Bonferroni)")
	fl.StringVar(&f.threshold, "threshold", "5%", "smallest significant worsening that is a regression: a percentage `PCT` such as 5%, or 'auto' to use --calibration")
	fl.StringVar(&f.calibration, "calibration", compare.DefaultCalibrationPath, "calibration `FILE` of 'snbench calibrate' that --threshold auto reads")
	fl.StringSliceVar(&f.metrics, "metric", nil, "metrics to compare, comma-separated: throughput, p50, p99, cpu, time, or any unit (default: all both runs report)")
	fl.StringVar(&f.format, "format", compare.OutputText, "output: "+strings.Join(compare.Outputs(), ", "))
	fl.IntVar(&f.resamples, "resamples", def.Resamples, "bootstrap resamples for latency percentile CIs (0: off)")
	fl.Uint64Var(&f.seed, "seed", def.Seed, "bootstrap seed")
	fl.BoolVar(&f.last, "last", false, "compare the two newest runs kept under --runs (what 'snbench run' without -o keeps), older as OLD")
	fl.StringVar(&f.runs, "runs", runsRoot, "`DIR` of kept runs that --last reads")
	return cmd
}

// options validates the flags into compare options.
func (f *compareFlags) options(def compare.Options) (compare.Options, error) {
	opt := def
	opt.Alpha, opt.Resamples, opt.Seed = f.alpha, f.resamples, f.seed
	if !slices.Contains(compare.Outputs(), f.format) {
		return opt, usagef("--format: unknown %q (want %s)", f.format, strings.Join(compare.Outputs(), ", "))
	}
	for _, m := range f.metrics {
		u, err := compare.ResolveMetric(m)
		if err != nil {
			return opt, usagef("--metric: %v", err)
		}
		opt.Metrics = append(opt.Metrics, u)
	}
	if f.threshold == "auto" {
		c, err := compare.ReadCalibration(f.calibration)
		if errors.Is(err, fs.ErrNotExist) {
			return opt, usagef("--threshold auto: no calibration at %s: run 'snbench calibrate' first, or give --calibration FILE", f.calibration)
		}
		if err != nil {
			return opt, usagef("--threshold auto: %v", err)
		}
		opt.UnitThresholds = c.Thresholds()
	} else {
		t, err := parsePercent(f.threshold)
		if err != nil {
			return opt, usagef("--threshold: %v", err)
		}
		opt.Threshold = t
	}
	if err := opt.Validate(); err != nil {
		return opt, &usageError{err: err}
	}
	return opt, nil
}

// expandFiles turns an OLD or NEW argument into files: a comma-separated
// list of paths and glob patterns, each pattern matching at least one file.
func expandFiles(arg string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(arg, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if !strings.ContainsAny(item, "*?[") {
			if fi, err := os.Stat(item); err == nil && fi.IsDir() {
				item = filepath.Join(item, resultsFile) // a run's directory
			}
			out = append(out, item)
			continue
		}
		m, err := filepath.Glob(item)
		if err != nil {
			return nil, usagef("%q: %v", item, err)
		}
		if len(m) == 0 {
			return nil, usagef("%q matches no file", item)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, usagef("%q names no file", arg)
	}
	return out, nil
}

// parsePercent reads "5%" or "5" as 0.05.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 1000 || math.IsNaN(v) {
		return 0, fmt.Errorf("%q: want a percentage from 0 to 1000, e.g. 5%% (or auto)", s)
	}
	return v / 100, nil
}

func (a *app) doCompare(oldPath, newPath string, opt compare.Options, f *compareFlags) error {
	var sets [2]*compare.Set
	for i, arg := range []string{oldPath, newPath} {
		paths, err := expandFiles(arg)
		if err != nil {
			return err
		}
		s, err := compare.LoadAll(arg, paths...)
		if err != nil {
			return &usageError{err: err}
		}
		sets[i] = s
	}
	rep, err := compare.Compare(sets[0], sets[1], opt)
	if err != nil {
		return &usageError{err: err}
	}
	if f.threshold == "auto" {
		for _, t := range rep.Tables {
			if _, ok := opt.UnitThresholds[t.Unit]; !ok && t.Better != 0 {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: not in calibration %s: threshold %g%% used", t.Unit, f.calibration, 100*opt.Threshold))
			}
		}
	}
	if err := compare.Write(a.stdout, rep, f.format); err != nil {
		return err
	}
	if rep.Regressions > 0 {
		return &regressionError{n: rep.Regressions}
	}
	return nil
}
