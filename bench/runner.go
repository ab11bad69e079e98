package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// Plan is the plan type runs take; see results.Plan.
type Plan = results.Plan

// DefaultPlan returns the default comparison over the given topologies.
func DefaultPlan(topologies []string) Plan { return results.DefaultPlan(topologies) }

// Runner runs plans. Its fields are read-only during Run; a Runner may run
// several plans one after another.
type Runner struct {
	// Topologies and Workloads resolve the plan's names.
	Topologies *topologies.Registry
	Workloads  *workloads.Registry
	// Progress, if set, is called after each repetition with the number
	// done and the total, from Run's goroutine.
	Progress func(done, total int, key results.Key)
	// Log receives node stderr and diagnostics; nil discards them. Node
	// processes write to it concurrently: unless it is an *os.File, the
	// runner serialises their writes.
	Log   io.Writer
	logMu sync.Mutex // serialises writes to Log from several nodes
	// NodeLogs, if set, keeps the whole stderr of each node process that
	// wrote any (Log gets only its first lines); see topologies.NodeLogs.
	NodeLogs topologies.NodeLogs
	// Token is the shared token of nodes that already run, and Secrets
	// the topologies' own credentials by topology name (see
	// topologies.CredentialOwner); they stay out of the plan, so that
	// results files never hold them, and each topology gets only its own.
	Token   []byte
	Secrets map[string]topologies.Secrets
	// MaxMemory, when positive, is the memory in bytes a run may use in
	// place of the machine's limits (see AvailableMemory); Check refuses a
	// plan whose estimate (EstimateMemory) does not fit.
	MaxMemory int64
}

// logWriter returns Log, safe for the concurrent writes of several node
// processes' stderr copiers.
func (r *Runner) logWriter() io.Writer {
	var w io.Writer = r.Log
	switch r.Log.(type) {
	case nil:
		w = io.Discard
	case *os.File:
	default:
		w = &lockedWriter{mu: &r.logMu, w: r.Log}
	}
	if r.NodeLogs != nil {
		return nodeLogWriter{w, r.NodeLogs}
	}
	if r.Log == nil {
		return nil
	}
	return w
}

// nodeLogWriter is Log with the NodeLogs that topologies find on it.
type nodeLogWriter struct {
	io.Writer
	topologies.NodeLogs
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ErrVerification is returned (wrapped) by Run when some cell lost,
// duplicated or got wrong results.
var ErrVerification = errors.New("verification failed")

// Check validates p against the runner's registries: every name known,
// every scale in range, and the memory it needs available (a
// *MemoryError otherwise). Run calls it first.
func (r *Runner) Check(p Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for _, t := range p.Topologies {
		if _, err := r.Topologies.Get(t); err != nil {
			return fmt.Errorf("plan: topologies: %w", err)
		}
	}
	if err := r.Topologies.CheckOptions(topoOptions(p), topologies.Bases(p.Topologies), slices.Max(p.Workers)); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := r.Topologies.CheckRows(r.Rows(p).Topologies, topoOptions(p)); err != nil {
		return fmt.Errorf("plan: topologies: %w", err)
	}
	for _, k := range p.Payload {
		if _, err := r.Workloads.New(p.Spec(k)); err != nil {
			return fmt.Errorf("plan: %w", err)
		}
	}
	return r.checkMemory(p)
}

// Run runs every cell of p, round by round, and returns the results. When
// ctx ends or a repetition fails with an error (a node died or stopped
// answering), Run stops, marks the results incomplete and returns them with
// the error, so partial results can still be written. Cells whose results
// did not verify are marked failed and the run goes on; Run then returns
// the full results with an error wrapping ErrVerification.
func (r *Runner) Run(ctx context.Context, p Plan, env results.Env) (*results.Results, error) {
	if err := r.Check(p); err != nil {
		return nil, err
	}
	p = r.Rows(p)
	res := &results.Results{
		Schema: results.SchemaVersion, Tool: "snbench", Plan: p, Env: env, Started: time.Now(),
	}
	if p.Search != nil {
		return r.finish(res, r.search(ctx, p, res))
	}
	keys := p.Keys()
	res.Cells = make([]results.Cell, len(keys))
	for i, k := range keys {
		res.Cells[i] = results.Cell{Key: k, Dispatch: p.Dispatch, DispatchBy: r.dispatchBy(k.Topology), Status: results.StatusIncomplete}
	}
	res.Warnings = append(res.Warnings, r.dispatchNotes(p)...)
	total, done := len(keys)*p.Repetitions, 0
	var runErr error
rounds:
	for round := range p.Repetitions {
		for i := range res.Cells {
			c := &res.Cells[i]
			if c.Status == results.StatusError || probeFailed(c) {
				continue
			}
			rep, err := r.runCell(ctx, p, c, round)
			if errors.Is(err, errProbeFailedCell) {
				done += p.Repetitions - round // none of them will run
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					runErr = fmt.Errorf("run interrupted: %w", context.Cause(ctx))
				} else {
					c.Status, c.Error, c.Abort = results.StatusError, err.Error(), abortOf(err)
					runErr = fmt.Errorf("cell %s: %w", c.Key, err)
				}
				break rounds
			}
			c.Reps = append(c.Reps, *rep)
			noteRedispatch(c, rep)
			noteClaims(c, rep)
			if p.Baselines {
				if err := r.baselineRep(ctx, c); err != nil {
					runErr = err
					break rounds
				}
			}
			done++
			if r.Progress != nil {
				r.Progress(done, total, c.Key)
			}
		}
	}
	return r.finish(res, runErr)
}

// Rows returns p with each topology whose options make rows of their own
// (topologies.Rower: exec's commands) replaced by those rows, labelled
// ("exec:py"): the plan as it runs and as its results record it. A plan
// whose topologies are rows already is returned as it is.
func (r *Runner) Rows(p Plan) Plan {
	q := p.Clone()
	q.Topologies = r.Topologies.ExpandRows(p.Topologies, topoOptions(p))
	return q
}

// dispatchBy returns what decides the dispatch in topology name, when the
// topology says it is not snbench's policy (see topologies.Dispatcher).
func (r *Runner) dispatchBy(name string) string {
	if t, err := r.Topologies.Get(name); err == nil {
		if d, ok := t.(topologies.Dispatcher); ok {
			return d.DispatchBy()
		}
	}
	return ""
}

// baselineRep measures one repetition of c's raw transport baseline, if
// its topology has one.
func (r *Runner) baselineRep(ctx context.Context, c *results.Cell) error {
	topo, err := r.Topologies.Get(c.Topology)
	if err != nil {
		return err
	}
	tr, ok := topo.(topologies.EchoStarter)
	if !ok {
		return nil
	}
	br, err := r.runBaseline(ctx, tr.Transport(), windowKey(c))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("run interrupted: %w", context.Cause(ctx))
		}
		return fmt.Errorf("cell %s: %w", c.Key, err)
	}
	if c.Baseline == nil {
		c.Baseline = &results.Baseline{Transport: tr.Transport()}
	}
	c.Baseline.Reps = append(c.Baseline.Reps, *br)
	return nil
}

// dispatchNotes says, once per topology whose transport picks the node,
// that the plan's dispatch policy does not.
func (r *Runner) dispatchNotes(p Plan) []string {
	var notes []string
	for _, t := range p.Topologies {
		if by := r.dispatchBy(t); by != "" {
			notes = append(notes, fmt.Sprintf("dispatch: in %s cells the %s decides which node serves each batch; %s only splits the batches among the coordinator's links, and node_tasks counts per link",
				t, by, p.Dispatch))
		}
	}
	return notes
}

// finish summarises every cell and sets the run's status.
func (r *Runner) finish(res *results.Results, runErr error) (*results.Results, error) {
	res.Finished = time.Now()
	failed := 0
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Status == results.StatusIncomplete && len(c.Reps) == res.Plan.Repetitions {
			c.Status = results.StatusOK
		}
		if err := results.Summarize(c); err != nil {
			return res, err
		}
		if c.Status == results.StatusFailed {
			failed++
		}
	}
	noteOverrun(res)
	if runErr != nil {
		res.Incomplete, res.Error = true, runErr.Error()
		return res, runErr
	}
	if failed > 0 {
		return res, fmt.Errorf("%w in %d of %d cells (lost, duplicated or wrong results)%s", ErrVerification, failed, len(res.Cells), culprits(res))
	}
	return res, nil
}

// runRep starts the cell's cluster, warms it up, and measures one
// repetition.
func (r *Runner) runRep(ctx context.Context, p Plan, k results.Key, round int) (*results.Rep, error) {
	topo, err := r.Topologies.Get(k.Topology)
	if err != nil {
		return nil, err
	}
	spec := p.Spec(k.Payload)
	var rep *results.Rep
	err, cerr := r.onCluster(ctx, topo, r.clusterConfig(p, k, k.Workers, spec), func(cctx context.Context, cancel context.CancelCauseFunc, c topologies.Cluster) (err error) {
		rep, err = r.measure(cctx, cancel, newFleet(c), p, k, spec)
		return err
	})
	if cerr != nil && err == nil {
		err = fmt.Errorf("stopping cluster: %w", cerr)
		if rep.Redispatch != nil {
			// A node that failed (a frozen one, say) may need killing: the
			// repetition survived it, so this is part of its record.
			err = nil
			rep.Redispatch.Failures = append(rep.Redispatch.Failures, results.Failure{Node: k.Topology + " cluster", Pass: "stop", Error: cerr.Error()})
		}
	}
	if err != nil {
		return nil, err
	}
	// Nodes that already run are someone else's to give sessions to: the
	// probe's extra cluster is only for nodes the topology starts.
	// Under redispatch the plan is about faults, not the known answer.
	if fixedDelay(p) && k.Rate == 0 && !r.runningNodes(p, k.Topology) && !p.Redispatch() {
		if rep.NoWaitRTNS, err = r.noWaitRT(ctx, topo, p, k); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("run interrupted: %w", context.Cause(ctx))
			}
			// The repetition stands without it: its cell cannot say
			// wake-late, and the log says why.
			rep.NoWaitRTNS = 0
			fmt.Fprintf(r.logWriter(), "cell %s: the no-wait round trip was not measured: %v\n", k, err)
		}
	}
	rep.Round = round
	return rep, nil
}

// onCluster starts a cluster of cfg for topo under a context of its own,
// runs use on it, and closes it: the one way a repetition, a window probe
// and a no-wait probe hold a cluster. use's error (or Start's) comes back
// with what the links it names can say about their nodes once they have
// stopped (diagnose); Close's comes back apart.
func (r *Runner) onCluster(ctx context.Context, topo topologies.Topology, cfg topologies.Config,
	use func(ctx context.Context, cancel context.CancelCauseFunc, c topologies.Cluster) error) (err, closeErr error) {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cluster, err := topo.Start(cctx, cfg)
	if err != nil {
		return err, nil
	}
	links := cluster.Links()
	err = use(cctx, cancel, cluster)
	cancel(nil)
	closeErr = cluster.Close()
	if err != nil {
		err = diagnose(err, links)
	}
	return err, closeErr
}

// diagnose adds to err, a repetition's failure, what the links it names
// can say about their nodes (topologies.Diagnoser: a worker's stderr),
// once their processes have stopped. An error that quotes a node's stderr
// already is left as it is.
func diagnose(err error, links []topologies.Link) error {
	msg := err.Error()
	if strings.Contains(msg, "its stderr:") {
		return err
	}
	var more []string
	for _, l := range links {
		d, ok := l.(topologies.Diagnoser)
		if !ok || !strings.Contains(msg, "node "+l.Info().String()) {
			continue
		}
		if why := d.Diagnosis(); why != "" {
			more = append(more, "node "+l.Info().Name+": "+why)
		}
	}
	if len(more) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(more, "; "))
}

// clusterConfig is the configuration of a cluster of workers nodes for
// cell k of plan p, running spec.
func (r *Runner) clusterConfig(p Plan, k results.Key, workers int, spec workloads.Spec) topologies.Config {
	base, row := topologies.SplitRow(k.Topology)
	return topologies.Config{
		Workers: workers, Workload: spec, Window: k.Window, Batch: k.Batch,
		Options: topoOptions(p)[base], Row: row, StartTimeout: 10 * time.Second, TaskTimeout: p.TaskTimeout.D(), Log: r.logWriter(),
		Token: r.Token, Secrets: r.Secrets[base], Resend: p.Redispatch(),
	}
}

// topoOptions is p's topology options as topologies.Options.
func topoOptions(p Plan) map[string]topologies.Options {
	out := make(map[string]topologies.Options, len(p.Options))
	for t, o := range p.Options {
		out[t] = o
	}
	return out
}

// runningNodes says whether topology's cells in p use nodes that already
// run (topologies.RunningNodes).
func (r *Runner) runningNodes(p Plan, topology string) bool {
	t, err := r.Topologies.Get(topology)
	if err != nil {
		return false
	}
	base, _ := topologies.SplitRow(topology)
	rn, ok := t.(topologies.RunningNodes)
	return ok && rn.UsesRunningNodes(p.Options[base])
}

// fixedDelay says whether p's workload is a pure wait: a known answer.
func fixedDelay(p Plan) bool { return p.Wait.D() > 0 && p.CPU <= 0 }

// Bounds of the no-wait round-trip probe of a fixed-delay cell.
const (
	noWaitWarmup  = 64
	noWaitBatches = 1024
	noWaitBudget  = 100 * time.Millisecond
)

// noWaitRT measures the round trip in a fixed-delay cell's known answer:
// one node of k's topology, started for the purpose with the plan's
// workload less its wait, sent k's batches closed-loop with window 1
// (noWaitWarmup batches, then as many as fit in noWaitBudget at the
// warm-up's pace, between noWaitWarmup and noWaitBatches). It returns the batches' p50 latency in ns.
func (r *Runner) noWaitRT(ctx context.Context, topo topologies.Topology, p Plan, k results.Key) (int64, error) {
	spec := p.Spec(k.Payload)
	spec.Wait = 0
	var rt int64
	err, _ := r.onCluster(ctx, topo, r.clusterConfig(p, k, 1, spec), func(cctx context.Context, cancel context.CancelCauseFunc, c topologies.Cluster) (err error) {
		rt, err = r.noWaitPasses(cctx, cancel, newFleet(c), p, k, spec)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("no-wait round trip: %w", err)
	}
	return rt, nil
}

// noWaitPasses runs the no-wait probe's warm-up and measured pass on fl
// and returns the measured round trip's p50.
func (r *Runner) noWaitPasses(cctx context.Context, cancel context.CancelCauseFunc, fl *fleet, p Plan, k results.Key, spec workloads.Spec) (int64, error) {
	newWL := func() (workloads.Workload, error) { return r.Workloads.New(spec) }
	links, _ := fl.live()
	warm := passSpec{policy: p.Dispatch, total: noWaitWarmup * k.Batch, batch: k.Batch, window: 1, timeout: p.TaskTimeout.D(), log: r.Log, label: "no-wait probe"}
	t0 := time.Now()
	if _, err := runPass(cctx, cancel, links, newWL, warm); err != nil {
		return 0, err
	}
	// As many batches as the warm-up's pace fits in the budget, in one
	// pass: a pass of its own per few batches would idle between them.
	per := time.Since(t0) / noWaitWarmup
	n := noWaitBatches
	if per > 0 {
		n = int(min(max(int64(noWaitBudget/per), noWaitWarmup), noWaitBatches))
	}
	measured := warm
	measured.total, measured.record = n*k.Batch, true
	pr, err := runPass(cctx, cancel, links, newWL, measured)
	if err != nil {
		return 0, err
	}
	if !pr.verify.OK() {
		return 0, fmt.Errorf("results did not verify: %+v", pr.verify)
	}
	lat := results.NewHist()
	for _, d := range pr.drivers {
		lat.Merge(d.lat)
	}
	return lat.ValueAtQuantile(50), nil
}

func (r *Runner) measure(ctx context.Context, cancel context.CancelCauseFunc, fl *fleet, p Plan, k results.Key, spec workloads.Spec) (*results.Rep, error) {
	newWL := func() (workloads.Workload, error) { return r.Workloads.New(spec) }
	timeout := p.TaskTimeout.D()
	// Under redispatch a node that fails in a pass sits out the later ones
	// (fleet), and its failure is kept for the repetition's record.
	var failures []results.Failure
	if p.Warmup > 0 {
		links, idx := fl.live()
		pr, err := runPass(ctx, cancel, links, newWL, passSpec{policy: p.Dispatch, total: p.Warmup, batch: k.Batch, window: k.Window, timeout: timeout,
			redispatch: p.Redispatch(), selfRecover: r.selfRecover(p, k), log: r.Log})
		if err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		failures = append(failures, fl.record(idx, pr)...)
		if !pr.verify.OK() {
			return nil, fmt.Errorf("warm-up: results did not verify: %+v%s", pr.verify, badNodes(pr.drivers))
		}
	}
	statsAt := time.Now()
	before, had, err := fl.stats(p.Redispatch(), &failures)
	if err != nil {
		return nil, err
	}
	links, idx := fl.live()
	if len(links) == 0 {
		return nil, fmt.Errorf("no node left for the measured pass: %s", failures[len(failures)-1].Error)
	}
	runtime.GC()
	cpu0 := selfCPU()
	pr, err := runPass(ctx, cancel, links, newWL, passSpec{policy: p.Dispatch, total: k.Tasks, batch: k.Batch, window: k.Window,
		timeout: timeout, record: true, rate: float64(k.Rate), arrivals: p.Arrivals, seed: p.Seed, redispatch: p.Redispatch(), selfRecover: r.selfRecover(p, k), log: r.Log})
	if err != nil {
		return nil, err
	}
	failures = append(failures, fl.record(idx, pr)...)
	cpu1, rss := selfCPU(), selfMaxRSS()
	after, have, err := fl.stats(p.Redispatch(), &failures)
	if err != nil {
		return nil, err
	}
	statsSpan := time.Since(statsAt) // the time the nodes' CPU claims cover
	// The open-loop yardstick, measured after the pass (and after the
	// nodes' CPU was read) so that it disturbs neither.
	var probeP50 int64
	if k.Rate > 0 {
		p50, fails, err := r.probe(ctx, cancel, fl, newWL, p, k, probeSize(pr.drivers))
		failures = append(failures, fails...)
		if err != nil {
			return nil, err
		}
		probeP50 = p50
	}
	rep := &results.Rep{
		Tasks:         int64(k.Tasks),
		WallNS:        int64(pr.wall),
		Throughput:    float64(k.Tasks) / pr.wall.Seconds(),
		CoordCPUNS:    int64(cpu1 - cpu0),
		CoordMaxRSSKB: rss,
		Verify:        pr.verify,
		NodeTasks:     make([]int64, len(fl.links)),
	}
	if before != nil && after != nil {
		// A node that failed cannot say what it used: its CPU is missing;
		// one whose claims cannot be true is left out (claims.go).
		var claims []results.Claim
		rep.NodeCPUNS, rep.NodeMaxRSSKB, claims = nodeUse(fl.links, before, after, had, have, statsSpan, machineMemKB())
		rep.Claims = append(rep.Claims, claims...)
	}
	rep.Claims = append(serviceClaimsOf(pr.drivers), rep.Claims...)
	if err := mergeDrivers(rep, pr.drivers, idx); err != nil {
		return nil, err
	}
	if k.Rate > 0 {
		if rep.Load, err = loadOf(pr.drivers, float64(k.Rate), rep.Tasks); err != nil {
			return nil, err
		}
		rep.Load.ProbeP50NS = probeP50
	} else {
		rep.Occupancy, rep.DrainIdle = occupancyOf(pr, rep.Throughput, k.Window, k.Batch)
	}
	if rep.Redispatch, err = redispatchRep(failures, pr, fl.takeIncidents()); err != nil {
		return nil, err
	}
	return rep, nil
}

// selfRecover says whether k's topology recovers lost batches itself in
// p (see passSpec.selfRecover).
func (r *Runner) selfRecover(p Plan, k results.Key) bool {
	return p.Redispatch() && r.dispatchBy(k.Topology) != ""
}

// Bounds of the unloaded-round-trip probe of an open-loop cell: batches
// per node, and the time it should take.
const (
	probeMin, probeMax = 16, 256
	probeBudget        = 300 * time.Millisecond
)

// probeSize is how many batches per node the probe sends: as many as fit
// in probeBudget at the measured pass's round trip from send (p50),
// between probeMin and probeMax.
func probeSize(drivers []*driver) int {
	unc := results.NewHist()
	for _, d := range drivers {
		if d.load != nil {
			unc.Merge(d.load.unc)
		}
	}
	rt := time.Duration(unc.ValueAtQuantile(50))
	if rt <= 0 {
		return probeMax
	}
	return int(min(max(int64(probeBudget/rt), probeMin), probeMax))
}

// probe measures an open-loop cell's unloaded round trip: a closed-loop
// pass of batches batches per node at the cell's batch size with
// window 1, so no batch ever queues behind another, run on the same nodes
// right after the measured pass. It returns the pass's
// p50 latency in ns, the yardstick for the open-loop latency at low load
// (see results.Load.ProbeP50NS).
func (r *Runner) probe(ctx context.Context, cancel context.CancelCauseFunc, fl *fleet, newWL func() (workloads.Workload, error), p Plan, k results.Key, batches int) (int64, []results.Failure, error) {
	links, idx := fl.live()
	if len(links) == 0 {
		return 0, nil, nil
	}
	pr, err := runPass(ctx, cancel, links, newWL, passSpec{policy: p.Dispatch, total: batches * k.Batch * len(links), batch: k.Batch, window: 1,
		timeout: p.TaskTimeout.D(), record: true, redispatch: p.Redispatch(), selfRecover: r.selfRecover(p, k), log: r.Log, label: "probe"})
	if err != nil {
		return 0, nil, fmt.Errorf("round-trip probe: %w", err)
	}
	failures := fl.record(idx, pr)
	if !pr.verify.OK() {
		return 0, failures, fmt.Errorf("round-trip probe: results did not verify: %+v", pr.verify)
	}
	lat := results.NewHist()
	for _, d := range pr.drivers {
		lat.Merge(d.lat)
	}
	return lat.ValueAtQuantile(50), failures, nil
}

// mergeDrivers adds the drivers' histograms and counts to rep: driver i
// served node idx[i].
func mergeDrivers(rep *results.Rep, drivers []*driver, idx []int) error {
	lat, svc := results.NewHist(), results.NewHist()
	rep.Nodes = make([]results.NodeCheck, len(rep.NodeTasks))
	for i, d := range drivers {
		rep.NodeTasks[idx[i]] = d.tasks
		rep.Nodes[idx[i]] = results.NodeCheck{Node: d.name, Verification: d.verify, FirstBad: d.firstBad}
		rep.Measurements += d.measured
		rep.Clamped += d.clamped
		lat.Merge(d.lat)
		svc.Merge(d.svc)
	}
	var err error
	if rep.Latency, err = results.EncodeHist(lat); err != nil {
		return err
	}
	rep.Service, err = results.EncodeHist(svc)
	return err
}

// selfMaxRSS returns this process's peak resident set size in KiB.
func selfMaxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
