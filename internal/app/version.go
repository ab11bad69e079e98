package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/internal/buildinfo"
)

// versionCmd is `snbench version`; `snbench --version` prints the same
// line (root's Version, set in run).
func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print snbench's module version, VCS revision and Go version",
		Long: "version prints what the build recorded: the module version (a tag for\n" +
			"'go install github.com/snbench/snbench/cmd/snbench@v1.2.0', (devel) for a\n" +
			"build from a clone), the VCS revision with +dirty when the tree had\n" +
			"uncommitted changes, the commit time and the Go version. results.json\n" +
			"records the same in env.version, env.commit, env.dirty and env.go_version.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(a.stdout, buildinfo.Read())
			return err
		},
	}
}
