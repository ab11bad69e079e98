package proctest

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Nodes returns pid's node processes (see Children), skipping t where
// /proc cannot be read.
func Nodes(t testing.TB, pid int) []int {
	t.Helper()
	pids, ok := Children(pid)
	if !ok {
		t.Skip("no /proc")
	}
	return pids
}

// Fault describes a fault injected into one node process of a run.
type Fault struct {
	// Nodes is how many child processes the run starts; the fault waits
	// for them.
	Nodes int
	// Victim is the index, among the children, of the node to hit.
	Victim int
	// After is how long to let the run go once the nodes are up.
	After time.Duration
	// Signal is what the victim gets (SIGKILL, SIGSTOP, ...).
	Signal syscall.Signal
	// Within bounds the wait for the run to end after the signal.
	Within time.Duration
}

// Outcome is what a run did after a Fault.
type Outcome[R any] struct {
	Result R
	Err    error
	// Victim is the pid the signal went to; Took is how long the run went
	// on after it.
	Victim int
	Took   time.Duration
}

// Inject runs run in the background, waits (up to 10 s) until this process
// has f.Nodes children, lets the run go for f.After, signals the victim,
// and waits up to f.Within for run to return. It fails t if the nodes do
// not start or the run does not end in time.
func Inject[R any](t *testing.T, f Fault, run func() (R, error)) Outcome[R] {
	t.Helper()
	type out struct {
		r   R
		err error
	}
	done := make(chan out, 1)
	go func() {
		r, err := run()
		done <- out{r, err}
	}()
	var victim int
	for deadline := time.Now().Add(10 * time.Second); victim == 0 && time.Now().Before(deadline); {
		if pids, ok := Children(os.Getpid()); !ok {
			t.Skip("no /proc")
		} else if len(pids) == f.Nodes {
			victim = pids[f.Victim]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if victim == 0 {
		o := <-done // the run ends on its own: the test must not leak it
		t.Fatalf("the %d nodes did not start (run returned %v)", f.Nodes, o.err)
	}
	time.Sleep(f.After)
	start := time.Now()
	if err := syscall.Kill(victim, f.Signal); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-done:
		return Outcome[R]{Result: o.r, Err: o.err, Victim: victim, Took: time.Since(start)}
	case <-time.After(f.Within):
		t.Fatalf("run did not end within %v of the %v", f.Within, f.Signal)
	}
	panic("unreachable")
}
