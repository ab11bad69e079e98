package exec

import (
	"testing"

	"github.com/snbench/snbench/topologies/proc"
	"github.com/snbench/snbench/topologies/topotest"
)

// TestMain turns the test binary into a node when a test starts it as one
// (the exec topology's echo, or snbench's stdio node as a worker command),
// and otherwise checks that no test leaks a goroutine.
func TestMain(m *testing.M) { topotest.Main(m, New(), proc.New()) }
