package proc

import (
	"testing"

	"github.com/snbench/snbench/topologies/topotest"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }
