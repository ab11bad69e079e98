package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/wire"
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
	// Handshaken, if set, is called once the Welcome is sent.
	Handshaken func()
}

// Serve runs one session on rw: it reads the Hello, authenticates the
// coordinator when cfg.Token is set, makes the workload the Hello names,
// answers Welcome, then serves task frames until the peer says Bye or
// closes the stream. It returns nil on a clean end. Answers are flushed
// whenever no further request is already buffered, so a pipelined window
// costs one write per burst rather than one per batch.
//
// Serve does not watch ctx itself; a caller that must stop it closes rw (or
// sets a deadline on it) when ctx is done.
func Serve(ctx context.Context, rw io.ReadWriter, cfg SessionConfig) error {
	r := wire.NewReader(rw, wire.DefaultMaxFrame)
	w := bufio.NewWriterSize(rw, 64<<10)
	wl, err := cfg.handshake(r, w)
	if err != nil {
		return err
	}
	defer workloads.Release(wl)
	if cfg.Handshaken != nil {
		cfg.Handshaken()
	}
	var (
		in     workloads.Batch
		out    workloads.Result
		buf    []byte
		served uint64
	)
	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		h, body, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refuse(w, fmt.Errorf("reading frame: %w", err))
		}
		switch h.Type {
		case wire.TypeTasks:
			if err := wire.DecodeTasks(h, body, &in); err != nil {
				return refuse(w, err)
			}
			start := time.Now()
			wl.Serve(&in, &out)
			out.Service = time.Since(start)
			served += uint64(len(in.IDs))
			buf = wire.AppendResults(buf[:0], &out)
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("writing results: %w", err)
			}
		case wire.TypeStatsRequest:
			st := SelfStats()
			st.Tasks = served
			if buf, err = wire.AppendJSON(buf[:0], wire.TypeStats, st); err != nil {
				return err
			}
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("writing stats: %w", err)
			}
		case wire.TypeBye:
			return w.Flush()
		case wire.TypeError:
			return fmt.Errorf("the coordinator ended the session: %s", body)
		default:
			return refuse(w, fmt.Errorf("%w: unexpected %s frame in a session", wire.ErrMalformed, h.Type))
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return fmt.Errorf("flushing: %w", err)
			}
		}
	}
}

// handshake reads the Hello, runs the token exchange when the node has a
// token, and answers Welcome.
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
	wl, err := cfg.Registry.New(hello.Workload)
	if err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	buf, err := wire.AppendJSON(nil, wire.TypeWelcome, welcome(cfg.Name, hello.Node, proof))
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
		return nil, fmt.Errorf("handshake: %w: the coordinator gave up: %s", auth.ErrRefused, hs.Reason)
	case hs.Type != wire.TypeAuth:
		return nil, refuse(w, fmt.Errorf("handshake: %w: want an auth frame, got %s", wire.ErrMalformed, hs.Type))
	}
	if !auth.Verify(cfg.Token, auth.Coordinator, nc, nn, hello, hs.Proof) {
		return nil, refuse(w, fmt.Errorf("handshake: %w: the coordinator's proof does not match this node's token (wrong token)", auth.ErrRefused))
	}
	return auth.Prove(cfg.Token, auth.Node, nc, nn, hello), nil
}

// welcome describes this process; name, or else the coordinator's name for
// the node, names it.
func welcome(name, helloName string, proof []byte) wire.Welcome {
	if name == "" {
		name = helloName
	}
	host, _ := os.Hostname()
	return wire.Welcome{Node: name, PID: os.Getpid(), Host: host, GoVersion: runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Proof: proof}
}

// refuse tells the peer why the session ends, best effort, and returns err.
func refuse(w *bufio.Writer, err error) error {
	if _, werr := w.Write(wire.AppendControl(nil, wire.TypeError, []byte(err.Error()))); werr == nil {
		_ = w.Flush()
	}
	return err
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
