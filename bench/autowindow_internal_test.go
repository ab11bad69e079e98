package bench

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// curve is a synthetic throughput against window, tasks/s.
type curve func(window int) float64

// plateau rises linearly with the window up to knee, then stays flat.
func plateau(knee int, top float64) curve {
	return func(w int) float64 { return top * float64(min(w, knee)) / float64(knee) }
}

// fakePass is a probePass on c: each pass takes tasks / c(window) on a
// fake clock that only passes run on.
type fakePass struct {
	c       curve
	clock   time.Duration
	windows []int // the windows passed, warm-up first
	failAt  int   // the window whose pass fails, 0 for none
	// slow, if set, is the share of its throughput the nth pass (from 0,
	// the warm-up's included) gets: a slow moment of the machine.
	slow map[int]float64
}

func (f *fakePass) pass(window, tasks int) (time.Duration, error) {
	n := len(f.windows)
	f.windows = append(f.windows, window)
	if window == f.failAt {
		return 0, errors.New("node 2: connection reset")
	}
	tp := f.c(window)
	if share, ok := f.slow[n]; ok {
		tp *= share
	}
	d := time.Duration(float64(tasks) / tp * float64(time.Second))
	f.clock += d
	return d, nil
}

func steps(tp ...float64) []results.WindowStep {
	var out []results.WindowStep
	for i, t := range tp {
		out = append(out, results.WindowStep{Window: 1 << i, Throughput: t})
	}
	return out
}

// TestChooseWindow: the best window, or the smallest one every pass of
// which came within AutoShare (95%) of the best's figure, on known
// curves.
func TestChooseWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []results.WindowStep
		want  int
	}{
		{"plateau at 8", steps(1, 2, 4, 8, 8.1, 8.05), 8},
		{"flat", steps(5, 5, 5), 1},
		{"flat with noise", steps(5, 5.2, 4.9), 1},
		{"monotone, slowing", steps(1, 1.9, 3.5, 5.0, 5.3, 5.4, 5.45), 16},
		{"a dip on the way up", steps(1, 2, 3.8, 3.0, 4.0, 4.05), 16},
		{"peak, then worse", steps(1, 2, 4, 3, 2), 4},
		{"just under the share", steps(1, 2, 9.4, 10), 8},
		{"exactly the share", steps(1, 2, 9.5, 10), 4},
		{"still rising at the largest", steps(1, 2, 4, 8, 16, 32, 64), 64},
		{"one step", steps(3), 1},
		{"the better of two passes", append(steps(1, 2, 3, 2, 4), results.WindowStep{Window: 8, Throughput: 3.9}, results.WindowStep{Window: 4, Throughput: 4.1}), 4},
		{"a slow pass does not hide a window", append(steps(1, 2, 4), results.WindowStep{Window: 4, Throughput: 1}), 4},
		{"the median of three: one lucky pass does not decide", append(steps(1, 2, 3, 4),
			results.WindowStep{Window: 4, Throughput: 4.2}, results.WindowStep{Window: 4, Throughput: 3.6}), 8},
		{"one lucky pass does not make a small window the plateau", append(steps(2, 4, 9.6, 10),
			results.WindowStep{Window: 8, Throughput: 9.9}, results.WindowStep{Window: 4, Throughput: 7}), 8},
		{"every pass at the share qualifies", append(steps(2, 4, 9.6, 10),
			results.WindowStep{Window: 8, Throughput: 9.8}, results.WindowStep{Window: 4, Throughput: 9.5}), 4},
		{"a noisy best window is still the best", append(steps(1, 2, 10), results.WindowStep{Window: 4, Throughput: 7}), 4},
		{"a noisy window is passed over for a larger one", append(steps(1, 2, 4, 9.8, 10, 9.9),
			results.WindowStep{Window: 32, Throughput: 9.7}, results.WindowStep{Window: 16, Throughput: 9.8},
			results.WindowStep{Window: 8, Throughput: 6}, results.WindowStep{Window: 4, Throughput: 4}), 16},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := chooseWindow(tt.steps); got != tt.want {
				t.Errorf("chooseWindow(%v) = %d, want %d", tt.steps, got, tt.want)
			}
		})
	}
}

// TestLevelled: the sweep up stops once autoFlatSteps (3) steps in a row
// gained less than autoGain (5%) over the best step before each.
func TestLevelled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []results.WindowStep
		want  bool
	}{
		{"rising", steps(1, 2, 4, 8), false},
		{"two flat steps", steps(1, 2, 4, 4.1, 4.15), false},
		{"three flat steps", steps(1, 2, 4, 4.1, 4.15, 4.0), true},
		{"flat from the start", steps(5, 5, 5, 5), true},
		{"three steps only", steps(5, 5, 5), false},
		{"a dip, then a rise past the best", steps(1, 2, 4, 3.5, 3.9, 4.3), false},
		{"a dip within the noise, then back to the best", steps(1, 2, 4, 3.5, 4.1, 4.0), true},
		{"a stall is no plateau", steps(1, 2, 4, 0.5, 0.6, 4.1), false},
		{"a drop of over a fifth is no plateau", steps(1, 2, 4, 3.1, 3.0, 2.9), false},
		{"the last gains 5%", steps(1, 2, 4, 4.1, 4.1, 4.31), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := levelled(tt.steps); got != tt.want {
				t.Errorf("levelled(%v) = %v, want %v", tt.steps, got, tt.want)
			}
		})
	}
}

// TestWindowSpread: the window whose passes differ most, and by how much.
func TestWindowSpread(t *testing.T) {
	t.Parallel()
	s := append(steps(1, 2, 4, 8), results.WindowStep{Window: 4, Throughput: 3}, results.WindowStep{Window: 2, Throughput: 1},
		results.WindowStep{Window: 8, Throughput: 8})
	if w, d := results.WindowSpread(s); w != 2 || d != 0.5 {
		t.Errorf("WindowSpread = %d, %g; want 2, 0.5", w, d)
	}
	if w, d := results.WindowSpread(steps(1, 2, 4)); w != 0 || d != 0 {
		t.Errorf("WindowSpread of single passes = %d, %g; want 0, 0", w, d)
	}
}

// TestLargestWindow: the probe tries no window that would leave the
// measured pass fewer than 8 batches per slot.
func TestLargestWindow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tasks, workers, batch, want int
	}{
		{1_000_000, 8, 64, results.AutoMaxWindow},
		{200_000, 2, 64, results.AutoMaxWindow},
		{4000, 1, 64, 4},   // 62 batches: 7.8 windows of 8 rounds
		{4096, 1, 64, 8},   // 64 batches
		{100, 4, 64, 1},    // not one batch per node: window 1 still
		{32768, 1, 64, 64}, // 512 batches: exactly 64 windows of 8
	} {
		k := results.Key{Tasks: tt.tasks, Workers: tt.workers, Batch: tt.batch}
		if got := largestWindow(k); got != tt.want {
			t.Errorf("largestWindow(tasks %d, workers %d, batch %d) = %d, want %d", tt.tasks, tt.workers, tt.batch, got, tt.want)
		}
	}
}

// TestProbeSteps runs the whole step logic on synthetic curves: which
// windows the sweep up tries, why it stops, that the sweep back down runs
// each of them again, and what is chosen.
func TestProbeSteps(t *testing.T) {
	t.Parallel()
	noise := []float64{1.01, 0.98, 1.02, 0.99, 1.03, 0.97, 1.0} // ±3%, no trend
	tests := []struct {
		name      string
		c         curve
		slots     int
		largest   int // the largest window the cell's tasks allow; 0 for results.AutoMaxWindow
		wantStop  string
		wantUp    []int // the windows of the sweep up
		wantDown  []int // of the sweep back down
		wantPick  int
		wantError bool
		failAt    int
		slow      map[int]float64
	}{
		{name: "plateau at 8", c: plateau(8, 8e6), slots: 64, wantStop: results.AutoPlateau,
			wantUp: []int{1, 2, 4, 8, 16, 32, 64}, wantDown: []int{64, 32, 16, 8, 4, 2, 1}, wantPick: 8},
		{name: "plateau at 2", c: plateau(2, 8e6), slots: 64, wantStop: results.AutoPlateau,
			wantUp: []int{1, 2, 4, 8, 16}, wantDown: []int{16, 8, 4, 2, 1}, wantPick: 2},
		{name: "flat: window 1 is enough", c: plateau(1, 8e6), slots: 64, wantStop: results.AutoPlateau,
			wantUp: []int{1, 2, 4, 8}, wantDown: []int{8, 4, 2, 1}, wantPick: 1},
		{name: "noisy plateau at 4", c: func(w int) float64 {
			return plateau(4, 3e6)(w) * noise[int(math.Log2(float64(w)))]
		}, slots: 64, wantStop: results.AutoPlateau, wantUp: []int{1, 2, 4, 8, 16, 32}, wantDown: []int{32, 16, 8, 4, 2, 1}, wantPick: 4},
		{name: "rises to the end", c: plateau(1024, 1e9), slots: 64, wantStop: results.AutoMax,
			wantUp: []int{1, 2, 4, 8, 16, 32, 64}, wantDown: []int{64, 32, 16, 8, 4, 2, 1}, wantPick: 64},
		{name: "few tasks: their largest window stops it", c: plateau(1024, 1e9), slots: 64, largest: 8, wantStop: results.AutoTasks,
			wantUp: []int{1, 2, 4, 8}, wantDown: []int{8, 4, 2, 1}, wantPick: 8},
		// A batch takes 10 ms at any window: the warm-up's 8 batches take
		// 80 ms, and each step's 16 batches per slot 160 ms. Windows 1 to 8
		// fit the 1 s budget (to 720 ms); 16, predicted at window 8's pace
		// (320 ms), would not. On the way back down window 8 fits (160 ms
		// at its own pace, to 880 ms), and then 4 does not.
		{name: "slow batches: the budget stops it", c: func(w int) float64 { return float64(w*64) / 0.01 }, slots: 64,
			wantStop: results.AutoBudget, wantUp: []int{1, 2, 4, 8}, wantDown: []int{8}, wantPick: 8},
		// Passes 0 and 1 are the warm-up's. The sweep up's window-4 pass
		// (pass 4) is slowed to a third, so the sweep up levels off only
		// at 64; the sweep down's window-2 pass (pass 14) to a half. Both
		// windows get a third pass, in the order of the sweep up, which
		// decides: 4 is chosen.
		{name: "slow moments", c: plateau(4, 8e6), slots: 64, slow: map[int]float64{4: 1.0 / 3, 14: 0.5}, wantStop: results.AutoPlateau,
			wantUp: []int{1, 2, 4, 8, 16, 32, 64}, wantDown: []int{64, 32, 16, 8, 4, 2, 1, 2, 4}, wantPick: 4},
		// A stall slows the sweep up's passes at 8 and 16 (passes 5 and 6)
		// to a tenth: the sweep goes on past them, and their third passes
		// put the choice back at the knee.
		{name: "a stall in the sweep up", c: plateau(16, 8e6), slots: 64, slow: map[int]float64{5: 0.1, 6: 0.1}, wantStop: results.AutoMax,
			wantUp: []int{1, 2, 4, 8, 16, 32, 64}, wantDown: []int{64, 32, 16, 8, 4, 2, 1, 8, 16}, wantPick: 16},
		{name: "a pass fails", c: plateau(8, 8e6), slots: 64, failAt: 4, wantUp: []int{1, 2}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakePass{c: tt.c, failAt: tt.failAt, slow: tt.slow}
			largest := tt.largest
			if largest == 0 {
				largest = results.AutoMaxWindow
			}
			got, stop, err := probeSteps(f.pass, tt.slots, largest, func() time.Duration { return f.clock })
			if (err != nil) != tt.wantError {
				t.Fatalf("probeSteps: error %v, want error %v", err, tt.wantError)
			}
			if f.windows[0] != 1 {
				t.Errorf("the warm-up ran at window %d, want 1", f.windows[0])
			}
			var windows []int
			for _, s := range got {
				windows = append(windows, s.Window)
			}
			if want := append(slices.Clone(tt.wantUp), tt.wantDown...); !slices.Equal(windows, want) {
				t.Errorf("passes at windows %v, want %v", windows, want)
			}
			if tt.wantError {
				return
			}
			if stop != tt.wantStop {
				t.Errorf("stopped: %q, want %q (steps %v)", stop, tt.wantStop, got)
			}
			if pick := chooseWindow(got); pick != tt.wantPick {
				t.Errorf("chose %d, want %d (steps %v)", pick, tt.wantPick, got)
			}
			for _, s := range got {
				if least := int64(autoRounds * s.Window * tt.slots); s.Tasks < least {
					t.Errorf("window %d ran %d tasks, fewer than %d batches per slot (%d)", s.Window, s.Tasks, autoRounds, least)
				}
			}
			if f.clock > autoBudget && stop != results.AutoBudget {
				t.Errorf("the probe took %v, past its %v budget", f.clock, autoBudget)
			}
		})
	}
}

// TestProbeWarmUp: a warm-up pass too short to set a pace (a pass's fixed
// cost would dominate it) is followed by a longer one, up to
// autoWarmPasses; the first step then lasts about autoStepTime.
func TestProbeWarmUp(t *testing.T) {
	t.Parallel()
	f := &fakePass{c: plateau(1, 50e6)} // 64 tasks per batch, 8 batches: 10 µs
	got, _, err := probeSteps(f.pass, 64, results.AutoMaxWindow, func() time.Duration { return f.clock })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.windows[:3], []int{1, 1, 1}) || f.windows[3] != 2 {
		t.Errorf("passes at windows %v, want the warm-up's two, then windows 1 and 2", f.windows)
	}
	if d := time.Duration(got[0].WallNS); d < autoStepTime/2 || d > 2*autoStepTime {
		t.Errorf("the first step took %v, want about %v", d, autoStepTime)
	}
}
