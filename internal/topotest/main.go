package topotest

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/workloads"
)

// Main is the TestMain of packages whose tests start node processes: it
// turns the test binary into a node when a test re-executes it as one, and
// otherwise runs the tests and fails them if any goroutine leaks.
func Main(m *testing.M) {
	if code, ok := node.RunIfChild(workloads.DefaultRegistry()); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}
