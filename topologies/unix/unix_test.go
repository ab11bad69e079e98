package unix

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// TestConformance drives started clusters the way the runner does.
func TestConformance(t *testing.T) { topotest.Conformance(t, New()) }

// TestEcho checks the raw baseline's echoes.
func TestEcho(t *testing.T) { topotest.Echo(t, New()) }

// TestSocketDirectory: the sockets live in a directory only this user can
// enter, one socket per node, and Close removes it.
func TestSocketDirectory(t *testing.T) {
	c, err := New().Start(context.Background(), topologies.Config{Workers: 2, Workload: workloads.DefaultSpec(), Window: 1, Batch: 1, StartTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var dir string
	for i, l := range c.Links() {
		info := l.Info()
		if info.PID == 0 || !strings.HasSuffix(info.Addr, ".sock") {
			t.Errorf("link %d: %+v, want a pid and a socket path", i, info)
		}
		dir = filepath.Dir(info.Addr)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("socket directory %s has mode %v, want 0700", dir, st.Mode().Perm())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("socket directory %s still there after Close (stat: %v)", dir, err)
	}
}

// TestNodeModeNeedsSocket: a node started without its socket path says so.
func TestNodeModeNeedsSocket(t *testing.T) {
	for _, m := range New().NodeModes() {
		err := m.Serve(context.Background(), topologies.NodeProcess{Name: "x", Workloads: workloads.DefaultRegistry(),
			Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &strings.Builder{}})
		if err == nil || !strings.Contains(err.Error(), EnvSocket) {
			t.Errorf("mode %s: err = %v, want one naming %s", m.Name, err, EnvSocket)
		}
	}
}

// TestStartFailures has one node of 8 exit or hang as it starts: the
// start must fail in bounded time naming it, and leave no process behind.
func TestStartFailures(t *testing.T) {
	topotest.StartFailures(t, New(), 8, func(i int) string { return fmt.Sprintf("unix-%d", i) })
}

// BenchmarkStart8 starts and closes 8 nodes (the start-up of a
// repetition at 8 workers):
//
//	go test -run '^$' -bench Start8 -benchtime 20x
func BenchmarkStart8(b *testing.B) { topotest.BenchmarkStart(b, New(), 8) }

// TestLinksQueueWhenTheSocketHoldsTheWindow: the links and the raw echo
// queue where the socket's send buffer can be grown to hold the window
// (link.ReserveSocket: batch 64 at windows 4 and 64) and do not past
// what net.core.wmem_max allows (window 64 of batch 8192).
func TestLinksQueueWhenTheSocketHoldsTheWindow(t *testing.T) { topotest.LinksQueue(t, New()) }
