// Package checkworker drives a node (a worker in any language that speaks
// the node protocol of docs/protocol.md) through the protocol's cases and
// says, per case, whether it passed and, when not, precisely why: "frame
// 3: 63 results, want 64", "result for id 17 is 35, want 34". Every case
// starts a fresh session; every wait is bounded by Config.Timeout.
package checkworker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// Session is one connection to the worker under test.
type Session interface {
	io.ReadWriter
	// Close ends the session (closes the worker's input) and, for a worker
	// process, reaps it.
	Close() error
	// Ended waits up to d for the worker to end the session by itself (a
	// worker process to exit, a connection to close) and says how, or ""
	// if it did not.
	Ended(d time.Duration) string
}

// Config says how to reach the worker.
type Config struct {
	// Start opens a fresh session with the worker: a new process for a
	// command, a new connection for an address.
	Start func(ctx context.Context) (Session, error)
	// Timeout bounds every answer the worker owes (0: 5 s).
	Timeout time.Duration
	// Process says the worker is a process Start started (disconnect
	// checks that it exits).
	Process bool
}

// Result is one case's outcome.
type Result struct {
	Case string
	Err  error // nil: passed
	Took time.Duration
}

// Run runs every case in order, printing one line per case to out, and
// returns the results; every case passed when none has an Err.
func Run(ctx context.Context, cfg Config, out io.Writer) []Result {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	var res []Result
	for _, c := range cases {
		if c.process && !cfg.Process {
			continue
		}
		start := time.Now()
		err := runCase(ctx, cfg, c)
		r := Result{Case: c.name, Err: err, Took: time.Since(start)}
		res = append(res, r)
		if err != nil {
			fmt.Fprintf(out, "FAIL  %-38s %s\n", c.name, safetext.Quote(err.Error(), 400))
		} else {
			fmt.Fprintf(out, "ok    %-38s %v\n", c.name, r.Took.Round(time.Millisecond))
		}
	}
	return res
}

// Passed says whether every result passed.
func Passed(res []Result) bool {
	for _, r := range res {
		if r.Err != nil {
			return false
		}
	}
	return len(res) > 0
}

type testCase struct {
	name    string
	process bool // only for a worker process
	run     func(s *session) error
}

func runCase(ctx context.Context, cfg Config, c testCase) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout+time.Minute)
	defer cancel()
	conn, err := cfg.Start(ctx)
	if err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	s := &session{conn: conn, r: wire.NewReader(conn, 0), timeout: cfg.Timeout}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	err = c.run(s)
	if cerr := conn.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("ending the session: %w", cerr)
	}
	if err != nil {
		if how := conn.Ended(0); how != "" {
			err = fmt.Errorf("%w (the worker %s)", err, how)
		}
	}
	return err
}

// session is the coordinator's side of one case.
type session struct {
	conn    Session
	r       *wire.Reader
	timeout time.Duration
	spec    workloads.Spec
	check   workloads.Workload
	frames  int // result frames read so far
}

// next reads one frame within the timeout.
func (s *session) next(what string) (wire.Header, []byte, error) {
	type frame struct {
		h    wire.Header
		body []byte
		err  error
	}
	ch := make(chan frame, 1)
	go func() {
		h, b, err := s.r.Next()
		ch <- frame{h, append([]byte(nil), b...), err}
	}()
	select {
	case f := <-ch:
		if f.err != nil {
			return f.h, nil, fmt.Errorf("%s: %w", what, f.err)
		}
		return f.h, f.body, nil
	case <-time.After(s.timeout):
		_ = s.conn.Close() // unblocks the read
		<-ch
		return wire.Header{}, nil, fmt.Errorf("%s: no answer within %v", what, s.timeout)
	}
}

func (s *session) write(b []byte) error {
	_, err := s.conn.Write(b)
	return err
}

// hello opens the session with spec and reads the Welcome.
func (s *session) hello(spec workloads.Spec) error {
	b, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "check-worker", Workload: spec})
	if err != nil {
		return err
	}
	if err := s.write(b); err != nil {
		return fmt.Errorf("sending the hello: %w", err)
	}
	h, body, err := s.next("waiting for the welcome")
	if err != nil {
		return err
	}
	hs, err := wire.DecodeHandshake(h, body)
	switch {
	case err != nil:
		return fmt.Errorf("the welcome: %w", err)
	case hs.Type == wire.TypeError:
		return fmt.Errorf("the worker refused the hello: %s", hs.Reason)
	case hs.Type == wire.TypeChallenge:
		return errors.New("the worker asks for a token: check-worker sends none")
	case hs.Type != wire.TypeWelcome:
		return fmt.Errorf("want a welcome frame, got %s", hs.Type)
	}
	s.spec = spec
	s.check, err = workloads.DefaultRegistry().New(spec)
	return err
}

// batch returns a batch of n tasks from first, filled by the workload.
func (s *session) batch(tag, first uint64, n int) *workloads.Batch {
	b := &workloads.Batch{Tag: tag, IDs: make([]uint64, n)}
	for i := range b.IDs {
		b.IDs[i] = first + uint64(i)
	}
	s.check.Fill(b)
	return b
}

// result reads the next results frame and checks it answers sent.
func (s *session) result(sent *workloads.Batch) error {
	s.frames++
	h, body, err := s.next(fmt.Sprintf("frame %d", s.frames))
	if err != nil {
		return err
	}
	if h.Type == wire.TypeError {
		return fmt.Errorf("frame %d: the worker sent an error: %s", s.frames, string(body))
	}
	if h.Type != wire.TypeResults {
		return fmt.Errorf("frame %d: a %s frame, want results", s.frames, h.Type)
	}
	var r workloads.Result
	if err := wire.DecodeResults(h, body, &r); err != nil {
		return fmt.Errorf("frame %d: %w", s.frames, err)
	}
	return s.judge(sent, &r)
}

// judge compares a result with the batch it answers, task by task.
func (s *session) judge(sent *workloads.Batch, r *workloads.Result) error {
	f := s.frames
	switch {
	case r.Tag != sent.Tag:
		return fmt.Errorf("frame %d: tagged %#x, want %#x (the batches' order: answers must come back in the order sent)", f, r.Tag, sent.Tag)
	case len(r.IDs) != len(sent.IDs):
		return fmt.Errorf("frame %d: %d results, want %d", f, len(r.IDs), len(sent.IDs))
	case len(sent.IDs) > 0 && r.K != sent.K: // an empty answer's K says nothing
		return fmt.Errorf("frame %d: %d values per result, want %d", f, r.K, sent.K)
	}
	for i, id := range r.IDs {
		if id != sent.IDs[i] {
			return fmt.Errorf("frame %d: result %d is for id %d, want id %d (same ids, same order)", f, i, id, sent.IDs[i])
		}
		for j := range r.K {
			want := 2 * sent.Values[i*sent.K+j]
			if got := r.Values[i*r.K+j]; got != want {
				return fmt.Errorf("frame %d: result for id %d is %d, want %d", f, id, got, want)
			}
		}
	}
	return nil
}

var spec1 = workloads.Spec{Name: "doubling", Payload: 1, Seed: 1}

var cases = []testCase{
	{name: "handshake", run: func(s *session) error { return s.hello(spec1) }},
	{name: "batch sizes 1 to 8192", run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		first := uint64(0)
		for i, n := range []int{1, 2, 3, 7, 64, 65, 1000, 8192} {
			b := s.batch(uint64(i), first, n)
			if err := s.write(wire.AppendTasks(nil, b)); err != nil {
				return fmt.Errorf("sending a batch of %d: %w", n, err)
			}
			if err := s.result(b); err != nil {
				return err
			}
			first += uint64(n)
		}
		return nil
	}},
	{name: "payload 5 values per task", run: func(s *session) error {
		sp := spec1
		sp.Payload = 5
		if err := s.hello(sp); err != nil {
			return err
		}
		for i := range 4 {
			b := s.batch(uint64(i), uint64(100*i), 16)
			if err := s.write(wire.AppendTasks(nil, b)); err != nil {
				return err
			}
			if err := s.result(b); err != nil {
				return err
			}
		}
		return nil
	}},
	{name: "100,000 tasks, 8 batches in flight", run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		return s.pipelined(100_000, 64, 8)
	}},
	{name: "end marker", run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		if err := s.pipelined(3*64, 64, 3); err != nil {
			return err
		}
		end := &workloads.Batch{Tag: topologies.EndTag | 3, K: 1}
		if err := s.write(wire.AppendTasks(nil, end)); err != nil {
			return err
		}
		return s.result(end)
	}},
	{name: "stats", run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		if err := s.pipelined(640, 64, 2); err != nil {
			return err
		}
		if err := s.write(wire.AppendControl(nil, wire.TypeStatsRequest, nil)); err != nil {
			return err
		}
		h, body, err := s.next("waiting for stats")
		if err != nil {
			return err
		}
		var st wire.Stats
		if err := wire.DecodeJSON(h, body, wire.TypeStats, &st); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		if st.UserNS < 0 || st.SysNS < 0 || st.MaxRSSKB < 0 {
			return fmt.Errorf("stats claim negative use: %+v", st)
		}
		return nil
	}},
	{name: "error frame for an unknown workload", run: func(s *session) error {
		b, _ := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "check-worker", Workload: workloads.Spec{Name: "no-such-workload", Payload: 1}})
		if err := s.write(b); err != nil {
			return err
		}
		h, body, err := s.next("waiting for an error frame")
		if err != nil {
			return err
		}
		if h.Type != wire.TypeError {
			return fmt.Errorf("a %s frame for a hello naming an unknown workload, want an error frame", h.Type)
		}
		if strings.TrimSpace(string(body)) == "" {
			return errors.New("the error frame gives no reason")
		}
		return nil
	}},
	{name: "a 16 MiB frame", run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		b := s.batch(0, 0, 1<<20) // 16 bytes a task
		if err := s.write(wire.AppendTasks(nil, b)); err != nil {
			return err
		}
		return s.result(b)
	}},
	{name: "coordinator leaves mid-frame", process: true, run: func(s *session) error {
		if err := s.hello(spec1); err != nil {
			return err
		}
		frame := wire.AppendTasks(nil, s.batch(0, 0, 64))
		if err := s.write(frame[:len(frame)/2]); err != nil {
			return err
		}
		_ = s.conn.Close()
		if how := s.conn.Ended(s.timeout); how == "" {
			return fmt.Errorf("the worker was still running %v after its input closed mid-frame", s.timeout)
		}
		return nil
	}},
}

// pipelined sends total tasks in batches of batch with window in flight
// and checks every answer, in order.
func (s *session) pipelined(total, batch, window int) error {
	errc := make(chan error, 1)
	sent := make(chan *workloads.Batch, window)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(sent)
		for tag, first := uint64(0), 0; first < total; tag, first = tag+1, first+batch {
			b := s.batch(tag, uint64(first), min(batch, total-first))
			select {
			case sent <- b: // waits while window batches are in flight
			case <-done:
				return
			}
			if err := s.write(wire.AppendTasks(nil, b)); err != nil {
				errc <- err
				return
			}
		}
	}()
	for b := range sent {
		if err := s.result(b); err != nil {
			return err
		}
	}
	select {
	case err := <-errc:
		return fmt.Errorf("sending: %w", err)
	default:
	}
	return nil
}
