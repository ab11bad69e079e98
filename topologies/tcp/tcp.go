package tcp

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// Topology starts TCP nodes on loopback, or connects to running ones. It is
// stateless and safe for concurrent use.
type Topology struct{}

var _ topologies.Topology = Topology{}

// New returns the tcp topology.
func New() Topology { return Topology{} }

// Name returns "tcp".
func (Topology) Name() string { return "tcp" }

// Start starts cfg.Workers node processes on loopback, or dials the first
// cfg.Workers of the nodes --nodes names, and completes the handshake with
// each.
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	timeout := cfg.StartBound()
	nodes := cfg.Options.List(OptNodes)
	if len(nodes) > 0 && len(nodes) < cfg.Workers {
		return nil, fmt.Errorf("tcp: %d workers need %d node addresses, got %d", cfg.Workers, cfg.Workers, len(nodes))
	}
	return link.StartCluster(ctx, cfg.Workers, func(ctx context.Context, i int) (*link.Stream, *link.Child, error) {
		name := fmt.Sprintf("tcp-%d", i+1)
		if cfg.Row != "" {
			name = fmt.Sprintf("tcp-%s-%d", cfg.Row, i+1)
		}
		if len(nodes) > 0 {
			s, err := dialNode(ctx, name, nodes[i], cfg, timeout, nil)
			return s, nil, err
		}
		return startNode(ctx, name, cfg, timeout)
	})
}

func startNode(ctx context.Context, name string, cfg topologies.Config, timeout time.Duration) (*link.Stream, *link.Child, error) {
	// A fresh token per child: no other local process can take its
	// session, and every default run exercises the authenticated handshake.
	token := auth.NewToken()
	env := append(topologies.NodeEnv(node.ModeTCP, name), node.EnvToken+"="+string(token))
	// inW stays open for the child's life: closing it tells the child to
	// stop. The cluster's Stop reaps it; the stream closes inW on Close.
	ch, inW, addr, err := link.StartAnnouncedContext(ctx, name, env, cfg.Log, timeout, node.ListenPrefix)
	if err != nil {
		return nil, nil, err
	}
	s, err := dialNode(ctx, name, addr, cfg, timeout, &keepAlive{child: ch, stdin: inW, token: token})
	if err != nil {
		inW.Close()
		return nil, ch, err
	}
	return s, ch, nil
}

// keepAlive is a local node's process and the stdin pipe that keeps it
// running.
type keepAlive struct {
	child *link.Child
	stdin *os.File
	token []byte
}

func dialNode(ctx context.Context, name, addr string, cfg topologies.Config, timeout time.Duration, ka *keepAlive) (*link.Stream, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node %s (%s): cannot connect: %w", name, addr, err)
	}
	_ = conn.(*net.TCPConn).SetNoDelay(true)
	info := topologies.NodeInfo{Name: name, Addr: addr}
	var c link.Conn = conn
	o := link.OpenOptions{Timeout: timeout, Token: cfg.Token,
		Socket: conn.(*net.TCPConn), InFlight: link.InFlightBytes(cfg), InFlightWrites: link.InFlightWrites(cfg)}
	if ka != nil {
		info.PID = ka.child.PID()
		c = &ownedConn{Conn: conn, stdin: ka.stdin}
		o.Child, o.Token = ka.child, ka.token
	}
	s, err := link.Open(ctx, c, info, cfg.Workload, o)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
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
