package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/snbench/snbench/bench/results"
)

// Append adds e to the history file at path as one JSON line, creating the
// file if needed. The file is rewritten atomically (a temporary file,
// fsync, rename), so a crash or kill at any moment leaves either the old
// file or the new one: an append never loses earlier entries. Concurrent
// appends to one file are serialised by an flock on path+".lock". A torn
// last line left by another writer (see Read) is dropped.
func Append(path string, e Entry) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("history %s: appending: %w", path, err)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("history %s: appending: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("history %s: %w", path, err)
	}
	unlock, err := lock(path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	removeStaleTemps(path)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("history %s: %w", path, err)
	}
	keep, _, _, err := split(path, old)
	if err != nil {
		return err
	}
	data := make([]byte, 0, len(keep)+len(line)+1)
	data = append(append(append(data, keep...), line...), '\n')
	return results.WriteFileAtomic(path, data)
}

// Read returns the entries of the history file at path, oldest first. A
// torn last line (a write that never completed) is skipped with a
// warning; any other line that does not parse is an error naming it.
func Read(path string) (entries []Entry, warnings []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	_, entries, torn, err := split(path, b)
	if err != nil {
		return nil, nil, err
	}
	if torn {
		warnings = append(warnings, fmt.Sprintf("history %s: last line is incomplete (an interrupted write): skipped", path))
	}
	return entries, warnings, nil
}

// split parses a history file's contents. It returns the bytes of every
// complete, valid line (each ending in a newline) and their entries. A
// last line without a newline that does not parse is a torn write and is
// dropped; any other bad line is an error.
func split(path string, b []byte) (keep []byte, entries []Entry, torn bool, err error) {
	lineNo := 0
	for len(b) > 0 {
		lineNo++
		i := bytes.IndexByte(b, '\n')
		line, complete := b, false
		if i >= 0 {
			line, complete = b[:i], true
		}
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := parseLine(line)
			switch {
			case perr != nil && !complete:
				return keep, entries, true, nil // torn last line
			case perr != nil:
				return nil, nil, false, fmt.Errorf("history %s: line %d: %w", path, lineNo, perr)
			}
			entries = append(entries, e)
			keep = append(append(keep, line...), '\n')
		}
		if !complete {
			break
		}
		b = b[i+1:]
	}
	return keep, entries, false, nil
}

func parseLine(line []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("not a history entry: %w", err)
	}
	if dec.More() {
		return Entry{}, fmt.Errorf("not a history entry: trailing data")
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// lock takes an exclusive flock on path, creating it.
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("history: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("history: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// removeStaleTemps removes temporary files an interrupted append left
// next to path; the caller holds the lock, so no append is using them.
func removeStaleTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}
