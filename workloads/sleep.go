package workloads

import (
	"runtime"
	"syscall"
	"time"
)

// Go's timers wake about 1 ms late on some kernels (measured on this
// project's VMs: time.Sleep(300us) returns after 1.1 ms), which would turn a
// 1 ms wait into 1.1 ms. Sleep is accurate to tens of microseconds instead.
const sleepSlack = 200 * time.Microsecond

// Sleep pauses the calling goroutine for d: nanosleep(2) for all but the
// last 200 us (repeated if a runtime signal interrupts it), then yielding
// the processor until d has passed. It blocks an OS thread while it
// sleeps, as any system call does.
func Sleep(d time.Duration) { sleep(d, nil) }

// sleepChunk is the longest single nanosleep of a wait that may be
// interrupted: how late sleep notices that it should stop.
const sleepChunk = time.Millisecond

// sleep is Sleep that gives up, returning false, once done is closed (a
// nil done is never closed). A wait that may be interrupted sleeps in
// chunks of at most sleepChunk, which costs one system call per chunk and
// nothing in accuracy: each chunk aims at the same end.
func sleep(d time.Duration, done <-chan struct{}) bool {
	start := time.Now()
	for {
		left := d - time.Since(start)
		if left <= sleepSlack {
			break
		}
		if done != nil {
			select {
			case <-done:
				return false
			default:
			}
			left = min(left, sleepChunk+sleepSlack)
		}
		ts := syscall.NsecToTimespec(int64(left - sleepSlack))
		_ = syscall.Nanosleep(&ts, nil)
	}
	for time.Since(start) < d {
		runtime.Gosched()
	}
	return true
}
