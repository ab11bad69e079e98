package grpctopology

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/workloads"
)

// Summary is the topology's line in `snbench list`.
const Summary = "a process per node serving gRPC on a loopback port: unary Hello and Stats, batches on a bidirectional stream"

// Topology starts gRPC nodes. It is stateless and safe for concurrent use.
type Topology struct{}

var (
	_ topologies.Topology  = Topology{}
	_ topologies.NodeModer = Topology{}
)

// New returns the grpc topology.
func New() Topology { return Topology{} }

// Name returns "grpc".
func (Topology) Name() string { return "grpc" }

// NodeModes returns the mode grpc nodes run in.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{{Name: Mode, Serve: serveNode}}
}

// Start starts cfg.Workers node processes, says Hello to each and opens
// its batch stream.
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	timeout := cfg.StartBound()
	cctx, cancel := context.WithCancel(ctx)
	c := &cluster{cancel: cancel}
	for i := range cfg.Workers {
		l, err := startNode(cctx, fmt.Sprintf("grpc-%d", i+1), cfg, timeout)
		if l != nil {
			c.links = append(c.links, l)
		}
		if err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

// newToken returns a fresh token for one node.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startNode(ctx context.Context, name string, cfg topologies.Config, timeout time.Duration) (*nodeLink, error) {
	token := newToken()
	ch, stdin, addr, err := link.StartAnnounced(name, append(topologies.NodeEnv(Mode, name), EnvToken+"="+token), cfg.Log, timeout, listenPrefix)
	if err != nil {
		return nil, err
	}
	l := &nodeLink{info: topologies.NodeInfo{Name: name, PID: ch.PID(), Addr: addr}, child: ch, stdin: stdin}
	l.conn, err = grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec{}), grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return l, fmt.Errorf("node %s: %w", l.info, err)
	}
	ctx = metadata.AppendToOutgoingContext(ctx, tokenKey, token)
	l.ctx = ctx
	if err := l.hello(ctx, cfg.Workload, timeout); err != nil {
		return l, err
	}
	if l.stream, err = l.conn.NewStream(ctx, &serviceDesc.Streams[0], methodBatches); err != nil {
		return l, l.fail("opening the batch stream", err)
	}
	return l, nil
}

// nodeLink is the coordinator's end of one node.
type nodeLink struct {
	info   topologies.NodeInfo
	child  *link.Child
	stdin  *os.File // closing it ends the node process
	conn   *grpc.ClientConn
	ctx    context.Context // carries the token
	stream grpc.ClientStream

	out, in msg
	once    sync.Once
}

func (l *nodeLink) hello(ctx context.Context, spec workloads.Spec, timeout time.Duration) error {
	req, err := json.Marshal(hello{Node: l.info.Name, Workload: spec})
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var resp msg
	if err := l.conn.Invoke(hctx, methodHello, &msg{b: req}, &resp); err != nil {
		return l.fail("hello", err)
	}
	var w welcome
	if err := json.Unmarshal(resp.b, &w); err != nil {
		return fmt.Errorf("node %s: hello: a welcome that is not JSON: %w", l.info, err)
	}
	if w.PID != l.info.PID {
		return fmt.Errorf("node %s: hello: answered by pid %d, not the process started", l.info, w.PID)
	}
	l.info.Host = link.PeerText(w.Host)
	return nil
}

// fail names the node in err and, if its process has exited, how.
func (l *nodeLink) fail(op string, err error) error {
	if st := l.child.ExitWithin(200 * time.Millisecond); st != "" {
		return fmt.Errorf("node %s: %s: %w (process %s)", l.info, op, err, st)
	}
	return fmt.Errorf("node %s: %s: %w", l.info, op, err)
}

func (l *nodeLink) Info() topologies.NodeInfo { return l.info }

func (l *nodeLink) Send(b *workloads.Batch) error {
	l.out.b = encodeBatch(l.out.b, b)
	if err := l.stream.SendMsg(&l.out); err != nil {
		return l.fail("sending a batch", err)
	}
	return nil
}

func (l *nodeLink) Recv(r *workloads.Result) error {
	if err := l.stream.RecvMsg(&l.in); err != nil {
		return l.fail("receiving a result", err)
	}
	if err := decodeResult(l.in.b, r); err != nil {
		return fmt.Errorf("node %s: %w", l.info, err)
	}
	return nil
}

func (l *nodeLink) Stats() (topologies.NodeStats, bool, error) {
	ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
	defer cancel()
	var resp msg
	if err := l.conn.Invoke(ctx, methodStats, &msg{}, &resp); err != nil {
		return topologies.NodeStats{}, false, l.fail("stats", err)
	}
	if len(resp.b) != 16 {
		return topologies.NodeStats{}, false, fmt.Errorf("node %s: stats of %d bytes, want 16", l.info, len(resp.b))
	}
	return topologies.NodeStats{CPU: time.Duration(binary.LittleEndian.Uint64(resp.b)), MaxRSSKB: int64(binary.LittleEndian.Uint64(resp.b[8:]))}, true, nil
}

// close ends the stream and the connection, closes the node's stdin and
// reaps it.
func (l *nodeLink) close() error {
	var err error
	l.once.Do(func() {
		if l.stream != nil {
			_ = l.stream.CloseSend()
		}
		if l.conn != nil {
			_ = l.conn.Close()
		}
		l.stdin.Close()
		err = l.child.Stop(2 * time.Second)
	})
	return err
}

type cluster struct {
	links  []*nodeLink
	cancel context.CancelFunc
}

func (c *cluster) Links() []topologies.Link {
	ls := make([]topologies.Link, len(c.links))
	for i, l := range c.links {
		ls[i] = l
	}
	return ls
}

// Close stops every node, in parallel; calling it again does nothing more.
func (c *cluster) Close() error {
	c.cancel()
	errs := make([]error, len(c.links))
	var wg sync.WaitGroup
	for i, l := range c.links {
		wg.Go(func() { errs[i] = l.close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
