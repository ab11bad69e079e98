package reports

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/outdir"
)

// TestWritePartial: a report that fails part-way (here: it meets a user's
// file) leaves no file of the earlier report beside the new ones, no
// index.html, the user's file untouched, and an error listing what was and
// was not written. WriteFiles finds the same conflict before writing
// anything.
func TestWritePartial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := synth{topologies: []string{"a"}, workers: []int{1, 2}, tasks: []int{100}, reps: 2}.build(t)
	r, err := New(res)
	if err != nil {
		t.Fatal(err)
	}
	r.Figures = slices.DeleteFunc(r.Figures, func(f *Figure) bool { return f.Name != "throughput" })
	if len(r.Figures) != 1 {
		t.Fatalf("want the throughput figure")
	}
	if _, err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "summary.txt")
	if err := os.WriteFile(mine, []byte("the user's own summary"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ce *outdir.ConflictError
	if _, err := r.WriteFiles(dir); !errors.As(err, &ce) {
		t.Fatalf("WriteFiles: %v: want a ConflictError before writing", err)
	}
	d, err := outdir.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.WriteTo(d)
	var pe *outdir.PartialError
	if !errors.As(err, &pe) || !errors.As(err, &ce) {
		t.Fatalf("WriteTo: %v: want a PartialError caused by a ConflictError", err)
	}
	if !slices.Contains(pe.NotWritten, "summary.txt") || !slices.Contains(pe.NotWritten, IndexFile) ||
		!slices.Contains(pe.Written, "summary.md") || !strings.Contains(err.Error(), "not written: summary.txt") {
		t.Fatalf("error %v: want summary.md written, summary.txt and index.html not", err)
	}
	if _, err := os.Stat(filepath.Join(dir, IndexFile)); !os.IsNotExist(err) {
		t.Errorf("the earlier report's index.html is still there (%v)", err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "the user's own summary" {
		t.Errorf("summary.txt = %q", b)
	}
	for _, n := range pe.Written {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s said written: %v", n, err)
		}
	}
}
