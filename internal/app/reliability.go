package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports"
)

// reliabilityFlags are `snbench run`'s node-failure flags.
type reliabilityFlags struct {
	onNodeFailure string
}

func (r *reliabilityFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&r.onNodeFailure, "on-node-failure", results.OnFailureFail,
		"what a node that dies, stops answering for --task-timeout or breaks its connection does to the run: "+
			"fail (stop, naming the node and the tasks completed, in flight and lost) or "+
			"redispatch (resend its tasks to the other nodes and finish; the results and report record the failure, the redispatch count and its latency)")
}

// apply sets the plan's node failure policy from the flag, if given.
func (r *reliabilityFlags) apply(changed func(string) bool, p *bench.Plan) error {
	if !changed("on-node-failure") {
		return nil
	}
	v := strings.TrimSpace(r.onNodeFailure)
	switch v {
	case results.OnFailureFail, results.OnFailureRedispatch:
	default:
		return usagef("--on-node-failure: unknown policy %q (want %s)", r.onNodeFailure, strings.Join(results.OnNodeFailures(), " or "))
	}
	p.OnNodeFailure = v
	return nil
}

// writeFailures prints to w every node failure a repetition survived
// under redispatch (which node, when, why, how many tasks were handed on,
// resent and dropped, and the resent tasks' latency next to all tasks'),
// when format is a data format (csv, json, gobench) whose stdout has no
// room for them; tables and the HTML report show them as the cells'
// warnings. A failure that stopped the run is in the run's error instead.
func writeFailures(w io.Writer, res *results.Results, format string) {
	if format == reports.FormatTerminal || format == reports.FormatMarkdown {
		return
	}
	for _, c := range res.Cells {
		for i := range c.Reps {
			for _, line := range bench.RedispatchNotes(&c.Reps[i]) {
				fmt.Fprintf(w, "%s: %s\n", c.Key, line)
			}
		}
	}
}
