package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceCommit: an unstamped build records the working directory's
// HEAD only when that repository is its own module, from the top or a
// folder below it; another repository, or none, records nothing.
func TestSourceCommit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := func(module string) (dir, head string) {
		dir = t.TempDir()
		git := func(args ...string) string {
			cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("git %v: %v: %s", args, err, out)
			}
			return strings.TrimSpace(string(out))
		}
		git("init", "-q")
		if module != "" {
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Join(dir, "cmd", "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		git("commit", "-q", "--allow-empty", "-m", "x")
		return dir, git("rev-parse", "HEAD")
	}
	own, ownHead := repo("github.com/snbench/snbench")
	other, _ := repo("example.com/other")
	bare, _ := repo("")
	// No repository: a folder no repository above it may claim (a
	// temporary folder inside a clone would otherwise be that clone's).
	none := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(none))
	tests := []struct {
		name, dir, module, want string
	}{
		{"its own repository", own, "github.com/snbench/snbench", ownHead},
		{"a folder below its top", filepath.Join(own, "cmd", "x"), "github.com/snbench/snbench", ownHead},
		{"another module's repository", other, "github.com/snbench/snbench", ""},
		{"a repository without go.mod", bare, "github.com/snbench/snbench", ""},
		{"no repository", none, "github.com/snbench/snbench", ""},
		{"no module recorded", own, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sourceCommit(tt.dir, tt.module); got != tt.want {
				t.Errorf("sourceCommit(%s, %q) = %q, want %q", tt.dir, tt.module, got, tt.want)
			}
		})
	}
}
