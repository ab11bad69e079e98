package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
)

// Session is one cell's started cluster, on which measured passes can be
// run one after another without restarting the nodes. The Go benchmarks of
// this package use it to run b.N tasks on a cluster started outside the
// benchmark timer; Runner.Run starts a fresh cluster per repetition instead.
//
// A Session is not safe for concurrent use. After a pass fails (a node died
// or stopped answering) the cluster is stopped and every later Measure
// fails; Close it.
type Session struct {
	r       *Runner
	plan    Plan
	key     results.Key
	ctx     context.Context // the cluster's life
	cancel  context.CancelCauseFunc
	cluster topologies.Cluster
	fleet   *fleet // the nodes still usable under on_node_failure: redispatch
	warm    bool
	auto    *results.AutoWindow // the probe of an auto window, nil for an explicit one
}

// Start starts the cluster of cell k under plan p (its workload, dispatch
// policy, task timeout and nodes; k gives the topology and scales, and
// k.Tasks is ignored). An auto window (results.WindowAuto) is chosen first,
// by the probe a run gives an auto cell, on a cluster of its own (see
// AutoWindow). ctx bounds the cluster's life. The caller must Close the
// session.
func (r *Runner) Start(ctx context.Context, p Plan, k results.Key) (*Session, error) {
	if k.Tasks < 1 {
		k.Tasks = 1
	}
	p.Topologies, p.Workers, p.Tasks = []string{k.Topology}, []int{k.Workers}, []int{k.Tasks}
	p.Payload, p.Window, p.Batch = []int{k.Payload}, []int{k.Window}, []int{k.Batch}
	if err := r.Check(p); err != nil {
		return nil, fmt.Errorf("starting %s: %w", k, err)
	}
	topo, err := r.Topologies.Get(k.Topology)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", k, err)
	}
	var auto *results.AutoWindow
	if k.Window == results.WindowAuto {
		// The passes' sizes are the caller's, so no task count bounds
		// the windows tried.
		if auto, err = r.autoWindow(ctx, p, k, results.AutoMaxWindow); err != nil {
			return nil, fmt.Errorf("starting %s: %w", k, err)
		}
		k.Window = auto.Window
		p.Window = []int{k.Window}
	}
	cctx, cancel := context.WithCancelCause(ctx)
	cluster, err := topo.Start(cctx, r.clusterConfig(p, k, k.Workers, p.Spec(k.Payload)))
	if err != nil {
		cancel(err)
		return nil, fmt.Errorf("starting %s: %w", k, err)
	}
	return &Session{r: r, plan: p, key: k, ctx: cctx, cancel: cancel, cluster: cluster, fleet: newFleet(cluster), auto: auto}, nil
}

// Key returns the session's cell, with the window its passes run at: for
// a cell started with an auto window, the one its probe chose.
func (s *Session) Key() results.Key { return s.key }

// AutoWindow returns the probe that chose the session's window, or nil
// when Start was given an explicit one.
func (s *Session) AutoWindow() *results.AutoWindow { return s.auto }

// Measure runs n tasks through the cluster in a closed loop, verified and
// measured, and returns the pass as a repetition (Round 0). The first call
// runs the plan's warm-up first, outside the measured window. ctx bounds
// this pass: when it ends, the pass stops and the cluster with it.
func (s *Session) Measure(ctx context.Context, n int) (*results.Rep, error) {
	if n < 1 {
		return nil, fmt.Errorf("measuring %s: %d tasks: want at least 1", s.key, n)
	}
	if err := context.Cause(s.ctx); err != nil {
		return nil, fmt.Errorf("measuring %s: cluster stopped: %w", s.key, err)
	}
	stop := context.AfterFunc(ctx, func() { s.cancel(context.Cause(ctx)) })
	defer stop()
	p, k := s.plan, s.key
	if s.warm {
		p.Warmup = 0
	}
	k.Tasks = n
	rep, err := s.r.measure(s.ctx, s.cancel, s.fleet, p, k, p.Spec(k.Payload))
	if err != nil {
		return nil, fmt.Errorf("measuring %s: %w", s.key, err)
	}
	s.warm = true
	if !rep.Verify.OK() {
		return rep, fmt.Errorf("measuring %s: %w: %+v", s.key, ErrVerification, rep.Verify)
	}
	return rep, nil
}

// Close stops the cluster and reaps its nodes. It is safe to call more
// than once.
func (s *Session) Close() error {
	s.cancel(errSessionClosed)
	if err := s.cluster.Close(); err != nil {
		return fmt.Errorf("stopping %s: %w", s.key, err)
	}
	return nil
}

var errSessionClosed = errors.New("session closed")
