package unix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// Node modes and their environment.
const (
	// ModeNode serves one session on a Unix socket; ModeEcho echoes one
	// connection on one (the raw baseline).
	ModeNode = "unix"
	ModeEcho = "unix-echo"
	// EnvSocket is the socket file a child listens on; the coordinator
	// chooses it in a directory of its own.
	EnvSocket = "SNBENCH_NODE_UNIX_SOCKET"
)

// Topology starts Unix-socket nodes. It is stateless and safe for
// concurrent use.
type Topology struct{}

var (
	_ topologies.Topology    = Topology{}
	_ topologies.NodeModer   = Topology{}
	_ topologies.EchoStarter = Topology{}
)

// New returns the unix topology.
func New() Topology { return Topology{} }

// Name returns "unix".
func (Topology) Name() string { return "unix" }

// Start starts cfg.Workers node processes, each listening on a socket in
// a fresh private directory, and completes the handshake with each.
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("unix: %w", err)
	}
	timeout := cfg.StartBound()
	dir, err := os.MkdirTemp("", "snbench-unix-")
	if err != nil {
		return nil, fmt.Errorf("unix: socket directory: %w", err)
	}
	lc, err := link.StartCluster(ctx, cfg.Workers, func(ctx context.Context, i int) (*link.Stream, *link.Child, error) {
		return startNode(ctx, fmt.Sprintf("unix-%d", i+1), filepath.Join(dir, fmt.Sprintf("node-%d.sock", i+1)), cfg, timeout)
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &cluster{Cluster: lc, dir: dir}, nil
}

// cluster is the nodes and the directory of their sockets, which Close
// removes (snbench made it, and only its sockets are in it).
type cluster struct {
	*link.Cluster
	dir string
}

func (c *cluster) Close() error {
	err := c.Cluster.Close()
	if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
		err = fmt.Errorf("unix: removing %s: %w", c.dir, rerr)
	}
	return err
}

// startNode starts one node process on the socket path, reads the address
// it announces and connects to it.
func startNode(ctx context.Context, name, path string, cfg topologies.Config, timeout time.Duration) (*link.Stream, *link.Child, error) {
	// A fresh token per child: no other process that can reach the
	// socket can take its session.
	token := auth.NewToken()
	env := append(topologies.NodeEnv(ModeNode, name), EnvSocket+"="+path, node.EnvToken+"="+string(token))
	// inW stays open for the child's life: closing it tells the child to
	// stop.
	ch, inW, addr, err := link.StartAnnouncedContext(ctx, name, env, cfg.Log, timeout, node.ListenPrefix)
	if err != nil {
		return nil, nil, err
	}
	if addr != path {
		inW.Close()
		ch.Kill()
		return nil, nil, fmt.Errorf("node %s (pid %d): announced socket %q, want %q", name, ch.PID(), link.PeerText(addr), path)
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		inW.Close()
		ch.Kill()
		return nil, nil, fmt.Errorf("node %s (pid %d): cannot connect to %s: %w", name, ch.PID(), path, err)
	}
	oc := &ownedConn{Conn: conn, stdin: inW}
	info := topologies.NodeInfo{Name: name, PID: ch.PID(), Addr: path}
	s, err := link.Open(ctx, oc, info, cfg.Workload, link.OpenOptions{Timeout: timeout, Token: token, Child: ch,
		Socket: conn.(*net.UnixConn), InFlight: link.InFlightBytes(cfg), InFlightWrites: link.InFlightWrites(cfg)})
	if err != nil {
		oc.Close()
		return nil, ch, err
	}
	return s, ch, nil
}

// ownedConn closes the child's stdin with the connection, so the node
// process ends with its session.
type ownedConn struct {
	net.Conn
	stdin *os.File
}

func (c *ownedConn) Close() error {
	err := c.Conn.Close()
	c.stdin.Close()
	return err
}

// NodeModes returns the modes a unix node and its raw-baseline echo run in.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{{Name: ModeNode, Serve: serveNode}, {Name: ModeEcho, Serve: serveEcho}}
}

// listen listens on the socket file the coordinator chose.
func listen(p topologies.NodeProcess) (net.Listener, error) {
	path := p.Getenv(EnvSocket)
	if path == "" {
		return nil, errors.New(EnvSocket + " is not set")
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// serveNode is ModeNode: one session on the socket, until stdin closes.
func serveNode(ctx context.Context, p topologies.NodeProcess) error {
	ctx = node.UntilStdinCloses(ctx, p.Stdin)
	hs, err := node.HandshakeTimeout(p.Getenv)
	if err != nil {
		return err
	}
	ln, err := listen(p)
	if err != nil {
		return err
	}
	return node.ServeOne(ctx, ln, p.Stdout, node.SessionConfig{Registry: p.Workloads, Name: p.Name, Token: []byte(p.Getenv(node.EnvToken)), MaxTaskWork: -1}, hs)
}

// serveEcho is ModeEcho: echo one connection on the socket.
func serveEcho(ctx context.Context, p topologies.NodeProcess) error {
	ln, err := listen(p)
	if err != nil {
		return err
	}
	return node.EchoOne(node.UntilStdinCloses(ctx, p.Stdin), ln, p.Stdout)
}
