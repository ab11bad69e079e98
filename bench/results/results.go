package results

import (
	"time"
)

// SchemaVersion is the version of the results format this package writes.
// Read accepts this version, version 2 (which had no auto window: its
// windows are all numbers, as this version reads them) and version 1,
// whose latency fields it renames (see migrateV1). Version 3 added the
// auto window: "auto" in plan.window, window 0 in an auto cell's key and
// the cell's auto_window.
const SchemaVersion = 3

// Results is everything one run produced.
type Results struct {
	// Schema is SchemaVersion.
	Schema int `json:"schema"`
	// Tool is "snbench".
	Tool string `json:"tool"`
	// Plan is the plan as run.
	Plan Plan `json:"plan"`
	// Env is the machine and build the run happened on.
	Env Env `json:"env"`
	// Started and Finished bound the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Cells are the plan's cells in Plan.Keys order.
	Cells []Cell `json:"cells"`
	// Incomplete is set when the run stopped early (an error or a signal);
	// cells without all repetitions are then marked too.
	Incomplete bool `json:"incomplete,omitempty"`
	// Error is why the run stopped early.
	Error string `json:"error,omitempty"`
	// Warnings are caveats about the whole run.
	Warnings []string `json:"warnings,omitempty"`
	// Capacity holds the outcome of a capacity search, one per topology and
	// scale; the steps it ran are cells too.
	Capacity []Capacity `json:"capacity,omitempty"`
	// GoTest is set on results read from `go test -bench` output (see
	// FromGobench): what the file said about itself, and so which of the
	// fields above hold figures and which are only defaults.
	GoTest *GoTest `json:"go_test,omitempty"`
}

// Env describes where a run happened.
type Env struct {
	Host       string `json:"host"`
	CPUModel   string `json:"cpu_model"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Kernel     string `json:"kernel,omitempty"`
	// Commit is the VCS revision snbench was built from (or, for an
	// unversioned build without a VCS stamp, `go run` from a clone, the
	// HEAD of the working directory's repository when that repository is
	// snbench's own module; "" when neither says).
	Commit string `json:"commit,omitempty"`
	// Dirty is set when the build's working tree had uncommitted changes:
	// Commit alone does not say what ran.
	Dirty bool `json:"dirty,omitempty"`
	// Version is snbench's module version as the build recorded it: a
	// tag or pseudo-version for `go install ...@version`, "(devel)" for a
	// build from a clone.
	Version string    `json:"version,omitempty"`
	Start   time.Time `json:"start"`
	// Doctor is what `snbench doctor` measured here first (run --doctor).
	Doctor *Doctor `json:"doctor,omitempty"`
}

// Cell status values.
const (
	StatusOK         = "ok"         // every repetition ran and verified
	StatusFailed     = "failed"     // some result was lost, duplicated or wrong
	StatusError      = "error"      // a repetition could not complete (node died, timeout)
	StatusIncomplete = "incomplete" // the run stopped before all repetitions
)

// Cell is one topology at one scale.
type Cell struct {
	Key
	// Dispatch is the dispatch policy that ran, and DispatchBy who decided
	// it: empty where snbench's policy did, or e.g. "nats queue group"
	// where the transport picks the node and the policy only splits the
	// batches among the coordinator's links.
	Dispatch   string `json:"dispatch"`
	DispatchBy string `json:"dispatch_by,omitempty"`
	// Status is StatusOK, StatusFailed, StatusError or StatusIncomplete.
	Status string `json:"status"`
	// Error is the error that ended the cell, if any.
	Error string `json:"error,omitempty"`
	// Reps are the measured repetitions, in round order.
	Reps []Rep `json:"reps"`
	// Verify sums the repetitions' verification counts.
	Verify Verification `json:"verify"`
	// Latency merges the repetitions' latency histograms, in nanoseconds,
	// one value per task; every task carries its batch's latency (see
	// Rep.Latency), hence the JSON name.
	Latency Hist `json:"batch_latency"`
	// Service merges the repetitions' service-time histograms: the node's
	// own time per batch, recorded once per task, in nanoseconds.
	Service Hist `json:"service"`
	// Baseline is the bare transport under the topology, measured with
	// the same workers, batch, window and bytes in the same rounds
	// (`snbench run --baselines`); nil when not measured.
	Baseline *Baseline `json:"baseline,omitempty"`
	// AutoWindow is, for an auto cell (Key.Window WindowAuto), the probe
	// that chose the window its repetitions ran with; nil for a cell with
	// an explicit window, and for an auto cell whose probe did not finish.
	AutoWindow *AutoWindow `json:"auto_window,omitempty"`
	// Abort is the node failure that ended the cell under
	// on_node_failure: fail, with what the pass had done; nil otherwise.
	Abort *Abort `json:"abort,omitempty"`
	// Summary is computed from the fields above by Summarize.
	Summary Summary `json:"summary"`
	// Warnings are caveats about this cell's figures.
	Warnings []string `json:"warnings,omitempty"`
}

// Rep is one measured repetition of a cell.
type Rep struct {
	// Round is the repetition's round (0-based); rounds interleave cells.
	Round int `json:"round"`
	// Tasks is the tasks verified in the measured window.
	Tasks int64 `json:"tasks"`
	// WallNS is the measured window, first send to last verified result.
	WallNS int64 `json:"wall_ns"`
	// Throughput is Tasks per second of WallNS.
	Throughput float64 `json:"throughput"`
	// CoordCPUNS is the coordinator process's user+system CPU time in the
	// window. For in-process topologies it includes the nodes.
	CoordCPUNS int64 `json:"coord_cpu_ns"`
	// NodeCPUNS is the node processes' CPU time in the window, summed;
	// absent where nodes are not processes of their own.
	NodeCPUNS *int64 `json:"node_cpu_ns,omitempty"`
	// NodeMaxRSSKB is the largest peak RSS of any node process, in KiB.
	NodeMaxRSSKB int64 `json:"node_max_rss_kb,omitempty"`
	// CoordMaxRSSKB is the coordinator process's peak RSS so far, in KiB
	// (a high-water mark of the whole process, read after the window).
	CoordMaxRSSKB int64 `json:"coord_max_rss_kb,omitempty"`
	// NodeTasks is the tasks each node served in the window.
	NodeTasks []int64 `json:"node_tasks"`
	// Nodes is each node's own verification of the measured pass, in the
	// order of NodeTasks: who sent what, and the first bad thing a node
	// sent. Absent in files written before it existed.
	Nodes []NodeCheck `json:"nodes,omitempty"`
	// Verify counts this repetition's verification outcomes.
	Verify Verification `json:"verify"`
	// Latency and Service are this repetition's histograms, one value per
	// task, in nanoseconds. Closed loop, Latency runs from the moment the
	// sender took a slot for the task's batch (before its ids were drawn
	// and Fill ran) to the moment the batch's result was verified: every
	// task of a batch carries the batch's latency, hence the JSON name. In
	// an open-loop repetition it runs from each task's intended send time
	// to its batch's verified result (so a stall delays every task behind
	// it: coordinated omission shows).
	Latency Hist `json:"batch_latency"`
	Service Hist `json:"service"`
	// Measurements is the latency measurements behind Latency and Service:
	// one per batch verified, which every task of the batch carries (so
	// Tasks at batch 1, Tasks/64 rounded up per node at batch 64).
	Measurements int64 `json:"measurements,omitempty"`
	// Clamped is the tasks whose latency exceeded HistMax (60 s): they are
	// in Latency as HistMax, so its max and top percentiles are lower
	// bounds.
	Clamped int64 `json:"clamped,omitempty"`
	// Occupancy is the closed-loop window occupancy: Throughput x the mean
	// of the tasks' exact (unclamped) latencies / (nodes x window x
	// batch), with the nodes the measured pass started with. By Little's
	// law it is the mean share of the window's task slots in flight: 1
	// when every slot is always full, below 1 when slots sat empty waiting
	// for the coordinator. 0 (absent) in open loop, in a pass where a node
	// failed, and in files written before schema 2.
	Occupancy float64 `json:"occupancy,omitempty"`
	// DrainIdle is the part of 1 - Occupancy spent after a node had
	// verified its last result while another still worked: the sum over
	// nodes of (the last node's finish - its own) / (nodes x WallNS). With
	// a static split (round-robin, hash) a slow node shows here; the rest
	// of the empty time is slots waiting for the coordinator. Absent where
	// Occupancy is.
	DrainIdle float64 `json:"drain_idle,omitempty"`
	// NoWaitRTNS is, in a closed-loop repetition of a fixed-delay plan (a
	// wait, no CPU burn), the p50 round trip of one batch of the cell's
	// size on the same topology with no wait: a one-node cluster started
	// after the repetition's, window 1. It is the round trip in the known
	// answer workers x window x batch / (batch x wait + round trip); a
	// cell that falls short of it although its nodes kept the wait is
	// waking late from idle (see the wake-late caveat). 0 elsewhere.
	NoWaitRTNS int64 `json:"nowait_rt_ns,omitempty"`
	// Load holds what an open-loop repetition adds; nil in closed loop.
	Load *Load `json:"load,omitempty"`
	// Redispatch records the node failures that on_node_failure:
	// redispatch survived in this repetition; nil when no node failed.
	Redispatch *Redispatch `json:"redispatch,omitempty"`
	// Claims are the nodes' claims that this repetition ignored, because
	// they contradicted what the coordinator measured (see Claim).
	Claims []Claim `json:"claims,omitempty"`
	// Metrics are, for a repetition read from `go test -bench` output,
	// the line's values in units that no field above holds, by unit as
	// the line wrote it: B/op and allocs/op (-benchmem), MB/s
	// (b.SetBytes) and b.ReportMetric's own units, per op as reported.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// Failure is one node failure: which node, when, and why.
type Failure struct {
	// Node names the node, with its pid or address.
	Node string `json:"node"`
	// Pass is "warm-up" or "measured", or "window probe" (an auto cell's,
	// see AutoWindow), "probe" (an open-loop cell's round-trip probe),
	// "stats" (reading the nodes' resource use) or "stop" (stopping the
	// cluster).
	Pass string `json:"pass"`
	// AtNS is when the failure was detected, in ns from the start of its
	// pass.
	AtNS int64 `json:"at_ns"`
	// Error is what the coordinator saw: the broken connection, the exit
	// status, or how long the node had not answered.
	Error string `json:"error"`
	// Completed is the tasks the node answered in the pass before it
	// failed; InFlight the tasks it held then, which were redispatched (or,
	// when the run stops, lost).
	Completed int64 `json:"completed"`
	InFlight  int64 `json:"in_flight"`
}

// Redispatch is what on_node_failure: redispatch did in one repetition.
type Redispatch struct {
	// Failures are the nodes that failed, in warm-up or measured pass, in
	// the order they were detected. A node that failed in the warm-up
	// takes no part in the measured pass.
	Failures []Failure `json:"failures"`
	// Tasks and Batches count what the measured pass handed to surviving
	// nodes: the failed nodes' tasks in flight and their unsent shares.
	Tasks   int64 `json:"tasks"`
	Batches int64 `json:"batches"`
	// Resent is the part of Tasks that was in flight on a failed node and
	// was sent again.
	Resent int64 `json:"resent"`
	// Dropped counts answers that arrived for tasks already handed to
	// another node; they were dropped, not counted twice.
	Dropped int64 `json:"dropped,omitempty"`
	// TransportResent counts the measured pass's tasks that the topology
	// itself sent again (nats: its links, after a node process died, the
	// server restarted, or a batch stalled) before their answer came.
	TransportResent int64 `json:"transport_resent,omitempty"`
	// Incidents are the topology's own lines about the faults it handled
	// during the repetition: a connection lost and regained, a frozen node
	// killed, batches sent again and duplicate answers dropped.
	Incidents []string `json:"incidents,omitempty"`
	// Latency is the resent tasks' latency from their first send (or, in
	// open loop, their intended time), in ns: the failover cost. It holds
	// both the tasks the coordinator resent and those the topology did.
	// Rep.Latency includes them too.
	Latency Hist `json:"latency"`
}

// Abort is what a pass that a node failure stopped had done, under
// on_node_failure: fail.
type Abort struct {
	// Failure is the node failure that stopped the pass.
	Failure Failure `json:"failure"`
	// Total is the pass's tasks; Completed came back (verified or not);
	// InFlight were sent and not answered (on every node); Unsent were not
	// sent yet; Lost = Total - Completed never completed.
	Total     int64 `json:"total"`
	Completed int64 `json:"completed"`
	InFlight  int64 `json:"in_flight"`
	Unsent    int64 `json:"unsent"`
	Lost      int64 `json:"lost"`
}

// Load is what an open-loop repetition measured beyond a closed-loop one.
type Load struct {
	// Offered is the scheduled rate, tasks/s; Achieved is the tasks
	// completed per second from the first intended send to the last result.
	Offered  float64 `json:"offered"`
	Achieved float64 `json:"achieved"`
	// Uncorrected is latency from each batch's actual send: what a tool
	// that stamps the send (and so hides coordinated omission) reports.
	Uncorrected Hist `json:"uncorrected"`
	// LagP50NS, LagP99NS and LagMaxNS are how far behind schedule the
	// generator sent batches, in ns, beyond what waiting for a free slot
	// explains: the harness's own lateness (see BoundWaitNS).
	LagP50NS int64 `json:"lag_p50_ns"`
	LagP99NS int64 `json:"lag_p99_ns"`
	LagMaxNS int64 `json:"lag_max_ns"`
	// BoundHits counts batches that were due while the node's in-flight
	// window was full: they waited, and the wait is in Latency. That is
	// backpressure, the system's behaviour: BoundWaitNS is the time they
	// waited in all (summed over drivers), BoundMaxNS the longest wait.
	BoundHits   int64 `json:"bound_hits"`
	BoundWaitNS int64 `json:"bound_wait_ns"`
	BoundMaxNS  int64 `json:"bound_max_ns"`
	// ProbeP50NS is the unloaded round trip of one batch: the p50 latency
	// of a short closed-loop pass at the same batch with window 1, run
	// right after the measured pass. 0 if no probe ran.
	ProbeP50NS int64 `json:"probe_p50_ns,omitempty"`
	// Series is the corrected latency per second of the repetition.
	Series []Second `json:"series"`
}

// Second is one second of an open-loop repetition.
type Second struct {
	// T is the second since the repetition started.
	T     int   `json:"t"`
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

// Capacity is the outcome of a capacity search for one topology and scale.
type Capacity struct {
	// Key is the cell searched (Rate and Tasks are 0).
	Key
	// MaxRate is the highest offered rate that passed, tasks/s (0 if even
	// the first step failed), and MaxAchieved what that step achieved.
	MaxRate     int     `json:"max_rate"`
	MaxAchieved float64 `json:"max_achieved"`
	// Steps are the rates tried, in order.
	Steps []Step `json:"steps"`
	// Error is why the search stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// Step is one rate a capacity search tried.
type Step struct {
	Offered  int     `json:"offered"`
	Achieved float64 `json:"achieved"`
	P50      int64   `json:"p50"`
	P99      int64   `json:"p99"`
	P999     int64   `json:"p999"`
	// Thin names the step's percentiles that rest on fewer than
	// ThinBeyond measurements beyond them (its cell's Summary.Thin).
	Thin []string `json:"thin,omitempty"`
	Pass bool     `json:"pass"`
	// Reason says why a step failed.
	Reason string `json:"reason,omitempty"`
}

// CPUPerTask returns the CPU time (coordinator plus nodes) per task.
func (r Rep) CPUPerTask() time.Duration {
	if r.Tasks == 0 {
		return 0
	}
	cpu := r.CoordCPUNS
	if r.NodeCPUNS != nil {
		cpu += *r.NodeCPUNS
	}
	return time.Duration(cpu / r.Tasks)
}

// Verification counts how the results of a set of tasks checked out.
type Verification struct {
	// Expected is the number of tasks sent.
	Expected int64 `json:"expected"`
	// Verified came back once with the right values.
	Verified int64 `json:"verified"`
	// Wrong came back with wrong values.
	Wrong int64 `json:"wrong,omitempty"`
	// Lost never came back, or came back under another id.
	Lost int64 `json:"lost,omitempty"`
	// Duplicate came back more than once; the copies are not counted as
	// verified.
	Duplicate int64 `json:"duplicate,omitempty"`
}

// OK reports whether every expected task was verified exactly once.
func (v Verification) OK() bool {
	return v.Wrong == 0 && v.Lost == 0 && v.Duplicate == 0 && v.Verified == v.Expected
}

// Add sums v and o.
func (v Verification) Add(o Verification) Verification {
	return Verification{
		Expected:  v.Expected + o.Expected,
		Verified:  v.Verified + o.Verified,
		Wrong:     v.Wrong + o.Wrong,
		Lost:      v.Lost + o.Lost,
		Duplicate: v.Duplicate + o.Duplicate,
	}
}

// Baseline is a cell's raw transport baseline.
type Baseline struct {
	// Transport is the bare transport measured (channel, pipe, tcp, nats).
	Transport string `json:"transport"`
	// Reps are its repetitions, one per round of the cell.
	Reps []BaselineRep `json:"reps"`
	// Throughput is tasks/s over the repetitions; P50NS is the median of
	// the repetitions' median frame round trips.
	Throughput Estimate `json:"throughput"`
	P50NS      int64    `json:"p50_ns"`
}

// BaselineRep is one repetition of a raw baseline.
type BaselineRep struct {
	Tasks      int64   `json:"tasks"`
	WallNS     int64   `json:"wall_ns"`
	Throughput float64 `json:"throughput"`
	// P50NS and P99NS are frame round trips.
	P50NS int64 `json:"p50_ns"`
	P99NS int64 `json:"p99_ns"`
}

// Efficiency returns the cell's throughput as a fraction of its raw
// baseline's ("harness efficiency"), or 0 without a baseline.
func (c *Cell) Efficiency() float64 {
	if c.Baseline == nil || c.Baseline.Throughput.Mean == 0 {
		return 0
	}
	return c.Summary.Throughput.Mean / c.Baseline.Throughput.Mean
}

// NodeCheck is one node's verification in a pass, as its driver saw it
// (ids the node answered twice across nodes are counted in the
// repetition's Verify only).
type NodeCheck struct {
	// Node names the node: name, pid or address.
	Node string `json:"node"`
	Verification
	// FirstBad is the first bad thing the node sent (escaped node data
	// never appears in it: it is built from numbers), "" if none.
	FirstBad string `json:"first_bad,omitempty"`
}
