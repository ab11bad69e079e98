package timing

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestWaiterWaits checks a wait never ends before its deadline and, at the
// median, ends close to it; the bound holds on a busy 2-core machine.
func TestWaiterWaits(t *testing.T) {
	w, err := NewWaiter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const d = 500 * time.Microsecond
	var late []time.Duration
	for range 200 {
		start := time.Now()
		if err := w.Sleep(d); err != nil {
			t.Fatal(err)
		}
		got := time.Since(start)
		if got < d {
			t.Fatalf("a %v wait ended after %v", d, got)
		}
		late = append(late, got-d)
	}
	slices.Sort(late)
	if p50 := late[len(late)/2]; p50 > 200*time.Microsecond {
		t.Errorf("median lateness %v, want under 200us (lead estimate %v)", p50, w.Lead())
	}
}

// TestWaiterCostsNoCPU checks that waiting is not spinning: 100 waits of
// 1 ms use a small fraction of 100 ms of CPU.
func TestWaiterCostsNoCPU(t *testing.T) {
	w, err := NewWaiter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cpu0 := processCPU(t)
	start := time.Now()
	for range 100 {
		if err := w.Sleep(time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	wall, cpu := time.Since(start), processCPU(t)-cpu0
	if wall < 100*time.Millisecond {
		t.Fatalf("100 waits of 1ms took %v", wall)
	}
	// A spin would use about the whole wall time; allow a quarter for the
	// runtime, the test binary and the race detector.
	if cpu > wall/4 {
		t.Errorf("100 waits of 1ms used %v of CPU in %v", cpu, wall)
	}
}

// TestWaiterCancel checks a wait ends when its context does.
func TestWaiterCancel(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	w, err := NewWaiter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stop := errors.New("stopped")
	time.AfterFunc(20*time.Millisecond, func() { cancel(stop) })
	start := time.Now()
	if err := w.Sleep(time.Minute); !errors.Is(err, stop) {
		t.Fatalf("Sleep: %v, want %v", err, stop)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("a cancelled wait took %v", el)
	}
	if err := w.Sleep(time.Minute); !errors.Is(err, stop) {
		t.Fatalf("Sleep after cancel: %v, want %v", err, stop)
	}
}

// TestThreadCPU checks the thread clock counts work and not waiting.
func TestThreadCPU(t *testing.T) {
	if !ThreadCPUExact {
		t.Skip("no thread CPU clock on this platform")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := ThreadCPU()
	time.Sleep(50 * time.Millisecond)
	if slept := ThreadCPU() - c0; slept > 20*time.Millisecond {
		t.Errorf("sleeping 50ms used %v of thread CPU", slept)
	}
	c0, w0 := ThreadCPU(), time.Now()
	x := 1
	for time.Since(w0) < 20*time.Millisecond {
		x = x*3 + 1
	}
	_ = x
	if busy := ThreadCPU() - c0; busy <= 0 || busy > 25*time.Millisecond {
		t.Errorf("20ms of arithmetic read as %v of thread CPU", busy)
	}
}

func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
