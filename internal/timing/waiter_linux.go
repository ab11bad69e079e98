package timing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Waiter waits for deadlines on its own timerfd. It belongs to one
// goroutine at a time; Close releases the timer.
type Waiter struct {
	ctx  context.Context
	fd   int
	f    *os.File
	stop func() bool
	lead time.Duration
	buf  [8]byte
	its  unix.ItimerSpec
}

// NewWaiter returns a waiter whose waits end early, with ctx's error, once
// ctx is done.
func NewWaiter(ctx context.Context) (*Waiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timing: timerfd_create: %w", err)
	}
	w := &Waiter{ctx: ctx, fd: fd, f: os.NewFile(uintptr(fd), "timerfd"), lead: initialLead}
	// A deadline in the past makes the parked read, and every later one,
	// return at once: one registration, no allocation per wait.
	w.stop = context.AfterFunc(ctx, func() { _ = w.f.SetReadDeadline(time.Unix(1, 0)) })
	return w, nil
}

// park arms the timer to fire after d and parks until it does.
func (w *Waiter) park(d time.Duration) error {
	w.its.Value = unix.NsecToTimespec(int64(d))
	if err := unix.TimerfdSettime(w.fd, 0, &w.its, nil); err != nil {
		return fmt.Errorf("timing: timerfd_settime: %w", err)
	}
	if _, err := w.f.Read(w.buf[:]); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return w.err()
		}
		return fmt.Errorf("timing: reading timerfd: %w", err)
	}
	return nil
}

func (w *Waiter) err() error {
	if w.ctx.Err() != nil {
		return context.Cause(w.ctx)
	}
	return nil
}

// Close releases the timer.
func (w *Waiter) Close() error {
	w.stop()
	return w.f.Close()
}
