package proctest

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain makes the test binary sleep when a test starts it as a child,
// and otherwise runs the tests and checks that none left a goroutine.
func TestMain(m *testing.M) {
	if os.Getenv("PROCTEST_SLEEP") == "1" {
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func TestChildrenAndAlive(t *testing.T) {
	self := exec.Command(os.Args[0])
	self.Env = append(os.Environ(), "PROCTEST_SLEEP=1")
	if err := self.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = self.Process.Kill(); _ = self.Wait() }()
	other := exec.Command("sleep", "10")
	if err := other.Start(); err == nil {
		defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	}
	time.Sleep(50 * time.Millisecond) // let the child's exec finish
	pids, ok := Children(os.Getpid())
	if !ok {
		t.Skip("no /proc")
	}
	if !slices.Contains(pids, self.Process.Pid) || !Alive(self.Process.Pid) {
		t.Fatalf("child %d running this binary not among %v", self.Process.Pid, pids)
	}
	if other.Process != nil && slices.Contains(pids, other.Process.Pid) {
		t.Fatalf("child %d running another program (sleep) counted as a node", other.Process.Pid)
	}
	_ = self.Process.Kill()
	_ = self.Wait()
	if Alive(self.Process.Pid) {
		t.Fatalf("reaped child %d still alive", self.Process.Pid)
	}
}
