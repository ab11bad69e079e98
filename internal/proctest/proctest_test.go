package proctest

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestChildrenAndAlive(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	pids, ok := Children(os.Getpid())
	if !ok {
		t.Skip("no /proc")
	}
	if !slices.Contains(pids, cmd.Process.Pid) || !Alive(cmd.Process.Pid) {
		t.Fatalf("child %d not among %v", cmd.Process.Pid, pids)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if Alive(cmd.Process.Pid) {
		t.Fatalf("reaped child %d still alive", cmd.Process.Pid)
	}
}
