package app

import (
	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports"
	"github.com/snbench/snbench/reports/compare"
)

// One vocabulary for --format. Every command names its output formats
// with the same words; a word another command uses for the same thing is
// accepted as an alias: the terminal table is "table" in run and report
// and "text" in compare, and each takes the other's word; "md" is
// markdown everywhere.

// formats returns the --format values command name accepts, canonical
// first, for help and completion.
func formats(name string) []string {
	switch name {
	case "run":
		return []string{reports.FormatTerminal, reports.FormatMarkdown, reports.FormatCSV, "json", "gobench"}
	case "report":
		return []string{reports.FormatTerminal, reports.FormatMarkdown, reports.FormatCSV, formatNone}
	case "compare":
		return compare.Outputs()
	}
	return nil
}

// formatAlias maps another command's word for a format to command name's.
func formatAlias(name, v string) string {
	switch {
	case v == "md":
		return reports.FormatMarkdown
	case name == "compare" && v == reports.FormatTerminal:
		return compare.OutputText
	case name != "compare" && v == compare.OutputText:
		return reports.FormatTerminal
	}
	return v
}

// wireVocabulary gives every subcommand of root completion of the values
// of --topology, --workload, --dispatch and --format (from the
// registries, so a topology registered later completes too), and
// normalises --format aliases before the command runs.
func (a *app) wireVocabulary(root *cobra.Command) {
	values := map[string]func(cmd *cobra.Command) []string{
		"topology": func(*cobra.Command) []string { return a.topologies.Names() },
		"workload": func(*cobra.Command) []string { return a.workloads.Names() },
		"dispatch": func(*cobra.Command) []string { return results.Dispatches() },
		"format":   func(cmd *cobra.Command) []string { return formats(cmd.Name()) },
	}
	for _, cmd := range root.Commands() {
		for flag, list := range values {
			if cmd.Flags().Lookup(flag) == nil {
				continue
			}
			_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return list(cmd), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if f := cmd.Flags().Lookup("format"); f != nil && f.Changed {
			if v := formatAlias(cmd.Name(), f.Value.String()); v != f.Value.String() {
				return f.Value.Set(v)
			}
		}
		return nil
	}
}
