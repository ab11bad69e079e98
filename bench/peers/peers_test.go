// Tests of peers.sh, the script behind 'make peers' (this directory holds
// no Go package of its own, only this test).
package peers_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pairRow is one row of the pairs table: snbench | peer | measured on both
// sides | snbench tasks/s | peer tasks/s | ratio | target | met.
var pairRow = regexp.MustCompile(`^\| ([^|]+) \| ([^|]+) \| (whole process|measured window) \| ([0-9]+) \| ([0-9]+) \| ([0-9]+\.[0-9]{2})x \| >= ([0-9]+)x \| (yes|no) \|$`)

// skippedRow is a pair that could not be measured (redis not installed).
var skippedRow = regexp.MustCompile(`^\| ([^|]+) \| ([^|]+) \| (whole process|measured window) \| - \| - \| - \| >= ([0-9]+)x \| skipped: redis not installed \|$`)

// ceilingRow is one row of the ceiling table: transport alone | peer | raw
// tasks/s | peer tasks/s | ceiling | target: verdict.
var ceilingRow = regexp.MustCompile(`^\| (raw [^|]+) \| ([^|]+) \| ([0-9]+) \| ([0-9]+) \| ([0-9]+\.[0-9]{2})x \| >= ([0-9]+)x: (within reach|out of reach) \|$`)

// sideRow is one row of the per-side table: side | whole process s,
// median (min-max) | measured window tasks/s, median (min-max).
var sideRow = regexp.MustCompile(`^\| ([a-z0-9]+) \| (?:([0-9.]+) \([0-9.]+-[0-9.]+\)|-) \| ([0-9]+) \([0-9]+-[0-9]+\) \|$`)

// TestPeersScript runs peers.sh at a tiny size (20,000 tasks, one round):
// it must print the definitions and every pair, once on each figure that
// pair is measured on, each with numeric figures whose ratio is the
// printed ratio, a met column that follows from the ratio and the target,
// and whole-process figures that are the task count over the per-side
// table's seconds. The redis pairs may be skipped, saying so, where redis
// is not installed.
func TestPeersScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds snbench and runs the Python reference and snbench")
	}
	for _, tool := range []string{"bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "snbench")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/snbench/snbench/cmd/snbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const tasks = 20000
	cmd := exec.CommandContext(ctx, "bash", "peers.sh", bin)
	cmd.Env = append(os.Environ(), "TASKS="+strconv.Itoa(tasks), "REPS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("peers.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr.String())
	}
	text := string(stdout)
	for _, def := range []string{"  whole process ", "  measured window ", "  in flight ", "  ratio "} {
		if !strings.Contains(text, "\n"+def) {
			t.Errorf("no definition %q in the output:\n%s", strings.TrimSpace(def), text)
		}
	}

	want := map[string]int{ // peer and figure -> target
		"python queues as written, 3 workers/whole process":                   50,
		"python queues as written, 3 workers/measured window":                 50,
		"python Pool.map chunksize=64, 3 workers/whole process":               5,
		"python Pool.map chunksize=64, 3 workers/measured window":             5,
		"redis-benchmark -c 1 -P 64 (64 in flight)/measured window":           2,
		"redis-benchmark -c 1 -P 256 (256 in flight, deeper)/measured window": 2,
	}
	whole := map[string]float64{} // snbench or peer -> whole-process tasks/s printed
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if m := skippedRow.FindStringSubmatch(line); m != nil {
			key := m[2] + "/" + m[3]
			if !strings.HasPrefix(m[2], "redis-benchmark") {
				t.Errorf("%s: skipped, but only the redis pairs may be: %s", key, line)
			}
			seen[key] = true
			continue
		}
		m := pairRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := m[2] + "/" + m[3]
		seen[key] = true
		snb, peer, ratio := number(t, m[4]), number(t, m[5]), number(t, m[6])
		if snb <= 0 || peer <= 0 {
			t.Errorf("%s: a figure is not positive: %s", key, line)
			continue
		}
		// The figures are printed rounded to whole tasks/s and the ratio to
		// 0.01x, so the two agree to half a hundredth plus the figures' rounding.
		if got := snb / peer; math.Abs(got-ratio) > 0.005+1e-4*got {
			t.Errorf("%s: ratio %.2fx printed, %.4fx from the printed figures %.0f / %.0f", key, ratio, got, snb, peer)
		}
		if target := want[key]; target != 0 && strconv.Itoa(target) != m[7] {
			t.Errorf("%s: target %sx, want %dx", key, m[7], target)
		}
		if met := ratio >= number(t, m[7]); (m[8] == "yes") != met {
			t.Errorf("%s: met %q with ratio %.2fx and target %sx", key, m[8], ratio, m[7])
		}
		if m[3] == "whole process" {
			whole["sub"], whole[side(m[2])] = snb, peer
		}
	}
	// Where redis ran, each redis pair has its ceiling: the raw transport
	// at the same depth over the same peer figure, and a verdict that
	// follows from it.
	ceilings := 0
	for _, line := range strings.Split(text, "\n") {
		m := ceilingRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ceilings++
		raw, peer, ratio := number(t, m[3]), number(t, m[4]), number(t, m[5])
		if got := raw / peer; math.Abs(got-ratio) > 0.005+1e-4*got {
			t.Errorf("ceiling %s: %.2fx printed, %.4fx from %.0f / %.0f", m[1], ratio, got, raw, peer)
		}
		if reach := ratio >= number(t, m[6]); (m[7] == "within reach") != reach {
			t.Errorf("ceiling %s: %q with %.2fx against a target of %sx", m[1], m[7], ratio, m[6])
		}
	}
	redisRan := !strings.Contains(text, "skipped: redis not installed")
	if redisRan && ceilings != 2 {
		t.Errorf("%d ceiling rows, want 2 (redis ran):\n%s", ceilings, text)
	}
	for key := range want {
		if !seen[key] {
			t.Errorf("no row for %s in the output:\n%s", key, text)
		}
	}

	// The whole-process figures are tasks over the median seconds of the
	// per-side table, printed to the millisecond.
	sides := 0
	for _, line := range strings.Split(text, "\n") {
		m := sideRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		sides++
		rate, ok := whole[m[1]]
		if m[2] == "" || !ok {
			continue
		}
		s := number(t, m[2])
		if lo, hi := tasks/(s+0.0005), tasks/(s-0.0005); rate < lo-1 || rate > hi+1 {
			t.Errorf("%s: whole process %.0f tasks/s, but %d tasks in %.3f s is %.0f-%.0f", m[1], rate, tasks, s, lo, hi)
		}
	}
	if sides < 3 {
		t.Errorf("%d rows in the per-side table, want at least sub, seed and pool:\n%s", sides, text)
	}
}

// side names the per-side table's row of a peer in the pairs table.
func side(peer string) string {
	switch {
	case strings.HasPrefix(peer, "python queues"):
		return "seed"
	case strings.HasPrefix(peer, "python Pool.map"):
		return "pool"
	}
	return peer
}

func number(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}
