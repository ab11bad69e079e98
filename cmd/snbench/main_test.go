package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/workloads"
)

// envRunMain makes the test binary run snbench's main, so that tests can
// send it signals as a user would.
const envRunMain = "SNBENCH_TEST_RUN_MAIN"

// TestMain turns the test binary into a node when a test re-executes it as
// one, or into snbench itself under envRunMain, and otherwise checks that
// no test leaks a goroutine.
func TestMain(m *testing.M) {
	if code, ok := node.RunIfChild(workloads.DefaultRegistry()); ok {
		os.Exit(code)
	}
	if os.Getenv(envRunMain) == "1" {
		main()
	}
	goleak.VerifyTestMain(m)
}
