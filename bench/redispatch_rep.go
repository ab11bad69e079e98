package bench

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
)

// fleet is the nodes of one started cluster across its passes: under
// on_node_failure: redispatch, a node that failed in one pass (the
// warm-up, or an earlier Session.Measure) sits out the later ones.
type fleet struct {
	links     []topologies.Link
	dead      []bool
	incidents func() []string // the cluster's own fault handling; nil if it has none
}

func newFleet(c topologies.Cluster) *fleet {
	links := c.Links()
	f := &fleet{links: links, dead: make([]bool, len(links))}
	if inc, ok := c.(topologies.Incidents); ok {
		f.incidents = inc.Incidents
	}
	return f
}

// takeIncidents returns what the cluster did about faults since the last
// call.
func (f *fleet) takeIncidents() []string {
	if f.incidents == nil {
		return nil
	}
	return f.incidents()
}

// live returns the links still usable and their indexes in the cluster.
func (f *fleet) live() ([]topologies.Link, []int) {
	var ls []topologies.Link
	var idx []int
	for i, l := range f.links {
		if !f.dead[i] {
			ls, idx = append(ls, l), append(idx, i)
		}
	}
	return ls, idx
}

// record marks the nodes that failed in pr, whose drivers ran the links
// idx, and returns their failures.
func (f *fleet) record(idx []int, pr *passResult) []results.Failure {
	if pr.redispatch == nil {
		return nil
	}
	for i, dead := range pr.redispatch.dead {
		if dead {
			f.dead[idx[i]] = true
		}
	}
	return pr.redispatch.failures
}

// stats asks the usable nodes for their resource use, by cluster index
// (have[i] says whether node i answered). It returns nil where nodes are
// not processes of their own. A node that cannot answer fails the
// repetition, or under redispatch (tolerate) is marked failed, with pass
// "stats", and sits out the rest.
func (f *fleet) stats(tolerate bool, failures *[]results.Failure) (stats []topologies.NodeStats, have []bool, err error) {
	stats, have = make([]topologies.NodeStats, len(f.links)), make([]bool, len(f.links))
	for i, l := range f.links {
		if f.dead[i] {
			continue
		}
		s, ok, err := l.Stats()
		switch {
		case err != nil && tolerate:
			f.dead[i] = true
			*failures = append(*failures, results.Failure{Node: l.Info().String(), Pass: "stats", Error: err.Error()})
			if c, ok := l.(io.Closer); ok {
				_ = c.Close()
			}
			continue
		case err != nil:
			return nil, nil, err
		case !ok:
			return nil, nil, nil
		}
		stats[i], have[i] = s, true
	}
	return stats, have, nil
}

// redispatchRep builds a repetition's Redispatch record from the failures
// of its passes, what the measured pass redispatched, and what the cluster
// did about faults by itself; nil when there was nothing.
func redispatchRep(failures []results.Failure, pr *passResult, incidents []string) (*results.Redispatch, error) {
	m := pr.redispatch
	if len(failures) == 0 && len(incidents) == 0 && m == nil {
		return nil, nil
	}
	x := &results.Redispatch{Failures: failures, Incidents: incidents}
	lat := results.NewHist()
	if m != nil {
		x.Tasks, x.Batches, x.Resent, x.Dropped, x.TransportResent = m.tasks, m.batches, m.resent, m.dropped, m.transport
		lat = m.lat
	}
	var err error
	x.Latency, err = results.EncodeHist(lat)
	return x, err
}

// abortOf returns the pass counts of a node failure that ended a run, if
// err is one.
func abortOf(err error) *results.Abort {
	var ne *NodeError
	if errors.As(err, &ne) {
		a := ne.Abort
		return &a
	}
	return nil
}

// noteRedispatch adds a warning to c for every node failure that rep
// survived: the failure, the redispatch count and the latency hit.
func noteRedispatch(c *results.Cell, rep *results.Rep) {
	if rep.Redispatch == nil {
		return
	}
	c.Warnings = append(c.Warnings, RedispatchNotes(rep)...)
}

// RedispatchNotes describes the node failures a repetition survived under
// on_node_failure: redispatch, one line each: which node, when, why, what
// the topology did about faults by itself, how many tasks were
// redispatched, resent and dropped, and the latency of the resent tasks
// next to that of all tasks. It returns nil for a repetition without
// failures.
func RedispatchNotes(rep *results.Rep) []string {
	x := rep.Redispatch
	if x == nil {
		return nil
	}
	var out []string
	for _, f := range x.Failures {
		switch f.Pass {
		case "stop":
			out = append(out, fmt.Sprintf("node failure in round %d: stopping the cluster: %s", rep.Round+1, f.Error))
		case "stats":
			out = append(out, fmt.Sprintf("node failure in round %d: %s failed its stats request between passes (%s) and sat out the rest", rep.Round+1, f.Node, f.Error))
		default:
			out = append(out, fmt.Sprintf("node failure in round %d: %s failed %v into the %s pass after %d tasks (%s); its %d tasks in flight were redispatched",
				rep.Round+1, f.Node, time.Duration(f.AtNS).Round(time.Millisecond), f.Pass, f.Completed, f.Error, f.InFlight))
		}
	}
	for _, inc := range x.Incidents {
		out = append(out, fmt.Sprintf("topology in round %d: %s", rep.Round+1, inc))
	}
	var line string
	if x.Tasks > 0 || x.Dropped > 0 || (len(x.Failures) > 0 && x.TransportResent == 0) {
		line = fmt.Sprintf("redispatch in round %d: %d tasks in %d batches handed to surviving nodes, %d of them resent after being in flight on a failed node; %d late answers dropped",
			rep.Round+1, x.Tasks, x.Batches, x.Resent, x.Dropped)
		if x.TransportResent > 0 {
			line += fmt.Sprintf("; %d tasks sent again by the topology itself", x.TransportResent)
		}
	} else if x.TransportResent > 0 {
		line = fmt.Sprintf("resend in round %d: %d tasks sent again by the topology itself, none handed to another link", rep.Round+1, x.TransportResent)
	}
	if line == "" {
		return out
	}
	if x.Resent+x.TransportResent > 0 {
		if rp, err := results.PercentilesOf(x.Latency); err == nil {
			if all, err := results.PercentilesOf(rep.Latency); err == nil {
				line += fmt.Sprintf("; resent tasks' latency from their first send p50 %v, max %v (all tasks: p50 %v, p99 %v, max %v)",
					ns(rp.P50), ns(rp.Max), ns(all.P50), ns(all.P99), ns(all.Max))
			}
		}
	}
	return append(out, line)
}

// ns formats nanoseconds as a rounded duration.
func ns(v int64) time.Duration {
	d := time.Duration(v)
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond / 10)
}
