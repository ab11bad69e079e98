package nats

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

func config(workers, window, batch int) topologies.Config {
	return topologies.Config{Workers: workers, Workload: workloads.DefaultSpec(), Window: window, Batch: batch,
		StartTimeout: 10 * time.Second}
}

// startServer starts an embedded server that wants token and stops it
// when the test ends.
func startServer(t *testing.T, token string) *natsserver.Server {
	t.Helper()
	s, err := natsserver.Start("127.0.0.1:0", token, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startNodes runs n standalone NATS nodes (as `snbench node --nats`) in
// goroutines until the test ends.
func startNodes(t *testing.T, url, subject, token string, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	for i := range n {
		nc, err := natsconn.Connect(url, "test node", natsconn.Auth{Token: token}, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		var once sync.Once
		nn := &natsnode.Node{Registry: workloads.DefaultRegistry(), Name: "remote-" + string(rune('a'+i)), Subject: subject,
			Log: log.New(io.Discard, "", 0), Ready: func() { once.Do(func() { close(ready) }) }}
		wg.Go(func() {
			defer nc.Close()
			if err := nn.Serve(ctx, nc); err != nil {
				t.Errorf("node: %v", err)
			}
		})
		<-ready
	}
}

func TestClusters(t *testing.T) {
	const token = "test-token-0123456789"
	srv := startServer(t, token)
	startNodes(t, srv.URL(), "snbtest", token, 3)
	tests := []struct {
		name    string
		cfg     topologies.Config
		batches int
	}{
		{"embedded, one node", config(1, 4, 16), 200},
		{"embedded, three nodes, batch 1, window 1", config(3, 1, 1), 300},
		{"embedded, four nodes, deep window", config(4, 16, 8), 200},
		{"external server with a token, own nodes", withNATS(config(2, 4, 32), natsSetup{URL: srv.URL(),
			Auth: topologies.Secrets{CredToken: token}}), 100},
		{"running nodes, two of three", withNATS(config(2, 4, 32), natsSetup{URL: srv.URL(), Subject: "snbtest",
			Auth: topologies.Secrets{CredToken: token}}), 100},
		{"running nodes again, all three", withNATS(config(3, 2, 5), natsSetup{URL: srv.URL(), Subject: "snbtest",
			Auth: topologies.Secrets{CredToken: token}}), 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := New().Start(ctx, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(c.Links()); n != tt.cfg.Workers {
				t.Fatalf("%d links, want %d", n, tt.cfg.Workers)
			}
			pids := map[int]bool{}
			for _, l := range c.Links() {
				if l.Info().PID == 0 || pids[l.Info().PID] && tt.cfg.Options.Get(OptSubject) == "" {
					t.Errorf("link %s: pid %d missing or shared", l.Info(), l.Info().PID)
				}
				pids[l.Info().PID] = true
			}
			topotest.Exercise(t, c, tt.cfg.Workload, tt.batches, tt.cfg.Batch, tt.cfg.Window)
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			if err := c.Close(); err != nil {
				t.Errorf("second close: %v", err)
			}
		})
	}
}

// natsSetup is where a test cluster finds its server and nodes.
type natsSetup struct {
	URL, Subject string
	Auth         topologies.Secrets
}

func withNATS(c topologies.Config, n natsSetup) topologies.Config {
	c.Options = topologies.Options{OptURL: n.URL}
	if n.Subject != "" {
		c.Options[OptSubject] = n.Subject
	}
	c.Secrets = n.Auth
	return c
}

func TestStartErrors(t *testing.T) {
	const token = "test-token-0123456789"
	srv := startServer(t, token)
	startNodes(t, srv.URL(), "snbfew", token, 1)
	big := config(1, 1, 1<<16)
	big.Workload.Payload = 16
	tests := []struct {
		name string
		cfg  topologies.Config
		want []string
	}{
		{"wrong server token", withNATS(config(1, 1, 1), natsSetup{URL: srv.URL(), Auth: topologies.Secrets{CredToken: "wrong-token-0123456789"}}),
			[]string{"nats: node nats-1", "connecting to NATS at " + srv.URL(), "uthorization"}},
		{"no server token", withNATS(config(1, 1, 1), natsSetup{URL: srv.URL()}),
			[]string{"nats: node nats-1", "uthorization"}},
		{"too few running nodes", withNATS(config(2, 1, 1), natsSetup{URL: srv.URL(), Subject: "snbfew", Auth: topologies.Secrets{CredToken: token}}),
			[]string{"node nats-2", "no free node is waiting on snbfew.hello", "1 of 2 nodes found", "snbench node --nats"}},
		{"no running nodes", withNATS(config(1, 1, 1), natsSetup{URL: srv.URL(), Subject: "nobody", Auth: topologies.Secrets{CredToken: token}}),
			[]string{"no free node is waiting on nobody.hello"}},
		{"subject without url", withNATS(config(1, 1, 1), natsSetup{Subject: "x"}),
			[]string{"give --nats-url"}},
		{"two kinds of credentials", withNATS(config(1, 1, 1), natsSetup{URL: srv.URL(), Auth: topologies.Secrets{CredToken: "t", CredUser: "u"}}),
			[]string{"not several"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New().Start(context.Background(), tt.cfg)
			if err == nil {
				c.Close()
				t.Fatal("started; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("batch above max_payload", func(t *testing.T) {
		c, err := New().Start(context.Background(), big)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		b := workloads.Batch{K: 16}
		b.Resize(1<<16, 16)
		err = c.Links()[0].Send(&b)
		if err == nil || !strings.Contains(err.Error(), "max_payload") || !strings.Contains(err.Error(), "lower --batch") {
			t.Fatalf("send: %v; want the max_payload error", err)
		}
	})
}

func TestDispatchBy(t *testing.T) {
	var topo topologies.Topology = New()
	d, ok := topo.(topologies.Dispatcher)
	if !ok || d.DispatchBy() != "nats queue group" {
		t.Fatalf("nats topology does not say the queue group dispatches")
	}
}

// TestEchoConformance checks the raw baseline's echoes with the kit every topology uses.
func TestEchoConformance(t *testing.T) { topotest.Echo(t, New()) }

// TestStartFailures has one node of 8 exit or hang as it starts: the
// start must fail in bounded time naming it, and leave no process behind.
func TestStartFailures(t *testing.T) {
	topotest.StartFailures(t, New(), 8, func(i int) string { return fmt.Sprintf("nats-node-%d", i) })
}

// BenchmarkStart8 starts and closes 8 nodes and the embedded server (the
// start-up of a repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }
