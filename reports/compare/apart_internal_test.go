package compare

import (
	"strings"
	"testing"
)

// TestOneAxisApart: when no benchmark is in both sets, the error says
// which one part of the names is all that keeps them apart, and gives the
// window auto hint where one side ran at auto.
func TestOneAxisApart(t *testing.T) {
	set := func(names ...string) *Set {
		s := &Set{}
		for _, n := range names {
			s.Benchmarks = append(s.Benchmarks, &Benchmark{Name: n})
		}
		return s
	}
	for _, tt := range []struct {
		name     string
		old, new *Set
		want     []string // substrings; none: ""
	}{
		{"window 4 against auto",
			set("Doubling/topology=tcp/workers=1/window=4/batch=64-2"), set("Doubling/topology=tcp/workers=1/window=auto/batch=64-2"),
			[]string{"differ only in window (old 4, new auto)", "window auto is a key of its own"}},
		{"batch",
			set("Doubling/topology=tcp/window=4/batch=64-2"), set("Doubling/topology=tcp/window=4/batch=16-2"),
			[]string{"differ only in batch (old 64, new 16)"}},
		{"GOMAXPROCS",
			set("Doubling/topology=tcp/batch=64-2"), set("Doubling/topology=tcp/batch=64-16"),
			[]string{"differ only in GOMAXPROCS (the -N suffix) (old 2, new 16)"}},
		{"two parts apart", set("Doubling/topology=tcp/batch=64-2"), set("Doubling/topology=nats/batch=16-2"), nil},
		{"other shapes", set("Doubling/topology=tcp-2"), set("Other/a=1/b=2-2"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := oneAxisApart(tt.old, tt.new)
			if tt.want == nil && got != "" {
				t.Errorf("got %q, want nothing", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to say %q", got, w)
				}
			}
		})
	}
}
