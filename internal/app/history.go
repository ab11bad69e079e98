package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/compare"
	"github.com/snbench/snbench/reports/history"
)

// defaultHistoryFile is the history file the history commands use.
const defaultHistoryFile = "history.jsonl"

func (a *app) historyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Keep results across commits (append) and chart their trends (plot)",
		Long: "history keeps an append-only JSON Lines file with one entry per run: its commit,\n" +
			"date and the per-repetition samples of every benchmark and metric.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("history: unknown command %q (want append or plot)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(a.historyAppendCmd(), a.historyPlotCmd())
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

func (a *app) historyPlotCmd() *cobra.Command {
	var file, out, threshold string
	var metrics []string
	var alpha float64
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Chart each benchmark and metric across the history, regressions marked",
		Long: "plot writes one trend chart per benchmark and metric (PNG and SVG) to --out: the\n" +
			"median of each run with its 95% interval, and the steps from one run to the next\n" +
			"that snbench compare would call a regression (red) or an improvement (green).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := compare.DefaultOptions()
			opt.Alpha = alpha
			t, err := parsePercent(threshold)
			if err != nil {
				return usagef("--threshold: %v", err)
			}
			opt.Threshold = t
			for _, m := range metrics {
				u, err := compare.ResolveMetric(m)
				if err != nil {
					return usagef("--metric: %v", err)
				}
				opt.Metrics = append(opt.Metrics, u)
			}
			if err := opt.Validate(); err != nil {
				return &usageError{err: err}
			}
			entries, warnings, err := history.Read(file)
			if err != nil {
				return &usageError{err: err}
			}
			for _, w := range warnings {
				fmt.Fprintf(a.stderr, "snbench: warning: %s\n", w)
			}
			res, err := history.Plot(entries, out, history.PlotOptions{Compare: opt})
			if err != nil {
				return err
			}
			for _, m := range res.Marks {
				fmt.Fprintf(a.stdout, "%s at %s: %s %s %+.2f%%\n", m.Verdict, m.Commit, m.Benchmark, m.Unit, 100*m.Change)
			}
			fmt.Fprintf(a.stderr, "history: %d entries, %d charts in %s\n", len(entries), len(res.Files)/2, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "file", defaultHistoryFile, "history `FILE` (JSON Lines)")
	fl.StringVarP(&out, "out", "o", "history", "`DIR` for the charts")
	fl.StringSliceVar(&metrics, "metric", nil, "metrics to chart (default: all)")
	fl.Float64Var(&alpha, "alpha", 0.05, "significance level of the regression marks (Holm-Bonferroni per step)")
	fl.StringVar(&threshold, "threshold", "5%", "smallest significant worsening marked as a regression, a percentage `PCT`")
	return cmd
}
