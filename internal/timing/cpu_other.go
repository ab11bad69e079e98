//go:build !linux

package timing

import "time"

var epoch = time.Now()

// ThreadCPU falls back to the wall clock on this platform, which has no
// per-thread CPU clock that Go can read: a burn then takes wall-clock
// time, not CPU time.
func ThreadCPU() time.Duration { return time.Since(epoch) }

// ThreadCPUExact reports whether ThreadCPU measures CPU time (true) or
// falls back to the wall clock (false) on this platform.
const ThreadCPUExact = false
