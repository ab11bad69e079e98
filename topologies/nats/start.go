package nats

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/wire"
)

// start brings the cluster up: the embedded server (unless there is a
// server to use), the links' connections and the node processes at once
// (the processes take longest), then every link's session. A node the
// cluster started has a hello subject of its own, so that the links'
// hellos go out at once, each as soon as its node waits for it; nodes that
// already ran share one queue group, so their hellos go one at a time
// (one that reached a node just taken would wait out its attempt).
func (c *cluster) start(ctx context.Context, cfg topologies.Config) error {
	if c.url == "" {
		tok := string(auth.NewToken())
		srv, err := natsserver.Start("127.0.0.1:0", tok, c.timeout)
		if err != nil {
			return err
		}
		c.server, c.url, c.auth = srv, srv.URL(), natsconn.Auth{Token: tok}
	}
	if err := c.auth.Validate(); err != nil {
		return err
	}
	id := randomID()
	c.subject = c.prefix + ".session." + id + ".tasks"
	if c.prefix == "" {
		c.prefix = "snbench.local." + id
		c.subject = c.prefix + ".tasks"
	}
	c.tasks.Store(&c.subject)
	var dials sync.WaitGroup
	var dialErr error
	dials.Go(func() { dialErr = c.dialAll(ctx, cfg) })
	var outs []*os.File // the node processes' stdout, where each says it is ready
	defer func() {
		for _, f := range outs {
			f.Close()
		}
	}()
	var err error
	if !c.running {
		outs, err = c.startNodes(cfg)
	}
	dials.Wait()
	// A server that refuses the coordinator's credentials is reported as
	// such, not as nodes that failed to start.
	if dialErr != nil {
		return dialErr
	}
	if err != nil {
		return err
	}
	if c.running {
		return c.openRunning(cfg)
	}
	return c.openStarted(ctx, cfg, outs)
}

// dialAll connects cfg.Workers links at once. It keeps the links that
// connected, in node order, and returns the error of the lowest-numbered
// one that did not.
func (c *cluster) dialAll(ctx context.Context, cfg topologies.Config) error {
	links := make([]*Link, cfg.Workers)
	rlinks := make([]*resendLink, cfg.Workers)
	errs := make([]error, cfg.Workers)
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		name := fmt.Sprintf("nats-%d", i+1)
		wg.Go(func() {
			if !c.resend {
				links[i], errs[i] = dialPlain(ctx, c, name, cfg.Window)
				return
			}
			l, err := dialResend(ctx, c, name, cfg.Window)
			if err == nil {
				links[i], rlinks[i] = l.Link, l
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, l := range links {
		if l != nil {
			c.links = append(c.links, l)
			if c.resend {
				c.rlinks = append(c.rlinks, rlinks[i])
			}
		}
	}
	return firstError(errs)
}

// firstError returns the first non-nil error of errs, or nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// nodePrefix is the subject prefix under which the node process of link i
// waits for its hello.
func (c *cluster) nodePrefix(i int) string { return fmt.Sprintf("%s.node%d", c.prefix, i+1) }

// hello is link l's Hello.
func (c *cluster) hello(l *Link, cfg topologies.Config) wire.Hello {
	h := wire.Hello{Node: l.info.Name, Workload: cfg.Workload, Subject: c.subject, InFlight: cfg.Workers * (cfg.Window + 1)}
	if c.resend {
		h.InFlight *= 2 // after a death, every outstanding batch is published again
	}
	return h
}

// startNodes starts cfg.Workers node processes, node i waiting for its
// hello under nodePrefix(i), and returns their stdouts, where each says
// when it waits. The processes are the cluster's to stop from the moment
// each starts.
func (c *cluster) startNodes(cfg topologies.Config) ([]*os.File, error) {
	outs := make([]*os.File, 0, cfg.Workers)
	for i := range cfg.Workers {
		name := fmt.Sprintf("nats-node-%d", i+1)
		env := append(topologies.NodeEnv(node.ModeNATS, name), node.EnvNATSURL+"="+c.url, node.EnvNATSSubject+"="+c.nodePrefix(i))
		ch, inW, outR, err := link.StartPiped(name, append(env, c.auth.Env()...), c.log)
		if err != nil {
			return outs, err
		}
		c.children, c.stdins, outs = append(c.children, ch), append(c.stdins, inW), append(outs, outR)
		c.died.started()
		c.watch(ch)
	}
	return outs, nil
}

// openStarted opens the sessions of the nodes this cluster started, all at
// once: link i waits until node i waits for hellos, says hello and asks
// for its stats, which confirms that the node's task subscription has
// reached the server the links publish to (the node subscribed to both in
// order). The first link to fail ends the others' attempts, and its error
// is returned.
func (c *cluster) openStarted(ctx context.Context, cfg topologies.Config, outs []*os.File) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readyBy := time.Now().Add(c.timeout)
	helloBy := readyBy.Add(time.Duration(cfg.Workers) * time.Second)
	return link.FirstFailure(len(c.links), cancel, func(i int) error {
		l := c.links[i]
		if err := c.awaitNode(ctx, c.children[i], outs[i], readyBy); err != nil {
			return err
		}
		if err := l.hello(ctx, natsnode.HelloSubject(c.nodePrefix(i)), c.hello(l, cfg), helloBy); err != nil {
			return err
		}
		l.info.Local = true // a process on this machine
		c.session(l.info.PID, i)
		_, _, err := l.Stats()
		return err
	})
}

// openRunning opens the sessions of nodes that already ran on the
// cluster's prefix: one hello at a time to their queue group, then every
// link's stats at once (see openStarted).
func (c *cluster) openRunning(cfg topologies.Config) error {
	deadline := time.Now().Add(c.timeout + time.Duration(cfg.Workers)*time.Second)
	for i, l := range c.links {
		if err := l.hello(l.ctx, natsnode.HelloSubject(c.prefix), c.hello(l, cfg), deadline); err != nil {
			return fmt.Errorf("%w (%d of %d nodes found: start more with 'snbench node --nats-url %s --nats-subject %s')",
				err, i, cfg.Workers, c.url, c.prefix)
		}
		c.session(l.info.PID, i)
	}
	errs := make([]error, len(c.links))
	var wg sync.WaitGroup
	for i, l := range c.links {
		wg.Go(func() { _, _, errs[i] = l.Stats() })
	}
	wg.Wait()
	return firstError(errs)
}

// session records, in resend mode, that the node process pid took link
// i's session.
func (c *cluster) session(pid, i int) {
	if !c.resend {
		return
	}
	c.mu.Lock()
	c.sessions[pid] = c.rlinks[i]
	c.mu.Unlock()
}

// awaitReady reads a node's ReadyLine by deadline.
func awaitReady(f *os.File, deadline time.Time) error {
	return awaitReadyContext(context.Background(), f, deadline)
}

// awaitReadyContext is awaitReady that also gives up when ctx is done.
func awaitReadyContext(ctx context.Context, f *os.File, deadline time.Time) error {
	if _, err := link.ReadAnnouncementContext(ctx, f, deadline, node.ReadyLine); err != nil {
		return fmt.Errorf("waiting for the node to connect to NATS: %w", err)
	}
	return nil
}

// awaitNode waits until node process ch, whose stdout is f, waits for its
// hello (awaitReadyContext).
func (c *cluster) awaitNode(ctx context.Context, ch *link.Child, f *os.File, deadline time.Time) error {
	err := awaitReadyContext(ctx, f, deadline)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("node %s (pid %d): %w", ch.Name, ch.PID(), err)
	if ctx.Err() != nil {
		return err // given up: another node failed first
	}
	if st := ch.ExitWithin(500 * time.Millisecond); st != "" {
		return ch.NotANode(fmt.Errorf("%w (process %s)", err, st))
	}
	return err
}

// connect opens a NATS connection to the cluster's server.
func (c *cluster) connect(name string, opts ...nats.Option) (*nats.Conn, error) {
	return natsconn.Connect(c.url, name, c.auth, c.timeout, opts...)
}
