package results

import (
	"fmt"
	"slices"

	"github.com/snbench/snbench/wire"
)

// Limits on products of plan values, which each value's own range cannot
// bound.
const (
	// MaxCells bounds the cells of a plan (the cross product of its axes).
	MaxCells = 1 << 16
	// MaxReps bounds its measured repetitions in all (cells x repetitions).
	MaxReps = 1 << 20
)

// validateProducts checks what each axis alone cannot: that a batch of the
// largest payload fits one frame (wire.DefaultMaxFrame), so that no node
// and no link is ever asked to build a frame it must refuse, and that the
// cells and repetitions are few enough to list. The memory a plan needs
// in all is the runner's check (bench.EstimateMemory).
func (p Plan) validateProducts() error {
	b, k := int64(slices.Max(p.Batch)), int64(slices.Max(p.Payload))
	frame := wire.HeaderSize + 16 + b*(8+8*k)
	if frame > wire.DefaultMaxFrame {
		return fmt.Errorf("plan: batch x payload: batch %d x payload %d makes frames of %d bytes, over the %d-byte frame limit; lower batch or payload",
			b, k, frame, wire.DefaultMaxFrame)
	}
	loads, name := len(p.Tasks), "tasks"
	if len(p.Rate) > 0 {
		loads, name = len(p.Rate), "rate"
	}
	cells := int64(1)
	for _, n := range []int{len(p.Topologies), len(p.Payload), len(p.Batch), len(p.Window), loads, len(p.Workers)} {
		cells = min(cells*int64(n), MaxReps+1) // each factor is at most a few thousand
	}
	if cells > MaxCells {
		return fmt.Errorf("plan: cells: %d topologies x %d payloads x %d batches x %d windows x %d %s x %d workers make more than %d cells; give fewer values",
			len(p.Topologies), len(p.Payload), len(p.Batch), len(p.Window), loads, name, len(p.Workers), MaxCells)
	}
	if reps := cells * int64(p.Repetitions); reps > MaxReps {
		return fmt.Errorf("plan: repetitions: %d cells x %d repetitions make %d, over %d; give fewer values or repetitions",
			cells, p.Repetitions, reps, MaxReps)
	}
	return nil
}
