package bench_test

import (
	"context"
	"math"
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

// claimingNode runs a TCP "node" that serves tasks correctly but claims
// service time svc for every batch, and answers its stats requests with
// stats, in turn (the last one again once they run out).
func claimingNode(t *testing.T, spec workloads.Spec, svc time.Duration, stats []wire.Stats) string {
	return fakenode.Listen(t, 2, func(conn net.Conn) {
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		serveClaiming(conn, spec, svc, stats)
	})
}

func serveClaiming(conn net.Conn, spec workloads.Spec, svc time.Duration, stats []wire.Stats) {
	wl, err := workloads.DefaultRegistry().New(spec)
	if err != nil {
		return
	}
	r := wire.NewReader(conn, 0)
	if _, _, err := r.Next(); err != nil { // the hello
		return
	}
	welcome, _ := wire.AppendJSON(nil, wire.TypeWelcome, wire.Welcome{Node: "claiming"})
	if _, err := conn.Write(welcome); err != nil {
		return
	}
	var in workloads.Batch
	var out workloads.Result
	var buf []byte
	for asked := 0; ; {
		h, body, err := r.Next()
		if err != nil {
			return
		}
		switch h.Type {
		case wire.TypeStatsRequest:
			st, _ := wire.AppendJSON(nil, wire.TypeStats, stats[min(asked, len(stats)-1)])
			asked++
			_, _ = conn.Write(st)
		case wire.TypeTasks:
			if wire.DecodeTasks(h, body, &in) != nil {
				return
			}
			wl.Serve(&in, &out)
			out.Tag, out.Service = in.Tag, svc
			buf = wire.AppendResults(buf[:0], &out)
			if _, err := conn.Write(buf); err != nil {
				return
			}
		case wire.TypeBye:
			return
		}
	}
}

// TestNodeClaimsChecked: a node's claims that contradict what the
// coordinator measured, or cannot be true, are not believed: a service
// time of 2^63-1 ns, CPU time that is negative, goes down or exceeds what
// 1024 cores could use, a peak RSS that goes down or exceeds 64 TiB. Each
// is left out of the figures and flagged in the repetition's claims and
// the cell's warnings with the node named; the honest nodes' figures
// stand, and a node whose claims hold is not flagged.
func TestNodeClaimsChecked(t *testing.T) {
	t.Parallel()
	ok := []wire.Stats{{UserNS: 1e6, MaxRSSKB: 1000}, {UserNS: 2e6, MaxRSSKB: 1200}}
	tests := []struct {
		name  string
		svc   time.Duration
		stats []wire.Stats
		kind  string // "" for none
		want  string
	}{
		{"honest", 0, ok, "", ""},
		{"service 2^63-1 ns", math.MaxInt64, ok, results.ClaimService, "claimed service time 9.22e+18 ns for a batch whose round trip was"},
		{"service of an hour", time.Hour, ok, results.ClaimService, "claimed service time 1h0m0s"},
		{"negative CPU", 0, []wire.Stats{{UserNS: -5e9}, {UserNS: -4e9}}, results.ClaimCPU, "claimed a negative CPU time"},
		{"CPU went down", 0, []wire.Stats{{UserNS: 10e9}, {UserNS: 1e9}}, results.ClaimCPU, "claimed its CPU time went down, from 10s to 1s"},
		{"CPU over 1024 cores", 0, []wire.Stats{{}, {UserNS: 1e15}}, results.ClaimCPU, "more than 1024 cores can use"},
		{"RSS went down", 0, []wire.Stats{{MaxRSSKB: 5000}, {MaxRSSKB: 10}}, results.ClaimRSS, "claimed its peak RSS went down"},
		{"RSS over 64 TiB", 0, []wire.Stats{{}, {MaxRSSKB: 1 << 40}}, results.ClaimRSS, "more than the machine's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addrs := nodeServers(t, 2)
			p := bench.DefaultPlan([]string{"tcp"})
			bad := claimingNode(t, p.Spec(1), tt.svc, tt.stats)
			setNodes(&p, addrs[0], addrs[1], bad)
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{6000}, 1, 0
			p.Batch, p.Window = []int{4}, []int{2}
			res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			c := res.Cells[0]
			rep := c.Reps[0]
			node := "node tcp-3 (" + bad + "): "
			var warned []string
			for _, w := range c.Warnings {
				if strings.HasPrefix(w, "claims in round 1: ") {
					warned = append(warned, w)
				}
			}
			if tt.kind == "" {
				if len(rep.Claims) != 0 || len(warned) != 0 {
					t.Fatalf("an honest node flagged: %+v %q", rep.Claims, warned)
				}
				return
			}
			if len(rep.Claims) != 1 || rep.Claims[0].Kind != tt.kind || !strings.HasPrefix(rep.Claims[0].Detail, node) || !strings.Contains(rep.Claims[0].Detail, tt.want) {
				t.Fatalf("claims %+v: want one %s claim %q naming %s", rep.Claims, tt.kind, tt.want, node)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], node) {
				t.Errorf("cell warnings %q: want one naming %s", c.Warnings, node)
			}
			switch tt.kind {
			case results.ClaimService:
				// Every batch of the node's share was flagged, and the
				// service figures are the honest nodes' alone.
				if cl := rep.Claims[0]; cl.Tasks != rep.NodeTasks[2] || cl.Batches != cl.Tasks/4 {
					t.Errorf("flagged %d batches, %d tasks; the node served %d tasks", cl.Batches, cl.Tasks, rep.NodeTasks[2])
				}
				if s := c.Summary.Service; s.Max > c.Summary.Latency.Max || s.P50 > c.Summary.Latency.P50 {
					t.Errorf("service p50 %d max %d ns above latency p50 %d max %d ns", s.P50, s.Max, c.Summary.Latency.P50, c.Summary.Latency.Max)
				}
			case results.ClaimCPU:
				if rep.NodeCPUNS == nil || *rep.NodeCPUNS < 0 || *rep.NodeCPUNS > int64(time.Duration(rep.WallNS)*1024) {
					t.Errorf("node CPU %v: want the honest nodes' alone", rep.NodeCPUNS)
				}
			case results.ClaimRSS:
				if rep.NodeMaxRSSKB >= 1<<40 || rep.NodeMaxRSSKB <= 10 {
					t.Errorf("node max RSS %d KiB: want the honest nodes' alone", rep.NodeMaxRSSKB)
				}
			}
		})
	}
}
