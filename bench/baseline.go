package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/wire"
	"github.com/snbench/snbench/topologies"
)

// rawConn is one echo endpoint of a raw baseline: what is written comes
// back unchanged.
type rawConn interface {
	io.ReadWriter
	// reader is what the raw loop reads the echoes from: the endpoint
	// read the way the cell's own link reads its transport.
	reader() io.Reader
	close()
}

// runBaseline measures the bare transport under k's topology: k.Workers
// echo endpoints, each sent its share of k.Tasks as frames of the same size
// a batch of k.Batch tasks has on the wire, k.Window frames in flight, one
// clock read per frame sent and one per frame back. Echoes are read the
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
	size := wire.HeaderSize + 8 + k.Batch*(8+8*k.Payload)
	perConn := (k.Tasks + k.Workers - 1) / k.Workers
	frames := (perConn + k.Batch - 1) / k.Batch
	// Warm up as the cell does before each repetition: fresh child
	// processes, connections and servers are slow for their first frames.
	if _, err := echoAll(conns, size, min(frames, baselineWarmup), k.Window); err != nil {
		return nil, fmt.Errorf("raw %s baseline: warming up: %w", transport, err)
	}
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
	free := make(chan struct{}, window) // holds one token per frame in flight
	sent := make(chan time.Time, window)
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
			sent <- time.Now() // never blocks: at most window frames are in flight
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
		_ = st.lat.RecordValue(max(1, int64(time.Since(<-sent))))
		<-free
	}
	return <-errc
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
// topology, and returns them with the function that stops them all: the
// topology starts them itself when it is a topologies.EchoStarter (nats,
// whose server bench need not know), and startEcho otherwise.
func (r *Runner) startEchoes(ctx context.Context, transport string, k results.Key) ([]rawConn, func() error, error) {
	if r.Topologies != nil {
		if t, err := r.Topologies.Get(k.Topology); err == nil {
			if es, ok := t.(topologies.EchoStarter); ok && es.Transport() == transport {
				set, err := es.StartEcho(ctx, topologies.EchoConfig{Endpoints: k.Workers, Window: k.Window,
					Log: r.logWriter(), StartTimeout: 10 * time.Second})
				if err != nil {
					return nil, nil, err
				}
				var conns []rawConn
				for _, c := range set.Conns() {
					conns = append(conns, setConn{c})
				}
				return conns, set.Close, nil
			}
		}
	}
	conns := make([]rawConn, 0, k.Workers)
	stop := func() error {
		for _, c := range conns {
			c.close()
		}
		return nil
	}
	for i := range k.Workers {
		c, err := startEcho(ctx, transport, fmt.Sprintf("raw-%s-%d", transport, i+1), r.logWriter())
		if err != nil {
			_ = stop()
			return nil, nil, err
		}
		conns = append(conns, c)
	}
	return conns, stop, nil
}

// setConn is an endpoint of a topologies.EchoSet; the set stops it.
type setConn struct{ io.ReadWriteCloser }

func (c setConn) close() { _ = c.Close() }

// reader is the endpoint itself: the nats link, like the requester, takes
// each reply whole from its subscription, with no stream to buffer.
func (c setConn) reader() io.Reader { return c }

// startEcho starts one echo endpoint of the transport.
func startEcho(ctx context.Context, transport, name string, log io.Writer) (rawConn, error) {
	switch transport {
	case topologies.TransportChannel:
		return newChanEcho(), nil
	case topologies.TransportPipe:
		return startPipeEcho(name, log)
	case topologies.TransportTCP:
		return startTCPEcho(ctx, name, log)
	case topologies.TransportNATS:
		return nil, fmt.Errorf("the %s transport's echoes are started by its topology (topologies.EchoStarter)", transport)
	}
	return nil, fmt.Errorf("no raw baseline for transport %q", transport)
}

// chanEcho is the bare channel transport: frames go to an echo goroutine
// and back through channels, with no copy.
type chanEcho struct {
	in, out chan []byte
	pending []byte
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func newChanEcho() *chanEcho {
	c := &chanEcho{in: make(chan []byte, 1024), out: make(chan []byte, 1024), done: make(chan struct{})}
	c.wg.Go(func() {
		for {
			select {
			case b := <-c.in:
				c.out <- b
			case <-c.done:
				return
			}
		}
	})
	return c
}

func (c *chanEcho) Write(b []byte) (int, error) {
	select {
	case c.in <- b:
		return len(b), nil
	case <-c.done:
		return 0, io.ErrClosedPipe
	}
}

func (c *chanEcho) Read(b []byte) (int, error) {
	if len(c.pending) == 0 {
		select {
		case c.pending = <-c.out:
		case <-c.done:
			return 0, io.EOF
		}
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// reader is the endpoint itself: the goroutine link passes messages over
// channels, with no stream to buffer.
func (c *chanEcho) reader() io.Reader { return c }

func (c *chanEcho) close() {
	c.once.Do(func() { close(c.done) })
	c.wg.Wait()
}

// procEcho is an echo child and the connection to it: a byte stream,
// which the cell's link reads through a wire.Reader, so the raw loop reads
// it through a buffer of the same size (wire.ReadBufferSize).
type procEcho struct {
	io.ReadWriter
	buffered *bufio.Reader // over ReadWriter; set by stream
	closers  []io.Closer
	child    *link.Child
}

// stream sets the connection to the child and the buffer it is read
// through.
func (p *procEcho) stream(rw io.ReadWriter) {
	p.ReadWriter = rw
	p.buffered = bufio.NewReaderSize(rw, wire.ReadBufferSize)
}

func (p *procEcho) reader() io.Reader { return p.buffered }

func (p *procEcho) close() {
	for _, c := range p.closers {
		c.Close()
	}
	if p.child != nil {
		_ = p.child.Stop(2 * time.Second)
	}
}

func startPipeEcho(name string, log io.Writer) (*procEcho, error) {
	ch, inW, outR, err := link.StartPiped(name, []string{node.EnvMode + "=" + node.ModeEchoStdio}, log)
	if err != nil {
		return nil, err
	}
	p := &procEcho{closers: []io.Closer{inW, outR}, child: ch}
	p.stream(struct {
		io.Reader
		io.Writer
	}{outR, inW})
	return p, nil
}

func startTCPEcho(ctx context.Context, name string, log io.Writer) (*procEcho, error) {
	ch, inW, outR, err := link.StartPiped(name, []string{node.EnvMode + "=" + node.ModeEchoTCP}, log)
	if err != nil {
		return nil, err
	}
	p := &procEcho{closers: []io.Closer{inW}, child: ch}
	addr, err := link.ReadAnnouncement(outR, time.Now().Add(10*time.Second), node.ListenPrefix)
	outR.Close()
	if err != nil {
		p.close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		p.close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	_ = conn.(*net.TCPConn).SetNoDelay(true)
	p.stream(conn)
	p.closers = append([]io.Closer{conn}, p.closers...)
	return p, nil
}
