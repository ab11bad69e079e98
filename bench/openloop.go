package bench

import (
	"context"
	"math/rand/v2"
	"runtime"
	"syscall"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// openLoop is one driver's open-loop state. The sender owns the schedule,
// the lag histogram and the bound count; the receiver owns the uncorrected
// histogram and the series. Neither reads the other's fields during the
// pass.
type openLoop struct {
	// Sender side.
	interval  time.Duration // mean time between this driver's arrivals
	next      time.Duration // intended time of the next arrival
	poisson   *rand.Rand    // nil for constant spacing
	lag       *hdr.Histogram
	boundHits int64
	ids       []uint64
	due       []time.Duration

	// Receiver side.
	unc    *hdr.Histogram
	series []*hdr.Histogram // corrected latency, one per second
	last   time.Duration    // completion time of the last result
}

// newOpenLoop schedules driver i of n at rate/n tasks per second, its
// first arrival staggered by i/n of an interval so that the drivers'
// arrivals interleave evenly.
func newOpenLoop(i, n int, rate float64, arrivals string, seed uint64, batch int) *openLoop {
	interval := time.Duration(float64(time.Second) * float64(n) / rate)
	o := &openLoop{
		interval: interval,
		next:     time.Duration(int64(interval) * int64(i) / int64(n)),
		lag:      results.NewHist(),
		unc:      results.NewHist(),
		ids:      make([]uint64, 0, batch),
		due:      make([]time.Duration, 0, batch),
	}
	if arrivals == results.ArrivalsPoisson {
		o.poisson = rand.New(rand.NewPCG(seed, uint64(i)+1))
		o.next = o.arrival()
	}
	return o
}

// arrival returns the next intended arrival time and advances the schedule.
func (o *openLoop) arrival() time.Duration {
	t := o.next
	if o.poisson != nil {
		o.next += time.Duration(o.poisson.ExpFloat64() * float64(o.interval))
	} else {
		o.next += o.interval
	}
	return t
}

// sendOpen sends the driver's tasks on schedule: a batch goes when its last
// task is due, whether or not earlier results are back. When the window is
// full at that moment the batch waits for a slot; the wait is counted and
// stays in the tasks' latency, which runs from their intended times.
func (d *driver) sendOpen(ctx context.Context) error {
	o := d.load
	var b workloads.Batch
	var n uint64
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		o.ids = d.src.next(o.ids[:0], d.batch)
		if len(o.ids) == 0 {
			break
		}
		o.due = o.due[:0]
		for range o.ids {
			o.due = append(o.due, o.arrival())
		}
		if err := sleepUntil(ctx, timer, d.base, o.due[len(o.due)-1]); err != nil {
			return err
		}
		var s int
		select {
		case s = <-d.free:
		default:
			o.boundHits++
			select {
			case s = <-d.free:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		sl := &d.slots[s]
		sl.ids = append(sl.ids[:0], o.ids...)
		sl.due = append(sl.due[:0], o.due...)
		b.Tag, b.IDs, b.Values = uint64(s), sl.ids, sl.vals
		d.wl.Fill(&b)
		sl.vals = b.Values // the slot keeps the inputs for verification
		sl.sent = time.Since(d.base)
		results.Record(o.lag, sl.sent-o.due[len(o.due)-1], 1)
		d.sent <- s
		if err := d.link.Send(&b); err != nil {
			return err
		}
		n++
		d.nSent.Store(int64(n))
	}
	b.Tag, b.IDs, b.Values = endTag|n, nil, nil
	d.nSent.Store(int64(n + 1))
	return d.link.Send(&b)
}

// Go's timers wake about 1 ms late on some kernels (measured here: a 300 us
// timer fires after 1.1 ms), which would put the harness's own lateness
// into every open-loop latency. So a wait uses a timer only for all but its
// last 2 ms, then nanosleep(2) (about 60-80 us late here) for all but its
// last 200 us, then yields the processor until the due time.
const (
	timerSlack = 2 * time.Millisecond
	sleepSlack = 200 * time.Microsecond
)

// sleepUntil waits until due on the clock that started at base.
func sleepUntil(ctx context.Context, timer *time.Timer, base time.Time, due time.Duration) error {
	wait := due - time.Since(base)
	if wait > timerSlack {
		timer.Reset(wait - timerSlack)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		wait = due - time.Since(base)
	}
	for wait > sleepSlack {
		ts := syscall.NsecToTimespec(int64(wait - sleepSlack))
		_ = syscall.Nanosleep(&ts, nil) // EINTR (a runtime signal) shortens it: loop
		wait = due - time.Since(base)
	}
	for time.Since(base) < due {
		runtime.Gosched()
	}
	return ctx.Err()
}

// recordResult records an open-loop result: each task's latency from its
// own intended time, the batch's latency from its actual send, and the
// node's service time.
func (o *openLoop) recordResult(d *driver, sl *slot, r *workloads.Result, now time.Duration) {
	sec := int(now / time.Second)
	for len(o.series) <= sec {
		o.series = append(o.series, nil)
	}
	if o.series[sec] == nil {
		o.series[sec] = hdr.New(results.HistMin, results.HistMax, 2)
	}
	for _, due := range sl.due {
		if results.Record(d.lat, now-due, 1) {
			d.clamped++
		}
		results.Record(o.series[sec], now-due, 1)
	}
	n := int64(len(sl.ids))
	results.Record(o.unc, now-sl.sent, n)
	results.Record(d.svc, r.Service, n)
	o.last = max(o.last, now)
}

// loadOf merges the drivers' open-loop state into a repetition's Load.
func loadOf(drivers []*driver, rate float64, tasks int64) (*results.Load, error) {
	lag, unc := results.NewHist(), results.NewHist()
	var series []*hdr.Histogram
	l := &results.Load{Offered: rate}
	var last time.Duration
	for _, d := range drivers {
		o := d.load
		lag.Merge(o.lag)
		unc.Merge(o.unc)
		l.BoundHits += o.boundHits
		last = max(last, o.last)
		for i, h := range o.series {
			for len(series) <= i {
				series = append(series, hdr.New(results.HistMin, results.HistMax, 2))
			}
			if h != nil {
				series[i].Merge(h)
			}
		}
	}
	if last > 0 {
		l.Achieved = float64(tasks) / last.Seconds()
	}
	l.LagP99NS, l.LagMaxNS = lag.ValueAtQuantile(99), lag.Max()
	for i, h := range series {
		l.Series = append(l.Series, results.Second{T: i, Count: h.TotalCount(),
			P50: h.ValueAtQuantile(50), P99: h.ValueAtQuantile(99), Max: h.Max()})
	}
	var err error
	l.Uncorrected, err = results.EncodeHist(unc)
	return l, err
}
