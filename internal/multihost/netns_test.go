package multihost

import (
	"bufio"
	"context"
	"fmt"
	"github.com/snbench/snbench/internal/needs"
	"github.com/snbench/snbench/internal/syncbuf"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// prefix starts the names of everything the test creates; the pid follows,
// so that parallel runs do not collide and leftovers of dead runs can be
// recognised.
const prefix = "snbt"

// ns is one network namespace joined to the host by a veth pair.
type ns struct {
	name         string // namespace
	hostIf, nsIf string // veth ends
	hostIP, nsIP string // a /30 of 10.231.0.0/16
}

// ip runs ip (or tc) with args and fails t with its output on error.
func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := runIP(args...); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func runIP(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// requireNetns skips t unless this process may create namespaces.
func requireNetns(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("creates network namespaces: skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		needs.Skip(t, "needs root to create network namespaces and veth pairs (CI runs as root)")
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			needs.Skip(t, "needs %s from iproute2 (apt-get install iproute2): %v", tool, err)
		}
	}
	probe := fmt.Sprintf("%s%dprobe", prefix, os.Getpid())
	if out, err := runIP("ip", "netns", "add", probe); err != nil {
		needs.Skip(t, "cannot create a network namespace here: %v: %s", err, out)
	}
	_, _ = runIP("ip", "netns", "del", probe)
	removeStale(t)
}

// removeStale deletes namespaces and veths that runs of this test left
// behind when they were killed: their names carry a pid that is gone.
func removeStale(t *testing.T) {
	out, err := runIP("ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pidStr = strings.TrimSuffix(pidStr, "probe")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // that run is still going
		}
		t.Logf("removing namespace %s left by dead run %d", name, pid)
		for i := range 8 {
			_, _ = runIP("ip", "link", "del", fmt.Sprintf("%s%dh%d", prefix, pid, i))
		}
		_, _ = runIP("ip", "netns", "del", name)
	}
}

// newNamespaces creates n namespaces, each with a /30 to the host, and
// removes them when the test ends, also on failure.
func newNamespaces(t *testing.T, n int) []ns {
	t.Helper()
	pid := os.Getpid()
	base := freeSubnets(t, pid, n)
	out := make([]ns, n)
	for i := range n {
		idx := base + i
		o3, o4 := (idx*4)/256, (idx*4)%256
		s := ns{
			name:   fmt.Sprintf("%s%d-%d", prefix, pid, i),
			hostIf: fmt.Sprintf("%s%dh%d", prefix, pid, i),
			nsIf:   fmt.Sprintf("%s%dn%d", prefix, pid, i),
			hostIP: fmt.Sprintf("10.231.%d.%d", o3, o4+1),
			nsIP:   fmt.Sprintf("10.231.%d.%d", o3, o4+2),
		}
		ip(t, "ip", "netns", "add", s.name)
		t.Cleanup(func() {
			_, _ = runIP("ip", "link", "del", s.hostIf)
			if out, err := runIP("ip", "netns", "del", s.name); err != nil {
				t.Errorf("removing namespace %s: %v: %s", s.name, err, out)
			}
		})
		ip(t, "ip", "link", "add", s.hostIf, "type", "veth", "peer", "name", s.nsIf, "netns", s.name)
		ip(t, "ip", "addr", "add", s.hostIP+"/30", "dev", s.hostIf)
		ip(t, "ip", "link", "set", s.hostIf, "up")
		ip(t, "ip", "-n", s.name, "addr", "add", s.nsIP+"/30", "dev", s.nsIf)
		ip(t, "ip", "-n", s.name, "link", "set", s.nsIf, "up")
		ip(t, "ip", "-n", s.name, "link", "set", "lo", "up")
		out[i] = s
	}
	return out
}

// freeSubnets picks n consecutive /30s of 10.231.0.0/16, starting from one
// derived from pid, none of which the host already uses.
func freeSubnets(t *testing.T, pid, n int) int {
	t.Helper()
	used, err := runIP("ip", "-o", "-4", "addr", "show")
	if err != nil {
		t.Fatalf("ip addr show: %v: %s", err, used)
	}
	const subnets = 1 << 14
	for try := 0; try < 64; try++ {
		base := (pid*n + try*n) % (subnets - n)
		free := true
		for i := range n {
			idx := base + i
			if strings.Contains(used, fmt.Sprintf("10.231.%d.%d/", (idx*4)/256, (idx*4)%256+1)) {
				free = false
			}
		}
		if free {
			return base
		}
	}
	t.Fatal("no free /30s in 10.231.0.0/16")
	return 0
}

// routeTo lets s reach addr, a host address on another veth, through its
// own veth (the host delivers locally; nothing is forwarded).
func (s ns) routeTo(t *testing.T, addr string) {
	ip(t, "ip", "-n", s.name, "route", "add", addr+"/32", "via", s.hostIP)
}

// proc is a process the test started; its output is kept.
type proc struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *syncbuf.Buffer
	done   chan struct{}
}

// start runs bin with args inside namespace nsName (the host when empty)
// until the test ends.
func start(t *testing.T, nsName string, env []string, bin string, args ...string) *proc {
	t.Helper()
	name, argv := bin, args
	if nsName != "" {
		name, argv = "ip", append([]string{"netns", "exec", nsName, bin}, args...)
	}
	cmd := exec.Command(name, argv...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdout = bufio.NewReader(out)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", argv, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// line reads the process's next stdout line within d.
func (p *proc) line(d time.Duration) (string, error) {
	ch := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		l, err := p.stdout.ReadString('\n')
		if err != nil {
			errc <- err
			return
		}
		ch <- strings.TrimSpace(l)
	}()
	select {
	case l := <-ch:
		go func() { _, _ = io.Copy(io.Discard, p.stdout) }()
		return l, nil
	case err := <-errc:
		return "", fmt.Errorf("%w (stderr: %s)", err, p.stderr)
	case <-time.After(d):
		return "", fmt.Errorf("nothing within %v (stderr: %s)", d, p.stderr)
	}
}

// waitLog waits up to d for the process's stderr to contain s.
func (p *proc) waitLog(s string, d time.Duration) error {
	for deadline := time.Now().Add(d); !strings.Contains(p.stderr.String(), s); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("no %q within %v; stderr: %s", s, d, p.stderr)
		}
	}
	return nil
}

// buildSnbench builds the snbench command into the test's temp dir, with
// the race detector when the test has it, so that go test's build cache
// serves most of it.
func buildSnbench(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		needs.Skip(t, "needs the go tool to build snbench: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "snbench")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, append(args, "github.com/snbench/snbench/cmd/snbench")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hostPort joins an address and a port.
func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
