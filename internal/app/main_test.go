package app

import (
	"os"
	"runtime/debug"
	"strconv"
	"testing"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// envRunMain makes the test binary run snbench's main, so that tests can
// send it signals as a user would.
const envRunMain = "SNBENCH_TEST_RUN_MAIN"

// envNodeMaxThreads, set in a test's environment, caps the threads of the
// node processes it starts (runtime/debug.SetMaxThreads), so that they die
// as a node does for lack of threads: "fatal error: thread exhaustion" and
// the Go runtime's goroutine dump on stderr.
const envNodeMaxThreads = "SNBENCH_TEST_NODE_MAX_THREADS"

// TestMain turns the test binary into a node when a test re-executes it as
// one, or into snbench itself under envRunMain, and otherwise checks that
// no test leaks a goroutine.
func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(envNodeMaxThreads)); err == nil && os.Getenv(node.EnvMode) != "" {
		debug.SetMaxThreads(n) // a node starved of threads: the Go runtime kills it
	}
	wl := workloads.DefaultRegistry()
	topos := builtin.Registry(wl)
	if code, ok := topos.ServeIfNode(wl); ok {
		os.Exit(code)
	}
	if os.Getenv(envRunMain) == "1" {
		Main(topos, wl)
	}
	goleak.VerifyTestMain(m)
}
