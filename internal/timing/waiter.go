package timing

import (
	"context"
	"runtime"
	"time"
)

// Bounds of the wake-up lateness estimate, and its step. The estimate
// moves by a fixed step towards each observed lateness: a sign-based
// stochastic approximation of the median, which long wake-up outliers (a
// descheduled VM) move by one step only.
const (
	initialLead = 50 * time.Microsecond
	maxLead     = 500 * time.Microsecond
	leadStep    = 2 * time.Microsecond
	// spinBelow is the wait under which arming a timer costs more than it
	// saves: the remainder is spent yielding.
	spinBelow = 20 * time.Microsecond
)

// Lead returns the waiter's current estimate of the timer's median
// wake-up lateness: how early it arms its timer.
func (w *Waiter) Lead() time.Duration { return w.lead }

// Until waits until t: parked on the timer, armed early by the lateness
// estimate, then yielding the processor for what is left. Where the
// timer's lateness exceeds the time left, it still parks (armed for
// spinBelow) and the wait ends late, which the caller measures as its own
// lateness, rather than spinning on a processor that others need; so it
// yields for at most the lateness estimate, and only after an early
// wake-up. It returns an error only if the waiter's context ended (the
// wait is then cut short) or the timer failed.
func (w *Waiter) Until(t time.Time) error {
	if left := time.Until(t); left > spinBelow {
		armed := left - min(w.lead, left-spinBelow)
		start := time.Now()
		if err := w.park(armed); err != nil {
			return err
		}
		late := time.Since(start) - armed
		switch {
		case late > w.lead:
			w.lead = min(w.lead+leadStep, maxLead)
		case w.lead >= leadStep:
			w.lead -= leadStep
		}
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
	return w.err()
}

// Sleep waits for d; see Until.
func (w *Waiter) Sleep(d time.Duration) error {
	return w.Until(time.Now().Add(d))
}

// park waits d on the timer, with the platform's alarm armed to wake an
// idle runtime on time.
func (w *Waiter) park(d time.Duration) error {
	w.timer.Reset(d)
	if err := w.alarm(d); err != nil {
		w.timer.Stop()
		return err
	}
	select {
	case <-w.timer.C:
		return nil
	case <-w.ctx.Done():
		w.timer.Stop()
		return context.Cause(w.ctx)
	}
}

// err is the waiter's context's cause once it is done.
func (w *Waiter) err() error {
	if w.ctx.Err() != nil {
		return context.Cause(w.ctx)
	}
	return nil
}
