package bench

import (
	"context"
	"math/rand/v2"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/workloads"
)

// openLoop feeds a driver its own share of the ids on a schedule, and
// keeps the driver's open-loop figures. The sender owns the schedule, the
// lag histogram and the backpressure counts; the receiver owns the
// uncorrected histogram and the series. Neither reads the other's fields
// during the pass.
type openLoop struct {
	d *driver

	// Sender side. The k-th arrival of driver i of n is due at
	// (i + k*n)/rate seconds (constant spacing), computed afresh for each
	// arrival so that no rounding accumulates; Poisson arrivals add
	// exponential gaps to a float64 clock.
	rate      float64 // tasks/s over all drivers
	i, n      int
	k         int64
	poisson   *rand.Rand // nil for constant spacing
	nextNS    float64    // Poisson: intended time of the next arrival, ns
	lag       *hdr.Histogram
	boundHits int64
	boundWait time.Duration // total time batches waited for a free slot
	boundMax  time.Duration // the longest such wait
	// debt is the lateness that waits for a slot put the schedule behind
	// and the generator has not yet made up: batches late by no more than
	// it are late because of backpressure.
	debt time.Duration
	ids  []uint64        // the next batch, drawn ahead of its slot
	due  []time.Duration // its tasks' intended times
	// wait parks the sender until a batch is due: a sleeping generator
	// holds no processor that the receivers or in-process nodes need.
	// The pass gives it one (see openLoop.start).
	wait *timing.Waiter

	// Receiver side.
	unc    *hdr.Histogram
	series []*hdr.Histogram // corrected latency, one per second
	last   time.Duration    // completion time of the last result
}

// newOpenLoop schedules driver i of n at rate/n tasks per second, its
// first arrival staggered by i/n of an interval so that the drivers'
// arrivals interleave evenly.
func newOpenLoop(i, n int, rate float64, arrivals string, seed uint64, batch int) *openLoop {
	o := &openLoop{
		rate: rate, i: i, n: n,
		lag: results.NewHist(),
		unc: results.NewHist(),
		ids: make([]uint64, 0, batch),
		due: make([]time.Duration, 0, batch),
	}
	if arrivals == results.ArrivalsPoisson {
		o.poisson = rand.New(rand.NewPCG(seed, uint64(i)+1))
		o.nextNS = o.gapNS()
	}
	return o
}

// feedOpen makes o d's feed and its open-loop figures.
func (d *driver) feedOpen(o *openLoop) {
	o.d, d.load, d.feed = d, o, o
}

// start gives o its waiter, which ends its waits when ctx does.
func (o *openLoop) start(ctx context.Context) error {
	w, err := timing.NewWaiter(ctx)
	o.wait = w
	return err
}

// stop releases o's waiter.
func (o *openLoop) stop() {
	if o.wait != nil {
		_ = o.wait.Close()
		o.wait = nil
	}
}

// gapNS draws an exponential gap with the driver's mean interval, in ns.
func (o *openLoop) gapNS() float64 {
	return o.poisson.ExpFloat64() * 1e9 * float64(o.n) / o.rate
}

// arrival returns the next intended arrival time and advances the schedule.
func (o *openLoop) arrival() time.Duration {
	if o.poisson != nil {
		t := o.nextNS
		o.nextNS += o.gapNS()
		return time.Duration(t)
	}
	t := float64(int64(o.i)+o.k*int64(o.n)) * 1e9 / o.rate
	o.k++
	return time.Duration(t)
}

// draw draws the next batch of src into ids and schedules its tasks in
// due, on o's schedule.
func (o *openLoop) draw(src source, batch int, ids []uint64, due []time.Duration) ([]uint64, []time.Duration) {
	ids, due = src.next(ids[:0], batch), due[:0]
	for range ids {
		due = append(due, o.arrival())
	}
	return ids, due
}

// next sends the driver's tasks on schedule: a batch goes when its last
// task is due, whether or not earlier results are back. When the window is
// full at that moment the batch waits for a slot: that is backpressure, the
// system's behaviour, counted with its duration (slot); the wait stays in
// the tasks' latency, which runs from their intended times. The
// generator's own lag is how late a batch left beyond what backpressure
// explains: the harness's fault, which makes a cell unreliable (lagged).
func (o *openLoop) next(ctx context.Context) (int, time.Duration, bool, error) {
	d := o.d
	if o.ids, o.due = o.draw(d.src, d.batch, o.ids, o.due); len(o.ids) == 0 {
		return 0, 0, false, nil
	}
	due := o.due[len(o.due)-1]
	if err := o.wait.Until(d.base.Add(due)); err != nil {
		return 0, 0, false, err
	}
	s, err := o.slot(ctx)
	if err != nil {
		return 0, 0, false, err
	}
	sl := &d.slots[s]
	// Submitted: the batch's first clock read, before Fill, as in
	// closed loop (the second is after verification).
	sl.sent = time.Since(d.base)
	o.lagged(sl.sent, due)
	sl.ids, sl.run = append(sl.ids[:0], o.ids...), d.runs
	sl.due = append(sl.due[:0], o.due...)
	return s, sl.sent, true, nil
}

// slot takes a free window slot, waiting for one if none is free: a bound
// hit, whose wait is counted and put in the schedule's debt.
func (o *openLoop) slot(ctx context.Context) (int, error) {
	d := o.d
	select {
	case s := <-d.free:
		return s, nil
	default:
	}
	o.boundHits++
	t0 := time.Now()
	select {
	case s := <-d.free:
		waited := time.Since(t0)
		o.boundWait += waited
		o.boundMax = max(o.boundMax, waited)
		o.debt += waited
		return s, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// lagged records the generator's lag for a batch due at due and
// submitted at sent: its lateness beyond the backpressure debt.
func (o *openLoop) lagged(sent, due time.Duration) {
	late := max(sent-due, 0)
	o.debt = min(o.debt, late)
	results.Record(o.lag, late-o.debt, 1)
}

func (o *openLoop) answer(s int, r *workloads.Result, idsOK bool, wrong int64) (bool, error) {
	sl := &o.d.slots[s]
	if now, rec := o.d.accept(sl, r, idsOK, wrong); rec {
		o.record(sl, r, now)
	}
	return true, nil
}

func (o *openLoop) stray(r *workloads.Result, why string) error {
	return closedLoop{o.d}.stray(r, why)
}

// record records an open-loop result: each task's latency from its own
// intended time, the batch's latency from its actual send, and the node's
// service time.
func (o *openLoop) record(sl *slot, r *workloads.Result, now time.Duration) {
	d := o.d
	d.measured++ // one clock reading, whatever the batch's size
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
	d.recordService(now-sl.sent, r.Service, n)
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
		l.BoundWaitNS += int64(o.boundWait)
		l.BoundMaxNS = max(l.BoundMaxNS, int64(o.boundMax))
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
	l.LagP50NS, l.LagP99NS, l.LagMaxNS = lag.ValueAtQuantile(50), lag.ValueAtQuantile(99), lag.Max()
	for i, h := range series {
		l.Series = append(l.Series, results.Second{T: i, Count: h.TotalCount(),
			P50: h.ValueAtQuantile(50), P99: h.ValueAtQuantile(99), Max: h.Max()})
	}
	var err error
	l.Uncorrected, err = results.EncodeHist(unc)
	return l, err
}
