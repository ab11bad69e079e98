package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/wire"
)

// Probing, in resend mode. A node process that is frozen (stopped, or
// wedged so hard that even nats.go's goroutines don't run) keeps its
// subscriptions on the server, so the queue group goes on handing it
// batches that nobody answers. When a link's requests stall, the cluster
// pings every node on its liveness subject, which the node answers out of
// band, however long its queue of tasks, saying whether it has batches
// queued or in service. A node that answers no ping within
// a stall period, while the pinging link's connection stayed up, is frozen.
// If it is a process the cluster started, the cluster kills it, and its
// death moves its batches to the others (see resend.go). A node someone
// else started cannot be stopped: the cluster moves the other nodes to a
// new task subject instead (wire.Move), so the queue group that still
// holds the frozen node gets no more batches, and the links send their
// outstanding batches again, to the new subject.

// probe pings every node in the background: one probe at a time, and at
// most one starting per stall period.
func (c *cluster) probe() {
	now := time.Now().UnixNano()
	last := c.lastProbe.Load()
	if now-last < int64(c.stall) || !c.lastProbe.CompareAndSwap(last, now) {
		return
	}
	if !c.probing.CompareAndSwap(false, true) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosing {
		c.probing.Store(false)
		return
	}
	c.probes.Go(func() {
		defer c.probing.Store(false)
		c.probeNodes()
	})
}

// probeNodes pings every node that has a ping subject and acts on what
// it finds: frozen nodes are killed or moved away from; a standalone node
// that vanished, or every node idle while a link waited, means replies
// were lost, and the links send again what has waited a stall period.
// Busy nodes explain the wait: then nothing is sent twice.
func (c *cluster) probeNodes() {
	gen := c.connectionChanges()
	verdicts := make([]verdict, len(c.rlinks))
	var wg sync.WaitGroup
	for i, l := range c.rlinks {
		if l.ping == "" || l.gone.Load() != nil || !l.nc.IsConnected() {
			continue
		}
		wg.Go(func() { verdicts[i] = l.ask(c.stall) })
	}
	wg.Wait()
	if c.connectionChanges() != gen {
		return // a connection dropped meanwhile: the silence may be its
	}
	var frozen, vanished []*resendLink
	answered, allIdle := 0, true
	for i, v := range verdicts {
		l := c.rlinks[i]
		switch v {
		case silent:
			frozen = append(frozen, l)
		case absent:
			if len(c.children) > 0 {
				continue // the cluster's own node processes: their deaths have their own path
			}
			c.mu.Lock()
			seen := c.warned[l.info.Name]
			c.warned[l.info.Name] = true
			c.mu.Unlock()
			if !seen {
				vanished = append(vanished, l)
			}
		case idle:
			answered++
		case busy:
			answered++
			allIdle = false
		case unknown:
			allIdle = false
		}
	}
	switch {
	case len(frozen) > 0:
		c.frozen(frozen)
	case len(vanished) > 0:
		why := fmt.Sprintf("node %s is not subscribed to its ping subject any more (its process exited or lost the server)", names(vanished))
		c.incident("%s: the links send again the batches that have waited %v", why, c.stall)
		c.died.lost(errors.New(why))
	case answered > 0 && allIdle:
		why := fmt.Sprintf("every node was idle while a link's batches had waited %v for replies: the replies were lost", c.stall)
		c.incident("%s; the links send those batches again", why)
		c.died.lost(errors.New(why))
	}
}

// names lists the links' nodes.
func names(ls []*resendLink) string {
	var ns []string
	for _, l := range ls {
		ns = append(ns, l.info.String())
	}
	return strings.Join(ns, ", ")
}

// verdict is what a ping found out about a node.
type verdict int

const (
	unknown verdict = iota // the ping proved nothing (the connection went down, the run ended, an odd answer)
	idle                   // it answered, with no batch queued or in service
	busy                   // it answered, with batches queued or in service
	silent                 // it answered nothing in time, while the link's connection stayed up
	absent                 // nothing is subscribed to its ping subject: dead, or reconnecting
)

// ask pings the link's node, waiting up to d.
func (l *resendLink) ask(d time.Duration) verdict {
	ctx, cancel := context.WithTimeout(l.ctx, d)
	defer cancel()
	m, err := l.nc.RequestWithContext(ctx, l.ping, wire.AppendControl(nil, wire.TypeStatsRequest, nil))
	switch {
	case l.ctx.Err() != nil || !l.nc.IsConnected():
		return unknown
	case errors.Is(err, context.DeadlineExceeded):
		return silent
	case errors.Is(err, nats.ErrNoResponders):
		return absent
	case err != nil:
		return unknown
	}
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	var st wire.Stats
	if err == nil {
		err = wire.DecodeJSON(h, m.Data[wire.HeaderSize:], wire.TypeStats, &st)
	}
	switch {
	case err != nil:
		return unknown
	case st.Serving || st.Queued > 0:
		return busy
	}
	return idle
}

// frozen handles the nodes that answered no ping: it kills the processes
// of those the cluster started, and moves the other nodes away from the
// rest.
func (c *cluster) frozen(silent []*resendLink) {
	var others []*resendLink
	for _, l := range silent {
		if !c.kill(l) {
			others = append(others, l)
		}
	}
	if len(others) > 0 {
		c.moveAway(others)
	}
}

// kill kills the node process of l if the cluster started it, and reports
// whether it did.
func (c *cluster) kill(l *resendLink) bool {
	why := fmt.Sprintf("snbench killed it: it answered no ping for %v while a link's batches waited", c.stall)
	c.mu.Lock()
	var ch *link.Child
	for _, x := range c.children {
		if x.PID() == l.info.PID {
			ch = x
		}
	}
	if ch != nil {
		c.killedWhy[ch.PID()] = why
	}
	c.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch.Done():
		return true
	default:
	}
	c.incident("node %s answered no ping for %v: killing its process, so that its batches go to the others", l.info, c.stall)
	ch.Kill()
	return true
}

// moveAway moves every node that still answers to a new task subject,
// leaving the silent ones behind in the old queue group, which nobody
// publishes to any more; then every link sends its outstanding batches
// again, to the new subject. The silent nodes' links work on through the
// others; their stats requests fail, so the coordinator records them as
// failed.
func (c *cluster) moveAway(silent []*resendLink) {
	c.moveMu.Lock()
	defer c.moveMu.Unlock()
	c.moves++
	subject := natsnode.MoveSubject(c.subject, c.moves)
	frame, err := wire.AppendJSON(nil, wire.TypeMove, wire.Move{Subject: subject})
	if err != nil {
		c.incident("cannot move the nodes: %v", err)
		return
	}
	moved := make([]bool, len(c.rlinks))
	var wg sync.WaitGroup
	for i, l := range c.rlinks {
		if slices.Contains(silent, l) || l.ping == "" || l.gone.Load() != nil {
			continue
		}
		wg.Go(func() { moved[i] = l.askMove(frame, max(c.stall, time.Second)) })
	}
	wg.Wait()
	n := 0
	for _, m := range moved {
		if m {
			n++
		}
	}
	if n == 0 {
		c.incident("node %s answered no ping for %v, and no other node moved to %s: its batches stay unanswered",
			names(silent), c.stall, subject)
		return
	}
	c.tasks.Store(&subject)
	why := fmt.Sprintf("node %s answered no ping for %v; %d other nodes moved to task subject %s and serve the links' batches",
		names(silent), c.stall, n, subject)
	for _, l := range silent {
		g := why
		l.gone.Store(&g)
	}
	c.incident("%s: every link sends its outstanding batches again", why)
	c.died.moved(errors.New(why), n)
}

// askMove asks l's node to move its tasks; it reports whether the node
// answered that it did within d.
func (l *resendLink) askMove(frame []byte, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(l.ctx, d)
	defer cancel()
	m, err := l.nc.RequestWithContext(ctx, l.ping, frame)
	if err != nil {
		return false
	}
	h, err := wire.ParseHeader(m.Data, wire.DefaultMaxFrame)
	return err == nil && h.Type == wire.TypeMove
}

// killReason returns why the cluster killed the node process pid, or "".
func (c *cluster) killReason(pid int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.killedWhy[pid]
}

// connectionChanges counts the links' connections lost and regained so
// far.
func (c *cluster) connectionChanges() int64 { return c.lost.Load() + c.regained.Load() }
