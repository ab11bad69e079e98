package app

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench/results"
)

func (a *app) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List topologies, workloads and dispatch policies, one line each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := a.stdout
			fmt.Fprintln(w, "topologies:")
			defaults := a.topologies.Defaults()
			for _, n := range a.topologies.Names() {
				note := ""
				if !slices.Contains(defaults, n) {
					note = " (runs when asked for; not in the default comparison)"
				}
				fmt.Fprintf(w, "  %-18s %s%s\n", n, a.topologies.Summary(n), note)
			}
			fmt.Fprintln(w, "workloads:")
			for _, n := range a.workloads.Names() {
				fmt.Fprintf(w, "  %-18s %s\n", n, a.workloads.Summary(n))
			}
			fmt.Fprintln(w, "dispatch policies:")
			desc := map[string]string{
				results.DispatchRoundRobin:       "batch k goes to node k mod N (default)",
				results.DispatchLeastOutstanding: "one shared queue; a node's driver takes the next batch whenever its node has a free slot",
				results.DispatchHash:             "task id goes to node hash(id) mod N",
			}
			for _, d := range results.Dispatches() {
				fmt.Fprintf(w, "  %-18s %s\n", d, desc[d])
			}
			return nil
		},
	}
}
