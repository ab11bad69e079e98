package grpctopology

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// The node mode and what a node process finds in its environment.
const (
	// Mode is the node mode (topologies.NodeMode) of a grpc node.
	Mode = "grpc"
	// EnvToken is the token a node demands in every call's metadata
	// (tokenKey): the coordinator makes a fresh one per node, so no other
	// local process can use it. It travels in the environment, never on a
	// command line.
	EnvToken = "SNBENCH_GRPC_TOKEN"
	tokenKey = "snbench-token"
	// listenPrefix starts the line a node prints with its address.
	listenPrefix = "snbench-grpc listening "
)

// hello is the Hello call's request; welcome its answer.
type hello struct {
	Node     string         `json:"node"`
	Workload workloads.Spec `json:"workload"`
}

type welcome struct {
	PID  int    `json:"pid"`
	Host string `json:"host,omitempty"`
}

// serveNode is the node mode: it listens on a loopback port, prints it,
// and serves one coordinator until its stdin closes.
func serveNode(ctx context.Context, p topologies.NodeProcess) error {
	token := p.Getenv(EnvToken)
	if token == "" {
		return errors.New(EnvToken + " is not set")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	n := &node{name: p.Name, reg: p.Workloads}
	auth := func(ctx context.Context) error {
		md, _ := metadata.FromIncomingContext(ctx)
		if got := md.Get(tokenKey); len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(token)) != 1 {
			return status.Error(codes.Unauthenticated, "wrong or missing token")
		}
		return nil
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(codec{}), grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage),
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := auth(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := auth(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}))
	srv.RegisterService(&serviceDesc, n)
	if _, err := fmt.Fprintf(p.Stdout, "%s%s\n", listenPrefix, ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("announcing address: %w", err)
	}
	// The coordinator closes our stdin (or dies) when the session ends.
	go func() {
		_, _ = io.Copy(io.Discard, p.Stdin)
		srv.Stop()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	n.close()
	return nil
}

// node serves one coordinator: its Hello sets the workload, which the
// batch stream then serves.
type node struct {
	name string
	reg  *workloads.Registry

	mu sync.Mutex
	wl workloads.Workload
}

func (n *node) hello(_ context.Context, req []byte) ([]byte, error) {
	var h hello
	if err := json.Unmarshal(req, &h); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "hello: %v", err)
	}
	wl, err := n.reg.New(h.Workload)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "hello: %v", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.wl != nil {
		workloads.Release(wl)
		return nil, status.Error(codes.FailedPrecondition, "hello: this node already serves a coordinator")
	}
	n.wl = wl
	host, _ := os.Hostname()
	return json.Marshal(welcome{PID: os.Getpid(), Host: host})
}

func (n *node) stats(context.Context) ([]byte, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil, status.Errorf(codes.Internal, "stats: %v", err)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b := binary.LittleEndian.AppendUint64(nil, uint64(cpu))
	return binary.LittleEndian.AppendUint64(b, uint64(ru.Maxrss)), nil
}

func (n *node) batches(stream grpc.ServerStream) error {
	n.mu.Lock()
	wl := n.wl
	n.mu.Unlock()
	if wl == nil {
		return status.Error(codes.FailedPrecondition, "batches before hello")
	}
	cs, _ := wl.(workloads.ContextServer)
	var in, out msg
	var b workloads.Batch
	var r workloads.Result
	for {
		if err := stream.RecvMsg(&in); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := decodeBatch(in.b, &b); err != nil {
			return status.Errorf(codes.InvalidArgument, "node %s: %v", n.name, err)
		}
		r.Tag = b.Tag
		r.Resize(0, b.K)
		start := time.Now()
		if len(b.IDs) > 0 {
			if cs != nil {
				if err := cs.ServeContext(stream.Context(), &b, &r); err != nil {
					return err
				}
			} else {
				wl.Serve(&b, &r)
			}
		}
		r.Service = time.Since(start)
		out.b = encodeResult(out.b, &r)
		if err := stream.SendMsg(&out); err != nil {
			return err
		}
	}
}

func (n *node) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.wl != nil {
		workloads.Release(n.wl)
		n.wl = nil
	}
}
