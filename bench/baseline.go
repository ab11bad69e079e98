package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
)

// rawConn is one echo endpoint of a raw baseline: what is written comes
// back unchanged.
type rawConn interface {
	io.ReadWriter
	// reader is what the raw loop reads the echoes from: the endpoint
	// read the way the cell's own link reads its transport.
	reader() io.Reader
	close()
	// queued says Write never blocks while at most the window is unread
	// (topologies.Queued): the raw loop then runs in one goroutine, as
	// the cell's driver does over such a link.
	queued() bool
}

// runBaseline measures the bare transport under k's topology: k.Workers
// echo endpoints, each sent its share of k.Tasks as frames of the same size
// a batch of k.Batch tasks has on the wire, k.Window frames in flight, the
// clock read as the cell reads it (echoLoop, echoLoopOne). Echoes are read the
// way the cell's link reads its transport: a stream (pipe, TCP) through a
// buffer of wire.ReadBufferSize bytes, header then rest, as wire.Reader
// does; messages (channels, NATS) one at a time.
func (r *Runner) runBaseline(ctx context.Context, transport string, k results.Key) (br *results.BaselineRep, err error) {
	conns, stop, err := r.startEchoes(ctx, transport, k)
	if err != nil {
		return nil, fmt.Errorf("raw %s baseline: %w", transport, err)
	}
	defer func() {
		if serr := stop(); serr != nil && err == nil {
			br, err = nil, fmt.Errorf("raw %s baseline: stopping: %w", transport, serr)
		}
	}()
	size := rawFrameSize(k)
	perConn := (k.Tasks + k.Workers - 1) / k.Workers
	frames := (perConn + k.Batch - 1) / k.Batch
	// Warm up as the cell does before each repetition: fresh child
	// processes, connections and servers are slow for their first frames.
	if _, err := echoAll(conns, size, min(frames, baselineWarmup), k.Window); err != nil {
		return nil, fmt.Errorf("raw %s baseline: warming up: %w", transport, err)
	}
	runtime.GC() // as before the cell's measured pass (measure)
	start := time.Now()
	hists, err := echoAll(conns, size, frames, k.Window)
	wall := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("raw %s baseline: %w", transport, err)
	}
	lat := results.NewHist()
	for _, h := range hists {
		lat.Merge(h.lat)
	}
	tasks := int64(frames * k.Batch * len(conns))
	return &results.BaselineRep{Tasks: tasks, WallNS: int64(wall), Throughput: float64(tasks) / wall.Seconds(),
		P50NS: lat.ValueAtQuantile(50), P99NS: lat.ValueAtQuantile(99)}, nil
}

// rawFrameSize is the bytes of a raw baseline's frame: what a batch of
// k's size is on the wire.
func rawFrameSize(k results.Key) int { return wire.TasksFrameSize(k.Batch, k.Payload) }

// baselineWarmup is the most frames each endpoint echoes, unmeasured,
// before a raw baseline's clock starts.
const baselineWarmup = 128

// echoAll runs echoLoop on every endpoint at once, frames frames each, and
// returns their round trips.
func echoAll(conns []rawConn, size, frames, window int) ([]*rawStats, error) {
	hists := make([]*rawStats, len(conns))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		hists[i] = &rawStats{lat: results.NewHist()}
		wg.Go(func() { errs[i] = echoLoop(c, size, frames, window, hists[i]) })
	}
	wg.Wait()
	return hists, errors.Join(errs...)
}

type rawStats struct {
	lat *hdr.Histogram
}

// echoLoop writes frames of size bytes with window in flight and reads
// each back (readFrame), recording the round trip of each frame. As in the
// cell's driver, a frame's clock starts once it has a slot in the window,
// so that waiting for one is not counted as transport.
func echoLoop(c rawConn, size, frames, window int, st *rawStats) error {
	if c.queued() {
		return echoLoopOne(c, size, frames, window, st)
	}
	base := time.Now()                  // the frames' clock reads are from here, as the cell's
	free := make(chan struct{}, window) // holds one token per frame in flight
	sent := make(chan time.Duration, window)
	errc := make(chan error, 1)
	failed := make(chan struct{}) // the reader gave up: the writer stops
	go func() {
		out := make([]byte, size)
		for range frames {
			select {
			case free <- struct{}{}:
			case <-failed:
				errc <- nil
				return
			}
			sent <- time.Since(base) // never blocks: at most window frames are in flight
			if _, err := c.Write(out); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	in := make([]byte, size)
	rd := c.reader()
	for range frames {
		if err := readFrame(rd, in); err != nil {
			close(failed)
			c.close() // unblocks a writer blocked in Write
			<-errc
			return err
		}
		_ = st.lat.RecordValue(max(1, int64(time.Since(base)-<-sent)))
		<-free
	}
	return <-errc
}

// echoLoopOne is echoLoop in one goroutine, for an endpoint whose Write
// never blocks within the window: it writes window frames, then the next
// frame as soon as one has come back. As in the cell's one loop, a frame's
// clock starts when its slot is free, just before it is written; the frame
// written in the slot an echo has just freed starts when that echo was
// read, one clock read for both, as the cell's next batch takes its
// freeing answer's verified stamp.
func echoLoopOne(c rawConn, size, frames, window int, st *rawStats) error {
	out, in := make([]byte, size), make([]byte, size)
	base := time.Now()                    // the frames' clock reads are from here, as the cell's
	sent := make([]time.Duration, window) // a ring: echoes come back in order
	rd := c.reader()
	next := 0
	write := func(now time.Duration) error {
		sent[next%window] = now
		next++
		_, err := c.Write(out)
		return err
	}
	for next < min(window, frames) {
		if err := write(time.Since(base)); err != nil {
			return err
		}
	}
	for i := range frames {
		if err := readFrame(rd, in); err != nil {
			return err
		}
		now := time.Since(base)
		_ = st.lat.RecordValue(max(1, int64(now-sent[i%window])))
		if next < frames {
			if err := write(now); err != nil {
				return err
			}
		}
	}
	return nil
}

// readFrame reads one echoed frame into in as wire.Reader.Next reads a
// frame: the header with one io.ReadFull, then the rest with another. It
// neither parses nor checks the bytes: the raw loop has no framing.
func readFrame(rd io.Reader, in []byte) error {
	h := min(wire.HeaderSize, len(in))
	if _, err := io.ReadFull(rd, in[:h]); err != nil {
		return err
	}
	_, err := io.ReadFull(rd, in[h:])
	return err
}

// startEchoes starts k.Workers echo endpoints of the transport under k's
// topology, and returns them with the function that stops them all. The
// topology starts them (topologies.EchoStarter): it knows its transport.
func (r *Runner) startEchoes(ctx context.Context, transport string, k results.Key) ([]rawConn, func() error, error) {
	t, err := r.Topologies.Get(k.Topology)
	if err != nil {
		return nil, nil, err
	}
	es, ok := t.(topologies.EchoStarter)
	if !ok {
		return nil, nil, fmt.Errorf("topology %s names transport %q but cannot start its echoes (topologies.EchoStarter)", k.Topology, transport)
	}
	set, err := es.StartEcho(ctx, topologies.EchoConfig{Endpoints: k.Workers, Window: k.Window,
		FrameBytes: rawFrameSize(k), Log: r.logWriter(), StartTimeout: 10 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	var conns []rawConn
	for _, c := range set.Conns() {
		conns = append(conns, setConn{c})
	}
	return conns, set.Close, nil
}

// setConn is an endpoint of a topologies.EchoSet; the set stops it.
type setConn struct{ io.ReadWriteCloser }

func (c setConn) close() { _ = c.Close() }

// reader is the endpoint itself: an EchoSet's endpoints read the way the
// topology's links read the transport (a stream through a buffer,
// messages one at a time).
func (c setConn) reader() io.Reader { return c }

func (c setConn) queued() bool {
	q, ok := c.ReadWriteCloser.(topologies.Queued)
	return ok && q.Queued()
}
