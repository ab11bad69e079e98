package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

var (
	_ topologies.EchoStarter = Topology{}
	_ topologies.NodeModer   = Topology{}
)

// Transport returns topologies.TransportTCP.
func (Topology) Transport() string { return topologies.TransportTCP }

// StartEcho starts the bare tcp transport for a raw baseline:
// cfg.Endpoints child processes that each listen on a loopback port and
// copy what one connection sends back to it, read through a buffer as the
// topology's links read their sockets.
func (Topology) StartEcho(ctx context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	return link.StartStreamEchoes(ctx, cfg, "raw-tcp", func(ctx context.Context, name string, timeout time.Duration) (link.EchoEndpoint, error) {
		ch, inW, addr, err := link.StartAnnouncedContext(ctx, name, topologies.NodeEnv(node.ModeEchoTCP, name), cfg.Log, timeout, node.ListenPrefix)
		if err != nil {
			return link.EchoEndpoint{}, err
		}
		ep := link.EchoEndpoint{Closers: []io.Closer{inW}, Child: ch}
		fail := func(err error) (link.EchoEndpoint, error) {
			inW.Close()
			_ = ch.Stop(2 * time.Second)
			return link.EchoEndpoint{}, fmt.Errorf("%s: %w", name, err)
		}
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fail(err)
		}
		_ = conn.(*net.TCPConn).SetNoDelay(true)
		ep.Conn, ep.Socket = conn, conn.(*net.TCPConn)
		ep.Closers = append([]io.Closer{conn}, ep.Closers...)
		return ep, nil
	})
}

// NodeModes returns the modes a tcp node and its raw-baseline echo run in.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{
		{Name: node.ModeTCP, Serve: node.ServeOneTCP},
		{Name: node.ModeEchoTCP, Serve: node.ServeEchoTCP},
	}
}
