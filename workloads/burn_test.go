package workloads_test

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/workloads"
)

// TestBurnIsCPUTime: a burn consumes its duration of CPU time, however the
// scheduler shares the CPU. Four goroutines burning 20 ms each on one
// processor (GOMAXPROCS 1) cannot finish before 80 ms of wall time, and the
// process uses at least 80 ms of CPU; a burn of wall-clock time would end
// after about 20 ms, having used about 20 ms.
func TestBurnIsCPUTime(t *testing.T) {
	if !timing.ThreadCPUExact {
		t.Skip("no thread CPU clock on this platform: Burn falls back to wall time")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n, d = 4, 20 * time.Millisecond
	cpu0, start := processCPU(t), time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { workloads.Burn(d) })
	}
	wg.Wait()
	wall, cpu := time.Since(start), processCPU(t)-cpu0
	t.Logf("%d burns of %v on one processor: %v wall, %v CPU", n, d, wall, cpu)
	if wall < n*d {
		t.Errorf("%d burns of %v on one processor ended after %v, want at least %v", n, d, wall, n*d)
	}
	if cpu < n*d {
		t.Errorf("%d burns of %v used %v of CPU, want at least %v", n, d, cpu, n*d)
	}
}

// TestWaitCostsNoCPU: the workload's per-task wait parks instead of
// spinning. 200 tasks with a 1 ms wait take at least 200 ms and use a
// small part of that in CPU.
func TestWaitCostsNoCPU(t *testing.T) {
	spec := workloads.DefaultSpec()
	spec.Wait = workloads.Duration(time.Millisecond)
	w, err := workloads.NewDoubling(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer workloads.Release(w)
	b := workloads.Batch{IDs: []uint64{1}}
	w.Fill(&b)
	var r workloads.Result
	cpu0, start := processCPU(t), time.Now()
	for range 200 {
		w.Serve(&b, &r)
	}
	wall, cpu := time.Since(start), processCPU(t)-cpu0
	t.Logf("200 waits of 1ms: %v wall, %v CPU", wall, cpu)
	if wall < 200*time.Millisecond {
		t.Fatalf("200 waits of 1ms took %v", wall)
	}
	if cpu > wall/4 {
		t.Errorf("200 waits of 1ms used %v of CPU in %v: waiting spins", cpu, wall)
	}
}

func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
