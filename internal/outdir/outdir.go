package outdir

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ManifestFile is the manifest's name inside the directory.
const ManifestFile = ".snbench-report"

// Dir is an output directory opened by Open. It is safe for concurrent
// use.
type Dir struct {
	path  string
	force bool

	mu       sync.Mutex
	owned    map[string]string // name -> hex SHA-256 snbench wrote; "" in a legacy manifest
	written  []string          // this session, in order
	nodeLogs []string          // node log names taken this session
}

// Open creates the directory path if needed, proves that a file can be
// created, written and removed in it (so a read-only or full file system
// fails here, before anything is measured), and reads its manifest. With
// force, files that are not snbench's may be replaced.
func Open(path string, force bool) (*Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	if err := probe(path); err != nil {
		return nil, fmt.Errorf("output directory %s: not writable: %w", path, err)
	}
	d := &Dir{path: path, force: force, owned: map[string]string{}}
	if err := d.readManifest(); err != nil {
		return nil, err
	}
	return d, nil
}

// probe writes, syncs and removes a temporary file of its own in dir.
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".snbench-probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, 4096))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path returns the directory's path.
func (d *Dir) Path() string { return d.path }

// Join returns the path of name inside the directory.
func (d *Dir) Join(name string) string { return filepath.Join(d.path, name) }

func (d *Dir) readManifest() error {
	data, err := os.ReadFile(d.Join(ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory %s: reading %s: %w", d.path, ManifestFile, err)
	}
	legacy := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 2*sha256.Size {
			sum, name, legacy = "", line, true
		}
		if filepath.IsLocal(name) && name != ManifestFile {
			d.owned[filepath.Clean(name)] = sum
		}
	}
	if _, listed := d.owned["results.json"]; legacy && !listed {
		d.owned["results.json"] = ""
	}
	return nil
}

// owns reports whether name is snbench's: absent, or listed in the
// manifest and still holding what snbench wrote. Call with d.mu held.
func (d *Dir) owns(name string) (bool, error) {
	p := d.Join(name)
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("output directory: %w", err)
	}
	want, listed := d.owned[name]
	if !listed || !fi.Mode().IsRegular() {
		return false, nil
	}
	if want == "" {
		return true, nil // legacy manifest: the name is the proof
	}
	got, err := hashFile(p)
	if err != nil {
		return false, fmt.Errorf("output directory: %w", err)
	}
	return got == want, nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ConflictError is a file snbench would replace or remove that it did not
// write.
type ConflictError struct {
	Dir   string
	Files []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("output directory %s: %s would be replaced, and snbench did not write it "+
		"(its %s does not prove it): move it, choose another -o, or pass --force", e.Dir, listNames(e.Files, 3), ManifestFile)
}

// Check returns a *ConflictError naming every file directly in the
// directory, or in one of its subdirs, that matches (by its slash-separated
// name relative to the directory) and is not snbench's. With force it
// returns nil.
func (d *Dir) Check(match func(name string) bool, subdirs ...string) error {
	if d.force {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var bad []string
	for _, sub := range append([]string{""}, subdirs...) {
		entries, err := os.ReadDir(d.Join(sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("output directory: %w", err)
		}
		for _, e := range entries {
			name := filepath.Join(sub, e.Name())
			if !match(filepath.ToSlash(name)) {
				continue
			}
			ok, err := d.owns(name)
			if err != nil {
				return err
			}
			if !ok {
				bad = append(bad, name)
			}
		}
	}
	if len(bad) > 0 {
		return &ConflictError{Dir: d.path, Files: bad}
	}
	return nil
}

// PartialError says which files of a set were written before writing one
// of them failed, and which were not.
type PartialError struct {
	Dir        string
	Written    []string
	NotWritten []string
	Err        error
}

func (e *PartialError) Error() string {
	w := "nothing"
	if len(e.Written) > 0 {
		w = listNames(e.Written, 20)
	}
	return fmt.Sprintf("output directory %s: wrote %s; not written: %s: %v", e.Dir, w, listNames(e.NotWritten, 20), e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// listNames joins names, naming at most max of them.
func listNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}
