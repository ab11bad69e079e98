package topologies

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/snbench/snbench/workloads"
)

// Topology is one way of connecting workers. Implementations are safe for
// concurrent use: Start may be called for several clusters at once.
type Topology interface {
	// Name is the registry name, e.g. "tcp".
	Name() string
	// Start starts (or connects to) cfg.Workers nodes serving cfg.Workload
	// and returns when every node has completed its handshake. ctx bounds
	// the start and the cluster's life: when it is done, blocked Send and
	// Recv calls return.
	Start(ctx context.Context, cfg Config) (Cluster, error)
}

// Config says what cluster to start.
type Config struct {
	// Workers is the number of nodes.
	Workers int
	// Workload is what every node serves.
	Workload workloads.Spec
	// Window is the most batches the coordinator keeps in flight per node;
	// transports size their queues from it.
	Window int
	// Batch is the most tasks per batch.
	Batch int
	// Options are the values of the topology's own options (see
	// Configurable), as the plan gives them; nil when none is given. Other
	// topologies' options never reach it.
	Options Options
	// Row is the label of the row the cluster is for, one of the labels
	// the topology's Rows gave for Options (see Rower), or "" for the
	// topology's one row.
	Row string
	// Token, when set, is the shared secret that nodes which already run
	// (a topology's options name them) must prove, and that the
	// coordinator proves to them, in an HMAC challenge-response (see
	// internal/auth); it never crosses the wire. Nodes a topology starts
	// itself get fresh tokens of their own. Credentials travel apart from
	// Options: they are never in a plan or results.
	Token []byte
	// Secrets are the values of the topology's own credentials (see
	// CredentialOwner), from files and the environment; nil when none is
	// given. Other topologies' credentials never reach it.
	Secrets Secrets
	// Resend asks a topology whose links are not tied to one node process
	// (nats: a queue group picks the node for each batch) to keep its links
	// working when one of its node processes dies while others live: each
	// link sends the batches it still has outstanding again, to the
	// survivors, and drops any second answer to a batch. The coordinator
	// sets it under on_node_failure: redispatch. Other topologies ignore it.
	Resend bool
	// TaskTimeout is how long the coordinator waits for any answer from a
	// node with work in flight before it treats the node as failed (zero:
	// 5 s). A topology that recovers from faults by itself (Resend) acts
	// well within it.
	TaskTimeout time.Duration
	// StartTimeout bounds starting one node and its handshake.
	StartTimeout time.Duration
	// Log receives node stderr and diagnostics; nil discards them. Of a
	// node process's stderr it gets only the first lines, escaped; if Log
	// also implements NodeLogs, the whole of it (bounded) is kept there.
	Log io.Writer
}

// NodeLogs keeps the stderr of node processes that have exited, for
// whoever reads up on a failure later. Implementations are safe for
// concurrent use.
type NodeLogs interface {
	// KeepNodeLog stores log, the bounded stderr of node name's process,
	// and returns the path of the file it went to.
	KeepNodeLog(name string, log []byte) (path string, err error)
}

// Incidents is implemented by clusters that recover from faults by
// themselves (Config.Resend), so that what they did shows in the results.
type Incidents interface {
	// Incidents returns, one line each, what the cluster did about faults
	// since the last call (a connection lost and regained, a frozen node
	// killed, batches sent again), and forgets them.
	Incidents() []string
}

// Dispatcher is implemented by topologies whose transport, not snbench's
// dispatch policy, decides which node serves each batch. The policy then
// only splits the batches among the coordinator's links.
type Dispatcher interface {
	// DispatchBy names what decides, e.g. "nats queue group".
	DispatchBy() string
}

// StartBound is how long starting one node and its handshake may take:
// StartTimeout, or 10 s when it is not set.
func (c Config) StartBound() time.Duration {
	if c.StartTimeout > 0 {
		return c.StartTimeout
	}
	return 10 * time.Second
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("workers must be at least 1, got %d", c.Workers)
	case c.Window < 1:
		return fmt.Errorf("window must be at least 1, got %d", c.Window)
	case c.Batch < 1:
		return fmt.Errorf("batch must be at least 1, got %d", c.Batch)
	}
	return c.Workload.Validate()
}

// EndTag is the tag bit of the end-of-stream marker: after a link's last
// batch the coordinator sends a batch with no tasks and tag EndTag | n (n:
// how many batches it sent), and the node answers it, last, with a result
// with no tasks and the same tag. A link passes it like any batch.
const EndTag = uint64(1) << 63

// Cluster is a started set of nodes. Close stops every node it started,
// reaps every process, and is safe to call more than once.
type Cluster interface {
	// Links returns one link per node, in node order.
	Links() []Link
	// Close ends every session and stops the nodes the cluster started.
	Close() error
}

// Link is the coordinator's end of one node. One goroutine may call Send
// while another calls Recv; Stats must not overlap either. Batches and
// results are copied or encoded: the node never sees the caller's memory,
// and the caller may reuse b as soon as Send returns.
type Link interface {
	// Info describes the node.
	Info() NodeInfo
	// Send hands a batch to the node.
	Send(b *workloads.Batch) error
	// Recv waits for the next result and decodes it into r, reusing r's
	// slices.
	Recv(r *workloads.Result) error
	// Stats asks the node for its resource use. ok is false where the node
	// is not a process of its own (its CPU is the coordinator's).
	Stats() (s NodeStats, ok bool, err error)
}

// Resender is implemented by links that may send a batch again by
// themselves before its answer comes (nats under Config.Resend, after a
// node process died, the server restarted or the batch stalled). The
// coordinator counts such an answer's latency as failover cost.
type Resender interface {
	// LastResent says whether the result the last Recv returned answers a
	// batch the link had sent again.
	LastResent() bool
}

// Queued is implemented by links whose Send never blocks while at most
// Config.Window batches and the end marker are unanswered, because it hands
// the batch to a queue with room for them all (the goroutine topology's
// channels). The coordinator may then drive the link from one goroutine,
// sending each batch right after the answer that freed its window slot,
// instead of from a sender and a receiver. A link whose Send can block
// while its node is not reading (a pipe or a socket whose buffers are
// full) must not claim it: one goroutine blocked in Send would never read
// the answers that unblock it.
type Queued interface {
	// Queued reports whether Send never blocks within the window.
	Queued() bool
}

// Diagnoser is implemented by links that can say more about their node
// when it failed than the failure itself tells: what its process wrote on
// stderr (someone's own worker that stalled may have said why).
type Diagnoser interface {
	// Diagnosis returns one line, escaped, or "" when there is nothing to
	// add.
	Diagnosis() string
}

// NodeInfo describes one node.
type NodeInfo struct {
	// Name is unique in the cluster, e.g. "tcp-2".
	Name string `json:"name"`
	// PID is the node's process id, or 0 for goroutine nodes.
	PID int `json:"pid,omitempty"`
	// Addr is the node's network address, if any.
	Addr string `json:"addr,omitempty"`
	// Host is the node's host name, if it reported one.
	Host string `json:"host,omitempty"`
	// Local is set when the node is a process the topology started on
	// this machine: what it claims to use (Stats) is bounded by this
	// machine's cores and memory. A node that already ran (--nodes, nats
	// nodes on a subject) may be elsewhere, whatever pid it reports.
	Local bool `json:"local,omitempty"`
}

// String returns the name with the pid or address, for error messages.
func (n NodeInfo) String() string {
	switch {
	case n.Addr != "" && n.PID != 0:
		return fmt.Sprintf("%s (pid %d, %s)", n.Name, n.PID, n.Addr)
	case n.Addr != "":
		return fmt.Sprintf("%s (%s)", n.Name, n.Addr)
	case n.PID != 0:
		return fmt.Sprintf("%s (pid %d)", n.Name, n.PID)
	}
	return n.Name
}

// NodeStats is a node process's resource use since it started.
type NodeStats struct {
	CPU      time.Duration // user + system CPU time
	MaxRSSKB int64         // peak resident set size in KiB
}

// Registry maps names to topologies, in the order they were registered:
// the order of tables, plots and the default comparison. Build it before
// a run; it is not safe for concurrent Register calls.
type Registry struct {
	entries map[string]regEntry
	names   []string
}

type regEntry struct {
	t       Topology
	summary string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{entries: map[string]regEntry{}} }

// Register adds t with a one-line summary, replacing any of the same name
// in its place.
func (r *Registry) Register(t Topology, summary string) {
	if _, ok := r.entries[t.Name()]; !ok {
		r.names = append(r.names, t.Name())
	}
	r.entries[t.Name()] = regEntry{t: t, summary: summary}
}

// Get returns the topology called name. A row name ("exec:py", see
// Rower) gets the topology of the row; whether the label is one of the
// topology's rows is CheckRows's to say.
func (r *Registry) Get(name string) (Topology, error) {
	base, _ := SplitRow(name)
	e, ok := r.entries[base]
	if !ok {
		return nil, fmt.Errorf("unknown topology %q (known: %v)", base, r.Names())
	}
	return e.t, nil
}

// Names returns the registered names in registration order.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// Summary returns the one-line summary of name.
func (r *Registry) Summary(name string) string { return r.entries[name].summary }
