package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// TestEstimateMemory: the plans of issue 13, which crashed with an out of
// memory dump under a 6 GiB address-space limit, are estimated: the two
// whose only problem was a bitset of every id per driver now need well
// under 6 GiB; the one with 2 TiB of batches in flight is far over it.
func TestEstimateMemory(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name                                   string
		workers, tasks, window, batch, payload int
		lo, hi                                 int64 // bounds on the estimate
		top                                    string
	}{
		{"defaults", 8, 1_000_000, 4, 64, 1, 1 << 20, 64 << 20, "histograms"},
		{"workers 512 x tasks 100M", 512, 100_000_000, 4, 64, 1, 300 << 20, 2 * gib, "histograms"},
		{"workers 1024 x tasks 2^30", 1024, 1 << 30, 4, 64, 1, 1 * gib, 3 * gib, "histograms"},
		{"window 65536 x batch 65536 x payload 64", 8, 1_000_000, 65536, 65536, 64, 64 << 40, 128 << 40, "batches in flight"},
		{"tasks 2^30 on one node", 1, 1 << 30, 4, 64, 1, 256 << 20, 512 << 20, "bitsets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPlan([]string{"goroutine"})
			p.Workers, p.Tasks, p.Window, p.Batch, p.Payload = []int{1, tt.workers}, []int{tt.tasks}, []int{tt.window}, []int{tt.batch}, []int{tt.payload}
			e := EstimateMemory(p)
			t.Logf("%s", e)
			if e.Bytes < tt.lo || e.Bytes > tt.hi {
				t.Errorf("estimate %s, want between %s and %s", FormatBytes(e.Bytes), FormatBytes(tt.lo), FormatBytes(tt.hi))
			}
			if e.Cell.Workers != tt.workers || e.Parts[0].What != tt.top {
				t.Errorf("estimated cell %v, largest part %q: want workers %d and %q", e.Cell, e.Parts[0].What, tt.workers, tt.top)
			}
		})
	}
}

// TestEstimateCoversAPass runs a cell whose batches in flight dominate and
// checks the estimate against what the run allocated (the Go heap's
// cumulative allocations, which bound its peak): at least that, and within
// a factor of 6 of it.
func TestEstimateCoversAPass(t *testing.T) {
	wl := workloads.DefaultRegistry()
	r := &Runner{Topologies: builtin.Registry(wl), Workloads: wl}
	p := DefaultPlan([]string{"goroutine"})
	p.Workers, p.Tasks, p.Window, p.Batch, p.Payload = []int{4}, []int{20_000}, []int{64}, []int{256}, []int{32}
	p.Repetitions, p.Warmup = 1, 1000
	e := EstimateMemory(p)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := r.Run(context.Background(), p, results.Env{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("allocated %s in the run; estimate %s", FormatBytes(alloc), e)
	if e.Bytes < alloc || e.Bytes > 6*alloc {
		t.Errorf("estimate %s for a run that allocated %s: want between 1 and 6 times it", FormatBytes(e.Bytes), FormatBytes(alloc))
	}
}

// TestRunnerRefusesPlanOverMemory: Check and Run refuse a plan over
// MaxMemory with a *MemoryError that gives the estimate, what it is
// mostly for, the limit and its source; Run starts nothing.
func TestRunnerRefusesPlanOverMemory(t *testing.T) {
	wl := workloads.DefaultRegistry()
	r := &Runner{Topologies: builtin.Registry(wl), Workloads: wl, MaxMemory: 1 << 20}
	p := DefaultPlan([]string{"goroutine"})
	p.Window, p.Batch, p.Payload = []int{1024}, []int{1024}, []int{64}
	for name, run := range map[string]func() error{
		"Check": func() error { return r.Check(p) },
		"Run":   func() error { res, err := r.Run(context.Background(), p, results.Env{}); _ = res; return err },
	} {
		err := run()
		var me *MemoryError
		if !errors.As(err, &me) {
			t.Fatalf("%s: %v, want a *MemoryError", name, err)
		}
		for _, want := range []string{"plan needs about", "batches in flight", "over the 1.0 MiB available (--max-memory)", "lower --window, --batch or --payload"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", name, err, want)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q is not one line", name, err)
		}
	}
	r.MaxMemory = 64 << 30
	if err := r.Check(p); err != nil {
		t.Errorf("with 64 GiB: %v", err)
	}
}

// TestAvailableMemory reads fake /proc and cgroup files: the least of the
// limits wins, less what is in use, and --max-memory replaces every limit
// but the address-space one.
func TestAvailableMemory(t *testing.T) {
	const mib = 1 << 20
	write := func(t *testing.T, root, name, data string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noAS := func() (uint64, error) { return ^uint64(0), nil }
	tests := []struct {
		name      string
		files     map[string]string // under proc/ and cgroup/
		as        func() (uint64, error)
		maxMemory int64
		want      MemoryLimit
	}{
		{"meminfo only", map[string]string{"proc/meminfo": "MemTotal: 8000000 kB\nMemAvailable:    4096 kB\n"}, noAS, 0,
			MemoryLimit{4 * mib, "MemAvailable in /proc/meminfo"}},
		{"cgroup v2, the parent's limit is tighter", map[string]string{
			"proc/meminfo": "MemAvailable: 8388608 kB\n", "proc/self/cgroup": "0::/a/b\n",
			"cgroup/a/b/memory.max": "max\n", "cgroup/a/memory.max": "104857600\n", "cgroup/a/memory.current": "20971520\n",
		}, noAS, 0, MemoryLimit{80 * mib, "cgroup memory.max"}},
		{"cgroup v1", map[string]string{
			"proc/meminfo": "MemAvailable: 8388608 kB\n", "proc/self/cgroup": "5:cpu,cpuacct:/x\n4:memory:/x\n",
			"cgroup/memory/x/memory.limit_in_bytes": "62914560\n", "cgroup/memory/x/memory.usage_in_bytes": "10485760\n",
			"cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, noAS, 0, MemoryLimit{50 * mib, "cgroup memory.limit_in_bytes"}},
		{"address space, less what is mapped", map[string]string{
			"proc/meminfo": "MemAvailable: 8388608 kB\n", "proc/self/status": "Name: x\nVmSize:\t  102400 kB\n",
		}, func() (uint64, error) { return 6 << 30, nil }, 0, MemoryLimit{6<<30 - 100*mib - asReserve, "address-space limit (RLIMIT_AS)"}},
		{"--max-memory over the machine's limits", map[string]string{
			"proc/meminfo": "MemAvailable: 4096 kB\n", "proc/self/cgroup": "0::/\n", "cgroup/memory.max": "1048576\n",
		}, noAS, 512 * mib, MemoryLimit{512 * mib, "--max-memory"}},
		{"--max-memory cannot lift the address-space limit", map[string]string{"proc/self/status": "VmSize: 0 kB\n"},
			func() (uint64, error) { return 768 * mib, nil }, 512 * mib, MemoryLimit{256 * mib, "address-space limit (RLIMIT_AS)"}},
		{"nothing readable", nil, noAS, 0, MemoryLimit{Bytes: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, data := range tt.files {
				write(t, root, name, data)
			}
			s := memorySources{proc: filepath.Join(root, "proc"), cgroup: filepath.Join(root, "cgroup"), rlimitAS: tt.as}
			if got := s.available(tt.maxMemory); got != tt.want {
				t.Errorf("available = %+v, want %+v", got, tt.want)
			}
		})
	}
}
