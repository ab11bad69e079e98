package topotest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// EndTag is the tag bit the runner sets on the end-of-stream marker.
const EndTag = uint64(1) << 63

// Exercise sends batches batches of batch tasks through every link of c,
// at most window in flight per link, then the end marker, and fails t
// unless every result verifies against spec, every task id comes back
// exactly once, and each link's marker comes back last, carrying its tag.
// It also asks every link for stats once the traffic is done.
func Exercise(t testing.TB, c topologies.Cluster, spec workloads.Spec, batches, batch, window int) {
	t.Helper()
	links := c.Links()
	var wg sync.WaitGroup
	errs := make([]error, len(links))
	for i, l := range links {
		wg.Go(func() { errs[i] = drive(l, spec, uint64(i*batches*batch), batches, batch, window) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("link %d: %v", i, err)
		}
	}
	for _, l := range links {
		if _, _, err := l.Stats(); err != nil {
			t.Errorf("stats: %v", err)
		}
	}
}

// drive runs one link: a sender goroutine and this goroutine receiving.
func drive(l topologies.Link, spec workloads.Spec, first uint64, batches, batch, window int) error {
	reg := workloads.DefaultRegistry()
	fill, err := reg.New(spec)
	if err != nil {
		return err
	}
	check, err := reg.New(spec)
	if err != nil {
		return err
	}
	slots := make(chan struct{}, window)
	sendErr := make(chan error, 1)
	done := make(chan struct{})
	var sender sync.WaitGroup
	defer sender.Wait()
	defer close(done)
	sender.Go(func() {
		var b workloads.Batch
		for n := range batches {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			b.Tag, b.IDs = uint64(n), b.IDs[:0]
			for j := range batch {
				b.IDs = append(b.IDs, first+uint64(n*batch+j))
			}
			fill.Fill(&b)
			if err := l.Send(&b); err != nil {
				sendErr <- err
				return
			}
		}
		b.Tag, b.IDs, b.Values = EndTag|uint64(batches), b.IDs[:0], b.Values[:0]
		sendErr <- l.Send(&b)
	})
	seen := make(map[uint64]bool, batches*batch)
	var r workloads.Result
	for got := 0; ; {
		if err := l.Recv(&r); err != nil {
			return err
		}
		if r.Tag&EndTag != 0 {
			if r.Tag != EndTag|uint64(batches) || len(r.IDs) != 0 {
				return fmt.Errorf("end marker came back as tag %#x with %d tasks", r.Tag, len(r.IDs))
			}
			if got != batches {
				return fmt.Errorf("end marker came back after %d of %d results", got, batches)
			}
			break
		}
		if wrong := check.Verify(&r); wrong > 0 {
			return fmt.Errorf("batch %d: %d wrong values", r.Tag, wrong)
		}
		for _, id := range r.IDs {
			if seen[id] || id < first || id >= first+uint64(batches*batch) {
				return fmt.Errorf("batch %d: id %d duplicated or not this link's", r.Tag, id)
			}
			seen[id] = true
		}
		got++
		<-slots
	}
	if len(seen) != batches*batch {
		return fmt.Errorf("%d of %d tasks came back", len(seen), batches*batch)
	}
	return <-sendErr
}
