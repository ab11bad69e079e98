package app

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/tmpfs"
)

// tinyRun is a short goroutine run whose report has a few plots.
var tinyRun = []string{"run", "--topology", "goroutine", "--workers", "1,2", "--tasks", "1000", "--repetitions", "2",
	"--warmup", "0", "--format", "csv"}

// TestOutDirUnwritable: -o on a read-only or full file system fails before
// anything is measured, in one line, exit 2.
func TestOutDirUnwritable(t *testing.T) {
	for _, mode := range []string{"read-only", "full"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(tmpfs.Mount(t, mode), "out")
			code, stdout, stderr := snbench(t, append(tinyRun, "-o", out)...)
			if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "not writable") {
				t.Fatalf("exit %d, stderr %q: want exit 2 and one line saying the directory is not writable", code, stderr)
			}
			if stdout != "" {
				t.Fatalf("something was measured: stdout %q", stdout)
			}
		})
	}
}

// TestOutDirFillsUp: with 64 KiB free, results.json and some report files
// fit and the rest do not. The table is on stdout anyway; the error says
// what was and was not written; index.html, written last, is absent; and
// every file left is whole, as the manifest's hashes prove.
func TestOutDirFillsUp(t *testing.T) {
	out := filepath.Join(tmpfs.Mount(t, "small"), "out")
	code, stdout, stderr := snbench(t, append(tinyRun, "-o", out)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (did 64 KiB hold the whole report?):\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "goroutine") {
		t.Fatalf("the table is lost: stdout %q", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	for _, w := range []string{"wrote results.json", "not written: ", "index.html", "no space left on device"} {
		if !strings.Contains(last, w) {
			t.Errorf("the error line lacks %q: %s", w, last)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); !os.IsNotExist(err) {
		t.Errorf("index.html of a partial report exists (%v)", err)
	}
	checkManifest(t, out)
}

// checkManifest fails t unless every file under dir, but the manifest, is
// listed in it with the hash of its bytes.
func checkManifest(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, ".snbench-report"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sum, name, ok := strings.Cut(sc.Text(), "  "); ok {
			sums[name] = sum
		}
	}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == ".snbench-report" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		if sums[filepath.ToSlash(rel)] != hex.EncodeToString(h[:]) {
			t.Errorf("%s: not listed with its hash in the manifest: partial, stray or not snbench's", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutDirUserFiles: snbench does not replace a user's index.html or
// summary.md in -o DIR (one line, exit 2, before measuring) unless
// --force; afterwards the files are snbench's and a second run replaces
// them. A plot the user then overwrote is the user's again: a report
// refuses to replace or remove it.
func TestOutDirUserFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	mine := map[string]string{"index.html": "<p>my page</p>", "summary.md": "# my notes"}
	for n, s := range mine {
		writeFile(t, filepath.Join(out, n), s)
	}
	code, stdout, stderr := snbench(t, append(tinyRun, "-o", out)...)
	if code != 2 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
		!strings.Contains(stderr, "index.html, summary.md would be replaced") || !strings.Contains(stderr, "--force") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want exit 2, one line naming both files, nothing measured", code, stdout, stderr)
	}
	for n, s := range mine {
		if got := readFile(t, filepath.Join(out, n)); got != s {
			t.Fatalf("%s replaced: %q", n, got)
		}
	}
	if code, _, stderr := snbench(t, append(tinyRun, "-o", out, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d:\n%s", code, stderr)
	}
	if readFile(t, filepath.Join(out, "index.html")) == mine["index.html"] {
		t.Fatal("--force did not replace index.html")
	}
	checkManifest(t, out)
	results := filepath.Join(out, "results.json")
	if code, _, stderr := snbench(t, "report", results, "--format", "none"); code != 0 {
		t.Fatalf("a report over snbench's own files: exit %d:\n%s", code, stderr)
	}
	plot := filepath.Join(out, "plots", "cpu.png")
	writeFile(t, plot, "my own plot")
	code, _, stderr = snbench(t, "report", results, "--format", "none")
	if code != 2 || !strings.Contains(stderr, filepath.Join("plots", "cpu.png")) {
		t.Fatalf("exit %d, stderr %q: want exit 2 naming plots/cpu.png", code, stderr)
	}
	if got := readFile(t, plot); got != "my own plot" {
		t.Fatalf("the user's plot was replaced: %q", got)
	}
}

// TestOutDirUserResults: a results.json that snbench did not write, even
// with --no-report, is refused before measuring and left as it was.
func TestOutDirUserResults(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(out, "results.json"), `{"mine": true}`)
	code, stdout, stderr := snbench(t, append(tinyRun, "-o", out, "--no-report")...)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "results.json would be replaced") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want exit 2 naming results.json, nothing measured", code, stdout, stderr)
	}
	if got := readFile(t, filepath.Join(out, "results.json")); got != `{"mine": true}` {
		t.Fatalf("results.json replaced: %q", got)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
