package checkworker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/snbench/snbench/internal/safetext"
)

// Command returns a Config.Start that runs args as a new worker process
// per session, speaking the protocol on its stdin and stdout, with env
// added to this process's environment. What it writes on stderr (the
// first 64 KiB) is quoted, first lines, when it exits.
func Command(args []string, env []string) func(ctx context.Context) (Session, error) {
	return func(ctx context.Context) (Session, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(cmd.Environ(), env...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		p := &proc{cmd: cmd, stdin: stdin, stdout: stdout, done: make(chan struct{})}
		cmd.Stderr = &p.stderr
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("%s: %w", args[0], err)
		}
		go func() {
			p.err = cmd.Wait()
			close(p.done)
		}()
		return p, nil
	}
}

// Addr returns a Config.Start that connects to a worker listening on
// addr, a new connection per session.
func Addr(addr string) func(ctx context.Context) (Session, error) {
	return func(ctx context.Context) (Session, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return &conn{Conn: c}, nil
	}
}

// proc is a worker process: its stdin and stdout are the session.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr boundedBuffer
	done   chan struct{}
	err    error
	once   sync.Once
}

func (p *proc) Read(b []byte) (int, error)  { return p.stdout.Read(b) }
func (p *proc) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close closes the worker's stdin, waits up to 2 s for it to exit, then
// kills it; it always reaps it.
func (p *proc) Close() error {
	p.once.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return nil
}

func (p *proc) Ended(d time.Duration) string {
	select {
	case <-p.done:
	case <-time.After(d):
		return ""
	}
	how := "exited with status 0"
	if p.err != nil {
		how = "exited: " + p.err.Error()
	}
	if first := p.stderr.firstLines(3); first != "" {
		how += "; its stderr: " + first
	}
	return how
}

// conn is a worker reached over TCP.
type conn struct {
	net.Conn
}

func (c *conn) Ended(d time.Duration) string {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	if _, err := c.Conn.Read(b[:]); err == io.EOF {
		return "closed the connection"
	}
	return ""
}

// boundedBuffer keeps the first 64 KiB written to it.
type boundedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := 64<<10 - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *boundedBuffer) firstLines(n int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := strings.SplitN(strings.TrimSpace(w.b.String()), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return safetext.Quote(strings.Join(lines, " | "), 300)
}
