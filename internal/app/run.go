package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/cli"
	"github.com/snbench/snbench/internal/outdir"
	"github.com/snbench/snbench/reports"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// runFlags are `snbench run`'s flags; each overrides the plan file.
type runFlags struct {
	planFile    string
	topologies  []string
	workers     cli.Scale
	tasks       cli.Scale
	payload     cli.Scale
	batch       cli.Scale
	window      cli.Windows
	dispatch    string
	repetitions int
	warmup      int
	taskTimeout time.Duration
	workload    string
	cpu, wait   time.Duration
	seed        uint64
	topo        topoFlags
	tokenFile   string
	creds       credFlags
	token       []byte                        // loaded from tokenFile or SNBENCH_TOKEN
	secrets     map[string]topologies.Secrets // the topologies' credentials, by topology
	out         string
	force       bool
	format      string
	wide        bool
	progress    string
	doctor      bool
	load        loadFlags
	reliability reliabilityFlags
	maxMemory   cli.Bytes
}

func (a *app) runCmd() *cobra.Command {
	def := bench.DefaultPlan(a.topologies.Defaults())
	f := &runFlags{
		workers: cli.Scale{Values: def.Workers}, tasks: cli.Scale{Values: def.Tasks},
		payload: cli.Scale{Values: def.Payload}, batch: cli.Scale{Values: def.Batch},
		window: cli.Windows{Values: def.Window},
	}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a plan: every topology x scale, verified, with latency histograms",
		Long: "run measures each cell of a plan (topologies x workers x tasks x payload x\n" +
			"window x batch) in interleaved rounds of repetitions, verifies every result,\n" +
			"prints a table and writes DIR/results.json. Flags override a --plan file.\n" +
			"Scale lists are comma-separated values or ranges: 1,2,4,8 or 1..64x2.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.buildPlan(cmd, f, def)
			if err != nil {
				return err
			}
			return a.doRun(cmd.Context(), p, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.planFile, "plan", "", "plan `FILE` (YAML or JSON); flags given as well override it")
	fl.StringSliceVar(&f.topologies, "topology", def.Topologies, "comma-separated topologies to compare (see 'snbench list')")
	fl.Var(&f.workers, "workers", "node counts")
	fl.Var(&f.tasks, "tasks", "tasks per measured repetition")
	fl.Var(&f.payload, "payload", "int64 values per task (K)")
	fl.Var(&f.batch, "batch", "most tasks per batch (frame)")
	fl.Var(&f.window, "window", "most batches in flight per node, or auto: per cell, found by a short probe before the cell's first repetition, the smallest window every pass of which reached 95% of the best window's throughput, else the best (open loop defaults to 256)")
	fl.StringVar(&f.dispatch, "dispatch", def.Dispatch, "dispatch policy: "+strings.Join(results.Dispatches(), ", "))
	fl.IntVar(&f.repetitions, "repetitions", def.Repetitions, "measured repetitions per cell, interleaved in rounds")
	fl.IntVar(&f.warmup, "warmup", def.Warmup, "tasks run (verified, not measured) before each repetition")
	fl.DurationVar(&f.taskTimeout, "task-timeout", def.TaskTimeout.D(), "fail when a node with work in flight answers nothing for this long")
	fl.StringVar(&f.workload, "workload", def.Workload, "workload (see 'snbench list')")
	fl.DurationVar(&f.cpu, "cpu", 0, "CPU time each task consumes on its node: arithmetic until the node's thread has used D of CPU time (not wall time), so N nodes on C cores do at most C/D tasks/s (default 0: none)")
	fl.DurationVar(&f.wait, "wait", 0, "fixed delay each task waits on its node, parked on a timer: it costs no CPU, so W nodes do up to W x window x batch / (D + round trip) tasks/s on any number of cores (default 0: none)")
	fl.Uint64Var(&f.seed, "seed", def.Seed, "seed of the task values")
	fl.StringVar(&f.tokenFile, "token-file", "", "`FILE` holding the token that nodes which already run demand (default: $"+auth.EnvToken+")")
	f.topo.register(fl, a.topologies)
	f.creds.register(fl, a.topologies)
	fl.StringVarP(&f.out, "out", "o", "", "`DIR` for results.json and the report (default: a new directory results/<time>-<commit>/ for each run, with results/latest naming the newest)")
	fl.BoolVar(&f.force, "force", false, "replace files in DIR that snbench did not write (by default it refuses)")
	fl.StringVar(&f.format, "format", reports.FormatTerminal, "output: table, markdown, csv, json, or gobench (Go benchmark format, for benchstat)")
	fl.BoolVar(&f.wide, "wide", false, wideUsage)
	f.load.register(fl)
	f.reliability.register(fl)
	fl.Var(&f.maxMemory, "max-memory", "memory the run may use, e.g. 4GiB, in place of the machine's limits (cgroup, MemAvailable; not the address-space limit): a plan whose estimate does not fit is refused (default: those limits)")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), on or off")
	fl.BoolVar(&f.doctor, "doctor", false, "run 'snbench doctor' first and record its figures in results.json (env.doctor)")
	return cmd
}

// buildPlan starts from the defaults, applies the plan file, then every
// flag the user set.
func (a *app) buildPlan(cmd *cobra.Command, f *runFlags, def bench.Plan) (bench.Plan, error) {
	p := def
	if f.planFile != "" {
		data, err := os.ReadFile(f.planFile)
		if err != nil {
			return p, usagef("plan: %v", err)
		}
		if p, err = results.ParsePlan(f.planFile, data, def); err != nil {
			return p, &usageError{err: err}
		}
	}
	ch := cmd.Flags().Changed
	if ch("topology") {
		p.Topologies = splitNames(f.topologies)
	}
	for _, s := range []struct {
		flag string
		dst  *[]int
		v    cli.Scale
	}{{"workers", &p.Workers, f.workers}, {"tasks", &p.Tasks, f.tasks}, {"payload", &p.Payload, f.payload},
		{"batch", &p.Batch, f.batch}} {
		if ch(s.flag) {
			*s.dst = s.v.Values
		}
	}
	if ch("window") {
		p.Window = f.window.Values
	}
	if ch("dispatch") {
		p.Dispatch = f.dispatch
	}
	if ch("repetitions") {
		p.Repetitions = f.repetitions
	}
	if ch("warmup") {
		p.Warmup = f.warmup
	}
	if ch("task-timeout") {
		p.TaskTimeout = workloads.Duration(f.taskTimeout)
	}
	if ch("workload") {
		p.Workload = f.workload
	}
	if ch("cpu") {
		p.CPU = workloads.Duration(f.cpu)
	}
	if ch("wait") {
		p.Wait = workloads.Duration(f.wait)
	}
	if ch("seed") {
		p.Seed = f.seed
	}
	// A topology's options given alone run that topology alone, on the
	// workers its options imply (tcp --nodes: as many as nodes).
	owners, err := f.topo.apply(ch, &p)
	if err != nil {
		return p, err
	}
	if len(owners) > 0 && f.planFile == "" {
		if !ch("topology") {
			p.Topologies = owners
		}
		if w := f.topo.defaultWorkers(owners, p); w != nil && !ch("workers") {
			p.Workers = w
		}
	}
	f.load.apply(ch, &p)
	if err := f.reliability.apply(ch, &p); err != nil {
		return p, err
	}
	if f.token, err = loadToken(f.tokenFile, a.stderr); err != nil {
		return p, err
	}
	if f.secrets, err = f.creds.load(ch, a.runner(nil).Rows(p), a.topologies, a.stderr); err != nil {
		return p, err
	}
	switch f.format {
	case reports.FormatTerminal, reports.FormatMarkdown, reports.FormatCSV, "json", "gobench":
	default:
		return p, usagef("--format: unknown %q (want table, markdown, csv, json or gobench)", f.format)
	}
	switch f.progress {
	case "auto", "on", "off":
	default:
		return p, usagef("--progress: unknown %q (want auto, on or off)", f.progress)
	}
	r := a.runner(nil)
	r.MaxMemory = f.maxMemory.N
	if err := r.Check(p); err != nil {
		return p, &usageError{err: err}
	}
	return r.Rows(p), nil
}

func splitNames(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (a *app) runner(progress func(done, total int, key results.Key)) *bench.Runner {
	return &bench.Runner{Topologies: a.topologies, Workloads: a.workloads, Progress: progress, Log: a.stderr}
}

func (a *app) doRun(ctx context.Context, p bench.Plan, f *runFlags) error {
	kept := f.out == ""
	if kept {
		dir, err := newRunDir()
		if err != nil {
			return err
		}
		f.out = dir
	}
	d, err := openOut(f.out, f.force, runFiles(!f.load.noReport))
	if err != nil {
		return err
	}
	if err := preflight(ctx, a.topologies, p); err != nil {
		return err
	}
	env, err := a.captureEnv(ctx, f.doctor)
	if err != nil {
		return err
	}
	if l := planLine(p); l != "" {
		fmt.Fprintln(a.stderr, l)
	}
	bar := a.progressBar(f.progress, len(p.Keys())*p.Repetitions)
	progress := func(done, total int, key results.Key) {
		if bar != nil {
			bar.Describe(key.Topology + " workers=" + fmt.Sprint(key.Workers))
			_ = bar.Set(done)
		}
	}
	r := a.runner(progress)
	r.Token, r.Secrets, r.NodeLogs, r.MaxMemory = f.token, f.secrets, d, f.maxMemory.N
	stopProfiles, err := f.load.startProfiles()
	if err != nil {
		return err
	}
	res, runErr := r.Run(ctx, p, env)
	if err := stopProfiles(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(a.stderr)
	}
	if res == nil {
		return runErr
	}
	res.Warnings = append(res.Warnings, doctorWarnings(env.Doctor)...)
	// The table first: whatever happens to the files, the figures are on
	// stdout.
	printErr := a.printResults(a.tableOut(f.format, f.wide), res, f.format)
	writeFailures(a.stderr, res, f.format)
	saveErr := a.saveRun(d, res, !f.load.noReport)
	if kept {
		if _, err := os.Stat(d.Join(resultsFile)); err == nil {
			saveErr = errors.Join(saveErr, a.markLatest(d.Path()))
		}
	}
	return errors.Join(runErr, printErr, saveErr)
}

// runFiles matches the files a run writes into its output directory:
// results.json, node logs and, with report, the report's files.
func runFiles(report bool) func(string) bool {
	return func(n string) bool {
		return n == resultsFile || outdir.IsNodeLog(n) || report && reports.IsReportFile(n)
	}
}

// resultsFile is the name of a run's results in its output directory.
const resultsFile = "results.json"

// openOut opens the output directory dir and checks, before anything is
// measured, that it is writable and that no file matching mine is there
// that snbench did not write (unless force): either is bad input.
func openOut(dir string, force bool, mine func(string) bool) (*outdir.Dir, error) {
	d, err := outdir.Open(dir, force)
	if err != nil {
		return nil, usagef("-o: %v", err)
	}
	if err := d.Check(mine, reports.PlotDir, outdir.NodeLogDir); err != nil {
		return nil, usagef("-o: %v", err)
	}
	return d, nil
}

// saveRun writes results.json and, with report, the report into d, and
// removes node logs an earlier run left there. Its error says what was
// and was not written.
func (a *app) saveRun(d *outdir.Dir, res *results.Results, report bool) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err == nil {
		err = d.WriteFile(resultsFile, append(b, '\n'))
	}
	if err != nil {
		notWritten := []string{resultsFile}
		if report {
			notWritten = append(notWritten, "the report")
		}
		return &outdir.PartialError{Dir: d.Path(), Written: d.Written(), NotWritten: notWritten, Err: err}
	}
	fmt.Fprintf(a.stderr, "results: %s\n", d.Join(resultsFile))
	_, pruneErr := d.Prune(outdir.IsNodeLog)
	if !report {
		return pruneErr
	}
	return errors.Join(a.writeReport(res, d), pruneErr)
}

func (a *app) printResults(out io.Writer, res *results.Results, format string) error {
	if format == "gobench" {
		return results.WriteGobench(out, res)
	}
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if reports.HasBaselines(res) && format != reports.FormatCSV {
		if err := reports.WriteTable(out, res, format); err != nil {
			return err
		}
		fmt.Fprintln(out)
		return reports.WriteBaselineTable(out, res, format)
	}
	switch {
	case format == reports.FormatCSV:
	case len(res.Capacity) > 0:
		return reports.WriteCapacityTable(out, res, format)
	case reports.HasLoad(res):
		return reports.WriteLoadTable(out, res, format)
	}
	return reports.WriteTable(out, res, format)
}

// progressBar returns a bar on stderr, or nil when it is off (by flag, or
// because stderr is not a terminal).
func (a *app) progressBar(mode string, total int) *progressbar.ProgressBar {
	on := mode == "on"
	if mode == "auto" {
		f, ok := a.stderr.(*os.File)
		on = ok && term.IsTerminal(int(f.Fd()))
	}
	if !on {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish())
}
