package workloads_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snbench/snbench/workloads"
)

// TestServeContextGivesUp serves one task asking for 30 s of CPU time, or
// of waiting, and cancels it after 50 ms: ServeContext returns the cause
// within a second. Uncancelled, a short task is served whole.
func TestServeContextGivesUp(t *testing.T) {
	t.Parallel()
	errGone := errors.New("peer gone")
	for _, tt := range []struct {
		name      string
		cpu, wait time.Duration
	}{{"cpu", 30 * time.Second, 0}, {"wait", 0, 30 * time.Second}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := workloads.DefaultSpec()
			spec.CPU, spec.Wait = workloads.Duration(tt.cpu), workloads.Duration(tt.wait)
			wl, err := workloads.NewDoubling(spec)
			if err != nil {
				t.Fatal(err)
			}
			b := workloads.Batch{IDs: []uint64{1}}
			wl.Fill(&b)
			var r workloads.Result
			ctx, cancel := context.WithCancelCause(context.Background())
			time.AfterFunc(50*time.Millisecond, func() { cancel(errGone) })
			start := time.Now()
			err = wl.(workloads.ContextServer).ServeContext(ctx, &b, &r)
			if d := time.Since(start); !errors.Is(err, errGone) || d > time.Second {
				t.Fatalf("ServeContext = %v after %v, want %v within a second", err, d, errGone)
			}
		})
	}
	t.Run("not cancelled", func(t *testing.T) {
		t.Parallel()
		spec := workloads.DefaultSpec()
		spec.CPU, spec.Wait = workloads.Duration(time.Millisecond), workloads.Duration(3*time.Millisecond)
		wl, err := workloads.NewDoubling(spec)
		if err != nil {
			t.Fatal(err)
		}
		b := workloads.Batch{IDs: []uint64{1, 2}}
		wl.Fill(&b)
		var r workloads.Result
		start := time.Now()
		if err := wl.(workloads.ContextServer).ServeContext(context.Background(), &b, &r); err != nil || wl.Verify(&r) != 0 {
			t.Fatalf("ServeContext = %v, %d wrong", err, wl.Verify(&r))
		}
		if d := time.Since(start); d < 8*time.Millisecond {
			t.Errorf("two tasks of 4 ms took %v", d)
		}
	})
}
