package results_test

import (
	"encoding/json"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

func TestOccupancy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		throughput             float64
		lat                    time.Duration
		workers, window, batch int
		want                   float64
	}{
		// 2 nodes x 2 slots, each task 4 ms: full windows give 1000 tasks/s.
		{"full window", 1000, 4 * time.Millisecond, 2, 2, 1, 1},
		{"half empty", 500, 4 * time.Millisecond, 2, 2, 1, 0.5},
		// 4 x 64 tasks in flight at most; 1e6 tasks/s of 128 us is 128.
		{"batches", 1e6, 128 * time.Microsecond, 1, 4, 64, 0.5},
		{"no slots", 1000, time.Millisecond, 0, 4, 64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := results.Occupancy(tt.throughput, tt.lat, tt.workers, tt.window, tt.batch); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Occupancy = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSummarizeOccupancy: the cell's occupancy is the mean of its
// repetitions', and a low one gets one caveat that blames the
// coordinator, or the pass's length where that alone explains it.
func TestSummarizeOccupancy(t *testing.T) {
	t.Parallel()
	long := results.Key{Topology: "tcp", Workers: 2, Tasks: 100000, Payload: 1, Window: 4, Batch: 64} // 97 batches per slot
	short := long
	short.Tasks = 1024 // 2 batches per slot
	tests := []struct {
		name string
		key  results.Key
		occ  []float64 // per repetition; 0: none (open loop)
		// drain is each repetition's DrainIdle.
		drain float64
		want  float64
		warn  string // "" for none
	}{
		{"window-bound", long, []float64{0.98, 0.99, 0.97}, 0.01, 0.98, ""},
		{"coordinator-bound", long, []float64{0.5, 0.7, 0.6}, 0.05, 0.6,
			"coordinator-bound: window occupancy 0.60, slots empty 40% of the time (throughput x mean latency / (workers x window x batch)), waiting for the coordinator to refill them, so this throughput is the coordinator's pace, not the topology's latency-bound throughput"},
		// One node at half the other's speed: the fast one's slots stand
		// empty the second half of the pass.
		{"uneven nodes", long, []float64{0.75}, 0.25, 0.75,
			"uneven nodes: window occupancy 0.75, slots empty 25% of the time (throughput x mean latency / (workers x window x batch)), 25% after their node had finished its share while another still worked, so the slowest node set the pace, not the window"},
		{"short pass", short, []float64{0.5}, 0, 0.5, "short pass: window occupancy 0.50"},
		{"at the threshold", long, []float64{results.OccupancyLow}, 0, results.OccupancyLow, ""},
		{"open loop", long, []float64{0, 0}, 0, 0, ""},
		{"some reps without", long, []float64{0, 0.9}, 0, 0.9, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := results.Cell{Key: tt.key, Status: results.StatusOK}
			for i, o := range tt.occ {
				c.Reps = append(c.Reps, results.Rep{Round: i, Tasks: 10, Throughput: 1, Occupancy: o, DrainIdle: tt.drain,
					Verify: results.Verification{Expected: 10, Verified: 10}})
			}
			if err := results.Summarize(&c); err != nil {
				t.Fatal(err)
			}
			if math.Abs(c.Summary.Occupancy-tt.want) > 1e-12 {
				t.Errorf("occupancy %v, want %v", c.Summary.Occupancy, tt.want)
			}
			var got []string
			for _, w := range c.Warnings {
				if strings.Contains(w, "occupancy") {
					got = append(got, w)
				}
			}
			switch {
			case tt.warn == "" && len(got) > 0:
				t.Errorf("warnings %q, want none about occupancy", got)
			case tt.warn != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.warn)):
				t.Errorf("warnings %q, want one starting %q", got, tt.warn)
			}
		})
	}
}

// TestJSONNamesSayBatch: the latency fields' JSON names say that every
// task carries its batch's latency, and the summary has the occupancy.
func TestJSONNamesSayBatch(t *testing.T) {
	t.Parallel()
	r := sample(t)
	for i := range r.Cells[0].Reps {
		r.Cells[0].Reps[i].Occupancy = 0.99
	}
	if err := results.Summarize(&r.Cells[0]); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Cells []struct {
			Latency json.RawMessage `json:"batch_latency"`
			Summary struct {
				Latency   *results.Percentiles `json:"batch_latency"`
				Occupancy float64              `json:"occupancy"`
			} `json:"summary"`
			Reps []map[string]json.RawMessage `json:"reps"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	c := raw.Cells[0]
	if len(c.Latency) == 0 || c.Summary.Latency == nil || c.Summary.Latency.Count != 300 || math.Abs(c.Summary.Occupancy-0.99) > 1e-12 {
		t.Errorf("cell: batch_latency %d bytes, summary %+v", len(c.Latency), c.Summary)
	}
	if _, ok := c.Reps[0]["batch_latency"]; !ok || string(c.Reps[0]["occupancy"]) != "0.99" {
		t.Errorf("repetition lacks batch_latency or occupancy: %v", slices.Collect(maps.Keys(c.Reps[0])))
	}
	if strings.Contains(string(b), `"latency":`) {
		t.Errorf("a field is still named latency: %s", b)
	}
}

// TestReadSchema1 reads a results file that the snbench before schema 2
// wrote (testdata/schema1.json: goroutine and tcp, 2 workers, 400 tasks,
// 3 repetitions): its latency fields are found under their new names, it
// has no occupancy, and the run warns that its latency is the older one.
func TestReadSchema1(t *testing.T) {
	t.Parallel()
	res, err := results.Read(filepath.Join("testdata", "schema1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Schema != 1 || len(res.Cells) != 2 {
		t.Fatalf("schema %d, %d cells", res.Schema, len(res.Cells))
	}
	for _, c := range res.Cells {
		if c.Summary.Latency.Count != 1200 || c.Summary.Latency.P50 < int64(2*time.Millisecond) || c.Summary.Occupancy != 0 {
			t.Errorf("%s: summary latency %+v, occupancy %v", c.Key, c.Summary.Latency, c.Summary.Occupancy)
		}
		h, err := c.Latency.Decode()
		if err != nil || h.TotalCount() != 1200 {
			t.Errorf("%s: merged histogram: %v, %v", c.Key, h, err)
		}
		for _, r := range c.Reps {
			if h, err := r.Latency.Decode(); err != nil || h.TotalCount() != 400 {
				t.Errorf("%s round %d: histogram: %v", c.Key, r.Round, err)
			}
		}
	}
	if n := countContaining(res.Warnings, "results schema 1"); n != 1 {
		t.Fatalf("%d schema warnings in %q, want 1", n, res.Warnings)
	}
	// Written back and read again, it keeps one warning.
	path := filepath.Join(t.TempDir(), "results.json")
	if err := results.Write(path, res); err != nil {
		t.Fatal(err)
	}
	again, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := countContaining(again.Warnings, "results schema 1"); n != 1 || again.Cells[0].Summary.Latency != res.Cells[0].Summary.Latency {
		t.Fatalf("read again: %d schema warnings, summary %+v", n, again.Cells[0].Summary.Latency)
	}
}

func countContaining(ss []string, sub string) int {
	n := 0
	for _, s := range ss {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}
