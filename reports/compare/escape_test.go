package compare

import "testing"

// TestMDEscape: cells are escaped, and a cell with nothing to escape
// costs no allocation (a Replacer built per cell made compare's fuzz
// target 3.5 times slower: 2.76 ms against 0.78 ms per input).
func TestMDEscape(t *testing.T) {
	for in, want := range map[string]string{"1.23ms": "1.23ms", "a|b": `a\|b`, "two\nlines": "two lines"} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = mdEscape("BenchmarkDoubling/topology=tcp/workers=4") }); n != 0 {
		t.Errorf("mdEscape of a clean cell: %v allocations, want 0", n)
	}
}
