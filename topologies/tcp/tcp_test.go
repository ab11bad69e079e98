package tcp

import (
	"testing"

	"github.com/snbench/snbench/internal/topotest"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }
