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

	"github.com/snbench/snbench/internal/wire"
	"github.com/snbench/snbench/workloads"
)

// Serve runs one session on rw: it reads the Hello, makes the workload it
// names from reg, answers Welcome, then serves task frames until the peer
// says Bye or closes the stream. It returns nil on a clean end. Answers are
// flushed whenever no further request is already buffered, so a pipelined
// window costs one write per burst rather than one per batch.
//
// Serve does not watch ctx itself; a caller that must stop it closes rw (or
// sets a deadline on it) when ctx is done.
func Serve(ctx context.Context, rw io.ReadWriter, reg *workloads.Registry, name string) error {
	r := wire.NewReader(rw, wire.DefaultMaxFrame)
	w := bufio.NewWriterSize(rw, 64<<10)
	wl, err := handshake(r, w, reg, name)
	if err != nil {
		return err
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

func handshake(r *wire.Reader, w *bufio.Writer, reg *workloads.Registry, name string) (workloads.Workload, error) {
	h, body, err := r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("handshake: peer closed before hello: %w", err)
		}
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	var hello wire.Hello
	if err := wire.DecodeJSON(h, body, wire.TypeHello, &hello); err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	wl, err := reg.New(hello.Workload)
	if err != nil {
		return nil, refuse(w, fmt.Errorf("handshake: %w", err))
	}
	if name == "" {
		name = hello.Node
	}
	host, _ := os.Hostname()
	welcome := wire.Welcome{Node: name, PID: os.Getpid(), Host: host, GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	buf, err := wire.AppendJSON(nil, wire.TypeWelcome, welcome)
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
