package outdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// unknownSum stands in the manifest for a file about to be written: no
// file's hash matches it, so if the write fails or the process dies the
// entry proves nothing.
var unknownSum = strings.Repeat("0", 2*sha256.Size)

// WriteFile writes data to name (relative to the directory) atomically,
// listing it in the manifest first. It refuses, with a *ConflictError, to
// replace a file that is not snbench's unless the directory was opened
// with force.
func (d *Dir) WriteFile(name string, data []byte) error {
	name = filepath.Clean(name)
	if !filepath.IsLocal(name) || name == ManifestFile {
		return fmt.Errorf("output directory: %q is not a file snbench writes", name)
	}
	sum := sha256.Sum256(data)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.force {
		ok, err := d.owns(name)
		if err != nil {
			return err
		}
		if !ok {
			return &ConflictError{Dir: d.path, Files: []string{name}}
		}
	}
	if _, listed := d.owned[name]; !listed {
		d.owned[name] = unknownSum
		if err := d.writeManifest(); err != nil {
			delete(d.owned, name)
			return err
		}
	}
	if err := results.WriteFileAtomic(d.Join(name), data); err != nil {
		return err
	}
	d.owned[name] = hex.EncodeToString(sum[:])
	if !slices.Contains(d.written, name) {
		d.written = append(d.written, name)
	}
	return d.writeManifest()
}

// writeManifest writes the manifest atomically. Call with d.mu held.
func (d *Dir) writeManifest() error {
	var b strings.Builder
	b.WriteString("# files snbench wrote here, with the SHA-256 of what it wrote (sha256sum -c checks them)\n")
	for _, n := range sortedKeys(d.owned) {
		if sum := d.owned[n]; sum != "" {
			fmt.Fprintf(&b, "%s  %s\n", sum, filepath.ToSlash(n))
		} else {
			fmt.Fprintf(&b, "%s\n", filepath.ToSlash(n)) // legacy entry, kept as it was
		}
	}
	if err := results.WriteFileAtomic(d.Join(ManifestFile), []byte(b.String())); err != nil {
		return fmt.Errorf("output directory: manifest: %w", err)
	}
	return nil
}

// Written returns the files written since Open, in order.
func (d *Dir) Written() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.written)
}

// Prune removes the files that match, that are snbench's (listed in the
// manifest and still holding what it wrote), and that were not written
// since Open: what an earlier run or report left and this one replaced
// with nothing. Files that are not snbench's are left alone. It returns
// the names removed.
func (d *Dir) Prune(match func(name string) bool) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var removed []string
	var errs []error
	for _, n := range sortedKeys(d.owned) {
		if !match(filepath.ToSlash(n)) || slices.Contains(d.written, n) {
			continue
		}
		if _, err := os.Lstat(d.Join(n)); errors.Is(err, os.ErrNotExist) {
			delete(d.owned, n)
			continue
		}
		ok, err := d.owns(n)
		if err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(d.Join(n)); err != nil {
			errs = append(errs, fmt.Errorf("output directory: %w", err))
			continue
		}
		delete(d.owned, n)
		removed = append(removed, n)
	}
	if len(removed) > 0 {
		errs = append(errs, d.writeManifest())
	}
	return removed, errors.Join(errs...)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
