package multihost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/syncbuf"
)

// The delay the test adds on one link, and the least shift of the median
// latency it accepts for it: a busy 2-core machine adds noise, never a
// negative delay.
const (
	delay    = 2 * time.Millisecond
	minShift = 1500 * time.Microsecond
	maxShift = delay + 10*time.Millisecond
)

// TestAcrossNamespaces runs snbench's tcp and nats topologies over three
// network namespaces, each with its own network stack behind a veth pair:
// the coordinator and the NATS server on the host side, one TCP node and
// one NATS node in each namespace.
func TestAcrossNamespaces(t *testing.T) {
	requireNetns(t)
	began := time.Now()
	bin := buildSnbench(t)
	t.Logf("built snbench in %v", time.Since(began).Round(time.Millisecond))
	nss := newNamespaces(t, 3)
	dir := t.TempDir()
	tokenFile, wrongFile := secretFile(t, dir, "token"), secretFile(t, dir, "wrong")
	natsToken := randomHex(16)
	srv, err := natsserver.Start(hostPort(nss[0].hostIP, 0), natsToken, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	subject := fmt.Sprintf("%s%d", prefix, os.Getpid())

	var addrs []string
	var tcpNodes []*proc
	for i, s := range nss {
		if i > 0 {
			s.routeTo(t, nss[0].hostIP) // to the NATS server
		}
		p := start(t, s.name, nil, bin, "node", "--listen", hostPort(s.nsIP, 7070), "--token-file", tokenFile,
			"--name", fmt.Sprintf("ns%d", i))
		line, err := p.line(10 * time.Second)
		if err != nil {
			t.Fatalf("tcp node in %s: %v", s.name, err)
		}
		addrs = append(addrs, strings.TrimPrefix(line, node.ListenPrefix))
		tcpNodes = append(tcpNodes, p)
		n := start(t, s.name, []string{natsconn.EnvToken + "=" + natsToken}, bin, "node", "--nats", srv.URL(),
			"--subject", subject, "--name", fmt.Sprintf("ns%d-nats", i))
		if err := n.waitLog("waiting for coordinators", 10*time.Second); err != nil {
			t.Fatalf("nats node in %s: %v", s.name, err)
		}
	}
	t.Logf("nodes: tcp %v, nats on %s subject %s", addrs, srv.URL(), subject)
	throughput := []string{"--workers", "3", "--tasks", "200000", "--repetitions", "3", "--warmup", "5000"}
	if raceEnabled { // about 6x slower: keep the test near 15 s
		throughput = []string{"--workers", "3", "--tasks", "30000", "--repetitions", "2", "--warmup", "1000"}
	}

	t.Run("tcp", func(t *testing.T) {
		res := coordinate(t, bin, nil, append([]string{"--nodes", strings.Join(addrs, ","), "--token-file", tokenFile}, throughput...)...)
		checkVerified(t, res)
		for i, p := range tcpNodes {
			if !strings.Contains(p.stderr.String(), "session from "+nss[i].hostIP+":") {
				t.Errorf("node ns%d saw no session from the host side:\n%s", i, p.stderr)
			}
		}
	})
	t.Run("nats", func(t *testing.T) {
		res := coordinate(t, bin, []string{natsconn.EnvToken + "=" + natsToken},
			append([]string{"--nats-url", srv.URL(), "--nats-remote", "--nats-subject", subject}, throughput...)...)
		checkVerified(t, res)
		if c := res.Cells[0]; c.DispatchBy != "nats queue group" {
			t.Errorf("dispatch_by %q", c.DispatchBy)
		}
	})
	t.Run("loopback for comparison", func(t *testing.T) {
		checkVerified(t, coordinate(t, bin, nil, append([]string{"--topology", "tcp,nats"}, throughput...)...))
	})
	t.Run("wrong token", func(t *testing.T) {
		code, stderr := coordinateFail(t, bin, "--nodes", addrs[1], "--token-file", wrongFile, "--workers", "1", "--tasks", "100",
			"--repetitions", "1", "--warmup", "0")
		want := "node tcp-1 (" + addrs[1] + ")"
		if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "refused the session") {
			t.Errorf("exit %d, stderr %q; want exit 1 naming %q as refusing", code, stderr, want)
		}
		if err := tcpNodes[1].waitLog("refused: handshake: authentication failed", 5*time.Second); err != nil {
			t.Error(err)
		}
	})
	t.Run("delay", func(t *testing.T) {
		line := newDelayLine(t, nss[2], addrs[2])
		remote := []string{"--nodes", line.addr(), "--token-file", tokenFile, "--workers", "1", "--repetitions", "1", "--warmup", "100"}
		oneByOne := []string{"--tasks", "800", "--batch", "1", "--window", "1"}
		windowed := []string{"--tasks", "20000", "--batch", "64", "--window", "4"}
		t.Log("for comparison, a node on loopback:")
		coordinate(t, bin, nil, append([]string{"--topology", "tcp", "--workers", "1", "--repetitions", "1", "--warmup", "100"}, oneByOne...)...)
		if line.addr() != addrs[2] {
			t.Log("a node in a namespace, direct:")
			coordinate(t, bin, nil, append([]string{"--nodes", addrs[2], "--token-file", tokenFile, "--workers", "1",
				"--repetitions", "1", "--warmup", "100"}, oneByOne...)...)
			t.Logf("through %s:", line.kind())
		}
		before := coordinate(t, bin, nil, append(remote, oneByOne...)...)
		checkVerified(t, before)
		checkVerified(t, coordinate(t, bin, nil, append(remote, windowed...)...))
		line.set(t, delay)
		t.Logf("with +%v:", delay)
		after := coordinate(t, bin, nil, append(remote, oneByOne...)...)
		checkVerified(t, after)
		slow := coordinate(t, bin, nil, append(remote, windowed...)...)
		checkVerified(t, slow)
		line.set(t, 0)
		p0, p1 := before.Cells[0].Summary.Latency.P50, after.Cells[0].Summary.Latency.P50
		shift := time.Duration(p1 - p0)
		t.Logf("%s: +%v moved p50 from %v to %v (%v), p99 from %v to %v", line.kind(), delay, time.Duration(p0), time.Duration(p1), shift,
			time.Duration(before.Cells[0].Summary.Latency.P99), time.Duration(after.Cells[0].Summary.Latency.P99))
		if shift < minShift || shift > maxShift {
			t.Errorf("p50 moved by %v for a %v delay; want between %v and %v", shift, delay, minShift, maxShift)
		}
		// A closed loop of window x batch tasks in flight cannot beat one
		// window per delay (Little's law): the delay must bound it.
		bound := 4 * 64 / delay.Seconds()
		if got := slow.Cells[0].Summary.Throughput.Mean; got > 1.2*bound {
			t.Errorf("%.0f tasks/s through a %v delay with 4 x 64 tasks in flight; the delay bounds it to %.0f", got, delay, bound)
		}
	})
	t.Logf("took %v", time.Since(began).Round(time.Millisecond))
}

// coordinate runs `snbench run args...` on the host side and returns its
// results; it fails t unless the run exits 0.
func coordinate(t *testing.T, bin string, env []string, args ...string) *results.Results {
	t.Helper()
	out := filepath.Join(t.TempDir(), "res")
	argv := append([]string{"run", "-o", out, "--progress", "off", "--format", "csv"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Env = append(os.Environ(), env...)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("snbench %s: %v\n%s%s", strings.Join(argv, " "), err, stdout, stderr.String())
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		s := c.Summary
		t.Logf("%s: %.0f tasks/s, latency p50 %v p99 %v, %.0f ns CPU/task (coordinator %.0f)", c.Key, s.Throughput.Mean,
			time.Duration(s.Latency.P50), time.Duration(s.Latency.P99), s.CPUPerTaskNS, s.CoordCPUPerTaskNS)
	}
	return res
}

// coordinateFail runs `snbench run args...` expecting it to fail and
// returns its exit code and stderr.
func coordinateFail(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"run", "-o", filepath.Join(t.TempDir(), "res"), "--progress", "off"}, args...)...)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return 0, stderr.String()
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	}
	t.Fatal(err)
	return 0, ""
}

// checkVerified fails t unless every cell ran every repetition and every
// task came back once with the right value.
func checkVerified(t *testing.T, res *results.Results) {
	t.Helper()
	if res.Incomplete || len(res.Cells) == 0 {
		t.Fatalf("incomplete run: %s", res.Error)
	}
	for _, c := range res.Cells {
		want := int64(c.Tasks) * int64(res.Plan.Repetitions)
		if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != want {
			t.Errorf("%s: status %s, %+v, want %d verified", c.Key, c.Status, c.Verify, want)
		}
	}
}

func secretFile(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(randomHex(24)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
