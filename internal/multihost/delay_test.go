package multihost

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// delayLine adds a fixed delay to the packets from the host to one node.
type delayLine interface {
	// addr is where a coordinator reaches the node through the line.
	addr() string
	// set sets the delay; 0 removes it.
	set(t *testing.T, d time.Duration)
	// kind says how the delay is made, for the log.
	kind() string
}

// newDelayLine returns tc netem on the node's host-side veth where the
// kernel has netem, and otherwise a relay in this process that holds each
// chunk from the coordinator for the delay before passing it on.
func newDelayLine(t *testing.T, s ns, nodeAddr string) delayLine {
	t.Helper()
	out, err := runIP("tc", "qdisc", "add", "dev", s.hostIf, "root", "netem", "delay", "0ms")
	if err == nil {
		_, _ = runIP("tc", "qdisc", "del", "dev", s.hostIf, "root")
		return &netem{dev: s.hostIf, node: nodeAddr}
	}
	t.Logf("tc netem is not available here (%v: %s): delaying with a relay on %s instead", err, out, s.hostIP)
	return newRelay(t, s.hostIP, nodeAddr)
}

// netem delays every packet leaving the host-side veth.
type netem struct{ dev, node string }

func (n *netem) addr() string { return n.node }
func (n *netem) kind() string { return "tc netem on " + n.dev }

func (n *netem) set(t *testing.T, d time.Duration) {
	t.Helper()
	if d == 0 {
		ip(t, "tc", "qdisc", "del", "dev", n.dev, "root")
		return
	}
	ip(t, "tc", "qdisc", "replace", "dev", n.dev, "root", "netem", "delay", d.String())
	t.Cleanup(func() { _, _ = runIP("tc", "qdisc", "del", "dev", n.dev, "root") })
}

// relay forwards TCP connections to a target, holding the bytes from the
// client for the delay.
type relay struct {
	ln     net.Listener
	target string
	delay  atomic.Int64
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func newRelay(t *testing.T, host, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	r.wg.Go(r.serve)
	t.Cleanup(r.close)
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }
func (r *relay) kind() string { return "a delaying relay (no netem in this kernel)" }

func (r *relay) set(_ *testing.T, d time.Duration) { r.delay.Store(int64(d)) }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Go(func() { r.pipe(c) })
	}
}

func (r *relay) track(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns = append(r.conns, cs...)
}

func (r *relay) pipe(c net.Conn) {
	u, err := net.DialTimeout("tcp", r.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	r.track(c, u)
	for _, x := range []net.Conn{c, u} {
		_ = x.(*net.TCPConn).SetNoDelay(true)
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.delayed(u, c) })
	wg.Go(func() { _, _ = io.Copy(c, u) })
	wg.Wait()
	c.Close()
	u.Close()
}

type chunk struct {
	b   []byte
	due time.Time
}

// delayed copies src to dst, each chunk no earlier than the delay after it
// was read.
func (r *relay) delayed(dst, src net.Conn) {
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(time.Duration(r.delay.Load()))}
			}
			if err != nil {
				return
			}
		}
	}()
	defer dst.Close()
	for c := range ch {
		if w := time.Until(c.due); w > 0 {
			time.Sleep(w)
		}
		if _, err := dst.Write(c.b); err != nil {
			src.Close()
			for range ch {
			}
			return
		}
	}
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
