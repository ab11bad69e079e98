package history_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/reports/compare"
	"github.com/snbench/snbench/reports/history"
)

// envAppender makes the test binary an appender that appends to the file
// it names until it is killed.
const envAppender = "SNBENCH_HISTORY_APPENDER"

func TestMain(m *testing.M) {
	if path := os.Getenv(envAppender); path != "" {
		os.Exit(appendForever(path))
	}
	goleak.VerifyTestMain(m)
}

// appendForever appends numbered entries, each with enough samples to make
// a write take a while, continuing the numbering of what the file holds.
func appendForever(path string) int {
	entries, _, err := history.Read(path)
	if err != nil && !os.IsNotExist(unwrapAll(err)) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := len(entries); ; i++ {
		if err := history.Append(path, entry(i, 1, 500)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// entry makes entry number i: commit "c<i>", one benchmark whose tasks/s
// samples (n of them) are around 1e6/slow.
func entry(i int, slow float64, n int) history.Entry {
	rng := rand.New(rand.NewPCG(uint64(i), 9))
	var tput, p99 []float64
	for range n {
		tput = append(tput, 1e6/slow*math.Exp(0.02*rng.NormFloat64()))
		p99 = append(p99, 50e-6*slow*math.Exp(0.1*rng.NormFloat64()))
	}
	return history.Entry{Schema: history.Schema, Commit: fmt.Sprintf("c%d", i),
		Date: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC),
		Benchmarks: []history.Benchmark{{Name: "Doubling/topology=goroutine/workers=2-2",
			Samples: map[string][]float64{compare.UnitTasksPerS: tput, compare.UnitP99: p99}}}}
}

func commits(es []history.Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Commit)
	}
	return strings.Join(s, ",")
}

func TestAppendRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "history.jsonl")
	for i := range 3 {
		if err := history.Append(path, entry(i, 1, 5)); err != nil {
			t.Fatal(err)
		}
	}
	es, warn, err := history.Read(path)
	if err != nil || len(warn) > 0 {
		t.Fatalf("Read: %v %v", err, warn)
	}
	if got := commits(es); got != "c0,c1,c2" {
		t.Fatalf("commits %s", got)
	}
	if es[1].Benchmarks[0].Samples[compare.UnitTasksPerS][4] != entry(1, 1, 5).Benchmarks[0].Samples[compare.UnitTasksPerS][4] {
		t.Error("samples changed on the way")
	}
	if err := history.Append(path, history.Entry{Schema: history.Schema}); err == nil {
		t.Error("an entry without benchmarks was appended")
	}
}

func TestTornAndCorruptLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	for i := range 2 {
		if err := history.Append(good, entry(i, 1, 3)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(good)
	lines := bytes.SplitAfter(b, []byte("\n"))
	for _, tt := range []struct {
		name, content, commits, err string
		warned                      bool
	}{
		{"torn last line", string(b) + string(lines[0][:40]), "c0,c1", "", true},
		{"corrupt middle line", string(lines[0]) + "{not json}\n" + string(lines[1]), "", "line 2", false},
		{"blank lines", "\n" + string(lines[0]) + "\n\n" + string(lines[1]), "c0,c1", "", false},
		{"other schema", strings.Replace(string(lines[0]), `"schema":1`, `"schema":7`, 1), "", "schema 7", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			es, warn, err := history.Read(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if aerr := history.Append(path, entry(9, 1, 3)); aerr == nil {
					t.Error("Append over a corrupt file succeeded (and would lose it)")
				}
				return
			}
			if err != nil || commits(es) != tt.commits || (len(warn) > 0) != tt.warned {
				t.Fatalf("Read: %v, commits %s, warnings %v", err, commits(es), warn)
			}
			if err := history.Append(path, entry(2, 1, 3)); err != nil {
				t.Fatal(err)
			}
			es, warn, err = history.Read(path)
			if err != nil || len(warn) > 0 || commits(es) != tt.commits+",c2" {
				t.Fatalf("after Append: %v, commits %s, warnings %v", err, commits(es), warn)
			}
		})
	}
}

// TestAppendKilled kills an appending process at random moments: the file
// must always read cleanly and keep every entry it held before the kill,
// numbered without gaps.
func TestAppendKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "history.jsonl")
	rng := rand.New(rand.NewPCG(1, 1))
	before := 0
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envAppender+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it append a few entries, then kill it mid-write.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if es, _, err := history.Read(path); err == nil && len(es) >= before+3 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		seen, _, _ := history.Read(path)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if stderr.Len() > 0 {
			t.Fatalf("appender: %s", stderr.Bytes())
		}
		es, _, err := history.Read(path)
		if err != nil {
			t.Fatalf("round %d: file unreadable after kill: %v", round, err)
		}
		if len(es) < len(seen) || len(es) < before+3 {
			t.Fatalf("round %d: %d entries after the kill, %d seen before it", round, len(es), len(seen))
		}
		for i, e := range es {
			if e.Commit != "c"+strconv.Itoa(i) {
				t.Fatalf("round %d: entry %d is %s: %s", round, i, e.Commit, commits(es))
			}
		}
		before = len(es)
	}
	t.Logf("%d entries after 3 kills", before)
}

func TestConcurrentAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.jsonl")
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range 10 {
				if err := history.Append(path, entry(100*g+i, 1, 3)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	es, _, err := history.Read(path)
	if err != nil || len(es) != 30 {
		t.Fatalf("%d entries, %v; want 30", len(es), err)
	}
}

// TestPlot: a lasting slowdown from the seventh commit is marked as a
// regression in both metrics, a one-entry spike is not, and every chart
// is written in both formats.
func TestPlot(t *testing.T) {
	t.Parallel()
	var es []history.Entry
	for i := range 12 {
		slow := 1.0
		switch {
		case i == 3:
			slow = 1.4
		case i >= 6:
			slow = 1.25
		}
		es = append(es, entry(i, slow, 10))
	}
	dir := t.TempDir()
	res, err := history.Plot(context.Background(), es, dir, history.PlotOptions{Changes: history.DefaultChangeOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 4 {
		t.Errorf("files %v, want 2 charts x png, svg", res.Files)
	}
	for _, f := range res.Files {
		if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if res.Changes == nil || len(res.Changes.Changes) != 2 {
		t.Fatalf("changes %+v, want tasks/s and p99 at c6", res.Changes)
	}
	for _, c := range res.Changes.Changes {
		if c.Verdict != history.VerdictRegression || c.Commit != "c6" || c.Entry != 7 {
			t.Errorf("unexpected change %+v", c)
		}
	}
	if _, err := history.Plot(context.Background(), nil, dir, history.PlotOptions{Changes: history.DefaultChangeOptions()}); err == nil {
		t.Error("Plot of no entries succeeded")
	}
	short, err := history.Plot(context.Background(), es[:2], t.TempDir(), history.PlotOptions{Changes: history.DefaultChangeOptions()})
	if err != nil || short.Changes != nil || len(short.Warnings) == 0 || len(short.Files) != 4 {
		t.Errorf("two entries: %+v %v, want charts without change points and a warning", short, err)
	}
}
