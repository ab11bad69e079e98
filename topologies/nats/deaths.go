package nats

import (
	"sync"
	"sync/atomic"
)

// nodeDeaths tracks the cluster's node processes that exited while the
// cluster still needed them. Each death replaces the current event and
// closes the old one's done channel, so that every waiting Recv wakes: a
// plain Link's to fail, a resendLink's to send its outstanding batches
// again (resend.go).
type nodeDeaths struct {
	mu   sync.Mutex
	live int // node processes started and not dead
	cur  atomic.Pointer[deathEvent]
}

// deathEvent is what the cluster knows of its node processes' deaths.
type deathEvent struct {
	done chan struct{} // closed when a later death replaces this event
	n    int           // deaths (and moves and losses) so far
	live int           // node processes still running after them
	last error         // the latest death, nil while n == 0
	// lost marks an event that is no death: the probe found replies lost
	// (a standalone node vanished, or every node idle while requests
	// waited), and the links send again what has waited a stall period.
	lost bool
}

func newNodeDeaths() *nodeDeaths {
	d := &nodeDeaths{}
	d.cur.Store(&deathEvent{done: make(chan struct{})})
	return d
}

// event returns the current state; its done channel closes at the next
// death.
func (d *nodeDeaths) event() *deathEvent { return d.cur.Load() }

// started counts a node process that started.
func (d *nodeDeaths) started() {
	d.mu.Lock()
	d.live++
	d.mu.Unlock()
}

// exited counts a node process that exited and returns how many remain.
func (d *nodeDeaths) exited() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.live--
	return d.live
}

// record publishes a death described by err.
func (d *nodeDeaths) record(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.publish(&deathEvent{live: d.live, last: err})
}

// moved publishes that the cluster moved its live nodes, leaving out the
// frozen ones that err describes: the links send their outstanding
// batches again, to the live nodes' new subject.
func (d *nodeDeaths) moved(err error, live int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.publish(&deathEvent{live: live, last: err})
}

// lost publishes that replies were lost, as err describes, without a
// death: the links send again what has waited a stall period.
func (d *nodeDeaths) lost(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.publish(&deathEvent{live: d.live, last: err, lost: true})
}

// publish makes ev, numbered, the current event; d.mu is held.
func (d *nodeDeaths) publish(ev *deathEvent) {
	old := d.cur.Load()
	ev.done, ev.n = make(chan struct{}), old.n+1
	d.cur.Store(ev)
	close(old.done)
}
