package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
)

// Child is a node process: the running executable started again in node
// mode. Its Wait runs in a goroutine that Stop reaps.
type Child struct {
	Name   string
	cmd    *exec.Cmd
	stderr *stderrCapture
	done   chan struct{}
	err    error // set before done closes
}

// StartChild starts the current executable with env added (it must set
// topologies.EnvNodeMode, see topologies.NodeEnv), stdin and stdout as given. Its stderr is captured: the
// first lines go to log, escaped and prefixed with the node's name; the
// line naming a crash's cause is kept for the exit description; and when
// log also implements topologies.NodeLogs, the whole stderr (bounded) is
// kept there once the process exits. The
// child gets SIGKILL if this process dies, and runs in its own process group
// so that a terminal's Ctrl-C reaches only the coordinator, which then stops
// it in order.
func StartChild(name string, env []string, stdin io.Reader, stdout io.Writer, log io.Writer) (*Child, error) {
	return StartCommand(name, Command{Env: env}, stdin, stdout, log)
}

// Command is a program to start as a node process: someone's own worker
// (the exec topology) or the snbench binary itself (StartChild).
type Command struct {
	// Argv is the program and its arguments; Argv[0] is looked up in
	// $PATH when it has no slash. Empty: the snbench executable itself.
	Argv []string
	// Env is added to this process's environment.
	Env []string
	// Foreign marks a program that is not snbench: its exit description
	// quotes the first lines of its stderr and the last, not a Go
	// runtime's crash line.
	Foreign bool
}

// StartCommand starts c as node name, as StartChild starts the snbench
// binary: stdin and stdout as given, stderr captured (the first lines to
// log, escaped; the whole, bounded, to log's NodeLogs), SIGKILL when this
// process dies, its own process group, which Stop and Kill end whole.
func StartCommand(name string, c Command, stdin io.Reader, stdout io.Writer, log io.Writer) (*Child, error) {
	if len(c.Argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("node %s: finding the snbench executable: %w", name, err)
		}
		c.Argv = []string{exe}
	}
	if c.Argv[0] == "" {
		return nil, fmt.Errorf("node %s: no command to start", name)
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	if errors.Is(cmd.Err, exec.ErrNotFound) || errors.Is(cmd.Err, exec.ErrDot) {
		return nil, fmt.Errorf("node %s: starting %s: %w", name, PeerText(c.Argv[0]), cmd.Err)
	}
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	stderr := newStderrCapture(name, log)
	stderr.foreign = c.Foreign
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("node %s: starting process: %w", name, err)
	}
	ch := &Child{Name: name, cmd: cmd, stderr: stderr, done: make(chan struct{})}
	go func() {
		ch.err = cmd.Wait() // returns once stderr is read to its end
		stderr.keep()
		close(ch.done)
	}()
	return ch, nil
}

// PID returns the process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (c *Child) Done() <-chan struct{} { return c.done }

// ExitWithin waits up to d for the process to exit and describes how it
// did ("exited: signal: killed"), or returns "" if it is still running.
// When the process wrote to stderr, the description adds the line naming
// the cause and where its full log went: "exited: exit status 2; its
// stderr: fatal error: newosproc; full log: out/nodes/proc-1.log".
func (c *Child) ExitWithin(d time.Duration) string {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		if c.err == nil {
			return "exited with status 0" + c.stderr.describe()
		}
		return "exited: " + c.err.Error() + c.stderr.describe()
	case <-t.C:
		return ""
	}
}

// NotANode adds topologies.NotANodeHint to err, an error about a node
// process that ended before its handshake, when the process exited with
// status 0 or wrote what is not a frame: what a binary that does not serve
// as a node does when started as one (a test binary runs its tests, a
// custom build prints its help). c may be nil.
func (c *Child) NotANode(err error) error {
	if c == nil || err == nil || c.stderr.foreign {
		return err // someone's own worker is not a snbench binary
	}
	if errors.Is(err, wire.ErrMalformed) || errors.Is(err, ErrAnnouncement) {
		return fmt.Errorf("%w; %s", err, topologies.NotANodeHint)
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Second): // a test binary under -race exits slowly
		return err
	}
	if c.err == nil {
		return fmt.Errorf("%w; %s", err, topologies.NotANodeHint)
	}
	return err
}

// ErrAnnouncement is what ReadAnnouncement's error wraps when the child
// printed a line other than its announcement.
var ErrAnnouncement = errors.New("not a node's announcement")

// Stop waits up to grace for the process to exit on its own (its session
// has ended or its stdin is closed), then kills it, and always reaps it. It
// returns an error only if the process had to be killed.
func (c *Child) Stop(grace time.Duration) error {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
	}
	c.kill()
	<-c.done
	return fmt.Errorf("node %s (pid %d): did not exit within %v, killed", c.Name, c.PID(), grace)
}

// Kill kills the process at once and reaps it.
func (c *Child) Kill() {
	c.kill()
	<-c.done
}

// kill sends SIGKILL to the child's process group (it leads one of its
// own), so that what a foreign worker started goes with it, and to the
// child itself in case the group is gone.
func (c *Child) kill() {
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	_ = c.cmd.Process.Kill()
}

func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, os.ErrClosed)
}

// StartPiped starts a node child (see StartChild) on two fresh pipes and
// returns it with the parent's ends: stdin, whose closing tells the child
// to stop, and stdout, where the child announces itself. The child's ends
// are closed in this process.
func StartPiped(name string, env []string, log io.Writer) (ch *Child, stdin, stdout *os.File, err error) {
	return StartPipedCommand(name, Command{Env: env}, log)
}

// StartPipedCommand starts c (see StartCommand) on two fresh pipes, as
// StartPiped starts the snbench binary.
func StartPipedCommand(name string, c Command, log io.Writer) (ch *Child, stdin, stdout *os.File, err error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("node %s: pipe: %w", name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, nil, nil, fmt.Errorf("node %s: pipe: %w", name, err)
	}
	ch, err = StartCommand(name, c, inR, outW, log)
	inR.Close() // the child holds its own copies
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, nil, nil, err
	}
	return ch, inW, outR, nil
}

// ReadAnnouncement reads the first line a child prints on f, by deadline,
// and returns what follows prefix on it.
func ReadAnnouncement(f *os.File, deadline time.Time, prefix string) (string, error) {
	return ReadAnnouncementContext(context.Background(), f, deadline, prefix)
}

// ReadAnnouncementContext is ReadAnnouncement that also gives up when ctx
// is done.
func ReadAnnouncementContext(ctx context.Context, f *os.File, deadline time.Time, prefix string) (string, error) {
	// The bound first, then the cancellation, so that a ctx done at any
	// moment moves the deadline to that moment.
	_ = f.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("waiting for the node to announce itself: %w", err)
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
	if !ok {
		return "", fmt.Errorf("%w: node announced \"%s\", want %q", ErrAnnouncement, PeerText(strings.TrimSpace(line)), prefix+"...")
	}
	return rest, nil
}

// StartAnnounced starts a child (StartPiped) that announces where it
// listens with one line on stdout, prefix and address, and returns the
// child, the write end of its stdin (open for the child's life: closing it
// tells the child to stop) and the address. If no announcement comes by
// timeout, the error names the node and, if it exited, how (with
// NotANode's hint where it applies); the child is then reaped.
func StartAnnounced(name string, env []string, log io.Writer, timeout time.Duration, prefix string) (*Child, *os.File, string, error) {
	return StartAnnouncedContext(context.Background(), name, env, log, timeout, prefix)
}

// StartAnnouncedContext is StartAnnounced that also gives up when ctx is
// done: it then kills and reaps the child at once, and its error says the
// start was cancelled.
func StartAnnouncedContext(ctx context.Context, name string, env []string, log io.Writer, timeout time.Duration, prefix string) (*Child, *os.File, string, error) {
	ch, inW, outR, err := StartPiped(name, env, log)
	if err != nil {
		return nil, nil, "", err
	}
	addr, err := ReadAnnouncementContext(ctx, outR, time.Now().Add(timeout), prefix)
	outR.Close()
	if err == nil {
		return ch, inW, addr, nil
	}
	inW.Close()
	if ctx.Err() != nil {
		ch.Kill()
		return nil, nil, "", fmt.Errorf("node %s (pid %d): %w (start cancelled: %w)", name, ch.PID(), err, context.Cause(ctx))
	}
	if st := ch.ExitWithin(500 * time.Millisecond); st != "" {
		return nil, nil, "", ch.NotANode(fmt.Errorf("node %s (pid %d): %w (process %s)", name, ch.PID(), err, st))
	}
	ch.Kill()
	return nil, nil, "", ch.NotANode(fmt.Errorf("node %s (pid %d): %w", name, ch.PID(), err))
}
