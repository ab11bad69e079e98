package link

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/topologies"
)

// Bounds on what a node process's stderr may cost the coordinator.
const (
	// liveLines is how many of a node's stderr lines reach the
	// coordinator's log as they come; the rest go only to its log file.
	liveLines = 5
	// logHead and logTail are the bytes of a node's stderr kept for its
	// log file: the first and the last, with a marker between when more
	// came.
	logHead = 1 << 20
	logTail = 1 << 20
	// maxLine bounds one line as the cause finder reads it.
	maxLine = 4 << 10
)

// stderrCapture receives a node process's stderr: it forwards the first
// liveLines lines, escaped, to the coordinator's log, keeps the head and
// tail for the node's log file, and finds the line that names the cause
// of a crash. Its methods are safe for concurrent use (exec's copier
// writes while an error is being described).
type stderrCapture struct {
	name string
	live io.Writer           // nil: discard
	logs topologies.NodeLogs // nil: the log is not kept

	mu        sync.Mutex
	lines     int
	line      []byte // the current line, up to maxLine bytes
	head      []byte
	tail      []byte // up to 2*logTail, trimmed to logTail when read
	total     int64
	cause     string // the first "fatal error:" or "panic:" line
	runtime   string // the first "runtime:" line before it
	last      string // the last non-empty line
	logPath   string // where the log went, once kept
	logErr    error
	logsFinal bool
	foreign   bool     // not snbench: describe quotes its first lines
	first     []string // its first non-empty lines, up to firstLines
	nonEmpty  int      // its non-empty lines
}

// firstLines is how many of a foreign worker's first stderr lines its exit
// description quotes.
const firstLines = 3

// newStderrCapture returns the capture of node name's stderr. When live
// also implements topologies.NodeLogs, the node's log is kept there once
// its process exits.
func newStderrCapture(name string, live io.Writer) *stderrCapture {
	logs, _ := live.(topologies.NodeLogs)
	return &stderrCapture{name: name, live: live, logs: logs}
}

// Write keeps p and scans its lines; it never fails, so a node is never
// blocked or killed by its own stderr.
func (c *stderrCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	if room := logHead - len(c.head); room > 0 {
		c.head = append(c.head, p[:min(room, len(p))]...)
		p0 := p[min(room, len(p)):]
		c.appendTail(p0)
	} else {
		c.appendTail(p)
	}
	for rest := p; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			c.line = append(c.line, rest[:min(len(rest), maxLine-len(c.line))]...)
			break
		}
		c.line = append(c.line, rest[:min(i, maxLine-len(c.line))]...)
		c.endLine()
		rest = rest[i+1:]
	}
	return len(p), nil
}

func (c *stderrCapture) appendTail(p []byte) {
	if len(p) == 0 {
		return
	}
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*logTail {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-logTail:]...)
	}
}

// endLine handles one complete line. Call with c.mu held.
func (c *stderrCapture) endLine() {
	line := strings.TrimRight(string(c.line), "\r")
	c.line = c.line[:0]
	c.lines++
	if c.live != nil && c.lines <= liveLines {
		fmt.Fprintf(c.live, "node %s: %s\n", c.name, safetext.Quote(line, safetext.DefaultMax))
	} else if c.live != nil && c.lines == liveLines+1 {
		kept := "not kept: no output directory"
		if c.logs != nil {
			kept = "kept in its log in the output directory"
		}
		fmt.Fprintf(c.live, "node %s: more on its stderr, not shown here (%s)\n", c.name, kept)
	}
	t := strings.TrimSpace(line)
	switch {
	case t == "":
		return
	case c.cause == "" && (strings.HasPrefix(t, "fatal error: ") || strings.HasPrefix(t, "panic: ") || strings.HasPrefix(t, "fatal: ")):
		c.cause = t
	case c.cause == "" && c.runtime == "" && strings.HasPrefix(t, "runtime: "):
		c.runtime = t
	}
	c.nonEmpty++
	if len(c.first) < firstLines {
		c.first = append(c.first, t)
	}
	c.last = t
}

// Cause returns one line, escaped, naming why the node's process failed
// as its stderr tells it: the Go runtime's "fatal error:" or "panic:" line
// (with the first "runtime:" line before it), or else the last line. It
// is "" when the node wrote nothing.
func (c *stderrCapture) Cause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.line) > 0 {
		c.endLineQuiet()
	}
	if c.foreign && len(c.first) > 0 {
		// Someone's own worker: its first lines say what it is and what
		// it met (a usage line, an import error, a traceback's start), its
		// last what ended it (a traceback's exception).
		why := strings.Join(c.first, " | ")
		if c.nonEmpty > len(c.first) {
			why += " ... " + c.last
		}
		return safetext.Quote(why, 2*safetext.DefaultMax)
	}
	why := c.last
	if c.cause != "" {
		why = c.cause
		if c.runtime != "" {
			why += " (" + c.runtime + ")"
		}
	}
	return safetext.Quote(why, safetext.DefaultMax)
}

// endLineQuiet ends an unterminated last line without forwarding it.
func (c *stderrCapture) endLineQuiet() {
	live := c.live
	c.live = nil
	c.endLine()
	c.live = live
}

// log returns the kept stderr: the head, and when more came, a marker and
// the tail.
func (c *stderrCapture) log() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total <= int64(len(c.head)+len(c.tail)) {
		return append(append([]byte(nil), c.head...), c.tail...)
	}
	tail := c.tail[max(0, len(c.tail)-logTail):]
	dropped := c.total - int64(len(c.head)) - int64(len(tail))
	var b bytes.Buffer
	b.Write(c.head)
	fmt.Fprintf(&b, "\n[snbench: %d bytes of this node's stderr left out here; %d in all]\n", dropped, c.total)
	b.Write(tail)
	return b.Bytes()
}

// keep hands the kept stderr, if any, to the node logs once the process
// has exited.
func (c *stderrCapture) keep() {
	if c.logs == nil || c.empty() {
		return
	}
	path, err := c.logs.KeepNodeLog(c.name, c.log())
	c.mu.Lock()
	c.logPath, c.logErr, c.logsFinal = path, err, true
	c.mu.Unlock()
}

func (c *stderrCapture) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total == 0
}

// describe returns what the exit description should add: the cause and
// where the full log is.
func (c *stderrCapture) describe() string {
	why := c.Cause()
	if why == "" {
		return ""
	}
	c.mu.Lock()
	path, err, final := c.logPath, c.logErr, c.logsFinal
	c.mu.Unlock()
	switch {
	case final && err == nil:
		return "; its stderr: " + why + "; full log: " + path
	case final:
		return "; its stderr: " + why + "; its log could not be kept: " + safetext.Quote(err.Error(), safetext.DefaultMax)
	}
	return "; its stderr: " + why
}
