package outdir_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/outdir"
	"github.com/snbench/snbench/internal/tmpfs"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func isPNG(n string) bool { return strings.HasPrefix(n, "plots/") && strings.HasSuffix(n, ".png") }

// TestOwnership: snbench replaces and prunes only files its manifest
// proves it wrote; a user's file, or one of its own the user edited, gets
// a ConflictError (or is replaced under force) and is never pruned.
func TestOwnership(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string)
		force    bool
		wantConf bool
	}{
		{"new directory", func(*testing.T, string) {}, false, false},
		{"written by an earlier session", func(t *testing.T, dir string) { session(t, dir, "old", false) }, false, false},
		{"a user's file", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "index.html"), "mine") }, false, true},
		{"a user's file, forced", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "index.html"), "mine") }, true, false},
		{"snbench's file, edited by the user", func(t *testing.T, dir string) {
			session(t, dir, "old", false)
			write(t, filepath.Join(dir, "index.html"), "edited")
		}, false, true},
		{"legacy manifest", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, outdir.ManifestFile), "# files written by snbench's last report here\nindex.html\n")
			write(t, filepath.Join(dir, "index.html"), "old report")
			write(t, filepath.Join(dir, "results.json"), "{}")
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tt.setup(t, dir)
			before, _ := os.ReadFile(filepath.Join(dir, "index.html"))
			d, err := outdir.Open(dir, tt.force)
			if err != nil {
				t.Fatal(err)
			}
			checkErr := d.Check(func(n string) bool { return n == "index.html" || isPNG(n) }, "plots")
			writeErr := d.WriteFile("index.html", []byte("new"))
			var ce *outdir.ConflictError
			if tt.wantConf {
				if !errors.As(checkErr, &ce) || !errors.As(writeErr, &ce) || ce.Files[0] != "index.html" {
					t.Fatalf("Check: %v, WriteFile: %v: want ConflictErrors naming index.html", checkErr, writeErr)
				}
				if got := read(t, filepath.Join(dir, "index.html")); got != string(before) {
					t.Fatalf("index.html now %q, was %q", got, before)
				}
				return
			}
			if checkErr != nil || writeErr != nil {
				t.Fatalf("Check: %v, WriteFile: %v", checkErr, writeErr)
			}
			if got := read(t, filepath.Join(dir, "index.html")); got != "new" {
				t.Fatalf("index.html = %q", got)
			}
			if err := d.WriteFile("results.json", []byte("{}")); err != nil {
				t.Fatalf("results.json: %v", err)
			}
			verifyManifest(t, dir)
		})
	}
}

// session writes index.html and plots/a.png as one snbench session would.
func session(t *testing.T, dir, content string, force bool) *outdir.Dir {
	t.Helper()
	d, err := outdir.Open(dir, force)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"index.html", "plots/a.png"} {
		if err := d.WriteFile(n, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// verifyManifest checks the manifest with sha256sum, where installed.
func verifyManifest(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("sha256sum"); err != nil {
		return
	}
	cmd := exec.Command("sha256sum", "--quiet", "-c", outdir.ManifestFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "index.html: OK") {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

// TestPrune: a file an earlier session wrote and this one did not is
// removed; a user's file of the same kind, and one the user edited, stay.
func TestPrune(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	session(t, dir, "old", false)
	d0, _ := outdir.Open(dir, false)
	if err := d0.WriteFile("plots/b.png", []byte("old b")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "plots", "mine.png"), "the user's")
	write(t, filepath.Join(dir, "plots", "b.png"), "edited by the user")
	d, err := outdir.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFile("index.html", []byte("new")); err != nil {
		t.Fatal(err)
	}
	removed, err := d.Prune(isPNG)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{filepath.Join("plots", "a.png")}) {
		t.Fatalf("pruned %v, want only plots/a.png", removed)
	}
	if got := read(t, filepath.Join(dir, "plots", "mine.png")); got != "the user's" {
		t.Fatalf("mine.png = %q", got)
	}
	if got := read(t, filepath.Join(dir, "plots", "b.png")); got != "edited by the user" {
		t.Fatalf("b.png = %q", got)
	}
	if err := d.Check(isPNG, "plots"); err == nil || !strings.Contains(err.Error(), "b.png") || !strings.Contains(err.Error(), "mine.png") {
		t.Fatalf("Check: %v: want a conflict naming b.png and mine.png", err)
	}
}

// TestOpenUnwritable: a read-only or full file system fails Open, before
// anything is measured. Needs root for the mounts.
func TestOpenUnwritable(t *testing.T) {
	for _, mode := range []string{"read-only", "full"} {
		t.Run(mode, func(t *testing.T) {
			mnt := tmpfs.Mount(t, mode)
			_, err := outdir.Open(filepath.Join(mnt, "out"), false)
			if err == nil {
				t.Fatalf("Open on a %s file system succeeded", mode)
			}
			if strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "output directory") {
				t.Fatalf("error %q: want one line naming the output directory", err)
			}
		})
	}
}
