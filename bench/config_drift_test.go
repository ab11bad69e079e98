package bench_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/goroutine"
	"github.com/snbench/snbench/workloads"
)

// recording is the goroutine topology under another name, keeping the
// Config of every Start.
type recording struct {
	*goroutine.Topology
	mu  sync.Mutex
	got []topologies.Config
}

func (*recording) Name() string { return "recording" }

// Options declares one option, so that the plan can carry a setting.
func (*recording) Options() []topologies.Option { return []topologies.Option{{Name: "url"}} }

func (*recording) CheckOptions(topologies.Options, int) error { return nil }

func (t *recording) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	t.mu.Lock()
	t.got = append(t.got, cfg)
	t.mu.Unlock()
	return t.Topology.Start(ctx, cfg)
}

// TestSessionConfigMatchesRun: a Session (go test -bench) starts its
// cluster with the very Config a Run gives the same cell, credentials and
// topology settings included. They were built apart once and drifted: the
// Session dropped the remote-node token and the NATS settings.
func TestSessionConfigMatchesRun(t *testing.T) {
	wl := workloads.DefaultRegistry()
	rec := &recording{Topology: goroutine.New(wl)}
	reg := topologies.NewRegistry()
	reg.Register(rec, "")
	r := &bench.Runner{Topologies: reg, Workloads: wl, Token: []byte("a token"),
		Secrets: map[string]topologies.Secrets{"recording": {"token": "nats token"}, "other": {"token": "not its own"}}}
	p := bench.DefaultPlan([]string{"recording"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup, p.Window = []int{2}, []int{1000}, 1, 0, []int{4}
	p.Options = map[string]map[string]string{"recording": {"url": "nats://127.0.0.1:4222"}}
	if _, err := r.Run(context.Background(), p, bench.CaptureEnv()); err != nil {
		t.Fatal(err)
	}
	k := results.Key{Topology: "recording", Workers: 2, Tasks: 1000, Payload: 1, Window: p.Window[0], Batch: p.Batch[0]}
	s, err := r.Start(context.Background(), p, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 2 {
		t.Fatalf("%d clusters started, want 2 (the run's, the session's)", len(rec.got))
	}
	run, sess := rec.got[0], rec.got[1]
	if !reflect.DeepEqual(run, sess) {
		t.Errorf("the session's config differs from the run's:\nrun     %+v\nsession %+v", run, sess)
	}
	if string(sess.Token) != "a token" || sess.Options.Get("url") != "nats://127.0.0.1:4222" || sess.Secrets.Get("token") != "nats token" {
		t.Errorf("the session's config lacks the credentials or settings: %+v", sess)
	}
}

// TestAutoWindowConfigMatchesRun: with an auto window, the Run and the
// Session each start the probe's cluster, with room for the largest
// window probed, then the cell's at the window chosen, and the probes'
// configs match each other's as the cells' do but for that window.
func TestAutoWindowConfigMatchesRun(t *testing.T) {
	wl := workloads.DefaultRegistry()
	rec := &recording{Topology: goroutine.New(wl)}
	reg := topologies.NewRegistry()
	reg.Register(rec, "")
	r := &bench.Runner{Topologies: reg, Workloads: wl, Token: []byte("a token")}
	p := bench.DefaultPlan([]string{"recording"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{2}, []int{1000}, 1, 0
	res, err := r.Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	k := results.Key{Topology: "recording", Workers: 2, Tasks: 1000, Payload: 1, Window: results.WindowAuto, Batch: p.Batch[0]}
	s, err := r.Start(context.Background(), p, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 4 {
		t.Fatalf("%d clusters started, want 4 (the run's probe and cell, the session's)", len(rec.got))
	}
	chosen := res.Cells[0].WindowUsed()
	if rec.got[0].Window != results.AutoMaxWindow || rec.got[2].Window != results.AutoMaxWindow {
		t.Errorf("the probes' clusters have room for windows %d and %d, want %d", rec.got[0].Window, rec.got[2].Window, results.AutoMaxWindow)
	}
	if rec.got[1].Window != chosen || rec.got[3].Window != s.Key().Window || s.AutoWindow() == nil {
		t.Errorf("the cells' clusters run at windows %d and %d; the run chose %d, the session %d (probe %v)",
			rec.got[1].Window, rec.got[3].Window, chosen, s.Key().Window, s.AutoWindow())
	}
	// The run's 1000 tasks at 2 workers and batch 64 allow window 1 only
	// (8 batches per slot); a session's passes are its caller's, and its
	// probe goes on.
	if a := res.Cells[0].AutoWindow; a.Stop != results.AutoTasks || a.Window != 1 {
		t.Errorf("the run's probe: %+v, want it stopped at window 1 by the cell's tasks", a)
	}
	if a := s.AutoWindow(); a.Stop == results.AutoTasks || len(a.Steps) < 4 {
		t.Errorf("the session's probe: %+v, want windows past the task count's", a)
	}
	for i := range rec.got {
		rec.got[i].Window = 0
	}
	if !reflect.DeepEqual(rec.got[0], rec.got[2]) || !reflect.DeepEqual(rec.got[1], rec.got[3]) || !reflect.DeepEqual(rec.got[0], rec.got[1]) {
		t.Errorf("the configs differ beyond the window:\n%+v", rec.got)
	}
}
