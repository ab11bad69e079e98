package tcp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/topotest"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does: every
// result verified, every task back once, each link's end marker last.
func TestConformance(t *testing.T) {
	for _, tc := range []struct{ workers, batch, window, payload int }{
		{1, 1, 1, 1}, {2, 64, 4, 1}, {3, 7, 2, 5},
	} {
		t.Run(fmt.Sprintf("workers=%d/batch=%d/window=%d/payload=%d", tc.workers, tc.batch, tc.window, tc.payload), func(t *testing.T) {
			spec := workloads.DefaultSpec()
			spec.Payload = tc.payload
			c, err := New().Start(context.Background(), topologies.Config{Workers: tc.workers, Workload: spec,
				Window: tc.window, Batch: tc.batch, StartTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			topotest.Exercise(t, c, spec, 50, tc.batch, tc.window)
		})
	}
}
