package link

import (
	"os"
	"time"
)

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
