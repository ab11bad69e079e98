package bench_test

import (
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
)

// TestRedispatchNotes pins the lines that describe what a repetition
// survived: the coordinator's redispatch, the topology's own resends and
// incidents, or both.
func TestRedispatchNotes(t *testing.T) {
	lat := func(vals ...time.Duration) results.Hist {
		h := results.NewHist()
		for _, v := range vals {
			results.Record(h, v, 1)
		}
		enc, err := results.EncodeHist(h)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	all := lat(time.Millisecond, 2*time.Millisecond, 600*time.Millisecond)
	failure := results.Failure{Node: "nats-1 (pid 7)", Pass: "stats", Error: "node process nats-node-1 (pid 7) exited: signal: killed"}
	for _, tc := range []struct {
		name string
		x    *results.Redispatch
		want []string // one per line, each a substring
	}{
		{"nothing", nil, nil},
		{"coordinator redispatch", &results.Redispatch{
			Failures: []results.Failure{{Node: "tcp-2 (pid 9)", Pass: "measured", AtNS: int64(time.Second), Completed: 100, InFlight: 8, Error: "EOF"}},
			Tasks:    500, Batches: 125, Resent: 8, Latency: lat(40 * time.Millisecond),
		}, []string{
			"node failure in round 1: tcp-2 (pid 9) failed 1s into the measured pass after 100 tasks (EOF); its 8 tasks in flight were redispatched",
			"redispatch in round 1: 500 tasks in 125 batches handed to surviving nodes, 8 of them resent after being in flight on a failed node; 0 late answers dropped; resent tasks' latency from their first send p50 40",
		}},
		{"topology resends only (server restart)", &results.Redispatch{
			TransportResent: 16, Incidents: []string{"the links lost their server 2 times and were back 2 times; the links sent 4 batches again and dropped 1 duplicate replies"},
			Latency: lat(57 * time.Millisecond),
		}, []string{
			"topology in round 1: the links lost their server 2 times and were back 2 times",
			"resend in round 1: 16 tasks sent again by the topology itself, none handed to another link; resent tasks' latency from their first send p50 57",
		}},
		{"frozen node killed by the topology", &results.Redispatch{
			Failures:        []results.Failure{failure},
			TransportResent: 32, Incidents: []string{"1.5s: node nats-1 (pid 7) answered no ping for 600ms: killing its process"},
			Latency: lat(600 * time.Millisecond),
		}, []string{
			"node failure in round 1: nats-1 (pid 7) failed its stats request between passes (node process nats-node-1 (pid 7) exited: signal: killed) and sat out the rest",
			"topology in round 1: 1.5s: node nats-1 (pid 7) answered no ping for 600ms: killing its process",
			"resend in round 1: 32 tasks sent again by the topology itself, none handed to another link; resent tasks' latency from their first send p50 6",
		}},
		{"both", &results.Redispatch{
			Failures: []results.Failure{failure}, Tasks: 40, Batches: 10, TransportResent: 4, Latency: lat(time.Millisecond),
		}, []string{
			"node failure in round 1",
			"redispatch in round 1: 40 tasks in 10 batches handed to surviving nodes, 0 of them resent after being in flight on a failed node; 0 late answers dropped; 4 tasks sent again by the topology itself; resent tasks' latency",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bench.RedispatchNotes(&results.Rep{Redispatch: tc.x, Latency: all})
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d:\n got %s\nwant it to contain %s", i+1, got[i], w)
				}
			}
		})
	}
}
