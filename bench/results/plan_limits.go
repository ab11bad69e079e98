package results

import (
	"fmt"
	"slices"

	"github.com/snbench/snbench/internal/wire"
)

// validateProducts checks what each axis alone cannot: that a batch of the
// largest payload fits one frame (wire.DefaultMaxFrame), so that no node
// and no link is ever asked to build a frame it must refuse. The memory a
// plan needs in all is the runner's check (bench.EstimateMemory).
func (p Plan) validateProducts() error {
	b, k := int64(slices.Max(p.Batch)), int64(slices.Max(p.Payload))
	frame := wire.HeaderSize + 16 + b*(8+8*k)
	if frame > wire.DefaultMaxFrame {
		return fmt.Errorf("plan: batch x payload: batch %d x payload %d makes frames of %d bytes, over the %d-byte frame limit; lower batch or payload",
			b, k, frame, wire.DefaultMaxFrame)
	}
	return nil
}
