package outdir_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Mount mounts a 64 KiB tmpfs for the test: "read-only" remounts it
// read-only with a directory "out" made beforehand (so Open's mkdir
// succeeds and the write fails), "full" fills it, "small" leaves it
// empty. It skips when not root or when mount fails; the tmpfs is
// unmounted in Cleanup.
func Mount(t *testing.T, mode string) string {
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
