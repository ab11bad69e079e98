package app

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/outdir"
	"github.com/snbench/snbench/reports"
)

// reportFlags are `snbench report`'s flags.
type reportFlags struct {
	out    string
	force  bool
	format string
	wide   bool
}

// formatNone prints no table.
const formatNone = "none"

func (a *app) reportCmd() *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report RESULTS...",
		Short: "Write tables, plots and an HTML report from results files",
		Long: "report reads one or more results.json files (or go test -bench output, whose\n" +
			"sub-benchmarks become cells: topology= and workers= parts, or -cpu as workers),\n" +
			"prints the summary and scaling\n" +
			"tables, and writes DIR/index.html (one self-contained page: plots inline as SVG,\n" +
			"nothing fetched), the tables as .txt, .md and .csv, and every plot under\n" +
			"DIR/plots as PNG and SVG.\n\n" +
			"Several files are merged into one report when they ran the same workload the\n" +
			"same way (workload, cpu, wait, seed, dispatch, repetitions and warm-up match)\n" +
			"and hold different cells: for example one run per topology. Files that\n" +
			"conflict are refused; report them one at a time.\n\n" +
			"The same results always give byte-identical tables and pages.",
		Example: "  snbench report results/latest/results.json\n" +
			"  snbench report nats.json tcp.json -o results/compare --format markdown",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			return a.doReport(args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "`DIR` for the report (default: the directory of the RESULTS file, when there is one)")
	fl.BoolVar(&f.force, "force", false, "replace files in DIR that snbench did not write (by default it refuses)")
	fl.BoolVar(&f.wide, "wide", false, wideUsage)
	fl.StringVar(&f.format, "format", reports.FormatTerminal, "tables printed on stdout: table, markdown, csv (the summary only) or none")
	return cmd
}

// validate checks the flags against the arguments and fills in defaults.
func (f *reportFlags) validate(args []string) error {
	switch f.format {
	case reports.FormatTerminal, reports.FormatMarkdown, reports.FormatCSV, formatNone:
	default:
		return usagef("report: --format: unknown %q (want table, markdown, csv or none)", f.format)
	}
	if f.out == "" {
		if len(args) > 1 {
			return usagef("report: %d results files: name the report directory with -o DIR", len(args))
		}
		f.out = filepath.Dir(args[0])
	}
	return nil
}

func (a *app) doReport(paths []string, f *reportFlags) error {
	rs := make([]*results.Results, len(paths))
	for i, p := range paths {
		r, err := results.ReadAny(p) // snbench JSON or go test -bench output
		if err != nil {
			return usagef("report: %v", err)
		}
		rs[i] = r
	}
	res, err := reports.Merge(paths, rs)
	if err != nil {
		return usagef("report: %v", err)
	}
	var sources []string
	if len(paths) > 1 {
		sources = paths
	}
	d, err := openOut(f.out, f.force, reports.IsReportFile)
	if err != nil {
		return err
	}
	rep, err := reports.New(res, sources...)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := a.printReportTables(a.tableOut(f.format, f.wide), res, f.format); err != nil {
		return err
	}
	index, err := rep.WriteTo(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "report: %s\n", index)
	return nil
}

// printReportTables prints the table snbench run prints for the same
// results and, except for CSV (one table per stream) and open-loop runs
// (whose throughput is the offered rate), the scaling and doubling tables.
func (a *app) printReportTables(out io.Writer, res *results.Results, format string) error {
	switch {
	case format == formatNone:
		return nil
	case format == reports.FormatCSV:
		return reports.WriteTable(out, res, format)
	case len(res.Capacity) > 0:
		return reports.WriteCapacityTable(out, res, format)
	case reports.HasLoad(res):
		return reports.WriteLoadTable(out, res, format)
	}
	if err := reports.WriteTable(out, res, format); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := reports.WriteScalingTable(out, res, format); err != nil {
		return err
	}
	if len(reports.Growths(res)) > 0 {
		fmt.Fprintln(out)
		return reports.WriteGrowthTable(out, res, format)
	}
	return nil
}

// writeReport writes the report of a run's results into d, beside its
// results.json, and says where.
func (a *app) writeReport(res *results.Results, d *outdir.Dir) error {
	rep, err := reports.New(res)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	index, err := rep.WriteTo(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "report: %s\n", index)
	return nil
}
