package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// SessionConfig says how a node serves a session.
type SessionConfig struct {
	// Registry makes the workload the Hello names.
	Registry *workloads.Registry
	// Name is the node's name in its Welcome; empty takes the Hello's.
	Name string
	// Token, when set, is the shared secret the coordinator must prove in
	// the handshake before the node serves anything; the node then proves
	// it back. A coordinator without it, or with another, is refused with
	// an error wrapping auth.ErrRefused. Nil serves without
	// authentication.
	Token []byte
	// MaxTaskWork caps the work one task may ask of the node: a Hello whose
	// workload spends more than this per task, CPU time and wait together,
	// is refused. Zero means DefaultMaxTaskWork; negative means no cap, for
	// a node whose only coordinator is the process that started it.
	MaxTaskWork time.Duration
	// Admit, if set, is called once the coordinator is authenticated and
	// its Hello accepted, just before the Welcome; an error refuses the
	// session, its text the reason the coordinator is given (a node whose
	// session slots are all taken says so).
	Admit func() error
	// Handshaken, if set, is called once the Welcome is sent.
	Handshaken func()
	// IdleTimeout, when positive and rw has read and write deadlines (a
	// net.Conn), bounds every frame after the handshake: once the node
	// starts waiting for a frame, the whole frame must arrive within
	// IdleTimeout, however the bytes trickle in, and each write must be
	// taken within it. Zero sets no deadline.
	IdleTimeout time.Duration
	// PeerGone, if set, reports whether the coordinator has closed its end
	// of rw. The node asks it every PeerCheck while it is serving a batch;
	// true stops the batch's work (see workloads.ContextServer) and ends
	// the session, so that a coordinator that asked for much work and left
	// costs the node nothing more.
	PeerGone func() bool
}

// DefaultMaxTaskWork is SessionConfig.MaxTaskWork when it is zero, and
// `snbench node --max-task-work`'s default: 10 s of CPU time and wait per
// task. snbench's tasks model service times of microseconds to
// milliseconds, so 10 s is four orders of magnitude above any task worth
// measuring, yet a Hello asking for an hour per task is refused at once.
const DefaultMaxTaskWork = 10 * time.Second

// PeerCheck is how often a session asks SessionConfig.PeerGone while a
// batch is in service.
const PeerCheck = 200 * time.Millisecond

// maxReason caps the reason a node sends in an Error frame.
const maxReason = 1 << 10

// Serve runs one session on rw: it reads the Hello, authenticates the
// coordinator when cfg.Token is set, makes the workload the Hello names,
// answers Welcome, then serves task frames until the peer says Bye or
// closes the stream. It returns nil on a clean end. Answers are flushed
// whenever no further request is already buffered, so a pipelined window
// costs one write per burst rather than one per batch.
//
// Until the Welcome, frames are limited to wire.MaxHandshakeFrame, so a
// peer that has proved nothing makes the node hold a few KiB for them.
//
// Serve does not watch ctx itself; a caller that must stop it closes rw (or
// sets a deadline on it) when ctx is done. A batch in service when ctx is
// done is abandoned if its workload implements workloads.ContextServer.
func Serve(ctx context.Context, rw io.ReadWriter, cfg SessionConfig) error {
	fc := newFrameConn(rw, cfg.IdleTimeout)
	r := wire.NewReader(fc, wire.MaxHandshakeFrame)
	wl, err := cfg.handshake(r, bufio.NewWriterSize(fc, 512))
	if err != nil {
		return err
	}
	defer workloads.Release(wl)
	if cfg.Handshaken != nil {
		cfg.Handshaken()
	}
	r.SetMaxFrame(wire.DefaultMaxFrame)
	fc.start()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &session{r: r, w: bufio.NewWriterSize(fc, 64<<10), fc: fc, wl: wl}
	s.cs, _ = wl.(workloads.ContextServer)
	if cfg.PeerGone != nil {
		defer watchPeer(&s.inService, cfg.PeerGone, cancel)()
	}
	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if done, err := s.frame(ctx); done || err != nil {
			return err
		}
	}
}

// session is what Serve keeps between frames, after the handshake.
type session struct {
	r         *wire.Reader
	w         *bufio.Writer
	fc        *frameConn
	wl        workloads.Workload
	cs        workloads.ContextServer // wl, if it can give up
	in        workloads.Batch
	out       workloads.Result
	buf       []byte
	served    uint64
	inService atomic.Uint64 // odd while a batch is in service (see watchPeer)
}

// frame reads and answers one frame; done is true when the session ended
// cleanly (Bye, or the peer closed between frames).
func (s *session) frame(ctx context.Context) (done bool, err error) {
	s.fc.next()
	h, body, err := s.r.Next()
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	if err != nil {
		return false, refuse(s.w, fmt.Errorf("reading frame: %w", err))
	}
	switch h.Type {
	case wire.TypeTasks:
		if err := wire.DecodeTasks(h, body, &s.in); err != nil {
			return false, refuse(s.w, err)
		}
		if err := s.serveBatch(ctx); err != nil {
			return false, err
		}
	case wire.TypeStatsRequest:
		st := SelfStats()
		st.Tasks = s.served
		if s.buf, err = wire.AppendJSON(s.buf[:0], wire.TypeStats, st); err != nil {
			return false, err
		}
		if _, err := s.w.Write(s.buf); err != nil {
			return false, fmt.Errorf("writing stats: %w", err)
		}
	case wire.TypeBye:
		return true, s.w.Flush()
	case wire.TypeError:
		return false, fmt.Errorf("the coordinator ended the session: %s", safetext.Quote(string(body), safetext.DefaultMax))
	default:
		return false, refuse(s.w, fmt.Errorf("%w: unexpected %s frame in a session", wire.ErrMalformed, h.Type))
	}
	if s.r.Buffered() == 0 {
		if err := s.w.Flush(); err != nil {
			return false, fmt.Errorf("flushing: %w", err)
		}
	}
	return false, nil
}

// serveBatch serves s.in and writes its results; it gives up when ctx is
// done and the workload can.
func (s *session) serveBatch(ctx context.Context) error {
	start := time.Now()
	s.inService.Add(1)
	if s.cs != nil {
		if err := s.cs.ServeContext(ctx, &s.in, &s.out); err != nil {
			s.inService.Add(1)
			return fmt.Errorf("serving a batch of %d tasks: %w", len(s.in.IDs), err)
		}
	} else {
		s.wl.Serve(&s.in, &s.out)
	}
	s.inService.Add(1)
	s.out.Service = time.Since(start)
	s.served += uint64(len(s.in.IDs))
	s.buf = wire.AppendResults(s.buf[:0], &s.out)
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// handshake reads the Hello, runs the token exchange when the node has a
// token, checks what the Hello asks for, admits the session and answers
// Welcome.
func (cfg *SessionConfig) handshake(r *wire.Reader, w *bufio.Writer) (workloads.Workload, error) {
	h, body, err := r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("handshake: peer closed before hello: %w", err)
		}
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	hs, err := wire.DecodeHandshake(h, body)
	if err == nil && hs.Type != wire.TypeHello {
		err = fmt.Errorf("%w: want a hello frame, got %s", wire.ErrMalformed, hs.Type)
	}
	if err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	hello := hs.Hello
	var proof []byte
	if cfg.Token != nil {
		helloBody := append([]byte(nil), body...) // r reuses body
		if proof, err = cfg.authenticate(r, w, hello.Nonce, helloBody); err != nil {
			return nil, err
		}
	}
	if err := CheckTaskWork(hello.Workload, cfg.MaxTaskWork); err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	wl, err := cfg.Registry.New(hello.Workload)
	if err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	if cfg.Admit != nil {
		if err := cfg.Admit(); err != nil {
			return nil, refuse(w, fmt.Errorf("handshake: %w", err))
		}
	}
	buf, err := wire.AppendJSON(nil, wire.TypeWelcome, Welcome(cfg.Name, hello.Node, proof))
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(buf); err != nil {
		return nil, fmt.Errorf("handshake: writing welcome: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("handshake: writing welcome: %w", err)
	}
	return wl, nil
}

// ErrTooMuchWork is wrapped by the error refusing a Hello whose tasks ask
// for more work than the node allows.
var ErrTooMuchWork = errors.New("too much work per task")

// CheckTaskWork refuses a workload whose tasks each ask for more than max
// of CPU time and wait together; max zero means DefaultMaxTaskWork,
// negative no cap.
func CheckTaskWork(spec workloads.Spec, max time.Duration) error {
	if max == 0 {
		max = DefaultMaxTaskWork
	}
	cpu, wait := spec.CPU.D(), spec.Wait.D()
	if max < 0 || cpu < 0 || wait < 0 {
		return nil // negative values are the workload's to refuse
	}
	if cpu > max || wait > max || cpu+wait > max {
		return fmt.Errorf("%w: the workload asks %v of cpu and %v of wait per task, over this node's limit of %v (snbench node --max-task-work)",
			ErrTooMuchWork, cpu, wait, max)
	}
	return nil
}

// authenticate challenges the coordinator, checks its proof, and returns
// the node's own proof for the Welcome.
func (cfg *SessionConfig) authenticate(r *wire.Reader, w *bufio.Writer, nc, hello []byte) ([]byte, error) {
	if len(nc) == 0 {
		return nil, refuse(w, fmt.Errorf("handshake: %w: the coordinator has no token (give it --token-file or %s)", auth.ErrRefused, auth.EnvToken))
	}
	nn := auth.NewNonce()
	if _, err := w.Write(wire.AppendControl(nil, wire.TypeChallenge, nn)); err != nil {
		return nil, fmt.Errorf("handshake: writing challenge: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("handshake: writing challenge: %w", err)
	}
	h, body, err := r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("handshake: %w: the coordinator closed instead of proving the token", auth.ErrRefused)
		}
		return nil, refuse(w, fmt.Errorf("handshake: waiting for the coordinator's proof: %w", err))
	}
	hs, err := wire.DecodeHandshake(h, body)
	switch {
	case err != nil:
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	case hs.Type == wire.TypeError:
		return nil, fmt.Errorf("handshake: %w: the coordinator gave up: %s", auth.ErrRefused, safetext.Quote(hs.Reason, safetext.DefaultMax))
	case hs.Type != wire.TypeAuth:
		return nil, refuse(w, fmt.Errorf("handshake: %w: want an auth frame, got %s", wire.ErrMalformed, hs.Type))
	}
	if !auth.Verify(cfg.Token, auth.Coordinator, nc, nn, hello, hs.Proof) {
		return nil, refuse(w, fmt.Errorf("handshake: %w: the coordinator's proof does not match this node's token (wrong token)", auth.ErrRefused))
	}
	return auth.Prove(cfg.Token, auth.Node, nc, nn, hello), nil
}

// Welcome is the Welcome that describes this process, with proof; name, or
// else helloName (the coordinator's name for the node), names it.
func Welcome(name, helloName string, proof []byte) wire.Welcome {
	if name == "" {
		name = helloName
	}
	host, _ := os.Hostname()
	return wire.Welcome{Node: name, PID: os.Getpid(), Host: host, GoVersion: runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Proof: proof}
}

// refuse tells the peer why the session ends, best effort, and returns err.
// The reason is capped at maxReason bytes; peer text in it is escaped
// where it entered the error.
func refuse(w *bufio.Writer, err error) error {
	reason := capText(err.Error(), maxReason)
	if _, werr := w.Write(wire.AppendControl(nil, wire.TypeError, []byte(reason))); werr == nil {
		_ = w.Flush()
	}
	return err
}

// capText cuts s to at most max bytes, at a rune boundary, with
// "... (N bytes)" when it cuts, as safetext.Quote does; it escapes nothing.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// SelfStats returns this process's CPU time and peak RSS.
func SelfStats() wire.Stats {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return wire.Stats{}
	}
	return wire.Stats{
		UserNS:   ru.Utime.Nano(),
		SysNS:    ru.Stime.Nano(),
		MaxRSSKB: ru.Maxrss,
	}
}
