package bench

import (
	"fmt"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// maxCulprits is how many nodes an error line names.
const maxCulprits = 3

// culprits names, for the first failed cell of res, the nodes that sent
// bad results and the first bad thing each sent, as a suffix for the
// run's error line ("" if no node is to blame: the results were lost in
// flight, say).
func culprits(res *results.Results) string {
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Status != results.StatusFailed {
			continue
		}
		var named []string
		for _, rep := range c.Reps {
			for _, n := range rep.Nodes {
				if n.FirstBad != "" && len(named) < maxCulprits {
					named = append(named, fmt.Sprintf("node %s (round %d): %s (verified %d, wrong %d, lost %d, duplicate %d)",
						n.Node, rep.Round, n.FirstBad, n.Verified, n.Wrong, n.Lost, n.Duplicate))
				}
			}
		}
		if len(named) > 0 {
			return "; in " + c.Key.String() + " " + strings.Join(named, "; ")
		}
		if probeFailed(c) { // no repetition ran: the probe's record names them
			return "; in " + c.Key.String() + " " + c.Error
		}
		return ""
	}
	return ""
}

// badNodes names the drivers' nodes that sent bad results in a pass, as
// a suffix for an error line.
func badNodes(drivers []*driver) string {
	var named []string
	for _, d := range drivers {
		if d.firstBad != "" && len(named) < maxCulprits {
			named = append(named, fmt.Sprintf("node %s: %s", d.name, d.firstBad))
		}
	}
	if len(named) == 0 {
		return ""
	}
	return "; " + strings.Join(named, "; ")
}
