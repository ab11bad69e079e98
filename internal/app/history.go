package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/changepoint"
	"github.com/snbench/snbench/reports/compare"
	"github.com/snbench/snbench/reports/history"
)

// defaultHistoryFile is the history file the history commands use.
const defaultHistoryFile = "history.jsonl"

func (a *app) historyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Keep results across commits (append), find their change points (changes) and chart them (plot)",
		Long: "history keeps an append-only JSON Lines file with one entry per run: its commit,\n" +
			"date and the per-repetition samples of every benchmark and metric.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("history: unknown command %q (want append, changes or plot)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(a.historyAppendCmd(), a.historyChangesCmd(), a.historyPlotCmd())
	return cmd
}

func (a *app) historyAppendCmd() *cobra.Command {
	var file, commit, date, label string
	cmd := &cobra.Command{
		Use:   "append RESULTS",
		Short: "Append a run (results.json or Go benchmark format) to a history file",
		Long: "append adds RESULTS as one entry to the history file, atomically: a crash or kill\n" +
			"never loses earlier entries. The commit and date come from the results where they\n" +
			"are known (snbench run records both); --commit and --date override them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var when time.Time
			if date != "" {
				t, err := time.Parse(time.RFC3339, date)
				if err != nil {
					return usagef("--date: %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", date)
				}
				when = t.UTC()
			}
			e, err := historyEntry(args[0])
			if err != nil {
				return &usageError{err: err}
			}
			if commit != "" {
				e.Commit = commit
			}
			if !when.IsZero() {
				e.Date = when
			}
			if e.Date.IsZero() {
				e.Date = time.Now().UTC().Truncate(time.Second)
			}
			e.Label = label
			if e.Commit == "" {
				fmt.Fprintf(a.stderr, "snbench: warning: %s names no commit; give --commit\n", args[0])
			}
			if err := history.Append(file, e); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "history: %s: appended %s (%d benchmarks)\n", file, e.Title(), len(e.Benchmarks))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "file", defaultHistoryFile, "history `FILE` (JSON Lines)")
	fl.StringVar(&commit, "commit", "", "commit the run measured (default: from the results)")
	fl.StringVar(&date, "date", "", "when it ran, RFC 3339 (default: from the results, else now)")
	fl.StringVar(&label, "label", "", "label to tell runs of one commit apart, e.g. a CI run id")
	return cmd
}

// historyEntry reads a results file of either format as an entry.
func historyEntry(path string) (history.Entry, error) {
	s, err := compare.Load(path)
	if err != nil {
		return history.Entry{}, err
	}
	if s.Format == compare.FormatSnbench {
		res, err := results.Read(path)
		if err != nil {
			return history.Entry{}, err
		}
		return history.FromResults(path, res)
	}
	return history.FromSet(s), nil
}

// changeFlags are the change-point flags history changes and plot share.
type changeFlags struct {
	metrics    []string
	alpha      float64
	threshold  string
	minSegment int
}

func (f *changeFlags) register(cmd *cobra.Command) {
	def := changepoint.DefaultOptions()
	fl := cmd.Flags()
	fl.StringSliceVar(&f.metrics, "metric", nil, "metrics to examine, e.g. time, p99, B/op, items/op (default: all)")
	fl.Float64Var(&f.alpha, "alpha", def.Alpha, "significance level of the permutation test of each change point")
	fl.StringVar(&f.threshold, "threshold", fmt.Sprintf("%g%%", 100*def.MinMagnitude), "smallest change reported, a percentage `PCT` (the magnitude filter)")
	fl.IntVar(&f.minSegment, "min-segment", def.MinSegment, "fewest entries a level must last to count as a change")
}

// options validates the flags into change options.
func (f *changeFlags) options() (history.ChangeOptions, error) {
	opt := history.DefaultChangeOptions()
	opt.Detect.Alpha, opt.Detect.MinSegment = f.alpha, f.minSegment
	t, err := parsePercent(f.threshold)
	if err != nil {
		return opt, usagef("--threshold: %v", err)
	}
	opt.Detect.MinMagnitude = t
	for _, m := range f.metrics {
		u, err := compare.ResolveMetric(m)
		if err != nil {
			return opt, usagef("--metric: %v", err)
		}
		opt.Metrics = append(opt.Metrics, u)
	}
	if err := opt.Detect.Validate(); err != nil {
		return opt, &usageError{err: err}
	}
	return opt, nil
}

// readHistory reads a history file, printing its warnings (a torn last
// line); an unreadable file is bad input.
func (a *app) readHistory(file string) ([]history.Entry, error) {
	entries, warnings, err := history.Read(file)
	if err != nil {
		return nil, &usageError{err: err}
	}
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "snbench: warning: %s\n", w)
	}
	return entries, nil
}

// historyRegressionError is history changes --fail-on regression's
// verdict; main exits 1 on it.
type historyRegressionError struct{ n int }

func (e *historyRegressionError) Error() string {
	if e.n == 1 {
		return "history changes: 1 regression"
	}
	return fmt.Sprintf("history changes: %d regressions", e.n)
}

func (a *app) historyChangesCmd() *cobra.Command {
	var file, format, failOn string
	var last int
	f := &changeFlags{}
	cmd := &cobra.Command{
		Use:   "changes",
		Short: "List the lasting changes (change points) of every benchmark and metric in a history",
		Long: "changes finds where each benchmark's metric changed for good across the history, by\n" +
			"E-divisive means as Hunter and Apache Otava do: the split of the per-entry medians with\n" +
			"the largest energy distance between its sides, kept when a permutation test finds it\n" +
			"significant (--alpha), repeated in each part; a level must last --min-segment entries\n" +
			"and differ by --threshold. Each change is re-tested against its neighbouring segments\n" +
			"without their most outlying entry, so a one-entry spike is never a change.\n\n" +
			"Each change: the entry (numbered from 1) and commit where the new level starts, the\n" +
			"benchmark and metric, the medians before and after, the magnitude, the confidence\n" +
			"(1 - p) and the verdict. The same history always gives the same answer.\n\n" +
			"Exit status: 0, or 1 with --fail-on regression when a regression is listed (within\n" +
			"the --last N entries, when given); 2 for bad input, including a history too short to\n" +
			"hold a change (fewer than 2 x --min-segment entries).",
		Example: "  snbench history changes --file history.jsonl\n" +
			"  snbench history changes --file history.jsonl --metric time --format markdown --fail-on regression --last 3",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case history.FormatText, history.FormatMarkdown, history.FormatJSON:
			default:
				return usagef("--format: unknown %q (want text, markdown or json)", format)
			}
			if failOn != "" && failOn != "regression" {
				return usagef("--fail-on: unknown %q (want regression)", failOn)
			}
			if last < 0 {
				return usagef("--last: %d: want 0 (all) or more", last)
			}
			opt, err := f.options()
			if err != nil {
				return err
			}
			entries, err := a.readHistory(file)
			if err != nil {
				return err
			}
			res, err := history.Changes(cmd.Context(), entries, opt)
			if err != nil {
				return &usageError{err: fmt.Errorf("%s: %w", file, err)}
			}
			if last > 0 {
				keep := res.Changes[:0]
				for _, c := range res.Changes {
					if c.Entry > len(entries)-last {
						keep = append(keep, c)
					}
				}
				res.Changes = keep
			}
			if err := history.WriteChanges(a.stdout, res, format); err != nil {
				return err
			}
			if n := res.Regressions(); failOn == "regression" && n > 0 {
				return &historyRegressionError{n: n}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "file", defaultHistoryFile, "history `FILE` (JSON Lines)")
	fl.StringVar(&format, "format", history.FormatText, "output: text, markdown or json")
	fl.StringVar(&failOn, "fail-on", "", "exit 1 when a change of this kind is listed: regression")
	fl.IntVar(&last, "last", 0, "list only the changes that start in the last `N` entries (default: all)")
	f.register(cmd)
	return cmd
}

func (a *app) historyPlotCmd() *cobra.Command {
	var file, out string
	f := &changeFlags{}
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Chart each benchmark and metric across the history, change points marked",
		Long: "plot writes one trend chart per benchmark and metric (PNG and SVG) to --out: the\n" +
			"median of each run with its 95% interval, and exactly the change points that\n" +
			"'snbench history changes' lists, with the same flags: regressions red, improvements\n" +
			"green, changes of a metric whose better direction is unknown grey. It prints the\n" +
			"changes, one a line. A history too short for change points is charted unmarked.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt, err := f.options()
			if err != nil {
				return err
			}
			entries, err := a.readHistory(file)
			if err != nil {
				return err
			}
			res, err := history.Plot(cmd.Context(), entries, out, history.PlotOptions{Changes: opt})
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(a.stderr, "snbench: warning: %s\n", w)
			}
			if res.Changes != nil {
				for _, c := range res.Changes.Changes {
					mag := ""
					if c.Magnitude != nil {
						mag = fmt.Sprintf(" %+.2f%%", 100**c.Magnitude)
					}
					fmt.Fprintf(a.stdout, "%s at entry %d (%s): %s %s%s, confidence %.1f%%\n",
						c.Verdict, c.Entry, c.Commit, c.Benchmark, c.Unit, mag, 100*c.Confidence)
				}
			}
			fmt.Fprintf(a.stderr, "history: %d entries, %d charts in %s\n", len(entries), len(res.Files)/2, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "file", defaultHistoryFile, "history `FILE` (JSON Lines)")
	fl.StringVarP(&out, "out", "o", "history", "`DIR` for the charts")
	f.register(cmd)
	return cmd
}
