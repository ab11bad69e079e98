package workloads

import (
	"context"
	"io"
	"time"

	"github.com/snbench/snbench/internal/timing"
)

// Doubling is the reference workload: every value comes back doubled. Input
// values are 62-bit, so doubling never overflows.
type Doubling struct {
	k    int
	seed uint64
	cpu  time.Duration
	wait time.Duration
	sink uint64 // keeps the CPU burn from being optimised away
	// waiter times the per-task wait; created on the first wait and
	// released by Close. Its waits end when the context whose Done channel
	// is waiterDone ends (nil: never).
	waiter     *timing.Waiter
	waiterDone <-chan struct{}
}

var (
	_ Workload      = (*Doubling)(nil)
	_ BatchVerifier = (*Doubling)(nil)
	_ io.Closer     = (*Doubling)(nil)
	_ ContextServer = (*Doubling)(nil)
)

// NewDoubling returns a doubling workload for s. s must be valid.
func NewDoubling(s Spec) (Workload, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Doubling{k: s.Payload, seed: s.Seed, cpu: s.CPU.D(), wait: s.Wait.D()}, nil
}

// Value returns input value j of task id for a seed: the position
// (id, j) scrambled by a multiply and an xor-shift (about 1 ns), shifted to
// 62 bits and made signed, so that twice the value fits an int64. Values
// differ from task to task and seed to seed, so a node that answers with
// the wrong task's values, or stale ones, is caught.
func Value(seed, id uint64, j int) int64 {
	x := (seed ^ 0x2545f4914f6cdd1d) + id*0x9e3779b97f4a7c15 + uint64(j)*0xd1b54a32d192ed03
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 31
	return int64(x) >> 2
}

// Fill writes the input values of b's tasks.
func (d *Doubling) Fill(b *Batch) {
	k := d.k
	b.K = k
	b.Values = growI64(b.Values, len(b.IDs)*k)
	if k == 1 { // the common case, without a row slice per task
		vals := b.Values[:len(b.IDs)]
		for i, id := range b.IDs {
			vals[i] = Value(d.seed, id, 0)
		}
		return
	}
	for i, id := range b.IDs {
		row := b.Values[i*k : (i+1)*k]
		for j := range row {
			row[j] = Value(d.seed, id, j)
		}
	}
}

// Serve doubles every value of in into out, spending the configured CPU time
// and wait per task first.
func (d *Doubling) Serve(in *Batch, out *Result) {
	_ = d.ServeContext(context.Background(), in, out)
}

// ServeContext is Serve that stops spending CPU time and waiting once ctx
// is done, and then returns its cause with out incomplete.
func (d *Doubling) ServeContext(ctx context.Context, in *Batch, out *Result) error {
	out.Tag = in.Tag
	out.Resize(len(in.IDs), in.K)
	copy(out.IDs, in.IDs)
	if d.cpu > 0 || d.wait > 0 {
		done := ctx.Done()
		for range in.IDs {
			if d.cpu > 0 {
				x, ok := burn(d.cpu, done)
				d.sink += x
				if !ok {
					return context.Cause(ctx)
				}
			}
			if d.wait > 0 {
				if err := d.sleep(ctx, d.wait); err != nil {
					return err
				}
			}
		}
	}
	for i, v := range in.Values {
		out.Values[i] = 2 * v
	}
	return nil
}

// Verify counts the tasks of r whose values are not twice their inputs, or
// whose payload has the wrong size.
func (d *Doubling) Verify(r *Result) int {
	k := d.k
	if r.K != k || len(r.Values) != len(r.IDs)*k {
		return len(r.IDs)
	}
	wrong := 0
	for i, id := range r.IDs {
		row := r.Values[i*k : (i+1)*k]
		for j, v := range row {
			if v != 2*Value(d.seed, id, j) {
				wrong++
				break
			}
		}
	}
	return wrong
}

// VerifyBatch counts the tasks of r whose values are not twice the values
// sent, or whose payload has the wrong size.
func (d *Doubling) VerifyBatch(sent *Batch, r *Result) int {
	k := d.k
	if r.K != k || len(r.Values) != len(r.IDs)*k || len(sent.Values) != len(r.Values) {
		return len(r.IDs)
	}
	in := sent.Values[:len(r.Values)]
	if k == 1 { // the common case: one value a task, no branch per value
		wrong := 0
		for i, v := range r.Values {
			wrong += b2i(v != 2*in[i])
		}
		return wrong
	}
	// One pass over the values, which both batches lay out alike; a task
	// with several wrong values counts once.
	wrong, last := 0, -1
	for i, v := range r.Values {
		if v != 2*in[i] && i/k != last {
			last = i / k
			wrong++
		}
	}
	return wrong
}

// b2i is 1 for true, 0 for false (compiled without a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sleep waits on the workload's own timer, whose waits end with ctx: it
// makes a new one when ctx is another than the last wait's (a node serves
// a session with one context, so once per session).
func (d *Doubling) sleep(ctx context.Context, wait time.Duration) error {
	if d.waiter == nil || d.waiterDone != ctx.Done() {
		if d.waiter != nil {
			_ = d.waiter.Close()
			d.waiter = nil
		}
		w, err := timing.NewWaiter(ctx)
		if err != nil {
			return sleepContext(ctx, wait)
		}
		d.waiter, d.waiterDone = w, ctx.Done()
	}
	return d.waiter.Sleep(wait)
}

// Close releases the workload's timer. Nodes call it (through io.Closer)
// when they stop serving.
func (d *Doubling) Close() error {
	if d.waiter == nil {
		return nil
	}
	err := d.waiter.Close()
	d.waiter = nil
	return err
}
