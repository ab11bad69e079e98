package app

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/snbench/snbench/internal/buildinfo"
	"github.com/snbench/snbench/internal/outdir"
)

// runsRoot is where runs are kept when -o is not given.
const runsRoot = "results"

// newRunDir makes the directory of a kept run: runsRoot/<time>-<commit>/.
func newRunDir() (string, error) {
	bi := buildinfo.Read()
	p, err := outdir.NewRun(runsRoot, outdir.RunName(time.Now(), bi.Revision, bi.Dirty))
	if err != nil {
		return "", usagef("-o: %v", err)
	}
	return p, nil
}

// markLatest records dir as the newest kept run and says where it is.
func (a *app) markLatest(dir string) error {
	latest, err := outdir.SetLatest(runsRoot, dir)
	if latest != dir {
		fmt.Fprintf(a.stderr, "latest: %s -> %s\n", latest, filepath.Base(dir))
	}
	return err
}

// lastRuns returns the results files of the two newest runs kept under
// root, older first.
func lastRuns(root string) (string, string, error) {
	runs, err := outdir.Runs(root)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", usagef("--last: %v", err)
	}
	if len(runs) < 2 {
		return "", "", usagef("--last: %d runs kept under %s: 'snbench run' (without -o) keeps each run there; compare needs two", len(runs), root)
	}
	n := len(runs)
	return filepath.Join(runs[n-2], resultsFile), filepath.Join(runs[n-1], resultsFile), nil
}
