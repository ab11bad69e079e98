package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// The auto window (results.WindowAuto). A closed loop keeps window
// batches in flight per node, so by Little's law its throughput is
// workers x window x batch / round trip until something else (the
// coordinator, the node, the transport) sets the pace; past that knee a
// larger window only lengthens the round trip. No one window fits every
// topology: channels level off at a few batches, pipes and sockets need
// many more, and a fixed default understates the slow transports most.
// So before an auto cell's first repetition a probe on a cluster of the
// cell's own scale runs a short verified pass at window 1, 2, 4, … up to
// results.AutoMaxWindow, stops once the throughput has levelled off, and the
// cell runs at the smallest window whose throughput reached results.AutoShare of
// the best step's: the knee, not the longest queue.
const (
	// autoGain is the least gain over the best step before it for a step
	// to count as still rising; autoFlatSteps steps in a row that do not
	// end the probe.
	autoGain      = 0.05
	autoFlatSteps = 3
	// autoStepTime is how long each step aims to last, at the pace of the
	// step before it; autoRounds is the fewest batches per window slot a
	// step sends, so that the window's drain at the end, about one round
	// trip in which nothing new is sent, stays a small part of it (about
	// 1/autoRounds: at 4, window 64 lost up to a fifth against window 32
	// in short passes, and the probe chose 32 where 64 was better).
	autoStepTime = 30 * time.Millisecond
	autoRounds   = 16
	// autoWarmRounds is the batches per node of the first warm-up pass,
	// at window 1, that wakes the fresh cluster and sets the first step's
	// pace; autoWarmPasses bounds the passes the warm-up takes to last a
	// quarter of autoStepTime, so that the pace is not a pass's fixed
	// cost.
	autoWarmRounds = 8
	autoWarmPasses = 3
	// autoBudget bounds the probe's passes: a step that would end later
	// than this after the warm-up began is not run (the warm-up and the
	// first step always are).
	autoBudget = time.Second
	// autoPassRounds is the fewest batches per window slot the cell's
	// measured pass may be left with: the probe tries no window larger
	// than the cell's tasks allow at this many (below 5 the measured
	// pass would be a short pass, see results.OccupancyLow).
	autoPassRounds = 8
	// autoFallback is the window of an auto cell whose probe a node
	// failure ended, under on_node_failure: redispatch, before any step.
	autoFallback = 16
)

// chooseWindow returns the window the cell runs at, from steps: the
// best window (the highest figure, results.WindowFigures: the better of
// two passes, the median of more), or a smaller one every pass of which
// reached results.AutoShare of the best's figure, the smallest such; 0
// without steps. Every pass, not the figure: on a shared machine one
// pass in two of a small window can read as high as the plateau (a
// goroutine cell's passes at window 8 read 132 to 217 M tasks/s in one
// probe, its window 64 183 to 226 M), so one lucky pass must not be
// enough, and a window whose passes cannot be told from a slower
// window's is passed over for a larger: a window too small costs
// throughput, one too large only latency.
func chooseWindow(steps []results.WindowStep) int {
	per := results.WindowFigures(steps)
	best, bestW := 0.0, 0
	for win, tp := range per {
		if tp > best || tp == best && win < bestW {
			best, bestW = tp, win
		}
	}
	worst := map[int]float64{}
	for _, s := range steps {
		if v, ok := worst[s.Window]; !ok || s.Throughput < v {
			worst[s.Window] = s.Throughput
		}
	}
	w := bestW
	for win, lo := range worst {
		if win < w && lo >= results.AutoShare*best {
			w = win
		}
	}
	return w
}

// levelled reports whether the last autoFlatSteps steps of a sweep up
// were each flat: within autoGain above and results.AutoNoisy below the
// best step before it. The throughput has then stopped rising with the
// window. A step further below is no sign of a plateau: a larger window
// does not cost a fifth of the throughput, a stall of the machine does
// (on the shared VM, 200 ms in which a tcp cell's passes ran at a tenth
// of their pace ended a sweep at window 16 that should have gone on).
func levelled(steps []results.WindowStep) bool {
	if len(steps) <= autoFlatSteps {
		return false
	}
	for i := len(steps) - autoFlatSteps; i < len(steps); i++ {
		best := 0.0
		for _, s := range steps[:i] {
			best = max(best, s.Throughput)
		}
		if tp := steps[i].Throughput; tp >= (1+autoGain)*best || tp < (1-results.AutoNoisy)*best {
			return false
		}
	}
	return true
}

// runCell runs one repetition of cell c: for an auto cell, its window
// probe first, once, in its first round (c.AutoWindow keeps it), then
// the repetition at the window chosen.
func (r *Runner) runCell(ctx context.Context, p Plan, c *results.Cell, round int) (*results.Rep, error) {
	if c.Window == results.WindowAuto && c.AutoWindow == nil {
		aw, err := r.autoWindow(ctx, p, c.Key, largestWindow(c.Key))
		if err != nil {
			return nil, err
		}
		c.AutoWindow = aw
		if aw.Stop == results.AutoUnverified {
			c.Status, c.Error = results.StatusFailed, "window probe: "+aw.Error
			return nil, errProbeFailedCell
		}
	}
	return r.runRep(ctx, p, windowKey(c), round)
}

// probeUnverified is a window probe's pass whose results did not verify:
// why says how, naming the nodes that sent bad results.
type probeUnverified struct {
	v   results.Verification
	why string
}

func (e *probeUnverified) Error() string { return e.why }

// errProbeFailedCell says runCell failed its cell in the window probe
// (results.AutoUnverified): the cell runs no repetition, the others go on.
var errProbeFailedCell = errors.New("the window probe failed the cell")

// probeFailed says whether cell c failed in its window probe.
func probeFailed(c *results.Cell) bool {
	return c.AutoWindow != nil && c.AutoWindow.Stop == results.AutoUnverified
}

// windowKey is c's key with the window its repetitions run at: an auto
// cell's chosen one.
func windowKey(c *results.Cell) results.Key {
	k := c.Key
	k.Window = c.WindowUsed()
	return k
}

// autoWindow runs the window probe of auto cell k, up to window largest:
// a cluster of k's workers, started for the probe with room for
// results.AutoMaxWindow batches per node, then closed. Under on_node_failure: fail a node failure ends the
// probe and the cell with an error, as in a repetition; under redispatch
// the probe's passes are plain closed loops still (its cluster is its
// own), and a node failure ends only the probe: the cell runs at the
// best window measured before it, or at autoFallback, and says so.
func (r *Runner) autoWindow(ctx context.Context, p Plan, k results.Key, largest int) (*results.AutoWindow, error) {
	start := time.Now()
	topo, err := r.Topologies.Get(k.Topology)
	if err != nil {
		return nil, err
	}
	spec := p.Spec(k.Payload)
	room := k
	room.Window = results.AutoMaxWindow
	var aw *results.AutoWindow
	err, cerr := r.onCluster(ctx, topo, r.clusterConfig(p, room, k.Workers, spec), func(cctx context.Context, cancel context.CancelCauseFunc, c topologies.Cluster) (err error) {
		aw, err = r.probeWindows(cctx, cancel, c.Links(), p, k, spec, largest)
		return err
	})
	if cerr != nil && err == nil && aw.Stop != results.AutoFailed {
		err = fmt.Errorf("window probe: stopping cluster: %w", cerr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("run interrupted: %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("window probe: %w", err)
	}
	aw.WallNS = int64(time.Since(start))
	return aw, nil
}

// probeWindows runs the probe's warm-up and steps over links, and
// chooses the window. The error of a pass that failed is returned,
// unless under redispatch a node failed, which becomes Stop AutoFailed.
func (r *Runner) probeWindows(ctx context.Context, cancel context.CancelCauseFunc, links []topologies.Link, p Plan, k results.Key, spec workloads.Spec, largest int) (*results.AutoWindow, error) {
	newWL := func() (workloads.Workload, error) { return r.Workloads.New(spec) }
	slots := len(links) * k.Batch // tasks in flight per unit of window
	pass := func(window, tasks int) (time.Duration, error) {
		// Recorded as a measured pass is: the receiver's work per batch
		// (histograms, sums) costs the small windows throughput that it
		// does not cost the large ones, and the choice must see it.
		pr, err := runPass(ctx, cancel, links, newWL, passSpec{policy: p.Dispatch, total: tasks, batch: k.Batch, window: window,
			timeout: p.TaskTimeout.D(), record: true, log: r.Log, label: "window probe"})
		if err != nil {
			return 0, err
		}
		if !pr.verify.OK() {
			return 0, &probeUnverified{v: pr.verify, why: fmt.Sprintf("results did not verify: %+v%s", pr.verify, badNodes(pr.drivers))}
		}
		return pr.wall, nil
	}
	began := time.Now()
	steps, stop, err := probeSteps(pass, slots, largest, func() time.Duration { return time.Since(began) })
	aw := &results.AutoWindow{Steps: steps, Stop: stop, Window: chooseWindow(steps)}
	if pu := (*probeUnverified)(nil); errors.As(err, &pu) {
		// The cell fails as a repetition that did not verify would.
		aw.Stop, aw.Error, aw.Verify = results.AutoUnverified, pu.why, &pu.v
		return aw, nil
	}
	var ne *NodeError // a node failed, not the run
	if err == nil || !p.Redispatch() || !errors.As(err, &ne) {
		return aw, err
	}
	aw.Stop, aw.Error = results.AutoFailed, err.Error()
	if aw.Window == 0 {
		aw.Window = autoFallback
	}
	if w := r.logWriter(); w != nil {
		fmt.Fprintf(w, "cell %s: window probe: %v; the cell runs at window %d\n", k, err, aw.Window)
	}
	return aw, nil
}

// probePass runs one verified closed-loop pass of tasks at window and
// returns its time, first send to last verified result.
type probePass func(window, tasks int) (time.Duration, error)

// probeSteps runs the probe through pass, over nodes holding slots tasks
// in flight per unit of window (workers x batch). A warm-up at window 1
// wakes the fresh cluster and sets the pace of the first step: a pass of
// autoWarmRounds batches per node, and more while one lasts under a
// quarter of autoStepTime. The sweep up runs a step per window 1, 2, 4,
// … largest, each of autoStepTime at the pace of the step before and at
// least autoRounds batches per slot, until the throughput has levelled
// off (see levelled), the largest window has run (Stop AutoMax, or
// AutoTasks when largest is below results.AutoMaxWindow), or the next
// step would end past autoBudget of elapsed (AutoBudget). The sweep back
// down runs each of those windows once more, largest first, within the
// budget, so that a slow moment of a shared machine, which lowers the
// passes it falls on, falls on different windows' passes in the two
// sweeps: a window's figure is the better of its passes. A window whose
// two passes still differ by more than results.AutoNoisy runs a third,
// and its figure is the median (chooseWindow, results.WindowFigures).
// It returns every pass in the order run and why the sweep up stopped;
// on a failed pass, the passes before it and the error.
func probeSteps(pass probePass, slots, largest int, elapsed func() time.Duration) ([]results.WindowStep, string, error) {
	pace, tasks := 0.0, min(autoWarmRounds*slots, results.MaxTasks)
	for i := 0; i < autoWarmPasses; i++ {
		wall, err := pass(1, tasks)
		if err != nil {
			return nil, "", fmt.Errorf("warm-up: %w", err)
		}
		pace = float64(tasks) / max(wall.Seconds(), 1e-9) // tasks/s of the last pass
		if wall >= autoStepTime/4 {
			break
		}
		tasks = int(min(pace*autoStepTime.Seconds()/2, results.MaxTasks))
	}
	var steps []results.WindowStep
	// step runs window w at the pace expected of it, unless it would end
	// past the budget.
	step := func(w int, pace float64) (bool, error) {
		tasks := int(min(max(pace*autoStepTime.Seconds(), float64(autoRounds*w*slots)), results.MaxTasks))
		if len(steps) > 0 && elapsed()+time.Duration(float64(tasks)/pace*float64(time.Second)) > autoBudget {
			return false, nil
		}
		wall, err := pass(w, tasks)
		if err != nil {
			return false, fmt.Errorf("window %d: %w", w, err)
		}
		s := results.WindowStep{Window: w, Tasks: int64(tasks), WallNS: int64(wall), Throughput: float64(tasks) / max(wall.Seconds(), 1e-9)}
		steps = append(steps, s)
		return true, nil
	}
	stop := results.AutoMax
	if largest < results.AutoMaxWindow {
		stop = results.AutoTasks
	}
	for w := 1; w <= largest; w *= 2 {
		if n := len(steps); n > 0 {
			pace = steps[n-1].Throughput // no gain: the step lasts at least autoStepTime
		}
		ran, err := step(w, pace)
		if err != nil {
			return steps, "", err
		}
		if !ran {
			stop = results.AutoBudget
			break
		}
		if levelled(steps) {
			stop = results.AutoPlateau
			break
		}
	}
	up := len(steps)
	for i := up - 1; i >= 0; i-- {
		if ran, err := step(steps[i].Window, steps[i].Throughput); err != nil || !ran {
			return steps, stop, err
		}
	}
	// A third pass, in the order of the sweep up, for each window whose
	// two disagree by more than results.AutoNoisy: its figure is then the
	// median, which no single slow or lucky pass decides.
	for _, s := range steps[:up] {
		if _, d := results.WindowSpread(passesOf(steps, s.Window)); d <= results.AutoNoisy {
			continue
		}
		if ran, err := step(s.Window, results.WindowFigures(passesOf(steps, s.Window))[s.Window]); err != nil || !ran {
			return steps, stop, err
		}
	}
	return steps, stop, nil
}

// passesOf returns the passes of steps at window w.
func passesOf(steps []results.WindowStep, w int) []results.WindowStep {
	var out []results.WindowStep
	for _, s := range steps {
		if s.Window == w {
			out = append(out, s)
		}
	}
	return out
}

// largestWindow is the largest window the probe of cell k tries: a power
// of two up to results.AutoMaxWindow that leaves k's measured pass at
// least autoPassRounds batches per slot, and at least 1.
func largestWindow(k results.Key) int {
	per := k.Tasks / max(1, k.Workers*k.Batch*autoPassRounds) // the most windows' worth of rounds
	w := 1
	for w*2 <= min(per, results.AutoMaxWindow) {
		w *= 2
	}
	return w
}
