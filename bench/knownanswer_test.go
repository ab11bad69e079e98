package bench_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/workloads"
)

// TestCPUBurnIsBoundedByCores: --cpu D is D of CPU time per task on its
// node, so N nodes on C cores complete at most C/D tasks per second, and
// each task costs the nodes at least D of CPU. Four subprocess nodes
// burning 5 ms per task on this machine's cores.
func TestCPUBurnIsBoundedByCores(t *testing.T) {
	if !timing.ThreadCPUExact {
		t.Skip("no thread CPU clock on this platform")
	}
	const d = 5 * time.Millisecond
	cores := runtime.NumCPU()
	p := bench.DefaultPlan([]string{"subprocess"})
	p.Workers, p.Batch, p.Window, p.Tasks = []int{4}, []int{1}, []int{1}, []int{40 * cores}
	p.Repetitions, p.Warmup = 1, 0
	p.CPU = workloads.Duration(d)
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	s := res.Cells[0].Summary
	ceiling := float64(cores) / d.Seconds()
	t.Logf("%d cores: %.0f tasks/s (ceiling %.0f), node CPU per task %v", cores, s.Throughput.Mean, ceiling, time.Duration(s.NodeCPUPerTaskNS))
	if s.Throughput.Mean > 1.05*ceiling {
		t.Errorf("4 nodes burning %v per task on %d cores did %.0f tasks/s, over the %.0f/s the CPU allows", d, cores, s.Throughput.Mean, ceiling)
	}
	if cpu := time.Duration(s.NodeCPUPerTaskNS); cpu < d*95/100 {
		t.Errorf("nodes used %v of CPU per task, want at least %v", cpu, d)
	}
}

// TestFixedWaitKnownAnswer: with a 1 ms wait per task, batch 1 and window
// 1, each node's service p50 is within 5% of 1 ms and the throughput is
// within 10% of workers / (1 ms + the no-wait round trip) where CPU is not
// the limit, at 1 and 8 workers on every topology: a wait costs no CPU,
// so 8 waiting nodes on 2 cores do not slow one another. A busy machine
// can spoil any one run, so one of three tries must hold.
//
// A service p50 over 1.05 ms is the node's timer waking late, and a VM
// whose host is busy wakes every timer late: then the harness is not to
// blame. So after a try whose service p50 missed, the test measures the
// machine's own timer (0.2 s of 1 ms waits on timing.Waiter, the waiter
// the workload sleeps on): a try whose excess over 1 ms the machine's own
// median lateness reaches half of is inconclusive. So is one whose cores
// were over half busy (its CPU per task, coordinator and nodes, times its
// throughput): every wake-up from a wait needs a core, and with 8 nodes on
// 2 cores that busy, a node's wake waits for one (under -race each task
// costs the nodes and the coordinator about 0.4 ms of CPU, so 8 nodes keep
// 2 cores 80-90% busy). The test fails when a try missed while the cores
// were free and the machine's timers prompt, and skips, with the figures,
// when every try was inconclusive.
func TestFixedWaitKnownAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, topo := range []string{"goroutine", "subprocess", "tcp"} {
		for _, workers := range []int{1, 8} {
			t.Run(fmt.Sprintf("%s/workers=%d", topo, workers), func(t *testing.T) {
				var failures, machine []string
				for try := range 3 {
					msg, excess, busy := fixedWaitTry(t, topo, workers)
					if msg == "" {
						return
					}
					t.Logf("try %d: %s", try+1, msg)
					if excess > 0 && busy > 0.5 {
						// Every wake-up needs a core: with the cores over half
						// busy, a node's timer wake waits for one, so the
						// service time carries the machine's queue.
						machine = append(machine, fmt.Sprintf("%s; the cores were %.0f%% busy", msg, 100*busy))
						continue
					}
					if excess > 0 {
						late := timerLate(t, fixedWait, 200*time.Millisecond, 0.5)
						if late >= excess/2 {
							machine = append(machine, fmt.Sprintf("%s; the machine's own 1 ms waits late %v at the median", msg, late))
							continue
						}
						msg = fmt.Sprintf("%s (the machine's own 1 ms waits late %v at the median)", msg, late)
					}
					failures = append(failures, msg)
				}
				if len(failures) > 0 {
					t.Fatalf("%d of three tries missed the known answer with nothing on the machine to explain it: %v", len(failures), failures)
				}
				t.Skipf("every try inconclusive: the machine explains the node's lateness (%s); the known answer cannot be checked here now", strings.Join(machine, "; "))
			})
		}
	}
}

// fixedWait is TestFixedWaitKnownAnswer's wait per task.
const fixedWait = time.Millisecond

// fixedWaitTry runs one no-wait and one wait cell and says how the wait
// cell missed the known answer ("" if it did not), with the service p50's
// excess over the wait when that is how it missed (else 0), and how busy
// the cores were in the wait cell (its CPU per task, coordinator and
// nodes, times its throughput, over the cores).
func fixedWaitTry(t *testing.T, topo string, workers int) (string, time.Duration, float64) {
	t.Helper()
	const wait = fixedWait
	p := bench.DefaultPlan([]string{topo})
	p.Workers, p.Batch, p.Window, p.Tasks = []int{workers}, []int{1}, []int{1}, []int{200 * workers}
	p.Repetitions, p.Warmup = 1, 20*workers
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	rt := time.Duration(res.Cells[0].Summary.Latency.P50)
	p.Wait = workloads.Duration(wait)
	if res, err = newRunner().Run(context.Background(), p, bench.CaptureEnv()); err != nil {
		t.Fatal(err)
	}
	s := res.Cells[0].Summary
	svc := time.Duration(s.Service.P50)
	want := float64(workers) / (wait + rt).Seconds()
	got := s.Throughput.Mean
	// Waiting costs no CPU, but receiving a task and waking from a wait
	// do (the Go runtime's park and wake, tens of microseconds each on a
	// VM): where that keeps the cores over half busy, CPU may be what
	// limits the throughput, and the known answer does not apply to it.
	cpuBusy := got * s.CPUPerTaskNS / 1e9 / float64(runtime.NumCPU())
	switch {
	case svc < wait:
		t.Fatalf("service p50 %v below the %v wait", svc, wait)
	case svc > wait*105/100:
		return fmt.Sprintf("service p50 %v, want within 5%% of %v (cpu/task %v)", svc, wait, time.Duration(s.CPUPerTaskNS)), svc - wait, cpuBusy
	case cpuBusy > 0.5:
		t.Logf("%.0f tasks/s against %.0f: the cores were %.0f%% busy (%v of CPU per task), so CPU may be the limit; throughput not judged",
			got, want, 100*cpuBusy, time.Duration(s.CPUPerTaskNS))
	case s.NoWaitRTNS <= 0:
		t.Fatalf("a fixed-delay cell without its no-wait round trip (nowait_rt_ns)")
	case got > 1.1*want:
		return fmt.Sprintf("%.0f tasks/s, more than 10%% above %.0f (round trip %v)", got, want, rt), 0, cpuBusy
	case got < 0.9*want:
		// On the 2-vCPU VMs here a coordinator that waited out the delay
		// idle wakes 80-130 us late when the result arrives, which the hot
		// no-wait round trip does not include (tcp, 1 worker: 855/s
		// against 962/s; docs/measurement.md). The answer: the
		// cell must say so, with its own no-wait round trip.
		if w := warningWith(res.Cells[0].Warnings, "wake-late:"); w != "" {
			t.Logf("%.0f tasks/s against %.0f, and the cell says why: %s", got, want, w)
			return "", 0, cpuBusy
		}
		return fmt.Sprintf("%.0f tasks/s, over 10%% below %.0f (round trip %v), and no wake-late caveat: %q", got, want, rt, res.Cells[0].Warnings), 0, cpuBusy
	}
	return "", 0, cpuBusy
}

// warningWith returns the first of ws that starts with prefix, or "".
func warningWith(ws []string, prefix string) string {
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	return ""
}
