package reports

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"ns", FormatDuration(812, 3), "812ns"},
		{"us", FormatDuration(3176, 3), "3.18us"},
		{"ms rounding up a unit", FormatDuration(999_700, 3), "1.00ms"},
		{"s", FormatDuration(2.5e9, 2), "2.5s"},
		{"rate plain", FormatRate(950, 3), "950"},
		{"rate k", FormatRate(12_345, 3), "12.3k"},
		{"rate M rounding up", FormatRate(999_700, 3), "1.00M"},
		{"rate G", FormatRate(3.2e9, 2), "3.2G"},
		{"percent", FormatPercent(0.0213, 2), "2.1%"},
		{"ratio", FormatRatio(1.934), "1.93x"},
		{"ratio NaN", FormatRatio(math.NaN()), "-"},
		{"ratio Inf", FormatRatio(math.Inf(1)), "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestSigFigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		got    int
		want   int
		reason string
	}{
		{"error in first decimal", SigFigsForError(3.80e6, 0.15e6), 2, "3.8M ± 0.15M"},
		{"error in second decimal", SigFigsForError(1.10e6, 0.033e6), 3, "1.10M ± 0.03M"},
		{"just under a power of ten", SigFigsForError(2e6, 99_999), 2, "the error rounds to 100k"},
		{"huge error", SigFigsForError(32e6, 16e6), 2, "never fewer than 2"},
		{"tiny error", SigFigsForError(1.234567e6, 1), 4, "never more than 4"},
		{"no error", SigFigsForError(5, 0), 3, "default"},
		{"NaN error", SigFigsForError(5, math.NaN()), 3, "default"},
		{"3% relative", SigFigsFor(0.03), 2, "last digit ~ 3%"},
		{"0.3% relative", SigFigsFor(0.003), 3, "last digit ~ 0.3%"},
		{"no relative error", SigFigsFor(0), 3, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %d significant digits, want %d (%s)", tt.got, tt.want, tt.reason)
			}
		})
	}
}

func TestCompactRate(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{500: "500", 20000: "20k", 1.5e6: "1.5M", 2e9: "2G"} {
		if got := compactRate(v); got != want {
			t.Errorf("compactRate(%g) = %q, want %q", v, got, want)
		}
	}
}
