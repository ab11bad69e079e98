package link

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// OpenPiped starts c as node name on two fresh pipes (StartPipedCommand)
// and opens its session over them (Open) within timeout: a node that
// speaks on its stdin and stdout, as the subprocess and exec topologies'
// do. The child is returned even when the session failed, for the
// cluster to reap.
func OpenPiped(ctx context.Context, name string, c Command, spec workloads.Spec, timeout time.Duration, log io.Writer) (*Stream, *Child, error) {
	ch, inW, outR, err := StartPipedCommand(name, c, log)
	if err != nil {
		return nil, nil, err
	}
	conn := Pipes(outR, inW)
	info := topologies.NodeInfo{Name: name, PID: ch.PID()}
	s, err := Open(ctx, conn, info, spec, OpenOptions{Timeout: timeout, Child: ch})
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

func (p *pipes) SetDeadline(t time.Time) error {
	if err := p.r.SetDeadline(t); err != nil {
		return err
	}
	return p.w.SetDeadline(t)
}
