package proc

import (
	"fmt"
	"testing"

	"github.com/snbench/snbench/topologies/topotest"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// TestStartFailures has one node of 8 exit or hang as it starts: the
// start must fail in bounded time naming it, and leave no process behind.
func TestStartFailures(t *testing.T) {
	topotest.StartFailures(t, New(), 8, func(i int) string { return fmt.Sprintf("subprocess-%d", i) })
}

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }

// TestLinksQueueWhenThePipeHoldsTheWindow: the links and the raw echo
// queue where the pipe to each node can be grown to hold the window
// (batch 64 at windows 4 and 64) and do not past pipe-max-size (window 64
// of batch 8192).
func TestLinksQueueWhenThePipeHoldsTheWindow(t *testing.T) { topotest.LinksQueue(t, New()) }
