package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "1,2,4,8", want: []int{1, 2, 4, 8}},
		{in: "1..64x2", want: []int{1, 2, 4, 8, 16, 32, 64}},
		{in: "1..4", want: []int{1, 2, 3, 4}},
		{in: "2..10+4", want: []int{2, 6, 10}},
		{in: "1..10x3", want: []int{1, 3, 9}},
		{in: "100_000, 1M", want: []int{100000, 1000000}},
		{in: "10k", want: []int{10000}},
		{in: "4,4,1..4", want: []int{4, 1, 2, 3}},
		{in: "", wantErr: "empty list"},
		{in: "0", wantErr: "must be at least 1"},
		{in: "-2", wantErr: "must be at least 1"},
		{in: "two", wantErr: "not a whole number"},
		{in: "8..1", wantErr: "ends below its start"},
		{in: "1..8x1", wantErr: "factor must be at least 2"},
		{in: "1..100000000", wantErr: "more than"},
		{in: "99999999999", wantErr: "too large"},
		{in: "3000M", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseScale(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseScale(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseScale(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseScale(f *testing.F) {
	for _, s := range []string{"1,2,4,8", "1..64x2", "2..10+4", "1k,1M", "0", "8..1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseScale(s)
		if err != nil {
			return
		}
		if len(vs) == 0 || len(vs) > MaxScaleValues {
			t.Fatalf("ParseScale(%q) gave %d values", s, len(vs))
		}
		for _, v := range vs {
			if v < 1 {
				t.Fatalf("ParseScale(%q) gave %d", s, v)
			}
		}
		again, err := ParseScale(FormatScale(vs))
		if err != nil || !reflect.DeepEqual(again, vs) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}

func TestCount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"1000": 1000, "1k": 1000, "2M": 2_000_000, "100_000": 100_000} {
		var c Count
		if err := c.Set(in); err != nil || c.N != want {
			t.Errorf("Count.Set(%q) = %d, %v; want %d", in, c.N, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "1..4", "x", "1,2"} {
		var c Count
		if err := c.Set(in); err == nil {
			t.Errorf("Count.Set(%q) accepted %d", in, c.N)
		}
	}
}

func TestParseWindows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "auto", want: []int{Auto}},
		{in: "4,16", want: []int{4, 16}},
		{in: "auto, 1..64x2", want: []int{Auto, 1, 2, 4, 8, 16, 32, 64}},
		{in: "auto,auto,4,4", want: []int{Auto, 4}},
		{in: "auto,0", wantErr: `"0": must be at least 1 (or auto)`},
		{in: "fast", wantErr: `"fast" is not a whole number (or auto)`},
		{in: "Auto", wantErr: "not a whole number (or auto)"},
		{in: "", wantErr: "empty list"},
		{in: "auto,", wantErr: "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWindows(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseWindows(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseWindows(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseWindows(f *testing.F) {
	for _, s := range []string{"auto", "auto,4", "1..64x2,auto", "0", "auto,0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseWindows(s)
		if err != nil {
			return
		}
		if len(vs) == 0 || len(vs) > MaxScaleValues {
			t.Fatalf("ParseWindows(%q) gave %d values", s, len(vs))
		}
		for _, v := range vs {
			if v < 0 {
				t.Fatalf("ParseWindows(%q) gave %d", s, v)
			}
		}
		again, err := ParseWindows(FormatWindows(vs))
		if err != nil || !reflect.DeepEqual(again, vs) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}
