package bench

import (
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// stubLink is a link that is never used: check and mergeDrivers need only
// its name.
type stubLink struct{ topologies.Link }

func (stubLink) Info() topologies.NodeInfo { return topologies.NodeInfo{Name: "stub-0"} }

// TestCheckCountsClampedAndMeasurements records verified batches through
// the driver's own path, closed and open loop, one of them answered 61 s
// after it was sent (or due), and checks that the repetition counts one
// measurement per batch and the clamped tasks, and that the summary
// reports them.
func TestCheckCountsClampedAndMeasurements(t *testing.T) {
	for _, open := range []bool{false, true} {
		t.Run(map[bool]string{false: "closed", true: "open"}[open], func(t *testing.T) {
			wl, err := workloads.DefaultRegistry().New(workloads.DefaultSpec())
			if err != nil {
				t.Fatal(err)
			}
			const batch, batches = 8, 5
			d := newDriver(stubLink{}, wl, nil, batch, 1, newSeenSets(results.DispatchRoundRobin, false, 1, batch*batches, batch)[0], true, time.Now())
			if open {
				d.feedOpen(newOpenLoop(0, 1, 1000, results.ArrivalsConstant, 1, batch))
			}
			for i := range batches {
				b := workloads.Batch{}
				for id := range batch {
					b.IDs = append(b.IDs, uint64(i*batch+id))
				}
				wl.Fill(&b)
				sl := &slot{ids: b.IDs, vals: b.Values, sent: time.Duration(i) * time.Millisecond}
				for range b.IDs {
					sl.due = append(sl.due, sl.sent)
				}
				r := workloads.Result{K: b.K, IDs: make([]uint64, batch), Values: make([]int64, len(b.Values)), Service: time.Microsecond}
				wl.Serve(&b, &r)
				now := sl.sent + time.Millisecond
				if i == 3 {
					now = sl.sent + 61*time.Second
				}
				if d.check(sl, &r) {
					d.feed.record(sl, &r, now)
				}
			}
			if !d.verify.OK() || d.verify.Verified != batch*batches {
				t.Fatalf("verification %+v", d.verify)
			}
			rep := &results.Rep{Round: 0, Tasks: batch * batches, WallNS: 1e9, Throughput: 40, NodeTasks: make([]int64, 1), Verify: d.verify}
			if err := mergeDrivers(rep, []*driver{d}, []int{0}); err != nil {
				t.Fatal(err)
			}
			if rep.Measurements != batches || rep.Clamped != batch || rep.NodeTasks[0] != batch*batches {
				t.Fatalf("rep: %d measurements, %d clamped, node tasks %v; want %d, %d, [%d]",
					rep.Measurements, rep.Clamped, rep.NodeTasks, batches, batch, batch*batches)
			}
			c := results.Cell{Key: results.Key{Topology: "stub", Workers: 1, Tasks: batch * batches, Payload: 1, Window: 1, Batch: batch},
				Status: results.StatusOK, Reps: []results.Rep{*rep}}
			if err := results.Summarize(&c); err != nil {
				t.Fatal(err)
			}
			s := c.Summary
			if s.Clamped != batch || s.Measurements != batches || !results.AtCeiling(s.Latency.Max) || results.AtCeiling(s.Latency.P50) {
				t.Fatalf("summary: clamped %d, measurements %d, max %d, p50 %d", s.Clamped, s.Measurements, s.Latency.Max, s.Latency.P50)
			}
			if len(c.Warnings) == 0 || c.Warnings[0] != "8 of 40 tasks took longer than the histogram's 60s ceiling and were recorded at it: "+
				"the max and any percentile marked ≥ are lower bounds" {
				t.Fatalf("warnings %q", c.Warnings)
			}
		})
	}
}
