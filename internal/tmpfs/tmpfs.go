// Package tmpfs mounts small tmpfs file systems for tests of what snbench
// does when its output directory is read-only or full.
package tmpfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Mount mounts a 64 KiB tmpfs for the test and returns its path: "read-only"
// remounts it read-only with a directory "out" made beforehand (so a mkdir
// of it succeeds and writes fail), "full" fills it to the last byte, any
// other mode leaves it empty. It skips the test when not root or when mount
// fails; Cleanup unmounts it.
func Mount(t testing.TB, mode string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	switch mode {
	case "read-only":
		if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot remount read-only: %v: %s", err, out)
		}
	case "full":
		f, err := os.Create(filepath.Join(dir, "filler"))
		if err != nil {
			t.Fatal(err)
		}
		for err == nil {
			_, err = f.Write(make([]byte, 4096))
		}
		f.Close()
	}
	return dir
}
