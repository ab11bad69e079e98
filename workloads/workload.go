package workloads

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Workload is one kind of task. An instance belongs to one goroutine: the
// coordinator creates one per node driver and every node creates its own, so
// implementations need no locking and share nothing.
type Workload interface {
	// Fill writes the input values of b.IDs into b.Values (b.K per task).
	Fill(b *Batch)
	// Serve computes the results of in into out, as a node does. out.IDs and
	// out.Values have room for in's tasks; Serve must not keep in or out.
	Serve(in *Batch, out *Result)
	// Verify checks every value of r against what the node should have
	// returned for its ids and reports how many tasks were wrong.
	Verify(r *Result) (wrong int)
}

// ContextServer is implemented by workloads whose Serve can take long (a
// CPU burn, a wait): ServeContext is Serve that gives up once ctx is done,
// checking it often enough to stop within about a millisecond, and then
// returns ctx's cause; out is then incomplete and must not be sent. A
// node serves with it when the workload has it, so that a session whose
// coordinator has gone stops working for it.
type ContextServer interface {
	ServeContext(ctx context.Context, in *Batch, out *Result) error
}

// BatchVerifier is implemented by workloads that can verify a result
// against the batch that was sent, which the coordinator keeps until the
// result is back: cheaper than recomputing the inputs. The coordinator
// uses it when present.
type BatchVerifier interface {
	// VerifyBatch reports how many tasks of r are wrong answers to sent
	// (the same ids in the same order).
	VerifyBatch(sent *Batch, r *Result) (wrong int)
}

// Spec names a workload and its parameters. It is JSON-serialisable so it is
// stored in every results file and sent to nodes in the handshake.
type Spec struct {
	// Name is the registry name, e.g. "doubling".
	Name string `json:"name"`
	// Payload is K, the number of int64 values per task (at least 1).
	Payload int `json:"payload"`
	// CPU is the arithmetic each task burns on the node before answering.
	CPU Duration `json:"cpu,omitempty"`
	// Wait is how long each task sleeps on the node before answering.
	Wait Duration `json:"wait,omitempty"`
	// Seed selects the input values.
	Seed uint64 `json:"seed"`
}

// DefaultSpec returns the reference design's workload: doubling one value per
// task, no CPU cost, no wait.
func DefaultSpec() Spec {
	return Spec{Name: "doubling", Payload: 1, Seed: 1}
}

// MaxPayload is the largest K a task may carry.
const MaxPayload = 1 << 16

// Validate reports the first thing wrong with s.
func (s Spec) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("workload: name is empty")
	case s.Payload < 1 || s.Payload > MaxPayload:
		return fmt.Errorf("workload %s: payload %d out of range [1, %d]", s.Name, s.Payload, MaxPayload)
	case s.CPU < 0:
		return fmt.Errorf("workload %s: negative cpu %v", s.Name, s.CPU)
	case s.Wait < 0:
		return fmt.Errorf("workload %s: negative wait %v", s.Name, s.Wait)
	}
	return nil
}

// Duration is a time.Duration that reads and writes JSON as a string such as
// "1.5ms" (a bare number is read as nanoseconds).
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration: want a string like \"5s\" or nanoseconds, got %s", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Release closes wl if it holds resources (implements io.Closer); nodes
// call it when they stop serving a session.
func Release(wl Workload) {
	if c, ok := wl.(io.Closer); ok {
		_ = c.Close()
	}
}
