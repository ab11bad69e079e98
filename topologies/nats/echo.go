package nats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// echoes is a started raw NATS baseline (see Topology.StartEcho): the
// embedded server, the echo processes and the requesters.
type echoes struct {
	server   *natsserver.Server
	children []*link.Child
	stdins   []*os.File // closing one ends its child
	conns    []*requester

	died     deaths        // the first echo process to exit before Close
	closing  chan struct{} // closed when Close starts: exits are expected
	watchers sync.WaitGroup
	once     sync.Once
	closeErr error
}

var _ topologies.EchoSet = (*echoes)(nil)

func startEchoes(ctx context.Context, cfg topologies.EchoConfig) (*echoes, error) {
	if cfg.Endpoints < 1 {
		return nil, fmt.Errorf("%d endpoints, want at least 1", cfg.Endpoints)
	}
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	e := &echoes{died: deaths{ch: make(chan struct{})}, closing: make(chan struct{})}
	if err := e.start(ctx, cfg, timeout); err != nil {
		_ = e.Close()
		return nil, err
	}
	return e, nil
}

func (e *echoes) start(ctx context.Context, cfg topologies.EchoConfig, timeout time.Duration) error {
	tok := string(auth.NewToken())
	srv, err := natsserver.Start("127.0.0.1:0", tok, timeout)
	if err != nil {
		return err
	}
	e.server = srv
	a := natsconn.Auth{Token: tok}
	subject := "snbench.local." + randomID() + ".echo"

	outs := make([]*os.File, 0, cfg.Endpoints)
	defer func() {
		for _, f := range outs {
			f.Close()
		}
	}()
	env := append([]string{node.EnvMode + "=" + node.ModeEchoNATS, node.EnvNATSURL + "=" + srv.URL(),
		node.EnvNATSSubject + "=" + subject}, a.Env()...)
	for i := range cfg.Endpoints {
		name := fmt.Sprintf("raw-nats-%d", i+1)
		ch, inW, outR, err := link.StartPiped(name, append(env, node.EnvName+"="+name), cfg.Log)
		if err != nil {
			return err
		}
		e.children, e.stdins, outs = append(e.children, ch), append(e.stdins, inW), append(outs, outR)
		e.watch(ch)
	}
	deadline := time.Now().Add(timeout)
	for i, f := range outs {
		if err := awaitReady(f, deadline); err != nil {
			ch := e.children[i]
			if st := ch.ExitWithin(500 * time.Millisecond); st != "" {
				return fmt.Errorf("echo %s (pid %d): %w (process %s; its stderr is in the log)", ch.Name, ch.PID(), err, st)
			}
			return fmt.Errorf("echo %s (pid %d): %w", ch.Name, ch.PID(), err)
		}
	}
	// Every responder's subscription has reached the server (each flushed
	// it before announcing itself): requests published from here on find
	// one.
	for i := range cfg.Endpoints {
		q, err := dialRequester(ctx, srv.URL(), a, timeout, fmt.Sprintf("raw-nats-%d", i+1), subject, cfg.Window, &e.died)
		if err != nil {
			return err
		}
		e.conns = append(e.conns, q)
	}
	return nil
}

// watch reports ch's exit in e.died unless the set is closing by then.
func (e *echoes) watch(ch *link.Child) {
	e.watchers.Go(func() {
		if !exitedWhileOpen(ch, e.closing) {
			return
		}
		e.died.once.Do(func() {
			e.died.err = fmt.Errorf("echo process %s (pid %d) %s: its requests in flight are lost", ch.Name, ch.PID(), ch.ExitWithin(time.Second))
			close(e.died.ch)
		})
	})
}

// Conns returns the requesters, one per endpoint.
func (e *echoes) Conns() []io.ReadWriteCloser {
	cs := make([]io.ReadWriteCloser, len(e.conns))
	for i, q := range e.conns {
		cs[i] = q
	}
	return cs
}

// Close closes the requesters, ends the echo processes (their stdin
// closes), reaps them, and shuts the server down last, so that no client
// is left reconnecting to it.
func (e *echoes) Close() error {
	e.once.Do(func() {
		close(e.closing)
		for _, q := range e.conns {
			_ = q.Close()
		}
		for _, f := range e.stdins {
			f.Close()
		}
		var errs []error
		for _, ch := range e.children {
			if err := ch.Stop(2 * time.Second); err != nil {
				errs = append(errs, err)
			}
		}
		e.watchers.Wait()
		if e.server != nil {
			e.server.Close()
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// requester is one endpoint of the raw NATS baseline: a connection of its
// own that publishes each frame as a request to the echo subject, with its
// inbox as the reply subject, and reads the replies from that inbox.
type requester struct {
	ctx     context.Context
	name    string
	nc      *nats.Conn
	subject string
	inbox   string
	sub     *nats.Subscription
	replies chan *nats.Msg
	closed  chan struct{} // closed when the connection is
	dropped chan struct{} // closed when NATS dropped a reply (slow consumer)
	died    *deaths
	pending []byte      // the rest of the reply Read is returning
	stall   *time.Timer // Read's: fires after echoStall without a reply
	once    sync.Once
}

// echoStall is how long a requester's Read waits for a reply before it
// reports the baseline stalled: NATS delivers at most once, so a lost
// request or reply would otherwise block the baseline for good.
const echoStall = 10 * time.Second

func dialRequester(ctx context.Context, url string, a natsconn.Auth, timeout time.Duration, name, subject string, window int, died *deaths) (*requester, error) {
	q := &requester{ctx: ctx, name: name, subject: subject, inbox: nats.NewInbox(),
		replies: make(chan *nats.Msg, 2*max(window, 1)+16),
		closed:  make(chan struct{}), dropped: make(chan struct{}), died: died, stall: time.NewTimer(echoStall)}
	q.stall.Stop()
	var closeOnce, dropOnce sync.Once
	onClose := nats.ClosedHandler(func(*nats.Conn) { closeOnce.Do(func() { close(q.closed) }) })
	onError := nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrSlowConsumer) {
			dropOnce.Do(func() { close(q.dropped) })
		}
	})
	nc, err := natsconn.Connect(url, "snbench raw baseline "+name, a, timeout, nats.NoReconnect(), onClose, onError)
	if err != nil {
		return nil, fmt.Errorf("requester %s: %w", name, err)
	}
	q.nc = nc
	if q.sub, err = nc.ChanSubscribe(q.inbox, q.replies); err != nil {
		nc.Close()
		return nil, fmt.Errorf("requester %s: subscribing to its inbox: %w", name, err)
	}
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("requester %s: subscribing to its inbox: %w", name, err)
	}
	return q, nil
}

// Write publishes b as one request.
func (q *requester) Write(b []byte) (int, error) {
	if err := q.nc.PublishRequest(q.subject, q.inbox, b); err != nil {
		return 0, fmt.Errorf("requester %s: publishing: %w", q.name, err)
	}
	return len(b), nil
}

// Read returns the bytes of the next reply, continuing the last one if
// it did not fit in b.
func (q *requester) Read(b []byte) (int, error) {
	if len(q.pending) == 0 {
		q.stall.Reset(echoStall)
		defer q.stall.Stop()
		select {
		case <-q.stall.C:
			return 0, fmt.Errorf("requester %s: no reply for %v", q.name, echoStall)
		case m := <-q.replies:
			if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
				return 0, fmt.Errorf("requester %s: no echo process is subscribed to %s", q.name, q.subject)
			}
			q.pending = m.Data
		case <-q.dropped:
			return 0, fmt.Errorf("requester %s: NATS dropped a reply (slow consumer)", q.name)
		case <-q.died.ch:
			return 0, fmt.Errorf("requester %s: %w", q.name, q.died.err)
		case <-q.closed:
			return 0, io.EOF
		case <-q.ctx.Done():
			return 0, context.Cause(q.ctx)
		}
	}
	n := copy(b, q.pending)
	q.pending = q.pending[n:]
	return n, nil
}

// Close unsubscribes and closes the connection; calling it again does
// nothing.
func (q *requester) Close() error {
	q.once.Do(func() {
		_ = q.sub.Unsubscribe()
		q.nc.Close()
	})
	return nil
}
