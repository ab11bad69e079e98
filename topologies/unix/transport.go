package unix

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// Transport returns "unix": a Unix-domain stream socket to a child process.
func (Topology) Transport() string { return "unix" }

// StartEcho starts the bare transport for a raw baseline: cfg.Endpoints
// child processes, each listening on a socket in a fresh private directory
// and copying what one connection sends back to it, read through a buffer
// as the topology's links read their sockets.
func (Topology) StartEcho(ctx context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	dir, err := os.MkdirTemp("", "snbench-unix-echo-")
	if err != nil {
		return nil, fmt.Errorf("unix echo: socket directory: %w", err)
	}
	var n atomic.Int64 // the echoes start all at once
	set, err := link.StartStreamEchoes(ctx, cfg, "raw-unix", func(ctx context.Context, name string, timeout time.Duration) (link.EchoEndpoint, error) {
		path := filepath.Join(dir, fmt.Sprintf("echo-%d.sock", n.Add(1)))
		ch, inW, _, err := link.StartAnnouncedContext(ctx, name, append(topologies.NodeEnv(ModeEcho, name), EnvSocket+"="+path), cfg.Log, timeout, node.ListenPrefix)
		if err != nil {
			return link.EchoEndpoint{}, err
		}
		fail := func(err error) (link.EchoEndpoint, error) {
			inW.Close()
			_ = ch.Stop(2 * time.Second)
			return link.EchoEndpoint{}, fmt.Errorf("%s: %w", name, err)
		}
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "unix", path)
		if err != nil {
			return fail(err)
		}
		return link.EchoEndpoint{Conn: conn, Closers: []io.Closer{conn, inW}, Child: ch, Socket: conn.(*net.UnixConn)}, nil
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("unix echo: %w", err)
	}
	return &echoes{EchoSet: set, dir: dir}, nil
}

// echoes removes the socket directory once the echoes are stopped.
type echoes struct {
	topologies.EchoSet
	dir string
}

func (e *echoes) Close() error {
	err := e.EchoSet.Close()
	if rerr := os.RemoveAll(e.dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
