package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
)

// infoLink is a link that only describes its node.
type infoLink struct {
	topologies.Link
	info topologies.NodeInfo
}

func (l infoLink) Info() topologies.NodeInfo { return l.info }

// TestNodeUseLocalOrRemote: a node the topology started here is held to
// this machine's cores; one that already ran (--nodes) is not, even when
// its welcome carries a pid (it did, and was held to the coordinator's
// cores: an honest 64-core remote node's CPU was thrown away).
func TestNodeUseLocalOrRemote(t *testing.T) {
	elapsed := time.Second
	used := time.Duration(runtime.NumCPU()+2) * time.Second // more than this machine's cores can use in elapsed
	for _, tc := range []struct {
		name     string
		info     topologies.NodeInfo
		believed bool
	}{
		{"started here", topologies.NodeInfo{Name: "tcp-1", PID: 42, Local: true}, false},
		{"remote with a pid", topologies.NodeInfo{Name: "tcp-1", PID: 42, Addr: "10.0.0.2:7070"}, true},
		{"remote without a pid", topologies.NodeInfo{Name: "tcp-1", Addr: "10.0.0.2:7070"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			links := []topologies.Link{infoLink{info: tc.info}}
			before := []topologies.NodeStats{{CPU: time.Second, MaxRSSKB: 1000}}
			after := []topologies.NodeStats{{CPU: time.Second + used, MaxRSSKB: 1000}}
			cpu, _, claims := nodeUse(links, before, after, []bool{true}, []bool{true}, elapsed, 1<<20)
			if got := cpu != nil && *cpu == int64(used); got != tc.believed {
				t.Fatalf("CPU %v believed: %v, want %v (claims %+v)", used, got, tc.believed, claims)
			}
		})
	}
}
