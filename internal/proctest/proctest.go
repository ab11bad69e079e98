// Package proctest finds a process's children through /proc, for tests that
// check that no node process outlives a run.
package proctest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Children returns the pids of pid's live (not zombie) child processes
// that run the same executable as pid: its node processes, which are the
// binary re-executed, and not the short-lived helpers it may also start
// (`git rev-parse` for the environment, say), which would make a check for
// leftover nodes flaky. ok is false where /proc cannot be read.
func Children(pid int) (pids []int, ok bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	parent := strconv.Itoa(pid)
	exe := executable(pid)
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, ppid, ok := stat(p); ok && ppid == parent && state != "Z" && executable(p) == exe {
			pids = append(pids, p)
		}
	}
	return pids, true
}

// executable returns the path of the program pid runs, or "" if unknown.
func executable(pid int) string {
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil {
		return ""
	}
	return exe
}

// Alive reports whether pid runs and is not a zombie.
func Alive(pid int) bool {
	state, _, ok := stat(pid)
	return ok && state != "Z"
}

// stat reads a process's state and parent pid from /proc/PID/stat, whose
// fields after the parenthesised command name are "state ppid ...".
func stat(pid int) (state, ppid string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", "", false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return "", "", false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 2 {
		return "", "", false
	}
	return f[0], f[1], true
}
