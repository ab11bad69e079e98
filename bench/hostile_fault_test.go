package bench_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// hostileNode runs a TCP "node" that completes the handshake and answers
// stats requests, then answers its first batch of tasks with bad, which
// may be a half frame; afterwards it reads and ignores everything until
// the coordinator closes the connection.
func hostileNode(t *testing.T, bad []byte) string {
	return fakenode.Listen(t, 4, func(conn net.Conn) {
		fakenode.Answer(conn, wire.Welcome{Node: "hostile"}, bad, true)
	})
}

// header returns a frame header with the given fields.
func header(version uint8, t wire.Type, count, aux, length uint32) []byte {
	b := make([]byte, wire.HeaderSize)
	wire.Header{Version: version, Type: t, Count: count, Aux: aux, Length: length}.Put(b)
	return b
}

// TestHostileNode: a node that answers with garbage, a frame over the
// size limit, a wrong protocol version, an error frame, or half a frame
// and then silence is closed with the reason and named; under fail the
// run stops with that error, under redispatch it completes on the other
// nodes with every task verified exactly once.
func TestHostileNode(t *testing.T) {
	t.Parallel()
	results1 := wire.AppendResults(nil, &workloads.Result{Tag: 0, K: 1, IDs: []uint64{1, 2, 3, 4}, Values: []int64{2, 4, 6, 8}})
	huge := header(wire.Version, wire.TypeResults, 1<<22, 1, 16+(1<<22)*16)
	binary.LittleEndian.PutUint32(huge[12:], 16+(1<<22)*16) // 64 MiB + 16: over the limit
	tests := []struct {
		name string
		bad  []byte
		want string
	}{
		{"garbage", []byte("HTTP/1.1 400 Bad Request\r\n\r\nthis is not a frame at all"), "bad magic"},
		{"frame over the size limit", huge, "exceeds the size limit"},
		{"wrong protocol version", header(wire.Version+1, wire.TypeResults, 0, 0, 16), "unsupported protocol version"},
		{"error frame", wire.AppendControl(nil, wire.TypeError, []byte("out of memory, go away")), "out of memory, go away"},
		{"half a frame, then silence", results1[:len(results1)/2], "stopped answering"},
	}
	for _, tt := range tests {
		for _, policy := range results.OnNodeFailures() {
			t.Run(tt.name+"/"+policy, func(t *testing.T) {
				t.Parallel()
				bad := hostileNode(t, tt.bad)
				res, err, node := runBesideBad(t, bad, policy, 300*time.Millisecond, 10*time.Second)
				if policy == results.OnFailureRedispatch {
					checkExactlyOnce(t, runOut{res, err}, node, tt.want)
					return
				}
				var ne *bench.NodeError
				if !errors.As(err, &ne) || !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v: want a NodeError naming %s and %q", err, node, tt.want)
				}
			})
		}
	}
}

// runBesideBad runs 6000 tasks over two good tcp nodes with the bad one
// at addr between them (batch 4, window 2, one repetition, no warm-up)
// under policy and the task timeout, fails t if the run takes longer than
// within, and returns the outcome and the bad node's name.
//
//lint:ignore ST1008 the run's error is one of its outcomes here, beside the node it names
func runBesideBad(t *testing.T, addr, policy string, timeout, within time.Duration) (*results.Results, error, string) {
	t.Helper()
	addrs := nodeServers(t, 2)
	p := bench.DefaultPlan([]string{"tcp"})
	setNodes(&p, addrs[0], addr, addrs[1])
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{6000}, 1, 0
	p.Batch, p.Window, p.OnNodeFailure = []int{4}, []int{2}, policy
	p.TaskTimeout = workloads.Duration(timeout)
	start := time.Now()
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if d := time.Since(start); d > within {
		t.Errorf("took %v with a %v task timeout", d, timeout)
	}
	return res, err, "tcp-2 (" + addr + ")"
}
