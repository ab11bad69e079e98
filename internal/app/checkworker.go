package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/internal/checkworker"
)

// errWorkerFailed is check-worker's answer when a case failed: exit 1.
var errWorkerFailed = errors.New("the worker failed")

func (a *app) checkWorkerCmd() *cobra.Command {
	var addr string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "check-worker [--addr HOST:PORT] [-- CMD ARGS...]",
		Short: "Check a worker of your own against the node protocol, case by case",
		Long: "check-worker drives a worker (a node in any language that speaks the protocol of\n" +
			"docs/protocol.md) through the protocol's cases, each in a fresh session: the\n" +
			"handshake, batches of 1 to 8192 tasks, payload 5, 100,000 tasks with 8 batches in\n" +
			"flight, the end marker, stats, the error frame for an unknown workload, a 16 MiB\n" +
			"frame, and (for a command) a coordinator that leaves mid-frame. It prints ok or\n" +
			"FAIL per case, with what was wrong and where (\"frame 3: 63 results, want 64\").\n" +
			"Exit status 0 only when every case passed, 1 when one failed.\n\n" +
			"  snbench check-worker -- python3 worker.py     a new process per case, on its stdin/stdout\n" +
			"  snbench check-worker --addr 127.0.0.1:7070    a new connection per case",
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case addr == "" && len(args) == 0:
				return usagef("check-worker: give the worker's command after --, or --addr HOST:PORT")
			case addr != "" && len(args) > 0:
				return usagef("check-worker: give a command or --addr, not both")
			case timeout <= 0:
				return usagef("check-worker: --timeout must be positive, got %v", timeout)
			}
			cfg := checkworker.Config{Timeout: timeout}
			if addr != "" {
				cfg.Start = checkworker.Addr(addr)
			} else {
				cfg.Start, cfg.Process = checkworker.Command(args, nil), true
			}
			res := checkworker.Run(cmd.Context(), cfg, a.stdout)
			if !checkworker.Passed(res) {
				failed := 0
				for _, r := range res {
					if r.Err != nil {
						failed++
					}
				}
				return fmt.Errorf("%w %d of %d cases", errWorkerFailed, failed, len(res))
			}
			fmt.Fprintf(a.stdout, "all %d cases passed\n", len(res))
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "check the worker listening at `HOST:PORT` (a new connection per case) instead of starting a command")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long the worker may take over any one answer")
	return cmd
}
