// Package timing waits for a deadline without holding a processor, and
// measures CPU time on the calling thread.
//
// Go's timers wake about 1 ms late when every processor is idle (the
// runtime's poller sleeps in whole milliseconds), nanosleep(2) blocks an OS
// thread and the scheduler slot (P) it holds until the runtime's monitor
// takes it back, and spinning until a deadline burns the CPU other nodes
// need. A Waiter parks its goroutine on a Go timer, which every processor
// checks whenever it schedules, and arms a timerfd(2) of its own for the
// same moment as the alarm clock of the runtime's poller: an idle runtime
// is woken on time by the kernel's high-resolution timer instead of at the
// next millisecond. (Parking on a read of the timerfd instead woke late by
// milliseconds whenever the processors were busy: the poller is consulted
// only when a processor runs out of work.) The timer is armed early by a
// running estimate of the median wake-up lateness, and the few
// microseconds left after an early wake-up are spent yielding, so a wait's
// median error is near zero and its CPU cost small (the lead: about 80 us
// of a 1 ms wait on the project's VM). It does not back off when yielding
// loses the processor: halving the lead then was tried, and it made the
// waits of 8 goroutine nodes on 2 cores 20 us later at the median (1,025-
// 1,033 us against 1,004-1,017 us) for no CPU saved (docs/performance.md).
package timing
