package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// A plan's memory is estimated before anything starts, from the plan alone,
// for the cell that needs the most (every part grows with every axis, so
// that is the cell at the largest value of each): what the coordinator
// allocates for a pass, doubled, because the previous pass's drivers are
// garbage that the collector frees only once the heap has grown to twice
// what is live (GOGC=100). In-process nodes (goroutine) hold their batches
// in the coordinator's memory; node processes hold theirs in their own, and
// their part is counted here too, so the estimate errs high for them.
// docs/reliability.md compares estimates with measured peaks.

// Sizes of the parts of a pass, in bytes.
const (
	hist3Bytes   = 221_252 // results.NewHist: 1 ns to 60 s at 3 digits
	hist2Bytes   = 30_836  // the per-second series, at 2 digits
	perNodeBytes = 64 << 10
	// passHeadroom covers the garbage of the previous pass (see above).
	passHeadroom = 2
)

// MemoryPart is one part of a memory estimate.
type MemoryPart struct {
	// What names the part, e.g. "bitsets".
	What string
	// Bytes is its size.
	Bytes int64
}

// MemoryEstimate is the coordinator memory a plan needs at its peak.
type MemoryEstimate struct {
	// Bytes is the whole estimate: the parts of the largest cell's pass,
	// times the headroom for the previous pass's garbage.
	Bytes int64
	// Cell is the cell that needs the most.
	Cell results.Key
	// Parts are what one pass of Cell allocates, largest first.
	Parts []MemoryPart
	// Auto says Cell's window is the largest an auto window's probe may
	// choose (results.AutoMaxWindow), not one the plan names.
	Auto bool
}

// EstimateMemory estimates the coordinator memory plan p needs; p must be
// valid.
func EstimateMemory(p Plan) MemoryEstimate {
	k := results.Key{
		Workers: slices.Max(p.Workers), Tasks: slices.Max(p.Tasks), Payload: slices.Max(p.Payload),
		Window: slices.Max(p.Window), Batch: slices.Max(p.Batch),
	}
	auto := p.Window.HasAuto() && k.Window < results.AutoMaxWindow
	if auto {
		k.Window = results.AutoMaxWindow // an auto cell may choose the probe's largest
	}
	if len(p.Rate) > 0 {
		k.Rate = slices.Max(p.Rate)
	}
	if p.Search != nil {
		k.Rate = p.Search.Max
	}
	if k.Rate > 0 {
		k.Tasks = p.TasksAt(k.Rate)
	}
	parts := passParts(p, k)
	var sum int64
	for _, pt := range parts {
		sum += pt.Bytes
	}
	return MemoryEstimate{Bytes: sat(sum, passHeadroom), Cell: k, Parts: parts, Auto: auto}
}

// passParts returns what one measured pass of cell k allocates.
func passParts(p Plan, k results.Key) []MemoryPart {
	n, w, b := int64(k.Workers), int64(k.Window), int64(k.Batch)
	row := 8 + 8*int64(k.Payload) // an id and its values
	// The measured pass's seen sets, and the warm-up's, which may not be
	// collected yet.
	bitsets := (int64(k.Tasks)+int64(p.Warmup))/8 + 2*n*(b/8+16)
	// Per node: the driver's slots, an in-process node's messages (two
	// per slot, and one more for the end marker), the receiver's result
	// and a frame each way.
	inflight := sat(sat(n, 3*w+4), sat(b, row))
	hists := sat(n, 2*hist3Bytes) + 2*hist3Bytes
	if k.Rate > 0 {
		secs := int64(p.Duration.D().Seconds()) + 1
		inflight += sat(n, sat(w+2, b*8)) // each task's intended time
		hists += sat(n, 2*hist3Bytes+sat(secs, hist2Bytes)) + sat(secs, hist2Bytes)
	}
	if p.Redispatch() {
		hists += sat(n, hist3Bytes)
	}
	parts := []MemoryPart{
		{"bitsets", bitsets},
		{"batches in flight", inflight},
		{"histograms", hists},
		{"goroutines and links", n * perNodeBytes},
	}
	slices.SortStableFunc(parts, func(a, b MemoryPart) int { return int(min(max(b.Bytes-a.Bytes, -1), 1)) })
	return parts
}

// sat multiplies without overflowing: past 2^62 it stays there.
func sat(a, b int64) int64 {
	const top = int64(1) << 62
	if a == 0 || b == 0 {
		return 0
	}
	if a > top/b {
		return top
	}
	return a * b
}

// String describes the estimate: "about 6.2 GiB (workers 512 x tasks
// 100000000 x ...: histograms 221.2 MiB, ...; x2 for ...)".
func (e MemoryEstimate) String() string {
	var parts []string
	for _, pt := range e.Parts {
		parts = append(parts, pt.What+" "+FormatBytes(pt.Bytes))
	}
	window := fmt.Sprint(e.Cell.Window)
	if e.Auto {
		window += " (the largest auto tries)"
	}
	return fmt.Sprintf("about %s (workers %d x tasks %d x payload %d x window %s x batch %d: %s; x%d for the previous pass's garbage)",
		FormatBytes(e.Bytes), e.Cell.Workers, e.Cell.Tasks, e.Cell.Payload, window, e.Cell.Batch, strings.Join(parts, ", "), passHeadroom)
}

// FormatBytes formats n bytes in binary units: "6.2 GiB".
func FormatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

// MemoryError is a plan that needs more memory than is available.
type MemoryError struct {
	// Estimate is what the plan needs, Limit what is available.
	Estimate MemoryEstimate
	Limit    MemoryLimit
}

func (e *MemoryError) Error() string {
	lower := "--workers"
	if len(e.Estimate.Parts) > 0 {
		switch w := e.Estimate.Parts[0].What; {
		case strings.HasPrefix(w, "bitsets") && e.Estimate.Cell.Rate > 0:
			lower = "--rate, --duration or --warmup"
		case strings.HasPrefix(w, "bitsets"):
			lower = "--tasks or --warmup"
		case strings.HasPrefix(w, "batches"):
			lower = "--window, --batch or --payload"
		}
	}
	raise := "or pass --max-memory"
	if strings.Contains(e.Limit.Source, "RLIMIT_AS") {
		raise = "or raise the address-space limit (ulimit -v)"
	}
	return fmt.Sprintf("plan needs %s, over the %s available (%s); lower %s, %s",
		e.Estimate, FormatBytes(e.Limit.Bytes), e.Limit.Source, lower, raise)
}

// checkMemory refuses a plan whose estimate exceeds the memory available
// (see AvailableMemory and Runner.MaxMemory).
func (r *Runner) checkMemory(p Plan) error {
	est := EstimateMemory(p)
	lim := AvailableMemory(r.MaxMemory)
	if lim.Bytes >= 0 && est.Bytes > lim.Bytes {
		return &MemoryError{Estimate: est, Limit: lim}
	}
	return nil
}
