package nats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// DispatchBy is what decides which node serves a batch in this topology.
const DispatchBy = "nats queue group"

// Topology starts NATS clusters. It is stateless and safe for concurrent
// use.
type Topology struct{}

var (
	_ topologies.Topology   = Topology{}
	_ topologies.Dispatcher = Topology{}
)

// New returns the nats topology.
func New() Topology { return Topology{} }

// Name returns "nats".
func (Topology) Name() string { return "nats" }

// DispatchBy returns DispatchBy: the queue group picks the node.
func (Topology) DispatchBy() string { return DispatchBy }

// Start connects cfg.Workers links to nodes that each took a session:
// node processes it starts itself (on an embedded server, or on the
// server of --nats-url), or, with --nats-remote, nodes that already run
// there (see Options).
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	if err := (Topology{}).CheckOptions(cfg.Options, cfg.Workers); err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	c := &cluster{timeout: cfg.StartTimeout, url: strings.TrimSpace(cfg.Options.Get(OptURL)), prefix: remoteSubject(cfg.Options), auth: authOf(cfg.Secrets),
		died: newNodeDeaths(), closing: make(chan struct{}), resend: cfg.Resend, log: cfg.Log, sessions: map[int]*resendLink{},
		taskTimeout: cfg.TaskTimeout, killedWhy: map[int]string{}, warned: map[string]bool{}, started: time.Now()}
	c.running = c.prefix != ""
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if c.taskTimeout <= 0 {
		c.taskTimeout = 5 * time.Second
	}
	c.stall = stallPeriod(c.taskTimeout)
	if err := c.start(ctx, cfg); err != nil {
		_ = c.close(true)
		return nil, fmt.Errorf("nats: %w", err)
	}
	return c, nil
}

// cluster is a started NATS cluster: the embedded server if any, the node
// processes if any, and the links.
type cluster struct {
	timeout time.Duration
	url     string
	prefix  string // where nodes wait for hellos
	running bool   // the nodes already ran on prefix: the cluster starts none
	subject string // the cluster's task subject
	auth    natsconn.Auth

	server   *natsserver.Server
	children []*link.Child
	stdins   []*os.File    // closing one ends its child
	links    []*Link       // the plain links, in node order
	rlinks   []*resendLink // resend mode: the same links, wrapped (resend.go); else nil

	died     *nodeDeaths   // node processes that exited before Close
	closing  chan struct{} // closed when Close starts: exits are expected
	watchers sync.WaitGroup

	resend   bool      // topologies.Config.Resend
	log      io.Writer // topologies.Config.Log
	mu       sync.Mutex
	sessions map[int]*resendLink // resend mode: by the pid of the node process that took its session

	// Resend mode: stalls, probes and moves (see probe.go).
	tasks       atomic.Pointer[string] // the task subject now
	moves       int                    // under moveMu: how many times the nodes moved
	moveMu      sync.Mutex
	taskTimeout time.Duration
	stall       time.Duration // stallPeriod(taskTimeout)
	lost        atomic.Int64  // the links' connections lost
	regained    atomic.Int64  // the links' connections regained
	lastProbe   atomic.Int64  // Unix ns of the last probe
	probing     atomic.Bool   // a probe is running
	probes      sync.WaitGroup
	isClosing   bool            // under mu: no more probes
	killedWhy   map[int]string  // under mu: node processes killed as frozen, by pid
	warned      map[string]bool // under mu: nodes reported as gone from their ping subject
	started     time.Time
	incidents   []string // under mu: since the last Incidents call
	reported    counts   // under mu: what the last Incidents call reported
}

// counts are a cluster's fault-handling counters.
type counts struct{ lost, regained, resent, dups int64 }

// maxIncidents bounds the incident lines kept between Incidents calls.
const maxIncidents = 32

// incident logs a line about a fault the cluster handled and keeps it for
// Incidents, with the time since the cluster started.
func (c *cluster) incident(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	c.logf("nats: %s", line)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.incidents) < maxIncidents {
		c.incidents = append(c.incidents, fmt.Sprintf("%v: %s", time.Since(c.started).Round(time.Millisecond), line))
	}
}

// Incidents returns what the cluster did about faults since the last
// call: its incident lines, and a line counting the connections lost and
// regained, the batches its links sent again and the duplicate replies
// they dropped.
func (c *cluster) Incidents() []string {
	now := counts{lost: c.lost.Load(), regained: c.regained.Load()}
	for _, l := range c.rlinks {
		now.resent += l.Resent()
		now.dups += l.Duplicates()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.incidents
	c.incidents = nil
	d := counts{now.lost - c.reported.lost, now.regained - c.reported.regained, now.resent - c.reported.resent, now.dups - c.reported.dups}
	c.reported = now
	if d != (counts{}) {
		out = append(out, d.String())
	}
	return out
}

// String describes the counts in one line.
func (d counts) String() string {
	var b strings.Builder
	if d.lost+d.regained > 0 {
		fmt.Fprintf(&b, "the links lost their server %d times and were back %d times; ", d.lost, d.regained)
	}
	fmt.Fprintf(&b, "the links sent %d batches again and dropped %d duplicate replies", d.resent, d.dups)
	return b.String()
}

// deaths records the first node process that exited while the cluster
// still needed it; ch is closed then, after err is set.
type deaths struct {
	once sync.Once
	ch   chan struct{}
	err  error
}

// watch reports ch's exit in c.died unless the cluster is closing by then.
// In resend mode, while other node processes live, it first waits until
// the server has dropped the dead one's subscriptions, so that the batches
// the links send again go to the survivors.
func (c *cluster) watch(ch *link.Child) {
	c.watchers.Go(func() {
		if !exitedWhileOpen(ch, c.closing) {
			return
		}
		left := c.died.exited()
		exit := fmt.Sprintf("node process %s (pid %d) %s", ch.Name, ch.PID(), ch.ExitWithin(time.Second))
		if why := c.killReason(ch.PID()); why != "" {
			exit += " (" + why + ")"
		}
		if c.resend && left > 0 {
			c.mu.Lock()
			l := c.sessions[ch.PID()]
			c.mu.Unlock()
			if l != nil {
				g := exit + " (the link's batches go to the other node processes)"
				l.gone.Store(&g)
				c.awaitGone(l, min(c.timeout, 2*time.Second))
			}
			c.incident("%s; %d node processes left: every link sends its outstanding batches again", exit, left)
		}
		c.died.record(fmt.Errorf("%s: its batches in flight are lost", exit))
	})
}

// exitedWhileOpen waits until ch exits or closing is closed, and reports
// whether ch exited while its owner (a cluster, an echo set) still needed
// it, rather than because the owner was closing.
func exitedWhileOpen(ch *link.Child, closing <-chan struct{}) bool {
	select {
	case <-ch.Done():
	case <-closing:
		return false
	}
	select {
	case <-closing:
		return false
	default:
		return true
	}
}

func (c *cluster) logf(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, format+"\n", args...)
	}
}

// Links returns the links in node order: in resend mode, each wrapped in
// its resendLink.
func (c *cluster) Links() []topologies.Link {
	ls := make([]topologies.Link, len(c.links))
	for i, l := range c.links {
		ls[i] = l
		if c.resend {
			ls[i] = c.rlinks[i]
		}
	}
	return ls
}

// Close ends every session (Bye, in parallel), closes the connections,
// stops and reaps the node processes it started, and shuts the embedded
// server down. Calling it again does nothing.
func (c *cluster) Close() error { return c.close(false) }

// close is Close; with kill, as a cluster that failed to start does, it
// kills the node processes at once rather than give them time to exit.
func (c *cluster) close(kill bool) error {
	c.mu.Lock()
	if !c.isClosing {
		c.isClosing = true
		close(c.closing)
	}
	c.mu.Unlock()
	c.probes.Wait()
	var wg sync.WaitGroup
	all := counts{lost: c.lost.Load(), regained: c.regained.Load()}
	for i, l := range c.links {
		if c.resend {
			rl := c.rlinks[i]
			all.resent, all.dups = all.resent+rl.Resent(), all.dups+rl.Duplicates()
			wg.Go(rl.close)
			continue
		}
		wg.Go(l.close)
	}
	wg.Wait()
	if c.resend && all != (counts{}) {
		c.logf("nats: in all, %s", all)
	}
	for _, f := range c.stdins {
		f.Close()
	}
	var errs []error
	for _, ch := range c.children {
		if kill {
			wg.Go(ch.Kill)
		} else if err := ch.Stop(2 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	wg.Wait()
	c.watchers.Wait()
	if c.server != nil {
		c.server.Close()
	}
	c.links, c.rlinks, c.stdins, c.children, c.server = nil, nil, nil, nil, nil
	return errors.Join(errs...)
}

// randomID returns 12 random hex digits, unique per cluster.
func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
