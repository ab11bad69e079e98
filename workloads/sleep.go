package workloads

import (
	"context"
	"runtime"
	"time"

	"github.com/snbench/snbench/internal/timing"
)

// Sleep pauses the calling goroutine for d without holding a processor:
// parked on a timer (with a timerfd of its own as the runtime poller's
// alarm clock on Linux) armed early by the timer's typical lateness, then
// yielding for at most 20 us of what is left (see timing.Waiter). Each call creates and closes a timer; a workload that waits often
// keeps a Waiter instead, as Doubling does.
func Sleep(d time.Duration) {
	w, err := timing.NewWaiter(context.Background())
	if err != nil {
		time.Sleep(d) // no timer to be had: late, but a wait
		return
	}
	_ = w.Sleep(d) // a background context never ends the wait
	_ = w.Close()
}

// burnChunk is the number of arithmetic steps between two readings of the
// thread's CPU clock (a system call of about 0.3-1 us): a few microseconds
// of work, so a burn overshoots its target by at most that.
const burnChunk = 2048

// Burn does integer arithmetic until the calling goroutine has used d of
// CPU time, and returns a value that depends on every step, so the work
// cannot be optimised away. It holds its OS thread while it burns and
// reads that thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), so time the
// thread spends descheduled, by the Go scheduler or the kernel, does not
// count: N burning nodes on C cores complete at most C/d burns per second.
// On platforms without a thread CPU clock (timing.ThreadCPUExact false)
// it falls back to the wall clock.
func Burn(d time.Duration) uint64 {
	x, _ := burn(d, nil)
	return x
}

// burn is Burn that gives up, returning ok = false, once done is closed;
// it looks at done each time it reads the clock, every few microseconds
// (a nil done is never closed).
func burn(d time.Duration, done <-chan struct{}) (x uint64, ok bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := timing.ThreadCPU()
	x = uint64(0x2545f4914f6cdd1d)
	for {
		for range burnChunk {
			x = x*6364136223846793005 + 1442695040888963407
			x ^= x >> 17
		}
		if timing.ThreadCPU()-start >= d {
			return x, true
		}
		select {
		case <-done:
			return x, false
		default:
		}
	}
}

// sleepContext waits for d on a Go timer, or until ctx is done: the
// fallback of a workload that could not get a timer of its own.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
