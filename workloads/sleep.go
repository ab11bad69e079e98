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
func Sleep(d time.Duration) {
	start := time.Now()
	for {
		left := d - time.Since(start)
		if left <= sleepSlack {
			break
		}
		ts := syscall.NsecToTimespec(int64(left - sleepSlack))
		_ = syscall.Nanosleep(&ts, nil)
	}
	for time.Since(start) < d {
		runtime.Gosched()
	}
}
