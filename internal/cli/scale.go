package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxScaleValues bounds how many values a scale list may expand to.
const MaxScaleValues = 4096

// ParseScale parses a scale list: comma-separated items, each a positive
// integer ("8"), a range stepping by one ("1..4"), a range stepping by a
// factor ("1..64x2": 1,2,4,...,64) or by an addend ("2..10+4": 2,6,10).
// Underscores may group digits ("100_000"); k and M suffixes multiply by
// 1,000 and 1,000,000. The result keeps the given order and drops repeats.
func ParseScale(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty list")
	}
	var out []int
	seen := map[int]bool{}
	add := func(v int) error {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
		if len(out) > MaxScaleValues {
			return fmt.Errorf("more than %d values", MaxScaleValues)
		}
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, rest, isRange := strings.Cut(item, "..")
		if !isRange {
			v, err := parsePositive(item)
			if err != nil {
				return nil, err
			}
			if err := add(v); err != nil {
				return nil, err
			}
			continue
		}
		from, err := parsePositive(lo)
		if err != nil {
			return nil, err
		}
		step, mul := 1, false
		hi := rest
		if h, f, ok := strings.Cut(rest, "x"); ok {
			hi, mul = h, true
			if step, err = parsePositive(f); err != nil {
				return nil, fmt.Errorf("%q: factor: %w", item, err)
			}
			if step < 2 {
				return nil, fmt.Errorf("%q: factor must be at least 2", item)
			}
		} else if h, a, ok := strings.Cut(rest, "+"); ok {
			hi = h
			if step, err = parsePositive(a); err != nil {
				return nil, fmt.Errorf("%q: step: %w", item, err)
			}
		}
		to, err := parsePositive(hi)
		if err != nil {
			return nil, err
		}
		if to < from {
			return nil, fmt.Errorf("%q: range ends below its start", item)
		}
		for v := from; v <= to; {
			if err := add(v); err != nil {
				return nil, err
			}
			if mul {
				v *= step
			} else {
				v += step
			}
		}
	}
	return out, nil
}

func parsePositive(s string) (int, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	mult := 1
	switch {
	case strings.HasSuffix(t, "k"):
		t, mult = strings.TrimSuffix(t, "k"), 1000
	case strings.HasSuffix(t, "M"):
		t, mult = strings.TrimSuffix(t, "M"), 1_000_000
	}
	v, err := strconv.Atoi(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if v < 1 {
		return 0, fmt.Errorf("%q: must be at least 1", s)
	}
	if v > (1<<31)/mult {
		return 0, fmt.Errorf("%q: too large", s)
	}
	return v * mult, nil
}

// FormatScale formats a list as ParseScale reads it.
func FormatScale(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

// Scale is a pflag.Value holding a scale list.
type Scale struct {
	Values []int
}

// String formats the list.
func (s *Scale) String() string { return FormatScale(s.Values) }

// Set parses v into the list.
func (s *Scale) Set(v string) error {
	vs, err := ParseScale(v)
	if err != nil {
		return err
	}
	s.Values = vs
	return nil
}

// Type names the value in help.
func (*Scale) Type() string { return "list" }

// Count is one positive integer flag that takes what a scale list's items
// take: "1000", "100_000", "10k", "2M".
type Count struct {
	// N is the value.
	N int
}

// Set parses s.
func (c *Count) Set(s string) error {
	v, err := parsePositive(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	c.N = v
	return nil
}

// String formats the value.
func (c *Count) String() string { return strconv.Itoa(c.N) }

// Type names the flag's value in help.
func (c *Count) Type() string { return "count" }

// Auto is the value ParseWindows gives the item "auto": the window
// snbench chooses per cell by a probe (results.WindowAuto).
const Auto = 0

// ParseWindows parses a --window list: a scale list (see ParseScale)
// whose items may also be "auto", held as Auto. The result keeps the
// given order and drops repeats.
func ParseWindows(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty list")
	}
	var out []int
	seen := map[int]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		var vs []int
		switch item {
		case "auto":
			vs = []int{Auto}
		case "":
			return nil, fmt.Errorf(`"" is not a whole number (or auto)`)
		default:
			var err error
			if vs, err = ParseScale(item); err != nil {
				return nil, fmt.Errorf("%w (or auto)", err)
			}
		}
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		if len(out) > MaxScaleValues {
			return nil, fmt.Errorf("more than %d values", MaxScaleValues)
		}
	}
	return out, nil
}

// FormatWindows formats a list as ParseWindows reads it.
func FormatWindows(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
		if v == Auto {
			parts[i] = "auto"
		}
	}
	return strings.Join(parts, ",")
}

// Windows is a pflag.Value holding a --window list (see ParseWindows).
type Windows struct {
	Values []int
}

// String formats the list.
func (w *Windows) String() string { return FormatWindows(w.Values) }

// Set parses v into the list.
func (w *Windows) Set(v string) error {
	vs, err := ParseWindows(v)
	if err != nil {
		return err
	}
	w.Values = vs
	return nil
}

// Type names the value in help.
func (*Windows) Type() string { return "list" }
