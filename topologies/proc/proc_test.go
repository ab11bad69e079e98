package proc

import (
	"context"
	"testing"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

func TestStartRejectsNodes(t *testing.T) {
	_, err := New().Start(context.Background(), topologies.Config{Workers: 1, Workload: workloads.DefaultSpec(),
		Window: 1, Batch: 1, Nodes: []string{"127.0.0.1:1"}})
	if err == nil {
		t.Fatal("subprocess topology accepted --nodes")
	}
}

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }
