//go:build !linux

package timing

import (
	"context"
	"time"
)

// Waiter waits for deadlines on a Go timer (no timerfd on this platform;
// Go's timers may wake up to a millisecond late here). It belongs to one
// goroutine at a time; Close releases the timer.
type Waiter struct {
	ctx   context.Context
	timer *time.Timer
	lead  time.Duration
}

// NewWaiter returns a waiter whose waits end early, with ctx's error, once
// ctx is done.
func NewWaiter(ctx context.Context) (*Waiter, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Waiter{ctx: ctx, timer: t, lead: initialLead}, nil
}

// alarm has nothing to arm on this platform: the Go timer alone wakes
// the waiter.
func (w *Waiter) alarm(time.Duration) error { return nil }

// Close releases the timer.
func (w *Waiter) Close() error {
	w.timer.Stop()
	return nil
}
