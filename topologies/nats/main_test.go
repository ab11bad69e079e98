package nats

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/workloads"
)

// TestMain turns the test binary into a node when a test re-executes it as
// one, and otherwise checks that no test leaks a goroutine.
func TestMain(m *testing.M) {
	if code, ok := node.RunIfChild(workloads.DefaultRegistry()); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}
