package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MemoryLimit is how much more memory a run may use, and what says so.
type MemoryLimit struct {
	// Bytes is the memory available: the limit less what is in use.
	Bytes int64
	// Source names the limit, e.g. "cgroup memory.max" or "--max-memory".
	Source string
}

// asReserve is the address space a run maps beyond a plan's allocations
// (threads, the runtime's arenas): 512 MiB, measured as the growth of
// VmPeak from 'snbench list' to a run of a small plan (docs/reliability.md).
const asReserve = 512 << 20

// memorySources are where the limits are read: the roots of /proc and of
// the cgroup file system, and the address-space limit. Tests point them
// at files of their own.
type memorySources struct {
	proc, cgroup string
	rlimitAS     func() (uint64, error)
}

func machineSources() memorySources {
	return memorySources{proc: "/proc", cgroup: "/sys/fs/cgroup", rlimitAS: func() (uint64, error) {
		var rl syscall.Rlimit
		err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl)
		return rl.Cur, err
	}}
}

// AvailableMemory returns the memory this process may still use: the least
// of the address-space limit (RLIMIT_AS, less the address space in use and
// asReserve),
// and either maxMemory, when it is positive, or the machine's limits
// (cgroup v2 memory.max or v1 memory.limit_in_bytes, less their usage, and
// /proc/meminfo's MemAvailable). maxMemory can raise the machine's limits,
// which the kernel enforces by reclaiming or killing, but not the
// address-space limit, past which the Go runtime would crash. Limits it
// cannot read are skipped.
func AvailableMemory(maxMemory int64) MemoryLimit {
	return machineSources().available(maxMemory)
}

func (s memorySources) available(maxMemory int64) MemoryLimit {
	best := MemoryLimit{Bytes: -1}
	take := func(bytes int64, source string) {
		if bytes >= 0 && (best.Bytes < 0 || bytes < best.Bytes) {
			best = MemoryLimit{Bytes: bytes, Source: source}
		}
	}
	if as, err := s.rlimitAS(); err == nil && as < 1<<62 {
		used, _ := s.statusKB("VmSize")
		take(max(0, int64(as)-used*1024-asReserve), "address-space limit (RLIMIT_AS)")
	}
	if maxMemory > 0 {
		take(maxMemory, "--max-memory")
		return best
	}
	if lim, source, ok := s.cgroupLimit(); ok {
		take(lim, source)
	}
	if kb, err := s.fileKB("meminfo", "MemAvailable"); err == nil {
		take(kb*1024, "MemAvailable in /proc/meminfo")
	}
	return best
}

// statusKB reads a "Key: N kB" line of /proc/self/status.
func (s memorySources) statusKB(key string) (int64, error) {
	return s.fileKB(filepath.Join("self", "status"), key)
}

// fileKB reads a "Key: N kB" line of a file under proc.
func (s memorySources) fileKB(name, key string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(s.proc, name))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			break
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("%s: no %s", name, key)
}

// cgroupLimit returns the tightest memory limit of this process's cgroup
// and its ancestors, less their usage: cgroup v2's memory.max and
// memory.current, or v1's memory.limit_in_bytes and memory.usage_in_bytes.
func (s memorySources) cgroupLimit() (int64, string, bool) {
	data, err := os.ReadFile(filepath.Join(s.proc, "self", "cgroup"))
	if err != nil {
		return 0, "", false
	}
	best, source, found := int64(0), "", false
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var dir, limitFile, usageFile, name string
		switch {
		case f[1] == "":
			dir, limitFile, usageFile, name = s.cgroup, "memory.max", "memory.current", "cgroup memory.max"
		case strings.Contains(","+f[1]+",", ",memory,"):
			dir, limitFile, usageFile, name = filepath.Join(s.cgroup, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes", "cgroup memory.limit_in_bytes"
		default:
			continue
		}
		// The process's own cgroup and every ancestor, up to the root of
		// the mount (a container sees its own cgroup there).
		for p := filepath.Clean("/" + f[2]); ; p = filepath.Dir(p) {
			if lim, err := readBytes(filepath.Join(dir, p, limitFile)); err == nil && lim < 1<<62 {
				used, _ := readBytes(filepath.Join(dir, p, usageFile))
				if avail := max(0, lim-used); !found || avail < best {
					best, source, found = avail, name, true
				}
			}
			if p == "/" {
				break
			}
		}
	}
	return best, source, found
}

var errNoLimit = errors.New("no limit")

// readBytes reads a cgroup file holding a byte count or "max".
func readBytes(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v := strings.TrimSpace(string(data))
	if v == "max" {
		return 0, errNoLimit
	}
	return strconv.ParseInt(v, 10, 64)
}
