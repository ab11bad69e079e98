package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Write stores r as indented JSON at path atomically: it writes a temporary
// file in the same directory, syncs it, renames it over path and syncs the
// directory, so path holds either the old or the new file, never a part.
func Write(path string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// WriteFileAtomic writes data to path atomically (temp file, fsync,
// rename, fsync of the directory), creating the directory if needed.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadError says what is wrong with a results file.
type ReadError struct {
	Path   string
	Field  string // JSON path of the bad field, if known
	Reason string
}

func (e *ReadError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: field %s: %s", e.Path, e.Field, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Reason)
}

// Read reads and checks a results file.
func Read(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and checks the results in b; name is used in errors.
func Parse(name string, b []byte) (*Results, error) {
	fail := func(field, format string, args ...any) error {
		return &ReadError{Path: name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	var head struct {
		Schema *int   `json:"schema"`
		Tool   string `json:"tool"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fail("", "not a results file: %s", jsonReason(b, err))
	}
	if head.Schema == nil {
		return nil, fail("schema", "missing: not an snbench results file")
	}
	if *head.Schema > SchemaVersion {
		return nil, fail("schema", "version %d is newer than this snbench reads (1 to %d): it was written by a newer snbench; "+
			"update this one (go install github.com/snbench/snbench/cmd/snbench@latest)", *head.Schema, SchemaVersion)
	}
	if *head.Schema < 1 {
		return nil, fail("schema", "version %d: not an snbench results file (versions start at 1)", *head.Schema)
	}
	if *head.Schema == 1 {
		b = migrateV1(b)
	}
	// Fields this version does not know are ignored: a tool, or a later
	// snbench of the same major schema, may add some (additions never
	// change what the known fields mean; a change that does raises the
	// schema version, refused above).
	var r Results
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fail(strings.ReplaceAll(te.Field, ".Key.", "."), "want %s, got JSON %s", te.Type, te.Value)
		}
		return nil, fail("", "%s", jsonReason(b, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail("", "trailing data after the results object")
	}
	if err := r.Plan.Validate(); err != nil {
		return nil, fail("plan", "%v", err)
	}
	for i := range r.Cells {
		if err := checkCell(&r.Cells[i]); err != nil {
			return nil, fail(fmt.Sprintf("cells[%d]", i), "%v", err)
		}
	}
	if r.Schema == 1 && !slices.Contains(r.Warnings, legacyWarning) {
		r.Warnings = append(r.Warnings, legacyWarning)
	}
	return &r, nil
}

func checkCell(c *Cell) error {
	if !slices.Contains([]string{StatusOK, StatusFailed, StatusError, StatusIncomplete}, c.Status) {
		return fmt.Errorf("status: unknown %q", c.Status)
	}
	if c.Workers < 1 || c.Tasks < 1 || c.Payload < 1 || c.Window < 0 || c.Batch < 1 {
		return fmt.Errorf("cell %s: scales must be at least 1 (window 0 for auto)", c.Key)
	}
	if a := c.AutoWindow; a != nil && (c.Window != WindowAuto || a.Window < 1 || a.Window > MaxWindow) {
		return fmt.Errorf("cell %s: auto_window: window %d for a cell of window %s", c.Key, a.Window, FormatWindow(c.Window))
	}
	for j, rep := range c.Reps {
		if rep.Tasks < 0 || rep.WallNS < 0 || rep.Throughput < 0 {
			return fmt.Errorf("reps[%d]: negative figure", j)
		}
		if _, err := rep.Latency.Decode(); err != nil {
			return fmt.Errorf("reps[%d].batch_latency: %w", j, err)
		}
		if _, err := rep.Service.Decode(); err != nil {
			return fmt.Errorf("reps[%d].service: %w", j, err)
		}
	}
	return nil
}

// jsonReason describes a JSON error with its line and column where known.
func jsonReason(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(b, " \t\r\n"))) {
		return "truncated JSON (the file ends early)"
	}
	if errors.As(err, &se) {
		line, col := lineCol(b, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated JSON (the file ends early)"
	}
	return err.Error()
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}
