package unix

import (
	"testing"

	"github.com/snbench/snbench/topologies/topotest"
)

// TestMain turns the test binary into a node when a test re-executes it as
// one, and otherwise checks that no test leaks a goroutine.
func TestMain(m *testing.M) { topotest.Main(m, New()) }
