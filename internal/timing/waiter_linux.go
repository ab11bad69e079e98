package timing

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Waiter waits for deadlines on a Go timer, with a timerfd of its own as
// the runtime's alarm clock. It belongs to one goroutine at a time; Close
// releases both.
//
// The goroutine waits on the Go timer, which every processor checks
// whenever it schedules, so a busy runtime wakes it promptly. An idle
// runtime sleeps in its poller for whole milliseconds, which would wake it
// up to a millisecond late; the timerfd, armed for the same moment and
// registered with that poller (os.NewFile registers a non-blocking fd),
// wakes the poller on time, and the poller then finds the timer due. No
// goroutine reads the timerfd: re-arming it resets it.
type Waiter struct {
	ctx   context.Context
	fd    int
	f     *os.File
	timer *time.Timer
	lead  time.Duration
	its   unix.ItimerSpec
}

// NewWaiter returns a waiter whose waits end early, with ctx's error, once
// ctx is done.
func NewWaiter(ctx context.Context) (*Waiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timing: timerfd_create: %w", err)
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Waiter{ctx: ctx, fd: fd, f: os.NewFile(uintptr(fd), "timerfd"), timer: t, lead: initialLead}, nil
}

// alarm arms the timerfd to wake the runtime's poller after d.
func (w *Waiter) alarm(d time.Duration) error {
	w.its.Value = unix.NsecToTimespec(int64(d))
	if err := unix.TimerfdSettime(w.fd, 0, &w.its, nil); err != nil {
		return fmt.Errorf("timing: timerfd_settime: %w", err)
	}
	return nil
}

// Close releases the timers.
func (w *Waiter) Close() error {
	w.timer.Stop()
	return w.f.Close()
}
