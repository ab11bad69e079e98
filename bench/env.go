package bench

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/buildinfo"
)

// CaptureEnv describes this machine and build: CPU model, cores,
// GOMAXPROCS, Go version, OS and kernel, snbench's module version and the
// git commit where available (from the build's VCS stamp, with whether the
// tree was dirty, else, for an unversioned build such as `go run` from a
// clone, the HEAD of the working directory's repository when that
// repository is snbench's own module, see sourceCommit), and now as the
// start time.
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
	if env.Commit == "" && (bi.Version == "" || bi.Version == "(devel)") {
		env.Commit = sourceCommit("", bi.Module)
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

// sourceCommit returns the HEAD of the git repository that holds dir (""
// for the working directory) when the go.mod at its top declares module,
// the module this binary was built as, and "" otherwise: an unstamped
// build run from inside some other repository must not record that
// repository's commit as its own.
func sourceCommit(dir, module string) string {
	if module == "" {
		return ""
	}
	cmd := exec.Command("git", "rev-parse", "--show-toplevel", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	top, head, ok := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if !ok {
		return ""
	}
	mod, err := os.ReadFile(filepath.Join(top, "go.mod"))
	if err != nil || modfile.ModulePath(mod) != module {
		return ""
	}
	return strings.TrimSpace(head)
}
