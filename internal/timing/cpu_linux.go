package timing

import (
	"time"

	"golang.org/x/sys/unix"
)

// ThreadCPU returns the CPU time (user and system) the calling OS thread
// has used. Lock the goroutine to its thread (runtime.LockOSThread) for a
// difference of two readings to mean the goroutine's own CPU time.
func ThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic("timing: clock_gettime(CLOCK_THREAD_CPUTIME_ID): " + err.Error()) // Linux has had it since 2.6.12
	}
	return time.Duration(ts.Nano())
}

// ThreadCPUExact reports whether ThreadCPU measures CPU time (true) or
// falls back to the wall clock (false) on this platform.
const ThreadCPUExact = true
