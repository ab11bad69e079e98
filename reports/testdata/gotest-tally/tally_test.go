package tally

import (
	"fmt"
	"strings"
	"testing"
)

func text(words int) string {
	var b strings.Builder
	for i := range words {
		fmt.Fprintf(&b, "w%d ", i%97)
	}
	return b.String()
}

func BenchmarkCount(b *testing.B) {
	for _, n := range []int{100, 1000} {
		s := text(n)
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			probes := 0
			for b.Loop() {
				_, p := Count(s)
				probes += p
			}
			b.ReportMetric(float64(probes)/float64(b.N), "probes/op")
		})
	}
}

func BenchmarkCountParallel(b *testing.B) {
	s := text(200)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			Count(s)
		}
	})
}
