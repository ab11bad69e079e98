package link

import (
	"context"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// OpenPiped starts c as node name on two fresh pipes (StartPipedCommand)
// and opens its session over them (Open) within timeout: a node that
// speaks on its stdin and stdout, as the subprocess and exec topologies'
// do. The child is returned even when the session failed, for the
// cluster to reap. inFlight is OpenOptions.InFlight: with it, the pipe to
// the node is grown to hold that much (within the system's pipe-max-size),
// and the link then queues.
func OpenPiped(ctx context.Context, name string, c Command, spec workloads.Spec, timeout time.Duration, inFlight int, log io.Writer) (*Stream, *Child, error) {
	ch, inW, outR, err := StartPipedCommand(name, c, log)
	if err != nil {
		return nil, nil, err
	}
	conn := Pipes(outR, inW)
	info := topologies.NodeInfo{Name: name, PID: ch.PID()}
	s, err := Open(ctx, conn, info, spec, OpenOptions{Timeout: timeout, Child: ch, InFlight: inFlight})
	if err != nil {
		conn.Close()
		return nil, ch, err
	}
	return s, ch, nil
}

// Pipes joins the read end of a child's stdout and the write end of its
// stdin into one Conn, as process topologies that speak over pipes need.
// Close closes both.
func Pipes(stdout, stdin *os.File) Conn { return &pipes{r: stdout, w: stdin} }

type pipes struct {
	r, w *os.File
}

func (p *pipes) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *pipes) Write(b []byte) (int, error) { return p.w.Write(b) }

func (p *pipes) Close() error {
	werr := p.w.Close()
	rerr := p.r.Close()
	if werr != nil {
		return werr
	}
	return rerr
}

// reserve grows the pipe to the node so that n bytes written and not
// yet read never block a write: twice n, rounded up to pages by the
// kernel (a small write may leave part of a page unused), at most the
// system's pipe-max-size. It reports whether the pipe now holds that.
func (p *pipes) reserve(n int) bool {
	want := 2*n + 2*os.Getpagesize()
	rc, err := p.w.SyscallConn()
	if err != nil {
		return false
	}
	got := 0
	if err := rc.Control(func(fd uintptr) {
		if sz, err := unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0); err == nil && sz >= want {
			got = sz
			return
		}
		if sz, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, want); err == nil {
			got = sz
		}
	}); err != nil {
		return false
	}
	return got >= want
}

func (p *pipes) SetDeadline(t time.Time) error {
	if err := p.r.SetDeadline(t); err != nil {
		return err
	}
	return p.w.SetDeadline(t)
}
