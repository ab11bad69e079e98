package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// Kept runs. `snbench run` without -o writes each run into a directory of
// its own under a root (results/), named by its start time and commit so
// that names sort by time: results/20260102-030405-0123abc/. Nothing is
// replaced: a second run in the same second gets a suffix (-2, -3, ...).
// After a run's results.json is written, the root's LatestFile names it
// (a one-line pointer file, which works on every file system) and, where
// symlinks work, the LatestLink symlink points at it, so that
// results/latest/results.json is the newest run's. Neither is made over a
// file or directory snbench did not make: an old results/latest
// directory stays as it is.

// LatestLink is the name of the symlink to the newest run in a root.
const LatestLink = "latest"

// LatestFile is the name of the pointer file naming the newest run.
const LatestFile = "LATEST"

// runName matches the run directories NewRun makes.
// It is compiled on first use, not in every process of this binary.
var runName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\d{8}-\d{6}(-[0-9a-f]{1,12}(-dirty)?)?(-\d+)?$`)
})

// RunName is the directory name of a run started at t from commit (empty
// when unknown): "20260102-030405-0123abc", with "-dirty" when the tree
// had uncommitted changes.
func RunName(t time.Time, commit string, dirty bool) string {
	name := t.UTC().Format("20060102-150405")
	if len(commit) > 7 {
		commit = commit[:7]
	}
	if commit != "" && runName().MatchString(name+"-"+commit) {
		name += "-" + commit
		if dirty {
			name += "-dirty"
		}
	}
	return name
}

// NewRun creates a new, empty run directory for name under root and
// returns its path: root/name, or root/name-2, root/name-3, ... when a
// directory of that name exists. It never reuses a directory.
func NewRun(root, name string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("runs: %w", err)
	}
	for i := 1; i < 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		p := filepath.Join(root, n)
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("runs: %w", err)
		}
	}
	return "", fmt.Errorf("runs: %s: 999 runs of the same name", filepath.Join(root, name))
}

// SetLatest records run (a directory directly under root) as root's
// newest: it rewrites LatestFile, unless a file of that name is not
// snbench's pointer, and points LatestLink at run where symlinks work,
// unless something other than snbench's symlink stands there. It returns
// the path that now names the newest run (the link, or the run itself).
func SetLatest(root, run string) (string, error) {
	name := filepath.Base(run)
	var errs []error
	if ok, err := isPointer(filepath.Join(root, LatestFile)); err != nil || !ok {
		errs = append(errs, err)
	} else if err := results.WriteFileAtomic(filepath.Join(root, LatestFile), []byte(name+"\n")); err != nil {
		errs = append(errs, fmt.Errorf("runs: %w", err))
	}
	link := filepath.Join(root, LatestLink)
	fi, err := os.Lstat(link)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink == 0:
		return run, errors.Join(errs...) // a directory or file of its own: leave it
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return run, errors.Join(append(errs, fmt.Errorf("runs: %w", err))...)
	case err == nil:
		if target, err := os.Readlink(link); err != nil || !runName().MatchString(target) {
			return run, errors.Join(errs...) // a symlink snbench did not make
		}
	}
	tmp := filepath.Join(root, ".latest.tmp-"+name)
	_ = os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return run, errors.Join(errs...) // no symlinks here: the pointer file names it
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return run, errors.Join(errs...)
	}
	return link, errors.Join(errs...)
}

// isPointer reports whether path is absent or holds one line naming a run
// directory: a file snbench may replace.
func isPointer(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("runs: %w", err)
	}
	return runName().MatchString(strings.TrimSpace(string(b))) && len(b) < 64, nil
}

// Runs returns the run directories under root that hold a results.json,
// oldest first (by name, which sorts by start time).
func Runs(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || !runName().MatchString(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "results.json")); err == nil {
			out = append(out, filepath.Join(root, e.Name()))
		}
	}
	slices.SortFunc(out, func(a, b string) int { return compareRunNames(filepath.Base(a), filepath.Base(b)) })
	return out, nil
}

// compareRunNames orders run names by time, then by their -N suffix.
func compareRunNames(a, b string) int {
	if c := strings.Compare(a[:15], b[:15]); c != 0 {
		return c
	}
	return strings.Compare(suffixKey(a), suffixKey(b))
}

// suffixKey makes "-2" sort before "-10".
func suffixKey(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 15 {
		return "0"
	}
	s := name[i+1:]
	if strings.Trim(s, "0123456789") != "" || len(s) > 3 {
		return "0"
	}
	return fmt.Sprintf("%04s", s)
}
