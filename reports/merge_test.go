package reports

import (
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	a := synth{topologies: []string{"tcp"}, workers: []int{1, 4}, reps: 2}.build(t)
	b := synth{topologies: []string{"goroutine"}, workers: []int{1, 2}, reps: 2}.build(t)
	b.Env.Host = "otherhost"
	b.Warnings = []string{"cpu frequency scaling is on"}
	m, err := Merge([]string{"a.json", "b.json"}, []*results.Results{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Plan.Topologies, []string{"tcp", "goroutine"}) || !slices.Equal(m.Plan.Workers, []int{1, 2, 4}) {
		t.Errorf("merged plan: topologies %v workers %v", m.Plan.Topologies, m.Plan.Workers)
	}
	var keys []string
	for _, c := range m.Cells {
		keys = append(keys, c.Topology+"/"+string(rune('0'+c.Workers)))
	}
	if want := []string{"tcp/1", "tcp/4", "goroutine/1", "goroutine/2"}; !slices.Equal(keys, want) {
		t.Errorf("cells %v, want %v", keys, want)
	}
	joined := strings.Join(m.Warnings, "\n")
	for _, w := range []string{"b.json: cpu frequency scaling is on", "different machines or builds", "b.json on otherhost"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %q:\n%s", w, joined)
		}
	}
	if len(a.Cells) != 2 || len(a.Warnings) != 0 {
		t.Error("Merge changed its input")
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	base := func() *results.Results {
		return synth{topologies: []string{"tcp"}, workers: []int{1, 4}, reps: 2}.build(t)
	}
	tests := []struct {
		name   string
		change func(r *results.Results)
		want   string
	}{
		{name: "same cell", change: func(*results.Results) {}, want: "a.json and b.json both hold cell tcp/workers=1/"},
		{name: "other repetitions", change: func(r *results.Results) { r.Plan.Topologies = []string{"x"}; r.Plan.Repetitions = 7 },
			want: "differ in plan.repetitions (2 vs 7)"},
		{name: "other workload", change: func(r *results.Results) { r.Plan.Topologies = []string{"x"}; r.Plan.Workload = "sleep" },
			want: "differ in plan.workload (doubling vs sleep)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := base()
			tt.change(b)
			for i := range b.Cells {
				b.Cells[i].Topology = b.Plan.Topologies[0]
			}
			_, err := Merge([]string{"a.json", "b.json"}, []*results.Results{base(), b})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
