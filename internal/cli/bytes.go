package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bytes is a byte count flag: "4GiB", "512MiB", "1.5GB", "1000000" (bytes).
// Binary units (KiB, MiB, GiB, TiB) are powers of 1024; KB, MB, GB and TB
// are powers of 1000. The zero value means unset.
type Bytes struct {
	// N is the count, in bytes.
	N int64
}

var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// Set parses s.
func (b *Bytes) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v <= 0 || v*mult >= math.MaxInt64/2 {
		return fmt.Errorf("%q: want a positive size such as 4GiB, 512MiB or 1.5GB", s)
	}
	b.N = int64(v * mult)
	return nil
}

// String formats the count in bytes.
func (b *Bytes) String() string {
	if b.N == 0 {
		return ""
	}
	return strconv.FormatInt(b.N, 10) + "B"
}

// Type names the flag's value in help.
func (b *Bytes) Type() string { return "size" }
