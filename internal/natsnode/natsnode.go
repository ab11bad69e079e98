package natsnode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// DefaultSubject is the subject prefix of `snbench node --nats` and of
// `snbench run --nats-remote`.
const DefaultSubject = "snbench"

// HelloSubject returns the subject on which nodes under prefix wait for a
// coordinator's Hello, and HelloQueue their queue group there: each Hello
// reaches one free node.
func HelloSubject(prefix string) string { return prefix + ".hello" }

// MoveSubject returns the task subject to which a coordinator moves the
// nodes of the session whose first task subject is session, the n-th time
// it moves them (see wire.Move).
func MoveSubject(session string, n int) string { return fmt.Sprintf("%s.m%d", session, n) }

// HelloQueue returns the queue group of the nodes under prefix.
func HelloQueue(prefix string) string { return prefix + ".nodes" }

// Node serves sessions that coordinators open over NATS, one at a
// time. Between sessions it waits in the queue group of HelloSubject, so
// each Hello reaches one free node; a Hello names the session's task
// subject, and the node joins that subject's queue group, answers every
// Tasks message with a Results message, and answers stats requests and
// Bye on a control subject of its own, which its Welcome names. Its fields
// are read-only once Serve starts.
type Node struct {
	// Registry makes the workloads sessions ask for.
	Registry *workloads.Registry
	// Name is the node's name in its Welcome and log lines; empty takes the
	// name the coordinator gives.
	Name string
	// Subject is the prefix under which the node waits for a Hello.
	Subject string
	// Log receives one line per session start, end and refusal; nil
	// discards them.
	Log *log.Logger
	// IdleTimeout ends a session in which nothing has arrived for this
	// long, so that a node whose coordinator died becomes free again. Zero
	// means 2 minutes.
	IdleTimeout time.Duration
	// MaxTaskWork caps the CPU time and wait one task may ask for (see
	// SessionConfig.MaxTaskWork); zero means DefaultMaxTaskWork, negative
	// no cap.
	MaxTaskWork time.Duration
	// Sessions is how many sessions to serve before Serve returns; 0 means
	// until ctx is done.
	Sessions int
	// Ready, if set, is called each time the node starts waiting for a
	// Hello.
	Ready func()
}

// Serve serves sessions on nc until ctx is done (it then returns nil) or
// n.Sessions have been served. It returns an error only when the
// connection fails. It does not close nc.
func (n *Node) Serve(ctx context.Context, nc *nats.Conn) error {
	for served := 0; n.Sessions == 0 || served < n.Sessions; served++ {
		s, err := n.await(ctx, nc)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		n.logf("session %s: started (coordinator calls this node %s)", safetext.Quote(s.subject, safetext.DefaultMax),
			safetext.Quote(s.hello.Node, safetext.DefaultMax))
		err = s.run(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			n.logf("session %s: ended: %v", safetext.Quote(s.subject, safetext.DefaultMax), err)
		default:
			n.logf("session %s: ended (%d tasks)", safetext.Quote(s.subject, safetext.DefaultMax), s.served.Load())
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// await waits in the hello queue group for a Hello it can serve and
// returns the session, subscribed and welcomed.
func (n *Node) await(ctx context.Context, nc *nats.Conn) (*natsSession, error) {
	sub, err := nc.QueueSubscribeSync(HelloSubject(n.Subject), HelloQueue(n.Subject))
	if err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", HelloSubject(n.Subject), err)
	}
	defer sub.Unsubscribe()
	if err := nc.FlushTimeout(10 * time.Second); err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", HelloSubject(n.Subject), err)
	}
	if n.Ready != nil {
		n.Ready()
	}
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for a hello on %s: %w", HelloSubject(n.Subject), err)
		}
		hello, wl, err := n.decodeHello(m.Data)
		if err != nil {
			n.logf("refused a hello: %v", err)
			respondError(m, n.Name, err)
			continue
		}
		// Leave the hello group before answering: once the coordinator has
		// the Welcome, its server has processed the unsubscription, and the
		// next Hello goes to another node.
		_ = sub.Unsubscribe()
		s, err := n.open(nc, hello, wl, m)
		if err != nil {
			respondError(m, n.Name, err)
			return nil, err
		}
		return s, nil
	}
}

// decodeHello decodes a Hello message and makes its workload.
func (n *Node) decodeHello(data []byte) (*wire.Hello, workloads.Workload, error) {
	h, err := wire.ParseHeader(data, wire.MaxHandshakeFrame)
	if err != nil {
		return nil, nil, err
	}
	hs, err := wire.DecodeHandshake(h, data[wire.HeaderSize:])
	if err != nil {
		return nil, nil, err
	}
	if hs.Type != wire.TypeHello {
		return nil, nil, fmt.Errorf("%w: want a hello frame, got %s", wire.ErrMalformed, hs.Type)
	}
	if hs.Hello.Subject == "" {
		return nil, nil, fmt.Errorf("%w: hello names no task subject", wire.ErrMalformed)
	}
	if err := node.CheckTaskWork(hs.Hello.Workload, n.MaxTaskWork); err != nil {
		return nil, nil, err
	}
	wl, err := n.Registry.New(hs.Hello.Workload)
	if err != nil {
		return nil, nil, err
	}
	return hs.Hello, wl, nil
}

// natsSession is one session: the task and control subscriptions deliver
// into one channel that a single loop serves, so a session owns no
// goroutine.
type natsSession struct {
	node          *Node
	nc            *nats.Conn
	hello         *wire.Hello
	wl            workloads.Workload
	subject       string // the session's first task subject, which names it
	control       string
	in            chan *nats.Msg
	tasks, ctlSub *nats.Subscription // tasks under mu once the session runs
	pingSub       *nats.Subscription
	served        atomic.Uint64
	serving       atomic.Bool // from taking a batch until its answer is sent
	mu            sync.Mutex
	closed        bool // under mu
}

// open subscribes the session's subjects and sends the Welcome.
func (n *Node) open(nc *nats.Conn, hello *wire.Hello, wl workloads.Workload, m *nats.Msg) (*natsSession, error) {
	// Every frame in flight in the cluster could come to this node.
	depth := min(max(hello.InFlight+16, 256), 1<<20)
	s := &natsSession{node: n, nc: nc, hello: hello, wl: wl, subject: hello.Subject,
		control: hello.Subject + ".ctl." + randomToken(), in: make(chan *nats.Msg, depth)}
	var err error
	if s.tasks, err = nc.ChanQueueSubscribe(s.subject, s.subject, s.in); err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", s.subject, err)
	}
	if s.ctlSub, err = nc.ChanSubscribe(s.control, s.in); err != nil {
		_ = s.tasks.Unsubscribe()
		return nil, fmt.Errorf("subscribing to %s: %w", s.control, err)
	}
	// Liveness checks and moves are handled on nats.go's goroutine for
	// this subscription, so a node busy with a long queue of tasks still
	// answers at once, and a frozen one does not.
	ping := s.control + ".ping"
	if s.pingSub, err = nc.Subscribe(ping, s.outOfBand); err != nil {
		_ = s.tasks.Unsubscribe()
		_ = s.ctlSub.Unsubscribe()
		return nil, fmt.Errorf("subscribing to %s: %w", ping, err)
	}
	w := node.Welcome(n.Name, hello.Node, nil)
	w.Control, w.Ping = s.control, ping
	buf, err := wire.AppendJSON(nil, wire.TypeWelcome, w)
	if err == nil {
		err = m.Respond(buf)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("answering the hello: %w", err)
	}
	return s, nil
}

func (s *natsSession) close() {
	_ = s.pingSub.Unsubscribe()
	s.mu.Lock()
	s.closed = true
	_ = s.tasks.Unsubscribe()
	s.mu.Unlock()
	_ = s.ctlSub.Unsubscribe()
}

// outOfBand answers a liveness check (a stats request) with the node's
// stats, and a Move by moving the session's task subscription.
func (s *natsSession) outOfBand(m *nats.Msg) {
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	var buf []byte
	if err == nil {
		switch h.Type {
		case wire.TypeStatsRequest:
			buf, err = s.statsFrame()
		case wire.TypeMove:
			var mv wire.Move
			if mv, err = wire.DecodeMove(h, m.Data[wire.HeaderSize:]); err == nil {
				err = s.move(mv.Subject)
			}
			buf = wire.AppendControl(nil, wire.TypeMove, nil)
		default:
			err = fmt.Errorf("%w: unexpected %s frame on the ping subject", wire.ErrMalformed, h.Type)
		}
	}
	if err != nil {
		respondError(m, s.node.Name, err)
		return
	}
	if m.Reply != "" {
		_ = m.Respond(buf)
	}
}

// move joins the queue group of subject, which must be under the session's
// first task subject and its ".m" (see MoveSubject), and leaves the current one. Once
// it returns, the server has the new subscription, so a coordinator that
// has the answer may publish there. Batches already delivered are still
// served.
func (s *natsSession) move(subject string) error {
	if !strings.HasPrefix(subject, s.subject+".m") {
		return fmt.Errorf("%w: cannot move tasks to %q: want a subject under %s.m", wire.ErrMalformed, subject, s.subject)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("the session has ended")
	}
	if s.tasks.Subject == subject {
		return nil
	}
	sub, err := s.nc.ChanQueueSubscribe(subject, subject, s.in)
	if err == nil {
		err = s.nc.FlushTimeout(5 * time.Second)
	}
	if err != nil {
		if sub != nil {
			_ = sub.Unsubscribe()
		}
		return fmt.Errorf("moving to %s: %w", subject, err)
	}
	_ = s.tasks.Unsubscribe()
	s.tasks = sub
	s.node.logf("session %s: moved its tasks to %s", safetext.Quote(s.subject, safetext.DefaultMax), safetext.Quote(subject, safetext.DefaultMax))
	return nil
}

// statsFrame encodes the node's stats for this session.
func (s *natsSession) statsFrame() ([]byte, error) {
	st := node.SelfStats()
	st.Tasks = s.served.Load()
	st.Queued, st.Serving = len(s.in), s.serving.Load()
	return wire.AppendJSON(nil, wire.TypeStats, st)
}

// run serves the session until Bye, ctx, or IdleTimeout of silence.
func (s *natsSession) run(ctx context.Context) error {
	defer s.close()
	defer workloads.Release(s.wl)
	idle := s.node.IdleTimeout
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	tick := time.NewTicker(min(idle/4, 5*time.Second))
	defer tick.Stop()
	var (
		in   workloads.Batch
		out  workloads.Result
		buf  []byte
		last = time.Now()
	)
	for {
		var m *nats.Msg
		select {
		case m = <-s.in:
		case now := <-tick.C:
			if now.Sub(last) >= idle {
				return fmt.Errorf("nothing from the coordinator for %v: giving the session up", idle.Round(time.Second))
			}
			continue
		case <-ctx.Done():
			return nil
		}
		last = time.Now()
		if m.Subject == s.control {
			done, err := s.controlMsg(m)
			if done || err != nil {
				return err
			}
			continue
		}
		s.serving.Store(true)
		err := s.serveTasks(ctx, m, &in, &out, &buf)
		s.serving.Store(false)
		if err != nil {
			return err
		}
	}
}

// serveTasks answers one task message, reusing in, out and buf; it
// abandons the batch when ctx is done and the workload can.
func (s *natsSession) serveTasks(ctx context.Context, m *nats.Msg, in *workloads.Batch, out *workloads.Result, buf *[]byte) error {
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err == nil {
		err = wire.DecodeTasks(h, m.Data[min(len(m.Data), wire.HeaderSize):], in)
	}
	if err != nil {
		s.node.logf("session %s: bad task message: %v", safetext.Quote(s.subject, safetext.DefaultMax), err)
		respondError(m, s.node.Name, err)
		return nil
	}
	start := time.Now()
	if cs, ok := s.wl.(workloads.ContextServer); ok {
		if err := cs.ServeContext(ctx, in, out); err != nil {
			return fmt.Errorf("serving a batch of %d tasks: %w", len(in.IDs), err)
		}
	} else {
		s.wl.Serve(in, out)
	}
	out.Service = time.Since(start)
	s.served.Add(uint64(len(in.IDs)))
	*buf = wire.AppendResults((*buf)[:0], out)
	if err := m.Respond(*buf); err != nil {
		return fmt.Errorf("answering tasks: %w", err)
	}
	return nil
}

// controlMsg answers a stats request or a Bye; done is true after Bye.
func (s *natsSession) controlMsg(m *nats.Msg) (done bool, err error) {
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	if err != nil {
		respondError(m, s.node.Name, err)
		return false, nil
	}
	switch h.Type {
	case wire.TypeStatsRequest:
		buf, err := s.statsFrame()
		if err != nil {
			return false, err
		}
		return false, m.Respond(buf)
	case wire.TypeBye:
		_ = m.Respond(wire.AppendControl(nil, wire.TypeBye, nil))
		return true, nil
	}
	respondError(m, s.node.Name, fmt.Errorf("%w: unexpected %s frame on the control subject", wire.ErrMalformed, h.Type))
	return false, nil
}

// respondError answers m, if it wants an answer, with an Error frame that
// names the node.
func respondError(m *nats.Msg, name string, err error) {
	if m.Reply == "" {
		return
	}
	if name == "" {
		host, _ := os.Hostname()
		name = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	_ = m.Respond(wire.AppendControl(nil, wire.TypeError, []byte(fmt.Sprintf("node %s: %v", name, err))))
}

func (n *Node) logf(format string, args ...any) {
	if n.Log != nil {
		n.Log.Print(node.CapLogLine(fmt.Sprintf(format, args...)))
	}
}

// randomToken returns 12 random hex digits for unique subjects.
func randomToken() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ServeOne is the nats node mode (node.ModeNATS): it connects to the
// server at node.EnvNATSURL, prints node.ReadyLine and serves one session
// on node.EnvNATSSubject, until stdin closes.
func ServeOne(ctx context.Context, p topologies.NodeProcess) error {
	return serveOne(node.UntilStdinCloses(ctx, p.Stdin), p)
}

// serveOne connects to the coordinator's NATS server, announces
// node.ReadyLine and serves one session.
func serveOne(ctx context.Context, p topologies.NodeProcess) error {
	reg, name := p.Workloads, p.Name
	a := natsconn.Auth{}.FromEnv(p.Getenv)
	// A server restart loses the messages in flight: the coordinator's
	// links send theirs again (under redispatch) once both ends are back.
	nc, err := natsconn.Connect(p.Getenv(node.EnvNATSURL), "snbench node "+name, a, 10*time.Second,
		natsconn.Reconnect(30*time.Second)...)
	if err != nil {
		return err
	}
	defer nc.Close()
	n := &Node{Registry: reg, Name: name, Subject: p.Getenv(node.EnvNATSSubject), Sessions: 1, MaxTaskWork: -1}
	var announce error
	n.Ready = func() {
		if _, err := fmt.Fprintln(p.Stdout, node.ReadyLine); err != nil && announce == nil {
			announce = fmt.Errorf("announcing readiness: %w", err)
		}
	}
	if err := n.Serve(ctx, nc); err != nil {
		return err
	}
	return announce
}
