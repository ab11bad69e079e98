// Package square is an example of a workload that lives outside snbench:
// every value of a task comes back squared. It registers itself in an
// snbench.Extensions, which the package's tests use to benchmark it on
// the subprocess topology (see square_test.go): the test binary serves as
// its own node, so the nodes run this workload too.
package square

import (
	"github.com/snbench/snbench"
	"github.com/snbench/snbench/workloads"
)

// Name is the workload's registry name.
const Name = "square"

// Workload squares every value. Inputs are 31-bit, so squares fit an
// int64. An instance belongs to one goroutine (the coordinator's driver
// or one node), as snbench requires.
type Workload struct {
	k    int
	seed uint64
}

var _ workloads.Workload = (*Workload)(nil)

// New is the workload's factory: it accepts any valid spec but a CPU burn
// or wait, which this workload does not implement.
func New(s workloads.Spec) (workloads.Workload, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Workload{k: s.Payload, seed: s.Seed}, nil
}

// input is value j of task id: the doubling workload's scrambled value,
// cut to 31 bits.
func (w *Workload) input(id uint64, j int) int64 {
	return workloads.Value(w.seed, id, j) >> 31
}

// Fill writes the inputs of b's tasks.
func (w *Workload) Fill(b *workloads.Batch) {
	b.Resize(len(b.IDs), w.k)
	for i, id := range b.IDs {
		for j := range w.k {
			b.Values[i*w.k+j] = w.input(id, j)
		}
	}
}

// Serve squares every value of in into out.
func (w *Workload) Serve(in *workloads.Batch, out *workloads.Result) {
	out.Tag = in.Tag
	out.Resize(len(in.IDs), in.K)
	copy(out.IDs, in.IDs)
	for i, v := range in.Values {
		out.Values[i] = v * v
	}
}

// Verify counts the tasks of r with any value that is not its input's
// square.
func (w *Workload) Verify(r *workloads.Result) (wrong int) {
	if r.K != w.k || len(r.Values) != len(r.IDs)*w.k {
		return len(r.IDs)
	}
	for i, id := range r.IDs {
		for j := range w.k {
			if v := w.input(id, j); r.Values[i*w.k+j] != v*v {
				wrong++
				break
			}
		}
	}
	return wrong
}

// Register adds the workload to e.
func Register(e snbench.Extensions) {
	e.Workloads.Register(Name, "returns every value of the task squared (an example from outside snbench)", New)
}
