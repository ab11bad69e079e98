package action_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// actionlintModule is the actionlint this project pins; go run fetches it
// through the module proxy where it is not on PATH.
const actionlintModule = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// TestLint runs actionlint over every workflow; through the workflows'
// uses: ./ it checks action.yml's inputs too. Where actionlint can be
// neither found nor fetched the test skips, except under CI=true, where
// it fails.
func TestLint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs actionlint")
	}
	root := repoRoot(t)
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		gobin := t.TempDir()
		get := exec.Command("go", "install", actionlintModule)
		get.Dir = gobin // outside this module: go install pkg@version ignores go.mod
		get.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
		if out, err := get.CombinedOutput(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("actionlint: neither on PATH nor installable: %v\n%s", err, out)
			}
			t.Skipf("actionlint: neither on PATH nor installable: %v\n%s", err, out)
		}
		bin = filepath.Join(gobin, "actionlint")
	}
	cmd := exec.Command(bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}
