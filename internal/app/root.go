package app

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/internal/buildinfo"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// app is what every command needs: the registries and the output streams.
type app struct {
	stdout, stderr io.Writer
	workloads      *workloads.Registry
	topologies     *topologies.Registry
	// env, when set, stands in for os.Getenv (tests).
	env func(string) string
}

// run runs snbench with args (without the program name) and returns the
// error main reports. Tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	wl := workloads.DefaultRegistry()
	return runWith(ctx, args, stdout, stderr, builtin.Registry(wl), wl)
}

// runWith is run with the given topologies and workloads.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, topos *topologies.Registry, wl *workloads.Registry) error {
	a := &app{stdout: stdout, stderr: stderr, workloads: wl, topologies: topos}
	root := &cobra.Command{
		Use:   "snbench",
		Short: "Benchmark and load-test shared-nothing topologies",
		Long: "snbench measures how latency and throughput change with the way shared-nothing\n" +
			"workers are connected (here: " + strings.Join(topos.Names(), ", ") + ") and with scale.\n" +
			"Run `snbench run` for the default comparison; `snbench list` says what each topology is.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.Read().String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})
	root.AddCommand(a.runCmd(), a.nodeCmd(), a.listCmd(), a.reportCmd(), a.compareCmd(), a.calibrateCmd(), a.historyCmd(), a.doctorCmd(), a.checkWorkerCmd(), a.versionCmd())
	a.wireVocabulary(root)
	cmd, err := root.ExecuteContextC(ctx)
	var ue *usageError
	if err != nil && !errors.As(err, &ue) && isCobraUsage(err) {
		// Cobra's own errors for commands and arguments; flag errors
		// already went through the flag-error function, hint and all.
		return usagef("%v (see '%s --help')", err, cmd.CommandPath())
	}
	return err
}

// isCobraUsage recognises the errors cobra itself returns for bad
// commands and arguments.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
