package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/buildinfo"
)

// CaptureEnv describes this machine and build: CPU model, cores,
// GOMAXPROCS, Go version, OS and kernel, snbench's module version and the
// git commit where available (from the build's VCS stamp, with whether the
// tree was dirty, else `git rev-parse HEAD` in the working directory), and
// now as the start time.
func CaptureEnv() results.Env {
	host, _ := os.Hostname()
	env := results.Env{
		Host:       host,
		CPUModel:   cpuModel(),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Kernel:     readTrim("/proc/sys/kernel/osrelease"),
		Start:      time.Now().UTC(),
	}
	bi := buildinfo.Read()
	env.Version, env.Commit, env.Dirty = bi.Version, bi.Revision, bi.Dirty
	if env.Commit == "" {
		env.Commit = gitCommit()
	}
	return env
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
