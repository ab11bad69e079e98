package doctor

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// ParseCPUMax parses a cgroup v2 cpu.max file ("QUOTA PERIOD" in µs, QUOTA
// "max" for none) and returns the quota in CPUs, or 0 when none is set.
func ParseCPUMax(s string) (float64, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("cpu.max: %q: want QUOTA PERIOD", strings.TrimSpace(s))
	}
	period, err := strconv.ParseFloat(f[1], 64)
	if err != nil || !(period > 0) {
		return 0, fmt.Errorf("cpu.max: period %q: want a positive number", f[1])
	}
	if f[0] == "max" {
		return 0, nil
	}
	quota, err := strconv.ParseFloat(f[0], 64)
	if err != nil || !(quota > 0) {
		return 0, fmt.Errorf("cpu.max: quota %q: want a positive number or max", f[0])
	}
	return quota / period, nil
}

// cgroupQuota reads the CPU quota of this process's cgroup (v2 cpu.max,
// else v1 cfs_quota_us / cfs_period_us); 0 when none is set or readable.
func cgroupQuota() float64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/cpu.max"); err == nil {
		q, _ := ParseCPUMax(string(b))
		return q
	}
	q, err1 := os.ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
	p, err2 := os.ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
	if err := errors.Join(err1, err2); err != nil || strings.TrimSpace(string(q)) == "-1" {
		return 0
	}
	v, _ := ParseCPUMax(strings.TrimSpace(string(q)) + " " + string(p))
	return v
}

// loadAverage returns the 1-minute load average, or 0 where unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// CPUOf compares cores, GOMAXPROCS and a cgroup quota (0: none) and says
// where they disagree.
func CPUOf(cores, gomaxprocs int, quota, load1 float64) results.DoctorCPU {
	c := results.DoctorCPU{Cores: cores, GOMAXPROCS: gomaxprocs, QuotaCPUs: quota, Load1: load1}
	c.Usable = min(cores, gomaxprocs)
	if quota > 0 {
		c.Usable = min(c.Usable, max(1, int(math.Floor(quota))))
	}
	switch {
	case gomaxprocs > cores:
		c.Warnings = append(c.Warnings, fmt.Sprintf("GOMAXPROCS %d exceeds the %d cores: goroutines time-share cores, and scaling past %d measures the scheduler", gomaxprocs, cores, cores))
	case gomaxprocs < cores:
		c.Warnings = append(c.Warnings, fmt.Sprintf("GOMAXPROCS %d is below the %d cores: at most %d goroutines run at once", gomaxprocs, cores, gomaxprocs))
	}
	if quota > 0 && quota < float64(min(cores, gomaxprocs)) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the cgroup CPU quota is %.3g CPUs: runs past %d busy goroutines are throttled", quota, c.Usable))
	}
	if load1 > float64(cores) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("load average %.2f exceeds the %d cores: other processes compete for them, and every figure here is this moment's", load1, cores))
	}
	return c
}

// measureCPU reads this machine's limits.
func measureCPU() results.DoctorCPU {
	return CPUOf(runtime.NumCPU(), runtime.GOMAXPROCS(0), cgroupQuota(), loadAverage())
}
