package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// tput is a throughput of mean m with a 95% interval of ±rel (relative);
// rel < 0 means no interval.
func tput(m, rel float64) results.Estimate {
	if rel < 0 {
		return results.Estimate{Mean: m, N: 1}
	}
	return results.Estimate{Mean: m, Lo: m * (1 - rel), Hi: m * (1 + rel), HasCI: true, N: 3}
}

// speedupRun is one topology at 1 and n workers with the given
// throughputs, on a machine of cores CPUs and GOMAXPROCS procs.
func speedupRun(t *testing.T, cores, procs, n int, x1, xn results.Estimate) *results.Results {
	t.Helper()
	res := synth{topologies: []string{"tcp"}, workers: []int{1, n}, reps: 3}.build(t)
	res.Env.Cores, res.Env.GOMAXPROCS = cores, procs
	cellAt(t, res, "tcp", 1).Summary.Throughput = x1
	cellAt(t, res, "tcp", n).Summary.Throughput = xn
	return res
}

func TestSpeedupBeyondMachine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		cores, procs, n  int
		x1, xn           results.Estimate
		want             bool
		wantCeil, wantSp string // in the note, when want
		wantLo           string // in the note, when there are intervals
	}{
		// 2.25x on 2 cores, no intervals: beyond.
		{name: "2.25x on 2 cores, one repetition", cores: 2, procs: 2, n: 2, x1: tput(1e6, -1), xn: tput(2.25e6, -1),
			want: true, wantCeil: "at most 2x", wantSp: "2.25x", wantLo: "(no 95% interval, so part of the excess may be noise)"},
		// ±5% each: h = 7.07%, lower end 2.25*0.929 = 2.09 > 2.
		{name: "2.25x ±7% on 2 cores", cores: 2, procs: 2, n: 2, x1: tput(1e6, 0.05), xn: tput(2.25e6, 0.05),
			want: true, wantCeil: "at most 2x", wantSp: "2.25x", wantLo: "(95% interval from 2.09x)"},
		// ±10% each: h = 14.1%, lower end 1.93 ≤ 2: within the noise.
		{name: "2.25x ±14% on 2 cores", cores: 2, procs: 2, n: 2, x1: tput(1e6, 0.1), xn: tput(2.25e6, 0.1)},
		{name: "1.9x on 2 cores", cores: 2, procs: 2, n: 2, x1: tput(1e6, -1), xn: tput(1.9e6, -1)},
		// 4 workers on 2 cores: the ceiling is the cores'.
		{name: "3x at 4 workers on 2 cores", cores: 2, procs: 2, n: 4, x1: tput(1e6, 0.01), xn: tput(3e6, 0.01),
			want: true, wantCeil: "at most 2x", wantSp: "3.00x"},
		// 2 workers on 8 cores: the ceiling is the workers'.
		{name: "2.5x at 2 workers on 8 cores", cores: 8, procs: 8, n: 2, x1: tput(1e6, -1), xn: tput(2.5e6, -1),
			want: true, wantCeil: "at most 2x", wantSp: "2.50x"},
		{name: "3x at 4 workers on 8 cores", cores: 8, procs: 8, n: 4, x1: tput(1e6, -1), xn: tput(3e6, -1)},
		// GOMAXPROCS 1 on 8 cores: one CPU's worth.
		{name: "1.5x under GOMAXPROCS 1", cores: 8, procs: 1, n: 2, x1: tput(1e6, -1), xn: tput(1.5e6, -1),
			want: true, wantCeil: "at most 1x", wantSp: "1.50x"},
		{name: "cores unknown", n: 2, x1: tput(1e6, -1), xn: tput(9e6, -1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := speedupRun(t, tt.cores, tt.procs, tt.n, tt.x1, tt.xn)
			var got *Row
			for _, r := range Rows(res) {
				if r.Cell.Workers == tt.n {
					got = &r
				}
			}
			if got.Beyond != tt.want {
				t.Fatalf("speedup %.3f: Beyond = %v, want %v", got.Speedup, got.Beyond, tt.want)
			}
			var b bytes.Buffer
			if err := WriteTable(&b, res, FormatTerminal); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			finding := strings.Join(Findings(res), "\n")
			if !tt.want {
				if strings.Contains(out, "beyond the machine") || strings.Contains(finding, "beyond the machine") {
					t.Errorf("flagged beyond the machine:\n%s\n%s", out, finding)
				}
				return
			}
			for _, want := range []string{" " + tt.wantSp + beyondMark, "speedup " + tt.wantSp,
				"over 1 worker is beyond the machine", tt.wantCeil, tt.wantLo, "the 1-worker cell left the machine partly idle"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(finding, "beyond the machine") {
				t.Errorf("findings lack the flag:\n%s", finding)
			}
		})
	}
}
