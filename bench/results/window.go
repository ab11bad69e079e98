package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WindowAuto is the window value that asks for each cell's window to be
// chosen by a short probe before the cell's first repetition (see
// AutoWindow): "auto" in plan files, results.json's plan and the
// --window flag, and 0 in a cell's key, so that the key of an auto cell
// is the same whatever its probe chose and auto cells of two runs match.
const WindowAuto = 0

// AutoMaxWindow is the largest window an auto cell's probe tries, in
// batches per node; the probe's cluster is started with room for it.
const AutoMaxWindow = 64

// AutoShare is the share of the best probe window's throughput that every
// pass of a smaller window must reach for an auto cell's probe to choose
// it: it chooses the smallest window that qualifies, or else the best.
const AutoShare = 0.95

// Windows is Plan.Window: the windows to run, in batches in flight per
// node, WindowAuto among them written "auto". In JSON (and so in YAML plan
// files) it is a list of whole numbers and "auto"; a bare 0 is refused, so
// that no file written before auto existed can mean it.
type Windows []int

// HasAuto reports whether ws asks for an auto window.
func (ws Windows) HasAuto() bool {
	for _, w := range ws {
		if w == WindowAuto {
			return true
		}
	}
	return false
}

// String formats ws as the --window flag reads it: "auto,4,16".
func (ws Windows) String() string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = FormatWindow(w)
	}
	return strings.Join(parts, ",")
}

// FormatWindow formats one window value: "auto" for WindowAuto, else the
// number.
func FormatWindow(w int) string {
	if w == WindowAuto {
		return "auto"
	}
	return strconv.Itoa(w)
}

// MarshalJSON writes ws as a list of numbers and "auto".
func (ws Windows) MarshalJSON() ([]byte, error) {
	if ws == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(',')
		}
		if w == WindowAuto {
			b.WriteString(`"auto"`)
		} else {
			b.WriteString(strconv.Itoa(w))
		}
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a list of whole numbers and "auto".
func (ws *Windows) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*ws = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("window: want a list such as [auto] or [4, 16], got %s", clip(b))
	}
	out := make(Windows, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			if strings.TrimSpace(s) != "auto" {
				return fmt.Errorf("window: %q: want a whole number of batches or auto", s)
			}
			out = append(out, WindowAuto)
			continue
		}
		var n int
		if err := json.Unmarshal(r, &n); err != nil {
			return fmt.Errorf("window: %s: want a whole number of batches or auto", clip(r))
		}
		if n == WindowAuto {
			return fmt.Errorf("window: 0 out of range [1, %d] (auto is written auto)", MaxWindow)
		}
		out = append(out, n)
	}
	*ws = out
	return nil
}

// clip is b for an error message: at most 40 bytes of it.
func clip(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// AutoWindow is how an auto cell's window was chosen: closed-loop passes
// at windows 1, 2, 4, … up to its largest, on a cluster of the cell's own
// scale started for the probe, every result verified; the window is the
// smallest every pass of which reached AutoShare of the best window's
// throughput, or else the best (see
// docs/measurement.md for the rule and its figures). Every repetition of
// the cell, and its baseline, ran with it.
type AutoWindow struct {
	// Window is the window chosen, in batches in flight per node.
	Window int `json:"window"`
	// Steps are the probe's passes in the order run: a sweep up from
	// window 1, doubling, then each of its windows once more on the way
	// back down; a window's throughput is the better of its passes.
	Steps []WindowStep `json:"steps"`
	// Stop says why the probe stopped: AutoPlateau, AutoMax, AutoTasks,
	// AutoBudget, AutoFailed or AutoUnverified.
	Stop string `json:"stop"`
	// WallNS is how long the probe took, from starting its cluster to
	// closing it.
	WallNS int64 `json:"wall_ns"`
	// Error is, when Stop is AutoFailed, the node failure that ended the
	// probe; when Stop is AutoUnverified, what did not verify, and whose.
	Error string `json:"error,omitempty"`
	// Verify is, when Stop is AutoUnverified, the verification of the
	// probe pass that failed it: the cell's only verification, since it
	// ran no repetition.
	Verify *Verification `json:"verify,omitempty"`
}

// Why an auto window's probe stopped (AutoWindow.Stop).
const (
	// AutoPlateau: three steps in a row of the sweep up were flat, less
	// than 5% above and at most 20% below the best before them; the
	// throughput had levelled off.
	AutoPlateau = "plateau"
	// AutoMax: the probe reached its largest window.
	AutoMax = "max"
	// AutoTasks: the probe reached the largest window the cell's task
	// count allows, 8 batches per window slot in the measured pass,
	// below AutoMaxWindow.
	AutoTasks = "tasks"
	// AutoBudget: the next step would have run past the probe's time
	// budget.
	AutoBudget = "budget"
	// AutoFailed: a node failed during the probe under on_node_failure:
	// redispatch; the window is the fallback, or the best of the steps
	// that had run.
	AutoFailed = "failed"
	// AutoUnverified: a probe pass's results did not verify (lost,
	// duplicated or wrong), under either on_node_failure policy: the cell
	// failed as a repetition that did not verify fails it, and ran no
	// repetition; the other cells go on.
	AutoUnverified = "unverified"
)

// WindowStep is one pass of an auto window's probe.
type WindowStep struct {
	// Window is the pass's window.
	Window int `json:"window"`
	// Tasks is the tasks it ran and verified, WallNS its time from first
	// send to last verified result, Throughput their ratio (tasks/s).
	Tasks      int64   `json:"tasks"`
	WallNS     int64   `json:"wall_ns"`
	Throughput float64 `json:"throughput"`
}

// AutoNoisy is the spread between the passes of one window of an auto
// probe, (fastest - slowest) / fastest, above which the probe runs that
// window once more, and, if it stays there, the cell says its window
// rests on noisy passes.
const AutoNoisy = 0.2

// WindowFigures returns each probed window's throughput from steps, the
// probe's passes: the better of two passes (a slow moment of the machine
// only ever slows a pass), the median of three or more.
func WindowFigures(steps []WindowStep) map[int]float64 {
	per := map[int][]float64{}
	for _, s := range steps {
		per[s.Window] = append(per[s.Window], s.Throughput)
	}
	out := make(map[int]float64, len(per))
	for w, tps := range per {
		slices.Sort(tps)
		if len(tps) <= 2 {
			out[w] = tps[len(tps)-1]
		} else {
			out[w] = tps[len(tps)/2]
		}
	}
	return out
}

// WindowSpread returns the window among steps whose passes differ the
// most, and by how much: (fastest - slowest) / fastest, 0 where no
// window ran twice.
func WindowSpread(steps []WindowStep) (window int, spread float64) {
	lo, hi := map[int]float64{}, map[int]float64{}
	for _, s := range steps {
		if _, ok := hi[s.Window]; !ok {
			lo[s.Window], hi[s.Window] = s.Throughput, s.Throughput
		}
		lo[s.Window], hi[s.Window] = min(lo[s.Window], s.Throughput), max(hi[s.Window], s.Throughput)
	}
	for w, h := range hi {
		if d := (h - lo[w]) / h; h > 0 && (d > spread || d == spread && w < window) {
			window, spread = w, d
		}
	}
	return window, spread
}

// WindowUsed returns the window c's repetitions ran with: its key's
// window, or for an auto cell the window its probe chose (0 before the
// probe ran).
func (c *Cell) WindowUsed() int {
	if c.Window != WindowAuto {
		return c.Window
	}
	if c.AutoWindow == nil {
		return 0
	}
	return c.AutoWindow.Window
}

// WindowText is c's window as tables show it: "16" for an explicit
// window, "auto→16" for an auto cell whose probe chose 16, "auto" before
// it did.
func (c *Cell) WindowText() string {
	if c.Window != WindowAuto {
		return strconv.Itoa(c.Window)
	}
	if w := c.WindowUsed(); w > 0 {
		return "auto→" + strconv.Itoa(w)
	}
	return "auto"
}

// autoWindowWarning is the caveat of an auto cell whose probe did not
// find where the throughput levels off, or "" when it did.
func autoWindowWarning(c *Cell) string {
	a := c.AutoWindow
	if c.Window != WindowAuto || a == nil || len(c.Reps) == 0 {
		return ""
	}
	last := 0 // the largest window probed
	for _, s := range a.Steps {
		last = max(last, s.Window)
	}
	switch a.Stop {
	case AutoMax:
		if a.Window < last {
			return ""
		}
		return fmt.Sprintf("auto window: the probe chose its largest window, %d, and the throughput had not levelled off there: a larger --window may give more", a.Window)
	case AutoTasks:
		if a.Window < last {
			return ""
		}
		return fmt.Sprintf("auto window: the probe chose window %d, the largest that leaves the measured pass 8 batches per slot at %d tasks, and the throughput had not levelled off there: more --tasks would let it try larger windows", a.Window, c.Tasks)
	case AutoBudget:
		if a.Window < last {
			return ""
		}
		return fmt.Sprintf("auto window: the probe ran out of time at window %d with the throughput still rising (its steps are in results.json): a larger --window may give more", last)
	case AutoFailed:
		return fmt.Sprintf("auto window: a node failed during the window probe (%s), so the cell ran at window %d without a measured choice", a.Error, a.Window)
	}
	if w, d := WindowSpread(a.Steps); d > AutoNoisy {
		return fmt.Sprintf("auto window: noisy probe: its passes at window %d differed by %.0f%%, so the choice of %d may be off (a busy machine): give --window to compare", w, 100*d, a.Window)
	}
	return ""
}
