package goroutine

import (
	"testing"

	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New(workloads.DefaultRegistry())) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New(workloads.DefaultRegistry())) }
